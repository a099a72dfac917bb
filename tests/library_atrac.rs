//! Importing Sony files (OMA/OMG, AT3, AEA, and WAV holding ATRAC) into the library, over the
//! conformance fixtures in tests/fixtures/atrac (see `tests/atrac_conformance.rs`), with the two
//! PCM sources they were encoded from written beside them as WAV.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use common::fixtures::{atrac_dir, source_pcm};
use library::{self, AtracMode, AudioCodec, ImportOptions, Library, Track};

fn import_fixtures() -> (Vec<Track>, library::ImportReport) {
    let sources = tempfile::tempdir().unwrap();
    for name in ["music4s", "voice4s"] {
        let wav = sources.path().join(format!("{name}.wav"));
        testkit::write_wav(&wav, &source_pcm(name)).unwrap();
    }
    let mut lib = Library::open_in_memory().unwrap();
    let roots = [atrac_dir(), sources.path().to_path_buf()];
    let report = library::import(&mut lib, &roots, &ImportOptions::default(), &|_| {}).unwrap();
    (lib.all_tracks().unwrap(), report)
}

fn by_file<'a>(tracks: &'a [Track], name: &str) -> &'a Track {
    tracks
        .iter()
        .find(|t| t.path.file_name().is_some_and(|n| n == name))
        .unwrap_or_else(|| panic!("{name} was not imported"))
}

#[test]
fn imports_every_sony_fixture_with_codec_duration_and_tags() {
    let (tracks, report) = import_fixtures();
    for t in &tracks {
        println!(
            "{:28} {:10} {:6} ms {:?} Hz {:?} ch {:?} kbps {:?} / {:?} / {:?} #{:?} {:?}",
            t.path.file_name().unwrap().to_string_lossy(),
            t.codec,
            t.duration_ms,
            t.sample_rate,
            t.channels,
            t.bitrate_kbps,
            t.title,
            t.artist,
            t.album,
            t.track_number,
            t.year
        );
    }
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    // 20 Sony files and the two PCM sources.
    assert_eq!(report.added, 22, "{report}");

    let tagged = by_file(&tracks, "music4s_lp2_tagged.oma");
    assert_eq!(tagged.title, "Tokyo 東京 (Live)");
    assert_eq!(tagged.artist, "The Walkmen");
    assert_eq!(tagged.album, "Connect Sessions");
    assert_eq!(tagged.track_number, Some(3));
    assert_eq!(tagged.year, Some(2005));
    assert_eq!(tagged.codec, AudioCodec::Atrac3);
    assert_eq!(tagged.duration_ms, 175 * 1024 * 1000 / 44100);
    assert_eq!(tagged.bitrate_kbps, Some(132));

    for (file, codec, channels, kbps) in [
        ("music4s_lp2.oma", "atrac3", 2, 132),
        ("music4s_lp4.oma", "atrac3", 2, 66),
        ("voice4s_lp4.at3", "atrac3", 2, 66),
        ("music4s_105.at3", "atrac3", 2, 105),
        ("test_mono.at3", "atrac3", 1, 52),
        ("music4s_sp.aea", "atrac1", 2, 292),
        ("music4s_at3p.oma", "atrac3plus", 2, 352),
        ("sample.at3", "atrac3plus", 2, 64),
        ("music2s_at3p_128.oma", "atrac3plus", 2, 128),
        ("voice2s_at3p_mono.at3", "atrac3plus", 1, 64),
    ] {
        let t = by_file(&tracks, file);
        // The names the library has always stored.
        assert_eq!(t.codec.as_str(), codec, "{file}");
        assert_eq!(t.channels, Some(channels), "{file}");
        assert_eq!(t.bitrate_kbps, Some(kbps), "{file}");
        assert_eq!(t.sample_rate, Some(44100), "{file}");
        assert!(t.duration_ms > 1000, "{file}: {}", t.duration_ms);
    }
    // Untagged files get their title from the file name, like every other format.
    assert_eq!(by_file(&tracks, "voice4s_lp2.oma").title, "voice4s lp2");
    assert_eq!(by_file(&tracks, "music4s.wav").codec, AudioCodec::Pcm);
}

#[test]
fn modes_are_listed_and_protected_files_are_marked_not_decoded() {
    let (tracks, _) = import_fixtures();
    for (file, mode) in [
        ("music4s_lp2.oma", AtracMode::Lp2),
        ("music4s_lp4.at3", AtracMode::Lp4),
        ("music4s_105.at3", AtracMode::Lp105),
        ("test_mono.at3", AtracMode::Mono),
        ("music4s_sp.aea", AtracMode::Sp),
        ("music4s_at3p.oma", AtracMode::Atrac3Plus(352)),
        ("sample.at3", AtracMode::Atrac3Plus(64)),
        ("voice2s_at3p_mono.at3", AtracMode::Atrac3Plus(64)),
        ("music4s.wav", AtracMode::NotAtrac),
    ] {
        assert_eq!(by_file(&tracks, file).mode, mode, "{file}");
    }
    assert!(tracks.iter().all(|t| !t.protected));

    // A hand-made OpenMG file whose EA3 header says it is encrypted (eid 0001).
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0u8; 96];
    bytes[..3].copy_from_slice(b"EA3");
    bytes[3] = 1;
    bytes[4..6].copy_from_slice(&[0x00, 0x60]);
    bytes[6..8].copy_from_slice(&[0x00, 0x01]);
    bytes[32] = 0; // ATRAC3
    bytes[33..36].copy_from_slice(&[0x00, 0x20, 0x30]); // 44.1 kHz, 384-byte frames
    bytes.extend(vec![0u8; 384 * 20]);
    let path = dir.path().join("locked.oma");
    std::fs::write(&path, &bytes).unwrap();
    let mut lib = Library::open_in_memory().unwrap();
    let report = library::import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!(report.added, 1, "{report}");
    let all = lib.all_tracks().unwrap();
    let locked = by_file(&all, "locked.oma");
    assert!(locked.protected);
    assert_eq!(locked.codec, AudioCodec::Atrac3);
    // Never decoded: the player and `convert` get a clear refusal.
    let err = media::player::source::open(&path).err().expect("refused");
    assert!(err.to_string().contains("protected by OpenMG DRM"), "{err}");
}
