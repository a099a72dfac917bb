//! Writes on the virtual Hi-MD device: tracks sent in each format and read back byte for
//! byte, the generation advanced, the MACs and the unit's ICV verified, the FAT clean, and a
//! write cut off at each step leaving the disc readable with the track whole or absent.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "virtual")]

use std::path::{Path, PathBuf};

use himd::codec::CodecInfo;
use himd::commit::SessionSigner;
use himd::disc::Disc;
use himd::mp3::Mp3Frames;
use himd::scsi::{Data, SEND_KEY, ScsiDevice, ScsiError, SharedDevice, WRITE_10};
use himd::send::{NewAudio, StreamedAudio, TrackTexts};
use himd::virtual_device::{MediaSize, VirtualHimd};
use himd::volume::{DiscFiles, FatFiles, ScsiSectors};
use himd::{AudioFormat, HimdError};
use netmd::crypto::OsEntropy;

#[path = "common/fsck.rs"]
mod fsck;
use fsck::fsck;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/himd")
}

fn sample_image(dir: &Path) -> PathBuf {
    let image = dir.join("disc.img");
    VirtualHimd::create_from_folder(&fixture(), &image, MediaSize::Minutes74, [3; 8]).unwrap();
    image
}

/// MPEG-1 Layer III frames at 128 kbps, 44.1 kHz, every other one padded, with varied bodies.
fn mp3_frames(count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..count {
        let padded = i % 2 == 1;
        let header = [0xFF, 0xFB, 0x90 | u8::from(padded) << 1, 0x44];
        let len = 417 + usize::from(padded);
        out.extend(header);
        out.extend((4..len).map(|j| (i * 7 + j) as u8));
    }
    out
}

/// A device that refuses every command after `budget` writes (sectors or keys): a cable
/// pulled part-way through.
struct Failing<D: ScsiDevice> {
    device: D,
    budget: Option<usize>,
}

impl<D: ScsiDevice> ScsiDevice for Failing<D> {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        let writes = matches!(cdb.first(), Some(&(WRITE_10 | SEND_KEY)));
        if writes {
            match self.budget {
                Some(0) => return Err(ScsiError::Transport("unplugged".into())),
                Some(n) => self.budget = Some(n - 1),
                None => {}
            }
        }
        self.device.execute(cdb, data)
    }
}

type Shared = SharedDevice<Failing<VirtualHimd>>;
type TestDisc = Disc<FatFiles<ScsiSectors<Shared>>>;

fn open(image: &Path, budget: Option<usize>) -> (TestDisc, Shared) {
    let device = SharedDevice::new(Failing {
        device: VirtualHimd::open(image).unwrap(),
        budget,
    });
    let fat = FatFiles::open(ScsiSectors::new(device.clone()).unwrap()).unwrap();
    (Disc::open(fat).unwrap(), device)
}

fn send(
    image: &Path,
    audio: &NewAudio,
    texts: &TrackTexts,
    budget: Option<usize>,
) -> Result<usize, HimdError> {
    send_reporting(image, audio, texts, budget).0
}

/// A send, and what it left unfinished though it took effect.
fn send_reporting(
    image: &Path,
    audio: &NewAudio,
    texts: &TrackTexts,
    budget: Option<usize>,
) -> (Result<usize, HimdError>, Option<String>) {
    let (mut disc, device) = open(image, budget);
    let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
    let result = disc.add_track(audio, texts, &mut signer, &mut OsEntropy);
    (result, disc.unfinished().map(str::to_string))
}

/// Sends `count` MP3 frames with no titles; returns the frames.
fn send_untitled_mp3(image: &Path, count: usize) -> Vec<u8> {
    let frames = mp3_frames(count);
    let audio = NewAudio::Mp3(Mp3Frames::parse(&frames).unwrap());
    send(image, &audio, &TrackTexts::default(), None).unwrap();
    frames
}

fn audio_of(image: &Path, number: usize) -> Vec<u8> {
    let (mut disc, _) = open(image, None);
    let mut out = Vec::new();
    disc.read_audio(number, &mut out).unwrap();
    out
}

fn integrity_holds(image: &Path) -> bool {
    VirtualHimd::open(image).unwrap().integrity_holds().unwrap()
}

#[test]
fn an_mp3_sent_to_the_sample_disc_reads_back_frame_for_frame() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let frames = mp3_frames(100);
    let mp3 = Mp3Frames::parse(&frames).unwrap();
    let texts = TrackTexts {
        title: "Sent over".into(),
        artist: "Ministage".into(),
        album: "Tests".into(),
    };
    let before = open(&image, None).0.listing().unwrap();
    let n = send(&image, &NewAudio::Mp3(mp3), &texts, None).unwrap();
    assert_eq!(n, before.tracks.len() + 1);

    let (mut disc, _) = open(&image, None);
    let listing = disc.listing().unwrap();
    assert_eq!(listing.generation, before.generation + 1);
    assert_eq!(disc.generation(), ((before.generation + 1) & 0xF) as u8);
    let track = listing.tracks.last().unwrap();
    assert_eq!(track.format, Some(AudioFormat::Mpeg));
    assert_eq!(track.title.as_deref(), Some("Sent over"));
    assert_eq!(track.artist.as_deref(), Some("Ministage"));
    assert_eq!(track.album.as_deref(), Some("Tests"));
    assert_eq!(track.kbps, 128);
    assert_eq!(track.seconds, 2);
    // The tracks that were there are untouched.
    assert_eq!(listing.tracks[..before.tracks.len()], before.tracks[..]);
    let names = disc.files().list().unwrap();
    assert!(names.iter().any(|n| n == "ATDATA08.HMA"), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n == "ATDATA07.HMA" || n == "TRKIDX07.HMA"),
        "{names:?}"
    );
    drop(disc);

    assert!(audio_of(&image, n) == frames);
    assert!(
        audio_of(&image, 1) == {
            let mut d = Disc::open(himd::FolderFiles::new(fixture())).unwrap();
            let mut out = Vec::new();
            d.read_audio(1, &mut out).unwrap();
            out
        }
    );
    assert!(integrity_holds(&image));
    fsck(&image);
}

#[test]
fn atrac3_and_pcm_round_trip_with_their_macs_on_a_blank_disc() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();

    let codec = CodecInfo::atrac3(384, false);
    let atrac: Vec<u8> = (0..384 * 100).map(|i| (i * 13 % 251) as u8).collect();
    let pcm: Vec<u8> = (0..44_100 * 4 * 2 + 64)
        .map(|i| (i * 31 % 253) as u8)
        .collect();
    let texts = TrackTexts {
        title: "東京".into(),
        ..TrackTexts::default()
    };
    let a = send(
        &image,
        &NewAudio::Atrac {
            codec,
            frames: atrac.clone(),
        },
        &texts,
        None,
    )
    .unwrap();
    let p = send(
        &image,
        &NewAudio::Lpcm(pcm.clone()),
        &TrackTexts::default(),
        None,
    )
    .unwrap();
    assert_eq!((a, p), (1, 2));

    let (mut disc, _) = open(&image, None);
    let listing = disc.listing().unwrap();
    assert_eq!(listing.tracks[0].format, Some(AudioFormat::Atrac3));
    assert_eq!(listing.tracks[0].title.as_deref(), Some("東京"));
    assert_eq!(listing.tracks[1].format, Some(AudioFormat::Lpcm));
    assert_eq!(listing.tracks[1].seconds, 2);
    for t in &listing.tracks {
        let mac = disc.computed_mac(t.slot).unwrap();
        assert_ne!(mac, [0; 8]);
        assert_eq!(disc.index().track(t.slot).unwrap().mac, mac);
        assert_eq!(disc.mac_list().mac(t.slot), Some(mac));
    }
    drop(disc);
    assert!(audio_of(&image, 1) == atrac);
    // PCM comes back in whole frames of 16 samples: the last one is padded with silence.
    let back = audio_of(&image, 2);
    assert_eq!(back.len(), pcm.len().div_ceil(64) * 64);
    assert!(back[..pcm.len()] == pcm[..]);
    assert!(back[pcm.len()..].iter().all(|&b| b == 0));
    assert!(integrity_holds(&image));
    fsck(&image);
}

/// A reader that gives out after `limit` bytes, as a temporary file on a failing disk would.
struct GivesOut {
    inner: std::io::Cursor<Vec<u8>>,
    limit: u64,
}

impl std::io::Read for GivesOut {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position() >= self.limit {
            return Err(std::io::Error::other("the spill file is gone"));
        }
        let room = (self.limit - self.inner.position()) as usize;
        let n = buf.len().min(room);
        self.inner.read(&mut buf[..n])
    }
}

impl std::io::Seek for GivesOut {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

fn send_streamed(image: &Path, reader: &mut GivesOut, len: u64) -> Result<usize, HimdError> {
    let (mut disc, device) = open(image, None);
    let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
    let audio = StreamedAudio {
        codec: CodecInfo::lpcm(),
        reader,
        offset: 100,
        len,
    };
    disc.add_streamed(audio, &TrackTexts::default(), &mut signer, &mut OsEntropy)
}

#[test]
fn a_streamed_track_of_many_batches_reads_back_and_a_failed_read_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();
    // 200 blocks of PCM (three batches and a bit), after 100 bytes of something else.
    let pcm_len: usize = 255 * 64 * 200 - 30;
    let file: Vec<u8> = (0..100 + pcm_len).map(|i| (i * 7 % 249) as u8).collect();
    let atdata_len = |image: &Path| {
        let (mut disc, _) = open(image, None);
        let name = disc
            .files()
            .list()
            .unwrap()
            .into_iter()
            .find(|n| n.starts_with("ATDATA"));
        disc.files().len(&name.unwrap()).unwrap()
    };
    let before = atdata_len(&image);

    let mut failing = GivesOut {
        inner: std::io::Cursor::new(file.clone()),
        limit: 100 + 255 * 64 * 150,
    };
    let err = send_streamed(&image, &mut failing, pcm_len as u64).unwrap_err();
    assert!(err.to_string().contains("spill file"), "{err}");
    assert_eq!(
        atdata_len(&image),
        before,
        "the blocks written were not taken back"
    );
    let (disc, _) = open(&image, None);
    assert_eq!(disc.track_count(), 0);
    drop(disc);
    fsck(&image);

    let mut whole = GivesOut {
        inner: std::io::Cursor::new(file.clone()),
        limit: u64::MAX,
    };
    assert_eq!(
        send_streamed(&image, &mut whole, pcm_len as u64).unwrap(),
        1
    );
    let back = audio_of(&image, 1);
    assert_eq!(back.len(), pcm_len.div_ceil(64) * 64);
    assert!(back[..pcm_len] == file[100..]);
    let (mut disc, _) = open(&image, None);
    assert_eq!(disc.listing().unwrap().tracks[0].blocks, 200);
    drop(disc);
    assert!(integrity_holds(&image));
    fsck(&image);
}

#[test]
fn a_write_cut_off_at_any_step_leaves_the_track_whole_or_absent_and_a_retry_adds_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let frames = mp3_frames(60);
    let audio = NewAudio::Mp3(Mp3Frames::parse(&frames).unwrap());
    let texts = TrackTexts {
        title: "Cut".into(),
        ..TrackTexts::default()
    };
    let tracks_before = 6;
    let mut budget = 0;
    // Cut off before the switch, after it (reported as a warning), and not at all.
    let mut outcomes = (0, 0, 0);
    loop {
        // A fresh image each time: sparse, where a copy would take its whole size on disk.
        let image = sample_image(dir.path());
        let (result, unfinished) = send_reporting(&image, &audio, &texts, Some(budget));
        let (mut disc, _) = open(&image, None);
        let count = disc.track_count();
        if count == tracks_before {
            assert!(result.is_err(), "budget {budget}: success with no track");
            outcomes.0 += 1;
        } else {
            assert_eq!(count, tracks_before + 1, "budget {budget}");
            let mut out = Vec::new();
            disc.read_audio(count, &mut out).unwrap();
            assert!(out == frames, "budget {budget}: the track is not whole");
        }
        drop(disc);
        match (&result, &unfinished) {
            (Ok(n), None) => {
                assert_eq!(*n, tracks_before + 1);
                assert!(integrity_holds(&image));
                outcomes.2 += 1;
                break;
            }
            (Ok(n), Some(warning)) => {
                assert_eq!(*n, tracks_before + 1, "budget {budget}");
                assert!(warning.contains("signature"), "{warning}");
                outcomes.1 += 1;
            }
            (Err(_), _) => {}
        }
        // A retry on the same disc works, adds the track once, and signs the disc.
        let (retry, unfinished) = send_reporting(&image, &audio, &texts, None);
        assert_eq!(retry.unwrap(), tracks_before + 1, "budget {budget}");
        assert_eq!(unfinished, None);
        let (mut disc, _) = open(&image, None);
        assert_eq!(
            disc.track_count(),
            tracks_before + 1,
            "budget {budget}: added twice"
        );
        let mut out = Vec::new();
        disc.read_audio(tracks_before + 1, &mut out).unwrap();
        assert!(out == frames, "budget {budget}: the retry is not whole");
        drop(disc);
        assert!(integrity_holds(&image), "budget {budget}");
        std::fs::remove_file(&image).unwrap();
        std::fs::remove_file(himd::virtual_device::sidecar_path(&image)).unwrap();
        budget += if budget < 40 { 1 } else { 7 };
    }
    eprintln!("cut before, after the switch, not at all: {outcomes:?}");
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn a_write_whose_signing_fails_succeeds_with_a_warning_and_resign_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();
    let codec = CodecInfo::atrac3(192, true);
    let atrac: Vec<u8> = (0..192 * 84 * 2).map(|i| (i % 241) as u8).collect();
    let audio = NewAudio::Atrac {
        codec,
        frames: atrac.clone(),
    };
    let (mut disc, device) = open(&image, None);
    let mut broken = SessionSigner::new(
        SharedDevice::new(Failing {
            device: VirtualHimd::open(&image).unwrap(),
            budget: Some(0),
        }),
        Box::new(OsEntropy),
    );
    let n = disc
        .add_track(&audio, &TrackTexts::default(), &mut broken, &mut OsEntropy)
        .unwrap();
    assert_eq!(n, 1);
    assert!(disc.unfinished().unwrap().contains("signature"));
    drop(broken);
    disc.resign(&mut SessionSigner::new(device, Box::new(OsEntropy)))
        .unwrap();
    assert_eq!(disc.unfinished(), None);
    drop(disc);
    assert!(audio_of(&image, 1) == atrac);
    assert!(integrity_holds(&image));
}

#[test]
fn deleted_tracks_are_zeroed_and_their_slots_reused() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let (mut disc, device) = open(&image, None);
    let before = disc.listing().unwrap();
    let slot = before.tracks[1].slot;
    let mut kept = Vec::new();
    for n in [1, 3, 6] {
        let mut out = Vec::new();
        disc.read_audio(n, &mut out).unwrap();
        kept.push(out);
    }
    let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
    disc.delete_tracks(&[2, 4, 5], &mut signer).unwrap();
    drop(disc);

    let (mut disc, _) = open(&image, None);
    let after = disc.listing().unwrap();
    assert_eq!(after.tracks.len(), 3);
    assert_eq!(after.generation, before.generation + 1);
    for (i, n) in [1, 3, 6].into_iter().enumerate() {
        assert_eq!(after.tracks[i].title, before.tracks[n - 1].title);
        let mut out = Vec::new();
        disc.read_audio(i + 1, &mut out).unwrap();
        assert!(out == kept[i], "track {n}");
    }
    let entry = disc.index().tracks[usize::from(slot)].clone();
    assert!(!entry.is_used());
    assert_eq!(entry.title, 0);
    assert_eq!(disc.mac_list().mac(slot), Some([0; 8]));
    assert_eq!(disc.index().tracks[0].track_number, slot);
    drop(disc);
    assert!(integrity_holds(&image));
    fsck(&image);

    // The freed slot takes the next track.
    let frames = mp3_frames(30);
    let n = send(
        &image,
        &NewAudio::Mp3(Mp3Frames::parse(&frames).unwrap()),
        &TrackTexts::default(),
        None,
    )
    .unwrap();
    assert_eq!(n, 4);
    let (disc, _) = open(&image, None);
    assert_eq!(disc.index().slot_at(3), Some(slot));
    drop(disc);
    assert!(audio_of(&image, 4) == frames);
    assert!(integrity_holds(&image));

    // Deleting the last track gives its room back.
    let (mut disc, device) = open(&image, None);
    let atdata = |disc: &mut TestDisc| {
        let name = format!("ATDATA{:02X}.HMA", disc.generation());
        disc.files().len(&name).unwrap()
    };
    let with = atdata(&mut disc);
    let free_with = disc.files().space().unwrap().unwrap().free;
    let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
    disc.delete_tracks(&[4], &mut signer).unwrap();
    assert_eq!(atdata(&mut disc), with - 16384);
    assert!(disc.files().space().unwrap().unwrap().free >= free_with);
    drop(disc);
    assert!(integrity_holds(&image));
    fsck(&image);
}

#[test]
fn a_track_whose_titles_do_not_fit_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();
    let frames = mp3_frames(10);
    let texts = TrackTexts {
        title: "x".repeat(4095 * 14),
        ..TrackTexts::default()
    };
    let err = send(
        &image,
        &NewAudio::Mp3(Mp3Frames::parse(&frames).unwrap()),
        &texts,
        None,
    )
    .unwrap_err();
    assert!(matches!(err, HimdError::NoRoom(_)), "{err}");
    let (mut disc, _) = open(&image, None);
    assert_eq!(disc.track_count(), 0);
    assert_eq!(disc.files().len("ATDATA01.HMA").unwrap(), 0);
    assert_eq!(disc.listing().unwrap().generation, 1);
}

/// A blank disc holding an ATRAC3 track of 3 blocks, a PCM track of 5 and an MP3 of 2 (odd
/// counts, so tracks end part-way through a cluster), and the audio of each.
fn three_tracks(dir: &Path) -> (PathBuf, Vec<Vec<u8>>) {
    let image = dir.join("three.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();
    let codec = CodecInfo::atrac3(384, false);
    let atrac: Vec<u8> = (0..384 * 42 * 3).map(|i| (i * 13 % 251) as u8).collect();
    let pcm: Vec<u8> = (0..16_320 * 5).map(|i| (i * 31 % 253) as u8).collect();
    let mp3 = mp3_frames(50);
    let audio = [
        NewAudio::Atrac {
            codec,
            frames: atrac.clone(),
        },
        NewAudio::Lpcm(pcm.clone()),
        NewAudio::Mp3(Mp3Frames::parse(&mp3).unwrap()),
    ];
    for (i, a) in audio.iter().enumerate() {
        let texts = TrackTexts {
            title: format!("Track {}", i + 1),
            ..TrackTexts::default()
        };
        assert_eq!(send(&image, a, &texts, None).unwrap(), i + 1);
    }
    (image, vec![atrac, pcm, mp3])
}

#[test]
fn a_deleted_track_gives_its_clusters_back_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    for gone in 1..=3 {
        let (image, audio) = three_tracks(dir.path());
        let (mut disc, device) = open(&image, None);
        let blocks = disc.track(gone).unwrap().blocks;
        assert_eq!(blocks, [3, 5, 2][gone - 1]);
        let free_before = disc.files().space().unwrap().unwrap().free;
        let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
        disc.delete_tracks(&[gone], &mut signer).unwrap();
        drop(disc);

        let (mut disc, _) = open(&image, None);
        let free_after = disc.files().space().unwrap().unwrap().free;
        // Each track starts on a 32 KiB cluster: its clusters are its blocks rounded up.
        assert_eq!(
            free_after - free_before,
            u64::from(blocks.div_ceil(2)) * 32_768,
            "deleting track {gone}"
        );
        let listing = disc.listing().unwrap();
        let kept: Vec<usize> = (1..=3).filter(|&n| n != gone).collect();
        assert_eq!(listing.tracks.len(), 2);
        for (i, &n) in kept.iter().enumerate() {
            let title = format!("Track {n}");
            assert_eq!(listing.tracks[i].title.as_deref(), Some(title.as_str()));
            let mut out = Vec::new();
            disc.read_audio(i + 1, &mut out).unwrap();
            assert!(out == audio[n - 1], "track {n} after deleting {gone}");
            let slot = listing.tracks[i].slot;
            assert_eq!(
                disc.mac_list().mac(slot),
                Some(disc.computed_mac(slot).unwrap())
            );
        }
        let atdata = format!("ATDATA{:02X}.HMA", disc.generation());
        let last = listing.tracks.last().unwrap();
        let end = disc.index().fragment_chain(last.slot).unwrap()[0].last_block;
        assert_eq!(
            disc.files().len(&atdata).unwrap(),
            (u64::from(end) + 1) * 16_384
        );
        drop(disc);
        assert!(integrity_holds(&image), "deleting track {gone}");
        fsck(&image);
        std::fs::remove_file(&image).unwrap();
        std::fs::remove_file(himd::virtual_device::sidecar_path(&image)).unwrap();
    }
}

#[test]
fn the_track_index_backup_follows_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let backups = |disc: &mut TestDisc| -> Vec<String> {
        let names = disc.files().list().unwrap();
        names
            .into_iter()
            .filter(|n| n.starts_with("_RKIDX"))
            .collect()
    };
    let (mut disc, _) = open(&image, None);
    assert_eq!(backups(&mut disc), ["_RKIDX08.HMA"]);
    disc.set_track_text(1, himd::disc::TextField::Title, "Renamed")
        .unwrap();
    let current = disc.files().read("TRKIDX07.HMA").unwrap();
    assert!(disc.files().read("_RKIDX08.HMA").unwrap() == current);
    drop(disc);

    send_untitled_mp3(&image, 20);
    let (mut disc, _) = open(&image, None);
    // Generation 08 now: the backup moved to the name after it, holding the new index.
    assert_eq!(backups(&mut disc), ["_RKIDX09.HMA"]);
    let current = disc.files().read("TRKIDX08.HMA").unwrap();
    assert!(disc.files().read("_RKIDX09.HMA").unwrap() == current);
    drop(disc);
    fsck(&image);
}

#[test]
fn a_delete_cut_off_at_any_step_leaves_every_other_track_whole_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut budget = 0;
    let mut outcomes = (0, 0);
    loop {
        let (image, audio) = three_tracks(dir.path());
        let (mut disc, device) = open(&image, Some(budget));
        let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
        let result = disc.delete_tracks(&[2], &mut signer);
        drop(disc);
        let (mut disc, _) = open(&image, None);
        let listing = disc.listing().unwrap();
        let expected: Vec<usize> = if listing.tracks.len() == 3 {
            outcomes.0 += 1;
            vec![1, 2, 3]
        } else {
            assert_eq!(listing.tracks.len(), 2, "budget {budget}");
            outcomes.1 += 1;
            vec![1, 3]
        };
        for (i, &n) in expected.iter().enumerate() {
            let mut out = Vec::new();
            disc.read_audio(i + 1, &mut out).unwrap();
            assert!(
                out == audio[n - 1],
                "budget {budget}: track {n} is not whole"
            );
        }
        let names = disc.files().list().unwrap();
        assert!(
            !names.iter().any(|n| n == "CUTCHAIN.TMP"),
            "budget {budget}: {names:?}"
        );
        drop(disc);
        if expected.len() == 3 {
            // The disc reads as before, still signed; a retry deletes the track.
            assert!(integrity_holds(&image), "budget {budget}");
            let (mut disc, device) = open(&image, None);
            let mut signer = SessionSigner::new(device, Box::new(OsEntropy));
            disc.delete_tracks(&[2], &mut signer).unwrap();
            for (i, n) in [1, 3].into_iter().enumerate() {
                let mut out = Vec::new();
                disc.read_audio(i + 1, &mut out).unwrap();
                assert!(
                    out == audio[n - 1],
                    "budget {budget}: track {n} after the retry"
                );
            }
            drop(disc);
            assert!(integrity_holds(&image), "budget {budget}");
        }
        std::fs::remove_file(&image).unwrap();
        std::fs::remove_file(himd::virtual_device::sidecar_path(&image)).unwrap();
        if result.is_ok() {
            break;
        }
        budget += 1;
    }
    eprintln!("kept, deleted: {outcomes:?} over {budget} cuts");
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn the_same_track_sent_twice_on_purpose_is_added_twice() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut OsEntropy).unwrap();
    let audio = NewAudio::Mp3(Mp3Frames::parse(&mp3_frames(40)).unwrap());
    let texts = TrackTexts {
        title: "Twice".into(),
        ..TrackTexts::default()
    };
    assert_eq!(send(&image, &audio, &texts, None).unwrap(), 1);
    // The first send finished and was signed: this is a second copy, not a retry.
    assert_eq!(send(&image, &audio, &texts, None).unwrap(), 2);
    assert!(integrity_holds(&image));
}

#[test]
fn a_damaged_index_names_its_backup_and_is_restored_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let frames = send_untitled_mp3(&image, 20);
    let before = open(&image, None).0.listing().unwrap();
    {
        let (mut disc, _) = open(&image, None);
        let name = disc.index_file().to_owned();
        disc.files().overwrite(&name, b"TIF?").unwrap();
    }
    let fat =
        || FatFiles::open(ScsiSectors::new(VirtualHimd::open(&image).unwrap()).unwrap()).unwrap();
    let err = Disc::open(fat()).err().unwrap();
    let HimdError::DamagedTrackIndex { file, backup, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(file, "TRKIDX08.HMA");
    assert_eq!(backup.as_deref(), Some("_RKIDX09.HMA"));
    assert!(err.to_string().contains("_RKIDX09.HMA"), "{err}");

    let mut disc = Disc::restore_index_from_backup(fat()).unwrap();
    assert_eq!(disc.listing().unwrap(), before);
    assert!(disc.mac_mismatches().is_empty());
    drop(disc);
    assert!(audio_of(&image, 7) == frames);
    assert!(integrity_holds(&image));
    fsck(&image);
}
