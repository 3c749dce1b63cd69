//! The loader: walks `content/`, parses every story file in parallel and
//! returns the stories with every problem found. It never stops at the
//! first bad file, and a walk error is a diagnostic, never a silently
//! missing story.
//!
//! Story files, told apart by extension: `.md` / `.markdown` (front matter
//! and Markdown), `.txt` (raw wire copy), `.json` (an IPTC ninjs item),
//! `.jsonl` / `.ndjson` (ninjs, one item a line), and `.xml` (NewsML-G2 or
//! NITF, told apart by the root element; see [`agency`]). A file may hold
//! several stories, and items that are not text are counted. Hidden files
//! and folders and editor leftovers (`.#x`, `x~`, `*.swp`) are skipped, and
//! other files are ignored.
//!
//! The model keeps no bodies: [`BodyReader`] reads a Markdown or wire story
//! again when its page is rendered (and refuses a file whose text is no
//! longer the one it loaded: its content hash), and an agency story's body
//! from the [`spool`], where the loader put it. A build takes the Markdown
//! and wire stories whose files did not change from the story [`cache`]
//! ([`Loader::load_cached`]) instead of parsing them again.

pub(crate) mod agency;
pub(crate) mod body;
pub(crate) mod cache;
pub(crate) mod dates;
pub(crate) mod frontmatter;
pub(crate) mod sanitize;
pub(crate) mod spool;
pub(crate) mod wire;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx;
use crate::layout::{is_ignored_name, slash_path, walk_key, CONTENT_DIR};
use crate::model::{slug, Article, Bodies, BodySource, Extra, Format, Status};
use frontmatter::{FrontMatter, Located};
pub(crate) use spool::Spool;

/// What the loader should include.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LoadOptions {
    /// Include stories marked `draft: true`.
    pub drafts: bool,
    /// Read invalid UTF-8 with replacement characters (and a warning)
    /// instead of failing.
    pub lossy: bool,
    /// The build's clock, for embargoes (`--now`); `None`: the system time.
    pub now: Option<DateTime<FixedOffset>>,
}

impl LoadOptions {
    /// Whether `a` is still under embargo.
    fn under_embargo(&self, a: &Article) -> bool {
        let Some(until) = a.extra().embargo else {
            return false;
        };
        let now = self
            .now
            .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
        until > now
    }
}

/// A story file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// `/`-separated path under `content/`.
    pub id: String,
    /// `content/` as diagnostics show it: the site folder's path joined to
    /// it, without a leading `./`; one for every source of a walk.
    pub dir: Arc<Path>,
    /// What kind of story file it is.
    pub kind: FileKind,
}

impl Source {
    /// The file, as diagnostics show it and as it is read: [`Source::dir`]
    /// joined to `id`.
    pub(crate) fn shown(&self) -> PathBuf {
        self.dir.join(&self.id)
    }
}

/// The kinds of story file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `.md`, `.markdown`.
    Markdown,
    /// `.txt`.
    Wire,
    /// `.json`: a ninjs item.
    Json,
    /// `.jsonl`, `.ndjson`: ninjs items, one a line.
    JsonLines,
    /// `.xml`: NewsML-G2 or NITF.
    Xml,
}

/// The kind of story file `path` is, or `None` for files that are not
/// stories (including hidden files and editor backups).
pub(crate) fn story_format(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if is_ignored_name(name) {
        return None;
    }
    match path.extension()?.to_str()? {
        "md" | "markdown" => Some(FileKind::Markdown),
        "txt" => Some(FileKind::Wire),
        "json" => Some(FileKind::Json),
        "jsonl" | "ndjson" => Some(FileKind::JsonLines),
        "xml" => Some(FileKind::Xml),
        _ => None,
    }
}

/// Finds every story under `root/content`, sorted by path.
pub(crate) fn discover(root: &Path) -> (Vec<Source>, Diagnostics) {
    discover_in(root, "")
}

/// [`discover`], also listing every file and folder the walk met under
/// `content/` (stories or not, `/`-separated paths in the site folder,
/// each with whether it is a folder), in the order of a walk sorted by
/// name: what a build stamps of `content/`
/// ([`crate::output::inputs::Inputs::gather_after`]), so that it walks the
/// folder once.
pub(crate) fn discover_walked(root: &Path) -> (Vec<Source>, Diagnostics, Vec<(String, bool)>) {
    let mut walked = Vec::new();
    let (found, ds) = discover_into(root, "", Some(&mut walked));
    (found, ds, walked)
}

/// Finds every story under `root/content/dir` (`dir` `/`-separated; `""`
/// for all of `content/`), sorted by path. A `dir` that is not a folder
/// has no stories.
pub(crate) fn discover_in(root: &Path, dir: &str) -> (Vec<Source>, Diagnostics) {
    discover_into(root, dir, None)
}

fn discover_into(
    root: &Path,
    dir: &str,
    mut walked: Option<&mut Vec<(String, bool)>>,
) -> (Vec<Source>, Diagnostics) {
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
    let shared: Arc<Path> = shown_path(root, Path::new(CONTENT_DIR)).into();
    let walk = WalkDir::new(content.join(dir))
        .follow_links(true)
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
        if let Some(walked) = walked.as_deref_mut() {
            if entry.depth() > 0 {
                if let Ok(rel) = entry.path().strip_prefix(root) {
                    walked.push((slash_path(rel), entry.file_type().is_dir()));
                }
            }
        }
        let Some(kind) = story_format(entry.path()) else {
            continue;
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
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
            dir: Arc::clone(&shared),
            id,
            kind,
        });
    }
    // In the order of a walk that sorts each folder by name, sorted once
    // here: walkdir's sort compares names it parses out of whole paths.
    found.sort_by_cached_key(|s| walk_key(&s.id));
    if let Some(walked) = walked {
        walked.sort_by_cached_key(|(p, _)| walk_key(p));
    }
    (found, ds)
}

/// The story file `id` (a `/`-separated path under `content/`), if its
/// name is a story's.
pub(crate) fn source_for(root: &Path, id: &str) -> Option<Source> {
    Some(Source {
        kind: story_format(Path::new(id))?,
        dir: shown_path(root, Path::new(CONTENT_DIR)).into(),
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

/// What stories are loaded with: the site's configuration, the options,
/// and the spool that keeps agency bodies.
#[derive(Clone, Copy)]
pub(crate) struct Loader<'a> {
    pub(crate) config: &'a Config,
    pub(crate) opts: LoadOptions,
    pub(crate) spool: &'a Spool,
}

/// What loading files gave: stories of one file as the loader makes them
/// (`Article`), or of every file as the model shares them
/// (`Arc<Article>`, see [`Loader::load_all`]).
#[derive(Debug)]
pub(crate) struct Loaded<A = Article> {
    /// Their stories (drafts left out unless asked for).
    pub(crate) articles: Vec<A>,
    /// Every problem, errors and warnings.
    pub(crate) diagnostics: Diagnostics,
    /// Items that are not text.
    pub(crate) skipped: Skipped,
    /// Stories held back under embargo.
    pub(crate) held: Held,
}

impl<A> Default for Loaded<A> {
    fn default() -> Self {
        Loaded {
            articles: Vec::new(),
            diagnostics: Diagnostics::default(),
            skipped: Skipped::default(),
            held: Held::default(),
        }
    }
}

impl Loaded {
    /// The same, each story moved into the `Arc` the model keeps it in.
    fn shared(self) -> Loaded<Arc<Article>> {
        // A fresh vector of pointers: `collect` would reuse the stories'
        // own buffer (room for four stories, some kilobytes) in place, and
        // keep it to the end of the load for each file.
        let mut articles = Vec::with_capacity(self.articles.len());
        articles.extend(self.articles.into_iter().map(Arc::new));
        Loaded {
            articles,
            diagnostics: self.diagnostics,
            skipped: self.skipped,
            held: self.held,
        }
    }
}

impl<A> Loaded<A> {
    fn add(&mut self, other: Loaded<A>) {
        self.articles.extend(other.articles);
        self.diagnostics.extend(other.diagnostics);
        self.skipped.add(&other.skipped);
        self.held.add(&other.held);
    }
}

impl<A: std::borrow::Borrow<Article>> Loaded<A> {
    /// Adds a story, or holds it back while it is under embargo.
    fn publish(&mut self, a: A, opts: &LoadOptions) {
        match a.borrow().extra().embargo {
            Some(until) if opts.under_embargo(a.borrow()) => self.held.hold(until),
            _ => self.articles.push(a),
        }
    }
}

/// What the loader made of a Markdown or wire file, whatever the options:
/// what the story cache keeps of it ([`cache`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Parsed {
    /// Its story, if it has one (drafts and stories under embargo too).
    pub(crate) article: Option<Arc<Article>>,
    /// Every problem found in it.
    pub(crate) diagnostics: Diagnostics,
}

impl Parsed {
    /// What a load with `opts` makes of it: its story, unless a draft
    /// (without `--drafts`), held back while under embargo.
    pub(crate) fn publish(&self, opts: &LoadOptions) -> Loaded<Arc<Article>> {
        let mut out = Loaded {
            diagnostics: self.diagnostics.clone(),
            ..Loaded::default()
        };
        match &self.article {
            Some(a) if a.draft && !opts.drafts => {}
            Some(a) => out.publish(Arc::clone(a), opts),
            None => {}
        }
        out
    }
}

/// Stories held back under embargo (SPEC.md: published nowhere before
/// their time): how many, and when the next is due. Displays as the build
/// summary says it: `2 stories held under embargo, the next until
/// 2017-07-04T08:00:00+08:00`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Held {
    count: usize,
    next: Option<DateTime<FixedOffset>>,
}

impl Held {
    fn hold(&mut self, until: DateTime<FixedOffset>) {
        self.count += 1;
        // The earliest instant; of equal instants the smallest offset, so
        // that the result does not depend on the order files load in.
        let key = |t: &DateTime<FixedOffset>| (*t, t.offset().local_minus_utc());
        if self.next.is_none_or(|n| key(&until) < key(&n)) {
            self.next = Some(until);
        }
    }

    pub(crate) fn add(&mut self, other: &Held) {
        if let Some(n) = other.next {
            self.hold(n);
            self.count += other.count - 1;
        }
    }

    /// How many stories are held.
    pub fn count(&self) -> usize {
        self.count
    }

    /// When the first of them is due.
    pub fn next(&self) -> Option<DateTime<FixedOffset>> {
        self.next
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(next) = self.next else {
            return Ok(());
        };
        let when = next.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        match self.count {
            1 => write!(f, "1 story held under embargo until {when}"),
            n => write!(f, "{n} stories held under embargo, the next until {when}"),
        }
    }
}

/// Items of agency files that are not text (pictures, video, packages...),
/// skipped and counted by kind. Displays as the build summary says it:
/// `3 picture items, 1 video item skipped`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped(std::collections::BTreeMap<String, usize>);

impl Skipped {
    /// One more item of `kind`.
    pub(crate) fn count(&mut self, kind: &str) {
        match self.0.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.0.insert(kind.to_string(), 1);
            }
        }
    }

    fn add(&mut self, other: &Skipped) {
        for (kind, n) in &other.0 {
            *self.0.entry(kind.clone()).or_default() += n;
        }
    }

    /// How many items of `kind` (`picture`, `video`...) were skipped.
    pub fn of(&self, kind: &str) -> usize {
        self.0.get(kind).copied().unwrap_or(0)
    }

    /// Whether nothing was skipped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (kind, n)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let s = if *n == 1 { "" } else { "s" };
            write!(f, "{sep}{n} {kind} item{s}")?;
        }
        if !self.0.is_empty() {
            f.write_str(" skipped")?;
        }
        Ok(())
    }
}

impl Loader<'_> {
    /// Loads the given story files in parallel. Each story is moved into
    /// its `Arc` where it is made, so that the archive is never held twice
    /// (as the loader's values and as the model's).
    pub(crate) fn load_all(
        &self,
        sources: &[Source],
        progress: &dyn crate::progress::Progress,
    ) -> Loaded<Arc<Article>> {
        let results: Vec<Loaded<Arc<Article>>> = sources
            .par_iter()
            .map(|src| {
                let loaded = self.load(src).shared();
                progress.advance(1);
                loaded
            })
            .collect();
        let mut out = Loaded {
            articles: Vec::with_capacity(results.len()),
            ..Loaded::default()
        };
        for r in results {
            out.add(r);
        }
        out
    }

    /// Reads and parses one story file: its stories (no drafts, without
    /// `--drafts`), and every problem found in it.
    pub(crate) fn load(&self, src: &Source) -> Loaded {
        match src.kind {
            FileKind::Markdown | FileKind::Wire => self.load_story(src),
            FileKind::Json | FileKind::JsonLines | FileKind::Xml => self.load_agency(src),
        }
    }

    /// A Markdown or wire story: one a file.
    fn load_story(&self, src: &Source) -> Loaded {
        match self.parse_story(src) {
            Ok((_, parsed)) => {
                let out = parsed.publish(&self.opts);
                Loaded {
                    articles: out.articles.into_iter().map(Arc::unwrap_or_clone).collect(),
                    diagnostics: out.diagnostics,
                    skipped: out.skipped,
                    held: out.held,
                }
            }
            Err(d) => Loaded {
                diagnostics: Diagnostics::from_iter([d]),
                ..Loaded::default()
            },
        }
    }

    /// Reads and parses a Markdown or wire story: its content hash and
    /// what the file says, whatever the options (drafts and embargoes are
    /// [`Parsed::publish`]'s), or why it could not be read.
    pub(crate) fn parse_story(&self, src: &Source) -> Result<(u64, Parsed), Diagnostic> {
        let mut warnings = Vec::new();
        let text = read_story(&src.shown(), self.opts.lossy, &mut warnings)?;
        let source_hash = content_hash(&text);
        Ok((
            source_hash,
            self.parse_text(src, &text, source_hash, warnings),
        ))
    }

    /// [`Loader::parse_story`] of a file's text, read.
    pub(crate) fn parse_text(
        &self,
        src: &Source,
        text: &str,
        source_hash: u64,
        mut warnings: Vec<Diagnostic>,
    ) -> Parsed {
        let (text, dropped) = sanitize::clean(text);
        warnings.extend(dropped.iter().map(|d| {
            Diagnostic::warning(
                src.shown(),
                d.line,
                format!(
                    "control character {} dropped: pages and feeds cannot carry it",
                    d.list()
                ),
            )
        }));
        let mut diagnostics = Diagnostics::from_iter(warnings);
        let parsed = match src.kind {
            FileKind::Markdown => parse_markdown(&text, src, self.config),
            _ => parse_wire(&text, src, self.config),
        };
        let article = match parsed {
            Ok(mut a) => {
                a.source_hash = source_hash;
                Some(Arc::new(a))
            }
            Err(errs) => {
                diagnostics.extend(errs.into_iter().map(|l| located_error(src, l)));
                None
            }
        };
        Parsed {
            article,
            diagnostics,
        }
    }

    /// An agency file: ninjs, NewsML-G2 or NITF, one or many items.
    fn load_agency(&self, src: &Source) -> Loaded {
        let mut out = Loaded::default();
        let mut warnings = Vec::new();
        let text = match src.kind {
            FileKind::Xml => read_xml(&src.shown(), self.opts.lossy, &mut warnings),
            _ => read_story(&src.shown(), self.opts.lossy, &mut warnings),
        };
        out.diagnostics.extend(warnings);
        let text = match text {
            Ok(t) => t,
            Err(d) => {
                out.diagnostics.push(d);
                return out;
            }
        };
        let (parsed, names) = match src.kind {
            FileKind::Xml => match parse_xml(&text) {
                Ok(p) => p,
                Err(l) => {
                    out.diagnostics.push(located_error(src, l));
                    return out;
                }
            },
            kind => (
                agency::ninjs::parse(&text, kind == FileKind::JsonLines),
                agency::Names {
                    format: Format::Ninjs,
                    headline: "`headline` or `headlines`",
                    date: "`firstcreated` or `versioncreated` (`firstCreated`, `versionCreated`)",
                },
            ),
        };
        for kind in parsed.skipped {
            out.skipped.count(kind);
        }
        out.diagnostics
            .extend(parsed.errors.into_iter().map(|l| located_error(src, l)));
        let of = parsed.items.len();
        let mut ignored = Vec::new();
        for (n, item) in parsed.items.into_iter().enumerate() {
            let place = (n + 1, of);
            match agency::to_article(
                item,
                place,
                src,
                &names,
                self.config,
                self.spool,
                &mut ignored,
            ) {
                Ok(a) => out.publish(a, &self.opts),
                Err(errs) => out
                    .diagnostics
                    .extend(errs.into_iter().map(|l| located_error(src, l))),
            }
        }
        out.diagnostics.extend(ignored.into_iter().map(|l| {
            let mut d = located_error(src, l);
            d.severity = crate::diag::Severity::Warning;
            d
        }));
        out
    }
}

/// A problem at a place in `src` as a diagnostic.
fn located_error(src: &Source, l: Located) -> Diagnostic {
    let d = Diagnostic::error(src.shown(), l.line, l.message);
    match l.column {
        Some(c) => d.at_column(c),
        None => d,
    }
}

/// Parses an XML story file by its root: NewsML-G2 (`newsItem`,
/// `newsMessage`) or NITF (`nitf`).
fn parse_xml(text: &str) -> Result<(agency::Parsed, agency::Names), Located> {
    let opts = roxmltree::ParsingOptions {
        // NITF files often start with a DOCTYPE naming the NITF DTD.
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        Located {
            line: p.row as usize,
            column: Some(p.col as usize),
            message: format!("invalid XML: {e}; expected a NewsML-G2 or NITF document")
                .replace(&format!(" at {}:{}", p.row, p.col), ""),
        }
    })?;
    let root = doc.root_element();
    let name = root.tag_name().name();
    match name {
        "newsItem" | "newsMessage" => Ok((
            agency::g2::parse(&doc),
            agency::Names {
                format: Format::NewsMl,
                headline: "`contentMeta/headline`",
                date: "`itemMeta/firstCreated` or `itemMeta/versionCreated`",
            },
        )),
        "nitf" => {
            let mut parsed = agency::Parsed::default();
            let p = doc.text_pos_at(root.range().start);
            let mut item = agency::nitf::item(root);
            (item.line, item.column) = (p.row as usize, p.col as usize);
            parsed.items.push(item);
            Ok((
                parsed,
                agency::Names {
                    format: Format::Nitf,
                    headline: "`body.head/hedline/hl1` or `head/title`",
                    date: "`docdata/date.issue@norm` or `docdata/date.release@norm`",
                },
            ))
        }
        other => {
            let p = doc.text_pos_at(root.range().start);
            Err(Located {
                line: p.row as usize,
                column: Some(p.col as usize),
                message: format!(
                    "root element <{other}>: expected <newsItem> or <newsMessage> (NewsML-G2) \
                     or <nitf> (NITF)"
                ),
            })
        }
    }
}

/// Reads an XML file in the encoding its declaration names (UTF-8 when it
/// names none: `<?xml version="1.0" encoding="ISO-8859-1"?>` is honoured).
fn read_xml(
    path: &Path,
    lossy: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    let bytes = fsx::read_bytes(path, path)?;
    let declared = declared_encoding(&bytes);
    let found = declared.map(|l| {
        let enc = encoding_rs::Encoding::for_label(l.as_bytes());
        (l, enc)
    });
    match found {
        Some((_, Some(enc))) if enc != encoding_rs::UTF_8 => {
            let (text, _, bad) = enc.decode(&bytes);
            if bad && !lossy {
                return Err(Diagnostic::error(
                    path,
                    0,
                    format!(
                        "bytes that are not {} although the declaration says so; expected text \
                         in the declared encoding (or --lossy)",
                        enc.name()
                    ),
                ));
            }
            Ok(text.into_owned())
        }
        Some((label, None)) => Err(Diagnostic::error(
            path,
            1,
            format!(
                "unknown encoding `{label}` in the XML declaration; expected UTF-8 or another \
                 encoding by its name (ISO-8859-1, windows-1252, Shift_JIS...)"
            ),
        )
        .at_column(1)),
        _ => {
            let text = if lossy {
                read_story(path, true, warnings)?
            } else {
                fsx::decode_utf8(bytes, path)?
            };
            Ok(text)
        }
    }
}

/// The `encoding` of an XML declaration at the start of `bytes`.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &head[..head.len().min(200)];
    let end = head.windows(2).position(|w| w == b"?>")?;
    // The declaration itself is ASCII, whatever it declares.
    let decl = std::str::from_utf8(&head[..end])
        .ok()?
        .strip_prefix("<?xml")?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
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
    let format = match src.kind {
        FileKind::Markdown => Format::Markdown,
        _ => Format::Wire,
    };
    Article::new(src.id.clone(), Arc::clone(&src.dir), format, title, date)
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
    // An optional date field: parsed in the site's time zone, or an error
    // at its key's line.
    let mut optional_date = |key: &str, value: Option<&str>| {
        let d = value?;
        dates::parse_date(d, config.timezone)
            .map_err(|m| {
                errs.push(located(
                    frontmatter::key_line(&split, key),
                    format!("`{key}`: {m}"),
                ))
            })
            .ok()
    };
    let embargo = optional_date("embargo", fm.embargo.as_deref());
    let updated = optional_date("updated", fm.updated.as_deref());
    let status = match fm.status.as_deref().map(str::trim) {
        None => Status::Usable,
        Some(s) => match Status::named(s) {
            Some(status) => status,
            None => {
                errs.push(located(
                    frontmatter::key_line(&split, "status"),
                    format!(
                        "invalid status `{s}`: expected `usable`, `withheld` (held back until a \
                         later version) or `canceled` (the story is killed)"
                    ),
                ));
                Status::Usable
            }
        },
    };
    let id = fm.id.map(|s| s.trim().to_string());
    if id.as_deref() == Some("") {
        errs.push(located(
            frontmatter::key_line(&split, "id"),
            "empty `id`: expected the story's id, shared by its versions, e.g. `id: xinhua-2017-0703-1`",
        ));
    }
    if let Some(l) = &fm.language {
        if !crate::config::is_language_tag(l) {
            errs.push(located(
                frontmatter::key_line(&split, "language"),
                format!("invalid language `{l}`: expected a language tag such as `en`, `de` or `zh-Hans`"),
            ));
        }
    }
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
    a.source = fm.source.map(|s| s.trim().into()).unwrap_or_default();
    a.editor = non_empty(fm.editor).map(String::into_boxed_str);
    a.dateline = non_empty(fm.dateline)
        .or_else(|| wire::find_dateline(&summary))
        .map(String::into_boxed_str);
    a.summary = non_empty(fm.summary).unwrap_or(summary).into();
    a.keywords = fm.keywords.unwrap_or_default().into_iter().collect();
    if let Some(s) = fm.slug {
        a.set_base_slug(s);
        a.explicit_slug = true;
        a.set_slug_line(frontmatter::key_line(&split, "slug"));
    }
    a.draft = fm.draft.unwrap_or(false);
    a.status = status;
    a.set_extra(Extra {
        guid: id,
        byline: non_empty(fm.byline),
        language: fm.language,
        copyright: non_empty(fm.copyright),
        embargo,
        version: fm.version,
        correction: non_empty(fm.correction),
        ..Extra::default()
    });
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
    a.source = w.source.into();
    a.editor = w.editor.map(String::into_boxed_str);
    a.dateline = w.dateline.map(String::into_boxed_str);
    a.summary = w
        .paragraphs
        .first()
        .map(|p| body::shorten(p).into())
        .unwrap_or_default();
    a.keywords = w.keywords.into_iter().collect();
    Ok(a)
}

/// Reads the story file at `path` (as diagnostics show it) as text: UTF-8, or with `lossy` invalid bytes replaced
/// (and a warning naming the first one).
fn read_story(
    path: &Path,
    lossy: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    if !lossy {
        return fsx::read_text(path, path);
    }
    let bytes = fsx::read_bytes(path, path)?;
    if std::str::from_utf8(&bytes).is_ok() {
        return fsx::decode_utf8(bytes, path);
    }
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_string();
    match fsx::decode_utf8(bytes, path) {
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

/// Supplies story bodies when pages need them (see [`Bodies`]): reads a
/// Markdown or wire story again, an agency story's body from the spool.
#[derive(Debug, Clone)]
pub(crate) struct BodyReader {
    /// Let raw HTML in Markdown through.
    pub unsafe_html: bool,
    /// Replace invalid UTF-8 (as the loader did).
    pub lossy: bool,
    /// Where the loader put agency bodies.
    pub spool: std::sync::Arc<Spool>,
}

impl BodyReader {
    /// A reader with the site's Markdown settings.
    pub(crate) fn new(config: &Config, lossy: bool, spool: std::sync::Arc<Spool>) -> Self {
        BodyReader {
            unsafe_html: config.unsafe_html,
            lossy,
            spool,
        }
    }
}

impl Bodies for BodyReader {
    fn html(&self, a: &Article) -> Result<String, Diagnostic> {
        self.read(a, false)
    }

    /// A Markdown or wire body's text straight from its source, without
    /// making its HTML; an agency body's from its (sanitized) HTML.
    fn text(&self, a: &Article) -> Result<String, Diagnostic> {
        match a.body {
            BodySource::Spool { .. } => self.read(a, false).map(|h| crate::html::html_text(&h)),
            BodySource::File => self.read(a, true),
        }
    }
}

impl BodyReader {
    /// The body of `a`, as HTML or (`text_only`) as text.
    fn read(&self, a: &Article, text_only: bool) -> Result<String, Diagnostic> {
        if let BodySource::Spool { offset, len } = a.body {
            return self.spool.get(offset, len).map_err(|e| {
                Diagnostic::error(
                    a.path(),
                    a.slug_line(),
                    format!("cannot read the story's body back from its spool: {e}"),
                )
            });
        }
        let path = a.path();
        let text = read_story(&path, self.lossy, &mut Vec::new())?;
        if content_hash(&text) != a.source_hash {
            return Err(Diagnostic::error(
                &path,
                0,
                "the story changed while the site was built: expected the text it was \
                 loaded with (build again)",
            ));
        }
        let (text, _) = sanitize::clean(&text);
        let changed = |e: Located| {
            Diagnostic::error(
                &path,
                e.line,
                format!("the story changed while the site was built: {}", e.message),
            )
        };
        Ok(match a.format {
            Format::Markdown => {
                let split = frontmatter::split(&text).map_err(changed)?;
                match text_only {
                    true => body::markdown_text(split.body, self.unsafe_html),
                    false => body::markdown(split.body, self.unsafe_html).html,
                }
            }
            _ => {
                let paragraphs = wire::parse(&text).map_err(changed)?.paragraphs;
                match text_only {
                    true => paragraphs.join(
                        "
",
                    ),
                    false => body::wire(&paragraphs).html,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_are_found_in_the_order_of_a_walk_sorted_by_name() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let names = [
            "a.md", "a/b.md", "a/a.txt", "ab.md", "a-b.md", "a b.md", "B.md", "a/c/d.md", "z.md",
            "ä.md",
        ];
        for n in names {
            crate::fsx::write(&root.join("content").join(n), b"x").unwrap();
        }
        let walk: Vec<String> = walkdir::WalkDir::new(root.join("content"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| slash_path(e.path().strip_prefix(root.join("content")).unwrap()))
            .collect();
        let (found, _, walked) = discover_walked(root);
        let ids: Vec<&str> = found.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, walk);
        let files: Vec<&str> = walked
            .iter()
            .filter_map(|(p, _)| p.strip_prefix("content/"))
            .filter(|p| names.contains(p))
            .collect();
        assert_eq!(files, walk);
    }
    use proptest::prelude::*;

    #[test]
    fn held_stories_sum_to_the_earliest_whatever_the_order() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let times = [
            t("2017-07-05T00:00:00+00:00"),
            t("2017-07-04T12:00:00+08:00"),
            t("2017-07-04T04:00:00+00:00"),
        ];
        let mut sums = Vec::new();
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
            let mut total = Held::default();
            for i in order {
                let mut one = Held::default();
                one.hold(times[i]);
                total.add(&one);
            }
            total.add(&Held::default());
            sums.push(total);
        }
        assert!(sums.windows(2).all(|w| w[0] == w[1]), "{sums:?}");
        assert_eq!(sums[0].count(), 3);
        // Of equal instants, the smaller offset: the same whatever the order.
        assert_eq!(
            sums[0].to_string(),
            "3 stories held under embargo, the next until 2017-07-04T04:00:00+00:00"
        );
        assert_eq!(Held::default().to_string(), "");
    }

    /// Loads `bytes` as `content/<name>` of a fresh site.
    fn load_file(name: &str, bytes: &[u8]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(CONTENT_DIR)).unwrap();
        std::fs::write(dir.path().join(CONTENT_DIR).join(name), bytes).unwrap();
        let src = source_for(dir.path(), name).unwrap();
        let config = Config::default();
        let spool = Spool::new().unwrap();
        let loader = Loader {
            config: &config,
            opts: LoadOptions::default(),
            spool: &spool,
        };
        loader.load(&src)
    }

    /// Element names the agency parsers look for, and some they do not.
    const NAMES: &[&str] = &[
        "newsItem",
        "itemSet",
        "itemMeta",
        "itemClass",
        "provider",
        "name",
        "versionCreated",
        "firstCreated",
        "contentMeta",
        "headline",
        "dateline",
        "located",
        "by",
        "keyword",
        "subject",
        "language",
        "urgency",
        "genre",
        "description",
        "contentSet",
        "inlineXML",
        "inlineData",
        "rightsInfo",
        "copyrightNotice",
        "packageItem",
        "nitf",
        "head",
        "title",
        "docdata",
        "doc-id",
        "date.issue",
        "key-list",
        "body",
        "body.head",
        "hedline",
        "hl1",
        "hl2",
        "byline",
        "abstract",
        "body.content",
        "body.end",
        "tagline",
        "p",
        "block",
        "ul",
        "li",
        "table",
        "tr",
        "td",
        "bq",
        "a",
        "em",
        "html",
        "script",
        "iframe",
        "x",
    ];
    const ATTRS: &[&str] = &[
        "qcode",
        "literal",
        "role",
        "guid",
        "tag",
        "norm",
        "id-string",
        "key",
        "href",
        "contenttype",
        "class",
        "xml:lang",
        "onclick",
        "style",
    ];

    /// Text with the characters XML and HTML care about.
    fn text() -> impl Strategy<Value = String> {
        prop::string::string_regex("[a-zA-Z0-9 <>&'\"\u{e9}\u{4e60}\u{634}:/\\-\n]{0,24}")
            .unwrap()
            .prop_map(|s| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            })
    }

    fn attr() -> impl Strategy<Value = String> {
        (
            prop::sample::select(ATTRS),
            prop::sample::select(
                &[
                    "ninat:text",
                    "ninat:picture",
                    "hltype:main",
                    "2017-07-03T10:00:00Z",
                    "20170703T101500+0200",
                    "javascript:x",
                    "https://e.org/",
                    "zh-Hans",
                    "1",
                    "",
                    "not a date",
                ][..],
            ),
        )
            .prop_map(|(k, v)| format!(" {k}=\"{v}\""))
    }

    /// Well-formed XML built from the agencies' vocabulary.
    fn element() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            text(),
            (
                prop::sample::select(NAMES),
                prop::collection::vec(attr(), 0..3),
                text()
            )
                .prop_map(|(n, a, t)| format!("<{n}{}>{t}</{n}>", a.concat())),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            (
                prop::sample::select(NAMES),
                prop::collection::vec(attr(), 0..3),
                prop::collection::vec(inner, 0..6),
            )
                .prop_map(|(n, a, kids)| format!("<{n}{}>{}</{n}>", a.concat(), kids.concat()))
        })
    }

    fn document() -> impl Strategy<Value = String> {
        (
            prop::sample::select(&["newsItem", "newsMessage", "nitf", "rss"][..]),
            prop::bool::ANY,
            prop::collection::vec(element(), 0..6),
        )
            .prop_map(|(root, ns, kids)| {
                let ns = if ns {
                    " xmlns=\"http://iptc.org/std/nar/2006-10-01/\""
                } else {
                    ""
                };
                format!(
                    "<?xml version=\"1.0\"?>\n<{root}{ns}>{}</{root}>",
                    kids.concat()
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the bytes, an `.xml` file loads to stories and
        /// diagnostics, never a panic; every diagnostic has a line.
        #[test]
        fn xml_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let loaded = load_file("a.xml", &bytes);
            // A file with nothing to say is one an accepted root parsed.
            if loaded.diagnostics.is_empty() {
                let text = std::str::from_utf8(&bytes);
                prop_assert!(text.is_ok_and(|t| parse_xml(t).is_ok()), "{bytes:?}");
            }
        }

        /// Well-formed documents in the agencies' vocabulary (the inputs
        /// that get past the XML parser) give stories with headlines, or
        /// errors, or skipped items, never a panic.
        #[test]
        fn agency_documents_never_panic(doc in document()) {
            let loaded = load_file("a.xml", doc.as_bytes());
            for a in &loaded.articles {
                prop_assert!(!a.title.trim().is_empty());
            }
        }

        /// The same for `.json`, `.jsonl`, with any bytes.
        #[test]
        fn json_files_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), lines in any::<bool>()) {
            let _ = load_file(if lines { "a.jsonl" } else { "a.json" }, &bytes);
        }
    }
}
