//! The in-place path: edits that keep every changed story's date and
//! keywords. A headline, summary, byline, slug or body corrected (most edits
//! to an archive) leaves each story at the same place in every listing, so
//! the model and the plan are patched where they stand, and the pages to
//! render follow from where the story appears: its own page, its
//! neighbours', the listing pages and feeds that show it and the sitemap
//! part that lists it. Nothing is re-assembled, re-planned or fingerprinted
//! in bulk, so the cost does not grow with the archive.
//!
//! All or nothing, like the general path: the patch is undone if a slug
//! collides or a page fails to render, and nothing is written then.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::{commit_pages, remove_page, render_pages, RebuildReport, Session};
use crate::build::{BuildError, Timings};
use crate::config::FeedContent;
use crate::diag::Diagnostics;
use crate::load;
use crate::model::{Article, ArticleIdx, Route};
use crate::plan::{self, PageKind, SitemapEntry, SITEMAP_PART};
use crate::render::context::listing_hash;
use crate::watch::ChangeSet;

/// What a story showed before the patch.
struct Before {
    listing: u64,
    route: Route,
    modified: DateTime<FixedOffset>,
}

/// How to put the model and plan back as they were.
#[derive(Default)]
struct Undo {
    articles: Vec<(ArticleIdx, Arc<Article>)>,
    routes: Vec<(usize, Route)>,
    sitemap: Vec<(usize, SitemapEntry)>,
}

/// The reloaded stories with their places in the site, and the loader's
/// warnings.
type Edits = (Vec<(ArticleIdx, Article)>, Diagnostics);

impl Session {
    /// Applies `changes` in place when they only edit stories and every
    /// edit keeps the story's date and keywords; `Ok(None)` otherwise (the
    /// general path takes over).
    pub(super) fn apply_in_place(
        &mut self,
        changes: &ChangeSet,
        on_commit: &mut dyn FnMut(),
    ) -> Result<Option<RebuildReport>, BuildError> {
        let only_edits = !changes.config
            && !changes.rescan
            && changes.content_dirs.is_empty()
            && changes.templates.is_empty()
            && changes.static_files.is_empty()
            && changes.stories_removed.is_empty()
            && !changes.stories_changed.is_empty();
        if !only_edits {
            return Ok(None);
        }
        let start = Instant::now();
        let mut clock = start;
        let mut timings = Timings::default();
        let Some((edits, load_warnings)) = self.load_edits(changes)? else {
            return Ok(None);
        };
        timings.lap("reload", &mut clock);

        let mut undo = Undo::default();
        let patched = self.patch(edits, &mut undo);
        let (pages, deleted, model_warnings) = match patched {
            Ok(x) => x,
            Err(e) => {
                self.undo(undo);
                return Err(e);
            }
        };
        timings.lap("patch model and plan", &mut clock);

        let pages: Vec<&plan::Page> = pages.iter().map(|&i| &self.state.plan.pages[i]).collect();
        let rendered = match render_pages(&self.state, &pages, &self.output) {
            Ok(r) => r,
            Err(e) => {
                self.undo(undo);
                return Err(e);
            }
        };
        timings.lap("render and stage changed pages", &mut clock);

        on_commit();
        let base = self.state.site.config.base_url.clone();
        let mut report = RebuildReport {
            changes: changes.describe(),
            in_place: true,
            ..RebuildReport::default()
        };
        commit_pages(&self.output, &rendered)?;
        for r in rendered {
            report.changed_urls.push(r.route.url(&base));
            self.fingerprints.insert(r.route, r.fingerprint);
            report.written += 1;
        }
        for route in &deleted {
            remove_page(&self.output, route)?;
            report.changed_urls.push(route.url(&base));
            self.fingerprints.remove(route);
        }
        timings.lap("write", &mut clock);
        report.deleted = deleted.len();
        report.unchanged = self.state.plan.pages.len() - report.written;
        report.changed_urls.sort();
        report.warnings = load_warnings;
        report.warnings.extend(model_warnings);
        report.warnings.sort();
        report.timings = timings;
        report.elapsed = start.elapsed();
        Ok(Some(report))
    }

    /// Loads the changed stories: `Ok(None)` unless each is a story the site
    /// has, with the same date (and offset), keywords and draft flag.
    fn load_edits(&self, changes: &ChangeSet) -> Result<Option<Edits>, BuildError> {
        let site = &self.state.site;
        let mut edits = Vec::new();
        let mut ds = Diagnostics::new();
        for id in &changes.stories_changed {
            let Some(src) = load::source_for(&self.opts.root, id) else {
                return Ok(None);
            };
            let (new, d) = load::load_source(&src, &site.config, self.state.load);
            ds.extend(d);
            let Some(new) = new else {
                continue;
            };
            let Some(i) = site.articles.iter().position(|a| a.id == *id) else {
                return Ok(None);
            };
            let old = &site.articles[i];
            let same_place = new.date == old.date
                && new.date.offset() == old.date.offset()
                && new.keywords == old.keywords
                && new.draft == old.draft;
            if !same_place {
                return Ok(None);
            }
            edits.push((i, new));
        }
        if ds.has_errors() {
            ds.sort();
            return Err(BuildError::Content(ds));
        }
        if edits.len() != changes.stories_changed.len() {
            // A story became a draft: it leaves its listings.
            return Ok(None);
        }
        Ok(Some((edits, ds)))
    }

    /// Puts the edited stories in place, re-derives their days' slugs and
    /// patches the plan; returns the pages to render (indices into the
    /// plan), the routes that went away and the days' warnings.
    fn patch(
        &mut self,
        edits: Vec<(ArticleIdx, Article)>,
        undo: &mut Undo,
    ) -> Result<(BTreeSet<usize>, Vec<Route>, Diagnostics), BuildError> {
        let site = &mut self.state.site;
        let days: BTreeSet<NaiveDate> = edits.iter().map(|(_, a)| a.day()).collect();
        let edited: BTreeSet<ArticleIdx> = edits.iter().map(|(i, _)| *i).collect();
        // What every story of those days showed before.
        let mut before: HashMap<ArticleIdx, Before> = HashMap::new();
        for day in &days {
            for &i in site.days.get(day).map_or(&[][..], Vec::as_slice) {
                before.insert(
                    i,
                    Before {
                        listing: listing_hash(site, i),
                        route: site.article_route(i),
                        modified: site.articles[i].modified(),
                    },
                );
            }
        }
        for (i, mut a) in edits {
            a.slug.clone_from(&a.base_slug);
            undo.articles
                .push((i, std::mem::replace(&mut site.articles[i], Arc::new(a))));
        }
        let mut ds = Diagnostics::new();
        for &day in &days {
            let (replaced, day_ds) = site.reslug_day(day);
            ds.extend(day_ds);
            for (i, old) in replaced {
                if !edited.contains(&i) {
                    undo.articles.push((i, old));
                }
            }
        }
        if ds.has_errors() {
            ds.sort();
            return Err(BuildError::Content(ds));
        }

        let site = &self.state.site;
        let plan = &mut self.state.plan;
        let full_feeds = site.config.feed_content == FeedContent::Full;
        let mut pages = BTreeSet::new();
        let mut deleted = Vec::new();
        let mut dirty_sitemap: BTreeSet<usize> = BTreeSet::new();
        let mut lastmod_pages: BTreeSet<usize> = BTreeSet::new();
        let moved: BTreeSet<ArticleIdx> = undo.articles.iter().map(|(i, _)| *i).collect();
        for &i in &moved {
            let Some(was) = before.get(&i) else { continue };
            // The plan puts story `i`'s page at index `i`.
            debug_assert_eq!(plan.pages[i].kind, PageKind::Article(i));
            pages.insert(i);
            let listing_changed = listing_hash(site, i) != was.listing;
            let appearances = plan.appearances(site, i);
            if listing_changed {
                pages.extend(site.previous(i));
                pages.extend(site.next(i));
            }
            for ap in &appearances {
                if listing_changed {
                    pages.insert(ap.page);
                }
                if listing_changed || (full_feeds && edited.contains(&i)) {
                    pages.extend(ap.feed);
                }
            }
            let route = site.article_route(i);
            let modified = site.articles[i].modified();
            if route != was.route {
                undo.routes
                    .push((i, std::mem::replace(&mut plan.pages[i].route, route)));
                deleted.push(was.route.clone());
            }
            if modified != was.modified || plan.pages[i].route != was.route {
                lastmod_pages.insert(i);
                if modified != was.modified {
                    lastmod_pages.extend(appearances.iter().map(|ap| ap.page));
                    lastmod_pages.extend(plan.position(&PageKind::Tags));
                }
            }
        }
        // Sitemap entries of the pages whose route or lastmod may have moved.
        for p in lastmod_pages {
            let Some(s) = plan.sitemap_index[p] else {
                continue;
            };
            let entry = SitemapEntry {
                route: plan.pages[p].route.clone(),
                lastmod: plan::lastmod(site, &plan.pages[p].kind),
            };
            if entry != plan.sitemap[s] {
                undo.sitemap
                    .push((s, std::mem::replace(&mut plan.sitemap[s], entry)));
                dirty_sitemap.insert(s);
            }
        }
        if !dirty_sitemap.is_empty() {
            if plan.sitemap_parts() == 0 {
                pages.extend(plan.position(&PageKind::Sitemap));
            } else {
                // The index shows each part's newest date.
                pages.extend(plan.position(&PageKind::Sitemap));
                for s in dirty_sitemap {
                    pages.extend(plan.position(&PageKind::SitemapPart(s / SITEMAP_PART + 1)));
                }
            }
        }
        // A URL left by one story may be taken by another of its day.
        let kept: BTreeSet<&Route> = before.keys().map(|&i| &plan.pages[i].route).collect();
        deleted.retain(|r| !kept.contains(r));
        Ok((pages, deleted, ds))
    }

    /// Puts back what [`Session::patch`] changed, newest change first.
    fn undo(&mut self, undo: Undo) {
        let site = &mut self.state.site;
        for (i, a) in undo.articles.into_iter().rev() {
            site.articles[i] = a;
        }
        let plan = &mut self.state.plan;
        for (i, r) in undo.routes.into_iter().rev() {
            plan.pages[i].route = r;
        }
        for (s, e) in undo.sitemap.into_iter().rev() {
            plan.sitemap[s] = e;
        }
    }
}
