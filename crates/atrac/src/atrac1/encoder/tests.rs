//! The encoder against the in-crate decoder: every frame decodes, the round trip keeps the
//! signal, the delay is what the API says, edge cases stay within the unit, output is
//! deterministic, attacks switch to short blocks and keep the pre-echo down.

use super::*;
use crate::atrac1::Atrac1;
use crate::test_signals::{self, extreme_inputs, music, stereo_music};

/// Encodes interleaved `pcm` completely, pushed in odd-sized pieces.
pub(crate) fn encode(channels: u16, pcm: &[i16]) -> Vec<u8> {
    let mut enc = Atrac1Encoder::new(channels).unwrap();
    for chunk in pcm.chunks(usize::from(channels) * 777) {
        enc.push(chunk);
    }
    enc.flush();
    let mut out = Vec::new();
    let n = enc.take_frames(&mut out);
    assert_eq!(out.len(), n * enc.frame_bytes());
    assert_eq!(n, enc.frames_encoded());
    out
}

/// Decodes every frame with the in-crate decoder; panics on a frame it rejects.
pub(crate) fn decode(channels: u16, frames: &[u8]) -> Vec<i16> {
    let mut dec = Atrac1::new(channels).unwrap();
    let mut out = Vec::new();
    for (i, f) in frames.chunks_exact(dec.frame_bytes()).enumerate() {
        dec.decode_frame(f, &mut out)
            .unwrap_or_else(|e| panic!("frame {i}: {e}"));
    }
    out
}

/// SNR (dB) of `decoded` against `input` (interleaved, `channels`), after the delay.
pub(crate) fn snr(channels: usize, input: &[i16], decoded: &[i16]) -> f64 {
    test_signals::snr(input, decoded, channels * Atrac1Encoder::DELAY)
}

#[test]
fn every_frame_decodes_and_the_round_trip_keeps_the_signal() {
    let input = stereo_music(44_100 * 2);
    let frames = encode(2, &input);
    let decoded = decode(2, &frames);
    assert!(decoded.len() >= input.len() + 2 * Atrac1Encoder::DELAY);
    let s = snr(2, &input, &decoded);
    eprintln!("stereo music: SNR {s:.1} dB");
    // The allocation weighs noise by the masking model, not by its energy: SNR says little
    // about what is heard, and this floor only catches regressions.
    assert!(s > 12.0, "SNR {s:.1} dB");
    // Every unit repeats its first two bytes at its end, as readers expect.
    for unit in frames.chunks_exact(212) {
        assert_eq!((unit[0], unit[1]), (unit[211], unit[210]));
    }
}

#[test]
fn mono_is_one_unit_per_frame() {
    let mono: Vec<i16> = music(20_000, 9)
        .iter()
        .map(|&x| (x * 32767.0) as i16)
        .collect();
    let frames = encode(1, &mono);
    assert_eq!(frames.len() % 212, 0);
    let decoded = decode(1, &frames);
    let s = snr(1, &mono, &decoded);
    assert!(s > 12.0, "SNR {s:.1} dB");
    assert!(Atrac1Encoder::new(0).is_err());
    assert!(Atrac1Encoder::new(3).is_err());
}

#[test]
fn silence_encodes_to_silence() {
    let frames = encode(2, &vec![0i16; 2 * 5000]);
    assert!(decode(2, &frames).iter().all(|&s| s == 0));
}

#[test]
fn the_delay_is_constant_and_documented() {
    for pos in [0usize, 1, 300, 511, 3000] {
        let mut input = vec![0i16; 8192];
        input[pos] = 20_000;
        let decoded = decode(1, &encode(1, &input));
        let peak = (0..decoded.len())
            .max_by_key(|&i| decoded[i].unsigned_abs())
            .unwrap();
        assert_eq!(peak, pos + Atrac1Encoder::DELAY, "click at {pos}");
    }
}

#[test]
fn extreme_input_stays_within_the_unit() {
    for (name, input) in &extreme_inputs() {
        let decoded = decode(2, &encode(2, input));
        let s = snr(2, input, &decoded);
        eprintln!("{name}: SNR {s:.1} dB");
        assert!(s > 10.0, "{name}: SNR {s:.1} dB");
    }
}

#[test]
fn the_same_input_gives_the_same_bytes_however_it_is_cut() {
    let input = stereo_music(30_000);
    let a = encode(2, &input);
    let mut enc = Atrac1Encoder::new(2).unwrap();
    enc.push(&input);
    enc.flush();
    let mut b = Vec::new();
    enc.take_frames(&mut b);
    assert_eq!(a, b);
    assert_eq!(enc.samples_pushed(), 30_000);
}

mod prop {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Random PCM never overflows a unit or yields one the decoder rejects.
        #[test]
        fn random_pcm_always_decodes(
            samples in proptest::collection::vec(any::<i16>(), 0..6000),
            loud in any::<bool>(),
            stereo in any::<bool>(),
        ) {
            let channels = if stereo { 2 } else { 1 };
            let samples: Vec<i16> = if loud { samples } else { samples.iter().map(|&s| s / 256).collect() };
            let frames = encode(channels, &samples);
            prop_assert_eq!(frames.len() % (212 * usize::from(channels)), 0);
            let decoded = decode(channels, &frames);
            // An incomplete last sample frame is not pushed.
            let pushed = samples.len() / usize::from(channels) * usize::from(channels);
            prop_assert!(decoded.len() >= pushed + usize::from(channels) * Atrac1Encoder::DELAY);
        }
    }
}

/// Castanets: sharp clicks of damped noise over near-silence, every `period` samples.
pub(crate) fn castanets(len: usize, first: usize, period: usize) -> Vec<i16> {
    let mut s = 17u32;
    (0..len)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (s >> 8) as f32 / (1 << 24) as f32 - 0.5;
            let env = if i >= first {
                1.6 * (-(((i - first) % period) as f32) / 300.0).exp()
            } else {
                0.0
            };
            ((noise * (env + 0.001)) * 32767.0) as i16
        })
        .collect()
}

/// The pre-echo (dB): decoded energy in the 20 ms before an attack at `at` (leaving out the
/// last 2 ms: the synthesis filters alone spread the attack's own noise that far back, and
/// backward masking covers it) against the 20 ms after it.
pub(crate) fn pre_echo_db(decoded: &[i16], at: usize) -> f64 {
    let energy = |from: usize, to: usize| -> f64 {
        (from..to)
            .map(|i| f64::from(decoded[i + Atrac1Encoder::DELAY]).powi(2))
            .sum()
    };
    10.0 * (energy(at - 882, at - 88) / energy(at, at + 882)).log10()
}

#[test]
fn short_blocks_keep_the_pre_echo_of_an_attack_down() {
    // The attack falls late in a frame, where a long block smears it furthest back.
    let at = 512 * 10 + 400;
    let input = castanets(512 * 30, at, 1 << 20);
    let mut results = Vec::new();
    for switching in [true, false] {
        let mut enc = Atrac1Encoder::new(1).unwrap();
        enc.core.block_switching = switching;
        let mut short = false;
        for frame in input.chunks(512) {
            enc.push(frame);
            short |= enc.core.channels[0].modes != [0; 3];
        }
        assert_eq!(short, switching);
        enc.flush();
        let mut frames = Vec::new();
        enc.take_frames(&mut frames);
        let pre = pre_echo_db(&decode(1, &frames), at);
        eprintln!("block switching {switching}: pre-echo {pre:.1} dB");
        results.push(pre);
    }
    assert!(results[0] < -38.0, "pre-echo {:.1} dB", results[0]);
    assert!(results[0] < results[1] - 12.0, "{results:?}");
}

#[test]
fn steady_music_stays_in_long_blocks() {
    let input: Vec<i16> = music(44_100, 3)
        .iter()
        .map(|&x| (x * 32767.0) as i16)
        .collect();
    let mut enc = Atrac1Encoder::new(1).unwrap();
    let mut short = 0;
    enc.push(&input[..512]);
    for chunk in input.chunks_exact(512).skip(1) {
        enc.push(chunk);
        short += usize::from(enc.core.channels[0].modes != [0; 3]);
    }
    assert!(short == 0, "{short} frames with short blocks");
}

#[test]
fn a_pure_tone_keeps_its_bits() {
    // A 1 kHz sine at −6 dBFS: the leakage of its MDCT far from it must not take the bits.
    let input: Vec<i16> = (0..44_100)
        .map(|i| {
            (16_384.0 * (std::f64::consts::TAU * 1000.0 * f64::from(i) / 44_100.0).sin()) as i16
        })
        .collect();
    let decoded = decode(1, &encode(1, &input));
    let s = snr(1, &input, &decoded);
    eprintln!("1 kHz tone: SNR {s:.1} dB");
    assert!(s > 48.0, "SNR {s:.1} dB");
}
