//! Agency markup to safe HTML: sanitized, never trusted.
//!
//! A body keeps its structure (paragraphs, subheads, lists, tables,
//! emphasis, quotes, `http`/`https`/`mailto` links) and every word of its
//! text, and loses everything executable or styled: scripts, styles,
//! frames, objects, forms, event attributes, `javascript:` links, inline
//! styles, classes.
//!
//! - Markup that arrives as XML (NITF `body.content`, XHTML in G2's
//!   `inlineXML`, and an HTML string that happens to be well-formed XML) is
//!   rebuilt element by element ([`from_xml`]): a known element becomes its
//!   HTML equivalent, an unknown one gives its text, text is escaped, and
//!   no attribute but a checked `href` and a table cell's span is kept.
//! - An HTML string that is not XML (`&nbsp;`, unclosed `<p>`) goes through
//!   ammonia, the field's sanitizer, with the same allowlist.
//!
//! The rebuilt HTML is held to ammonia: a property test checks that
//! ammonia changes nothing in it, so the fast path (a fifth of ammonia's
//! cost) is never less strict than the sanitizer.

use std::collections::HashSet;
use std::sync::OnceLock;

use roxmltree::{Node, NodeType};

/// A body as HTML, with the text of its first paragraph (the summary when
/// the agency gives none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Html {
    pub(crate) html: String,
    pub(crate) first_paragraph: String,
}

/// Elements kept, as themselves (HTML names).
const KEPT: &[&str] = &[
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "pre",
    "code",
    "br",
    "hr",
    "em",
    "strong",
    "q",
    "sub",
    "sup",
    "cite",
    "abbr",
    "a",
];

/// Elements dropped with everything in them: code, styling, frames,
/// embedded media and the parts of forms (their text is no story's). An
/// `object`'s content is the text shown in its place: it is kept, without
/// the element.
const DROPPED: &[&str] = &[
    "script", "style", "template", "head", "title", "iframe", "frame", "frameset", "embed", "svg",
    "math", "canvas", "audio", "video", "noscript", "select", "option", "textarea", "button",
    "input", "media", "img", "link", "meta", "base",
];

/// The HTML an element of NITF or (X)HTML becomes: `Some(name)` for an
/// element kept, `None` for one whose content is kept without it.
fn html_name(local: &str) -> Option<&'static str> {
    let lower = local.to_ascii_lowercase();
    let name = match lower.as_str() {
        // NITF's subheads and quotes; headings below the page's own <h1>.
        "hl1" | "hl2" | "h1" => "h2",
        "bq" => "blockquote",
        "b" => "strong",
        "i" => "em",
        // NITF's tagline, and the credit of a quote (`bq`).
        "tagline" | "credit" => "p",
        other => return KEPT.iter().copied().find(|k| *k == other),
    };
    Some(name)
}

/// Phrasing elements: text-level markup, allowed inside a paragraph.
fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "em" | "strong" | "q" | "sub" | "sup" | "cite" | "abbr" | "a" | "code" | "br"
    )
}

/// What may stand where the writer is (a small part of HTML's content
/// model, so that an HTML parser, the sanitizer's included, reads the
/// output as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Flow content: blocks and text (the body, a quote, a list item, a cell).
    Block,
    /// Phrasing content only (a paragraph, a heading, a caption): a block
    /// found here gives its content, not itself.
    Inline,
    /// Inside `ul` or `ol`: list items; anything else is made one.
    List,
    /// Inside `table`: a caption, sections and rows.
    Table,
    /// Inside `thead`, `tbody` or `tfoot`: rows.
    Rows,
    /// Inside `tr`: cells; anything else is made one.
    Row,
    /// Inside `dl`: terms and definitions.
    Terms,
}

/// Rebuilds the content of `node` (its children) as HTML.
pub(crate) fn from_xml(node: Node<'_, '_>) -> Html {
    let mut w = Writer::default();
    w.children(node, Mode::Block);
    w.finish()
}

/// An HTML string from an agency: rebuilt like [`from_xml`] when it is
/// well-formed XML (most agency HTML is), else sanitized by ammonia.
pub(crate) fn from_html(html: &str) -> Html {
    let wrapped = format!("<body>{html}</body>");
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    match roxmltree::Document::parse_with_options(&wrapped, opts) {
        Ok(doc) => from_xml(doc.root_element()),
        Err(_) => {
            let clean = unlink_empty_anchors(&sanitizer().clean(html).to_string());
            let first_paragraph = first_paragraph_of_html(&clean);
            Html {
                html: clean,
                first_paragraph,
            }
        }
    }
}

/// ammonia's output without the anchors it left with no `href` (a link
/// whose URL it refused): their text, as the rebuild gives it. ammonia
/// gives those a `rel`, which HTML allows only on links.
fn unlink_empty_anchors(html: &str) -> String {
    const BARE: &str = "<a rel=\"noopener noreferrer\">";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(BARE) {
        out.push_str(&rest[..i]);
        rest = &rest[i + BARE.len()..];
        // Anchors do not nest in parsed HTML: the next `</a>` is its end.
        match rest.find("</a>") {
            Some(end) => {
                out.push_str(&rest[..end]);
                rest = &rest[end + "</a>".len()..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Plain text: a paragraph per block of lines, escaped.
pub(crate) fn from_text(text: &str) -> Html {
    let mut out = Html::default();
    for para in text.split("\n\n") {
        let words = collapse(para);
        if words.is_empty() {
            continue;
        }
        if out.first_paragraph.is_empty() {
            out.first_paragraph.clone_from(&words);
        }
        out.html.push_str("<p>");
        escape_text(&mut out.html, &words);
        out.html.push_str("</p>\n");
    }
    out
}

/// A subhead of plain text.
pub(crate) fn heading(text: &str) -> String {
    let mut h = String::from("<h2>");
    escape_text(&mut h, &collapse(text));
    h.push_str("</h2>\n");
    h
}

/// ammonia with the allowlist of this module.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(KEPT.iter().copied().collect())
            .clean_content_tags(DROPPED.iter().copied().filter(|t| *t != "img").collect())
            .tag_attributes(
                [
                    ("a", HashSet::from(["href"])),
                    ("td", HashSet::from(["colspan", "rowspan"])),
                    ("th", HashSet::from(["colspan", "rowspan"])),
                ]
                .into_iter()
                .collect(),
            )
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        b
    })
}

/// Whether `href` may be a link: an absolute `http`, `https` or `mailto`
/// URL (ammonia's scheme rule, case folded; a relative link from an
/// agency's system leads nowhere on ours).
fn safe_href(href: &str) -> bool {
    let h = href.trim();
    let Some((scheme, rest)) = h.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    let ok_scheme = matches!(scheme.as_str(), "http" | "https" | "mailto");
    ok_scheme && !rest.is_empty() && !h.chars().any(|c| c.is_control() || c == ' ')
}

/// Builds HTML from a tree.
#[derive(Default)]
struct Writer {
    html: String,
    first_paragraph: String,
    /// Inside `<pre>`: whitespace is kept as it is.
    pre: usize,
    /// Inside a link: a link in it gives its text.
    link: bool,
    /// Text of the first paragraph while it is written.
    para: Option<String>,
    /// Whether the output ends at a space or a boundary, where collapsed
    /// whitespace adds no space.
    at_space: bool,
}

impl Writer {
    fn children(&mut self, node: Node<'_, '_>, mode: Mode) {
        // Rows straight in a table get the `tbody` an HTML parser adds.
        let mut body_open = false;
        for child in node.children() {
            let row = mode == Mode::Table
                && child.is_element()
                && html_name(child.tag_name().name()) == Some("tr");
            let wrapped = mode == Mode::Table && !row && !is_table_part(child) && has_text(child);
            if (row || wrapped) && !body_open {
                self.open("tbody");
                body_open = true;
            } else if mode == Mode::Table && !row && !wrapped && body_open && child.is_element() {
                self.close("tbody");
                body_open = false;
            }
            self.node(child, if row || wrapped { Mode::Rows } else { mode });
        }
        if body_open {
            self.close("tbody");
        }
    }

    fn node(&mut self, node: Node<'_, '_>, mode: Mode) {
        match node.node_type() {
            NodeType::Text => {
                let text = node.text().unwrap_or("");
                match mode {
                    Mode::Block | Mode::Inline => self.text(text),
                    // Text where only items, rows or cells may be: made one.
                    _ if text.trim().is_empty() => {}
                    _ => self.wrapped(mode, |w| w.text(text)),
                }
            }
            NodeType::Element => self.element(node, mode),
            // Comments and processing instructions are no text.
            _ => {}
        }
    }

    /// Writes `f`'s output inside what `mode` requires: a list item, a row
    /// and cell, a cell, a definition.
    fn wrapped(&mut self, mode: Mode, f: impl FnOnce(&mut Self)) {
        let tags: &[&str] = match mode {
            Mode::List => &["li"],
            Mode::Rows => &["tr", "td"],
            Mode::Row => &["td"],
            Mode::Terms => &["dd"],
            _ => &[],
        };
        for t in tags {
            self.open(t);
        }
        f(self);
        for t in tags.iter().rev() {
            self.close(t);
        }
    }

    fn element(&mut self, node: Node<'_, '_>, mode: Mode) {
        let lower = node.tag_name().name().to_ascii_lowercase();
        if DROPPED.contains(&lower.as_str()) {
            return;
        }
        let Some(name) = html_name(&lower) else {
            // Unknown or semantic markup (NITF's person, location, chron;
            // div, span, font): its content without it.
            return self.children(node, mode);
        };
        let fits = match mode {
            Mode::Block => !matches!(
                name,
                "li" | "tr" | "td" | "th" | "thead" | "tbody" | "tfoot" | "caption" | "dt" | "dd"
            ),
            Mode::Inline => is_inline(name),
            Mode::List => name == "li",
            Mode::Table => matches!(name, "caption" | "thead" | "tbody" | "tfoot"),
            Mode::Rows => name == "tr",
            Mode::Row => matches!(name, "td" | "th"),
            Mode::Terms => matches!(name, "dt" | "dd"),
        };
        if !fits {
            return match mode {
                // A block in a paragraph, a cell in a quote: its content.
                Mode::Block | Mode::Inline => self.children(node, mode),
                // Between a table's parts, markup with no text (a `br`, an
                // `hr`) has no place and no words: an HTML parser would
                // move it out of the table. (With text, it is in a row.)
                Mode::Table => {}
                _ => self.wrapped(mode, |w| w.element(node, Mode::Block)),
            };
        }
        match name {
            "a" => self.link(node),
            "br" => {
                self.html.push_str("<br>");
                self.at_space = true;
            }
            "hr" => {
                self.boundary();
                self.html.push_str("<hr>\n");
                self.at_space = true;
            }
            _ => {
                self.open_with(name, node);
                let first = name == "p" && self.first_paragraph.is_empty() && self.para.is_none();
                if first {
                    self.para = Some(String::new());
                }
                if name == "pre" {
                    self.pre += 1;
                }
                let inner = match name {
                    "ul" | "ol" => Mode::List,
                    "table" => Mode::Table,
                    "thead" | "tbody" | "tfoot" => Mode::Rows,
                    "tr" => Mode::Row,
                    "dl" => Mode::Terms,
                    "blockquote" | "li" | "td" | "th" | "dd" => Mode::Block,
                    _ => Mode::Inline,
                };
                self.children(node, inner);
                if name == "pre" {
                    self.pre -= 1;
                }
                self.close(name);
                if first {
                    if let Some(p) = self.para.take() {
                        self.first_paragraph = p.trim().to_string();
                    }
                }
            }
        }
    }

    fn link(&mut self, node: Node<'_, '_>) {
        let href = node.attribute("href").filter(|h| safe_href(h));
        match href {
            Some(href) if !self.link => {
                self.html.push_str("<a href=\"");
                escape_attribute(&mut self.html, href.trim());
                self.html.push_str("\" rel=\"noopener noreferrer\">");
                self.at_space = false;
                self.link = true;
                self.children(node, Mode::Inline);
                self.link = false;
                self.trim_space();
                self.html.push_str("</a>");
            }
            // A link that may not be one, or one in a link: its text.
            _ => self.children(node, Mode::Inline),
        }
    }

    fn open(&mut self, name: &str) {
        self.open_with(name, None::<Node<'_, '_>>);
    }

    fn open_with<'a, 'i: 'a>(&mut self, name: &str, node: impl Into<Option<Node<'a, 'i>>>) {
        if !is_inline(name) {
            self.boundary();
        }
        self.html.push('<');
        self.html.push_str(name);
        if let (Some(node), true) = (node.into(), matches!(name, "td" | "th")) {
            for attr in ["colspan", "rowspan"] {
                if let Some(n) = node
                    .attribute(attr)
                    .and_then(|v| v.trim().parse::<u16>().ok())
                {
                    self.html.push_str(&format!(" {attr}=\"{n}\""));
                }
            }
        }
        self.html.push('>');
        if !is_inline(name) {
            self.at_space = true;
        }
    }

    fn close(&mut self, name: &str) {
        if !is_inline(name) {
            self.trim_space();
        }
        self.html.push_str("</");
        self.html.push_str(name);
        self.html.push('>');
        if !is_inline(name) {
            self.html.push('\n');
            self.at_space = true;
        }
    }

    /// No space left dangling before a closing tag (collapsed whitespace).
    fn trim_space(&mut self) {
        if self.pre == 0 && self.html.ends_with(' ') {
            self.html.pop();
        }
    }

    /// Before a block starts: on a line of its own.
    fn boundary(&mut self) {
        self.trim_space();
        if !self.html.is_empty() && !self.html.ends_with('\n') && self.pre == 0 {
            self.html.push('\n');
        }
    }

    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            escape_text(&mut self.html, text);
            if let Some(p) = &mut self.para {
                p.push_str(text);
            }
            return;
        }
        // Most text is spaced by single spaces already: written whole.
        if simple_spacing(text.as_bytes()) {
            let inner = text.trim_matches(' ');
            if inner.is_empty() {
                if !text.is_empty() && !self.at_space {
                    self.space();
                }
                return;
            }
            if text.starts_with(' ') && !self.at_space {
                self.space();
            }
            self.word(inner);
            self.at_space = false;
            if text.ends_with(' ') {
                self.space();
            }
            return;
        }
        // Whitespace collapsed to single spaces, written straight out
        // (and into the first paragraph's text while it is written).
        let leading = text.starts_with(char::is_whitespace);
        let mut words = text.split_whitespace();
        let Some(first) = words.next() else {
            if !text.is_empty() && !self.at_space {
                self.space();
            }
            return;
        };
        if leading && !self.at_space {
            self.space();
        }
        self.word(first);
        for word in words {
            self.space();
            self.word(word);
        }
        self.at_space = false;
        if text.ends_with(char::is_whitespace) {
            self.space();
        }
    }

    fn space(&mut self) {
        self.html.push(' ');
        if let Some(p) = &mut self.para {
            p.push(' ');
        }
        self.at_space = true;
    }

    fn word(&mut self, word: &str) {
        escape_text(&mut self.html, word);
        if let Some(p) = &mut self.para {
            p.push_str(word);
        }
    }

    fn finish(mut self) -> Html {
        if self.first_paragraph.is_empty() {
            if let Some(p) = self.para.take() {
                self.first_paragraph = p.trim().to_string();
            }
        }
        Html {
            html: self.html,
            first_paragraph: self.first_paragraph,
        }
    }
}

/// Whether `node` is part of a table's own structure.
fn is_table_part(node: Node<'_, '_>) -> bool {
    node.is_element()
        && matches!(
            html_name(node.tag_name().name()),
            Some("caption" | "thead" | "tbody" | "tfoot" | "tr")
        )
}

/// Whether `node` has text that is not whitespace.
fn has_text(node: Node<'_, '_>) -> bool {
    node.descendants()
        .filter(|n| n.is_text())
        .any(|n| !n.text().unwrap_or("").trim().is_empty())
}

/// Runs of whitespace as single spaces, trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the only whitespace of `b` is single ASCII spaces, so that
/// collapsing whitespace leaves all but its ends as they are. Bytes that
/// may start a Unicode space (U+0085, U+00A0, U+1680, U+2000..U+3000 begin
/// with 0xC2, 0xE1, 0xE2 or 0xE3) say no.
fn simple_spacing(b: &[u8]) -> bool {
    let mut space = false;
    for &c in b {
        match c {
            b' ' if space => return false,
            b' ' => space = true,
            b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0xC2 | 0xE1 | 0xE2 | 0xE3 => return false,
            _ => space = false,
        }
    }
    true
}

/// Text escaped as an HTML serializer does it (`&`, `<`, `>`, and a
/// no-break space by name), so that the sanitizer finds nothing to change.
fn escape_text(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut done = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // U+00A0 is C2 A0 in UTF-8, and C2 only ever leads.
        let (from, with) = match b {
            b'&' => (i, "&amp;"),
            b'<' => (i, "&lt;"),
            b'>' => (i, "&gt;"),
            0xA0 if i > 0 && bytes[i - 1] == 0xC2 => (i - 1, "&nbsp;"),
            _ => continue,
        };
        out.push_str(&s[done..from]);
        out.push_str(with);
        done = i + 1;
    }
    out.push_str(&s[done..]);
}

/// An attribute value escaped as an HTML serializer does it.
fn escape_attribute(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

/// The text of the first `<p>` of sanitized HTML, for a summary.
fn first_paragraph_of_html(html: &str) -> String {
    let Some(start) = html.find("<p>") else {
        return String::new();
    };
    let rest = &html[start + 3..];
    let end = rest.find("</p>").unwrap_or(rest.len());
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    collapse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn xml(body: &str) -> Html {
        let doc = roxmltree::Document::parse(body).unwrap();
        from_xml(doc.root_element())
    }

    #[test]
    fn nitf_structure_becomes_html() {
        let h = xml(
            "<body.content>\n  <p>(Reuters) - Shares <em>rose</em> &amp; <person>Xi Jinping</person> spoke.</p>\n  <hl2>Markets</hl2>\n  <block><p>A <a href=\"https://x.org/a?b=1&amp;c=2\">link</a>.</p></block>\n  <ul><li>one</li><li>two</li></ul>\n  <table><tr><th colspan=\"2\">T</th></tr><tr><td>1</td><td>2</td></tr></table>\n  <bq><block><p>Quoted.</p></block></bq>\n</body.content>",
        );
        assert_eq!(
            h.html,
            "<p>(Reuters) - Shares <em>rose</em> &amp; Xi Jinping spoke.</p>\n<h2>Markets</h2>\n<p>A <a href=\"https://x.org/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">link</a>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<table>\n<tbody>\n<tr>\n<th colspan=\"2\">T</th>\n</tr>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n<blockquote>\n<p>Quoted.</p>\n</blockquote>\n"
        );
        assert_eq!(
            h.first_paragraph,
            "(Reuters) - Shares rose & Xi Jinping spoke."
        );
    }

    #[test]
    fn nothing_executable_or_styled_survives() {
        let hostile = "<div style=\"color:red\" onclick=\"steal()\"><p class=\"x\" onmouseover=\"x()\">Keep <script>alert(1)</script>this <a href=\"javascript:alert(2)\">text</a> <a href=\" JAVASCRIPT:x\">too</a> <a href=\"/relative\">here</a>.</p><iframe src=\"https://evil/\">frame</iframe><style>p{}</style><form action=\"x\"><input value=\"v\"/>Form text</form><img src=\"x\" onerror=\"alert(3)\"/></div>";
        for h in [from_html(hostile), from_html(&format!("{hostile}&nbsp;"))] {
            for bad in [
                "script",
                "alert",
                "javascript",
                "onclick",
                "onmouseover",
                "style",
                "iframe",
                "class=",
                "<img",
                "onerror",
                "<form",
                "<input",
                "relative",
            ] {
                assert!(
                    !h.html.to_ascii_lowercase().contains(bad),
                    "{bad} in {}",
                    h.html
                );
            }
            for word in ["Keep", "this", "text", "too", "here", "Form text"] {
                assert!(h.html.contains(word), "{word} lost from {}", h.html);
            }
        }
    }

    #[test]
    fn plain_text_paragraphs() {
        let h = from_text("First  line\nwraps <here> & there.\n\n\nSecond.\n");
        assert_eq!(
            h.html,
            "<p>First line wraps &lt;here&gt; &amp; there.</p>\n<p>Second.</p>\n"
        );
        assert_eq!(h.first_paragraph, "First line wraps <here> & there.");
    }

    /// Random well-formed fragments of kept, unknown and dropped elements,
    /// with hostile attributes and text.
    fn fragment() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            "[a-zA-Z0-9 .,;'\"&<>é\u{a0}-]{0,20}".prop_map(|t| {
                t.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            }),
            Just("<br/>".to_string()),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            (
                prop::sample::select(vec![
                    "p",
                    "em",
                    "b",
                    "i",
                    "strong",
                    "a",
                    "ul",
                    "li",
                    "table",
                    "tr",
                    "td",
                    "bq",
                    "hl2",
                    "div",
                    "span",
                    "person",
                    "script",
                    "style",
                    "iframe",
                    "q",
                    "pre",
                    "blockquote",
                    "h1",
                    "sup",
                    "tagline",
                ]),
                prop::sample::select(vec![
                    "",
                    " href=\"https://x.org/a\"",
                    " href=\"javascript:alert(1)\"",
                    " href=\"mailto:a@b.org\"",
                    " onclick=\"x()\"",
                    " style=\"color:red\"",
                    " colspan=\"2\"",
                    " class=\"c\"",
                ]),
                prop::collection::vec(inner, 0..4),
            )
                .prop_map(|(tag, attr, kids)| format!("<{tag}{attr}>{}</{tag}>", kids.concat()))
        })
    }

    proptest! {
        /// ammonia, the reference, changes nothing in what the rebuild
        /// gives: it is never less strict than the sanitizer.
        #[test]
        fn ammonia_finds_nothing_to_change(body in fragment()) {
            let h = from_html(&body);
            let again = sanitizer().clean(&h.html).to_string();
            prop_assert_eq!(&again, &h.html, "from {}", body);
        }

        /// Every word of text outside dropped elements reaches the HTML.
        #[test]
        fn every_word_is_kept(words in prop::collection::vec("[a-zA-Z]{1,8}", 1..12)) {
            let body = format!("<p>{}</p><div><person>{}</person></div>", words[..words.len() / 2].join(" "), words[words.len() / 2..].join(" "));
            let h = from_html(&body);
            for w in &words {
                prop_assert!(h.html.contains(w.as_str()), "{} lost from {}", w, h.html);
            }
        }

        /// Text is written with its whitespace collapsed to single
        /// spaces, whichever path writes it (text spaced by single spaces
        /// is written whole), and so is the first paragraph's text.
        #[test]
        fn text_is_collapsed(text in "[a-z&<\u{e9}\u{4e2d} \t\n\u{a0}\u{2003}\u{3000}]{0,40}") {
            let h = from_xml(roxmltree::Document::parse(&format!(
                "<body><p>{}</p></body>",
                text.replace('&', "&amp;").replace('<', "&lt;")
            )).unwrap().root_element());
            let words = collapse(&text);
            let mut expected = String::new();
            if !words.is_empty() {
                expected.push_str("<p>");
                escape_text(&mut expected, &words);
                expected.push_str("</p>\n");
            } else {
                expected.push_str("<p></p>\n");
            }
            prop_assert_eq!(&h.html, &expected);
            prop_assert_eq!(&h.first_paragraph, &words);
        }

        /// Markup that is not XML goes to ammonia; its output is still a
        /// fixed point, every anchor left is a link (an `href`: HTML allows
        /// `rel` on nothing else), and refused links keep their text.
        #[test]
        fn html_that_is_not_xml_keeps_link_text(
            links in prop::collection::vec((prop::sample::select(vec![
                "javascript:alert(1)", "https://example.com/a", "data:text/html,x",
                "mailto:desk@example.com", "", "/relative",
            ]), "[a-z]{1,8}"), 1..6)
        ) {
            let body: String = links
                .iter()
                .map(|(href, text)| format!("<p>see <a href=\"{href}\">{text}</a><br>"))
                .collect();
            let h = from_html(&body);
            prop_assert_eq!(&sanitizer().clean(&h.html).to_string(), &h.html);
            for (i, _) in h.html.match_indices("<a ") {
                prop_assert!(h.html[i..].starts_with("<a href="), "{}", h.html);
            }
            for (_, text) in &links {
                prop_assert!(h.html.contains(text.as_str()), "{} lost: {}", text, h.html);
            }
        }

        /// Arbitrary input never panics either way.
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = from_html(&s);
            let _ = from_text(&s);
        }
    }
}
