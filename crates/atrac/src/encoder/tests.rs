//! The encoder against the in-crate decoder: every frame decodes, the round trip keeps the
//! signal (SNR floors per mode), edge cases stay within the frame, output is deterministic.

use super::*;
use crate::atrac3::Atrac3;
use crate::test_signals::{self, music, stereo_music};

/// Encodes interleaved stereo `pcm` completely.
pub(crate) fn encode(mode: Atrac3Mode, channels: u16, pcm: &[i16]) -> Vec<u8> {
    let mut enc = Atrac3Encoder::new(mode, channels).unwrap();
    // Odd-sized pushes: the stream must not care how the input is cut.
    for chunk in pcm.chunks(channels as usize * 777) {
        enc.push(chunk);
    }
    enc.flush();
    let mut out = Vec::new();
    let n = enc.take_frames(&mut out);
    assert_eq!(out.len(), n * mode.frame_bytes());
    out
}

/// Decodes every frame with the in-crate decoder; panics on a frame it rejects.
pub(crate) fn decode(mode: Atrac3Mode, frames: &[u8]) -> Vec<i16> {
    let mut dec = Atrac3::new(2, mode.frame_bytes(), mode.joint_stereo()).unwrap();
    let mut out = Vec::new();
    for (i, f) in frames.chunks_exact(mode.frame_bytes()).enumerate() {
        dec.decode_frame(f, &mut out)
            .unwrap_or_else(|e| panic!("frame {i}: {e}"));
    }
    out
}

/// SNR (dB) of `decoded` against `input`, both interleaved stereo, after the codec delay.
fn snr(input: &[i16], decoded: &[i16]) -> f64 {
    test_signals::snr(input, decoded, 2 * CODEC_DELAY)
}

#[test]
fn every_frame_decodes_and_the_round_trip_keeps_the_signal() {
    let input = stereo_music(44_100 * 2);
    let mut results = Vec::new();
    for (mode, floor) in [
        (Atrac3Mode::Lp2, 13.0),
        (Atrac3Mode::Lp105, 12.0),
        (Atrac3Mode::Lp4, 12.5),
    ] {
        let frames = encode(mode, 2, &input);
        let decoded = decode(mode, &frames);
        assert!(
            decoded.len() >= input.len() + 2 * CODEC_DELAY,
            "{mode}: the tail is cut"
        );
        let s = snr(&input, &decoded);
        eprintln!("{mode}: SNR {s:.1} dB");
        results.push((mode, s, floor));
    }
    for (mode, s, floor) in results {
        assert!(s > floor, "{mode}: SNR {s:.1} dB");
    }
}

#[test]
fn silence_encodes_to_silence() {
    for mode in Atrac3Mode::ALL {
        let frames = encode(mode, 2, &vec![0i16; 2 * 5000]);
        assert!(decode(mode, &frames).iter().all(|&s| s == 0), "{mode}");
    }
}

#[test]
fn the_delay_is_constant_and_documented() {
    // A single click comes out CODEC_DELAY samples later, at any position in the frame.
    for pos in [0usize, 1, 500, 1023, 3000] {
        let mut input = vec![0i16; 2 * 8192];
        input[2 * pos] = 20_000;
        input[2 * pos + 1] = 20_000;
        let decoded = decode(Atrac3Mode::Lp2, &encode(Atrac3Mode::Lp2, 2, &input));
        let peak = (0..decoded.len() / 2)
            .max_by_key(|&i| decoded[2 * i].unsigned_abs())
            .unwrap();
        assert_eq!(peak, pos + CODEC_DELAY, "click at {pos}");
    }
}

#[test]
fn extreme_input_stays_within_the_frame() {
    let inputs = test_signals::extreme_inputs();
    for mode in Atrac3Mode::ALL {
        for (name, input) in &inputs {
            let frames = encode(mode, 2, input);
            let decoded = decode(mode, &frames);
            assert!(!decoded.is_empty(), "{mode} {name}");
        }
    }
}

#[test]
fn mono_input_is_coded_as_two_equal_channels() {
    let mono: Vec<i16> = music(20_000, 9)
        .iter()
        .map(|&x| (x * 32768.0) as i16)
        .collect();
    for mode in Atrac3Mode::ALL {
        let decoded = decode(mode, &encode(mode, 1, &mono));
        let diff = decoded
            .chunks_exact(2)
            .map(|p| (i32::from(p[0]) - i32::from(p[1])).abs())
            .max();
        assert!(
            diff.unwrap_or(0) <= 2,
            "{mode}: channels differ by {diff:?}"
        );
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let input = stereo_music(30_000);
    for mode in Atrac3Mode::ALL {
        assert_eq!(encode(mode, 2, &input), encode(mode, 2, &input), "{mode}");
    }
}

#[test]
fn modes_parse_and_describe_themselves() {
    assert_eq!("LP4".parse::<Atrac3Mode>().unwrap(), Atrac3Mode::Lp4);
    assert!("lp3".parse::<Atrac3Mode>().is_err());
    assert_eq!(Atrac3Mode::Lp2.bitrate(), 132_300);
    assert_eq!(Atrac3Mode::Lp105.bitrate(), 104_738);
    assert_eq!(Atrac3Mode::Lp4.bitrate(), 66_150);
    assert!(Atrac3Encoder::new(Atrac3Mode::Lp2, 3).is_err());
}

/// 748 whole stereo frames and half of one: with the delay exactly two frames (748 + 1300 =
/// 2048) come out, and the half frame is not encoded (proptest once found this length).
#[test]
fn a_half_stereo_frame_at_the_end_is_left_out() {
    let samples = vec![100i16; 1497];
    let frames = encode(Atrac3Mode::Lp2, 2, &samples);
    assert_eq!(frames.len(), 2 * Atrac3Mode::Lp2.frame_bytes());
    assert_eq!(
        decode(Atrac3Mode::Lp2, &frames).len(),
        1496 + 2 * CODEC_DELAY
    );
}

mod prop {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Random PCM never overflows a frame or yields one the decoder rejects.
        #[test]
        fn random_pcm_always_decodes(
            samples in proptest::collection::vec(any::<i16>(), 0..6000),
            loud in any::<bool>(),
            mode in 0usize..3,
        ) {
            let mode = Atrac3Mode::ALL[mode];
            let samples: Vec<i16> = if loud { samples } else { samples.iter().map(|&s| s / 64).collect() };
            let frames = encode(mode, 2, &samples);
            prop_assert_eq!(frames.len() % mode.frame_bytes(), 0);
            let decoded = decode(mode, &frames);
            // An odd last sample (half a stereo frame) is not encoded.
            prop_assert!(decoded.len() >= samples.len() / 2 * 2 + 2 * CODEC_DELAY);
        }
    }
}

/// A click of damped noise after near-silence, at sample `at`.
fn click(len: usize, at: usize) -> Vec<i16> {
    let mut s = 17u32;
    let mut mono = vec![0f32; len];
    for (i, v) in mono.iter_mut().enumerate() {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (s >> 8) as f32 / (1 << 24) as f32 - 0.5;
        *v = if i >= at {
            noise * 1.6 * (-((i - at) as f32) / 600.0).exp()
        } else {
            noise * 0.002
        };
    }
    mono.iter()
        .flat_map(|&x| {
            let v = (x * 32767.0) as i16;
            [v, v]
        })
        .collect()
}

#[test]
fn gain_control_keeps_the_pre_echo_of_an_attack_down() {
    let at = 5000;
    let input = click(12_000, at);
    for mode in [Atrac3Mode::Lp2, Atrac3Mode::Lp4] {
        let mut enc = Atrac3Encoder::new(mode, 2).unwrap();
        enc.push(&input[..2 * 6144]);
        // The frame holding the attack has gain points.
        assert!(
            enc.core.units[0].gain.iter().any(|g| g.num_points > 0),
            "{mode}"
        );
        enc.push(&input[2 * 6144..]);
        enc.flush();
        let mut frames = Vec::new();
        enc.take_frames(&mut frames);
        let decoded = decode(mode, &frames);
        let energy = |from: usize, to: usize| -> f64 {
            (from..to)
                .map(|i| f64::from(decoded[2 * (i + CODEC_DELAY)]).powi(2))
                .sum()
        };
        // The 20 ms before the attack against the 20 ms after it, leaving out the last 2 ms
        // (the synthesis filters spread the attack's own noise that far back; backward masking
        // covers it).
        let pre = 10.0 * (energy(at - 882, at - 88) / energy(at, at + 882)).log10();
        eprintln!("{mode}: pre-echo {pre:.1} dB");
        assert!(pre < -35.0, "{mode}: pre-echo {pre:.1} dB");
    }
}

#[test]
fn tonal_components_code_a_high_sustained_tone() {
    let n = 44_100;
    let mut s = 5u32;
    let input: Vec<i16> = (0..n)
        .flat_map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (f64::from(s >> 8) / f64::from(1 << 24) - 0.5) * 0.01;
            let x = 0.5 * (2.0 * std::f64::consts::PI * 12_000.0 * f64::from(i) / 44_100.0).sin()
                + noise;
            let v = (x * 32767.0) as i16;
            [v, v]
        })
        .collect();
    for mode in [Atrac3Mode::Lp4, Atrac3Mode::Lp2] {
        let mut enc = Atrac3Encoder::new(mode, 2).unwrap();
        enc.push(&input);
        assert!(
            !enc.core.units[0].tonal.components.is_empty(),
            "{mode}: no tonal component"
        );
        enc.flush();
        let mut frames = Vec::new();
        enc.take_frames(&mut frames);
        let decoded = decode(mode, &frames);
        let s = snr(&input, &decoded);
        eprintln!("{mode}: 12 kHz tone SNR {s:.1} dB");
        assert!(s > 24.0, "{mode}: SNR {s:.1} dB");
    }
}

#[test]
fn joint_stereo_follows_the_panning_and_splits_the_frame() {
    // Left only: the second unit carries −R/2 = 0 in every band and needs almost nothing.
    let left: Vec<i16> = music(20_000, 4)
        .iter()
        .flat_map(|&x| [(x * 32767.0) as i16, 0])
        .collect();
    let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp4, 2).unwrap();
    enc.push(&left);
    assert_eq!(enc.core.stereo.matrix, [1; 4]);
    assert!(
        enc.core.allocs[1].bits < 200,
        "second unit {} bits",
        enc.core.allocs[1].bits
    );
    assert!(
        enc.core.allocs[0].bits > 1200,
        "first unit {} bits",
        enc.core.allocs[0].bits
    );
    let decoded = decode(Atrac3Mode::Lp4, &{
        enc.flush();
        let mut f = Vec::new();
        enc.take_frames(&mut f);
        f
    });
    let right_peak = decoded
        .chunks_exact(2)
        .map(|p| p[1].unsigned_abs())
        .max()
        .unwrap_or(0);
    assert!(right_peak < 200, "right channel leaks {right_peak}");
    // Identical channels: the side signal is silent, sum/difference everywhere.
    let mono: Vec<i16> = left.chunks_exact(2).flat_map(|p| [p[0], p[0]]).collect();
    let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp4, 2).unwrap();
    enc.push(&mono);
    assert_eq!(enc.core.stereo.matrix, [3; 4]);
}

#[test]
fn tracks_join_without_a_gap_when_the_state_carries_on() {
    let a = stereo_music(30_000);
    let b: Vec<i16> = stereo_music(20_000).iter().map(|&s| s / 2).collect();
    // One encoder for both tracks, no flush in between: the same stream as one long track.
    let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp2, 2).unwrap();
    enc.push(&a);
    let b_starts = enc.samples_pushed();
    enc.push(&b);
    enc.flush();
    let mut joined = Vec::new();
    enc.take_frames(&mut joined);
    let whole: Vec<i16> = a.iter().chain(&b).copied().collect();
    assert_eq!(joined, encode(Atrac3Mode::Lp2, 2, &whole));
    // Track b's first sample comes out at its position plus the codec delay.
    assert_eq!(b_starts, 30_000);
    let decoded = decode(Atrac3Mode::Lp2, &joined);
    let at = 2 * (b_starts as usize + CODEC_DELAY);
    assert!((i32::from(decoded[at]) - i32::from(b[0])).abs() < 2000);
}

/// An LP4 encode with the channel weighting on or off: the frames, and per frame the weighting
/// chosen and the second unit's share of the frame's bits.
struct Lp4Encode {
    frames: Vec<u8>,
    weightings: Vec<stereo::Weighting>,
    second_share: Vec<f64>,
}

fn encode_lp4(pcm: &[i16], weigh: bool) -> Lp4Encode {
    let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp4, 2).unwrap();
    enc.core.weigh = weigh;
    let (mut weightings, mut second_share) = (Vec::new(), Vec::new());
    // One frame's worth at a time, so every frame's choices can be looked at.
    for chunk in pcm.chunks(2 * FRAME) {
        enc.push(chunk);
        if let [first, second] = &enc.core.allocs[..] {
            weightings.push(enc.core.stereo.weighting);
            second_share.push(f64::from(second.bits) / f64::from(first.bits + second.bits));
        }
    }
    enc.flush();
    let mut frames = Vec::new();
    enc.take_frames(&mut frames);
    Lp4Encode {
        frames,
        weightings,
        second_share,
    }
}

/// SNR (dB) of one channel (0 left, 1 right) of `decoded` against `input`.
fn channel_snr(input: &[i16], decoded: &[i16], ch: usize) -> f64 {
    let pick = |x: &[i16], skip: usize| -> Vec<i16> {
        x.iter()
            .skip(skip + ch)
            .step_by(2)
            .flat_map(|&s| [s, s])
            .collect()
    };
    test_signals::snr(&pick(input, 0), &pick(decoded, 2 * CODEC_DELAY), 0)
}

/// An unbalanced stereo mix: one source panned part-way left (right at 60 %), and a second,
/// with other partials, in the right only.
fn unbalanced(len: usize) -> Vec<i16> {
    let a = music(len, 5);
    (0..len)
        .flat_map(|i| {
            let t = i as f32 / 44_100.0;
            let b: f32 = [(523.3, 0.1), (7040.0, 0.04), (12_500.0, 0.03)]
                .iter()
                .map(|&(f, amp)| amp * (std::f32::consts::TAU * f * t).sin())
                .sum();
            [
                (a[i] * 0.9 * 32767.0) as i16,
                ((0.54 * a[i] + 0.3 * b) * 32767.0) as i16,
            ]
        })
        .collect()
}

#[test]
fn channel_weighting_codes_an_unbalanced_mix_better() {
    let input = unbalanced(44_100 * 2);
    let with = encode_lp4(&input, true);
    let without = encode_lp4(&input, false);
    assert!(
        without
            .weightings
            .iter()
            .all(|&w| w == stereo::Weighting::NONE)
    );
    let weighted = with
        .weightings
        .iter()
        .filter(|&&w| w != stereo::Weighting::NONE)
        .count();
    assert!(
        weighted * 2 > with.weightings.len(),
        "{weighted} frames weighted"
    );
    let (dw, dn) = (
        decode(Atrac3Mode::Lp4, &with.frames),
        decode(Atrac3Mode::Lp4, &without.frames),
    );
    for ch in 0..2 {
        let (sw, sn) = (channel_snr(&input, &dw, ch), channel_snr(&input, &dn, ch));
        eprintln!("channel {ch}: SNR {sw:.2} dB weighted, {sn:.2} dB not");
        assert!(
            sw > sn + 0.2,
            "channel {ch}: {sw:.2} dB weighted, {sn:.2} dB not"
        );
    }
    // The byte split between the units is the allocation's, frame by frame, and moves with
    // the weighting (which changes both what the units carry and their masks).
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let spread =
        |x: &[f64]| x.iter().copied().fold(0f64, f64::max) - x.iter().copied().fold(1f64, f64::min);
    let (share_with, share_without) = (mean(&with.second_share), mean(&without.second_share));
    eprintln!("second unit's share: {share_with:.3} weighted, {share_without:.3} not");
    assert!((share_with - share_without).abs() > 0.01);
    assert!(spread(&with.second_share) > 0.05 && spread(&without.second_share) > 0.05);
}
