//! The audio of a track being added, and its cut into the clear audio of `ATDATA` blocks, one
//! block at a time: a long track is read from its file as it is written, never held whole.

use std::io::{Cursor, Read, Seek, SeekFrom};

use crate::block::AUDIO_BYTES;
use crate::codec::{AudioFormat, CodecInfo};
use crate::error::HimdError;
use crate::mp3::Mp3Frames;

/// MPEG bytes in one block: the area less one byte, as ATRAC leaves it.
const MPEG_BLOCK_BYTES: usize = AUDIO_BYTES - 1;

/// The audio of a new track, in memory.
#[derive(Debug, Clone)]
pub enum NewAudio {
    Mp3(Mp3Frames),
    /// ATRAC3 or ATRAC3plus frames of `codec`, back to back.
    Atrac {
        codec: CodecInfo,
        frames: Vec<u8>,
    },
    /// 16-bit stereo samples at 44.1 kHz, big-endian; padded to whole 16-sample frames.
    Lpcm(Vec<u8>),
}

/// Anything audio can be read from and read again (a retry's comparison rereads it).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// ATRAC or PCM audio read as it is written: `len` bytes from `offset` in `reader`.
pub struct StreamedAudio<'a> {
    pub codec: CodecInfo,
    pub reader: &'a mut dyn ReadSeek,
    pub offset: u64,
    pub len: u64,
}

/// What a writer takes blocks from.
pub(crate) enum BlockSource<'a> {
    Frames(FrameBlocks<'a>),
    Mp3(Mp3Blocks<'a>),
}

impl<'a> BlockSource<'a> {
    pub(crate) fn of_memory(audio: &'a NewAudio, cursor: &'a mut Cursor<&'a [u8]>) -> Self {
        match audio {
            NewAudio::Mp3(mp3) => Self::Mp3(Mp3Blocks::new(mp3)),
            NewAudio::Atrac { codec, frames } => Self::streamed(StreamedAudio {
                codec: *codec,
                reader: cursor,
                offset: 0,
                len: frames.len() as u64,
            }),
            NewAudio::Lpcm(samples) => Self::streamed(StreamedAudio {
                codec: CodecInfo::lpcm(),
                reader: cursor,
                offset: 0,
                len: samples.len() as u64,
            }),
        }
    }

    pub(crate) fn streamed(audio: StreamedAudio<'a>) -> Self {
        Self::Frames(FrameBlocks { audio, done: 0 })
    }

    pub(crate) fn codec(&self) -> CodecInfo {
        match self {
            Self::Frames(f) => f.audio.codec,
            Self::Mp3(m) => m.mp3.codec,
        }
    }

    /// The blocks the track takes; an error when the audio cannot be cut into blocks.
    pub(crate) fn block_count(&self) -> Result<u64, HimdError> {
        match self {
            Self::Frames(f) => {
                let (frames, _) = f.frames()?;
                Ok(frames.div_ceil(f.per_block()))
            }
            Self::Mp3(m) => match &m.cuts {
                Ok(cuts) => Ok(cuts.len() as u64),
                Err(why) => Err(HimdError::NoRoom(why.clone())),
            },
        }
    }

    pub(crate) fn seconds(&self) -> u64 {
        let frames = match self {
            Self::Frames(f) => f.frames().map_or(0, |(n, _)| n),
            Self::Mp3(m) => m.mp3.frame_count() as u64,
        };
        self.codec().frames_to_ms(frames) / 1000
    }

    /// Back to the first block.
    pub(crate) fn rewind(&mut self) {
        match self {
            Self::Frames(f) => f.done = 0,
            Self::Mp3(m) => m.next = 0,
        }
    }

    /// The clear audio of the next block into `out` and its frames; `None` after the last.
    pub(crate) fn next_block(&mut self, out: &mut Vec<u8>) -> Result<Option<u16>, HimdError> {
        out.clear();
        match self {
            Self::Frames(f) => f.next_block(out),
            Self::Mp3(m) => Ok(m.next_block(out)),
        }
    }
}

/// Fixed-size frames (ATRAC3, ATRAC3plus, PCM's 16-sample frames) from a reader.
pub(crate) struct FrameBlocks<'a> {
    audio: StreamedAudio<'a>,
    /// Frames handed out.
    done: u64,
}

impl FrameBlocks<'_> {
    fn per_block(&self) -> u64 {
        u64::from(self.audio.codec.frames_per_block()).max(1)
    }

    /// The frames and their size. PCM's last frame may be short (it is padded with silence);
    /// ATRAC must be whole frames.
    fn frames(&self) -> Result<(u64, u64), HimdError> {
        let StreamedAudio { codec, len, .. } = self.audio;
        let frame = u64::from(codec.frame_bytes());
        let what = match codec.format() {
            Some(AudioFormat::Lpcm) => "the PCM audio",
            Some(AudioFormat::Atrac3 | AudioFormat::Atrac3Plus) => "the ATRAC audio",
            _ => return Err(HimdError::UnknownCodec(codec.id)),
        };
        if len == 0 || frame == 0 {
            return Err(HimdError::damaged(what, "it holds no frames"));
        }
        if codec.format() == Some(AudioFormat::Lpcm) {
            return Ok((len.div_ceil(frame), frame));
        }
        if !len.is_multiple_of(frame) {
            return Err(HimdError::damaged(
                what,
                format!("{len} bytes are not whole {frame}-byte frames"),
            ));
        }
        Ok((len / frame, frame))
    }

    fn next_block(&mut self, out: &mut Vec<u8>) -> Result<Option<u16>, HimdError> {
        let (total, frame) = self.frames()?;
        let count = self.per_block().min(total - self.done.min(total));
        if count == 0 {
            return Ok(None);
        }
        let at = self.done * frame;
        let want = (count * frame) as usize;
        let have = self.audio.len.saturating_sub(at).min(want as u64) as usize;
        out.resize(have, 0);
        let reader = &mut self.audio.reader;
        reader.seek(SeekFrom::Start(self.audio.offset + at))?;
        reader.read_exact(out).map_err(|e| {
            HimdError::Io(std::io::Error::new(
                e.kind(),
                format!("the audio ends early: {e}"),
            ))
        })?;
        // A PCM track's last frame is padded with silence.
        out.resize(want, 0);
        self.done += count;
        Ok(Some(count as u16))
    }
}

/// MP3 frames, as many whole frames to a block as fit (at most 255: a fragment's frame count
/// is one byte).
pub(crate) struct Mp3Blocks<'a> {
    mp3: &'a Mp3Frames,
    /// Each block's byte range and frame count, or why the frames cannot be cut.
    cuts: Result<Vec<(usize, usize, u16)>, String>,
    next: usize,
}

impl<'a> Mp3Blocks<'a> {
    fn new(mp3: &'a Mp3Frames) -> Self {
        Self {
            mp3,
            cuts: mp3_cuts(&mp3.ends),
            next: 0,
        }
    }

    fn next_block(&mut self, out: &mut Vec<u8>) -> Option<u16> {
        let &(start, end, frames) = self.cuts.as_ref().ok()?.get(self.next)?;
        self.next += 1;
        out.extend_from_slice(&self.mp3.data[start..end]);
        Some(frames)
    }
}

fn mp3_cuts(ends: &[usize]) -> Result<Vec<(usize, usize, u16)>, String> {
    let mut cuts = Vec::new();
    let (mut start, mut end_of_last, mut frames) = (0, 0, 0u16);
    for &end in ends {
        if end - start > MPEG_BLOCK_BYTES || frames == u16::from(u8::MAX) {
            cuts.push((start, end_of_last, frames));
            (start, frames) = (end_of_last, 0);
            if end - start > MPEG_BLOCK_BYTES {
                return Err("an MP3 frame is larger than an audio block".into());
            }
        }
        frames += 1;
        end_of_last = end;
    }
    if frames > 0 {
        cuts.push((start, end_of_last, frames));
    }
    Ok(cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(mut source: BlockSource<'_>) -> Vec<(Vec<u8>, u16)> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(frames) = source.next_block(&mut buf).unwrap() {
            out.push((buf.clone(), frames));
        }
        out
    }

    #[test]
    fn pcm_is_cut_into_full_blocks_and_its_last_frame_padded() {
        let samples: Vec<u8> = (0..255 * 64 + 10).map(|i| i as u8).collect();
        let audio = NewAudio::Lpcm(samples.clone());
        let mut cursor = Cursor::new(&samples[..]);
        let source = BlockSource::of_memory(&audio, &mut cursor);
        assert_eq!(source.block_count().unwrap(), 2);
        let blocks = collect(source);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].1, 255);
        assert_eq!(blocks[0].0, samples[..255 * 64]);
        assert_eq!(blocks[1].1, 1);
        assert_eq!(&blocks[1].0[..10], &samples[255 * 64..]);
        assert_eq!(blocks[1].0.len(), 64);
    }

    #[test]
    fn atrac_must_be_whole_frames() {
        let frames = vec![0u8; 385];
        let audio = NewAudio::Atrac {
            codec: CodecInfo::atrac3(384, false),
            frames: frames.clone(),
        };
        let mut cursor = Cursor::new(&frames[..]);
        let source = BlockSource::of_memory(&audio, &mut cursor);
        assert!(source.block_count().is_err());
    }

    #[test]
    fn a_reader_that_ends_early_is_an_error_not_silence() {
        let data = vec![1u8; 384 * 10];
        let mut cursor = Cursor::new(&data[..]);
        let mut source = BlockSource::streamed(StreamedAudio {
            codec: CodecInfo::atrac3(384, false),
            reader: &mut cursor,
            offset: 0,
            len: 384 * 50,
        });
        assert_eq!(source.block_count().unwrap(), 2);
        assert!(source.next_block(&mut Vec::new()).is_err());
    }

    #[test]
    fn mp3_blocks_hold_at_most_255_frames() {
        let ends: Vec<usize> = (1..=300).map(|i| i * 10).collect();
        let cuts = mp3_cuts(&ends).unwrap();
        assert_eq!(cuts, vec![(0, 2550, 255), (2550, 3000, 45)]);
    }
}
