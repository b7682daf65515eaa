//! SQLite only: point reads made in the calling thread, on connections of their own.
//!
//! Every request reads its session. Through sqlx that read is a message to the connection's
//! own thread and a message back, each waking a thread: on a click day, at thousands of
//! requests a second on two cores, the parking and waking of threads took more of the
//! server's time than SQLite's own work (docs/design/group-commit.md, «The session, read in
//! place»). A session is one row found through its primary key, in pages the operating system
//! already holds: read here, in the request's own thread, it costs a few microseconds and no
//! hand-off.
//!
//! The connections are read-only and do not wait for locks: their busy timeout is zero, so a
//! read that would wait for one (a checkpoint restarting the log) fails at once and the caller
//! asks the pool instead, as it does when both connections are in use. (SQLite's own brief
//! retries while a log restarts, and a page the operating system must read from disk, can still
//! take the thread a moment.) In WAL mode a reader sees every transaction committed before its
//! statement starts, as the pool's connections do. After any other error the connection is
//! closed and opened afresh at the next read.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::identity::{SessionKind, SessionRow};

/// Connections kept: one per core of the machines we aim at, as `HOT_READERS`.
const DIRECT_READERS: usize = 2;

/// The SQL of the session read, as `Store::session` asks it of the pool.
const SESSION: &str = "SELECT kind, staff_user_id, citizen, expires_at FROM sessions \
                       WHERE id_hash = ?1 AND expires_at > ?2";

/// Point reads of one SQLite database file, in the calling thread.
#[derive(Debug)]
pub(crate) struct DirectReaders {
    path: PathBuf,
    slots: [Mutex<Option<Connection>>; DIRECT_READERS],
    /// Reads answered here, for tests and figures.
    answered: AtomicU64,
}

/// What a direct read gives: the answer, or nothing when it could not be read here (both
/// connections busy, a lock, an error), in which case the caller reads through the pool.
pub(crate) enum Direct<T> {
    Read(T),
    Elsewhere,
}

impl DirectReaders {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            slots: Default::default(),
            answered: AtomicU64::new(0),
        }
    }

    /// How many reads were answered here so far.
    #[cfg(test)]
    pub(crate) fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Never wait in a request's thread: a lock sends the read to the pool.
        conn.busy_timeout(Duration::ZERO)?;
        Ok(conn)
    }

    /// Runs `read` on a free connection, if one is free and the read succeeds.
    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Direct<T> {
        for slot in &self.slots {
            let mut kept = match slot.try_lock() {
                Ok(kept) => kept,
                Err(std::sync::TryLockError::WouldBlock) => continue,
                // A read panicked while holding this connection: it is not trusted again, and
                // the slot serves the next read with a connection opened afresh.
                Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                    tracing::warn!("a direct reading connection was left by a panic; reopened");
                    let mut kept = poisoned.into_inner();
                    *kept = None;
                    slot.clear_poison();
                    kept
                }
            };
            if kept.is_none() {
                match self.open() {
                    Ok(c) => *kept = Some(c),
                    Err(e) => {
                        tracing::debug!(error = %e, "a direct reading connection did not open");
                        return Direct::Elsewhere;
                    }
                }
            }
            let Some(conn) = kept.as_ref() else {
                return Direct::Elsewhere;
            };
            return match read(conn) {
                Ok(v) => {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                    Direct::Read(v)
                }
                // A lock, now and then (the log restarting under a checkpoint): this read goes
                // to the pool, the connection stays.
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) =>
                {
                    Direct::Elsewhere
                }
                // Anything else is worth a look; the connection is opened afresh next time.
                Err(e) => {
                    tracing::warn!(error = %e, "a direct read failed; the read goes to the pool");
                    *kept = None;
                    Direct::Elsewhere
                }
            };
        }
        Direct::Elsewhere
    }

    /// Closes the connections (the store is closing). A read after this opens one again.
    pub(crate) fn close(&self) {
        for slot in &self.slots {
            *slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        }
    }

    /// Holds every connection, as requests reading at once would: reads go to the pool until
    /// the guards are dropped.
    #[cfg(test)]
    pub(crate) fn crowd(&self) -> Vec<std::sync::MutexGuard<'_, Option<Connection>>> {
        self.slots.iter().filter_map(|s| s.lock().ok()).collect()
    }

    /// The live session with this hash, if any.
    pub(crate) fn session(&self, id_hash: &str, now_ms: i64) -> Direct<Option<SessionRow>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(SESSION)?;
            stmt.query_row(rusqlite::params![id_hash, now_ms], |row| {
                let kind: String = row.get(0)?;
                Ok(SessionRow {
                    kind: if kind == "staff" {
                        SessionKind::Staff
                    } else {
                        SessionKind::Citizen
                    },
                    staff_user_id: row.get(1)?,
                    citizen: row.get(2)?,
                    expires_at: row.get(3)?,
                })
            })
            .optional()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read that fails (here: no such table) is answered elsewhere and its connection
    /// closed; a read while every connection is in use too.
    #[test]
    fn a_failed_or_crowded_read_goes_elsewhere() {
        let dir = std::env::temp_dir().join(format!("sportello-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.db");
        let _ = std::fs::remove_file(&path);
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)")
            .unwrap();
        let readers = DirectReaders::new(path.clone());
        assert!(matches!(readers.session("h", 1), Direct::Elsewhere));
        assert!(
            readers.slots[0].lock().unwrap().is_none(),
            "closed after the error"
        );
        setup
            .execute_batch(
                "CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, kind TEXT, staff_user_id INTEGER, \
                 citizen TEXT, expires_at INTEGER); \
                 INSERT INTO sessions VALUES ('h', 'citizen', NULL, '{}', 10)",
            )
            .unwrap();
        match readers.session("h", 1) {
            Direct::Read(Some(row)) => assert_eq!(row.expires_at, 10),
            _ => panic!("the session is read here"),
        }
        assert!(
            matches!(readers.session("h", 10), Direct::Read(None)),
            "expired"
        );
        assert_eq!(readers.answered(), 2);
        let held = readers.crowd();
        assert!(matches!(readers.session("h", 1), Direct::Elsewhere));
        drop(held);
        assert_eq!(readers.answered(), 2);
        // A write lock held elsewhere does not stop a WAL reader; closing does drop the
        // connections, and a read after it opens one again.
        readers.close();
        assert!(readers.slots.iter().all(|s| s.lock().unwrap().is_none()));
        assert!(matches!(readers.session("h", 1), Direct::Read(Some(_))));
        // A read that panics leaves its slot poisoned: the slot is not given up for good, it
        // serves the next read on a connection opened afresh.
        for slot in &readers.slots {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _held = slot.lock().unwrap();
                panic!("a read that panics");
            }));
            assert!(slot.is_poisoned());
        }
        assert!(matches!(readers.session("h", 1), Direct::Read(Some(_))));
        assert!(!readers.slots[0].is_poisoned());
        assert_eq!(readers.answered(), 4);
        drop(setup);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
