//! Joint stereo (LP4): per frame and QMF band, the matrix that makes the second unit cheapest,
//! and per frame the channel weighting of bands 1–3.
//!
//! Whatever the selector, the first unit carries the mid signal (L + R)/2; the second carries
//! the side (L − R)/2 (selector 3), L/2 (selector 0) or −R/2 (selector 1) — so a signal panned
//! hard to one side costs one unit instead of two. The decoder applies a selector one frame
//! after it reads it and interpolates between the old and the new matrix over the first 8
//! samples of the band; the encoder inverts that interpolated matrix exactly.
//!
//! The weighting then scales the decoder's left and right of bands 1–3 by a pair of gains
//! whose squares sum to 2 (see `atrac3::stereo::channel_weighting`). The encoder divides its
//! left and right by the same gains before matrixing, so the units code L/a and R/b: a source
//! panned part-way (L = g·R, g = a/b) becomes centred and its side signal vanishes, and the
//! quantisation noise, which the matrix spreads evenly over L/a and R/b, comes out scaled by
//! a in the left and b in the right — in proportion to each channel's level, where it masks.
//! The decoder's first 8 samples of each band use other factors than the rest (the left the
//! older pair's, ramped from its left to its right gain; the right the current pair's, ramped
//! likewise); the encoder divides by exactly those, so the round trip is exact, at the price
//! of a short bump in the units' signals that the choice has to pay for.

use super::analysis::BAND;
use super::quant::{BFUS, bfu_range};
use crate::atrac3::stereo::{channel_weights, interpolate};
use crate::atrac3::tables::MATRIX_COEFFS;

/// The selector the decoder starts with.
const INITIAL_MATRIX: [u8; 4] = [3; 4];
/// The selectors the encoder uses (2 has a singular interpolation and is never chosen).
const CANDIDATES: [u8; 3] = [3, 0, 1];
/// How much cheaper (in estimated bits) another matrix must be to replace the side signal.
const SWITCH_MARGIN_BITS: f32 = 8.0;
/// How much cheaper (in estimated bits) a weighting must make bands 1–3 to be used: the
/// estimate leaves out the bump of the first 8 samples.
const WEIGHTING_MARGIN_BITS: f32 = 24.0;
/// The weighted levels the encoder uses: gains (5/7, 1.22) and (6/7, 1.12). Below 5 the bump
/// of the first 8 samples grows with the gains' ratio (up to 10× at level 1, and 0 mutes a
/// channel outright) and lost `ViSQOL` on the tuning clips (`benches/atrac3_results.md`).
const LEVELS: std::ops::RangeInclusive<u8> = 5..=6;

/// The decoder's channel weighting of bands 1–3: the flag bit, which puts the smaller gain on
/// the right instead of the left, and the level index (7 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Weighting {
    pub swap: bool,
    pub level: u8,
}

impl Weighting {
    /// No weighting; also what the decoder starts with.
    pub(crate) const NONE: Self = Self {
        swap: false,
        level: 7,
    };

    /// The decoder's (left, right) gains.
    fn gains(self) -> [f32; 2] {
        channel_weights(self.level, self.swap)
    }

    /// Every weighting the encoder may choose, none first.
    fn candidates() -> impl Iterator<Item = Self> {
        std::iter::once(Self::NONE).chain(
            [false, true]
                .into_iter()
                .flat_map(|swap| LEVELS.map(move |level| Self { swap, level })),
        )
    }
}

/// What the decoder does with a frame's joint-stereo side information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StereoChoice {
    pub matrix: [u8; 4],
    pub weighting: Weighting,
}

impl StereoChoice {
    /// The decoder's state before the first frame.
    pub(crate) const INITIAL: Self = Self {
        matrix: INITIAL_MATRIX,
        weighting: Weighting::NONE,
    };

    /// The squared gain of the decoder's weighting of each channel in QMF band `band`.
    fn power_gains(self, band: usize) -> [f32; 2] {
        if band == 0 {
            return [1.0; 2];
        }
        self.weighting.gains().map(|g| g * g)
    }
}

/// The decoder's (left, right) weights of the first unit's signal for `sel`; the second
/// unit's are (2 − left, −right) — see `stereo::reverse_matrixing`.
fn coeffs(sel: u8) -> (f64, f64) {
    let s = usize::from(sel & 3);
    (
        f64::from(MATRIX_COEFFS[2 * s]),
        f64::from(MATRIX_COEFFS[2 * s + 1]),
    )
}

/// How strongly noise in each unit reaches each output channel (squared gains), by selector:
/// `[unit][channel]`.
fn noise_gains(sel: u8) -> [[f32; 2]; 2] {
    match sel {
        // L = 2·c2, R = 2·(c1 − c2)
        0 => [[0.0, 4.0], [4.0, 4.0]],
        // L = 2·(c1 + c2), R = −2·c2
        1 => [[4.0, 0.0], [4.0, 4.0]],
        // L = c1 + c2, R = c1 − c2
        _ => [[1.0, 1.0], [1.0, 1.0]],
    }
}

/// The mask of a unit whose noise reaches the channels with squared gains `gains`, from the
/// channels' masks `m`: the channel that tolerates least decides.
fn unit_mask(gains: [f32; 2], m: [f32; 2]) -> f32 {
    let mut out = f32::INFINITY;
    for (g, m) in gains.into_iter().zip(m) {
        if g > 0.0 {
            out = out.min(m / g);
        }
    }
    out
}

/// The masks of the two units' subbands from the left and right channels' masks (or noise
/// weights): the matrix spreads a unit's noise over the channels and the weighting scales it.
pub(crate) fn unit_masks(
    masks: &[[f32; BFUS]; 2],
    choice: StereoChoice,
    out: &mut [[f32; BFUS]; 2],
) {
    let [first, second] = out;
    for (i, ((&ml, &mr), (a, b))) in masks[0]
        .iter()
        .zip(&masks[1])
        .zip(first.iter_mut().zip(second.iter_mut()))
        .enumerate()
    {
        let band = bfu_range(i).start / BAND;
        let [wl, wr] = choice.power_gains(band);
        let m = [ml / wl, mr / wr];
        let [g1, g2] = noise_gains(choice.matrix[band]);
        *a = unit_mask(g1, m);
        *b = unit_mask(g2, m);
    }
}

/// What the choice needs of one subband: the channels' energies and cross product, their
/// masks, its width and QMF band.
#[derive(Debug, Clone, Copy, Default)]
struct SubbandStats {
    el: f32,
    er: f32,
    cross: f32,
    ml: f32,
    mr: f32,
    lines: f32,
    band: usize,
}

impl SubbandStats {
    fn measure(spectra: &[[f32; 1024]; 2], masks: &[[f32; BFUS]; 2]) -> [Self; BFUS] {
        let mut out = [Self::default(); BFUS];
        for (i, o) in out.iter_mut().enumerate() {
            let r = bfu_range(i);
            let (mut el, mut er, mut cross) = (0f32, 0f32, 0f32);
            for (&l, &rr) in spectra[0][r.clone()].iter().zip(&spectra[1][r.clone()]) {
                el += l * l;
                er += rr * rr;
                cross += l * rr;
            }
            *o = Self {
                el,
                er,
                cross,
                ml: masks[0][i],
                mr: masks[1][i],
                lines: r.len() as f32,
                band: r.start / BAND,
            };
        }
        out
    }

    /// The perceptual entropy (≈ bits) of the two units under each of the `CANDIDATES`
    /// selectors, with the channels weighted by `gains` (left, right).
    fn entropy(&self, gains: [f32; 2]) -> [f32; 3] {
        let [a, b] = gains;
        let (el, er) = (self.el / (a * a), self.er / (b * b));
        let cross = self.cross / (a * b);
        let m = [self.ml / (a * a), self.mr / (b * b)];
        let mid = (el + er + 2.0 * cross) * 0.25;
        let side = (el + er - 2.0 * cross).max(0.0) * 0.25;
        CANDIDATES.map(|sel| {
            let second = match sel {
                0 => el * 0.25,
                1 => er * 0.25,
                _ => side,
            };
            let [g1, g2] = noise_gains(sel);
            let (m1, m2) = (unit_mask(g1, m), unit_mask(g2, m));
            0.5 * self.lines * ((1.0 + mid / m1).log2() + (1.0 + second / m2).log2())
        })
    }
}

/// Each band's best selector and its estimated bits, for the bands from `first_band` on, with
/// the channels weighted by `gains` in bands 1–3.
fn best_matrix(
    stats: &[SubbandStats; BFUS],
    gains: [f32; 2],
    first_band: usize,
) -> ([u8; 4], [f32; 4]) {
    let mut pe = [[0f32; 3]; 4];
    for s in stats.iter().filter(|s| s.band >= first_band) {
        let g = if s.band == 0 { [1.0; 2] } else { gains };
        for (p, e) in pe[s.band].iter_mut().zip(s.entropy(g)) {
            *p += e;
        }
    }
    let mut matrix = [3u8; 4];
    let mut bits = [0f32; 4];
    for band in first_band..4 {
        let (mut best, mut best_pe) = (3u8, pe[band][0] - SWITCH_MARGIN_BITS);
        for (k, &sel) in CANDIDATES.iter().enumerate().skip(1) {
            if pe[band][k] < best_pe {
                best = sel;
                best_pe = pe[band][k];
            }
        }
        matrix[band] = best;
        bits[band] = best_pe;
    }
    (matrix, bits)
}

/// Chooses each band's matrix and the frame's weighting from the left and right spectra and
/// masks, by the perceptual entropy (≈ bits) the two units would need; `weigh` false keeps
/// the weighting off.
pub(crate) fn choose(
    spectra: &[[f32; 1024]; 2],
    masks: &[[f32; BFUS]; 2],
    weigh: bool,
) -> StereoChoice {
    let stats = SubbandStats::measure(spectra, masks);
    let (mut matrix, plain) = best_matrix(&stats, [1.0; 2], 0);
    let mut weighting = Weighting::NONE;
    if weigh {
        // Band 0 is never weighted: only bands 1–3 compare.
        let mut best = plain[1..].iter().sum::<f32>() - WEIGHTING_MARGIN_BITS;
        for w in Weighting::candidates().skip(1) {
            let (m, bits) = best_matrix(&stats, w.gains(), 1);
            let total = bits[1..].iter().sum::<f32>();
            if total < best {
                best = total;
                weighting = w;
                matrix[1..].copy_from_slice(&m[1..]);
            }
        }
    }
    StereoChoice { matrix, weighting }
}

/// Divides the left and right band signals of bands 1–3 by the decoder's weighting of this
/// block (`cur`, after the previous block's `prev`), so that the decoder's weighting restores
/// them exactly. The factors are the decoder's, computed the same way.
pub(crate) fn unweight(bands: &mut [[f32; 1024]; 2], prev: Weighting, cur: Weighting) {
    if prev == Weighting::NONE && cur == Weighting::NONE {
        return;
    }
    let (w0, w1) = (prev.gains(), cur.gains());
    let [left, right] = bands;
    for band in 1..4 {
        let start = band * BAND;
        for i in 0..8 {
            let n = start + i;
            left[n] = (f64::from(left[n]) / interpolate(w0[0], w0[1], i)) as f32;
            right[n] = (f64::from(right[n]) / interpolate(w1[0], w1[1], i)) as f32;
        }
        let (gl, gr) = (f64::from(w1[0]), f64::from(w1[1]));
        for n in start + 8..start + BAND {
            left[n] = (f64::from(left[n]) / gl) as f32;
            right[n] = (f64::from(right[n]) / gr) as f32;
        }
    }
}

/// Matrixes one band's block: `left`, `right` in, the two units' signals out, with the
/// decoder's interpolation from `prev` over the first 8 samples when the selector changes.
pub(crate) fn matrix_block(
    left: &[f32],
    right: &[f32],
    prev: u8,
    sel: u8,
    c1: &mut [f32],
    c2: &mut [f32],
) {
    let (l_new, r_new) = coeffs(sel);
    let (l_old, r_old) = coeffs(prev);
    for n in 0..left.len().min(BAND) {
        let (l, r) = if prev != sel && n < 8 {
            let t = n as f64 * 0.125;
            (l_old + t * (l_new - l_old), r_old + t * (r_new - r_old))
        } else {
            (l_new, r_new)
        };
        // The decoder makes L = l·c1 + r·c2 and R = 2·c1 − L.
        let (x, y) = (f64::from(left[n]), f64::from(right[n]));
        let mid = 0.5 * (x + y);
        c1[n] = mid as f32;
        c2[n] = ((x - l * mid) / r) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder's reverse matrixing of one band (see `atrac3::stereo`).
    fn unmatrix(c1: &[f32], c2: &[f32], prev: u8, sel: u8) -> (Vec<f32>, Vec<f32>) {
        let (l_new, r_new) = coeffs(sel);
        let (l_old, r_old) = coeffs(prev);
        c1.iter()
            .zip(c2)
            .enumerate()
            .map(|(n, (&a, &b))| {
                let (l, r) = if prev != sel && n < 8 {
                    let t = n as f64 * 0.125;
                    (l_old + t * (l_new - l_old), r_old + t * (r_new - r_old))
                } else {
                    (l_new, r_new)
                };
                let left = f64::from(a) * l + f64::from(b) * r;
                (left as f32, (2.0 * f64::from(a) - left) as f32)
            })
            .unzip()
    }

    #[test]
    fn every_matrix_and_transition_inverts_exactly() {
        let left: Vec<f32> = (0..BAND).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        let right: Vec<f32> = (0..BAND).map(|i| ((i * 11) % 53) as f32 * 0.7).collect();
        for prev in CANDIDATES {
            for sel in CANDIDATES {
                let (mut c1, mut c2) = (vec![0f32; BAND], vec![0f32; BAND]);
                matrix_block(&left, &right, prev, sel, &mut c1, &mut c2);
                let (l, r) = unmatrix(&c1, &c2, prev, sel);
                for n in 0..BAND {
                    assert!((l[n] - left[n]).abs() < 1e-3, "{prev}→{sel} L[{n}]");
                    assert!((r[n] - right[n]).abs() < 1e-3, "{prev}→{sel} R[{n}]");
                }
            }
        }
    }

    #[test]
    fn a_hard_panned_band_puts_the_silent_side_in_the_second_unit() {
        let mut spectra = [[0f32; 1024]; 2];
        for (k, v) in spectra[0].iter_mut().enumerate() {
            *v = ((k * 7919) % 200) as f32 - 100.0;
        }
        let masks = [[1.0; BFUS]; 2];
        // Right silent: selector 1 makes the second unit −R/2 = 0.
        assert_eq!(choose(&spectra, &masks, false).matrix, [1; 4]);
        spectra.swap(0, 1);
        assert_eq!(choose(&spectra, &masks, false).matrix, [0; 4]);
        // Identical channels: the side signal is silent.
        spectra[0] = spectra[1];
        assert_eq!(choose(&spectra, &masks, false).matrix, [3; 4]);
    }

    /// The decoder's weighting side information for the pair of blocks `prev`, `cur`.
    fn delay(prev: Weighting, cur: Weighting) -> [u8; 6] {
        [
            u8::from(prev.swap),
            prev.level,
            u8::from(cur.swap),
            cur.level,
            0,
            7,
        ]
    }

    #[test]
    fn the_decoders_weighting_undoes_the_encoders_exactly() {
        let signal = |k: usize| -> [f32; 1024] {
            std::array::from_fn(|i| ((i * k) % 97) as f32 * 0.01 - 0.48)
        };
        for prev in Weighting::candidates() {
            for cur in Weighting::candidates() {
                let original = [signal(37), signal(11)];
                let mut bands = original;
                unweight(&mut bands, prev, cur);
                let [left, right] = &mut bands;
                crate::atrac3::stereo::channel_weighting(left, right, delay(prev, cur));
                for (ch, (got, want)) in bands.iter().zip(&original).enumerate() {
                    for (n, (g, w)) in got.iter().zip(want).enumerate() {
                        assert!((g - w).abs() < 1e-6, "{prev:?}→{cur:?} ch {ch}[{n}]");
                    }
                }
            }
        }
    }

    #[test]
    fn a_part_panned_band_is_weighted_towards_the_louder_side() {
        let mut spectra = [[0f32; 1024]; 2];
        for (k, v) in spectra[0].iter_mut().enumerate() {
            *v = ((k * 7919) % 200) as f32 - 100.0;
        }
        // Right at 60 % of left: level 5 (gains 5/7 and 1.22, ratio 0.59), small gain right.
        spectra[1] = spectra[0].map(|x| 0.6 * x);
        let masks = [[1.0; BFUS], [0.36; BFUS]];
        let choice = choose(&spectra, &masks, true);
        assert_eq!(
            choice.weighting,
            Weighting {
                swap: true,
                level: 5
            }
        );
        assert_eq!(choose(&spectra, &masks, false).weighting, Weighting::NONE);
        spectra.swap(0, 1);
        let masks = [masks[1], masks[0]];
        assert!(!choose(&spectra, &masks, true).weighting.swap);
        // Balanced: nothing to gain.
        spectra[0] = spectra[1];
        let masks = [masks[1], masks[1]];
        assert_eq!(choose(&spectra, &masks, true).weighting, Weighting::NONE);
    }
}
