//! Embargoes (SPEC.md "Versions, corrections, kills, embargoes"): a story
//! with an embargo time is published nowhere before it; `--now` sets the
//! build's clock, and for one `--now` the output is byte-identical.

use crate::harness::{SiteTest, SEED, SEED_URL};

const NINJS: &str = r#"{"uri":"urn:x:emb","type":"text","headline":"Rate decision","versioncreated":"2017-07-04T06:00:00Z","embargoed":"2017-07-04T08:00:00+02:00","body_text":"The bank kept its rate."}"#;

const G2: &str = r#"<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:g2emb"><itemMeta><itemClass qcode="ninat:text"/><versionCreated>2017-07-04T06:30:00Z</versionCreated><embargoed>2017-07-05T00:00:00Z</embargoed></itemMeta><contentMeta><headline>Quarterly figures</headline></contentMeta></newsItem>"#;

fn site() -> SiteTest {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.story(
        "speech.md",
        "title: Speech text\ndate: 2017-07-04 09:00:00\nembargo: 2017-07-04 12:00:00\nkeywords: [anti-terror]",
        "Under embargo until noon.\n",
    );
    t.write("content/wire/rate.json", NINJS);
    t.write("content/wire/figures.xml", G2);
    t
}

const SPEECH: &str = "2017/07/04/speech-text/";
const RATE: &str = "2017/07/04/rate-decision/";
const FIGURES: &str = "2017/07/04/quarterly-figures/";

/// Every file of the output, as text.
fn all_output(t: &SiteTest) -> String {
    SiteTest::snapshot(&t.path("public"))
        .into_values()
        .map(|b| String::from_utf8(b).unwrap())
        .collect()
}

#[test]
fn before_its_time_a_story_is_published_nowhere() {
    let t = site();
    // 01:00 UTC: before the speech (noon at +08:00, 04:00 UTC), the rate
    // decision (08:00 at +02:00, 06:00 UTC) and the figures (midnight UTC).
    let run = t.build(&["--now", "2017-07-04T01:00:00Z"]);
    run.assert_ok();
    assert!(
        run.stdout()
            .contains("\n3 stories held under embargo, the next until 2017-07-04T12:00:00+08:00\n"),
        "{}",
        run.stdout()
    );
    let out = all_output(&t);
    for held in [
        "Speech text",
        "Under embargo",
        "Rate decision",
        "Quarterly figures",
        "speech-text",
        "rate-decision",
    ] {
        assert!(!out.contains(held), "{held} published before its time");
    }
    assert!(t.exists(&format!("{SEED_URL}index.html")));

    // The same clock, the same bytes.
    let first = SiteTest::snapshot(&t.path("public"));
    t.build(&["--now", "2017-07-04T01:00:00Z"]).assert_ok();
    assert_eq!(SiteTest::snapshot(&t.path("public")), first);

    // 06:30 UTC (no offset: UTC): two are due, one is still held.
    let run = t.build(&["--now", "2017-07-04 06:30:00"]);
    run.assert_ok();
    assert!(
        run.stdout()
            .contains("\n1 story held under embargo until 2017-07-05T00:00:00+00:00\n"),
        "{}",
        run.stdout()
    );
    assert!(t
        .read(&format!("{SPEECH}index.html"))
        .contains("Under embargo until noon."));
    assert!(t
        .read(&format!("{RATE}index.html"))
        .contains("The bank kept its rate."));
    assert!(t.read("feed.xml").contains(SPEECH));
    assert!(t.read("sitemap.xml").contains(RATE));
    assert!(!t.exists(&format!("{FIGURES}index.html")));

    // After every embargo, nothing is held and nothing is said.
    let run = t.build(&["--now", "2018-01-01T00:00:00Z"]);
    run.assert_ok();
    assert!(!run.stdout().contains("embargo"), "{}", run.stdout());
    assert!(t.exists(&format!("{FIGURES}index.html")));

    // `check` holds the same stories back.
    let check = t.run(&["check", "--now", "2017-07-04T01:00:00Z"]);
    check.assert_ok();
    assert!(
        check.stdout().contains("3 stories held under embargo"),
        "{}",
        check.stdout()
    );
}

#[test]
fn without_now_the_clock_is_the_system_time() {
    let t = SiteTest::basic();
    t.story(
        "future.md",
        "title: Far future\ndate: 2017-07-04 09:00:00\nembargo: 2999-01-01 00:00:00",
        "Not yet.\n",
    );
    t.story(
        "past.md",
        "title: Long past\ndate: 2017-07-04 09:00:00\nembargo: 2017-07-04 10:00:00",
        "Out.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout()
            .contains("1 story held under embargo until 2999-01-01T00:00:00+08:00"),
        "{}",
        run.stdout()
    );
    assert!(t.exists("2017/07/04/long-past/index.html"));
    assert!(!t.exists("2017/07/04/far-future/index.html"));
}

#[test]
fn bad_embargo_times_are_errors() {
    let t = SiteTest::basic();
    t.story(
        "a.md",
        "title: A\ndate: 2017-07-04\nembargo: after lunch",
        "x\n",
    );
    t.write(
        "content/b.json",
        r#"{"uri":"urn:b","type":"text","headline":"B","versioncreated":"2017-07-04T06:00:00Z","embargoed":"soon"}"#,
    );
    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    assert!(
        err.contains("content/a.md:4: error: `embargo`: invalid date `after lunch`"),
        "{err}"
    );
    assert!(
        err.contains("content/b.json:1:1: error: item `urn:b`: embargo: "),
        "{err}"
    );
    let run = t.build(&["--now", "tomorrow"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("invalid value 'tomorrow' for '--now <NOW>'"),
        "{}",
        run.stderr()
    );
}
