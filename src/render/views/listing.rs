//! The views of listing pages: `paginator` (one page of a listing's
//! stories, with links to its other pages), `index` (what a home or dated
//! page is about), `tag` and `tags`.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::format::{day_label, month_label, month_name};
use super::story::{Item, Link};
use super::Views;
use crate::model::Route;
use crate::plan::{self, PageKind};

/// Pages shown on each side of the current one.
const WINDOW: usize = 3;

/// A numbered page link in the paginator's window.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

/// `paginator`: one page of a listing.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct Paginator<'a> {
    /// This page's stories.
    items: Vec<Item<'a>>,
    /// 1-based page number.
    current: usize,
    total_pages: usize,
    /// Stories in the whole listing.
    total_items: usize,
    previous: Option<String>,
    next: Option<String>,
    first: String,
    last: String,
    /// A window of page links around the current page (never all of them).
    pages: Vec<PageLink>,
}

/// A period below an index (a year's months, a month's days).
#[derive(Debug, Hash, Serialize)]
pub(crate) struct Period {
    /// `July`, `3`, `2017`.
    label: String,
    url: String,
    /// Stories in it.
    count: usize,
}

/// `index`: what a home or dated index page is about.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct IndexView<'a> {
    /// `home`, `year`, `month` or `day`.
    kind: &'static str,
    /// `2017`, `July 2017`, `July 3, 2017`; the site title at home.
    title: Cow<'a, str>,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    /// The enclosing period.
    up: Option<Link<'a>>,
    /// The previous period that has stories.
    previous: Option<Link<'a>>,
    /// The next period that has stories.
    next: Option<Link<'a>>,
    /// Sub-periods with counts (home: years; year: months; month: days).
    children: Vec<Period>,
}

/// `tag`: the keyword of a tag page (and an entry of `tags`).
#[derive(Debug, Hash, Serialize)]
pub(crate) struct TagView<'a> {
    name: &'a str,
    slug: &'a str,
    url: &'a str,
    feed_url: String,
    /// Number of stories.
    count: usize,
}

impl Views<'_> {
    /// `paginator` for a listing page.
    pub(super) fn paginator(&self, kind: &PageKind) -> Paginator<'_> {
        let per = self.site.config().per_page;
        let list = kind.listing(self.site);
        let n = kind.page_number().unwrap_or(1);
        let total_pages = plan::page_count(list.len(), per);
        let url = |k: usize| kind.with_page(k).route(self.site).url(self.base());
        let lo = n.saturating_sub(WINDOW).max(1);
        let hi = (n + WINDOW).min(total_pages);
        Paginator {
            items: plan::page_slice(list, per, n)
                .iter()
                .map(|i| self.item(i))
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
    pub(super) fn index(&self, kind: &PageKind) -> IndexView<'_> {
        let s = self.site;
        let b = self.base();
        let link = |title: String, r: Route| Link {
            title: Cow::Owned(title),
            url: Cow::Owned(r.url(b)),
        };
        let mut v = IndexView {
            kind: "home",
            title: Cow::Borrowed(&s.config().title),
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
                v.title = Cow::Owned(y.to_string());
                v.year = Some(y);
                v.up = Some(link(s.config().title.clone(), Route::home(1)));
                let yl = |(&p, _): (&i32, _)| link(p.to_string(), Route::year(p, 1));
                v.previous = s.years().range(..y).next_back().map(yl);
                v.next = s.years().range(y + 1..).next().map(yl);
                v.children = s
                    .months()
                    .range((y, 1)..=(y, 12))
                    .map(|(&(y, m), l)| Period {
                        label: month_name(m).to_string(),
                        url: Route::month(y, m, 1).url(b),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Month(y, m, _) => {
                v.kind = "month";
                v.title = Cow::Owned(month_label(y, m));
                (v.year, v.month) = (Some(y), Some(m));
                v.up = Some(link(y.to_string(), Route::year(y, 1)));
                let ml =
                    |(&(y, m), _): (&(i32, u32), _)| link(month_label(y, m), Route::month(y, m, 1));
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
                        label: d.day().to_string(),
                        url: Route::day(d, 1).url(b),
                        count: l.len(),
                    })
                    .collect();
            }
            PageKind::Day(d, _) => {
                v.kind = "day";
                v.title = Cow::Owned(day_label(d));
                (v.year, v.month, v.day) = (Some(d.year()), Some(d.month()), Some(d.day()));
                v.up = Some(link(
                    month_label(d.year(), d.month()),
                    Route::month(d.year(), d.month(), 1),
                ));
                let dl = |(&k, _): (&NaiveDate, _)| link(day_label(k), Route::day(k, 1));
                v.previous = s.days().range(..d).next_back().map(dl);
                v.next = d
                    .succ_opt()
                    .and_then(|n| s.days().range(n..).next())
                    .map(dl);
            }
            _ => {
                v.children = s
                    .years()
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
    pub(super) fn tag(&self, slug: &str) -> Option<TagView<'_>> {
        let (slug, tag) = self.site.tags().get_key_value(slug)?;
        Some(TagView {
            name: &tag.name,
            slug,
            url: self.tag_urls.get(slug.as_str()).map_or("", String::as_str),
            feed_url: Route::tag_feed(slug).url(self.base()),
            count: tag.articles.len(),
        })
    }

    /// `tags`: every keyword with its count, by slug.
    pub(super) fn tags(&self) -> Vec<TagView<'_>> {
        self.site
            .tags()
            .keys()
            .filter_map(|s| self.tag(s))
            .collect()
    }
}
