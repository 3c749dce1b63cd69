//! The search index of a rebuild: brought up to date when what it reads
//! changed (see [`crate::search::Search::fingerprint`]), reading only the
//! stories that changed, and only its files whose bytes changed staged,
//! with those no longer made removed.

use super::Session;
use crate::build::{self, BuildError, Prepared};
use crate::diag::Diagnostics;
use crate::output::{manifest, WriteSet};
use crate::search::{Index, Search, Written};

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
    pub(super) fn stage_search(
        &self,
        p: &Prepared,
        writes: &mut WriteSet<'_>,
    ) -> Result<Option<Staged>, BuildError> {
        let next = if p.site.config().search {
            let search = Search::new(&p.site);
            let fingerprint = search.fingerprint();
            if fingerprint == self.search.fingerprint {
                return Ok(None);
            }
            // The session's index, else the one the last build kept (which
            // the update checks story by story, whatever its age).
            let key = build::search_key(p.site.config(), &self.opts);
            let previous = match &self.search_index {
                Some((k, index)) if *k == key => Some(index.clone()),
                _ => build::search_index_path(&self.output)
                    .ok()
                    .and_then(|path| build::load_search_index(&path, key)),
            };
            let bodies = p.parts().bodies;
            let (index, _) = search
                .index(previous, &bodies)
                .map_err(|d| BuildError::Content(Diagnostics::from_iter([d])))?;
            let mut written = Written {
                fingerprint,
                files: Default::default(),
            };
            search.files(&index, |rel, bytes| {
                let hash = manifest::hash_bytes(&bytes);
                if self.search.files.get(&rel) != Some(&hash) {
                    writes.write(&rel, &bytes)?;
                }
                written.files.insert(rel, hash);
                Ok::<_, BuildError>(())
            })?;
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
