//! A concluded case's time, counted as the legal-term engine counts it, and the monthly counts
//! a dashboard reads: never the cases themselves.
//!
//! - The days from filing to decision are calendar days, the first not counted, less the days
//!   the term stood still by law (art. 2 c.7: one integration request, at most 30 days;
//!   art. 10-bis: the preavviso di rigetto, at most 10 days; art. 19 c.3 for a SCIA).
//! - A case is decided within its term when an express decision came on or before the due date
//!   the engine computes (holidays of the ente's calendar included). A silent consent is the
//!   law's answer to no decision: it counts as concluded, never as decided within the term.

use time::{Date, Month};

use crate::catalogue::{Regime, ServiceDefinition};
use crate::procedure::deadlines::{term, HolidayCalendar, Suspension, Term};

/// How an application reached the office: the filing channel the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The applicant (a person, or a company's representative) online.
    Online,
    /// At a Punto di accesso assistito (PAAS), with an operator and a delegation.
    Assisted,
    /// By an intermediary (a professional with a mandate).
    Intermediary,
}

impl Channel {
    /// The channel of an application's filing mode (`applications.mode`).
    pub fn of_mode(mode: &str) -> Channel {
        match mode {
            "assisted" => Channel::Assisted,
            "professional" => Channel::Intermediary,
            _ => Channel::Online,
        }
    }
}

/// What a concluded case adds to its month's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseTime {
    /// Days from filing to decision, less the suspensions the law allows.
    pub days: i64,
    /// An express decision on or before the due date.
    pub within_term: bool,
    /// Concluded by silent consent (art. 20).
    pub silent: bool,
}

/// The longest time kept as itself; longer ones are counted as this many days (two years: no
/// lawful term with its suspensions comes near it).
pub const DAYS_CAP: i64 = 730;

/// The time of a case filed on `filed` and concluded on `concluded`, under `regime`, with the
/// suspensions its events record; one still open at the conclusion ends there.
pub fn case_time(
    filed: Date,
    concluded: Date,
    regime: Regime,
    suspensions: &[Suspension],
    calendar: &HolidayCalendar,
    silent: bool,
) -> CaseTime {
    let closed: Vec<Suspension> = suspensions
        .iter()
        .map(|s| Suspension {
            to: Some(s.to.unwrap_or(concluded).min(concluded)),
            ..*s
        })
        .collect();
    let elapsed = (concluded - filed).whole_days().max(0);
    let stood_still: i64 = closed
        .iter()
        .map(|s| {
            let cap = s
                .from
                .checked_add(time::Duration::days(s.kind.max_days()))
                .unwrap_or(Date::MAX);
            let to = s.to.unwrap_or(concluded).min(cap);
            (to - s.from).whole_days().max(0)
        })
        .fold(0i64, i64::saturating_add);
    let days = elapsed.saturating_sub(stood_still).clamp(0, DAYS_CAP);
    let within_term = !silent
        && match regime.term_days() {
            None => true,
            Some(term_days) => match term(filed, term_days, &closed, concluded, calendar) {
                Term::Due(due) => concluded <= due,
                Term::Suspended { .. } => true,
            },
        };
    CaseTime {
        days,
        within_term,
        silent,
    }
}

/// A month as the store keys it: 202611 for November 2026.
pub fn month_key(date: Date) -> i64 {
    i64::from(date.year()) * 100 + i64::from(u8::from(date.month()))
}

/// The first day of the month a key names, if it names one.
pub fn month_of_key(key: i64) -> Option<Date> {
    let year = i32::try_from(key / 100).ok()?;
    let month = Month::try_from(u8::try_from(key % 100).ok()?).ok()?;
    Date::from_calendar_date(year, month, 1).ok()
}

/// The month after `key`'s.
pub fn next_month(key: i64) -> Option<i64> {
    let first = month_of_key(key)?;
    let next = match first.month() {
        Month::December => {
            Date::from_calendar_date(first.year().checked_add(1)?, Month::January, 1)
        }
        m => Date::from_calendar_date(first.year(), m.next(), 1),
    }
    .ok()?;
    Some(month_key(next))
}

/// One service's counts over some months: what the dashboard shows of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthCounts {
    pub filed_online: i64,
    pub filed_assisted: i64,
    pub filed_intermediary: i64,
    pub decided: i64,
    pub within_term: i64,
    pub silent: i64,
    pub withdrawn: i64,
}

impl MonthCounts {
    pub fn filed(&self) -> Option<i64> {
        self.filed_online
            .checked_add(self.filed_assisted)?
            .checked_add(self.filed_intermediary)
    }

    /// Cases concluded: decided (including silent consents) or withdrawn.
    pub fn concluded(&self) -> Option<i64> {
        self.decided.checked_add(self.withdrawn)
    }

    /// The sum of two months' counts; `None` if a count would overflow.
    pub fn checked_add(&self, o: &MonthCounts) -> Option<MonthCounts> {
        Some(MonthCounts {
            filed_online: self.filed_online.checked_add(o.filed_online)?,
            filed_assisted: self.filed_assisted.checked_add(o.filed_assisted)?,
            filed_intermediary: self.filed_intermediary.checked_add(o.filed_intermediary)?,
            decided: self.decided.checked_add(o.decided)?,
            within_term: self.within_term.checked_add(o.within_term)?,
            silent: self.silent.checked_add(o.silent)?,
            withdrawn: self.withdrawn.checked_add(o.withdrawn)?,
        })
    }

    /// The share of express decisions within the term, in tenths of a percent (0–1000,
    /// rounded half up), if the office decided any case: silent consents are counted apart.
    pub fn within_term_permille(&self) -> Option<i64> {
        let express = self.decided.checked_sub(self.silent)?;
        if express <= 0 {
            return None;
        }
        let within = self.within_term.clamp(0, express);
        within
            .checked_mul(1000)?
            .checked_add(express / 2)
            .map(|n| n / express)
    }
}

/// The median of a histogram of (days, count): the middle value, or the mean of the two middle
/// values rounded half up. `None` when empty or a count is negative or too large.
pub fn median(histogram: &[(i64, i64)]) -> Option<i64> {
    let total = histogram.iter().try_fold(
        0i64,
        |a, (_, n)| if *n < 0 { None } else { a.checked_add(*n) },
    )?;
    if total == 0 {
        return None;
    }
    let lower = quantile(histogram, 1, 2)?;
    if total % 2 == 1 {
        return Some(lower);
    }
    // The value at rank total/2 + 1.
    let mut sorted: Vec<(i64, i64)> = histogram.to_vec();
    sorted.sort_unstable();
    let target = total / 2 + 1;
    let mut seen = 0i64;
    let upper = sorted.iter().find_map(|(d, n)| {
        seen = seen.saturating_add(*n);
        (seen >= target).then_some(*d)
    })?;
    lower.checked_add(upper).map(|s| (s + 1).div_euclid(2))
}

/// The `q_num/q_den` quantile (nearest rank) of a histogram of (days, count), in any order:
/// the least number of days that at least that share of the cases took. `None` when the
/// histogram is empty or a count is negative or too large to add.
pub fn quantile(histogram: &[(i64, i64)], q_num: i64, q_den: i64) -> Option<i64> {
    if q_den <= 0 || q_num <= 0 || q_num > q_den {
        return None;
    }
    let mut sorted: Vec<(i64, i64)> = histogram.to_vec();
    sorted.sort_unstable();
    let mut total = 0i64;
    for (_, n) in &sorted {
        if *n < 0 {
            return None;
        }
        total = total.checked_add(*n)?;
    }
    if total == 0 {
        return None;
    }
    // rank = ceil(q × total), in integers.
    let rank = total
        .checked_mul(q_num)?
        .checked_add(q_den - 1)?
        .checked_div(q_den)?
        .max(1);
    let mut seen = 0i64;
    for (days, n) in sorted {
        seen = seen.checked_add(n)?;
        if seen >= rank {
            return Some(days);
        }
    }
    None
}

/// A service's level on the plans' ladder of online services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Maturity {
    /// 1: information only — nothing to fill in online.
    Information = 1,
    /// 2: a form to download and hand in.
    DownloadableForm = 2,
    /// 3: sent online, but a step remains at the counter (its fees).
    Upload = 3,
    /// 4: entirely online — filed, registered, paid, followed and decided online.
    FullyOnline = 4,
    /// 5: proactive — the administration starts it for whoever is entitled.
    Proactive = 5,
}

impl Maturity {
    pub fn level(self) -> u8 {
        self as u8
    }
}

/// Where `service` stands as the ente offers it in Sportello: derived from what it really does,
/// never declared. A service with nothing to fill in is information; one with fees where the
/// ente does not take pagoPA payments is sent online and paid at the counter; otherwise it is
/// entirely online. No service is started by the administration on its own yet, so none is
/// proactive.
pub fn maturity(service: &ServiceDefinition, fees: bool, ente_takes_payments: bool) -> Maturity {
    use crate::catalogue::Access;
    match service.access {
        // Paid online from the debt file, or only read about.
        Access::Payment if ente_takes_payments => return Maturity::FullyOnline,
        Access::Payment | Access::Office => return Maturity::Information,
        Access::Online => {}
    }
    if service.form.fields().next().is_none() {
        Maturity::Information
    } else if fees && !ente_takes_payments {
        Maturity::Upload
    } else {
        Maturity::FullyOnline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::deadlines::SuspensionKind;
    use time::macros::date;

    const CAL: HolidayCalendar = HolidayCalendar { patron: None };

    #[test]
    fn a_case_decided_in_time_counts_its_days() {
        let t = case_time(
            date!(2026 - 03 - 02),
            date!(2026 - 03 - 25),
            Regime::Ordinary { term_days: 30 },
            &[],
            &CAL,
            false,
        );
        assert_eq!(
            t,
            CaseTime {
                days: 23,
                within_term: true,
                silent: false
            }
        );
    }

    #[test]
    fn suspensions_are_set_aside_up_to_the_law_s_cap() {
        // Integration requested on 10 March, answered 60 days later: only 30 stand still.
        let s = [Suspension {
            kind: SuspensionKind::Integration,
            from: date!(2026 - 03 - 10),
            to: Some(date!(2026 - 05 - 09)),
        }];
        let t = case_time(
            date!(2026 - 03 - 02),
            date!(2026 - 05 - 20),
            Regime::Ordinary { term_days: 30 },
            &s,
            &CAL,
            false,
        );
        // 79 days elapsed, 30 of them suspended.
        assert_eq!(t.days, 49);
        // Due 30 + 30 days after 2 March: 1 May, a holiday, so Saturday 2 May.
        assert!(!t.within_term);
        let in_time = case_time(
            date!(2026 - 03 - 02),
            date!(2026 - 04 - 30),
            Regime::Ordinary { term_days: 30 },
            &s,
            &CAL,
            false,
        );
        assert!(in_time.within_term);
        // 59 days elapsed, 30 of them (the cap) suspended.
        assert_eq!(in_time.days, 29);
    }

    #[test]
    fn a_term_ending_on_a_holiday_moves_and_so_does_in_time() {
        // 30 days from 2 November 2026 end on 2 December, a Wednesday: on time that day.
        let on_time = case_time(
            date!(2026 - 11 - 02),
            date!(2026 - 12 - 02),
            Regime::Ordinary { term_days: 30 },
            &[],
            &CAL,
            false,
        );
        assert!(on_time.within_term);
        // 30 days from 6 November end on Sunday 6 December: due Monday the 7th, so a decision
        // that day is on time and one on Wednesday the 9th late.
        let monday = case_time(
            date!(2026 - 11 - 06),
            date!(2026 - 12 - 07),
            Regime::Ordinary { term_days: 30 },
            &[],
            &CAL,
            false,
        );
        assert!(monday.within_term);
        let late = case_time(
            date!(2026 - 11 - 06),
            date!(2026 - 12 - 09),
            Regime::Ordinary { term_days: 30 },
            &[],
            &CAL,
            false,
        );
        assert!(!late.within_term);
    }

    #[test]
    fn silent_consent_is_never_within_the_term() {
        let t = case_time(
            date!(2026 - 03 - 02),
            date!(2026 - 04 - 02),
            Regime::SilentConsent { term_days: 30 },
            &[],
            &CAL,
            true,
        );
        assert!(!t.within_term);
        assert!(t.silent);
        assert_eq!(t.days, 31);
    }

    #[test]
    fn an_open_suspension_ends_at_the_conclusion() {
        let s = [Suspension {
            kind: SuspensionKind::Preavviso,
            from: date!(2026 - 03 - 20),
            to: None,
        }];
        let t = case_time(
            date!(2026 - 03 - 02),
            date!(2026 - 03 - 25),
            Regime::Ordinary { term_days: 30 },
            &s,
            &CAL,
            false,
        );
        assert_eq!(t.days, 23 - 5);
        assert!(t.within_term);
    }

    #[test]
    fn medians_average_the_two_middle_values() {
        assert_eq!(median(&[(8, 1), (46, 1)]), Some(27));
        assert_eq!(
            median(&[(11, 1), (16, 1)]),
            Some(14),
            "13.5 rounded half up"
        );
        assert_eq!(median(&[(3, 2), (7, 1)]), Some(3));
        assert_eq!(median(&[(3, 2), (7, 2)]), Some(5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(1, -1)]), None);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let h = [(10, 1), (3, 2), (7, 1)];
        assert_eq!(quantile(&h, 1, 2), Some(3));
        assert_eq!(quantile(&h, 9, 10), Some(10));
        assert_eq!(quantile(&h, 3, 4), Some(7));
        assert_eq!(quantile(&[], 1, 2), None);
        assert_eq!(quantile(&[(1, -1)], 1, 2), None);
        assert_eq!(quantile(&[(1, i64::MAX), (2, 1)], 1, 2), None);
        assert_eq!(quantile(&[(5, 0)], 1, 2), None);
    }

    #[test]
    fn months_and_shares() {
        assert_eq!(month_key(date!(2026 - 11 - 30)), 202_611);
        assert_eq!(month_of_key(202_612), Some(date!(2026 - 12 - 01)));
        assert_eq!(month_of_key(202_613), None);
        assert_eq!(next_month(202_612), Some(202_701));
        let m = MonthCounts {
            decided: 3,
            within_term: 2,
            ..MonthCounts::default()
        };
        assert_eq!(m.within_term_permille(), Some(667), "rounded half up");
        let with_silent = MonthCounts {
            decided: 3,
            within_term: 1,
            silent: 1,
            ..MonthCounts::default()
        };
        assert_eq!(
            with_silent.within_term_permille(),
            Some(500),
            "silent consents apart"
        );
        let only_silent = MonthCounts {
            decided: 1,
            silent: 1,
            ..MonthCounts::default()
        };
        assert_eq!(only_silent.within_term_permille(), None);
        assert_eq!(MonthCounts::default().within_term_permille(), None);
        let big = MonthCounts {
            decided: i64::MAX,
            ..MonthCounts::default()
        };
        assert_eq!(big.checked_add(&big), None);
        assert_eq!(Channel::of_mode("professional"), Channel::Intermediary);
        assert_eq!(Channel::of_mode("business"), Channel::Online);
    }
}
