//! Error answers: Italian (or English) pages for people, `application/problem+json` for the
//! API. The cause goes to the log, never to the user.

use askama::Template;
use axum::http::{header, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use sportello_app::AppError;

use std::sync::Arc;

use axum::extract::State;
use axum::Extension;

use crate::context::{Ctx, Page, RequestCtx};
use crate::WebState;

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub page: Page,
    pub tone: &'static str,
    pub text: String,
    pub show_request_id: bool,
    pub link_href: String,
    pub link_text: String,
}

/// Renders a template, or a bare 500 if the template itself fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Errore interno / Internal error",
            )
                .into_response()
        }
    }
}

pub fn render_status(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

pub fn message(
    ctx: &Ctx,
    status: StatusCode,
    title_key: &str,
    text: String,
    tone: &'static str,
) -> Response {
    render_status(
        status,
        &MessagePage {
            page: ctx.page(ctx.t(title_key)),
            tone,
            text,
            show_request_id: status.is_server_error(),
            link_href: "/".into(),
            link_text: ctx.t("error.back_home").into(),
        },
    )
}

pub fn not_found(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::NOT_FOUND,
        "error.404_title",
        ctx.t("error.404_text").into(),
        "info",
    )
}

/// A page this staff member's role does not open.
pub fn forbidden(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::FORBIDDEN,
        "error.403_title",
        ctx.t("error.403_text").into(),
        "danger",
    )
}

pub fn server_error(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.500_title",
        ctx.t("error.500_text").into(),
        "danger",
    )
}

/// Too many attempts from this address: try again after `wait` (429 with Retry-After).
pub fn too_many(ctx: &Ctx, wait: std::time::Duration) -> Response {
    let mut r = message(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        "error.busy_title",
        ctx.t("error.too_many_text").into(),
        "warning",
    );
    retry_after(&mut r, wait);
    r
}

/// Tells the client when to try again (whole seconds, at least one).
pub fn retry_after(r: &mut Response, wait: std::time::Duration) {
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
}

/// A form posted without a valid CSRF token: nothing done, the person is told to reload.
pub fn csrf_refused(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::FORBIDDEN,
        "error.403_title",
        ctx.t("form.csrf").into(),
        "danger",
    )
}

/// The page for a use case's error.
pub fn page_for(ctx: &Ctx, error: AppError) -> Response {
    match error {
        AppError::NotFound => not_found(ctx),
        e @ (AppError::Refusal(_)
        | AppError::Participation(_)
        | AppError::Ballot(_)
        | AppError::ActText(_)
        | AppError::Report(_)
        | AppError::Booking(_)) => match shown_refusal(ctx, e) {
            Ok((status, text)) => message(ctx, status, "error.403_title", text, "danger"),
            Err(other) => {
                tracing::error!(error = %other, "request failed");
                server_error(ctx)
            }
        },
        AppError::Overloaded => {
            let mut r = message(
                ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                "error.busy_title",
                ctx.t("error.busy_text").into(),
                "warning",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            r
        }
        other => {
            tracing::error!(error = %other, "request failed");
            server_error(ctx)
        }
    }
}

/// What a form shows next to what was typed when a use case refuses: the status and the
/// sentence, in the person's language. Any other error is given back.
pub fn shown_refusal(ctx: &Ctx, e: AppError) -> Result<(StatusCode, String), AppError> {
    match crate::refusals::refusal_words(ctx.lang(), &e) {
        Some((input, text)) => Ok((input_status(input), text)),
        None => Err(e),
    }
}

/// A refusal's status: 422 when what was typed is at fault, 409 when the action is not
/// allowed now.
fn input_status(input: bool) -> StatusCode {
    if input {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    }
}

/// An RFC 9457 problem document.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

pub fn problem_for(error: AppError) -> Response {
    match error {
        AppError::NotFound => problem(
            StatusCode::NOT_FOUND,
            "Risorsa non trovata",
            "La risorsa richiesta non esiste.",
        ),
        AppError::Overloaded => {
            let mut r = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Servizio momentaneamente saturo",
                "Troppe domande in attesa: nulla è stato registrato. Riprova tra qualche secondo.",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            r
        }
        other => match crate::refusals::refusal_words(crate::Lang::It, &other) {
            Some((true, text)) => problem(input_status(true), "Richiesta non valida", &text),
            Some((false, text)) => problem(input_status(false), "Azione non consentita", &text),
            None => {
                tracing::error!(error = %other, "API request failed");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Errore interno",
                    "Si è verificato un errore imprevisto.",
                )
            }
        },
    }
}

/// Unknown paths: a problem document under `/api/`, a page elsewhere.
pub async fn fallback(
    uri: Uri,
    State(state): State<WebState>,
    req: Option<Extension<Arc<RequestCtx>>>,
) -> Response {
    if uri.path().starts_with("/api/") {
        return problem(
            StatusCode::NOT_FOUND,
            "Risorsa non trovata",
            "Nessuna risorsa a questo indirizzo.",
        );
    }
    match req {
        Some(Extension(req)) => not_found(&Ctx { req, state }),
        None => (StatusCode::NOT_FOUND, "Pagina non trovata / Page not found").into_response(),
    }
}
