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
    for bundle in services.iter().filter(|s| !s.parts.is_empty()) {
        sportello_domain::catalogue::check_parts(bundle, |id| services.iter().find(|s| s.id == id))
            .map_err(|e| format!("{}.toml: {e}", bundle.id))?;
    }
    Ok(services)
}

/// The raw text of each built-in service file: (file name, text).
fn builtin_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = BuiltIn::iter()
        .filter_map(|name| {
            let file = BuiltIn::get(&name)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some((name.into_owned(), text))
        })
        .collect();
    files.sort();
    files
}

/// Whether a legal citation names an article (or an annex): «D.Lgs. 285/1992, art. 7».
fn cites_an_article(citation: &str) -> bool {
    let c = citation.to_lowercase();
    ["art. ", "artt. ", "art.", "allegato"]
        .iter()
        .any(|w| c.contains(w))
}

/// Whether a citation is of a law or a regulation of the State, the region or the EU (which
/// must name its article), rather than the ente's own act (a municipal regulation, a
/// resolution, a charter), which the region's catalogue cannot cite by article.
fn is_a_law(citation: &str) -> bool {
    [
        "L. ",
        "L.R. ",
        "D.Lgs. ",
        "D.L. ",
        "D.P.R. ",
        "D.M. ",
        "D.P.C.M. ",
        "R.D. ",
        "Reg. ",
        "Regolamento (UE)",
        "Regolamento (CE)",
        "Costituzione",
        "c.c.",
        "Codice ",
    ]
    .iter()
    .any(|p| citation.starts_with(p))
}

/// What the catalogue's quality checks find wrong in the built-in catalogue: every file
/// parses and passes the law's checks (`ServiceDefinition::check`), states its DI type, cites
/// an article for each of its legal references, says everything in English too, and no two
/// share an id; every AgID subject matter and every DI type of service has services. Empty
/// when the catalogue is whole. Run by the tests (CI) and by `sportello catalogue report`.
pub fn quality_problems() -> Vec<String> {
    use sportello_domain::catalogue::{Category, ServiceType};
    let mut problems = Vec::new();
    let mut services = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (name, text) in builtin_files() {
        let raw: toml::Table = match toml::from_str(&text) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        if !raw.contains_key("service_type") {
            problems.push(format!("{name}: no service_type"));
        }
        let service: ServiceDefinition = match toml::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Err(e) = service.check() {
            problems.push(format!("{name}: {e}"));
        }
        if format!("{}.toml", service.id) != name {
            problems.push(format!("{name}: not named after its id `{}`", service.id));
        }
        if !ids.insert(service.id.clone()) {
            problems.push(format!("{name}: id `{}` used twice", service.id));
        }
        // Every law cited by article, and at least one: the term and the regime rest on it.
        if !service
            .scheda
            .legal_basis
            .iter()
            .any(|c| cites_an_article(c))
        {
            problems.push(format!("{name}: no legal basis cited by article"));
        }
        for citation in &service.scheda.legal_basis {
            if is_a_law(citation) && !cites_an_article(citation) {
                problems.push(format!("{name}: «{citation}» cites no article"));
            }
        }
        if !sportello_store::DEFAULT_OFFICES
            .iter()
            .any(|(code, _)| *code == service.scheda.office)
        {
            problems.push(format!(
                "{name}: office `{}` is not one every municipality has",
                service.scheda.office
            ));
        }
        for gap in service.english_gaps() {
            problems.push(format!("{name}: no English for {gap}"));
        }
        services.push(service);
    }
    for bundle in services.iter().filter(|s| !s.parts.is_empty()) {
        if let Err(e) = sportello_domain::catalogue::check_parts(bundle, |id| {
            services.iter().find(|s| s.id == id)
        }) {
            problems.push(format!("{}.toml: {e}", bundle.id));
        }
    }
    for c in Category::ALL {
        if !services.iter().any(|s| s.category == c) {
            problems.push(format!("no service in «{}»", c.label()));
        }
    }
    // The catalogue states what is booked at the desk and what must be signed.
    use sportello_domain::catalogue::Signature;
    for (what, present) in [
        ("by appointment", services.iter().any(|s| s.appointment)),
        (
            "with digitally signed documents",
            services
                .iter()
                .any(|s| s.signature == Some(Signature::FirmaDigitale)),
        ),
        (
            "with a technician's asseverazione",
            services
                .iter()
                .any(|s| s.signature == Some(Signature::Asseverazione)),
        ),
    ] {
        if !present {
            problems.push(format!("no service {what}"));
        }
    }
    for t in ServiceType::ALL {
        if !services.iter().any(|s| s.service_type == t) {
            problems.push(format!("no service of the type «{}»", t.label()));
        }
    }
    problems
}

/// `sportello catalogue report`: the built-in catalogue by category, type of service, regime
/// and maturity, the share a resident can complete online, and what the quality checks find.
/// Maturity and «online» are as offered by an ente that takes pagoPA payments and offers every
/// service (what the region's catalogue makes possible).
pub fn report() -> Result<String, String> {
    use sportello_domain::catalogue::{Access, Category, Regime, ServiceType};
    use std::fmt::Write as _;
    let services = builtin_catalogue()?;
    let total = services.len();
    let mut out = String::new();
    let share = |n: usize| {
        if total == 0 {
            0.0
        } else {
            #[allow(clippy::cast_precision_loss)]
            let s = n as f64 * 100.0 / total as f64;
            s
        }
    };
    let _ = writeln!(out, "Catalogo regionale: {total} servizi");
    let _ = writeln!(out, "\nPer materia (codice AgID):");
    for c in Category::ALL {
        let of: Vec<&ServiceDefinition> = services.iter().filter(|s| s.category == c).collect();
        let code = c.agid_code().map_or("T".to_string(), |n| n.to_string());
        let _ = writeln!(out, "  {code:>2} {:<40} {:>3}", c.label(), of.len());
        for s in of {
            let _ = writeln!(out, "       {} ({})", s.title, s.id);
        }
    }
    let _ = writeln!(out, "\nPer tipo di servizio (Designers Italia):");
    for t in ServiceType::ALL {
        let n = services.iter().filter(|s| s.service_type == t).count();
        let _ = writeln!(out, "  {:<40} {n:>3}", t.label());
    }
    let calls: Vec<&ServiceDefinition> = services
        .iter()
        .filter(|s| {
            s.service_type == ServiceType::DomandeConGraduatoria && s.access == Access::Online
        })
        .collect();
    let scored: Vec<&str> = calls
        .iter()
        .filter(|s| s.ranking.is_some() || s.window.is_some())
        .map(|s| s.id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "  domande con graduatoria online con criteri o ordine d'arrivo: {} su {} ({})",
        scored.len(),
        calls.len(),
        scored.join(", ")
    );
    let _ = writeln!(out, "\nPer regime:");
    type IsRegime = fn(&Regime) -> bool;
    let regimes: [(&str, IsRegime); 4] = [
        ("provvedimento espresso (art. 2)", |r| {
            matches!(r, Regime::Ordinary { .. })
        }),
        ("silenzio-assenso (art. 20)", |r| {
            matches!(r, Regime::SilentConsent { .. })
        }),
        ("SCIA (art. 19)", |r| matches!(r, Regime::Scia { .. })),
        ("immediato", |r| matches!(r, Regime::Immediate)),
    ];
    for (label, is) in regimes {
        let n = services.iter().filter(|s| is(&s.regime)).count();
        let _ = writeln!(out, "  {label:<40} {n:>3}");
    }
    let _ = writeln!(out, "\nPer livello di maturità (ente che accetta pagoPA):");
    let levels: Vec<u8> = services
        .iter()
        .map(|s| sportello_domain::accountability::maturity(s, !s.fees.is_empty(), true).level())
        .collect();
    for level in 1..=5u8 {
        let n = levels.iter().filter(|l| **l == level).count();
        let _ = writeln!(out, "  livello {level} {n:>33}");
    }
    let online = services
        .iter()
        .filter(|s| s.completable_online(true))
        .count();
    let office = services
        .iter()
        .filter(|s| s.access == Access::Office)
        .count();
    let _ = writeln!(
        out,
        "\nCompletabili online: {online} su {total} ({:.0}%); allo sportello: {office}",
        share(online)
    );
    let count = |f: &dyn Fn(&ServiceDefinition) -> bool| services.iter().filter(|s| f(s)).count();
    let _ = writeln!(
        out,
        "Su appuntamento allo sportello: {}; con documenti firmati digitalmente: {}; con asseverazione di un tecnico: {}; firmati allo sportello: {}",
        count(&|s| s.appointment),
        count(&|s| s.signature == Some(sportello_domain::catalogue::Signature::FirmaDigitale)),
        count(&|s| s.signature == Some(sportello_domain::catalogue::Signature::Asseverazione)),
        count(&|s| s.signature == Some(sportello_domain::catalogue::Signature::InPresenza)),
    );
    let bundles = count(&|s| !s.parts.is_empty());
    let _ = writeln!(
        out,
        "Pratiche uniche (più procedimenti con una domanda): {bundles}"
    );
    let problems = quality_problems();
    if problems.is_empty() {
        let _ = writeln!(out, "\nControlli di qualità: nessun problema");
    } else {
        let _ = writeln!(out, "\nControlli di qualità: {} problemi", problems.len());
        for p in &problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    Ok(out)
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

    /// The quality checks CI runs on the catalogue: every file whole, lawful, cited by
    /// article, in both languages; every subject matter and type of service present.
    #[test]
    fn the_catalogue_passes_its_quality_checks() {
        let problems = quality_problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let report = report().unwrap();
        assert!(report.contains("Completabili online"), "{report}");
        assert!(
            report.contains("Controlli di qualità: nessun problema"),
            "{report}"
        );
    }

    #[test]
    fn a_citation_without_an_article_is_found() {
        assert!(cites_an_article("D.Lgs. 285/1992, art. 7"));
        assert!(cites_an_article("D.P.R. 396/2000, artt. 50-58"));
        assert!(!cites_an_article("D.P.R. 223/1989"));
        assert!(is_a_law("D.P.R. 223/1989") && is_a_law("L.R. Toscana 32/2002"));
        assert!(!is_a_law("Regolamento comunale dei servizi scolastici"));
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
