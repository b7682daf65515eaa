//! Cases: the state of the procedure an application opened, its events, the ente's patron day.

use sportello_domain::procedure::states::CaseState;
use sportello_domain::procedure::{ApplicationStatus, CaseEventKind};
use sqlx::Row;

use crate::db::{Store, StoreError};
use crate::tenancy::TenantStore;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseEventRow {
    pub at: i64,
    #[sqlx(try_from = "String")]
    pub kind: CaseEventKind,
    #[sqlx(try_from = "String")]
    pub state: CaseState,
    pub actor: String,
}

const QUEUE_SELECT: &str =
    "SELECT a.id, a.service_id, a.status, a.case_state, a.data, r.number, r.year, \
     r.registered_at, r.correspondent, a.assignee \
     FROM applications a JOIN protocol_registrations r ON r.application_id = a.id";

/// A filed application as the office's queue sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRow {
    pub id: String,
    pub service_id: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub case_state: Option<String>,
    pub data: String,
    pub number: i64,
    pub year: i64,
    pub registered_at: String,
    pub correspondent: String,
    pub assignee: Option<i64>,
}

impl Store {}

impl TenantStore<'_> {
    pub async fn case_events(&self, application_id: &str) -> Result<Vec<CaseEventRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseEventRow>(
            "SELECT at, kind, state, actor FROM case_events WHERE application_id = $1 AND ente_id = $2 ORDER BY at, id",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The events of the given kinds for every case of the ente: (application id, event).
    pub async fn case_events_of_kinds(
        &self,
        kinds: &[CaseEventKind],
    ) -> Result<Vec<(String, CaseEventRow)>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list = (0..kinds.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT application_id, at, kind, state, actor FROM case_events WHERE ente_id = $1 AND kind IN ({list}) ORDER BY at, id"
        );
        let mut query = sqlx::query(&sql).bind(self.ente().get());
        for kind in kinds {
            query = query.bind(kind.code());
        }
        let rows = query.fetch_all(self.store().reader()).await?;
        rows.iter()
            .map(|r| {
                let code = |column: &str| -> Result<String, StoreError> { Ok(r.try_get(column)?) };
                let undecodable = |e: sportello_domain::stored::UnknownCode| {
                    StoreError::Db(sqlx::Error::Decode(Box::new(e)))
                };
                Ok((
                    r.try_get("application_id")?,
                    CaseEventRow {
                        at: r.try_get("at")?,
                        kind: CaseEventKind::parse(&code("kind")?).map_err(undecodable)?,
                        state: CaseState::parse(&code("state")?).map_err(undecodable)?,
                        actor: r.try_get("actor")?,
                    },
                ))
            })
            .collect()
    }

    pub async fn case_state(&self, application_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT case_state FROM applications WHERE id = $1 AND ente_id = $2")
            .bind(application_id)
            .bind(self.ente().get())
            .fetch_optional(self.store().reader())
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>("case_state").ok().flatten()))
    }

    /// Every filed application of the ente, newest registration first.
    pub async fn queue(&self) -> Result<Vec<QueueRow>, StoreError> {
        Ok(sqlx::query_as::<_, QueueRow>(&format!(
            "{QUEUE_SELECT} WHERE a.ente_id = $1 AND r.ente_id = $1 ORDER BY r.year DESC, r.number DESC"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// One filed application of the ente, as the queue shows it: the case page reads its
    /// case alone, never the whole queue.
    pub async fn queue_row(&self, application_id: &str) -> Result<Option<QueueRow>, StoreError> {
        Ok(sqlx::query_as::<_, QueueRow>(&format!(
            "{QUEUE_SELECT} WHERE a.id = $2 AND a.ente_id = $1 AND r.ente_id = $1"
        ))
        .bind(self.ente().get())
        .bind(application_id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The ente's patron day (month, day), if set.
    pub async fn patron_day(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let row = sqlx::query("SELECT patron_month, patron_day FROM enti WHERE id = $1")
            .bind(self.ente().get())
            .fetch_one(self.store().reader())
            .await?;
        let month: Option<i64> = row.try_get("patron_month")?;
        let day: Option<i64> = row.try_get("patron_day")?;
        Ok(month.zip(day))
    }

    pub async fn set_patron_day(&self, month: i64, day: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE enti SET patron_month = $1, patron_day = $2 WHERE id = $3")
            .bind(month)
            .bind(day)
            .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?;
        Ok(())
    }
}

impl crate::tenancy::TenantTx {
    /// Sets a case's state and records the event, inside the caller's transaction. A case
    /// that is not this ente's is refused, and nothing is written.
    pub async fn record_case_event(
        &mut self,
        application_id: &str,
        at: i64,
        kind: CaseEventKind,
        state: CaseState,
        actor: &str,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        let moved =
            sqlx::query("UPDATE applications SET case_state = $1 WHERE id = $2 AND ente_id = $3")
                .bind(state.code())
                .bind(application_id)
                .bind(ente.get())
                .execute(&mut **tx)
                .await?;
        if moved.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        sqlx::query(
            "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(application_id)
        .bind(ente.get())
        .bind(at)
        .bind(kind.code())
        .bind(state.code())
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
