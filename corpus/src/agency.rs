//! The generated stories as agencies deliver them: NewsML-G2 items (body as
//! NITF in `inlineXML`) alone or several to a `newsMessage`, NITF documents,
//! and ninjs items (1.x, 2.x and 3.x spellings) alone or one a line in
//! `.jsonl` dumps, with picture items mixed in as real feeds have them.
//! Each function returns the text of one item; [`crate::generate`] decides
//! which go together in a file.

use std::fmt::Write as _;

use crate::{civil, Story, MONTHS};

/// `&`, `<`, `>` and `"` escaped for XML text and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` as a JSON string literal.
fn json(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// RFC 3339 time of `secs` after 2015-01-01 at +08:00.
fn rfc3339(secs: u64) -> String {
    let (y, mo, d, h, mi, se) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}+08:00")
}

/// The story's dateline, as its first paragraph opens.
fn dateline(s: &Story) -> String {
    let (_, mo, d, ..) = civil(s.secs);
    format!("{}, {} {d}", s.city, MONTHS[mo as usize - 1])
}

/// The first paragraph with its dateline, as the other formats have it.
fn lead(s: &Story) -> String {
    format!("{} ({}) -- {}", dateline(s), s.agency, s.paragraphs[0])
}

fn guid(s: &Story, i: usize) -> String {
    format!(
        "urn:newsml:{}:{i:07}",
        s.agency.to_ascii_lowercase().replace(' ', "")
    )
}

/// One story as a NITF 3.x document (the root of a `.xml` file, or the
/// content of a G2 `inlineXML`).
pub(crate) fn nitf(s: &Story, i: usize, standalone: bool) -> String {
    let (y, mo, d, h, mi, se) = civil(s.secs);
    let mut out = String::with_capacity(8192);
    out.push_str("<nitf xmlns=\"http://iptc.org/std/NITF/2006-10-18/\">");
    if standalone {
        let _ = write!(
            out,
            "\n<head>\n<title>{}</title>\n<docdata>\n<doc-id id-string=\"{}\"/>\n\
             <date.issue norm=\"{y:04}{mo:02}{d:02}T{h:02}{mi:02}{se:02}+0800\"/>\n\
             <doc.copyright holder=\"{}\"/>\n<key-list>",
            xml(&s.title),
            guid(s, i),
            xml(&s.agency)
        );
        for k in &s.keywords {
            let _ = write!(out, "<keyword key=\"{}\"/>", xml(k));
        }
        out.push_str("</key-list>\n</docdata>\n</head>");
    }
    out.push_str("\n<body>\n<body.head>");
    if standalone {
        let _ = write!(
            out,
            "<hedline><hl1>{}</hl1></hedline><byline>{}</byline><dateline>{}</dateline>",
            xml(&s.title),
            xml(&s.editor),
            xml(&dateline(s))
        );
    }
    out.push_str("</body.head>\n<body.content>\n");
    let _ = writeln!(out, "<p>{}</p>", xml(&lead(s)));
    for p in &s.paragraphs[1..] {
        let _ = writeln!(out, "<p>{}</p>", xml(p));
    }
    out.push_str("</body.content>\n</body>\n</nitf>");
    out
}

/// One story as a NewsML-G2 `newsItem` (without the XML declaration).
pub(crate) fn g2_item(s: &Story, i: usize) -> String {
    let mut out = String::with_capacity(9000);
    let _ = write!(
        out,
        "<newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\" guid=\"{}\" version=\"1\" \
         standard=\"NewsML-G2\" standardversion=\"2.29\" xml:lang=\"en\">\n\
         <rightsInfo><copyrightHolder><name>{a}</name></copyrightHolder>\
         <copyrightNotice>Copyright {y} {a}</copyrightNotice></rightsInfo>\n\
         <itemMeta>\n<itemClass qcode=\"ninat:text\"/>\n<provider><name>{a}</name></provider>\n\
         <versionCreated>{t}</versionCreated>\n<firstCreated>{t}</firstCreated>\n\
         <pubStatus qcode=\"stat:usable\"/>\n</itemMeta>\n<contentMeta>\n<urgency>4</urgency>\n\
         <located><name>{c}</name></located>\n<dateline>{dl}</dateline>\n<by>{by}</by>\n\
         <headline>{h}</headline>\n",
        guid(s, i),
        a = xml(&s.agency),
        y = civil(s.secs).0,
        t = rfc3339(s.secs),
        c = xml(&s.city),
        dl = xml(&dateline(s)),
        by = xml(&s.editor),
        h = xml(&s.title),
    );
    for k in &s.keywords {
        let _ = writeln!(out, "<keyword>{}</keyword>", xml(k));
    }
    out.push_str(
        "</contentMeta>\n<contentSet>\n<inlineXML contenttype=\"application/nitf+xml\">\n",
    );
    out.push_str(&nitf(s, i, false));
    out.push_str("\n</inlineXML>\n</contentSet>\n</newsItem>");
    out
}

/// A NewsML-G2 picture item, as feeds mix them in with text.
pub(crate) fn g2_picture(s: &Story, i: usize) -> String {
    format!(
        "<newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\" guid=\"{}:pic\" version=\"1\" \
         standard=\"NewsML-G2\" standardversion=\"2.29\">\n<itemMeta><itemClass \
         qcode=\"ninat:picture\"/><provider><name>{}</name></provider><versionCreated>{}\
         </versionCreated></itemMeta>\n<contentMeta><headline>{}</headline></contentMeta>\n\
         <contentSet><remoteContent href=\"https://photos.example.org/{i}.jpg\" \
         contenttype=\"image/jpeg\"/></contentSet>\n</newsItem>",
        guid(s, i),
        xml(&s.agency),
        rfc3339(s.secs),
        xml(&s.title)
    )
}

/// A `newsMessage` holding `items` (each from [`g2_item`] or
/// [`g2_picture`]).
pub(crate) fn g2_message(items: &[String]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <newsMessage xmlns=\"http://iptc.org/std/nar/2006-10-01/\">\n<header><sent>2025-01-01T00:00:00Z</sent></header>\n<itemSet>\n",
    );
    for item in items {
        out.push_str(item);
        out.push('\n');
    }
    out.push_str("</itemSet>\n</newsMessage>\n");
    out
}

/// One story as a ninjs item on one line, in the spelling of `version`
/// (1, 2 or 3).
pub(crate) fn ninjs(s: &Story, i: usize, version: u8) -> String {
    let mut body = format!("<p>{}</p>", xml(&lead(s)));
    for p in &s.paragraphs[1..] {
        let _ = write!(body, "<p>{}</p>", xml(p));
    }
    let keywords: Vec<String> = s.keywords.iter().map(|k| json(k)).collect();
    let t = json(&rfc3339(s.secs));
    let (uri, headline, agency) = (json(&guid(s, i)), json(&s.title), json(&s.agency));
    let (city, by) = (json(&dateline(s)), json(&s.editor));
    match version {
        1 => {
            let subjects: Vec<String> = s
                .keywords
                .iter()
                .map(|k| format!("{{\"name\":{}}}", json(k)))
                .collect();
            format!(
                "{{\"uri\":{uri},\"type\":\"text\",\"version\":\"1\",\"firstcreated\":{t},\
                 \"versioncreated\":{t},\"pubstatus\":\"usable\",\"language\":\"en\",\
                 \"headline\":{headline},\"byline\":{by},\"located\":{city},\
                 \"copyrightholder\":{agency},\"body_html\":{},\"subject\":[{}]}}",
                json(&body),
                subjects.join(",")
            )
        }
        // 2.x and 3.x differ in spelling: 3.x writes camelCase.
        v => {
            let [first, version_created, status, holder, content_type] = if v == 2 {
                [
                    "firstcreated",
                    "versioncreated",
                    "pubstatus",
                    "copyrightholder",
                    "contenttype",
                ]
            } else {
                [
                    "firstCreated",
                    "versionCreated",
                    "pubStatus",
                    "copyrightHolder",
                    "contentType",
                ]
            };
            format!(
                "{{\"uri\":{uri},\"type\":\"text\",\"version\":\"{v}\",\"{first}\":{t},\
                 \"{version_created}\":{t},\"{status}\":\"usable\",\"language\":\"en\",\
                 \"headlines\":[{{\"role\":\"main\",\"value\":{headline}}}],\"by\":{by},\
                 \"located\":{city},\"{holder}\":{agency},\"bodies\":[{{\"role\":\"main\",\
                 \"{content_type}\":\"text/html\",\"value\":{}}}],\"keywords\":[{}]}}",
                json(&body),
                keywords.join(",")
            )
        }
    }
}

/// A ninjs picture item on one line.
pub(crate) fn ninjs_picture(s: &Story, i: usize) -> String {
    format!(
        "{{\"uri\":{},\"type\":\"picture\",\"versioncreated\":{},\"headline\":{},\
         \"renditions\":{{\"original\":{{\"href\":\"https://photos.example.org/{i}.jpg\"}}}}}}",
        json(&format!("{}:pic", guid(s, i))),
        json(&rfc3339(s.secs)),
        json(&s.title)
    )
}
