//! The site's static files: the built-in stylesheet, and the files of
//! `static/` over it (a file of the same name replaces a built-in one),
//! each copied into the output as it is. A static file at a path where the
//! site has a page (`static/404.html`) is not copied: the page is written
//! there, as a fresh build and every rebuild agree.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx::IoError;
use crate::layout::{is_ignored_name, slash_path, STATIC_DIR};
use crate::plan::Plan;
use crate::render::embedded;

/// Where a static file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// Built into the binary.
    Builtin(&'static str),
    /// A file of the site's `static/`.
    File(PathBuf),
}

/// Every static file of the site at `root`, by its `/`-separated path in
/// the output. Hidden files and editor leftovers are left out.
pub(crate) fn find(root: &Path) -> Result<BTreeMap<String, Source>, IoError> {
    let mut out: BTreeMap<String, Source> = embedded::STATIC
        .iter()
        .map(|(name, text)| (name.to_string(), Source::Builtin(text)))
        .collect();
    let dir = root.join(STATIC_DIR);
    if !dir.is_dir() {
        return Ok(out);
    }
    let walk = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walk {
        let entry = entry.map_err(|e| {
            let p = e.path().unwrap_or(&dir).to_path_buf();
            IoError::new("reading static folder", p, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(&dir) {
            out.insert(slash_path(rel), Source::File(entry.path().to_path_buf()));
        }
    }
    Ok(out)
}

/// The static files of `found` that may be where a page is: pages are
/// `index.html`, `404.html`, feeds and sitemaps, so only `.html` and `.xml`
/// files can (and only they are looked up).
pub(crate) fn page_like_paths(found: &BTreeMap<String, Source>) -> Vec<&str> {
    found
        .keys()
        .map(String::as_str)
        .filter(|rel| rel.ends_with(".html") || rel.ends_with(".xml"))
        .collect()
}

/// The static files of `found` that are copied into the output: all but
/// those at a path where `plan` has a page, each of which gets a warning.
pub(crate) fn shown<'a>(
    found: &'a BTreeMap<String, Source>,
    plan: &Plan,
) -> (BTreeMap<&'a str, &'a Source>, Diagnostics) {
    let mut ds = Diagnostics::new();
    let mut out: BTreeMap<&str, &Source> = found.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let page_like = page_like_paths(found);
    if page_like.is_empty() {
        return (out, ds);
    }
    let pages: HashSet<String> = plan
        .pages()
        .iter()
        .map(|p| p.route().output_path())
        .collect();
    for rel in page_like {
        if pages.contains(rel) {
            out.remove(rel);
            ds.push(Diagnostic::warning(
                Path::new(STATIC_DIR).join(rel),
                0,
                format!("the site has a page at {rel}: the page is written there, not this file"),
            ));
        }
    }
    (out, ds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sites_files_over_the_builtin_ones() {
        let t = tempfile::tempdir().unwrap();
        let s = t.path().join(STATIC_DIR);
        std::fs::create_dir_all(s.join("img/.cache")).unwrap();
        std::fs::write(s.join("img/logo.svg"), "<svg/>").unwrap();
        std::fs::write(s.join("img/.cache/x"), "hidden").unwrap();
        std::fs::write(s.join("style.css~"), "backup").unwrap();
        let found = find(t.path()).unwrap();
        let names: Vec<&str> = found.keys().map(String::as_str).collect();
        assert_eq!(names, ["img/logo.svg", "style.css"]);
        assert!(matches!(found["style.css"], Source::Builtin(_)));
        std::fs::write(s.join("style.css"), "body{}").unwrap();
        assert!(matches!(
            find(t.path()).unwrap()["style.css"],
            Source::File(_)
        ));
    }
}
