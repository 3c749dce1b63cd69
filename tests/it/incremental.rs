//! `dateline build` over an existing output (SPEC.md "Incremental builds"):
//! only files whose bytes change are written (the others keep their
//! modification time), files no longer produced are removed, and the output
//! is byte-identical to a clean build; `--changes FILE` lists what was
//! written and removed; a failed build changes nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::harness::{SiteTest, SEED};

fn site() -> SiteTest {
    let t = SiteTest::basic();
    t.write("content/seed.txt", SEED);
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nSecond paragraph.\n",
    );
    t.story(
        "b.md",
        "title: Bravo\ndate: 2017-07-05 10:00:00\nkeywords: [trade]",
        "Bravo's text.\n",
    );
    t
}

/// An old modification time.
fn long_ago() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// Sets every file under `dir` to [`long_ago`].
pub(crate) fn age(dir: &Path) {
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let f = std::fs::File::options().write(true).open(e.path()).unwrap();
            f.set_modified(long_ago()).unwrap();
        }
    }
}

/// The files under `dir` that are no longer [`long_ago`]: those written.
pub(crate) fn touched(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.metadata().unwrap().modified().unwrap() != long_ago())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

/// The output equals a clean build of the same site, byte for byte.
#[track_caller]
pub(crate) fn same_as_clean(t: &SiteTest) -> BTreeMap<String, Vec<u8>> {
    let clean = t.path("clean");
    let run = t.build(&["--clean", "--output", clean.to_str().unwrap()]);
    run.assert_ok();
    let want = SiteTest::snapshot(&clean);
    std::fs::remove_dir_all(&clean).unwrap();
    let got = SiteTest::snapshot(&t.path("public"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the same files as a clean build"
    );
    for (k, v) in &want {
        assert!(got[k] == *v, "{k} differs from a clean build");
    }
    got
}

#[test]
fn a_build_over_its_output_writes_only_what_changed() {
    let t = site();
    let run = t.build(&[]);
    run.assert_ok();
    let files = SiteTest::snapshot(&t.path("public")).len();
    assert!(
        run.stdout().contains(&format!(
            " ({files} files written, 0 removed, 0 unchanged) -> "
        )),
        "{}",
        run.stdout()
    );
    let public = t.path("public");
    age(&public);

    // Nothing changed: nothing written.
    let changes = t.path("changes.txt");
    let run = t.build(&["--changes", changes.to_str().unwrap()]);
    run.assert_ok();
    assert!(
        run.stdout().contains(&format!(
            " (0 files written, 0 removed, {files} unchanged) -> "
        )),
        "{}",
        run.stdout()
    );
    assert_eq!(std::fs::read_to_string(&changes).unwrap(), "");
    assert!(touched(&public).is_empty(), "{:?}", touched(&public));

    // A second paragraph corrected: its page alone, and the search shard
    // of the one word it adds (`corrected`, and its stem's if apart).
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nSecond paragraph, corrected.\n",
    );
    let run = t.build(&["--changes", changes.to_str().unwrap()]);
    run.assert_ok();
    let listed = std::fs::read_to_string(&changes).unwrap();
    let (shards, pages): (Vec<&str>, Vec<&str>) =
        listed.lines().partition(|l| l.starts_with("+ search/t/"));
    assert_eq!(pages, ["+ 2017/07/04/alpha/index.html"], "{listed}");
    assert!((1..=2).contains(&shards.len()), "{listed}");
    let touched_now = touched(&public);
    assert_eq!(touched_now.len(), 1 + shards.len(), "{touched_now:?}");
    assert!(
        run.stdout().contains(&format!(
            " ({} files written, 0 removed, ",
            1 + shards.len()
        )),
        "{}",
        run.stdout()
    );
    same_as_clean(&t);

    // A story removed: its page goes, its listings change, the folders it
    // leaves empty go too.
    age(&public);
    std::fs::remove_file(t.path("content/b.md")).unwrap();
    t.build(&["--changes", changes.to_str().unwrap()])
        .assert_ok();
    let listed = std::fs::read_to_string(&changes).unwrap();
    assert!(
        listed.contains("- 2017/07/05/bravo/index.html\n"),
        "{listed}"
    );
    assert!(listed.contains("- 2017/07/05/index.html\n"), "{listed}");
    assert!(listed.contains("+ index.html\n"), "{listed}");
    assert!(!public.join("2017/07/05").exists());
    let written: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix("+ "))
        .collect();
    assert_eq!(
        touched(&public),
        written,
        "what is listed is what was written"
    );
    same_as_clean(&t);

    // `--clean` writes every file.
    age(&public);
    let run = t.build(&["--clean"]);
    run.assert_ok();
    assert!(run
        .stdout()
        .contains(" written, 0 removed, 0 unchanged) -> "));
    assert_eq!(
        touched(&public).len(),
        SiteTest::snapshot(&public).len(),
        "every file written"
    );
}

#[test]
fn what_a_clean_build_would_not_have_goes_and_a_deploy_repository_stays() {
    let t = site();
    t.build(&[]).assert_ok();
    // A stray file, and the leftover of a build killed mid-write.
    t.write("public/stray.html", "<p>not ours</p>");
    t.write("public/2017/07/04/alpha/.index.html.dateline-new", "half");
    t.write("public/.git/HEAD", "ref: refs/heads/pages\n");
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().contains(" (0 files written, 2 removed, "),
        "{}",
        run.stdout()
    );
    assert!(!t.path("public/stray.html").exists());
    assert!(!t
        .path("public/2017/07/04/alpha/.index.html.dateline-new")
        .exists());
    assert!(
        t.path("public/.git/HEAD").exists(),
        "a deploy repository stays"
    );
    std::fs::remove_dir_all(t.path("public/.git")).unwrap();
    same_as_clean(&t);
    // A page edited by hand is put back.
    t.write("public/2017/07/04/alpha/index.html", "edited by hand");
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout().contains(" (1 file written, 0 removed, "),
        "{}",
        run.stdout()
    );
    same_as_clean(&t);
}

#[test]
fn a_failed_build_over_an_output_changes_nothing() {
    let t = site();
    t.build(&[]).assert_ok();
    let public = t.path("public");
    age(&public);
    let before = SiteTest::snapshot(&public);
    t.story("broken.md", "title: Broken\ndate: someday", "x\n");
    t.story(
        "a.md",
        "title: Alpha, edited\ndate: 2017-07-04 10:00:00\nkeywords: [trade]",
        "Edited.\n",
    );
    let changes = t.path("changes.txt");
    std::fs::write(&changes, "from before\n").unwrap();
    let run = t.build(&["--changes", changes.to_str().unwrap()]);
    run.assert_fails();
    assert!(
        run.stderr().contains("content/broken.md:3"),
        "{}",
        run.stderr()
    );
    assert_eq!(SiteTest::snapshot(&public), before);
    assert!(touched(&public).is_empty());
    assert_eq!(
        std::fs::read_to_string(&changes).unwrap(),
        "from before\n",
        "no change list for a build that changed nothing"
    );
}

/// The count a build's `--timings` report gives before `what`
/// (`pages rendered`, `story files parsed`).
#[track_caller]
pub(crate) fn counted(run: &crate::harness::Run, what: &str) -> usize {
    let err = run.stderr();
    err.lines()
        .find_map(|l| l.trim().strip_suffix(what))
        .unwrap_or_else(|| panic!("no count of {what} in {err}"))
        .trim()
        .parse()
        .unwrap()
}

/// How many pages the build rendered.
#[track_caller]
fn rendered(run: &crate::harness::Run) -> usize {
    counted(run, " pages rendered")
}

#[test]
fn the_record_of_a_build_spares_the_next_from_rendering_what_did_not_change() {
    let t = site();
    t.build(&[]).assert_ok();
    assert!(t.path(".public.cache/manifest").is_file());
    let again = t.build(&["--timings"]);
    again.assert_ok();
    assert_eq!(rendered(&again), 0, "{}", again.stderr());
    assert!(again.stdout().contains("(0 files written, 0 removed"));
    assert!(!again.stderr().contains("note:"), "{}", again.stderr());

    // One story's text past its summary: its page, and nothing that does
    // not show it.
    t.story(
        "a.md",
        "title: Alpha\ndate: 2017-07-04 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nSecond paragraph, corrected.\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    let n = rendered(&run);
    assert!((1..=3).contains(&n), "rendered {n}: {}", run.stderr());
    same_as_clean(&t);

    // A template: the pages drawn with it, and only those.
    let stories = 3;
    t.write(
        "templates/article.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ article.title }}</h1>{% endblock content %}\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(rendered(&run), stories, "{}", run.stderr());
    same_as_clean(&t);
}

/// A component defined in one template and called from another: editing
/// the component renders again the pages that call it (and those only),
/// though they name no template.
#[test]
fn a_component_edited_renders_again_the_pages_that_call_it() {
    let t = site();
    t.write(
        "templates/parts.html",
        "{% component badge(label) %}<b class=\"badge\">{{ label }}</b>{% endcomponent badge %}",
    );
    t.write(
        "templates/article.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ article.title }}</h1>{{ <badge label={article.source}/> }}{% endblock content %}\n",
    );
    t.build(&[]).assert_ok();
    assert!(t
        .read("2017/07/04/alpha/index.html")
        .contains("<b class=\"badge\">"));
    t.write(
        "templates/parts.html",
        "{% component badge(label) %}<i class=\"badge\">{{ label }}</i>{% endcomponent badge %}",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert!(t
        .read("2017/07/04/alpha/index.html")
        .contains("<i class=\"badge\">"));
    // The three stories' pages.
    assert_eq!(rendered(&run), 3, "{}", run.stderr());
    same_as_clean(&t);
}

#[test]
fn an_output_changed_by_hand_is_repaired_and_said_so() {
    let t = site();
    t.build(&[]).assert_ok();
    // Stamps taken long ago: nothing is trusted for being too recent.
    std::thread::sleep(Duration::from_millis(2100));
    let public = t.path("public");
    std::fs::write(public.join("index.html"), "edited by hand").unwrap();
    std::fs::remove_file(public.join("feed.xml")).unwrap();
    std::fs::write(public.join("2017/stray.html"), "stray").unwrap();
    std::fs::create_dir_all(public.join("new/deep")).unwrap();
    std::fs::write(public.join("new/deep/x.html"), "x").unwrap();
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert!(
        run.stderr()
            .contains("note: 2 file(s) and 2 unknown file(s) changed in"),
        "{}",
        run.stderr()
    );
    // Only the pages whose files changed were rendered again.
    assert_eq!(rendered(&run), 2, "{}", run.stderr());
    same_as_clean(&t);
}

#[test]
fn a_same_size_edit_in_the_last_clock_tick_is_still_seen() {
    let t = site();
    t.build(&[]).assert_ok();
    // At once, same length: only reading the file can tell.
    let page = t.path("public/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    let at = bytes.iter().position(|&b| b == b'<').unwrap();
    bytes[at + 1] = b'X';
    std::fs::write(&page, &bytes).unwrap();
    t.build(&[]).assert_ok();
    same_as_clean(&t);
}

#[test]
fn a_missing_or_damaged_record_falls_back_to_a_correct_build() {
    let t = site();
    t.build(&[]).assert_ok();
    let manifest = t.path(".public.cache/manifest");
    let mut bytes = std::fs::read(&manifest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&manifest, &bytes).unwrap();
    t.story(
        "b.md",
        "title: Bravo retitled\ndate: 2017-07-05 10:00:00",
        "x\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    let err = run.stderr();
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr());
    assert!(
        notes[0].contains("is unusable (its checksum does not match)"),
        "{notes:?}"
    );
    same_as_clean(&t);

    std::fs::remove_file(&manifest).unwrap();
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr().contains("note: no record of the last build"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().contains("(0 files written, 0 removed"));
    // And the build after it trusts its record again.
    let run = t.build(&["--timings"]);
    assert_eq!(rendered(&run), 0);
}

#[test]
fn other_options_render_every_page_again() {
    let t = site();
    t.build(&[]).assert_ok();
    let run = t.build(&["--timings", "--base-url", "https://other.example/"]);
    run.assert_ok();
    assert!(run
        .stderr()
        .contains("note: dateline, site.yaml or the build's options changed"));
    assert!(rendered(&run) > 5);
    let run = t.build(&["--timings", "--base-url", "https://other.example/"]);
    assert_eq!(rendered(&run), 0);
}

/// Whether the build saw from its record alone that nothing changed (its
/// timings have no loading stage).
fn loaded_nothing(run: &crate::harness::Run) -> bool {
    let err = run.stderr();
    err.contains("check the site") && !err.contains("load stories")
}

/// Waits out the clock tick in which the last files were written: a
/// build that stamps a file written in the same tick cannot vouch for it
/// by its stamp, so the next build loads the site again.
pub(crate) fn settle() {
    std::thread::sleep(Duration::from_millis(2100));
}

#[test]
fn what_a_build_read_to_trust_is_trusted_by_its_stamp_afterwards() {
    let t = site();
    settle();
    t.build(&[]).assert_ok();
    // A file of the output dated ahead of the clock (copied from a machine
    // whose clock is ahead, say) cannot vouch for its bytes by its stamp
    // until the clock passes it: each build reads it; the first after that
    // finds it whole and says so in the record; the one after trusts it.
    let ahead = SystemTime::now() + Duration::from_secs(3);
    std::fs::File::options()
        .write(true)
        .open(t.path("public/index.html"))
        .unwrap()
        .set_modified(ahead)
        .unwrap();
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert!(
        run.stdout().contains("(0 files written"),
        "{}",
        run.stdout()
    );
    // A build that loads nothing, and records that something settled or not.
    let unchanged_and_settles = |settles: bool| {
        let run = t.build(&["--timings"]);
        run.assert_ok();
        assert!(loaded_nothing(&run), "{}", run.stderr());
        assert_eq!(
            run.stderr().contains("record what is settled"),
            settles,
            "{}",
            run.stderr()
        );
    };
    unchanged_and_settles(false);
    if let Ok(left) = ahead.duration_since(SystemTime::now()) {
        std::thread::sleep(left + Duration::from_millis(100));
    }
    unchanged_and_settles(true);
    unchanged_and_settles(false);
    // A settled file edited by hand is still seen.
    t.write("public/index.html", "edited by hand");
    let run = t.build(&[]);
    run.assert_ok();
    assert!(run.stdout().contains("(1 file written"), "{}", run.stdout());
    same_as_clean(&t);
}

#[test]
fn a_build_that_finds_nothing_changed_reads_nothing_and_says_the_same() {
    let t = site();
    // The same headline on one day: a warning, which every build repeats.
    t.story(
        "c.md",
        "title: Bravo\ndate: 2017-07-05 11:00:00",
        "Again.\n",
    );
    settle();
    let first = t.build(&["--timings"]);
    first.assert_ok();
    let again = t.build(&["--timings"]);
    again.assert_ok();
    assert!(loaded_nothing(&again), "{}", again.stderr());
    let summary = |r: &crate::harness::Run| {
        let out = r.stdout();
        let line = out.lines().next().unwrap().to_string();
        line.split(" in ").next().unwrap().to_string()
    };
    assert_eq!(summary(&again), summary(&first));
    assert!(again.stdout().contains("(0 files written, 0 removed"));
    let warns = |r: &crate::harness::Run| {
        r.stderr()
            .lines()
            .filter(|l| l.contains("warning:"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(warns(&again), warns(&first));
    assert_eq!(warns(&again).len(), 1, "{:?}", warns(&again));

    // Each kind of change is seen.
    let changes: [(&str, &dyn Fn()); 5] = [
        ("a new story", &|| {
            t.story("d.md", "title: Delta\ndate: 2017-07-06 10:00:00", "New.\n");
        }),
        ("an edited story", &|| {
            t.story(
                "d.md",
                "title: Delta\ndate: 2017-07-06 10:00:00",
                "Edited.\n",
            );
        }),
        ("a removed story", &|| {
            std::fs::remove_file(t.path("content/d.md")).unwrap()
        }),
        ("a template", &|| {
            t.write(
                "templates/404.html",
                "{% extends \"base.html\" %}{% block content %}gone{% endblock content %}\n",
            );
        }),
        ("a static file", &|| {
            t.write("static/robots.txt", "User-agent: *\n");
        }),
    ];
    for (what, change) in changes {
        change();
        let run = t.build(&["--timings"]);
        run.assert_ok();
        assert!(!loaded_nothing(&run), "{what}: {}", run.stderr());
        same_as_clean(&t);
    }
    // The output changed by hand is seen too.
    std::fs::write(t.path("public/404.html"), "edited").unwrap();
    let run = t.build(&["--timings"]);
    assert!(!loaded_nothing(&run), "{}", run.stderr());
    same_as_clean(&t);
}

#[test]
fn an_embargo_that_ends_is_a_change() {
    let t = site();
    t.story(
        "e.md",
        "title: Held\ndate: 2017-07-04 09:00:00\nembargo: 2017-07-04 12:00:00",
        "Under embargo.\n",
    );
    let before = ["--timings", "--now", "2017-07-03T00:00:00Z"];
    settle();
    t.build(&before).assert_ok();
    let run = t.build(&before);
    assert!(loaded_nothing(&run), "{}", run.stderr());
    assert!(run.stdout().contains("1 story held under embargo"));
    let run = t.build(&["--timings", "--now", "2017-07-06T00:00:00Z"]);
    run.assert_ok();
    assert!(!loaded_nothing(&run), "{}", run.stderr());
    assert!(t.read("index.html").contains("Held"), "{}", run.stdout());
}

/// How many story files the build parsed.
#[track_caller]
fn parsed(run: &crate::harness::Run) -> usize {
    counted(run, " story files parsed")
}

#[test]
fn stories_kept_are_found_whatever_order_their_names_sort_in() {
    // A walk lists `x/` before `x-b.md` (by name); bytes sort `-` before
    // `/`. Every unchanged story is still taken from the cache.
    let t = site();
    for name in ["x-b.md", "x/a.md", "x/c.md", "x.md", "x.b/d.md", "y.md"] {
        t.story(
            name,
            &format!("title: Story {name}\ndate: 2017-07-06 10:00:00"),
            "Text.\n",
        );
    }
    settle();
    let first = t.build(&["--timings"]);
    first.assert_ok();
    assert_eq!(parsed(&first), 9);
    t.story(
        "x/c.md",
        "title: Story x/c.md edited\ndate: 2017-07-06 10:00:00",
        "Text.\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(parsed(&run), 1, "{}", run.stderr());
    same_as_clean(&t);
}

#[test]
fn only_changed_story_files_are_parsed_again() {
    let t = site();
    settle();
    let first = t.build(&["--timings"]);
    first.assert_ok();
    assert_eq!(parsed(&first), 3);
    assert!(t.path(".public.cache/stories").is_file());

    // Edited; touched with the same bytes; untouched.
    t.story(
        "a.md",
        "title: Alpha corrected\ndate: 2017-07-04 10:00:00\nkeywords: [trade]",
        "First paragraph.\n\nSecond paragraph.\n",
    );
    let b = t.path("content/b.md");
    let same = std::fs::read(&b).unwrap();
    std::fs::write(&b, &same).unwrap();
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(parsed(&run), 1, "{}", run.stderr());
    assert!(t.read("index.html").contains("Alpha corrected"));
    same_as_clean(&t);

    // A damaged cache is no cache, and said so.
    std::fs::write(t.path(".public.cache/stories"), "garbage").unwrap();
    t.story(
        "b.md",
        "title: Bravo\ndate: 2017-07-05 10:00:00",
        "Changed.\n",
    );
    let run = t.build(&["--timings"]);
    run.assert_ok();
    assert_eq!(parsed(&run), 3);
    assert!(
        run.stderr().contains("note: the parsed stories kept in"),
        "{}",
        run.stderr()
    );
    same_as_clean(&t);

    // `--clean` trusts nothing kept.
    let run = t.build(&["--timings", "--clean"]);
    assert_eq!(parsed(&run), 3);
}
