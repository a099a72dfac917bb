//! Decoders over files (or any seekable reader): frames are read one at a time, so memory
//! stays constant whatever the file's size.

use std::io::{ErrorKind, Read, Seek, SeekFrom};

use super::Decoder;
use super::atrac1::Atrac1;
use super::atrac3::Atrac3;
use super::atrac3plus::Atrac3Plus;
use super::error::CodecError;
use super::layout::{Codec, Layout};

/// Frames decoded and thrown away before the target of a seek, to fill the overlap, QMF and
/// joint-stereo history.
const PREROLL_FRAMES: u64 = 2;

pub(crate) enum Engine {
    Atrac3(Box<Atrac3>),
    Atrac1(Box<Atrac1>),
    Atrac3Plus(Box<Atrac3Plus>),
}

impl Engine {
    fn decode(&mut self, frame: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        match self {
            Self::Atrac3(d) => d.decode_frame(frame, out),
            Self::Atrac1(d) => d.decode_frame(frame, out),
            Self::Atrac3Plus(d) => d.decode_frame(frame, out),
        }
    }

    fn reset(&mut self) {
        match self {
            Self::Atrac3(d) => d.reset(),
            Self::Atrac1(d) => d.reset(),
            Self::Atrac3Plus(d) => d.reset(),
        }
    }
}

/// ATRAC1, ATRAC3 or ATRAC3plus frames from a reader (buffered by the caller).
pub(crate) struct FrameStream<R> {
    file: R,
    engine: Engine,
    data_offset: u64,
    frames: u64,
    frame_samples: u64,
    sample_rate: u32,
    channels: u16,
    next_frame: u64,
    buf: Vec<u8>,
    scratch: Vec<i16>,
}

impl<R: Read + Seek> FrameStream<R> {
    pub fn new(mut file: R, layout: &Layout) -> Result<Self, CodecError> {
        let engine = match layout.codec {
            Codec::Atrac3 => Engine::Atrac3(Box::new(Atrac3::new(
                layout.channels,
                layout.frame_bytes as usize,
                layout.joint_stereo,
            )?)),
            Codec::Atrac1 => Engine::Atrac1(Box::new(Atrac1::new(layout.channels)?)),
            Codec::Atrac3Plus => Engine::Atrac3Plus(Box::new(Atrac3Plus::new(
                layout.channels,
                layout.frame_bytes as usize,
            )?)),
            _ => {
                return Err(CodecError::Unsupported(format!(
                    "not supported yet: {}",
                    layout.codec.name()
                )));
            }
        };
        file.seek(SeekFrom::Start(layout.data_offset))?;
        Ok(Self {
            file,
            engine,
            data_offset: layout.data_offset,
            frames: layout.frames(),
            frame_samples: layout.codec.frame_samples(),
            sample_rate: layout.sample_rate,
            channels: layout.channels,
            next_frame: 0,
            buf: vec![0; layout.frame_bytes as usize],
            scratch: Vec::new(),
        })
    }

    /// Reads the next frame into `buf`; false at the end of the data.
    fn read_frame(&mut self) -> Result<bool, CodecError> {
        if self.next_frame >= self.frames {
            return Ok(false);
        }
        match self.file.read_exact(&mut self.buf) {
            Ok(()) => {
                self.next_frame += 1;
                Ok(true)
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                // The file shrank since it was opened.
                tracing::warn!(frame = self.next_frame, "ATRAC: the file ends early");
                self.frames = self.next_frame;
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl<R: Read + Seek + Send> Decoder for FrameStream<R> {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        Some(self.frames * self.frame_samples)
    }

    fn next_block(&mut self, out: &mut Vec<i16>) -> Result<bool, CodecError> {
        if !self.read_frame()? {
            return Ok(false);
        }
        if let Err(e) = self.engine.decode(&self.buf, out) {
            tracing::warn!(frame = self.next_frame - 1, error = %e, "ATRAC: silence for a corrupt frame");
            let n = self.frame_samples as usize * usize::from(self.channels);
            out.resize(out.len() + n, 0);
        }
        Ok(true)
    }

    fn seek(&mut self, frame: u64) -> Result<u64, CodecError> {
        let target = (frame / self.frame_samples).min(self.frames);
        let preroll = target.min(PREROLL_FRAMES);
        self.engine.reset();
        let start = target - preroll;
        self.file.seek(SeekFrom::Start(
            self.data_offset + start * self.buf.len() as u64,
        ))?;
        self.next_frame = start;
        for _ in 0..preroll {
            if !self.read_frame()? {
                break;
            }
            // A corrupt frame here only costs history.
            let _ = self.engine.decode(&self.buf, &mut self.scratch);
            self.scratch.clear();
        }
        Ok(self.next_frame * self.frame_samples)
    }
}

/// Plain PCM from a RIFF WAVE, converted to 16 bits.
pub(crate) struct PcmStream<R> {
    file: R,
    bits: u16,
    float: bool,
    sample_rate: u32,
    channels: u16,
    block_align: u64,
    data_offset: u64,
    frames: u64,
    next_frame: u64,
    buf: Vec<u8>,
    big_endian: bool,
}

/// Sample frames per `next_block`.
const PCM_BLOCK: u64 = 4096;

impl<R: Read + Seek> PcmStream<R> {
    pub fn new(mut file: R, layout: &Layout) -> Result<Self, CodecError> {
        let Codec::Pcm { bits, float } = layout.codec else {
            return Err(CodecError::UnknownFormat);
        };
        let bytes = u64::from(bits / 8) * u64::from(layout.channels);
        if u64::from(layout.frame_bytes) != bytes {
            return Err(CodecError::header(
                "RIFF",
                format!(
                    "block alignment {} does not match {} channels of {bits} bits",
                    layout.frame_bytes, layout.channels
                ),
            ));
        }
        file.seek(SeekFrom::Start(layout.data_offset))?;
        Ok(Self {
            file,
            bits,
            float,
            sample_rate: layout.sample_rate,
            channels: layout.channels,
            block_align: bytes,
            data_offset: layout.data_offset,
            frames: layout.frames(),
            next_frame: 0,
            buf: Vec::new(),
            big_endian: false,
        })
    }

    /// Reads 16-bit samples as big-endian (recorder PCM) instead of WAV's little-endian.
    pub fn big_endian(mut self) -> Self {
        self.big_endian = true;
        self
    }
}

impl<R: Read + Seek + Send> Decoder for PcmStream<R> {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        Some(self.frames)
    }

    fn next_block(&mut self, out: &mut Vec<i16>) -> Result<bool, CodecError> {
        let n = PCM_BLOCK.min(self.frames - self.next_frame.min(self.frames));
        if n == 0 {
            return Ok(false);
        }
        self.buf.resize((n * self.block_align) as usize, 0);
        if let Err(e) = self.file.read_exact(&mut self.buf) {
            if e.kind() == ErrorKind::UnexpectedEof {
                tracing::warn!("WAV: the file ends early");
                self.frames = self.next_frame;
                return Ok(false);
            }
            return Err(e.into());
        }
        self.next_frame += n;
        let width = usize::from(self.bits / 8);
        out.reserve(self.buf.len() / width);
        for s in self.buf.chunks_exact(width) {
            let v = match (width, self.float) {
                (1, _) => (i16::from(s[0]) - 128) << 8,
                (2, _) if self.big_endian => i16::from_be_bytes([s[0], s[1]]),
                (2, _) => i16::from_le_bytes([s[0], s[1]]),
                (3, _) => i16::from_le_bytes([s[1], s[2]]),
                (4, false) => i16::from_le_bytes([s[2], s[3]]),
                _ => {
                    let f = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
                    (f * 32768.0).round_ties_even() as i16
                }
            };
            out.push(v);
        }
        Ok(true)
    }

    fn seek(&mut self, frame: u64) -> Result<u64, CodecError> {
        let target = frame.min(self.frames);
        self.file.seek(SeekFrom::Start(
            self.data_offset + target * self.block_align,
        ))?;
        self.next_frame = target;
        Ok(target)
    }
}
