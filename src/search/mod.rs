//! Search: the index of the published stories that `/search/` queries in
//! the browser, with no server, from any host or from disk.
//!
//! The build hands this module the site; [`Search::new`] lists what the
//! index reads of each story ([`SearchDoc`], the one definition: its
//! [`Search::fingerprint`] is what tells a build whether the index must be
//! made again, and [`Search::files`] makes it from the very same list).
//! Only stories the site publishes are listed: not drafts (even with
//! `--drafts`), not killed or withheld stories, not stories under embargo
//! (the loader holds those back).
//!
//! - `text.rs`: folding, words, pairs of characters for text without
//!   spaces, stemming;
//! - `index.rs`: the terms of each story, and the stories of each term;
//! - `encode.rs`: the compact text form of the lists;
//! - `shards.rs`: the files a browser loads, cut so that an edit rewrites
//!   only the shards of the words it changed;
//! - `search.js`: the engine in the browser, which reads them (folding and
//!   cutting a query by the same rules as `text.rs`).

mod encode;
mod index;
mod shards;
pub(crate) mod text;

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::model::{ArticleIdx, Bodies, Site};

pub(crate) use shards::DocLine;

/// The version of the index's files: `search.js` refuses another.
pub(crate) const FORMAT: u32 = 1;

/// The engine, as the output's `search/search.js`.
pub(crate) const SCRIPT: (&str, &str) = ("search/search.js", include_str!("search.js"));

/// The index as written into an output: what it was made from, and each
/// file's hash (what a session compares the next index with).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Written {
    /// [`Search::fingerprint`] of the site it was made from (0: none).
    pub fingerprint: u64,
    /// Each file's hash ([`crate::output::manifest::hash_bytes`]), by path.
    pub files: BTreeMap<String, u64>,
}

/// What the index reads of one story.
#[derive(Debug, Clone, Hash)]
pub(crate) struct SearchDoc<'a> {
    /// The story.
    pub idx: ArticleIdx,
    /// Its page, under the site (`2017/07/03/slug/`).
    pub path: String,
    /// Headline.
    pub title: &'a str,
    /// Its day (`2017-07-03`) and year.
    pub day: String,
    /// Its year.
    pub year: i32,
    /// Dateline, or empty.
    pub dateline: &'a str,
    /// Agency, or empty.
    pub source: &'a str,
    /// The agency's filter key (its slug), or empty.
    pub source_key: String,
    /// Summary.
    pub summary: &'a str,
    /// Keywords: (the name the site shows, slug).
    pub keywords: Vec<(&'a str, &'a str)>,
    /// What decides its body (the hash of the text it is made from).
    pub body: u64,
}

/// The index of one site, before it is made.
pub(crate) struct Search<'s> {
    site: &'s Site,
    docs: Vec<SearchDoc<'s>>,
}

impl<'s> Search<'s> {
    /// What the index of `site` reads: its published stories, oldest first.
    pub(crate) fn new(site: &'s Site) -> Search<'s> {
        let docs = (0..site.len())
            .rev()
            .filter(|&i| !site.article(i).draft)
            .map(|i| {
                let a = site.article(i);
                let day = a.day();
                SearchDoc {
                    idx: i,
                    path: site.article_route(i).as_str().to_string(),
                    title: &a.title,
                    day: day.format("%Y-%m-%d").to_string(),
                    year: chrono::Datelike::year(&day),
                    dateline: a.dateline.as_deref().unwrap_or(""),
                    source: &a.source,
                    source_key: crate::model::slug::slugify(&a.source).unwrap_or_default(),
                    summary: &a.summary,
                    keywords: site
                        .article_tags(i)
                        .iter()
                        .map(|&t| {
                            let tag = site.tag_at(t);
                            (tag.name.as_str(), tag.slug.as_str())
                        })
                        .collect(),
                    body: a.source_hash,
                }
            })
            .collect();
        Search { site, docs }
    }

    /// A hash of everything the index's files are made from: two builds
    /// with the same fingerprint write the same files.
    pub(crate) fn fingerprint(&self) -> u64 {
        let config = self.site.config();
        crate::render::views::hash_one(&(
            FORMAT,
            SCRIPT.1,
            &config.language,
            config.unsafe_html,
            &self.docs,
        ))
    }

    /// The index's files, `search.js` among them: (path in the output,
    /// bytes), sorted by path. Reads every story's body from `bodies`.
    pub(crate) fn files(&self, bodies: &dyn Bodies) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
        let analyzer = text::Analyzer::new(&self.site.config().language);
        let index = index::Index::build(&self.docs, &analyzer, |d| {
            bodies
                .html(self.site.article(d.idx))
                .map(|html| text::html_text(&html))
        })?;
        let lines: Vec<DocLine<'_>> = self
            .docs
            .iter()
            .map(|d| DocLine {
                path: &d.path,
                title: d.title,
                day: d.day.clone(),
                dateline: d.dateline,
                source: d.source,
                keywords: d.keywords.clone(),
            })
            .collect();
        let mut files = shards::files(&index, &lines, &self.facets());
        files.push((SCRIPT.0.to_string(), SCRIPT.1.as_bytes().to_vec()));
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// The filters' values, with their story counts.
    fn facets(&self) -> shards::Facets<'_> {
        // By key: spellings of one agency (`XINHUA`, `Xinhua`) are one.
        let mut sources: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        let mut tags: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
        for d in &self.docs {
            if !d.source_key.is_empty() {
                sources.entry(&d.source_key).or_insert((d.source, 0)).1 += 1;
            }
            *years.entry(d.year).or_default() += 1;
            for &(name, slug) in &d.keywords {
                tags.entry(slug).or_insert((name, 0)).1 += 1;
            }
        }
        let mut tags: Vec<(&str, &str, usize)> = tags
            .into_iter()
            .map(|(slug, (name, n))| (name, slug, n))
            .collect();
        tags.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(b.1)));
        shards::Facets {
            sources: sources
                .into_iter()
                .map(|(k, (n, c))| (n, k.to_string(), c))
                .collect(),
            years: years.into_iter().rev().collect(),
            tags,
        }
    }
}
