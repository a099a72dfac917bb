//! Analysis, the decoder's synthesis run backwards: two QMF stages split a frame into the
//! low (0–5.5 kHz, 128 samples), middle (5.5–11 kHz, 128) and high (11–22 kHz, 256) bands,
//! and each band is transformed by one long MDCT block or by 32-sample short blocks.
//!
//! Every block's window rises over the last 32 samples of the previous frame and falls over
//! the last 32 of this one, whatever the block size (a sine over 32 samples, as in the
//! decoder), so long and short blocks follow each other without transition windows.

use crate::mdct::Mdct;
use crate::qmf::QmfAnalysis;

use super::super::{BAND_SAMPLES, HIGH_BAND_DELAY, SAMPLES_PER_FRAME};

/// Samples of a short block, and of the windows' overlap.
pub(super) const SHORT: usize = 32;
/// The three bands.
pub(super) const BANDS: usize = 3;
/// Where each band's lines start in the frame's spectrum.
pub(super) const BAND_START: [usize; BANDS] = [0, 128, 256];

/// One QMF stage's analysis and synthesis delay together, at the rate of its input.
const QMF_ROUND_TRIP: usize = 92;
/// The high band's delay in the encoder, at its own rate: the low and middle bands pass the
/// second QMF stage (92) and, at half the high band's rate, the window overlap (2 · 32); the
/// high band passes its own overlap (32) and the decoder's delay (39).
const HIGH_DELAY: usize = QMF_ROUND_TRIP + 2 * SHORT - SHORT - HIGH_BAND_DELAY;

/// Samples from an input sample to the same sample out of a decoder: the first QMF stage,
/// then the low band's path at half the rate.
pub(super) const DELAY: usize = QMF_ROUND_TRIP + 2 * (QMF_ROUND_TRIP + 2 * SHORT);

/// A frame's three band signals.
pub(super) type Bands = [[f32; 256]; BANDS];

/// The QMF tree of one channel.
pub(super) struct BandSplitter {
    first: QmfAnalysis,
    second: QmfAnalysis,
    /// The high band's last `HIGH_DELAY` samples, then this frame's.
    high: [f32; HIGH_DELAY + 256],
}

impl BandSplitter {
    pub fn new() -> Self {
        Self {
            first: QmfAnalysis::new(),
            second: QmfAnalysis::new(),
            high: [0.0; HIGH_DELAY + 256],
        }
    }

    /// Splits 512 samples into `bands` (low and middle in their first 128 samples).
    pub fn run(&mut self, pcm: &[f32; SAMPLES_PER_FRAME], bands: &mut Bands) {
        let mut low_mid = [0f32; 256];
        self.high.copy_within(256.., 0);
        self.first
            .run(pcm, &mut low_mid, &mut self.high[HIGH_DELAY..]);
        let [low, mid, high] = bands;
        self.second.run(&low_mid, &mut low[..128], &mut mid[..128]);
        high.copy_from_slice(&self.high[..256]);
    }
}

/// The MDCTs of one channel, with the tail each band's next window begins with.
pub(super) struct Transform {
    /// MDCTs of 64 (short blocks), 256 (long low and middle) and 512 (long high) samples.
    short: Mdct,
    mid: Mdct,
    long: Mdct,
    /// The rising half of the overlap window.
    rise: [f32; SHORT],
    /// Each band's last 32 samples of the previous frame.
    tails: [[f32; SHORT]; BANDS],
}

/// The MDCT scale that makes the decoder's IMDCT (scale 1/32768, plain sums) return the
/// input: 4/N for the transform pair, 32768 for the decoder's output scale.
fn scale(n: usize) -> f64 {
    32768.0 * 4.0 / n as f64
}

impl Transform {
    pub fn new() -> Self {
        let mut rise = [0f32; SHORT];
        for (i, w) in rise.iter_mut().enumerate() {
            *w = ((i as f64 + 0.5) * std::f64::consts::PI / 64.0).sin() as f32;
        }
        Self {
            short: Mdct::new(2 * SHORT, scale(2 * SHORT)),
            mid: Mdct::new(256, scale(256)),
            long: Mdct::new(512, scale(512)),
            rise,
            tails: [[0.0; SHORT]; BANDS],
        }
    }

    /// The spectrum of band `band` (its `BAND_SAMPLES[band]` samples in `signal`) in
    /// `2^log2_blocks` blocks, written to `spectrum` (that band's lines) in the decoder's
    /// order: blocks one after the other, the middle and high bands' lines reversed.
    pub fn run(&mut self, band: usize, signal: &[f32], log2_blocks: u32, spectrum: &mut [f32]) {
        let len = BAND_SAMPLES[band];
        // The previous frame's tail, then this frame.
        let mut ext = [0f32; 256 + SHORT];
        ext[..SHORT].copy_from_slice(&self.tails[band]);
        ext[SHORT..SHORT + len].copy_from_slice(&signal[..len]);
        self.tails[band].copy_from_slice(&signal[len - SHORT..len]);
        let spectrum = &mut spectrum[..len];
        if log2_blocks == 0 {
            // One block of 2·len samples: zeros, the rise, the flat middle, the fall, zeros.
            let mut input = [0f32; 512];
            let pad = len / 2 - SHORT / 2;
            let block = &mut input[pad..pad + len + SHORT];
            self.window(&ext[..len + SHORT], block);
            let mdct = if len == 128 {
                &mut self.mid
            } else {
                &mut self.long
            };
            mdct.forward(&input[..2 * len], spectrum);
        } else {
            for (j, out) in spectrum.chunks_exact_mut(SHORT).enumerate() {
                let mut input = [0f32; 2 * SHORT];
                self.window(&ext[j * SHORT..(j + 2) * SHORT], &mut input);
                self.short.forward(&input, out);
            }
        }
        if band != 0 {
            // The QMF leaves the middle and high bands spectrally inverted.
            for block in spectrum.chunks_exact_mut(if log2_blocks == 0 { len } else { SHORT }) {
                block.reverse();
            }
        }
    }

    /// `out = x` with the window's rise over the first 32 samples and its fall over the last.
    fn window(&self, x: &[f32], out: &mut [f32]) {
        let n = x.len();
        out.copy_from_slice(x);
        for i in 0..SHORT {
            out[i] *= self.rise[i];
            out[n - 1 - i] *= self.rise[i];
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::atrac1::Atrac1;
    use crate::test_signals::music;

    /// Decodes a spectrum without quantising it: the decoder's transform and synthesis.
    pub fn synthesize(dec: &mut Atrac1, spectrum: &[f32; 512], log2: &[u32; 3]) -> [f32; 512] {
        dec.spec = *spectrum;
        dec.imdct_blocks(0, log2);
        dec.synthesize(0);
        dec.pcm
    }

    #[test]
    fn analysis_then_the_decoders_synthesis_reconstructs_after_the_delay() {
        let input = music(512 * 40, 1);
        // Long blocks, short blocks, and every band switching from frame to frame.
        let modes: [[u32; 3]; 4] = [[0, 0, 0], [2, 2, 3], [2, 0, 3], [0, 2, 0]];
        for pattern in [0usize, 1, 2] {
            let mut split = BandSplitter::new();
            let mut transform = Transform::new();
            let mut dec = Atrac1::new(1).unwrap();
            let mut output = Vec::new();
            for (f, frame) in input.chunks_exact(512).enumerate() {
                let log2 = match pattern {
                    0 => modes[0],
                    1 => modes[1],
                    _ => modes[f % 4],
                };
                let mut bands = [[0f32; 256]; 3];
                split.run(frame.try_into().unwrap(), &mut bands);
                let mut spectrum = [0f32; 512];
                for b in 0..3 {
                    transform.run(b, &bands[b], log2[b], &mut spectrum[BAND_START[b]..]);
                }
                output.extend(synthesize(&mut dec, &spectrum, &log2));
            }
            let (mut sig, mut err) = (0f64, 0f64);
            for i in 0..input.len() - DELAY - 1024 {
                sig += f64::from(input[i]).powi(2);
                err += f64::from(input[i] - output[i + DELAY]).powi(2);
            }
            let snr = 10.0 * (sig / err).log10();
            eprintln!("pattern {pattern}: {snr:.1} dB");
            assert!(snr > 70.0, "pattern {pattern}: SNR {snr:.1} dB");
        }
    }
}
