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

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dateline::build::{prepare, render_all, BuildOptions};
use dateline::config::Config;
use dateline::load::{self, LoadOptions};
use dateline::model::Site;
use dateline::progress::Quiet;
use dateline::render::context::Views;

fn stages(c: &mut Criterion) {
    let n = common::stories(2000);
    let (dir, site) = common::corpus(n);
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
    // What a rebuild's general path does to every page, rendering none.
    g.bench_function("fingerprint every page", |b| {
        b.iter(|| {
            let bodies = prepared.bodies();
            let views = Views::new(&prepared.site, &bodies);
            let plan = &prepared.plan;
            black_box(
                plan.pages
                    .iter()
                    .map(|p| views.fingerprint(plan, p))
                    .fold(0u64, u64::wrapping_add),
            )
        })
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
