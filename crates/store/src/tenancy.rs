//! Enti (municipalities), their AOO and offices.

use sportello_domain::tenancy::{slugify, EnteId, Municipality};
use sqlx::Row;

use crate::db::{Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EnteRow {
    pub id: i64,
    pub region_code: String,
    pub istat: String,
    pub cadastral: String,
    pub name: String,
    pub province_name: String,
    pub province_code: String,
    pub population: i64,
    pub slug: String,
}

impl EnteRow {
    pub fn ente_id(&self) -> EnteId {
        EnteId::from_stored(self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfficeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
}

/// What an office says about itself (the office page's words and contacts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficeDetails {
    pub description: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
}

/// The ente's own contacts, data protection officer and accessibility statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct EnteProfileRow {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
    pub hours: String,
    pub dpo: String,
    pub dpo_email: String,
    pub accessibility_url: String,
    pub updated_by: String,
    pub updated_at: i64,
}

const ENTE_COLUMNS: &str =
    "id, region_code, istat, cadastral, name, province_name, province_code, population, slug";

/// The offices every municipality starts with; the ente administrator changes them later.
/// The catalogue's services name one of these (a test checks); migration 0050 gave the last
/// four to the municipalities created before them.
pub const DEFAULT_OFFICES: [(&str, &str); 10] = [
    ("URP", "Ufficio Relazioni con il Pubblico"),
    ("DEMO", "Servizi demografici"),
    ("SUAP", "Sportello Unico per le Attività Produttive"),
    ("SUE", "Sportello Unico per l'Edilizia"),
    ("SCUOLA", "Servizi educativi e scolastici"),
    ("PM", "Polizia municipale"),
    ("TRIBUTI", "Ufficio tributi"),
    ("SOCIALE", "Servizi sociali"),
    ("AMBIENTE", "Ufficio ambiente"),
    ("CULTURA", "Servizi culturali, biblioteca e sport"),
];

impl Store {
    /// Inserts or updates municipalities, all in the caller's transaction. A row identical to
    /// the stored one is left untouched. New enti get their AOO and default offices.
    pub async fn upsert_municipalities(
        tx: &mut Tx,
        region_code: &str,
        municipalities: &[Municipality],
        now_ms: i64,
    ) -> Result<ImportOutcome, StoreError> {
        let mut outcome = ImportOutcome::default();
        for m in municipalities {
            let existing = sqlx::query_as::<_, EnteRow>(&format!(
                "SELECT {ENTE_COLUMNS} FROM enti WHERE istat = $1"
            ))
            .bind(m.istat.as_str())
            .fetch_optional(&mut **tx)
            .await?;
            let population = i64::try_from(m.population).unwrap_or(i64::MAX);
            match existing {
                Some(row)
                    if row.name == m.name
                        && row.cadastral == m.cadastral.as_str()
                        && row.province_name == m.province_name
                        && row.province_code == m.province_code.as_str()
                        && row.population == population
                        && row.slug == m.slug.as_str()
                        && row.region_code == region_code =>
                {
                    outcome.unchanged += 1;
                }
                Some(row) => {
                    sqlx::query(
                        "UPDATE enti SET region_code = $1, cadastral = $2, name = $3, province_name = $4, \
                         province_code = $5, population = $6, slug = $7, search_key = $8, updated_at = $9 WHERE id = $10",
                    )
                    .bind(region_code)
                    .bind(m.cadastral.as_str())
                    .bind(&m.name)
                    .bind(&m.province_name)
                    .bind(m.province_code.as_str())
                    .bind(population)
                    .bind(m.slug.as_str())
                    .bind(slugify(&m.name))
                    .bind(now_ms)
                    .bind(row.id)
                    .execute(&mut **tx)
                    .await?;
                    outcome.updated += 1;
                }
                None => {
                    let id: i64 = sqlx::query(
                        "INSERT INTO enti (region_code, istat, cadastral, name, province_name, province_code, \
                         population, slug, search_key, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    )
                    .bind(region_code)
                    .bind(m.istat.as_str())
                    .bind(m.cadastral.as_str())
                    .bind(&m.name)
                    .bind(&m.province_name)
                    .bind(m.province_code.as_str())
                    .bind(population)
                    .bind(m.slug.as_str())
                    .bind(slugify(&m.name))
                    .bind(now_ms)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("id")?;
                    let aoo_id: i64 = sqlx::query(
                        "INSERT INTO aoo (ente_id, code, name) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(id)
                    .bind(format!("AOO-{}", m.istat))
                    .bind(format!("Protocollo generale del Comune di {}", m.name))
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("id")?;
                    for (code, name) in DEFAULT_OFFICES {
                        sqlx::query(
                            "INSERT INTO offices (ente_id, aoo_id, code, name) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(id)
                        .bind(aoo_id)
                        .bind(code)
                        .bind(name)
                        .execute(&mut **tx)
                        .await?;
                    }
                    outcome.inserted += 1;
                }
            }
        }
        Ok(outcome)
    }

    /// Every ente of the region, ordered by name.
    pub async fn all_enti(&self) -> Result<Vec<EnteRow>, StoreError> {
        Ok(sqlx::query_as::<_, EnteRow>(&format!(
            "SELECT {ENTE_COLUMNS} FROM enti ORDER BY search_key, istat"
        ))
        .fetch_all(self.reader())
        .await?)
    }

    /// A value that changes whenever an ente is added or changed (every write sets
    /// `updated_at`): lets a process know its copy of the list is still current.
    pub async fn enti_version(&self) -> Result<(i64, i64), StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS latest FROM enti")
                .fetch_one(self.reader())
                .await?;
        Ok((row.try_get("n")?, row.try_get("latest")?))
    }

    pub async fn count_enti(&self) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM enti")
            .fetch_one(self.reader())
            .await?
            .try_get("n")?;
        Ok(n)
    }

    pub async fn ente_by_istat(&self, istat: &str) -> Result<Option<EnteRow>, StoreError> {
        Ok(sqlx::query_as::<_, EnteRow>(&format!(
            "SELECT {ENTE_COLUMNS} FROM enti WHERE istat = $1"
        ))
        .bind(istat)
        .fetch_optional(self.reader())
        .await?)
    }

    pub async fn ente_by_slug(&self, slug: &str) -> Result<Option<EnteRow>, StoreError> {
        Ok(sqlx::query_as::<_, EnteRow>(&format!(
            "SELECT {ENTE_COLUMNS} FROM enti WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(self.reader())
        .await?)
    }

    pub async fn ente_by_id(&self, id: EnteId) -> Result<Option<EnteRow>, StoreError> {
        Ok(
            sqlx::query_as::<_, EnteRow>(&format!("SELECT {ENTE_COLUMNS} FROM enti WHERE id = $1"))
                .bind(id.get())
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// The store seen from inside one ente: the only way to reach ente-owned rows.
    pub fn tenant(&self, ente: EnteId) -> TenantStore<'_> {
        TenantStore { store: self, ente }
    }
}

/// A transaction over one ente's rows: every write made through it binds the ente's id, which
/// the caller cannot pass again (or wrongly) per call. Made by [`Store::begin_for`]. Like a
/// [`Tx`], it must be committed; dropped, it rolls back. The register's numbering, which is per
/// AOO, takes the plain transaction inside it ([`TenantTx::tx`]) so that a use case that moves a
/// case and registers its document stays one transaction.
pub struct TenantTx {
    tx: Tx,
    ente: EnteId,
}

impl TenantTx {
    pub fn ente(&self) -> EnteId {
        self.ente
    }

    /// The transaction itself, for the steps that are not one ente's rows (the register).
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}

impl Store {
    /// A transaction over `ente`'s rows (see [`TenantTx`]).
    pub async fn begin_for(&self, ente: EnteId) -> Result<TenantTx, StoreError> {
        Ok(TenantTx {
            tx: self.begin().await?,
            ente,
        })
    }
}

/// The few deliberate reads and writes across every ente's rows: the jobs that visit every
/// open case and every register, a citizen's own applications in every ente, the register's
/// verification by AOO, the demo's adoption of the catalogue everywhere. They live on this
/// handle, asked for by name (`store.region_wide()`), so that reaching across enti is a
/// choice a reader sees, never a forgotten `WHERE`.
pub struct RegionWide<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    pub fn region_wide(&self) -> RegionWide<'_> {
        RegionWide { store: self }
    }
}

/// Queries over rows owned by one ente. Every query here binds `self.ente`.
pub struct TenantStore<'a> {
    store: &'a Store,
    ente: EnteId,
}

impl TenantStore<'_> {
    pub fn ente(&self) -> EnteId {
        self.ente
    }

    pub(crate) fn store(&self) -> &Store {
        self.store
    }

    /// The ente's registry area (AOO) that owns its protocol register: id and code.
    pub async fn main_aoo(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT id, code FROM aoo WHERE ente_id = $1 ORDER BY id LIMIT 1")
            .bind(self.ente.get())
            .fetch_one(self.store.reader())
            .await?;
        Ok((row.try_get("id")?, row.try_get("code")?))
    }

    pub async fn offices(&self) -> Result<Vec<OfficeRow>, StoreError> {
        Ok(sqlx::query_as::<_, OfficeRow>(
            "SELECT id, code, name, description, address, hours, phone, email, pec \
             FROM offices WHERE ente_id = $1 ORDER BY name",
        )
        .bind(self.ente.get())
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Saves what an office says about itself. Returns whether the office exists.
    pub async fn set_office_details(
        &self,
        code: &str,
        d: &OfficeDetails,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE offices SET description = $1, address = $2, hours = $3, phone = $4, \
             email = $5, pec = $6 WHERE ente_id = $7 AND code = $8",
        )
        .bind(&d.description)
        .bind(&d.address)
        .bind(&d.hours)
        .bind(&d.phone)
        .bind(&d.email)
        .bind(&d.pec)
        .bind(self.ente.get())
        .bind(code)
        .execute(&self.store.write_pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The ente's profile, if it was ever saved.
    pub async fn ente_profile(&self) -> Result<Option<EnteProfileRow>, StoreError> {
        Ok(sqlx::query_as::<_, EnteProfileRow>(
            "SELECT address, phone, email, pec, hours, dpo, dpo_email, accessibility_url, \
             updated_by, updated_at FROM ente_profiles WHERE ente_id = $1",
        )
        .bind(self.ente.get())
        .fetch_optional(self.store.reader())
        .await?)
    }

    /// Saves the ente's profile (one row per ente, replaced whole).
    pub async fn set_ente_profile(&self, p: &EnteProfileRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ente_profiles (ente_id, address, phone, email, pec, hours, dpo, dpo_email, \
             accessibility_url, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (ente_id) DO UPDATE SET address = excluded.address, phone = excluded.phone, \
             email = excluded.email, pec = excluded.pec, hours = excluded.hours, dpo = excluded.dpo, \
             dpo_email = excluded.dpo_email, accessibility_url = excluded.accessibility_url, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(self.ente.get())
        .bind(&p.address)
        .bind(&p.phone)
        .bind(&p.email)
        .bind(&p.pec)
        .bind(&p.hours)
        .bind(&p.dpo)
        .bind(&p.dpo_email)
        .bind(&p.accessibility_url)
        .bind(&p.updated_by)
        .bind(p.updated_at)
        .execute(&self.store.write_pool())
        .await?;
        Ok(())
    }

    /// The ente's registry areas (AOO): code and name.
    pub async fn aoo(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT code, name FROM aoo WHERE ente_id = $1 ORDER BY code")
            .bind(self.ente.get())
            .fetch_all(self.store.reader())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("name")?)))
            .collect()
    }
}

/// The refusal of a write that names another ente's case (or a case that does not exist):
/// tenant-scoped writes check the case is the transaction's ente's in the statement itself.
pub(crate) fn not_this_entes(application_id: &str) -> StoreError {
    StoreError::Conflict(format!("{application_id}: no such case in this ente"))
}
