//! Conformance of the in-crate ATRAC decoders and container readers.
//!
//! The bitstreams and their reference decodes live in `tests/fixtures` (see the README there):
//! files encoded by atracdenc and Sony encoders (PSP test material from hrydgard/pspautotests),
//! decoded with FFmpeg 8 into references (interleaved 16-bit PCM, every frame, no delay
//! trimming) stored as FLAC and read by `common::fixtures`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use atrac::Codec;
use common::fixtures::{atrac_file, reference_pcm as reference};

fn decode_all(name: &str) -> (Vec<i16>, u16) {
    let mut dec = atrac::open(&atrac_file(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    (out, dec.channels())
}

/// Decodes `name` and compares it with its reference; returns the largest difference.
fn check(name: &str) -> i32 {
    let (got, channels) = decode_all(name);
    let want = reference(name);
    assert_eq!(
        got.len() / usize::from(channels),
        want.len() / usize::from(channels),
        "{name}: samples per channel"
    );
    let mut max = 0;
    let mut bad = 0usize;
    let mut first_bad = None;
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        let d = (i32::from(g) - i32::from(w)).abs();
        max = max.max(d);
        if d > 1 {
            bad += 1;
            first_bad.get_or_insert(i);
        }
    }
    println!(
        "{name}: {} samples/channel, max |diff| {max}",
        got.len() / usize::from(channels)
    );
    assert!(
        bad == 0,
        "{name}: {bad} samples differ by more than 1 (max {max}, first at {first_bad:?})"
    );
    max
}

macro_rules! conformance {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )*
    };
}

conformance! {
    music_lp2_oma => "music4s_lp2.oma",
    voice_lp2_oma => "voice4s_lp2.oma",
    music_lp2_tagged_oma => "music4s_lp2_tagged.oma",
    music_lp4_oma => "music4s_lp4.oma",
    voice_lp4_oma => "voice4s_lp4.oma",
    music_lp2_at3 => "music4s_lp2.at3",
    voice_lp2_at3 => "voice4s_lp2.at3",
    music_lp4_at3 => "music4s_lp4.at3",
    voice_lp4_at3 => "voice4s_lp4.at3",
    music_105_at3 => "music4s_105.at3",
    voice_105_at3 => "voice4s_105.at3",
    mono_at3 => "test_mono.at3",
    mono_long_at3 => "test_mono_long.at3",
    music_sp_aea => "music4s_sp.aea",
    voice_sp_aea => "voice4s_sp.aea",
    music_at3p_oma => "music4s_at3p.oma",
    voice_at3p_oma => "voice4s_at3p.oma",
    sony_at3p_at3 => "sample.at3",
    music_at3p_128_oma => "music2s_at3p_128.oma",
    voice_at3p_mono_at3 => "voice2s_at3p_mono.at3",
}

#[test]
fn probe_reads_the_tagged_oma() {
    let info = atrac::probe(&atrac_file("music4s_lp2_tagged.oma")).unwrap();
    assert_eq!(info.codec, Codec::Atrac3);
    assert_eq!(info.mode, "LP2");
    assert_eq!(info.frame_bytes, 384);
    assert!(!info.protected);
    assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京 (Live)"));
    assert_eq!(info.tags.artist.as_deref(), Some("The Walkmen"));
    assert_eq!(info.tags.album.as_deref(), Some("Connect Sessions"));
    assert_eq!(info.tags.track, Some(3));
    assert_eq!(info.tags.year, Some(2005));
    let lp4 = atrac::probe(&atrac_file("voice4s_lp4.at3")).unwrap();
    assert!(lp4.joint_stereo);
    assert_eq!(lp4.mode, "LP4");
    assert_eq!(
        atrac::probe(&atrac_file("voice4s_105.at3")).unwrap().mode,
        "105 kbps"
    );
    assert_eq!(
        atrac::probe(&atrac_file("test_mono.at3")).unwrap().mode,
        "mono"
    );
    assert_eq!(
        atrac::probe(&atrac_file("music4s_sp.aea")).unwrap().mode,
        "SP"
    );
}

#[test]
fn probe_reads_atrac3plus_modes_and_durations() {
    let info = atrac::probe(&atrac_file("music4s_at3p.oma")).unwrap();
    assert_eq!(info.codec, Codec::Atrac3Plus);
    assert_eq!(info.mode, "A3+ 352");
    assert_eq!((info.channels, info.frame_bytes), (2, 2048));
    assert_eq!(info.total_samples, 87 * 2048);
    assert_eq!(info.duration_ms, 87 * 2048 * 1000 / 44100);
    // Sony's RIFF file: the fact chunk gives the playing time.
    let info = atrac::probe(&atrac_file("sample.at3")).unwrap();
    assert_eq!(info.codec, Codec::Atrac3Plus);
    assert_eq!(info.mode, "A3+ 64");
    assert_eq!(info.bitrate_kbps, 64);
    assert_eq!((info.channels, info.frame_bytes), (2, 376));
    assert_eq!(info.total_samples, 123 * 2048);
    assert_eq!(info.duration_ms, 247_501 * 1000 / 44100);
}

#[test]
fn seeking_lands_on_a_frame_and_matches_the_reference_after_preroll() {
    let name = "music4s_lp4.oma";
    let want = reference(name);
    let mut dec = atrac::open(&atrac_file(name)).unwrap();
    let reached = dec.seek(50 * 1024 + 17).unwrap();
    assert_eq!(reached, 50 * 1024);
    let mut out = Vec::new();
    for _ in 0..3 {
        assert!(dec.next_block(&mut out).unwrap());
    }
    // After the two frames of pre-roll the history is rebuilt; allow the joint-stereo and
    // QMF state a few samples to settle, then compare.
    let offset = 50 * 1024 * 2;
    let max = out[64..]
        .iter()
        .zip(&want[offset + 64..])
        .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
        .max()
        .unwrap();
    assert!(max <= 1, "max difference after seek: {max}");
    // Past the end: the end.
    let end = dec.seek(u64::MAX).unwrap();
    assert_eq!(end, dec.total_frames().unwrap());
    assert!(!dec.next_block(&mut out).unwrap());
}

#[test]
fn atrac3plus_seeking_lands_on_a_frame_and_matches_the_reference_after_preroll() {
    for (name, target) in [("music4s_at3p.oma", 40), ("sample.at3", 100)] {
        let want = reference(name);
        let mut dec = atrac::open(&atrac_file(name)).unwrap();
        let reached = dec.seek(target * 2048 + 999).unwrap();
        assert_eq!(reached, target * 2048, "{name}");
        let mut out = Vec::new();
        for _ in 0..3 {
            assert!(dec.next_block(&mut out).unwrap());
        }
        let offset = (target * 2048 * 2) as usize;
        let max = out
            .iter()
            .zip(&want[offset..])
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .max()
            .unwrap();
        assert!(max <= 1, "{name}: max difference after seek: {max}");
        let end = dec.seek(u64::MAX).unwrap();
        assert_eq!(end, dec.total_frames().unwrap());
        assert!(!dec.next_block(&mut out).unwrap());
    }
}

/// Writes `bytes` to `name` in `dir` and decodes the file to its end.
fn decode_written(dir: &Path, name: &str, bytes: &[u8]) -> Vec<i16> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut dec = atrac::open(&path).unwrap();
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    out
}

/// `bytes` with `range` overwritten by garbage.
fn damaged(bytes: &[u8], range: std::ops::Range<usize>) -> Vec<u8> {
    let mut bad = bytes.to_vec();
    for (i, b) in bad[range].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    bad
}

fn within_one(a: &[i16], b: &[i16]) -> bool {
    a.iter()
        .zip(b)
        .all(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() <= 1)
}

#[test]
fn truncated_and_corrupt_files_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(atrac_file("music4s_lp2.oma")).unwrap();
    // Cut in the middle of a frame: the partial frame is dropped.
    let out = decode_written(dir.path(), "cut.oma", &bytes[..96 + 384 * 10 + 100]);
    assert_eq!(out.len(), 10 * 1024 * 2);
    // Garbage in the middle: silence for broken frames, same length.
    let bad = damaged(&bytes, 96 + 384 * 5..96 + 384 * 9);
    let out = decode_written(dir.path(), "corrupt.oma", &bad);
    assert_eq!(out.len(), reference("music4s_lp2.oma").len());
    // Only the header: no frames, no samples.
    assert!(decode_written(dir.path(), "empty.oma", &bytes[..96]).is_empty());
}

#[test]
fn truncated_and_corrupt_atrac3plus_files_end_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(atrac_file("music4s_at3p.oma")).unwrap();
    let want = reference("music4s_at3p.oma");
    // Cut in the middle of a frame: the partial frame is dropped, the rest matches.
    let out = decode_written(dir.path(), "cut.oma", &bytes[..96 + 2048 * 10 + 700]);
    assert_eq!(out.len(), 10 * 2048 * 2);
    assert!(within_one(&out, &want));
    // Garbage frames: silence for each, same length, no panic; before the damage the output
    // is the reference's.
    let bad = damaged(&bytes, 96 + 2048 * 20..96 + 2048 * 30);
    let out = decode_written(dir.path(), "corrupt.oma", &bad);
    assert_eq!(out.len(), want.len());
    assert!(within_one(&out[..20 * 2048 * 2], &want));
}

fn ministage(dir: &Path, args: &[&str]) -> Output {
    let home = dir.join("home");
    Command::new(env!("CARGO_BIN_EXE_ministage"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("MINISTAGE_LIBRARY")
        .env_remove("MINISTAGE_CONFIG")
        .output()
        .expect("run ministage")
}

#[test]
fn convert_writes_the_reference_decode_as_wav() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "voice4s_lp4.oma",
        "test_mono.at3",
        "voice4s_sp.aea",
        "sample.at3",
    ] {
        let input = atrac_file(name);
        let output = dir.path().join("out.wav");
        let o = ministage(
            dir.path(),
            &["convert", input.to_str().unwrap(), output.to_str().unwrap()],
        );
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let wav = std::fs::read(&output).unwrap();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[36..40], b"data");
        let data: Vec<i16> = wav[44..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let want = reference(name);
        assert_eq!(data.len(), want.len(), "{name}");
        assert!(
            data.iter()
                .zip(&want)
                .all(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() <= 1),
            "{name}"
        );
    }
}

#[test]
fn convert_refuses_missing_files_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let o = ministage(
        dir.path(),
        &["convert", "/nonexistent/a.oma", out.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read the file"));
    assert!(!out.exists());
}

#[test]
fn rewriting_the_tag_keeps_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagged.oma");
    std::fs::copy(atrac_file("music4s_lp2_tagged.oma"), &path).unwrap();
    let update = atrac::TagUpdate {
        title: Some("Tokyo 東京 (Studio)".into()),
        genre: Some("Indie".into()),
        ..atrac::TagUpdate::default()
    };
    atrac::write_oma_tags(&path, &update).unwrap();
    let info = atrac::probe(&path).unwrap();
    assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京 (Studio)"));
    assert_eq!(info.tags.genre.as_deref(), Some("Indie"));
    assert_eq!(info.tags.artist.as_deref(), Some("The Walkmen"));
    assert_eq!(info.tags.track, Some(3));
    let mut dec = atrac::open(&path).unwrap();
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    let (want, _) = decode_all("music4s_lp2_tagged.oma");
    assert_eq!(out, want);
}
