//! Citizens: the sign-in choice, the OpenID Connect round trip, the personal area, sign-out.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::oidc::{flow_cookie_name, safe_return_path, SignInError};
use sportello_app::AppError;
use sportello_domain::identity::{CitizenIdentity, ClaimsError, SpidLevel};

use super::services::fill;
use crate::context::{cookie, redirect_with_cookies, set_cookie, Ctx, Page, SESSION_COOKIE};
use crate::errors::{page_for, render, render_status, MessagePage};

#[derive(serde::Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    torna: String,
    #[serde(default)]
    livello: String,
}

impl SignInQuery {
    fn level(&self) -> SpidLevel {
        SpidLevel::from_code(&self.livello).unwrap_or(SpidLevel::L1)
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInChoice {
    page: Page,
    /// (label, href)
    providers: Vec<(String, String)>,
    level_key: String,
}

pub async fn sign_in_choice(
    ctx: Ctx,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let level = query.level();
    let back = safe_return_path(&query.torna);
    let providers = ctx
        .state
        .app
        .settings
        .providers
        .iter()
        .map(|p| {
            (
                p.label.clone(),
                format!(
                    "/accedi/{}?livello={}&torna={}",
                    encode(&p.id),
                    level.code(),
                    encode(&back)
                ),
            )
        })
        .collect();
    let place = place_of(&back);
    render(&SignInChoice {
        page: ctx.page_near(ctx.t("signin.title"), place.as_deref()).await,
        providers,
        level_key: format!("level.{}", level.code()),
    })
}

/// The municipality a return path belongs to: its first segment (`/livorno/servizi`), or the
/// personal area's `comune` (`/area-personale?comune=livorno`).
fn place_of(path: &str) -> Option<String> {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    match first {
        "area-personale" => url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "comune")
            .map(|(_, v)| v.into_owned()),
        "" | "accedi" | "staff" | "api" | "static" | "lingua" | "demo-idp" => None,
        slug => Some(slug.to_string()),
    }
}

pub async fn start(
    ctx: Ctx,
    Path(provider): Path<String>,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    // Each start writes a flow: so many a minute from one client address.
    if let Some(addr) = ctx.req.client {
        if let Err(wait) = ctx
            .state
            .sign_in_start_throttle
            .attempt(addr, std::time::Instant::now())
        {
            return crate::errors::too_many(&ctx, wait);
        }
    }
    match ctx
        .state
        .app
        .identity()
        .start_sign_in(&provider, query.level(), &query.torna)
        .await
    {
        Ok(start) => {
            // This browser, and only it, can finish the flow (no login CSRF).
            let bound = set_cookie(
                &flow_cookie_name(&start.state),
                &start.browser,
                Some(start.seconds),
                ctx.state.settings.secure_cookies,
            );
            let mut r = Redirect::to(&start.url).into_response();
            r.headers_mut().append(header::SET_COOKIE, bound);
            r
        }
        Err(e) => sign_in_failed(&ctx, e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let app = &ctx.state.app;
    let flow_cookie = q.state.as_deref().map(flow_cookie_name);
    let browser = flow_cookie
        .as_deref()
        .and_then(|name| cookie(&headers, name))
        .map(str::to_owned);
    // The flow cookie has done its work, whatever the outcome.
    let spent = flow_cookie
        .as_deref()
        .map(|name| set_cookie(name, "", Some(0), ctx.state.settings.secure_cookies));
    let mut answer = match app
        .identity()
        .finish_sign_in(
            q.state.as_deref(),
            q.code.as_deref(),
            q.error.as_deref(),
            browser.as_deref(),
        )
        .await
    {
        Ok((token, back)) => {
            // A new session id at every sign-in; the one the browser had (if any) ends.
            if let Some(old) = &ctx.req.session_token {
                // The new session stands either way; an old one left behind expires by itself.
                if let Err(e) = app.identity().end_session(old).await {
                    tracing::warn!(error = %e, "the previous session could not be ended");
                }
            }
            let cookie = set_cookie(
                SESSION_COOKIE,
                &token,
                None,
                ctx.state.settings.secure_cookies,
            );
            redirect_with_cookies(&back, &[cookie])
        }
        Err(e) => sign_in_failed(&ctx, e),
    };
    if let Some(spent) = spent {
        answer.headers_mut().append(header::SET_COOKIE, spent);
    }
    answer
}

fn sign_in_failed(ctx: &Ctx, error: AppError) -> Response {
    let reason = match error {
        AppError::SignIn(reason) => reason,
        other => return page_for(ctx, other),
    };
    let (status, key) = match reason {
        SignInError::UnknownProvider => (StatusCode::NOT_FOUND, "signin.error.provider"),
        SignInError::UnknownState => (StatusCode::BAD_REQUEST, "signin.error.state"),
        SignInError::OtherBrowser => (StatusCode::BAD_REQUEST, "signin.error.other_browser"),
        SignInError::ProviderRefused => (StatusCode::BAD_REQUEST, "signin.error.refused"),
        SignInError::ProviderUnavailable => (StatusCode::BAD_GATEWAY, "signin.error.unavailable"),
        SignInError::CodeRefused => (StatusCode::BAD_REQUEST, "signin.error.code"),
        SignInError::BadSignature => (StatusCode::BAD_REQUEST, "signin.error.signature"),
        SignInError::Claims(ClaimsError::LevelTooLow) => {
            (StatusCode::FORBIDDEN, "signin.error.level")
        }
        SignInError::Claims(
            ClaimsError::MissingFiscalNumber | ClaimsError::InvalidFiscalNumber,
        ) => (StatusCode::BAD_REQUEST, "signin.error.fiscal_code"),
        SignInError::Claims(_) => (StatusCode::BAD_REQUEST, "signin.error.claims"),
    };
    render_status(
        status,
        &MessagePage {
            page: ctx.page(ctx.t("signin.failed_title")),
            tone: "danger",
            text: ctx.t(key).into(),
            show_request_id: false,
            link_href: "/accedi".into(),
            link_text: ctx.t("signin.retry").into(),
        },
    )
}

/// A draft, to finish or to delete.
pub struct DraftCard {
    pub title: String,
    pub ente: String,
    pub on_behalf: Option<String>,
    pub when: String,
    pub resume_href: String,
    pub delete_action: String,
}

/// What the office waits for from the person.
pub struct ActionView {
    pub what: &'static str,
    /// The office's words, quoted.
    pub request: Option<String>,
    /// The last day to answer, when the law sets one.
    pub reply_by: Option<String>,
}

/// A filed application: its state, what to do, what comes next.
pub struct CaseCard {
    pub title: String,
    pub ente: String,
    pub on_behalf: Option<String>,
    pub number: Option<String>,
    pub filed: String,
    pub state: String,
    /// Bootstrap Italia's badge colour for the state.
    pub tone: &'static str,
    pub action: Option<ActionView>,
    /// The decision, the main download once the case is concluded: (href, file name).
    pub decision: Option<(String, String)>,
    pub next: String,
    pub receipt_href: String,
    pub case_href: Option<String>,
    /// The cases the filing opened besides its own (procedimento unico): (title, state,
    /// badge tone, href of its page).
    pub parts: Vec<(String, String, &'static str, Option<String>)>,
    /// For a part asking something of its applicant: the filing it belongs to, by title.
    pub part_of: Option<String>,
}

/// A participatory budget the person takes part in.
pub struct PbCard {
    pub title: String,
    pub ente: String,
    pub href: String,
    /// What the person did and may do, one line each.
    pub lines: Vec<String>,
    /// (href, label) of what they may do today.
    pub act: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "personal_area.html")]
struct PersonalArea {
    page: Page,
    citizen: CitizenIdentity,
    level_key: String,
    todo: Vec<CaseCard>,
    drafts: Vec<DraftCard>,
    cases: Vec<CaseCard>,
    pb: Vec<PbCard>,
    /// The resident's reports: (href, code, subject, state, ente).
    reports: Vec<(String, String, String, String, String)>,
    /// The resident's bookings: (href, code, place, when, state, ente).
    bookings: Vec<(String, String, String, String, String, String)>,
    /// The days the resident waits for: (place's href, place, day, leave's action, ente).
    waits: Vec<(String, String, String, String, String)>,
    saved: bool,
    deleted: bool,
    withdrawn: bool,
    left_wait: bool,
    assisted_uses: Vec<AssistedUseLine>,
}

/// One use of an assisted session, as the person reads it.
struct AssistedUseLine {
    when: String,
    operator: String,
    ente: Option<String>,
    what_key: &'static str,
    /// What it concerned, in words: «Cambio di residenza, n. 0000012/2026».
    subject: Option<String>,
}

/// The application a recorded path concerns (`/{slug}/domande/{id}/…`), named by its service
/// and number; nothing for any other path (a raw address means nothing to the person).
fn assisted_subject(
    path: &str,
    applications: &[sportello_app::applications::ApplicationSummary],
) -> Option<String> {
    let mut parts = path.split('/').skip(2);
    if parts.next()? != "domande" {
        return None;
    }
    let id = parts.next()?;
    let a = applications.iter().find(|a| a.id == id)?;
    Some(match &a.number {
        Some(n) => format!("{}, n. {n}", a.service_title),
        None => a.service_title.clone(),
    })
}

/// What an assisted session's recorded action was, in the person's words.
fn assisted_what(action: &str) -> &'static str {
    let (method, route) = action.split_once(' ').unwrap_or((action, ""));
    match (method, route) {
        ("open", _) => "personal.assisted_open",
        ("POST", "/esci") => "personal.assisted_close",
        ("POST", r) if r.ends_with("/invia") => "personal.assisted_submitted",
        ("POST", r) if r.ends_with("/domanda") || r.ends_with("/per-conto-di") => {
            "personal.assisted_started"
        }
        ("POST", r) if r.contains("/passo/") => "personal.assisted_step",
        ("POST", _) => "personal.assisted_posted",
        (_, r)
            if r.contains("/allegati/") || r.contains("/documenti/") || r.contains("ricevuta") =>
        {
            "personal.assisted_download"
        }
        _ => "personal.assisted_viewed",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PersonalQuery {
    #[serde(default)]
    salvata: Option<String>,
    #[serde(default)]
    eliminata: Option<String>,
    #[serde(default)]
    ritirata: Option<String>,
    #[serde(default)]
    attesa_lasciata: Option<String>,
    /// The municipality the person came from, whose header the page keeps.
    #[serde(default)]
    comune: Option<String>,
}

pub async fn personal_area(
    ctx: Ctx,
    query: Result<Query<PersonalQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    if ctx.staff().is_some() {
        return Redirect::to("/staff/").into_response();
    }
    let Some(citizen) = ctx.citizen().cloned() else {
        let to = match &query.comune {
            Some(slug) => format!(
                "/accedi?torna={}",
                encode(&format!("/area-personale?comune={}", encode(slug)))
            ),
            None => "/accedi?torna=/area-personale".into(),
        };
        return Redirect::to(&to).into_response();
    };
    let summaries = match ctx
        .state
        .app
        .applications()
        .my_applications_with_decisions(&citizen)
        .await
    {
        Ok(c) => c,
        Err(e) => return page_for(&ctx, e),
    };
    let when = |ms: i64| super::services::it_minutes(sportello_app::model::from_millis(ms));
    let uses = match ctx.state.app.identity().assisted_uses(&citizen).await {
        Ok(u) => u,
        Err(e) => return page_for(&ctx, e),
    };
    let mut assisted_uses = Vec::with_capacity(uses.len());
    for u in uses {
        assisted_uses.push(AssistedUseLine {
            when: when(u.at),
            operator: u.operator,
            ente: u.ente,
            what_key: assisted_what(&u.action),
            subject: assisted_subject(&u.path, &summaries),
        });
    }
    let (drafts, mut filed): (Vec<_>, Vec<_>) = summaries
        .into_iter()
        .partition(|c| c.status == sportello_domain::procedure::ApplicationStatus::Draft);
    // A professional finds the applications grouped by client; the newest first.
    filed.sort_by(|a, b| {
        a.acting_for
            .cmp(&b.acting_for)
            .then(b.updated_at.cmp(&a.updated_at))
    });
    let drafts = drafts
        .into_iter()
        .map(|c| DraftCard {
            resume_href: format!("/{}/domande/{}/{}", c.ente_slug, c.id, c.resume),
            delete_action: format!("/{}/domande/{}/elimina", c.ente_slug, c.id),
            title: super::services::title_in(&ctx, &c.service_id, &c.service_title),
            ente: c.ente_name,
            on_behalf: c.acting_for,
            when: when(c.updated_at),
        })
        .collect();
    let (mut todo, mut cases) = (Vec::new(), Vec::new());
    for mut c in filed {
        let parts = std::mem::take(&mut c.parts);
        let mut card = match case_card(&ctx, &citizen, c).await {
            Ok(card) => card,
            Err(e) => return page_for(&ctx, e),
        };
        // A filing's parts are lines of its card; one that asks something of the applicant
        // is also a card of its own among what to do.
        for p in parts {
            let mut part = match case_card(&ctx, &citizen, p).await {
                Ok(part) => part,
                Err(e) => return page_for(&ctx, e),
            };
            card.parts.push((
                part.title.clone(),
                part.state.clone(),
                part.tone,
                part.case_href.clone(),
            ));
            if part.action.is_some() {
                part.part_of = Some(card.title.clone());
                todo.push(part);
            }
        }
        if card.action.is_some() {
            todo.push(card);
        } else {
            cases.push(card);
        }
    }
    let pb = match ctx.state.app.participation().my_pb(&citizen).await {
        Ok(list) => list.into_iter().map(|p| pb_card(&ctx, p)).collect(),
        Err(e) => return page_for(&ctx, e),
    };
    // An assisted session acts for one application at the desk: the person's reports are
    // theirs to read at home.
    let reports = if citizen.assisted.is_some() {
        Vec::new()
    } else {
        match ctx.state.app.reports().mine(&citizen).await {
            Ok(list) => list
                .into_iter()
                .map(|(slug, ente, v)| {
                    (
                        format!("/{slug}/segnalazioni/{}/{}", v.row.year, v.row.number),
                        v.code.clone(),
                        v.row.subject.clone(),
                        match ctx.lang() {
                            crate::Lang::It => v.state.label_it(),
                            crate::Lang::En => v.state.label_en(),
                        }
                        .to_string(),
                        ente,
                    )
                })
                .collect(),
            Err(e) => return page_for(&ctx, e),
        }
    };
    let bookings = if citizen.assisted.is_some() {
        Vec::new()
    } else {
        match ctx.state.app.bookings().mine(&citizen).await {
            Ok(list) => list
                .into_iter()
                .map(|(slug, ente, v)| {
                    let card = super::bookings::booking_card(&ctx, &v);
                    (
                        if card.held {
                            format!("/{slug}/prenotazioni/bozza/{}/dettagli", v.row.id)
                        } else {
                            format!("/{slug}/prenotazioni/appuntamento/{}", v.row.id)
                        },
                        card.code,
                        card.place.name,
                        format!("{} {}", card.day, card.time),
                        card.state,
                        ente,
                    )
                })
                .collect(),
            Err(e) => return page_for(&ctx, e),
        }
    };
    let waits = if citizen.assisted.is_some() {
        Vec::new()
    } else {
        match ctx.state.app.bookings().waits(&citizen).await {
            Ok(list) => list
                .into_iter()
                .map(|(slug, ente, w)| {
                    (
                        format!(
                            "/{slug}/prenotazioni/luogo/{}?giorno={}",
                            w.calendar.row.code, w.day
                        ),
                        w.calendar.row.name.clone(),
                        super::services::it_date(w.day),
                        format!("/{slug}/prenotazioni/attesa/{}/lascia", w.id),
                        ente,
                    )
                })
                .collect(),
            Err(e) => return page_for(&ctx, e),
        }
    };
    render(&PersonalArea {
        reports,
        bookings,
        waits,
        assisted_uses,
        page: ctx
            .page_near(ctx.t("personal.title"), query.comune.as_deref())
            .await,
        level_key: format!("level.{}", citizen.level.code()),
        todo,
        drafts,
        cases,
        pb,
        saved: query.salvata.is_some(),
        left_wait: query.attesa_lasciata.is_some(),
        deleted: query.eliminata.is_some(),
        withdrawn: query.ritirata.is_some(),
        citizen,
    })
}

/// A filed application as a card: its live state, what the office waits for, the decision.
async fn case_card(
    ctx: &Ctx,
    who: &CitizenIdentity,
    c: sportello_app::applications::ApplicationSummary,
) -> Result<CaseCard, AppError> {
    use sportello_app::applications::Awaited;
    use sportello_domain::procedure::states::CaseState;
    let receipt_href = format!("/{}/domande/{}/ricevuta", c.ente_slug, c.id);
    let filed = c
        .registered_at
        .as_deref()
        .map(super::services::rome_time)
        .unwrap_or_default();
    let mut card = CaseCard {
        title: super::services::title_in(ctx, &c.service_id, &c.service_title),
        ente: c.ente_name.clone(),
        on_behalf: c.acting_for.clone(),
        number: c.number.clone(),
        filed,
        state: c.state.map_or_else(
            || ctx.t(&format!("cases.status.{}", c.status)).to_owned(),
            |s| {
                // A procedure concluded on filing (a notification registered) says so.
                let on_filing = sportello_app::catalogue::regional_catalogue()
                    .ok()
                    .and_then(|all| all.iter().find(|d| d.id == c.service_id))
                    .is_some_and(|d| d.regime == sportello_domain::catalogue::Regime::Immediate);
                crate::i18n::state_of(ctx.lang(), s, on_filing).to_owned()
            },
        ),
        tone: "secondary",
        action: None,
        decision: None,
        next: String::new(),
        receipt_href,
        case_href: None,
        parts: Vec::new(),
        part_of: None,
    };
    if c.case_state.is_none() {
        return Ok(card);
    }
    card.case_href = Some(format!("/{}/domande/{}/pratica", c.ente_slug, c.id));
    // A concluded case awaits nothing and has no term: its state and its decision are enough,
    // so a resident's years of past applications cost one read each, not a whole case.
    if let Some(state) = c.state.filter(|s| s.is_concluded()) {
        if matches!(
            state,
            CaseState::Accolta
                | CaseState::Respinta
                | CaseState::ConclusaPerSilenzioAssenso
                | CaseState::SciaInibita
        ) {
            // Read with the list (`my_applications_with_decisions`), not once per card.
            card.decision = c.decision.as_ref().map(|d| {
                (
                    format!("/{}/domande/{}/documenti/{}", c.ente_slug, c.id, d.id),
                    d.file_name.clone(),
                )
            });
        }
        card.tone = tone(state);
        card.next = next_step(ctx, state, "");
        return Ok(card);
    }
    let ente = ctx.state.app.ente_by_slug_hot(&c.ente_slug).await?;
    let case = ctx
        .state
        .app
        .applications()
        .applicant_case(ente.ente_id(), &c.id, who)
        .await?;
    let due = case.due.map(super::services::it_date);
    let reply_by = case.reply_by.map(super::services::it_date);
    let request = case
        .messages
        .iter()
        .rev()
        .find(|m| m.from_office)
        .map(|m| m.body.clone());
    card.action = case.awaited.map(|a| ActionView {
        what: match a {
            Awaited::Integration => ctx.t("todo.integration"),
            Awaited::Observations => ctx.t("todo.observations"),
            Awaited::Conformity => ctx.t("todo.conformity"),
        },
        request,
        reply_by,
    });
    let concluded = matches!(
        case.state,
        CaseState::Accolta
            | CaseState::Respinta
            | CaseState::ConclusaPerSilenzioAssenso
            | CaseState::SciaInibita
    );
    if concluded {
        card.decision = case
            .documents
            .iter()
            .rev()
            .find(|(d, _)| d.direction == "U")
            .map(|(d, _)| {
                (
                    format!("/{}/domande/{}/documenti/{}", c.ente_slug, c.id, d.id),
                    d.file_name.clone(),
                )
            });
    }
    card.tone = tone(case.state);
    let due_text = due.clone().unwrap_or_default();
    card.next = next_step(ctx, case.state, &due_text);
    if due.is_none()
        && matches!(
            case.state,
            CaseState::Protocollata | CaseState::InIstruttoria
        )
    {
        card.next = ctx.t("next.examined_no_term").to_owned();
    }
    Ok(card)
}

/// A case card's colour by its state.
fn tone(state: sportello_domain::procedure::states::CaseState) -> &'static str {
    use sportello_domain::procedure::states::CaseState;
    match state {
        CaseState::Accolta | CaseState::ConclusaPerSilenzioAssenso | CaseState::SciaEfficace => {
            "success"
        }
        CaseState::Respinta | CaseState::SciaInibita => "danger",
        CaseState::SospesaPerIntegrazione | CaseState::PreavvisoDiRigetto => "warning",
        CaseState::Protocollata | CaseState::InIstruttoria => "primary",
        _ => "secondary",
    }
}

/// What comes next for a case in `state`, with its due date where the state has one.
fn next_step(
    ctx: &Ctx,
    state: sportello_domain::procedure::states::CaseState,
    due_text: &str,
) -> String {
    use sportello_domain::procedure::states::CaseState;
    match state {
        CaseState::Protocollata => fill(ctx.t("next.filed"), &[due_text]),
        CaseState::InIstruttoria => fill(ctx.t("next.examined"), &[due_text]),
        CaseState::SospesaPerIntegrazione | CaseState::PreavvisoDiRigetto => {
            ctx.t("next.suspended").to_owned()
        }
        CaseState::SciaEfficace => fill(ctx.t("next.scia"), &[due_text]),
        CaseState::Accolta | CaseState::ConclusaPerSilenzioAssenso => {
            ctx.t("next.accepted").to_owned()
        }
        CaseState::Respinta | CaseState::SciaInibita => ctx.t("next.refused").to_owned(),
        CaseState::Archiviata => ctx.t("next.archived").to_owned(),
        _ => ctx.t("next.closed").to_owned(),
    }
}

fn pb_card(ctx: &Ctx, p: sportello_app::pb::MyPb) -> PbCard {
    use sportello_domain::participation::Phase;
    let href = format!("/{}/bilancio-partecipativo/{}", p.ente_slug, p.slug);
    let mut lines = Vec::new();
    if p.proposals > 0 {
        lines.push(fill(ctx.t("mypb.proposed"), &[&p.proposals.to_string()]));
    }
    for v in &p.voted {
        lines.push(
            match v {
                Phase::Vote2 => ctx.t("mypb.voted2"),
                _ => ctx.t("mypb.voted1"),
            }
            .to_owned(),
        );
    }
    let act = p.open_now.as_ref().and_then(|(phase, closes)| {
        let until = crate::views::long_date(ctx.lang(), closes);
        match phase {
            Phase::Proposals => {
                lines.push(fill(ctx.t("mypb.proposals_open"), &[&until]));
                Some((format!("{href}/proponi"), ctx.t("pb.propose")))
            }
            _ if !p.voted.contains(phase) => {
                lines.push(fill(ctx.t("mypb.vote_open"), &[&until]));
                Some((format!("{href}/vota"), ctx.t("pb.vote")))
            }
            _ => {
                lines.push(fill(ctx.t("mypb.vote_change"), &[&until]));
                None
            }
        }
    });
    PbCard {
        title: p.title,
        ente: p.ente_name,
        href,
        lines,
        act,
    }
}

/// Ends the session on the server and forgets the cookie. Citizens and staff alike.
pub async fn sign_out(
    ctx: Ctx,
    crate::extract::CsrfFields(_, fields): crate::extract::CsrfFields<crate::extract::Anyone>,
) -> Response {
    let everywhere = fields.iter().any(|(k, v)| k == "ovunque" && v == "1");
    match (everywhere, ctx.citizen()) {
        // Every browser and every API token of this person.
        // An assisted session ends itself alone: the operator does not sign the person out of
        // their own devices.
        (true, Some(who)) if who.assisted.is_none() => {
            if let Err(e) = ctx.state.app.identity().end_all_sessions(who).await {
                return page_for(&ctx, e);
            }
        }
        _ => {
            if let Some(token) = &ctx.req.session_token {
                if let Err(e) = ctx.state.app.identity().end_session(token).await {
                    return page_for(&ctx, e);
                }
            }
        }
    }
    let cookie = set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        ctx.state.settings.secure_cookies,
    );
    // Staff go back to their sign-in page; residents to the municipality they were in, or to
    // the portal.
    let place = fields
        .iter()
        .find(|(k, _)| k == "comune")
        .map(|(_, v)| v.as_str())
        .filter(|s| crate::context::looks_like_slug(s));
    let to = match (ctx.staff().is_some(), place) {
        (true, _) => "/staff/accedi?uscito=1".to_owned(),
        (false, Some(slug)) => format!("/{slug}/?uscito=1"),
        (false, None) => "/?uscito=1".to_owned(),
    };
    redirect_with_cookies(&to, &[cookie])
}
