//! Raw wire copy (`.txt`), in the shape agencies deliver it:
//!
//! ```text
//! <headline>
//!
//! Source: <agency>| <YYYY-MM-DD HH:MM:SS>|Editor: <name>
//! <player boilerplate such as "Video PlayerClose">
//!
//! <CITY, Month D (Agency) -- first paragraph>
//!
//! <paragraphs ...>
//!
//! KEY WORDS: <keyword>[, <keyword> ...]
//! ```
//!
//! The parser takes the metadata out and keeps every body paragraph exactly
//! as written (typos included); it never interprets markup. Every error
//! names the offending line and what was expected there.

use super::frontmatter::{split_keywords, Located};

/// The expected shape of the source line, quoted in errors.
pub(crate) const SOURCE_SHAPE: &str = "`Source: <agency>| <YYYY-MM-DD HH:MM:SS>|Editor: <name>`";

/// A parsed wire story; the date is still text (it needs the site's timezone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireStory {
    /// The headline, trimmed.
    pub headline: String,
    /// The agency from the source line.
    pub source: String,
    /// The date as written on the source line.
    pub date: String,
    /// 1-based line of the source line (for date errors).
    pub source_line: usize,
    /// The editor, when the source line names one.
    pub editor: Option<String>,
    /// `BEIJING, July 3`, taken from the first paragraph.
    pub dateline: Option<String>,
    /// Body paragraphs, verbatim (lines joined with `\n`).
    pub paragraphs: Vec<String>,
    /// Keywords from the `KEY WORDS:` line.
    pub keywords: Vec<String>,
}

/// Parses wire copy.
pub(crate) fn parse(text: &str) -> Result<WireStory, Located> {
    // (1-based line number, line without its end-of-line and trailing blanks)
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .peekable();
    let blank = |l: &str| l.trim().is_empty();

    while lines.next_if(|(_, l)| blank(l)).is_some() {}
    let Some((_, headline)) = lines.next() else {
        return Err(err(1, "empty story: expected a headline on the first line"));
    };
    let headline = headline.trim().to_string();

    while lines.next_if(|(_, l)| blank(l)).is_some() {}
    let (source_line, source_text) = match lines.next() {
        Some((n, l)) if is_source_line(l) => (n, l),
        Some((n, l)) => {
            return Err(err(
                n,
                format!("expected a source line {SOURCE_SHAPE} after the headline, found `{}`", clip(l)),
            ))
        }
        None => {
            return Err(err(
                text.lines().count() + 1,
                format!("expected a source line {SOURCE_SHAPE} after the headline, found the end of the file"),
            ))
        }
    };
    let (source, date, editor) = parse_source_line(source_text).map_err(|m| err(source_line, m))?;

    // Player boilerplate: the block right under the source line, when it
    // does not read like story text. Real copy sometimes has no blank line
    // before the first paragraph, and we must not drop it.
    let block: Vec<(usize, &str)> = {
        let mut probe = lines.clone();
        let mut block = Vec::new();
        while let Some((n, l)) = probe.next_if(|(_, l)| !blank(l)) {
            block.push((n, l));
        }
        block
    };
    if !block.is_empty() && block.iter().all(|(_, l)| is_boilerplate(l)) {
        for _ in 0..block.len() {
            lines.next();
        }
    }

    // Paragraphs: runs of non-blank lines.
    let mut paragraphs: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, l) in lines {
        if blank(l) {
            paragraphs.extend(current.take());
        } else if let Some((_, p)) = current.as_mut() {
            p.push('\n');
            p.push_str(l);
        } else {
            current = Some((n, l.to_string()));
        }
    }
    paragraphs.extend(current);

    let mut keywords = Vec::new();
    if let Some((_, last)) = paragraphs.last() {
        if let Some(list) = strip_keywords_label(last) {
            keywords = split_keywords(&list.replace('\n', ","));
            paragraphs.pop();
        }
    }
    if paragraphs.is_empty() {
        return Err(err(
            source_line + 1,
            "expected the story's paragraphs after the source line, found none",
        ));
    }
    let dateline = paragraphs.first().and_then(|(_, p)| find_dateline(p));
    Ok(WireStory {
        headline,
        source,
        date,
        source_line,
        editor,
        dateline,
        paragraphs: paragraphs.into_iter().map(|(_, p)| p).collect(),
        keywords,
    })
}

fn err(line: usize, message: impl Into<String>) -> Located {
    Located {
        line,
        column: None,
        message: message.into(),
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn is_source_line(l: &str) -> bool {
    l.trim_start()
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("source:"))
}

/// `Source: Xinhua| 2017-07-03 17:57:31|Editor: Zhang Dongmiao`
fn parse_source_line(l: &str) -> Result<(String, String, Option<String>), String> {
    let mut fields = l.split('|').map(str::trim);
    let source = fields
        .next()
        .and_then(|f| f.get(7..))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if source.is_empty() {
        return Err(format!(
            "expected an agency after `Source:` in {SOURCE_SHAPE}"
        ));
    }
    let mut date = None;
    let mut editor = None;
    for f in fields {
        if f.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("editor:"))
        {
            let e = f[7..].trim();
            if !e.is_empty() {
                editor = Some(e.to_string());
            }
        } else if date.is_none() && !f.is_empty() {
            date = Some(f.to_string());
        } else if !f.is_empty() {
            return Err(format!(
                "unexpected field `{}` in the source line: expected {SOURCE_SHAPE}",
                clip(f)
            ));
        }
    }
    let date = date.ok_or_else(|| format!("expected a date in the source line {SOURCE_SHAPE}"))?;
    Ok((source, date, editor))
}

/// Video-player leftovers: short, no sentence punctuation, no dateline.
fn is_boilerplate(l: &str) -> bool {
    let l = l.trim();
    l.chars().count() <= 60 && !l.contains("--") && !l.ends_with(['.', '"', '”', '?', '!', ':'])
}

fn strip_keywords_label(p: &str) -> Option<&str> {
    let t = p.trim_start();
    for label in ["KEY WORDS:", "KEYWORDS:"] {
        if t.get(..label.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(label))
        {
            return Some(&t[label.len()..]);
        }
    }
    None
}

/// `BEIJING, July 3 (Xinhua) -- text` gives `BEIJING, July 3`. The dateline
/// is kept as written (junk included); the agency in brackets is dropped.
pub(crate) fn find_dateline(first_paragraph: &str) -> Option<String> {
    let head = first_paragraph.lines().next()?;
    let dash = head.find("--").or_else(|| head.find(" — "))?;
    let mut d = head[..dash].trim();
    if d.is_empty() || d.chars().count() > 80 {
        return None;
    }
    if d.ends_with(')') {
        if let Some(open) = d.rfind('(') {
            d = d[..open].trim_end();
        }
    }
    let d = d.trim_end_matches(',').trim();
    (!d.is_empty()).then(|| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../content/xinhua-2017-07-03-anti-terror.txt");

    #[test]
    fn seed_story() {
        let s = parse(SEED).unwrap();
        assert_eq!(
            s.headline,
            "Anti-terror cooperation key part of China-Russia partnership: Xi"
        );
        assert_eq!(s.source, "Xinhua");
        assert_eq!(s.date, "2017-07-03 17:57:31");
        assert_eq!(s.source_line, 3);
        assert_eq!(s.editor.as_deref(), Some("Zhang Dongmiao"));
        assert_eq!(s.dateline.as_deref(), Some("BEIJING, July 3"));
        assert_eq!(s.keywords, ["anti-terror"]);
        assert_eq!(s.paragraphs.len(), 14);
        assert!(s.paragraphs[0].starts_with("BEIJING, July 3 (Xinhua) -- Chinese President"));
        assert!(s
            .paragraphs
            .iter()
            .all(|p| !p.contains("Video PlayerClose")));
        assert!(
            s.paragraphs.iter().any(|p| p.contains("copperation")),
            "typos are kept"
        );
    }

    #[test]
    fn missing_source_line() {
        let e = parse("Headline\n\nBEIJING, July 3 -- text\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .starts_with("expected a source line `Source: <agency>|"),
            "{}",
            e.message
        );
        let e = parse("Headline\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn source_line_without_date() {
        let e = parse("H\n\nSource: Xinhua|Editor: X\n\nBody.\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("expected a date"));
    }

    #[test]
    fn empty_file() {
        assert_eq!(parse("").unwrap_err().line, 1);
        assert_eq!(parse(" \n\n").unwrap_err().line, 1);
    }

    #[test]
    fn first_paragraph_right_under_source_is_kept() {
        let s = parse("H\nSource: AP| 2020-01-01 10:00:00\nLONDON, Jan. 1 (AP) -- It rained.\n")
            .unwrap();
        assert_eq!(s.paragraphs, ["LONDON, Jan. 1 (AP) -- It rained."]);
        assert_eq!(s.dateline.as_deref(), Some("LONDON, Jan. 1"));
        assert_eq!(s.editor, None);
    }

    #[test]
    fn datelines_kept_as_written() {
        assert_eq!(
            find_dateline("****LONDON (Reuters) -- x").as_deref(),
            Some("****LONDON")
        );
        assert_eq!(
            find_dateline("ME}LBOURNE, May 2 -- x").as_deref(),
            Some("ME}LBOURNE, May 2")
        );
        assert_eq!(find_dateline("No dateline here."), None);
    }

    #[test]
    fn markup_is_text() {
        let s = parse("H\n\nSource: AP| 2020-01-01\n\n<ACME CORP> rose *5%* & fell\n").unwrap();
        assert_eq!(s.paragraphs, ["<ACME CORP> rose *5%* & fell"]);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics(text in "(?s).{0,400}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_wire_like_lines(lines in prop::collection::vec("(Source:|KEY WORDS:|--|\\(|\\)|\\||[A-Za-z ]|\u{3}|\u{1b}|<|&){0,30}", 0..12)) {
            let _ = parse(&lines.join("\n"));
        }

        /// Every word of every paragraph reaches the parsed story, markup
        /// characters and all.
        #[test]
        fn keeps_every_word(
            headline in "[A-Za-z][A-Za-z0-9 <>&*:'\"-]{0,60}",
            agency in "[A-Za-z]{1,12}",
            paragraphs in prop::collection::vec(
                prop::collection::vec("[A-Za-z0-9<>&*;,.'\"()-]{1,12}", 1..40),
                1..8,
            ),
            keywords in prop::collection::vec("[a-z]{1,10}", 0..4),
        ) {
            let paras: Vec<String> = paragraphs.iter().map(|w| w.join(" ")).collect();
            let mut text = format!("{headline}\n\nSource: {agency}| 2020-01-02 03:04:05|Editor: E\n\n");
            text.push_str(&paras.join("\n\n"));
            if !keywords.is_empty() {
                text.push_str(&format!("\n\nKEY WORDS: {}\n", keywords.join(", ")));
            }
            let story = parse(&text).unwrap();
            prop_assert_eq!(story.headline, headline.trim());
            prop_assert_eq!(&story.paragraphs, &paras);
            prop_assert_eq!(story.keywords, keywords);
        }
    }
}
