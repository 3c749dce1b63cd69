//! The views of a story: `article` on its own page, an item of a listing,
//! a link to it, its keywords, its JSON-LD and its body.
//!
//! [`JsonLd`] and [`Content`] serialise a value computed when the page is
//! rendered; each hashes exactly what decides that value (see the module
//! header of `views`).

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Serialize, Serializer};

use super::formatted::{DayLink, Stamp, StampDisplay};
use super::{memo, Field, StoryText, Views};
use crate::diag::Diagnostic;
use crate::model::{Article, ArticleIdx, Bodies, Status};

/// A link to a story: its headline and URL.
#[derive(Hash, Serialize)]
pub(crate) struct StoryLink<'a> {
    pub(crate) title: &'a str,
    pub(crate) url: StoryText<'a>,
    /// The headline's language and direction, when the story says.
    pub(crate) language: Option<&'a str>,
    pub(crate) direction: Option<&'static str>,
}

/// A story's keywords, linked to their tag pages: serialised as the list of
/// [`TagLink`]s that [`TagLinks::iter`] yields (each made once per build, as
/// a Tera value: see `Views::tag_link`), and hashed as that same list
/// (without allocating one).
#[derive(Clone, Copy)]
pub(crate) struct TagLinks<'a> {
    views: &'a Views<'a>,
    i: ArticleIdx,
}

impl<'a> TagLinks<'a> {
    /// The links, in the order the keywords were written.
    pub(crate) fn iter(&self) -> impl Iterator<Item = TagLink<'a>> + 'a {
        let views = self.views;
        views
            .site
            .article_tags(self.i)
            .iter()
            .map(move |&t| views.tag_link_view(t))
    }
}

impl Hash for TagLinks<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.views.site.article_tags(self.i).len().hash(h);
        for link in self.iter() {
            link.hash(h);
        }
    }
}

impl Serialize for TagLinks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let views = self.views;
        s.collect_seq(
            views
                .site
                .article_tags(self.i)
                .iter()
                .map(|&t| views.tag_link(t)),
        )
    }
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

/// `article`: the story of an article page: everything its listing item
/// shows (headline, URL, dates, dateline, source, summary, keywords; the
/// same values, flattened into `article`), and more.
#[derive(Hash, Serialize)]
pub(crate) struct ArticleView<'a> {
    /// What a listing shows of the story.
    #[serde(flatten)]
    pub(crate) item: ItemRef<'a>,
    /// RFC 3339 date of its first version (its `date`).
    pub(crate) first_published: StoryText<'a>,
    /// The same, as readers are shown it.
    pub(crate) first_published_display: StoryText<'a>,
    /// RFC 3339 date of its newest version, or of its last correction.
    pub(crate) updated: Option<Stamp>,
    /// The same, as readers are shown it.
    pub(crate) updated_display: Option<StampDisplay>,
    /// Its versions, oldest first (a story of one version has one).
    pub(crate) versions: Vec<VersionView<'a>>,
    /// The correction notes of its versions, oldest first.
    pub(crate) corrections: Vec<CorrectionView<'a>>,
    /// Desk editor.
    pub(crate) editor: Option<&'a str>,
    /// Reporter.
    pub(crate) byline: Option<&'a str>,
    /// The agency's slugline (`US-Fed`).
    pub(crate) slugline: Option<&'a str>,
    /// Editorial urgency, 1 (flash) to 9.
    pub(crate) urgency: Option<u8>,
    /// Copyright notice, for the foot of the story.
    pub(crate) copyright: Option<&'a str>,
    /// Whom the agency asks to credit.
    pub(crate) credit: Option<&'a str>,
    /// Genres, by name.
    pub(crate) genres: &'a [String],
    /// The agency's own id for the story (ninjs `uri`, G2 `guid`, NITF
    /// `doc-id`).
    pub(crate) guid: Option<&'a str>,
    /// Absolute URL.
    pub(crate) permalink: StoryText<'a>,
    /// Body HTML (mark it `safe`).
    pub(crate) content: Content<'a>,
    /// The story's day page.
    pub(crate) day: DayLink<'a>,
    /// schema.org `NewsArticle` as JSON, safe inside `<script>`.
    pub(crate) json_ld: JsonLd<'a>,
}

/// A version of a story, as its page lists it.
#[derive(Hash, Serialize)]
pub(crate) struct VersionView<'a> {
    /// Its headline.
    pub(crate) title: &'a str,
    /// RFC 3339 time it was filed.
    pub(crate) date: Stamp,
    /// The same, as readers are shown it.
    pub(crate) date_display: StampDisplay,
    /// The agency's version number, when it gives one.
    pub(crate) number: Option<u32>,
    /// Whether it is a correction.
    pub(crate) correction: bool,
}

/// A correction, as a story's page shows it above the body.
#[derive(Hash, Serialize)]
pub(crate) struct CorrectionView<'a> {
    /// RFC 3339 time of the version that corrects.
    pub(crate) date: Stamp,
    /// The same, as readers are shown it.
    pub(crate) date_display: StampDisplay,
    /// The agency's note (may be empty: the agency marked the version a
    /// correction without one).
    pub(crate) note: &'a str,
}

/// `withdrawn`: what the notice at a killed story's URL says. Nothing of
/// the story's text: who withdrew it, and when.
#[derive(Hash, Serialize)]
pub(crate) struct WithdrawnView<'a> {
    /// The agency that withdrew it (may be empty).
    pub(crate) source: &'a str,
    /// RFC 3339 time of the kill.
    pub(crate) date: Stamp,
    /// The same, as readers are shown it.
    pub(crate) date_display: StampDisplay,
    /// The day it had been filed on, when other stories of that day are
    /// published.
    pub(crate) day: Option<DayLink<'a>>,
}

/// Story `i`'s listing item, as a page holds it: it serialises as [`Item`],
/// made when the page is rendered, and hashes as the hash of that very
/// item, worked out once per build (a story is listed on about six pages
/// and is its own page's `article`; hashing its item for each was most of a
/// fingerprint pass).
#[derive(Clone, Copy)]
pub(crate) struct ItemRef<'a> {
    pub(super) views: &'a Views<'a>,
    pub(super) i: ArticleIdx,
    /// Counted as a listing item when rendered (see `RenderStats`): not on
    /// the story's own page. Not part of the value.
    listed: bool,
}

impl Hash for ItemRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let views = self.views;
        memo(views.item_hashes.get(self.i), || {
            super::hash(&views.item(self.i))
        })
        .hash(h);
    }
}

impl Serialize for ItemRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.listed {
            self.views.listing_items.fetch_add(1, Ordering::Relaxed);
        }
        self.views.item(self.i).serialize(s)
    }
}

/// A story in a listing.
#[derive(Hash, Serialize)]
pub(crate) struct Item<'a> {
    /// Headline.
    pub(crate) title: &'a str,
    /// URL path.
    pub(crate) url: StoryText<'a>,
    /// RFC 3339 date.
    pub(crate) date: StoryText<'a>,
    /// Human date.
    pub(crate) date_display: StoryText<'a>,
    /// `BEIJING, July 3`.
    pub(crate) dateline: Option<&'a str>,
    /// Agency.
    pub(crate) source: &'a str,
    /// Summary.
    pub(crate) summary: &'a str,
    /// The copy's language (BCP 47), when it says: the `lang` of what shows
    /// its headline and text.
    pub(crate) language: Option<&'a str>,
    /// The writing direction of that language (`ltr`, `rtl`), when it says.
    pub(crate) direction: Option<&'static str>,
    /// Keywords.
    pub(crate) keywords: TagLinks<'a>,
}

/// schema.org `NewsArticle` for a story page, serialised as JSON that is
/// safe inside `<script>`. It is made only from its fields, all hashed.
/// It is made by [`json_ld`] from the story's item and its own fields,
/// which it hashes (the item as its hash).
#[derive(Hash)]
pub(crate) struct JsonLd<'a> {
    pub(crate) item: ItemRef<'a>,
    pub(crate) modified: StoryText<'a>,
    /// The reporter, else the publisher is the author.
    pub(crate) byline: Option<&'a str>,
    pub(crate) publisher: &'a str,
    pub(crate) copyright: Option<&'a str>,
    pub(crate) permalink: StoryText<'a>,
}

impl Serialize for JsonLd<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let item = self.item.views.item(self.item.i);
        s.serialize_str(&json_ld(&item, self))
    }
}

/// The JSON-LD of a story page, made from the story's item and the
/// JSON-LD's own fields only (what [`JsonLd`] hashes).
fn json_ld(item: &Item<'_>, ld: &JsonLd<'_>) -> String {
    let org = Agent {
        kind: "Organization",
        name: ld.publisher,
    };
    NewsArticle {
        context: "https://schema.org",
        kind: "NewsArticle",
        author: ld.byline.map_or(org, |name| Agent {
            kind: "Person",
            name,
        }),
        copyright: ld.copyright,
        modified: &ld.modified.text(),
        published: &item.date.text(),
        dateline: item.dateline,
        headline: item.title,
        language: item.language,
        keywords: item.keywords.iter().map(|k| k.name).collect(),
        main_entity: &ld.permalink.text(),
        publisher: org,
    }
    .to_script()
}

/// schema.org `NewsArticle`, as a story page gives it. Its fields are in
/// the byte order of their names, which the JSON keeps: the order a JSON
/// object of them had before (its keys sorted), so pages did not change.
#[derive(Serialize)]
struct NewsArticle<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    author: Agent<'a>,
    #[serde(rename = "copyrightNotice", skip_serializing_if = "Option::is_none")]
    copyright: Option<&'a str>,
    #[serde(rename = "dateModified")]
    modified: &'a str,
    #[serde(rename = "datePublished")]
    published: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dateline: Option<&'a str>,
    headline: &'a str,
    #[serde(rename = "inLanguage", skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    keywords: Vec<&'a str>,
    #[serde(rename = "mainEntityOfPage")]
    main_entity: &'a str,
    publisher: Agent<'a>,
}

/// A schema.org `Person` or `Organization`, by name.
#[derive(Serialize, Clone, Copy)]
struct Agent<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

impl NewsArticle<'_> {
    /// The JSON, safe inside `<script>` ([`script_safe`]).
    fn to_script(&self) -> String {
        // Strings and a list of strings: it cannot fail to serialise.
        script_safe(serde_json::to_string(self).unwrap_or_default())
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
        // The HTML is made from the text alone (its format says how).
        (self.article.format, self.article.source_hash).hash(h);
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
    /// A plain link to story `i`.
    pub(super) fn article_link(&self, i: ArticleIdx) -> StoryLink<'_> {
        let a = self.site.article(i);
        let language = a.extra().language.as_deref();
        StoryLink {
            title: &a.title,
            url: self.text(i, Field::Url),
            language,
            direction: language.map(crate::config::direction),
        }
    }

    /// `article` for story `i`.
    pub(super) fn article(&self, i: ArticleIdx) -> ArticleView<'_> {
        let a = self.site.article(i);
        let extra = a.extra();
        let item = ItemRef {
            views: self,
            i,
            listed: false,
        };
        // (headline, time, number, correction note) of each usable version.
        let versions: Vec<(&str, _, Option<u32>, Option<&str>)> = if a.versions().is_empty() {
            vec![(
                &a.title,
                a.modified(),
                extra.version,
                extra.correction.as_deref(),
            )]
        } else {
            a.versions()
                .iter()
                .filter(|v| v.status == Status::Usable)
                .map(|v| (v.title.as_str(), v.time, v.number, v.correction.as_deref()))
                .collect()
        };
        ArticleView {
            item,
            first_published: self.text(i, Field::Date),
            first_published_display: self.text(i, Field::DateDisplay),
            updated: a.updated.map(Stamp::from),
            updated_display: a.updated.map(|u| StampDisplay(Stamp::from(u))),
            versions: versions
                .iter()
                .map(|&(title, time, number, correction)| VersionView {
                    title,
                    date: Stamp::from(time),
                    date_display: StampDisplay(Stamp::from(time)),
                    number,
                    correction: correction.is_some(),
                })
                .collect(),
            corrections: versions
                .iter()
                .filter_map(|&(_, time, _, note)| {
                    Some(CorrectionView {
                        date: Stamp::from(time),
                        date_display: StampDisplay(Stamp::from(time)),
                        note: note?,
                    })
                })
                .collect(),
            editor: a.editor.as_deref(),
            byline: extra.byline.as_deref(),
            slugline: extra.slugline.as_deref(),
            urgency: extra.urgency,
            copyright: extra.copyright.as_deref(),
            credit: extra.credit.as_deref(),
            genres: &extra.genres,
            guid: extra.guid.as_deref(),
            permalink: self.text(i, Field::Permalink),
            content: self.content(a),
            day: DayLink {
                base: self.base(),
                day: a.day(),
            },
            json_ld: JsonLd {
                item,
                modified: self.text(i, Field::Modified),
                byline: extra.byline.as_deref(),
                publisher: if a.source.is_empty() {
                    &self.site.config().title
                } else {
                    &a.source
                },
                copyright: extra.copyright.as_deref(),
                permalink: self.text(i, Field::Permalink),
            },
        }
    }

    /// The notice at killed story `w`'s URL.
    pub(super) fn withdrawn(&self, w: usize) -> WithdrawnView<'_> {
        let a = &self.site.withdrawn()[w];
        WithdrawnView {
            source: &a.source,
            date: Stamp::from(a.modified()),
            date_display: StampDisplay(Stamp::from(a.modified())),
            day: (self.site.day(a.day()).len() > 0).then(|| DayLink {
                base: self.base(),
                day: a.day(),
            }),
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

    /// Story `i`'s listing item, as a listing page holds it.
    pub(super) fn item_ref(&self, i: ArticleIdx) -> ItemRef<'_> {
        ItemRef {
            views: self,
            i,
            listed: true,
        }
    }

    /// A listing item for story `i`.
    pub(super) fn item(&self, i: ArticleIdx) -> Item<'_> {
        let a = self.site.article(i);
        let language = a.extra().language.as_deref();
        Item {
            title: &a.title,
            url: self.text(i, Field::Url),
            date: self.text(i, Field::Date),
            date_display: self.text(i, Field::DateDisplay),
            dateline: a.dateline.as_deref(),
            source: &a.source,
            summary: &a.summary,
            language,
            direction: language.map(crate::config::direction),
            keywords: TagLinks { views: self, i },
        }
    }
}

/// `json` with what could end a `<script>` element or open a comment in it
/// (`<`, `>`, `&`) escaped, and the line separators that old JavaScript
/// cannot have in a string; most JSON has none, and comes back as it is.
fn script_safe(json: String) -> String {
    let risky = json.bytes().any(|b| matches!(b, b'<' | b'>' | b'&'))
        || json.contains(['\u{2028}', '\u{2029}']);
    if !risky {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
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
        let v =
            serde_json::json!({"headline": "</script><script>alert(1)</script> & <!--\u{2028}"});
        let s = script_safe(v.to_string());
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            script_safe("{\"a\":\"plain “quoted”\"}".into()),
            "{\"a\":\"plain “quoted”\"}"
        );
    }

    /// The JSON-LD as pages had it before [`NewsArticle`]: an object built
    /// value by value, its keys sorted.
    fn json_ld_as_a_value(ld: &NewsArticle<'_>) -> String {
        let org = serde_json::json!({ "@type": "Organization", "name": ld.publisher.name });
        let mut v = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": ld.headline,
            "datePublished": ld.published,
            "dateModified": ld.modified,
            "author": serde_json::json!({ "@type": ld.author.kind, "name": ld.author.name }),
            "publisher": org,
            "mainEntityOfPage": ld.main_entity,
            "keywords": ld.keywords,
        });
        if let Some(d) = ld.dateline {
            v["dateline"] = serde_json::Value::from(d);
        }
        if let Some(l) = ld.language {
            v["inLanguage"] = serde_json::Value::from(l);
        }
        if let Some(c) = ld.copyright {
            v["copyrightNotice"] = serde_json::Value::from(c);
        }
        script_safe(v.to_string())
    }

    proptest::proptest! {
        #[test]
        fn json_ld_is_what_the_value_gave(
            headline in "\\PC{0,40}",
            dateline in proptest::option::of("[A-Z, <>&\u{2028}\u{2029}\"\\\\]{0,20}"),
            language in proptest::option::of("[a-z]{2}(-[A-Z]{2})?"),
            copyright in proptest::option::of("\\PC{0,20}"),
            byline in proptest::option::of("\\PC{0,20}"),
            keywords in proptest::collection::vec("\\PC{0,12}", 0..4),
        ) {
            let publisher = Agent { kind: "Organization", name: "Xinhua & Co <wire>" };
            let ld = NewsArticle {
                context: "https://schema.org",
                kind: "NewsArticle",
                author: byline.as_deref().map_or(publisher, |name| Agent { kind: "Person", name }),
                copyright: copyright.as_deref(),
                modified: "2017-07-04T09:00:00+08:00",
                published: "2017-07-03T20:51:00+08:00",
                dateline: dateline.as_deref(),
                headline: &headline,
                language: language.as_deref(),
                keywords: keywords.iter().map(String::as_str).collect(),
                main_entity: "https://example.org/2017/07/03/a/",
                publisher,
            };
            proptest::prop_assert_eq!(ld.to_script(), json_ld_as_a_value(&ld));
        }
    }
}
