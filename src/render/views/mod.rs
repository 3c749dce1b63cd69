//! The template contract, and the one definition of what a page reads.
//!
//! [`Views::context`] builds a page's [`PageContext`]: every variable its
//! template receives besides `site` (README.md documents them). That one
//! value is both rendered (serialised into Tera's context) and
//! fingerprinted ([`fingerprint`] hashes it): every view type derives
//! `Serialize` and `Hash` together, so a field added to a view is in the
//! page's fingerprint by construction, and a rebuild that compares
//! fingerprints can never miss a page whose template input changed. `site`
//! is the configuration, whose change rebuilds everything.
//!
//! A few types serialise a value made when the page is rendered, and hash
//! exactly what decides it, which is what lets a fingerprint pass (which
//! renders nothing) stay cheap on a large archive:
//! - [`formatted`] values (a URL, a date, a label) hold what they are made
//!   from and derive `Hash` over it; [`StoryText`] is a story's URL or date,
//!   formatted each time a page shows it, hashed as its route or its date;
//! - a story's listing item is shown on some six listing pages, on its own
//!   page (as `article`, flattened) and in feeds: pages hold an `ItemRef`,
//!   which hashes as the hash of that very item, worked out once per
//!   build; a feed entry is made from the item, its last change and its
//!   body, and hashes as those;
//! - a story's body (`Content`) hashes as its file's content hash, which
//!   decides the HTML (`BodyReader` reads the story again when the page is
//!   rendered and refuses a file that changed meanwhile).
//!
//! Views are built per page from the site model and the plan; a listing
//! page gets the summaries of its own stories only, never the archive's.
//! One `Views` serves a whole build or rebuild (fingerprints, then the
//! pages that changed): what it works out once (per-story item hashes,
//! tag URLs and links, the sitemap's dates) every page shares, and
//! making it costs nothing until a page needs something.

mod feed;
pub(crate) mod format;
mod formatted;
mod listing;
mod sitemap;
mod story;

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use crate::config::{BaseUrl, Config};
use crate::model::{ArticleIdx, Bodies, Route, Site, TagIdx};
use crate::plan::{Page, PageKind, Plan};

use formatted::{Stamp, Url};
pub(crate) use story::take_body_error;
use story::{ArticleView, StoryLink};

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
    /// Its writing direction, `ltr` or `rtl` (the `dir` of its pages).
    direction: &'static str,
    /// The site's offset, `+08:00`.
    timezone: String,
    feed_url: String,
    tags_url: String,
    /// The search page's URL, or `None` when the site has none.
    search_url: Option<String>,
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
            direction: crate::config::direction(&config.language),
            timezone: config.timezone.to_string(),
            feed_url: Route::feed().url(b),
            tags_url: Route::tags().url(b),
            search_url: config.search.then(|| Route::search().url(b)),
        }
    }
}

/// `page`: what every page gets (for `<title>`, canonical links).
#[derive(Debug, Hash, Serialize)]
pub(crate) struct PageMeta<'a> {
    /// The page's URL path.
    url: Url<'a>,
    /// Its absolute URL.
    permalink: Url<'a>,
}

/// Everything one page's template receives besides `site`: one variant per
/// kind of page, each field a template variable.
#[derive(Hash, Serialize)]
#[serde(untagged)]
pub(crate) enum PageContext<'v> {
    /// `article.html`.
    Article {
        page: PageMeta<'v>,
        article: Box<ArticleView<'v>>,
        previous: Option<StoryLink<'v>>,
        next: Option<StoryLink<'v>>,
    },
    /// `index.html`: home and dated indexes.
    Index {
        page: PageMeta<'v>,
        index: listing::IndexView<'v>,
        paginator: listing::Paginator<'v>,
    },
    /// `tag.html`.
    Tag {
        page: PageMeta<'v>,
        tag: Option<listing::TagView<'v>>,
        paginator: listing::Paginator<'v>,
    },
    /// `tags.html`.
    Tags {
        page: PageMeta<'v>,
        tags: Vec<listing::TagView<'v>>,
    },
    /// `feed.xml`.
    Feed {
        page: PageMeta<'v>,
        feed: feed::FeedView<'v>,
    },
    /// `sitemap.xml`: its URLs, or the index of its parts.
    Sitemap {
        page: PageMeta<'v>,
        entries: Vec<sitemap::SitemapUrl<'v>>,
        sitemaps: Vec<sitemap::SitemapUrl<'v>>,
    },
    /// `404.html`.
    NotFound { page: PageMeta<'v> },
    /// `search.html`: the search page (its index is in `search/`).
    Search { page: PageMeta<'v> },
    /// `withdrawn.html`: a killed story's URL.
    Withdrawn {
        page: PageMeta<'v>,
        withdrawn: story::WithdrawnView<'v>,
    },
}

/// The fingerprint of a page's context: equal for two builds exactly when
/// the page's template receives the same value (the template itself aside).
pub(crate) fn fingerprint(ctx: &PageContext<'_>) -> u64 {
    hash(ctx)
}

/// The hash of a view: foldhash, several times faster than std's SipHash
/// on the short strings a view is made of, with a fixed seed so that a
/// page's fingerprint is the same in every run.
fn hash(view: &impl std::hash::Hash) -> u64 {
    foldhash::quality::FixedState::default().hash_one(view)
}

/// The hash views are fingerprinted with, for what is made of fingerprints
/// (a build's record of what each page was made from).
pub(crate) fn hash_one(value: &impl std::hash::Hash) -> u64 {
    hash(value)
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

/// The hash of a view that many pages show, worked out once per build: the
/// first page that needs it stores it (0 means not yet; two threads that
/// race both compute the same value).
fn memo(slot: &AtomicU64, view: impl FnOnce() -> u64) -> u64 {
    match slot.load(Ordering::Relaxed) {
        0 => {
            let h = view().max(1);
            slot.store(h, Ordering::Relaxed);
            h
        }
        h => h,
    }
}

/// Which of a story's strings a [`StoryText`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Url,
    Permalink,
    Date,
    DateDisplay,
    Modified,
}

/// One of a story's strings (its URL, a date), as a view holds it:
/// formatted when a page that shows it is rendered (not kept: a string a
/// story for each of a million stories weighs more than formatting it
/// again costs), and hashed as what it is formatted from (the story's
/// route, the base URL being configuration; its date with its offset), so
/// a fingerprint pass formats none.
#[derive(Clone, Copy)]
pub(crate) struct StoryText<'a> {
    views: &'a Views<'a>,
    i: ArticleIdx,
    field: Field,
}

impl<'a> StoryText<'a> {
    /// The story's route.
    pub(crate) fn route(&self) -> &'a Route {
        let route = self.views.plan.pages()[self.i].route();
        debug_assert_eq!(
            &self.views.site.article_route(self.i),
            route,
            "page i shows story i"
        );
        route
    }

    /// The same story's permalink.
    pub(crate) fn as_permalink(&self) -> StoryText<'a> {
        StoryText {
            field: Field::Permalink,
            ..*self
        }
    }

    /// The string, formatted.
    pub(crate) fn text(&self) -> String {
        let views = self.views;
        let a = views.site.article(self.i);
        match self.field {
            Field::Url => self.route().url(views.base()),
            Field::Permalink => self.route().permalink(views.base()),
            Field::Date => format::rfc3339(&a.date),
            Field::DateDisplay => format::date_display(&a.date),
            Field::Modified => format::rfc3339(&a.modified()),
        }
    }
}

impl Hash for StoryText<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.field.hash(h);
        let a = self.views.site.article(self.i);
        match self.field {
            Field::Url | Field::Permalink => self.views.plan.pages()[self.i].route().hash(h),
            Field::Date | Field::DateDisplay => Stamp::from(a.date).hash(h),
            Field::Modified => Stamp::from(a.modified()).hash(h),
        }
    }
}

impl Serialize for StoryText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// Stories per chunk of [`PerStory`].
const CHUNK: usize = 256;

/// Something per story, made on first use, in chunks: views made for a
/// rebuild of a few pages of a large archive allocate a few chunks, not a
/// slot for every story (views are made for every rebuild).
struct PerStory<T> {
    chunks: Vec<OnceLock<Box<[T]>>>,
}

impl<T: Default> PerStory<T> {
    fn new(stories: usize) -> Self {
        PerStory {
            chunks: (0..stories.div_ceil(CHUNK))
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    fn get(&self, i: ArticleIdx) -> &T {
        let chunk =
            self.chunks[i / CHUNK].get_or_init(|| (0..CHUNK).map(|_| T::default()).collect());
        &chunk[i % CHUNK]
    }
}

/// Builds the views of one build's pages.
pub(crate) struct Views<'s> {
    site: &'s Site,
    plan: &'s Plan,
    bodies: &'s dyn Bodies,
    /// The hash of each story's listing item (see [`story::ItemRef`]), 0
    /// until worked out.
    item_hashes: PerStory<AtomicU64>,
    /// Each tag's page URL, by tag index, made on first use.
    tag_urls: Vec<OnceLock<String>>,
    /// Each tag's link as a story shows it ([`story::TagLink`]), as a Tera
    /// value, by tag index, made on first use: a story's keywords are
    /// serialised as clones of these (a clone copies no string), not made
    /// again for each of the ten or so pages that show the story.
    tag_links: Vec<OnceLock<tera::Value>>,
    /// The dates of the pages each sitemap part lists (of all, when it is
    /// not split), made on first use: a part shows them, the index each
    /// part's newest, and a rebuild renders both.
    part_dates: Vec<OnceLock<Box<[Option<Stamp>]>>>,
    /// `site`, made once and shared by every page (a Tera value's maps
    /// and lists are reference-counted: a clone copies no string).
    site_value: tera::Value,
    listing_items: AtomicUsize,
    feed_entries: AtomicUsize,
    bodies_rendered: AtomicUsize,
}

impl<'s> Views<'s> {
    /// Views of `plan`'s pages of `site`, with story bodies from `bodies`.
    pub(crate) fn new(site: &'s Site, plan: &'s Plan, bodies: &'s dyn Bodies) -> Self {
        let site_value = tera::Value::from_serializable(&SiteView::new(site.config()));
        // Per-story hashes are made on first use: a full build needs them
        // all (each once), a one-page rebuild a handful.
        Views {
            site,
            plan,
            bodies,
            item_hashes: PerStory::new(site.len()),
            tag_urls: site.tags().iter().map(|_| OnceLock::new()).collect(),
            tag_links: site.tags().iter().map(|_| OnceLock::new()).collect(),
            part_dates: (0..plan.sitemap_parts().max(1))
                .map(|_| OnceLock::new())
                .collect(),
            site_value,
            listing_items: AtomicUsize::new(0),
            feed_entries: AtomicUsize::new(0),
            bodies_rendered: AtomicUsize::new(0),
        }
    }

    /// The site the views show.
    pub(crate) fn site(&self) -> &'s Site {
        self.site
    }

    /// The plan whose pages they are.
    pub(crate) fn plan(&self) -> &'s Plan {
        self.plan
    }

    /// `site`, as every page's template gets it.
    pub(crate) fn site_value(&self) -> &tera::Value {
        &self.site_value
    }

    /// What has been built so far.
    pub(crate) fn stats(&self) -> RenderStats {
        RenderStats {
            listing_items: self.listing_items.load(Ordering::Relaxed),
            feed_entries: self.feed_entries.load(Ordering::Relaxed),
            bodies: self.bodies_rendered.load(Ordering::Relaxed),
        }
    }

    /// What a listing page shows of story `i` (its item) and what a feed
    /// shows of it (its entry), as hashes: the pages that list the story
    /// read nothing else of it.
    pub(crate) fn listed_as(&self, i: ArticleIdx) -> (u64, u64) {
        (hash(&self.item(i)), hash(&self.entry_ref(i)))
    }

    /// The fingerprint of page `p` of the plan (see [`fingerprint`]).
    pub(crate) fn fingerprint(&self, p: usize) -> u64 {
        fingerprint(&self.context(p))
    }

    /// What page `p` of the plan's template receives besides `site`.
    pub(crate) fn context(&self, p: usize) -> PageContext<'_> {
        let page: &'s Page = &self.plan.pages()[p];
        let meta = self.meta(page.route());
        match page.kind() {
            &PageKind::Article(i) => PageContext::Article {
                page: meta,
                article: Box::new(self.article(i)),
                previous: self.site.previous(i).map(|p| self.article_link(p)),
                next: self.site.next(i).map(|p| self.article_link(p)),
            },
            kind @ (PageKind::Home(_)
            | PageKind::Year(..)
            | PageKind::Month(..)
            | PageKind::Day(..)) => PageContext::Index {
                page: meta,
                index: self.index(kind),
                paginator: self.paginator(p),
            },
            kind @ PageKind::Tag(slug, _) => PageContext::Tag {
                page: meta,
                tag: self.tag(kind, slug),
                paginator: self.paginator(p),
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
            PageKind::Search => PageContext::Search { page: meta },
            &PageKind::Withdrawn(w) => PageContext::Withdrawn {
                page: meta,
                withdrawn: self.withdrawn(w),
            },
        }
    }

    fn base(&self) -> &'s BaseUrl {
        &self.site.config().base_url
    }

    fn meta(&self, route: &'s Route) -> PageMeta<'s> {
        PageMeta {
            url: Url::path(self.base(), route),
            permalink: Url::permalink(self.base(), route),
        }
    }

    /// Story `i`'s string `field`, as views hold it.
    fn text(&self, i: ArticleIdx, field: Field) -> StoryText<'_> {
        StoryText {
            views: self,
            i,
            field,
        }
    }

    /// The URL of tag `t`'s page.
    fn tag_url(&self, t: TagIdx) -> &str {
        self.tag_urls[t as usize]
            .get_or_init(|| Route::tag(&self.site.tag_at(t).slug, 1).url(self.base()))
    }

    /// Tag `t`'s link, as a Tera value.
    fn tag_link(&self, t: TagIdx) -> &tera::Value {
        self.tag_links[t as usize].get_or_init(|| {
            // Three strings: nothing that can fail to serialise.
            tera::Value::try_from_serializable(&self.tag_link_view(t))
                .unwrap_or_else(|_| tera::Value::from(()))
        })
    }

    /// Tag `t`'s link.
    fn tag_link_view(&self, t: TagIdx) -> story::TagLink<'_> {
        let tag = self.site.tag_at(t);
        story::TagLink {
            name: &tag.name,
            slug: &tag.slug,
            url: self.tag_url(t),
        }
    }
}
