//! The views of listing pages: `paginator` (one page of a listing's
//! stories, with links to its other pages), `index` (what a home or dated
//! page is about), `tag` and `tags`.

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use super::format::{day_label, month_label, month_name};
use super::formatted::Url;
use super::story::ItemRef;
use super::Views;
use crate::model::{Route, Tag, TagIdx};
use crate::plan::{self, PageKind};

/// Pages shown on each side of the current one.
const WINDOW: usize = 3;

/// A numbered page link in the paginator's window.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct PageLink<'a> {
    number: usize,
    url: Url<'a>,
    current: bool,
}

/// `paginator`: one page of a listing.
#[derive(Hash, Serialize)]
pub(crate) struct Paginator<'a> {
    /// This page's stories, newest first.
    items: Vec<ItemRef<'a>>,
    /// `permanent` (numbered pages counted from the oldest story) or
    /// `newest_first`.
    scheme: &'static str,
    /// Whether this is the listing's landing page (`/`, `/tags/x/`).
    landing: bool,
    /// The page's number in its URL (a landing page: 1 newest first, 0
    /// permanent).
    current: usize,
    /// Pages and stories in the listing. A permanent listing's numbered
    /// page leaves them out: they change with every story, and the page
    /// should not.
    total_pages: Option<usize>,
    total_items: Option<usize>,
    /// The page of the next newer stories, and of the next older.
    newer: Option<Url<'a>>,
    older: Option<Url<'a>>,
    /// The same, in reading order: `previous` is `newer`, `next` `older`.
    previous: Option<Url<'a>>,
    next: Option<Url<'a>>,
    /// The landing page (the newest stories) and the page of the oldest.
    first: Url<'a>,
    last: Url<'a>,
    /// A window of page links around the current page (never all of
    /// them), in reading order.
    pages: Vec<PageLink<'a>>,
}

/// What a dated index or a link to one is called: the site's title (home),
/// `2017`, `July 2017`, `July 3, 2017`, or, among a period's parts, `July`
/// and `3`.
#[derive(Debug, Clone, Copy, Hash)]
pub(crate) enum Label<'a> {
    Site(&'a str),
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    MonthName(u32),
    DayNumber(u32),
}

impl Serialize for Label<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Label::Site(t) => s.serialize_str(t),
            Label::Year(y) => s.collect_str(&y),
            Label::Month(y, m) => s.serialize_str(&month_label(y, m)),
            Label::Day(d) => s.serialize_str(&day_label(d)),
            Label::MonthName(m) => s.serialize_str(month_name(m)),
            Label::DayNumber(d) => s.collect_str(&d),
        }
    }
}

/// A link to a dated index: its label and URL.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct PeriodLink<'a> {
    title: Label<'a>,
    url: Url<'a>,
}

/// A period below an index (a year's months, a month's days).
#[derive(Debug, Hash, Serialize)]
pub(crate) struct Period<'a> {
    /// `July`, `3`, `2017`.
    label: Label<'a>,
    url: Url<'a>,
    /// Stories in it.
    count: usize,
}

/// `index`: what a home or dated index page is about.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct IndexView<'a> {
    /// `home`, `year`, `month` or `day`.
    kind: &'static str,
    /// `2017`, `July 2017`, `July 3, 2017`; the site title at home.
    title: Label<'a>,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    /// The enclosing period.
    up: Option<PeriodLink<'a>>,
    /// The previous period that has stories.
    previous: Option<PeriodLink<'a>>,
    /// The next period that has stories.
    next: Option<PeriodLink<'a>>,
    /// Sub-periods with counts (home: years; year: months; month: days).
    children: Vec<Period<'a>>,
}

/// `tag`: the keyword of a tag page (and an entry of `tags`).
#[derive(Debug, Hash, Serialize)]
pub(crate) struct TagView<'a> {
    name: &'a str,
    slug: &'a str,
    url: &'a str,
    feed_url: String,
    /// Number of stories (not on a permanent listing's numbered page: it
    /// changes with every story).
    count: Option<usize>,
}

impl<'s> Views<'s> {
    /// `paginator` for listing page `p` of the plan.
    pub(super) fn paginator(&self, p: usize) -> Paginator<'_> {
        let pages = self.plan.pages();
        let kind = pages[p].kind();
        let per = self.site.config().per_page.max(1);
        let list = kind.listing(self.site);
        let n = kind.page_number().unwrap_or(1);
        let total_pages = plan::pages_of(kind, self.site, list.len());
        // A listing's pages are one run of the plan, its landing page first.
        let first = p + 1 - n;
        let url = |k: usize| {
            let page = &pages[first + k - 1];
            debug_assert_eq!(page.kind(), &kind.with_page(k));
            Url::path(self.base(), page.route())
        };
        let link = |k: usize, number: usize| PageLink {
            number,
            url: url(k),
            current: k == n,
        };
        let items = plan::stories_of(kind, self.site)
            .iter()
            .map(|i| self.item_ref(i))
            .collect();
        if !kind.is_permanent(self.site) {
            let lo = n.saturating_sub(WINDOW).max(1);
            let hi = (n + WINDOW).min(total_pages);
            let newer = (n > 1).then(|| url(n - 1));
            let older = (n < total_pages).then(|| url(n + 1));
            return Paginator {
                items,
                scheme: "newest_first",
                landing: n == 1,
                current: n,
                total_pages: Some(total_pages),
                total_items: Some(list.len()),
                previous: newer,
                next: older,
                newer,
                older,
                first: url(1),
                last: url(total_pages),
                pages: (lo..=hi).map(|k| link(k, k)).collect(),
            };
        }
        // Permanent: index 1 is the landing page, index k + 1 numbered
        // page k (full pages only, the oldest first).
        let full = total_pages - 1;
        let oldest = if full > 0 { url(2) } else { url(1) };
        if n == 1 {
            // The newest numbered page the landing page does not show whole.
            let top = if list.len().is_multiple_of(per) {
                full.saturating_sub(1)
            } else {
                full
            };
            let lo = top.saturating_sub(2 * WINDOW).max(1);
            return Paginator {
                items,
                scheme: "permanent",
                landing: true,
                current: 0,
                total_pages: Some(total_pages),
                total_items: Some(list.len()),
                newer: None,
                older: (top > 0).then(|| url(top + 1)),
                previous: None,
                next: (top > 0).then(|| url(top + 1)),
                first: url(1),
                last: oldest,
                pages: (lo..=top).rev().map(|k| link(k + 1, k)).collect(),
            };
        }
        let k = n - 1;
        // What a numbered page shows never depends on how many pages are
        // newer than it, but for the link to the next newer one.
        let newer = if k < full { url(n + 1) } else { url(1) };
        let older = (k > 1).then(|| url(n - 1));
        Paginator {
            items,
            scheme: "permanent",
            landing: false,
            current: k,
            total_pages: None,
            total_items: None,
            newer: Some(newer),
            older,
            previous: Some(newer),
            next: older,
            first: url(1),
            last: oldest,
            pages: (k.saturating_sub(WINDOW).max(1)..=k)
                .rev()
                .map(|j| link(j + 1, j))
                .collect(),
        }
    }

    /// The URL of a dated index's first page (the plan has them all).
    fn index_url(&self, first: PageKind) -> Url<'_> {
        let p = self
            .plan
            .position(&first)
            .expect("every period with stories has its page");
        Url::path(self.base(), self.plan.pages()[p].route())
    }

    fn period_link(&self, title: Label<'s>, first: PageKind) -> PeriodLink<'_> {
        PeriodLink {
            title,
            url: self.index_url(first),
        }
    }

    /// `index` for a home or dated page.
    pub(super) fn index(&self, kind: &PageKind) -> IndexView<'_> {
        let s = self.site;
        let mut v = IndexView {
            kind: "home",
            title: Label::Site(&s.config().title),
            year: None,
            month: None,
            day: None,
            up: None,
            previous: None,
            next: None,
            children: Vec::new(),
        };
        let year = |y: i32| self.period_link(Label::Year(y), PageKind::Year(y, 1));
        let month = |y: i32, m: u32| self.period_link(Label::Month(y, m), PageKind::Month(y, m, 1));
        let day = |d: NaiveDate| self.period_link(Label::Day(d), PageKind::Day(d, 1));
        match *kind {
            PageKind::Year(y, _) => {
                v.kind = "year";
                v.title = Label::Year(y);
                v.year = Some(y);
                v.up = Some(self.period_link(Label::Site(&s.config().title), PageKind::Home(1)));
                v.previous = s.years().range(..y).next_back().map(|(&p, _)| year(p));
                v.next = s.years().range(y + 1..).next().map(|(&p, _)| year(p));
                v.children = s
                    .months()
                    .range((y, 1)..=(y, 12))
                    .map(|(&(y, m), l)| Period {
                        label: Label::MonthName(m),
                        url: self.index_url(PageKind::Month(y, m, 1)),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Month(y, m, _) => {
                v.kind = "month";
                v.title = Label::Month(y, m);
                (v.year, v.month) = (Some(y), Some(m));
                v.up = Some(year(y));
                let ml = |(&(y, m), _): (&(i32, u32), _)| month(y, m);
                v.previous = s.months().range(..(y, m)).next_back().map(ml);
                v.next = s.months().range((y, m + 1)..).next().map(ml);
                // The month's days, found by range: a scan of every day of
                // the archive, for each month page, was most of a
                // fingerprint pass.
                let first = NaiveDate::from_ymd_opt(y, m, 1);
                let next = first.and_then(|f| f.checked_add_months(chrono::Months::new(1)));
                let days = match (first, next) {
                    (Some(f), Some(n)) => s.days().range(f..n),
                    _ => s.days().range(NaiveDate::MIN..NaiveDate::MIN),
                };
                v.children = days
                    .map(|(&d, l)| Period {
                        label: Label::DayNumber(d.day()),
                        url: self.index_url(PageKind::Day(d, 1)),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Day(d, _) => {
                v.kind = "day";
                v.title = Label::Day(d);
                (v.year, v.month, v.day) = (Some(d.year()), Some(d.month()), Some(d.day()));
                v.up = Some(month(d.year(), d.month()));
                v.previous = s.days().range(..d).next_back().map(|(&k, _)| day(k));
                v.next = d
                    .succ_opt()
                    .and_then(|n| s.days().range(n..).next())
                    .map(|(&k, _)| day(k));
            }
            _ if kind.numbered(s).is_some() => {}
            _ => {
                v.children = s
                    .years()
                    .iter()
                    .rev()
                    .map(|(&y, l)| Period {
                        label: Label::Year(y),
                        url: self.index_url(PageKind::Year(y, 1)),
                        count: l.len(),
                    })
                    .collect();
            }
        }
        v
    }

    /// `tag` for the keyword page `kind`.
    pub(super) fn tag(&self, kind: &PageKind, slug: &str) -> Option<TagView<'_>> {
        let (t, tag) = self.site.tag(slug)?;
        let mut v = self.tag_view(t, tag);
        if kind.numbered(self.site).is_some() {
            v.count = None;
        }
        Some(v)
    }

    fn tag_view<'a>(&'a self, t: TagIdx, tag: &'a Tag) -> TagView<'a> {
        let slug = &tag.slug;
        TagView {
            name: &tag.name,
            slug,
            url: self.tag_url(t),
            feed_url: Route::tag_feed(slug).url(self.base()),
            count: Some(tag.articles.len()),
        }
    }

    /// `tags`: every keyword with its count, by slug.
    pub(super) fn tags(&self) -> Vec<TagView<'_>> {
        (0..)
            .zip(self.site.tags())
            .map(|(t, tag)| self.tag_view(t, tag))
            .collect()
    }
}
