//! linux-minidisc's sample Hi-MD disc (tests/fixtures/himd), read through the folder of its
//! files and checked against what Debian's `himdcli` printed and dumped for it
//! (tests/fixtures/himd/himdcli/).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use himd::codec::AudioFormat;
use himd::disc::{Disc, IndexChoice, TextField};
use himd::export::{ea3_header, export_track};
use himd::mac_list::MacList;
use himd::track_index::TrackIndex;
use himd::{FolderFiles, HimdError, keys};
use sha2::{Digest, Sha256};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/himd")
}

fn file(name: &str) -> Vec<u8> {
    std::fs::read(fixture().join("HMDHIFI").join(name)).unwrap()
}

fn reference(name: &str) -> String {
    std::fs::read_to_string(fixture().join("himdcli").join(name)).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    netmd::bytes::to_hex(&Sha256::digest(bytes))
}

/// himdcli's dump of each track: file name → SHA-256.
fn dump_hashes() -> Vec<(String, String)> {
    reference("dumps.sha256")
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, n)| (n.to_string(), h.to_string()))
        .collect()
}

/// A copy of the sample disc's files to change.
fn copy_of_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let himd = dir.path().join("HMDHIFI");
    std::fs::create_dir(&himd).unwrap();
    for entry in std::fs::read_dir(fixture().join("HMDHIFI")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), himd.join(entry.file_name())).unwrap();
    }
    dir
}

fn hex<const N: usize>(s: &str) -> [u8; N] {
    netmd::bytes::from_hex(s).unwrap().try_into().unwrap()
}

#[test]
fn track_index_and_mac_list_round_trip_byte_for_byte() {
    for name in ["TRKIDX07.HMA", "_RKIDX08.HMA"] {
        let bytes = file(name);
        let index = TrackIndex::parse(name, &bytes).unwrap();
        assert!(
            index.to_bytes() == bytes,
            "{name} changed on the way through"
        );
    }
    for name in ["MCLIST06.HMA", "MCLIST07.HMA"] {
        let bytes = file(name);
        assert!(MacList::parse(name, &bytes).unwrap().to_bytes() == bytes);
    }
}

#[test]
fn audio_blocks_round_trip_byte_for_byte() {
    let atdata = file("ATDATA07.HMA");
    for raw in atdata.chunks_exact(himd::block::BLOCK_BYTES) {
        let block = himd::block::AudioBlock::parse(raw.try_into().unwrap());
        assert!(block.to_bytes()[..] == *raw);
    }
}

#[test]
fn listing_matches_himdcli() {
    let mut disc = Disc::open(FolderFiles::new(fixture())).unwrap();
    let listing = disc.listing().unwrap();
    assert_eq!(listing.title.as_deref(), Some("Hi-MD Format Upload Test"));
    assert!(listing.groups.is_empty());
    let disc_id = reference("discid.txt");
    assert_eq!(
        format!(
            "Disc ID: {}",
            netmd::bytes::to_hex(&listing.disc_id).to_uppercase()
        ),
        disc_id.trim()
    );
    assert_eq!(listing.generation, 7);

    // himdcli: "   1: 0:07 AT3+ Jahzzar:Siesta Hi-SP Line In (Travellers Guide 0) [uploadable]"
    // followed by "        16 Blocks of 16 KB each,  256kbps".
    let verbose = reference("tracks-verbose.txt");
    let lines: Vec<&str> = verbose.lines().collect();
    let headers: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("[uploadable]"))
        .collect();
    let sizes: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("Blocks of 16 KB"))
        .collect();
    assert_eq!(listing.tracks.len(), headers.len());
    for ((track, header), size) in listing.tracks.iter().zip(&headers).zip(&sizes) {
        let codec = match track.format.unwrap() {
            AudioFormat::Atrac3 => "AT3 ",
            AudioFormat::Atrac3Plus => "AT3+",
            AudioFormat::Lpcm => "LPCM",
            AudioFormat::Mpeg => "MPEG",
        };
        let seconds = track.seconds;
        assert!(track.duration_ms.abs_diff(u64::from(seconds) * 1000) < 1000);
        let expected = format!(
            "{:4}: {}:{:02} {codec} {}:{} ({} 0) [uploadable]",
            track.number,
            seconds / 60,
            seconds % 60,
            track.artist.as_deref().unwrap(),
            track.title.as_deref().unwrap(),
            track.album.as_deref().unwrap(),
        );
        assert_eq!(&expected, header);
        assert_eq!(
            format!(
                "{:>10} Blocks of 16 KB each,  {}kbps",
                track.blocks, track.kbps
            ),
            *size
        );
    }
    assert_eq!(listing.audio_bytes, (16 + 4 + 56 + 11 + 4 + 12) * 16384);
    assert!(listing.space.is_none());
    assert!(listing.title_bytes_left > 4000 * 14);
}

#[test]
fn dumped_audio_matches_himdcli() {
    let mut disc = Disc::open(FolderFiles::new(fixture())).unwrap();
    let hashes = dump_hashes();
    assert_eq!(hashes.len(), 6);
    for (name, hash) in hashes {
        let number: usize = name[1..2].parse().unwrap();
        let track = disc.track(number).unwrap();
        // himdcli writes ATRAC behind a bare EA3 header and PCM as it is on the disc.
        let mut stream = Vec::new();
        if name.to_ascii_lowercase().ends_with(".oma") {
            stream.extend_from_slice(&ea3_header(track.codec));
        }
        disc.read_audio(number, &mut stream).unwrap();
        assert_eq!(sha256(&stream), hash, "track {number} ({name})");
    }
}

#[test]
fn received_files_hold_the_same_audio_with_tags() {
    let mut disc = Disc::open(FolderFiles::new(fixture())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hashes = dump_hashes();
    for (name, hash) in hashes {
        let number: usize = name[1..2].parse().unwrap();
        let track = disc.track(number).unwrap();
        let ext = track.format.unwrap().extension();
        let path = dir.path().join(format!("{number}.{ext}"));
        let exported = export_track(&mut disc, number, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        match ext {
            "oma" => {
                // An ea3 tag, then exactly what himdcli wrote.
                assert_eq!(&bytes[..3], b"ea3");
                let info = atrac::probe(&path).unwrap();
                assert_eq!(info.tags.title.as_deref(), track.title.as_deref());
                assert_eq!(info.tags.artist.as_deref(), track.artist.as_deref());
                let at = bytes.len() - exported.audio_bytes as usize - 96;
                assert_eq!(sha256(&bytes[at..]), hash, "{name}");
            }
            "wav" => {
                assert_eq!(&bytes[..4], b"RIFF");
                let mut pcm = bytes[44..].to_vec();
                for pair in pcm.chunks_exact_mut(2) {
                    pair.swap(0, 1);
                }
                assert_eq!(sha256(&pcm), hash, "{name}");
            }
            "mp3" => {
                assert_eq!(&bytes[..3], b"ID3");
                let at = bytes.len() - exported.audio_bytes as usize;
                assert_eq!(sha256(&bytes[at..]), hash, "{name}");
                assert_eq!(&bytes[at..at + 2], [0xFF, 0xFB]);
            }
            other => panic!("unexpected extension {other}"),
        }
    }
    // Nothing but the six files: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 6);
}

#[test]
fn track_macs_and_list_keys_match_the_fact_sheet() {
    let disc = Disc::open(FolderFiles::new(fixture())).unwrap();
    let list = disc.mac_list();
    assert_eq!(
        keys::unwrap_list_key(list.wrapped_head_key()),
        hex::<16>("4020598d63fd3aa692cd34abc9ffd437")
    );
    assert_eq!(
        keys::unwrap_list_key(list.wrapped_body_key()),
        hex::<16>("7b4ce90c8571e80123e0c3ea73e0d18c")
    );
    for (slot, mac) in [
        (1u16, "4bdcee8cc9e9d2eb"),
        (3, "3b6ccfc998004f9e"),
        (5, "5f934851764f1c30"),
    ] {
        assert_eq!(
            disc.computed_mac(slot).unwrap(),
            hex::<8>(mac),
            "slot {slot}"
        );
        assert_eq!(list.mac(slot).unwrap(), hex::<8>(mac));
    }
    // Every signed track's MAC recomputes; the MP3 is unsigned.
    for slot in 1..=6u16 {
        let entry = disc.index().track(slot).unwrap();
        assert_eq!(disc.computed_mac(slot).unwrap(), entry.mac, "slot {slot}");
    }
}

#[test]
fn a_damaged_track_index_names_the_backup_which_opens() {
    let dir = copy_of_fixture();
    let himd = dir.path().join("HMDHIFI");
    let mut bytes = file("TRKIDX07.HMA");
    bytes[0x100] = 0xFF;
    std::fs::write(himd.join("TRKIDX07.HMA"), bytes).unwrap();
    let err = Disc::open(FolderFiles::new(dir.path())).err().unwrap();
    match &err {
        HimdError::DamagedTrackIndex { file, backup, .. } => {
            assert_eq!(file, "TRKIDX07.HMA");
            assert_eq!(backup.as_deref(), Some("_RKIDX08.HMA"));
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("_RKIDX08.HMA"), "{err}");
    let mut disc = Disc::open_with(FolderFiles::new(dir.path()), IndexChoice::Backup).unwrap();
    assert_eq!(disc.index_file(), "_RKIDX08.HMA");
    assert_eq!(disc.listing().unwrap().tracks.len(), 6);

    // Without the backup the message says so.
    std::fs::remove_file(himd.join("_RKIDX08.HMA")).unwrap();
    let err = Disc::open(FolderFiles::new(dir.path())).err().unwrap();
    assert!(err.to_string().contains("no readable backup"), "{err}");
}

#[test]
fn groups_list_with_their_titles_and_ranges() {
    let dir = copy_of_fixture();
    let himd = dir.path().join("HMDHIFI");
    let mut index = TrackIndex::parse("TRKIDX07.HMA", &file("TRKIDX07.HMA")).unwrap();
    let name = index
        .add_string(himd::track_index::ChunkKind::Group, "Recorded on the unit")
        .unwrap();
    index.groups[1] = himd::track_index::GroupEntry {
        first: 1,
        last: 3,
        title: name,
        flags: 0x10,
        pad: 0,
    };
    std::fs::write(himd.join("TRKIDX07.HMA"), index.to_bytes()).unwrap();
    let listing = Disc::open(FolderFiles::new(dir.path()))
        .unwrap()
        .listing()
        .unwrap();
    assert_eq!(listing.title.as_deref(), Some("Hi-MD Format Upload Test"));
    assert_eq!(
        listing.groups,
        [himd::GroupListing {
            title: Some("Recorded on the unit".into()),
            first: 1,
            last: 3
        }]
    );
}

#[test]
fn renames_change_only_the_texts_and_keep_the_macs() {
    let dir = copy_of_fixture();
    let before = std::fs::read(dir.path().join("HMDHIFI/TRKIDX07.HMA")).unwrap();
    let mut disc = Disc::open(FolderFiles::new(dir.path())).unwrap();
    disc.set_track_text(5, TextField::Title, "東京 (Live)")
        .unwrap();
    disc.set_track_text(5, TextField::Artist, "").unwrap();
    disc.set_track_text(1, TextField::Album, "A much longer album name than before")
        .unwrap();
    disc.set_disc_title("Ωμέγα").unwrap();

    let mut again = Disc::open(FolderFiles::new(dir.path())).unwrap();
    let listing = again.listing().unwrap();
    assert_eq!(listing.title.as_deref(), Some("Ωμέγα"));
    let t5 = &listing.tracks[4];
    assert_eq!(t5.title.as_deref(), Some("東京 (Live)"));
    assert_eq!(t5.artist, None);
    assert_eq!(t5.album.as_deref(), Some("Travellers Guide"));
    assert_eq!(
        listing.tracks[0].album.as_deref(),
        Some("A much longer album name than before")
    );
    assert_eq!(
        listing.tracks[1].title.as_deref(),
        Some("Siesta Hi-LP Line In")
    );
    for slot in 1..=6u16 {
        let entry = again.index().track(slot).unwrap();
        assert_eq!(again.computed_mac(slot).unwrap(), entry.mac, "slot {slot}");
    }
    // Only the string area and the changed entries' text indexes moved.
    let after = std::fs::read(dir.path().join("HMDHIFI/TRKIDX07.HMA")).unwrap();
    let changed: Vec<usize> = (0..before.len())
        .filter(|&i| before[i] != after[i])
        .collect();
    assert!(
        changed.iter().all(|&i| i >= 0x40000
            || (0x8000..0x30000).contains(&i)
            || (0x2100..0x2108).contains(&i)),
        "{changed:x?}"
    );
    let mut audio = Vec::new();
    again.read_audio(5, &mut audio).unwrap();
    assert!(!audio.is_empty());
}

#[test]
fn a_title_that_does_not_fit_changes_nothing() {
    let dir = copy_of_fixture();
    let before = std::fs::read(dir.path().join("HMDHIFI/TRKIDX07.HMA")).unwrap();
    let mut disc = Disc::open(FolderFiles::new(dir.path())).unwrap();
    let huge = "x".repeat(4096 * 14);
    let err = disc.set_track_text(1, TextField::Title, &huge).unwrap_err();
    assert!(matches!(err, HimdError::NoRoom(_)), "{err}");
    assert!(disc.set_track_text(7, TextField::Title, "x").is_err());
    assert_eq!(
        std::fs::read(dir.path().join("HMDHIFI/TRKIDX07.HMA")).unwrap(),
        before
    );
    assert_eq!(
        disc.track(1).unwrap().title.as_deref(),
        Some("Siesta Hi-SP Line In")
    );
}
