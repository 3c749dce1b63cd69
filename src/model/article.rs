//! `Article`: one story, whatever format it came from, and where its body
//! comes from when its page is rendered.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};

/// The format a story was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Where a story's body comes from when its page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// One story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Article {
    /// The story's identity in the site: its file's path under `content/`
    /// (`/`-separated), with `#n` (its place, 1-based) for an item of a file
    /// that holds several.
    pub id: String,
    /// Its file, `/`-separated under `content/` (several stories may share
    /// one: a `newsMessage`, a `.jsonl` dump).
    pub file: String,
    /// The file, relative to the working folder: how diagnostics name it
    /// (`content/…`), and where a [`BodySource::File`] body is read from.
    pub path: PathBuf,
    /// Which parser read it.
    pub format: Format,
    /// Where its body comes from.
    pub body: BodySource,
    /// A hash of what decides the body's HTML: the file's text as loaded
    /// (read again when a page needs it, see [`Bodies`]), or the spooled
    /// body.
    pub source_hash: u64,
    /// The agency's own identifier: ninjs `uri`, NewsML-G2 `guid`, NITF
    /// `doc-id`.
    pub guid: Option<String>,
    /// Headline, as written.
    pub title: String,
    /// Filing date; its offset decides the story's day.
    pub date: DateTime<FixedOffset>,
    /// Date of the last correction.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Agency (may be empty).
    pub source: String,
    /// Desk editor.
    pub editor: Option<String>,
    /// Reporter.
    pub byline: Option<String>,
    /// `BEIJING, July 3`.
    pub dateline: Option<String>,
    /// Summary: from front matter or the agency's description, else the
    /// first paragraph.
    pub summary: String,
    /// Keywords as written.
    pub keywords: Vec<String>,
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
    /// The slug before resend suffixes: the headline's, or `slug:`.
    pub base_slug: String,
    /// URL slug. The loader sets the headline's slug (or `slug:`); the model
    /// adds `-2`, `-3` to same-day resends.
    pub slug: String,
    /// Whether the slug was given with `slug:` (a collision is then an error).
    pub explicit_slug: bool,
    /// 1-based line of `slug:` (or of the item), or 1.
    pub slug_line: usize,
    /// Marked `draft: true` (only loaded with `--drafts`).
    pub draft: bool,
    /// Not to be published before this time (the loader holds it back
    /// until then: a story in the model is past its embargo).
    pub embargo: Option<DateTime<FixedOffset>>,
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
}

impl Article {
    /// The line its item starts on, for a story of a file that holds
    /// several (a message, a dump): what tells it from its neighbours.
    pub(crate) fn line_in_file(&self) -> Option<usize> {
        (self.id != self.file).then_some(self.slug_line)
    }

    /// Where it is, as a diagnostic names it: its file, and its item's
    /// line when the file holds several.
    pub(crate) fn place(&self) -> String {
        match self.line_in_file() {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// A story with its identity, headline and date and nothing else yet
    /// (the format parsers fill in the rest): its slug is the headline's.
    pub(crate) fn new(
        id: String,
        path: PathBuf,
        format: Format,
        title: String,
        date: DateTime<FixedOffset>,
    ) -> Article {
        Article {
            file: id.clone(),
            id,
            path,
            format,
            body: BodySource::File,
            source_hash: 0,
            guid: None,
            language: None,
            slugline: None,
            urgency: None,
            copyright: None,
            credit: None,
            genres: Vec::new(),
            base_slug: super::slug::slugify(&title).unwrap_or_else(|| "story".to_string()),
            slug: String::new(),
            title,
            date,
            updated: None,
            source: String::new(),
            editor: None,
            byline: None,
            dateline: None,
            summary: String::new(),
            keywords: Vec::new(),
            explicit_slug: false,
            slug_line: 1,
            draft: false,
            embargo: None,
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
}
