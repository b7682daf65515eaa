//! The office's side of bookings (`/staff/prenotazioni`): the day's plan with check-in,
//! no-shows, moderated requests and walk-ins, a booking linked to a case; and the
//! administrator's calendars (`/staff/prenotazioni/calendari`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::bookings::{BookingProblem, CalendarInput, OfficeAct};
use sportello_app::AppError;
use sportello_domain::bookings::PlaceKind;

use super::{booking_card, parse_day, place_card, problem_words, BookingCard, PlaceCard};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render_status};
use crate::extract::{Administers, BookingOffice, CsrfFields, EnteStaff, RunsBookings, Staff};
use crate::pages::ente_pages::field;
use crate::pages::services::it_date;

#[derive(serde::Deserialize, Default)]
pub struct DayQuery {
    #[serde(default)]
    giorno: String,
    #[serde(default)]
    esito: String,
}

#[derive(Template)]
#[template(path = "staff_bookings.html")]
struct DayPage {
    page: Page,
    day: String,
    day_label: String,
    previous: String,
    next: String,
    bookings: Vec<BookingCard>,
    calendars: Vec<PlaceCard>,
    sets_up: bool,
    notice: String,
    problem: String,
}

async fn day_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    day: time::Date,
    notice: String,
    problem: String,
    status: StatusCode,
) -> Response {
    let plan = match ctx.state.app.bookings().day_plan(staff, day).await {
        Ok(p) => p,
        Err(e) => return page_for(ctx, e),
    };
    render_status(
        status,
        &DayPage {
            page: ctx.page(ctx.t("bookings.staff_title")),
            day: day.to_string(),
            day_label: it_date(day),
            previous: day
                .previous_day()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            next: day.next_day().map(|d| d.to_string()).unwrap_or_default(),
            bookings: plan.bookings.iter().map(|b| booking_card(ctx, b)).collect(),
            calendars: plan.calendars.iter().map(|c| place_card(ctx, c)).collect(),
            sets_up: sportello_domain::identity::may(
                &staff.roles,
                sportello_domain::identity::Permission::Administer,
            ),
            notice,
            problem,
        },
    )
}

pub async fn day(
    ctx: Ctx,
    staff: Staff<RunsBookings>,
    query: Result<Query<DayQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    let day = parse_day(&q.giorno).unwrap_or(today);
    let notice = match q.esito.as_str() {
        "fatto" => ctx.t("bookings.office_done").to_string(),
        "accesso" => ctx.t("bookings.walk_in_added").to_string(),
        _ => String::new(),
    };
    day_page(&ctx, &staff, day, notice, String::new(), StatusCode::OK).await
}

/// What an act on one booking came to: back to its day, or its day again with the refusal.
async fn acted(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    id: i64,
    done: Result<sportello_app::bookings::BookingView, AppError>,
) -> Response {
    match done {
        Ok(v) => Redirect::to(&format!(
            "/staff/prenotazioni?giorno={}&esito=fatto#prenotazione-{id}",
            v.start.date()
        ))
        .into_response(),
        Err(AppError::Booking(p)) => {
            let day = match ctx.state.app.bookings().for_office(staff, id).await {
                Ok(v) => v.start.date(),
                Err(e) => return page_for(ctx, e),
            };
            let status = if p.is_input() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let words = problem_words(ctx, &p).1;
            day_page(ctx, staff, day, String::new(), words, status).await
        }
        Err(e) => page_for(ctx, e),
    }
}

pub async fn office_act(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(BookingOffice(staff), fields): CsrfFields<BookingOffice>,
) -> Response {
    let Some(act) = OfficeAct::from_code(field(&fields, "azione").trim()) else {
        return page_for(&ctx, AppError::NotFound);
    };
    let done = ctx.state.app.bookings().office_act(&staff, id, act).await;
    acted(&ctx, &staff, id, done).await
}

pub async fn office_case(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(BookingOffice(staff), fields): CsrfFields<BookingOffice>,
) -> Response {
    let done = ctx
        .state
        .app
        .bookings()
        .link_case(&staff, id, &field(&fields, "pratica"))
        .await;
    acted(&ctx, &staff, id, done).await
}

pub async fn walk_in(
    ctx: Ctx,
    CsrfFields(staff, fields): CsrfFields<Staff<RunsBookings>>,
) -> Response {
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    match ctx
        .state
        .app
        .bookings()
        .walk_in(
            &staff,
            field(&fields, "calendario").trim(),
            &field(&fields, "nome"),
            &field(&fields, "motivo"),
        )
        .await
    {
        Ok(id) => Redirect::to(&format!(
            "/staff/prenotazioni?giorno={today}&esito=accesso#prenotazione-{id}"
        ))
        .into_response(),
        Err(AppError::Booking(p)) => {
            let words = problem_words(&ctx, &p).1;
            day_page(
                &ctx,
                &staff,
                today,
                String::new(),
                words,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => page_for(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The administrator's calendars.

/// A calendar's form on the setup page: its values, the problems found, whether it is the
/// form that adds a new calendar.
type CalendarForm = (CalendarInput, Vec<(&'static str, String)>, bool);

#[derive(Template)]
#[template(path = "staff_bookings_setup.html")]
struct SetupPage {
    page: Page,
    /// Each calendar's form (and a last, empty one to add a calendar): (values, problems,
    /// is new).
    forms: Vec<CalendarForm>,
    kinds: Vec<(&'static str, String)>,
    offices: Vec<(String, String)>,
    /// The services the ente offers: (id, title).
    services: Vec<(String, String)>,
    notice: String,
    /// The problems of the form that failed, and its place among the forms (from 1; 0: none).
    summary: Vec<String>,
    failed_at: usize,
}

impl SetupPage {
    fn problem<'a>(&self, problems: &'a [(&'static str, String)], field: &str) -> Option<&'a str> {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SetupQuery {
    #[serde(default)]
    esito: String,
}

async fn setup_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    failed: Option<(CalendarInput, Vec<(&'static str, String)>)>,
    notice: String,
) -> Response {
    let Some(ente) = staff.ente else {
        return page_for(ctx, AppError::NotFound);
    };
    let (calendars, offices) = match (
        ctx.state.app.bookings().calendars(ente, true).await,
        ctx.state.app.office_pages(ente).await,
    ) {
        (Ok(c), Ok(o)) => (c, o),
        (Err(e), _) | (_, Err(e)) => return page_for(ctx, e),
    };
    let mut services: Vec<(String, String)> =
        match ctx.state.app.catalogue().offered_services(ente).await {
            Ok(list) => list
                .into_iter()
                .map(|s| (s.definition.id, s.definition.title))
                .collect(),
            Err(e) => return page_for(ctx, e),
        };
    services.sort_by(|a, b| a.1.cmp(&b.1));
    let mut forms: Vec<CalendarForm> = calendars
        .iter()
        .map(|c| (CalendarInput::of(c), Vec::new(), false))
        .collect();
    let blank = CalendarInput {
        kind: "ufficio".into(),
        slot_minutes: "30".into(),
        capacity: "1".into(),
        horizon_days: "30".into(),
        cancel_hours: "24".into(),
        active: true,
        ..Default::default()
    };
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The problems, also at the top of the page (the form may be far down), with where.
    let mut summary = Vec::new();
    match failed {
        Some((input, problems)) => {
            summary = problems.iter().map(|(_, m)| m.clone()).collect();
            match forms.iter().position(|f| f.0.code == input.code.trim()) {
                Some(i) => {
                    if let Some(f) = forms.get_mut(i) {
                        *f = (input, problems, false);
                    }
                    forms.push((blank, Vec::new(), true));
                }
                None => forms.push((input, problems, true)),
            }
        }
        None => forms.push((blank, Vec::new(), true)),
    }
    let failed_at = forms
        .iter()
        .position(|f| !f.1.is_empty())
        .map(|i| i + 1)
        .unwrap_or(0);
    render_status(
        status,
        &SetupPage {
            page: ctx.page(ctx.t("bookings.setup_title")),
            forms,
            kinds: PlaceKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.code(),
                        match ctx.lang() {
                            crate::Lang::It => k.label_it(),
                            crate::Lang::En => k.label_en(),
                        }
                        .to_string(),
                    )
                })
                .collect(),
            offices: offices.into_iter().map(|o| (o.code, o.name)).collect(),
            services,
            notice,
            summary,
            failed_at,
        },
    )
}

pub async fn setup(
    ctx: Ctx,
    staff: EnteStaff<Administers>,
    query: Result<Query<SetupQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let notice = if q.esito == "salvato" {
        ctx.t("bookings.setup_saved").to_string()
    } else {
        String::new()
    };
    setup_page(&ctx, &staff.staff, None, notice).await
}

pub async fn setup_save(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let input = CalendarInput {
        code: field(&fields, "codice"),
        name: field(&fields, "nome"),
        kind: field(&fields, "tipo"),
        office: field(&fields, "ufficio"),
        address: field(&fields, "indirizzo"),
        about: field(&fields, "informazioni"),
        service: field(&fields, "servizio"),
        hours: field(&fields, "orari"),
        slot_minutes: field(&fields, "durata"),
        capacity: field(&fields, "posti"),
        horizon_days: field(&fields, "anticipo"),
        cancel_hours: field(&fields, "disdetta"),
        closures: field(&fields, "chiusure"),
        moderated: field(&fields, "moderata") == "1",
        open_on_holidays: field(&fields, "festivi") == "1",
        active: field(&fields, "attivo") == "1",
    };
    match ctx.state.app.bookings().save_calendar(&staff, &input).await {
        Ok(Ok(())) => Redirect::to("/staff/prenotazioni/calendari?esito=salvato").into_response(),
        Ok(Err(problems)) => {
            let words: Vec<(&'static str, String)> = problems
                .iter()
                .flat_map(|p| match p {
                    BookingProblem::Rules(errors) => errors
                        .iter()
                        .map(|e| rules_words(&ctx, e))
                        .collect::<Vec<_>>(),
                    other => vec![problem_words(&ctx, other)],
                })
                .collect();
            setup_page(&ctx, &staff, Some((input, words)), String::new()).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

fn rules_words(ctx: &Ctx, e: &sportello_domain::bookings::RulesError) -> (&'static str, String) {
    use sportello_domain::bookings::RulesError as R;
    let (field, key) = match e {
        R::NoHours => ("orari", "bookings.problem.no_hours"),
        R::Hours(lines) if lines.len() > 1 => ("orari", "bookings.problem.hours_many"),
        R::Hours(_) => ("orari", "bookings.problem.hours"),
        R::SlotMinutes => ("durata", "bookings.problem.slot_minutes"),
        R::Capacity => ("posti", "bookings.problem.capacity"),
        R::Horizon => ("anticipo", "bookings.problem.horizon"),
        R::CancelHours => ("disdetta", "bookings.problem.cancel_hours"),
        R::Closure(_) => ("chiusure", "bookings.problem.closure"),
    };
    let mut text = ctx.t(key).to_string();
    match e {
        R::Hours(lines) => {
            let list: Vec<String> = lines
                .iter()
                .map(|l| format!("{} («{}»)", l.line, l.text))
                .collect();
            text = crate::pages::services::fill(&text, &[&list.join(", ")]);
        }
        R::Closure(c) => text = crate::pages::services::fill(&text, &[c]),
        _ => {}
    }
    (field, text)
}
