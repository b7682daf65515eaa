//! Fresh, empty databases for tests: an SQLite file in a temporary folder by default, or a
//! new database on the PostgreSQL server named by `SPORTELLO_TEST_POSTGRES` (a URL), dropped
//! when the value is dropped.

use std::path::PathBuf;

use crate::db::{Backend, Store, StoreError};

pub const POSTGRES_ENV: &str = "SPORTELLO_TEST_POSTGRES";

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
        let dir =
            std::env::temp_dir().join(format!("sportello-test-{}", uuid::Uuid::new_v4().simple()));
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
        sqlx::any::install_default_drivers();
        let name = format!("sportello_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
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
