//! Where a service sits in the catalogue: AgID's subject matters for public services, stored by
//! their code, and the Designers Italia type of service.
//!
//! The subject matters are AgID's controlled vocabulary «classifications-for-public-services /
//! public-services-subject-matters» (version 0.1, 2019): fifteen codes, each named in the
//! vocabulary and, slightly differently for three of them, in the municipal website model that
//! Designers Italia publishes and AgID's validator checks (the «Servizi» page lists the model's
//! fifteen labels). Sportello stores the code and shows the model's label. The model's
//! cross-cutting services (booking an appointment, asking for help, reporting a disservice) and
//! access to documents belong to no subject matter: they are `Transversal`.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A subject matter of AgID's vocabulary (codes 1–15), or the cross-cutting services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    EducazioneFormazione,
    SaluteBenessereAssistenza,
    VitaLavorativa,
    MobilitaTrasporti,
    CatastoUrbanistica,
    AnagrafeStatoCivile,
    Turismo,
    GiustiziaSicurezza,
    TributiFinanze,
    CulturaTempoLibero,
    Ambiente,
    ImpreseCommercio,
    Autorizzazioni,
    AppaltiPubblici,
    AgricolturaPesca,
    Transversal,
}

impl Category {
    /// In the model's order (by code), the cross-cutting services last.
    pub const ALL: [Category; 16] = [
        Category::EducazioneFormazione,
        Category::SaluteBenessereAssistenza,
        Category::VitaLavorativa,
        Category::MobilitaTrasporti,
        Category::CatastoUrbanistica,
        Category::AnagrafeStatoCivile,
        Category::Turismo,
        Category::GiustiziaSicurezza,
        Category::TributiFinanze,
        Category::CulturaTempoLibero,
        Category::Ambiente,
        Category::ImpreseCommercio,
        Category::Autorizzazioni,
        Category::AppaltiPubblici,
        Category::AgricolturaPesca,
        Category::Transversal,
    ];

    /// AgID's code of the subject matter (1–15); none for the cross-cutting services.
    pub fn agid_code(self) -> Option<u8> {
        match self {
            Category::EducazioneFormazione => Some(1),
            Category::SaluteBenessereAssistenza => Some(2),
            Category::VitaLavorativa => Some(3),
            Category::MobilitaTrasporti => Some(4),
            Category::CatastoUrbanistica => Some(5),
            Category::AnagrafeStatoCivile => Some(6),
            Category::Turismo => Some(7),
            Category::GiustiziaSicurezza => Some(8),
            Category::TributiFinanze => Some(9),
            Category::CulturaTempoLibero => Some(10),
            Category::Ambiente => Some(11),
            Category::ImpreseCommercio => Some(12),
            Category::Autorizzazioni => Some(13),
            Category::AppaltiPubblici => Some(14),
            Category::AgricolturaPesca => Some(15),
            Category::Transversal => None,
        }
    }

    /// The subject matter with AgID's code `code`.
    pub fn from_agid_code(code: u8) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.agid_code() == Some(code))
    }

    /// The vocabulary's concept: `https://w3id.org/italia/controlled-vocabulary/…/{code}`.
    pub fn agid_uri(self) -> Option<String> {
        self.agid_code().map(|c| {
            format!(
                "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/public-services-subject-matters/{c}"
            )
        })
    }

    /// The slug the model's sites use in addresses, and Sportello in its own
    /// (`/livorno/servizi?categoria=anagrafe-e-stato-civile`) and message keys.
    pub fn code(self) -> &'static str {
        match self {
            Category::EducazioneFormazione => "educazione-e-formazione",
            Category::SaluteBenessereAssistenza => "salute-benessere-e-assistenza",
            Category::VitaLavorativa => "vita-lavorativa",
            Category::MobilitaTrasporti => "mobilita-e-trasporti",
            Category::CatastoUrbanistica => "catasto-e-urbanistica",
            Category::AnagrafeStatoCivile => "anagrafe-e-stato-civile",
            Category::Turismo => "turismo",
            Category::GiustiziaSicurezza => "giustizia-e-sicurezza-pubblica",
            Category::TributiFinanze => "tributi-finanze-e-contravvenzioni",
            Category::CulturaTempoLibero => "cultura-e-tempo-libero",
            Category::Ambiente => "ambiente",
            Category::ImpreseCommercio => "imprese-e-commercio",
            Category::Autorizzazioni => "autorizzazioni",
            Category::AppaltiPubblici => "appalti-pubblici",
            Category::AgricolturaPesca => "agricoltura-e-pesca",
            Category::Transversal => "servizi-trasversali",
        }
    }

    /// The label of the municipal website model (what AgID's validator looks for).
    pub fn label(self) -> &'static str {
        match self {
            Category::EducazioneFormazione => "Educazione e formazione",
            Category::SaluteBenessereAssistenza => "Salute, benessere e assistenza",
            Category::VitaLavorativa => "Vita lavorativa",
            Category::MobilitaTrasporti => "Mobilità e trasporti",
            Category::CatastoUrbanistica => "Catasto e urbanistica",
            Category::AnagrafeStatoCivile => "Anagrafe e stato civile",
            Category::Turismo => "Turismo",
            Category::GiustiziaSicurezza => "Giustizia e sicurezza pubblica",
            Category::TributiFinanze => "Tributi, finanze e contravvenzioni",
            Category::CulturaTempoLibero => "Cultura e tempo libero",
            Category::Ambiente => "Ambiente",
            Category::ImpreseCommercio => "Imprese e commercio",
            Category::Autorizzazioni => "Autorizzazioni",
            Category::AppaltiPubblici => "Appalti pubblici",
            Category::AgricolturaPesca => "Agricoltura e pesca",
            Category::Transversal => "Servizi trasversali",
        }
    }

    /// The same label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::EducazioneFormazione => "Education and training",
            Category::SaluteBenessereAssistenza => "Health, well-being and care",
            Category::VitaLavorativa => "Working life",
            Category::MobilitaTrasporti => "Mobility and transport",
            Category::CatastoUrbanistica => "Land registry and town planning",
            Category::AnagrafeStatoCivile => "Population and civil status registers",
            Category::Turismo => "Tourism",
            Category::GiustiziaSicurezza => "Justice and public safety",
            Category::TributiFinanze => "Taxes, finance and fines",
            Category::CulturaTempoLibero => "Culture and leisure",
            Category::Ambiente => "Environment",
            Category::ImpreseCommercio => "Business and trade",
            Category::Autorizzazioni => "Authorisations",
            Category::AppaltiPubblici => "Public procurement",
            Category::AgricolturaPesca => "Agriculture and fishing",
            Category::Transversal => "Cross-cutting services",
        }
    }

    /// The category with this slug.
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The names service files used before the AgID codes (definitions stored by an earlier
    /// version are still read): where each of those services sits now.
    fn from_legacy(name: &str) -> Option<Category> {
        Some(match name {
            "scuola" => Category::EducazioneFormazione,
            "mobilita" | "territorio" => Category::MobilitaTrasporti,
            "attivita_produttive" => Category::ImpreseCommercio,
            "edilizia" => Category::CatastoUrbanistica,
            "anagrafe" => Category::AnagrafeStatoCivile,
            "contributi" => Category::SaluteBenessereAssistenza,
            "trasparenza" | "segnalazioni" => Category::Transversal,
            _ => return None,
        })
    }
}

/// In files and stored definitions: AgID's code as a number (`category = 6`), or
/// `"trasversale"` for the cross-cutting services.
impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.agid_code() {
            Some(code) => serializer.serialize_u8(code),
            None => serializer.serialize_str("trasversale"),
        }
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CategoryVisitor;
        impl Visitor<'_> for CategoryVisitor {
            type Value = Category;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an AgID subject-matter code (1-15) or \"trasversale\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Category, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(Category::from_agid_code)
                    .ok_or_else(|| E::custom(format!("no AgID subject matter has code {v}")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Category, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("no AgID subject matter has code {v}")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Category, E> {
                if v == "trasversale" {
                    return Ok(Category::Transversal);
                }
                Category::from_code(v)
                    .or_else(|| Category::from_legacy(v))
                    .ok_or_else(|| E::custom(format!("unknown category `{v}`")))
            }
        }
        deserializer.deserialize_any(CategoryVisitor)
    }
}

/// The Designers Italia type of a service (the model's archetypes), which decides the shape of
/// its journey: a permit or document, a payment due, an economic benefit, an application
/// ranked in a call, a service paid for, or one of the cross-cutting services.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    #[default]
    PermessiEDocumenti,
    PagamentiDovuti,
    VantaggiEconomici,
    DomandeConGraduatoria,
    ServiziAPagamento,
    Trasversale,
}

impl ServiceType {
    pub const ALL: [ServiceType; 6] = [
        ServiceType::PermessiEDocumenti,
        ServiceType::PagamentiDovuti,
        ServiceType::VantaggiEconomici,
        ServiceType::DomandeConGraduatoria,
        ServiceType::ServiziAPagamento,
        ServiceType::Trasversale,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ServiceType::PermessiEDocumenti => "permessi_e_documenti",
            ServiceType::PagamentiDovuti => "pagamenti_dovuti",
            ServiceType::VantaggiEconomici => "vantaggi_economici",
            ServiceType::DomandeConGraduatoria => "domande_con_graduatoria",
            ServiceType::ServiziAPagamento => "servizi_a_pagamento",
            ServiceType::Trasversale => "trasversale",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ServiceType::PermessiEDocumenti => "Permessi e documenti",
            ServiceType::PagamentiDovuti => "Pagamenti dovuti",
            ServiceType::VantaggiEconomici => "Vantaggi economici",
            ServiceType::DomandeConGraduatoria => "Domande con graduatoria",
            ServiceType::ServiziAPagamento => "Servizi a pagamento",
            ServiceType::Trasversale => "Servizi trasversali",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ServiceType::PermessiEDocumenti => "Permits and documents",
            ServiceType::PagamentiDovuti => "Payments due",
            ServiceType::VantaggiEconomici => "Economic benefits",
            ServiceType::DomandeConGraduatoria => "Applications with a ranking",
            ServiceType::ServiziAPagamento => "Paid services",
            ServiceType::Trasversale => "Cross-cutting services",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Holder {
        category: Category,
    }

    #[test]
    fn categories_are_read_by_agid_code_slug_or_former_name_and_written_by_code() {
        let read = |s: &str| toml::from_str::<Holder>(s).map(|h| h.category);
        assert_eq!(read("category = 6").unwrap(), Category::AnagrafeStatoCivile);
        assert_eq!(read("category = 15").unwrap(), Category::AgricolturaPesca);
        assert_eq!(
            read("category = \"trasversale\"").unwrap(),
            Category::Transversal
        );
        assert_eq!(
            read("category = \"imprese-e-commercio\"").unwrap(),
            Category::ImpreseCommercio
        );
        assert_eq!(
            read("category = \"scuola\"").unwrap(),
            Category::EducazioneFormazione
        );
        assert!(read("category = 0").is_err());
        assert!(read("category = 16").is_err());
        assert!(read("category = -1").is_err());
        assert!(read("category = \"varie\"").is_err());
        for c in Category::ALL {
            let json = serde_json::to_string(&Holder { category: c }).unwrap();
            assert_eq!(serde_json::from_str::<Holder>(&json).unwrap().category, c);
            assert_eq!(Category::from_code(c.code()), Some(c));
        }
        assert_eq!(
            serde_json::to_string(&Holder {
                category: Category::TributiFinanze
            })
            .unwrap(),
            r#"{"category":9}"#
        );
        let codes: Vec<u8> = Category::ALL.iter().filter_map(|c| c.agid_code()).collect();
        assert_eq!(codes, (1..=15).collect::<Vec<u8>>());
    }
}
