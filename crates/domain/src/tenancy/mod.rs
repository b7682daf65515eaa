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
    /// Its code in the IPA (Indice delle Pubbliche Amministrazioni): `r_toscan`. The open-data
    /// catalogue names the region by it (DCAT-AP_IT's `dct:identifier` of an agent).
    pub ipa_code: String,
    /// Where to write about the region's open data (the catalogue's contact point, and each
    /// ente's when the ente has given no address of its own).
    pub data_email: String,
}

impl Region {
    /// The demo region, and the default.
    pub fn toscana() -> Self {
        Self {
            code: "09".into(),
            name: "Regione Toscana".into(),
            administrative_court: "TAR della Toscana".into(),
            ipa_code: "r_toscan".into(),
            data_email: "opendata@regione.toscana.it".into(),
        }
    }
}
