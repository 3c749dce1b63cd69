//! HTML and XML escaping, shared by the loader (wire copy is text), the
//! renderer (Tera's escape function) and the preview's error overlay.

/// Appends `s` to `out` with `&`, `<`, `>`, `"` and `'` escaped. Unlike
/// Tera's default it leaves `/` alone, so URLs stay readable.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// `s` escaped (see [`escape_into`]).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes_not_slashes() {
        assert_eq!(
            super::escape("<a href=\"/x/\">A&P's</a>"),
            "&lt;a href=&quot;/x/&quot;&gt;A&amp;P&#39;s&lt;/a&gt;"
        );
    }
}
