//! The privacy check before publishing (Garante per la protezione dei dati personali,
//! provvedimento n. 243 del 15 maggio 2014, «Linee guida in materia di trattamento di dati
//! personali … effettuato per finalità di pubblicità e trasparenza sul web»): data on health
//! must never be published (D.Lgs. 196/2003 art. 2-septies c.8; the guidelines' § 2), judicial
//! data only where a law requires it, and common personal data only when necessary — a codice
//! fiscale, an IBAN, an address or a telephone number in an act usually are not.
//!
//! The check reads the document's text and names what it found, where; the publication
//! officer decides (publish, or publish an extract instead). It finds, it does not judge: a
//! word about health in a tender for the local health service is not a patient's data.

use std::sync::OnceLock;

use regex::Regex;

/// What kind of personal data a finding may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// A word about someone's health: never to be published.
    Health,
    /// A word about criminal records or proceedings.
    Judicial,
    /// A codice fiscale (its check character right).
    FiscalCode,
    /// An IBAN (its check digits right).
    Iban,
    /// An e-mail address.
    Email,
    /// A telephone number.
    Phone,
    /// A date of birth («nato a … il …»).
    BirthDate,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::Health => "salute",
            FindingKind::Judicial => "giudiziari",
            FindingKind::FiscalCode => "codice_fiscale",
            FindingKind::Iban => "iban",
            FindingKind::Email => "email",
            FindingKind::Phone => "telefono",
            FindingKind::BirthDate => "nascita",
        }
    }

    /// Whether the guidelines forbid publishing it at all (rather than limit it).
    pub fn forbidden(self) -> bool {
        self == FindingKind::Health
    }
}

/// One thing found: what, the text found, and a little of the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub found: String,
    pub context: String,
    /// Where, in characters from the start of the text.
    pub at: usize,
}

/// At most this many findings are listed (a document full of them says so already).
pub const MAX_FINDINGS: usize = 50;

const HEALTH: &[&str] = &[
    "malattia",
    "malattie",
    "patologia",
    "patologie",
    "diagnosi",
    "invalidità",
    "invalidita",
    "invalido civile",
    "invalida civile",
    "disabilità",
    "disabilita",
    "handicap",
    "legge 104",
    "l. 104/1992",
    "l.104/92",
    "hiv",
    "aids",
    "tossicodipendenza",
    "tossicodipendente",
    "alcoldipendenza",
    "ricovero",
    "ricoverato",
    "ricoverata",
    "terapia",
    "terapie",
    "certificato medico",
    "stato di salute",
    "gravidanza",
    "psichiatrico",
    "psichiatrica",
    "oncologico",
    "oncologica",
    "tso",
    "trattamento sanitario obbligatorio",
];

const JUDICIAL: &[&str] = &[
    "condanna penale",
    "condannato",
    "condannata",
    "casellario giudiziale",
    "carichi pendenti",
    "precedenti penali",
    "misura cautelare",
    "reato",
];

fn patterns() -> &'static [(FindingKind, Regex)] {
    static PATTERNS: OnceLock<Vec<(FindingKind, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let words = |list: &[&str]| {
            let alternatives: Vec<String> = list.iter().map(|w| regex::escape(w)).collect();
            format!(r"(?i)\b(?:{})\b", alternatives.join("|"))
        };
        [
            (FindingKind::Health, words(HEALTH)),
            (FindingKind::Judicial, words(JUDICIAL)),
            (
                FindingKind::FiscalCode,
                r"(?i)\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b"
                    .to_string(),
            ),
            (
                FindingKind::Iban,
                r"(?i)\bIT ?[0-9]{2} ?[A-Z] ?(?:[0-9A-Z] ?){22}".to_string(),
            ),
            (
                FindingKind::Email,
                r"(?i)\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b".to_string(),
            ),
            (
                FindingKind::Phone,
                r"(?:\+39[ .]?)?\b(?:3[0-9]{2}[ .]?[0-9]{6,7}|0[0-9]{1,3}[ ./-]?[0-9]{5,8})\b"
                    .to_string(),
            ),
            (
                FindingKind::BirthDate,
                r"(?i)\bnat[oa] (?:a [^\n,;]{2,40}? )?il [0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}"
                    .to_string(),
            ),
        ]
        .into_iter()
        .filter_map(|(kind, p)| Regex::new(&p).ok().map(|r| (kind, r)))
        .collect()
    })
}

/// Whether a match is what it looks like: a codice fiscale or an IBAN with its check right.
fn confirmed(kind: FindingKind, found: &str) -> bool {
    let compact: String = found.split_whitespace().collect();
    match kind {
        FindingKind::FiscalCode => italian_ids::CodiceFiscale::parse(&compact).is_ok(),
        FindingKind::Iban => italian_ids::Iban::parse(&compact).is_ok(),
        _ => true,
    }
}

/// Characters before and after a finding shown as its context.
const CONTEXT: usize = 40;

/// Everything found in the text, in the order it appears (at most [`MAX_FINDINGS`]).
pub fn scan(text: &str) -> Vec<Finding> {
    let mut found: Vec<(usize, usize, FindingKind)> = Vec::new();
    for (kind, re) in patterns() {
        for m in re.find_iter(text) {
            if confirmed(*kind, m.as_str()) {
                found.push((m.start(), m.end(), *kind));
            }
        }
    }
    found.sort();
    // A span already found (a phone number inside an IBAN) is not found twice.
    let mut kept: Vec<(usize, usize, FindingKind)> = Vec::new();
    for f in found {
        if kept.last().is_some_and(|k| f.0 < k.1) {
            continue;
        }
        kept.push(f);
    }
    kept.into_iter()
        .take(MAX_FINDINGS)
        .map(|(start, end, kind)| {
            let before: String = text
                .get(..start)
                .unwrap_or_default()
                .chars()
                .rev()
                .take(CONTEXT)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let after: String = text
                .get(end..)
                .unwrap_or_default()
                .chars()
                .take(CONTEXT)
                .collect();
            let found = text.get(start..end).unwrap_or_default().to_string();
            Finding {
                kind,
                context: format!("…{}{found}{}…", before, after)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                found,
                at: text.get(..start).unwrap_or_default().chars().count(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_in_an_act_is_found_and_named() {
        let text = "Il sig. Mario Rossi, nato a Livorno il 01/01/1980, codice fiscale \
                    RSSMRA80A01E625I, residente in via Roma 1, tel. 0586 123456, e-mail \
                    mario.rossi@example.it, beneficiario del contributo per disabilità \
                    (L. 104/1992), da accreditare su IBAN IT60 X054 2811 1010 0000 0123 456.";
        let findings = scan(text);
        let kinds: Vec<FindingKind> = findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                FindingKind::BirthDate,
                FindingKind::FiscalCode,
                FindingKind::Phone,
                FindingKind::Email,
                FindingKind::Health,
                FindingKind::Health,
                FindingKind::Iban,
            ],
            "{findings:#?}"
        );
        assert_eq!(findings[1].found, "RSSMRA80A01E625I");
        assert!(findings[1]
            .context
            .contains("codice fiscale RSSMRA80A01E625I, residente"));
        assert!(findings.iter().any(|f| f.kind.forbidden()));
    }

    #[test]
    fn what_only_looks_like_personal_data_is_not_found() {
        // A codice fiscale with a wrong check character, an IBAN with wrong check digits,
        // a word that merely contains «aids» or «reato».
        let text = "Codice RSSMRA80A01E625X; conto IT00X0542811101000000123456; \
                    il progetto Raidsport; la creatività dei ragazzi; delibera n. 12 del 2026.";
        assert_eq!(scan(text), vec![], "{:#?}", scan(text));
    }

    #[test]
    fn a_document_full_of_data_lists_at_most_fifty() {
        let text = "RSSMRA80A01E625I ".repeat(200);
        assert_eq!(scan(&text).len(), MAX_FINDINGS);
    }
}
