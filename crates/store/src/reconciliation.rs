//! Reconciliation of pagoPA payments (issue 17): requested → paid (the receipt) → reported (a
//! reporting flow names the payment) → cashed (the treasurer's statement shows the flow's
//! credit). Each flow and each statement is recorded in one transaction with what it matches
//! and the anomalies it opens; a flow or a credit recorded before changes nothing.

use sportello_domain::payments::{PositionEvent, PositionState};
use sqlx::Row;

use crate::db::StoreError;
use crate::pagopa::open_anomaly;
use crate::tenancy::TenantStore;

/// A reporting flow as pagoPA's FdR API gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFlow {
    pub flow_id: String,
    pub revision: i64,
    pub psp_id: String,
    pub flow_date: String,
    pub regulation_id: String,
    pub regulation_date: String,
    pub total_cents: i64,
    pub payments: Vec<FlowPayment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowPayment {
    pub index: i64,
    pub iuv: String,
    /// The receipt's id (identificativo univoco riscossione).
    pub iur: String,
    pub transfer_no: i64,
    pub amount_cents: i64,
    pub status: String,
    pub pay_date: String,
}

/// What recording a flow did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowRecorded {
    pub duplicate: bool,
    pub matched: u32,
    pub anomalies: u32,
}

/// A credit of the treasurer's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredit {
    pub entry_ref: String,
    pub amount_cents: i64,
    pub booking_date: String,
    pub remittance: String,
    /// The flow id the remittance names (`/PUR/LGPE-RIVERSAMENTO/URI/<flow id>`), perhaps
    /// truncated by the bank: matched as a prefix.
    pub flow_hint: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreditsRecorded {
    pub matched: u32,
    pub unmatched: u32,
    pub duplicates: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FlowRow {
    pub id: i64,
    pub flow_id: String,
    pub revision: i64,
    pub psp_id: String,
    pub flow_date: String,
    pub regulation_id: String,
    pub regulation_date: String,
    pub total_cents: i64,
    pub payments_count: i64,
    pub fetched_at: i64,
    pub cashed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditRow {
    pub id: i64,
    pub statement_id: String,
    pub entry_ref: String,
    pub amount_cents: i64,
    pub booking_date: String,
    pub remittance: String,
    pub flow_id: Option<String>,
    pub imported_at: i64,
    pub imported_by: String,
}

/// One line of the daily accounting: per day of payment, service and transfer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountingRow {
    pub day: String,
    pub subject: String,
    pub remittance: String,
    pub target: String,
    pub payments: i64,
    pub amount_cents: i64,
    pub reported: i64,
    pub cashed: i64,
}

pub const ANOMALY_MISSING_RECEIPT: &str = "missing_receipt";

/// A payment a flow reported whose option has no receipt of ours: what to ask pagoPA for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnreceivedPayment {
    pub flow_id: String,
    pub iuv: String,
    pub iur: String,
    pub notice_number: String,
    pub iupd: String,
    pub amount_cents: i64,
}
pub const ANOMALY_RECEIPT_MISMATCH: &str = "receipt_mismatch";
pub const ANOMALY_UNKNOWN_REPORTED: &str = "unknown_reported";
pub const ANOMALY_FLOW_TOTAL: &str = "flow_total_mismatch";
pub const ANOMALY_CREDIT_WITHOUT_FLOW: &str = "credit_without_flow";
pub const ANOMALY_CREDIT_AMOUNT: &str = "credit_amount_mismatch";
pub const ANOMALY_FLOW_WITHOUT_CREDIT: &str = "flow_without_credit";
pub const ANOMALY_NOT_REPORTED: &str = "not_reported";

impl TenantStore<'_> {
    /// Whether this revision of a flow is recorded already.
    pub async fn has_flow(&self, flow_id: &str, revision: i64) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reporting_flows WHERE ente_id = $1 AND flow_id = $2 \
             AND revision = $3",
        )
        .bind(self.ente().get())
        .bind(flow_id)
        .bind(revision)
        .fetch_one(self.store().reader())
        .await?;
        Ok(n > 0)
    }

    /// Records a reporting flow and matches its payments to the receipts: each matched option
    /// is reported (and its position, once every paid option is); a payment without our
    /// receipt, with another receipt, or of a notice we do not know opens an anomaly.
    pub async fn record_flow(&self, f: &NewFlow, now: i64) -> Result<FlowRecorded, StoreError> {
        let ente = self.ente().get();
        let mut tx = self.store().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO reporting_flows (ente_id, flow_id, revision, psp_id, flow_date, \
             regulation_id, regulation_date, total_cents, payments_count, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (ente_id, flow_id, revision) DO NOTHING",
        )
        .bind(ente)
        .bind(&f.flow_id)
        .bind(f.revision)
        .bind(&f.psp_id)
        .bind(&f.flow_date)
        .bind(&f.regulation_id)
        .bind(&f.regulation_date)
        .bind(f.total_cents)
        .bind(i64::try_from(f.payments.len()).unwrap_or(i64::MAX))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(FlowRecorded {
                duplicate: true,
                ..Default::default()
            });
        }
        let flow: i64 = sqlx::query_scalar(
            "SELECT id FROM reporting_flows WHERE ente_id = $1 AND flow_id = $2 AND revision = $3",
        )
        .bind(ente)
        .bind(&f.flow_id)
        .bind(f.revision)
        .fetch_one(&mut *tx)
        .await?;
        let mut done = FlowRecorded::default();
        let mut sum: i64 = 0;
        for p in &f.payments {
            sum = sum
                .checked_add(p.amount_cents)
                .ok_or_else(|| StoreError::Conflict("flow total overflows".into()))?;
            sqlx::query(
                "INSERT INTO reporting_payments (flow, idx, iuv, iur, transfer_no, amount_cents, \
                 status, pay_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (flow, idx) DO NOTHING",
            )
            .bind(flow)
            .bind(p.index)
            .bind(&p.iuv)
            .bind(&p.iur)
            .bind(p.transfer_no)
            .bind(p.amount_cents)
            .bind(&p.status)
            .bind(&p.pay_date)
            .execute(&mut *tx)
            .await?;
            let option = sqlx::query(
                "SELECT o.notice_number, o.receipt_id, o.position_id FROM payment_options o \
                 JOIN debt_positions p ON p.id = o.position_id \
                 WHERE o.iuv = $1 AND p.ente_id = $2",
            )
            .bind(&p.iuv)
            .bind(ente)
            .fetch_optional(&mut *tx)
            .await?;
            let reference = format!("{}:{}:{}", f.flow_id, p.iuv, p.transfer_no);
            let Some(option) = option else {
                open_anomaly(
                    &mut tx,
                    Some(ente),
                    ANOMALY_UNKNOWN_REPORTED,
                    &reference,
                    "",
                    &format!(
                        "il flusso {} rendiconta lo IUV {} che l'ente non ha emesso",
                        f.flow_id, p.iuv
                    ),
                    now,
                )
                .await?;
                done.anomalies = done.anomalies.saturating_add(1);
                continue;
            };
            let notice: String = option.try_get("notice_number")?;
            let receipt: Option<String> = option.try_get("receipt_id")?;
            let position: i64 = option.try_get("position_id")?;
            match receipt {
                Some(r) if r == p.iur => {
                    sqlx::query(
                        "UPDATE payment_options SET reported_at = $1, flow_id = $2 \
                         WHERE notice_number = $3 AND reported_at IS NULL",
                    )
                    .bind(now)
                    .bind(&f.flow_id)
                    .bind(&notice)
                    .execute(&mut *tx)
                    .await?;
                    report_position(&mut tx, position, now).await?;
                    done.matched = done.matched.saturating_add(1);
                }
                Some(r) => {
                    open_anomaly(
                        &mut tx,
                        Some(ente),
                        ANOMALY_RECEIPT_MISMATCH,
                        &reference,
                        &notice,
                        &format!(
                            "il flusso {} rendiconta la ricevuta {}, l'ente ha la {r}",
                            f.flow_id, p.iur
                        ),
                        now,
                    )
                    .await?;
                    done.anomalies = done.anomalies.saturating_add(1);
                }
                None => {
                    open_anomaly(
                        &mut tx,
                        Some(ente),
                        ANOMALY_MISSING_RECEIPT,
                        &reference,
                        &notice,
                        &format!("il flusso {} rendiconta un pagamento (ricevuta {}) di cui l'ente non ha la ricevuta", f.flow_id, p.iur),
                        now,
                    )
                    .await?;
                    done.anomalies = done.anomalies.saturating_add(1);
                }
            }
        }
        if sum != f.total_cents {
            open_anomaly(
                &mut tx,
                Some(ente),
                ANOMALY_FLOW_TOTAL,
                &f.flow_id,
                "",
                &format!(
                    "il totale dichiarato ({} centesimi) non è la somma dei pagamenti ({sum})",
                    f.total_cents
                ),
                now,
            )
            .await?;
            done.anomalies = done.anomalies.saturating_add(1);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The payments the ente's flows reported whose option has no receipt of ours (the node's
    /// `paSendRT` never arrived), at most `limit`.
    pub async fn reported_without_receipt(
        &self,
        limit: i64,
    ) -> Result<Vec<UnreceivedPayment>, StoreError> {
        Ok(sqlx::query_as::<_, UnreceivedPayment>(
            "SELECT DISTINCT rf.flow_id, rp.iuv, rp.iur, o.notice_number, p.iupd, o.amount_cents \
             FROM reporting_payments rp JOIN reporting_flows rf ON rf.id = rp.flow \
             JOIN payment_options o ON o.iuv = rp.iuv \
             JOIN debt_positions p ON p.id = o.position_id AND p.ente_id = rf.ente_id \
             WHERE rf.ente_id = $1 AND o.receipt_id IS NULL \
             ORDER BY rf.flow_id, rp.iuv LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// After the receipt `iur` of `iuv` was recovered: the option is reported by `flow_id`, its
    /// position too once every paid option is, and the flow's anomaly of the missing receipt
    /// closed with `note` — together. Whether the option was reported now.
    pub async fn report_recovered(
        &self,
        flow_id: &str,
        iuv: &str,
        iur: &str,
        note: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let ente = self.ente().get();
        let mut tx = self.store().begin().await?;
        let position: Option<i64> = sqlx::query_scalar(
            "SELECT o.position_id FROM payment_options o \
             JOIN debt_positions p ON p.id = o.position_id \
             WHERE o.iuv = $1 AND o.receipt_id = $2 AND o.reported_at IS NULL AND p.ente_id = $3",
        )
        .bind(iuv)
        .bind(iur)
        .bind(ente)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(position) = position else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE payment_options SET reported_at = $1, flow_id = $2 \
             WHERE iuv = $3 AND receipt_id = $4 AND reported_at IS NULL",
        )
        .bind(now)
        .bind(flow_id)
        .bind(iuv)
        .bind(iur)
        .execute(&mut *tx)
        .await?;
        report_position(&mut tx, position, now).await?;
        sqlx::query(
            "UPDATE payment_anomalies SET resolved_at = $1, resolved_by = $2, note = $3 \
             WHERE ente_id = $4 AND kind = $5 AND reference LIKE $6 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind("pagoPA (recupero automatico)")
        .bind(note)
        .bind(ente)
        .bind(ANOMALY_MISSING_RECEIPT)
        .bind(format!("{flow_id}:{iuv}:%"))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records the credits of a treasurer's statement, each matched to the flow its remittance
    /// names: the flow is cashed when the amount is its total. A credit recorded before (same
    /// statement and entry) changes nothing; one that matches no flow, or not its amount, opens
    /// an anomaly.
    pub async fn record_credits(
        &self,
        statement_id: &str,
        credits: &[NewCredit],
        by: &str,
        now: i64,
    ) -> Result<CreditsRecorded, StoreError> {
        let ente = self.ente().get();
        let mut tx = self.store().begin().await?;
        let mut done = CreditsRecorded::default();
        for c in credits {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO treasury_credits (ente_id, statement_id, entry_ref, amount_cents, \
                 booking_date, remittance, imported_at, imported_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (ente_id, statement_id, entry_ref) DO NOTHING RETURNING id",
            )
            .bind(ente)
            .bind(statement_id)
            .bind(&c.entry_ref)
            .bind(c.amount_cents)
            .bind(&c.booking_date)
            .bind(&c.remittance)
            .bind(now)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                done.duplicates = done.duplicates.saturating_add(1);
                continue;
            };
            let reference = format!("{statement_id}:{}", c.entry_ref);
            let flows =
                match &c.flow_hint {
                    Some(hint) if !hint.is_empty() => sqlx::query(
                        "SELECT id, flow_id, total_cents FROM reporting_flows WHERE ente_id = $1 \
                         AND cashed_at IS NULL AND substr(flow_id, 1, length($2)) = $2",
                    )
                    .bind(ente)
                    .bind(hint)
                    .fetch_all(&mut *tx)
                    .await?,
                    _ => Vec::new(),
                };
            let [flow] = flows.as_slice() else {
                let detail = if flows.is_empty() {
                    format!(
                        "accredito di {} centesimi senza flusso di rendicontazione: «{}»",
                        c.amount_cents, c.remittance
                    )
                } else {
                    format!("la causale «{}» corrisponde a più flussi", c.remittance)
                };
                open_anomaly(
                    &mut tx,
                    Some(ente),
                    ANOMALY_CREDIT_WITHOUT_FLOW,
                    &reference,
                    "",
                    &detail,
                    now,
                )
                .await?;
                done.unmatched = done.unmatched.saturating_add(1);
                continue;
            };
            let flow_pk: i64 = flow.try_get("id")?;
            let flow_id: String = flow.try_get("flow_id")?;
            let total: i64 = flow.try_get("total_cents")?;
            if total != c.amount_cents {
                open_anomaly(
                    &mut tx,
                    Some(ente),
                    ANOMALY_CREDIT_AMOUNT,
                    &reference,
                    "",
                    &format!(
                        "accredito di {} per il flusso {flow_id} che ne rendiconta {}",
                        sportello_domain::forms::it_euros(c.amount_cents),
                        sportello_domain::forms::it_euros(total)
                    ),
                    now,
                )
                .await?;
                done.unmatched = done.unmatched.saturating_add(1);
                continue;
            }
            sqlx::query("UPDATE treasury_credits SET flow = $1 WHERE id = $2")
                .bind(flow_pk)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE reporting_flows SET cashed_at = $1, credit_id = $2 WHERE id = $3 \
                 AND cashed_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .bind(flow_pk)
            .execute(&mut *tx)
            .await?;
            done.matched = done.matched.saturating_add(1);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The ente's flows, newest first.
    pub async fn flows(&self, limit: i64) -> Result<Vec<FlowRow>, StoreError> {
        Ok(sqlx::query_as::<_, FlowRow>(
            "SELECT id, flow_id, revision, psp_id, flow_date, regulation_id, regulation_date, \
             total_cents, payments_count, fetched_at, cashed_at FROM reporting_flows \
             WHERE ente_id = $1 ORDER BY fetched_at DESC, id DESC LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's treasury credits, newest first.
    pub async fn credits(&self, limit: i64) -> Result<Vec<CreditRow>, StoreError> {
        Ok(sqlx::query_as::<_, CreditRow>(
            "SELECT c.id, c.statement_id, c.entry_ref, c.amount_cents, c.booking_date, \
             c.remittance, f.flow_id, c.imported_at, c.imported_by FROM treasury_credits c \
             LEFT JOIN reporting_flows f ON f.id = c.flow WHERE c.ente_id = $1 \
             ORDER BY c.imported_at DESC, c.id DESC LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's collections per day of payment, service (the position's subject) and
    /// transfer: how many, how much, how much reported and cashed — the accounting's view.
    /// Revenue stamps are the revenue agency's: never in the ente's flows or its treasury.
    pub async fn accounting(&self, limit: i64) -> Result<Vec<AccountingRow>, StoreError> {
        Ok(sqlx::query_as::<_, AccountingRow>(
            "SELECT substr(r.payment_date_time, 1, 10) AS day, p.subject, t.remittance, \
             CASE WHEN t.stamp_type <> '' THEN 'marca da bollo' ELSE t.iban END AS target, \
             COUNT(*) AS payments, CAST(SUM(t.amount_cents) AS BIGINT) AS amount_cents, \
             CAST(SUM(CASE WHEN o.reported_at IS NOT NULL AND t.stamp_type = '' \
                  THEN t.amount_cents ELSE 0 END) AS BIGINT) AS reported, \
             CAST(SUM(CASE WHEN f.cashed_at IS NOT NULL AND t.stamp_type = '' \
                  THEN t.amount_cents ELSE 0 END) AS BIGINT) AS cashed \
             FROM payment_receipts r \
             JOIN payment_options o ON o.receipt_id = r.receipt_id \
             JOIN debt_positions p ON p.id = o.position_id \
             JOIN payment_transfers t ON t.notice_number = o.notice_number \
             LEFT JOIN reporting_flows f ON f.ente_id = p.ente_id AND f.flow_id = o.flow_id \
             WHERE r.ente_id = $1 \
             GROUP BY substr(r.payment_date_time, 1, 10), p.subject, t.remittance, \
             CASE WHEN t.stamp_type <> '' THEN 'marca da bollo' ELSE t.iban END \
             ORDER BY day DESC, p.subject, t.remittance LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Opens the anomalies of time: flows without a credit `flow_days` after they were read,
    /// receipts never reported `receipt_days` after they arrived. Each once.
    pub async fn overdue_reconciliation(
        &self,
        flows_before: i64,
        receipts_before: i64,
        now: i64,
    ) -> Result<u32, StoreError> {
        let ente = self.ente().get();
        let mut tx = self.store().begin().await?;
        let mut opened = 0u32;
        let flows = sqlx::query(
            "SELECT flow_id, total_cents FROM reporting_flows WHERE ente_id = $1 \
             AND cashed_at IS NULL AND fetched_at < $2",
        )
        .bind(ente)
        .bind(flows_before)
        .fetch_all(&mut *tx)
        .await?;
        for f in flows {
            let flow_id: String = f.try_get("flow_id")?;
            let total: i64 = f.try_get("total_cents")?;
            let detail = format!(
                "nessun accredito in tesoreria per il flusso {flow_id} ({total} centesimi)"
            );
            if open_anomaly(
                &mut tx,
                Some(ente),
                ANOMALY_FLOW_WITHOUT_CREDIT,
                &flow_id,
                "",
                &detail,
                now,
            )
            .await?
            {
                opened = opened.saturating_add(1);
            }
        }
        let late = sqlx::query(
            "SELECT o.notice_number, o.receipt_id FROM payment_options o \
             JOIN debt_positions p ON p.id = o.position_id \
             WHERE p.ente_id = $1 AND o.receipt_id IS NOT NULL AND o.reported_at IS NULL \
             AND o.paid_at < $2",
        )
        .bind(ente)
        .bind(receipts_before)
        .fetch_all(&mut *tx)
        .await?;
        for o in late {
            let notice: String = o.try_get("notice_number")?;
            let receipt: String = o.try_get("receipt_id")?;
            let detail =
                format!("la ricevuta {receipt} non compare in alcun flusso di rendicontazione");
            if open_anomaly(
                &mut tx,
                Some(ente),
                ANOMALY_NOT_REPORTED,
                &receipt,
                &notice,
                &detail,
                now,
            )
            .await?
            {
                opened = opened.saturating_add(1);
            }
        }
        tx.commit().await?;
        Ok(opened)
    }
}

/// A position whose every paid option is reported becomes reported.
async fn report_position(
    tx: &mut crate::db::Tx,
    position: i64,
    now: i64,
) -> Result<(), StoreError> {
    let unreported: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payment_options WHERE position_id = $1 \
         AND receipt_id IS NOT NULL AND reported_at IS NULL",
    )
    .bind(position)
    .fetch_one(&mut **tx)
    .await?;
    if unreported > 0 {
        return Ok(());
    }
    let state: String = sqlx::query_scalar("SELECT state FROM debt_positions WHERE id = $1")
        .bind(position)
        .fetch_one(&mut **tx)
        .await?;
    if let Some(Ok(next)) = PositionState::parse(&state).map(|s| s.after(PositionEvent::Reported)) {
        sqlx::query("UPDATE debt_positions SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(next.code())
            .bind(now)
            .bind(position)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
