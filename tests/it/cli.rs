//! `init`, `new`, `check` and the build summary.

use crate::harness::SiteTest;

#[test]
fn build_prints_one_summary_line() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01\nkeywords: [x]", "x\n");
    let run = t.build(&[]);
    run.assert_ok();
    let out = run.stdout();
    assert_eq!(out.lines().count(), 1, "{out}");
    // 1 story: article, home, year, month, day, tags, tag, tag feed, feed,
    // 404, search, sitemap.
    assert!(
        out.starts_with("Built 1 story into 12 pages and 1 static file in "),
        "{out}"
    );
    assert!(out.trim_end().ends_with("public"), "{out}");
}

#[test]
fn init_writes_a_site_that_builds() {
    let t = SiteTest::basic();
    let run = t.run(&["init", "fresh"]);
    run.assert_ok();
    assert!(t.path("fresh/templates/article.html").exists());
    assert!(t.path("fresh/static/style.css").exists());
    let build = t.run(&["build", "--root", "fresh"]);
    build.assert_ok();
    assert!(build.stdout().starts_with("Built 1 story into "));
    assert!(t.path("fresh/public/index.html").exists());
    t.run(&["check", "--root", "fresh"]).assert_ok();
    // Refuses a folder that is not empty.
    let again = t.run(&["init", "fresh"]);
    again.assert_fails();
    assert!(again.stderr().contains("is not empty"));
}

#[test]
fn new_writes_a_draft_story_that_builds() {
    let t = SiteTest::basic();
    let run = t.run(&[
        "new",
        "Quake hits \"coast\": 5 dead",
        "--date",
        "2021-06-01 08:00:00",
    ]);
    run.assert_ok();
    assert_eq!(
        run.stdout(),
        "Wrote content/2021/06/01/quake-hits-coast-5-dead.md (a draft: remove `draft: true` to publish)\n"
    );
    let path = t.path("content/2021/06/01/quake-hits-coast-5-dead.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("title: \"Quake hits \\\"coast\\\": 5 dead\""),
        "{text}"
    );
    assert!(text.contains("date: 2021-06-01 08:00:00 +08:00"));
    assert!(text.contains("draft: true"));
    t.build(&[]).assert_ok();
    assert!(!t.exists("2021/06/01/quake-hits-coast-5-dead/index.html"));
    t.build(&["--drafts"]).assert_ok();
    assert!(t
        .read("2021/06/01/quake-hits-coast-5-dead/index.html")
        .contains("Quake hits &quot;coast&quot;: 5 dead"));
    // The same headline on the same day would collide: refused.
    let again = t.run(&[
        "new",
        "Quake hits coast: 5 dead",
        "--date",
        "2021-06-01 09:00:00",
    ]);
    again.assert_fails();
    assert!(
        again
            .stderr()
            .contains("already publishes /2021/06/01/quake-hits-coast-5-dead/"),
        "{}",
        again.stderr()
    );
    t.run(&[
        "new",
        "Quake hits coast: 5 dead",
        "--date",
        "2021-06-01 09:00:00",
        "--slug",
        "quake-update",
    ])
    .assert_ok();
    assert!(t.path("content/2021/06/01/quake-update.md").exists());
}

#[test]
fn check_reports_broken_links_and_writes_nothing() {
    let t = SiteTest::basic();
    t.story(
        "a.md",
        "title: A\ndate: 2020-01-01",
        "See [the old page](/2019/01/01/gone/) and [elsewhere](https://example.com/).\n",
    );
    let run = t.run(&["check"]);
    run.assert_fails();
    let err = run.stderr();
    assert!(
        err.contains("/2020/01/01/a/: error: broken link `/2019/01/01/gone/`: expected a page or file of this site"),
        "{err}"
    );
    assert!(!err.contains("example.com"));
    assert!(!t.path("public").exists(), "check writes nothing");

    t.story(
        "a.md",
        "title: A\ndate: 2020-01-01",
        "See [home](/) and [tags](/tags/).\n",
    );
    let ok = t.run(&["check"]);
    ok.assert_ok();
    assert!(
        ok.stdout().starts_with("Checked 1 story and 10 pages: "),
        "{}",
        ok.stdout()
    );
    assert!(!t.path("public").exists());
}

#[test]
fn usage_errors_exit_2() {
    let t = SiteTest::basic();
    assert_eq!(t.run(&["bild"]).code(), Some(2));
}
