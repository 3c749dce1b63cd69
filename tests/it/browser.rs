//! End to end in a real browser: headless Chromium shows a story served by
//! `dateline serve`, the test edits the story file, and the page shows the
//! new text by itself; a broken edit shows the overlay and the fix clears it.
//!
//! Chromium is driven over the DevTools protocol (a page target, then
//! `Runtime.evaluate`), with the flags this machine needs (root, no
//! network). The tests need Debian's `chromium` package (`.ci/run` installs
//! it), so they are `#[ignore]`d: a plain `cargo test` lists them as
//! ignored, `cargo test -- --ignored` runs them and fails without Chromium.

use crate::devtools::{chromium, Chromium, Page};
use crate::harness::SiteTest;
use crate::serve::serve;

#[test]
#[ignore = "needs Chromium (.ci/run installs it): cargo test -- --ignored"]
fn the_page_follows_edits_by_itself() {
    let chromium = chromium();
    let t = SiteTest::new("title: Live\nbase_url: https://news.example.org/\n");
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00",
        "Original text.\n",
    );
    let s = serve(&t);
    s.line_with("Built ");
    let mut page = Page::open(&chromium, &format!("http://{}/2017/07/04/alpha/", s.addr));
    page.wait_for(
        "the story",
        "document.body ? document.body.innerText : ''",
        |v| v.contains("Original text."),
    );
    // The page's reload stream is connected before anything changes.
    page.wait_for(
        "the reload stream",
        "document.documentElement.dataset.datelineLive || ''",
        |v| v == "open",
    );

    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00",
        "Edited in the newsroom.\n",
    );
    page.wait_for(
        "the edit",
        "document.body ? document.body.innerText : ''",
        |v| v.contains("Edited in the newsroom."),
    );

    t.story("a.md", "title: Alpha\ndate: not a date", "Broken.\n");
    let overlay = page.wait_for(
        "the overlay",
        "(document.getElementById('dateline-overlay') || {}).textContent || ''",
        |v| v.contains("invalid date"),
    );
    assert!(
        overlay.contains("content/a.md:3: error: invalid date `not a date`"),
        "{overlay}"
    );

    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00",
        "Fixed for good.\n",
    );
    page.wait_for(
        "the fix",
        "(document.getElementById('dateline-overlay') ? 'overlay ' : '') + (document.body ? document.body.innerText : '')",
        |v| v.contains("Fixed for good.") && !v.starts_with("overlay"),
    );
}

/// With `relative_links: true` the output works opened straight from disk:
/// the stylesheet applies and links lead from page to page over `file://`.
#[test]
#[ignore = "needs Chromium (.ci/run installs it): cargo test -- --ignored"]
fn a_relative_links_site_works_opened_from_disk() {
    let chromium = chromium();
    let t = SiteTest::new(
        "title: Disk\nbase_url: https://news.example.org/archive/\nrelative_links: true\n",
    );
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [Trade]",
        "From disk.\n",
    );
    t.build(&[]).assert_ok();
    let public = t.path("public").canonicalize().unwrap();
    let url = format!("file://{}/index.html", public.display());
    let mut page = Page::open(&chromium, &url);
    page.wait_for(
        "the home page",
        "document.body ? document.body.innerText : ''",
        |v| v.contains("Alpha"),
    );
    // The stylesheet's masthead is a flex box; without it, a block.
    page.wait_for(
        "the stylesheet",
        "getComputedStyle(document.querySelector('.masthead')).display",
        |v| v == "flex",
    );
    // Home → story → its keyword page, by clicking.
    page.eval("document.querySelector('main h2 a').click()");
    page.wait_for("the story", "location.href", |v| {
        v.ends_with("/public/2017/07/04/alpha/index.html")
    });
    page.wait_for(
        "the story's text",
        "document.body ? document.body.innerText : ''",
        |v| v.contains("From disk."),
    );
    page.eval("document.querySelector('a[rel=tag]').click()");
    page.wait_for("the keyword page", "location.href", |v| {
        v.ends_with("/public/tags/trade/index.html")
    });
    page.wait_for(
        "the stylesheet on the keyword page",
        "getComputedStyle(document.querySelector('.masthead')).display",
        |v| v == "flex",
    );
}

/// A small archive to search: a headline match and a body match for
/// `cocoa` from two agencies and years, a story in Chinese, and a draft
/// whose word must never be found.
fn search_site(site_yaml: &str) -> SiteTest {
    let t = SiteTest::new(site_yaml);
    t.story(
        "cocoa.md",
        "title: Cocoa prices surge in Abidjan\ndate: 1987-03-10 09:00:00\nsource: Reuters\ndateline: ABIDJAN, March 10\nkeywords: [Cocoa, Markets]",
        "Traders bid up the beans after a poor harvest.\n",
    );
    t.story(
        "summit.md",
        "title: Qingdao summit opens\ndate: 2018-06-09 10:00:00\nsource: Xinhua\ndateline: QINGDAO, June 9\nkeywords: [China, Diplomacy]",
        "Leaders meet by the sea. Cocoa was served at the banquet.\n",
    );
    t.story(
        "zh.md",
        "title: 青岛峰会开幕\ndate: 2018-06-10 10:00:00\nsource: Xinhua\nkeywords: [China]",
        "上海合作组织成员国元首理事会在青岛举行。\n",
    );
    t.story(
        "draft.md",
        "title: Zebrafish study\ndate: 2018-06-11 10:00:00\ndraft: true",
        "Zebrafish regrow fins.\n",
    );
    t
}

/// Types `text` into the search box as a reader does, one key at a time.
fn type_query(page: &mut Page, text: &str) {
    page.eval("document.getElementById('q').value = ''");
    for c in text.chars() {
        let c = serde_json::to_string(&c.to_string()).unwrap();
        page.eval(&format!(
            "(function(){{var q=document.getElementById('q');q.value+={c};q.dispatchEvent(new Event('input'));}})()"
        ));
    }
}

const RESULTS: &str = "Array.from(document.querySelectorAll('#search-results h2 a')).map(a => a.textContent).join(' | ')";
const STATUS: &str = "(document.getElementById('search-status') || {}).textContent || ''";

/// What a reader does on the search page, at `url` (over HTTP or from disk).
fn search_like_a_reader(chromium: &Chromium, url: &str) {
    let mut page = Page::open(chromium, url);
    page.wait_for("the index", STATUS, |v| v.contains("3 stories to search"));
    // Headline before body; the draft is not there.
    type_query(&mut page, "cocoa");
    page.wait_for("results", RESULTS, |v| {
        v == "Cocoa prices surge in Abidjan | Qingdao summit opens"
    });
    page.wait_for("the count", STATUS, |v| v == "2 stories found.");
    // The query is in the URL.
    page.wait_for("the URL", "location.search", |v| v == "?q=cocoa");
    // A word still being typed is a prefix; a stem finds its forms.
    type_query(&mut page, "harv");
    page.wait_for("a prefix", RESULTS, |v| {
        v == "Cocoa prices surge in Abidjan"
    });
    type_query(&mut page, "meeting");
    page.wait_for("a stemmed word", RESULTS, |v| v == "Qingdao summit opens");
    // Text without spaces.
    type_query(&mut page, "青岛");
    page.wait_for("Chinese", RESULTS, |v| v == "青岛峰会开幕");
    type_query(&mut page, "zebrafish");
    page.wait_for("no draft", STATUS, |v| v == "No stories found.");
    // A filter narrows, and goes into the URL.
    type_query(&mut page, "cocoa");
    page.wait_for("results", RESULTS, |v| v.contains(" | "));
    page.eval("(function(){var s=document.getElementById('source');s.value='xinhua';s.dispatchEvent(new Event('change'));})()");
    page.wait_for("the agency filter", RESULTS, |v| {
        v == "Qingdao summit opens"
    });
    page.wait_for("the URL", "location.search", |v| {
        v == "?q=cocoa&source=xinhua"
    });
    // Back: the filter goes again.
    page.eval("history.back()");
    page.wait_for("back", "location.search", |v| v == "?q=cocoa");
    page.wait_for("results after back", RESULTS, |v| v.contains(" | "));
    // Filters alone list their stories, newest first.
    page.eval("(function(){document.getElementById('q').value='';var s=document.getElementById('year');s.value='2018';s.dispatchEvent(new Event('change'));})()");
    page.wait_for("a year", RESULTS, |v| {
        v == "青岛峰会开幕 | Qingdao summit opens"
    });
    // A result leads to its story.
    page.eval("document.querySelector('#search-results h2 a').click()");
    page.wait_for(
        "the story",
        "document.body ? document.body.innerText : ''",
        |v| v.contains("上海合作组织"),
    );

    // A shared URL restores the search.
    let shared = format!("{url}?q=Cocoa&keyword=china&sort=newest");
    // (Reached from the bare page: DevTools' /json/new would cut the URL at
    // `&`, and a blank page may not lead to `file://`.)
    let mut page = Page::open(chromium, url);
    page.wait_for("the index", STATUS, |v| v.contains("3 stories to search"));
    page.eval(&format!(
        "location.href = {}",
        serde_json::to_string(&shared).unwrap()
    ));
    page.wait_for("the shared search", RESULTS, |v| {
        v == "Qingdao summit opens"
    });
    assert_eq!(page.eval("document.getElementById('q').value"), "Cocoa");
    assert_eq!(page.eval("document.getElementById('sort').value"), "newest");
    // The keyword shows as its slug until the field is used; then it
    // offers the keywords by name, most used first.
    assert_eq!(
        page.eval("document.getElementById('keyword').value"),
        "china"
    );
    page.eval("document.getElementById('keyword').dispatchEvent(new Event('focus'))");
    page.wait_for(
        "the keyword names",
        "Array.from(document.querySelectorAll('#keyword-list option')).map(o => o.value).join(' | ')",
        |v| v == "China | Cocoa | Diplomacy | Markets",
    );
    page.wait_for(
        "the keyword's name",
        "document.getElementById('keyword').value",
        |v| v == "China",
    );
}

#[test]
#[ignore = "needs Chromium (.ci/run installs it): cargo test -- --ignored"]
fn search_works_over_http_under_a_sub_path() {
    let chromium = chromium();
    let t = search_site("title: Search\nbase_url: https://news.example.org/archive/\n");
    let s = serve(&t);
    s.line_with("Built ");
    // (`serve` gives its address with the base path.)
    assert!(s.addr.ends_with("/archive"), "{}", s.addr);
    search_like_a_reader(&chromium, &format!("http://{}/search/", s.addr));
}

#[test]
#[ignore = "needs Chromium (.ci/run installs it): cargo test -- --ignored"]
fn search_works_opened_from_disk_under_a_sub_path() {
    let chromium = chromium();
    let t = search_site(
        "title: Search\nbase_url: https://news.example.org/archive/\nrelative_links: true\n",
    );
    t.build(&[]).assert_ok();
    let public = t.path("public").canonicalize().unwrap();
    search_like_a_reader(
        &chromium,
        &format!("file://{}/search/index.html", public.display()),
    );
}
