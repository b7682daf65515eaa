//! Tenancy: region → ente (municipality) → AOO (registry area) → offices (UO).

mod codes;
mod municipality;

pub use codes::{CadastralCode, CodeError, IstatCode, ProvinceCode, Slug};
pub use municipality::{slugify, EnteId, Municipality, MunicipalityRowError};

/// The region a deployment serves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// ISTAT region code, two digits (Toscana: `09`).
    pub code: String,
    pub name: String,
}

impl Region {
    pub fn toscana() -> Self {
        Self {
            code: "09".into(),
            name: "Regione Toscana".into(),
        }
    }
}
