//! The manifest of an output folder: what the last build left in it, kept
//! in the cache folder beside it (`.public.cache/manifest`), so that the
//! next build neither renders the pages whose inputs did not change nor
//! reads the output to find out which files differ.
//!
//! For each file the build produced it records the file's [`Stamp`] (as
//! the build left it), a hash of its bytes, and what it was made from (a
//! page's fingerprint with its templates', a static file's source); for
//! each folder, its stamp. Nothing is trusted unverified: [`Manifest::verify`]
//! stats every file and folder, and a file whose stamp differs (edited,
//! replaced or removed by hand, or by a build killed before it recorded
//! its work) is compared byte for byte; a stamp too recent to tell is read
//! and hashed; a folder whose stamp differs is listed, and what it holds
//! that the manifest does not know is a file to remove. A manifest that is
//! missing or damaged is no manifest: the build compares every page with
//! the output, as if it had none. It is kept as a base, in frames
//! decoded in parallel, and overlays of what each build since changed
//! (see [`Manifest`]).

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::inputs::{InputEntry, Inputs};
use super::sealed;
pub(crate) use super::sealed::Unusable;
use crate::delta::{Delta, Keyed};
use crate::fsx::{self, Horizon, IoError, Stamp};

/// The first bytes of a manifest file, with its format's version.
const MAGIC: &[u8] = b"dateline manifest 7\n";
/// The first bytes of an overlay of one, with its format's version.
const OVERLAY_MAGIC: &[u8] = b"dateline manifest overlay 1\n";
/// Entries per frame of a manifest file: frames are encoded and decoded
/// in parallel (a large archive's manifest is tens of megabytes, read by
/// every build).
const FRAME: usize = if cfg!(test) { 2 } else { 8192 };
/// How many overlays a manifest's base takes before it is written whole
/// again (also whenever they would change more than an eighth of its
/// entries).
const MAX_OVERLAYS: usize = if cfg!(test) { 3 } else { 16 };

/// What the last build left in an output folder.
///
/// Kept as a base file (`manifest`, in frames) and overlays beside it
/// (`manifest.1`, `manifest.2`, ...), each of what one build changed
/// since the one before it ([`Delta`]): a build that wrote a few files
/// writes a few kilobytes, not the tens of megabytes of a large archive's
/// whole record. Each overlay names the file it amends; the chain is read
/// up to the first overlay that is missing, damaged or amends another
/// file. A chain cut short is the record of an earlier build, which is
/// still true of what it says: files written since have other stamps, so
/// nothing is trusted that should not be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// What every page was made with besides its own inputs (dateline
    /// itself, `site.yaml`, the build's options): what files were made from
    /// compares only under an equal key.
    pub(crate) key: u64,
    /// Every file produced, sorted by path.
    pub(crate) files: Vec<Entry>,
    /// Every folder of the output (`""` for the output itself), sorted.
    pub(crate) dirs: Vec<DirEntry>,
    /// What the build read, stamped before it read it.
    pub(crate) inputs: Inputs,
    /// The build's summary (what it reports), kept for a build that finds
    /// nothing changed; encoded and read by the build, not here.
    pub(crate) report: Vec<u8>,
    /// The files it was read from, if it was read.
    chain: Chain,
}

/// The files a manifest was read from: its base and the overlays on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Chain {
    /// The generation of the base, then of each overlay read, in order
    /// (none for a manifest not read from files).
    links: Vec<u64>,
    /// How many entries the overlays change in all.
    changes: usize,
}

/// The first frame of a manifest's base file: what is not a list, and how
/// many frames each list takes, in order (files, folders, the inputs'
/// folders, the inputs' files).
#[derive(Serialize, Deserialize)]
struct Head<R> {
    generation: u64,
    key: u64,
    report: R,
    taken: Horizon,
    runs: [usize; 4],
}

/// An overlay: what one build changed of the manifest before it.
#[derive(Serialize, Deserialize)]
struct Overlay<R, F, D, I> {
    /// The generation of the file it amends (the base or an overlay).
    amends: u64,
    generation: u64,
    key: u64,
    report: R,
    taken: Horizon,
    files: F,
    dirs: D,
    input_folders: I,
    input_files: I,
}

/// An overlay as read.
type OverlayIn = Overlay<Vec<u8>, Delta<Entry>, Delta<DirEntry>, Delta<InputEntry>>;

impl OverlayIn {
    /// How many entries it changes.
    fn len(&self) -> usize {
        self.files.len() + self.dirs.len() + self.input_folders.len() + self.input_files.len()
    }

    /// Its changes, then those of `next` (the overlay on it), as one
    /// overlay.
    fn then(self, next: OverlayIn) -> OverlayIn {
        let walk = crate::layout::walk_order;
        Overlay {
            amends: self.amends,
            generation: next.generation,
            key: next.key,
            report: next.report,
            taken: next.taken,
            files: self.files.then(next.files, str::cmp),
            dirs: self.dirs.then(next.dirs, str::cmp),
            input_folders: self.input_folders.then(next.input_folders, walk),
            input_files: self.input_files.then(next.input_files, walk),
        }
    }
}

/// A generation no other file of a manifest has had.
fn new_generation() -> u64 {
    fsx::now_ns() as u64 ^ u64::from(std::process::id()).rotate_left(40)
}

/// Where overlay `n` (from 1) of the manifest at `path` is.
fn overlay_path(path: &Path, n: usize) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{n}"));
    path.with_file_name(name)
}

/// The entries of a run of frames, each decoded on its own, in parallel.
fn decode_run<T: serde::de::DeserializeOwned + Send>(frames: &[&[u8]]) -> Result<Vec<T>, String> {
    let parts: Vec<Vec<T>> = frames
        .par_iter()
        .map(|f| sealed::decode_frame(f))
        .collect::<Result<_, String>>()?;
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        all.extend(part);
    }
    Ok(all)
}

impl Keyed for Entry {
    fn key(&self) -> &str {
        &self.path
    }
}

impl Keyed for DirEntry {
    fn key(&self) -> &str {
        &self.path
    }
}

/// A file of the output, as the build that produced it left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// Its path in the output, `/`-separated.
    pub(crate) path: String,
    /// Its stamp, taken after it was written.
    pub(crate) stamp: Stamp,
    /// Whether the stamp was too recent to vouch for the bytes when it was
    /// taken ([`Stamp::is_racy`]): the file must be read to be trusted.
    pub(crate) racy: bool,
    /// A hash of its bytes ([`hash_bytes`]).
    pub(crate) hash: u64,
    /// What it was made from: equal for two builds under one key exactly
    /// when the file's bytes are.
    pub(crate) made_from: u64,
}

/// A folder of the output, as the build left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DirEntry {
    /// Its path in the output, `/`-separated (`""`: the output).
    pub(crate) path: String,
    /// Its stamp: any file added to or removed from it changes it.
    pub(crate) stamp: Stamp,
    /// Whether the stamp was too recent to vouch for what the folder holds.
    pub(crate) racy: bool,
}

/// The hash of a file's bytes that a manifest records.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6461_7465_6c69_6e65).hash_one(bytes)
}

/// Where the manifest of the output folder `target` is.
pub(crate) fn path_for(target: &Path) -> Result<PathBuf, IoError> {
    Ok(super::cache_dir(target)?.join("manifest"))
}

impl Manifest {
    /// Reads the manifest at `path` (its base, and the overlays on it).
    pub(crate) fn load(path: &Path) -> Result<Manifest, Unusable> {
        let mut m = Manifest::load_base(path)?;
        // The overlays' changes, made one, then made at once: each list is
        // gone through once, however long the chain.
        let mut all: Option<OverlayIn> = None;
        while m.chain.links.len() <= MAX_OVERLAYS {
            let at = overlay_path(path, m.chain.links.len());
            let Ok(o) = sealed::load::<OverlayIn>(&at, OVERLAY_MAGIC) else {
                break;
            };
            if !m.fits(&o) {
                break;
            }
            m.chain.links.push(o.generation);
            m.chain.changes += o.len();
            all = Some(match all {
                None => o,
                Some(before) => before.then(o),
            });
        }
        if let Some(o) = all {
            m.take(o);
        }
        Ok(m)
    }

    fn load_base(path: &Path) -> Result<Manifest, Unusable> {
        let frames = sealed::load_frames(path, MAGIC)?;
        let frames: Vec<&[u8]> = frames.iter().collect();
        let damaged = |why: &str| Unusable::Damaged(why.to_string());
        let (head, mut rest) = frames
            .split_first()
            .ok_or_else(|| damaged("it has no head"))?;
        let head: Head<Vec<u8>> = sealed::decode_frame(head).map_err(Unusable::Damaged)?;
        let mut runs = [&[][..]; 4];
        for (run, len) in runs.iter_mut().zip(head.runs) {
            (*run, rest) = rest
                .split_at_checked(len)
                .ok_or_else(|| damaged("it is missing frames"))?;
        }
        if !rest.is_empty() {
            return Err(damaged("it has frames of nothing"));
        }
        let [files, dirs, folders, inputs] = runs;
        let ((files, dirs), (folders, inputs)) = rayon::join(
            || {
                rayon::join(
                    || decode_run::<Entry>(files),
                    || decode_run::<DirEntry>(dirs),
                )
            },
            || {
                rayon::join(
                    || decode_run::<InputEntry>(folders),
                    || decode_run::<InputEntry>(inputs),
                )
            },
        );
        let inputs = Inputs::from_sections(
            folders.map_err(Unusable::Damaged)?,
            inputs.map_err(Unusable::Damaged)?,
            head.taken,
        );
        Ok(Manifest {
            key: head.key,
            files: files.map_err(Unusable::Damaged)?,
            dirs: dirs.map_err(Unusable::Damaged)?,
            inputs,
            report: head.report,
            chain: Chain {
                links: vec![head.generation],
                changes: 0,
            },
        })
    }

    /// Whether the overlay `o` amends the file read last, and is in
    /// order.
    fn fits(&self, o: &OverlayIn) -> bool {
        let walk = crate::layout::walk_order;
        self.chain.links.last() == Some(&o.amends)
            && o.files.is_sorted_by(str::cmp)
            && o.dirs.is_sorted_by(str::cmp)
            && o.input_folders.is_sorted_by(walk)
            && o.input_files.is_sorted_by(walk)
    }

    /// Makes the changes of the overlay `o` (which [`Manifest::fits`]).
    fn take(&mut self, o: OverlayIn) {
        let walk = crate::layout::walk_order;
        self.key = o.key;
        self.report = o.report;
        self.files = o.files.apply(std::mem::take(&mut self.files), str::cmp);
        self.dirs = o.dirs.apply(std::mem::take(&mut self.dirs), str::cmp);
        let (folders, files, _) = std::mem::take(&mut self.inputs).into_sections();
        self.inputs = Inputs::from_sections(
            o.input_folders.apply(folders, walk),
            o.input_files.apply(files, walk),
            o.taken,
        );
    }

    /// Writes the manifest to `path`, whole or not at all (a build killed
    /// while writing it leaves the last one): as an overlay of what
    /// changed since `last` (the manifest read from `path` at the start of
    /// this build) if that is little, else whole.
    pub(crate) fn save(&self, path: &Path, last: Option<&Manifest>) -> Result<(), IoError> {
        if let Some(last) = last.filter(|l| (1..=MAX_OVERLAYS).contains(&l.chain.links.len())) {
            let (old_folders, old_files, _) = last.inputs.sections();
            let (folders, files, taken) = self.inputs.sections();
            let walk = crate::layout::walk_order;
            let files_delta = Delta::between(&last.files, &self.files, str::cmp);
            let dirs = Delta::between(&last.dirs, &self.dirs, str::cmp);
            let input_folders = Delta::between(old_folders, folders, walk);
            let input_files = Delta::between(old_files, files, walk);
            let changes = last.chain.changes
                + files_delta.len()
                + dirs.len()
                + input_folders.len()
                + input_files.len();
            let entries = self.files.len() + self.dirs.len() + folders.len() + files.len();
            if changes <= (entries / 8).max(1024) {
                let o = Overlay {
                    amends: last.chain.links.last().copied().unwrap_or_default(),
                    generation: new_generation(),
                    key: self.key,
                    report: &self.report[..],
                    taken,
                    files: files_delta,
                    dirs,
                    input_folders,
                    input_files,
                };
                return sealed::save(
                    &overlay_path(path, last.chain.links.len()),
                    OVERLAY_MAGIC,
                    &o,
                );
            }
        }
        self.save_base(path)?;
        // The overlays of the base replaced amend another: never read
        // again, so failing to remove one costs nothing but its room.
        for n in 1..=MAX_OVERLAYS {
            let _ = std::fs::remove_file(overlay_path(path, n));
        }
        Ok(())
    }

    fn save_base(&self, path: &Path) -> Result<(), IoError> {
        let (folders, inputs, taken) = self.inputs.sections();
        let files: Vec<&[Entry]> = self.files.chunks(FRAME).collect();
        let dirs: Vec<&[DirEntry]> = self.dirs.chunks(FRAME).collect();
        let folders: Vec<&[InputEntry]> = folders.chunks(FRAME).collect();
        let inputs: Vec<&[InputEntry]> = inputs.chunks(FRAME).collect();
        let head = Head {
            generation: new_generation(),
            key: self.key,
            report: &self.report[..],
            taken,
            runs: [files.len(), dirs.len(), folders.len(), inputs.len()],
        };
        let count = 1 + files.len() + dirs.len() + folders.len() + inputs.len();
        sealed::save_frames(path, MAGIC, count, |i| {
            let Some(mut i) = i.checked_sub(1) else {
                return sealed::encode_frame(path, &head);
            };
            if let Some(run) = files.get(i) {
                return sealed::encode_frame(path, run);
            }
            i -= files.len();
            if let Some(run) = dirs.get(i) {
                return sealed::encode_frame(path, run);
            }
            i -= dirs.len();
            match folders.get(i) {
                Some(run) => sealed::encode_frame(path, run),
                None => sealed::encode_frame(path, &inputs[i - folders.len()]),
            }
        })
    }

    /// The entry of the file at `path`, if the manifest has one.
    pub(crate) fn entry(&self, path: &str) -> Option<&Entry> {
        self.files
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// Checks the output folder `output` against the manifest, in parallel:
    /// which files are as recorded, and what the folder holds.
    pub(crate) fn verify(&self, output: &Path) -> Result<Verified, IoError> {
        let at = fsx::StampDir::open(output);
        let states: Vec<FileState> = self
            .files
            .par_iter()
            .map(|e| {
                match at.stamp(&e.path, false) {
                    None => FileState::Missing,
                    Some(s) if s != e.stamp => FileState::Changed,
                    Some(_) if !e.racy => FileState::Same,
                    // Too recent to tell by its stamp: read it.
                    Some(_) => match std::fs::read(output.join(&e.path)) {
                        Ok(b) if hash_bytes(&b) == e.hash => FileState::Same,
                        _ => FileState::Changed,
                    },
                }
            })
            .collect();
        // What changed folders hold that the manifest does not know.
        let unknown: Vec<Option<Vec<String>>> = self
            .dirs
            .par_iter()
            .map(|d| match at.stamp(&d.path, false) {
                None => Ok(Some(Vec::new())),
                Some(s) if s == d.stamp && !d.racy => Ok(None),
                Some(_) => {
                    let dir = if d.path.is_empty() {
                        output.to_path_buf()
                    } else {
                        output.join(&d.path)
                    };
                    self.unknown_in(&dir, &d.path).map(Some)
                }
            })
            .collect::<Result<_, IoError>>()?;
        let dirs_same = unknown.iter().map(Option::is_none).collect();
        let mut strays: Vec<String> = unknown.into_iter().flatten().flatten().collect();
        strays.sort_unstable();
        strays.dedup();
        Ok(Verified {
            changed: states.iter().filter(|s| **s != FileState::Same).count(),
            same: states.iter().map(|s| *s == FileState::Same).collect(),
            present: states
                .into_iter()
                .map(|s| s != FileState::Missing)
                .collect(),
            strays,
            dirs_same,
        })
    }

    /// Marks as settled the racy files and folders whose stamps are old
    /// enough, at `taken`, to vouch for them: for a manifest that
    /// [`Manifest::verify`], started at `taken`, found the output to match
    /// whole (each racy file read and hashed, each racy folder listed), so
    /// that the next build trusts their stamps instead of reading them
    /// again. How many it settled.
    pub(crate) fn settle(&mut self, taken: Horizon) -> usize {
        let files = self.files.iter_mut().map(|e| (&mut e.racy, e.stamp));
        let dirs = self.dirs.iter_mut().map(|d| (&mut d.racy, d.stamp));
        let mut settled = 0;
        for (racy, stamp) in files.chain(dirs) {
            if *racy && !stamp.is_racy(taken) {
                *racy = false;
                settled += 1;
            }
        }
        settled
    }

    /// The manifest with its racy files and folders settled
    /// ([`Manifest::settle`]), if any is old enough to be.
    pub(crate) fn settled(&self, taken: Horizon) -> Option<Manifest> {
        let files = self.files.iter().map(|e| (e.racy, e.stamp));
        let dirs = self.dirs.iter().map(|d| (d.racy, d.stamp));
        let any = files
            .chain(dirs)
            .any(|(racy, stamp)| racy && !stamp.is_racy(taken));
        any.then(|| {
            let mut m = self.clone();
            m.settle(taken);
            m
        })
    }

    /// The files in `dir` (at `rel` in the output) and in new folders in
    /// it that the manifest does not know.
    fn unknown_in(&self, dir: &Path, rel: &str) -> Result<Vec<String>, IoError> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(IoError::new("reading output folder", dir, e)),
        };
        for e in entries {
            let e = e.map_err(|e| IoError::new("reading output folder", dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && name == ".git" {
                continue;
            }
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                let known = self
                    .dirs
                    .binary_search_by(|d| d.path.as_str().cmp(&path))
                    .is_ok();
                if !known {
                    let files = super::files_in(&e.path())?;
                    out.extend(files.into_iter().map(|f| format!("{path}/{f}")));
                }
            } else if self.entry(&path).is_none() {
                out.push(path);
            }
        }
        Ok(out)
    }

    /// A manifest of the files `files` of `output` (sorted by path), with
    /// the stamps they have now where none is given; the folders are
    /// those that hold them, stamped now unless `untouched` (sorted by
    /// path: see [`Verified::untouched_dirs`]) has them.
    pub(crate) fn record(
        key: u64,
        output: &Path,
        files: Vec<Recorded>,
        untouched: Vec<DirEntry>,
        inputs: Inputs,
        report: Vec<u8>,
    ) -> Result<Manifest, IoError> {
        let taken = Horizon::now(output);
        // Stamped from the open folder: each path walks its own components
        // only (an archive's output has a folder per story).
        let at = fsx::StampDir::open(output);
        let stamp = |rel: &str| {
            at.stamp(rel, false).map_or_else(
                || {
                    let path = output.join(rel);
                    let e = std::fs::symlink_metadata(&path)
                        .err()
                        .unwrap_or_else(|| io::Error::other("it changed while it was stamped"));
                    Err(IoError::new("reading", &path, e))
                },
                Ok,
            )
        };
        let entries: Vec<Entry> = files
            .into_par_iter()
            .map(|r| {
                let (stamp, at) = match r.stamp {
                    Known::Checked(stamp, at) => (stamp, at),
                    Known::Written(stamp) => (stamp, taken),
                    Known::Unknown => (stamp(&r.path)?, taken),
                };
                Ok(Entry {
                    path: r.path,
                    stamp,
                    racy: stamp.is_racy(at),
                    hash: r.hash,
                    made_from: r.made_from,
                })
            })
            .collect::<Result<_, IoError>>()?;
        // The folders holding the files, each once, sorted; for each, the
        // entry `untouched` has (both are sorted: one pass), or a new one.
        // The files being sorted, those of a folder come one after another:
        // a file's folders that the file before it is not in are new.
        let mut held: Vec<&str> = vec![""];
        let mut last = "";
        for e in &entries {
            let path = e.path.as_str();
            let common = path
                .bytes()
                .zip(last.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            held.extend(
                path.match_indices('/')
                    .filter(|&(at, _)| at >= common)
                    .map(|(at, _)| &path[..at]),
            );
            last = path;
        }
        held.par_sort_unstable();
        held.dedup();
        let mut kept = untouched.into_iter().peekable();
        let dirs: Vec<Result<DirEntry, &str>> = held
            .into_iter()
            .map(|path| {
                while kept.next_if(|d| d.path.as_str() < path).is_some() {}
                kept.next_if(|d| d.path == path).ok_or(path)
            })
            .collect();
        let dirs = dirs
            .into_par_iter()
            .map(|d| {
                d.or_else(|path| {
                    let stamp = stamp(path)?;
                    Ok(DirEntry {
                        path: path.to_string(),
                        stamp,
                        racy: stamp.is_racy(taken),
                    })
                })
            })
            .collect::<Result<_, IoError>>()?;
        Ok(Manifest {
            key,
            files: entries,
            dirs,
            inputs,
            report,
            chain: Chain::default(),
        })
    }
}

/// What a build knows of the stamp of a file it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// Nothing: [`Manifest::record`] stats the file.
    Unknown,
    /// Its stamp as this build wrote it, taken from the open file, in a
    /// folder of the build's own (a clean build's staging folder, swapped
    /// in whole: its files keep their stamps): what the record would stat.
    Written(Stamp),
    /// The last record's stamp, with when the file was checked against it:
    /// a file left as it was keeps its entry's.
    Checked(Stamp, Horizon),
}

/// A file for [`Manifest::record`].
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    /// Its path in the output.
    pub(crate) path: String,
    /// What is known of its stamp.
    pub(crate) stamp: Known,
    /// A hash of its bytes.
    pub(crate) hash: u64,
    /// What it was made from.
    pub(crate) made_from: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    /// As recorded.
    Same,
    /// There, but maybe not as recorded.
    Changed,
    /// Gone.
    Missing,
}

/// What [`Manifest::verify`] found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Verified {
    /// For each of the manifest's files, in its order: whether it is as
    /// recorded.
    pub(crate) same: Vec<bool>,
    /// For each of the manifest's files: whether it is still there.
    present: Vec<bool>,
    /// How many of the manifest's files are not as recorded (edited or
    /// removed).
    pub(crate) changed: usize,
    /// The files of the output that the manifest does not know, sorted.
    pub(crate) strays: Vec<String>,
    /// For each of the manifest's folders, in its order: whether it is as
    /// recorded (and was then old enough to vouch for what it holds).
    dirs_same: Vec<bool>,
}

impl Verified {
    /// The folders of `m` that are as it recorded them, less those in
    /// which (or below which) a file was since written or removed (paths
    /// in `changed`): their entries hold for the next manifest as they
    /// are, unstamped again ([`Manifest::record`]).
    pub(crate) fn untouched_dirs(&self, m: &Manifest, changed: &[&[String]]) -> Vec<DirEntry> {
        let mut touched: foldhash::HashSet<&str> = foldhash::HashSet::default();
        touched.insert("");
        for path in changed.iter().flat_map(|c| c.iter()) {
            let mut p = path.as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                if !touched.insert(parent) {
                    break;
                }
                p = parent;
            }
        }
        m.dirs
            .iter()
            .zip(&self.dirs_same)
            .filter(|(d, same)| **same && !touched.contains(d.path.as_str()))
            .map(|(d, _)| d.clone())
            .collect()
    }

    /// The files of the output `m` was checked against: its files that are
    /// still there and those it does not know, sorted.
    pub(crate) fn existing<'m>(&'m self, m: &'m Manifest) -> Vec<&'m str> {
        let mut out: Vec<&str> = m
            .files
            .iter()
            .zip(&self.present)
            .filter(|(_, p)| **p)
            .map(|(e, _)| e.path.as_str())
            .chain(self.strays.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the output holds any file.
    pub(crate) fn any(&self) -> bool {
        self.present.contains(&true) || !self.strays.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(out: &Path, files: &[(&str, &str)]) -> Manifest {
        let mut recs = Vec::new();
        for (p, text) in files {
            fsx::write(&out.join(p), text.as_bytes()).unwrap();
            recs.push(Recorded {
                path: p.to_string(),
                stamp: Known::Unknown,
                hash: hash_bytes(text.as_bytes()),
                made_from: 1,
            });
        }
        recs.sort_by(|a, b| a.path.cmp(&b.path));
        let mut m =
            Manifest::record(7, out, recs, Vec::new(), Inputs::default(), Vec::new()).unwrap();
        // As if recorded long ago: nothing is too recent to trust.
        for e in &mut m.files {
            e.racy = false;
        }
        for d in &mut m.dirs {
            d.racy = false;
        }
        m
    }

    #[test]
    fn encodes_and_refuses_damage() {
        let t = tempfile::tempdir().unwrap();
        let m = built(t.path(), &[("index.html", "home"), ("a/b/index.html", "b")]);
        assert_eq!(
            m.dirs.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
            ["", "a", "a/b"]
        );
        let path = t.path().join("manifest");
        m.save(&path, None).unwrap();
        assert_eq!(kept(&Manifest::load(&path).unwrap()), kept(&m));
        let bytes = std::fs::read(&path).unwrap();
        let damaged = |b: &[u8]| {
            std::fs::write(&path, b).unwrap();
            match Manifest::load(&path) {
                Err(Unusable::Damaged(why)) => why,
                other => panic!("{other:?}"),
            }
        };
        let mut bad = bytes.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 1;
        assert!(damaged(&bad).contains("checksum"));
        assert!(!damaged(&bytes[..bytes.len() - 3]).is_empty());
        assert!(damaged(b"garbage").contains("not a"));
        let mut longer = bytes.clone();
        longer.push(0);
        damaged(&longer);
        assert_eq!(
            Manifest::load(&t.path().join("none")).unwrap_err(),
            Unusable::Missing
        );
    }

    /// What a manifest keeps (not which files it was read from).
    fn kept(m: &Manifest) -> (u64, &[Entry], &[DirEntry], &Inputs, &[u8]) {
        (m.key, &m.files, &m.dirs, &m.inputs, &m.report)
    }

    #[test]
    fn each_build_writes_what_it_changed_as_an_overlay_until_the_base_is_due() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        let path = t.path().join("manifest");
        let stamp = |n| {
            Some(Stamp {
                len: n,
                ..Stamp::default()
            })
        };
        let mut m = built(&out, &[("index.html", "home"), ("a/index.html", "a")]);
        let folders = vec![("content".into(), stamp(1))];
        let files = vec![
            ("content/a.md".into(), stamp(2)),
            ("site.yaml".into(), None),
        ];
        m.inputs = Inputs::from_sections(folders, files, Horizon::at(5));
        m.save(&path, None).unwrap();
        let base = std::fs::read(&path).unwrap();
        let mut last = Manifest::load(&path).unwrap();
        assert_eq!(kept(&last), kept(&m));
        let mut states = vec![m.clone()];
        for n in 1..=MAX_OVERLAYS {
            // A file changed, one added, one gone; a story changed, one
            // added; another summary.
            let mut next = last.clone();
            next.chain = Chain::default();
            next.files[0].hash ^= 1;
            next.files
                .retain(|e| e.path != format!("new-{}.html", n - 1));
            let mut added = next.files[0].clone();
            added.path = format!("new-{n}.html");
            next.files.push(added);
            next.files.sort_by(|a, b| a.path.cmp(&b.path));
            let (folders, mut files, taken) = next.inputs.clone().into_sections();
            files[0].1 = stamp(10 + n as u64);
            files.push((format!("content/b{n}.md").into(), None));
            files.sort_by(|a, b| crate::layout::walk_order(&a.0, &b.0));
            next.inputs = Inputs::from_sections(folders, files, taken);
            next.report = vec![n as u8];
            next.save(&path, Some(&last)).unwrap();
            assert!(overlay_path(&path, n).is_file(), "overlay {n}");
            assert_eq!(std::fs::read(&path).unwrap(), base, "the base is as it was");
            last = Manifest::load(&path).unwrap();
            assert_eq!(kept(&last), kept(&next));
            states.push(next);
        }
        // An overlay damaged cuts the chain: the record of the build
        // before it.
        let second = overlay_path(&path, 2);
        let good = std::fs::read(&second).unwrap();
        std::fs::write(&second, &good[..good.len() - 1]).unwrap();
        assert_eq!(kept(&Manifest::load(&path).unwrap()), kept(&states[1]));
        std::fs::write(&second, &good).unwrap();
        // Past the longest chain, the base is written whole, and the
        // overlays go.
        let mut whole = last.clone();
        whole.key = 8;
        whole.save(&path, Some(&last)).unwrap();
        assert_ne!(std::fs::read(&path).unwrap(), base);
        for n in 1..=MAX_OVERLAYS {
            assert!(!overlay_path(&path, n).exists());
        }
        let read = Manifest::load(&path).unwrap();
        assert_eq!(kept(&read), kept(&whole));
        // An overlay of the old base left behind amends nothing here.
        std::fs::write(overlay_path(&path, 1), &good).unwrap();
        assert_eq!(kept(&Manifest::load(&path).unwrap()), kept(&whole));
    }

    #[test]
    fn verify_finds_edits_removals_and_strays() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        let m = built(
            out,
            &[
                ("index.html", "home"),
                ("a/index.html", "a"),
                ("b/index.html", "b"),
            ],
        );
        let v = m.verify(out).unwrap();
        assert_eq!(v.same, [true, true, true]);
        assert_eq!(v.changed, 0);
        assert!(v.strays.is_empty());

        std::fs::write(out.join("a/index.html"), "A").unwrap();
        std::fs::remove_file(out.join("b/index.html")).unwrap();
        fsx::write(&out.join("new/deep/x.html"), b"x").unwrap();
        std::fs::write(out.join("stray.txt"), "s").unwrap();
        std::fs::create_dir_all(out.join(".git")).unwrap();
        std::fs::write(out.join(".git/HEAD"), "ref").unwrap();
        let v = m.verify(out).unwrap();
        // a/index.html, b/index.html, index.html
        assert_eq!(v.same, [false, false, true]);
        assert_eq!(v.changed, 2);
        assert_eq!(
            v.existing(&m),
            ["a/index.html", "index.html", "new/deep/x.html", "stray.txt"]
        );
        assert_eq!(v.strays.len(), 2);
    }

    #[test]
    fn records_each_folder_once_and_keeps_the_untouched_ones() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        let files = [
            ("a/b-c/y.html", "1"),
            ("a/b/x.html", "2"),
            ("a/b/z.html", "3"),
            ("a/bc", "4"),
            ("z/1/2/3.html", "5"),
        ];
        let m = built(out, &files);
        let dirs: Vec<&str> = m.dirs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(dirs, ["", "a", "a/b", "a/b-c", "z", "z/1", "z/1/2"]);
        // An untouched folder's entry is kept as it was, not stamped again.
        let mut kept = m.dirs[2].clone();
        kept.stamp.len += 1;
        let recs = files
            .iter()
            .map(|(p, text)| Recorded {
                path: p.to_string(),
                stamp: Known::Unknown,
                hash: hash_bytes(text.as_bytes()),
                made_from: 1,
            })
            .collect();
        let again = Manifest::record(
            7,
            out,
            recs,
            vec![kept.clone()],
            Inputs::default(),
            Vec::new(),
        )
        .unwrap();
        assert_eq!(again.dirs[2], kept);
        assert_eq!(again.dirs[1].stamp, m.dirs[1].stamp);
        assert_eq!(again.dirs.len(), m.dirs.len());
    }

    #[test]
    fn settles_only_what_is_old_enough() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        let mut m = built(out, &[("a/index.html", "a"), ("b/index.html", "b")]);
        m.files[0].racy = true;
        m.dirs[1].racy = true;
        let written = m.files[0].stamp.mtime.max(m.files[0].stamp.ctime);
        // Checked within the clock tick of the writes: nothing settles.
        assert_eq!(m.settle(Horizon::at(written)), 0);
        assert!(m.files[0].racy && m.dirs[1].racy);
        // Checked later: both settle, and nothing else changes.
        let before = m.clone();
        assert_eq!(m.settle(Horizon::at(written + 1)), 2);
        assert!(!m.files[0].racy && !m.dirs[1].racy);
        assert_eq!(m.files[1], before.files[1]);
        assert_eq!(m.settle(Horizon::at(written + 1)), 0);
    }

    #[test]
    fn a_racy_stamp_is_checked_by_reading() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        let mut m = built(out, &[("index.html", "home")]);
        m.files[0].racy = true;
        assert_eq!(m.verify(out).unwrap().same, [true]);
        m.files[0].hash ^= 1;
        assert_eq!(m.verify(out).unwrap().same, [false]);
    }
}
