//! Relative links, for a site that must also work opened straight from disk
//! (`file://`), or copied under any path of any host.
//!
//! With `relative_links: true`, every root-relative link of a rendered HTML
//! page that points into the site (`href="/archive/2017/07/"`) is rewritten
//! relative to the page (`href="../../2017/07/index.html"`). A link to a
//! folder names its `index.html`, because from disk no server is there to
//! find it. Absolute URLs (the canonical link, feeds, JSON-LD) are left
//! alone: they name the published site on purpose.
//!
//! This runs on the rendered text rather than in the template context, so
//! it covers a site's own templates too, and the context of a story stays
//! the same on every page that lists it. Only attribute values are touched
//! (`href`, `src`, `poster`, `srcset`): story text is escaped, so it cannot
//! spell an attribute.

use std::ops::Range;

use crate::config::BaseUrl;
use crate::model::Route;

/// Where a page's links must lead to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LinkStyle<'a> {
    /// Relative to the folder of the page at this route.
    RelativeTo(&'a Route),
    /// Absolute, at `base.origin`: for `404.html`, which a host serves at
    /// any address, where a relative link would lead nowhere.
    Absolute,
}

/// A URL-valued attribute of an HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlAttr {
    /// Where its value is (between the quotes).
    pub value: Range<usize>,
    /// `srcset`: a comma-separated list of `url descriptor` candidates.
    pub list: bool,
}

/// Every `href`, `src`, `poster` and `srcset` attribute of `html`, in
/// order: names in any case, blanks allowed around `=`, values in single
/// or double quotes. A name must stand alone (`data-href` is not a link).
/// This is the one attribute scanner: the link rewriter and `dateline
/// check` both read links through it.
pub(crate) fn url_attributes(html: &str) -> impl Iterator<Item = UrlAttr> + '_ {
    let bytes = html.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(i) = html.get(at..)?.find('=').map(|p| p + at) {
            at = i + 1;
            let after = i + 1 + html[i + 1..].len() - html[i + 1..].trim_start().len();
            let Some(quote) = bytes
                .get(after)
                .copied()
                .filter(|q| *q == b'"' || *q == b'\'')
            else {
                continue;
            };
            let name_end = html[..i].trim_end().len();
            let name_start = html[..name_end]
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let name = &html[name_start..name_end];
            let list = name.eq_ignore_ascii_case("srcset");
            let wanted = list
                || ["href", "src", "poster"]
                    .iter()
                    .any(|a| name.eq_ignore_ascii_case(a));
            if !wanted || name_start == 0 || !bytes[name_start - 1].is_ascii_whitespace() {
                continue;
            }
            let start = after + 1;
            let Some(len) = html[start..].find(quote as char) else {
                at = html.len();
                return None;
            };
            at = start + len;
            return Some(UrlAttr {
                value: start..start + len,
                list,
            });
        }
        None
    })
}

/// The URLs of a `srcset` value, as ranges in it.
pub(crate) fn srcset_urls(value: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut offset = 0;
    value.split(',').map(move |candidate| {
        let lead = candidate.len() - candidate.trim_start().len();
        let trimmed = &candidate[lead..];
        let len = trimmed
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(trimmed.len());
        let start = offset + lead;
        offset += candidate.len() + 1;
        start..start + len
    })
}

/// Rewrites the root-relative links of `html` that point under `base.path`.
/// Returns `None` when nothing needed rewriting.
pub(crate) fn rewrite(html: &str, style: LinkStyle<'_>, base: &BaseUrl) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for attr in url_attributes(html) {
        let value = &html[attr.value.clone()];
        let urls: Vec<Range<usize>> = if attr.list {
            srcset_urls(value).collect()
        } else {
            std::iter::once(0..value.len()).collect()
        };
        for url in urls {
            if let Some(new) = rewrite_url(&value[url.clone()], style, base) {
                out.push_str(&html[copied..attr.value.start + url.start]);
                out.push_str(&new);
                copied = attr.value.start + url.end;
            }
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// One URL rewritten, or `None` if it is not a root-relative URL under the
/// base path (an absolute URL, a relative one, another site's `//host/`).
pub(crate) fn rewrite_url(url: &str, style: LinkStyle<'_>, base: &BaseUrl) -> Option<String> {
    if url.starts_with("//") {
        return None;
    }
    let rest = url.strip_prefix(base.path.as_str())?;
    match style {
        LinkStyle::Absolute if base.origin.is_empty() => relative(rest, ""),
        LinkStyle::Absolute => Some(format!("{}{url}", base.origin)),
        LinkStyle::RelativeTo(route) => {
            let r = route.as_str();
            relative(rest, &r[..r.rfind('/').map_or(0, |i| i + 1)])
        }
    }
}

/// `target` (a site path, maybe with `?query` or `#fragment`) as seen from
/// the folder `from_dir` (a site path ending in `/`, or empty for the root).
fn relative(target: &str, from_dir: &str) -> Option<String> {
    let split = target.find(['?', '#']).unwrap_or(target.len());
    let (path, suffix) = target.split_at(split);
    let (dir, file) = match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    let file = if file.is_empty() { "index.html" } else { file };
    let from: Vec<&str> = from_dir.split_terminator('/').collect();
    let to: Vec<&str> = dir.split_terminator('/').collect();
    if to.iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return None; // `//` or dot segments: not a path we produce; left as written
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = "../".repeat(from.len() - common);
    for seg in &to[common..] {
        out.push_str(seg);
        out.push('/');
    }
    out.push_str(file);
    out.push_str(suffix);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base(s: &str) -> BaseUrl {
        BaseUrl::parse(s).unwrap()
    }

    fn rel(html: &str, route: &str, b: &str) -> String {
        let r = Route::new(route);
        rewrite(html, LinkStyle::RelativeTo(&r), &base(b)).unwrap_or_else(|| html.to_string())
    }

    #[test]
    fn links_become_relative_and_name_index_html() {
        let b = "https://x.org/";
        assert_eq!(
            rel(r#"<a href="/">h</a>"#, "2017/07/03/s/", b),
            r#"<a href="../../../../index.html">h</a>"#
        );
        assert_eq!(
            rel(r#"<a href="/2017/07/03/">d</a>"#, "2017/07/03/s/", b),
            r#"<a href="../index.html">d</a>"#
        );
        assert_eq!(
            rel(r#"<a href="/2017/07/03/s/#top">me</a>"#, "2017/07/03/s/", b),
            r#"<a href="index.html#top">me</a>"#
        );
        assert_eq!(
            rel(r#"<link href="/style.css" rel="stylesheet">"#, "", b),
            r#"<link href="style.css" rel="stylesheet">"#
        );
        assert_eq!(
            rel(r#"<a href='/tags/x/?q=1'>t</a>"#, "tags/", b),
            r#"<a href='x/index.html?q=1'>t</a>"#
        );
        assert_eq!(
            rel(r#"<a href="/tags/x/feed.xml">f</a>"#, "2017/", b),
            r#"<a href="../tags/x/feed.xml">f</a>"#
        );
        assert_eq!(
            rel("<a class=\"x\" HREF = \"/tags/\">t</a>", "", b),
            "<a class=\"x\" HREF = \"tags/index.html\">t</a>"
        );
    }

    #[test]
    fn only_links_under_the_base_path_change() {
        let b = "/archive/";
        let page = "2017/";
        for same in [
            r#"<link rel="canonical" href="https://x.org/archive/2017/">"#,
            r#"<a href="https://elsewhere.org/">x</a>"#,
            r#"<a href="//cdn.org/archive/x.js">x</a>"#,
            r#"<a href="/elsewhere/">x</a>"#,
            r#"<a href="07/">x</a>"#,
            r#"<a data-href="/archive/x/">x</a>"#,
            r#"<p>href="/archive/" in text</p>"#,
            r#"<a href="mailto:desk@x.org">x</a>"#,
        ] {
            assert_eq!(rel(same, page, b), same);
        }
        assert_eq!(
            rel(
                r#"<img src="/archive/a.png" srcset="/archive/a.png 1x, /archive/b.png 2x">"#,
                page,
                b
            ),
            r#"<img src="../a.png" srcset="../a.png 1x, ../b.png 2x">"#
        );
    }

    #[test]
    fn the_not_found_page_links_to_the_published_site() {
        let html = r#"<a href="/archive/tags/">k</a>"#;
        let abs = rewrite(html, LinkStyle::Absolute, &base("https://x.org/archive/"));
        assert_eq!(
            abs.as_deref(),
            Some(r#"<a href="https://x.org/archive/tags/">k</a>"#)
        );
        // Without an origin, relative to the root, where 404.html lives.
        let rel = rewrite(html, LinkStyle::Absolute, &base("/archive/"));
        assert_eq!(rel.as_deref(), Some(r#"<a href="tags/index.html">k</a>"#));
    }

    /// Where a relative link from the folder `dir` leads (a site path).
    fn follow(dir: &str, link: &str) -> String {
        let mut parts: Vec<&str> = dir.split_terminator('/').collect();
        let mut segs = link.split('/').peekable();
        let mut file = String::new();
        while let Some(s) = segs.next() {
            match (s, segs.peek()) {
                ("..", _) => {
                    parts.pop();
                }
                (s, Some(_)) => parts.push(s),
                (s, None) => file = s.to_string(),
            }
        }
        parts.push(&file);
        parts.join("/")
    }

    proptest! {
        /// Any root-relative link, from any page, leads where it led, and
        /// names a file.
        #[test]
        fn relative_links_lead_where_root_relative_ones_did(
            from in proptest::collection::vec("[a-z0-9]{1,3}", 0..5),
            to in proptest::collection::vec("[a-z0-9]{1,3}", 0..5),
            file in "([a-z]{1,3}\\.(css|xml))?",
            base_path in "(/|/[a-z]{1,4}/)",
        ) {
            let route = if from.is_empty() { String::new() } else { format!("{}/", from.join("/")) };
            let target_dir = if to.is_empty() { String::new() } else { format!("{}/", to.join("/")) };
            let url = format!("{base_path}{target_dir}{file}");
            let html = format!(r#"<a href="{url}">x</a>"#);
            let out = rel(&html, &route, &base_path);
            let link = out.strip_prefix(r#"<a href=""#).and_then(|s| s.strip_suffix(r#"">x</a>"#)).unwrap();
            prop_assert!(!link.starts_with('/'));
            prop_assert!(!link.ends_with('/'));
            let expected = format!("{target_dir}{}", if file.is_empty() { "index.html" } else { &file });
            prop_assert_eq!(follow(&route, link), expected);
        }

        /// Arbitrary text never panics, and text without `=` is untouched.
        #[test]
        fn never_panics(s in "\\PC*", route in "([a-z]{1,2}/){0,3}") {
            let r = Route::new(route);
            let out = rewrite(&s, LinkStyle::RelativeTo(&r), &base("/"));
            if !s.contains('=') {
                prop_assert!(out.is_none());
            }
        }
    }
}
