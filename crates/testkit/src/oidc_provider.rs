//! Starts the external OpenID Connect provider (`oidc-provider` from the npm registry, script
//! `e2e/oidc-provider.mjs`) for a test. Installs the npm packages on first use. Without Node
//! the caller is told to skip — except under CI (`CI` set), where that is a failure.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct NodeOidcProvider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

fn e2e_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e"))
}

/// Installs the npm packages of `dir` (from its lock file) unless `marker` is there already.
pub(crate) async fn npm_packages(dir: &std::path::Path, marker: &str) -> Result<(), String> {
    if dir.join("node_modules").join(marker).exists() {
        return Ok(());
    }
    let installed = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    match installed {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("npm ci failed: {s}")),
        Err(e) => Err(format!("npm not found: {e}")),
    }
}

pub(crate) fn e2e_path() -> PathBuf {
    e2e_dir()
}

fn unavailable(why: &str) -> Option<NodeOidcProvider> {
    if std::env::var_os("CI").is_some() {
        panic!("the external OpenID Connect provider is required under CI: {why}");
    }
    eprintln!("SKIPPED: external OpenID Connect provider unavailable ({why}); install Node.js and npm to run this test");
    None
}

impl NodeOidcProvider {
    /// Starts the provider with `persona` (a JSON object of claims plus `acr`).
    pub async fn start(persona: &serde_json::Value) -> Option<Self> {
        let dir = e2e_dir();
        if let Err(why) = npm_packages(&dir, "oidc-provider").await {
            return unavailable(&why);
        }
        let client_id = "sportello-test".to_string();
        let client_secret = format!("test-only-{}", uuid_like());
        let mut child = match Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(&dir)
            .env("PERSONA", persona.to_string())
            .env("CLIENT_ID", &client_id)
            .env("CLIENT_SECRET", &client_secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return unavailable(&format!("node not found: {e}")),
        };
        let stdin = child.stdin.take()?;
        let mut stdout = BufReader::new(child.stdout.take()?).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(30), stdout.next_line())
            .await
            .expect("the provider starts within 30 s")
            .expect("provider output")
            .expect("a first line");
        let port = first
            .strip_prefix("port ")
            .expect("`port N` line")
            .trim()
            .to_string();
        Some(Self {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id,
            client_secret,
            child,
            stdin,
            stdout,
        })
    }

    /// Registers the relying party's redirect URI and waits until the provider serves.
    pub async fn register(&mut self, redirect_uri: &str) {
        self.stdin
            .write_all(format!("{redirect_uri}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
        let line =
            tokio::time::timeout(std::time::Duration::from_secs(30), self.stdout.next_line())
                .await
                .expect("the provider is ready within 30 s")
                .unwrap()
                .unwrap();
        assert_eq!(line, "ready");
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}")
}
