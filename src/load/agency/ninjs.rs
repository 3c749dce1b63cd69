//! IPTC ninjs (News in JSON), versions 1.x, 2.x and 3.x: a `.json` file is
//! one item (or an array of items), a `.jsonl` / `.ndjson` file one item a
//! line, as API dumps come.
//!
//! The versions name things differently: 1.x has `headline`, `body_text`,
//! `body_html`, `byline`, `subject[]`, `description_text`; 2.x has arrays of
//! `{role, contenttype, value}` (`headlines`, `bodies`, `descriptions`),
//! `by`, `subjects[]`, `keywords[]`, `places[]`; 3.x spells some names in
//! camelCase (`versionCreated`, `pubStatus`, `copyrightNotice`,
//! `contentType`). Each field is read by every name it has had; the first
//! found wins.

use serde_json::{Map, Value};

use super::markup::{self, Html};
use super::{is_correction_code, item_kind, Item, Parsed};
use crate::load::frontmatter::Located;

/// Reads a `.json` file (`lines`: false) or a `.jsonl` file (`lines`: true).
pub(crate) fn parse(text: &str, lines: bool) -> Parsed {
    let mut out = Parsed::default();
    if lines {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => item(&v, n + 1, &mut out),
                Err(e) => out.errors.push(json_error(&e, n)),
            }
        }
        return out;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            for v in &items {
                item(v, 1, &mut out);
            }
        }
        Ok(v) => item(&v, 1, &mut out),
        Err(e) => out.errors.push(json_error(&e, 0)),
    }
    out
}

/// A JSON syntax error, at its line (`before` lines precede the item).
fn json_error(e: &serde_json::Error, before: usize) -> Located {
    // The message without serde_json's " at line L column C": the
    // diagnostic says where.
    let text = e.to_string();
    let what = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    Located {
        line: before + e.line(),
        column: Some(e.column()),
        message: format!("invalid JSON: {what}; expected a ninjs item (a JSON object)"),
    }
}

fn item(v: &Value, line: usize, out: &mut Parsed) {
    let Value::Object(o) = v else {
        out.errors.push(Located {
            line,
            column: Some(1),
            message: "expected a ninjs item (a JSON object)".to_string(),
        });
        return;
    };
    if let Some(kind) = str_of(o, &["type"]).as_deref().and_then(item_kind) {
        out.skipped.push(kind);
        return;
    }
    let guid = str_of(o, &["uri", "guid"]);
    let mut keywords = strings(o.get("keywords"));
    for key in ["subjects", "subject"] {
        keywords.extend(names(o.get(key)));
    }
    let item = Item {
        line,
        column: 1,
        headline: str_of(o, &["headline"]).or_else(|| main_value(o.get("headlines"))),
        first_created: str_of(o, &["firstcreated", "firstCreated"]),
        version_created: str_of(o, &["versioncreated", "versionCreated"]),
        embargo: str_of(o, &["embargoed"]),
        source: str_of(o, &["copyrightholder", "copyrightHolder"])
            .or_else(|| guid.as_deref().and_then(provider_of_uri)),
        byline: str_of(o, &["byline", "by"]),
        dateline: str_of(o, &["located"])
            .or_else(|| names(o.get("places").or(o.get("place"))).into_iter().next()),
        description: description(o),
        keywords,
        language: str_of(o, &["language"]),
        slugline: str_of(o, &["slugline"]),
        urgency: o.get("urgency").and_then(urgency),
        copyright: str_of(o, &["copyrightnotice", "copyrightNotice"]),
        genres: names(o.get("genre")),
        version: o.get("version").and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        status: str_of(o, &["pubstatus", "pubStatus"]),
        correction: correction(o),
        body: body(o),
        guid,
        ..Item::default()
    };
    out.items.push(item);
}

/// The correction note of an item that marks itself a correction: an
/// editor's note (`ednote`, or a list of them, `ednotes`) whose `role` is
/// a correction.
fn correction(o: &Map<String, Value>) -> Option<String> {
    ["ednote", "ednotes", "edNote", "edNotes"]
        .iter()
        .filter_map(|k| o.get(*k))
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        })
        .find(|n| {
            n.get("role")
                .and_then(Value::as_str)
                .is_some_and(is_correction_code)
        })
        .map(|n| {
            n.get("value")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
}

/// The first of `keys` whose value is a non-empty string.
fn str_of(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| o.get(*k)?.as_str())
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// A list of strings (or one string of comma-separated ones).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|k| k.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The `name`s of a list of objects (`subjects`, `places`).
fn names(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(a)) = v else {
        return Vec::new();
    };
    a.iter()
        .filter_map(|s| s.get("name")?.as_str())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Of a list of `{role, value}`, the main one: role `main` (or ending in
/// `:main`), else one with no role, else the first.
fn main_entry(v: Option<&Value>) -> Option<&Map<String, Value>> {
    let Some(Value::Array(a)) = v else {
        return None;
    };
    let entries: Vec<&Map<String, Value>> = a.iter().filter_map(Value::as_object).collect();
    let role = |e: &Map<String, Value>| e.get("role").and_then(Value::as_str).map(str::to_string);
    entries
        .iter()
        .find(|e| {
            role(e).is_some_and(|r| r == "main" || r.ends_with(":main") || r.ends_with("/main"))
        })
        .or_else(|| entries.iter().find(|e| role(e).is_none()))
        .or_else(|| entries.first())
        .copied()
}

fn main_value(v: Option<&Value>) -> Option<String> {
    main_entry(v)?
        .get("value")?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The content type of a `bodies` or `descriptions` entry.
fn content_type(e: &Map<String, Value>) -> String {
    str_of(e, &["contenttype", "contentType"])
        .unwrap_or_else(|| "text/plain".to_string())
        .to_ascii_lowercase()
}

/// Text or markup of a given content type, as HTML.
fn as_html(value: &str, content_type: &str) -> Html {
    if content_type.contains("nitf") {
        crate::load::agency::nitf::body_of_string(value)
    } else if content_type.contains("html") || content_type.contains("xml") {
        markup::from_html(value)
    } else {
        markup::from_text(value)
    }
}

/// The body: 1.x `body_html` (or `body_xhtml`, `body_nitf`, `body_text`),
/// else the main entry of 2.x/3.x `bodies`. Markup is preferred to text.
fn body(o: &Map<String, Value>) -> Option<Html> {
    for (key, ct) in [
        ("body_html", "text/html"),
        ("body_html5", "text/html"),
        ("body_xhtml", "application/xhtml+xml"),
        ("body_nitf", "application/nitf+xml"),
        ("body_text", "text/plain"),
    ] {
        if let Some(v) = o.get(key).and_then(Value::as_str) {
            return Some(as_html(v, ct));
        }
    }
    let entry = main_entry(o.get("bodies"))?;
    Some(as_html(entry.get("value")?.as_str()?, &content_type(entry)))
}

/// The summary: 1.x `description_text` (or `description_html`), else the
/// main entry of `descriptions`, as plain text.
fn description(o: &Map<String, Value>) -> Option<String> {
    if let Some(t) = str_of(o, &["description_text"]) {
        return Some(t);
    }
    if let Some(h) = str_of(o, &["description_html"]) {
        return Some(markup::from_html(&h).first_paragraph);
    }
    let entry = main_entry(o.get("descriptions"))?;
    let value = entry.get("value")?.as_str()?;
    let ct = content_type(entry);
    Some(if ct.contains("html") {
        markup::from_html(value).first_paragraph
    } else {
        markup::collapse(value)
    })
}

/// Urgency, a number from 1 to 9 (some send it as a string).
fn urgency(v: &Value) -> Option<u8> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The provider named by an item's URI: `urn:newsml:reuters.com:…`,
/// `tag:ap.org,2020:…`, `https://www.example.com/…`.
fn provider_of_uri(uri: &str) -> Option<String> {
    let name = if let Some(rest) = uri.strip_prefix("urn:newsml:") {
        rest.split(':').next()?
    } else if let Some(rest) = uri.strip_prefix("tag:") {
        rest.split([',', ':']).next()?
    } else if let Some(rest) = uri.strip_prefix("https://").or(uri.strip_prefix("http://")) {
        rest.split('/').next()?.trim_start_matches("www.")
    } else {
        return None;
    };
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ninjs_1_2_and_3_read_alike() {
        let v1 = r#"{"uri":"urn:newsml:ap.org:1","type":"text","headline":"Talks resume","firstcreated":"2017-07-03T09:00:00Z","versioncreated":"2017-07-03T10:00:00Z","byline":"Jo Ng","located":"BEIJING","body_html":"<p>First.</p><p>Second.</p>","description_text":"Short.","subject":[{"name":"Trade","code":"x"}],"language":"en","urgency":3,"copyrightnotice":"(c) AP"}"#;
        let v2 = r#"{"uri":"urn:newsml:ap.org:1","headlines":[{"role":"short","value":"Talks"},{"role":"main","value":"Talks resume"}],"firstcreated":"2017-07-03T09:00:00Z","versioncreated":"2017-07-03T10:00:00Z","by":"Jo Ng","located":"BEIJING","bodies":[{"role":"main","contenttype":"text/html","value":"<p>First.</p><p>Second.</p>"}],"descriptions":[{"value":"Short."}],"subjects":[{"name":"Trade"}],"language":"en","urgency":3,"copyrightnotice":"(c) AP"}"#;
        let v3 = r#"{"uri":"urn:newsml:ap.org:1","headlines":[{"value":"Talks resume"}],"firstCreated":"2017-07-03T09:00:00Z","versionCreated":"2017-07-03T10:00:00Z","by":"Jo Ng","located":"BEIJING","bodies":[{"contentType":"text/html","value":"<p>First.</p><p>Second.</p>"}],"descriptions":[{"value":"Short."}],"subjects":[{"name":"Trade"}],"language":"en","urgency":3,"copyrightNotice":"(c) AP"}"#;
        for json in [v1, v2, v3] {
            let p = parse(json, false);
            assert!(p.errors.is_empty(), "{:?}", p.errors);
            let i = &p.items[0];
            assert_eq!(i.headline.as_deref(), Some("Talks resume"), "{json}");
            assert_eq!(i.first_created.as_deref(), Some("2017-07-03T09:00:00Z"));
            assert_eq!(i.version_created.as_deref(), Some("2017-07-03T10:00:00Z"));
            assert_eq!(i.byline.as_deref(), Some("Jo Ng"));
            assert_eq!(i.dateline.as_deref(), Some("BEIJING"));
            assert_eq!(i.description.as_deref(), Some("Short."));
            assert_eq!(i.keywords, ["Trade"]);
            assert_eq!(i.copyright.as_deref(), Some("(c) AP"));
            assert_eq!(i.urgency, Some(3));
            assert_eq!(i.source.as_deref(), Some("ap.org"));
            assert_eq!(
                i.body.as_ref().unwrap().html,
                "<p>First.</p>\n<p>Second.</p>\n"
            );
        }
    }

    #[test]
    fn lines_pictures_and_errors() {
        let jsonl = "{\"uri\":\"a\",\"headline\":\"A\",\"versioncreated\":\"2017-01-01\"}\n\n{\"uri\":\"p\",\"type\":\"picture\"}\n{\"uri\":\"b\", oops}\n[1]\n";
        let p = parse(jsonl, true);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.skipped, ["picture"]);
        assert_eq!(p.errors.len(), 2);
        assert_eq!((p.errors[0].line, p.errors[0].column), (4, Some(13)));
        assert!(
            p.errors[0]
                .message
                .starts_with("invalid JSON: key must be a string"),
            "{}",
            p.errors[0].message
        );
        assert_eq!(p.errors[1].line, 5);
        assert_eq!(p.errors[1].message, "expected a ninjs item (a JSON object)");
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), lines in any::<bool>()) {
            let _ = parse(&s, lines);
        }

        /// Any JSON object parses to at most one item, or one error.
        #[test]
        fn objects_give_an_item_or_a_reason(v in any::<std::collections::BTreeMap<String, String>>()) {
            let json = serde_json::to_string(&v).unwrap();
            let p = parse(&json, false);
            prop_assert!(p.items.len() + p.skipped.len() + p.errors.len() == 1);
        }
    }
}
