//! The incremental engine behind `watch` and `serve`.
//!
//! A [`Session`] holds the last good build: the site model, its plan, the
//! renderer and a fingerprint of every page's inputs. [`Session::apply`]
//! takes a [`ChangeSet`], reloads only the changed story files, re-assembles
//! the model, fingerprints every page again (cheap: hashes of what each view
//! reads, no rendering) and renders only the pages whose fingerprint moved,
//! plus the pages of changed story files (their bodies are not
//! fingerprinted) and the pages drawn with a changed template. This is
//! salsa's early cutoff applied to pages: a story edit that changes no
//! listing field re-renders one page, and a headline edit re-renders exactly
//! the listings that show it.
//!
//! All or nothing: every page of the change is rendered in memory first;
//! if anything fails the session keeps its last good state and nothing is
//! written.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::{self, BuildError, BuildOptions, BuildReport, Prepared, STATIC_DIR};
use crate::config::FeedContent;
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx::{self, IoError};
use crate::load::{self, BodyReader};
use crate::model::{ArticleIdx, Route, Site};
use crate::output::OutputLock;
use crate::plan::{self, PageKind, Plan};
use crate::progress::{Progress, Quiet};
use crate::render::{context::Views, embedded, Renderer};
use crate::watch::ChangeSet;

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// What changed, for the terminal.
    pub changes: String,
    /// Whether everything was reloaded (`site.yaml` changed, or a rescan).
    pub full: bool,
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
    /// Warnings of the new state.
    pub warnings: Diagnostics,
    /// Wall time from the change set to the last file written.
    pub elapsed: Duration,
    /// Time per stage of the general path.
    pub timings: build::Timings,
}

/// The last good build of a site and what is needed to update it.
pub struct Session {
    opts: BuildOptions,
    output: PathBuf,
    state: Prepared,
    fingerprints: HashMap<Route, u64>,
    /// No build writes into the output while the session does.
    _lock: Option<OutputLock>,
    /// Every story file under `content/` (drafts included), as of the last
    /// good state: what a re-walk is compared with.
    files: HashSet<String>,
}

impl Session {
    /// A full build into the output folder, kept for incremental updates.
    pub fn start(
        opts: BuildOptions,
        progress: &dyn Progress,
    ) -> Result<(Session, BuildReport), BuildError> {
        let (state, report, lock) = build::build_and_keep(&opts, progress)?;
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
        if changes.content_folders && !changes.rescan && !changes.config {
            let walked = self.walk_content(changes);
            return self.apply_with(&walked, on_commit);
        }
        let start = Instant::now();
        let mut report = RebuildReport {
            changes: changes.describe(),
            full: changes.config || changes.rescan,
            ..RebuildReport::default()
        };
        let root = self.opts.root.clone();

        // 0. The common case, a story's text corrected: the model does not
        // change, only that story's page (and full-content feeds) do.
        if let Some(pages) = self.body_only(changes)? {
            let rendered = render_pages(&self.state, &pages.iter().collect::<Vec<_>>())?;
            on_commit();
            let base = &self.state.site.config.base_url;
            for (route, html) in &rendered {
                fsx::write(&self.output.join(route.output_path()), html.as_bytes())?;
                report.changed_urls.push(route.url(base));
            }
            report.written = rendered.len();
            report.unchanged = self.state.plan.pages.len() - rendered.len();
            report.warnings = self.state.warnings.clone();
            report.changed_urls.sort();
            report.elapsed = start.elapsed();
            return Ok(report);
        }

        let mut clock = Instant::now();
        // 1. The new model, plan and renderer (None: unchanged).
        let mut next: Option<Prepared> = None;
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
                Some(self.reload_stories(changes)?)
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

        // 2. Which pages to render, and render them in memory.
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
                let rendered = render_pages(p, &pages)?;
                report.timings.lap("render changed pages", &mut clock);
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
        for (route, html) in &rendered {
            fsx::write(&self.output.join(route.output_path()), html.as_bytes())?;
            report.changed_urls.push(route.url(&base));
        }
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
            report.warnings = p.warnings.clone();
            self.state = p;
        }
        if let Some(fp) = new_fingerprints {
            self.fingerprints = fp;
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
    /// a re-walk of `content/` compared with the stories the site has.
    /// Stories that appear are added (or were drafts: the loader drops
    /// them again), stories that vanish are removed.
    fn walk_content(&self, changes: &ChangeSet) -> ChangeSet {
        let (sources, _) = load::discover(&self.opts.root);
        let on_disk: HashSet<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        let known: HashSet<&str> = self.files.iter().map(String::as_str).collect();
        let mut out = changes.clone();
        out.content_folders = false;
        out.stories_changed
            .extend(on_disk.difference(&known).map(|id| id.to_string()));
        out.stories_removed
            .extend(known.difference(&on_disk).map(|id| id.to_string()));
        out.stories_changed
            .retain(|id| on_disk.contains(id.as_str()));
        out
    }

    /// When `changes` only edits stories and no edit touches anything but
    /// a body, the pages to render; `None` when the model must be rebuilt.
    fn body_only(&self, changes: &ChangeSet) -> Result<Option<Vec<plan::Page>>, BuildError> {
        let others_unchanged = !changes.config
            && !changes.rescan
            && changes.templates.is_empty()
            && changes.static_files.is_empty()
            && changes.stories_removed.is_empty();
        if !others_unchanged || changes.stories_changed.is_empty() {
            return Ok(None);
        }
        let site = &self.state.site;
        let opts = self.state.load;
        let mut touched = BTreeSet::new();
        for id in &changes.stories_changed {
            let Some(src) = load::source_for(&self.opts.root, id) else {
                return Ok(None);
            };
            let (new, ds) = load::load_source(&src, &site.config, opts);
            if ds.iter().any(Diagnostic::is_error) {
                let mut ds: Diagnostics = ds.into_iter().collect();
                ds.sort();
                return Err(BuildError::Content(ds));
            }
            let Some(mut new) = new else { return Ok(None) };
            let Some(old) = site.articles.iter().find(|a| a.id == *id) else {
                return Ok(None);
            };
            // Everything but the body is the same (the slug may carry a
            // resend suffix the loader does not know about).
            new.slug.clone_from(&old.slug);
            if new != **old {
                return Ok(None);
            }
            touched.insert(id.as_str());
        }
        let forced = forced_pages(&self.state, &touched);
        Ok(Some(
            self.state
                .plan
                .pages
                .iter()
                .filter(|p| forced.contains(&p.route))
                .cloned()
                .collect(),
        ))
    }

    /// The model with the changed story files reloaded.
    fn reload_stories(&self, changes: &ChangeSet) -> Result<(Site, Diagnostics), BuildError> {
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
        Ok((site, model_ds))
    }

    fn sync_static(&self, rel: &str) -> Result<(), IoError> {
        let src = self.opts.root.join(STATIC_DIR).join(rel);
        let dest = self.output.join(rel);
        if src.is_file() {
            if let Some(parent) = dest.parent() {
                fsx::create_dir_all(parent)?;
            }
            std::fs::copy(&src, &dest).map_err(|e| IoError::new("copying", &src, e))?;
        } else if let Some((_, text)) = embedded::STATIC.iter().find(|(n, _)| *n == rel) {
            fsx::write(&dest, text.as_bytes())?;
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
fn story_files(root: &Path) -> HashSet<String> {
    load::discover(root).0.into_iter().map(|s| s.id).collect()
}

/// The fingerprint of every page of a plan.
fn fingerprints(site: &Site, plan: &Plan) -> HashMap<Route, u64> {
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

/// Renders `pages` in parallel, all or nothing.
fn render_pages(p: &Prepared, pages: &[&plan::Page]) -> Result<Vec<(Route, String)>, BuildError> {
    let bodies = p.bodies();
    let views = Views::new(&p.site, &bodies);
    let results: Vec<Result<(Route, String), Diagnostic>> = pages
        .par_iter()
        .map(|page| {
            p.renderer
                .render(&p.site, &p.plan, &views, page)
                .map(|html| (page.route.clone(), html))
        })
        .collect();
    let mut ok = Vec::with_capacity(results.len());
    let mut ds = Diagnostics::new();
    for r in results {
        match r {
            Ok(x) => ok.push(x),
            Err(d) => ds.push(d),
        }
    }
    if ds.has_errors() {
        ds.sort();
        return Err(BuildError::Content(ds));
    }
    Ok(ok)
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
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == output || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
