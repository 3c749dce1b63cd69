//! # dateline
//!
//! A static site generator for wire stories: a folder of agency copy
//! (Markdown with YAML front matter, raw `.txt` wire copy, IPTC ninjs,
//! NewsML-G2 and NITF) in, a fast,
//! plain-HTML archive out: one page per story, dated indexes, keyword pages,
//! Atom feeds, a sitemap and a search page with its index.
//!
//! ## Architecture
//!
//! Data moves one way, each stage owned by one module, each module
//! importing only the stages before it (ARCHITECTURE.md draws the graph):
//!
//! ```text
//!  site.yaml ──► config::Config
//!  content/  ──► load (walk, parse in parallel) ──► Vec<Article> + Diagnostics
//!                                                     │
//!                         model::Site::assemble ◄─────┘  versions merged, order, slugs, tags, dated indexes
//!                                   │
//!                         plan::Plan::new ──► pages     every route and what it shows
//!                                   │
//!          render::views ──► one PageContext per page   rendered and fingerprinted, the same value
//!                                   │
//!          render::Renderer (Tera, in parallel) ──► bytes per page
//!          search (the index, from the model and bodies) ──► search/*.js
//!                                   │
//!          output: Staging ──► public/                  a build: swapped in only on success
//!                  WriteSet ──► public/                 a rebuild: staged, committed all at once
//!
//!  watch (notify) ──► ChangeSet ──► rebuild::Session ──► the least rebuild, through output
//! ```
//!
//! Content problems are collected as diagnostics (file, line, what was
//! expected) across all stages and reported together; a failed build or
//! rebuild never touches the output. The loader knows nothing of
//! templates, the model nothing of files; the renderer reads no file of
//! `content/` (story bodies come from the loader, through
//! `model::Bodies`, when a page is rendered); only `output` writes into an
//! output folder.
//!
//! The public API is what the binary, the tests and the benchmarks use.

mod background;
mod build;
mod check;
mod cli;
mod config;
mod delta;
mod diag;
mod fsx;
mod html;
mod layout;
mod load;
mod model;
mod output;
mod plan;
mod preview;
mod progress;
mod rebuild;
mod render;
mod scaffold;
mod search;
mod serve;
mod watch;

pub use build::{
    build, on_update, prepare, BuildError, BuildOptions, BuildReport, Changes, Prepared, Stage,
    Timings, Unpublished,
};
pub use cli::{run, Cli};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use fsx::IoError;
pub use load::{Held, Skipped};
pub use progress::{Progress, Quiet};
pub use rebuild::{RebuildReport, Session};
pub use render::embedded::TEMPLATES as DEFAULT_TEMPLATES;
pub use render::views::RenderStats;
pub use watch::{classify, ChangeSet};
