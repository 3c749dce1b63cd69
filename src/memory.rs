//! Memory between stages: the binary's allocator (mimalloc) keeps what a
//! stage frees for reuse, which is fast, but what one stage leaves behind
//! then adds to the next one's peak. [`give_back_memory`] hands it back.

/// Returns the memory that the allocator holds freed (on every thread of
/// the pool) to the system: between two stages that each need a lot, the
/// first's leftovers then do not add to the second's peak. The binary's
/// allocator is mimalloc; under another (tests) this does nothing.
pub(crate) fn give_back_memory() {
    rayon::broadcast(|_| {
        // SAFETY: `mi_collect` only walks mimalloc's own heaps, and is
        // safe to call at any time from any thread.
        unsafe { libmimalloc_sys::mi_collect(true) }
    });
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
