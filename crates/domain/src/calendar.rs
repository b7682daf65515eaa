//! Italian civil time without a time-zone database: Europe/Rome is UTC+1, and UTC+2 from the
//! last Sunday of March at 01:00 UTC to the last Sunday of October at 01:00 UTC (EU rule,
//! Directive 2000/84/EC). Registration years and dates are Italian dates.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The offset of Europe/Rome at a UTC instant.
pub fn rome_offset(instant: OffsetDateTime) -> UtcOffset {
    let utc = instant.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let at_one = |d: Option<Date>| {
        d.map(|d| {
            PrimitiveDateTime::new(d, Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT))
                .assume_utc()
        })
    };
    let summer = match (
        at_one(last_sunday(year, Month::March)),
        at_one(last_sunday(year, Month::October)),
    ) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The instant in Italian civil time.
pub fn in_rome(instant: OffsetDateTime) -> OffsetDateTime {
    instant.to_offset(rome_offset(instant))
}

/// The instant of an Italian wall-clock time. In the hour that repeats when summer time ends the
/// earlier (summer) instant is taken; a time skipped when it begins is read as winter time.
pub fn from_rome(local: PrimitiveDateTime) -> OffsetDateTime {
    let summer = UtcOffset::from_hms(2, 0, 0).unwrap_or(UtcOffset::UTC);
    let winter = UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC);
    let as_summer = local.assume_offset(summer);
    if rome_offset(as_summer) == summer {
        as_summer
    } else {
        local.assume_offset(winter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn italian_wall_clock_times_become_instants() {
        assert_eq!(
            from_rome(datetime!(2026-12-01 09:00)),
            datetime!(2026-12-01 08:00 UTC)
        );
        assert_eq!(
            from_rome(datetime!(2026-07-01 09:00)),
            datetime!(2026-07-01 07:00 UTC)
        );
        // 25 October 2026, 02:30 happens twice: the first (summer) one.
        assert_eq!(
            from_rome(datetime!(2026-10-25 02:30)),
            datetime!(2026-10-25 00:30 UTC)
        );
        for t in [datetime!(2026-03-29 03:30), datetime!(2026-06-15 12:00)] {
            assert_eq!(in_rome(from_rome(t)).time(), t.time());
        }
    }

    #[test]
    fn summer_and_winter_time() {
        assert_eq!(
            rome_offset(datetime!(2026-01-15 12:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            rome_offset(datetime!(2026-07-15 12:00 UTC)).whole_hours(),
            2
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            rome_offset(datetime!(2026-03-29 00:59 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            rome_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            rome_offset(datetime!(2026-10-25 00:59 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            rome_offset(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            1
        );
        // New Year in Italy comes an hour before it does in UTC.
        assert_eq!(in_rome(datetime!(2026-12-31 23:30 UTC)).year(), 2027);
    }
}
