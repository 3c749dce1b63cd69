//! The incremental engine: every rebuild must give exactly the output of a
//! fresh build, and must render only what the change can reach.

use std::collections::BTreeSet;

use dateline::{BuildError, BuildOptions, ChangeSet, Quiet, RebuildReport, Session};

use crate::harness::{SiteTest, SEED, SEED_URL};

struct Live {
    t: SiteTest,
    session: Session,
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Live {
    fn new() -> Live {
        let t = SiteTest::new(
            "title: T\nbase_url: https://x.org/\ntimezone: \"+08:00\"\nper_page: 2\n",
        );
        t.write("content/seed.txt", SEED);
        for (f, title, date, kw) in [
            (
                "a.md",
                "Alpha story",
                "2017-07-01 10:00:00",
                "[anti-terror, trade]",
            ),
            ("b.md", "Bravo story", "2017-07-02 10:00:00", "[trade]"),
            ("c.md", "Charlie story", "2017-07-04 10:00:00", "[economy]"),
            (
                "d.md",
                "Delta story",
                "2018-01-01 10:00:00",
                "[economy, trade]",
            ),
        ] {
            t.story(
                f,
                &format!("title: {title}\ndate: {date}\nkeywords: {kw}"),
                "First paragraph.\n\nSecond paragraph.\n",
            );
        }
        Live::start(t)
    }

    /// A session on a built site.
    fn start(t: SiteTest) -> Live {
        let (session, _) = Session::start(BuildOptions::new(t.root()), &Quiet).unwrap();
        Live { t, session }
    }

    fn apply(&mut self, cs: ChangeSet) -> Result<RebuildReport, BuildError> {
        self.session.apply(&cs)
    }

    fn stories(changed: &[&str], removed: &[&str]) -> ChangeSet {
        ChangeSet {
            stories_changed: set(changed),
            stories_removed: set(removed),
            ..ChangeSet::default()
        }
    }

    /// The output equals a fresh build of the same files.
    #[track_caller]
    fn assert_same_as_fresh_build(&self) {
        let fresh = self.t.path("fresh");
        let opts = BuildOptions {
            output: Some(fresh.clone()),
            ..BuildOptions::new(self.t.root())
        };
        dateline::build(&opts, &Quiet).unwrap();
        let live = SiteTest::snapshot(&self.t.path("public"));
        let want = SiteTest::snapshot(&fresh);
        let live_keys: BTreeSet<_> = live.keys().collect();
        let want_keys: BTreeSet<_> = want.keys().collect();
        assert_eq!(live_keys, want_keys, "same files");
        for (k, v) in &want {
            assert!(live[k] == *v, "{k} differs from a fresh build");
        }
        std::fs::remove_dir_all(fresh).unwrap();
    }
}

#[test]
fn a_body_edit_rewrites_one_page() {
    let mut l = Live::new();
    l.t.story(
        "b.md",
        "title: Bravo story\ndate: 2017-07-02 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nA new second paragraph.\n",
    );
    let r = l.apply(Live::stories(&["b.md"], &[])).unwrap();
    assert_eq!((r.written, r.deleted), (1, 0), "{r:?}");
    // The page, and the search shards of the words the edit added.
    let (shards, pages): (Vec<&String>, Vec<&String>) = r
        .changed_urls
        .iter()
        .partition(|u| u.starts_with("/search/t/"));
    assert_eq!(pages, ["/2017/07/02/bravo-story/"]);
    assert!((1..=3).contains(&shards.len()), "{shards:?}");
    assert!(l
        .t
        .read("2017/07/02/bravo-story/index.html")
        .contains("A new second paragraph."));
    l.assert_same_as_fresh_build();
}

#[test]
fn a_headline_edit_moves_the_page_and_updates_its_listings() {
    let mut l = Live::new();
    l.t.story(
        "b.md",
        "title: Bravo renamed\ndate: 2017-07-02 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nSecond paragraph.\n",
    );
    let r = l.apply(Live::stories(&["b.md"], &[])).unwrap();
    assert_eq!(r.deleted, 1);
    assert!(r
        .changed_urls
        .contains(&"/2017/07/02/bravo-renamed/".to_string()));
    assert!(r
        .changed_urls
        .contains(&"/2017/07/02/bravo-story/".to_string()));
    // Listings that show it, its neighbours, feeds and the sitemap; not the
    // pages of unrelated keywords or days.
    assert!(
        r.changed_urls.contains(&"/tags/trade/".to_string()),
        "{:?}",
        r.changed_urls
    );
    assert!(
        !r.changed_urls.contains(&"/tags/economy/".to_string()),
        "{:?}",
        r.changed_urls
    );
    assert!(
        !r.changed_urls.contains(&"/2018/01/01/".to_string()),
        "{:?}",
        r.changed_urls
    );
    assert!(!l.t.exists("2017/07/02/bravo-story/index.html"));
    l.assert_same_as_fresh_build();
}

#[test]
fn added_and_deleted_stories() {
    let mut l = Live::new();
    l.t.story(
        "e.md",
        "title: Echo story\ndate: 2017-07-03 09:00:00\nkeywords: [Anti-Terror]",
        "New.\n",
    );
    let r = l.apply(Live::stories(&["e.md"], &[])).unwrap();
    assert!(r.written > 1);
    l.assert_same_as_fresh_build();

    std::fs::remove_file(l.t.path("content/a.md")).unwrap();
    let r = l.apply(Live::stories(&[], &["a.md"])).unwrap();
    assert!(r.deleted >= 1, "{r:?}");
    assert!(!l.t.exists("2017/07/01/alpha-story/index.html"));
    assert!(!l.t.read("tags/trade/index.html").contains("Alpha story"));
    l.assert_same_as_fresh_build();
}

/// Every file and folder under `dir`, hidden ones included.
fn tree(dir: &std::path::Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().path().display().to_string())
        .collect()
}

#[test]
fn a_template_that_fails_to_render_leaves_the_output_as_it_was() {
    let mut l = Live::new();
    let public = l.t.path("public");
    let (files, names) = (SiteTest::snapshot(&public), tree(&public));
    // It parses, and fails on one keyword's page only: the others render
    // and are staged before the failure is known.
    l.t.write(
        "templates/tag.html",
        "{% extends \"base.html\" %}{% block title %}{{ tag.name }}\
         {% if tag.slug == \"economy\" %}{{ no_such_value }}{% endif %}{% endblock title %}",
    );
    let templates = ChangeSet {
        templates: set(&["tag.html"]),
        ..ChangeSet::default()
    };
    let Err(BuildError::Content(ds)) = l.apply(templates.clone()) else {
        panic!("the broken template was applied");
    };
    assert!(ds.to_string().contains("tag.html"), "{ds}");
    assert!(SiteTest::snapshot(&public) == files, "a page changed");
    assert_eq!(tree(&public), names, "no staged file or new folder stays");
    // A template that includes itself would crash the process: an error,
    // and the session lives on.
    l.t.write("templates/tag.html", "{% include \"tag.html\" %}");
    let Err(BuildError::Content(ds)) = l.apply(templates.clone()) else {
        panic!("the self-including template was applied");
    };
    assert!(ds.to_string().contains("template include cycle"), "{ds}");
    assert!(SiteTest::snapshot(&public) == files, "a page changed");
    // Fixed, it applies.
    std::fs::remove_file(l.t.path("templates/tag.html")).unwrap();
    l.apply(templates).unwrap();
    l.assert_same_as_fresh_build();
}

#[test]
fn a_template_edit_rewrites_only_the_pages_drawn_with_it() {
    let mut l = Live::new();
    let tag_pages = l.session.pages_drawn_with("tag.html");
    let tpl = dateline::DEFAULT_TEMPLATES
        .iter()
        .find(|(n, _)| *n == "tag.html")
        .unwrap()
        .1;
    l.t.write(
        "templates/tag.html",
        tpl.replace(
            "<h1>{{ tag.name }}</h1>",
            "<h1 class=\"kw\">{{ tag.name }}</h1>",
        ),
    );
    let r = l
        .apply(ChangeSet {
            templates: set(&["tag.html"]),
            ..ChangeSet::default()
        })
        .unwrap();
    assert_eq!(r.written, tag_pages, "{:?}", r.changed_urls);
    assert!(r
        .changed_urls
        .iter()
        .all(|u| u.starts_with("/tags/") && u != "/tags/"));
    assert!(l
        .t
        .read("tags/trade/index.html")
        .contains("<h1 class=\"kw\">trade</h1>"));
    l.assert_same_as_fresh_build();

    // The base template reaches every HTML page.
    let base = dateline::DEFAULT_TEMPLATES
        .iter()
        .find(|(n, _)| *n == "base.html")
        .unwrap()
        .1;
    l.t.write(
        "templates/base.html",
        base.replace("<main>", "<main id=\"top\">"),
    );
    let r = l
        .apply(ChangeSet {
            templates: set(&["base.html"]),
            ..ChangeSet::default()
        })
        .unwrap();
    let html_pages: usize = dateline::DEFAULT_TEMPLATES
        .iter()
        .filter(|(name, _)| name.ends_with(".html"))
        .map(|(name, _)| l.session.pages_drawn_with(name))
        .sum();
    assert_eq!(r.written, html_pages);
    l.assert_same_as_fresh_build();
}

#[test]
fn a_broken_story_changes_nothing_and_the_fix_applies() {
    let mut l = Live::new();
    let before = SiteTest::snapshot(&l.t.path("public"));
    l.t.story("c.md", "title: Charlie story\ndate: tomorrow", "x\n");
    let err = l.apply(Live::stories(&["c.md"], &[])).unwrap_err();
    match err {
        BuildError::Content(ds) => assert!(
            ds.to_string()
                .contains("content/c.md:3: error: invalid date `tomorrow`"),
            "{ds}"
        ),
        other => panic!("{other}"),
    }
    assert_eq!(SiteTest::snapshot(&l.t.path("public")), before);
    l.t.story(
        "c.md",
        "title: Charlie fixed\ndate: 2017-07-04 10:00:00\nkeywords: [economy]",
        "x\n",
    );
    l.apply(Live::stories(&["c.md"], &[])).unwrap();
    assert!(l.t.exists("2017/07/04/charlie-fixed/index.html"));
    l.assert_same_as_fresh_build();
}

#[test]
fn static_and_config_changes() {
    let mut l = Live::new();
    l.t.write("static/style.css", "body { color: red }");
    let r = l
        .apply(ChangeSet {
            static_files: set(&["style.css"]),
            ..ChangeSet::default()
        })
        .unwrap();
    assert!(r.css_only);
    assert_eq!((r.written, r.static_files), (0, 1));
    assert_eq!(l.t.read("style.css"), "body { color: red }");

    l.t.write(
        "site.yaml",
        "title: Renamed\nbase_url: https://x.org/\ntimezone: \"+08:00\"\nper_page: 3\n",
    );
    let r = l
        .apply(ChangeSet {
            config: true,
            ..ChangeSet::default()
        })
        .unwrap();
    assert!(r.full);
    assert!(l
        .t
        .read(&format!("{SEED_URL}index.html"))
        .contains("| Renamed</title>"));
    l.assert_same_as_fresh_build();
}

#[test]
fn a_moved_folder_is_found_by_walking_content_not_by_a_full_reload() {
    let mut l = Live::new();
    std::fs::create_dir_all(l.t.path("content/desk")).unwrap();
    std::fs::rename(l.t.path("content/a.md"), l.t.path("content/desk/a.md")).unwrap();
    l.t.story(
        "desk/f.md",
        "title: Foxtrot story\ndate: 2017-07-05 10:00:00\nkeywords: [trade]",
        "New.\n",
    );
    // What the watcher reports: the new folder and the story that left.
    let folders = ChangeSet {
        content_dirs: set(&["desk"]),
        stories_removed: set(&["a.md"]),
        ..ChangeSet::default()
    };
    let r = l.apply(folders).unwrap();
    assert!(!r.full, "{r:?}");
    assert!(r
        .changed_urls
        .contains(&"/2017/07/05/foxtrot-story/".to_string()));
    l.assert_same_as_fresh_build();
    // An editor's probe file that came and went: nothing to do.
    let r = l
        .apply(ChangeSet {
            content_dirs: set(&["4913"]),
            ..ChangeSet::default()
        })
        .unwrap();
    assert_eq!((r.written, r.deleted), (0, 0), "{r:?}");
    // A folder renamed: the events name the folders, not their stories.
    std::fs::rename(l.t.path("content/desk"), l.t.path("content/wire")).unwrap();
    let r = l
        .apply(ChangeSet {
            content_dirs: set(&["desk", "wire"]),
            ..ChangeSet::default()
        })
        .unwrap();
    assert!(!r.full, "{r:?}");
    l.assert_same_as_fresh_build();
}

/// A story file removed that the site never had (a pipe named like a
/// story, an editor's short-lived file) resolves to nothing; but one whose
/// addition just failed still rebuilds when removed, so its error clears.
#[test]
fn removing_a_story_the_site_never_had_changes_nothing() {
    let mut l = Live::new();
    let gone = ChangeSet {
        stories_removed: set(&["never.md"]),
        ..ChangeSet::default()
    };
    assert!(l.session.resolve(&gone).is_none());

    l.t.write(
        "content/broken.md",
        "---\ntitle: Broken\ndate: never\n---\nx\n",
    );
    let added = ChangeSet {
        stories_changed: set(&["broken.md"]),
        ..ChangeSet::default()
    };
    assert!(l.apply(added).is_err());
    std::fs::remove_file(l.t.path("content/broken.md")).unwrap();
    let removed = ChangeSet {
        stories_removed: set(&["broken.md"]),
        ..ChangeSet::default()
    };
    assert_eq!(l.session.resolve(&removed), Some(removed.clone()));
    l.apply(removed.clone()).unwrap();
    // Once that succeeded, the same removal is nothing again.
    assert!(l.session.resolve(&removed).is_none());
    l.assert_same_as_fresh_build();
}

#[test]
fn versions_and_kills_rebuild_to_a_fresh_build() {
    let mut l = Live::new();
    let url = "2017/07/01/alpha-story/index.html";
    // A story without `id:` is known by its path: `id: a.md` files a
    // version of it.
    l.t.story(
        "a-2.md",
        "title: Alpha story, updated\ndate: 2017-07-01 12:00:00\nid: a.md\nkeywords: [trade]",
        "The newer text.\n",
    );
    let r = l.apply(Live::stories(&["a-2.md"], &[])).unwrap();
    assert!(!r.in_place, "a new version merges versions again");
    assert!(l.t.read(url).contains("<h1>Alpha story, updated</h1>"));
    assert!(!l.t.exists("2017/07/01/alpha-story-updated"));
    l.assert_same_as_fresh_build();

    // An edit of a version of a story of several: not in place, exact.
    l.t.story(
        "a.md",
        "title: Alpha story\ndate: 2017-07-01 10:00:00\nkeywords: [anti-terror, trade]",
        "Edited first version.\n",
    );
    let r = l.apply(Live::stories(&["a.md"], &[])).unwrap();
    assert!(!r.in_place);
    l.assert_same_as_fresh_build();

    // A kill, then the kill made a draft (the notice goes with it).
    let kill = "title: Alpha story\ndate: 2017-07-01 13:00:00\nid: a.md\nstatus: canceled";
    l.t.story("a-3.md", kill, "Kill.\n");
    l.apply(Live::stories(&["a-3.md"], &[])).unwrap();
    assert!(l.t.read(url).contains("Story withdrawn"));
    assert!(!l.t.read("index.html").contains("Alpha story"));
    l.assert_same_as_fresh_build();
    l.t.story("a-3.md", &format!("{kill}\ndraft: true"), "Kill.\n");
    l.apply(Live::stories(&["a-3.md"], &[])).unwrap();
    assert!(l.t.read(url).contains("<h1>Alpha story, updated</h1>"));
    l.assert_same_as_fresh_build();
    // A story killed alone, its file edited: not in place, exact.
    l.t.story("a-3.md", kill, "Kill.\n");
    l.apply(Live::stories(&["a-3.md"], &[])).unwrap();
    l.t.story("a-3.md", &format!("{kill}\nsummary: x"), "Kill again.\n");
    let r = l.apply(Live::stories(&["a-3.md"], &[])).unwrap();
    assert!(!r.in_place);
    l.assert_same_as_fresh_build();
}

/// In an archive of several search story files (32 stories each), an edit
/// rewrites the file of its own stories and leaves the others as they
/// were; the session's index stays exact edit after edit.
#[test]
fn a_session_rewrites_only_the_search_files_of_what_changed() {
    let time = |i: usize| format!("2017-07-01 {:02}:{:02}:00", 1 + i / 60, i % 60);
    let t = SiteTest::new("title: T\nbase_url: https://x.org/\n");
    for i in 0..70 {
        t.story(
            &format!("s{i:02}.md"),
            &format!("title: Story number {i}\ndate: {}", time(i)),
            &format!("Paragraph {i}.\n"),
        );
    }
    let mut l = Live::start(t);
    for (round, i) in [40, 41, 5].into_iter().enumerate() {
        l.t.story(
            &format!("s{i:02}.md"),
            &format!("title: Story number {i} retold\ndate: {}", time(i)),
            &format!("Paragraph {i}, round {round}.\n"),
        );
        let r = l
            .apply(Live::stories(&[&format!("s{i:02}.md")], &[]))
            .unwrap();
        let docs: Vec<&String> = r
            .changed_urls
            .iter()
            .filter(|u| u.starts_with("/search/d/"))
            .collect();
        // Stories are numbered oldest first: story i is number i.
        assert_eq!(
            docs,
            [&format!("/search/d/{}.js", i / 32)],
            "{:?}",
            r.changed_urls
        );
        l.assert_same_as_fresh_build();
    }
}

/// An embargo that falls due in the same rebuild as a body edit of another
/// story publishes the released story too: the edit is not patched in place
/// on its own (found by the state machine test).
#[test]
fn an_embargo_due_with_a_body_edit_releases_its_story() {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.story(
        "held.md",
        "title: Held story\ndate: 2017-07-04 09:00:00\nembargo: 2020-02-01 00:00:00",
        "Under embargo.\n",
    );
    let at = |s: &str| Some(chrono::DateTime::parse_from_rfc3339(s).unwrap());
    let opts = |now: &str| BuildOptions {
        now: at(now),
        ..BuildOptions::new(t.root())
    };
    let (mut session, _) = Session::start(opts("2020-01-01T00:00:00Z"), &Quiet).unwrap();
    assert!(!t.exists("2017/07/04/held-story/index.html"));
    t.write(
        "content/seed.txt",
        SEED.replace("moving forward smoothly", "moving forward steadily"),
    );
    session.set_clock(at("2020-03-01T00:00:00Z").unwrap());
    let r = session
        .apply(&ChangeSet {
            stories_changed: set(&["seed.txt"]),
            clock: true,
            ..ChangeSet::default()
        })
        .unwrap();
    assert!(!r.in_place, "{r:?}");
    assert!(t
        .read("2017/07/04/held-story/index.html")
        .contains("Under embargo."));
    assert!(t
        .read(&format!("{SEED_URL}index.html"))
        .contains("moving forward steadily"));
    let fresh = t.path("fresh");
    dateline::build(
        &BuildOptions {
            output: Some(fresh.clone()),
            ..opts("2020-03-01T00:00:00Z")
        },
        &Quiet,
    )
    .unwrap();
    assert_eq!(
        SiteTest::snapshot(&t.path("public")),
        SiteTest::snapshot(&fresh),
        "the rebuild equals a fresh build"
    );
}
