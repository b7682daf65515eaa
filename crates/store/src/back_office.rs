//! The back office's rows: documents a case sends and receives, internal notes, messages with
//! the applicant, the assignee, segnature; and the cross-ente lists the scheduled jobs walk.

use sportello_domain::procedure::ApplicationStatus;
use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::TenantStore;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseDocumentRow {
    pub id: String,
    pub application_id: String,
    pub kind: String,
    pub direction: String,
    pub registration_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseNoteRow {
    pub at: i64,
    pub author: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseMessageRow {
    pub at: i64,
    #[sqlx(try_from = "crate::codes::Flag")]
    pub from_office: bool,
    pub author: String,
    pub body: String,
    pub document_id: Option<String>,
}

/// An open case anywhere in the region, for the scheduled jobs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenCaseRow {
    pub ente_id: i64,
    pub id: String,
    pub service_id: String,
    pub case_state: String,
    pub registered_at: String,
}

impl OpenCaseRow {
    /// The case's ente.
    pub fn ente(&self) -> EnteId {
        EnteId::from_stored(self.ente_id)
    }
}

/// What a case needs to act on it: the applicant, where to write, who holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseHeadRow {
    pub service_id: String,
    pub applicant: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub case_state: Option<String>,
    pub contact_email: Option<String>,
    pub applicant_given_name: Option<String>,
    pub applicant_family_name: Option<String>,
    pub assignee: Option<i64>,
    pub registered_at: String,
    pub correspondent: String,
    pub number: i64,
    pub year: i64,
    pub fascicolo: String,
    pub classification: String,
}

pub(crate) const DOCUMENT_COLUMNS: &str = "id, application_id, kind, direction, registration_id, sha256, file_name, media_type, size, created_at";

impl Store {
    pub async fn insert_segnatura(
        tx: &mut Tx,
        registration_id: i64,
        xml: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO segnature (registration_id, xml) VALUES ($1, $2)")
            .bind(registration_id)
            .bind(xml)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The id of a registration just made in `tx`.
    pub async fn registration_id(
        tx: &mut Tx,
        aoo_id: i64,
        year: i32,
        number: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM protocol_registrations WHERE aoo_id = $1 AND year = $2 AND number = $3",
        )
        .bind(aoo_id)
        .bind(i64::from(year))
        .bind(number)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("id")?)
    }
}

impl TenantStore<'_> {
    pub async fn case_head(&self, application_id: &str) -> Result<Option<CaseHeadRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseHeadRow>(
            "SELECT a.service_id, a.applicant, a.status, a.case_state, a.contact_email, a.applicant_given_name, a.applicant_family_name, a.assignee, r.registered_at, \
             r.correspondent, r.number, r.year, r.fascicolo, r.classification \
             FROM applications a JOIN protocol_registrations r ON r.application_id = a.filing_id \
             WHERE a.id = $1 AND a.ente_id = $2 AND r.ente_id = $2",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn case_documents(
        &self,
        application_id: &str,
    ) -> Result<Vec<CaseDocumentRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseDocumentRow>(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM case_documents WHERE application_id = $1 AND ente_id = $2 ORDER BY created_at, id"
        ))
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn case_notes(&self, application_id: &str) -> Result<Vec<CaseNoteRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseNoteRow>(
            "SELECT at, author, body FROM case_notes WHERE application_id = $1 AND ente_id = $2 ORDER BY at, id",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn case_messages(
        &self,
        application_id: &str,
    ) -> Result<Vec<CaseMessageRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseMessageRow>(
            "SELECT at, from_office, author, body, document_id FROM case_messages WHERE application_id = $1 AND ente_id = $2 ORDER BY at, id",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's staff who work on cases, for assignment: (id, display name).
    pub async fn case_workers(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.display_name FROM staff_users u JOIN staff_roles r ON r.user_id = u.id \
             WHERE u.ente_id = $1 AND r.role IN ('operator', 'responsible-officer') ORDER BY u.display_name",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
            .collect()
    }
}

impl TenantStore<'_> {
    /// The segnatura of one of this ente's registrations, if one was produced.
    pub async fn segnatura(&self, registration_id: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT s.xml FROM segnature s JOIN protocol_registrations r ON r.id = s.registration_id \
             WHERE s.registration_id = $1 AND r.ente_id = $2",
        )
        .bind(registration_id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }
}

impl crate::tenancy::RegionWide<'_> {
    /// Every segnatura ever produced, for checking them all against the schema.
    pub async fn all_segnature(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT registration_id, xml FROM segnature ORDER BY registration_id")
                .fetch_all(self.store.reader())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("registration_id")?, r.try_get("xml")?)))
            .collect()
    }

    /// Open cases in the given states across the region.
    /// Up to `limit` filed cases in one of `states`, in every ente, after the case `after` in
    /// the order of their ids (which follow filing time): a job visits them a page at a time,
    /// never the region's whole history at once. Every value is bound, none formatted in.
    pub async fn open_cases(
        &self,
        states: &[&str],
        after: &str,
        limit: i64,
    ) -> Result<Vec<OpenCaseRow>, StoreError> {
        let placeholders = (0..states.len())
            .map(|i| format!("${}", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT a.ente_id, a.id, a.service_id, a.case_state, r.registered_at FROM applications a \
             JOIN protocol_registrations r ON r.application_id = a.filing_id \
             WHERE a.status = 'submitted' AND a.id > $1 AND a.case_state IN ({placeholders}) \
             ORDER BY a.id LIMIT $2"
        );
        let mut query = sqlx::query_as::<_, OpenCaseRow>(&sql)
            .bind(after)
            .bind(limit);
        for state in states {
            query = query.bind(*state);
        }
        Ok(query.fetch_all(self.store.reader()).await?)
    }
}

impl crate::tenancy::TenantTx {
    pub async fn insert_case_document(&mut self, d: &CaseDocumentRow) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        // Only onto this ente's case, with this ente's registration.
        let done = sqlx::query(
            "INSERT INTO case_documents (id, application_id, ente_id, kind, direction, registration_id, sha256, file_name, \
             media_type, size, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
             WHERE EXISTS (SELECT 1 FROM applications WHERE id = $2 AND ente_id = $3) \
             AND EXISTS (SELECT 1 FROM protocol_registrations WHERE id = $6 AND ente_id = $3)",
        )
        .bind(&d.id)
        .bind(&d.application_id)
        .bind(ente.get())
        .bind(&d.kind)
        .bind(&d.direction)
        .bind(d.registration_id)
        .bind(&d.sha256)
        .bind(&d.file_name)
        .bind(&d.media_type)
        .bind(d.size)
        .bind(d.created_at)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(&d.application_id));
        }
        Ok(())
    }

    pub async fn insert_note(
        &mut self,
        application_id: &str,
        at: i64,
        author: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        let done = sqlx::query(
            "INSERT INTO case_notes (application_id, ente_id, at, author, body) SELECT $1, $2, $3, $4, $5 \
             WHERE EXISTS (SELECT 1 FROM applications WHERE id = $1 AND ente_id = $2)",
        )
        .bind(application_id)
        .bind(ente.get())
        .bind(at)
        .bind(author)
        .bind(body)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_message(
        &mut self,
        application_id: &str,
        at: i64,
        from_office: bool,
        author: &str,
        body: &str,
        document_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        // Only onto this ente's case, with (if any) a document of the same case.
        let done = sqlx::query(
            "INSERT INTO case_messages (application_id, ente_id, at, from_office, author, body, document_id) \
             SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE EXISTS (SELECT 1 FROM applications WHERE id = $1 AND ente_id = $2) \
             AND ($7 IS NULL OR EXISTS (SELECT 1 FROM case_documents WHERE id = $7 AND application_id = $1 AND ente_id = $2))",
        )
        .bind(application_id)
        .bind(ente.get())
        .bind(at)
        .bind(i64::from(from_office))
        .bind(author)
        .bind(body)
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        Ok(())
    }

    pub async fn set_assignee(
        &mut self,
        application_id: &str,
        assignee: i64,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        // Only this ente's case, to one of this ente's staff.
        let done = sqlx::query(
            "UPDATE applications SET assignee = $1 WHERE id = $2 AND ente_id = $3 \
             AND EXISTS (SELECT 1 FROM staff_users WHERE id = $1 AND ente_id = $3)",
        )
        .bind(assignee)
        .bind(application_id)
        .bind(ente.get())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        Ok(())
    }

    /// Where to write to the applicant about this case (set when it is filed).
    pub async fn set_contact(
        &mut self,
        application_id: &str,
        email: Option<&str>,
        given_name: &str,
        family_name: &str,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        sqlx::query(
            "UPDATE applications SET contact_email = $1, applicant_given_name = $4, applicant_family_name = $5 \
             WHERE id = $2 AND ente_id = $3",
        )
            .bind(email)
            .bind(application_id)
            .bind(ente.get())
            .bind(given_name)
            .bind(family_name)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Moves a case from `from` to `to` only if it is still in `from`: two people acting on one
    /// case at once cannot both succeed. Returns whether this one did.
    pub async fn move_case(
        &mut self,
        application_id: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        let done = sqlx::query(
            "UPDATE applications SET case_state = $1 WHERE id = $2 AND ente_id = $3 AND case_state = $4 AND status = 'submitted'",
        )
        .bind(to)
        .bind(application_id)
        .bind(ente.get())
        .bind(from)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
