//! The 16-band inverse polyphase quadrature filter bank: per output block of 16 samples, one
//! sample of every subband goes through a 16-point DCT-IV, whose two halves enter two delay
//! lines that a 384-tap prototype filter (12 taps per branch and band) folds into 16 output
//! samples.

use super::tables::{IPQF_COEFFS1, IPQF_COEFFS2};
use super::{FRAME_SAMPLES, SUBBAND_SAMPLES, SUBBANDS};

/// Taps per branch and output sample.
const FIR_LEN: usize = 12;
/// Delay-line length: two entries per tap.
const HISTORY: usize = 2 * FIR_LEN;

/// The DCT-IV of the filter bank as a matrix: the middle half of a 32-point IMDCT,
/// `y[i] = −s · Σ_k x[k] cos(π/16 · (i + 16½)(k + ½))`, scaled by `s = 32 / 32768` as the
/// reference does, which brings the output to the ±1 range of 16-bit samples / 32768.
pub(super) struct Dct {
    /// `[output][subband]`
    m: [[f32; SUBBANDS]; SUBBANDS],
}

impl Dct {
    pub fn new() -> Self {
        let scale = 32.0 / 32768.0;
        let mut m = [[0f32; SUBBANDS]; SUBBANDS];
        for (i, row) in m.iter_mut().enumerate() {
            for (k, v) in row.iter_mut().enumerate() {
                let angle = std::f64::consts::PI / 16.0 * (i as f64 + 16.5) * (k as f64 + 0.5);
                *v = (-scale * angle.cos()) as f32;
            }
        }
        Self { m }
    }

    /// All 128 DCTs of a frame at once: `out[i][s]` from `input[sb * 128 + s]`.
    fn run(&self, input: &[f32; FRAME_SAMPLES], out: &mut [[f32; SUBBAND_SAMPLES]; SUBBANDS]) {
        const LANES: usize = 16;
        for (row, coefs) in out.iter_mut().zip(&self.m) {
            // Sixteen blocks at a time, their sums kept in registers over the 16 subbands.
            for (c, dst) in row.chunks_exact_mut(LANES).enumerate() {
                let mut acc = [0f32; LANES];
                for (sb, &k) in coefs.iter().enumerate() {
                    let x = &input[sb * SUBBAND_SAMPLES + c * LANES..][..LANES];
                    for (a, &x) in acc.iter_mut().zip(x) {
                        *a += k * x;
                    }
                }
                dst.copy_from_slice(&acc);
            }
        }
    }
}

/// One channel's delay lines.
#[derive(Clone)]
pub(super) struct Ipqf {
    /// Per DCT, the two branch inputs of the 16 outputs: the upper half of the DCT then the
    /// same reversed (`a`), the lower half reversed then as it is (`b`). Newest at `pos`,
    /// older entries after it; each entry is stored twice, at `pos` and `pos + HISTORY`, so
    /// that the taps read `HISTORY` consecutive entries without wrapping.
    a: [[f32; SUBBANDS]; 2 * HISTORY],
    b: [[f32; SUBBANDS]; 2 * HISTORY],
    pos: usize,
}

impl Ipqf {
    pub fn new() -> Self {
        Self {
            a: [[0.0; SUBBANDS]; 2 * HISTORY],
            b: [[0.0; SUBBANDS]; 2 * HISTORY],
            pos: 0,
        }
    }

    /// Synthesises 2048 samples from 16 subbands of 128 samples each (`input[sb * 128 + s]`).
    pub fn run(&mut self, dct: &Dct, input: &[f32; FRAME_SAMPLES], out: &mut [f32; FRAME_SAMPLES]) {
        let mut d = [[0f32; SUBBAND_SAMPLES]; SUBBANDS];
        dct.run(input, &mut d);
        for (s, block) in out.chunks_exact_mut(SUBBANDS).enumerate() {
            let pos = self.pos;
            let mut a = [0f32; SUBBANDS];
            let mut b = [0f32; SUBBANDS];
            for i in 0..8 {
                a[i] = d[8 + i][s];
                a[8 + i] = d[15 - i][s];
                b[i] = d[7 - i][s];
                b[8 + i] = d[i][s];
            }
            self.a[pos] = a;
            self.a[pos + HISTORY] = a;
            self.b[pos] = b;
            self.b[pos + HISTORY] = b;
            let (a, b) = (&self.a[pos..pos + HISTORY], &self.b[pos..pos + HISTORY]);
            let mut acc = [0f32; SUBBANDS];
            for (t, (c1, c2)) in IPQF_COEFFS1.iter().zip(&IPQF_COEFFS2).enumerate() {
                let (a, b) = (&a[2 * t], &b[2 * t + 1]);
                for j in 0..SUBBANDS {
                    acc[j] += a[j] * c1[j] + b[j] * c2[j];
                }
            }
            block.copy_from_slice(&acc);
            self.pos = (pos + HISTORY - 1) % HISTORY;
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results are the point: the table symmetry is exact"
)]
mod tests {
    use super::*;

    #[test]
    fn the_dct_is_the_middle_of_a_32_point_imdct() {
        let dct = Dct::new();
        let mut imdct = crate::mdct::Imdct::new(32, 32.0 / 32768.0);
        let mut input = [0f32; FRAME_SAMPLES];
        for (i, v) in input.iter_mut().enumerate() {
            *v = ((i * 7919) % 2001) as f32 - 1000.0;
        }
        let mut d = [[0f32; SUBBAND_SAMPLES]; SUBBANDS];
        dct.run(&input, &mut d);
        for s in [0, 1, 77, 127] {
            let x: Vec<f32> = (0..SUBBANDS)
                .map(|sb| input[sb * SUBBAND_SAMPLES + s])
                .collect();
            let mut y = [0f32; SUBBANDS];
            imdct.half(&x, &mut y);
            for i in 0..SUBBANDS {
                assert!(
                    (d[i][s] - y[i]).abs() < 1e-5,
                    "{s}/{i}: {} vs {}",
                    d[i][s],
                    y[i]
                );
            }
        }
    }

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
        let dct = Dct::new();
        let mut input = [0f32; FRAME_SAMPLES];
        for s in 0..SUBBAND_SAMPLES {
            input[band * SUBBAND_SAMPLES + s] = ((s as f32) * 1.3).sin();
        }
        let mut out = [0f32; FRAME_SAMPLES];
        pqf.run(&dct, &input, &mut out);
        pqf.run(&dct, &input, &mut out);
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
