//! A real S3-compatible object store for tests: Garage (Deuxfleurs, from crates.io: `cargo
//! install garage`), one node on loopback with its metadata and data in a temporary folder,
//! fsync on, a key and a bucket made through its own command line. `.ci/run` builds the binary
//! once into cargo's home and names it in `SPORTELLO_GARAGE`; otherwise
//! `target/tools/bin/garage` is used when there. Without either the caller is told to skip —
//! except under CI, where that is a failure.

use std::path::PathBuf;
use std::time::Duration;

use tokio::process::{Child, Command};

pub struct Garage {
    pub settings: sportello_app::s3::S3Settings,
    binary: PathBuf,
    config: PathBuf,
    dir: PathBuf,
    child: Child,
}

fn unavailable<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("Garage is required under CI: {why}");
    }
    eprintln!(
        "SKIPPED: Garage unavailable ({why}); `cargo install garage --locked --root target/tools` to run this test"
    );
    None
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPORTELLO_GARAGE") {
        return Some(PathBuf::from(path));
    }
    let built = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/tools/bin/garage"
    ));
    built.exists().then_some(built)
}

impl Garage {
    /// Starts a node, lays it out, and makes a bucket and a key that may read and write it. A
    /// port found free may be taken by a parallel test before the node binds it: then the
    /// node is started again on others.
    pub async fn start() -> Option<Self> {
        let Some(binary) = binary() else {
            return unavailable("no target/tools/bin/garage and no SPORTELLO_GARAGE");
        };
        let mut why = String::new();
        for _ in 0..3 {
            match Self::try_start(&binary).await {
                Ok(garage) => return Some(garage),
                Err(e) => why = e,
            }
        }
        panic!("Garage did not start: {why}");
    }

    async fn try_start(binary: &std::path::Path) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "sportello-garage-{}",
            sportello_app::crypto::random_token(12)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let (rpc, s3, admin) = (crate::free_port(), crate::free_port(), crate::free_port());
        let secret =
            sportello_app::crypto::sha256_hex(sportello_app::crypto::random_token(32).as_bytes());
        let config = dir.join("garage.toml");
        let toml = format!(
            r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "sqlite"
metadata_fsync = true
data_fsync = true
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin}"
"#,
            meta = dir.join("meta").display(),
            data = dir.join("data").display(),
        );
        std::fs::write(&config, toml).map_err(|e| e.to_string())?;
        // What the node says goes to a file beside its data, quoted when it fails.
        let log = std::fs::File::create(dir.join("garage.log")).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut garage = Self {
            settings: sportello_app::s3::S3Settings {
                endpoint: format!("http://127.0.0.1:{s3}"),
                bucket: "sportello".into(),
                region: "garage".into(),
                prefix: "blobs/".into(),
                access_key_id: String::new(),
                secret_access_key: String::new(),
            },
            binary: binary.to_path_buf(),
            config,
            dir,
            child,
        };
        // The node answers its command line once it is up.
        let mut node = String::new();
        for _ in 0..200 {
            if let Ok(Some(status)) = garage.child.try_wait() {
                return Err(format!("the node stopped ({status}): {}", garage.log()));
            }
            if let Ok(out) = garage.cli(&["node", "id", "-q"]).await {
                node = out.trim().split('@').next().unwrap_or_default().to_owned();
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if node.is_empty() {
            return Err(format!("the node did not answer: {}", garage.log()));
        }
        garage
            .cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])
            .await?;
        garage.cli(&["layout", "apply", "--version", "1"]).await?;
        let key = garage.cli(&["key", "create", "sportello-test"]).await?;
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .ok_or_else(|| format!("no `{name}` in: {key}"))
        };
        garage.settings.access_key_id = field("Key ID:")?;
        garage.settings.secret_access_key = field("Secret key:")?;
        garage.cli(&["bucket", "create", "sportello"]).await?;
        garage
            .cli(&[
                "bucket",
                "allow",
                "--read",
                "--write",
                "sportello",
                "--key",
                "sportello-test",
            ])
            .await?;
        Ok(garage)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("garage.log")).unwrap_or_default()
    }

    /// Runs Garage's command line against the node; its standard output.
    pub async fn cli(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .await
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "garage {args:?}: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The node's data folder (what it keeps on disk).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// However a test ends (a failed assertion too), the node stops (`kill_on_drop`) and its
/// folder goes.
impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a Garage binary is at hand (tests that can use either store use it then).
pub fn available() -> bool {
    binary().is_some()
}
