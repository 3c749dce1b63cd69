//! Story bodies to HTML, and the summaries the loader takes from them.
//!
//! A body is rendered when its page is (the loader's `BodyReader` reads the
//! story again then): the model keeps no bodies. Markdown goes through
//! pulldown-cmark with tables, footnotes and strikethrough; raw HTML in it
//! is shown as text unless the site opts in with `unsafe_html: true` (wire
//! copy is full of `<ACME CORP>` tickers). Wire paragraphs never go through
//! Markdown: they are escaped text.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

use crate::html::escape_into;

/// The longest automatic summary, in characters.
const SUMMARY_CHARS: usize = 280;

/// Rendered body and its automatic summary (the first paragraph as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Body {
    /// The body as HTML.
    pub html: String,
    /// The first paragraph as plain text, shortened at a word boundary.
    pub summary: String,
}

/// Renders a Markdown body.
pub(crate) fn markdown(text: &str, unsafe_html: bool) -> Body {
    let opts = options();
    let mut summary = String::new();
    // 0: before the first paragraph, 1: inside it, 2: after it.
    let mut state = 0u8;
    let events = Parser::new_ext(text, opts).map(|ev| {
        let ev = if unsafe_html { ev } else { html_as_text(ev) };
        match &ev {
            Event::Start(Tag::Paragraph) if state == 0 => state = 1,
            Event::End(TagEnd::Paragraph) if state == 1 => state = 2,
            Event::Text(t) | Event::Code(t) if state == 1 => summary.push_str(t),
            Event::SoftBreak | Event::HardBreak if state == 1 => summary.push(' '),
            _ => {}
        }
        ev
    });
    let mut html_out = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut html_out, events);
    Body {
        html: html_out,
        summary: shorten(&summary),
    }
}

/// A Markdown body's text, as its HTML would show it (raw HTML, unless
/// `unsafe_html`, is text; with it, its tags are left out): what search
/// indexes, made without making the HTML. Blocks and breaks are spaces.
pub(crate) fn markdown_text(text: &str, unsafe_html: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ev in Parser::new_ext(text, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::Html(t) | Event::InlineHtml(t) if unsafe_html => {
                out.push_str(&crate::html::html_text(&t))
            }
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            _ => out.push(' '),
        }
    }
    out
}

/// The summary of a Markdown body: its first paragraph as plain text.
///
/// Only the first block of the body is parsed (the whole body is rendered
/// later, once, for its page), unless that block is not a paragraph.
pub(crate) fn markdown_summary(text: &str) -> String {
    let start = text.len() - text.trim_start().len();
    let end = text[start..].find("\n\n").map_or(text.len(), |i| start + i);
    let summary = first_paragraph(&text[..end]);
    if summary.is_empty() && end < text.len() {
        first_paragraph(text)
    } else {
        summary
    }
}

/// The text of the first paragraph, without rendering anything.
fn first_paragraph(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ev in Parser::new_ext(text, options()) {
        match ev {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) if inside => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak if inside => out.push(' '),
            _ => {}
        }
    }
    shorten(&out)
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Raw HTML becomes text; an HTML block becomes a paragraph of text.
fn html_as_text(ev: Event<'_>) -> Event<'_> {
    match ev {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        other => other,
    }
}

/// Renders wire paragraphs: each one escaped, in a `<p>`, verbatim.
pub(crate) fn wire<S: AsRef<str>>(paragraphs: &[S]) -> Body {
    let len = paragraphs.iter().map(|p| p.as_ref().len() + 8).sum();
    let mut out = String::with_capacity(len);
    for p in paragraphs {
        out.push_str("<p>");
        escape_into(&mut out, p.as_ref());
        out.push_str("</p>\n");
    }
    Body {
        html: out,
        summary: paragraphs
            .first()
            .map(|p| shorten(p.as_ref()))
            .unwrap_or_default(),
    }
}

/// Collapses whitespace and cuts at a word boundary after `SUMMARY_CHARS`.
/// The summary is kept for the whole build, so it holds no spare capacity.
pub(crate) fn shorten(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * SUMMARY_CHARS + 3));
    let mut chars = 0;
    for word in s.split_whitespace() {
        let n = word.chars().count();
        // As before this word: the spaces count, the one to come not.
        if chars + n > SUMMARY_CHARS {
            out.push('…');
            break;
        }
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += n;
    }
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_extensions_on() {
        let b = markdown(
            "a ~~b~~\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\nn[^1]\n\n[^1]: f\n",
            false,
        );
        assert!(b.html.contains("<del>b</del>"), "{}", b.html);
        assert!(b.html.contains("<table>"));
        assert!(b.html.contains("footnote"));
        assert_eq!(b.summary, "a b");
    }

    #[test]
    fn raw_html_is_text_unless_unsafe() {
        let b = markdown("<ACME CORP> rose\n\nx <b>y</b>\n", false);
        assert!(b.html.contains("&lt;ACME CORP&gt; rose"), "{}", b.html);
        assert!(b.html.contains("x &lt;b&gt;y&lt;/b&gt;"), "{}", b.html);
        let b = markdown("x <b>y</b>\n", true);
        assert!(b.html.contains("x <b>y</b>"));
    }

    #[test]
    fn summary_from_the_first_paragraph_only() {
        assert_eq!(
            markdown_summary("\n\nFirst *para* `x`\nline two.\n\nSecond."),
            "First para x line two."
        );
        assert_eq!(
            markdown_summary("# Heading\n\n- item\n\nThe paragraph.\n"),
            "The paragraph."
        );
        assert_eq!(markdown_summary("<ACME> rose\n"), "<ACME> rose");
        assert_eq!(markdown_summary(""), "");
    }

    #[test]
    fn wire_is_escaped_text() {
        let b = wire(&["<ACME> & *x*", "two"]);
        assert_eq!(b.html, "<p>&lt;ACME&gt; &amp; *x*</p>\n<p>two</p>\n");
        assert_eq!(b.summary, "<ACME> & *x*");
    }

    #[test]
    fn summary_is_shortened_at_a_word() {
        let long = "word ".repeat(100);
        let s = shorten(&long);
        assert!(s.ends_with('…'));
        assert!(s.chars().count() <= SUMMARY_CHARS + 1);
    }
}
