//! Sportello's web layer: the only crate that knows HTTP and HTML. Handlers are thin: they
//! read the request, call one use case of `sportello-app`, and render a page (askama) or JSON.
//! Start reading at [`router`].

mod api;
mod assets;
mod context;
mod errors;
mod extract;
mod i18n;
mod metrics;
mod ops;
mod pages;
mod refusals;
pub mod routes;
mod security;
pub mod throttle;
mod views;

use std::sync::Arc;

use axum::Router;
use sportello_app::App;

pub use i18n::Lang;
pub use metrics::Metrics;
pub use refusals::error_text;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (everywhere but plain-HTTP localhost).
    pub secure_cookies: bool,
    /// Filings handled at once (default [`FILINGS_IN_FLIGHT`]).
    pub filings_in_flight: usize,
    /// Staff sign-in attempts a client address may make a minute (beyond, 429).
    pub sign_ins_per_address_per_minute: u32,
    /// Citizens' sign-in starts a client address may make a minute (beyond, 429).
    pub sign_in_starts_per_address_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// What every handler can reach. Cloned by every layer of every request, so it is one `Arc`:
/// one reference count, where a copy of each part would cost a dozen and an allocation.
#[derive(Clone)]
pub struct WebState(Arc<Shared>);

impl std::ops::Deref for WebState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`WebState`].
pub struct Shared {
    pub app: App,
    pub settings: WebSettings,
    pub metrics: Metrics,
    /// The Content-Security-Policy header, built once.
    pub(crate) csp: axum::http::HeaderValue,
    /// Filings being handled at once (API and journey): beyond the setting a filing is
    /// answered at once with 503 and Retry-After, before its body is read, so that a flood
    /// cannot grow connections' buffers, queues and memory without bound.
    pub(crate) filings: Arc<tokio::sync::Semaphore>,
    /// Large multipart forms (over 1 MB, or of unknown length) being read at once: beyond
    /// [`UPLOADS_IN_FLIGHT`] one is answered 503 with Retry-After before its body is read, and
    /// each must arrive within five minutes, so that held-open uploads cannot take the server's
    /// memory.
    pub(crate) uploads: Arc<tokio::sync::Semaphore>,
    /// Staff sign-in attempts per client address.
    pub(crate) sign_in_throttle: throttle::AddressThrottle,
    /// Citizens' sign-in starts per client address (each writes a flow).
    pub(crate) sign_in_start_throttle: throttle::AddressThrottle,
    /// Reports sent without signing in per client address (each writes a waiting report and
    /// an e-mail); the same rate as sign-in starts, counted apart.
    pub(crate) reports_throttle: throttle::AddressThrottle,
}

/// Multipart forms read at once. Each is bounded by its route's limit (at most 60 MB).
pub const UPLOADS_IN_FLIGHT: usize = 16;

/// Filings handled at once. At the rate two cores register (docs/benchmarks.md), this many
/// wait at most about 200 ms: more would only wait longer.
pub const FILINGS_IN_FLIGHT: usize = 1024;

impl WebState {
    pub fn new(app: App, settings: WebSettings) -> Self {
        let in_flight = settings.filings_in_flight.max(1);
        let csp = axum::http::HeaderValue::from_str(&security::content_security_policy(&app))
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("default-src 'self'"));
        let sign_in_throttle =
            throttle::AddressThrottle::new(settings.sign_ins_per_address_per_minute);
        let sign_in_start_throttle =
            throttle::AddressThrottle::new(settings.sign_in_starts_per_address_per_minute);
        let reports_throttle =
            throttle::AddressThrottle::new(settings.sign_in_starts_per_address_per_minute);
        Self(Arc::new(Shared {
            app,
            metrics: Metrics::default(),
            csp,
            filings: Arc::new(tokio::sync::Semaphore::new(in_flight)),
            uploads: Arc::new(tokio::sync::Semaphore::new(UPLOADS_IN_FLIGHT)),
            sign_in_throttle,
            sign_in_start_throttle,
            reports_throttle,
            settings,
        }))
    }
}

/// The whole HTTP surface of Sportello.
pub fn router(state: WebState) -> Router {
    let (all, _) = routes::all().into_parts();
    let pages = all.fallback(errors::fallback);
    security::layers(pages, state.clone()).with_state(state)
}
