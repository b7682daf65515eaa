//! The notification outbox and the scheduled jobs' bookkeeping. Both are safe with several
//! processes on one database: a claim or a lease is one conditional UPDATE, so only one process
//! wins it, and a process that dies loses its claim when the time it asked for runs out.

use sqlx::Row;

use crate::db::{Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
    /// A calendar invitation (RFC 5545) to attach.
    pub ics: Option<String>,
}

impl Store {
    /// Writes a notification inside the transaction of the event that causes it.
    pub async fn enqueue_notification(
        tx: &mut Tx,
        at: i64,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        Self::enqueue_invitation(tx, at, recipient, subject, body, None).await
    }

    /// A notification that carries a calendar invitation (`.ics`), when `ics` is some.
    pub async fn enqueue_invitation(
        tx: &mut Tx,
        at: i64,
        recipient: &str,
        subject: &str,
        body: &str,
        ics: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (created_at, recipient, subject, body, attempts, next_attempt_at, ics) VALUES ($1, $2, $3, $4, 0, $1, $5)",
        )
        .bind(at)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(ics)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Claims up to `limit` notifications due at `now` for `lease_ms`. A claimed row is skipped by
    /// every other process until it is delivered, rescheduled, or its claim runs out.
    pub async fn claim_notifications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        // The conditions are repeated outside the subquery: PostgreSQL re-checks them on the
        // row it locks, so two processes racing for one row cannot both claim it.
        Ok(sqlx::query_as::<_, OutboxRow>(
            "UPDATE outbox SET claimed_until = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= $1 \
                          AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $3) \
             AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1) \
             RETURNING id, recipient, subject, body, attempts, delivered_at, last_error, ics",
        )
        .bind(now)
        .bind(now + lease_ms)
        .bind(limit)
        .fetch_all(&self.write_pool())
        .await?)
    }

    pub async fn notification_delivered(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.write_pool())
            .await?;
        Ok(())
    }

    pub async fn notification_failed(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(id)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// Gives a claimed notification back untried, for the next pass.
    pub async fn release_notification(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL WHERE id = $1 AND delivered_at IS NULL",
        )
        .bind(id)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// The whole outbox, oldest first (operations and tests).
    pub async fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as::<_, OutboxRow>(
            "SELECT id, recipient, subject, body, attempts, delivered_at, last_error, ics FROM outbox ORDER BY id",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// Takes or renews the lease on job `name` until `until`, if it is free, expired, or already
    /// `holder`'s. Returns whether `holder` now holds it.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE job_leases.until < $4 OR job_leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that `job` did `item`, inside the transaction that did it. Returns false if it
    /// had been done already (the caller then rolls back).
    pub async fn mark_done(
        tx: &mut Tx,
        job: &str,
        item: &str,
        at: i64,
        result: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO job_done (job, item, at, result) VALUES ($1, $2, $3, $4) ON CONFLICT (job, item) DO NOTHING",
        )
        .bind(job)
        .bind(item)
        .bind(at)
        .bind(result)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn done_result(&self, job: &str, item: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT result FROM job_done WHERE job = $1 AND item = $2")
            .bind(job)
            .bind(item)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| r.try_get("result"))
            .transpose()
            .map_err(Into::into)
    }
}
