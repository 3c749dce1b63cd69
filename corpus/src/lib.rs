//! Synthetic wire archives for benchmarks and scale tests.
//!
//! [`generate`] writes a site folder whose shape resembles a real agency
//! archive: stories spread over ten years with several a day, a few dozen
//! agencies, about 150 datelines, 1 to 6 keywords per story drawn Zipf-like
//! from a vocabulary of about 3,000 (a few tags hold thousands of stories,
//! most a handful), bodies of 4 to 12 paragraphs and 300 to 1,000 words, a
//! fraction of raw `.txt` copy in the agency shape, and a few same-day
//! resends. The output depends only on the options: same seed, same bytes.
//!
//! [`StoryFormat`] chooses how they are written: Markdown (with the `.txt`
//! fraction), NewsML-G2 with NITF inside (a quarter of them several to a
//! `newsMessage`), NITF, ninjs (1.x, 2.x and 3.x spellings; a fifth of them
//! in `.jsonl` dumps), or a mix of all. The agency formats carry picture
//! items besides (about one per ten stories), as real feeds do. Whatever the
//! format, the stories are the same: a format changes the files, not the
//! archive they build.
//!
//! With [`Flavor::Hugo`] the same stories are written as the Hugo site a
//! Hugo user would write, the one of `corpus/hugo/` (the layouts of the
//! reference peer site, see `benches/compare.sh`): Markdown at
//! `content/YYYY/MM/DD/<slug>.md` under a section `_index.md` per year,
//! month and day, keywords as the `tags` taxonomy. So the two engines build
//! the same archive, at the same URLs.

mod agency;

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A file that could not be written, with its path.
#[derive(Debug)]
pub struct WriteError {
    /// The file.
    pub path: std::path::PathBuf,
    /// Why.
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {}

/// Writes `bytes` to `path`, creating its parent folders.
fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, bytes).map_err(err)
}

/// Which engine the corpus is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A dateline site.
    Dateline,
    /// A Hugo site with the same stories and page set.
    Hugo,
}

/// How the stories of a dateline corpus are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoryFormat {
    /// Markdown with front matter, and raw `.txt` copy for
    /// [`CorpusOptions::txt_fraction`] of them.
    #[default]
    Markdown,
    /// NewsML-G2 items with NITF bodies, some several to a message.
    NewsMl,
    /// NITF documents, one a file.
    Nitf,
    /// ninjs items, some one a line in `.jsonl` dumps.
    Ninjs,
    /// Each story in one of the above, drawn at random (Markdown 40%,
    /// `.txt` 10%, NewsML-G2 25%, ninjs 15%, NITF 10%).
    Mixed,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Number of stories.
    pub stories: usize,
    /// Random seed.
    pub seed: u64,
    /// Fraction of stories written as raw `.txt` wire copy (dateline only).
    pub txt_fraction: f64,
    /// Stories per listing page.
    pub per_page: usize,
    /// Target engine.
    pub flavor: Flavor,
    /// How the stories are written (dateline only; Hugo reads Markdown).
    pub format: StoryFormat,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            stories: 1000,
            seed: 1,
            txt_fraction: 0.2,
            per_page: 50,
            flavor: Flavor::Dateline,
            format: StoryFormat::Markdown,
        }
    }
}

/// SplitMix64: tiny, fast and stable across versions, which is what a
/// reproducible corpus needs (a general RNG crate does not promise that).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ba", "ra", "ko", "li", "mon", "ta", "sen", "vi", "dor", "ka", "ne", "zu", "pa", "lo", "ri",
    "an", "be", "che", "du", "el", "fa", "go", "ha", "in", "jo", "ku", "ma", "no", "or", "qui",
    "sa", "te", "u", "ve", "wa", "xi", "ya", "zo", "shan", "ber",
];

const WORDS: &[&str] = &[
    "the",
    "government",
    "said",
    "on",
    "Monday",
    "officials",
    "talks",
    "between",
    "two",
    "sides",
    "would",
    "continue",
    "next",
    "week",
    "according",
    "to",
    "a",
    "statement",
    "issued",
    "by",
    "ministry",
    "of",
    "foreign",
    "affairs",
    "which",
    "added",
    "that",
    "cooperation",
    "in",
    "trade",
    "energy",
    "and",
    "security",
    "remains",
    "key",
    "priority",
    "for",
    "both",
    "countries",
    "while",
    "analysts",
    "expect",
    "growth",
    "slow",
    "this",
    "year",
    "as",
    "exports",
    "fell",
    "percent",
    "from",
    "previous",
    "month",
    "prices",
    "rose",
    "markets",
    "closed",
    "higher",
    "after",
    "data",
    "showed",
    "investment",
    "projects",
    "infrastructure",
    "region",
    "leaders",
    "met",
    "capital",
    "agreed",
    "expand",
    "exchanges",
    "people",
    "culture",
    "education",
    "science",
    "technology",
    "police",
    "reported",
    "no",
    "casualties",
    "rescue",
    "teams",
    "were",
    "sent",
    "area",
    "hit",
    "storm",
    "floods",
    "residents",
    "evacuated",
    "authorities",
    "warned",
    "further",
    "rain",
    "is",
    "was",
    "with",
    "its",
    "at",
    "an",
    "will",
    "also",
    "more",
    "than",
    "over",
    "since",
];

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn made_up_word(rng: &mut Rng, syllables: usize) -> String {
    (0..syllables)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// Cumulative Zipf weights over `n` ranks (exponent 1.07).
fn zipf_table(n: usize) -> Vec<f64> {
    let mut acc = 0.0;
    (1..=n)
        .map(|k| {
            acc += 1.0 / (k as f64).powf(1.07);
            acc
        })
        .collect()
}

fn zipf_pick(rng: &mut Rng, table: &[f64]) -> usize {
    let total = table.last().copied().unwrap_or(1.0);
    let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
    table.partition_point(|&c| c < x).min(table.len() - 1)
}

/// One generated story.
pub(crate) struct Story {
    title: String,
    /// Seconds since 2015-01-01T00:00:00 in the story's offset.
    secs: u64,
    agency: String,
    editor: String,
    city: String,
    keywords: Vec<String>,
    paragraphs: Vec<String>,
    txt: bool,
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];

/// Writes a site of `opts.stories` stories into `dir` (created if needed).
/// Returns the number of story files written.
pub fn generate(dir: &Path, opts: &CorpusOptions) -> Result<usize, WriteError> {
    let mut rng = Rng(opts.seed ^ 0x5EED_DA7E_1111);
    let agencies: Vec<String> = (0..36)
        .map(|_| title_case(&made_up_word(&mut rng, 2)) + " News")
        .collect();
    let cities: Vec<String> = (0..150)
        .map(|_| made_up_word(&mut rng, 3).to_uppercase())
        .collect();
    let editors: Vec<String> = (0..80)
        .map(|_| {
            format!(
                "{} {}",
                title_case(&made_up_word(&mut rng, 2)),
                title_case(&made_up_word(&mut rng, 2))
            )
        })
        .collect();
    let mut vocab: Vec<String> = Vec::with_capacity(3000);
    while vocab.len() < 3000 {
        let w = made_up_word(&mut rng, 2 + vocab.len() % 3);
        if !vocab.contains(&w) {
            vocab.push(w);
        }
    }
    let zipf = zipf_table(vocab.len());
    let span = 10 * 365 * 86_400u64;

    match opts.flavor {
        Flavor::Dateline => write(
            &dir.join("site.yaml"),
            format!(
                "title: {SITE_TITLE}\nbase_url: https://news.example.org/\nlanguage: en\n\
                 timezone: \"+08:00\"\nper_page: {}\nfeed_limit: 50\n",
                opts.per_page
            )
            .as_bytes(),
        )?,
        Flavor::Hugo => write_hugo_site(dir, opts.per_page)?,
    }

    let format = match opts.flavor {
        Flavor::Dateline => opts.format,
        Flavor::Hugo => StoryFormat::Markdown,
    };
    // Its own generator, so that a format changes the files and not the
    // stories.
    let mut files = Files {
        dir,
        flavor: opts.flavor,
        rng: Rng(opts.seed ^ 0xF11E_5000),
        group: None,
        hugo: HugoPaths::default(),
    };
    let mut previous: Option<Story> = None;
    for i in 0..opts.stories {
        // Spread evenly over ten years, with jitter: several a day.
        let base = span * i as u64 / opts.stories.max(1) as u64;
        let secs = base + rng.below(3600) as u64;
        let resend = previous.as_ref().filter(|_| rng.chance(0.005));
        let story = match resend {
            Some(p) => Story {
                secs: p.secs + 600,
                txt: p.txt,
                title: p.title.clone(),
                agency: p.agency.clone(),
                editor: p.editor.clone(),
                city: p.city.clone(),
                keywords: p.keywords.clone(),
                paragraphs: p.paragraphs.clone(),
            },
            None => {
                let n_kw = rng.range(1, 6);
                let mut keywords: Vec<String> = Vec::with_capacity(n_kw);
                for _ in 0..n_kw {
                    let k = vocab[zipf_pick(&mut rng, &zipf)].clone();
                    if !keywords.contains(&k) {
                        keywords.push(k);
                    }
                }
                let words_target = rng.range(300, 1000);
                let n_par = rng.range(4, 12);
                let per_par = words_target / n_par;
                let paragraphs = (0..n_par)
                    .map(|_| {
                        let mut p = String::with_capacity(per_par * 7);
                        for w in 0..per_par {
                            if w > 0 {
                                p.push(' ');
                            }
                            let word = WORDS[rng.below(WORDS.len())];
                            if w == 0 {
                                p.push_str(&title_case(word));
                            } else {
                                p.push_str(word);
                            }
                        }
                        p.push('.');
                        p
                    })
                    .collect();
                let title_words = rng.range(5, 11);
                let mut title = String::new();
                for w in 0..title_words {
                    if w > 0 {
                        title.push(' ');
                    }
                    if w == 1 {
                        title.push_str(&title_case(&keywords[0]));
                    } else {
                        title.push_str(WORDS[rng.below(WORDS.len())]);
                    }
                }
                Story {
                    title: title_case(&title),
                    secs,
                    agency: rng.pick(&agencies).to_string(),
                    editor: rng.pick(&editors).to_string(),
                    city: rng.pick(&cities).to_string(),
                    keywords,
                    paragraphs,
                    // Drawn for every flavour, so that both get the same stories.
                    txt: rng.chance(opts.txt_fraction) && opts.flavor == Flavor::Dateline,
                }
            }
        };
        files.put(i, &story, format)?;
        previous = Some(story);
    }
    files.flush()?;
    files.hugo.write_sections(dir)?;
    Ok(opts.stories)
}

/// Agency files that hold several items, being filled.
struct Group {
    path: PathBuf,
    /// Items still to come.
    remaining: usize,
    items: Vec<String>,
    /// A `newsMessage`, or ninjs lines.
    xml: bool,
}

/// Decides which file each story goes to, and writes them.
struct Files<'a> {
    dir: &'a Path,
    flavor: Flavor,
    rng: Rng,
    group: Option<Group>,
    hugo: HugoPaths,
}

impl Files<'_> {
    fn put(&mut self, i: usize, s: &Story, format: StoryFormat) -> Result<(), WriteError> {
        if self.flavor == Flavor::Hugo {
            return self.hugo.write_story(self.dir, s);
        }
        let format = match format {
            StoryFormat::Mixed => match self.rng.below(100) {
                0..40 => return write_story(self.dir, i, s, false),
                40..50 => return write_story(self.dir, i, s, true),
                50..75 => StoryFormat::NewsMl,
                75..90 => StoryFormat::Ninjs,
                _ => StoryFormat::Nitf,
            },
            f => f,
        };
        let (y, mo, ..) = civil(s.secs);
        let folder = self.dir.join(format!("content/{y:04}/{mo:02}"));
        let picture = self.rng.chance(0.1);
        match format {
            StoryFormat::Markdown | StoryFormat::Mixed => write_story(self.dir, i, s, s.txt),
            StoryFormat::Nitf => write(
                &folder.join(format!("story-{i:07}.xml")),
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
                    agency::nitf(s, i, true)
                )
                .as_bytes(),
            ),
            StoryFormat::NewsMl | StoryFormat::Ninjs => {
                let xml = format == StoryFormat::NewsMl;
                if self.group.as_ref().is_some_and(|g| g.xml != xml) {
                    self.flush()?;
                }
                if self.group.is_none() && self.rng.chance(if xml { 0.25 } else { 0.2 }) {
                    let (ext, name, size) = if xml {
                        ("xml", "message", self.rng.range(2, 6))
                    } else {
                        ("jsonl", "dump", self.rng.range(2, 20))
                    };
                    self.group = Some(Group {
                        path: folder.join(format!("{name}-{i:07}.{ext}")),
                        remaining: size,
                        items: Vec::with_capacity(size + 2),
                        xml,
                    });
                }
                let item = if xml {
                    agency::g2_item(s, i)
                } else {
                    agency::ninjs(s, i, 1 + self.rng.below(3) as u8)
                };
                let pic = picture.then(|| {
                    if xml {
                        agency::g2_picture(s, i)
                    } else {
                        agency::ninjs_picture(s, i)
                    }
                });
                match &mut self.group {
                    Some(g) => {
                        g.items.push(item);
                        g.items.extend(pic);
                        g.remaining -= 1;
                        if g.remaining == 0 {
                            self.flush()?;
                        }
                        Ok(())
                    }
                    None => {
                        let (ext, wrap): (&str, fn(&str) -> String) = if xml {
                            ("xml", |t| {
                                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{t}\n")
                            })
                        } else {
                            ("json", |t| format!("{t}\n"))
                        };
                        write(
                            &folder.join(format!("story-{i:07}.{ext}")),
                            wrap(&item).as_bytes(),
                        )?;
                        match pic {
                            Some(p) => write(
                                &folder.join(format!("picture-{i:07}.{ext}")),
                                wrap(&p).as_bytes(),
                            ),
                            None => Ok(()),
                        }
                    }
                }
            }
        }
    }

    /// Writes the group being filled, if any.
    fn flush(&mut self) -> Result<(), WriteError> {
        let Some(g) = self.group.take() else {
            return Ok(());
        };
        let text = if g.xml {
            agency::g2_message(&g.items)
        } else {
            let mut t = g.items.join("\n");
            t.push('\n');
            t
        };
        write(&g.path, text.as_bytes())
    }
}

/// (year, month, day, hour, minute, second) of `secs` after 2015-01-01.
pub(crate) fn civil(secs: u64) -> (i32, u32, u32, u32, u32, u32) {
    let epoch = chrono::NaiveDate::from_ymd_opt(2015, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid epoch");
    let t = epoch + chrono::Duration::seconds(secs as i64);
    use chrono::{Datelike, Timelike};
    (
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
}

/// Writes `s` as Markdown, or as raw agency copy when `txt`.
fn write_story(dir: &Path, i: usize, s: &Story, txt: bool) -> Result<(), WriteError> {
    let (y, mo, d, h, mi, se) = civil(s.secs);
    let date = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{se:02}");
    let first = format!(
        "{}, {} {d} ({}) -- {}",
        s.city,
        MONTHS[mo as usize - 1],
        s.agency,
        s.paragraphs[0]
    );
    let mut text = String::with_capacity(8192);
    let ext = if txt {
        let _ = write!(
            text,
            "{}\n\nSource: {}| {date}|Editor: {}\nVideo PlayerClose\n\n{first}\n",
            s.title, s.agency, s.editor
        );
        for p in &s.paragraphs[1..] {
            let _ = write!(text, "\n{p}\n");
        }
        let _ = write!(text, "\nKEY WORDS: {}\n", s.keywords.join(", "));
        "txt"
    } else {
        let kw = s.keywords.join(", ");
        let _ = write!(
            text,
            "---\ntitle: \"{}\"\ndate: {date}\nsource: {}\neditor: {}\ndateline: {}, {} {d}\nkeywords: [{kw}]\n",
            s.title,
            s.agency,
            s.editor,
            s.city,
            MONTHS[mo as usize - 1]
        );
        let _ = write!(text, "---\n{first}\n");
        for p in &s.paragraphs[1..] {
            let _ = write!(text, "\n{p}\n");
        }
        "md"
    };
    let path = dir.join(format!("content/{y:04}/{mo:02}/story-{i:07}.{ext}"));
    write(&path, text.as_bytes())
}

/// The paths of a Hugo corpus: the slugs taken on each day (a same-day
/// resend of a headline is `<slug>-2`, as dateline names it) and the
/// years, months and days that need a section file.
#[derive(Default)]
struct HugoPaths {
    taken: HashSet<String>,
    periods: BTreeSet<String>,
}

impl HugoPaths {
    /// Writes `s` as Hugo Markdown at `content/YYYY/MM/DD/<slug>.md`, with
    /// the reference site's front matter.
    fn write_story(&mut self, dir: &Path, s: &Story) -> Result<(), WriteError> {
        let (y, mo, d, h, mi, se) = civil(s.secs);
        let day = format!("{y:04}/{mo:02}/{d:02}");
        let base = headline_slug(&s.title);
        let slug = (1..)
            .map(|n| match n {
                1 => base.clone(),
                n => format!("{base}-{n}"),
            })
            .find(|slug| self.taken.insert(format!("{day}/{slug}")))
            .expect("a free slug");
        self.periods.insert(format!("{y:04}"));
        self.periods.insert(format!("{y:04}/{mo:02}"));
        self.periods.insert(day.clone());
        let tags: Vec<String> = s.keywords.iter().map(|k| quoted(k)).collect();
        let mut text = String::with_capacity(8192);
        let _ = write!(
            text,
            "---\ntitle: {}\ndate: {y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}+08:00\ntags: [{}]\n\
             source: {}\neditor: {}\ndateline: {}\n---\n{}, {} {d} ({}) -- {}\n",
            quoted(&s.title),
            tags.join(", "),
            quoted(&s.agency),
            quoted(&s.editor),
            quoted(&format!("{}, {} {d}", s.city, MONTHS[mo as usize - 1])),
            s.city,
            MONTHS[mo as usize - 1],
            s.agency,
            s.paragraphs[0]
        );
        for p in &s.paragraphs[1..] {
            let _ = write!(text, "\n{p}\n");
        }
        write(
            &dir.join(format!("content/{day}/{slug}.md")),
            text.as_bytes(),
        )
    }

    /// The section files: the home's and one per year, month and day.
    fn write_sections(&self, dir: &Path) -> Result<(), WriteError> {
        if self.periods.is_empty() && self.taken.is_empty() {
            return Ok(());
        }
        write(
            &dir.join("content/_index.md"),
            format!("---\ntitle: {}\n---\n", quoted(SITE_TITLE)).as_bytes(),
        )?;
        for p in &self.periods {
            write(
                &dir.join(format!("content/{p}/_index.md")),
                format!("---\ntitle: {}\n---\n", quoted(p)).as_bytes(),
            )?;
        }
        Ok(())
    }
}

/// The title of a generated site.
const SITE_TITLE: &str = "Generated Wire Archive";

/// A headline's slug as dateline makes it (the `slug` crate, cut at a `-`
/// to 80 bytes).
fn headline_slug(title: &str) -> String {
    let mut s = slug::slugify(title);
    if s.len() > 80 {
        let cut = s[..=80].rfind('-').filter(|&i| i > 0).unwrap_or(80);
        s.truncate(cut);
    }
    if s.is_empty() {
        s.push_str("story");
    }
    s
}

/// `s` as a double-quoted scalar (valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The Hugo configuration (the reference peer site's, with this corpus's
/// page size) and the reference layouts, kept in `corpus/hugo/layouts/`.
fn write_hugo_site(dir: &Path, per_page: usize) -> Result<(), WriteError> {
    let config = format!(
        "# Hugo site of the dateline benchmark (Hugo 0.111), as the reference peer site:\n\
         # /YYYY/MM/DD/<slug>/ in nested sections, /page/N/, /tags/<slug>/page/N/, /tags/,\n\
         # one site feed at /feed.xml, /sitemap.xml, /404.html.\n\
         baseURL = \"https://news.example.org/\"\nlanguageCode = \"en\"\ntitle = {}\n\
         paginate = {per_page}\npaginatePath = \"page\"\ndisableKinds = [\"robotsTXT\"]\n\n\
         [taxonomies]\n  tag = \"tags\"\n\n\
         [outputs]\n  home = [\"HTML\", \"RSS\"]\n  section = [\"HTML\"]\n  taxonomy = [\"HTML\"]\n  \
         term = [\"HTML\"]\n  page = [\"HTML\"]\n\n\
         [outputFormats.RSS]\n  baseName = \"feed\"\n\n\
         [markup.goldmark.extensions]\n  typographer = false\n",
        quoted(SITE_TITLE)
    );
    let layouts: &[(&str, &str)] = &[
        ("404.html", include_str!("../hugo/layouts/404.html")),
        (
            "index.rss.xml",
            include_str!("../hugo/layouts/index.rss.xml"),
        ),
        (
            "_default/baseof.html",
            include_str!("../hugo/layouts/_default/baseof.html"),
        ),
        (
            "_default/list.html",
            include_str!("../hugo/layouts/_default/list.html"),
        ),
        (
            "_default/single.html",
            include_str!("../hugo/layouts/_default/single.html"),
        ),
        (
            "_default/term.html",
            include_str!("../hugo/layouts/_default/term.html"),
        ),
        (
            "_default/terms.html",
            include_str!("../hugo/layouts/_default/terms.html"),
        ),
        (
            "partials/items.html",
            include_str!("../hugo/layouts/partials/items.html"),
        ),
        (
            "partials/pager.html",
            include_str!("../hugo/layouts/partials/pager.html"),
        ),
    ];
    write(&dir.join("config.toml"), config.as_bytes())?;
    for (rel, text) in layouts {
        write(&dir.join("layouts").join(rel), text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus() {
        for format in [
            StoryFormat::Markdown,
            StoryFormat::NewsMl,
            StoryFormat::Nitf,
            StoryFormat::Ninjs,
            StoryFormat::Mixed,
        ] {
            same_seed_same_files(format);
        }
    }

    fn same_seed_same_files(format: StoryFormat) {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let opts = CorpusOptions {
            stories: 40,
            format,
            ..CorpusOptions::default()
        };
        generate(a.path(), &opts).unwrap();
        generate(b.path(), &opts).unwrap();
        let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
            walkdir::WalkDir::new(d)
                .sort_by_file_name()
                .into_iter()
                .map(|e| e.unwrap())
                .filter(|e| e.file_type().is_file())
                .map(|e| {
                    (
                        e.path().strip_prefix(d).unwrap().display().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(files(a.path()), files(b.path()), "{format:?}");
        if format == StoryFormat::Markdown || format == StoryFormat::Nitf {
            assert_eq!(files(a.path()).len(), 41, "a file a story, and site.yaml");
        }
    }

    #[test]
    fn zipf_favours_low_ranks() {
        let t = zipf_table(3000);
        let mut rng = Rng(7);
        let picks: Vec<usize> = (0..10_000).map(|_| zipf_pick(&mut rng, &t)).collect();
        let head = picks.iter().filter(|&&p| p < 10).count();
        let tail = picks.iter().filter(|&&p| p >= 2990).count();
        assert!(head > 1500 && tail < 30, "head {head}, tail {tail}");
    }
}
