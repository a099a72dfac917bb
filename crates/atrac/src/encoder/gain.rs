//! Gain control: an attack after a quiet stretch would spread the quantisation noise of the
//! whole MDCT window (two blocks) over the quiet part before it — pre-echo. Per band and
//! frame, the encoder finds such an attack in the new block and describes a gain curve: before
//! the attack, the decoder multiplies by 2^(4 − level) < 1, ramping back to 1 over 8 samples
//! just before the attack. The encoder divides the band signal by the same curve (and the
//! previous block by its first level, as the decoder scales that half too), so the quiet part
//! is coded loud and its noise comes out attenuated.

use super::analysis::BAND;
use crate::gain::GainInfo;

/// Samples per gain location step.
const STEP: usize = 8;
/// Location steps per block.
const SEGMENTS: usize = BAND / STEP;
/// The level with gain 1.
const UNITY: u8 = 4;
/// An attack: a segment this many times more energetic than everything before it in the
/// window (12 dB).
const ATTACK_RATIO: f32 = 16.0;
/// Quieter than this (energy per sample, full scale 1) nothing is worth protecting.
const FLOOR: f32 = 1e-9;
/// The largest amplification used (2^8): more only costs scale-factor range.
const MAX_BOOST_LEVELS: u8 = 8;

/// Per band: the segment energies of the previous block.
#[derive(Clone)]
pub(crate) struct GainDetector {
    prev: [[f32; SEGMENTS]; 4],
}

impl GainDetector {
    pub fn new() -> Self {
        Self {
            prev: [[0.0; SEGMENTS]; 4],
        }
    }

    /// The gain curve of band `band`'s new block `x` (256 samples).
    pub fn detect(&mut self, band: usize, x: &[f32]) -> GainInfo {
        let mut seg = [0f32; SEGMENTS];
        for (e, chunk) in seg.iter_mut().zip(x.chunks_exact(STEP)) {
            *e = chunk.iter().map(|v| v * v).sum::<f32>() / STEP as f32;
        }
        let mut before = self.prev[band].iter().fold(0f32, |m, &e| m.max(e));
        let mut info = GainInfo::default();
        for (p, &e) in seg.iter().enumerate() {
            if p > 0 && e > FLOOR && e > ATTACK_RATIO * before.max(FLOOR) {
                // The band filters ring ahead of the attack: the ramp goes just before the
                // segment where the attack reaches an eighth of its peak.
                let peak = seg[p..].iter().fold(0f32, |m, &x| m.max(x));
                let onset = (p..SEGMENTS).find(|&q| seg[q] * 8.0 >= peak).unwrap_or(p);
                // Amplitude ratio in powers of two, kept below the attack itself.
                let boost = ((peak / before.max(FLOOR)).log2() * 0.5)
                    .floor()
                    .clamp(1.0, f32::from(MAX_BOOST_LEVELS));
                info.num_points = 1;
                info.level[0] = UNITY + boost as u8;
                // The ramp (8 samples from location · 8) ends where that segment starts.
                info.location[0] = (onset - 1) as u8;
                break;
            }
            before = before.max(e);
        }
        self.prev[band] = seg;
        info
    }
}

/// The decoder's gain curve over one block for `info` (see `crate::gain`), sample by sample.
pub(crate) fn curve(info: &GainInfo, out: &mut [f32; BAND]) {
    let level = |l: u8| 2f32.powi(i32::from(UNITY) - i32::from(l & 15));
    out.fill(1.0);
    let mut pos = 0;
    for i in 0..info.num_points.min(8) {
        let end = (usize::from(info.location[i]) * STEP).min(BAND);
        let mut lev = level(info.level[i]);
        let next = if i + 1 < info.num_points {
            i32::from(info.level[i + 1])
        } else {
            i32::from(UNITY)
        };
        let delta = (next - i32::from(info.level[i])).clamp(-15, 15);
        let inc = 2f32.powf(-(delta as f32) / STEP as f32);
        while pos < end {
            out[pos] = lev;
            pos += 1;
        }
        let ramp_end = (end + STEP).min(BAND);
        while pos < ramp_end {
            out[pos] = lev;
            lev *= inc;
            pos += 1;
        }
    }
}

/// The factor the decoder applies to the previous block's half of this frame's window: the
/// first level's gain, or 1 without gain points.
pub(crate) fn first_level_gain(info: &GainInfo) -> f32 {
    if info.num_points > 0 {
        2f32.powi(i32::from(UNITY) - i32::from(info.level[0] & 15))
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gain::GainTables;

    #[test]
    fn an_attack_after_silence_gets_one_point_before_it() {
        let mut d = GainDetector::new();
        let quiet = [0.001f32; BAND];
        assert_eq!(d.detect(0, &quiet).num_points, 0);
        let mut x = [0.001f32; BAND];
        for v in &mut x[120..] {
            *v = 0.5;
        }
        let g = d.detect(0, &x);
        assert_eq!(g.num_points, 1);
        assert_eq!(usize::from(g.location[0]) * STEP + STEP, 120 / STEP * STEP);
        assert!(g.level[0] > UNITY);
        // A steady loud block after it needs nothing.
        assert_eq!(d.detect(0, &[0.5; BAND]).num_points, 0);
    }

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "the level of a block of ones is exactly a power of two"
    )]
    fn the_curve_matches_the_decoders_compensation() {
        let tables = GainTables::atrac3();
        let info = GainInfo {
            num_points: 2,
            level: [7, 5, 0, 0, 0, 0, 0, 0],
            location: [3, 10, 0, 0, 0, 0, 0, 0],
        };
        let mut c = [0f32; BAND];
        curve(&info, &mut c);
        // The decoder's compensation of a block of ones with nothing overlapping.
        let imdct = [1f32; 2 * BAND];
        let mut prev = [0f32; BAND];
        let mut out = [0f32; BAND];
        tables.compensate(&imdct, &mut prev, &info, &GainInfo::default(), &mut out);
        for n in 0..BAND {
            assert!(
                (c[n] - out[n]).abs() <= 1e-6 * out[n].abs(),
                "{n}: {} vs {}",
                c[n],
                out[n]
            );
        }
        assert_eq!(first_level_gain(&info), 0.125);
    }
}
