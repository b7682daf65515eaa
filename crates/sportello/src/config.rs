//! Configuration: defaults, then a TOML file, then `SPORTELLO__SECTION__KEY` environment
//! variables, then command-line flags. Unknown keys are refused by name; secrets never print.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The configuration file format's version.
pub const CONFIG_VERSION: u32 = 1;

/// A value that must never appear in logs or printed configuration. (A secret of digits given
/// in the environment is read as text all the same.)
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(#[serde(deserialize_with = "digits_text")] String);

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub version: u32,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub session: SessionConfig,
    #[serde(default)]
    pub identity: IdentityConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub jobs: JobsConfig,
    #[serde(default)]
    pub region: RegionConfig,
    #[serde(default)]
    pub participation: ParticipationConfig,
    #[serde(default)]
    pub pagopa: PagoPaConfig,
    #[serde(default)]
    pub blobs: BlobsConfig,
    /// Set by the test harness alone: no configuration file or environment variable reaches it.
    #[serde(skip)]
    pub test_harness: TestHarness,
}

/// The region the deployment serves; Tuscany by default (the demo's region).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegionConfig {
    /// ISTAT region code, two digits: the municipalities imported are this region's. Written
    /// as a string (`"09"`) or, from the environment, as a number (`10`).
    #[serde(deserialize_with = "code_text")]
    pub code: String,
    /// As pages name it.
    pub name: String,
    /// The regional administrative court, named in decisions as the remedy.
    pub administrative_court: String,
    /// The region's IPA code, for the open-data catalogue.
    pub ipa_code: String,
    /// Where to write about the open data.
    pub data_email: String,
}

/// A code of digits given as text or, from the environment, as a whole number (leading zeros
/// of a number are lost: write it quoted in a file).
fn digits_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(u64),
        Signed(i64),
    }
    Ok(match Code::deserialize(d)? {
        Code::Text(t) => t,
        Code::Number(n) => n.to_string(),
        Code::Signed(n) => n.to_string(),
    })
}

/// A code given as text or as a whole number (two digits: `9` reads as `09`).
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(u32),
    }
    Ok(match Code::deserialize(d)? {
        Code::Text(t) => t,
        Code::Number(n) => format!("{n:02}"),
    })
}

impl Default for RegionConfig {
    fn default() -> Self {
        let r = sportello_domain::tenancy::Region::toscana();
        Self {
            code: r.code,
            name: r.name,
            administrative_court: r.administrative_court,
            ipa_code: r.ipa_code,
            data_email: r.data_email,
        }
    }
}

/// What only the test harness (`sportello-testkit`) may change.
#[derive(Debug, Clone, Default)]
pub struct TestHarness {
    /// Staff passwords hashed with argon2id's least work (`PasswordCost::Minimal`).
    pub cheap_password_hashing: bool,
    /// `--demo` without the month of seeded work: the tests count what they file themselves.
    pub skip_demo_month: bool,
}

/// Where uploaded and generated files live: `filesystem` (under the data directory, the
/// embedded default) or `s3` (S3-compatible object storage, for several processes).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlobsConfig {
    /// `filesystem` or `s3`.
    pub store: String,
    /// The object storage's address, e.g. `https://s3.example.it`.
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    /// The signing region (`garage` for Garage; `us-east-1` for many others).
    pub s3_region: String,
    /// Keys go under this prefix, e.g. `sportello/`.
    pub s3_prefix: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        Self {
            store: "filesystem".into(),
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_prefix: String::new(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
        }
    }
}

impl BlobsConfig {
    /// The object storage's settings when `store = "s3"`, checked; `None` for the filesystem.
    pub fn s3(&self) -> Result<Option<sportello_app::s3::S3Settings>, String> {
        match self.store.as_str() {
            "filesystem" => Ok(None),
            "s3" => {
                let need = |v: &Option<String>, name: &str| {
                    v.clone()
                        .filter(|v| !v.trim().is_empty())
                        .ok_or_else(|| format!("blobs.{name}: needed when blobs.store = \"s3\""))
                };
                let settings = sportello_app::s3::S3Settings {
                    endpoint: need(&self.s3_endpoint, "s3_endpoint")?,
                    bucket: need(&self.s3_bucket, "s3_bucket")?,
                    region: self.s3_region.clone(),
                    prefix: self.s3_prefix.clone(),
                    access_key_id: need(&self.s3_access_key_id, "s3_access_key_id")?,
                    secret_access_key: need(
                        &self
                            .s3_secret_access_key
                            .as_ref()
                            .map(|s| s.expose().to_owned()),
                        "s3_secret_access_key",
                    )?,
                };
                settings.check().map_err(|e| format!("blobs: {e}"))?;
                Ok(Some(settings))
            }
            other => Err(format!(
                "blobs.store: `{other}` is neither \"filesystem\" nor \"s3\""
            )),
        }
    }
}

/// Outgoing e-mail. Without `smtp_url` notifications wait in the outbox (nothing is lost) until
/// a server is configured.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtp://user:password@host:587?tls=required`, `smtps://host`.
    pub smtp_url: Option<Secret>,
    /// The sender, `Name <address>`.
    pub from: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Sportello <noreply@sportello.invalid>".into(),
        }
    }
}

/// The connection to pagoPA: the regional intermediary's station. Without `gpd_url` positions
/// are payable at the ente only (the demo), and nothing is published.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagoPaConfig {
    /// The Debt Position service (GPD) external API, v1, e.g.
    /// `https://api.platform.pagopa.it/gpd/debt-positions-service/v1`.
    pub gpd_url: Option<String>,
    /// The reporting flows' API (FdR, organizations' side), e.g.
    /// `https://api.platform.pagopa.it/fdr-org/service/v1`.
    pub fdr_url: Option<String>,
    /// The subscription key of the intermediary (`Ocp-Apim-Subscription-Key`): one key for
    /// every creditor fiscal code of the region.
    pub subscription_key: Option<Secret>,
    /// The checkout's cart API, e.g. `https://api.platform.pagopa.it/checkout/ec/v1`.
    pub checkout_url: Option<String>,
    /// The origin of the checkout's pages the browser is sent to (`https://checkout.pagopa.it`);
    /// by default the cart API's own.
    pub checkout_origin: Option<String>,
    /// The intermediary's fiscal code (idBrokerPA) and station (idStation), as the receipts
    /// name them. (Digits only: the environment may give them as a number.)
    #[serde(deserialize_with = "digits_text")]
    pub broker_fiscal_code: String,
    pub station_id: String,
    /// The bearer token the node's gateway presents with each receipt (`paSendRT`): stands in
    /// for the mutual TLS between the node and the station, which a reverse proxy terminates.
    pub node_token: Option<Secret>,
}

/// Participatory budgets.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParticipationConfig {
    /// A vote's per-project counts and anonymous ballot files are published only when at least
    /// this many people voted: with fewer, a ballot could be tied to a person.
    pub min_voters_to_publish: u32,
}

impl Default for ParticipationConfig {
    fn default() -> Self {
        Self {
            min_voters_to_publish: 20,
        }
    }
}

/// Scheduled jobs (deadlines, notifications, the daily register).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Seconds between passes; 0 turns the jobs off in this process (another runs them).
    pub interval_seconds: u64,
    /// Open cases the deadlines job loads at once (a page; the pass goes through them all).
    pub cases_per_page: u32,
    /// Seconds between the albo's heartbeats (at most one per interval); a gap longer than
    /// two intervals is an outage that lengthens the periods it interrupted.
    pub albo_beat_seconds: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            interval_seconds: 30,
            cases_per_page: 500,
            albo_beat_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// The address people reach the portal at; default: `http://` + the listening address.
    pub public_url: Option<String>,
    /// Where the SQLite database and other files live.
    pub data_dir: PathBuf,
    /// `auto` (Secure unless the public URL is plain-HTTP loopback), `always`, or `never`.
    pub secure_cookies: String,
    /// Filings handled at once; beyond, 503 with Retry-After (docs/design/group-commit.md).
    pub filings_in_flight: usize,
    /// How long a client may take to send a request's head, in seconds: a slow client
    /// (slowloris) is cut off after it, and holds no connection longer.
    pub header_read_timeout_seconds: u64,
    /// Staff sign-in attempts one client address may make a minute; beyond, 429 before any
    /// password is checked (each account is also locked after its own failures).
    pub sign_ins_per_address_per_minute: u32,
    /// Citizens' sign-in starts one client address may make a minute (each writes a sign-in
    /// flow); beyond, 429.
    pub sign_in_starts_per_address_per_minute: u32,
    /// Addresses of the reverse proxies in front (e.g. `["10.0.0.2"]`): from them, the client's
    /// address is taken from `X-Forwarded-For`; from anyone else that header is ignored.
    pub trusted_proxies: Vec<String>,
    /// The built-in demo region, demo identity provider and demo staff. Set by `--demo` only.
    #[serde(skip_deserializing)]
    pub demo: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("./sportello-data"),
            secure_cookies: "auto".into(),
            filings_in_flight: sportello_web::FILINGS_IN_FLIGHT,
            header_read_timeout_seconds: 20,
            sign_ins_per_address_per_minute: 20,
            sign_in_starts_per_address_per_minute: 60,
            trusted_proxies: Vec::new(),
            demo: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; default: `sportello.db` in the data directory.
    pub url: Option<Secret>,
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `sportello=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// How long a session lasts after sign-in.
    pub ttl_minutes: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self { ttl_minutes: 480 }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    pub providers: Vec<ProviderConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Short id used in URLs: `spid`, `cie`.
    pub id: String,
    /// Button label: `SPID`, `CIE`.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    /// For `client_secret_basic`.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// For `private_key_jwt`: a PEM file with the RSA or EC private key.
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub key_id: Option<String>,
}

/// Values given on the command line, which win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub demo: bool,
}

impl Config {
    /// Loads and validates the configuration. Touches nothing on disk but reading the file.
    pub fn load(
        file: Option<&std::path::Path>,
        env: &BTreeMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Self, String> {
        let mut root: toml::Table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!("cannot read configuration file {}: {e}", path.display())
                })?;
                text.parse().map_err(|e: toml::de::Error| {
                    format!(
                        "configuration file {}: {}",
                        path.display(),
                        one_line(&e.to_string())
                    )
                })?
            }
            None => toml::Table::new(),
        };
        root.entry("version")
            .or_insert(toml::Value::Integer(i64::from(CONFIG_VERSION)));
        apply_env(&mut root, env)?;
        let mut config: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| format!("configuration: {}", one_line(&e.to_string())))?;
        if config.version != CONFIG_VERSION {
            return Err(format!(
                "configuration: version {} is not supported (this program reads version {CONFIG_VERSION})",
                config.version
            ));
        }
        if let Some(listen) = &overrides.listen {
            config.server.listen = listen.clone();
        }
        if let Some(dir) = &overrides.data_dir {
            config.server.data_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            config.database.url = Some(Secret(url.clone()));
        }
        if let Some(format) = &overrides.log_format {
            config.log.format = format.clone();
        }
        config.server.demo = overrides.demo;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        self.listen_addr()?;
        sportello_store::Backend::check_url(&self.database_url())
            .map_err(|e| format!("database.url: {e}"))?;
        if let Some(url) = &self.server.public_url {
            let parsed = url::Url::parse(url).map_err(|e| format!("server.public_url: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err("server.public_url: must start with http:// or https://".into());
            }
        }
        if let Some(url) = &self.mail.smtp_url {
            sportello_app::mail::Mailer::new(url.expose(), &self.mail.from)?;
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(format!(
                "log.format: `{}` is not `text` or `json`",
                self.log.format
            ));
        }
        if !matches!(
            self.server.secure_cookies.as_str(),
            "auto" | "always" | "never"
        ) {
            return Err(format!(
                "server.secure_cookies: `{}` is not `auto`, `always` or `never`",
                self.server.secure_cookies
            ));
        }
        let r = &self.region;
        if r.code.len() != 2 || !r.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "region.code: `{}` is not an ISTAT region code (two digits, Toscana: 09)",
                r.code
            ));
        }
        if r.name.trim().is_empty() || r.administrative_court.trim().is_empty() {
            return Err("region.name and region.administrative_court must not be empty".into());
        }
        self.blobs.s3()?;
        if !(1..=1000).contains(&self.database.max_connections) {
            return Err("database.max_connections: must be between 1 and 1000".into());
        }
        if !(5..=7 * 24 * 60).contains(&self.session.ttl_minutes) {
            return Err("session.ttl_minutes: must be between 5 and 10080".into());
        }
        for p in &self.identity.providers {
            if p.id.is_empty()
                || !p
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!(
                    "identity.providers: id `{}` must be lower-case letters, digits, hyphens",
                    p.id
                ));
            }
            if p.id == sportello_app::demo_idp::PROVIDER_ID {
                return Err(
                    "identity.providers: id `demo` is reserved for the demo provider".into(),
                );
            }
            let issuer = url::Url::parse(&p.issuer)
                .map_err(|e| format!("identity.providers.{}.issuer: {e}", p.id))?;
            let loopback = matches!(issuer.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if issuer.scheme() != "https" && !(issuer.scheme() == "http" && loopback) {
                return Err(format!("identity.providers.{}.issuer: must be https:// (http:// only on loopback, for tests)", p.id));
            }
            if p.client_secret.is_some() && p.private_key_file.is_some() {
                return Err(format!(
                    "identity.providers.{}: give client_secret or private_key_file, not both",
                    p.id
                ));
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        self.server.listen.parse().map_err(|_| {
            format!(
                "server.listen: `{}` is not an address such as 127.0.0.1:8080",
                self.server.listen
            )
        })
    }

    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.expose().to_string(),
            None => format!(
                "sqlite://{}",
                self.server.data_dir.join("sportello.db").display()
            ),
        }
    }

    /// The configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|e| format!("# cannot print the configuration: {e}\n"))
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `SPORTELLO__DATABASE__URL=…` sets `[database] url`. Values that parse as TOML numbers or
/// booleans are taken as such — but not with an underscore, which TOML reads as a digit
/// separator (a pagoPA station id, `80001234567_01`, is text); everything else is a string.
fn apply_env(root: &mut toml::Table, env: &BTreeMap<String, String>) -> Result<(), String> {
    for (name, raw) in env {
        let Some(path) = name.strip_prefix("SPORTELLO__") else {
            continue;
        };
        let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        if keys.iter().any(String::is_empty) {
            return Err(format!("environment variable {name}: empty key"));
        }
        let parsed = if raw.contains('_') {
            Err(())
        } else {
            format!("v = {raw}").parse::<toml::Table>().map_err(|_| ())
        };
        let value = match parsed {
            Ok(mut t) => match t.remove("v") {
                Some(
                    v @ (toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_)),
                ) => v,
                _ => toml::Value::String(raw.clone()),
            },
            Err(_) => toml::Value::String(raw.clone()),
        };
        let (last, parents) = keys
            .split_last()
            .ok_or_else(|| format!("environment variable {name}: no key"))?;
        let mut table = &mut *root;
        for key in parents {
            let entry = table
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = entry
                .as_table_mut()
                .ok_or_else(|| format!("environment variable {name}: `{key}` is not a section"))?;
        }
        table.insert(last.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_env_and_flags() {
        let c = Config::load(None, &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.database_url(), "sqlite://./sportello-data/sportello.db");
        let c = Config::load(
            None,
            &env(&[
                ("SPORTELLO__DATABASE__MAX_CONNECTIONS", "20"),
                ("SPORTELLO__LOG__FORMAT", "json"),
                ("OTHER", "x"),
            ]),
            &Overrides {
                listen: Some("127.0.0.1:9000".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.database.max_connections, 20);
        assert_eq!(c.log.format, "json");
        assert_eq!(c.server.listen, "127.0.0.1:9000");
    }

    #[test]
    fn pagopa_codes_from_the_environment_stay_text() {
        let c = Config::load(
            None,
            &env(&[
                ("SPORTELLO__PAGOPA__BROKER_FISCAL_CODE", "80001234567"),
                ("SPORTELLO__PAGOPA__STATION_ID", "80001234567_01"),
                ("SPORTELLO__PAGOPA__SUBSCRIPTION_KEY", "1234"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.pagopa.broker_fiscal_code, "80001234567");
        assert_eq!(c.pagopa.station_id, "80001234567_01");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::load(
            None,
            &env(&[("SPORTELLO__SERVER__LISTN", "x")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.contains("unknown field `listn`"), "{err}");
        let err = Config::load(
            None,
            &env(&[("SPORTELLO__NOPE__X", "1")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.contains("unknown field `nope`"), "{err}");
        let dir = std::env::temp_dir().join(format!("sportello-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "version = 1\n[database]\nurl = \"sqlite://x.db\"\npool = 3\n",
        )
        .unwrap();
        let err = Config::load(Some(&file), &env(&[]), &Overrides::default()).unwrap_err();
        assert!(err.contains("unknown field `pool`"), "{err}");
        assert!(!err.contains('\n'));
        std::fs::write(&file, "version = 2\n").unwrap();
        assert!(Config::load(Some(&file), &env(&[]), &Overrides::default())
            .unwrap_err()
            .contains("version 2"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_documented_example_is_valid() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/sportello.example.toml");
        let c = Config::load(Some(&file), &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.session.ttl_minutes, 480);
    }

    #[test]
    fn bad_values_and_secrets() {
        let bad = |pairs: &[(&str, &str)]| {
            Config::load(None, &env(pairs), &Overrides::default()).unwrap_err()
        };
        assert!(bad(&[("SPORTELLO__DATABASE__URL", "mysql://db")])
            .contains("unsupported database URL scheme `mysql`"));
        assert!(bad(&[("SPORTELLO__SERVER__LISTEN", "here")]).contains("server.listen"));
        assert!(bad(&[("SPORTELLO__DATABASE__URL", "postgres://[bad")])
            .contains("malformed database URL"));
        assert!(bad(&[("SPORTELLO__DATABASE__URL", "sqlite://")]).contains("names no file"));
        assert!(bad(&[("SPORTELLO__LOG__FORMAT", "xml")]).contains("log.format"));
        assert!(bad(&[("SPORTELLO__REGION__CODE", "\"9\"")]).contains("region.code"));
        assert!(bad(&[("SPORTELLO__REGION__CODE", "123")]).contains("region.code"));
        let umbria = Config::load(
            None,
            &env(&[
                ("SPORTELLO__REGION__CODE", "10"),
                ("SPORTELLO__REGION__NAME", "Regione Umbria"),
                ("SPORTELLO__REGION__ADMINISTRATIVE_COURT", "TAR dell'Umbria"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            (umbria.region.code.as_str(), umbria.region.name.as_str()),
            ("10", "Regione Umbria")
        );
        assert_eq!(
            Config::load(None, &env(&[]), &Overrides::default())
                .unwrap()
                .region
                .administrative_court,
            "TAR della Toscana"
        );
        let c = Config::load(
            None,
            &env(&[("SPORTELLO__DATABASE__URL", "postgres://u:hunter2@h/db")]),
            &Overrides::default(),
        )
        .unwrap();
        let printed = c.to_redacted_toml();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
