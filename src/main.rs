//! The `dateline` binary: parse the command line, hand it to the library,
//! turn the outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dateline::Cli::parse();
    dateline::run(cli)
}

// Builds allocate many small strings on every core; mimalloc handles that
// markedly better than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
