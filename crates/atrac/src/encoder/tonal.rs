//! Tonal components: a strong, narrow peak in a wide subband (a sustained pure tone, a
//! harmonic) forces the whole subband's scale factor up to the peak, so every line of it is
//! coded coarsely or expensively — and at low rates the subband flickers in and out from
//! frame to frame (warble). ATRAC3 can code such a peak apart: a few lines with their own scale
//! factor and position, added back onto the spectrum by the decoder. The encoder extracts the
//! candidates, codes the residual as usual, and keeps the components only when the whole
//! unit comes out better with them (the allocation is run both ways).

use super::bitwriter::BitWriter;
use super::quant::{BFUS, Coding, MAX_MANTISSA, MAX_QUANT, QuantTables, bfu_range};

/// Lines per 64-line block the positions are relative to.
const BLOCK: usize = 64;
/// The decoder's limits: components per frame, and per 64-line block (a 3-bit count).
const MAX_COMPONENTS: usize = 64;
const MAX_PER_BLOCK: usize = 7;
/// Subbands narrower than this gain nothing from a separate peak.
const MIN_BFU_LINES: usize = 16;
/// A peak: a line this many times more energetic than the mean of its subband's other lines
/// (15 dB).
const PEAK_RATIO: f32 = 32.0;
/// Peaks taken per subband.
const MAX_PER_BFU: usize = 3;

/// One coded component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Component {
    /// The first line.
    pub pos: u16,
    pub sf: u8,
    pub mantissas: [i8; 8],
}

/// The tonal components of one unit: one group (one length, one quantiser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tonal {
    /// Lines per component (1–8).
    pub values: usize,
    /// Table selector of the mantissas (2–7).
    pub quant: usize,
    pub coding: Coding,
    /// In order of position.
    pub components: Vec<Component>,
}

impl Tonal {
    pub fn none() -> Self {
        Self {
            values: 4,
            quant: 5,
            coding: Coding::Clc,
            components: Vec::new(),
        }
    }

    /// The highest QMF band holding a component.
    pub fn top_band(&self) -> Option<usize> {
        self.components.last().map(|c| usize::from(c.pos) / 256)
    }

    /// The bits of the tonal part of a unit with `bands_coded` + 1 bands.
    pub fn bits(&self, q: &QuantTables, bands_coded: usize) -> u32 {
        if self.components.is_empty() {
            return 5;
        }
        let mut flagged = [false; 4];
        let mut bits = 5 + 2 + (bands_coded as u32 + 1) + 3 + 3;
        for c in &self.components {
            flagged[usize::from(c.pos) / 256] = true;
            let n = self.values.min(1024 - usize::from(c.pos));
            let (vlc, clc) = q.mantissa_bits(&c.mantissas[..n], self.quant);
            bits += 12 + if self.coding == Coding::Vlc { vlc } else { clc };
        }
        bits + flagged.iter().filter(|&&f| f).count() as u32 * 4 * 3
    }

    /// Writes the tonal part of a unit (the decoder's `decode_tonal`).
    pub fn write(&self, w: &mut BitWriter<'_>, q: &QuantTables, bands_coded: usize) {
        if self.components.is_empty() {
            w.write(5, 0);
            return;
        }
        w.write(5, 1);
        w.write(2, u32::from(self.coding == Coding::Clc));
        let mut flagged = [false; 4];
        for c in &self.components {
            flagged[usize::from(c.pos) / 256] = true;
        }
        for &f in &flagged[..=bands_coded] {
            w.write(1, u32::from(f));
        }
        w.write(3, self.values as u32 - 1);
        w.write(3, self.quant as u32);
        for block in 0..(bands_coded + 1) * 4 {
            if !flagged[block / 4] {
                continue;
            }
            let here: Vec<&Component> = self
                .components
                .iter()
                .filter(|c| usize::from(c.pos) / BLOCK == block)
                .collect();
            w.write(3, here.len() as u32);
            for c in here {
                w.write(6, u32::from(c.sf));
                w.write(6, u32::from(c.pos) % BLOCK as u32);
                let n = self.values.min(1024 - usize::from(c.pos));
                q.write_mantissas(w, &c.mantissas[..n], self.quant, self.coding);
            }
        }
    }
}

/// Finds the peaks worth coding apart in `spectrum`, quantises them into `out` and subtracts
/// what the decoder will add back; returns false (and leaves both alone) when there are none.
pub(crate) fn extract(
    tables: &QuantTables,
    spectrum: &mut [f32],
    values: usize,
    quant: usize,
    out: &mut Tonal,
) -> bool {
    out.values = values;
    out.quant = quant;
    out.components.clear();
    let mut per_block = [0usize; 1024 / BLOCK];
    for i in 0..BFUS {
        let lines = bfu_range(i);
        if lines.len() < MIN_BFU_LINES {
            continue;
        }
        let total: f32 = spectrum[lines.clone()].iter().map(|x| x * x).sum();
        let mut taken = 0;
        let mut k = lines.start + 1;
        while k + 1 < lines.end && taken < MAX_PER_BFU && out.components.len() < MAX_COMPONENTS {
            let e = spectrum[k] * spectrum[k];
            let rest = (total - e) / (lines.len() - 1) as f32;
            let is_peak =
                e >= spectrum[k - 1] * spectrum[k - 1] && e > spectrum[k + 1] * spectrum[k + 1];
            if !is_peak || e <= PEAK_RATIO * rest.max(1e-12) {
                k += 1;
                continue;
            }
            // The window of `values` lines around the peak that holds the most energy.
            let lo = (k + 1).saturating_sub(values);
            let start = (lo..=k)
                .filter(|&s| s + values <= 1024)
                .max_by(|&a, &b| {
                    let ea: f32 = spectrum[a..a + values].iter().map(|x| x * x).sum();
                    let eb: f32 = spectrum[b..b + values].iter().map(|x| x * x).sum();
                    ea.total_cmp(&eb)
                })
                .unwrap_or(k);
            let block = start / BLOCK;
            if per_block[block] >= MAX_PER_BLOCK {
                k += 1;
                continue;
            }
            let lines = &mut spectrum[start..start + values];
            let peak = lines.iter().fold(0f32, |m, x| m.max(x.abs()));
            let sf = tables.scale_factor_for(peak);
            let step = tables.scale[usize::from(sf)] / MAX_QUANT[quant];
            let max = MAX_MANTISSA[quant] as f32;
            let mut mantissas = [0i8; 8];
            for (m, x) in mantissas.iter_mut().zip(lines.iter_mut()) {
                let v = (*x / step).round().clamp(-max, max);
                *m = v as i8;
                *x -= v * step;
            }
            out.components.push(Component {
                pos: start as u16,
                sf,
                mantissas,
            });
            per_block[block] += 1;
            taken += 1;
            k = start + values + 1;
        }
    }
    if out.components.is_empty() {
        return false;
    }
    out.components.sort_by_key(|c| c.pos);
    // Whichever coding is smaller.
    let (mut vlc, mut clc) = (0, 0);
    for c in &out.components {
        let n = values.min(1024 - usize::from(c.pos));
        let (v, f) = tables.mantissa_bits(&c.mantissas[..n], quant);
        vlc += v;
        clc += f;
    }
    out.coding = if vlc < clc { Coding::Vlc } else { Coding::Clc };
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "lines away from the peak are left exactly as they were"
    )]
    fn a_peak_in_a_wide_subband_is_extracted_and_subtracted() {
        let q = QuantTables::new();
        let mut spectrum = [0f32; 1024];
        for (k, v) in spectrum.iter_mut().enumerate() {
            *v = ((k * 37 % 11) as f32 - 5.0) * 2.0;
        }
        spectrum[600] = 5000.0;
        spectrum[601] = -2000.0;
        let before = spectrum;
        let mut t = Tonal::none();
        assert!(extract(&q, &mut spectrum, 4, 6, &mut t));
        assert_eq!(t.components.len(), 1);
        let c = t.components[0];
        assert!((598..=600).contains(&c.pos));
        // The residual of the peak is small; lines elsewhere are untouched.
        assert!(spectrum[600].abs() < 200.0, "{}", spectrum[600]);
        assert_eq!(spectrum[100], before[100]);
        // Narrow subbands are left to the regular coding.
        let mut low = [0f32; 1024];
        low[20] = 5000.0;
        assert!(!extract(&q, &mut low, 4, 6, &mut t));
    }
}
