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
        Backend::Postgres => &["SET synchronous_commit = on", "SET TIME ZONE 'UTC'"],
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

/// The lock file beside an SQLite database, held while migrating.
pub(crate) fn sqlite_migrate_lock_path(normalised_url: &str) -> std::path::PathBuf {
    let path = normalised_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default();
    std::path::PathBuf::from(format!("{path}.migrate-lock"))
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

/// The albo's full-text search (issue 18). SQLite keeps the words of each entry in an FTS5 table
/// (`albo_text`, its rowid the entry's id) written with the entry; PostgreSQL reads a generated
/// `tsvector` column in Italian. The statement that writes an entry's words, where one is needed.
pub(crate) fn albo_index_sql(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => Some(
            "INSERT INTO albo_text (rowid, subject, requester, act_number, ente) \
             VALUES ($1, $2, $3, $4, $5)",
        ),
        Backend::Postgres => None,
    }
}

/// The condition that an entry matches the words in parameter `$n`.
pub(crate) fn albo_search_clause(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => {
            format!("AND e.id IN (SELECT rowid FROM albo_text WHERE albo_text MATCH ${n})")
        }
        Backend::Postgres => format!("AND e.search @@ to_tsquery('italian', ${n})"),
    }
}

/// The words someone typed, as the backend's query language reads them: every word must be
/// there, the last one as a prefix (a search box is typed into). `None` when nothing is left
/// to search for. What was typed is never read as query syntax: only letters and digits pass.
/// On SQLite the search is of one ente's words when `ente` is given (its entries carry the
/// token `e<id>` in the `ente` column), so the index does not walk the region's.
pub(crate) fn albo_match(backend: Backend, typed: &str, ente: Option<i64>) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(match backend {
        Backend::Sqlite => {
            let words = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == last {
                        format!("\"{w}\"*")
                    } else {
                        format!("\"{w}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            match ente {
                Some(id) => format!("ente:e{id} {words}"),
                None => words,
            }
        }
        Backend::Postgres => words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("{w}:*")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(sqlite_url("sqlite::memory:").is_err());
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("nonsense").is_err());
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
    }
}
