//! Routes: the single source of truth for every page's public URL and
//! output file. A route is the URL path below the site's base path
//! (`2017/07/03/slug/`, `tags/`, `feed.xml`; the home page is empty).
//! Folders end in `/` and are written as `index.html` inside them.

use chrono::{Datelike, NaiveDate};

use crate::config::BaseUrl;

/// A page's location relative to the base path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Route(Box<str>);

impl Route {
    /// A route from its relative path (no leading `/`).
    pub(crate) fn new(rel: impl Into<Box<str>>) -> Route {
        Route(rel.into())
    }

    /// Its relative path.
    pub(crate) fn into_string(self) -> String {
        self.0.into_string()
    }

    /// `YYYY/MM/DD/<slug>/`
    pub(crate) fn article(day: NaiveDate, slug: &str) -> Route {
        use std::fmt::Write as _;
        // One allocation: every listing item's link is one.
        let mut s = String::with_capacity(12 + slug.len());
        let _ = write!(s, "{:04}/{:02}/{:02}/", day.year(), day.month(), day.day());
        s.push_str(slug);
        s.push('/');
        Route(s.into())
    }

    /// `/`, `/page/2/`, ...
    pub(crate) fn home(page: usize) -> Route {
        Route::new("").paged(page)
    }

    /// `YYYY/`
    pub(crate) fn year(year: i32, page: usize) -> Route {
        Route(format!("{year:04}/").into()).paged(page)
    }

    /// `YYYY/MM/`
    pub(crate) fn month(year: i32, month: u32, page: usize) -> Route {
        Route(format!("{year:04}/{month:02}/").into()).paged(page)
    }

    /// `YYYY/MM/DD/`
    pub(crate) fn day(day: NaiveDate, page: usize) -> Route {
        Route(format!("{:04}/{:02}/{:02}/", day.year(), day.month(), day.day()).into()).paged(page)
    }

    /// `tags/<slug>/`
    pub(crate) fn tag(slug: &str, page: usize) -> Route {
        Route(format!("tags/{slug}/").into()).paged(page)
    }

    /// `tags/`
    pub(crate) fn tags() -> Route {
        Route::new("tags/")
    }

    /// `feed.xml`
    pub(crate) fn feed() -> Route {
        Route::new("feed.xml")
    }

    /// `tags/<slug>/feed.xml`
    pub(crate) fn tag_feed(slug: &str) -> Route {
        Route(format!("tags/{slug}/feed.xml").into())
    }

    /// `sitemap.xml`
    pub(crate) fn sitemap() -> Route {
        Route::new("sitemap.xml")
    }

    /// `sitemap-N.xml`, a part of a split sitemap (1-based).
    pub(crate) fn sitemap_part(n: usize) -> Route {
        Route(format!("sitemap-{n}.xml").into())
    }

    /// `search/`
    pub(crate) fn search() -> Route {
        Route::new("search/")
    }

    /// `404.html`
    pub(crate) fn not_found() -> Route {
        Route::new("404.html")
    }

    /// Numbered page `k` (from 1) of the home listing: `page/k/` (with
    /// permanent pagination, page 1 is not the landing page).
    pub(crate) fn home_numbered(k: usize) -> Route {
        Route(format!("page/{k}/").into())
    }

    /// Numbered page `k` (from 1) of a keyword's listing.
    pub(crate) fn tag_numbered(slug: &str, k: usize) -> Route {
        Route(format!("tags/{slug}/page/{k}/").into())
    }

    /// Page `n` of a paginated listing: page 1 is the listing itself.
    fn paged(self, n: usize) -> Route {
        if n <= 1 {
            self
        } else {
            Route(format!("{}page/{n}/", self.0).into())
        }
    }

    /// The relative path, as stored.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The file this route is written to, relative to the output folder.
    pub(crate) fn output_path(&self) -> String {
        if self.0.is_empty() || self.0.ends_with('/') {
            format!("{}index.html", self.0)
        } else {
            self.0.to_string()
        }
    }

    /// The URL path used in links: `base.path` + route.
    pub(crate) fn url(&self, base: &BaseUrl) -> String {
        [base.path.as_str(), &self.0].concat()
    }

    /// The absolute URL (feeds, sitemap, canonical links). When the base URL
    /// is a bare path this is the URL path.
    pub(crate) fn permalink(&self, base: &BaseUrl) -> String {
        [base.origin.as_str(), &base.path, &self.0].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_files() {
        let d = NaiveDate::from_ymd_opt(2017, 7, 3).unwrap();
        assert_eq!(Route::article(d, "x").as_str(), "2017/07/03/x/");
        assert_eq!(
            Route::article(d, "x").output_path(),
            "2017/07/03/x/index.html"
        );
        assert_eq!(Route::home(1).output_path(), "index.html");
        assert_eq!(Route::home(2).as_str(), "page/2/");
        assert_eq!(Route::tag("a-b", 3).as_str(), "tags/a-b/page/3/");
        assert_eq!(Route::month(2017, 7, 1).as_str(), "2017/07/");
        assert_eq!(Route::feed().output_path(), "feed.xml");
        let base = BaseUrl::parse("https://x.org/archive/").unwrap();
        assert_eq!(Route::tags().url(&base), "/archive/tags/");
        assert_eq!(
            Route::tags().permalink(&base),
            "https://x.org/archive/tags/"
        );
    }
}
