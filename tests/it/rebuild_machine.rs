//! A state-machine property test of rebuilds: random sequences of bursts of
//! changes to a site's files (stories added, edited, retitled, re-dated,
//! re-keyworded, given a summary, an `updated:` date or an explicit slug
//! (which may collide), made drafts, broken, removed and moved; new
//! versions of a story filed (numbered or not, with a new headline, a
//! correction note, or killing it), statuses changed (usable, withheld,
//! canceled); embargoes set, and time passing them (the session's clock
//! moved, as the watcher wakes it at a release time);
//! static files added and removed; templates and `site.yaml` edited), the
//! stories written
//! as Markdown, wire copy, ninjs, NewsML-G2 and NITF files, or as items of
//! a shared `.jsonl` dump or G2 `newsMessage` (where an edit of one story
//! rewrites a file that holds others), each burst applied to a live
//! [`Session`] the way `watch` applies it (the touched paths classified into
//! a change set), then compared byte for byte with a fresh build of the same
//! files. A burst that a fresh build rejects must be rejected and leave the
//! output as it was. After each burst a `dateline build` over an output of
//! its own (the incremental build) must give the same bytes too, leaving
//! every file whose bytes did not change unwritten (its modification
//! time kept), or fail and change nothing. Failures shrink to a minimal
//! sequence of bursts.
//!
//! `DATELINE_MACHINE_CASES` sets the number of sequences (default 24).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

use dateline::{BuildOptions, Quiet, Session};

use crate::harness::{SiteTest, SEED};

const TITLES: [&str; 5] = [
    "Talks resume",
    "Floods recede",
    "Markets rise",
    "Talks stall",
    "Storm hits",
];
const DAYS: [&str; 4] = ["2017-07-01", "2017-07-02", "2017-08-01", "2018-01-01"];
const KEYWORDS: [&str; 4] = ["trade", "weather", "economy", "Trade"];
const FOLDERS: [&str; 3] = ["", "desk/", "wire/2017/"];
const STATICS: [&str; 4] = ["extra.css", "img/logo.svg", "style.css", "404.html"];
const SLUGS: [&str; 2] = ["the-story", "another-story"];
const TEMPLATE_NAMES: [&str; 4] = ["tag.html", "article.html", "base.html", "stories.html"];
const CONFIGS: [&str; 4] = [
    "title: T\nbase_url: https://x.org/\ntimezone: \"+08:00\"\nper_page: 2\nfeed_limit: 3\n",
    "title: T\nbase_url: https://x.org/\ntimezone: \"+08:00\"\nper_page: 3\nfeed_limit: 2\nfeed_content: full\npagination: newest_first\n",
    "title: Renamed\nbase_url: https://x.org/archive/\ntimezone: \"+00:00\"\nper_page: 2\nrelative_links: true\n",
    "title: T\nbase_url: /\ntimezone: \"+08:00\"\nper_page: 1\nfeed_limit: 5\n",
];

/// One story as the model knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Story {
    folder: usize,
    title: usize,
    day: usize,
    hour: u32,
    keywords: Vec<usize>,
    body: u32,
    /// How it is written.
    kind: Kind,
    /// Written with a date that does not parse.
    broken: bool,
    /// Markdown only: `summary:`, `updated:` (an hour of 2019-06-01, later
    /// than any story), `slug:`, `draft: true`.
    summary: Option<u32>,
    updated: Option<u32>,
    slug: Option<usize>,
    draft: bool,
    /// An embargo (one of [`EMBARGOES`]), in the formats that carry one:
    /// held while the clock is before it.
    embargo: Option<usize>,
    /// The story it is a version of (its id is that story's), if any.
    of: Option<u32>,
    /// Its version number, if it says.
    version: Option<u32>,
    /// 0 usable, 1 withheld, 2 canceled.
    status: u8,
    /// A correction note.
    correction: Option<u32>,
}

/// The formats a story may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Markdown,
    /// Raw wire copy (`.txt`).
    Wire,
    /// A ninjs `.json` file of its own.
    Ninjs,
    /// A NewsML-G2 `newsItem` file of its own.
    NewsItem,
    /// An NITF file of its own.
    Nitf,
    /// A line of `content/feed.jsonl`.
    InJsonLines,
    /// An item of the `newsMessage` `content/wire/message.xml`.
    InMessage,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Markdown),
        1 => Just(Kind::Wire),
        1 => Just(Kind::Ninjs),
        1 => Just(Kind::NewsItem),
        1 => Just(Kind::Nitf),
        2 => Just(Kind::InJsonLines),
        2 => Just(Kind::InMessage),
    ]
}

/// The site's files, as the model knows them.
#[derive(Clone, Debug, Default)]
struct Files {
    /// Story number → story (its file is `content/<folder>s<n>.<ext>`).
    stories: BTreeMap<u32, Story>,
    next: u32,
    statics: BTreeSet<usize>,
    /// Template → which variant of it the site overrides it with.
    templates: BTreeMap<usize, u32>,
    config: usize,
    /// Which of [`CLOCKS`] it is.
    clock: usize,
}

/// One change to the files.
#[derive(Clone, Debug)]
enum Op {
    Add(Story),
    Body(Index, u32),
    Retitle(Index, usize),
    Redate(Index, usize, u32),
    Keywords(Index, Vec<usize>),
    Break(Index),
    Summary(Index, Option<u32>),
    Updated(Index, Option<u32>),
    Slug(Index, Option<usize>),
    Draft(Index),
    Embargo(Index, Option<usize>),
    /// A new version of a story (numbered after the highest, or not), in
    /// a format that carries an id.
    Version(Index, Story, bool),
    /// A new version that kills a story.
    Kill(Index),
    Status(Index, u8),
    Correction(Index, Option<u32>),
    /// Time passes: the clock moves to the next of [`CLOCKS`], and the
    /// session wakes up to it (as at a release time).
    Clock,
    Remove(Index),
    Move(Index, usize),
    Static(usize),
    Template(usize, Option<u32>),
    Config(usize),
}

fn story() -> impl Strategy<Value = Story> {
    (
        0..FOLDERS.len(),
        0..TITLES.len(),
        0..DAYS.len(),
        0u32..24,
        prop::collection::vec(0..KEYWORDS.len(), 0..3),
        any::<u32>(),
        kind(),
    )
        .prop_map(|(folder, title, day, hour, keywords, body, kind)| Story {
            folder,
            title,
            day,
            hour,
            keywords,
            body,
            kind,
            broken: false,
            summary: None,
            updated: None,
            slug: None,
            draft: false,
            embargo: None,
            of: None,
            version: None,
            status: 0,
            correction: None,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => story().prop_map(Op::Add),
        3 => (any::<Index>(), any::<u32>()).prop_map(|(i, b)| Op::Body(i, b)),
        3 => (any::<Index>(), 0..TITLES.len()).prop_map(|(i, t)| Op::Retitle(i, t)),
        2 => (any::<Index>(), 0..DAYS.len(), 0u32..24).prop_map(|(i, d, h)| Op::Redate(i, d, h)),
        2 => (any::<Index>(), prop::collection::vec(0..KEYWORDS.len(), 0..3))
            .prop_map(|(i, k)| Op::Keywords(i, k)),
        1 => any::<Index>().prop_map(Op::Break),
        1 => (any::<Index>(), prop::option::of(0u32..3)).prop_map(|(i, s)| Op::Summary(i, s)),
        1 => (any::<Index>(), prop::option::of(0u32..24)).prop_map(|(i, h)| Op::Updated(i, h)),
        1 => (any::<Index>(), prop::option::of(0..SLUGS.len())).prop_map(|(i, s)| Op::Slug(i, s)),
        1 => any::<Index>().prop_map(Op::Draft),
        1 => (any::<Index>(), prop::option::of(0..EMBARGOES.len())).prop_map(|(i, e)| Op::Embargo(i, e)),
        3 => (any::<Index>(), story(), any::<bool>()).prop_map(|(i, s, n)| Op::Version(i, s, n)),
        1 => any::<Index>().prop_map(Op::Kill),
        1 => (any::<Index>(), 0u8..3).prop_map(|(i, st)| Op::Status(i, st)),
        1 => (any::<Index>(), prop::option::of(0u32..3)).prop_map(|(i, c)| Op::Correction(i, c)),
        1 => Just(Op::Clock),
        2 => any::<Index>().prop_map(Op::Remove),
        1 => (any::<Index>(), 0..FOLDERS.len()).prop_map(|(i, f)| Op::Move(i, f)),
        2 => (0..STATICS.len()).prop_map(Op::Static),
        2 => (0..TEMPLATE_NAMES.len(), prop::option::of(0u32..3))
            .prop_map(|(t, v)| Op::Template(t, v)),
        1 => (0..CONFIGS.len()).prop_map(Op::Config),
    ]
}

impl Files {
    /// The story an index picks, if there are any.
    fn pick(&self, i: &Index) -> Option<u32> {
        if self.stories.is_empty() {
            return None;
        }
        self.stories
            .keys()
            .nth(i.index(self.stories.len()))
            .copied()
    }

    fn apply(&mut self, op: &Op) {
        let mut edit = |i: &Index, f: &mut dyn FnMut(&mut Story)| {
            if let Some(n) = self.pick(i) {
                let s = self.stories.get_mut(&n).expect("picked");
                s.broken = false;
                f(s);
            }
        };
        match op {
            Op::Add(s) => {
                self.stories.insert(self.next, s.clone());
                self.next += 1;
            }
            Op::Body(i, b) => edit(i, &mut |s| s.body = *b),
            Op::Retitle(i, t) => edit(i, &mut |s| s.title = *t),
            Op::Redate(i, d, h) => edit(i, &mut |s| (s.day, s.hour) = (*d, *h)),
            Op::Keywords(i, k) => edit(i, &mut |s| s.keywords.clone_from(k)),
            Op::Break(i) => edit(i, &mut |s| s.broken = true),
            Op::Summary(i, v) => edit(i, &mut |s| s.summary = *v),
            Op::Updated(i, h) => edit(i, &mut |s| s.updated = *h),
            Op::Slug(i, v) => edit(i, &mut |s| s.slug = *v),
            Op::Draft(i) => edit(i, &mut |s| s.draft = !s.draft),
            Op::Embargo(i, e) => edit(i, &mut |s| s.embargo = *e),
            Op::Status(i, st) => edit(i, &mut |s| s.status = *st),
            Op::Correction(i, c) => edit(i, &mut |s| s.correction = *c),
            Op::Version(i, new, numbered) => {
                if let Some(v) = self.version_of(i, new.clone(), *numbered) {
                    self.stories.insert(self.next, v);
                    self.next += 1;
                }
            }
            Op::Kill(i) => {
                if let Some(n) = self.pick(i) {
                    let mut kill = self.stories[&n].clone();
                    kill.status = 2;
                    kill.hour = (kill.hour + 1) % 24;
                    if let Some(mut v) = self.version_of(i, kill, true) {
                        v.body = 0;
                        self.stories.insert(self.next, v);
                        self.next += 1;
                    }
                }
            }
            Op::Clock => self.clock = (self.clock + 1).min(CLOCKS.len() - 1),
            Op::Move(i, f) => edit(i, &mut |s| s.folder = *f),
            Op::Remove(i) => {
                if let Some(n) = self.pick(i) {
                    self.stories.remove(&n);
                }
            }
            Op::Static(k) => {
                if !self.statics.remove(k) {
                    self.statics.insert(*k);
                }
            }
            Op::Template(t, Some(v)) => {
                self.templates.insert(*t, *v);
            }
            Op::Template(t, None) => {
                self.templates.remove(t);
            }
            Op::Config(c) => self.config = *c,
        }
    }

    /// `new` as the next version of the story `i` picks: its id, and the
    /// number after the highest of its versions (with `numbered`), in a
    /// format that carries an id (wire copy's id is its path).
    fn version_of(&self, i: &Index, mut new: Story, numbered: bool) -> Option<Story> {
        let n = self.pick(i)?;
        let root = self.stories[&n].of.unwrap_or(n);
        let highest = self
            .stories
            .iter()
            .filter(|(&m, s)| s.of.unwrap_or(m) == root)
            .filter_map(|(_, s)| s.version)
            .max()
            .unwrap_or(1);
        new.of = Some(root);
        new.version = numbered.then_some(highest + 1);
        if new.kind == Kind::Wire {
            new.kind = Kind::Markdown;
        }
        Some(new)
    }

    /// Every file of the site: path relative to the site folder → bytes.
    fn render(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        out.insert("site.yaml".to_string(), CONFIGS[self.config].to_string());
        out.insert("content/seed.txt".to_string(), SEED.to_string());
        let mut lines = String::new();
        let mut items = String::new();
        for (n, s) in &self.stories {
            let ext = match s.kind {
                Kind::Markdown => "md",
                Kind::Wire => "txt",
                Kind::Ninjs => "json",
                Kind::NewsItem | Kind::Nitf => "xml",
                Kind::InJsonLines => {
                    lines.push_str(&ninjs_text(s, *n));
                    lines.push('\n');
                    continue;
                }
                Kind::InMessage => {
                    items.push_str(&news_item_text(s, *n));
                    // Real feeds mix pictures in.
                    items.push_str(&format!(
                        "<newsItem guid=\"urn:test:pic{n}\"><itemMeta><itemClass qcode=\"ninat:picture\"/></itemMeta></newsItem>\n"
                    ));
                    continue;
                }
            };
            let path = format!("content/{}s{n}.{ext}", FOLDERS[s.folder]);
            let text = match s.kind {
                Kind::Ninjs => ninjs_text(s, *n),
                Kind::NewsItem => format!("<?xml version=\"1.0\"?>\n{}", news_item_text(s, *n)),
                Kind::Nitf => nitf_text(s, *n),
                _ => story_text(s, *n),
            };
            out.insert(path, text);
        }
        if !lines.is_empty() {
            out.insert("content/feed.jsonl".to_string(), lines);
        }
        if !items.is_empty() {
            out.insert(
                "content/wire/message.xml".to_string(),
                format!("<?xml version=\"1.0\"?>\n<newsMessage xmlns=\"http://iptc.org/std/nar/2006-10-01/\"><itemSet>\n{items}</itemSet></newsMessage>\n"),
            );
        }
        for &k in &self.statics {
            let name = STATICS[k];
            let text = if name.ends_with(".svg") {
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n".to_string()
            } else if name.ends_with(".html") {
                // Where the site has a page: the page wins.
                "<!DOCTYPE html><title>static</title>\n".to_string()
            } else {
                format!("/* {name} */ body {{ margin: 0 }}\n")
            };
            out.insert(format!("static/{name}"), text);
        }
        for (&t, &v) in &self.templates {
            out.insert(
                format!("templates/{}", TEMPLATE_NAMES[t]),
                template_text(TEMPLATE_NAMES[t], v),
            );
        }
        out
    }
}

/// An agency date: ISO 8601 in the site's time zone, or one that does not
/// parse.
fn agency_date(s: &Story) -> String {
    if s.broken {
        "someday".to_string()
    } else {
        format!("{}T{:02}:00:00", DAYS[s.day], s.hour)
    }
}

/// The clock of the builds and sessions here (`--now`), as time passes.
const CLOCKS: [&str; 3] = [
    "2020-01-01T00:00:00Z",
    "2020-03-01T00:00:00Z",
    "2020-09-01T00:00:00Z",
];

/// Embargo times: one before every clock, the others passed by the
/// second and the third.
const EMBARGOES: [&str; 3] = [
    "2019-12-31T00:00:00Z",
    "2020-02-01T00:00:00Z",
    "2020-06-01T00:00:00Z",
];

fn clock(k: usize) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(CLOCKS[k]).expect("a clock")
}

fn embargo_time(e: usize) -> &'static str {
    EMBARGOES[e]
}

/// Build options for the site at `root`, with the clock at `CLOCKS[k]`.
fn options(root: &std::path::Path, k: usize) -> BuildOptions {
    BuildOptions {
        now: Some(clock(k)),
        ..BuildOptions::new(root)
    }
}

/// The story's id: its own number's, or that of the story it is a
/// version of.
fn id_of(s: &Story, n: u32) -> String {
    format!("urn:test:{}", s.of.unwrap_or(n))
}

const STATUSES: [&str; 3] = ["usable", "withheld", "canceled"];

fn ninjs_text(s: &Story, n: u32) -> String {
    let keywords: Vec<&str> = s.keywords.iter().map(|&k| KEYWORDS[k]).collect();
    let mut v = serde_json::json!({
        "uri": id_of(s, n),
        "type": "text",
        "headline": TITLES[s.title],
        "firstcreated": agency_date(s),
        "keywords": keywords,
        "body_html": format!("<p>Paragraph {} of the story.</p><p>A second paragraph.</p>", s.body),
    });
    if let Some(h) = s.updated {
        v["versioncreated"] = format!("2019-06-01T{h:02}:30:00").into();
    }
    if let Some(d) = s.summary {
        v["description_text"] = format!("Summary {d}.").into();
    }
    if let Some(e) = s.embargo {
        v["embargoed"] = embargo_time(e).into();
    }
    if let Some(n) = s.version {
        v["version"] = n.to_string().into();
    }
    if s.status > 0 {
        v["pubstatus"] = STATUSES[s.status as usize].into();
    }
    if let Some(c) = s.correction {
        v["ednote"] =
            serde_json::json!([{"role": "correction", "value": format!("Correction {c}.")}]);
    }
    v.to_string()
}

fn news_item_text(s: &Story, n: u32) -> String {
    let keywords: String = s
        .keywords
        .iter()
        .map(|&k| format!("<keyword>{}</keyword>", KEYWORDS[k]))
        .collect();
    let version = s.updated.map_or(String::new(), |h| {
        format!("<versionCreated>2019-06-01T{h:02}:30:00</versionCreated>")
    });
    let summary = s.summary.map_or(String::new(), |d| {
        format!("<description>Summary {d}.</description>")
    });
    let mut version = match s.embargo {
        Some(e) => format!("{version}<embargoed>{}</embargoed>", embargo_time(e)),
        None => version,
    };
    if s.status > 0 {
        version.push_str(&format!(
            "<pubStatus qcode=\"stat:{}\"/>",
            STATUSES[s.status as usize]
        ));
    }
    if let Some(c) = s.correction {
        version.push_str(&format!(
            "<edNote>Correction {c}.</edNote><signal qcode=\"sig:correction\"/>"
        ));
    }
    let number = s
        .version
        .map_or(String::new(), |v| format!(" version=\"{v}\""));
    format!(
        "<newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\" guid=\"{}\"{number}><itemMeta><itemClass qcode=\"ninat:text\"/><firstCreated>{}</firstCreated>{version}</itemMeta><contentMeta><headline>{}</headline>{keywords}{summary}</contentMeta><contentSet><inlineXML contenttype=\"application/nitf+xml\"><nitf><body><body.content><p>Paragraph {} of the story.</p><p>A second paragraph.</p></body.content></body></nitf></inlineXML></contentSet></newsItem>\n",
        id_of(s, n),
        agency_date(s),
        TITLES[s.title],
        s.body
    )
}

fn nitf_text(s: &Story, n: u32) -> String {
    let keywords: String = s
        .keywords
        .iter()
        .map(|&k| format!("<keyword key=\"{}\"/>", KEYWORDS[k]))
        .collect();
    // NITF's basic ISO format: `20170701T050000`.
    let date = agency_date(s).replace(['-', ':'], "");
    let release = s.updated.map_or(String::new(), |h| {
        format!("<date.release norm=\"20190601T{h:02}3000\"/>")
    });
    let summary = s.summary.map_or(String::new(), |d| {
        format!("<abstract><p>Summary {d}.</p></abstract>")
    });
    let status = match s.status {
        0 => String::new(),
        st => format!(" management-status=\"{}\"", STATUSES[st as usize]),
    };
    let mut release = release;
    if let Some(v) = s.version {
        release.push_str(&format!("<du-key key=\"test\" version=\"{v}\"/>"));
    }
    if let Some(c) = s.correction {
        release.push_str(&format!("<correction info=\"Correction {c}.\"/>"));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<nitf><head><docdata{status}><doc-id id-string=\"{}\"/><date.issue norm=\"{date}\"/>{release}<key-list>{keywords}</key-list></docdata></head><body><body.head><hedline><hl1>{}</hl1></hedline>{summary}</body.head><body.content><p>Paragraph {} of the story.</p></body.content></body></nitf>\n",
        id_of(s, n),
        TITLES[s.title],
        s.body
    )
}

fn story_text(s: &Story, n: u32) -> String {
    let title = TITLES[s.title];
    let day = DAYS[s.day];
    let date = if s.broken {
        "someday".to_string()
    } else {
        format!("{day} {:02}:00:00", s.hour)
    };
    let keywords: Vec<&str> = s.keywords.iter().map(|&k| KEYWORDS[k]).collect();
    if s.kind == Kind::Wire {
        let kw = if keywords.is_empty() {
            String::new()
        } else {
            format!("\n\nKEY WORDS: {}", keywords.join(", "))
        };
        format!(
            "{title}\n\nSource: Wire| {date}|Editor: Desk\n\nBEIJING, July 1 (Wire) -- Body {}.\n\nMore text.{kw}\n",
            s.body
        )
    } else {
        let mut front = format!(
            "title: {title}\ndate: {date}\nkeywords: [{}]",
            keywords.join(", ")
        );
        if let Some(v) = s.summary {
            front.push_str(&format!("\nsummary: Summary {v}."));
        }
        if let Some(h) = s.updated {
            front.push_str(&format!("\nupdated: 2019-06-01 {h:02}:30:00"));
        }
        if let Some(k) = s.slug {
            front.push_str(&format!("\nslug: {}", SLUGS[k]));
        }
        if s.draft {
            front.push_str("\ndraft: true");
        }
        if let Some(e) = s.embargo {
            front.push_str(&format!("\nembargo: {}", embargo_time(e)));
        }
        if s.of.is_some() || s.version.is_some() {
            front.push_str(&format!("\nid: {}", id_of(s, n)));
        }
        if let Some(v) = s.version {
            front.push_str(&format!("\nversion: {v}"));
        }
        if s.status > 0 {
            front.push_str(&format!("\nstatus: {}", STATUSES[s.status as usize]));
        }
        if let Some(c) = s.correction {
            front.push_str(&format!("\ncorrection: Correction {c}."));
        }
        format!(
            "---\n{front}\n---\nParagraph {} of the story.\n\nA second paragraph.\n",
            s.body
        )
    }
}

/// A site's own version `v` of a template (each renders every page it
/// draws differently from the default and from the other versions).
fn template_text(name: &str, v: u32) -> String {
    let default = dateline::DEFAULT_TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("a default template");
    let mark = format!("<!-- v{v} -->");
    let marked = match name {
        // A partial: every listing page.
        "stories.html" => default.replacen("<ol", &format!("{mark}<ol"), 1),
        // Every HTML page.
        "base.html" => default.replacen("<main>", &format!("<main>{mark}"), 1),
        // The pages drawn with it.
        _ => default.replacen(
            "{% block content %}",
            &format!("{{% block content %}}{mark}"),
            1,
        ),
    };
    assert_ne!(marked, default, "{name} has no place for a mark");
    marked
}

struct Machine;

impl ReferenceStateMachine for Machine {
    type State = Files;
    type Transition = Vec<Op>;

    fn init_state() -> BoxedStrategy<Files> {
        prop::collection::vec(story(), 0..8)
            .prop_map(|stories| {
                let mut f = Files::default();
                for s in stories {
                    f.apply(&Op::Add(s));
                }
                f
            })
            .boxed()
    }

    fn transitions(_: &Files) -> BoxedStrategy<Vec<Op>> {
        // Bursts: one change, or several at once (a `git checkout`).
        prop::collection::vec(op(), 1..5).boxed()
    }

    fn apply(mut state: Files, burst: &Vec<Op>) -> Files {
        for op in burst {
            state.apply(op);
        }
        state
    }
}

/// The site on disk, the live session on it, and its last good output.
struct Live {
    t: SiteTest,
    files: BTreeMap<String, String>,
    session: Session,
    last_good: BTreeMap<String, Vec<u8>>,
    /// Whether the last burst was rejected (its changes are still pending).
    rejected: bool,
}

/// An old modification time, set on the incremental output's files before
/// each build: a file that still has it was not written.
fn long_ago() -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000)
}

impl Live {
    fn output(&self) -> PathBuf {
        self.t.path("public")
    }

    /// Writes the files of `files` that changed and removes those that
    /// went; returns the paths touched, as the watcher would report them
    /// (folders that appeared or vanished included).
    fn sync(&mut self, files: BTreeMap<String, String>) -> Vec<PathBuf> {
        let mut touched = BTreeSet::new();
        for (rel, text) in &files {
            if self.files.get(rel) != Some(text) {
                let p = self.t.path(rel);
                let mut dir = p.parent();
                while let Some(d) = dir.filter(|d| !d.exists()) {
                    touched.insert(d.to_path_buf());
                    dir = d.parent();
                }
                self.t.write(rel, text);
                touched.insert(p);
            }
        }
        for rel in self.files.keys() {
            if !files.contains_key(rel) {
                let p = self.t.path(rel);
                std::fs::remove_file(&p).unwrap();
                touched.insert(p.clone());
                // Folders left empty go, as `git checkout` removes them.
                let mut dir = p.parent();
                while let Some(d) = dir.filter(|d| *d != self.t.root()) {
                    if std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    touched.insert(d.to_path_buf());
                    dir = d.parent();
                }
            }
        }
        self.files = files;
        touched.into_iter().collect()
    }

    /// A `dateline build` over the incremental output, at `CLOCKS[k]`:
    /// checks it against `want` (a fresh build's output, or why it failed)
    /// and that it wrote no file whose bytes stayed the same.
    fn build_over(&self, k: usize, want: &Result<BTreeMap<String, Vec<u8>>, String>, burst: &[Op]) {
        let dir = self.t.path("incremental");
        for e in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            if e.file_type().is_file() {
                let f = std::fs::File::options().write(true).open(e.path()).unwrap();
                f.set_modified(long_ago()).unwrap();
            }
        }
        let before = SiteTest::snapshot(&dir);
        let opts = BuildOptions {
            output: Some(dir.clone()),
            ..options(self.t.root(), k)
        };
        let built = dateline::build(&opts, &Quiet);
        let after = SiteTest::snapshot(&dir);
        match (built, want) {
            (Ok(_), Ok(want)) => {
                let diff = differences(&after, want);
                assert!(
                    diff.is_empty(),
                    "{burst:?}: the incremental build is not a fresh build's: {diff:?}"
                );
                for (rel, bytes) in &after {
                    if before.get(rel) == Some(bytes) {
                        let m = std::fs::metadata(dir.join(rel))
                            .unwrap()
                            .modified()
                            .unwrap();
                        assert_eq!(
                            m,
                            long_ago(),
                            "{burst:?}: {rel} was written with the same bytes"
                        );
                    }
                }
            }
            (Err(_), Err(_)) => {
                assert_eq!(
                    after, before,
                    "{burst:?}: a failed incremental build changed its output"
                );
            }
            (Ok(_), Err(why)) => {
                panic!("{burst:?}: a fresh build fails ({why}), the incremental build did not")
            }
            (Err(e), Ok(_)) => {
                panic!("{burst:?}: a fresh build succeeds, the incremental build failed: {e}")
            }
        }
    }

    /// A fresh build of the files as they are now, at `CLOCKS[k]`, or why
    /// it failed.
    fn fresh(&self, k: usize) -> Result<BTreeMap<String, Vec<u8>>, String> {
        let dir = self.t.path("fresh");
        let _ = std::fs::remove_dir_all(&dir);
        let opts = BuildOptions {
            output: Some(dir.clone()),
            ..options(self.t.root(), k)
        };
        let built = dateline::build(&opts, &Quiet).map_err(|e| e.to_string());
        let snap = built.map(|_| SiteTest::snapshot(&dir));
        let _ = std::fs::remove_dir_all(&dir);
        snap
    }
}

/// Where two snapshots of an output differ, for the failure message.
fn differences(got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in want {
        match got.get(k) {
            None => out.push(format!("missing {k}")),
            Some(g) if g != v => out.push(format!("differs {k}")),
            _ => {}
        }
    }
    out.extend(
        got.keys()
            .filter(|k| !want.contains_key(*k))
            .map(|k| format!("extra {k}")),
    );
    out
}

impl StateMachineTest for Live {
    type SystemUnderTest = Live;
    type Reference = Machine;

    fn init_test(files: &Files) -> Live {
        let t = SiteTest::new(CONFIGS[files.config]);
        let rendered = files.render();
        for (rel, text) in &rendered {
            t.write(rel, text);
        }
        let (session, _) =
            Session::start(options(t.root(), files.clock), &Quiet).expect("the first build");
        let last_good = SiteTest::snapshot(&t.path("public"));
        // The incremental build's output, built once: each burst then
        // builds over it.
        let incremental = BuildOptions {
            output: Some(t.path("incremental")),
            ..options(t.root(), files.clock)
        };
        dateline::build(&incremental, &Quiet).expect("the first incremental build");
        Live {
            t,
            files: rendered,
            session,
            last_good,
            rejected: false,
        }
    }

    fn apply(mut live: Live, files: &Files, burst: Vec<Op>) -> Live {
        let touched = live.sync(files.render());
        let root = live.t.root().to_path_buf();
        let mut changes = dateline::classify(&root, &live.output(), &touched, false, |p: &Path| {
            p.exists()
        });
        if burst.iter().any(|op| matches!(op, Op::Clock)) {
            // What the watcher does at a release time.
            live.session.set_clock(clock(files.clock));
            changes.clock = true;
        }
        let applied = live.session.apply(&changes);
        let now = SiteTest::snapshot(&live.output());
        let fresh = live.fresh(files.clock);
        live.build_over(files.clock, &fresh, &burst);
        match fresh {
            Ok(want) => {
                let report = match applied {
                    Ok(r) => r,
                    Err(e) => panic!("{burst:?}: a fresh build succeeds, the rebuild failed: {e}"),
                };
                let diff = differences(&now, &want);
                assert!(
                    diff.is_empty(),
                    "{burst:?} ({changes:?}): the output is not a fresh build's: {diff:?}"
                );
                // Headlines and bodies of published stories corrected keep
                // every story in its place: the rebuild patches them in place.
                let corrections = burst
                    .iter()
                    .all(|op| matches!(op, Op::Body(..) | Op::Retitle(..)));
                // (A story held under embargo is not published: its file
                // takes the general path, which keeps its release time.)
                // (Nor is a story of several versions, or one killed or
                // withheld, patched in place: the versions are merged again.)
                let published = files.stories.values().all(|s| {
                    (!s.draft || s.kind != Kind::Markdown)
                        && s.embargo.is_none_or(|e| EMBARGOES[e] < CLOCKS[files.clock])
                        && s.of.is_none()
                        && s.status == 0
                });
                if corrections && published && !live.rejected && !touched.is_empty() {
                    assert!(report.in_place, "{burst:?}: not patched in place");
                }
                live.last_good = now;
                live.rejected = false;
            }
            Err(why) => {
                assert!(
                    applied.is_err(),
                    "{burst:?}: a fresh build fails ({why}), the rebuild did not"
                );
                let diff = differences(&now, &live.last_good);
                assert!(
                    diff.is_empty(),
                    "{burst:?}: a failed rebuild changed the output: {diff:?}"
                );
                live.rejected = true;
            }
        }
        live
    }
}

fn cases() -> u32 {
    std::env::var("DATELINE_MACHINE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 4096,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every burst of changes gives, byte for byte, what a fresh build of
    /// the same files gives (or is rejected, and changes nothing, when a
    /// fresh build rejects them too).
    #[test]
    fn bursts_of_changes_rebuild_to_a_fresh_build(sequential 1..12 => Live);
}
