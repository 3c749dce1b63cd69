//! Control characters in agency copy.
//!
//! Wire copy arrives with teleprinter framing (`\x03` end-of-text), stray
//! `DEL`s and terminal escapes (`\x1b[B`). XML 1.0 forbids most of them and
//! HTML validators reject them, so they never reach a page or a feed: a
//! trailing `\x03` is framing and dropped silently; any other control
//! character is dropped with a warning naming its line. Tabs and line
//! breaks stay. Line numbers are unchanged (no line break is ever removed).

use std::borrow::Cow;

/// Characters dropped from one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dropped {
    /// 1-based line.
    pub line: usize,
    /// The characters, in order of appearance, without repeats.
    pub chars: Vec<char>,
}

impl Dropped {
    /// `U+001B, U+007F`
    pub(crate) fn list(&self) -> String {
        self.chars
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether `c` may not appear in a page or feed.
fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `bytes` may hold a forbidden character: a C0 control other than
/// tab and line breaks, `DEL`, or a byte that starts a character that may
/// be one (C1 controls begin with `0xC2`, U+FFFE and U+FFFF with `0xEF`).
/// A byte scan: most copy is plain ASCII and never needs decoding.
fn suspicious(bytes: &[u8]) -> bool {
    // A chunk at a time, without an early exit inside one, so that the
    // compiler can test many bytes at once.
    bytes.chunks(64).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found
                | ((b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r')
                    | (b == 0x7F)
                    | (b == 0xC2)
                    | (b == 0xEF))
        })
    })
}

/// `text` without forbidden characters, and the lines they were on (the
/// trailing framing `\x03` is not reported).
pub(crate) fn clean(text: &str) -> (Cow<'_, str>, Vec<Dropped>) {
    if !suspicious(text.as_bytes()) || !text.chars().any(forbidden) {
        return (Cow::Borrowed(text), Vec::new());
    }
    // Framing: end-of-text (and end-of-transmission) characters at the very
    // end, possibly followed by line breaks or blanks.
    let body_end = text
        .trim_end_matches(|c: char| c == '\u{3}' || c == '\u{4}' || c.is_whitespace())
        .len();
    let mut out = String::with_capacity(text.len());
    let mut dropped: Vec<Dropped> = Vec::new();
    let mut line = 1;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            line += 1;
        }
        if !forbidden(c) {
            out.push(c);
            continue;
        }
        if i >= body_end {
            continue;
        }
        match dropped.last_mut() {
            Some(d) if d.line == line => {
                if !d.chars.contains(&c) {
                    d.chars.push(c);
                }
            }
            _ => dropped.push(Dropped {
                line,
                chars: vec![c],
            }),
        }
    }
    (Cow::Owned(out), dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte scan never lets a forbidden character through.
        #[test]
        fn the_byte_scan_sees_every_forbidden_character(s in any::<String>()) {
            prop_assert!(suspicious(s.as_bytes()) || !s.chars().any(forbidden));
        }

        #[test]
        fn nothing_forbidden_survives(s in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{fffe}\u{ffff}])*") {
            let (t, _) = clean(&s);
            prop_assert!(!t.chars().any(forbidden));
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        let (t, d) = clean("plain\ttext\r\nok");
        assert!(matches!(t, Cow::Borrowed(_)));
        assert!(d.is_empty());
    }

    #[test]
    fn trailing_etx_is_framing() {
        let (t, d) = clean("Body.\n\u{3}\n");
        assert_eq!(t, "Body.\n\n");
        assert!(d.is_empty());
    }

    #[test]
    fn others_are_dropped_and_reported_by_line() {
        let (t, d) = clean("Head\u{7f}line\n\nText \u{1b}[B and \u{1b}[A\u{3} more\n\u{85}x\u{3}");
        assert_eq!(t, "Headline\n\nText [B and [A more\nx");
        assert_eq!(
            d,
            [
                Dropped {
                    line: 1,
                    chars: vec!['\u{7f}']
                },
                Dropped {
                    line: 3,
                    chars: vec!['\u{1b}', '\u{3}']
                },
                Dropped {
                    line: 4,
                    chars: vec!['\u{85}']
                },
            ]
        );
        assert_eq!(d[1].list(), "U+001B, U+0003");
    }
}
