//! Values a view holds as what they are made from and formats only when a
//! page is rendered: a URL (a route, borrowed from the plan, and the base
//! URL), a day's link (the day), a date (the instant and its offset). Each derives `Hash` over its
//! fields, and its `Serialize` reads nothing but those fields, so it is in
//! a page's fingerprint by construction, like any other view; a fingerprint
//! pass, which renders nothing, formats none of them (it formatted some
//! 40 strings per listing page).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::format;
use crate::config::BaseUrl;
use crate::model::Route;

/// The URL of `route`: its path, or with `absolute` the whole URL.
#[derive(Debug, Clone, Copy, Hash)]
pub(crate) struct Url<'a> {
    pub(crate) base: &'a BaseUrl,
    pub(crate) route: &'a Route,
    pub(crate) absolute: bool,
}

impl<'a> Url<'a> {
    /// The URL path of `route`.
    pub(crate) fn path(base: &'a BaseUrl, route: &'a Route) -> Self {
        Url {
            base,
            route,
            absolute: false,
        }
    }

    /// The absolute URL of `route`.
    pub(crate) fn permalink(base: &'a BaseUrl, route: &'a Route) -> Self {
        Url {
            absolute: true,
            ..Url::path(base, route)
        }
    }
}

impl Serialize for Url<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.absolute {
            s.serialize_str(&self.route.permalink(self.base))
        } else {
            s.serialize_str(&self.route.url(self.base))
        }
    }
}

/// A link to a day's page: `{title: "July 3, 2017", url}`.
#[derive(Debug, Clone, Copy, Hash)]
pub(crate) struct DayLink<'a> {
    pub(crate) base: &'a BaseUrl,
    pub(crate) day: NaiveDate,
}

impl Serialize for DayLink<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut link = s.serialize_struct("Link", 2)?;
        link.serialize_field("title", &format::day_label(self.day))?;
        link.serialize_field("url", &Route::day(self.day, 1).url(self.base))?;
        link.end()
    }
}

/// A date, shown in RFC 3339 with its own offset. It hashes the offset as
/// well as the instant (chrono's `DateTime` hashes only the instant, and
/// the offset is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Stamp {
    utc: NaiveDateTime,
    offset: i32,
}

impl Stamp {
    /// The instant, whatever the offset.
    pub(crate) fn instant(&self) -> NaiveDateTime {
        self.utc
    }
}

impl From<DateTime<FixedOffset>> for Stamp {
    fn from(d: DateTime<FixedOffset>) -> Self {
        Stamp {
            utc: d.naive_utc(),
            offset: d.offset().local_minus_utc(),
        }
    }
}

impl Stamp {
    fn date<E: serde::ser::Error>(&self) -> Result<DateTime<FixedOffset>, E> {
        let offset = FixedOffset::east_opt(self.offset)
            .ok_or_else(|| E::custom(format!("offset of {} s out of range", self.offset)))?;
        Ok(DateTime::<FixedOffset>::from_naive_utc_and_offset(
            self.utc, offset,
        ))
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format::rfc3339(&self.date()?))
    }
}

/// A date as readers are shown it (`July 3, 2017 17:57 (+08:00)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StampDisplay(pub(crate) Stamp);

impl Serialize for StampDisplay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format::date_display(&self.0.date()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json(v: &impl Serialize) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn urls_of_pages_and_permalinks() {
        let base = BaseUrl::parse("https://x.org/archive/").unwrap();
        let route = Route::tag("trade", 1);
        assert_eq!(json(&Url::path(&base, &route)), "\"/archive/tags/trade/\"");
        assert_eq!(
            json(&Url::permalink(&base, &route)),
            "\"https://x.org/archive/tags/trade/\""
        );
        let day = NaiveDate::from_ymd_opt(2017, 7, 3).unwrap();
        assert_eq!(
            json(&DayLink { base: &base, day }),
            "{\"title\":\"July 3, 2017\",\"url\":\"/archive/2017/07/03/\"}"
        );
    }

    proptest! {
        /// Two stamps hash alike only if they show alike: the offset counts.
        #[test]
        fn a_stamp_shows_its_instant_and_offset(secs in 0i64..4_000_000_000, a in -50_000i32..50_000, b in -50_000i32..50_000) {
            let at = |off: i32| {
                DateTime::from_timestamp(secs, 0)
                    .unwrap()
                    .with_timezone(&FixedOffset::east_opt(off).unwrap())
            };
            let (x, y) = (Stamp::from(at(a)), Stamp::from(at(b)));
            prop_assert_eq!(json(&x), format!("\"{}\"", format::rfc3339(&at(a))));
            prop_assert_eq!(x == y, json(&x) == json(&y));
        }
    }
}
