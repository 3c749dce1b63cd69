//! The command line: one clap struct per command, each with a `run` that
//! only wires options to the library and prints the outcome.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::build::{self, BuildError, BuildOptions};
use crate::check;
use crate::diag::{chain, Diagnostics};
use crate::preview::{self, PreviewOptions, ServerOptions};
use crate::progress::Progress;
use crate::scaffold::{self, NewStory, ScaffoldError};

/// dateline: a static site generator for wire stories.
#[derive(Debug, Parser)]
#[command(name = "dateline", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: public/).
    Build(BuildArgs),
    /// Load, render in memory and check every internal link; write nothing.
    Check(CheckArgs),
    /// Build, serve over HTTP, watch, rebuild what changed and reload open pages.
    Serve(ServeArgs),
    /// Build, watch, and rebuild what changed into the output folder.
    Watch(WatchArgs),
    /// Write a new Markdown story with its front matter filled in.
    New(NewArgs),
    /// Write a new site from the built-in defaults.
    Init(InitArgs),
}

/// The site options every command that reads a site takes.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The site folder.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include stories marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Read invalid UTF-8 with U+FFFD replacement characters (and a warning) instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Write every link relative to its page, naming index.html, so the site also works opened from disk (file://).
    #[arg(long)]
    pub relative_links: bool,
    /// The build's clock for embargoes, instead of the system time: RFC 3339 or `YYYY-MM-DD HH:MM:SS` (UTC unless an offset is given).
    #[arg(long, value_parser = parse_now)]
    pub now: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// `--now`: a time as front matter writes one, in UTC without an offset.
fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    crate::load::dates::parse_date(s, chrono::FixedOffset::east_opt(0).expect("UTC"))
}

impl SiteArgs {
    fn options(self, output: Option<PathBuf>, base_url: Option<String>) -> BuildOptions {
        BuildOptions {
            root: self.root,
            output,
            base_url,
            drafts: self.drafts,
            lossy: self.lossy,
            relative_links: self.relative_links,
            now: self.now,
            clean: false,
        }
    }
}

/// Where a build writes, and for which URL (`build`, `watch`).
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// The output folder (default: ROOT/public).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Override base_url from site.yaml (https://host/path/ or /path/).
    #[arg(long)]
    pub base_url: Option<String>,
}

/// `dateline build`
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArgs,
    /// The output.
    #[command(flatten)]
    pub out: OutputArgs,
    /// Print the time each stage took.
    #[arg(long)]
    pub timings: bool,
    /// Build into a fresh folder swapped in whole, instead of writing only
    /// the files that change over the existing output.
    #[arg(long)]
    pub clean: bool,
    /// Write the paths this build wrote (`+ path`) and removed (`- path`)
    /// to FILE, one a line, for a deploy script.
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
}

/// `dateline check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArgs,
    /// Override base_url from site.yaml.
    #[arg(long)]
    pub base_url: Option<String>,
}

/// `dateline serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// How changes are watched.
    #[command(flatten)]
    pub watch: WatchingArgs,
}

/// `dateline watch`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArgs,
    /// The output.
    #[command(flatten)]
    pub out: OutputArgs,
    /// How changes are watched.
    #[command(flatten)]
    pub watch: WatchingArgs,
}

/// How `serve` and `watch` follow changes.
#[derive(Debug, Args)]
pub struct WatchingArgs {
    /// Poll for changes instead of native file events (network mounts, containers).
    #[arg(long)]
    pub poll: bool,
    /// Print the time each stage of every rebuild took.
    #[arg(long)]
    pub timings: bool,
}

/// `dateline new`
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The headline.
    pub title: String,
    /// The site folder.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Filing date (default: now in the site's timezone), e.g. "2017-07-03 17:57:31".
    #[arg(long)]
    pub date: Option<String>,
    /// URL slug (default: from the headline).
    #[arg(long)]
    pub slug: Option<String>,
}

/// `dateline init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the site in (must be new or empty).
    pub dir: PathBuf,
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let ok = match cli.command {
        Command::Build(a) => run_build(a),
        Command::Check(a) => run_check(a),
        Command::Serve(a) => run_preview(
            a.site.options(None, None),
            a.watch,
            Some(ServerOptions {
                bind: a.bind,
                port: a.port,
            }),
        ),
        Command::Watch(a) => {
            run_preview(a.site.options(a.out.output, a.out.base_url), a.watch, None)
        }
        Command::New(a) => run_new(a),
        Command::Init(a) => run_init(a),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_diagnostics(ds: &Diagnostics) {
    let mut err = std::io::stderr().lock();
    for d in ds.iter() {
        let _ = writeln!(err, "{d}");
    }
}

/// Warnings a build prints before it says how many more there are (an
/// archive with hundreds of resends would otherwise bury its summary line);
/// `dateline check` lists them all.
const WARNINGS_SHOWN: usize = 20;

fn print_warnings(ds: &Diagnostics) {
    let mut err = std::io::stderr().lock();
    for d in ds.iter().take(WARNINGS_SHOWN) {
        let _ = writeln!(err, "{d}");
    }
    let more = ds.warning_count().saturating_sub(WARNINGS_SHOWN);
    if more > 0 {
        let _ = writeln!(
            err,
            "warning: {more} more warnings; `dateline check` lists them all"
        );
    }
}

fn report_failure(e: &BuildError, what: &str) {
    match e {
        BuildError::Content(ds) => {
            print_diagnostics(ds);
            let files: std::collections::BTreeSet<_> = ds
                .iter()
                .filter(|d| d.is_error())
                .map(|d| &d.path)
                .collect();
            eprintln!(
                "error: {what} failed: {} error(s) in {} file(s)",
                ds.error_count(),
                files.len()
            );
        }
        BuildError::Io(io) => eprintln!("error: {what} failed: {}", chain(io)),
    }
}

/// A progress bar on stderr, shown only on a terminal and only once a
/// build has run for a second (quick builds print just their summary).
struct Bar {
    bar: ProgressBar,
    start: Instant,
    shown: AtomicBool,
    terminal: bool,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>16} [{bar:30}] {human_pos}/{human_len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn maybe_show(&self) {
        if self.terminal
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() >= Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: usize) {
        self.bar.set_message(name);
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        self.maybe_show();
    }
    fn advance(&self, n: usize) {
        self.bar.inc(n as u64);
        self.maybe_show();
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `1.23 s` or `45 ms`.
fn human(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn run_build(a: BuildArgs) -> bool {
    let opts = BuildOptions {
        clean: a.clean,
        ..a.site.options(a.out.output, a.out.base_url)
    };
    let progress = Bar::new();
    match build::build(&opts, &progress) {
        Ok(r) => {
            print_warnings(&r.warnings);
            for n in &r.notes {
                eprintln!("note: {n}");
            }
            if a.timings {
                eprint!("{}", r.timings);
                eprintln!("{:>10} story files parsed", r.parsed);
                eprintln!("{:>10} pages rendered", r.rendered);
                eprintln!("{:>10} stories indexed for search", r.indexed);
            }
            println!(
                "Built {} into {} and {} in {} ({}) -> {}",
                plural(r.articles, "story", "stories"),
                plural(r.pages, "page", "pages"),
                plural(r.static_files, "static file", "static files"),
                human(r.elapsed),
                r.changes,
                r.output.display()
            );
            if !r.skipped.is_empty() {
                println!("{} (not text)", r.skipped);
            }
            if !r.held.is_empty() {
                println!("{}", r.held);
            }
            if !r.unpublished.is_empty() {
                println!("{}", r.unpublished);
            }
            if let Some(file) = &a.changes {
                if let Err(e) = std::fs::write(file, r.changes.listing()) {
                    eprintln!("error: writing the change list {}: {e}", file.display());
                    return false;
                }
            }
            true
        }
        Err(e) => {
            report_failure(&e, "build");
            eprintln!("note: {} was left as it was", opts.output_dir().display());
            false
        }
    }
}

fn run_check(a: CheckArgs) -> bool {
    let opts = a.site.options(None, a.base_url);
    let start = std::time::Instant::now();
    match check::check(&opts) {
        Ok(r) => {
            print_diagnostics(&r.warnings);
            println!(
                "Checked {} and {}: {} resolve, in {}",
                plural(r.articles, "story", "stories"),
                plural(r.pages, "page", "pages"),
                plural(r.links, "internal link", "internal links"),
                human(start.elapsed())
            );
            if !r.skipped.is_empty() {
                println!("{} (not text)", r.skipped);
            }
            if !r.held.is_empty() {
                println!("{}", r.held);
            }
            if !r.unpublished.is_empty() {
                println!("{}", r.unpublished);
            }
            true
        }
        Err(e) => {
            report_failure(&e, "check");
            false
        }
    }
}

fn run_preview(build: BuildOptions, watch: WatchingArgs, server: Option<ServerOptions>) -> bool {
    let opts = PreviewOptions {
        build,
        poll: watch.poll,
        timings: watch.timings,
        server,
    };
    match preview::run(opts, &Bar::new()) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            false
        }
    }
}

fn scaffold_failure(e: ScaffoldError) -> bool {
    match e {
        ScaffoldError::Content(ds) => print_diagnostics(&ds),
        other => eprintln!("error: {}", chain(&other)),
    }
    false
}

fn run_new(a: NewArgs) -> bool {
    let opts = NewStory {
        root: a.root,
        title: a.title,
        date: a.date,
        slug: a.slug,
    };
    match scaffold::new_story(&opts) {
        Ok(path) => {
            // `content/...`, not `./content/...`, when the site is here.
            let shown = path.strip_prefix(".").unwrap_or(&path);
            println!(
                "Wrote {} (a draft: remove `draft: true` to publish)",
                shown.display()
            );
            true
        }
        Err(e) => scaffold_failure(e),
    }
}

fn run_init(a: InitArgs) -> bool {
    match scaffold::init(&a.dir) {
        Ok(files) => {
            println!(
                "Created a site in {} ({}). Next: cd {} && dateline build",
                a.dir.display(),
                plural(files.len(), "file", "files"),
                a.dir.display()
            );
            true
        }
        Err(e) => scaffold_failure(e),
    }
}
