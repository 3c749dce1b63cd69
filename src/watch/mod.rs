//! The watcher: notify events in, [`ChangeSet`]s out.
//!
//! The notify callback only forwards events into a channel. [`Watcher::next_batch`]
//! waits for the first event of a burst, gathers the rest until the site has
//! been quiet for a short while (an editor's save-as-temp-then-rename, or a
//! `git checkout` touching a thousand files, is one batch), and classifies
//! the paths with the pure [`classify`] function.

pub mod classify;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

pub use classify::{classify, ChangeSet};

use crate::layout::{CONTENT_DIR, STATIC_DIR, TEMPLATES_DIR};

/// How long the site must be quiet before a batch is handed over.
pub(crate) const QUIET: Duration = Duration::from_millis(30);
/// The longest a batch keeps gathering events.
pub(crate) const MAX_BATCH: Duration = Duration::from_millis(1000);

/// Why watching could not start (the cause is its `source`).
#[derive(Debug, thiserror::Error)]
#[error("watching {}", path.display())]
pub(crate) struct WatchError {
    path: PathBuf,
    #[source]
    source: notify::Error,
}

enum Backend {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

/// Watches a site's `content/`, `templates/`, `static/` and `site.yaml`.
pub(crate) struct Watcher {
    root: PathBuf,
    output: PathBuf,
    events: Receiver<notify::Result<notify::Event>>,
    backend: Backend,
    /// Which of content/, templates/, static/ are watched (they may appear later).
    watched: Vec<&'static str>,
}

impl Backend {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> Result<(), WatchError> {
        let r = match self {
            Backend::Native(w) => w.watch(path, mode),
            Backend::Poll(w) => w.watch(path, mode),
        };
        r.map_err(|e| err(path, e))
    }

    fn unwatch(&mut self, path: &Path) {
        // The folder is gone; the watch may be gone with it.
        let _ = match self {
            Backend::Native(w) => w.unwatch(path),
            Backend::Poll(w) => w.unwatch(path),
        };
    }
}

impl Watcher {
    /// Starts watching `root`; events under `output` are ignored. With
    /// `poll`, notify's polling watcher is used (for network mounts and
    /// containers where native events do not arrive; mdBook made the same
    /// choice available for the same reason, rust-lang/mdBook#2325).
    pub(crate) fn new(root: &Path, output: &Path, poll: bool) -> Result<Watcher, WatchError> {
        // Events name paths the way the watched folder was given; watching
        // canonical paths makes them comparable with ours whatever the
        // working folder (`--root .` included).
        let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let output = &crate::fsx::absolute(output);
        let (tx, events) = channel();
        let mut backend = if poll {
            let config = notify::Config::default().with_poll_interval(Duration::from_millis(200));
            Backend::Poll(PollWatcher::new(tx, config).map_err(|e| err(root, e))?)
        } else {
            Backend::Native(notify::recommended_watcher(tx).map_err(|e| err(root, e))?)
        };
        // The site folder itself, not recursively: catches `site.yaml` (even
        // when an editor replaces it) and content/ templates/ static/
        // appearing or vanishing.
        backend.watch(root, RecursiveMode::NonRecursive)?;
        let mut watched = Vec::new();
        for dir in [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR] {
            let d = root.join(dir);
            if d.is_dir() {
                backend.watch(&d, RecursiveMode::Recursive)?;
                watched.push(dir);
            }
        }
        Ok(Watcher {
            root: root.to_path_buf(),
            output: output.to_path_buf(),
            events,
            backend,
            watched,
        })
    }

    /// Blocks until the next batch of relevant changes, or until
    /// `release` (an embargo's time), which gives a change of the clock.
    pub(crate) fn next_batch(&mut self, release: Option<Instant>) -> Option<ChangeSet> {
        loop {
            let first = match release {
                None => self.events.recv().ok()?,
                Some(at) => match self
                    .events
                    .recv_timeout(at.saturating_duration_since(Instant::now()))
                {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => {
                        return Some(ChangeSet {
                            clock: true,
                            ..ChangeSet::default()
                        })
                    }
                    Err(RecvTimeoutError::Disconnected) => return None,
                },
            };
            let started = Instant::now();
            let mut paths = Vec::new();
            let mut rescan = false;
            let mut take = |ev: notify::Result<notify::Event>| match ev {
                // Reads are not changes; the rebuild itself reads every
                // changed file, and would otherwise trigger itself forever.
                Ok(ev) if matches!(ev.kind, EventKind::Access(_)) => {}
                Ok(ev) => {
                    rescan |= ev.need_rescan();
                    paths.extend(ev.paths);
                }
                // Lost or unreadable events: look at everything again.
                Err(_) => rescan = true,
            };
            take(first);
            while started.elapsed() < MAX_BATCH {
                match self.events.recv_timeout(QUIET) {
                    Ok(ev) => take(ev),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            paths.sort();
            paths.dedup();
            let mut cs = classify(&self.root, &self.output, &paths, rescan, |p| {
                // A pipe or device is no story (the loader skips it too).
                p.metadata().is_ok_and(|m| m.is_file() || m.is_dir())
            });
            self.forget_replaced_folders(&paths);
            self.watch_new_folders(&mut cs);
            if !cs.is_empty() {
                return Some(cs);
            }
        }
    }
}

impl Watcher {
    /// Stops watching content/, templates/ or static/ when the folder
    /// itself was removed, moved or replaced (`paths` name it): a watch
    /// follows the folder it was set on, not its name. A folder of that
    /// name that is there now is then watched afresh, its files counted as
    /// changed, by [`Watcher::watch_new_folders`].
    fn forget_replaced_folders(&mut self, paths: &[PathBuf]) {
        let root = &self.root;
        let backend = &mut self.backend;
        self.watched.retain(|dir| {
            let d = root.join(dir);
            let keep = d.is_dir() && !paths.contains(&d);
            if !keep {
                backend.unwatch(&d);
            }
            keep
        });
    }

    /// Starts watching content/, templates/ or static/ when it appears, and
    /// counts everything already in it as changed.
    fn watch_new_folders(&mut self, cs: &mut ChangeSet) {
        for dir in [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR] {
            let d = self.root.join(dir);
            if self.watched.contains(&dir)
                || !d.is_dir()
                || self.backend.watch(&d, RecursiveMode::Recursive).is_err()
            {
                continue;
            }
            self.watched.push(dir);
            let files = walkdir::WalkDir::new(&d)
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .filter_map(|e| {
                    e.path()
                        .strip_prefix(&d)
                        .ok()
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                });
            match dir {
                TEMPLATES_DIR => cs.templates.extend(files),
                STATIC_DIR => cs.static_files.extend(files),
                _ => {
                    cs.content_dirs.insert(String::new());
                }
            }
        }
    }
}

fn err(path: &Path, source: notify::Error) -> WatchError {
    WatchError {
        path: path.to_path_buf(),
        source,
    }
}
