//! Gain control, shared by ATRAC3 and ATRAC3plus: the encoder attenuated transients in each
//! band; the decoder undoes it while overlapping the IMDCT halves.

/// Gain points of one band in one frame.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct GainInfo {
    pub num_points: usize,
    pub level: [u8; 8],
    /// In steps of `1 << loc_scale` samples, strictly increasing.
    pub location: [u8; 8],
}

pub(crate) struct GainTables {
    /// Level codes are exponents relative to this one: gain 2^(offset − level).
    id2exp_offset: i32,
    /// Locations count in steps of `2^loc_scale` samples; a ramp lasts one step.
    loc_scale: u32,
    /// 2^(offset − level)
    level: [f32; 16],
    /// 2^(−Δ/step) for Δ = −15 … 15, the per-sample step between two levels.
    step: [f32; 31],
}

impl GainTables {
    /// ATRAC3: offset 4, locations in steps of 8 samples.
    pub fn atrac3() -> Self {
        Self::new(4, 3)
    }

    /// ATRAC3plus: offset 6, locations in steps of 4 samples.
    pub fn atrac3plus() -> Self {
        Self::new(6, 2)
    }

    fn new(id2exp_offset: i32, loc_scale: u32) -> Self {
        let mut level = [0f32; 16];
        for (i, v) in level.iter_mut().enumerate() {
            *v = 2f32.powi(id2exp_offset - i as i32);
        }
        let loc_size = (1u32 << loc_scale) as f32;
        let mut step = [0f32; 31];
        for (i, v) in step.iter_mut().enumerate() {
            let delta = i as f32 - 15.0;
            *v = 2f32.powf(-delta / loc_size);
        }
        Self {
            id2exp_offset,
            loc_scale,
            level,
            step,
        }
    }

    /// Overlaps the first half of `imdct` with `prev`, undoing the gains of the frame that
    /// ends here (`now`) and scaling by the first gain of the next (`next`); then keeps the
    /// second half of `imdct` in `prev` for the next frame. `out`, `prev`: `n` samples;
    /// `imdct`: `2n`.
    pub fn compensate(
        &self,
        imdct: &[f32],
        prev: &mut [f32],
        now: &GainInfo,
        next: &GainInfo,
        out: &mut [f32],
    ) {
        let n = out.len();
        let (first, second) = imdct.split_at(n);
        let scale = if next.num_points > 0 {
            self.level[usize::from(next.level[0] & 15)]
        } else {
            1.0
        };
        if now.num_points == 0 {
            for ((o, &x), &p) in out.iter_mut().zip(first).zip(prev.iter()) {
                *o = x * scale + p;
            }
        } else {
            let loc_size = 1usize << self.loc_scale;
            let mut pos = 0;
            for i in 0..now.num_points.min(8) {
                let end = (usize::from(now.location[i]) << self.loc_scale).min(n);
                let mut lev = self.level[usize::from(now.level[i] & 15)];
                let next_level = if i + 1 < now.num_points {
                    i32::from(now.level[i + 1])
                } else {
                    self.id2exp_offset
                };
                let idx = (next_level - i32::from(now.level[i]) + 15).clamp(0, 30) as usize;
                let inc = self.step[idx];
                while pos < end {
                    out[pos] = (first[pos] * scale + prev[pos]) * lev;
                    pos += 1;
                }
                let ramp_end = (end + loc_size).min(n);
                while pos < ramp_end {
                    out[pos] = (first[pos] * scale + prev[pos]) * lev;
                    lev *= inc;
                    pos += 1;
                }
            }
            while pos < n {
                out[pos] = first[pos] * scale + prev[pos];
                pos += 1;
            }
        }
        prev.copy_from_slice(&second[..n]);
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results are the point: these steps are bit-exact"
)]
mod tests {
    use super::*;

    #[test]
    fn without_gain_points_it_is_a_plain_overlap_add() {
        let g = GainTables::atrac3();
        let imdct: Vec<f32> = (0..512).map(|i| i as f32).collect();
        let mut prev = vec![1f32; 256];
        let mut out = vec![0f32; 256];
        let none = GainInfo::default();
        g.compensate(&imdct, &mut prev, &none, &none, &mut out);
        assert_eq!(out[10], 11.0);
        assert_eq!(prev[0], 256.0);
    }

    #[test]
    fn a_gain_point_scales_before_it_and_ramps_over_eight_samples() {
        let g = GainTables::atrac3();
        let imdct = vec![0f32; 512];
        let mut prev = vec![1f32; 256];
        let mut out = vec![0f32; 256];
        // Level 2 (gain 4) up to sample 16, then a ramp back to level 4 (gain 1).
        let now = GainInfo {
            num_points: 1,
            level: [2, 0, 0, 0, 0, 0, 0, 0],
            location: [2, 0, 0, 0, 0, 0, 0, 0],
        };
        g.compensate(&imdct, &mut prev, &now, &GainInfo::default(), &mut out);
        assert_eq!(out[0], 4.0);
        assert_eq!(out[15], 4.0);
        assert_eq!(out[16], 4.0);
        // Each ramp step multiplies by 2^(−2/8).
        assert!((out[17] - 4.0 * 2f32.powf(-0.25)).abs() < 1e-6);
        assert!((out[23] - 4.0 * 2f32.powf(-0.25 * 7.0)).abs() < 1e-5);
        assert_eq!(out[24], 1.0);
        assert_eq!(out[255], 1.0);
    }

    #[test]
    fn the_next_frames_first_level_scales_the_new_half() {
        let g = GainTables::atrac3();
        let imdct = vec![1f32; 512];
        let mut prev = vec![0f32; 256];
        let mut out = vec![0f32; 256];
        let next = GainInfo {
            num_points: 1,
            level: [5, 0, 0, 0, 0, 0, 0, 0],
            location: [0; 8],
        };
        g.compensate(&imdct, &mut prev, &GainInfo::default(), &next, &mut out);
        assert!(out.iter().all(|&v| v == 0.5));
    }
}
