//! Shared server state: per-session request records, bearer tokens and login cookies.
//!
//! Tests run in parallel against one server, so everything a test can observe is filed
//! under the `session` query parameter it chose.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;

/// Session name used when a request carries no `session` query parameter.
pub const DEFAULT_SESSION: &str = "default";

/// Records kept per session; older ones are discarded (and counted) so a long chaos run
/// cannot grow memory without bound.
const MAX_RECORDS_PER_SESSION: usize = 20_000;

/// Sentinel for "still open" in [`RequestRecord::ended_ms`].
const OPEN: u64 = u64::MAX;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    started: Instant,
    sessions: Mutex<HashMap<String, Session>>,
    tokens: Mutex<HashMap<String, Instant>>,
    cookies: Mutex<HashMap<String, String>>,
    counter: AtomicU64,
    shutdown: watch::Sender<bool>,
    labs: crate::lab::Labs,
}

#[derive(Default)]
struct Session {
    records: Vec<Arc<RequestRecord>>,
    /// How many records were discarded because of [`MAX_RECORDS_PER_SESSION`].
    discarded: u64,
    /// Requests seen per path since the last reset. Scenarios that depend on the
    /// connection number (`/sse/flaky`, `/sse/drop`) read this, so it must survive the
    /// record cap.
    per_path: HashMap<String, u64>,
}

/// One HTTP request to a `/sse/...` endpoint, as shown by `/control/stats`.
pub struct RequestRecord {
    /// Position in the session's request list since the last reset (0-based).
    pub index: u64,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// `Last-Event-ID` header value, if sent.
    pub last_event_id: Option<String>,
    /// Whether an `Authorization` header arrived.
    pub authorization: bool,
    /// Whether a `Cookie` header arrived.
    pub cookie: bool,
    /// `Origin` header, if sent.
    pub origin: Option<String>,
    /// Milliseconds since server start when the request arrived.
    pub started_ms: u64,
    ended_ms: AtomicU64,
    status: AtomicU16,
    bytes_sent: AtomicU64,
}

impl RequestRecord {
    /// Adds `n` body bytes handed to the connection.
    pub fn add_bytes(&self, n: u64) {
        self.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the response status.
    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
    }

    /// Whether the response body is still being served.
    pub fn is_open(&self) -> bool {
        self.ended_ms.load(Ordering::Acquire) == OPEN
    }

    fn snapshot(&self) -> RecordView {
        let ended = self.ended_ms.load(Ordering::Acquire);
        let status = self.status.load(Ordering::Relaxed);
        RecordView {
            index: self.index,
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            last_event_id: self.last_event_id.clone(),
            authorization: self.authorization,
            cookie: self.cookie,
            origin: self.origin.clone(),
            started_ms: self.started_ms,
            ended_ms: (ended != OPEN).then_some(ended),
            open: ended == OPEN,
            status: (status != 0).then_some(status),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
        }
    }
}

/// JSON form of a [`RequestRecord`].
#[derive(Serialize)]
pub struct RecordView {
    index: u64,
    method: String,
    path: String,
    query: Option<String>,
    last_event_id: Option<String>,
    authorization: bool,
    cookie: bool,
    origin: Option<String>,
    started_ms: u64,
    ended_ms: Option<u64>,
    open: bool,
    status: Option<u16>,
    bytes_sent: u64,
}

/// JSON answer of `/control/stats`.
#[derive(Serialize)]
pub struct StatsView {
    session: String,
    open: usize,
    total: u64,
    discarded: u64,
    requests: Vec<RecordView>,
}

/// Fields of a new record that come from the request.
pub struct NewRecord {
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// `Last-Event-ID` header value.
    pub last_event_id: Option<String>,
    /// `Authorization` header present.
    pub authorization: bool,
    /// `Cookie` header present.
    pub cookie: bool,
    /// `Origin` header.
    pub origin: Option<String>,
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

impl AppState {
    /// Fresh state with no sessions.
    pub fn new() -> Self {
        let (shutdown, _) = watch::channel(false);
        AppState {
            inner: Arc::new(Inner {
                started: Instant::now(),
                sessions: Mutex::default(),
                tokens: Mutex::default(),
                cookies: Mutex::default(),
                counter: AtomicU64::new(0),
                shutdown,
                labs: crate::lab::Labs::default(),
            }),
        }
    }

    /// The reconnect lab's faults and live streams.
    pub fn labs(&self) -> &crate::lab::Labs {
        &self.inner.labs
    }

    /// Milliseconds since the server started.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Asks every open stream to end, so graceful shutdown does not wait on endless streams.
    pub fn begin_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Resolves once [`AppState::begin_shutdown`] was called.
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.shutdown.subscribe();
        async move {
            // An error means the sender is gone, which also means shutdown.
            let _ = rx.wait_for(|stopping| *stopping).await;
        }
    }

    /// A unique, hard-to-guess-enough string for tokens and cookies. Not cryptographic:
    /// this server only ever listens on loopback.
    pub fn unique_id(&self, prefix: &str) -> String {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mixed = crate::rng::splitmix64(nanos as u64 ^ n.rotate_left(32));
        format!("{prefix}-{n}-{mixed:016x}")
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Files a new request under `session`. Returns the record and the number of earlier
    /// requests to the same path in this session (the connection number, 0-based).
    pub fn open_record(&self, session: &str, new: NewRecord) -> (Arc<RequestRecord>, u64) {
        let started_ms = self.now_ms();
        let mut sessions = self.sessions();
        let s = sessions.entry(session.to_owned()).or_default();
        let seq = s.per_path.entry(new.path.clone()).or_insert(0);
        let conn_no = *seq;
        *seq += 1;
        let record = Arc::new(RequestRecord {
            index: s.discarded + s.records.len() as u64,
            method: new.method,
            path: new.path,
            query: new.query,
            last_event_id: new.last_event_id,
            authorization: new.authorization,
            cookie: new.cookie,
            origin: new.origin,
            started_ms,
            ended_ms: AtomicU64::new(OPEN),
            status: AtomicU16::new(0),
            bytes_sent: AtomicU64::new(0),
        });
        if s.records.len() >= MAX_RECORDS_PER_SESSION {
            s.records.remove(0);
            s.discarded += 1;
        }
        s.records.push(Arc::clone(&record));
        (record, conn_no)
    }

    /// Marks a record closed (idempotent: the first call wins).
    pub fn close_record(&self, record: &RequestRecord) {
        let now = self.now_ms();
        let _ = record
            .ended_ms
            .compare_exchange(OPEN, now, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Snapshot for `/control/stats`.
    pub fn stats(&self, session: &str) -> StatsView {
        let sessions = self.sessions();
        let Some(s) = sessions.get(session) else {
            return StatsView {
                session: session.to_owned(),
                open: 0,
                total: 0,
                discarded: 0,
                requests: Vec::new(),
            };
        };
        let requests: Vec<RecordView> = s.records.iter().map(|r| r.snapshot()).collect();
        StatsView {
            session: session.to_owned(),
            open: requests.iter().filter(|r| r.open).count(),
            total: s.discarded + s.records.len() as u64,
            discarded: s.discarded,
            requests,
        }
    }

    /// Forgets a session's records and connection counters.
    pub fn reset(&self, session: &str) {
        self.sessions().remove(session);
    }

    /// Forgets every session.
    pub fn reset_all(&self) {
        self.sessions().clear();
    }

    /// Issues a bearer token valid for `ttl`.
    pub fn issue_token(&self, ttl: Duration) -> String {
        let token = self.unique_id("tok");
        let mut tokens = self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Drop long-expired tokens so repeated refreshes stay bounded.
        tokens.retain(|_, exp| *exp + Duration::from_secs(60) > now);
        tokens.insert(token.clone(), now + ttl);
        token
    }

    /// When the token expires, or why it is not acceptable.
    pub fn check_token(&self, token: &str) -> Result<Instant, &'static str> {
        let tokens = self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner());
        match tokens.get(token) {
            None => Err("unknown bearer token"),
            Some(exp) if *exp <= Instant::now() => Err("bearer token expired"),
            Some(exp) => Ok(*exp),
        }
    }

    /// Creates a login cookie value for `session`.
    pub fn login(&self, session: &str) -> String {
        let value = self.unique_id("ck");
        let mut cookies = self.inner.cookies.lock().unwrap_or_else(|e| e.into_inner());
        cookies.insert(value.clone(), session.to_owned());
        value
    }

    /// Invalidates a login cookie value.
    pub fn logout(&self, value: &str) {
        let mut cookies = self.inner.cookies.lock().unwrap_or_else(|e| e.into_inner());
        cookies.remove(value);
    }

    /// Whether a login cookie value is valid.
    pub fn cookie_valid(&self, value: &str) -> bool {
        let cookies = self.inner.cookies.lock().unwrap_or_else(|e| e.into_inner());
        cookies.contains_key(value)
    }
}
