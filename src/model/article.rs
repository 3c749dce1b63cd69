//! `Article`: one story, whatever format it came from, and where its body
//! comes from when its page is rendered. The loader makes one per version
//! it reads (a record); the model merges the versions of one story into
//! the one it publishes (see `versions.rs`), which lists them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, NaiveDate};

/// The format a story was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Format {
    /// Markdown with YAML front matter (`.md`).
    Markdown,
    /// Raw agency copy (`.txt`).
    Wire,
    /// IPTC ninjs (`.json`, `.jsonl`).
    Ninjs,
    /// IPTC NewsML-G2 (`.xml`, a `newsItem` or an item of a `newsMessage`).
    NewsMl,
    /// IPTC NITF (`.xml`).
    Nitf,
}

/// What the agency says may be done with a version (G2 `pubStatus`, ninjs
/// `pubstatus`, NITF `management-status`, front matter `status:`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum Status {
    /// To be published (`usable`, the default).
    #[default]
    Usable,
    /// Held back by the agency until a later usable version (`withheld`).
    Withheld,
    /// Killed: the story is withdrawn (`canceled`).
    Canceled,
}

impl Status {
    /// The status a name gives: `usable`, `withheld`, `canceled` (or
    /// `cancelled`), any case, also as an IPTC code (`stat:canceled`, or the
    /// code's URI).
    pub(crate) fn named(name: &str) -> Option<Status> {
        let code = name.trim().rsplit([':', '/']).next().unwrap_or("");
        match code.to_ascii_lowercase().as_str() {
            "usable" => Some(Status::Usable),
            "withheld" => Some(Status::Withheld),
            "canceled" | "cancelled" => Some(Status::Canceled),
            _ => None,
        }
    }
}

/// One version of a story that has several, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Version {
    /// The version's own id (its file, `#n` for an item of a file).
    pub id: String,
    /// Its file, as diagnostics name it.
    pub path: PathBuf,
    /// The line its item (or its `slug:`) is on.
    pub line: usize,
    /// Its version number, when the agency gives one.
    pub number: Option<u32>,
    /// When it was filed (its `updated`, else its `date`).
    pub time: DateTime<FixedOffset>,
    /// Its headline.
    pub title: String,
    /// Its correction note, when it is a correction.
    pub correction: Option<String>,
    /// What the agency said may be done with it.
    pub status: Status,
}

/// Where a story's body comes from when its page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum BodySource {
    /// Its file, read and rendered again (Markdown, wire copy: one story a
    /// file, cheap to parse).
    File,
    /// Bytes `offset..offset + len` of the loader's body spool: agency
    /// bodies, extracted and sanitized once at load (a file may hold
    /// thousands of items).
    Spool {
        /// Where it starts.
        offset: u64,
        /// How long it is.
        len: u32,
    },
}

/// What few stories have: agency metadata, embargoes, version numbers,
/// corrections. Kept apart from [`Article`] and boxed, so that a story with
/// none of it (most of an archive of Markdown or wire copy) costs one
/// pointer for it, not some 200 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Extra {
    /// The agency's own identifier: ninjs `uri`, NewsML-G2 `guid`, NITF
    /// `doc-id`.
    pub guid: Option<String>,
    /// Reporter.
    pub byline: Option<String>,
    /// The copy's language (BCP 47, `de`, `zh-Hans`), when it says.
    pub language: Option<String>,
    /// The agency's slugline (`US-Finance-Fed`).
    pub slugline: Option<String>,
    /// Editorial urgency, 1 (flash) to 9.
    pub urgency: Option<u8>,
    /// Copyright notice (`© 2017 Reuters`).
    pub copyright: Option<String>,
    /// Whom the agency asks to credit (`Reuters/AP`).
    pub credit: Option<String>,
    /// Genres, by name (`Analysis`, `Interview`).
    pub genres: Vec<String>,
    /// Not to be published before this time (the loader holds it back
    /// until then: a story in the model is past its embargo).
    pub embargo: Option<DateTime<FixedOffset>>,
    /// The version number the agency gives (G2 `@version`, ninjs
    /// `version`, front matter `version:`).
    pub version: Option<u32>,
    /// The correction note, when this version is a correction.
    pub correction: Option<String>,
}

/// What few stories have, in one box: their [`Extra`], and their versions
/// when they have several.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Rare {
    extra: Extra,
    /// See [`Article::versions`].
    versions: Vec<Version>,
}

/// The [`Extra`] of a story that has none.
static NO_EXTRA: Extra = Extra {
    guid: None,
    byline: None,
    language: None,
    slugline: None,
    urgency: None,
    copyright: None,
    credit: None,
    genres: Vec::new(),
    embargo: None,
    version: None,
    correction: None,
};

/// A story's keywords as written, in order, in one allocation: each ends
/// with U+001F (the unit separator), which no keyword can hold (a page
/// cannot carry a control character; the loaders drop them, and this
/// drops any left). An archive has a few keywords a story, and a vector of
/// strings took some 180 bytes for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Keywords(Box<str>);

/// What ends each keyword in [`Keywords`].
const END: char = '\u{1f}';

impl Keywords {
    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.0.matches(END).count()
    }

    /// Each keyword, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split_terminator(END)
    }
}

impl<S: AsRef<str>> FromIterator<S> for Keywords {
    fn from_iter<I: IntoIterator<Item = S>>(keywords: I) -> Keywords {
        let mut all = String::new();
        for k in keywords {
            all.extend(k.as_ref().chars().filter(|&c| c != END));
            all.push(END);
        }
        Keywords(all.into_boxed_str())
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Keywords {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Keywords {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Keywords {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

/// One story.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Article {
    /// The story's identity in the site: its file's path under `content/`
    /// (`/`-separated), with `#n` (its place, 1-based) for an item of a file
    /// that holds several. Set by [`Article::new`] and
    /// [`Article::set_item`] only: [`Article::file`] is a part of it.
    pub id: String,
    /// How much of `id` is its file's path ([`Article::file`]).
    file_len: u32,
    /// `content/`, relative to the working folder as diagnostics name it
    /// (see [`Article::path`]), shared by the stories of a load. Not kept
    /// in the story cache: the load that takes a story from it gives it
    /// its own.
    #[serde(skip, default = "content_dir")]
    dir: Arc<Path>,
    /// Which parser read it.
    pub format: Format,
    /// Where its body comes from.
    pub body: BodySource,
    /// A hash of what decides the body's HTML: the file's text as loaded
    /// (read again when a page needs it, see [`Bodies`]), or the spooled
    /// body.
    pub source_hash: u64,
    /// Headline, as written.
    pub title: Box<str>,
    /// Filing date; its offset decides the story's day.
    pub date: DateTime<FixedOffset>,
    /// Date of the last correction.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Agency (may be empty).
    pub source: Box<str>,
    /// Desk editor.
    pub editor: Option<Box<str>>,
    /// `BEIJING, July 3`.
    pub dateline: Option<Box<str>>,
    /// Summary: from front matter or the agency's description, else the
    /// first paragraph.
    pub summary: Box<str>,
    /// Keywords as written.
    pub keywords: Keywords,
    /// URL slug ([`Article::slug`]): the base slug, and the `-2`, `-3` the
    /// model adds to same-day resends.
    slug: String,
    /// How much of `slug` is the base slug ([`Article::base_slug`]).
    base_len: u32,
    /// Whether the slug was given with `slug:` (a collision is then an error).
    pub explicit_slug: bool,
    /// 1-based line of `slug:` (or of the item), or 1 ([`Article::slug_line`]):
    /// a `u32`, which keeps the story within its allocator's size class (see
    /// [`ARTICLE_MAX`]).
    slug_line: u32,
    /// Marked `draft: true` (only loaded with `--drafts`).
    pub draft: bool,
    /// What may be done with this version.
    pub status: Status,
    /// What few stories have ([`Extra`], versions), when it has any of it.
    rare: Option<Box<Rare>>,
}

/// The most bytes an [`Article`] may take. The model holds each story in an
/// `Arc` (two words more), and the binary's allocator (mimalloc) gives
/// each allocation the smallest of its size classes that fits (in words:
/// ..., 28, 32, 40, 48, ...): 256 bytes take one of 256, 264 one of 320.
/// Within it, a story takes 256 bytes, not 320 or 384 (64 to 128 MB of a
/// million-story archive's peak): so what few stories have is boxed
/// ([`Rare`]), and the texts a story never changes are boxed slices, not
/// growable strings.
const ARTICLE_MAX: usize = 256 - 2 * std::mem::size_of::<usize>();

const _: () = assert!(
    std::mem::size_of::<Article>() <= ARTICLE_MAX,
    "a story no longer fits its allocator's size class: see ARTICLE_MAX"
);

/// The `content/` folder of a site in the working folder, shared: where a
/// story is until its load says where its site is (see [`Article::dir`]).
pub(crate) fn content_dir() -> Arc<Path> {
    static DIR: OnceLock<Arc<Path>> = OnceLock::new();
    Arc::clone(DIR.get_or_init(|| Arc::from(Path::new(crate::layout::CONTENT_DIR))))
}

/// Supplies a story's body as HTML when a page needs it.
///
/// Bodies are not kept in the model: for an archive of 100,000 stories they
/// would take over 500 MB, and each is needed by one page (and by feeds,
/// when they carry full content). The loader implements this, by reading a
/// Markdown or wire story again (it refuses a file whose text is no longer
/// the one it loaded, `source_hash`) and an agency story's body from its
/// spool; tests can supply bodies from memory.
pub(crate) trait Bodies: Sync {
    /// The body of `article` as HTML.
    fn html(&self, article: &Article) -> Result<String, crate::diag::Diagnostic>;

    /// The body of `article` as text, words apart (what search indexes):
    /// its HTML's text, unless the source gives it more cheaply.
    fn text(&self, article: &Article) -> Result<String, crate::diag::Diagnostic> {
        self.html(article).map(|html| crate::html::html_text(&html))
    }
}

impl Article {
    /// The line its item starts on, for a story of a file that holds
    /// several (a message, a dump): what tells it from its neighbours.
    pub(crate) fn line_in_file(&self) -> Option<usize> {
        (self.id.len() != self.file_len as usize).then_some(self.slug_line())
    }

    /// Its agency metadata, embargo, version number and correction note.
    pub(crate) fn extra(&self) -> &Extra {
        self.rare.as_deref().map_or(&NO_EXTRA, |r| &r.extra)
    }

    /// Gives it `extra`.
    pub(crate) fn set_extra(&mut self, extra: Extra) {
        self.edit_rare(|r| r.extra = extra);
    }

    /// Every version of the story, oldest first, when it has more than
    /// one (the model fills it in when it merges versions; empty for a
    /// story of one version, which is its own only version).
    pub(crate) fn versions(&self) -> &[Version] {
        self.rare.as_deref().map_or(&[], |r| &r.versions)
    }

    /// Gives it its `versions` (see [`Article::versions`]).
    pub(crate) fn set_versions(&mut self, versions: Vec<Version>) {
        self.edit_rare(|r| r.versions = versions);
    }

    /// Changes its [`Extra`] by `f`.
    #[cfg(test)]
    pub(crate) fn edit_extra(&mut self, f: impl FnOnce(&mut Extra)) {
        self.edit_rare(|r| f(&mut r.extra));
    }

    /// Changes what few stories have by `f`, kept only if it then holds
    /// anything.
    fn edit_rare(&mut self, f: impl FnOnce(&mut Rare)) {
        let mut rare = self.rare.take().map_or_else(Rare::default, |r| *r);
        f(&mut rare);
        self.rare = (rare != Rare::default()).then(|| Box::new(rare));
    }

    /// Its file, `/`-separated under `content/` (several stories may share
    /// one: a `newsMessage`, a `.jsonl` dump): `id` without its `#n`.
    pub(crate) fn file(&self) -> &str {
        &self.id[..self.file_len as usize]
    }

    /// Makes it item `n` of its file (`id` is then `file#n`).
    pub(crate) fn set_item(&mut self, n: usize) {
        self.id.truncate(self.file_len as usize);
        self.id.push_str(&format!("#{n}"));
    }

    /// Its URL slug: the base slug, with the suffix the model gave a
    /// same-day resend (`-2`, `-3`).
    pub(crate) fn slug(&self) -> &str {
        &self.slug
    }

    /// The 1-based line of its `slug:` (or of its item), or 1.
    pub(crate) fn slug_line(&self) -> usize {
        self.slug_line as usize
    }

    /// Sets [`Article::slug_line`] (a line past `u32::MAX` is told as that).
    pub(crate) fn set_slug_line(&mut self, line: usize) {
        self.slug_line = u32::try_from(line).unwrap_or(u32::MAX);
    }

    /// The slug before resend suffixes: the headline's, or `slug:`.
    pub(crate) fn base_slug(&self) -> &str {
        &self.slug[..self.base_len as usize]
    }

    /// Gives it `base` as its base slug (and slug).
    pub(crate) fn set_base_slug(&mut self, base: String) {
        self.base_len = base.len() as u32;
        self.slug = base;
    }

    /// Gives it the suffix `n` (`-2`, `-3`: a same-day resend), or none.
    pub(crate) fn set_suffix(&mut self, n: Option<usize>) {
        self.slug.truncate(self.base_len as usize);
        if let Some(n) = n {
            self.slug.push_str(&format!("-{n}"));
        }
        self.slug.shrink_to_fit();
    }

    /// Where it is, as a diagnostic names it: its file, and its item's
    /// line when the file holds several.
    pub(crate) fn place(&self) -> String {
        match self.line_in_file() {
            Some(line) => format!("{}:{line}", self.path().display()),
            None => self.path().display().to_string(),
        }
    }

    /// Its file, relative to the working folder: how diagnostics name it
    /// (`content/…`), and where a [`BodySource::File`] body is read from.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(self.file())
    }

    /// The `content/` folder its file is in, as [`Article::path`] shows it.
    pub(crate) fn dir(&self) -> &Arc<Path> {
        &self.dir
    }

    /// Puts its file in the `content/` folder `dir` (see [`Article::path`]).
    pub(crate) fn set_dir(&mut self, dir: Arc<Path>) {
        self.dir = dir;
    }

    /// A story with its identity, headline and date and nothing else yet
    /// (the format parsers fill in the rest): its slug is the headline's.
    /// Its file is `id`'s file in `dir` (see [`Article::path`]).
    pub(crate) fn new(
        id: String,
        dir: Arc<Path>,
        format: Format,
        title: String,
        date: DateTime<FixedOffset>,
    ) -> Article {
        let base_slug = super::slug::slugify(&title).unwrap_or_else(|| "story".to_string());
        Article {
            file_len: id.len() as u32,
            id,
            dir,
            format,
            body: BodySource::File,
            source_hash: 0,
            base_len: base_slug.len() as u32,
            slug: base_slug,
            title: title.into(),
            date,
            updated: None,
            source: Box::default(),
            editor: None,
            dateline: None,
            summary: Box::default(),
            keywords: Keywords::default(),
            explicit_slug: false,
            slug_line: 1,
            draft: false,
            status: Status::Usable,
            rare: None,
        }
    }

    /// The calendar day the story belongs to: the date in its own offset.
    pub(crate) fn day(&self) -> NaiveDate {
        self.date.naive_local().date()
    }

    /// The date that counts as "last modified": `updated`, else `date`.
    pub(crate) fn modified(&self) -> DateTime<FixedOffset> {
        self.updated.unwrap_or(self.date)
    }

    /// Which story this is a version of (SPEC.md): the agency's id (ninjs
    /// `uri`, G2 `guid`, NITF `doc-id`, front matter `id:`), else its own.
    pub(crate) fn identity(&self) -> &str {
        self.extra().guid.as_deref().unwrap_or(&self.id)
    }

    /// What orders the story among stories of the same time, and its
    /// same-day resends: its first version's id, so that a new version
    /// never moves it.
    pub(crate) fn first_id(&self) -> &str {
        self.versions().first().map_or(&self.id, |v| &v.id)
    }

    /// Where its slug was decided (its first version's file and line), as
    /// a slug collision names it.
    pub(crate) fn slug_place(&self) -> (PathBuf, usize) {
        match self.versions().first() {
            Some(v) => (v.path.clone(), v.line),
            None => (self.path(), self.slug_line()),
        }
    }

    /// This story as the only version of itself.
    pub(crate) fn as_version(&self) -> Version {
        Version {
            id: self.id.clone(),
            path: self.path(),
            line: self.slug_line(),
            number: self.extra().version,
            time: self.modified(),
            title: self.title.to_string(),
            correction: self.extra().correction.clone(),
            status: self.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_keep_their_order_and_empty_ones() {
        let k: Keywords = ["China", "", "anti-terror"].into_iter().collect();
        assert_eq!(k.len(), 3);
        assert_eq!(k.iter().collect::<Vec<_>>(), ["China", "", "anti-terror"]);
        assert_eq!(k, ["China", "", "anti-terror"]);
        assert_ne!(k, ["China", "anti-terror"]);
        let none: Keywords = Vec::<String>::new().into_iter().collect();
        assert_eq!(none.len(), 0);
        assert_eq!(none.iter().count(), 0);
    }

    #[test]
    fn a_keyword_cannot_split_in_two() {
        let k: Keywords = ["a\u{1f}b"].into_iter().collect();
        assert_eq!(k, ["ab"]);
    }
}
