//! Full builds: a staging folder beside the output, swapped in whole.

use std::path::{Path, PathBuf};

use super::{split_target, OutputLock};
use crate::fsx::{self, IoError};

/// A staging folder that becomes the output on [`Staging::commit`], and is
/// removed if dropped before.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    files: fsx::WriteDir,
    target: PathBuf,
    committed: bool,
    lock: Option<OutputLock>,
}

/// The version-control folder of a deploy repository (GitHub Pages' usual
/// setup: `public/` is a clone of the pages branch), carried from the old
/// output into the new one.
const KEPT: &str = ".git";

impl Staging {
    /// Creates a fresh staging folder for `target`.
    pub(crate) fn begin(target: &Path) -> Result<Staging, IoError> {
        Staging::begin_locked(target, OutputLock::acquire(target)?)
    }

    /// A staging folder for `target`, whose lock the caller already holds.
    pub(crate) fn begin_locked(target: &Path, lock: OutputLock) -> Result<Staging, IoError> {
        let (parent, name) = split_target(target)?;
        fsx::create_dir_all(&parent)?;
        // We hold the lock: any staging folder left here is a killed build's.
        remove_stale(&parent, &name);
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        fsx::remove_dir_all(&dir)?;
        fsx::create_dir_all(&dir)?;
        Ok(Staging {
            files: fsx::WriteDir::open(&dir),
            dir,
            target: target.to_path_buf(),
            committed: false,
            lock: Some(lock),
        })
    }

    /// Writes a file at `rel` (a `/`-separated path) in the staging folder,
    /// and returns its stamp, which it keeps once swapped in (the folder
    /// moves, not its files).
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> Result<fsx::Stamp, IoError> {
        self.files.write(rel, bytes)
    }

    /// Swaps the staging folder in place of the output, and hands back the
    /// output's lock (a `watch` session keeps it while it runs).
    pub(crate) fn commit(mut self) -> Result<Option<OutputLock>, IoError> {
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

/// Removes the staging and swap folders that killed builds left beside
/// `target`; the caller holds its lock.
pub(crate) fn remove_stale_beside(target: &Path) -> Result<(), IoError> {
    let (parent, name) = split_target(target)?;
    remove_stale(&parent, &name);
    Ok(())
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
