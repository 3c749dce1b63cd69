//! Versions, corrections, kills (SPEC.md "Versions, corrections, kills,
//! embargoes"): files with one id are versions of one story, published
//! once, at the first version's URL, with the newest text; a correction
//! shows its dated note; a kill takes the story out of every listing and
//! leaves a notice at its URL (or nothing); a withheld story waits.

use crate::harness::{count, SiteTest, SEED};

/// A NewsML-G2 item: `meta` goes into its `itemMeta`.
fn g2(version: u32, time: &str, headline: &str, body: &str, meta: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:reuters.com:20170703:quake" version="{version}" xml:lang="en">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider literal="Reuters"/>
    <firstCreated>2017-07-03T08:00:00Z</firstCreated>
    <versionCreated>{time}</versionCreated>
    {meta}
  </itemMeta>
  <contentMeta>
    <headline>{headline}</headline>
    <keyword>earthquakes</keyword>
  </contentMeta>
  <contentSet><inlineData contenttype="text/plain">{body}</inlineData></contentSet>
</newsItem>
"#
    )
}

const QUAKE: &str = "2017/07/03/quake-hits-coastal-city/";

/// The seed story and three versions of a Reuters story in three files:
/// the second a correction, the third a new headline.
fn quake_site() -> SiteTest {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.write(
        "content/reuters/quake-1.xml",
        g2(
            1,
            "2017-07-03T08:00:00Z",
            "Quake hits coastal city",
            "An earthquake struck the city at dawn.",
            "",
        ),
    );
    t.write(
        "content/reuters/quake-2.xml",
        g2(
            2,
            "2017-07-03T09:30:00Z",
            "Quake kills 12 in coastal city",
            "At least 12 people died, officials said.",
            r#"<pubStatus qcode="stat:usable"/><edNote>Corrects the number of dead to 12, not 21.</edNote><signal qcode="sig:correction"/>"#,
        ),
    );
    t.write(
        "content/reuters/quake-3.xml",
        g2(
            3,
            "2017-07-03T11:00:00Z",
            "Quake toll rises to 40",
            "The toll rose to 40 as rescuers reached the old town.",
            r#"<signal qcode="sig:update"/>"#,
        ),
    );
    t
}

#[test]
fn three_versions_are_one_story_at_the_first_url_with_the_newest_text() {
    let t = quake_site();
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().starts_with("Built 2 stories"),
        "{}",
        run.stdout()
    );
    let page = t.read(&format!("{QUAKE}index.html"));
    assert!(page.contains("<h1>Quake toll rises to 40</h1>"), "{page}");
    assert!(page.contains("<p>The toll rose to 40 as rescuers reached the old town.</p>"));
    assert!(
        !page.contains("struck the city at dawn"),
        "old text is gone"
    );
    assert!(
        page.contains("first published <time datetime=\"2017-07-03T08:00:00+00:00\">"),
        "{page}"
    );
    assert!(page.contains("updated <time datetime=\"2017-07-03T11:00:00+00:00\">"));
    // The history, oldest first.
    let history: Vec<usize> = [
        "Quake hits coastal city</li>",
        "Quake kills 12 in coastal city (correction)</li>",
        "Quake toll rises to 40</li>",
    ]
    .iter()
    .map(|h| page.find(h).unwrap_or_else(|| panic!("{h} in {page}")))
    .collect();
    assert!(history.windows(2).all(|w| w[0] < w[1]), "{history:?}");
    assert!(page.contains("<summary>3 versions</summary>"));
    assert!(
        page.contains(r#""datePublished":"2017-07-03T08:00:00+00:00""#),
        "{page}"
    );
    assert!(
        page.contains(r#""dateModified":"2017-07-03T11:00:00+00:00""#),
        "{page}"
    );
    // One URL: the later headlines have no page of their own.
    for gone in ["quake-kills-12-in-coastal-city", "quake-toll-rises-to-40"] {
        assert!(!t.exists(&format!("2017/07/03/{gone}")), "{gone}");
    }
    // Listings show the newest headline at the first URL, once.
    for listing in [
        "index.html",
        "2017/07/03/index.html",
        "tags/earthquakes/index.html",
    ] {
        let html = t.read(listing);
        assert_eq!(count(&html, &format!("href=\"/{QUAKE}\"")), 1, "{listing}");
        assert!(html.contains("Quake toll rises to 40"), "{listing}");
        assert!(!html.contains("Quake hits coastal city"), "{listing}");
    }
    // Feeds and the sitemap follow the newest version.
    let feed = t.read("feed.xml");
    let entry = &feed[feed.find("Quake toll rises to 40").unwrap()..];
    assert!(entry.contains("<published>2017-07-03T08:00:00+00:00</published>"));
    assert!(entry.contains("<updated>2017-07-03T11:00:00+00:00</updated>"));
    assert_eq!(count(&feed, "<entry"), 2);
    let sitemap = t.read("sitemap.xml");
    assert!(sitemap.contains(&format!(
        "<loc>https://news.example.org/{QUAKE}</loc><lastmod>2017-07-03T11:00:00+00:00</lastmod>"
    )));
}

#[test]
fn a_correction_shows_its_dated_note_above_the_body_in_every_format() {
    let t = quake_site();
    // ninjs: an editor's note with a correction role.
    t.write(
        "content/ap/talks.json",
        r#"{"uri":"urn:ap:talks","version":"2","type":"text","headline":"Talks resume","firstcreated":"2017-07-04T09:00:00Z","versioncreated":"2017-07-04T12:00:00Z","ednote":[{"role":"correction","value":"Corrects the venue to Geneva."}],"body_text":"The talks resumed in Geneva."}"#,
    );
    // NITF: docdata's correction.
    t.write(
        "content/afp/vote.xml",
        r#"<nitf><head><docdata><doc-id id-string="afp-vote-1"/><date.issue norm="20170705T100000Z"/><date.release norm="20170705T140000Z"/><correction info="Corrects the turnout to 61 percent."/></docdata></head><body><body.head><hedline><hl1>Vote count ends</hl1></hedline></body.head><body.content><p>Turnout was 61 percent.</p></body.content></body></nitf>"#,
    );
    // Markdown: `correction:`.
    t.story(
        "desk/fire.md",
        "title: Fire closes port\ndate: 2017-07-06 08:00:00\nupdated: 2017-07-06 10:15:00\ncorrection: An earlier version misnamed the port.",
        "The port of Ningbo closed.\n",
    );
    t.build(&[]).assert_ok();
    for (page, note, date) in [
        (
            QUAKE,
            "Corrects the number of dead to 12, not 21.",
            "2017-07-03T09:30:00+00:00",
        ),
        (
            "2017/07/04/talks-resume/",
            "Corrects the venue to Geneva.",
            "2017-07-04T12:00:00+00:00",
        ),
        (
            "2017/07/05/vote-count-ends/",
            "Corrects the turnout to 61 percent.",
            "2017-07-05T14:00:00+00:00",
        ),
        (
            "2017/07/06/fire-closes-port/",
            "An earlier version misnamed the port.",
            "2017-07-06T10:15:00+08:00",
        ),
    ] {
        let html = t.read(&format!("{page}index.html"));
        let note_at = html
            .find(&format!(
                "<strong>Correction</strong>, <time datetime=\"{date}\">"
            ))
            .unwrap_or_else(|| panic!("dated correction on {page}: {html}"));
        let text_at = html
            .find(note)
            .unwrap_or_else(|| panic!("{note} on {page}"));
        let body_at = html.find("<div class=\"body\">").unwrap();
        assert!(
            note_at < text_at && text_at < body_at,
            "{page}: above the body"
        );
    }
    // A plain update is no correction.
    let seed = t.read(&format!("{}index.html", crate::harness::SEED_URL));
    assert!(!seed.contains("class=\"correction\""));
}

/// What no listing, feed or sitemap of `t` may show once `title` (at
/// `url`) is killed.
#[track_caller]
fn gone_from_every_listing(t: &SiteTest, url: &str, title: &str) {
    let mut files = vec![
        "index.html".to_string(),
        "feed.xml".to_string(),
        "sitemap.xml".to_string(),
        format!("{}index.html", &url[..11]),
        format!("{}index.html", &url[..8]),
        format!("{}index.html", &url[..5]),
        "tags/index.html".to_string(),
    ];
    for f in ["tags/earthquakes/index.html", "tags/earthquakes/feed.xml"] {
        if t.exists(f) {
            files.push(f.to_string());
        }
    }
    for f in files {
        if !t.exists(&f) {
            continue;
        }
        let text = t.read(&f);
        assert!(!text.contains(url), "{f} links to the killed {url}");
        assert!(!text.contains(title), "{f} shows the killed {title}");
    }
}

#[test]
fn a_kill_leaves_every_listing_and_its_url_says_so() {
    let t = quake_site();
    t.write(
        "content/reuters/quake-4.xml",
        g2(
            4,
            "2017-07-03T13:00:00Z",
            "KILL - Quake toll rises to 40",
            "Editors: the story is withdrawn.",
            r#"<pubStatus qcode="stat:canceled"/>"#,
        ),
    );
    // ninjs: a story, then its kill, in a dump.
    t.write(
        "content/ap/dump.jsonl",
        concat!(
            r#"{"uri":"urn:ap:spy","version":"1","type":"text","headline":"Spy named in court","versioncreated":"2017-07-04T09:00:00Z","keywords":["earthquakes"],"body_text":"A secret name."}"#,
            "\n",
            r#"{"uri":"urn:ap:spy","version":"2","type":"text","headline":"Spy named in court","versioncreated":"2017-07-04T10:00:00Z","pubstatus":"canceled","body_text":"Withdrawn."}"#,
            "\n"
        ),
    );
    // Markdown: `status: canceled` in a second version.
    t.story(
        "desk/rumour.md",
        "title: Minister to resign\ndate: 2017-07-05 08:00:00\nid: desk-rumour\nversion: 1",
        "Unconfirmed.\n",
    );
    t.story(
        "desk/rumour-kill.md",
        "title: Minister to resign\ndate: 2017-07-05 09:00:00\nid: desk-rumour\nversion: 2\nstatus: canceled",
        "Killed.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().starts_with("Built 1 story"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .contains("\n3 stories killed (withdrawn by their source)\n"),
        "{}",
        run.stdout()
    );
    for (url, title, text, source) in [
        (
            QUAKE,
            "Quake toll rises to 40",
            "rescuers reached",
            ", Reuters withdrew the story",
        ),
        (
            "2017/07/04/spy-named-in-court/",
            "Spy named in court",
            "A secret name",
            ", its source withdrew the story",
        ),
        (
            "2017/07/05/minister-to-resign/",
            "Minister to resign",
            "Unconfirmed",
            ", its source withdrew the story",
        ),
    ] {
        let page = t.read(&format!("{url}index.html"));
        assert!(
            page.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{page}"
        );
        assert!(page.contains("<h1>Story withdrawn</h1>"), "{page}");
        assert!(page.contains(source), "{page}");
        for leak in [title, text, "Withdrawn.", "Killed.", "ld+json"] {
            assert!(!page.contains(leak), "{url} shows {leak}: {page}");
        }
        gone_from_every_listing(&t, url, title);
    }
    assert!(
        !t.exists("tags/earthquakes"),
        "a keyword of killed stories only"
    );

    // `withdrawn: remove`: no page at all.
    let yaml = std::fs::read_to_string(t.path("site.yaml")).unwrap();
    t.write("site.yaml", format!("{yaml}withdrawn: remove\n"));
    t.build(&[]).assert_ok();
    assert!(!t.exists(QUAKE));
    assert!(!t.exists("2017/07/04/spy-named-in-court"));
    gone_from_every_listing(&t, QUAKE, "Quake toll rises to 40");
}

#[test]
fn a_withheld_story_waits_for_a_usable_version() {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.story(
        "desk/merger-1.md",
        "title: Banks agree merger\ndate: 2017-07-05 08:00:00\nid: merger\nversion: 1\nstatus: withheld",
        "Held by the desk.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().starts_with("Built 1 story"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains("\n1 story withheld by its agency\n"),
        "{}",
        run.stdout()
    );
    assert!(!t.exists("2017/07/05"));
    assert!(!t.read("index.html").contains("Banks agree merger"));

    t.story(
        "desk/merger-2.md",
        "title: Banks agree 4 bln merger\ndate: 2017-07-05 09:00:00\nid: merger\nversion: 2",
        "Now usable.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(!run.stdout().contains("withheld"), "{}", run.stdout());
    let page = t.read("2017/07/05/banks-agree-merger/index.html");
    assert!(page.contains("<h1>Banks agree 4 bln merger</h1>"));
    assert!(page.contains("<p>Now usable.</p>"));
    assert!(!page.contains("Held by the desk."));
    assert!(
        !page.contains("<summary>"),
        "a withheld version is not in the history"
    );
}

#[test]
fn versions_of_one_story_in_ninjs_and_markdown() {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    // ninjs 2.x: `version` as a string; the lines in any order.
    t.write(
        "content/ap/rates.jsonl",
        concat!(
            r#"{"uri":"urn:ap:rates","version":"2","type":"text","headline":"Fed raises rates by a quarter point","firstcreated":"2017-07-04T14:00:00Z","versioncreated":"2017-07-04T14:20:00Z","body_text":"Second take."}"#,
            "\n",
            r#"{"uri":"urn:ap:rates","version":"1","type":"text","headline":"FLASH: Fed raises rates","firstcreated":"2017-07-04T14:00:00Z","versioncreated":"2017-07-04T14:00:00Z","body_text":"First take."}"#,
            "\n"
        ),
    );
    // Markdown without numbers: the later time is the newer version.
    t.story(
        "desk/storm-b.md",
        "title: Typhoon makes landfall near Xiamen\ndate: 2017-07-06 18:00:00\nid: storm",
        "Landfall at six.\n",
    );
    t.story(
        "desk/storm-a.md",
        "title: Typhoon nears coast\ndate: 2017-07-06 12:00:00\nid: storm",
        "Expected tonight.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().starts_with("Built 3 stories"),
        "{}",
        run.stdout()
    );
    let rates = t.read("2017/07/04/flash-fed-raises-rates/index.html");
    assert!(rates.contains("<h1>Fed raises rates by a quarter point</h1>"));
    assert!(rates.contains("<p>Second take.</p>"));
    let storm = t.read("2017/07/06/typhoon-nears-coast/index.html");
    assert!(storm.contains("<h1>Typhoon makes landfall near Xiamen</h1>"));
    assert!(storm.contains("first published <time datetime=\"2017-07-06T12:00:00+08:00\">"));
    assert!(storm.contains("updated <time datetime=\"2017-07-06T18:00:00+08:00\">"));
    assert!(!t.exists("2017/07/06/typhoon-makes-landfall-near-xiamen"));
}

#[test]
fn bad_versions_are_errors_or_warnings_that_name_both_files() {
    // Equal version numbers of one story in two files.
    let t = quake_site();
    let good = SiteTest::snapshot(&{
        t.build(&[]).assert_ok();
        t.path("public")
    });
    t.write(
        "content/reuters/quake-3-again.xml",
        g2(3, "2017-07-03T11:05:00Z", "Quake toll 40", "Again.", ""),
    );
    let run = t.build(&[]);
    run.assert_fails();
    assert!(
        run.stderr().contains(
            "content/reuters/quake-3.xml: error: version 3 of story \
             `urn:newsml:reuters.com:20170703:quake` is also in content/reuters/quake-3-again.xml"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(SiteTest::snapshot(&t.path("public")), good, "output kept");
    std::fs::remove_file(t.path("content/reuters/quake-3-again.xml")).unwrap();

    // Two agencies' stories under one id.
    t.write(
        "content/ap/quake.json",
        r#"{"uri":"urn:newsml:reuters.com:20170703:quake","version":"9","type":"text","headline":"Another story","copyrightholder":"AP","versioncreated":"2017-07-03T12:00:00Z","body_text":"x"}"#,
    );
    let run = t.build(&[]);
    run.assert_fails();
    assert!(
        run.stderr().contains(
            "content/ap/quake.json: error: story `urn:newsml:reuters.com:20170703:quake` is from \
             AP, and content/reuters/quake-3.xml has the same id from Reuters"
        ),
        "{}",
        run.stderr()
    );
    std::fs::remove_file(t.path("content/ap/quake.json")).unwrap();

    // A lower number filed after a higher one: a warning, the higher wins.
    t.write(
        "content/reuters/quake-2.xml",
        g2(2, "2017-07-03T12:00:00Z", "Quake kills 12", "Late.", ""),
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr().contains(
            "content/reuters/quake-2.xml: warning: version 2 of story \
             `urn:newsml:reuters.com:20170703:quake` was filed at 2017-07-03T12:00:00+00:00, \
             after version 3 (content/reuters/quake-3.xml) at 2017-07-03T11:00:00+00:00"
        ),
        "{}",
        run.stderr()
    );
    assert!(t
        .read(&format!("{QUAKE}index.html"))
        .contains("<h1>Quake toll rises to 40</h1>"));

    // Front matter: a status and a version that do not parse.
    t.story(
        "desk/bad.md",
        "title: Bad\ndate: 2017-07-05 08:00:00\nid: bad\nstatus: killed",
        "x\n",
    );
    t.story(
        "desk/worse.md",
        "title: Worse\ndate: 2017-07-05 08:00:00\nversion: two",
        "x\n",
    );
    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    assert!(
        err.contains(
            "content/desk/bad.md:5: error: invalid status `killed`: expected `usable`, `withheld`"
        ),
        "{err}"
    );
    assert!(err.contains("content/desk/worse.md:4"), "{err}");
    assert!(err.contains("version"), "{err}");
}
