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
            format!("search/d/{k}.js"),
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
