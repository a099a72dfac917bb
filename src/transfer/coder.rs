//! Samples in, wire bytes out: big-endian PCM for SP (the recorder encodes it), or ATRAC3
//! frames from the in-crate encoder for LP2, LP105 and LP4. Both count in frames, so that a
//! track can be cut from a continuous stream at a frame boundary.

use atrac::{Atrac3Encoder, Atrac3Mode, CODEC_DELAY, SAMPLES_PER_FRAME};
use netmd::send::WireFormat;

use super::TransferError;
use super::prepare::{Feed, Route};

pub enum Coder {
    Pcm { channels: usize, out: Vec<u8> },
    Atrac3(Box<Atrac3Encoder>),
}

impl Coder {
    /// The coder for a route that decodes its source; `None` for untouched ATRAC3.
    pub fn for_route(route: Route) -> Result<Option<Self>, TransferError> {
        Ok(match route.feed {
            Feed::Untouched => None,
            Feed::Pcm => Some(Coder::Pcm {
                channels: usize::from(route.format.channels.max(1)),
                out: Vec::new(),
            }),
            Feed::Encode(mode) => Some(Self::atrac3(mode)?),
        })
    }

    fn atrac3(mode: Atrac3Mode) -> Result<Self, TransferError> {
        let encoder =
            Atrac3Encoder::new(mode, 2).map_err(|e| TransferError::Queue(e.to_string()))?;
        Ok(Coder::Atrac3(Box::new(encoder)))
    }

    /// Interleaved channels the coder takes.
    pub fn channels(&self) -> u8 {
        match self {
            Coder::Pcm { channels, .. } => *channels as u8,
            Coder::Atrac3(_) => 2,
        }
    }

    /// Sample frames per wire frame: an SP wire unit of PCM (2048 bytes), or an ATRAC3 frame.
    pub fn frame_samples(&self) -> u64 {
        match self {
            Coder::Pcm { channels, .. } => {
                u64::from(WireFormat::SP_STEREO.unit) / (2 * *channels as u64)
            }
            Coder::Atrac3(_) => SAMPLES_PER_FRAME as u64,
        }
    }

    /// Bytes per wire frame.
    pub fn frame_bytes(&self) -> u64 {
        match self {
            Coder::Pcm { .. } => u64::from(WireFormat::SP_STEREO.unit),
            Coder::Atrac3(encoder) => encoder.frame_bytes() as u64,
        }
    }

    /// Samples from an input sample to the same sample out of the recorder's decoder.
    pub fn delay(&self) -> u64 {
        match self {
            Coder::Pcm { .. } => 0,
            Coder::Atrac3(_) => CODEC_DELAY as u64,
        }
    }

    /// Feeds interleaved samples of [`Coder::channels`] channels.
    pub fn push(&mut self, samples: &[i16]) {
        match self {
            Coder::Pcm { out, .. } => {
                let start = out.len();
                out.resize(start + samples.len() * 2, 0);
                for (dst, s) in out[start..].chunks_exact_mut(2).zip(samples) {
                    dst.copy_from_slice(&s.to_be_bytes());
                }
            }
            Coder::Atrac3(encoder) => encoder.push(samples),
        }
    }

    /// Everything pushed comes out: ATRAC3 is padded with silence past the codec's delay; PCM
    /// ends where it ends (the send pads it to a whole unit).
    pub fn flush(&mut self) {
        if let Coder::Atrac3(encoder) = self {
            encoder.flush();
        }
    }

    /// Appends the bytes made so far to `out`.
    pub fn take(&mut self, out: &mut Vec<u8>) {
        match self {
            Coder::Pcm { out: pcm, .. } => out.append(pcm),
            Coder::Atrac3(encoder) => {
                encoder.take_frames(out);
            }
        }
    }
}
