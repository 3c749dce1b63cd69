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
//! With [`Flavor::Hugo`] the same stories are written as a Hugo site
//! (Markdown only, with `years`/`months`/`days` taxonomies standing in for
//! dateline's dated indexes), so the two engines build the same archive.

use std::fmt::Write as _;
use std::path::Path;

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
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            stories: 1000,
            seed: 1,
            txt_fraction: 0.2,
            per_page: 50,
            flavor: Flavor::Dateline,
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
struct Story {
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

const MONTHS: [&str; 12] = [
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
                "title: Generated Wire Archive\nbase_url: https://news.example.org/\nlanguage: en\n\
                 timezone: \"+08:00\"\nper_page: {}\nfeed_limit: 50\n",
                opts.per_page
            )
            .as_bytes(),
        )?,
        Flavor::Hugo => write_hugo_skeleton(dir, opts.per_page)?,
    }

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
                    txt: opts.flavor == Flavor::Dateline && rng.chance(opts.txt_fraction),
                }
            }
        };
        write_story(dir, i, &story, opts.flavor)?;
        previous = Some(story);
    }
    Ok(opts.stories)
}

/// (year, month, day, hour, minute, second) of `secs` after 2015-01-01.
fn civil(secs: u64) -> (i32, u32, u32, u32, u32, u32) {
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

fn write_story(dir: &Path, i: usize, s: &Story, flavor: Flavor) -> Result<(), WriteError> {
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
    let ext = if s.txt {
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
        if flavor == Flavor::Hugo {
            let _ = write!(
                text,
                "years: [\"{y:04}\"]\nmonths: [\"{y:04}-{mo:02}\"]\ndays: [\"{y:04}-{mo:02}-{d:02}\"]\n"
            );
        }
        let _ = write!(text, "---\n{first}\n");
        for p in &s.paragraphs[1..] {
            let _ = write!(text, "\n{p}\n");
        }
        "md"
    };
    let sub = match flavor {
        Flavor::Dateline => "content",
        Flavor::Hugo => "content/stories",
    };
    let path = dir.join(format!("{sub}/{y:04}/{mo:02}/story-{i:07}.{ext}"));
    write(&path, text.as_bytes())
}

/// The Hugo configuration and layouts of an equivalent minimal site: article
/// pages at `/YYYY/MM/DD/<slug>/`, paginated home and keyword pages, the
/// keyword list, year/month/day indexes (as taxonomies), a feed per list
/// page and a sitemap.
fn write_hugo_skeleton(dir: &Path, per_page: usize) -> Result<(), WriteError> {
    let files: &[(&str, String)] = &[
        (
            "hugo.toml",
            format!(
                "baseURL = \"https://news.example.org/\"\ntitle = \"Generated Wire Archive\"\n\
                 languageCode = \"en\"\ntimeZone = \"Asia/Shanghai\"\npaginate = {per_page}\n\
                 timeout = \"3600s\"\n\
                 disableKinds = [\"section\"]\n\
                 [permalinks]\nstories = \"/:year/:month/:day/:slug/\"\n\
                 [taxonomies]\nkeyword = \"keywords\"\nyear = \"years\"\nmonth = \"months\"\nday = \"days\"\n\
                 [services.rss]\nlimit = 50\n\
                 [outputs]\nhome = [\"HTML\", \"RSS\"]\nterm = [\"HTML\", \"RSS\"]\ntaxonomy = [\"HTML\"]\n"
            ),
        ),
        (
            "layouts/_default/baseof.html",
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title>\
             <link rel=\"stylesheet\" href=\"/style.css\"></head><body><header><a href=\"/\">{{ .Site.Title }}</a> \
             <a href=\"/keywords/\">Keywords</a></header><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n"
                .into(),
        ),
        (
            "layouts/_default/single.html",
            "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.dateline }} · {{ .Params.source }} · \
             <time datetime=\"{{ .Date.Format \"2006-01-02T15:04:05-07:00\" }}\">{{ .Date.Format \"January 2, 2006 15:04\" }}</time></p>\
             <p>Editor: {{ .Params.editor }}</p>{{ .Content }}<ul>{{ range .GetTerms \"keywords\" }}<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}</ul>\
             {{ with .PrevInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}\
             {{ with .NextInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</article>{{ end }}\n"
                .into(),
        ),
        (
            "layouts/_default/list.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ol>{{ range .Paginator.Pages }}<li><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2>\
             <p>{{ .Params.dateline }} · {{ .Date.Format \"January 2, 2006 15:04\" }}</p><p>{{ .Summary }}</p></li>{{ end }}</ol>\
             {{ template \"_internal/pagination.html\" . }}{{ end }}\n"
                .into(),
        ),
        (
            "layouts/_default/terms.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}\n"
                .into(),
        ),
        ("layouts/index.html", "{{ define \"main\" }}<h1>Latest</h1><ol>{{ range (.Paginate (where .Site.RegularPages \"Type\" \"stories\")).Pages }}<li><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2><p>{{ .Params.dateline }} · {{ .Date.Format \"January 2, 2006 15:04\" }}</p><p>{{ .Summary }}</p></li>{{ end }}</ol>{{ template \"_internal/pagination.html\" . }}{{ end }}\n".into()),
        // Dated taxonomies stand in for dateline's dated indexes, which
        // have no feeds: no RSS for their terms either.
        ("content/years/_index.md", "---\ntitle: Years\ncascade:\n  outputs: [HTML]\n---\n".into()),
        ("content/months/_index.md", "---\ntitle: Months\ncascade:\n  outputs: [HTML]\n---\n".into()),
        ("content/days/_index.md", "---\ntitle: Days\ncascade:\n  outputs: [HTML]\n---\n".into()),
        ("layouts/404.html", "{{ define \"main\" }}<h1>Page not found</h1>{{ end }}\n".into()),
        ("static/style.css", "body{font-family:serif;max-width:42rem;margin:auto}\n".into()),
    ];
    for (rel, text) in files {
        write(&dir.join(rel), text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let opts = CorpusOptions {
            stories: 40,
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
        assert_eq!(files(a.path()), files(b.path()));
        assert_eq!(files(a.path()).len(), 41);
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
