//! `sportello bench clickday`: a click day against a real server over HTTP on loopback.
//!
//! 1. Server: started here (`--spawn`, a `sportello serve --demo` child on a fresh data
//!    directory, or on `--database-url`) or given (`--url` with `--database-url`).
//! 2. The ente's click-day window is opened now.
//! 3. Preparation: N distinct applicants (`prova-N` at the demo identity provider) each sign in
//!    through the whole OpenID Connect flow and take an API token, before the window "opens".
//! 4. Firing: every applicant files the click-day grant once, with its own Idempotency-Key,
//!    open-loop at `--rate` per second or as fast as possible (`--rate max`). A submission is
//!    acknowledged when the server answers with its registration number; the answer must name
//!    the applicant's own codice fiscale. The municipality's home page is sampled meanwhile
//!    (one request at a time, 10 ms apart).
//! 5. Verification through the register itself: acknowledged = registrations, no gaps, no
//!    duplicates, numbers in the order of the server's registration times, hash chain intact.
//!
//! The last line printed is one JSON object with the figures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::bench_http;

/// How fast to fire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    Max,
    PerSecond(f64),
    /// Open loop at half the rate the reference intake sustained in the same run (`--limit`).
    HalfLimit,
}

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "max" {
            return Ok(Rate::Max);
        }
        if s == "half" {
            return Ok(Rate::HalfLimit);
        }
        match s.parse::<f64>() {
            Ok(r) if r > 0.0 => Ok(Rate::PerSecond(r)),
            _ => Err(format!(
                "--rate: `{s}` is neither `max`, `half` nor a positive number"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClickdayArgs {
    pub spawn: bool,
    pub url: Option<String>,
    pub database_url: Option<String>,
    pub applicants: usize,
    pub rate: Rate,
    pub istat: String,
    /// Submissions in flight at most (the client's connections).
    pub concurrency: usize,
    /// Measure the reference intake first, with the same requests (`bench_intake`).
    pub limit: bool,
}

pub const SERVICE: &str = "contributo-click-day";
const IBAN: &str = "IT60X0542811101000000123456";

/// A running server: its address, and the child process when we started it.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) database_url: String,
    child: Option<tokio::process::Child>,
    pub(crate) data_dir: Option<PathBuf>,
}

impl Server {
    async fn start(args: &ClickdayArgs) -> anyhow::Result<Self> {
        if !args.spawn {
            let base = args
                .url
                .clone()
                .ok_or_else(|| anyhow!("give --spawn, or --url with --database-url"))?;
            let database_url = args
                .database_url
                .clone()
                .ok_or_else(|| anyhow!("--url needs --database-url, to verify the register"))?;
            return Ok(Self {
                base: base.trim_end_matches('/').to_string(),
                database_url,
                child: None,
                data_dir: None,
            });
        }
        let dir = fresh_dir()?;
        let database_url = args
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("sportello.db").display()));
        Self::spawn(dir, database_url).await
    }

    /// Starts `sportello serve --demo` on `dir` and `database_url`, and waits until it listens.
    /// The load generator signs every applicant in from one address: the per-address limits
    /// on sign-ins are raised for it (they are for attackers; `bench abuse` keeps them).
    pub(crate) async fn spawn(dir: PathBuf, database_url: String) -> anyhow::Result<Self> {
        Self::spawn_with(
            dir,
            database_url,
            &[
                (
                    "SPORTELLO__SERVER__SIGN_INS_PER_ADDRESS_PER_MINUTE",
                    "1000000",
                ),
                (
                    "SPORTELLO__SERVER__SIGN_IN_STARTS_PER_ADDRESS_PER_MINUTE",
                    "1000000",
                ),
            ],
        )
        .await
    }

    /// [`Server::spawn`] with the server's own defaults and `env` added.
    pub(crate) async fn spawn_with(
        dir: PathBuf,
        database_url: String,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .args(["--database-url", &database_url])
            .env("SPORTELLO__LOG__LEVEL", "warn")
            // The scheduled jobs are not part of the click day.
            .env("SPORTELLO__JOBS__INTERVAL_SECONDS", "0")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the server")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .filter(|_| line.contains("Apri"))
                {
                    return Ok::<_, anyhow::Error>(url.trim_end_matches('/').to_string());
                }
            }
            bail!("the server stopped before it was ready")
        })
        .await
        .context("the server did not start within 120 s")??;
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            base,
            database_url,
            child: Some(child),
            data_dir: Some(dir),
        })
    }

    /// The server's process id, when we started it.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref()?.id()
    }

    /// CPU time the server has used so far, when we started it.
    fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(&self.pid()?.to_string())
    }

    /// Peak resident memory of the server process (kB), when we started it.
    pub(crate) fn peak_rss_kb(&self) -> Option<u64> {
        let pid = self.pid()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }

    /// Kills the server at once (SIGKILL): no graceful shutdown, as when the power goes.
    pub(crate) async fn kill(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill().await;
        }
        self.child = None;
    }

    /// Stops the server and leaves its data directory where it is.
    pub(crate) async fn stop_keeping_data(mut self) {
        self.data_dir = None;
        self.stop().await;
    }

    pub(crate) async fn stop(mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill().await;
        }
        if let Some(dir) = self.data_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A new empty folder under the temporary directory.
pub(crate) fn fresh_dir() -> anyhow::Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("sportello-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A tiny cookie jar for one applicant (no shared jar: 100,000 of them).
#[derive(Default)]
pub(crate) struct Cookies(BTreeMap<String, String>);

impl Cookies {
    pub(crate) fn take(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            if let Some((name, value)) = v.split(';').next().and_then(|kv| kv.split_once('=')) {
                self.0
                    .insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }

    pub(crate) fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn location(r: &reqwest::Response, base: &str) -> anyhow::Result<String> {
    let l = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow!("expected a redirect, got {}", r.status()))?;
    Ok(if l.starts_with('/') {
        format!("{base}{l}")
    } else {
        l.to_string()
    })
}

/// The hidden inputs of a form (the demo provider's consent page).
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag.get(start..)?.find('"')? + start;
        Some(
            tag.get(start..end)?
                .replace("&amp;", "&")
                .replace("&#x2F;", "/")
                .replace("&#47;", "/")
                .replace("&quot;", "\"")
                .replace("&#x3D;", "="),
        )
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = rest.split('>').next()?;
            if !tag.contains("type=\"hidden\"") {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// Signs applicant `n` in through the demo provider and returns an API token.
pub async fn sign_in(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<String> {
    let jar = citizen_session(client, base, n).await?;
    let r = client
        .post(format!("{base}/api/v1/me/token"))
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await?;
    if r.status() != reqwest::StatusCode::CREATED {
        bail!("token for prova-{n}: {}", r.status());
    }
    let body: serde_json::Value = r.json().await?;
    body.get("token")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no token in the answer"))
}

/// Signs applicant `n` in through the demo provider: the session's cookies.
pub(crate) async fn citizen_session(
    client: &reqwest::Client,
    base: &str,
    n: usize,
) -> anyhow::Result<Cookies> {
    let mut jar = Cookies::default();
    let r = client
        .get(format!("{base}/accedi/demo?torna=/area-personale"))
        .send()
        .await?;
    jar.take(&r);
    let authorize = location(&r, base)?;
    let r = client
        .get(&authorize)
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await?;
    jar.take(&r);
    let html = r.text().await?;
    let mut fields = hidden_inputs(&html);
    fields.push(("persona".into(), format!("prova-{n}")));
    fields.push(("level".into(), "L2".into()));
    fields.push(("action".into(), "approve".into()));
    let r = client
        .post(format!("{base}/demo-idp/authorize"))
        .header(reqwest::header::COOKIE, jar.header())
        .form(&fields)
        .send()
        .await?;
    jar.take(&r);
    let callback = location(&r, base)?;
    let r = client
        .get(&callback)
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await?;
    jar.take(&r);
    if !r.status().is_redirection() {
        bail!("sign-in of prova-{n} failed: {}", r.status());
    }
    Ok(jar)
}

/// The click-day form of applicant `n`, about 2 KB: the household's other 18 members as rows.
pub fn form_body(n: usize, cf: &str) -> serde_json::Value {
    let family: Vec<serde_json::Value> = (1..=18u32)
        .map(|i| {
            // Numbered persons past the applicants' own numbers: well formed, all distinct.
            let member = u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(18))
                .and_then(|m| m.checked_add(i + 50_000_000))
                .and_then(sportello_app::demo::test_person_fiscal_code)
                .unwrap_or_default();
            serde_json::json!({
                "nome": format!("Componente {i}"),
                "cognome": format!("Nucleo {n}"),
                "codice_fiscale": member,
                "data_nascita": format!("19{}-0{}-0{}", 50 + i, 1 + (i + 3) % 9, 1 + i % 9),
            })
        })
        .collect();
    serde_json::json!({
        "data": {
            "codice_fiscale": cf,
            "email": format!("prova{n}@example.invalid"),
            "componenti": (n % 6 + 1).to_string(),
            "isee": format!("{},{:02}", 5000 + n % 25000, n % 100),
            "iban": IBAN,
            "nucleo": family,
        },
        "declaration": true,
    })
}

/// One submission's outcome.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) latency: Duration,
    status: u16,
    /// The registration number, when acknowledged.
    pub(crate) number: Option<i64>,
    /// The answer named this applicant's own codice fiscale.
    own_data: bool,
}

/// What the bench reads of an answer; the rest of it is skipped.
#[derive(serde::Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    number: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    correspondent: Option<std::borrow::Cow<'a, str>>,
}

/// One prepared submission: the whole HTTP request, serialized before the firing starts, so
/// that the load generator, on the same cores as the server, spends as little of them as it can.
#[derive(Clone)]
pub(crate) struct Prepared {
    cf: String,
    request: Vec<u8>,
}

/// What an answer says: acknowledged with a number (201, or 200 for a repeated key), and
/// whether it names the applicant's own codice fiscale.
fn outcome(status: u16, body: Option<&[u8]>, cf: &str, scheduled: Instant) -> Outcome {
    let answer = body.and_then(|b| serde_json::from_slice::<Answer<'_>>(b).ok());
    let number = answer
        .as_ref()
        .filter(|_| status == 201 || status == 200)
        .and_then(|a| a.number.as_deref()?.parse().ok());
    let own_data = answer
        .as_ref()
        .and_then(|a| a.correspondent.as_deref())
        .is_some_and(|c| c.contains(cf));
    Outcome {
        latency: scheduled.elapsed(),
        status,
        number,
        own_data,
    }
}

/// Fires every prepared submission from `connections` keep-alive connections on one thread of
/// its own (a current-thread runtime: no hand-offs between threads). Each connection takes the
/// next submission in order; in open loop it waits for that submission's instant, and when every
/// connection is busy a submission whose instant has passed waits for one, its latency counted
/// from its scheduled instant so the wait shows in the figures (no coordinated omission).
/// Returns the outcomes and the firing's duration in seconds.
pub(crate) fn fire(
    target: bench_http::Target,
    prepared: Vec<Prepared>,
    rate: Rate,
    connections: usize,
    done: Arc<AtomicUsize>,
) -> anyhow::Result<(Vec<Outcome>, f64)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let prepared = Arc::new(prepared);
        let next = Arc::new(AtomicUsize::new(0));
        let fired = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..connections.clamp(1, prepared.len().max(1)) {
            let (prepared, next, done) = (prepared.clone(), next.clone(), done.clone());
            let addr = target.addr;
            set.spawn(async move {
                let mut connection = bench_http::Connection::new(addr);
                let mut outcomes = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = prepared.get(i) else { break };
                    let scheduled = match rate {
                        Rate::Max | Rate::HalfLimit => Instant::now(),
                        Rate::PerSecond(r) => fired + Duration::from_secs_f64(i as f64 / r),
                    };
                    tokio::time::sleep_until(scheduled.into()).await;
                    let answer = tokio::time::timeout(
                        Duration::from_secs(60),
                        connection.exchange(&p.request),
                    )
                    .await;
                    let o = match answer {
                        Ok(Ok(a)) => outcome(a.status, Some(&a.body), &p.cf, scheduled),
                        Ok(Err(_)) => outcome(0, None, &p.cf, scheduled),
                        Err(_) => {
                            connection.reset();
                            outcome(0, None, &p.cf, scheduled)
                        }
                    };
                    outcomes.push(o);
                    done.fetch_add(1, Ordering::Relaxed);
                }
                outcomes
            });
        }
        let mut outcomes = Vec::with_capacity(prepared.len());
        while let Some(joined) = set.join_next().await {
            outcomes.extend(joined?);
        }
        Ok((outcomes, fired.elapsed().as_secs_f64()))
    })
}

/// CPU time (user and system) a process (a pid, or `self`) has used so far:
/// `/proc/PROCESS/stat`, in clock ticks of 1/100 s (USER_HZ, 100 on Linux). None elsewhere.
pub(crate) fn cpu_seconds(process: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count from after its closing parenthesis.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// CPU time used so far by every process of this machine named `postgres` (a local server's
/// postmaster, its backends and workers), or None when there is none. Backends that ended are
/// no longer counted: measure between two points where the pool's connections stay open.
pub(crate) fn postgres_cpu_seconds() -> Option<f64> {
    let mut total = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            if let Some(cpu) = cpu_seconds(&pid) {
                total = Some(total.unwrap_or(0.0) + cpu);
            }
        }
    }
    total
}

/// The `p`th percentile of sorted durations, in milliseconds.
pub(crate) fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    percentile(sorted, p)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64)).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Small durable writes per second the disk under `dir` sustains (write 512 bytes, fdatasync),
/// measured for one second.
fn fsync_per_second(dir: &std::path::Path) -> anyhow::Result<f64> {
    use std::io::Write;
    let path = dir.join(format!("fsync-probe-{}", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&path)?;
    let block = [7u8; 512];
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = f64::from(n) / start.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(path);
    Ok(rate)
}

fn progress(label: &str, done: usize, total: usize) {
    eprint!("\r  {label}: {done}/{total}   ");
}

/// Runs the click day and prints the report; the last line is the JSON object.
pub async fn clickday(args: ClickdayArgs) -> anyhow::Result<serde_json::Value> {
    eprintln!(
        "click day: {} applicants, rate {:?}",
        args.applicants, args.rate
    );
    let server = Server::start(&args).await?;
    let result = run(&args, &server).await;
    let rss = server.peak_rss_kb();
    server.stop().await;
    let mut report = result?;
    if let (Some(rss), Some(obj)) = (rss, report.as_object_mut()) {
        obj.insert("server_peak_rss_mb".into(), (rss / 1024).into());
    }
    Ok(report)
}

async fn run(args: &ClickdayArgs, server: &Server) -> anyhow::Result<serde_json::Value> {
    let base = server.base.clone();
    let backend = if server.database_url.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };
    // The register, read directly, and the window opened now.
    let store = sportello_store::Store::connect(&server.database_url, 4).await?;
    let ente = store
        .ente_by_istat(&args.istat)
        .await?
        .ok_or_else(|| anyhow!("no ente with ISTAT code {}", args.istat))?;
    open_window(&store, &ente, SERVICE).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(60))
        .build()?;

    // Preparation: everyone signs in before the window opens.
    let started = Instant::now();
    let n = args.applicants;
    let done = Arc::new(AtomicUsize::new(0));
    let mut tokens: Vec<Option<String>> = vec![None; n];
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0usize;
    let prepare_parallel = 64.min(n.max(1));
    while next < n || !set.is_empty() {
        while next < n && set.len() < prepare_parallel {
            let (client, base, done) = (client.clone(), base.clone(), done.clone());
            let i = next;
            set.spawn(async move {
                let t = sign_in(&client, &base, i).await;
                done.fetch_add(1, Ordering::Relaxed);
                (i, t)
            });
            next += 1;
        }
        if let Some(joined) = set.join_next().await {
            let (i, t) = joined?;
            if let Some(slot) = tokens.get_mut(i) {
                *slot = Some(t?);
            }
            let d = done.load(Ordering::Relaxed);
            if d.is_multiple_of(500) {
                progress("signed in", d, n);
            }
        }
    }
    let preparation_s = started.elapsed().as_secs_f64();
    eprintln!("\r  signed in: {n}/{n} in {preparation_s:.1} s");

    // Firing.
    let target = bench_http::Target::resolve(&base).await?;
    let path = format!("/api/v1/enti/{}/servizi/{SERVICE}/domande", args.istat);
    let mut prepared: Vec<Prepared> = Vec::with_capacity(n);
    for i in 0..n {
        let cf = u32::try_from(i)
            .ok()
            .and_then(sportello_app::demo::test_person_fiscal_code)
            .unwrap_or_default();
        let token = tokens.get_mut(i).and_then(Option::take).unwrap_or_default();
        let request = target.post_json(
            &path,
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Idempotency-Key", &format!("clickday-{i}")),
            ],
            &serde_json::to_vec(&form_body(i, &cf))?,
        )?;
        prepared.push(Prepared { cf, request });
    }
    // The reference intake, with the same requests and the same load generator, first.
    let reference = if args.limit {
        Some(crate::bench_intake::measure(&prepared, args.concurrency).await?)
    } else {
        None
    };
    let rate = match (args.rate, &reference) {
        (Rate::HalfLimit, Some(r)) => Rate::PerSecond((r.per_second / 2.0).max(1.0)),
        (Rate::HalfLimit, None) => bail!("--rate half needs --limit"),
        (rate, _) => rate,
    };
    let home_probe = {
        let (client, base) = (client.clone(), base.clone());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut samples = Vec::new();
            let path = format!("{base}/livorno/");
            while !flag.load(Ordering::Relaxed) {
                let t = Instant::now();
                if let Ok(r) = client.get(&path).send().await {
                    let _ = r.bytes().await;
                    samples.push(t.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            samples
        });
        (stop, task)
    };
    let server_cpu_before = server.cpu_seconds();
    let client_cpu_before = cpu_seconds("self");
    let database_cpu_before = postgres_cpu_seconds();
    let done = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    let (connections, counter) = (args.concurrency, done.clone());
    std::thread::Builder::new()
        .name("clickday-fire".into())
        .spawn(move || {
            let _ = tx.send(fire(target, prepared, rate, connections, counter));
        })?;
    let (outcomes, firing_s) = loop {
        tokio::select! {
            fired = &mut rx => break fired.map_err(|_| anyhow!("the firing thread stopped"))??,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                progress("acknowledged or refused", done.load(Ordering::Relaxed), n);
            }
        }
    };
    let server_cpu = server
        .cpu_seconds()
        .zip(server_cpu_before)
        .map(|(after, before)| after - before);
    let client_cpu = cpu_seconds("self")
        .zip(client_cpu_before)
        .map(|(after, before)| after - before);
    let database_cpu = postgres_cpu_seconds()
        .zip(database_cpu_before)
        .map(|(after, before)| after - before)
        .filter(|_| backend.starts_with("postgres"));
    home_probe.0.store(true, Ordering::Relaxed);
    let mut home = home_probe.1.await.unwrap_or_default();
    eprintln!("\r  fired: {n} in {firing_s:.2} s");

    // Verification through the register.
    let acknowledged: Vec<&Outcome> = outcomes.iter().filter(|o| o.number.is_some()).collect();
    let errors = outcomes.len() - acknowledged.len();
    let shed = outcomes.iter().filter(|o| o.status == 503).count();
    let foreign = acknowledged.iter().filter(|o| !o.own_data).count();
    let rows = store
        .region_wide()
        .registrations_of_aoo(main_aoo(&store, &ente).await?, None)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    let mut duplicates = 0usize;
    for o in &acknowledged {
        if let Some(num) = o.number {
            if !seen.insert(num) {
                duplicates += 1;
            }
        }
    }
    let numbers: Vec<i64> = rows.iter().map(|r| r.number).collect();
    let gaps = numbers
        .windows(2)
        .filter(|w| matches!(w, [a, b] if *b != *a + 1))
        .count()
        + usize::from(numbers.first().is_some_and(|f| *f != 1));
    let in_order = rows
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.registered_at <= b.registered_at));
    let registered_here = rows.len();
    let all_acknowledged_present = acknowledged.iter().all(|o| {
        o.number
            .is_some_and(|num| numbers.binary_search(&num).is_ok())
    });
    let aoo_code = store.tenant(ente.ente_id()).main_aoo().await?.1;
    let chain_ok = sportello_app::protocol::verify_rows(&aoo_code, &rows)?.is_empty();
    let fsync = fsync_per_second(&server.data_dir.clone().unwrap_or_else(std::env::temp_dir))?;

    let mut latencies: Vec<Duration> = acknowledged.iter().map(|o| o.latency).collect();
    latencies.sort();
    home.sort();
    let per_second = acknowledged.len() as f64 / firing_s.max(1e-9);
    eprintln!(
        "\n  backend {backend}: {} acknowledged of {n} ({errors} not: {shed} shed with 503), {per_second:.0}/s",
        acknowledged.len()
    );
    eprintln!(
        "  latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; /livorno/ meanwhile p99 {:.1} ms ({} samples)",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        percentile(&home, 99.0),
        home.len()
    );
    eprintln!(
        "  register: {registered_here} registrations, {gaps} gaps, {duplicates} duplicates, chain {}, registration times in number order: {in_order}; answers naming another person: {foreign}",
        if chain_ok { "intact" } else { "BROKEN" }
    );
    eprintln!("  the disk: {fsync:.0} small durable writes per second");
    let per_ack =
        |cpu: Option<f64>| cpu.map(|c| (c * 1e6 / acknowledged.len().max(1) as f64).round());
    if let Some(us) = per_ack(server_cpu) {
        eprintln!("  CPU per acknowledged filing: server {us:.0} µs, this load generator {:.0} µs (both cores: {:.0} µs at most)",
            per_ack(client_cpu).unwrap_or(0.0), 2e6 / per_second.max(1e-9));
    }
    if let Some(us) = per_ack(database_cpu) {
        eprintln!("  PostgreSQL on this machine: {us:.0} µs of CPU per acknowledged filing");
    }
    if let Some(r) = &reference {
        eprintln!(
            "  reference intake (HTTP/1.1, append, group fsync): {:.0}/s, {:.0} µs of CPU per acknowledged filing; Sportello/reference: {:.2}",
            r.per_second,
            r.cpu_us_per_ack.unwrap_or(0.0),
            per_second / r.per_second.max(1e-9)
        );
    }
    Ok(serde_json::json!({
        "backend": backend,
        "rate": format!("{rate:?}"),
        "reference_per_second": reference.as_ref().map(|r| r.per_second.round()),
        "reference_cpu_us_per_ack": reference.as_ref().and_then(|r| r.cpu_us_per_ack),
        "reference_p99_ms": reference.as_ref().map(|r| (r.p99_ms * 10.0).round() / 10.0),
        "ratio_to_reference": reference.as_ref().map(|r| ((per_second / r.per_second.max(1e-9)) * 1000.0).round() / 1000.0),
        "applicants": n,
        "acknowledged": acknowledged.len(),
        "errors": errors,
        "shed_503": shed,
        "per_second": per_second.round(),
        "p50_ms": (percentile(&latencies, 50.0) * 10.0).round() / 10.0,
        "p95_ms": (percentile(&latencies, 95.0) * 10.0).round() / 10.0,
        "p99_ms": (percentile(&latencies, 99.0) * 10.0).round() / 10.0,
        "home_p99_ms": (percentile(&home, 99.0) * 10.0).round() / 10.0,
        "gaps": gaps,
        "duplicates": duplicates,
        "chain_ok": chain_ok,
        "in_arrival_order": in_order,
        "registrations": registered_here,
        "acknowledged_all_registered": all_acknowledged_present,
        "foreign_data": foreign,
        "preparation_s": (preparation_s * 10.0).round() / 10.0,
        "fsync_per_second": fsync.round(),
        "server_cpu_us_per_ack": per_ack(server_cpu),
        "client_cpu_us_per_ack": per_ack(client_cpu),
        "database_cpu_us_per_ack": per_ack(database_cpu),
    }))
}

pub async fn main_aoo(
    store: &sportello_store::Store,
    ente: &sportello_store::EnteRow,
) -> anyhow::Result<i64> {
    Ok(store.tenant(ente.ente_id()).main_aoo().await?.0)
}

/// Opens the ente's click-day window now, for a day.
pub async fn open_window(
    store: &sportello_store::Store,
    ente: &sportello_store::EnteRow,
    service: &str,
) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    // Keep whatever else the ente set (office, quota…); only the window changes.
    let mut overrides: sportello_domain::catalogue::AdoptionOverrides = store
        .tenant(ente.ente_id())
        .adopted_service(service)
        .await?
        .map(|row| serde_json::from_str(&row.overrides))
        .transpose()?
        .unwrap_or_default();
    overrides.window = Some(sportello_domain::catalogue::FilingWindow {
        opens_at: now - time::Duration::minutes(1),
        closes_at: now + time::Duration::days(1),
    });
    store
        .tenant(ente.ente_id())
        .adopt(
            service,
            &serde_json::to_string(&overrides)?,
            sportello_store::to_millis(now),
        )
        .await?;
    Ok(())
}

/// A small deterministic generator (splitmix64): the same data from the same seed.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A reference to one of `from` (none when it is empty).
    pub(crate) fn pick_ref<'a, T>(&mut self, from: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(from.len()).unwrap_or(1).max(1);
        from.get(usize::try_from(self.next() % n).unwrap_or(0))
    }

    pub(crate) fn pick<T: Copy + Default>(&mut self, from: &[T]) -> T {
        let n = u64::try_from(from.len()).unwrap_or(1).max(1);
        from.get(usize::try_from(self.next() % n).unwrap_or(0))
            .copied()
            .unwrap_or_default()
    }
}

/// p50 and p99 of the samples, in microseconds.
pub(crate) fn percentiles(mut samples: Vec<u128>) -> (u128, u128) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or(0)
    };
    (at(0.5), at(0.99))
}

/// A bench's own App on a fresh database (a new SQLite file in `dir`, or the PostgreSQL
/// database given), with the region's municipalities loaded and nothing else.
pub(crate) async fn region_app(
    dir: &std::path::Path,
    database_url: Option<String>,
) -> anyhow::Result<sportello_app::App> {
    std::fs::create_dir_all(dir)?;
    let mut env = std::collections::BTreeMap::new();
    env.insert("SPORTELLO__LOG__LEVEL".to_string(), "warn".to_string());
    let config = crate::config::Config::load(
        None,
        &env,
        &crate::config::Overrides {
            data_dir: Some(dir.to_path_buf()),
            database_url,
            ..Default::default()
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let store = crate::open_store(&config).await?;
    let app = crate::build_app(
        &config,
        store,
        "http://127.0.0.1:0".into(),
        sportello_app::App::system_clock(),
    )
    .await?;
    app.import_municipalities(crate::COMUNI_TOSCANA_CSV)
        .await
        .map_err(|e| anyhow::anyhow!("municipalities: {e}"))?;
    Ok(app)
}

#[cfg(test)]
mod tests {
    /// The benchmark's form is one the click-day service accepts, and about 2 KB.
    #[test]
    fn the_click_day_form_is_valid_and_about_two_kilobytes() {
        let catalogue = sportello_app::catalogue::builtin_catalogue().unwrap();
        let service = catalogue.iter().find(|s| s.id == super::SERVICE).unwrap();
        let cf = sportello_app::demo::test_person_fiscal_code(7).unwrap();
        let body = super::form_body(7, &cf);
        let size = body.to_string().len();
        assert!((1_700..=2_600).contains(&size), "{size} bytes");
        let values: sportello_domain::forms::Values = body["data"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    rows => {
                        let rows: Vec<sportello_domain::forms::Values> =
                            serde_json::from_value(rows.clone()).unwrap();
                        sportello_domain::forms::rows_text(&rows)
                    }
                };
                (k.clone(), text)
            })
            .collect();
        let today = time::macros::date!(2026 - 12 - 05);
        assert_eq!(service.form.validate_all(&values, today), vec![]);
    }
}
