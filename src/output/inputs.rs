//! What a build read, stamped before it read it: `site.yaml` and the
//! files and folders of `content/`, `templates/` and `static/`. A build's
//! [`super::manifest::Manifest`] keeps them, so that the next build can
//! tell, from stamps alone and without walking or reading the site, that
//! nothing it reads changed ([`Inputs::unchanged`]): no file edited (its
//! stamp), none added, removed or renamed (its folder's stamp), no folder
//! made or removed. Anything it cannot tell for sure (a stamp too recent,
//! a file it cannot stat) counts as a change.

use std::cmp::Ordering;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::delta::Keyed;
use crate::fsx::{self, Horizon, Stamp};
use crate::layout::{
    is_ignored_name, slash_path, walk_order, CONFIG_FILE, CONTENT_DIR, STATIC_DIR, TEMPLATES_DIR,
};

/// The stamps of what a build of a site reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Inputs {
    /// Folders, then files, by `/`-separated path in the site folder,
    /// each kind in walk order;
    /// `None` for one of the site's parts that did not exist.
    entries: Vec<InputEntry>,
    /// How many of `entries` are folders: a story added, removed or
    /// renamed changes one, and they are checked first, one by one.
    folders: usize,
    /// When the stamps were taken.
    taken: Horizon,
}

/// One stamped path of [`Inputs`].
pub(crate) type InputEntry = (Box<str>, Option<Stamp>);

impl Keyed for InputEntry {
    fn key(&self) -> &str {
        &self.0
    }
}

impl Inputs {
    /// Its folders' entries and its files', each in walk order
    /// ([`walk_order`]), and when they were taken.
    pub(crate) fn sections(&self) -> (&[InputEntry], &[InputEntry], Horizon) {
        let (folders, files) = self.entries.split_at(self.folders.min(self.entries.len()));
        (folders, files, self.taken)
    }

    /// [`Inputs::sections`], taken.
    pub(crate) fn into_sections(mut self) -> (Vec<InputEntry>, Vec<InputEntry>, Horizon) {
        let files = self.entries.split_off(self.folders.min(self.entries.len()));
        (self.entries, files, self.taken)
    }

    /// The inputs of [`Inputs::sections`] put together again.
    pub(crate) fn from_sections(
        mut folders: Vec<InputEntry>,
        files: Vec<InputEntry>,
        taken: Horizon,
    ) -> Inputs {
        let count = folders.len();
        folders.extend(files);
        Inputs {
            entries: folders,
            folders: count,
            taken,
        }
    }

    /// Stamps what a build of the site at `root` reads, walking its parts
    /// as the loader, the template loader and the static-file copier do
    /// (links followed, hidden files and editor leftovers aside), given
    /// what the loader's walk of `content/`, begun at `taken`, met there
    /// ([`crate::load::discover_walked`]): that folder is not walked twice. Its stamps are taken after its walk, so
    /// one later than `taken` is too recent to vouch for its folder (a
    /// file could have been added behind the walk): the next build walks
    /// again.
    pub(crate) fn gather_after(
        root: &Path,
        taken: Horizon,
        content: Vec<(String, bool)>,
    ) -> Inputs {
        let mut paths = vec![
            (CONFIG_FILE.to_string(), false),
            (CONTENT_DIR.to_string(), true),
        ];
        paths.extend(content);
        for part in [TEMPLATES_DIR, STATIC_DIR] {
            let walk = walkdir::WalkDir::new(root.join(part))
                .follow_links(true)
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy())
                });
            paths.push((part.to_string(), true));
            // What cannot be walked is the loader's to report; it is not
            // stamped, so the next build walks again.
            for e in walk.flatten().filter(|e| e.depth() > 0) {
                if let Ok(rel) = e.path().strip_prefix(root) {
                    paths.push((slash_path(rel), e.file_type().is_dir()));
                }
            }
        }
        // Folders first, each kind in walk order: what the manifest keeps
        // changes from, entry by entry. Parted first (stable), each kind is
        // then a few runs already in order (the content walk's, the other
        // parts' walks), which the sort merges.
        paths.sort_by_key(|&(_, folder)| !folder);
        let folders = paths.iter().take_while(|(_, folder)| *folder).count();
        let (dirs, files) = paths.split_at_mut(folders);
        dirs.sort_by(|a, b| walk_order(&a.0, &b.0));
        files.sort_by(|a, b| walk_order(&a.0, &b.0));
        let at = fsx::StampDir::open(root);
        let entries = paths
            .into_par_iter()
            .map(|(p, _)| {
                let stamp = at.stamp(&p, true);
                (p.into_boxed_str(), stamp)
            })
            .collect();
        Inputs {
            entries,
            folders,
            taken,
        }
    }

    /// The stamps of the files `ids` (paths under `content/`, in the
    /// order of its walk, as [`Inputs::gather_after`] was given them), one
    /// for each (`None` for a file not stamped), and when they were taken:
    /// what the loader vouches for cached stories with. Found by merging
    /// the two lists, not through a map of a million paths.
    pub(crate) fn stamps_of<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
    ) -> (Vec<Option<Stamp>>, Horizon) {
        let prefix = format!("{CONTENT_DIR}/");
        let mut files = self.entries[self.folders..]
            .iter()
            .filter_map(|(p, s)| Some((p.strip_prefix(prefix.as_str())?, *s)))
            .peekable();
        let stamps = ids
            .map(|id| {
                // Files that are not stories come between.
                while files
                    .next_if(|(p, _)| walk_order(p, id) == Ordering::Less)
                    .is_some()
                {}
                match files.peek() {
                    Some(&(p, s)) if p == id => s,
                    _ => None,
                }
            })
            .collect();
        (stamps, self.taken)
    }

    /// Whether every file and folder of the site at `root` is as stamped,
    /// and none is new: a build would read what the stamped one read.
    pub(crate) fn unchanged(&self, root: &Path) -> bool {
        let at = fsx::StampDir::open(root);
        let same = |(p, was): &InputEntry| {
            let now = at.stamp(p, true);
            now == *was && now.is_none_or(|s| !s.is_racy(self.taken))
        };
        let (folders, files) = self.entries.split_at(self.folders.min(self.entries.len()));
        !self.entries.is_empty() && folders.iter().all(same) && files.par_iter().all(same)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a build stamps of the site at `root`.
    fn gather(root: &Path) -> Inputs {
        let taken = Horizon::now(root);
        let (_, _, walked) = crate::load::discover_walked(root);
        Inputs::gather_after(root, taken, walked)
    }

    fn aged(mut i: Inputs) -> Inputs {
        i.taken = i.taken.later(10_000_000_000);
        i
    }

    #[test]
    fn each_story_gets_its_own_stamp_whatever_lies_between() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        // Names whose walk order is not their byte order, and files that
        // are not stories between the stories.
        let names = [
            "a/b.md", "a.md", "a-b.md", "a b.txt", "a/c/d.md", "b.md", "ä.md",
        ];
        for (i, n) in names.iter().enumerate() {
            fsx::write(&root.join("content").join(n), &vec![b'x'; i + 1]).unwrap();
        }
        fsx::write(&root.join("content/a/photo.jpg"), b"jpg").unwrap();
        fsx::write(&root.join("content/a.md.orig"), b"orig").unwrap();
        let (sources, _, walked) = crate::load::discover_walked(root);
        let i = Inputs::gather_after(root, Horizon::now(root), walked);
        let ids: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        let (stamps, _) = i.stamps_of(ids.iter().copied());
        assert_eq!(stamps.len(), names.len());
        for (id, stamp) in ids.iter().zip(&stamps) {
            let len = names.iter().position(|n| n == id).unwrap() as u64 + 1;
            assert_eq!(stamp.map(|s| s.len), Some(len), "{id}");
        }
        // One it did not stamp, among them, has none; the rest keep theirs.
        let (stamps, _) = i.stamps_of(["a/b.md", "a/bb.md", "b.md"].into_iter());
        let lens: Vec<Option<u64>> = stamps.iter().map(|s| s.map(|s| s.len)).collect();
        assert_eq!(lens, [Some(1), None, Some(6)]);
    }

    #[test]
    fn sees_edits_new_files_and_new_parts() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fsx::write(&root.join("site.yaml"), b"title: T\n").unwrap();
        fsx::write(&root.join("content/2017/a.md"), b"a").unwrap();
        let i = aged(gather(root));
        assert!(i.unchanged(root));
        // Folders first (the site's parts among them, there or not), each
        // kind in walk order.
        let (folders, files) = i.entries.split_at(i.folders);
        let folders: Vec<&str> = folders.iter().map(|(p, _)| &**p).collect();
        assert_eq!(folders, ["content", "content/2017", "static", "templates"]);
        assert!(
            files.iter().all(|(p, _)| !root.join(&**p).is_dir()),
            "{files:?}"
        );
        assert!(i
            .entries
            .iter()
            .any(|(p, s)| &**p == "templates" && s.is_none()));

        // Too recent to trust: stamped in the tick of a file's times (by
        // the clock, not by waiting for one: the writes above and the
        // stamps may fall in one tick or in two).
        let mut fresh = i.clone();
        let times = i.entries.iter().filter_map(|(_, s)| *s);
        let latest = times.map(|s| s.mtime.max(s.ctime)).max().unwrap();
        fresh.taken = Horizon::at(latest);
        assert!(!fresh.unchanged(root));

        fsx::write(&root.join("content/2017/b.md"), b"b").unwrap();
        assert!(!i.unchanged(root), "a new story");
        let i = aged(gather(root));
        std::fs::write(root.join("content/2017/a.md"), b"edited").unwrap();
        assert!(!i.unchanged(root), "an edit");
        let i = aged(gather(root));
        fsx::write(&root.join("templates/article.html"), b"x").unwrap();
        assert!(!i.unchanged(root), "a templates folder");
        let i = aged(gather(root));
        std::fs::write(root.join("content/2017/.a.md.swp"), b"x").unwrap();
        // An editor's leftover changes its folder: the next build walks again.
        assert!(!i.unchanged(root));
    }
}
