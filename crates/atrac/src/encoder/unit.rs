//! Writing a sound unit: the layout the decoder's `decode_unit` reads, field by field, and
//! its size in bits (which the allocation needs before anything is written).

use super::UnitState;
use super::alloc::Allocation;
use super::bitwriter::BitWriter;
use super::quant::{QuantTables, SELECTOR_BITS, SF_BITS, bfu_range};
use super::stereo::Weighting;
use super::tonal::Tonal;
use crate::gain::GainInfo;

/// The id of a sound unit, and of the second unit of a joint-stereo frame.
const UNIT_ID: u32 = 0x28;
const JS_UNIT_ID: u32 = 3;

/// The joint-stereo side information that precedes the second unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JointSide {
    /// Weighting flag (1 bit) and level index (3 bits).
    pub weighting: Weighting,
    /// Matrix selector per QMF band.
    pub matrix: [u8; 4],
}

/// The last QMF band the unit codes gain control (and tonal components) for, when its last
/// coded subband lies in band `last_band`.
fn bands_coded(last_band: usize, gain: &[GainInfo; 4], tonal: &Tonal) -> usize {
    let gain_top = (0..4).rev().find(|&b| gain[b].num_points > 0).unwrap_or(0);
    last_band.max(gain_top).max(tonal.top_band().unwrap_or(0))
}

/// Bits of a unit outside its spectrum's selectors, scale factors and mantissas, when its
/// last coded subband lies in QMF band `b` (index of the array).
pub(crate) fn overhead_bits(
    q: &QuantTables,
    gain: &[GainInfo; 4],
    tonal: &Tonal,
    second_js: bool,
) -> [u32; 4] {
    let head = if second_js { 4 + 8 + 2 } else { 6 };
    let mut out = [0u32; 4];
    for (last_band, o) in out.iter_mut().enumerate() {
        let coded = bands_coded(last_band, gain, tonal);
        let gain_bits: u32 = gain[..=coded]
            .iter()
            .map(|g| 3 + 9 * g.num_points as u32)
            .sum();
        // Bands coded (2), gain control, tonal components, subband count (5), coding mode (1).
        *o = head + 2 + gain_bits + tonal.bits(q, coded) + 5 + 1;
    }
    out
}

/// Writes one unit with the allocation `alloc` (from the unit's own plan).
pub(crate) fn write_unit(
    w: &mut BitWriter<'_>,
    q: &QuantTables,
    side: Option<&JointSide>,
    unit: &UnitState,
    alloc: &Allocation,
) {
    let (gain, spectrum, sfs, tonal) = (&unit.gain, &unit.spectrum, &unit.sfs, &unit.tonal);
    match side {
        Some(s) => {
            w.write(1, u32::from(s.weighting.swap));
            w.write(3, u32::from(s.weighting.level));
            for &m in &s.matrix {
                w.write(2, u32::from(m));
            }
            w.write(2, JS_UNIT_ID);
        }
        None => w.write(6, UNIT_ID),
    }
    let last_band = usize::from(crate::atrac3::tables::SUBBAND_TAB[alloc.coded - 1]) / 256;
    let bands_coded = bands_coded(last_band, gain, tonal);
    w.write(2, bands_coded as u32);
    for g in &gain[..=bands_coded] {
        w.write(3, g.num_points as u32);
        for p in 0..g.num_points {
            w.write(4, u32::from(g.level[p]));
            w.write(5, u32::from(g.location[p]));
        }
    }
    tonal.write(w, q, bands_coded);
    w.write(5, alloc.coded as u32 - 1);
    w.write(1, u32::from(alloc.coding == super::quant::Coding::Clc));
    for &s in &alloc.selectors[..alloc.coded] {
        w.write(SELECTOR_BITS, u32::from(s));
    }
    for (i, &s) in alloc.selectors[..alloc.coded].iter().enumerate() {
        if s != 0 {
            w.write(SF_BITS, u32::from(sfs[i]));
        }
    }
    let mut mantissas = [0i8; 128];
    for (i, &s) in alloc.selectors[..alloc.coded].iter().enumerate() {
        if s == 0 {
            continue;
        }
        let x = &spectrum[bfu_range(i)];
        let m = &mut mantissas[..x.len()];
        q.quantise(x, sfs[i], usize::from(s), m);
        q.write_mantissas(w, m, usize::from(s), alloc.coding);
    }
}
