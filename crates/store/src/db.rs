//! Connecting, migrating, pools and transactions.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;

use crate::dialect;

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chooses the backend from the URL's scheme; any other scheme is refused.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ if !url.contains(':') => Err(StoreError::BadUrl(
                "database URL has no scheme (expected sqlite:// or postgres://)".into(),
            )),
            other => Err(StoreError::BadUrl(format!(
                "unsupported database URL scheme `{other}` (expected sqlite:// or postgres://)"
            ))),
        }
    }

    /// Checks a database URL without connecting: scheme, syntax, SQLite file name.
    pub fn check_url(url: &str) -> Result<Self, StoreError> {
        let backend = Self::from_url(url)?;
        match backend {
            Backend::Sqlite => {
                dialect::sqlite_url(url)?;
            }
            Backend::Postgres => {
                let parsed = url::Url::parse(url)
                    .map_err(|e| StoreError::BadUrl(format!("malformed database URL: {e}")))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(StoreError::BadUrl("PostgreSQL URL names no host".into()));
                }
            }
        }
        Ok(backend)
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// A write transaction: a use case runs whole inside one, or not at all.
pub type Tx = sqlx::Transaction<'static, Any>;

/// The backend a transaction runs on.
pub(crate) fn backend_of(tx: &Tx) -> Backend {
    if tx.backend_name() == "SQLite" {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    read: AnyPool,
    /// On SQLite, writes go through one connection: SQLite allows one writer at a time and
    /// a deferred transaction that upgrades to a writer can fail at once instead of waiting.
    /// On PostgreSQL this is the same pool as `read`.
    write: AnyPool,
    backend: Backend,
    max_connections: u32,
    /// SQLite only: the file locked while migrating, since sqlx takes no lock on SQLite.
    migrate_lock: Option<std::sync::Arc<std::path::Path>>,
    /// SQLite only: the checkpoints beside the writer (`dialect::checkpoint_sqlite`), stopped
    /// when the last clone of the store goes.
    _checkpoints: Option<std::sync::Arc<AbortOnDrop>>,
    /// Connections of the read pool kept out of it for the point reads every request makes
    /// (the session): see [`Store::fetch_optional_hot`].
    hot: std::sync::Arc<[HotReader]>,
    /// SQLite only: the session read in the request's own thread, on connections of its own
    /// (`crate::direct`).
    pub(crate) direct: Option<std::sync::Arc<crate::direct::DirectReaders>>,
}

/// A connection of its own for point reads, opened on first use.
type HotReader = tokio::sync::Mutex<Option<AnyConnection>>;

/// Connections kept for point reads: one per core of the machines we aim at. When both are
/// busy a read goes to the pool, so they never make a request wait.
const HOT_READERS: usize = 2;

/// Stops a task when dropped.
#[derive(Debug)]
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

static MIGRATOR_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATOR_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to the database named by `url`. For SQLite the file is created if missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut migrate_lock = None;
        let mut direct = None;
        let url = match backend {
            Backend::Sqlite => {
                let normalised = dialect::sqlite_url(url)?;
                migrate_lock = Some(dialect::sqlite_migrate_lock_path(&normalised)?.into());
                direct = Some(std::sync::Arc::new(crate::direct::DirectReaders::new(
                    dialect::sqlite_path(&normalised)?,
                )));
                normalised
            }
            Backend::Postgres => {
                url::Url::parse(url)
                    .map_err(|e| StoreError::BadUrl(format!("malformed database URL: {e}")))?;
                url.to_string()
            }
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::BadUrl(format!("malformed database URL: {e}")))?;
        let pool_options = |writer: bool| {
            AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(10))
                // A ping before each use finds sockets a server has dropped. An SQLite
                // connection is a file in this process: its ping is only a round trip to the
                // connection's thread, on every read of every request.
                .test_before_acquire(backend == Backend::Postgres)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        for statement in dialect::session_setup(backend) {
                            conn.execute(*statement).await?;
                        }
                        if writer {
                            for statement in dialect::writer_setup(backend) {
                                conn.execute(*statement).await?;
                            }
                        }
                        Ok(())
                    })
                })
        };
        let max = max_connections.max(2);
        let mut checkpoints = None;
        let read = pool_options(false)
            .max_connections(max)
            .connect_with(options.clone())
            .await?;
        let write = match backend {
            Backend::Sqlite => {
                let write = pool_options(true)
                    .max_connections(1)
                    .connect_with(options)
                    .await?;
                let task = tokio::spawn(dialect::checkpoint_sqlite(read.clone()));
                checkpoints = Some(std::sync::Arc::new(AbortOnDrop(task.abort_handle())));
                write
            }
            Backend::Postgres => read.clone(),
        };
        Ok(Self {
            read,
            write,
            backend,
            max_connections: max,
            migrate_lock,
            _checkpoints: checkpoints,
            hot: (0..HOT_READERS).map(|_| HotReader::default()).collect(),
            direct,
        })
    }

    /// Applies the embedded migrations. On PostgreSQL sqlx holds an advisory lock while it
    /// migrates, so several processes starting together migrate once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let lock = match &self.migrate_lock {
                    Some(path) => Some(dialect::FileLock::acquire(path).await?),
                    None => None,
                };
                let result = MIGRATOR_SQLITE.run(&self.write).await;
                let result = match result {
                    // The albo's words, as stems, where a migration left them to be written.
                    Ok(()) => self.albo_restem().await,
                    Err(e) => Err(e.into()),
                };
                drop(lock);
                result?
            }
            Backend::Postgres => MIGRATOR_POSTGRES.run(&self.write).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether a read whose best plan depends on its values (which ente: Firenze's million
    /// filings or a village's hundred; which service; which state) is kept prepared. sqlx
    /// prepares every statement it is given and keeps it; after five executions PostgreSQL may
    /// then settle on a generic plan, blind to the values. Measured at a million filings, one
    /// service's queue page took 190 ms with the generic plan (another index, then a sort of
    /// 3,400 cases) against 0.4 ms planned and 0.3 ms run with its values. On PostgreSQL the
    /// office's lists and searches are therefore sent unnamed, planned each time for their
    /// values; the click day's writes and the point reads stay prepared (planning a 64-row
    /// insert at every batch would cost more than it saves, and a point read has one plan).
    /// SQLite plans without the values' statistics either way, and preparing is its cost.
    pub(crate) fn keep_prepared(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// The pool for reads that need no transaction.
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// A point read on the path of every request (a session by its hash), on a connection
    /// kept out of the read pool. Through the pool, sqlx pings a connection each time it goes
    /// back (`PoolConnection::return_to_pool`, which cannot be turned off): on SQLite one more
    /// round trip to the connection's thread for every request, on PostgreSQL to the server.
    /// When every kept connection is busy the read goes to the pool instead, and after any
    /// error the kept connection is dropped and the read asked of the pool once more (reads
    /// are safe to repeat), so a connection the server dropped is never reused. `query` makes
    /// the query afresh for each attempt.
    pub(crate) async fn fetch_optional_hot<'q, F>(
        &self,
        query: F,
    ) -> Result<Option<AnyRow>, StoreError>
    where
        F: Fn() -> sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    {
        for slot in self.hot.iter() {
            let Ok(mut kept) = slot.try_lock() else {
                continue;
            };
            if kept.is_none() {
                *kept = Some(self.read.acquire().await?.detach());
            }
            if let Some(conn) = kept.as_mut() {
                match query().fetch_optional(&mut *conn).await {
                    Ok(row) => return Ok(row),
                    Err(e) => {
                        tracing::warn!(error = %e, "a kept reading connection failed; the read goes to the pool");
                        *kept = None;
                    }
                }
            }
            break;
        }
        Ok(query().fetch_optional(&self.read).await?)
    }

    /// The pool for single-statement writes outside a transaction.
    pub(crate) fn write_pool(&self) -> AnyPool {
        self.write.clone()
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        let size = self.read.size();
        let idle = u32::try_from(self.read.num_idle()).unwrap_or(u32::MAX);
        PoolStats {
            size,
            idle,
            max: self.max_connections,
        }
    }

    pub async fn close(&self) {
        if let Some(direct) = &self.direct {
            direct.close();
        }
        for slot in self.hot.iter() {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
        self.read.close().await;
        self.write.close().await;
    }
}
