//! Participatory budgeting pages: the public process page, proposals, the ballot, results and
//! open-data export; for the office, starting a process, the feasibility review and the list
//! of eligible people.

use askama::Template;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::model::EnteRow;
use sportello_app::pb::{
    ballot_kind_name, execution_name, BallotInput, BallotKind, Execution, NewProcess, PbProcess,
    PbResults, Phase, ProjectStatus,
};
use sportello_app::AppError;

use super::services::ente_or_404;
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{
    CitizenHere, CsrfFields, CsrfMultipart, EnteStaff, ModeratesParticipation, ProcessOffice,
};
use crate::refusals::phase_label;

mod debate;
mod staff;
mod vote;
pub use debate::{comment, image, project, report};
pub use staff::{
    staff_create, staff_eligible, staff_execution, staff_facilitator, staff_list, staff_moderate,
    staff_phases, staff_process, staff_review,
};
pub use vote::{export, results, vote, vote_form};

/// A posted urlencoded form, with repeated fields kept.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn number(&self, name: &str) -> Option<i64> {
        let v = self.get(name).replace(['.', ' '], "");
        if v.is_empty() {
            None
        } else {
            v.parse().ok()
        }
    }
}

fn euros(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}{out} €", if n < 0 { "-" } else { "" })
}

pub struct ProjectLine {
    pub number: i64,
    pub title: String,
    pub description: String,
    pub cost: String,
    pub cost_value: i64,
    /// The review's outcome, in the page's language.
    pub status: &'static str,
    /// Whether residents vote on (and debate) it.
    pub on_ballot: bool,
    pub reason: String,
    pub id: String,
    /// The district's name, when the budget is split by district.
    pub district: String,
    /// How it is being carried out, once chosen (with the office's note).
    pub execution: String,
    pub execution_status: String,
}

fn lines(ctx: &Ctx, p: &PbProcess) -> Vec<ProjectLine> {
    p.projects
        .iter()
        .map(|j| ProjectLine {
            number: j.number,
            title: j.title.clone(),
            description: j.description.clone(),
            cost: euros(j.cost.unwrap_or(j.estimated_cost)),
            cost_value: j.cost.unwrap_or(j.estimated_cost),
            status: ctx.t(match j.status {
                ProjectStatus::Feasible => "pb.feasible",
                ProjectStatus::Unfeasible => "pb.unfeasible",
                ProjectStatus::Proposed => "pb.proposed_status",
            }),
            on_ballot: j.status.is_on_ballot(),
            reason: j.review_reason.clone().unwrap_or_default(),
            district: j
                .district
                .as_deref()
                .and_then(|c| p.district(c))
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            execution: match (j.execution, &j.execution_note) {
                (Some(e), Some(n)) if !n.is_empty() => format!("{}: {n}", execution_name(e)),
                (Some(e), _) => execution_name(e).to_owned(),
                _ => String::new(),
            },
            execution_status: j
                .execution
                .map(Execution::code)
                .unwrap_or_default()
                .to_owned(),
            id: j.id.clone(),
        })
        .collect()
}

fn phase_lines(ctx: &Ctx, p: &PbProcess) -> Vec<(String, String, String, bool)> {
    Phase::ALL
        .iter()
        .filter_map(|k| {
            p.phases.iter().find(|f| f.kind == *k).map(|f| {
                (
                    phase_label(ctx.lang(), *k).to_owned(),
                    crate::views::long_date(ctx.lang(), &f.opens_on),
                    crate::views::long_date(ctx.lang(), &f.closes_on),
                    p.is_open(*k),
                )
            })
        })
        .collect()
}

/// (code, Italian name) of every phase, for the office's forms.
fn phase_choices(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    Phase::ALL
        .iter()
        .map(|k| (k.code(), phase_label(ctx.lang(), *k)))
        .collect()
}

/// The phases' dates as posted in the office's forms (`apre-KIND`, `chiude-KIND`): the phases
/// with either date filled in.
fn posted_phases(f: &Fields) -> Vec<(String, String, String)> {
    Phase::ALL
        .iter()
        .map(|k| {
            (
                k.code().to_owned(),
                f.get(&format!("apre-{k}")),
                f.get(&format!("chiude-{k}")),
            )
        })
        .filter(|(_, opens, closes)| !opens.is_empty() || !closes.is_empty())
        .collect()
}

async fn load(ctx: &Ctx, slug: &str, process: &str) -> Result<(EnteRow, PbProcess), Response> {
    let ente = ente_or_404(ctx, slug).await?;
    let p = ctx
        .state
        .app
        .participation()
        .pb_process(&ente, process)
        .await
        .map_err(|e| page_for(ctx, e))?;
    Ok((ente, p))
}

#[derive(Template)]
#[template(path = "pb_list.html")]
struct ListPage {
    page: Page,
    slug: String,
    processes: Vec<crate::views::ProcessView>,
    /// What each process is doing now, by slug.
    status: Vec<(String, String)>,
    /// Nothing is open today: when the next phase opens, if one is set.
    next_opening: Option<String>,
    open_now: bool,
}

pub async fn list(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let participation = ctx.state.app.participation();
    let processes = match participation.pb_processes(&ente).await {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now())
        .date()
        .to_string();
    let (mut status, mut next_opening, mut open_now) = (Vec::new(), None::<String>, false);
    for row in &processes {
        let p = match participation.pb_process(&ente, &row.slug).await {
            Ok(p) => p,
            Err(e) => return page_for(&ctx, e),
        };
        let line = if let Some(k) = p.open.first() {
            open_now = true;
            let closes = p
                .phases
                .iter()
                .find(|f| f.kind == *k)
                .map(|f| crate::views::long_date(ctx.lang(), &f.closes_on))
                .unwrap_or_default();
            crate::pages::services::fill(
                ctx.t("pb.status_open"),
                &[phase_label(ctx.lang(), *k), &closes],
            )
        } else if let Some(f) = p
            .phases
            .iter()
            .filter(|f| f.opens_on > today)
            .min_by(|a, b| a.opens_on.cmp(&b.opens_on))
        {
            if next_opening.as_ref().is_none_or(|n| f.opens_on < *n) {
                next_opening = Some(f.opens_on.clone());
            }
            crate::pages::services::fill(
                ctx.t("pb.status_next"),
                &[
                    phase_label(ctx.lang(), f.kind),
                    &crate::views::long_date(ctx.lang(), &f.opens_on),
                ],
            )
        } else {
            ctx.t("pb.status_over").to_owned()
        };
        status.push((row.slug.clone(), line));
    }
    render(&ListPage {
        page: ctx.page_for_ente(ctx.t("pb.title"), &ente.name, &ente.slug),
        slug,
        processes: crate::views::processes(&processes),
        status,
        next_opening: next_opening.map(|d| crate::views::long_date(ctx.lang(), &d)),
        open_now,
    })
}

#[derive(Template)]
#[template(path = "pb_process.html")]
struct ProcessPage {
    page: Page,
    slug: String,
    p: crate::views::ProcessView,
    phases: Vec<(String, String, String, bool)>,
    projects: Vec<ProjectLine>,
    eligibility: String,
    ballot_rule: String,
    budget: String,
    proposals_open: bool,
    vote_open: bool,
    results: bool,
    /// (name, budget) of each district.
    districts: Vec<(String, String)>,
}

pub async fn show(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now())
        .date()
        .to_string();
    render(&ProcessPage {
        page: ctx.page_for_ente(p.row.title.clone(), &ente.name, &ente.slug),
        slug,
        phases: phase_lines(&ctx, &p),
        projects: lines(&ctx, &p),
        eligibility: crate::refusals::eligibility_rule(
            ctx.lang(),
            p.row.eligibility,
            p.row.min_age,
        ),
        ballot_rule: crate::refusals::ballot_rule(ctx.lang(), &p),
        budget: euros(p.row.budget),
        districts: p
            .districts
            .iter()
            .map(|d| (d.name.clone(), euros(d.budget)))
            .collect(),
        proposals_open: p.is_open(Phase::Proposals),
        vote_open: p.open_vote().is_some(),
        results: p.row.historical
            || p.phases
                .iter()
                .any(|f| f.kind == Phase::Results && f.opens_on <= today),
        p: (&p.row).into(),
    })
}

#[derive(Template)]
#[template(path = "pb_propose.html")]
struct ProposePage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    error: Option<String>,
    kept: (String, String, String),
    done: Option<i64>,
    districts: Vec<crate::views::DistrictView>,
    kept_district: String,
}

pub async fn propose_form(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    if let Err(r) = super::apply::citizen_or_sign_in(&ctx) {
        return r;
    }
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render(&ProposePage {
        page: ctx.page_for_ente(ctx.t("pb.propose"), &ente.name, &ente.slug),
        slug,
        process,
        title: p.row.title,
        error: None,
        kept: Default::default(),
        done: None,
        districts: crate::views::districts(&p.districts),
        kept_district: String::new(),
    })
}

pub async fn propose(
    ctx: Ctx,
    Path((slug, process)): Path<(String, String)>,
    CsrfMultipart(CitizenHere(who), mut posted): CsrfMultipart<CitizenHere, 16>,
) -> Response {
    let images: Vec<(sportello_app::blobs::Upload, String)> = (1..=3)
        .filter_map(|i| {
            posted
                .take_file(&format!("immagine{i}"))
                .map(|(_, upload)| (upload, posted.get(&format!("immagine{i}_testo"))))
        })
        .collect();
    let f = Fields(posted.fields.into_iter().collect());
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let kept = (f.get("titolo"), f.get("descrizione"), f.get("costo"));
    let result = ctx
        .state
        .app
        .participation()
        .propose_pb(
            &ente,
            &process,
            &who,
            &kept.0,
            &kept.1,
            f.number("costo"),
            Some(f.get("quartiere"))
                .filter(|d| !d.is_empty())
                .as_deref(),
            &images,
        )
        .await;
    let (status, error, done) = match result {
        Ok(n) => (StatusCode::OK, None, Some(n)),
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok((_, m)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(m), None),
            Err(e) => return page_for(&ctx, e),
        },
    };
    render_status(
        status,
        &ProposePage {
            page: ctx.page_for_ente(ctx.t("pb.propose"), &ente.name, &ente.slug),
            slug,
            process,
            title: p.row.title,
            error,
            kept: if done.is_some() {
                Default::default()
            } else {
                kept
            },
            done,
            districts: crate::views::districts(&p.districts),
            kept_district: f.get("quartiere"),
        },
    )
}
