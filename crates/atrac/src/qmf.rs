//! The two-band QMF synthesis filter, its analysis counterpart (for the ATRAC3 encoder) and the
//! scale-factor table shared by ATRAC1 and ATRAC3.

/// The first half of the symmetric 48-tap prototype filter (Sony's published coefficients).
// Kept digit for digit as published rather than rounded to what f32 can hold.
#[allow(clippy::excessive_precision)]
const QMF_48TAP_HALF: [f32; 24] = [
    -0.000_014_619_07,
    -0.000_092_054_79,
    -0.000_056_157_569,
    0.000_301_172_69,
    0.000_242_251_9,
    -0.000_852_938_97,
    -0.000_520_557_4,
    0.002_034_016_9,
    0.000_783_338_91,
    -0.004_215_386_2,
    -0.000_756_149_88,
    0.007_840_294_4,
    -0.000_061_169_922,
    -0.013_441_62,
    0.002_462_682_1,
    0.021_736_089,
    -0.007_801_671,
    -0.034_090_221,
    0.018_809_49,
    0.054_326_009,
    -0.043_596_379,
    -0.099_384_367,
    0.132_079_09,
    0.464_241_59,
];

/// Taps per polyphase branch (48 taps, two branches).
const TAPS: usize = 24;
/// Samples of history each branch keeps between calls.
const HISTORY: usize = TAPS - 1;
/// The most input samples per band one call takes (ATRAC3's last stage).
pub(crate) const MAX_BAND: usize = 512;

/// The full 48-tap window, doubled as the synthesis gain requires.
fn window() -> [f32; 48] {
    let mut w = [0f32; 48];
    for i in 0..24 {
        let s = QMF_48TAP_HALF[i] * 2.0;
        w[i] = s;
        w[47 - i] = s;
    }
    w
}

/// `2^((i − 15)/3)` for the 6-bit scale-factor indices of both codecs.
pub(crate) fn scale_factors() -> [f32; 64] {
    let mut t = [0f32; 64];
    for (i, v) in t.iter_mut().enumerate() {
        *v = 2f64.powf((i as f64 - 15.0) / 3.0) as f32;
    }
    t
}

const LANES: usize = 16;

/// `LANES` outputs of the two 24-tap branches over `x` and `y` (`LANES + 23` samples each).
#[expect(
    clippy::inline_always,
    reason = "the QMF's inner loop; the atrac bench measures the gain"
)]
#[inline(always)]
fn convolve_pair(
    x: &[f32],
    y: &[f32],
    x_taps: &[f32],
    y_taps: &[f32],
) -> ([f32; LANES], [f32; LANES]) {
    let mut ax = [0f32; LANES];
    let mut ay = [0f32; LANES];
    // One whole-register load per four lanes and tap: slicing at a run-time offset keeps the
    // compiler from rebuilding the shifted windows out of scalar shuffles.
    for (t, (&wx, &wy)) in x_taps.iter().zip(y_taps).enumerate() {
        let (Some(xs), Some(ys)) = (x.get(t..t + LANES), y.get(t..t + LANES)) else {
            break;
        };
        for k in 0..LANES {
            ax[k] += xs[k] * wx;
            ay[k] += ys[k] * wy;
        }
    }
    (ax, ay)
}

/// One synthesis stage with its delay line: two bands of `n` samples in, `2n` samples out.
#[derive(Clone)]
pub(crate) struct QmfSynthesis {
    even_taps: [f32; TAPS],
    odd_taps: [f32; TAPS],
    /// The last 23 sums (lo + hi) and differences (lo − hi) of the previous call.
    sums: [f32; HISTORY],
    diffs: [f32; HISTORY],
}

impl QmfSynthesis {
    pub fn new() -> Self {
        let w = window();
        let mut even_taps = [0f32; TAPS];
        let mut odd_taps = [0f32; TAPS];
        for t in 0..TAPS {
            even_taps[t] = w[2 * t];
            odd_taps[t] = w[2 * t + 1];
        }
        Self {
            even_taps,
            odd_taps,
            sums: [0.0; HISTORY],
            diffs: [0.0; HISTORY],
        }
    }

    /// `lo` and `hi` hold `n ≤ 512` samples each; `out` receives `2n`.
    pub fn run(&mut self, lo: &[f32], hi: &[f32], out: &mut [f32]) {
        let n = lo.len().min(hi.len()).min(MAX_BAND);
        let mut sums = [0f32; HISTORY + MAX_BAND];
        let mut diffs = [0f32; HISTORY + MAX_BAND];
        sums[..HISTORY].copy_from_slice(&self.sums);
        diffs[..HISTORY].copy_from_slice(&self.diffs);
        for i in 0..n {
            sums[HISTORY + i] = lo[i] + hi[i];
            diffs[HISTORY + i] = lo[i] - hi[i];
        }
        // Sixteen outputs of both branches at a time, their accumulators kept in registers
        // across all 24 taps (independent chains, so the additions pipeline); each output
        // still sums its taps in order (tap 0 first), as the reference does.
        let chunks = n / LANES;
        for c in 0..chunks {
            let base = c * LANES;
            let (even, odd) = convolve_pair(
                &sums[base..base + LANES + HISTORY],
                &diffs[base..base + LANES + HISTORY],
                &self.even_taps,
                &self.odd_taps,
            );
            let dst = &mut out[2 * base..2 * (base + LANES)];
            for k in 0..LANES {
                dst[2 * k] = odd[k];
                dst[2 * k + 1] = even[k];
            }
        }
        for j in chunks * LANES..n {
            let (mut e, mut o) = (0f32, 0f32);
            for t in 0..TAPS {
                e += sums[j + t] * self.even_taps[t];
                o += diffs[j + t] * self.odd_taps[t];
            }
            out[2 * j] = o;
            out[2 * j + 1] = e;
        }
        self.sums.copy_from_slice(&sums[n..n + HISTORY]);
        self.diffs.copy_from_slice(&diffs[n..n + HISTORY]);
    }
}

/// Taps of the analysis equaliser (below).
const EQ_TAPS: usize = 2 * HISTORY + 1;
/// Samples of history the equaliser keeps per branch.
const EQ_HISTORY: usize = EQ_TAPS - 1;

/// One analysis stage, the decoder's [`QmfSynthesis`] run backwards: `2n` samples in, a low
/// and a high band of `n` samples each out, reconstructed by the synthesis stage with a delay
/// of 92 samples (at the analysis input's rate).
///
/// The 48-tap pair alone is only near-perfectly reconstructing: analysis and synthesis
/// together pass `T(z) = z⁻¹·P(z²)`, `P = 4·E₀·E₁` (the prototype's polyphase halves), whose
/// magnitude ripples by ±4·10⁻⁴ — 13 LSB at full scale. Filtering both polyphase branches by
/// `R = 2·z⁻²³ − P` (aliasing still cancels: both bands get the same filter) turns the
/// response into `1 − (1 − |P|)²`, flat to 2·10⁻⁷, for 23 more samples of delay per branch.
#[derive(Clone)]
pub(crate) struct QmfAnalysis {
    /// The prototype's even and odd taps, undoubled: synthesis doubles them, so the pair has
    /// unit gain.
    even_taps: [f32; TAPS],
    odd_taps: [f32; TAPS],
    /// `R`, symmetric.
    eq_taps: [f32; EQ_TAPS],
    /// The last 23 even- and odd-indexed input samples of the previous call.
    evens: [f32; HISTORY],
    odds: [f32; HISTORY],
    /// The last 46 outputs of each polyphase branch, before the equaliser.
    branch_a: [f32; EQ_HISTORY],
    branch_b: [f32; EQ_HISTORY],
}

impl QmfAnalysis {
    pub fn new() -> Self {
        let tap = |i: usize| f64::from(QMF_48TAP_HALF[if i < 24 { i } else { 47 - i }]);
        let mut even_taps = [0f32; TAPS];
        let mut odd_taps = [0f32; TAPS];
        for t in 0..TAPS {
            even_taps[t] = tap(2 * t) as f32;
            odd_taps[t] = tap(2 * t + 1) as f32;
        }
        // P = 4 · (even taps ∗ odd taps), then R = 2δ₂₃ − P.
        let mut p = [0f64; EQ_TAPS];
        for i in 0..TAPS {
            for j in 0..TAPS {
                p[i + j] += 4.0 * tap(2 * i) * tap(2 * j + 1);
            }
        }
        let mut eq_taps = [0f32; EQ_TAPS];
        for (e, &v) in eq_taps.iter_mut().zip(&p) {
            *e = -v as f32;
        }
        eq_taps[HISTORY] = (2.0 - p[HISTORY]) as f32;
        Self {
            even_taps,
            odd_taps,
            eq_taps,
            evens: [0.0; HISTORY],
            odds: [0.0; HISTORY],
            branch_a: [0.0; EQ_HISTORY],
            branch_b: [0.0; EQ_HISTORY],
        }
    }

    /// `input` holds `2n ≤ 1024` samples; `lo` and `hi` receive `n` each.
    pub fn run(&mut self, input: &[f32], lo: &mut [f32], hi: &mut [f32]) {
        let n = (input.len() / 2).min(lo.len()).min(hi.len()).min(MAX_BAND);
        let mut evens = [0f32; HISTORY + MAX_BAND];
        let mut odds = [0f32; HISTORY + MAX_BAND];
        evens[..HISTORY].copy_from_slice(&self.evens);
        odds[..HISTORY].copy_from_slice(&self.odds);
        for (i, pair) in input[..2 * n].chunks_exact(2).enumerate() {
            evens[HISTORY + i] = pair[0];
            odds[HISTORY + i] = pair[1];
        }
        // The polyphase form of the causal filter pair: with the symmetric prototype h,
        // a[m] = Σ h[2t]·x[2m + 1 − 2t] = Σ_u h[2u + 1]·odd[m + u] and
        // b[m] = Σ h[2t + 1]·x[2m − 2t] = Σ_u h[2u]·even[m + u] (history first).
        let mut a = [0f32; EQ_HISTORY + MAX_BAND];
        let mut b = [0f32; EQ_HISTORY + MAX_BAND];
        a[..EQ_HISTORY].copy_from_slice(&self.branch_a);
        b[..EQ_HISTORY].copy_from_slice(&self.branch_b);
        filter_pair(
            (&odds[..n + HISTORY], &self.odd_taps),
            (&evens[..n + HISTORY], &self.even_taps),
            &mut a[EQ_HISTORY..EQ_HISTORY + n],
            &mut b[EQ_HISTORY..EQ_HISTORY + n],
        );
        // The equaliser on both branches; then low = a + b, high = a − b.
        let mut ea = [0f32; MAX_BAND];
        let mut eb = [0f32; MAX_BAND];
        filter_pair(
            (&a[..n + EQ_HISTORY], &self.eq_taps),
            (&b[..n + EQ_HISTORY], &self.eq_taps),
            &mut ea[..n],
            &mut eb[..n],
        );
        for m in 0..n {
            lo[m] = ea[m] + eb[m];
            hi[m] = ea[m] - eb[m];
        }
        self.evens.copy_from_slice(&evens[n..n + HISTORY]);
        self.odds.copy_from_slice(&odds[n..n + HISTORY]);
        self.branch_a.copy_from_slice(&a[n..n + EQ_HISTORY]);
        self.branch_b.copy_from_slice(&b[n..n + EQ_HISTORY]);
    }
}

/// `out_x[m] = Σ_t taps_x[t]·x[m + t]` (and the same for y) for every `m < out_x.len()`;
/// `x` and `y` hold `taps − 1` more samples than the outputs.
fn filter_pair(
    (x, x_taps): (&[f32], &[f32]),
    (y, y_taps): (&[f32], &[f32]),
    out_x: &mut [f32],
    out_y: &mut [f32],
) {
    let n = out_x.len().min(out_y.len());
    let chunks = n / LANES;
    for c in 0..chunks {
        let base = c * LANES;
        let (ax, ay) = convolve_pair(
            &x[base..base + LANES + x_taps.len() - 1],
            &y[base..base + LANES + y_taps.len() - 1],
            x_taps,
            y_taps,
        );
        out_x[base..base + LANES].copy_from_slice(&ax);
        out_y[base..base + LANES].copy_from_slice(&ay);
    }
    for m in chunks * LANES..n {
        out_x[m] = x_taps.iter().zip(&x[m..]).map(|(&t, &v)| t * v).sum();
        out_y[m] = y_taps.iter().zip(&y[m..]).map(|(&t, &v)| t * v).sum();
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results are the point: these steps are bit-exact"
)]
mod tests {
    use super::*;

    /// The filter written the plain way: interleave, then a 48-tap dot product per output pair.
    fn reference(lo: &[f32], hi: &[f32], delay: &mut [f32; 46]) -> Vec<f32> {
        let w = window();
        let n = lo.len();
        let mut temp = delay.to_vec();
        for i in 0..n {
            temp.push(lo[i] + hi[i]);
            temp.push(lo[i] - hi[i]);
        }
        let mut out = Vec::new();
        for j in 0..n {
            let p = &temp[2 * j..];
            let (mut s1, mut s2) = (0f32, 0f32);
            for i in (0..48).step_by(2) {
                s1 += p[i] * w[i];
                s2 += p[i + 1] * w[i + 1];
            }
            out.push(s2);
            out.push(s1);
        }
        delay.copy_from_slice(&temp[2 * n..2 * n + 46]);
        out
    }

    #[test]
    fn matches_the_plain_filter_over_several_calls() {
        let mut qmf = QmfSynthesis::new();
        let mut delay = [0f32; 46];
        for call in 0..3 {
            let lo: Vec<f32> = (0..256)
                .map(|i| ((i * 7 + call) % 13) as f32 - 6.0)
                .collect();
            let hi: Vec<f32> = (0..256)
                .map(|i| ((i * 3 + call) % 5) as f32 * 0.5)
                .collect();
            let mut out = vec![0f32; 512];
            qmf.run(&lo, &hi, &mut out);
            assert_eq!(out, reference(&lo, &hi, &mut delay), "call {call}");
        }
    }

    #[test]
    fn a_dc_low_band_passes_with_unit_gain() {
        let mut qmf = QmfSynthesis::new();
        let lo = [1f32; 128];
        let hi = [0f32; 128];
        let mut out = [0f32; 256];
        for _ in 0..3 {
            qmf.run(&lo, &hi, &mut out);
        }
        for &v in &out {
            assert!((v - 1.0).abs() < 0.01, "{v}");
        }
    }

    #[test]
    fn scale_factor_table_is_powers_of_the_cube_root_of_two() {
        let t = scale_factors();
        assert_eq!(t[15], 1.0);
        assert!((t[18] - 2.0).abs() < 1e-6);
        assert!((t[0] - 2f32.powi(-5)).abs() < 1e-9);
    }

    #[test]
    fn analysis_then_synthesis_reconstructs_with_a_delay_of_92() {
        let mut ana = QmfAnalysis::new();
        let mut syn = QmfSynthesis::new();
        let mut s = 7u32;
        let input: Vec<f32> = (0..4096)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect();
        let mut output = Vec::new();
        for block in input.chunks(512) {
            let (mut lo, mut hi) = ([0f32; 256], [0f32; 256]);
            ana.run(block, &mut lo, &mut hi);
            let mut out = [0f32; 512];
            syn.run(&lo, &hi, &mut out);
            output.extend_from_slice(&out);
        }
        let worst = (0..4000)
            .map(|i| (output[i + 92] - input[i]).abs())
            .fold(0f32, f32::max);
        // Half-scale white noise comes back within a fraction of one 16-bit step.
        assert!(worst * 32768.0 < 0.5, "largest error {worst}");
    }
}
