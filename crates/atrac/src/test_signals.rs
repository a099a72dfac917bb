//! Test signals both encoders' tests use, and the round trip's signal-to-noise ratio.

/// A music-like test signal at 16-bit resolution: a chord, a few partials up to 16 kHz
/// and some noise, peaking near −3 dBFS.
pub fn music(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|i| {
            let t = i as f64 / 44100.0;
            let tone: f64 = [
                (220.0, 0.2),
                (277.2, 0.15),
                (329.6, 0.12),
                (3520.0, 0.05),
                (9000.0, 0.03),
                (15800.0, 0.02),
            ]
            .iter()
            .map(|&(f, a)| a * (2.0 * std::f64::consts::PI * f * t).sin())
            .sum();
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (f64::from(s >> 8) / f64::from(1 << 24) - 0.5) * 0.1;
            ((tone + noise) * 32768.0).round() as f32 / 32768.0
        })
        .collect()
}

/// Interleaves a mono test signal into stereo with a slightly different right channel.
pub fn stereo_music(len: usize) -> Vec<i16> {
    let l = music(len, 1);
    let r = music(len, 2);
    l.iter()
        .zip(&r)
        .flat_map(|(&a, &b)| [(a * 32768.0) as i16, ((0.7 * a + 0.3 * b) * 32768.0) as i16])
        .collect()
}

/// A second of stereo input at the edges of what 16 bits hold: a full-scale square, DC at
/// full scale, a sine clipped hard, and the highest frequency at full scale.
pub fn extreme_inputs() -> [(&'static str, Vec<i16>); 4] {
    let n = 2 * 44_100;
    [
        (
            "square",
            (0..n)
                .map(|i| if (i / 2 / 50) % 2 == 0 { 32767 } else { -32768 })
                .collect(),
        ),
        ("dc", vec![32767; n]),
        (
            "clipped",
            (0..n)
                .map(|i| ((i as f64 * 0.03).sin() * 90_000.0).clamp(-32768.0, 32767.0) as i16)
                .collect(),
        ),
        (
            "nyquist",
            (0..n)
                .map(|i| if i % 4 < 2 { 32767 } else { -32768 })
                .collect(),
        ),
    ]
}

/// SNR (dB) of `decoded` against `input` (both interleaved), `offset` samples later.
pub fn snr(input: &[i16], decoded: &[i16], offset: usize) -> f64 {
    let (mut sig, mut err) = (0f64, 0f64);
    for (i, &x) in input.iter().enumerate() {
        let y = decoded[i + offset];
        sig += f64::from(x).powi(2);
        err += (f64::from(x) - f64::from(y)).powi(2);
    }
    10.0 * (sig / err.max(1e-9)).log10()
}
