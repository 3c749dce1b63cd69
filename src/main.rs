//! The `dateline` binary: parse the command line, hand it to the library,
//! turn the outcome into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    no_huge_pages();
    purge_freed_memory_soon();
    dateline::on_update(hold_freed_memory);
    let cli = dateline::Cli::parse();
    dateline::run(cli)
}

// Builds allocate many small strings on every core; mimalloc handles that
// markedly better than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks the
/// kernel for them on its arenas, and the first touch of one zeroes 2 MiB
/// at once: a build that fills its heap sparsely pays for memory it never
/// uses. Decoding the story cache of 100,000 stories (an incremental
/// build's largest step) took 1.05 s with them and 0.30–0.41 s without on
/// the reference machine, where clean builds took the same time either way
/// and 10–30 % less memory without.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointers; it sets a flag of this
    // process that the kernel reads when a page fault is served. A kernel
    // without it fails the call, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc's `purge_delay` (`mi_option_e` in its `mimalloc.h`, v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's default `purge_delay`, in milliseconds.
const MI_DEFAULT_PURGE_DELAY: std::ffi::c_long = 1000;

/// What [`purge_freed_memory_soon`] sets `purge_delay` to, in milliseconds.
const PURGE_DELAY_MS: std::ffi::c_long = 1;

/// Tells mimalloc to give freed memory back to the kernel within a
/// millisecond rather than a second later. A build frees much as it goes
/// from one stage to the next (the parsed stories' sources, the search
/// index's working sets, each page's context): held for a second, that
/// memory was on top of the next stage's, about 50 MB of a 100,000-story
/// build's 370 MB peak on the reference machine. Given back at once
/// (`0`), each free of a span was a call to the kernel that interrupts the
/// other cores to flush their TLBs: a clean build of 100,000 stories on
/// tmpfs took 8.14–8.28 s and 277–278 MB, against 7.35–7.40 s and 278–283
/// MB with a millisecond's delay (2026-12-03, 2 cores). A
/// `MIMALLOC_PURGE_DELAY` set in the environment is left as it is, and so
/// is an option of another meaning should the option's number ever change
/// (its value would not be the default).
fn purge_freed_memory_soon() {
    set_purge_delay(MI_DEFAULT_PURGE_DELAY, PURGE_DELAY_MS);
}

/// Gives mimalloc back its default `purge_delay` (a second) for a build
/// that updates an output it made before ([`dateline::on_update`]): such a
/// build frees and allocates again much of its memory from stage to stage
/// (the story cache decoded, the model, the fingerprints), and each span
/// given back at once was a page fault again later. A correction at
/// 100,000 stories on disk took 1.09-1.10 s and 254 MB with a
/// millisecond's delay, 0.99-1.02 s and 303-309 MB with a second's
/// (2026-12-04, 2 cores). A clean build keeps the millisecond: its peak
/// is what a large archive's memory is judged by.
fn hold_freed_memory() {
    set_purge_delay(PURGE_DELAY_MS, MI_DEFAULT_PURGE_DELAY);
}

/// Sets mimalloc's `purge_delay` to `to` if it is `from` (what this binary
/// set, or mimalloc's default) and the environment does not set it.
fn set_purge_delay(from: std::ffi::c_long, to: std::ffi::c_long) {
    // SAFETY: mi_option_get and mi_option_set read and write one entry of
    // mimalloc's table of options, which it initialised when the process
    // was loaded; neither takes a pointer.
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == from
            && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, to);
        }
    }
}
