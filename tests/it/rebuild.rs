//! The incremental engine: every rebuild must give exactly the output of a
//! fresh build, and must render only what the change can reach.

use std::collections::BTreeSet;

use dateline::progress::Quiet;
use dateline::rebuild::{RebuildReport, Session};
use dateline::watch::ChangeSet;
use dateline::{BuildError, BuildOptions};

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
    assert_eq!(r.changed_urls, ["/2017/07/02/bravo-story/"]);
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
    let tag_pages = l
        .session
        .plan()
        .pages
        .iter()
        .filter(|p| p.kind.template() == "tag.html")
        .count();
    let tpl = dateline::render::embedded::TEMPLATES
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
    let base = dateline::render::embedded::TEMPLATES
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
    let html_pages = l
        .session
        .plan()
        .pages
        .iter()
        .filter(|p| p.kind.template().ends_with(".html"))
        .count();
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

/// A tiny deterministic generator for the randomized tests (SplitMix64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One story of the randomized test, written out as front matter.
#[derive(Clone)]
struct Draft {
    title: String,
    day: String,
    hour: usize,
    keywords: Vec<String>,
    summary: Option<String>,
    updated: bool,
    slug: Option<String>,
    body: String,
}

impl Draft {
    fn front(&self) -> String {
        let mut f = format!(
            "title: {}\ndate: {} {:02}:00:00\nkeywords: [{}]",
            self.title,
            self.day,
            self.hour,
            self.keywords.join(", ")
        );
        if let Some(s) = &self.summary {
            f.push_str(&format!("\nsummary: {s}"));
        }
        if self.updated {
            // Later than any story: it moves the newest date of /tags/.
            f.push_str(&format!("\nupdated: 2019-06-01 {:02}:30:00", self.hour));
        }
        if let Some(s) = &self.slug {
            f.push_str(&format!("\nslug: {s}"));
        }
        f
    }
}

/// Random edits of every kind, most of them patched in place, each checked
/// byte for byte against a fresh build: the in-place path must render every
/// page a change reaches (a headline shown on a neighbour, a listing, a
/// feed, a resend suffix moving to another story of the day, a sitemap
/// date), and a rejected edit must leave nothing behind.
#[test]
fn random_edits_always_give_what_a_fresh_build_gives() {
    random_edits("");
}

/// The same with links relative to each page: the rewrite depends only on
/// a page's route and context, so rebuilds must stay exact with it on.
#[test]
fn random_edits_with_relative_links_give_what_a_fresh_build_gives() {
    random_edits("relative_links: true\n");
}

fn random_edits(config: &str) {
    const DAYS: [&str; 5] = [
        "2017-07-01",
        "2017-07-02",
        "2017-07-03",
        "2017-08-01",
        "2018-01-01",
    ];
    const TITLES: [&str; 5] = [
        "Talks resume",
        "Floods recede",
        "Markets rise",
        "Talks stall",
        "Storm hits",
    ];
    const KEYWORDS: [&str; 4] = ["trade", "weather", "economy", "diplomacy"];
    const SLUGS: [&str; 2] = ["the-story", "another-story"];
    let t = SiteTest::new(&format!(
        "title: T\nbase_url: https://x.org/\ntimezone: \"+08:00\"\nper_page: 3\nfeed_limit: 4\nfeed_content: full\n{config}",
    ));
    t.write("content/seed.txt", SEED);
    let mut rng = Rng(7);
    let mut drafts: Vec<Draft> = (0..40)
        .map(|i| Draft {
            title: rng.pick(&TITLES).to_string(),
            day: rng.pick(&DAYS).to_string(),
            hour: rng.below(24),
            keywords: vec![rng.pick(&KEYWORDS).to_string()],
            summary: None,
            updated: false,
            slug: None,
            body: format!("Paragraph of story {i}.\n"),
        })
        .collect();
    let write = |t: &SiteTest, i: usize, d: &Draft| {
        t.story(&format!("s{i:02}.md"), &d.front(), &d.body);
    };
    for (i, d) in drafts.iter().enumerate() {
        write(&t, i, d);
    }
    let mut l = Live::start(t);
    let (mut in_place, mut rejected) = (0, 0);
    for step in 0..60 {
        let i = rng.below(drafts.len());
        let mut d = drafts[i].clone();
        let kind = rng.below(7);
        match kind {
            0 => d.title = rng.pick(&TITLES).to_string(),
            1 => d.summary = d.summary.is_none().then(|| format!("Summary {step}.")),
            2 => d.updated = !d.updated,
            3 => d.body = format!("Corrected at step {step}.\n"),
            4 => d.slug = d.slug.is_none().then(|| rng.pick(&SLUGS).to_string()),
            5 => d.hour = rng.below(24),
            _ => d.keywords = vec![rng.pick(&KEYWORDS).to_string()],
        }
        write(&l.t, i, &d);
        let id = format!("s{i:02}.md");
        match l.apply(Live::stories(&[&id], &[])) {
            Ok(r) => {
                let same_place = d.hour == drafts[i].hour && d.keywords == drafts[i].keywords;
                assert_eq!(r.in_place, same_place, "step {step}: edit kind {kind}");
                in_place += usize::from(r.in_place);
                drafts[i] = d;
            }
            Err(e) => {
                // Only two explicit slugs colliding on a day is an error.
                let BuildError::Content(ds) = e else {
                    panic!("step {step}: {e}")
                };
                assert!(ds.to_string().contains("already uses"), "step {step}: {ds}");
                rejected += 1;
                // Nothing was written: the output is the previous files'.
                write(&l.t, i, &drafts[i]);
                l.assert_same_as_fresh_build();
                l.apply(Live::stories(&[&id], &[])).unwrap();
            }
        }
        l.assert_same_as_fresh_build();
    }
    assert!(in_place >= 30, "{in_place} edits in place");
    assert!(rejected >= 1, "a collision was tried");
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
    assert!(l.session.resolve(&gone).is_empty());

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
    assert_eq!(l.session.resolve(&removed), removed);
    l.apply(removed.clone()).unwrap();
    // Once that succeeded, the same removal is nothing again.
    assert!(l.session.resolve(&removed).is_empty());
    l.assert_same_as_fresh_build();
}
