//! The blob store on S3-compatible object storage, for a region run by several `sportello`
//! processes: every process reads and writes the same bucket, by SHA-256, as the filesystem
//! store does under one data directory.
//!
//! Requests are path-style (`{endpoint}/{bucket}/{key}`) and signed with AWS Signature
//! Version 4. A file's key is its digest, and the digest is also the payload hash the request is
//! signed with (`x-amz-content-sha256`): the store refuses a body that does not match it, so a
//! file damaged on the way is never stored under its name. Tested against Garage, started by
//! the tests (`tests/it/blobs_s3.rs`).

use std::path::PathBuf;
use std::time::Duration;

use hmac::Mac;

use crate::blobs::{sha256_hex, BlobFuture, BlobStore, Upload};

/// Where the bucket is and who we are to it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The service's base address, e.g. `https://s3.example.it` or `http://127.0.0.1:3900`.
    pub endpoint: String,
    pub bucket: String,
    /// The signing region (`garage` for Garage, `us-east-1` for many others).
    pub region: String,
    /// Keys go under this prefix (`""`, or letters, digits, `-`, `_`, `.` and `/`).
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3Settings {
    /// Why these settings cannot work, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.endpoint).map_err(|e| format!("endpoint: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("endpoint: an http or https address".into());
        }
        // Requests are signed for `/{bucket}/{key}` at the endpoint's root: a path, a query or
        // credentials in the address would be sent and not signed (or printed).
        if url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(
                "endpoint: scheme, host and port only (no path, query or credentials)".into(),
            );
        }
        let dots = |s: &str| s.split('/').any(|part| part == "." || part == "..");
        if dots(&self.bucket) || dots(&self.prefix) {
            return Err("bucket and prefix: no '.' or '..' segments".into());
        }
        let plain = |s: &str, slash: bool| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b) || (slash && b == b'/'))
        };
        if self.bucket.is_empty() || !plain(&self.bucket, false) {
            return Err("bucket: letters, digits, '-', '_' and '.'".into());
        }
        if !plain(&self.prefix, true) || self.prefix.contains("//") {
            return Err("prefix: letters, digits, '-', '_', '.' and '/'".into());
        }
        if self.region.is_empty() || !plain(&self.region, false) {
            return Err("region: letters, digits, '-', '_' and '.'".into());
        }
        if self.access_key_id.is_empty() || self.secret_access_key.is_empty() {
            return Err("access_key_id and secret_access_key are needed".into());
        }
        Ok(())
    }
}

/// Files in an S3 bucket: `{prefix}ab/cd/abcd…` by SHA-256.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    settings: S3Settings,
    /// The `Host` header as signed (the endpoint's host, and its port when not the default).
    host: String,
    http: reqwest::Client,
    /// Where received files are written aside before they are sent (local to this process).
    incoming: PathBuf,
}

/// The SHA-256 of nothing: the payload hash of a GET or a HEAD.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl S3BlobStore {
    pub fn new(settings: S3Settings, incoming: PathBuf) -> Result<Self, String> {
        settings.check()?;
        let url = url::Url::parse(&settings.endpoint).map_err(|e| e.to_string())?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err("endpoint: no host".into()),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(300))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            settings,
            host,
            http,
            incoming,
        })
    }

    /// The object's path (`/bucket/prefix/ab/cd/abcd…`), or `None` for a malformed digest.
    fn path(&self, sha256: &str) -> Option<String> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let prefix = self.settings.prefix.trim_matches('/');
        let sep = if prefix.is_empty() { "" } else { "/" };
        Some(format!(
            "/{}/{prefix}{sep}{}/{}/{sha256}",
            self.settings.bucket,
            sha256.get(..2)?,
            sha256.get(2..4)?
        ))
    }

    /// A request signed with Signature Version 4 for `payload_sha256`.
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        payload_sha256: &str,
    ) -> reqwest::RequestBuilder {
        let now = time::OffsetDateTime::now_utc();
        let authorization = sign(
            &self.settings,
            &Signed {
                method: method.as_str(),
                path,
                host: &self.host,
                payload_sha256,
                now,
            },
        );
        let url = format!("{}{path}", self.settings.endpoint.trim_end_matches('/'));
        self.http
            .request(method, url)
            .header("x-amz-date", amz_date(now))
            .header("x-amz-content-sha256", payload_sha256)
            .header(reqwest::header::AUTHORIZATION, authorization)
    }

    async fn send_put(
        &self,
        sha256: &str,
        body: reqwest::Body,
        len: u64,
        timeout: Duration,
    ) -> std::io::Result<()> {
        let path = self.path(sha256).ok_or_else(bad_digest)?;
        let r = self
            .request(reqwest::Method::PUT, &path, sha256)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(std::io::Error::other)?;
        refused(r).await.map(|_| ())
    }

    /// A put of bytes in memory, tried again while the storage is busy (see [`retried`]),
    /// all within `timeout`.
    async fn put_bytes(
        &self,
        sha256: &str,
        bytes: bytes::Bytes,
        timeout: Duration,
    ) -> std::io::Result<()> {
        let path = self.path(sha256).ok_or_else(bad_digest)?;
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let r = retried(timeout, || {
            self.request(reqwest::Method::PUT, &path, sha256)
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(reqwest::Body::from(bytes.clone()))
        })
        .await?;
        refused(r).await.map(|_| ())
    }

    /// Stores `bytes` under a digest the caller vouches for, unchecked here: the storage checks
    /// it against the bytes (the signed payload hash) and refuses a mismatch. For tests of
    /// exactly that refusal; everything else goes through [`BlobStore::put`].
    #[doc(hidden)]
    pub async fn put_claiming(&self, sha256: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        self.put_bytes(sha256, bytes::Bytes::from(bytes), PUT_TIMEOUT)
            .await
    }

    /// Whether the bucket answers to these credentials: asked once at start, so that a wrong
    /// key or bucket stops the server with a clear message rather than a first filing.
    pub async fn check_bucket(&self) -> std::io::Result<()> {
        self.head(&format!("/{}", self.settings.bucket)).await
    }

    /// A HEAD of `path`: success, not found, or why not.
    async fn head(&self, path: &str) -> std::io::Result<()> {
        let r = retried(Duration::from_secs(10), || {
            self.request(reqwest::Method::HEAD, path, EMPTY_SHA256)
        })
        .await?;
        refused(r).await.map(|_| ())
    }

    async fn fetch(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(sha256)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        let r = retried(GET_TIMEOUT, || {
            self.request(reqwest::Method::GET, &path, EMPTY_SHA256)
        })
        .await?;
        let bytes = refused(r)
            .await?
            .bytes()
            .await
            .map_err(std::io::Error::other)?;
        let (bytes, digest) = hashed(bytes.to_vec()).await?;
        if digest != sha256 {
            return Err(std::io::Error::other(
                "stored file does not match its digest",
            ));
        }
        Ok(bytes)
    }
}

/// How long a put of bytes in memory may take: the documents Sportello writes (letters, relate,
/// daily registers) are small, and a letter is stored while its registration holds the
/// register's row — a storage that does not answer must not hold every filing of the AOO.
const PUT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a read may take in all, tries again included.
const GET_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times a request is sent at most while the storage says it is busy.
const ATTEMPTS: u32 = 4;

/// Sends the request `make` builds, again while the storage answers with a server error or
/// cannot be reached for a moment — S3's 500 and 503 («InternalError», «SlowDown»,
/// «ServiceUnavailable») ask clients to try again, with a growing wait — up to [`ATTEMPTS`]
/// times and never past `timeout` in all. Each request is signed afresh (its date).
async fn retried<F>(timeout: Duration, make: F) -> std::io::Result<reqwest::Response>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut wait = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let sent = make()
            .timeout(left.max(Duration::from_millis(1)))
            .send()
            .await;
        let busy = match &sent {
            Ok(r) => r.status().is_server_error(),
            Err(e) => e.is_connect(),
        };
        if !busy || attempt >= ATTEMPTS || tokio::time::Instant::now() + wait >= deadline {
            return sent.map_err(std::io::Error::other);
        }
        tracing::warn!(attempt, "object storage busy or unreachable; trying again");
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(3);
        attempt += 1;
    }
}

/// The bytes and their SHA-256, hashed off the request threads.
async fn hashed(bytes: Vec<u8>) -> std::io::Result<(Vec<u8>, String)> {
    tokio::task::spawn_blocking(move || {
        let digest = sha256_hex(&bytes);
        (bytes, digest)
    })
    .await
    .map_err(std::io::Error::other)
}

fn bad_digest() -> std::io::Error {
    std::io::Error::other("bad digest")
}

/// The response when it is a success; otherwise its status and the service's code as an error
/// (`NotFound` for 404). The body of an error names the code only, never our credentials.
async fn refused(r: reqwest::Response) -> std::io::Result<reqwest::Response> {
    let status = r.status();
    if status.is_success() {
        return Ok(r);
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    }
    let body = r.text().await.unwrap_or_default();
    let code = body
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .unwrap_or("")
        .chars()
        .take(80)
        .collect::<String>();
    Err(std::io::Error::other(format!(
        "object storage answered {status} {code}"
    )))
}

impl BlobStore for S3BlobStore {
    fn put(&self, bytes: Vec<u8>) -> BlobFuture<'_, String> {
        Box::pin(async move {
            let (bytes, digest) = hashed(bytes).await?;
            self.put_bytes(&digest, bytes::Bytes::from(bytes), PUT_TIMEOUT)
                .await?;
            Ok(digest)
        })
    }

    fn keep<'a>(&'a self, upload: &'a Upload) -> BlobFuture<'a, String> {
        Box::pin(async move {
            // Streamed from the copy aside, never whole in memory.
            let file = tokio::fs::File::open(upload.path()).await?;
            let digest = upload.sha256().to_owned();
            // A received file may be large: as long as the client's own limit allows.
            self.send_put(
                &digest,
                reqwest::Body::from(file),
                upload.size(),
                Duration::from_secs(300),
            )
            .await?;
            Ok(digest)
        })
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(self.fetch(sha256))
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            let Some(path) = self.path(sha256) else {
                return Ok(false);
            };
            match self.head(&path).await {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    fn incoming(&self) -> PathBuf {
        self.incoming.clone()
    }
}

/// What a request's signature covers.
struct Signed<'a> {
    method: &'a str,
    /// Already a valid URI path: keys are digits, letters and the prefix's plain characters.
    path: &'a str,
    host: &'a str,
    payload_sha256: &'a str,
    now: time::OffsetDateTime,
}

fn amz_date(now: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        // HMAC takes a key of any length.
        return Vec::new();
    };
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The `Authorization` header of AWS Signature Version 4 (service `s3`), signing the host, the
/// payload hash and the date.
fn sign(settings: &S3Settings, r: &Signed<'_>) -> String {
    let stamp = amz_date(r.now);
    let day = stamp.get(..8).unwrap_or_default();
    let signed_headers = "host;x-amz-content-sha256;x-amz-date";
    let canonical = format!(
        "{}\n{}\n\nhost:{}\nx-amz-content-sha256:{}\nx-amz-date:{stamp}\n\n{signed_headers}\n{}",
        r.method, r.path, r.host, r.payload_sha256, r.payload_sha256
    );
    let scope = format!("{day}/{}/s3/aws4_request", settings.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = [day, settings.region.as_str(), "s3", "aws4_request"]
        .iter()
        .fold(
            format!("AWS4{}", settings.secret_access_key).into_bytes(),
            |key, part| hmac(&key, part),
        );
    let signature = crate::crypto::hex(&hmac(&key, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        settings.access_key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> S3Settings {
        S3Settings {
            endpoint: "https://examplebucket.s3.amazonaws.com".into(),
            bucket: "examplebucket".into(),
            region: "us-east-1".into(),
            prefix: String::new(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        }
    }

    /// The signing key and the signature follow Signature Version 4: the derivation of the
    /// key for the documented example credentials gives the documented key, and a change of any
    /// signed part changes the signature.
    #[test]
    fn signature_version_4() {
        let s = settings();
        // AWS's documented example of the signing key derivation (secret, 20150830, us-east-1,
        // iam) gives c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9.
        let key = ["20150830", "us-east-1", "iam", "aws4_request"]
            .iter()
            .fold(
                b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec(),
                |key, part| hmac(&key, part),
            );
        assert_eq!(
            crate::crypto::hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let now = time::macros::datetime!(2013-05-24 00:00:00 UTC);
        let base = Signed {
            method: "GET",
            path: "/examplebucket/test.txt",
            host: "examplebucket.s3.amazonaws.com",
            payload_sha256: EMPTY_SHA256,
            now,
        };
        let header = sign(&s, &base);
        assert!(header.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        ));
        for changed in [
            Signed {
                method: "PUT",
                ..base
            },
            Signed {
                path: "/examplebucket/other.txt",
                ..base
            },
            Signed {
                payload_sha256: &"0".repeat(64),
                ..base
            },
            Signed {
                now: time::macros::datetime!(2013-05-24 00:00:01 UTC),
                ..base
            },
        ] {
            assert_ne!(sign(&s, &changed), header);
        }
        assert_eq!(sign(&s, &base), header, "deterministic");
    }

    #[test]
    fn keys_are_digests_under_the_prefix() {
        let mut s = settings();
        s.prefix = "sportello/blobs/".into();
        let store = S3BlobStore::new(s, PathBuf::from("/tmp")).unwrap();
        let d = sha256_hex(b"x");
        assert_eq!(
            store.path(&d).unwrap(),
            format!(
                "/examplebucket/sportello/blobs/{}/{}/{d}",
                &d[..2],
                &d[2..4]
            )
        );
        assert_eq!(store.path("../../etc/passwd"), None);
        for bad in [
            S3Settings {
                prefix: "a b".into(),
                ..settings()
            },
            S3Settings {
                bucket: String::new(),
                ..settings()
            },
            S3Settings {
                endpoint: "ftp://x".into(),
                ..settings()
            },
            S3Settings {
                secret_access_key: String::new(),
                ..settings()
            },
            S3Settings {
                endpoint: "https://s3.example.it/sub".into(),
                ..settings()
            },
            S3Settings {
                endpoint: "https://user:pw@s3.example.it".into(),
                ..settings()
            },
            S3Settings {
                prefix: "a/../b".into(),
                ..settings()
            },
            S3Settings {
                bucket: "..".into(),
                ..settings()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }

    /// An object storage that answers 503 to the first `busy` requests, then 200, on loopback:
    /// a moment of «ServiceUnavailable» that the real storage (Garage, in the tests under
    /// crates/sportello) gives only under load, made to happen on purpose. It reads each
    /// request whole (headers and body) before answering. Returns its address and the count of
    /// requests it received.
    async fn busy_storage(busy: usize) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0_u8; 4096];
                    loop {
                        // One request at a time on the connection: headers, then the body.
                        let head_end = loop {
                            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break p + 4;
                            }
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + len {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf.drain(..head_end + len);
                        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let answer: &[u8] = if n < busy {
                            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
                        };
                        if sock.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("http://{addr}"), seen)
    }

    fn store_at(endpoint: String) -> S3BlobStore {
        S3BlobStore::new(
            S3Settings {
                endpoint,
                bucket: "sportello".into(),
                region: "garage".into(),
                ..settings()
            },
            std::env::temp_dir(),
        )
        .unwrap()
    }

    /// A storage busy for a moment is asked again: a letter's put succeeds at the third try;
    /// one that stays busy is refused after the last, never waiting past the put's time.
    #[tokio::test]
    async fn a_busy_storage_is_asked_again_within_the_time_allowed() {
        let (endpoint, seen) = busy_storage(2).await;
        let store = store_at(endpoint);
        let digest = store.put(b"lettera".to_vec()).await.unwrap();
        assert_eq!(digest, sha256_hex(b"lettera"));
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);

        let (endpoint, seen) = busy_storage(usize::MAX).await;
        let store = store_at(endpoint);
        let started = std::time::Instant::now();
        let refused = store.put(b"lettera".to_vec()).await.unwrap_err();
        assert!(refused.to_string().contains("503"), "{refused}");
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::SeqCst),
            ATTEMPTS as usize
        );
        assert!(started.elapsed() < PUT_TIMEOUT);
    }
}
