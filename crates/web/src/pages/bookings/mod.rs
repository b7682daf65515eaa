//! Bookings (prenotazioni, issue 20). The resident's flow, as the Designers Italia model has it:
//! place (`/{ente}/prenotazioni`) → date and time (`…/luogo/{calendar}`) → details → who →
//! summary (`…/bozza/{id}/{step}`), then the booking's page (`…/appuntamento/{id}`), and the
//! same page reached from the e-mail's link (`…/gestisci/{token}`) to cancel or move without
//! signing in. Every step is a plain form: no JavaScript is needed. The office's side is in
//! [`office`].

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::bookings::{BookingProblem, BookingView, CalendarView, Details, Manage};
use sportello_app::model::EnteRow;
use sportello_app::AppError;
use sportello_domain::bookings::BookingState;
use time::Date;

use super::ente_pages::field;
use super::services::{ente_or_404, it_date};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{Anyone, CitizenHere, CsrfFields};

mod manage;
mod office;
pub use manage::{
    by_link, cancel, cancel_by_link, cancel_page, cancel_page_by_link, invitation, move_booking,
    move_by_link, move_page, move_page_by_link, show,
};
pub use office::day as office_day;
pub use office::{office_act, office_case, setup, setup_save, walk_in};

/// How many days the date step lists.
const DAYS_SHOWN: usize = 14;

/// A calendar as the pages show it.
pub struct PlaceCard {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub about: String,
    pub moderated: bool,
    pub slot_minutes: i64,
    pub cancel_hours: i64,
}

pub(crate) fn place_card(ctx: &Ctx, c: &CalendarView) -> PlaceCard {
    PlaceCard {
        code: c.row.code.clone(),
        name: c.row.name.clone(),
        kind: match ctx.lang() {
            crate::Lang::It => c.kind.label_it(),
            crate::Lang::En => c.kind.label_en(),
        }
        .to_string(),
        address: c.row.address.clone(),
        about: c.row.about.clone(),
        moderated: c.rules.moderated,
        slot_minutes: c.row.slot_minutes,
        cancel_hours: c.row.cancel_hours,
    }
}

/// A booking as the pages show it.
pub struct BookingCard {
    pub id: i64,
    pub code: String,
    pub place: PlaceCard,
    pub state_code: &'static str,
    pub state: String,
    pub day: String,
    pub time: String,
    pub end_time: String,
    pub subject: String,
    pub notes: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub may_change: bool,
    pub past_cancel_limit: bool,
    /// Its time has come (a no-show may be recorded).
    pub started: bool,
    /// Its day is today or past (a person may be checked in).
    pub due_today: bool,
    pub start_ms: i64,
    pub held: bool,
    pub live: bool,
    pub held_until: String,
    pub case_id: String,
    pub walk_in: bool,
}

pub(crate) fn state_label(ctx: &Ctx, s: BookingState) -> String {
    match ctx.lang() {
        crate::Lang::It => s.label_it(),
        crate::Lang::En => s.label_en(),
    }
    .to_string()
}

fn hm(t: time::OffsetDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

pub(crate) fn booking_card(ctx: &Ctx, v: &BookingView) -> BookingCard {
    BookingCard {
        id: v.row.id,
        code: v.code.clone(),
        place: place_card(ctx, &v.calendar),
        state_code: v.state.code(),
        state: state_label(ctx, v.state),
        day: it_date(v.start.date()),
        time: hm(v.start),
        end_time: hm(v.end),
        subject: v.row.subject.clone(),
        notes: v.row.notes.clone(),
        name: v.row.name.clone(),
        email: v.row.email.clone(),
        phone: v.row.phone.clone(),
        may_change: v.may_change,
        past_cancel_limit: v.past_cancel_limit,
        started: v.started,
        due_today: v.start.date()
            <= sportello_domain::calendar::in_rome(ctx.state.app.now()).date(),
        start_ms: v.row.start_ms,
        held: v.state == BookingState::Held,
        live: v.state.is_live(),
        held_until: v.held_until.map(hm).unwrap_or_default(),
        case_id: v.row.case_id.clone().unwrap_or_default(),
        walk_in: v.row.walk_in != 0,
    }
}

/// The words for a booking's refusal, and the form field it is about.
pub fn problem_words(ctx: &Ctx, p: &BookingProblem) -> (&'static str, String) {
    let field = match p {
        BookingProblem::Subject => "motivo",
        BookingProblem::Name => "nome",
        BookingProblem::Email => "email",
        BookingProblem::Phone => "telefono",
        BookingProblem::Code => "codice",
        BookingProblem::CalendarName => "nome",
        BookingProblem::Kind => "tipo",
        BookingProblem::Office => "ufficio",
        BookingProblem::Service => "servizio",
        BookingProblem::Rules(_) => "orari",
        BookingProblem::Case => "pratica",
        _ => "",
    };
    (field, crate::refusals::booking_message(ctx.lang(), p))
}

/// The steps of the flow, for the stepper: (number, label, current).
fn steps(ctx: &Ctx, current: usize) -> Vec<(usize, String, bool)> {
    [
        "bookings.step_place",
        "bookings.step_when",
        "bookings.step_details",
        "bookings.step_who",
        "bookings.step_summary",
    ]
    .iter()
    .enumerate()
    .map(|(i, k)| (i + 1, ctx.t(k).to_string(), i + 1 == current))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Step 1: the place.

#[derive(serde::Deserialize, Default)]
pub struct PlacesQuery {
    #[serde(default)]
    servizio: String,
}

#[derive(Template)]
#[template(path = "bookings_places.html")]
struct PlacesPage {
    page: Page,
    slug: String,
    ente: String,
    places: Vec<PlaceCard>,
    steps: Vec<(usize, String, bool)>,
    service: String,
}

pub async fn places(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<PlacesQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let calendars = match ctx
        .state
        .app
        .bookings()
        .calendars(ente.ente_id(), false)
        .await
    {
        Ok(c) => c,
        Err(e) => return page_for(&ctx, e),
    };
    let service = q.servizio.trim().to_string();
    let chosen: Vec<&CalendarView> = calendars
        .iter()
        .filter(|c| service.is_empty() || c.row.service_slug.as_deref() == Some(service.as_str()))
        .collect();
    // A service with one place skips the choice.
    if !service.is_empty() && chosen.len() == 1 {
        if let Some(c) = chosen.first() {
            return Redirect::to(&format!(
                "/{}/prenotazioni/luogo/{}?servizio={}",
                ente.slug,
                c.row.code,
                url::form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
            ))
            .into_response();
        }
    }
    let shown = if chosen.is_empty() {
        calendars.iter().collect()
    } else {
        chosen
    };
    render(&PlacesPage {
        page: ctx.page_for_ente(ctx.t("bookings.title"), &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        places: shown.into_iter().map(|c| place_card(&ctx, c)).collect(),
        steps: steps(&ctx, 1),
        service,
    })
}

// ---------------------------------------------------------------------------------------------
// Step 2: the date and time (also the page that moves a booking).

#[derive(serde::Deserialize, Default)]
pub struct WhenQuery {
    #[serde(default)]
    giorno: String,
    #[serde(default)]
    da: String,
    #[serde(default)]
    servizio: String,
    #[serde(default)]
    esito: String,
}

/// A slot as the page offers it: (start in ms, «09:30», places left).
type SlotOption = (i64, String, i64);

#[derive(Template)]
#[template(path = "bookings_when.html")]
struct WhenPage {
    page: Page,
    slug: String,
    ente: String,
    place: PlaceCard,
    steps: Vec<(usize, String, bool)>,
    /// (date «2026-12-07», «lun 07/12», places left, chosen)
    days: Vec<(String, String, i64, bool)>,
    day: String,
    day_label: String,
    slots: Vec<SlotOption>,
    signed_in: bool,
    waiting: bool,
    /// Every time of the day is taken.
    day_full: bool,
    /// The start of the booking being moved (0: none), marked as its current time.
    moving_start: i64,
    /// The next days' page (`?da=`), and whether this is not the first page.
    later: String,
    earlier: bool,
    /// Where the form posts (a new booking, or a move).
    action: String,
    /// Where the day links go (this page).
    here: String,
    /// Moving this booking (its card), not booking a new one.
    moving: Option<BookingCard>,
    problem: String,
    notice: String,
    service: String,
}

fn weekday_short(ctx: &Ctx, d: Date) -> &'static str {
    let i = usize::from(d.weekday().number_days_from_monday());
    let it = ["lun", "mar", "mer", "gio", "ven", "sab", "dom"];
    let en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match ctx.lang() {
        crate::Lang::It => it.get(i).copied().unwrap_or_default(),
        crate::Lang::En => en.get(i).copied().unwrap_or_default(),
    }
}

fn parse_day(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), f).ok()
}

struct WhenArgs<'a> {
    ente: &'a EnteRow,
    calendar: &'a CalendarView,
    day: Option<Date>,
    /// The first day listed (today when none).
    from: Option<Date>,
    action: String,
    here: String,
    moving: Option<BookingCard>,
    problem: String,
    notice: String,
    service: String,
    status: StatusCode,
}

async fn when_page(ctx: &Ctx, a: WhenArgs<'_>) -> Response {
    let bookings = ctx.state.app.bookings();
    let ente_id = a.ente.ente_id();
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    // A day asked for beyond the first page starts the list.
    let from = a.from.or(a.day).filter(|d| *d > today).unwrap_or(today);
    let days = match bookings.days(ente_id, a.calendar, from, DAYS_SHOWN).await {
        Ok(d) => d,
        Err(e) => return page_for(ctx, e),
    };
    let asked_missing = a.day.is_some_and(|d| !days.iter().any(|x| x.date == d));
    let day = a
        .day
        .filter(|d| days.iter().any(|x| x.date == *d))
        .or_else(|| days.iter().find(|d| d.free > 0).map(|d| d.date))
        .or_else(|| days.first().map(|d| d.date));
    let later = if days.len() >= DAYS_SHOWN {
        days.last()
            .and_then(|d| d.date.next_day())
            .map(|d| d.to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut problem = a.problem;
    if asked_missing && problem.is_empty() {
        problem = ctx.t("bookings.day_not_bookable").to_string();
    }
    let slots = match day {
        Some(d) => match bookings.day(ente_id, a.calendar, d).await {
            Ok(s) => s,
            Err(e) => return page_for(ctx, e),
        },
        None => Vec::new(),
    };
    let day_full = !slots.is_empty() && slots.iter().all(|s| s.free <= 0);
    let waiting = match (ctx.citizen(), day) {
        (Some(c), Some(d)) if a.moving.is_none() => bookings
            .waiting(ente_id, c, a.calendar, d)
            .await
            .unwrap_or(false),
        _ => false,
    };
    render_status(
        a.status,
        &WhenPage {
            page: ctx.page_for_ente(ctx.t("bookings.when_title"), &a.ente.name, &a.ente.slug),
            slug: a.ente.slug.clone(),
            ente: a.ente.name.clone(),
            place: place_card(ctx, a.calendar),
            steps: steps(ctx, 2),
            days: days
                .iter()
                .map(|d| {
                    (
                        d.date.to_string(),
                        format!("{} {}", weekday_short(ctx, d.date), it_date(d.date)),
                        d.free,
                        Some(d.date) == day,
                    )
                })
                .collect(),
            day: day.map(|d| d.to_string()).unwrap_or_default(),
            day_label: day.map(it_date).unwrap_or_default(),
            slots: slots
                .iter()
                .map(|s| {
                    (
                        sportello_app::model::to_millis(s.slot.start),
                        hm(sportello_domain::calendar::in_rome(s.slot.start)),
                        s.free,
                    )
                })
                .collect(),
            signed_in: ctx.citizen().is_some(),
            waiting,
            day_full,
            moving_start: a.moving.as_ref().map_or(0, |m| m.start_ms),
            later,
            earlier: from > today,
            action: a.action,
            here: a.here,
            moving: a.moving,
            problem,
            notice: a.notice,
            service: a.service,
        },
    )
}

pub async fn when(
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    query: Result<Query<WhenQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let calendar = match ctx
        .state
        .app
        .bookings()
        .calendar(ente.ente_id(), &code)
        .await
    {
        Ok(c) => c,
        Err(e) => return page_for(&ctx, e),
    };
    let notice = match q.esito.as_str() {
        "attesa" => ctx.t("bookings.waiting_added").to_string(),
        "gia" => ctx.t("bookings.waiting_already").to_string(),
        _ => String::new(),
    };
    let base = format!("/{}/prenotazioni/luogo/{}", ente.slug, calendar.row.code);
    when_page(
        &ctx,
        WhenArgs {
            ente: &ente,
            calendar: &calendar,
            day: parse_day(&q.giorno),
            from: parse_day(&q.da),
            action: base.clone(),
            here: base,
            moving: None,
            problem: String::new(),
            notice,
            service: q.servizio.trim().to_string(),
            status: StatusCode::OK,
        },
    )
    .await
}

/// The chosen slot becomes a draft (told at once if it was taken meanwhile).
pub async fn hold(
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let bookings = ctx.state.app.bookings();
    let calendar = match bookings.calendar(ente.ente_id(), &code).await {
        Ok(c) => c,
        Err(e) => return page_for(&ctx, e),
    };
    let start: Option<i64> = field(&fields, "inizio").trim().parse().ok();
    let service = field(&fields, "servizio");
    let service = Some(service.trim()).filter(|s| !s.is_empty());
    let refused = match start {
        None => BookingProblem::NoSlot,
        Some(start) => match bookings
            .hold(ente.ente_id(), &who, &code, start, service)
            .await
        {
            Ok(id) => {
                return Redirect::to(&format!("/{}/prenotazioni/bozza/{id}/dettagli", ente.slug))
                    .into_response()
            }
            Err(AppError::Booking(p)) => p,
            Err(e) => return page_for(&ctx, e),
        },
    };
    let day = start
        .map(|s| sportello_domain::calendar::in_rome(sportello_app::model::from_millis(s)).date());
    let status = if refused == BookingProblem::Full {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let base = format!("/{}/prenotazioni/luogo/{}", ente.slug, calendar.row.code);
    when_page(
        &ctx,
        WhenArgs {
            ente: &ente,
            calendar: &calendar,
            day: day.or_else(|| parse_day(&field(&fields, "giorno"))),
            from: None,
            action: base.clone(),
            here: base,
            moving: None,
            problem: problem_words(&ctx, &refused).1,
            notice: String::new(),
            service: service.unwrap_or_default().to_string(),
            status,
        },
    )
    .await
}

/// Joins a day's waiting list.
pub async fn wait(
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(day) = parse_day(&field(&fields, "giorno")) else {
        return page_for(&ctx, AppError::Booking(BookingProblem::NoSlot));
    };
    match ctx
        .state
        .app
        .bookings()
        .wait(ente.ente_id(), &who, &code, day)
        .await
    {
        Ok(added) => Redirect::to(&format!(
            "/{}/prenotazioni/luogo/{code}?giorno={day}&esito={}",
            ente.slug,
            if added { "attesa" } else { "gia" }
        ))
        .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// The resident leaves a waiting list (from their personal area).
pub async fn leave_wait(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfFields(CitizenHere(who), _): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return page_for(&ctx, AppError::NotFound);
    };
    match ctx
        .state
        .app
        .bookings()
        .leave(ente.ente_id(), &who, id)
        .await
    {
        Ok(()) => Redirect::to("/area-personale?attesa_lasciata=1").into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Steps 3–5: details, who, summary.

#[derive(Template)]
#[template(path = "bookings_step.html")]
struct StepPage {
    page: Page,
    slug: String,
    ente: String,
    booking: BookingCard,
    steps: Vec<(usize, String, bool)>,
    /// "dettagli", "richiedente" or "riepilogo".
    step: &'static str,
    values: Details,
    problems: Vec<(&'static str, String)>,
}

impl StepPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn step_of(s: &str) -> Option<(&'static str, usize)> {
    Some(match s {
        "dettagli" => ("dettagli", 3),
        "richiedente" => ("richiedente", 4),
        "riepilogo" => ("riepilogo", 5),
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "bookings_expired.html")]
struct ExpiredPage {
    page: Page,
    slug: String,
    again: String,
    /// What the resident had just typed: (label, text).
    kept: Vec<(String, String)>,
}

/// What a step's form carried, by its labels, for the page that cannot save it.
fn typed(ctx: &Ctx, fields: &[(String, String)]) -> Vec<(String, String)> {
    [
        ("motivo", "bookings.subject"),
        ("note", "bookings.notes"),
        ("nome", "bookings.name"),
        ("email", "bookings.email"),
        ("telefono", "bookings.phone"),
    ]
    .iter()
    .map(|(name, label)| (ctx.t(label).to_string(), field(fields, name)))
    .filter(|(_, text)| !text.trim().is_empty())
    .collect()
}

/// The draft ran out: said, with the way back to the place's dates.
async fn expired(
    ctx: &Ctx,
    ente: &EnteRow,
    id: i64,
    who: &sportello_domain::identity::CitizenIdentity,
) -> Response {
    expired_keeping(ctx, ente, id, who, Vec::new()).await
}

/// [`expired`], showing what was typed so it is not lost.
async fn expired_keeping(
    ctx: &Ctx,
    ente: &EnteRow,
    id: i64,
    who: &sportello_domain::identity::CitizenIdentity,
    kept: Vec<(String, String)>,
) -> Response {
    let again = match ctx.state.app.bookings().own(ente.ente_id(), who, id).await {
        // Sent already (the browser's Back to the summary): its page.
        Ok(v) if v.state.is_live() || v.state == BookingState::Attended => {
            return Redirect::to(&format!("/{}/prenotazioni/appuntamento/{id}", ente.slug))
                .into_response()
        }
        Ok(v) => format!(
            "/{}/prenotazioni/luogo/{}?giorno={}",
            ente.slug,
            v.calendar.row.code,
            v.start.date()
        ),
        Err(_) => format!("/{}/prenotazioni", ente.slug),
    };
    render_status(
        StatusCode::GONE,
        &ExpiredPage {
            page: ctx.page_for_ente(ctx.t("bookings.expired_title"), &ente.name, &ente.slug),
            slug: ente.slug.clone(),
            again,
            kept,
        },
    )
}

fn values_of(v: &BookingView) -> Details {
    Details {
        subject: v.row.subject.clone(),
        notes: v.row.notes.clone(),
        name: v.row.name.clone(),
        email: v.row.email.clone(),
        phone: v.row.phone.clone(),
    }
}

fn step_page(
    ctx: &Ctx,
    ente: &EnteRow,
    view: &BookingView,
    step: (&'static str, usize),
    values: Details,
    problems: Vec<(&'static str, String)>,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &StepPage {
            page: ctx.page_for_ente(ctx.t("bookings.title"), &ente.name, &ente.slug),
            slug: ente.slug.clone(),
            ente: ente.name.clone(),
            booking: booking_card(ctx, view),
            steps: steps(ctx, step.1),
            step: step.0,
            values,
            problems,
        },
    )
}

pub async fn step(ctx: Ctx, Path((slug, id, step)): Path<(String, i64, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(step) = step_of(&step) else {
        return page_for(&ctx, AppError::NotFound);
    };
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!(
            "/accedi?torna=/{}/prenotazioni/bozza/{id}/{}",
            ente.slug, step.0
        ))
        .into_response();
    };
    match ctx
        .state
        .app
        .bookings()
        .draft(ente.ente_id(), &who, id)
        .await
    {
        Ok(view) => {
            let values = values_of(&view);
            step_page(&ctx, &ente, &view, step, values, Vec::new())
        }
        Err(AppError::Booking(BookingProblem::Expired)) => expired(&ctx, &ente, id, &who).await,
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn step_save(
    ctx: Ctx,
    Path((slug, id, step)): Path<(String, i64, String)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(step) = step_of(&step) else {
        return page_for(&ctx, AppError::NotFound);
    };
    let bookings = ctx.state.app.bookings();
    // A draft that ran out while the resident was typing is held again if its place is still
    // free, so what they wrote is saved; if not, the page that says so shows it to them.
    let view = match bookings.renew(ente.ente_id(), &who, id).await {
        Ok(v) => v,
        Err(AppError::Booking(BookingProblem::Expired)) => {
            return expired_keeping(&ctx, &ente, id, &who, typed(&ctx, &fields)).await
        }
        Err(e) => return page_for(&ctx, e),
    };
    let back = field(&fields, "azione") == "indietro";
    let base = format!("/{}/prenotazioni/bozza/{id}", ente.slug);
    if back {
        let to = match step.0 {
            "riepilogo" => format!("{base}/richiedente"),
            "richiedente" => format!("{base}/dettagli"),
            _ => format!(
                "/{}/prenotazioni/luogo/{}?giorno={}",
                ente.slug,
                view.calendar.row.code,
                view.start.date()
            ),
        };
        return Redirect::to(&to).into_response();
    }
    if step.0 == "riepilogo" {
        return match bookings.send(ente.ente_id(), &who, id).await {
            Ok(v) => Redirect::to(&format!(
                "/{}/prenotazioni/appuntamento/{}?esito=inviata",
                ente.slug, v.row.id
            ))
            .into_response(),
            Err(AppError::Booking(BookingProblem::Expired)) => expired(&ctx, &ente, id, &who).await,
            Err(AppError::Booking(BookingProblem::Subject)) => {
                Redirect::to(&format!("{base}/dettagli")).into_response()
            }
            Err(e) => page_for(&ctx, e),
        };
    }
    // Each step writes its own fields; the others keep what the draft has.
    let mut values = values_of(&view);
    let part = if step.0 == "dettagli" {
        values.subject = field(&fields, "motivo");
        values.notes = field(&fields, "note");
        [BookingProblem::Subject].to_vec()
    } else {
        values.name = field(&fields, "nome");
        values.email = field(&fields, "email");
        values.phone = field(&fields, "telefono");
        [
            BookingProblem::Name,
            BookingProblem::Email,
            BookingProblem::Phone,
        ]
        .to_vec()
    };
    let problems: Vec<BookingProblem> = match values.check() {
        Ok(_) => Vec::new(),
        Err(p) => p.into_iter().filter(|p| part.contains(p)).collect(),
    };
    if !problems.is_empty() {
        let words = problems.iter().map(|p| problem_words(&ctx, p)).collect();
        return step_page(&ctx, &ente, &view, step, values, words);
    }
    match bookings.details(ente.ente_id(), &who, id, &values).await {
        Ok(Ok(_)) => {
            let next = if step.0 == "dettagli" {
                "richiedente"
            } else {
                "riepilogo"
            };
            Redirect::to(&format!("{base}/{next}")).into_response()
        }
        // The other step's fields are wrong (an identity without an e-mail): that step is next.
        Ok(Err(_)) | Err(AppError::Booking(BookingProblem::Email | BookingProblem::Name)) => {
            Redirect::to(&format!("{base}/richiedente")).into_response()
        }
        Err(AppError::Booking(BookingProblem::Expired)) => expired(&ctx, &ente, id, &who).await,
        Err(e) => page_for(&ctx, e),
    }
}
