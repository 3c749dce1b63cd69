//! From raw file-system events to a [`ChangeSet`]: a pure function, so every
//! editor quirk gets a table test instead of a flaky watcher test.
//!
//! Whether a path exists *after* the burst decides what happened to it:
//! editors save by writing a temp file and renaming it over the original, or
//! by deleting and recreating, and notify reports either as a tangle of
//! create/remove/rename events. Looking at each path once the burst is over
//! turns all of them into "modified" (or "removed"), and never drops a
//! deletion (the bug of getzola/zola#3155, where events for paths that no
//! longer exist were filtered out).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::layout::{
    is_ignored_name, slash_path, CONFIG_FILE, CONTENT_DIR, STATIC_DIR, TEMPLATES_DIR,
};
use crate::load;

/// What changed in a site, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Story files that exist now (added or modified), relative to `content/`.
    pub stories_changed: BTreeSet<String>,
    /// Story files that are gone, relative to `content/`.
    pub stories_removed: BTreeSet<String>,
    /// Templates changed, added or removed (names relative to `templates/`).
    pub templates: BTreeSet<String>,
    /// Static files changed, added or removed (relative to `static/`).
    pub static_files: BTreeSet<String>,
    /// `site.yaml` changed.
    pub config: bool,
    /// Folders (or extensionless files) in `content/` that appeared,
    /// vanished or moved, `/`-separated under `content/` (`""`: all of
    /// it): a walk of each tells which stories came or went.
    pub content_dirs: BTreeSet<String>,
    /// Anything may have changed: the watcher lost events, or a whole
    /// folder of templates or static files came or went.
    pub rescan: bool,
    /// `templates` or `static` when that folder itself appeared, vanished
    /// or moved (with `rescan`), to say so.
    pub whole_folders: BTreeSet<String>,
    /// An embargo passed: every story is loaded again against the clock
    /// (a session asks for it at the time; no file changed).
    pub clock: bool,
}

impl ChangeSet {
    /// Whether nothing relevant changed.
    pub fn is_empty(&self) -> bool {
        *self == ChangeSet::default()
    }

    /// These changes followed by `later` ones: the union, where a story
    /// `later` names as changed or removed is what `later` says.
    pub fn merge(&self, later: &ChangeSet) -> ChangeSet {
        let mut out = self.clone();
        for id in &later.stories_changed {
            out.stories_removed.remove(id);
            out.stories_changed.insert(id.clone());
        }
        for id in &later.stories_removed {
            out.stories_changed.remove(id);
            out.stories_removed.insert(id.clone());
        }
        out.templates.extend(later.templates.iter().cloned());
        out.static_files.extend(later.static_files.iter().cloned());
        out.content_dirs.extend(later.content_dirs.iter().cloned());
        out.whole_folders
            .extend(later.whole_folders.iter().cloned());
        out.config |= later.config;
        out.rescan |= later.rescan;
        out.clock |= later.clock;
        out
    }

    /// A one-line description for the terminal.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.clock {
            parts.push("an embargo's time".to_string());
        }
        if self.config {
            parts.push(CONFIG_FILE.to_string());
        }
        if self.rescan && self.whole_folders.is_empty() {
            parts.push("everything (events were lost)".to_string());
        } else if self.rescan {
            let dirs: Vec<String> = self.whole_folders.iter().map(|d| format!("{d}/")).collect();
            let what = if dirs.len() == 1 {
                "the folder"
            } else {
                "the folders"
            };
            parts.push(format!("{} ({what})", dirs.join(" and ")));
        } else if !self.content_dirs.is_empty() {
            parts.push(match self.content_dirs.len() {
                1 => format!(
                    "{CONTENT_DIR}/{} (folder)",
                    self.content_dirs.iter().next().map_or("", String::as_str)
                ),
                n => format!("{n} folders in {CONTENT_DIR}/"),
            });
        }
        let list = |set: &BTreeSet<String>, dir: &str, what: &str| -> Option<String> {
            match set.len() {
                0 => None,
                1 => set.iter().next().map(|p| format!("{dir}/{p}{what}")),
                n => Some(format!("{n} files in {dir}/{what}")),
            }
        };
        parts.extend(list(&self.stories_changed, CONTENT_DIR, ""));
        parts.extend(list(&self.stories_removed, CONTENT_DIR, " (removed)"));
        parts.extend(list(&self.templates, TEMPLATES_DIR, ""));
        parts.extend(list(&self.static_files, STATIC_DIR, ""));
        if parts.is_empty() {
            "no story changed".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Classifies the paths of one burst of events.
///
/// `root` is the site folder and `output` the output folder (whose own
/// events are ignored); `rescan` is set when the watcher reported lost
/// events; `exists` tells whether a path exists now.
pub fn classify(
    root: &Path,
    output: &Path,
    paths: &[PathBuf],
    rescan: bool,
    exists: impl Fn(&Path) -> bool,
) -> ChangeSet {
    let mut cs = ChangeSet {
        rescan,
        ..ChangeSet::default()
    };
    let content = root.join(CONTENT_DIR);
    let templates = root.join(TEMPLATES_DIR);
    let statics = root.join(STATIC_DIR);
    for path in paths {
        if path.starts_with(output) {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if is_ignored_name(name) || has_hidden_component(root, path) {
            continue;
        }
        if path == &root.join(CONFIG_FILE) {
            cs.config = true;
        } else if path == &content {
            // content/ itself appeared, vanished or moved: walk it all.
            cs.content_dirs.insert(String::new());
        } else if path == &templates || path == &statics {
            // A whole folder of templates or static files vanished (its
            // files are not named): everything is looked at again. One that
            // appeared is the watcher's: it watches it and names its files.
            if !exists(path) {
                cs.rescan = true;
                cs.whole_folders.insert(name.to_string());
            }
        } else if let Ok(rel) = path.strip_prefix(&content) {
            let rel = slash_path(rel);
            if load::story_format(path).is_some() {
                if exists(path) {
                    cs.stories_changed.insert(rel);
                } else {
                    cs.stories_removed.insert(rel);
                }
            } else if path.extension().is_none() && !rel.is_empty() {
                // A folder appeared, vanished or moved (its stories are not
                // named by the event), or an editor probed with a temp file
                // (vim's `4913`).
                cs.content_dirs.insert(rel);
            }
        } else if let Ok(rel) = path.strip_prefix(&templates) {
            if !rel.as_os_str().is_empty() {
                cs.templates.insert(slash_path(rel));
            }
        } else if let Ok(rel) = path.strip_prefix(&statics) {
            if !rel.as_os_str().is_empty() {
                cs.static_files.insert(slash_path(rel));
            }
        }
    }
    cs
}

fn has_hidden_component(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components()
            .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(paths: &[&str], existing: &[&str]) -> ChangeSet {
        let root = Path::new("/site");
        let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
        let existing: Vec<PathBuf> = existing.iter().map(|p| root.join(p)).collect();
        classify(root, &root.join("public"), &paths, false, |p| {
            existing.iter().any(|e| e == p)
        })
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn whole_folders_coming_or_going() {
        // content/ moved away or back: walk all of it.
        let cs = run(&["content"], &[]);
        assert_eq!(cs.content_dirs, set(&[""]));
        assert!(!cs.rescan);
        // templates/ or static/ gone: their files are not named.
        let cs = run(&["templates"], &[]);
        assert!(cs.rescan);
        assert_eq!(cs.describe(), "templates/ (the folder)");
        let cs = run(&["static", "templates"], &[]);
        assert_eq!(cs.describe(), "static/ and templates/ (the folders)");
        // Appeared: the watcher watches it and names its files.
        assert!(run(&["templates"], &["templates"]).is_empty());
    }

    #[test]
    fn a_later_change_decides_what_happened_to_a_story() {
        let first = run(&["content/a.md", "content/b.md"], &["content/a.md"]);
        let later = run(&["content/a.md", "content/b.md"], &["content/b.md"]);
        let both = first.merge(&later);
        assert_eq!(both.stories_changed, set(&["b.md"]));
        assert_eq!(both.stories_removed, set(&["a.md"]));
        let with_config = both.merge(&run(&["site.yaml"], &["site.yaml"]));
        assert!(with_config.config);
        assert_eq!(with_config.stories_removed, set(&["a.md"]));
    }

    #[test]
    fn a_story_saved_in_place() {
        let cs = run(&["content/2017/a.md"], &["content/2017/a.md"]);
        assert_eq!(cs.stories_changed, set(&["2017/a.md"]));
        assert!(cs.stories_removed.is_empty());
    }

    #[test]
    fn vim_writes_a_swap_file_and_a_backup_then_renames() {
        // :w with `backupcopy=no`: a.md~ and .a.md.swp come and go, a.md is
        // removed then created again.
        let cs = run(
            &[
                "content/.a.md.swp",
                "content/a.md~",
                "content/a.md",
                "content/4913",
                "content/a.md",
            ],
            &["content/a.md"],
        );
        assert_eq!(cs.stories_changed, set(&["a.md"]));
        assert!(cs.stories_removed.is_empty());
        // `4913` is vim's probe file: extensionless, so it may be a folder.
        assert_eq!(cs.content_dirs, set(&["4913"]));
        assert!(!cs.rescan);
    }

    #[test]
    fn emacs_lock_and_autosave_files_are_ignored() {
        let cs = run(&["content/.#a.md", "content/#a.md#"], &[]);
        assert!(cs.is_empty(), "{cs:?}");
    }

    #[test]
    fn a_deleted_story_is_removed_not_dropped() {
        let cs = run(&["content/gone.txt"], &[]);
        assert_eq!(cs.stories_removed, set(&["gone.txt"]));
    }

    #[test]
    fn a_rename_is_a_removal_and_an_addition() {
        let cs = run(&["content/old.md", "content/new.md"], &["content/new.md"]);
        assert_eq!(cs.stories_removed, set(&["old.md"]));
        assert_eq!(cs.stories_changed, set(&["new.md"]));
    }

    #[test]
    fn a_moved_folder_asks_for_a_walk_of_content() {
        let cs = run(&["content/2017", "content/2017-old"], &[]);
        assert_eq!(cs.content_dirs, set(&["2017", "2017-old"]));
        assert!(!cs.rescan);
    }

    #[test]
    fn templates_static_and_config() {
        let cs = run(
            &[
                "templates/article.html",
                "static/css/site.css",
                "site.yaml",
                "public/index.html",
                "README.md",
            ],
            &["templates/article.html", "static/css/site.css", "site.yaml"],
        );
        assert_eq!(cs.templates, set(&["article.html"]));
        assert_eq!(cs.static_files, set(&["css/site.css"]));
        assert!(cs.config);
        assert!(cs.stories_changed.is_empty() && !cs.rescan);
    }

    #[test]
    fn other_files_in_content_are_not_stories() {
        let cs = run(
            &["content/photo.jpg", "content/.git/index"],
            &["content/photo.jpg"],
        );
        assert!(cs.is_empty(), "{cs:?}");
    }
}
