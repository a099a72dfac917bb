//! The ATRAC1 (SP) encoder: 292 kbps, 44.1 kHz, one or two channels coded independently,
//! streaming.
//!
//! The stages, in order, each in its own module:
//! - [`analysis`]: the two-stage QMF split into three bands and the MDCT of each band in one
//!   long block or in short blocks, mirroring the decoder's synthesis;
//! - [`transient`]: the block-size mode per band, short blocks on attacks;
//! - [`psy`]: the psychoacoustic model, a masking threshold per block floating unit (BFU);
//! - [`alloc`]: scale factors, word lengths and the BFU count for the least weighted noise
//!   in the unit's bits;
//! - [`unit`]: the 212-byte sound unit as the decoder reads it ([`bfus`] says where each
//!   BFU's lines lie).
//!
//! [`Atrac1Encoder`] takes PCM in any amount, hands out whole frames (one sound unit per
//! channel), and on [`flush`](Atrac1Encoder::flush) encodes the tail.

mod alloc;
mod analysis;
mod bfus;
mod psy;
mod transient;
mod unit;

use self::analysis::{BAND_START, BANDS, BandSplitter, Bands, Transform};
use self::bfus::{BFUS, BlockModes};
use self::psy::PsyModel;
use self::transient::TransientDetector;
use super::{BAND_SAMPLES, SAMPLES_PER_FRAME, SOUND_UNIT_BYTES};
use crate::encode_stream::{EncodeStream, streaming_methods};
use crate::error::CodecError;
use crate::qmf::scale_factors;

/// log₂ of the short block count of each band.
const SHORT_MODES: BlockModes = [2, 2, 3];

/// Per channel: the filter bank, the transforms' overlap and the transient detectors.
struct ChannelState {
    splitter: BandSplitter,
    transform: Transform,
    detectors: [TransientDetector; BANDS],
    /// The block-size mode of the last unit (for the tests).
    modes: BlockModes,
}

impl ChannelState {
    fn new() -> Self {
        Self {
            splitter: BandSplitter::new(),
            transform: Transform::new(),
            detectors: std::array::from_fn(|_| TransientDetector::new()),
            modes: [0; BANDS],
        }
    }
}

/// Everything the unit encoder keeps, boxed once.
struct Core {
    /// The decoder's scale factor values.
    table: [f32; 64],
    psy: PsyModel,
    channels: Vec<ChannelState>,
    /// Short blocks on attacks (always, except to measure what they bring).
    block_switching: bool,
}

/// A streaming ATRAC1 encoder for 44.1 kHz input of one or two channels. Each frame is one
/// 212-byte sound unit per channel, channel 0's first — the layout of an AEA file's frames
/// and of a MiniDisc's SP stream.
///
/// ```
/// use atrac::Atrac1Encoder;
/// let mut enc = Atrac1Encoder::new(2).unwrap();
/// enc.push(&vec![0i16; 2 * 3000]);
/// enc.flush();
/// let mut frames = Vec::new();
/// let n = enc.take_frames(&mut frames);
/// assert_eq!(frames.len(), n * 424);
/// ```
pub struct Atrac1Encoder {
    stream: EncodeStream,
    core: Box<Core>,
}

impl Atrac1Encoder {
    /// Samples per channel in one frame.
    pub const SAMPLES_PER_FRAME: usize = SAMPLES_PER_FRAME;
    /// Bytes of one channel's sound unit.
    pub const UNIT_BYTES: usize = SOUND_UNIT_BYTES;
    /// Samples from an input sample to the same sample out of a decoder: each QMF stage's
    /// analysis and synthesis take 92 samples at its input's rate, and the windows' overlap
    /// 32 samples at the low band's rate (a quarter of the input's): 92 + 2 · (92 + 2 · 32).
    /// Constant for every signal.
    pub const DELAY: usize = analysis::DELAY;

    /// An encoder of `channels` (1 or 2) channels.
    pub fn new(channels: u16) -> Result<Self, CodecError> {
        if !(1..=2).contains(&channels) {
            return Err(CodecError::Unsupported(format!(
                "ATRAC1 has one or two channels, not {channels}"
            )));
        }
        let channels = usize::from(channels);
        Ok(Self {
            stream: EncodeStream::new(
                channels,
                channels,
                SAMPLES_PER_FRAME,
                SOUND_UNIT_BYTES * channels,
                Self::DELAY,
            ),
            core: Box::new(Core {
                table: scale_factors(),
                psy: PsyModel::new(),
                channels: (0..channels).map(|_| ChannelState::new()).collect(),
                block_switching: true,
            }),
        })
    }

    /// Channels coded.
    pub fn channels(&self) -> u16 {
        self.core.channels.len() as u16
    }

    /// Bytes of one frame: one sound unit per channel.
    pub fn frame_bytes(&self) -> usize {
        SOUND_UNIT_BYTES * self.core.channels.len()
    }

    streaming_methods!();

    /// Decodes every frame of `frames` (whole frames of `channels` channels, back to back)
    /// with the crate's decoder and reports the first one it rejects; returns the number of
    /// frames. A check for encoder output before it is stored or sent.
    pub fn check_frames(channels: u16, frames: &[u8]) -> Result<usize, CodecError> {
        let mut dec = super::Atrac1::new(channels)?;
        let bytes = dec.frame_bytes();
        if !frames.len().is_multiple_of(bytes) {
            return Err(CodecError::frame("ATRAC1", "a partial frame"));
        }
        let mut pcm = Vec::with_capacity(SAMPLES_PER_FRAME * usize::from(channels));
        for (i, frame) in frames.chunks_exact(bytes).enumerate() {
            pcm.clear();
            dec.decode_frame(frame, &mut pcm)
                .map_err(|e| CodecError::frame("ATRAC1", format!("frame {i}: {e}")))?;
        }
        Ok(frames.len() / bytes)
    }
}

impl Core {
    /// Encodes one frame: a sound unit per channel of `pcm`, one after the other in `frame`.
    fn encode_stream_frame(&mut self, pcm: &[Vec<f32>], frame: &mut [u8]) {
        for (ch, (pcm, unit)) in pcm
            .iter()
            .zip(frame.chunks_exact_mut(SOUND_UNIT_BYTES))
            .enumerate()
        {
            if let (Ok(pcm), Ok(unit)) = (
                <&[f32; SAMPLES_PER_FRAME]>::try_from(&pcm[..]),
                <&mut [u8; SOUND_UNIT_BYTES]>::try_from(unit),
            ) {
                self.encode_unit(ch, pcm, unit);
            }
        }
    }

    /// Encodes one frame of channel `ch`.
    fn encode_unit(
        &mut self,
        ch: usize,
        pcm: &[f32; SAMPLES_PER_FRAME],
        unit: &mut [u8; SOUND_UNIT_BYTES],
    ) {
        let state = &mut self.channels[ch];
        let mut bands: Bands = [[0.0; 256]; BANDS];
        state.splitter.run(pcm, &mut bands);
        let mut modes = [0; BANDS];
        let mut spectrum = [0f32; SAMPLES_PER_FRAME];
        for b in 0..BANDS {
            let signal = &bands[b][..BAND_SAMPLES[b]];
            // The detector runs on every frame, so that its history stays current.
            if state.detectors[b].detect(b, signal) && self.block_switching {
                modes[b] = SHORT_MODES[b];
            }
            state
                .transform
                .run(b, signal, modes[b], &mut spectrum[BAND_START[b]..]);
        }
        state.modes = modes;
        let (mut masks, mut energies, mut weights) = ([0f32; BFUS], [0f32; BFUS], [0f32; BFUS]);
        self.psy
            .thresholds(&spectrum, &modes, &mut masks, &mut energies);
        psy::weights(&masks, &energies, modes != [0; BANDS], &mut weights);
        let allocation = alloc::allocate(&self.table, &spectrum, &modes, &weights);
        unit::write_unit(&self.table, &spectrum, &modes, &allocation, unit);
    }
}

#[cfg(test)]
mod tests;
