//! `dateline serve` over real HTTP: edits show up, the reload stream fires,
//! errors become an overlay over the last good site, and the little server
//! follows the rules (types, redirects, 404, HEAD, no escaping the output).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::harness::{SiteTest, SEED, SEED_URL};

pub(crate) struct Served {
    child: Child,
    pub(crate) addr: String,
    stdout: Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    head: String,
    body: String,
}

pub(crate) fn serve(t: &SiteTest) -> Served {
    // serve builds into the system's temporary folder: this test's, so
    // that it goes when the test does.
    let tmp = t.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["serve", "--port", "0"])
        .current_dir(t.root())
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, stdout) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = stdout
        .recv_timeout(Duration::from_secs(20))
        .expect("serve prints its URL first");
    let url = first
        .strip_prefix("Serving http://")
        .expect(&first)
        .trim_end_matches('/');
    Served {
        child,
        addr: url.to_string(),
        stdout,
    }
}

impl Served {
    fn request(&self, method: &str, path: &str) -> Reply {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Reply {
            status,
            head: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.request("GET", path)
    }

    /// Polls `path` until `ok` holds (or fails after 10 s).
    #[track_caller]
    fn wait_for(&self, path: &str, what: &str, ok: impl Fn(&Reply) -> bool) -> Reply {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            if ok(&r) {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what} at {path}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Subscribes to the reload stream; events arrive as (name, data).
    fn events(&self) -> Receiver<(String, String)> {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "GET /__dateline/events HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.addr
        )
        .unwrap();
        // The server subscribes the stream before it answers: once its
        // first comment has arrived, every later event will.
        let mut lines = BufReader::new(s).lines().map_while(Result::ok);
        assert!(
            lines.any(|l| l == ": dateline"),
            "the event stream opens with `: dateline`"
        );
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut name = String::new();
            for line in lines {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    if tx.send((name.clone(), d.to_string())).is_err() {
                        return;
                    }
                }
            }
        });
        rx
    }

    /// The next stdout line that contains `needle`.
    #[track_caller]
    pub(crate) fn line_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Ok(line) = self
            .stdout
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("no output line with {needle:?}");
    }
}

#[track_caller]
fn next_event(rx: &Receiver<(String, String)>, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok((n, data)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if n == name {
            return data;
        }
    }
    panic!("no {name} event");
}

fn site() -> SiteTest {
    let t =
        SiteTest::new("title: Live\nbase_url: https://news.example.org/\ntimezone: \"+08:00\"\n");
    t.write("content/seed.txt", SEED);
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [anti-terror]",
        "Original text.\n",
    );
    t
}

#[test]
fn edits_reload_errors_overlay_and_deletions() {
    let t = site();
    let s = serve(&t);
    s.line_with("Built ");
    let page = s.get("/2017/07/04/alpha/");
    assert_eq!(page.status, 200);
    assert!(page.head.contains("content-type: text/html; charset=utf-8"));
    assert!(page.body.contains("Original text."));
    assert!(page
        .body
        .contains("<script src=\"/__dateline/reload.js\"></script>"));
    assert!(
        page.body.contains("href=\"/tags/anti-terror/\""),
        "local links"
    );
    let events = s.events();

    // An edit: the page changes by itself and open pages are told.
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [anti-terror]",
        "Edited text.\n",
    );
    s.wait_for("/2017/07/04/alpha/", "the edit", |r| {
        r.body.contains("Edited text.")
    });
    let data = next_event(&events, "reload");
    assert!(data.contains("\"/2017/07/04/alpha/\""), "{data}");

    // A broken edit: the error is shown over the last good page.
    t.story(
        "a.md",
        "title: Alpha\ndate: someday\nkeywords: [anti-terror]",
        "Broken text.\n",
    );
    let r = s.wait_for("/2017/07/04/alpha/", "the overlay", |r| {
        r.body.contains("dateline-overlay")
    });
    assert!(r.body.contains("Edited text.") && !r.body.contains("Broken text."));
    assert!(
        r.body
            .contains("content/a.md:3: error: invalid date `someday`"),
        "{}",
        r.body
    );
    let data = next_event(&events, "error");
    assert!(data.contains("invalid date"), "{data}");

    // The fix clears it.
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [anti-terror]",
        "Fixed text.\n",
    );
    let r = s.wait_for("/2017/07/04/alpha/", "the fix", |r| {
        r.body.contains("Fixed text.")
    });
    assert!(!r.body.contains("dateline-overlay"));

    // A deletion: 404 at the old URL, gone from its keyword page.
    std::fs::remove_file(t.path("content/a.md")).unwrap();
    let r = s.wait_for("/2017/07/04/alpha/", "the deletion", |r| r.status == 404);
    assert!(r.body.contains("Page not found"));
    let tag = s.get("/tags/anti-terror/");
    assert!(!tag.body.contains("Alpha") && tag.body.contains(SEED_URL));

    // A template edit re-renders the pages drawn with it, and only them.
    let tpl = dateline::DEFAULT_TEMPLATES
        .iter()
        .find(|(n, _)| *n == "tags.html")
        .unwrap()
        .1;
    t.write(
        "templates/tags.html",
        tpl.replace("<h1>Keywords</h1>", "<h1>All keywords</h1>"),
    );
    let line = s.line_with("templates/tags.html");
    assert!(
        line.starts_with("templates/tags.html: 1 pages written"),
        "{line}"
    );
    s.wait_for("/tags/", "the template edit", |r| {
        r.body.contains("<h1>All keywords</h1>")
    });

    // Nothing of the preview lands where a deploy would take it.
    assert!(!t.path("public").exists());
}

#[test]
fn http_rules() {
    let t = site();
    t.write(
        "static/img/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let s = serve(&t);
    s.line_with("Built ");
    let css = s.get("/style.css");
    assert_eq!(css.status, 200);
    assert!(css.head.contains("content-type: text/css; charset=utf-8"));
    assert!(!css.body.contains("reload.js"), "only HTML gets the script");
    assert!(s
        .get("/feed.xml")
        .head
        .contains("content-type: application/xml"));
    assert!(s
        .get("/img/logo.svg")
        .head
        .contains("content-type: image/svg+xml"));
    let redirect = s.get("/2017");
    assert_eq!(redirect.status, 301);
    assert!(redirect.head.contains("location: /2017/"));
    assert_eq!(s.get("/2017/").status, 200);
    let missing = s.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
    let head = s.request("HEAD", "/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for evil in [
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/2017/%2E%2E/%2E%2E/site.yaml",
        "/..%2fsite.yaml",
    ] {
        let r = s.get(evil);
        assert_eq!(r.status, 404, "{evil}");
        assert!(!r.body.contains("base_url"), "{evil} leaked site.yaml");
    }
}

#[test]
fn a_failed_first_build_still_serves_the_overlay() {
    let t = site();
    t.story("bad.md", "title: Bad\ndate: never", "x\n");
    let s = serve(&t);
    let r = s.wait_for("/", "the overlay", |r| {
        r.status == 503 && r.body.contains("dateline-overlay")
    });
    assert!(
        r.body
            .contains("content/bad.md:3: error: invalid date `never`"),
        "{}",
        r.body
    );
    std::fs::remove_file(t.path("content/bad.md")).unwrap();
    let r = s.wait_for("/", "the first good build", |r| r.status == 200);
    assert!(r.body.contains("Latest stories") && !r.body.contains("dateline-overlay"));
}

/// A reader who comes before the first build is done is told so, with its
/// progress, by a page that reloads itself: never a 404 for a page that is
/// about to exist.
#[test]
fn before_the_first_build_is_done_pages_say_it_is_being_built() {
    let t = site();
    // Enough stories that the first build takes a while.
    for i in 0..2000 {
        t.story(
            &format!("bulk/s{i}.md"),
            &format!("title: Bulk story {i}\ndate: 2016-01-01 10:00:00"),
            "Text.\n",
        );
    }
    let s = serve(&t);
    let r = s.get("/2017/07/04/alpha/");
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.head.contains("retry-after: 1"));
    assert!(r.body.contains("The archive is being built"), "{}", r.body);
    assert!(r.body.contains("<p role=\"status\">"), "{}", r.body);
    assert!(r.body.contains("http-equiv=\"refresh\""), "{}", r.body);
    s.line_with("Built ");
    let r = s.get("/2017/07/04/alpha/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Original text."));
}

/// Whole folders moved away and back: `content/` gone empties the site,
/// back it fills it again and is watched afresh (a later edit rebuilds);
/// `templates/` or `static/` coming or going reloads everything.
#[test]
fn whole_folders_moved_away_and_back() {
    let t = site();
    let s = serve(&t);
    s.line_with("Built ");
    let story = "/2017/07/04/alpha/";
    assert_eq!(s.get(story).status, 200);

    std::fs::rename(t.path("content"), t.path("content.away")).unwrap();
    let line = s.line_with("(removed)");
    assert!(line.starts_with("2 files in content/ (removed):"), "{line}");
    s.wait_for(story, "the story gone", |r| r.status == 404);

    std::fs::rename(t.path("content.away"), t.path("content")).unwrap();
    s.line_with("2 files in content/:");
    s.wait_for(story, "the story back", |r| r.status == 200);
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [anti-terror]",
        "Edited after the move.\n",
    );
    s.line_with("content/a.md:");
    s.wait_for(story, "the edit", |r| {
        r.body.contains("Edited after the move.")
    });

    t.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}Nothing here.{% endblock content %}",
    );
    s.line_with("templates/");
    s.wait_for("/404.html", "the site's own 404 page", |r| {
        r.body.contains("Nothing here.")
    });
    std::fs::remove_dir_all(t.path("templates")).unwrap();
    s.line_with("templates/ (the folder)");
    s.wait_for("/404.html", "the default 404 page", |r| {
        !r.body.contains("Nothing here.")
    });
}

/// Agency files are content like any other: a NewsML-G2 message dropped
/// into `content/` adds its stories live, an edited item re-renders its
/// page, and a message that stops being XML is an overlay, not a crash.
#[test]
fn agency_files_dropped_in_and_edited() {
    let t = site();
    let s = serve(&t);
    s.line_with("Built ");
    let message = include_str!("../fixtures/agency/g2-message.xml");
    t.write("content/wire/message.xml", message);
    let zh = "/2017/07/03/xi-jin-ping-tong-pu-jing-ju-xing-hui-tan/";
    s.wait_for(zh, "the dropped message", |r| r.status == 200);
    let ar = s.get("/2017/07/03/shy-wbwtyn-yjryn-mhdtht-fy-mwskw/");
    assert!(ar.body.contains("lang=\"ar\" dir=\"rtl\""), "{}", ar.body);
    assert!(s
        .get("/2017/07/03/")
        .body
        .contains("FLASH: China, Russia sign joint statement"));

    t.write(
        "content/wire/message.xml",
        message.replace("举行会谈。", "举行会谈。两国元首签署联合声明。"),
    );
    s.wait_for(zh, "the edited item", |r| {
        r.body.contains("两国元首签署联合声明。")
    });

    t.write("content/wire/message.xml", &message[..message.len() / 2]);
    let r = s.wait_for(zh, "the overlay", |r| r.body.contains("dateline-overlay"));
    assert!(r.body.contains("content/wire/message.xml:"), "{}", r.body);
    assert!(
        r.body.contains("两国元首签署联合声明。"),
        "the last good page stays"
    );

    std::fs::remove_file(t.path("content/wire/message.xml")).unwrap();
    s.wait_for(zh, "the deletion", |r| r.status == 404);
    assert_eq!(s.get(&format!("/{SEED_URL}")).status, 200);
}

/// An embargoed story goes live at its time with no change of any file:
/// one known at the start, and one filed under embargo while serving.
#[test]
fn embargoed_stories_are_published_on_time() {
    let t = site();
    let held = |title: &str, secs: i64| {
        let at = chrono::Utc::now() + chrono::Duration::seconds(secs);
        format!(
            "title: {title}\ndate: 2017-07-05 10:00:00\nembargo: {}",
            at.to_rfc3339()
        )
    };
    t.story("first.md", &held("First held", 4), "Released on time.\n");
    let s = serve(&t);
    s.line_with("Built ");
    let url = "/2017/07/05/first-held/";
    assert_eq!(s.get(url).status, 404, "not before its time");
    let r = s.wait_for(url, "the first release", |r| r.status == 200);
    assert!(r.body.contains("Released on time."));
    assert!(s.get("/").body.contains("First held"));

    t.story(
        "second.md",
        &held("Second held", 4),
        "Filed while serving.\n",
    );
    let url = "/2017/07/05/second-held/";
    s.line_with("content/second.md");
    assert_eq!(s.get(url).status, 404, "not before its time");
    let r = s.wait_for(url, "the second release", |r| r.status == 200);
    assert!(r.body.contains("Filed while serving."));
}

/// A new version dropped in while serving updates the story at its URL and
/// in its listings and feed; a kill replaces its page with the notice and
/// takes it out of every listing, live.
#[test]
fn new_versions_and_kills_go_live() {
    let t = site();
    let ninjs = |version: u32, time: &str, headline: &str, status: &str, body: &str| {
        format!(
            r#"{{"uri":"urn:ap:summit","version":"{version}","type":"text","headline":"{headline}","firstcreated":"2017-07-05T09:00:00Z","versioncreated":"{time}","pubstatus":"{status}","keywords":["summit"],"body_text":"{body}"}}"#
        )
    };
    t.write(
        "content/ap/summit-1.json",
        ninjs(
            1,
            "2017-07-05T09:00:00Z",
            "Summit opens",
            "usable",
            "Leaders arrive.",
        ),
    );
    let s = serve(&t);
    s.line_with("Built ");
    let url = "/2017/07/05/summit-opens/";
    assert!(s.get(url).body.contains("Leaders arrive."));

    t.write(
        "content/ap/summit-2.json",
        ninjs(
            2,
            "2017-07-05T15:00:00Z",
            "Summit ends with pact",
            "usable",
            "A pact is signed.",
        ),
    );
    // The rebuild's line is printed once its commit is done.
    s.line_with("content/ap/summit-2.json");
    let page = s.wait_for(url, "the new version", |r| {
        r.body.contains("A pact is signed.")
    });
    assert!(page.body.contains("<h1>Summit ends with pact</h1>"));
    assert!(page.body.contains("<summary>2 versions</summary>"));
    assert_eq!(
        s.get("/2017/07/05/summit-ends-with-pact/").status,
        404,
        "one URL"
    );
    for listing in ["/", "/2017/07/05/", "/tags/summit/"] {
        let body = s.get(listing).body;
        assert!(body.contains("Summit ends with pact"), "{listing}");
        assert!(!body.contains(">Summit opens<"), "{listing}");
    }
    let feed = s.get("/feed.xml").body;
    assert!(
        feed.contains("<updated>2017-07-05T15:00:00+00:00</updated>"),
        "{feed}"
    );

    t.write(
        "content/ap/summit-3.json",
        ninjs(
            3,
            "2017-07-05T16:00:00Z",
            "Summit ends with pact",
            "canceled",
            "Kill.",
        ),
    );
    s.line_with("content/ap/summit-3.json");
    let page = s.wait_for(url, "the notice", |r| r.body.contains("Story withdrawn"));
    assert!(page
        .body
        .contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(!page.body.contains("A pact is signed."));
    for listing in ["/", "/feed.xml", "/sitemap.xml"] {
        let body = s.get(listing).body;
        assert!(!body.contains("Summit ends with pact"), "{listing}");
        assert!(!body.contains(url), "{listing}");
    }
    // Files go after the new ones are in place (a commit renames, then
    // removes): wait for the removals.
    s.wait_for(
        "/2017/07/05/",
        "the day page, which had only it, to go",
        |r| r.status == 404,
    );
    s.wait_for("/tags/summit/", "its keyword's page to go", |r| {
        r.status == 404
    });
}
