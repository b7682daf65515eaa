//! The regional catalogue: service definitions kept as versioned TOML files in the repository
//! (`catalogue/services/`), embedded in the binary, checked against the domain's rules.

use rust_embed::RustEmbed;
use sportello_domain::catalogue::ServiceDefinition;

#[derive(RustEmbed)]
#[folder = "../../catalogue/services"]
#[include = "*.toml"]
struct BuiltIn;

/// The synonym list of the catalogue (`catalogue/synonyms.toml`): the words residents use,
/// grouped with the catalogue's.
const SYNONYMS_TOML: &str = include_str!("../../../catalogue/synonyms.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    groups: Vec<Vec<String>>,
}

/// The catalogue's synonyms, read once. The file is checked by this crate's tests; a file that
/// could not be read would leave the search without synonyms, never without results.
pub fn synonyms() -> &'static sportello_domain::search::Synonyms {
    static SYNONYMS: std::sync::OnceLock<sportello_domain::search::Synonyms> =
        std::sync::OnceLock::new();
    SYNONYMS.get_or_init(|| match toml::from_str::<SynonymsFile>(SYNONYMS_TOML) {
        Ok(f) => sportello_domain::search::Synonyms::new(&f.groups),
        Err(e) => {
            tracing::error!(error = %e, "catalogue/synonyms.toml unreadable");
            sportello_domain::search::Synonyms::default()
        }
    })
}

/// The built-in regional catalogue, read and checked once: what pages read on every view.
pub fn regional_catalogue() -> Result<&'static [ServiceDefinition], String> {
    static CATALOGUE: std::sync::OnceLock<Result<Vec<ServiceDefinition>, String>> =
        std::sync::OnceLock::new();
    CATALOGUE
        .get_or_init(builtin_catalogue)
        .as_deref()
        .map_err(Clone::clone)
}

/// Every service of the built-in regional catalogue, checked, ordered by id.
pub fn builtin_catalogue() -> Result<Vec<ServiceDefinition>, String> {
    let mut services = Vec::new();
    for name in BuiltIn::iter() {
        let file = BuiltIn::get(&name).ok_or_else(|| format!("{name}: missing"))?;
        let text = std::str::from_utf8(&file.data).map_err(|e| format!("{name}: {e}"))?;
        let service: ServiceDefinition =
            toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        service.check().map_err(|e| format!("{name}: {e}"))?;
        if format!("{}.toml", service.id) != name.as_ref() {
            return Err(format!(
                "{name}: the file must be named after the service id `{}`",
                service.id
            ));
        }
        services.push(service);
    }
    services.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sportello_domain::catalogue::Regime;

    #[test]
    fn the_builtin_catalogue_is_valid_and_complete() {
        let services = builtin_catalogue().unwrap();
        assert!(services.len() >= 14, "{}", services.len());
        let regime = |id: &str| {
            services
                .iter()
                .find(|s| s.id == id)
                .unwrap_or_else(|| panic!("{id}"))
                .regime
        };
        assert_eq!(regime("accesso-atti"), Regime::Ordinary { term_days: 30 });
        assert_eq!(
            regime("accesso-civico-generalizzato"),
            Regime::Ordinary { term_days: 30 }
        );
        assert_eq!(
            regime("certificato-destinazione-urbanistica"),
            Regime::Ordinary { term_days: 30 }
        );
        assert_eq!(
            regime("scia-esercizio-vicinato"),
            Regime::Scia { control_days: 60 }
        );
        assert_eq!(
            regime("cambio-residenza"),
            Regime::SilentConsent { term_days: 45 }
        );
        assert_eq!(regime("cila"), Regime::Immediate);
        assert_eq!(regime("segnalazione-reclamo"), Regime::Immediate);
        let click_day = services
            .iter()
            .find(|s| s.id == "contributo-click-day")
            .unwrap();
        assert!(click_day.window.is_some() && click_day.one_per_person);
        assert!(services
            .iter()
            .any(|s| s.id == "occupazione-suolo-pubblico"));
    }
}

#[cfg(test)]
mod synonym_tests {
    use super::*;

    #[test]
    fn the_synonym_list_reads_and_each_phrase_is_in_one_group() {
        let file: SynonymsFile = toml::from_str(SYNONYMS_TOML).unwrap();
        let mut seen = std::collections::HashMap::new();
        for (i, group) in file.groups.iter().enumerate() {
            assert!(group.len() > 1, "group {i} has one phrase");
            for phrase in group {
                let terms = sportello_domain::search::terms(phrase);
                assert!(!terms.is_empty(), "{phrase}");
                if let Some(other) = seen.insert(terms, i) {
                    assert_eq!(other, i, "«{phrase}» in two groups");
                }
            }
        }
        assert_ne!(synonyms(), &sportello_domain::search::Synonyms::default());
    }
}
