//! Participatory budgeting in the portal: a municipality's process in phases, residents'
//! proposals and the office's feasibility review, two secret votes, and the results counted by
//! `sportello-pb` (greedy and the Method of Equal Shares side by side, and the shift between
//! the uninformed and the informed vote). Ballots hold no identity; see `seal_pb_vote`.

use sportello_domain::identity::CitizenIdentity;
use sportello_domain::participation::{
    check_districts, check_phases, check_settings, ProcessSettings,
};
pub use sportello_domain::participation::{
    BallotError, BallotKind, CountingRule, Eligibility, Execution, ParticipationError, Phase,
    ProjectStatus,
};
use sportello_pb::{
    equal_shares, greedy, Ballot, Election, Greedy, MesOptions, Project, Row, VoteType,
};
use sportello_store::{
    to_millis, EnteRow, NewPbBallot, PbDistrictRow, PbPhaseRow, PbProcessRow, PbProjectRow,
};
use time::Date;

use crate::capabilities::Participation;
use crate::crypto::{random_token, sha256_hex};
use crate::sessions::StaffPrincipal;
use crate::{App, AppError};

mod debate;
mod import;
mod votes;
pub use debate::{PbProjectDebate, REPORT_THRESHOLD};

/// The Italian name of a phase, in the description of exported `.pb` files (pages take theirs
/// from the web's catalogue).
pub(crate) fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Proposals => "Proposte dei residenti",
        Phase::Review => "Verifica di fattibilità",
        Phase::Vote1 => "Primo voto (non informato)",
        Phase::Debate => "Informazione e dibattito",
        Phase::Vote2 => "Secondo voto (informato)",
        Phase::Results => "Risultati",
        Phase::Tracking => "Monitoraggio della realizzazione",
    }
}

/// The Italian description of a kind of ballot.
pub fn ballot_kind_name(kind: BallotKind) -> &'static str {
    match kind {
        BallotKind::Approval => {
            "Approvazione: si scelgono i progetti, entro il budget o entro un numero minimo e massimo"
        }
        BallotKind::Cumulative => "Punti: si distribuiscono i punti tra i progetti",
        BallotKind::Ordinal => "Classifica: si ordinano i progetti preferiti",
    }
}

/// The Italian name of how a chosen project is being carried out.
pub fn execution_name(status: Execution) -> &'static str {
    match status {
        Execution::Planned => "Da avviare",
        Execution::InProgress => "In corso",
        Execution::Done => "Realizzato",
        Execution::Cancelled => "Annullato",
    }
}

/// What the office fills in to start a process.
#[derive(Debug, Clone, Default)]
pub struct NewProcess {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub budget: i64,
    pub ballot_kind: String,
    pub min_projects: Option<i64>,
    pub max_projects: Option<i64>,
    pub max_points: Option<i64>,
    pub rule: String,
    pub eligibility: String,
    pub min_age: i64,
    /// (phase kind, opens on, closes on), dates `YYYY-MM-DD`, Italian time.
    pub phases: Vec<(String, String, String)>,
    /// (code, name, budget) when the budget is split by district; their budgets add up to the
    /// whole budget.
    pub districts: Vec<(String, String, i64)>,
}

/// A process as the portal shows it.
/// A participatory budget as the personal area shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyPb {
    pub ente_name: String,
    pub ente_slug: String,
    pub slug: String,
    pub title: String,
    /// How many projects this person proposed.
    pub proposals: usize,
    /// The votes this person took part in.
    pub voted: Vec<Phase>,
    /// A phase this person may take part in today, and its last day (`YYYY-MM-DD`).
    pub open_now: Option<(Phase, String)>,
}

#[derive(Debug, Clone)]
pub struct PbProcess {
    pub row: PbProcessRow,
    pub phases: Vec<PbPhaseRow>,
    pub projects: Vec<PbProjectRow>,
    /// The districts, when the budget is split by district.
    pub districts: Vec<PbDistrictRow>,
    /// The phases open today.
    pub open: Vec<Phase>,
}

impl PbProcess {
    pub fn is_open(&self, phase: Phase) -> bool {
        self.open.contains(&phase)
    }

    /// The vote open today, if any.
    pub fn open_vote(&self) -> Option<Phase> {
        Phase::VOTES.into_iter().find(|v| self.is_open(*v))
    }

    /// Projects that passed the feasibility review (or came with an imported election).
    pub fn feasible(&self) -> impl Iterator<Item = &PbProjectRow> {
        self.projects.iter().filter(|p| p.status.is_on_ballot())
    }

    /// A district by code.
    pub fn district(&self, code: &str) -> Option<&PbDistrictRow> {
        self.districts.iter().find(|d| d.code == code)
    }
}

/// A ballot as submitted: project numbers in the order given, and points where the kind has them.
#[derive(Debug, Clone, Default)]
pub struct BallotInput {
    pub projects: Vec<i64>,
    pub points: Vec<i64>,
    /// The district voted in, when the budget is split by district.
    pub district: Option<String>,
}

/// One vote's count.
#[derive(Debug, Clone)]
pub struct VoteCount {
    pub phase: Phase,
    /// The district counted, when the budget is split by district (one count each).
    pub district: Option<PbDistrictRow>,
    pub ballots: usize,
    pub assisted: usize,
    /// Support per project number (approvals, points or Borda score).
    pub support: Vec<(i64, i128)>,
    pub greedy: Vec<i64>,
    /// `None` when MES does not apply (points or rankings).
    pub mes: Option<Vec<i64>>,
    pub election: Election,
}

/// Results of a process: each vote counted, and the official outcome under the chosen rule.
#[derive(Debug, Clone)]
pub struct PbResults {
    pub process: PbProcess,
    pub votes: Vec<VoteCount>,
}

impl PbResults {
    /// The counts of the last vote held (one per district): the vote that decides.
    pub fn deciding(&self) -> Vec<&VoteCount> {
        let last = self.votes.last().map(|v| v.phase);
        self.votes
            .iter()
            .filter(|v| Some(v.phase) == last)
            .collect()
    }

    /// The funded projects under the municipality's rule (in every district).
    pub fn official(&self) -> Vec<i64> {
        self.deciding()
            .into_iter()
            .flat_map(|v| {
                if self.process.row.rule == CountingRule::Mes {
                    v.mes.clone().unwrap_or_else(|| v.greedy.clone())
                } else {
                    v.greedy.clone()
                }
            })
            .collect()
    }

    /// Per project: share of ballots supporting it in the first and in the second vote, in
    /// percent, and the change (positive: gained support after the debate).
    pub fn shift(&self) -> Vec<(i64, f64, f64, f64)> {
        let count = |phase: Phase, district: &Option<String>| {
            self.votes.iter().find(|v| {
                v.phase == phase && v.district.as_ref().map(|d| &d.code) == district.as_ref()
            })
        };
        let share = |v: &VoteCount, p: i64| -> f64 {
            let total: i128 = v.support.iter().map(|s| s.1).sum();
            let mine = v
                .support
                .iter()
                .find(|s| s.0 == p)
                .map(|s| s.1)
                .unwrap_or(0);
            if total == 0 {
                0.0
            } else {
                mine as f64 * 100.0 / total as f64
            }
        };
        let mut out: Vec<(i64, f64, f64, f64)> = self
            .process
            .feasible()
            .filter_map(|p| {
                let (a, b) = (
                    count(Phase::Vote1, &p.district)?,
                    count(Phase::Vote2, &p.district)?,
                );
                let (x, y) = (share(a, p.number), share(b, p.number));
                Some((p.number, x, y, y - x))
            })
            .collect();
        out.sort_by(|l, r| r.3.total_cmp(&l.3));
        out
    }
}

fn today(app: &App) -> Date {
    sportello_domain::calendar::in_rome(app.now()).date()
}

fn valid_date(s: &str) -> bool {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

/// The store's "no such row of this ente" is a 404 for the caller.
fn not_found_if_absent(e: sportello_store::StoreError) -> AppError {
    match e {
        sportello_store::StoreError::Conflict(_) => AppError::NotFound,
        e => e.into(),
    }
}

/// At most three images per proposal, each a PNG or JPEG of at most 5 MB, with its text
/// alternative (for people who cannot see it).
fn checked_images(
    images: &[(crate::blobs::Upload, String)],
) -> Result<Vec<(crate::blobs::Upload, crate::blobs::FileKind, String)>, AppError> {
    if images.len() > 3 {
        return Err(AppError::from(ParticipationError::TooManyImages));
    }
    let mut out = Vec::new();
    for (upload, alt) in images {
        if upload.size() > 5 * 1024 * 1024 {
            return Err(AppError::from(ParticipationError::ImageTooLarge));
        }
        let kind = upload
            .kind()
            .ok()
            .filter(|k| {
                matches!(
                    k,
                    crate::blobs::FileKind::Png | crate::blobs::FileKind::Jpeg
                )
            })
            .ok_or_else(|| AppError::from(ParticipationError::ImageUnreadable))?;
        let alt = alt.trim();
        if alt.is_empty() || alt.chars().count() > 300 {
            return Err(AppError::from(ParticipationError::ImageAltMissing));
        }
        out.push((upload.clone(), kind, alt.to_owned()));
    }
    Ok(out)
}

/// The districts as rows, checked by the domain (`check_districts`).
fn checked_districts(
    given: &[(String, String, i64)],
    budget: i64,
) -> Result<Vec<PbDistrictRow>, AppError> {
    Ok(check_districts(given, budget)?
        .into_iter()
        .map(|d| PbDistrictRow {
            code: d.code,
            name: d.name,
            budget: d.budget,
        })
        .collect())
}

/// The phases as rows, checked by the domain (`check_phases`).
fn checked_phases(given: &[(String, String, String)]) -> Result<Vec<PbPhaseRow>, AppError> {
    Ok(check_phases(given)?
        .into_iter()
        .map(|(kind, opens_on, closes_on)| PbPhaseRow {
            kind,
            opens_on,
            closes_on,
        })
        .collect())
}

impl App {
    fn person_hash(&self, process: &PbProcessRow, fiscal_code: &str) -> String {
        sha256_hex(format!("{}|{}", process.salt, fiscal_code.trim().to_uppercase()).as_bytes())
    }
    /// The key under which a voter's ballot sits while the vote is open, so that their next
    /// ballot replaces it: an HMAC under the ballot key, a secret of its own (rotating the CSRF
    /// key must not let a voter's new ballot stand beside the old one).
    fn ballot_key(&self, process: &PbProcessRow, phase: Phase, person_hash: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.keys.ballot);
        let message = format!("pb-ballot|{}|{}|{person_hash}", process.id, phase.code());
        crate::crypto::hex(ring::hmac::sign(&key, message.as_bytes()).as_ref())
    }
}

impl Participation<'_> {
    /// Changes the dates of the phases (to extend a phase, or close one early). A vote already
    /// sealed stays closed whatever its new dates.
    pub async fn set_pb_phases(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        given: &[(String, String, String)],
    ) -> Result<(), AppError> {
        if !crate::may_administer(staff, ente.ente_id()) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        if process.row.historical {
            return Err(AppError::from(ParticipationError::ImportedDatesFixed));
        }
        let phases = checked_phases(given)?;
        self.app
            .store
            .tenant(ente.ente_id())
            .replace_pb_phases(&process.row.id, &phases)
            .await?;
        Ok(())
    }
    /// Starts a process (ente administrators of the ente, or the region).
    pub async fn create_pb_process(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        p: NewProcess,
    ) -> Result<(), AppError> {
        if !crate::may_administer(staff, ente.ente_id()) {
            return Err(AppError::NotFound);
        }
        let (ballot_kind, rule, eligibility) = check_settings(&ProcessSettings {
            slug: &p.slug,
            title: &p.title,
            budget: p.budget,
            ballot_kind: &p.ballot_kind,
            min_projects: p.min_projects,
            max_projects: p.max_projects,
            max_points: p.max_points,
            rule: &p.rule,
            eligibility: &p.eligibility,
            min_age: p.min_age,
        })?;
        let phases = checked_phases(&p.phases)?;
        let districts = checked_districts(&p.districts, p.budget)?;
        let tenant = self.app.store.tenant(ente.ente_id());
        if tenant.pb_process(&p.slug).await?.is_some() {
            return Err(AppError::from(ParticipationError::SlugTaken));
        }
        let row = PbProcessRow {
            id: random_token(12),
            slug: p.slug,
            title: p.title.trim().to_owned(),
            description: p.description.trim().to_owned(),
            budget: p.budget,
            ballot_kind,
            min_projects: p.min_projects,
            max_projects: p.max_projects,
            max_points: p.max_points,
            rule,
            eligibility,
            min_age: p.min_age,
            salt: random_token(16),
            historical: false,
            created_at: to_millis(self.app.now()),
        };
        tenant.insert_pb_process(&row, &phases, &districts).await?;
        Ok(())
    }
    /// A process with its phases and projects; `NotFound` for another ente's or none.
    pub async fn pb_process(&self, ente: &EnteRow, slug: &str) -> Result<PbProcess, AppError> {
        let tenant = self.app.store.tenant(ente.ente_id());
        let row = tenant.pb_process(slug).await?.ok_or(AppError::NotFound)?;
        let phases = tenant.pb_phases(&row.id).await?;
        let projects = tenant.pb_projects(&row.id).await?;
        let day = today(self.app).to_string();
        let open = phases
            .iter()
            .filter(|f| f.opens_on <= day && day <= f.closes_on)
            .map(|f| f.kind)
            .collect();
        let districts = tenant.pb_districts(&row.id).await?;
        Ok(PbProcess {
            districts,
            row,
            phases,
            projects,
            open,
        })
    }
    /// Where this person takes part in participatory budgets: the live processes they proposed
    /// in or voted in, and those they may take part in today (a phase open, eligible).
    pub async fn my_pb(&self, who: &CitizenIdentity) -> Result<Vec<MyPb>, AppError> {
        let mut out = Vec::new();
        for (ente_id, slug) in self.app.store.region_wide().live_pb_processes().await? {
            let ente = self.app.ente_by_id(ente_id).await?;
            // An assisted session sees only the operator's ente.
            if crate::sessions::reaches_ente(who, ente.ente_id()).is_err() {
                continue;
            }
            let p = self.pb_process(&ente, &slug).await?;
            let hash = self.app.person_hash(&p.row, &who.fiscal_code);
            let proposals = p
                .projects
                .iter()
                .filter(|j| j.proposer_hash.as_deref() == Some(hash.as_str()))
                .count();
            let mut voted = Vec::new();
            for v in Phase::VOTES {
                if p.phases.iter().any(|f| f.kind == v)
                    && self
                        .app
                        .store
                        .tenant(ente.ente_id())
                        .pb_has_voted(&p.row.id, v.code(), &hash)
                        .await?
                {
                    voted.push(v);
                }
            }
            let open_now = [Phase::Proposals, Phase::Vote1, Phase::Vote2]
                .into_iter()
                .find(|k| p.is_open(*k))
                .and_then(|k| {
                    let f = p.phases.iter().find(|f| f.kind == k)?;
                    Some((k, f.closes_on.clone()))
                });
            let invited = open_now.is_some() && self.pb_eligibility(&ente, &p, who).await.is_ok();
            if proposals == 0 && voted.is_empty() && !invited {
                continue;
            }
            out.push(MyPb {
                ente_name: ente.name.clone(),
                ente_slug: ente.slug.clone(),
                slug: p.row.slug.clone(),
                title: p.row.title.clone(),
                proposals,
                voted,
                open_now: open_now.filter(|_| invited),
            });
        }
        Ok(out)
    }
    pub async fn pb_processes(&self, ente: &EnteRow) -> Result<Vec<PbProcessRow>, AppError> {
        Ok(self.app.store.tenant(ente.ente_id()).pb_processes().await?)
    }
    /// Whether this person may take part, or why not (in Italian, with the rule).
    pub async fn pb_eligibility(
        &self,
        ente: &EnteRow,
        process: &PbProcess,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let (eligibility, min_age) = (process.row.eligibility, process.row.min_age);
        let age =
            who.fiscal_code
                .age_on(today(self.app))
                .ok_or(ParticipationError::AgeUnreadable {
                    eligibility,
                    min_age,
                })?;
        if i64::from(age) < min_age {
            return Err(ParticipationError::TooYoung {
                age,
                eligibility,
                min_age,
            }
            .into());
        }
        if eligibility == Eligibility::List {
            let hash = self.app.person_hash(&process.row, &who.fiscal_code);
            if !self
                .app
                .store
                .tenant(ente.ente_id())
                .pb_is_eligible(&process.row.id, &hash)
                .await?
            {
                return Err(ParticipationError::NotOnList {
                    eligibility,
                    min_age,
                }
                .into());
            }
        }
        Ok(())
    }
    /// A resident's proposal, while the proposals phase is open.
    #[allow(clippy::too_many_arguments)]
    pub async fn propose_pb(
        &self,
        ente: &EnteRow,
        slug: &str,
        who: &CitizenIdentity,
        title: &str,
        description: &str,
        cost: Option<i64>,
        district: Option<&str>,
        images: &[(crate::blobs::Upload, String)],
    ) -> Result<i64, AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let process = self.app.participation().pb_process(ente, slug).await?;
        if !process.is_open(Phase::Proposals) {
            return Err(AppError::from(ParticipationError::ProposalsClosed));
        }
        self.app
            .participation()
            .pb_eligibility(ente, &process, who)
            .await?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(AppError::from(ParticipationError::ProposalTitle));
        }
        if description.trim().is_empty() {
            return Err(AppError::from(
                ParticipationError::ProposalDescriptionMissing,
            ));
        }
        let cost = cost
            .filter(|c| *c > 0)
            .ok_or_else(|| AppError::from(ParticipationError::EstimatedCostMissing))?;
        let district = if process.districts.is_empty() {
            None
        } else {
            let d = district
                .and_then(|c| process.district(c))
                .ok_or_else(|| AppError::from(ParticipationError::ProposalDistrictMissing))?;
            Some(d)
        };
        let checked = checked_images(images)?;
        let limit = district.map(|d| d.budget).unwrap_or(process.row.budget);
        if cost > limit {
            return Err(ParticipationError::EstimatedCostOverBudget { limit }.into());
        }
        let row = PbProjectRow {
            id: random_token(12),
            number: 0,
            title: title.to_owned(),
            description: description.trim().to_owned(),
            estimated_cost: cost,
            cost: None,
            status: ProjectStatus::Proposed,
            review_reason: None,
            proposer_hash: Some(self.app.person_hash(&process.row, &who.fiscal_code)),
            created_at: to_millis(self.app.now()),
            district: district.map(|d| d.code.clone()),
            execution: None,
            execution_note: None,
        };
        // The images first: a proposal is stored whole or not at all.
        let mut stored = Vec::new();
        for (position, (upload, kind, alt)) in (1_i64..).zip(checked) {
            let digest = self.app.keep_upload(&upload).await?;
            stored.push(sportello_store::PbImageRow {
                position,
                digest,
                media_type: kind.media_type().to_owned(),
                description: alt,
            });
        }
        let tenant = self.app.store.tenant(ente.ente_id());
        let number = tenant.insert_pb_project(&process.row.id, &row).await?;
        for image in &stored {
            tenant.add_pb_project_image(&row.id, image).await?;
        }
        Ok(number)
    }
    /// The office's feasibility review: feasible (with the revised cost) or not, with reasons.
    #[allow(clippy::too_many_arguments)]
    pub async fn review_pb(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        project: &str,
        feasible: bool,
        cost: Option<i64>,
        reason: &str,
    ) -> Result<(), AppError> {
        if !Self::may_moderate(staff, ente) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        let current = process
            .projects
            .iter()
            .find(|p| p.id == project)
            .ok_or(AppError::NotFound)?;
        if process.open_vote().is_some() {
            return Err(AppError::from(ParticipationError::ProjectsFrozenDuringVote));
        }
        let reason = reason.trim();
        if !feasible && reason.is_empty() {
            return Err(AppError::from(ParticipationError::UnfeasibleReasonMissing));
        }
        let cost = if feasible {
            let c = cost.unwrap_or(current.estimated_cost);
            if c <= 0 || c > process.row.budget {
                return Err(ParticipationError::RevisedCostOutOfRange {
                    max: process.row.budget,
                }
                .into());
            }
            Some(c)
        } else {
            None
        };
        let status = if feasible {
            ProjectStatus::Feasible
        } else {
            ProjectStatus::Unfeasible
        };
        self.app
            .store
            .tenant(ente.ente_id())
            .review_pb_project(
                &process.row.id,
                project,
                status,
                cost,
                reason,
                &staff.username,
            )
            .await?;
        Ok(())
    }
    /// Records how a chosen project is being carried out (once the results are out): the
    /// public follows it on the process page.
    pub async fn set_pb_execution(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        project: &str,
        status: &str,
        note: &str,
    ) -> Result<(), AppError> {
        if !Self::may_moderate(staff, ente) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        let day = today(self.app).to_string();
        if !process
            .phases
            .iter()
            .any(|f| f.kind == Phase::Results && f.opens_on <= day)
        {
            return Err(AppError::from(ParticipationError::ExecutionBeforeResults));
        }
        let status = Execution::parse(status)
            .map_err(|_| AppError::from(ParticipationError::ExecutionMissing))?;
        if note.chars().count() > 1000 {
            return Err(AppError::from(ParticipationError::ExecutionNoteTooLong));
        }
        self.app
            .store
            .tenant(ente.ente_id())
            .set_pb_execution(&process.row.id, project, status, note.trim())
            .await
            .map_err(not_found_if_absent)
    }
    /// Replaces the eligible list from text with one codice fiscale per line (or CSV whose first
    /// field is the codice fiscale); only salted hashes are kept. Returns how many.
    pub async fn set_pb_eligible(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        text: &str,
    ) -> Result<usize, AppError> {
        if !crate::may_administer(staff, ente.ente_id()) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        let mut hashes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let field = line
                .split([';', ','])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            if field.is_empty() || (i == 0 && field.eq_ignore_ascii_case("codice_fiscale")) {
                continue;
            }
            let cf = italian_ids::CodiceFiscale::parse(field).map_err(|_| {
                ParticipationError::EligibleListLine {
                    line: i + 1,
                    value: field.to_owned(),
                }
            })?;
            hashes.push(self.app.person_hash(&process.row, cf.as_str()));
        }
        hashes.sort();
        hashes.dedup();
        self.app
            .store
            .tenant(ente.ente_id())
            .replace_pb_eligible(&process.row.id, &hashes)
            .await?;
        Ok(hashes.len())
    }
}
