//! Work a build hands to a thread of its own and goes on without: keeping
//! its caches for the next build (the parsed stories, the search index)
//! while it assembles, renders and writes. The build waits for it before
//! it reports, and a [`Background`] dropped unfinished (a build that
//! failed) waits for it too: no build returns with a cache half written.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One piece of work, running or done; what it gives is a note for the
/// build's report, if it has one (a cache that could not be kept).
#[derive(Debug)]
pub(crate) struct Background(Option<State>);

#[derive(Debug)]
enum State {
    Running(JoinHandle<Option<String>>),
    /// Done where it was asked for: no thread could be had.
    Done(Option<String>),
}

impl Background {
    /// Runs `work` on a thread of its own, or here and now if no thread
    /// can be had.
    pub(crate) fn spawn<F>(work: F) -> Background
    where
        F: FnOnce() -> Option<String> + Send + 'static,
    {
        // Shared with the thread: if it cannot be started, the work is
        // still here to do.
        let work = Arc::new(Mutex::new(Some(work)));
        let take = |w: &Mutex<Option<F>>| w.lock().ok().and_then(|mut w| w.take());
        let theirs = Arc::clone(&work);
        let state = match std::thread::Builder::new().spawn(move || take(&theirs).and_then(|w| w()))
        {
            Ok(handle) => State::Running(handle),
            Err(_) => State::Done(take(&work).and_then(|w| w())),
        };
        Background(Some(state))
    }

    /// Waits for the work; its note, if any. A panic in it is this
    /// thread's.
    pub(crate) fn finish(mut self) -> Option<String> {
        match self.0.take() {
            Some(State::Running(handle)) => match handle.join() {
                Ok(note) => note,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Some(State::Done(note)) => note,
            None => None,
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(State::Running(handle)) = self.0.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_is_done_when_finished_or_dropped() {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&done);
        let b = Background::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Some("kept".to_string())
        });
        drop(b);
        assert!(done.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(
            Background::spawn(|| Some("n".into())).finish().as_deref(),
            Some("n")
        );
        assert_eq!(Background::spawn(|| None).finish(), None);
    }
}
