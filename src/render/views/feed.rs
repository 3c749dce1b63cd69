//! The view of an Atom feed: the site's, or a keyword's, with its newest
//! `feed_limit` stories.

use std::sync::atomic::Ordering;

use serde::Serialize;

use super::format::rfc3339;
use super::story::Content;
use super::Views;
use crate::config::{BaseUrl, FeedContent};
use crate::model::Route;
use crate::plan::PageKind;

/// `feed`: an Atom feed.
#[derive(Hash, Serialize)]
pub(crate) struct FeedView<'a> {
    title: String,
    /// Atom id (an absolute IRI).
    id: String,
    self_url: String,
    /// The HTML page it mirrors.
    alternate: String,
    /// Newest story's date (RFC 3339), never the build time.
    updated: String,
    /// Newest first, at most `feed_limit`.
    entries: Vec<FeedEntry<'a>>,
}

/// An Atom entry.
#[derive(Hash, Serialize)]
pub(crate) struct FeedEntry<'a> {
    title: &'a str,
    id: String,
    url: String,
    /// RFC 3339 filing date.
    published: &'a str,
    /// RFC 3339 date of the last change.
    updated: String,
    /// Agency, else the site title.
    author: &'a str,
    summary: &'a str,
    /// Body HTML (escaped by the template into `type="html"`), when the
    /// site's `feed_content` is `full`.
    content: Option<Content<'a>>,
    /// Keywords: `term` is the slug, `label` the name.
    categories: Vec<Category<'a>>,
}

/// An Atom category.
#[derive(Hash, Serialize)]
pub(crate) struct Category<'a> {
    term: &'a str,
    label: &'a str,
}

impl Views<'_> {
    /// `feed` for the whole site (`tag` = None) or a keyword.
    pub(super) fn feed(&self, tag: Option<&str>) -> FeedView<'_> {
        let s = self.site;
        let b = self.base();
        let config = s.config();
        let (title, kind, self_route, html_route) = match tag {
            Some(slug) => (
                format!("{}: {}", config.title, s.tag_name(slug)),
                PageKind::TagFeed(slug.to_string()),
                Route::tag_feed(slug),
                Route::tag(slug, 1),
            ),
            None => (
                config.title.clone(),
                PageKind::Feed,
                Route::feed(),
                Route::home(1),
            ),
        };
        let list = kind.listing(s).slice(0..config.feed_limit);
        self.feed_entries.fetch_add(list.len(), Ordering::Relaxed);
        let updated = list
            .iter()
            .map(|i| s.article(i).modified())
            .max()
            .map_or_else(|| "1970-01-01T00:00:00+00:00".to_string(), |d| rfc3339(&d));
        let full = config.feed_content == FeedContent::Full;
        let entries = list
            .iter()
            .map(|i| {
                let a = s.article(i);
                let route = s.article_route(i);
                FeedEntry {
                    title: &a.title,
                    id: atom_id(b, &route),
                    url: route.permalink(b),
                    published: &self.strings(i).date,
                    updated: rfc3339(&a.modified()),
                    author: if a.source.is_empty() {
                        &config.title
                    } else {
                        &a.source
                    },
                    summary: &a.summary,
                    content: full.then(|| self.content(a)),
                    categories: s
                        .article_tags(i)
                        .iter()
                        .map(|t| Category {
                            term: t,
                            label: s.tag_name(t),
                        })
                        .collect(),
                }
            })
            .collect();
        FeedView {
            title,
            id: atom_id(b, &self_route),
            self_url: self_route.permalink(b),
            alternate: html_route.permalink(b),
            updated,
            entries,
        }
    }
}

/// An Atom id: the permalink when the base URL is absolute, else a URN
/// built from the route (an id must be an absolute IRI).
fn atom_id(base: &BaseUrl, route: &Route) -> String {
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
