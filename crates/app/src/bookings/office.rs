//! The office's side: the day's plan of its calendars, check-in and no-shows, a moderated
//! request accepted or declined, walk-ins added to the day, a booking linked to a case; and the
//! administrator's setup of the ente's calendars.

use sportello_domain::bookings::{hours_text, ics, IcsEvent, IcsMethod};
use sportello_store::{BookingMove, CalendarSave};

use super::*;

/// What the office does to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeAct {
    /// The person came.
    CheckIn,
    /// The person did not come (after the slot began).
    NoShow,
    /// A moderated request accepted.
    Accept,
    /// A moderated request declined (the place goes back).
    Decline,
}

impl OfficeAct {
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "presente" => Self::CheckIn,
            "assente" => Self::NoShow,
            "accetta" => Self::Accept,
            "rifiuta" => Self::Decline,
            _ => return None,
        })
    }
}

/// A day of the office: its bookings in order of time, with the calendars it runs.
#[derive(Debug, Clone)]
pub struct DayPlan {
    pub date: Date,
    pub bookings: Vec<BookingView>,
    pub calendars: Vec<CalendarView>,
}

/// A calendar as the setup form sends it.
#[derive(Debug, Clone, Default)]
pub struct CalendarInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub office: String,
    pub address: String,
    pub about: String,
    pub service: String,
    pub hours: String,
    pub slot_minutes: String,
    pub capacity: String,
    pub horizon_days: String,
    pub cancel_hours: String,
    pub closures: String,
    pub moderated: bool,
    pub open_on_holidays: bool,
    pub active: bool,
}

impl CalendarInput {
    /// The form filled with a calendar as saved.
    pub fn of(c: &CalendarView) -> Self {
        Self {
            code: c.row.code.clone(),
            name: c.row.name.clone(),
            kind: c.row.kind.clone(),
            office: c.row.office_code.clone().unwrap_or_default(),
            address: c.row.address.clone(),
            about: c.row.about.clone(),
            service: c.row.service_slug.clone().unwrap_or_default(),
            hours: hours_text(&c.rules.hours),
            slot_minutes: c.row.slot_minutes.to_string(),
            capacity: c.row.capacity.to_string(),
            horizon_days: c.row.horizon_days.to_string(),
            cancel_hours: c.row.cancel_hours.to_string(),
            closures: c
                .rules
                .closures
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            moderated: c.rules.moderated,
            open_on_holidays: c.rules.open_on_holidays,
            active: c.row.active != 0,
        }
    }
}

/// A place's bookings in a month, as the open data count them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    pub calendar: String,
    pub kind: &'static str,
    /// «2026-12», Italian months.
    pub month: String,
    /// Booked (sent, whatever came of it), attended, missed, cancelled, declined, walk-ins.
    pub booked: i64,
    pub attended: i64,
    pub no_show: i64,
    pub cancelled: i64,
    pub declined: i64,
    pub walk_ins: i64,
}

impl Bookings<'_> {
    /// The day's plan for a staff member: the bookings of their office's calendars (all the
    /// ente's, for someone of no office).
    pub async fn day_plan(&self, staff: &StaffPrincipal, date: Date) -> Result<DayPlan, AppError> {
        let ente = staff_ente(staff, Permission::RunBookings)?;
        let from = sportello_domain::calendar::from_rome(date.midnight());
        let to = date
            .next_day()
            .map(|d| sportello_domain::calendar::from_rome(d.midnight()))
            .unwrap_or(from);
        let lines = self
            .store()
            .tenant(ente)
            .booking_day(staff.office.as_deref(), to_millis(from), to_millis(to))
            .await?;
        let calendars: Vec<CalendarView> = self
            .calendars(ente, false)
            .await?
            .into_iter()
            .filter(|c| {
                staff.office.is_none()
                    || c.row.office_code.is_none()
                    || c.row.office_code == staff.office
            })
            .collect();
        let mut bookings = Vec::with_capacity(lines.len());
        for line in lines {
            let calendar = match calendars
                .iter()
                .find(|c| c.row.id == line.booking.calendar_id)
            {
                Some(c) => c.clone(),
                None => self.calendar_by_id(ente, line.booking.calendar_id).await?,
            };
            bookings.push(self.view_with(calendar, line.booking));
        }
        Ok(DayPlan {
            date,
            bookings,
            calendars,
        })
    }

    /// A booking of a calendar this staff member runs (404 for anyone else's).
    pub async fn for_office(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let ente = staff_ente(staff, Permission::RunBookings)?;
        let row = self
            .store()
            .tenant(ente)
            .booking(id)
            .await?
            .filter(|b| b.state != "bozza" && b.state != "scaduta")
            .ok_or(AppError::NotFound)?;
        let view = self.view(ente, row).await?;
        let theirs = staff.office.is_none()
            || view.calendar.row.office_code.is_none()
            || view.calendar.row.office_code == staff.office;
        if !theirs {
            return Err(AppError::NotFound);
        }
        Ok(view)
    }

    /// The office acts on a booking.
    pub async fn office_act(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        act: OfficeAct,
    ) -> Result<BookingView, AppError> {
        let view = self.for_office(staff, id).await?;
        let ente = view.row.ente();
        let now = self.app.now();
        let (from, to): (&[&str], BookingState) = match act {
            OfficeAct::CheckIn => {
                if in_rome(now).date() < view.start.date() {
                    return Err(BookingProblem::NotYet.into());
                }
                (&["confermata", "assente"], BookingState::Attended)
            }
            OfficeAct::NoShow => {
                if now < view.start {
                    return Err(BookingProblem::NotYet.into());
                }
                (&["confermata"], BookingState::NoShow)
            }
            OfficeAct::Accept => (&["richiesta"], BookingState::Confirmed),
            OfficeAct::Decline => (&["richiesta"], BookingState::Declined),
        };
        let ente_row = self.app.ente_by_id(ente).await?;
        let mail = match act {
            OfficeAct::Accept | OfficeAct::Decline if view.row.email.contains('@') => {
                let accepted = act == OfficeAct::Accept;
                let subject = if accepted {
                    format!("Appuntamento confermato: {}", view.calendar.row.name)
                } else {
                    format!(
                        "Richiesta di appuntamento non accolta: {}",
                        view.calendar.row.name
                    )
                };
                let body = format!(
                    "{}\n\n{} — {}\n{}\n{}\n\nComune di {} — messaggio automatico.\n",
                    if accepted {
                        "L'ufficio ha confermato il tuo appuntamento."
                    } else {
                        "L'ufficio non ha potuto accogliere la tua richiesta di appuntamento. Puoi sceglierne un altro."
                    },
                    view.code,
                    view.calendar.row.name,
                    italian_when(view.start),
                    view.calendar.row.address,
                    ente_row.name,
                );
                let host = url::Url::parse(&self.app.settings.public_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| "sportello.invalid".into());
                let invitation = ics(&IcsEvent {
                    method: if accepted {
                        IcsMethod::Request
                    } else {
                        IcsMethod::Cancel
                    },
                    uid: &format!("booking-{}@{host}", view.row.id),
                    sequence: u32::try_from(view.row.sequence + 1).unwrap_or(0),
                    stamp: now,
                    start: view.start,
                    end: view.end,
                    summary: &format!("Appuntamento: {}", view.calendar.row.name),
                    location: &view.calendar.row.address,
                    description: &format!("{} — {}", view.code, view.row.subject),
                    organizer: &format!("prenotazioni@{host}"),
                    attendee: &view.row.email,
                    tentative: false,
                });
                Some((view.row.email.clone(), subject, body, invitation))
            }
            _ => None,
        };
        let moved = self
            .store()
            .tenant(ente)
            .booking_move(&BookingMove {
                id,
                from,
                to: to.code(),
                now_ms: to_millis(now),
                mail: mail
                    .as_ref()
                    .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), Some(d.as_str()))),
            })
            .await?;
        if !moved {
            return Err(BookingProblem::NotNow.into());
        }
        if act == OfficeAct::Decline {
            self.offer_freed(ente, &view.calendar, view.row.start_ms)
                .await?;
        }
        self.for_office(staff, id).await
    }

    /// Someone at the desk without a booking, added to the day's plan at the current slot of
    /// the calendar (present already; no booked place is taken from anyone).
    pub async fn walk_in(
        &self,
        staff: &StaffPrincipal,
        calendar: &str,
        name: &str,
        subject: &str,
    ) -> Result<i64, AppError> {
        let ente = staff_ente(staff, Permission::RunBookings)?;
        let calendar = self.calendar(ente, calendar).await?;
        let theirs = staff.office.is_none()
            || calendar.row.office_code.is_none()
            || calendar.row.office_code == staff.office;
        if !theirs {
            return Err(AppError::NotFound);
        }
        let name: String = name.trim().chars().take(120).collect();
        if name.chars().count() < 2 {
            return Err(BookingProblem::Name.into());
        }
        let subject: String = subject.trim().chars().take(200).collect();
        if subject.is_empty() {
            return Err(BookingProblem::Subject.into());
        }
        let now = self.app.now();
        let minutes = i64::from(calendar.rules.slot_minutes);
        Ok(self
            .store()
            .tenant(ente)
            .booking_walk_in(
                calendar.row.id,
                to_millis(now),
                to_millis(now + Duration::minutes(minutes)),
                &name,
                &subject,
                &digest(&crate::crypto::random_token(24)),
                to_millis(now),
            )
            .await?)
    }

    /// Links a booking to one of the ente's cases by its number (empty: unlinks).
    pub async fn link_case(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        case: &str,
    ) -> Result<BookingView, AppError> {
        let view = self.for_office(staff, id).await?;
        let ente = view.row.ente();
        let typed = case.trim();
        let tenant = self.store().tenant(ente);
        // A protocol number as people read it («0000025/2026», «25/2026»), or the case's code.
        let by_number = match typed.split_once('/') {
            Some((n, y)) => match (n.trim().parse::<i64>(), y.trim().parse::<i64>()) {
                (Ok(n), Ok(y)) => tenant.case_by_protocol(y, n).await?,
                _ => None,
            },
            None => None,
        };
        let case = match by_number {
            Some(id) => Some(id),
            None if typed.is_empty() => None,
            None => {
                tenant.case_head(typed).await?.ok_or(BookingProblem::Case)?;
                Some(typed.to_string())
            }
        };
        tenant.booking_link_case(id, case.as_deref()).await?;
        self.for_office(staff, id).await
    }

    /// The ente's bookings counted by place and month (walk-ins apart), place by place.
    pub async fn month_counts(&self, ente: EnteId) -> Result<Vec<MonthCount>, AppError> {
        let calendars = self.calendars(ente, true).await?;
        let facts = self.store().tenant(ente).booking_facts().await?;
        let mut counts: std::collections::BTreeMap<(String, String), MonthCount> =
            std::collections::BTreeMap::new();
        for (calendar_id, start_ms, state, walk_in) in facts {
            let Some(c) = calendars.iter().find(|c| c.row.id == calendar_id) else {
                continue;
            };
            let local = in_rome(from_millis(start_ms));
            let month = format!("{:04}-{:02}", local.year(), u8::from(local.month()));
            let entry = counts
                .entry((c.row.name.clone(), month.clone()))
                .or_insert_with(|| MonthCount {
                    calendar: c.row.name.clone(),
                    kind: c.kind.code(),
                    month,
                    booked: 0,
                    attended: 0,
                    no_show: 0,
                    cancelled: 0,
                    declined: 0,
                    walk_ins: 0,
                });
            if walk_in != 0 {
                entry.walk_ins = entry.walk_ins.saturating_add(1);
                continue;
            }
            entry.booked = entry.booked.saturating_add(1);
            match BookingState::from_code(&state) {
                Some(BookingState::Attended) => entry.attended = entry.attended.saturating_add(1),
                Some(BookingState::NoShow) => entry.no_show = entry.no_show.saturating_add(1),
                Some(BookingState::Cancelled) => {
                    entry.cancelled = entry.cancelled.saturating_add(1)
                }
                Some(BookingState::Declined) => entry.declined = entry.declined.saturating_add(1),
                _ => {}
            }
        }
        Ok(counts.into_values().collect())
    }

    /// The administrator saves a calendar (by its code: a new code adds one).
    pub async fn save_calendar(
        &self,
        staff: &StaffPrincipal,
        input: &CalendarInput,
    ) -> Result<Result<(), Vec<BookingProblem>>, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        let mut problems = Vec::new();
        let code = input.code.trim();
        let code_ok = (2..=40).contains(&code.len())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !code.starts_with('-')
            && !matches!(code, "bozza" | "gestisci");
        if !code_ok {
            problems.push(BookingProblem::Code);
        }
        let name = input.name.trim();
        if name.chars().count() < 3 || name.chars().count() > 120 {
            problems.push(BookingProblem::CalendarName);
        }
        if PlaceKind::from_code(input.kind.trim()).is_none() {
            problems.push(BookingProblem::Kind);
        }
        let office = input.office.trim();
        let offices = self.store().tenant(ente).offices().await?;
        if !office.is_empty() && !offices.iter().any(|o| o.code == office) {
            problems.push(BookingProblem::Office);
        }
        let service = input.service.trim();
        if !service.is_empty()
            && !self
                .app
                .catalogue()
                .offered_services(ente)
                .await?
                .iter()
                .any(|s| s.definition.id == service)
        {
            problems.push(BookingProblem::Service);
        }
        let rules = Rules::check(&RulesInput {
            hours: &input.hours,
            slot_minutes: &input.slot_minutes,
            capacity: &input.capacity,
            horizon_days: &input.horizon_days,
            cancel_hours: &input.cancel_hours,
            closures: &input.closures,
            moderated: input.moderated,
            open_on_holidays: input.open_on_holidays,
        });
        let rules = match rules {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(BookingProblem::Rules(e));
                None
            }
        };
        let Some(rules) = rules.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let closures = rules
            .closures
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let address: String = input.address.trim().chars().take(300).collect();
        let about: String = input.about.trim().chars().take(2_000).collect();
        self.store()
            .tenant(ente)
            .save_booking_calendar(
                &CalendarSave {
                    code,
                    name,
                    kind: input.kind.trim(),
                    office_code: Some(office).filter(|o| !o.is_empty()),
                    address: &address,
                    about: &about,
                    service_slug: Some(service).filter(|s| !s.is_empty()),
                    hours: &hours_text(&rules.hours),
                    slot_minutes: i64::from(rules.slot_minutes),
                    capacity: i64::from(rules.capacity),
                    moderated: rules.moderated,
                    horizon_days: i64::from(rules.horizon_days),
                    cancel_hours: i64::from(rules.cancel_hours),
                    open_on_holidays: rules.open_on_holidays,
                    closures: &closures,
                    active: input.active,
                    by: &staff.username,
                },
                to_millis(self.app.now()),
            )
            .await?;
        Ok(Ok(()))
    }
}
