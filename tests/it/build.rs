//! What a successful build publishes.

use std::path::Path;

use crate::harness::{count, html_escape, SiteTest, SEED, SEED_URL};

fn seed_site() -> SiteTest {
    let t = SiteTest::basic();
    t.write("content/xinhua-2017-07-03-anti-terror.txt", SEED);
    t
}

#[test]
fn seed_story_page_has_every_word() {
    let t = seed_site();
    t.build(&[]).assert_ok();
    let page = t.read(&format!("{SEED_URL}index.html"));
    for needle in [
        "<h1>Anti-terror cooperation key part of China-Russia partnership: Xi</h1>",
        "Xinhua",
        "Zhang Dongmiao",
        "BEIJING, July 3",
        "<time datetime=\"2017-07-03T17:57:31+08:00\">July 3, 2017 17:57 (+08:00)</time>",
        "href=\"/tags/anti-terror/\"",
        "href=\"/2017/07/03/\"",
    ] {
        assert!(page.contains(needle), "missing {needle:?}");
    }
    // Every paragraph of the body, word for word (typos included).
    let body: Vec<&str> = SEED
        .split("\n\n")
        .skip(2)
        .map(str::trim)
        .filter(|p| !p.starts_with("KEY WORDS"))
        .collect();
    assert_eq!(body.len(), 14);
    for p in body {
        assert!(
            page.contains(&format!("<p>{}</p>", html_escape(p))),
            "paragraph missing: {p}"
        );
    }
    assert!(page.contains("copperation"), "typos are kept");
}

#[test]
fn seed_story_is_listed_everywhere_it_belongs() {
    let t = seed_site();
    t.build(&[]).assert_ok();
    let link = format!("href=\"/{SEED_URL}\"");
    for listing in [
        "index.html",
        "tags/anti-terror/index.html",
        "2017/index.html",
        "2017/07/index.html",
        "2017/07/03/index.html",
    ] {
        assert!(
            t.read(listing).contains(&link),
            "{listing} does not list the story"
        );
    }
    assert!(t
        .read("tags/index.html")
        .contains("<a href=\"/tags/anti-terror/\">anti-terror</a> <span class=\"n\">1</span>"));
    for feed in ["feed.xml", "tags/anti-terror/feed.xml"] {
        let f = t.read(feed);
        assert!(
            f.contains(&format!("<id>https://news.example.org/{SEED_URL}</id>")),
            "{feed}"
        );
        assert!(
            f.contains("<published>2017-07-03T17:57:31+08:00</published>"),
            "{feed}"
        );
        assert!(
            f.contains("<updated>2017-07-03T17:57:31+08:00</updated>"),
            "{feed}"
        );
    }
    let sitemap = t.read("sitemap.xml");
    assert!(sitemap.contains(&format!("<loc>https://news.example.org/{SEED_URL}</loc>")));
    assert!(!sitemap.contains("404.html"));
}

#[test]
fn player_boilerplate_appears_nowhere() {
    let t = seed_site();
    t.build(&[]).assert_ok();
    for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Video PlayerClose"),
            "{path} contains the player boilerplate"
        );
    }
}

#[test]
fn every_page_type_is_written() {
    let t = seed_site();
    t.build(&[]).assert_ok();
    for f in [
        "index.html",
        "2017/index.html",
        "2017/07/index.html",
        "2017/07/03/index.html",
        &format!("{SEED_URL}index.html"),
        "tags/index.html",
        "tags/anti-terror/index.html",
        "tags/anti-terror/feed.xml",
        "feed.xml",
        "sitemap.xml",
        "404.html",
        "style.css",
    ] {
        assert!(t.exists(f), "{f} not written");
    }
    let html = t.read("404.html");
    assert!(html.contains("<html lang=\"en\">") && html.contains("Page not found"));
}

#[test]
fn output_is_deterministic() {
    let t = SiteTest::new("title: T\nbase_url: https://x.org/\n");
    for i in 0..30 {
        t.story(
            &format!("s{i:02}.md"),
            &format!(
                "title: Story {}\ndate: 2020-01-{:02} 10:00:00\nkeywords: [k{}, common]",
                i % 7,
                i % 28 + 1,
                i % 5
            ),
            "Body.\n",
        );
    }
    t.build(&["--output", "out1"]).assert_ok();
    t.build(&["--output", "out2"]).assert_ok();
    let a = SiteTest::snapshot(&t.path("out1"));
    let b = SiteTest::snapshot(&t.path("out2"));
    assert!(a.len() > 50);
    assert_eq!(a, b);
}

#[test]
fn base_url_sub_path_prefixes_every_link() {
    let t = SiteTest::new("title: T\nbase_url: https://example.github.io/archive/\n");
    t.write("content/seed.txt", SEED);
    t.build(&[]).assert_ok();
    let page = t.read(&format!("{SEED_URL}index.html"));
    assert!(page.contains("href=\"/archive/style.css\""));
    assert!(page.contains("href=\"/archive/tags/anti-terror/\""));
    assert!(page.contains(&format!(
        "<link rel=\"canonical\" href=\"https://example.github.io/archive/{SEED_URL}\">"
    )));
    for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
        let text = String::from_utf8_lossy(&bytes);
        for attr in ["href=\"/", "src=\"/"] {
            for (i, _) in text.match_indices(attr) {
                assert!(
                    text[i + attr.len()..].starts_with("archive/"),
                    "{path}: link outside /archive/"
                );
            }
        }
    }
    // Every internal link resolves.
    t.run(&["check"]).assert_ok();
    // And --base-url overrides site.yaml.
    t.build(&["--base-url", "/mirror/"]).assert_ok();
    assert!(t.read("index.html").contains("href=\"/mirror/tags/\""));
}

/// With `relative_links: true`, every link of every page (but the
/// not-found page) is relative and names a file that exists beside it on
/// disk, as a browser opening the folder from disk needs; absolute URLs
/// (canonical, feeds, sitemap) still name the published site.
#[test]
fn relative_links_name_files_that_exist_from_each_page() {
    let t = SiteTest::new(
        "title: T\nbase_url: https://example.github.io/archive/\nrelative_links: true\nper_page: 2\n",
    );
    t.write("content/seed.txt", SEED);
    n_stories(&t, 5);
    t.build(&[]).assert_ok();
    let public = t.path("public");
    let page = t.read(&format!("{SEED_URL}index.html"));
    assert!(page.contains("href=\"../../../../style.css\""), "{page}");
    assert!(page.contains("href=\"../../../../tags/anti-terror/index.html\""));
    assert!(page.contains("href=\"../index.html\""), "its day");
    assert!(page.contains(&format!(
        "<link rel=\"canonical\" href=\"https://example.github.io/archive/{SEED_URL}\">"
    )));
    let not_found = t.read("404.html");
    assert!(not_found.contains("href=\"https://example.github.io/archive/style.css\""));
    assert!(t
        .read("feed.xml")
        .contains("https://example.github.io/archive/"));

    let mut checked = 0;
    for (path, bytes) in SiteTest::snapshot(&public) {
        if !path.ends_with(".html") || path == "404.html" {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let dir = public.join(&path).parent().unwrap().to_path_buf();
        for link in attribute_urls(&text) {
            if link.contains("://") {
                continue;
            }
            let file = link.split(['#', '?']).next().unwrap();
            assert!(
                !file.starts_with('/') && !file.ends_with('/') && !file.is_empty(),
                "{path}: `{link}` does not name a file"
            );
            assert!(dir.join(file).is_file(), "{path}: `{link}` leads nowhere");
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} links checked");
    t.run(&["check"]).assert_ok();

    // The flag does the same for a site that does not say so.
    let t = SiteTest::new("title: T\nbase_url: https://example.org/\n");
    t.write("content/seed.txt", SEED);
    t.build(&["--relative-links"]).assert_ok();
    assert!(t.read("index.html").contains("href=\"tags/index.html\""));
}

/// `check` holds a relative-links site to it: a template's link to a
/// folder would open a directory listing from disk.
#[test]
fn check_reports_links_that_break_from_disk() {
    let t = SiteTest::new("title: T\nrelative_links: true\n");
    t.write("content/seed.txt", SEED);
    t.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}Lost.{% endblock content %}",
    );
    t.write(
        "templates/tags.html",
        "{% extends \"base.html\" %}{% block content %}<a href=\"../\">up</a>{% endblock content %}",
    );
    let run = t.run(&["check"]);
    run.assert_fails();
    assert!(
        run.stderr()
            .contains("/tags/: error: broken link `../`: a folder: opened from disk it needs its index.html named"),
        "{}",
        run.stderr()
    );
    // Without relative links, a folder link is fine.
    t.write("site.yaml", "title: T\n");
    t.run(&["check"]).assert_ok();
}

fn n_stories(t: &SiteTest, n: usize) {
    for i in 0..n {
        t.story(
            &format!("s{i}.md"),
            &format!(
                "title: Story number {i}\ndate: 2021-03-04 {:02}:00:00\nkeywords: [k]",
                i % 24
            ),
            "Text.\n",
        );
    }
}

#[test]
fn pagination_with_exactly_per_page() {
    let t = SiteTest::new("per_page: 3\n");
    n_stories(&t, 3);
    t.build(&[]).assert_ok();
    assert_eq!(count(&t.read("index.html"), "<h2>"), 3);
    assert!(!t.exists("page/2/index.html"));
    assert!(!t.exists("tags/k/page/2/index.html"));
    assert!(!t.read("index.html").contains("class=\"pagination\""));
}

#[test]
fn pagination_with_one_more_than_per_page() {
    let t = SiteTest::new("per_page: 3\npagination: newest_first\n");
    n_stories(&t, 4);
    t.build(&[]).assert_ok();
    assert_eq!(count(&t.read("index.html"), "<h2>"), 3);
    assert!(t
        .read("index.html")
        .contains("<a rel=\"next\" href=\"/page/2/\">"));
    let p2 = t.read("page/2/index.html");
    assert_eq!(count(&p2, "<h2>"), 1);
    assert!(p2.contains("<a rel=\"prev\" href=\"/\">"));
    assert!(!t.exists("page/3/index.html"));
    for listing in [
        "tags/k/page/2/index.html",
        "2021/page/2/index.html",
        "2021/03/04/page/2/index.html",
    ] {
        assert_eq!(count(&t.read(listing), "<h2>"), 1, "{listing}");
    }
    assert!(t.read("sitemap.xml").contains("<loc>/page/2/</loc>"));
}

#[test]
fn paginator_shows_a_window_not_every_page() {
    let t = SiteTest::new("per_page: 1\npagination: newest_first\n");
    n_stories(&t, 20);
    t.build(&[]).assert_ok();
    let p10 = t.read("page/10/index.html");
    let nav = &p10[p10.find("class=\"pagination\"").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    for shown in [
        "href=\"/\">1</a>",
        "href=\"/page/7/\">7</a>",
        "aria-current=\"page\">10<",
        "href=\"/page/13/\">13</a>",
        "href=\"/page/20/\">20</a>",
    ] {
        assert!(nav.contains(shown), "{shown} missing from {nav}");
    }
    for hidden in ["href=\"/page/5/\"", "href=\"/page/15/\""] {
        assert!(
            !nav.contains(hidden),
            "{hidden} should not be in the window"
        );
    }
}

/// The headlines a page lists, in order.
fn listed(html: &str) -> Vec<String> {
    html.match_indices("<h2><a href=")
        .map(|(i, _)| {
            let rest = &html[i..];
            let start = rest.find("\">").unwrap() + 2;
            rest[start..rest.find("</a>").unwrap()].to_string()
        })
        .collect()
}

#[test]
fn permanent_pages_are_counted_from_the_oldest_story() {
    let t = SiteTest::new("per_page: 3\n");
    n_stories(&t, 4); // hours 0..3: story 0 is the oldest
    t.build(&[]).assert_ok();
    // The landing page: the newest three, and a link to page 1, which it
    // does not show whole.
    let home = t.read("index.html");
    assert_eq!(
        listed(&home),
        ["Story number 3", "Story number 2", "Story number 1"]
    );
    assert!(
        home.contains("<a rel=\"next\" href=\"/page/1/\">Older</a>"),
        "{home}"
    );
    assert!(home.contains("<p class=\"count\">4 stories</p>"));
    // Page 1: the oldest three (a full page), newest first; no count.
    let p1 = t.read("page/1/index.html");
    assert_eq!(
        listed(&p1),
        ["Story number 2", "Story number 1", "Story number 0"]
    );
    assert!(p1.contains("<a rel=\"prev\" href=\"/\">Newer</a>"), "{p1}");
    assert!(
        !p1.contains("class=\"count\""),
        "a numbered page shows no count"
    );
    assert!(!p1.contains("class=\"periods\""), "nor the years' counts");
    assert!(p1.contains("<title>Test Wire (page 1)</title>") || p1.contains("(page 1)</title>"));
    assert!(
        !t.exists("page/2/index.html"),
        "newer than the last full page: landing only"
    );
    let tag = t.read("tags/k/page/1/index.html");
    assert_eq!(
        listed(&tag),
        ["Story number 2", "Story number 1", "Story number 0"]
    );
    assert!(!tag.contains("4 stories"));
    // Dated indexes keep newest-first pages.
    assert_eq!(
        listed(&t.read("2021/page/2/index.html")),
        ["Story number 0"]
    );
    assert!(t.read("sitemap.xml").contains("<loc>/page/1/</loc>"));
}

#[test]
fn a_new_story_touches_the_landing_page_and_the_newest_numbered_page_only() {
    let t = SiteTest::new("per_page: 2\n");
    n_stories(&t, 7); // pages 1..=3 full, story 6 on the landing page only
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));
    assert!(!t.exists("page/4/index.html"));
    // The newest story: it completes page 4.
    t.story(
        "s7.md",
        "title: Story number 7\ndate: 2021-03-04 23:00:00\nkeywords: [k]",
        "Text.\n",
    );
    t.build(&[]).assert_ok();
    let after = SiteTest::snapshot(&t.path("public"));
    for page in [
        "page/1/index.html",
        "page/2/index.html",
        "tags/k/page/1/index.html",
        "tags/k/page/2/index.html",
    ] {
        assert_eq!(before[page], after[page], "{page} changed");
    }
    for page in ["page/3/index.html", "tags/k/page/3/index.html"] {
        assert_ne!(
            before[page], after[page],
            "{page}: its newer link is page 4 now"
        );
    }
    assert_eq!(
        listed(&t.read("page/4/index.html")),
        ["Story number 7", "Story number 6"]
    );
    // A late story dated into the past shifts the pages from its place on.
    t.story(
        "early.md",
        "title: Early story\ndate: 2021-03-04 00:30:00\nkeywords: [k]",
        "Text.\n",
    );
    t.build(&[]).assert_ok();
    assert_eq!(
        listed(&t.read("page/1/index.html")),
        ["Early story", "Story number 0"]
    );
    assert_eq!(
        listed(&t.read("page/2/index.html")),
        ["Story number 2", "Story number 1"]
    );
    // A killed story leaves its page and shifts the pages above it.
    t.story(
        "early-kill.md",
        "title: Early story\ndate: 2021-03-04 01:30:00\nid: early.md\nstatus: canceled",
        "Kill.\n",
    );
    t.build(&[]).assert_ok();
    assert_eq!(
        listed(&t.read("page/1/index.html")),
        ["Story number 1", "Story number 0"]
    );
}

#[test]
fn drafts_only_with_the_flag() {
    let t = SiteTest::basic();
    t.story(
        "d.md",
        "title: Secret plan\ndate: 2020-05-05\ndraft: true",
        "x\n",
    );
    t.story("p.md", "title: Public story\ndate: 2020-05-05", "x\n");
    t.build(&[]).assert_ok();
    assert!(!t.exists("2020/05/05/secret-plan/index.html"));
    assert!(!t.read("index.html").contains("Secret plan"));
    t.build(&["--drafts"]).assert_ok();
    assert!(t.exists("2020/05/05/secret-plan/index.html"));
}

#[test]
fn a_story_is_filed_under_its_local_day() {
    let t = SiteTest::new("timezone: \"+08:00\"\nbase_url: https://x.org/\n");
    // 01:00 at +08:00 is still July 2 in UTC, but a July 3 story.
    t.story(
        "a.md",
        "title: Early edition\ndate: 2017-07-03 01:00:00 +08:00",
        "x\n",
    );
    // No offset: read in the site's timezone.
    t.story("b.md", "title: Site time\ndate: 2017-07-03 00:30:00", "x\n");
    // Its own offset wins over the site's.
    t.story(
        "c.md",
        "title: New York late\ndate: 2017-07-02T23:00:00-04:00",
        "x\n",
    );
    t.build(&[]).assert_ok();
    assert!(t.exists("2017/07/03/early-edition/index.html"));
    assert!(t.exists("2017/07/03/site-time/index.html"));
    assert!(t.exists("2017/07/02/new-york-late/index.html"));
    assert!(t.read("2017/07/03/index.html").contains("Early edition"));
    assert!(!t.read("2017/07/02/index.html").contains("Early edition"));
    let feed = t.read("feed.xml");
    assert!(feed.contains("<published>2017-07-03T01:00:00+08:00</published>"));
    assert!(feed.contains("<published>2017-07-03T00:30:00+08:00</published>"));
    assert!(feed.contains("<published>2017-07-02T23:00:00-04:00</published>"));
}

#[test]
fn keyword_spellings_fold_into_one_tag() {
    let t = SiteTest::basic();
    t.story(
        "a.md",
        "title: A\ndate: 2020-01-01\nkeywords: [Anti-Terror]",
        "x\n",
    );
    t.story(
        "b.md",
        "title: B\ndate: 2020-01-02\nkeywords: anti terror, Economy",
        "x\n",
    );
    t.story(
        "c.md",
        "title: C\ndate: 2020-01-03\nkeywords: [anti terror]",
        "x\n",
    );
    t.write(
        "content/d.txt",
        "D\n\nSource: AP| 2020-01-04 10:00:00\n\nText.\n\nKEY WORDS: anti-terror\n",
    );
    t.build(&[]).assert_ok();
    let tag = t.read("tags/anti-terror/index.html");
    assert_eq!(count(&tag, "<h2>"), 4);
    assert!(
        tag.contains("<h1>anti terror</h1>"),
        "most frequent spelling is the name"
    );
    assert!(!t.exists("tags/anti-terror-2/index.html"));
    let tags = t.read("tags/index.html");
    assert_eq!(count(&tags, "href=\"/tags/anti-terror/\""), 1);
    assert!(tags.contains("<a href=\"/tags/economy/\">Economy</a> <span class=\"n\">1</span>"));
}

#[test]
fn same_day_resends_get_suffixes_and_a_warning() {
    let t = SiteTest::basic();
    for (f, time) in [
        ("c.md", "12:00:00"),
        ("a.md", "09:00:00"),
        ("b.md", "12:00:00"),
    ] {
        t.story(
            f,
            &format!("title: Quake hits coast\ndate: 2020-02-02 {time}"),
            "x\n",
        );
    }
    let run = t.build(&[]);
    run.assert_ok();
    let html = |s: &str| t.read(&format!("2020/02/02/{s}/index.html"));
    assert!(html("quake-hits-coast").contains("datetime=\"2020-02-02T09:00:00+08:00\""));
    // Same time: by path, so b.md before c.md.
    assert!(t
        .read("2020/02/02/quake-hits-coast-2/index.html")
        .contains("12:00"));
    assert!(t.exists("2020/02/02/quake-hits-coast-3/index.html"));
    let err = run.stderr();
    assert!(err.contains("content/b.md: warning: same headline as content/a.md on 2020-02-02: published as /2020/02/02/quake-hits-coast-2/"), "{err}");
    assert!(err.contains("content/c.md: warning: same headline as content/a.md on 2020-02-02: published as /2020/02/02/quake-hits-coast-3/"), "{err}");
}

#[test]
fn feeds_hold_the_newest_feed_limit_stories() {
    let t = SiteTest::new("feed_limit: 2\nbase_url: https://x.org/\n");
    for d in 1..=4 {
        t.story(
            &format!("{d}.md"),
            &format!("title: Day {d}\ndate: 2020-01-0{d}\nkeywords: [k]"),
            "x\n",
        );
    }
    t.build(&[]).assert_ok();
    for f in ["feed.xml", "tags/k/feed.xml"] {
        let feed = t.read(f);
        assert_eq!(count(&feed, "<entry>"), 2, "{f}");
        assert!(
            feed.contains("Day 4") && feed.contains("Day 3") && !feed.contains("Day 2"),
            "{f}"
        );
        assert!(
            feed.contains("<updated>2020-01-04T00:00:00+08:00</updated>")
                || feed.contains("<updated>2020-01-04T00:00:00+00:00</updated>")
        );
        assert!(feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    }
}

#[test]
fn markdown_extensions_and_raw_html_as_text() {
    let t = SiteTest::basic();
    t.story(
        "m.md",
        "title: \"<ACME CORP> & A&P rise\"\ndate: 2020-01-01",
        "<ACME CORP> rose ~~1%~~ 2%.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: Footnote.\n\n<script>alert(1)</script>\n",
    );
    t.build(&[]).assert_ok();
    let page = t.read("2020/01/01/acme-corp-a-p-rise/index.html");
    assert!(page.contains("<h1>&lt;ACME CORP&gt; &amp; A&amp;P rise</h1>"));
    assert!(page.contains("<title>&lt;ACME CORP&gt; &amp; A&amp;P rise | Test Wire</title>"));
    assert!(page.contains("&lt;ACME CORP&gt; rose <del>1%</del> 2%."));
    assert!(page.contains("<table>") && page.contains("footnote-definition"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    let feed = t.read("feed.xml");
    assert!(feed.contains("<title>&lt;ACME CORP&gt; &amp; A&amp;P rise</title>"));

    t.write("site.yaml", "unsafe_html: true\n");
    t.build(&[]).assert_ok();
    assert!(t
        .read("2020/01/01/acme-corp-a-p-rise/index.html")
        .contains("<script>alert(1)</script>"));
}

#[test]
fn site_templates_override_the_defaults_by_name() {
    let t = seed_site();
    t.write(
        "templates/article.html",
        "{% extends \"base.html\" %}{% block content %}<h1 class=\"custom\">{{ article.title }}</h1>{{ article.content | safe }}{% endblock content %}",
    );
    t.build(&[]).assert_ok();
    let page = t.read(&format!("{SEED_URL}index.html"));
    assert!(page.contains("<h1 class=\"custom\">Anti-terror cooperation"));
    assert!(
        page.contains("<link rel=\"stylesheet\""),
        "base.html is still the default"
    );
    assert!(!t.read("index.html").contains("class=\"custom\""));
}

#[test]
fn dated_indexes_link_up_and_across() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2016-05-01", "x\n");
    t.story("b.md", "title: B\ndate: 2017-07-03", "x\n");
    t.story("c.md", "title: C\ndate: 2017-07-09", "x\n");
    t.story("d.md", "title: D\ndate: 2017-09-01", "x\n");
    t.build(&[]).assert_ok();
    let year = t.read("2017/index.html");
    assert!(year.contains("<a href=\"/2017/07/\">July</a> <span class=\"n\">2</span>"));
    assert!(year.contains("<a href=\"/2017/09/\">September</a> <span class=\"n\">1</span>"));
    assert!(year.contains("<a rel=\"prev\" href=\"/2016/\">2016</a>"));
    let month = t.read("2017/07/index.html");
    assert!(
        month.contains("<a href=\"/2017/07/03/\">3</a>")
            && month.contains("<a href=\"/2017/07/09/\">9</a>")
    );
    assert!(month.contains("<p class=\"up\"><a href=\"/2017/\">2017</a></p>"));
    assert!(month.contains("<a rel=\"prev\" href=\"/2016/05/\">May 2016</a>"));
    assert!(month.contains("<a rel=\"next\" href=\"/2017/09/\">September 2017</a>"));
    let day = t.read("2017/07/03/index.html");
    assert!(day.contains("<a rel=\"next\" href=\"/2017/07/09/\">July 9, 2017</a>"));
    assert!(t
        .read("index.html")
        .contains("<a href=\"/2016/\">2016</a> <span class=\"n\">1</span>"));
    // Article previous/next in date order.
    let b = t.read("2017/07/03/b/index.html");
    assert!(b.contains("<a rel=\"prev\" href=\"/2016/05/01/a/\">"));
    assert!(b.contains("<a rel=\"next\" href=\"/2017/07/09/c/\">"));
}

#[test]
fn static_files_are_copied_and_hidden_files_ignored() {
    let t = SiteTest::basic();
    t.write("static/img/logo.svg", "<svg/>");
    t.write("static/.secret", "x");
    t.write("content/.hidden.md", "not a story");
    t.write("content/notes.md~", "backup");
    t.write("content/.#lock.md", "lock");
    t.write("content/story.swp", "swap");
    t.build(&[]).assert_ok();
    assert_eq!(t.read("img/logo.svg"), "<svg/>");
    assert!(!t.exists(".secret"));
    assert!(t.exists("style.css"), "the default stylesheet");
}

#[test]
fn the_sample_archive_in_this_repository_builds_and_checks() {
    let repo = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("public");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["build", "--root", repo, "--output"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(summary.starts_with("Built 20 stories into "), "{summary}");
    assert!(
        summary.contains("\n1 package item, 1 picture item skipped (not text)\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\n1 story killed (withdrawn by its source)\n"),
        "{summary}"
    );
    // Three versions of one story: one page, at the first version's URL.
    let typhoon = std::fs::read_to_string(
        out_dir.join("2018/07/10/typhoon-maria-nears-east-china-coast/index.html"),
    )
    .unwrap();
    assert!(typhoon.contains("<h1>Typhoon Maria weakens after landfall, trains resume</h1>"));
    assert!(typhoon.contains("<summary>3 versions</summary>"));
    let seed = std::fs::read_to_string(out_dir.join(SEED_URL).join("index.html")).unwrap();
    assert!(seed.contains("Zhang Dongmiao"));
    // Pagination shows more than one page on the sample with per_page 10.
    assert!(out_dir.join("page/2/index.html").exists());
    // With per_page lowered, every kind of listing has a second page:
    // the sample spans years, months and days, and shares keywords.
    let yaml = std::fs::read_to_string(Path::new(repo).join("site.yaml")).unwrap();
    let low = SiteTest::new(&yaml.replace("per_page: 10", "per_page: 2"));
    copy_tree(&Path::new(repo).join("content"), &low.path("content"));
    low.build(&[]).assert_ok();
    let public = low.path("public");
    for page in [
        "page/7/index.html",
        "2017/page/2/index.html",
        "2017/07/page/2/index.html",
        "2017/07/03/page/2/index.html",
        "tags/china/page/3/index.html",
        "tags/anti-terror/page/2/index.html",
        "tags/index.html",
        "tags/anti-terror/feed.xml",
        "2016/index.html",
        "2018/index.html",
        "feed.xml",
        "sitemap.xml",
        "404.html",
    ] {
        assert!(public.join(page).is_file(), "{page}");
    }
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["check", "--root", repo])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn feeds_carry_summaries_or_with_feed_content_full_the_story() {
    let t = seed_site();
    t.build(&[]).assert_ok();
    let feed = t.read("feed.xml");
    assert!(feed
        .contains("<summary>BEIJING, July 3 (Xinhua) -- Chinese President Xi Jinping said Monday"));
    assert!(!feed.contains("<content"));

    t.write(
        "site.yaml",
        "base_url: https://news.example.org/\nfeed_content: full\n",
    );
    t.build(&[]).assert_ok();
    for f in ["feed.xml", "tags/anti-terror/feed.xml"] {
        let feed = t.read(f);
        assert!(
            feed.contains("<content type=\"html\">&lt;p&gt;BEIJING, July 3 (Xinhua) -- Chinese"),
            "{f}"
        );
        assert!(
            feed.contains("root out &amp;quot;the breeding ground&amp;quot; for terrorism"),
            "{f}"
        );
    }

    t.write("site.yaml", "feed_content: everything\n");
    let run = t.build(&[]);
    run.assert_fails();
    assert!(run.stderr().contains(
        "site.yaml:1: error: invalid feed_content `everything`: expected `summary` or `full`"
    ));
}

/// Copies the files under `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in SiteTest::snapshot(from) {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

/// The values of every `href="..."` and `src="..."` in `html` (the default
/// templates quote with `"`): read here, not with dateline's own scanner.
fn attribute_urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(end) = part.find('"') {
                out.push(part[..end].replace("&amp;", "&"));
            }
        }
    }
    out
}
