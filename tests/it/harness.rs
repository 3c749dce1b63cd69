//! `SiteTest`: a site in a temp dir, built with the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The seed story, as the agency delivered it.
pub const SEED: &str = include_str!("../../content/xinhua-2017-07-03-anti-terror.txt");
/// Where the seed story is published.
pub const SEED_URL: &str =
    "2017/07/03/anti-terror-cooperation-key-part-of-china-russia-partnership-xi/";

pub struct SiteTest {
    dir: tempfile::TempDir,
}

/// What a run of the binary did.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.output.status.success()
    }
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// Panics with both streams unless the run succeeded.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert!(
            self.ok(),
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Panics unless the run failed with exit code 1.
    #[track_caller]
    pub fn assert_fails(&self) -> &Self {
        assert_eq!(
            self.code(),
            Some(1),
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

impl SiteTest {
    /// An empty site with this `site.yaml`.
    pub fn new(site_yaml: &str) -> SiteTest {
        let t = SiteTest {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        t.write("site.yaml", site_yaml);
        t
    }

    /// A site with a default configuration.
    pub fn basic() -> SiteTest {
        SiteTest::new(
            "title: Test Wire\nbase_url: https://news.example.org/\ntimezone: \"+08:00\"\n",
        )
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file of the site (parents created).
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    /// Writes a Markdown story under `content/`.
    pub fn story(&self, rel: &str, front: &str, body: &str) -> &Self {
        self.write(
            &format!("content/{rel}"),
            format!("---\n{front}\n---\n{body}"),
        )
    }

    /// Runs `dateline ARGS` in the site folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run dateline");
        Run { output }
    }

    /// `dateline build` with extra args.
    pub fn build(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// A file of the output (`public/`).
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let p = self.path("public").join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path("public").join(rel).exists()
    }

    /// Every file under `dir` (relative path → bytes).
    pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }
}

/// The text of an HTML fragment once escaped like the templates do.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}
