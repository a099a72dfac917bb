//! Joint stereo (LP4): the two sound units carry a matrixed pair per QMF band, which is turned
//! back into left and right, then optionally re-weighted.

use super::tables::MATRIX_COEFFS;

const BAND: usize = 256;

/// The reference interpolates in double precision over 8 samples; so do we.
#[inline]
pub(crate) fn interpolate(old: f32, new: f32, i: usize) -> f64 {
    f64::from(old) + i as f64 * 0.125 * (f64::from(new) - f64::from(old))
}

/// Undoes the matrixing of each band with selector `curr`, interpolating over the first
/// 8 samples from `prev` when the selector changed.
pub(super) fn reverse_matrixing(su1: &mut [f32], su2: &mut [f32], prev: [u8; 4], curr: [u8; 4]) {
    for band in 0..4 {
        let s1 = usize::from(prev[band] & 3);
        let s2 = usize::from(curr[band] & 3);
        let start = band * BAND;
        let mut n = start;
        if s1 != s2 {
            let (mc1_l, mc1_r) = (MATRIX_COEFFS[s1 * 2], MATRIX_COEFFS[s1 * 2 + 1]);
            let (mc2_l, mc2_r) = (MATRIX_COEFFS[s2 * 2], MATRIX_COEFFS[s2 * 2 + 1]);
            while n < start + 8 {
                let c1 = f64::from(su1[n]);
                let c2 = f64::from(su2[n]);
                let i = n - start;
                let m =
                    (c1 * interpolate(mc1_l, mc2_l, i) + c2 * interpolate(mc1_r, mc2_r, i)) as f32;
                su1[n] = m;
                su2[n] = (c1 * 2.0 - f64::from(m)) as f32;
                n += 1;
            }
        }
        let (a, b) = (&mut su1[n..start + BAND], &mut su2[n..start + BAND]);
        match s2 {
            0 => {
                // Mid/side.
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (c1, c2) = (*x, *y);
                    *x = c2 * 2.0;
                    *y = (c1 - c2) * 2.0;
                }
            }
            1 => {
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (c1, c2) = (*x, *y);
                    *x = (c1 + c2) * 2.0;
                    *y = c2 * -2.0;
                }
            }
            _ => {
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (c1, c2) = (*x, *y);
                    *x = c1 + c2;
                    *y = c1 - c2;
                }
            }
        }
    }
}

/// Left/right weights for a 3-bit index; 7 means no weighting. Index `k` < 7 gives the pair
/// (k/7, √(2 − (k/7)²)) — the squares always sum to 2, so the pair moves power between the
/// channels without changing the total — with the small weight on the left, or on the right
/// when `swap` (the flag bit) is set.
pub(crate) fn channel_weights(index: u8, swap: bool) -> [f32; 2] {
    if index == 7 {
        return [1.0, 1.0];
    }
    let a = f32::from(index & 7) / 7.0;
    let b = (2.0 - f64::from(a) * f64::from(a)).sqrt() as f32;
    if swap { [b, a] } else { [a, b] }
}

/// Applies the delayed weighting side information to bands 1–3 (band 0 is never weighted),
/// after [`reverse_matrixing`] has made left and right.
///
/// `delay` holds the (flag, index) pairs of the last three frames read: `delay[0..2]` from
/// two frames back, `delay[2..4]` from the previous frame, `delay[4..6]` from this one. Like
/// the matrix selectors, a pair takes effect one frame after it is read — the frame whose
/// IMDCT completes the block it was chosen for. With `w0` = the weights of `delay[0..2]` and
/// `w1` = those of `delay[2..4]`, in each of bands 1–3:
/// - samples 8…255: left × `w1[0]`, right × `w1[1]`;
/// - samples 0…7: left × `w0[0] + n/8 · (w0[1] − w0[0])`, right × `w1[0] + n/8 · (w1[1] −
///   w1[0])` — the reference "interpolates" from the left weight to the right weight of one
///   pair (the older one for the left channel, the current one for the right), not from the
///   old pair to the new. We follow it exactly, because conformance is measured against it;
///   an encoder must divide by these same factors (see `encoder::stereo`).
/// - nothing at all when both pairs have index 7.
///
/// The matrix selectors act first and independently: weighting scales the left and right
/// they produce, whatever the matrix.
pub(crate) fn channel_weighting(su1: &mut [f32], su2: &mut [f32], delay: [u8; 6]) {
    if delay[1] == 7 && delay[3] == 7 {
        return;
    }
    let w0 = channel_weights(delay[1], delay[0] != 0);
    let w1 = channel_weights(delay[3], delay[2] != 0);
    for band in 1..4 {
        let start = band * BAND;
        for i in 0..8 {
            let n = start + i;
            su1[n] = (f64::from(su1[n]) * interpolate(w0[0], w0[1], i)) as f32;
            su2[n] = (f64::from(su2[n]) * interpolate(w1[0], w1[1], i)) as f32;
        }
        for n in start + 8..start + BAND {
            su1[n] *= w1[0];
            su2[n] *= w1[1];
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results are the point: these steps are bit-exact"
)]
mod tests {
    use super::*;

    fn signals() -> (Vec<f32>, Vec<f32>) {
        let a = (0..1024).map(|i| (i % 17) as f32 - 8.0).collect();
        let b = (0..1024).map(|i| (i % 5) as f32 * 0.25).collect();
        (a, b)
    }

    #[test]
    fn selector_three_is_sum_and_difference() {
        let (a0, b0) = signals();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        reverse_matrixing(&mut a, &mut b, [3; 4], [3; 4]);
        for i in 0..1024 {
            assert_eq!(a[i], a0[i] + b0[i]);
            assert_eq!(b[i], a0[i] - b0[i]);
        }
    }

    #[test]
    fn selector_zero_and_one_matrices() {
        let (a0, b0) = signals();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        reverse_matrixing(&mut a, &mut b, [0; 4], [0; 4]);
        assert_eq!((a[3], b[3]), (b0[3] * 2.0, (a0[3] - b0[3]) * 2.0));
        let (mut a, mut b) = (a0.clone(), b0.clone());
        reverse_matrixing(&mut a, &mut b, [1; 4], [1; 4]);
        assert_eq!((a[3], b[3]), ((a0[3] + b0[3]) * 2.0, b0[3] * -2.0));
    }

    #[test]
    fn a_selector_change_is_interpolated_over_eight_samples() {
        let (a0, b0) = signals();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        reverse_matrixing(&mut a, &mut b, [3, 3, 3, 3], [1, 3, 3, 3]);
        // First sample: the old matrix (1, 1) exactly.
        assert_eq!(a[0], a0[0] + b0[0]);
        // From sample 8 on: the new matrix.
        assert_eq!(a[8], (a0[8] + b0[8]) * 2.0);
        assert_eq!(b[8], b0[8] * -2.0);
        // Band 1 unchanged selector.
        assert_eq!(a[256], a0[256] + b0[256]);
    }

    #[test]
    fn weighting_index_seven_is_identity() {
        let (a0, b0) = signals();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        channel_weighting(&mut a, &mut b, [0, 7, 0, 7, 0, 7]);
        assert_eq!((&a, &b), (&a0, &b0));
        let (mut a, mut b) = (a0.clone(), b0.clone());
        channel_weighting(&mut a, &mut b, [0, 0, 0, 0, 0, 0]);
        // Index 0: left weight 0, right √2; band 0 untouched.
        assert_eq!(a[5], a0[5]);
        assert_eq!(a[300], 0.0);
        assert!((b[300] - b0[300] * 2f32.sqrt()).abs() < 1e-6);
    }
}
