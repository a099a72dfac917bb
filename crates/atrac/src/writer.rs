//! Writing ATRAC3 files: OpenMG (`.oma`: an `ea3` ID3v2.3 tag, the 96-byte EA3 header, the
//! frames) and RIFF WAVE (`.at3`: format 0x0270 with its 14 extra bytes, a `fact` chunk, the
//! frames) — the layouts `oma.rs` and `riff.rs` read, and FFmpeg and Sony's players with them.

use std::io::{Seek, SeekFrom, Write};

use super::encoder::{Atrac3Mode, CODEC_DELAY, SAMPLES_PER_FRAME};
use super::error::CodecError;
use super::tag_writer::{TagUpdate, apply, serialize};

const ATRAC3_TAG: u16 = 0x0270;
const SAMPLE_RATE: u32 = 44_100;
/// ATRAC3's codec id in the EA3 header.
const EA3_ATRAC3: u8 = 0;
/// Index of 44.1 kHz in the EA3 header's rate table.
const EA3_RATE_44100: u32 = 1;
/// Where the RIFF header's fields that are only known at the end live.
const RIFF_SIZE_AT: u64 = 4;
const FACT_SAMPLES_AT: u64 = 12 + 8 + 32 + 8;
const DATA_SIZE_AT: u64 = FACT_SAMPLES_AT + 8 + 4;

/// The file format around the frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atrac3Container {
    /// OpenMG (`.oma`), with the tags.
    Oma,
    /// RIFF WAVE (`.at3`); it has no room for tags.
    At3,
}

impl Atrac3Container {
    /// The container for a file name's extension: `.oma`/`.omg`/`.aa3` or `.at3`.
    pub fn for_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "oma" | "omg" | "aa3" => Some(Self::Oma),
            "at3" => Some(Self::At3),
            _ => None,
        }
    }
}

/// The 96-byte EA3 header of an unencrypted ATRAC3 stream.
pub(crate) fn ea3_header(mode: Atrac3Mode) -> [u8; 96] {
    let mut h = [0u8; 96];
    h[..4].copy_from_slice(b"EA3\x01");
    h[4..6].copy_from_slice(&96u16.to_be_bytes());
    // Not encrypted.
    h[6..8].copy_from_slice(&0xFFFFu16.to_be_bytes());
    h[32] = EA3_ATRAC3;
    let params = (u32::from(mode.joint_stereo()) << 17)
        | (EA3_RATE_44100 << 13)
        | (mode.frame_bytes() / 8) as u32;
    h[33..36].copy_from_slice(&params.to_be_bytes()[1..]);
    h
}

/// Streams ATRAC3 frames into a file: the header first, the frames as they come, and the
/// sizes a RIFF file needs patched in by [`finish`](Self::finish).
pub struct Atrac3Writer<W: Write + Seek> {
    out: W,
    container: Atrac3Container,
    mode: Atrac3Mode,
    data_bytes: u64,
}

impl<W: Write + Seek> Atrac3Writer<W> {
    /// Writes the headers; `tags` go into an OMA file's `ea3` tag (a RIFF file has none).
    pub fn new(
        mut out: W,
        container: Atrac3Container,
        mode: Atrac3Mode,
        tags: &TagUpdate,
    ) -> Result<Self, CodecError> {
        match container {
            Atrac3Container::Oma => {
                let mut frames = Vec::new();
                apply(&mut frames, tags);
                out.write_all(&serialize(&frames)?)?;
                out.write_all(&ea3_header(mode))?;
            }
            Atrac3Container::At3 => out.write_all(&riff_header(mode, 0, 0))?,
        }
        Ok(Self {
            out,
            container,
            mode,
            data_bytes: 0,
        })
    }

    /// Appends whole frames.
    pub fn write_frames(&mut self, frames: &[u8]) -> Result<(), CodecError> {
        if !frames.len().is_multiple_of(self.mode.frame_bytes()) {
            return Err(CodecError::frame(
                "ATRAC3",
                "a partial frame cannot be written",
            ));
        }
        if self.container == Atrac3Container::At3
            && self.data_bytes + frames.len() as u64 + 80 > u64::from(u32::MAX)
        {
            return Err(CodecError::Unsupported(
                "the output would exceed the 4 GiB limit of a RIFF file".into(),
            ));
        }
        self.out.write_all(frames)?;
        self.data_bytes += frames.len() as u64;
        Ok(())
    }

    /// Completes the file: `samples` is the input's length per channel (the RIFF `fact`
    /// chunk's playing time). Returns the writer, flushed.
    pub fn finish(mut self, samples: u64) -> Result<W, CodecError> {
        if self.container == Atrac3Container::At3 {
            let header = riff_header(self.mode, self.data_bytes, samples);
            self.out.seek(SeekFrom::Start(0))?;
            self.out.write_all(&header)?;
            self.out.seek(SeekFrom::End(0))?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The RIFF header up to the data chunk's body: 80 bytes.
fn riff_header(mode: Atrac3Mode, data_bytes: u64, samples: u64) -> Vec<u8> {
    let block = mode.frame_bytes() as u16;
    let joint = u16::from(mode.joint_stereo());
    let mut fmt = Vec::with_capacity(32);
    fmt.extend(ATRAC3_TAG.to_le_bytes());
    fmt.extend(2u16.to_le_bytes());
    fmt.extend(SAMPLE_RATE.to_le_bytes());
    fmt.extend((u32::from(block) * SAMPLE_RATE / SAMPLES_PER_FRAME as u32).to_le_bytes());
    fmt.extend(block.to_le_bytes());
    fmt.extend(0u16.to_le_bytes());
    fmt.extend(14u16.to_le_bytes());
    // Extra bytes: 1, PCM bytes per frame (1024 samples × 2 channels × 2 bytes), the coding
    // mode twice (1 = joint stereo), frame factor 1, 0.
    fmt.extend(1u16.to_le_bytes());
    fmt.extend((SAMPLES_PER_FRAME as u32 * 4).to_le_bytes());
    fmt.extend(joint.to_le_bytes());
    fmt.extend(joint.to_le_bytes());
    fmt.extend(1u16.to_le_bytes());
    fmt.extend(0u16.to_le_bytes());
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let mut h = Vec::with_capacity(80);
    h.extend(b"RIFF");
    h.extend(clamp(72 + data_bytes).to_le_bytes());
    h.extend(b"WAVEfmt ");
    h.extend((fmt.len() as u32).to_le_bytes());
    h.extend(&fmt);
    // fact: the samples per channel, and the delay before the first of them.
    h.extend(b"fact");
    h.extend(8u32.to_le_bytes());
    h.extend(clamp(samples).to_le_bytes());
    h.extend((CODEC_DELAY as u32).to_le_bytes());
    h.extend(b"data");
    h.extend(clamp(data_bytes).to_le_bytes());
    debug_assert_eq!(h.len() as u64, DATA_SIZE_AT + 4);
    debug_assert_eq!(RIFF_SIZE_AT, 4);
    h
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::{Codec, Container, probe_reader};

    #[test]
    fn the_readers_read_what_the_writers_write() {
        let tags = TagUpdate {
            title: Some("Tokyo 東京".into()),
            artist: Some("The Walkmen".into()),
            album: Some("Connect Sessions".into()),
            album_artist: Some("Various".into()),
            genre: Some("Rock".into()),
            track: Some(3),
            year: Some(2005),
        };
        for mode in Atrac3Mode::ALL {
            for container in [Atrac3Container::Oma, Atrac3Container::At3] {
                let mut w =
                    Atrac3Writer::new(Cursor::new(Vec::new()), container, mode, &tags).unwrap();
                w.write_frames(&vec![0u8; mode.frame_bytes() * 5]).unwrap();
                assert!(w.write_frames(&[0u8; 7]).is_err());
                let bytes = w.finish(3000).unwrap().into_inner();
                let len = bytes.len() as u64;
                let info = probe_reader(&mut Cursor::new(bytes), len).unwrap();
                assert_eq!(info.codec, Codec::Atrac3);
                assert_eq!(info.frame_bytes as usize, mode.frame_bytes());
                assert_eq!(info.joint_stereo, mode.joint_stereo());
                assert_eq!(
                    (info.sample_rate, info.channels, info.frames),
                    (44_100, 2, 5)
                );
                assert!(!info.protected);
                match container {
                    Atrac3Container::Oma => {
                        assert_eq!(info.container, Container::Oma);
                        assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京"));
                        assert_eq!(info.tags.album_artist.as_deref(), Some("Various"));
                        assert_eq!((info.tags.track, info.tags.year), (Some(3), Some(2005)));
                        assert_eq!(info.tags.genre.as_deref(), Some("Rock"));
                    }
                    Atrac3Container::At3 => {
                        assert_eq!(info.container, Container::Riff);
                        assert_eq!(info.duration_ms, 3000 * 1000 / 44_100);
                    }
                }
            }
        }
    }

    #[test]
    fn lp2_header_matches_the_reference_layout() {
        let h = ea3_header(Atrac3Mode::Lp2);
        assert_eq!(&h[..8], b"EA3\x01\x00\x60\xFF\xFF");
        assert_eq!(&h[32..36], &[0x00, 0x00, 0x20, 0x30]);
        assert_eq!(&ea3_header(Atrac3Mode::Lp4)[33..36], &[0x02, 0x20, 0x18]);
        assert_eq!(
            Atrac3Container::for_extension("AT3"),
            Some(Atrac3Container::At3)
        );
        assert_eq!(Atrac3Container::for_extension("wav"), None);
    }
}
