//! The demo identity provider's pages and endpoints (mounted only with `--demo`; the use
//! cases refuse to work otherwise). Plain HTML forms: usable without JavaScript and by scripts.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sportello_app::demo::personas;
use sportello_app::demo_idp::{AuthorizeError, AuthorizeParams, TokenError, TokenParams};
use sportello_domain::identity::SpidLevel;

use crate::context::{Ctx, Page};
use crate::errors::{message, page_for, render};
use crate::extract::CsrfForm;

pub async fn discovery(ctx: Ctx) -> Response {
    match ctx.state.app.identity().demo_discovery() {
        Ok(doc) => Json(doc).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn jwks(ctx: Ctx) -> Response {
    match ctx.state.app.identity().demo_jwks() {
        Ok(doc) => Json(doc).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

struct PersonaView {
    key: &'static str,
    name: String,
    about: &'static str,
    fiscal_code: String,
}

#[derive(Template)]
#[template(path = "demo_idp.html")]
struct AuthorizePage {
    page: Page,
    hidden: Vec<(&'static str, String)>,
    personas: Vec<PersonaView>,
    /// (code, message key, checked)
    levels: Vec<(&'static str, String, bool)>,
}

fn refused(ctx: &Ctx, p: &AuthorizeParams, error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::BadClient => message(
            ctx,
            StatusCode::BAD_REQUEST,
            "idp.title",
            ctx.t("idp.bad_client").into(),
            "danger",
        ),
        AuthorizeError::Redirect(code) => {
            match ctx.state.app.identity().demo_error_redirect(p, &code) {
                Ok(url) => Redirect::to(&url).into_response(),
                Err(_) => message(
                    ctx,
                    StatusCode::BAD_REQUEST,
                    "idp.title",
                    ctx.t("idp.bad_client").into(),
                    "danger",
                ),
            }
        }
    }
}

pub async fn authorize_form(
    ctx: Ctx,
    query: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    let p = query.map(|Query(q)| q).unwrap_or_default();
    if !ctx.state.app.settings.demo {
        return crate::errors::not_found(&ctx);
    }
    let min = match ctx.state.app.identity().demo_check_authorize(&p) {
        Ok(level) => level,
        Err(e) => return refused(&ctx, &p, e),
    };
    let preselected = min.max(SpidLevel::L2);
    let lang = ctx.lang();
    let personas = personas()
        .into_iter()
        .filter_map(|persona| {
            let cf = persona.fiscal_code().ok()?;
            Some(PersonaView {
                key: persona.key,
                name: format!("{} {}", persona.given_name, persona.family_name),
                about: match lang {
                    crate::Lang::It => persona.about.0,
                    crate::Lang::En => persona.about.1,
                },
                fiscal_code: cf.to_string(),
            })
        })
        .collect();
    let hidden = vec![
        ("response_type", p.response_type.clone()),
        ("client_id", p.client_id.clone()),
        ("redirect_uri", p.redirect_uri.clone()),
        ("scope", p.scope.clone()),
        ("state", p.state.clone()),
        ("nonce", p.nonce.clone()),
        ("code_challenge", p.code_challenge.clone()),
        ("code_challenge_method", p.code_challenge_method.clone()),
        ("acr_values", p.acr_values.clone()),
    ];
    render(&AuthorizePage {
        page: ctx.page(ctx.t("idp.title")),
        hidden,
        personas,
        levels: SpidLevel::ALL
            .into_iter()
            .filter(|l| *l >= min)
            .map(|l| (l.code(), format!("level.{}", l.code()), l == preselected))
            .collect(),
    })
}

#[derive(serde::Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    persona: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    params: AuthorizeParams,
}

pub async fn authorize(
    ctx: Ctx,
    CsrfForm(DemoMode, form): CsrfForm<DemoMode, ApproveForm>,
) -> Response {
    let p = &form.params;
    let min = match ctx.state.app.identity().demo_check_authorize(p) {
        Ok(level) => level,
        Err(e) => return refused(&ctx, p, e),
    };
    if form.action == "cancel" {
        return refused(&ctx, p, AuthorizeError::Redirect("access_denied".into()));
    }
    let level = SpidLevel::from_code(&form.level)
        .filter(|l| *l >= min)
        .unwrap_or(min);
    match ctx
        .state
        .app
        .identity()
        .demo_approve(p, &form.persona, level)
        .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => refused(&ctx, p, e),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

pub async fn token(
    ctx: Ctx,
    _: DemoMode,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    let result = match form {
        Ok(Form(params)) => {
            ctx.state
                .app
                .identity()
                .demo_token(&params, basic_credentials(&headers))
                .await
        }
        Err(_) => Err(TokenError::InvalidRequest),
    };
    match result {
        Ok(body) => (no_store, Json(body)).into_response(),
        Err(e) => {
            let status = if e == TokenError::InvalidClient {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            (
                status,
                no_store,
                Json(serde_json::json!({ "error": e.code() })),
            )
                .into_response()
        }
    }
}

/// Only in demo mode: otherwise the demo provider's routes answer 404, before any body is read.
pub struct DemoMode;

impl axum::extract::FromRequestParts<crate::WebState> for DemoMode {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::WebState,
    ) -> Result<Self, Response> {
        if state.app.settings.demo {
            return Ok(DemoMode);
        }
        let ctx = Ctx::from_request_parts(parts, state).await?;
        Err(crate::errors::not_found(&ctx))
    }
}
