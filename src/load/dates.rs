//! The accepted date formats.
//!
//! - RFC 3339: `2017-07-03T17:57:31+08:00` (also with a space for `T`);
//! - `YYYY-MM-DD HH:MM:SS` (optionally `T` for the space, a fraction of a
//!   second, and an offset such as `+08:00` after a space);
//! - `YYYY-MM-DD` (midnight).
//!
//! A date written without an offset is read in the site's `timezone`, so the
//! story keeps the day it was filed on. Leading and trailing blanks are
//! ignored; anything else that does not match is an error that lists the
//! accepted formats. Nothing is guessed.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The message tail listing what we accept.
pub(crate) const EXPECTED: &str = "expected `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or RFC 3339 \
                            (`2017-07-03T17:57:31+08:00`)";

/// Parses `s`, reading dates without an offset in `tz`.
pub(crate) fn parse_date(s: &str, tz: FixedOffset) -> Result<DateTime<FixedOffset>, String> {
    let t = s.trim();
    let invalid = || format!("invalid date `{s}`: {EXPECTED}");
    if t.len() < 10 || !t.is_char_boundary(10) {
        return Err(invalid());
    }
    let (date_part, rest) = t.split_at(10);
    let date = parse_ymd(date_part).ok_or_else(invalid)?;
    if rest.is_empty() {
        return local(tz, date.and_time(NaiveTime::MIN)).ok_or_else(invalid);
    }
    let rest = rest
        .strip_prefix(['T', 't', ' '])
        .ok_or_else(invalid)?
        .trim_start();
    // Time: HH:MM:SS with an optional fraction, then an optional offset.
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time_s, offset_s) = rest.split_at(time_len);
    let time = NaiveTime::parse_from_str(time_s, "%H:%M:%S%.f")
        .ok()
        .filter(|_| is_hms_shape(time_s))
        .ok_or_else(invalid)?;
    let naive = date.and_time(time);
    let offset_s = offset_s.trim_start();
    if offset_s.is_empty() {
        return local(tz, naive).ok_or_else(invalid);
    }
    let off = parse_rfc_offset(offset_s).ok_or_else(invalid)?;
    local(off, naive).ok_or_else(invalid)
}

fn local(tz: FixedOffset, naive: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&naive).single()
}

/// `YYYY-MM-DD` with exactly these digit counts.
fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[0..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..10].parse().ok()?,
    )
}

/// `HH:MM:SS` or `HH:MM:SS.f+`: two digits each, so `605:12:19` is refused.
fn is_hms_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
        && (b.len() == 8 || (b[8] == b'.' && b.len() > 9 && b[9..].iter().all(u8::is_ascii_digit)))
}

/// `Z`, `+08:00`, `+0800`.
fn parse_rfc_offset(s: &str) -> Option<FixedOffset> {
    if s.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        6 if b[3] == b':' => (&s[1..3], &s[4..6]),
        5 => (&s[1..3], &s[3..5]),
        _ => return None,
    };
    if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz8() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn ok(s: &str) -> String {
        parse_date(s, tz8()).unwrap().to_rfc3339()
    }

    #[test]
    fn accepted_formats() {
        assert_eq!(ok("2017-07-03 17:57:31"), "2017-07-03T17:57:31+08:00");
        assert_eq!(ok("2017-07-03T17:57:31"), "2017-07-03T17:57:31+08:00");
        assert_eq!(ok("2017-07-03"), "2017-07-03T00:00:00+08:00");
        assert_eq!(ok("2017-07-03T17:57:31Z"), "2017-07-03T17:57:31+00:00");
        assert_eq!(ok("2017-07-03T17:57:31-05:00"), "2017-07-03T17:57:31-05:00");
        assert_eq!(
            ok("2017-07-03 01:00:00 +08:00"),
            "2017-07-03T01:00:00+08:00"
        );
        assert_eq!(ok("2017-07-03 01:00:00+0530"), "2017-07-03T01:00:00+05:30");
        assert_eq!(ok("2017-07-03 17:57:31.5"), "2017-07-03T17:57:31.500+08:00");
        assert_eq!(ok("  2017-07-03 17:57:31 "), "2017-07-03T17:57:31+08:00");
    }

    #[test]
    fn rejected_without_guessing() {
        for bad in [
            "",
            "yesterday",
            "2017-7-3",
            "2017-07-03 605:12:19",
            "2017-07-03 17:57:31 junk",
            "2017-07-03 17:57",
            "2017-02-30",
            "2017-07-03 25:00:00",
            "2017-07-03x17:57:31",
            "2017-07-03 17:57:31.",
            "2017-07-03 17:57:31 +8",
            "03/07/2017",
            "２０１７-07-03",
        ] {
            let e = parse_date(bad, tz8()).unwrap_err();
            assert!(e.contains("expected `YYYY-MM-DD HH:MM:SS`"), "{bad}: {e}");
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn never_panics(s in "(?s).{0,40}") {
            let _ = parse_date(&s, FixedOffset::east_opt(3600).unwrap());
        }

        #[test]
        fn never_panics_on_date_like_input(s in "[0-9 :T.+Z-]{0,30}") {
            let _ = parse_date(&s, FixedOffset::east_opt(0).unwrap());
        }

        /// A valid date in any accepted shape means that instant, never another.
        #[test]
        fn valid_dates_round_trip(
            days in 0i64..80_000,
            secs in 0u32..86_400,
            offset_min in -720i32..=840,
            shape in 0usize..3,
        ) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            let off = FixedOffset::east_opt(offset_min * 60).unwrap();
            let want = off.from_local_datetime(&date.and_time(time)).unwrap();
            let text = match shape {
                0 => want.to_rfc3339(),
                1 => format!("{} {}", date.and_time(time).format("%Y-%m-%d %H:%M:%S"), off),
                _ => date.and_time(time).format("%Y-%m-%d %H:%M:%S").to_string(),
            };
            let got = parse_date(&text, off).unwrap();
            prop_assert_eq!(got, want);
            prop_assert_eq!(got.offset(), want.offset());
        }
    }
}
