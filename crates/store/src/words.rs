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

/// At most this many different words begin with a word typed for the search to merge their
/// newest registrations; a shorter beginning («ro») is left to the database, which sorts every
/// match.
const MERGE_WORDS: usize = 32;

/// Registrations a search by words resolved to: the newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Newest {
    /// Registration ids, highest (registered last) first.
    pub ids: Vec<i64>,
    /// Whether registrations beyond these may match too.
    pub more: bool,
}

impl Newest {
    /// The registrations' ente, as a statement with this condition names it (`r` their
    /// alias): `+r.ente_id`, the same value no longer a column an index can serve, so that
    /// SQLite's planner reaches the registrations listed through their primary key. Left to
    /// itself, with a thousand listed in the largest ente, it walked the ente's registrations
    /// through `protocol_registrations_by_number` instead (13 ms against 2 ms at a million
    /// filings): its statistics are the average ente's.
    pub(crate) const ENTE: &'static str = "+r.ente_id";

    /// The condition that keeps these registrations alone (`r` the registrations' alias):
    /// nothing when there are none.
    pub(crate) fn condition(&self) -> String {
        if self.ids.is_empty() {
            return " AND 1 = 0".to_string();
        }
        // Integers read from the database: written as they are.
        let listed = self
            .ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        format!(" AND r.id IN ({listed})")
    }
}

impl crate::tenancy::TenantStore<'_> {
    /// The ente's registrations whose correspondent has, for each word typed, a word beginning
    /// with it: the `limit` registered last (highest id first), and whether more may match.
    /// Each word the first one typed begins is read newest first through the words' primary
    /// key (a range in order, no sort), and the lists are merged: what is read follows `limit`,
    /// not how many match. `None` when the first word typed begins more than [`MERGE_WORDS`]
    /// different words (the caller lets the database sort every match).
    pub(crate) async fn newest_with_words(
        &self,
        typed: &[String],
        limit: i64,
    ) -> Result<Option<Newest>, crate::StoreError> {
        let Some((first, others)) = typed.split_first() else {
            return Ok(Some(Newest {
                ids: Vec::new(),
                more: false,
            }));
        };
        let reader = self.store().reader();
        let ente = self.ente().get();
        let (from, to) = prefix_range(first);
        // The different words that begin with it, each found by one step of the index.
        let mut begun: Vec<String> = Vec::new();
        let mut next: Option<String> = sqlx::query_scalar(
            "SELECT word FROM registration_words WHERE ente_id = $1 AND word >= $2 AND word < $3 \
             ORDER BY word LIMIT 1",
        )
        .bind(ente)
        .bind(&from)
        .bind(&to)
        .fetch_optional(reader)
        .await?;
        while let Some(word) = next {
            if begun.len() == MERGE_WORDS {
                return Ok(None);
            }
            next = sqlx::query_scalar(
                "SELECT word FROM registration_words WHERE ente_id = $1 AND word > $2 AND word < $3 \
                 ORDER BY word LIMIT 1",
            )
            .bind(ente)
            .bind(&word)
            .bind(&to)
            .fetch_optional(reader)
            .await?;
            begun.push(word);
        }
        // The newest `limit` of each: the newest `limit` of them all are among these.
        let mut ids: Vec<i64> = Vec::new();
        for word in &begun {
            let mine: Vec<i64> = sqlx::query_scalar(
                "SELECT registration_id FROM registration_words WHERE ente_id = $1 AND word = $2 \
                 ORDER BY registration_id DESC LIMIT $3",
            )
            .bind(ente)
            .bind(word)
            .bind(limit)
            .fetch_all(reader)
            .await?;
            ids.extend(mine);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = ids.len() >= cap;
        ids.truncate(cap);
        // The other words typed, each a condition on these alone.
        for word in others {
            if ids.is_empty() {
                break;
            }
            let (from, to) = prefix_range(word);
            let listed = ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let keep: std::collections::HashSet<i64> = sqlx::query_scalar::<_, i64>(&format!(
                "SELECT registration_id FROM registration_words WHERE ente_id = $1 \
                 AND word >= $2 AND word < $3 AND registration_id IN ({listed})"
            ))
            .bind(ente)
            .bind(&from)
            .bind(&to)
            .fetch_all(reader)
            .await?
            .into_iter()
            .collect();
            ids.retain(|id| keep.contains(id));
        }
        Ok(Some(Newest { ids, more }))
    }
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
