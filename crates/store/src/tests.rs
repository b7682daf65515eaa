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
    assert_eq!(offices.len(), crate::DEFAULT_OFFICES.len());
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
                email: "",
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
                email: "",
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
    for seen in 0..4 {
        assert!(store.claim_staff_attempt(id, seen, Some(99)).await.unwrap());
    }
    assert!(
        !store.claim_staff_attempt(id, 2, Some(5)).await.unwrap(),
        "a stale count claims nothing"
    );
    let user = store.staff_user_by_id(id).await.unwrap().unwrap();
    assert_eq!((user.failed_attempts, user.not_before), (4, Some(99)));
    assert!(store.record_staff_success(id, Some(1234)).await.unwrap());
    assert!(
        !store.record_staff_success(id, Some(1234)).await.unwrap(),
        "a TOTP step signs in once"
    );
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
        browser_hash: "h",
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

mod protocol_story {
    use sportello_domain::protocol::{
        verify_chain, AttachmentRecord, Direction, Registration, StoredRegistration, GENESIS,
    };
    use sportello_domain::tenancy::Municipality;

    use crate::testing::TestDatabase;
    use crate::*;

    async fn store_with_ente() -> (TestDatabase, Store, (i64, String), i64) {
        let db = TestDatabase::new().await.unwrap();
        let store = db.store().await.unwrap();
        let m =
            Municipality::from_row(&["049009", "Livorno", "Livorno", "LI", "E625", "1"]).unwrap();
        let mut tx = store.begin().await.unwrap();
        Store::upsert_municipalities(&mut tx, "09", &[m], 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let ente = store.ente_by_istat("049009").await.unwrap().unwrap();
        let aoo = store.tenant(ente.ente_id()).main_aoo().await.unwrap();
        (db, store, aoo, ente.id)
    }

    fn registration(aoo: &str, year: i32, number: i64, subject: &str) -> Registration {
        Registration {
            aoo: aoo.into(),
            year,
            number,
            registered_at: format!("{year}-05-01T10:00:00.000000Z"),
            direction: Direction::Inbound,
            correspondent: "RSSMRA80A01E625I".into(),
            subject: subject.into(),
            sender_reference: None,
            document_digest: "ab".repeat(32),
            attachments: vec![AttachmentRecord {
                description: "a.pdf".into(),
                digest: "cd".repeat(32),
            }],
        }
    }

    async fn register(
        store: &Store,
        ente: i64,
        aoo: &(i64, String),
        year: i32,
        subject: &str,
        commit: bool,
    ) -> i64 {
        let mut tx = store.begin().await.unwrap();
        let attachments = r#"[{"description":"a.pdf","digest":"cdcd"}]"#;
        let (number, _, _) = Store::register(
            &mut tx,
            &NewRegistration {
                ente_id: ente,
                aoo_id: aoo.0,
                year,
                registered_at: &format!("{year}-05-01T10:00:00.000000Z"),
                direction: "E",
                correspondent: "RSSMRA80A01E625I",
                subject,
                sender_reference: None,
                document_digest: &"ab".repeat(32),
                attachments,
                classification: "1.1",
                fascicolo: "f",
                application_id: None,
            },
            GENESIS,
            |number, previous| registration(&aoo.1, year, number, subject).chain_hash(previous),
        )
        .await
        .unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        number
    }

    fn as_chain(aoo: &str, rows: &[RegistrationRow]) -> Vec<StoredRegistration> {
        rows.iter()
            .map(|r| StoredRegistration {
                registration: registration(
                    aoo,
                    i32::try_from(r.year).unwrap(),
                    r.number,
                    &r.subject,
                ),
                previous_hash: r.previous_hash.clone(),
                hash: r.hash.clone(),
            })
            .collect()
    }

    /// The words migration 0047 cuts from registrations written before it are the words the
    /// registrar cuts from every registration since (`words.rs`), on both databases.
    #[tokio::test]
    async fn the_backfill_cuts_words_as_the_registrar_does() {
        let (_db, store, aoo, ente) = store_with_ente().await;
        let correspondents = [
            "Mario Rossi (RSSMRA80A01E625I)",
            "Esposito Costruzioni S.r.l. (P.IVA 02468135799)",
            "D'Angelo-Bianchi  Niccolò; È: \"x\" a/b",
            "NICCOLÒ FORTUNÉ ÀLVARO (ÙÚÌÍÓÉ)",
        ];
        for c in correspondents {
            let mut tx = store.begin().await.unwrap();
            Store::register(
                &mut tx,
                &NewRegistration {
                    ente_id: ente,
                    aoo_id: aoo.0,
                    year: 2026,
                    registered_at: "2026-05-01T10:00:00.000000Z",
                    direction: "E",
                    correspondent: c,
                    subject: "s",
                    sender_reference: None,
                    document_digest: &"ab".repeat(32),
                    attachments: "[]",
                    classification: "1.1",
                    fascicolo: "f",
                    application_id: None,
                },
                GENESIS,
                |number, previous| registration(&aoo.1, 2026, number, "s").chain_hash(previous),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let read = |store: Store| async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT word, registration_id FROM registration_words ORDER BY registration_id, word",
            )
            .fetch_all(store.reader())
            .await
            .unwrap();
            rows
        };
        let written = read(store.clone()).await;
        assert_eq!(
            written
                .iter()
                .filter(|(_, id)| *id == 1)
                .map(|(w, _)| w.as_str())
                .collect::<Vec<_>>(),
            vec!["mario", "rossi", "rssmra80a01e625i"]
        );
        let dialect = match store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let migration = std::fs::read_to_string(format!(
            "{}/migrations/{dialect}/0047_registration_words.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let backfill = migration
            .split("-- The registrations written before: cut here, once.")
            .nth(1)
            .unwrap();
        sqlx::query("DELETE FROM registration_words")
            .execute(&store.write_pool())
            .await
            .unwrap();
        sqlx::query(backfill)
            .execute(&store.write_pool())
            .await
            .unwrap();
        assert_eq!(read(store.clone()).await, written);
    }

    #[tokio::test]
    async fn numbers_are_gapless_restart_each_year_and_chain() {
        let (_db, store, aoo, ente) = store_with_ente().await;
        assert_eq!(register(&store, ente, &aoo, 2026, "uno", true).await, 1);
        assert_eq!(
            register(&store, ente, &aoo, 2026, "annullata dal rollback", false).await,
            2
        );
        assert_eq!(
            register(&store, ente, &aoo, 2026, "due", true).await,
            2,
            "a rolled-back number is given back"
        );
        assert_eq!(
            register(&store, ente, &aoo, 2027, "nuovo anno", true).await,
            1,
            "numbers restart on 1 January"
        );
        let rows = store
            .region_wide()
            .registrations_of_aoo(aoo.0, None)
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.year, r.number)).collect::<Vec<_>>(),
            [(2026, 1), (2026, 2), (2027, 1)]
        );
        assert_eq!(verify_chain(&as_chain(&aoo.1, &rows)), vec![]);
        assert_eq!(
            store
                .region_wide()
                .register_head(aoo.0)
                .await
                .unwrap()
                .unwrap()
                .2,
            rows[2].hash
        );
    }

    #[tokio::test]
    async fn concurrent_registrations_get_distinct_consecutive_numbers() {
        let (_db, store, aoo, ente) = store_with_ente().await;
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                let aoo = aoo.clone();
                tokio::spawn(async move {
                    register(&store, ente, &aoo, 2026, &format!("domanda {i}"), true).await
                })
            })
            .collect();
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap());
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
        let rows = store
            .region_wide()
            .registrations_of_aoo(aoo.0, Some(2026))
            .await
            .unwrap();
        assert_eq!(verify_chain(&as_chain(&aoo.1, &rows)), vec![]);
    }

    #[tokio::test]
    async fn a_draft_is_claimed_for_submission_once() {
        let (_db, store, _aoo, ente) = store_with_ente().await;
        let tenant = store.tenant(sportello_domain::tenancy::EnteId::from_stored(ente));
        store.upsert_service("svc", 1, "{}", 1).await.unwrap();
        tenant
            .create_application(&NewApplication {
                id: "app-1",
                service_id: "svc",
                service_version: 1,
                applicant: "RSSMRA80A01E625I",
                acting_for: None,
                mode: "self",
                data: "{}",
                idempotency_key: None,
                now_ms: 1,
            })
            .await
            .unwrap();
        assert!(
            tenant
                .application_of("app-1", "BNCGLI92E54D612C")
                .await
                .unwrap()
                .is_none(),
            "another person sees nothing"
        );
        assert!(tenant
            .save_draft("app-1", "RSSMRA80A01E625I", r#"{"a":"1"}"#, 1, 2)
            .await
            .unwrap());
        let mut tx = store.begin().await.unwrap();
        assert!(TenantStore::claim_for_submission(
            &mut tx,
            sportello_domain::tenancy::EnteId::from_stored(ente),
            "app-1",
            "RSSMRA80A01E625I",
            "{}",
            3
        )
        .await
        .unwrap());
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(!TenantStore::claim_for_submission(
            &mut tx,
            sportello_domain::tenancy::EnteId::from_stored(ente),
            "app-1",
            "RSSMRA80A01E625I",
            "{}",
            4
        )
        .await
        .unwrap());
        tx.rollback().await.unwrap();
        assert!(
            !tenant
                .save_draft("app-1", "RSSMRA80A01E625I", "{}", 1, 5)
                .await
                .unwrap(),
            "a submitted application is not a draft"
        );
        let other = store.tenant(sportello_domain::tenancy::EnteId::from_stored(ente + 1000));
        assert!(
            other
                .application_of("app-1", "RSSMRA80A01E625I")
                .await
                .unwrap()
                .is_none(),
            "another ente sees nothing"
        );
        assert!(other.files("app-1").await.unwrap().is_empty());
    }

    /// The register of one ente, seen and touched from another: nothing is found, nothing
    /// changes.
    #[tokio::test]
    async fn another_entes_register_and_cases_are_out_of_reach() {
        let (_db, store, aoo, livorno) = store_with_ente().await;
        let firenze_row =
            Municipality::from_row(&["048017", "Firenze", "Firenze", "FI", "D612", "1"]).unwrap();
        let mut tx = store.begin().await.unwrap();
        Store::upsert_municipalities(&mut tx, "09", &[firenze_row], 2)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let livorno = sportello_domain::tenancy::EnteId::from_stored(livorno);
        let firenze = store.ente_by_istat("048017").await.unwrap().unwrap();
        let ours = store.tenant(livorno);
        let theirs = store.tenant(firenze.ente_id());
        register(&store, livorno.get(), &aoo, 2026, "Esposto", true).await;
        let all = RegistrySearch::default();
        let mine = ours.search_register(&all, 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        let id = mine[0].id;

        assert!(theirs.search_register(&all, 10).await.unwrap().is_empty());
        assert!(theirs.registry_entry(id).await.unwrap().is_none());
        assert!(theirs.registration_by_id(id).await.unwrap().is_none());
        assert!(theirs.segnatura(id).await.unwrap().is_none());
        assert!(theirs.daily_registers(aoo.0).await.unwrap().is_empty());
        assert!(theirs
            .registrations_of_day(aoo.0, "2026-05-01")
            .await
            .unwrap()
            .is_empty());
        assert!(!theirs
            .request_annulment(id, (999, "intruso"), 5, "motivo")
            .await
            .unwrap());
        assert_eq!(
            theirs
                .authorise_annulment(id, (998, "intruso"), 6)
                .await
                .unwrap(),
            Authorisation::NothingPending
        );
        let entry = ours.registry_entry(id).await.unwrap().unwrap();
        assert_eq!(
            (entry.annulment_requested_by, entry.annulled_at),
            (None, None),
            "the other ente's attempts changed nothing"
        );
    }
}

#[tokio::test]
async fn one_per_person_lookups_go_through_the_applicant() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    if store.backend() != Backend::Sqlite {
        return; // PostgreSQL plans by its statistics.
    }
    for sql in [
        crate::applications::FILED_NUMBER_SQL,
        crate::applications::COUNT_SUBMITTED_SQL,
    ] {
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .bind(1_i64)
            .bind("contributo-click-day")
            .bind("RSSMRA80A01H501U")
            .fetch_all(store.reader())
            .await
            .unwrap()
            .iter()
            .map(|row| sqlx::Row::try_get::<String, _>(row, "detail").unwrap())
            .collect();
        let outer = plan
            .iter()
            .find(|d| d.contains("applications"))
            .unwrap_or_else(|| panic!("no plan for {sql}: {plan:?}"));
        assert!(
            outer.contains("applications_idempotency"),
            "{sql} is planned as {plan:?}"
        );
    }
}

#[tokio::test]
async fn sqlite_log_reaches_the_database_file_below_the_writers_own_threshold() {
    // The writer's own checkpoints start only past 16,384 pages of log; what is written here
    // (about 2,000 pages) reaches the database file only through `dialect::checkpoint_sqlite`.
    let db = TestDatabase::sqlite();
    let store = db.store().await.unwrap();
    let file = db.url.trim_start_matches("sqlite://").to_string();
    let before = std::fs::metadata(&file).unwrap().len();
    let mut tx = store.begin().await.unwrap();
    sqlx::query("CREATE TABLE ballast (b BLOB)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for _ in 0..2_000 {
        sqlx::query("INSERT INTO ballast (b) VALUES (zeroblob(4000))")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let grown = before + 4_000 * 2_000;
    let mut size = 0;
    for _ in 0..100 {
        tokio::time::sleep(crate::dialect::CHECKPOINT_EVERY).await;
        size = std::fs::metadata(&file).unwrap().len();
        if size >= grown {
            break;
        }
    }
    assert!(
        size >= grown,
        "the database file has {size} bytes; {grown} expected once the log is checkpointed"
    );
}

#[tokio::test]
async fn session_reads_on_kept_connections_see_every_write_and_outlive_a_lost_connection() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    // Each read sees the write before it: a kept connection holds no snapshot between reads.
    for i in 0..20 {
        let h = format!("kept-{i}");
        assert!(store.session(&h, 5).await.unwrap().is_none());
        store
            .create_session(&h, SessionKind::Citizen, None, Some("{}"), 1, 1000)
            .await
            .unwrap();
        assert!(store.session(&h, 5).await.unwrap().is_some(), "{h}");
        assert!(store.delete_session(&h).await.unwrap());
        assert!(store.session(&h, 5).await.unwrap().is_none(), "{h}");
    }
    if let Some(direct) = &store.direct {
        // SQLite: every one of those reads was made in the test's own thread.
        assert_eq!(direct.answered(), 60);
    }
    // More reads at once than kept connections: the others go to the pool. (On SQLite the
    // reads made in place are crowded out first, so that the kept connections are asked.)
    let crowded = store.direct.as_ref().map(|d| d.crowd());
    store
        .create_session("many", SessionKind::Citizen, None, Some("{}"), 1, 1000)
        .await
        .unwrap();
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let store = store.clone();
        reads.spawn(async move { store.session("many", 5).await });
    }
    while let Some(read) = reads.join_next().await {
        assert!(read.unwrap().unwrap().is_some());
    }
    drop(crowded);
    if store.backend() == Backend::Postgres {
        // The server drops every other connection, the kept ones among them: the next read
        // fails on its kept connection, which is let go, and is answered through the pool.
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(store.write_pool().acquire().await.unwrap().as_mut())
        .await
        .unwrap();
        for _ in 0..3 {
            assert!(store.session("many", 5).await.unwrap().is_some());
        }
    }
}

/// The open queue's predicate is the partial index's (migration 0046), and names exactly the
/// states that are not concluded: a case concluded tomorrow by a new state would otherwise
/// stay in the queue, or a new open state never reach it.
#[test]
fn the_open_predicate_names_every_open_state() {
    use sportello_domain::procedure::states::CaseState;
    let listed: Vec<&str> = crate::cases::OPEN_CASES
        .split(['(', ')'])
        .nth(3)
        .unwrap()
        .split(',')
        .map(|s| s.trim().trim_matches('\''))
        .collect();
    let open: Vec<&str> = CaseState::ALL
        .iter()
        .filter(|s| !s.is_concluded() && **s != CaseState::Ritirata)
        .map(|s| s.code())
        .collect();
    assert_eq!(listed, open);
    // The kept counts' filter on the state shown lists the same states.
    assert!(crate::cases::OPEN_CASES.ends_with(crate::cases::OPEN_SHOWN_STATES));
    for (dialect, file) in [
        ("sqlite", "0046_region_scale"),
        ("postgres", "0046_region_scale"),
        ("sqlite", "0053_kept_terms"),
        ("postgres", "0053_kept_terms"),
    ] {
        let migration = std::fs::read_to_string(format!(
            "{}/migrations/{dialect}/{file}.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let predicate = crate::cases::OPEN_CASES.replace("a.", "");
        let flat: String = migration.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&predicate), "{dialect}: {predicate}");
    }
}

/// The open queue, the register newest first and a number searched for are read through their
/// indexes, on both databases (PostgreSQL asked to avoid sequential scans, so that its plan
/// shows whether the index can serve the query at all).
#[tokio::test]
async fn the_queue_and_the_register_are_read_through_their_indexes() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let open = format!(
        "SELECT a.id FROM applications a JOIN protocol_registrations r ON r.application_id = a.id \
         WHERE a.ente_id = 1 AND r.ente_id = 1 AND {}",
        crate::cases::OPEN_CASES
    );
    let newest = "SELECT r.id FROM protocol_registrations r WHERE r.ente_id = 1 \
                  ORDER BY r.year DESC, r.number DESC LIMIT 50";
    let number = "SELECT r.id FROM protocol_registrations r WHERE r.ente_id = 1 AND r.number = 7";
    let words = "SELECT r.id FROM protocol_registrations r WHERE r.ente_id = 1 AND r.id IN \
                 (SELECT w.registration_id FROM registration_words w WHERE w.ente_id = 1 \
                 AND w.word >= 'ross' AND w.word < 'rossz')";
    // One service's cases newest registration first: a range of their own index, in order.
    let service =
        "SELECT a.id FROM applications a WHERE a.ente_id = 1 AND a.service_id = 'servizio' \
                   ORDER BY a.service_id DESC, a.registered_year DESC, a.registered_number DESC, a.id DESC LIMIT 51";
    // The open cases newest registration first, filtered by their kept term: the open index
    // alone, in its order (migration 0053).
    let open_page = format!(
        "SELECT a.id, a.service_id, a.assignee FROM applications a WHERE a.ente_id = 1 AND {} \
         AND a.term_due < 2461000 AND a.term_kept = 1 \
         ORDER BY a.registered_year DESC, a.registered_number DESC, a.id DESC LIMIT 51",
        crate::cases::OPEN_CASES
    );
    // Every case newest registration first: the register's order, each registration's cases
    // found through the expression they join on (a part shares its filing's registration).
    let every = "SELECT a.id FROM applications a JOIN protocol_registrations r \
                 ON r.application_id = a.filing_id WHERE a.ente_id = 1 AND r.ente_id = 1 \
                 AND a.registered_year IS NOT NULL ORDER BY a.registered_year DESC, a.registered_number DESC, a.id DESC LIMIT 51";
    // A name searched for: the registrations its words find, and their cases through the
    // expression they join on (a part shares its filing's registration).
    let named = "SELECT a.id FROM applications a JOIN protocol_registrations r \
                 ON r.application_id = a.filing_id WHERE +a.ente_id = 1 AND r.ente_id = 1 \
                 AND r.id IN (SELECT w.registration_id FROM registration_words w WHERE w.ente_id = 1 \
                 AND w.word >= 'ross' AND w.word < 'rossz') ORDER BY r.year DESC, r.number DESC LIMIT 51";
    let listed = format!(
        "SELECT a.service_id FROM applications a JOIN protocol_registrations r \
         ON r.application_id = a.filing_id WHERE +a.ente_id = 1 AND {} = 1{} LIMIT 1001",
        crate::words::Newest::ENTE,
        crate::words::Newest {
            ids: (1..=1_000).rev().collect(),
            more: true,
        }
        .condition()
    );
    for (sql, index) in [
        (every, "applications_registered"),
        (named, "applications_by_filing"),
        (service, "applications_by_service_registered"),
        (open_page.as_str(), "applications_open"),
        (open.as_str(), "applications_open"),
        (newest, "protocol_registrations_by_ente"),
        (number, "protocol_registrations_by_number"),
        // SQLite names the primary key's index `sqlite_autoindex_registration_words_1`,
        // PostgreSQL `registration_words_pkey`.
        (words, "registration_words_"),
    ]
    .into_iter()
    // The registrations a name's words listed (a thousand, for the queue's counts): on SQLite
    // by their primary key (the rowid), never a walk of the ente's registrations. PostgreSQL
    // plans by its statistics, which an empty test database does not have.
    .chain((store.backend() == Backend::Sqlite).then_some((listed.as_str(), "INTEGER PRIMARY KEY")))
    {
        let plan: Vec<String> = match store.backend() {
            Backend::Sqlite => sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(store.reader())
                .await
                .unwrap()
                .iter()
                .map(|row| sqlx::Row::try_get::<String, _>(row, "detail").unwrap())
                .collect(),
            Backend::Postgres => {
                let mut tx = store.begin().await.unwrap();
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let rows = sqlx::query(&format!("EXPLAIN {sql}"))
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
                rows.iter()
                    .map(|row| sqlx::Row::try_get::<String, _>(row, 0).unwrap())
                    .collect()
            }
        };
        assert!(
            plan.iter().any(|line| line.contains(index)
                && (line.to_lowercase().contains("index") || index.contains("PRIMARY KEY"))),
            "{sql} is planned as {plan:?}"
        );
        // Read in the index's order, never sorted afterwards.
        if sql == service || sql == open_page || sql == every {
            assert!(
                !plan.iter().any(|line| line.contains("TEMP B-TREE")
                    || line.trim_start().starts_with("Sort")
                    || line.contains("-> Sort")),
                "{sql} is sorted: {plan:?}"
            );
        }
    }
}
