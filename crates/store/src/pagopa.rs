//! Payments through pagoPA (issue 17), the platform's side: the outbox that publishes positions
//! to the Debt Position service (claimed by one process at a time, retried until done, never
//! lost), the receipts pagoPA sends (idempotent by receipt id: a receipt sent twice is kept
//! once), and the anomalies an office resolves (a receipt for a notice we do not know, an amount
//! that is not the one asked, a second payment of one notice).

use sportello_domain::payments::{PositionEvent, PositionState};
use sqlx::Row;

use crate::db::{Store, StoreError};
use crate::tenancy::TenantStore;

/// A publication the outbox holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicationRow {
    pub id: i64,
    pub position_id: i64,
    pub ente_id: i64,
    pub action: String,
    pub attempts: i64,
    pub done_at: Option<i64>,
    pub last_error: String,
}

impl PublicationRow {
    /// The ente whose position it is.
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

/// A receipt as pagoPA sent it, with what Sportello reads from it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRow {
    pub receipt_id: String,
    pub ente_id: Option<i64>,
    pub creditor_fiscal_code: String,
    pub notice_number: String,
    pub iuv: String,
    pub outcome: String,
    pub amount_cents: i64,
    pub fee_cents: i64,
    pub psp_id: String,
    pub psp_name: String,
    pub payment_method: String,
    /// As sent: `YYYY-MM-DDThh:mm:ss`, Italian time.
    pub payment_date_time: String,
    pub transfer_date: String,
    pub received_at: i64,
    /// The `receipt` element, as received.
    pub document: String,
}

/// What an office sees of an anomaly.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnomalyRow {
    pub id: i64,
    pub ente_id: Option<i64>,
    pub kind: String,
    pub reference: String,
    pub notice_number: String,
    pub detail: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: String,
    pub note: String,
}

/// What recording a receipt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptRecorded {
    /// The option is paid by it; the position is now in `state`.
    Applied {
        ente_id: i64,
        position_id: i64,
        state: String,
    },
    /// This receipt id was recorded before: nothing changed.
    Duplicate,
    /// Kept, and an anomaly of `kind` opened for the office.
    Anomaly { ente_id: Option<i64>, kind: String },
}

/// Anomaly kinds.
pub const ANOMALY_UNKNOWN_NOTICE: &str = "unknown_notice";
pub const ANOMALY_AMOUNT_MISMATCH: &str = "amount_mismatch";
pub const ANOMALY_PAID_TWICE: &str = "paid_twice";
pub const ANOMALY_NOT_PAYABLE: &str = "not_payable";
pub const ANOMALY_NEGATIVE_OUTCOME: &str = "negative_outcome";

const RECEIPT_COLUMNS: &str = "receipt_id, ente_id, creditor_fiscal_code, notice_number, iuv, \
     outcome, amount_cents, fee_cents, psp_id, psp_name, payment_method, payment_date_time, \
     transfer_date, received_at, document";

const ANOMALY_COLUMNS: &str = "id, ente_id, kind, reference, notice_number, detail, created_at, \
     resolved_at, resolved_by, note";

impl Store {
    /// Claims up to `limit` publications due at `now` for `lease_ms`; a claimed one is skipped
    /// by every other process until it is done, rescheduled, or its claim runs out.
    pub async fn claim_publications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<PublicationRow>, StoreError> {
        // The conditions are repeated outside the subquery: PostgreSQL re-checks them on the
        // row it locks, so two processes racing for one row cannot both claim it.
        Ok(sqlx::query_as::<_, PublicationRow>(
            "UPDATE payment_outbox SET claimed_until = $2 \
             WHERE id IN (SELECT id FROM payment_outbox WHERE done_at IS NULL \
                          AND next_attempt_at <= $1 \
                          AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $3) \
             AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1) \
             RETURNING id, position_id, ente_id, action, attempts, done_at, last_error",
        )
        .bind(now)
        .bind(now + lease_ms)
        .bind(limit)
        .fetch_all(&self.write_pool())
        .await?)
    }

    /// The platform has the position: the publication is done and the position, if still a
    /// draft, is payable — both or neither.
    pub async fn publication_done(
        &self,
        id: i64,
        position_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE payment_outbox SET done_at = $1, attempts = attempts + 1, \
             claimed_until = NULL, last_error = '' WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE debt_positions SET state = $1, published_at = $2, updated_at = $2 \
             WHERE id = $3 AND state = $4",
        )
        .bind(PositionState::Valid.code())
        .bind(now)
        .bind(position_id)
        .bind(PositionState::Draft.code())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn publication_failed(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payment_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
             claimed_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(id)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// The whole publication outbox, oldest first (operations and tests).
    pub async fn publications(&self) -> Result<Vec<PublicationRow>, StoreError> {
        Ok(sqlx::query_as::<_, PublicationRow>(
            "SELECT id, position_id, ente_id, action, attempts, done_at, last_error \
             FROM payment_outbox ORDER BY id",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// Records a receipt pagoPA sent, in one transaction with what it does: the option paid
    /// and the position's state, or an anomaly. A receipt id recorded before changes nothing,
    /// however many times and however concurrently it arrives.
    pub async fn record_receipt(&self, r: &ReceiptRow) -> Result<ReceiptRecorded, StoreError> {
        let mut tx = self.begin().await?;
        // The notice, among the positions of the creditor the receipt names.
        let found = sqlx::query(
            "SELECT p.id, p.ente_id, p.state, o.amount_cents, o.receipt_id, o.instalment \
             FROM payment_options o JOIN debt_positions p ON p.id = o.position_id \
             JOIN creditors c ON c.ente_id = p.ente_id \
             WHERE o.notice_number = $1 AND c.fiscal_code = $2",
        )
        .bind(&r.notice_number)
        .bind(&r.creditor_fiscal_code)
        .fetch_optional(&mut *tx)
        .await?;
        let ente_id: Option<i64> = match &found {
            Some(row) => Some(row.try_get("ente_id")?),
            // An unknown notice of a creditor of ours is that ente's office's to look at.
            None => {
                sqlx::query_scalar("SELECT ente_id FROM creditors WHERE fiscal_code = $1 LIMIT 1")
                    .bind(&r.creditor_fiscal_code)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        let inserted = sqlx::query(&format!(
            "INSERT INTO payment_receipts ({RECEIPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, \
             $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (receipt_id) DO NOTHING"
        ))
        .bind(&r.receipt_id)
        .bind(ente_id)
        .bind(&r.creditor_fiscal_code)
        .bind(&r.notice_number)
        .bind(&r.iuv)
        .bind(&r.outcome)
        .bind(r.amount_cents)
        .bind(r.fee_cents)
        .bind(&r.psp_id)
        .bind(&r.psp_name)
        .bind(&r.payment_method)
        .bind(&r.payment_date_time)
        .bind(&r.transfer_date)
        .bind(r.received_at)
        .bind(&r.document)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(ReceiptRecorded::Duplicate);
        }
        let anomaly = |kind: &'static str, detail: String| (kind, detail);
        let Some(row) = found else {
            let (kind, detail) = anomaly(
                ANOMALY_UNKNOWN_NOTICE,
                format!(
                    "l'ente non ha emesso questo avviso; pagati {}",
                    sportello_domain::forms::it_euros(r.amount_cents)
                ),
            );
            open_anomaly(
                &mut tx,
                ente_id,
                kind,
                &r.receipt_id,
                &r.notice_number,
                &detail,
                r.received_at,
            )
            .await?;
            tx.commit().await?;
            return Ok(ReceiptRecorded::Anomaly {
                ente_id,
                kind: kind.into(),
            });
        };
        let position_id: i64 = row.try_get("id")?;
        let state: String = row.try_get("state")?;
        let expected: i64 = row.try_get("amount_cents")?;
        let earlier: Option<String> = row.try_get("receipt_id")?;
        let instalment: i64 = row.try_get("instalment")?;
        let problem = if r.outcome != "OK" {
            Some(anomaly(
                ANOMALY_NEGATIVE_OUTCOME,
                format!("esito {} comunicato dalla piattaforma", r.outcome),
            ))
        } else if earlier.is_some() {
            Some(anomaly(
                ANOMALY_PAID_TWICE,
                "l'avviso risultava già pagato con un'altra ricevuta".to_string(),
            ))
        } else if r.amount_cents != expected {
            Some(anomaly(
                ANOMALY_AMOUNT_MISMATCH,
                format!(
                    "importo pagato {} centesimi, richiesto {expected}",
                    r.amount_cents
                ),
            ))
        } else {
            None
        };
        if let Some((kind, detail)) = problem {
            open_anomaly(
                &mut tx,
                ente_id,
                kind,
                &r.receipt_id,
                &r.notice_number,
                &detail,
                r.received_at,
            )
            .await?;
            tx.commit().await?;
            return Ok(ReceiptRecorded::Anomaly {
                ente_id,
                kind: kind.into(),
            });
        }
        // Settles the position: the single option, or the last unpaid instalment.
        let unpaid_instalments: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payment_options WHERE position_id = $1 AND instalment = 1 \
             AND receipt_id IS NULL AND notice_number <> $2",
        )
        .bind(position_id)
        .bind(&r.notice_number)
        .fetch_one(&mut *tx)
        .await?;
        let settles = instalment == 0 || unpaid_instalments == 0;
        let next = PositionState::parse(&state)
            .ok_or_else(|| StoreError::Conflict(format!("unknown position state {state}")))?
            .after(PositionEvent::OptionPaid { settles });
        let Ok(next) = next else {
            open_anomaly(
                &mut tx,
                ente_id,
                ANOMALY_NOT_PAYABLE,
                &r.receipt_id,
                &r.notice_number,
                &format!("pagamento di una posizione nello stato «{state}»"),
                r.received_at,
            )
            .await?;
            tx.commit().await?;
            return Ok(ReceiptRecorded::Anomaly {
                ente_id,
                kind: ANOMALY_NOT_PAYABLE.into(),
            });
        };
        sqlx::query(
            "UPDATE payment_options SET paid_at = $1, receipt_id = $2 \
             WHERE notice_number = $3 AND receipt_id IS NULL",
        )
        .bind(r.received_at)
        .bind(&r.receipt_id)
        .bind(&r.notice_number)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE debt_positions SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(next.code())
            .bind(r.received_at)
            .bind(position_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ReceiptRecorded::Applied {
            ente_id: ente_id.unwrap_or_default(),
            position_id,
            state: next.code().into(),
        })
    }

    /// How many receipts were recorded, of every ente (operations and tests).
    pub async fn receipts_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM payment_receipts")
            .fetch_one(self.reader())
            .await?)
    }

    /// Anomalies of no ente (receipts for notices no ente of the region issued), newest first.
    pub async fn unassigned_anomalies(&self, limit: i64) -> Result<Vec<AnomalyRow>, StoreError> {
        Ok(sqlx::query_as::<_, AnomalyRow>(&format!(
            "SELECT {ANOMALY_COLUMNS} FROM payment_anomalies WHERE ente_id IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}

pub(crate) async fn open_anomaly(
    tx: &mut crate::db::Tx,
    ente_id: Option<i64>,
    kind: &str,
    reference: &str,
    notice: &str,
    detail: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO payment_anomalies (ente_id, kind, reference, notice_number, detail, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, reference) DO NOTHING",
    )
    .bind(ente_id)
    .bind(kind)
    .bind(reference)
    .bind(notice)
    .bind(detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl TenantStore<'_> {
    /// Withdraws a position of this ente that is not paid (draft or valid): invalid, and —
    /// when pagoPA has it or may have it — an invalidation for the outbox; a publication still
    /// waiting is dropped. Whether it was withdrawn.
    pub async fn invalidate_position(&self, iupd: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.store().begin().await?;
        let row = sqlx::query(
            "UPDATE debt_positions SET state = $1, updated_at = $2 \
             WHERE ente_id = $3 AND iupd = $4 AND state IN ($5, $6) RETURNING id, published_at",
        )
        .bind(PositionState::Invalid.code())
        .bind(now)
        .bind(self.ente().get())
        .bind(iupd)
        .bind(PositionState::Draft.code())
        .bind(PositionState::Valid.code())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get("id")?;
        let published: Option<i64> = row.try_get("published_at")?;
        let pending = sqlx::query(
            "UPDATE payment_outbox SET done_at = $1, last_error = 'withdrawn before publication' \
             WHERE position_id = $2 AND action = 'publish' AND done_at IS NULL \
             AND claimed_until IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let has_publication: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payment_outbox WHERE position_id = $1 AND action = 'publish'",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        // pagoPA has it (or a publication in flight may give it): invalidate it there too.
        if published.is_some() || (has_publication > 0 && pending.rows_affected() == 0) {
            sqlx::query(
                "INSERT INTO payment_outbox (position_id, ente_id, action, created_at, \
                 next_attempt_at) VALUES ($1, $2, 'invalidate', $3, $3) \
                 ON CONFLICT (position_id, action) DO NOTHING",
            )
            .bind(id)
            .bind(self.ente().get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The receipt that paid a notice of this ente, if one did.
    pub async fn receipt_of_notice(&self, notice: &str) -> Result<Option<ReceiptRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReceiptRow>(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM payment_receipts r WHERE r.ente_id = $1 \
             AND r.receipt_id = (SELECT o.receipt_id FROM payment_options o \
                                 WHERE o.notice_number = $2)"
        ))
        .bind(self.ente().get())
        .bind(notice)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The ente's anomalies, open first, newest first (at most `limit`).
    pub async fn anomalies(&self, limit: i64) -> Result<Vec<AnomalyRow>, StoreError> {
        Ok(sqlx::query_as::<_, AnomalyRow>(&format!(
            "SELECT {ANOMALY_COLUMNS} FROM payment_anomalies WHERE ente_id = $1 \
             ORDER BY CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC \
             LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Closes an open anomaly of this ente with a note. Whether it was open.
    pub async fn resolve_anomaly(
        &self,
        id: i64,
        by: &str,
        note: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE payment_anomalies SET resolved_at = $1, resolved_by = $2, note = $3 \
             WHERE id = $4 AND ente_id = $5 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind(by)
        .bind(note)
        .bind(id)
        .bind(self.ente().get())
        .execute(&self.store().write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
