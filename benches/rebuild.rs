//! Rebuild benchmarks (criterion) on a generated archive:
//!
//! ```sh
//! cargo bench --bench rebuild                         # 10,000 stories
//! DATELINE_BENCH_STORIES=100000 cargo bench --bench rebuild
//! ```
//!
//! - `one story edited`: from the change batch to its pages written
//!   (`Session::apply`), alternating two versions of one story's body;
//! - `headline edited`: the same with a listing field changed;
//! - `keyword added`: a keyword added to one story and removed again (the
//!   general path: model re-assembled, every page fingerprinted);
//! - `newest story added or removed`: a story filed after the newest one,
//!   then withdrawn (the general path; its listings' landing pages change);
//! - `new version filed or withdrawn`: a second version of one story (a
//!   new headline and text, at the story's URL), then removed again (the
//!   general path: versions merged again);
//! - `template edited`: `tag.html` changed, every keyword page rewritten;
//! - `file write to reload event`: `dateline serve` running, one story
//!   written, until the reload event reaches a subscribed client (watcher
//!   debounce included).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use dateline::{BuildOptions, ChangeSet, Quiet, Session};

/// The first Markdown story of the corpus, relative to content/.
fn a_story(site: &Path) -> String {
    walkdir::WalkDir::new(site.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "md"))
        .and_then(|e| {
            e.path()
                .strip_prefix(site.join("content"))
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .expect("a Markdown story")
}

/// Benchmarks `name`: the story file `id` (under `content/`, holding
/// `text`) filed, then withdrawn, in turn, timing `Session::apply` alone;
/// leaves it withdrawn.
fn file_and_withdraw(
    g: &mut BenchmarkGroup<'_, WallTime>,
    session: &mut Session,
    site: &Path,
    name: &str,
    id: &str,
    text: &str,
) {
    let file = site.join("content").join(id);
    std::fs::create_dir_all(file.parent().expect("folder")).expect("its folder");
    let filed = ChangeSet {
        stories_changed: [id.to_string()].into_iter().collect(),
        ..ChangeSet::default()
    };
    let withdrawn = ChangeSet {
        stories_removed: [id.to_string()].into_iter().collect(),
        ..ChangeSet::default()
    };
    g.bench_function(name, |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let changes = if !file.exists() {
                    std::fs::write(&file, text).expect("write");
                    &filed
                } else {
                    std::fs::remove_file(&file).expect("remove");
                    &withdrawn
                };
                let t = Instant::now();
                let r = session.apply(changes).expect("rebuild");
                assert!(!r.in_place && r.written > 0, "{r:?}");
                total += t.elapsed();
            }
            total
        })
    });
    if file.exists() {
        std::fs::remove_file(&file).expect("remove");
        session.apply(&withdrawn).expect("rebuild");
    }
}

fn rebuilds(c: &mut Criterion) {
    let n = common::stories(10_000);
    let (dir, site) = common::corpus(n);
    let id = a_story(&site);
    let file = site.join("content").join(&id);
    let original = std::fs::read_to_string(&file).expect("story");
    let opts = BuildOptions {
        output: Some(dir.path().join("public")),
        ..BuildOptions::new(&site)
    };
    let (mut session, _) = Session::start(opts, &Quiet).expect("initial build");
    let changed = ChangeSet {
        stories_changed: [id.clone()].into_iter().collect(),
        ..ChangeSet::default()
    };

    let mut g = c.benchmark_group(format!("{n} stories"));
    g.sample_size(10);
    let tpl_dir = site.join("templates");
    std::fs::create_dir_all(&tpl_dir).expect("templates/");
    let tag = dateline::DEFAULT_TEMPLATES
        .iter()
        .find(|(n, _)| *n == "tag.html")
        .map(|(_, t)| *t)
        .expect("tag.html");
    let tpl_changed = ChangeSet {
        templates: ["tag.html".to_string()].into_iter().collect(),
        ..ChangeSet::default()
    };
    // Each sample alternates between two versions of one file and times
    // only `Session::apply`.
    type Edit<'a> = (&'a str, &'a Path, String, String, &'a ChangeSet);
    let edits: [Edit; 4] = [
        (
            "one story edited",
            &file,
            format!("{original}\nAn added paragraph.\n"),
            original.clone(),
            &changed,
        ),
        (
            "headline edited",
            &file,
            original.replacen("title: \"", "title: \"Updated: ", 1),
            original.clone(),
            &changed,
        ),
        (
            "keyword added (general path)",
            &file,
            original.replacen("keywords: [", "keywords: [bench-keyword, ", 1),
            original.clone(),
            &changed,
        ),
        (
            "template edited (tag.html)",
            &tpl_dir.join("tag.html"),
            tag.replace("<h1>", "<h1 class=\"kw\">"),
            tag.to_string(),
            &tpl_changed,
        ),
    ];
    let mut flip = false;
    for (name, path, a, b, changes) in &edits {
        g.bench_function(*name, |bench| {
            bench.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    flip = !flip;
                    std::fs::write(path, if flip { a } else { b }).expect("write");
                    let t = Instant::now();
                    session.apply(changes).expect("rebuild");
                    total += t.elapsed();
                }
                total
            })
        });
    }
    // A story filed a minute after the newest one, then withdrawn: the
    // landing pages of its listings change (with `pagination:
    // newest_first`, every home page would shift by one story).
    let date = session.newest_date().expect("a story") + chrono::Duration::minutes(1);
    let story = format!(
        "---\ntitle: Just in\ndate: {}\nkeywords: [trade]\n---\nBREAKING -- A story just in.\n",
        date.to_rfc3339()
    );
    file_and_withdraw(
        &mut g,
        &mut session,
        &site,
        "newest story added or removed (general path)",
        "zz-bench/just-in.md",
        &story,
    );
    // A new version of the first story (its id is its path), filed after
    // every story, then withdrawn: its page, listings and feeds change.
    let version = format!(
        "---\ntitle: Updated headline\ndate: {}\nid: {id}\n---\nThe story as it develops.\n",
        date.to_rfc3339()
    );
    file_and_withdraw(
        &mut g,
        &mut session,
        &site,
        "new version filed or withdrawn (general path)",
        "zz-bench/new-version.md",
        &version,
    );
    std::fs::remove_dir_all(&tpl_dir).expect("remove templates/");
    std::fs::write(&file, &original).expect("restore story");
    drop(session);

    // The whole loop, through the real binary and a real HTTP client.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["serve", "--port", "0", "--root"])
        .arg(&site)
        // Its build folder goes with the corpus.
        .env("TMPDIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("URL line");
    let addr = line
        .trim()
        .trim_start_matches("Serving http://")
        .trim_end_matches('/')
        .to_string();
    line.clear();
    out.read_line(&mut line).expect("build line");
    let mut sse = TcpStream::connect(&addr).expect("connect");
    write!(
        sse,
        "GET /__dateline/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .expect("subscribe");
    let mut events = BufReader::new(sse);
    g.bench_function("file write to reload event", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                flip = !flip;
                let text = if flip {
                    format!("{original}\nAn added paragraph.\n")
                } else {
                    original.clone()
                };
                let t = Instant::now();
                std::fs::write(&file, text).expect("write story");
                let mut l = String::new();
                loop {
                    l.clear();
                    events.read_line(&mut l).expect("event");
                    if l.starts_with("event: reload") {
                        break;
                    }
                }
                total += t.elapsed();
                // Let the watcher go quiet so each sample is one batch.
                std::thread::sleep(Duration::from_millis(60));
            }
            total
        })
    });
    g.finish();
    let _ = child.kill();
    let _ = child.wait();
}

criterion_group!(benches, rebuilds);
criterion_main!(benches);
