//! Participatory budgeting's storage story, on SQLite and (with `SPORTELLO_TEST_POSTGRES`)
//! PostgreSQL: every query of one ente's process refuses or hides it from another ente; the
//! kinds and states are refused by the database when they are not the domain's codes; a
//! `.pb` import is all or nothing.

use sportello_domain::participation::{
    BallotKind, CountingRule, Eligibility, Execution, Phase, ProjectStatus,
};
use sportello_domain::tenancy::Municipality;

use crate::testing::TestDatabase;
use crate::*;

fn process(id: &str, slug: &str) -> PbProcessRow {
    PbProcessRow {
        id: id.into(),
        slug: slug.into(),
        title: "Bilancio 2027".into(),
        description: String::new(),
        budget: 100_000,
        ballot_kind: BallotKind::Approval,
        min_projects: None,
        max_projects: None,
        max_points: None,
        rule: CountingRule::Mes,
        eligibility: Eligibility::List,
        min_age: 16,
        salt: "salt".into(),
        historical: false,
        created_at: 1,
    }
}

fn project(id: &str, status: ProjectStatus) -> PbProjectRow {
    PbProjectRow {
        id: id.into(),
        number: 0,
        title: format!("Progetto {id}"),
        description: String::new(),
        estimated_cost: 1000,
        cost: None,
        status,
        review_reason: None,
        proposer_hash: None,
        created_at: 1,
        district: None,
        execution: None,
        execution_note: None,
    }
}

fn not_found<T>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

fn phases() -> Vec<PbPhaseRow> {
    vec![PbPhaseRow {
        kind: Phase::Vote1,
        opens_on: "2027-01-01".into(),
        closes_on: "2027-01-31".into(),
    }]
}

async fn two_enti(store: &Store) -> (EnteRow, EnteRow) {
    let list = vec![
        Municipality::from_row(&["049009", "Livorno", "P", "LI", "E625", "153773"]).unwrap(),
        Municipality::from_row(&["048017", "Firenze", "P", "FI", "D612", "360930"]).unwrap(),
    ];
    let mut tx = store.begin().await.unwrap();
    Store::upsert_municipalities(&mut tx, "09", &list, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (
        store.ente_by_istat("049009").await.unwrap().unwrap(),
        store.ente_by_istat("048017").await.unwrap().unwrap(),
    )
}

#[tokio::test]
async fn one_entes_process_is_out_of_anothers_reach() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, firenze) = two_enti(&store).await;
    let ours = store.tenant(livorno.ente_id());
    let theirs = store.tenant(firenze.ente_id());
    ours.insert_pb_process(&process("p1", "bp"), &phases(), &[])
        .await
        .unwrap();
    assert_eq!(
        ours.insert_pb_project("p1", &project("j1", ProjectStatus::Proposed))
            .await
            .unwrap(),
        1
    );
    ours.replace_pb_eligible("p1", &["h1".into()])
        .await
        .unwrap();
    ours.cast_pb_ballot(NewPbBallot {
        process: "p1",
        phase: "vote1",
        person_hash: "h1",
        ballot_key: "k1",
        vote: "1",
        points: "",
        district: "",
        assisted: false,
    })
    .await
    .unwrap();
    ours.set_pb_facilitator("p1", "h1", "Pro Loco")
        .await
        .unwrap();

    // Reads: the other ente sees nothing of it.
    assert!(theirs.pb_process("bp").await.unwrap().is_none());
    assert!(theirs.pb_processes().await.unwrap().is_empty());
    assert!(theirs.pb_phases("p1").await.unwrap().is_empty());
    assert!(theirs.pb_projects("p1").await.unwrap().is_empty());
    assert!(theirs.pb_ballots("p1", "vote1").await.unwrap().is_empty());
    assert!(!theirs.pb_is_eligible("p1", "h1").await.unwrap());
    assert_eq!(theirs.pb_eligible_count("p1").await.unwrap(), 0);
    assert!(!theirs.pb_has_voted("p1", "vote1", "h1").await.unwrap());
    assert!(theirs.pb_facilitator("p1", "h1").await.unwrap().is_none());
    assert!(theirs.pb_facilitator_names("p1").await.unwrap().is_empty());
    // The owner sees all of it.
    assert!(ours.pb_is_eligible("p1", "h1").await.unwrap());
    assert!(ours.pb_has_voted("p1", "vote1", "h1").await.unwrap());
    assert_eq!(ours.pb_facilitator_names("p1").await.unwrap(), ["Pro Loco"]);

    // Writes: every one is refused, and changes nothing.
    assert!(not_found(
        theirs
            .insert_pb_project("p1", &project("j2", ProjectStatus::Proposed))
            .await
    ));
    assert!(not_found(
        theirs
            .review_pb_project("p1", "j1", ProjectStatus::Feasible, None, "", "x")
            .await
    ));
    assert!(not_found(
        theirs
            .set_pb_execution("p1", "j1", Execution::Done, "")
            .await
    ));
    assert!(not_found(theirs.replace_pb_phases("p1", &[]).await));
    assert!(not_found(theirs.replace_pb_eligible("p1", &[]).await));
    assert!(not_found(
        theirs
            .cast_pb_ballot(NewPbBallot {
                process: "p1",
                phase: "vote1",
                person_hash: "intruder",
                ballot_key: "k2",
                vote: "1",
                points: "",
                district: "",
                assisted: false,
            })
            .await
    ));
    assert!(not_found(
        theirs.seal_pb_vote("p1", "vote1", || "x".into()).await
    ));
    assert!(not_found(
        theirs.set_pb_facilitator("p1", "h2", "Intrusi").await
    ));
    assert!(not_found(
        theirs
            .insert_pb_comment("c1", "p1", 1, None, "h", "Nome", None, "testo", 1)
            .await
    ));
    let projects = ours.pb_projects("p1").await.unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].status, ProjectStatus::Proposed);
    assert_eq!(projects[0].execution, None);
    assert_eq!(ours.pb_phases("p1").await.unwrap().len(), 1);
    assert_eq!(ours.pb_eligible_count("p1").await.unwrap(), 1);
    assert_eq!(ours.pb_ballots("p1", "vote1").await.unwrap().len(), 1);
    assert_eq!(ours.pb_facilitator_names("p1").await.unwrap(), ["Pro Loco"]);

    // The owner's own writes go through and read back as the domain's values.
    ours.review_pb_project("p1", "j1", ProjectStatus::Feasible, Some(900), "ok", "x")
        .await
        .unwrap();
    ours.set_pb_execution("p1", "j1", Execution::InProgress, "")
        .await
        .unwrap();
    let j = &ours.pb_projects("p1").await.unwrap()[0];
    assert_eq!(
        (j.status, j.execution, j.cost),
        (
            ProjectStatus::Feasible,
            Some(Execution::InProgress),
            Some(900)
        )
    );
}

#[tokio::test]
async fn codes_outside_the_domains_are_refused_by_the_database() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, _) = two_enti(&store).await;
    let ours = store.tenant(livorno.ente_id());
    ours.insert_pb_process(&process("p1", "bp"), &phases(), &[])
        .await
        .unwrap();
    ours.insert_pb_project("p1", &project("j1", ProjectStatus::Proposed))
        .await
        .unwrap();
    for sql in [
        "UPDATE pb_projects SET status = 'Fattibile' WHERE id = 'j1'",
        "UPDATE pb_projects SET execution = 'finished' WHERE id = 'j1'",
        "UPDATE pb_processes SET ballot_kind = 'scoring' WHERE id = 'p1'",
        "UPDATE pb_processes SET rule = 'borda' WHERE id = 'p1'",
        "UPDATE pb_processes SET eligibility = 'all' WHERE id = 'p1'",
        "UPDATE pb_phases SET kind = 'vote3' WHERE process_id = 'p1'",
        "INSERT INTO pb_sealed (process_id, phase) VALUES ('p1', 'debate')",
    ] {
        let refused = sqlx::query(sql).execute(&store.write_pool()).await;
        assert!(refused.is_err(), "the database accepted: {sql}");
    }
    // NULL stays allowed where the column is optional.
    sqlx::query("UPDATE pb_projects SET execution = NULL WHERE id = 'j1'")
        .execute(&store.write_pool())
        .await
        .unwrap();
    // The row still reads back as the domain's values.
    let j = &ours.pb_projects("p1").await.unwrap()[0];
    assert_eq!(j.status, ProjectStatus::Proposed);
}

#[tokio::test]
async fn a_pb_import_is_all_or_nothing() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, _) = two_enti(&store).await;
    let ours = store.tenant(livorno.ente_id());
    let mut row = process("imp", "storico");
    row.historical = true;
    let ballots = vec![
        ("1,2".to_string(), String::new()),
        ("2".into(), String::new()),
    ];
    // Two projects with the same id: the second insert fails after the process, its phases
    // and the first project were written in the same transaction.
    let clash = [
        project("same", ProjectStatus::Feasible),
        project("same", ProjectStatus::Feasible),
    ];
    let mut n = 0;
    let failed = ours
        .import_pb_process(&row, &phases(), &clash, Phase::Vote1, &ballots, || {
            n += 1;
            format!("k{n}")
        })
        .await;
    assert!(failed.is_err());
    assert!(
        ours.pb_process("storico").await.unwrap().is_none(),
        "nothing of the failed import is left"
    );
    // So the retry is not refused as a duplicate, and stores the whole election, sealed.
    let fine = [
        project("a", ProjectStatus::Feasible),
        project("b", ProjectStatus::Feasible),
    ];
    let numbers = ours
        .import_pb_process(&row, &phases(), &fine, Phase::Vote1, &ballots, || {
            n += 1;
            format!("k{n}")
        })
        .await
        .unwrap();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(ours.pb_projects("imp").await.unwrap().len(), 2);
    let stored = ours.pb_ballots("imp", "vote1").await.unwrap();
    assert_eq!(stored.len(), 2);
    // Sealed: no ballot can be added.
    let late = ours
        .cast_pb_ballot(NewPbBallot {
            process: "imp",
            phase: "vote1",
            person_hash: "h",
            ballot_key: "late",
            vote: "1",
            points: "",
            district: "",
            assisted: false,
        })
        .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))));
}

/// One voter, many ballots at once (a double click, two tabs, a script): one ballot counts and
/// the voter is recorded once, on either database.
#[tokio::test]
async fn one_ballot_per_voter_under_concurrency() {
    let db = TestDatabase::new().await.unwrap();
    let store = db.store().await.unwrap();
    let (livorno, _) = two_enti(&store).await;
    let ours = store.tenant(livorno.ente_id());
    ours.insert_pb_process(&process("p1", "bp"), &phases(), &[])
        .await
        .unwrap();
    ours.insert_pb_project("p1", &project("j1", ProjectStatus::Proposed))
        .await
        .unwrap();
    ours.insert_pb_project("p1", &project("j2", ProjectStatus::Proposed))
        .await
        .unwrap();
    ours.replace_pb_eligible("p1", &["h1".into()])
        .await
        .unwrap();
    let casts: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let ente = livorno.ente_id();
            tokio::spawn(async move {
                let vote = if i % 2 == 0 { "1" } else { "2" };
                store
                    .tenant(ente)
                    .cast_pb_ballot(NewPbBallot {
                        process: "p1",
                        phase: "vote1",
                        person_hash: "h1",
                        ballot_key: "k1",
                        vote,
                        points: "",
                        district: "",
                        assisted: false,
                    })
                    .await
            })
        })
        .collect();
    let mut accepted = 0;
    for cast in casts {
        match cast.await.unwrap() {
            Ok(_) => accepted += 1,
            // A ballot that lost the race to another of the same voter is refused as a
            // conflict (the voter tries again), never stored beside it.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("a concurrent ballot failed: {e}"),
        }
    }
    assert!(accepted >= 1);
    assert_eq!(ours.pb_ballots("p1", "vote1").await.unwrap().len(), 1);
    assert!(ours.pb_has_voted("p1", "vote1", "h1").await.unwrap());
}
