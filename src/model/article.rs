//! `Article`: one story, whatever format it came from.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};

/// The file format a story was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    /// Markdown with YAML front matter (`.md`).
    Markdown,
    /// Raw agency copy (`.txt`).
    Wire,
}

/// One story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Article {
    /// Its path under `content/`, `/`-separated: the story's identity.
    pub id: String,
    /// The file, relative to the working folder: where the body is read
    /// from and how diagnostics name it (`content/…`).
    pub path: PathBuf,
    /// Which parser read it.
    pub format: Format,
    /// A hash of the file's text as loaded: what decides the body's HTML,
    /// which is read again when a page needs it (see [`Bodies`]).
    pub source_hash: u64,
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
    /// Summary: from front matter, or the first paragraph.
    pub summary: String,
    /// Keywords as written.
    pub keywords: Vec<String>,
    /// The slug before resend suffixes: the headline's, or `slug:`.
    pub base_slug: String,
    /// URL slug. The loader sets the headline's slug (or `slug:`); the model
    /// adds `-2`, `-3` to same-day resends.
    pub slug: String,
    /// Whether the slug was given with `slug:` (a collision is then an error).
    pub explicit_slug: bool,
    /// 1-based line of `slug:`, or 1.
    pub slug_line: usize,
    /// Marked `draft: true` (only loaded with `--drafts`).
    pub draft: bool,
}

/// Supplies a story's body as HTML when a page needs it.
///
/// Bodies are not kept in the model: for an archive of 100,000 stories they
/// would take over 500 MB, and each is needed by one page (and by feeds,
/// when they carry full content). The loader implements this by reading the
/// story again, and refuses a file whose text is no longer the one it
/// loaded (`source_hash`); tests can supply bodies from memory.
pub(crate) trait Bodies: Sync {
    /// The body of `article` as HTML.
    fn html(&self, article: &Article) -> Result<String, crate::diag::Diagnostic>;
}

impl Article {
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
            id,
            path,
            format,
            source_hash: 0,
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
