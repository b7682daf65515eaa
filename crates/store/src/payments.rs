//! Payments (issue 17): each ente's creditor data, the IUV bases (never reused: allotted inside
//! the transaction that writes the position, by an UPDATE that locks the sequence's row), and
//! debt positions with their payment options and transfers.

use sportello_domain::payments::{NoticeNumber, SegregationCode};
use sqlx::Row;

use crate::db::{Store, StoreError};
use crate::tenancy::{RegionWide, TenantStore};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditorRow {
    pub fiscal_code: String,
    pub segregation_code: String,
    pub iban: String,
    pub postal_account: String,
    /// Poste Italiane's authorisation to print the postal block in-house (may be empty).
    pub postal_authorisation: String,
    pub cbill: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// A transfer as written: to an IBAN (with its creditor's fiscal code), or a revenue stamp.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub notice_number: String,
    pub transfer_no: i64,
    pub amount_cents: i64,
    pub remittance: String,
    pub category: String,
    pub iban: String,
    pub creditor_fiscal_code: String,
    pub stamp_type: String,
    pub stamp_hash: String,
    pub stamp_province: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OptionRow {
    pub notice_number: String,
    pub position_id: i64,
    pub iuv: String,
    pub amount_cents: i64,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub instalment: i64,
    pub paid_at: Option<i64>,
    pub receipt_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PositionRow {
    pub id: i64,
    pub ente_id: i64,
    pub iupd: String,
    pub debtor_fiscal_code: String,
    pub debtor_name: String,
    pub subject: String,
    pub state: String,
    pub origin: String,
    pub application_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When pagoPA's debt-position service accepted it; none while it waits in the outbox, and
    /// for positions payable at the ente only.
    pub published_at: Option<i64>,
}

impl PositionRow {
    /// The ente that is the position's creditor.
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

/// One payment option of the ente's positions, as the office lists them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentLineRow {
    pub iupd: String,
    pub debtor_fiscal_code: String,
    pub debtor_name: String,
    pub subject: String,
    pub state: String,
    pub origin: String,
    pub notice_number: String,
    pub amount_cents: i64,
    pub due_date: String,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    /// 1 when the option is an instalment.
    pub instalment: i64,
}

/// A position to write: its options' notice numbers are allotted when it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPosition {
    pub debtor_fiscal_code: String,
    pub debtor_name: String,
    pub subject: String,
    pub state: String,
    pub origin: String,
    pub application_id: Option<String>,
    pub options: Vec<NewOption>,
    /// Whether to publish it to pagoPA: an outbox entry written with the position.
    pub publish: bool,
    /// The office's import it came with, if any.
    pub batch: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOption {
    pub amount_cents: i64,
    pub due_date: String,
    pub instalment: bool,
    /// Each transfer's number is its place in the list, from 1.
    pub transfers: Vec<TransferRow>,
}

/// What writing a position did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Written now, with these notice numbers (one per option, in order).
    New(i64, Vec<String>),
    /// The application already has its position: that one.
    Existing(i64),
}

const POSITION_COLUMNS: &str = "id, ente_id, iupd, debtor_fiscal_code, debtor_name, subject, \
     state, origin, application_id, created_at, updated_at, published_at";

/// The same columns, of the position aliased `p` in a join.
const POSITION_COLUMNS_OF_P: &str = "p.id, p.ente_id, p.iupd, p.debtor_fiscal_code, \
     p.debtor_name, p.subject, p.state, p.origin, p.application_id, p.created_at, p.updated_at, p.published_at";

impl Store {
    /// Allots `n` consecutive IUV bases of a creditor's segregation code, inside `tx`: the
    /// first one. The UPDATE locks the sequence's row until `tx` ends, so two transactions
    /// never get the same bases, and a transaction rolled back gives its bases back unused.
    async fn allot_iuv_bases(
        tx: &mut crate::db::Tx,
        creditor: &str,
        segregation: &str,
        n: i64,
    ) -> Result<u64, StoreError> {
        sqlx::query(
            "INSERT INTO iuv_sequences (creditor_fiscal_code, segregation_code, next_base) \
             VALUES ($1, $2, 1) ON CONFLICT (creditor_fiscal_code, segregation_code) DO NOTHING",
        )
        .bind(creditor)
        .bind(segregation)
        .execute(&mut **tx)
        .await?;
        let next: i64 = sqlx::query_scalar(
            "UPDATE iuv_sequences SET next_base = next_base + $1 \
             WHERE creditor_fiscal_code = $2 AND segregation_code = $3 RETURNING next_base",
        )
        .bind(n)
        .bind(creditor)
        .bind(segregation)
        .fetch_one(&mut **tx)
        .await?;
        u64::try_from(next - n).map_err(|_| StoreError::Conflict("IUV base below zero".into()))
    }
}

/// Writes a position, its options (with the notice numbers given, in order) and transfers, and
/// its publication if asked, inside `tx`. Its id.
async fn insert_position(
    tx: &mut crate::db::Tx,
    ente: i64,
    iupd: &str,
    p: &NewPosition,
    notices: &[NoticeNumber],
    now_ms: i64,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO debt_positions (ente_id, iupd, debtor_fiscal_code, debtor_name, subject, \
         state, origin, application_id, created_at, updated_at, batch) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(ente)
    .bind(iupd)
    .bind(&p.debtor_fiscal_code)
    .bind(&p.debtor_name)
    .bind(&p.subject)
    .bind(&p.state)
    .bind(&p.origin)
    .bind(p.application_id.as_deref())
    .bind(now_ms)
    .bind(p.batch.as_deref())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (o, notice) in p.options.iter().zip(notices) {
        sqlx::query(
            "INSERT INTO payment_options (notice_number, position_id, iuv, amount_cents, \
             due_date, instalment) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(notice.as_str())
        .bind(id)
        .bind(notice.iuv())
        .bind(o.amount_cents)
        .bind(&o.due_date)
        .bind(i64::from(o.instalment))
        .execute(&mut **tx)
        .await?;
        for (i, t) in o.transfers.iter().enumerate() {
            sqlx::query(
                "INSERT INTO payment_transfers (notice_number, transfer_no, amount_cents, \
                 remittance, category, iban, creditor_fiscal_code, stamp_type, stamp_hash, \
                 stamp_province) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(notice.as_str())
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(t.amount_cents)
            .bind(&t.remittance)
            .bind(&t.category)
            .bind(&t.iban)
            .bind(&t.creditor_fiscal_code)
            .bind(&t.stamp_type)
            .bind(&t.stamp_hash)
            .bind(&t.stamp_province)
            .execute(&mut **tx)
            .await?;
        }
    }
    if p.publish {
        sqlx::query(
            "INSERT INTO payment_outbox (position_id, ente_id, action, created_at, \
             next_attempt_at) VALUES ($1, $2, 'publish', $3, $3)",
        )
        .bind(id)
        .bind(ente)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// Positions written in one transaction — all or none (an office's import of a file). The IUV
/// bases of every option are allotted when it starts; `add` writes one position at a time, so
/// what is held in memory is one position, whatever the size of the file.
pub struct BulkPositions {
    tx: crate::db::Tx,
    ente: i64,
    segregation: SegregationCode,
    next_base: u64,
    end_base: u64,
    now_ms: i64,
}

impl BulkPositions {
    /// Writes one position under the office's `iupd` (its reference for it); its notice
    /// numbers. A reference used before in the ente is a conflict (the import then fails).
    pub async fn add(&mut self, iupd: &str, p: &NewPosition) -> Result<Vec<String>, StoreError> {
        let mut notices = Vec::with_capacity(p.options.len());
        for _ in &p.options {
            if self.next_base >= self.end_base {
                return Err(StoreError::Conflict("more options than announced".into()));
            }
            notices.push(
                NoticeNumber::issue(self.segregation, self.next_base)
                    .map_err(|e| StoreError::Conflict(e.to_string()))?,
            );
            self.next_base += 1;
        }
        insert_position(&mut self.tx, self.ente, iupd, p, &notices, self.now_ms).await?;
        Ok(notices.iter().map(|n| n.as_str().to_string()).collect())
    }

    /// Makes every position written so far durable, at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl TenantStore<'_> {
    /// Starts writing positions of the ente in one transaction, `options` payment options in
    /// all: their IUV bases allotted now.
    pub async fn bulk_positions(
        &self,
        creditor: &CreditorRow,
        options: u64,
        now_ms: i64,
    ) -> Result<BulkPositions, StoreError> {
        let segregation = SegregationCode::parse(&creditor.segregation_code)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let mut tx = self.store().begin().await?;
        let n =
            i64::try_from(options).map_err(|_| StoreError::Conflict("too many options".into()))?;
        let first = Store::allot_iuv_bases(
            &mut tx,
            &creditor.fiscal_code,
            &creditor.segregation_code,
            n,
        )
        .await?;
        Ok(BulkPositions {
            tx,
            ente: self.ente().get(),
            segregation,
            next_base: first,
            end_base: first.saturating_add(options),
            now_ms,
        })
    }

    pub async fn creditor(&self) -> Result<Option<CreditorRow>, StoreError> {
        Ok(sqlx::query_as::<_, CreditorRow>(
            "SELECT fiscal_code, segregation_code, iban, postal_account, postal_authorisation, cbill, \
             updated_by, updated_at FROM creditors WHERE ente_id = $1",
        )
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn set_creditor(&self, c: &CreditorRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO creditors (ente_id, fiscal_code, segregation_code, iban, postal_account, \
             cbill, updated_by, updated_at, postal_authorisation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (ente_id) DO UPDATE SET fiscal_code = excluded.fiscal_code, \
             segregation_code = excluded.segregation_code, iban = excluded.iban, \
             postal_account = excluded.postal_account, cbill = excluded.cbill, \
             postal_authorisation = excluded.postal_authorisation, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(self.ente().get())
        .bind(&c.fiscal_code)
        .bind(&c.segregation_code)
        .bind(&c.iban)
        .bind(&c.postal_account)
        .bind(&c.cbill)
        .bind(&c.updated_by)
        .bind(c.updated_at)
        .bind(&c.postal_authorisation)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    /// Writes a position for the ente as creditor, its notice numbers allotted in the same
    /// transaction. A position for an application that already has one is not written again:
    /// the existing one is returned, however many ask at once.
    pub async fn write_position(
        &self,
        creditor: &CreditorRow,
        p: &NewPosition,
        now_ms: i64,
    ) -> Result<Written, StoreError> {
        if let Some(existing) = self
            .position_of_application(p.application_id.as_deref())
            .await?
        {
            return Ok(Written::Existing(existing));
        }
        match self.try_write_position(creditor, p, now_ms).await {
            Err(e) if e.is_unique_violation() => {
                // Another request wrote it meanwhile; its bases were given back with our
                // rollback.
                match self
                    .position_of_application(p.application_id.as_deref())
                    .await?
                {
                    Some(id) => Ok(Written::Existing(id)),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    async fn position_of_application(
        &self,
        application: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let Some(application) = application else {
            return Ok(None);
        };
        Ok(sqlx::query_scalar(
            "SELECT id FROM debt_positions WHERE ente_id = $1 AND application_id = $2",
        )
        .bind(self.ente().get())
        .bind(application)
        .fetch_optional(self.store().reader())
        .await?)
    }

    async fn try_write_position(
        &self,
        creditor: &CreditorRow,
        p: &NewPosition,
        now_ms: i64,
    ) -> Result<Written, StoreError> {
        let segregation = SegregationCode::parse(&creditor.segregation_code)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let mut tx = self.store().begin().await?;
        let count = i64::try_from(p.options.len()).unwrap_or(i64::MAX);
        let first = Store::allot_iuv_bases(
            &mut tx,
            &creditor.fiscal_code,
            &creditor.segregation_code,
            count,
        )
        .await?;
        let mut notices = Vec::with_capacity(p.options.len());
        for i in 0..p.options.len() {
            let base = first
                .checked_add(u64::try_from(i).unwrap_or(u64::MAX))
                .ok_or_else(|| StoreError::Conflict("IUV bases exhausted".into()))?;
            let n = NoticeNumber::issue(segregation, base)
                .map_err(|e| StoreError::Conflict(e.to_string()))?;
            notices.push(n);
        }
        let iupd = format!(
            "SPT-{}",
            notices
                .first()
                .map(|n| n.iuv().to_string())
                .unwrap_or_default()
        );
        let id = insert_position(&mut tx, self.ente().get(), &iupd, p, &notices, now_ms).await?;
        tx.commit().await?;
        Ok(Written::New(
            id,
            notices.iter().map(|n| n.as_str().to_string()).collect(),
        ))
    }

    pub async fn position(&self, id: i64) -> Result<Option<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS} FROM debt_positions WHERE id = $1 AND ente_id = $2"
        ))
        .bind(id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The ente's payment options, newest positions first (at most `limit`), with their
    /// position's debtor, subject and state: what the office and its accounting read.
    pub async fn payment_lines(&self, limit: i64) -> Result<Vec<PaymentLineRow>, StoreError> {
        Ok(sqlx::query_as::<_, PaymentLineRow>(
            "SELECT p.iupd, p.debtor_fiscal_code, p.debtor_name, p.subject, p.state, p.origin, \
             o.notice_number, o.amount_cents, o.due_date, o.paid_at, p.created_at, o.instalment \
             FROM debt_positions p JOIN payment_options o ON o.position_id = p.id \
             WHERE p.ente_id = $1 ORDER BY p.created_at DESC, p.id DESC, o.due_date LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The options of the positions of one import, in the order written (at most `limit`).
    pub async fn batch_lines(
        &self,
        batch: &str,
        limit: i64,
    ) -> Result<Vec<PaymentLineRow>, StoreError> {
        Ok(sqlx::query_as::<_, PaymentLineRow>(
            "SELECT p.iupd, p.debtor_fiscal_code, p.debtor_name, p.subject, p.state, p.origin, \
             o.notice_number, o.amount_cents, o.due_date, o.paid_at, p.created_at, o.instalment \
             FROM debt_positions p JOIN payment_options o ON o.position_id = p.id \
             WHERE p.ente_id = $1 AND p.batch = $2 ORDER BY p.id, o.instalment, o.due_date \
             LIMIT $3",
        )
        .bind(self.ente().get())
        .bind(batch)
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// A position of the ente by its IUPD.
    /// How many of the ente's positions whose IUPD starts with `prefix` are closed (paid,
    /// reported, expired or withdrawn).
    pub async fn closed_with_prefix(&self, prefix: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM debt_positions WHERE ente_id = $1 AND iupd LIKE $2 \
             AND state NOT IN ('draft', 'valid', 'partially_paid')",
        )
        .bind(self.ente().get())
        .bind(format!("{prefix}%"))
        .fetch_one(self.store().reader())
        .await?)
    }

    pub async fn position_by_iupd(&self, iupd: &str) -> Result<Option<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS} FROM debt_positions WHERE ente_id = $1 AND iupd = $2"
        ))
        .bind(self.ente().get())
        .bind(iupd)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The position of an application, if it has one.
    pub async fn application_position(
        &self,
        application: &str,
    ) -> Result<Option<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS} FROM debt_positions WHERE ente_id = $1 AND application_id = $2"
        ))
        .bind(self.ente().get())
        .bind(application)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn options_of(&self, position: i64) -> Result<Vec<OptionRow>, StoreError> {
        Ok(sqlx::query_as::<_, OptionRow>(
            "SELECT o.notice_number, o.position_id, o.iuv, o.amount_cents, o.due_date, \
             o.instalment, o.paid_at, o.receipt_id FROM payment_options o \
             JOIN debt_positions p ON p.id = o.position_id \
             WHERE o.position_id = $1 AND p.ente_id = $2 ORDER BY o.instalment, o.due_date",
        )
        .bind(position)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn transfers_of(&self, notice: &str) -> Result<Vec<TransferRow>, StoreError> {
        Ok(sqlx::query_as::<_, TransferRow>(
            "SELECT t.notice_number, t.transfer_no, t.amount_cents, t.remittance, t.category, \
             t.iban, t.creditor_fiscal_code, t.stamp_type, t.stamp_hash, t.stamp_province \
             FROM payment_transfers t JOIN payment_options o ON o.notice_number = t.notice_number \
             JOIN debt_positions p ON p.id = o.position_id \
             WHERE t.notice_number = $1 AND p.ente_id = $2 ORDER BY t.transfer_no",
        )
        .bind(notice)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The position a notice number belongs to, in this ente.
    pub async fn position_of_notice(
        &self,
        notice: &str,
    ) -> Result<Option<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS_OF_P} FROM debt_positions p \
             JOIN payment_options o ON o.position_id = p.id \
             WHERE o.notice_number = $1 AND p.ente_id = $2"
        ))
        .bind(notice)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }
}

impl RegionWide<'_> {
    /// Every ente with creditor data: its id and fiscal code.
    pub async fn creditors(
        &self,
    ) -> Result<Vec<(sportello_domain::tenancy::EnteId, String)>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT ente_id, fiscal_code FROM creditors ORDER BY ente_id")
                .fetch_all(self.store.reader())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, fc)| (sportello_domain::tenancy::EnteId::from_stored(id), fc))
            .collect())
    }

    /// A person's positions in every ente of the region, newest first (at most `limit`).
    /// Expires, in every ente, the positions of `origins` still wholly unpaid whose every
    /// option fell due before `today` (`YYYY-MM-DD`, in Rome): pagoPA expires the same ones
    /// (`switchToExpired`). One statement: however many processes run it, each position
    /// expires once. How many expired.
    pub async fn expire_positions(
        &self,
        origins: &[&str],
        today: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut expired = 0u64;
        for origin in origins {
            expired = expired.saturating_add(
                sqlx::query(
                    "UPDATE debt_positions SET state = 'expired', updated_at = $1 \
                     WHERE origin = $2 AND state = 'valid' AND NOT EXISTS \
                     (SELECT 1 FROM payment_options o WHERE o.position_id = debt_positions.id \
                     AND (o.due_date >= $3 OR o.paid_at IS NOT NULL))",
                )
                .bind(now_ms)
                .bind(*origin)
                .bind(today)
                .execute(&self.store.write_pool())
                .await?
                .rows_affected(),
            );
        }
        Ok(expired)
    }

    /// The positions of the applications a professional filed for clients (mode
    /// `professional`), in every ente, newest first: the debtor is the client.
    pub async fn positions_for_clients_of(
        &self,
        applicant: &str,
        limit: i64,
    ) -> Result<Vec<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS} FROM debt_positions WHERE application_id IS NOT NULL \
             AND EXISTS (SELECT 1 FROM applications a WHERE a.ente_id = debt_positions.ente_id \
             AND a.id = debt_positions.application_id AND a.applicant = $1 \
             AND a.mode = 'professional') \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(applicant)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?)
    }

    pub async fn positions_of_debtor(
        &self,
        fiscal_code: &str,
        limit: i64,
    ) -> Result<Vec<PositionRow>, StoreError> {
        Ok(sqlx::query_as::<_, PositionRow>(&format!(
            "SELECT {POSITION_COLUMNS} FROM debt_positions WHERE debtor_fiscal_code = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(fiscal_code)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?)
    }
}
