//! HTML and XML escaping, shared by the loader (wire copy is text), the
//! renderer (Tera's escape function) and the preview's error overlay; and
//! the way back, an HTML fragment's text (what search indexes of an
//! agency's body).

/// Appends `s` to `out` with `&`, `<`, `>`, `"` and `'` escaped (and `/`
/// left alone, so URLs stay readable).
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

/// Writes `s` to `out` escaped as [`escape_into`] does: Tera's escape
/// function, which writes the runs between the characters it replaces
/// whole (Tera's own writes byte by byte).
pub(crate) fn escape_to(s: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[last..i])?;
        out.write_all(rep)?;
        last = i + 1;
    }
    out.write_all(&s.as_bytes()[last..])
}

/// The text of an HTML fragment (a story's body as rendered): tags left
/// out (with what `<script>` and `<style>` hold), character references
/// decoded, a space where a tag was so that words of two paragraphs stay
/// two words.
pub(crate) fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        decode_into(&rest[..lt], &mut out);
        out.push(' ');
        let tag = &rest[lt..];
        let end = tag.find('>').map_or(tag.len(), |i| i + 1);
        let name = tag[1..end.max(1)]
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        rest = &tag[end..];
        if (name == "script" || name == "style") && !tag.starts_with("</") {
            let close = format!("</{name}");
            let at = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[at..];
        }
    }
    decode_into(rest, &mut out);
    out
}

/// Appends `text` with its character references decoded (the named ones
/// an HTML serialiser writes, and numeric ones); others are kept as they are.
fn decode_into(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let name = &after[..i];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let num = name.strip_prefix('#')?;
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(n)?
                }
            };
            Some((c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes_not_slashes() {
        let raw = "<a href=\"/x/\">A&P's</a> ok";
        let escaped = "&lt;a href=&quot;/x/&quot;&gt;A&amp;P&#39;s&lt;/a&gt; ok";
        let mut s = String::new();
        super::escape_into(&mut s, raw);
        assert_eq!(s, escaped);
        let mut w = Vec::new();
        super::escape_to(raw, &mut w).unwrap();
        assert_eq!(String::from_utf8(w).unwrap(), escaped);
    }

    fn text(html: &str) -> String {
        super::html_text(html)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn html_text_keeps_words_apart_and_decodes_references() {
        assert_eq!(
            text("<p>Xi &amp; Putin</p><p>met<br>again&#8212;&#x4e2d; &bogus; A&B</p>"),
            "Xi & Putin met again\u{2014}\u{4e2d} &bogus; A&B"
        );
        assert_eq!(
            text("<p>before</p><script>var secret = 1;</script><STYLE>p{}</style>after"),
            "before after"
        );
        assert_eq!(text("unclosed <b"), "unclosed");
    }
}
