//! The build pipeline, stage by stage:
//! `site.yaml` → loader → site model → plan → renderer → output writer.
//!
//! Content problems from every stage are collected and returned together;
//! only an I/O failure on the output stops early. Nothing is written to the
//! output folder unless the whole build succeeded. Over an existing output
//! a build writes only the files whose bytes change, and removes those no
//! longer produced ([`Changes`]); into a new folder, or with `--clean`, it
//! builds a staging folder and swaps it in. [`render_each`] is the
//! one loop that renders pages, for a build, a rebuild and `check`; it
//! fingerprints each page from the very context it renders it from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{BaseUrl, Config};
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx::IoError;
use crate::load::{self, BodyReader, LoadOptions, Skipped, Spool};
use crate::model::{Route, Site};
use crate::output::{statics, OutputLock, Staging, WriteSet};
use crate::plan::{Page, Plan};
use crate::progress::Progress;
use crate::render::views::{self, RenderStats, Views};
use crate::render::Renderer;

/// What to build, and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site folder.
    pub root: PathBuf,
    /// The output folder (default: `root/public`).
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from `site.yaml`.
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Read invalid UTF-8 with replacement characters instead of failing.
    pub lossy: bool,
    /// Write relative links (as `relative_links: true` in `site.yaml`).
    pub relative_links: bool,
    /// The build's clock for embargoes (`--now`); `None`: the system time.
    pub now: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Build into a fresh folder swapped in whole (`--clean`), rather than
    /// writing over the existing output only the files that change.
    pub clean: bool,
}

impl BuildOptions {
    /// Options for the site at `root`, with defaults.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            ..Self::default()
        }
    }

    /// The output folder these options write to.
    pub fn output_dir(&self) -> PathBuf {
        match &self.output {
            Some(o) => o.clone(),
            // `public`, not `./public`, in messages when the site is here.
            None if self.root == Path::new(".") => PathBuf::from("public"),
            None => self.root.join("public"),
        }
    }
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Bad content, configuration or templates: every problem found.
    #[error("{} error(s) in the site", .0.error_count())]
    Content(Diagnostics),
    /// The output could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Wall time per stage of a build, in order.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// (stage, time).
    pub stages: Vec<(&'static str, Duration)>,
}

/// One line per stage: its time in milliseconds, then its name.
impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (stage, t) in &self.stages {
            writeln!(f, "{:>10.1} ms  {stage}", t.as_secs_f64() * 1e3)?;
        }
        Ok(())
    }
}

impl Timings {
    /// Records `stage` as the time since `since`, and restarts the clock.
    pub fn lap(&mut self, stage: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.stages.push((stage, now - *since));
        *since = now;
    }
}

/// A loaded, validated site, ready to render: configuration, templates,
/// stories, model and plan ([`prepare`]). Builds, rebuilds and `check` go
/// on from here; benchmarks time its stages.
pub struct Prepared {
    /// The model.
    pub(crate) site: Site,
    /// The pages to render.
    pub(crate) plan: Plan,
    /// Templates.
    pub(crate) renderer: Renderer,
    /// Warnings from loading and assembling.
    pub(crate) warnings: Diagnostics,
    /// Time spent in each stage so far.
    pub(crate) timings: Timings,
    /// How stories were read (the body reader reads them the same way).
    pub(crate) load: LoadOptions,
    /// Where the loader put agency bodies (a rebuild adds to it).
    pub(crate) spool: Arc<Spool>,
    /// Items that are not text that the load making this site skipped (a
    /// rebuild's reload counts none; the build report takes them).
    pub(crate) skipped: Skipped,
    /// Stories that load held back under embargo.
    pub(crate) held: crate::load::Held,
}

impl Prepared {
    /// Stories published.
    pub fn stories(&self) -> usize {
        self.site.len()
    }

    /// Pages planned.
    pub fn pages(&self) -> usize {
        self.plan.pages().len()
    }

    /// Time spent in each stage so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Fingerprints every page (what a rebuild's general path does to each),
    /// rendering none; returns how many.
    pub fn fingerprint_pages(&self) -> usize {
        fingerprints(self).len()
    }

    /// Renders every page to memory, writing nothing; returns the bytes.
    pub fn render_to_memory(&self) -> Result<usize, Diagnostics> {
        render_all(self, |_, html| html.len()).map(|sizes| sizes.into_iter().sum())
    }

    /// Loads stories as this site's were loaded (into the same spool).
    pub(crate) fn loader(&self) -> load::Loader<'_> {
        load::Loader {
            config: self.site.config(),
            opts: self.load,
            spool: &self.spool,
        }
    }

    /// What [`render_each`] renders from: this site, plan and renderer.
    pub(crate) fn parts(&self) -> Parts<'_> {
        self.with_renderer(&self.renderer)
    }

    /// This site and plan, drawn with `renderer` (a template edit).
    pub(crate) fn with_renderer<'a>(&'a self, renderer: &'a Renderer) -> Parts<'a> {
        Parts {
            site: &self.site,
            plan: &self.plan,
            renderer,
            bodies: BodyReader::new(self.site.config(), self.load.lossy, Arc::clone(&self.spool)),
        }
    }
}

/// What pages are rendered from, borrowed.
pub(crate) struct Parts<'a> {
    pub(crate) site: &'a Site,
    pub(crate) plan: &'a Plan,
    pub(crate) renderer: &'a Renderer,
    /// Reads story bodies the way the loader read the stories.
    pub(crate) bodies: BodyReader,
}

impl Parts<'_> {
    /// The views of the pages (one per build or rebuild: what it works out
    /// once, every page shares).
    pub(crate) fn views(&self) -> Views<'_> {
        Views::new(self.site, self.plan, &self.bodies)
    }
}

/// Loads configuration, stories and templates, assembles the model and plans
/// the pages. All problems are reported together.
pub fn prepare(opts: &BuildOptions, progress: &dyn Progress) -> Result<Prepared, BuildError> {
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let mut ds = Diagnostics::new();
    let config = match Config::load(&opts.root) {
        Ok(mut c) => {
            c.relative_links |= opts.relative_links;
            if let Some(b) = &opts.base_url {
                match BaseUrl::parse(b) {
                    Ok(b) => c.base_url = b,
                    Err(m) => ds.push(Diagnostic::error("--base-url", 0, m)),
                }
            }
            Some(c)
        }
        Err(e) => {
            ds.extend(e);
            None
        }
    };
    let renderer = Renderer::new(&opts.root).map_err(|e| ds.extend(e)).ok();
    let Some(config) = config else {
        return Err(BuildError::Content(sorted(ds)));
    };
    timings.lap("config and templates", &mut clock);
    let (sources, walk_ds) = load::discover(&opts.root);
    ds.extend(walk_ds);
    timings.lap("walk content/", &mut clock);
    let load_opts = LoadOptions {
        drafts: opts.drafts,
        lossy: opts.lossy,
        now: opts.now,
    };
    let spool = Arc::new(
        Spool::new()
            .map_err(|e| IoError::new("creating a temporary file in", std::env::temp_dir(), e))?,
    );
    progress.stage("loading stories", sources.len());
    let loader = load::Loader {
        config: &config,
        opts: load_opts,
        spool: &spool,
    };
    let loaded = loader.load_all(&sources, progress);
    drop(sources);
    let articles = loaded.articles;
    ds.extend(loaded.diagnostics);
    timings.lap("load stories", &mut clock);
    if ds.has_errors() {
        return Err(BuildError::Content(sorted(ds)));
    }
    let (site, model_ds) = Site::assemble(config, articles).map_err(|e| {
        ds.extend(e);
        BuildError::Content(sorted(ds.clone()))
    })?;
    ds.extend(model_ds);
    let Some(renderer) = renderer else {
        return Err(BuildError::Content(sorted(ds)));
    };
    timings.lap("assemble model", &mut clock);
    let plan = Plan::new(&site);
    timings.lap("plan pages", &mut clock);
    Ok(Prepared {
        site,
        plan,
        renderer,
        warnings: sorted(ds),
        timings,
        load: load_opts,
        spool,
        skipped: loaded.skipped,
        held: loaded.held,
    })
}

fn sorted(mut ds: Diagnostics) -> Diagnostics {
    ds.sort();
    ds
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Stories published.
    pub articles: usize,
    /// Pages (HTML and XML) written.
    pub pages: usize,
    /// Static files copied.
    pub static_files: usize,
    /// Where.
    pub output: PathBuf,
    /// Wall time.
    pub elapsed: Duration,
    /// Warnings (resends, ignored keywords).
    pub warnings: Diagnostics,
    /// Time per stage.
    pub timings: Timings,
    /// What the renderer built.
    pub stats: RenderStats,
    /// Items that are not text, skipped.
    pub skipped: Skipped,
    /// Stories held back under embargo.
    pub held: crate::load::Held,
    /// Stories their agencies killed or withhold.
    pub unpublished: Unpublished,
    /// What changed in the output folder.
    pub changes: Changes,
}

/// What a build changed in its output folder, by path in it (`/`-separated,
/// sorted): what a deploy uploads and purges (`--changes FILE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files written: new, or with new bytes (every file, in a build into
    /// a fresh folder).
    pub written: Vec<String>,
    /// Files removed: no longer produced.
    pub removed: Vec<String>,
    /// Files left as they were (their bytes, and so their modification
    /// time).
    pub unchanged: usize,
}

impl Changes {
    /// The list `--changes FILE` writes: `+ path` for each file written,
    /// then `- path` for each removed, one a line.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for p in &self.written {
            out.push_str("+ ");
            out.push_str(p);
            out.push('\n');
        }
        for p in &self.removed {
            out.push_str("- ");
            out.push_str(p);
            out.push('\n');
        }
        out
    }
}

/// Displays as the build summary's second line: `2 files written, 1
/// removed, 95 unchanged`.
impl std::fmt::Display for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.written.len();
        write!(
            f,
            "{n} {} written, {} removed, {} unchanged",
            if n == 1 { "file" } else { "files" },
            self.removed.len(),
            self.unchanged
        )
    }
}

/// Stories not published because their agencies said so (SPEC.md: a kill,
/// a `withheld` status). Displays as the build summary says it: `1 story
/// killed (withdrawn by its source), 2 withheld by their agencies`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unpublished {
    /// Stories whose newest version kills them.
    pub killed: usize,
    /// Stories whose newest version is withheld.
    pub withheld: usize,
}

impl Unpublished {
    /// What `site` leaves out.
    pub(crate) fn of(site: &Site) -> Unpublished {
        Unpublished {
            killed: site.withdrawn().len(),
            withheld: site.withheld(),
        }
    }

    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.killed == 0 && self.withheld == 0
    }
}

impl std::fmt::Display for Unpublished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let story = |n| if n == 1 { "story" } else { "stories" };
        let mut parts = Vec::new();
        if self.killed > 0 {
            parts.push(format!(
                "{} {} killed (withdrawn by {} source)",
                self.killed,
                story(self.killed),
                if self.killed == 1 { "its" } else { "their" }
            ));
        }
        if self.withheld > 0 {
            parts.push(format!(
                "{} {} withheld by {} agency",
                self.withheld,
                story(self.withheld),
                if self.withheld == 1 { "its" } else { "their" }
            ));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Every page's fingerprint, by route (see [`crate::render::views`]).
/// foldhash rather than std's SipHash: a rebuild builds and probes one
/// entry per page of the archive, and the keys are our own routes, not
/// input an attacker picks.
pub(crate) type Fingerprints = foldhash::HashMap<Route, u64>;

/// A full build, and what a session needs to update its output afterwards.
pub(crate) struct Built {
    /// The loaded site.
    pub(crate) prepared: Prepared,
    /// What the build did.
    pub(crate) report: BuildReport,
    /// The output's lock, held while the session runs.
    pub(crate) lock: Option<OutputLock>,
    /// Every page's fingerprint, from the contexts it was rendered from.
    pub(crate) fingerprints: Fingerprints,
    /// The static files of the site, as found.
    pub(crate) statics: BTreeMap<String, statics::Source>,
}

/// A full build into the output folder, swapped in only on success.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, BuildError> {
    build_and_keep(opts, progress, &mut || {}).map(|b| b.report)
}

/// A full build that also returns the loaded site, for a session that
/// rebuilds incrementally afterwards (`watch`, `serve`). `on_commit` runs
/// once every page is written, just before the output is swapped in.
pub(crate) fn build_and_keep(
    opts: &BuildOptions,
    progress: &dyn Progress,
    on_commit: &mut dyn FnMut(),
) -> Result<Built, BuildError> {
    let start = Instant::now();
    let result = build_inner(opts, progress, start, on_commit);
    progress.finish();
    result
}

fn build_inner(
    opts: &BuildOptions,
    progress: &dyn Progress,
    start: Instant,
    on_commit: &mut dyn FnMut(),
) -> Result<Built, BuildError> {
    let output = opts.output_dir();
    // An output that is a symbolic link (to a web server's document root,
    // say) stays one: the folder it names is the one replaced.
    let output = match std::fs::symlink_metadata(&output) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&output).unwrap_or(output),
        _ => output,
    };
    crate::output::check_target(&opts.root, &output)?;
    let mut p = prepare(opts, progress)?;
    let mut clock = Instant::now();
    let found = statics::find(&opts.root)?;
    let (shown, shadowed) = statics::shown(&found, &p.plan);
    p.warnings.extend(shadowed);
    p.warnings.sort();
    // What the output has: over an existing output, only files whose bytes
    // change are written (unless `--clean`).
    let mut laps = Timings::default();
    let existing = crate::output::files_in(&output)?;
    let update = !opts.clean && !existing.is_empty();
    progress.stage("writing pages", p.plan.pages().len());
    let all = (0..p.plan.pages().len()).into_par_iter();
    let parts = p.parts();
    let views = parts.views();
    let (done, lock, changes) = if update {
        let lock = OutputLock::acquire(&output)?;
        // A clean build killed earlier may have left its staging folder.
        crate::output::remove_stale_beside(&output)?;
        let mut writes = WriteSet::new(&output);
        let mut produced: Vec<String> = Vec::with_capacity(existing.len());
        let mut unchanged = 0;
        for (rel, src) in &shown {
            let same = match src {
                statics::Source::Builtin(text) => same_bytes(&output, rel, text.as_bytes()),
                statics::Source::File(path) => {
                    std::fs::read(path).is_ok_and(|b| same_bytes(&output, rel, &b))
                }
            };
            match (same, src) {
                (true, _) => unchanged += 1,
                (false, statics::Source::Builtin(text)) => writes.write(rel, text.as_bytes())?,
                (false, statics::Source::File(path)) => writes.copy(rel, path)?,
            }
            produced.push(rel.to_string());
        }
        laps.lap("copy static files", &mut clock);
        let done = render_each(&views, parts.renderer, all, |page, html, fp| {
            let rel = page.route().output_path();
            let written = !same_bytes(&output, &rel, html.as_bytes());
            if written {
                writes.write(&rel, html.as_bytes())?;
            }
            progress.advance(1);
            Ok((page.route().clone(), fp, rel, written))
        });
        let stats = done.stats;
        let pages = done.result()?;
        laps.lap("render and write changed pages", &mut clock);
        unchanged += pages.iter().filter(|(.., written)| !written).count();
        produced.extend(pages.iter().map(|(_, _, rel, _)| rel.clone()));
        produced.sort_unstable();
        for old in &existing {
            if produced.binary_search(old).is_err() {
                writes.remove(old);
            }
        }
        on_commit();
        let committed = writes.commit()?;
        laps.lap("commit", &mut clock);
        let changes = Changes {
            written: committed.written,
            removed: committed.removed,
            unchanged,
        };
        let fingerprints = pages.into_iter().map(|(r, fp, ..)| (r, fp)).collect();
        ((stats, fingerprints), Some(lock), changes)
    } else {
        let staging = Staging::begin(&output)?;
        let mut written: Vec<String> = Vec::with_capacity(p.plan.pages().len() + shown.len());
        for (rel, src) in &shown {
            match src {
                statics::Source::Builtin(text) => staging.write(rel, text.as_bytes())?,
                statics::Source::File(path) => staging.copy(rel, path)?,
            }
            written.push(rel.to_string());
        }
        laps.lap("copy static files", &mut clock);
        let done = render_each(&views, parts.renderer, all, |page, html, fp| {
            let rel = page.route().output_path();
            staging.write(&rel, html.as_bytes())?;
            progress.advance(1);
            Ok((page.route().clone(), fp, rel))
        });
        let stats = done.stats;
        let pages = done.result()?;
        laps.lap("render and write pages", &mut clock);
        written.extend(pages.iter().map(|(_, _, rel)| rel.clone()));
        written.sort_unstable();
        let removed = existing
            .iter()
            .filter(|old| written.binary_search(old).is_err())
            .cloned()
            .collect();
        on_commit();
        let lock = staging.commit()?;
        laps.lap("swap output in", &mut clock);
        let fingerprints = pages.into_iter().map(|(r, fp, _)| (r, fp)).collect();
        let changes = Changes {
            written,
            removed,
            unchanged: 0,
        };
        ((stats, fingerprints), lock, changes)
    };
    drop(views);
    drop(parts);
    p.timings.stages.extend(laps.stages);
    let (stats, fingerprints) = done;
    let report = BuildReport {
        articles: p.site.len(),
        pages: p.plan.pages().len(),
        static_files: shown.len(),
        output,
        elapsed: start.elapsed(),
        warnings: p.warnings.clone(),
        timings: p.timings.clone(),
        stats,
        skipped: std::mem::take(&mut p.skipped),
        held: p.held,
        unpublished: Unpublished::of(&p.site),
        changes,
    };
    Ok(Built {
        prepared: p,
        report,
        lock,
        fingerprints,
        statics: found,
    })
}

/// Whether the output's file at `rel` is a plain file holding `bytes`.
fn same_bytes(output: &Path, rel: &str, bytes: &[u8]) -> bool {
    let path = output.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(&path).is_ok_and(|b| b == bytes)
        }
        _ => false,
    }
}

/// What [`render_each`] made of a set of pages.
pub(crate) struct Rendered<T> {
    /// What the sink returned for each page it was given, in page order.
    pub(crate) ok: Vec<T>,
    /// Every template failure.
    pub(crate) errors: Diagnostics,
    /// The first failure of the sink (writing a page).
    pub(crate) io: Option<IoError>,
    /// What was rendered.
    pub(crate) stats: RenderStats,
}

impl<T> Rendered<T> {
    /// The sink's results, or why not all pages were made: a write
    /// failure first, else every template error, sorted.
    pub(crate) fn result(self) -> Result<Vec<T>, BuildError> {
        match self.io {
            Some(e) => Err(BuildError::Io(e)),
            None if self.errors.has_errors() => Err(BuildError::Content(sorted(self.errors))),
            None => Ok(self.ok),
        }
    }
}

/// Renders the plan's pages `pages` (indices) in parallel and hands each
/// page's HTML and fingerprint (made from the very context it was rendered
/// from) to `sink`, which writes, stages or checks it. Never stops early:
/// every template error is collected. The one render loop behind a build, a
/// rebuild and `check`.
pub(crate) fn render_each<T: Send>(
    views: &Views<'_>,
    renderer: &Renderer,
    pages: impl IndexedParallelIterator<Item = usize>,
    sink: impl Fn(&Page, &str, u64) -> Result<T, IoError> + Sync,
) -> Rendered<T> {
    let plan_pages = views.plan().pages();
    let results: Vec<Result<T, PageError>> = pages
        .map(|i| {
            let page = &plan_pages[i];
            let ctx = views.context(i);
            let fp = views::fingerprint(&ctx);
            let html = renderer
                .render(views, page, &ctx)
                .map_err(PageError::Render)?;
            sink(page, &html, fp).map_err(PageError::Io)
        })
        .collect();
    let mut done = Rendered {
        ok: Vec::with_capacity(results.len()),
        errors: Diagnostics::new(),
        io: None,
        stats: RenderStats::default(),
    };
    for r in results {
        match r {
            Ok(t) => done.ok.push(t),
            Err(PageError::Render(d)) => done.errors.push(d),
            Err(PageError::Io(e)) => done.io = done.io.or(Some(e)),
        }
    }
    done.stats = views.stats();
    done
}

/// Why one page could not be made.
enum PageError {
    /// Its template failed.
    Render(Diagnostic),
    /// It could not be written.
    Io(IoError),
}

/// Renders every page to memory and hands each to `visit` (used by `check`).
pub(crate) fn render_all<T: Send>(
    p: &Prepared,
    visit: impl Fn(&Page, &str) -> T + Sync,
) -> Result<Vec<T>, Diagnostics> {
    let all = (0..p.plan.pages().len()).into_par_iter();
    let parts = p.parts();
    let done = render_each(&parts.views(), parts.renderer, all, |page, html, _| {
        Ok(visit(page, html))
    });
    if done.errors.has_errors() {
        Err(sorted(done.errors))
    } else {
        Ok(done.ok)
    }
}

/// Every page's fingerprint, without rendering any.
pub(crate) fn fingerprints(p: &Prepared) -> Fingerprints {
    fingerprints_with(&p.parts().views())
}

/// Every page's fingerprint, from `views` (which a rebuild then renders
/// the changed pages with).
pub(crate) fn fingerprints_with(views: &Views<'_>) -> Fingerprints {
    views
        .plan()
        .pages()
        .par_iter()
        .enumerate()
        .map(|(i, page)| (page.route().clone(), views.fingerprint(i)))
        .collect()
}
