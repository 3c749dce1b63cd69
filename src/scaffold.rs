//! `dateline init DIR` (a new site from the embedded defaults) and
//! `dateline new "Headline"` (a Markdown story with its front matter filled
//! in, its URL checked against the stories already there).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::fsx::{self, IoError};
use crate::layout::{CONFIG_FILE, CONTENT_DIR, STATIC_DIR, TEMPLATES_DIR};
use crate::load::{self, dates, LoadOptions};
use crate::model::{slug, Route};
use crate::render::embedded;

/// Why a scaffold command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScaffoldError {
    /// Refused, with the reason.
    #[error("{0}")]
    Refused(String),
    /// The site could not be read.
    #[error("{} error(s) in the site", .0.error_count())]
    Content(Diagnostics),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
}

const SITE_YAML: &str = "\
# dateline site configuration. Every key is optional; unknown keys are errors.
title: Wire Archive
description: Wire stories, as filed.
base_url: /                 # absolute (https://news.example.org/) or a path (/archive/)
language: en
timezone: \"+00:00\"          # for dates written without an offset
per_page: 50                # stories per listing page
feed_limit: 50              # stories per feed
relative_links: false       # true: links also work with the output opened from disk
withdrawn: notice           # a killed story's URL: a notice page, or `remove` for none
pagination: permanent       # numbered pages counted from the oldest story, or newest_first
";

/// Writes a new site into `dir`, which must not exist or be empty.
pub(crate) fn init(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| IoError::new("reading", dir, e))?;
        if entries.next().is_some() {
            return Err(ScaffoldError::Refused(format!(
                "{} is not empty: expected a new or empty folder",
                dir.display()
            )));
        }
    }
    let now = Utc::now().fixed_offset();
    let welcome = story_text(
        "Welcome to your wire archive",
        &now,
        "dateline",
        false,
        "Your archive is ready. Put Markdown stories (`.md`) or raw agency copy (`.txt`) \
         in `content/`, then run `dateline build`.\n",
    );
    let mut files: Vec<(PathBuf, String)> = vec![
        (PathBuf::from(CONFIG_FILE), SITE_YAML.to_string()),
        (Path::new(CONTENT_DIR).join("welcome.md"), welcome),
    ];
    for (name, text) in embedded::TEMPLATES {
        files.push((Path::new(TEMPLATES_DIR).join(name), text.to_string()));
    }
    for (name, text) in embedded::STATIC {
        files.push((Path::new(STATIC_DIR).join(name), text.to_string()));
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        fsx::write(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Options of `dateline new`.
#[derive(Debug, Clone)]
pub(crate) struct NewStory {
    /// Site folder.
    pub root: PathBuf,
    /// Headline.
    pub title: String,
    /// Date (default: now, in the site's timezone).
    pub date: Option<String>,
    /// Explicit slug.
    pub slug: Option<String>,
}

/// Writes `content/YYYY/MM/DD/<slug>.md` and returns its path.
pub(crate) fn new_story(opts: &NewStory) -> Result<PathBuf, ScaffoldError> {
    let config = Config::load(&opts.root).map_err(ScaffoldError::Content)?;
    let title = opts.title.trim();
    if title.is_empty() {
        return Err(ScaffoldError::Refused(
            "expected a headline, found an empty one".into(),
        ));
    }
    let date = match &opts.date {
        Some(d) => dates::parse_date(d, config.timezone).map_err(ScaffoldError::Refused)?,
        None => Utc::now().with_timezone(&config.timezone),
    };
    let slug = match &opts.slug {
        Some(s) if slug::is_slug(s) => s.clone(),
        Some(s) => {
            return Err(ScaffoldError::Refused(format!(
                "invalid slug `{s}`: expected lowercase letters, digits and single `-`"
            )))
        }
        None => slug::slugify(title).unwrap_or_else(|| "story".into()),
    };
    let day = date.naive_local().date();
    let route = Route::article(day, &slug);
    // Is the URL taken? Stories with errors cannot be checked; they are not
    // this command's business (`build` reports them).
    let spool = load::Spool::new()
        .map_err(|e| IoError::new("creating a temporary file in", std::env::temp_dir(), e))?;
    let loader = load::Loader {
        config: &config,
        // Every story counts, embargoed ones too: a clock at the end of
        // time holds none back.
        opts: LoadOptions {
            drafts: true,
            lossy: true,
            now: Some(chrono::DateTime::<chrono::Utc>::MAX_UTC.fixed_offset()),
        },
        spool: &spool,
    };
    let (sources, _) = load::discover(&opts.root);
    let loaded = loader.load_all(&sources, &crate::progress::Quiet);
    if let Some(a) = loaded
        .articles
        .iter()
        .find(|a| Route::article(a.day(), a.slug()) == route)
    {
        return Err(ScaffoldError::Refused(format!(
            "{} already publishes /{}: choose another headline or pass --slug",
            a.path().display(),
            route.as_str()
        )));
    }
    let rel = Path::new(CONTENT_DIR).join(format!("{}{slug}.md", day.format("%Y/%m/%d/")));
    let path = opts.root.join(&rel);
    if path.exists() {
        return Err(ScaffoldError::Refused(format!(
            "{} already exists",
            path.display()
        )));
    }
    let mut text = story_text(title, &date, &config.title, true, "Write the story here.\n");
    if opts.slug.is_some() {
        text = text.replacen("\ndate:", &format!("\nslug: {slug}\ndate:"), 1);
    }
    fsx::write(&path, text.as_bytes())?;
    Ok(path)
}

fn story_text(
    title: &str,
    date: &DateTime<FixedOffset>,
    source: &str,
    draft: bool,
    body: &str,
) -> String {
    let mut s = format!(
        "---\ntitle: {}\ndate: {}\nsource: {}\nkeywords: []\n",
        yaml_string(title),
        date.format("%Y-%m-%d %H:%M:%S %:z"),
        yaml_string(source)
    );
    if draft {
        s.push_str("draft: true              # remove to publish\n");
    }
    s.push_str("---\n");
    s.push_str(body);
    s
}

/// A YAML double-quoted string.
fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::frontmatter::{split, FrontMatter};

    #[test]
    fn written_front_matter_parses_back() {
        let d = DateTime::parse_from_rfc3339("2020-01-02T03:04:05+08:00").unwrap();
        let t = story_text("He said \"no\" \\ <ok>: yes", &d, "Wire: Desk", true, "x\n");
        let fm = FrontMatter::parse(&split(&t).unwrap()).unwrap();
        assert_eq!(fm.title.as_deref(), Some("He said \"no\" \\ <ok>: yes"));
        assert_eq!(fm.date.as_deref(), Some("2020-01-02 03:04:05 +08:00"));
        assert_eq!(fm.draft, Some(true));
    }
}
