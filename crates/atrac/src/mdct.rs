//! The inverse MDCT, computed through an N/4-point complex FFT between a pre- and a
//! post-rotation. FFmpeg (the reference decoder) uses the same factorisation; keeping its
//! shape keeps our float rounding close to the reference output. The forward MDCT (for the
//! encoder) folds its input into a DCT-IV computed by the same FFT.

// The transforms follow the textbook formulas' one-letter names (n, m, k, …).
#![allow(clippy::many_single_char_names)]

use std::f64::consts::PI;

/// An inverse MDCT of size `N`: `N/2` coefficients in, `N/2` (half) or `N` (full) samples out,
/// `y[n] = −scale · Σ X[k] cos(2π/N · (n + ½ + N/4) · (k + ½))` — FFmpeg's sign convention,
/// which the reference decodes carry.
pub(crate) struct Imdct {
    n: usize,
    /// Pre/post rotation factors, each scaled by √|scale|.
    tcos: Vec<f32>,
    tsin: Vec<f32>,
    fft: Fft,
    /// The FFT's data, as separate real and imaginary parts so that butterflies vectorise.
    re: Vec<f32>,
    im: Vec<f32>,
}

impl Imdct {
    /// `n` is a power of two ≥ 16.
    pub fn new(n: usize, scale: f64) -> Self {
        assert!(n.is_power_of_two() && n >= 16, "IMDCT size {n}");
        let q = n / 4;
        let theta = 1.0 / 8.0 + if scale < 0.0 { q as f64 } else { 0.0 };
        let root = scale.abs().sqrt();
        let (tcos, tsin) = (0..q)
            .map(|i| {
                let alpha = 2.0 * PI * (i as f64 + theta) / n as f64;
                ((-alpha.cos() * root) as f32, (-alpha.sin() * root) as f32)
            })
            .unzip();
        Self {
            n,
            tcos,
            tsin,
            fft: Fft::new(q),
            re: vec![0.0; q],
            im: vec![0.0; q],
        }
    }

    /// The middle half of the output: `output[i] = y[i + N/4]`, `i < N/2`.
    pub fn half(&mut self, input: &[f32], output: &mut [f32]) {
        let n2 = self.n / 2;
        let q = self.n / 4;
        let input = &input[..n2];
        let output = &mut output[..n2];
        let (tcos, tsin) = (&self.tcos[..q], &self.tsin[..q]);
        for k in 0..q {
            let a = input[n2 - 1 - 2 * k];
            let b = input[2 * k];
            let j = usize::from(self.fft.bitrev[k]);
            self.re[j] = a * tcos[k] - b * tsin[k];
            self.im[j] = a * tsin[k] + b * tcos[k];
        }
        self.fft.run(&mut self.re, &mut self.im);
        let n8 = q / 2;
        for k in 0..n8 {
            let p0 = n8 - k - 1;
            let p1 = n8 + k;
            let (ar, ai) = (self.re[p0], self.im[p0]);
            let (br, bi) = (self.re[p1], self.im[p1]);
            output[2 * p0] = ai * tsin[p0] - ar * tcos[p0];
            output[2 * p1 + 1] = ai * tcos[p0] + ar * tsin[p0];
            output[2 * p1] = bi * tsin[p1] - br * tcos[p1];
            output[2 * p0 + 1] = bi * tcos[p1] + br * tsin[p1];
        }
    }

    /// All `N` output samples, from the half by the IMDCT's symmetries.
    pub fn full(&mut self, input: &[f32], output: &mut [f32]) {
        let n = self.n;
        let (n2, n4) = (n / 2, n / 4);
        let output = &mut output[..n];
        self.half(input, &mut output[n4..n4 + n2]);
        for k in 0..n4 {
            output[k] = -output[n2 - k - 1];
            output[n - k - 1] = output[n2 + k];
        }
    }
}

/// A forward MDCT of size `N`: `N` samples in, `N/2` coefficients out,
/// `X[k] = scale · Σ x[n] cos(2π/N · (n + ½ + N/4) · (k + ½))` — the transform the
/// [`Imdct`] of the same size inverts (up to its scale and the window's overlap).
pub(crate) struct Mdct {
    n: usize,
    /// `e^{−iπ(j + ¼)/M}` (pre-rotation) and `scale · e^{−iπj/M}` (post-rotation), `M = N/2`.
    pre_re: Vec<f32>,
    pre_im: Vec<f32>,
    post_re: Vec<f32>,
    post_im: Vec<f32>,
    fft: Fft,
    folded: Vec<f32>,
    re: Vec<f32>,
    im: Vec<f32>,
}

impl Mdct {
    /// `n` is a power of two ≥ 16.
    pub fn new(n: usize, scale: f64) -> Self {
        assert!(n.is_power_of_two() && n >= 16, "MDCT size {n}");
        let m = n / 2;
        let q = n / 4;
        let mut pre_re = Vec::with_capacity(q);
        let mut pre_im = Vec::with_capacity(q);
        let mut post_re = Vec::with_capacity(q);
        let mut post_im = Vec::with_capacity(q);
        for j in 0..q {
            let a = -PI * (j as f64 + 0.25) / m as f64;
            pre_re.push(a.cos() as f32);
            pre_im.push(a.sin() as f32);
            let b = -PI * j as f64 / m as f64;
            post_re.push((b.cos() * scale) as f32);
            post_im.push((b.sin() * scale) as f32);
        }
        Self {
            n,
            pre_re,
            pre_im,
            post_re,
            post_im,
            fft: Fft::new(q),
            folded: vec![0.0; m],
            re: vec![0.0; q],
            im: vec![0.0; q],
        }
    }

    /// `input`: `N` samples; `output`: `N/2` coefficients.
    pub fn forward(&mut self, input: &[f32], output: &mut [f32]) {
        let n = self.n;
        let (m, q) = (n / 2, n / 4);
        let input = &input[..n];
        let output = &mut output[..m];
        // Time-domain aliasing: with the input in quarters a, b, c, d, the MDCT is the
        // DCT-IV of (−c_r − d, a − b_r) (r: reversed).
        let (a, rest) = input.split_at(q);
        let (b, rest) = rest.split_at(q);
        let (c, d) = rest.split_at(q);
        let (v0, v1) = self.folded.split_at_mut(q);
        for j in 0..q {
            v0[j] = -c[q - 1 - j] - d[j];
            v1[j] = a[j] - b[q - 1 - j];
        }
        // The DCT-IV of length M through an M/2-point complex FFT: z[j] = (v[2j] + i·v[M−1−2j])
        // · e^{−iπ(j+¼)/M}, Z = FFT(z), y = Z · e^{−iπk/M}; X[2k] = Re y, X[M−1−2k] = −Im y.
        // The FFT here is the inverse one; FFT(z) = conj(IFFT(conj(z))).
        let v = &self.folded;
        for j in 0..q {
            let (x, y) = (v[2 * j], v[m - 1 - 2 * j]);
            let (pr, pi) = (self.pre_re[j], self.pre_im[j]);
            let k = usize::from(self.fft.bitrev[j]);
            self.re[k] = x * pr - y * pi;
            self.im[k] = -(x * pi + y * pr);
        }
        self.fft.run(&mut self.re, &mut self.im);
        for k in 0..q {
            let (zr, zi) = (self.re[k], -self.im[k]);
            let (pr, pi) = (self.post_re[k], self.post_im[k]);
            output[2 * k] = zr * pr - zi * pi;
            output[m - 1 - 2 * k] = -(zr * pi + zi * pr);
        }
    }
}

/// An in-place radix-2 inverse FFT (`Z[j] = Σ z[k] e^{+2πi jk/Q}`) of bit-reversed input.
struct Fft {
    bitrev: Vec<u16>,
    /// Twiddles e^{+2πi k/s}, k < s/2, for each stage size s ≥ 8, stage after stage.
    tw_re: Vec<f32>,
    tw_im: Vec<f32>,
}

impl Fft {
    fn new(q: usize) -> Self {
        let bits = q.trailing_zeros();
        let bitrev = (0..q)
            .map(|i| (i.reverse_bits() >> (usize::BITS - bits)) as u16)
            .collect();
        let mut tw_re = Vec::new();
        let mut tw_im = Vec::new();
        let mut size = 8;
        while size <= q {
            for k in 0..size / 2 {
                let a = 2.0 * PI * k as f64 / size as f64;
                tw_re.push(a.cos() as f32);
                tw_im.push(a.sin() as f32);
            }
            size *= 2;
        }
        Self {
            bitrev,
            tw_re,
            tw_im,
        }
    }

    fn run(&self, re: &mut [f32], im: &mut [f32]) {
        let q = re.len();
        // Sizes 2 and 4 have trivial twiddles (1 and i), done together.
        for (r, i) in re.chunks_exact_mut(4).zip(im.chunks_exact_mut(4)) {
            let (r0, r1, r2, r3) = (r[0] + r[1], r[0] - r[1], r[2] + r[3], r[2] - r[3]);
            let (i0, i1, i2, i3) = (i[0] + i[1], i[0] - i[1], i[2] + i[3], i[2] - i[3]);
            // The odd pair's upper element is multiplied by i: (r3, i3) → (−i3, r3).
            r[0] = r0 + r2;
            i[0] = i0 + i2;
            r[2] = r0 - r2;
            i[2] = i0 - i2;
            r[1] = r1 - i3;
            i[1] = i1 + r3;
            r[3] = r1 + i3;
            i[3] = i1 - r3;
        }
        let mut size = 8;
        let mut tw = 0;
        while size <= q {
            let half = size / 2;
            let (wr, wi) = (&self.tw_re[tw..tw + half], &self.tw_im[tw..tw + half]);
            for (r, i) in re.chunks_exact_mut(size).zip(im.chunks_exact_mut(size)) {
                let (r_lo, r_hi) = r.split_at_mut(half);
                let (i_lo, i_hi) = i.split_at_mut(half);
                for k in 0..half {
                    let tr = r_hi[k] * wr[k] - i_hi[k] * wi[k];
                    let ti = r_hi[k] * wi[k] + i_hi[k] * wr[k];
                    let (ar, ai) = (r_lo[k], i_lo[k]);
                    r_lo[k] = ar + tr;
                    i_lo[k] = ai + ti;
                    r_hi[k] = ar - tr;
                    i_hi[k] = ai - ti;
                }
            }
            tw += half;
            size *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transform's kernel: sample `i`, coefficient `k`, size `n`.
    fn basis(n: usize, i: usize, k: usize) -> f64 {
        (2.0 * PI / n as f64 * (i as f64 + 0.5 + n as f64 / 4.0) * (k as f64 + 0.5)).cos()
    }

    /// The textbook formula, in double precision.
    fn direct(input: &[f32], n: usize, scale: f64) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let sum: f64 = input
                    .iter()
                    .enumerate()
                    .map(|(k, &x)| f64::from(x) * basis(n, i, k))
                    .sum();
                sum * scale
            })
            .collect()
    }

    fn pseudo_random(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn matches_the_direct_formula_for_every_size_used() {
        for (n, scale) in [
            (64, -1.0 / 32768.0),
            (256, 0.5),
            (512, 1.0 / 32768.0),
            (16, 1.0),
        ] {
            let input = pseudo_random(n / 2, n as u32);
            let mut imdct = Imdct::new(n, scale);
            let mut out = vec![0f32; n];
            imdct.full(&input, &mut out);
            // FFmpeg's sign convention, which the reference decodes carry.
            let want = direct(&input, n, -scale);

            let peak = want.iter().fold(0f64, |m, v| m.max(v.abs()));
            for (i, (&got, &w)) in out.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(got) - w).abs() <= peak * 1e-5,
                    "n={n} i={i}: {got} vs {w}"
                );
            }
            let mut half = vec![0f32; n / 2];
            imdct.half(&input, &mut half);
            assert_eq!(&half[..], &out[n / 4..n / 4 + n / 2]);
        }
    }

    /// The textbook forward formula, in double precision.
    fn direct_forward(input: &[f32], n: usize, scale: f64) -> Vec<f64> {
        (0..n / 2)
            .map(|k| {
                let sum: f64 = input
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| f64::from(x) * basis(n, i, k))
                    .sum();
                sum * scale
            })
            .collect()
    }

    #[test]
    fn forward_matches_the_direct_formula() {
        for (n, scale) in [(512, -64.0), (64, 1.0), (16, 0.5)] {
            let input = pseudo_random(n, 3 + n as u32);
            let mut mdct = Mdct::new(n, scale);
            let mut out = vec![0f32; n / 2];
            mdct.forward(&input, &mut out);
            let want = direct_forward(&input, n, scale);
            let peak = want.iter().fold(0f64, |m, v| m.max(v.abs()));
            for (k, (&got, &w)) in out.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(got) - w).abs() <= peak * 1e-5,
                    "n={n} k={k}: {got} vs {w}"
                );
            }
        }
    }
}
