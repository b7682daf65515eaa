//! Participatory budgeting pages: the public process page, proposals, the ballot, results and
//! open-data export; for the office, starting a process, the feasibility review and the list
//! of eligible people.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::pb::{BallotInput, NewProcess, PbProcess, PbResults, BALLOT_KINDS, PHASES};
use sportello_app::store::{EnteRow, PbProcessRow};
use sportello_app::AppError;

use super::services::ente_or_404;
use crate::context::{Ctx, Page};
use crate::errors::{csrf_refused, page_for, render, render_status};

/// A posted urlencoded form, with repeated fields kept.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &Bytes) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }
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
    pub status: &'static str,
    pub reason: String,
    pub id: String,
}

fn lines(p: &PbProcess) -> Vec<ProjectLine> {
    p.projects
        .iter()
        .map(|j| ProjectLine {
            number: j.number,
            title: j.title.clone(),
            description: j.description.clone(),
            cost: euros(j.cost.unwrap_or(j.estimated_cost)),
            cost_value: j.cost.unwrap_or(j.estimated_cost),
            status: match j.status.as_str() {
                "feasible" => "Fattibile",
                "unfeasible" => "Non fattibile",
                _ => "In verifica",
            },
            reason: j.review_reason.clone().unwrap_or_default(),
            id: j.id.clone(),
        })
        .collect()
}

fn phase_lines(p: &PbProcess) -> Vec<(String, String, String, bool)> {
    PHASES
        .iter()
        .filter_map(|(k, name)| {
            p.phases.iter().find(|f| f.kind == *k).map(|f| {
                (
                    (*name).to_owned(),
                    f.opens_on.clone(),
                    f.closes_on.clone(),
                    p.is_open(k),
                )
            })
        })
        .collect()
}

async fn load(ctx: &Ctx, slug: &str, process: &str) -> Result<(EnteRow, PbProcess), Response> {
    let ente = ente_or_404(ctx, slug).await?;
    let p = ctx
        .state
        .app
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
    processes: Vec<PbProcessRow>,
}

pub async fn list(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx.state.app.pb_processes(&ente).await {
        Ok(processes) => render(&ListPage {
            page: ctx.page_for_ente(ctx.t("pb.title"), &ente.name, &ente.slug),
            slug,
            processes,
        }),
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "pb_process.html")]
struct ProcessPage {
    page: Page,
    slug: String,
    p: PbProcessRow,
    phases: Vec<(String, String, String, bool)>,
    projects: Vec<ProjectLine>,
    eligibility: String,
    ballot_rule: String,
    budget: String,
    proposals_open: bool,
    vote_open: bool,
    results: bool,
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
        phases: phase_lines(&p),
        projects: lines(&p),
        eligibility: p.eligibility_rule(),
        ballot_rule: p.ballot_rule(),
        budget: euros(p.row.budget),
        proposals_open: p.is_open("proposals"),
        vote_open: p.is_open("vote1") || p.is_open("vote2"),
        results: p.row.historical != 0
            || p.phases
                .iter()
                .any(|f| f.kind == "results" && f.opens_on <= today),
        p: p.row,
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
    })
}

pub async fn propose(
    ctx: Ctx,
    Path((slug, process)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let who = match super::apply::citizen_or_sign_in(&ctx) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let kept = (f.get("titolo"), f.get("descrizione"), f.get("costo"));
    let result = ctx
        .state
        .app
        .propose_pb(&ente, &process, &who, &kept.0, &kept.1, f.number("costo"))
        .await;
    let (status, error, done) = match result {
        Ok(n) => (StatusCode::OK, None, Some(n)),
        Err(AppError::Invalid(m)) | Err(AppError::Refused(m)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(m), None)
        }
        Err(e) => return page_for(&ctx, e),
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
        },
    )
}

#[derive(Template)]
#[template(path = "pb_vote.html")]
struct VotePage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    phase_name: &'static str,
    kind: String,
    rule: String,
    budget: String,
    projects: Vec<ProjectLine>,
    /// (project number, points or rank) kept from the last post
    chosen: Vec<(i64, i64)>,
    error: Option<String>,
    done: Option<bool>,
    already: bool,
    positions: Vec<i64>,
}

impl VotePage {
    fn is_chosen(&self, n: &i64) -> bool {
        self.chosen.iter().any(|c| c.0 == *n)
    }
    fn value(&self, n: &i64) -> String {
        self.chosen
            .iter()
            .find(|c| c.0 == *n)
            .map(|c| c.1.to_string())
            .unwrap_or_default()
    }
}

async fn vote_page(
    ctx: &Ctx,
    slug: String,
    process: String,
    chosen: Vec<(i64, i64)>,
    error: Option<String>,
    done: Option<bool>,
) -> Response {
    let who = match super::apply::citizen_or_sign_in(ctx) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (ente, p) = match load(ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(phase) = ["vote1", "vote2"].into_iter().find(|k| p.is_open(k)) else {
        return page_for(
            ctx,
            AppError::Refused("Non c'è una votazione aperta oggi.".into()),
        );
    };
    if error.is_none() && done.is_none() {
        if let Err(e) = ctx.state.app.pb_eligibility(&ente, &p, &who).await {
            return page_for(ctx, e);
        }
    }
    let already = ctx
        .state
        .app
        .pb_has_voted(&ente, &p, phase, &who)
        .await
        .unwrap_or(false);
    let mut projects: Vec<ProjectLine> = lines(&p)
        .into_iter()
        .filter(|l| l.status == "Fattibile")
        .collect();
    projects.sort_by_key(|l| l.number);
    let positions = (1..=p.row.max_projects.unwrap_or(3).min(projects.len() as i64)).collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &VotePage {
            page: ctx.page_for_ente(ctx.t("pb.vote"), &ente.name, &ente.slug),
            slug,
            process,
            title: p.row.title.clone(),
            phase_name: sportello_app::pb::phase_name(phase),
            kind: p.row.ballot_kind.clone(),
            rule: p.ballot_rule(),
            budget: euros(p.row.budget),
            projects,
            chosen,
            error,
            done,
            already,
            positions,
        },
    )
}

pub async fn vote_form(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    vote_page(&ctx, slug, process, Vec::new(), None, None).await
}

pub async fn vote(
    ctx: Ctx,
    Path((slug, process)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let who = match super::apply::citizen_or_sign_in(&ctx) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // approval: repeated `progetto`; cumulative: `punti-N`; ordinal: `posto-N` = rank.
    let mut chosen: Vec<(i64, i64)> = Vec::new();
    let mut bad = None;
    match p.row.ballot_kind.as_str() {
        "approval" => {
            for v in f.all("progetto") {
                match v.parse::<i64>() {
                    Ok(n) => chosen.push((n, 1)),
                    Err(_) => bad = Some("Scelta non valida.".to_owned()),
                }
            }
        }
        kind => {
            let prefix = if kind == "cumulative" {
                "punti-"
            } else {
                "posto-"
            };
            for (k, v) in &f.0 {
                let (Some(n), v) = (
                    k.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok()),
                    v.trim(),
                ) else {
                    continue;
                };
                if v.is_empty() {
                    continue;
                }
                match v.parse::<i64>() {
                    Ok(x) => chosen.push((n, x)),
                    Err(_) => bad = Some(format!("«{v}» non è un numero intero.")),
                }
            }
        }
    }
    let mut ballot = BallotInput::default();
    if p.row.ballot_kind == "ordinal" {
        let mut ranks: Vec<(i64, i64)> = chosen.iter().map(|(n, r)| (*r, *n)).collect();
        ranks.sort();
        let expected: Vec<i64> = (1..=ranks.len() as i64).collect();
        if ranks.iter().map(|r| r.0).collect::<Vec<_>>() != expected {
            bad = bad.or(Some(
                "Le posizioni devono essere 1, 2, 3… senza salti né ripetizioni.".into(),
            ));
        }
        ballot.projects = ranks.iter().map(|r| r.1).collect();
    } else {
        ballot.projects = chosen.iter().map(|c| c.0).collect();
        ballot.points = chosen.iter().map(|c| c.1).collect();
    }
    if let Some(m) = bad {
        return vote_page(&ctx, slug, process, chosen, Some(m), None).await;
    }
    match ctx
        .state
        .app
        .cast_pb_ballot(&ente, &process, &who, &ballot)
        .await
    {
        Ok((_, replaced)) => vote_page(&ctx, slug, process, chosen, None, Some(replaced)).await,
        Err(AppError::Invalid(m)) => vote_page(&ctx, slug, process, chosen, Some(m), None).await,
        Err(e) => page_for(&ctx, e),
    }
}

pub struct SupportLine {
    pub number: i64,
    pub title: String,
    pub cost: String,
    pub support: String,
    pub bar: i64,
    pub funded: bool,
    pub greedy: bool,
    pub mes: bool,
}

pub struct VoteView {
    pub phase: String,
    pub name: &'static str,
    pub ballots: usize,
    pub assisted: usize,
    pub lines: Vec<SupportLine>,
    pub greedy_spent: String,
    pub mes_spent: Option<String>,
    pub greedy_bar: i64,
    pub mes_bar: i64,
}

#[derive(Template)]
#[template(path = "pb_results.html")]
struct ResultsPage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    rule: String,
    budget: String,
    votes: Vec<VoteView>,
    official: Vec<(i64, String, String)>,
    official_spent: String,
    shift: Vec<(i64, String, String, String, String, bool)>,
}

fn view(r: &PbResults) -> Vec<VoteView> {
    let cost = |n: i64| {
        r.process
            .projects
            .iter()
            .find(|p| p.number == n)
            .map(|p| p.cost.unwrap_or(p.estimated_cost))
            .unwrap_or(0)
    };
    let title = |n: i64| {
        r.process
            .projects
            .iter()
            .find(|p| p.number == n)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };
    let official = r.official();
    let budget = r.process.row.budget.max(1);
    r.votes
        .iter()
        .map(|v| {
            let max = v.support.iter().map(|s| s.1).max().unwrap_or(1).max(1);
            let mut support = v.support.clone();
            support.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let last = r.votes.last().map(|l| l.phase == v.phase).unwrap_or(false);
            let g: i64 = v.greedy.iter().map(|&n| cost(n)).sum();
            let m: Option<i64> = v.mes.as_ref().map(|m| m.iter().map(|&n| cost(n)).sum());
            VoteView {
                phase: v.phase.clone(),
                name: sportello_app::pb::phase_name(&v.phase),
                ballots: v.ballots,
                assisted: v.assisted,
                lines: support
                    .iter()
                    .map(|(n, s)| SupportLine {
                        number: *n,
                        title: title(*n),
                        cost: euros(cost(*n)),
                        support: s.to_string(),
                        bar: (*s * 300 / max) as i64,
                        funded: last && official.contains(n),
                        greedy: v.greedy.contains(n),
                        mes: v.mes.as_ref().is_some_and(|m| m.contains(n)),
                    })
                    .collect(),
                greedy_spent: euros(g),
                mes_spent: m.map(euros),
                greedy_bar: g * 300 / budget,
                mes_bar: m.unwrap_or(0) * 300 / budget,
            }
        })
        .collect()
}

pub async fn results(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let r = match ctx.state.app.pb_results(&ente, &process).await {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let cost = |n: i64| {
        r.process
            .projects
            .iter()
            .find(|p| p.number == n)
            .map(|p| p.cost.unwrap_or(p.estimated_cost))
            .unwrap_or(0)
    };
    let title = |n: i64| {
        r.process
            .projects
            .iter()
            .find(|p| p.number == n)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };
    let official = r.official();
    let pct = |x: f64| format!("{x:.1}%").replace('.', ",");
    render(&ResultsPage {
        page: ctx.page_for_ente(ctx.t("pb.results"), &ente.name, &ente.slug),
        slug,
        process,
        title: r.process.row.title.clone(),
        rule: if r.process.row.rule == "mes" {
            "Metodo delle quote uguali (MES)".into()
        } else {
            "Maggior consenso (greedy)".into()
        },
        budget: euros(r.process.row.budget),
        votes: view(&r),
        official_spent: euros(official.iter().map(|&n| cost(n)).sum()),
        official: official
            .iter()
            .map(|&n| (n, title(n), euros(cost(n))))
            .collect(),
        shift: r
            .shift()
            .into_iter()
            .map(|(n, a, b, d)| {
                (
                    n,
                    title(n),
                    pct(a),
                    pct(b),
                    format!("{}{}", if d > 0.0 { "+" } else { "" }, pct(d)),
                    d >= 0.0,
                )
            })
            .collect(),
    })
}

pub async fn export(
    ctx: Ctx,
    Path((slug, process, file)): Path<(String, String, String)>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(phase) = file
        .strip_suffix(".pb")
        .filter(|p| *p == "vote1" || *p == "vote2")
    else {
        return page_for(&ctx, AppError::NotFound);
    };
    match ctx.state.app.pb_export(&ente, &process, phase).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{process}-{phase}.pb\"",
                        ente.slug
                    ),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

// ---- the office ----

#[derive(Template)]
#[template(path = "staff_pb.html")]
struct StaffListPage {
    page: Page,
    processes: Vec<PbProcessRow>,
    kinds: Vec<(&'static str, &'static str)>,
    phases: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
}

impl StaffListPage {
    fn kept(&self, name: &str) -> String {
        self.kept.get(name).cloned().unwrap_or_default()
    }
}

async fn staff_ente(
    ctx: &Ctx,
) -> Result<(sportello_app::sessions::StaffPrincipal, EnteRow), Response> {
    let staff = ctx
        .staff()
        .cloned()
        .ok_or_else(|| Redirect::to("/staff/accedi").into_response())?;
    let Some(id) = staff.ente else {
        return Err(crate::errors::forbidden(ctx));
    };
    let ente = ctx
        .state
        .app
        .store
        .ente_by_id(id)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| crate::errors::forbidden(ctx))?;
    Ok((staff, ente))
}

async fn staff_list_page(
    ctx: &Ctx,
    ente: &EnteRow,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
) -> Response {
    let processes = ctx.state.app.pb_processes(ente).await.unwrap_or_default();
    render_status(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &StaffListPage {
            page: ctx.page(ctx.t("pb.staff_title")),
            processes,
            kinds: BALLOT_KINDS.to_vec(),
            phases: PHASES.to_vec(),
            error,
            kept,
        },
    )
}

pub async fn staff_list(ctx: Ctx) -> Response {
    match staff_ente(&ctx).await {
        Ok((_, ente)) => staff_list_page(&ctx, &ente, None, Default::default()).await,
        Err(r) => r,
    }
}

pub async fn staff_create(ctx: Ctx, body: Bytes) -> Response {
    let (staff, ente) = match staff_ente(&ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    let phases = PHASES
        .iter()
        .filter(|(k, _)| {
            !f.get(&format!("apre-{k}")).is_empty() || !f.get(&format!("chiude-{k}")).is_empty()
        })
        .map(|(k, _)| {
            (
                (*k).to_owned(),
                f.get(&format!("apre-{k}")),
                f.get(&format!("chiude-{k}")),
            )
        })
        .collect();
    let new = NewProcess {
        slug: f.get("indirizzo"),
        title: f.get("titolo"),
        description: f.get("descrizione"),
        budget: f.number("budget").unwrap_or(0),
        ballot_kind: f.get("scheda"),
        min_projects: f.number("minimo"),
        max_projects: f.number("massimo"),
        max_points: f.number("punti"),
        rule: f.get("regola"),
        eligibility: f.get("chi"),
        min_age: f.number("eta").unwrap_or(16),
        phases,
    };
    match ctx.state.app.create_pb_process(&staff, &ente, new).await {
        Ok(()) => Redirect::to(&format!(
            "/staff/bilancio-partecipativo/{}",
            f.get("indirizzo")
        ))
        .into_response(),
        Err(AppError::Invalid(m)) => {
            let kept = f.0.into_iter().filter(|(k, _)| k != "csrf").collect();
            staff_list_page(&ctx, &ente, Some(m), kept).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "staff_pb_process.html")]
struct StaffProcessPage {
    page: Page,
    ente_slug: String,
    p: PbProcessRow,
    phases: Vec<(String, String, String, bool)>,
    projects: Vec<ProjectLine>,
    eligible: i64,
    error: Option<String>,
    notice: Option<String>,
    /// (kind, name, opens, closes) for every phase, empty dates for phases not used.
    dates: Vec<(&'static str, &'static str, String, String)>,
}

async fn staff_process_page(
    ctx: &Ctx,
    process: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let (_, ente) = match staff_ente(ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = match ctx.state.app.pb_process(&ente, process).await {
        Ok(p) => p,
        Err(e) => return page_for(ctx, e),
    };
    let eligible = ctx
        .state
        .app
        .store
        .tenant(sportello_domain::tenancy::EnteId(ente.id))
        .pb_eligible_count(&p.row.id)
        .await
        .unwrap_or(0);
    render_status(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &StaffProcessPage {
            page: ctx.page(p.row.title.clone()),
            ente_slug: ente.slug.clone(),
            phases: phase_lines(&p),
            projects: lines(&p),
            eligible,
            error,
            notice,
            dates: PHASES
                .iter()
                .map(|(k, name)| {
                    let f = p.phases.iter().find(|f| f.kind == *k);
                    (
                        *k,
                        *name,
                        f.map(|f| f.opens_on.clone()).unwrap_or_default(),
                        f.map(|f| f.closes_on.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
            p: p.row,
        },
    )
}

pub async fn staff_process(ctx: Ctx, Path(process): Path<String>) -> Response {
    staff_process_page(&ctx, &process, None, None).await
}

pub async fn staff_review(
    ctx: Ctx,
    Path((process, project)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (staff, ente) = match staff_ente(&ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    let feasible = f.get("esito") == "fattibile";
    if !feasible && f.get("esito") != "non-fattibile" {
        return staff_process_page(
            &ctx,
            &process,
            Some("Scegli l'esito della verifica.".into()),
            None,
        )
        .await;
    }
    match ctx
        .state
        .app
        .review_pb(
            &staff,
            &ente,
            &process,
            &project,
            feasible,
            f.number("costo"),
            &f.get("motivazione"),
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/bilancio-partecipativo/{process}")).into_response(),
        Err(AppError::Invalid(m)) | Err(AppError::Refused(m)) => {
            staff_process_page(&ctx, &process, Some(m), None).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn staff_phases(ctx: Ctx, Path(process): Path<String>, body: Bytes) -> Response {
    let (staff, ente) = match staff_ente(&ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    let phases: Vec<(String, String, String)> = PHASES
        .iter()
        .filter(|(k, _)| {
            !f.get(&format!("apre-{k}")).is_empty() || !f.get(&format!("chiude-{k}")).is_empty()
        })
        .map(|(k, _)| {
            (
                (*k).to_owned(),
                f.get(&format!("apre-{k}")),
                f.get(&format!("chiude-{k}")),
            )
        })
        .collect();
    match ctx
        .state
        .app
        .set_pb_phases(&staff, &ente, &process, &phases)
        .await
    {
        Ok(()) => {
            staff_process_page(
                &ctx,
                &process,
                None,
                Some("Date delle fasi salvate.".into()),
            )
            .await
        }
        Err(AppError::Invalid(m)) | Err(AppError::Refused(m)) => {
            staff_process_page(&ctx, &process, Some(m), None).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn staff_eligible(ctx: Ctx, Path(process): Path<String>, body: Bytes) -> Response {
    let (staff, ente) = match staff_ente(&ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields::parse(&body);
    if !ctx.csrf_ok(&f.get("csrf")) {
        return csrf_refused(&ctx);
    }
    match ctx
        .state
        .app
        .set_pb_eligible(&staff, &ente, &process, &f.get("elenco"))
        .await
    {
        Ok(n) => {
            staff_process_page(
                &ctx,
                &process,
                None,
                Some(format!("Elenco salvato: {n} aventi diritto.")),
            )
            .await
        }
        Err(AppError::Invalid(m)) => staff_process_page(&ctx, &process, Some(m), None).await,
        Err(e) => page_for(&ctx, e),
    }
}
