//! The psychoacoustic model: per sound unit, how much quantisation noise each BFU can hold
//! unheard. Each BFU's energy masks its neighbours through the spreading function across the
//! critical bands (the ATRAC3 encoder's, on the centres of the BFUs), as far as they overlap
//! in time — a short block masks only its own part of the frame, and at most a little more
//! than the block before it (pre-echo). A tonal masker hides less than a noise-like one;
//! nothing is masked below the threshold in quiet. [`weights`] turns
//! the thresholds into the allocation's noise weights.

use super::bfus::{BFUS, BlockModes, band_of, lines, place};
use crate::encoder::psy::{
    NOISE_MASKS_TONE_DB, TONE_MASKS_NOISE_DB, TONE_MASKS_NOISE_PER_BARK, bark,
    hearing_threshold_db, spreading_db,
};

/// Each band's frequency range in Hz (the middle and high bands' lines are stored in
/// increasing frequency).
const BAND_HZ: [(f32, f32); 3] = [(0.0, 5_512.5), (5_512.5, 11_025.0), (11_025.0, 22_050.0)];
/// The level (dB SPL) a full-scale sine is taken to play at: where the threshold in quiet
/// lies. Set high, the threshold in quiet keeps only what lies far below audibility out:
/// quiet high bands that a listener at a higher volume would miss stay coded (`ViSQOL` on the
/// tuning clips: 4.25 at 90 dB, 4.38 at 100, 4.53 at 120, 4.64 at 160).
const FULL_SCALE_SPL: f32 = 160.0;
/// Spreading beyond this distance (Bark) is ignored.
const SPREAD_REACH: f32 = 8.0;
/// Line energies this far (dB) below the unit's loudest are masked whatever the model says:
/// the dynamic range a listener follows within one frame. Without it, the spectral leakage of
/// a pure tone far from it (where neither the spreading nor the threshold in quiet reaches)
/// takes the bits the tone needs (a 1 kHz sine: 35 dB SNR with a floor at 90 dB, 53 at 70,
/// 63 at 60 — where `ViSQOL` on music starts to drop).
const LOUDNESS_FLOOR_DB: f32 = 70.0;
/// Noise below the input's own 16-bit rounding (per line, at the input's scale: a frame of
/// white noise of one twelfth of a squared step) is masked too.
const PCM_FLOOR: f32 = 1.0 / (32_768.0 * 32_768.0 * 12.0);
/// Pre-echo control: a short block may hide at most this many times the noise the block
/// before it hides (castanets: −41 dB of pre-echo without the limit, −45 with it, the input's
/// own floor −46).
const PRE_ECHO_LIMIT: f32 = 8.0;
/// Lines around a BFU that its tonality is judged on, at least.
const TONAL_WINDOW: usize = 16;
/// The allocation's weights: γ, the exponent of the masking threshold, and β, that of the
/// BFU's own energy (see [`weights`]). Tuned on clips with `ViSQOL`, which hardly moves for γ
/// from 0.2 to 0.6 (γ + β = 1); the plain noise-to-mask ratio (γ = 1) scores 0.04 lower,
/// the plain squared error (γ = β = 0) 0.35 lower.
const MASK_EXPONENT: f32 = 0.3;
const ENERGY_EXPONENT: f32 = 0.7;

/// Line energy to the energy of the same signal at the input, per band and block size: the
/// MDCT's scale (`(32768 · 4/N)²` times `N/4` lines per sample) and the QMF's decimation.
fn energy_scale(band: usize, short: bool) -> f32 {
    let n = match (band, short) {
        (_, true) => 64.0,
        (2, false) => 512.0,
        _ => 256.0,
    };
    let decimation = if band == 2 { 2.0 } else { 4.0 };
    n / 4.0 * decimation / (32_768.0 * 32_768.0)
}

/// Tables of the model, for long (index 0) and short (1) blocks.
pub(super) struct PsyModel {
    /// Bark of each BFU's centre, and its width in Bark (at most 1).
    bark: [[f32; BFUS]; 2],
    width: [[f32; BFUS]; 2],
    /// The threshold in quiet of each BFU's noise over the whole frame.
    quiet: [[f32; BFUS]; 2],
    /// `spread[si][sj][i][j]`: the masking from BFU `j` at BFU `i`, as a power ratio.
    spread: Vec<f32>,
}

impl PsyModel {
    pub fn new() -> Self {
        let mut bark_of = [[0f32; BFUS]; 2];
        let mut width = [[0f32; BFUS]; 2];
        let mut quiet = [[0f32; BFUS]; 2];
        for s in 0..2 {
            for i in 0..BFUS {
                let p = place(i, s == 1);
                let (lo, hi) = BAND_HZ[band_of(i)];
                let line_hz = (hi - lo) / p.block_lines as f32;
                let count = lines(i, &[0; 3]).len() as f32;
                let f0 = lo + p.first_line as f32 * line_hz;
                let f1 = f0 + count * line_hz;
                bark_of[s][i] = bark(0.5 * (f0 + f1));
                width[s][i] = (bark(f1) - bark(f0)).min(1.0);
                // The quietest point of the BFU decides; a full-scale sine carries an
                // energy of 256 over a frame.
                let db = (0..=4)
                    .map(|k| hearing_threshold_db(f0 + (f1 - f0) * k as f32 / 4.0))
                    .fold(f32::INFINITY, f32::min);
                quiet[s][i] = 256.0 * 10f32.powf((db - FULL_SCALE_SPL) / 10.0);
            }
        }
        let mut spread = vec![0f32; 4 * BFUS * BFUS];
        for si in 0..2 {
            for sj in 0..2 {
                for i in 0..BFUS {
                    for j in 0..BFUS {
                        let dz = bark_of[si][i] - bark_of[sj][j];
                        if dz.abs() <= SPREAD_REACH {
                            spread[((si * 2 + sj) * BFUS + i) * BFUS + j] =
                                10f32.powf(spreading_db(dz) / 10.0);
                        }
                    }
                }
            }
        }
        Self {
            bark: bark_of,
            width,
            quiet,
            spread,
        }
    }

    /// The noise energy (in the spectrum's units) each BFU of `spectrum` can hold unheard,
    /// and each BFU's energy (same units).
    pub fn thresholds(
        &self,
        spectrum: &[f32; 512],
        modes: &BlockModes,
        masks: &mut [f32; BFUS],
        energies: &mut [f32; BFUS],
    ) {
        let short = |i: usize| usize::from(modes[band_of(i)] != 0);
        // Per BFU: its energy at the input's scale, the time span it covers (in frames), and
        // how much noise it hides relative to its energy.
        let mut energy = [0f32; BFUS];
        let mut span = [(0f32, 1f32); BFUS];
        let mut hides = [0f32; BFUS];
        for i in 0..BFUS {
            let is_short = short(i);
            let range = lines(i, modes);
            energies[i] = spectrum[range.clone()].iter().map(|x| x * x).sum();
            energy[i] = energies[i] * energy_scale(band_of(i), is_short == 1);
            let at = place(i, is_short == 1);
            span[i] = (
                at.block as f32 / at.blocks as f32,
                (at.block + 1) as f32 / at.blocks as f32,
            );
            // Tonality from the peak-to-average ratio of the lines around the BFU, in its
            // own block (short blocks are taken as noise).
            let alpha = if is_short == 1 {
                0.0
            } else {
                let block_start = range.start - at.first_line;
                let grow = TONAL_WINDOW.saturating_sub(range.len()) / 2;
                let from = range.start.saturating_sub(grow).max(block_start);
                let to = (range.end + grow).min(block_start + at.block_lines);
                tonality(&spectrum[from..to])
            };
            let smr_db = alpha
                * (TONE_MASKS_NOISE_DB + TONE_MASKS_NOISE_PER_BARK * self.bark[is_short][i])
                + (1.0 - alpha) * NOISE_MASKS_TONE_DB;
            hides[i] = 10f32.powf(-smr_db / 10.0);
        }
        // The loudest line at the input's scale, per line of a long block.
        let loudest = (0..BFUS)
            .map(|i| {
                let s = short(i) == 1;
                let count = lines(i, modes).len() as f32;
                // A short block's lines stand for a fraction of the frame.
                let blocks = place(i, s).blocks as f32;
                energy[i] / count * blocks
            })
            .fold(0f32, f32::max);
        let per_line_floor = (loudest * 10f32.powf(-LOUDNESS_FLOOR_DB / 10.0)).max(PCM_FLOOR);
        for i in 0..BFUS {
            let si = short(i);
            let (a0, a1) = span[i];
            let mut masking = 0f32;
            for j in 0..BFUS {
                let (b0, b1) = span[j];
                let overlap = a1.min(b1) - a0.max(b0);
                if overlap <= 0.0 || energy[j] == 0.0 {
                    continue;
                }
                let w = self.spread[((si * 2 + short(j)) * BFUS + i) * BFUS + j];
                masking += energy[j] * overlap / (b1 - b0) * w * hides[j];
            }
            let count = lines(i, modes).len() as f32;
            let threshold = (masking * self.width[si][i])
                .max(self.quiet[si][i] * (a1 - a0))
                .max(per_line_floor * count * (a1 - a0));
            masks[i] = (threshold / energy_scale(band_of(i), si == 1)).max(1e-9);
        }
        // Pre-echo: a short block's noise spreads over its window, into the block before it;
        // an attack may hide only so much more than that block does. The same lines of the
        // previous block are the BFU before (the short layout counts blocks fastest).
        for i in 1..BFUS {
            if short(i) == 1 && place(i, true).block > 0 {
                masks[i] = masks[i].min(PRE_ECHO_LIMIT * masks[i - 1]);
            }
        }
    }
}

/// How tonal `x` is, 0 (noise) to 1 (a pure tone), from its peak-to-average ratio.
fn tonality(x: &[f32]) -> f32 {
    let (mut sum, mut peak) = (0f32, 0f32);
    for &v in x {
        let e = v * v;
        sum += e;
        peak = peak.max(e);
    }
    if sum <= 0.0 {
        return 0.0;
    }
    let n = x.len() as f32;
    // About 2 ln n for noise, n/2 or more for a tone.
    let ratio_db = 10.0 * (peak * n / sum).log10();
    let tone_db = 10.0 * n.log10() - 3.0;
    ((ratio_db - 6.0) / (tone_db - 6.0).max(1.0)).clamp(0.0, 1.0)
}

/// The allocation's noise weights: it divides each BFU's squared error by
/// `mask^γ · max(energy, mask)^β` — γ = 1, β = 0 is the plain noise-to-mask ratio; β > 0 also
/// keeps every BFU's own level, which the ear follows in quiet passages — or by the masks
/// alone in a unit with short blocks, where the masking model has to hold back pre-echo.
pub(super) fn weights(
    masks: &[f32; BFUS],
    energies: &[f32; BFUS],
    transient: bool,
    out: &mut [f32; BFUS],
) {
    let (gamma, beta) = if transient {
        (1.0, 0.0)
    } else {
        (MASK_EXPONENT, ENERGY_EXPONENT)
    };
    for ((o, &m), &e) in out.iter_mut().zip(masks).zip(energies) {
        *o = (m.powf(gamma) * e.max(m).powf(beta)).max(1e-9);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_masks_less_than_noise_and_silence_leaves_the_quiet_threshold() {
        let psy = PsyModel::new();
        let long = [0; 3];
        let mut tone = [0f32; 512];
        tone[40] = 20_000.0;
        let mut noise = [0f32; 512];
        let mut seed = 3u32;
        for x in &mut noise[32..48] {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = ((seed >> 8) as f32 / (1 << 24) as f32 - 0.5) * 10_000.0;
        }
        let energy = |v: &[f32; 512]| v.iter().map(|x| x * x).sum::<f32>();
        let gain = (20_000f32 * 20_000.0 / energy(&noise)).sqrt();
        for x in &mut noise {
            *x *= gain;
        }
        let mut energies = [0f32; BFUS];
        let (mut by_tone, mut by_noise) = ([0f32; BFUS], [0f32; BFUS]);
        psy.thresholds(&tone, &long, &mut by_tone, &mut energies);
        psy.thresholds(&noise, &long, &mut by_noise, &mut energies);
        assert!(
            by_noise[5] > 4.0 * by_tone[5],
            "tone {} noise {}",
            by_tone[5],
            by_noise[5]
        );
        let mut quiet = [0f32; BFUS];
        psy.thresholds(&[0.0; 512], &long, &mut quiet, &mut energies);
        // Lowest around 3 kHz, far higher at the top of the spectrum.
        let per_line = |i: usize| quiet[i] / lines(i, &long).len() as f32;
        assert!(per_line(51) > 100.0 * per_line(16));
    }

    #[test]
    fn a_short_block_masks_only_its_own_time() {
        let psy = PsyModel::new();
        let short = [2, 2, 3];
        let mut spectrum = [0f32; 512];
        // A loud first block in the low band (BFU 0 lies in block 0, BFU 1 in block 1).
        for x in &mut spectrum[0..8] {
            *x = 5_000.0;
        }
        let (mut masks, mut energies) = ([0f32; BFUS], [0f32; BFUS]);
        psy.thresholds(&spectrum, &short, &mut masks, &mut energies);
        assert!(masks[0] > 1000.0 * masks[1], "{} {}", masks[0], masks[1]);
    }
}
