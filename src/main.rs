//! The `dateline` binary: parse the command line, hand it to the library,
//! turn the outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dateline::cli::Cli::parse();
    dateline::cli::run(cli)
}
