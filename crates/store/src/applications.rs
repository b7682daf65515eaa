//! The catalogue's services, their adoption by enti, applications and their files.

use sportello_domain::procedure::ApplicationStatus;
use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::TenantStore;

/// A stored service definition (JSON) with its version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: String,
    pub version: i64,
    pub definition: String,
}

/// A service adopted by an ente, with its overrides (JSON).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdoptedServiceRow {
    pub id: String,
    pub version: i64,
    pub definition: String,
    pub overrides: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub ente_id: i64,
    pub service_id: String,
    pub service_version: i64,
    pub applicant: String,
    pub acting_for: Option<String>,
    pub mode: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub step: i64,
    pub data: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// The filing this application is a part of (migration 0052).
    pub parent_id: Option<String>,
}

/// An application as its applicant's list shows it ([`RegionWide::applications_of`]).
///
/// [`RegionWide::applications_of`]: crate::RegionWide::applications_of
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MyApplicationRow {
    #[sqlx(flatten)]
    pub application: ApplicationRow,
    /// The case's state as stored (filed applications).
    pub case_state: Option<String>,
    /// The registration's year, number and time: the filing's, for a part of it; none for a
    /// draft that was never filed.
    pub registered_in: Option<i64>,
    pub registration_number: Option<i64>,
    pub registered_at: Option<String>,
}

/// A part of a filing (migration 0052): the case it opened.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PartRow {
    pub id: String,
    pub service_id: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub case_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileRow {
    pub field: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
}

/// A filing in order of arrival (first come, first served).
/// A filed application as a call's ranking reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RankedFiling {
    pub id: String,
    pub case_state: Option<String>,
    pub number: i64,
    pub year: i64,
    pub registered_at: String,
    pub correspondent: String,
    /// The filed values, as JSON.
    pub data: String,
}

/// A ranking as approved and published.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RankingRow {
    pub id: i64,
    pub service_id: String,
    pub approved_at: i64,
    pub approver_name: String,
    /// The criteria's labels, as JSON (a list of strings, in the call's order).
    pub criteria: String,
    /// The lines, as JSON.
    pub lines: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArrivalRow {
    pub id: String,
    pub arrival: i64,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub case_state: Option<String>,
    pub number: i64,
    pub year: i64,
    pub registered_at: String,
    pub correspondent: String,
}

#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    pub id: &'a str,
    pub service_id: &'a str,
    pub service_version: i64,
    pub applicant: &'a str,
    pub acting_for: Option<&'a str>,
    pub mode: &'a str,
    pub data: &'a str,
    /// The client's Idempotency-Key (API), unique per applicant.
    pub idempotency_key: Option<&'a str>,
    pub now_ms: i64,
}

const APPLICATION_COLUMNS: &str =
    "id, ente_id, service_id, service_version, applicant, acting_for, mode, status, step, data, \
     created_at, updated_at, submitted_at, parent_id";

impl Store {
    /// Inserts or updates a service of the regional catalogue. Returns whether it changed.
    pub async fn upsert_service(
        &self,
        id: &str,
        version: i64,
        definition: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO services (id, version, definition, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, definition = excluded.definition, \
             updated_at = excluded.updated_at \
             WHERE services.version <> excluded.version OR services.definition <> excluded.definition",
        )
        .bind(id)
        .bind(version)
        .bind(definition)
        .bind(now_ms)
        .execute(&self.write_pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn services(&self) -> Result<Vec<ServiceRow>, StoreError> {
        Ok(sqlx::query_as::<_, ServiceRow>(
            "SELECT id, version, definition FROM services ORDER BY id",
        )
        .fetch_all(self.reader())
        .await?)
    }
}

impl TenantStore<'_> {
    /// The application `applicant` created in this ente with this Idempotency-Key, if any.
    pub async fn application_by_key(
        &self,
        applicant: &str,
        key: &str,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        Ok(sqlx::query_as::<_, ApplicationRow>(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE applicant = $1 AND idempotency_key = $2 AND ente_id = $3"
        ))
        .bind(applicant)
        .bind(key)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn adopt(
        &self,
        service_id: &str,
        overrides: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO adoptions (ente_id, service_id, overrides, adopted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (ente_id, service_id) DO UPDATE SET overrides = excluded.overrides",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .bind(overrides)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    pub async fn adopted_services(&self) -> Result<Vec<AdoptedServiceRow>, StoreError> {
        Ok(sqlx::query_as::<_, AdoptedServiceRow>(
            "SELECT s.id, s.version, s.definition, a.overrides FROM adoptions a JOIN services s ON s.id = a.service_id \
             WHERE a.ente_id = $1 ORDER BY s.id",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn adopted_service(
        &self,
        service_id: &str,
    ) -> Result<Option<AdoptedServiceRow>, StoreError> {
        Ok(sqlx::query_as::<_, AdoptedServiceRow>(
            "SELECT s.id, s.version, s.definition, a.overrides FROM adoptions a JOIN services s ON s.id = a.service_id \
             WHERE a.ente_id = $1 AND s.id = $2",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Inside `tx`: gives application `id` the next position of arrival for its service.
    pub async fn record_arrival_in(
        tx: &mut Tx,
        ente: EnteId,
        service_id: &str,
        id: &str,
    ) -> Result<i64, StoreError> {
        let position: i64 = sqlx::query(
            "INSERT INTO service_counters (ente_id, service_id, filed) VALUES ($1, $2, 1) \
             ON CONFLICT (ente_id, service_id) DO UPDATE SET filed = service_counters.filed + 1 RETURNING filed",
        )
        .bind(ente.get())
        .bind(service_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("filed")?;
        sqlx::query("UPDATE applications SET arrival = $1 WHERE id = $2 AND ente_id = $3")
            .bind(position)
            .bind(id)
            .bind(ente.get())
            .execute(&mut **tx)
            .await?;
        Ok(position)
    }

    /// The parts of filing `filing_id` (the cases it opened besides its own), in the order
    /// they were opened.
    pub async fn parts_of(&self, filing_id: &str) -> Result<Vec<PartRow>, StoreError> {
        Ok(sqlx::query_as::<_, PartRow>(
            "SELECT id, service_id, status, case_state FROM applications \
             WHERE parent_id = $1 AND ente_id = $2 ORDER BY id",
        )
        .bind(filing_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The filing application `id` is a part of, if it is one.
    pub async fn filing_of(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<String>>(
            "SELECT parent_id FROM applications WHERE id = $1 AND ente_id = $2",
        )
        .bind(id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?
        .flatten())
    }

    /// The filings of a service in order of arrival, from position `from`, at most `limit`.
    pub async fn arrivals(
        &self,
        service_id: &str,
        from: i64,
        limit: i64,
    ) -> Result<Vec<ArrivalRow>, StoreError> {
        Ok(sqlx::query_as::<_, ArrivalRow>(
            "SELECT a.id, a.arrival, a.status, a.case_state, r.number, r.year, r.registered_at, r.correspondent \
             FROM applications a JOIN protocol_registrations r ON r.application_id = a.id \
             WHERE a.ente_id = $1 AND a.service_id = $2 AND a.arrival >= $3 ORDER BY a.arrival LIMIT $4",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .bind(from)
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Every filed application of a service that a call's ranking counts (not withdrawn, not
    /// rejected), with its filed values. In registration order, through the service's own index
    /// (migration 0049).
    pub async fn ranked_filings(&self, service_id: &str) -> Result<Vec<RankedFiling>, StoreError> {
        Ok(sqlx::query_as::<_, RankedFiling>(
            "SELECT a.id, a.case_state, r.number, r.year, r.registered_at, r.correspondent, a.data \
             FROM applications a JOIN protocol_registrations r ON r.application_id = a.id \
             WHERE a.ente_id = $1 AND r.ente_id = $1 AND a.service_id = $2 AND a.status = 'submitted' \
             AND COALESCE(a.case_state, 'protocollata') <> 'respinta' \
             ORDER BY a.registered_year, a.registered_number, a.id",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Keeps a ranking as its approver approved it: its criteria and its lines (JSON), by whom
    /// and when. Returns its id.
    pub async fn insert_ranking(
        &self,
        service_id: &str,
        approved_at: i64,
        approver: (i64, &str),
        criteria: &str,
        lines: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO rankings (ente_id, service_id, approved_at, approved_by, approver_name, criteria, lines) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .bind(approved_at)
        .bind(approver.0)
        .bind(approver.1)
        .bind(criteria)
        .bind(lines)
        .fetch_one(&self.store().write_pool())
        .await?)
    }

    /// The rankings approved for a service, the latest first.
    pub async fn rankings_of(&self, service_id: &str) -> Result<Vec<RankingRow>, StoreError> {
        Ok(sqlx::query_as::<_, RankingRow>(
            "SELECT id, service_id, approved_at, approver_name, criteria, lines FROM rankings \
             WHERE ente_id = $1 AND service_id = $2 ORDER BY approved_at DESC, id DESC",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The position of arrival of application `id`, if it has one.
    pub async fn arrival_of(&self, id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT arrival FROM applications WHERE id = $1 AND ente_id = $2")
            .bind(id)
            .bind(self.ente().get())
            .fetch_optional(self.store().reader())
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>, _>("arrival").ok().flatten()))
    }

    /// Creates a draft inside `tx` (the registrar, which files it in the same transaction).
    pub async fn create_application_in(
        tx: &mut Tx,
        ente: EnteId,
        a: &NewApplication<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO applications (id, ente_id, service_id, service_version, applicant, acting_for, mode, status, step, \
             data, idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', 0, $8, $10, $9, $9)",
        )
        .bind(a.id)
        .bind(ente.get())
        .bind(a.service_id)
        .bind(a.service_version)
        .bind(a.applicant)
        .bind(a.acting_for)
        .bind(a.mode)
        .bind(a.data)
        .bind(a.now_ms)
        .bind(a.idempotency_key)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Inside `tx`: the application `applicant` filed with this Idempotency-Key, if any.
    pub async fn application_id_by_key_in(
        tx: &mut Tx,
        ente: EnteId,
        applicant: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM applications WHERE ente_id = $1 AND applicant = $2 AND idempotency_key = $3",
        )
        .bind(ente.get())
        .bind(applicant)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
    }

    pub async fn create_application(&self, a: &NewApplication<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO applications (id, ente_id, service_id, service_version, applicant, acting_for, mode, status, step, \
             data, idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', 0, $8, $10, $9, $9)",
        )
        .bind(a.id)
        .bind(self.ente().get())
        .bind(a.service_id)
        .bind(a.service_version)
        .bind(a.applicant)
        .bind(a.acting_for)
        .bind(a.mode)
        .bind(a.data)
        .bind(a.now_ms)
        .bind(a.idempotency_key)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    /// An application of this ente, if `applicant` filed it. Anything else — another ente's,
    /// another person's, none at all — is the same `None`.
    pub async fn application_of(
        &self,
        id: &str,
        applicant: &str,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        Ok(sqlx::query_as::<_, ApplicationRow>(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1 AND ente_id = $2 AND applicant = $3"
        ))
        .bind(id)
        .bind(self.ente().get())
        .bind(applicant)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Saves a draft's values and step; only while it is a draft of this applicant.
    pub async fn save_draft(
        &self,
        id: &str,
        applicant: &str,
        data: &str,
        step: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE applications SET data = $1, step = $2, updated_at = $3 \
             WHERE id = $4 AND ente_id = $5 AND applicant = $6 AND status = 'draft'",
        )
        .bind(data)
        .bind(step)
        .bind(now_ms)
        .bind(id)
        .bind(self.ente().get())
        .bind(applicant)
        .execute(&self.store().write_pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn put_file(
        &self,
        application_id: &str,
        file: &FileRow,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO application_files (application_id, field, sha256, file_name, media_type, size, uploaded_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 FROM applications WHERE id = $1 AND ente_id = $8 AND status = 'draft' \
             ON CONFLICT (application_id, field) DO UPDATE SET sha256 = excluded.sha256, file_name = excluded.file_name, \
             media_type = excluded.media_type, size = excluded.size, uploaded_at = excluded.uploaded_at",
        )
        .bind(application_id)
        .bind(&file.field)
        .bind(&file.sha256)
        .bind(&file.file_name)
        .bind(&file.media_type)
        .bind(file.size)
        .bind(now_ms)
        .bind(self.ente().get())
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    pub async fn remove_file(&self, application_id: &str, field: &str) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM application_files WHERE application_id = $1 AND field = $2 \
             AND application_id IN (SELECT id FROM applications WHERE ente_id = $3 AND status = 'draft')",
        )
        .bind(application_id)
        .bind(field)
        .bind(self.ente().get())
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    pub async fn files(&self, application_id: &str) -> Result<Vec<FileRow>, StoreError> {
        Ok(sqlx::query_as::<_, FileRow>(
            "SELECT f.field, f.sha256, f.file_name, f.media_type, f.size FROM application_files f \
             JOIN applications a ON a.id = f.application_id WHERE f.application_id = $1 AND a.ente_id = $2 ORDER BY f.field",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Claims a draft for submission inside `tx`: only one transaction ever succeeds for an
    /// application, the others see `false` (and find the registration the first one made).
    pub async fn claim_for_submission(
        tx: &mut Tx,
        ente: EnteId,
        id: &str,
        applicant: &str,
        data: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE applications SET status = 'submitted', data = $1, submitted_at = $2, updated_at = $2 \
             WHERE id = $3 AND ente_id = $4 AND applicant = $5 AND status = 'draft'",
        )
        .bind(data)
        .bind(now_ms)
        .bind(id)
        .bind(ente.get())
        .bind(applicant)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Withdraws inside `tx`; returns the status it had (`None`: nothing withdrawn).
    pub async fn withdraw_in(
        tx: &mut Tx,
        ente: EnteId,
        id: &str,
        applicant: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let previous: Option<String> = sqlx::query(
            "SELECT status FROM applications WHERE id = $1 AND ente_id = $2 AND applicant = $3",
        )
        .bind(id)
        .bind(ente.get())
        .bind(applicant)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("status"))
        .transpose()?;
        let done = sqlx::query(
            "UPDATE applications SET status = 'withdrawn', updated_at = $1 \
             WHERE id = $2 AND ente_id = $3 AND applicant = $4 AND status IN ('draft', 'submitted')",
        )
        .bind(now_ms)
        .bind(id)
        .bind(ente.get())
        .bind(applicant)
        .execute(&mut **tx)
        .await?;
        Ok(previous.filter(|_| done.rows_affected() > 0))
    }

    /// Deletes a draft of `applicant` and its files' rows, inside `tx`. Returns whether there was
    /// one. A draft is nobody's record yet: deleting it keeps no personal data that is not
    /// needed (GDPR art. 5 c.1 c). The row is claimed first, so a submission racing the delete
    /// either files before it (and nothing is deleted) or finds no draft.
    pub async fn delete_draft_in(
        tx: &mut Tx,
        ente: EnteId,
        id: &str,
        applicant: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "UPDATE applications SET updated_at = $1 \
             WHERE id = $2 AND ente_id = $3 AND applicant = $4 AND status = 'draft'",
        )
        .bind(now_ms)
        .bind(id)
        .bind(ente.get())
        .bind(applicant)
        .execute(&mut **tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM application_files WHERE application_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM applications WHERE id = $1 AND ente_id = $2 AND status = 'draft'")
            .bind(id)
            .bind(ente.get())
            .execute(&mut **tx)
            .await?;
        Ok(true)
    }

    pub async fn withdraw(
        &self,
        id: &str,
        applicant: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE applications SET status = 'withdrawn', updated_at = $1 \
             WHERE id = $2 AND ente_id = $3 AND applicant = $4 AND status IN ('draft', 'submitted')",
        )
        .bind(now_ms)
        .bind(id)
        .bind(self.ente().get())
        .bind(applicant)
        .execute(&self.store().write_pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// How many applications `applicant` has submitted for a service (one-per-person rules).
    /// Inside `tx`: the registration number of `applicant`'s filed application for the service,
    /// if there is one (the one-per-person rule, decided in arrival order).
    pub async fn filed_number_in(
        tx: &mut Tx,
        ente: EnteId,
        service_id: &str,
        applicant: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(FILED_NUMBER_SQL)
            .bind(ente.get())
            .bind(service_id)
            .bind(applicant)
            .fetch_optional(&mut **tx)
            .await?;
        row.map(|r| r.try_get("number"))
            .transpose()
            .map_err(Into::into)
    }

    /// The drafts of one service a person has open in this ente.
    pub async fn count_drafts(&self, service_id: &str, applicant: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query(COUNT_DRAFTS_SQL)
            .bind(self.ente().get())
            .bind(service_id)
            .bind(applicant)
            .fetch_one(self.store().reader())
            .await?
            .try_get("n")?)
    }

    pub async fn count_submitted(
        &self,
        service_id: &str,
        applicant: &str,
    ) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query(COUNT_SUBMITTED_SQL)
            .bind(self.ente().get())
            .bind(service_id)
            .bind(applicant)
            .fetch_one(self.store().reader())
            .await?
            .try_get("n")?;
        Ok(n)
    }
}

/// The one-per-person lookups: an applicant's filed applications of one service. They must go
/// through an index led by the applicant (a person has a handful of rows), never through
/// `applications_by_ente` (ente, service, status), which on a click day leads to every filing
/// of the service. SQLite's planner, without statistics, prefers the index matching more
/// columns, so `ente_id + 0` takes `applications_by_ente` out of its choice; PostgreSQL plans
/// by its statistics. Checked by the test `one_per_person_lookups_go_through_the_applicant`.
pub(crate) const FILED_NUMBER_SQL: &str =
    "SELECT (SELECT r.number FROM protocol_registrations r WHERE r.application_id = a.id) AS number \
     FROM applications a WHERE a.applicant = $3 AND a.status = 'submitted' AND a.ente_id + 0 = $1 \
     AND a.service_id = $2 LIMIT 1";

/// See [`FILED_NUMBER_SQL`].
pub(crate) const COUNT_DRAFTS_SQL: &str =
    "SELECT COUNT(*) AS n FROM applications WHERE ente_id + 0 = $1 AND service_id = $2 \
     AND applicant = $3 AND status = 'draft'";

pub(crate) const COUNT_SUBMITTED_SQL: &str =
    "SELECT COUNT(*) AS n FROM applications WHERE ente_id + 0 = $1 AND service_id = $2 \
     AND applicant = $3 AND status = 'submitted'";

impl crate::tenancy::RegionWide<'_> {
    /// Every ente adopts every service it has not adopted yet (the demo). Returns how many.
    pub async fn adopt_all_services_everywhere(&self, now_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "INSERT INTO adoptions (ente_id, service_id, overrides, adopted_at) \
             SELECT e.id, s.id, '{}', $1 FROM enti e CROSS JOIN services s WHERE true \
             ON CONFLICT (ente_id, service_id) DO NOTHING",
        )
        .bind(now_ms)
        .execute(&self.store.write_pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Applications a person filed or is drafting, in every ente (a person is one across the region).
    /// `applicant`'s drafts of one service at one ente, the latest first.
    pub async fn drafts_of(
        &self,
        ente: EnteId,
        applicant: &str,
        service_id: &str,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        Ok(sqlx::query_as::<_, ApplicationRow>(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE applicant = $1 AND ente_id = $2 \
             AND service_id = $3 AND status = 'draft' ORDER BY updated_at DESC"
        ))
        .bind(applicant)
        .bind(ente.get())
        .bind(service_id)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Everything `applicant` has drafted or filed, in every ente, newest first, each with
    /// what a list of them shows of its case: the registration (its filing's, for a part of a
    /// filing) and the case's state. One read, whatever the number of applications.
    pub async fn applications_of(
        &self,
        applicant: &str,
    ) -> Result<Vec<MyApplicationRow>, StoreError> {
        let columns = APPLICATION_COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(sqlx::query_as::<_, MyApplicationRow>(&format!(
            "SELECT {columns}, a.case_state, r.year AS registered_in, r.number AS registration_number, \
             r.registered_at FROM applications a LEFT JOIN protocol_registrations r \
             ON r.application_id = a.filing_id AND r.ente_id = a.ente_id \
             WHERE a.applicant = $1 ORDER BY a.updated_at DESC"
        ))
        .bind(applicant)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The last document sent to the applicant (direction `U`) of each of these cases (ente,
    /// application) that has one: their decisions, for the personal area's cards. One read per
    /// ente (per hundred cases).
    pub async fn last_outgoing_documents(
        &self,
        cases: &[(i64, &str)],
    ) -> Result<std::collections::HashMap<String, crate::CaseDocumentRow>, StoreError> {
        let mut by_ente: std::collections::BTreeMap<i64, Vec<&str>> = Default::default();
        for (ente, id) in cases {
            by_ente.entry(*ente).or_default().push(id);
        }
        let mut last = std::collections::HashMap::new();
        for (ente, ids) in by_ente {
            for part in ids.chunks(100) {
                let list = (0..part.len())
                    .map(|i| format!("${}", i + 2))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT {} FROM case_documents WHERE ente_id = $1 AND direction = 'U' \
                     AND application_id IN ({list}) ORDER BY created_at, id",
                    crate::back_office::DOCUMENT_COLUMNS
                );
                let mut q = sqlx::query_as::<_, crate::CaseDocumentRow>(&sql).bind(ente);
                for id in part {
                    q = q.bind(*id);
                }
                for doc in q.fetch_all(self.store.reader()).await? {
                    last.insert(doc.application_id.clone(), doc);
                }
            }
        }
        Ok(last)
    }
}
