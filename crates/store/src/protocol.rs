//! The protocol register: gapless numbers per AOO and year, the hash chain's head, and the
//! registrations themselves. Numbering happens inside the caller's transaction: the register
//! row stays locked until it commits (PostgreSQL) or the single writer holds the database
//! (SQLite), so numbers are gapless and in commit order, and a rolled-back registration
//! gives its number back.

use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::TenantStore;

/// The fields to register; the number and hashes are the store's to assign.
#[derive(Debug, Clone)]
pub struct NewRegistration<'a> {
    pub ente_id: i64,
    pub aoo_id: i64,
    pub year: i32,
    pub registered_at: &'a str,
    pub direction: &'a str,
    pub correspondent: &'a str,
    pub subject: &'a str,
    pub sender_reference: Option<&'a str>,
    pub document_digest: &'a str,
    /// JSON list of `{description, digest}`.
    pub attachments: &'a str,
    pub classification: &'a str,
    pub fascicolo: &'a str,
    pub application_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: i64,
    pub aoo_id: i64,
    pub year: i64,
    pub number: i64,
    pub registered_at: String,
    pub direction: String,
    pub correspondent: String,
    pub subject: String,
    pub sender_reference: Option<String>,
    pub document_digest: String,
    pub attachments: String,
    pub previous_hash: String,
    pub hash: String,
    pub classification: String,
    pub fascicolo: String,
    pub application_id: Option<String>,
}

const REGISTRATION_COLUMNS: &str = "id, aoo_id, year, number, registered_at, direction, correspondent, subject, \
     sender_reference, document_digest, attachments, previous_hash, hash, classification, fascicolo, application_id";

impl Store {
    /// Registers inside `tx`. `chain` receives the number and the previous link and returns
    /// this registration's hash. Returns the number, the previous hash and the hash.
    pub async fn register(
        tx: &mut Tx,
        r: &NewRegistration<'_>,
        genesis: &str,
        chain: impl FnOnce(i64, &str) -> String,
    ) -> Result<(i64, String, String), StoreError> {
        Store::register_numbered(
            tx,
            r,
            genesis,
            |_| r.document_digest.to_string(),
            |number, previous, _| chain(number, previous),
        )
        .await
    }

    /// Registers a document that carries its own number: `document` is given the number the
    /// register allots (inside this transaction, so no one else can take it) and returns the
    /// finished document's digest, which is what the entry records (`r.document_digest` is not
    /// read). `chain` is given the number, the previous hash and that digest.
    pub async fn register_numbered(
        tx: &mut Tx,
        r: &NewRegistration<'_>,
        genesis: &str,
        document: impl FnOnce(i64) -> String,
        chain: impl FnOnce(i64, &str, &str) -> String,
    ) -> Result<(i64, String, String), StoreError> {
        let (number, previous) = Store::advance_register(tx, r.aoo_id, r.year, 1, genesis).await?;
        let digest = document(number);
        let hash = chain(number, &previous, &digest);
        Store::insert_registrations(
            tx,
            &[crate::filing::ChainedRegistration {
                ente_id: r.ente_id,
                aoo_id: r.aoo_id,
                year: r.year,
                number,
                registered_at: r.registered_at.to_string(),
                direction: r.direction,
                correspondent: r.correspondent,
                subject: r.subject,
                sender_reference: r.sender_reference,
                document_digest: &digest,
                attachments: r.attachments.to_string(),
                previous_hash: previous.clone(),
                hash: hash.clone(),
                classification: r.classification,
                fascicolo: r.fascicolo,
                application_id: r.application_id,
            }],
        )
        .await?;
        Store::set_register_head(tx, r.aoo_id, &hash).await?;
        Ok((number, previous, hash))
    }
}

impl TenantStore<'_> {
    /// One of this ente's registrations.
    pub async fn registration_by_id(&self, id: i64) -> Result<Option<RegistrationRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistrationRow>(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM protocol_registrations WHERE id = $1 AND ente_id = $2"
        ))
        .bind(id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The registration of one of this ente's applications.
    /// The registration of application `application_id`: its own, or for a part of a filing
    /// (migration 0052), the filing's.
    pub async fn registration_for(
        &self,
        application_id: &str,
    ) -> Result<Option<RegistrationRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistrationRow>(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM protocol_registrations WHERE ente_id = $2 AND application_id = \
             COALESCE((SELECT parent_id FROM applications WHERE id = $1 AND ente_id = $2), $1)"
        ))
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }
}

impl crate::tenancy::RegionWide<'_> {
    /// One AOO's whole register in number order, for verification and the daily register.
    pub async fn registrations_of_aoo(
        &self,
        aoo_id: i64,
        year: Option<i64>,
    ) -> Result<Vec<RegistrationRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistrationRow>(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM protocol_registrations WHERE aoo_id = $1 AND ($2 IS NULL OR year = $2) \
             ORDER BY year, number, id"
        ))
        .bind(aoo_id)
        .bind(year)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The last number and chain head the register row holds for an AOO.
    pub async fn register_head(
        &self,
        aoo_id: i64,
    ) -> Result<Option<(i64, i64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT year, last_number, last_hash FROM protocol_registers WHERE aoo_id = $1",
        )
        .bind(aoo_id)
        .fetch_optional(self.store.reader())
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("year")?,
                r.try_get("last_number")?,
                r.try_get("last_hash")?,
            ))
        })
        .transpose()
    }
}
