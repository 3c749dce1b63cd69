//! The build plan: a pure function from a [`Site`] to the list of pages to
//! render. Each [`Page`] has its route and a [`PageKind`] saying what it
//! shows; pagination and the sitemap split live here, so the renderer only
//! turns one page into bytes.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::model::{ArticleIdx, Route, Site};

/// The most URLs in one sitemap file (the sitemaps.org limit): above it the
/// sitemap becomes an index of parts.
pub const SITEMAP_LIMIT: usize = 50_000;

/// URLs per part of a split sitemap. Smaller than the limit so that an edit
/// under `serve` rewrites one part of 10,000 URLs, not one of 50,000.
pub const SITEMAP_PART: usize = 10_000;

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
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The pages.
    pub pages: Vec<Page>,
    /// The sitemap's entries, in page order.
    pub sitemap: Vec<SitemapEntry>,
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
    let mut push = |route: Route, kind: PageKind| pages.push(Page { route, kind });

    for i in 0..site.articles.len() {
        push(site.article_route(i), PageKind::Article(i));
    }
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

    let sitemap: Vec<SitemapEntry> = pages
        .iter()
        .filter(|p| p.kind.in_sitemap())
        .map(|p| SitemapEntry {
            route: p.route.clone(),
            lastmod: lastmod(site, &p.kind),
        })
        .collect();
    let mut plan = Plan { pages, sitemap };
    plan.pages.push(Page {
        route: Route::sitemap(),
        kind: PageKind::Sitemap,
    });
    for n in 1..=plan.sitemap_parts() {
        plan.pages.push(Page {
            route: Route::sitemap_part(n),
            kind: PageKind::SitemapPart(n),
        });
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
fn lastmod(site: &Site, kind: &PageKind) -> Option<DateTime<FixedOffset>> {
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
