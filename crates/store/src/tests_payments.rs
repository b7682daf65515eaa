//! Payments' storage on SQLite and, when `SPORTELLO_TEST_POSTGRES` is set, on PostgreSQL: notice
//! numbers are never given twice however many positions are written at once, and an
//! application has one position however many ask for it at once.

use std::collections::BTreeSet;
use std::sync::Arc;

use sportello_domain::payments::NoticeNumber;
use sportello_domain::tenancy::Municipality;

use crate::testing::TestDatabase;
use crate::*;

fn creditor() -> CreditorRow {
    CreditorRow {
        fiscal_code: "00104330493".into(),
        segregation_code: "02".into(),
        iban: "IT60X0542811101000000123456".into(),
        postal_account: String::new(),
        postal_authorisation: String::new(),
        cbill: "A1B2C".into(),
        updated_by: "test".into(),
        updated_at: 1,
    }
}

fn position(application: Option<String>) -> NewPosition {
    NewPosition {
        publish: false,
        batch: None,
        debtor_fiscal_code: "RSSMRA80A01E625I".into(),
        debtor_name: "Mario Rossi".into(),
        subject: "Diritti di segreteria".into(),
        state: "valid".into(),
        origin: "service_fee".into(),
        application_id: application,
        options: vec![NewOption {
            amount_cents: 5000,
            due_date: "2026-12-31".into(),
            instalment: false,
            transfers: vec![TransferRow {
                notice_number: String::new(),
                transfer_no: 1,
                amount_cents: 5000,
                remittance: "Diritti di segreteria".into(),
                category: "9/0101108TS/".into(),
                iban: "IT60X0542811101000000123456".into(),
                creditor_fiscal_code: "00104330493".into(),
                stamp_type: String::new(),
                stamp_hash: String::new(),
                stamp_province: String::new(),
            }],
        }],
    }
}

#[tokio::test]
async fn notice_numbers_are_never_given_twice_and_one_position_per_application() {
    let db = TestDatabase::new().await.unwrap();
    let store = Arc::new(db.store().await.unwrap());
    let list =
        vec![
            Municipality::from_row(&["049009", "Livorno", "Provincia", "LI", "E625", "153773"])
                .unwrap(),
        ];
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ente = store
        .ente_by_istat("049009")
        .await
        .unwrap()
        .unwrap()
        .ente_id();
    store.tenant(ente).set_creditor(&creditor()).await.unwrap();
    assert_eq!(
        store.tenant(ente).creditor().await.unwrap(),
        Some(creditor())
    );
    // Forty positions written at once, half of them twice over for the same application.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let application = Some(format!("app-{}", i % 20));
            store
                .tenant(ente)
                .write_position(&creditor(), &position(application), i)
                .await
                .unwrap()
        }));
    }
    let mut notices = BTreeSet::new();
    let mut positions = BTreeSet::new();
    let mut new = 0;
    for t in tasks {
        match t.await.unwrap() {
            Written::New(id, n) => {
                new += 1;
                positions.insert(id);
                for n in n {
                    assert!(NoticeNumber::parse(&n).is_ok(), "{n}");
                    assert!(notices.insert(n), "a notice number given twice");
                }
            }
            Written::Existing(id) => {
                positions.insert(id);
            }
        }
    }
    assert_eq!(new, 20, "one position per application");
    assert_eq!(positions.len(), 20);
    // The bases are consecutive from 1: none lost to the requests that found one written.
    let bases: BTreeSet<u64> = notices
        .iter()
        .map(|n| n[3..16].parse::<u64>().unwrap())
        .collect();
    assert_eq!(bases, (1..=20).collect::<BTreeSet<u64>>());
    let mine = store
        .region_wide()
        .positions_of_debtor("RSSMRA80A01E625I", 100)
        .await
        .unwrap();
    assert_eq!(mine.len(), 20);
    let options = store.tenant(ente).options_of(mine[0].id).await.unwrap();
    assert_eq!(options.len(), 1);
    let transfers = store
        .tenant(ente)
        .transfers_of(&options[0].notice_number)
        .await
        .unwrap();
    assert_eq!(transfers[0].amount_cents, 5000);
    // Positions without an application are never merged.
    for _ in 0..2 {
        assert!(matches!(
            store
                .tenant(ente)
                .write_position(&creditor(), &position(None), 99)
                .await
                .unwrap(),
            Written::New(..)
        ));
    }
}

fn receipt(id: &str, notice: &str, cents: i64) -> ReceiptRow {
    ReceiptRow {
        receipt_id: id.into(),
        ente_id: None,
        creditor_fiscal_code: "00104330493".into(),
        notice_number: notice.into(),
        iuv: notice.get(1..).unwrap_or_default().into(),
        outcome: "OK".into(),
        amount_cents: cents,
        fee_cents: 0,
        psp_id: "PSP".into(),
        psp_name: "PSP".into(),
        payment_method: "creditCard".into(),
        payment_date_time: "2026-12-06T10:00:00".into(),
        transfer_date: "2026-12-06".into(),
        received_at: 10,
        document: "<receipt/>".into(),
    }
}

#[tokio::test]
async fn a_receipt_is_kept_once_and_pays_a_notice_once_under_concurrency() {
    let db = TestDatabase::new().await.unwrap();
    let store = Arc::new(db.store().await.unwrap());
    let list =
        vec![
            Municipality::from_row(&["049009", "Livorno", "Provincia", "LI", "E625", "153773"])
                .unwrap(),
        ];
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ente = store
        .ente_by_istat("049009")
        .await
        .unwrap()
        .unwrap()
        .ente_id();
    store.tenant(ente).set_creditor(&creditor()).await.unwrap();
    let mut published = position(Some("app-1".into()));
    published.publish = true;
    published.state = "draft".into();
    let Written::New(id, notices) = store
        .tenant(ente)
        .write_position(&creditor(), &published, 1)
        .await
        .unwrap()
    else {
        panic!("a new position");
    };
    let notice = notices[0].clone();
    // Its publication waits in the outbox; claimed by one process at a time.
    let (a, b) = tokio::join!(
        store.claim_publications(5, 60_000, 10),
        store.claim_publications(5, 60_000, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "one claim: {a:?} {b:?}");
    let claimed = a.into_iter().chain(b).next().unwrap();
    store.publication_done(claimed.id, id, 6).await.unwrap();
    let p = store.tenant(ente).position(id).await.unwrap().unwrap();
    assert_eq!((p.state.as_str(), p.published_at), ("valid", Some(6)));
    assert!(store
        .claim_publications(100_000, 60_000, 10)
        .await
        .unwrap()
        .is_empty());

    // The same receipt twelve times at once: applied once; two other receipts for the same
    // notice at once: each an anomaly (paid twice), never a second payment.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let notice = notice.clone();
        tasks.push(tokio::spawn(async move {
            let id = if i < 12 {
                "rt-1".to_string()
            } else {
                format!("rt-other-{i}")
            };
            let r = receipt(&id, &notice, 5000);
            (i < 12, store.record_receipt(&r).await.unwrap())
        }));
    }
    let (mut applied, mut duplicates, mut anomalies) = (0, 0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (_, ReceiptRecorded::Applied { state, .. }) => {
                applied += 1;
                assert_eq!(state, "paid");
            }
            (true, ReceiptRecorded::Duplicate) => duplicates += 1,
            (_, ReceiptRecorded::Anomaly { kind, .. }) => {
                anomalies += 1;
                assert_eq!(kind, ANOMALY_PAID_TWICE);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(applied, 1, "one payment");
    // The first applied copy is either one of the twelve or one of the four others.
    assert!(duplicates == 11 || duplicates == 12, "{duplicates}");
    assert_eq!(applied + duplicates + anomalies, 16);
    assert_eq!(
        store.receipts_count().await.unwrap(),
        5,
        "one row per receipt id"
    );
    let option = &store.tenant(ente).options_of(id).await.unwrap()[0];
    assert!(option.receipt_id.is_some());
    let kept = store
        .tenant(ente)
        .receipt_of_notice(&notice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Some(kept.receipt_id.as_str()), option.receipt_id.as_deref());
    // A receipt for a notice Livorno never issued, and a wrong amount: anomalies of Livorno's.
    let unknown = NoticeNumber::issue(
        sportello_domain::payments::SegregationCode::new(2).unwrap(),
        999,
    )
    .unwrap();
    let r = store
        .record_receipt(&receipt("rt-unknown", unknown.as_str(), 100))
        .await
        .unwrap();
    assert_eq!(
        r,
        ReceiptRecorded::Anomaly {
            ente_id: Some(ente.get()),
            kind: ANOMALY_UNKNOWN_NOTICE.into()
        }
    );
    let anomalies = store.tenant(ente).anomalies(100).await.unwrap();
    assert_eq!(anomalies.len(), 5);
    let first = anomalies[0].id;
    assert!(store
        .tenant(ente)
        .resolve_anomaly(first, "Ufficio", "Verificato", 20)
        .await
        .unwrap());
    assert!(
        !store
            .tenant(ente)
            .resolve_anomaly(first, "Ufficio", "Di nuovo", 21)
            .await
            .unwrap(),
        "closed once"
    );
}

#[tokio::test]
async fn a_withdrawn_position_is_invalidated_at_pagopa_only_if_pagopa_may_have_it() {
    let db = TestDatabase::new().await.unwrap();
    let store = Arc::new(db.store().await.unwrap());
    let list =
        vec![
            Municipality::from_row(&["049009", "Livorno", "Provincia", "LI", "E625", "153773"])
                .unwrap(),
        ];
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ente = store
        .ente_by_istat("049009")
        .await
        .unwrap()
        .unwrap()
        .ente_id();
    store.tenant(ente).set_creditor(&creditor()).await.unwrap();
    let write = |app: &str| {
        let store = store.clone();
        let mut p = position(Some(app.to_string()));
        p.publish = true;
        p.state = "draft".into();
        async move {
            match store
                .tenant(ente)
                .write_position(&creditor(), &p, 1)
                .await
                .unwrap()
            {
                Written::New(id, _) => id,
                Written::Existing(_) => panic!("new"),
            }
        }
    };
    // Withdrawn before its publication: the publication is dropped, nothing to invalidate.
    let early = write("a").await;
    let iupd = store
        .tenant(ente)
        .position(early)
        .await
        .unwrap()
        .unwrap()
        .iupd;
    assert!(store
        .tenant(ente)
        .invalidate_position(&iupd, 2)
        .await
        .unwrap());
    assert!(store
        .claim_publications(3, 1000, 10)
        .await
        .unwrap()
        .is_empty());
    // Published, then withdrawn: an invalidation for the outbox; once only.
    let late = write("b").await;
    let claimed = store.claim_publications(3, 1000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .publication_done(claimed[0].id, late, 4)
        .await
        .unwrap();
    let iupd = store
        .tenant(ente)
        .position(late)
        .await
        .unwrap()
        .unwrap()
        .iupd;
    assert!(store
        .tenant(ente)
        .invalidate_position(&iupd, 5)
        .await
        .unwrap());
    assert!(
        !store
            .tenant(ente)
            .invalidate_position(&iupd, 6)
            .await
            .unwrap(),
        "once"
    );
    let claimed = store.claim_publications(7, 1000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].action.as_str(), claimed[0].position_id),
        ("invalidate", late)
    );
    let p = store.tenant(ente).position(late).await.unwrap().unwrap();
    assert_eq!(p.state, "invalid");
    // A publication done after the withdrawal does not make it payable again.
    store
        .publication_done(claimed[0].id, late, 8)
        .await
        .unwrap();
    assert_eq!(
        store
            .tenant(ente)
            .position(late)
            .await
            .unwrap()
            .unwrap()
            .state,
        "invalid"
    );
}
