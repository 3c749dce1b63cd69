//! How dates are shown: RFC 3339 in feeds, sitemaps and `datetime`
//! attributes, and words for readers.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `July 3, 2017 17:57 (+08:00)`
pub(crate) fn date_display(d: &DateTime<FixedOffset>) -> String {
    let (year, offset) = (d.year(), d.offset().local_minus_utc());
    if !(0..=9999).contains(&year) || offset % 60 != 0 {
        return date_display_slow(d);
    }
    let mut s = String::with_capacity(32);
    s.push_str(MONTHS[d.month0() as usize]);
    s.push(' ');
    push_number(&mut s, d.day(), 1);
    s.push_str(", ");
    push_number(&mut s, year as u32, 1);
    s.push(' ');
    push_number(&mut s, d.hour(), 2);
    s.push(':');
    push_number(&mut s, d.minute(), 2);
    s.push_str(" (");
    push_offset(&mut s, offset);
    s.push(')');
    s
}

/// [`date_display`] by `chrono`'s formatting: for years it does not
/// write as four digits, and offsets with seconds.
fn date_display_slow(d: &DateTime<FixedOffset>) -> String {
    format!(
        "{} {}, {} {} ({})",
        MONTHS[d.month0() as usize],
        d.day(),
        d.year(),
        d.format("%H:%M"),
        d.offset()
    )
}

/// RFC 3339 with seconds, `+08:00` style offsets (`Z` never used, so the
/// story's own offset stays visible), and as many digits of a fraction of
/// a second as it has (3, 6 or 9; none for whole seconds).
pub(crate) fn rfc3339(d: &DateTime<FixedOffset>) -> String {
    let (year, offset, nanos) = (d.year(), d.offset().local_minus_utc(), d.nanosecond());
    // Written by hand, as `chrono` writes it, but a few times faster: pages
    // show a date or two of each story they list.
    if !(0..=9999).contains(&year) || offset % 60 != 0 || nanos >= 1_000_000_000 {
        return rfc3339_slow(d);
    }
    let mut s = String::with_capacity(35);
    push_number(&mut s, year as u32, 4);
    s.push('-');
    push_number(&mut s, d.month(), 2);
    s.push('-');
    push_number(&mut s, d.day(), 2);
    s.push('T');
    push_number(&mut s, d.hour(), 2);
    s.push(':');
    push_number(&mut s, d.minute(), 2);
    s.push(':');
    push_number(&mut s, d.second(), 2);
    if nanos != 0 {
        s.push('.');
        match (nanos % 1_000_000, nanos % 1_000) {
            (0, _) => push_number(&mut s, nanos / 1_000_000, 3),
            (_, 0) => push_number(&mut s, nanos / 1_000, 6),
            _ => push_number(&mut s, nanos, 9),
        }
    }
    push_offset(&mut s, offset);
    s
}

/// [`rfc3339`] by `chrono`: for years it does not write as four digits,
/// offsets with seconds and leap seconds.
fn rfc3339_slow(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_number(s: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let (mut n, mut i) = (n, digits.len());
    while n > 0 || digits.len() - i < width.max(1) {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // ASCII digits.
    s.extend(digits[i..].iter().map(|&b| b as char));
}

/// Appends an offset of whole minutes east of UTC: `+08:00`, `-05:30`.
fn push_offset(s: &mut String, seconds_east: i32) {
    s.push(if seconds_east < 0 { '-' } else { '+' });
    let minutes = seconds_east.unsigned_abs() / 60;
    push_number(s, minutes / 60, 2);
    s.push(':');
    push_number(s, minutes % 60, 2);
}

/// `July 3, 2017`
pub(crate) fn day_label(d: NaiveDate) -> String {
    format!("{} {}, {}", month_name(d.month()), d.day(), d.year())
}

/// `July 2017`
pub(crate) fn month_label(y: i32, m: u32) -> String {
    format!("{} {y}", month_name(m))
}

/// `July`
pub(crate) fn month_name(m: u32) -> &'static str {
    MONTHS[(m as usize).saturating_sub(1) % 12]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_keep_their_offset() {
        let d = DateTime::parse_from_rfc3339("2017-07-03T01:00:00+08:00").unwrap();
        assert_eq!(rfc3339(&d), "2017-07-03T01:00:00+08:00");
        assert_eq!(date_display(&d), "July 3, 2017 01:00 (+08:00)");
        assert_eq!(day_label(d.date_naive()), "July 3, 2017");
        assert_eq!(month_label(2017, 7), "July 2017");
    }

    #[test]
    fn fractions_and_offsets_are_written_as_chrono_writes_them() {
        for (text, want) in [
            (
                "2017-07-03T01:00:00.5+08:00",
                "2017-07-03T01:00:00.500+08:00",
            ),
            (
                "2017-07-03T01:00:00.000250-05:30",
                "2017-07-03T01:00:00.000250-05:30",
            ),
            (
                "0987-01-09T23:59:59.000000001Z",
                "0987-01-09T23:59:59.000000001+00:00",
            ),
        ] {
            let d = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(rfc3339(&d), want);
            assert_eq!(rfc3339(&d), rfc3339_slow(&d));
            assert_eq!(date_display(&d), date_display_slow(&d));
        }
    }

    proptest! {
        /// The hand-written forms are `chrono`'s, for any instant and
        /// offset (the slow path included: years past 9999 or before 0,
        /// offsets with seconds, leap seconds).
        #[test]
        fn the_fast_forms_are_chronos(
            secs in -70_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|n| n * 1_000_000),
                (0u32..1_000_000).prop_map(|n| n * 1_000),
                0u32..2_000_000_000,
            ],
            offset in prop_oneof![
                (-1439i32..1440).prop_map(|m| m * 60),
                -86_399i32..86_400,
            ],
        ) {
            let tz = FixedOffset::east_opt(offset).unwrap();
            let Some(utc) = chrono::DateTime::from_timestamp(secs, nanos) else {
                return Ok(());
            };
            let d = utc.with_timezone(&tz);
            prop_assert_eq!(rfc3339(&d), rfc3339_slow(&d));
            prop_assert_eq!(date_display(&d), date_display_slow(&d));
        }
    }
}
