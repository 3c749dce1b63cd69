//! The site model: everything a build publishes, derived from the
//! configuration and the loaded stories.
//!
//! [`Site::assemble`] merges the loaded records into stories, one per
//! identity (`versions.rs`: the newest version's text at the first
//! version's URL; killed stories kept apart for their notice pages,
//! withheld ones counted), orders them (newest first, then their first
//! version's id), gives each its slug (same-day resends get `-2`, `-3`...;
//! a collision between explicit slugs is an error naming both files; a
//! killed story keeps its slug), folds keywords into tags by slug (a
//! story's tags are indices into one list sorted by slug) and files the
//! stories by year, month and day. Every map is a `BTreeMap` and every
//! list sorted, so iteration order, and so output, is deterministic.
//!
//! The fields are private. The plan and the renderer read the site through
//! its accessors; the one change after assembly is [`Site::patch`], the
//! in-place rebuild's: stories of one version replaced by edits that keep
//! their identity, date, keywords and draft flag and stay usable (it
//! refuses any other), so every index stays valid, with their days' slugs
//! derived again; [`Site::undo`] puts them back. The model knows nothing
//! of files or templates.

pub(crate) mod article;
pub(crate) mod route;
pub(crate) mod slug;
mod versions;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rayon::prelude::*;

pub(crate) use article::{Article, Bodies, BodySource, Extra, Format, Status};
pub(crate) use route::Route;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};

/// Index of an article in the site's order (0 is the newest).
pub(crate) type ArticleIdx = usize;

/// Index of a tag in [`Site::tags`] (sorted by slug).
pub(crate) type TagIdx = u32;

/// A keyword tag: all spellings that fold to one slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    /// The folded slug (`anti-terror`).
    pub slug: String,
    /// The most frequent spelling; ties go to the first in sort order.
    pub name: String,
    /// Its stories, newest first.
    pub articles: Vec<ArticleIdx>,
}

/// The stories of a listing (the home page, a year, a month, a day, a
/// keyword), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing<'s> {
    /// A run of the site's order: the home page's is all of it.
    Run(usize, usize),
    /// A list of stories.
    Of(&'s [ArticleIdx]),
}

impl<'s> Listing<'s> {
    /// How many stories it has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Listing::Run(start, end) => end - start,
            Listing::Of(s) => s.len(),
        }
    }

    /// Its stories from `range` (clamped to its length).
    pub(crate) fn slice(&self, range: Range<usize>) -> Listing<'s> {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        match *self {
            Listing::Run(s, _) => Listing::Run(s + start, s + end),
            Listing::Of(l) => Listing::Of(&l[start..end]),
        }
    }

    /// Its stories, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ArticleIdx> + 's {
        let this = *self;
        (0..this.len()).map(move |k| match this {
            Listing::Run(s, _) => s + k,
            Listing::Of(l) => l[k],
        })
    }

    /// Where story `i` is in it, if it is.
    pub(crate) fn position(&self, i: ArticleIdx) -> Option<usize> {
        match *self {
            Listing::Run(s, e) => (s..e).contains(&i).then(|| i - s),
            // Listings keep the site's order, so they are sorted by index.
            Listing::Of(l) => l.binary_search(&i).ok(),
        }
    }
}

/// The whole site, ready to plan and render.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    config: Config,
    /// Every record loaded (each version of each story, killed and
    /// withheld ones too), sorted by id: what a rebuild reloads a file's
    /// part of.
    records: Vec<Arc<Article>>,
    /// Every published story, newest first (date desc, then first id).
    articles: Vec<Arc<Article>>,
    /// Killed stories, by day and slug: their URLs stay theirs.
    withdrawn: Vec<Arc<Article>>,
    /// How many stories the agencies withhold.
    withheld: usize,
    /// Each story's last modification (`updated`, else `date`), side by
    /// side: listing pages' and the sitemap's dates read many at a time,
    /// and reading them through each story cost a cache miss apiece.
    modified: Vec<DateTime<FixedOffset>>,
    /// Each article's tags, in the order its keywords were written.
    article_tags: TagLists,
    /// Every tag, sorted by slug.
    tags: Vec<Tag>,
    years: BTreeMap<i32, Vec<ArticleIdx>>,
    months: BTreeMap<(i32, u32), Vec<ArticleIdx>>,
    days: BTreeMap<NaiveDate, Vec<ArticleIdx>>,
}

/// Each story's tags, in the order its keywords were written: one list
/// for all, cut at each story's end (a vector of each story's own took
/// some 40 bytes a story, this some 20).
#[derive(Debug, Clone, Default)]
struct TagLists {
    /// Every story's tags, one story after another.
    tags: Vec<TagIdx>,
    /// Where each story's tags end in `tags`.
    ends: Vec<usize>,
}

impl TagLists {
    fn with_capacity(stories: usize) -> TagLists {
        TagLists {
            tags: Vec::with_capacity(stories * 3),
            ends: Vec::with_capacity(stories),
        }
    }

    /// The next story's tags.
    fn push(&mut self, tags: &[TagIdx]) {
        self.tags.extend_from_slice(tags);
        self.ends.push(self.tags.len());
    }

    /// Story `i`'s tags.
    fn get(&self, i: ArticleIdx) -> &[TagIdx] {
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        &self.tags[start..self.ends[i]]
    }
}

/// Why [`Site::patch`] did not patch.
#[derive(Debug)]
pub(crate) enum PatchError {
    /// An edit moves its story (a new date, keywords or draft flag): the
    /// site must be assembled again.
    NotInPlace,
    /// The edits make two explicit slugs collide; nothing was changed.
    Content(Diagnostics),
}

/// What [`Site::patch`] changed, and how to put it back.
#[derive(Debug)]
pub(crate) struct Patched {
    /// The stories replaced, edited or re-slugged: those whose pages and
    /// listings may show something new.
    pub changed: BTreeSet<ArticleIdx>,
    /// Resend warnings of the edited stories' days.
    pub warnings: Diagnostics,
    /// The previous stories, for [`Site::undo`].
    pub undo: Undo,
}

/// The stories a patch replaced, to put back.
#[derive(Debug, Default)]
#[must_use = "a patch that is not undone stays"]
pub(crate) struct Undo {
    stories: Vec<(ArticleIdx, Arc<Article>)>,
    /// (place in the records, record before).
    records: Vec<(usize, Arc<Article>)>,
}

impl Undo {
    /// The stories as they were before the patch.
    pub(crate) fn previous(&self) -> impl Iterator<Item = (ArticleIdx, &Article)> {
        self.stories.iter().map(|(i, a)| (*i, &**a))
    }
}

impl Site {
    /// Builds the model. Errors (colliding explicit slugs) fail it; warnings
    /// (resends, keywords without letters) come back with the site. The
    /// articles are shared: a rebuild passes the previous model's
    /// unchanged stories without copying them.
    pub(crate) fn assemble(
        config: Config,
        mut records: Vec<Arc<Article>>,
    ) -> Result<(Site, Diagnostics), Diagnostics> {
        let mut ds = Diagnostics::new();
        records.par_sort_by(|a, b| a.id.cmp(&b.id));
        let merged = versions::merge(&records, &mut ds);
        if ds.has_errors() {
            ds.sort();
            return Err(ds);
        }
        // Killed stories take part in slugs: their URLs stay theirs.
        let mut articles = merged.published;
        articles.extend(merged.killed);
        articles.par_sort_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then_with(|| a.first_id().cmp(b.first_id()))
        });
        assign_slugs(&mut articles, &mut ds);
        if ds.has_errors() {
            return Err(ds);
        }
        let (articles, mut withdrawn): (Vec<_>, Vec<_>) = articles
            .into_iter()
            .partition(|a| a.status == Status::Usable);
        withdrawn.sort_by(|a, b| (a.day(), a.slug()).cmp(&(b.day(), b.slug())));
        let (article_tags, tags) = fold_tags(&articles, &mut ds);
        let mut site = Site {
            config,
            records,
            withdrawn,
            withheld: merged.withheld,
            modified: articles.iter().map(|a| a.modified()).collect(),
            articles,
            article_tags,
            tags,
            years: BTreeMap::new(),
            months: BTreeMap::new(),
            days: BTreeMap::new(),
        };
        for (i, a) in site.articles.iter().enumerate() {
            let d = a.day();
            site.years.entry(d.year()).or_default().push(i);
            site.months
                .entry((d.year(), d.month()))
                .or_default()
                .push(i);
            site.days.entry(d).or_default().push(i);
        }
        Ok((site, ds))
    }

    /// A site of no stories.
    pub(crate) fn empty(config: Config) -> Site {
        Site {
            config,
            records: Vec::new(),
            articles: Vec::new(),
            withdrawn: Vec::new(),
            withheld: 0,
            modified: Vec::new(),
            article_tags: TagLists::default(),
            tags: Vec::new(),
            years: BTreeMap::new(),
            months: BTreeMap::new(),
            days: BTreeMap::new(),
        }
    }

    /// Frees its stories on every core, and returns once they are freed.
    /// A clean build of a million stories that let its site go on a thread
    /// of its own while it made its record's lists peaked with those lists
    /// on top of the site (1,575 MB after rendering, 1,692 MB at the end):
    /// what that thread freed was not yet memory the others could use.
    /// Freed here first, the lists took no more than rendering had.
    pub(crate) fn free_in_parallel(self) {
        use rayon::prelude::*;
        let Site {
            records,
            articles,
            withdrawn,
            article_tags,
            ..
        } = self;
        rayon::join(
            || {
                drop(withdrawn);
                articles.into_par_iter().for_each(drop);
                records.into_par_iter().for_each(drop);
            },
            || drop(article_tags),
        );
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// How many stories it publishes.
    pub(crate) fn len(&self) -> usize {
        self.articles.len()
    }

    /// Whether it publishes none.
    pub(crate) fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Story `i`.
    pub(crate) fn article(&self, i: ArticleIdx) -> &Article {
        &self.articles[i]
    }

    /// Every story, newest first, shared.
    pub(crate) fn articles(&self) -> &[Arc<Article>] {
        &self.articles
    }

    /// Every record loaded, each version of each story, sorted by id (a
    /// rebuild keeps the unchanged ones).
    pub(crate) fn records(&self) -> &[Arc<Article>] {
        &self.records
    }

    /// The killed stories, by day and slug.
    pub(crate) fn withdrawn(&self) -> &[Arc<Article>] {
        &self.withdrawn
    }

    /// The route of killed story `w`: the story's own URL.
    pub(crate) fn withdrawn_route(&self, w: usize) -> Route {
        let a = &self.withdrawn[w];
        Route::article(a.day(), a.slug())
    }

    /// How many stories the agencies withhold.
    pub(crate) fn withheld(&self) -> usize {
        self.withheld
    }

    /// Story `i`'s tags, in the order its keywords were written.
    pub(crate) fn article_tags(&self, i: ArticleIdx) -> &[TagIdx] {
        self.article_tags.get(i)
    }

    /// Every tag, sorted by slug.
    pub(crate) fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// Tag `t`.
    pub(crate) fn tag_at(&self, t: TagIdx) -> &Tag {
        &self.tags[t as usize]
    }

    /// The tag of a slug, with its index.
    pub(crate) fn tag(&self, slug: &str) -> Option<(TagIdx, &Tag)> {
        let t = self
            .tags
            .binary_search_by(|tag| tag.slug.as_str().cmp(slug))
            .ok()?;
        Some((t as TagIdx, &self.tags[t]))
    }

    /// Stories per year, newest first.
    pub(crate) fn years(&self) -> &BTreeMap<i32, Vec<ArticleIdx>> {
        &self.years
    }

    /// Stories per (year, month), newest first.
    pub(crate) fn months(&self) -> &BTreeMap<(i32, u32), Vec<ArticleIdx>> {
        &self.months
    }

    /// Stories per day, newest first.
    pub(crate) fn days(&self) -> &BTreeMap<NaiveDate, Vec<ArticleIdx>> {
        &self.days
    }

    /// Every story, newest first: the home listing.
    pub(crate) fn all(&self) -> Listing<'_> {
        Listing::Run(0, self.articles.len())
    }

    /// A year's stories (empty if it has none).
    pub(crate) fn year(&self, y: i32) -> Listing<'_> {
        of(self.years.get(&y))
    }

    /// A month's stories.
    pub(crate) fn month(&self, y: i32, m: u32) -> Listing<'_> {
        of(self.months.get(&(y, m)))
    }

    /// A day's stories.
    pub(crate) fn day(&self, d: NaiveDate) -> Listing<'_> {
        of(self.days.get(&d))
    }

    /// A keyword's stories.
    pub(crate) fn tagged(&self, slug: &str) -> Listing<'_> {
        Listing::Of(self.tag(slug).map_or(&[], |(_, t)| t.articles.as_slice()))
    }

    /// The route of story `i`.
    pub(crate) fn article_route(&self, i: ArticleIdx) -> Route {
        let a = &self.articles[i];
        Route::article(a.day(), a.slug())
    }

    /// The story before `i` in date order (older), if any.
    pub(crate) fn previous(&self, i: ArticleIdx) -> Option<ArticleIdx> {
        (i + 1 < self.articles.len()).then_some(i + 1)
    }

    /// The story after `i` in date order (newer), if any.
    pub(crate) fn next(&self, i: ArticleIdx) -> Option<ArticleIdx> {
        i.checked_sub(1)
    }

    /// Story `i`'s last modification: `updated`, else `date`.
    pub(crate) fn modified(&self, i: ArticleIdx) -> DateTime<FixedOffset> {
        self.modified[i]
    }

    /// The newest modification among `stories` (of equal instants, the
    /// last: dates compare by instant only).
    pub(crate) fn newest_among(&self, stories: Listing<'_>) -> Option<DateTime<FixedOffset>> {
        match stories {
            Listing::Run(s, e) => self.modified[s..e].iter().copied().max(),
            Listing::Of(l) => l.iter().map(|&i| self.modified[i]).max(),
        }
    }

    /// Replaces stories by edits that keep each one's date (and offset),
    /// keywords and draft flag, and derives their days' slugs again (a new
    /// headline may take or give up a resend suffix). The stories keep
    /// their places in every listing, so every index stays valid. Refuses
    /// (changing nothing) an edit that would move its story, and edits
    /// whose explicit slugs collide.
    pub(crate) fn patch(
        &mut self,
        edits: Vec<(ArticleIdx, Article)>,
    ) -> Result<Patched, PatchError> {
        let mut places = Vec::with_capacity(edits.len());
        for (i, new) in &edits {
            let old = &self.articles[*i];
            // One version, before and after: no other record is its story's.
            let same_place = new.date == old.date
                && new.date.offset() == old.date.offset()
                && new.keywords == old.keywords
                && new.draft == old.draft
                && new.identity() == old.identity()
                && old.versions().is_empty()
                && new.versions().is_empty()
                && new.status == Status::Usable
                && !self.withdrawn_on(new.day());
            let record = self.records.binary_search_by(|r| r.id.cmp(&new.id));
            match record {
                Ok(r) if same_place && old.id == new.id => places.push(r),
                _ => return Err(PatchError::NotInPlace),
            }
        }
        let days: BTreeSet<NaiveDate> = edits.iter().map(|(_, a)| a.day()).collect();
        let mut undo = Undo::default();
        for ((i, mut a), r) in edits.into_iter().zip(places) {
            a.set_suffix(None);
            self.modified[i] = a.modified();
            let a = Arc::new(a);
            undo.records
                .push((r, std::mem::replace(&mut self.records[r], Arc::clone(&a))));
            undo.stories
                .push((i, std::mem::replace(&mut self.articles[i], a)));
        }
        let mut warnings = Diagnostics::new();
        for day in days {
            let (replaced, day_ds) = self.reslug_day(day);
            warnings.extend(day_ds);
            undo.stories.extend(replaced);
        }
        if warnings.has_errors() {
            warnings.sort();
            self.undo(undo);
            return Err(PatchError::Content(warnings));
        }
        let changed = undo.stories.iter().map(|(i, _)| *i).collect();
        Ok(Patched {
            changed,
            warnings,
            undo,
        })
    }

    /// Puts back what a [`Site::patch`] replaced.
    pub(crate) fn undo(&mut self, undo: Undo) {
        for (i, a) in undo.stories.into_iter().rev() {
            self.modified[i] = a.modified();
            self.articles[i] = a;
        }
        for (r, a) in undo.records.into_iter().rev() {
            self.records[r] = a;
        }
    }

    /// Whether a killed story is on `day` (its slug is one of the day's).
    fn withdrawn_on(&self, day: NaiveDate) -> bool {
        let at = self.withdrawn.partition_point(|a| a.day() < day);
        self.withdrawn.get(at).is_some_and(|a| a.day() == day)
    }

    /// Derives the slugs of `day`'s stories again: resend suffixes and
    /// explicit-slug collisions are decided per day, so this is what a
    /// whole [`Site::assemble`] would give. Returns the stories whose slug
    /// changed, with their previous versions, and the day's diagnostics.
    fn reslug_day(&mut self, day: NaiveDate) -> (Vec<(ArticleIdx, Arc<Article>)>, Diagnostics) {
        let mut ds = Diagnostics::new();
        let Some(members) = self.days.get(&day) else {
            return (Vec::new(), ds);
        };
        let mut arts: Vec<Arc<Article>> = members
            .iter()
            .map(|&i| Arc::clone(&self.articles[i]))
            .collect();
        assign_slugs(&mut arts, &mut ds);
        let mut replaced = Vec::new();
        for (&i, a) in members.iter().zip(arts) {
            if !Arc::ptr_eq(&a, &self.articles[i]) {
                replaced.push((i, std::mem::replace(&mut self.articles[i], a)));
            }
        }
        (replaced, ds)
    }
}

fn of(list: Option<&Vec<ArticleIdx>>) -> Listing<'_> {
    Listing::Of(list.map_or(&[], Vec::as_slice))
}

/// Explicit slugs must be unique per day; headline slugs of same-day resends
/// get `-2`, `-3`… in order of date-time, then path.
///
/// Every decision is made within one day (a suffix taken on one day does
/// not move another day's), so re-deriving one day's slugs alone, as a
/// rebuild does after an edit, gives what a whole build would.
fn assign_slugs(articles: &mut [Arc<Article>], ds: &mut Diagnostics) {
    // Oldest first, so the first filing keeps the plain slug. `articles` is
    // newest first (date desc, then path), so this is: date asc, then path.
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.par_sort_by(|&a, &b| {
        let (a, b) = (&articles[a], &articles[b]);
        a.date
            .cmp(&b.date)
            .then_with(|| a.first_id().cmp(b.first_id()))
    });
    // Day → slug (plain or suffixed) → the story that has it.
    let mut taken: HashMap<NaiveDate, HashMap<Cow<'_, str>, usize>> = HashMap::new();
    let mut suffixed: Vec<(usize, usize)> = Vec::new();
    for &i in &order {
        let a = &articles[i];
        if !a.explicit_slug {
            continue;
        }
        let day_slugs = taken.entry(a.day()).or_default();
        if let Some(&first) = day_slugs.get(a.base_slug()) {
            let (path, line) = a.slug_place();
            let (f_path, f_line) = articles[first].slug_place();
            ds.push(Diagnostic::error(
                path,
                line,
                format!(
                    "slug `{}` gives /{} which {} (line {}) already uses: expected a slug unique on its day",
                    a.base_slug(),
                    Route::article(a.day(), a.base_slug()).as_str(),
                    f_path.display(),
                    f_line
                ),
            ));
        } else {
            day_slugs.insert(Cow::Borrowed(a.base_slug()), i);
        }
    }
    for &i in &order {
        let a = &articles[i];
        if a.explicit_slug {
            continue;
        }
        let day = a.day();
        let day_slugs = taken.entry(day).or_default();
        let Some(&first) = day_slugs.get(a.base_slug()) else {
            day_slugs.insert(Cow::Borrowed(a.base_slug()), i);
            continue;
        };
        let mut n = 2;
        let mut slug = format!("{}-{n}", a.base_slug());
        while day_slugs.contains_key(slug.as_str()) {
            n += 1;
            slug = format!("{}-{n}", a.base_slug());
        }
        ds.push(Diagnostic::warning(
            a.path(),
            a.line_in_file().unwrap_or(0),
            format!(
                "same headline as {} on {day}: published as /{}",
                articles[first].place(),
                Route::article(day, &slug).as_str()
            ),
        ));
        day_slugs.insert(Cow::Owned(slug), i);
        suffixed.push((i, n));
    }
    drop(taken);
    // Only stories whose slug changes are copied (the others stay shared
    // with the previous model).
    let mut suffix: Vec<Option<usize>> = vec![None; articles.len()];
    for (i, n) in suffixed {
        suffix[i] = Some(n);
    }
    for (a, n) in articles.iter_mut().zip(suffix) {
        let base = a.base_slug();
        let same = match n {
            None => a.slug() == base,
            Some(n) => a.slug().strip_prefix(base) == Some(&format!("-{n}")),
        };
        if !same {
            Arc::make_mut(a).set_suffix(n);
        }
    }
}

/// Folds keywords into tags by slug and picks each tag's display name.
///
/// Each distinct spelling is slugified once (an archive repeats a few
/// thousand keywords hundreds of thousands of times), and stories share
/// their tags' slugs.
fn fold_tags(articles: &[Arc<Article>], ds: &mut Diagnostics) -> (TagLists, Vec<Tag>) {
    // Each spelling once, looked up once per use: the number of its slug
    // (`None`: it has no letter or digit) and how often it is written.
    let mut spellings: foldhash::HashMap<&str, (Option<TagIdx>, usize)> = Default::default();
    let mut numbers: foldhash::HashMap<String, TagIdx> = Default::default();
    let mut slugs: Vec<String> = Vec::new();
    let mut members: Vec<Vec<ArticleIdx>> = Vec::new();
    let mut tags_of = TagLists::with_capacity(articles.len());
    let mut mine: Vec<TagIdx> = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        mine.clear();
        for k in a.keywords.iter() {
            let (number, uses) = spellings.entry(k).or_insert_with(|| {
                let number = slug::slugify(k).map(|slug| {
                    *numbers.entry(slug).or_insert_with_key(|slug| {
                        slugs.push(slug.clone());
                        members.push(Vec::new());
                        (slugs.len() - 1) as TagIdx
                    })
                });
                (number, 0)
            });
            let Some(n) = *number else {
                ds.push(Diagnostic::warning(
                    a.path(),
                    0,
                    format!("keyword `{k}` has no letter or digit: ignored"),
                ));
                continue;
            };
            *uses += 1;
            if !mine.contains(&n) {
                members[n as usize].push(i);
                mine.push(n);
            }
        }
        tags_of.push(&mine);
    }
    // The most frequent spelling of each slug; ties go to the first in sort order.
    let mut names: Vec<Option<(&str, usize)>> = vec![None; slugs.len()];
    for (&spelling, &(number, n)) in &spellings {
        let Some(number) = number else {
            continue;
        };
        let best = names[number as usize].get_or_insert((spelling, n));
        if n > best.1 || (n == best.1 && spelling < best.0) {
            *best = (spelling, n);
        }
    }
    // Tags by slug; each story's renumbered in that order.
    let mut tags: Vec<(usize, Tag)> = slugs
        .into_iter()
        .zip(members)
        .zip(names)
        .map(|((slug, articles), name)| Tag {
            name: name.map_or_else(|| slug.clone(), |(name, _)| name.to_string()),
            slug,
            articles,
        })
        .enumerate()
        .collect();
    tags.sort_unstable_by(|a, b| a.1.slug.cmp(&b.1.slug));
    let mut rank = vec![0; tags.len()];
    for (r, &(n, _)) in tags.iter().enumerate() {
        rank[n] = r as TagIdx;
    }
    for n in &mut tags_of.tags {
        *n = rank[*n as usize];
    }
    let tags = tags.into_iter().map(|(_, tag)| tag).collect();
    (tags_of, tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};

    #[test]
    fn each_storys_tags_come_back_as_pushed_none_too() {
        let lists: [&[TagIdx]; 5] = [&[], &[3, 1], &[], &[7], &[2, 0, 5]];
        let mut tags = TagLists::default();
        for l in lists {
            tags.push(l);
        }
        for (i, l) in lists.iter().enumerate() {
            assert_eq!(tags.get(i), *l, "story {i}");
        }
    }

    fn assemble(arts: Vec<Article>) -> (Site, Diagnostics) {
        Site::assemble(Config::default(), arts.into_iter().map(Arc::new).collect()).unwrap()
    }

    fn art(id: &str, title: &str, date: &str, keywords: &[&str]) -> Article {
        let date: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(date).unwrap();
        let mut a = Article::new(
            id.into(),
            article::content_dir(),
            Format::Markdown,
            title.into(),
            date,
        );
        a.source = "Sample".into();
        a.keywords = keywords.iter().collect();
        a
    }

    #[test]
    fn resends_get_suffixes_in_date_then_path_order() {
        let arts = vec![
            art("c.md", "Same", "2020-01-01T12:00:00+00:00", &[]),
            art("b.md", "Same", "2020-01-01T09:00:00+00:00", &[]),
            art("a.md", "Same", "2020-01-01T12:00:00+00:00", &[]),
            art("d.md", "Same", "2020-01-02T12:00:00+00:00", &[]),
        ];
        let (site, ds) = assemble(arts);
        let slugs: BTreeMap<&str, &str> = site
            .articles
            .iter()
            .map(|a| (a.id.as_str(), a.slug()))
            .collect();
        assert_eq!(slugs["b.md"], "same");
        assert_eq!(slugs["a.md"], "same-2");
        assert_eq!(slugs["c.md"], "same-3");
        assert_eq!(slugs["d.md"], "same");
        assert_eq!(ds.warning_count(), 2);
    }

    #[test]
    fn suffixes_are_counted_per_day_and_never_reuse_a_taken_slug() {
        let arts = vec![
            art("a1.md", "Same", "2020-01-01T09:00:00+00:00", &[]),
            art("a2.md", "Same", "2020-01-01T10:00:00+00:00", &[]),
            art("b1.md", "Same", "2020-01-02T09:00:00+00:00", &[]),
            art("b2.md", "Same", "2020-01-02T10:00:00+00:00", &[]),
            // Its headline's slug is the suffix a resend already took.
            art("b3.md", "Same 2", "2020-01-02T11:00:00+00:00", &[]),
        ];
        let (site, _) = assemble(arts);
        let slugs: BTreeMap<&str, &str> = site
            .articles
            .iter()
            .map(|a| (a.id.as_str(), a.slug()))
            .collect();
        assert_eq!(slugs["a2.md"], "same-2");
        assert_eq!(slugs["b2.md"], "same-2", "another day's -2 is not taken");
        assert_eq!(slugs["b3.md"], "same-2-2", "no two stories share a URL");
    }

    #[test]
    fn a_patch_reslugs_its_day_and_undoes() {
        let arts = vec![
            art("a.md", "One", "2020-01-01T09:00:00+00:00", &[]),
            art("b.md", "Two", "2020-01-01T10:00:00+00:00", &[]),
            art("c.md", "Two", "2020-01-02T10:00:00+00:00", &[]),
        ];
        let (mut site, _) = assemble(arts);
        let before = site.clone();
        // a.md retitled "Two" in place: b.md, filed later, becomes the resend.
        let i = site.articles().iter().position(|a| a.id == "a.md").unwrap();
        let edited = art("a.md", "Two", "2020-01-01T09:00:00+00:00", &[]);
        let p = site.patch(vec![(i, edited)]).unwrap();
        assert_eq!(p.changed.len(), 2, "a.md edited, b.md re-slugged");
        assert_eq!(p.warnings.warning_count(), 1);
        let slugs: Vec<&str> = site.articles().iter().map(|a| a.slug()).collect();
        assert_eq!(slugs, ["two", "two-2", "two"]);
        site.undo(p.undo);
        assert_eq!(site.articles(), before.articles());
        // An edit that moves its story is refused, and changes nothing.
        let moved = art("a.md", "One", "2020-01-03T09:00:00+00:00", &[]);
        assert!(matches!(
            site.patch(vec![(i, moved)]),
            Err(PatchError::NotInPlace)
        ));
        assert_eq!(site.articles(), before.articles());
    }

    #[test]
    fn explicit_slug_collision_names_both_files() {
        let mut a = art("a.md", "One", "2020-01-01T12:00:00+00:00", &[]);
        let mut b = art("b.md", "Two", "2020-01-01T13:00:00+00:00", &[]);
        for x in [&mut a, &mut b] {
            x.set_base_slug("same".into());
            x.explicit_slug = true;
            x.set_slug_line(4);
        }
        let err = Site::assemble(Config::default(), vec![Arc::new(a), Arc::new(b)]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("content/b.md:4: error: slug `same`"), "{msg}");
        assert!(msg.contains("content/a.md (line 4)"), "{msg}");
    }

    #[test]
    fn keywords_fold_and_take_the_most_frequent_spelling() {
        let arts = vec![
            art(
                "a.md",
                "A",
                "2020-01-01T12:00:00+00:00",
                &["Anti-Terror", "anti terror"],
            ),
            art("b.md", "B", "2020-01-02T12:00:00+00:00", &["anti-terror"]),
            art(
                "c.md",
                "C",
                "2020-01-03T12:00:00+00:00",
                &["anti-terror", "Zeta"],
            ),
            art("d.md", "D", "2020-01-04T12:00:00+00:00", &["zeta"]),
        ];
        let (site, _) = assemble(arts);
        let (_, t) = site.tag("anti-terror").unwrap();
        assert_eq!(t.name, "anti-terror");
        assert_eq!(t.articles.len(), 3);
        // Tie (one each): the first in sort order wins.
        assert_eq!(site.tag("zeta").unwrap().1.name, "Zeta");
        assert_eq!(site.tag_at(site.article_tags(3)[0]).slug, "anti-terror");
        assert_eq!(site.article_tags(3).len(), 1);
    }

    #[test]
    fn order_is_newest_first_then_path() {
        let arts = vec![
            art("b.md", "B", "2020-01-01T12:00:00+00:00", &[]),
            art("a.md", "A", "2020-01-01T12:00:00+00:00", &[]),
            art("c.md", "C", "2021-01-01T12:00:00+00:00", &[]),
        ];
        let (site, _) = assemble(arts);
        let ids: Vec<&str> = site.articles().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["c.md", "a.md", "b.md"]);
        assert_eq!(site.previous(0), Some(1));
        assert_eq!(site.next(0), None);
    }
}
