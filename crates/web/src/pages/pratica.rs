//! The applicant's view of a filed case: state, live due date, public timeline, the documents
//! the office sent (downloadable), messages, and the answer form when the office awaits one.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::applications::{AnswerFile, ApplicantCase, Awaited};
use sportello_app::model::EnteRow;
use sportello_app::AppError;
use sportello_domain::identity::CitizenIdentity;

use super::back_office::event_label;
use super::services::{ente_or_404, fill, it_date, it_minutes};
use crate::context::{Ctx, Page};
use crate::errors::page_for;
use crate::extract::{CsrfForm, CsrfMultipart, TheirApplication};

pub struct DocumentLine {
    pub id: String,
    pub number: String,
    pub file_name: String,
    pub when: String,
    pub outbound: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: Page,
    slug: String,
    case: ApplicantCase,
    state: &'static str,
    due: Option<String>,
    suspended: String,
    events: Vec<(String, String)>,
    documents: Vec<DocumentLine>,
    messages: Vec<(String, bool, String, String)>,
    awaited: Option<&'static str>,
    /// The last day to answer, dd/mm/yyyy.
    reply_by: Option<String>,
    /// The files the applicant attached when filing: (field, the field's label, file name).
    own_files: Vec<(String, String, String)>,
    error: Option<String>,
    kept_text: String,
    sent: bool,
    /// The other cases of the same filing (procedimento unico).
    related: Vec<super::related::RelatedLine>,
    /// The service's title in the reader's language.
    service_title: String,
}

async fn who_and_ente(ctx: &Ctx, slug: &str) -> Result<(CitizenIdentity, EnteRow), Response> {
    let who = super::apply::citizen_or_sign_in(ctx)?;
    let ente = ente_or_404(ctx, slug).await?;
    Ok((who, ente))
}

pub async fn show(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    query: axum::extract::RawQuery,
) -> Response {
    let (who, ente) = match who_and_ente(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let sent = query.0.as_deref() == Some("inviata=1");
    page(&ctx, &ente, &id, &who, None, String::new(), sent).await
}

async fn page(
    ctx: &Ctx,
    ente: &EnteRow,
    id: &str,
    who: &CitizenIdentity,
    error: Option<(StatusCode, String)>,
    kept_text: String,
    sent: bool,
) -> Response {
    let case = match ctx
        .state
        .app
        .applications()
        .applicant_case(ente.ente_id(), id, who)
        .await
    {
        Ok(c) => c,
        Err(e) => return page_for(ctx, e),
    };
    let when = |at: i64| it_minutes(sportello_app::model::from_millis(at));
    let status = error.as_ref().map(|(s, _)| *s).unwrap_or(StatusCode::OK);
    let (own_files, service_id, on_filing, title) = match ctx
        .state
        .app
        .applications()
        .draft(ente.ente_id(), id, who)
        .await
    {
        Ok(mut d) => (
            {
                // The labels in the reader's language.
                d.service.definition = super::services::in_language(ctx, &d.service.definition);
                d.files.clone()
            }
            .iter()
            .map(|f| {
                let label = d
                    .service
                    .definition
                    .form
                    .field(&f.field)
                    .map(|x| x.label.clone())
                    .unwrap_or_else(|| f.field.clone());
                (f.field.clone(), label, f.file_name.clone())
            })
            .collect(),
            d.service.definition.id.clone(),
            d.service.definition.regime == sportello_domain::catalogue::Regime::Immediate,
            d.service.definition.title.clone(),
        ),
        Err(e) => return page_for(ctx, e),
    };
    let mut shown = ctx.page_for_ente(
        format!("{} {}", ctx.t("case.title"), case.number),
        &ente.name,
        &ente.slug,
    );
    // After the decision the service is rated again, as a whole.
    if case.state.is_concluded()
        && case.state != sportello_domain::procedure::states::CaseState::Ritirata
    {
        shown.feedback = shown.feedback.map(|f| f.for_service(&service_id));
    } else {
        shown.feedback = shown.feedback.map(|f| f.about_service(&service_id));
    }
    let related = super::related::lines(ctx, &case.related, &case.id, |id| {
        format!("/{}/domande/{id}/pratica", ente.slug)
    });
    let p = CasePage {
        service_title: title,
        related,
        page: shown,
        slug: ente.slug.clone(),
        state: crate::i18n::state_of(ctx.lang(), case.state, on_filing),
        due: case.due.map(it_date),
        reply_by: case.reply_by.map(it_date),
        own_files,
        suspended: case
            .suspended_days_left
            .map(|d| fill(ctx.t("office.suspended"), &[&d.to_string()]))
            .unwrap_or_default(),
        events: case
            .timeline
            .iter()
            .map(|e| (when(e.at), event_label(ctx, e.kind)))
            .collect(),
        documents: case
            .documents
            .iter()
            .map(|(d, n)| DocumentLine {
                id: d.id.clone(),
                number: n.clone(),
                file_name: d.file_name.clone(),
                when: when(d.created_at),
                outbound: d.direction == "U",
            })
            .collect(),
        messages: case
            .messages
            .iter()
            .map(|m| (when(m.at), m.from_office, m.author.clone(), m.body.clone()))
            .collect(),
        awaited: case.awaited.map(|a| match a {
            Awaited::Integration => ctx.t("case.answer_integration"),
            Awaited::Observations => ctx.t("case.answer_observations"),
            Awaited::Conformity => ctx.t("case.answer_conformity"),
        }),
        error: error.map(|(_, e)| e),
        kept_text,
        sent,
        case,
    };
    crate::errors::render_status(status, &p)
}

pub async fn document(ctx: Ctx, Path((slug, id, doc)): Path<(String, String, String)>) -> Response {
    let (who, ente) = match who_and_ente(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .applications()
        .applicant_document(ente.ente_id(), &id, &doc, &who)
        .await
    {
        Ok((row, bytes)) => super::posted::download(&row.file_name, &row.media_type, bytes),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn answer(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfMultipart(TheirApplication(who), posted): CsrfMultipart<TheirApplication, 60>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let text = posted.get("testo");
    let files = posted
        .files
        .into_iter()
        .map(|(_, name, upload)| AnswerFile { name, upload })
        .collect();
    let result = ctx
        .state
        .app
        .applications()
        .answer(ente.ente_id(), &id, &who, &text, files)
        .await;
    after_post(&ctx, &ente, &id, &who, result, text).await
}

#[derive(serde::Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    testo: String,
}

pub async fn message(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(TheirApplication(who), form): CsrfForm<TheirApplication, MessageForm>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let result = ctx
        .state
        .app
        .applications()
        .applicant_message(ente.ente_id(), &id, &who, &form.testo)
        .await;
    after_post(&ctx, &ente, &id, &who, result, form.testo).await
}

/// Where a post of the applicant leads: back to the case, or the case with the reason it was
/// refused and what was typed.
async fn after_post(
    ctx: &Ctx,
    ente: &EnteRow,
    id: &str,
    who: &CitizenIdentity,
    result: Result<(), AppError>,
    text: String,
) -> Response {
    let error = match result {
        Ok(()) => {
            return Redirect::to(&format!("/{}/domande/{id}/pratica?inviata=1", ente.slug))
                .into_response()
        }
        Err(AppError::Apply(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            super::apply::file_message(ctx, &e).unwrap_or_else(|| e.to_string()),
        ),
        Err(e) => match crate::errors::shown_refusal(ctx, e) {
            Ok(refused) => refused,
            Err(e) => return page_for(ctx, e),
        },
    };
    page(ctx, ente, id, who, Some(error), text, false).await
}
