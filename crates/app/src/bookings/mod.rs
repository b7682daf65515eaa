//! Bookings (prenotazioni, issue 20): an office, school, library or museum publishes calendars;
//! a resident books a slot in the Designers Italia flow — place, date and time, details, who,
//! summary — on a draft that keeps the slot for [`HOLD_MINUTES`] and runs out on its own; the
//! confirmation (or, on a moderated calendar, «richiesta inviata») goes by e-mail with an
//! `.ics` invitation, and a reminder the day before; the resident cancels or moves from the
//! personal area or the e-mail's link until the calendar's limit; a freed place goes first to
//! who waits for that day. The office runs its day: the list, check-in, no-shows, walk-ins, a
//! booking linked to a case.

mod office;
mod resident;

use sportello_domain::bookings::{BookingState, PlaceKind, Rules, RulesError, RulesInput, Slot};
use sportello_domain::calendar::in_rome;
use sportello_domain::identity::{may, CitizenIdentity, Permission};
use sportello_domain::tenancy::EnteId;
use sportello_store::{BookingRow, CalendarRow, SlotClaim};
use time::{Date, Duration, OffsetDateTime};

pub use office::{CalendarInput, DayPlan, MonthCount, OfficeAct};
pub use resident::{Details, Manage};

use crate::capabilities::Bookings;
use crate::sessions::StaffPrincipal;
use crate::AppError;
use sportello_store::{from_millis, to_millis};

/// Why a booking's use case refused, by kind: the web says it in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingProblem {
    /// The calendar's rules as typed: every problem.
    #[error("rules: {0:?}")]
    Rules(Vec<RulesError>),
    /// A calendar's code (for its address) that is not lowercase letters, digits and hyphens.
    #[error("code")]
    Code,
    #[error("calendar name")]
    CalendarName,
    #[error("kind")]
    Kind,
    /// The office named is not one of the ente's.
    #[error("office")]
    Office,
    /// The day asked to wait for still has places.
    #[error("not full")]
    NotFull,
    /// The service named is not one the ente offers.
    #[error("service")]
    Service,
    /// The time chosen is not one of the calendar's slots.
    #[error("no such slot")]
    NoSlot,
    /// The slot has begun, or is beyond how far ahead one may book.
    #[error("not bookable")]
    NotBookable,
    /// Every place of the slot is taken.
    #[error("full")]
    Full,
    /// The draft ran out: the slot was given back.
    #[error("expired")]
    Expired,
    #[error("subject")]
    Subject,
    #[error("name")]
    Name,
    #[error("email")]
    Email,
    #[error("phone")]
    Phone,
    /// Past the calendar's limit to cancel or move.
    #[error("too late")]
    TooLate,
    /// Not in a state that allows it (already cancelled, already held…).
    #[error("not now")]
    NotNow,
    /// The case to link is not one of the ente's.
    #[error("case")]
    Case,
    /// The resident already has an appointment at this time.
    #[error("already")]
    Already,
    /// Too early: a person is checked in on the day, marked absent once the time has come.
    #[error("not yet")]
    NotYet,
    /// Moving to the time it already has.
    #[error("same slot")]
    SameSlot,
}

impl BookingProblem {
    /// Whether what was typed is at fault (else the action is not allowed now).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::Rules(_)
                | Self::Code
                | Self::CalendarName
                | Self::Kind
                | Self::Office
                | Self::Service
                | Self::Subject
                | Self::Name
                | Self::Email
                | Self::Phone
                | Self::Case
                | Self::NoSlot
                | Self::SameSlot
        )
    }
}

impl From<BookingProblem> for AppError {
    fn from(p: BookingProblem) -> Self {
        AppError::Booking(p)
    }
}

/// A day a resident waits for.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: i64,
    pub calendar: CalendarView,
    pub day: Date,
}

/// A calendar with its rules read.
#[derive(Debug, Clone)]
pub struct CalendarView {
    pub row: CalendarRow,
    pub kind: PlaceKind,
    pub rules: Rules,
}

impl CalendarView {
    fn of(row: CalendarRow) -> Self {
        let input = RulesInput {
            hours: &row.hours,
            slot_minutes: &row.slot_minutes.to_string(),
            capacity: &row.capacity.to_string(),
            horizon_days: &row.horizon_days.to_string(),
            cancel_hours: &row.cancel_hours.to_string(),
            closures: &row.closures,
            moderated: row.moderated != 0,
            open_on_holidays: row.open_on_holidays != 0,
        };
        // Stored rules were checked when saved; a calendar whose rules no longer read (a
        // change of bounds) offers no slot rather than wrong ones.
        let rules = Rules::check(&input).unwrap_or(Rules {
            hours: Vec::new(),
            slot_minutes: 30,
            capacity: 1,
            moderated: true,
            horizon_days: 1,
            cancel_hours: 0,
            open_on_holidays: false,
            closures: Vec::new(),
        });
        Self {
            kind: PlaceKind::from_code(&row.kind).unwrap_or(PlaceKind::Office),
            rules,
            row,
        }
    }

    fn claim(&self, slot: &Slot) -> SlotClaim {
        SlotClaim {
            calendar_id: self.row.id,
            start_ms: to_millis(slot.start),
            end_ms: to_millis(slot.end),
            capacity: i64::from(self.rules.capacity),
        }
    }
}

/// A slot as the date-and-time step shows it.
#[derive(Debug, Clone, Copy)]
pub struct SlotView {
    pub slot: Slot,
    /// Places left.
    pub free: i64,
}

/// A day as the date step lists it.
#[derive(Debug, Clone, Copy)]
pub struct DayView {
    pub date: Date,
    pub slots: usize,
    pub free: i64,
}

/// A booking as pages read it.
#[derive(Debug, Clone)]
pub struct BookingView {
    pub row: BookingRow,
    pub calendar: CalendarView,
    pub state: BookingState,
    /// Italian civil time.
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    /// «P-2026-000042».
    pub code: String,
    /// A draft: when it runs out.
    pub held_until: Option<OffsetDateTime>,
    /// Live and before the calendar's limit.
    pub may_change: bool,
    /// The calendar's limit to cancel or move has passed (or will have, for a draft sent now).
    pub past_cancel_limit: bool,
    /// Its time has come.
    pub started: bool,
}

/// Whether this staff member runs bookings' days.
pub fn runs_bookings(staff: &StaffPrincipal) -> bool {
    staff.ente.is_some() && may(&staff.roles, Permission::RunBookings)
}

fn staff_ente(staff: &StaffPrincipal, permission: Permission) -> Result<EnteId, AppError> {
    staff
        .ente
        .filter(|_| may(&staff.roles, permission))
        .ok_or(AppError::NotFound)
}

fn digest(token: &str) -> String {
    crate::crypto::sha256_hex(format!("booking:{token}").as_bytes())
}

/// «lunedì 7 dicembre 2026, 09:30».
pub fn italian_when(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = [
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        "domenica",
    ];
    const MONTHS: [&str; 12] = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ];
    let day = DAYS
        .get(usize::from(t.weekday().number_days_from_monday()))
        .copied()
        .unwrap_or_default();
    let month = MONTHS
        .get(usize::from(u8::from(t.month())).saturating_sub(1))
        .copied()
        .unwrap_or_default();
    format!(
        "{day} {} {month} {}, {:02}:{:02}",
        t.day(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

impl Bookings<'_> {
    fn store(&self) -> &sportello_store::Store {
        &self.app.store
    }

    /// The ente's calendars; `all`: inactive ones too (the setup's list).
    pub async fn calendars(&self, ente: EnteId, all: bool) -> Result<Vec<CalendarView>, AppError> {
        Ok(self
            .store()
            .tenant(ente)
            .booking_calendars()
            .await?
            .into_iter()
            .filter(|c| all || c.active != 0)
            .map(CalendarView::of)
            .collect())
    }

    /// An active calendar by its code.
    pub async fn calendar(&self, ente: EnteId, code: &str) -> Result<CalendarView, AppError> {
        self.store()
            .tenant(ente)
            .booking_calendar(code)
            .await?
            .filter(|c| c.active != 0)
            .map(CalendarView::of)
            .ok_or(AppError::NotFound)
    }

    async fn calendar_by_id(&self, ente: EnteId, id: i64) -> Result<CalendarView, AppError> {
        self.store()
            .tenant(ente)
            .booking_calendar_by_id(id)
            .await?
            .map(CalendarView::of)
            .ok_or(AppError::NotFound)
    }

    /// The slots of a day with the places left (slots that began or lie beyond the horizon
    /// are left out).
    pub async fn day(
        &self,
        ente: EnteId,
        calendar: &CalendarView,
        date: Date,
    ) -> Result<Vec<SlotView>, AppError> {
        let now = self.app.now();
        let holidays = self.app.ente_calendar(ente).await?;
        let slots: Vec<Slot> = calendar
            .rules
            .slots_on(date, &holidays)
            .into_iter()
            .filter(|s| calendar.rules.bookable(s, now))
            .collect();
        let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
            return Ok(Vec::new());
        };
        let taken = self
            .store()
            .tenant(ente)
            .booking_taken(
                calendar.row.id,
                to_millis(first.start),
                to_millis(last.start) + 1,
                to_millis(now),
            )
            .await?;
        let capacity = i64::from(calendar.rules.capacity);
        Ok(slots
            .into_iter()
            .map(|slot| {
                let used = taken
                    .iter()
                    .find(|(s, _)| *s == to_millis(slot.start))
                    .map_or(0, |(_, n)| *n);
                SlotView {
                    slot,
                    free: capacity.saturating_sub(used).max(0),
                }
            })
            .collect())
    }

    /// The days from `from` (today at the earliest) within the horizon, at most `max`, that
    /// have slots, each with its places left.
    pub async fn days(
        &self,
        ente: EnteId,
        calendar: &CalendarView,
        from: Date,
        max: usize,
    ) -> Result<Vec<DayView>, AppError> {
        let today = in_rome(self.app.now()).date();
        let last = today + Duration::days(i64::from(calendar.rules.horizon_days));
        let mut out = Vec::new();
        let mut date = from.max(today);
        while date <= last {
            if out.len() >= max {
                break;
            }
            let slots = self.day(ente, calendar, date).await?;
            if !slots.is_empty() {
                out.push(DayView {
                    date,
                    slots: slots.len(),
                    free: slots.iter().map(|s| s.free).sum(),
                });
            }
            match date.next_day() {
                Some(d) => date = d,
                None => break,
            }
        }
        Ok(out)
    }

    async fn view(&self, ente: EnteId, row: BookingRow) -> Result<BookingView, AppError> {
        let calendar = self.calendar_by_id(ente, row.calendar_id).await?;
        Ok(self.view_with(calendar, row))
    }

    fn view_with(&self, calendar: CalendarView, row: BookingRow) -> BookingView {
        let state = BookingState::from_code(&row.state).unwrap_or(BookingState::Cancelled);
        let start = from_millis(row.start_ms);
        let now = self.app.now();
        let held_until = row
            .held_until
            .filter(|_| state == BookingState::Held)
            .map(|t| in_rome(from_millis(t)));
        BookingView {
            code: format!("P-{}-{:06}", in_rome(start).year(), row.id),
            may_change: state.is_live() && calendar.rules.may_cancel(start, now),
            past_cancel_limit: !calendar.rules.may_cancel(start, now),
            started: now >= start,
            start: in_rome(start),
            end: in_rome(from_millis(row.end_ms)),
            held_until,
            state,
            calendar,
            row,
        }
    }

    /// The slot of a calendar starting at `start_ms`, if it is one and may be booked now.
    async fn bookable_slot(
        &self,
        ente: EnteId,
        calendar: &CalendarView,
        start_ms: i64,
    ) -> Result<Slot, AppError> {
        let holidays = self.app.ente_calendar(ente).await?;
        let slot = calendar
            .rules
            .slot_at(from_millis(start_ms), &holidays)
            .ok_or(BookingProblem::NoSlot)?;
        if !calendar.rules.bookable(&slot, self.app.now()) {
            return Err(BookingProblem::NotBookable.into());
        }
        Ok(slot)
    }

    /// Gives a place back to the first person waiting for that day, as a draft kept for them
    /// for [`sportello_domain::bookings::OFFER_HOURS`] (never past the slot's start), with an
    /// e-mail to complete it.
    async fn offer_freed(
        &self,
        ente: EnteId,
        calendar: &CalendarView,
        start_ms: i64,
    ) -> Result<(), AppError> {
        let now = self.app.now();
        let start = from_millis(start_ms);
        let holidays = self.app.ente_calendar(ente).await?;
        let Some(slot) = calendar.rules.slot_at(start, &holidays) else {
            return Ok(());
        };
        if !calendar.rules.bookable(&slot, now) {
            return Ok(());
        }
        let day = in_rome(start).date().to_string();
        let until = (now + Duration::hours(sportello_domain::bookings::OFFER_HOURS)).min(start);
        let token = crate::crypto::random_token(24);
        let offered = self
            .store()
            .tenant(ente)
            .booking_offer(
                calendar.claim(&slot),
                &day,
                &digest(&token),
                to_millis(until),
                to_millis(now),
            )
            .await?;
        let Some((waiting, id)) = offered else {
            return Ok(());
        };
        let ente_row = self.app.ente_by_id(ente).await?;
        let subject = format!("Si è liberato un posto: {}", calendar.row.name);
        let body = format!(
            "Si è liberato un posto per {} il {}.\n\nLo teniamo per te fino a {}: completa la prenotazione qui (accedi con SPID o CIE):\n{}/{}/prenotazioni/bozza/{}/dettagli\n\nSe non ti serve più, non fare nulla: il posto passerà ad altri.\n\nComune di {} — messaggio automatico.\n",
            calendar.row.name,
            italian_when(in_rome(start)),
            italian_when(in_rome(until)),
            self.app.settings.public_url,
            ente_row.slug,
            id,
            ente_row.name,
        );
        let mut tx = self.store().begin().await?;
        sportello_store::Store::enqueue_notification(
            &mut tx,
            to_millis(now),
            &waiting.email,
            &subject,
            &body,
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        Ok(())
    }

    /// The scheduled work: drafts that ran out give their places back (to who waits first);
    /// confirmed bookings of tomorrow get their reminder. Counts (freed, reminded).
    pub async fn run_jobs(&self) -> Result<(usize, usize), AppError> {
        let now = self.app.now();
        let mut freed = 0;
        for row in self
            .store()
            .region_wide()
            .bookings_expired_drafts(to_millis(now))
            .await?
        {
            let ente = row.ente();
            let moved = self
                .store()
                .tenant(ente)
                .booking_move(&sportello_store::BookingMove {
                    id: row.id,
                    from: &["bozza"],
                    to: "scaduta",
                    now_ms: to_millis(now),
                    mail: None,
                })
                .await?;
            if moved {
                freed += 1;
                let calendar = self.calendar_by_id(ente, row.calendar_id).await?;
                self.offer_freed(ente, &calendar, row.start_ms).await?;
            }
        }
        Ok((freed, self.remind().await?))
    }

    /// The reminders of tomorrow's bookings (Italian dates), once each.
    async fn remind(&self) -> Result<usize, AppError> {
        let now = self.app.now();
        let today = in_rome(now).date();
        let (Some(tomorrow), Some(after)) = (
            today.next_day(),
            today.next_day().and_then(|d| d.next_day()),
        ) else {
            return Ok(0);
        };
        let from = sportello_domain::calendar::from_rome(tomorrow.midnight());
        let to = sportello_domain::calendar::from_rome(after.midnight());
        let mut sent = 0;
        for row in self
            .store()
            .region_wide()
            .bookings_to_remind(to_millis(from), to_millis(to))
            .await?
        {
            if !row.email.contains('@') {
                continue;
            }
            let ente = row.ente();
            let view = self.view(ente, row).await?;
            let ente_row = self.app.ente_by_id(ente).await?;
            let subject = format!("Promemoria: domani, {}", view.calendar.row.name);
            let body = format!(
                "Ti ricordiamo l'appuntamento {} di domani:\n\n{}\n{}\n{}\n\nSe non puoi venire, annulla così il posto va ad altri:\n{}/{}/prenotazioni/{}\n\nComune di {} — messaggio automatico.\n",
                view.code,
                view.calendar.row.name,
                italian_when(view.start),
                view.calendar.row.address,
                self.app.settings.public_url,
                ente_row.slug,
                view.row.id,
                ente_row.name,
            );
            if self
                .store()
                .region_wide()
                .booking_reminded(
                    view.row.id,
                    to_millis(now),
                    &view.row.email,
                    &subject,
                    &body,
                )
                .await?
            {
                sent += 1;
            }
        }
        Ok(sent)
    }
}
