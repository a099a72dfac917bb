//! The psychoacoustic model: per frame and channel, how much quantisation noise each subband
//! can hold unheard. Line energies are grouped into partitions of half a Bark; each
//! partition's energy masks its neighbours through a spreading function across the critical
//! bands; how much noise a masker hides depends on its tonality (a pure tone masks far less
//! than noise does); the threshold never falls below the absolute threshold of hearing, and
//! a loud previous frame keeps masking for a while (temporal post-masking), while a quiet one
//! caps what an attack may hide (the MDCT window reaches back into it: pre-echo); nothing 90 dB
//! below the frame's loudest line needs coding. [`weights`] turns the thresholds into the
//! allocation's noise weights, per mode.

use super::analysis::FRAME;
use super::quant::{BFUS, bfu_range};

/// Width of a partition, in Bark.
const PARTITION_BARK: f32 = 0.5;
/// The spreading function is evaluated this far below and above a masker, in Bark.
const SPREAD_BELOW: f32 = 3.0;
const SPREAD_ABOVE: f32 = 8.0;
/// Signal-to-mask ratios (dB): a tonal masker hides noise this far below it (plus a little
/// more per Bark), a noise-like one hides a tone this far below.
pub(crate) const TONE_MASKS_NOISE_DB: f32 = 18.0;
pub(crate) const TONE_MASKS_NOISE_PER_BARK: f32 = 0.25;
pub(crate) const NOISE_MASKS_TONE_DB: f32 = 6.0;
/// Line energies this far (dB) below the frame's loudest are masked whatever the model says:
/// the dynamic range a listener follows within one frame.
const LOUDNESS_FLOOR_DB: f32 = 90.0;
/// Energy of the MDCT lines of a full-scale sine (analysis scale: about 32768² per sine).
const FULL_SCALE_ENERGY: f32 = 32768.0 * 32768.0;
/// Post-masking: the previous frame's threshold decays by this factor per frame (−8 dB in
/// 23 ms).
const POST_MASKING: f32 = 0.16;
/// Pre-echo control: a frame may mask at most this many times the previous frame's
/// threshold.
const PRE_ECHO_LIMIT: f32 = 8.0;

/// How the model's thresholds become the allocation's weights, per mode. The noise of a
/// subband is weighted by `1 / (mask^γ · max(energy, mask)^β)`: γ = 1, β = 0 is the plain
/// noise-to-mask ratio; β > 0 also protects each subband's own level, so quiet subbands keep
/// their share (which `ViSQOL`'s spectro-temporal comparison rewards — tuned on clips).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PsyParams {
    /// The level (dB SPL) a full-scale sine is taken to play at: where the threshold in
    /// quiet lies.
    pub full_scale_spl: f32,
    /// γ: exponent of the masking threshold.
    pub mask_exponent: f32,
    /// β: exponent of the subband's energy.
    pub energy_exponent: f32,
}

impl PsyParams {
    /// The parameters of a mode: the fewer the bits, the more the masking model decides.
    pub fn for_mode(mode: super::Atrac3Mode) -> Self {
        let (full_scale_spl, mask_exponent, energy_exponent) = match mode {
            super::Atrac3Mode::Lp2 => (160.0, 0.1, 0.9),
            super::Atrac3Mode::Lp105 => (160.0, 0.2, 0.8),
            super::Atrac3Mode::Lp4 => (160.0, 0.3, 0.7),
        };
        Self {
            full_scale_spl,
            mask_exponent,
            energy_exponent,
        }
    }
}

/// Critical-band rate (Bark) of a frequency (Zwicker & Terhardt).
pub(crate) fn bark(hz: f32) -> f32 {
    13.0 * (0.00076 * hz).atan() + 3.5 * (hz / 7500.0).powi(2).atan()
}

/// The absolute threshold of hearing in dB SPL (Terhardt), capped where it stops mattering.
pub(crate) fn hearing_threshold_db(hz: f32) -> f32 {
    let f = hz.max(20.0) / 1000.0;
    let db = 3.64 * f.powf(-0.8) - 6.5 * (-0.6 * (f - 3.3) * (f - 3.3)).exp() + 1e-3 * f.powi(4);
    db.min(120.0)
}

/// Centre frequency of MDCT line `k` (lines in frequency order, 1024 per 22.05 kHz).
pub(crate) fn line_hz(k: usize) -> f32 {
    (k as f32 + 0.5) * 22_050.0 / FRAME as f32
}

/// Tables of the model, shared by every channel.
pub(crate) struct PsyTables {
    /// Line ranges of the partitions.
    parts: Vec<(usize, usize)>,
    /// For each maskee partition: the first masker partition and the spreading weights.
    spread: Vec<(usize, Vec<f32>)>,
    /// Σ of each maskee's spreading weights (normalisation).
    spread_norm: Vec<f32>,
    /// Tonality window per partition (lines), at least 9 wide.
    tonal_window: Vec<(usize, usize)>,
    /// Bark of each partition's centre.
    bark: Vec<f32>,
    /// The absolute threshold as a noise energy per line.
    quiet: [f32; FRAME],
    params: PsyParams,
}

impl PsyTables {
    pub fn new(params: PsyParams) -> Self {
        let mut parts = Vec::new();
        let mut start = 0;
        for k in 1..=FRAME {
            if k == FRAME || bark(line_hz(k)) - bark(line_hz(start)) >= PARTITION_BARK {
                parts.push((start, k));
                start = k;
            }
        }
        let bark_of: Vec<f32> = parts
            .iter()
            .map(|&(a, b)| bark(line_hz(a) * 0.5 + line_hz(b - 1) * 0.5))
            .collect();
        let mut spread = Vec::with_capacity(parts.len());
        let mut spread_norm = Vec::with_capacity(parts.len());
        for &z in &bark_of {
            // Maskers from SPREAD_ABOVE below the maskee to SPREAD_BELOW above it.
            let first = bark_of
                .iter()
                .position(|&m| z - m <= SPREAD_ABOVE)
                .unwrap_or(0);
            let weights: Vec<f32> = bark_of[first..]
                .iter()
                .take_while(|&&m| m - z <= SPREAD_BELOW)
                .map(|&m| spreading_db(z - m))
                .map(|db| 10f32.powf(db / 10.0))
                .collect();
            spread_norm.push(weights.iter().sum());
            spread.push((first, weights));
        }
        let tonal_window = parts
            .iter()
            .map(|&(a, b)| {
                let grow = 9usize.saturating_sub(b - a).div_ceil(2);
                (a.saturating_sub(grow), (b + grow).min(FRAME))
            })
            .collect();
        let mut quiet = [0f32; FRAME];
        for (k, q) in quiet.iter_mut().enumerate() {
            let db = hearing_threshold_db(line_hz(k)) - params.full_scale_spl;
            *q = FULL_SCALE_ENERGY * 10f32.powf(db / 10.0);
        }
        Self {
            parts,
            spread,
            spread_norm,
            tonal_window,
            bark: bark_of,
            quiet,
            params,
        }
    }

    /// Partitions of the model.
    pub fn partitions(&self) -> usize {
        self.parts.len()
    }
}

/// Schroeder's spreading function: the masking (dB) `dz` Bark above a masker.
pub(crate) fn spreading_db(dz: f32) -> f32 {
    let x = dz + 0.474;
    15.81 + 7.5 * x - 17.5 * (1.0 + x * x).sqrt()
}

/// The noise weights of the allocation (it divides each subband's squared error by these):
/// `mask^γ · max(energy, mask)^β` for the subbands of `spectrum` — or the masks alone in a
/// frame with an attack (`transient`), where the masking model has to keep the pre-echo down.
pub(crate) fn weights(
    t: &PsyTables,
    masks: &[f32; BFUS],
    spectrum: &[f32],
    transient: bool,
    out: &mut [f32; BFUS],
) {
    let (gamma, beta) = if transient {
        (1.0, 0.0)
    } else {
        (t.params.mask_exponent, t.params.energy_exponent)
    };
    for (i, o) in out.iter_mut().enumerate() {
        let e: f32 = spectrum[bfu_range(i)].iter().map(|x| x * x).sum();
        let m = masks[i];
        *o = m.powf(gamma) * e.max(m).powf(beta);
    }
}

/// The per-channel state of the model: the previous frame's thresholds.
#[derive(Clone)]
pub(crate) struct PsyState {
    prev_masking: Vec<f32>,
    started: bool,
}

impl PsyState {
    pub fn new(tables: &PsyTables) -> Self {
        Self {
            prev_masking: vec![0.0; tables.partitions()],
            started: false,
        }
    }

    /// The noise energy each subband of `spectrum` can hold unheard (always > 0).
    pub fn thresholds(&mut self, t: &PsyTables, spectrum: &[f32; FRAME], out: &mut [f32; BFUS]) {
        let np = t.parts.len();
        let mut energy = vec![0f32; np];
        let mut tonality = vec![0f32; np];
        for p in 0..np {
            let (a, b) = t.parts[p];
            energy[p] = spectrum[a..b].iter().map(|x| x * x).sum();
            let (wa, wb) = t.tonal_window[p];
            let (mut sum, mut peak) = (0f32, 0f32);
            for &x in &spectrum[wa..wb] {
                let e = x * x;
                sum += e;
                peak = peak.max(e);
            }
            let n = (wb - wa) as f32;
            if sum > 0.0 {
                // Peak-to-average ratio: about 2 ln n for noise, n/2 or more for a tone.
                let ratio_db = 10.0 * (peak * n / sum).log10();
                let tone_db = 10.0 * n.log10() - 3.0;
                tonality[p] = ((ratio_db - 6.0) / (tone_db - 6.0).max(1.0)).clamp(0.0, 1.0);
            }
        }
        let mut line_threshold = [0f32; FRAME];
        for p in 0..np {
            let (first, weights) = &t.spread[p];
            let (mut spread_energy, mut spread_tonal) = (0f32, 0f32);
            for (q, &w) in weights.iter().enumerate() {
                let e = energy[first + q] * w;
                spread_energy += e;
                spread_tonal += e * tonality[first + q];
            }
            let alpha = if spread_energy > 0.0 {
                spread_tonal / spread_energy
            } else {
                0.0
            };
            let smr_db = alpha * (TONE_MASKS_NOISE_DB + TONE_MASKS_NOISE_PER_BARK * t.bark[p])
                + (1.0 - alpha) * NOISE_MASKS_TONE_DB;
            let mut masking = spread_energy / t.spread_norm[p] * 10f32.powf(-smr_db / 10.0);
            if self.started {
                let prev = self.prev_masking[p];
                masking = masking.min(prev * PRE_ECHO_LIMIT).max(prev * POST_MASKING);
            }
            self.prev_masking[p] = masking;
            let (a, b) = t.parts[p];
            let per_line = masking / (b - a) as f32;
            for (l, &q) in line_threshold[a..b].iter_mut().zip(&t.quiet[a..b]) {
                *l = per_line.max(q);
            }
        }
        self.started = true;
        // Quantisation noise spreads evenly over a subband: the line that masks least
        // decides.
        // The frame's loudest line energy (per subband average): far below it nothing counts.
        let mut energies = [0f32; BFUS];
        let mut loudest = 0f32;
        for (i, e) in energies.iter_mut().enumerate() {
            let r = bfu_range(i);
            *e = spectrum[r.clone()].iter().map(|x| x * x).sum();
            loudest = loudest.max(*e / r.len() as f32);
        }
        let floor = loudest * 10f32.powf(-LOUDNESS_FLOOR_DB / 10.0);
        for (i, o) in out.iter_mut().enumerate() {
            let r = bfu_range(i);
            let n = r.len() as f32;
            let min = line_threshold[r]
                .iter()
                .fold(f32::INFINITY, |m, &x| m.min(x));
            *o = (n * min).max(n * floor).max(1e-9);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain model: noise-to-mask ratios, a full-scale sine at 96 dB SPL.
    const PARAMS: PsyParams = PsyParams {
        full_scale_spl: 96.0,
        mask_exponent: 1.0,
        energy_exponent: 0.0,
    };

    #[test]
    fn bark_scale_and_hearing_threshold_landmarks() {
        assert!((bark(1000.0) - 8.5).abs() < 0.2);
        assert!((bark(15_500.0) - 24.0).abs() < 0.5);
        // Most sensitive near 3.3 kHz, insensitive at the extremes.
        assert!(hearing_threshold_db(3300.0) < 0.0);
        assert!(hearing_threshold_db(50.0) > 30.0);
        assert!(hearing_threshold_db(19_000.0) > 60.0);
    }

    #[test]
    fn a_tone_masks_less_than_noise_of_the_same_energy() {
        let t = PsyTables::new(PARAMS);
        let mut tone = [0f32; FRAME];
        tone[100] = 30_000.0;
        let mut noise = [0f32; FRAME];
        let mut s = 3u32;
        for x in &mut noise[90..110] {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = ((s >> 8) as f32 / (1 << 24) as f32 - 0.5) * 23_000.0;
        }
        let (mut a, mut b) = ([0f32; BFUS], [0f32; BFUS]);
        PsyState::new(&t).thresholds(&t, &tone, &mut a);
        PsyState::new(&t).thresholds(&t, &noise, &mut b);
        let bfu = (0..BFUS).find(|&i| bfu_range(i).contains(&100)).unwrap();
        assert!(b[bfu] > 4.0 * a[bfu], "tone {} noise {}", a[bfu], b[bfu]);
    }

    #[test]
    fn silence_leaves_the_threshold_of_hearing() {
        let t = PsyTables::new(PARAMS);
        let mut out = [0f32; BFUS];
        PsyState::new(&t).thresholds(&t, &[0.0; FRAME], &mut out);
        // Lowest in the 2–5 kHz region, far higher at the top.
        let mid = (0..BFUS).find(|&i| bfu_range(i).start >= 140).unwrap();
        let per_line = |i: usize| out[i] / bfu_range(i).len() as f32;
        assert!(per_line(31) > 1000.0 * per_line(mid));
    }
}
