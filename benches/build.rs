//! Stage benchmarks on a generated archive (stable toolchain, criterion):
//!
//! ```sh
//! cargo bench --bench build                      # 2,000 stories
//! DATELINE_BENCH_STORIES=10000 cargo bench --bench build
//! ```
//!
//! The corpus goes to /dev/shm when it exists, so the figures are the
//! engine's, not the disk's. `benches/compare.sh` compares whole builds with
//! Hugo and the `cp -r` floor.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dateline::build::{prepare, render_all, BuildOptions};
use dateline::config::Config;
use dateline::corpus::{generate, CorpusOptions};
use dateline::load::{self, LoadOptions};
use dateline::model::Site;
use dateline::progress::Quiet;

fn corpus_dir() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir in /dev/shm")
    } else {
        tempfile::tempdir().expect("temp dir")
    }
}

fn stages(c: &mut Criterion) {
    let n: usize = std::env::var("DATELINE_BENCH_STORIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let dir = corpus_dir();
    let site = dir.path().join("site");
    generate(
        &site,
        &CorpusOptions {
            stories: n,
            ..CorpusOptions::default()
        },
    )
    .expect("generate corpus");
    let opts = BuildOptions {
        output: Some(dir.path().join("public")),
        ..BuildOptions::new(&site)
    };
    let config = Config::load(&site).expect("config");
    let (articles, _) = load::load_all(&site, &config, LoadOptions::default());
    let prepared = prepare(&opts, &Quiet).expect("prepare");

    let mut g = c.benchmark_group(format!("{n} stories"));
    g.sample_size(10);
    g.bench_function("load: walk and parse", |b| {
        b.iter(|| black_box(load::load_all(&site, &config, LoadOptions::default())))
    });
    g.bench_function("model: assemble and plan", |b| {
        b.iter_batched(
            || articles.clone(),
            |a| {
                let (site, _) = Site::assemble(config.clone(), a).expect("assemble");
                black_box(dateline::plan::plan(&site))
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("render: every page to memory", |b| {
        b.iter(|| black_box(render_all(&prepared, |_, html| html.len()).expect("render")))
    });
    g.bench_function("full build (write, swap in)", |b| {
        b.iter(|| black_box(dateline::build(&opts, &Quiet).expect("build")))
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
