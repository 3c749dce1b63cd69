//! Search at scale: issue 13's figures, on a generated archive, in headless
//! Chromium (README "Search").
//!
//! ```sh
//! cargo bench --bench search                          # 100,000 stories
//! DATELINE_BENCH_STORIES=10000 cargo bench --bench search
//! ```
//!
//! Builds the archive (on /dev/shm when it exists) with `--clean`, with
//! search on and with `search: false` in turn, `RUNS` times each (default
//! 3), under GNU time (`/usr/bin/time`: wall time, peak RSS), and prints
//! the medians: the builds, the index stage's time from `--timings`, the
//! index's size against the archive's HTML, and the files it adds. Then it opens `/search/` in Chromium over HTTP (a static file
//! server in this process) and from `file://` (a `relative_links` build),
//! and for each query, on a fresh page: types it, times from the last
//! keystroke to the first result shown, and adds up the bytes of every file
//! the page loaded (the page, stylesheet and engine included). The queries:
//! the archive's most common word, a rare word (a score of stories spread
//! over the years: one story file each), and two common words with the most
//! used keyword as a filter.
//!
//! Needs Chromium (`apt-get install -y chromium`) and GNU time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/it/devtools.rs"]
mod devtools;

/// One build: wall time (s), peak RSS (MB), the index stage (s), its files.
struct Built {
    wall: f64,
    rss_mb: f64,
    index_s: f64,
    files: usize,
}

fn build(site: &Path, out: &Path, extra_yaml: &str) -> Built {
    let yaml = std::fs::read_to_string(site.join("site.yaml")).unwrap();
    let base = yaml
        .lines()
        .filter(|l| !l.starts_with("search:") && !l.starts_with("relative_links:"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(site.join("site.yaml"), format!("{base}\n{extra_yaml}")).unwrap();
    let times = out.with_extension("time");
    let run = Command::new("/usr/bin/time")
        .args(["-f", "%e %M", "-o"])
        .arg(&times)
        .arg(env!("CARGO_BIN_EXE_dateline"))
        .args([
            "build",
            "--clean",
            "--timings",
            "--now",
            "2026-12-01T00:00:00Z",
            "--output",
        ])
        .arg(out)
        .current_dir(site)
        .output()
        .expect("run dateline under /usr/bin/time (apt-get install -y time)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let t = std::fs::read_to_string(&times).unwrap();
    let mut it = t.split_whitespace();
    let wall: f64 = it.next().unwrap().parse().unwrap();
    let rss_kb: f64 = it.next().unwrap().parse().unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    let index_ms: f64 = err
        .lines()
        .find(|l| l.ends_with("index for search"))
        .and_then(|l| l.split_whitespace().next())
        .map_or(0.0, |ms| ms.parse().unwrap());
    Built {
        wall,
        rss_mb: rss_kb / 1024.0,
        index_s: index_ms / 1000.0,
        files: files_under(out).len(),
    }
}

/// The build of median wall time, with the median index stage and RSS.
fn median(mut runs: Vec<Built>) -> Built {
    let mid = runs.len() / 2;
    let mut index: Vec<f64> = runs.iter().map(|b| b.index_s).collect();
    let mut rss: Vec<f64> = runs.iter().map(|b| b.rss_mb).collect();
    index.sort_by(f64::total_cmp);
    rss.sort_by(f64::total_cmp);
    runs.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    let mut m = runs.swap_remove(mid);
    m.index_s = index[mid];
    m.rss_mb = rss[mid];
    m
}

fn files_under(dir: &Path) -> Vec<(String, u64)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, e.metadata().unwrap().len())
        })
        .collect()
}

/// Serves `dir` over HTTP on a free port, in a thread; returns its address.
fn serve(dir: PathBuf) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = server.server_addr().to_ip().unwrap().to_string();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let path = req
                .url()
                .split('?')
                .next()
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            let mut file = dir.join(&path);
            if file.is_dir() || path.is_empty() {
                file = file.join("index.html");
            }
            let reply = match std::fs::read(&file) {
                Ok(bytes) => {
                    let kind = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("js") => "text/javascript; charset=utf-8",
                        Some("css") => "text/css",
                        _ => "application/octet-stream",
                    };
                    tiny_http::Response::from_data(bytes).with_header(
                        tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes())
                            .unwrap(),
                    )
                }
                Err(_) => {
                    tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404)
                }
            };
            let _ = req.respond(reply);
        }
    });
    addr
}

/// The terms of the index: (term, stories), from its shards.
fn terms(out: &Path) -> Vec<(String, usize)> {
    let mut out_terms = Vec::new();
    for (rel, _) in files_under(&out.join("search/t")) {
        let text = std::fs::read_to_string(out.join("search/t").join(rel)).unwrap();
        let json = &text[text.find(",{").unwrap() + 1..text.rfind("});").unwrap() + 1];
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        for (k, e) in v.as_object().unwrap() {
            if let Some(lists) = e.as_array() {
                // One character a story for all but the rarest gaps: a
                // count close enough to rank terms by.
                let n: usize = lists
                    .iter()
                    .take(3)
                    .filter_map(|l| l.as_str())
                    .map(str::len)
                    .sum();
                out_terms.push((k.clone(), n));
            }
        }
    }
    out_terms
}

/// What one query cost: time to the first result, bytes loaded, files.
struct Cost {
    ms: f64,
    bytes: u64,
    files: usize,
}

/// Opens `page_url` on a fresh page, types `query`, and measures.
fn measure(
    chromium: &devtools::Chromium,
    page_url: &str,
    query: &str,
    sizes: &BTreeMap<String, u64>,
    root_url: &str,
) -> Cost {
    let mut page = devtools::Page::open(chromium, page_url);
    page.wait_for(
        "the index",
        "(document.getElementById('search-status')||{}).textContent||''",
        |v| v.contains("stories to search") || v.contains("found"),
    );
    // Any results of the URL's own filter first, then the typed query.
    std::thread::sleep(Duration::from_millis(300));
    let q = serde_json::to_string(query).unwrap();
    let ms = page.eval_await(&format!(
        "new Promise(done => {{
            const ol = document.getElementById('search-results');
            ol.textContent = '';
            const q = document.getElementById('q');
            const obs = new MutationObserver(() => {{
                if (ol.children.length) {{ obs.disconnect(); done(performance.now() - t0); }}
            }});
            obs.observe(ol, {{ childList: true }});
            q.value = {q};
            const t0 = performance.now();
            q.dispatchEvent(new Event('input'));
        }})"
    ));
    std::thread::sleep(Duration::from_millis(200));
    // What the page loaded: itself, its stylesheets, and its scripts (the
    // engine adds one for each index file it loads; resource timing
    // leaves out `file://`).
    let loaded = page.eval_await(
        "Promise.resolve([location.href.split('?')[0]]
            .concat(Array.from(document.querySelectorAll('link[rel=stylesheet]')).map(l => l.href))
            .concat(Array.from(document.scripts).map(s => s.src).filter(Boolean)))",
    );
    let mut bytes = 0;
    let mut files = 0;
    for url in loaded.as_array().unwrap() {
        let url = url.as_str().unwrap();
        let Some(rel) = url.strip_prefix(root_url) else {
            continue;
        };
        let rel = rel.split('?').next().unwrap();
        let rel = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        if let Some(n) = sizes.get(&rel) {
            bytes += n;
            files += 1;
        }
    }
    Cost {
        ms: ms.as_f64().unwrap_or(f64::NAN),
        bytes,
        files,
    }
}

fn main() {
    let n = common::stories(100_000);
    let (_dir, site) = common::corpus(n);
    let work = site.parent().unwrap().to_path_buf();
    println!(
        "search benchmark: {n} generated stories, site and output in {}",
        work.display()
    );

    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut ons = Vec::new();
    let mut offs = Vec::new();
    for _ in 0..runs.max(1) {
        offs.push(build(&site, &work.join("off"), "search: false\n"));
        ons.push(build(&site, &work.join("on"), ""));
    }
    let (on, off) = (median(ons), median(offs));
    let out = work.join("on");
    let all = files_under(&out);
    let html: u64 = all
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(_, n)| n)
        .sum();
    let index: Vec<&(String, u64)> = all
        .iter()
        .filter(|(p, _)| p.starts_with("search/") && p.ends_with(".js"))
        .collect();
    let index_bytes: u64 = index.iter().map(|(_, n)| n).sum();
    println!();
    println!("| figure | value | target |");
    println!("|---|---|---|");
    println!(
        "| build with search (`--clean`, median of {runs}) | {:.2} s, {:.0} MB | RSS under 400 MB |",
        on.wall, on.rss_mb
    );
    println!(
        "| build with `search: false` | {:.2} s, {:.0} MB | |",
        off.wall, off.rss_mb
    );
    println!(
        "| index stage (`--timings`) | {:.2} s = {:.1}% of the build; the builds differ by {:.2} s | at most 20% |",
        on.index_s,
        100.0 * on.index_s / on.wall,
        on.wall - off.wall
    );
    println!(
        "| index on disk | {:.1} MB = {:.1}% of {:.0} MB of HTML | under 40% |",
        index_bytes as f64 / 1e6,
        100.0 * index_bytes as f64 / html as f64,
        html as f64 / 1e6
    );
    println!(
        "| files added | {} = {:.2}% of {} | under 5% |",
        on.files - off.files,
        100.0 * (on.files - off.files) as f64 / on.files as f64,
        on.files
    );

    // The queries.
    let mut ranked = terms(&out);
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let words: Vec<&(String, usize)> = ranked.iter().filter(|(t, _)| !t.starts_with('#')).collect();
    let common_word = words[0].0.clone();
    let second = words[1].0.clone();
    let rare = words
        .iter()
        .rev()
        .find(|(_, k)| (15..=30).contains(k))
        .map_or_else(|| words[words.len() / 2].0.clone(), |(t, _)| t.clone());
    let tags = std::fs::read_to_string(out.join("search/tags.js")).unwrap();
    let tags: serde_json::Value =
        serde_json::from_str(&tags["DatelineSearch.tags(".len()..tags.len() - 3]).unwrap();
    let top_tag = tags[0][1].as_str().unwrap().to_string();

    let chromium = devtools::chromium();
    let sizes: BTreeMap<String, u64> = all.into_iter().collect();
    let addr = serve(out.clone());
    let http_root = format!("http://{addr}/");

    // From disk: the same archive with relative links.
    let disk = work.join("disk");
    build(&site, &disk, "relative_links: true\n");
    let disk_sizes: BTreeMap<String, u64> = files_under(&disk).into_iter().collect();
    let disk_root = format!("file://{}/", disk.canonicalize().unwrap().display());

    let queries = [
        (
            format!("one word, the most common (`{common_word}`)"),
            common_word.clone(),
            String::new(),
        ),
        (
            format!("one rare word (`{rare}`)"),
            rare.clone(),
            String::new(),
        ),
        (
            format!("two words and a keyword (`{common_word} {second}`, keyword `{top_tag}`)"),
            format!("{common_word} {second}"),
            format!("?keyword={top_tag}"),
        ),
    ];
    println!();
    println!("| query | over HTTP: first results, bytes loaded (files) | from disk: first results, bytes loaded (files) |");
    println!("|---|---|---|");
    for (name, typed, params) in &queries {
        let http = measure(
            &chromium,
            &format!("{http_root}search/{params}"),
            typed,
            &sizes,
            &http_root,
        );
        let file = measure(
            &chromium,
            &format!("{disk_root}search/index.html{params}"),
            typed,
            &disk_sizes,
            &disk_root,
        );
        println!(
            "| {name} | {:.0} ms, {:.0} kB ({}) | {:.0} ms, {:.0} kB ({}) |",
            http.ms,
            http.bytes as f64 / 1000.0,
            http.files,
            file.ms,
            file.bytes as f64 / 1000.0,
            file.files
        );
    }
    println!();
    println!("targets: first results under 300 ms; one word under 300 kB; two words and a keyword under 500 kB");
}
