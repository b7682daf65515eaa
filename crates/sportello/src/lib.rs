//! The `sportello` program as a library: configuration and the wiring that starts a server.
//! The binary (`main.rs`) and the test harness (`sportello-testkit`) both start servers
//! through [`start`], so tests run exactly what production runs.

pub mod bench;
pub mod bench_abuse;
pub mod bench_albo;
pub mod bench_crash;
mod bench_http;
pub mod bench_intake;
pub mod bench_payments;
pub mod bench_region;
pub mod bench_times;
pub mod config;
pub mod pb;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sportello_app::{App, AppSettings, ClientAuth, Clock, OidcProviderSettings};
use sportello_store::{Backend, Store};
use sportello_web::{WebSettings, WebState};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;

/// The ISTAT list of Tuscan municipalities, embedded for the demo (see data/README.md).
pub const COMUNI_TOSCANA_CSV: &str = include_str!("../../../data/comuni-toscana.csv");

/// Connects to the database the configuration names and applies migrations. Creates the
/// data directory when the database lives there.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    if Backend::from_url(&url)? == Backend::Sqlite && config.database.url.is_none() {
        std::fs::create_dir_all(&config.server.data_dir).with_context(|| {
            format!(
                "cannot create data directory {}",
                config.server.data_dir.display()
            )
        })?;
    }
    let store = Store::connect(&url, config.database.max_connections)
        .await
        .context("cannot open the database")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(store)
}

/// Builds the application on an open store.
pub async fn build_app(
    config: &Config,
    store: Store,
    public_url: String,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<App> {
    let mut providers = Vec::new();
    for p in &config.identity.providers {
        let auth = match (&p.client_secret, &p.private_key_file) {
            (Some(secret), _) => ClientAuth::Secret(secret.expose().to_string()),
            (None, Some(file)) => ClientAuth::PrivateKey {
                pem: std::fs::read_to_string(file).with_context(|| {
                    format!("identity provider {}: cannot read {}", p.id, file.display())
                })?,
                key_id: p.key_id.clone(),
            },
            (None, None) => ClientAuth::None,
        };
        providers.push(OidcProviderSettings {
            id: p.id.clone(),
            label: p.label.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            auth,
        });
    }
    let settings = AppSettings {
        public_url,
        demo: config.server.demo,
        providers,
        session_ttl_minutes: config.session.ttl_minutes,
        blob_dir: config.server.data_dir.join("blobs"),
        s3: config.blobs.s3().map_err(|e| anyhow::anyhow!(e))?,
        jobs_cases_per_page: i64::from(config.jobs.cases_per_page.max(1)),
        albo_beat_ms: i64::try_from(config.jobs.albo_beat_seconds.clamp(1, 3600))
            .unwrap_or(60)
            .saturating_mul(1000),
        pb_min_voters_to_publish: usize::try_from(config.participation.min_voters_to_publish)
            .unwrap_or(usize::MAX),
        region: sportello_domain::tenancy::Region {
            code: config.region.code.clone(),
            name: config.region.name.clone(),
            administrative_court: config.region.administrative_court.clone(),
            ipa_code: config.region.ipa_code.clone(),
            data_email: config.region.data_email.clone(),
        },
        pagopa: pagopa_settings(&config.pagopa)?,
        password_cost: if config.test_harness.cheap_password_hashing {
            sportello_app::PasswordCost::Minimal
        } else {
            sportello_app::PasswordCost::Standard
        },
    };
    Ok(App::new(store, settings, clock).await?)
}

/// The station's connection to pagoPA, complete or absent.
fn pagopa_settings(
    c: &crate::config::PagoPaConfig,
) -> anyhow::Result<Option<sportello_app::PagoPaSettings>> {
    let Some(gpd_url) = &c.gpd_url else {
        return Ok(None);
    };
    let need = |what: &str, v: Option<&str>| -> anyhow::Result<String> {
        match v {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => anyhow::bail!("pagopa.gpd_url is set: pagopa.{what} must be set too"),
        }
    };
    let checkout_url = need("checkout_url", c.checkout_url.as_deref())?
        .trim_end_matches('/')
        .to_string();
    let checkout_origin = match &c.checkout_origin {
        Some(o) => o.trim_end_matches('/').to_string(),
        None => url::Url::parse(&checkout_url)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| anyhow::anyhow!("pagopa.checkout_url: {e}"))?,
    };
    Ok(Some(sportello_app::PagoPaSettings {
        checkout_origin,
        fdr_url: need("fdr_url", c.fdr_url.as_deref())?
            .trim_end_matches('/')
            .to_string(),
        gpd_url: gpd_url.trim_end_matches('/').to_string(),
        subscription_key: need(
            "subscription_key",
            c.subscription_key.as_ref().map(|s| s.expose()),
        )?,
        checkout_url,
        broker_fiscal_code: need("broker_fiscal_code", Some(&c.broker_fiscal_code))?,
        station_id: need("station_id", Some(&c.station_id))?,
        node_token: need("node_token", c.node_token.as_ref().map(|s| s.expose()))?,
    }))
}

/// Loads the demo region and accounts; does nothing that is already there.
pub async fn load_demo(app: &App) -> anyhow::Result<()> {
    // The demo's municipalities, catalogue adoption and personas are Tuscany's.
    let tuscany = sportello_domain::tenancy::Region::toscana();
    if app.settings.region.code != tuscany.code {
        anyhow::bail!(
            "--demo loads Tuscany's municipalities: region.code must be {} (it is {})",
            tuscany.code,
            app.settings.region.code
        );
    }
    if app
        .enti(&sportello_app::tenancy::EnteFilter::default())
        .await?
        .is_empty()
    {
        let outcome = app.import_municipalities(COMUNI_TOSCANA_CSV).await?;
        tracing::info!(inserted = outcome.inserted, "demo region loaded");
    }
    app.seed_demo_staff().await?;
    app.seed_demo_acts().await?;
    app.seed_demo_assisted_visit().await?;
    app.catalogue().load_catalogue().await?;
    app.catalogue().adopt_everything_everywhere().await?;
    // Patron days named in the product guide; other enti set theirs as administrators.
    for (istat, month, day) in [("049009", 5, 22), ("048017", 6, 24)] {
        if let Ok(ente) = app.ente_by_istat(istat).await {
            app.set_patron_day(ente.ente_id(), month, day).await?;
        }
    }
    Ok(())
}

/// Whether cookies get the `Secure` attribute.
pub fn secure_cookies(config: &Config, public_url: &str) -> anyhow::Result<bool> {
    let url = url::Url::parse(public_url).context("public URL")?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match config.server.secure_cookies.as_str() {
        "always" => Ok(true),
        "never" => Ok(false),
        _ if url.scheme() == "https" => Ok(true),
        _ if loopback => Ok(false),
        _ => anyhow::bail!(
            "server.public_url {public_url} is plain HTTP on a non-loopback host: serve it over HTTPS \
             (set public_url to the https:// address of the proxy in front of Sportello)"
        ),
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub public_url: String,
    pub app: App,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    jobs: Option<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting connections, finishes the requests under way, and returns.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.housekeeping.abort();
        if let Some(jobs) = &self.jobs {
            jobs.abort();
        }
        (&mut self.task).await??;
        Ok(())
    }

    /// Waits until the server ends (after a signal, with graceful shutdown).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        (&mut self.task).await??;
        self.housekeeping.abort();
        if let Some(jobs) = &self.jobs {
            jobs.abort();
        }
        Ok(())
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown`, then lets open requests finish (ten
/// seconds at most). A client gets `header_read` to send a request's head, and is cut off
/// after it: slow clients cannot hold connections without end (a reverse proxy in front may
/// be stricter still; see SECURITY.md).
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_read: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper::server::conn::http1;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        // Every request of the connection knows its peer (for per-address limits).
        let service = TowerToHyperService::new(tower_http::add_extension::AddExtension::new(
            router.clone(),
            sportello_web::throttle::PeerAddr(peer.ip()),
        ));
        let mut stopping = stopping.clone();
        connections.spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// Starts a server: database, application, demo data when asked, listener, housekeeping.
/// `shutdown_on_signal` ends it on SIGINT or SIGTERM.
pub async fn start(
    config: Config,
    clock: Arc<dyn Clock>,
    shutdown_on_signal: bool,
) -> anyhow::Result<Running> {
    let listen = config.listen_addr().map_err(anyhow::Error::msg)?;
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let public_url = config
        .server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let secure = secure_cookies(&config, &public_url)?;
    let trusted_proxies = config
        .server
        .trusted_proxies
        .iter()
        .map(|a| {
            a.trim()
                .parse::<std::net::IpAddr>()
                .with_context(|| format!("server.trusted_proxies: «{a}» is not an IP address"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let app = build_app(&config, store, public_url.clone(), clock).await?;
    if config.server.demo {
        load_demo(&app).await?;
        // A month of work in Livorno, Firenze and Pisa, once, on a fresh data directory.
        if !config.test_harness.skip_demo_month {
            let seeded = app.seed_demo_month().await?;
            if seeded > 0 {
                tracing::info!(applications = seeded, "demo month seeded");
            }
        }
    }
    // The open cases' terms kept on their rows (migration 0053), where a row lacks it: once
    // after the upgrade, after a bulk load, or for rows an older process wrote.
    let kept = app.keep_open_terms().await?;
    if kept > 0 {
        tracing::info!(cases = kept, "open cases' terms kept");
    }
    let state = WebState::new(
        app.clone(),
        WebSettings {
            secure_cookies: secure,
            filings_in_flight: config.server.filings_in_flight.max(1),
            sign_ins_per_address_per_minute: config.server.sign_ins_per_address_per_minute,
            sign_in_starts_per_address_per_minute: config
                .server
                .sign_in_starts_per_address_per_minute,
            trusted_proxies,
        },
    );
    let router = sportello_web::router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let header_read =
        std::time::Duration::from_secs(config.server.header_read_timeout_seconds.max(1));
    let task = tokio::spawn(serve(listener, router, header_read, async move {
        if shutdown_on_signal {
            tokio::select! {
                _ = rx => {}
                _ = signal() => tracing::info!("shutting down"),
            }
        } else {
            let _ = rx.await;
        }
    }));
    let housekeeping_app = app.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = housekeeping_app.identity().purge_expired().await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    let jobs = spawn_jobs(&config, app.clone())?;
    Ok(Running {
        addr,
        public_url,
        app,
        shutdown: Some(tx),
        task,
        housekeeping,
        jobs,
    })
}

/// The scheduled jobs of this process: deadlines and notifications, every
/// `jobs.interval_seconds`. Safe beside other processes on the same database.
fn spawn_jobs(config: &Config, app: App) -> anyhow::Result<Option<JoinHandle<()>>> {
    let interval = config.jobs.interval_seconds;
    if interval == 0 {
        return Ok(None);
    }
    let mailer = match &config.mail.smtp_url {
        Some(url) => Some(
            sportello_app::mail::Mailer::new(url.expose(), &config.mail.from)
                .map_err(anyhow::Error::msg)?,
        ),
        None => {
            tracing::warn!("mail.smtp_url is not set: notifications wait in the outbox");
            None
        }
    };
    let holder = format!(
        "{}-{}",
        std::process::id(),
        sportello_app::crypto::random_token(6)
    );
    Ok(Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(interval));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match app.run_jobs_once(&holder, mailer.as_ref()).await {
                Ok(report) if report != sportello_app::jobs::JobReport::default() => {
                    tracing::info!(?report, "scheduled jobs ran")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduled jobs failed"),
            }
        }
    })))
}

async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
