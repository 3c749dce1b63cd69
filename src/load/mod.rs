//! The loader: walks `content/`, parses every story in parallel and returns
//! the articles with every problem found. It never stops at the first bad
//! file, and a walk error is a diagnostic, never a silently missing story.
//!
//! Only `.md` / `.markdown` (front matter + Markdown) and `.txt` (raw wire
//! copy) are stories; hidden files and folders and editor leftovers
//! (`.#x`, `x~`, `*.swp`) are skipped, and other files are ignored.
//!
//! The model keeps no bodies: [`BodyReader`] reads a story again when its
//! page is rendered, and refuses a file whose text is no longer the one it
//! loaded (its content hash).

pub(crate) mod body;
pub(crate) mod dates;
pub(crate) mod frontmatter;
pub(crate) mod sanitize;
pub(crate) mod wire;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx;
use crate::layout::{is_ignored_name, slash_path, CONTENT_DIR};
use crate::model::{slug, Article, Bodies, Format};
use frontmatter::{FrontMatter, Located};

/// What the loader should include.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LoadOptions {
    /// Include stories marked `draft: true`.
    pub drafts: bool,
    /// Read invalid UTF-8 with replacement characters (and a warning)
    /// instead of failing.
    pub lossy: bool,
}

/// A story file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The file on disk.
    pub path: PathBuf,
    /// `/`-separated path under `content/`.
    pub id: String,
    /// How it is shown in diagnostics.
    pub shown: PathBuf,
    /// Its format.
    pub format: Format,
}

/// The story format of `path`, or `None` for files that are not stories
/// (including hidden files and editor backups).
pub(crate) fn story_format(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    if is_ignored_name(name) {
        return None;
    }
    match path.extension()?.to_str()? {
        "md" | "markdown" => Some(Format::Markdown),
        "txt" => Some(Format::Wire),
        _ => None,
    }
}

/// Finds every story under `root/content`, sorted by path.
pub(crate) fn discover(root: &Path) -> (Vec<Source>, Diagnostics) {
    discover_in(root, "")
}

/// Finds every story under `root/content/dir` (`dir` `/`-separated; `""`
/// for all of `content/`), sorted by path. A `dir` that is not a folder
/// has no stories.
pub(crate) fn discover_in(root: &Path, dir: &str) -> (Vec<Source>, Diagnostics) {
    let content = root.join(CONTENT_DIR);
    let mut ds = Diagnostics::new();
    let mut found = Vec::new();
    if !dir.is_empty() {
        let start = content.join(dir);
        if !start.is_dir() {
            return (found, ds);
        }
        if dir.split('/').any(is_ignored_name) {
            return (found, ds);
        }
    }
    if !content.is_dir() {
        ds.push(Diagnostic::warning(
            shown_path(root, Path::new(CONTENT_DIR)),
            0,
            "no content folder: the site has no stories",
        ));
        return (found, ds);
    }
    let walk = WalkDir::new(content.join(dir))
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().unwrap_or(&content);
                let rel = at.strip_prefix(root).unwrap_or(at);
                // A link back to a parent folder is walked once, not forever:
                // its stories are all loaded, so it is only worth a warning.
                let d = if e.loop_ancestor().is_some() {
                    Diagnostic::warning(
                        shown_path(root, rel),
                        0,
                        "symbolic link loop: this folder links back to one of its parents; not followed",
                    )
                } else {
                    Diagnostic::error(
                        shown_path(root, rel),
                        0,
                        format!(
                            "cannot read: {}",
                            e.io_error().map_or(e.to_string(), |io| io.to_string())
                        ),
                    )
                };
                ds.push(d);
                continue;
            }
        };
        let Some(format) = story_format(entry.path()) else {
            continue;
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            // A FIFO would block the read forever, a device never ends.
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            ds.push(Diagnostic::warning(
                shown_path(root, rel),
                0,
                "not a regular file (a pipe, socket or device): skipped; expected a story file",
            ));
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&content) else {
            continue;
        };
        let id = slash_path(rel);
        found.push(Source {
            path: entry.path().to_path_buf(),
            shown: shown_path(root, &Path::new(CONTENT_DIR).join(rel)),
            id,
            format,
        });
    }
    (found, ds)
}

/// The story file `id` (a `/`-separated path under `content/`), if its
/// name is a story's.
pub(crate) fn source_for(root: &Path, id: &str) -> Option<Source> {
    let rel = Path::new(CONTENT_DIR).join(id);
    let path = root.join(&rel);
    Some(Source {
        format: story_format(&path)?,
        shown: shown_path(root, &rel),
        path,
        id: id.to_string(),
    })
}

/// `root/rel` without a leading `./`.
fn shown_path(root: &Path, rel: &Path) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Loads every story under `root/content`.
pub(crate) fn load_all(
    root: &Path,
    config: &Config,
    opts: LoadOptions,
) -> (Vec<Article>, Diagnostics) {
    let (sources, mut ds) = discover(root);
    let (articles, load_ds) = load_sources(&sources, config, opts, &crate::progress::Quiet);
    ds.extend(load_ds);
    (articles, ds)
}

/// Loads the given story files in parallel.
pub(crate) fn load_sources(
    sources: &[Source],
    config: &Config,
    opts: LoadOptions,
    progress: &dyn crate::progress::Progress,
) -> (Vec<Article>, Diagnostics) {
    let mut ds = Diagnostics::new();
    let results: Vec<(Option<Article>, Vec<Diagnostic>)> = sources
        .par_iter()
        .map(|src| {
            let loaded = load_source(src, config, opts);
            progress.advance(1);
            loaded
        })
        .collect();
    let mut articles = Vec::with_capacity(results.len());
    for (a, d) in results {
        articles.extend(a);
        ds.extend(d);
    }
    (articles, ds)
}

/// Reads and parses one story. `None` for drafts (without `--drafts`) and
/// for stories with errors, which are in the returned diagnostics.
pub(crate) fn load_source(
    src: &Source,
    config: &Config,
    opts: LoadOptions,
) -> (Option<Article>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let text = match read_story(&src.path, &src.shown, opts.lossy, &mut warnings) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let source_hash = content_hash(&text);
    let (text, dropped) = sanitize::clean(&text);
    warnings.extend(dropped.iter().map(|d| {
        Diagnostic::warning(
            &src.shown,
            d.line,
            format!(
                "control character {} dropped: pages and feeds cannot carry it",
                d.list()
            ),
        )
    }));
    let parsed = match src.format {
        Format::Markdown => parse_markdown(&text, src, config),
        Format::Wire => parse_wire(&text, src, config),
    };
    match parsed {
        Ok(a) if a.draft && !opts.drafts => (None, warnings),
        Ok(mut a) => {
            a.slug.clone_from(&a.base_slug);
            a.source_hash = source_hash;
            (Some(a), warnings)
        }
        Err(errs) => (
            None,
            errs.into_iter()
                .map(|l| {
                    let d = Diagnostic::error(&src.shown, l.line, l.message);
                    match l.column {
                        Some(c) => d.at_column(c),
                        None => d,
                    }
                })
                .collect(),
        ),
    }
}

fn located(line: usize, message: impl Into<String>) -> Located {
    Located {
        line,
        column: None,
        message: message.into(),
    }
}

/// A hash of a story's text as loaded (see [`Article::source_hash`]).
pub(crate) fn content_hash(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::default().hash_one(text)
}

/// A skeleton article, filled in by the format parsers.
fn article(src: &Source, title: String, date: chrono::DateTime<chrono::FixedOffset>) -> Article {
    Article::new(src.id.clone(), src.shown.clone(), src.format, title, date)
}

fn parse_markdown(text: &str, src: &Source, config: &Config) -> Result<Article, Vec<Located>> {
    let split = frontmatter::split(text).map_err(|e| vec![e])?;
    let fm = FrontMatter::parse(&split).map_err(|e| vec![e])?;
    let mut errs = Vec::new();
    let title = match fm.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Some(t.to_string()),
        Some(_) => {
            errs.push(located(
                frontmatter::key_line(&split, "title"),
                "empty `title`: expected a headline, e.g. `title: \"Xi meets Putin\"`",
            ));
            None
        }
        None => {
            errs.push(located(1, "missing `title` in front matter: expected a headline, e.g. `title: \"Xi meets Putin\"`"));
            None
        }
    };
    let date = match fm.date.as_deref() {
        Some(d) => dates::parse_date(d, config.timezone)
            .map_err(|m| errs.push(located(frontmatter::key_line(&split, "date"), m)))
            .ok(),
        None => {
            errs.push(located(
                1,
                format!("missing `date` in front matter: {}", dates::EXPECTED),
            ));
            None
        }
    };
    let updated = fm.updated.as_deref().and_then(|d| {
        dates::parse_date(d, config.timezone)
            .map_err(|m| {
                errs.push(located(
                    frontmatter::key_line(&split, "updated"),
                    format!("`updated`: {m}"),
                ))
            })
            .ok()
    });
    if let Some(s) = &fm.slug {
        if !slug::is_slug(s) {
            errs.push(located(
                frontmatter::key_line(&split, "slug"),
                format!(
                    "invalid slug `{s}`: expected lowercase letters, digits and single `-` (at most {} characters), e.g. `{}`",
                    slug::MAX_SLUG,
                    slug::slugify(s).unwrap_or_else(|| "xi-meets-putin".into())
                ),
            ));
        }
    }
    let (Some(title), Some(date)) = (title, date) else {
        return Err(errs);
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    let summary = body::markdown_summary(split.body);
    let mut a = article(src, title, date);
    a.updated = updated;
    a.source = fm.source.map(|s| s.trim().to_string()).unwrap_or_default();
    a.editor = non_empty(fm.editor);
    a.byline = non_empty(fm.byline);
    a.dateline = non_empty(fm.dateline).or_else(|| wire::find_dateline(&summary));
    a.summary = non_empty(fm.summary).unwrap_or(summary);
    a.keywords = fm.keywords.unwrap_or_default();
    if let Some(s) = fm.slug {
        a.base_slug = s;
        a.explicit_slug = true;
        a.slug_line = frontmatter::key_line(&split, "slug");
    }
    a.draft = fm.draft.unwrap_or(false);
    Ok(a)
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn parse_wire(text: &str, src: &Source, config: &Config) -> Result<Article, Vec<Located>> {
    let w = wire::parse(text).map_err(|e| vec![e])?;
    let date =
        dates::parse_date(&w.date, config.timezone).map_err(|m| vec![located(w.source_line, m)])?;
    let mut a = article(src, w.headline, date);
    a.source = w.source;
    a.editor = w.editor;
    a.dateline = w.dateline;
    a.summary = w
        .paragraphs
        .first()
        .map(|p| body::shorten(p))
        .unwrap_or_default();
    a.keywords = w.keywords;
    Ok(a)
}

/// Reads a story as text: UTF-8, or with `lossy` invalid bytes replaced
/// (and a warning naming the first one).
fn read_story(
    path: &Path,
    shown: &Path,
    lossy: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    if !lossy {
        return fsx::read_text(path, shown);
    }
    let bytes = fsx::read_bytes(path, shown)?;
    if std::str::from_utf8(&bytes).is_ok() {
        return fsx::decode_utf8(bytes, shown);
    }
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_string();
    match fsx::decode_utf8(bytes, shown) {
        Ok(text) => Ok(text),
        Err(mut d) => {
            d.severity = crate::diag::Severity::Warning;
            d.message = format!(
                "{}; read with U+FFFD replacement characters (--lossy)",
                d.message
            );
            warnings.push(d);
            Ok(text)
        }
    }
}

/// Reads story bodies again when pages need them (see [`Bodies`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyReader {
    /// Let raw HTML in Markdown through.
    pub unsafe_html: bool,
    /// Replace invalid UTF-8 (as the loader did).
    pub lossy: bool,
}

impl BodyReader {
    /// A reader with the site's Markdown settings.
    pub(crate) fn new(config: &Config, lossy: bool) -> Self {
        BodyReader {
            unsafe_html: config.unsafe_html,
            lossy,
        }
    }
}

impl Bodies for BodyReader {
    fn html(&self, a: &Article) -> Result<String, Diagnostic> {
        let text = read_story(&a.path, &a.path, self.lossy, &mut Vec::new())?;
        if content_hash(&text) != a.source_hash {
            return Err(Diagnostic::error(
                &a.path,
                0,
                "the story changed while the site was built: expected the text it was \
                 loaded with (build again)",
            ));
        }
        let (text, _) = sanitize::clean(&text);
        let changed = |e: Located| {
            Diagnostic::error(
                &a.path,
                e.line,
                format!("the story changed while the site was built: {}", e.message),
            )
        };
        Ok(match a.format {
            Format::Markdown => {
                let split = frontmatter::split(&text).map_err(changed)?;
                body::markdown(split.body, self.unsafe_html).html
            }
            Format::Wire => body::wire(&wire::parse(&text).map_err(changed)?.paragraphs).html,
        })
    }
}
