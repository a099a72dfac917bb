//! The 16-band inverse polyphase quadrature filter bank: per output block of 16 samples, one
//! sample of every subband goes through a 16-point DCT-IV (computed as a half IMDCT), whose
//! two halves enter two delay lines that a 384-tap prototype filter (12 taps per branch and
//! band) folds into 16 output samples.

use super::tables::{IPQF_COEFFS1, IPQF_COEFFS2};
use super::{FRAME_SAMPLES, SUBBAND_SAMPLES, SUBBANDS};
use crate::mdct::Imdct;

/// Taps per branch and output sample.
const FIR_LEN: usize = 12;
/// Delay-line length: two entries per tap.
const HISTORY: usize = 2 * FIR_LEN;

/// The DCT of the filter bank: a 32-point IMDCT's middle half, scaled so that the output is
/// in the ±1 range of 16-bit samples / 32768.
pub(super) fn dct() -> Imdct {
    Imdct::new(32, 32.0 / 32768.0)
}

/// One channel's delay lines.
#[derive(Clone)]
pub(super) struct Ipqf {
    /// The DCT's upper and (reversed) lower halves, newest at `pos`, older entries after it.
    buf1: [[f32; 8]; HISTORY],
    buf2: [[f32; 8]; HISTORY],
    pos: usize,
}

impl Ipqf {
    pub fn new() -> Self {
        Self {
            buf1: [[0.0; 8]; HISTORY],
            buf2: [[0.0; 8]; HISTORY],
            pos: 0,
        }
    }

    /// Synthesises 2048 samples from 16 subbands of 128 samples each (`input[sb * 128 + s]`).
    pub fn run(
        &mut self,
        dct: &mut Imdct,
        input: &[f32; FRAME_SAMPLES],
        out: &mut [f32; FRAME_SAMPLES],
    ) {
        let mut dct_in = [0f32; SUBBANDS];
        let mut dct_out = [0f32; SUBBANDS];
        for (s, block) in out.chunks_exact_mut(SUBBANDS).enumerate() {
            for (sb, v) in dct_in.iter_mut().enumerate() {
                *v = input[sb * SUBBAND_SAMPLES + s];
            }
            dct.half(&dct_in, &mut dct_out);
            let pos = self.pos;
            for i in 0..8 {
                self.buf1[pos][i] = dct_out[i + 8];
                self.buf2[pos][i] = dct_out[7 - i];
            }
            let mut lo = [0f32; 8];
            let mut hi = [0f32; 8];
            for t in 0..FIR_LEN {
                let b1 = &self.buf1[(pos + 2 * t) % HISTORY];
                let b2 = &self.buf2[(pos + 2 * t + 1) % HISTORY];
                let (c1, c2) = (&IPQF_COEFFS1[t], &IPQF_COEFFS2[t]);
                for i in 0..8 {
                    lo[i] += b1[i] * c1[i] + b2[i] * c2[i];
                    hi[i] += b1[7 - i] * c1[i + 8] + b2[7 - i] * c2[i + 8];
                }
            }
            block[..8].copy_from_slice(&lo);
            block[8..].copy_from_slice(&hi);
            self.pos = (pos + HISTORY - 1) % HISTORY;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prototype_is_symmetric() {
        // The second half is the first half reversed (tap for tap and band for band), up
        // to the sign.
        for t in 0..FIR_LEN {
            for i in 0..16 {
                let (a, b) = (IPQF_COEFFS2[FIR_LEN - 1 - t][15 - i], IPQF_COEFFS1[t][i]);
                assert_eq!(a.abs(), b.abs(), "tap {t}, band {i}");
            }
        }
    }

    #[test]
    fn each_band_lands_in_its_own_frequency_range() {
        for band in [0, 5, 10] {
            band_energy(band);
        }
    }

    /// A tone in `band` has its energy (after the filter's start-up) between band/16 and
    /// (band + 1)/16 of the Nyquist frequency.
    fn band_energy(band: usize) {
        let mut pqf = Ipqf::new();
        let mut dct = dct();
        let mut input = [0f32; FRAME_SAMPLES];
        for s in 0..SUBBAND_SAMPLES {
            input[band * SUBBAND_SAMPLES + s] = ((s as f32) * 1.3).sin();
        }
        let mut out = [0f32; FRAME_SAMPLES];
        pqf.run(&mut dct, &input, &mut out);
        pqf.run(&mut dct, &input, &mut out);
        let energy = |lo: f64, hi: f64| -> f64 {
            let mut e = 0.0;
            let n = out.len();
            for k in ((lo * n as f64) as usize)..((hi * n as f64) as usize) {
                let w = std::f64::consts::PI * k as f64 / n as f64;
                let (mut re, mut im) = (0.0, 0.0);
                for (i, &v) in out.iter().enumerate() {
                    re += f64::from(v) * (w * i as f64).cos();
                    im += f64::from(v) * (w * i as f64).sin();
                }
                e += re * re + im * im;
            }
            e
        };
        let b = band as f64;
        let inside = energy(b / 16.0, (b + 1.0) / 16.0);
        let outside = energy(0.0, (b - 0.5).max(0.0) / 16.0) + energy((b + 1.5) / 16.0, 1.0);
        assert!(
            inside > 100.0 * outside,
            "band {band}: {inside} vs {outside}"
        );
    }
}
