//! Sportello's web layer: the only crate that knows HTTP and HTML. Handlers are thin: they
//! read the request, call one use case of `sportello-app`, and render a page (askama) or JSON.
//! Start reading at [`router`].

mod api;
mod assets;
mod context;
mod errors;
mod i18n;
mod metrics;
mod ops;
mod pages;
mod security;

use std::sync::Arc;

use axum::Router;
use sportello_app::App;

pub use i18n::Lang;
pub use metrics::Metrics;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (everywhere but plain-HTTP localhost).
    pub secure_cookies: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<Metrics>,
    pub(crate) csp: Arc<str>,
}

impl WebState {
    pub fn new(app: App, settings: WebSettings) -> Self {
        let csp = security::content_security_policy(&app);
        Self {
            app,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            csp: csp.into(),
        }
    }
}

/// The whole HTTP surface of Sportello.
pub fn router(state: WebState) -> Router {
    let pages = pages::routes()
        .merge(api::routes())
        .merge(ops::routes())
        .merge(assets::routes())
        .fallback(errors::fallback);
    security::layers(pages, state.clone()).with_state(state)
}
