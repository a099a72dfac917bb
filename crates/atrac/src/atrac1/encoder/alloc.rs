//! Bit allocation: the scale factor and word length of every BFU, and how many BFUs are
//! coded, for the smallest weighted quantisation noise that fits the sound unit.
//!
//! Every BFU's options are measured exactly (the squared error at each word length, 2 to 16
//! bits, divided by the BFU's weight from the psychoacoustic model); then for each BFU count
//! the format offers, a greedy pass spends the unit's mantissa bits on the upgrade with the
//! most noise removed per bit until none fits. The count that leaves the least noise wins.
//! The unit is filled as far as the BFUs' line counts allow and never overflows.

use super::super::SOUND_UNIT_BYTES;
use super::super::tables::{BFU_AMOUNT, SPECS_PER_BFU};
use super::bfus::{BFUS, BlockModes, lines};

/// Bits of a unit outside the BFUs: the block-size mode and BFU count at the start (16),
/// their copy at the end (16).
const FIXED_BITS: usize = 32;
/// Bits per coded BFU for its word length (4) and scale factor (6).
const SIDE_BITS: usize = 10;
/// Word lengths in bits: 0 (not coded) or 2 to 16.
const MAX_WORD: usize = 16;

/// What the allocation decided for one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Allocation {
    /// Index into the BFU count table.
    pub amount: usize,
    /// Word length of each BFU in bits (0: not coded).
    pub word_lens: [u8; BFUS],
    pub scale_factors: [u8; BFUS],
    /// Mantissa bits used.
    pub mantissa_bits: usize,
}

impl Allocation {
    /// BFUs coded.
    pub fn coded(&self) -> usize {
        BFU_AMOUNT[self.amount]
    }
}

/// Mantissa bits a unit coding `bfus` BFUs has.
pub(super) fn mantissa_budget(bfus: usize) -> usize {
    SOUND_UNIT_BYTES * 8 - FIXED_BITS - SIDE_BITS * bfus
}

/// The largest quantised magnitude of a word length.
pub(super) fn max_level(word_len: u8) -> i32 {
    (1i32 << (word_len - 1)) - 1
}

/// The mantissa of `x` at scale factor value `sf` and word length `word_len` ≥ 2.
pub(super) fn quantise(x: f32, sf: f32, word_len: u8) -> i32 {
    let m = max_level(word_len);
    ((x / sf * m as f32).round() as i32).clamp(-m, m)
}

/// The smallest scale factor index whose value is at least `peak` (63 when none is).
fn scale_factor_for(table: &[f32; 64], peak: f32) -> u8 {
    table.iter().position(|&v| v >= peak).unwrap_or(63) as u8
}

/// Allocates the bits of one unit over `spectrum`; `weights` divide each BFU's squared error.
pub(super) fn allocate(
    table: &[f32; 64],
    spectrum: &[f32; 512],
    modes: &BlockModes,
    weights: &[f32; BFUS],
) -> Allocation {
    // noise[i][w]: BFU i's weighted squared error at word length w (w = 1 unused).
    let mut noise = [[0f32; MAX_WORD + 1]; BFUS];
    let mut scale_factors = [0u8; BFUS];
    for i in 0..BFUS {
        let x = &spectrum[lines(i, modes)];
        let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        let energy: f32 = x.iter().map(|v| v * v).sum();
        let sf = scale_factor_for(table, peak);
        scale_factors[i] = sf;
        let value = table[usize::from(sf)];
        let inv_weight = 1.0 / weights[i];
        noise[i][0] = energy * inv_weight;
        // One bit is not a word length: as bad as none.
        noise[i][1] = noise[i][0];
        for w in 2..=MAX_WORD as u8 {
            let step = value / max_level(w) as f32;
            let err: f32 = x
                .iter()
                .map(|&v| {
                    let e = v - quantise(v, value, w) as f32 * step;
                    e * e
                })
                .sum();
            noise[i][usize::from(w)] = err * inv_weight;
        }
    }
    let mut best: Option<(f32, Allocation)> = None;
    for (amount, &coded) in BFU_AMOUNT.iter().enumerate() {
        let (word_lens, used) = greedy(&noise[..coded], mantissa_budget(coded));
        let mut total: f32 = (0..coded)
            .map(|i| noise[i][usize::from(word_lens[i])])
            .sum();
        total += noise[coded..].iter().map(|n| n[0]).sum::<f32>();
        if best.as_ref().is_none_or(|(t, _)| total < *t) {
            best = Some((
                total,
                Allocation {
                    amount,
                    word_lens,
                    scale_factors,
                    mantissa_bits: used,
                },
            ));
        }
    }
    best.map_or(
        Allocation {
            amount: 0,
            word_lens: [0; BFUS],
            scale_factors,
            mantissa_bits: 0,
        },
        |(_, a)| a,
    )
}

/// The word lengths a BFU steps through: the lower convex hull of its (bits, noise) points
/// from 0 bits up. Noise does not always fall with every added bit (two lines rounding alike
/// at 2 and 3 bits), so stepping one bit at a time could stall short of the steps that pay.
fn hull(noise: &[f32; MAX_WORD + 1]) -> ([u8; MAX_WORD], usize) {
    let mut points = [0u8; MAX_WORD];
    let mut len = 1;
    for w in 2..=MAX_WORD {
        // Drop the last vertex while it lies on or above the line to the new point.
        while len >= 2 {
            let (a, b) = (usize::from(points[len - 2]), usize::from(points[len - 1]));
            let to_last = (noise[b] - noise[a]) / (b - a) as f32;
            let to_new = (noise[w] - noise[a]) / (w - a) as f32;
            if to_new <= to_last {
                len -= 1;
            } else {
                break;
            }
        }
        points[len] = w as u8;
        len += 1;
    }
    (points, len)
}

/// Word lengths for the BFUs of `noise` within `budget` bits: steps along each BFU's hull in
/// order of noise removed per bit; when the next step of a BFU no longer fits, the best
/// smaller one that does. Returns them and the bits used.
fn greedy(noise: &[[f32; MAX_WORD + 1]], budget: usize) -> ([u8; BFUS], usize) {
    let mut hulls = [([0u8; MAX_WORD], 0usize); BFUS];
    for (h, n) in hulls.iter_mut().zip(noise) {
        *h = hull(n);
    }
    let mut at = [0usize; BFUS];
    let mut word_lens = [0u8; BFUS];
    let mut used = 0;
    loop {
        let mut pick: Option<(usize, u8, f32)> = None;
        for (i, n) in noise.iter().enumerate() {
            let (points, len) = &hulls[i];
            if at[i] + 1 >= *len {
                continue;
            }
            let w = usize::from(word_lens[i]);
            let count = SPECS_PER_BFU[i];
            let left = budget - used;
            let next = usize::from(points[at[i] + 1]);
            let step = if (next - w) * count <= left {
                Some(next)
            } else {
                // Any smaller step that fits and removes noise, the best per bit.
                (w + 1..next)
                    .filter(|&v| v >= 2 && (v - w) * count <= left && n[v] < n[w])
                    .max_by(|&a, &b| {
                        let ra = (n[w] - n[a]) / (a - w) as f32;
                        let rb = (n[w] - n[b]) / (b - w) as f32;
                        ra.total_cmp(&rb)
                    })
            };
            let Some(v) = step else {
                continue;
            };
            let gain = (n[w] - n[v]) / ((v - w) * count) as f32;
            if gain > 0.0 && pick.is_none_or(|(_, _, g)| gain > g) {
                pick = Some((i, v as u8, gain));
            }
        }
        let Some((i, v, _)) = pick else {
            break;
        };
        used += usize::from(v - word_lens[i]) * SPECS_PER_BFU[i];
        word_lens[i] = v;
        let (points, len) = &hulls[i];
        // Off the hull after a smaller step: go on from the first vertex above it.
        at[i] = (0..*len).rev().find(|&k| points[k] <= v).unwrap_or(0);
    }
    (word_lens, used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qmf::scale_factors;

    #[test]
    fn loud_spectra_fill_the_unit_without_overflowing_it() {
        let table = scale_factors();
        let mut s = 9u32;
        let mut spectrum = [0f32; 512];
        for x in &mut spectrum {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = ((s >> 8) as f32 / (1 << 24) as f32 - 0.5) * 60_000.0;
        }
        for modes in [[0, 0, 0], [2, 2, 3]] {
            let a = allocate(&table, &spectrum, &modes, &[1.0; BFUS]);
            let budget = mantissa_budget(a.coded());
            let used: usize = (0..BFUS)
                .map(|i| usize::from(a.word_lens[i]) * SPECS_PER_BFU[i])
                .sum();
            assert_eq!(used, a.mantissa_bits);
            // Within one upgrade of the smallest BFU (4 lines) of the end.
            assert!(used <= budget && used + 4 > budget, "{used} of {budget}");
            assert!(a.word_lens.iter().all(|&w| w != 1 && w <= 16));
        }
    }

    #[test]
    fn silence_codes_nothing_and_quantising_stays_in_range() {
        let table = scale_factors();
        let a = allocate(&table, &[0.0; 512], &[0; 3], &[1.0; BFUS]);
        assert_eq!(a.mantissa_bits, 0);
        assert_eq!(a.coded(), 20);
        assert_eq!(quantise(1e9, 1.0, 4), 7);
        assert_eq!(quantise(-1e9, 1.0, 2), -1);
        assert_eq!(scale_factor_for(&table, 1e12), 63);
        assert_eq!(scale_factor_for(&table, 1.0), 15);
    }
}
