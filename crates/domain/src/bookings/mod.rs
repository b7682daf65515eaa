//! Bookings (prenotazioni, issue 20): the calendars an office, school, library or museum
//! publishes — opening hours per weekday and period, slot length, people per slot, closures —,
//! the slots a day has in Italian civil time, the states of a booking, and the `.ics` invitation
//! (RFC 5545) that goes with its confirmation.
//!
//! A slot is a wall-clock time in Rome: one that does not exist (02:30 on the last Sunday of
//! March) is not offered, and one that happens twice (02:30 on the last Sunday of October) is
//! offered once, at its first (summer-time) instant.

mod ics;

pub use ics::{ics, IcsEvent, IcsMethod};

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use crate::calendar::{rome_time, RomeTime};
use crate::procedure::deadlines::HolidayCalendar;

/// What kind of place takes bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Office,
    School,
    Library,
    Museum,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 4] = [Self::Office, Self::School, Self::Library, Self::Museum];

    pub fn code(self) -> &'static str {
        match self {
            Self::Office => "ufficio",
            Self::School => "scuola",
            Self::Library => "biblioteca",
            Self::Museum => "museo",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_it(self) -> &'static str {
        match self {
            Self::Office => "Ufficio",
            Self::School => "Scuola",
            Self::Library => "Biblioteca",
            Self::Museum => "Museo",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Office => "Office",
            Self::School => "School",
            Self::Library => "Library",
            Self::Museum => "Museum",
        }
    }
}

/// One stretch of opening: a weekday, from–to, within an optional period of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub weekday: Weekday,
    pub from: Time,
    pub to: Time,
    /// The period it holds in (both inclusive); `None`: always.
    pub period: Option<(Date, Date)>,
}

/// Why a line of opening hours is refused: its number (from 1) and the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {text}")]
pub struct HoursError {
    pub line: usize,
    pub text: String,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("lun", Weekday::Monday),
    ("mar", Weekday::Tuesday),
    ("mer", Weekday::Wednesday),
    ("gio", Weekday::Thursday),
    ("ven", Weekday::Friday),
    ("sab", Weekday::Saturday),
    ("dom", Weekday::Sunday),
];

fn weekday_code(w: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, d)| *d == w)
        .map(|(c, _)| *c)
        .unwrap_or("lun")
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once([':', '.'])?;
    Time::from_hms(h.trim().parse().ok()?, m.trim().parse().ok()?, 0).ok()
}

fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), format).ok()
}

/// Reads opening hours, one stretch a line: «lun 09:00-12:30», optionally «dal 2026-06-01 al
/// 2026-09-15». Empty lines are skipped. Every wrong line is named.
pub fn parse_hours(text: &str) -> Result<Vec<Opening>, Vec<HoursError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(line) {
            Some(o) => out.push(o),
            None => errors.push(HoursError {
                line: i + 1,
                text: line.chars().take(80).collect(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn parse_line(line: &str) -> Option<Opening> {
    let lower = line.to_lowercase();
    let mut words = lower.split_whitespace();
    let day = words.next()?;
    let weekday = WEEKDAYS
        .iter()
        .find(|(c, _)| day.starts_with(c))
        .map(|(_, w)| *w)?;
    let (from, to) = words.next()?.split_once('-')?;
    let (from, to) = (parse_time(from)?, parse_time(to)?);
    if from >= to {
        return None;
    }
    let period = match (words.next(), words.next(), words.next(), words.next()) {
        (None, ..) => None,
        (Some("dal"), Some(a), Some("al"), Some(b)) => {
            let (a, b) = (parse_date(a)?, parse_date(b)?);
            if a > b {
                return None;
            }
            Some((a, b))
        }
        _ => return None,
    };
    if words.next().is_some() {
        return None;
    }
    Some(Opening {
        weekday,
        from,
        to,
        period,
    })
}

/// Opening hours written back as [`parse_hours`] reads them.
pub fn hours_text(hours: &[Opening]) -> String {
    let mut s = String::new();
    for o in hours {
        s.push_str(&format!(
            "{} {:02}:{:02}-{:02}:{:02}",
            weekday_code(o.weekday),
            o.from.hour(),
            o.from.minute(),
            o.to.hour(),
            o.to.minute()
        ));
        if let Some((a, b)) = o.period {
            s.push_str(&format!(" dal {a} al {b}"));
        }
        s.push('\n');
    }
    s
}

/// A calendar's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub hours: Vec<Opening>,
    /// Minutes a slot lasts (5–240).
    pub slot_minutes: u16,
    /// People a slot takes (1–500).
    pub capacity: u16,
    /// Bookings wait for the office's confirmation («richiesta inviata»).
    pub moderated: bool,
    /// Days ahead one may book (1–365).
    pub horizon_days: u16,
    /// Hours before the slot until which a resident may cancel or move (0–168).
    pub cancel_hours: u16,
    /// Open on public holidays too (a museum); otherwise the ente's legal calendar closes it.
    pub open_on_holidays: bool,
    /// Closures by date, beyond the holidays.
    pub closures: Vec<Date>,
}

/// Why a calendar's rules are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("no opening hours")]
    NoHours,
    #[error("hours: {0:?}")]
    Hours(Vec<HoursError>),
    #[error("slot minutes")]
    SlotMinutes,
    #[error("capacity")]
    Capacity,
    #[error("horizon")]
    Horizon,
    #[error("cancel hours")]
    CancelHours,
    #[error("closure {0}")]
    Closure(String),
}

/// The bounds of a calendar's numbers.
pub const SLOT_MINUTES: (u16, u16) = (5, 240);
pub const CAPACITY: (u16, u16) = (1, 500);
pub const HORIZON_DAYS: (u16, u16) = (1, 365);
pub const CANCEL_HOURS: (u16, u16) = (0, 168);

fn within(text: &str, (lo, hi): (u16, u16)) -> Option<u16> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
}

/// A calendar's rules as typed in its form, every problem named.
#[derive(Debug, Clone, Default)]
pub struct RulesInput<'a> {
    pub hours: &'a str,
    pub slot_minutes: &'a str,
    pub capacity: &'a str,
    pub horizon_days: &'a str,
    pub cancel_hours: &'a str,
    pub closures: &'a str,
    pub moderated: bool,
    pub open_on_holidays: bool,
}

impl Rules {
    pub fn check(input: &RulesInput<'_>) -> Result<Rules, Vec<RulesError>> {
        let mut errors = Vec::new();
        let hours = match parse_hours(input.hours) {
            Ok(h) if h.is_empty() => {
                errors.push(RulesError::NoHours);
                Vec::new()
            }
            Ok(h) => h,
            Err(e) => {
                errors.push(RulesError::Hours(e));
                Vec::new()
            }
        };
        let slot_minutes = within(input.slot_minutes, SLOT_MINUTES);
        let capacity = within(input.capacity, CAPACITY);
        let horizon_days = within(input.horizon_days, HORIZON_DAYS);
        let cancel_hours = within(input.cancel_hours, CANCEL_HOURS);
        for (ok, e) in [
            (slot_minutes.is_some(), RulesError::SlotMinutes),
            (capacity.is_some(), RulesError::Capacity),
            (horizon_days.is_some(), RulesError::Horizon),
            (cancel_hours.is_some(), RulesError::CancelHours),
        ] {
            if !ok {
                errors.push(e);
            }
        }
        let mut closures = Vec::new();
        for c in input
            .closures
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match parse_date(c) {
                Some(d) => closures.push(d),
                None => errors.push(RulesError::Closure(c.chars().take(20).collect())),
            }
        }
        closures.sort();
        closures.dedup();
        match (slot_minutes, capacity, horizon_days, cancel_hours) {
            (Some(slot_minutes), Some(capacity), Some(horizon_days), Some(cancel_hours))
                if errors.is_empty() =>
            {
                Ok(Rules {
                    hours,
                    slot_minutes,
                    capacity,
                    moderated: input.moderated,
                    horizon_days,
                    cancel_hours,
                    open_on_holidays: input.open_on_holidays,
                    closures,
                })
            }
            _ => Err(errors),
        }
    }

    /// Whether the place is closed all day on `date` (a holiday, a closure).
    pub fn closed_on(&self, date: Date, holidays: &HolidayCalendar) -> bool {
        self.closures.binary_search(&date).is_ok()
            || (!self.open_on_holidays && holidays.is_holiday(date))
    }

    /// The slots of `date`, in order of time.
    pub fn slots_on(&self, date: Date, holidays: &HolidayCalendar) -> Vec<Slot> {
        let mut out = Vec::new();
        if self.closed_on(date, holidays) {
            return out;
        }
        let length = Duration::minutes(i64::from(self.slot_minutes.max(1)));
        for o in &self.hours {
            if o.weekday != date.weekday() || o.period.is_some_and(|(a, b)| date < a || date > b) {
                continue;
            }
            let mut local = PrimitiveDateTime::new(date, o.from);
            let end_of_stretch = PrimitiveDateTime::new(date, o.to);
            while local + length <= end_of_stretch {
                match rome_time(local) {
                    RomeTime::Exact(start) | RomeTime::Twice(start, _) => out.push(Slot {
                        local,
                        start,
                        end: start + length,
                    }),
                    RomeTime::Skipped => {}
                }
                local += length;
            }
        }
        out.sort_by_key(|s| s.start);
        out.dedup_by_key(|s| s.start);
        out
    }

    /// The slot that starts at `start` on its day, if the calendar has it.
    pub fn slot_at(&self, start: OffsetDateTime, holidays: &HolidayCalendar) -> Option<Slot> {
        let date = crate::calendar::in_rome(start).date();
        self.slots_on(date, holidays)
            .into_iter()
            .find(|s| s.start == start)
    }

    /// Whether a slot may be booked at `now`: it has not begun and lies within the horizon.
    pub fn bookable(&self, slot: &Slot, now: OffsetDateTime) -> bool {
        slot.start > now && slot.start <= now + Duration::days(i64::from(self.horizon_days))
    }

    /// Whether a booking of the slot starting at `start` may still be cancelled or moved.
    pub fn may_cancel(&self, start: OffsetDateTime, now: OffsetDateTime) -> bool {
        now + Duration::hours(i64::from(self.cancel_hours)) <= start
    }
}

/// A slot: its Italian wall-clock start, and its instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub local: PrimitiveDateTime,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

/// Where a booking is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingState {
    /// Being filled in: the slot is kept for a few minutes, then freed on its own.
    Held,
    /// Sent to a moderated calendar, waiting for the office.
    Requested,
    Confirmed,
    /// The office said no (moderated calendars).
    Declined,
    Cancelled,
    /// A hold that ran out.
    Expired,
    /// The person came.
    Attended,
    /// The person did not come.
    NoShow,
}

impl BookingState {
    pub const ALL: [BookingState; 8] = [
        Self::Held,
        Self::Requested,
        Self::Confirmed,
        Self::Declined,
        Self::Cancelled,
        Self::Expired,
        Self::Attended,
        Self::NoShow,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Held => "bozza",
            Self::Requested => "richiesta",
            Self::Confirmed => "confermata",
            Self::Declined => "rifiutata",
            Self::Cancelled => "annullata",
            Self::Expired => "scaduta",
            Self::Attended => "presente",
            Self::NoShow => "assente",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_it(self) -> &'static str {
        match self {
            Self::Held => "Da completare",
            Self::Requested => "Richiesta inviata",
            Self::Confirmed => "Confermata",
            Self::Declined => "Non accolta",
            Self::Cancelled => "Annullata",
            Self::Expired => "Scaduta",
            Self::Attended => "Presente",
            Self::NoShow => "Assente",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Held => "To complete",
            Self::Requested => "Request sent",
            Self::Confirmed => "Confirmed",
            Self::Declined => "Not accepted",
            Self::Cancelled => "Cancelled",
            Self::Expired => "Expired",
            Self::Attended => "Attended",
            Self::NoShow => "Did not attend",
        }
    }

    /// Whether the booking takes a place in its slot.
    pub fn takes_place(self) -> bool {
        matches!(
            self,
            Self::Held | Self::Requested | Self::Confirmed | Self::Attended | Self::NoShow
        )
    }

    /// Whether the resident may still cancel or move it.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Requested | Self::Confirmed)
    }
}

/// Where someone on a day's waiting list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitState {
    Waiting,
    /// A place freed up and was kept for them (a draft they complete from the e-mail).
    Offered,
    /// They took it.
    Taken,
    /// They left the list, or the day went by.
    Closed,
}

impl WaitState {
    pub const ALL: [WaitState; 4] = [Self::Waiting, Self::Offered, Self::Taken, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "attesa",
            Self::Offered => "offerta",
            Self::Taken => "presa",
            Self::Closed => "chiusa",
        }
    }
}

/// Minutes a draft keeps its slot.
pub const HOLD_MINUTES: i64 = 10;
/// Hours a freed slot is kept for the first person waiting, before it goes to anyone.
pub const OFFER_HOURS: i64 = 2;

#[cfg(test)]
mod tests;
