//! The search index of a rebuild: made again when what it reads changed
//! (see [`crate::search::Search::fingerprint`]), and only its files whose
//! bytes changed staged, with those no longer made removed.

use super::Session;
use crate::build::{BuildError, Prepared};
use crate::diag::Diagnostics;
use crate::output::{manifest, WriteSet};
use crate::search::{Search, Written};

impl Session {
    /// Stages into `writes` the index files that the site of `p` (the site
    /// after the change) gives differently from the session's. Returns the
    /// new index, or `None` when it is the session's.
    pub(super) fn stage_search(
        &self,
        p: &Prepared,
        writes: &mut WriteSet<'_>,
    ) -> Result<Option<Written>, BuildError> {
        let next = if p.site.config().search {
            let search = Search::new(&p.site);
            let fingerprint = search.fingerprint();
            if fingerprint == self.search.fingerprint {
                return Ok(None);
            }
            let bodies = p.parts().bodies;
            let files = search
                .files(&bodies)
                .map_err(|d| BuildError::Content(Diagnostics::from_iter([d])))?;
            let mut next = Written {
                fingerprint,
                files: Default::default(),
            };
            for (rel, bytes) in files {
                let hash = manifest::hash_bytes(&bytes);
                if self.search.files.get(&rel) != Some(&hash) {
                    writes.write(&rel, &bytes)?;
                }
                next.files.insert(rel, hash);
            }
            next
        } else if self.search.files.is_empty() {
            return Ok(None);
        } else {
            Written::default()
        };
        for old in self.search.files.keys() {
            if !next.files.contains_key(old) {
                writes.remove(old);
            }
        }
        Ok(Some(next))
    }
}
