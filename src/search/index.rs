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

/// What one story gives the index: its terms with the best field each is
/// in, and the forms it used that stem to something else.
struct DocTerms {
    terms: Vec<(String, Field)>,
    aliases: Vec<(String, String)>,
}

/// Stories analysed at a time, in parallel, before their terms are added
/// in order: enough to keep both cores busy, few enough that their terms
/// take little memory.
const BATCH: usize = 512;

impl Index {
    /// Indexes `docs`, in order (document `d` is `docs[d]`), reading each
    /// story's text with `text_of`.
    pub(crate) fn build<E: Send>(
        docs: &[SearchDoc<'_>],
        analyzer: &Analyzer,
        text_of: impl Fn(&SearchDoc<'_>) -> Result<String, E> + Sync,
    ) -> Result<Index, E> {
        let mut index = Index {
            docs: docs.len() as u32,
            ..Index::default()
        };
        for (b, batch) in docs.chunks(BATCH).enumerate() {
            let analysed: Vec<DocTerms> = batch
                .par_iter()
                .map(|doc| Ok(analyse(doc, &text_of(doc)?, analyzer)))
                .collect::<Result<_, E>>()?;
            for (k, doc) in analysed.into_iter().enumerate() {
                let d = (b * BATCH + k) as u32;
                for (term, field) in doc.terms {
                    index.terms.entry(term).or_default().add(d, field);
                }
                for (form, term) in doc.aliases {
                    index.aliases.entry(form).or_insert(term);
                }
            }
        }
        Ok(index)
    }
}

/// The terms of one story, each with the best field it is found in,
/// sorted by term (so each once).
fn analyse(doc: &SearchDoc<'_>, body: &str, analyzer: &Analyzer) -> DocTerms {
    let mut best: HashMap<String, Field, foldhash::fast::FixedState> = HashMap::default();
    let mut aliases: HashMap<String, String, foldhash::fast::FixedState> = HashMap::default();
    let mut add = |text: &str, field: Field| {
        text::tokens_into(text, |word, cjk| {
            let term = analyzer.term(&word, cjk);
            if term != word.as_str() && !aliases.contains_key(&word) {
                aliases.insert(word.clone(), term.to_string());
            }
            let term = term.into_owned();
            let slot = best.entry(term).or_insert(field);
            *slot = (*slot).min(field);
        });
    };
    add(doc.title, Field::Headline);
    add(doc.dateline, Field::Lead);
    add(doc.source, Field::Lead);
    for (name, _) in &doc.keywords {
        add(name, Field::Lead);
    }
    add(doc.summary, Field::Body);
    add(body, Field::Body);
    let mut terms: Vec<(String, Field)> = best.into_iter().collect();
    for (_, slug) in &doc.keywords {
        terms.push((format!("#t:{slug}"), Field::Headline));
    }
    if !doc.source_key.is_empty() {
        terms.push((format!("#s:{}", doc.source_key), Field::Headline));
    }
    terms.push((format!("#y:{}", doc.year), Field::Headline));
    terms.sort_unstable();
    terms.dedup_by(|a, b| a.0 == b.0);
    let mut aliases: Vec<(String, String)> = aliases.into_iter().collect();
    aliases.sort_unstable();
    DocTerms { terms, aliases }
}
