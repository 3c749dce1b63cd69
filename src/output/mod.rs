//! The output writer: the only code that writes, renames or removes files
//! in an output folder.
//!
//! - A build into a new folder (or `--clean`) writes into a staging folder
//!   beside the output (`.public.staging-<pid>`) and swaps it in only when
//!   every file was written ([`Staging`]), so a failed or interrupted build
//!   leaves the previous site as it was. Stale staging folders of killed
//!   builds are removed by the next one.
//! - A rebuild, and a build over an existing output, change the output in
//!   place ([`WriteSet`]): each changed file is written beside its place
//!   under a hidden name and renamed over it only once every file of the
//!   change is written, then the files no longer produced are removed
//!   ([`files_in`] says what an output holds). A failed change removes
//!   what it staged and leaves the folder as it was.
//! - [`statics`] says which static files a site has, for both.
//! - [`manifest`] records what a build left in the output and
//!   ([`inputs`]) what it read, so that the next one renders and writes
//!   only what changed, or sees from stamps alone that nothing did.
//!
//! A lock file beside the output (`.public.lock`) keeps two builds (or a
//! build and a `watch`) from writing the same output at once; the cache
//! folder beside it (`.public.cache/`) holds what builds keep between runs.

pub(crate) mod inputs;
mod live;
pub(crate) mod manifest;
pub(crate) mod sealed;
mod staging;
pub(crate) mod statics;

use std::path::{Path, PathBuf};

use crate::fsx::{self, IoError};

pub(crate) use live::{Committed, WriteSet};
pub(crate) use staging::{remove_stale_beside, Staging};

/// Exclusive use of an output folder, held until dropped (the operating
/// system releases it if the process dies, so a killed build leaves no
/// stale lock).
#[derive(Debug)]
pub(crate) struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    /// Takes the lock of `target`, or fails at once if another process holds it.
    pub(crate) fn acquire(target: &Path) -> Result<OutputLock, IoError> {
        let (parent, name) = split_target(target)?;
        fsx::create_dir_all(&parent)?;
        let path = parent.join(format!(".{name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| IoError::new("opening lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(IoError::new(
                "locking",
                target,
                std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    format!(
                        "another dateline process is writing this output folder (it holds {}); \
                         wait for it to finish",
                        path.display()
                    ),
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(IoError::new("locking", &path, e)),
        }
    }
}

/// The folder beside the output folder `target` where builds keep what
/// they need between runs (`.public.cache/` for `public/`): beside it,
/// not in it, so that a deploy of the output does not upload it.
pub(crate) fn cache_dir(target: &Path) -> Result<PathBuf, IoError> {
    let (parent, name) = split_target(target)?;
    let dir = format!(".{name}.cache");
    Ok(if parent == Path::new(".") {
        PathBuf::from(dir)
    } else {
        parent.join(dir)
    })
}

/// Every file in the output folder `dir` (none if it does not exist), by
/// `/`-separated path, sorted; a deploy repository's `.git` aside (a build
/// keeps it, see [`Staging::commit`]).
pub(crate) fn files_in(dir: &Path) -> Result<Vec<String>, IoError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !(e.depth() == 1 && e.file_name() == ".git"));
    for e in walk {
        let e = e.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            IoError::new("reading output folder", &path, e.into())
        })?;
        if !e.file_type().is_dir() {
            if let Ok(rel) = e.path().strip_prefix(dir) {
                out.push(crate::layout::slash_path(rel));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Whether the output folder `dir` holds any file or folder besides a
/// deploy repository's `.git` (what [`files_in`] would list, without
/// listing it).
pub(crate) fn holds_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| rd.flatten().any(|e| e.file_name() != ".git"))
}

/// Refuses an output folder that a build must not replace: a build swaps
/// its output folder whole, so a mistaken `--output` could otherwise take
/// the site itself, or a folder of someone's files, with it.
///
/// Refused: the site folder or a folder holding it; a folder inside the
/// site's `content/`, `templates/` or `static/`; a file; and a folder that
/// holds visible files but none of a built site's (`index.html`,
/// `404.html`, `sitemap.xml`, `feed.xml`). A new or empty folder is fine,
/// and so is one holding only hidden entries such as a deploy
/// repository's `.git` (which [`Staging::commit`] keeps).
pub(crate) fn check_target(root: &Path, target: &Path) -> Result<(), IoError> {
    let refuse = |why: String| {
        Err(IoError::new(
            "using as output folder",
            target,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
        ))
    };
    let root = fsx::absolute(root);
    let out = fsx::absolute(target);
    if root.starts_with(&out) {
        return refuse(format!(
            "it holds the site itself ({}); a build replaces its output folder whole, \
             so expected a folder of its own, such as public/",
            root.display()
        ));
    }
    for dir in [
        crate::layout::CONTENT_DIR,
        crate::layout::TEMPLATES_DIR,
        crate::layout::STATIC_DIR,
    ] {
        if out.starts_with(root.join(dir)) {
            return refuse(format!(
                "it is inside the site's {dir}/ folder; expected a folder outside it, such as public/"
            ));
        }
    }
    let entries = match std::fs::read_dir(&out) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if !out.is_dir() => {
            return refuse("it is a file; expected a folder".to_string());
        }
        Err(e) => return Err(IoError::new("reading output folder", &out, e)),
    };
    let mut visible = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if ["index.html", "404.html", "sitemap.xml", "feed.xml"].contains(&name.as_ref()) {
            return Ok(());
        }
        visible += usize::from(!name.starts_with('.'));
    }
    if visible > 0 {
        return refuse(format!(
            "it holds {visible} file(s) or folder(s) but no built site (no index.html); a build \
             replaces its output folder whole, so expected a new or empty folder, or a site \
             built before"
        ));
    }
    Ok(())
}

fn split_target(target: &Path) -> Result<(PathBuf, String), IoError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            IoError::new(
                "using as output folder",
                target,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "expected a folder name"),
            )
        })?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}
