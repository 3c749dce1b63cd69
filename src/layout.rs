//! The site folder: the names of its parts and which files in it are
//! nobody's. Every stage that finds files in a site (the loader, the
//! renderer's template loader, the static-file copier, the watcher, `init`)
//! reads these names here, so they agree on what a site is.

use std::path::Path;

/// The configuration file.
pub(crate) const CONFIG_FILE: &str = "site.yaml";
/// The stories.
pub(crate) const CONTENT_DIR: &str = "content";
/// The site's own templates (over the built-in theme).
pub(crate) const TEMPLATES_DIR: &str = "templates";
/// Files copied into the output as they are (over the built-in stylesheet).
pub(crate) const STATIC_DIR: &str = "static";

/// Hidden files and editor leftovers (`.x`, `x~`, `*.swp`, `*.swx`,
/// `*.tmp`, Emacs' `#x#`): never a story, template or static file.
pub(crate) fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// A relative path written with `/` whatever the platform: how stories
/// (`2017/a.md`), templates and static files are named.
pub(crate) fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What orders `/`-separated paths as a walk that sorts each folder by
/// name meets them (a folder's files and folders after it, before its
/// next sibling): the path with its `/` made the lowest byte (which no
/// name can hold), so that `a/b.md` comes before `a.md`, as folder `a`
/// comes before file `a.md`. [`walk_order`] compares by it.
pub(crate) fn walk_key(path: &str) -> String {
    path.replace('/', "\0")
}

/// How `a` and `b` compare by their [`walk_key`], without making them.
pub(crate) fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().map(|c| if c == b'/' { 0 } else { c })
    }
    key(a).cmp(key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_order_is_the_order_of_walk_keys() {
        let paths = [
            "a.md", "a/b.md", "a-b.md", "a b.md", "B.md", "a/c/d.md", "ab.md", "ä.md",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(walk_order(a, b), walk_key(a).cmp(&walk_key(b)), "{a} {b}");
            }
        }
        assert_eq!(walk_order("a/b.md", "a.md"), std::cmp::Ordering::Less);
    }

    #[test]
    fn editor_leftovers_are_nobodys() {
        for name in [".a.md.swp", "a.md~", ".#a.md", "#a.md#", ".git", "x.tmp"] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["a.md", "style.css", "4913"] {
            assert!(!is_ignored_name(name), "{name}");
        }
        assert_eq!(slash_path(Path::new("2017/07/a.md")), "2017/07/a.md");
    }
}
