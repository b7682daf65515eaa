//! The test harness: starts the real Sportello server (the same [`sportello::start`] the
//! binary uses) on port 0 with a fresh database — SQLite by default, PostgreSQL when
//! `SPORTELLO_TEST_POSTGRES` names a server — and gives tests an HTTP client and helpers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod garage;
mod html;
mod oidc_provider;
mod pagopa_sim;
mod smtp_server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sportello::config::{Config, Overrides, ProviderConfig};
use sportello::Running;
use sportello_app::Clock;
pub use sportello_store::testing::{Template, TestDatabase};
use time::OffsetDateTime;

pub use garage::{available as garage_available, Garage};
pub use html::{csrf_of, form_fields, location};
pub use oidc_provider::NodeOidcProvider;
pub use pagopa_sim::PagoPaSimulator;
pub use smtp_server::{free_port, RefusingPort, SmtpServer};

/// A clock tests can move.
#[derive(Debug)]
pub struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    pub fn new(start: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(start)))
    }

    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// How to start a test server.
#[derive(Clone)]
pub struct Options {
    pub demo: bool,
    pub providers: Vec<ProviderConfig>,
    pub clock: Option<Arc<dyn Clock>>,
    /// The public address, when it is not the server's own (several servers, one address).
    pub public_url: Option<String>,
    /// Seconds between scheduled-job passes; 0 (the default) leaves them to the test, which
    /// calls `App::run_jobs_once` when it wants them.
    pub jobs_interval: u64,
    /// The SMTP server notifications go to.
    pub smtp_url: Option<String>,
    /// Filings handled at once (`server.filings_in_flight`), when not the default.
    pub filings_in_flight: Option<usize>,
    /// Staff sign-ins per client address a minute; every test client is 127.0.0.1, so the
    /// harness allows many unless a test sets it.
    pub sign_ins_per_address_per_minute: Option<u32>,
    /// Voters a participatory-budget vote needs before its counts are published; the tests'
    /// votes are small, so the harness publishes from one voter unless a test sets it.
    pub pb_min_voters_to_publish: Option<u32>,
    /// Citizens' sign-in starts per client address a minute (many unless a test sets it).
    pub sign_in_starts_per_address_per_minute: Option<u32>,
    /// `server.trusted_proxies`.
    pub trusted_proxies: Vec<String>,
    /// The connection to pagoPA (a [`PagoPaSimulator`]'s).
    pub pagopa: Option<sportello::config::PagoPaConfig>,
    /// Files on S3-compatible object storage (a [`Garage`]'s) instead of the data directory.
    pub s3: Option<sportello_app::s3::S3Settings>,
    /// The data directory, when not the database's own scratch folder (several processes,
    /// each with its own disk).
    pub data_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            providers: vec![],
            clock: None,
            public_url: None,
            jobs_interval: 0,
            sign_ins_per_address_per_minute: None,
            pb_min_voters_to_publish: None,
            sign_in_starts_per_address_per_minute: None,
            trusted_proxies: vec![],
            filings_in_flight: None,
            smtp_url: None,
            pagopa: None,
            s3: None,
            data_dir: None,
        }
    }
}

/// A running server with its own database.
pub struct TestApp {
    pub url: String,
    pub running: Option<Running>,
    pub db: Arc<TestDatabase>,
}

impl TestApp {
    pub fn app(&self) -> &sportello_app::App {
        &self.running.as_ref().unwrap().app
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// A demo server on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    // A demo server starts from a copy of a database on which the demo was loaded once for
    // this test binary: migrations, 273 municipalities, the catalogue adopted by each, the
    // demo staff. Start-up then finds it all there, as a restarted `serve --demo` does.
    let db = if options.demo {
        TestDatabase::from_template(demo_template().await)
            .await
            .expect("test database from the demo template")
    } else {
        TestDatabase::new().await.expect("test database")
    };
    spawn_app_on(Arc::new(db), options).await
}

/// The demo database of this test binary, made by the real start-up once, on the first use.
/// It lives as long as the process (its folder or PostgreSQL database is left behind).
async fn demo_template() -> &'static Template {
    static TEMPLATE: tokio::sync::OnceCell<(Arc<TestDatabase>, Template)> =
        tokio::sync::OnceCell::const_new();
    let (_, template) = TEMPLATE
        .get_or_init(|| async {
            let db = Arc::new(
                TestDatabase::new_template()
                    .await
                    .expect("template database"),
            );
            spawn_app_on(db.clone(), Options::default())
                .await
                .stop()
                .await;
            let store = sportello_store::Store::connect(&db.url, 2)
                .await
                .expect("template store");
            let template = db.freeze(&store).await.expect("template frozen");
            (db, template)
        })
        .await;
    template
}

/// A server on an existing database: several servers on one database behave as several
/// `sportello` processes.
pub async fn spawn_app_on(db: Arc<TestDatabase>, options: Options) -> TestApp {
    let mut env = BTreeMap::new();
    env.insert("SPORTELLO__LOG__LEVEL".to_string(), "warn".to_string());
    let mut config = Config::load(
        None,
        &env,
        &Overrides {
            listen: Some("127.0.0.1:0".into()),
            database_url: Some(db.url.clone()),
            demo: options.demo,
            ..Default::default()
        },
    )
    .expect("test configuration");
    config.database.max_connections = 5;
    // Staff passwords: argon2id's least work; a test creates and checks several.
    config.test_harness.cheap_password_hashing = true;
    config.test_harness.skip_demo_month = true;
    // A request's head within two seconds (the default is twenty): the slow-client test
    // waits for the cut-off, and no test client is that slow.
    config.server.header_read_timeout_seconds = 2;
    // Two open cases a page: every test with three or more walks the pages of the jobs' pass.
    config.jobs.cases_per_page = 2;
    // Files a test server writes (uploads) go to a folder of its own, removed with the database.
    config.server.data_dir = options.data_dir.unwrap_or_else(|| db.scratch_dir());
    if let Some(s3) = options.s3 {
        config.blobs = sportello::config::BlobsConfig {
            store: "s3".into(),
            s3_endpoint: Some(s3.endpoint),
            s3_bucket: Some(s3.bucket),
            s3_region: s3.region,
            s3_prefix: s3.prefix,
            s3_access_key_id: Some(s3.access_key_id),
            s3_secret_access_key: Some(sportello::config::Secret::from(s3.secret_access_key)),
        };
    }
    config.identity.providers = options.providers;
    config.server.public_url = options.public_url;
    config.jobs.interval_seconds = options.jobs_interval;
    if let Some(n) = options.filings_in_flight {
        config.server.filings_in_flight = n;
    }
    config.server.sign_ins_per_address_per_minute =
        options.sign_ins_per_address_per_minute.unwrap_or(100_000);
    config.participation.min_voters_to_publish = options.pb_min_voters_to_publish.unwrap_or(1);
    config.server.sign_in_starts_per_address_per_minute = options
        .sign_in_starts_per_address_per_minute
        .unwrap_or(100_000);
    config.server.trusted_proxies = options.trusted_proxies;
    config.mail.smtp_url = options.smtp_url.map(sportello::config::Secret::from);
    if let Some(pagopa) = options.pagopa {
        config.pagopa = pagopa;
    }
    let clock = options
        .clock
        .unwrap_or_else(sportello_app::App::system_clock);
    let running = sportello::start(config, clock, false)
        .await
        .expect("server starts");
    TestApp {
        url: running.public_url.clone(),
        running: Some(running),
        db,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at each one).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A form sent as a person sends it: `page` (under `url`) is read for its CSRF token, then
/// `fields` are posted with it to `action`.
pub async fn post_on(
    c: &reqwest::Client,
    url: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = text_of(c, &format!("{url}{page}")).await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&html))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    c.post(format!("{url}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The body of a GET of `url` by `c`, as text.
pub async fn text_of(c: &reqwest::Client, url: &str) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

/// A client whose cookies the test can read.
pub fn client_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

/// The `Cookie` header the jar would send to `base`.
pub fn cookie_header(jar: &reqwest::cookie::Jar, base: &str) -> String {
    use reqwest::cookie::CookieStore;
    jar.cookies(&base.parse().unwrap())
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Signs in through the demo identity provider as `persona` at `level`, following every hop
/// as a browser would. Returns the final page's path.
pub async fn demo_sign_in(
    client: &reqwest::Client,
    base: &str,
    persona: &str,
    level: &str,
) -> String {
    let start = client
        .get(format!("{base}/accedi/demo?torna=/area-personale"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.status(),
        303,
        "sign-in start redirects to the provider"
    );
    let authorize = location(&start);
    let page = client.get(&authorize).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let mut fields = form_fields(&html);
    fields.retain(|(k, _)| k != "persona" && k != "level" && k != "action");
    fields.push(("persona".into(), persona.into()));
    fields.push(("level".into(), level.into()));
    fields.push(("action".into(), "approve".into()));
    let approved = client
        .post(format!("{base}/demo-idp/authorize"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        approved.status(),
        303,
        "the provider redirects back with a code"
    );
    let callback = location(&approved);
    assert!(
        callback.starts_with(&format!("{base}/accedi/callback?")),
        "{callback}"
    );
    let done = client.get(&callback).send().await.unwrap();
    assert_eq!(
        done.status(),
        303,
        "callback: {}",
        done.text().await.unwrap_or_default()
    );
    location(&done)
}
