//! The layers every response passes through: panic → 500, a request id, a log line without
//! personal data (route template, never the query string), metrics, the session context, and
//! the security headers (strict CSP, no framing, no sniffing, no caching of pages).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sportello_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;

use crate::WebState;

/// The Content-Security-Policy: only our own origin, plus the identity providers' origins
/// as form targets (a sign-in form may redirect there).
pub fn content_security_policy(app: &App) -> String {
    let mut form_targets = vec!["'self'".to_string()];
    for provider in &app.settings.providers {
        if let Ok(url) = url::Url::parse(&provider.issuer) {
            let origin = url.origin().ascii_serialization();
            if origin != "null" && !form_targets.contains(&origin) {
                form_targets.push(origin);
            }
        }
    }
    // «Paga ora» posts to Sportello, which redirects the browser to pagoPA's checkout.
    if let Some(pagopa) = &app.settings.pagopa {
        if !form_targets.contains(&pagopa.checkout_origin) {
            form_targets.push(pagopa.checkout_origin.clone());
        }
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {}",
        form_targets.join(" ")
    )
}

pub fn layers(router: Router<WebState>, state: WebState) -> Router<WebState> {
    router
        .layer(from_fn_with_state(
            state.clone(),
            crate::context::context_layer,
        ))
        .layer(from_fn_with_state(state.clone(), security_headers))
        .layer(from_fn_with_state(state, observe))
        .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(CatchPanicLayer::custom(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Errore interno del servizio. Internal service error.",
            )
                .into_response()
        }))
}

/// Request id, one log line per request, and the request metrics.
async fn observe(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = uuid::Uuid::new_v4();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let id = HeaderValue::from_str(id.hyphenated().encode_lower(&mut text)).ok();
    if let Some(value) = &id {
        request
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value.clone());
    }
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let request_id = id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let method_label = crate::metrics::method_label(method.as_str());
    let span = tracing::info_span!("request", request_id = %request_id, method = %method_label, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request completed"
        );
    });
    state
        .metrics
        .observe(method.as_str(), route, status, elapsed.as_secs_f64());
    if let Some(value) = id {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

async fn security_headers(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: HeaderValue| {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, state.csp.clone());
    set(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    set(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    set(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    // Pages may hold personal data: never stored by browsers or proxies.
    set(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if state.settings.secure_cookies {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
