//! `ministage convert` to ATRAC3 and ATRAC1: FLAC and MP3 sources to `.oma` (tags carried
//! over) and `.at3`, FLAC to `.aea` and back, several inputs into a folder, a 48 kHz mono source, and refusals (protected OpenMG,
//! a missing file) that exit 2, name the file and leave nothing behind.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use atrac::{Codec, Container};
use testkit::{self as demo, TagSpec};

fn tags() -> TagSpec {
    TagSpec {
        title: "Tokyo 東京 (Live)".into(),
        artist: "The Walkmen".into(),
        album: "Connect Sessions".into(),
        album_artist: Some("Various Artists".into()),
        track: Some(3),
        year: Some(2005),
        genre: Some("Indie".into()),
    }
}

/// A test folder, and the folder for the test's files inside it (ministage keeps its own
/// configuration and state beside that).
fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    (dir, files)
}

fn convert(dir: &Path, args: &[&Path], extra: &[&str]) -> Output {
    common::ministage(dir.parent().unwrap_or(dir))
        .arg("convert")
        .args(args)
        .args(extra)
        .output()
        .expect("run ministage")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn flac(dir: &Path, name: &str, seconds: f32) -> PathBuf {
    let path = dir.join(name);
    demo::write_flac(&path, &demo::melody(11, seconds, 44_100, 2)).unwrap();
    demo::write_tags(&path, &tags()).unwrap();
    path
}

fn mp3(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    demo::write_silent_mp3(&path, 2.0, 44_100, 2).unwrap();
    demo::write_tags(&path, &tags()).unwrap();
    path
}

/// Every sample of `path` through the crate's decoder, and the channel count.
fn decode(path: &Path) -> (Vec<i16>, u16) {
    let mut dec = atrac::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    (out, dec.channels())
}

/// The file names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn flac_to_oma_carries_the_tags_in_every_mode() {
    let (_guard, files) = setup();
    let src = flac(files.as_path(), "song.flac", 1.5);
    for (mode, frame_bytes, joint) in [
        ("lp2", 384, false),
        ("lp105", 304, false),
        ("lp4", 192, true),
    ] {
        let out = files.as_path().join(format!("song-{mode}.oma"));
        let o = convert(files.as_path(), &[&src, &out], &["--mode", mode]);
        assert!(o.status.success(), "{mode}: {}", stderr(&o));
        let info = atrac::probe(&out).unwrap();
        assert_eq!(
            (info.container, info.codec),
            (Container::Oma, Codec::Atrac3)
        );
        assert_eq!((info.frame_bytes, info.joint_stereo), (frame_bytes, joint));
        assert_eq!((info.sample_rate, info.channels), (44_100, 2));
        let t = &info.tags;
        assert_eq!(t.title.as_deref(), Some("Tokyo 東京 (Live)"));
        assert_eq!(t.artist.as_deref(), Some("The Walkmen"));
        assert_eq!(t.album.as_deref(), Some("Connect Sessions"));
        assert_eq!(t.album_artist.as_deref(), Some("Various Artists"));
        assert_eq!(t.genre.as_deref(), Some("Indie"));
        assert_eq!((t.track, t.year), (Some(3), Some(2005)));
        // Every sample of the source comes out, after the codec's delay.
        let (pcm, channels) = decode(&out);
        assert_eq!(channels, 2);
        assert!(
            pcm.len() / 2 >= 66_150 + atrac::CODEC_DELAY,
            "{mode}: {} samples",
            pcm.len() / 2
        );
        assert!(
            pcm.iter().any(|&s| s.unsigned_abs() > 1000),
            "{mode}: silent"
        );
    }
    // Nothing but the source and the outputs (no temporary files).
    assert_eq!(names(files.as_path()).len(), 4);
}

#[test]
fn mp3_to_at3_and_oma() {
    let (_guard, files) = setup();
    let src = mp3(files.as_path(), "silence.mp3");
    let at3 = files.as_path().join("silence.at3");
    let o = convert(files.as_path(), &[&src, &at3], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = atrac::probe(&at3).unwrap();
    assert_eq!((info.container, info.frame_bytes), (Container::Riff, 384));
    // The fact chunk holds the source's length: 2 s (rounded up to MP3 frames).
    assert!(
        (2000..2100).contains(&info.duration_ms),
        "{}",
        info.duration_ms
    );
    let (pcm, _) = decode(&at3);
    assert!(pcm.iter().all(|&s| s == 0), "silence stays silence");

    let oma = files.as_path().join("silence.oma");
    let o = convert(files.as_path(), &[&src, &oma], &["--mode", "lp4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = atrac::probe(&oma).unwrap();
    assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京 (Live)"));
    assert_eq!(info.tags.track, Some(3));
    ffprobe_tags(&oma);
}

/// FFmpeg's reader finds the same tags (when ffprobe is installed).
fn ffprobe_tags(path: &Path) {
    let Ok(out) = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream=codec_name",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
    else {
        eprintln!("ffprobe is not installed: skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["streams"][0]["codec_name"], "atrac3");
    let tags = &json["format"]["tags"];
    assert_eq!(tags["title"], "Tokyo 東京 (Live)", "{json}");
    assert_eq!(tags["artist"], "The Walkmen", "{json}");
    assert_eq!(tags["album"], "Connect Sessions", "{json}");
}

#[test]
fn several_inputs_convert_into_a_folder() {
    let (_guard, files) = setup();
    let a = flac(files.as_path(), "a.flac", 1.0);
    let b = mp3(files.as_path(), "b.mp3");
    // A 48 kHz mono source: resampled, duplicated to two channels.
    let c = files.as_path().join("c.wav");
    demo::write_wav(&c, &demo::melody(5, 1.0, 48_000, 1)).unwrap();
    let out = files.as_path().join("out");
    let o = convert(
        files.as_path(),
        &[&a, &b, &c],
        &["-o", out.to_str().unwrap(), "--mode", "lp4"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(&out), ["a.oma", "b.oma", "c.oma"]);
    let (pcm, channels) = decode(&out.join("c.oma"));
    assert_eq!(channels, 2);
    let frames = pcm.len() / 2;
    assert!(
        (44_100 + atrac::CODEC_DELAY..44_100 + atrac::CODEC_DELAY + 2048).contains(&frames),
        "{frames}"
    );
    let lr = pcm
        .chunks_exact(2)
        .map(|p| (i32::from(p[0]) - i32::from(p[1])).abs())
        .max()
        .unwrap();
    assert!(lr <= 2, "mono source, channels differ by {lr}");
    // --format at3 names them .at3.
    let o = convert(
        files.as_path(),
        &[&a],
        &["-o", out.to_str().unwrap(), "--format", "at3"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("a.at3").exists());
}

#[test]
fn protected_and_missing_inputs_exit_2_and_write_nothing() {
    let (_guard, files) = setup();
    let drm = files.as_path().join("drm.oma");
    let mut h = vec![0u8; 96];
    h[..4].copy_from_slice(b"EA3\x01");
    h[4..6].copy_from_slice(&96u16.to_be_bytes());
    h[6..8].copy_from_slice(&1u16.to_be_bytes());
    h[33..36].copy_from_slice(&[0x00, 0x20, 0x30]);
    h.extend(vec![0u8; 384 * 4]);
    std::fs::write(&drm, h).unwrap();
    let missing = files.as_path().join("missing.flac");
    let before = names(files.as_path());
    for (input, ext) in [
        (&drm, "at3"),
        (&drm, "oma"),
        (&missing, "oma"),
        (&missing, "at3"),
    ] {
        let out = files.as_path().join(format!("out.{ext}"));
        let o = convert(files.as_path(), &[input, &out], &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let name = input.file_name().unwrap().to_str().unwrap();
        assert!(stderr(&o).contains(name), "{}", stderr(&o));
        assert_eq!(names(files.as_path()), before, "nothing written");
    }
    assert!(
        stderr(&convert(
            files.as_path(),
            &[&drm, &files.as_path().join("x.oma")],
            &[]
        ))
        .contains("protected")
    );
    // In a batch, the good files are converted and the bad ones named.
    let good = flac(files.as_path(), "good.flac", 0.5);
    let out = files.as_path().join("out");
    let o = convert(
        files.as_path(),
        &[&good, &drm, &missing],
        &["-o", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("drm.oma") && stderr(&o).contains("missing.flac"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(&out), ["good.oma"]);
}

#[test]
fn mode_needs_an_atrac_output() {
    let (_guard, files) = setup();
    let src = flac(files.as_path(), "a.flac", 0.3);
    let o = convert(
        files.as_path(),
        &[&src, &files.as_path().join("a.wav")],
        &["--mode", "lp4"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--mode"), "{}", stderr(&o));
    let o = convert(
        files.as_path(),
        &[&src, &files.as_path().join("a.mp3")],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".oma"), "{}", stderr(&o));
}

#[test]
fn flac_to_aea_is_atrac1_that_decodes_back_to_the_source() {
    let (_guard, files) = setup();
    let src = flac(files.as_path(), "song.flac", 1.5);
    let out = files.as_path().join("song.aea");
    let o = convert(files.as_path(), &[&src, &out], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = atrac::probe(&out).unwrap();
    assert_eq!(
        (info.container, info.codec),
        (Container::Aea, Codec::Atrac1)
    );
    assert_eq!(
        (info.sample_rate, info.channels, info.mode.as_str()),
        (44_100, 2, "SP")
    );
    // The header's title: the tag's, cut to the 15 bytes an AEA header holds.
    assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京 (L"));
    let (source, _) = {
        let mut dec = media::player::source::open(&src).unwrap();
        let mut out = Vec::new();
        while dec.next_block(&mut out).unwrap() {}
        (out, dec.channels())
    };
    let (pcm, channels) = decode(&out);
    assert_eq!(channels, 2);
    let delay = 2 * atrac::Atrac1Encoder::DELAY;
    assert!(pcm.len() >= source.len() + delay, "{} samples", pcm.len());
    let snr = common::round_trip::snr(&source, &pcm, delay);
    assert!(snr > 16.0, "SNR {snr:.1} dB");
    // `--mode sp` says the same; LP modes are ATRAC3, which an .aea file does not hold.
    let sp = files.as_path().join("sp.aea");
    let o = convert(files.as_path(), &[&src, &sp], &["--mode", "sp"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&sp).unwrap(), std::fs::read(&out).unwrap());
    let o = convert(
        files.as_path(),
        &[&src, &files.as_path().join("lp.aea")],
        &["--mode", "lp2"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ATRAC1 (SP)"), "{}", stderr(&o));
    let o = convert(
        files.as_path(),
        &[&src, &files.as_path().join("sp.oma")],
        &["--mode", "sp"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".aea"), "{}", stderr(&o));
    // Nothing but the source and the two outputs (no temporary files).
    assert_eq!(names(files.as_path()), ["song.aea", "song.flac", "sp.aea"]);
}
