//! The preview server: serves the session's output folder over HTTP,
//! injects the live-reload script into HTML responses, streams rebuild
//! events, and shows build errors as an overlay while serving the last good
//! site. Until the first build is done it answers every page with one that
//! says the archive is being built, how far it has got, and reloads itself.
//!
//! The output it serves is a folder of its own (in the system's temporary
//! folder), built with a localhost `base_url`: nothing of a preview ever
//! lands in `public/`, where a deploy would pick it up.

pub(crate) mod http;
pub(crate) mod reload;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::progress::Progress;
use http::Resolved;

/// What the server threads share with the rebuild loop.
pub(crate) struct Shared {
    output: PathBuf,
    prefix: String,
    error: Mutex<Option<String>>,
    subscribers: Mutex<Vec<Sender<String>>>,
    /// Whether the first build is over (for good or not).
    built: AtomicBool,
    /// How far the first build has got: its stage, work done and to do.
    stage: Mutex<&'static str>,
    done: AtomicUsize,
    total: AtomicUsize,
}

/// Why the server could not listen (the cause is its `source`).
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}")]
pub(crate) struct ListenError {
    addr: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl Shared {
    /// State for serving `output` under the URL path `prefix`.
    pub(crate) fn new(output: PathBuf, prefix: String) -> Shared {
        Shared {
            output,
            prefix,
            error: Mutex::new(None),
            subscribers: Mutex::new(Vec::new()),
            built: AtomicBool::new(false),
            stage: Mutex::new("starting"),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        }
    }

    /// A progress reporter for the first build: it tells `inner` (the
    /// terminal) and keeps the figures for the page readers get meanwhile.
    pub(crate) fn progress<'a>(&'a self, inner: &'a dyn Progress) -> impl Progress + 'a {
        FirstBuild {
            shared: self,
            inner,
        }
    }

    /// The first build is over: from now on the output is served.
    pub(crate) fn set_built(&self) {
        self.built.store(true, Ordering::Release);
    }

    /// While the first build runs, what it is doing (`loading stories,
    /// 1,200 of 10,000`).
    fn building(&self) -> Option<String> {
        if self.built.load(Ordering::Acquire) {
            return None;
        }
        let stage = *self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        let (done, total) = (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        );
        Some(if total > 0 {
            format!("{stage}: {} of {total}", done.min(total))
        } else {
            stage.to_string()
        })
    }

    /// Sets or clears the error shown in the overlay.
    pub(crate) fn set_error(&self, text: Option<String>) {
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = text;
    }

    fn error(&self) -> Option<String> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sends an event to every open page; closed ones are dropped.
    pub(crate) fn broadcast(&self, name: &str, data: &serde_json::Value) {
        let msg = reload::event(name, data);
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|tx| tx.send(msg.clone()).is_ok());
    }

    fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = channel();
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(tx);
        rx
    }
}

/// Reports a first build's progress to the terminal and to [`Shared`].
struct FirstBuild<'a> {
    shared: &'a Shared,
    inner: &'a dyn Progress,
}

impl Progress for FirstBuild<'_> {
    fn stage(&self, name: &'static str, total: usize) {
        *self
            .shared
            .stage
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = name;
        self.shared.done.store(0, Ordering::Relaxed);
        self.shared.total.store(total, Ordering::Relaxed);
        self.inner.stage(name, total);
    }
    fn advance(&self, n: usize) {
        self.shared.done.fetch_add(n, Ordering::Relaxed);
        self.inner.advance(n);
    }
    fn finish(&self) {
        self.inner.finish();
    }
}

/// Binds the server; `port` 0 picks a free one.
pub(crate) fn bind(bind: &str, port: u16) -> Result<Server, ListenError> {
    Server::http((bind, port)).map_err(|source| ListenError {
        addr: format!("{bind}:{port}"),
        source,
    })
}

/// Serves requests on `threads` threads until the process ends.
pub(crate) fn spawn(server: Server, shared: Arc<Shared>, threads: usize) {
    let server = Arc::new(server);
    for _ in 0..threads.max(1) {
        let server = Arc::clone(&server);
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            while let Ok(req) = server.recv() {
                handle(req, &shared);
            }
        });
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn handle(req: Request, shared: &Arc<Shared>) {
    if !matches!(req.method(), Method::Get | Method::Head) {
        let _ = req.respond(Response::from_string("method not allowed").with_status_code(405));
        return;
    }
    let url = req.url().to_string();
    let path = url.split('?').next().unwrap_or("");
    if path == reload::EVENTS_PATH {
        let shared = Arc::clone(shared);
        std::thread::spawn(move || stream_events(req, &shared));
        return;
    }
    if path == reload::SCRIPT_PATH {
        let _ = req.respond(
            Response::from_string(reload::script())
                .with_header(header("Content-Type", "text/javascript; charset=utf-8"))
                .with_header(header("Cache-Control", "no-store")),
        );
        return;
    }
    let error = shared.error();
    if let (Some(progress), None) = (shared.building(), &error) {
        let _ = req.respond(
            Response::from_string(reload::building_page(&progress))
                .with_status_code(503)
                .with_header(header("Content-Type", "text/html; charset=utf-8"))
                .with_header(header("Retry-After", "1"))
                .with_header(header("Cache-Control", "no-store")),
        );
        return;
    }
    let respond_file = |req: Request, file: &Path, status: u16| {
        let ctype = http::content_type(file);
        let body = match std::fs::read(file) {
            Ok(b) => b,
            Err(_) => {
                let _ = req.respond(Response::from_string("not found").with_status_code(404));
                return;
            }
        };
        let body = if ctype.starts_with("text/html") {
            reload::inject(&String::from_utf8_lossy(&body), error.as_deref()).into_bytes()
        } else {
            body
        };
        let _ = req.respond(
            Response::from_data(body)
                .with_status_code(status)
                .with_header(header("Content-Type", ctype))
                .with_header(header("Cache-Control", "no-store")),
        );
    };
    match http::resolve(&shared.output, &shared.prefix, &url) {
        Resolved::File(f) => respond_file(req, &f, 200),
        Resolved::Redirect(to) => {
            let _ =
                req.respond(Response::empty(StatusCode(301)).with_header(header("Location", &to)));
        }
        Resolved::NotFound => {
            let not_found = shared.output.join("404.html");
            if not_found.is_file() {
                respond_file(req, &not_found, 404);
            } else {
                let page =
                    reload::error_page(error.as_deref().unwrap_or("No site has been built yet."));
                let _ = req.respond(
                    Response::from_string(page)
                        .with_status_code(if error.is_some() { 503 } else { 404 })
                        .with_header(header("Content-Type", "text/html; charset=utf-8")),
                );
            }
        }
    }
}

/// Keeps an event-stream response open and forwards broadcasts to it.
fn stream_events(req: Request, shared: &Shared) {
    let rx = shared.subscribe();
    let mut w = req.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Connection: keep-alive\r\n\r\n: dateline\n\n";
    if w.write_all(head.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        return;
    }
    if let Some(text) = shared.error() {
        let msg = reload::event("error", &serde_json::json!({ "text": text }));
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => m,
            // A comment line keeps proxies from closing an idle stream, and
            // tells us when the page has gone.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => ": ping\n\n".to_string(),
            Err(_) => return,
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
}
