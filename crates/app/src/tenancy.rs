//! Importing the region's municipalities from the ISTAT list, and reading them.

use sportello_domain::tenancy::Municipality;
use std::sync::Arc;

use sportello_domain::tenancy::slugify;
use sportello_store::{to_millis, EnteRow, ImportOutcome, Store};
use tokio::sync::RwLock;

use crate::{App, AppError};

/// Why an import was refused: the line (1-based, header included) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem:?}")]
pub struct ImportError {
    pub line: u64,
    pub problem: ImportProblem,
}

/// What is wrong with a line of the ISTAT list; the web's catalogue says it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProblem {
    /// The CSV cannot be read here (the reader's words).
    Unreadable(String),
    /// The first line is not the expected header; what was found.
    Header { found: String },
    /// A row the domain refuses.
    Row(sportello_domain::tenancy::MunicipalityRowError),
    /// An ISTAT code seen on an earlier line.
    RepeatedIstat(String),
    /// A name whose address (`/slug/`) an earlier line already has.
    RepeatedSlug { slug: String, other_line: u64 },
    /// No municipality at all.
    Empty,
}

/// The header the ISTAT list must have.
pub const MUNICIPALITIES_HEADER: [&str; 6] = [
    "codice_istat",
    "denominazione",
    "provincia",
    "sigla_provincia",
    "codice_catastale",
    "popolazione",
];

/// Parses the whole ISTAT list (`codice_istat,denominazione,provincia,sigla_provincia,
/// codice_catastale,popolazione`). Any bad row refuses the whole file.
pub fn parse_municipalities(csv_text: &str) -> Result<Vec<Municipality>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let expected = MUNICIPALITIES_HEADER;
    let headers = reader.headers().map_err(|e| ImportError {
        line: 1,
        problem: ImportProblem::Unreadable(e.to_string()),
    })?;
    let found: Vec<&str> = headers.iter().map(str::trim).collect();
    if found != expected {
        return Err(ImportError {
            line: 1,
            problem: ImportProblem::Header {
                found: found.join(","),
            },
        });
    }
    let mut out = Vec::new();
    let mut seen_istat = std::collections::HashSet::new();
    let mut seen_slug = std::collections::HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(2);
        let record = record.map_err(|e| ImportError {
            line,
            problem: ImportProblem::Unreadable(e.to_string()),
        })?;
        let fields: Vec<&str> = record.iter().collect();
        let m = Municipality::from_row(&fields).map_err(|e| ImportError {
            line,
            problem: ImportProblem::Row(e),
        })?;
        if !seen_istat.insert(m.istat.clone()) {
            return Err(ImportError {
                line,
                problem: ImportProblem::RepeatedIstat(m.istat.to_string()),
            });
        }
        if let Some(other) = seen_slug.insert(m.slug.clone(), line) {
            return Err(ImportError {
                line,
                problem: ImportProblem::RepeatedSlug {
                    slug: m.slug.to_string(),
                    other_line: other,
                },
            });
        }
        out.push(m);
    }
    if out.is_empty() {
        return Err(ImportError {
            line: 1,
            problem: ImportProblem::Empty,
        });
    }
    Ok(out)
}

/// Which enti to list.
#[derive(Debug, Clone, Default)]
pub struct EnteFilter {
    /// Part of the name, in any case, with or without accents.
    pub name: Option<String>,
    /// Province code (`LI`), any case.
    pub province: Option<String>,
}

impl EnteFilter {
    fn matches(&self, e: &EnteRow, name_key: Option<&str>) -> bool {
        let province_ok = self
            .province
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .is_none_or(|p| e.province_code.eq_ignore_ascii_case(p));
        province_ok && name_key.is_none_or(|k| slugify(&e.name).contains(k))
    }
}

/// This process's copy of the list of enti, with the database version it was read at.
/// Reference data read on every home page: one row of version check instead of 273 rows.
#[derive(Debug, Default)]
pub(crate) struct EntiCache(RwLock<Option<(EntiVersion, Arc<Vec<EnteRow>>)>>);

/// Number of enti and the latest change, as the database reports them.
type EntiVersion = (i64, i64);

impl App {
    /// Imports (or updates) the region's municipalities in one transaction: all or nothing.
    pub async fn import_municipalities(&self, csv_text: &str) -> Result<ImportOutcome, AppError> {
        let list = parse_municipalities(csv_text).map_err(AppError::Import)?;
        let mut tx = self.store.begin().await?;
        let outcome = Store::upsert_municipalities(
            &mut tx,
            &self.settings.region.code,
            &list,
            to_millis(self.now()),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        self.hot.clear();
        tracing::info!(
            inserted = outcome.inserted,
            updated = outcome.updated,
            unchanged = outcome.unchanged,
            "municipalities imported"
        );
        Ok(outcome)
    }

    /// The enti matching `filter`, ordered by name. Always as current as the database: the
    /// cached list is checked against the database's version on every call.
    pub async fn enti(&self, filter: &EnteFilter) -> Result<Vec<EnteRow>, AppError> {
        let all = self.all_enti().await?;
        let name_key = filter
            .name
            .as_deref()
            .map(slugify)
            .filter(|k| !k.is_empty());
        Ok(all
            .iter()
            .filter(|e| filter.matches(e, name_key.as_deref()))
            .cloned()
            .collect())
    }

    pub(crate) async fn all_enti(&self) -> Result<Arc<Vec<EnteRow>>, AppError> {
        let version = self.store.enti_version().await?;
        if let Some((cached, list)) = self.enti_cache.0.read().await.as_ref() {
            if *cached == version {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.store.all_enti().await?);
        *self.enti_cache.0.write().await = Some((version, list.clone()));
        Ok(list)
    }

    pub async fn ente_by_slug(&self, slug: &str) -> Result<EnteRow, AppError> {
        self.store
            .ente_by_slug(slug)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The ente a staff account belongs to (or any ente, by its id).
    pub async fn ente_by_id(
        &self,
        id: sportello_domain::tenancy::EnteId,
    ) -> Result<EnteRow, AppError> {
        self.store.ente_by_id(id).await?.ok_or(AppError::NotFound)
    }

    pub async fn ente_by_istat(&self, istat: &str) -> Result<EnteRow, AppError> {
        self.store
            .ente_by_istat(istat)
            .await?
            .ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "codice_istat,denominazione,provincia,sigla_provincia,codice_catastale,popolazione\n";

    #[test]
    fn parses_the_shipped_list() {
        let text = include_str!("../../../data/comuni-toscana.csv");
        let list = parse_municipalities(text).unwrap();
        assert_eq!(list.len(), 273);
        assert_eq!(list.iter().map(|m| m.population).sum::<u64>(), 3_672_202);
        assert!(list.iter().any(|m| m.slug.as_str() == "livorno"));
    }

    #[test]
    fn names_the_bad_line() {
        let text = format!(
            "{HEADER}049009,Livorno,Livorno,LI,E625,153773\n048017,Firenze,Firenze,FI,D612,tanti\n"
        );
        let err = parse_municipalities(&text).unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(
            err.problem,
            ImportProblem::Row(sportello_domain::tenancy::MunicipalityRowError::Population(
                "tanti".into()
            ))
        );
        let dup =
            format!("{HEADER}049009,Livorno,Livorno,LI,E625,1\n049009,Livorno,Livorno,LI,E625,1\n");
        let dup = parse_municipalities(&dup).unwrap_err();
        assert_eq!(dup.line, 3);
        assert_eq!(dup.problem, ImportProblem::RepeatedIstat("049009".into()));
        let header = parse_municipalities("a,b\n1,2\n").unwrap_err();
        assert_eq!(header.line, 1);
        assert_eq!(
            header.problem,
            ImportProblem::Header {
                found: "a,b".into()
            }
        );
        assert_eq!(parse_municipalities(HEADER).unwrap_err().line, 1);
    }
}
