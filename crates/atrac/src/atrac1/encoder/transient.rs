//! Block switching: a band is coded in short blocks when its signal jumps within the frame.
//! A long block spreads its quantisation noise over its whole window, and before a sudden
//! attack that noise is heard (pre-echo); short blocks keep it within 32 samples of the
//! attack.
//!
//! Each band's frame is cut into segments of 16 samples; an attack is a segment whose energy
//! exceeds, by [`ATTACK_RATIO`], every one of the [`LOOKBACK`] segments before it (the
//! previous frame's included) and is loud enough to matter. The low band is high-passed
//! first (a first difference), so that a bass note does not hide an attack above it.

/// Samples per segment.
const SEGMENT: usize = 16;
/// Segments an attack is compared with.
const LOOKBACK: usize = 4;
/// How much louder than what came before an attack is (about 10 dB).
const ATTACK_RATIO: f32 = 10.0;
/// Segments quieter than this (about −60 dB of full scale) are never attacks.
const FLOOR: f32 = 1e-6 * SEGMENT as f32;

/// The detector of one band of one channel.
#[derive(Clone)]
pub(super) struct TransientDetector {
    /// The energies of the previous frame's last segments.
    history: [f32; LOOKBACK],
    /// The previous frame's last sample (for the low band's first difference).
    last: f32,
}

impl TransientDetector {
    pub fn new() -> Self {
        Self {
            history: [0.0; LOOKBACK],
            last: 0.0,
        }
    }

    /// True when this frame of the band (`signal`) holds an attack.
    pub fn detect(&mut self, band: usize, signal: &[f32]) -> bool {
        let mut energies = [0f32; LOOKBACK + 256 / SEGMENT];
        energies[..LOOKBACK].copy_from_slice(&self.history);
        let mut prev = self.last;
        for (e, seg) in energies[LOOKBACK..]
            .iter_mut()
            .zip(signal.chunks_exact(SEGMENT))
        {
            for &x in seg {
                let y = if band == 0 { x - prev } else { x };
                prev = x;
                *e += y * y;
            }
        }
        self.last = prev;
        let used = LOOKBACK + signal.len() / SEGMENT;
        let energies = &energies[..used];
        self.history.copy_from_slice(&energies[used - LOOKBACK..]);
        energies.windows(LOOKBACK + 1).any(|w| {
            let e = w[LOOKBACK];
            let before = w[..LOOKBACK].iter().fold(0f32, |m, &x| m.max(x));
            e > FLOOR && e > ATTACK_RATIO * before
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attack_is_found_and_a_steady_signal_is_not() {
        let mut d = TransientDetector::new();
        let steady: Vec<f32> = (0..256).map(|i| 0.3 * (i as f32 * 0.2).sin()).collect();
        // The first frame rises from silence; the next goes on steadily.
        assert!(d.detect(2, &steady));
        assert!(!d.detect(2, &steady));
        let mut attack = vec![0.0005f32; 256];
        for (i, x) in attack[100..].iter_mut().enumerate() {
            *x = if i % 2 == 0 { 0.5 } else { -0.5 };
        }
        let mut d = TransientDetector::new();
        assert!(!d.detect(2, &[0.0005; 256]));
        assert!(d.detect(2, &attack));
        // Silence and quiet noise never switch.
        let mut d = TransientDetector::new();
        assert!(!d.detect(0, &[0.0; 128]));
        assert!(!d.detect(1, &[1e-5; 128]));
    }

    #[test]
    fn the_low_band_ignores_a_bass_note() {
        let mut d = TransientDetector::new();
        // 80 Hz at the low band's 11 025 Hz, with a quiet high hat over it.
        let bass: Vec<f32> = (0..512)
            .map(|i| {
                0.8 * (std::f32::consts::TAU * 80.0 * i as f32 / 11_025.0).sin()
                    + if i % 2 == 0 { 0.01 } else { -0.01 }
            })
            .collect();
        d.detect(0, &bass[..128]);
        for frame in bass[128..].chunks_exact(128) {
            assert!(!d.detect(0, frame));
        }
    }
}
