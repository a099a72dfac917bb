//! Bit allocation: which table selector (word length) each subband gets, so that the
//! perceptually weighted quantisation noise is smallest for the bits the frame has.
//!
//! Every subband's options are measured exactly — the squared error and the bits of every
//! selector in both coding modes, weighted by the subband's masking threshold (the noise-to-
//! mask ratio) — then a Lagrangian search finds the price per bit at which the units fit the
//! budget, choosing Huffman or fixed-length coding per unit on the way, and a greedy pass
//! spends what is left on the upgrades with the best NMR gain per bit until nothing fits:
//! the budget is used as fully as the subband granularity allows and never exceeded.

use super::quant::{BFUS, Coding, QuantTables, SELECTOR_BITS, SELECTORS, SF_BITS, bfu_range};
use crate::atrac3::tables::SUBBAND_TAB;

/// One subband's options.
#[derive(Clone, Copy)]
pub(crate) struct BfuOptions {
    pub sf: u8,
    /// Noise-to-mask ratio per selector (selector 0: the subband's energy over its mask).
    pub nmr: [f32; SELECTORS],
    /// Bits of the scale factor and mantissas per selector, Huffman then fixed-length.
    pub bits: [[u16; SELECTORS]; 2],
}

impl Default for BfuOptions {
    fn default() -> Self {
        Self {
            sf: 0,
            nmr: [0.0; SELECTORS],
            bits: [[0; SELECTORS]; 2],
        }
    }
}

/// One sound unit to allocate.
#[derive(Clone)]
pub(crate) struct UnitPlan {
    pub bfus: [BfuOptions; BFUS],
    /// Bits outside the spectrum's selectors, scale factors and mantissas when the last coded
    /// subband lies in QMF band `b` (gain control is coded up to the last band).
    pub overhead: [u32; 4],
}

/// What the allocation decided for one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Allocation {
    pub selectors: [u8; BFUS],
    pub coding: Coding,
    /// Subbands coded (1–32: the last non-zero selector and everything before it).
    pub coded: usize,
    /// Bits of the whole unit.
    pub bits: u32,
    /// Σ of the noise-to-mask ratios.
    pub nmr: f32,
}

/// The QMF band subband `i` lies in.
#[inline]
fn band_of(i: usize) -> usize {
    usize::from(SUBBAND_TAB[i]) / 256
}

/// Measures every option of every subband of `spectrum`, weighting errors by `1/mask`.
pub(crate) fn measure(
    q: &QuantTables,
    spectrum: &[f32],
    masks: &[f32; BFUS],
    out: &mut [BfuOptions; BFUS],
) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = measure_bfu(q, &spectrum[bfu_range(i)], 1.0 / masks[i]);
    }
}

/// Measures again the subbands of `spectrum` that overlap `lines` (the rest of `out` stays).
pub(crate) fn remeasure(
    q: &QuantTables,
    spectrum: &[f32],
    masks: &[f32; BFUS],
    lines: std::ops::Range<usize>,
    out: &mut [BfuOptions; BFUS],
) {
    for (i, o) in out.iter_mut().enumerate() {
        let r = bfu_range(i);
        if r.start < lines.end && lines.start < r.end {
            *o = measure_bfu(q, &spectrum[r], 1.0 / masks[i]);
        }
    }
}

/// Every option of one subband's lines `x`, errors weighted by `weight`.
fn measure_bfu(q: &QuantTables, x: &[f32], weight: f32) -> BfuOptions {
    let (mut energy, mut peak) = (0f32, 0f32);
    for &v in x {
        energy += v * v;
        peak = peak.max(v.abs());
    }
    let mut o = BfuOptions {
        nmr: [energy * weight; SELECTORS],
        ..BfuOptions::default()
    };
    if peak == 0.0 {
        // Nothing to code: selector 0 is exact.
        o.bits = [[u16::MAX; SELECTORS]; 2];
        o.bits[0][0] = 0;
        o.bits[1][0] = 0;
        return o;
    }
    o.sf = q.scale_factor_for(peak);
    for sel in 1..SELECTORS {
        let (err, vlc, clc) = q.cost(x, o.sf, sel);
        o.nmr[sel] = err * weight;
        o.bits[0][sel] = (SF_BITS + vlc) as u16;
        o.bits[1][sel] = (SF_BITS + clc) as u16;
    }
    o
}

/// The best choice of one unit at price `lambda` in one coding mode.
fn choose(plan: &UnitPlan, coding: Coding, lambda: f32) -> Allocation {
    let m = coding as usize;
    let mut selectors = [0u8; BFUS];
    let (mut bits, mut nmr) = (0u32, 0f32);
    let mut last = 0;
    for (i, o) in plan.bfus.iter().enumerate() {
        let mut best = (o.nmr[0], 0usize);
        for sel in 1..SELECTORS {
            let b = o.bits[m][sel];
            if b == u16::MAX {
                continue;
            }
            let cost = o.nmr[sel] + lambda * f32::from(b);
            if cost < best.0 {
                best = (cost, sel);
            }
        }
        let sel = best.1;
        selectors[i] = sel as u8;
        bits += u32::from(o.bits[m][sel]);
        nmr += o.nmr[sel];
        if sel != 0 {
            last = i;
        }
    }
    let coded = last + 1;
    Allocation {
        selectors,
        coding,
        coded,
        bits: bits + plan.overhead[band_of(last)] + SELECTOR_BITS * coded as u32,
        nmr,
    }
}

/// The better coding mode of one unit at price `lambda`.
fn choose_unit(plan: &UnitPlan, lambda: f32) -> Allocation {
    let vlc = choose(plan, Coding::Vlc, lambda);
    let clc = choose(plan, Coding::Clc, lambda);
    let cost = |a: &Allocation| a.nmr + lambda * a.bits as f32;
    if cost(&clc) < cost(&vlc) { clc } else { vlc }
}

/// Re-derives a unit's bits, coded count and NMR from its selectors.
fn recount(plan: &UnitPlan, a: &mut Allocation) {
    let m = a.coding as usize;
    let last = (0..BFUS).rev().find(|&i| a.selectors[i] != 0).unwrap_or(0);
    a.coded = last + 1;
    let mut bits = plan.overhead[band_of(last)] + SELECTOR_BITS * a.coded as u32;
    let mut nmr = 0.0;
    for (o, &s) in plan.bfus.iter().zip(&a.selectors) {
        bits += u32::from(o.bits[m][usize::from(s)]);
        nmr += o.nmr[usize::from(s)];
    }
    a.bits = bits;
    a.nmr = nmr;
}

/// Allocates `plans` jointly; `fits` says whether units of the given bit sizes fit the frame.
/// Every plan must fit with all selectors 0.
/// `hint` is log₂ of the price found for the previous frame (music changes slowly: the search
/// starts there); it receives this frame's.
pub(crate) fn allocate(
    plans: &[UnitPlan],
    fits: &dyn Fn(&[u32]) -> bool,
    hint: &mut f32,
    out: &mut Vec<Allocation>,
) {
    out.clear();
    let sizes = |a: &[Allocation]| -> Vec<u32> { a.iter().map(|x| x.bits).collect() };
    let mut trial = Vec::with_capacity(plans.len());
    let eval = |log_lambda: f32, trial: &mut Vec<Allocation>| -> bool {
        trial.clear();
        trial.extend(plans.iter().map(|p| choose_unit(p, log_lambda.exp2())));
        fits(&sizes(trial))
    };
    // The largest spend first: with every option free the frame may already fit.
    if !eval(f32::NEG_INFINITY, out) {
        // Bits fall as the price rises: bracket the price from the hint in steps of ×4,
        // then bisect on log λ to within 10 %.
        const RANGE: f32 = 60.0;
        let mut best: Option<Vec<Allocation>> = None;
        let start = hint.clamp(-RANGE, RANGE);
        let (mut lo, mut hi);
        if eval(start, &mut trial) {
            hi = start;
            best = Some(trial.clone());
            lo = start - 2.0;
            while lo > -RANGE && eval(lo, &mut trial) {
                hi = lo;
                best = Some(trial.clone());
                lo -= 2.0;
            }
        } else {
            lo = start;
            hi = start + 2.0;
            while hi <= RANGE && !eval(hi, &mut trial) {
                lo = hi;
                hi += 2.0;
            }
            if hi <= RANGE {
                best = Some(trial.clone());
            }
        }
        if best.is_some() {
            while hi - lo > 0.14 {
                let mid = 0.5 * (lo + hi);
                if eval(mid, &mut trial) {
                    hi = mid;
                    best = Some(trial.clone());
                } else {
                    lo = mid;
                }
            }
            *hint = hi;
        }
        if let Some(b) = best {
            *out = b;
        } else {
            // Nothing fit even at the highest price: code nothing.
            out.clear();
            for p in plans {
                let mut a = Allocation {
                    selectors: [0; BFUS],
                    coding: Coding::Clc,
                    coded: 1,
                    bits: 0,
                    nmr: 0.0,
                };
                recount(p, &mut a);
                out.push(a);
            }
        }
    }
    fill(plans, fits, out);
}

/// Spends the bits left on the upgrades with the best NMR reduction per bit.
fn fill(plans: &[UnitPlan], fits: &dyn Fn(&[u32]) -> bool, allocs: &mut [Allocation]) {
    let mut sizes: Vec<u32> = allocs.iter().map(|a| a.bits).collect();
    loop {
        // (score, unit, subband, selector)
        let mut best: Option<(f32, usize, usize, usize)> = None;
        for (u, plan) in plans.iter().enumerate() {
            let a = &allocs[u];
            let m = a.coding as usize;
            let last = a.coded - 1;
            for i in 0..BFUS {
                let o = &plan.bfus[i];
                let cur = usize::from(a.selectors[i]);
                // Coding a subband past the last one codes the selectors in between too.
                let reach = if i > last {
                    i64::from(SELECTOR_BITS) * (i - last) as i64
                        + i64::from(plan.overhead[band_of(i)])
                        - i64::from(plan.overhead[band_of(last)])
                } else {
                    0
                };
                for sel in 1..SELECTORS {
                    let gain = o.nmr[cur] - o.nmr[sel];
                    if sel == cur || gain <= 0.0 || o.bits[m][sel] == u16::MAX {
                        continue;
                    }
                    let extra = i64::from(o.bits[m][sel]) - i64::from(o.bits[m][cur]) + reach;
                    let score = if extra <= 0 {
                        f32::INFINITY
                    } else {
                        gain / extra as f32
                    };
                    if best.is_some_and(|b| b.0 >= score) {
                        continue;
                    }
                    sizes[u] = (i64::from(a.bits) + extra) as u32;
                    let ok = fits(&sizes);
                    sizes[u] = a.bits;
                    if ok {
                        best = Some((score, u, i, sel));
                    }
                }
            }
        }
        let Some((_, u, i, sel)) = best else {
            break;
        };
        allocs[u].selectors[i] = sel as u8;
        recount(&plans[u], &mut allocs[u]);
        sizes[u] = allocs[u].bits;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::analysis::FRAME;

    fn plan_for(spectrum: &[f32; FRAME]) -> UnitPlan {
        let q = QuantTables::new();
        let mut bfus = [BfuOptions::default(); BFUS];
        measure(&q, spectrum, &[1.0; BFUS], &mut bfus);
        UnitPlan {
            bfus,
            overhead: [19, 22, 25, 28],
        }
    }

    fn noise(seed: u32, amp: f32) -> [f32; FRAME] {
        let mut s = seed;
        let mut x = [0f32; FRAME];
        for (k, v) in x.iter_mut().enumerate() {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v = ((s >> 8) as f32 / (1 << 24) as f32 - 0.5) * amp / (1.0 + k as f32 / 64.0);
        }
        x
    }

    #[test]
    fn fills_the_budget_without_overflowing() {
        for (seed, budget) in [(1, 1536u32), (2, 1216), (3, 700), (4, 100), (5, 40)] {
            let plan = plan_for(&noise(seed, 20_000.0));
            let fits = |b: &[u32]| b[0] <= budget;
            let mut out = Vec::new();
            allocate(std::slice::from_ref(&plan), &fits, &mut 0.0, &mut out);
            let a = out[0];
            assert!(a.bits <= budget, "{} > {budget}", a.bits);
            let mut check = a;
            recount(&plan, &mut check);
            assert_eq!(check.bits, a.bits);
            // Nothing more fits: every single upgrade would overflow or not help.
            if budget > 200 {
                assert!(budget - a.bits < 40, "left {} of {budget}", budget - a.bits);
            }
        }
    }

    #[test]
    fn silence_costs_only_the_overhead() {
        let plan = plan_for(&[0.0; FRAME]);
        let mut out = Vec::new();
        allocate(
            std::slice::from_ref(&plan),
            &|b: &[u32]| b[0] <= 1536,
            &mut 0.0,
            &mut out,
        );
        assert_eq!(out[0].selectors, [0; BFUS]);
        assert_eq!(out[0].coded, 1);
        assert_eq!(out[0].bits, 19 + SELECTOR_BITS);
    }

    #[test]
    fn two_units_share_a_budget() {
        let loud = plan_for(&noise(7, 20_000.0));
        let quiet = plan_for(&noise(8, 200.0));
        let mut out = Vec::new();
        let fits = |b: &[u32]| b[0].div_ceil(8) + b[1].div_ceil(8) <= 192;
        allocate(&[loud, quiet], &fits, &mut 0.0, &mut out);
        assert!(out[0].bits.div_ceil(8) + out[1].bits.div_ceil(8) <= 192);
        assert!(
            out[0].bits > 2 * out[1].bits,
            "{} vs {}",
            out[0].bits,
            out[1].bits
        );
    }
}
