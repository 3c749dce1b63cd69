//! The template contract, and the one definition of what a page reads.
//!
//! [`Views::context`] builds a page's [`PageContext`]: every variable its
//! template receives besides `site` (README.md documents them). That one
//! value is both rendered (serialised into Tera's context) and
//! fingerprinted ([`fingerprint`] hashes it): every view type derives
//! `Serialize` and `Hash` together, so a field added to a view is in the
//! page's fingerprint by construction, and a rebuild that compares
//! fingerprints can never miss a page whose template input changed. The
//! few types that serialise a value computed at render time ([`JsonLd`],
//! a story's [`Content`]) hash exactly what decides that value. `site` is
//! the configuration, whose change rebuilds everything.
//!
//! Views are built per page from the site model and the plan; a listing
//! page gets the summaries of its own stories only, never the archive's.
//! Per-story strings (URL, dates) and per-keyword URLs are made once per
//! build and shared by every page that shows them. Story bodies come from
//! [`Bodies`] (the loader reads the story again) when a page is rendered.
//!
//! [`JsonLd`]: story::JsonLd
//! [`Content`]: story::Content

mod feed;
pub(crate) mod format;
mod listing;
mod sitemap;
mod story;

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde::Serialize;

use crate::config::{BaseUrl, Config};
use crate::model::{ArticleIdx, Bodies, Route, Site};
use crate::plan::{Page, PageKind, Plan};

pub(crate) use story::take_body_error;
use story::{ArticleView, Link};

/// `site`: the configuration, as templates see it.
#[derive(Debug, Serialize)]
struct SiteView {
    title: String,
    description: String,
    /// `base_url` as configured, normalised (`https://host/path/`).
    base_url: String,
    /// Its path part (`/`, `/archive/`): prefix of every link.
    base_path: String,
    language: String,
    /// The site's offset, `+08:00`.
    timezone: String,
    feed_url: String,
    tags_url: String,
}

impl SiteView {
    fn new(config: &Config) -> SiteView {
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
#[derive(Debug, Hash, Serialize)]
pub(crate) struct PageMeta {
    /// The page's URL path.
    url: String,
    /// Its absolute URL.
    permalink: String,
}

/// Everything one page's template receives besides `site`: one variant per
/// kind of page, each field a template variable.
#[derive(Hash, Serialize)]
#[serde(untagged)]
pub(crate) enum PageContext<'v> {
    /// `article.html`.
    Article {
        page: PageMeta,
        article: ArticleView<'v>,
        previous: Option<Link<'v>>,
        next: Option<Link<'v>>,
    },
    /// `index.html`: home and dated indexes.
    Index {
        page: PageMeta,
        index: listing::IndexView<'v>,
        paginator: listing::Paginator<'v>,
    },
    /// `tag.html`.
    Tag {
        page: PageMeta,
        tag: Option<listing::TagView<'v>>,
        paginator: listing::Paginator<'v>,
    },
    /// `tags.html`.
    Tags {
        page: PageMeta,
        tags: Vec<listing::TagView<'v>>,
    },
    /// `feed.xml`.
    Feed {
        page: PageMeta,
        feed: feed::FeedView<'v>,
    },
    /// `sitemap.xml`: its URLs, or the index of its parts.
    Sitemap {
        page: PageMeta,
        entries: Vec<sitemap::SitemapUrl>,
        sitemaps: Vec<sitemap::SitemapUrl>,
    },
    /// `404.html`.
    NotFound { page: PageMeta },
}

/// The fingerprint of a page's context: equal for two builds exactly when
/// the page's template receives the same value (the template itself aside).
///
/// foldhash, several times faster than std's SipHash on the short strings a
/// context is made of, with a fixed seed so that a page's fingerprint is
/// the same in every run.
pub(crate) fn fingerprint(ctx: &PageContext<'_>) -> u64 {
    foldhash::quality::FixedState::default().hash_one(ctx)
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

/// Strings every page showing a story needs, made once per build.
struct StoryStrings {
    url: String,
    date: String,
    date_display: String,
}

/// Builds the views of one build's pages.
pub(crate) struct Views<'s> {
    site: &'s Site,
    plan: &'s Plan,
    bodies: &'s dyn Bodies,
    strings: Vec<OnceLock<StoryStrings>>,
    tag_urls: HashMap<&'s str, String>,
    /// A template context holding `site`, made once and cloned per page.
    base: tera::Context,
    listing_items: AtomicUsize,
    feed_entries: AtomicUsize,
    bodies_rendered: AtomicUsize,
}

impl<'s> Views<'s> {
    /// Views of `plan`'s pages of `site`, with story bodies from `bodies`.
    pub(crate) fn new(site: &'s Site, plan: &'s Plan, bodies: &'s dyn Bodies) -> Self {
        let base = &site.config().base_url;
        let tag_urls = site
            .tags()
            .keys()
            .map(|slug| (slug.as_str(), Route::tag(slug, 1).url(base)))
            .collect();
        let mut ctx = tera::Context::new();
        ctx.insert("site", &SiteView::new(site.config()));
        // Per-story strings are made on first use: a full build needs them
        // all (each once), a one-page rebuild a handful.
        Views {
            site,
            plan,
            bodies,
            strings: (0..site.len()).map(|_| OnceLock::new()).collect(),
            tag_urls,
            base: ctx,
            listing_items: AtomicUsize::new(0),
            feed_entries: AtomicUsize::new(0),
            bodies_rendered: AtomicUsize::new(0),
        }
    }

    /// The site the views show.
    pub(crate) fn site(&self) -> &'s Site {
        self.site
    }

    /// The context every page starts from (`site` in it).
    pub(crate) fn base_context(&self) -> &tera::Context {
        &self.base
    }

    /// What has been built so far.
    pub(crate) fn stats(&self) -> RenderStats {
        RenderStats {
            listing_items: self.listing_items.load(Ordering::Relaxed),
            feed_entries: self.feed_entries.load(Ordering::Relaxed),
            bodies: self.bodies_rendered.load(Ordering::Relaxed),
        }
    }

    /// The fingerprint of `page` (see [`fingerprint`]).
    pub(crate) fn fingerprint(&self, page: &Page) -> u64 {
        fingerprint(&self.context(page))
    }

    /// What `page`'s template receives besides `site`.
    pub(crate) fn context(&self, page: &Page) -> PageContext<'_> {
        let meta = self.meta(page.route());
        match page.kind() {
            &PageKind::Article(i) => PageContext::Article {
                page: meta,
                article: self.article(i),
                previous: self.site.previous(i).map(|p| self.article_link(p)),
                next: self.site.next(i).map(|p| self.article_link(p)),
            },
            kind @ (PageKind::Home(_)
            | PageKind::Year(..)
            | PageKind::Month(..)
            | PageKind::Day(..)) => PageContext::Index {
                page: meta,
                index: self.index(kind),
                paginator: self.paginator(kind),
            },
            kind @ PageKind::Tag(slug, _) => PageContext::Tag {
                page: meta,
                tag: self.tag(slug),
                paginator: self.paginator(kind),
            },
            PageKind::Tags => PageContext::Tags {
                page: meta,
                tags: self.tags(),
            },
            PageKind::Feed => PageContext::Feed {
                page: meta,
                feed: self.feed(None),
            },
            PageKind::TagFeed(slug) => PageContext::Feed {
                page: meta,
                feed: self.feed(Some(slug)),
            },
            PageKind::Sitemap => {
                let (entries, sitemaps) = self.sitemap_index();
                PageContext::Sitemap {
                    page: meta,
                    entries,
                    sitemaps,
                }
            }
            &PageKind::SitemapPart(n) => PageContext::Sitemap {
                page: meta,
                entries: self.sitemap_entries(n),
                sitemaps: Vec::new(),
            },
            PageKind::NotFound => PageContext::NotFound { page: meta },
        }
    }

    fn base(&self) -> &'s BaseUrl {
        &self.site.config().base_url
    }

    fn meta(&self, route: &Route) -> PageMeta {
        PageMeta {
            url: route.url(self.base()),
            permalink: route.permalink(self.base()),
        }
    }

    fn strings(&self, i: ArticleIdx) -> &StoryStrings {
        self.strings[i].get_or_init(|| {
            let a = self.site.article(i);
            StoryStrings {
                url: self.site.article_route(i).url(self.base()),
                date: format::rfc3339(&a.date),
                date_display: format::date_display(&a.date),
            }
        })
    }
}
