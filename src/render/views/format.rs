//! How dates are shown: RFC 3339 in feeds, sitemaps and `datetime`
//! attributes, and words for readers.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

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
/// story's own offset stays visible).
pub(crate) fn rfc3339(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
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

    #[test]
    fn dates_keep_their_offset() {
        let d = DateTime::parse_from_rfc3339("2017-07-03T01:00:00+08:00").unwrap();
        assert_eq!(rfc3339(&d), "2017-07-03T01:00:00+08:00");
        assert_eq!(date_display(&d), "July 3, 2017 01:00 (+08:00)");
        assert_eq!(day_label(d.date_naive()), "July 3, 2017");
        assert_eq!(month_label(2017, 7), "July 2017");
    }
}
