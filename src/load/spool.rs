//! The body spool: agency story bodies, extracted and sanitized once at
//! load, kept on disk until the pages that show them are rendered.
//!
//! The model keeps no bodies (100,000 of them are over 500 MB). A Markdown
//! or wire story is one file, cheap to read and render again for its page;
//! an agency file may hold thousands of items (a `newsMessage`, a `.jsonl`
//! dump) whose bodies take an XML or JSON parse and a sanitizer pass each.
//! So the loader does that once and writes each body here; its
//! [`BodySource::Spool`](crate::model::BodySource) says where.
//!
//! The spool is an unnamed temporary file (the system removes it with the
//! process), appended to from every loading thread at once: each body
//! reserves its range, then writes it in place. A `serve` session keeps
//! one spool for its life and appends the bodies of the files it reloads.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::BodySource;

/// Spooled bodies.
#[derive(Debug)]
pub(crate) struct Spool {
    file: File,
    end: AtomicU64,
}

impl Spool {
    /// An empty spool in the system's temporary folder.
    pub(crate) fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: tempfile::tempfile()?,
            end: AtomicU64::new(0),
        })
    }

    /// Writes `html` and says where it is.
    pub(crate) fn put(&self, html: &str) -> io::Result<BodySource> {
        let len = u32::try_from(html.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a body of over 4 GB"))?;
        let offset = self.end.fetch_add(u64::from(len), Ordering::Relaxed);
        write_at(&self.file, html.as_bytes(), offset)?;
        Ok(BodySource::Spool { offset, len })
    }

    /// The body at `offset..offset + len`.
    pub(crate) fn get(&self, offset: u64, len: u32) -> io::Result<String> {
        let mut buf = vec![0; len as usize];
        read_at(&self.file, &mut buf, offset)?;
        String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn bodies_written_from_many_threads_come_back_whole() {
        let spool = Spool::new().unwrap();
        let bodies: Vec<String> = (0..500)
            .map(|i| format!("<p>Body {i}: {}</p>", "é".repeat(i % 37)))
            .collect();
        let refs: Vec<BodySource> = bodies.par_iter().map(|b| spool.put(b).unwrap()).collect();
        for (body, r) in bodies.iter().zip(refs) {
            let BodySource::Spool { offset, len } = r else {
                panic!("a spooled body")
            };
            assert_eq!(&spool.get(offset, len).unwrap(), body);
        }
    }
}
