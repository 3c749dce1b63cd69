//! The search page and its index (SPEC.md "Search"), as files: what a
//! build writes, what it leaves out, and what an incremental build
//! rewrites. The browser side is in `browser.rs`.

use std::collections::BTreeMap;

use crate::harness::SiteTest;
use crate::incremental::{age, counted, same_as_clean, settle, touched};

/// Every file of the index (`search/*.js`, `search/*/*.js`), by path.
fn index_files(t: &SiteTest) -> BTreeMap<String, String> {
    SiteTest::snapshot(&t.path("public"))
        .into_iter()
        .filter(|(k, _)| k.starts_with("search/") && k.ends_with(".js") && k != "search/search.js")
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

/// Whether a folded word is a key of some shard.
fn indexed(files: &BTreeMap<String, String>, word: &str) -> bool {
    let key = format!("\"{word}\":");
    files
        .iter()
        .any(|(k, v)| k.starts_with("search/t/") && v.contains(&key))
}

fn site() -> SiteTest {
    let t = SiteTest::new("title: T\nbase_url: https://news.example.org/\n");
    t.story(
        "cocoa.md",
        "title: Cocoa prices surge\ndate: 1987-03-10 09:00:00\nsource: Reuters\nkeywords: [Cocoa]",
        "Traders bid up the beans.\n",
    );
    t.story(
        "summit.md",
        "title: Qingdao summit opens\ndate: 2018-06-09 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "Leaders meet by the sea.\n",
    );
    t
}

#[test]
fn the_build_writes_the_search_page_and_an_index_of_published_stories_only() {
    let t = site();
    t.story(
        "draft.md",
        "title: Zebrafish study\ndate: 2018-06-11 10:00:00\ndraft: true",
        "Zebrafish regrow fins.\n",
    );
    t.story(
        "embargoed.md",
        "title: Budget speech\ndate: 2018-06-12 09:00:00\nembargo: 2999-01-01 00:00:00",
        "Quinquennial plan unveiled.\n",
    );
    t.story(
        "killed.md",
        "title: Minister resigns\ndate: 2018-06-13 09:00:00\nid: rumour\nversion: 1",
        "Kakistocracy alleged.\n",
    );
    t.story(
        "killed-2.md",
        "title: Minister resigns\ndate: 2018-06-13 10:00:00\nid: rumour\nversion: 2\nstatus: canceled",
        "Withdrawn.\n",
    );
    t.build(&["--drafts"]).assert_ok();

    let page = t.read("search/index.html");
    assert!(page.contains("<form id=\"search-form\""), "{page}");
    assert!(page.contains("<label for=\"q\">"), "{page}");
    assert!(
        page.contains("role=\"status\" aria-live=\"polite\""),
        "{page}"
    );
    assert!(page.contains("<noscript>"), "{page}");
    assert!(
        page.contains("<script src=\"/search/search.js\"></script>"),
        "{page}"
    );
    // Every page links to it.
    assert!(t
        .read("index.html")
        .contains("<a href=\"/search/\">Search</a>"));
    assert!(t
        .read("sitemap.xml")
        .contains("<loc>https://news.example.org/search/</loc>"));

    let files = index_files(&t);
    let meta = &files["search/meta.js"];
    assert!(meta.starts_with("DatelineSearch.meta({"), "{meta}");
    assert!(
        meta.contains("\"docs\":2,"),
        "two stories published: {meta}"
    );
    assert!(meta.contains("[\"Reuters\",\"reuters\",1]"), "{meta}");
    assert!(meta.contains("[2018,1]"), "{meta}");
    assert!(indexed(&files, "trader"), "stemmed");
    assert!(indexed(&files, "traders"), "the form, as an alias");
    assert!(
        indexed(&files, "#t:cocoa") && indexed(&files, "#s:xinhua") && indexed(&files, "#y:1987")
    );
    // Drafts (even with --drafts), embargoed and killed stories: nowhere.
    for word in ["zebrafish", "quinquenni", "kakistocraci", "minist"] {
        assert!(!indexed(&files, word), "{word} is indexed");
        assert!(
            !files.values().any(|v| v.to_lowercase().contains(word)),
            "{word} is in the index"
        );
    }
    // The stories' files name their pages.
    assert!(files["search/d/0.js"].contains("\"1987/03/10/cocoa-prices-surge/\""));
    assert_eq!(
        t.read("search/search.js"),
        include_str!("../../src/search/search.js")
    );
}

#[test]
fn search_false_writes_no_search_page_and_no_index() {
    let t = SiteTest::new("title: T\nbase_url: https://news.example.org/\nsearch: false\n");
    t.story("a.md", "title: Alpha\ndate: 2017-07-04 10:00:00", "Text.\n");
    t.build(&[]).assert_ok();
    assert!(!t.exists("search"), "no search folder");
    assert!(!t.read("index.html").contains("/search/"));
    assert!(!t.read("sitemap.xml").contains("/search/"));

    // Turned off over an output that has it: it goes.
    let t = site();
    t.build(&[]).assert_ok();
    assert!(t.exists("search/meta.js"));
    t.write(
        "site.yaml",
        "title: T\nbase_url: https://news.example.org/\nsearch: false\n",
    );
    t.build(&[]).assert_ok();
    assert!(!t.exists("search"));
    same_as_clean(&t);
}

#[test]
fn an_edit_rewrites_only_its_page_and_the_shards_of_the_words_it_changed() {
    let t = site();
    settle();
    t.build(&[]).assert_ok();
    let before = index_files(&t);
    let public = t.path("public");
    age(&public);
    settle();

    // A word added to one story's body.
    t.story(
        "summit.md",
        "title: Qingdao summit opens\ndate: 2018-06-09 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "Leaders meet by the sea. Xylophones played.\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(
        counted(&run, " stories indexed for search"),
        1,
        "{}",
        run.stderr()
    );
    let written = touched(&public);
    assert!(written.contains(&"2018/06/09/qingdao-summit-opens/index.html".to_string()));
    let shards: Vec<&String> = written
        .iter()
        .filter(|p| p.starts_with("search/"))
        .collect();
    assert!(
        !shards.is_empty() && shards.iter().all(|p| p.starts_with("search/t/")),
        "{written:?}"
    );
    let after = index_files(&t);
    assert!(indexed(&after, "xylophon") && !indexed(&before, "xylophon"));
    // Shards that were not written are as they were.
    for (k, v) in &after {
        if !shards.contains(&k) {
            assert_eq!(before.get(k), Some(v), "{k}");
        }
    }
    same_as_clean(&t);

    // A new headline: its story's line changes too.
    age(&public);
    settle();
    t.story(
        "summit.md",
        "title: Qingdao summit closes\ndate: 2018-06-09 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "Leaders meet by the sea. Xylophones played.\n",
    );
    t.build(&[]).assert_ok();
    assert!(touched(&public).contains(&"search/d/0.js".to_string()));
    assert!(!touched(&public).contains(&"search/meta.js".to_string()));
    same_as_clean(&t);

    // A template edit: the index is kept unmade.
    age(&public);
    settle();
    t.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}Lost.{% endblock %}",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(counted(&run, " stories indexed for search"), 0);
    assert!(!touched(&public).iter().any(|p| p.starts_with("search/t/")));

    // A shard the next edit leaves alone, edited by hand in the output:
    // the build does not take the output's shards as made, and puts it
    // right.
    age(&public);
    settle();
    let shard = index_files(&t)
        .into_iter()
        .find(|(k, v)| k.starts_with("search/t/") && !v.contains("xylophon"))
        .map(|(k, _)| k)
        .expect("a shard without the edited word");
    std::fs::write(public.join(&shard), "tampered").unwrap();
    t.story(
        "summit.md",
        "title: Qingdao summit closes\ndate: 2018-06-09 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "Leaders meet by the sea. Xylophones played loudly.\n",
    );
    t.build(&[]).assert_ok();
    assert_ne!(t.read(&shard), "tampered");
    same_as_clean(&t);
}

#[test]
fn a_damaged_kept_index_is_made_anew() {
    let t = site();
    t.build(&[]).assert_ok();
    let kept = t.path(".public.cache/search");
    assert!(kept.is_file());
    let mut bytes = std::fs::read(&kept).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&kept, bytes).unwrap();
    t.story(
        "summit.md",
        "title: Qingdao summit opens\ndate: 2018-06-09 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "Leaders meet by the sea, again.\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(
        counted(&run, " stories indexed for search"),
        2,
        "every story read again"
    );
    same_as_clean(&t);
}
