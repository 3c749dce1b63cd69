//! What agencies deliver: IPTC ninjs (JSON), NewsML-G2 (XML, with its body
//! as NITF, XHTML or plain text) and NITF (XML), one or many stories a file.
//!
//! Each parser reads a file into [`Item`]s: what an agency tells of a story,
//! in its own terms, with the line it starts on. [`to_article`] maps an item
//! to a story the same way for all three (SPEC.md's field table), spools its
//! body, and names what is missing by the item's id. Items that are not text
//! (pictures, video, packages, events...) are counted, never errors: real
//! feeds mix them in.

pub(crate) mod g2;
pub(crate) mod markup;
pub(crate) mod ninjs;
pub(crate) mod nitf;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::frontmatter::Located;
use super::spool::Spool;
use super::{body, content_hash, dates, sanitize, wire, Source};
use crate::config::Config;
use crate::model::{Article, Extra, Format, Status};
use markup::Html;

/// A story as an agency describes it.
#[derive(Debug, Default)]
pub(crate) struct Item {
    /// 1-based line and column where it starts in its file.
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) guid: Option<String>,
    pub(crate) headline: Option<String>,
    /// When the story was first filed, as written.
    pub(crate) first_created: Option<String>,
    /// When this version was filed, as written.
    pub(crate) version_created: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) byline: Option<String>,
    pub(crate) dateline: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) keywords: Vec<String>,
    pub(crate) language: Option<String>,
    pub(crate) slugline: Option<String>,
    pub(crate) urgency: Option<u8>,
    pub(crate) copyright: Option<String>,
    /// Whom to credit (G2 `creditline`).
    pub(crate) credit: Option<String>,
    /// The story's genres, by name (`Analysis`, `Interview`).
    pub(crate) genres: Vec<String>,
    /// Not to be published before this time, as written.
    pub(crate) embargo: Option<String>,
    /// The version number, as written (G2 `@version`, ninjs `version`).
    pub(crate) version: Option<String>,
    /// The publishing status, as written (`stat:canceled`, `withheld`).
    pub(crate) status: Option<String>,
    /// When the agency marks this version a correction: its note (empty
    /// when it gives none).
    pub(crate) correction: Option<String>,
    pub(crate) body: Option<Html>,
}

/// What a file gave.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Its text items, in order.
    pub(crate) items: Vec<Item>,
    /// The kind of each item skipped (`picture`, `package`...).
    pub(crate) skipped: Vec<&'static str>,
    /// Its problems, each at its line (a bad item does not stop the others).
    pub(crate) errors: Vec<Located>,
}

/// Whether an IPTC code (`sig:correction`, `dpaednoterole:correctionshort`,
/// or a code's URI) names a correction.
pub(crate) fn is_correction_code(code: &str) -> bool {
    let local = code.rsplit([':', '/']).next().unwrap_or("");
    local.to_ascii_lowercase().starts_with("correct")
}

/// The kinds of item that are not text, by the name each standard gives
/// them (NewsML-G2 `ninat:` qcodes, ninjs `type`), as counted in the
/// build summary.
pub(crate) fn item_kind(name: &str) -> Option<&'static str> {
    let kind = name.rsplit([':', '/']).next().unwrap_or(name);
    Some(match kind.to_ascii_lowercase().as_str() {
        "text" => return None,
        "picture" | "image" | "photo" => "picture",
        "video" => "video",
        "audio" => "audio",
        "graphic" => "graphic",
        "composite" => "composite",
        "component" => "component",
        "event" => "event",
        "planning" => "planning",
        "package" | "packageitem" => "package",
        "concept" | "conceptitem" => "concept",
        "knowledge" | "knowledgeitem" => "knowledge",
        _ => "other",
    })
}

/// What each standard calls the fields a story cannot do without.
pub(crate) struct Names {
    pub(crate) format: Format,
    pub(crate) headline: &'static str,
    pub(crate) date: &'static str,
}

/// Maps `item` (the `n`th of its file, of `of` text items) to a story,
/// spooling its body; `Err` names what is missing or wrong. What is kept
/// out of the story without failing it goes to `warnings`.
pub(crate) fn to_article(
    item: Item,
    place: (usize, usize),
    src: &Source,
    names: &Names,
    config: &Config,
    spool: &Spool,
    warnings: &mut Vec<Located>,
) -> Result<Article, Vec<Located>> {
    let (n, of) = place;
    let who = match &item.guid {
        Some(g) => format!("item `{g}`"),
        None if of > 1 => format!("item {n}"),
        None => "the item".to_string(),
    };
    let at = |message: String| Located {
        line: item.line,
        column: Some(item.column),
        message,
    };
    let mut errs = Vec::new();
    let title = item.headline.as_deref().map(clean).unwrap_or_default();
    if title.is_empty() {
        errs.push(at(format!(
            "{who} has no headline: expected {}",
            names.headline
        )));
    }
    let date = match item
        .first_created
        .as_deref()
        .or(item.version_created.as_deref())
    {
        None => {
            errs.push(at(format!("{who} has no date: expected {}", names.date)));
            None
        }
        Some(d) => parse_date(d, config.timezone)
            .map_err(|m| errs.push(at(format!("{who}: {m}"))))
            .ok(),
    };
    // A date besides the first: parsed, or an error naming what it is.
    let mut other_date = |what: &str, value: Option<&str>| {
        parse_date(value?, config.timezone)
            .map_err(|m| errs.push(at(format!("{who}: {what}: {m}"))))
            .ok()
    };
    let updated = match &item.first_created {
        Some(_) => other_date("version date", item.version_created.as_deref()),
        None => None,
    };
    let embargo = other_date("embargo", item.embargo.as_deref());
    let version = item.version.as_deref().map(str::trim).and_then(|v| {
        let n = v.parse::<u32>().ok();
        if n.is_none() {
            warnings.push(at(format!(
                "{who}: version `{v}` ignored: expected a whole number (its versions are \
                 ordered by time)"
            )));
        }
        n
    });
    let status = match item.status.as_deref().map(str::trim) {
        None | Some("") => Status::Usable,
        Some(s) => Status::named(s).unwrap_or_else(|| {
            // NITF's `embargoed` is said by the embargo time itself.
            if !s.eq_ignore_ascii_case("embargoed") {
                warnings.push(at(format!(
                    "{who}: status `{s}` read as usable: expected `usable`, `withheld` or \
                     `canceled` (`stat:canceled`)"
                )));
            }
            Status::Usable
        }),
    };
    let Some(date) = date.filter(|_| errs.is_empty()) else {
        return Err(errs);
    };
    let mut a = Article::new(
        src.id.clone(),
        Arc::clone(&src.dir),
        names.format,
        title,
        date,
    );
    if of > 1 {
        a.set_item(n);
    }
    a.set_slug_line(item.line);
    a.updated = updated.filter(|u| *u != date);
    a.status = status;
    a.source = item.source.as_deref().map(clean).unwrap_or_default().into();
    let body = item.body.unwrap_or_default();
    let first = clean(&body.first_paragraph);
    a.dateline = non_empty(item.dateline.as_deref())
        .or_else(|| wire::find_dateline(&first))
        .map(String::into_boxed_str);
    a.summary = match non_empty(item.description.as_deref()) {
        Some(d) => body::shorten(&d),
        None => body::shorten(&first),
    }
    .into();
    a.keywords = item
        .keywords
        .iter()
        .map(|k| clean(k))
        .filter(|k| !k.is_empty())
        .collect();
    a.set_extra(Extra {
        guid: item.guid.as_deref().map(clean).filter(|g| !g.is_empty()),
        byline: non_empty(item.byline.as_deref()).map(|b| byline_name(&b).to_string()),
        language: non_empty(item.language.as_deref()).filter(|l| {
            let ok = crate::config::is_language_tag(l);
            if !ok {
                warnings.push(at(format!(
                    "{who}: language `{l}` ignored: expected a language tag such as `en`, \
                     `de` or `zh-Hans`"
                )));
            }
            ok
        }),
        slugline: non_empty(item.slugline.as_deref()),
        urgency: item.urgency.filter(|u| (1..=9).contains(u)),
        copyright: non_empty(item.copyright.as_deref()),
        credit: non_empty(item.credit.as_deref()),
        genres: item
            .genres
            .iter()
            .map(|g| clean(g))
            .filter(|g| !g.is_empty())
            .collect(),
        embargo,
        version,
        correction: item.correction.as_deref().map(clean),
    });
    let (html, _) = sanitize::clean(&body.html);
    a.source_hash = content_hash(&html);
    a.body = spool.put(&html).map_err(|e| {
        vec![at(format!(
            "cannot keep the body for its page (temporary folder): {e}"
        ))]
    })?;
    Ok(a)
}

/// A byline without the word that introduces it (`By Ann Lee`, `BY ANN
/// LEE`, dpa's `Von Anna Schmidt`, AFP's `Par Jean Dupont`, TT's `Av Eva
/// Ek`): the reporter, as a Markdown story's `byline:` gives it (the page
/// says "By").
fn byline_name(b: &str) -> &str {
    const WORDS: &[&str] = &["by", "von", "par", "por", "av", "af", "door"];
    match b.split_once(' ') {
        Some((w, rest))
            if WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)) && !rest.trim().is_empty() =>
        {
            rest.trim_start()
        }
        _ => b,
    }
}

/// A field as shown: whitespace collapsed, control characters dropped.
fn clean(s: &str) -> String {
    let (s, _) = sanitize::clean(s);
    markup::collapse(&s)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(clean).filter(|s| !s.is_empty())
}

/// An agency date: ISO 8601 as RFC 3339 writes it (`2017-07-03T17:57:31`,
/// with or without a fraction and an offset), a bare date, or ISO 8601's
/// basic format (NITF's `20170703T175731+0800`, `20170703`). Without an
/// offset it is read in the site's time zone.
pub(crate) fn parse_date(s: &str, tz: FixedOffset) -> Result<DateTime<FixedOffset>, String> {
    let t = s.trim();
    dates::parse_date(&extended(t).unwrap_or_else(|| t.to_string()), tz).map_err(|_| {
        format!(
            "invalid date `{t}`: expected an ISO 8601 date and time (`2017-07-03T17:57:31+08:00`, \
             `20170703T175731+0800`) or date (`2017-07-03`)"
        )
    })
}

/// ISO 8601's basic format (`20170703T175731Z`) in the extended one.
fn extended(t: &str) -> Option<String> {
    let b = t.as_bytes();
    if b.len() < 8 || !b[..8].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let date = format!("{}-{}-{}", &t[0..4], &t[4..6], &t[6..8]);
    let rest = &t[8..];
    if rest.is_empty() {
        return Some(date);
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (time, zone) = rest.split_at(digits);
    let time = match time.len() {
        6 => format!("{}:{}:{}", &time[0..2], &time[2..4], &time[4..6]),
        4 => format!("{}:{}:00", &time[0..2], &time[2..4]),
        _ => return None,
    };
    let zone = match zone {
        "" => String::new(),
        "Z" | "z" => "Z".to_string(),
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            format!("{}:{}", &z[..3], &z[3..])
        }
        z if z.len() == 6 && z.as_bytes()[3] == b':' => z.to_string(),
        _ => return None,
    };
    Some(format!("{date}T{time}{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn agency_dates() {
        let d = |s: &str| parse_date(s, tz()).map(|d| d.to_rfc3339());
        assert_eq!(
            d("2017-07-03T17:57:31+08:00").unwrap(),
            "2017-07-03T17:57:31+08:00"
        );
        assert_eq!(
            d("2017-10-19T11:17:00.150Z").unwrap(),
            "2017-10-19T11:17:00.150+00:00"
        );
        assert_eq!(d("20070101T000000").unwrap(), "2007-01-01T00:00:00+08:00");
        assert_eq!(
            d("20070101T120000-0500").unwrap(),
            "2007-01-01T12:00:00-05:00"
        );
        assert_eq!(d("20070101T1200Z").unwrap(), "2007-01-01T12:00:00+00:00");
        assert_eq!(d(" 20070101 ").unwrap(), "2007-01-01T00:00:00+08:00");
        for bad in ["", "yesterday", "2007013", "20070101T25", "20071301T000000"] {
            let e = d(bad).unwrap_err();
            assert!(e.contains("expected an ISO 8601 date"), "{bad}: {e}");
        }
    }

    #[test]
    fn bylines_lose_their_by() {
        assert_eq!(byline_name("By Ann Lee"), "Ann Lee");
        assert_eq!(
            byline_name("BY ANN LEE, Associated Press"),
            "ANN LEE, Associated Press"
        );
        assert_eq!(byline_name("Von Anna Schmidt, dpa"), "Anna Schmidt, dpa");
        assert_eq!(byline_name("Ann Lee"), "Ann Lee");
        assert_eq!(byline_name("Byron Lee"), "Byron Lee");
        assert_eq!(byline_name("By"), "By");
    }

    #[test]
    fn kinds_of_item() {
        assert_eq!(item_kind("ninat:text"), None);
        assert_eq!(item_kind("ninat:picture"), Some("picture"));
        assert_eq!(
            item_kind("http://cv.iptc.org/newscodes/ninature/video"),
            Some("video")
        );
        assert_eq!(item_kind("packageItem"), Some("package"));
    }
}
