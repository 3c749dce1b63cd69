//! What reading each story format costs, per story (stable toolchain,
//! criterion):
//!
//! ```sh
//! cargo bench --bench formats                      # 2,000 stories a format
//! DATELINE_BENCH_STORIES=10000 cargo bench --bench formats
//! ```
//!
//! The same generated stories are written as Markdown, NewsML-G2 (NITF
//! inside, some several to a message, picture items besides), NITF and
//! ninjs (1.x, 2.x and 3.x, some in `.jsonl` dumps), and each is loaded as
//! a build loads it: read, parsed, mapped to the model, bodies rendered and
//! spooled, on every core. What is timed is the build's own "load stories"
//! stage (the walk, the model and the plan are the same for every format);
//! criterion's throughput line gives stories per second, the time line the
//! cost of the whole corpus. `benches/formats.sh` times whole builds of
//! 100,000 stories per format, with their peak memory.

use std::time::Duration;

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dateline::{prepare, BuildOptions, Quiet};
use dateline_corpus::StoryFormat;

fn load(c: &mut Criterion) {
    let n = common::stories(2000);
    let mut g = c.benchmark_group(format!("load {n} stories"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, format) in [
        ("markdown", StoryFormat::Markdown),
        ("newsml-g2", StoryFormat::NewsMl),
        ("nitf", StoryFormat::Nitf),
        ("ninjs", StoryFormat::Ninjs),
    ] {
        let (_dir, site) = common::corpus_as(n, format);
        let opts = BuildOptions::new(&site);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let p = prepare(&opts, &Quiet).expect("prepare");
                        assert_eq!(p.stories(), n);
                        p.timings()
                            .stages
                            .iter()
                            .find(|s| s.name == "load stories")
                            .map(|s| s.time)
                            .expect("a load stage")
                    })
                    .sum::<Duration>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
