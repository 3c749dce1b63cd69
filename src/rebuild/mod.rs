//! The incremental engine behind `watch` and `serve`.
//!
//! A [`Session`] holds the last good build: the site model, its plan, the
//! renderer and a fingerprint of every page's inputs. [`Session::apply`]
//! takes a [`ChangeSet`] and picks the cheapest path that is exact:
//!
//! - **in place** (`in_place.rs`): stories edited, each keeping its date and
//!   keywords (a headline, summary, slug or body corrected). Every story
//!   keeps its place in every listing, so the model and plan are patched
//!   and the pages that show the story are found from where it appears.
//!   The cost does not depend on the size of the archive.
//! - **general**: anything else (stories added, removed or re-dated,
//!   keywords changed, templates, `site.yaml`). The changed files are
//!   reloaded, the model re-assembled and re-planned, every page
//!   fingerprinted again (hashes of what each view reads, no rendering) and
//!   only the pages whose fingerprint moved are rendered, plus the pages of
//!   changed story files (bodies are not fingerprinted) and the pages drawn
//!   with a changed template. This is salsa's early cutoff applied to pages.
//!
//! All or nothing: every page of the change is rendered and written beside
//! its file under a hidden name first, then all are renamed into place; if
//! anything fails the session keeps its last good state, the hidden files
//! are removed and the output is as it was. Both paths are checked against
//! a fresh build, byte for byte, by randomized tests.

use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::{self, BuildError, BuildOptions, BuildReport, Prepared, STATIC_DIR};
use crate::config::FeedContent;
use crate::diag::Diagnostics;
use crate::fsx::{self, IoError};
use crate::load::{self, BodyReader};
use crate::model::{ArticleIdx, Route, Site};
use crate::output::OutputLock;
use crate::plan::{self, PageKind, Plan};
use crate::progress::{Progress, Quiet};
use crate::render::{context::Views, embedded, Renderer};
use crate::watch::ChangeSet;

mod in_place;

/// Every page's fingerprint, by route. foldhash rather than std's SipHash:
/// a rebuild builds and probes one entry per page of the archive, and the
/// keys are our own routes, not input an attacker picks.
type Fingerprints = foldhash::HashMap<Route, u64>;

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
    pub timings: build::Timings,
}

/// The last good build of a site and what is needed to update it.
pub struct Session {
    opts: BuildOptions,
    output: PathBuf,
    state: Prepared,
    fingerprints: Fingerprints,
    /// No build writes into the output while the session does.
    _lock: Option<OutputLock>,
    /// Every story file under `content/` (drafts included), as of the last
    /// good state: what a re-walk is compared with.
    files: BTreeSet<String>,
    /// Story files of the last change, if it failed: removing one must
    /// still rebuild (that clears the error), though the site never had it.
    failed: BTreeSet<String>,
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
        let (state, report, lock) = build::build_and_keep(&opts, progress, on_commit)?;
        let fingerprints = fingerprints(&state.site, &state.plan);
        let files = story_files(&opts.root);
        Ok((
            Session {
                output: opts.output_dir(),
                opts,
                state,
                fingerprints,
                _lock: lock,
                files,
                failed: BTreeSet::new(),
            },
            report,
        ))
    }

    /// The output folder.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// The current site model.
    pub fn site(&self) -> &Site {
        &self.state.site
    }

    /// The current plan.
    pub fn plan(&self) -> &Plan {
        &self.state.plan
    }

    /// Applies `changes`; on error nothing is written and the session keeps
    /// its last good state.
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
        let changes = self.resolve(changes);
        let result = self.apply_resolved(&changes, on_commit, start);
        match &result {
            Ok(_) => self.failed.clear(),
            Err(_) => self.failed.extend(changes.stories_changed.iter().cloned()),
        }
        result
    }

    fn apply_resolved(
        &mut self,
        changes: &ChangeSet,
        on_commit: &mut dyn FnMut(),
        start: Instant,
    ) -> Result<RebuildReport, BuildError> {
        let mut report = RebuildReport {
            changes: changes.describe(),
            full: changes.config || changes.rescan,
            ..RebuildReport::default()
        };
        let root = self.opts.root.clone();

        // 0. The common case, a story corrected in place: patched, and
        // only the pages that show it rendered.
        if let Some(mut report) = self.apply_in_place(changes, on_commit)? {
            report.elapsed = start.elapsed();
            return Ok(report);
        }

        let mut clock = Instant::now();
        // 1. The new model, plan and renderer (None: unchanged).
        let mut next: Option<Prepared> = None;
        let mut load_warnings = Diagnostics::new();
        let mut touched_ids: BTreeSet<&str> = BTreeSet::new();
        if report.full {
            next = Some(build::prepare(&self.opts, &Quiet)?);
        } else {
            let renderer = if changes.templates.is_empty() {
                None
            } else {
                Some(Renderer::new(&root).map_err(BuildError::Content)?)
            };
            let site = if changes.stories_changed.is_empty() && changes.stories_removed.is_empty() {
                None
            } else {
                touched_ids.extend(changes.stories_changed.iter().map(String::as_str));
                let (site, model_ds, load_ds) = self.reload_stories(changes)?;
                load_warnings = load_ds;
                Some((site, model_ds))
            };
            report.timings.lap("reload and assemble", &mut clock);
            if site.is_some() || renderer.is_some() {
                let (site, warnings) = match site {
                    Some(s) => s,
                    None => (self.state.site.clone(), self.state.warnings.clone()),
                };
                let plan = plan::plan(&site);
                report.timings.lap("plan", &mut clock);
                next = Some(Prepared {
                    site,
                    plan,
                    renderer: renderer.unwrap_or_else(|| self.state.renderer.clone()),
                    warnings,
                    timings: build::Timings::default(),
                    load: self.state.load,
                });
            }
        }

        // 2. Which pages to render; render them beside the live ones.
        let (rendered, deleted, new_fingerprints) = match &next {
            Some(p) => {
                let affected = if report.full {
                    None
                } else {
                    Some(p.renderer.affected_by(&changes.templates))
                };
                let new_fp = fingerprints(&p.site, &p.plan);
                report.timings.lap("fingerprint every page", &mut clock);
                let forced = forced_pages(p, &touched_ids);
                let pages: Vec<&plan::Page> = p
                    .plan
                    .pages
                    .iter()
                    .filter(|page| match &affected {
                        None => true,
                        Some(names) => {
                            names.contains(page.kind.template())
                                || forced.contains(&page.route)
                                || self.fingerprints.get(&page.route) != new_fp.get(&page.route)
                        }
                    })
                    .collect();
                let rendered = render_pages(p, &pages, &self.output)?;
                report
                    .timings
                    .lap("render and stage changed pages", &mut clock);
                let deleted: Vec<Route> = self
                    .fingerprints
                    .keys()
                    .filter(|r| !new_fp.contains_key(*r))
                    .cloned()
                    .collect();
                report.unchanged = p.plan.pages.len() - rendered.len();
                (rendered, deleted, Some(new_fp))
            }
            None => (Vec::new(), Vec::new(), None),
        };

        // 3. Commit: write, delete, copy static files.
        on_commit();
        let base = next
            .as_ref()
            .map_or(&self.state.site.config.base_url, |p| {
                &p.site.config.base_url
            })
            .clone();
        commit_pages(&self.output, &rendered)?;
        report
            .changed_urls
            .extend(rendered.iter().map(|r| r.route.url(&base)));
        for route in &deleted {
            remove_page(&self.output, route)?;
            report.changed_urls.push(route.url(&base));
        }
        report.written = rendered.len();
        report.deleted = deleted.len();
        if report.full {
            // A rescan or new configuration may have changed anything under static/.
            report.static_files = self.sync_all_static()?;
        } else {
            for rel in &changes.static_files {
                self.sync_static(rel)?;
                report.static_files += 1;
            }
        }
        report.css_only = next.is_none()
            && !changes.static_files.is_empty()
            && changes.static_files.iter().all(|f| f.ends_with(".css"));
        if let Some(p) = next {
            report.warnings = if report.full {
                p.warnings.clone()
            } else {
                // Diagnostics name `[root/]content/<id>`.
                let files: Vec<PathBuf> = changes
                    .stories_changed
                    .iter()
                    .map(|id| Path::new(load::CONTENT_DIR).join(id))
                    .collect();
                let mut ds = load_warnings;
                ds.extend(
                    p.warnings
                        .iter()
                        .filter(|d| files.iter().any(|f| d.path.ends_with(f)))
                        .cloned(),
                );
                ds
            };
            // The previous model and plan are large: freed off the critical path.
            let old = std::mem::replace(&mut self.state, p);
            std::thread::spawn(move || drop(old));
        }
        if let Some(fp) = new_fingerprints {
            let old = std::mem::replace(&mut self.fingerprints, fp);
            std::thread::spawn(move || drop(old));
        }
        if report.full {
            self.files = story_files(&root);
        } else {
            self.files.extend(changes.stories_changed.iter().cloned());
            for id in &changes.stories_removed {
                self.files.remove(id);
            }
        }
        report.timings.lap("write", &mut clock);
        report.changed_urls.sort();
        report.elapsed = start.elapsed();
        Ok(report)
    }

    /// `changes` with folder changes in `content/` turned into story changes:
    /// each changed folder is walked and compared with the stories the site
    /// had under it. Stories that appear are added (or were drafts: the
    /// loader drops them again), stories that vanish are removed. An
    /// editor's temp file costs nothing: it is no folder and no story was
    /// under it, so it resolves to nothing; so does the removal of a story
    /// file the site never had. [`Session::apply`] does this itself; a
    /// caller that reports changes resolves them first.
    pub fn resolve(&self, changes: &ChangeSet) -> ChangeSet {
        if changes.rescan || changes.config {
            return changes.clone();
        }
        let mut out = changes.clone();
        // A story file removed that the site never had (a pipe named like
        // a story, an editor's short-lived file) changes nothing.
        out.stories_removed
            .retain(|id| self.files.contains(id) || self.failed.contains(id));
        if changes.content_dirs.is_empty() {
            return out;
        }
        out.content_dirs.clear();
        let mut on_disk: BTreeSet<String> = BTreeSet::new();
        let mut known: BTreeSet<&str> = BTreeSet::new();
        for dir in &changes.content_dirs {
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

    /// The model with the changed story files reloaded, with the model's
    /// warnings and the loader's.
    fn reload_stories(
        &self,
        changes: &ChangeSet,
    ) -> Result<(Site, Diagnostics, Diagnostics), BuildError> {
        let config = self.state.site.config.clone();
        let gone =
            |id: &str| changes.stories_removed.contains(id) || changes.stories_changed.contains(id);
        let mut articles: Vec<_> = self
            .state
            .site
            .articles
            .iter()
            .filter(|a| !gone(&a.id))
            .cloned()
            .collect();
        let mut ds = Diagnostics::new();
        let opts = self.state.load;
        for id in &changes.stories_changed {
            if let Some(src) = load::source_for(&self.opts.root, id) {
                let (a, d) = load::load_source(&src, &config, opts);
                articles.extend(a.map(Arc::new));
                ds.extend(d);
            }
        }
        if ds.has_errors() {
            ds.sort();
            return Err(BuildError::Content(ds));
        }
        let (site, model_ds) =
            Site::assemble_shared(config, articles).map_err(BuildError::Content)?;
        Ok((site, model_ds, ds))
    }

    fn sync_static(&self, rel: &str) -> Result<(), IoError> {
        let src = self.opts.root.join(STATIC_DIR).join(rel);
        let dest = self.output.join(rel);
        if src.is_file() {
            fsx::copy_replace(&src, &dest)?;
        } else if let Some((_, text)) = embedded::STATIC.iter().find(|(n, _)| *n == rel) {
            fsx::replace(&dest, text.as_bytes())?;
        } else {
            match std::fs::remove_file(&dest) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(IoError::new("removing", &dest, e))
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn sync_all_static(&self) -> Result<usize, IoError> {
        let dir = self.opts.root.join(STATIC_DIR);
        let mut n = 0;
        for (name, _) in embedded::STATIC {
            self.sync_static(name)?;
            n += 1;
        }
        for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            if entry.file_type().is_file() {
                if let Ok(rel) = entry.path().strip_prefix(&dir) {
                    self.sync_static(&rel.to_string_lossy())?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// The ids of every story file under `root/content`.
fn story_files(root: &Path) -> BTreeSet<String> {
    load::discover(root).0.into_iter().map(|s| s.id).collect()
}

/// The fingerprint of every page of a plan.
fn fingerprints(site: &Site, plan: &Plan) -> Fingerprints {
    // Fingerprints never read bodies.
    let bodies = BodyReader::new(&site.config, false);
    let views = Views::new(site, &bodies);
    plan.pages
        .par_iter()
        .map(|p| (p.route.clone(), views.fingerprint(plan, p)))
        .collect()
}

/// Pages to render whatever their fingerprint: the article pages of
/// changed story files (bodies are not fingerprinted), and the feeds that
/// carry those bodies when feeds have full content.
fn forced_pages(p: &Prepared, touched: &BTreeSet<&str>) -> HashSet<Route> {
    let site = &p.site;
    let idx: Vec<ArticleIdx> = site
        .articles
        .iter()
        .enumerate()
        .filter(|(_, a)| touched.contains(a.id.as_str()))
        .map(|(i, _)| i)
        .collect();
    let mut out: HashSet<Route> = idx.iter().map(|&i| site.article_route(i)).collect();
    if site.config.feed_content == FeedContent::Full {
        let limit = site.config.feed_limit;
        for page in &p.plan.pages {
            let list = match &page.kind {
                PageKind::Feed => &site.newest_first[..],
                PageKind::TagFeed(_) => plan::listing(site, &page.kind),
                _ => continue,
            };
            if list[..list.len().min(limit)]
                .iter()
                .any(|i| idx.contains(i))
            {
                out.insert(page.route.clone());
            }
        }
    }
    out
}

/// A page rendered and written beside its file, not yet renamed over it.
struct Staged {
    route: Route,
    /// The hidden file holding the new page.
    file: PathBuf,
    /// Its fingerprint in the state it was rendered from.
    fingerprint: u64,
}

/// Renders `pages` in parallel and writes each beside its file in `output`
/// ([`fsx::stage`]): all or nothing, and streaming, so a template edit
/// that re-renders the whole archive holds a page per thread in memory, not
/// the archive. On any error every staged file is removed and the output
/// is as it was; [`commit_pages`] renames them into place.
fn render_pages(
    p: &Prepared,
    pages: &[&plan::Page],
    output: &Path,
) -> Result<Vec<Staged>, BuildError> {
    let done = build::render_each(p, pages.par_iter().copied(), |views, page, html| {
        Ok(Staged {
            file: fsx::stage(&output.join(page.route.output_path()), html.as_bytes())?,
            fingerprint: views.fingerprint(&p.plan, page),
            route: page.route.clone(),
        })
    });
    if done.errors.has_errors() || done.io.is_some() {
        // Nothing stays: neither the staged pages nor the folders made for
        // new ones.
        done.ok.par_iter().for_each(|s| {
            fsx::discard(&s.file);
            prune_empty_folders(output, &s.file);
        });
    }
    done.result()
}

/// Renames staged pages over their files.
fn commit_pages(output: &Path, staged: &[Staged]) -> Result<(), IoError> {
    staged
        .par_iter()
        .try_for_each(|s| fsx::commit(&s.file, &output.join(s.route.output_path())))
}

/// Removes a page's file and the folders it leaves empty.
fn remove_page(output: &Path, route: &Route) -> Result<(), IoError> {
    let file = output.join(route.output_path());
    match std::fs::remove_file(&file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(IoError::new("removing", &file, e))
        }
        _ => {}
    }
    prune_empty_folders(output, &file);
    Ok(())
}

/// Removes the folders above `file` that are left empty, up to `output`.
fn prune_empty_folders(output: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == output || !d.starts_with(output) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
