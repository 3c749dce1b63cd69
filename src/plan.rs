//! The build plan: a pure function from a [`Site`] to the list of pages to
//! render. Each [`Page`] has its route and a [`PageKind`] saying what it
//! shows; pagination and the sitemap split live here, so the renderer only
//! turns one page into bytes.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rayon::prelude::*;

use crate::model::{ArticleIdx, Route, Site};

/// The most URLs in one sitemap file (the sitemaps.org limit): above it the
/// sitemap becomes an index of parts.
pub const SITEMAP_LIMIT: usize = 50_000;

/// URLs per part of a split sitemap. Smaller than the limit so that an edit
/// under `serve` rewrites one part of 5,000 URLs, not one of 50,000.
pub const SITEMAP_PART: usize = 5_000;

/// What a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// One story.
    Article(ArticleIdx),
    /// Home page `n` (1-based).
    Home(usize),
    /// A year's stories, page `n`.
    Year(i32, usize),
    /// A month's stories, page `n`.
    Month(i32, u32, usize),
    /// A day's stories, page `n`.
    Day(NaiveDate, usize),
    /// A keyword's stories, page `n`.
    Tag(String, usize),
    /// All keywords with counts.
    Tags,
    /// The site's Atom feed.
    Feed,
    /// A keyword's Atom feed.
    TagFeed(String),
    /// `sitemap.xml`: the URL list, or the index of the parts when split.
    Sitemap,
    /// Part `n` (1-based) of a split sitemap.
    SitemapPart(usize),
    /// `404.html`.
    NotFound,
}

impl PageKind {
    /// The template that renders this kind of page.
    pub fn template(&self) -> &'static str {
        match self {
            PageKind::Article(_) => "article.html",
            PageKind::Home(_) | PageKind::Year(..) | PageKind::Month(..) | PageKind::Day(..) => {
                "index.html"
            }
            PageKind::Tag(..) => "tag.html",
            PageKind::Tags => "tags.html",
            PageKind::Feed | PageKind::TagFeed(_) => "feed.xml",
            PageKind::Sitemap | PageKind::SitemapPart(_) => "sitemap.xml",
            PageKind::NotFound => "404.html",
        }
    }

    /// Whether this is a listing's first page or a page of its own (not a
    /// story, not a later page of a listing).
    fn is_first(&self) -> bool {
        match self {
            PageKind::Article(_) => false,
            PageKind::Home(n)
            | PageKind::Year(.., n)
            | PageKind::Month(.., n)
            | PageKind::Day(_, n)
            | PageKind::Tag(_, n) => *n == 1,
            _ => true,
        }
    }

    /// Whether the page belongs in the sitemap (HTML pages a visitor lands on).
    fn in_sitemap(&self) -> bool {
        !matches!(
            self,
            PageKind::Feed
                | PageKind::TagFeed(_)
                | PageKind::Sitemap
                | PageKind::SitemapPart(_)
                | PageKind::NotFound
        )
    }
}

/// One page to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Where it goes.
    pub route: Route,
    /// What it shows.
    pub kind: PageKind,
}

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    /// The page.
    pub route: Route,
    /// Its newest story's date, if it shows stories.
    pub lastmod: Option<DateTime<FixedOffset>>,
}

/// Every page of a build, in a deterministic order.
///
/// Article pages come first, page `i` showing article `i`.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The pages.
    pub pages: Vec<Page>,
    /// The sitemap's entries, in page order.
    pub sitemap: Vec<SitemapEntry>,
    /// For each page, the index of its entry in `sitemap`.
    pub sitemap_index: Vec<Option<usize>>,
    /// Where each listing's first page, and each page that is not a
    /// listing's later page or a story's, is in `pages`.
    first_pages: HashMap<PageKind, usize>,
}

/// A page on which a story appears, as an index into [`Plan::pages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appearance {
    /// The listing page that shows the story.
    pub page: usize,
    /// The listing's feed, when the story is among its newest entries.
    pub feed: Option<usize>,
}

impl Plan {
    /// The sitemap entries of part `n` (1-based), or all when not split.
    pub fn sitemap_part(&self, n: usize) -> &[SitemapEntry] {
        if self.sitemap_parts() == 0 {
            return &self.sitemap;
        }
        let start = (n.max(1) - 1) * SITEMAP_PART;
        let end = (start + SITEMAP_PART).min(self.sitemap.len());
        &self.sitemap[start.min(end)..end]
    }

    /// The index in `pages` of a listing's first page (`Home(1)`,
    /// `Tag(slug, 1)`…) or of a single page (`Tags`, `Feed`, `TagFeed`…).
    pub fn position(&self, kind: &PageKind) -> Option<usize> {
        self.first_pages.get(kind).copied()
    }

    /// Every listing page that shows story `i` (home, year, month, day and
    /// keyword pages), each with its feed when `i` is in it.
    pub fn appearances(&self, site: &Site, i: ArticleIdx) -> Vec<Appearance> {
        let per = site.config.per_page.max(1);
        let a = &site.articles[i];
        let day = a.day();
        let mut kinds = vec![
            (PageKind::Home(1), Some(PageKind::Feed)),
            (PageKind::Year(day.year(), 1), None),
            (PageKind::Month(day.year(), day.month(), 1), None),
            (PageKind::Day(day, 1), None),
        ];
        for slug in &site.article_tags[i] {
            kinds.push((
                PageKind::Tag(slug.to_string(), 1),
                Some(PageKind::TagFeed(slug.to_string())),
            ));
        }
        kinds
            .into_iter()
            .filter_map(|(first, feed)| {
                let pos = listing(site, &first).binary_search(&i).ok()?;
                Some(Appearance {
                    page: self.position(&first)? + pos / per,
                    feed: feed
                        .filter(|_| pos < site.config.feed_limit)
                        .and_then(|f| self.position(&f)),
                })
            })
            .collect()
    }

    /// How many sitemap files there are, besides the index (0 when not split).
    pub fn sitemap_parts(&self) -> usize {
        if self.sitemap.len() > SITEMAP_LIMIT {
            self.sitemap.len().div_ceil(SITEMAP_PART)
        } else {
            0
        }
    }
}

/// The number of listing pages for `count` stories (at least 1).
pub fn page_count(count: usize, per_page: usize) -> usize {
    count.div_ceil(per_page.max(1)).max(1)
}

/// The stories of page `n` (1-based) of a listing.
pub fn page_slice(list: &[ArticleIdx], per_page: usize, n: usize) -> &[ArticleIdx] {
    let start = (n.max(1) - 1).saturating_mul(per_page).min(list.len());
    let end = start.saturating_add(per_page).min(list.len());
    &list[start..end]
}

/// Plans every page of `site`.
pub fn plan(site: &Site) -> Plan {
    let per = site.config.per_page;
    let mut pages = Vec::with_capacity(site.articles.len() * 11 / 10 + 16);

    // Routes are formatted in parallel: an archive has one per story.
    pages.par_extend((0..site.articles.len()).into_par_iter().map(|i| Page {
        route: site.article_route(i),
        kind: PageKind::Article(i),
    }));
    let mut push = |route: Route, kind: PageKind| pages.push(Page { route, kind });
    for n in 1..=page_count(site.articles.len(), per) {
        push(Route::home(n), PageKind::Home(n));
    }
    for (&y, list) in &site.years {
        for n in 1..=page_count(list.len(), per) {
            push(Route::year(y, n), PageKind::Year(y, n));
        }
    }
    for (&(y, m), list) in &site.months {
        for n in 1..=page_count(list.len(), per) {
            push(Route::month(y, m, n), PageKind::Month(y, m, n));
        }
    }
    for (&d, list) in &site.days {
        for n in 1..=page_count(list.len(), per) {
            push(Route::day(d, n), PageKind::Day(d, n));
        }
    }
    push(Route::tags(), PageKind::Tags);
    for (slug, tag) in &site.tags {
        for n in 1..=page_count(tag.articles.len(), per) {
            push(Route::tag(slug, n), PageKind::Tag(slug.clone(), n));
        }
        push(Route::tag_feed(slug), PageKind::TagFeed(slug.clone()));
    }
    push(Route::feed(), PageKind::Feed);
    push(Route::not_found(), PageKind::NotFound);

    let entries: Vec<Option<SitemapEntry>> = pages
        .par_iter()
        .map(|p| {
            p.kind.in_sitemap().then(|| SitemapEntry {
                route: p.route.clone(),
                lastmod: lastmod(site, &p.kind),
            })
        })
        .collect();
    let mut sitemap = Vec::with_capacity(pages.len());
    let mut sitemap_index = Vec::with_capacity(pages.len() + 16);
    let mut first_pages = HashMap::new();
    for (i, (p, entry)) in pages.iter().zip(entries).enumerate() {
        match entry {
            Some(e) => {
                sitemap_index.push(Some(sitemap.len()));
                sitemap.push(e);
            }
            None => sitemap_index.push(None),
        }
        if p.kind.is_first() {
            first_pages.insert(p.kind.clone(), i);
        }
    }
    let mut plan = Plan {
        pages,
        sitemap,
        sitemap_index,
        first_pages,
    };
    let mut tail = vec![Page {
        route: Route::sitemap(),
        kind: PageKind::Sitemap,
    }];
    for n in 1..=plan.sitemap_parts() {
        tail.push(Page {
            route: Route::sitemap_part(n),
            kind: PageKind::SitemapPart(n),
        });
    }
    for page in tail {
        plan.first_pages.insert(page.kind.clone(), plan.pages.len());
        plan.pages.push(page);
        plan.sitemap_index.push(None);
    }
    plan
}

/// The stories a listing kind shows, newest first.
pub fn listing<'s>(site: &'s Site, kind: &PageKind) -> &'s [ArticleIdx] {
    match kind {
        PageKind::Home(_) => &site.newest_first,
        PageKind::Year(y, _) => site.years.get(y).map_or(&[], Vec::as_slice),
        PageKind::Month(y, m, _) => site.months.get(&(*y, *m)).map_or(&[], Vec::as_slice),
        PageKind::Day(d, _) => site.days.get(d).map_or(&[], Vec::as_slice),
        PageKind::Tag(s, _) | PageKind::TagFeed(s) => {
            site.tags.get(s).map_or(&[], |t| t.articles.as_slice())
        }
        _ => &[],
    }
}

/// The newest modification among the stories a page shows.
pub fn lastmod(site: &Site, kind: &PageKind) -> Option<DateTime<FixedOffset>> {
    let newest = |list: &[ArticleIdx]| list.iter().map(|&i| site.articles[i].modified()).max();
    match kind {
        PageKind::Article(i) => Some(site.articles[*i].modified()),
        PageKind::Tags => site.articles.iter().map(|a| a.modified()).max(),
        PageKind::Home(n)
        | PageKind::Year(.., n)
        | PageKind::Month(.., n)
        | PageKind::Day(_, n)
        | PageKind::Tag(_, n) => newest(page_slice(listing(site, kind), site.config.per_page, *n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_boundaries() {
        assert_eq!(page_count(0, 5), 1);
        assert_eq!(page_count(5, 5), 1);
        assert_eq!(page_count(6, 5), 2);
        let list: Vec<usize> = (0..6).collect();
        assert_eq!(page_slice(&list, 5, 1), [0, 1, 2, 3, 4]);
        assert_eq!(page_slice(&list, 5, 2), [5]);
        assert!(page_slice(&list, 5, 3).is_empty());
    }
}
