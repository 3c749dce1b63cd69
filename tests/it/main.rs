//! Integration tests: fixture sites built in temp dirs by the real binary,
//! with assertions on the HTML, feeds, sitemap, diagnostics and exit codes.
//! One test binary, one module per area.

// Test helpers are `pub` for the sibling modules, not for a public API.
#![allow(unreachable_pub)]

mod agency;
mod browser;
mod build;
mod cli;
mod devtools;
mod embargo;
mod errors;
mod harness;
mod hostile;
mod incremental;
mod rebuild;
mod rebuild_machine;
mod scale;
mod search;
mod serve;
mod standards;
mod versions;
