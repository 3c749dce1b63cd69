//! The views of a story: `article` on its own page, an item of a listing,
//! a link to it, its keywords, its JSON-LD and its body.
//!
//! [`JsonLd`] and [`Content`] serialise a value computed when the page is
//! rendered; each hashes exactly what decides that value (see the module
//! header of `views`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Serialize, Serializer};

use super::{format, Views};
use crate::diag::Diagnostic;
use crate::model::{Article, ArticleIdx, Bodies, Route};

/// A link with a label.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct Link<'a> {
    /// Shown text.
    pub(crate) title: Cow<'a, str>,
    /// URL path.
    pub(crate) url: Cow<'a, str>,
}

/// A keyword as shown on a story.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct TagLink<'a> {
    /// Display name (the most frequent spelling).
    pub(crate) name: &'a str,
    /// Folded slug.
    pub(crate) slug: &'a str,
    /// Tag page URL.
    pub(crate) url: &'a str,
}

/// `article`: the story of an article page.
#[derive(Hash, Serialize)]
pub(crate) struct ArticleView<'a> {
    /// Headline.
    pub(crate) title: &'a str,
    /// RFC 3339 date with the story's offset.
    pub(crate) date: &'a str,
    /// Human date: `July 3, 2017 17:57 (+08:00)`.
    pub(crate) date_display: &'a str,
    /// RFC 3339 date of the last correction.
    pub(crate) updated: Option<String>,
    /// Agency.
    pub(crate) source: &'a str,
    /// Desk editor.
    pub(crate) editor: Option<&'a str>,
    /// Reporter.
    pub(crate) byline: Option<&'a str>,
    /// `BEIJING, July 3`.
    pub(crate) dateline: Option<&'a str>,
    /// Summary.
    pub(crate) summary: &'a str,
    /// Keywords, linked to their tag pages.
    pub(crate) keywords: Vec<TagLink<'a>>,
    /// URL path.
    pub(crate) url: &'a str,
    /// Absolute URL.
    pub(crate) permalink: String,
    /// Body HTML (mark it `safe`).
    pub(crate) content: Content<'a>,
    /// The story's day page.
    pub(crate) day: Link<'a>,
    /// schema.org `NewsArticle` as JSON, safe inside `<script>`.
    pub(crate) json_ld: JsonLd<'a>,
}

/// A story in a listing.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct Item<'a> {
    /// Headline.
    pub(crate) title: &'a str,
    /// URL path.
    pub(crate) url: &'a str,
    /// RFC 3339 date.
    pub(crate) date: &'a str,
    /// Human date.
    pub(crate) date_display: &'a str,
    /// `BEIJING, July 3`.
    pub(crate) dateline: Option<&'a str>,
    /// Agency.
    pub(crate) source: &'a str,
    /// Summary.
    pub(crate) summary: &'a str,
    /// Keywords.
    pub(crate) keywords: Vec<TagLink<'a>>,
}

/// schema.org `NewsArticle` for a story page, serialised as JSON that is
/// safe inside `<script>`. It is made only from its fields, all hashed.
#[derive(Debug, Hash)]
pub(crate) struct JsonLd<'a> {
    pub(crate) headline: &'a str,
    pub(crate) published: &'a str,
    pub(crate) modified: String,
    /// The reporter, else the publisher is the author.
    pub(crate) byline: Option<&'a str>,
    pub(crate) publisher: &'a str,
    pub(crate) permalink: String,
    pub(crate) keywords: Vec<&'a str>,
    pub(crate) dateline: Option<&'a str>,
}

impl Serialize for JsonLd<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let org = serde_json::json!({ "@type": "Organization", "name": self.publisher });
        let mut v = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.headline,
            "datePublished": self.published,
            "dateModified": self.modified,
            "author": match self.byline {
                Some(b) => serde_json::json!({ "@type": "Person", "name": b }),
                None => org.clone(),
            },
            "publisher": org,
            "mainEntityOfPage": self.permalink,
            "keywords": self.keywords,
        });
        if let Some(d) = self.dateline {
            v["dateline"] = serde_json::Value::from(d);
        }
        s.serialize_str(&script_safe_json(&v))
    }
}

thread_local! {
    /// Why the body being serialised on this thread could not be read: the
    /// renderer takes it, so the error names the story file and line.
    static BODY_ERROR: RefCell<Option<Diagnostic>> = const { RefCell::new(None) };
}

/// The diagnostic of the last body that failed to serialise on this thread.
pub(crate) fn take_body_error() -> Option<Diagnostic> {
    BODY_ERROR.with(|e| e.borrow_mut().take())
}

/// A story's body as a template receives it: HTML, which [`Bodies`] reads
/// and renders from the story file when the page is rendered. It hashes as
/// the file's content hash, which decides that HTML (with `unsafe_html`
/// from `site.yaml`, whose change rebuilds everything).
pub(crate) struct Content<'a> {
    pub(crate) article: &'a Article,
    pub(crate) bodies: &'a dyn Bodies,
    /// Counts bodies rendered (see `RenderStats`).
    pub(crate) rendered: &'a AtomicUsize,
}

impl Hash for Content<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (
            &self.article.path,
            self.article.format,
            self.article.source_hash,
        )
            .hash(h);
    }
}

impl Serialize for Content<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.rendered.fetch_add(1, Ordering::Relaxed);
        match self.bodies.html(self.article) {
            Ok(html) => s.serialize_str(&html),
            Err(d) => {
                let message = d.to_string();
                BODY_ERROR.with(|e| *e.borrow_mut() = Some(d));
                Err(serde::ser::Error::custom(message))
            }
        }
    }
}

impl<'s> Views<'s> {
    /// The keyword links of story `i`.
    pub(super) fn tag_links(&self, i: ArticleIdx) -> Vec<TagLink<'_>> {
        self.site
            .article_tags(i)
            .iter()
            .map(|slug| TagLink {
                name: self.site.tag_name(slug),
                slug,
                url: self.tag_urls.get(&**slug).map_or("", String::as_str),
            })
            .collect()
    }

    /// A plain link to story `i`.
    pub(super) fn article_link(&self, i: ArticleIdx) -> Link<'_> {
        Link {
            title: Cow::Borrowed(&self.site.article(i).title),
            url: Cow::Borrowed(&self.strings(i).url),
        }
    }

    /// `article` for story `i`.
    pub(super) fn article(&self, i: ArticleIdx) -> ArticleView<'_> {
        let a = self.site.article(i);
        let strings = self.strings(i);
        let permalink = format!("{}{}", self.base().origin, strings.url);
        let keywords = self.tag_links(i);
        let json_ld = JsonLd {
            headline: &a.title,
            published: &strings.date,
            modified: format::rfc3339(&a.modified()),
            byline: a.byline.as_deref(),
            publisher: if a.source.is_empty() {
                &self.site.config().title
            } else {
                &a.source
            },
            permalink: permalink.clone(),
            keywords: keywords.iter().map(|k| k.name).collect(),
            dateline: a.dateline.as_deref(),
        };
        ArticleView {
            title: &a.title,
            date: &strings.date,
            date_display: &strings.date_display,
            updated: a.updated.as_ref().map(format::rfc3339),
            source: &a.source,
            editor: a.editor.as_deref(),
            byline: a.byline.as_deref(),
            dateline: a.dateline.as_deref(),
            summary: &a.summary,
            keywords,
            url: &strings.url,
            permalink,
            content: self.content(a),
            day: Link {
                title: Cow::Owned(format::day_label(a.day())),
                url: Cow::Owned(Route::day(a.day(), 1).url(self.base())),
            },
            json_ld,
        }
    }

    /// The body of `a`, read when the page is rendered.
    pub(super) fn content(&self, a: &'s Article) -> Content<'_> {
        Content {
            article: a,
            bodies: self.bodies,
            rendered: &self.bodies_rendered,
        }
    }

    /// A listing item for story `i`.
    pub(super) fn item(&self, i: ArticleIdx) -> Item<'_> {
        self.listing_items.fetch_add(1, Ordering::Relaxed);
        let a = self.site.article(i);
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
}

/// JSON that cannot end a `<script>` element or open a comment in it.
pub(crate) fn script_safe_json(v: &serde_json::Value) -> String {
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
}
