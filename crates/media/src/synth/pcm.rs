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
pub fn frame_count(seconds: f32, sample_rate: u32) -> usize {
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
        let step = [-3, -2, -1, -1, 0, 1, 1, 2, 3][rng.below(9) as usize];
        // Bounce off the ends of the range rather than sticking to them.
        degree = match degree + step {
            next @ 0..=10 => next,
            _ => degree - step,
        };
        let pan = 0.3 + 0.4 * rng.unit();
        let pitch = root + 12 * (degree / 5) + PENTATONIC[(degree % 5) as usize];
        let gains = (LEAD_LEVEL * (1.0 - pan) * 2.0, LEAD_LEVEL * pan * 2.0);
        let span = start..start + len;
        voice.play(
            hz(pitch),
            0.35,
            gains,
            &mut left[span.clone()],
            &mut right[span],
        );
        start += len;
    }

    // Bass: a held root or fifth each bar, centred.
    let bar = 4 * beat_frames;
    for (n, start) in (0..frames).step_by(bar).enumerate() {
        let len = bar.min(frames - start);
        let pitch = root - 24 + if n % 4 == 3 { 7 } else { 0 };
        let span = start..start + len;
        voice.play(
            hz(pitch),
            0.9,
            (BASS_LEVEL, BASS_LEVEL),
            &mut left[span.clone()],
            &mut right[span],
        );
    }
}

fn hz(semitones_from_a4: i32) -> f32 {
    440.0 * 2f32.powf(semitones_from_a4 as f32 / 12.0)
}

// The per-sample loops here and in `Voice::play` are plain `while` loops
// over slices because the demo is generated in debug builds too, where
// iterator adaptors and closures cost a call each per sample.
fn interleave(left: &[f32], right: &[f32], channels: u16) -> Vec<i16> {
    let ch = usize::from(channels);
    let mut out = vec![0i16; left.len() * ch];
    let mut i = 0;
    // `as` saturates, so an out-of-range value could not wrap around.
    match ch {
        0 => {}
        1 => {
            while i < left.len() {
                out[i] = ((left[i] + right[i]) * 16383.5) as i16;
                i += 1;
            }
        }
        _ => {
            while i < left.len() {
                let (l, r) = ((left[i] * 32767.0) as i16, (right[i] * 32767.0) as i16);
                // Beyond two channels, alternate left and right.
                let mut c = i * ch;
                while c < (i + 1) * ch {
                    out[c] = l;
                    if c + 1 < (i + 1) * ch {
                        out[c + 1] = r;
                    }
                    c += 2;
                }
                i += 1;
            }
        }
    }
    out
}

const TABLE_BITS: u32 = 11;
const TABLE_LEN: usize = 1 << TABLE_BITS;

/// A plucked-string-like voice: a few harmonics from a wavetable (`sin()` per
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

    /// Adds one note, filling `left`/`right`, at peak gains `gains`: a
    /// short attack, an exponential decay with time constant `decay`
    /// seconds, and a fade at the end so consecutive notes do not click.
    fn play(&self, freq: f32, decay: f32, gains: (f32, f32), left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let table = self.table.as_slice();
        let attack = ((0.008 * self.rate) as usize).max(1);
        let release = ((0.02 * self.rate) as usize).clamp(1, len.max(1));
        let step = u64::from((freq / self.rate * (1u64 << 32) as f32) as u32);
        let fall = (-1.0 / (decay * self.rate)).exp();
        let (mut phase, mut env) = (0u64, 1.0f32);
        let mut i = 0;
        while i < len {
            let mut gain = if i < attack {
                i as f32 / attack as f32
            } else {
                env *= fall;
                env
            };
            if len - i < release {
                gain *= (len - i) as f32 / release as f32;
            }
            let s = table[(phase >> (32 - TABLE_BITS)) as usize] * gain;
            phase = (phase + step) & 0xFFFF_FFFF;
            left[i] += s * gains.0;
            right[i] += s * gains.1;
            i += 1;
        }
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
