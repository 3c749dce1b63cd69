//! Hostile input: decades of copy nobody cleaned. Each file gets a correct
//! page or a clear error; nothing forbidden reaches a page or a feed.

use std::process::Command;

use crate::harness::{count, SiteTest, SEED};

/// Characters XML 1.0 and HTML validators reject.
fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[track_caller]
fn assert_output_clean(t: &SiteTest) {
    for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        if let Some(c) = text.chars().find(|&c| forbidden(c)) {
            panic!("{path} contains U+{:04X}", c as u32);
        }
    }
}

#[test]
fn control_characters_never_reach_pages_or_feeds() {
    let t = SiteTest::basic();
    t.write(
        "content/ctl.txt",
        "Markets \u{7f}rally\n\nSource: AP| 2020-01-01 10:00:00\n\nLONDON, Jan. 1 (AP) -- Shares \u{1b}[Brose.\n\nKEY WORDS: markets\n\u{3}\n",
    );
    t.story(
        "ctl.md",
        "title: \"Bell\u{7}s ring\"\ndate: 2020-01-02",
        "Text with \u{0} a NUL.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    let err = run.stderr();
    assert!(
        err.contains("content/ctl.txt:1: warning: control character U+007F dropped"),
        "{err}"
    );
    assert!(
        err.contains("content/ctl.txt:5: warning: control character U+001B dropped"),
        "{err}"
    );
    assert!(
        !err.contains("U+0003"),
        "trailing end-of-text is framing: {err}"
    );
    assert!(
        err.contains("content/ctl.md:2: warning: control character U+0007 dropped"),
        "{err}"
    );
    assert!(
        err.contains("content/ctl.md:5: warning: control character U+0000 dropped"),
        "{err}"
    );
    let page = t.read("2020/01/01/markets-rally/index.html");
    assert!(page.contains("<h1>Markets rally</h1>"));
    assert!(
        page.contains("Shares [Brose."),
        "the rest of the escape stays as text"
    );
    assert_output_clean(&t);
}

#[test]
fn invalid_utf8_fails_by_default_and_is_replaced_with_lossy() {
    let t = SiteTest::basic();
    t.write(
        "content/latin1.txt",
        b"Z\xFCrich talks\n\nSource: AP| 2020-01-01\n\nText.\n",
    );
    let run = t.build(&[]);
    run.assert_fails();
    assert!(run
        .stderr()
        .contains("content/latin1.txt:1:2: error: invalid UTF-8: byte 0xFC at byte offset 1"));
    let run = t.build(&["--lossy"]);
    run.assert_ok();
    assert!(run
        .stderr()
        .contains("content/latin1.txt:1:2: warning: invalid UTF-8: byte 0xFC at byte offset 1"));
    assert!(run.stderr().contains("(--lossy)"));
    assert!(t
        .read("2020/01/01/z-rich-talks/index.html")
        .contains("<h1>Z\u{FFFD}rich talks</h1>"));
}

#[test]
fn markup_characters_are_text_everywhere() {
    let t = SiteTest::basic();
    t.write(
        "content/acme.txt",
        "<ACME CORP> & A&P: 1 < 2\n\nSource: A&P Wire| 2020-01-01 10:00:00|Editor: <b>Ed</b>\n\nNEW YORK, Jan. 1 -- <ACME CORP> rose *5%* & A&P fell; 1 < 2.\n\nKEY WORDS: <ACME>\n",
    );
    t.build(&[]).assert_ok();
    let page = t.read("2020/01/01/acme-corp-a-p-1-2/index.html");
    assert!(page.contains("<title>&lt;ACME CORP&gt; &amp; A&amp;P: 1 &lt; 2 | Test Wire</title>"));
    assert!(page.contains("<h1>&lt;ACME CORP&gt; &amp; A&amp;P: 1 &lt; 2</h1>"));
    assert!(page.contains(
        "<p>NEW YORK, Jan. 1 -- &lt;ACME CORP&gt; rose *5%* &amp; A&amp;P fell; 1 &lt; 2.</p>"
    ));
    assert!(page.contains("A&amp;P Wire") && page.contains("&lt;b&gt;Ed&lt;/b&gt;"));
    assert!(!page.contains("<ACME") && !page.contains("<b>Ed"));
    let feed = t.read("feed.xml");
    assert!(feed.contains("<title>&lt;ACME CORP&gt; &amp; A&amp;P: 1 &lt; 2</title>"));
    assert!(t
        .read("tags/acme/index.html")
        .contains("<h1>&lt;ACME&gt;</h1>"));
}

#[test]
fn a_rule_in_a_markdown_body_is_not_front_matter() {
    let t = SiteTest::basic();
    t.story(
        "rule.md",
        "title: Rules\ndate: 2020-01-01",
        "Above.\n\n---\n\nBelow: title: not a key\n\n---\n",
    );
    t.build(&[]).assert_ok();
    let page = t.read("2020/01/01/rules/index.html");
    assert!(
        page.contains("<p>Above.</p>\n<hr />\n<p>Below: title: not a key</p>\n<hr />"),
        "{page}"
    );

    t.write(
        "content/open.md",
        "---\ntitle: Never closed\ndate: 2020-01-01\n\nBody.\n",
    );
    let run = t.build(&[]);
    run.assert_fails();
    assert!(run
        .stderr()
        .contains("content/open.md:1: error: front matter opened here is never closed"));
}

#[test]
fn headlines_long_punctuation_and_other_scripts() {
    let t = SiteTest::basic();
    let long = "Very long headline about the summit ".repeat(7);
    t.story(
        "long1.md",
        &format!("title: \"{long}\"\ndate: 2020-01-01 10:00:00"),
        "x\n",
    );
    t.story(
        "long2.md",
        &format!("title: \"{long}\"\ndate: 2020-01-01 11:00:00"),
        "x\n",
    );
    t.story(
        "punct.md",
        "title: \"!!! ... ???\"\ndate: 2020-01-02",
        "x\n",
    );
    t.story("zh.md", "title: 习近平会见普京\ndate: 2020-01-03", "x\n");
    t.story("ar.md", "title: مرحبا بالعالم\ndate: 2020-01-04", "x\n");
    t.story(
        "ru.md",
        "title: Путин встретился с Си\ndate: 2020-01-05",
        "x\n",
    );
    t.build(&[]).assert_ok();
    let days: Vec<String> = SiteTest::snapshot(&t.path("public"))
        .into_keys()
        .filter(|k| k.starts_with("2020/01/") && k.matches('/').count() == 4)
        .collect();
    for d in &days {
        let slug = d.split('/').nth(3).unwrap();
        assert!(
            slug.len() <= 82 && slug.is_ascii() && !slug.is_empty(),
            "{d}"
        );
    }
    let day1: Vec<&String> = days
        .iter()
        .filter(|d| d.starts_with("2020/01/01/"))
        .collect();
    assert_eq!(day1.len(), 2, "two long headlines, two URLs: {day1:?}");
    assert!(t.exists("2020/01/02/story/index.html"), "{days:?}");
    assert!(
        t.exists("2020/01/05/putin-vstretilsia-s-si/index.html"),
        "{days:?}"
    );
    let zh = days.iter().find(|d| d.starts_with("2020/01/03/")).unwrap();
    assert!(t.read(zh).contains("<h1>习近平会见普京</h1>"));
    let ar = days.iter().find(|d| d.starts_with("2020/01/04/")).unwrap();
    assert!(t.read(ar).contains("<h1>مرحبا بالعالم</h1>"));

    t.story("empty.md", "title: \"   \"\ndate: 2020-01-06", "x\n");
    let run = t.build(&[]);
    run.assert_fails();
    assert!(
        run.stderr()
            .contains("content/empty.md:2: error: empty `title`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn awkward_files() {
    let t = SiteTest::basic();
    t.story(
        "with space é.md",
        "title: Spaced name\ndate: 2020-01-01",
        "x\n",
    );
    #[cfg(unix)]
    {
        std::fs::create_dir_all(t.path("content/loop")).unwrap();
        std::os::unix::fs::symlink("..", t.path("content/loop/again")).unwrap();
    }
    t.build(&[]).assert_ok();
    assert!(t.exists("2020/01/01/spaced-name/index.html"));

    // A dangling link and an empty file are errors that name them.
    #[cfg(unix)]
    std::os::unix::fs::symlink("/nonexistent/story.md", t.path("content/dangling.md")).unwrap();
    t.write("content/empty.txt", "");
    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    assert!(
        err.contains("content/empty.txt:1: error: empty story"),
        "{err}"
    );
    #[cfg(unix)]
    assert!(
        err.contains("content/dangling.md: error: cannot read"),
        "{err}"
    );
}

/// A story named like one but not a regular file (a pipe: reading it would
/// wait forever) is skipped with a warning, and an unreadable file is an
/// error naming it.
#[cfg(unix)]
#[test]
fn pipes_and_unreadable_files() {
    use std::os::unix::fs::PermissionsExt;

    let t = SiteTest::basic();
    t.story("ok.md", "title: Fine\ndate: 2020-01-01", "x\n");
    let fifo = t.path("content/pipe.md");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr().contains(
            "content/pipe.md: warning: not a regular file (a pipe, socket or device): skipped"
        ),
        "{}",
        run.stderr()
    );
    std::fs::remove_file(&fifo).unwrap();

    let locked = t.path("content/locked.md");
    std::fs::write(&locked, "---\ntitle: Locked\ndate: 2020-01-02\n---\nx\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = t.build(&[]);
    if std::fs::read(&locked).is_ok() {
        // Root reads anything: the story is simply built.
        run.assert_ok();
        assert!(t.exists("2020/01/02/locked/index.html"));
    } else {
        run.assert_fails();
        assert!(
            run.stderr()
                .contains("content/locked.md: error: cannot read"),
            "{}",
            run.stderr()
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn a_fifty_megabyte_story_builds() {
    let t = SiteTest::basic();
    let para = "Word ".repeat(200);
    let mut text = String::from("Huge story\n\nSource: AP| 2020-01-01 10:00:00\n\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&para);
        text.push_str("\n\n");
    }
    t.write("content/huge.txt", &text);
    t.build(&[]).assert_ok();
    let page = t.read("2020/01/01/huge-story/index.html");
    assert!(page.len() > 50 * 1024 * 1024);
    assert!(count(&t.read("index.html"), "Huge story") >= 1);
}

#[test]
fn story_fields_cannot_inject_markup_or_script() {
    let t = SiteTest::new("title: T\nbase_url: https://x.org/\nfeed_content: full\n");
    let evil = r#"</script><img src=x onerror=alert(1)>\"'"#;
    t.story(
        "evil.md",
        &format!(
            "title: '{e}'\ndate: 2020-01-01\nsource: '{e}'\neditor: '{e}'\nbyline: '{e}'\ndateline: '{e}'\nsummary: '{e}'\nkeywords: ['{e}']",
            e = evil.replace('\'', "''")
        ),
        "<img src=x onerror=alert(2)> </script>\n",
    );
    t.build(&[]).assert_ok();
    for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("<img src=x"), "{path} carries a live <img>");
        assert!(
            !text.contains("onerror=alert(1)>") || !text.contains("<img"),
            "{path}"
        );
        let scripts = text.matches("<script").count();
        let closes = text.matches("</script>").count();
        assert_eq!(
            scripts, closes,
            "{path}: a story field closed a script element"
        );
    }
    let page = SiteTest::snapshot(&t.path("public"))
        .into_iter()
        .find(|(k, _)| k.starts_with("2020/01/01/") && k.matches('/').count() == 4)
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .unwrap();
    let ld = page
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap();
    let ld = &ld[..ld.find("</script>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(ld).expect("JSON-LD is valid JSON");
    assert_eq!(v["headline"], evil);
    assert_eq!(v["@type"], "NewsArticle");
}

/// Copy from Windows desks: CRLF line endings, in wire copy and in
/// Markdown, build exactly as LF ones do; no `\r` reaches a page.
#[test]
fn crlf_line_endings_build_like_lf() {
    let lf = SiteTest::basic();
    lf.write("content/seed.txt", SEED);
    lf.story(
        "a.md",
        "title: Crlf\ndate: 2020-01-01\nkeywords: [x]",
        "One.\n\nTwo.\n",
    );
    lf.build(&[]).assert_ok();
    let crlf = SiteTest::basic();
    crlf.write("content/seed.txt", SEED.replace('\n', "\r\n"));
    crlf.write(
        "content/a.md",
        "---\r\ntitle: Crlf\r\ndate: 2020-01-01\r\nkeywords: [x]\r\n---\r\nOne.\r\n\r\nTwo.\r\n",
    );
    crlf.build(&[]).assert_ok();
    let (a, b) = (
        SiteTest::snapshot(&lf.path("public")),
        SiteTest::snapshot(&crlf.path("public")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &b {
        assert!(!bytes.contains(&b'\r'), "{path} carries a \\r");
        if path.ends_with(".html") {
            assert_eq!(
                String::from_utf8_lossy(&a[path]),
                String::from_utf8_lossy(bytes),
                "{path}"
            );
        }
    }
}

/// Files in an encoding or front matter dateline does not read get an error
/// that says which, and how to convert.
#[test]
fn utf16_and_toml_front_matter_are_named() {
    let t = SiteTest::basic();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "Headline\n\nSource: AP| 2020-01-01 10:00:00\n\nBody.\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    t.write("content/utf16.txt", utf16);
    t.write("content/hugo.md", "+++\ntitle = \"T\"\n+++\nx\n");
    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    assert!(
        err.contains("content/utf16.txt:1:1: error: the file is UTF-16 (it starts with a UTF-16 byte-order mark); expected UTF-8 text (convert the file, e.g. `iconv -f utf-16 -t utf-8`)"),
        "{err}"
    );
    assert!(
        err.contains("content/hugo.md:1: error: expected front matter opening with a `---` line, found `+++` (TOML front matter, which dateline does not read: write it as YAML)"),
        "{err}"
    );
}
