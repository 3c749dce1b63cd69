//! IPTC NITF (News Industry Text Format) 3.x and 2.5: a file whose root is
//! `nitf`, or the NITF inside a NewsML-G2 item's `inlineXML`.
//!
//! Read: `head/title`; `head/docdata` (`doc-id`, `urgency`, `date.issue`,
//! `date.release`, `doc.copyright`, `du-key`, `key-list/keyword`,
//! `identified-content/classifier`); `head/pubdata@date.publication` (the
//! New York Times corpus dates its stories there); `body.head`
//! (`hedline/hl1`, `byline`, `dateline`, `abstract`); `body.content`; and
//! `body.end/tagline`. Elements are matched by local name: NITF 3.x has a
//! namespace, 2.5 none.

use roxmltree::Node;

use super::markup::{self, Html};
use super::Item;

/// The `xml:` namespace, of `xml:lang`.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The first child element of `n` named `name`.
fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The child elements of `n` named `name`.
fn all<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The element at `path` below `n`.
fn at<'a, 'i>(n: Node<'a, 'i>, path: &[&str]) -> Option<Node<'a, 'i>> {
    path.iter().try_fold(n, |n, name| child(n, name))
}

/// All the text of `n`, whitespace collapsed (empty: `None`).
pub(crate) fn text_of(n: Node<'_, '_>) -> Option<String> {
    let t: String = n
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let t = markup::collapse(&t);
    (!t.is_empty()).then_some(t)
}

fn attr(n: Option<Node<'_, '_>>, name: &str) -> Option<String> {
    n?.attribute(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The story of a `nitf` element.
pub(crate) fn item(nitf: Node<'_, '_>) -> Item {
    Item {
        body: story_body(nitf),
        ..meta(nitf)
    }
}

/// The body of a `nitf` element's story: the deck (a second headline in
/// the hedline, the first thing the story says), then its `body`.
pub(crate) fn story_body(nitf: Node<'_, '_>) -> Option<Html> {
    let body = child(nitf, "body")?;
    let mut html = body_html(body);
    let hedline = child(body, "body.head").and_then(|h| child(h, "hedline"));
    if let Some(hedline) = hedline {
        let deck: String = all(hedline, "hl2")
            .filter_map(text_of)
            .map(|t| markup::heading(&t))
            .collect();
        html.html.insert_str(0, &deck);
    }
    Some(html)
}

/// What a `nitf` element tells of its story, all but the body (which a
/// NewsML-G2 item holding it renders itself).
pub(crate) fn meta(nitf: Node<'_, '_>) -> Item {
    let head = child(nitf, "head");
    let docdata = head.and_then(|h| child(h, "docdata"));
    let dd = |name: &str| docdata.and_then(|d| child(d, name));
    let body = child(nitf, "body");
    let body_head = body.and_then(|b| child(b, "body.head"));
    let bh = |path: &[&str]| body_head.and_then(|b| at(b, path));

    let mut keywords: Vec<String> = Vec::new();
    if let Some(d) = docdata {
        for list in all(d, "key-list") {
            keywords.extend(all(list, "keyword").filter_map(|k| attr(Some(k), "key")));
        }
        for ic in all(d, "identified-content") {
            keywords.extend(all(ic, "classifier").filter_map(text_of));
        }
    }
    let copyright = dd("doc.copyright").and_then(|c| {
        let holder = attr(Some(c), "holder")?;
        Some(match attr(Some(c), "year") {
            Some(y) => format!("Copyright {y} {holder}"),
            None => format!("Copyright {holder}"),
        })
    });
    Item {
        guid: attr(dd("doc-id"), "id-string"),
        headline: bh(&["hedline", "hl1"])
            .and_then(text_of)
            .or_else(|| head.and_then(|h| child(h, "title")).and_then(text_of)),
        first_created: attr(dd("date.issue"), "norm")
            .or_else(|| attr(dd("date.release"), "norm"))
            .or_else(|| attr(head.and_then(|h| child(h, "pubdata")), "date.publication")),
        version_created: attr(dd("date.release"), "norm").filter(|_| dd("date.issue").is_some()),
        source: attr(dd("doc.copyright"), "holder"),
        byline: bh(&["byline"]).and_then(text_of),
        dateline: bh(&["dateline"]).and_then(text_of),
        description: bh(&["abstract"]).and_then(text_of),
        keywords,
        language: nitf
            .attribute((XML_NS, "lang"))
            .or_else(|| nitf.attribute("lang"))
            .map(str::to_string),
        slugline: attr(dd("du-key"), "key"),
        urgency: attr(dd("urgency"), "ed-urg").and_then(|u| u.parse().ok()),
        copyright,
        version: attr(dd("du-key"), "version"),
        status: attr(docdata, "management-status"),
        correction: dd("correction").map(|c| {
            attr(Some(c), "info")
                .or_else(|| text_of(c))
                .unwrap_or_default()
        }),
        ..Item::default()
    }
}

/// The HTML of a `body`: its `body.content`, then `body.end`'s tagline.
/// When `body.content` has a `block class="full_text"` (the New York Times
/// Annotated Corpus), that block is the story: the corpus repeats its lead
/// paragraphs in blocks of their own before it.
pub(crate) fn body_html(body: Node<'_, '_>) -> Html {
    let content = child(body, "body.content");
    let full_text =
        content.and_then(|c| all(c, "block").find(|b| b.attribute("class") == Some("full_text")));
    let mut html = full_text
        .or(content)
        .map(markup::from_xml)
        .unwrap_or_default();
    if let Some(tagline) = at(body, &["body.end", "tagline"]).and_then(text_of) {
        let end = markup::from_text(&tagline);
        html.html.push_str(&end.html);
    }
    html
}

/// A body given as an NITF string (ninjs `body_nitf`): a whole `nitf`
/// document, or its `body.content` alone.
pub(crate) fn body_of_string(xml: &str) -> Html {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return markup::from_html(xml);
    };
    let root = doc.root_element();
    match root.tag_name().name() {
        "nitf" => child(root, "body").map(body_html).unwrap_or_default(),
        "body" => body_html(root),
        _ => markup::from_xml(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NITF: &str = r#"<?xml version="1.0"?>
<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/" xml:lang="de">
  <head>
    <title>Titel</title>
    <docdata>
      <doc-id id-string="dpa-123"/>
      <urgency ed-urg="2"/>
      <date.issue norm="20170703T175731+0200"/>
      <date.release norm="20170703T180000+0200"/>
      <doc.copyright holder="dpa" year="2017"/>
      <du-key key="Handel-Gespraeche"/>
      <key-list><keyword key="Handel"/><keyword key="China"/></key-list>
      <identified-content><classifier type="descriptor">Wirtschaft</classifier></identified-content>
    </docdata>
  </head>
  <body>
    <body.head>
      <hedline><hl1>Gespräche über   Handel</hl1></hedline>
      <byline>Von <person>Anna Schmidt</person>, <byttl>dpa</byttl></byline>
      <dateline><location>BERLIN</location>, <story.date>3. Juli</story.date></dateline>
      <abstract><p>Kurz gesagt.</p></abstract>
    </body.head>
    <body.content><p>Erster Absatz.</p><hl2>Zwischentitel</hl2><p>Zweiter.</p></body.content>
    <body.end><tagline>(Ende)</tagline></body.end>
  </body>
</nitf>"#;

    #[test]
    fn nitf_fields() {
        let doc = roxmltree::Document::parse(NITF).unwrap();
        let i = item(doc.root_element());
        assert_eq!(i.guid.as_deref(), Some("dpa-123"));
        assert_eq!(i.headline.as_deref(), Some("Gespräche über Handel"));
        assert_eq!(i.first_created.as_deref(), Some("20170703T175731+0200"));
        assert_eq!(i.version_created.as_deref(), Some("20170703T180000+0200"));
        assert_eq!(i.byline.as_deref(), Some("Von Anna Schmidt, dpa"));
        assert_eq!(i.dateline.as_deref(), Some("BERLIN, 3. Juli"));
        assert_eq!(i.description.as_deref(), Some("Kurz gesagt."));
        assert_eq!(i.keywords, ["Handel", "China", "Wirtschaft"]);
        assert_eq!(i.language.as_deref(), Some("de"));
        assert_eq!(i.slugline.as_deref(), Some("Handel-Gespraeche"));
        assert_eq!(i.urgency, Some(2));
        assert_eq!(i.copyright.as_deref(), Some("Copyright 2017 dpa"));
        assert_eq!(i.source.as_deref(), Some("dpa"));
        assert_eq!(
            i.body.unwrap().html,
            "<p>Erster Absatz.</p>\n<h2>Zwischentitel</h2>\n<p>Zweiter.</p>\n<p>(Ende)</p>\n"
        );
    }
}
