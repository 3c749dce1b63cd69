//! The output writer: the only code that writes into the output folder.
//!
//! A build writes into a staging folder beside the output
//! (`.public.staging-<pid>`) and swaps it in only when every page was
//! written, so a failed or interrupted build leaves the previous site as it
//! was. Stale staging folders of killed builds are removed by the next one.
//! A lock file beside the output (`.public.lock`) keeps two builds (or a
//! build and a `watch`) from writing the same output at once.

use std::path::{Path, PathBuf};

use crate::fsx::{self, IoError};

/// A staging folder that becomes the output on [`Staging::commit`], and is
/// removed if dropped before.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    lock: Option<OutputLock>,
}

/// Exclusive use of an output folder, held until dropped (the operating
/// system releases it if the process dies, so a killed build leaves no
/// stale lock).
#[derive(Debug)]
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    /// Takes the lock of `target`, or fails at once if another process holds it.
    pub fn acquire(target: &Path) -> Result<OutputLock, IoError> {
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
pub fn check_target(root: &Path, target: &Path) -> Result<(), IoError> {
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
        crate::load::CONTENT_DIR,
        crate::render::TEMPLATES_DIR,
        crate::build::STATIC_DIR,
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

/// The version-control folder of a deploy repository (GitHub Pages' usual
/// setup: `public/` is a clone of the pages branch), carried from the old
/// output into the new one.
const KEPT: &str = ".git";

impl Staging {
    /// Creates a fresh staging folder for `target`.
    pub fn begin(target: &Path) -> Result<Staging, IoError> {
        Staging::begin_locked(target, OutputLock::acquire(target)?)
    }

    /// A staging folder for `target`, whose lock the caller already holds.
    pub fn begin_locked(target: &Path, lock: OutputLock) -> Result<Staging, IoError> {
        let (parent, name) = split_target(target)?;
        fsx::create_dir_all(&parent)?;
        // We hold the lock: any staging folder left here is a killed build's.
        remove_stale(&parent, &name);
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        fsx::remove_dir_all(&dir)?;
        fsx::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
            lock: Some(lock),
        })
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a file at `rel` (a `/`-separated path) in the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), IoError> {
        fsx::write(&self.dir.join(rel), bytes)
    }

    /// Copies every file of `src` (if it exists) into the staging folder,
    /// skipping hidden files and editor leftovers. Returns the number copied.
    pub fn copy_tree(&self, src: &Path) -> Result<usize, IoError> {
        if !src.is_dir() {
            return Ok(0);
        }
        let mut n = 0;
        let walk = walkdir::WalkDir::new(src)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !crate::load::is_ignored_name(&e.file_name().to_string_lossy())
            });
        for entry in walk {
            let entry = entry.map_err(|e| {
                let p = e.path().unwrap_or(src).to_path_buf();
                IoError::new("reading static folder", p, e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
            let dest = self.dir.join(rel);
            if let Some(parent) = dest.parent() {
                fsx::create_dir_all(parent)?;
            }
            std::fs::copy(entry.path(), &dest)
                .map_err(|e| IoError::new("copying", entry.path(), e))?;
            n += 1;
        }
        Ok(n)
    }

    /// Swaps the staging folder in place of the output, and hands back the
    /// output's lock (a `watch` session keeps it while it runs).
    pub fn commit(mut self) -> Result<Option<OutputLock>, IoError> {
        let (parent, name) = split_target(&self.target)?;
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        // A deploy repository's `.git` moves into the new output (a rename:
        // nothing is copied, and it is never deleted with the old output).
        let (kept_from, kept_to) = (self.target.join(KEPT), self.dir.join(KEPT));
        let kept = std::fs::symlink_metadata(&kept_from).is_ok()
            && std::fs::symlink_metadata(&kept_to).is_err();
        if kept {
            std::fs::rename(&kept_from, &kept_to)
                .map_err(|e| IoError::new("keeping", &kept_from, e))?;
        }
        let swapped = self.swap(&old);
        if swapped.is_err() && kept {
            // The previous output is back in place: so is its `.git`.
            let _ = std::fs::rename(&kept_to, &kept_from);
        }
        let had_old = swapped?;
        self.committed = true;
        if had_old {
            remove_tree_parallel(&old)?;
        }
        Ok(self.lock.take())
    }

    /// Moves the output (if any) aside to `old` and the staging folder into
    /// its place; on failure the output is as it was. Returns whether there
    /// was an output to move aside.
    fn swap(&self, old: &Path) -> Result<bool, IoError> {
        let had_old = match std::fs::symlink_metadata(&self.target) {
            Ok(_) => {
                fsx::remove_dir_all(old)?;
                std::fs::rename(&self.target, old).map_err(|e| {
                    IoError::new("moving aside the previous output", &self.target, e)
                })?;
                true
            }
            Err(_) => false,
        };
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            // Put the previous output back: never leave the user with none.
            if had_old {
                let _ = std::fs::rename(old, &self.target);
            }
            return Err(IoError::new(
                "moving the new output into place",
                &self.target,
                e,
            ));
        }
        Ok(had_old)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
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

/// Removes a folder tree, its top-level entries in parallel: deleting the
/// previous output of a large archive is a good part of a rebuild.
fn remove_tree_parallel(dir: &Path) -> Result<(), IoError> {
    use rayon::prelude::*;
    let entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(IoError::new("reading", dir, e)),
    };
    entries
        .par_iter()
        .try_for_each(|p| match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => fsx::remove_dir_all(p),
            Ok(_) => std::fs::remove_file(p).map_err(|e| IoError::new("removing", p, e)),
            Err(_) => Ok(()),
        })?;
    fsx::remove_dir_all(dir)
}

/// Removes staging and swap folders left by killed builds.
fn remove_stale(parent: &Path, name: &str) {
    let staging = format!(".{name}.staging-");
    let old = format!(".{name}.old-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&staging) || n.starts_with(&old) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let s = Staging::begin(&out).unwrap();
        s.write("a/index.html", b"one").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"one");

        let s = Staging::begin(&out).unwrap();
        s.write("b.html", b"two").unwrap();
        drop(s);
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"one");
        assert!(!out.join("b.html").exists());
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [".public.lock", "public"],
            "no staging folder remains"
        );
    }
}
