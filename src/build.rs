//! The build pipeline, stage by stage:
//! `site.yaml` → loader → site model → plan → renderer → output writer.
//!
//! Content problems from every stage are collected and returned together;
//! only an I/O failure on the output stops early. Nothing is written to the
//! output folder unless the whole build succeeded. Over an existing output
//! a build writes only the files whose bytes change, and removes those no
//! longer produced ([`Changes`]); into a new folder, or with `--clean`, it
//! builds a staging folder and swaps it in.
//!
//! What a build keeps for the next one (in the cache folder beside the
//! output) saves the next one work, and is checked before it is used: the
//! story cache spares parsing the story files that did not change (see
//! [`crate::load::cache`]); the manifest ([`crate::output::manifest`])
//! spares rendering the pages whose fingerprint and templates did not
//! change, and reading the output to compare; and when the stamps of
//! everything the last build read and wrote are the same, the build
//! reports the last summary without loading anything ([`build`]).
//!
//! [`render_each`] is the one loop that renders pages, for a build, a
//! rebuild and `check`; it fingerprints each page from the very context it
//! renders it from.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::background::Background;
use crate::config::{BaseUrl, Config};
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx::IoError;
use crate::fsx::Stamp;
use crate::load::cache::{CacheUse, StoryCache};
use crate::load::{self, BodyReader, LoadOptions, Skipped, Spool};
use crate::model::{Route, Site};
use crate::output::inputs::Inputs;
use crate::output::manifest::{self, Entry, Known, Manifest, Recorded, Unusable, Verified};
use crate::output::sealed;
use crate::output::{statics, OutputLock, Staging, WriteSet};
use crate::plan::{Page, Plan};
use crate::progress::Progress;
use crate::render::views::{self, RenderStats, Views};
use crate::render::Renderer;
use crate::search::{doc_file, Index as SearchIndex, Layout, Previous, Search, DOC_CHUNK};

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
    /// The stages, in order.
    pub stages: Vec<Stage>,
}

/// One stage of a build: its name, how long it took, and the process's
/// peak resident memory at its end (where the system tells it).
#[derive(Debug, Clone)]
pub struct Stage {
    /// What the stage did.
    pub name: &'static str,
    /// Its wall time.
    pub time: Duration,
    /// The highest resident set size of the process so far, in bytes.
    pub peak_rss: Option<u64>,
}

/// One line per stage: its time in milliseconds, its name, and the peak
/// memory so far once it grew in that stage.
impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut before = 0;
        for s in &self.stages {
            write!(f, "{:>10.1} ms  {}", s.time.as_secs_f64() * 1e3, s.name)?;
            match s.peak_rss.map(|b| b >> 20) {
                Some(peak) if peak > before => {
                    writeln!(f, "  (peak memory {peak} MB)")?;
                    before = peak;
                }
                _ => writeln!(f)?,
            }
        }
        Ok(())
    }
}

impl Timings {
    /// Records `stage` as the time since `since`, and restarts the clock.
    pub fn lap(&mut self, stage: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.stages.push(Stage {
            name: stage,
            time: now - *since,
            peak_rss: peak_rss(),
        });
        *since = now;
    }
}

/// The process's peak resident set size so far (Linux: `VmHWM`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb << 10)
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
    /// What the load took from the story cache.
    pub(crate) cache_use: CacheUse,
    /// What the load could not take from the story cache, and why.
    pub(crate) notes: Vec<String>,
    /// The story cache being kept for the next build, if it is.
    pub(crate) keeping: Vec<Background>,
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
    prepare_cached(opts, progress, None)
}

/// What a production build found in `content/` before it prepares: the
/// story files, what walking the folder found wrong, and the stamps of
/// the files, taken once for the build's record and the story cache.
struct Found {
    sources: Vec<load::Source>,
    diagnostics: Diagnostics,
    stamps: Vec<Option<Stamp>>,
    taken: crate::fsx::Horizon,
}

/// [`prepare`], taking the stories whose files did not change (by the
/// stamps in `found`) from the story cache at `stories` (and keeping this
/// load's there), unless `--clean`.
fn prepare_cached(
    opts: &BuildOptions,
    progress: &dyn Progress,
    stories: Option<(&Path, Found)>,
) -> Result<Prepared, BuildError> {
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let mut ds = Diagnostics::new();
    let mut notes = Vec::new();
    let mut keeping = Vec::new();
    let config = load_config(opts).map_err(|e| ds.extend(e)).ok();
    let renderer = Renderer::new(&opts.root).map_err(|e| ds.extend(e)).ok();
    let Some(config) = config else {
        return Err(BuildError::Content(sorted(ds)));
    };
    timings.lap("config and templates", &mut clock);
    let (sources, stories) = match stories {
        Some((path, found)) => {
            ds.extend(found.diagnostics);
            (found.sources, Some((path, found.stamps, found.taken)))
        }
        None => {
            let (sources, walk_ds) = load::discover(&opts.root);
            ds.extend(walk_ds);
            timings.lap("walk content/", &mut clock);
            (sources, None)
        }
    };
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
    let (loaded, cache_use) = match stories {
        Some((path, stamps, taken)) => {
            let key = story_key(&config, opts);
            let cache = if opts.clean {
                None
            } else {
                match StoryCache::load(path, key) {
                    Ok(c) => c,
                    Err(why) => {
                        notes.push(format!(
                            "the parsed stories kept in {} are unusable ({why}): parsing every story",
                            path.display()
                        ));
                        None
                    }
                }
            };
            let (loaded, new, used) =
                loader.load_cached(&sources, (&stamps, taken), cache, key, progress);
            let unkept = |e: IoError| {
                format!(
                    "could not keep the parsed stories for the next build ({e}): it will parse \
                     them all again"
                )
            };
            match new {
                // What changed since the base (a few files' worth, as a
                // day's build has), kept while the build goes on.
                Some(new) if new.has_base() => {
                    let path = path.to_path_buf();
                    keeping.push(Background::spawn(move || new.save(&path).err().map(unkept)));
                }
                // A whole cache (tens of megabytes for a large archive),
                // kept and let go before the model is made.
                Some(new) => notes.extend(new.save(path).err().map(unkept)),
                None => {}
            }
            (loaded, used)
        }
        None => (loader.load_all(&sources, progress), CacheUse::default()),
    };
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
        cache_use,
        notes,
        keeping,
    })
}

/// What parsing a story depends on besides its file: this dateline, the
/// configuration, `--lossy`, and where the site is (stories and their
/// diagnostics name their files from there).
fn story_key(config: &Config, opts: &BuildOptions) -> u64 {
    views::hash_one(&(
        exe_identity(),
        format!("{config:?}"),
        opts.lossy,
        &opts.root,
    ))
}

/// This dateline: its version and its very binary.
fn exe_identity() -> (&'static str, Option<(u64, i64)>) {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| (m.len(), Stamp::of(&m).mtime));
    (env!("CARGO_PKG_VERSION"), exe)
}

/// `site.yaml`, with the options that change it.
fn load_config(opts: &BuildOptions) -> Result<Config, Diagnostics> {
    let mut c = Config::load(&opts.root)?;
    c.relative_links |= opts.relative_links;
    if let Some(b) = &opts.base_url {
        match BaseUrl::parse(b) {
            Ok(b) => c.base_url = b,
            Err(m) => {
                return Err(Diagnostics::from_iter([Diagnostic::error(
                    "--base-url",
                    0,
                    m,
                )]))
            }
        }
    }
    Ok(c)
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
    /// Markdown and wire files parsed (the others were taken from the
    /// story cache).
    pub parsed: usize,
    /// Pages rendered: those whose inputs or templates changed since the
    /// last build (the others are as it left them).
    pub rendered: usize,
    /// Stories read to bring the search index up to date (the others are
    /// as the last build indexed them).
    pub indexed: usize,
    /// What the build could not reuse from the last one, and why (one line
    /// each: an output changed by hand, a missing record).
    pub notes: Vec<String>,
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// The loaded site (for [`build_and_keep`]; a build alone drops it
    /// before recording what it did).
    pub(crate) prepared: Option<Prepared>,
    /// What the build did.
    pub(crate) report: BuildReport,
    /// The output's lock, held while the session runs.
    pub(crate) lock: Option<OutputLock>,
    /// Every page's fingerprint, from the contexts it was rendered from.
    pub(crate) fingerprints: Fingerprints,
    /// The static files of the site, as found.
    pub(crate) statics: BTreeMap<String, statics::Source>,
    /// The search index's files, as written.
    pub(crate) search: crate::search::Written,
    /// The search index, when the build made it.
    pub(crate) search_index: Option<SearchIndex>,
}

/// What is called when a build finds it will update an output it made
/// before (by the record of that build), before it loads anything: see
/// [`on_update`].
static ON_UPDATE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what is called when a build finds it will update an output it
/// made before, once per process (a second call changes nothing). The
/// binary uses it to let its allocator hold freed memory for the rest of
/// such a build: its peak is bounded by its last build's, and handing
/// freed memory back to the kernel at once (which a clean build of a
/// large archive needs, to stay small) cost a correction at 100,000
/// stories about a tenth of its time.
pub fn on_update(hook: fn()) {
    let _ = ON_UPDATE.set(hook);
}

/// A build into the output folder: nothing written when the record of the
/// last build shows that nothing it read changed; otherwise what changed
/// (or, into a new folder and with `--clean`, everything, swapped in
/// whole), only on success.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    let last = match nothing_changed(opts, start)? {
        Lookout::Unchanged(report) => return Ok(report),
        Lookout::Changed(last) => last,
    };
    if let (Some(Ok(_)), Some(hook)) = (&last, ON_UPDATE.get()) {
        hook();
    }
    let result = build_inner(opts, progress, start, &mut || {}, false, last);
    progress.finish();
    result.map(|b| b.report)
}

/// What a build reports, kept in its manifest for a build that finds
/// nothing changed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Summary {
    articles: usize,
    pages: usize,
    static_files: usize,
    warnings: Diagnostics,
    skipped: Skipped,
    held: crate::load::Held,
    unpublished: Unpublished,
}

/// What [`nothing_changed`] found.
enum Lookout {
    /// Nothing: the report of the build.
    Unchanged(BuildReport),
    /// Something, or it cannot tell; with the record of the last build as
    /// read, if it was read (the build reads it once).
    Changed(Option<Result<Manifest, Unusable>>),
}

/// The report of a build that need not render, write or even load
/// anything: the last build's manifest has the same key, nothing it read
/// changed (by stamps), no embargo it held has ended, and the output is as
/// it left it. [`Lookout::Changed`] if any of that is not so, or cannot be
/// told.
fn nothing_changed(opts: &BuildOptions, start: Instant) -> Result<Lookout, BuildError> {
    if opts.clean {
        return Ok(Lookout::Changed(None));
    }
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let output = resolved_output(opts);
    crate::output::check_target(&opts.root, &output)?;
    let Ok(config) = load_config(opts) else {
        return Ok(Lookout::Changed(None));
    };
    let Ok(path) = manifest::path_for(&output) else {
        return Ok(Lookout::Changed(None));
    };
    let m = match Manifest::load(&path) {
        Ok(m) => m,
        Err(why) => return Ok(Lookout::Changed(Some(Err(why)))),
    };
    let changed = |m| Ok(Lookout::Changed(Some(Ok(m))));
    let Ok(summary) = postcard::from_bytes::<Summary>(&m.report) else {
        return changed(m);
    };
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    if m.key != build_key(&config, opts) || summary.held.next().is_some_and(|n| n <= now) {
        return changed(m);
    }
    timings.lap("read the record of the last build", &mut clock);
    if !m.inputs.unchanged(&opts.root) {
        return changed(m);
    }
    timings.lap("check the site", &mut clock);
    let _lock = OutputLock::acquire(&output)?;
    // What a clean build killed since left beside the output is no part
    // of it, and goes.
    crate::output::remove_stale_beside(&output)?;
    let checked = crate::fsx::Horizon::now(&output);
    let v = m.verify(&output)?;
    if v.changed + v.strays.len() > 0 {
        return changed(m);
    }
    timings.lap("check the output", &mut clock);
    // What was too recent to trust by its stamp, and was read to be
    // trusted, need not be read again by the next build. Without this
    // record that build is still correct, only slower.
    if let Some(settled) = m.settled(checked) {
        if settled.save(&path, Some(&m)).is_ok() {
            timings.lap("record what is settled", &mut clock);
        }
    }
    Ok(Lookout::Unchanged(BuildReport {
        articles: summary.articles,
        pages: summary.pages,
        static_files: summary.static_files,
        output,
        elapsed: start.elapsed(),
        warnings: summary.warnings,
        timings,
        stats: RenderStats::default(),
        skipped: summary.skipped,
        held: summary.held,
        unpublished: summary.unpublished,
        changes: Changes {
            unchanged: m.files.len(),
            ..Changes::default()
        },
        parsed: 0,
        rendered: 0,
        indexed: 0,
        notes: Vec::new(),
    }))
}

/// The output folder of `opts`; one that is a symbolic link (to a web
/// server's document root, say) stays one: the folder it names is the one
/// written.
fn resolved_output(opts: &BuildOptions) -> PathBuf {
    let output = opts.output_dir();
    match std::fs::symlink_metadata(&output) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&output).unwrap_or(output),
        _ => output,
    }
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
    let result = build_inner(opts, progress, start, on_commit, true, None);
    progress.finish();
    result
}

/// A build: of the output as it is, or whole with `--clean`; keeping the
/// prepared site if `keep` (for a session), given the record of the last
/// build if it was read already (`last`).
fn build_inner(
    opts: &BuildOptions,
    progress: &dyn Progress,
    start: Instant,
    on_commit: &mut dyn FnMut(),
    keep: bool,
    last: Option<Result<Manifest, Unusable>>,
) -> Result<Built, BuildError> {
    let output = resolved_output(opts);
    crate::output::check_target(&opts.root, &output)?;
    let mut early = Timings::default();
    let mut clock = Instant::now();
    let mut notes = Vec::new();
    let manifest_path = manifest::path_for(&output)?;
    // The site is stamped before anything of it is read (a file changed
    // after this is a change to the next build), the output before it is
    // checked. `content/` is walked once, for the stories and their
    // stamps; beside the walk, which is one thread's work, the record of
    // the last build (`last`, if [`nothing_changed`] read it) is read and
    // the output checked against it. Over an existing output, only files
    // whose bytes change are written (unless `--clean`), and with a
    // record, only pages whose inputs changed are rendered.
    let taken = crate::fsx::Horizon::now(&opts.root);
    let checked = crate::fsx::Horizon::now(&output);
    let (walk, known) = rayon::join(
        || {
            let (sources, walk_ds, walked) = load::discover_walked(&opts.root);
            let inputs = Inputs::gather_after(&opts.root, taken, walked);
            (sources, walk_ds, inputs)
        },
        || -> Result<Result<_, Unusable>, IoError> {
            if opts.clean {
                return Ok(Ok(None));
            }
            match last.unwrap_or_else(|| Manifest::load(&manifest_path)) {
                Ok(mut m) => {
                    let v = m.verify(&output)?;
                    // Its lists are read from here on (and compared with
                    // this build's, for the overlay it writes), not its
                    // report.
                    m.report = Vec::new();
                    Ok(Ok(Some((m, v))))
                }
                Err(why) => Ok(Err(why)),
            }
        },
    );
    let (sources, walk_ds, inputs) = walk;
    let known = match known? {
        Ok(known) => known,
        Err(why) => {
            if output.join("index.html").is_file() {
                notes.push(match why {
                    Unusable::Missing => format!(
                        "no record of the last build in {}: comparing every page with the output",
                        manifest_path.display()
                    ),
                    Unusable::Damaged(why) => format!(
                        "the record of the last build ({}) is unusable ({why}): comparing every \
                         page with the output",
                        manifest_path.display()
                    ),
                });
            }
            None
        }
    };
    early.lap("walk the site and check the output", &mut clock);
    let stories = crate::output::cache_dir(&output)?.join("stories");
    let saved_index = search_index_path(&output)?;
    let (stamps, taken) = inputs.stamps_of(sources.iter().map(|s| s.id.as_str()));
    let found = Found {
        sources,
        diagnostics: walk_ds,
        stamps,
        taken,
    };
    let mut p = prepare_cached(opts, progress, Some((&stories, found)))?;
    notes.append(&mut p.notes);
    // What is being kept for the next build, finished before the build's
    // own record is.
    let mut later = std::mem::take(&mut p.keeping);
    p.timings.stages.splice(0..0, early.stages);
    let mut clock = Instant::now();
    let mut laps = Timings::default();
    let found = statics::find(&opts.root)?;
    let (shown, shadowed) = statics::shown(&found, &p.plan);
    p.warnings.extend(shadowed);
    p.warnings.sort();
    let key = build_key(p.site.config(), opts);
    // What the output holds is listed once the pages are rendered (the
    // list of a large archive's files is not held while rendering).
    let existing = || -> Result<Vec<Cow<'_, str>>, IoError> {
        Ok(match &known {
            Some((m, v)) => v.existing(m).into_iter().map(Cow::Borrowed).collect(),
            None => crate::output::files_in(&output)?
                .into_iter()
                .map(Cow::Owned)
                .collect(),
        })
    };
    let record = Record::new(known.as_ref(), key, checked, &mut notes, &output);
    let update = !opts.clean
        && match &known {
            Some((_, v)) => v.any(),
            None => crate::output::holds_files(&output),
        };
    progress.stage("writing pages", p.plan.pages().len());
    let all = (0..p.plan.pages().len()).into_par_iter();
    let parts = p.parts();
    let views = parts.views();
    let renderer = parts.renderer;
    let made_from =
        |page: &Page, fp: u64| views::hash_one(&(fp, renderer.drawn_with(page.kind().template())));
    // A page rendered, holding bytes of `hash`.
    let rendered_out = |page: &Page, fp, stamp, hash| Out {
        fp,
        stamp,
        hash,
        made_from: made_from(page, fp),
        rendered: true,
    };
    let mut rendered = p.plan.pages().len();
    // What the summary says of the site, taken now: a build alone lets the
    // site go once its pages are rendered (see `let_site_go` and
    // `Site::free_in_parallel`).
    let (articles, unpublished) = (p.site.len(), Unpublished::of(&p.site));
    let mut site_going = None;
    let (done, lock, mut changes, recorded) = if update {
        let lock = OutputLock::acquire(&output)?;
        // A clean build killed earlier may have left its staging folder.
        crate::output::remove_stale_beside(&output)?;
        let mut writes = WriteSet::new(&output);
        // Without a record, the output is walked before this build stages
        // its files in it.
        let walked = match known {
            None => Some(crate::output::files_in(&output)?),
            Some(_) => None,
        };
        let mut produced: Vec<Recorded> = Vec::new();
        for (rel, src) in &shown {
            let bytes: Cow<'_, [u8]> = match src {
                statics::Source::Builtin(text) => text.as_bytes().into(),
                statics::Source::File(path) => std::fs::read(path)
                    .map_err(|e| IoError::new("reading", path, e))?
                    .into(),
            };
            let hash = manifest::hash_bytes(&bytes);
            let stamp = match record.same(rel, hash) {
                Some(kept) => kept,
                None if same_bytes(&output, rel, &bytes) => Known::Unknown,
                None => {
                    writes.write(rel, &bytes)?;
                    Known::Unknown
                }
            };
            produced.push(Recorded {
                path: rel.to_string(),
                stamp,
                hash,
                made_from: hash,
            });
        }
        laps.lap("copy static files", &mut clock);
        // The search index before the pages: rendering reuses the memory
        // it freed (after them, its own need came on top of what
        // rendering's leftovers held).
        let background = (!keep).then_some(&mut later);
        let mut indexed = search_files(
            &p,
            opts,
            &record,
            (&saved_index, background),
            &mut notes,
            |rel, bytes| {
                let hash = manifest::hash_bytes(bytes);
                Ok(match record.same(rel, hash) {
                    Some(kept) => kept,
                    None if same_bytes(&output, rel, bytes) => Known::Unknown,
                    None => {
                        writes.write(rel, bytes)?;
                        Known::Unknown
                    }
                })
            },
        )?;
        produced.extend(std::mem::take(&mut indexed.recorded));
        if !keep {
            // Only a session brings it up to date in memory.
            indexed.index = None;
        }
        laps.lap("index for search", &mut clock);
        let done = render_unless(
            &views,
            renderer,
            all,
            |page, fp| {
                let rel = page.route().output_path();
                let made = made_from(page, fp);
                let e = record.kept_page(&rel, made)?;
                progress.advance(1);
                Some(Out {
                    fp,
                    stamp: Known::Checked(e.stamp, record.checked),
                    hash: e.hash,
                    made_from: made,
                    rendered: false,
                })
            },
            |page, html, fp| {
                let rel = page.route().output_path();
                let hash = manifest::hash_bytes(html.as_bytes());
                let stamp = match record.same(&rel, hash) {
                    Some(kept) => kept,
                    None if same_bytes(&output, &rel, html.as_bytes()) => Known::Unknown,
                    None => {
                        writes.write(&rel, html.as_bytes())?;
                        Known::Unknown
                    }
                };
                progress.advance(1);
                Ok(rendered_out(page, fp, stamp, hash))
            },
        );
        let stats = done.stats;
        let pages = done.result()?;
        // What rendering needed goes before the output is changed.
        drop(views);
        drop(parts);
        laps.lap("render and write changed pages", &mut clock);
        if !keep {
            site_going = let_site_go(&mut p.site);
        }
        rendered = pages.iter().filter(|o| o.rendered).count();
        let fingerprints = split_pages(pages, &p.plan, &mut produced);
        let existing = match walked {
            Some(w) => w.into_iter().map(Cow::Owned).collect(),
            None => existing()?,
        };
        for old in not_produced(&existing, &produced) {
            writes.remove(old);
        }
        on_commit();
        let committed = writes.commit()?;
        laps.lap("commit", &mut clock);
        // What was written has a new stamp.
        for r in &mut produced {
            if r.stamp != Known::Unknown && committed.written.binary_search(&r.path).is_ok() {
                r.stamp = Known::Unknown;
            }
        }
        let changes = Changes {
            unchanged: produced.len() - committed.written.len(),
            written: committed.written,
            removed: committed.removed,
        };
        (
            (stats, fingerprints, indexed),
            Some(lock),
            changes,
            produced,
        )
    } else {
        let staging = Staging::begin(&output)?;
        let mut produced: Vec<Recorded> = Vec::new();
        for (rel, src) in &shown {
            let (stamp, hash) = match src {
                statics::Source::Builtin(text) => (
                    staging.write(rel, text.as_bytes())?,
                    manifest::hash_bytes(text.as_bytes()),
                ),
                statics::Source::File(path) => {
                    let bytes =
                        std::fs::read(path).map_err(|e| IoError::new("reading", path, e))?;
                    (staging.write(rel, &bytes)?, manifest::hash_bytes(&bytes))
                }
            };
            produced.push(Recorded {
                path: rel.to_string(),
                stamp: Known::Written(stamp),
                hash,
                made_from: hash,
            });
        }
        laps.lap("copy static files", &mut clock);
        // The search index before the pages: rendering reuses the memory
        // it freed (after them, its own need came on top of what
        // rendering's leftovers held).
        let mut indexed = search_files(
            &p,
            opts,
            &record,
            (&saved_index, None),
            &mut notes,
            |rel, bytes| Ok(Known::Written(staging.write(rel, bytes)?)),
        )?;
        produced.extend(std::mem::take(&mut indexed.recorded));
        if !keep {
            // Only a session brings it up to date in memory.
            indexed.index = None;
        }
        laps.lap("index for search", &mut clock);
        let done = render_each(&views, renderer, all, |page, html, fp| {
            let rel = page.route().output_path();
            let stamp = staging.write(&rel, html.as_bytes())?;
            progress.advance(1);
            let hash = manifest::hash_bytes(html.as_bytes());
            Ok(rendered_out(page, fp, Known::Written(stamp), hash))
        });
        let stats = done.stats;
        let pages = done.result()?;
        // What rendering needed goes before the output is changed.
        drop(views);
        drop(parts);
        laps.lap("render and write pages", &mut clock);
        if !keep {
            // Before the record's lists are made: in its place, not on
            // top of it.
            let empty = Site::empty(p.site.config().clone());
            std::mem::replace(&mut p.site, empty).free_in_parallel();
        }
        let fingerprints = split_pages(pages, &p.plan, &mut produced);
        let removed = not_produced(&existing()?, &produced)
            .map(str::to_string)
            .collect();
        on_commit();
        let lock = staging.commit()?;
        laps.lap("swap output in", &mut clock);
        // Every file was written: their list is made once the site is gone.
        let changes = Changes {
            written: Vec::new(),
            removed,
            unchanged: 0,
        };
        ((stats, fingerprints, indexed), lock, changes, produced)
    };
    // What rendering needed goes before the record is made; of the last
    // record, the folders this build left as they were.
    let untouched = match &known {
        Some((m, v)) if update => v.untouched_dirs(m, &[&changes.written, &changes.removed]),
        _ => Vec::new(),
    };
    let (stats, fingerprints, indexed) = done;
    // By route, for a session that rebuilds from them (a build alone
    // keeps none).
    let fingerprints: Fingerprints = if keep {
        p.plan
            .pages()
            .iter()
            .zip(fingerprints)
            .map(|(page, fp)| (page.route().clone(), fp))
            .collect()
    } else {
        Fingerprints::default()
    };
    let summary = Summary {
        articles,
        pages: p.plan.pages().len(),
        static_files: shown.len(),
        warnings: p.warnings.clone(),
        skipped: std::mem::take(&mut p.skipped),
        held: p.held,
        unpublished,
    };
    let mut timings = std::mem::take(&mut p.timings);
    let parsed = p.cache_use.parsed;
    // A build alone is done with the rest (its plan, the stories' spool):
    // it goes while the record is made, on a thread of their own (freeing
    // a large archive's strings one by one takes a tenth of a second); if
    // no thread can be had, here and now.
    let (prepared, dropping) = if keep {
        (Some(p), None)
    } else {
        (
            None,
            std::thread::Builder::new().spawn(move || drop(p)).ok(),
        )
    };
    if !update {
        changes.written = recorded.iter().map(|r| r.path.clone()).collect();
    }
    // The record of this build, for the next. Without it the next build is
    // still correct, only slower: it is written last, and a failure to
    // write it is only a note.
    let report = postcard::to_stdvec(&summary).unwrap_or_default();
    match Manifest::record(key, &output, recorded, untouched, inputs, report)
        .and_then(|m| m.save(&manifest_path, known.as_ref().map(|(last, _)| last)))
    {
        Ok(()) => {}
        Err(e) => notes.push(format!(
            "could not record this build for the next ({e}): the next build compares every page \
             with the output"
        )),
    }
    for going in [dropping, site_going].into_iter().flatten() {
        if let Err(panic) = going.join() {
            std::panic::resume_unwind(panic);
        }
    }
    notes.extend(later.into_iter().filter_map(Background::finish));
    laps.lap("record the build", &mut clock);
    timings.stages.extend(laps.stages);
    let report = BuildReport {
        articles: summary.articles,
        pages: summary.pages,
        static_files: summary.static_files,
        output,
        elapsed: start.elapsed(),
        warnings: summary.warnings,
        timings: timings.clone(),
        stats,
        skipped: summary.skipped,
        held: summary.held,
        unpublished: summary.unpublished,
        changes,
        parsed,
        rendered,
        indexed: indexed.read,
        notes,
    };
    let prepared = prepared.map(|mut p| {
        p.timings = timings;
        p
    });
    Ok(Built {
        prepared,
        report,
        lock,
        fingerprints,
        statics: found,
        search: indexed.written,
        search_index: indexed.index,
    })
}

/// The paths of `existing` (sorted) that are not in `produced` (sorted by
/// path): the files a build removes. One pass over both.
fn not_produced<'a>(
    existing: &'a [Cow<'_, str>],
    produced: &'a [Recorded],
) -> impl Iterator<Item = &'a str> + 'a {
    let mut made = produced.iter().map(|r| r.path.as_str()).peekable();
    existing.iter().map(|old| &**old).filter(move |old| {
        while made.next_if(|m| m < old).is_some() {}
        made.peek() != Some(old)
    })
}

/// The index's files as a session keeps them.
fn written_index(
    files: &[Recorded],
    fingerprint: u64,
    layout: Option<crate::search::Layout>,
) -> crate::search::Written {
    crate::search::Written {
        fingerprint,
        files: files.iter().map(|r| (r.path.clone(), r.hash)).collect(),
        layout: layout.map(Arc::new),
    }
}

/// What a build made of the search index.
#[derive(Default)]
struct Indexed {
    /// Its files' records.
    recorded: Vec<Recorded>,
    /// Its files, as a session keeps them.
    written: crate::search::Written,
    /// The index, when it was made (for a session to bring up to date).
    index: Option<SearchIndex>,
    /// Stories read to index them.
    read: usize,
}

/// The search index's files (none with `search: false`), each put in the
/// output with `put` (which gives its kept stamp, when it need not be
/// written). When what the index reads is what the last build's files were
/// made from, they are kept as the record has them; otherwise the index
/// kept in `saved` (unless `--clean`) is brought up to date, reading only
/// the stories that changed, or made anew, and kept there for the next.
fn search_files(
    p: &Prepared,
    opts: &BuildOptions,
    record: &Record<'_>,
    (saved, background): (&Path, Option<&mut Vec<Background>>),
    notes: &mut Vec<String>,
    put: impl Fn(&str, &[u8]) -> Result<Known, BuildError> + Sync,
) -> Result<Indexed, BuildError> {
    if !p.site.config().search {
        return Ok(Indexed::default());
    }
    let search = Search::new(&p.site);
    let made_from = search.fingerprint();
    if let Some(kept) = record.kept_files(SEARCH_DIR, made_from) {
        return Ok(Indexed {
            written: written_index(&kept, made_from, None),
            recorded: kept,
            index: None,
            read: 0,
        });
    }
    let key = search_key(p.site.config(), opts);
    let kept = if opts.clean {
        None
    } else {
        load_search_index(saved, key)
    };
    let (previous, wrote) = match kept {
        Some(k) => (Some(k.index), k.wrote),
        None => (None, None),
    };
    let bodies = BodyReader::new(p.site.config(), p.load.lossy, Arc::clone(&p.spool));
    let (index, made) = search
        .index(previous, &bodies)
        .map_err(|d| BuildError::Content(Diagnostics::from_iter([d])))?;
    // The files the last build made from the kept index, if the output
    // has them as they were made (the kept index may be of another state
    // than the output's: a build that failed after keeping it); of those,
    // the ones this state's files would equal are not made again.
    let old: Option<(HashMap<String, Recorded>, Layout)> = wrote.and_then(|(fp, layout)| {
        let files: HashMap<String, Recorded> = record
            .kept_files(SEARCH_DIR, fp)?
            .into_iter()
            .map(|r| (r.path.clone(), r))
            .collect();
        let whole = layout.shard_files().all(|name| files.contains_key(&name));
        whole.then_some((files, layout))
    });
    let n = index.len();
    let unmade = |k: usize| {
        old.as_ref().is_some_and(|(files, _)| {
            made.same_run(k, DOC_CHUNK, n) && files.contains_key(&doc_file(k))
        })
    };
    let previous = match (&old, &made.changed) {
        (Some((_, layout)), Some(changed)) => Some(Previous { layout, changed }),
        _ => None,
    };
    let mut recorded = Vec::new();
    // Put in the output a few at a time, in parallel (creating a file is
    // most of what a shard costs); the shards are made in order.
    let mut batch: Vec<(String, Vec<u8>)> = Vec::new();
    let put_all = |batch: &mut Vec<(String, Vec<u8>)>, recorded: &mut Vec<Recorded>| {
        let done = batch
            .par_drain(..)
            .map(|(rel, bytes)| {
                Ok(Recorded {
                    stamp: put(&rel, &bytes)?,
                    hash: manifest::hash_bytes(&bytes),
                    path: rel,
                    made_from,
                })
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        recorded.extend(done);
        Ok::<_, BuildError>(())
    };
    let layout = search.files(&index, unmade, previous, |rel, bytes| {
        batch.push((rel, bytes));
        if batch.len() == SEARCH_BATCH {
            put_all(&mut batch, &mut recorded)?;
        }
        Ok::<_, BuildError>(())
    })?;
    put_all(&mut batch, &mut recorded)?;
    // The files not made stay as the last build wrote them.
    let mut unmade: Vec<String> = (0..n.div_ceil(DOC_CHUNK))
        .filter(|&k| unmade(k))
        .map(doc_file)
        .collect();
    if let Some((mut files, _)) = old {
        let made: HashSet<&str> = recorded.iter().map(|r| r.path.as_str()).collect();
        unmade.extend(
            layout
                .shard_files()
                .filter(|name| !made.contains(name.as_str())),
        );
        drop(made);
        for name in unmade {
            let kept = files.remove(&name);
            debug_assert!(kept.is_some(), "{name} not made, and not in the output");
            recorded.extend(kept.map(|r| Recorded { made_from, ..r }));
        }
    }
    recorded.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let unkept = |e: IoError| {
        format!(
            "could not keep the search index for the next build ({e}): the next build reads \
             every story again to make it"
        )
    };
    let read = made.read;
    let Some(background) = background else {
        notes.extend(
            sealed::save(saved, SEARCH_MAGIC, &(key, made_from, &layout, &index))
                .err()
                .map(unkept),
        );
        return Ok(Indexed {
            written: written_index(&recorded, made_from, Some(layout)),
            recorded,
            index: Some(index),
            read,
        });
    };
    // A build alone is done with the index once its files are made: it is
    // kept for the next build while this one goes on.
    let saved = saved.to_path_buf();
    background.push(Background::spawn(move || {
        sealed::save(&saved, SEARCH_MAGIC, &(key, made_from, &layout, &index))
            .err()
            .map(unkept)
    }));
    Ok(Indexed {
        written: written_index(&recorded, made_from, None),
        recorded,
        index: None,
        read,
    })
}

/// How many of the search index's files are put in the output at once.
const SEARCH_BATCH: usize = 64;

/// The first line of the kept search index's file: its format.
const SEARCH_MAGIC: &[u8] = b"dateline search index 2\n";

/// What a kept search index must have been made with to be brought up to
/// date: this dateline (its very binary, as the story cache), the index's
/// format and analyzer, and how stories are read.
pub(crate) fn search_key(config: &Config, opts: &BuildOptions) -> u64 {
    views::hash_one(&(exe_identity(), crate::search::index_key(config), opts.lossy))
}

/// The search index kept at `path`, if it is whole and made with `key`.
pub(crate) fn load_search_index(path: &Path, key: u64) -> Option<KeptIndex> {
    match sealed::load::<(u64, u64, Layout, SearchIndex)>(path, SEARCH_MAGIC) {
        Ok((k, fp, layout, index)) if k == key => Some(KeptIndex {
            index,
            wrote: Some((fp, layout)),
        }),
        _ => None,
    }
}

/// The search index a build kept, and the files it made of it: the
/// fingerprint they were made from and the layout of their term shards.
pub(crate) struct KeptIndex {
    pub(crate) index: SearchIndex,
    pub(crate) wrote: Option<(u64, Layout)>,
}

/// Where the search index is kept for the output `output`.
pub(crate) fn search_index_path(output: &Path) -> Result<PathBuf, IoError> {
    Ok(crate::output::cache_dir(output)?.join("search"))
}

/// Where the search index's files are, in the output.
const SEARCH_DIR: &str = "search/";

/// Empties `site` (all but its configuration) and frees what it held on a
/// thread of its own, or here and now if no thread can be had: a build
/// over an output is done with its stories once its pages are rendered,
/// and frees them while it commits and records, which wait on the disk.
/// (A clean build, whose peak is what a large archive's memory is judged
/// by, frees them at once on every core: [`Site::free_in_parallel`].)
fn let_site_go(site: &mut Site) -> Option<std::thread::JoinHandle<()>> {
    let stories = std::mem::replace(site, Site::empty(site.config().clone()));
    std::thread::Builder::new()
        .spawn(move || drop(stories))
        .ok()
}

/// One page, as a build made or kept it: its [`Recorded`] but for its
/// path, which its route gives (a large build holds one for every page
/// until the last is rendered).
struct Out {
    fp: u64,
    stamp: Known,
    hash: u64,
    made_from: u64,
    /// Rendered (rather than kept from the last build unrendered).
    rendered: bool,
}

/// Moves the record of each of `plan`'s pages (`pages`, in page order) into
/// `produced` (then sorted by path) and returns the pages' fingerprints, in
/// page order.
fn split_pages(pages: Vec<Out>, plan: &Plan, produced: &mut Vec<Recorded>) -> Vec<u64> {
    debug_assert_eq!(pages.len(), plan.pages().len());
    let fingerprints = pages.iter().map(|o| o.fp).collect();
    produced.par_extend(
        pages
            .into_par_iter()
            .zip(plan.pages().par_iter())
            .map(|(o, page)| Recorded {
                path: page.route().output_path(),
                stamp: o.stamp,
                hash: o.hash,
                made_from: o.made_from,
            }),
    );
    produced.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
    fingerprints
}

/// What the last build recorded of the output, as far as this build may
/// reuse it.
struct Record<'m> {
    known: Option<&'m (Manifest, Verified)>,
    /// Whether pages were made with what this build makes them with.
    same_key: bool,
    /// When the output was checked against it.
    checked: crate::fsx::Horizon,
}

impl<'m> Record<'m> {
    fn new(
        known: Option<&'m (Manifest, Verified)>,
        key: u64,
        checked: crate::fsx::Horizon,
        notes: &mut Vec<String>,
        output: &Path,
    ) -> Self {
        let same_key = known.is_some_and(|(m, _)| m.key == key);
        if let Some((m, v)) = known {
            if m.key != key {
                notes.push(
                    "dateline, site.yaml or the build's options changed since the last build: \
                     rendering every page"
                        .to_string(),
                );
            }
            if v.changed + v.strays.len() > 0 {
                notes.push(format!(
                    "{} changed in {} since the last build (by hand, or by a build that did \
                     not finish): compared with a clean build",
                    match (v.changed, v.strays.len()) {
                        (c, 0) => format!("{c} file(s)"),
                        (0, s) => format!("{s} unknown file(s)"),
                        (c, s) => format!("{c} file(s) and {s} unknown file(s)"),
                    },
                    output.display()
                ));
            }
        }
        Record {
            known,
            same_key,
            checked,
        }
    }

    /// The entry of the file at `rel` if the file is as recorded.
    fn trusted(&self, rel: &str) -> Option<&'m Entry> {
        let (m, v) = self.known?;
        let i = m
            .files
            .binary_search_by(|e| e.path.as_str().cmp(rel))
            .ok()?;
        v.same[i].then(|| &m.files[i])
    }

    /// The kept stamp of the file at `rel`, if it holds the bytes of `hash`.
    fn same(&self, rel: &str, hash: u64) -> Option<Known> {
        self.trusted(rel)
            .filter(|e| e.hash == hash)
            .map(|e| Known::Checked(e.stamp, self.checked))
    }

    /// The records of the files under `dir` made from `made_from`, if there
    /// are any and every one is as recorded (so none need be made).
    fn kept_files(&self, dir: &str, made_from: u64) -> Option<Vec<Recorded>> {
        let (m, v) = self.known.filter(|_| self.same_key)?;
        let start = m.files.partition_point(|e| e.path.as_str() < dir);
        let mut out = Vec::new();
        for (i, e) in m.files.iter().enumerate().skip(start) {
            if !e.path.starts_with(dir) {
                break;
            }
            if e.made_from != made_from {
                continue;
            }
            if !v.same[i] {
                return None;
            }
            out.push(Recorded {
                path: e.path.clone(),
                stamp: Known::Checked(e.stamp, self.checked),
                hash: e.hash,
                made_from,
            });
        }
        (!out.is_empty()).then_some(out)
    }

    /// The entry of the page at `rel`, if it is as recorded and was made
    /// from what it is made from now (so need not be rendered).
    fn kept_page(&self, rel: &str, made_from: u64) -> Option<&'m Entry> {
        if !self.same_key {
            return None;
        }
        self.trusted(rel).filter(|e| e.made_from == made_from)
    }
}

/// What every page is made with besides its own inputs: this dateline (its
/// version and its very binary), the configuration (with the options that
/// change it) and the options that change how stories read.
fn build_key(config: &Config, opts: &BuildOptions) -> u64 {
    views::hash_one(&(
        exe_identity(),
        format!("{config:?}"),
        opts.drafts,
        opts.lossy,
        &opts.root,
    ))
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
    render_unless(views, renderer, pages, |_, _| None, sink)
}

/// [`render_each`], except for the pages that `keep` keeps from their
/// fingerprint: they are not rendered, and `keep`'s value is theirs.
pub(crate) fn render_unless<T: Send>(
    views: &Views<'_>,
    renderer: &Renderer,
    pages: impl IndexedParallelIterator<Item = usize>,
    keep: impl Fn(&Page, u64) -> Option<T> + Sync,
    sink: impl Fn(&Page, &str, u64) -> Result<T, IoError> + Sync,
) -> Rendered<T> {
    let plan_pages = views.plan().pages();
    // Failures go aside (they are rare), so that what is collected is the
    // sink's values themselves, kept in place below: for a large archive,
    // collecting results and then moving the values out of them had held
    // two lists of every page at once.
    let failed: Mutex<Vec<(usize, PageError)>> = Mutex::new(Vec::new());
    let results: Vec<Option<T>> = pages
        .enumerate()
        .map(|(k, i)| {
            let page = &plan_pages[i];
            let ctx = views.context(i);
            let fp = views::fingerprint(&ctx);
            if let Some(kept) = keep(page, fp) {
                return Some(kept);
            }
            let made = renderer
                .render(views, page, &ctx)
                .map_err(PageError::Render)
                .and_then(|html| sink(page, &html, fp).map_err(PageError::Io));
            match made {
                Ok(t) => Some(t),
                Err(e) => {
                    failed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((k, e));
                    None
                }
            }
        })
        .collect();
    let mut failed = failed
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // In the order of `pages`, as if they had failed one after another.
    failed.sort_unstable_by_key(|&(k, _)| k);
    // `filter_map` (not `flatten`, which the standard library does not
    // collect in place) reuses the results' memory for the values.
    #[allow(clippy::filter_map_identity)]
    let ok: Vec<T> = results.into_iter().filter_map(|t| t).collect();
    let mut done = Rendered {
        ok,
        errors: Diagnostics::new(),
        io: None,
        stats: RenderStats::default(),
    };
    for (_, e) in failed {
        match e {
            PageError::Render(d) => done.errors.push(d),
            PageError::Io(e) => done.io = done.io.or(Some(e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_not_produced_is_found_in_one_pass() {
        let existing: Vec<Cow<'_, str>> = ["a", "b", "c/x", "c/y", "d"]
            .into_iter()
            .map(Cow::Borrowed)
            .collect();
        let produced: Vec<Recorded> = ["b", "c/x", "c0", "e"]
            .into_iter()
            .map(|p| Recorded {
                path: p.to_string(),
                stamp: Known::Unknown,
                hash: 0,
                made_from: 0,
            })
            .collect();
        let gone: Vec<&str> = not_produced(&existing, &produced).collect();
        assert_eq!(gone, ["a", "c/y", "d"]);
        assert_eq!(not_produced(&existing, &[]).count(), 5);
    }

    #[test]
    fn a_build_that_updates_its_own_output_says_so_first() {
        use std::sync::Mutex;
        use std::thread::ThreadId;
        // Builds of other tests call the hook too, each on its own thread.
        static CALLED_ON: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());
        fn hook() {
            let mut called = CALLED_ON.lock().unwrap_or_else(|e| e.into_inner());
            called.push(std::thread::current().id());
        }
        on_update(hook);
        let here = || {
            let called = CALLED_ON.lock().unwrap_or_else(|e| e.into_inner());
            called
                .iter()
                .filter(|t| **t == std::thread::current().id())
                .count()
        };
        let t = tempfile::tempdir().unwrap();
        let story = t.path().join("content/a.md");
        let text = "---\ntitle: A\ndate: 2017-07-03 10:00:00\n---\nOne.\n";
        crate::fsx::write(&story, text.as_bytes()).unwrap();
        crate::fsx::write(&t.path().join("site.yaml"), b"title: T\n").unwrap();
        let opts = BuildOptions::new(t.path());
        build(&opts, &crate::progress::Quiet).unwrap();
        assert_eq!(here(), 0, "a first build updates nothing");
        crate::fsx::write(&story, format!("{text}Two.\n").as_bytes()).unwrap();
        build(&opts, &crate::progress::Quiet).unwrap();
        assert_eq!(here(), 1);
        let clean = BuildOptions {
            clean: true,
            ..BuildOptions::new(t.path())
        };
        build(&clean, &crate::progress::Quiet).unwrap();
        assert_eq!(here(), 1, "--clean updates nothing");
    }

    #[test]
    fn timings_show_each_stage_and_the_peak_memory_when_it_grew() {
        let stage = |name, ms, mb: Option<u64>| Stage {
            name,
            time: Duration::from_micros(ms),
            peak_rss: mb.map(|m| m << 20),
        };
        let t = Timings {
            stages: vec![
                stage("load stories", 1500, Some(40)),
                stage("assemble model", 250, Some(40)),
                stage("render", 12_000, Some(52)),
                stage("record", 100, None),
            ],
        };
        assert_eq!(
            t.to_string(),
            "       1.5 ms  load stories  (peak memory 40 MB)\n       0.2 ms  assemble model\n      \
             12.0 ms  render  (peak memory 52 MB)\n       0.1 ms  record\n"
        );
        #[cfg(target_os = "linux")]
        assert!(peak_rss().is_some_and(|b| b > 1 << 20));
    }
}
