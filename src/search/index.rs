//! The inverted index: from the published stories to the terms each is
//! found by, and from each term to its stories.
//!
//! Stories are numbered oldest first (document `d` is the site's story
//! `len - 1 - d`), so that a day's new stories take new numbers and leave
//! every other story's number, and the files that hold it, as they were.
//!
//! A term's stories are kept in three lists, by where the term is found
//! (a story is in the first that applies): [`Field::Headline`],
//! [`Field::Lead`] (dateline, keywords, agency) and [`Field::Body`]. The
//! browser ranks by those fields and by how rare the term is (the lists'
//! lengths): no per-story weight is stored, which keeps the most common
//! word's lists at about one byte a story.
//!
//! Besides words, the index holds the filters as terms of their own, which
//! no word can spell: `#t:<keyword slug>`, `#s:<agency>`, `#y:<year>`. And
//! for each form of a word it saw whose stem differs (`talks` for `talk`),
//! an alias to the stem: the browser looks up the words as typed and never
//! needs a stemmer.

use std::collections::HashMap;

use rayon::prelude::*;

use super::text::{self, Analyzer};
use super::SearchDoc;

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
pub(crate) const FIELDS: usize = 3;

/// One term's stories: per field, ascending document numbers, encoded as
/// they are added (see [`super::encode`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Postings {
    lists: [String; FIELDS],
    last: [Option<u32>; FIELDS],
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
    pub(crate) fn lists(&self) -> &[String; FIELDS] {
        &self.lists
    }

    /// Their encoded size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.lists.iter().map(String::len).sum()
    }
}

/// The whole index, before it is cut into shards.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Every term, with its stories.
    pub terms: HashMap<String, Postings, foldhash::fast::FixedState>,
    /// Each form seen whose term differs, with its term.
    pub aliases: HashMap<String, String, foldhash::fast::FixedState>,
    /// How many stories are indexed.
    pub docs: u32,
}

/// One run of consecutive stories, indexed on its own. Words and terms
/// are numbered as the run meets them: a story's words cost a lookup each
/// (an archive's vocabulary is small next to its words, and each word is
/// stemmed once), and its terms are told apart by number.
#[derive(Default)]
struct Part {
    /// Each word met, with its number.
    word_ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    /// Each word's term, by word number.
    word_terms: Vec<u32>,
    /// Each term met, with its number.
    term_ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    /// Each term's name and stories, by term number.
    terms: Vec<(Box<str>, Postings)>,
    /// For each term, 1 + the last story it was found in, and the best
    /// field it has in that story.
    seen: Vec<(u32, Field)>,
    /// The terms of the story being added.
    doc_terms: Vec<u32>,
    /// Each word whose term differs, with its term number.
    aliases: Vec<(Box<str>, u32)>,
}

/// Runs of fewer stories than this are not split further.
const PART_MIN: usize = 2048;

impl Index {
    /// Indexes `docs`, in order (document `d` is `docs[d]`), reading each
    /// story's text with `text_of`.
    ///
    /// The stories are cut into a few runs, each indexed on one thread
    /// (so each term's list in it is in order), and the runs' lists are then
    /// joined in order: what is done one thread at a time is a step per
    /// term and run, not per story.
    pub(crate) fn build<E: Send>(
        docs: &[SearchDoc<'_>],
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<Index, E> {
        let parts =
            (2 * rayon::current_num_threads()).clamp(1, docs.len().div_ceil(PART_MIN).max(1));
        Index::build_in(docs, analyzer, text_of, parts)
    }

    /// [`Index::build`], in `parts` runs.
    fn build_in<E: Send>(
        docs: &[SearchDoc<'_>],
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
        parts: usize,
    ) -> Result<Index, E> {
        let size = docs.len().div_ceil(parts.max(1)).max(1);
        let indexed: Vec<Part> = docs
            .par_chunks(size)
            .enumerate()
            .map(|(k, run)| {
                let mut part = Part::default();
                for (j, doc) in run.iter().enumerate() {
                    let body = text_of(doc)?;
                    part.add((k * size + j) as u32, doc, &body, analyzer);
                }
                Ok(part)
            })
            .collect::<Result<_, E>>()?;
        let mut index = Index {
            docs: docs.len() as u32,
            ..Index::default()
        };
        for part in indexed {
            for (form, t) in part.aliases {
                if !index.aliases.contains_key(&*form) {
                    index
                        .aliases
                        .insert(form.into(), part.terms[t as usize].0.to_string());
                }
            }
            for (term, postings) in part.terms {
                match index.terms.get_mut(&*term) {
                    Some(p) => p.append(postings),
                    None => {
                        index.terms.insert(term.into(), postings);
                    }
                }
            }
        }
        Ok(index)
    }
}

impl Part {
    /// Adds story `d` (after every story added before it): each of its
    /// terms once, in the best field it is found in.
    fn add(&mut self, d: u32, doc: &SearchDoc<'_>, body: &str, analyzer: &Analyzer) {
        let mut fields: Vec<(String, Field)> = vec![
            (text::fold(doc.title), Field::Headline),
            (text::fold(doc.dateline), Field::Lead),
            (text::fold(doc.source), Field::Lead),
        ];
        for (name, _) in &doc.keywords {
            fields.push((text::fold(name), Field::Lead));
        }
        fields.push((text::fold(doc.summary), Field::Body));
        fields.push((text::fold(body), Field::Body));
        for (text, field) in &fields {
            text::tokens_into(text, |word, cjk| {
                let w = match self.word_ids.get(word) {
                    Some(&w) => w,
                    None => self.new_word(word, cjk, analyzer),
                };
                let t = self.word_terms[w as usize];
                self.found(t, d, *field);
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
        filters.push(format!("#y:{}", doc.year));
        for key in filters {
            let t = self.term(&key);
            self.found(t, d, Field::Headline);
        }
        for t in std::mem::take(&mut self.doc_terms) {
            let field = self.seen[t as usize].1;
            self.terms[t as usize].1.add(d, field);
        }
    }

    /// Notes term `t` in story `d`, in `field`.
    fn found(&mut self, t: u32, d: u32, field: Field) {
        let seen = &mut self.seen[t as usize];
        if seen.0 == d + 1 {
            seen.1 = seen.1.min(field);
        } else {
            *seen = (d + 1, field);
            self.doc_terms.push(t);
        }
    }

    /// Numbers a word met for the first time, and its term.
    fn new_word(&mut self, word: &str, cjk: bool, analyzer: &Analyzer) -> u32 {
        let term = analyzer.term(word, cjk);
        let t = self.term(&term);
        if term != word {
            self.aliases.push((word.into(), t));
        }
        let w = self.word_terms.len() as u32;
        self.word_terms.push(t);
        self.word_ids.insert(word.into(), w);
        w
    }

    /// The number of term `name`, numbered now if it is new.
    fn term(&mut self, name: &str) -> u32 {
        if let Some(&t) = self.term_ids.get(name) {
            return t;
        }
        let t = self.terms.len() as u32;
        self.terms.push((name.into(), Postings::default()));
        self.seen.push((0, Field::Body));
        self.term_ids.insert(name.into(), t);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str) -> SearchDoc<'_> {
        SearchDoc {
            idx: 0,
            path: String::new(),
            title,
            day: "2017-07-03".into(),
            year: 2017,
            dateline: "",
            source: "Xinhua",
            source_key: "xinhua".into(),
            summary: "",
            keywords: vec![("China", "china")],
            body: 0,
        }
    }

    fn lists(index: &Index, key: &str) -> Vec<Vec<u32>> {
        index.terms[key]
            .lists()
            .iter()
            .map(|l| super::super::encode::docs(l).unwrap())
            .collect()
    }

    #[test]
    fn a_term_is_listed_once_a_story_under_its_best_field() {
        let docs = [doc("Talks open"), doc("Markets rise"), doc("Summit talks")];
        let bodies = ["They talk.", "Talks stall.", "Nothing."];
        let index = Index::build_in(
            &docs,
            &Analyzer::new("en"),
            |d| {
                Ok::<_, ()>(
                    bodies[docs.iter().position(|x| x.title == d.title).unwrap()].to_string(),
                )
            },
            1,
        )
        .unwrap();
        assert_eq!(lists(&index, "talk"), [vec![0, 2], vec![], vec![1]]);
        assert_eq!(index.terms["talk"].count, 3);
        assert_eq!(index.aliases["talks"], "talk");
        assert_eq!(lists(&index, "#t:china")[0], [0, 1, 2]);
        assert_eq!(lists(&index, "#s:xinhua")[0], [0, 1, 2]);
        assert_eq!(lists(&index, "#y:2017")[0], [0, 1, 2]);
    }

    #[test]
    fn runs_joined_give_the_index_of_one_run() {
        let titles: Vec<String> = (0..40)
            .map(|i| format!("Story {} of talks and {} markets", i % 7, i % 3))
            .collect();
        let docs: Vec<SearchDoc<'_>> = titles.iter().map(|t| doc(t)).collect();
        let build = |parts| {
            Index::build_in(
                &docs,
                &Analyzer::new("en"),
                |d| Ok::<_, ()>(d.title.repeat(2)),
                parts,
            )
            .unwrap()
        };
        let one = build(1);
        for parts in [2, 3, 7, 40] {
            let many = build(parts);
            assert_eq!(many.terms, one.terms, "{parts} runs");
            assert_eq!(many.aliases, one.aliases, "{parts} runs");
        }
    }
}
