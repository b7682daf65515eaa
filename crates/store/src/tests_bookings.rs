//! Bookings' storage rules, on SQLite and (with `SPORTELLO_TEST_POSTGRES`) PostgreSQL: people
//! racing for the places of a slot never take more than its capacity — one gets the last place,
//! the other is told at once —, whatever the calendar and however bookings are cancelled,
//! moved, sent and left to expire meanwhile (a property test over random calendars); the count
//! of places taken always equals the bookings that take one; a resident's second draft gives up
//! the first; one ente never reads another's bookings.

use proptest::prelude::*;
use sportello_domain::tenancy::EnteId;

use crate::tests_reports::two_enti;

use crate::testing::TestDatabase;
use crate::*;

async fn calendar(store: &Store, ente: EnteId, code: &str, capacity: i64) -> i64 {
    let t = store.tenant(ente);
    t.save_booking_calendar(
        &CalendarSave {
            code,
            name: "Anagrafe",
            kind: "ufficio",
            office_code: None,
            address: "Piazza del Municipio 1",
            about: "",
            service_slug: None,
            hours: "lun 09:00-12:00",
            slot_minutes: 30,
            capacity,
            moderated: false,
            horizon_days: 30,
            cancel_hours: 0,
            open_on_holidays: false,
            closures: "",
            active: true,
            by: "test",
        },
        1,
    )
    .await
    .unwrap();
    t.booking_calendar(code).await.unwrap().unwrap().id
}

fn claim(calendar_id: i64, start_ms: i64, capacity: i64) -> SlotClaim {
    SlotClaim {
        calendar_id,
        start_ms,
        end_ms: start_ms + 1_800_000,
        capacity,
    }
}

async fn hold(
    store: &Store,
    ente: EnteId,
    slot: SlotClaim,
    who: &str,
    until: i64,
    now: i64,
) -> Taken {
    store
        .tenant(ente)
        .booking_hold(
            slot,
            &Holder {
                fiscal_code: who,
                name: who,
                email: "a@example.org",
                service_slug: None,
                token_digest: &format!("{who}-{}-{now}-{}", slot.start_ms, uuid::Uuid::new_v4()),
            },
            until,
            now,
        )
        .await
        .unwrap()
}

/// The slot's count equals the bookings that take a place, and is within the capacity.
async fn consistent(store: &Store, calendar_id: i64, start_ms: i64, capacity: i64) -> i64 {
    let r = store.region_wide();
    let taken = r.booking_slot_taken(calendar_id, start_ms).await.unwrap();
    let counted = r.booking_slot_count(calendar_id, start_ms).await.unwrap();
    assert_eq!(taken, counted, "the slot's count and its bookings");
    assert!(taken <= capacity, "{taken} places taken of {capacity}");
    taken
}

#[tokio::test]
async fn the_last_place_goes_to_one_and_the_other_is_told_at_once() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, pisa) = two_enti(&store).await;
    let cal = calendar(&store, livorno, "anagrafe", 1).await;
    let slot = claim(cal, 1_000_000, 1);
    let (a, b) = tokio::join!(
        hold(&store, livorno, slot, "AAA", 10_000, 1_000),
        hold(&store, livorno, slot, "BBB", 10_000, 1_000)
    );
    let won = [a, b]
        .iter()
        .filter(|t| matches!(t, Taken::Booked(_)))
        .count();
    assert_eq!(won, 1, "{a:?} {b:?}");
    assert!([a, b].contains(&Taken::Full));
    assert_eq!(consistent(&store, cal, 1_000_000, 1).await, 1);

    // The draft runs out: the place is free again for the next one (and the expired draft no
    // longer counts).
    let c = hold(&store, livorno, slot, "CCC", 30_000, 20_000).await;
    assert!(matches!(c, Taken::Booked(_)));
    assert_eq!(consistent(&store, cal, 1_000_000, 1).await, 1);

    // A resident's second draft gives up the first.
    let cal2 = calendar(&store, livorno, "biblioteca", 2).await;
    let first = hold(
        &store,
        livorno,
        claim(cal2, 5_000_000, 2),
        "DDD",
        90_000,
        20_000,
    )
    .await;
    let second = hold(
        &store,
        livorno,
        claim(cal2, 7_000_000, 2),
        "DDD",
        90_000,
        20_000,
    )
    .await;
    assert!(matches!(first, Taken::Booked(_)) && matches!(second, Taken::Booked(_)));
    assert_eq!(consistent(&store, cal2, 5_000_000, 2).await, 0);
    assert_eq!(consistent(&store, cal2, 7_000_000, 2).await, 1);

    // A resident with an appointment in a slot cannot take a second place in it (the place
    // asked for is not kept).
    let cal3 = calendar(&store, livorno, "sala", 3).await;
    let Taken::Booked(mine) = hold(
        &store,
        livorno,
        claim(cal3, 5_000_000, 3),
        "GGG",
        90_000,
        20_000,
    )
    .await
    else {
        unreachable!()
    };
    assert!(store
        .tenant(livorno)
        .booking_send(mine, "confermata", "tok-g", 20_000, None)
        .await
        .unwrap());
    assert_eq!(
        hold(
            &store,
            livorno,
            claim(cal3, 5_000_000, 3),
            "GGG",
            90_000,
            20_500
        )
        .await,
        Taken::Already
    );
    assert_eq!(consistent(&store, cal3, 5_000_000, 3).await, 1);

    // Sent, then moved to a full slot: refused, nothing changes; to a free one: moved.
    let Taken::Booked(id) = second else {
        unreachable!()
    };
    let t = store.tenant(livorno);
    assert!(t
        .booking_send(id, "confermata", "tok-send", 21_000, None)
        .await
        .unwrap());
    for who in ["EEE", "FFF"] {
        assert!(matches!(
            hold(
                &store,
                livorno,
                claim(cal2, 9_000_000, 2),
                who,
                90_000,
                21_000
            )
            .await,
            Taken::Booked(_)
        ));
    }
    assert_eq!(
        t.booking_reschedule(id, 7_000_000, claim(cal2, 9_000_000, 2), 22_000, None)
            .await
            .unwrap(),
        Taken::Full
    );
    assert_eq!(consistent(&store, cal2, 7_000_000, 2).await, 1);
    assert_eq!(
        t.booking_reschedule(id, 7_000_000, claim(cal2, 5_000_000, 2), 22_000, None)
            .await
            .unwrap(),
        Taken::Booked(id)
    );
    assert_eq!(consistent(&store, cal2, 7_000_000, 2).await, 0);
    assert_eq!(consistent(&store, cal2, 5_000_000, 2).await, 1);
    // Cancelled: the place comes back; cancelled twice: the second does nothing.
    for expect in [true, false] {
        let moved = t
            .booking_move(&BookingMove {
                id,
                from: &["richiesta", "confermata"],
                to: "annullata",
                now_ms: 23_000,
                mail: None,
            })
            .await
            .unwrap();
        assert_eq!(moved, expect);
    }
    assert_eq!(consistent(&store, cal2, 5_000_000, 2).await, 0);

    // Another ente reads none of it.
    let other = store.tenant(pisa);
    assert!(other.booking(id).await.unwrap().is_none());
    assert!(other.booking_calendar("anagrafe").await.unwrap().is_none());
    assert!(other
        .booking_day(None, 0, i64::MAX)
        .await
        .unwrap()
        .is_empty());
}

/// What one person does in a round of the property test.
#[derive(Debug, Clone, Copy)]
enum Act {
    /// Asks for a place in slot `n` (of three), and sends it if they get it.
    Book(u8),
    /// Asks for a place and leaves the draft to run out.
    Abandon(u8),
    /// Cancels their booking, if they have one.
    Cancel,
    /// Moves their booking to slot `n`.
    Move(u8),
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => (0u8..3).prop_map(Act::Book),
        1 => (0u8..3).prop_map(Act::Abandon),
        1 => Just(Act::Cancel),
        2 => (0u8..3).prop_map(Act::Move),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Random calendars (capacity 1–4) and rounds of people acting at once: after every round
    /// no slot holds more than its capacity and the counts agree with the bookings.
    #[test]
    fn capacity_holds_under_concurrent_bookings(
        capacity in 1i64..5,
        rounds in proptest::collection::vec(proptest::collection::vec(act(), 1..8), 1..4),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let db = TestDatabase::new().await.unwrap();
            let store = db.store().await.unwrap();
            let (livorno, _) = two_enti(&store).await;
            let cal = calendar(&store, livorno, "sala", capacity).await;
            let starts = [1_000_000i64, 2_800_000, 4_600_000];
            // The booking each person (by their index) holds: (id, start).
            let mut mine: Vec<Option<(i64, i64)>> = vec![None; 8];
            let mut now = 10_000i64;
            for round in rounds {
                now += 60_000;
                let mut tasks = Vec::new();
                for (who, a) in round.iter().copied().enumerate() {
                    let store = store.clone();
                    let held = mine[who];
                    tasks.push(tokio::spawn(async move {
                        let person = format!("P{who}");
                        let t = store.tenant(livorno);
                        match (a, held) {
                            (Act::Book(n), None) | (Act::Abandon(n), None) => {
                                let start = starts[usize::from(n)];
                                let slot = claim(cal, start, capacity);
                                // An abandoned draft ran out 1 ms later.
                                let until = if matches!(a, Act::Abandon(_)) { now + 1 } else { now + 30_000 };
                                match hold(&store, livorno, slot, &person, until, now).await {
                                    Taken::Booked(id) if matches!(a, Act::Book(_)) => {
                                        assert!(t.booking_send(id, "confermata", &format!("send-{id}"), now, None).await.unwrap());
                                        (who, Some(Some((id, start))))
                                    }
                                    _ => (who, None),
                                }
                            }
                            (Act::Cancel, Some((id, _))) => {
                                let done = t.booking_move(&BookingMove {
                                    id,
                                    from: &["confermata"],
                                    to: "annullata",
                                    now_ms: now,
                                    mail: None,
                                }).await.unwrap();
                                assert!(done);
                                (who, Some(None))
                            }
                            (Act::Move(n), Some((id, from))) => {
                                let to = starts[usize::from(n)];
                                if to == from {
                                    return (who, None);
                                }
                                match t.booking_reschedule(id, from, claim(cal, to, capacity), now, None).await.unwrap() {
                                    Taken::Booked(_) => (who, Some(Some((id, to)))),
                                    Taken::Full | Taken::Already => (who, None),
                                }
                            }
                            _ => (who, None),
                        }
                    }));
                }
                for task in tasks {
                    let (who, change) = task.await.unwrap();
                    if let Some(change) = change {
                        mine[who] = change;
                    }
                }
                // Drafts that ran out are freed when the next person asks for the slot; the
                // invariant holds either way.
                now += 2;
                for start in starts {
                    consistent(&store, cal, start, capacity).await;
                }
                // Each person's own view: the bookings they hold are confirmed and in their slot.
                for (id, start) in mine.iter().flatten() {
                    let b = store.tenant(livorno).booking(*id).await.unwrap().unwrap();
                    assert_eq!((b.state.as_str(), b.start_ms), ("confermata", *start));
                }
            }
        });
    }
}
