//! Markdown stories: split the `---` front-matter block off the body and
//! deserialize it.
//!
//! We split the block ourselves (pulldown-cmark would turn an unterminated
//! block into a rule and text), keep track of the line where the YAML starts,
//! and add it to serde_yaml's locations so every error points into the real
//! file. This module and `config.rs` are the only users of serde_yaml.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// A content error located in the file: (1-based line, optional column, message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based line in the whole file.
    pub line: usize,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Located {
    fn new(line: usize, message: impl Into<String>) -> Self {
        Located {
            line,
            column: None,
            message: message.into(),
        }
    }
}

/// A file split into front matter and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// The YAML between the fences.
    pub yaml: &'a str,
    /// 1-based line of the first YAML line in the file.
    pub yaml_line: usize,
    /// Everything after the closing fence.
    pub body: &'a str,
}

/// Splits `text` at its `---` fences. The opening fence must be the first
/// line; the closing fence is the next line that is `---` (or `...`). A `---`
/// further down the body is Markdown, never front matter.
pub(crate) fn split(text: &str) -> Result<Split<'_>, Located> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        let found = first.trim_end();
        let found = if found.is_empty() {
            "an empty line".to_string()
        } else if found == "+++" {
            // Hugo's and Zola's other front matter.
            "`+++` (TOML front matter, which dateline does not read: write it as YAML)".to_string()
        } else {
            format!("`{}`", truncate(found, 40))
        };
        return Err(Located::new(
            1,
            format!("expected front matter opening with a `---` line, found {found}"),
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(Located::new(
        1,
        "front matter opened here is never closed: expected a `---` line after the YAML",
    ))
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The front-matter keys of a Markdown story, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    /// Headline (required).
    pub title: Option<String>,
    /// Filing date (required).
    pub date: Option<String>,
    /// Agency.
    pub source: Option<String>,
    /// Desk editor.
    pub editor: Option<String>,
    /// `BEIJING, July 3`.
    pub dateline: Option<String>,
    /// Keywords: a list or a comma-separated string.
    #[serde(default, deserialize_with = "keywords")]
    pub keywords: Option<Vec<String>>,
    /// URL slug, instead of one made from the headline.
    pub slug: Option<String>,
    /// Listing and feed summary.
    pub summary: Option<String>,
    /// Reporter.
    pub byline: Option<String>,
    /// Date of the last correction.
    pub updated: Option<String>,
    /// Left out of the build unless `--drafts`.
    pub draft: Option<bool>,
    /// The copy's language, when it is not the site's (`de`, `zh-Hans`).
    pub language: Option<String>,
    /// Copyright notice, shown at the foot of the story.
    pub copyright: Option<String>,
    /// Not to be published before this time.
    pub embargo: Option<String>,
    /// The story's identity, when several files are versions of it.
    #[serde(default, deserialize_with = "scalar")]
    pub id: Option<String>,
    /// The version number, when several files are versions of one story.
    pub version: Option<u32>,
    /// `usable` (the default), `withheld` or `canceled`.
    pub status: Option<String>,
    /// This version's correction note, shown above the body.
    pub correction: Option<String>,
}

impl FrontMatter {
    /// Deserializes the YAML of `split`, with errors located in the file.
    pub(crate) fn parse(split: &Split<'_>) -> Result<FrontMatter, Located> {
        if split.yaml.trim().is_empty() {
            return Ok(FrontMatter::default());
        }
        serde_yaml::from_str(split.yaml).map_err(|e| {
            let (line, column) = e
                .location()
                .map_or((0, None), |l| (l.line() - 1, Some(l.column())));
            Located {
                line: split.yaml_line + line,
                column,
                message: crate::config::strip_yaml_location(&e.to_string()),
            }
        })
    }
}

/// The 1-based file line of top-level `key:` in the front matter, or the
/// opening fence's line when the key is absent.
pub(crate) fn key_line(split: &Split<'_>, key: &str) -> usize {
    split
        .yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| split.yaml_line + i)
}

/// Keywords are a YAML list or one comma-separated string.
fn keywords<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct KeywordsVisitor;
    impl<'de> Visitor<'de> for KeywordsVisitor {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of keywords or a comma-separated string")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(split_keywords(s)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(vec![v.to_string()]))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(vec![v.to_string()]))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = seq.next_element::<Scalar>()? {
                let k = k.0.trim().to_string();
                if !k.is_empty() {
                    out.push(k);
                }
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(KeywordsVisitor)
}

/// A string, or a number taken as written (`id: 12345`).
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| s.0))
}

/// A keyword in a list: a string, or a number or boolean taken as written.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Splits `a, b ,c` into trimmed, non-empty keywords.
pub(crate) fn split_keywords(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str) -> Result<FrontMatter, Located> {
        FrontMatter::parse(&split(text)?)
    }

    #[test]
    fn splits_and_keeps_body() {
        let s = split("---\ntitle: X\n---\nbody\n---\nmore\n").unwrap();
        assert_eq!(s.yaml, "title: X\n");
        assert_eq!(s.body, "body\n---\nmore\n");
    }

    #[test]
    fn unterminated_is_an_error() {
        let e = split("---\ntitle: X\nbody\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("never closed"));
    }

    #[test]
    fn missing_fence_is_an_error() {
        let e = split("title: X\n").unwrap_err();
        assert!(e.message.contains("found `title: X`"), "{}", e.message);
    }

    #[test]
    fn dates_and_numbers_read_as_strings() {
        let f = fm("---\ntitle: 2017\ndate: 2017-07-03 17:57:31\nslug: 42\n---\n").unwrap();
        assert_eq!(f.title.as_deref(), Some("2017"));
        assert_eq!(f.date.as_deref(), Some("2017-07-03 17:57:31"));
        assert_eq!(f.slug.as_deref(), Some("42"));
    }

    #[test]
    fn keywords_list_or_string() {
        let f = fm("---\nkeywords: [a, ' b ', 3]\n---\n").unwrap();
        assert_eq!(f.keywords.unwrap(), ["a", "b", "3"]);
        let f = fm("---\nkeywords: \"x, y,,z \"\n---\n").unwrap();
        assert_eq!(f.keywords.unwrap(), ["x", "y", "z"]);
        let f = fm("---\nkeywords:\n---\n").unwrap();
        assert!(f.keywords.is_none());
    }

    #[test]
    fn unknown_key_located_in_file() {
        let e = fm("---\ntitle: X\nkeyword: [a]\n---\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .starts_with("unknown field `keyword`, expected one of"),
            "{}",
            e.message
        );
    }

    #[test]
    fn malformed_yaml_located_in_file() {
        let e = fm("---\ntitle: X\ndate: [unclosed\n---\n").unwrap_err();
        assert!(e.line >= 3, "{e:?}");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn split_never_panics(text in "(?s).{0,300}") {
            if let Ok(s) = split(&text) {
                let _ = FrontMatter::parse(&s);
            }
        }

        /// The body comes back byte for byte, `---` lines in it included.
        #[test]
        fn body_is_kept_exactly(
            yaml in prop::collection::vec("[a-z]{1,8}: [A-Za-z0-9 ]{0,20}", 0..6),
            body in prop::collection::vec(prop_oneof!["---", "\\.\\.\\.", "[ -~]{0,40}"], 0..10),
        ) {
            let yaml: String = yaml.iter().map(|l| format!("{l}\n")).collect();
            let body = body.join("\n");
            let text = format!("---\n{yaml}---\n{body}");
            let s = split(&text).unwrap();
            prop_assert_eq!(s.yaml, yaml.as_str());
            prop_assert_eq!(s.body, body.as_str());
        }
    }
}
