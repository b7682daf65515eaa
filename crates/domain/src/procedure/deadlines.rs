//! Legal terms, counted as the law counts them: the first day is not counted (dies a quo non
//! computatur); a term that ends on a Sunday or a public holiday moves to the next working day;
//! suspensions stop the clock, which then runs on for the days left (art. 2 c.7: one integration
//! request, at most 30 days; art. 10-bis: the preavviso di rigetto, until the reply or 10 days).

use time::{Date, Duration, Month, Weekday};

/// Easter Sunday (Gregorian), by the anonymous algorithm of Meeus, Jones and Butcher.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_calendar_date(
        year,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()
}

/// The public holidays that apply to one ente: the national ones plus its patron's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HolidayCalendar {
    /// The patron saint's day (Livorno: 22 May; Firenze: 24 June).
    pub patron: Option<(Month, u8)>,
}

impl HolidayCalendar {
    pub fn with_patron(month: Month, day: u8) -> Self {
        Self {
            patron: Some((month, day)),
        }
    }

    /// Whether `date` is a public holiday (Sundays are not holidays here, but non-working).
    pub fn is_holiday(&self, date: Date) -> bool {
        let (m, d) = (date.month(), date.day());
        let fixed = matches!(
            (m, d),
            (Month::January, 1)
                | (Month::January, 6)
                | (Month::April, 25)
                | (Month::May, 1)
                | (Month::June, 2)
                | (Month::August, 15)
                | (Month::November, 1)
                | (Month::December, 8)
                | (Month::December, 25)
                | (Month::December, 26)
        );
        // San Francesco d'Assisi, national holiday again from 2026 (L. 151/2025).
        let st_francis = m == Month::October && d == 4 && date.year() >= 2026;
        let easter =
            easter_sunday(date.year()).is_some_and(|e| date == e || date == e + Duration::days(1));
        let patron = self.patron == Some((m, d));
        fixed || st_francis || easter || patron
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        date.weekday() != Weekday::Sunday && !self.is_holiday(date)
    }

    /// The first working day on or after `date`.
    pub fn next_working_day(&self, mut date: Date) -> Date {
        for _ in 0..14 {
            if self.is_working_day(date) {
                break;
            }
            match date.next_day() {
                Some(next) => date = next,
                None => break,
            }
        }
        date
    }
}

/// A period the term stood still: from the day it stopped to the day it resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspension {
    pub kind: SuspensionKind,
    pub from: Date,
    /// `None` while it lasts.
    pub to: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspensionKind {
    /// Request for documents (art. 2 c.7): counts at most 30 days.
    Integration,
    /// Preavviso di rigetto (art. 10-bis): until the reply, at most 10 days.
    Preavviso,
    /// Request to conform a SCIA's activity (art. 19 c.3): the control window stands still
    /// for the time given to conform, 30 days.
    Conformity,
}

impl SuspensionKind {
    pub fn max_days(self) -> i64 {
        match self {
            SuspensionKind::Integration => 30,
            SuspensionKind::Preavviso => 10,
            SuspensionKind::Conformity => 30,
        }
    }
}

/// Where a term stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// Running; due on this date.
    Due(Date),
    /// Stopped; this many days will be left when it resumes.
    Suspended { days_left: i64 },
}

/// The due date of a term of `days` days from `start` (the registration date), given its
/// suspensions, on `today` (which decides whether an open suspension has run out by law).
pub fn term(
    start: Date,
    days: u32,
    suspensions: &[Suspension],
    today: Date,
    calendar: &HolidayCalendar,
) -> Term {
    let mut stopped = 0i64;
    for s in suspensions {
        let cap = s
            .from
            .checked_add(Duration::days(s.kind.max_days()))
            .unwrap_or(Date::MAX);
        match s.to {
            Some(to) => stopped += (to.min(cap) - s.from).whole_days().max(0),
            // An open suspension ends by law at its maximum.
            None if today >= cap => stopped += s.kind.max_days(),
            None => {
                let elapsed_before = (s.from - start).whole_days() - stopped;
                return Term::Suspended {
                    days_left: (i64::from(days) - elapsed_before).max(0),
                };
            }
        }
    }
    // Terms are bounded by the catalogue (180 days at most) and suspensions by law; still, a
    // date past the calendar's end is the calendar's last day, never a panic.
    let due = i64::from(days)
        .checked_add(stopped)
        .and_then(|n| start.checked_add(Duration::days(n)))
        .unwrap_or(Date::MAX);
    Term::Due(calendar.next_working_day(due))
}

/// A case's term as kept on its row (migration 0053), so that the office's queue can filter,
/// count and page its open cases by term in the database: what [`term`] answers on any later
/// day follows from these three values and that day alone, until the case moves again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptTerm {
    /// The last day of the term, once any suspension still open has run to its legal end.
    pub due: Date,
    /// The day an open suspension ends by law: before it, the term stands still.
    pub paused_until: Option<Date>,
    /// The days left while it stands still.
    pub days_left: i64,
}

impl KeptTerm {
    /// The term of `days` days from `start` with its `suspensions`, as kept.
    pub fn new(
        start: Date,
        days: u32,
        suspensions: &[Suspension],
        calendar: &HolidayCalendar,
    ) -> Self {
        // With every open suspension at its legal end, the term runs: its due date.
        let due = match term(start, days, suspensions, Date::MAX, calendar) {
            Term::Due(d) => d,
            Term::Suspended { .. } => Date::MAX,
        };
        // An open suspension stops the term until its legal end; on its first day the term
        // says how many days will be left.
        let open = suspensions.iter().find(|s| s.to.is_none());
        let (paused_until, days_left) = match open {
            Some(s) => {
                let cap = s
                    .from
                    .checked_add(Duration::days(s.kind.max_days()))
                    .unwrap_or(Date::MAX);
                match term(start, days, suspensions, s.from, calendar) {
                    Term::Suspended { days_left } => (Some(cap), days_left),
                    Term::Due(_) => (None, 0),
                }
            }
            None => (None, 0),
        };
        KeptTerm {
            due,
            paused_until,
            days_left,
        }
    }

    /// Where the term stands on `today`: what [`term`] says that day.
    pub fn on(&self, today: Date) -> Term {
        match self.paused_until {
            Some(until) if today < until => Term::Suspended {
                days_left: self.days_left,
            },
            _ => Term::Due(self.due),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_kept_term_says_on_every_day_what_the_term_says() {
        let calendar = HolidayCalendar::with_patron(Month::June, 24);
        let start = date!(2026 - 03 - 02);
        let at = |d: i64| start.checked_add(Duration::days(d)).unwrap_or(Date::MAX);
        let cases: Vec<Vec<Suspension>> = vec![
            vec![],
            vec![Suspension {
                kind: SuspensionKind::Integration,
                from: at(10),
                to: Some(at(18)),
            }],
            vec![Suspension {
                kind: SuspensionKind::Integration,
                from: at(10),
                to: None,
            }],
            vec![
                Suspension {
                    kind: SuspensionKind::Integration,
                    from: at(5),
                    to: Some(at(50)),
                },
                Suspension {
                    kind: SuspensionKind::Preavviso,
                    from: at(60),
                    to: None,
                },
            ],
            vec![Suspension {
                kind: SuspensionKind::Conformity,
                from: at(3),
                to: None,
            }],
        ];
        for suspensions in &cases {
            for days in [30u32, 60, 90] {
                let kept = KeptTerm::new(start, days, suspensions, &calendar);
                for d in 0..200 {
                    let today = at(d);
                    assert_eq!(
                        kept.on(today),
                        term(start, days, suspensions, today, &calendar),
                        "{suspensions:?}, {days} days, day {d}"
                    );
                }
            }
        }
    }

    #[test]
    fn easter() {
        for (year, expected) in [
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2028, date!(2028 - 04 - 16)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), Some(expected), "{year}");
        }
    }

    const LIVORNO: HolidayCalendar = HolidayCalendar {
        patron: Some((Month::May, 22)),
    };
    const FIRENZE: HolidayCalendar = HolidayCalendar {
        patron: Some((Month::June, 24)),
    };

    /// (name, registration date, term in days, suspensions, calendar, expected due date)
    type Case = (
        &'static str,
        Date,
        u32,
        Vec<Suspension>,
        HolidayCalendar,
        Date,
    );

    /// Worked cases, each checked by hand against a calendar (weekday in the comment).
    #[test]
    fn worked_cases() {
        let none = HolidayCalendar::default();
        let s = |kind, from, to| Suspension { kind, from, to };
        use SuspensionKind::{Integration as Int, Preavviso as Pre};
        let cases: Vec<Case> = vec![
            (
                "plain 30 days, Wed",
                date!(2026 - 01 - 05),
                30,
                vec![],
                none,
                date!(2026 - 02 - 04),
            ),
            (
                "ends on Easter Sunday, then Easter Monday",
                date!(2026 - 03 - 06),
                30,
                vec![],
                none,
                date!(2026 - 04 - 07),
            ),
            (
                "ends on 4 October 2026, a Sunday",
                date!(2026 - 09 - 04),
                30,
                vec![],
                none,
                date!(2026 - 10 - 05),
            ),
            (
                "4 October 2025 was not yet a holiday (Sat)",
                date!(2025 - 09 - 05),
                29,
                vec![],
                none,
                date!(2025 - 10 - 04),
            ),
            (
                "4 October 2027, a Monday holiday",
                date!(2027 - 09 - 04),
                30,
                vec![],
                none,
                date!(2027 - 10 - 05),
            ),
            (
                "Christmas, Santo Stefano, Sunday",
                date!(2026 - 11 - 25),
                30,
                vec![],
                none,
                date!(2026 - 12 - 28),
            ),
            (
                "New Year, then Saturday works",
                date!(2026 - 12 - 02),
                30,
                vec![],
                none,
                date!(2027 - 01 - 02),
            ),
            (
                "Epiphany",
                date!(2026 - 12 - 07),
                30,
                vec![],
                none,
                date!(2027 - 01 - 07),
            ),
            (
                "25 April on a Saturday, then Sunday",
                date!(2026 - 03 - 26),
                30,
                vec![],
                none,
                date!(2026 - 04 - 27),
            ),
            (
                "1 May, Friday",
                date!(2026 - 04 - 01),
                30,
                vec![],
                none,
                date!(2026 - 05 - 02),
            ),
            (
                "registered on a Sunday; 2 June",
                date!(2026 - 05 - 03),
                30,
                vec![],
                none,
                date!(2026 - 06 - 03),
            ),
            (
                "Ferragosto on a Saturday, then Sunday",
                date!(2026 - 07 - 16),
                30,
                vec![],
                none,
                date!(2026 - 08 - 17),
            ),
            (
                "Ognissanti on a Sunday",
                date!(2026 - 10 - 02),
                30,
                vec![],
                none,
                date!(2026 - 11 - 02),
            ),
            (
                "Immacolata, Tuesday",
                date!(2026 - 11 - 08),
                30,
                vec![],
                none,
                date!(2026 - 12 - 09),
            ),
            (
                "Livorno's patron, 22 May",
                date!(2026 - 04 - 22),
                30,
                vec![],
                LIVORNO,
                date!(2026 - 05 - 23),
            ),
            (
                "22 May is working in Firenze",
                date!(2026 - 04 - 22),
                30,
                vec![],
                FIRENZE,
                date!(2026 - 05 - 22),
            ),
            (
                "Firenze's patron, 24 June",
                date!(2026 - 05 - 25),
                30,
                vec![],
                FIRENZE,
                date!(2026 - 06 - 25),
            ),
            (
                "24 June is working in Livorno",
                date!(2026 - 05 - 25),
                30,
                vec![],
                LIVORNO,
                date!(2026 - 06 - 24),
            ),
            (
                "SCIA 60 days to 1 May",
                date!(2026 - 03 - 02),
                60,
                vec![],
                none,
                date!(2026 - 05 - 02),
            ),
            (
                "90 days",
                date!(2026 - 01 - 15),
                90,
                vec![],
                none,
                date!(2026 - 04 - 15),
            ),
            (
                "Easter Monday 2027",
                date!(2027 - 02 - 27),
                30,
                vec![],
                none,
                date!(2027 - 03 - 30),
            ),
            (
                "Easter Monday 2025",
                date!(2025 - 03 - 22),
                30,
                vec![],
                none,
                date!(2025 - 04 - 22),
            ),
            (
                "leap February 2028",
                date!(2028 - 02 - 01),
                30,
                vec![],
                none,
                date!(2028 - 03 - 02),
            ),
            (
                "45 days, silent consent for residence",
                date!(2026 - 06 - 01),
                45,
                vec![],
                none,
                date!(2026 - 07 - 16),
            ),
            (
                "registered on Easter Sunday",
                date!(2026 - 04 - 05),
                30,
                vec![],
                none,
                date!(2026 - 05 - 05),
            ),
            (
                "SCIA building 30 days to Santo Stefano",
                date!(2026 - 11 - 26),
                30,
                vec![],
                none,
                date!(2026 - 12 - 28),
            ),
            (
                "one day to New Year",
                date!(2026 - 12 - 31),
                1,
                vec![],
                none,
                date!(2027 - 01 - 02),
            ),
            (
                "integration answered after 10 days",
                date!(2026 - 01 - 05),
                30,
                vec![s(Int, date!(2026 - 01 - 15), Some(date!(2026 - 01 - 25)))],
                none,
                date!(2026 - 02 - 14),
            ),
            (
                "integration answered after 45 days counts 30",
                date!(2026 - 01 - 05),
                30,
                vec![s(Int, date!(2026 - 01 - 15), Some(date!(2026 - 03 - 01)))],
                none,
                date!(2026 - 03 - 06),
            ),
            (
                "preavviso answered after 5 days",
                date!(2026 - 01 - 05),
                30,
                vec![s(Pre, date!(2026 - 01 - 20), Some(date!(2026 - 01 - 25)))],
                none,
                date!(2026 - 02 - 09),
            ),
            (
                "preavviso never answered: 10 days",
                date!(2026 - 01 - 05),
                30,
                vec![s(Pre, date!(2026 - 01 - 20), None)],
                none,
                date!(2026 - 02 - 14),
            ),
            (
                "integration then preavviso",
                date!(2026 - 01 - 05),
                30,
                vec![
                    s(Int, date!(2026 - 01 - 10), Some(date!(2026 - 01 - 20))),
                    s(Pre, date!(2026 - 01 - 25), Some(date!(2026 - 01 - 28))),
                ],
                none,
                date!(2026 - 02 - 17),
            ),
        ];
        assert!(cases.len() >= 30);
        let today = date!(2026 - 11 - 24);
        for (name, start, days, suspensions, calendar, expected) in cases {
            assert_eq!(
                term(start, days, &suspensions, today, &calendar),
                Term::Due(expected),
                "{name}"
            );
            assert!(
                calendar.is_working_day(expected),
                "{name}: due on a working day"
            );
        }
    }

    #[test]
    fn terms_beyond_the_calendar_end_on_its_last_day() {
        let cal = HolidayCalendar::default();
        let far = term(
            date!(2026 - 01 - 10),
            u32::MAX,
            &[],
            date!(2026 - 01 - 10),
            &cal,
        );
        assert!(matches!(far, Term::Due(d) if d.year() >= 9999));
    }

    #[test]
    fn an_open_suspension_keeps_the_days_left() {
        let open = [Suspension {
            kind: SuspensionKind::Integration,
            from: date!(2026 - 01 - 15),
            to: None,
        }];
        let t = term(
            date!(2026 - 01 - 05),
            30,
            &open,
            date!(2026 - 01 - 20),
            &HolidayCalendar::default(),
        );
        assert_eq!(t, Term::Suspended { days_left: 20 });
        // After 30 days the suspension ends by law even without an answer.
        let t = term(
            date!(2026 - 01 - 05),
            30,
            &open,
            date!(2026 - 02 - 20),
            &HolidayCalendar::default(),
        );
        assert_eq!(t, Term::Due(date!(2026 - 03 - 06)));
    }

    proptest::proptest! {
        #[test]
        fn due_dates_are_working_days_after_the_start(offset in 0i64..3650, days in 1u32..180, patron in proptest::option::of((1u8..=12, 1u8..=28))) {
            let start = date!(2024 - 01 - 01) + Duration::days(offset);
            let calendar = HolidayCalendar { patron: patron.and_then(|(m, d)| Month::try_from(m).ok().map(|m| (m, d))) };
            let Term::Due(due) = term(start, days, &[], start, &calendar) else { panic!("no suspension") };
            proptest::prop_assert!(calendar.is_working_day(due));
            proptest::prop_assert!(due >= start + Duration::days(i64::from(days)));
            // Never more than a few days of holidays in a row.
            proptest::prop_assert!(due <= start + Duration::days(i64::from(days) + 4));
        }

        #[test]
        fn a_suspension_never_shortens_a_term(offset in 0i64..365, days in 1u32..90, from in 0i64..60, length in 0i64..60) {
            let start = date!(2026 - 01 - 01) + Duration::days(offset);
            let cal = HolidayCalendar::default();
            let s = [Suspension { kind: SuspensionKind::Integration, from: start + Duration::days(from), to: Some(start + Duration::days(from + length)) }];
            let (Term::Due(plain), Term::Due(suspended)) = (term(start, days, &[], start, &cal), term(start, days, &s, start, &cal)) else { panic!() };
            proptest::prop_assert!(suspended >= plain);
            proptest::prop_assert!(suspended <= plain + Duration::days(34));
        }
    }
}
