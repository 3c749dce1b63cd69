//! The search index of a rebuild: brought up to date when what it reads
//! changed (see [`crate::search::Search::fingerprint`]), reading only the
//! stories that changed, and only its files whose bytes changed staged,
//! with those no longer made removed.

use super::Session;
use crate::build::{self, BuildError, Prepared};
use crate::diag::Diagnostics;
use crate::output::{manifest, WriteSet};
use crate::search::{doc_file, Index, Previous, Search, Written, DOC_CHUNK};

/// A rebuild's search index, staged.
pub(super) struct Staged {
    /// Its files.
    pub(super) written: Written,
    /// The index (`None`: search is off).
    pub(super) index: Option<Index>,
}

impl Session {
    /// Stages into `writes` the index files that the site of `p` (the site
    /// after the change) gives differently from the session's. Returns the
    /// new index, or `None` when it is the session's.
    ///
    /// `previous` is the session's index, taken out of it (a failed
    /// rebuild leaves the session without one: the next reads the one the
    /// last build kept, or makes it anew).
    pub(super) fn stage_search(
        &self,
        p: &Prepared,
        previous: Option<(u64, Index)>,
        writes: &mut WriteSet<'_>,
    ) -> Result<Option<Staged>, BuildError> {
        let next = if p.site.config().search {
            let search = Search::new(&p.site);
            let fingerprint = search.fingerprint();
            if fingerprint == self.search.fingerprint {
                // As it was: the index goes back to the session.
                return Ok(Some(Staged {
                    written: self.search.clone(),
                    index: previous.map(|(_, index)| index),
                }));
            }
            // The session's index, else the one the last build kept (which
            // the update checks story by story, whatever its age).
            let key = build::search_key(p.site.config(), &self.opts);
            // Only the session's own index is of the state its files are.
            let (previous, ours) = match previous {
                Some((k, index)) if k == key => (Some(index), true),
                _ => {
                    let kept = build::search_index_path(&self.output)
                        .ok()
                        .and_then(|path| build::load_search_index(&path, key))
                        .map(|kept| kept.index);
                    (kept, false)
                }
            };
            let bodies = p.parts().bodies;
            let (index, made) = search
                .index(previous, &bodies)
                .map_err(|d| BuildError::Content(Diagnostics::from_iter([d])))?;
            let mut written = Written {
                fingerprint,
                files: Default::default(),
                layout: None,
            };
            // The stories' files whose stories are as they were stay (as
            // the session wrote them, when its index was the one updated).
            let n = index.len();
            let kept = |k: usize| {
                (ours && made.same_run(k, DOC_CHUNK, n))
                    .then(|| self.search.files.get(&doc_file(k)).copied())
                    .flatten()
            };
            for k in 0..n.div_ceil(DOC_CHUNK) {
                if let Some(hash) = kept(k) {
                    written.files.insert(doc_file(k), hash);
                }
            }
            // Likewise the term shards that hold the same keys as the
            // session's, none of them changed.
            let previous = match (&self.search.layout, &made.changed) {
                (Some(layout), Some(changed)) if ours => Some(Previous { layout, changed }),
                _ => None,
            };
            let layout = search.files(
                &index,
                |k| kept(k).is_some(),
                previous,
                |rel, bytes| {
                    let hash = manifest::hash_bytes(&bytes);
                    if self.search.files.get(&rel) != Some(&hash) {
                        writes.write(&rel, &bytes)?;
                    }
                    written.files.insert(rel, hash);
                    Ok::<_, BuildError>(())
                },
            )?;
            // (A shard not made is one the session wrote.)
            for name in layout.shard_files() {
                if !written.files.contains_key(&name) {
                    let hash = self.search.files.get(&name).copied();
                    debug_assert!(hash.is_some(), "{name} kept but never written");
                    written.files.extend(hash.map(|h| (name, h)));
                }
            }
            written.layout = Some(std::sync::Arc::new(layout));
            Staged {
                written,
                index: Some(index),
            }
        } else if self.search.files.is_empty() {
            return Ok(None);
        } else {
            Staged {
                written: Written::default(),
                index: None,
            }
        };
        for old in self.search.files.keys() {
            if !next.written.files.contains_key(old) {
                writes.remove(old);
            }
        }
        Ok(Some(next))
    }

    /// Takes the index of a committed rebuild (after the session took
    /// the rebuild's site).
    pub(super) fn adopt_search(&mut self, staged: Staged) {
        self.search = staged.written;
        let key = build::search_key(self.state.site.config(), &self.opts);
        self.search_index = staged.index.map(|index| (key, index));
    }
}
