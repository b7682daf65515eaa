//! What residents say of a page or a service: the Designers Italia rating component (the
//! «modello Comuni» criteria C.SI.2.5 for pages and C.SI.2.6 for services), with the exact
//! questions and answers AgID's validator compares (see `specs/designers-italia/` in the
//! repository), kept anonymous, and read by the office through a filter of personal data.

use crate::albo::privacy::{scan, FindingKind};

crate::stored_enum! {
    /// What is rated: a page («Quanto sono chiare le informazioni su questa pagina?») or a
    /// service used to its end («Quanto è stato facile usare questo servizio?»).
    pub enum Subject {
        Page = "pagina",
        Service = "servizio",
    }
}

impl Subject {
    /// The question, word for word as the validator reads it.
    pub fn question(self) -> &'static str {
        match self {
            Subject::Page => "Quanto sono chiare le informazioni su questa pagina?",
            Subject::Service => "Quanto è stato facile usare questo servizio?",
        }
    }
}

/// Asked after four or five stars.
pub const POSITIVE_QUESTION: &str = "Quali sono stati gli aspetti che hai preferito?";
/// The answers to [`POSITIVE_QUESTION`], in the validator's order.
pub const POSITIVE_ANSWERS: [&str; 5] = [
    "Le indicazioni erano chiare",
    "Le indicazioni erano complete",
    "Capivo sempre che stavo procedendo correttamente",
    "Non ho avuto problemi tecnici",
    "Altro",
];
/// Asked after one to three stars.
pub const NEGATIVE_QUESTION: &str = "Dove hai incontrato le maggiori difficoltà?";
/// The answers to [`NEGATIVE_QUESTION`], in the validator's order.
pub const NEGATIVE_ANSWERS: [&str; 5] = [
    "A volte le indicazioni non erano chiare",
    "A volte le indicazioni non erano complete",
    "A volte non capivo se stavo procedendo correttamente",
    "Ho avuto problemi tecnici",
    "Altro",
];

/// The longest comment kept, in characters.
pub const TEXT_MAX: usize = 500;

/// A rating as a resident gave it: stars, the follow-up answer if chosen, a comment if written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub stars: u8,
    /// Index into the positive or negative answers, as the stars say.
    pub reason: Option<u8>,
    pub text: Option<String>,
}

/// Why a rating was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingError {
    /// No stars, or not 1–5.
    Stars,
    /// An answer that is not one of the five.
    Reason,
    /// A comment longer than [`TEXT_MAX`].
    TooLong,
}

impl Rating {
    /// A rating from a form's raw values; an empty reason or comment is none.
    pub fn parse(stars: &str, reason: &str, text: &str) -> Result<Rating, RatingError> {
        let stars: u8 = stars.trim().parse().map_err(|_| RatingError::Stars)?;
        if !(1..=5).contains(&stars) {
            return Err(RatingError::Stars);
        }
        let reason = match reason.trim() {
            "" => None,
            r => {
                let i: u8 = r.parse().map_err(|_| RatingError::Reason)?;
                if usize::from(i) >= POSITIVE_ANSWERS.len() {
                    return Err(RatingError::Reason);
                }
                Some(i)
            }
        };
        let text = text.trim();
        if text.chars().count() > TEXT_MAX {
            return Err(RatingError::TooLong);
        }
        Ok(Rating {
            stars,
            reason,
            text: (!text.is_empty()).then(|| text.to_string()),
        })
    }

    /// Four or five stars.
    pub fn is_positive(&self) -> bool {
        positive(self.stars)
    }

    /// The follow-up answer's text.
    pub fn reason_text(&self) -> Option<&'static str> {
        reason_text(self.stars, self.reason?)
    }
}

/// Four or five stars are positive (the validator's threshold: 1–3 negative).
pub fn positive(stars: u8) -> bool {
    stars >= 4
}

/// The text of answer `reason` after `stars` stars.
pub fn reason_text(stars: u8, reason: u8) -> Option<&'static str> {
    let answers = if positive(stars) {
        &POSITIVE_ANSWERS
    } else {
        &NEGATIVE_ANSWERS
    };
    answers.get(usize::from(reason)).copied()
}

/// The comment as the office may read it: every personal datum the privacy check finds (a
/// codice fiscale, an IBAN, an e-mail address, a telephone number, a date of birth) and every
/// name the heuristics of [`name_patterns`] recognise replaced by «[omesso]». Words about health stay: they are what a resident says of a service, not data
/// about a person once the identifiers are gone.
pub fn filtered(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut next = 0usize;
    for f in scan(text) {
        if matches!(f.kind, FindingKind::Health | FindingKind::Judicial) {
            continue;
        }
        let len = f.found.chars().count();
        if f.at < next {
            continue;
        }
        out.extend(chars.get(next..f.at).unwrap_or_default());
        out.push_str("[omesso]");
        next = f.at.saturating_add(len);
    }
    out.extend(chars.get(next..).unwrap_or_default());
    // What the albo's check would rather confirm (a check character, a known format) is
    // hidden here on its shape alone: a mistyped fiscal code is still a person's, a number
    // written with its prefix and spaces still a telephone.
    let mut shown = out;
    for re in loose_patterns() {
        shown = re.replace_all(&shown, "[omesso]").into_owned();
    }
    // Names: what follows the words that introduce one, kept up to the name itself.
    for re in name_patterns() {
        shown = re
            .replace_all(&shown, |c: &regex::Captures<'_>| {
                let (whole, name) = (c.get(0), c.get(1));
                match (whole, name) {
                    (Some(w), Some(n)) => format!(
                        "{}[omesso]",
                        shown.get(w.start()..n.start()).unwrap_or_default()
                    ),
                    _ => "[omesso]".to_string(),
                }
            })
            .into_owned();
    }
    shown
}

/// A name, as residents write one in a comment: after «mi chiamo», «sono», «il sottoscritto»,
/// a signature's «saluti» or «firmato»; after a courtesy or professional title (sig.ra, dott.,
/// avv., ing., geom., arch., prof.); or a common given name with the surname after it. The
/// name is one to three capitalised words (group 1). A heuristic: it hides more than names
/// («Sono Molto contento» loses a word) rather than fewer, and a name written in lower case or
/// alone escapes it.
fn name_patterns() -> &'static [regex::Regex] {
    static PATTERNS: std::sync::OnceLock<Vec<regex::Regex>> = std::sync::OnceLock::new();
    const NAME: &str = r"(\p{Lu}[\p{Ll}']+(?:[\s-]+\p{Lu}[\p{Ll}']+){0,2})";
    const GIVEN: &[&str] = &[
        "Alessandra",
        "Alessandro",
        "Alessia",
        "Andrea",
        "Angela",
        "Anna",
        "Antonella",
        "Antonio",
        "Barbara",
        "Bruno",
        "Carla",
        "Carlo",
        "Chiara",
        "Claudia",
        "Claudio",
        "Cristina",
        "Daniela",
        "Daniele",
        "Davide",
        "Elena",
        "Elisa",
        "Emanuele",
        "Enrico",
        "Fabio",
        "Federica",
        "Federico",
        "Francesca",
        "Francesco",
        "Gabriele",
        "Giacomo",
        "Gianluca",
        "Giorgio",
        "Giovanna",
        "Giovanni",
        "Giulia",
        "Giuseppe",
        "Laura",
        "Lorenzo",
        "Luca",
        "Lucia",
        "Luigi",
        "Marco",
        "Maria",
        "Mario",
        "Marta",
        "Massimo",
        "Matteo",
        "Maurizio",
        "Michele",
        "Monica",
        "Nicola",
        "Paola",
        "Paolo",
        "Pietro",
        "Raffaele",
        "Riccardo",
        "Roberta",
        "Roberto",
        "Rosa",
        "Salvatore",
        "Sara",
        "Serena",
        "Silvia",
        "Simone",
        "Sofia",
        "Stefania",
        "Stefano",
        "Valentina",
        "Vincenzo",
    ];
    PATTERNS.get_or_init(|| {
        [
            format!(
                r"(?i:\b(?:mi chiamo|sono|il sottoscritto|la sottoscritta|firmato|saluti|cordialmente|in fede))[\s,:.]+{NAME}"
            ),
            format!(
                r"\b(?i:sig(?:\.ra|\.na|\.|nora|nore|nor|ra)|dott(?:\.ssa|\.|oressa|ore|or)|avv(?:\.|ocato|ocata)|ing(?:\.|egnere)|geom(?:\.|etra)|arch(?:\.|itetto|itetta)|prof(?:\.ssa|\.|essoressa|essore|essor))\s*{NAME}"
            ),
            format!(r"\b((?:{})\s+\p{{Lu}}[\p{{Ll}}']+)", GIVEN.join("|")),
        ]
        .iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect()
    })
}

fn loose_patterns() -> &'static [regex::Regex] {
    static PATTERNS: std::sync::OnceLock<Vec<regex::Regex>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // A fiscal code's shape, omocodia letters allowed, check character unchecked.
            r"(?i)\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
            // Telephone numbers with the country's prefix, spaced or not.
            r"(?:\+|\b00)39[\s./-]?\d(?:[\s./-]?\d){5,11}\b",
            // Mobiles (3xx) and landlines (0x) written in groups.
            r"\b3\d{2}(?:[\s./-]?\d){6,7}\b",
            r"\b0\d{1,3}[\s./-]?\d(?:[\s./-]?\d){4,7}\b",
        ]
        .iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect()
    })
}

/// The mean of star counts (`counts[0]` one star … `counts[4]` five) with its 95% confidence
/// interval (normal approximation, the sample's variance), all in hundredths of a star. `None`
/// without ratings or when a count is negative or the sums overflow.
pub fn mean_with_interval(counts: &[i64; 5]) -> Option<(i64, i64, i64)> {
    let mut n = 0i64;
    let mut sum = 0i64;
    let mut squares = 0i64;
    for (i, c) in counts.iter().enumerate() {
        if *c < 0 {
            return None;
        }
        let stars = i64::try_from(i).ok()?.checked_add(1)?;
        n = n.checked_add(*c)?;
        sum = sum.checked_add(c.checked_mul(stars)?)?;
        squares = squares.checked_add(c.checked_mul(stars.checked_mul(stars)?)?)?;
    }
    if n == 0 {
        return None;
    }
    // Floating point only to show a figure: the counts themselves stay exact.
    let nf = n as f64;
    let mean = sum as f64 / nf;
    let variance = if n > 1 {
        ((squares as f64 - nf * mean * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    let half = if n > 1 {
        1.96 * (variance / nf).sqrt()
    } else {
        4.0
    };
    let h = |x: f64| (x.clamp(1.0, 5.0) * 100.0).round() as i64;
    Some((h(mean), h(mean - half), h(mean + half)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_from_a_form() {
        let r = Rating::parse("2", "3", "  Il caricamento non andava  ").unwrap();
        assert!(!r.is_positive());
        assert_eq!(r.reason_text(), Some("Ho avuto problemi tecnici"));
        assert_eq!(r.text.as_deref(), Some("Il caricamento non andava"));
        let r = Rating::parse("5", "", "").unwrap();
        assert!(r.is_positive());
        assert_eq!((r.reason, r.text), (None, None));
        assert_eq!(reason_text(4, 0), Some("Le indicazioni erano chiare"));
        assert_eq!(Rating::parse("", "", ""), Err(RatingError::Stars));
        assert_eq!(Rating::parse("6", "", ""), Err(RatingError::Stars));
        assert_eq!(Rating::parse("0", "", ""), Err(RatingError::Stars));
        assert_eq!(Rating::parse("3", "5", ""), Err(RatingError::Reason));
        assert_eq!(Rating::parse("3", "x", ""), Err(RatingError::Reason));
        assert_eq!(
            Rating::parse("3", "", &"a".repeat(TEXT_MAX + 1)),
            Err(RatingError::TooLong)
        );
    }

    #[test]
    fn the_office_reads_no_identifier() {
        let text = "Sono RSSMRA80A01H501U, scrivetemi a mario.rossi@example.org o al 333 1234567: \
                    la disabilità di mia madre non era prevista nel modulo.";
        let shown = filtered(text);
        assert!(!shown.contains("RSSMRA80A01H501U"), "{shown}");
        assert!(!shown.contains("mario.rossi"), "{shown}");
        assert!(!shown.contains("1234567"), "{shown}");
        assert!(shown.contains("[omesso]"));
        assert!(shown.contains("non era prevista nel modulo."), "{shown}");
        assert_eq!(filtered("Tutto chiaro, grazie"), "Tutto chiaro, grazie");
        assert_eq!(filtered("àè RSSMRA80A01H501U é"), "àè [omesso] é");
        let loose =
            filtered("Sono RSSMRA80A01E625X, chiamate il +39 333 123 4567 o lo 0586 820111");
        assert_eq!(loose, "Sono [omesso], chiamate il [omesso] o lo [omesso]");
        assert_eq!(
            filtered("Pratica 12/2026 del 3 marzo, 45 giorni"),
            "Pratica 12/2026 del 3 marzo, 45 giorni"
        );
        // Names: introduced, titled, or a given name with its surname.
        assert_eq!(
            filtered("Mi chiamo Anna Maria Bianchi e il modulo non si apre"),
            "Mi chiamo [omesso] e il modulo non si apre"
        );
        assert_eq!(
            filtered("Il sig. Verdi dell'ufficio e la dott.ssa De Santis sono stati gentili"),
            "Il sig. [omesso] dell'ufficio e la dott.ssa [omesso] sono stati gentili"
        );
        assert_eq!(
            filtered("Ho parlato con Giuseppe Lombardi allo sportello. Cordiali saluti, Luca"),
            "Ho parlato con [omesso] allo sportello. Cordiali saluti, [omesso]"
        );
        assert_eq!(
            filtered("Il modulo dell'ingresso e l'archivio sono chiari"),
            "Il modulo dell'ingresso e l'archivio sono chiari"
        );
        assert_eq!(name_patterns().len(), 3, "every name pattern compiles");
    }

    #[test]
    fn the_mean_and_its_interval() {
        assert_eq!(mean_with_interval(&[0, 0, 0, 0, 0]), None);
        assert_eq!(mean_with_interval(&[0, 0, 0, 0, 1]), Some((500, 100, 500)));
        let (mean, lo, hi) = mean_with_interval(&[10, 0, 0, 0, 10]).unwrap();
        assert_eq!(mean, 300);
        assert!(lo < 300 && hi > 300 && lo >= 100 && hi <= 500);
        let (_, lo2, hi2) = mean_with_interval(&[100, 0, 0, 0, 100]).unwrap();
        assert!(hi2 - lo2 < hi - lo, "more ratings, a narrower interval");
        assert_eq!(mean_with_interval(&[-1, 0, 0, 0, 0]), None);
        assert_eq!(mean_with_interval(&[i64::MAX, 0, 0, 0, 1]), None);
    }
}
