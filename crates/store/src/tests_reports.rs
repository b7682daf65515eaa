//! Reports' storage rules, on SQLite and (with `SPORTELLO_TEST_POSTGRES`) PostgreSQL: numbers
//! per ente and year gapless and never given twice when many reports arrive at once; a move
//! made from a state someone else already left does nothing; a support counts once however
//! many times and however concurrently it is given; one ente never reads another's reports.

use sportello_domain::tenancy::{EnteId, Municipality};

use crate::testing::TestDatabase;
use crate::*;

/// Livorno and Pisa, as the ISTAT list gives them (shared with the bookings' tests).
pub(crate) async fn two_enti(store: &Store) -> (EnteId, EnteId) {
    let list: Vec<Municipality> = [
        ["049009", "Livorno", "Livorno", "LI", "E625", "1"],
        ["050026", "Pisa", "Pisa", "PI", "G702", "1"],
    ]
    .iter()
    .map(|r| Municipality::from_row(r).unwrap())
    .collect();
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let id = |istat: &'static str| async move {
        store.ente_by_istat(istat).await.unwrap().unwrap().ente_id()
    };
    (id("049009").await, id("050026").await)
}

fn report(token: &str) -> NewReport<'_> {
    NewReport {
        year: 2026,
        category: "strade",
        subject: "Buca",
        description: "Una buca profonda",
        street: Some("Via Grande"),
        street_folded: Some("via grande"),
        house_number: Some("12"),
        lat: Some(43_550_000),
        lon: Some(10_310_000),
        district_id: None,
        office_code: None,
        anonymous: false,
        reporter_fiscal_code: Some("RSSMRA80A01E625X"),
        reporter_email: None,
        reporter_name: Some("Mario Rossi"),
        client: None,
        due_date: "2026-12-31",
        protocol_ref: None,
        token,
        photos: &[],
    }
}

async fn file(store: &Store, ente: EnteId, token: &str) -> (i64, i64) {
    let mut tx = store.begin().await.unwrap();
    let done = Store::report_file(&mut tx, ente.get(), &report(token), 1_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    done
}

#[tokio::test]
async fn reports_are_numbered_moved_and_supported_once_under_concurrency() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, pisa) = two_enti(&store).await;

    // Twenty reports at once: numbers 1..=20, none twice, none missing.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let r = Store::report_file(&mut tx, livorno.get(), &report(&format!("t{i}")), 1_000)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            r
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().1);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
    // Another ente has its own numbers.
    assert_eq!(file(&store, pisa, "p1").await.1, 1);

    let tenant = store.tenant(livorno);
    let first = tenant.report(2026, 1).await.unwrap().unwrap();
    assert_eq!(first.state, "received");
    assert_eq!(tenant.report_events(first.id).await.unwrap().len(), 1);
    // Pisa cannot read Livorno's report by its id, nor its timeline.
    assert!(store
        .tenant(pisa)
        .report_by_id(first.id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .tenant(pisa)
        .report_events(first.id)
        .await
        .unwrap()
        .is_empty());

    // Two office members take it in charge at once: one succeeds, the other is told.
    let mut tasks = Vec::new();
    for who in ["anna", "bruno"] {
        let store = store.clone();
        let id = first.id;
        tasks.push(tokio::spawn(async move {
            store
                .tenant(livorno)
                .report_move(&ReportMove {
                    id,
                    from: "received",
                    to: "in-charge",
                    kind: "take-charge",
                    text: "",
                    staff: Some(who),
                    office_code: None,
                    now_ms: 2_000,
                    notify: None,
                    answer_digest: None,
                })
                .await
                .unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    outcomes.sort_by_key(|m| *m == Moved::Done);
    assert_eq!(outcomes, vec![Moved::Changed, Moved::Done]);
    let events = tenant.report_events(first.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    // Pisa's staff cannot move Livorno's report.
    assert_eq!(
        store
            .tenant(pisa)
            .report_move(&ReportMove {
                id: first.id,
                from: "in-charge",
                to: "resolved",
                kind: "resolve",
                text: "fatto",
                staff: Some("x"),
                office_code: None,
                now_ms: 3_000,
                notify: None,
                answer_digest: None,
            })
            .await
            .unwrap(),
        Moved::Changed
    );
    // Resolved: the time is kept; reopened: it is cleared and counted.
    let resolve = ReportMove {
        id: first.id,
        from: "in-charge",
        to: "resolved",
        kind: "resolve",
        text: "Riparata",
        staff: Some("anna"),
        office_code: None,
        now_ms: 5_000,
        notify: Some(("mario@example.org", "Risolta", "La buca è chiusa.")),
        answer_digest: Some("answer-1"),
    };
    assert_eq!(tenant.report_move(&resolve).await.unwrap(), Moved::Done);
    let row = tenant.report_by_id(first.id).await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.resolved_at),
        ("resolved", Some(5_000))
    );
    // Its message went into the outbox with the move, once.
    let sent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'mario@example.org' AND subject = 'Risolta'",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(sent, 1);
    // The reporter's answer finds it while resolved, and only in its ente.
    assert_eq!(
        tenant
            .report_by_answer("answer-1")
            .await
            .unwrap()
            .map(|r| r.id),
        Some(first.id)
    );
    assert!(store
        .tenant(pisa)
        .report_by_answer("answer-1")
        .await
        .unwrap()
        .is_none());
    let reopen = ReportMove {
        from: "resolved",
        to: "in-progress",
        kind: "reopen",
        text: "Ancora lì",
        staff: None,
        now_ms: 6_000,
        notify: None,
        answer_digest: None,
        ..resolve.clone()
    };
    assert_eq!(tenant.report_move(&reopen).await.unwrap(), Moved::Done);
    let row = tenant.report_by_id(first.id).await.unwrap().unwrap();
    assert_eq!((row.resolved_at, row.reopenings), (None, 1));
    // The answer is spent.
    assert!(tenant.report_by_answer("answer-1").await.unwrap().is_none());

    // Supports: eight at once from one person count once; another person's counts too.
    let second = tenant.report(2026, 2).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let id = second.id;
        tasks.push(tokio::spawn(async move {
            store
                .tenant(livorno)
                .report_support(id, "digest-a", 7_000)
                .await
                .unwrap()
        }));
    }
    let mut added = 0;
    for t in tasks {
        added += usize::from(t.await.unwrap());
    }
    assert_eq!(added, 1);
    assert!(tenant
        .report_support(second.id, "digest-b", 7_000)
        .await
        .unwrap());
    assert!(!store
        .tenant(pisa)
        .report_support(second.id, "digest-c", 7_000)
        .await
        .unwrap());
    let row = tenant.report_by_id(second.id).await.unwrap().unwrap();
    assert_eq!(row.supports, 2);
    assert!(tenant
        .report_supported_by(second.id, "digest-a")
        .await
        .unwrap());
    assert!(!store
        .tenant(pisa)
        .report_supported_by(second.id, "digest-a")
        .await
        .unwrap());

    // Lists: newest first, paged by id, filtered by state; never another ente's.
    let page = tenant
        .reports(&ReportQuery {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![20, 19, 18, 17, 16]
    );
    let next = tenant
        .reports(&ReportQuery {
            limit: 5,
            after: page.last().map(|r| ReportAfter::Newest { id: r.id }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(next.first().map(|r| r.number), Some(15));
    let in_progress = tenant
        .reports(&ReportQuery {
            states: vec!["in-progress".into()],
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(in_progress.len(), 1);
    assert_eq!(
        store
            .tenant(pisa)
            .reports(&ReportQuery {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1
    );
    // An office's queue: its reports and those of no office; not another office's.
    let third = tenant.report(2026, 3).await.unwrap().unwrap();
    let reroute = ReportMove {
        id: third.id,
        from: "received",
        to: "received",
        kind: "reroute",
        text: "",
        staff: Some("anna"),
        office_code: Some("PM"),
        now_ms: 8_000,
        notify: None,
        answer_digest: None,
    };
    assert_eq!(tenant.report_move(&reroute).await.unwrap(), Moved::Done);
    let queue = |office: &'static str| ReportQuery {
        office_code: Some(office.into()),
        limit: 50,
        ..Default::default()
    };
    let urp = tenant.reports(&queue("URP")).await.unwrap();
    assert_eq!(urp.len(), 19);
    assert!(urp.iter().all(|r| r.id != third.id));
    let pm = tenant.reports(&queue("PM")).await.unwrap();
    assert_eq!(pm.len(), 20);
    // Maybe near: the same street, or the box.
    let near = tenant
        .reports_maybe_near("strade", Some("via grande"), None)
        .await
        .unwrap();
    assert_eq!(near.len(), 20);
    let none = tenant
        .reports_maybe_near("rifiuti", Some("via grande"), Some((0, 1, 0, 1)))
        .await
        .unwrap();
    assert!(none.is_empty());

    // Open311 keys: by digest, the ente's; revoked, gone.
    let id = tenant
        .open311_key_add("App", "d1", "admin", 1)
        .await
        .unwrap();
    assert_eq!(
        store.open311_key("d1").await.unwrap(),
        Some((livorno.get(), "App".to_string()))
    );
    assert!(!store.tenant(pisa).open311_key_revoke(id, 2).await.unwrap());
    assert!(tenant.open311_key_revoke(id, 2).await.unwrap());
    assert_eq!(store.open311_key("d1").await.unwrap(), None);
}

/// The office's queue in each order, walked page by page by its keyset, gives every report
/// once, in the order a sort of them all gives.
#[tokio::test]
async fn the_queue_is_paged_in_each_order() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, _) = two_enti(&store).await;
    let tenant = store.tenant(livorno);
    let dues = [
        "2026-12-20",
        "2026-12-10",
        "2026-12-20",
        "2026-12-15",
        "2026-12-10",
        "2026-12-31",
        "2026-12-15",
    ];
    let mut ids = Vec::new();
    for (i, due) in dues.iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        let token = format!("q{i}");
        let (id, _) = Store::report_file(
            &mut tx,
            livorno.get(),
            &NewReport {
                due_date: due,
                ..report(&token)
            },
            1_000,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Supports: 0, 1, 2, 0, 1, 2, 0.
        for s in 0..i % 3 {
            assert!(tenant
                .report_support(id, &format!("s{i}-{s}"), 2_000)
                .await
                .unwrap());
        }
        ids.push(id);
    }
    let walk = |order: ReportOrder| {
        let store = store.clone();
        async move {
            let tenant = store.tenant(livorno);
            let mut seen: Vec<ReportRow> = Vec::new();
            loop {
                let after = seen.last().map(|r| match order {
                    ReportOrder::Newest => ReportAfter::Newest { id: r.id },
                    ReportOrder::Due => ReportAfter::Due {
                        due_date: r.due_date.clone(),
                        id: r.id,
                    },
                    ReportOrder::Supports => ReportAfter::Supports {
                        supports: r.supports,
                        id: r.id,
                    },
                });
                let page = tenant
                    .reports(&ReportQuery {
                        order,
                        after,
                        limit: 3,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                let last = page.len() < 3;
                seen.extend(page);
                if last {
                    break;
                }
            }
            seen.into_iter()
                .map(|r| (r.id, r.due_date, r.supports))
                .collect::<Vec<_>>()
        }
    };
    let mut all = walk(ReportOrder::Newest).await;
    assert_eq!(all.len(), dues.len());
    assert!(all.windows(2).all(|w| w[0].0 > w[1].0));
    all.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    assert_eq!(walk(ReportOrder::Due).await, all);
    all.sort_by_key(|r| std::cmp::Reverse((r.2, r.0)));
    assert_eq!(walk(ReportOrder::Supports).await, all);
    assert_eq!(all.first().map(|r| r.2), Some(2));
}

/// The districts' view by period and by street, counted in SQL on either database.
#[tokio::test]
async fn reports_are_counted_by_period_and_street() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, pisa) = two_enti(&store).await;
    let tenant = store.tenant(livorno);
    // Filed at 1, 2 and 7 seconds; the one at 2 s resolved 3 s later; one of Pisa's at 1 s.
    for (i, at) in [1_000i64, 2_000, 7_000].iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        let token = format!("c{i}");
        let street = if i == 2 { "Via Roma" } else { "Via Grande" };
        Store::report_file(
            &mut tx,
            livorno.get(),
            &NewReport {
                street: Some(street),
                ..report(&token)
            },
            *at,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    file(&store, pisa, "cp").await;
    let second = tenant.report(2026, 2).await.unwrap().unwrap();
    let resolve = ReportMove {
        id: second.id,
        from: "received",
        to: "resolved",
        kind: "resolve",
        text: "fatto",
        staff: Some("anna"),
        office_code: None,
        now_ms: 5_000,
        notify: None,
        answer_digest: None,
    };
    assert_eq!(tenant.report_move(&resolve).await.unwrap(), Moved::Done);
    // Periods [0, 5 s) and [5 s, 10 s): two received (one resolved in 3 s), then one.
    let periods = tenant
        .report_counts_by_period(&[0, 5_000, 10_000], None)
        .await
        .unwrap();
    assert_eq!(periods, vec![(0, 2, 1, 3_000), (1, 1, 0, 0)]);
    // One period only; nothing before the first bound or after the last.
    assert_eq!(
        tenant
            .report_counts_by_period(&[1_500, 5_000], None)
            .await
            .unwrap(),
        vec![(0, 1, 1, 3_000)]
    );
    // A district with none of them.
    assert!(tenant
        .report_counts_by_period(&[0, 10_000], Some(-1))
        .await
        .unwrap()
        .is_empty());
    let streets = tenant.report_counts_by_street(0, None, 10).await.unwrap();
    assert_eq!(
        streets,
        vec![
            ("Via Grande".to_string(), 2, 1),
            ("Via Roma".to_string(), 1, 1)
        ]
    );
    assert_eq!(
        tenant
            .report_counts_by_street(0, None, 1)
            .await
            .unwrap()
            .len(),
        1
    );
}
