//! The bulk path of `sportello bench region` (issue 21): years of a region's filings written
//! straight into the tables, many rows per statement and many statements per transaction,
//! instead of one filing at a time through the registrar. What it writes is what the registrar
//! would have written — numbered and chained registrations, the case's events, its files — so
//! every page reads it as it reads real filings. Only a generator calls it, on a fresh database.

use crate::filing::{numbered, row_chunks, values_clause};
use crate::{Store, StoreError, Tx};

/// One filed application, with its registration and its history.
#[derive(Debug, Clone)]
pub struct BulkFiling {
    pub id: String,
    pub ente_id: i64,
    pub service_id: String,
    pub service_version: i64,
    pub applicant: String,
    pub given_name: String,
    pub family_name: String,
    /// `submitted` or `withdrawn`.
    pub status: &'static str,
    pub case_state: Option<&'static str>,
    pub data: String,
    pub assignee: Option<i64>,
    pub created_at: i64,
    pub submitted_at: i64,
    pub updated_at: i64,
    /// The registration: AOO, year, number, instant (RFC 3339), correspondent, subject,
    /// the document's digest, the attachments (JSON), the chain's links, classification and
    /// fascicolo.
    pub aoo_id: i64,
    pub year: i32,
    pub number: i64,
    pub registered_at: String,
    pub correspondent: String,
    pub subject: String,
    pub document_digest: String,
    pub attachments: String,
    pub previous_hash: String,
    pub hash: String,
    pub classification: String,
    pub fascicolo: String,
    /// (at, kind, state, actor).
    pub events: Vec<(i64, &'static str, &'static str, String)>,
    /// (field, sha256, file name, media type, size).
    pub files: Vec<(String, String, String, String, i64)>,
}

/// The head of an AOO's register after a bulk load: (aoo, year, last number, last hash).
#[derive(Debug, Clone)]
pub struct BulkHead {
    pub aoo_id: i64,
    pub year: i32,
    pub last_number: i64,
    pub last_hash: String,
}

impl Store {
    /// Writes `filings` in one transaction: applications, registrations, events and files.
    pub async fn bulk_file(&self, filings: &[BulkFiling]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_applications(&mut tx, filings).await?;
        let registrations: Vec<crate::ChainedRegistration<'_>> = filings
            .iter()
            .map(|f| crate::ChainedRegistration {
                ente_id: f.ente_id,
                aoo_id: f.aoo_id,
                year: f.year,
                number: f.number,
                registered_at: f.registered_at.clone(),
                direction: "E",
                correspondent: &f.correspondent,
                subject: &f.subject,
                sender_reference: None,
                document_digest: &f.document_digest,
                attachments: f.attachments.clone(),
                previous_hash: f.previous_hash.clone(),
                hash: f.hash.clone(),
                classification: &f.classification,
                fascicolo: &f.fascicolo,
                application_id: Some(&f.id),
            })
            .collect();
        Store::insert_registrations(&mut tx, &registrations).await?;
        insert_events(&mut tx, filings).await?;
        insert_files(&mut tx, filings).await?;
        Ok(tx.commit().await?)
    }

    /// Sets the registers' heads after a bulk load, so that the next filing continues each
    /// chain where the load left it.
    pub async fn bulk_heads(&self, heads: &[BulkHead]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for h in heads {
            sqlx::query(
                "INSERT INTO protocol_registers (aoo_id, year, last_number, last_hash) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (aoo_id) DO UPDATE SET year = excluded.year, last_number = excluded.last_number, \
                 last_hash = excluded.last_hash",
            )
            .bind(h.aoo_id)
            .bind(i64::from(h.year))
            .bind(h.last_number)
            .bind(h.last_hash.as_str())
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }

    /// Updates the planner's statistics after a bulk load (`ANALYZE`), as an operator would
    /// after restoring a dump.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE").execute(&self.write_pool()).await?;
        Ok(())
    }
}

async fn insert_applications(tx: &mut Tx, filings: &[BulkFiling]) -> Result<(), StoreError> {
    for range in row_chunks(filings.len()) {
        let sql = format!(
            "INSERT INTO applications (id, ente_id, service_id, service_version, applicant, mode, status, step, \
             data, created_at, updated_at, submitted_at, case_state, assignee, applicant_given_name, \
             applicant_family_name, registered_year, registered_number) VALUES {}",
            values_clause(range.len(), 18, numbered(tx))
        );
        let mut q = sqlx::query(&sql);
        for f in filings.get(range).unwrap_or_default() {
            q = q
                .bind(f.id.as_str())
                .bind(f.ente_id)
                .bind(f.service_id.as_str())
                .bind(f.service_version)
                .bind(f.applicant.as_str())
                .bind("self")
                .bind(f.status)
                .bind(0_i64)
                .bind(f.data.as_str())
                .bind(f.created_at)
                .bind(f.updated_at)
                .bind(f.submitted_at)
                .bind(f.case_state)
                .bind(f.assignee)
                .bind(f.given_name.as_str())
                .bind(f.family_name.as_str())
                .bind(i64::from(f.year))
                .bind(f.number);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_events(tx: &mut Tx, filings: &[BulkFiling]) -> Result<(), StoreError> {
    type Event = (i64, &'static str, &'static str, String);
    let events: Vec<(&BulkFiling, &Event)> = filings
        .iter()
        .flat_map(|f| f.events.iter().map(move |e| (f, e)))
        .collect();
    for range in row_chunks(events.len()) {
        let sql = format!(
            "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) VALUES {}",
            values_clause(range.len(), 6, numbered(tx))
        );
        let mut q = sqlx::query(&sql);
        for (f, (at, kind, state, actor)) in events.get(range).unwrap_or_default() {
            q = q
                .bind(f.id.as_str())
                .bind(f.ente_id)
                .bind(*at)
                .bind(*kind)
                .bind(*state)
                .bind(actor.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_files(tx: &mut Tx, filings: &[BulkFiling]) -> Result<(), StoreError> {
    type File = (String, String, String, String, i64);
    let files: Vec<(&BulkFiling, &File)> = filings
        .iter()
        .flat_map(|f| f.files.iter().map(move |x| (f, x)))
        .collect();
    for range in row_chunks(files.len()) {
        let sql = format!(
            "INSERT INTO application_files (application_id, field, sha256, file_name, media_type, size, uploaded_at) \
             VALUES {}",
            values_clause(range.len(), 7, numbered(tx))
        );
        let mut q = sqlx::query(&sql);
        for (f, (field, sha, name, media, size)) in files.get(range).unwrap_or_default() {
            q = q
                .bind(f.id.as_str())
                .bind(field.as_str())
                .bind(sha.as_str())
                .bind(name.as_str())
                .bind(media.as_str())
                .bind(*size)
                .bind(f.created_at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
