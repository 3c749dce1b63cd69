//! Standards-valid output, checked with third-party tools and parsers on the
//! sample archive and on a generated archive with hostile stories mixed in:
//! the W3C Nu Html Checker (vnu.jar), Atom and sitemap structure (parsed
//! with roxmltree), internal links (`dateline check`), and the head every
//! page must carry.
//!
//! The Nu Html Checker needs Java and vnu.jar, from the npm package
//! `vnu-jar` (`.ci/run` installs both, vnu.jar into `target/vnu/`;
//! `VNU_JAR` may point elsewhere), so its tests are `#[ignore]`d: a plain
//! `cargo test` lists them as ignored, `cargo test -- --ignored` runs them
//! and fails if the checker is missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{SiteTest, SEED};

fn vnu_jar() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("VNU_JAR")
        .map(PathBuf::from)
        .into_iter()
        .chain([repo.join("target/vnu/node_modules/vnu-jar/build/dist/vnu.jar")])
        .find(|p| p.is_file())
}

/// A generated archive with hostile stories mixed in, built.
fn hostile_archive() -> SiteTest {
    let t = SiteTest::basic();
    let opts = dateline_corpus::CorpusOptions {
        stories: 300,
        per_page: 10,
        ..Default::default()
    };
    dateline_corpus::generate(t.root(), &opts).unwrap();
    t.write("content/seed.txt", SEED);
    t.write(
        "content/ctl.txt",
        "Markets \u{7f}rally <ACME>\n\nSource: A&P| 2020-01-01 10:00:00\n\n****LONDON (A&P) -- Shares \u{1b}[B rose; 1 < 2 & 3 > 2.\n\nKEY WORDS: <ACME>, A&P\n\u{3}",
    );
    t.story(
        "evil.md",
        "title: '</script><img src=x onerror=alert(1)>\"'\ndate: 2020-01-02\nsource: '\"><b>'\nkeywords: ['</script>', 'x\"y']",
        "<img src=x onerror=alert(2)>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: A footnote.\n",
    );
    t.story(
        "zh.md",
        "title: 习近平会见普京\ndate: 2020-01-03\nkeywords: [中国]",
        "正文。\n",
    );
    t.story(
        "long.md",
        &format!(
            "title: \"{}\"\ndate: 2020-01-04",
            "Very long headline ".repeat(15)
        ),
        "x\n",
    );
    t.build(&[]).assert_ok();
    t
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

#[track_caller]
fn assert_valid_html(dir: &Path) {
    let jar = vnu_jar().expect(
        "no vnu.jar: install it with `npm install --prefix target/vnu --ignore-scripts vnu-jar` \
         (and Java), as .ci/run does, or point VNU_JAR at it",
    );
    let out = Command::new("java")
        .args(["-jar"])
        .arg(&jar)
        .args(["--errors-only", "--skip-non-html", "--format", "text"])
        .arg(dir)
        .output()
        .expect("run java");
    assert!(
        out.status.success(),
        "the Nu Html Checker found errors:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every feed: well-formed Atom with id, title and updated on the feed and
/// each entry, unique entry ids, RFC 3339 dates.
#[track_caller]
fn assert_valid_feeds(dir: &Path) -> usize {
    let atom = "http://www.w3.org/2005/Atom";
    let mut feeds = 0;
    for path in walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
    {
        if path.file_name().is_none_or(|n| n != "feed.xml") {
            continue;
        }
        feeds += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let doc =
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let feed = doc.root_element();
        assert!(feed.has_tag_name((atom, "feed")), "{}", path.display());
        let child = |n: roxmltree::Node, name: &str| {
            n.children()
                .find(|c| c.has_tag_name((atom, name)))
                .and_then(|c| c.text())
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{}: no <{name}>", path.display()))
        };
        for n in
            std::iter::once(feed).chain(feed.children().filter(|c| c.has_tag_name((atom, "entry"))))
        {
            assert!(!child(n, "title").is_empty());
            assert!(child(n, "id").contains(':'), "ids are absolute IRIs");
            chrono::DateTime::parse_from_rfc3339(&child(n, "updated")).expect("RFC 3339 updated");
        }
        let ids: Vec<String> = feed
            .children()
            .filter(|c| c.has_tag_name((atom, "entry")))
            .map(|e| child(e, "id"))
            .collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{}: duplicate entry ids",
            path.display()
        );
    }
    feeds
}

/// The sitemap (and its parts): sitemaps.org namespace, every page but
/// 404.html listed, every location a written file.
#[track_caller]
fn assert_valid_sitemap(dir: &Path, base: &str) {
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let text = std::fs::read_to_string(dir.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert!(doc.root_element().has_tag_name((ns, "urlset")));
    let mut listed = BTreeSet::new();
    for loc in doc.descendants().filter(|n| n.has_tag_name((ns, "loc"))) {
        let url = loc.text().unwrap();
        let rel = url
            .strip_prefix(base)
            .unwrap_or_else(|| panic!("{url} outside {base}"));
        let file = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        assert!(dir.join(&file).is_file(), "{url} maps to no file");
        listed.insert(file);
    }
    for page in html_files(dir) {
        let rel = page
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let noindex = std::fs::read_to_string(&page)
            .unwrap()
            .contains("<meta name=\"robots\" content=\"noindex\">");
        if noindex {
            assert!(
                !listed.contains(&rel),
                "{rel} is noindex, and in the sitemap"
            );
        } else if rel != "404.html" {
            assert!(listed.contains(&rel), "{rel} is not in the sitemap");
        } else {
            assert!(!listed.contains(&rel));
        }
    }
}

/// `<html lang>`, `<title>`, viewport, canonical link; JSON-LD NewsArticle
/// on article pages.
#[track_caller]
fn assert_page_heads(dir: &Path) {
    for page in html_files(dir) {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.display();
        assert!(
            text.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{name}"
        );
        assert!(
            text.contains("<title>") && text.contains("<meta name=\"viewport\""),
            "{name}"
        );
        assert!(text.contains("<link rel=\"canonical\" href=\""), "{name}");
        let rel = page
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // `YYYY/MM/DD/<slug>/index.html` (not `YYYY/MM/page/N/index.html`).
        let parts: Vec<&str> = rel.split('/').collect();
        let is_article = parts.len() == 5
            && parts[..3]
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if is_article && text.contains("<meta name=\"robots\" content=\"noindex\">") {
            // A killed story's notice: nothing of the story, no metadata.
            assert!(text.contains("<h1>Story withdrawn</h1>"), "{name}");
            assert!(!text.contains("application/ld+json"), "{name}");
        } else if is_article {
            let ld = text
                .split("<script type=\"application/ld+json\">")
                .nth(1)
                .expect("JSON-LD");
            let ld = &ld[..ld.find("</script>").unwrap()];
            let v: serde_json::Value =
                serde_json::from_str(ld).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(v["@type"], "NewsArticle", "{name}");
            let published = v["datePublished"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(published).expect("datePublished with offset");
            assert!(v["publisher"]["name"].is_string() && v["headline"].is_string());
        }
    }
}

/// The repository's sample archive, built into a temp folder.
fn sample_archive() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("public");
    let repo = env!("CARGO_MANIFEST_DIR");
    let status = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["build", "--root", repo, "--output"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(status.status.success());
    (out, dir)
}

#[test]
fn the_sample_archive_is_standards_valid() {
    let (_tmp, dir) = sample_archive();
    assert_page_heads(&dir);
    assert!(assert_valid_feeds(&dir) > 5);
    assert_valid_sitemap(&dir, "https://news.example.org/");
}

#[test]
#[ignore = "needs Java and the Nu Html Checker (.ci/run installs them): cargo test -- --ignored"]
fn the_sample_archive_is_valid_html() {
    let (_tmp, dir) = sample_archive();
    assert_valid_html(&dir);
}

#[test]
fn a_hostile_archive_is_standards_valid() {
    let t = hostile_archive();
    let dir = t.path("public");
    assert_page_heads(&dir);
    assert!(assert_valid_feeds(&dir) > 50);
    assert_valid_sitemap(&dir, "https://news.example.org/");
    t.run(&["check"]).assert_ok();
}

#[test]
#[ignore = "needs Java and the Nu Html Checker (.ci/run installs them): cargo test -- --ignored"]
fn a_hostile_archive_is_valid_html() {
    let t = hostile_archive();
    assert_valid_html(&t.path("public"));
}
