//! Versions of one story (SPEC.md, "Versions, corrections, kills"): every
//! loaded record with one identity ([`Article::identity`]: the agency's id,
//! else its own) is a version of one story. [`merge`] orders each story's
//! versions, oldest first (by version number when every version has one,
//! else by filing time), checks them, and makes the story the site
//! publishes:
//!
//! - the newest version's text, under the **first** version's date and
//!   slug (its URL never moves), with the newest filing time as `updated`
//!   and every version listed in `versions`;
//! - nothing, when the newest version is `withheld` (counted);
//! - a withdrawn story, when it is `canceled`: kept apart, so that its URL
//!   is still its own (a notice page, or nothing).
//!
//! A story of one version is its record itself, shared, not copied. Equal
//! versions in two files, and two agencies' stories under one id, are
//! errors naming both; a lower version number filed after a higher one is
//! a warning (the higher is published).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::article::{Article, Status};
use crate::diag::{Diagnostic, Diagnostics};

/// The stories made from a site's records.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// Stories to publish, in no particular order.
    pub published: Vec<Arc<Article>>,
    /// Stories whose newest version kills them.
    pub killed: Vec<Arc<Article>>,
    /// How many stories the agency withholds (their newest version says so).
    pub withheld: usize,
}

/// Groups `records` (sorted by id) into stories; problems go to `ds`.
pub(crate) fn merge(records: &[Arc<Article>], ds: &mut Diagnostics) -> Merged {
    // Most stories have one version: a map from identity to its first
    // record, and the few groups of several aside.
    let mut first: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    first.reserve(records.len());
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut grouped = vec![false; records.len()];
    for (i, r) in records.iter().enumerate() {
        match first.entry(r.identity()) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(e) => {
                let f = *e.get();
                groups.entry(f).or_insert_with(|| vec![f]).push(i);
                grouped[f] = true;
                grouped[i] = true;
            }
        }
    }
    drop(first);
    let mut out = Merged {
        published: Vec::with_capacity(records.len()),
        ..Merged::default()
    };
    for (i, r) in records.iter().enumerate() {
        if !grouped[i] {
            out.add(Arc::clone(r));
        }
    }
    for group in groups.into_values() {
        let mut versions: Vec<&Arc<Article>> = group.iter().map(|&i| &records[i]).collect();
        if let Some(story) = merge_group(&mut versions, ds) {
            out.add(Arc::new(story));
        }
    }
    out
}

impl Merged {
    fn add(&mut self, story: Arc<Article>) {
        match story.status {
            Status::Usable => self.published.push(story),
            Status::Canceled => self.killed.push(story),
            Status::Withheld => self.withheld += 1,
        }
    }
}

/// One story of several versions, or `None` after an error.
fn merge_group(versions: &mut [&Arc<Article>], ds: &mut Diagnostics) -> Option<Article> {
    // Numbers order versions when every one has a number; else their times
    // do (then the number, then the id: a total order either way).
    let numbered = versions.iter().all(|v| v.extra().version.is_some());
    versions.sort_by(|a, b| {
        let by = if numbered {
            a.extra().version.cmp(&b.extra().version)
        } else {
            a.modified()
                .cmp(&b.modified())
                .then(a.extra().version.cmp(&b.extra().version))
        };
        by.then_with(|| a.id.cmp(&b.id))
    });
    let id = versions[0].identity();
    let mut failed = false;
    for pair in versions.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if !a.source.is_empty() && !b.source.is_empty() && a.source != b.source {
            failed = true;
            ds.push(Diagnostic::error(
                b.path(),
                b.line_in_file().unwrap_or(0),
                format!(
                    "story `{id}` is from {}, and {} has the same id from {}: expected one \
                     agency's versions of one story under one id",
                    b.source,
                    a.place(),
                    a.source
                ),
            ));
            continue;
        }
        let same = if numbered {
            a.extra().version == b.extra().version
        } else {
            a.modified() == b.modified() && a.extra().version == b.extra().version
        };
        if same {
            failed = true;
            let what = match b.extra().version {
                Some(n) => format!("version {n}"),
                None => format!("a version filed at {}", b.modified().to_rfc3339()),
            };
            ds.push(Diagnostic::error(
                b.path(),
                b.line_in_file().unwrap_or(0),
                format!(
                    "{what} of story `{id}` is also in {}: expected each version once, a new \
                     one with a higher version number or a later time",
                    a.place()
                ),
            ));
        }
    }
    if failed {
        return None;
    }
    if numbered {
        // A number is the agency's word; a time that runs backwards is
        // worth saying, never a silent choice.
        for (k, a) in versions.iter().enumerate() {
            if let Some(b) = versions[k + 1..]
                .iter()
                .find(|b| b.modified() < a.modified())
            {
                ds.push(Diagnostic::warning(
                    a.path(),
                    a.line_in_file().unwrap_or(0),
                    format!(
                        "version {} of story `{id}` was filed at {}, after version {} ({}) at \
                         {}: the highest number, version {}, is published",
                        a.extra().version.unwrap_or(0),
                        a.modified().to_rfc3339(),
                        b.extra().version.unwrap_or(0),
                        b.place(),
                        b.modified().to_rfc3339(),
                        versions[versions.len() - 1].extra().version.unwrap_or(0)
                    ),
                ));
            }
        }
    }
    let first = versions[0];
    let newest = versions[versions.len() - 1];
    let mut story = Article::clone(newest);
    story.date = first.date;
    story.updated = Some(newest.modified()).filter(|u| *u != first.date);
    story.set_base_slug(first.base_slug().to_string());
    story.explicit_slug = first.explicit_slug;
    story.set_versions(versions.iter().map(|v| v.as_version()).collect());
    Some(story)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;
    use chrono::DateTime;

    fn record(id: &str, guid: &str, version: Option<u32>, time: &str, title: &str) -> Arc<Article> {
        let date = DateTime::parse_from_rfc3339("2020-01-01T09:00:00+00:00").unwrap();
        let mut a = Article::new(
            id.into(),
            crate::model::article::content_dir(),
            Format::NewsMl,
            title.into(),
            date,
        );
        a.edit_extra(|e| {
            e.guid = Some(guid.into());
            e.version = version;
        });
        a.updated = Some(DateTime::parse_from_rfc3339(time).unwrap()).filter(|u| *u != date);
        a.source = "Reuters".into();
        Arc::new(a)
    }

    fn merged(mut records: Vec<Arc<Article>>) -> (Merged, Diagnostics) {
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let mut ds = Diagnostics::new();
        (merge(&records, &mut ds), ds)
    }

    #[test]
    fn the_highest_version_is_published_under_the_first_url() {
        let (m, ds) = merged(vec![
            record("c.xml", "urn:1", Some(3), "2020-01-01T12:00:00Z", "Third"),
            record("a.xml", "urn:1", Some(1), "2020-01-01T09:00:00Z", "First"),
            record("b.xml", "urn:1", Some(2), "2020-01-01T10:00:00Z", "Second"),
            record("d.xml", "urn:2", Some(1), "2020-01-01T10:00:00Z", "Other"),
        ]);
        assert!(ds.is_empty(), "{ds}");
        assert_eq!(m.published.len(), 2);
        let s = m
            .published
            .iter()
            .find(|s| s.extra().guid.as_deref() == Some("urn:1"))
            .unwrap();
        assert_eq!(&*s.title, "Third");
        assert_eq!(s.base_slug(), "first");
        assert_eq!(s.first_id(), "a.xml");
        let titles: Vec<&str> = s.versions().iter().map(|v| v.title.as_str()).collect();
        assert_eq!(titles, ["First", "Second", "Third"]);
        assert_eq!(s.modified().to_rfc3339(), "2020-01-01T12:00:00+00:00");
    }

    #[test]
    fn without_numbers_the_latest_time_wins() {
        let (m, ds) = merged(vec![
            record("b.xml", "urn:1", None, "2020-01-01T08:00:00Z", "Early"),
            record("a.xml", "urn:1", None, "2020-01-01T11:00:00Z", "Late"),
        ]);
        assert!(ds.is_empty());
        assert_eq!(&*m.published[0].title, "Late");
        assert_eq!(m.published[0].base_slug(), "early");
    }

    #[test]
    fn the_newest_status_decides() {
        let mut kill = Article::clone(&record(
            "b.xml",
            "urn:1",
            Some(2),
            "2020-01-02T08:00:00Z",
            "K",
        ));
        kill.status = Status::Canceled;
        let mut hold = Article::clone(&record(
            "d.xml",
            "urn:2",
            Some(2),
            "2020-01-02T08:00:00Z",
            "H",
        ));
        hold.status = Status::Withheld;
        let (m, _) = merged(vec![
            record("a.xml", "urn:1", Some(1), "2020-01-01T09:00:00Z", "Story"),
            Arc::new(kill),
            record("c.xml", "urn:2", Some(1), "2020-01-01T09:00:00Z", "Held"),
            Arc::new(hold),
        ]);
        assert!(m.published.is_empty());
        assert_eq!(m.killed.len(), 1);
        assert_eq!(
            m.killed[0].base_slug(),
            "story",
            "a kill keeps the story's URL"
        );
        assert_eq!(m.withheld, 1);
    }

    #[test]
    fn equal_versions_and_two_agencies_are_errors_naming_both() {
        let (m, ds) = merged(vec![
            record("a.xml", "urn:1", Some(2), "2020-01-01T09:00:00Z", "One"),
            record("b.xml", "urn:1", Some(2), "2020-01-01T10:00:00Z", "Two"),
        ]);
        assert!(m.published.is_empty());
        let msg = ds.to_string();
        assert!(
            msg.contains(
                "content/b.xml: error: version 2 of story `urn:1` is also in content/a.xml"
            ),
            "{msg}"
        );
        let mut other = Article::clone(&record(
            "d.xml",
            "urn:1",
            Some(1),
            "2020-01-01T09:00:00Z",
            "X",
        ));
        other.source = "AP".into();
        let (_, ds) = merged(vec![
            record("c.xml", "urn:1", Some(2), "2020-01-01T09:00:00Z", "One"),
            Arc::new(other),
        ]);
        let msg = ds.to_string();
        assert!(
            msg.contains(
                "story `urn:1` is from Reuters, and content/d.xml has the same id from AP"
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_lower_number_filed_later_is_a_warning() {
        let (m, ds) = merged(vec![
            record("a.xml", "urn:1", Some(2), "2020-01-01T12:00:00Z", "Two"),
            record("b.xml", "urn:1", Some(3), "2020-01-01T10:00:00Z", "Three"),
        ]);
        assert_eq!(&*m.published[0].title, "Three");
        assert_eq!(ds.warning_count(), 1);
        assert!(!ds.has_errors());
        let msg = ds.to_string();
        assert!(msg.contains("content/a.xml: warning: version 2 of story `urn:1` was filed at 2020-01-01T12:00:00+00:00, after version 3 (content/b.xml)"), "{msg}");
    }

    #[test]
    fn statuses_by_name_and_by_code() {
        for (name, want) in [
            ("usable", Some(Status::Usable)),
            ("stat:canceled", Some(Status::Canceled)),
            ("Cancelled", Some(Status::Canceled)),
            (
                "http://cv.iptc.org/newscodes/pubstatusg2/withheld",
                Some(Status::Withheld),
            ),
            (" withheld ", Some(Status::Withheld)),
            ("killed", None),
            ("", None),
        ] {
            assert_eq!(Status::named(name), want, "{name}");
        }
    }
}
