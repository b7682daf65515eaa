use super::*;
use time::macros::{date, datetime, time};

fn rules(hours: &str) -> Rules {
    Rules::check(&RulesInput {
        hours,
        slot_minutes: "30",
        capacity: "2",
        horizon_days: "30",
        cancel_hours: "24",
        closures: "2026-12-24",
        moderated: false,
        open_on_holidays: false,
    })
    .unwrap()
}

#[test]
fn opening_hours_are_read_and_written_back() {
    let text = "lun 09:00-12:30\nmer 15:00-17:00 dal 2026-06-01 al 2026-09-15\n";
    let hours = parse_hours(text).unwrap();
    assert_eq!(hours.len(), 2);
    assert_eq!(hours[0].weekday, Weekday::Monday);
    assert_eq!(
        hours[1].period,
        Some((date!(2026 - 06 - 01), date!(2026 - 09 - 15)))
    );
    assert_eq!(hours_text(&hours), text);
    // Every wrong line named, by its number.
    let errors = parse_hours("lun 9-12\nfoo 09:00-10:00\n\nmar 12:00-09:00\nven 09:00-10:00 dal x")
        .unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![1, 2, 4, 5]
    );
}

#[test]
fn rules_out_of_bounds_are_each_named() {
    let errors = Rules::check(&RulesInput {
        hours: "",
        slot_minutes: "0",
        capacity: "501",
        horizon_days: "x",
        cancel_hours: "169",
        closures: "2026-13-01",
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(errors.len(), 6, "{errors:?}");
}

#[test]
fn a_day_has_its_slots_and_holidays_and_closures_have_none() {
    let r = rules("lun 09:00-10:30\nlun 15:00-16:00\ngio 09:00-09:45");
    let cal = HolidayCalendar::with_patron(time::Month::May, 22);
    let monday = date!(2026 - 12 - 07);
    let slots = r.slots_on(monday, &cal);
    assert_eq!(
        slots.iter().map(|s| s.local.time()).collect::<Vec<_>>(),
        vec![
            time!(09:00),
            time!(09:30),
            time!(10:00),
            time!(15:00),
            time!(15:30)
        ]
    );
    assert_eq!(slots[0].start, datetime!(2026-12-07 08:00 UTC));
    assert_eq!(slots[0].end, datetime!(2026-12-07 08:30 UTC));
    // A slot that would run past closing is not offered: 09:00–09:30 only on Thursday.
    assert_eq!(r.slots_on(date!(2026 - 12 - 10), &cal).len(), 1);
    // 8 December (Immacolata), Christmas Eve (a closure), 25 December: none.
    assert!(r.slots_on(date!(2026 - 12 - 08), &cal).is_empty());
    let r2 = rules("gio 09:00-10:00");
    assert!(r2.slots_on(date!(2026 - 12 - 24), &cal).is_empty());
    // Livorno's patron, 22 May 2028, a Monday.
    assert!(r.slots_on(date!(2028 - 05 - 22), &cal).is_empty());
    assert_eq!(r.slots_on(date!(2028 - 05 - 29), &cal).len(), 5);
    // A museum open on holidays.
    let mut museum = rules("mar 10:00-11:00");
    museum.open_on_holidays = true;
    assert_eq!(museum.slots_on(date!(2026 - 12 - 08), &cal).len(), 2);
}

#[test]
fn slots_follow_summer_time() {
    let r = rules("lun 09:00-10:00");
    let cal = HolidayCalendar::default();
    // 9:00 in Rome is 07:00 UTC in summer, 08:00 in winter.
    assert_eq!(
        r.slots_on(date!(2026 - 07 - 06), &cal)[0].start,
        datetime!(2026-07-06 07:00 UTC)
    );
    assert_eq!(
        r.slots_on(date!(2026 - 12 - 07), &cal)[0].start,
        datetime!(2026-12-07 08:00 UTC)
    );
}

#[test]
fn the_skipped_hour_has_no_slot_and_the_doubled_hour_is_not_doubled() {
    // A place open through the night on Sundays (a museum's night opening).
    let mut r = rules("dom 01:00-04:00");
    r.open_on_holidays = true;
    let cal = HolidayCalendar::default();
    // 29 March 2026: 02:00 and 02:30 do not exist.
    let march = r.slots_on(date!(2026 - 03 - 29), &cal);
    assert_eq!(
        march.iter().map(|s| s.local.time()).collect::<Vec<_>>(),
        vec![time!(01:00), time!(01:30), time!(03:00), time!(03:30)]
    );
    assert_eq!(march[1].end, datetime!(2026-03-29 01:00 UTC));
    assert_eq!(march[2].start, datetime!(2026-03-29 01:00 UTC));
    // 25 October 2026: 02:00 and 02:30 once each, at their summer instants.
    let october = r.slots_on(date!(2026 - 10 - 25), &cal);
    assert_eq!(
        october.iter().map(|s| s.local.time()).collect::<Vec<_>>(),
        vec![
            time!(01:00),
            time!(01:30),
            time!(02:00),
            time!(02:30),
            time!(03:00),
            time!(03:30)
        ]
    );
    assert_eq!(october[3].start, datetime!(2026-10-25 00:30 UTC));
    assert_eq!(october[4].start, datetime!(2026-10-25 02:00 UTC));
    // Every slot is found again by its instant.
    for s in october.iter().chain(&march) {
        assert_eq!(r.slot_at(s.start, &cal), Some(*s));
    }
}

#[test]
fn the_horizon_and_the_cancel_limit() {
    let r = rules("lun 09:00-10:00");
    let cal = HolidayCalendar::default();
    let now = datetime!(2026-12-06 12:00 UTC);
    let slot = r.slots_on(date!(2026 - 12 - 07), &cal)[0];
    assert!(r.bookable(&slot, now));
    assert!(!r.bookable(&slot, slot.start));
    let far = r.slots_on(date!(2027 - 01 - 11), &cal)[0];
    assert!(!r.bookable(&far, now));
    // 24 hours before: the day before at 09:00 is the last moment.
    assert!(r.may_cancel(slot.start, slot.start - Duration::hours(24)));
    assert!(!r.may_cancel(slot.start, slot.start - Duration::hours(23)));
}

#[test]
fn an_invitation_is_rfc_5545() {
    let e = IcsEvent {
        method: IcsMethod::Request,
        uid: "booking-42@sportello",
        sequence: 1,
        stamp: datetime!(2026-12-06 10:00 UTC),
        start: datetime!(2026-12-07 08:00 UTC),
        end: datetime!(2026-12-07 08:30 UTC),
        summary: "Appuntamento: Ufficio anagrafe, Comune di Livorno",
        location: "Piazza del Municipio 1, Livorno; piano terra",
        description: "Porta un documento d'identità.\nCodice: ABC; grazie, a presto — àèìòù àèìòù àèìòù àèìòù",
        organizer: "noreply@comune.example",
        attendee: "mario.rossi@example.org",
        tentative: false,
    };
    let s = ics(&e);
    assert!(s.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(s.ends_with("END:VCALENDAR\r\n"));
    assert!(s.contains("DTSTART:20261207T080000Z\r\n"));
    assert!(s.contains("METHOD:REQUEST\r\n"));
    assert!(s.contains("STATUS:CONFIRMED\r\n"));
    assert!(s.contains("LOCATION:Piazza del Municipio 1\\, Livorno\\; piano terra\r\n"));
    // No bare LF; no line over 75 octets; a folded line goes on with a space.
    assert!(!s.replace("\r\n", "").contains('\n'));
    for line in s.split("\r\n") {
        assert!(line.len() <= 75, "{line}");
    }
    let unfolded = s.replace("\r\n ", "");
    assert!(unfolded.contains(
        "DESCRIPTION:Porta un documento d'identità.\\nCodice: ABC\\; grazie\\, a presto"
    ));
    let cancel = ics(&IcsEvent {
        method: IcsMethod::Cancel,
        sequence: 2,
        ..e
    });
    assert!(cancel.contains("METHOD:CANCEL\r\n") && cancel.contains("STATUS:CANCELLED\r\n"));
}

#[test]
fn states_that_take_a_place() {
    for s in BookingState::ALL {
        assert_eq!(BookingState::from_code(s.code()), Some(s));
    }
    assert!(BookingState::Held.takes_place());
    assert!(!BookingState::Cancelled.takes_place());
    assert!(!BookingState::Expired.takes_place());
    assert!(BookingState::Requested.is_live());
    assert!(!BookingState::Attended.is_live());
}
