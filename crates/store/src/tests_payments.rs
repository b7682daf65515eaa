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
        cbill: "A1B2C".into(),
        updated_by: "test".into(),
        updated_at: 1,
    }
}

fn position(application: Option<String>) -> NewPosition {
    NewPosition {
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
