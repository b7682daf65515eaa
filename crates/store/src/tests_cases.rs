//! Cases and the back office's storage story, on SQLite and (with `SPORTELLO_TEST_POSTGRES`)
//! PostgreSQL: another ente's transaction can neither read nor write one ente's case — not its
//! head, events, notes, messages, documents, assignee or state — and each write it attempts is
//! refused with nothing written; the jobs' region-wide pages see every ente's open cases, one
//! page at a time; events carry only the domain's kinds and states.

use sportello_domain::identity::Role;
use sportello_domain::procedure::states::CaseState;
use sportello_domain::procedure::CaseEventKind;
use sportello_domain::protocol::GENESIS;
use sportello_domain::tenancy::{EnteId, Municipality};

use crate::testing::TestDatabase;
use crate::*;

struct Story {
    _db: TestDatabase,
    store: Store,
    livorno: EnteId,
    pisa: EnteId,
    /// Livorno's filed case, its registration, and a worker of each ente.
    case: String,
    registration: i64,
    livorno_worker: i64,
    pisa_worker: i64,
}

async fn story() -> Story {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let rows = [
        &["049009", "Livorno", "Livorno", "LI", "E625", "1"],
        &["050026", "Pisa", "Pisa", "PI", "G702", "1"],
    ];
    let list: Vec<Municipality> = rows
        .iter()
        .map(|r| Municipality::from_row(*r).unwrap())
        .collect();
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let livorno = store.ente_by_istat("049009").await.unwrap().unwrap();
    let pisa = store.ente_by_istat("050026").await.unwrap().unwrap();
    store
        .upsert_service("servizio", 1, r#"{"id":"servizio"}"#, 1)
        .await
        .unwrap();
    let ours = store.tenant(livorno.ente_id());
    ours.adopt("servizio", "{}", 1).await.unwrap();
    ours.create_application(&NewApplication {
        id: "pratica-livorno",
        service_id: "servizio",
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
    let aoo = ours.main_aoo().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let (number, _, _) = Store::register(
        &mut tx,
        &NewRegistration {
            ente_id: livorno.id,
            aoo_id: aoo.0,
            year: 2026,
            registered_at: "2026-05-01T10:00:00.000000Z",
            direction: "E",
            correspondent: "RSSMRA80A01E625I",
            subject: "Domanda",
            sender_reference: None,
            document_digest: &"ab".repeat(32),
            attachments: "[]",
            classification: "1.1",
            fascicolo: "f",
            application_id: Some("pratica-livorno"),
        },
        GENESIS,
        |number, previous| format!("{number}{previous}"),
    )
    .await
    .unwrap();
    // Filed: the registrar's own statements are the filing story's; here only the outcome.
    sqlx::query(
        "UPDATE applications SET status = 'submitted', case_state = 'protocollata', submitted_at = 1, \
         registered_year = 2026, registered_number = $2 WHERE id = $1",
    )
    .bind("pratica-livorno")
    .bind(number)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let registration = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM protocol_registrations WHERE application_id = $1",
    )
    .bind("pratica-livorno")
    .fetch_one(store.reader())
    .await
    .unwrap();
    let worker = |ente: EnteId, username: &'static str| {
        let store = store.clone();
        async move {
            store
                .create_staff_user(
                    &NewStaffUser {
                        ente: Some(ente),
                        username,
                        display_name: username,
                        password_hash: "x",
                        totp_secret: None,
                        roles: &[Role::Operator],
                        email: "",
                    },
                    1,
                )
                .await
                .unwrap()
        }
    };
    let livorno_worker = worker(livorno.ente_id(), "operatore-livorno").await;
    let pisa_worker = worker(pisa.ente_id(), "operatore-pisa").await;
    Story {
        _db: db,
        store,
        livorno: livorno.ente_id(),
        pisa: pisa.ente_id(),
        case: "pratica-livorno".into(),
        registration,
        livorno_worker,
        pisa_worker,
    }
}

fn document(s: &Story, id: &str) -> CaseDocumentRow {
    CaseDocumentRow {
        id: id.into(),
        application_id: s.case.clone(),
        kind: "avvio".into(),
        direction: "U".into(),
        registration_id: s.registration,
        sha256: "cd".repeat(32),
        file_name: "avvio.pdf".into(),
        media_type: "application/pdf".into(),
        size: 1,
        created_at: 2,
    }
}

fn refused(r: Result<impl std::fmt::Debug, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

#[tokio::test]
async fn another_entes_transaction_cannot_touch_a_case() {
    let s = story().await;
    let id = s.case.as_str();

    // Pisa's transaction: every write onto Livorno's case is refused.
    let mut theirs = s.store.begin_for(s.pisa).await.unwrap();
    assert!(refused(
        theirs
            .record_case_event(id, 2, CaseEventKind::Started, CaseState::InIstruttoria, "x")
            .await
    ));
    assert!(refused(theirs.insert_note(id, 2, "x", "nota").await));
    assert!(refused(
        theirs
            .insert_message(id, 2, true, "x", "messaggio", None)
            .await
    ));
    assert!(refused(
        theirs.insert_case_document(&document(&s, "d-pisa")).await
    ));
    assert!(refused(theirs.set_assignee(id, s.pisa_worker).await));
    assert!(!theirs
        .move_case(
            id,
            CaseState::Protocollata.code(),
            CaseState::Accolta.code()
        )
        .await
        .unwrap());
    theirs.commit().await.unwrap();

    // Livorno's own transaction: the same case cannot go to Pisa's worker either.
    let mut ours = s.store.begin_for(s.livorno).await.unwrap();
    assert!(refused(ours.set_assignee(id, s.pisa_worker).await));
    drop(ours); // rolled back

    // Nothing of it was written.
    let ours = s.store.tenant(s.livorno);
    assert!(ours.case_events(id).await.unwrap().is_empty());
    assert!(ours.case_notes(id).await.unwrap().is_empty());
    assert!(ours.case_messages(id).await.unwrap().is_empty());
    assert!(ours.case_documents(id).await.unwrap().is_empty());
    let head = ours.case_head(id).await.unwrap().unwrap();
    assert_eq!(head.assignee, None);
    assert_eq!(
        ours.case_state(id).await.unwrap().as_deref(),
        Some("protocollata")
    );
    for table in [
        "case_events",
        "case_notes",
        "case_messages",
        "case_documents",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(s.store.reader())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} holds a row another ente wrote");
    }

    // Pisa reads nothing of it.
    let theirs = s.store.tenant(s.pisa);
    assert!(theirs.case_head(id).await.unwrap().is_none());
    assert!(theirs.case_state(id).await.unwrap().is_none());
    assert!(theirs.queue().await.unwrap().is_empty());
    assert!(theirs.queue_row(id).await.unwrap().is_none());
    assert_eq!(
        s.store
            .tenant(s.livorno)
            .queue_row(id)
            .await
            .unwrap()
            .map(|r| r.id),
        Some(id.to_owned())
    );
    assert!(theirs.segnatura(s.registration).await.unwrap().is_none());
    assert!(theirs
        .case_events_of_kinds(CaseEventKind::ALL)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        theirs.case_workers().await.unwrap(),
        vec![(s.pisa_worker, "operatore-pisa".to_string())]
    );
}

#[tokio::test]
async fn the_entes_own_transaction_works_its_case_and_jobs_page_the_region() {
    let s = story().await;
    let id = s.case.as_str();
    let mut ours = s.store.begin_for(s.livorno).await.unwrap();
    assert!(ours
        .move_case(
            id,
            CaseState::Protocollata.code(),
            CaseState::InIstruttoria.code()
        )
        .await
        .unwrap());
    ours.record_case_event(
        id,
        2,
        CaseEventKind::Started,
        CaseState::InIstruttoria,
        "Ufficio",
    )
    .await
    .unwrap();
    ours.insert_case_document(&document(&s, "d-livorno"))
        .await
        .unwrap();
    ours.insert_message(id, 3, true, "Ufficio", "Avvio", Some("d-livorno"))
        .await
        .unwrap();
    ours.insert_note(id, 3, "Ufficio", "nota").await.unwrap();
    ours.set_assignee(id, s.livorno_worker).await.unwrap();
    // A message cannot carry a document of no case of its own.
    assert!(refused(
        ours.insert_message(id, 4, true, "Ufficio", "x", Some("d-altro"))
            .await
    ));
    ours.commit().await.unwrap();

    let tenant = s.store.tenant(s.livorno);
    let events = tenant.case_events(id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| (e.kind, e.state)).collect::<Vec<_>>(),
        [(CaseEventKind::Started, CaseState::InIstruttoria)]
    );
    let suspending = tenant
        .case_events_of_kinds(&[CaseEventKind::IntegrationRequested])
        .await
        .unwrap();
    assert!(suspending.is_empty());
    assert_eq!(
        tenant.case_head(id).await.unwrap().unwrap().assignee,
        Some(s.livorno_worker)
    );
    assert_eq!(tenant.case_messages(id).await.unwrap().len(), 1);
    assert_eq!(tenant.case_notes(id).await.unwrap().len(), 1);

    // The jobs' region-wide page: Livorno's open case, and after it nothing.
    let region = s.store.region_wide();
    let page = region
        .open_cases(&[CaseState::InIstruttoria.code()], "", 10)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].ente_id, s.livorno.get());
    assert!(region
        .open_cases(&[CaseState::InIstruttoria.code()], id, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(region
        .open_cases(&[CaseState::Accolta.code()], "", 10)
        .await
        .unwrap()
        .is_empty());

    // The database refuses an event kind or state that is not the domain's.
    for (kind, state) in [("Avvio", "in_istruttoria"), ("avvio", "In istruttoria")] {
        let wrong = sqlx::query(
            "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) VALUES ($1, $2, 5, $3, $4, 'x')",
        )
        .bind(id)
        .bind(s.livorno.get())
        .bind(kind)
        .bind(state)
        .execute(&s.store.write_pool())
        .await;
        assert!(wrong.is_err(), "{kind}/{state} was stored");
    }
}

/// The queue's counts as the kept rows say (migration 0048), and as the filed cases themselves
/// say, for every facet under every filter of one facet's values: they must agree.
async fn kept_counts_agree(s: &Story) {
    for ente in [s.livorno, s.pisa] {
        kept_counts_agree_for(s, ente).await;
    }
}

async fn kept_counts_agree_for(s: &Story, ente: EnteId) {
    let tenant = s.store.tenant(ente);
    let cases = tenant.queue().await.unwrap();
    let shown = |r: &QueueRow| {
        if r.status == sportello_domain::procedure::ApplicationStatus::Withdrawn {
            "ritirata".to_string()
        } else {
            r.case_state
                .clone()
                .unwrap_or_else(|| "protocollata".into())
        }
    };
    let open = |state: &str| {
        CaseState::from_code(state).is_some_and(|c| !c.is_concluded()) && state != "ritirata"
    };
    let whose = |r: &QueueRow| r.assignee.map(|a| a.to_string()).unwrap_or_default();
    let mut filters = vec![
        QueueFilter::default(),
        QueueFilter {
            open_only: true,
            ..Default::default()
        },
        QueueFilter {
            assignee: AssigneeFilter::Nobody,
            ..Default::default()
        },
        QueueFilter {
            assignee: AssigneeFilter::Person(s.livorno_worker),
            ..Default::default()
        },
    ];
    for r in &cases {
        filters.push(QueueFilter {
            state: Some(shown(r)),
            ..Default::default()
        });
        filters.push(QueueFilter {
            service: Some(r.service_id.clone()),
            open_only: true,
            ..Default::default()
        });
    }
    for filter in &filters {
        let through: Vec<&QueueRow> = cases
            .iter()
            .filter(|r| !filter.open_only || open(&shown(r)))
            .filter(|r| filter.state.as_ref().is_none_or(|st| *st == shown(r)))
            .filter(|r| filter.service.as_ref().is_none_or(|sv| *sv == r.service_id))
            .filter(|r| match filter.assignee {
                AssigneeFilter::Anyone => true,
                AssigneeFilter::Nobody => r.assignee.is_none(),
                AssigneeFilter::Person(p) => r.assignee == Some(p),
            })
            .collect();
        for (facet, key) in [
            (QueueFacet::State, &shown as &dyn Fn(&QueueRow) -> String),
            (QueueFacet::Service, &|r: &QueueRow| r.service_id.clone()),
            (QueueFacet::Assignee, &whose),
        ] {
            let mut expected: std::collections::BTreeMap<String, i64> = Default::default();
            for r in &through {
                *expected.entry(key(r)).or_default() += 1;
            }
            let kept = tenant.queue_counts(filter, facet, 0).await.unwrap();
            assert!(kept.exact);
            assert_eq!(
                kept.counts,
                expected.into_iter().collect::<Vec<_>>(),
                "{facet:?} under {filter:?}"
            );
        }
    }
}

/// The office queue's counts are kept by the database as cases are filed and move (triggers
/// appending +1/-1 rows, folded by the jobs): after filings in bulk, moves of state and
/// assignee, withdrawals and a draft, before and after folds, the counts read
/// from the kept rows are those of the cases themselves; a fold leaves one row per key; a search
/// is still counted from the cases, and capped.
#[tokio::test]
async fn the_queues_kept_counts_follow_every_move() {
    let s = story().await;
    s.store
        .upsert_service("altro", 1, r#"{"id":"altro"}"#, 1)
        .await
        .unwrap();
    let tenant = s.store.tenant(s.livorno);
    tenant.adopt("altro", "{}", 1).await.unwrap();
    let (aoo, _) = tenant.main_aoo().await.unwrap();
    // Pisa files too: its counts must stay its own.
    let pisa = s.store.tenant(s.pisa);
    pisa.adopt("servizio", "{}", 1).await.unwrap();
    let (pisa_aoo, _) = pisa.main_aoo().await.unwrap();
    let states: [Option<&'static str>; 4] = [
        Some("protocollata"),
        Some("in_istruttoria"),
        Some("accolta"),
        None,
    ];
    let filings: Vec<BulkFiling> = (1..=30_i64)
        .map(|n| {
            let i = usize::try_from(n).unwrap();
            let in_pisa = n > 24;
            BulkFiling {
                id: format!("kept{n:04}"),
                ente_id: if in_pisa {
                    s.pisa.get()
                } else {
                    s.livorno.get()
                },
                service_id: if n % 3 == 0 && !in_pisa {
                    "altro"
                } else {
                    "servizio"
                }
                .into(),
                service_version: 1,
                applicant: "RSSMRA80A01E625I".into(),
                given_name: "Mario".into(),
                family_name: "Rossi".into(),
                status: if n % 7 == 0 { "withdrawn" } else { "submitted" },
                case_state: states[i % 4],
                data: "{}".into(),
                assignee: (n % 5 == 0 && !in_pisa).then_some(s.livorno_worker),
                created_at: 10 + n,
                submitted_at: 10 + n,
                updated_at: 10 + n,
                aoo_id: if in_pisa { pisa_aoo } else { aoo },
                // Two years, numbered on in each as the register would (the first year's
                // numbers are high: the order is by year first).
                year: if n % 4 == 0 { 2024 } else { 2025 },
                number: if in_pisa { n - 24 } else { n },
                registered_at: "2025-11-14T22:13:20Z".into(),
                correspondent: format!("Mario Rossi {n}"),
                subject: "Domanda".into(),
                document_digest: "0".repeat(64),
                attachments: "[]".into(),
                previous_hash: "0".repeat(64),
                hash: "0".repeat(64),
                classification: "I.1".into(),
                fascicolo: format!("2025/{n}"),
                events: vec![],
                files: vec![],
            }
        })
        .collect();
    s.store.bulk_file(&filings).await.unwrap();
    kept_counts_agree(&s).await;
    // One service's queue, read through the applications' own copy of their numbers, is the
    // whole queue's order filtered, page after page.
    let whole = tenant.queue().await.unwrap();
    for service in ["servizio", "altro"] {
        let filter = QueueFilter {
            service: Some(service.into()),
            ..Default::default()
        };
        let mut paged = Vec::new();
        for page in 0..10 {
            paged.extend(tenant.queue_page(&filter, page * 4, 4).await.unwrap());
        }
        let expected: Vec<(i64, i64)> = whole
            .iter()
            .filter(|r| r.service_id == service)
            .map(|r| (r.year, r.number))
            .collect();
        assert!(expected.len() > 4, "{service}: more than a page");
        assert_eq!(
            paged.iter().map(|r| (r.year, r.number)).collect::<Vec<_>>(),
            expected,
            "{service}"
        );
    }
    assert!(tenant
        .misnumbered_applications(10)
        .await
        .unwrap()
        .is_empty());

    // Moves of state and assignee through the office's own statements; a withdrawal.
    let mut tx = s.store.begin_for(s.livorno).await.unwrap();
    for n in [1_i64, 2, 5, 9] {
        let id = format!("kept{n:04}");
        tx.record_case_event(
            &id,
            100,
            CaseEventKind::Started,
            CaseState::InIstruttoria,
            "Ufficio",
        )
        .await
        .unwrap();
        tx.set_assignee(&id, s.livorno_worker).await.unwrap();
    }
    tx.record_case_event(
        &s.case,
        100,
        CaseEventKind::Started,
        CaseState::InIstruttoria,
        "Ufficio",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(tenant
        .withdraw("kept0002", "RSSMRA80A01E625I", 101)
        .await
        .unwrap());
    kept_counts_agree(&s).await;
    // A page's events read at once are each case's own, in order.
    let ids = [
        "kept0001",
        "kept0002",
        "kept0005",
        "kept0003",
        s.case.as_str(),
    ];
    let batch = tenant.case_events_of(&ids).await.unwrap();
    assert!(batch.get("kept0001").is_some_and(|e| !e.is_empty()));
    for id in ids {
        assert_eq!(
            batch.get(id).cloned().unwrap_or_default(),
            tenant.case_events(id).await.unwrap(),
            "{id}"
        );
    }
    assert!(
        pisa.case_events_of(&ids).await.unwrap().is_empty(),
        "another ente's cases"
    );
    // Folded in slices of three rows (SQLite folds a slice per transaction), then once more.
    assert!(s.store.fold_queue_counts_by(3).await.unwrap() > 0);
    kept_counts_agree(&s).await;
    s.store.fold_queue_counts().await.unwrap();
    kept_counts_agree(&s).await;
    // Folded: one row per key with a count.
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_counts")
        .fetch_one(s.store.reader())
        .await
        .unwrap();
    let keys: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 AS k FROM queue_counts GROUP BY ente_id, service_id, state, assignee) k",
    )
    .fetch_one(s.store.reader())
    .await
    .unwrap();
    assert_eq!(rows, keys);

    // A draft does not count, nor does it when withdrawn.
    tenant
        .create_application(&NewApplication {
            id: "kept-draft",
            service_id: "servizio",
            service_version: 1,
            applicant: "RSSMRA80A01E625I",
            acting_for: None,
            mode: "self",
            data: "{}",
            idempotency_key: None,
            now_ms: 200,
        })
        .await
        .unwrap();
    assert!(tenant
        .withdraw("kept-draft", "RSSMRA80A01E625I", 201)
        .await
        .unwrap());
    kept_counts_agree(&s).await;
    s.store.fold_queue_counts().await.unwrap();
    kept_counts_agree(&s).await;

    // A search is counted from the cases it finds, and capped.
    let searched = tenant
        .queue_counts(
            &QueueFilter {
                search: Some(QueueSearch::Text("rossi".into())),
                ..Default::default()
            },
            QueueFacet::State,
            3,
        )
        .await
        .unwrap();
    assert!(!searched.exact);
    assert_eq!(searched.counts.iter().map(|(_, n)| n).sum::<i64>(), 4);
}

/// A name searched for among every case pages newest first through the register's words,
/// merged from each word its beginning begins (or, past 32 such words, sorted by the
/// database), whatever the other filters: the same cases, in the same order, as the whole queue
/// filtered by the same rule; capped counts and the register's search agree.
#[tokio::test]
async fn a_name_searched_for_pages_newest_first_through_its_words() {
    let s = story().await;
    let tenant = s.store.tenant(s.livorno);
    let (aoo, _) = tenant.main_aoo().await.unwrap();
    let surnames = ["Rossi", "Rossini", "Rosso", "Bianchi", "Rossetti", "Verdi"];
    let given = ["Mario", "Maria", "Luca"];
    let mut seed = 7_u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    let filings: Vec<BulkFiling> = (1..=240_i64)
        .map(|n| {
            let family = if n % 6 == 0 {
                // Forty different words that begin «xq»: more than the merge takes.
                format!("Xq{:02}", n % 40)
            } else {
                surnames[usize::try_from(next(6)).unwrap()].to_string()
            };
            let first = given[usize::try_from(next(3)).unwrap()];
            BulkFiling {
                id: format!("name{n:04}"),
                ente_id: s.livorno.get(),
                service_id: "servizio".into(),
                service_version: 1,
                applicant: "RSSMRA80A01E625I".into(),
                given_name: first.into(),
                family_name: family.clone(),
                status: if n % 11 == 0 {
                    "withdrawn"
                } else {
                    "submitted"
                },
                case_state: [Some("protocollata"), Some("accolta"), None]
                    [usize::try_from(next(3)).unwrap()],
                data: "{}".into(),
                assignee: (next(4) == 0).then_some(s.livorno_worker),
                created_at: 10 + n,
                submitted_at: 10 + n,
                updated_at: 10 + n,
                aoo_id: aoo,
                year: 2025,
                // After the story's own registration (number 1).
                number: n + 1,
                registered_at: "2025-11-14T22:13:20Z".into(),
                correspondent: format!("{first} {family}"),
                subject: "Domanda".into(),
                document_digest: "0".repeat(64),
                attachments: "[]".into(),
                previous_hash: "0".repeat(64),
                hash: "0".repeat(64),
                classification: "I.1".into(),
                fascicolo: format!("2025/{n}"),
                events: vec![],
                files: vec![],
            }
        })
        .collect();
    s.store.bulk_file(&filings).await.unwrap();
    let whole = tenant.queue().await.unwrap();
    let shown = |r: &QueueRow| {
        if r.status == sportello_domain::procedure::ApplicationStatus::Withdrawn {
            "ritirata".to_string()
        } else {
            r.case_state
                .clone()
                .unwrap_or_else(|| "protocollata".into())
        }
    };
    for typed in [
        "ross",
        "rossi",
        "rossi mar",
        "maria ross",
        "bianchi",
        "xq",
        "xq1",
        "nessuno",
    ] {
        let search = QueueSearch::parse(typed).unwrap();
        for filter in [
            QueueFilter {
                search: Some(search.clone()),
                ..Default::default()
            },
            QueueFilter {
                search: Some(search.clone()),
                state: Some("accolta".into()),
                ..Default::default()
            },
            QueueFilter {
                search: Some(search.clone()),
                assignee: AssigneeFilter::Person(s.livorno_worker),
                ..Default::default()
            },
            // The open cases: each one's own words asked.
            QueueFilter {
                search: Some(search.clone()),
                open_only: true,
                ..Default::default()
            },
        ] {
            let expected: Vec<(i64, i64)> = whole
                .iter()
                .filter(|r| search.matches(&format!("{}/{}", r.number, r.year), &r.correspondent))
                .filter(|r| !filter.open_only || matches!(shown(r).as_str(), "protocollata"))
                .filter(|r| filter.state.as_ref().is_none_or(|st| *st == shown(r)))
                .filter(|r| match filter.assignee {
                    AssigneeFilter::Anyone => true,
                    AssigneeFilter::Nobody => r.assignee.is_none(),
                    AssigneeFilter::Person(p) => r.assignee == Some(p),
                })
                .map(|r| (r.year, r.number))
                .collect();
            let mut paged = Vec::new();
            for page in 0..40 {
                paged.extend(tenant.queue_page(&filter, page * 7, 7).await.unwrap());
            }
            assert_eq!(
                paged.iter().map(|r| (r.year, r.number)).collect::<Vec<_>>(),
                expected,
                "{typed} under {filter:?}"
            );
            if filter.open_only {
                let views = tenant.open_view_counts(&filter).await.unwrap();
                assert_eq!(views[0], i64::try_from(expected.len()).unwrap(), "{typed}");
                // Every open one here is new (protocollata).
                assert_eq!(views[1], views[0], "{typed}");
                continue;
            }
            for cap in [3_i64, 1000] {
                let counted = tenant
                    .queue_counts(&filter, QueueFacet::State, cap)
                    .await
                    .unwrap();
                let total: i64 = counted.counts.iter().map(|(_, n)| n).sum();
                let all = i64::try_from(expected.len()).unwrap();
                assert_eq!(total, all.min(cap + 1), "{typed}, cap {cap}, {filter:?}");
            }
        }
        // The register by correspondent: the newest of those registrations.
        let found = tenant
            .search_register(
                &RegistrySearch {
                    correspondent: Some(typed.into()),
                    ..Default::default()
                },
                9,
            )
            .await
            .unwrap();
        let expected: Vec<i64> = whole
            .iter()
            .filter(|r| search.matches("", &r.correspondent))
            .map(|r| r.number)
            .take(9)
            .collect();
        assert_eq!(
            found.iter().map(|r| r.number).collect::<Vec<_>>(),
            expected,
            "register: {typed}"
        );
    }
}
