//! The incremental engine behind `watch` and `serve`.
//!
//! A [`Session`] holds the last good build: the site model, its plan, the
//! renderer, every page's fingerprint (a hash of the very context the page
//! was rendered from, see [`crate::render::views`]) and the site's static
//! files. [`Session::apply`] takes a [`ChangeSet`] and picks the cheapest
//! path that is exact:
//!
//! - **in place** (`in_place.rs`): stories edited, each keeping its date and
//!   keywords (a headline, summary, slug or body corrected). The model and
//!   plan are patched where they stand; the pages that can show the edited
//!   stories are fingerprinted again and those whose fingerprint moved are
//!   rendered. The cost does not depend on the size of the archive. In
//!   debug builds every in-place rebuild also fingerprints every page and
//!   asserts that no page outside its candidates changed.
//! - **templates only**: the site and plan stay as they are; the pages
//!   drawn with a changed template (or one that extends or includes it)
//!   are rendered with the new templates.
//! - **general**: anything else (stories added, removed or re-dated,
//!   keywords changed, versions filed, stories killed, `site.yaml`). The
//!   changed files are reloaded (the other files' records kept), the
//!   model re-assembled (versions merged again) and re-planned, every page fingerprinted (no
//!   rendering) and only the pages whose fingerprint moved are rendered,
//!   with those drawn with a changed template. This is salsa's early cutoff
//!   applied to pages.
//!
//! All or nothing: every file of a change goes into one
//! [`WriteSet`](crate::output::WriteSet), committed only when every page
//! rendered; if anything fails the session keeps its last good state, the
//! output is as it was, and the failed change is kept and tried again with
//! the next one (so its error stays shown until it is fixed). Every path is
//! checked against a fresh build, byte for byte, by the state-machine
//! property test.

mod in_place;
mod search;
mod statics;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::{
    self, BuildError, BuildOptions, BuildReport, Built, Fingerprints, Prepared, Timings,
};
use crate::diag::Diagnostics;
use crate::layout::CONTENT_DIR;
use crate::load;
use crate::model::{Route, Site};
use crate::output::{statics as found_statics, Committed, OutputLock, WriteSet};
use crate::plan::Plan;
use crate::progress::{Progress, Quiet};
use crate::render::views::Views;
use crate::render::Renderer;
use crate::watch::ChangeSet;

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// What changed, for the terminal.
    pub changes: String,
    /// Whether everything was reloaded (`site.yaml` changed, or a rescan).
    pub full: bool,
    /// Whether the edit was patched in place: only stories edited, each
    /// keeping its date and keywords, so nothing was re-assembled.
    pub in_place: bool,
    /// Pages rendered and written.
    pub written: usize,
    /// Pages removed (their story went away or moved).
    pub deleted: usize,
    /// Pages left as they were.
    pub unchanged: usize,
    /// Static files copied or removed.
    pub static_files: usize,
    /// URL paths of the pages written or removed (for live reload).
    pub changed_urls: Vec<String>,
    /// Only stylesheets changed: a browser can swap them without reloading.
    pub css_only: bool,
    /// Warnings about what the rebuild read: the changed stories (after a
    /// full reload, the whole site).
    pub warnings: Diagnostics,
    /// Wall time from the change set to the last file written.
    pub elapsed: Duration,
    /// Time per stage.
    pub timings: Timings,
}

/// The last good build of a site and what is needed to update it.
pub struct Session {
    opts: BuildOptions,
    output: PathBuf,
    state: Prepared,
    fingerprints: Fingerprints,
    /// The site's static files as last found (what is copied is derived
    /// from them and the plan, see [`found_statics::shown`]).
    statics: BTreeMap<String, found_statics::Source>,
    /// The search index's files, as last written.
    search: crate::search::Written,
    /// The search index, with the key it was made with, when the session
    /// made it (else the last build's kept one is read when needed).
    search_index: Option<(u64, crate::search::Index)>,
    /// No build writes into the output while the session does.
    _lock: Option<OutputLock>,
    /// Every story file under `content/` (drafts included), as of the last
    /// good state: what a re-walk is compared with.
    files: BTreeSet<String>,
    /// The changes of rebuilds that failed since the last good one: tried
    /// again with the next change.
    pending: ChangeSet,
    /// When the first story held under embargo is due (it may be earlier
    /// than any still held: a due time that finds nothing costs a reload).
    next_release: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// What the site becomes after a change, before anything is rendered.
enum Next {
    /// Only static files changed.
    Same,
    /// Only templates changed: the site and plan stay.
    Templates(Box<Renderer>),
    /// Stories or the configuration changed.
    Site(Box<Prepared>),
}

impl Session {
    /// A full build into the output folder, kept for incremental updates.
    pub fn start(
        opts: BuildOptions,
        progress: &dyn Progress,
    ) -> Result<(Session, BuildReport), BuildError> {
        Session::start_with(opts, progress, &mut || {})
    }

    /// [`Session::start`], calling `on_commit` just before the new output
    /// is swapped in (see [`Session::apply_with`]).
    pub fn start_with(
        opts: BuildOptions,
        progress: &dyn Progress,
        on_commit: &mut dyn FnMut(),
    ) -> Result<(Session, BuildReport), BuildError> {
        let built = build::build_and_keep(&opts, progress, on_commit)?;
        let Built {
            prepared,
            report,
            lock,
            fingerprints,
            statics,
            search,
            search_index,
        } = built;
        let Some(prepared) = prepared else {
            unreachable!("build_and_keep keeps the prepared site")
        };
        let files = story_files(&opts.root);
        let index_key = build::search_key(prepared.site.config(), &opts);
        let next_release = prepared.held.next();
        Ok((
            Session {
                output: opts.output_dir(),
                opts,
                state: prepared,
                fingerprints,
                statics,
                search,
                search_index: search_index.map(|i| (index_key, i)),
                _lock: lock,
                files,
                pending: ChangeSet::default(),
                next_release,
            },
            report,
        ))
    }

    /// When the next story held under embargo is due, by the system clock
    /// (`None` with `--now`: that clock does not move). `serve` and `watch`
    /// apply a [`ChangeSet`] with `clock` set then.
    pub fn next_release(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.next_release.filter(|_| self.opts.now.is_none())
    }

    /// Sets the session's clock (what `--now` sets) to `now`: the next
    /// [`Session::apply`] loads every story again against it, so stories
    /// whose embargo it has passed are published. For an embedder that
    /// keeps its own clock, and for tests that need a clock that moves when
    /// they say.
    pub fn set_clock(&mut self, now: chrono::DateTime<chrono::FixedOffset>) {
        self.opts.now = Some(now);
        self.state.load.now = Some(now);
        self.pending.clock = true;
    }

    /// The output folder.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// How many pages the site has.
    pub fn page_count(&self) -> usize {
        self.state.plan.pages().len()
    }

    /// How many pages are drawn with the template `name`.
    pub fn pages_drawn_with(&self, name: &str) -> usize {
        self.state
            .plan
            .pages()
            .iter()
            .filter(|p| p.kind().template() == name)
            .count()
    }

    /// The date of the newest story, if there is one.
    pub fn newest_date(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        (!self.state.site.is_empty()).then(|| self.state.site.article(0).date)
    }

    /// Applies `changes`; on error nothing is written, the session keeps
    /// its last good state, and `changes` are tried again with the next.
    pub fn apply(&mut self, changes: &ChangeSet) -> Result<RebuildReport, BuildError> {
        self.apply_with(changes, &mut || {})
    }

    /// [`Session::apply`], calling `on_commit` once everything has loaded and
    /// rendered, just before the first file is written: the point from which
    /// the change can no longer fail for its content. `serve` clears its
    /// error overlay there, so no request sees a new page under an old error.
    pub fn apply_with(
        &mut self,
        changes: &ChangeSet,
        on_commit: &mut dyn FnMut(),
    ) -> Result<RebuildReport, BuildError> {
        let start = Instant::now();
        let Some(changes) = self.resolve(changes) else {
            return Ok(RebuildReport {
                changes: changes.describe(),
                unchanged: self.page_count(),
                ..RebuildReport::default()
            });
        };
        let result = self.apply_resolved(&changes, on_commit);
        match &result {
            Ok(_) => self.pending = ChangeSet::default(),
            Err(_) => self.pending = changes,
        }
        result.map(|mut r| {
            r.elapsed = start.elapsed();
            r
        })
    }

    /// What `changes` (with the changes of failed rebuilds still pending)
    /// mean for the site, or `None` when there is nothing to do: folder
    /// changes in `content/` become story changes (each changed folder is
    /// walked and compared with the stories the site had under it), and
    /// the removal of a story file the site never had (an editor's
    /// short-lived file, a pipe named like a story) is dropped. An editor's
    /// temp file so costs nothing. [`Session::apply`] does this itself; a
    /// caller that reports changes resolves them first.
    pub fn resolve(&self, changes: &ChangeSet) -> Option<ChangeSet> {
        let merged = self.pending.merge(changes);
        let out = self.resolve_folders(merged);
        (!out.is_empty() || !self.pending.is_empty()).then_some(out)
    }

    fn resolve_folders(&self, changes: ChangeSet) -> ChangeSet {
        if changes.rescan || changes.config || changes.clock {
            return changes;
        }
        let mut out = changes;
        // A story whose addition failed is still removed: that clears its error.
        let pending = &self.pending.stories_changed;
        out.stories_removed
            .retain(|id| self.files.contains(id) || pending.contains(id));
        let dirs = std::mem::take(&mut out.content_dirs);
        let mut on_disk: BTreeSet<String> = BTreeSet::new();
        let mut known: BTreeSet<&str> = BTreeSet::new();
        for dir in &dirs {
            let (sources, _) = load::discover_in(&self.opts.root, dir);
            on_disk.extend(sources.into_iter().map(|s| s.id));
            if dir.is_empty() {
                known.extend(self.files.iter().map(String::as_str));
            } else {
                let prefix = format!("{dir}/");
                known.extend(
                    self.files
                        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                        .take_while(|id| id.starts_with(&prefix))
                        .map(String::as_str),
                );
            }
        }
        out.stories_changed.extend(
            on_disk
                .iter()
                .filter(|id| !known.contains(id.as_str()))
                .cloned(),
        );
        out.stories_removed.extend(
            known
                .iter()
                .filter(|id| !on_disk.contains(**id))
                .map(|id| id.to_string()),
        );
        out
    }

    fn apply_resolved(
        &mut self,
        changes: &ChangeSet,
        on_commit: &mut dyn FnMut(),
    ) -> Result<RebuildReport, BuildError> {
        // The common case, a story corrected in place: patched, and only
        // the pages that show it rendered.
        if let Some(report) = self.apply_in_place(changes, on_commit)? {
            return Ok(report);
        }
        let mut report = RebuildReport {
            changes: changes.describe(),
            full: changes.config || changes.rescan || changes.clock,
            ..RebuildReport::default()
        };
        let mut clock = Instant::now();
        let (next, load_warnings) = self.reload(changes, report.full)?;
        report.timings.lap("reload and assemble", &mut clock);

        let writes_dir = self.output.clone();
        let mut writes = WriteSet::new(&writes_dir);
        let (fingerprints, rendered) = self.render_changed(&next, changes, &writes)?;
        report
            .timings
            .lap("fingerprint, render and stage pages", &mut clock);
        let plan = match &next {
            Next::Site(p) => &p.plan,
            _ => &self.state.plan,
        };
        let deleted: Vec<Route> = match &fingerprints {
            Some(new) => self
                .fingerprints
                .keys()
                .filter(|r| !new.contains_key(*r))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        for route in &deleted {
            writes.remove(&route.output_path());
        }
        let statics = self.stage_statics(plan, changes, report.full, &mut writes)?;
        report.static_files = statics.changed;
        let search = match &next {
            Next::Site(p) => {
                let previous = self.search_index.take();
                self.stage_search(p, previous, &mut writes)?
            }
            _ => None,
        };
        report.timings.lap("index for search", &mut clock);

        on_commit();
        let committed = writes.commit()?;
        report.timings.lap("write", &mut clock);

        let base = match &next {
            Next::Site(p) => p.site.config().base_url.clone(),
            _ => self.state.site.config().base_url.clone(),
        };
        report.changed_urls = changed_urls(&committed, &base);
        report.written = rendered;
        report.deleted = deleted.len();
        report.unchanged = plan.pages().len() - rendered;
        report.css_only = matches!(next, Next::Same)
            && !changes.static_files.is_empty()
            && changes.static_files.iter().all(|f| f.ends_with(".css"));
        report.warnings = self.warnings_of(&next, changes, load_warnings, report.full);
        report.warnings.extend(statics.warnings);
        self.statics = statics.found;
        self.adopt(next, fingerprints, changes, report.full);
        if let Some(staged) = search {
            self.adopt_search(staged);
        }
        Ok(report)
    }

    /// Step 1: what the site becomes (nothing is rendered yet), with the
    /// loader's warnings about the files it read again.
    fn reload(&self, changes: &ChangeSet, full: bool) -> Result<(Next, Diagnostics), BuildError> {
        if full {
            return Ok((
                Next::Site(Box::new(build::prepare(&self.opts, &Quiet)?)),
                Diagnostics::new(),
            ));
        }
        let stories = !changes.stories_changed.is_empty() || !changes.stories_removed.is_empty();
        let renderer = if changes.templates.is_empty() {
            None
        } else {
            Some(Renderer::new(&self.opts.root).map_err(BuildError::Content)?)
        };
        if !stories {
            return Ok((
                renderer.map_or(Next::Same, |r| Next::Templates(Box::new(r))),
                Diagnostics::new(),
            ));
        }
        let (site, model_warnings, load_warnings, held) = self.reload_stories(changes)?;
        let plan = Plan::new(&site);
        let next = Prepared {
            site,
            plan,
            renderer: renderer.unwrap_or_else(|| self.state.renderer.clone()),
            warnings: model_warnings,
            timings: Timings::default(),
            load: self.state.load,
            spool: Arc::clone(&self.state.spool),
            // Reported by full builds only.
            skipped: Default::default(),
            // Of the files read again (see `adopt`).
            held,
            cache_use: Default::default(),
            notes: Vec::new(),
            keeping: Vec::new(),
        };
        Ok((Next::Site(Box::new(next)), load_warnings))
    }

    /// The model with the changed story files reloaded (every record of
    /// the others kept: versions are merged again), with the model's
    /// warnings and the loader's.
    fn reload_stories(
        &self,
        changes: &ChangeSet,
    ) -> Result<(Site, Diagnostics, Diagnostics, load::Held), BuildError> {
        let site = &self.state.site;
        let gone = |file: &str| {
            changes.stories_removed.contains(file) || changes.stories_changed.contains(file)
        };
        let mut articles: Vec<_> = site
            .records()
            .iter()
            .filter(|a| !gone(a.file()))
            .cloned()
            .collect();
        let mut ds = Diagnostics::new();
        let mut held = load::Held::default();
        let loader = self.state.loader();
        for id in &changes.stories_changed {
            if let Some(src) = load::source_for(&self.opts.root, id) {
                let loaded = loader.load(&src);
                articles.extend(loaded.articles.into_iter().map(Arc::new));
                ds.extend(loaded.diagnostics);
                held.add(&loaded.held);
            }
        }
        if ds.has_errors() {
            ds.sort();
            return Err(BuildError::Content(ds));
        }
        let (site, model_ds) =
            Site::assemble(site.config().clone(), articles).map_err(BuildError::Content)?;
        Ok((site, model_ds, ds, held))
    }

    /// Step 2: renders into `writes` the pages whose content can differ:
    /// those whose fingerprint moved (every page, after a full reload) and
    /// those drawn with a changed template. Returns the new fingerprints
    /// (`None`: the site did not change) and how many pages were rendered.
    fn render_changed(
        &self,
        next: &Next,
        changes: &ChangeSet,
        writes: &WriteSet<'_>,
    ) -> Result<(Option<Fingerprints>, usize), BuildError> {
        match next {
            Next::Same => Ok((None, 0)),
            Next::Templates(renderer) => {
                let affected = renderer.affected_by(&changes.templates);
                let pages: Vec<usize> = (0..self.state.plan.pages().len())
                    .filter(|&i| affected.contains(self.state.plan.pages()[i].kind().template()))
                    .collect();
                let parts = self.state.with_renderer(renderer);
                let n = stage_pages(&parts.views(), renderer, &pages, writes)?;
                Ok((None, n))
            }
            Next::Site(p) => {
                let full = changes.config || changes.rescan || changes.clock;
                let affected = p.renderer.affected_by(&changes.templates);
                let parts = p.parts();
                let views = parts.views();
                let new = build::fingerprints_with(&views);
                let pages: Vec<usize> = (0..p.plan.pages().len())
                    .filter(|&i| {
                        let page = &p.plan.pages()[i];
                        full || affected.contains(page.kind().template())
                            || self.fingerprints.get(page.route()) != new.get(page.route())
                    })
                    .collect();
                let n = stage_pages(&views, &p.renderer, &pages, writes)?;
                Ok((Some(new), n))
            }
        }
    }

    /// The warnings a rebuild reports: those of the files it read (after a
    /// full reload, the whole site's).
    fn warnings_of(
        &self,
        next: &Next,
        changes: &ChangeSet,
        mut load_warnings: Diagnostics,
        full: bool,
    ) -> Diagnostics {
        let Next::Site(p) = next else {
            return load_warnings;
        };
        if full {
            return p.warnings.clone();
        }
        // Diagnostics name `[root/]content/<id>`.
        let files: Vec<PathBuf> = changes
            .stories_changed
            .iter()
            .map(|id| Path::new(CONTENT_DIR).join(id))
            .collect();
        load_warnings.extend(
            p.warnings
                .iter()
                .filter(|d| files.iter().any(|f| d.path.ends_with(f)))
                .cloned(),
        );
        load_warnings
    }

    /// Last step: the change is committed; the session takes the new state.
    fn adopt(
        &mut self,
        next: Next,
        fingerprints: Option<Fingerprints>,
        changes: &ChangeSet,
        full: bool,
    ) {
        match next {
            Next::Same => {}
            Next::Templates(renderer) => self.state.renderer = *renderer,
            Next::Site(p) => {
                // A full load knows every held story; a partial one those
                // of the files it read.
                let held = p.held.next();
                self.next_release = match (full, self.next_release, held) {
                    (true, _, h) => h,
                    (false, Some(a), Some(b)) => Some(a.min(b)),
                    (false, a, b) => a.or(b),
                };
                // The previous model and plan are large: freed off the
                // critical path.
                let old = std::mem::replace(&mut self.state, *p);
                std::thread::spawn(move || drop(old));
            }
        }
        if let Some(fp) = fingerprints {
            let old = std::mem::replace(&mut self.fingerprints, fp);
            std::thread::spawn(move || drop(old));
        }
        if full {
            self.files = story_files(&self.opts.root);
        } else {
            self.files.extend(changes.stories_changed.iter().cloned());
            for id in &changes.stories_removed {
                self.files.remove(id);
            }
        }
    }
}

/// The ids of every story file under `root/content`.
fn story_files(root: &Path) -> BTreeSet<String> {
    load::discover(root).0.into_iter().map(|s| s.id).collect()
}

/// Renders `pages` in parallel into `writes` (all or nothing: a failure
/// drops the write set, which removes what it staged). Returns how many.
fn stage_pages(
    views: &Views<'_>,
    renderer: &Renderer,
    pages: &[usize],
    writes: &WriteSet<'_>,
) -> Result<usize, BuildError> {
    let done = build::render_each(
        views,
        renderer,
        pages.par_iter().copied(),
        |page, html, _| writes.write(&page.route().output_path(), html.as_bytes()),
    );
    done.result().map(|ok| ok.len())
}

/// The URL paths of the files a change wrote or removed, sorted: pages'
/// folders (`/2017/07/03/x/`) and files (`/feed.xml`, `/style.css`).
fn changed_urls(c: &Committed, base: &crate::config::BaseUrl) -> Vec<String> {
    let mut urls: Vec<String> = c
        .written
        .iter()
        .chain(&c.removed)
        .map(|rel| {
            let path = rel.strip_suffix("index.html").unwrap_or(rel);
            format!("{}{path}", base.path)
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}
