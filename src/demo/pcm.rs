//! Interleaved 16-bit PCM and a small deterministic tune synthesiser, so the
//! demo library sounds like music rather than test tones.

use std::time::Duration;

/// Interleaved signed 16-bit PCM audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    pub sample_rate: u32,
    pub channels: u16,
    /// Interleaved: frame `i` of channel `c` is `samples[i * channels + c]`.
    pub samples: Vec<i16>,
}

impl Pcm {
    /// `seconds` of digital silence.
    pub fn silence(seconds: f32, sample_rate: u32, channels: u16) -> Self {
        Self {
            sample_rate,
            channels,
            samples: vec![0; frame_count(seconds, sample_rate) * usize::from(channels)],
        }
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        match self.channels {
            0 => 0,
            ch => self.samples.len() / usize::from(ch),
        }
    }

    pub fn duration(&self) -> Duration {
        match self.sample_rate {
            0 => Duration::ZERO,
            rate => Duration::from_secs_f64(self.frames() as f64 / f64::from(rate)),
        }
    }
}

/// Number of sample frames in `seconds` at `sample_rate`; negative or NaN
/// durations give none.
pub(crate) fn frame_count(seconds: f32, sample_rate: u32) -> usize {
    let frames = (f64::from(seconds) * f64::from(sample_rate)).round();
    if frames.is_finite() && frames > 0.0 {
        frames as usize
    } else {
        0
    }
}

/// A short pentatonic tune, different for every `seed` and identical for
/// the same one.
///
/// A plucked lead wanders over two octaves of a major pentatonic scale
/// (which cannot produce a dissonant interval) above a soft bass on the
/// root and fifth. Lead pans stay within 0.3..0.7, so a channel's peak is at
/// most 1.4 x 0.45 + 0.22 = 85 % of full scale and nothing clips.
pub fn melody(seed: u64, seconds: f32, sample_rate: u32, channels: u16) -> Pcm {
    let frames = frame_count(seconds, sample_rate);
    let mut left = vec![0f32; frames];
    let mut right = vec![0f32; frames];
    if sample_rate > 0 && frames > 0 {
        compose(seed, sample_rate, &mut left, &mut right);
    }
    Pcm {
        sample_rate,
        channels,
        samples: interleave(&left, &right, channels),
    }
}

const PENTATONIC: [i32; 5] = [0, 2, 4, 7, 9];
/// Roots between G3 and E4, as semitones relative to A4.
const ROOTS: [i32; 6] = [-14, -12, -9, -7, -5, -2];
const LEAD_LEVEL: f32 = 0.45;
const BASS_LEVEL: f32 = 0.22;

fn compose(seed: u64, rate: u32, left: &mut [f32], right: &mut [f32]) {
    let mut rng = SplitMix64(seed);
    let root = ROOTS[rng.below(ROOTS.len() as u64) as usize];
    let beat = 0.22 + 0.12 * rng.unit();
    let beat_frames = ((beat * rate as f32) as usize).max(1);
    let voice = Voice::new(rate);
    let frames = left.len();

    // Lead: a random walk on scale degrees, favouring steps over leaps.
    let mut degree: i32 = 5 + rng.below(3) as i32;
    let mut start = 0;
    while start < frames {
        let beats = [1, 1, 1, 2, 2, 3][rng.below(6) as usize];
        let len = (beats * beat_frames).min(frames - start);
        let step = [-2, -1, -1, 0, 1, 1, 2, 3][rng.below(8) as usize];
        degree = (degree + step).clamp(0, 10);
        let pan = 0.3 + 0.4 * rng.unit();
        let pitch = root + 12 * (degree / 5) + PENTATONIC[(degree % 5) as usize];
        let tone = voice.render(hz(pitch), len, 0.35);
        mix(&tone, start, LEAD_LEVEL, pan, left, right);
        start += len;
    }

    // Bass: a held root or fifth each bar, centred.
    let bar = 4 * beat_frames;
    for (n, start) in (0..frames).step_by(bar).enumerate() {
        let len = bar.min(frames - start);
        let pitch = root - 24 + if n % 4 == 3 { 7 } else { 0 };
        let tone = voice.render(hz(pitch), len, 0.9);
        mix(&tone, start, BASS_LEVEL, 0.5, left, right);
    }
}

fn hz(semitones_from_a4: i32) -> f32 {
    440.0 * 2f32.powf(semitones_from_a4 as f32 / 12.0)
}

fn mix(tone: &[f32], start: usize, level: f32, pan: f32, left: &mut [f32], right: &mut [f32]) {
    let (gl, gr) = (level * (1.0 - pan) * 2.0, level * pan * 2.0);
    for (i, &s) in tone.iter().enumerate() {
        left[start + i] += s * gl;
        right[start + i] += s * gr;
    }
}

fn interleave(left: &[f32], right: &[f32], channels: u16) -> Vec<i16> {
    let to_i16 = |s: f32| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
    let ch = usize::from(channels);
    let mut out = Vec::with_capacity(left.len() * ch);
    for (&l, &r) in left.iter().zip(right) {
        for c in 0..ch {
            out.push(match (ch, c % 2) {
                (1, _) => to_i16(0.5 * (l + r)),
                (_, 0) => to_i16(l),
                _ => to_i16(r),
            });
        }
    }
    out
}

const TABLE_BITS: u32 = 11;
const TABLE_LEN: usize = 1 << TABLE_BITS;

/// A plucked-string-like voice: a few harmonics from a wavetable (sin() per
/// sample is too slow for debug builds) under an attack/decay envelope.
struct Voice {
    rate: f32,
    table: Vec<f32>,
}

impl Voice {
    fn new(rate: u32) -> Self {
        const HARMONICS: [f32; 4] = [1.0, 0.35, 0.15, 0.06];
        let norm: f32 = HARMONICS.iter().sum();
        let table = (0..TABLE_LEN)
            .map(|i| {
                let x = std::f32::consts::TAU * i as f32 / TABLE_LEN as f32;
                HARMONICS
                    .iter()
                    .enumerate()
                    .map(|(h, a)| a * ((h + 1) as f32 * x).sin())
                    .sum::<f32>()
                    / norm
            })
            .collect();
        Self {
            rate: rate as f32,
            table,
        }
    }

    /// `len` frames of one note with peak amplitude at most 1, decaying
    /// with time constant `decay` seconds and faded out at the end so
    /// consecutive notes do not click.
    fn render(&self, freq: f32, len: usize, decay: f32) -> Vec<f32> {
        let attack = ((0.008 * self.rate) as usize).max(1);
        let release = ((0.02 * self.rate) as usize).clamp(1, len.max(1));
        let step = (freq / self.rate * (1u64 << 32) as f32) as u32;
        let fall = (-1.0 / (decay * self.rate)).exp();
        let (mut phase, mut env) = (0u32, 1.0f32);
        (0..len)
            .map(|i| {
                let shape = if i < attack {
                    i as f32 / attack as f32
                } else {
                    env *= fall;
                    env
                };
                let tail = ((len - i) as f32 / release as f32).min(1.0);
                let s = self.table[(phase >> (32 - TABLE_BITS)) as usize];
                phase = phase.wrapping_add(step);
                s * shape * tail
            })
            .collect()
    }
}

/// A tiny deterministic generator; the demo must look the same on every
/// machine, so no dependency on a seeded-RNG crate's stream stability.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_requested_shape() {
        let pcm = melody(1, 1.5, 44_100, 2);
        assert_eq!(pcm.frames(), 66_150);
        assert_eq!(pcm.samples.len(), 132_300);
        assert_eq!(melody(1, 0.5, 22_050, 1).samples.len(), 11_025);
        assert_eq!(pcm.duration(), Duration::from_millis(1500));
    }

    #[test]
    fn is_deterministic_per_seed() {
        assert_eq!(melody(7, 2.0, 44_100, 2), melody(7, 2.0, 44_100, 2));
        assert_ne!(melody(7, 2.0, 44_100, 2), melody(8, 2.0, 44_100, 2));
    }

    #[test]
    fn is_audible_but_never_clips() {
        for seed in 0..20 {
            let pcm = melody(seed, 4.0, 44_100, 2);
            let peak = pcm.samples.iter().map(|s| s.unsigned_abs()).max();
            let peak = peak.unwrap_or(0);
            assert!(peak > 3_000, "seed {seed} too quiet: {peak}");
            assert!(peak < 30_000, "seed {seed} near clipping: {peak}");
        }
    }

    #[test]
    fn ends_quietly_without_a_click() {
        let pcm = melody(3, 3.0, 44_100, 1);
        assert!(pcm.samples.last().is_some_and(|s| s.unsigned_abs() < 200));
    }

    #[test]
    fn degenerate_requests_give_empty_audio() {
        assert!(melody(1, -1.0, 44_100, 2).samples.is_empty());
        assert!(melody(1, f32::NAN, 44_100, 2).samples.is_empty());
        assert!(melody(1, 1.0, 0, 2).samples.is_empty());
        assert!(Pcm::silence(0.1, 8_000, 2).samples.iter().all(|&s| s == 0));
    }
}
