//! Finding things by the words people use: whole words, without accents or case, with a light
//! Italian stemmer (so «iscrizioni» finds «iscrizione» and «traslochi» finds «trasloco») and a
//! synonym list kept in the catalogue (so «trasloco» finds «cambio di residenza»). A text is
//! found when every concept of the query is in it; a concept is a word, or a phrase of the
//! synonym list with all its alternatives.
//!
//! Not substrings: «tari» must not find «sanitari» nor the ZTL's «autorizzazione temporanea».

/// Words too common to tell texts apart (articles, prepositions, conjunctions).
const STOPWORDS: &[&str] = &[
    "a", "ad", "agli", "ai", "al", "alla", "alle", "allo", "all", "che", "chi", "ci", "col",
    "come", "con", "d", "da", "dagli", "dai", "dal", "dalla", "dalle", "dallo", "dall", "degli",
    "dei", "del", "della", "delle", "dello", "dell", "di", "e", "ed", "gli", "i", "il", "in", "l",
    "la", "le", "lo", "negli", "nei", "nel", "nella", "nelle", "nello", "nell", "o", "per", "si",
    "su", "sugli", "sui", "sul", "sulla", "sulle", "sullo", "sull", "tra", "fra", "un", "una",
    "uno", "mi", "mio", "mia", "miei", "mie", "the", "of", "and", "to", "for",
];

/// Lower case, accents off: «Attività» → «attivita».
fn fold(c: char) -> Option<char> {
    let c = c.to_lowercase().next().unwrap_or(c);
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        c if c.is_alphanumeric() => c,
        _ => return None,
    })
}

/// A light Italian stemmer: the endings of number and gender go, so the singular and the plural,
/// the masculine and the feminine of a word meet.
pub fn stem(word: &str) -> String {
    let w: Vec<char> = word.chars().collect();
    let n = w.len();
    if n <= 3 || w.iter().any(char::is_ascii_digit) {
        return word.to_string();
    }
    let ends = |s: &str| word.ends_with(s);
    // iscrizione / iscrizioni → iscrizion
    if n > 5 && (ends("ione") || ends("ioni")) {
        return w.iter().take(n - 1).collect();
    }
    let mut out: Vec<char> = w.clone();
    if matches!(out.last(), Some('a' | 'e' | 'i' | 'o')) {
        out.pop();
    }
    // banche / banca, traslochi / trasloco: the «h» that keeps the sound hard goes too.
    if out.len() > 3
        && out.last() == Some(&'h')
        && matches!(out.get(out.len() - 2), Some('c' | 'g'))
    {
        out.pop();
    }
    // -ii plurals (negozii is not Italian, but «studi»/«studio» meet as «stud»).
    if out.len() > 3 && out.last() == Some(&'i') {
        out.pop();
    }
    out.into_iter().collect()
}

/// The words of a text: folded, split on anything that is not a letter or a digit (so
/// «d'identità» is «d» and «identita»), without stopwords, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() && !STOPWORDS.contains(&word.as_str()) {
            out.push(stem(word));
        }
        word.clear();
    };
    for c in text.chars() {
        match fold(c) {
            Some(c) => word.push(c),
            None => flush(&mut word, &mut out),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Groups of phrases that mean the same thing to the people who search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    /// Each group: its phrases, as terms.
    groups: Vec<Vec<Vec<String>>>,
}

impl Synonyms {
    /// From groups of phrases as written («carta d'identità», «CIE»).
    pub fn new(groups: &[Vec<String>]) -> Self {
        Self {
            groups: groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|p| terms(p))
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                })
                .filter(|g: &Vec<Vec<String>>| g.len() > 1)
                .collect(),
        }
    }
}

/// One thing the query asks for: any of these phrases (each a list of terms, all present).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Concept(Vec<Vec<String>>);

/// A query, ready to test texts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    concepts: Vec<Concept>,
}

fn contains_run(haystack: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Query {
    pub fn parse(text: &str, synonyms: &Synonyms) -> Self {
        let mut rest = terms(text);
        let mut concepts = Vec::new();
        // Longest phrases first: «cambio di residenza» before «residenza».
        let mut phrases: Vec<(usize, &Vec<String>)> = synonyms
            .groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.iter().map(move |p| (i, p)))
            .collect();
        phrases.sort_by_key(|(_, p)| std::cmp::Reverse(p.len()));
        for (group, phrase) in phrases {
            while let Some(at) = contains_run(&rest, phrase) {
                rest.drain(at..at + phrase.len());
                let alternatives = synonyms.groups.get(group).cloned().unwrap_or_default();
                let concept = Concept(alternatives);
                if !concepts.contains(&concept) {
                    concepts.push(concept);
                }
            }
        }
        for t in rest {
            let concept = Concept(vec![vec![t]]);
            if !concepts.contains(&concept) {
                concepts.push(concept);
            }
        }
        Self { concepts }
    }

    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// How many of the query's concepts the text's terms hold.
    pub fn matched(&self, text_terms: &[String]) -> usize {
        self.concepts
            .iter()
            .filter(|c| {
                c.0.iter()
                    .any(|phrase| phrase.iter().all(|t| text_terms.contains(t)))
            })
            .count()
    }

    /// Whether the text holds every concept of the query.
    pub fn finds(&self, text_terms: &[String]) -> bool {
        !self.is_empty() && self.matched(text_terms) == self.concepts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn() -> Synonyms {
        Synonyms::new(&[
            vec![
                "trasloco".into(),
                "cambio di residenza".into(),
                "cambio indirizzo".into(),
            ],
            vec!["carta d'identità".into(), "CIE".into()],
            vec![
                "accesso agli atti".into(),
                "accesso atti".into(),
                "accesso documentale".into(),
            ],
        ])
    }

    fn finds(q: &str, text: &str) -> bool {
        Query::parse(q, &syn()).finds(&terms(text))
    }

    #[test]
    fn words_not_substrings() {
        assert!(!finds(
            "tari",
            "Permesso di accesso alla ZTL per i sanitari"
        ));
        assert!(!finds("tari", "Autorizzazione temporanea"));
        assert!(finds("tari", "Pagare la TARI"));
        assert!(finds("TARI", "pagare la tari"));
    }

    #[test]
    fn accents_case_and_endings_do_not_matter() {
        assert!(finds("attivita", "Avvio di un'Attività commerciale"));
        assert!(finds("iscrizioni nido", "Iscrizione all'asilo nido"));
        assert!(finds(
            "traslochi",
            "Occupazione di suolo pubblico per un trasloco"
        ));
        assert!(finds(
            "mensa scolastica",
            "Iscrizione alla mensa scolastica"
        ));
        assert!(!finds("mensa nido", "Iscrizione alla mensa scolastica"));
    }

    #[test]
    fn synonyms_lead_to_the_service_people_mean() {
        assert!(finds("trasloco", "Cambio di residenza"));
        assert!(finds(
            "cambio di residenza",
            "Dichiarazione per chi trasloca: trasloco"
        ));
        assert!(finds("accesso atti", "Accesso agli atti amministrativi"));
        assert!(finds("accesso agli atti", "Accesso documentale"));
        assert!(finds("carta d'identità", "Rilascio della CIE"));
        assert!(!finds("carta d'identità", "Cambio di residenza"));
    }

    #[test]
    fn the_stemmer_joins_singular_and_plural() {
        for (a, b) in [
            ("iscrizione", "iscrizioni"),
            ("trasloco", "traslochi"),
            ("banca", "banche"),
            ("contributo", "contributi"),
            ("attivita", "attivita"),
            ("disabile", "disabili"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(stem("ztl"), "ztl");
        assert_ne!(stem("tari"), stem("sanitari"));
        assert!(terms("di la per").is_empty());
    }
}
