//! The albo pretorio online (issue 18): an office asks to publish an act; the publication
//! officer — never the one who asked — publishes it (after the privacy check of its text) with
//! the next number of the year and the period its type gives; it may be annulled (it stays
//! listed as annulled) or extended; at the end of the period it leaves the board by itself and
//! its relata di pubblicazione is produced, sealed and registered in the protocol. Every step is
//! a link of the ente's chain; the jobs record every minute that the board was served, and an
//! outage — the gap between beats — lengthens every period it interrupted.

use sportello_domain::albo::privacy::{self, Finding};
use sportello_domain::albo::{self, ActType, AlboEvent, Executivity, ACT_TYPES, GENESIS};
use sportello_domain::identity::{may, Permission};
use sportello_domain::tenancy::EnteId;
use sportello_store::{
    from_millis, to_millis, AlboEntryRow, AlboEventRow, AlboPublication, AlboQuery, NewAlboRequest,
    Store,
};

use crate::capabilities::Albo;
use crate::sessions::StaffPrincipal;
use crate::{AppError, Refusal};

mod jobs;
pub use jobs::AlboJobs;

/// What an office types to ask for a publication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInput {
    pub act_type: String,
    pub subject: String,
    /// The act's own number («n. 12»), if it has one.
    pub act_number: String,
    /// The day it was adopted, `YYYY-MM-DD`, if known.
    pub act_date: String,
    /// The office or the outside body that asks.
    pub requester: String,
    /// The act's responsible officer.
    pub responsible: String,
    /// Days online; empty: the type's default.
    pub days: String,
    pub immediately_executive: bool,
    /// The registration in the protocol through which the request arrived (its id; empty:
    /// none). Its document is the act's when no other is given.
    pub protocol: String,
}

/// What is wrong with a request, field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestProblem {
    ActType,
    Subject,
    Requester,
    Responsible,
    ActDate,
    Days {
        min: u16,
        max: u16,
    },
    /// The document is missing or not a PDF.
    Document,
    /// The registration named is not in the ente's register (for this staff member), or is
    /// annulled.
    Protocol,
    /// The registration was already asked of the albo (that request or entry's id).
    ProtocolTaken {
        id: i64,
    },
    /// An attachment is not a PDF.
    Attachment,
}

/// An entry as the pages read it.
#[derive(Debug, Clone)]
pub struct AlboEntry {
    pub row: AlboEntryRow,
    pub act: ActType,
    /// `2026/0042`, once published.
    pub register: Option<String>,
    pub executivity: Option<Executivity>,
    pub findings: Vec<StoredFinding>,
    /// (name, SHA-256)
    pub attachments: Vec<(String, String)>,
    /// The first and last day online (Italian dates), once published.
    pub days_online: Option<(time::Date, time::Date)>,
    /// Online at this moment.
    pub online: bool,
}

/// A finding as kept with the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredFinding {
    pub kind: String,
    pub found: String,
    pub context: String,
    pub forbidden: bool,
}

impl From<&Finding> for StoredFinding {
    fn from(f: &Finding) -> Self {
        StoredFinding {
            kind: f.kind.code().to_string(),
            found: f.found.clone(),
            context: f.context.clone(),
            forbidden: f.kind.forbidden(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StoredAttachment {
    name: String,
    digest: String,
}

/// The text of a PDF, as well as it can be read (empty when it cannot: a scan has no text,
/// and the officer is told the check read nothing).
pub fn pdf_text(bytes: &[u8]) -> String {
    // A signed envelope (`.p7m`): the text of the PDF it holds.
    let inner = albo::p7m::content(bytes).ok();
    let bytes = inner.as_deref().unwrap_or(bytes);
    let Ok(doc) = lopdf::Document::load_mem(bytes) else {
        return String::new();
    };
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).unwrap_or_default()
}

/// Whether an upload is a PDF, or a signed envelope (`.p7m`, CAdES) holding one — as offices
/// sign their acts. The envelope is kept and published whole; its signature is not checked
/// here (see `sportello_domain::albo::p7m`).
async fn is_pdf_document(u: &crate::blobs::Upload) -> bool {
    match u.kind() {
        Ok(crate::blobs::FileKind::Pdf | crate::blobs::FileKind::PdfA) => true,
        Ok(crate::blobs::FileKind::P7m) => {
            let path = u.path().to_owned();
            tokio::task::spawn_blocking(move || {
                std::fs::read(path)
                    .ok()
                    .and_then(|b| albo::p7m::content(&b).ok())
                    .is_some_and(|d| d.starts_with(b"%PDF-"))
            })
            .await
            .unwrap_or(false)
        }
        _ => false,
    }
}

/// Whether these bytes are a PDF, or a signed envelope holding one.
fn is_pdf_bytes(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-") || albo::p7m::content(bytes).is_ok_and(|d| d.starts_with(b"%PDF-"))
}

/// A document's name as kept: cleaned, and ending in `.p7m` when it is a signed envelope
/// (the pages offer its PDF beside it by that name).
fn document_name(name: &str, u: &crate::blobs::Upload, fallback: &str) -> String {
    let clean = crate::blobs::clean_file_name(name, fallback);
    if matches!(u.kind(), Ok(crate::blobs::FileKind::P7m))
        && !clean.to_ascii_lowercase().ends_with(".p7m")
    {
        format!("{clean}.p7m")
    } else {
        clean
    }
}

/// An entry's type: the region's, or the ente's own as it was when the act was asked for.
fn act_of(row: &AlboEntryRow) -> ActType {
    match ActType::by_code(&row.act_type) {
        Some(t) => t.clone(),
        None => {
            let label = if row.act_label.is_empty() {
                row.act_type.clone()
            } else {
                row.act_label.clone()
            };
            ActType::own(
                row.act_type.clone(),
                label,
                u16::try_from(row.days).unwrap_or(albo::OWN_MAX_DAYS),
            )
        }
    }
}

/// Reads a stored entry for the pages.
fn entry_of(row: AlboEntryRow, now_ms: i64) -> AlboEntry {
    let act = act_of(&row);
    let register = row
        .year
        .zip(row.number)
        .and_then(|(y, n)| i32::try_from(y).ok().map(|y| albo::register_number(y, n)));
    let days_online = row.start_ms.zip(row.end_ms).map(|(s, e)| {
        (
            sportello_domain::calendar::in_rome(from_millis(s)).date(),
            sportello_domain::calendar::in_rome(from_millis(e)).date(),
        )
    });
    let executivity = days_online.and_then(|(first, _)| {
        let adopted = row
            .act_date
            .as_deref()
            .and_then(|d| time::Date::parse(d, &DAY).ok());
        albo::executivity(&act, first, row.immediately_executive == 1, adopted)
    });
    let online = row.state != "requested"
        && row.state != "ended"
        && row.start_ms.is_some_and(|s| s <= now_ms)
        && row.end_ms.is_some_and(|e| e >= now_ms);
    AlboEntry {
        findings: serde_json::from_str(&row.findings).unwrap_or_default(),
        attachments: serde_json::from_str::<Vec<StoredAttachment>>(&row.attachments)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.name, a.digest))
            .collect(),
        act,
        register,
        executivity,
        days_online,
        online,
        row,
    }
}

const DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A stored entry read for the pages, with its own events in the ente's chain (none before
/// it is published).
async fn with_events(
    tenant: &sportello_store::TenantStore<'_>,
    row: AlboEntryRow,
    now_ms: i64,
) -> Result<(AlboEntry, Vec<AlboEventRow>), AppError> {
    let entry = entry_of(row, now_ms);
    let events = match &entry.register {
        Some(r) => tenant.albo_entry_events(r).await?,
        None => Vec::new(),
    };
    Ok((entry, events))
}

fn staff_ente(staff: &StaffPrincipal, permission: Permission) -> Result<EnteId, AppError> {
    staff
        .ente
        .filter(|_| may(&staff.roles, permission))
        .ok_or(AppError::NotFound)
}

/// May this staff member set the albo's default periods?
pub fn configures_albo(staff: &StaffPrincipal) -> bool {
    staff.ente.is_some() && may(&staff.roles, Permission::ConfigureAlbo)
}

/// One act type on an ente's albo: the law's bounds (or, for the ente's own, those of «altro
/// atto»), the ente's default period, and whether new requests may take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlboPeriod {
    pub act: ActType,
    pub days: u16,
    pub in_use: bool,
    /// One the ente added.
    pub own: bool,
}

/// A default period the law does not allow: the type, and the bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodProblem {
    pub act: ActType,
}

/// Why an act type of the ente's own was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnTypeProblem {
    /// No label, or over 100 characters.
    Label,
    /// Days not a number within 1–365.
    Days,
    /// The ente has a type of that name already (its own, or the region's).
    Exists,
}

/// May this staff member open the albo's desk (ask, or publish)?
pub fn works_on_albo(staff: &StaffPrincipal) -> bool {
    may(&staff.roles, Permission::SeeAlboDesk)
}

fn detail(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

impl Albo<'_> {
    /// The ente's act types: the region's (with the ente's period where it set one, always
    /// within the law: it was checked when set), then its own, by label.
    pub async fn periods(&self, ente: EnteId) -> Result<Vec<AlboPeriod>, AppError> {
        let tenant = self.app.store.tenant(ente);
        let set: std::collections::BTreeMap<String, (i64, bool)> = tenant
            .albo_periods()
            .await?
            .into_iter()
            .map(|(code, days, in_use)| (code, (days, in_use)))
            .collect();
        let mut list: Vec<AlboPeriod> = ACT_TYPES
            .iter()
            .map(|act| {
                let (days, in_use) = set.get(act.code.as_ref()).copied().unwrap_or((0, true));
                let days = u16::try_from(days)
                    .ok()
                    .and_then(|d| act.period_days(Some(d)).ok())
                    .unwrap_or(act.default_days);
                AlboPeriod {
                    act: act.clone(),
                    days,
                    in_use,
                    own: false,
                }
            })
            .collect();
        for t in tenant.albo_own_types().await? {
            let act = ActType::own(
                t.code,
                t.label,
                u16::try_from(t.days).unwrap_or(albo::OWN_MAX_DAYS),
            );
            list.push(AlboPeriod {
                days: act.default_days,
                act,
                in_use: t.in_use != 0,
                own: true,
            });
        }
        Ok(list)
    }

    /// The ente's act types new requests may take.
    pub async fn types_in_use(&self, ente: EnteId) -> Result<Vec<ActType>, AppError> {
        Ok(self
            .periods(ente)
            .await?
            .into_iter()
            .filter(|p| p.in_use)
            .map(|p| p.act)
            .collect())
    }

    /// The publication officer (or the ente's administrator) sets the ente's default periods
    /// and which types it uses: `posted` maps each type's code to its days, `in_use` holds the
    /// codes of the types in use (`None`: each type stays as it is). Every type must be given
    /// and within its bounds; nothing is saved unless all are. The problems otherwise.
    pub async fn set_periods(
        &self,
        staff: &StaffPrincipal,
        posted: &std::collections::BTreeMap<String, String>,
        in_use: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<Result<(), Vec<PeriodProblem>>, AppError> {
        let ente = staff_ente(staff, Permission::ConfigureAlbo)?;
        let mut problems = Vec::new();
        let mut periods = Vec::new();
        let list = self.periods(ente).await?;
        for p in &list {
            let days = posted
                .get(p.act.code.as_ref())
                .and_then(|d| d.trim().parse::<u16>().ok())
                .and_then(|d| p.act.period_days(Some(d)).ok());
            match days {
                Some(d) => periods.push((
                    p.act.code.as_ref(),
                    i64::from(d),
                    in_use.map_or(p.in_use, |u| u.contains(p.act.code.as_ref())),
                    p.own,
                )),
                None => problems.push(PeriodProblem { act: p.act.clone() }),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        self.app
            .store
            .tenant(ente)
            .albo_set_periods(&periods, &staff.display_name, to_millis(self.app.now()))
            .await?;
        tracing::info!(staff_id = staff.id, ente = ente.get(), "albo types set");
        Ok(Ok(()))
    }

    /// The publication officer (or the ente's administrator) adds an act type of the ente's
    /// own: a label and a default period within «altro atto»'s bounds. Its code, or why not.
    pub async fn add_own_type(
        &self,
        staff: &StaffPrincipal,
        label: &str,
        days: &str,
    ) -> Result<Result<String, Vec<OwnTypeProblem>>, AppError> {
        let ente = staff_ente(staff, Permission::ConfigureAlbo)?;
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut problems = Vec::new();
        let code = (label.chars().count() <= 100)
            .then(|| ActType::own_code(&label))
            .flatten();
        if code.is_none() {
            problems.push(OwnTypeProblem::Label);
        }
        let days = days
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|d| (albo::OWN_MIN_DAYS..=albo::OWN_MAX_DAYS).contains(d));
        if days.is_none() {
            problems.push(OwnTypeProblem::Days);
        }
        let (Some(code), Some(days)) = (code, days) else {
            return Ok(Err(problems));
        };
        let same = |a: &str| a.to_lowercase() == label.to_lowercase();
        if self
            .periods(ente)
            .await?
            .iter()
            .any(|p| same(&p.act.label) || p.act.code == code)
        {
            return Ok(Err(vec![OwnTypeProblem::Exists]));
        }
        let added = self
            .app
            .store
            .tenant(ente)
            .albo_add_own_type(
                &sportello_store::AlboOwnType {
                    code: code.clone(),
                    label,
                    days: i64::from(days),
                    in_use: 1,
                },
                &staff.display_name,
                to_millis(self.app.now()),
            )
            .await?;
        if !added {
            return Ok(Err(vec![OwnTypeProblem::Exists]));
        }
        tracing::info!(staff_id = staff.id, ente = ente.get(), code = %code, "albo type added");
        Ok(Ok(code))
    }

    /// An office asks to publish an act. The document (a PDF) and its attachments are kept;
    /// the document's text is read and checked for personal data, and what was found is kept
    /// with the request for the publication officer. Its id, or every problem.
    pub async fn request(
        &self,
        staff: &StaffPrincipal,
        input: &RequestInput,
        document: Option<(String, crate::blobs::Upload)>,
        attachments: Vec<(String, crate::blobs::Upload)>,
    ) -> Result<Result<i64, Vec<RequestProblem>>, AppError> {
        let ente = staff_ente(staff, Permission::RequestPublication)?;
        let periods = self.periods(ente).await?;
        let mut problems = Vec::new();
        let act = periods
            .iter()
            .find(|p| p.in_use && p.act.code == input.act_type.trim())
            .map(|p| p.act.clone());
        if act.is_none() {
            problems.push(RequestProblem::ActType);
        }
        let subject = input
            .subject
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if subject.chars().count() < 5 || subject.chars().count() > 500 {
            problems.push(RequestProblem::Subject);
        }
        let requester = input.requester.trim();
        if requester.is_empty() || requester.chars().count() > 200 {
            problems.push(RequestProblem::Requester);
        }
        let responsible = input.responsible.trim();
        if responsible.is_empty() || responsible.chars().count() > 200 {
            problems.push(RequestProblem::Responsible);
        }
        let act_date = input.act_date.trim();
        if !act_date.is_empty() && time::Date::parse(act_date, &DAY).is_err() {
            problems.push(RequestProblem::ActDate);
        }
        let days = match &act {
            Some(act) => {
                let asked = input.days.trim();
                // Not given: the ente's default for the type.
                let asked = if asked.is_empty() {
                    Ok(periods
                        .iter()
                        .find(|p| p.act.code == act.code)
                        .map(|p| p.days))
                } else {
                    asked.parse::<u16>().map(Some)
                };
                match asked.ok().map(|d| act.period_days(d)) {
                    Some(Ok(d)) => Some(d),
                    _ => {
                        problems.push(RequestProblem::Days {
                            min: act.min_days,
                            max: act.max_days,
                        });
                        None
                    }
                }
            }
            None => None,
        };
        // A request that arrived through the protocol: its registration, and its document
        // when none is given here.
        let mut registered: Option<(String, String, String)> = None;
        if !input.protocol.trim().is_empty() {
            let entry = match input.protocol.trim().parse::<i64>() {
                Ok(id) => self.app.registry().registry_entry(staff, id).await.ok(),
                Err(_) => None,
            };
            match entry.filter(|e| e.row.annulled_at.is_none()) {
                Some(e) => {
                    // As the register shows it: «0000028/2026».
                    let number =
                        sportello_domain::protocol::registration_label(e.row.year, e.row.number);
                    let name = e.row.file_name.clone().unwrap_or_else(|| "atto.pdf".into());
                    registered = Some((number, name, e.row.document_digest.clone()));
                }
                None => problems.push(RequestProblem::Protocol),
            }
        }
        // One request per registration (another once the last was sent back).
        if let Some((number, _, _)) = &registered {
            if let Some(other) = self
                .app
                .store
                .tenant(ente)
                .albo_by_protocol_ref(number)
                .await?
            {
                problems.push(RequestProblem::ProtocolTaken { id: other.id });
            }
        }
        let from_register = match (&document, &registered) {
            (None, Some((_, name, digest))) => {
                let bytes = self.read(digest).await.unwrap_or_default();
                is_pdf_bytes(&bytes).then(|| {
                    let p7m = albo::p7m::is_envelope(&bytes);
                    (
                        crate::blobs::clean_file_name(name, "atto.pdf"),
                        digest.clone(),
                        p7m,
                    )
                })
            }
            _ => None,
        };
        match &document {
            Some((_, u)) if is_pdf_document(u).await => {}
            None if from_register.is_some() => {}
            _ => problems.push(RequestProblem::Document),
        }
        let mut attachments_pdf = attachments.len() <= 10;
        for (_, u) in &attachments {
            attachments_pdf = attachments_pdf && is_pdf_document(u).await;
        }
        if !attachments_pdf {
            problems.push(RequestProblem::Attachment);
        }
        let (Some(act), Some(days), true) = (act, days, problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let (kept_name, digest) = match (document, from_register) {
            (Some((name, upload)), _) => (
                document_name(&name, &upload, "atto.pdf"),
                self.app.keep_upload(&upload).await?,
            ),
            (None, Some((name, digest, p7m))) => (
                if p7m && !name.to_ascii_lowercase().ends_with(".p7m") {
                    format!("{name}.p7m")
                } else {
                    name
                },
                digest,
            ),
            (None, None) => return Ok(Err(vec![RequestProblem::Document])),
        };
        let findings = self.check_privacy(&digest).await?;
        let mut kept = Vec::new();
        for (n, u) in &attachments {
            kept.push(StoredAttachment {
                name: document_name(n, u, "allegato.pdf"),
                digest: self.app.keep_upload(u).await?,
            });
        }
        let findings_json =
            serde_json::to_string(&findings).map_err(|e| AppError::Internal(e.to_string()))?;
        let attachments_json =
            serde_json::to_string(&kept).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = self
            .app
            .store
            .albo_request(
                &NewAlboRequest {
                    ente_id: ente.get(),
                    act_type: &act.code,
                    act_label: &act.label,
                    subject: &subject,
                    act_number: input.act_number.trim(),
                    act_date: (!act_date.is_empty()).then_some(act_date),
                    requester,
                    responsible,
                    requested_by: &staff.display_name,
                    requested_by_id: staff.id,
                    document_name: &kept_name,
                    protocol_ref: registered.as_ref().map(|(number, _, _)| number.as_str()),
                    document_digest: &digest,
                    attachments: &attachments_json,
                    attachment_digests: &kept.iter().map(|a| a.digest.as_str()).collect::<Vec<_>>(),
                    days: i64::from(days),
                    immediately_executive: act.deliberation && input.immediately_executive,
                    findings: &findings_json,
                    privacy_findings: i64::try_from(findings.len()).unwrap_or(i64::MAX),
                },
                to_millis(self.app.now()),
            )
            .await?;
        tracing::info!(
            staff_id = staff.id,
            albo_request = id,
            "publication requested"
        );
        Ok(Ok(id))
    }

    /// What the privacy check finds in the text of a kept PDF.
    async fn check_privacy(&self, digest: &str) -> Result<Vec<StoredFinding>, AppError> {
        let bytes = self.read(digest).await?;
        tokio::task::spawn_blocking(move || {
            privacy::scan(&pdf_text(&bytes))
                .iter()
                .map(StoredFinding::from)
                .collect()
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    async fn read(&self, digest: &str) -> Result<Vec<u8>, AppError> {
        self.app
            .blobs
            .get(digest)
            .await
            .map_err(crate::blobs::read_error)
    }

    /// The publication officer publishes a request: now, with the year's next number, for the
    /// period asked. What the privacy check found must be confirmed as seen — or an extract
    /// published instead (checked in turn). Not by whoever asked.
    pub async fn publish(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        findings_confirmed: bool,
        extract: Option<(String, crate::blobs::Upload)>,
    ) -> Result<String, AppError> {
        let ente = staff_ente(staff, Permission::Publish)?;
        let tenant = self.app.store.tenant(ente);
        let row = tenant.albo_by_id(id).await?.ok_or(AppError::NotFound)?;
        if row.state != "requested" {
            return Err(Refusal::AlboNotARequest.into());
        }
        if row.requested_by_id == staff.id {
            return Err(Refusal::AlboOwnRequest.into());
        }
        let mut replaced = None;
        let mut count = row.privacy_findings;
        let forbidden = |json: &str| {
            serde_json::from_str::<Vec<StoredFinding>>(json)
                .unwrap_or_default()
                .iter()
                .any(|f| f.forbidden)
        };
        let mut health = forbidden(&row.findings);
        if let Some((name, upload)) = extract {
            if !matches!(
                upload.kind(),
                Ok(crate::blobs::FileKind::Pdf | crate::blobs::FileKind::PdfA)
            ) {
                return Err(Refusal::AlboExtractNotPdf.into());
            }
            let digest = self.app.keep_upload(&upload).await?;
            let findings = self.check_privacy(&digest).await?;
            count = i64::try_from(findings.len()).unwrap_or(i64::MAX);
            health = findings.iter().any(|f| f.forbidden);
            let json =
                serde_json::to_string(&findings).map_err(|e| AppError::Internal(e.to_string()))?;
            replaced = Some((
                crate::blobs::clean_file_name(&name, "estratto.pdf"),
                digest,
                json,
            ));
        }
        // Health data is never published (D.Lgs. 196/2003 art. 2-septies c.8): only an extract
        // without it. The rest the officer weighs and confirms.
        if health {
            return Err(Refusal::AlboHealthData.into());
        }
        if count > 0 && !findings_confirmed {
            return Err(Refusal::AlboFindingsUnconfirmed.into());
        }
        let now = self.app.now();
        let days = u16::try_from(row.days).unwrap_or(15);
        let period = albo::period(now, days).map_err(|e| AppError::Internal(e.to_string()))?;
        let year = i64::from(sportello_domain::calendar::in_rome(now).year());
        let mut tx = self.app.store.begin().await?;
        let number = Store::albo_next_number(&mut tx, ente.get(), year).await?;
        let published = Store::albo_publish(
            &mut tx,
            ente.get(),
            id,
            &AlboPublication {
                year,
                number,
                published_by: &staff.display_name,
                published_by_id: staff.id,
                start_ms: to_millis(period.start),
                end_ms: to_millis(period.end),
                extract: replaced
                    .as_ref()
                    .map(|(n, d, f)| (n.as_str(), d.as_str(), f.as_str(), count)),
            },
        )
        .await?;
        if !published {
            return Err(Refusal::AlboNotARequest.into());
        }
        let register = albo::register_number(i32::try_from(year).unwrap_or(0), number);
        let document = replaced
            .as_ref()
            .map_or(row.document_digest.as_str(), |(_, d, _)| d.as_str());
        self.append(
            &mut tx,
            ente,
            "published",
            &register,
            &detail(&[
                ("type", row.act_type.clone()),
                ("document", format!("sha256:{document}")),
                ("extract", u8::from(replaced.is_some()).to_string()),
                ("attachments", attachment_digests(&row.attachments)),
                ("from", to_millis(period.start).to_string()),
                ("to", to_millis(period.end).to_string()),
                ("findings_confirmed", count.to_string()),
            ]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        tracing::info!(staff_id = staff.id, albo_entry = %register, "published on the albo");
        Ok(register)
    }

    /// Appends an event to the ente's chain inside `tx`.
    async fn append(
        &self,
        tx: &mut sportello_store::Tx,
        ente: EnteId,
        kind: &str,
        entry: &str,
        detail: &str,
    ) -> Result<i64, AppError> {
        let at_ms = to_millis(self.app.now());
        Ok(Store::albo_append(
            tx,
            ente.get(),
            kind,
            entry,
            detail,
            at_ms,
            GENESIS,
            |seq, previous| {
                AlboEvent {
                    seq,
                    kind: kind.to_string(),
                    entry: entry.to_string(),
                    detail: detail.to_string(),
                    at_ms,
                }
                .chain_hash(previous)
            },
        )
        .await?)
    }

    /// Annuls a published entry, with the reason: it stays on the board, marked annulled,
    /// until its period ends.
    pub async fn annul(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        reason: &str,
        confirmed: bool,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Publish)?;
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.chars().count() < 5 || reason.chars().count() > 1000 {
            return Err(Refusal::AnnulmentReasonMissing.into());
        }
        if !confirmed {
            return Err(Refusal::AlboAnnulmentUnconfirmed.into());
        }
        let row = self
            .app
            .store
            .tenant(ente)
            .albo_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let register = entry_of(row.clone(), 0)
            .register
            .ok_or(Refusal::AlboNotPublished)?;
        let mut tx = self.app.store.begin().await?;
        if !Store::albo_annul(&mut tx, ente.get(), id, &reason).await? {
            return Err(Refusal::AlboNotPublished.into());
        }
        self.append(
            &mut tx,
            ente,
            "annulled",
            &register,
            &detail(&[("reason", reason)]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        tracing::info!(staff_id = staff.id, albo_entry = %register, "albo entry annulled");
        Ok(())
    }

    /// The publication officer sends a request back to the office that asked, with the reason
    /// (a document to put right, a period to correct, the wrong office): it is never published;
    /// the office asks again once it is right.
    pub async fn send_back(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        reason: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Publish)?;
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.chars().count() < 5 || reason.chars().count() > 1000 {
            return Err(Refusal::AlboReturnReasonMissing.into());
        }
        self.app
            .store
            .tenant(ente)
            .albo_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !self.app.store.albo_return(ente.get(), id, &reason).await? {
            return Err(Refusal::AlboNotARequest.into());
        }
        Ok(())
    }

    /// The albo's request or entry made from this protocol registration, if any (not one sent
    /// back), for the registration's page.
    pub async fn for_registration(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
    ) -> Result<Option<i64>, AppError> {
        let ente = staff_ente(staff, Permission::RequestPublication)?;
        Ok(self
            .app
            .store
            .tenant(ente)
            .albo_by_protocol_ref(&sportello_domain::protocol::registration_label(
                year, number,
            ))
            .await?
            .map(|r| r.id))
    }

    /// Extends a published entry's period by `extra` days.
    pub async fn extend(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        extra: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Publish)?;
        let extra: u16 = extra
            .trim()
            .parse()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or(Refusal::AlboExtensionInvalid)?;
        let row = self
            .app
            .store
            .tenant(ente)
            .albo_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (Some(start), Some(register)) = (row.start_ms, entry_of(row.clone(), 0).register)
        else {
            return Err(Refusal::AlboNotPublished.into());
        };
        let days = u16::try_from(row.days)
            .ok()
            .and_then(|d| d.checked_add(extra))
            .ok_or(Refusal::AlboExtensionInvalid)?;
        let act = act_of(&row);
        if days > act.max_days {
            return Err(Refusal::AlboBeyondTheLaw { max: act.max_days }.into());
        }
        let period =
            albo::period(from_millis(start), days).map_err(|_| Refusal::AlboExtensionInvalid)?;
        // The outages already added stay added.
        let end = to_millis(period.end).saturating_add(row.outage_ms);
        let mut tx = self.app.store.begin().await?;
        if !Store::albo_extend(&mut tx, ente.get(), id, end, i64::from(days)).await? {
            return Err(Refusal::AlboNotPublished.into());
        }
        self.append(
            &mut tx,
            ente,
            "extended",
            &register,
            &detail(&[("days", days.to_string()), ("to", end.to_string())]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        Ok(())
    }

    /// The office's desk: requests waiting, then the entries.
    pub async fn desk(&self, staff: &StaffPrincipal) -> Result<Vec<AlboEntry>, AppError> {
        let ente = staff
            .ente
            .filter(|_| works_on_albo(staff))
            .ok_or(AppError::NotFound)?;
        let now = to_millis(self.app.now());
        Ok(self
            .app
            .store
            .tenant(ente)
            .albo_desk(200)
            .await?
            .into_iter()
            .map(|r| entry_of(r, now))
            .collect())
    }

    /// One request or entry, for the office, with its chain events.
    pub async fn desk_entry(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<(AlboEntry, Vec<AlboEventRow>), AppError> {
        let ente = staff
            .ente
            .filter(|_| works_on_albo(staff))
            .ok_or(AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        let row = tenant.albo_by_id(id).await?.ok_or(AppError::NotFound)?;
        with_events(&tenant, row, to_millis(self.app.now())).await
    }

    /// The public board: what is online now, or — `history` — the historic register (numbers,
    /// subjects and dates of everything ever published).
    pub async fn board(
        &self,
        ente: EnteId,
        query: &AlboQuery,
        history: bool,
    ) -> Result<Vec<AlboEntry>, AppError> {
        let now = to_millis(self.app.now());
        Ok(self
            .app
            .store
            .tenant(ente)
            .albo_list(now, history, query)
            .await?
            .into_iter()
            .map(|r| entry_of(r, now))
            .collect())
    }

    /// What is online now in every ente of the region (the regional feed and search).
    pub async fn region(&self, query: &AlboQuery) -> Result<Vec<AlboEntry>, AppError> {
        let now = to_millis(self.app.now());
        Ok(self
            .app
            .store
            .region_wide()
            .albo_region(now, query)
            .await?
            .into_iter()
            .map(|r| entry_of(r, now))
            .collect())
    }

    /// One published entry, for anyone, with its chain events. A request is not found.
    pub async fn public_entry(
        &self,
        ente: EnteId,
        year: i64,
        number: i64,
    ) -> Result<(AlboEntry, Vec<AlboEventRow>), AppError> {
        let tenant = self.app.store.tenant(ente);
        let row = tenant
            .albo_entry(year, number)
            .await?
            .filter(|r| r.state != "requested")
            .ok_or(AppError::NotFound)?;
        with_events(&tenant, row, to_millis(self.app.now())).await
    }

    /// A document of an entry online now (0: the act, 1…: its attachments), for anyone; once
    /// the period is over it is not served (`AlboExpired`), as the law on publication wants.
    pub async fn public_document(
        &self,
        ente: EnteId,
        year: i64,
        number: i64,
        which: usize,
    ) -> Result<(String, Vec<u8>), AppError> {
        let (entry, _) = self.public_entry(ente, year, number).await?;
        if entry.row.state == "annulled" {
            return Err(Refusal::AlboAnnulled.into());
        }
        if !entry.online {
            return Err(Refusal::AlboExpired.into());
        }
        let (name, digest) = if which == 0 {
            (
                entry.row.document_name.clone(),
                entry.row.document_digest.clone(),
            )
        } else {
            entry
                .attachments
                .get(which - 1)
                .cloned()
                .ok_or(AppError::NotFound)?
        };
        Ok((name, self.read(&digest).await?))
    }

    /// A document of a request or an entry, for the office (the officer reads what they
    /// publish; the relata once made).
    pub async fn desk_document(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        which: &str,
    ) -> Result<(String, Vec<u8>), AppError> {
        let (entry, _) = self.desk_entry(staff, id).await?;
        let (name, digest) = match which {
            "atto" => (
                entry.row.document_name.clone(),
                entry.row.document_digest.clone(),
            ),
            "relata" => (
                format!(
                    "relata-{}.pdf",
                    entry.register.clone().unwrap_or_default().replace('/', "-")
                ),
                entry.row.relata_digest.clone().ok_or(AppError::NotFound)?,
            ),
            n => n
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| entry.attachments.get(i).cloned())
                .ok_or(AppError::NotFound)?,
        };
        Ok((name, self.read(&digest).await?))
    }

    /// Anyone's check of a document: the entries of the ente that published a document with
    /// this SHA-256, each with its events (when it went online, when it ended), and whether the
    /// ente's whole chain holds. `None` when what was typed is not a SHA-256.
    pub async fn verify_document(
        &self,
        ente: EnteId,
        digest: &str,
    ) -> Result<Option<(Vec<(AlboEntry, Vec<AlboEventRow>)>, bool)>, AppError> {
        // As `sha256sum` prints it too: the digest, then the file's name.
        let digest = digest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_start_matches('\\')
            .to_ascii_lowercase();
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let tenant = self.app.store.tenant(ente);
        let now = to_millis(self.app.now());
        let mut found = Vec::new();
        for row in tenant.albo_by_digest(&digest).await? {
            found.push(with_events(&tenant, row, now).await?);
        }
        let (_, faults) = self.verify(ente).await?;
        Ok(Some((found, faults.is_empty())))
    }

    /// The ente's chain checked from its first event: how many events, and what is wrong.
    pub async fn verify(&self, ente: EnteId) -> Result<(usize, Vec<String>), AppError> {
        let events = self.app.store.tenant(ente).albo_events().await?;
        let chain: Vec<(AlboEvent, String)> = events
            .into_iter()
            .map(|e| {
                (
                    AlboEvent {
                        seq: e.seq,
                        kind: e.kind,
                        entry: e.entry,
                        detail: e.detail,
                        at_ms: e.at_ms,
                    },
                    e.hash,
                )
            })
            .collect();
        let faults = albo::verify_chain(&chain)
            .into_iter()
            .map(|f| match f {
                albo::ChainFault::Sequence { seq, expected } => {
                    format!("evento {seq}: al suo posto doveva esserci l'evento {expected} (eventi mancanti o inseriti)")
                }
                albo::ChainFault::Link { seq } => {
                    format!("evento {seq}: dati modificati (il collegamento della catena non torna)")
                }
            })
            .collect();
        Ok((chain.len(), faults))
    }
}

fn attachment_digests(json: &str) -> String {
    serde_json::from_str::<Vec<StoredAttachment>>(json)
        .unwrap_or_default()
        .iter()
        .map(|a| format!("sha256:{}", a.digest))
        .collect::<Vec<_>>()
        .join(",")
}
