//! Test-sized guards for large archives: costs that must grow linearly
//! with the number of stories, counted (never timed).

use dateline::{build, BuildOptions, BuildReport, Quiet};
use dateline_corpus::{generate, CorpusOptions};

fn build_corpus(stories: usize) -> BuildReport {
    let dir = tempfile::tempdir().unwrap();
    let opts = CorpusOptions {
        stories,
        per_page: 10,
        ..CorpusOptions::default()
    };
    generate(dir.path(), &opts).unwrap();
    build(&BuildOptions::new(dir.path()), &Quiet).unwrap()
}

#[test]
fn listing_and_feed_work_grows_linearly() {
    let small = build_corpus(300);
    let large = build_corpus(600);
    for r in [&small, &large] {
        let n = r.articles;
        // A story is summarised on its home, year, month and day pages and
        // once per keyword (at most 6): never on every page of a listing.
        assert!(r.stats.listing_items >= 5 * n, "{:?}", r.stats);
        assert!(r.stats.listing_items <= 10 * n, "{:?}", r.stats);
        // Each body is rendered once, for its own page (feeds carry summaries).
        assert_eq!(r.stats.bodies, n);
    }
    let ratio = large.stats.listing_items as f64 / small.stats.listing_items as f64;
    assert!(
        ratio < 2.3,
        "listing items grew {ratio:.2}x for 2x the stories"
    );
    let pages = large.pages as f64 / small.pages as f64;
    assert!(pages < 2.3, "pages grew {pages:.2}x for 2x the stories");
}
