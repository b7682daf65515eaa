//! The register's words (issue 21): each registration's correspondent cut into words, kept in
//! `registration_words` as the registration is written, so that an office finds «Rossi» among
//! ten years of filings through an index instead of reading them all. A word typed matches the
//! words it begins (`ross` finds «Rossi»; a codice fiscale typed whole finds it).
//!
//! The cut is the one migration 0047 applies to registrations written before it, in SQL: these
//! characters become spaces, ASCII letters and Italian accented capitals lower case, words of
//! one character are left out. A search whose text has no word left matches nothing.
//! `the_backfill_cuts_words_as_the_registrar_does` keeps the two in step.

/// The characters that separate words besides spaces.
pub(crate) const SEPARATORS: [char; 10] = ['(', ')', ',', '.', ';', ':', '\'', '"', '/', '-'];

/// The accented capitals of Italian names, folded as ASCII letters are (SQLite's `lower()`
/// folds ASCII only, so the migration folds these one by one, as here).
pub(crate) const ACCENTED: [(char, char); 9] = [
    ('À', 'à'),
    ('È', 'è'),
    ('É', 'é'),
    ('Ì', 'ì'),
    ('Í', 'í'),
    ('Ò', 'ò'),
    ('Ó', 'ó'),
    ('Ù', 'ù'),
    ('Ú', 'ú'),
];

/// The distinct words of a correspondent, lower case (ASCII letters), in order.
pub fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if SEPARATORS.contains(&c) {
                ' '
            } else if let Some((_, lower)) = ACCENTED.iter().find(|(upper, _)| *upper == c) {
                *lower
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for w in cleaned.split(' ') {
        if w.chars().count() >= 2 && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// The range of stored words that begin with `typed` (already cut by [`words`]): `[from, to)`.
pub(crate) fn prefix_range(typed: &str) -> (String, String) {
    (typed.to_string(), format!("{typed}\u{10FFFF}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correspondent_is_cut_into_its_words() {
        assert_eq!(
            words("Mario Rossi (RSSMRA80A01E625I)"),
            vec!["mario", "rossi", "rssmra80a01e625i"]
        );
        assert_eq!(
            words("Esposito Costruzioni S.r.l. (P.IVA 02468135799)"),
            vec!["esposito", "costruzioni", "iva", "02468135799"]
        );
        assert_eq!(
            words("D'Angelo-Bianchi  Niccolò"),
            vec!["angelo", "bianchi", "niccolò"]
        );
        assert_eq!(words("NICCOLÒ FORTUNÉ"), words("niccolò fortuné"));
        assert!(words("S.r.l. d' - a b").is_empty());
    }
}
