//! The request context: language, the session and who is behind it, the pre-session cookie
//! CSRF tokens are bound to before sign-in, and the request id. Built once per request by
//! [`context_layer`] and read by handlers through the [`Ctx`] extractor.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sportello_app::sessions::Principal;

use crate::i18n::{t, Lang};
use crate::WebState;

pub const SESSION_COOKIE: &str = "sportello_session";
pub const PRE_SESSION_COOKIE: &str = "sportello_pre";
pub const LANG_COOKIE: &str = "sportello_lang";

/// Everything a handler needs to know about who is asking and how to answer.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub lang: Lang,
    pub session_token: Option<String>,
    pub principal: Option<Principal>,
    pub pre_session: Option<String>,
    /// Path and query of this request, for "come back here" links.
    pub here: String,
    pub request_id: String,
    /// The client's address (the peer, or as a trusted proxy forwarded it), when known.
    pub client: Option<std::net::IpAddr>,
}

/// Handler access to the request context and the shared state.
#[derive(Clone)]
pub struct Ctx {
    pub req: Arc<RequestCtx>,
    pub state: WebState,
}

impl FromRequestParts<WebState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let req = parts
            .extensions
            .get::<Arc<RequestCtx>>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        Ok(Self {
            req,
            state: state.clone(),
        })
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: always `HttpOnly; SameSite=Lax; Path=/`, `Secure` when configured.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn wants_context(path: &str) -> bool {
    !(path.starts_with("/static/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path == "/favicon.ico")
}

fn wants_pre_session(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/demo-idp/token")
        || path.starts_with("/demo-idp/jwks"))
}

/// Builds the request context. Sessions are resolved from the database on every request, so
/// any number of processes can serve the same users.
pub async fn context_layer(
    State(state): State<WebState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if !wants_context(&path) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default();
    // API clients may send the session token as a bearer token instead of the cookie.
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let mut session_token = bearer.or_else(|| cookie(headers, SESSION_COOKIE).map(str::to_string));
    let mut stale_session = false;
    let mut principal = None;
    if let Some(token) = &session_token {
        match state.app.identity().resolve_session(token).await {
            Ok(Some(p)) => principal = Some(p),
            Ok(None) => stale_session = true,
            Err(e) => tracing::error!(error = %e, "session lookup failed"),
        }
    }
    if stale_session {
        session_token = None;
    }
    let existing_pre = cookie(headers, PRE_SESSION_COOKIE).map(str::to_string);
    let new_pre = (existing_pre.is_none() && wants_pre_session(&path))
        .then(|| sportello_app::crypto::random_token(24));
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let here = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let client = crate::throttle::client_addr(
        request
            .extensions()
            .get::<crate::throttle::PeerAddr>()
            .map(|p| p.0),
        request.headers(),
        &state.settings.trusted_proxies,
    );
    let ctx = RequestCtx {
        client,
        lang,
        session_token,
        principal,
        pre_session: existing_pre.or_else(|| new_pre.clone()),
        here,
        request_id,
    };
    // Every use of an assisted session is recorded for the person to read (issue 15).
    let assisted = match &ctx.principal {
        Some(Principal::Citizen(who)) if who.assisted.is_some() => Some(who.clone()),
        _ => None,
    };
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string());
    let method = request.method().clone();
    // Recorded before the request is served: a use that could not be recorded is not made.
    if let Some(who) = assisted {
        let action = format!("{} {}", method.as_str(), route.as_deref().unwrap_or("?"));
        if let Err(e) = state
            .app
            .identity()
            .record_assisted_use(&who, &action, &path)
            .await
        {
            tracing::error!(error = %e, "an assisted session's use was not recorded");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "5")],
                "Servizio momentaneamente non disponibile: riprova tra poco. \
                 Service temporarily unavailable: try again shortly.",
            )
                .into_response();
        }
    }
    request.extensions_mut().insert(Arc::new(ctx));
    let mut response = next.run(request).await;
    let secure = state.settings.secure_cookies;
    if let Some(pre) = new_pre {
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(PRE_SESSION_COOKIE, &pre, None, secure),
        );
    }
    if stale_session && !response.headers().contains_key(SET_COOKIE) {
        response
            .headers_mut()
            .append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0), secure));
    }
    response
}

/// The layout data every page template shares.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub demo: bool,
    pub signed_in: Option<String>,
    pub is_staff: bool,
    pub csrf: String,
    pub other_lang_href: String,
    pub ente_name: Option<String>,
    pub ente_slug: Option<String>,
    pub request_id: String,
    /// In an assisted session: the banner's text.
    pub assisted: Option<String>,
    /// The region's name («Regione Toscana»), from the configuration.
    pub region: String,
    /// Staff's own navigation (href, message key): what their roles let them open.
    pub staff_nav: Vec<(&'static str, &'static str)>,
    /// Path and query of this page, for «come back here» links.
    pub here: String,
    /// The rating component at the foot of a municipality's public page (Designers Italia's
    /// «valutazione»); none on the staff's pages and the region's.
    pub feedback: Option<Feedback>,
}

/// The rating component as a page shows it.
#[derive(Debug, Clone, Default)]
pub struct Feedback {
    pub subject: Option<sportello_domain::accountability::rating::Subject>,
    /// The path rated (a page), or where the service's rating was asked (a service).
    pub page: String,
    /// The service rated, or whose page is rated ("" when none).
    pub service_id: String,
    /// Shown instead of the form: thanks, or already rated (a message key).
    pub done: Option<&'static str>,
    /// What was sent, kept when it was refused: stars, reason, comment; and why.
    pub kept: (String, String, String),
    pub error: Option<String>,
}

impl Feedback {
    /// The component for the page at `here` (path and query): its thanks if the query says so.
    pub fn for_page(here: &str) -> Feedback {
        let (path, query) = here.split_once('?').unwrap_or((here, ""));
        let done = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "valutazione")
            .and_then(|(_, v)| match v.as_ref() {
                "grazie" => Some("feedback.thanks"),
                "gia" => Some("feedback.already"),
                _ => None,
            });
        Feedback {
            subject: Some(sportello_domain::accountability::rating::Subject::Page),
            page: path.to_owned(),
            done,
            ..Feedback::default()
        }
    }

    /// The same place asking how easy the service was to use.
    pub fn for_service(mut self, service_id: &str) -> Feedback {
        self.subject = Some(sportello_domain::accountability::rating::Subject::Service);
        self.service_id = service_id.to_owned();
        self
    }

    /// A page about a service (its page rated, the service named for its office).
    pub fn about_service(mut self, service_id: &str) -> Feedback {
        self.service_id = service_id.to_owned();
        self
    }

    pub fn subject_code(&self) -> &'static str {
        self.subject.map_or("pagina", |s| s.code())
    }

    pub fn is_service(&self) -> bool {
        self.subject == Some(sportello_domain::accountability::rating::Subject::Service)
    }

    pub fn question_key(&self) -> &'static str {
        if self.is_service() {
            "feedback.q_service"
        } else {
            "feedback.q_page"
        }
    }

    pub fn reasons(&self) -> [usize; 5] {
        [0, 1, 2, 3, 4]
    }

    pub fn answer_key(&self, positive: bool, i: &usize) -> String {
        format!("feedback.{}{i}", if positive { "pos" } else { "neg" })
    }

    pub fn stars(&self) -> [u8; 5] {
        [1, 2, 3, 4, 5]
    }

    pub fn checked(&self, stars: &u8) -> bool {
        self.kept.0 == stars.to_string()
    }

    pub fn reason_checked(&self, positive: bool, i: &usize) -> bool {
        let positive_kept = self.kept.0.parse::<u8>().is_ok_and(|s| s >= 4);
        positive == positive_kept && self.kept.1 == i.to_string()
    }
}

impl Page {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// A case's state in the page's language.
    pub fn state(&self, s: sportello_domain::procedure::states::CaseState) -> &'static str {
        crate::i18n::state(self.lang, s)
    }

    /// A message with one value filled in.
    pub fn fill1(&self, key: &str, value: &str) -> String {
        crate::pages::services::fill(self.t(key), &[value])
    }

    /// Whether a staff menu entry is the section this page belongs to.
    pub fn is_current(&self, href: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or_default();
        path == href || (href != "/staff/" && path.starts_with(href))
    }

    /// The personal area, keeping the municipality the person is in.
    pub fn personal_href(&self) -> String {
        match &self.ente_slug {
            Some(slug) => format!("/area-personale?comune={slug}"),
            None => "/area-personale".into(),
        }
    }

    /// The debt file («Pagamenti»), keeping the municipality the person is in.
    pub fn payments_href(&self) -> String {
        match &self.ente_slug {
            Some(slug) => format!("/area-personale/pagamenti?comune={slug}"),
            None => "/area-personale/pagamenti".into(),
        }
    }

    /// Sign-in, coming back to this page afterwards (and keeping its municipality's header).
    pub fn sign_in_href(&self) -> String {
        if self.here.starts_with("/accedi") || self.here == "/" {
            return "/accedi".into();
        }
        let back: String = url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/accedi?torna={back}")
    }

    /// A whole number with the language's thousands separator: 157.052 / 157,052.
    pub fn number(&self, n: &i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = match self.lang {
            Lang::It => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if *n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
        out
    }
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.req.lang
    }

    /// A case's state in the reader's language.
    pub fn state(&self, s: sportello_domain::procedure::states::CaseState) -> &'static str {
        crate::i18n::state(self.req.lang, s)
    }

    pub fn t(&self, key: &str) -> &'static str {
        t(self.req.lang, key)
    }

    /// The value CSRF tokens are bound to: the session if any, else the pre-session cookie.
    fn csrf_binding(&self) -> &str {
        self.req
            .session_token
            .as_deref()
            .or(self.req.pre_session.as_deref())
            .unwrap_or_default()
    }

    /// What a rating is once for: the session, or the pre-session cookie ("" without either).
    pub fn rating_binding(&self) -> &str {
        self.csrf_binding()
    }

    pub fn csrf_token(&self) -> String {
        self.state.app.identity().csrf_token(self.csrf_binding())
    }

    pub fn csrf_ok(&self, token: &str) -> bool {
        self.state
            .app
            .identity()
            .csrf_valid(self.csrf_binding(), token)
    }

    pub fn citizen(&self) -> Option<&sportello_domain::identity::CitizenIdentity> {
        match &self.req.principal {
            Some(Principal::Citizen(c)) => Some(c),
            _ => None,
        }
    }

    pub fn staff(&self) -> Option<&sportello_app::sessions::StaffPrincipal> {
        match &self.req.principal {
            Some(Principal::Staff(s)) => Some(s),
            _ => None,
        }
    }

    pub fn page(&self, title: impl Into<String>) -> Page {
        let signed_in = match &self.req.principal {
            Some(Principal::Citizen(c)) => Some(format!("{} {}", c.given_name, c.family_name)),
            Some(Principal::Staff(s)) => Some(s.display_name.clone()),
            None => None,
        };
        let other = self.req.lang.other();
        let (staff_nav, staff_place) = match self.staff() {
            Some(s) => (staff_nav(&s.roles, s.ente.is_some()), s.ente_place.clone()),
            None => (Vec::new(), None),
        };
        let back: String = url::form_urlencoded::byte_serialize(self.req.here.as_bytes()).collect();
        Page {
            lang: self.req.lang,
            title: title.into(),
            demo: self.state.app.settings.demo,
            is_staff: self.staff().is_some(),
            signed_in,
            csrf: self.csrf_token(),
            other_lang_href: format!("/lingua?l={}&torna={back}", other.code()),
            ente_name: staff_place.as_ref().map(|(name, _)| name.clone()),
            ente_slug: staff_place.map(|(_, slug)| slug),
            staff_nav,
            here: self.req.here.clone(),
            feedback: None,
            request_id: self.req.request_id.clone(),
            region: self.state.app.settings.region.name.clone(),
            assisted: self.citizen().and_then(|c| {
                let a = c.assisted.as_ref()?;
                let who = format!("{} {} ({})", c.given_name, c.family_name, c.fiscal_code);
                Some(crate::pages::services::fill(
                    t(self.req.lang, "paas.banner"),
                    &[&a.operator, &who],
                ))
            }),
        }
    }

    /// A page wearing the header of the municipality `slug` names, when it names one: the
    /// sign-in and the personal area keep the place the person came from.
    pub async fn page_near(&self, title: impl Into<String>, slug: Option<&str>) -> Page {
        let mut page = self.page(title);
        let slug = slug.filter(|s| looks_like_slug(s));
        if let Some(slug) = slug {
            if let Ok(ente) = self.state.app.ente_by_slug_hot(slug).await {
                page.ente_name = Some(ente.name);
                page.ente_slug = Some(ente.slug);
            }
        }
        page
    }

    pub fn page_for_ente(&self, title: impl Into<String>, name: &str, slug: &str) -> Page {
        let mut page = self.page(title);
        page.ente_name = Some(name.to_string());
        page.ente_slug = Some(slug.to_string());
        if !page.is_staff {
            page.feedback = Some(Feedback::for_page(&self.req.here));
        }
        page
    }
}

/// Whether a name given by the request can be a municipality's slug (lower-case letters and
/// dashes): anything else is not looked up, nor put in a redirect.
pub fn looks_like_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= 80 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// The staff navigation: the desk, then what the roles open, in the order of a working day.
fn staff_nav(
    roles: &[sportello_domain::identity::Role],
    has_ente: bool,
) -> Vec<(&'static str, &'static str)> {
    use sportello_domain::identity::{may, Permission};
    let mut nav = vec![("/staff/", "staffnav.desk")];
    if has_ente && may(roles, Permission::SeeCases) {
        nav.push(("/staff/pratiche", "staffnav.cases"));
    }
    if has_ente && may(roles, Permission::ReadRegister) {
        nav.push(("/staff/protocollo", "staffnav.register"));
    }
    if has_ente && (may(roles, Permission::SeeCases) || may(roles, Permission::Administer)) {
        nav.push(("/staff/pagamenti", "staffnav.payments"));
    }
    if may(roles, Permission::AssistCitizens) {
        nav.push(("/staff/assistenza", "staffnav.assist"));
    }
    if may(roles, Permission::Administer) {
        nav.push(("/staff/servizi", "staffnav.services"));
        nav.push(("/staff/atti", "staffnav.acts"));
        if has_ente {
            nav.push(("/staff/ente", "staffnav.pages"));
        }
    }
    if has_ente && may(roles, Permission::ModerateParticipation) {
        nav.push(("/staff/bilancio-partecipativo", "staffnav.pb"));
    }
    if has_ente && may(roles, Permission::SeeAlboDesk) {
        nav.push(("/staff/albo", "staffnav.albo"));
    }
    if has_ente && may(roles, Permission::HandleReports) {
        nav.push(("/staff/segnalazioni", "staffnav.reports"));
    }
    if has_ente && may(roles, Permission::RunBookings) {
        nav.push(("/staff/prenotazioni", "staffnav.bookings"));
    }
    if has_ente && may(roles, Permission::AnswerFeedback) {
        nav.push(("/staff/valutazioni", "staffnav.feedback"));
    }
    nav
}

/// A 303 redirect that also sets cookies.
pub fn redirect_with_cookies(location: &str, cookies: &[HeaderValue]) -> Response {
    let mut response = axum::response::Redirect::to(location).into_response();
    for c in cookies {
        response.headers_mut().append(SET_COOKIE, c.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_the_language_separator() {
        let mut page = Page {
            lang: Lang::It,
            title: String::new(),
            demo: false,
            signed_in: None,
            is_staff: false,
            csrf: String::new(),
            other_lang_href: String::new(),
            ente_name: None,
            ente_slug: None,
            request_id: String::new(),
            assisted: None,
            region: String::new(),
            staff_nav: Vec::new(),
            here: String::new(),
            feedback: None,
        };
        assert_eq!(page.number(&3_672_202), "3.672.202");
        assert_eq!(page.number(&394), "394");
        assert_eq!(page.number(&-1000), "-1.000");
        page.lang = Lang::En;
        assert_eq!(page.number(&157_052), "157,052");
    }
}
