//! IPTC NewsML-G2: a `newsItem`, or a `newsMessage` whose `itemSet` holds
//! several items (each a story; package, concept, knowledge and planning
//! items are counted and skipped, like news items whose `itemClass` is not
//! text).
//!
//! Read, by local name within the G2 namespace (agencies bind it to any
//! prefix, or to none; elements of their own namespaces are ignored):
//! `newsItem@guid`, `@xml:lang`; `itemMeta` (`itemClass`, `provider`,
//! `firstCreated`, `versionCreated`); `contentMeta` (`headline`, the main
//! one of several; `slugline`, `dateline`, `located`, `by`, `description`,
//! `subject/name`, `keyword`, `language`, `urgency`); `rightsInfo`
//! (`copyrightNotice`, `copyrightHolder/name`); and the body from
//! `contentSet`: `inlineXML` holding NITF or XHTML, or `inlineData` holding
//! plain text or HTML.

use roxmltree::{Document, Node};

use super::markup::{self, Html};
use super::nitf::{self, text_of, XML_NS};
use super::{is_correction_code, item_kind, Item, Parsed};
use crate::load::frontmatter::Located;

/// The NewsML-G2 namespace.
pub(crate) const NS: &str = "http://iptc.org/std/nar/2006-10-01/";

/// Whether `n` is the G2 element `name` (a file that leaves the namespace
/// out is read too).
fn is(n: Node<'_, '_>, name: &str) -> bool {
    n.is_element()
        && n.tag_name().name() == name
        && n.tag_name().namespace().is_none_or(|ns| ns == NS)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(*c, name))
}

fn all<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is(*c, name))
}

/// The 1-based line and column where `n` starts.
fn pos(doc: &Document<'_>, n: Node<'_, '_>) -> (usize, usize) {
    let p = doc.text_pos_at(n.range().start);
    (p.row as usize, p.col as usize)
}

/// Reads a document whose root is `newsItem` or `newsMessage`.
pub(crate) fn parse(doc: &Document<'_>) -> Parsed {
    let mut out = Parsed::default();
    let root = doc.root_element();
    if is(root, "newsItem") {
        news_item(doc, root, &mut out);
        return out;
    }
    let Some(set) = child(root, "itemSet") else {
        let (line, column) = pos(doc, root);
        out.errors.push(Located {
            line,
            column: Some(column),
            message: "a newsMessage without an itemSet: expected its items in <itemSet>".into(),
        });
        return out;
    };
    for n in set.children().filter(|c| c.is_element()) {
        if is(n, "newsItem") {
            news_item(doc, n, &mut out);
        } else if let Some(kind) = item_kind(n.tag_name().name()) {
            out.skipped.push(kind);
        }
    }
    out
}

fn news_item(doc: &Document<'_>, n: Node<'_, '_>, out: &mut Parsed) {
    let meta = child(n, "itemMeta");
    let class = meta
        .and_then(|m| child(m, "itemClass"))
        .and_then(|c| c.attribute("qcode").or_else(|| c.attribute("uri")));
    if let Some(kind) = class.and_then(item_kind) {
        out.skipped.push(kind);
        return;
    }
    let (line, column) = pos(doc, n);
    let content = child(n, "contentMeta");
    let cm = |name: &str| content.and_then(|c| child(c, name)).and_then(text_of);
    let im = |name: &str| meta.and_then(|m| child(m, name)).and_then(text_of);
    let rights = child(n, "rightsInfo");
    let language = n
        .attribute((XML_NS, "lang"))
        .or_else(|| {
            content
                .and_then(|c| child(c, "language"))
                .and_then(|l| l.attribute("tag"))
        })
        .map(str::to_string);

    let mut keywords: Vec<String> = Vec::new();
    if let Some(c) = content {
        keywords.extend(all(c, "keyword").filter_map(text_of));
        keywords.extend(all(c, "subject").filter_map(|s| name_of(s, language.as_deref())));
    }
    let body = child(n, "contentSet").and_then(body);
    let nitf = body.as_ref().and_then(|b| b.nitf);
    let mut item = Item {
        line,
        column,
        guid: n.attribute("guid").map(str::to_string),
        headline: content.and_then(main_headline),
        first_created: im("firstCreated").or_else(|| cm("contentCreated")),
        version_created: im("versionCreated"),
        embargo: im("embargoed"),
        source: meta
            .and_then(|m| child(m, "provider"))
            .and_then(|p| name_of(p, language.as_deref()))
            .or_else(|| {
                rights
                    .and_then(|r| child(r, "copyrightHolder"))
                    .and_then(|h| name_of(h, language.as_deref()))
            }),
        byline: cm("by"),
        dateline: cm("dateline").or_else(|| {
            content
                .and_then(|c| child(c, "located"))
                .and_then(|l| name_of(l, language.as_deref()))
        }),
        description: content.and_then(|c| {
            let d: Vec<Node<'_, '_>> = all(c, "description").collect();
            d.iter()
                .find(|d| d.attribute("role").is_some_and(|r| r.ends_with("summary")))
                .or(d.first())
                .and_then(|d| text_of(*d))
        }),
        keywords,
        slugline: cm("slugline"),
        credit: cm("creditline"),
        genres: content
            .map(|c| {
                all(c, "genre")
                    .filter_map(|g| all(g, "name").next().and_then(text_of))
                    .collect()
            })
            .unwrap_or_default(),
        urgency: cm("urgency").and_then(|u| u.parse().ok()),
        copyright: rights
            .and_then(|r| child(r, "copyrightNotice"))
            .and_then(text_of),
        body: body.map(|b| b.html),
        version: n.attribute("version").map(str::to_string),
        status: meta
            .and_then(|m| child(m, "pubStatus"))
            .and_then(|p| p.attribute("qcode").or_else(|| p.attribute("uri")))
            .map(str::to_string),
        correction: meta.and_then(correction),
        language,
    };
    // What the NITF inside knows and the G2 metadata does not say.
    if let Some(inner) = nitf {
        fill(&mut item, inner);
    }
    out.items.push(item);
}

/// The correction note of an item the agency marks as a correction: an
/// `edNote` with a correction role, or a `signal` with a correction code
/// (its note, then, is the first `edNote`, or none).
fn correction(meta: Node<'_, '_>) -> Option<String> {
    let code = |n: &Node<'_, '_>, attr: &str| n.attribute(attr).is_some_and(is_correction_code);
    let note = |n: Node<'_, '_>| text_of(n).unwrap_or_default();
    if let Some(n) = all(meta, "edNote").find(|n| code(n, "role")) {
        return Some(note(n));
    }
    all(meta, "signal")
        .any(|s| code(&s, "qcode") || code(&s, "uri"))
        .then(|| all(meta, "edNote").next().map(note).unwrap_or_default())
}

/// Of several headlines, the main one: role `main` (`hltype:main`), else
/// one without a role, else the first.
fn main_headline(content: Node<'_, '_>) -> Option<String> {
    let all: Vec<Node<'_, '_>> = all(content, "headline").collect();
    fn role<'a>(n: &Node<'a, '_>) -> Option<&'a str> {
        n.attribute("role")
    }
    all.iter()
        .find(|h| role(h).is_some_and(|r| r == "main" || r.ends_with(":main")))
        .or_else(|| all.iter().find(|h| role(h).is_none()))
        .or(all.first())
        .and_then(|h| text_of(*h))
}

/// The name of a concept (`subject`, `provider`, `located`): its `name`
/// in the item's language, else its first `name`, else the code of its
/// `qcode` (`nprov:REUTERS` gives `REUTERS`) or its `literal`.
fn name_of(n: Node<'_, '_>, lang: Option<&str>) -> Option<String> {
    let names: Vec<Node<'_, '_>> = all(n, "name").collect();
    let in_lang = lang.and_then(|l| {
        names.iter().find(|nm| {
            nm.attribute((XML_NS, "lang"))
                .is_some_and(|x| x.eq_ignore_ascii_case(l))
        })
    });
    in_lang
        .or(names.first())
        .and_then(|nm| text_of(*nm))
        .or_else(|| {
            n.attribute("literal")
                .or_else(|| n.attribute("qcode").and_then(|q| q.split(':').nth(1)))
                .map(str::to_string)
        })
}

/// A G2 body, and the NITF it came in (whose metadata fills the gaps).
struct Body<'a, 'i> {
    html: Html,
    nitf: Option<Node<'a, 'i>>,
}

/// The body of a `contentSet`: its first `inlineXML` or `inlineData`.
fn body<'a, 'i>(set: Node<'a, 'i>) -> Option<Body<'a, 'i>> {
    let c = set
        .children()
        .find(|c| is(*c, "inlineXML") || is(*c, "inlineData"))?;
    let ct = c
        .attribute("contenttype")
        .unwrap_or("")
        .to_ascii_lowercase();
    if c.tag_name().name() == "inlineData" {
        let text: String = c.children().filter_map(|t| t.text()).collect();
        let html = if ct.contains("html") {
            markup::from_html(&text)
        } else {
            markup::from_text(&text)
        };
        return Some(Body { html, nitf: None });
    }
    let inner = c.children().find(|e| e.is_element())?;
    Some(match inner.tag_name().name() {
        "nitf" => Body {
            html: nitf::story_body(inner).unwrap_or_default(),
            nitf: Some(inner),
        },
        // XHTML: the page's body.
        "html" => Body {
            html: inner
                .children()
                .find(|b| b.is_element() && b.tag_name().name() == "body")
                .map(markup::from_xml)
                .unwrap_or_default(),
            nitf: None,
        },
        _ => Body {
            html: markup::from_xml(c),
            nitf: None,
        },
    })
}

/// Fills what `item` lacks from the NITF of its body.
fn fill(item: &mut Item, nitf: Node<'_, '_>) {
    let n = nitf::meta(nitf);
    let fill = |a: &mut Option<String>, b: Option<String>| {
        if a.is_none() {
            *a = b;
        }
    };
    fill(&mut item.headline, n.headline);
    fill(&mut item.byline, n.byline);
    fill(&mut item.dateline, n.dateline);
    fill(&mut item.description, n.description);
    fill(&mut item.first_created, n.first_created);
    fill(&mut item.copyright, n.copyright);
    fill(&mut item.language, n.language);
    fill(&mut item.version, n.version);
    fill(&mut item.status, n.status);
    fill(&mut item.correction, n.correction);
    if item.keywords.is_empty() {
        item.keywords = n.keywords;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<nar:newsMessage xmlns:nar="http://iptc.org/std/nar/2006-10-01/" xmlns:x="urn:agency:ext">
  <nar:header><nar:sent>2017-10-19T11:17:00Z</nar:sent></nar:header>
  <nar:itemSet>
    <nar:packageItem guid="pkg"/>
    <nar:newsItem guid="urn:newsml:reuters.com:1" version="2" xml:lang="en">
      <nar:itemMeta>
        <nar:itemClass qcode="ninat:text"/>
        <nar:provider qcode="nprov:REUTERS"><nar:name>Reuters</nar:name></nar:provider>
        <nar:versionCreated>2017-07-03T10:00:00Z</nar:versionCreated>
        <nar:firstCreated>2017-07-03T09:00:00Z</nar:firstCreated>
      </nar:itemMeta>
      <nar:contentMeta>
        <nar:headline role="hltype:short">Fed</nar:headline>
        <nar:headline role="hltype:main">Fed to halt QE</nar:headline>
        <x:headline>Not ours</x:headline>
        <nar:slugline>US-Fed</nar:slugline>
        <nar:located qcode="geo:1"><nar:name>Washington</nar:name></nar:located>
        <nar:by>By Ann Lee</nar:by>
        <nar:subject qcode="medtop:1"><nar:name xml:lang="de">Wirtschaft</nar:name><nar:name xml:lang="en">economy</nar:name></nar:subject>
        <nar:keyword>QE</nar:keyword>
        <nar:urgency>4</nar:urgency>
      </nar:contentMeta>
      <nar:contentSet>
        <nar:inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><p>WASHINGTON (Reuters) - The Fed <b>said</b>.</p></body></html></nar:inlineXML>
      </nar:contentSet>
    </nar:newsItem>
    <nar:newsItem guid="p1"><nar:itemMeta><nar:itemClass qcode="ninat:picture"/></nar:itemMeta></nar:newsItem>
    <nar:newsItem guid="t2">
      <nar:itemMeta><nar:itemClass qcode="ninat:text"/><nar:versionCreated>2017-07-04</nar:versionCreated></nar:itemMeta>
      <nar:contentMeta><nar:headline>Plain</nar:headline></nar:contentMeta>
      <nar:contentSet><nar:inlineData contenttype="text/plain">Line one
wraps.

Para two &amp; more.</nar:inlineData></nar:contentSet>
    </nar:newsItem>
  </nar:itemSet>
</nar:newsMessage>"#;

    #[test]
    fn a_message_gives_its_text_items() {
        let doc = Document::parse(MESSAGE).unwrap();
        let p = parse(&doc);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.skipped, ["package", "picture"]);
        assert_eq!(p.items.len(), 2);
        let a = &p.items[0];
        assert_eq!(a.line, 6);
        assert_eq!(a.guid.as_deref(), Some("urn:newsml:reuters.com:1"));
        assert_eq!(a.headline.as_deref(), Some("Fed to halt QE"));
        assert_eq!(a.source.as_deref(), Some("Reuters"));
        assert_eq!(a.first_created.as_deref(), Some("2017-07-03T09:00:00Z"));
        assert_eq!(a.dateline.as_deref(), Some("Washington"));
        assert_eq!(
            a.byline.as_deref(),
            Some("By Ann Lee"),
            "as written; the story drops the By"
        );
        assert_eq!(a.keywords, ["QE", "economy"]);
        assert_eq!(a.urgency, Some(4));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert_eq!(
            a.body.as_ref().unwrap().html,
            "<p>WASHINGTON (Reuters) - The Fed <strong>said</strong>.</p>\n"
        );
        let b = &p.items[1];
        assert_eq!(
            b.body.as_ref().unwrap().html,
            "<p>Line one wraps.</p>\n<p>Para two &amp; more.</p>\n"
        );
    }

    #[test]
    fn versions_statuses_and_corrections() {
        let item = |meta: &str| {
            let xml = format!(
                r#"<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="3"><itemMeta><itemClass qcode="ninat:text"/>{meta}</itemMeta><contentMeta><headline>H</headline></contentMeta></newsItem>"#
            );
            let doc = Document::parse(&xml).unwrap();
            parse(&doc).items.remove(0)
        };
        let i = item(r#"<pubStatus qcode="stat:canceled"/>"#);
        assert_eq!(i.version.as_deref(), Some("3"));
        assert_eq!(i.status.as_deref(), Some("stat:canceled"));
        assert_eq!(i.correction, None);
        // A note with a correction role is the correction.
        let i = item(
            r#"<edNote>For editors.</edNote><edNote role="dpaednoterole:correctionshort">Fixes the name.</edNote>"#,
        );
        assert_eq!(i.correction.as_deref(), Some("Fixes the name."));
        // A correction signal takes the first note, or none.
        let i = item(r#"<edNote>Fixes the toll.</edNote><signal qcode="sig:correction"/>"#);
        assert_eq!(i.correction.as_deref(), Some("Fixes the toll."));
        let i = item(r#"<signal uri="http://cv.iptc.org/newscodes/signal/correction"/>"#);
        assert_eq!(i.correction.as_deref(), Some(""));
        // An update is no correction, nor is a plain note.
        let i = item(r#"<edNote>Updates.</edNote><signal qcode="sig:update"/>"#);
        assert_eq!(i.correction, None);
    }
}
