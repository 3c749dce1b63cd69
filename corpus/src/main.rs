//! Generates a synthetic wire archive for benchmarks:
//!
//! ```sh
//! cargo run --release -p dateline-corpus -- --stories 10000 --out /dev/shm/wire10k
//! ```
//!
//! Options: `--stories N` (default 1000), `--out DIR` (required),
//! `--seed S` (default 1), `--txt-fraction F` (default 0.2),
//! `--per-page N` (default 50), `--hugo` (write the same stories as an
//! equivalent Hugo site).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dateline_corpus::{generate, CorpusOptions, Flavor};

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
    /// Write an equivalent Hugo site instead.
    #[arg(long)]
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
