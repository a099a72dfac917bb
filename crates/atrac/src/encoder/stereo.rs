//! Joint stereo (LP4): per frame and QMF band, the matrix that makes the second unit cheapest.
//! Whatever the selector, the first unit carries the mid signal (L + R)/2; the second carries
//! the side (L − R)/2 (selector 3), L/2 (selector 0) or −R/2 (selector 1) — so a signal panned
//! hard to one side costs one unit instead of two. The decoder applies a selector one frame
//! after it reads it and interpolates between the old and the new matrix over the first 8
//! samples of the band; the encoder inverts that interpolated matrix exactly.

use super::analysis::BAND;
use super::quant::{BFUS, bfu_range};
use crate::atrac3::tables::MATRIX_COEFFS;

/// The selector the decoder starts with.
pub(crate) const INITIAL_MATRIX: [u8; 4] = [3; 4];
/// The selectors the encoder uses (2 has a singular interpolation and is never chosen).
const CANDIDATES: [u8; 3] = [3, 0, 1];
/// How much cheaper (in estimated bits) another matrix must be to replace the side signal.
const SWITCH_MARGIN_BITS: f32 = 8.0;

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

/// The masks of the two units' subbands from the left and right channels' masks.
pub(crate) fn unit_masks(masks: &[[f32; BFUS]; 2], matrix: [u8; 4], out: &mut [[f32; BFUS]; 2]) {
    let [first, second] = out;
    for (i, ((&ml, &mr), (a, b))) in masks[0]
        .iter()
        .zip(&masks[1])
        .zip(first.iter_mut().zip(second.iter_mut()))
        .enumerate()
    {
        let [g1, g2] = noise_gains(matrix[bfu_range(i).start / BAND]);
        *a = unit_mask(g1, [ml, mr]);
        *b = unit_mask(g2, [ml, mr]);
    }
}

/// Chooses each band's matrix from the left and right spectra and masks, by the perceptual
/// entropy (≈ bits) the two units would need.
pub(crate) fn choose_matrix(spectra: &[[f32; 1024]; 2], masks: &[[f32; BFUS]; 2]) -> [u8; 4] {
    let mut pe = [[0f32; 3]; 4];
    for (i, (&ml, &mr)) in masks[0].iter().zip(&masks[1]).enumerate() {
        let r = bfu_range(i);
        let band = r.start / BAND;
        let n = r.len() as f32;
        let (mut el, mut er, mut c) = (0f32, 0f32, 0f32);
        for (&l, &rr) in spectra[0][r.clone()].iter().zip(&spectra[1][r]) {
            el += l * l;
            er += rr * rr;
            c += l * rr;
        }
        let mid = (el + er + 2.0 * c) * 0.25;
        let side = (el + er - 2.0 * c).max(0.0) * 0.25;
        for (k, &sel) in CANDIDATES.iter().enumerate() {
            let second = match sel {
                0 => el * 0.25,
                1 => er * 0.25,
                _ => side,
            };
            let [g1, g2] = noise_gains(sel);
            let (m1, m2) = (unit_mask(g1, [ml, mr]), unit_mask(g2, [ml, mr]));
            pe[band][k] += 0.5 * n * ((1.0 + mid / m1).log2() + (1.0 + second / m2).log2());
        }
    }
    let mut out = [3u8; 4];
    for (band, o) in out.iter_mut().enumerate() {
        let (mut best, mut best_pe) = (3u8, pe[band][0] - SWITCH_MARGIN_BITS);
        for (k, &sel) in CANDIDATES.iter().enumerate().skip(1) {
            if pe[band][k] < best_pe {
                best = sel;
                best_pe = pe[band][k];
            }
        }
        *o = best;
    }
    out
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
        assert_eq!(choose_matrix(&spectra, &masks), [1; 4]);
        spectra.swap(0, 1);
        assert_eq!(choose_matrix(&spectra, &masks), [0; 4]);
        // Identical channels: the side signal is silent.
        spectra[0] = spectra[1];
        assert_eq!(choose_matrix(&spectra, &masks), [3; 4]);
    }
}
