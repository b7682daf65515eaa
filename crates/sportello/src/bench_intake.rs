//! The reference intake of `sportello bench clickday --limit` (issue 21): the least a durable
//! filing service can do, to measure Sportello's click day against on the same machine, in the
//! same run, with the same load generator and the same request bodies.
//!
//! It is an HTTP/1.1 server on the same runtime and stack as Sportello (tokio, hyper through
//! axum) that reads each request's body whole, appends it to one file (length-prefixed), and
//! acknowledges it with a number only after the write has reached the disk: one writer thread
//! takes every body waiting, writes them together and calls `fdatasync` once for the group (a
//! group commit, as a database's log does). No sessions, no validation, no one-per-person, no
//! register, no hash chain, no receipt: everything Sportello does beyond this is what the ratio
//! measures. It runs as a process of its own (`sportello bench intake`), so that its CPU time is
//! read apart from the load generator's.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tokio::sync::{mpsc, oneshot};

/// A body waiting for the disk, and where its number goes once it is there.
type Pending = (Bytes, oneshot::Sender<u64>);

/// The group-commit writer: blocks for one body, takes every other already waiting, appends
/// them all, `fdatasync`s once, then numbers and acknowledges each.
fn writer(mut file: std::fs::File, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let mut number = 0u64;
    let mut group: Vec<Pending> = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while let Ok(more) = rx.try_recv() {
            group.push(more);
        }
        buffer.clear();
        for (body, _) in &group {
            let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
            buffer.extend_from_slice(&len.to_le_bytes());
            buffer.extend_from_slice(body);
        }
        let durable = file.write_all(&buffer).and_then(|()| file.sync_data());
        for (_, ack) in group.drain(..) {
            if durable.is_ok() {
                number += 1;
                let _ = ack.send(number);
            }
            // On a failed write the sender is dropped: the request gets a 503, nothing is
            // acknowledged that is not on the disk.
        }
    }
}

/// Serves the reference intake on `listen`, appending to `dir/intake.log`, until killed.
/// Prints `intake listening on http://ADDR` once it accepts connections.
pub async fn intake(listen: SocketAddr, dir: PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(&dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("intake.log"))?;
    let (tx, rx) = mpsc::unbounded_channel::<Pending>();
    std::thread::Builder::new()
        .name("intake-writer".into())
        .spawn(move || writer(file, rx))?;
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let tx = tx.clone();
        async move {
            let (ack, number) = oneshot::channel();
            if tx.send((body, ack)).is_err() {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            match number.await {
                Ok(n) => (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    format!("{{\"number\":\"{n}\"}}"),
                )
                    .into_response(),
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("intake listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// What the reference intake sustained.
pub(crate) struct ReferenceFigures {
    pub(crate) per_second: f64,
    pub(crate) cpu_us_per_ack: Option<f64>,
    pub(crate) p99_ms: f64,
}

/// Starts the reference intake as a process of its own, fires `prepared` at it as the click
/// day fires them at Sportello (at saturation, `connections` in flight), and stops it.
pub(crate) async fn measure(
    prepared: &[crate::bench::Prepared],
    connections: usize,
) -> anyhow::Result<ReferenceFigures> {
    use tokio::io::AsyncBufReadExt;
    let dir = crate::bench::fresh_dir()?;
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "intake", "--listen", "127.0.0.1:0", "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next_line()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the reference intake stopped before it listened"))?;
        if let Some(url) = line.strip_prefix("intake listening on ") {
            break url.to_string();
        }
    };
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("no pid"))?
        .to_string();
    let target = crate::bench_http::Target::resolve(&base).await?;
    let requests = prepared.to_vec();
    let n = requests.len();
    let before = crate::bench::cpu_seconds(&pid);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("reference-fire".into())
        .spawn(move || {
            let _ = tx.send(crate::bench::fire(
                target,
                requests,
                crate::bench::Rate::Max,
                connections,
                done,
            ));
        })?;
    let (outcomes, firing_s) = rx.await??;
    let cpu = crate::bench::cpu_seconds(&pid)
        .zip(before)
        .map(|(after, before)| after - before);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut latencies: Vec<std::time::Duration> = outcomes
        .iter()
        .filter(|o| o.number.is_some())
        .map(|o| o.latency)
        .collect();
    let acknowledged = latencies.len();
    if acknowledged != n {
        anyhow::bail!("the reference intake acknowledged {acknowledged} of {n}");
    }
    latencies.sort();
    let per_second = acknowledged as f64 / firing_s.max(1e-9);
    eprintln!(
        "  reference intake: {acknowledged} acknowledged in {firing_s:.2} s, {per_second:.0}/s"
    );
    Ok(ReferenceFigures {
        per_second,
        cpu_us_per_ack: cpu.map(|c| (c * 1e6 / acknowledged.max(1) as f64).round()),
        p99_ms: crate::bench::percentile(&latencies, 99.0),
    })
}
