//! Generates a synthetic wire archive for benchmarks:
//!
//! ```sh
//! cargo run --release -p dateline-corpus -- --stories 10000 --out /dev/shm/wire10k
//! ```
//!
//! Options: `--stories N` (default 1000), `--out DIR` (required),
//! `--seed S` (default 1), `--txt-fraction F` (default 0.2),
//! `--per-page N` (default 50), `--format md|newsml|nitf|ninjs|mixed`
//! (default md: Markdown and `.txt`), `--hugo` (write the same stories as an
//! equivalent Hugo site).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use dateline_corpus::{generate, CorpusOptions, Flavor, StoryFormat};

/// How the stories are written.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Markdown with front matter (and `--txt-fraction` raw `.txt`).
    Md,
    /// NewsML-G2 items with NITF bodies, a quarter of them in messages.
    Newsml,
    /// NITF documents.
    Nitf,
    /// ninjs items (1.x, 2.x, 3.x), a fifth of them in `.jsonl` dumps.
    Ninjs,
    /// Each story in one of the above.
    Mixed,
}

/// Generate a synthetic wire archive.
#[derive(Parser)]
struct Args {
    /// Number of stories.
    #[arg(long, default_value_t = 1000)]
    stories: usize,
    /// Output folder (a new site).
    #[arg(long)]
    out: PathBuf,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fraction of stories written as raw .txt wire copy.
    #[arg(long, default_value_t = 0.2)]
    txt_fraction: f64,
    /// Stories per listing page.
    #[arg(long, default_value_t = 50)]
    per_page: usize,
    /// How the stories are written (the same stories whatever the format).
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write an equivalent Hugo site instead (Markdown only).
    #[arg(long, conflicts_with = "format")]
    hugo: bool,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let opts = CorpusOptions {
        stories: a.stories,
        seed: a.seed,
        txt_fraction: a.txt_fraction,
        per_page: a.per_page,
        flavor: if a.hugo {
            Flavor::Hugo
        } else {
            Flavor::Dateline
        },
        format: match a.format {
            Format::Md => StoryFormat::Markdown,
            Format::Newsml => StoryFormat::NewsMl,
            Format::Nitf => StoryFormat::Nitf,
            Format::Ninjs => StoryFormat::Ninjs,
            Format::Mixed => StoryFormat::Mixed,
        },
    };
    match generate(&a.out, &opts) {
        Ok(n) => {
            println!("wrote {n} stories to {}", a.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
