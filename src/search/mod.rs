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
//! - `index.rs`: the index by word form, and its update story by story
//!   (what a build keeps of it, and a session holds, to read again only
//!   the stories that changed: [`Search::index`]);
//! - `encode.rs`: the compact text form of the lists;
//! - `shards.rs`: the files a browser loads, cut so that an edit rewrites
//!   only the shards of the words it changed;
//! - `search.js`: the engine in the browser, which reads them (folding and
//!   cutting a query by the same rules as `text.rs`).

pub(crate) mod encode;
pub(crate) mod index;
mod shards;
pub(crate) mod text;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::model::{ArticleIdx, Bodies, Site};

pub(crate) use index::{Index, Made};
pub(crate) use shards::{doc_file, Layout, Previous, DOC_CHUNK};

/// The version of the index's files: `search.js` refuses another.
pub(crate) const FORMAT: u32 = 1;

/// The engine, as the output's `search/search.js`.
pub(crate) const SCRIPT: (&str, &str) = ("search/search.js", include_str!("search.js"));

/// The index as written into an output: what it was made from, each
/// file's hash (what a session compares the next index with), and how its
/// term shards were cut (what a session cuts the next ones from).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Written {
    /// [`Search::fingerprint`] of the site it was made from (0: none).
    pub fingerprint: u64,
    /// Each file's hash ([`crate::output::manifest::hash_bytes`]), by path.
    pub files: BTreeMap<String, u64>,
    /// The term shards' layout, when these files were made here (not
    /// kept from the record of a build).
    pub layout: Option<std::sync::Arc<Layout>>,
}

/// What an index made by [`Search::index`] must have been made with to be
/// brought up to date by it: this format and analyzer, and the
/// configuration that decides what a story's text is.
pub(crate) fn index_key(config: &crate::config::Config) -> u64 {
    crate::render::views::hash_one(&(FORMAT, &config.language, config.unsafe_html))
}

/// What the index reads of one story.
#[derive(Debug, Clone)]
pub(crate) struct SearchDoc<'a> {
    /// The story (not read: its place in the site's order moves with every
    /// new story).
    pub idx: ArticleIdx,
    /// Its slug: with its day, its page ([`SearchDoc::path`]).
    pub slug: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Its day.
    pub day: chrono::NaiveDate,
    /// Dateline, or empty.
    pub dateline: &'a str,
    /// Agency, or empty.
    pub source: &'a str,
    /// The agency's filter key (its slug), or empty; one per agency,
    /// shared.
    pub source_key: Arc<str>,
    /// Summary.
    pub summary: &'a str,
    /// Its keywords.
    pub keywords: Keywords<'a>,
    /// What decides its body (the hash of the text it is made from).
    pub body: u64,
}

impl std::hash::Hash for SearchDoc<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let SearchDoc {
            idx: _,
            slug,
            title,
            day,
            dateline,
            source,
            source_key,
            summary,
            keywords,
            body,
        } = self;
        // The day and slug decide the page.
        (
            slug, title, day, dateline, source, source_key, summary, body,
        )
            .hash(h);
        for k in keywords.iter() {
            k.hash(h);
        }
    }
}

impl SearchDoc<'_> {
    /// A hash of everything the index reads of the story.
    pub(crate) fn digest(&self) -> u64 {
        crate::render::views::hash_one(self)
    }

    /// Its page, under the site (`2017/07/03/slug/`).
    pub(crate) fn path(&self) -> String {
        crate::model::Route::article(self.day, self.slug).into_string()
    }

    /// Its year.
    pub(crate) fn year(&self) -> i32 {
        chrono::Datelike::year(&self.day)
    }
}

/// The stories an index is made of, numbered from 0, oldest first: each
/// story's [`SearchDoc`] is made when it is read (a site's are not kept,
/// some 150 bytes a story).
pub(crate) trait Docs: Sync {
    /// How many.
    fn len(&self) -> usize;
    /// Story `d`.
    fn doc(&self, d: usize) -> SearchDoc<'_>;
}

impl Docs for [SearchDoc<'_>] {
    fn len(&self) -> usize {
        <[SearchDoc<'_>]>::len(self)
    }
    fn doc(&self, d: usize) -> SearchDoc<'_> {
        self[d].clone()
    }
}

#[cfg(test)]
impl Docs for Vec<SearchDoc<'_>> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn doc(&self, d: usize) -> SearchDoc<'_> {
        self[d].clone()
    }
}

#[cfg(test)]
impl<const N: usize> Docs for [SearchDoc<'_>; N] {
    fn len(&self) -> usize {
        N
    }
    fn doc(&self, d: usize) -> SearchDoc<'_> {
        self[d].clone()
    }
}

impl Docs for Search<'_> {
    fn len(&self) -> usize {
        self.ids.len()
    }
    fn doc(&self, d: usize) -> SearchDoc<'_> {
        self.doc_at(d)
    }
}

/// A story's keywords, as the site's tags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keywords<'a> {
    /// The site's tags.
    pub tags: &'a [crate::model::Tag],
    /// The story's, by index into `tags`.
    pub ids: &'a [crate::model::TagIdx],
}

impl<'a> Keywords<'a> {
    /// Each keyword: (the name the site shows, slug).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let tags = self.tags;
        self.ids.iter().map(move |&t| {
            let tag = &tags[t as usize];
            (tag.name.as_str(), tag.slug.as_str())
        })
    }
}

/// The index of one site, before it is made.
pub(crate) struct Search<'s> {
    site: &'s Site,
    /// The stories indexed, by number: the site's published ones, oldest
    /// first.
    ids: Vec<ArticleIdx>,
    /// Each agency's filter key, by its name as stories give it.
    keys: HashMap<&'s str, Arc<str>>,
    /// Each doc's [`SearchDoc::digest`]: what the fingerprint and the
    /// index's update both read.
    digests: Vec<u64>,
}

impl<'s> Search<'s> {
    /// What the index of `site` reads: its published stories, oldest first.
    pub(crate) fn new(site: &'s Site) -> Search<'s> {
        // An archive has a handful of agencies: each slugged once.
        let mut keys: HashMap<&str, Arc<str>> = HashMap::new();
        for a in site.articles() {
            keys.entry(&a.source).or_insert_with(|| {
                crate::model::slug::slugify(&a.source)
                    .unwrap_or_default()
                    .into()
            });
        }
        let ids: Vec<ArticleIdx> = (0..site.len())
            .rev()
            .filter(|&i| !site.article(i).draft)
            .collect();
        let mut search = Search {
            site,
            ids,
            keys,
            digests: Vec::new(),
        };
        search.digests = index::digests(&search);
        search
    }

    /// Story `d`, as the index reads it.
    fn doc_at(&self, d: usize) -> SearchDoc<'s> {
        let site = self.site;
        let i = self.ids[d];
        let a = site.article(i);
        SearchDoc {
            idx: i,
            slug: a.slug(),
            title: &a.title,
            day: a.day(),
            dateline: a.dateline.as_deref().unwrap_or(""),
            source: &a.source,
            source_key: self.keys.get(&*a.source).cloned().unwrap_or_default(),
            summary: &a.summary,
            keywords: Keywords {
                tags: site.tags(),
                ids: site.article_tags(i),
            },
            body: a.source_hash,
        }
    }

    /// A hash of everything the index's files are made from: two builds
    /// with the same fingerprint write the same files.
    pub(crate) fn fingerprint(&self) -> u64 {
        let config = self.site.config();
        // Each story's digest, made in parallel (as the index's update
        // makes them).
        crate::render::views::hash_one(&(
            FORMAT,
            SCRIPT.1,
            &config.language,
            config.unsafe_html,
            &self.digests,
        ))
    }

    /// The index of the site: `previous` (the index of an earlier state
    /// of the site, made by [`Search::index`] with the same analyzer)
    /// brought up to date, or made anew. Reads the bodies of the stories
    /// it indexes from `bodies`.
    pub(crate) fn index(
        &self,
        previous: Option<Index>,
        bodies: &dyn Bodies,
    ) -> Result<(Index, Made), Diagnostic> {
        let analyzer = text::Analyzer::new(&self.site.config().language);
        let text_of = |d: &SearchDoc<'_>| bodies.text(self.site.article(d.idx));
        match previous {
            Some(p) => p.update_with(self, self.digests.clone(), &analyzer, text_of),
            None => {
                let index = Index::build_with(self, self.digests.clone(), &analyzer, text_of)?;
                let made = Made {
                    read: index.len(),
                    before: 0,
                    touched: None,
                    changed: None,
                };
                Ok((index, made))
            }
        }
    }

    /// The files of `index` (the index of this site), `search.js` among
    /// them, each handed to `put` (path in the output, bytes) as it is made;
    /// but not the stories' file `k` when `unchanged(k)` (the caller has it
    /// as it was: see [`Made::same_run`]), nor, with `previous` (the files
    /// the caller has and what changed since), a term shard the caller has
    /// as it would be made. Returns the term shards' layout.
    pub(crate) fn files<E>(
        &self,
        index: &Index,
        unchanged: impl Fn(usize) -> bool,
        previous: Option<Previous<'_>>,
        mut put: impl FnMut(String, Vec<u8>) -> Result<(), E>,
    ) -> Result<Layout, E> {
        let layout = shards::files(
            &index.terms(),
            self,
            &self.facets(),
            &unchanged,
            previous,
            &mut put,
        )?;
        put(SCRIPT.0.to_string(), SCRIPT.1.as_bytes().to_vec())?;
        Ok(layout)
    }

    /// The filters' values, with their story counts.
    fn facets(&self) -> shards::Facets<'_> {
        // By key: spellings of one agency (`XINHUA`, `Xinhua`) are one.
        let mut sources: HashMap<Arc<str>, (&str, usize), foldhash::fast::FixedState> =
            HashMap::default();
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        let mut tags: HashMap<&str, (&str, usize), foldhash::fast::FixedState> = HashMap::default();
        for d in (0..self.ids.len()).map(|d| self.doc_at(d)) {
            *years.entry(d.year()).or_default() += 1;
            for (name, slug) in d.keywords.iter() {
                tags.entry(slug).or_insert((name, 0)).1 += 1;
            }
            if !d.source_key.is_empty() {
                sources.entry(d.source_key).or_insert((d.source, 0)).1 += 1;
            }
        }
        let mut tags: Vec<(&str, &str, usize)> = tags
            .into_iter()
            .map(|(slug, (name, n))| (name, slug, n))
            .collect();
        tags.sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(b.1)));
        let mut sources: Vec<(Arc<str>, (&str, usize))> = sources.into_iter().collect();
        sources.sort_unstable_by(|a, b| a.0.cmp(&b.0));
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
