//! The view of an Atom feed: the site's, or a keyword's, with its newest
//! `feed_limit` stories.

use std::hash::Hash;
use std::sync::atomic::Ordering;

use serde::{Serialize, Serializer};

use super::format::rfc3339;
use super::story::{Content, Item, ItemRef};
use super::{Field, StoryText, Views};
use crate::config::{BaseUrl, Config, FeedContent};
use crate::model::{ArticleIdx, Route};
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
    entries: Vec<EntryRef<'a>>,
}

/// Story `i`'s feed entry, as a feed holds it. Everything an entry shows
/// but its last change, its rights and its body is the story's listing
/// item's (the headline; the permalink and id, from its route; the
/// published date; the summary; the source as author; the language; the
/// keywords as categories), so it hashes as that item's hash (worked out
/// once per build) and its own fields.
#[derive(Hash)]
pub(crate) struct EntryRef<'a> {
    item: ItemRef<'a>,
    updated: StoryText<'a>,
    rights: Option<&'a str>,
    content: Option<Content<'a>>,
}

impl Serialize for EntryRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let views = self.item.views;
        views.feed_entries.fetch_add(1, Ordering::Relaxed);
        entry(&views.item(self.item.i), self, views.site.config()).serialize(s)
    }
}

/// A story's feed entry, made from its listing item, the entry's own
/// fields and the configuration only (what [`EntryRef`] hashes).
fn entry<'a>(item: &Item<'a>, own: &'a EntryRef<'a>, config: &'a Config) -> FeedEntry<'a> {
    let b = &config.base_url;
    FeedEntry {
        title: item.title,
        id: if b.origin.is_empty() {
            EntryId::Urn(atom_id(b, item.url.route()))
        } else {
            EntryId::Permalink(item.url.as_permalink())
        },
        url: item.url.as_permalink(),
        published: item.date,
        updated: own.updated,
        author: if item.source.is_empty() {
            &config.title
        } else {
            item.source
        },
        summary: item.summary,
        language: item.language,
        rights: own.rights,
        content: own.content.as_ref(),
        categories: item
            .keywords
            .iter()
            .map(|k| Category {
                term: k.slug,
                label: k.name,
            })
            .collect(),
    }
}

/// An Atom id: the story's permalink, or an URN when the base URL is a
/// bare path (an id must be an absolute IRI).
#[derive(Serialize)]
#[serde(untagged)]
enum EntryId<'a> {
    Permalink(StoryText<'a>),
    Urn(String),
}

/// An Atom entry.
#[derive(Serialize)]
struct FeedEntry<'a> {
    title: &'a str,
    id: EntryId<'a>,
    url: StoryText<'a>,
    /// RFC 3339 filing date.
    published: StoryText<'a>,
    /// RFC 3339 date of the last change.
    updated: StoryText<'a>,
    /// Agency, else the site title.
    author: &'a str,
    summary: &'a str,
    /// The copy's language (`xml:lang`), when it says.
    language: Option<&'a str>,
    /// Its copyright notice.
    rights: Option<&'a str>,
    /// Body HTML (escaped by the template into `type="html"`), when the
    /// site's `feed_content` is `full`.
    content: Option<&'a Content<'a>>,
    /// Keywords: `term` is the slug, `label` the name.
    categories: Vec<Category<'a>>,
}

/// An Atom category.
#[derive(Serialize)]
struct Category<'a> {
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
                format!(
                    "{}: {}",
                    config.title,
                    s.tag(slug).map_or(slug, |(_, t)| t.name.as_str())
                ),
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
        let updated = s
            .newest_among(list)
            .map_or_else(|| "1970-01-01T00:00:00+00:00".to_string(), |d| rfc3339(&d));
        FeedView {
            title,
            id: atom_id(b, &self_route),
            self_url: self_route.permalink(b),
            alternate: html_route.permalink(b),
            updated,
            entries: list.iter().map(|i| self.entry_ref(i)).collect(),
        }
    }
}

impl Views<'_> {
    /// Story `i`'s feed entry, as a feed holds it.
    pub(super) fn entry_ref(&self, i: ArticleIdx) -> EntryRef<'_> {
        let full = self.site.config().feed_content == FeedContent::Full;
        EntryRef {
            item: self.item_ref(i),
            updated: self.text(i, Field::Modified),
            rights: self.site.article(i).extra().copyright.as_deref(),
            content: full.then(|| self.content(self.site.article(i))),
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
