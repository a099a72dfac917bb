//! `ministage device receive` against a virtual MZ-RH1 (`init-virtual --model rh1`): tracks
//! sent in LP2 and LP4 come back as the same ATRAC3 frames, into files named from the disc and
//! into the library with the disc's title as album and the group as grouping; a recorder lost
//! mid-stream leaves no file behind and a second run finishes the job; other recorders say
//! why they cannot.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::fixtures::atrac_file;
use common::receive::{first_bulk_in, frames_of};
use netmd::VirtualDeck;

#[path = "common/device_cmd.rs"]
mod device_cmd;

use device_cmd::ministage_on;

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn deck(&self) -> PathBuf {
        self.dir.path().join("deck.json")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("received")
    }

    fn run(&self, args: &[&str], faults: Option<&str>) -> Output {
        let library = self.dir.path().join("lib.sqlite3");
        let mut all = vec!["--library", library.to_str().unwrap()];
        all.extend_from_slice(args);
        ministage_on(&self.deck(), self.dir.path(), &all, faults)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        device_cmd::succeeded(args, self.run(args, None))
    }

    /// An MZ-RH1 deck holding the LP2 and LP4 fixtures as a group "Side A".
    fn rh1_with_lp_tracks(&self) {
        self.ok(&[
            "device",
            "init-virtual",
            self.deck().to_str().unwrap(),
            "--model",
            "rh1",
        ]);
        for (file, mode) in [("music4s_lp2.at3", "lp2"), ("voice4s_lp4.at3", "lp4")] {
            self.ok(&[
                "device",
                "send",
                "--mode",
                mode,
                atrac_file(file).to_str().unwrap(),
            ]);
        }
        self.ok(&["device", "group", "create", "1", "2", "Side A"]);
        self.ok(&["device", "rename-disc", "Tape, \"one\""]);
    }

    fn received(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.out())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

#[test]
fn lp_tracks_come_back_byte_for_byte_and_join_the_library() {
    let s = Setup::new();
    s.rh1_with_lp_tracks();
    let out = s.ok(&["device", "receive", "--to", s.out().to_str().unwrap()]);
    assert_eq!(
        s.received(),
        ["01 - music4s_lp2.at3", "02 - voice4s_lp4.at3"],
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for (name, source) in [
        ("01 - music4s_lp2.at3", "music4s_lp2.at3"),
        ("02 - voice4s_lp4.at3", "voice4s_lp4.at3"),
    ] {
        let got = s.out().join(name);
        let info = atrac::probe(&got).unwrap();
        assert_eq!(info.codec_name(), "atrac3", "{name}");
        assert_eq!(
            frames_of(&got),
            frames_of(&atrac_file(source)),
            "{name}: the frames that were sent"
        );
    }

    let list = s.ok(&["library", "list", "--json"]);
    let tracks: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let tracks = tracks.as_array().unwrap();
    assert_eq!(tracks.len(), 2, "{tracks:?}");
    for (t, (n, title, mode)) in tracks
        .iter()
        .zip([(1, "music4s_lp2", "LP2"), (2, "voice4s_lp4", "LP4")])
    {
        assert_eq!(t["album"], "Tape, \"one\"", "{t}");
        assert_eq!(t["title"], title, "{t}");
        assert_eq!(t["track_number"], n, "{t}");
        assert_eq!(t["grouping"], "Side A", "{t}");
        assert_eq!(t["mode"], mode, "{t}");
    }

    // A second run finds both there and receives nothing.
    let again = s.ok(&["device", "receive", "--to", s.out().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(err.matches("already received, skipped").count(), 2, "{err}");
}

#[test]
fn wav_decodes_with_the_in_crate_decoder() {
    let s = Setup::new();
    s.rh1_with_lp_tracks();
    s.ok(&[
        "device",
        "receive",
        "2",
        "--wav",
        "--to",
        s.out().to_str().unwrap(),
    ]);
    assert_eq!(s.received(), ["02 - voice4s_lp4.wav"]);
    let wav = std::fs::read(s.out().join("02 - voice4s_lp4.wav")).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    let list = s.ok(&["library", "list", "--json"]);
    let tracks: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let t = &tracks[0];
    // The tags are in the WAV file itself.
    assert_eq!(
        (&t["title"], &t["grouping"]),
        (&"voice4s_lp4".into(), &"Side A".into())
    );
    let secs = t["duration_ms"].as_u64().unwrap() / 1000;
    assert!((3..=5).contains(&secs), "{t}");
}

#[test]
fn a_recorder_lost_mid_stream_leaves_nothing_and_a_retry_succeeds() {
    let s = Setup::new();
    s.rh1_with_lp_tracks();
    // Where the first bulk read of a receive falls among the transfers.
    let trace = s.dir.path().join("trace.jsonl");
    let scratch = s.dir.path().join("scratch");
    s.ok(&[
        "device",
        "receive",
        "1",
        "--to",
        scratch.to_str().unwrap(),
        "--usb-trace",
        trace.to_str().unwrap(),
    ]);
    let (first_bulk, reads) = first_bulk_in(&trace);
    assert!(reads >= 2, "the LP2 fixture takes more than one read");

    let faults = format!("disconnect-after={first_bulk}");
    let out = s.run(
        &["device", "receive", "--to", s.out().to_str().unwrap()],
        Some(&faults),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("track 1: failed:") && err.contains("disconnected"),
        "{err}"
    );
    assert!(err.contains("1 more tracks were not received"), "{err}");
    assert!(
        s.received().is_empty(),
        "no partial file: {:?}",
        s.received()
    );

    s.ok(&["device", "receive", "--to", s.out().to_str().unwrap()]);
    assert_eq!(s.received().len(), 2);
    assert_eq!(
        frames_of(&s.out().join("01 - music4s_lp2.at3")),
        frames_of(&atrac_file("music4s_lp2.at3"))
    );
}

#[test]
fn copy_protected_tracks_are_reported_and_the_rest_arrive() {
    let s = Setup::new();
    s.rh1_with_lp_tracks();
    let mut disc = VirtualDeck::load(&s.deck()).unwrap();
    disc.tracks[0].protected = true;
    VirtualDeck::create(&s.deck(), &disc).unwrap();
    let out = s.run(
        &["device", "receive", "--to", s.out().to_str().unwrap()],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("track 1: failed: track 1 is copy-protected (SCMS)"),
        "{err}"
    );
    assert_eq!(s.received(), ["02 - voice4s_lp4.at3"]);
}

#[test]
fn other_recorders_say_why_they_cannot() {
    let s = Setup::new();
    s.ok(&[
        "device",
        "init-virtual",
        s.deck().to_str().unwrap(),
        "--demo",
    ]);
    for args in [
        &["device", "receive", "--to", s.out().to_str().unwrap()][..],
        &["device", "archive", s.out().to_str().unwrap()][..],
    ] {
        let out = s.run(args, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("only the Sony MZ-RH1 and MZ-M200 read standard discs back"),
            "{err}"
        );
        assert!(!s.out().exists());
    }
}

#[test]
fn archive_holds_every_track_and_the_titles() {
    let s = Setup::new();
    s.rh1_with_lp_tracks();
    s.ok(&["device", "archive", s.out().to_str().unwrap()]);
    assert_eq!(
        s.received(),
        ["01 - music4s_lp2.at3", "02 - voice4s_lp4.at3", "titles.csv"]
    );
    let csv = std::fs::read_to_string(s.out().join("titles.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "track,title,full_width_title,group,mode,duration",
            "disc,\"Tape, \"\"one\"\"\",,,,",
            "1,music4s_lp2,,Side A,LP2,0:04",
            "2,voice4s_lp4,,Side A,LP4,0:04",
        ]
    );
    // An archive is not a library import.
    let list = s.ok(&["library", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

/// An SP track comes back as the ATRAC1 a recorder makes of the PCM it was sent (the deck
/// encodes it with the in-crate encoder): the `.aea` decodes to the sent PCM, at the codec's
/// delay, with the right length and the encoder's quality (FFmpeg's decode of the same encoder's
/// `.aea` is checked in `atrac1_encoder.rs`).
#[test]
fn sp_tracks_come_back_as_atrac1_of_the_sent_pcm() {
    let s = Setup::new();
    s.ok(&[
        "device",
        "init-virtual",
        s.deck().to_str().unwrap(),
        "--model",
        "rh1",
    ]);
    let source = common::fixtures::source_pcm("music4s");
    assert_eq!((source.sample_rate, source.channels), (44_100, 2));
    let wav = s.dir.path().join("Music.wav");
    testkit::write_wav(&wav, &source).unwrap();
    s.ok(&["device", "send", "--mode", "sp", wav.to_str().unwrap()]);
    s.ok(&["device", "receive", "--to", s.out().to_str().unwrap()]);
    assert_eq!(s.received(), ["01 - Music.aea"]);
    let aea = s.out().join("01 - Music.aea");
    let mut aea_decoder = atrac::open(&aea).unwrap();
    let mut decoded = Vec::new();
    while aea_decoder.next_block(&mut decoded).unwrap() {}
    // Every sent sample comes out after the delay; the send pads to a 2048-byte unit (512
    // frames) and the encoder adds at most one sound unit more.
    let frames = source.samples.len() / 2;
    let got = decoded.len() / 2;
    assert!(
        got >= frames + atrac::Atrac1Encoder::DELAY,
        "{got} < {frames}"
    );
    assert!(
        got <= frames + atrac::Atrac1Encoder::DELAY + 512 + 512,
        "{got}"
    );
    let (mut signal, mut noise) = (0f64, 0f64);
    for (i, &x) in source.samples.iter().enumerate() {
        let y = decoded[i + 2 * atrac::Atrac1Encoder::DELAY];
        signal += f64::from(x).powi(2);
        noise += (f64::from(x) - f64::from(y)).powi(2);
    }
    let snr = 10.0 * (signal / noise.max(1e-9)).log10();
    println!("music4s SP through the deck: SNR {snr:.1} dB");
    // tests/atrac1_encoder.rs holds music4s to 13 dB through `convert`; the same encoder.
    assert!(snr >= 13.0, "SNR {snr:.1} dB");
}
