//! The inverted index: from the published stories to the words each is
//! found by, and from each word to its stories; and what a build keeps of
//! it to make the next one without reading every story again.
//!
//! Stories are numbered oldest first (document `d` is the site's story
//! `len - 1 - d`), so that a day's new stories take new numbers and leave
//! every other story's number, and the files that hold it, as they were.
//!
//! A word's stories are kept in three lists, by where it is found (a story
//! is in the first that applies): [`Field::Headline`], [`Field::Lead`]
//! (dateline, keywords, agency) and [`Field::Body`]. The browser ranks by
//! those fields and by how rare the word is (the lists' lengths): no
//! per-story weight is stored, which keeps the most common word's lists at
//! about one byte a story.
//!
//! The index is kept by **form** (a word as written, folded: `talks`),
//! each with its term (its stem, `talk`). What the browser gets is derived
//! from it ([`Index::terms`]): each term's lists (a story under the best
//! field of any of its forms), and for each form whose term differs, an
//! alias to it, so that the browser looks words up as typed and never
//! needs a stemmer. Kept by form, a story can be taken out of the index
//! without reading what it used to say: [`Index::update_with`] takes out the
//! stories that changed or went and adds those that changed or came,
//! reading only those.
//!
//! Besides words, the index holds the filters as forms of their own, which
//! no word can spell: `#t:<keyword slug>`, `#s:<agency>`, `#y:<year>`.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::text::{self, Analyzer};
use super::{Docs, SearchDoc};

/// Where in a story a term is found, most telling first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Field {
    /// The headline.
    Headline = 0,
    /// The dateline, keywords and agency.
    Lead = 1,
    /// The body and summary.
    Body = 2,
}

/// How many lists a term has, one per [`Field`].
pub(crate) const LISTS: usize = 3;

/// One word's stories: per field, ascending document numbers, encoded as
/// they are added (see [`super::encode`]).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Postings {
    lists: [String; LISTS],
    last: [Option<u32>; LISTS],
    /// How many stories, over all fields.
    pub count: u32,
}

impl Postings {
    fn add(&mut self, doc: u32, field: Field) {
        let f = field as usize;
        let gap = match self.last[f] {
            Some(prev) => doc - prev - 1,
            None => doc,
        };
        super::encode::push_number(&mut self.lists[f], gap);
        self.last[f] = Some(doc);
        self.count += 1;
    }

    /// The lists, made from the stories of each field (each ascending).
    fn from_docs(docs: &[Vec<u32>; LISTS]) -> Postings {
        let mut p = Postings::default();
        for (f, list) in docs.iter().enumerate() {
            for &d in list {
                let gap = match p.last[f] {
                    Some(prev) => d - prev - 1,
                    None => d,
                };
                super::encode::push_number(&mut p.lists[f], gap);
                p.last[f] = Some(d);
            }
            p.count += list.len() as u32;
        }
        p
    }

    /// The stories of each field.
    fn docs(&self) -> [Vec<u32>; LISTS] {
        let mut out: [Vec<u32>; LISTS] = Default::default();
        for (f, list) in self.lists.iter().enumerate() {
            super::encode::each_doc(list, |d| out[f].push(d));
        }
        out
    }

    /// Appends `later`'s lists, all of whose stories come after this one's.
    fn append(&mut self, later: Postings) {
        for (f, list) in later.lists.into_iter().enumerate() {
            let Some(last) = later.last[f] else {
                continue;
            };
            match self.last[f] {
                None => self.lists[f] = list,
                Some(prev) => {
                    // Its first number is a story, not a gap: made one.
                    let (first, rest) = super::encode::split_first(&list);
                    super::encode::push_number(&mut self.lists[f], first - prev - 1);
                    self.lists[f].push_str(rest);
                }
            }
            self.last[f] = Some(last);
        }
        self.count += later.count;
    }

    /// The encoded lists, one per field.
    pub(crate) fn lists(&self) -> &[String; LISTS] {
        &self.lists
    }

    /// Their encoded size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.lists.iter().map(String::len).sum()
    }
}

/// A form's term (`None`: itself) and its stories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Form {
    term: Option<String>,
    postings: Postings,
}

/// The index of a site's stories, by form.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Index {
    /// Each story indexed, in document order, as the hash of all the index
    /// read of it ([`SearchDoc::digest`]).
    docs: Vec<u64>,
    /// Every form, with its term and stories.
    forms: HashMap<String, Form, foldhash::fast::FixedState>,
}

/// What the browser gets: each term's lists, and each form's alias.
pub(crate) struct Terms<'i> {
    /// Every term, with the stories of each of its forms (joined when
    /// asked for: [`Terms::postings`]).
    terms: HashMap<&'i str, Vec<&'i Postings>, foldhash::fast::FixedState>,
    /// Each form whose term differs, with its term.
    pub aliases: HashMap<&'i str, &'i str, foldhash::fast::FixedState>,
    /// How many stories are indexed.
    pub docs: u32,
}

/// How an index was brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Made {
    /// Stories read and indexed.
    pub read: usize,
    /// How many stories the index had before.
    pub before: usize,
    /// The numbers whose story changed or came, ascending; `None` when the
    /// index was made anew (every number may hold another story).
    pub touched: Option<Vec<u32>>,
    /// The terms and forms whose entry the browser gets may differ from
    /// the index's before: every form whose stories changed, came or went,
    /// and its term (`None`: made anew).
    pub changed: Option<BTreeSet<String>>,
}

impl Made {
    /// Whether the stories of the `chunk`-story run `k` of an index of `n`
    /// stories are the ones the index had there before (so the file
    /// showing them is as it was).
    pub(crate) fn same_run(&self, k: usize, chunk: usize, n: usize) -> bool {
        let Some(touched) = &self.touched else {
            return false;
        };
        let start = k * chunk;
        let (end, end_before) = ((start + chunk).min(n), (start + chunk).min(self.before));
        let from = touched.partition_point(|&d| (d as usize) < start);
        end == end_before && touched.get(from).is_none_or(|&d| d as usize >= end)
    }
}

/// One run of consecutive stories, indexed on its own. Words are numbered
/// as the run meets them: a story's words cost a lookup each (an archive's
/// vocabulary is small next to its words, and each word is stemmed once).
#[derive(Default)]
struct Part {
    /// Each word of up to 16 bytes met (most words), keyed by its bytes
    /// as one integer ([`short_key`]), with its number: a lookup hashes
    /// and compares one integer, not a string.
    short_ids: HashMap<u128, u32, foldhash::fast::FixedState>,
    /// Each longer word met, with its number.
    word_ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    /// Each word's term (`None`: itself) and stories, by word number.
    words: Vec<(Box<str>, Option<String>, Postings)>,
    /// For each word, 1 + the last story it was found in, and the best
    /// field it has in that story.
    seen: Vec<(u32, Field)>,
    /// The words of the story being added.
    doc_words: Vec<u32>,
}

/// Runs of fewer stories than this are not split further.
const PART_MIN: usize = 2048;

impl Index {
    /// [`Index::build_with`], the digests made here.
    #[cfg(test)]
    pub(crate) fn build<E: Send>(
        docs: &(impl Docs + ?Sized),
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<Index, E> {
        Index::build_with(docs, digests(docs), analyzer, text_of)
    }

    /// Indexes `docs`, in order (document `d` is `docs[d]`), whose
    /// [`digests`] are `digests`, reading each story's text with `text_of`.
    pub(crate) fn build_with<E: Send>(
        docs: &(impl Docs + ?Sized),
        digests: Vec<u64>,
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<Index, E> {
        debug_assert_eq!(digests.len(), docs.len());
        let all: Vec<u32> = (0..docs.len() as u32).collect();
        Ok(Index {
            docs: digests,
            forms: analyse(docs, &all, analyzer, &text_of, runs_for(all.len()))?,
        })
    }

    /// [`Index::update_with`], the digests made here.
    #[cfg(test)]
    pub(crate) fn update<E: Send>(
        self,
        docs: &(impl Docs + ?Sized),
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<(Index, Made), E> {
        self.update_with(docs, digests(docs), analyzer, text_of)
    }

    /// This index brought up to `docs`, whose [`digests`] are `next`: a
    /// story whose number and digest are the same is kept as it is; the
    /// others are taken out, and read and added again. When most stories
    /// changed (or moved: a story dated into the past moves every later
    /// one), the index is made anew. Either way the index is the one
    /// [`Index::build_with`] makes of `docs`.
    pub(crate) fn update_with<E: Send>(
        self,
        docs: &(impl Docs + ?Sized),
        next: Vec<u64>,
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<(Index, Made), E> {
        self.update_unless(docs, next, analyzer, text_of, |read, all| read * 2 > all)
    }

    /// [`Index::update_with`], made anew when `anew(stories to read,
    /// stories)`.
    fn update_unless<E: Send>(
        mut self,
        docs: &(impl Docs + ?Sized),
        next: Vec<u64>,
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
        anew: impl Fn(usize, usize) -> bool,
    ) -> Result<(Index, Made), E> {
        debug_assert_eq!(next.len(), docs.len());
        // Numbers below `kept` are in both; of those, `changed` hold
        // another story, or the same story changed.
        let kept = self.docs.len().min(next.len());
        let changed: Vec<u32> = (0..kept as u32)
            .filter(|&d| self.docs[d as usize] != next[d as usize])
            .collect();
        let added: Vec<u32> = changed
            .iter()
            .copied()
            .chain(kept as u32..next.len() as u32)
            .collect();
        let dropped = changed.len() + (self.docs.len() - kept);
        if anew(added.len(), next.len()) {
            let index = Index::build_with(docs, next, analyzer, text_of)?;
            let made = Made {
                read: docs.len(),
                before: self.docs.len(),
                touched: None,
                changed: None,
            };
            return Ok((index, made));
        }
        let before = self.docs.len();
        let mut keys_changed = BTreeSet::new();
        let mut note = |name: &str, form: &Form| {
            keys_changed.insert(name.to_string());
            if let Some(term) = &form.term {
                keys_changed.insert(term.clone());
            }
        };
        let mut fresh = analyse(docs, &added, analyzer, &text_of, runs_for(added.len()))?;
        // Each form that held a story taken out, or gains one, is read
        // once: the stories taken out dropped, those added merged in. A
        // form whose lists come out as they were (a story edited keeps most
        // of its words, in the same fields) is left as it is, unchanged.
        let gone = |d: u32| d as usize >= kept || changed.binary_search(&d).is_ok();
        let last_changed = changed.last().copied();
        let holds_gone = |p: &Postings| {
            dropped > 0
                && ((0..LISTS).any(|f| p.last[f].is_some_and(|l| l as usize >= kept))
                    || last_changed.is_some_and(|last| {
                        // Read each list only as far as the last changed story.
                        p.lists.iter().any(|l| {
                            super::encode::any_doc(
                                l,
                                |d| if d > last { None } else { Some(gone(d)) },
                            )
                        })
                    }))
        };
        // Which forms to read again is found in parallel (it reads every
        // form's lists as far as the last changed story); each is then
        // read again (in any order: what is noted is a sorted set).
        let touched: Vec<String> = self
            .forms
            .par_iter()
            .filter(|(name, form)| fresh.contains_key(name.as_str()) || holds_gone(&form.postings))
            .map(|(name, _)| name.clone())
            .collect();
        for name in touched {
            let Some(form) = self.forms.get_mut(&name) else {
                continue;
            };
            let add = fresh.remove(name.as_str());
            let was = form.postings.docs();
            let mut lists = was.clone();
            for list in &mut lists {
                list.retain(|&d| !gone(d));
            }
            if let Some(add) = add {
                for (list, new) in lists.iter_mut().zip(add.postings.docs()) {
                    *list = merged(list, &new);
                }
            }
            if lists != was {
                note(&name, form);
                form.postings = Postings::from_docs(&lists);
            }
            if form.postings.count == 0 {
                self.forms.remove(&name);
            }
        }
        for (name, form) in fresh {
            note(&name, &form);
            self.forms.insert(name, form);
        }
        self.docs = next;
        let made = Made {
            read: added.len(),
            before,
            touched: Some(added),
            changed: Some(keys_changed),
        };
        Ok((self, made))
    }

    /// How many stories it holds.
    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }

    /// Each term's lists and each form's alias, as the browser gets them.
    pub(crate) fn terms(&self) -> Terms<'_> {
        let mut terms: HashMap<&str, Vec<&Postings>, foldhash::fast::FixedState> =
            HashMap::default();
        let mut aliases = HashMap::default();
        for (name, form) in &self.forms {
            let term = form.term.as_deref().unwrap_or(name);
            if term != name {
                aliases.insert(name.as_str(), term);
            }
            terms.entry(term).or_default().push(&form.postings);
        }
        Terms {
            terms,
            aliases,
            docs: self.docs.len() as u32,
        }
    }
}

impl<'i> Terms<'i> {
    /// The keys the browser looks up: every term and every alias, once
    /// each, in no order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'i str> + '_ {
        self.terms.keys().copied().chain(
            self.aliases
                .keys()
                .copied()
                .filter(|k| !self.terms.contains_key(k)),
        )
    }

    /// Whether `key` is a term or an alias.
    #[cfg(test)]
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.terms.contains_key(key) || self.aliases.contains_key(key)
    }

    /// The lists of term `key` (its forms' joined), if it is a term.
    pub(crate) fn postings(&self, key: &str) -> Option<Cow<'i, Postings>> {
        Some(match self.terms.get(key)?.as_slice() {
            [one] => Cow::Borrowed(*one),
            many => Cow::Owned(joined(many)),
        })
    }

    /// The term `key` is an alias of, if it is a form whose term differs.
    pub(crate) fn alias(&self, key: &str) -> Option<&'i str> {
        self.aliases.get(key).copied().filter(|&t| t != key)
    }
}

/// The lists of a term of several forms: each story under the best field
/// any of its forms has in it.
fn joined(forms: &[&Postings]) -> Postings {
    let mut best: Vec<(u32, usize)> = Vec::new();
    for p in forms {
        for (f, list) in p.docs().into_iter().enumerate() {
            best.extend(list.into_iter().map(|d| (d, f)));
        }
    }
    best.sort_unstable();
    best.dedup_by_key(|(d, _)| *d);
    let mut lists: [Vec<u32>; LISTS] = Default::default();
    for (d, f) in best {
        lists[f].push(d);
    }
    Postings::from_docs(&lists)
}

/// Each story's [`SearchDoc::digest`], in order.
pub(crate) fn digests(docs: &(impl Docs + ?Sized)) -> Vec<u64> {
    (0..docs.len())
        .into_par_iter()
        .map(|d| docs.doc(d).digest())
        .collect()
}

/// Two ascending lists with no number in both, as one.
fn merged(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// How many runs to index `n` stories in: a few per thread, none short.
fn runs_for(n: usize) -> usize {
    (2 * rayon::current_num_threads()).clamp(1, n.div_ceil(PART_MIN).max(1))
}

/// The forms of stories `ids` (ascending) of `docs`, in `runs` runs, each
/// indexed on one thread (so each form's list in it is in order), then
/// joined in order: what is done one thread at a time is a step per form
/// and run, not per story.
fn analyse<E: Send>(
    docs: &(impl Docs + ?Sized),
    ids: &[u32],
    analyzer: &Analyzer,
    text_of: &(impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync),
    runs: usize,
) -> Result<HashMap<String, Form, foldhash::fast::FixedState>, E> {
    let size = ids.len().div_ceil(runs.max(1)).max(1);
    let parts: Vec<Part> = ids
        .par_chunks(size)
        .map(|run| {
            let mut part = Part::default();
            for &d in run {
                let doc = docs.doc(d as usize);
                let body = text_of(&doc)?;
                part.add(d, &doc, body, analyzer);
            }
            Ok(part)
        })
        .collect::<Result<_, E>>()?;
    let mut forms: HashMap<String, Form, foldhash::fast::FixedState> = HashMap::default();
    for part in parts {
        for (name, term, postings) in part.words {
            match forms.get_mut(&*name) {
                Some(form) => form.postings.append(postings),
                None => {
                    forms.insert(name.into(), Form { term, postings });
                }
            }
        }
    }
    Ok(forms)
}

impl Part {
    /// Adds story `d` (after every story added before it): each of its
    /// words once, in the best field it is found in.
    fn add(&mut self, d: u32, doc: &SearchDoc<'_>, body: String, analyzer: &Analyzer) {
        let mut fields: Vec<(String, Field)> = vec![
            (text::fold(doc.title), Field::Headline),
            (text::fold(doc.dateline), Field::Lead),
            (text::fold(doc.source), Field::Lead),
        ];
        for (name, _) in doc.keywords.iter() {
            fields.push((text::fold(name), Field::Lead));
        }
        fields.push((text::fold(doc.summary), Field::Body));
        fields.push((text::fold_owned(body), Field::Body));
        for (text, field) in &fields {
            text::tokens_into(text, |word, cjk| {
                let w = self.word_id(word, Some((cjk, analyzer)));
                self.found(w, d, *field);
            });
        }
        let mut filters: Vec<String> = doc
            .keywords
            .iter()
            .map(|(_, slug)| format!("#t:{slug}"))
            .collect();
        if !doc.source_key.is_empty() {
            filters.push(format!("#s:{}", doc.source_key));
        }
        filters.push(format!("#y:{}", doc.year()));
        for key in filters {
            let w = self.word_id(&key, None);
            self.found(w, d, Field::Headline);
        }
        for w in std::mem::take(&mut self.doc_words) {
            let field = self.seen[w as usize].1;
            self.words[w as usize].2.add(d, field);
        }
    }

    /// Notes word `w` in story `d`, in `field`.
    fn found(&mut self, w: u32, d: u32, field: Field) {
        let seen = &mut self.seen[w as usize];
        if seen.0 == d + 1 {
            seen.1 = seen.1.min(field);
        } else {
            *seen = (d + 1, field);
            self.doc_words.push(w);
        }
    }

    /// The number of `word`, numbered now if it is met for the first time
    /// (see [`Part::new_word`]).
    fn word_id(&mut self, word: &str, stem: Option<(bool, &Analyzer)>) -> u32 {
        if let Some(key) = short_key(word) {
            if let Some(&w) = self.short_ids.get(&key) {
                return w;
            }
            let w = self.new_word(word, stem);
            self.short_ids.insert(key, w);
            return w;
        }
        if let Some(&w) = self.word_ids.get(word) {
            return w;
        }
        let w = self.new_word(word, stem);
        self.word_ids.insert(word.into(), w);
        w
    }

    /// Numbers a word met for the first time, with its term (stemmed by
    /// the analyzer given, for a word of text: `(cjk, analyzer)`).
    fn new_word(&mut self, word: &str, stem: Option<(bool, &Analyzer)>) -> u32 {
        let term = stem
            .map(|(cjk, a)| a.term(word, cjk))
            .filter(|t| t != word)
            .map(Cow::into_owned);
        let w = self.words.len() as u32;
        self.words.push((word.into(), term, Postings::default()));
        self.seen.push((0, Field::Body));
        w
    }
}

/// `word`'s bytes as one integer, zero-padded, if it has 1 to 16 of them
/// and no NUL (no word or filter key has one): two such words have the
/// same key only if they are the same word. It is read with overlapping
/// loads, not copied into a padded buffer: a load of a buffer just filled
/// a byte at a time stalls, and that stall was a third of a lookup.
fn short_key(word: &str) -> Option<u128> {
    let b = word.as_bytes();
    let n = b.len();
    if n == 0 || n > 16 || b.contains(&0) {
        return None;
    }
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
    let (lo, hi) = match n {
        // The last eight bytes, shifted down to leave the first eight out.
        9.. => (u64_at(0), u64_at(n - 8) >> (8 * (16 - n))),
        8 => (u64_at(0), 0),
        // The first four and the last four: where they overlap, the same
        // bytes.
        4..=7 => (
            u64::from(u32_at(0)) | u64::from(u32_at(n - 4)) << (8 * (n - 4)),
            0,
        ),
        _ => (
            b.iter()
                .enumerate()
                .fold(0, |k, (i, &c)| k | u64::from(c) << (8 * i)),
            0,
        ),
    };
    Some(u128::from(lo) | u128::from(hi) << 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Keywords;

    static TAGS: std::sync::OnceLock<Vec<crate::model::Tag>> = std::sync::OnceLock::new();

    fn doc<'a>(slug: &'a str, title: &'a str, body: u64) -> SearchDoc<'a> {
        SearchDoc {
            idx: 0,
            slug,
            title,
            day: chrono::NaiveDate::from_ymd_opt(2017, 7, 3).unwrap(),
            dateline: "",
            source: "Xinhua",
            source_key: "xinhua".into(),
            summary: "",
            keywords: Keywords {
                tags: TAGS.get_or_init(|| {
                    vec![crate::model::Tag {
                        slug: "china".into(),
                        name: "China".into(),
                        articles: Vec::new(),
                    }]
                }),
                ids: &[0],
            },
            body,
        }
    }

    fn lists(index: &Index, key: &str) -> Vec<Vec<u32>> {
        index
            .terms()
            .postings(key)
            .unwrap()
            .lists()
            .iter()
            .map(|l| super::super::encode::docs(l).unwrap())
            .collect()
    }

    #[test]
    fn a_short_key_is_the_word_zero_padded() {
        let word = "abcdefghijklmnopq";
        for n in 1..=16 {
            let mut padded = [0u8; 16];
            padded[..n].copy_from_slice(&word.as_bytes()[..n]);
            assert_eq!(
                short_key(&word[..n]),
                Some(u128::from_le_bytes(padded)),
                "{n} bytes"
            );
        }
        assert_eq!(short_key(word), None);
        assert_eq!(short_key(""), None);
        assert_eq!(short_key("a\0"), None);
        assert_ne!(short_key("été"), short_key("ete"));
    }

    #[test]
    fn a_term_is_listed_once_a_story_under_its_best_field() {
        let docs = [
            doc("a", "Talks open", 0),
            doc("b", "Markets rise", 1),
            doc("c", "Summit talk", 2),
        ];
        let bodies = ["They talk.", "Talks stall.", "Nothing."];
        let index = Index::build(&docs, &Analyzer::new("en"), |d| {
            Ok::<_, ()>(bodies[d.body as usize].to_string())
        })
        .unwrap();
        assert_eq!(lists(&index, "talk"), [vec![0, 2], vec![], vec![1]]);
        let terms = index.terms();
        assert_eq!(terms.postings("talk").unwrap().count, 3);
        assert_eq!(terms.alias("talks"), Some("talk"));
        assert_eq!(lists(&index, "#t:china")[0], [0, 1, 2]);
        assert_eq!(lists(&index, "#s:xinhua")[0], [0, 1, 2]);
        assert_eq!(lists(&index, "#y:2017")[0], [0, 1, 2]);
    }

    #[test]
    fn runs_joined_give_the_index_of_one_run() {
        let titles: Vec<String> = (0..40)
            .map(|i| format!("Story {} of talks and {} markets", i % 7, i % 3))
            .collect();
        let docs: Vec<SearchDoc<'_>> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| doc(Box::leak(i.to_string().into_boxed_str()), t, 0))
            .collect();
        let all: Vec<u32> = (0..40).collect();
        let text = |d: &SearchDoc<'_>| Ok::<_, ()>(d.title.repeat(2));
        let build = |runs| analyse(&docs, &all, &Analyzer::new("en"), &text, runs).unwrap();
        let one = build(1);
        for runs in [2, 3, 7, 40] {
            assert_eq!(build(runs), one, "{runs} runs");
        }
    }

    #[test]
    fn a_run_of_stories_is_the_same_unless_one_changed_or_it_lost_some() {
        let made = Made {
            read: 1,
            before: 70,
            touched: Some(vec![40]),
            changed: None,
        };
        assert!(made.same_run(0, 32, 70));
        assert!(!made.same_run(1, 32, 70), "story 40 changed");
        assert!(made.same_run(2, 32, 70), "64..70 as before");
        assert!(!made.same_run(2, 32, 68), "two stories gone from it");
        assert!(!made.same_run(2, 32, 72), "two stories came into it");
        let anew = Made {
            touched: None,
            ..made
        };
        assert!(!anew.same_run(0, 32, 70));
    }

    proptest::proptest! {
        /// Whatever happens to the stories, an index brought up to date is
        /// the index made anew, and reads only what changed or came.
        #[test]
        fn an_updated_index_is_the_index_made_anew(
            before in proptest::collection::vec((0u8..6, 0u8..4), 0..30),
            edits in proptest::collection::vec((0usize..30, 0u8..6, 0u8..4), 0..6),
            cut in 0usize..30,
            more in proptest::collection::vec((0u8..6, 0u8..4), 0..5),
        ) {
            const WORDS: [&str; 6] = ["talks", "talk", "markets rise", "青岛峰会", "summit", "g20 talks"];
            let titles: Vec<String> = WORDS.iter().map(|w| format!("{w} today")).collect();
            fn make<'a>(specs: &[(u8, u8)], paths: &'a [String], titles: &'a [String]) -> Vec<SearchDoc<'a>> {
                specs.iter().zip(paths).map(|(&(t, b), p)| doc(p, &titles[t as usize], b as u64)).collect::<Vec<_>>()
            }
            let bodies = |d: &SearchDoc<'_>| Ok::<_, ()>(WORDS[d.body as usize % 6].repeat(d.body as usize + 1));
            let en = Analyzer::new("en");
            let paths: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
            let old = Index::build(&make(&before, &paths, &titles), &en, bodies).unwrap();
            // Edits, stories gone from `cut` on, and new ones after.
            let mut after = before.clone();
            for (at, t, b) in edits {
                if let Some(slot) = after.get_mut(at) {
                    *slot = (t, b);
                }
            }
            after.truncate(cut.min(after.len()));
            let mut after_paths: Vec<String> = paths[..after.len()].to_vec();
            for (k, m) in more.iter().enumerate() {
                after.push(*m);
                after_paths.push(format!("new{k}"));
            }
            let docs = make(&after, &after_paths, &titles);
            let (updated, made) = old.clone().update_unless(&docs, digests(&docs), &en, bodies, |_, _| false).unwrap();
            let fresh = Index::build(&docs, &en, bodies).unwrap();
            proptest::prop_assert_eq!(&updated, &fresh);
            // Every key the browser gets differently is said to have changed.
            let changed = made.changed.clone().expect("updated, not made anew");
            let (was, now) = (old.terms(), fresh.terms());
            for key in was.keys().chain(now.keys()) {
                let entry = |t: &Terms<'_>| (t.contains(key), t.postings(key).map(|p| p.into_owned()), t.alias(key).map(str::to_string));
                if entry(&was) != entry(&now) {
                    proptest::prop_assert!(changed.contains(key), "{} changed unsaid", key);
                }
            }
            // Only the stories that changed or came were read.
            let kept = before.iter().zip(&after).take(cut.min(before.len())).filter(|(a, b)| a == b).count();
            proptest::prop_assert_eq!(made.read, docs.len() - kept);
            // And the usual update agrees.
            let (usual, _) = old.update(&docs, &en, bodies).unwrap();
            proptest::prop_assert_eq!(&usual, &fresh);
        }
    }
}
