//! Bad input: every bad file reported with path and line, exit code 1, and
//! the previous output left untouched.

use crate::harness::{SiteTest, SEED};

/// Builds a site with one bad file and returns stderr, asserting exit 1.
#[track_caller]
fn fails_with(t: &SiteTest) -> String {
    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    assert!(err.contains("error: build failed:"), "{err}");
    err
}

#[test]
fn malformed_yaml() {
    let t = SiteTest::basic();
    t.story(
        "bad.md",
        "title: Fine\ndate: 2020-01-01\nkeywords: [unclosed, list",
        "x\n",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("content/bad.md:5:1: error: did not find expected ',' or ']'"),
        "{err}"
    );
}

#[test]
fn missing_title() {
    let t = SiteTest::basic();
    t.story("bad.md", "date: 2020-01-01", "x\n");
    let err = fails_with(&t);
    assert!(
        err.contains(
            "content/bad.md:1: error: missing `title` in front matter: expected a headline"
        ),
        "{err}"
    );
}

#[test]
fn missing_date() {
    let t = SiteTest::basic();
    t.story("bad.md", "title: No date", "x\n");
    let err = fails_with(&t);
    assert!(err.contains("content/bad.md:1: error: missing `date` in front matter: expected `YYYY-MM-DD HH:MM:SS`"), "{err}");
}

#[test]
fn unparseable_date() {
    let t = SiteTest::basic();
    t.story("bad.md", "title: T\nsource: AP\ndate: 3rd of July", "x\n");
    let err = fails_with(&t);
    assert!(
        err.contains("content/bad.md:4: error: invalid date `3rd of July`: expected `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or RFC 3339"),
        "{err}"
    );
}

#[test]
fn unknown_front_matter_key_is_named() {
    let t = SiteTest::basic();
    t.story(
        "bad.md",
        "title: T\ndate: 2020-01-01\nkeyword: [typo]",
        "x\n",
    );
    let err = fails_with(&t);
    assert!(
        err.contains(
            "content/bad.md:4:1: error: unknown field `keyword`, expected one of `title`, `date`"
        ),
        "{err}"
    );
}

#[test]
fn invalid_utf8() {
    let t = SiteTest::basic();
    t.write(
        "content/latin1.txt",
        b"Headline\n\nSource: AP| 2020-01-01\n\nZ\xFCrich -- text\n",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("content/latin1.txt:5:2: error: invalid UTF-8: byte 0xFC at byte offset 35; expected UTF-8 text"),
        "{err}"
    );
}

#[test]
fn wire_copy_without_source_line() {
    let t = SiteTest::basic();
    t.write(
        "content/nosource.txt",
        "Headline here\n\nBEIJING, July 3 (Xinhua) -- Text.\n",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("content/nosource.txt:3: error: expected a source line `Source: <agency>| <YYYY-MM-DD HH:MM:SS>|Editor: <name>` after the headline, found `BEIJING, July 3 (Xinhua) -- Text.`"),
        "{err}"
    );
}

#[test]
fn explicit_slugs_giving_the_same_url_name_both_files() {
    let t = SiteTest::basic();
    t.story(
        "one.md",
        "title: One\ndate: 2020-01-01 10:00:00\nslug: same",
        "x\n",
    );
    t.story(
        "two.md",
        "title: Two\ndate: 2020-01-01 11:00:00\nslug: same",
        "x\n",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("content/two.md:4: error: slug `same` gives /2020/01/01/same/ which content/one.md (line 4) already uses"),
        "{err}"
    );
}

#[test]
fn unknown_site_yaml_key() {
    let t = SiteTest::new("title: T\nper_pgae: 10\n");
    let err = fails_with(&t);
    assert!(
        err.contains("site.yaml:2:1: error: unknown field `per_pgae`, expected one of"),
        "{err}"
    );
}

#[test]
fn every_bad_file_is_reported_not_just_the_first() {
    let t = SiteTest::basic();
    t.story("a.md", "date: 2020-01-01", "x\n");
    t.story("b.md", "title: B", "x\n");
    t.write("content/c.txt", "Just a headline\n");
    t.story("fine.md", "title: Fine\ndate: 2020-01-01", "x\n");
    let err = fails_with(&t);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 3, "{err}");
    assert!(errors[0].starts_with("content/a.md:1:"));
    assert!(errors[1].starts_with("content/b.md:1:"));
    assert!(errors[2].starts_with("content/c.txt:2:"));
    assert!(err.contains("error: build failed: 3 error(s) in 3 file(s)"));
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.story("b.md", "title: Other\ndate: 2020-01-01", "x\n");
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));
    t.story("b.md", "title: Other\ndate: not a date", "x\n");
    let err = fails_with(&t);
    assert!(err.contains("was left as it was"));
    assert_eq!(SiteTest::snapshot(&t.path("public")), before);
    // No staging folder is left behind.
    let leftovers: Vec<String> = std::fs::read_dir(t.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public") && n != ".public.lock" && n != ".public.cache")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_broken_template_is_named_and_nothing_is_written() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01", "x\n");
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));
    t.write("templates/article.html", "{% extends \"base.html\" %}\n{% block content %}{{ article.title }\n{% endblock content %}\n");
    let err = fails_with(&t);
    assert!(err.contains("templates/article.html:2:"), "{err}");
    assert_eq!(SiteTest::snapshot(&t.path("public")), before);

    // A template that renders an unknown variable fails at render time.
    t.write("templates/article.html", "{{ article.nope }}");
    let err = fails_with(&t);
    assert!(
        err.contains("templates/article.html:1:12: error: rendering /2020/01/01/a/:")
            && err.contains("`nope` is not defined"),
        "{err}"
    );
    assert_eq!(SiteTest::snapshot(&t.path("public")), before);
}

/// A template that includes itself, directly or through another, is an
/// error naming the loop, found before anything renders; a component that
/// calls itself with nothing to stop it fails to render; neither overflows
/// the stack. Includes in comments and raw blocks are text, and a
/// recursion under a condition is a legitimate tree walk.
#[test]
fn template_recursion_that_never_ends_is_an_error_not_a_crash() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01", "x\n");
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));
    t.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}{% include \"box.html\" %}{% endblock content %}",
    );
    t.write(
        "templates/box.html",
        "<div>\n{% include \"box.html\" %}</div>",
    );
    let err = fails_with(&t);
    assert!(
        err.contains(
            "templates/box.html:2: error: template include cycle: box.html includes box.html"
        ),
        "{err}"
    );
    assert!(!err.contains("overflow"), "{err}");
    assert_eq!(SiteTest::snapshot(&t.path("public")), before);

    t.write(
        "templates/box.html",
        "{% if true %}{% include \"inner.html\" %}{% endif %}",
    );
    t.write(
        "templates/inner.html",
        "{% for i in [1] %}{% include \"box.html\" %}{% endfor %}",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("template include cycle: box.html includes inner.html includes box.html"),
        "{err}"
    );

    t.write(
        "templates/inner.html",
        "{# {% include \"box.html\" %} #}{% raw %}{% include \"box.html\" %}{% endraw %}",
    );
    t.build(&[]).assert_ok();

    // A component (Tera's macro) that calls itself with nothing to stop it
    // is stopped by Tera at a depth of 20.
    let before = SiteTest::snapshot(&t.path("public"));
    t.write(
        "templates/components.html",
        "{% component countdown(n) %}\n{{ n }} {{ <countdown n={n - 1}/> }}\n{% endcomponent countdown %}",
    );
    t.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}{{ <countdown n={3}/> }}{% endblock content %}",
    );
    let err = fails_with(&t);
    assert!(
        err.contains("error: rendering /404.html:") && err.contains("recursion depth"),
        "{err}"
    );
    assert!(!err.contains("overflow"), "{err}");
    assert_eq!(SiteTest::snapshot(&t.path("public")), before);
    t.write(
        "templates/components.html",
        "{% component countdown(n) %}{{ n }}{% if n > 0 %} {{ <countdown n={n - 1}/> }}{% endif %}{% endcomponent countdown %}",
    );
    t.build(&[]).assert_ok();
    assert!(t.read("404.html").contains("3 2 1 0"));
}

#[test]
fn invalid_config_values() {
    let t = SiteTest::new("base_url: news.example.org\ntimezone: Asia/Shanghai\nper_page: 0\n");
    let err = fails_with(&t);
    assert!(
        err.contains("site.yaml:1: error: invalid base_url `news.example.org`"),
        "{err}"
    );
    assert!(
        err.contains("site.yaml:2: error: invalid timezone `Asia/Shanghai`"),
        "{err}"
    );
    assert!(
        err.contains("site.yaml:3: error: invalid per_page 0"),
        "{err}"
    );
}

#[test]
fn missing_site_yaml() {
    let t = SiteTest::basic();
    std::fs::remove_file(t.path("site.yaml")).unwrap();
    let err = fails_with(&t);
    assert!(err.contains("site.yaml: error: no site.yaml in"), "{err}");
}

/// A site big enough that a debug build takes a while.
fn big_site() -> SiteTest {
    let t = SiteTest::basic();
    let opts = dateline_corpus::CorpusOptions {
        stories: 2000,
        ..Default::default()
    };
    dateline_corpus::generate(t.root(), &opts).unwrap();
    t
}

fn staging_dirs(t: &SiteTest) -> Vec<String> {
    std::fs::read_dir(t.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.staging-"))
        .collect()
}

/// Starts `dateline build ARGS` and returns once it is writing pages: into
/// its staging folder (a clean build), or beside the output's files (a
/// build over an output stages each file under a hidden name).
// The caller kills or waits for the child it gets back.
#[allow(clippy::zombie_processes)]
fn build_in_progress(t: &SiteTest, args: &[&str]) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
        .arg("build")
        .args(args)
        .current_dir(t.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let since = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    loop {
        let staging = staging_dirs(t)
            .iter()
            .any(|d| t.path(d).join("tags").exists());
        if staging || staged_in_place(t, since) {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the build ended ({status}) before it was seen writing");
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the build never started writing");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Whether `public/` holds a file staged beside its place since `since`
/// (not one a killed build left).
fn staged_in_place(t: &SiteTest, since: std::time::SystemTime) -> bool {
    walkdir::WalkDir::new(t.path("public"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dateline-new"))
        .any(|e| {
            e.metadata()
                .is_ok_and(|m| m.modified().is_ok_and(|t| t >= since))
        })
}

#[test]
fn a_killed_clean_build_leaves_the_previous_output_and_the_next_build_cleans_up() {
    let t = big_site();
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));
    let mut child = build_in_progress(&t, &["--clean"]);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        SiteTest::snapshot(&t.path("public")),
        before,
        "the killed build touched public/"
    );
    t.build(&[]).assert_ok();
    assert!(
        staging_dirs(&t).is_empty(),
        "stale staging folders: {:?}",
        staging_dirs(&t)
    );
}

/// A build over an output killed at several moments: every file is whole
/// (its old bytes or its new), and the next build gives exactly a clean
/// build's output.
#[test]
fn a_build_over_an_output_killed_at_any_moment_leaves_every_file_whole() {
    let t = big_site();
    t.build(&[]).assert_ok();
    let old = SiteTest::snapshot(&t.path("public"));
    // A new title: every page changes.
    let yaml = std::fs::read_to_string(t.path("site.yaml")).unwrap();
    let renamed: String = yaml
        .lines()
        .map(|l| {
            if l.starts_with("title:") {
                "title: Renamed Wire"
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(renamed, yaml);
    t.write("site.yaml", renamed);
    let fresh = t.path("fresh");
    t.build(&["--clean", "--output", fresh.to_str().unwrap()])
        .assert_ok();
    let new = SiteTest::snapshot(&fresh);
    std::fs::remove_dir_all(&fresh).unwrap();
    for wait_ms in [0, 30, 150] {
        let mut child = build_in_progress(&t, &[]);
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
            if path.ends_with(".dateline-new") {
                continue; // staged, not yet in its place: the next build removes it
            }
            assert!(
                old.get(&path) == Some(&bytes) || new.get(&path) == Some(&bytes),
                "{path} is neither its old nor its new self (killed after {wait_ms} ms)"
            );
        }
    }
    t.build(&[]).assert_ok();
    assert_eq!(SiteTest::snapshot(&t.path("public")), new);
}

#[test]
fn a_second_build_at_once_is_refused_with_a_clear_message() {
    let t = big_site();
    let mut first = build_in_progress(&t, &["--clean"]);
    let second = t.build(&[]);
    second.assert_fails();
    assert!(
        second
            .stderr()
            .contains("another dateline process is writing this output folder"),
        "{}",
        second.stderr()
    );
    assert!(first.wait().unwrap().success(), "the first build completes");
    assert!(t.exists("index.html") && t.exists("sitemap.xml"));
}

/// A build replaces its output folder whole, so an `--output` that would
/// take the site itself, or a folder of other files, with it is refused
/// before anything is read, and everything stays as it was.
#[test]
fn an_output_folder_that_would_take_other_files_is_refused() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01", "x\n");
    t.write("notes/todo.txt", "keep me");
    let site = SiteTest::snapshot(t.root());
    let cases: [(&str, &str); 5] = [
        (".", "it holds the site itself"),
        ("..", "it holds the site itself"),
        ("content/out", "it is inside the site's content/ folder"),
        (
            "notes",
            "it holds 1 file(s) or folder(s) but no built site (no index.html)",
        ),
        ("notes/todo.txt", "it is a file; expected a folder"),
    ];
    for (out, why) in cases {
        let run = t.build(&["--output", out]);
        run.assert_fails();
        let err = run.stderr();
        assert!(
            err.contains("error: build failed: using as output folder"),
            "{out}: {err}"
        );
        assert!(err.contains(why), "{out}: {err}");
        assert_eq!(
            SiteTest::snapshot(t.root()),
            site,
            "{out}: the site changed"
        );
    }
    // A new folder, an empty one, or a site built before are fine.
    std::fs::create_dir(t.path("empty")).unwrap();
    t.build(&["--output", "empty"]).assert_ok();
    t.build(&["--output", "empty"]).assert_ok();
    t.build(&["--output", "new/deep"]).assert_ok();
}

/// `public/` as a clone of a deploy repository (GitHub Pages): its `.git`
/// is carried into each new output, never deleted with the old one.
#[test]
fn a_deploy_repository_in_the_output_folder_keeps_its_git() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01", "x\n");
    t.write("public/.git/HEAD", "ref: refs/heads/gh-pages\n");
    t.build(&[]).assert_ok();
    t.build(&[]).assert_ok();
    assert_eq!(t.read(".git/HEAD"), "ref: refs/heads/gh-pages\n");
    assert!(t.exists("2020/01/01/a/index.html"));
    // A failed build leaves it where it was too.
    t.story("b.md", "title: B\ndate: never", "x\n");
    t.build(&[]).assert_fails();
    assert_eq!(t.read(".git/HEAD"), "ref: refs/heads/gh-pages\n");
}

/// An output folder that is a symbolic link (to a web server's document
/// root) stays a link: the folder it names is replaced, build after build.
#[cfg(unix)]
#[test]
fn a_symlinked_output_folder_stays_a_link() {
    let t = SiteTest::basic();
    t.story("a.md", "title: A\ndate: 2020-01-01", "x\n");
    std::fs::create_dir(t.path("www")).unwrap();
    std::os::unix::fs::symlink("www", t.path("public")).unwrap();
    t.build(&[]).assert_ok();
    t.build(&[]).assert_ok();
    let link = std::fs::symlink_metadata(t.path("public")).unwrap();
    assert!(link.file_type().is_symlink(), "public/ is still a link");
    assert!(t.path("www/2020/01/01/a/index.html").is_file());
}
