//! The index as files under `search/`, each a script that hands its data
//! to `search.js` (`DatelineSearch.meta(…)`, `.shard(…)`, `.docs(…)`,
//! `.tags(…)`): a browser loads a `<script>` from `file://`, where it
//! refuses `fetch`.
//!
//! - `meta.js`: the number of stories, the first term of each term shard
//!   and its file, the agencies and years to filter by.
//! - `t/<name>.js`: a run of terms in sorted order (UTF-16, as JavaScript
//!   compares strings), each with its lists or its alias. A query loads
//!   the shard of each of its words, and of a filter.
//! - `d/<k>.js`: stories `32k .. 32k + 31`, as a result shows them (small,
//!   since the results a page shows may each be in a file of its own).
//! - `tags.js`: every keyword, most used first, for the keyword filter's
//!   suggestions (loaded when it is used).
//!
//! **Where shards are cut** decides what a rebuild rewrites, so it depends
//! on the terms alone, not on their place: a shard starts at a term whose
//! hash is a multiple of `m` (about `m` terms a shard), at a term whose
//! lists are big (which then has a shard of its own: the most common words'
//! lists are what a query loads, and nothing else rides along), and after a
//! shard grows past [`SHARD_CAP`]. An edit that changes one story's words
//! changes the shards of those words; a shard is named after its first
//! term, so the others keep their names and bytes. A session keeps the cut
//! ([`Layout`]: every key with its entry's size) and, given the keys that
//! changed, cuts again from the sizes alone and makes only the shards that
//! do not hold the same unchanged keys as before.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::index::{Postings, Terms, LISTS};
use super::Docs;

/// Stories per `d/` file.
pub(crate) const DOC_CHUNK: usize = 32;

/// The path of stories' file `k`.
pub(crate) fn doc_file(k: usize) -> String {
    format!("search/d/{k}.js")
}

/// A term whose lists take this many bytes gets a shard of its own.
const BIG: usize = 8 * 1024;

/// A shard past this many bytes ends at the next term.
const SHARD_CAP: usize = 48 * 1024;

/// About how many shards the terms are cut into (a power of two of terms
/// a shard, so that it changes only when the vocabulary doubles).
const SHARDS: usize = 1024;

/// A filter's value with its story count, as `meta.js` lists it.
pub(crate) struct Facets<'a> {
    /// Agencies: (name, key, count), by name.
    pub sources: Vec<(&'a str, String, usize)>,
    /// Years, newest first: (year, count).
    pub years: Vec<(i32, usize)>,
    /// Keywords: (name, slug, count), most used first.
    pub tags: Vec<(&'a str, &'a str, usize)>,
}

/// How the term shards of an output are cut: every key (term or alias) in
/// shard order with the size of its entry, and the shards. A session keeps
/// it with the files, so that the next rebuild makes only the shards whose
/// keys changed ([`files`] with `previous`).
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Layout {
    /// Keys a shard is cut at by their hash: one in `m`.
    m: u64,
    /// Every key, in shard order (UTF-16).
    keys: Vec<Key>,
    /// Each shard: how many keys of `keys` it holds, in order, and its name.
    shards: Vec<(usize, String)>,
}

impl Layout {
    /// The paths of its term shards.
    pub(crate) fn shard_files(&self) -> impl Iterator<Item = String> + '_ {
        self.shards
            .iter()
            .map(|(_, name)| format!("search/t/{name}.js"))
    }
}

/// A key of a [`Layout`].
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Key {
    name: Box<str>,
    /// Its entry's bytes in its shard (`"key":[…]`).
    size: u32,
    /// Whether its lists are big enough for a shard of its own.
    big: bool,
}

/// What the session wrote before a rebuild: the layout of its shards, and
/// the keys whose entries may have changed since
/// ([`super::Made::changed`]). Shards that hold none of those, and hold
/// the same keys as before, are not made again.
pub(crate) struct Previous<'a> {
    pub layout: &'a Layout,
    pub changed: &'a std::collections::BTreeSet<String>,
}

/// Keys in the order shards hold them: as JavaScript compares strings.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A key on its way into a shard: one to make an entry for, or one of the
/// previous layout, unchanged (its entry not made unless its shard is).
enum Slot<'i, 'l> {
    Fresh(&'i str),
    Kept(&'l Key),
}

/// The keys of `terms` in shard order: with `previous`, its unchanged keys
/// merged with the changed keys still there; else every key, sorted.
fn slots<'i, 'l>(terms: &Terms<'i>, previous: Option<&Previous<'l>>) -> Vec<Slot<'i, 'l>> {
    let Some(prev) = previous else {
        let mut keys: Vec<&'i str> = terms.keys().collect();
        keys.sort_unstable_by(|a, b| utf16_order(a, b));
        return keys.into_iter().map(Slot::Fresh).collect();
    };
    let mut fresh: Vec<&'i str> = terms.keys().filter(|k| prev.changed.contains(*k)).collect();
    fresh.sort_unstable_by(|a, b| utf16_order(a, b));
    let mut out = Vec::with_capacity(prev.layout.keys.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for old in &prev.layout.keys {
        if prev.changed.contains(&*old.name) {
            continue;
        }
        while let Some(k) = fresh.next_if(|k| utf16_order(k, &old.name).is_lt()) {
            out.push(Slot::Fresh(k));
        }
        out.push(Slot::Kept(old));
    }
    out.extend(fresh.map(Slot::Fresh));
    out
}

/// `key`'s entry in its shard: `"key":[…]`.
fn entry_text(terms: &Terms<'_>, key: &str) -> (String, bool) {
    let postings = terms.postings(key);
    let big = postings.as_ref().is_some_and(|p| p.size() >= BIG);
    let mut text = json(key);
    text.push(':');
    entry(&mut text, postings.as_deref(), terms.alias(key));
    (text, big)
}

/// Every file of the index but `search.js`, each handed to `put` (path in
/// the output, bytes) as it is made: the term shards, the stories' files,
/// `meta.js`, `tags.js`. Not the stories' file `k` when `unchanged(k)`, nor,
/// with `previous`, a term shard of the same keys as before none of which
/// changed. Returns the layout of the shards.
pub(crate) fn files<E>(
    index: &Terms<'_>,
    docs: &(impl Docs + ?Sized),
    facets: &Facets<'_>,
    unchanged: &dyn Fn(usize) -> bool,
    previous: Option<Previous<'_>>,
    mut put: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<Layout, E> {
    let n_keys = index.keys().count();
    let m = (n_keys / SHARDS).max(1).next_power_of_two().max(32) as u64;
    // Another `m` cuts everywhere else.
    let previous = previous.filter(|p| p.layout.m == m);
    // Each unchanged key's shard in the previous layout.
    let mut was: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    if let Some(prev) = &previous {
        let mut at = 0;
        for (s, (len, _)) in prev.layout.shards.iter().enumerate() {
            for k in &prev.layout.keys[at..at + len] {
                if !prev.changed.contains(&*k.name) {
                    was.insert(&k.name, s);
                }
            }
            at += len;
        }
    }
    let slots = slots(index, previous.as_ref());
    let mut keys: Vec<Key> = Vec::with_capacity(slots.len());
    let mut shards: Vec<(String, String)> = Vec::new();
    let mut cuts: Vec<(usize, String)> = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    // The shard being filled: its first key in `keys`, and the entries
    // made so far (all of them, unless it holds kept keys).
    let mut start = 0;
    let mut run: Vec<Option<String>> = Vec::new();
    let mut size = 0usize;
    // Makes (or keeps) the shard of `keys[start..]`, with entries `run`.
    let mut flush = |keys: &[Key], start: usize, run: &mut Vec<Option<String>>| -> Result<(), E> {
        let Some(first) = keys.get(start).map(|k| &*k.name) else {
            return Ok(());
        };
        let held = &keys[start..];
        let mut name = format!("{:012x}", crate::render::views::hash_one(&first) >> 16);
        let seen = names.entry(name.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            name = format!("{name}-{seen}");
        }
        // The same keys as a shard of before, none changed, and the same
        // name: as it was.
        let same = previous.as_ref().is_some_and(|prev| {
            was.get(first).is_some_and(|&o| {
                prev.layout.shards[o].0 == held.len()
                    && prev.layout.shards[o].1 == name
                    && held.iter().all(|k| was.get(&*k.name) == Some(&o))
            })
        });
        if !same {
            let mut body = String::new();
            for (key, text) in held.iter().zip(run.drain(..)) {
                if !body.is_empty() {
                    body.push(',');
                }
                body.push_str(&text.unwrap_or_else(|| entry_text(index, &key.name).0));
            }
            let text = format!("DatelineSearch.shard({},{{{body}}});\n", json(&name));
            put(format!("search/t/{name}.js"), script_safe(text))?;
        }
        run.clear();
        shards.push((first.to_string(), name.clone()));
        cuts.push((held.len(), name));
        Ok(())
    };
    // A shard starts at a key whose hash is a multiple of `m`, at and
    // after a big key, and after a shard past the cap.
    for slot in slots {
        let (key, text) = match slot {
            Slot::Fresh(k) => {
                let (text, big) = entry_text(index, k);
                let key = Key {
                    name: k.into(),
                    size: text.len() as u32,
                    big,
                };
                (key, Some(text))
            }
            Slot::Kept(old) => (
                Key {
                    name: old.name.clone(),
                    size: old.size,
                    big: old.big,
                },
                None,
            ),
        };
        let cut = keys.is_empty()
            || key.big
            || keys.last().is_some_and(|k| k.big)
            || size >= SHARD_CAP
            || crate::render::views::hash_one(&&*key.name) % m == 0;
        if cut {
            flush(&keys, start, &mut run)?;
            start = keys.len();
            size = 0;
        }
        size += key.size as usize;
        keys.push(key);
        run.push(text);
    }
    flush(&keys, start, &mut run)?;

    for k in 0..docs.len().div_ceil(DOC_CHUNK) {
        if unchanged(k) {
            continue;
        }
        let chunk = k * DOC_CHUNK..((k + 1) * DOC_CHUNK).min(docs.len());
        let lines = serde_json::to_string(
            &chunk
                .map(|d| {
                    let d = docs.doc(d);
                    let day = d.day.format("%Y-%m-%d").to_string();
                    let keywords: Vec<(&str, &str)> = d.keywords.iter().collect();
                    (d.path(), d.title, day, d.dateline, d.source, keywords)
                })
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        put(
            doc_file(k),
            script_safe(format!("DatelineSearch.docs({k},{lines});\n")),
        )?;
    }

    let meta = serde_json::json!({
        "version": super::FORMAT,
        "docs": index.docs,
        "chunk": DOC_CHUNK,
        "shards": shards,
        "sources": facets.sources,
        "years": facets.years,
        "tags": facets.tags.len(),
    });
    put(
        "search/meta.js".to_string(),
        script_safe(format!("DatelineSearch.meta({meta});\n")),
    )?;
    let tags = serde_json::to_string(&facets.tags).unwrap_or_default();
    put(
        "search/tags.js".to_string(),
        script_safe(format!("DatelineSearch.tags({tags});\n")),
    )?;
    Ok(Layout {
        m,
        keys,
        shards: cuts,
    })
}

/// A term's entry: `["headline","lead","body"]` (trailing empty lists
/// left out), an alias's `"term"`, or, for a key that is both, the lists
/// and the alias's term as a fourth element.
fn entry(out: &mut String, postings: Option<&Postings>, alias: Option<&str>) {
    match (postings, alias) {
        (None, Some(term)) => out.push_str(&json(term)),
        (postings, alias) => {
            let empty: [String; LISTS] = Default::default();
            let lists = postings.map_or(&empty, Postings::lists);
            let used = match alias {
                Some(_) => LISTS,
                None => lists
                    .iter()
                    .rposition(|l| !l.is_empty())
                    .map_or(0, |i| i + 1),
            };
            out.push('[');
            for (i, l) in lists[..used].iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{l}\"");
            }
            if let Some(term) = alias {
                out.push(',');
                out.push_str(&json(term));
            }
            out.push(']');
        }
    }
}

/// A script's text with `<`, `>` and `&` (which only its JSON strings can
/// hold) written as escapes: no headline can spell `</script>` or markup in
/// it, wherever the script ends up.
fn script_safe(text: String) -> Vec<u8> {
    if !text.contains(['<', '>', '&']) {
        return text.into_bytes();
    }
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes()
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::Index;
    use crate::search::text::Analyzer;
    use crate::search::{Keywords, SearchDoc};

    /// The data a script hands `DatelineSearch.<call>(name, data)`.
    fn data(text: &str, call: &str) -> (serde_json::Value, serde_json::Value) {
        let inner = text
            .strip_prefix(&format!("DatelineSearch.{call}("))
            .and_then(|t| t.strip_suffix(");\n"))
            .unwrap_or_else(|| panic!("not a {call} script: {text}"));
        let v: serde_json::Value = serde_json::from_str(&format!("[{inner}]")).unwrap();
        (v[0].clone(), v.get(1).cloned().unwrap_or_default())
    }

    /// Story `i` of July 3, 2017, with headline `title` and body key `body`.
    fn story(i: usize, title: &str, body: u64) -> SearchDoc<'_> {
        SearchDoc {
            idx: i,
            slug: Box::leak(format!("s{i}").into_boxed_str()),
            title,
            day: chrono::NaiveDate::from_ymd_opt(2017, 7, 3).unwrap(),
            dateline: "",
            source: "",
            source_key: "".into(),
            summary: "",
            keywords: Keywords {
                tags: &[],
                ids: &[],
            },
            body,
        }
    }

    #[test]
    fn shards_hold_sorted_runs_of_terms_that_meta_finds() {
        let words: Vec<String> = (0..9000)
            .map(|i| format!("w{i:04}x word{}", i % 50))
            .collect();
        let docs: Vec<SearchDoc<'_>> = words
            .iter()
            .enumerate()
            .map(|(i, t)| story(i, t, i as u64))
            .collect();
        let index = Index::build(&docs, &Analyzer::new("en"), |_| {
            Ok::<_, ()>("Talks <b> & more".into())
        })
        .unwrap();
        let facets = Facets {
            sources: vec![],
            years: vec![(2017, 9000)],
            tags: vec![],
        };
        let mut files = BTreeMap::new();
        files_all(&index, &docs, &facets, &mut files);
        let (meta, _) = data(&files["search/meta.js"], "meta");
        assert_eq!(meta["docs"], 9000);
        let shards = meta["shards"].as_array().unwrap();
        assert!(shards.len() > 1, "cut into shards");
        let firsts: Vec<&str> = shards.iter().map(|s| s[0].as_str().unwrap()).collect();
        let utf16 = |s: &str| s.encode_utf16().collect::<Vec<_>>();
        assert!(firsts.windows(2).all(|w| utf16(w[0]) < utf16(w[1])));
        let mut seen = 0;
        for (k, s) in shards.iter().enumerate() {
            let name = s[1].as_str().unwrap();
            let text = &files[&format!("search/t/{name}.js")];
            assert!(!text.contains('<') && !text.contains('&'), "escaped");
            let (got_name, entries) = data(text, "shard");
            assert_eq!(got_name, name);
            for (key, entry) in entries.as_object().unwrap() {
                seen += 1;
                // In this shard's range, as the browser's binary search finds it.
                assert!(utf16(key) >= utf16(firsts[k]));
                if let Some(next) = firsts.get(k + 1) {
                    assert!(utf16(key) < utf16(next), "{key} past {next}");
                }
                match entry {
                    serde_json::Value::String(term) => assert_ne!(term, key),
                    serde_json::Value::Array(lists) => {
                        let total: usize = lists
                            .iter()
                            .filter_map(|l| l.as_str())
                            .map(|l| crate::search::encode::docs(l).expect("a list").len())
                            .sum();
                        assert!(total >= 1);
                    }
                    other => panic!("{key}: {other}"),
                }
            }
        }
        assert!(seen >= 9000, "every term in a shard: {seen}");
        // `talk` is in every story's body: one byte a story, in a shard of
        // its own (what a query for it loads, and nothing else).
        let (_, talk) = data(
            &files
                .iter()
                .find(|(k, v)| k.starts_with("search/t/") && v.contains("\"talk\":"))
                .unwrap()
                .1
                .clone(),
            "shard",
        );
        assert_eq!(talk.as_object().unwrap().len(), 1, "a big term alone");
        assert_eq!(talk["talk"][2].as_str().unwrap().len(), 9000);
        // Stories' files: 32 a file, in order.
        let (k, lines) = data(&files["search/d/1.js"], "docs");
        assert_eq!(k, 1);
        assert_eq!(lines.as_array().unwrap().len(), 32);
        assert_eq!(lines[0][0], "2017/07/03/s32/");
        assert_eq!(
            files.keys().filter(|k| k.starts_with("search/d/")).count(),
            9000_usize.div_ceil(32)
        );
    }

    #[test]
    fn an_edit_makes_only_the_shards_of_its_words() {
        let words: Vec<String> = (0..3000).map(|i| format!("w{i:04}x talks")).collect();
        let edited = "w0007x talks zebra".to_string();
        fn make<'a>(titles: Vec<&'a String>) -> Vec<SearchDoc<'a>> {
            titles
                .into_iter()
                .enumerate()
                .map(|(i, t)| story(i, t, 0))
                .collect()
        }
        let en = Analyzer::new("en");
        let body = |_: &SearchDoc<'_>| Ok::<_, ()>(String::new());
        let facets = Facets {
            sources: vec![],
            years: vec![],
            tags: vec![],
        };
        let docs = make(words.iter().collect());
        let old = Index::build(&docs, &en, body).unwrap();
        let layout = files(&old.terms(), &docs, &facets, &|_| false, None, |_, _| {
            Ok::<_, ()>(())
        })
        .unwrap();
        assert!(layout.shards.len() > 20, "{} shards", layout.shards.len());
        // Story 7 gains a word.
        let docs = make(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 7 { &edited } else { w })
                .collect(),
        );
        let (index, made) = old.update(&docs, &en, body).unwrap();
        let changed = made.changed.unwrap();
        assert_eq!(
            changed.iter().map(String::as_str).collect::<Vec<_>>(),
            ["zebra"],
            "the story's other words keep their lists"
        );
        let mut again = Vec::new();
        let previous = Previous {
            layout: &layout,
            changed: &changed,
        };
        files(
            &index.terms(),
            &docs,
            &facets,
            &|_| false,
            Some(previous),
            |k, _| {
                again.push(k);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        let shards = again.iter().filter(|k| k.starts_with("search/t/")).count();
        // The shard `zebra` went into.
        assert_eq!(shards, 1, "{again:?}");
    }

    proptest::proptest! {
        /// Made with the previous layout and what changed, the files are
        /// a full make's: each shard either made again with the same bytes
        /// or left as the previous make wrote it, and the layout the same.
        #[test]
        fn shards_made_again_only_where_keys_changed(
            before in proptest::collection::vec(0usize..40, 30..120),
            edits in proptest::collection::vec((0usize..120, 0usize..40), 1..4),
            more in proptest::collection::vec(0usize..40, 0..3),
        ) {
            let texts: Vec<String> = (0..40)
                .map(|i| format!("w{i} talks {} summit{} é{}", i % 5, i % 9, i % 13))
                .collect();
            let make = |specs: &[usize]| -> Vec<SearchDoc<'_>> {
                specs.iter().enumerate().map(|(i, &t)| story(i, &texts[t], t as u64)).collect()
            };
            let body = |d: &SearchDoc<'_>| Ok::<_, ()>(format!("{} and more {}", d.title, d.body * 7));
            let en = Analyzer::new("en");
            let facets = Facets { sources: vec![], years: vec![], tags: vec![] };
            let old_docs = make(&before);
            let old = Index::build(&old_docs, &en, body).unwrap();
            let mut was = BTreeMap::new();
            let layout = files(&old.terms(), &old_docs, &facets, &|_| false, None, |k, v| {
                was.insert(k, v);
                Ok::<_, ()>(())
            }).unwrap();
            let mut after = before.clone();
            for (at, t) in edits {
                if let Some(slot) = after.get_mut(at % before.len()) {
                    *slot = t;
                }
            }
            after.extend(more);
            let docs = make(&after);
            let (index, made) = old.update(&docs, &en, body).unwrap();
            let mut full = BTreeMap::new();
            let full_layout = files(&index.terms(), &docs, &facets, &|_| false, None, |k, v| {
                full.insert(k, v);
                Ok::<_, ()>(())
            }).unwrap();
            let Some(changed) = made.changed else {
                // Made anew: nothing to compare with.
                return Ok(());
            };
            let mut again = BTreeMap::new();
            let previous = Previous { layout: &layout, changed: &changed };
            let new_layout = files(&index.terms(), &docs, &facets, &|_| false, Some(previous), |k, v| {
                again.insert(k, v);
                Ok::<_, ()>(())
            }).unwrap();
            proptest::prop_assert_eq!(&new_layout, &full_layout);
            for (path, bytes) in &full {
                let got = again.get(path).or_else(|| was.get(path));
                proptest::prop_assert!(got == Some(bytes), "{} is not a full make's", path);
            }
            for path in again.keys() {
                proptest::prop_assert!(full.contains_key(path), "{} made, but not by a full make", path);
            }
        }
    }

    fn files_all(
        index: &Index,
        docs: &[SearchDoc<'_>],
        facets: &Facets<'_>,
        out: &mut BTreeMap<String, String>,
    ) {
        files(&index.terms(), docs, facets, &|_| false, None, |k, v| {
            out.insert(k, String::from_utf8(v).unwrap());
            Ok::<_, ()>(())
        })
        .unwrap();
    }
}
