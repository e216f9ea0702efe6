//! `mailproof serve`: a page on the reporter's own machine to drop a
//! message on, read the verdict and save the report, for people who never
//! open a terminal and must not upload a source's material to someone
//! else's website.
//!
//! The server listens on 127.0.0.1 unless told otherwise, answers only
//! requests whose Host names that address (DNS rebinding), accepts uploads
//! only from its own page, keeps results in memory (never on disk), and
//! serves a page whose Content-Security-Policy allows no script but its own
//! file. The verifier it is given decides whether anything leaves the
//! machine (live DNS only with `--online`).
//!
//! Memory and connections are bounded whatever clients send ([`Limits`]):
//! at most [`Limits::max_concurrent_uploads`] uploads are checked at once
//! (another gets 503 and a sentence the page shows), an upload is checked
//! one message at a time and its reports are cut to fit, kept results are
//! capped by bytes with the oldest dropped first, at most
//! [`MAX_CONNECTIONS`] connections are served at once, and a client that
//! does not finish its request headers within [`HEADER_TIMEOUT`] (also
//! between requests on a kept-alive connection), stalls its upload body
//! for [`BODY_IDLE_TIMEOUT`], trickles it slower than [`BODY_MIN_RATE`] on
//! average once [`BODY_IDLE_TIMEOUT`] has passed, or stops reading a
//! response for [`WRITE_TIMEOUT`] is disconnected.

mod export;
mod guard;
mod store;
pub mod upload;

pub use export::{Kind, keys_zone};
pub use guard::{PAGE_CSP, REPORT_CSP, allowed_hosts};

use crate::Verifier;
use crate::render::Settings;
use crate::report::{Report, Verdict};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// How long a client may take to send a request's headers, counted from
/// when the server starts waiting for them: on a new connection, and after
/// each response on a kept-alive one (so it is also the idle timeout).
/// hyper's `header_read_timeout`.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an upload body may go without a byte arriving before the
/// request fails (tower-http's `RequestBodyTimeout`, reset on every frame).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The slowest average an upload body may arrive at, in bytes per second,
/// counted from the first read of the body and enforced once
/// [`BODY_IDLE_TIMEOUT`] has passed. Without it a client sending one byte
/// just inside the idle timeout would hold its connection for as long as
/// it likes; with it, an upload of the default 64 MB cap may take at most
/// about 68 minutes, and a trickle is cut after about 30 seconds.
pub const BODY_MIN_RATE: u64 = 16 * 1024;

/// How long a response write may wait for the client to read before the
/// connection is closed (`tokio-io-timeout`'s write timeout on the socket):
/// a client that asks for a download and never reads it does not keep its
/// connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections served at once; further clients wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 64;

/// How much one upload may hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of one upload request (all files together).
    pub max_upload_bytes: usize,
    /// Messages in one upload, after mboxes are split and zips opened.
    pub max_messages: usize,
    /// Bytes of one message.
    pub max_message_bytes: u64,
    /// Bytes that the zips of one upload may unpack to.
    pub max_unpacked_bytes: u64,
    /// Uploads checked at the same time; one more is refused (503) with a
    /// sentence saying so.
    pub max_concurrent_uploads: usize,
    /// Bytes of results kept for the page's downloads, counted as twice
    /// their JSON size; the oldest uploads' results are dropped first, and
    /// one upload's reports are cut to fit in half of it.
    pub kept_bytes: usize,
}

impl Limits {
    /// The most resident memory the server should reach with these
    /// limits, in bytes, whatever is uploaded (the README's figure is this
    /// for the defaults). Each upload being checked holds its files, one
    /// unpacked message with the verifier's work on it (a few times the
    /// message), and its reports; kept results and the idle server come on
    /// top. Measured by `tests/serve_load.rs`.
    pub fn memory_ceiling(&self) -> u64 {
        const BASE: u64 = 64 << 20;
        let per_upload =
            2 * self.max_upload_bytes as u64 + 4 * self.max_message_bytes + self.kept_bytes as u64;
        BASE + self.max_concurrent_uploads as u64 * per_upload + 2 * self.kept_bytes as u64
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 64 << 20,
            max_messages: 2000,
            max_message_bytes: 32 << 20,
            max_unpacked_bytes: 256 << 20,
            max_concurrent_uploads: 2,
            kept_bytes: 64 << 20,
        }
    }
}

/// What the server needs besides its address.
pub struct Options {
    /// Upload limits.
    pub limits: Limits,
    /// Whether the verifier looks keys up in live DNS (shown on the page).
    pub online: bool,
}

struct App {
    verifier: Verifier,
    settings: Settings,
    limits: Limits,
    online: bool,
    store: Store,
    /// One permit per upload being checked (and per download being
    /// rendered, which waits for one).
    slots: Arc<tokio::sync::Semaphore>,
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port). Must be called inside a
    /// tokio runtime with IO and time enabled (the timeouts need timers).
    pub async fn bind(
        addr: SocketAddr,
        verifier: Verifier,
        options: Options,
    ) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = router(addr, verifier, options);
        Ok(Server {
            listener,
            router,
            addr,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open in a browser: the one bound (127.0.0.1 when
    /// listening on every address).
    pub fn url(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            match self.addr {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            }
        };
        format!("http://{host}:{}/", self.addr.port())
    }

    /// Serves until the process ends: HTTP/1.1 through hyper, with
    /// [`HEADER_TIMEOUT`], [`BODY_IDLE_TIMEOUT`], [`BODY_MIN_RATE`],
    /// [`WRITE_TIMEOUT`] and at most [`MAX_CONNECTIONS`] connections at
    /// once. Errors: none in practice (a failed accept is retried).
    pub async fn run(self) -> std::io::Result<()> {
        use hyper_util::rt::{TokioIo, TokioTimer};
        let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let service = tower::ServiceBuilder::new()
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                BODY_IDLE_TIMEOUT,
            ))
            .map_request(|req: axum::http::Request<_>| {
                req.map(|body| axum::body::Body::new(MinRate::new(axum::body::Body::new(body))))
            })
            .service(self.router);
        loop {
            let Ok(permit) = connections.clone().acquire_owned().await else {
                return Ok(());
            };
            let stream = match self.listener.accept().await {
                Ok((s, _)) => s,
                Err(_) => {
                    // Out of file descriptors and the like: wait, retry.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
            stream.set_write_timeout(Some(WRITE_TIMEOUT));
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(Box::pin(stream)), service)
                    .await;
                drop(permit);
            });
        }
    }
}

fn router(addr: SocketAddr, verifier: Verifier, options: Options) -> Router {
    // each upload is judged at its own time: the reports say when
    let settings = Settings {
        key_sources: verifier.source_names(),
        verification_time: None,
    };
    let limits = options.limits.clone();
    let body_limit = options.limits.max_upload_bytes + 64 * 1024; // multipart framing
    let app = Arc::new(App {
        verifier,
        settings,
        limits,
        online: options.online,
        store: Store::new(options.limits.kept_bytes),
        slots: Arc::new(tokio::sync::Semaphore::new(
            options.limits.max_concurrent_uploads.max(1),
        )),
    });
    let hosts = Arc::new(allowed_hosts(addr));
    Router::new()
        .route("/", get(index))
        .route(
            "/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .route("/favicon.svg", get(|| asset("image/svg+xml", FAVICON_SVG)))
        .route(
            "/api/verify",
            post(verify).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/b/{batch}/{which}/{file}", get(download))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found.\n") })
        .with_state(app)
        .layer(axum::middleware::from_fn_with_state(hosts, guard::guard))
}

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON_SVG: &str = include_str!("assets/favicon.svg");

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn index(State(app): State<Arc<App>>) -> Response {
    let mode = if app.online {
        "Online mode: keys missing from the archives are looked up in live DNS, so the names of the signing domains leave this computer. Messages themselves never do."
    } else {
        "Offline: nothing leaves this computer. Keys come from the archives built into mailproof and any key files it was started with."
    };
    let page = INDEX_HTML
        .replace("{{MODE}}", mode)
        .replace(
            "{{MODE_CLASS}}",
            if app.online { "online" } else { "offline" },
        )
        .replace(
            "{{MAX_UPLOAD}}",
            &upload::human_bytes(app.limits.max_upload_bytes as u64),
        )
        .replace(
            "{{MAX_UPLOAD_BYTES}}",
            &app.limits.max_upload_bytes.to_string(),
        )
        .replace("{{MAX_MESSAGES}}", &app.limits.max_messages.to_string())
        .replace("{{VERSION}}", crate::TOOL_VERSION);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// A refusal the page shows as it is.
#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

fn refuse(status: StatusCode, why: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: why.into() })).into_response()
}

/// One row of the results table.
#[derive(Serialize)]
struct Row {
    n: usize,
    source: String,
    verdict: Verdict,
    /// Position of the verdict, worst first (`failed` = 0), for sorting.
    rank: usize,
    /// The verdict's name for readers, as every report format writes it.
    label: &'static str,
    /// What the verdict means, in one sentence.
    meaning: &'static str,
    /// Shown in the critical colour although not `failed`
    /// ([`crate::report::Report::partial_with_critical_finding`]).
    critical: bool,
    summary: String,
    from: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    date: Option<String>,
    /// The Date header as Unix time, for sorting.
    timestamp: Option<i64>,
    signer: Option<String>,
    proves: Vec<String>,
    does_not_prove: Vec<String>,
}

#[derive(Serialize)]
struct Verified {
    batch: String,
    messages: Vec<Row>,
}

async fn verify(
    State(app): State<Arc<App>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Before reading any of the body: a busy server holds nothing for it.
    let Ok(_slot) = app.slots.clone().try_acquire_owned() else {
        let n = app.limits.max_concurrent_uploads;
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "mailproof is already checking {n} upload{} at once, the most it checks at a time. Wait until {} finished, then try again.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it has" } else { "one has" }
            ),
        );
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("The upload could not be read: {}.", e.body_text()),
            );
        }
    };
    let too_big = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The files are larger than {}, the most this page accepts at once. Check fewer files at a time, or use `mailproof verify` in a terminal: it reads any number of files of any total size, and only caps each message at 64 MB (`--max-message-size` raises that).",
                upload::human_bytes(app.limits.max_upload_bytes as u64)
            ),
        )
    };
    let mut files = Vec::new();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_big(),
            Err(e) => return unreadable(e),
        };
        let name = field
            .file_name()
            .filter(|n| !n.is_empty())
            .unwrap_or("upload")
            .to_string();
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_big(),
            Err(e) => return unreadable(e),
        };
        total += data.len();
        if total > app.limits.max_upload_bytes {
            return too_big();
        }
        files.push((name, Vec::from(data)));
    }
    if files.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "No file was received. Choose an .eml, .mbox or .zip file.",
        );
    }
    let worker = app.clone();
    let outcome = tokio::task::spawn_blocking(move || check(&worker, files)).await;
    match outcome {
        Ok(Ok(reports)) => {
            let batch = app.store.insert(reports);
            let messages = batch
                .reports
                .iter()
                .enumerate()
                .map(|(i, r)| row(i + 1, r))
                .collect();
            Json(Verified {
                batch: batch.id.clone(),
                messages,
            })
            .into_response()
        }
        Ok(Err(e)) => refuse(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Checking the messages failed unexpectedly. Please report this as a bug in mailproof.",
        ),
    }
}

/// A body that failed to arrive: cut off, malformed, stalled past
/// [`BODY_IDLE_TIMEOUT`] or slower than [`BODY_MIN_RATE`].
fn unreadable(e: axum::extract::multipart::MultipartError) -> Response {
    // The cause is a few sources down: multer's "failed to read stream",
    // then the body's own error.
    let mut stalled = false;
    let mut too_slow = false;
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        stalled |= cause.is::<tower_http::timeout::TimeoutError>();
        too_slow |= cause.is::<TooSlow>();
        source = cause.source();
    }
    let text = e.body_text();
    let why = if stalled {
        format!(
            "the upload stopped arriving for {} seconds",
            BODY_IDLE_TIMEOUT.as_secs()
        )
    } else if too_slow {
        TooSlow.to_string()
    } else {
        text
    };
    refuse(
        StatusCode::BAD_REQUEST,
        format!("The upload could not be read: {why}."),
    )
}

/// Expands the uploaded files into messages and verifies each as it is
/// found, keeping only its report, cut to fit ([`store::Keeper`]).
fn check(app: &App, files: Vec<(String, Vec<u8>)>) -> Result<Vec<Report>, upload::UploadError> {
    let mut keeper = store::Keeper::new(app.limits.kept_bytes / 2);
    let mut x = upload::Expander::new(&app.limits, |item: upload::Item| match &item.bytes {
        Ok(b) => {
            let mut reports = crate::batch::verify_message(
                &app.verifier,
                crate::batch::Message {
                    source: &item.source,
                    bytes: b,
                    body_unavailable: item.body_unavailable.as_deref(),
                    want: None,
                },
            );
            crate::batch::note_skipped(&mut reports, &item.source, &item.skipped_before);
            for r in reports {
                keeper.push(r);
            }
        }
        Err(why) => keeper.push(Report::error(&item.source, &[], why.clone())),
    });
    for (name, data) in files {
        x.add_file(&name, data)?;
    }
    if x.count() == 0 {
        x.push(
            "upload".into(),
            Err("no message was found in the files".into()),
        )?;
    }
    Ok(keeper.into_reports())
}

fn row(n: usize, r: &Report) -> Row {
    use crate::render::escape::visible;
    let m = r.message.clone().unwrap_or_default();
    // The deciding signature: the first that passes, else the first whose
    // header signature verifies, else the first.
    let sig = r
        .signatures
        .iter()
        .find(|s| s.result == crate::SignatureResult::Pass)
        .or_else(|| r.signatures.iter().find(|s| s.result.header_valid()))
        .or(r.signatures.first());
    // The page inserts these as text, never markup; `visible` also shows
    // control characters and bidi overrides, as the reports do.
    let v = |s: Option<String>| s.map(|s| visible(&s));
    let all = |l: &[String]| l.iter().map(|s| visible(s)).collect();
    Row {
        n,
        source: visible(&r.source),
        verdict: r.verdict,
        rank: r.verdict.worst_first_rank(),
        label: r.label(),
        meaning: r.verdict.meaning(),
        critical: r.partial_with_critical_finding(),
        summary: visible(&r.summary),
        timestamp: m.date.as_deref().and_then(rfc5322_time),
        from: v(m.from),
        to: v(m.to),
        subject: v(m.subject),
        date: v(m.date),
        signer: v(sig.and_then(|s| s.domain.clone())),
        proves: all(&r.proves),
        does_not_prove: all(&r.does_not_prove),
    }
}

fn rfc5322_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

#[derive(serde::Deserialize)]
struct DownloadQuery {
    download: Option<String>,
}

async fn download(
    State(app): State<Arc<App>>,
    Path((batch, which, file)): Path<(String, String, String)>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    // Rendering a large upload's report takes memory: one at a time per
    // slot, waiting (briefly) rather than refusing.
    let Ok(_slot) = app.slots.clone().acquire_owned().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "mailproof is stopping.");
    };
    let (Some(batch), Some(kind)) = (app.store.get(&batch), Kind::from_file(&file)) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "This result is no longer kept (only the last uploads are). Check the message again.",
        );
    };
    let reports: &[Report] = if which == "all" {
        &batch.reports
    } else {
        match which
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=batch.reports.len()).contains(n))
        {
            Some(n) => std::slice::from_ref(&batch.reports[n - 1]),
            None => return refuse(StatusCode::NOT_FOUND, "No such message in this result."),
        }
    };
    let body = export::render(kind, reports, &app.settings);
    let mut resp = ([(header::CONTENT_TYPE, kind.content_type())], body).into_response();
    let h = resp.headers_mut();
    if kind == Kind::Html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(REPORT_CSP),
        );
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    if q.download.is_some() || kind != Kind::Html {
        let name = export::download_name(reports, kind);
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    resp
}

/// An upload body that must keep an average of [`BODY_MIN_RATE`] bytes per
/// second, counted from its first read, once [`BODY_IDLE_TIMEOUT`] has
/// passed. Checked as each frame arrives; a body that sends nothing at all
/// is the idle timeout's.
struct MinRate {
    inner: axum::body::Body,
    started: Option<std::time::Instant>,
    bytes: u64,
}

impl MinRate {
    fn new(inner: axum::body::Body) -> MinRate {
        MinRate {
            inner,
            started: None,
            bytes: 0,
        }
    }
}

/// The error a too-slow upload body ends with.
#[derive(Debug)]
struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the upload arrived slower than {} KiB per second on average",
            BODY_MIN_RATE / 1024
        )
    }
}

impl std::error::Error for TooSlow {}

impl http_body::Body for MinRate {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let started = *self.started.get_or_insert_with(std::time::Instant::now);
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        let Poll::Ready(Some(Ok(frame))) = polled else {
            return polled.map(|f| f.map(|r| r.map_err(Into::into)));
        };
        if let Some(data) = frame.data_ref() {
            self.bytes += data.len() as u64;
        }
        let elapsed = started.elapsed();
        if elapsed > BODY_IDLE_TIMEOUT
            && (self.bytes as f64) < BODY_MIN_RATE as f64 * elapsed.as_secs_f64()
        {
            return Poll::Ready(Some(Err(TooSlow.into())));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
