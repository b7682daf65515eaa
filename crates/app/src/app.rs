//! The application: its settings, its store, its clock and the shared HTTP client.

use std::sync::Arc;
use time::OffsetDateTime;

use sportello_store::Store;

/// Where "now" comes from. Tests use a fixed or movable clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// How the client authenticates at the provider's token endpoint.
#[derive(Clone)]
pub enum ClientAuth {
    /// `client_secret_basic`.
    Secret(String),
    /// `private_key_jwt` (the SPID and CIE OpenID Connect profiles): a PEM private key,
    /// RSA or EC P-256.
    PrivateKey { pem: String, key_id: Option<String> },
    /// A public client (PKCE only).
    None,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("Secret([redacted])"),
            ClientAuth::PrivateKey { key_id, .. } => {
                write!(f, "PrivateKey([redacted], {key_id:?})")
            }
            ClientAuth::None => f.write_str("None"),
        }
    }
}

/// An OpenID Connect provider citizens can sign in with.
#[derive(Debug, Clone)]
pub struct OidcProviderSettings {
    /// Short id used in URLs (`spid`, `cie`, `demo`).
    pub id: String,
    /// Label on the sign-in button.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub auth: ClientAuth,
}

/// Settings the use cases need, already validated by the binary.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// The address citizens reach the portal at, without a trailing slash.
    pub public_url: String,
    pub demo: bool,
    pub providers: Vec<OidcProviderSettings>,
    pub session_ttl_minutes: i64,
    /// Where uploaded files are kept (the filesystem blob store), and where received files are
    /// written aside (`incoming/`) whatever the store.
    pub blob_dir: std::path::PathBuf,
    /// S3-compatible object storage for the files instead of `blob_dir` (several processes).
    pub s3: Option<crate::s3::S3Settings>,
    /// The work a new staff password's hash costs.
    pub password_cost: PasswordCost,
    /// Open cases the deadlines job loads at once.
    pub jobs_cases_per_page: i64,
    /// Milliseconds between the albo's heartbeats (`albo::BEAT_INTERVAL_MS` by default).
    pub albo_beat_ms: i64,
    /// Voters a vote needs before its per-project counts and ballots are published.
    pub pb_min_voters_to_publish: usize,
    /// The region this deployment serves.
    pub region: sportello_domain::tenancy::Region,
    /// The station's connection to pagoPA; none: positions are payable at the ente only.
    pub pagopa: Option<PagoPaSettings>,
}

/// How the region's station reaches pagoPA (see docs/configuration.md, `[pagopa]`).
#[derive(Clone, PartialEq, Eq)]
pub struct PagoPaSettings {
    pub gpd_url: String,
    /// The reporting flows' API (FdR, organizations' side).
    pub fdr_url: String,
    pub subscription_key: String,
    pub checkout_url: String,
    /// The origin of the checkout's pages (the browser is redirected there).
    pub checkout_origin: String,
    pub broker_fiscal_code: String,
    pub station_id: String,
    pub node_token: String,
}

impl std::fmt::Debug for PagoPaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagoPaSettings")
            .field("gpd_url", &self.gpd_url)
            .field("fdr_url", &self.fdr_url)
            .field("checkout_url", &self.checkout_url)
            .field("checkout_origin", &self.checkout_origin)
            .field("broker_fiscal_code", &self.broker_fiscal_code)
            .field("station_id", &self.station_id)
            .finish_non_exhaustive()
    }
}

/// The work a staff password's hash costs. `Standard` is argon2id with OWASP's parameters
/// (19 MiB, two passes). `Minimal` exists for the test harness alone — no configuration key or
/// environment variable reaches it — because the tests create and check hundreds of staff
/// passwords. Checking a password always uses the parameters stored in its hash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PasswordCost {
    #[default]
    Standard,
    Minimal,
}

impl AppSettings {
    pub fn redirect_uri(&self) -> String {
        format!("{}/accedi/callback", self.public_url)
    }
}

/// Password verifications at once, per process: bounds argon2id's memory (19 MiB each) under
/// a flood of sign-ins.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 4;

/// Sign-in starts writing their flow at once, per process: anonymous visitors make flows, and
/// on SQLite every write waits for the one writer — a flood of them must not stand between a
/// filing and the register. Beyond this, a start waits up to a second, then is told to retry.
pub const SIGN_IN_STARTS_AT_ONCE: usize = 2;

/// The application, shared by every request. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    /// Reached by use cases only; see [`App::store`].
    pub(crate) store: Store,
    pub settings: Arc<AppSettings>,
    pub clock: Arc<dyn Clock>,
    pub(crate) http: reqwest::Client,
    pub(crate) oidc_cache: Arc<crate::oidc::MetadataCache>,
    pub(crate) keys: Arc<crate::crypto::Keys>,
    pub(crate) enti_cache: Arc<crate::tenancy::EntiCache>,
    /// What filing reads on every request (crate::hot).
    pub(crate) hot: Arc<crate::hot::HotCache>,
    pub(crate) blobs: Arc<dyn crate::blobs::BlobStore>,
    /// Places for password verifications at once (argon2id needs 19 MiB each).
    pub(crate) password_checks: Arc<tokio::sync::Semaphore>,
    pub(crate) sign_in_starts: Arc<tokio::sync::Semaphore>,
    /// The group-commit writer for filings, started with the application (crate::registrar).
    pub(crate) registrar: Arc<std::sync::OnceLock<crate::registrar::Registrar>>,
    /// Every open dataset of the region, and when it was listed (crate::opendata).
    pub(crate) open_data: crate::opendata::KeptDatasets,
}

impl App {
    /// Builds the application: loads (or creates, once for all processes) its keys.
    pub async fn new(
        store: Store,
        settings: AppSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, crate::AppError> {
        let now = clock.now();
        let keys = crate::crypto::Keys::load_or_create(&store, now).await?;
        let mut settings = settings;
        if settings.demo
            && !settings
                .providers
                .iter()
                .any(|p| p.id == crate::demo_idp::PROVIDER_ID)
        {
            let demo = App::demo_provider_settings(&settings.public_url, &keys.demo_client_secret);
            settings.providers.insert(0, demo);
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sportello/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::AppError::Internal(format!("http client: {e}")))?;
        let blob_dir = settings.blob_dir.clone();
        crate::blobs::sweep_incoming(&blob_dir.join("incoming"));
        let blobs: Arc<dyn crate::blobs::BlobStore> = match &settings.s3 {
            Some(s3) => {
                let store = crate::s3::S3BlobStore::new(s3.clone(), blob_dir.join("incoming"))
                    .map_err(|e| crate::AppError::Internal(format!("blob store: {e}")))?;
                store.check_bucket().await.map_err(|e| {
                    crate::AppError::Internal(format!(
                        "blob store: the bucket `{}` at {} cannot be reached with these credentials: {e}",
                        s3.bucket, s3.endpoint
                    ))
                })?;
                Arc::new(store)
            }
            None => Arc::new(crate::blobs::FsBlobStore::new(blob_dir)),
        };
        let app = Self {
            store,
            settings: Arc::new(settings),
            clock,
            http,
            oidc_cache: Arc::default(),
            keys: Arc::new(keys),
            enti_cache: Arc::default(),
            hot: Arc::default(),
            blobs,
            password_checks: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE)),
            sign_in_starts: Arc::new(tokio::sync::Semaphore::new(SIGN_IN_STARTS_AT_ONCE)),
            registrar: Arc::default(),
            open_data: Arc::default(),
        };
        // Before any filing: the cases of a database from before the counts are counted once.
        app.count_earlier_cases().await?;
        let registrar = crate::registrar::Registrar::start(app.clone());
        let _ = app.registrar.set(registrar);
        Ok(app)
    }

    pub(crate) fn registrar(&self) -> Result<&crate::registrar::Registrar, crate::AppError> {
        self.registrar
            .get()
            .ok_or_else(|| crate::AppError::Internal("the registrar is not running".into()))
    }

    /// The protocol sealing key's public half (PEM), for anyone verifying a segnatura.
    pub fn seal_public_pem(&self) -> String {
        self.keys.seal_public_pem()
    }

    /// Whether `signature` is the register's seal on `message`.
    pub fn seal_valid(&self, message: &[u8], signature: &[u8]) -> bool {
        self.keys.seal_valid(message, signature)
    }

    /// The store itself, for the composition root (start-up, command-line tools, benches) and
    /// tests. Everything else reaches data through a use case: `clippy.toml` lists this method
    /// under `disallowed-methods`, so `clippy -D warnings` refuses it in the web layer.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A file being received, written aside as it arrives (at most `limit` bytes). Pages and
    /// the API stream uploads into one; use cases take the finished [`crate::blobs::Upload`].
    pub async fn receive(
        &self,
        limit: u64,
    ) -> Result<crate::blobs::UploadWriter, crate::blobs::ReceiveError> {
        crate::blobs::UploadWriter::create(&self.blobs.incoming(), limit).await
    }

    /// Files a received file in the blob store (a link, not a copy); returns its SHA-256.
    pub(crate) async fn keep_upload(
        &self,
        upload: &crate::blobs::Upload,
    ) -> Result<String, crate::AppError> {
        self.blobs
            .keep(upload)
            .await
            .map_err(|e| crate::AppError::Internal(format!("blob store: {e}")))
    }

    /// Bytes already in memory (a test, a generated file) as a received file.
    pub async fn upload_of(&self, bytes: &[u8]) -> Result<crate::blobs::Upload, crate::AppError> {
        let limit = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let received = async {
            let mut writer = self.receive(limit).await?;
            writer.write(bytes).await?;
            writer.finish().await
        };
        received
            .await
            .map_err(|e| crate::AppError::Internal(e.to_string()))
    }

    /// How busy the protocol registrar is (for `/metrics`, and for tests that wait for filings to
    /// reach it instead of sleeping).
    pub fn registrar_load(&self) -> Result<crate::registrar::RegistrarLoad, crate::AppError> {
        Ok(self.registrar()?.load())
    }

    /// A place for one password verification: waits up to two seconds for one, then answers
    /// that the service is busy.
    pub(crate) async fn password_check(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, crate::AppError> {
        match tokio::time::timeout(
            std::time::Duration::from_secs(2),
            self.password_checks.acquire(),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(crate::AppError::Overloaded),
        }
    }

    /// A place for writing one sign-in flow: waits up to a second, then answers that the
    /// service is busy (503 with Retry-After).
    pub(crate) async fn sign_in_start(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, crate::AppError> {
        match tokio::time::timeout(
            std::time::Duration::from_secs(1),
            self.sign_in_starts.acquire(),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(crate::AppError::Overloaded),
        }
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ready(&self) -> Result<(), crate::AppError> {
        Ok(self.store.ping().await?)
    }

    /// The read pool's figures, for `/metrics`.
    pub fn pool_figures(&self) -> sportello_store::PoolStats {
        self.store.pool_stats()
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn system_clock() -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }
}
