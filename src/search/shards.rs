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
//! term, so the others keep their names and bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::index::{Postings, Terms, LISTS};
use super::SearchDoc;

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

/// Every file of the index but `search.js`, each handed to `put` (path in
/// the output, bytes) as it is made: the term shards, the stories' files,
/// `meta.js`, `tags.js`.
pub(crate) fn files<E>(
    index: &Terms<'_>,
    docs: &[SearchDoc<'_>],
    facets: &Facets<'_>,
    unchanged: &dyn Fn(usize) -> bool,
    mut put: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let mut keys: Vec<&str> = index
        .terms
        .keys()
        .chain(index.aliases.keys())
        .copied()
        .collect();
    keys.sort_unstable_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    keys.dedup();
    let m = (keys.len() / SHARDS).max(1).next_power_of_two().max(32) as u64;
    let mut shards: Vec<(String, String)> = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut body = String::new();
    let mut first = "";
    let mut size = 0;
    let mut prev_big = false;
    let mut flush = |first: &str, body: &mut String| -> Result<(), E> {
        if body.is_empty() {
            return Ok(());
        }
        let mut name = format!("{:012x}", crate::render::views::hash_one(&first) >> 16);
        let seen = names.entry(name.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            name = format!("{name}-{seen}");
        }
        let text = format!("DatelineSearch.shard({},{{{body}}});\n", json(&name));
        put(format!("search/t/{name}.js"), script_safe(text))?;
        shards.push((first.to_string(), name));
        body.clear();
        Ok(())
    };
    for key in keys {
        let postings = index.terms.get(key).map(|p| &**p);
        let alias = index.aliases.get(key).copied().filter(|&t| t != key);
        let big = postings.is_some_and(|p| p.size() >= BIG);
        let cut = body.is_empty()
            || big
            || prev_big
            || size >= SHARD_CAP
            || crate::render::views::hash_one(&key) % m == 0;
        if cut {
            flush(first, &mut body)?;
            first = key;
            size = 0;
        }
        prev_big = big;
        if !body.is_empty() {
            body.push(',');
        }
        let start = body.len();
        body.push_str(&json(key));
        body.push(':');
        entry(&mut body, postings, alias);
        size += body.len() - start;
    }
    flush(first, &mut body)?;

    for (k, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        if unchanged(k) {
            continue;
        }
        let lines = serde_json::to_string(
            &chunk
                .iter()
                .map(|d| {
                    let day = d.day.format("%Y-%m-%d").to_string();
                    let keywords: Vec<(&str, &str)> = d.keywords.iter().collect();
                    (&d.path, d.title, day, d.dateline, d.source, keywords)
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
    )
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
    use crate::search::Keywords;

    /// The data a script hands `DatelineSearch.<call>(name, data)`.
    fn data(text: &str, call: &str) -> (serde_json::Value, serde_json::Value) {
        let inner = text
            .strip_prefix(&format!("DatelineSearch.{call}("))
            .and_then(|t| t.strip_suffix(");\n"))
            .unwrap_or_else(|| panic!("not a {call} script: {text}"));
        let v: serde_json::Value = serde_json::from_str(&format!("[{inner}]")).unwrap();
        (v[0].clone(), v.get(1).cloned().unwrap_or_default())
    }

    #[test]
    fn shards_hold_sorted_runs_of_terms_that_meta_finds() {
        let words: Vec<String> = (0..9000)
            .map(|i| format!("w{i:04}x word{}", i % 50))
            .collect();
        let docs: Vec<SearchDoc<'_>> = words
            .iter()
            .enumerate()
            .map(|(i, t)| SearchDoc {
                idx: i,
                path: format!("2017/07/03/s{i}/"),
                title: t,
                day: chrono::NaiveDate::from_ymd_opt(2017, 7, 3).unwrap(),
                dateline: "",
                source: "",
                source_key: String::new(),
                summary: "",
                keywords: Keywords {
                    tags: &[],
                    ids: &[],
                },
                body: i as u64,
            })
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

    fn files_all(
        index: &Index,
        docs: &[SearchDoc<'_>],
        facets: &Facets<'_>,
        out: &mut BTreeMap<String, String>,
    ) {
        files(&index.terms(), docs, facets, &|_| false, |k, v| {
            out.insert(k, String::from_utf8(v).unwrap());
            Ok::<_, ()>(())
        })
        .unwrap();
    }
}
