//! `ministage device …` on the virtual Hi-MD device: a blank disc from `init-virtual --himd`,
//! and linux-minidisc's sample disc (tests/fixtures/himd) as an image, listed with `device
//! info` and received with `device receive` into files in the tracks' own formats and into
//! the library; `device erase --yes` formats the disc.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use himd::virtual_device::{MediaSize, VirtualHimd};

#[path = "common/device_cmd.rs"]
mod device_cmd;
#[path = "../crates/himd/tests/common/fsck.rs"]
mod fsck;
#[path = "common/himd_damage.rs"]
mod himd_damage;

use himd_damage::damage_track_index;

use fsck::fsck;

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

    /// A blank 74-minute disc from `device init-virtual --himd`.
    fn blank_disc(&self) {
        self.ok(&[
            "device",
            "init-virtual",
            self.image().to_str().unwrap(),
            "--himd",
            "--minutes",
            "74",
        ]);
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
        device_cmd::succeeded(args, self.run(args))
    }

    /// The unit's integrity check holds and the volume is clean.
    fn consistent(&self) {
        let mut device = VirtualHimd::open(&self.image()).unwrap();
        assert!(device.integrity_holds().unwrap());
        fsck(&self.image());
    }

    /// `device receive --to TO NUMBERS…`.
    fn receive(&self, to: &Path, numbers: &[&str]) -> Output {
        let mut args = vec!["device", "receive", "--to", to.to_str().unwrap()];
        args.extend_from_slice(numbers);
        self.ok(&args)
    }

    fn info(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["device", "info", "--json"]).stdout).unwrap()
    }
}

#[test]
fn init_virtual_himd_makes_a_blank_disc_recognised_by_content() {
    let s = Setup::new();
    s.blank_disc();
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
    let rename = s.run(&["device", "status"]);
    assert!(!rename.status.success());
    assert!(
        String::from_utf8_lossy(&rename.stderr).contains("Hi-MD"),
        "{}",
        String::from_utf8_lossy(&rename.stderr)
    );
    // Renaming a track that is not there fails cleanly.
    assert!(!s.run(&["device", "rename", "1", "x"]).status.success());
}

/// Each track's codec and bit rate, as `device info --json` lists them.
fn codecs(info: &serde_json::Value) -> Vec<(&str, u64)> {
    info["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["codec"].as_str().unwrap(), t["kbps"].as_u64().unwrap()))
        .collect()
}

#[test]
fn the_sample_disc_lists_and_comes_back_in_its_own_formats() {
    let s = Setup::new();
    s.sample_disc();
    let info = s.info();
    assert_eq!(info["title"], "Hi-MD Format Upload Test");
    let tracks = info["tracks"].as_array().unwrap();
    assert_eq!(
        codecs(&info),
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
    s.receive(&out_dir, &["3", "4", "5"]);
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
    fsck(&s.image());

    // A second run skips what is there.
    let again = s.ok(&["device", "receive", "--to", out_dir.to_str().unwrap(), "3"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already received"));
}

/// An MP3 file: an ID3v2.3 tag with title, artist and album, then `count` MPEG-1 Layer III
/// frames at `kbps_index` (9 = 128 kbps), 44.1 kHz, with varied bodies.
fn mp3_file(count: usize, kbps_index: impl Fn(usize) -> u8) -> (Vec<u8>, Vec<u8>) {
    let mut frames_out = Vec::new();
    for i in 0..count {
        let header = [0xFF, 0xFB, kbps_index(i) << 4, 0x44];
        let len = himd::mp3::frame_len(header).unwrap();
        frames_out.extend(header);
        frames_out.extend((4..len).map(|j| (i * 11 + j) as u8));
    }
    let mut frames = Vec::new();
    for (id, text) in [
        (b"TIT2", "Sent as MP3"),
        (b"TPE1", "Ministage"),
        (b"TALB", "Hi-MD writes"),
    ] {
        frames.extend(id);
        frames.extend(((text.len() + 1) as u32).to_be_bytes());
        frames.extend([0, 0, 0]);
        frames.extend(text.as_bytes());
    }
    let mut file = b"ID3\x03\x00\x00".to_vec();
    let size = frames.len() as u32;
    file.extend([
        (size >> 21 & 0x7F) as u8,
        (size >> 14 & 0x7F) as u8,
        (size >> 7 & 0x7F) as u8,
        (size & 0x7F) as u8,
    ]);
    file.extend(frames);
    file.extend(&frames_out);
    (file, frames_out)
}

fn audio_on_disc(image: &Path, number: usize) -> Vec<u8> {
    let device = VirtualHimd::open(image).unwrap();
    let fat =
        himd::volume::FatFiles::open(himd::volume::ScsiSectors::new(device).unwrap()).unwrap();
    let mut disc = himd::Disc::open(fat).unwrap();
    let mut out = Vec::new();
    disc.read_audio(number, &mut out).unwrap();
    out
}

#[test]
fn mp3_atrac3_and_pcm_sent_to_a_himd_disc_come_back_whole() {
    let s = Setup::new();
    s.sample_disc();
    let (file, frames) = mp3_file(120, |_| 9);
    let mp3 = s.dir.path().join("song.mp3");
    std::fs::write(&mp3, &file).unwrap();
    let out = s.ok(&["device", "send", "--mode", "mp3", mp3.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("track 7"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Variable bit rate is refused for mp3 mode, with the reason, and nothing is written.
    let (vbr, _) = mp3_file(40, |i| if i < 20 { 9 } else { 11 });
    let vbr_path = s.dir.path().join("vbr.mp3");
    std::fs::write(&vbr_path, vbr).unwrap();
    let refused = s.run(&[
        "device",
        "send",
        "--mode",
        "mp3",
        vbr_path.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("variable-bit-rate"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // SP is not a Hi-MD mode.
    assert!(
        !s.run(&["device", "send", "--mode", "sp", mp3.to_str().unwrap()])
            .status
            .success()
    );

    let at3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atrac/music4s_lp2.at3");
    s.ok(&["device", "send", "--mode", "lp2", at3.to_str().unwrap()]);
    s.ok(&[
        "device",
        "send",
        "--mode",
        "pcm",
        "--title",
        "Lossless",
        at3.to_str().unwrap(),
    ]);

    let info = s.info();
    let tracks = info["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 9);
    assert_eq!(tracks[6]["title"], "Sent as MP3");
    assert_eq!(tracks[6]["artist"], "Ministage");
    assert_eq!(tracks[6]["album"], "Hi-MD writes");
    assert_eq!(tracks[6]["codec"], "MP3");
    assert_eq!(tracks[7]["codec"], "ATRAC3");
    assert_eq!(tracks[7]["kbps"], 132);
    assert_eq!(tracks[8]["codec"], "PCM");
    assert_eq!(tracks[8]["title"], "Lossless");
    let ms = tracks[8]["duration_ms"].as_u64().unwrap();
    assert!((3900..4300).contains(&ms), "{ms}");

    // The MP3 frames and the ATRAC3 frames come back byte for byte.
    assert!(audio_on_disc(&s.image(), 7) == frames);
    assert!(audio_on_disc(&s.image(), 8) == atrac_frames(&at3));

    // Received as an .mp3 file, the frames are the ones sent.
    let out_dir = s.dir.path().join("back");
    s.ok(&["device", "receive", "--to", out_dir.to_str().unwrap(), "7"]);
    let received = std::fs::read(out_dir.join("07 - Sent as MP3.mp3")).unwrap();
    assert!(himd::mp3::Mp3Frames::parse(&received).unwrap().data == frames);

    s.consistent();
}

#[test]
fn atrac3plus_files_go_back_to_a_disc_as_they_are_and_protected_ones_are_refused() {
    let sample = Setup::new();
    sample.sample_disc();
    let received = sample.dir.path().join("received");
    sample.receive(&received, &["1", "2"]);
    let mut omas: Vec<PathBuf> = std::fs::read_dir(&received)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    omas.sort();
    assert_eq!(omas.len(), 2, "{omas:?}");

    let s = Setup::new();
    s.blank_disc();
    let mut args = vec!["device", "send"];
    args.extend(omas.iter().map(|p| p.to_str().unwrap()));
    s.ok(&args);
    let info = s.info();
    assert_eq!(codecs(&info), [("ATRAC3plus", 256), ("ATRAC3plus", 64)]);
    let table = String::from_utf8(s.ok(&["device", "info"]).stdout).unwrap();
    assert!(table.contains("ATRAC3plus 256k"), "{table}");
    assert!(table.contains("ATRAC3plus 64k"), "{table}");
    for number in [1, 2] {
        assert!(
            audio_on_disc(&s.image(), number) == audio_on_disc(&sample.image(), number),
            "track {number}'s frames changed"
        );
    }
    s.consistent();

    // In an ATRAC3 mode the file is decoded and encoded like any other.
    s.ok(&["device", "send", "--mode", "lp2", omas[1].to_str().unwrap()]);
    assert_eq!(codecs(&s.info())[2], ("ATRAC3", 132));

    // An OpenMG-protected file (its EA3 header names a key) is refused, never decrypted.
    let mut protected = std::fs::read(&omas[1]).unwrap();
    let ea3 = protected.windows(4).position(|w| w == b"EA3\x01").unwrap();
    protected[ea3 + 6..ea3 + 8].copy_from_slice(&[0x00, 0x01]);
    let path = s.dir.path().join("protected.oma");
    std::fs::write(&path, protected).unwrap();
    let refused = s.run(&["device", "send", path.to_str().unwrap()]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains(atrac::PROTECTED_LABEL), "{why}");
    assert_eq!(s.info()["tracks"].as_array().unwrap().len(), 3);
}

#[test]
fn moves_groups_and_deletes_on_a_himd_disc() {
    let s = Setup::new();
    s.sample_disc();
    let titles = |info: &serde_json::Value| -> Vec<String> {
        info["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = titles(&s.info());

    s.ok(&["device", "move", "1", "3"]);
    let moved = titles(&s.info());
    assert_eq!(moved[2], before[0]);
    assert_eq!(moved[0], before[1]);

    s.ok(&["device", "group", "create", "1", "2", "Side A"]);
    s.ok(&["device", "group", "create", "4", "6", "Side B"]);
    let overlap = s.run(&["device", "group", "create", "2", "4", "Bad"]);
    assert!(!overlap.status.success());
    s.ok(&["device", "group", "rename", "2", "Side Β"]);
    let info = s.info();
    let groups = info["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0]["title"], "Side A");
    assert_eq!(
        (groups[1]["first"].as_u64(), groups[1]["last"].as_u64()),
        (Some(4), Some(6))
    );
    assert_eq!(groups[1]["title"], "Side Β");

    // Deleting track 5 shrinks group 2; the disc title stays.
    s.ok(&["device", "delete", "5"]);
    let info = s.info();
    assert_eq!(info["title"], "Hi-MD Format Upload Test");
    let left = titles(&info);
    assert_eq!(left.len(), 5);
    assert!(!left.contains(&moved[4]));
    assert_eq!(info["groups"][1]["last"], 5);
    s.ok(&["device", "group", "delete", "1"]);
    assert_eq!(s.info()["groups"].as_array().unwrap().len(), 1);

    // A track away from a group moves next to it to join; one inside moves out past its end.
    // Each step: the command, the track that moved (before, after) and the group's new range.
    for (args, (was, now), range) in [
        (["group", "add", "1", "1"], (0, 4), [3, 5]),
        (["group", "remove", "4", ""], (3, 4), [3, 4]),
    ] {
        let before = titles(&s.info());
        let mut all = vec!["device"];
        all.extend(args.iter().filter(|a| !a.is_empty()));
        s.ok(&all);
        let info = s.info();
        assert_eq!(titles(&info)[now], before[was], "{args:?}");
        assert_eq!(info["groups"][0]["first"], range[0], "{args:?}");
        assert_eq!(info["groups"][0]["last"], range[1], "{args:?}");
    }
    let info = s.info();
    assert_eq!(info["groups"][0]["title"], "Side Β");
    assert!(
        !s.run(&["device", "group", "add", "9", "1"])
            .status
            .success()
    );

    s.consistent();

    s.ok(&["device", "erase", "--yes"]);
    let info = s.info();
    assert_eq!(info["tracks"].as_array().unwrap().len(), 0);
    s.consistent();
}

/// Writes `bytes` over the start of the current track index in the image.

#[test]
fn a_damaged_track_index_is_named_with_its_backup_and_restored() {
    let s = Setup::new();
    s.blank_disc();
    let (file, frames) = mp3_file(60, |_| 9);
    let mp3 = s.dir.path().join("song.mp3");
    std::fs::write(&mp3, &file).unwrap();
    let at3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atrac/music4s_lp2.at3");
    s.ok(&["device", "send", "--mode", "mp3", mp3.to_str().unwrap()]);
    s.ok(&["device", "send", "--mode", "lp2", at3.to_str().unwrap()]);
    s.ok(&["device", "rename", "2", "Second"]);
    let before = s.info();
    let at3_back = audio_on_disc(&s.image(), 2);

    let name = damage_track_index(&s.image(), b"JUNK");
    let out = s.run(&["device", "info"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&name) && err.contains("TIF"), "{err}");
    assert!(
        err.contains("_RKIDX") && err.contains("restore-index"),
        "{err}"
    );

    // Without --yes nothing changes.
    let refused = s.run(&["device", "restore-index"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(!s.run(&["device", "info"]).status.success());

    let out = s.ok(&["device", "restore-index", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 track(s)"));
    let after = s.info();
    assert_eq!(after["tracks"], before["tracks"]);
    assert_eq!(after["tracks"][1]["title"], "Second");
    assert!(audio_on_disc(&s.image(), 1) == frames);
    assert!(audio_on_disc(&s.image(), 2) == at3_back);
    let out_dir = s.dir.path().join("back");
    s.ok(&["device", "receive", "--to", out_dir.to_str().unwrap(), "1"]);
    let received = std::fs::read(out_dir.join("01 - Sent as MP3.mp3")).unwrap();
    assert!(himd::mp3::Mp3Frames::parse(&received).unwrap().data == frames);
    s.consistent();

    // An index that reads needs nothing.
    let out = s.ok(&["device", "restore-index", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to restore"));
}

#[test]
fn an_mpeg2_mp3_is_refused_in_mp3_mode_and_sent_as_atrac3_in_auto() {
    let s = Setup::new();
    s.blank_disc();
    let mp3 =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mp3/music2s_mpeg2_22k.mp3");
    let refused = s.run(&["device", "send", "--mode", "mp3", mp3.to_str().unwrap()]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("MPEG-2 Layer III") && err.contains("only MPEG-1"),
        "{err}"
    );
    assert_eq!(s.info()["tracks"].as_array().unwrap().len(), 0);

    s.ok(&["device", "send", mp3.to_str().unwrap()]);
    let info = s.info();
    let track = &info["tracks"][0];
    assert_eq!(track["codec"], "ATRAC3", "{track}");
    assert_eq!(track["kbps"], 132);
    let ms = track["duration_ms"].as_u64().unwrap();
    assert!((1900..2300).contains(&ms), "{ms}");
    s.consistent();
}

/// The audio frames of an ATRAC file (`.oma`/`.at3`), without its header.
fn atrac_frames(path: &Path) -> Vec<u8> {
    let probe = atrac::probe(path).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let start = probe.data_offset as usize;
    let len = (probe.frames * u64::from(probe.frame_bytes)) as usize;
    bytes[start..start + len].to_vec()
}

#[test]
fn erase_formats_a_himd_disc_which_keeps_its_id() {
    let s = Setup::new();
    s.blank_disc();
    let blank = s.info();
    let at3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atrac/music4s_lp2.at3");
    let at3 = at3.to_str().unwrap();
    s.ok(&["device", "send", "--mode", "lp2", at3]);
    s.ok(&["device", "send", "--mode", "pcm", at3]);
    s.ok(&["device", "rename-disc", "Before"]);
    let full = s.info();
    assert_eq!(full["tracks"].as_array().unwrap().len(), 2);
    assert!(full["capacity"]["free_bytes"].as_u64() < blank["capacity"]["free_bytes"].as_u64());

    // Without --yes it explains and changes nothing.
    let refused = s.run(&["device", "erase"]);
    assert_eq!(refused.status.code(), Some(1));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("--yes") && why.contains("Hi-MD"), "{why}");
    assert_eq!(s.info()["tracks"].as_array().unwrap().len(), 2);

    let out = s.ok(&["device", "erase", "--yes"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("formatted the disc (2 tracks"), "{said}");
    let info = s.info();
    assert_eq!(info["tracks"].as_array().unwrap().len(), 0);
    assert_eq!(info["title"], "");
    assert_eq!(info["disc_id"], blank["disc_id"]);
    assert_eq!(info["capacity"], blank["capacity"]);
    assert_eq!(info["title_bytes_left"], blank["title_bytes_left"]);
    s.consistent();

    // The formatted disc takes a send, and gives it back byte for byte.
    s.ok(&["device", "send", "--mode", "lp2", at3]);
    assert!(audio_on_disc(&s.image(), 1) == atrac_frames(Path::new(at3)));
    let back = s.dir.path().join("back");
    s.receive(&back, &["1"]);
    let received: Vec<PathBuf> = std::fs::read_dir(&back)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(atrac_frames(&received[0]) == atrac_frames(Path::new(at3)));
    s.consistent();
}

#[test]
fn a_write_protected_himd_disc_is_not_formatted_and_still_reads() {
    let s = Setup::new();
    s.sample_disc();
    VirtualHimd::open(&s.image())
        .unwrap()
        .set_write_protected(true)
        .unwrap();
    let refused = s.run(&["device", "erase", "--yes"]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("write-protected"), "{why}");
    assert_eq!(s.info()["tracks"].as_array().unwrap().len(), 6);
    s.consistent();
}

#[test]
fn rename_sets_artist_and_album_and_archive_takes_every_track_with_its_titles() {
    let s = Setup::new();
    s.sample_disc();
    s.ok(&[
        "device",
        "rename",
        "2",
        "New title",
        "--artist",
        "New artist",
        "--album",
        "New album",
    ]);
    let info = s.info();
    assert_eq!(info["tracks"][1]["title"], "New title");
    assert_eq!(info["tracks"][1]["artist"], "New artist");
    assert_eq!(info["tracks"][1]["album"], "New album");

    let dir = s.dir.path().join("archive");
    s.ok(&["device", "archive", dir.to_str().unwrap()]);
    let count = info["tracks"].as_array().unwrap().len();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), count + 1, "{names:?}");
    assert!(
        names.contains(&"02 - New title.oma".to_string()),
        "{names:?}"
    );
    let csv = std::fs::read_to_string(dir.join("titles.csv")).unwrap();
    assert!(csv.contains("New title"), "{csv}");
    // A second archive keeps what is there.
    let again = s.ok(&["device", "archive", dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already there"));
    fsck(&s.image());
}
