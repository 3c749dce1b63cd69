//! `site.yaml`: parsed into [`RawConfig`] (the file as written, unknown keys
//! rejected), then validated into [`Config`], whose invariants the rest of
//! the program relies on: a parsed base URL, a fixed time-zone offset,
//! non-zero page sizes.

use std::path::Path;

use chrono::FixedOffset;
use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx;
use crate::layout::CONFIG_FILE;

/// `site.yaml` exactly as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
    per_page: Option<usize>,
    feed_limit: Option<usize>,
    unsafe_html: Option<bool>,
    feed_content: Option<String>,
    relative_links: Option<bool>,
    withdrawn: Option<String>,
    pagination: Option<String>,
    search: Option<bool>,
}

/// Where the site is published: an origin (may be empty) and a path prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BaseUrl {
    /// `https://news.example.org`, or empty when `base_url` is a bare path.
    pub origin: String,
    /// The path prefix, always starting and ending with `/`: `/`, `/archive/`.
    pub path: String,
}

impl BaseUrl {
    /// Parses `https://host[/path]` or `/path`.
    pub(crate) fn parse(s: &str) -> Result<BaseUrl, String> {
        let s = s.trim();
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
        {
            return Err(format!(
                "invalid base_url `{s}`: expected a URL without spaces or quotes"
            ));
        }
        let (origin, path) = if let Some(rest) = s
            .strip_prefix("https://")
            .map(|r| ("https://", r))
            .or_else(|| s.strip_prefix("http://").map(|r| ("http://", r)))
        {
            let (scheme, rest) = rest;
            let (host, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            if host.is_empty() {
                return Err(format!(
                    "invalid base_url `{s}`: expected a host after `{scheme}`"
                ));
            }
            (format!("{scheme}{host}"), path.to_string())
        } else if s.starts_with('/') {
            (String::new(), s.to_string())
        } else {
            return Err(format!(
                "invalid base_url `{s}`: expected an absolute URL (https://news.example.org/) \
                 or a path (/archive/)"
            ));
        };
        if path.contains(['?', '#']) {
            return Err(format!(
                "invalid base_url `{s}`: expected no query or fragment"
            ));
        }
        let mut path = path;
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(BaseUrl { origin, path })
    }

    /// The base URL as written in canonical form: origin + path.
    pub(crate) fn full(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }
}

/// What a feed entry carries besides its title and link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FeedContent {
    /// The summary (what news publishers' feeds usually carry; keeps the
    /// per-keyword feeds of a large archive small).
    #[default]
    Summary,
    /// The summary and the whole story.
    Full,
}

/// How the numbered pages of the home and keyword listings are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Pagination {
    /// From the oldest story: `/page/k/` shows the same stories for good;
    /// the landing page shows the newest.
    #[default]
    Permanent,
    /// From the newest: `/page/2/` is the second newest `per_page`.
    NewestFirst,
}

/// What a killed story's URL serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Withdrawn {
    /// A short page saying the source withdrew it, kept out of search
    /// engines (`noindex`): a reader who follows an old link learns why.
    #[default]
    Notice,
    /// Nothing: the URL is not found.
    Remove,
}

/// The validated site configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Site title.
    pub title: String,
    /// One-line description (meta description, feed subtitle).
    pub description: String,
    /// Where the site is published.
    pub base_url: BaseUrl,
    /// `lang` of every page.
    pub language: String,
    /// Offset for dates written without one.
    pub timezone: FixedOffset,
    /// Stories per listing page, at least 1.
    pub per_page: usize,
    /// Stories per feed, at least 1.
    pub feed_limit: usize,
    /// Let raw HTML in Markdown bodies through.
    pub unsafe_html: bool,
    /// What feed entries carry.
    pub feed_content: FeedContent,
    /// Write the links of HTML pages relative to each page, naming
    /// `index.html`, so the output also works opened from disk.
    pub relative_links: bool,
    /// What a killed story's URL serves.
    pub withdrawn: Withdrawn,
    /// How the home and keyword listings' pages are numbered.
    pub pagination: Pagination,
    /// Whether the site has its `/search/` page and index.
    pub search: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Wire Archive".into(),
            description: String::new(),
            base_url: BaseUrl {
                origin: String::new(),
                path: "/".into(),
            },
            language: "en".into(),
            timezone: FixedOffset::east_opt(0).expect("zero offset is valid"),
            per_page: 50,
            feed_limit: 50,
            unsafe_html: false,
            feed_content: FeedContent::Summary,
            relative_links: false,
            withdrawn: Withdrawn::Notice,
            pagination: Pagination::Permanent,
            search: true,
        }
    }
}

impl Config {
    /// Reads and validates `root/site.yaml`. `shown` is how the file is named
    /// in diagnostics.
    pub(crate) fn load(root: &Path) -> Result<Config, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        let shown = Path::new(CONFIG_FILE);
        if !path.is_file() {
            return Err(Diagnostics::from_iter([Diagnostic::error(
                shown,
                0,
                format!(
                    "no {CONFIG_FILE} in {}: expected a site folder (create one with `dateline init DIR`)",
                    root.display()
                ),
            )]));
        }
        let text = fsx::read_text(&path, shown).map_err(|d| Diagnostics::from_iter([d]))?;
        Config::parse(&text, shown)
    }

    /// Parses and validates the text of `site.yaml`.
    pub(crate) fn parse(text: &str, shown: &Path) -> Result<Config, Diagnostics> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| {
                let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                Diagnostics::from_iter([
                    Diagnostic::error(shown, line, e.to_string_no_location()).at_column(col)
                ])
            })?
        };
        let mut ds = Diagnostics::new();
        let line_of = |key: &str| key_line(text, key);
        let mut cfg = Config::default();
        if let Some(t) = raw.title {
            cfg.title = t;
        }
        if let Some(d) = raw.description {
            cfg.description = d;
        }
        if let Some(b) = raw.base_url {
            match BaseUrl::parse(&b) {
                Ok(b) => cfg.base_url = b,
                Err(m) => ds.push(Diagnostic::error(shown, line_of("base_url"), m)),
            }
        }
        if let Some(l) = raw.language {
            if !is_language_tag(&l) {
                ds.push(Diagnostic::error(
                    shown,
                    line_of("language"),
                    format!(
                        "invalid language `{l}`: expected a language tag such as `en` or `zh-Hans`"
                    ),
                ));
            } else {
                cfg.language = l;
            }
        }
        if let Some(tz) = raw.timezone {
            match parse_offset(&tz) {
                Some(off) => cfg.timezone = off,
                None => ds.push(Diagnostic::error(
                    shown,
                    line_of("timezone"),
                    format!("invalid timezone `{tz}`: expected an offset such as \"+08:00\", \"-05:00\" or \"UTC\""),
                )),
            }
        }
        for (key, value, slot) in [
            ("per_page", raw.per_page, &mut cfg.per_page),
            ("feed_limit", raw.feed_limit, &mut cfg.feed_limit),
        ] {
            match value {
                Some(0) => ds.push(Diagnostic::error(
                    shown,
                    line_of(key),
                    format!("invalid {key} 0: expected a number of stories, at least 1"),
                )),
                Some(n) => *slot = n,
                None => {}
            }
        }
        cfg.unsafe_html = raw.unsafe_html.unwrap_or(false);
        cfg.relative_links = raw.relative_links.unwrap_or(false);
        cfg.search = raw.search.unwrap_or(true);
        match raw.feed_content.as_deref() {
            None | Some("summary") => {}
            Some("full") => cfg.feed_content = FeedContent::Full,
            Some(other) => ds.push(Diagnostic::error(
                shown,
                line_of("feed_content"),
                format!("invalid feed_content `{other}`: expected `summary` or `full`"),
            )),
        }
        match raw.pagination.as_deref() {
            None | Some("permanent") => {}
            Some("newest_first") => cfg.pagination = Pagination::NewestFirst,
            Some(other) => ds.push(Diagnostic::error(
                shown,
                line_of("pagination"),
                format!(
                    "invalid pagination `{other}`: expected `permanent` (pages counted from the \
                     oldest story, each showing the same stories for good) or `newest_first`"
                ),
            )),
        }
        match raw.withdrawn.as_deref() {
            None | Some("notice") => {}
            Some("remove") => cfg.withdrawn = Withdrawn::Remove,
            Some(other) => ds.push(Diagnostic::error(
                shown,
                line_of("withdrawn"),
                format!(
                    "invalid withdrawn `{other}`: expected `notice` (a page saying the story was \
                     withdrawn) or `remove` (no page)"
                ),
            )),
        }
        if ds.has_errors() {
            Err(ds)
        } else {
            Ok(cfg)
        }
    }
}

/// Parses a fixed offset: `+08:00`, `-0530`, `+8`, `Z`, `UTC`.
/// Whether `s` has the shape of a BCP 47 language tag (`en`, `zh-Hans`,
/// `de-CH`, `nb`, `x-wire`): an ISO 639 code of 2 or 3 letters (or `x` or
/// `i` and more subtags), then subtags of 1 to 8 letters or digits, joined
/// by `-`. What an HTML `lang` attribute takes, and not a name (`English`).
pub(crate) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    let private = matches!(primary, "x" | "i" | "X" | "I");
    let rest: Vec<&str> = parts.collect();
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic())
        || private && !rest.is_empty())
        && rest
            .iter()
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The writing direction of language `tag`: `"rtl"` for languages written
/// right to left (Arabic, Hebrew, Persian, Urdu...; or any tag whose script
/// subtag is Arabic, Hebrew, Syriac or Thaana), else `"ltr"`. What an HTML
/// `dir` attribute takes.
pub(crate) fn direction(tag: &str) -> &'static str {
    const RTL: &[&str] = &[
        "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ku", "ps", "sd", "syr", "ug", "ur", "yi",
    ];
    const RTL_SCRIPTS: &[&str] = &["arab", "hebr", "syrc", "thaa"];
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    let script = parts.find(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rtl = match script {
        Some(s) => RTL_SCRIPTS.contains(&s.to_ascii_lowercase().as_str()),
        // Kurdish is written in Latin letters too; without a script
        // subtag it is taken as Sorani's Arabic script, like `ckb`.
        None => RTL.contains(&primary.as_str()),
    };
    if rtl {
        "rtl"
    } else {
        "ltr"
    }
}

pub(crate) fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("gmt")
    {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The 1-based line where top-level `key:` is written, or 1.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

/// serde_yaml appends " at line X column Y" to its messages; we print the
/// location ourselves, in front, like every other diagnostic.
trait NoLocation {
    fn to_string_no_location(&self) -> String;
}

impl NoLocation for serde_yaml::Error {
    fn to_string_no_location(&self) -> String {
        strip_yaml_location(&self.to_string())
    }
}

/// Drops serde_yaml's trailing " at line X column Y".
pub(crate) fn strip_yaml_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions() {
        for rtl in ["ar", "ar-EG", "he", "fa-IR", "ur", "az-Arab", "ku"] {
            assert_eq!(direction(rtl), "rtl", "{rtl}");
        }
        for ltr in ["en", "zh-Hans", "de", "ku-Latn", "ar-Latn", "sv"] {
            assert_eq!(direction(ltr), "ltr", "{ltr}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en", "de", "zh-Hans", "zh-CN", "nb", "ar", "sv-SE", "es-419", "x-wire",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "", "e", "English", "en_US", "en-", "-en", "de ch", "ru\"", "123", "x",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn base_url_forms() {
        let b = BaseUrl::parse("https://news.example.org").unwrap();
        assert_eq!(
            (b.origin.as_str(), b.path.as_str()),
            ("https://news.example.org", "/")
        );
        let b = BaseUrl::parse("https://x.org/archive").unwrap();
        assert_eq!(
            (b.origin.as_str(), b.path.as_str()),
            ("https://x.org", "/archive/")
        );
        let b = BaseUrl::parse("/archive/").unwrap();
        assert_eq!((b.origin.as_str(), b.path.as_str()), ("", "/archive/"));
        assert!(BaseUrl::parse("news.example.org").is_err());
        assert!(BaseUrl::parse("https:///x").is_err());
        assert!(BaseUrl::parse("/a b/").is_err());
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(
            parse_offset("-0530").unwrap().local_minus_utc(),
            -(5 * 3600 + 1800)
        );
        assert_eq!(parse_offset("UTC").unwrap().local_minus_utc(), 0);
        assert_eq!(parse_offset("+8").unwrap().local_minus_utc(), 8 * 3600);
        assert!(parse_offset("08:00").is_none());
        assert!(parse_offset("+25:00").is_none());
        assert!(parse_offset("Asia/Shanghai").is_none());
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = Config::parse("title: X\nper_pgae: 3\n", Path::new("site.yaml")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("site.yaml:2:1: error: unknown field `per_pgae`"),
            "{msg}"
        );
    }

    #[test]
    fn zero_per_page_is_rejected() {
        let err = Config::parse("per_page: 0\n", Path::new("site.yaml")).unwrap_err();
        assert!(err
            .to_string()
            .contains("site.yaml:1: error: invalid per_page 0"));
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", Path::new("site.yaml")).unwrap();
        assert_eq!(c.per_page, 50);
        assert_eq!(c.base_url.path, "/");
    }
}
