//! Fresh, empty databases for tests: an SQLite file in a temporary folder by default, or a
//! new database on the PostgreSQL server named by `SPORTELLO_TEST_POSTGRES` (a URL), dropped
//! when the value is dropped.

use std::path::PathBuf;

use crate::db::{Backend, Store, StoreError};

pub const POSTGRES_ENV: &str = "SPORTELLO_TEST_POSTGRES";

/// A database frozen as the starting point of others (see [`TestDatabase::freeze`]).
#[derive(Debug, Clone)]
pub enum Template {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A fresh database and where it lives.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
    scratch: String,
}

impl TestDatabase {
    /// A new empty database on the backend the environment selects.
    pub async fn new() -> Result<Self, StoreError> {
        match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::postgres(url.trim()).await,
            _ => Ok(Self::sqlite()),
        }
    }

    pub fn sqlite() -> Self {
        Self::sqlite_named("sportello-test")
    }

    fn sqlite_named(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        let _ = std::fs::create_dir_all(&dir);
        Self {
            url: format!("sqlite://{}", dir.join("test.db").display()),
            backend: Backend::Sqlite,
            dir: Some(dir),
            postgres: None,
            scratch: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    pub async fn postgres(admin_url: &str) -> Result<Self, StoreError> {
        Self::postgres_named(admin_url, "sportello_test", "").await
    }

    async fn postgres_named(
        admin_url: &str,
        prefix: &str,
        options: &str,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
        // `options` is this module's own text (a template's generated name), never input.
        sqlx::query(&format!("CREATE DATABASE {name} {options}"))
            .execute(&mut admin)
            .await?;
        let _ = sqlx::Connection::close(admin).await;
        let mut url = url::Url::parse(admin_url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
        url.set_path(&format!("/{name}"));
        Ok(Self {
            url: url.to_string(),
            backend: Backend::Postgres,
            dir: None,
            postgres: Some((admin_url.to_string(), name)),
            scratch: uuid::Uuid::new_v4().simple().to_string(),
        })
    }

    /// A new database that starts as a copy of `template` (see [`TestDatabase::freeze`]), on
    /// the template's backend.
    pub async fn from_template(template: &Template) -> Result<Self, StoreError> {
        match template {
            Template::Sqlite(file) => {
                let db = Self::sqlite();
                if let Some(dir) = &db.dir {
                    std::fs::copy(file, dir.join("test.db"))
                        .map_err(|e| StoreError::BadUrl(format!("template copy: {e}")))?;
                }
                Ok(db)
            }
            Template::Postgres { admin_url, name } => {
                Self::postgres_named(admin_url, "sportello_test", &format!("TEMPLATE {name}")).await
            }
        }
    }

    /// An empty database meant to become a template (see [`TestDatabase::freeze`]), which is
    /// kept for the life of the process. Its name carries the time it was made; templates an
    /// earlier run left behind more than six hours ago are removed first (a test binary of a
    /// run going on now may be using a newer one, so those are left alone).
    pub async fn new_template() -> Result<Self, StoreError> {
        match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.trim().is_empty() => {
                let admin_url = url.trim();
                sqlx::any::install_default_drivers();
                let mut admin =
                    <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
                let all: Vec<String> = sqlx::query_scalar(
                    "SELECT datname::text FROM pg_database WHERE datname LIKE 'sportello\\_template\\_%'",
                )
                .fetch_all(&mut admin)
                .await?;
                for name in all.into_iter().filter(|n| made_long_ago(n)) {
                    // Names this module generated: prefix and hex.
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await?;
                }
                let _ = sqlx::Connection::close(admin).await;
                Self::postgres_named(admin_url, &template_prefix("sportello_template"), "").await
            }
            _ => {
                if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
                    for entry in entries.flatten() {
                        let name = entry.file_name().to_string_lossy().replace('-', "_");
                        if name.starts_with("sportello_template_") && made_long_ago(&name) {
                            let _ = std::fs::remove_dir_all(entry.path());
                        }
                    }
                }
                Ok(Self::sqlite_named(&template_prefix("sportello-template")))
            }
        }
    }

    /// Makes this database, as it is now, the template later databases start from. On
    /// SQLite a consistent copy is written beside it (`VACUUM INTO`, whatever is still in the
    /// log); on PostgreSQL the sessions still open on it are ended, since a database is copied
    /// only while nobody is connected to it. This database must outlive its copies' creation.
    pub async fn freeze(&self, store: &Store) -> Result<Template, StoreError> {
        match (&self.dir, &self.postgres) {
            (Some(dir), _) => {
                let file = dir.join("template.db");
                sqlx::query(&format!("VACUUM INTO '{}'", file.display()))
                    .execute(&store.write_pool())
                    .await?;
                store.close().await;
                Ok(Template::Sqlite(file))
            }
            (None, Some((admin_url, name))) => {
                store.close().await;
                let mut admin =
                    <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(name.as_str())
                .fetch_all(&mut admin)
                .await?;
                let _ = sqlx::Connection::close(admin).await;
                Ok(Template::Postgres {
                    admin_url: admin_url.clone(),
                    name: name.clone(),
                })
            }
            (None, None) => Err(StoreError::BadUrl("no database to freeze".into())),
        }
    }

    /// A folder for the test's files, removed when the database is dropped.
    pub fn scratch_dir(&self) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sportello-files-{}", self.scratch));
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    /// Connects and migrates.
    pub async fn store(&self) -> Result<Store, StoreError> {
        let store = Store::connect(&self.url, 5).await?;
        store.migrate().await?;
        Ok(store)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(
            std::env::temp_dir().join(format!("sportello-files-{}", self.scratch)),
        );
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs outside any async context we can rely on: use a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(mut admin) =
                        <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await
                    {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut admin)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A template's name prefix with the time it is made: `<prefix>_<unix seconds>`.
fn template_prefix(prefix: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let sep = if prefix.contains('-') { '-' } else { '_' };
    format!("{prefix}{sep}{now}")
}

/// Whether a template named `sportello_template_<unix seconds>_…` was made over six hours ago.
fn made_long_ago(name: &str) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    name.trim_start_matches("sportello_template_")
        .split('_')
        .next()
        .and_then(|t| t.parse::<u64>().ok())
        .is_some_and(|made| now.saturating_sub(made) > 6 * 3600)
}
