//! A tiny HTTP/1.1 test client over loopback. It exposes every body frame and tells a clean
//! end from a cut connection, which is what the scenarios are about.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::http::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tidings_devserver::{Config, Server};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};

/// Upper bound for any single wait in these tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// Starts a server on 127.0.0.1:0 that stops by itself after a minute at the latest.
pub async fn start() -> Server {
    start_with(Config {
        exit_after: Some(Duration::from_secs(60)),
        ..Config::default()
    })
    .await
}

/// Starts a server with a config.
pub async fn start_with(config: Config) -> Server {
    Server::start(config).await.expect("server starts")
}

/// One request on its own TCP connection. Dropping it closes the connection.
pub struct Exchange {
    /// Response status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    body: Incoming,
    conn: JoinHandle<()>,
}

impl Drop for Exchange {
    fn drop(&mut self) {
        // Aborting the connection task drops the socket: the server sees the client leave.
        self.conn.abort();
    }
}

/// How a body read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A data frame.
    Data(Bytes),
    /// The body ended cleanly.
    End,
    /// The connection broke before the body ended.
    Cut,
    /// Nothing arrived in time.
    Timeout,
}

/// Everything a body delivered and how it ended.
pub struct Collected {
    /// Body bytes.
    pub bytes: Vec<u8>,
    /// Number of data frames.
    pub frames: usize,
    /// [`Next::End`], [`Next::Cut`] or [`Next::Timeout`].
    pub ending: Next,
}

impl Collected {
    /// The body as UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).expect("utf-8 body")
    }
}

/// Sends a request with headers and an optional body.
pub async fn send(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Exchange {
    let tcp = TcpStream::connect(server.addr()).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    let conn = tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", server.addr().to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .expect("request");
    let resp = timeout(WAIT, sender.send_request(req))
        .await
        .expect("response in time")
        .expect("response");
    let (parts, body) = resp.into_parts();
    Exchange {
        status: parts.status,
        headers: parts.headers,
        body,
        conn,
    }
}

/// `GET path`.
pub async fn get(server: &Server, path: &str) -> Exchange {
    send(server, "GET", path, &[], None).await
}

impl Exchange {
    /// A header as a string ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_owned())
            .unwrap_or_default()
    }

    /// The next data frame, or how the body ended.
    pub async fn next(&mut self, wait: Duration) -> Next {
        loop {
            match timeout(wait, self.body.frame()).await {
                Err(_) => return Next::Timeout,
                Ok(None) => return Next::End,
                Ok(Some(Err(_))) => return Next::Cut,
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        return Next::Data(data);
                    }
                }
            }
        }
    }

    /// Reads until the body ends or breaks (or [`WAIT`] passes).
    pub async fn collect(&mut self) -> Collected {
        let deadline = Instant::now() + WAIT;
        let mut out = Collected {
            bytes: Vec::new(),
            frames: 0,
            ending: Next::Timeout,
        };
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Next::Data(d) => {
                    out.bytes.extend_from_slice(&d);
                    out.frames += 1;
                }
                other => {
                    out.ending = other;
                    return out;
                }
            }
        }
    }

    /// Reads until the body so far contains `needle` (panics after [`WAIT`]).
    pub async fn read_until(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut buf = Vec::new();
        loop {
            if String::from_utf8_lossy(&buf).contains(needle) {
                return String::from_utf8_lossy(&buf).into_owned();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Next::Data(d) => buf.extend_from_slice(&d),
                other => panic!(
                    "body ended ({other:?}) before {needle:?}; got {:?}",
                    String::from_utf8_lossy(&buf)
                ),
            }
        }
    }

    /// Collects the body as text, asserting a clean end.
    pub async fn text(&mut self) -> String {
        let c = self.collect().await;
        assert_eq!(c.ending, Next::End, "body: {:?}", c.text());
        c.text()
    }
}

/// `GET path` and parse the JSON body.
pub async fn get_json(server: &Server, path: &str) -> serde_json::Value {
    let mut ex = get(server, path).await;
    assert_eq!(ex.status, StatusCode::OK, "{path}");
    serde_json::from_str(&ex.text().await).expect("json")
}

/// `/control/stats` for a session.
pub async fn stats(server: &Server, session: &str) -> serde_json::Value {
    get_json(server, &format!("/control/stats?session={session}")).await
}

/// Polls `check` every 20 ms until it returns true or [`WAIT`] passes.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Complete events in an SSE text (blocks ended by a blank line, `\n` line ends only):
/// `(id, data)` pairs, `id` empty when absent. Enough for the ticks format.
pub fn events(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find("\n\n") {
        let block = &rest[..end];
        rest = &rest[end + 2..];
        let mut id = String::new();
        let mut data = Vec::new();
        for line in block.split('\n') {
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.to_owned();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push(v);
            }
        }
        if !data.is_empty() {
            out.push((id, data.join("\n")));
        }
    }
    out
}

/// Ids of the complete events in an SSE text.
pub fn ids(text: &str) -> Vec<u64> {
    events(text)
        .into_iter()
        .map(|(id, _)| id.parse().expect("numeric id"))
        .collect()
}

/// A fresh empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tidings-devserver-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
