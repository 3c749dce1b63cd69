//! Stage benchmarks on a generated archive (stable toolchain, criterion):
//!
//! ```sh
//! cargo bench --bench build                      # 2,000 stories
//! DATELINE_BENCH_STORIES=10000 cargo bench --bench build
//! ```
//!
//! - `prepare`: read `site.yaml` and the templates, walk `content/`, parse
//!   every story, assemble the model and plan the pages
//!   (`dateline build --timings` splits it by stage);
//! - `fingerprint every page`: what a rebuild's general path does to each
//!   page (its context built and hashed), rendering none;
//! - `render every page to memory`: contexts built, fingerprinted and
//!   rendered, nothing written;
//! - `full build`: all of it, written into a staging folder and swapped in
//!   (`--clean`);
//! - `build over its output, nothing changed`: every page rendered and
//!   compared with the file there, none written.
//!
//! The corpus goes to /dev/shm when it exists, so the figures are the
//! engine's, not the disk's. `benches/compare.sh` compares whole builds with
//! Hugo and the `cp -r` floor.

use std::hint::black_box;

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use dateline::{prepare, BuildOptions, Quiet};

fn stages(c: &mut Criterion) {
    let n = common::stories(2000);
    let (dir, site) = common::corpus(n);
    let opts = BuildOptions {
        output: Some(dir.path().join("public")),
        ..BuildOptions::new(&site)
    };
    let prepared = prepare(&opts, &Quiet).expect("prepare");

    let mut g = c.benchmark_group(format!("{n} stories"));
    g.sample_size(10);
    g.bench_function("prepare: load, assemble, plan", |b| {
        b.iter(|| black_box(prepare(&opts, &Quiet).expect("prepare")))
    });
    g.bench_function("fingerprint every page", |b| {
        b.iter(|| black_box(prepared.fingerprint_pages()))
    });
    g.bench_function("render: every page to memory", |b| {
        b.iter(|| black_box(prepared.render_to_memory().expect("render")))
    });
    let clean = BuildOptions {
        clean: true,
        ..opts.clone()
    };
    g.bench_function("full build (write, swap in)", |b| {
        b.iter(|| black_box(dateline::build(&clean, &Quiet).expect("build")))
    });
    // Over its own output, nothing changed: every page rendered and
    // compared, none written.
    dateline::build(&opts, &Quiet).expect("build");
    g.bench_function("build over its output, nothing changed", |b| {
        b.iter(|| black_box(dateline::build(&opts, &Quiet).expect("build")))
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
