//! # dateline
//!
//! A static site generator for wire stories: a folder of agency copy
//! (Markdown with YAML front matter, or raw `.txt` wire copy) in, a fast,
//! plain-HTML archive out: one page per story, dated indexes, keyword pages,
//! Atom feeds and a sitemap.
//!
//! ## Architecture
//!
//! Data moves one way, each stage owned by one module:
//!
//! ```text
//!  site.yaml ──► config::Config
//!  content/  ──► load (walk, parse in parallel) ──► Vec<Article> + Diagnostics
//!                                                     │
//!                         model::Site::assemble ◄─────┘  order, slugs, tags, dated indexes
//!                                   │
//!                         plan::plan ──► Vec<Page>        every route and what it shows
//!                                   │
//!                 render::Renderer (Tera, in parallel) ──► bytes per page
//!                                   │                    (render::links: relative links)
//!                                   │
//!                 output::Staging ──► public/              swapped in only on success
//! ```
//!
//! Content problems are collected as [`diag::Diagnostic`]s (file, line, what
//! was expected) across all stages and reported together; the output folder
//! is never touched by a failed build. The loader knows nothing of
//! templates, the model nothing of files, and the renderer never reads
//! `content/`.

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod diag;
pub mod fsx;
pub mod html;
pub mod layout;
pub mod load;
pub mod model;
pub mod output;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod rebuild;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod watch;

pub use build::{build, BuildError, BuildOptions, BuildReport};
pub use progress::{Progress, Quiet};
pub use rebuild::{RebuildReport, Session};
pub use render::embedded::TEMPLATES as DEFAULT_TEMPLATES;
pub use watch::{classify, ChangeSet};
