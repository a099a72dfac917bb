//! Bit allocation: the scale factor and word length of every BFU, and how many BFUs are
//! coded, for the smallest weighted quantisation noise that fits the sound unit.
//!
//! Every BFU's options are measured exactly (the squared error at each word length, 2 to 16
//! bits, divided by the BFU's weight from the psychoacoustic model); then a greedy pass spends
//! the unit's mantissa bits on the step (along each BFU's convex hull of bits against noise)
//! with the most noise removed per bit until none fits — for every BFU coded, and again for
//! the fewest BFUs that hold what the first pass coded. The count that leaves the least noise
//! wins.
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

/// `x` (at most `max` in magnitude, `max` < 2²²) rounded to an integer, half to even: adding
/// and removing 1.5 · 2²³ does it in the default rounding mode, and in a loop that vectorises
/// (a libm `round` call per line was the encoder's largest cost).
#[inline]
fn round_within(x: f32, max: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (x.clamp(-max, max) + MAGIC) - MAGIC
}

/// The mantissa of `x` at scale factor value `sf` and word length `word_len` ≥ 2.
pub(super) fn quantise(x: f32, sf: f32, word_len: u8) -> i32 {
    let m = max_level(word_len) as f32;
    round_within(x / sf * m, m) as i32
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
            let m = max_level(w) as f32;
            let (to_level, step) = (m / value, value / m);
            let err: f32 = x
                .iter()
                .map(|&v| {
                    let e = v - round_within(v * to_level, m) * step;
                    e * e
                })
                .sum();
            noise[i][usize::from(w)] = err * inv_weight;
        }
    }
    // Every BFU coded first; then the smallest count that still covers every BFU given
    // bits (its side bits go to the mantissas), and the one below it; on a tie, fewer.
    let evaluate = |amount: usize| {
        let coded = BFU_AMOUNT[amount];
        let (word_lens, used) = greedy(&noise[..coded], mantissa_budget(coded));
        let total: f32 = noise
            .iter()
            .zip(&word_lens)
            .map(|(n, &w)| n[usize::from(w)])
            .sum();
        (
            total,
            Allocation {
                amount,
                word_lens,
                scale_factors,
                mantissa_bits: used,
            },
        )
    };
    let mut best = evaluate(BFU_AMOUNT.len() - 1);
    let highest = best.1.word_lens.iter().rposition(|&w| w > 0);
    let covering = highest.map_or(0, |h| {
        BFU_AMOUNT
            .iter()
            .position(|&n| n > h)
            .unwrap_or(BFU_AMOUNT.len() - 1)
    });
    for amount in [covering, covering.saturating_sub(1)] {
        if amount + 1 < BFU_AMOUNT.len() {
            let candidate = evaluate(amount);
            if candidate.0 <= best.0 {
                best = candidate;
            }
        }
    }
    best.1
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
/// order of noise removed per bit; when no hull step fits any more, the best smaller steps
/// that do. Returns them and the bits used.
fn greedy(noise: &[[f32; MAX_WORD + 1]], budget: usize) -> ([u8; BFUS], usize) {
    let mut hulls = [([0u8; MAX_WORD], 0usize); BFUS];
    for (h, n) in hulls.iter_mut().zip(noise) {
        *h = hull(n);
    }
    // Each BFU's position on its hull, and its next step: (word length, bits, gain per bit).
    let mut at = [0usize; BFUS];
    let mut word_lens = [0u8; BFUS];
    let step_to = |i: usize, w: usize, v: usize| {
        let bits = (v - w) * SPECS_PER_BFU[i];
        (v, bits, (noise[i][w] - noise[i][v]) / bits as f32)
    };
    let next_on_hull = |i: usize, at: usize| {
        let (points, len) = &hulls[i];
        (at + 1 < *len).then(|| step_to(i, usize::from(points[at]), usize::from(points[at + 1])))
    };
    let mut next: [Option<(usize, usize, f32)>; BFUS] = [None; BFUS];
    for (i, n) in next.iter_mut().enumerate().take(noise.len()) {
        *n = next_on_hull(i, 0);
    }
    let mut used = 0;
    loop {
        let left = budget - used;
        let mut pick: Option<(usize, (usize, usize, f32))> = None;
        for (i, step) in next.iter().enumerate() {
            if let Some(s) = *step
                && s.1 <= left
                && s.2 > 0.0
                && pick.is_none_or(|(_, p)| s.2 > p.2)
            {
                pick = Some((i, s));
            }
        }
        if pick.is_none() {
            // The end of the budget: any smaller step that fits and removes noise.
            for i in 0..noise.len() {
                let w = usize::from(word_lens[i]);
                let Some((limit, _, _)) = next[i] else {
                    continue;
                };
                for v in (w + 1).max(2)..limit {
                    let s = step_to(i, w, v);
                    if s.1 <= left && s.2 > 0.0 && pick.is_none_or(|(_, p)| s.2 > p.2) {
                        pick = Some((i, s));
                    }
                }
            }
        }
        let Some((i, (v, bits, _))) = pick else {
            break;
        };
        used += bits;
        word_lens[i] = v as u8;
        let (points, len) = &hulls[i];
        // Off the hull after a smaller step: go on from the first vertex above it.
        at[i] = (0..*len)
            .rev()
            .find(|&k| usize::from(points[k]) <= v)
            .unwrap_or(0);
        next[i] = next_on_hull(i, at[i]).map(|(target, _, _)| step_to(i, v, target));
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
