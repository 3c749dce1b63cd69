//! Changes to an output folder in use (a `watch` or `serve` session's),
//! made all at once.
//!
//! [`WriteSet::write`] puts each new file beside its place under a hidden
//! name (from any thread); [`WriteSet::commit`] renames them all over their
//! places, then removes the files no longer produced and the folders they
//! leave empty. A reader (a server, a browser) sees each file old or new,
//! never half written, and a process killed mid-change leaves every file
//! whole. A write set dropped without a commit removes what it staged and
//! the folders it made: the output is as it was.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::fsx::{self, IoError};

/// A change to an output folder, staged until [`WriteSet::commit`].
#[derive(Debug)]
pub(crate) struct WriteSet<'o> {
    dir: &'o Path,
    /// Paths in the output whose new bytes are staged beside them
    /// ([`fsx::staged_path`]).
    staged: Mutex<Vec<String>>,
    removals: BTreeSet<String>,
    done: bool,
}

/// What a [`WriteSet::commit`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Committed {
    /// Files written, by path in the output, sorted.
    pub written: Vec<String>,
    /// Files removed, sorted.
    pub removed: Vec<String>,
}

impl<'o> WriteSet<'o> {
    /// An empty change to the output folder `dir`.
    pub(crate) fn new(dir: &'o Path) -> Self {
        WriteSet {
            dir,
            staged: Mutex::new(Vec::new()),
            removals: BTreeSet::new(),
            done: false,
        }
    }

    /// Stages `bytes` as the new file at `rel` (a `/`-separated path).
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), IoError> {
        fsx::stage(&self.dir.join(rel), bytes)?;
        self.push(rel);
        Ok(())
    }

    /// Stages a copy of the file `src` as the new file at `rel`.
    pub(crate) fn copy(&self, rel: &str, src: &Path) -> Result<(), IoError> {
        fsx::stage_copy(&self.dir.join(rel), src)?;
        self.push(rel);
        Ok(())
    }

    /// Removes the file at `rel` on commit, unless the change also writes it.
    pub(crate) fn remove(&mut self, rel: &str) {
        self.removals.insert(rel.to_string());
    }

    fn push(&self, rel: &str) {
        self.staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(rel.to_string());
    }

    /// The hidden file holding the new bytes of `rel`.
    fn staged_of(&self, rel: &str) -> PathBuf {
        fsx::staged_path(&self.dir.join(rel))
    }

    /// Renames every staged file over its place, then removes the files to
    /// remove and the folders they leave empty.
    pub(crate) fn commit(mut self) -> Result<Committed, IoError> {
        self.done = true;
        let mut staged =
            std::mem::take(&mut *self.staged.lock().unwrap_or_else(PoisonError::into_inner));
        staged.sort();
        let renamed = staged
            .par_iter()
            .try_for_each(|rel| fsx::commit(&self.staged_of(rel), &self.dir.join(rel)));
        if let Err(e) = renamed {
            // Those not renamed yet are staged files nobody will rename.
            staged
                .par_iter()
                .for_each(|rel| fsx::discard(&self.staged_of(rel)));
            return Err(e);
        }
        let written: Vec<String> = staged;
        let mut removed = Vec::new();
        for rel in std::mem::take(&mut self.removals) {
            if written.binary_search(&rel).is_ok() {
                continue;
            }
            let file = self.dir.join(&rel);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(IoError::new("removing", &file, e)),
            }
            prune_empty_folders(self.dir, &file);
            removed.push(rel);
        }
        Ok(Committed { written, removed })
    }
}

impl Drop for WriteSet<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Nothing stays: neither the staged files nor the folders made for
        // new ones.
        let staged =
            std::mem::take(&mut *self.staged.lock().unwrap_or_else(PoisonError::into_inner));
        staged.par_iter().for_each(|rel| {
            let file = self.staged_of(rel);
            fsx::discard(&file);
            prune_empty_folders(self.dir, &file);
        });
    }
}

/// Removes the folders above `file` that are left empty, up to `output`.
fn prune_empty_folders(output: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == output || !d.starts_with(output) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                crate::layout::slash_path(e.path().strip_prefix(dir).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_commit_writes_and_removes_and_a_drop_leaves_nothing() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        std::fs::create_dir_all(out.join("old")).unwrap();
        std::fs::write(out.join("old/index.html"), "old").unwrap();
        std::fs::write(out.join("kept.html"), "kept").unwrap();

        let ws = WriteSet::new(out);
        ws.write("new/deep/index.html", b"new").unwrap();
        drop(ws);
        assert_eq!(files(out), ["kept.html", "old", "old/index.html"]);

        let mut ws = WriteSet::new(out);
        ws.write("new/index.html", b"new").unwrap();
        ws.write("kept.html", b"rewritten").unwrap();
        ws.remove("old/index.html");
        ws.remove("kept.html");
        let done = ws.commit().unwrap();
        assert_eq!(done.written, ["kept.html", "new/index.html"]);
        assert_eq!(done.removed, ["old/index.html"]);
        assert_eq!(files(out), ["kept.html", "new", "new/index.html"]);
        assert_eq!(std::fs::read(out.join("kept.html")).unwrap(), b"rewritten");
    }
}
