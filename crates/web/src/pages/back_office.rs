//! The office's desk: one case in full and the actions on it (each a plain form: the desk
//! works without JavaScript). The queue is in `queue.rs`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::back_office::{CaseView, OfficeAction, QueueItem};
use sportello_app::sessions::StaffPrincipal;
use sportello_domain::procedure::states::Action;
use sportello_domain::procedure::CaseEventKind;

use super::services::{fill, it_date, it_minutes, rome_time};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};
use crate::extract::{CsrfForm, OfficeCase, Staff};

fn date(d: Option<time::Date>) -> String {
    d.map(it_date).unwrap_or_else(|| "—".into())
}

pub struct Line {
    pub id: String,
    pub number: String,
    pub registered: String,
    pub service: String,
    pub correspondent: String,
    pub state: &'static str,
    pub due: String,
    pub days_left: String,
    pub overdue: bool,
    pub suspended: String,
}

pub(super) fn line(ctx: &Ctx, i: &QueueItem) -> Line {
    Line {
        id: i.id.clone(),
        number: i.number.clone(),
        registered: rome_time(&i.registered_at),
        service: i.service_title.clone(),
        correspondent: i.correspondent.clone(),
        state: ctx.state(i.state),
        due: date(i.due),
        days_left: i
            .days_left
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        overdue: i.days_left.is_some_and(|d| d < 0),
        suspended: i
            .suspended_days_left
            .map(|d| fill(ctx.t("office.suspended"), &[&d.to_string()]))
            .unwrap_or_default(),
    }
}

/// The label of a timeline event.
/// The words for a kind of case event (every kind has them: i18n's tests check).
pub fn event_label(ctx: &Ctx, kind: CaseEventKind) -> String {
    ctx.t(&format!("event.{}", kind.code())).to_string()
}

/// What an action just taken did, said as the person reading the case page would: the document
/// registered and whom it went to, the note saved, the message sent. An unknown code says «Fatto».
fn done_text(ctx: &Ctx, action: &str, view: &CaseView) -> String {
    let applicant = view.item.correspondent.clone();
    // The newest outbound document of the case: the one the action registered.
    let number = view
        .documents
        .iter()
        .filter(|d| d.direction == "U")
        .max_by_key(|d| d.created_at)
        .and_then(|d| view.numbers.iter().find(|(i, _)| *i == d.id))
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    match action {
        "avvia" | "integrazione" | "preavviso" | "accogli" | "respingi" | "vieta" | "conforma" => {
            fill(
                ctx.t(&format!("office.done.{action}")),
                &[&number, &applicant],
            )
        }
        "messaggio" => fill(ctx.t("office.done.messaggio"), &[&applicant]),
        "nota" | "assegna" => ctx.t(&format!("office.done.{action}")).to_string(),
        _ => ctx.t("office.done").to_string(),
    }
}

/// An action form on the case page.
pub struct ActionForm {
    pub code: &'static str,
    pub label: &'static str,
    /// The label of the text area, if the action needs a text.
    pub text_label: Option<&'static str>,
    pub danger: bool,
}

fn action_form(ctx: &Ctx, a: Action) -> Option<ActionForm> {
    let (code, label, text, danger) = match a {
        Action::Start => ("avvia", "office.action.start", None, false),
        Action::RequestIntegration => (
            "integrazione",
            "office.action.integration",
            Some("office.text.integration"),
            false,
        ),
        Action::SendPreavviso => (
            "preavviso",
            "office.action.preavviso",
            Some("office.text.preavviso"),
            true,
        ),
        Action::Accept => (
            "accogli",
            "office.action.accept",
            Some("office.text.motivation"),
            false,
        ),
        Action::Reject => (
            "respingi",
            "office.action.reject",
            Some("office.text.motivation"),
            true,
        ),
        Action::ProhibitScia => (
            "vieta",
            "office.action.prohibit",
            Some("office.text.motivation"),
            true,
        ),
        Action::RequestConformity => (
            "conforma",
            "office.action.conformity",
            Some("office.text.conformity"),
            false,
        ),
        _ => return None,
    };
    Some(ActionForm {
        code,
        label: ctx.t(label),
        text_label: text.map(|k| ctx.t(k)),
        danger,
    })
}

pub struct DocumentLine {
    pub id: String,
    pub number: String,
    pub file_name: String,
    pub when: String,
    pub outbound: bool,
}

#[derive(Template)]
#[template(path = "office_case.html")]
struct CasePage {
    page: Page,
    line: Line,
    assignee: String,
    fields: Vec<(String, String)>,
    /// (field, the field's label, file name, digest)
    files: Vec<(String, String, String, String)>,
    events: Vec<(String, String, String)>,
    documents: Vec<DocumentLine>,
    /// (when, from office, author, text)
    messages: Vec<(String, bool, String, String)>,
    notes: Vec<(String, String, String)>,
    actions: Vec<ActionForm>,
    workers: Vec<(i64, String, bool)>,
    can_act: bool,
    concluded: bool,
    error: Option<String>,
    /// What the action just taken did, in words («… protocollata con il n. … e inviata a …»).
    done: Option<String>,
    /// The action and text of a refused form, kept so nothing typed is lost.
    kept_action: String,
    kept_text: String,
    /// The other cases of the same filing (procedimento unico).
    related: Vec<super::related::RelatedLine>,
}

#[derive(serde::Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    fatto: String,
}

pub async fn case(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    Path(id): Path<String>,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Response {
    let done = query.ok().map(|Query(q)| q.fatto).filter(|f| !f.is_empty());
    case_page(&ctx, &staff, &id, None, done, String::new(), String::new()).await
}

async fn case_page(
    ctx: &Ctx,
    staff: &StaffPrincipal,
    id: &str,
    error: Option<(StatusCode, String)>,
    done: Option<String>,
    kept_action: String,
    kept_text: String,
) -> Response {
    let view: CaseView = match ctx.state.app.back_office().office_case(staff, id).await {
        Ok(v) => v,
        Err(e) => return page_for(ctx, e),
    };
    let done = done.map(|action| done_text(ctx, &action, &view));
    let form = &view.service.definition.form;
    let when = |at: i64| it_minutes(sportello_app::model::from_millis(at));
    let assignee = view
        .item
        .assignee
        .and_then(|a| {
            view.workers
                .iter()
                .find(|(w, _)| *w == a)
                .map(|(_, n)| n.clone())
        })
        .unwrap_or_else(|| ctx.t("office.nobody").to_string());
    let status = error.as_ref().map(|(s, _)| *s).unwrap_or(StatusCode::OK);
    let page = CasePage {
        related: super::related::lines(ctx, &view.related, &view.item.id, |id| {
            format!("/staff/pratiche/{id}")
        }),
        page: ctx.page(format!("{} {}", ctx.t("office.case"), view.item.number)),
        line: line(ctx, &view.item),
        assignee,
        fields: form
            .fields()
            .filter(|f| f.kind != sportello_domain::forms::FieldKind::File)
            .filter_map(|f| {
                view.values.get(&f.id).map(|v| {
                    (
                        f.label.clone(),
                        crate::views::shown_value(f, Some(v), &view.files),
                    )
                })
            })
            .collect(),
        // Each file under the label of the field it was given for.
        files: view
            .files
            .iter()
            .map(|file| {
                let label = form
                    .field(&file.field)
                    .map(|f| f.label.clone())
                    .unwrap_or_else(|| file.field.clone());
                (
                    file.field.clone(),
                    label,
                    file.file_name.clone(),
                    file.sha256.clone(),
                )
            })
            .collect(),
        events: view
            .events
            .iter()
            .map(|e| (when(e.at), event_label(ctx, e.kind), e.actor.clone()))
            .collect(),
        documents: view
            .documents
            .iter()
            .map(|d| DocumentLine {
                id: d.id.clone(),
                number: view
                    .numbers
                    .iter()
                    .find(|(i, _)| *i == d.id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                file_name: d.file_name.clone(),
                when: when(d.created_at),
                outbound: d.direction == "U",
            })
            .collect(),
        messages: view
            .messages
            .iter()
            .map(|m| (when(m.at), m.from_office, m.author.clone(), m.body.clone()))
            .collect(),
        notes: view
            .notes
            .iter()
            .map(|n| (when(n.at), n.author.clone(), n.body.clone()))
            .collect(),
        actions: view
            .actions
            .iter()
            .filter_map(|a| action_form(ctx, *a))
            .collect(),
        workers: view
            .workers
            .iter()
            .map(|(w, n)| (*w, n.clone(), view.item.assignee == Some(*w)))
            .collect(),
        can_act: sportello_app::back_office::actor_of(staff).is_some(),
        concluded: view.item.state.is_concluded(),
        error: error.map(|(_, e)| e),
        done,
        kept_action,
        kept_text,
    };
    crate::errors::render_status(status, &page)
}

#[derive(serde::Deserialize)]
pub struct ActionPosted {
    azione: String,
    #[serde(default)]
    testo: String,
    #[serde(default)]
    assegnatario: String,
    /// «1» once the office has read the decision's preview and confirms it.
    #[serde(default)]
    conferma: String,
    /// «1» to go back from the preview to the case page, with the text kept.
    #[serde(default)]
    modifica: String,
}

/// A line of a document's preview: (kind: title, heading, text, field, blank; label; text).
pub struct PreviewLine {
    pub kind: &'static str,
    pub label: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "office_preview.html")]
struct PreviewPage {
    page: Page,
    id: String,
    action: String,
    action_label: String,
    text: String,
    preview: sportello_app::back_office::ActPreview,
    lines: Vec<PreviewLine>,
}

/// The decisions the office reads as a document before confirming.
fn needs_confirmation(action: &str) -> bool {
    matches!(action, "accogli" | "respingi" | "vieta")
}

pub async fn act(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(OfficeCase(staff), form): CsrfForm<OfficeCase, ActionPosted>,
) -> Response {
    let text = form.testo.clone();
    let action = match form.azione.as_str() {
        "avvia" => OfficeAction::Start,
        "integrazione" => OfficeAction::RequestIntegration { text },
        "preavviso" => OfficeAction::SendPreavviso { reasons: text },
        "accogli" => OfficeAction::Accept { motivation: text },
        "respingi" => OfficeAction::Reject { motivation: text },
        "vieta" => OfficeAction::ProhibitScia { motivation: text },
        "conforma" => OfficeAction::RequestConformity { text },
        "nota" => OfficeAction::Note { text },
        "messaggio" => OfficeAction::Message { text },
        "assegna" => match form.assegnatario.parse() {
            Ok(to) => OfficeAction::Assign { to },
            Err(_) => OfficeAction::Assign { to: -1 },
        },
        _ => {
            return case_page(
                &ctx,
                &staff,
                &id,
                Some((StatusCode::BAD_REQUEST, ctx.t("form.invalid").to_string())),
                None,
                String::new(),
                form.testo,
            )
            .await
        }
    };
    // Back from the preview: the case page, the text kept.
    if form.modifica == "1" {
        return case_page(&ctx, &staff, &id, None, None, form.azione, form.testo).await;
    }
    // A decision is shown as the document it will be, and taken only once confirmed.
    if needs_confirmation(&form.azione) && form.conferma != "1" {
        return match ctx
            .state
            .app
            .back_office()
            .preview_act(&staff, &id, &action)
            .await
        {
            Ok(preview) => {
                let lines = preview
                    .lines
                    .iter()
                    .map(|l| {
                        use sportello_app::pdf::Line;
                        let (kind, label, text) = match l {
                            Line::Title(t) => ("title", String::new(), t.clone()),
                            Line::Heading(t) => ("heading", String::new(), t.clone()),
                            Line::Text(t) => ("text", String::new(), t.clone()),
                            Line::Field(a, b) => ("field", a.clone(), b.clone()),
                            Line::Strong(t) => ("text", String::new(), t.clone()),
                            // No act carries a barcode or columns (payment notices do).
                            Line::Blank
                            | Line::Rule
                            | Line::Qr(_)
                            | Line::DataMatrix(_)
                            | Line::Columns(..)
                            | Line::Together(_) => ("blank", String::new(), String::new()),
                        };
                        PreviewLine { kind, label, text }
                    })
                    .collect();
                let action_label = match form.azione.as_str() {
                    "accogli" => ctx.t("office.confirm_accept"),
                    "respingi" => ctx.t("office.confirm_reject"),
                    _ => ctx.t("office.confirm_prohibit"),
                };
                render(&PreviewPage {
                    page: ctx.page(format!(
                        "{} — {}",
                        ctx.t("office.preview_title"),
                        preview.title
                    )),
                    id: id.clone(),
                    action: form.azione.clone(),
                    action_label: action_label.to_owned(),
                    text: form.testo.clone(),
                    preview,
                    lines,
                })
            }
            Err(e) => refused_on_case(&ctx, &staff, &id, e, form.azione, form.testo).await,
        };
    }
    match ctx
        .state
        .app
        .back_office()
        .office_act(&staff, &id, action)
        .await
    {
        Ok(()) => {
            Redirect::to(&format!("/staff/pratiche/{id}?fatto={}", form.azione)).into_response()
        }
        Err(e) => refused_on_case(&ctx, &staff, &id, e, form.azione, form.testo).await,
    }
}

/// A refused action: the case page again with the reason and what was typed, or the error
/// page when it is not a refusal.
async fn refused_on_case(
    ctx: &Ctx,
    staff: &StaffPrincipal,
    id: &str,
    error: sportello_app::AppError,
    action: String,
    text: String,
) -> Response {
    match crate::errors::shown_refusal(ctx, error) {
        Ok(refused) => case_page(ctx, staff, id, Some(refused), None, action, text).await,
        Err(e) => page_for(ctx, e),
    }
}

pub async fn document(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    match ctx
        .state
        .app
        .back_office()
        .office_document(&staff, &id, &doc)
        .await
    {
        Ok((row, bytes)) => super::posted::download(&row.file_name, &row.media_type, bytes),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn file(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    Path((id, field)): Path<(String, String)>,
) -> Response {
    match ctx
        .state
        .app
        .back_office()
        .office_file(&staff, &id, &field)
        .await
    {
        Ok((row, bytes)) => super::posted::download(&row.file_name, &row.media_type, bytes),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn segnatura(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    match ctx
        .state
        .app
        .back_office()
        .office_segnatura(&staff, &id, &doc)
        .await
    {
        Ok(xml) => super::posted::download("segnatura.xml", "application/xml", xml.into_bytes()),
        Err(e) => page_for(&ctx, e),
    }
}

/// The protocol register's public sealing key, to verify any segnatura.
pub async fn seal_key(ctx: Ctx) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        ctx.state.app.seal_public_pem(),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "office_ranking.html")]
struct RankingPage {
    page: Page,
    ranking: sportello_app::back_office::Ranking,
    /// (position, number, registered with microseconds, correspondent, state, funded)
    lines: Vec<(i64, String, String, String, &'static str, bool)>,
    next: Option<i64>,
}

#[derive(serde::Deserialize, Default)]
pub struct RankingQuery {
    #[serde(default)]
    da: Option<i64>,
    #[serde(default)]
    approvata: Option<String>,
}

#[derive(Template)]
#[template(path = "office_scored_ranking.html")]
struct ScoredRankingPage {
    page: Page,
    ranking: sportello_app::back_office::ScoredRanking,
    /// The staff member approves rankings (the responsible officer).
    approves: bool,
    approved_now: bool,
    slug: String,
    /// «Approvata il … da …», the latest first.
    approved: Vec<String>,
}

/// A call's ranking: every application scored by the call's criteria; the officer approves
/// and publishes it.
async fn scored_ranking(
    ctx: Ctx,
    staff: StaffPrincipal,
    service: String,
    approved_now: bool,
) -> Response {
    let ranking = match ctx
        .state
        .app
        .back_office()
        .scored_ranking(&staff, &service)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let approves = sportello_domain::identity::may(
        &staff.roles,
        sportello_domain::identity::Permission::ApproveRanking,
    );
    let slug = staff
        .ente_place
        .as_ref()
        .map(|(_, slug)| slug.clone())
        .unwrap_or_default();
    let approved = ranking
        .approved
        .iter()
        .map(|a| {
            fill(
                ctx.t("ranking.approved_line"),
                &[&it_minutes(a.approved_at), &a.approver_name],
            )
        })
        .collect();
    render(&ScoredRankingPage {
        approved,
        page: ctx.page(format!(
            "{} — {}",
            ctx.t("ranking.scored_title"),
            ranking.service_title
        )),
        ranking,
        approves,
        approved_now,
        slug,
    })
}

/// The officer approves the ranking as it stands, and so publishes it.
pub async fn approve_ranking(
    ctx: Ctx,
    Path(service): Path<String>,
    CsrfForm(Staff { staff, .. }, _): CsrfForm<Staff<crate::extract::ApprovesRankings>, Empty>,
) -> Response {
    match ctx
        .state
        .app
        .back_office()
        .approve_ranking(&staff, &service)
        .await
    {
        Ok(_) => Redirect::to(&format!("/staff/graduatoria/{service}?approvata=1")).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// An empty form: only its CSRF token.
#[derive(serde::Deserialize)]
pub struct Empty {}

/// First come, first served: a service's filings in order of arrival, with the registration
/// time to the microsecond; or, for a call with criteria, its scored ranking.
pub async fn ranking(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    Path(service): Path<String>,
    query: Result<Query<RankingQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let scored = match ctx.state.app.back_office().ranked_services(&staff).await {
        Ok(s) => s
            .iter()
            .any(|s| s.definition.id == service && s.definition.ranking.is_some()),
        Err(e) => return page_for(&ctx, e),
    };
    if scored {
        return scored_ranking(ctx, staff, service, query.approvata.is_some()).await;
    }
    let from = query.da.unwrap_or(1);
    let ranking = match ctx
        .state
        .app
        .back_office()
        .ranking(&staff, &service, from)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let quota = ranking.quota.map(i64::from);
    let lines: Vec<_> = ranking
        .rows
        .iter()
        .map(|r| {
            (
                r.arrival,
                format!(
                    "{}/{}",
                    sportello_domain::protocol::format_number(r.number),
                    r.year
                ),
                r.registered_at.replace('T', " "),
                r.correspondent.clone(),
                sportello_app::back_office::state_label(r.status, r.case_state.as_deref()),
                quota.is_none_or(|q| r.arrival <= q),
            )
        })
        .collect();
    let next = (lines.len() == 500)
        .then(|| lines.last().map(|l| l.0 + 1))
        .flatten();
    render(&RankingPage {
        page: ctx.page(format!(
            "{} — {}",
            ctx.t("office.ranking"),
            ranking.service_title
        )),
        ranking,
        lines,
        next,
    })
}
