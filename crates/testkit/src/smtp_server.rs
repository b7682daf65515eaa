//! A real SMTP server for tests: `e2e/smtp-server.py` on Python's `aiosmtpd` (PyPI), in a
//! virtual environment the harness creates on first use under `target/testkit-python`.
//! Without Python the caller is told to skip — except under CI, where that is a failure.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    _stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn unavailable<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("the SMTP test server is required under CI: {why}");
    }
    eprintln!("SKIPPED: SMTP test server unavailable ({why}); install Python 3 with venv to run this test");
    None
}

/// A port nobody listens on now (another process may take it later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(2525)
}

/// A port held for as long as this value lives, bound but never listening: every connection to
/// it is refused, and no other process can take it meanwhile — a mail server that is down.
pub struct RefusingPort {
    pub port: u16,
    _socket: tokio::net::TcpSocket,
}

impl RefusingPort {
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind("127.0.0.1:0".parse().expect("an address"))
            .expect("a loopback port");
        let port = socket.local_addr().expect("its address").port();
        Self {
            port,
            _socket: socket,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

impl Default for RefusingPort {
    fn default() -> Self {
        Self::new()
    }
}

/// The virtual environment's Python, with aiosmtpd (and icalendar, to read invitations)
/// installed.
async fn python() -> Result<PathBuf, String> {
    let venv = root().join("target/testkit-python");
    let python = venv.join("bin/python3");
    // A venv made before icalendar joined it is made again.
    if python.exists() && venv.join("lib").exists() && has_icalendar(&venv) {
        return Ok(python);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let ok = |s: std::io::Result<std::process::ExitStatus>, what: &str| match s {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{what}: {s}")),
        Err(e) => Err(format!("{what}: {e}")),
    };
    let tmp = root().join(format!("target/testkit-python-{}", std::process::id()));
    ok(
        Command::new("python3")
            .args(["-m", "venv"])
            .arg(&tmp)
            .status()
            .await,
        "python3 -m venv",
    )?;
    ok(
        Command::new(tmp.join("bin/pip"))
            .args(["install", "--quiet", "aiosmtpd==1.4.6", "icalendar==7.3.0"])
            .stdout(Stdio::null())
            .status()
            .await,
        "pip install aiosmtpd",
    )?;
    // Another test process may have finished first: either environment will do.
    if std::fs::rename(&tmp, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(python)
}

impl SmtpServer {
    /// Starts the server on a free port. A port found free can be taken by a parallel test
    /// before the server binds it; then another is tried.
    pub async fn start_on_free_port() -> Option<Self> {
        for _ in 0..4 {
            if let Ok(server) = Self::try_start(free_port()).await {
                return Some(server);
            }
        }
        Self::start(free_port()).await
    }

    /// Starts the server on `port` and waits until it listens.
    pub async fn start(port: u16) -> Option<Self> {
        match Self::try_start(port).await {
            Ok(server) => Some(server),
            Err(why) => unavailable(&why),
        }
    }

    async fn try_start(port: u16) -> Result<Self, String> {
        let python = python().await?;
        let mut child = Command::new(python)
            .arg(root().join("e2e/smtp-server.py"))
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), stdout.next_line()).await;
        match ready {
            Ok(Ok(Some(line))) if line == "READY" => Ok(Self {
                port,
                child,
                _stdin: stdin,
                stdout,
            }),
            other => Err(format!("did not start on port {port}: {other:?}")),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message received, if one arrives within `wait`.
    pub async fn next_message(&mut self, wait: Duration) -> Option<serde_json::Value> {
        let line = tokio::time::timeout(wait, self.stdout.next_line())
            .await
            .ok()?
            .ok()??;
        serde_json::from_str(&line).ok()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn has_icalendar(venv: &std::path::Path) -> bool {
    std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|py| py.path().join("site-packages/icalendar").exists())
}
