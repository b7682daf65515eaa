//! The times counts' storage story, on SQLite and (with `SPORTELLO_TEST_POSTGRES`) PostgreSQL:
//! each month row's histogram of days (`days_hist`) is always its days rows whole — after
//! decisions made one by one and at once from many connections, after counts added in bulk
//! and for the cases filed before the counts, and in the region's rollup — and a dashboard's
//! period reads exactly those histograms.

use std::collections::BTreeMap;

use sportello_domain::accountability::{CaseTime, MonthCounts};
use sportello_domain::tenancy::{EnteId, Municipality};

use crate::testing::TestDatabase;
use crate::*;

/// Every month row's histogram as stored, against the sums of its days rows.
async fn histograms_agree(store: &Store, region: bool) -> usize {
    let (months, days, key) = if region {
        ("region_case_months", "region_case_month_days", "0")
    } else {
        ("case_months", "case_month_days", "ente_id")
    };
    let stored: Vec<(i64, String, i64, String)> = sqlx::query_as(&format!(
        "SELECT {key}, service_id, month, days_hist FROM {months}"
    ))
    .fetch_all(store.reader())
    .await
    .unwrap();
    let rows: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT {key}, service_id, month, days, cases FROM {days}"
    ))
    .fetch_all(store.reader())
    .await
    .unwrap();
    let mut expected: BTreeMap<(i64, String, i64), BTreeMap<i64, i64>> = BTreeMap::new();
    for (e, s, m, d, n) in rows {
        expected.entry((e, s, m)).or_default().insert(d, n);
    }
    let mut seen = 0;
    for (e, s, m, text) in stored {
        let got: BTreeMap<i64, i64> = super::accountability::parse_days_hist(&text)
            .unwrap()
            .into_iter()
            .collect();
        let want = expected.remove(&(e, s.clone(), m)).unwrap_or_default();
        assert_eq!(got, want, "{months} {e} {s} {m}: {text:?}");
        seen += 1;
    }
    assert!(
        expected.is_empty(),
        "days rows without a month row: {expected:?}"
    );
    seen
}

/// What a dashboard takes as open before `from`, against the sum over every month before it.
async fn open_before_agrees(store: &Store, ente: Option<EnteId>, from: i64, to: i64) {
    let (counts, table, scope) = match ente {
        Some(e) => (
            store.tenant(e).time_counts(from, to).await.unwrap(),
            "case_months",
            format!("ente_id = {} AND", e.get()),
        ),
        None => (
            store.region_wide().time_counts(from, to).await.unwrap(),
            "region_case_months",
            String::new(),
        ),
    };
    let summed: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT service_id, CAST(SUM(filed_online + filed_assisted + filed_intermediary - decided - withdrawn) AS BIGINT) \
         FROM {table} WHERE {scope} month < $1 GROUP BY service_id"
    ))
    .bind(from)
    .fetch_all(store.reader())
    .await
    .unwrap();
    let got: BTreeMap<String, i64> = counts
        .open_before
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect();
    let want: BTreeMap<String, i64> = summed.into_iter().filter(|(_, n)| *n != 0).collect();
    assert_eq!(got, want, "{ente:?} {from}-{to}");
    assert!(counts
        .months
        .iter()
        .all(|r| r.month >= from && r.month <= to));
}

fn decided(days: i64) -> Conclusion {
    Conclusion::Decided(CaseTime {
        days,
        within_term: days <= 30,
        silent: false,
    })
}

#[tokio::test]
async fn a_month_rows_histogram_is_its_days_rows_whole() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
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
    let livorno: EnteId = store
        .ente_by_istat("049009")
        .await
        .unwrap()
        .unwrap()
        .ente_id();
    let pisa: EnteId = store
        .ente_by_istat("050026")
        .await
        .unwrap()
        .unwrap()
        .ente_id();

    // One by one: a decision, another of the same days, a silent consent (no days), a
    // withdrawal (none either).
    for c in [
        decided(12),
        decided(12),
        decided(40),
        Conclusion::Decided(CaseTime {
            days: 60,
            within_term: false,
            silent: true,
        }),
        Conclusion::Withdrawn,
    ] {
        let mut tx = store.begin_for(livorno).await.unwrap();
        tx.count_conclusion("servizio", 202611, c, 1).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(histograms_agree(&store, false).await, 1);
    assert_eq!(
        super::accountability::parse_days_hist("3:1,730:12,0:4").unwrap(),
        vec![(3, 1), (730, 12), (0, 4)]
    );
    // What is not a histogram is refused, not read as one.
    for bad in [
        "12",
        "12:",
        ":3",
        "12:3,",
        "-1:3",
        "1:99999999999999999999",
        "1:2;3:4",
    ] {
        assert!(
            super::accountability::parse_days_hist(bad).is_err(),
            "{bad}"
        );
    }
    let counts = store
        .tenant(livorno)
        .time_counts(202611, 202611)
        .await
        .unwrap();
    assert_eq!(counts.months.len(), 1);
    assert_eq!(counts.months[0].counts.decided, 4);
    assert_eq!(counts.months[0].counts.silent, 1);
    assert_eq!(counts.months[0].counts.withdrawn, 1);
    assert_eq!(
        counts.days_by_service,
        vec![("servizio".to_string(), vec![(12, 2), (40, 1)])]
    );

    // At once, from as many transactions as the pool gives: none is lost on either backend.
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin_for(livorno).await.unwrap();
                tx.count_conclusion("servizio", 202612, decided(i % 5), 2)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(histograms_agree(&store, false).await, 2);
    let counts = store
        .tenant(livorno)
        .time_counts(202612, 202612)
        .await
        .unwrap();
    let total: i64 = counts.days_total.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 24);
    assert_eq!(counts.months[0].counts.decided, 24);

    // Added for the cases filed before the counts, onto rows that exist and rows that do not.
    let mut months = BTreeMap::new();
    months.insert(
        (pisa, "servizio".to_string(), 202611),
        MonthCounts {
            decided: 2,
            ..MonthCounts::default()
        },
    );
    let mut days = BTreeMap::new();
    days.insert((pisa, "servizio".to_string(), 202611, 7), 2);
    days.insert((livorno, "servizio".to_string(), 202611, 12), 3);
    let mut tx = store.begin().await.unwrap();
    Store::add_case_counts(&mut tx, &months, &days, 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // And in bulk.
    store
        .bulk_case_counts(
            &[(pisa.get(), "altro", 202610, MonthCounts::default())],
            &[
                (pisa.get(), "altro", 202610, 3, 4),
                (pisa.get(), "servizio", 202611, 7, 1),
            ],
        )
        .await
        .unwrap();
    assert_eq!(histograms_agree(&store, false).await, 4);
    let livorno_days = store
        .tenant(livorno)
        .service_days("servizio", 202601, 202612)
        .await
        .unwrap();
    assert_eq!(livorno_days.iter().map(|(_, n)| n).sum::<i64>(), 24 + 3 + 3);
    assert!(livorno_days.contains(&(12, 5)));

    // Filings too, for the open cases.
    let mut tx = store.begin().await.unwrap();
    Store::count_filings(
        &mut tx,
        &[
            FilingCount {
                ente: livorno,
                service_id: "servizio",
                month: 202610,
                channel: sportello_domain::accountability::Channel::Online,
                filings: 40,
                at_ms: 5,
            },
            FilingCount {
                ente: livorno,
                service_id: "servizio",
                month: 202612,
                channel: sportello_domain::accountability::Channel::Assisted,
                filings: 9,
                at_ms: 5,
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (from, to) in [
        (202601, 202612),
        (202611, 202611),
        (202612, 202612),
        (202701, 202703),
    ] {
        open_before_agrees(&store, Some(livorno), from, to).await;
        open_before_agrees(&store, Some(pisa), from, to).await;
    }

    // The region's rollup sums every ente's rows, histograms too.
    store.roll_up_region_times(4).await.unwrap();
    for (from, to) in [(202601, 202612), (202611, 202611), (202612, 202612)] {
        open_before_agrees(&store, None, from, to).await;
    }
    assert_eq!(histograms_agree(&store, true).await, 4);
    let region = store
        .region_wide()
        .time_counts(202611, 202611)
        .await
        .unwrap();
    assert_eq!(
        region.days_by_service,
        vec![("servizio".to_string(), vec![(7, 3), (12, 5), (40, 1)])]
    );
    assert_eq!(
        region.days_by_month,
        vec![(202611, vec![(7, 3), (12, 5), (40, 1)])]
    );
    assert_eq!(region.days_total, vec![(7, 3), (12, 5), (40, 1)]);
}
