//! The ATRAC3plus decoder (SonicStage, PSP, Hi-MD Hi-SP/Hi-LP; 48–352 kbps, mono or
//! stereo): a frame holds 2048 samples per channel as one channel unit (mono, or a jointly
//! coded stereo pair) of 16 subbands × 128 MDCT lines, plus gain control and tonal
//! components per subband, put back together by a 16-band inverse polyphase filter bank.
//!
//! The stages, each in its module: [`unit`] parses a channel unit (word lengths, scale
//! factors, code tables; the Huffman codebooks are in [`vlc`], the spectrum's in
//! [`spectrum`]), [`gainc`] its gain control,
//! [`tones`] its tones (parsed and synthesised); [`dsp`] dequantises with noise filling and
//! runs the per-subband IMDCT; [`crate::gain`] compensates the gains while overlapping;
//! [`ipqf`] is the filter bank. Numeric tables are in [`tables`].

mod dsp;
mod gainc;
mod ipqf;
mod spectrum;
mod tables;
mod tones;
mod unit;
mod vlc;

use self::dsp::Windows;
use self::ipqf::{Dct, Ipqf};
use self::unit::{UnitParams, UnitType};
use super::atrac3::to_i16;
use super::bits::BitReader;
use super::error::CodecError;
use super::gain::GainTables;
use super::mdct::Imdct;

/// Samples per channel in one frame.
pub(crate) const SAMPLES_PER_FRAME: usize = 2048;
const FRAME_SAMPLES: usize = SAMPLES_PER_FRAME;
/// Subbands of the filter bank.
const SUBBANDS: usize = 16;
/// Samples (and MDCT lines) per subband and frame.
const SUBBAND_SAMPLES: usize = FRAME_SAMPLES / SUBBANDS;
const CODEC: &str = "ATRAC3plus";
/// Frame sizes accepted: Sony's range (280 bytes for 48 kbps to 2048 for 352 kbps) with a
/// margin, up to the largest an OpenMG header can state. Far smaller frames cannot hold a
/// channel unit and would turn a small hostile file into hours of silence.
const MIN_FRAME_BYTES: usize = 64;
const MAX_FRAME_BYTES: usize = 8192;

/// The 2-bit ids that end the units of a frame and that announce an extension unit.
const UNIT_TERMINATOR: u32 = 3;
const UNIT_EXTENSION: u32 = 2;

/// One channel unit with everything that persists between frames.
struct ChannelUnit {
    params: UnitParams,
    ipqf: [Ipqf; 2],
    /// Second IMDCT halves waiting to be overlapped, per channel and subband.
    overlap: [[f32; FRAME_SAMPLES]; 2],
}

impl ChannelUnit {
    fn new(unit_type: UnitType) -> Self {
        Self {
            params: UnitParams::new(unit_type),
            ipqf: [Ipqf::new(), Ipqf::new()],
            overlap: [[0.0; FRAME_SAMPLES]; 2],
        }
    }
}

/// One ATRAC3plus stream's decoder state.
pub(crate) struct Atrac3Plus {
    channels: usize,
    frame_bytes: usize,
    unit: Box<ChannelUnit>,
    windows: Windows,
    gain: GainTables,
    /// The per-subband 128-line IMDCT and the filter bank's DCT.
    imdct: Imdct,
    dct: Dct,
    /// Scratch: the dequantised spectrum, one subband's IMDCT output, the subband signals
    /// after gain compensation and tones, and the output of each channel.
    spectrum: [[f32; FRAME_SAMPLES]; 2],
    imdct_out: [f32; 2 * SUBBAND_SAMPLES],
    subbands: [[f32; FRAME_SAMPLES]; 2],
    pcm: [[f32; FRAME_SAMPLES]; 2],
}

impl Atrac3Plus {
    /// `frame_bytes` is the size of one frame (all channels).
    pub fn new(channels: u16, frame_bytes: usize) -> Result<Self, CodecError> {
        let unit_type = match channels {
            1 => UnitType::Mono,
            2 => UnitType::Stereo,
            n => {
                return Err(CodecError::Unsupported(format!(
                    "ATRAC3plus with {n} channels is not supported (mono and stereo are)"
                )));
            }
        };
        if !(MIN_FRAME_BYTES..=MAX_FRAME_BYTES).contains(&frame_bytes) {
            return Err(CodecError::header(
                CODEC,
                format!("frame size {frame_bytes} is out of range"),
            ));
        }
        Ok(Self {
            channels: usize::from(channels),
            frame_bytes,
            unit: Box::new(ChannelUnit::new(unit_type)),
            windows: Windows::new(),
            gain: GainTables::atrac3plus(),
            imdct: Imdct::new(2 * SUBBAND_SAMPLES, -1.0),
            dct: Dct::new(),
            spectrum: [[0.0; FRAME_SAMPLES]; 2],
            imdct_out: [0.0; 2 * SUBBAND_SAMPLES],
            subbands: [[0.0; FRAME_SAMPLES]; 2],
            pcm: [[0.0; FRAME_SAMPLES]; 2],
        })
    }

    /// Forgets all history, as after a seek.
    pub fn reset(&mut self) {
        *self.unit = ChannelUnit::new(self.unit.params.unit_type);
    }

    /// Decodes one frame, appending `2048 × channels` interleaved samples to `out`. On a
    /// corrupt frame nothing is appended and the error says why.
    pub fn decode_frame(&mut self, frame: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        let frame = frame
            .get(..self.frame_bytes)
            .ok_or_else(|| CodecError::frame(CODEC, "the frame is truncated"))?;
        self.decode_units(frame)
            .map_err(|detail| CodecError::frame(CODEC, detail))?;
        let start = out.len();
        out.resize(start + FRAME_SAMPLES * self.channels, 0);
        let out = &mut out[start..];
        if self.channels == 2 {
            // Converted channel by channel (which vectorises), then interleaved.
            let mut right = [0i16; FRAME_SAMPLES];
            for (o, &x) in right.iter_mut().zip(&self.pcm[1]) {
                *o = to_i16(x);
            }
            for ((o, &l), &r) in out.chunks_exact_mut(2).zip(&self.pcm[0]).zip(&right) {
                o[0] = to_i16(l);
                o[1] = r;
            }
        } else {
            for (o, &x) in out.iter_mut().zip(&self.pcm[0]) {
                *o = to_i16(x);
            }
        }
        Ok(())
    }

    /// Parses and reconstructs the units of a frame: a start bit 0, then units, each with a
    /// 2-bit id, until the terminator id or the end of the frame.
    fn decode_units(&mut self, frame: &[u8]) -> unit::Parse<()> {
        let mut r = BitReader::new(frame);
        if r.bit() {
            return Err("invalid start bit");
        }
        let mut decoded = false;
        while r.bits_left() >= 2 {
            let id = r.read(2);
            if id == UNIT_TERMINATOR {
                break;
            }
            if id == UNIT_EXTENSION {
                return Err("channel unit extensions are not supported");
            }
            if decoded || id != self.unit.params.unit_type as u32 {
                return Err("the frame does not match the channel configuration");
            }
            self.unit.params.parse(&mut r)?;
            if r.overrun() {
                return Err("the channel unit runs past the end of the frame");
            }
            self.reconstruct();
            decoded = true;
        }
        if !decoded {
            // No unit at all: silence, the history untouched.
            for pcm in &mut self.pcm {
                pcm.fill(0.0);
            }
        }
        Ok(())
    }

    /// Dequantisation, IMDCT, gain compensation, tones and the filter bank for every channel
    /// of the unit just parsed; then this frame becomes the previous one.
    fn reconstruct(&mut self) {
        let unit = &mut *self.unit;
        dsp::residual_spectrum(&unit.params, &mut self.spectrum);
        let (cur, prev) = (unit.params.cur, unit.params.prev());
        for ch in 0..unit.params.num_channels() {
            let p = &unit.params;
            let chan = &p.channels[ch];
            let used_end = p.num_subbands * SUBBAND_SAMPLES;
            for sb in 0..p.num_subbands {
                let range = sb * SUBBAND_SAMPLES..(sb + 1) * SUBBAND_SAMPLES;
                if sb < p.num_coded_subbands {
                    let wind_id = usize::from(chan.wnd_shape[prev][sb]) << 1
                        | usize::from(chan.wnd_shape[cur][sb]);
                    self.windows.imdct(
                        &mut self.imdct,
                        &self.spectrum[ch][range.clone()],
                        sb,
                        wind_id,
                        &mut self.imdct_out,
                    );
                } else {
                    // No coded lines: the IMDCT would give zeros.
                    self.imdct_out.fill(0.0);
                }
                self.gain.compensate(
                    &self.imdct_out,
                    &mut unit.overlap[ch][range.clone()],
                    &chan.gain[prev][sb],
                    &chan.gain[cur][sb],
                    &mut self.subbands[ch][range],
                );
            }
            unit.overlap[ch][used_end..].fill(0.0);
            self.subbands[ch][used_end..].fill(0.0);
            if p.waves[cur].tones_present || p.waves[prev].tones_present {
                for sb in 0..p.num_subbands {
                    let chan = &unit.params.channels[ch];
                    if chan.tones[cur][sb].num_wavs > 0 || chan.tones[prev][sb].num_wavs > 0 {
                        let out = &mut self.subbands[ch][sb * SUBBAND_SAMPLES..][..SUBBAND_SAMPLES];
                        tones::generate(&mut unit.params, ch, sb, out);
                    }
                }
            }
            unit.ipqf[ch].run(&self.dct, &self.subbands[ch], &mut self.pcm[ch]);
        }
        unit.params.cur = prev;
    }
}

/// Writing bitstreams by hand, for the tests of the stages.
#[cfg(test)]
pub(super) mod test_bits {
    /// Writes bits MSB first.
    pub struct BitWriter {
        pub bytes: Vec<u8>,
        bits: usize,
    }

    impl BitWriter {
        pub fn new() -> Self {
            Self {
                bytes: Vec::new(),
                bits: 0,
            }
        }

        /// Appends the low `n` bits of `value`.
        pub fn put(&mut self, n: u32, value: u32) -> &mut Self {
            for k in (0..n).rev() {
                if self.bits.is_multiple_of(8) {
                    self.bytes.push(0);
                }
                let bit = ((value >> k) & 1) as u8;
                let last = self.bytes.len() - 1;
                self.bytes[last] |= bit << (7 - self.bits % 8);
                self.bits += 1;
            }
            self
        }

        /// Bits written.
        pub fn len(&self) -> usize {
            self.bits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_bits::BitWriter;
    use super::*;

    /// A frame of `bytes` bytes holding one unit with nothing coded: 1 quant unit, all word
    /// lengths 0, no window flags, gain, tones or noise.
    fn silent_frame(stereo: bool, bytes: usize) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.put(1, 0).put(2, u32::from(stereo));
        w.put(5, 0).put(1, 0);
        for _ in 0..=usize::from(stereo) {
            // Word lengths: fixed 3 bits, one unit, 0.
            w.put(2, 0).put(3, 0);
        }
        if stereo {
            w.put(2, 0); // no channel swapping or negation
        }
        for _ in 0..=usize::from(stereo) {
            w.put(1, 0); // window shapes: all clear
        }
        for _ in 0..=usize::from(stereo) {
            w.put(1, 0); // no gain control
        }
        w.put(1, 0).put(1, 0); // no tones, no noise
        w.put(2, UNIT_TERMINATOR);
        let mut v = w.bytes;
        v.resize(bytes, 0);
        v
    }

    #[test]
    fn an_empty_unit_decodes_to_silence() {
        for (channels, stereo) in [(1, false), (2, true)] {
            let mut dec = Atrac3Plus::new(channels, 376).unwrap();
            let mut out = Vec::new();
            for _ in 0..3 {
                dec.decode_frame(&silent_frame(stereo, 376), &mut out)
                    .unwrap();
            }
            assert_eq!(out.len(), 3 * 2048 * usize::from(channels));
            assert!(out.iter().all(|&s| s == 0));
        }
    }

    #[test]
    fn a_unit_of_the_wrong_type_or_a_set_start_bit_is_an_error() {
        let mut dec = Atrac3Plus::new(2, 376).unwrap();
        let mut out = Vec::new();
        assert!(
            dec.decode_frame(&silent_frame(false, 376), &mut out)
                .is_err()
        );
        let mut bad = silent_frame(true, 376);
        bad[0] |= 0x80;
        assert!(dec.decode_frame(&bad, &mut out).is_err());
        assert!(dec.decode_frame(&[0u8; 100], &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn rejects_impossible_configurations() {
        assert!(Atrac3Plus::new(3, 2048).is_err());
        assert!(Atrac3Plus::new(0, 2048).is_err());
        assert!(Atrac3Plus::new(2, 8).is_err());
        assert!(Atrac3Plus::new(2, 100_000).is_err());
        assert!(Atrac3Plus::new(1, 280).is_ok());
    }

    #[test]
    fn garbage_frames_are_errors_or_output_never_panics() {
        let mut dec = Atrac3Plus::new(2, 376).unwrap();
        let mut out = Vec::new();
        for seed in 0u32..2000 {
            let mut s = seed;
            let mut frame: Vec<u8> = (0..376)
                .map(|_| {
                    s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (s >> 16) as u8
                })
                .collect();
            // A valid start bit and unit id, so the deeper parsers run.
            frame[0] = (frame[0] & 0x1F) | 0x20;
            let before = out.len();
            match dec.decode_frame(&frame, &mut out) {
                Ok(()) => assert_eq!(out.len(), before + 4096),
                Err(_) => assert_eq!(out.len(), before),
            }
        }
    }
}
