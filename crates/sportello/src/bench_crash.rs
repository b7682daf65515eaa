//! `sportello bench crash`: the power goes during a click day. Each run starts a server on a fresh
//! SQLite database, signs applicants in, fires their filings, kills the server with SIGKILL at a
//! different moment, restarts it on the same files, and checks that every filing acknowledged
//! before the kill is in the register under the number it was given, for the applicant it was
//! given to, with no gap, no duplicate and an intact hash chain. Exits non-zero on any loss.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail};

use crate::bench::{form_body, fresh_dir, main_aoo, open_window, sign_in, Server, SERVICE};

#[derive(Debug, Clone)]
pub struct CrashArgs {
    pub runs: usize,
    pub applicants: usize,
    pub istat: String,
}

/// An acknowledged filing: the applicant's codice fiscale and the number the server gave.
type Ack = (String, i64);

pub async fn crash(args: CrashArgs) -> anyhow::Result<serde_json::Value> {
    let mut runs = Vec::new();
    for run in 0..args.runs {
        // Kill moments spread over the firing, by progress rather than by the clock (machines
        // differ): at once, then after a growing share of the filings was acknowledged.
        let kill_at = args.applicants * run / (args.runs + 1);
        let outcome = one_run(&args, kill_at).await?;
        eprintln!(
            "  run {}: killed at {} acknowledged ({} by the time it died); after restart {} registrations, {} lost, {} gaps, {} duplicates, chain {}",
            run + 1,
            kill_at,
            outcome.acknowledged,
            outcome.registrations,
            outcome.lost,
            outcome.gaps,
            outcome.duplicates,
            if outcome.chain_ok { "intact" } else { "BROKEN" }
        );
        runs.push(outcome);
    }
    let failed = runs
        .iter()
        .filter(|o| o.lost > 0 || o.gaps > 0 || o.duplicates > 0 || !o.chain_ok || !o.head_ok)
        .count();
    let report = serde_json::json!({
        "runs": runs.len(),
        "failed": failed,
        "acknowledged": runs.iter().map(|o| o.acknowledged).sum::<usize>(),
        "lost": runs.iter().map(|o| o.lost).sum::<usize>(),
        "acknowledged_per_run": runs.iter().map(|o| o.acknowledged).collect::<Vec<_>>(),
    });
    if failed > 0 {
        bail!(
            "{failed} of {} runs lost or corrupted acknowledged filings: {report}",
            runs.len()
        );
    }
    Ok(report)
}

struct RunOutcome {
    acknowledged: usize,
    registrations: usize,
    lost: usize,
    gaps: usize,
    duplicates: usize,
    chain_ok: bool,
    head_ok: bool,
}

async fn one_run(args: &CrashArgs, kill_at: usize) -> anyhow::Result<RunOutcome> {
    let dir = fresh_dir()?;
    let database_url = format!("sqlite://{}", dir.join("sportello.db").display());
    let mut server = Server::spawn(dir.clone(), database_url.clone()).await?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let store = sportello_store::Store::connect(&database_url, 2).await?;
    let ente = store
        .ente_by_istat(&args.istat)
        .await?
        .ok_or_else(|| anyhow!("no ente with ISTAT code {}", args.istat))?;
    open_window(&store, &ente, SERVICE).await?;
    let mut tokens = Vec::with_capacity(args.applicants);
    for n in 0..args.applicants {
        tokens.push(sign_in(&client, &base, n).await?);
    }
    // Fire everything, 32 in flight; record each acknowledgement as it arrives.
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let url = format!(
        "{base}/api/v1/enti/{}/servizi/{SERVICE}/domande",
        args.istat
    );
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let cf = u32::try_from(n)
            .ok()
            .and_then(sportello_app::demo::test_person_fiscal_code)
            .unwrap_or_default();
        let (client, url, acks, semaphore) =
            (client.clone(), url.clone(), acks.clone(), semaphore.clone());
        tasks.spawn(async move {
            let Ok(_permit) = semaphore.acquire_owned().await else {
                return;
            };
            let Ok(r) = client
                .post(&url)
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("crash-{n}"))
                .json(&form_body(n, &cf))
                .send()
                .await
            else {
                return;
            };
            if r.status() != reqwest::StatusCode::CREATED {
                return;
            }
            let Ok(body) = r.json::<serde_json::Value>().await else {
                return;
            };
            if let Some(number) = body
                .get("number")
                .and_then(|v| v.as_str())
                .and_then(|v| v.parse::<i64>().ok())
            {
                if let Ok(mut list) = acks.lock() {
                    list.push((cf, number));
                }
            }
        });
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while acks.lock().map(|l| l.len()).unwrap_or(0) < kill_at
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill().await;
    while tasks.join_next().await.is_some() {}
    let acknowledged: Vec<Ack> = acks.lock().map(|l| l.clone()).unwrap_or_default();
    // The power is back: the server starts again on the same files (and recovers the WAL).
    store.close().await;
    let restarted = Server::spawn(dir.clone(), database_url.clone()).await?;
    let store = sportello_store::Store::connect(&database_url, 2).await?;
    let aoo = main_aoo(&store, &ente).await?;
    let rows = store.region_wide().registrations_of_aoo(aoo, None).await?;
    let lost = acknowledged
        .iter()
        .filter(|(cf, number)| {
            !rows
                .iter()
                .any(|r| r.number == *number && r.correspondent.contains(cf.as_str()))
        })
        .count();
    let numbers: Vec<i64> = rows.iter().map(|r| r.number).collect();
    let gaps = numbers
        .windows(2)
        .filter(|w| matches!(w, [a, b] if *b != *a + 1))
        .count()
        + usize::from(numbers.first().is_some_and(|f| *f != 1));
    let mut unique = numbers.clone();
    unique.dedup();
    let duplicates = numbers.len() - unique.len();
    let aoo_code = store.tenant(ente.ente_id()).main_aoo().await?.1;
    let chain_ok = sportello_app::protocol::verify_rows(&aoo_code, &rows)?.is_empty();
    // The register's head agrees with its last registration (nothing cut off the end).
    let head_ok = match (store.region_wide().register_head(aoo).await?, rows.last()) {
        (Some((_, last_number, last_hash)), Some(last)) => {
            last_number == last.number && last_hash == last.hash
        }
        (None, None) => true,
        (Some((_, 0, _)), None) => true,
        _ => false,
    };
    store.close().await;
    restarted.stop().await;
    Ok(RunOutcome {
        acknowledged: acknowledged.len(),
        registrations: rows.len(),
        lost,
        gaps,
        duplicates,
        chain_ok,
        head_ok,
    })
}
