//! Quantisation of the spectrum: per subband (BFU) a scale factor and a table selector, the
//! mantissas, and what they cost in bits in either coding mode. Values decode as
//! `mantissa · 2^((sf − 15)/3) / (max + ½)`, `max` the selector's largest magnitude.

use crate::atrac3::tables::{CLC_LENGTH, HUFF_BITS, HUFF_CODES, MANTISSA_VLC, SUBBAND_TAB};
use crate::qmf::scale_factors;

/// Adding and removing 1.5 · 2^23 rounds to the nearest integer (ties to even) without the
/// libm call `round` costs on baseline x86-64; exact for |t| < 2^22.
const MAGIC: f32 = 12_582_912.0;

/// Subbands of the spectrum.
pub(crate) const BFUS: usize = 32;
/// Table selectors 0 (not coded) to 7.
pub(crate) const SELECTORS: usize = 8;
/// Bits of a coded subband's scale factor.
pub(crate) const SF_BITS: u32 = 6;
/// Bits of a subband's table selector.
pub(crate) const SELECTOR_BITS: u32 = 3;

/// The largest mantissa magnitude per selector (selector 1 codes −1…1 although its
/// fixed-length code could hold −2).
pub(crate) const MAX_MANTISSA: [i32; SELECTORS] = [0, 1, 2, 3, 4, 7, 15, 31];
/// `max + ½` per selector: the mantissa a value equal to its scale factor maps to.
pub(crate) const MAX_QUANT: [f32; SELECTORS] = [0.0, 1.5, 2.5, 3.5, 4.5, 7.5, 15.5, 31.5];

/// The lines of subband `i`.
#[inline]
pub(crate) fn bfu_range(i: usize) -> std::ops::Range<usize> {
    usize::from(SUBBAND_TAB[i])..usize::from(SUBBAND_TAB[i + 1])
}

/// The two ways a unit's mantissas can be coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// Huffman (variable-length) codes.
    Vlc,
    /// Fixed-length codes.
    Clc,
}

/// Scale factors, and the code of every mantissa in both modes.
pub(crate) struct QuantTables {
    pub scale: [f32; 64],
    /// `(code, length)` of value `v` at index `v + 31` for selectors 2–7 (Huffman).
    vlc: [[(u8, u8); 63]; SELECTORS],
    /// Huffman symbol of the pair (a, b) ∈ {−1, 0, 1}² at `3(a + 1) + (b + 1)`.
    pair_symbol: [u8; 9],
}

impl QuantTables {
    pub fn new() -> Self {
        let mut vlc = [[(0u8, 0u8); 63]; SELECTORS];
        for (sel, table) in vlc.iter_mut().enumerate().skip(2) {
            let max = MAX_MANTISSA[sel];
            for v in -max..=max {
                let symbol = if v > 0 { 2 * v - 1 } else { -2 * v } as usize;
                table[(v + 31) as usize] =
                    (HUFF_CODES[sel - 1][symbol], HUFF_BITS[sel - 1][symbol]);
            }
        }
        let mut pair_symbol = [0u8; 9];
        for (symbol, &[a, b]) in MANTISSA_VLC.iter().enumerate() {
            pair_symbol[(3 * (i32::from(a) + 1) + i32::from(b) + 1) as usize] = symbol as u8;
        }
        Self {
            scale: scale_factors(),
            vlc,
            pair_symbol,
        }
    }

    /// The smallest scale factor at least `peak` (63 for anything larger).
    pub fn scale_factor_for(&self, peak: f32) -> u8 {
        // 2^((sf − 15)/3) ≥ peak ⇔ sf ≥ 15 + 3·log₂(peak); the table check absorbs rounding.
        if peak.is_nan() || peak <= 0.0 {
            return 0;
        }
        let guess = (15.0 + 3.0 * peak.log2()).ceil().clamp(0.0, 63.0) as usize;
        let mut sf = guess.saturating_sub(1);
        while sf < 63 && self.scale[sf] < peak {
            sf += 1;
        }
        sf as u8
    }

    /// Quantises `x` with scale factor `sf` and selector `sel ≥ 1` into `out`; returns the
    /// squared error and the mantissa bits in both modes.
    #[inline]
    pub fn quantise(&self, x: &[f32], sf: u8, sel: usize, out: &mut [i8]) -> (f32, u32, u32) {
        let step = self.scale[usize::from(sf)] / MAX_QUANT[sel];
        let inv = 1.0 / step;
        let max = MAX_MANTISSA[sel] as f32;
        let mut err = 0f32;
        for (o, &v) in out.iter_mut().zip(x) {
            let t = (v * inv).clamp(-max - 0.5, max + 0.5);
            let q = ((t + MAGIC) - MAGIC).clamp(-max, max);
            let e = v - q * step;
            err += e * e;
            *o = q as i8;
        }
        let (vlc, clc) = self.mantissa_bits(&out[..x.len()], sel);
        (err, vlc, clc)
    }

    /// What [`quantise`](Self::quantise) would give, without the mantissas: the squared
    /// error and the bits in both modes.
    #[inline]
    pub fn cost(&self, x: &[f32], sf: u8, sel: usize) -> (f32, u32, u32) {
        if sel == 1 {
            // Pairs: the Huffman code depends on both values.
            let mut m = [0i8; 128];
            return self.quantise(x, sf, sel, &mut m[..x.len()]);
        }
        let step = self.scale[usize::from(sf)] / MAX_QUANT[sel];
        let inv = 1.0 / step;
        let max = MAX_MANTISSA[sel] as f32;
        let table = &self.vlc[sel];
        let (mut err, mut vlc) = (0f32, 0u32);
        for &v in x {
            let t = (v * inv).clamp(-max - 0.5, max + 0.5);
            let q = ((t + MAGIC) - MAGIC).clamp(-max, max);
            let e = v - q * step;
            err += e * e;
            vlc += u32::from(table[(q as i32 + 31) as usize].1);
        }
        (err, vlc, CLC_LENGTH[sel] * x.len() as u32)
    }

    /// The bits of `mantissas` under selector `sel` in Huffman and in fixed-length coding.
    #[inline]
    pub fn mantissa_bits(&self, mantissas: &[i8], sel: usize) -> (u32, u32) {
        if sel == 1 {
            let mut vlc = 0;
            for pair in mantissas.chunks_exact(2) {
                let symbol = self.pair_symbol
                    [(3 * (i32::from(pair[0]) + 1) + i32::from(pair[1]) + 1) as usize];
                vlc += u32::from(HUFF_BITS[0][usize::from(symbol)]);
            }
            (vlc, CLC_LENGTH[1] * (mantissas.len() / 2) as u32)
        } else {
            let table = &self.vlc[sel];
            let vlc = mantissas
                .iter()
                .map(|&m| u32::from(table[(i32::from(m) + 31) as usize].1))
                .sum();
            (vlc, CLC_LENGTH[sel] * mantissas.len() as u32)
        }
    }

    /// Writes `mantissas` under selector `sel` in `coding`.
    pub fn write_mantissas(
        &self,
        w: &mut super::bitwriter::BitWriter<'_>,
        mantissas: &[i8],
        sel: usize,
        coding: Coding,
    ) {
        match (sel, coding) {
            (1, Coding::Clc) => {
                // Two bits per value: 0, 1, −2, −1.
                for pair in mantissas.chunks_exact(2) {
                    let code = |m: i8| (i32::from(m) & 3) as u32;
                    w.write(4, (code(pair[0]) << 2) | code(pair[1]));
                }
            }
            (1, Coding::Vlc) => {
                for pair in mantissas.chunks_exact(2) {
                    let symbol = usize::from(
                        self.pair_symbol
                            [(3 * (i32::from(pair[0]) + 1) + i32::from(pair[1]) + 1) as usize],
                    );
                    w.write(
                        u32::from(HUFF_BITS[0][symbol]),
                        u32::from(HUFF_CODES[0][symbol]),
                    );
                }
            }
            (_, Coding::Clc) => {
                for &m in mantissas {
                    w.write_signed(CLC_LENGTH[sel], i32::from(m));
                }
            }
            (_, Coding::Vlc) => {
                let table = &self.vlc[sel];
                for &m in mantissas {
                    let (code, len) = table[(i32::from(m) + 31) as usize];
                    w.write(u32::from(len), u32::from(code));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_factors_cover_the_peak_tightly() {
        let t = QuantTables::new();
        for peak in [
            1e-6f32,
            0.03,
            1.0,
            1.26,
            1.259_921_1,
            1000.0,
            30000.0,
            65536.0,
        ] {
            let sf = t.scale_factor_for(peak);
            assert!(t.scale[usize::from(sf)] >= peak || sf == 63, "{peak}");
            assert!(sf == 0 || t.scale[usize::from(sf) - 1] < peak, "{peak}");
        }
        assert_eq!(t.scale_factor_for(1e9), 63);
        assert_eq!(t.scale_factor_for(0.0), 0);
        assert_eq!(t.scale_factor_for(f32::NAN), 0);
    }

    #[test]
    fn every_value_has_a_code() {
        let t = QuantTables::new();
        for (sel, &max) in MAX_MANTISSA.iter().enumerate().skip(2) {
            for v in -max..=max {
                assert!(
                    t.vlc[sel][(v + 31) as usize].1 > 0,
                    "selector {sel} value {v}"
                );
            }
        }
    }
}
