//! The template contract: the serde views that templates receive, as
//! README.md documents them. Nothing else reaches a template, so every
//! page's inputs are known.
//!
//! Views are built per page from the site model. A listing page gets the
//! summaries of its own stories only, never the whole archive.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::config::Config;
use crate::config::FeedContent;
use crate::diag::Diagnostic;
use crate::model::{Article, ArticleIdx, Bodies, Route, Site};
use crate::plan::{self, Page, PageKind, Plan};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `site`: the configuration, as templates see it.
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// Site title.
    pub title: String,
    /// Description (may be empty).
    pub description: String,
    /// `base_url` as configured, normalised (`https://host/path/`).
    pub base_url: String,
    /// Its path part (`/`, `/archive/`): prefix of every link.
    pub base_path: String,
    /// Page language.
    pub language: String,
    /// The site's offset, `+08:00`.
    pub timezone: String,
    /// URL of the site's feed.
    pub feed_url: String,
    /// URL of the keyword list.
    pub tags_url: String,
}

impl SiteView {
    /// The view of `config`.
    pub fn new(config: &Config) -> SiteView {
        let b = &config.base_url;
        SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            base_url: b.full(),
            base_path: b.path.clone(),
            language: config.language.clone(),
            timezone: config.timezone.to_string(),
            feed_url: Route::feed().url(b),
            tags_url: Route::tags().url(b),
        }
    }
}

/// `page`: what every page gets (for `<title>`, canonical links).
#[derive(Debug, Serialize)]
pub struct PageView {
    /// The page's URL path.
    pub url: String,
    /// Its absolute URL.
    pub permalink: String,
}

/// A link with a label.
#[derive(Debug, Hash, Serialize)]
pub struct Link<'a> {
    /// Shown text.
    pub title: Cow<'a, str>,
    /// URL path.
    pub url: String,
}

/// A keyword as shown on a story.
#[derive(Debug, Hash, Serialize)]
pub struct TagLink<'a> {
    /// Display name (the most frequent spelling).
    pub name: &'a str,
    /// Folded slug.
    pub slug: &'a str,
    /// Tag page URL.
    pub url: &'a str,
}

/// `article`: the story of an article page.
#[derive(Debug, Serialize)]
pub struct ArticleView<'a> {
    /// Headline.
    pub title: &'a str,
    /// RFC 3339 date with the story's offset.
    pub date: &'a str,
    /// Human date: `July 3, 2017 17:57 (+08:00)`.
    pub date_display: &'a str,
    /// RFC 3339 date of the last correction.
    pub updated: Option<String>,
    /// Agency.
    pub source: &'a str,
    /// Desk editor.
    pub editor: Option<&'a str>,
    /// Reporter.
    pub byline: Option<&'a str>,
    /// `BEIJING, July 3`.
    pub dateline: Option<&'a str>,
    /// Summary.
    pub summary: &'a str,
    /// Keywords, linked to their tag pages.
    pub keywords: Vec<TagLink<'a>>,
    /// URL path.
    pub url: &'a str,
    /// Absolute URL.
    pub permalink: String,
    /// Body HTML (mark it `safe`).
    pub content: String,
    /// The story's day page.
    pub day: Link<'a>,
    /// schema.org `NewsArticle` as JSON, safe inside `<script>`.
    pub json_ld: String,
}

/// A story in a listing.
#[derive(Debug, Serialize)]
pub struct Item<'a> {
    /// Headline.
    pub title: &'a str,
    /// URL path.
    pub url: &'a str,
    /// RFC 3339 date.
    pub date: &'a str,
    /// Human date.
    pub date_display: &'a str,
    /// `BEIJING, July 3`.
    pub dateline: Option<&'a str>,
    /// Agency.
    pub source: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Keywords.
    pub keywords: Vec<TagLink<'a>>,
}

/// A numbered page link in the paginator's window.
#[derive(Debug, Serialize)]
pub struct PageLink {
    /// Page number.
    pub number: usize,
    /// Its URL.
    pub url: String,
    /// Whether it is the current page.
    pub current: bool,
}

/// `paginator`: one page of a listing.
#[derive(Debug, Serialize)]
pub struct Paginator<'a> {
    /// This page's stories.
    pub items: Vec<Item<'a>>,
    /// 1-based page number.
    pub current: usize,
    /// Number of pages.
    pub total_pages: usize,
    /// Number of stories in the whole listing.
    pub total_items: usize,
    /// URL of the previous page.
    pub previous: Option<String>,
    /// URL of the next page.
    pub next: Option<String>,
    /// URL of page 1.
    pub first: String,
    /// URL of the last page.
    pub last: String,
    /// A window of page links around the current page (never all of them).
    pub pages: Vec<PageLink>,
}

/// Pages shown on each side of the current one.
const WINDOW: usize = 3;

/// A period below an index (a year's months, a month's days).
#[derive(Debug, Hash, Serialize)]
pub struct Period {
    /// `July`, `3`, `2017`.
    pub label: String,
    /// Its index page.
    pub url: String,
    /// Stories in it.
    pub count: usize,
}

/// `index`: what a home or dated index page is about.
#[derive(Debug, Hash, Serialize)]
pub struct IndexView<'a> {
    /// `home`, `year`, `month` or `day`.
    pub kind: &'static str,
    /// `2017`, `July 2017`, `July 3, 2017`; the site title at home.
    pub title: String,
    /// Year, month, day of the period (when it has them).
    pub year: Option<i32>,
    /// Month 1–12.
    pub month: Option<u32>,
    /// Day of month.
    pub day: Option<u32>,
    /// The enclosing period.
    pub up: Option<Link<'a>>,
    /// The previous period that has stories.
    pub previous: Option<Link<'a>>,
    /// The next period that has stories.
    pub next: Option<Link<'a>>,
    /// Sub-periods with counts (home: years; year: months; month: days).
    pub children: Vec<Period>,
}

/// `tag`: the keyword of a tag page.
#[derive(Debug, Hash, Serialize)]
pub struct TagView<'a> {
    /// Display name.
    pub name: &'a str,
    /// Slug.
    pub slug: &'a str,
    /// Tag page URL.
    pub url: &'a str,
    /// Its feed's URL.
    pub feed_url: String,
    /// Number of stories.
    pub count: usize,
}

/// `feed`: an Atom feed.
#[derive(Debug, Serialize)]
pub struct FeedView<'a> {
    /// Feed title.
    pub title: String,
    /// Atom id (an absolute IRI).
    pub id: String,
    /// The feed's own URL.
    pub self_url: String,
    /// The HTML page it mirrors.
    pub alternate: String,
    /// Newest story's date (RFC 3339), never the build time.
    pub updated: String,
    /// Newest first, at most `feed_limit`.
    pub entries: Vec<FeedEntry<'a>>,
}

/// An Atom entry.
#[derive(Debug, Serialize)]
pub struct FeedEntry<'a> {
    /// Headline.
    pub title: &'a str,
    /// Atom id.
    pub id: String,
    /// Absolute URL.
    pub url: String,
    /// RFC 3339 filing date.
    pub published: &'a str,
    /// RFC 3339 date of the last change.
    pub updated: String,
    /// Agency, else the site title.
    pub author: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Body HTML (escaped by the template into `type="html"`), when the
    /// site's `feed_content` is `full`.
    pub content: Option<String>,
    /// Keywords: `term` is the slug, `label` the name.
    pub categories: Vec<Category<'a>>,
}

/// An Atom category.
#[derive(Debug, Serialize)]
pub struct Category<'a> {
    /// Slug.
    pub term: &'a str,
    /// Name.
    pub label: &'a str,
}

/// A sitemap `<url>` or `<sitemap>`.
#[derive(Debug, Serialize)]
pub struct SitemapUrl {
    /// Absolute URL.
    pub loc: String,
    /// RFC 3339 date.
    pub lastmod: Option<String>,
}

/// `July 3, 2017 17:57 (+08:00)`
pub fn date_display(d: &DateTime<FixedOffset>) -> String {
    format!(
        "{} {}, {} {} ({})",
        MONTHS[d.month0() as usize],
        d.day(),
        d.year(),
        d.format("%H:%M"),
        d.offset()
    )
}

/// RFC 3339 with seconds, `+08:00` style offsets (`Z` never used, so the
/// story's own offset stays visible).
pub fn rfc3339(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// `July 3, 2017`
pub fn day_label(d: NaiveDate) -> String {
    format!("{} {}, {}", MONTHS[d.month0() as usize], d.day(), d.year())
}

/// `July 2017`
pub fn month_label(y: i32, m: u32) -> String {
    format!("{} {y}", MONTHS[(m as usize).saturating_sub(1) % 12])
}

/// Strings every page showing a story needs, computed once per build.
struct ArticleStrings {
    url: String,
    date: String,
    date_display: String,
}

/// Counts of what the views built: the test-sized guard against a listing
/// or feed whose cost grows faster than the archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderStats {
    /// Story summaries built for listing pages (each story appears on its
    /// home, year, month and day pages and on one page per keyword).
    pub listing_items: usize,
    /// Entries built for feeds.
    pub feed_entries: usize,
    /// Story bodies read and rendered.
    pub bodies: usize,
}

/// Builds views of the site model. Per-story strings (URL, dates) and
/// per-keyword URLs are computed once here, so the many listing pages a
/// story appears on share them.
pub struct Views<'s> {
    site: &'s Site,
    bodies: &'s dyn Bodies,
    articles: Vec<OnceLock<ArticleStrings>>,
    tag_urls: HashMap<&'s str, String>,
    listing_hash: Vec<OnceLock<u64>>,
    /// A template context holding `site`, made once and cloned per page.
    base: tera::Context,
    listing_items: AtomicUsize,
    feed_entries: AtomicUsize,
    bodies_rendered: AtomicUsize,
}

impl<'s> Views<'s> {
    /// Views over `site`, with story bodies from `bodies`.
    pub fn new(site: &'s Site, bodies: &'s dyn Bodies) -> Self {
        let base = &site.config.base_url;
        let tag_urls = site
            .tags
            .keys()
            .map(|slug| (slug.as_str(), Route::tag(slug, 1).url(base)))
            .collect();
        // Per-story strings and hashes are made on first use: a full build
        // needs them all (each once), a one-page rebuild a handful.
        Views {
            site,
            bodies,
            articles: site.articles.iter().map(|_| OnceLock::new()).collect(),
            tag_urls,
            listing_hash: site.articles.iter().map(|_| OnceLock::new()).collect(),
            base: {
                let mut ctx = tera::Context::new();
                ctx.insert("site", &SiteView::new(&site.config));
                ctx
            },
            listing_items: AtomicUsize::new(0),
            feed_entries: AtomicUsize::new(0),
            bodies_rendered: AtomicUsize::new(0),
        }
    }

    fn strings(&self, i: ArticleIdx) -> &ArticleStrings {
        self.articles[i].get_or_init(|| {
            let a = &self.site.articles[i];
            ArticleStrings {
                url: self.site.article_route(i).url(self.base()),
                date: rfc3339(&a.date),
                date_display: date_display(&a.date),
            }
        })
    }

    fn listing_hash(&self, i: ArticleIdx) -> u64 {
        *self.listing_hash[i].get_or_init(|| listing_hash(self.site, i))
    }

    /// The context every page starts from (`site` in it).
    pub fn base_context(&self) -> &tera::Context {
        &self.base
    }

    /// What has been built so far.
    pub fn stats(&self) -> RenderStats {
        RenderStats {
            listing_items: self.listing_items.load(Ordering::Relaxed),
            feed_entries: self.feed_entries.load(Ordering::Relaxed),
            bodies: self.bodies_rendered.load(Ordering::Relaxed),
        }
    }

    /// A fingerprint of everything `page`'s view reads except story bodies
    /// (the rebuild re-renders the pages of changed files itself). Two
    /// builds give a page the same fingerprint exactly when its view is the
    /// same, so a rebuild renders only the pages whose fingerprint moved.
    /// Keep it in step with the view builders above and below.
    pub fn fingerprint(&self, plan: &Plan, page: &Page) -> u64 {
        let s = self.site;
        let mut h = fingerprint_hasher();
        page.route.hash(&mut h);
        match &page.kind {
            PageKind::Article(i) => {
                self.listing_hash(*i).hash(&mut h);
                for other in [s.previous(*i), s.next(*i)] {
                    other
                        .map(|j| {
                            (
                                &s.articles[j].title,
                                s.articles[j].day(),
                                &s.articles[j].slug,
                            )
                        })
                        .hash(&mut h);
                }
            }
            PageKind::Home(n)
            | PageKind::Year(.., n)
            | PageKind::Month(.., n)
            | PageKind::Day(_, n)
            | PageKind::Tag(_, n) => {
                let list = plan::listing(s, &page.kind);
                (list.len(), *n).hash(&mut h);
                for &j in plan::page_slice(list, s.config.per_page, *n) {
                    self.listing_hash(j).hash(&mut h);
                }
                match &page.kind {
                    PageKind::Tag(slug, _) => self.tag(slug).hash(&mut h),
                    kind => self.index(kind).hash(&mut h),
                }
            }
            PageKind::Tags => self.tags().hash(&mut h),
            PageKind::Feed | PageKind::TagFeed(_) => {
                let (list, tag) = match &page.kind {
                    PageKind::TagFeed(slug) => (plan::listing(s, &page.kind), self.tag(slug)),
                    _ => (s.newest_first.as_slice(), None),
                };
                tag.hash(&mut h);
                for &j in &list[..list.len().min(s.config.feed_limit)] {
                    self.listing_hash(j).hash(&mut h);
                }
            }
            PageKind::SitemapPart(n) => {
                for e in plan.sitemap_part(*n) {
                    (&e.route, e.lastmod).hash(&mut h);
                }
            }
            PageKind::Sitemap if plan.sitemap_parts() > 0 => {
                // The index lists each part with its newest date.
                for n in 1..=plan.sitemap_parts() {
                    plan.sitemap_part(n)
                        .iter()
                        .filter_map(|e| e.lastmod)
                        .max()
                        .hash(&mut h);
                }
            }
            PageKind::Sitemap => {
                for e in &plan.sitemap {
                    (&e.route, e.lastmod).hash(&mut h);
                }
            }
            PageKind::NotFound => {}
        }
        h.finish()
    }

    fn body(&self, a: &Article) -> Result<String, Diagnostic> {
        self.bodies_rendered.fetch_add(1, Ordering::Relaxed);
        self.bodies.html(a)
    }

    fn base(&self) -> &crate::config::BaseUrl {
        &self.site.config.base_url
    }

    /// `page` for a route.
    pub fn page(&self, route: &Route) -> PageView {
        PageView {
            url: route.url(self.base()),
            permalink: route.permalink(self.base()),
        }
    }

    /// The keyword links of article `i`.
    pub fn tag_links(&self, i: ArticleIdx) -> Vec<TagLink<'_>> {
        self.site.article_tags[i]
            .iter()
            .map(|slug| TagLink {
                name: self.site.tag_name(slug),
                slug,
                url: self.tag_urls.get(&**slug).map_or("", String::as_str),
            })
            .collect()
    }

    /// A plain link to article `i`.
    pub fn article_link(&self, i: ArticleIdx) -> Link<'_> {
        Link {
            title: Cow::Borrowed(&self.site.articles[i].title),
            url: self.strings(i).url.clone(),
        }
    }

    /// `article` for article `i`.
    pub fn article(&self, i: ArticleIdx) -> Result<ArticleView<'_>, Diagnostic> {
        let a = &self.site.articles[i];
        let strings = self.strings(i);
        let permalink = format!("{}{}", self.base().origin, strings.url);
        let keywords = self.tag_links(i);
        let json_ld = self.json_ld(a, &permalink, &keywords);
        Ok(ArticleView {
            title: &a.title,
            date: &strings.date,
            date_display: &strings.date_display,
            updated: a.updated.as_ref().map(rfc3339),
            source: &a.source,
            editor: a.editor.as_deref(),
            byline: a.byline.as_deref(),
            dateline: a.dateline.as_deref(),
            summary: &a.summary,
            keywords,
            url: &strings.url,
            permalink,
            content: self.body(a)?,
            day: Link {
                title: Cow::Owned(day_label(a.day())),
                url: Route::day(a.day(), 1).url(self.base()),
            },
            json_ld,
        })
    }

    fn json_ld(&self, a: &Article, permalink: &str, keywords: &[TagLink<'_>]) -> String {
        let publisher = if a.source.is_empty() {
            &self.site.config.title
        } else {
            &a.source
        };
        let org = serde_json::json!({ "@type": "Organization", "name": publisher });
        let mut v = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": a.title,
            "datePublished": rfc3339(&a.date),
            "dateModified": rfc3339(&a.modified()),
            "author": match &a.byline {
                Some(b) => serde_json::json!({ "@type": "Person", "name": b }),
                None => org.clone(),
            },
            "publisher": org,
            "mainEntityOfPage": permalink,
            "keywords": keywords.iter().map(|k| k.name).collect::<Vec<_>>(),
        });
        if let Some(d) = &a.dateline {
            v["dateline"] = serde_json::Value::from(d.as_str());
        }
        script_safe_json(&v)
    }

    /// A listing item for article `i`.
    pub fn item(&self, i: ArticleIdx) -> Item<'_> {
        self.listing_items.fetch_add(1, Ordering::Relaxed);
        let a = &self.site.articles[i];
        let strings = self.strings(i);
        Item {
            title: &a.title,
            url: &strings.url,
            date: &strings.date,
            date_display: &strings.date_display,
            dateline: a.dateline.as_deref(),
            source: &a.source,
            summary: &a.summary,
            keywords: self.tag_links(i),
        }
    }

    /// `paginator` for page `n` of `list`, whose page `k` is at `route_of(k)`.
    pub fn paginator(
        &self,
        list: &[ArticleIdx],
        n: usize,
        route_of: impl Fn(usize) -> Route,
    ) -> Paginator<'_> {
        let per = self.site.config.per_page;
        let total_pages = plan::page_count(list.len(), per);
        let url = |k: usize| route_of(k).url(self.base());
        let lo = n.saturating_sub(WINDOW).max(1);
        let hi = (n + WINDOW).min(total_pages);
        Paginator {
            items: plan::page_slice(list, per, n)
                .iter()
                .map(|&i| self.item(i))
                .collect(),
            current: n,
            total_pages,
            total_items: list.len(),
            previous: (n > 1).then(|| url(n - 1)),
            next: (n < total_pages).then(|| url(n + 1)),
            first: url(1),
            last: url(total_pages),
            pages: (lo..=hi)
                .map(|k| PageLink {
                    number: k,
                    url: url(k),
                    current: k == n,
                })
                .collect(),
        }
    }

    /// `index` for a home or dated page.
    pub fn index(&self, kind: &PageKind) -> IndexView<'_> {
        let s = self.site;
        let b = self.base();
        let link = |title: String, r: Route| Link {
            title: Cow::Owned(title),
            url: r.url(b),
        };
        let mut v = IndexView {
            kind: "home",
            title: s.config.title.clone(),
            year: None,
            month: None,
            day: None,
            up: None,
            previous: None,
            next: None,
            children: Vec::new(),
        };
        match *kind {
            PageKind::Year(y, _) => {
                v.kind = "year";
                v.title = y.to_string();
                v.year = Some(y);
                v.up = Some(link(s.config.title.clone(), Route::home(1)));
                v.previous = s
                    .years
                    .range(..y)
                    .next_back()
                    .map(|(&p, _)| link(p.to_string(), Route::year(p, 1)));
                v.next = s
                    .years
                    .range(y + 1..)
                    .next()
                    .map(|(&p, _)| link(p.to_string(), Route::year(p, 1)));
                v.children = s
                    .months
                    .range((y, 1)..=(y, 12))
                    .map(|(&(y, m), l)| Period {
                        label: MONTHS[m as usize - 1].to_string(),
                        url: Route::month(y, m, 1).url(b),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Month(y, m, _) => {
                v.kind = "month";
                v.title = month_label(y, m);
                (v.year, v.month) = (Some(y), Some(m));
                v.up = Some(link(y.to_string(), Route::year(y, 1)));
                let ml = |&(y, m): &(i32, u32)| link(month_label(y, m), Route::month(y, m, 1));
                v.previous = s.months.range(..(y, m)).next_back().map(|(k, _)| ml(k));
                v.next = s.months.range((y, m + 1)..).next().map(|(k, _)| ml(k));
                // The month's days, found by range: a scan of every day of
                // the archive, for each month page, was most of a
                // fingerprint pass.
                let first = NaiveDate::from_ymd_opt(y, m, 1);
                let next = first.and_then(|f| f.checked_add_months(chrono::Months::new(1)));
                let days = match (first, next) {
                    (Some(f), Some(n)) => s.days.range(f..n),
                    _ => s.days.range(NaiveDate::MIN..NaiveDate::MIN),
                };
                v.children = days
                    .map(|(&d, l)| Period {
                        label: d.day().to_string(),
                        url: Route::day(d, 1).url(b),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Day(d, _) => {
                v.kind = "day";
                v.title = day_label(d);
                (v.year, v.month, v.day) = (Some(d.year()), Some(d.month()), Some(d.day()));
                v.up = Some(link(
                    month_label(d.year(), d.month()),
                    Route::month(d.year(), d.month(), 1),
                ));
                let dl = |d: NaiveDate| link(day_label(d), Route::day(d, 1));
                v.previous = s.days.range(..d).next_back().map(|(&k, _)| dl(k));
                v.next = d
                    .succ_opt()
                    .and_then(|n| s.days.range(n..).next())
                    .map(|(&k, _)| dl(k));
            }
            _ => {
                v.children = s
                    .years
                    .iter()
                    .rev()
                    .map(|(&y, l)| Period {
                        label: y.to_string(),
                        url: Route::year(y, 1).url(b),
                        count: l.len(),
                    })
                    .collect();
            }
        }
        v
    }

    /// `tag` for a keyword slug.
    pub fn tag(&self, slug: &str) -> Option<TagView<'_>> {
        let (slug, tag) = self.site.tags.get_key_value(slug)?;
        Some(TagView {
            name: &tag.name,
            slug,
            url: self.tag_urls.get(slug.as_str()).map_or("", String::as_str),
            feed_url: Route::tag_feed(slug).url(self.base()),
            count: tag.articles.len(),
        })
    }

    /// `tags`: every keyword with its count, by slug.
    pub fn tags(&self) -> Vec<TagView<'_>> {
        self.site.tags.keys().filter_map(|s| self.tag(s)).collect()
    }

    /// `feed` for the whole site (`tag` = None) or a keyword.
    pub fn feed(&self, tag: Option<&str>) -> Result<FeedView<'_>, Diagnostic> {
        let s = self.site;
        let b = self.base();
        let (title, list, self_route, html_route) = match tag {
            Some(slug) => (
                format!("{}: {}", s.config.title, s.tag_name(slug)),
                s.tags.get(slug).map_or(&[][..], |t| t.articles.as_slice()),
                Route::tag_feed(slug),
                Route::tag(slug, 1),
            ),
            None => (
                s.config.title.clone(),
                s.newest_first.as_slice(),
                Route::feed(),
                Route::home(1),
            ),
        };
        let list = &list[..list.len().min(s.config.feed_limit)];
        self.feed_entries.fetch_add(list.len(), Ordering::Relaxed);
        let updated = list
            .iter()
            .map(|&i| s.articles[i].modified())
            .max()
            .map_or_else(|| "1970-01-01T00:00:00+00:00".to_string(), |d| rfc3339(&d));
        let full = s.config.feed_content == FeedContent::Full;
        let entries = list
            .iter()
            .map(|&i| {
                let a = &s.articles[i];
                let route = s.article_route(i);
                Ok(FeedEntry {
                    title: &a.title,
                    id: atom_id(b, &route),
                    url: route.permalink(b),
                    published: &self.strings(i).date,
                    updated: rfc3339(&a.modified()),
                    author: if a.source.is_empty() {
                        &s.config.title
                    } else {
                        &a.source
                    },
                    summary: &a.summary,
                    content: if full { Some(self.body(a)?) } else { None },
                    categories: s.article_tags[i]
                        .iter()
                        .map(|t| Category {
                            term: t,
                            label: s.tag_name(t),
                        })
                        .collect(),
                })
            })
            .collect::<Result<_, Diagnostic>>()?;
        Ok(FeedView {
            title,
            id: atom_id(b, &self_route),
            self_url: self_route.permalink(b),
            alternate: html_route.permalink(b),
            updated,
            entries,
        })
    }
}

/// Everything a listing item, a feed entry and an article page's own fields
/// show of story `i`.
///
/// Hashes the fields themselves, not their formatted strings: the URL is a
/// function of day and slug, the shown dates of the date (the base URL and
/// everything else from `site.yaml` rebuild everything when they change).
/// The hasher of fingerprints: foldhash, several times faster than std's
/// SipHash on the short strings a fingerprint is made of (it was a fifth of
/// a rebuild's time), with a fixed seed so that a page's fingerprint is the
/// same in every run.
fn fingerprint_hasher() -> impl Hasher {
    foldhash::quality::FixedState::default().build_hasher()
}

pub(crate) fn listing_hash(site: &Site, i: ArticleIdx) -> u64 {
    let a = &site.articles[i];
    let mut h = fingerprint_hasher();
    (&a.title, a.day(), &a.slug, a.date, a.updated, &a.source).hash(&mut h);
    (&a.editor, &a.byline, &a.dateline, &a.summary).hash(&mut h);
    for slug in &site.article_tags[i] {
        (slug, site.tag_name(slug)).hash(&mut h);
    }
    h.finish()
}

/// An Atom id: the permalink when the base URL is absolute, else a URN
/// built from the route (an id must be an absolute IRI).
fn atom_id(base: &crate::config::BaseUrl, route: &Route) -> String {
    if base.origin.is_empty() {
        format!(
            "urn:dateline:{}{}",
            base.path.trim_start_matches('/'),
            route.as_str()
        )
    } else {
        route.permalink(base)
    }
}

/// JSON that cannot end a `<script>` element or open a comment in it.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_the_script() {
        let v = serde_json::json!({"headline": "</script><script>alert(1)</script> & <!--"});
        let s = script_safe_json(&v);
        assert!(!s.contains('<') && !s.contains('>'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn dates_keep_their_offset() {
        let d = DateTime::parse_from_rfc3339("2017-07-03T01:00:00+08:00").unwrap();
        assert_eq!(rfc3339(&d), "2017-07-03T01:00:00+08:00");
        assert_eq!(date_display(&d), "July 3, 2017 01:00 (+08:00)");
    }
}
