//! Files a build keeps for the next one (the output's manifest, the story
//! cache): a first line naming the format and its version, the value
//! encoded (postcard), and a checksum of the encoding. They are written
//! whole or not at all (a build killed while writing one leaves the old),
//! as they are encoded, and read back only if all three hold: anything
//! else is [`Unusable`], which a build treats as no file at all.

use std::io::{self, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::manifest::hash_bytes;
use crate::fsx::{self, IoError};

/// Why a kept file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// There is none.
    Missing,
    /// There is one, but not a whole one of this format.
    Damaged(String),
}

/// Reads the value kept at `path` in the format `magic` names.
pub(crate) fn load<T: DeserializeOwned>(path: &Path, magic: &[u8]) -> Result<T, Unusable> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Unusable::Missing),
        Err(e) => return Err(Unusable::Damaged(format!("cannot read it: {e}"))),
    };
    decode(&bytes, magic).map_err(Unusable::Damaged)
}

/// Decodes a kept file's bytes (whole: decoding from a slice is several
/// times faster than from a reader).
fn decode<T: DeserializeOwned>(bytes: &[u8], magic: &[u8]) -> Result<T, String> {
    let body = bytes
        .strip_prefix(magic)
        .ok_or("not a file of this dateline's format")?;
    let (payload, stored) = body.split_last_chunk::<8>().ok_or("it is cut short")?;
    let mut sum = Checksum::default();
    sum.add(payload);
    if sum.value().to_le_bytes() != *stored {
        return Err("its checksum does not match".to_string());
    }
    postcard::from_bytes(payload).map_err(|e| format!("cannot decode it: {e}"))
}

/// Keeps `value` at `path` in the format `magic` names, encoding it as it
/// is written (a large archive's are tens of megabytes: never held twice).
pub(crate) fn save<T: Serialize>(path: &Path, magic: &[u8], value: &T) -> Result<(), IoError> {
    let staged = fsx::stage_with_writer(path, |file| {
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        out.write_all(magic)?;
        let summed = Summed {
            out,
            sum: Checksum::default(),
        };
        let Summed { mut out, sum } = postcard::to_io(value, summed)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        out.write_all(&sum.value().to_le_bytes())?;
        out.flush()
    })?;
    fsx::commit(&staged, path)
}

/// The checksum of a payload: the hashes of its 64 KiB blocks,
/// folded, so that it can be made as the payload is written.
#[derive(Default)]
struct Checksum {
    block: Vec<u8>,
    sum: u64,
}

const BLOCK: usize = 1 << 16;

impl Checksum {
    fn add(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = BLOCK - self.block.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            if self.block.is_empty() && now.len() == BLOCK {
                self.fold(now);
            } else {
                self.block.extend_from_slice(now);
                if self.block.len() == BLOCK {
                    let block = std::mem::take(&mut self.block);
                    self.fold(&block);
                }
            }
            bytes = rest;
        }
    }

    fn fold(&mut self, block: &[u8]) {
        self.sum = hash_bytes(block) ^ self.sum.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn value(mut self) -> u64 {
        let block = std::mem::take(&mut self.block);
        self.fold(&block);
        self.sum
    }
}

/// A writer that sums what goes through it.
struct Summed<W> {
    out: W,
    sum: Checksum,
}

impl<W: io::Write> io::Write for Summed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.sum.add(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
