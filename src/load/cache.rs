//! The cache of parsed stories: what the loader made of each Markdown and
//! wire file ([`Parsed`]), kept between builds in the cache folder beside
//! the output (`.public.cache/stories`, and `stories.overlay` of the
//! changes since: see [`StoryCache`]), so that a build parses only the
//! files that changed, and writes little when few did.
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

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FileKind, Loaded, Loader, Parsed, Source};
use crate::delta::{Delta, Keyed};
use crate::fsx::{self, Horizon, IoError, Stamp};
use crate::model::Article;
use crate::output::sealed;

/// The first bytes of the cache's base file, with its format's version.
const MAGIC: &[u8] = b"dateline stories 2\n";
/// The first bytes of its overlay file, with its format's version.
const OVERLAY_MAGIC: &[u8] = b"dateline stories overlay 2\n";
/// Entries per frame of the base file: frames are encoded and decoded in
/// parallel.
const FRAME: usize = 2048;

/// Parsed stories, by file.
///
/// Kept as a base file of all entries (`stories`) and an overlay beside it
/// (`stories.overlay`) of the entries changed and removed since: a build
/// that changed a few files writes the overlay alone, not tens of
/// megabytes, and writes a new base (and no overlay) once the changes
/// pass an eighth of the entries. An overlay names the base it amends; one
/// that is missing, damaged or amends another base is none, which costs
/// only the parsing of its stories: every entry vouches for itself by its
/// file's stamp.
#[derive(Debug, Default)]
pub(crate) struct StoryCache {
    /// What parsing depended on besides the files.
    key: u64,
    /// One entry per Markdown or wire file, sorted by id.
    files: Vec<Cached>,
    /// The base file the entries were read from, if any.
    base: Option<Base>,
}

/// A base file, as read.
#[derive(Debug, Default)]
struct Base {
    /// What tells it from other base files of the same cache.
    generation: u64,
    /// The ids of its entries, sorted.
    ids: Vec<String>,
}

/// The first frame of a base file.
#[derive(Serialize, Deserialize)]
struct Head {
    key: u64,
    generation: u64,
}

/// An overlay file: the entries new or changed since the base it
/// amends, and the ids of the base's entries that are gone (`T`: an entry
/// as read, or as borrowed to be written).
#[derive(Serialize, Deserialize)]
struct Overlay<T> {
    key: u64,
    /// The base file it amends.
    generation: u64,
    /// What changed since the base, by id.
    changes: Delta<T>,
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
    /// Whether it is as the base file has it.
    #[serde(skip)]
    from_base: bool,
}

impl Keyed for Cached {
    fn key(&self) -> &str {
        &self.id
    }
}

/// Puts the story of `parsed` (taken from the cache, which does not keep
/// where the site is) in the `content/` folder `dir` of this load's site.
fn in_dir(parsed: &mut Parsed, dir: &Arc<Path>) {
    if let Some(a) = &mut parsed.article {
        // By value (both are made the same way: compared as bytes, not as
        // components): a session's stories shared with its site are not
        // copied for a folder they already have.
        if a.dir().as_os_str() != dir.as_os_str() {
            Arc::make_mut(a).set_dir(Arc::clone(dir));
        }
    }
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
        let frames = match sealed::load_frames(path, MAGIC) {
            Ok(f) => f,
            Err(sealed::Unusable::Missing) => return Ok(None),
            Err(sealed::Unusable::Damaged(why)) => return Err(why),
        };
        let mut frames = frames.iter();
        let head: Head = sealed::decode_frame(frames.next().ok_or("it has no head")?)?;
        if head.key != key {
            return Ok(None);
        }
        let parts: Vec<Vec<Cached>> = frames
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(sealed::decode_frame)
            .collect::<Result<_, String>>()?;
        let mut files: Vec<Cached> = parts.into_iter().flatten().collect();
        for f in &mut files {
            f.from_base = true;
        }
        let ids = files.iter().map(|f| f.id.clone()).collect();
        if let Ok(o) = sealed::load::<Overlay<Cached>>(&overlay_path(path), OVERLAY_MAGIC) {
            if o.key == key && o.generation == head.generation && o.changes.is_sorted_by(str::cmp) {
                files = o.changes.apply(files, str::cmp);
            }
        }
        Ok(Some(StoryCache {
            key,
            files,
            base: Some(Base {
                generation: head.generation,
                ids,
            }),
        }))
    }

    /// Whether it was read from a base file (which its save amends if
    /// little changed).
    pub(crate) fn has_base(&self) -> bool {
        self.base.is_some()
    }

    /// Writes the cache to `path`, whole or not at all: its overlay alone
    /// if the changes since its base are few, else a new base.
    pub(crate) fn save(&self, path: &Path) -> Result<(), IoError> {
        let overlay = overlay_path(path);
        if let Some(base) = &self.base {
            let changed: Vec<&Cached> = self.files.iter().filter(|f| !f.from_base).collect();
            // Both sorted by id: one pass.
            let mut have = self.files.iter().map(|f| f.id.as_str()).peekable();
            let removed: Vec<String> = base
                .ids
                .iter()
                .filter(|id| {
                    while have.next_if(|h| *h < id.as_str()).is_some() {}
                    have.peek() != Some(&id.as_str())
                })
                .cloned()
                .collect();
            let changes = Delta::new(changed, removed);
            if changes.len() <= (self.files.len() / 8).max(1024) {
                let out = Overlay {
                    key: self.key,
                    generation: base.generation,
                    changes,
                };
                return sealed::save(&overlay, OVERLAY_MAGIC, &out);
            }
        }
        // A generation no other base of this cache has had.
        let generation = fsx::now_ns() as u64 ^ u64::from(std::process::id()).rotate_left(40);
        let head = Head {
            key: self.key,
            generation,
        };
        let chunks: Vec<&[Cached]> = self.files.chunks(FRAME).collect();
        sealed::save_frames(path, MAGIC, 1 + chunks.len(), |i| match i {
            0 => sealed::encode_frame(path, &head),
            i => sealed::encode_frame(path, &chunks[i - 1]),
        })?;
        // An overlay left behind amends another generation: it is never
        // read again, so failing to remove it costs nothing but its room.
        let _ = std::fs::remove_file(&overlay);
        Ok(())
    }
}

/// Where the overlay of the cache at `path` is.
fn overlay_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".overlay");
    path.with_file_name(name)
}

/// How many files [`Loader::load_cached`] loads at a time (in unit
/// tests, few: their sites cross from one to the next).
const LOAD_CHUNK: usize = if cfg!(test) { 3 } else { 16 * 1024 };

impl Loader<'_> {
    /// Loads `sources` as [`Loader::load_all`] does, taking what `cache`
    /// (made under `key`) has of the Markdown and wire files whose bytes it
    /// can vouch for; returns the stories, the cache of this load (`None`
    /// if it is the same as `cache`) and how the cache was used.
    pub(crate) fn load_cached(
        &self,
        sources: &[Source],
        (stamps, taken): (&[Option<Stamp>], Horizon),
        cache: Option<StoryCache>,
        key: u64,
        progress: &dyn crate::progress::Progress,
    ) -> (Loaded<Arc<Article>>, Option<StoryCache>, CacheUse) {
        let old_len = cache.as_ref().map_or(0, |c| c.files.len());
        let (old, base) = cache.map_or((Vec::new(), None), |c| (c.files, c.base));
        // Each source's entry: the one after the last found, when the
        // sources' order (a walk's) is the entries' (bytes'), as it is but
        // for names with characters before `/`; else found by search.
        let mut next = 0;
        let at: Vec<Option<usize>> = sources
            .iter()
            .map(|s| {
                let i = if old.get(next).is_some_and(|e| e.id == s.id) {
                    Some(next)
                } else {
                    old.binary_search_by(|e| e.id.as_str().cmp(&s.id)).ok()
                };
                next = i.map_or(next, |i| i + 1);
                i
            })
            .collect();
        let mut old: Vec<Option<Cached>> = old.into_iter().map(Some).collect();
        let mut out = Loaded {
            articles: Vec::with_capacity(sources.len()),
            ..Loaded::default()
        };
        let mut files = Vec::with_capacity(sources.len());
        let mut used = CacheUse::default();
        let mut changed = false;
        // A slice of the sources at a time: what each file's load gives
        // (some 200 bytes, beside its story) is not held for a million
        // files at once.
        let slices = sources.chunks(LOAD_CHUNK).zip(at.chunks(LOAD_CHUNK));
        for ((sources, at), stamps) in slices.zip(stamps.chunks(LOAD_CHUNK)) {
            let work: Vec<(&Source, Option<Stamp>, Option<Cached>)> = sources
                .iter()
                .zip(stamps)
                .zip(at)
                .map(|((s, &stamp), i)| (s, stamp, i.and_then(|i| old[i].take())))
                .collect();
            let results: Vec<(Loaded<Arc<Article>>, Option<Cached>, Outcome)> = work
                .into_par_iter()
                .map(|(src, stamp, was)| {
                    let done = match src.kind {
                        FileKind::Markdown | FileKind::Wire => {
                            self.load_one_cached(src, stamp, was, taken)
                        }
                        _ => (self.load(src).shared(), None, Outcome::Agency),
                    };
                    progress.advance(1);
                    done
                })
                .collect();
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
        }
        changed |= old.iter().any(Option::is_some);
        drop(old);
        changed |= files.len() != old_len;
        files.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let new = changed.then_some(StoryCache { key, files, base });
        (out, new, used)
    }

    /// One Markdown or wire file, stamped `stamp` at `taken` (before it
    /// is read), from its entry `was` if that vouches for it.
    fn load_one_cached(
        &self,
        src: &Source,
        stamp: Option<Stamp>,
        was: Option<Cached>,
        taken: Horizon,
    ) -> (Loaded<Arc<Article>>, Option<Cached>, Outcome) {
        let Some(stamp) = stamp else {
            // Cannot be stamped: read it as ever, and keep nothing of it.
            return (self.load(src).shared(), None, Outcome::Parsed);
        };
        let was = was.map(|mut was| {
            in_dir(&mut was.parsed, &src.dir);
            was
        });
        let (hash, parsed, outcome) = match was {
            Some(was) if was.stamp == stamp && !was.racy => {
                let out = was.parsed.publish(&self.opts);
                return (out, Some(was), Outcome::Unread);
            }
            Some(was) => {
                let mut warnings = Vec::new();
                let text = match super::read_story(&src.shown(), self.opts.lossy, &mut warnings) {
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
            from_base: false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostics;

    fn entry(id: &str, hash: u64) -> Cached {
        Cached {
            id: id.to_string(),
            stamp: Stamp::default(),
            racy: false,
            hash,
            parsed: Parsed {
                article: None,
                diagnostics: Diagnostics::new(),
            },
            from_base: false,
        }
    }

    fn hashes(c: &StoryCache) -> Vec<(String, u64)> {
        let mut v: Vec<_> = c.files.iter().map(|f| (f.id.clone(), f.hash)).collect();
        v.sort();
        v
    }

    /// A cache as the loader leaves it: sorted, `from_base` as loaded.
    fn amended(mut c: StoryCache, edit: impl FnOnce(&mut Vec<Cached>)) -> StoryCache {
        edit(&mut c.files);
        c.files.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        c
    }

    #[test]
    fn a_load_in_slices_gives_every_story_in_order_with_or_without_the_cache() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        // More files than a slice holds (three, in unit tests), one of them
        // not a story.
        for i in 0..11 {
            let text = format!(
                "---\ntitle: Story {i}\ndate: 2017-07-03 0{}:00:00\n---\nText {i}.\n",
                i % 10
            );
            crate::fsx::write(&root.join(format!("content/{i:02}.md")), text.as_bytes()).unwrap();
        }
        crate::fsx::write(&root.join("content/05.md"), b"no front matter").unwrap();
        let (sources, _, _) = super::super::discover_walked(root);
        let at = fsx::StampDir::open(&root.join("content"));
        let stamps: Vec<Option<Stamp>> = sources
            .iter()
            .map(|s| Some(at.stamp(&s.id, true).unwrap()))
            .collect();
        let config = crate::config::Config::default();
        let spool = super::super::Spool::new().unwrap();
        let loader = Loader {
            config: &config,
            opts: super::super::LoadOptions::default(),
            spool: &spool,
        };
        let quiet = crate::progress::Quiet;
        let all = loader.load_all(&sources, &quiet);
        let titles = |l: &Loaded<Arc<Article>>| -> Vec<String> {
            l.articles.iter().map(|a| a.title.to_string()).collect()
        };
        let expected: Vec<String> = (0..11)
            .filter(|&i| i != 5)
            .map(|i| format!("Story {i}"))
            .collect();
        assert_eq!(titles(&all), expected);
        // Written just now, each is read again to vouch for it (its bytes
        // are those it was parsed from).
        let later = Horizon::by_system_clock();
        let (first, cache, used) = loader.load_cached(&sources, (&stamps, later), None, 1, &quiet);
        assert_eq!(titles(&first), expected);
        assert_eq!(first.diagnostics.to_string(), all.diagnostics.to_string());
        assert_eq!(used.parsed, 11);
        let (again, _, used) = loader.load_cached(&sources, (&stamps, later), cache, 1, &quiet);
        assert_eq!(titles(&again), expected);
        assert_eq!(again.diagnostics.to_string(), all.diagnostics.to_string());
        assert_eq!((used.unread + used.same_bytes, used.parsed), (11, 0));
    }

    #[test]
    fn few_changes_go_to_the_overlay_many_to_a_new_base() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("stories");
        let overlay = overlay_path(&path);
        let ids: Vec<String> = (0..3000).map(|i| format!("{i:05}.md")).collect();
        let first = StoryCache {
            key: 7,
            files: ids.iter().map(|id| entry(id, 1)).collect(),
            base: None,
        };
        first.save(&path).unwrap();
        assert!(!overlay.exists());
        assert!(StoryCache::load(&path, 8).unwrap().is_none(), "another key");
        let base_bytes = std::fs::read(&path).unwrap();

        // One edited, one removed, one new: the overlay alone is written.
        let c = StoryCache::load(&path, 7).unwrap().unwrap();
        assert_eq!(hashes(&c), hashes(&first));
        let c = amended(c, |files| {
            files[10] = entry(&ids[10], 2);
            files.remove(20);
            files.push(entry("new.md", 3));
        });
        c.save(&path).unwrap();
        assert!(overlay.exists());
        assert_eq!(std::fs::read(&path).unwrap(), base_bytes);
        let back = StoryCache::load(&path, 7).unwrap().unwrap();
        assert_eq!(hashes(&back), hashes(&c));
        assert!(
            back.files.is_sorted_by(|a, b| a.id < b.id),
            "the base and its overlay, as one sorted list"
        );

        // The next change keeps what the overlay had.
        let c = amended(back, |files| files[0] = entry(&ids[0], 4));
        c.save(&path).unwrap();
        let back = StoryCache::load(&path, 7).unwrap().unwrap();
        assert_eq!(hashes(&back), hashes(&c));
        assert_eq!(std::fs::read(&path).unwrap(), base_bytes);

        // A damaged overlay is none: the base alone.
        std::fs::write(&overlay, b"garbage").unwrap();
        let plain = StoryCache::load(&path, 7).unwrap().unwrap();
        assert_eq!(hashes(&plain), hashes(&first));

        // Many changes: a new base, and no overlay (nor a stale one read).
        let c = amended(plain, |files| {
            for f in files.iter_mut().take(1500) {
                *f = entry(&f.id.clone(), 5);
            }
        });
        c.save(&path).unwrap();
        assert!(!overlay.exists());
        assert_ne!(std::fs::read(&path).unwrap(), base_bytes);
        let back = StoryCache::load(&path, 7).unwrap().unwrap();
        assert_eq!(hashes(&back), hashes(&c));
    }

    #[test]
    fn an_overlay_of_another_base_is_not_read() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("stories");
        let first = StoryCache {
            key: 1,
            files: vec![entry("a.md", 1)],
            base: None,
        };
        first.save(&path).unwrap();
        let c = amended(StoryCache::load(&path, 1).unwrap().unwrap(), |f| {
            f[0] = entry("a.md", 2)
        });
        c.save(&path).unwrap();
        let kept = std::fs::read(overlay_path(&path)).unwrap();
        // A new base (a build killed before it removed the overlay).
        first.save(&path).unwrap();
        std::fs::write(overlay_path(&path), kept).unwrap();
        let back = StoryCache::load(&path, 1).unwrap().unwrap();
        assert_eq!(hashes(&back), vec![("a.md".to_string(), 1)]);
    }
}
