//! The in-place path: edits that keep every changed story's date,
//! keywords and id, each of a published story of one version (most edits
//! to an archive: a headline, summary, byline, slug or body corrected; a
//! new version, a kill or a status goes the general path, which merges
//! versions again). Each story keeps its place in every listing, so the
//! model is patched where it stands ([`Site::patch`](crate::model::Site::patch)),
//! the plan's routes follow, and the pages that can show a patched story
//! are fingerprinted again with the same views as every page: its own page
//! and its neighbours'; the listing pages it appears on when its listing
//! item's hash moved, and the feeds when its entry's did (a listing reads
//! a story only as its item); the sitemap files that list them when its URL
//! or last-modified date moved. Those whose fingerprint moved are rendered.
//! Nothing is re-assembled, re-planned or fingerprinted in bulk, so the cost
//! does not grow with the archive.
//!
//! Which pages can show a story is this path's own reckoning, so in debug
//! builds (every test) each in-place rebuild also fingerprints every page
//! and asserts that no page outside its candidates changed: the views stay
//! the one definition of what a page reads.
//!
//! All or nothing, like the other paths: the patch is undone if a slug
//! collides or a page fails to render, and nothing is written then.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use rayon::prelude::*;

use super::{changed_urls, stage_pages, RebuildReport, Session};
use crate::build::{BuildError, Timings};
use crate::diag::Diagnostics;
use crate::load;
use crate::model::{Article, ArticleIdx, PatchError, Route, Undo};
use crate::output::{statics, WriteSet};
use crate::plan::PageKind;
use crate::watch::ChangeSet;

/// The reloaded stories with their places in the site, and the loader's
/// warnings.
type Edits = (Vec<(ArticleIdx, Article)>, Diagnostics);

/// How to put the model and the plan back.
struct Patch {
    site: Undo,
    /// (page, its route before).
    routes: Vec<(usize, Route)>,
}

impl Session {
    /// Applies `changes` in place when they only edit stories (no release
    /// time has fallen due) and every edit keeps the story's date and
    /// keywords; `Ok(None)` otherwise (the general path takes over).
    pub(super) fn apply_in_place(
        &mut self,
        changes: &ChangeSet,
        on_commit: &mut dyn FnMut(),
    ) -> Result<Option<RebuildReport>, BuildError> {
        // A release time falling due publishes stories the edits do not
        // name: the general path re-assembles the site then.
        let only_edits = !changes.config
            && !changes.rescan
            && !changes.clock
            && changes.content_dirs.is_empty()
            && changes.templates.is_empty()
            && changes.static_files.is_empty()
            && changes.stories_removed.is_empty()
            && !changes.stories_changed.is_empty();
        if !only_edits {
            return Ok(None);
        }
        let mut timings = Timings::default();
        let mut clock = Instant::now();
        let Some((edits, load_warnings)) = self.load_edits(changes)? else {
            return Ok(None);
        };
        timings.lap("reload", &mut clock);

        // How the stories of the edited days are listed before the patch
        // (an edit may move a resend suffix to another story of its day).
        let days: BTreeSet<_> = edits.iter().map(|(_, a)| a.day()).collect();
        let listed_before: HashMap<ArticleIdx, (u64, u64)> = {
            let parts = self.state.parts();
            let views = parts.views();
            days.iter()
                .flat_map(|&d| self.state.site.day(d).iter())
                .map(|i| (i, views.listed_as(i)))
                .collect()
        };
        let patched = match self.state.site.patch(edits) {
            Ok(p) => p,
            Err(PatchError::NotInPlace) => return Ok(None),
            Err(PatchError::Content(ds)) => return Err(BuildError::Content(ds)),
        };
        let mut patch = Patch {
            site: patched.undo,
            routes: Vec::new(),
        };
        for &i in &patched.changed {
            let route = self.state.site.article_route(i);
            if self.state.plan.pages()[i].route() != &route {
                patch.routes.push((i, self.state.plan.reroute(i, route)));
            }
        }
        // A static file where a page moves to, or from, is decided by the
        // general path (pages win over static files).
        let page_like = statics::page_like_paths(&self.statics);
        let plan = &self.state.plan;
        let meets_a_static = patch.routes.iter().any(|(p, old)| {
            [old, plan.pages()[*p].route()]
                .iter()
                .any(|r| page_like.contains(&r.output_path().as_str()))
        });
        if meets_a_static {
            self.undo(patch);
            return Ok(None);
        }
        // The sitemap lists each page's URL and newest date: it can only
        // change when a story's URL or last-modified date moves.
        let site = &self.state.site;
        let sitemap = !patch.routes.is_empty()
            || patch
                .site
                .previous()
                .any(|(i, was)| was.modified() != site.modified(i));
        let parts = self.state.parts();
        let views = parts.views();
        // Listings and feeds read a story only as its item and its entry.
        let relisted: BTreeMap<ArticleIdx, (bool, bool)> = patched
            .changed
            .iter()
            .map(|&i| {
                let (item, entry) = views.listed_as(i);
                let was = listed_before.get(&i).copied();
                (
                    i,
                    (
                        was.map(|w| w.0) != Some(item),
                        was.map(|w| w.1) != Some(entry),
                    ),
                )
            })
            .collect();
        let candidates = self.candidates(&relisted, sitemap);
        timings.lap("patch model and plan", &mut clock);

        let pages = self.state.plan.pages();
        let fresh: Vec<(usize, u64)> = candidates
            .par_iter()
            .map(|&p| (p, views.fingerprint(p)))
            .collect();
        let moved: Vec<usize> = fresh
            .iter()
            .filter(|(p, fp)| self.fingerprints.get(pages[*p].route()) != Some(fp))
            .map(|(p, _)| *p)
            .collect();
        // A URL left by one story may be taken by another of its day.
        let taken: BTreeSet<&Route> = patched.changed.iter().map(|&i| pages[i].route()).collect();
        let deleted: Vec<Route> = patch
            .routes
            .iter()
            .map(|(_, r)| r.clone())
            .filter(|r| !taken.contains(r))
            .collect();
        #[cfg(debug_assertions)]
        self.assert_exact(&fresh, &deleted);
        timings.lap("fingerprint candidates", &mut clock);

        let mut writes = WriteSet::new(&self.output);
        let staged = stage_pages(&views, parts.renderer, &moved, &writes);
        drop(views);
        let written = match staged {
            Ok(n) => n,
            Err(e) => {
                drop(writes);
                self.undo(patch);
                return Err(e);
            }
        };
        for route in &deleted {
            writes.remove(&route.output_path());
        }
        timings.lap("render and stage changed pages", &mut clock);
        let previous = self.search_index.take();
        let search = match self.stage_search(&self.state, previous, &mut writes) {
            Ok(s) => s,
            Err(e) => {
                drop(writes);
                self.undo(patch);
                return Err(e);
            }
        };
        timings.lap("index for search", &mut clock);
        on_commit();
        let committed = writes.commit()?;
        timings.lap("write", &mut clock);
        if let Some(staged) = search {
            self.adopt_search(staged);
        }

        for route in &deleted {
            self.fingerprints.remove(route);
        }
        let pages = self.state.plan.pages();
        for (p, fp) in fresh {
            self.fingerprints.insert(pages[p].route().clone(), fp);
        }
        let mut warnings = load_warnings;
        warnings.extend(patched.warnings);
        warnings.sort();
        Ok(Some(RebuildReport {
            changes: changes.describe(),
            in_place: true,
            written,
            deleted: deleted.len(),
            unchanged: pages.len() - written,
            changed_urls: changed_urls(&committed, &self.state.site.config().base_url),
            warnings,
            timings,
            ..RebuildReport::default()
        }))
    }

    /// Loads the changed story files: `Ok(None)` unless each gives the
    /// stories (by id) that the site has of it, each still one to publish
    /// (not become a draft), and each of those a published story of one
    /// version.
    fn load_edits(&self, changes: &ChangeSet) -> Result<Option<Edits>, BuildError> {
        let site = &self.state.site;
        let loader = self.state.loader();
        let mut edits = Vec::new();
        let mut ds = Diagnostics::new();
        for file in &changes.stories_changed {
            let Some(src) = load::source_for(&self.opts.root, file) else {
                return Ok(None);
            };
            let loaded = loader.load(&src);
            if !loaded.held.is_empty() {
                // A story under embargo: the general path keeps its time.
                return Ok(None);
            }
            ds.extend(loaded.diagnostics);
            let mut old: HashMap<&str, ArticleIdx> = site
                .articles()
                .iter()
                .enumerate()
                .filter(|(_, a)| a.file() == file && a.versions().is_empty())
                .map(|(i, a)| (a.id.as_str(), i))
                .collect();
            // Every record the file had is a published story of one
            // version (not a version of another, killed or withheld).
            let all = site.records();
            // Sorted by id, and every id of the file starts with its name.
            let from = all.partition_point(|r| r.id.as_str() < file.as_str());
            let records = all[from..]
                .iter()
                .take_while(|r| r.id.starts_with(file.as_str()))
                .filter(|r| r.file() == file)
                .count();
            if records != old.len() {
                return Ok(None);
            }
            if old.len() != loaded.articles.len() && !ds.has_errors() {
                // A story came, went or became a draft.
                return Ok(None);
            }
            for a in loaded.articles {
                let Some(i) = old.remove(a.id.as_str()) else {
                    return Ok(None);
                };
                edits.push((i, a));
            }
        }
        if ds.has_errors() {
            ds.sort();
            return Err(BuildError::Content(ds));
        }
        Ok(Some((edits, ds)))
    }

    /// The pages that can show something new once the stories of
    /// `changed` are patched: their own pages (page `i` shows story `i`),
    /// their neighbours' (which link to them), the listing pages they
    /// appear on when their item changed and the feeds when their entry
    /// did (`changed` says which: (item, entry)), and, with `sitemap`, the
    /// sitemap files that list any of these pages.
    fn candidates(
        &self,
        changed: &BTreeMap<ArticleIdx, (bool, bool)>,
        sitemap: bool,
    ) -> BTreeSet<usize> {
        let site = &self.state.site;
        let plan = &self.state.plan;
        let mut out = BTreeSet::new();
        for (&i, &(item, entry)) in changed {
            debug_assert_eq!(plan.pages()[i].kind(), &PageKind::Article(i));
            out.insert(i);
            out.extend(site.previous(i));
            out.extend(site.next(i));
            let appearances = plan.appearances(site, i);
            for ap in &appearances {
                if item {
                    out.insert(ap.page);
                }
                if entry {
                    out.extend(ap.feed);
                }
            }
            if sitemap {
                out.extend(plan.sitemap_pages_listing(i));
                for ap in &appearances {
                    out.extend(plan.sitemap_pages_listing(ap.page));
                }
            }
        }
        // `/tags/`'s sitemap date is the newest story's.
        if let Some(tags) = plan.position(&PageKind::Tags).filter(|_| sitemap) {
            out.extend(plan.sitemap_pages_listing(tags));
        }
        out
    }

    /// Puts back what the patch changed, newest change first.
    fn undo(&mut self, patch: Patch) {
        self.state.site.undo(patch.site);
        for (p, route) in patch.routes.into_iter().rev() {
            self.state.plan.reroute(p, route);
        }
    }

    /// Debug builds: every page's fingerprint, made afresh, is what the
    /// session will hold after this rebuild (`fresh`: the candidates' new
    /// fingerprints; `deleted`: the routes that go), so no page outside the
    /// candidates changed.
    #[cfg(debug_assertions)]
    fn assert_exact(&self, fresh: &[(usize, u64)], deleted: &[Route]) {
        let all = crate::build::fingerprints(&self.state);
        let pages = self.state.plan.pages();
        let mut held = self.fingerprints.clone();
        for r in deleted {
            held.remove(r);
        }
        for &(p, fp) in fresh {
            held.insert(pages[p].route().clone(), fp);
        }
        let mut missed: Vec<&str> = all
            .iter()
            .filter(|(route, fp)| held.get(*route) != Some(fp))
            .map(|(route, _)| route.as_str())
            .collect();
        missed.extend(
            held.keys()
                .filter(|r| !all.contains_key(*r))
                .map(Route::as_str),
        );
        assert!(
            missed.is_empty(),
            "the in-place rebuild missed pages whose context changed: {missed:?}"
        );
    }
}
