//! Setup shared by the benchmarks: a generated corpus on /dev/shm when it
//! exists (so figures are the engine's, not the disk's), sized by
//! `DATELINE_BENCH_STORIES`.

use std::path::{Path, PathBuf};

use dateline_corpus::{generate, CorpusOptions, StoryFormat};

/// `DATELINE_BENCH_STORIES`, or `default`.
pub(crate) fn stories(default: usize) -> usize {
    std::env::var("DATELINE_BENCH_STORIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A temporary folder holding a generated site of `n` stories in `site/`.
#[allow(dead_code)] // not every bench reads every format
pub(crate) fn corpus(n: usize) -> (tempfile::TempDir, PathBuf) {
    corpus_with(&CorpusOptions {
        stories: n,
        ..CorpusOptions::default()
    })
}

/// The same `n` stories written in `format` (no `.txt`), in `site/`.
#[allow(dead_code)] // not every bench reads every format
pub(crate) fn corpus_as(n: usize, format: StoryFormat) -> (tempfile::TempDir, PathBuf) {
    corpus_with(&CorpusOptions {
        stories: n,
        txt_fraction: 0.0,
        format,
        ..CorpusOptions::default()
    })
}

fn corpus_with(opts: &CorpusOptions) -> (tempfile::TempDir, PathBuf) {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir in /dev/shm")
    } else {
        tempfile::tempdir().expect("temp dir")
    };
    let site = dir.path().join("site");
    generate(&site, opts).expect("generate corpus");
    (dir, site)
}
