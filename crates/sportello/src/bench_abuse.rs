//! `sportello bench abuse`: an attacker on the internet against a fresh `serve --demo` (loopback
//! only), for a fixed time, while a citizen keeps filing. Floods, all at once:
//!
//! - **held uploads**: anonymous POSTs to the registry's 60 MB form, each declaring the whole
//!   body and then sending it 64 KB at a time for as long as the server listens;
//! - **large uploads**: a signed-in citizen's 30 MB multipart filings through the API, back to
//!   back (streamed to disk, bounded by the server's upload places);
//! - **password guesses**: staff sign-ins with wrong passwords, for real and unknown names;
//! - **sign-in starts**: anonymous visits to the citizens' sign-in start (each writes a flow);
//! - **random methods**: requests with made-up HTTP methods (labels of the metrics);
//! - **slow clients**: connections sending a request head one byte a second (slowloris).
//!
//! Meanwhile a citizen files a report through the API every half second (and twenty times at
//! rest before the floods start, for reference: the report gives the ratio). The server's resident
//! memory is sampled throughout. The figures are printed as one JSON object; the command fails
//! if the peak resident memory reached 512 MB or any of the citizen's filings failed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::bench::{fresh_dir, sign_in, Server};

#[derive(Debug, Clone)]
pub struct AbuseArgs {
    pub seconds: u64,
    pub database_url: Option<String>,
}

/// The peak resident memory the server may reach under abuse.
const RSS_LIMIT_MB: f64 = 512.0;

const HELD_UPLOADS: usize = 24;
const LARGE_UPLOADS: usize = 4;
const GUESSERS: usize = 16;
const SIGN_IN_STARTERS: usize = 8;
const METHOD_SENDERS: usize = 4;
const SLOW_CLIENTS: usize = 200;

/// Counts of one flood's answers by status (0: no answer, the connection failed or was cut).
#[derive(Default)]
struct Tally(Mutex<std::collections::BTreeMap<u16, u64>>);

impl Tally {
    fn add(&self, status: u16) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(status).or_default() += 1;
        }
    }
    fn json(&self) -> serde_json::Value {
        let m = self.0.lock().map(|m| m.clone()).unwrap_or_default();
        serde_json::Value::Object(
            m.into_iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                .collect(),
        )
    }
}

fn resident_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub async fn abuse(args: AbuseArgs) -> anyhow::Result<serde_json::Value> {
    let dir = fresh_dir()?;
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("sportello.db").display()));
    // The server's own limits: the attacker's floods meet them as they would in production.
    let server = Server::spawn_with(dir, database_url, &[]).await?;
    let result = run(&server, &args).await;
    server.stop().await;
    result
}

async fn run(server: &Server, args: &AbuseArgs) -> anyhow::Result<serde_json::Value> {
    let base = server.base.clone();
    let pid = server.pid().ok_or_else(|| anyhow!("no server process"))?;
    let host = base.trim_start_matches("http://").to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?;
    // The citizen who keeps filing, and the one who uploads large files.
    let citizen = sign_in(&client, &base, 1).await?;
    let uploader = sign_in(&client, &base, 2).await?;
    let citizen_cf = sportello_app::demo::test_person_fiscal_code(1)
        .ok_or_else(|| anyhow!("no fiscal code for test person 1"))?;
    let rss_before_mb = resident_kb(pid, "VmRSS:").unwrap_or(0) as f64 / 1024.0;
    // The same filing at rest first: the reference the filings under abuse are compared with.
    let mut at_rest = Vec::new();
    for n in 0..20 {
        let started = Instant::now();
        match file_report(&client, &base, &citizen, &citizen_cf, &format!("rest-{n}")).await {
            Ok(()) => at_rest.push(started.elapsed()),
            Err(e) => bail!("a filing at rest failed: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    at_rest.sort();

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let done = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    let tallies: Vec<(&str, Arc<Tally>)> = [
        "held_uploads",
        "large_uploads",
        "password_guesses",
        "sign_in_starts",
        "random_methods",
        "slow_clients",
    ]
    .into_iter()
    .map(|name| (name, Arc::new(Tally::default())))
    .collect();
    let tally = |name: &str| {
        tallies
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };

    // Held uploads: anonymous, the whole 60 MB declared, sent slowly for as long as possible.
    for _ in 0..HELD_UPLOADS {
        let (host, t, done) = (host.clone(), tally("held_uploads"), done.clone());
        tasks.spawn(async move {
            while !done.load(Ordering::Relaxed) {
                t.add(held_upload(&host, &done).await);
            }
        });
    }
    // Large uploads by a signed-in citizen, through the API, back to back.
    for _ in 0..LARGE_UPLOADS {
        let (client, base, token, t, done) = (
            client.clone(),
            base.clone(),
            uploader.clone(),
            tally("large_uploads"),
            done.clone(),
        );
        tasks.spawn(async move {
            let mut body = b"%PDF-1.4\n".to_vec();
            body.resize(30 * 1024 * 1024, b'0');
            while !done.load(Ordering::Relaxed) {
                let form = reqwest::multipart::Form::new()
                    .text(
                        "data",
                        r#"{"tipo":"strade","oggetto":"Prova","descrizione":"Prova di carico"}"#,
                    )
                    .part(
                        "allegato",
                        reqwest::multipart::Part::bytes(body.clone()).file_name("grande.pdf"),
                    );
                let status = client
                    .post(format!(
                        "{base}/api/v1/enti/049009/servizi/segnalazione-reclamo/domande"
                    ))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                t.add(status);
                if status == 503 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    }
    // Password guesses, for an administrator and for names that do not exist.
    for g in 0..GUESSERS {
        let (base, t, done) = (base.clone(), tally("password_guesses"), done.clone());
        tasks.spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap_or_default();
            let mut n = 0u64;
            while !done.load(Ordering::Relaxed) {
                n += 1;
                let page = match client.get(format!("{base}/staff/accedi")).send().await {
                    Ok(r) => r.text().await.unwrap_or_default(),
                    Err(_) => {
                        t.add(0);
                        continue;
                    }
                };
                let csrf = page
                    .split("name=\"csrf\" value=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_default()
                    .to_string();
                let user = if g % 2 == 0 {
                    "livorno.admin".to_string()
                } else {
                    format!("ignoto-{g}-{n}")
                };
                let status = client
                    .post(format!("{base}/staff/accedi"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("username", user.as_str()),
                        ("password", "sbagliata-ma-lunga-abbastanza"),
                        ("code", "123456"),
                    ])
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                t.add(status);
            }
        });
    }
    // Anonymous sign-in starts: each makes the server write a flow.
    for _ in 0..SIGN_IN_STARTERS {
        let (client, base, t, done) = (
            client.clone(),
            base.clone(),
            tally("sign_in_starts"),
            done.clone(),
        );
        tasks.spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let status = client
                    .get(format!("{base}/accedi/demo?torna=/area-personale"))
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                t.add(status);
            }
        });
    }
    // Made-up methods.
    for _ in 0..METHOD_SENDERS {
        let (client, base, t, done) = (
            client.clone(),
            base.clone(),
            tally("random_methods"),
            done.clone(),
        );
        tasks.spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let name =
                    format!("X{}", &uuid::Uuid::new_v4().simple().to_string()[..10]).to_uppercase();
                let Ok(method) = reqwest::Method::from_bytes(name.as_bytes()) else {
                    continue;
                };
                let status = client
                    .request(method, format!("{base}/"))
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                t.add(status);
            }
        });
    }
    // Slow clients: a request head one byte a second; counted when the server cuts them off.
    for _ in 0..SLOW_CLIENTS {
        let (host, t, done) = (host.clone(), tally("slow_clients"), done.clone());
        tasks.spawn(async move {
            while !done.load(Ordering::Relaxed) {
                t.add(slow_client(&host, &done).await);
            }
        });
    }

    // The citizen's filings, every half second, and the server's memory meanwhile.
    let peak_sampled_kb = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (done.clone(), peak_sampled_kb.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(kb) = resident_kb(pid, "VmRSS:") {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut latencies = Vec::new();
    let mut failed = Vec::new();
    let mut n = 0usize;
    while Instant::now() < deadline {
        n += 1;
        let started = Instant::now();
        match file_report(&client, &base, &citizen, &citizen_cf, &format!("abuse-{n}")).await {
            Ok(()) => latencies.push(started.elapsed()),
            Err(e) => failed.push(e),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    // Every flood checks the flag between requests; a held upload or slow client is closed
    // by its own loop. Give them a moment, then stop waiting.
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();

    latencies.sort();
    let ms = |p: f64| crate::bench::percentile_ms(&latencies, p);
    let rest_ms = |p: f64| crate::bench::percentile_ms(&at_rest, p);
    let ratio = |p: f64| {
        let rest = rest_ms(p);
        if rest > 0.0 {
            ((ms(p) / rest) * 100.0).round() / 100.0
        } else {
            0.0
        }
    };
    let peak_mb = resident_kb(pid, "VmHWM:")
        .unwrap_or_else(|| peak_sampled_kb.load(Ordering::Relaxed)) as f64
        / 1024.0;
    let floods: serde_json::Map<String, serde_json::Value> = tallies
        .iter()
        .map(|(name, t)| ((*name).to_string(), t.json()))
        .collect();
    let report = serde_json::json!({
        "seconds": args.seconds,
        "rss_before_mb": (rss_before_mb * 10.0).round() / 10.0,
        "peak_rss_mb": (peak_mb * 10.0).round() / 10.0,
        "rss_limit_mb": RSS_LIMIT_MB,
        "filings_ok": latencies.len(),
        "filings_failed": failed.len(),
        "filing_p50_ms": ms(50.0),
        "filing_p99_ms": ms(99.0),
        "filing_at_rest_p50_ms": rest_ms(50.0),
        "filing_at_rest_p99_ms": rest_ms(99.0),
        "filing_p50_ratio": ratio(50.0),
        "floods": floods,
    });
    if peak_mb >= RSS_LIMIT_MB {
        bail!("the server's memory reached {peak_mb:.0} MB (limit {RSS_LIMIT_MB}): {report}");
    }
    if !failed.is_empty() || latencies.is_empty() {
        bail!(
            "the citizen's filings failed under abuse ({}): {report}",
            failed.join(", ")
        );
    }
    Ok(report)
}

/// Files a report through the API as `cf`; `Err` says how it failed.
async fn file_report(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    cf: &str,
    key: &str,
) -> Result<(), String> {
    let body = serde_json::json!({
        "data": {
            "codice_fiscale": cf,
            "tipo": "strade",
            "oggetto": format!("Buca {key}"),
            "descrizione": "Una buca profonda davanti al civico 12.",
        },
        "declaration": true,
    });
    let answer = client
        .post(format!(
            "{base}/api/v1/enti/049009/servizi/segnalazione-reclamo/domande"
        ))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status() == reqwest::StatusCode::CREATED {
        Ok(())
    } else {
        Err(answer.status().to_string())
    }
}

/// One held upload: the head of a 60 MB multipart POST, then 64 KB at a time until the server
/// answers or closes, or the run ends. Returns the status it answered (0: none).
async fn held_upload(host: &str, done: &AtomicBool) -> u16 {
    let Ok(mut stream) = tokio::net::TcpStream::connect(host).await else {
        return 0;
    };
    let head = format!(
        "POST /staff/protocollo/nuova HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 62914560\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"documento\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return 0;
    }
    let (mut reader, mut writer) = stream.into_split();
    let chunk = vec![b'0'; 64 * 1024];
    let mut buf = [0u8; 512];
    while !done.load(Ordering::Relaxed) {
        tokio::select! {
            read = reader.read(&mut buf) => {
                return match read {
                    Ok(n) if n > 0 => status_of(buf.get(..n).unwrap_or_default()),
                    _ => 0,
                };
            }
            written = writer.write_all(&chunk) => {
                if written.is_err() {
                    return 0;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    0
}

/// One slow client: a request head a byte a second. Returns the status if the server answered,
/// 0 when it closed the connection (cut off).
async fn slow_client(host: &str, done: &AtomicBool) -> u16 {
    let Ok(mut stream) = tokio::net::TcpStream::connect(host).await else {
        return 0;
    };
    let head = format!("GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ");
    let mut buf = [0u8; 512];
    for byte in head.bytes().chain(std::iter::repeat(b'a')) {
        if done.load(Ordering::Relaxed) {
            return 0;
        }
        if stream.write_all(&[byte]).await.is_err() {
            return 0;
        }
        // Answered (a 408, say) or closed within the second: the server let go.
        if let Ok(read) = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await
        {
            return match read {
                Ok(n) if n > 0 => status_of(buf.get(..n).unwrap_or_default()),
                _ => 0,
            };
        }
    }
    0
}

fn status_of(answer: &[u8]) -> u16 {
    String::from_utf8_lossy(answer)
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}
