//! The click day's load generator speaks HTTP/1.1 itself, over one keep-alive connection per
//! submission in flight. Every request is serialized whole before the window opens; an answer
//! is read by its `Content-Length` (or chunked, or until the server closes) and its head
//! parsed with `httparse`, the parser hyper uses.
//!
//! Why not reqwest, which the preparation and the home-page probe still use: the generator
//! shares the two cores with the server it measures, and through reqwest (hyper's client, its
//! connection pool and a task per request on a multi-threaded runtime) it took 90–150 µs of CPU
//! per filing, a fifth of the machine. This is the wrk way: requests written straight to a
//! socket on one thread. It speaks only what the bench needs: plain `http://` (the bench runs
//! on loopback), one request at a time per connection, no redirects.

use std::net::SocketAddr;

use anyhow::{anyhow, bail, Context};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where the requests go: the socket address and the `Host` header's value.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    host: String,
    /// The base URL's path, without its trailing slash ("" for a server at the root).
    prefix: String,
}

impl Target {
    /// The target of a base URL such as `http://127.0.0.1:8080`.
    pub(crate) async fn resolve(base: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(base).with_context(|| format!("not a URL: {base}"))?;
        if url.scheme() != "http" {
            bail!(
                "the click day fires over plain HTTP on loopback: give an http:// URL, not {base}"
            );
        }
        let host = url.host_str().ok_or_else(|| anyhow!("no host in {base}"))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await?
            .next()
            .ok_or_else(|| anyhow!("{host} has no address"))?;
        Ok(Self {
            addr,
            host: url[url::Position::BeforeHost..url::Position::AfterPort].to_string(),
            prefix: url.path().trim_end_matches('/').to_string(),
        })
    }

    /// A whole `POST` of a JSON body to `path` (below the base URL), with extra headers.
    pub(crate) fn post_json(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<Vec<u8>> {
        let mut head = format!(
            "POST {}{path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.prefix,
            self.host,
            body.len()
        );
        for (name, value) in headers {
            if name.contains([':', '\r', '\n']) || value.contains(['\r', '\n']) {
                bail!("header {name} cannot be sent as it is");
            }
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        Ok(request)
    }
}

/// An answer: its status and its body, decoded from its framing.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// A parsed response head.
#[derive(Debug)]
struct Head {
    len: usize,
    status: u16,
    framing: Framing,
    close: bool,
}

fn parse_head(buf: &[u8]) -> std::io::Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(invalid(format!("bad response head: {e}"))),
    };
    let status = response.code.unwrap_or(0);
    let mut framing = Framing::UntilClose;
    let mut close = response.version == Some(0);
    for h in response.headers.iter() {
        let value = std::str::from_utf8(h.value).unwrap_or_default().trim();
        if h.name.eq_ignore_ascii_case("content-length") && framing != Framing::Chunked {
            let n = value
                .parse()
                .map_err(|_| invalid(format!("bad Content-Length: {value}")))?;
            framing = Framing::Length(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().ends_with("chunked")
        {
            framing = Framing::Chunked;
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    if status == 204 || status == 304 {
        framing = Framing::Length(0);
    }
    Ok(Some(Head {
        len,
        status,
        framing,
        close: close || framing == Framing::UntilClose,
    }))
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// Decodes a chunked body that starts at `buf[0]`: `Some((body, bytes used))` once whole.
fn dechunk(buf: &[u8]) -> std::io::Result<Option<(Vec<u8>, usize)>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let rest = buf.get(at..).unwrap_or_default();
        let (start, size) = match httparse::parse_chunk_size(rest) {
            Ok(httparse::Status::Complete(x)) => x,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(invalid("bad chunk size".into())),
        };
        let size = usize::try_from(size).map_err(|_| invalid("chunk too large".into()))?;
        at += start;
        if size == 0 {
            // Trailer lines, if any, up to the empty line.
            loop {
                let rest = buf.get(at..).unwrap_or_default();
                let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                    return Ok(None);
                };
                at += end + 2;
                if end == 0 {
                    return Ok(Some((body, at)));
                }
            }
        }
        let Some(chunk) = buf.get(at..at + size) else {
            return Ok(None);
        };
        match buf.get(at + size..at + size + 2) {
            None => return Ok(None),
            Some(b"\r\n") => {}
            Some(_) => return Err(invalid("chunk not ended by CRLF".into())),
        }
        body.extend_from_slice(chunk);
        at += size + 2;
    }
}

/// One keep-alive connection, opened on first use and again after the server closes it.
pub(crate) struct Connection {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

/// Why an exchange failed, and whether the server can have seen the request.
enum Failure {
    /// The connection was found closed before any byte of an answer: on a reused connection
    /// this is the server having closed it while idle.
    NoAnswer(std::io::Error),
    Other(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e)
    }
}

impl Connection {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            buf: Vec::with_capacity(8192),
        }
    }

    /// Forgets the connection (after a timeout, its state is unknown).
    pub(crate) fn reset(&mut self) {
        self.stream = None;
    }

    /// Sends one whole request and reads its answer. A reused connection the server had closed
    /// before answering is opened again and the request sent once more: the bench's requests
    /// carry an Idempotency-Key, so a request the server did see is answered, not repeated.
    pub(crate) async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Answer> {
        let reused = self.stream.is_some();
        let result = match self.once(request).await {
            Err(Failure::NoAnswer(_)) if reused => {
                self.stream = None;
                self.once(request).await
            }
            other => other,
        };
        result.map_err(|f| {
            self.stream = None;
            match f {
                Failure::NoAnswer(e) | Failure::Other(e) => e,
            }
        })
    }

    async fn once(&mut self, request: &[u8]) -> Result<Answer, Failure> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(Failure::Other(invalid("no connection".into())));
        };
        if let Err(e) = stream.write_all(request).await {
            return Err(Failure::NoAnswer(e));
        }
        self.buf.clear();
        let head = loop {
            // Interim 1xx answers (other than a protocol switch) precede the real one.
            match parse_head(&self.buf)? {
                Some(h) if (100..200).contains(&h.status) && h.status != 101 => {
                    self.buf.drain(..h.len);
                    continue;
                }
                Some(h) => break h,
                None => {}
            }
            self.buf.reserve(4096);
            match stream.read_buf(&mut self.buf).await {
                Ok(0) if self.buf.is_empty() => {
                    return Err(Failure::NoAnswer(std::io::ErrorKind::UnexpectedEof.into()))
                }
                Ok(0) => return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into()),
                Ok(_) => {}
                Err(e) if self.buf.is_empty() => return Err(Failure::NoAnswer(e)),
                Err(e) => return Err(e.into()),
            }
        };
        let body = loop {
            let rest = self.buf.get(head.len..).unwrap_or_default();
            let done = match head.framing {
                Framing::Length(n) => rest.get(..n).map(|b| (b.to_vec(), n)),
                Framing::Chunked => dechunk(rest)?,
                Framing::UntilClose => None,
            };
            if let Some((body, used)) = done {
                // Bytes past the answer were never asked for: do not reuse the connection.
                if head.close || rest.len() > used {
                    self.stream = None;
                }
                break body;
            }
            self.buf.reserve(4096);
            if stream.read_buf(&mut self.buf).await? == 0 {
                if head.framing == Framing::UntilClose {
                    let body = self.buf.get(head.len..).unwrap_or_default().to_vec();
                    self.stream = None;
                    break body;
                }
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
        };
        Ok(Answer {
            status: head.status,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that reads one request per answer from `answers` (each written in the pieces
    /// given, to exercise partial reads), then closes when told to.
    async fn canned(answers: Vec<(Vec<&'static [u8]>, bool)>) -> anyhow::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            for (pieces, then_close) in answers {
                let mut request = Vec::new();
                // Read up to the end of a head plus its Content-Length body.
                loop {
                    let mut chunk = [0u8; 4096];
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    let mut headers = [httparse::EMPTY_HEADER; 16];
                    let mut req = httparse::Request::new(&mut headers);
                    if let Ok(httparse::Status::Complete(len)) = req.parse(&request) {
                        let body_len: usize = req
                            .headers
                            .iter()
                            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                            .and_then(|h| std::str::from_utf8(h.value).ok()?.parse().ok())
                            .unwrap_or(0);
                        if request.len() >= len + body_len {
                            break;
                        }
                    }
                }
                for piece in pieces {
                    if socket.write_all(piece).await.is_err() {
                        return;
                    }
                    socket.flush().await.ok();
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                if then_close {
                    return;
                }
            }
        });
        Ok(addr)
    }

    #[tokio::test]
    async fn reads_answers_by_length_and_by_chunks_and_split_across_reads() -> anyhow::Result<()> {
        let addr = canned(vec![
            (
                vec![b"HTTP/1.1 201 Created\r\nContent-Le", b"ngth: 5\r\n\r\nhel", b"lo"],
                false,
            ),
            (
                vec![
                    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                    b"2\r\nde\r\n0\r\n\r\n",
                ],
                false,
            ),
            (
                vec![b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"],
                false,
            ),
        ])
        .await?;
        let target = Target::resolve(&format!("http://{addr}/")).await?;
        let request = target.post_json("/x", &[("Idempotency-Key", "k")], b"{}")?;
        assert!(request.starts_with(b"POST /x HTTP/1.1\r\nHost: 127.0.0.1:"));
        assert!(request.ends_with(b"Idempotency-Key: k\r\n\r\n{}"));
        let mut conn = Connection::new(target.addr);
        let a = conn.exchange(&request).await?;
        assert_eq!((a.status, a.body.as_slice()), (201, b"hello".as_slice()));
        let b = conn.exchange(&request).await?;
        assert_eq!((b.status, b.body.as_slice()), (200, b"abcde".as_slice()));
        let c = conn.exchange(&request).await?;
        assert_eq!((c.status, c.body.len()), (503, 0));
        Ok(())
    }

    #[tokio::test]
    async fn a_connection_closed_after_an_answer_is_opened_again() -> anyhow::Result<()> {
        // The first connection answers once and closes; the listener takes a second one.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            for body in [&b"one"[..], &b"two"[..]] {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut chunk = [0u8; 4096];
                let _ = socket.read(&mut chunk).await;
                let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(body).await;
                let _ = socket.shutdown().await;
            }
        });
        let target = Target::resolve(&format!("http://{addr}")).await?;
        let request = target.post_json("/x", &[], b"")?;
        let mut conn = Connection::new(target.addr);
        assert_eq!(conn.exchange(&request).await?.body, b"one");
        // The server closed without saying so: the request is sent again on a new connection.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(conn.exchange(&request).await?.body, b"two");
        Ok(())
    }

    #[tokio::test]
    async fn refuses_what_it_cannot_speak() -> anyhow::Result<()> {
        assert!(Target::resolve("https://127.0.0.1:1").await.is_err());
        let target = Target::resolve("http://127.0.0.1:1/base/").await?;
        let request = target.post_json("/x", &[], b"")?;
        assert!(request.starts_with(b"POST /base/x HTTP/1.1\r\n"));
        assert!(target
            .post_json("/x", &[("A", "b\r\nInjected: 1")], b"")
            .is_err());
        assert!(matches!(parse_head(b"HTTP/1.1 2x"), Err(_) | Ok(None)));
        assert!(parse_head(b"NOT HTTP\r\n\r\n").is_err());
        Ok(())
    }
}
