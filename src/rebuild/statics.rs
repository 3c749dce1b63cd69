//! The static files of a rebuild: what was copied before the change and
//! what must be after it, compared, so that a file removed from `static/`
//! leaves the output whatever else changed with it (a new `site.yaml` in
//! the same burst included), and a folder removed takes its files along.

use std::collections::BTreeMap;

use super::Session;
use crate::build::BuildError;
use crate::diag::Diagnostics;
use crate::output::{statics, WriteSet};
use crate::plan::Plan;
use crate::watch::ChangeSet;

/// The static files of a rebuild, staged.
pub(super) struct Staged {
    /// The site's static files, as found now.
    pub(super) found: BTreeMap<String, statics::Source>,
    /// Files copied or removed.
    pub(super) changed: usize,
    /// Static files where a page is (after the static files changed).
    pub(super) warnings: Diagnostics,
}

impl Session {
    /// Stages into `writes` the static files that `plan` (the plan after
    /// the change) gives differently from the session's: copies of the new
    /// and changed ones (of all, after a full reload), removals of those
    /// gone or now where a page is.
    pub(super) fn stage_statics(
        &self,
        plan: &Plan,
        changes: &ChangeSet,
        full: bool,
        writes: &mut WriteSet<'_>,
    ) -> Result<Staged, BuildError> {
        let refind = full || !changes.static_files.is_empty();
        let found = if refind {
            statics::find(&self.opts.root)?
        } else {
            self.statics.clone()
        };
        let (before, _) = statics::shown(&self.statics, &self.state.plan);
        let (after, warnings) = statics::shown(&found, plan);
        let mut changed = 0;
        for rel in before.keys().filter(|rel| !after.contains_key(*rel)) {
            writes.remove(rel);
            changed += 1;
        }
        for (rel, src) in &after {
            let copy = full
                || changes.static_files.contains(*rel)
                || before.get(rel).is_none_or(|was| was != src);
            if !copy {
                continue;
            }
            match src {
                statics::Source::Builtin(text) => writes.write(rel, text.as_bytes())?,
                statics::Source::File(path) => writes.copy(rel, path)?,
            }
            changed += 1;
        }
        let warnings = if refind { warnings } else { Diagnostics::new() };
        Ok(Staged {
            found,
            changed,
            warnings,
        })
    }
}
