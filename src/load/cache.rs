//! The cache of parsed stories: what the loader made of each Markdown and
//! wire file ([`Parsed`]), kept between builds in the cache folder beside
//! the output (`.public.cache/stories`), so that a build parses only the
//! files that changed.
//!
//! An entry is keyed by its file's content: its hash, with the stamp the
//! file had when it was read. A file whose stamp is the same (and was not
//! too recent to vouch for it) is not read at all; one whose stamp changed
//! is read, and parsed only if its hash changed too. The whole cache is
//! keyed by what parsing depends on besides the file (dateline itself,
//! `site.yaml`, `--lossy`, where the site is): under another key it is
//! not used. A cache that is missing or damaged is no cache. Agency files
//! (ninjs, NewsML-G2, NITF) are parsed every time: their bodies live in a
//! build's spool, which does not outlast it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FileKind, Loaded, Loader, Parsed, Source};
use crate::fsx::{self, IoError, Stamp};
use crate::model::Article;
use crate::output::sealed;

/// The first bytes of a cache file, with its format's version.
const MAGIC: &[u8] = b"dateline stories 1\n";

/// Parsed stories, by file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct StoryCache {
    /// What parsing depended on besides the files.
    key: u64,
    /// One entry per Markdown or wire file, sorted by id.
    files: Vec<Cached>,
}

/// One file's entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    /// Its path under `content/`.
    id: String,
    /// Its stamp, taken before it was read.
    stamp: Stamp,
    /// Whether the stamp was too recent to vouch for the bytes.
    racy: bool,
    /// The hash of its text as read.
    hash: u64,
    /// What the loader made of it.
    parsed: Parsed,
}

/// What [`Loader::load_cached`] did with the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CacheUse {
    /// Files taken from the cache unread.
    pub(crate) unread: usize,
    /// Files read (changed stamp) but not parsed again (same bytes).
    pub(crate) same_bytes: usize,
    /// Files parsed.
    pub(crate) parsed: usize,
}

impl StoryCache {
    /// The cache at `path` if it was made under `key` (`None` if there is
    /// none, or one made under another key), or why it cannot be used.
    pub(crate) fn load(path: &Path, key: u64) -> Result<Option<StoryCache>, String> {
        match sealed::load::<StoryCache>(path, MAGIC) {
            Ok(cache) => Ok((cache.key == key).then_some(cache)),
            Err(sealed::Unusable::Missing) => Ok(None),
            Err(sealed::Unusable::Damaged(why)) => Err(why),
        }
    }

    /// Writes the cache to `path`, whole or not at all.
    pub(crate) fn save(&self, path: &Path) -> Result<(), IoError> {
        sealed::save(path, MAGIC, self)
    }
}

impl Loader<'_> {
    /// Loads `sources` as [`Loader::load_all`] does, taking what `cache`
    /// (made under `key`) has of the Markdown and wire files whose bytes it
    /// can vouch for; returns the stories, the cache of this load (`None`
    /// if it is the same as `cache`) and how the cache was used.
    pub(crate) fn load_cached(
        &self,
        sources: &[Source],
        cache: Option<StoryCache>,
        key: u64,
        progress: &dyn crate::progress::Progress,
    ) -> (Loaded<Arc<Article>>, Option<StoryCache>, CacheUse) {
        let taken = fsx::now_ns();
        let old_len = cache.as_ref().map_or(0, |c| c.files.len());
        let mut old: HashMap<String, Cached> = cache
            .map(|c| c.files.into_iter().map(|e| (e.id.clone(), e)).collect())
            .unwrap_or_default();
        let work: Vec<(&Source, Option<Cached>)> =
            sources.iter().map(|s| (s, old.remove(&s.id))).collect();
        let unused = !old.is_empty();
        drop(old);
        let results: Vec<(Loaded<Arc<Article>>, Option<Cached>, Outcome)> = work
            .into_par_iter()
            .map(|(src, was)| {
                let done = match src.kind {
                    FileKind::Markdown | FileKind::Wire => self.load_one_cached(src, was, taken),
                    _ => (self.load(src).shared(), None, Outcome::Agency),
                };
                progress.advance(1);
                done
            })
            .collect();
        let mut out = Loaded {
            articles: Vec::with_capacity(results.len()),
            ..Loaded::default()
        };
        let mut files = Vec::with_capacity(results.len());
        let mut used = CacheUse::default();
        let mut changed = unused;
        for (loaded, entry, outcome) in results {
            out.add(loaded);
            match outcome {
                Outcome::Unread => used.unread += 1,
                Outcome::SameBytes => used.same_bytes += 1,
                Outcome::Parsed => used.parsed += 1,
                Outcome::Agency => {}
            }
            changed |= outcome != Outcome::Unread && outcome != Outcome::Agency;
            files.extend(entry);
        }
        changed |= files.len() != old_len;
        files.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let new = changed.then_some(StoryCache { key, files });
        (out, new, used)
    }

    /// One Markdown or wire file, from its entry `was` if that vouches
    /// for it.
    fn load_one_cached(
        &self,
        src: &Source,
        was: Option<Cached>,
        taken: i64,
    ) -> (Loaded<Arc<Article>>, Option<Cached>, Outcome) {
        let Some(stamp) = std::fs::metadata(&src.path).ok().map(|m| Stamp::of(&m)) else {
            // Cannot be stamped: read it as ever, and keep nothing of it.
            return (self.load(src).shared(), None, Outcome::Parsed);
        };
        let (hash, parsed, outcome) = match was {
            Some(was) if was.stamp == stamp && !was.racy => {
                let out = was.parsed.publish(&self.opts);
                return (out, Some(was), Outcome::Unread);
            }
            Some(was) => {
                let mut warnings = Vec::new();
                let text = match super::read_story(
                    &src.path,
                    &src.shown,
                    self.opts.lossy,
                    &mut warnings,
                ) {
                    Ok(t) => t,
                    Err(d) => return unreadable(d),
                };
                let hash = super::content_hash(&text);
                if hash == was.hash {
                    (hash, was.parsed, Outcome::SameBytes)
                } else {
                    let parsed = self.parse_text(src, &text, hash, warnings);
                    (hash, parsed, Outcome::Parsed)
                }
            }
            None => match self.parse_story(src) {
                Ok((hash, parsed)) => (hash, parsed, Outcome::Parsed),
                Err(d) => return unreadable(d),
            },
        };
        let out = parsed.publish(&self.opts);
        let entry = Cached {
            id: src.id.clone(),
            stamp,
            racy: stamp.is_racy(taken),
            hash,
            parsed,
        };
        (out, Some(entry), outcome)
    }
}

/// A file that could not be read: its diagnostic, and nothing to keep.
fn unreadable(d: crate::diag::Diagnostic) -> (Loaded<Arc<Article>>, Option<Cached>, Outcome) {
    let out = Loaded {
        diagnostics: crate::diag::Diagnostics::from_iter([d]),
        ..Loaded::default()
    };
    (out, None, Outcome::Parsed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Unread,
    SameBytes,
    Parsed,
    Agency,
}
