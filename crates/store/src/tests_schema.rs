//! The two dialects' migrations describe one schema: the same tables, columns (and whether
//! each may be NULL), indexes (by name, over the same columns) and constraints on codes (by
//! name, listing the same codes). Those constraints also list exactly the codes of the
//! domain's enums. The PostgreSQL half runs when `SPORTELLO_TEST_POSTGRES` is set, as in CI.

use std::collections::BTreeMap;

use sportello_domain::participation::{
    BallotKind, CountingRule, Eligibility, Execution, Phase, ProjectStatus,
};
use sqlx::Row;

use sportello_domain::procedure::acts::ActKind;
use sportello_domain::procedure::states::CaseState;
use sportello_domain::procedure::{ApplicationStatus, CaseEventKind};
use sportello_domain::protocol::Direction;

use crate::testing::{TestDatabase, POSTGRES_ENV};
use crate::*;

/// What is compared: table → (column → nullable), index → (table, columns), and constraint
/// → the codes it allows, in order.
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    columns: BTreeMap<String, BTreeMap<String, bool>>,
    indexes: BTreeMap<String, (String, Vec<String>)>,
    checks: BTreeMap<String, Vec<String>>,
    /// Other triggers, by what they guard: (table, event). Their names differ by design
    /// (PostgreSQL has one trigger for UPDATE OR DELETE where SQLite has two).
    guards: std::collections::BTreeSet<(String, String)>,
    /// Triggers that keep something after a change (the queue's counts), by (table, event).
    keepers: std::collections::BTreeSet<(String, String)>,
}

/// The quoted literals of an SQL text, in order ('a', 'b'::text …).
fn quoted(sql: &str) -> Vec<String> {
    sql.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

async fn sqlite_schema(store: &Store) -> Schema {
    let pool = store.reader();
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'albo_text%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        // `xinfo`: generated columns too (`applications.filing_id`, migration 0053).
        let rows = sqlx::query("SELECT name, \"notnull\", pk FROM pragma_table_xinfo($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        let columns = rows
            .iter()
            .map(|r| {
                let not_null: i64 = r.get(1);
                let pk: i64 = r.get(2);
                (r.get::<String, _>(0), not_null == 0 && pk == 0)
            })
            .collect();
        schema.columns.insert(table, columns);
    }
    let indexes = sqlx::query(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in indexes {
        let name: String = r.get(0);
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT COALESCE(name, '') FROM pragma_index_info($1) ORDER BY seqno",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap();
        schema.indexes.insert(name, (r.get(1), columns));
    }
    // SQLite cannot add a CHECK to an existing table: each is a pair of triggers named
    // `<constraint>_insert` and `<constraint>_update`, which must agree.
    let triggers =
        sqlx::query("SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(pool)
            .await
            .unwrap();
    for r in triggers {
        let name: String = r.get(0);
        let sql: String = r.get(1);
        let Some(constraint) = name
            .strip_suffix("_check_insert")
            .or_else(|| name.strip_suffix("_check_update"))
            .map(|c| format!("{c}_check"))
        else {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                if sql.contains(&format!("BEFORE {event}")) {
                    schema.guards.insert((r.get(2), event.to_owned()));
                }
                if sql.contains(&format!("AFTER {event}")) {
                    schema.keepers.insert((r.get(2), event.to_owned()));
                }
            }
            continue;
        };
        let codes = quoted(sql.split("BEGIN").next().unwrap_or(""));
        if let Some(other) = schema.checks.insert(constraint.clone(), codes.clone()) {
            assert_eq!(other, codes, "the two triggers of {constraint} differ");
        }
    }
    schema
}

async fn postgres_schema(store: &Store) -> Schema {
    let pool = store.reader();
    let mut schema = Schema::default();
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in rows {
        let nullable: String = r.get(2);
        let (table, column): (String, String) = (r.get(0), r.get(1));
        // The albo's full-text search is the one named dialect difference (`dialect.rs`):
        // SQLite's FTS5 table (left out above) against PostgreSQL's table of stems.
        if table == "albo_words" {
            let _ = column;
            continue;
        }
        schema
            .columns
            .entry(r.get(0))
            .or_default()
            .insert(r.get(1), nullable == "YES");
    }
    // Indexes made by CREATE INDEX, not those behind a primary key or UNIQUE constraint.
    let rows = sqlx::query(
        "SELECT i.relname::text, t.relname::text, \
                array_to_string(ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o) \
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE s.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
           AND t.relname NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in rows {
        let columns: String = r.get(2);
        schema.indexes.insert(
            r.get(0),
            (r.get(1), columns.split(',').map(str::to_owned).collect()),
        );
    }
    let rows = sqlx::query(
        "SELECT c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
         JOIN pg_namespace s ON s.oid = c.connamespace WHERE s.nspname = 'public' AND c.contype = 'c'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in rows {
        let definition: String = r.get(1);
        schema.checks.insert(r.get(0), quoted(&definition));
    }
    let rows = sqlx::query(
        "SELECT event_object_table::text, event_manipulation::text, action_timing::text \
         FROM information_schema.triggers WHERE trigger_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in rows {
        let timing: String = r.get(2);
        if timing == "AFTER" {
            schema.keepers.insert((r.get(0), r.get(1)));
        } else {
            schema.guards.insert((r.get(0), r.get(1)));
        }
    }
    schema
}

/// Each constraint on codes, with the domain enum whose codes it must list.
fn expected_checks() -> BTreeMap<String, Vec<String>> {
    fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| code(*v).to_owned()).collect()
    }
    let votes = codes(&Phase::VOTES, Phase::code);
    [
        (
            "pb_processes_ballot_kind_check",
            codes(BallotKind::ALL, BallotKind::code),
        ),
        (
            "pb_processes_rule_check",
            codes(CountingRule::ALL, CountingRule::code),
        ),
        (
            "pb_processes_eligibility_check",
            codes(Eligibility::ALL, Eligibility::code),
        ),
        ("pb_phases_kind_check", codes(Phase::ALL, Phase::code)),
        (
            "pb_projects_status_check",
            codes(ProjectStatus::ALL, ProjectStatus::code),
        ),
        (
            "pb_projects_execution_check",
            codes(Execution::ALL, Execution::code),
        ),
        ("pb_voters_phase_check", votes.clone()),
        ("pb_ballots_phase_check", votes.clone()),
        ("pb_sealed_phase_check", votes),
        (
            "applications_status_check",
            codes(ApplicationStatus::ALL, ApplicationStatus::code),
        ),
        (
            "applications_case_state_check",
            codes(&CaseState::ALL, CaseState::code),
        ),
        (
            "protocol_registrations_direction_check",
            codes(&[Direction::Inbound, Direction::Outbound], Direction::code),
        ),
        (
            "case_events_kind_check",
            codes(CaseEventKind::ALL, CaseEventKind::code),
        ),
        (
            "case_events_state_check",
            codes(&CaseState::ALL, CaseState::code),
        ),
        ("act_texts_kind_check", codes(ActKind::ALL, ActKind::code)),
        (
            "ratings_subject_check",
            codes(
                sportello_domain::accountability::rating::Subject::ALL,
                sportello_domain::accountability::rating::Subject::code,
            ),
        ),
        (
            "reports_state_check",
            codes(
                sportello_domain::reports::ReportState::ALL,
                sportello_domain::reports::ReportState::code,
            ),
        ),
        (
            "report_events_kind_check",
            codes(
                sportello_domain::reports::ReportEventKind::ALL,
                sportello_domain::reports::ReportEventKind::code,
            ),
        ),
        (
            "booking_calendars_kind_check",
            codes(
                &sportello_domain::bookings::PlaceKind::ALL,
                sportello_domain::bookings::PlaceKind::code,
            ),
        ),
        (
            "bookings_state_check",
            codes(
                &sportello_domain::bookings::BookingState::ALL,
                sportello_domain::bookings::BookingState::code,
            ),
        ),
        (
            "booking_waitlist_state_check",
            codes(
                &sportello_domain::bookings::WaitState::ALL,
                sportello_domain::bookings::WaitState::code,
            ),
        ),
        (
            "albo_entries_state_check",
            codes(
                sportello_domain::albo::AlboState::ALL,
                sportello_domain::albo::AlboState::code,
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test]
async fn both_dialects_migrate_to_one_schema_whose_codes_are_the_domains() {
    let sqlite_db = TestDatabase::sqlite();
    let sqlite = sqlite_schema(&sqlite_db.store().await.unwrap()).await;
    assert!(sqlite.columns.len() > 20, "the schema was not read");
    assert_eq!(
        sqlite.checks,
        expected_checks(),
        "SQLite's constraints and the domain's codes"
    );
    let Ok(admin) = std::env::var(POSTGRES_ENV) else {
        eprintln!(
            "SKIPPED: the PostgreSQL half of the migration comparison ({POSTGRES_ENV} is not set; CI sets it)"
        );
        return;
    };
    let pg_db = TestDatabase::postgres(admin.trim()).await.unwrap();
    let postgres = postgres_schema(&pg_db.store().await.unwrap()).await;
    assert_eq!(
        postgres.checks,
        expected_checks(),
        "PostgreSQL's constraints and the domain's codes"
    );
    for (table, columns) in &sqlite.columns {
        assert_eq!(
            Some(columns),
            postgres.columns.get(table),
            "table {table}: columns or their nullability differ"
        );
    }
    assert_eq!(
        sqlite.columns.keys().collect::<Vec<_>>(),
        postgres.columns.keys().collect::<Vec<_>>(),
        "the tables differ"
    );
    assert_eq!(sqlite.indexes, postgres.indexes, "the indexes differ");
    assert_eq!(
        sqlite.guards, postgres.guards,
        "the guarding triggers differ"
    );
    assert!(
        !sqlite.guards.is_empty(),
        "the register's guards were not read"
    );
    assert_eq!(
        sqlite.keepers, postgres.keepers,
        "the triggers keeping counts differ"
    );
    assert_eq!(
        sqlite.keepers.len(),
        3,
        "the queue's counts: insert, update, delete"
    );
}
