//! The `sportello` command: serve, migrate, import, administer. Start reading at `main`.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use sportello::config::{Config, Overrides};
use sportello_app::demo::{demo_staff, DEMO_STAFF_PASSWORD, DEMO_TOTP_SECRET};
use sportello_app::{App, AppError, Refusal};

/// The allocator: a server's requests allocate on one thread and free on another, where
/// glibc's malloc spends a large share of the click day's time (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use sportello_domain::identity::{totp, Role};

#[derive(Parser)]
#[command(
    name = "sportello",
    version,
    about = "Sportello: the digital front desk of Italian local government"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct Common {
    /// Configuration file (TOML).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database and files).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://…
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Log format: text or json.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Demo mode: the Tuscan region, the demo identity provider and demo staff accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        what: AdminCommand,
    },
    /// Benchmarks that run the real server.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// The protocol register.
    Protocollo {
        #[command(subcommand)]
        what: ProtocolloCommand,
    },
    /// The albo pretorio.
    Albo {
        #[command(subcommand)]
        what: AlboCommand,
    },
    /// Participatory budgeting: tallies of pabulib `.pb` files.
    Pb {
        #[command(subcommand)]
        what: PbCommand,
    },
    /// The regional catalogue of services.
    Catalogue {
        #[command(subcommand)]
        what: CatalogueCommand,
    },
    /// Show or check the configuration (secrets redacted).
    Config {
        #[command(subcommand)]
        what: ConfigCommand,
    },
    /// Print the version.
    Version,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// The built-in catalogue by subject matter, type of service, regime and maturity, the
    /// share of services a resident can complete online, and what the quality checks find
    /// (exit status 1 if they find anything).
    Report,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import or update municipalities from the ISTAT list (CSV with header
    /// codice_istat,denominazione,provincia,sigla_provincia,codice_catastale,popolazione).
    Comuni {
        csv: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff account. The password is read from standard input (one line).
    CreateUser {
        #[arg(long)]
        username: String,
        /// Full name shown in the interface.
        #[arg(long)]
        name: String,
        /// Role (repeatable): region-admin, ente-admin, operator, registry-clerk, responsible-officer,
        /// paas-operator, albo-officer.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// ISTAT code of the ente; omit for a region account.
        #[arg(long, value_name = "ISTAT")]
        ente: Option<String>,
        /// Work e-mail: the cases assigned to the account are notified there.
        #[arg(long, default_value = "")]
        email: String,
        #[command(flatten)]
        common: Common,
    },
    /// Issue an Open311 GeoReport v2 key to a civic app for an ente's reports. The key is
    /// printed once; only its digest is kept.
    Open311Key {
        /// ISTAT code of the ente.
        #[arg(long, value_name = "ISTAT")]
        ente: String,
        /// The app's name, as the office will see it on the reports it sends.
        #[arg(long)]
        label: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// A click day: N applicants sign in early, then all file the click-day grant at once;
    /// the register is verified afterwards. The last line printed is a JSON object.
    Clickday {
        /// Start a demo server on a fresh data directory (or on --database-url).
        #[arg(long)]
        spawn: bool,
        /// A server already running (with --database-url, to verify its register).
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long, default_value_t = 100_000)]
        applicants: usize,
        /// Submissions per second (open loop), or `max`.
        #[arg(long, default_value = "max")]
        rate: sportello::bench::Rate,
        /// The ente's ISTAT code (default Livorno).
        #[arg(long, default_value = "049009")]
        istat: String,
        /// Submissions in flight at most (and connections); in open loop a late one counts its wait.
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// First fire the same requests at a reference intake (HTTP/1.1, append to a file,
        /// group fsync: the least a durable filing service can do) and report the ratio.
        /// With `--rate half`, Sportello is then fired in open loop at half its rate.
        #[arg(long)]
        limit: bool,
    },
    /// The reference intake of `bench clickday --limit`: serves until killed.
    #[command(hide = true)]
    Intake {
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Participatory-budgeting tallies against pabutools on the same files, in the same run:
    /// parse + greedy + MES(add1), times, ratio, and whether the outcomes are identical. Fails
    /// when an outcome differs.
    Pb {
        /// Files (default: the largest approval files of data/pabulib).
        files: Vec<PathBuf>,
        /// Every approval file of data/pabulib.
        #[arg(long)]
        all: bool,
        /// Python interpreter with pabutools==1.2.3 installed.
        #[arg(long, default_value = "python3")]
        python: String,
        /// Fail when pabutools cannot run (rather than report only Sportello's times).
        #[arg(long)]
        require_reference: bool,
    },
    /// Signs numbered test person `persona` (`prova-N`) in at a running demo server through the
    /// demo identity provider and prints an API token: for API tools run against the demo
    /// (schemathesis in CI).
    Token {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1)]
        persona: usize,
    },
    /// Floods a fresh demo server as an attacker would (held uploads, large uploads, password
    /// guesses, sign-in starts, made-up methods, slow clients) for a fixed time while a
    /// citizen files; fails if the server's memory reaches 512 MB or a filing fails.
    Abuse {
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Run against PostgreSQL (a fresh database) instead of a new SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The albo pretorio of a region (a million acts by default) against 1,000 acts: the
    /// board, its searches and an act's page, p50/p99 and their ratio (issue 18). The last line
    /// printed is a JSON object.
    Albo {
        #[arg(long, default_value_t = 1_000_000)]
        acts: usize,
        /// Run against PostgreSQL (a fresh database) instead of a new SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The times dashboards (issue 19) of a region with ten million cases against the same
    /// with 1,000: Livorno's and the region's, p50/p99 and their ratio. The last line printed
    /// is a JSON object.
    Times {
        #[arg(long, default_value_t = 10_000_000)]
        cases: usize,
        /// Run against PostgreSQL (a fresh database) instead of a new SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Ten years of a region's filings (ten million by default) against 1,000, in the same
    /// run (issue 21): the office's queue, case pages, the register, the personal area, the
    /// public pages and the API, p50/p99 and their ratio, and the servers' peak memory. The
    /// last line printed is a JSON object.
    Region {
        #[arg(long, default_value_t = 10_000_000)]
        applications: usize,
        /// The small region's filings.
        #[arg(long, default_value_t = 1_000)]
        small: usize,
        /// PostgreSQL: a fresh database for the large region (with --small-database-url).
        #[arg(long)]
        database_url: Option<String>,
        /// PostgreSQL: a fresh database for the small region.
        #[arg(long)]
        small_database_url: Option<String>,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Requests per page and region.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// SQLite: build each region in a directory under this one and keep it; a later run
        /// with the same sizes and seed measures the regions kept there instead of building
        /// them again.
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
    },
    /// Payments (issue 17): an office imports N positions from a CSV with their notices, then a
    /// day's N receipts and the PSP's flow naming them are reconciled — at N and at N/100 in
    /// the same run. The last line printed is a JSON object.
    Payments {
        #[arg(long, default_value_t = 100_000)]
        positions: usize,
        /// Run against PostgreSQL (a fresh database) instead of a new SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The power goes during a click day: SIGKILL the server mid-way, restart it, and check
    /// that every acknowledged filing survived, numbers gapless, chain intact. Several runs,
    /// each killing at a different moment. Exits non-zero on any loss.
    Crash {
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[arg(long, default_value_t = 300)]
        applicants: usize,
        #[arg(long, default_value = "049009")]
        istat: String,
    },
}

#[derive(Subcommand)]
enum PbCommand {
    /// Count a pabulib file under a rule and print the funded projects (ties broken by project
    /// id in lexicographic order, as pabutools does).
    Tally {
        file: PathBuf,
        #[arg(long, value_enum)]
        rule: sportello::pb::RuleName,
        /// Utility for `mes`.
        #[arg(long, value_enum, default_value = "cost")]
        utility: sportello::pb::UtilityName,
        /// Completion for `mes`: raise every voter's share by one unit until the budget is
        /// spent exhaustively (add1), or none.
        #[arg(long, value_enum, default_value = "add1")]
        completion: sportello::pb::CompletionName,
        /// For `mes`: afterwards fund by approval count what still fits.
        #[arg(long)]
        greedy_completion: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Create a historical participatory budget of an ente from a pabulib file: its projects
    /// and its ballots, as one closed vote with its results. A malformed file imports nothing.
    Import {
        file: PathBuf,
        /// ISTAT code of the ente.
        #[arg(long, value_name = "ISTAT")]
        ente: String,
        /// Short address of the process (default: from the file name).
        #[arg(long)]
        slug: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum AlboCommand {
    /// Verify an ente's albo: every event of its chain (publications, annulments, extensions,
    /// ends, heartbeats, outages) in sequence and linked. Exits non-zero when anything was
    /// changed, removed or inserted behind the program's back.
    Verify {
        /// ISTAT code of the ente.
        istat: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum ProtocolloCommand {
    /// Verify an ente's register: hashes, chain links, no gaps or duplicates. Exits non-zero
    /// when anything was changed, removed or inserted behind the program's back.
    Verify {
        /// ISTAT code of the ente.
        istat: String,
        #[arg(long)]
        year: Option<i64>,
        #[command(flatten)]
        common: Common,
    },
    /// Write an ente's daily register of a day (YYYY-MM-DD) as PDF and JSON, and print their
    /// SHA-256 digests.
    Daily {
        istat: String,
        day: String,
        /// Folder to write `registro-<istat>-<day>.pdf` and `.json` into.
        #[arg(long, default_value = ".")]
        out: std::path::PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Import the emergency register (art. 63 DPR 445/2000) from a CSV file: every line gets
    /// the next regular number and keeps its emergency number. All lines or none.
    Emergenza {
        istat: String,
        file: std::path::PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration.
    Show {
        #[command(flatten)]
        common: Common,
    },
    /// Validate the configuration and exit.
    Check {
        #[command(flatten)]
        common: Common,
    },
}

fn load_config(common: &Common, listen: Option<String>, demo: bool) -> anyhow::Result<Config> {
    let env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("SPORTELLO__"))
        .collect();
    let overrides = Overrides {
        listen,
        data_dir: common.data_dir.clone(),
        database_url: common.database_url.clone(),
        log_format: common.log_format.clone(),
        demo,
    };
    Config::load(common.config.as_deref(), &env, &overrides).map_err(anyhow::Error::msg)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

/// A use case's error in the words of the message catalogue (Italian, as the tools speak).
fn in_words(e: &AppError) -> String {
    sportello_web::error_text(sportello_web::Lang::It, e)
}

async fn app_for_command(config: &Config) -> anyhow::Result<App> {
    let store = sportello::open_store(config).await?;
    let public_url = config
        .server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.server.listen));
    sportello::build_app(config, store, public_url, App::system_clock()).await
}

/// Writes to standard output, ignoring a closed pipe: a server must not stop because whoever
/// started it stopped reading.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn print_demo_banner(url: &str) {
    let mut text = format!(
        "\n  Sportello — DEMO della Regione Toscana (273 comuni)\n  Apri {url}/ nel browser.\n\n  \
         Cittadini: «Accedi all'area personale» → fornitore di identità demo → scegli una persona.\n  \
         Operatori: {url}/staff/accedi — password di tutti gli account demo: {DEMO_STAFF_PASSWORD}\n"
    );
    for (username, _, _, role) in demo_staff() {
        text.push_str(&format!("    {username:<24} {}\n", role.code()));
    }
    text.push_str(&format!(
        "  Gli amministratori usano anche un codice TOTP: segreto {DEMO_TOTP_SECRET}\n  \
         (aggiungilo a un'app di autenticazione, o: oathtool --totp -b {DEMO_TOTP_SECRET}).\n\n"
    ));
    say(&text);
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Version => {
            println!("sportello {}", env!("CARGO_PKG_VERSION"));
        }
        Command::Serve {
            common,
            listen,
            demo,
        } => {
            let config = load_config(&common, listen, demo)?;
            init_logging(&config);
            let running = sportello::start(config, App::system_clock(), true).await?;
            if demo {
                print_demo_banner(&running.public_url);
            } else {
                say(&format!(
                    "Sportello in ascolto su {}/\n",
                    running.public_url
                ));
            }
            running.wait().await?;
        }
        Command::Migrate { common } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            sportello::open_store(&config).await?;
            println!("database migrated");
        }
        Command::Import {
            what: ImportCommand::Comuni { csv, common },
        } => {
            let config = load_config(&common, None, false)?;
            let text = std::fs::read_to_string(&csv)
                .with_context(|| format!("cannot read {}", csv.display()))?;
            // Parse before touching the database: a bad file changes nothing, not even the schema.
            sportello_app::tenancy::parse_municipalities(&text).map_err(|e| {
                anyhow::anyhow!("{}: {}", csv.display(), in_words(&AppError::Import(e)))
            })?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let outcome = app
                .import_municipalities(&text)
                .await
                .map_err(|e| anyhow::anyhow!(in_words(&e)))?;
            println!(
                "comuni: {} inseriti, {} aggiornati, {} invariati",
                outcome.inserted, outcome.updated, outcome.unchanged
            );
        }
        Command::Admin {
            what:
                AdminCommand::CreateUser {
                    username,
                    name,
                    roles,
                    ente,
                    email,
                    common,
                },
        } => {
            let config = load_config(&common, None, false)?;
            let roles = roles
                .iter()
                .map(|r| Role::parse(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!(in_words(&Refusal::Role(e).into())))?;
            if std::io::stdin().is_terminal() {
                eprint!("Password (almeno 12 caratteri): ");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let created = app
                .identity()
                .create_staff(sportello_app::staff::NewStaff {
                    istat: ente,
                    username: username.clone(),
                    display_name: name,
                    password,
                    roles,
                    totp_secret: None,
                    email,
                })
                .await
                .map_err(|e| anyhow::anyhow!(in_words(&e)))?;
            println!("account {username} creato (id {})", created.id);
            if let Some(secret) = created.totp_secret {
                let bytes = totp::decode_secret(&secret).unwrap_or_default();
                println!("secondo fattore: aggiungi all'app di autenticazione");
                println!("  {}", totp::otpauth_uri("Sportello", &username, &bytes));
            }
        }
        Command::Admin {
            what:
                AdminCommand::Open311Key {
                    ente,
                    label,
                    common,
                },
        } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let found = app
                .ente_by_istat(&ente)
                .await
                .map_err(|_| anyhow::anyhow!("nessun ente con codice ISTAT {ente}"))?;
            let key = app
                .reports()
                .issue_key_for(found.ente_id(), &label)
                .await
                .map_err(|e| anyhow::anyhow!(in_words(&e)))?;
            println!("{key}");
        }
        Command::Albo {
            what: AlboCommand::Verify { istat, common },
        } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let ente = app
                .ente_by_istat(&istat)
                .await
                .map_err(|_| anyhow::anyhow!("nessun ente con codice ISTAT {istat}"))?;
            let (events, faults) = app
                .albo()
                .verify(ente.ente_id())
                .await
                .map_err(|e| anyhow::anyhow!(in_words(&e)))?;
            if faults.is_empty() {
                say(&format!("albo {istat}: {events} eventi, catena integra\n"));
            } else {
                let mut text =
                    format!("albo {istat}: {events} eventi, {} problemi\n", faults.len());
                for f in &faults {
                    text.push_str(&format!("  {f}\n"));
                }
                say(&text);
                anyhow::bail!("l'albo {istat} non è integro");
            }
        }
        Command::Protocollo {
            what:
                ProtocolloCommand::Verify {
                    istat,
                    year,
                    common,
                },
        } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let v = app
                .registry()
                .verify_register(&istat, year)
                .await
                .map_err(|e| match e {
                    sportello_app::AppError::NotFound => {
                        anyhow::anyhow!("nessun ente con codice ISTAT {istat}")
                    }
                    other => anyhow::anyhow!(in_words(&other)),
                })?;
            if v.problems.is_empty() {
                say(&format!(
                    "registro {}: {} registrazioni, integro\n",
                    v.aoo, v.registrations
                ));
            } else {
                let mut text = format!(
                    "registro {}: {} registrazioni, {} problemi\n",
                    v.aoo,
                    v.registrations,
                    v.problems.len()
                );
                for p in &v.problems {
                    text.push_str(&format!("  {p}\n"));
                }
                say(&text);
                anyhow::bail!("il registro di protocollo {} non è integro", v.aoo);
            }
        }
        Command::Protocollo {
            what:
                ProtocolloCommand::Daily {
                    istat,
                    day,
                    out,
                    common,
                },
        } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let r = app
                .registry()
                .daily_register(&istat, &day)
                .await
                .map_err(|e| match e {
                    sportello_app::AppError::NotFound => {
                        anyhow::anyhow!("nessun ente con codice ISTAT {istat}")
                    }
                    other => anyhow::anyhow!(in_words(&other)),
                })?;
            let pdf = out.join(format!("registro-{istat}-{}.pdf", r.day));
            let json = out.join(format!("registro-{istat}-{}.json", r.day));
            std::fs::write(&pdf, &r.pdf)
                .with_context(|| format!("cannot write {}", pdf.display()))?;
            std::fs::write(&json, &r.json)
                .with_context(|| format!("cannot write {}", json.display()))?;
            say(&format!(
                "registro giornaliero {} del {}: {} registrazioni\n  {}  sha256 {}\n  {}  sha256 {}\n",
                r.aoo,
                r.day,
                r.registrations,
                pdf.display(),
                r.pdf_sha256,
                json.display(),
                r.json_sha256
            ));
        }
        Command::Protocollo {
            what:
                ProtocolloCommand::Emergenza {
                    istat,
                    file,
                    common,
                },
        } => {
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let app = app_for_command(&config).await?;
            let given = app
                .registry()
                .import_emergency_register(&istat, &text)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), in_words(&e)))?;
            let mut text = format!(
                "registro di emergenza importato: {} registrazioni\n",
                given.len()
            );
            for (emergency, regular) in &given {
                text.push_str(&format!("  emergenza {emergency} → protocollo {regular}\n"));
            }
            say(&text);
        }
        Command::Bench {
            what:
                BenchCommand::Clickday {
                    spawn,
                    url,
                    database_url,
                    applicants,
                    rate,
                    istat,
                    concurrency,
                    limit,
                },
        } => {
            let report = sportello::bench::clickday(sportello::bench::ClickdayArgs {
                spawn,
                url,
                database_url,
                applicants,
                rate,
                istat,
                concurrency,
                limit,
            })
            .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what: BenchCommand::Intake { listen, dir },
        } => {
            sportello::bench_intake::intake(listen, dir).await?;
        }
        Command::Bench {
            what:
                BenchCommand::Crash {
                    runs,
                    applicants,
                    istat,
                },
        } => {
            let report = sportello::bench_crash::crash(sportello::bench_crash::CrashArgs {
                runs,
                applicants,
                istat,
            })
            .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what:
                BenchCommand::Payments {
                    positions,
                    database_url,
                },
        } => {
            let report =
                sportello::bench_payments::payments(sportello::bench_payments::PaymentsArgs {
                    positions,
                    database_url,
                })
                .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what:
                BenchCommand::Region {
                    applications,
                    small,
                    database_url,
                    small_database_url,
                    seed,
                    requests,
                    keep,
                },
        } => {
            let report = sportello::bench_region::region(sportello::bench_region::RegionArgs {
                applications,
                small,
                database_url,
                small_database_url,
                seed,
                requests,
                keep,
            })
            .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what:
                BenchCommand::Times {
                    cases,
                    database_url,
                },
        } => {
            let report = sportello::bench_times::times(sportello::bench_times::TimesArgs {
                cases,
                database_url,
            })
            .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what: BenchCommand::Albo { acts, database_url },
        } => {
            let report =
                sportello::bench_albo::albo(sportello::bench_albo::AlboArgs { acts, database_url })
                    .await?;
            say(&format!("{report}\n"));
        }
        Command::Bench {
            what: BenchCommand::Token { url, persona },
        } => {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?;
            let token =
                sportello::bench::sign_in(&client, url.trim_end_matches('/'), persona).await?;
            say(&format!("{token}\n"));
        }
        Command::Bench {
            what:
                BenchCommand::Abuse {
                    seconds,
                    database_url,
                },
        } => {
            let report = sportello::bench_abuse::abuse(sportello::bench_abuse::AbuseArgs {
                seconds,
                database_url,
            })
            .await?;
            say(&format!("{report}\n"));
        }
        Command::Pb {
            what:
                PbCommand::Tally {
                    file,
                    rule,
                    utility,
                    completion,
                    greedy_completion,
                    json,
                },
        } => {
            let election = sportello::pb::read(&file)?;
            let args = sportello::pb::TallyArgs {
                rule,
                utility,
                completion,
                greedy_completion,
                json,
            };
            let outcome = sportello::pb::tally(&election, &args)?;
            println!(
                "{}",
                sportello::pb::report(&election, &outcome, &args).trim_end()
            );
        }
        Command::Bench {
            what:
                BenchCommand::Pb {
                    files,
                    all,
                    python,
                    require_reference,
                },
        } => {
            let report = sportello::pb::bench(sportello::pb::BenchArgs {
                files,
                all,
                python,
                require_reference,
            })?;
            say(&format!("{report}\n"));
        }
        Command::Pb {
            what:
                PbCommand::Import {
                    file,
                    ente,
                    slug,
                    common,
                },
        } => {
            // Parse before touching the database: a bad file changes nothing.
            let election = sportello::pb::read(&file)?;
            let slug = slug.unwrap_or_else(|| sportello::pb::slug_from(&file));
            let config = load_config(&common, None, false)?;
            init_logging(&config);
            let app = app_for_command(&config).await?;
            let row = match app.ente_by_istat(&ente).await {
                Ok(row) => row,
                Err(sportello_app::AppError::NotFound) => {
                    anyhow::bail!("no ente with ISTAT code {ente}")
                }
                Err(e) => return Err(e.into()),
            };
            let (projects, ballots) = app
                .participation()
                .import_pb(&row, &slug, &election)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), in_words(&e)))?;
            println!(
                "bilancio partecipativo importato: /{}/bilancio-partecipativo/{slug} ({projects} progetti, {ballots} schede)",
                row.slug
            );
        }
        Command::Catalogue {
            what: CatalogueCommand::Report,
        } => {
            let report = sportello_app::catalogue::report().map_err(|e| anyhow::anyhow!(e))?;
            print!("{report}");
            if !sportello_app::catalogue::quality_problems().is_empty() {
                anyhow::bail!("the catalogue does not pass its quality checks");
            }
        }
        Command::Config { what } => {
            let (common, show) = match what {
                ConfigCommand::Show { common } => (common, true),
                ConfigCommand::Check { common } => (common, false),
            };
            let config = load_config(&common, None, false)?;
            if show {
                print!("{}", config.to_redacted_toml());
            } else {
                println!("configuration valid");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": ").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
