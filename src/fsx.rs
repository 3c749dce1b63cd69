//! File-system helpers that name the path in every error.
//!
//! Reads of user content return a [`Diagnostic`] (a bad story is a content
//! problem, reported with the others); operations on the output folder return
//! an [`IoError`], which stops the build.

use std::io;
use std::path::{Path, PathBuf};

use crate::diag::{line_col, Diagnostic};

/// A failed file-system operation: what we were doing and on which path.
/// The cause is its [`source`](std::error::Error::source), printed by
/// whoever prints the whole chain (once: it is not in this message).
#[derive(Debug, thiserror::Error)]
#[error("{action} {}", path.display())]
pub struct IoError {
    /// What we were doing ("writing page", "creating folder").
    pub action: &'static str,
    /// The path involved.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

impl IoError {
    /// Wraps `source` with its action and path.
    pub fn new(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        IoError {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Reads a UTF-8 text file. `shown` is the path used in diagnostics.
///
/// A leading byte-order mark is dropped. Invalid UTF-8 is reported with the
/// line, column and byte offset of the first bad byte.
pub(crate) fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    decode_utf8(read_bytes(path, shown)?, shown)
}

/// Reads a whole regular file. Anything else (a pipe, whose read would wait
/// for a writer forever; a device) is refused before it is opened.
pub(crate) fn read_bytes(path: &Path, shown: &Path) -> Result<Vec<u8>, Diagnostic> {
    use std::io::Read;
    let cannot = |e: io::Error| Diagnostic::error(shown, 0, format!("cannot read file: {e}"));
    // Opened without waiting for a writer, should it be a pipe, and asked
    // what it is through the open file: one lookup of the path, not
    // three (`std::fs::read` stats it again). A clean build reads each
    // Markdown story three times (to load it, to index it, to render its
    // page).
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = open.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Diagnostic::error(
            shown,
            0,
            "cannot read: not a regular file (a pipe, socket, device or folder); expected a file",
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    // Through `Take`, which reads into the capacity without asking the
    // file's size again.
    file.take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    Ok(bytes)
}

/// Decodes `bytes` as UTF-8, or explains where and why it is not.
pub(crate) fn decode_utf8(mut bytes: Vec<u8>, shown: &Path) -> Result<String, Diagnostic> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Diagnostic::error(
            shown,
            1,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); expected UTF-8 text \
             (convert the file, e.g. `iconv -f utf-16 -t utf-8`)",
        )
        .at_column(1));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before `at` is valid, so line and column are exact.
        let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let (line, col) = line_col(valid, at);
        Diagnostic::error(
            shown,
            line,
            format!(
                "invalid UTF-8: byte 0x{:02X} at byte offset {at}; expected UTF-8 text \
                 (convert the file, e.g. `iconv -f latin1 -t utf-8`)",
                bytes[at]
            ),
        )
        .at_column(col)
    })
}

/// Creates `dir` and its parents.
pub(crate) fn create_dir_all(dir: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(dir).map_err(|e| IoError::new("creating folder", dir, e))
}

/// Writes `bytes` to `path`, creating its parent folders.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    std::fs::write(path, bytes).map_err(|e| IoError::new("writing", path, e))
}

/// Writes `bytes` beside `path` under a hidden name and returns that name,
/// for a caller that renames it over `path` once all its files are written
/// ([`commit`]), or removes it ([`discard`]). A reader of `path` (a server,
/// a browser) then sees the old file or the new one, never half of one.
pub(crate) fn stage(path: &Path, bytes: &[u8]) -> Result<PathBuf, IoError> {
    stage_with(path, |tmp| std::fs::write(tmp, bytes))
}

/// [`stage`] a copy of the file `src` for `path`.
pub(crate) fn stage_copy(path: &Path, src: &Path) -> Result<PathBuf, IoError> {
    stage_with(path, |tmp| std::fs::copy(src, tmp).map(drop))
}

/// Renames a file written by [`stage`] over `path`.
pub(crate) fn commit(staged: &Path, path: &Path) -> Result<(), IoError> {
    std::fs::rename(staged, path).map_err(|e| {
        discard(staged);
        IoError::new("replacing", path, e)
    })
}

/// Removes a file written by [`stage`]; it may be gone already.
pub(crate) fn discard(staged: &Path) {
    let _ = std::fs::remove_file(staged);
}

/// [`stage`] what `fill` writes to the file.
pub(crate) fn stage_with_writer(
    path: &Path,
    fill: impl FnOnce(std::fs::File) -> io::Result<()>,
) -> Result<PathBuf, IoError> {
    stage_with(path, |tmp| fill(std::fs::File::create(tmp)?))
}

fn stage_with(path: &Path, fill: impl FnOnce(&Path) -> io::Result<()>) -> Result<PathBuf, IoError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let tmp = staged_path(path);
    fill(&tmp).map_err(|e| {
        discard(&tmp);
        IoError::new("writing", path, e)
    })?;
    Ok(tmp)
}

/// What the file system says about a file's current bytes without reading
/// them: size, modification and change times (nanoseconds) and inode. A
/// write changes the change time, which no tool can set back, and a
/// replacement changes the inode; so an equal stamp means equal bytes,
/// except for a write in the same clock tick as the stamp was taken (see
/// [`Stamp::is_racy`]). Git's index, Bazel and Cargo trust files the same
/// way.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub(crate) struct Stamp {
    /// Bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i64,
    /// Change time (of the inode), nanoseconds since the epoch.
    pub ctime: i64,
    /// Inode number.
    pub ino: u64,
}

/// How far apart two writes must be for the file system to give them
/// different times, generously: Linux stamps files with a clock that
/// ticks every few milliseconds, FAT every two seconds. What
/// [`Horizon::by_system_clock`] allows when the file system's own clock
/// cannot be read.
const TICK_NS: i64 = 2_000_000_000;

/// When stamps were taken, on the clock the stamped files' times come
/// from: a file whose times are at or after it ([`Stamp::is_racy`]) may
/// have been written again after it was stamped, in the same tick of that
/// clock, without its stamp changing; one whose times are before it was
/// last written in an earlier tick, so any later write gives it new times.
///
/// The file system's clock is read, not the system's: it ticks at its own
/// rate (a few milliseconds on Linux, two seconds on FAT) and an NFS
/// server's may be set apart from this machine's. Git's index compares
/// with its own file's time for the same reason. A horizon is taken
/// before the stamps it vouches for. The default, the epoch, vouches for
/// none.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub(crate) struct Horizon(i64);

impl Horizon {
    /// Now, on the clock of the file system that holds the folder `dir`:
    /// the time it gives a file made there, unnamed (`O_TMPFILE`, else a
    /// hidden name removed at once). Files of another file system mounted
    /// below `dir` are judged by it too. If no file can be made there (a
    /// folder that does not exist or is read-only), the system's clock
    /// less a generous tick ([`Horizon::by_system_clock`]).
    pub(crate) fn now(dir: &Path) -> Horizon {
        Horizon::of_file_system(dir).unwrap_or_else(Horizon::by_system_clock)
    }

    #[cfg(unix)]
    fn of_file_system(dir: &Path) -> Option<Horizon> {
        let made = tempfile::tempfile_in(dir).ok()?;
        let s = Stamp::of(&made.metadata().ok()?);
        Some(Horizon(s.mtime.min(s.ctime)))
    }

    #[cfg(not(unix))]
    fn of_file_system(_: &Path) -> Option<Horizon> {
        None
    }

    /// Now, by the system's clock, less two seconds: a tick longer than
    /// any local file system's, for stamps whose file system's clock was
    /// not read.
    pub(crate) fn by_system_clock() -> Horizon {
        Horizon(now_ns() - TICK_NS + 1)
    }

    /// The horizon at `ns` nanoseconds since the epoch.
    #[cfg(test)]
    pub(crate) fn at(ns: i64) -> Horizon {
        Horizon(ns)
    }

    /// The horizon `ns` nanoseconds later (earlier if negative).
    #[cfg(test)]
    pub(crate) fn later(self, ns: i64) -> Horizon {
        Horizon(self.0 + ns)
    }
}

impl Stamp {
    /// The stamp of `meta`.
    pub(crate) fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                len: meta.len(),
                mtime: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
                ctime: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let ns = |t: std::io::Result<std::time::SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i64)
            };
            Stamp {
                len: meta.len(),
                mtime: ns(meta.modified()),
                ctime: ns(meta.created()),
                ino: 0,
            }
        }
    }

    /// Whether a write could have changed the file without changing this
    /// stamp, had it come after the stamp was taken (after `taken`): when
    /// the file's times are not before the horizon, in the tick it was
    /// taken in or later. Such a file must be read to be trusted.
    pub(crate) fn is_racy(&self, taken: Horizon) -> bool {
        self.mtime.max(self.ctime) >= taken.0
    }
}

/// A folder in which files are stamped by their paths in it. Looked up
/// from the open folder, a path walks only its own components, not the
/// folder's: an incremental build stamps a few hundred thousand files of
/// the site and the output, and those walks were a quarter of the time of
/// a build that found nothing changed (100,000 stories, `perf`).
pub(crate) struct StampDir {
    root: PathBuf,
    #[cfg(unix)]
    fd: Option<std::os::fd::OwnedFd>,
}

impl StampDir {
    /// The folder `root` (if it cannot be opened, paths are joined to it).
    pub(crate) fn open(root: &Path) -> StampDir {
        StampDir {
            root: root.to_path_buf(),
            #[cfg(unix)]
            fd: open_dir(root),
        }
    }

    /// The stamp of the file at `rel` (`/`-separated; `""`: the folder),
    /// following a link if `follow`, as [`Stamp::of`] the file's
    /// `std::fs::metadata` (`symlink_metadata` if not `follow`) gives it.
    pub(crate) fn stamp(&self, rel: &str, follow: bool) -> Option<Stamp> {
        #[cfg(unix)]
        if let Some(fd) = &self.fd {
            use rustix::fs::AtFlags;
            let flags = if follow {
                AtFlags::empty()
            } else {
                AtFlags::SYMLINK_NOFOLLOW
            };
            let path = if rel.is_empty() { "." } else { rel };
            return rustix::fs::statat(fd, path, flags)
                .ok()
                .map(|s| stamp_of_stat(&s));
        }
        let path = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        };
        let meta = if follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        meta.ok().map(|m| Stamp::of(&m))
    }
}

/// A new folder that files are written into by their paths in it, each
/// of its folders made once. A clean build writes some 125,000 files
/// (100,000 stories) into its staging folder: [`write`]'s `mkdir -p` and
/// whole-path lookups per file were a tenth of its time (`perf`). Paths
/// are looked up from the open folder; a folder this writer made is known
/// to exist and is not made again.
#[derive(Debug)]
pub(crate) struct WriteDir {
    root: PathBuf,
    #[cfg(unix)]
    fd: Option<std::os::fd::OwnedFd>,
    /// The folders (`/`-separated, under `root`) known to exist.
    made: std::sync::Mutex<foldhash::HashSet<Box<str>>>,
}

impl WriteDir {
    /// The folder `root`, which must exist (if it cannot be opened, paths
    /// are joined to it).
    pub(crate) fn open(root: &Path) -> WriteDir {
        WriteDir {
            root: root.to_path_buf(),
            #[cfg(unix)]
            fd: open_dir(root),
            made: Default::default(),
        }
    }

    /// Writes `bytes` to the file at `rel` (`/`-separated), making its
    /// folders, and returns the file's stamp once written (taken from the
    /// open file: a build records every file it writes, and stamping them
    /// by path afterwards walked each path again).
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> Result<Stamp, IoError> {
        use std::io::Write;
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.make_dir(parent)?;
        }
        let written = |mut file: std::fs::File| {
            file.write_all(bytes)?;
            file.metadata().map(|m| Stamp::of(&m))
        };
        #[cfg(unix)]
        if let Some(fd) = &self.fd {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
            return rustix::fs::openat(fd, rel, flags, Mode::from_raw_mode(0o666))
                .map_err(io::Error::from)
                .and_then(|file| written(std::fs::File::from(file)))
                .map_err(|e| IoError::new("writing", self.root.join(rel), e));
        }
        std::fs::File::create(self.root.join(rel))
            .and_then(written)
            .map_err(|e| IoError::new("writing", self.root.join(rel), e))
    }

    /// Makes the folder `rel` and its parents, unless known to exist.
    fn make_dir(&self, rel: &str) -> Result<(), IoError> {
        if self.made.lock().is_ok_and(|m| m.contains(rel)) {
            return Ok(());
        }
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.make_dir(parent)?;
        }
        let made = {
            #[cfg(unix)]
            match &self.fd {
                Some(fd) => rustix::fs::mkdirat(fd, rel, rustix::fs::Mode::from_raw_mode(0o777))
                    .map_err(io::Error::from),
                None => std::fs::create_dir(self.root.join(rel)),
            }
            #[cfg(not(unix))]
            std::fs::create_dir(self.root.join(rel))
        };
        match made {
            Ok(()) => {}
            // Another thread made it meanwhile (or it was there).
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && self.root.join(rel).is_dir() => {}
            Err(e) => return Err(IoError::new("creating folder", self.root.join(rel), e)),
        }
        if let Ok(mut m) = self.made.lock() {
            m.insert(rel.into());
        }
        Ok(())
    }
}

/// The folder `root`, opened for calls relative to it (`statat`,
/// `openat`), or `None` when it cannot be opened.
#[cfg(unix)]
fn open_dir(root: &Path) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::open(root, flags, Mode::empty()).ok()
}

/// A [`Stamp`] from a `stat` (whose fields' types vary by platform).
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)]
fn stamp_of_stat(s: &rustix::fs::Stat) -> Stamp {
    Stamp {
        len: s.st_size as u64,
        mtime: s.st_mtime as i64 * 1_000_000_000 + s.st_mtime_nsec as i64,
        ctime: s.st_ctime as i64 * 1_000_000_000 + s.st_ctime_nsec as i64,
        ino: s.st_ino as u64,
    }
}

/// Now, in nanoseconds since the epoch, by the system's clock.
pub(crate) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Where [`stage`] puts the new bytes of `path`: beside it, hidden.
pub(crate) fn staged_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.dateline-new"))
}

/// Removes a folder and everything in it; a missing folder is not an error.
pub(crate) fn remove_dir_all(dir: &Path) -> Result<(), IoError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(IoError::new("removing folder", dir, e))
        }
        _ => Ok(()),
    }
}

/// `path` made absolute and canonical as far as it exists (the output
/// folder may not exist yet).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => absolute(parent).join(name),
        _ => std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_dir_stamps_as_the_standard_library_does() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(&root.join("a/b/page.html"), b"page").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("b/page.html", root.join("a/link")).unwrap();
        let at = StampDir::open(root);
        let std_stamp = |rel: &str, follow: bool| {
            let path = if rel.is_empty() {
                root.to_path_buf()
            } else {
                root.join(rel)
            };
            let meta = if follow {
                std::fs::metadata(path)
            } else {
                std::fs::symlink_metadata(path)
            };
            meta.ok().map(|m| Stamp::of(&m))
        };
        for rel in [
            "",
            "a",
            "a/b",
            "a/b/page.html",
            "a/link",
            "missing",
            "a/missing/x",
        ] {
            for follow in [false, true] {
                assert_eq!(
                    at.stamp(rel, follow),
                    std_stamp(rel, follow),
                    "{rel} {follow}"
                );
            }
        }
        assert!(at.stamp("a/b/page.html", false).is_some());
        #[cfg(unix)]
        assert_ne!(at.stamp("a/link", false), at.stamp("a/link", true));
        let missing = StampDir::open(&root.join("none"));
        assert_eq!(missing.stamp("x", false), None);
    }

    #[test]
    fn a_horizon_is_the_file_systems_now() {
        let dir = tempfile::tempdir().unwrap();
        let stamp = |name: &str| Stamp::of(&std::fs::metadata(dir.path().join(name)).unwrap());
        std::fs::write(dir.path().join("before"), "x").unwrap();
        // Some ticks later: Linux's file clock ticks every few milliseconds.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let h = Horizon::now(dir.path());
        std::fs::write(dir.path().join("after"), "y").unwrap();
        assert!(!stamp("before").is_racy(h), "written ticks before");
        assert!(stamp("after").is_racy(h), "written after");
        // Nothing is left of the file it made.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // Where no file can be made: the system's clock, less two seconds.
        let by_system = Horizon::now(&dir.path().join("missing"));
        assert!(by_system <= Horizon::by_system_clock());
        assert!(stamp("before").is_racy(by_system));
        assert!(Horizon::by_system_clock() < h);
    }

    #[test]
    fn a_staged_file_becomes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("a/b/index.html");
        for text in [&b"old"[..], b"new"] {
            let staged = stage(&page, text).unwrap();
            commit(&staged, &page).unwrap();
        }
        assert_eq!(std::fs::read(&page).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["index.html"]);
    }

    #[test]
    fn invalid_utf8_names_line_column_and_offset() {
        let d = decode_utf8(b"ok\nab\xFCc".to_vec(), Path::new("x.txt")).unwrap_err();
        assert_eq!(
            d.to_string(),
            "x.txt:2:3: error: invalid UTF-8: byte 0xFC at byte offset 5; expected UTF-8 text \
             (convert the file, e.g. `iconv -f latin1 -t utf-8`)"
        );
    }

    #[test]
    fn utf16_is_named() {
        for bom in [&b"\xFF\xFEH\x00i\x00"[..], b"\xFE\xFF\x00H\x00i"] {
            let d = decode_utf8(bom.to_vec(), Path::new("x.txt")).unwrap_err();
            assert_eq!(
                d.to_string(),
                "x.txt:1:1: error: the file is UTF-16 (it starts with a UTF-16 byte-order mark); \
                 expected UTF-8 text (convert the file, e.g. `iconv -f utf-16 -t utf-8`)"
            );
        }
    }

    #[test]
    fn bom_is_dropped() {
        let s = decode_utf8(b"\xEF\xBB\xBFhi".to_vec(), Path::new("x")).unwrap();
        assert_eq!(s, "hi");
    }
}
