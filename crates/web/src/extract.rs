//! What a handler knows before it reads a body: who is asking ([`Citizen`], [`Staff`] with the
//! permission its route needs), and whether the request may be a cross-site forgery
//! ([`same_origin`]). The body extractors ([`CsrfForm`], [`CsrfFields`], [`CsrfMultipart`]) take
//! the one who may post as a type parameter and settle it, then the origin (and a CSRF token
//! sent in the head), **before** the first byte of the body is read; a token in the body is
//! checked as soon as the body is read, before the handler runs. A route cannot read a body
//! without saying who may send it. See docs/design/structure.md, «Checked before read».

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use sportello_app::sessions::StaffPrincipal;
use sportello_app::AppError;
use sportello_domain::identity::{may, CitizenIdentity, Permission};
use sportello_domain::tenancy::EnteId;

use crate::context::Ctx;
use crate::errors::{csrf_refused, forbidden, message, page_for};
use crate::pages::posted::{self, Posted};
use crate::WebState;

/// A handler's failure, already turned into the answer the person gets.
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        Self(Box::new(r))
    }
}

/// A handler's result: a page, or the answer for what went wrong.
pub type PageResult = Result<Response, PageError>;

/// Turns a use case's error into the page for it, in the person's language.
pub trait OrPage<T> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| PageError::from(page_for(ctx, e)))
    }
}

async fn ctx_of(parts: &mut Parts, state: &WebState) -> Result<Ctx, Response> {
    Ctx::from_request_parts(parts, state).await
}

/// Anyone, signed in or not: for forms that are posted before signing in (staff sign-in,
/// the demo identity provider) and bound to the pre-session cookie.
pub struct Anyone;

impl FromRequestParts<WebState> for Anyone {
    type Rejection = Response;

    async fn from_request_parts(_: &mut Parts, _: &WebState) -> Result<Self, Response> {
        Ok(Anyone)
    }
}

/// A signed-in citizen (or a person in an assisted session). Anyone else is sent to sign in,
/// and comes back to the page they asked for.
pub struct Citizen(pub CitizenIdentity);

impl FromRequestParts<WebState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let ctx = ctx_of(parts, state).await?;
        match ctx.citizen() {
            Some(who) => Ok(Citizen(who.clone())),
            None => Err(sign_in_redirect(&ctx, parts)),
        }
    }
}

/// The path's `slug` and `id`, whatever else the route's path holds.
async fn slug_and_id(parts: &mut Parts, state: &WebState) -> Option<(String, String)> {
    let mut params = path_params(parts, state).await?;
    Some((params.remove("slug")?, params.remove("id")?))
}

/// The route's path parameters by name, whatever the route.
async fn path_params(
    parts: &mut Parts,
    state: &WebState,
) -> Option<std::collections::HashMap<String, String>> {
    let Path(params) = Path::from_request_parts(parts, state).await.ok()?;
    Some(params)
}

/// A signed-in citizen posting to an application of theirs (`/{slug}/domande/{id}/…`): the
/// ente and the application are found, and found to be theirs, before the body is read.
/// Another citizen's (or another ente's) application is not found (404).
pub struct TheirApplication(pub CitizenIdentity);

impl FromRequestParts<WebState> for TheirApplication {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Citizen(who) = Citizen::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let (slug, id) = slug_and_id(parts, state)
            .await
            .ok_or_else(|| page_for(&ctx, AppError::NotFound))?;
        let found = async {
            let ente = state.app.ente_by_slug(&slug).await?.ente_id();
            state.app.applications().is_theirs(ente, &id, &who).await
        };
        found.await.map_err(|e| page_for(&ctx, e))?;
        Ok(TheirApplication(who))
    }
}

/// A signed-in citizen posting about a payment notice of theirs (`/{slug}/pagamenti/{notice}/…`):
/// the ente and the notice are found, and found to be theirs (within an assisted session's
/// reach), before the body is read. Anyone else's notice is not found (404).
pub struct TheirNotice(pub CitizenIdentity);

impl FromRequestParts<WebState> for TheirNotice {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Citizen(who) = Citizen::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let mut params = path_params(parts, state)
            .await
            .ok_or_else(|| page_for(&ctx, AppError::NotFound))?;
        let (Some(slug), Some(notice)) = (params.remove("slug"), params.remove("notice")) else {
            return Err(page_for(&ctx, AppError::NotFound));
        };
        let found = async {
            let ente = state.app.ente_by_slug(&slug).await?.ente_id();
            state.app.payments().is_theirs(ente, &notice, &who).await
        };
        found.await.map_err(|e| page_for(&ctx, e))?;
        Ok(TheirNotice(who))
    }
}

/// A signed-in citizen posting to a municipality's page (`/{slug}/…`): the ente is found, within
/// an assisted session's reach, and — when the path names a participatory budget (`{process}`)
/// — the budget is the ente's, all before the body is read (404, or the refusal, otherwise).
pub struct CitizenHere(pub CitizenIdentity);

impl FromRequestParts<WebState> for CitizenHere {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Citizen(who) = Citizen::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let params = path_params(parts, state).await.unwrap_or_default();
        let slug = params
            .get("slug")
            .ok_or_else(|| page_for(&ctx, AppError::NotFound))?;
        let found = async {
            let ente = state.app.ente_by_slug(slug).await?;
            sportello_app::sessions::reaches_ente(&who, ente.ente_id())?;
            if let Some(process) = params.get("process") {
                state.app.participation().pb_process(&ente, process).await?;
            }
            Ok::<(), AppError>(())
        };
        found.await.map_err(|e| page_for(&ctx, e))?;
        Ok(CitizenHere(who))
    }
}

/// Staff running participatory budgets, posting about one of their ente's (`/staff/bilancio-
/// partecipativo/{process}/…`): the budget is found to be the ente's before the body is read
/// (404 for another ente's).
pub struct ProcessOffice(pub EnteStaff<ModeratesParticipation>);

impl FromRequestParts<WebState> for ProcessOffice {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let who = EnteStaff::<ModeratesParticipation>::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let params = path_params(parts, state).await.unwrap_or_default();
        let process = params
            .get("process")
            .ok_or_else(|| page_for(&ctx, AppError::NotFound))?;
        let found = async {
            let ente = state.app.ente_by_id(who.ente).await?;
            state.app.participation().pb_process(&ente, process).await?;
            Ok::<(), AppError>(())
        };
        found.await.map_err(|e| page_for(&ctx, e))?;
        Ok(ProcessOffice(who))
    }
}

/// A staff member acting on a report (`/staff/segnalazioni/{year}/{number}/…`) of their own
/// ente, with the permission to handle reports: found before the body is read (404 for another
/// ente's, or none).
pub struct ReportOffice(pub StaffPrincipal);

impl FromRequestParts<WebState> for ReportOffice {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Staff { staff, .. } = Staff::<HandlesReports>::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let params = path_params(parts, state).await.unwrap_or_default();
        let number = params
            .get("year")
            .and_then(|y| y.parse::<i64>().ok())
            .zip(params.get("number").and_then(|n| n.parse::<i64>().ok()));
        let Some((year, number)) = number else {
            return Err(page_for(&ctx, AppError::NotFound));
        };
        state
            .app
            .reports()
            .for_office(&staff, year, number)
            .await
            .map_err(|e| page_for(&ctx, e))?;
        Ok(ReportOffice(staff))
    }
}

/// A staff member acting on a booking (`/staff/prenotazioni/{id}/…`) of a calendar they run:
/// found before the body is read (404 for another ente's or another office's, or none).
pub struct BookingOffice(pub StaffPrincipal);

impl FromRequestParts<WebState> for BookingOffice {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Staff { staff, .. } = Staff::<RunsBookings>::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let params = path_params(parts, state).await.unwrap_or_default();
        let Some(id) = params.get("id").and_then(|n| n.parse::<i64>().ok()) else {
            return Err(page_for(&ctx, AppError::NotFound));
        };
        state
            .app
            .bookings()
            .for_office(&staff, id)
            .await
            .map_err(|e| page_for(&ctx, e))?;
        Ok(BookingOffice(staff))
    }
}

/// A staff member acting on a case (`/staff/pratiche/{id}/…`) of their own ente's office, with
/// the permission to see cases: found before the body is read (404 for anyone else's case).
pub struct OfficeCase(pub StaffPrincipal);

impl FromRequestParts<WebState> for OfficeCase {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Staff { staff, .. } = Staff::<AnyDuty>::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| page_for(&ctx, AppError::NotFound))?;
        state
            .app
            .back_office()
            .in_office(&staff, &id)
            .await
            .map_err(|e| page_for(&ctx, e))?;
        Ok(OfficeCase(staff))
    }
}

/// A staff member acting on a registration (`/staff/protocollo/{id}/…`) of their own ente's
/// register, which they may read: found before the body is read (404 for anyone else's).
pub struct RegisterEntry(pub StaffPrincipal);

impl FromRequestParts<WebState> for RegisterEntry {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Staff { staff, .. } = Staff::<AnyDuty>::from_request_parts(parts, state).await?;
        let ctx = ctx_of(parts, state).await?;
        let Path(id) = Path::<i64>::from_request_parts(parts, state)
            .await
            .map_err(|_| page_for(&ctx, AppError::NotFound))?;
        state
            .app
            .registry()
            .in_register(&staff, id)
            .await
            .map_err(|e| page_for(&ctx, e))?;
        Ok(RegisterEntry(staff))
    }
}

/// Where a person who is not signed in goes, with the way back. A form posted while signed
/// out comes back to the page it was on (its `Referer`, sent on this site's own posts), not to
/// the address it posted to, which answers only POST; failing that, to the personal area.
fn sign_in_redirect(ctx: &Ctx, parts: &Parts) -> Response {
    let back = if matches!(parts.method, Method::GET | Method::HEAD) {
        ctx.req.here.clone()
    } else {
        referring_page(&parts.headers).unwrap_or_else(|| "/area-personale".to_owned())
    };
    Redirect::to(&format!("/accedi?torna={}", return_path(&back))).into_response()
}

/// The path and query of the page a request came from, when it is a page of this site.
fn referring_page(headers: &HeaderMap) -> Option<String> {
    let referer = url::Url::parse(headers.get(header::REFERER)?.to_str().ok()?).ok()?;
    is_request_host(headers, &referer).then(|| match referer.query() {
        Some(q) => format!("{}?{q}", referer.path()),
        None => referer.path().to_owned(),
    })
}

/// A path and query as the value of `torna`: its own `?`, `&`, `=`, `%` and anything outside
/// the unreserved characters percent-encoded, so the whole of it comes back; `/` kept as is.
pub(crate) fn return_path(here: &str) -> String {
    let mut out = String::with_capacity(here.len());
    for b in here.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The kind of work a staff route is for: the permission it needs (`None`: any staff member).
pub trait Duty: Send + Sync + 'static {
    const PERMISSION: Option<Permission>;
}

macro_rules! duties {
    ($($(#[$m:meta])* $name:ident => $permission:expr;)+) => {$(
        $(#[$m])*
        pub struct $name;
        impl Duty for $name {
            const PERMISSION: Option<Permission> = $permission;
        }
    )+};
}

duties! {
    /// Any staff member.
    AnyDuty => None;
    /// Administrators (the region's, or an ente's).
    Administers => Some(Permission::Administer);
    /// Acting on the office's cases and its payments' anomalies (operators and responsible
    /// officers).
    ActsOnCases => Some(Permission::ActOnCases);
    /// Registering documents (protocollista).
    Registers => Some(Permission::Register);
    /// Approving and publishing a call's ranking (the responsible officer).
    ApprovesRankings => Some(Permission::ApproveRanking);
    /// Assisting citizens who are present (PAAS).
    AssistsCitizens => Some(Permission::AssistCitizens);
    /// Running participatory budgets: review, moderation, execution (operators and
    /// administrators).
    ModeratesParticipation => Some(Permission::ModerateParticipation);
    /// The albo's desk: who asks to publish and who publishes.
    WorksOnAlbo => Some(Permission::SeeAlboDesk);
    /// Asking the albo to publish an act (offices, the registry clerk, administrators).
    RequestsPublication => Some(Permission::RequestPublication);
    /// Publishing on the albo, annulling, extending (the publication officer).
    PublishesOnAlbo => Some(Permission::Publish);
    /// Setting the albo's default periods (the publication officer, the ente's administrator).
    ConfiguresAlbo => Some(Permission::ConfigureAlbo);
    /// Reading and answering what residents said (operators, officers, administrators).
    AnswersFeedback => Some(Permission::AnswerFeedback);
    /// Handling residents' reports (operators, officers, administrators).
    HandlesReports => Some(Permission::HandleReports);
    /// Running the day of booking calendars (operators, officers, the registry clerk,
    /// administrators).
    RunsBookings => Some(Permission::RunBookings);
}

/// A signed-in staff member whose roles grant `D`'s permission. Anyone not signed in as staff
/// is sent to the staff sign-in; a staff member without the permission gets 403.
pub struct Staff<D: Duty = AnyDuty> {
    pub staff: StaffPrincipal,
    duty: PhantomData<D>,
}

impl<D: Duty> std::ops::Deref for Staff<D> {
    type Target = StaffPrincipal;
    fn deref(&self) -> &StaffPrincipal {
        &self.staff
    }
}

impl<D: Duty> FromRequestParts<WebState> for Staff<D> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let ctx = ctx_of(parts, state).await?;
        let Some(staff) = ctx.staff() else {
            return Err(Redirect::to("/staff/accedi").into_response());
        };
        if D::PERMISSION.is_some_and(|p| !may(&staff.roles, p)) {
            return Err(forbidden(&ctx));
        }
        Ok(Staff {
            staff: staff.clone(),
            duty: PhantomData,
        })
    }
}

/// A staff member of one ente with `D`'s permission (a regional account gets 403).
pub struct EnteStaff<D: Duty = AnyDuty> {
    pub staff: StaffPrincipal,
    pub ente: EnteId,
    duty: PhantomData<D>,
}

impl<D: Duty> FromRequestParts<WebState> for EnteStaff<D> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Staff { staff, .. } = Staff::<D>::from_request_parts(parts, state).await?;
        match staff.ente {
            Some(ente) => Ok(EnteStaff {
                staff,
                ente,
                duty: PhantomData,
            }),
            None => Err(forbidden(&ctx_of(parts, state).await?)),
        }
    }
}

/// Whether the request may go on to have its body read: refused (403) if its headers say another
/// site made a browser send it, or if it carries a wrong CSRF token in the `X-CSRF-Token`
/// header; `Ok(true)` when a right token came there, so the body's need not be checked. A token
/// is never taken from the URL, where it would stay in history and logs.
#[allow(clippy::result_large_err)] // the error is the answer to send, as axum's rejections are
fn same_origin_and_head_token(ctx: &Ctx, headers: &HeaderMap) -> Result<bool, Response> {
    if !same_origin(headers, &ctx.state.app.settings.public_url) {
        return Err(csrf_refused(ctx));
    }
    match headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        Some(token) if ctx.csrf_ok(token) => Ok(true),
        Some(_) => Err(csrf_refused(ctx)),
        None => Ok(false),
    }
}

/// Whether the headers a browser adds say the request comes from this site (as Go's
/// `CrossOriginProtection` decides): `Sec-Fetch-Site` if present, else `Origin` against the
/// `Host` the request was sent to or the configured public address. A request with neither
/// header is not a browser's cross-site request (a browser too old to send them is covered by
/// the token).
pub(crate) fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let public = url::Url::parse(public_url).ok();
    is_request_host(headers, &origin) || public.is_some_and(|p| p.origin() == origin.origin())
}

/// Whether a URL names the host (and port) the request was sent to.
fn is_request_host(headers: &HeaderMap, url: &url::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let named = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| h == named)
}

/// Who may post: extracted from the request's head before anything else.
async fn who_then_origin<W>(
    req: Request,
    state: &WebState,
) -> Result<(W, bool, Ctx, Request), Response>
where
    W: FromRequestParts<WebState, Rejection = Response>,
{
    let (mut parts, body) = req.into_parts();
    let who = W::from_request_parts(&mut parts, state).await?;
    let ctx = ctx_of(&mut parts, state).await?;
    let token_checked = same_origin_and_head_token(&ctx, &parts.headers)?;
    Ok((who, token_checked, ctx, Request::from_parts(parts, body)))
}

/// The CSRF token in a urlencoded body, when it did not come in the head.
fn body_token_ok(ctx: &Ctx, token_checked: bool, body: &[u8]) -> bool {
    token_checked
        || url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "csrf")
            .is_some_and(|(_, token)| ctx.csrf_ok(&token))
}

/// How long a form's body (at most a couple of megabytes) may take to arrive.
const FORM_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The body of a form, read within the route's limit and in a minute at most: a client that
/// drips it does not hold the connection.
async fn read_body(req: Request, state: &WebState) -> Result<axum::body::Bytes, Response> {
    match tokio::time::timeout(
        FORM_READ_TIMEOUT,
        axum::body::Bytes::from_request(req, state),
    )
    .await
    {
        Ok(read) => read.map_err(IntoResponse::into_response),
        Err(_) => Err((StatusCode::REQUEST_TIMEOUT, "timeout").into_response()),
    }
}

/// A urlencoded body of `W`'s, read after `W` and the origin were checked, and whether its
/// CSRF token (in the head, else in the body) is valid.
type CheckedBody<W> = (W, axum::body::Bytes, bool, Ctx);

async fn read_form<W>(req: Request, state: &WebState) -> Result<CheckedBody<W>, Response>
where
    W: FromRequestParts<WebState, Rejection = Response> + Send,
{
    let (who, token_checked, ctx, req) = who_then_origin::<W>(req, state).await?;
    let body = read_body(req, state).await?;
    let token_ok = body_token_ok(&ctx, token_checked, &body);
    Ok((who, body, token_ok, ctx))
}

#[allow(clippy::result_large_err)] // the error is the answer to send, as axum's rejections are
fn parse_form<T: DeserializeOwned>(ctx: &Ctx, body: &[u8]) -> Result<T, Response> {
    serde_urlencoded::from_bytes::<T>(body).map_err(|_| unreadable(ctx))
}

/// A urlencoded form posted by `W`, read only after `W`, the origin and (when it came in the
/// head) the CSRF token were checked; the token in the body is checked otherwise.
pub struct CsrfForm<W, T>(pub W, pub T);

impl<W, T> FromRequest<WebState> for CsrfForm<W, T>
where
    W: FromRequestParts<WebState, Rejection = Response> + Send,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        match read_form::<W>(req, state).await? {
            (who, body, true, ctx) => Ok(CsrfForm(who, parse_form(&ctx, &body)?)),
            (_, _, false, ctx) => Err(csrf_refused(&ctx)),
        }
    }
}

/// A urlencoded form posted by `W` from this site, read after `W` and the origin were checked,
/// with the CSRF token's verdict left to the handler (`.2`): for a form that must be shown
/// again with what was typed when its page expired (staff sign-in). A token in the head is
/// still checked before reading.
pub struct OriginForm<W, T>(pub W, pub T, pub bool);

impl<W, T> FromRequest<WebState> for OriginForm<W, T>
where
    W: FromRequestParts<WebState, Rejection = Response> + Send,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        let (who, body, token_ok, ctx) = read_form::<W>(req, state).await?;
        Ok(OriginForm(who, parse_form(&ctx, &body)?, token_ok))
    }
}

fn unreadable(ctx: &Ctx) -> Response {
    message(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        "error.403_title",
        ctx.t("form.unreadable").into(),
        "danger",
    )
}

/// A urlencoded form posted by `W` as its pairs (repeated names kept), checked as
/// [`CsrfForm`] is.
pub struct CsrfFields<W>(pub W, pub Vec<(String, String)>);

impl<W> FromRequest<WebState> for CsrfFields<W>
where
    W: FromRequestParts<WebState, Rejection = Response> + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        match read_form::<W>(req, state).await? {
            (who, body, true, _) => Ok(CsrfFields(
                who,
                url::form_urlencoded::parse(&body).into_owned().collect(),
            )),
            (_, _, false, ctx) => Err(csrf_refused(&ctx)),
        }
    }
}

/// A body up to this size is read without taking one of the places for uploads.
const SMALL_BODY: u64 = 1024 * 1024;

/// How long a multipart body may take to arrive (60 MB at about 2 Mbit/s).
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// A multipart form posted by `W`, checked as [`CsrfForm`] is before it is read, of at most
/// `MB` megabytes (the route's `DefaultBodyLimit`, named here for the message and to refuse a
/// declared larger body before reading it). Uploads read at once are bounded: beyond
/// [`crate::UPLOADS_IN_FLIGHT`] the answer is 503 with Retry-After, before the body is read.
pub struct CsrfMultipart<W, const MB: u64>(pub W, pub Posted);

impl<W, const MB: u64> FromRequest<WebState> for CsrfMultipart<W, MB>
where
    W: FromRequestParts<WebState, Rejection = Response> + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        let (who, token_checked, ctx, req) = who_then_origin::<W>(req, state).await?;
        let limit = format!("{MB} MB");
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MB.saturating_mul(1024 * 1024)) {
            return Err(posted::too_large(&ctx, &limit));
        }
        // Only a large body (or one of unknown length) takes one of the places for uploads:
        // a step saved without files reads a few kilobytes and never waits for them.
        let large = declared.is_none_or(|n| n > SMALL_BODY);
        let permit = if large {
            state.uploads.clone().try_acquire_owned().ok()
        } else {
            None
        };
        if large && permit.is_none() {
            let mut busy = message(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                "error.busy_title",
                ctx.t("error.busy_text").into(),
                "warning",
            );
            busy.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            return Err(busy);
        }
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // A body that trickles in is not waited for without end: it would hold its place.
        let posted = match tokio::time::timeout(
            BODY_READ_TIMEOUT,
            posted::read(&ctx, multipart, &limit, MB.saturating_mul(1024 * 1024)),
        )
        .await
        {
            Ok(read) => read.map_err(|r| *r)?,
            Err(_) => {
                return Err(message(
                    &ctx,
                    StatusCode::REQUEST_TIMEOUT,
                    "error.busy_title",
                    ctx.t("form.too_slow").into(),
                    "warning",
                ))
            }
        };
        drop(permit);
        if !token_checked && !ctx.csrf_ok(&posted.get("csrf")) {
            return Err(csrf_refused(&ctx));
        }
        Ok(CsrfMultipart(who, posted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests_are_told_apart_by_their_headers() {
        let public = "https://sportello.example.it";
        assert!(same_origin(&headers(&[]), public), "not a browser");
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            public
        ));
        assert!(same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            public
        ));
        assert!(same_origin(
            &headers(&[
                ("origin", "https://sportello.example.it"),
                ("host", "10.0.0.5:8080")
            ]),
            public
        ));
        assert!(!same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:8080")
            ]),
            public
        ));
        assert!(!same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]),
            public
        ));
    }
}
