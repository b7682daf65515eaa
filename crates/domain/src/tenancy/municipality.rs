//! A municipality (comune) as an ente of the region, and the validation of one row of the
//! ISTAT list it is imported from.

use super::codes::{CadastralCode, CodeError, IstatCode, ProvinceCode, Slug};

/// Database id of an ente. A typed id so that it cannot be confused with other ids, and one
/// that only the store makes from a number: clippy's `disallowed-methods` (clippy.toml) refuses
/// [`EnteId::from_stored`] anywhere else, so every `EnteId` in the program was read from a row
/// (`EnteRow::ente_id`) or a session, never typed in or taken from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EnteId(i64);

impl EnteId {
    /// The id as the store holds it. For the store alone (see the type's documentation).
    pub const fn from_stored(id: i64) -> Self {
        Self(id)
    }

    /// The number, for binding into a query.
    pub const fn get(self) -> i64 {
        self.0
    }
}

/// A municipality, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub istat: IstatCode,
    pub name: String,
    pub province_name: String,
    pub province_code: ProvinceCode,
    pub cadastral: CadastralCode,
    pub population: u64,
    pub slug: Slug,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityRowError {
    #[error("attese 6 colonne, trovate {0}")]
    Columns(usize),
    #[error("{0}")]
    Code(#[from] CodeError),
    #[error("il nome del comune è vuoto")]
    EmptyName,
    #[error("il nome della provincia è vuoto")]
    EmptyProvince,
    #[error("la popolazione «{0}» non è un numero intero non negativo")]
    Population(String),
}

impl Municipality {
    /// Builds a municipality from the columns of the ISTAT list:
    /// `codice_istat, denominazione, provincia, sigla_provincia, codice_catastale, popolazione`.
    pub fn from_row(fields: &[&str]) -> Result<Self, MunicipalityRowError> {
        let [istat, name, province_name, province_code, cadastral, population] = fields else {
            return Err(MunicipalityRowError::Columns(fields.len()));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(MunicipalityRowError::EmptyName);
        }
        let province_name = province_name.trim();
        if province_name.is_empty() {
            return Err(MunicipalityRowError::EmptyProvince);
        }
        let population: u64 = population
            .trim()
            .parse()
            .map_err(|_| MunicipalityRowError::Population(population.to_string()))?;
        Ok(Self {
            istat: IstatCode::parse(istat)?,
            slug: Slug::parse(&slugify(name))?,
            name: name.to_string(),
            province_name: province_name.to_string(),
            province_code: ProvinceCode::parse(province_code)?,
            cadastral: CadastralCode::parse(cadastral)?,
            population,
        })
    }
}

/// The URL slug of a name: lower case ASCII, accents removed, words joined by hyphens
/// (`Castelnuovo di Garfagnana` → `castelnuovo-di-garfagnana`, `Forte dei Marmi`,
/// `Barberino Tavarnelle`, `Sant'Anna` → `sant-anna`).
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for c in name.chars() {
        let mapped = match c {
            'à' | 'á' | 'À' | 'Á' | 'â' => Some('a'),
            'è' | 'é' | 'È' | 'É' | 'ê' => Some('e'),
            'ì' | 'í' | 'Ì' | 'Í' | 'î' => Some('i'),
            'ò' | 'ó' | 'Ò' | 'Ó' | 'ô' => Some('o'),
            'ù' | 'ú' | 'Ù' | 'Ú' | 'û' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        };
        match mapped {
            Some(m) => {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                out.push(m);
            }
            None => pending_hyphen = true,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Livorno"), "livorno");
        assert_eq!(
            slugify("Castelnuovo di Garfagnana"),
            "castelnuovo-di-garfagnana"
        );
        assert_eq!(slugify("Sant'Anna  d'Alfaedo"), "sant-anna-d-alfaedo");
        assert_eq!(slugify("Cascina – Più"), "cascina-piu");
    }

    #[test]
    fn rows() {
        let m = Municipality::from_row(&["049009", "Livorno", "Livorno", "LI", "E625", "153773"])
            .unwrap();
        assert_eq!(m.slug.as_str(), "livorno");
        assert_eq!(m.population, 153_773);
        assert_eq!(
            Municipality::from_row(&["049009", "Livorno"]),
            Err(MunicipalityRowError::Columns(2))
        );
        assert!(matches!(
            Municipality::from_row(&["49009", "Livorno", "Livorno", "LI", "E625", "1"]),
            Err(MunicipalityRowError::Code(CodeError::Istat(_)))
        ));
        assert_eq!(
            Municipality::from_row(&["049009", "Livorno", "Livorno", "LI", "E625", "-3"]),
            Err(MunicipalityRowError::Population("-3".into()))
        );
    }
}
