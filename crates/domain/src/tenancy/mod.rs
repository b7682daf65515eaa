//! Tenancy: region → ente (municipality) → AOO (registry area) → offices (UO).

mod codes;
mod municipality;

pub use codes::{CadastralCode, CodeError, IstatCode, ProvinceCode, Slug};
pub use municipality::{slugify, EnteId, Municipality, MunicipalityRowError};

/// The region a deployment serves (configuration's `[region]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// ISTAT region code, two digits (Toscana: `09`).
    pub code: String,
    /// As pages name it: «Regione Toscana».
    pub name: String,
    /// The regional administrative court decisions name as the remedy: «TAR della Toscana».
    pub administrative_court: String,
}

impl Region {
    /// The demo region, and the default.
    pub fn toscana() -> Self {
        Self {
            code: "09".into(),
            name: "Regione Toscana".into(),
            administrative_court: "TAR della Toscana".into(),
        }
    }
}
