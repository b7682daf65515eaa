//! Assisted access (PAAS): an operator opens a session for a citizen who is present, with a
//! signed mandate; the citizen's journey then runs as usual, marked as assisted on every page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use sportello_app::AppError;

use crate::context::{redirect_with_cookies, set_cookie, Ctx, Page, SESSION_COOKIE};
use crate::errors::{page_for, render_status};
use crate::extract::{AssistsCitizens, CsrfMultipart, Staff};

#[derive(Template)]
#[template(path = "assisted.html")]
struct AssistedPage {
    page: Page,
    fiscal_code: String,
    given_name: String,
    family_name: String,
    error: Option<String>,
}

fn page(ctx: &Ctx, values: (&str, &str, &str), error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &AssistedPage {
            page: ctx.page(ctx.t("paas.title")),
            fiscal_code: values.0.into(),
            given_name: values.1.into(),
            family_name: values.2.into(),
            error,
        },
    )
}

pub async fn form(ctx: Ctx, _operator: Staff<AssistsCitizens>) -> Response {
    page(&ctx, ("", "", ""), None)
}

pub async fn open(
    ctx: Ctx,
    CsrfMultipart(staff, mut posted): CsrfMultipart<Staff<AssistsCitizens>, 20>,
) -> Response {
    let mandate = posted.take_file("delega");
    let get = |k: &str| posted.get(k);
    let (cf, given, family) = (get("codice_fiscale"), get("nome"), get("cognome"));
    let values = (cf.as_str(), given.as_str(), family.as_str());
    if get("documento_verificato").is_empty() {
        return page(&ctx, values, Some(ctx.t("paas.document_required").into()));
    }
    let Some((mandate_name, mandate)) = mandate else {
        return page(&ctx, values, Some(ctx.t("paas.mandate_required").into()));
    };
    // Where the assisted journey starts, read before anything changes.
    let ente = match staff.ente {
        Some(id) => match ctx.state.app.ente_by_id(id).await {
            Ok(e) => Some(e.slug),
            Err(e) => return page_for(&ctx, e),
        },
        None => None,
    };
    match ctx
        .state
        .app
        .identity()
        .open_assisted_session(&staff, &cf, &given, &family, (&mandate_name, &mandate))
        .await
    {
        Ok(token) => {
            // The browser now carries the citizen's assisted session; the operator's ends.
            if let Some(old) = &ctx.req.session_token {
                if let Err(e) = ctx.state.app.identity().end_session(old).await {
                    return page_for(&ctx, e);
                }
            }
            let cookie = set_cookie(
                SESSION_COOKIE,
                &token,
                None,
                ctx.state.settings.secure_cookies,
            );
            let next = ente
                .map(|slug| format!("/{slug}/servizi"))
                .unwrap_or_else(|| "/".into());
            redirect_with_cookies(&next, &[cookie])
        }
        Err(e @ AppError::Refusal(_)) => {
            let text = match crate::errors::shown_refusal(&ctx, e) {
                Ok((_, text)) => text,
                Err(e) => return page_for(&ctx, e),
            };
            page(&ctx, values, Some(text))
        }
        Err(e) => page_for(&ctx, e),
    }
}
