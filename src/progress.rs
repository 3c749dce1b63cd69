//! Progress reporting: how the pipeline tells the front end what it is
//! doing, without knowing how (or whether) it is shown.
//!
//! Stages call [`Progress::stage`] with their amount of work and
//! [`Progress::advance`] as they go; both may be called from many threads.
//! The CLI shows a bar on a terminal; tests and libraries pass [`Quiet`].

/// Receives progress from a build.
pub trait Progress: Sync {
    /// A stage starts with `total` units of work (stories, pages).
    fn stage(&self, name: &'static str, total: usize);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: usize);
    /// The build is over (successfully or not).
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &'static str, _: usize) {}
    fn advance(&self, _: usize) {}
    fn finish(&self) {}
}
