//! `dateline watch` and `dateline serve`: an initial build, then a loop that
//! turns each batch of file changes into the least rebuild, prints one line
//! per rebuild, and (under `serve`) tells open pages to reload or to show
//! the error overlay. A bad file never ends the loop: the last good site
//! stays in place, and if even the first build fails the loop keeps
//! watching and builds from scratch on the next change. Under `serve`, a
//! reader who comes before the first build is done gets a page saying so,
//! with its progress, that reloads by itself.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::build::{BuildError, BuildOptions};
use crate::config::Config;
use crate::diag::chain;
use crate::progress::Progress;
use crate::rebuild::{RebuildReport, Session};
use crate::serve::{self, ListenError, Shared};
use crate::watch::{ChangeSet, WatchError, Watcher};

/// Why `serve` or `watch` could not start (once started, they never stop
/// for an error).
#[derive(Debug, thiserror::Error)]
pub(crate) enum PreviewError {
    /// The server could not listen.
    #[error(transparent)]
    Listen(#[from] ListenError),
    /// The site could not be watched.
    #[error(transparent)]
    Watch(#[from] WatchError),
}

/// Where `serve` listens.
#[derive(Debug, Clone)]
pub(crate) struct ServerOptions {
    /// Address to bind (`127.0.0.1` by default: only this machine).
    pub bind: String,
    /// Port; 0 picks a free one.
    pub port: u16,
}

/// What to preview.
#[derive(Debug, Clone)]
pub(crate) struct PreviewOptions {
    /// The site and its build options (`output` is ignored under `serve`).
    pub build: BuildOptions,
    /// Use notify's polling watcher.
    pub poll: bool,
    /// Print each rebuild's stage times.
    pub timings: bool,
    /// Serve over HTTP (`serve`), or only write the output (`watch`).
    pub server: Option<ServerOptions>,
}

/// Runs until the watcher stops (in practice, until the process is ended).
pub(crate) fn run(mut opts: PreviewOptions, progress: &dyn Progress) -> Result<(), PreviewError> {
    let mut shared: Option<Arc<Shared>> = None;
    if let Some(server_opts) = &opts.server {
        let server = serve::bind(&server_opts.bind, server_opts.port)?;
        let port = server
            .server_addr()
            .to_ip()
            .map_or(server_opts.port, |a| a.port());
        let prefix = Config::load(&opts.build.root)
            .map(|c| c.base_url.path)
            .unwrap_or_else(|_| "/".to_string());
        let host = match server_opts.bind.as_str() {
            "0.0.0.0" | "::" | "[::]" => "localhost".to_string(),
            h if h.contains(':') => format!("[{h}]"),
            h => h.to_string(),
        };
        let url = format!("http://{host}:{port}{prefix}");
        opts.build.base_url = Some(url.clone());
        opts.build.output = Some(serve_dir(&opts.build.root));
        let state = Arc::new(Shared::new(opts.build.output_dir(), prefix));
        serve::spawn(server, Arc::clone(&state), 4);
        println!("Serving {url}");
        let _ = std::io::stdout().flush();
        shared = Some(state);
    }
    let output = opts.build.output_dir();
    let mut watcher = Watcher::new(&opts.build.root, &output, opts.poll)?;
    let mut session = start(&opts.build, progress, shared.as_deref());
    if opts.server.is_none() {
        println!("Watching {} for changes", opts.build.root.display());
    }
    while let Some(changes) = watcher.next_batch(release_time(session.as_ref())) {
        match session.as_mut() {
            Some(s) => rebuild(s, &changes, shared.as_deref(), opts.timings),
            None => session = start(&opts.build, progress, shared.as_deref()),
        }
    }
    Ok(())
}

/// Applies one batch of changes, prints what it did and tells open pages.
fn rebuild(session: &mut Session, changes: &ChangeSet, shared: Option<&Shared>, timings: bool) {
    // An editor's temp file resolves to nothing: no rebuild, no line.
    let Some(changes) = session.resolve(changes) else {
        return;
    };
    let mut clear_error = || {
        if let Some(sh) = shared {
            sh.set_error(None);
        }
    };
    match session.apply_with(&changes, &mut clear_error) {
        Ok(r) => {
            print_report(&r, timings);
            if let Some(sh) = shared {
                sh.broadcast(
                    "reload",
                    &serde_json::json!({ "urls": r.changed_urls, "css": r.css_only, "all": r.full }),
                );
            }
        }
        Err(e) => failed(&changes.describe(), &e, shared),
    }
}

/// The initial (or, after a failed start, a new) full build.
fn start(opts: &BuildOptions, progress: &dyn Progress, shared: Option<&Shared>) -> Option<Session> {
    let mut clear_error = || {
        if let Some(sh) = shared {
            sh.set_error(None);
        }
    };
    let started = match shared {
        // Readers who come meanwhile see how far the build has got.
        Some(sh) => Session::start_with(opts.clone(), &sh.progress(progress), &mut clear_error),
        None => Session::start_with(opts.clone(), progress, &mut clear_error),
    };
    let built = || {
        if let Some(sh) = shared {
            sh.set_built();
        }
    };
    match started {
        Ok((session, r)) => {
            built();
            for w in r.warnings.iter().take(20) {
                eprintln!("{w}");
            }
            println!(
                "Built {} stories into {} pages in {} ms",
                r.articles,
                r.pages,
                r.elapsed.as_millis()
            );
            if !r.held.is_empty() {
                println!("{}", r.held);
            }
            if !r.unpublished.is_empty() {
                println!("{}", r.unpublished);
            }
            if let Some(sh) = shared {
                sh.broadcast(
                    "reload",
                    &serde_json::json!({ "urls": [], "css": false, "all": true }),
                );
            }
            Some(session)
        }
        Err(e) => {
            failed("initial build", &e, shared);
            built();
            None
        }
    }
}

fn print_report(r: &RebuildReport, timings: bool) {
    for w in r.warnings.iter().take(20) {
        eprintln!("{w}");
    }
    let mut line = format!("{}: {} pages written", r.changes, r.written);
    if r.deleted > 0 {
        line.push_str(&format!(", {} removed", r.deleted));
    }
    if r.static_files > 0 {
        line.push_str(&format!(", {} static files", r.static_files));
    }
    line.push_str(&format!(" in {} ms", r.elapsed.as_millis()));
    println!("{line}");
    if timings {
        eprint!("{}", r.timings);
    }
}

fn failed(what: &str, e: &BuildError, shared: Option<&Shared>) {
    let text = match e {
        BuildError::Content(ds) => ds.to_string(),
        BuildError::Io(io) => format!("{}\n", chain(io)),
    };
    eprint!("{text}");
    eprintln!("error: {what}: not applied; still serving the last good site");
    if let Some(sh) = shared {
        sh.set_error(Some(text.clone()));
        sh.broadcast("error", &serde_json::json!({ "text": text }));
    }
}

/// The folder `serve` builds into: in the system's temporary folder, one per
/// site, never the site's `public/`.
fn serve_dir(root: &std::path::Path) -> PathBuf {
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    canonical.hash(&mut h);
    std::env::temp_dir()
        .join(format!("dateline-serve-{:016x}", h.finish()))
        .join("public")
}

/// When the session's next embargoed story is due, on the monotonic clock
/// (a moment late, so that the reload finds it due).
fn release_time(session: Option<&Session>) -> Option<std::time::Instant> {
    let due = session?.next_release()?;
    let wait = (due.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    Some(std::time::Instant::now() + wait + std::time::Duration::from_millis(20))
}
