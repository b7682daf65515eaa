//! Filing many applications in one transaction (the registrar's batches, docs/design/group-commit.md).
//! Everything here is set-based: a batch of hundreds of filings costs a handful of statements —
//! one read of what the applicants already have, one move of each register row and service
//! counter, and multi-row inserts — instead of a dozen statements per filing. Each statement
//! goes through the driver's worker and back, and on a click day that round trip, not the
//! database's work, is what limits the rate.

use sportello_domain::procedure::ApplicationStatus;
use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::db::{Store, StoreError, Tx};

/// The most rows one multi-row statement carries; smaller statements take 32, 16, … 1 rows,
/// so that a few statement texts, each prepared once and cached, serve any batch size.
const CHUNK: usize = 64;

/// Splits `n` rows into runs of `CHUNK`, then of decreasing powers of two.
pub(crate) fn row_chunks(n: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = CHUNK;
    while start < n {
        while size > n - start {
            size /= 2;
        }
        out.push(start..start + size);
        start += size;
    }
    out
}

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `columns` columns; `(?, ?, ?), (?, ?, ?)`
/// when not `numbered`. SQLite gets the anonymous form: for numbered ones the driver looks up
/// each parameter's name, and SQLite finds a name by walking the statement's list of them, so
/// binding a statement of n numbered parameters costs n² steps — most of the writer's time at
/// a thousand parameters a statement.
pub(crate) fn values_clause(rows: usize, columns: usize, numbered: bool) -> String {
    let mut s = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..columns {
            if c > 0 {
                s.push_str(", ");
            }
            if numbered {
                s.push('$');
                s.push_str(&(r * columns + c + 1).to_string());
            } else {
                s.push('?');
            }
        }
        s.push(')');
    }
    s
}

/// Whether the transaction's database takes numbered parameters (`$1`) best: PostgreSQL
/// requires them; SQLite is given anonymous ones (see [`values_clause`]).
pub(crate) fn numbered(tx: &Tx) -> bool {
    tx.backend_name() != "SQLite"
}

/// An application an applicant already has, as the registrar's checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorApplication {
    pub id: String,
    pub ente_id: i64,
    pub service_id: String,
    pub applicant: String,
    pub idempotency_key: Option<String>,
    pub status: ApplicationStatus,
    /// The registration number, once filed.
    pub number: Option<i64>,
}

/// An application created already filed: in its final state, in one insert.
#[derive(Debug, Clone)]
pub struct FiledApplication<'a> {
    pub id: &'a str,
    pub ente_id: i64,
    pub service_id: &'a str,
    pub service_version: i64,
    pub applicant: &'a str,
    pub mode: &'a str,
    /// The cleaned values, as filed.
    pub data: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub now_ms: i64,
    pub case_state: sportello_domain::procedure::states::CaseState,
    pub arrival: Option<i64>,
    pub contact_email: Option<&'a str>,
    pub given_name: &'a str,
    pub family_name: &'a str,
    /// Its registration's year and number (the queue's order, migration 0049).
    pub registered_year: i32,
    pub registered_number: i64,
    /// The filing it is a part of (migration 0052): a part has no registration of its own.
    pub parent_id: Option<&'a str>,
    /// The company or client it is filed for, when not the applicant.
    pub acting_for: Option<&'a str>,
    /// The last day of its legal term as a Julian day number (none for a procedure without a
    /// term or concluded on filing): the term it keeps on its row (migration 0053).
    pub term_due: Option<i64>,
}

/// A registration with its number and its link in the chain already computed.
#[derive(Debug, Clone)]
pub struct ChainedRegistration<'a> {
    pub ente_id: i64,
    pub aoo_id: i64,
    pub year: i32,
    pub number: i64,
    pub registered_at: String,
    pub direction: &'a str,
    pub correspondent: &'a str,
    pub subject: &'a str,
    pub sender_reference: Option<&'a str>,
    pub document_digest: &'a str,
    /// JSON list of `{description, digest}`.
    pub attachments: String,
    pub previous_hash: String,
    pub hash: String,
    pub classification: &'a str,
    pub fascicolo: &'a str,
    pub application_id: Option<&'a str>,
}

/// An event in a case's history.
#[derive(Debug, Clone)]
pub struct NewCaseEvent<'a> {
    pub application_id: &'a str,
    pub ente_id: i64,
    pub at: i64,
    pub kind: sportello_domain::procedure::CaseEventKind,
    pub state: sportello_domain::procedure::states::CaseState,
    pub actor: &'a str,
}

impl Store {
    /// Inside `tx`: every application of these applicants, in any ente (few per person), with
    /// its registration number — for the Idempotency-Key and one-per-person checks of a batch.
    pub async fn prior_applications_in(
        tx: &mut Tx,
        applicants: &[&str],
    ) -> Result<Vec<PriorApplication>, StoreError> {
        let mut unique: Vec<&str> = applicants.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut out = Vec::new();
        for part in unique.chunks(CHUNK) {
            // One statement text for every chunk: a short chunk repeats its last applicant.
            let list = values_clause(1, CHUNK, numbered(tx));
            let placeholders = list.trim_start_matches('(').trim_end_matches(')');
            let sql = format!(
                "SELECT a.id, a.ente_id, a.service_id, a.applicant, a.idempotency_key, a.status, \
                 (SELECT r.number FROM protocol_registrations r WHERE r.application_id = a.id) AS number \
                 FROM applications a WHERE a.applicant IN ({placeholders})"
            );
            let mut q = sqlx::query(&sql);
            let last = part.last().copied().unwrap_or_default();
            for i in 0..CHUNK {
                q = q.bind(part.get(i).copied().unwrap_or(last));
            }
            for row in q.fetch_all(&mut **tx).await? {
                out.push(PriorApplication {
                    id: row.try_get("id")?,
                    ente_id: row.try_get("ente_id")?,
                    service_id: row.try_get("service_id")?,
                    applicant: row.try_get("applicant")?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    status: ApplicationStatus::parse(&row.try_get::<String, _>("status")?)
                        .map_err(|e| StoreError::Db(sqlx::Error::Decode(Box::new(e))))?,
                    number: row.try_get("number")?,
                });
            }
        }
        Ok(out)
    }

    /// Inside `tx`: an ente's adopted service as stored now, to check that filings were checked
    /// against it.
    pub async fn adopted_service_in(
        tx: &mut Tx,
        ente: EnteId,
        service_id: &str,
    ) -> Result<Option<crate::AdoptedServiceRow>, StoreError> {
        Ok(sqlx::query_as::<_, crate::AdoptedServiceRow>(
            "SELECT s.id, s.version, s.definition, a.overrides FROM adoptions a JOIN services s ON s.id = a.service_id \
             WHERE a.ente_id = $1 AND s.id = $2",
        )
        .bind(ente.get())
        .bind(service_id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Inside `tx`: takes `count` consecutive numbers of an AOO's register for `year` (the
    /// register row stays locked until commit). Returns the first number and the chain's head
    /// before them; the caller sets the new head with [`Store::set_register_head`].
    pub async fn advance_register(
        tx: &mut Tx,
        aoo_id: i64,
        year: i32,
        count: i64,
        genesis: &str,
    ) -> Result<(i64, String), StoreError> {
        sqlx::query(
            "INSERT INTO protocol_registers (aoo_id, year, last_number, last_hash) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (aoo_id) DO NOTHING",
        )
        .bind(aoo_id)
        .bind(i64::from(year))
        .bind(genesis)
        .execute(&mut **tx)
        .await?;
        let row = sqlx::query(
            "UPDATE protocol_registers SET last_number = CASE WHEN year = $2 THEN last_number + $3 ELSE $3 END, \
             year = $2 WHERE aoo_id = $1 AND year <= $2 RETURNING last_number, last_hash",
        )
        .bind(aoo_id)
        .bind(i64::from(year))
        .bind(count)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            StoreError::Conflict("the register is already in a later year: check the clock".into())
        })?;
        let last: i64 = row.try_get("last_number")?;
        Ok((last - count + 1, row.try_get("last_hash")?))
    }

    /// Inside `tx`: the new head of an AOO's hash chain.
    pub async fn set_register_head(tx: &mut Tx, aoo_id: i64, hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE protocol_registers SET last_hash = $1 WHERE aoo_id = $2")
            .bind(hash)
            .bind(aoo_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Inside `tx`: inserts registrations already numbered and chained.
    pub async fn insert_registrations(
        tx: &mut Tx,
        rows: &[ChainedRegistration<'_>],
    ) -> Result<(), StoreError> {
        for range in row_chunks(rows.len()) {
            let sql = format!(
                "INSERT INTO protocol_registrations (ente_id, aoo_id, year, number, registered_at, direction, \
                 correspondent, subject, sender_reference, document_digest, attachments, previous_hash, hash, \
                 classification, fascicolo, application_id) VALUES {}",
                values_clause(range.len(), 16, numbered(tx))
            );
            let mut q = sqlx::query(&sql);
            for r in rows.get(range).unwrap_or_default() {
                q = q
                    .bind(r.ente_id)
                    .bind(r.aoo_id)
                    .bind(i64::from(r.year))
                    .bind(r.number)
                    .bind(r.registered_at.as_str())
                    .bind(r.direction)
                    .bind(r.correspondent)
                    .bind(r.subject)
                    .bind(r.sender_reference)
                    .bind(r.document_digest)
                    .bind(r.attachments.as_str())
                    .bind(r.previous_hash.as_str())
                    .bind(r.hash.as_str())
                    .bind(r.classification)
                    .bind(r.fascicolo)
                    .bind(r.application_id);
            }
            q.execute(&mut **tx).await?;
        }
        // The correspondents' words, for the searches (`registration_words`, migration 0047).
        let words: Vec<(&ChainedRegistration<'_>, String)> = rows
            .iter()
            .flat_map(|r| {
                crate::words::words(r.correspondent)
                    .into_iter()
                    .map(move |w| (r, w))
            })
            .collect();
        for range in row_chunks(words.len()) {
            let numbered = numbered(tx);
            let mut values = String::new();
            for i in 0..range.len() {
                if i > 0 {
                    values.push_str(", ");
                }
                let p = |k: usize| {
                    if numbered {
                        format!("${}", i * 5 + k)
                    } else {
                        "?".to_string()
                    }
                };
                values.push_str(&format!(
                    "({}, {}, (SELECT id FROM protocol_registrations WHERE aoo_id = {} AND year = {} AND number = {}))",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5)
                ));
            }
            let sql = format!(
                "INSERT INTO registration_words (ente_id, word, registration_id) VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for (r, w) in words.get(range).unwrap_or_default() {
                q = q
                    .bind(r.ente_id)
                    .bind(w.as_str())
                    .bind(r.aoo_id)
                    .bind(i64::from(r.year))
                    .bind(r.number);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Inside `tx`: takes `count` consecutive positions of arrival of a service in an ente.
    /// Returns the first.
    pub async fn take_arrivals(
        tx: &mut Tx,
        ente: EnteId,
        service_id: &str,
        count: i64,
    ) -> Result<i64, StoreError> {
        let last: i64 = sqlx::query(
            "INSERT INTO service_counters (ente_id, service_id, filed) VALUES ($1, $2, $3) \
             ON CONFLICT (ente_id, service_id) DO UPDATE SET filed = service_counters.filed + excluded.filed \
             RETURNING filed",
        )
        .bind(ente.get())
        .bind(service_id)
        .bind(count)
        .fetch_one(&mut **tx)
        .await?
        .try_get("filed")?;
        Ok(last - count + 1)
    }

    /// Inside `tx`: inserts applications created and filed at once, in their final state.
    pub async fn insert_filed_applications(
        tx: &mut Tx,
        rows: &[FiledApplication<'_>],
    ) -> Result<(), StoreError> {
        for range in row_chunks(rows.len()) {
            let sql = format!(
                "INSERT INTO applications (id, ente_id, service_id, service_version, applicant, mode, status, step, \
                 data, idempotency_key, created_at, updated_at, submitted_at, case_state, arrival, contact_email, \
                 applicant_given_name, applicant_family_name, registered_year, registered_number, parent_id, acting_for, term_due, term_kept) VALUES {}",
                values_clause(range.len(), 24, numbered(tx))
            );
            let mut q = sqlx::query(&sql);
            for a in rows.get(range).unwrap_or_default() {
                q = q
                    .bind(a.id)
                    .bind(a.ente_id)
                    .bind(a.service_id)
                    .bind(a.service_version)
                    .bind(a.applicant)
                    .bind(a.mode)
                    .bind(ApplicationStatus::Submitted.code())
                    .bind(0_i64)
                    .bind(a.data)
                    .bind(a.idempotency_key)
                    .bind(a.now_ms)
                    .bind(a.now_ms)
                    .bind(a.now_ms)
                    .bind(a.case_state.code())
                    .bind(a.arrival)
                    .bind(a.contact_email)
                    .bind(a.given_name)
                    .bind(a.family_name)
                    .bind(i64::from(a.registered_year))
                    .bind(a.registered_number)
                    .bind(a.parent_id)
                    .bind(a.acting_for)
                    .bind(a.term_due)
                    .bind(1_i64);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Inside `tx`: gives each part of a filing the files of the filing it reads (migration
    /// 0052): (the part's id, the filing's id, the part's field, the filing's field). The
    /// blobs are the filing's; each part lists them under its own field names.
    pub async fn copy_part_files(
        tx: &mut Tx,
        files: &[(&str, &str, &str, &str)],
    ) -> Result<(), StoreError> {
        for (part, filing, part_field, field) in files {
            sqlx::query(
                "INSERT INTO application_files (application_id, field, sha256, file_name, media_type, size, uploaded_at) \
                 SELECT $1, $2, sha256, file_name, media_type, size, uploaded_at FROM application_files \
                 WHERE application_id = $3 AND field = $4",
            )
            .bind(*part)
            .bind(*part_field)
            .bind(*filing)
            .bind(*field)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Inside `tx`: completes a draft just claimed for filing — its case's state, its position
    /// of arrival, where to write about it (the other fields of `a` are the draft's already).
    pub async fn complete_claimed(tx: &mut Tx, a: &FiledApplication<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE applications SET case_state = $1, arrival = COALESCE($2, arrival), contact_email = $3, \
             applicant_given_name = $4, applicant_family_name = $5, registered_year = $8, \
             registered_number = $9, term_due = $10, term_paused_until = NULL, term_days_left = NULL, \
             term_answered = 0, term_kept = 1 WHERE id = $6 AND ente_id = $7",
        )
        .bind(a.case_state.code())
        .bind(a.arrival)
        .bind(a.contact_email)
        .bind(a.given_name)
        .bind(a.family_name)
        .bind(a.id)
        .bind(a.ente_id)
        .bind(i64::from(a.registered_year))
        .bind(a.registered_number)
        .bind(a.term_due)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Inside `tx`: appends events to cases' histories (the caller sets the cases' state).
    pub async fn insert_case_events(
        tx: &mut Tx,
        rows: &[NewCaseEvent<'_>],
    ) -> Result<(), StoreError> {
        for range in row_chunks(rows.len()) {
            let sql = format!(
                "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) VALUES {}",
                values_clause(range.len(), 6, numbered(tx))
            );
            let mut q = sqlx::query(&sql);
            for e in rows.get(range).unwrap_or_default() {
                q = q
                    .bind(e.application_id)
                    .bind(e.ente_id)
                    .bind(e.at)
                    .bind(e.kind.code())
                    .bind(e.state.code())
                    .bind(e.actor);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_row_once_with_few_sizes() {
        for n in 0..300 {
            let chunks = row_chunks(n);
            let mut next = 0;
            for c in &chunks {
                assert_eq!(c.start, next);
                assert!(c.len().is_power_of_two() && c.len() <= CHUNK);
                next = c.end;
            }
            assert_eq!(next, n);
            // Beyond the full chunks, at most one statement of each smaller size.
            assert!(chunks.iter().filter(|c| c.len() < CHUNK).count() <= 6);
        }
    }

    #[test]
    fn values_clause_numbers_parameters_row_by_row() {
        assert_eq!(values_clause(2, 3, true), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_clause(1, 1, true), "($1)");
        assert_eq!(values_clause(2, 2, false), "(?, ?), (?, ?)");
    }
}
