//! Writing AEA files (ATRAC1, as MiniDisc tools exchange SP tracks): the 2048-byte header
//! `aea.rs` reads — magic, title, sound-unit count, channel count — then the 212-byte sound
//! units, one per channel per frame, as [`Atrac1Encoder`](crate::Atrac1Encoder) hands them
//! out.

use std::io::{Seek, SeekFrom, Write};

use super::aea::{HEADER_LEN, UNITS_AT, header};
use super::atrac1::SOUND_UNIT_BYTES;
use super::error::CodecError;

/// Streams ATRAC1 frames into a file: the header first, the frames as they come, and the
/// sound-unit count patched in by [`finish`](Self::finish).
pub struct AeaWriter<W: Write + Seek> {
    out: W,
    channels: u8,
    units: u64,
}

impl<W: Write + Seek> AeaWriter<W> {
    /// Writes the header of a file of `channels` (1 or 2) channels; `title` is cut to the
    /// header's 15 bytes.
    pub fn new(mut out: W, channels: u16, title: &str) -> Result<Self, CodecError> {
        let channels = u8::try_from(channels)
            .ok()
            .filter(|c| (1..=2).contains(c))
            .ok_or_else(|| {
                CodecError::Unsupported(format!("ATRAC1 has one or two channels, not {channels}"))
            })?;
        out.write_all(&header(channels, title, 0))?;
        Ok(Self {
            out,
            channels,
            units: 0,
        })
    }

    /// Appends whole frames (one sound unit per channel each).
    pub fn write_frames(&mut self, frames: &[u8]) -> Result<(), CodecError> {
        let frame_bytes = SOUND_UNIT_BYTES * usize::from(self.channels);
        if !frames.len().is_multiple_of(frame_bytes) {
            return Err(CodecError::frame(
                "ATRAC1",
                "a partial frame cannot be written",
            ));
        }
        self.out.write_all(frames)?;
        self.units += (frames.len() / SOUND_UNIT_BYTES) as u64;
        Ok(())
    }

    /// Completes the file: the sound-unit count goes into the header (the largest a u32 holds,
    /// past 4 G units; readers go by the file's length). Returns the writer, flushed.
    pub fn finish(mut self) -> Result<W, CodecError> {
        let units = u32::try_from(self.units).unwrap_or(u32::MAX);
        self.out.seek(SeekFrom::Start(UNITS_AT))?;
        self.out.write_all(&units.to_le_bytes())?;
        self.out.seek(SeekFrom::Start(
            HEADER_LEN + self.units * SOUND_UNIT_BYTES as u64,
        ))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::{Atrac1Encoder, Codec, Container, probe_reader};

    #[test]
    fn the_reader_reads_what_the_writer_writes() {
        for channels in [1u16, 2] {
            let mut enc = Atrac1Encoder::new(channels).unwrap();
            enc.push(&vec![1000i16; 5000 * usize::from(channels)]);
            enc.flush();
            let mut frames = Vec::new();
            let n = enc.take_frames(&mut frames);
            let mut w =
                AeaWriter::new(Cursor::new(Vec::new()), channels, "Tokyo 東京\n(Live)").unwrap();
            w.write_frames(&frames).unwrap();
            assert!(w.write_frames(&[0u8; 100]).is_err());
            let bytes = w.finish().unwrap().into_inner();
            assert_eq!(
                u32::from_le_bytes(bytes[260..264].try_into().unwrap()) as usize,
                n * usize::from(channels)
            );
            let len = bytes.len() as u64;
            let info = probe_reader(&mut Cursor::new(bytes), len).unwrap();
            assert_eq!(
                (info.container, info.codec),
                (Container::Aea, Codec::Atrac1)
            );
            assert_eq!((info.channels, info.frames as usize), (channels, n));
            // 15 bytes at most, cut at a character boundary, no control characters.
            assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京(Li"));
        }
        assert!(AeaWriter::new(Cursor::new(Vec::new()), 3, "").is_err());
    }
}
