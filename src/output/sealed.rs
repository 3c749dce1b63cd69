//! Files a build keeps for the next one (the output's manifest, the story
//! cache): a first line naming the format and its version, the value
//! encoded (postcard), or several encoded apart as frames (each after its
//! length), and a checksum of the encoding. They are written
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
    let bytes = read(path)?;
    // Decoded from the whole: from a slice is several times faster than
    // from a reader.
    let payload = payload(&bytes, magic).map_err(Unusable::Damaged)?;
    postcard::from_bytes(payload).map_err(|e| Unusable::Damaged(format!("cannot decode it: {e}")))
}

/// The bytes of the kept file at `path`.
fn read(path: &Path) -> Result<Vec<u8>, Unusable> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Unusable::Missing),
        Err(e) => Err(Unusable::Damaged(format!("cannot read it: {e}"))),
    }
}

/// The payload of a kept file's bytes, if they are whole and of the
/// format `magic` names.
fn payload<'a>(bytes: &'a [u8], magic: &[u8]) -> Result<&'a [u8], String> {
    let body = bytes
        .strip_prefix(magic)
        .ok_or("not a file of this dateline's format")?;
    let (payload, stored) = body.split_last_chunk::<8>().ok_or("it is cut short")?;
    let mut sum = Checksum::default();
    sum.add(payload);
    if sum.value().to_le_bytes() != *stored {
        return Err("its checksum does not match".to_string());
    }
    Ok(payload)
}

/// Keeps `value` at `path` in the format `magic` names, encoding it as it
/// is written (a large archive's are tens of megabytes: never held twice).
pub(crate) fn save<T: Serialize>(path: &Path, magic: &[u8], value: &T) -> Result<(), IoError> {
    let staged = fsx::stage_with_writer(path, |mut file| {
        file.write_all(magic)?;
        // Buffered before it is summed: the encoder writes a byte or a
        // field at a time, the checksum and the file take blocks.
        let summed = Summed {
            out: file,
            sum: Checksum::default(),
        };
        let buffered = postcard::to_io(value, io::BufWriter::with_capacity(BLOCK, summed))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let Summed { mut out, sum } = buffered.into_inner().map_err(|e| e.into_error())?;
        out.write_all(&sum.value().to_le_bytes())
    })?;
    fsx::commit(&staged, path)
}

/// A kept file of frames ([`save_frames`]): its bytes, read whole and
/// checked, and where each frame is in them.
pub(crate) struct Frames {
    bytes: Vec<u8>,
    at: Vec<std::ops::Range<usize>>,
}

impl Frames {
    /// The frames, in the order they were kept.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.at.iter().map(|r| &self.bytes[r.clone()])
    }
}

/// Reads the frames kept at `path` in the format `magic` names: the whole
/// file is checked before any frame is given out.
pub(crate) fn load_frames(path: &Path, magic: &[u8]) -> Result<Frames, Unusable> {
    let bytes = read(path)?;
    let at = frames_in(&bytes, magic).map_err(Unusable::Damaged)?;
    Ok(Frames { bytes, at })
}

fn frames_in(bytes: &[u8], magic: &[u8]) -> Result<Vec<std::ops::Range<usize>>, String> {
    let payload = payload(bytes, magic)?;
    let mut at = Vec::new();
    let mut pos = magic.len();
    let end = magic.len() + payload.len();
    while pos < end {
        let len = bytes
            .get(pos..pos + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("a frame is cut short")?;
        let start = pos + 8;
        let stop = start
            .checked_add(len)
            .filter(|&s| s <= end)
            .ok_or("a frame is cut short")?;
        at.push(start..stop);
        pos = stop;
    }
    Ok(at)
}

/// Decodes one frame of a kept file.
pub(crate) fn decode_frame<T: DeserializeOwned>(frame: &[u8]) -> Result<T, String> {
    postcard::from_bytes(frame).map_err(|e| format!("cannot decode it: {e}"))
}

/// Encodes `value` as a frame of the file to be kept at `path`.
pub(crate) fn encode_frame<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, IoError> {
    postcard::to_stdvec(value).map_err(|e| {
        IoError::new(
            "encoding",
            path,
            io::Error::new(io::ErrorKind::InvalidData, e),
        )
    })
}

/// Keeps `count` frames at `path`, in the format `magic` names, whole or
/// not at all: frame `i` is what `encode(i)` gives ([`encode_frame`]).
/// Frames are encoded in parallel, a few at a time, and written as they
/// are: a large cache is never held whole in memory twice.
pub(crate) fn save_frames(
    path: &Path,
    magic: &[u8],
    count: usize,
    encode: impl Fn(usize) -> Result<Vec<u8>, IoError> + Sync,
) -> Result<(), IoError> {
    use rayon::prelude::*;
    let batch = 2 * rayon::current_num_threads();
    let mut failed = None;
    let staged = fsx::stage_with_writer(path, |file| {
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        out.write_all(magic)?;
        let mut summed = Summed {
            out,
            sum: Checksum::default(),
        };
        for start in (0..count).step_by(batch.max(1)) {
            let frames = (start..count.min(start + batch))
                .into_par_iter()
                .map(&encode)
                .collect::<Result<Vec<_>, IoError>>();
            let frames = match frames {
                Ok(f) => f,
                Err(e) => {
                    failed = Some(e);
                    return Err(io::Error::other("a frame could not be encoded"));
                }
            };
            for frame in frames {
                summed.write_all(&(frame.len() as u64).to_le_bytes())?;
                summed.write_all(&frame)?;
            }
        }
        let Summed { mut out, sum } = summed;
        out.write_all(&sum.value().to_le_bytes())?;
        out.flush()
    });
    match (staged, failed) {
        (_, Some(e)) => Err(e),
        (Ok(staged), None) => fsx::commit(&staged, path),
        (Err(e), None) => Err(e),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_as_kept_and_damage_is_told() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("kept");
        let frames: Vec<Vec<u8>> = (0..5u32)
            .map(|i| encode_frame(&path, &vec![i.to_string(); i as usize * 1000]).unwrap())
            .collect();
        save_frames(&path, b"test 1\n", frames.len(), |i| Ok(frames[i].clone())).unwrap();
        let back = load_frames(&path, b"test 1\n").unwrap();
        let values: Vec<Vec<String>> = back.iter().map(|f| decode_frame(f).unwrap()).collect();
        assert_eq!(values.len(), 5);
        assert_eq!(values[3], vec!["3".to_string(); 3000]);
        assert!(matches!(
            load_frames(&path, b"test 2\n"),
            Err(Unusable::Damaged(_))
        ));

        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            load_frames(&path, b"test 1\n"),
            Err(Unusable::Damaged(_))
        ));
        std::fs::write(&path, &bytes[..middle]).unwrap();
        assert!(matches!(
            load_frames(&path, b"test 1\n"),
            Err(Unusable::Damaged(_))
        ));
        assert!(matches!(
            load_frames(&t.path().join("none"), b"test 1\n"),
            Err(Unusable::Missing)
        ));
    }
}
