//! `ministage device …` on the virtual Hi-MD device: a blank disc from `init-virtual --himd`,
//! and linux-minidisc's sample disc (tests/fixtures/himd) as an image, listed with `device
//! info` and received with `device receive` into files in the tracks' own formats and into
//! the library.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use himd::virtual_device::{MediaSize, VirtualHimd};

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

    fn image(&self) -> PathBuf {
        self.dir.path().join("himd.img")
    }

    fn sample_disc(&self) {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/himd");
        VirtualHimd::create_from_folder(&fixture, &self.image(), MediaSize::Minutes74, [2; 8])
            .unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        let library = self.dir.path().join("lib.sqlite3");
        let mut all = vec!["--library", library.to_str().unwrap()];
        all.extend_from_slice(args);
        ministage_on(&self.image(), self.dir.path(), &all, None)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn info(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["device", "info", "--json"]).stdout).unwrap()
    }
}

#[test]
fn init_virtual_himd_makes_a_blank_disc_recognised_by_content() {
    let s = Setup::new();
    s.ok(&[
        "device",
        "init-virtual",
        s.image().to_str().unwrap(),
        "--himd",
        "--minutes",
        "74",
    ]);
    let info = s.info();
    assert_eq!(info["kind"], "himd");
    assert_eq!(info["tracks"].as_array().unwrap().len(), 0);
    let total = info["capacity"]["total_bytes"].as_u64().unwrap();
    assert!(total > 270_000_000 && total < 283_000_000, "{total}");
    // 1gb is a Hi-MD size only; Hi-MD has no 60-minute discs.
    let bad = s.run(&["device", "init-virtual", "x.json", "--minutes", "1gb"]);
    assert!(!bad.status.success());
    let bad = s.run(&[
        "device",
        "init-virtual",
        "y.img",
        "--himd",
        "--minutes",
        "60",
    ]);
    assert!(!bad.status.success());
    // What is not there yet says so instead of treating the image as a NetMD deck.
    let rename = s.run(&["device", "move", "1", "2"]);
    assert!(!rename.status.success());
    assert!(
        String::from_utf8_lossy(&rename.stderr).contains("Hi-MD"),
        "{}",
        String::from_utf8_lossy(&rename.stderr)
    );
    // Renaming a track that is not there fails cleanly.
    assert!(!s.run(&["device", "rename", "1", "x"]).status.success());
}

#[test]
fn the_sample_disc_lists_and_comes_back_in_its_own_formats() {
    let s = Setup::new();
    s.sample_disc();
    let info = s.info();
    assert_eq!(info["title"], "Hi-MD Format Upload Test");
    let tracks = info["tracks"].as_array().unwrap();
    let codecs: Vec<(&str, u64)> = tracks
        .iter()
        .map(|t| (t["codec"].as_str().unwrap(), t["kbps"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        codecs,
        [
            ("ATRAC3plus", 256),
            ("ATRAC3plus", 64),
            ("PCM", 1411),
            ("MP3", 192),
            ("ATRAC3", 66),
            ("ATRAC3plus", 192)
        ]
    );
    assert!(tracks.iter().all(|t| t["artist"] == "Jahzzar"));
    let table = String::from_utf8(s.ok(&["device", "info"]).stdout).unwrap();
    assert!(table.contains("Jahzzar — Siesta LPCM Line In"), "{table}");

    let out_dir = s.dir.path().join("received");
    s.ok(&[
        "device",
        "receive",
        "--to",
        out_dir.to_str().unwrap(),
        "3",
        "4",
        "5",
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "03 - Siesta LPCM Line In.wav",
            "04 - Siesta MP3 SonicStage.mp3",
            "05 - Siesta ATRAC3 SonicStage.oma"
        ]
    );
    let oma = atrac::probe(&out_dir.join("05 - Siesta ATRAC3 SonicStage.oma")).unwrap();
    assert_eq!(oma.codec_name(), "atrac3");

    let list = s.ok(&["library", "list", "--json"]);
    let tracks: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let tracks = tracks.as_array().unwrap();
    assert_eq!(tracks.len(), 3, "{tracks:?}");
    for t in tracks {
        assert_eq!(t["album"], "Hi-MD Format Upload Test", "{t}");
    }

    // Renames are written to the image and read back; the volume stays clean.
    s.ok(&["device", "rename", "2", "Siesta, recorded in Hi-LP"]);
    s.ok(&["device", "rename-disc", "東京 Sessions"]);
    let info = s.info();
    assert_eq!(info["title"], "東京 Sessions");
    assert_eq!(info["tracks"][1]["title"], "Siesta, recorded in Hi-LP");
    assert_eq!(info["tracks"][1]["artist"], "Jahzzar");
    if let Ok(fsck) = std::process::Command::new("fsck.fat")
        .arg("-n")
        .arg(s.image())
        .output()
    {
        assert!(
            fsck.status.success(),
            "{}",
            String::from_utf8_lossy(&fsck.stdout)
        );
    }

    // A second run skips what is there.
    let again = s.ok(&["device", "receive", "--to", out_dir.to_str().unwrap(), "3"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already received"));
}
