//! Slugs for headlines and keywords: lowercase ASCII words joined by `-`,
//! other scripts transliterated (via the `slug` crate, which uses
//! `deunicode`), capped at a length that keeps URLs readable.

/// The longest headline slug, in bytes (all ASCII).
pub(crate) const MAX_SLUG: usize = 80;

/// The slug of `s`, or `None` when it has no letter or digit to keep.
pub(crate) fn slugify(s: &str) -> Option<String> {
    let full = slug::slugify(s);
    if full.is_empty() {
        return None;
    }
    Some(cap(full))
}

/// Cuts a slug to `MAX_SLUG` bytes at a `-`, so no word is broken
/// (unless the first word alone is longer).
fn cap(mut s: String) -> String {
    if s.len() > MAX_SLUG {
        let cut = s[..=MAX_SLUG]
            .rfind('-')
            .filter(|&i| i > 0)
            .unwrap_or(MAX_SLUG);
        s.truncate(cut);
    }
    s
}

/// Whether `s` is already a slug (what an explicit `slug:` must be).
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines() {
        assert_eq!(
            slugify("Anti-terror cooperation key part of China-Russia partnership: Xi").unwrap(),
            "anti-terror-cooperation-key-part-of-china-russia-partnership-xi"
        );
        assert_eq!(
            slugify("Économie: l'été à Zürich").unwrap(),
            "economie-l-ete-a-zurich"
        );
        assert_eq!(slugify("!!! ... ???"), None);
        let cn = slugify("习近平会见普京").unwrap();
        assert!(cn.is_ascii() && !cn.is_empty(), "{cn}");
        let ru = slugify("Путин встретился с Си").unwrap();
        assert!(ru.starts_with("putin"), "{ru}");
    }

    #[test]
    fn keywords_fold() {
        for k in [
            "Anti-Terror",
            "anti terror",
            "anti-terror",
            "  ANTI--TERROR! ",
        ] {
            assert_eq!(slugify(k).unwrap(), "anti-terror", "{k}");
        }
    }

    #[test]
    fn long_headlines_are_capped_at_a_word() {
        let s = slugify(&"wire ".repeat(60)).unwrap();
        assert!(s.len() <= MAX_SLUG);
        assert!(s.ends_with("wire"));
    }

    #[test]
    fn explicit_slug_shape() {
        assert!(is_slug("xi-putin-2017"));
        assert!(!is_slug("Xi"));
        assert!(!is_slug("a/b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
    }
}
