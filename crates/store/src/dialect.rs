//! The places where SQLite and PostgreSQL differ. Every dialect difference is here, named.

use crate::db::{Backend, StoreError};

/// Statements run on every new connection.
pub(crate) fn session_setup(backend: Backend) -> &'static [&'static str] {
    match backend {
        // WAL for concurrent readers; synchronous=FULL so that a committed transaction
        // survives a power loss; wait for a lock rather than failing at once.
        Backend::Sqlite => &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA busy_timeout = 10000",
        ],
        // No parallel workers: a page of 50 lines is not worth starting a process for (at a
        // million filings, 4 ms of one queue page's 6.8 ms went to launching one). The
        // office's lists are planned for their values (`Store::keep_prepared`).
        Backend::Postgres => &[
            "SET synchronous_commit = on",
            "SET TIME ZONE 'UTC'",
            "SET max_parallel_workers_per_gather = 0",
        ],
    }
}

/// Statements run on every new connection of SQLite's one writing connection. Left to itself,
/// SQLite checkpoints (copies the log's pages into the database file and syncs it) inside the
/// commit that crosses 1,000 pages of log, so that one filing batch in a few waits for it, and
/// every filing queued behind that batch with it. The checkpoints are instead made by
/// [`checkpoint_sqlite`] on a reading connection, beside the writer; this threshold only keeps
/// the log bounded if that task ever stops.
pub(crate) fn writer_setup(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &["PRAGMA wal_autocheckpoint = 16384"],
        Backend::Postgres => &[],
    }
}

/// How often [`checkpoint_sqlite`] moves the log into the database file.
pub(crate) const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// SQLite: moves the write-ahead log into the database file, beside the writer, until the pool
/// closes. A passive checkpoint waits for no one: it copies what no reader still needs, and the
/// writer goes on appending meanwhile; the log restarts from its beginning at the next commit
/// once all of it has been copied.
pub(crate) async fn checkpoint_sqlite(pool: sqlx::AnyPool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "SQLite checkpoint failed; the writer's own checkpoints bound the log");
        }
    }
}

/// Normalises an SQLite URL: the file is created when missing (`mode=rwc`).
pub(crate) fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| StoreError::BadUrl("malformed SQLite URL".into()))?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() {
        return Err(StoreError::BadUrl(
            "SQLite URL names no file (expected sqlite://path/to/file.db)".into(),
        ));
    }
    if path == ":memory:" {
        return Err(StoreError::BadUrl(
            "in-memory SQLite is not supported: each connection would see its own database".into(),
        ));
    }
    let query = match query {
        Some(q) if q.split('&').any(|kv| kv.starts_with("mode=")) => q.to_string(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_string(),
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The database file a normalised SQLite URL names, exactly as sqlx reads it (percent-escapes
/// decoded, options dropped), so that the connections opened beside sqlx's
/// (`crate::direct`) and the migration lock name the same file as the pool.
pub(crate) fn sqlite_path(normalised_url: &str) -> Result<std::path::PathBuf, StoreError> {
    use std::str::FromStr;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(normalised_url)
        .map_err(|e| StoreError::BadUrl(format!("malformed SQLite URL: {e}")))?;
    Ok(options.get_filename().to_path_buf())
}

/// The lock file beside an SQLite database, held while migrating.
pub(crate) fn sqlite_migrate_lock_path(
    normalised_url: &str,
) -> Result<std::path::PathBuf, StoreError> {
    let mut path = sqlite_path(normalised_url)?.into_os_string();
    path.push(".migrate-lock");
    Ok(std::path::PathBuf::from(path))
}

/// An exclusive lock on a file, across processes; released when dropped.
pub(crate) struct FileLock(std::fs::File);

impl FileLock {
    pub(crate) async fn acquire(path: &std::path::Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let file = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .map_err(|e| {
            StoreError::Conflict(format!("cannot lock the database for migration: {e}"))
        })?;
        Ok(Self(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// The albo's full-text search (issue 18), written when an entry is published (`$1` is its id;
/// `>=` in the bulk path, every entry from that id). PostgreSQL keeps the Italian stems of its
/// text (its text search's `to_tsvector('italian', …)`) in `albo_words`, one row per stem,
/// keyed by the entry's `board_key`; SQLite keeps the same stems (`italian_stems`) in an FTS5
/// table whose rowid is the `board_key` (written in Rust: `Store::albo_index_words`). Both
/// are then read newest first, with no prefix to expand.
pub(crate) fn albo_words_sql(from: &str) -> String {
    format!(
        "INSERT INTO albo_words (ente_id, word, board_key) \
         SELECT DISTINCT ente_id, w, board_key FROM albo_entries, \
         unnest(tsvector_to_array(to_tsvector('italian', subject || ' ' || requester || ' ' || act_number \
         || ' ' || replace(act_type, '-', ' ')))) AS w \
         WHERE id {from} $1 AND board_key IS NOT NULL ON CONFLICT DO NOTHING"
    )
}

/// The commonest Italian function words (articles, prepositions, conjunctions), left out of
/// SQLite's index and queries as PostgreSQL's `italian` configuration leaves out its own.
const STOPWORDS: [&str; 44] = [
    "il", "lo", "la", "i", "gli", "le", "l", "un", "uno", "una", "di", "a", "da", "in", "con",
    "su", "per", "tra", "fra", "del", "dello", "della", "dei", "degli", "delle", "al", "allo",
    "alla", "ai", "agli", "alle", "dal", "dalla", "dai", "nel", "nella", "nei", "sul", "sulla",
    "e", "ed", "o", "che", "dell",
];

/// The Italian stems of a text, in order: its words (letters and digits; lowercase; function
/// words left out) cut by the Snowball Italian stemmer — PostgreSQL's `italian` stemmer — so
/// «scuola» and «scuole» are one word on both backends.
pub(crate) fn italian_stems(text: &str) -> Vec<String> {
    let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Italian);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| stemmer.stem(&w).into_owned())
        .collect()
}

/// The words someone typed: letters and digits only (what was typed is never read as query
/// syntax), lowercase, at most twelve. Empty when nothing is left to search for.
pub(crate) fn albo_typed_words(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect()
}

/// SQLite: the FTS5 query of the typed `words` — each one's stem must be there — of one
/// ente's entries when `ente` is given (they carry the token `e<id>` in the `ente` column).
/// `None` when no word is left once function words are out.
pub(crate) fn albo_fts_match(words: &[String], ente: Option<i64>) -> Option<String> {
    let stems = italian_stems(&words.join(" "));
    if stems.is_empty() {
        return None;
    }
    let stems = stems
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    Some(match ente {
        Some(id) => format!("ente:e{id} {stems}"),
        None => stems,
    })
}

/// The condition that the entry `e`, one of the few online now, holds every word of parameter
/// `$n` (`albo_fts_match`'s query on SQLite, the words joined by spaces on PostgreSQL).
/// PostgreSQL looks each stem up at that entry in `albo_words`' primary key. SQLite reads the
/// words' matches once, only from `floor` on — the smallest `board_key` online, which `floor`
/// computes — since FTS5 reads a rowid range cheaply but is slow to look up one rowid.
pub(crate) fn albo_holds_words(backend: Backend, n: usize, floor: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            "AND e.board_key IN (SELECT rowid FROM albo_text WHERE albo_text MATCH ${n} \
             AND rowid >= ({floor}))"
        ),
        Backend::Postgres => format!(
            "AND NOT EXISTS (SELECT 1 FROM unnest(tsvector_to_array(to_tsvector('italian', ${n}))) AS o(w) \
             WHERE NOT EXISTS (SELECT 1 FROM albo_words a WHERE a.ente_id = e.ente_id \
             AND a.word = o.w AND a.board_key = e.board_key))"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_albos_words_are_italian_stems_without_function_words() {
        // Singular and plural, one stem; accents and case aside; «della», «di» left out.
        assert_eq!(italian_stems("Scuola"), italian_stems("scuole"));
        assert_eq!(
            italian_stems("Variazioni di Bilancio"),
            italian_stems("variazione bilancio")
        );
        assert_eq!(italian_stems("della scuola").len(), 1);
        assert_ne!(italian_stems("scuola"), italian_stems("scuolabus"));
        // What was typed is never query syntax: quotes and operators are not words.
        assert_eq!(
            albo_fts_match(&albo_typed_words("\"scuola\" OR NEAR(x*"), Some(7)).unwrap(),
            format!(
                "ente:e7 {}",
                ["\"scuol\"", "\"or\"", "\"near\"", "\"x\""].join(" ")
            )
        );
        assert_eq!(albo_fts_match(&albo_typed_words("della di"), None), None);
    }

    #[test]
    fn sqlite_urls() {
        assert_eq!(
            sqlite_url("sqlite://data/x.db").unwrap(),
            "sqlite://data/x.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url("sqlite:///abs/x.db?mode=ro").unwrap(),
            "sqlite:///abs/x.db?mode=ro"
        );
        assert!(sqlite_url("sqlite://").is_err());
        // The file the direct readers open is the one sqlx opens: escapes decoded, options
        // dropped.
        assert_eq!(
            sqlite_path(&sqlite_url("sqlite://data/a%20b%3Fc.db?cache=private").unwrap()).unwrap(),
            std::path::PathBuf::from("data/a b?c.db")
        );
        assert_eq!(
            sqlite_path(&sqlite_url("sqlite:///abs/x.db").unwrap()).unwrap(),
            std::path::PathBuf::from("/abs/x.db")
        );
        assert!(sqlite_url("sqlite::memory:").is_err());
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("nonsense").is_err());
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
    }
}
