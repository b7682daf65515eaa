//! The storage story, run on SQLite and, when `SPORTELLO_TEST_POSTGRES` is set, on PostgreSQL.

use sportello_domain::identity::Role;
use sportello_domain::tenancy::Municipality;

use crate::testing::TestDatabase;
use crate::*;

fn m(istat: &str, name: &str, prov: &str, pop: &str) -> Municipality {
    Municipality::from_row(&[istat, name, "Provincia", prov, "E625", pop]).unwrap()
}

#[tokio::test]
async fn tenancy_story() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    // Migrating twice is harmless.
    store.migrate().await.unwrap();
    let list = vec![
        m("049009", "Livorno", "LI", "153773"),
        m("048017", "Firenze", "FI", "360930"),
    ];
    let mut tx = store.begin().await.unwrap();
    let first = Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        first,
        ImportOutcome {
            inserted: 2,
            updated: 0,
            unchanged: 0
        }
    );
    let mut tx = store.begin().await.unwrap();
    let again = Store::upsert_municipalities(&mut tx, "09", &list, 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        again,
        ImportOutcome {
            inserted: 0,
            updated: 0,
            unchanged: 2
        }
    );
    let changed = vec![m("049009", "Livorno", "LI", "150000")];
    let mut tx = store.begin().await.unwrap();
    let third = Store::upsert_municipalities(&mut tx, "09", &changed, 3)
        .await
        .unwrap();
    // A rolled-back import leaves nothing behind.
    tx.rollback().await.unwrap();
    assert_eq!(third.updated, 1);
    assert_eq!(
        store
            .ente_by_istat("049009")
            .await
            .unwrap()
            .unwrap()
            .population,
        153_773
    );

    assert_eq!(store.count_enti().await.unwrap(), 2);
    let all = store.all_enti().await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["Firenze", "Livorno"]
    );
    // The version moves with every change, and only then.
    let version = store.enti_version().await.unwrap();
    assert_eq!(version, (2, 1));
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 9)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.enti_version().await.unwrap(),
        version,
        "an identical import changes nothing"
    );
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &[m("049009", "Livorno", "LI", "150001")], 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.enti_version().await.unwrap(), (2, 10));
    assert!(store.ente_by_slug("pisa").await.unwrap().is_none());

    let livorno = store.ente_by_slug("livorno").await.unwrap().unwrap();
    let firenze = store.ente_by_istat("048017").await.unwrap().unwrap();
    let offices = store.tenant(livorno.ente_id()).offices().await.unwrap();
    assert_eq!(offices.len(), 6);
    let aoo = store.tenant(firenze.ente_id()).aoo().await.unwrap();
    assert_eq!(
        aoo,
        vec![(
            "AOO-048017".to_string(),
            "Protocollo generale del Comune di Firenze".to_string()
        )]
    );
    // Ids of one tenant are not visible through another.
    let livorno_office_ids: Vec<i64> = offices.iter().map(|o| o.id).collect();
    let firenze_offices = store.tenant(firenze.ente_id()).offices().await.unwrap();
    assert!(firenze_offices
        .iter()
        .all(|o| !livorno_office_ids.contains(&o.id)));
}

#[tokio::test]
async fn identity_story() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let id = store
        .create_staff_user(
            &NewStaffUser {
                ente: None,
                username: "regione",
                display_name: "Centro servizi",
                password_hash: "$argon2id$fake",
                totp_secret: Some("JBSWY3DPEHPK3PXP"),
                roles: &[Role::RegionAdmin],
            },
            1,
        )
        .await
        .unwrap();
    let dup = store
        .create_staff_user(
            &NewStaffUser {
                ente: None,
                username: "regione",
                display_name: "x",
                password_hash: "x",
                totp_secret: None,
                roles: &[],
            },
            1,
        )
        .await
        .unwrap_err();
    assert!(dup.is_unique_violation());
    // The failed insert left no half-created user behind.
    let user = store
        .staff_user_by_username("regione")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, id);
    assert_eq!(user.roles, vec![Role::RegionAdmin]);
    store.record_staff_failure(id, 4, Some(99)).await.unwrap();
    let user = store.staff_user_by_id(id).await.unwrap().unwrap();
    assert_eq!((user.failed_attempts, user.not_before), (4, Some(99)));
    store.record_staff_success(id, Some(1234)).await.unwrap();
    let user = store.staff_user_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (user.failed_attempts, user.not_before, user.totp_last_step),
        (0, None, Some(1234))
    );

    store
        .create_session("h1", SessionKind::Staff, Some(id), None, 10, 1000)
        .await
        .unwrap();
    store
        .create_session("h2", SessionKind::Citizen, None, Some("{}"), 10, 20)
        .await
        .unwrap();
    assert_eq!(
        store
            .session("h1", 500)
            .await
            .unwrap()
            .unwrap()
            .staff_user_id,
        Some(id)
    );
    assert!(
        store.session("h2", 500).await.unwrap().is_none(),
        "expired sessions are not returned"
    );
    assert!(store.delete_session("h1").await.unwrap());
    assert!(store.session("h1", 500).await.unwrap().is_none());

    let flow = NewOidcFlow {
        state: "s1",
        provider: "demo",
        nonce: "n",
        code_verifier: "v",
        min_level: "L2",
        return_to: "/",
        expires_at: 100,
    };
    store.create_oidc_flow(&flow).await.unwrap();
    assert_eq!(
        store.take_oidc_flow("s1", 50).await.unwrap().unwrap().nonce,
        "n"
    );
    assert!(
        store.take_oidc_flow("s1", 50).await.unwrap().is_none(),
        "a state is used once"
    );

    let code = NewIdpCode {
        code_hash: "c1",
        client_id: "sportello",
        redirect_uri: "http://x/cb",
        code_challenge: "ch",
        nonce: "n",
        persona: "p",
        acr: "a",
        expires_at: 100,
    };
    store.create_idp_code(&code).await.unwrap();
    assert!(
        store.redeem_idp_code("c1", 200).await.unwrap().is_none(),
        "expired code"
    );
    store
        .create_idp_code(&NewIdpCode {
            code_hash: "c2",
            ..code
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_idp_code("c2", 50)
            .await
            .unwrap()
            .unwrap()
            .persona,
        "p"
    );
    assert!(
        store.redeem_idp_code("c2", 50).await.unwrap().is_none(),
        "a code is used once"
    );

    assert_eq!(
        store.secret_or_insert("k", "first", 1).await.unwrap(),
        "first"
    );
    assert_eq!(
        store.secret_or_insert("k", "second", 1).await.unwrap(),
        "first"
    );
    assert!(store.purge_expired(10_000).await.unwrap() >= 1);
}

#[tokio::test]
async fn concurrent_migrations_migrate_once() {
    let db = TestDatabase::new().await.unwrap();
    let a = Store::connect(&db.url, 2).await.unwrap();
    let b = Store::connect(&db.url, 2).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.count_enti().await.unwrap(), 0);
}

#[tokio::test]
async fn refuses_unknown_schemes() {
    let err = Store::connect("mysql://localhost/x", 2).await.unwrap_err();
    assert!(err
        .to_string()
        .contains("unsupported database URL scheme `mysql`"));
}
