//! From quantised values to subband signals: dequantisation with power compensation (noise
//! filling), stereo swapping and negation, and the per-subband IMDCT with its window shapes.

use super::tables::{
    MANT_TAB, NOISE_TAB, PWC_LEVS, QU_TO_SPEC_POS, SF_TAB, SUBBAND_TO_POWGRP, SUBBAND_TO_QU,
};
use super::unit::{POWER_COMP_OFF, UnitParams, UnitType};
use super::{FRAME_SAMPLES, SUBBAND_SAMPLES};
use crate::mdct::Imdct;

/// Dequantises the spectrum of every channel of `unit` into `out`, adds the power
/// compensation noise, and applies the stereo swap and negation flags.
pub(super) fn residual_spectrum(unit: &UnitParams, out: &mut [[f32; FRAME_SAMPLES]; 2]) {
    let nch = unit.num_channels();
    for o in out.iter_mut().take(nch) {
        o.fill(0.0);
    }
    if unit.mute {
        return;
    }
    // Each subband draws its noise from its own place in the table.
    let used = unit.used_quant_units;
    let [c0, c1] = &unit.channels;
    let rng: i32 = (0..used)
        .map(|qu| c0.qu_sf_idx[qu] + c1.qu_sf_idx[qu])
        .sum();
    for (ch, o) in out.iter_mut().enumerate().take(nch) {
        let chan = &unit.channels[ch];
        for qu in 0..used {
            let wl = chan.qu_wordlen[qu];
            if wl > 0 {
                let range = usize::from(QU_TO_SPEC_POS[qu])..usize::from(QU_TO_SPEC_POS[qu + 1]);
                let q = SF_TAB[sf_index(chan.qu_sf_idx[qu])] * MANT_TAB[wl as usize & 7];
                for (d, &s) in o[range.clone()].iter_mut().zip(&chan.spectrum[range]) {
                    *d = f32::from(s) * q;
                }
            }
        }
        for sb in 0..unit.num_coded_subbands {
            let rng_index = (rng + 128 * sb as i32) & 0x3FC;
            power_compensation(unit, ch, o, rng_index as usize, sb);
        }
    }
    if unit.unit_type == UnitType::Stereo {
        let [left, right] = out;
        for sb in 0..unit.num_coded_subbands {
            let range = sb * SUBBAND_SAMPLES..(sb + 1) * SUBBAND_SAMPLES;
            if unit.swap_channels[sb] {
                left[range.clone()].swap_with_slice(&mut right[range.clone()]);
            }
            if unit.negate_coeffs[sb] {
                for v in &mut right[range] {
                    *v = -*v;
                }
            }
        }
    }
}

fn sf_index(v: i32) -> usize {
    (v & 63) as usize
}

/// Adds noise to the coded quant units of subband `sb` of channel `ch`, at a level set by
/// the (possibly swapped) channel's power level and gain control, to fill spectral holes.
fn power_compensation(
    unit: &UnitParams,
    ch: usize,
    sp: &mut [f32; FRAME_SAMPLES],
    rng_index: usize,
    sb: usize,
) {
    let swap = unit.unit_type == UnitType::Stereo && unit.swap_channels[sb];
    let src = &unit.channels[ch ^ usize::from(swap)];
    let level = src.power_levs[usize::from(SUBBAND_TO_POWGRP[sb])];
    if level == POWER_COMP_OFF {
        return;
    }
    let mut noise = [0f32; SUBBAND_SAMPLES];
    for (i, n) in noise.iter_mut().enumerate() {
        *n = NOISE_TAB[(rng_index + i) & 0x3FF];
    }
    // Less noise where gain control attenuated the signal.
    let (g1, g2) = (&src.gain[unit.cur][sb], &src.gain[unit.prev()][sb]);
    let lev = |g: &crate::gain::GainInfo, i: usize| i32::from(g.level[i]);
    let gain_lev = if g1.num_points > 0 { 6 - lev(g1, 0) } else { 0 };
    let mut gcv = 0;
    for i in 0..g2.num_points {
        gcv = gcv.max(gain_lev - (lev(g2, i) - 6));
    }
    for i in 0..g1.num_points {
        gcv = gcv.max(6 - lev(g1, i));
    }
    let grp_lev = PWC_LEVS[usize::from(level & 15)] / (1u32 << gcv.clamp(0, 31)) as f32;
    let chan = &unit.channels[ch];
    // The lowest two quant units (0…351 Hz) of subband 0 are left alone.
    let first = usize::from(SUBBAND_TO_QU[sb]) + if sb == 0 { 2 } else { 0 };
    for qu in first..usize::from(SUBBAND_TO_QU[sb + 1]) {
        let wl = chan.qu_wordlen[qu];
        if wl <= 0 {
            continue;
        }
        let wl = wl as usize & 7;
        let qu_lev =
            SF_TAB[sf_index(chan.qu_sf_idx[qu])] * MANT_TAB[wl] / (1u32 << wl) as f32 * grp_lev;
        let start = usize::from(QU_TO_SPEC_POS[qu]);
        let end = usize::from(QU_TO_SPEC_POS[qu + 1]);
        for (d, &n) in sp[start..end].iter_mut().zip(&noise) {
            *d += n * qu_lev;
        }
    }
}

/// The IMDCT windows: the 256-point sine window, and the steep one (zeros for 32 samples,
/// a 64-point sine slope, then ones) for transients. `wind_id` bit 1: the first half steep,
/// bit 0: the second.
pub(super) struct Windows {
    sine_128: [f32; 128],
    sine_64: [f32; 64],
}

impl Windows {
    pub fn new() -> Self {
        // sin((i + ½) · π / 2n), as the reference computes it: the angle rounded to float.
        fn sine<const N: usize>() -> [f32; N] {
            let mut w = [0f32; N];
            for (i, v) in w.iter_mut().enumerate() {
                let angle = (i as f64 + 0.5) * (std::f64::consts::PI / (2.0 * N as f64));
                *v = (angle as f32).sin();
            }
            w
        }
        Self {
            sine_128: sine(),
            sine_64: sine(),
        }
    }

    /// Inverse transform of one subband's 128 lines into 256 windowed samples. Odd subbands
    /// come out of the filter bank spectrally inverted, so their lines are reversed first.
    pub fn imdct(
        &self,
        imdct: &mut Imdct,
        spectrum: &[f32],
        sb: usize,
        wind_id: usize,
        out: &mut [f32; 2 * SUBBAND_SAMPLES],
    ) {
        let mut lines = [0f32; SUBBAND_SAMPLES];
        lines.copy_from_slice(&spectrum[..SUBBAND_SAMPLES]);
        if sb & 1 == 1 {
            lines.reverse();
        }
        imdct.full(&lines, out);
        let (first, second) = out.split_at_mut(SUBBAND_SAMPLES);
        if wind_id & 2 != 0 {
            first[..32].fill(0.0);
            for (v, &w) in first[32..96].iter_mut().zip(&self.sine_64) {
                *v *= w;
            }
        } else {
            for (v, &w) in first.iter_mut().zip(&self.sine_128) {
                *v *= w;
            }
        }
        if wind_id & 1 != 0 {
            for (v, &w) in second[32..96].iter_mut().zip(self.sine_64.iter().rev()) {
                *v *= w;
            }
            second[96..].fill(0.0);
        } else {
            for (v, &w) in second.iter_mut().zip(self.sine_128.iter().rev()) {
                *v *= w;
            }
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
    use crate::atrac3plus::unit::UnitType;

    #[test]
    fn dequantisation_is_value_times_scale_factor_times_step() {
        let mut u = UnitParams::new(UnitType::Mono);
        u.used_quant_units = 1;
        u.num_coded_subbands = 1;
        u.channels[0].qu_wordlen[0] = 3;
        u.channels[0].qu_sf_idx[0] = 20;
        u.channels[0].spectrum[5] = -2;
        let mut out = [[1f32; FRAME_SAMPLES]; 2];
        residual_spectrum(&u, &mut out);
        assert_eq!(out[0][5], -2.0 * (SF_TAB[20] * MANT_TAB[3]));
        assert_eq!(out[0][4], 0.0);
        u.mute = true;
        residual_spectrum(&u, &mut out);
        assert!(out[0].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn power_compensation_adds_noise_to_coded_units_only() {
        let mut u = UnitParams::new(UnitType::Mono);
        u.used_quant_units = 4;
        u.num_coded_subbands = 1;
        for qu in 0..4 {
            u.channels[0].qu_wordlen[qu] = 1;
            u.channels[0].qu_sf_idx[qu] = 30;
        }
        u.channels[0].qu_wordlen[3] = 0;
        u.channels[0].power_levs[0] = 3;
        let mut out = [[0f32; FRAME_SAMPLES]; 2];
        residual_spectrum(&u, &mut out);
        // Units 0 and 1 (the lowest frequencies) and 3 (not coded) stay silent.
        assert!(out[0][..32].iter().all(|&v| v == 0.0));
        assert!(out[0][32..48].iter().all(|&v| v != 0.0));
        assert!(out[0][48..].iter().all(|&v| v == 0.0));
        let rng = (4 * 30) & 0x3FC;
        let want = NOISE_TAB[rng] * (SF_TAB[30] * MANT_TAB[1] / 2.0 * PWC_LEVS[3]);
        assert_eq!(out[0][32], want);
    }

    #[test]
    fn stereo_flags_swap_and_negate_subbands() {
        let mut u = UnitParams::new(UnitType::Stereo);
        u.used_quant_units = 1;
        u.num_coded_subbands = 1;
        u.channels[0].qu_wordlen[0] = 1;
        u.channels[0].spectrum[0] = 1;
        u.swap_channels[0] = true;
        u.negate_coeffs[0] = true;
        let mut out = [[0f32; FRAME_SAMPLES]; 2];
        residual_spectrum(&u, &mut out);
        assert_eq!(out[0][0], 0.0);
        assert!(out[1][0] < 0.0);
    }

    #[test]
    fn window_shapes() {
        let w = Windows::new();
        let mut imdct = Imdct::new(256, -1.0);
        let mut spec = [0f32; 128];
        spec[3] = 1.0;
        let mut plain = [0f32; 256];
        let mut steep = [0f32; 256];
        let mut raw = [0f32; 256];
        imdct.full(&spec, &mut raw);
        w.imdct(&mut imdct, &spec, 0, 0, &mut plain);
        w.imdct(&mut imdct, &spec, 0, 3, &mut steep);
        assert_eq!(plain[10], raw[10] * w.sine_128[10]);
        assert_eq!(plain[250], raw[250] * w.sine_128[5]);
        assert!(steep[..32].iter().all(|&v| v == 0.0));
        assert_eq!(steep[40], raw[40] * w.sine_64[8]);
        assert_eq!(steep[100], raw[100]);
        assert_eq!(steep[130], raw[130]);
        assert_eq!(steep[200], raw[200] * w.sine_64[63 - 40]);
        assert!(steep[224..].iter().all(|&v| v == 0.0));
        // Odd subbands are reversed.
        let mut odd = [0f32; 256];
        let mut rev = spec;
        rev.reverse();
        w.imdct(&mut imdct, &rev, 1, 0, &mut odd);
        assert_eq!(odd, plain);
        // Sine windows overlap-add to one: w(i)² + w(127 − i)²… the sine window is power
        // complementary with its mirror.
        for i in 0..128 {
            let s = w.sine_128[i].powi(2) + w.sine_128[127 - i].powi(2);
            assert!((s - 1.0).abs() < 1e-6);
        }
    }
}
