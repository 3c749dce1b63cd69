//! The build plan: from a [`Site`] to the list of pages to render, in a
//! deterministic order. Each [`Page`] has its route and a [`PageKind`]
//! saying what it shows. [`PageKind::route`] is the one place a kind of page
//! becomes a URL; pagination and the sitemap's split live here too, so the
//! renderer turns one page into bytes without any page arithmetic.
//!
//! The fields are private. Article pages come first, page `i` showing
//! story `i` (a killed story's notice page comes near the end, at the
//! story's own URL); the in-place rebuild moves one with [`Plan::reroute`] (which
//! hands back the old route, to undo). What the sitemap lists is derived
//! from the pages and the site when it is rendered, never stored.

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use crate::config::{Pagination, Withdrawn};
use crate::model::{ArticleIdx, Listing, Route, Site};

/// The most URLs in one sitemap file (the sitemaps.org limit): above it the
/// sitemap becomes an index of parts.
pub(crate) const SITEMAP_LIMIT: usize = 50_000;

/// URLs per part of a split sitemap. Smaller than the limit so that an edit
/// under `serve` rewrites one part of 5,000 URLs, not one of 50,000.
pub(crate) const SITEMAP_PART: usize = 5_000;

/// What a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PageKind {
    /// One story.
    Article(ArticleIdx),
    /// Home page `n` (1-based).
    Home(usize),
    /// A year's stories, page `n`.
    Year(i32, usize),
    /// A month's stories, page `n`.
    Month(i32, u32, usize),
    /// A day's stories, page `n`.
    Day(chrono::NaiveDate, usize),
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
    /// The search page (`search: true`).
    Search,
    /// The notice at killed story `w`'s URL (`withdrawn: notice`).
    Withdrawn(usize),
}

impl PageKind {
    /// The template that renders this kind of page.
    pub(crate) fn template(&self) -> &'static str {
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
            PageKind::Search => "search.html",
            PageKind::Withdrawn(_) => "withdrawn.html",
        }
    }

    /// Where this page of `site` is published.
    pub(crate) fn route(&self, site: &Site) -> Route {
        match self {
            PageKind::Article(i) => site.article_route(*i),
            PageKind::Home(n) => match self.numbered(site) {
                Some(k) => Route::home_numbered(k),
                None => Route::home(*n),
            },
            PageKind::Year(y, n) => Route::year(*y, *n),
            PageKind::Month(y, m, n) => Route::month(*y, *m, *n),
            PageKind::Day(d, n) => Route::day(*d, *n),
            PageKind::Tag(slug, n) => match self.numbered(site) {
                Some(k) => Route::tag_numbered(slug, k),
                None => Route::tag(slug, *n),
            },
            PageKind::Tags => Route::tags(),
            PageKind::Feed => Route::feed(),
            PageKind::TagFeed(slug) => Route::tag_feed(slug),
            PageKind::Sitemap => Route::sitemap(),
            PageKind::SitemapPart(n) => Route::sitemap_part(*n),
            PageKind::NotFound => Route::not_found(),
            PageKind::Search => Route::search(),
            PageKind::Withdrawn(w) => site.withdrawn_route(*w),
        }
    }

    /// Whether this page's listing counts its pages from the oldest story
    /// (`pagination: permanent`: the home and keyword listings).
    pub(crate) fn is_permanent(&self, site: &Site) -> bool {
        matches!(self, PageKind::Home(_) | PageKind::Tag(..))
            && site.config().pagination == Pagination::Permanent
    }

    /// A permanent listing's numbered page: its number in its URL (page
    /// index `n` ≥ 2 is numbered page `n - 1`; `n` = 1 is the landing page).
    pub(crate) fn numbered(&self, site: &Site) -> Option<usize> {
        let n = self.page_number()?;
        (n > 1 && self.is_permanent(site)).then(|| n - 1)
    }

    /// The page index in a listing: 1 is its landing page (`/`,
    /// `/tags/x/`, `/2017/`), then its other pages (newest first, or, with
    /// permanent pagination, numbered page 1 (the oldest) as index 2...).
    pub(crate) fn page_number(&self) -> Option<usize> {
        match self {
            PageKind::Home(n)
            | PageKind::Year(.., n)
            | PageKind::Month(.., n)
            | PageKind::Day(_, n)
            | PageKind::Tag(_, n) => Some(*n),
            _ => None,
        }
    }

    /// Page `n` of the same listing (a page that is no listing's: itself).
    pub(crate) fn with_page(&self, n: usize) -> PageKind {
        match self {
            PageKind::Home(_) => PageKind::Home(n),
            PageKind::Year(y, _) => PageKind::Year(*y, n),
            PageKind::Month(y, m, _) => PageKind::Month(*y, *m, n),
            PageKind::Day(d, _) => PageKind::Day(*d, n),
            PageKind::Tag(s, _) => PageKind::Tag(s.clone(), n),
            other => other.clone(),
        }
    }

    /// The stories of the listing this page belongs to (all its pages'),
    /// newest first: a feed's are its listing's. Empty for other pages.
    pub(crate) fn listing<'s>(&self, site: &'s Site) -> Listing<'s> {
        match self {
            PageKind::Home(_) | PageKind::Feed => site.all(),
            PageKind::Year(y, _) => site.year(*y),
            PageKind::Month(y, m, _) => site.month(*y, *m),
            PageKind::Day(d, _) => site.day(*d),
            PageKind::Tag(s, _) | PageKind::TagFeed(s) => site.tagged(s),
            _ => Listing::Of(&[]),
        }
    }

    /// Whether this is a listing's first page or a page of its own (not a
    /// story, not a later page of a listing).
    fn is_first(&self) -> bool {
        match self {
            PageKind::Article(_) | PageKind::Withdrawn(_) => false,
            kind => kind.page_number().is_none_or(|n| n == 1),
        }
    }

    /// Whether the page belongs in the sitemap (HTML pages a visitor lands
    /// on, and a search engine may index).
    fn in_sitemap(&self) -> bool {
        !matches!(
            self,
            PageKind::Feed
                | PageKind::TagFeed(_)
                | PageKind::Sitemap
                | PageKind::SitemapPart(_)
                | PageKind::NotFound
                | PageKind::Withdrawn(_)
        )
    }
}

/// One page to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    route: Route,
    kind: PageKind,
}

impl Page {
    /// Where it goes.
    pub(crate) fn route(&self) -> &Route {
        &self.route
    }

    /// What it shows.
    pub(crate) fn kind(&self) -> &PageKind {
        &self.kind
    }
}

/// Every page of a build, in a deterministic order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pages: Vec<Page>,
    /// The pages the sitemap lists, in page order.
    sitemap: Vec<usize>,
    /// Where each listing's first page, and each page that is not a
    /// listing's later page or a story's, is in `pages`.
    first_pages: foldhash::HashMap<PageKind, usize>,
}

/// A page on which a story appears, as an index into [`Plan::pages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Appearance {
    /// The listing page that shows the story.
    pub page: usize,
    /// The listing's feed, when the story is among its newest entries.
    pub feed: Option<usize>,
}

impl Plan {
    /// Plans every page of `site`.
    pub(crate) fn new(site: &Site) -> Plan {
        let mut kinds: Vec<PageKind> = Vec::with_capacity(site.len() * 11 / 10 + 16);
        kinds.extend((0..site.len()).map(PageKind::Article));
        let mut listing = |first: PageKind, count: usize| {
            let pages = pages_of(&first, site, count);
            kinds.extend((1..=pages).map(|n| first.with_page(n)));
        };
        listing(PageKind::Home(1), site.len());
        for (&y, list) in site.years() {
            listing(PageKind::Year(y, 1), list.len());
        }
        for (&(y, m), list) in site.months() {
            listing(PageKind::Month(y, m, 1), list.len());
        }
        for (&d, list) in site.days() {
            listing(PageKind::Day(d, 1), list.len());
        }
        kinds.push(PageKind::Tags);
        for tag in site.tags() {
            let first = PageKind::Tag(tag.slug.clone(), 1);
            kinds.extend(
                (1..=pages_of(&first, site, tag.articles.len()))
                    .map(|n| PageKind::Tag(tag.slug.clone(), n)),
            );
            kinds.push(PageKind::TagFeed(tag.slug.clone()));
        }
        kinds.push(PageKind::Feed);
        kinds.push(PageKind::NotFound);
        if site.config().search {
            kinds.push(PageKind::Search);
        }
        if site.config().withdrawn == Withdrawn::Notice {
            kinds.extend((0..site.withdrawn().len()).map(PageKind::Withdrawn));
        }
        let sitemap: Vec<usize> = (0..kinds.len())
            .filter(|&i| kinds[i].in_sitemap())
            .collect();
        kinds.push(PageKind::Sitemap);
        kinds.extend((1..=parts_for(sitemap.len())).map(PageKind::SitemapPart));

        // Routes are formatted in parallel: an archive has one per story.
        let pages: Vec<Page> = kinds
            .into_par_iter()
            .map(|kind| Page {
                route: kind.route(site),
                kind,
            })
            .collect();
        let first_pages = pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind.is_first())
            .map(|(i, p)| (p.kind.clone(), i))
            .collect();
        Plan {
            pages,
            sitemap,
            first_pages,
        }
    }

    /// The pages, article pages first (page `i` shows story `i`).
    pub(crate) fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The index in [`Plan::pages`] of a listing's first page (`Home(1)`,
    /// `Tag(slug, 1)`…) or of a single page (`Tags`, `Feed`, `TagFeed`…).
    pub(crate) fn position(&self, kind: &PageKind) -> Option<usize> {
        self.first_pages.get(kind).copied()
    }

    /// Every listing page that shows story `i` (home, year, month, day and
    /// keyword pages), each with its feed when `i` is in it.
    pub(crate) fn appearances(&self, site: &Site, i: ArticleIdx) -> Vec<Appearance> {
        let per = site.config().per_page.max(1);
        let day = site.article(i).day();
        let mut kinds = vec![
            (PageKind::Home(1), Some(PageKind::Feed)),
            (PageKind::Year(chrono::Datelike::year(&day), 1), None),
            (
                PageKind::Month(
                    chrono::Datelike::year(&day),
                    chrono::Datelike::month(&day),
                    1,
                ),
                None,
            ),
            (PageKind::Day(day, 1), None),
        ];
        for &t in site.article_tags(i) {
            let slug = &site.tag_at(t).slug;
            kinds.push((
                PageKind::Tag(slug.clone(), 1),
                Some(PageKind::TagFeed(slug.clone())),
            ));
        }
        let mut out = Vec::new();
        for (first, feed) in kinds {
            let list = first.listing(site);
            let Some(pos) = list.position(i) else {
                continue;
            };
            let Some(at) = self.position(&first) else {
                continue;
            };
            let feed = feed
                .filter(|_| pos < site.config().feed_limit)
                .and_then(|f| self.position(&f));
            if first.is_permanent(site) {
                // The landing page shows the newest; numbered page k the
                // k-th `per` from the oldest, once it is full.
                // (A story in the feed but past the landing page is given
                // with it: a candidate too many costs one fingerprint.)
                if pos < per || feed.is_some() {
                    out.push(Appearance { page: at, feed });
                }
                let k = (list.len() - 1 - pos) / per + 1;
                if k <= list.len() / per {
                    out.push(Appearance {
                        page: at + k,
                        feed: None,
                    });
                }
            } else {
                out.push(Appearance {
                    page: at + pos / per,
                    feed,
                });
            }
        }
        out
    }

    /// How many sitemap files there are, besides the index (0 when not split).
    pub(crate) fn sitemap_parts(&self) -> usize {
        parts_for(self.sitemap.len())
    }

    /// The pages part `n` (1-based) of a split sitemap lists; all of them
    /// when it is not split.
    pub(crate) fn sitemap_part(&self, n: usize) -> &[usize] {
        if self.sitemap_parts() == 0 {
            return &self.sitemap;
        }
        let start = ((n.max(1) - 1) * SITEMAP_PART).min(self.sitemap.len());
        let end = (start + SITEMAP_PART).min(self.sitemap.len());
        &self.sitemap[start..end]
    }

    /// The sitemap files that list page `p`: the sitemap, and its part when
    /// it is split (the index shows each part's newest date).
    pub(crate) fn sitemap_pages_listing(&self, p: usize) -> Vec<usize> {
        let Ok(at) = self.sitemap.binary_search(&p) else {
            return Vec::new();
        };
        let mut out: Vec<usize> = self.position(&PageKind::Sitemap).into_iter().collect();
        if self.sitemap_parts() > 0 {
            out.extend(self.position(&PageKind::SitemapPart(at / SITEMAP_PART + 1)));
        }
        out
    }

    /// Moves article page `p` to `route`, returning its previous route.
    pub(crate) fn reroute(&mut self, p: usize, route: Route) -> Route {
        debug_assert!(matches!(self.pages[p].kind, PageKind::Article(_)));
        std::mem::replace(&mut self.pages[p].route, route)
    }
}

fn parts_for(urls: usize) -> usize {
    if urls > SITEMAP_LIMIT {
        urls.div_ceil(SITEMAP_PART)
    } else {
        0
    }
}

/// The number of listing pages for `count` stories (at least 1), newest
/// first.
pub(crate) fn page_count(count: usize, per_page: usize) -> usize {
    count.div_ceil(per_page.max(1)).max(1)
}

/// How many pages the listing `first` belongs to has, with `count`
/// stories: newest first, or (permanent) the landing page and one numbered
/// page per full `per_page` from the oldest.
pub(crate) fn pages_of(first: &PageKind, site: &Site, count: usize) -> usize {
    let per = site.config().per_page.max(1);
    if first.is_permanent(site) {
        1 + count / per
    } else {
        page_count(count, per)
    }
}

/// The stories of page `n` (1-based) of a listing, newest first.
pub(crate) fn page_slice(list: Listing<'_>, per_page: usize, n: usize) -> Listing<'_> {
    let start = (n.max(1) - 1).saturating_mul(per_page);
    list.slice(start..start.saturating_add(per_page))
}

/// The stories `kind` (a listing page) shows: its slice of its listing.
pub(crate) fn stories_of<'s>(kind: &PageKind, site: &'s Site) -> Listing<'s> {
    let list = kind.listing(site);
    let per = site.config().per_page.max(1);
    let n = kind.page_number().unwrap_or(1);
    match kind.numbered(site) {
        // Numbered page k: the k-th `per` from the oldest.
        Some(k) => {
            let end = list.len().saturating_sub((k - 1) * per);
            list.slice(end.saturating_sub(per)..end)
        }
        None => page_slice(list, per, n),
    }
}

/// The newest modification among the stories a page shows (its sitemap
/// `lastmod`).
pub(crate) fn lastmod(site: &Site, kind: &PageKind) -> Option<DateTime<FixedOffset>> {
    match kind {
        PageKind::Article(i) => Some(site.modified(*i)),
        PageKind::Tags => site.newest_among(site.all()),
        _ => {
            kind.page_number()?;
            site.newest_among(stories_of(kind, site))
        }
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
        let pages = |n| {
            page_slice(Listing::Of(&list), 5, n)
                .iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(pages(1), [0, 1, 2, 3, 4]);
        assert_eq!(pages(2), [5]);
        assert!(pages(3).is_empty());
        let run = |n| {
            page_slice(Listing::Run(0, 6), 5, n)
                .iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(run(2), [5]);
        assert_eq!(Listing::Run(0, 6).position(5), Some(5));
        assert_eq!(Listing::Of(&list[2..]).position(1), None);
    }
}
