//! Sending to the virtual deck end to end: WAV and MP3 in SP, ATRAC3 in LP2 and LP4 untouched
//! (the fixtures are read from tests/fixtures/atrac), what the deck decrypted compared byte for
//! byte, titles and durations from the disc, refusals, cancel, a disconnect and a retry, a
//! wrong commit MAC, and the queue worker across a restart. Encoding for LP is in
//! `transfer_encode.rs`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use common::fixtures::atrac_file as fixture;
use library::{Library, TransferSource, TransferState};
use ministage::shell::transfer_worker::{DeviceLink, Transferer};
use ministage::transfer::pipeline::BatchControl;
use ministage::transfer::{
    BatchOptions, ItemOutcome, SendItem, TransferEvent, TransferMode, TransferRequest, send_batch,
};
use netmd::crypto::{self, OsEntropy, StreamKeys};
use netmd::send::{EncryptedAudio, WireFormat, commit_args};
use netmd::titles;
use netmd::virtual_deck::VirtualTrack;
use netmd::{Faults, Mode, Recorder, VirtualDeck, VirtualDisc};

/// A 16-bit PCM WAV.
fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
    let pcm = testkit::Pcm {
        sample_rate: rate,
        channels,
        samples: samples.to_vec(),
    };
    testkit::write_wav(path, &pcm).unwrap();
}

fn tone(frames: usize) -> Vec<i16> {
    (0..frames * 2)
        .map(|i| ((i as f32 * 0.013).sin() * 12_000.0) as i16 ^ (i as i16 & 7))
        .collect()
}

fn deck(dir: &Path, faults: Faults) -> Recorder<Box<dyn netmd::Transport>> {
    let deck = VirtualDeck::open(&dir.join("disc.json"))
        .unwrap()
        .with_faults(faults);
    Recorder::open(Box::new(deck) as Box<dyn netmd::Transport>).unwrap()
}

fn item(id: i64, path: &Path, mode: TransferMode) -> SendItem {
    SendItem {
        id,
        path: path.to_path_buf(),
        title: None,
        mode,
        stored: None,
    }
}

fn run(
    recorder: &mut Recorder<Box<dyn netmd::Transport>>,
    items: &[SendItem],
) -> Result<Vec<(i64, ItemOutcome)>, ministage::transfer::TransferError> {
    send_batch(
        recorder,
        items,
        &BatchOptions::default(),
        &BatchControl::default(),
        &mut |_| {},
    )
}

fn stored_audio(dir: &Path, disc: &VirtualDisc, track: usize) -> Vec<u8> {
    let audio = disc.tracks[track].audio.as_ref().expect("audio reference");
    std::fs::read(dir.join(&audio.file)).unwrap()
}

#[test]
fn wav_and_mp3_in_sp_and_atrac3_in_lp2_and_lp4_arrive_intact() {
    let dir = tempfile::tempdir().unwrap();
    let samples = tone(44_100 * 3 + 123);
    let wav = dir.path().join("Tone.wav");
    write_wav(&wav, 44_100, 2, &samples);
    let mp3 = dir.path().join("Quiet.mp3");
    testkit::write_silent_mp3(&mp3, 2.0, 44_100, 2).unwrap();
    let lp2 = fixture("music4s_lp2.oma");
    let lp4 = fixture("music4s_lp4.at3");

    let mut r = deck(dir.path(), Faults::default());
    let outcomes = run(
        &mut r,
        &[
            item(1, &wav, TransferMode::Sp),
            item(2, &mp3, TransferMode::Sp),
            item(3, &lp2, TransferMode::Lp2),
            item(4, &lp4, TransferMode::Auto),
        ],
    )
    .unwrap();
    for (id, o) in &outcomes {
        assert!(matches!(o, ItemOutcome::Done { .. }), "item {id}: {o:?}");
    }
    let info = r.read_disc().unwrap();
    drop(r);
    let disc = VirtualDeck::load(&dir.path().join("disc.json")).unwrap();
    assert_eq!(disc.tracks.len(), 4);

    // SP WAV: the samples byte-swapped, zero-padded to 2048-byte units.
    let mut expected: Vec<u8> = samples.iter().flat_map(|s| s.to_be_bytes()).collect();
    expected.resize(expected.len().div_ceil(2048) * 2048, 0);
    assert_eq!(stored_audio(dir.path(), &disc, 0), expected);
    assert_eq!(info.tracks[0].title, "Tone");
    assert_eq!(info.tracks[0].mode, Mode::SP);
    assert!(
        (info.tracks[0].duration_ms as i64 - 3_002).abs() <= 20,
        "{}",
        info.tracks[0].duration_ms
    );

    // MP3: decoded silence, 44.1 kHz stereo.
    let mp3_audio = stored_audio(dir.path(), &disc, 1);
    assert!(mp3_audio.iter().all(|&b| b == 0));
    assert!(
        (info.tracks[1].duration_ms as i64 - 2_000).abs() <= 120,
        "{}",
        info.tracks[1].duration_ms
    );

    // LP2 / LP4: the ATRAC3 frames exactly as in the files.
    for (i, path, mode, frame) in [(2, &lp2, Mode::LP2, 384u64), (3, &lp4, Mode::LP4, 192)] {
        let probe = atrac::probe(path).unwrap();
        let file = std::fs::read(path).unwrap();
        let start = probe.data_offset as usize;
        let frames = &file[start..start + (probe.frames * frame) as usize];
        assert_eq!(stored_audio(dir.path(), &disc, i), frames, "{mode}");
        assert_eq!(info.tracks[i].mode, mode);
        let expected_ms = probe.frames * 1024 * 1000 / 44_100;
        assert!((info.tracks[i].duration_ms as i64 - expected_ms as i64).abs() <= 20);
    }
}

#[test]
fn a_file_that_cannot_go_fails_alone_and_the_rest_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    write_wav(&wav, 44_100, 2, &tone(4410));
    let missing = dir.path().join("gone.flac");
    let mut r = deck(dir.path(), Faults::default());
    let outcomes = run(
        &mut r,
        &[
            item(1, &wav, TransferMode::Lp2),
            item(2, &missing, TransferMode::Sp),
            item(3, &wav, TransferMode::Sp),
        ],
    )
    .unwrap();
    let of = |id: i64| &outcomes.iter().find(|(i, _)| *i == id).unwrap().1;
    assert!(
        matches!(of(2), ItemOutcome::Failed(r) if r.contains("gone.flac")),
        "{:?}",
        of(2)
    );
    // A WAV in LP2 is encoded; the missing file takes no track number.
    assert!(
        matches!(of(1), ItemOutcome::Done { track: 1, .. }),
        "{:?}",
        of(1)
    );
    assert!(
        matches!(of(3), ItemOutcome::Done { track: 2, .. }),
        "{:?}",
        of(3)
    );
    let modes: Vec<Mode> = r
        .read_disc()
        .unwrap()
        .tracks
        .iter()
        .map(|t| t.mode)
        .collect();
    assert_eq!(modes, [Mode::LP2, Mode::SP]);
}

/// A mono source goes as mono SP to a unit that records it natively (half the disc space),
/// and is duplicated to stereo for every other unit.
#[test]
fn mono_sp_is_native_only_where_the_recorder_takes_it() {
    let mono: Vec<i16> = tone(44_100 + 77)[..44_100 + 77].to_vec();
    for native in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("Mono.wav");
        write_wav(&wav, 44_100, 1, &mono);
        let mut blank = VirtualDisc::blank(80, false);
        blank.native_mono = native;
        VirtualDeck::create(&dir.path().join("disc.json"), &blank).unwrap();
        let mut r = deck(dir.path(), Faults::default());
        assert_eq!(r.identity().native_mono, native);
        let outcomes = run(&mut r, &[item(1, &wav, TransferMode::Auto)]).unwrap();
        assert!(
            matches!(outcomes[0].1, ItemOutcome::Done { .. }),
            "{outcomes:?}"
        );
        let info = r.read_disc().unwrap();
        drop(r);
        let disc = VirtualDeck::load(&dir.path().join("disc.json")).unwrap();
        let mut expected: Vec<u8> = if native {
            mono.iter().flat_map(|s| s.to_be_bytes()).collect()
        } else {
            mono.iter()
                .flat_map(|s| [s.to_be_bytes(), s.to_be_bytes()])
                .flatten()
                .collect()
        };
        expected.resize(expected.len().div_ceil(2048) * 2048, 0);
        assert_eq!(
            stored_audio(dir.path(), &disc, 0),
            expected,
            "native {native}"
        );
        assert_eq!(info.tracks[0].channels, if native { 1 } else { 2 });
        assert!(
            (info.tracks[0].duration_ms as i64 - 1_002).abs() <= 30,
            "{}",
            info.tracks[0].duration_ms
        );
        let used = disc.capacity().used_ms;
        let expected_used = if native { 500 } else { 1_000 };
        assert!((used as i64 - expected_used).abs() <= 30, "used {used} ms");
    }
}

#[test]
fn capacity_track_limit_and_title_space_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    write_wav(&wav, 44_100, 2, &tone(44_100 * 2));

    // Capacity: a 60-minute disc with 59:59 used.
    let mut full = VirtualDisc::blank(60, false);
    full.tracks
        .push(VirtualTrack::new("Long", Mode::SP, 2, 3_599_000));
    VirtualDeck::create(&dir.path().join("disc.json"), &full).unwrap();
    let e = run(
        &mut deck(dir.path(), Faults::default()),
        &[item(1, &wav, TransferMode::Sp)],
    )
    .unwrap_err();
    assert!(e.to_string().contains("not enough space"), "{e}");

    // Track limit: 254 tracks already.
    let mut many = VirtualDisc::blank(80, false);
    many.tracks = (0..254)
        .map(|_| VirtualTrack::new("", Mode::LP4, 2, 1000))
        .collect();
    VirtualDeck::create(&dir.path().join("disc.json"), &many).unwrap();
    let e = run(
        &mut deck(dir.path(), Faults::default()),
        &[item(1, &wav, TransferMode::Sp)],
    )
    .unwrap_err();
    assert!(e.to_string().contains("254 tracks"), "{e}");

    // Title space: titles that fill the area.
    let mut titled = VirtualDisc::blank(80, false);
    titled.tracks = (0..36)
        .map(|_| VirtualTrack::new(&"x".repeat(49), Mode::SP, 2, 1000))
        .collect();
    VirtualDeck::create(&dir.path().join("disc.json"), &titled).unwrap();
    let mut long = item(1, &wav, TransferMode::Sp);
    long.title = Some("y".repeat(200));
    let e = run(&mut deck(dir.path(), Faults::default()), &[long]).unwrap_err();
    assert!(e.to_string().contains("title space"), "{e}");
    assert_eq!(
        VirtualDeck::load(&dir.path().join("disc.json"))
            .unwrap()
            .tracks
            .len(),
        36
    );
}

#[test]
fn a_disconnect_mid_stream_leaves_nothing_and_a_retry_works() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    write_wav(&wav, 44_100, 2, &tone(44_100 * 4));
    // Count the transfers of a good send with small bulk writes, then cut halfway through it.
    let options = BatchOptions {
        chunk_bytes: 64 * 1024,
        ..BatchOptions::default()
    };
    let probe_dir = tempfile::tempdir().unwrap();
    let deck_path = probe_dir.path().join("disc.json");
    let mut counting = VirtualDeck::open(&deck_path).unwrap();
    counting.set_disc_present(true);
    let mut r = Recorder::open(Box::new(counting) as Box<dyn netmd::Transport>).unwrap();
    let before = r.read_raw(&mut |_, _| {}).unwrap();
    drop(before);
    let mut bulk_seen = 0;
    send_batch(
        &mut r,
        &[item(1, &wav, TransferMode::Sp)],
        &options,
        &BatchControl::default(),
        &mut |e| {
            if matches!(e, ministage::transfer::BatchEvent::Progress { .. }) {
                bulk_seen += 1;
            }
        },
    )
    .unwrap();
    assert!(bulk_seen > 4, "several bulk writes");

    // The session starts after ~60 transfers of disc reading; cut a few chunks into the stream.
    let mut cut = None;
    for n in (40..400).step_by(7) {
        let d = tempfile::tempdir().unwrap();
        let mut r = deck(
            d.path(),
            Faults {
                disconnect_after: Some(n),
                ..Faults::default()
            },
        );
        let mut progressed = 0u64;
        let result = send_batch(
            &mut r,
            &[item(1, &wav, TransferMode::Sp)],
            &options,
            &BatchControl::default(),
            &mut |e| {
                if let ministage::transfer::BatchEvent::Progress { bytes_done, .. } = e {
                    progressed = bytes_done;
                }
            },
        );
        if progressed > 0 {
            let outcomes = result.unwrap();
            assert!(
                matches!(&outcomes[0].1, ItemOutcome::Failed(r) if r.contains("disconnected")),
                "{outcomes:?}"
            );
            cut = Some(d);
            break;
        }
    }
    let d = cut.expect("a cut inside the stream");
    assert!(
        VirtualDeck::load(&d.path().join("disc.json"))
            .unwrap()
            .tracks
            .is_empty()
    );
    let mut r = deck(d.path(), Faults::default());
    let outcomes = send_batch(
        &mut r,
        &[item(1, &wav, TransferMode::Sp)],
        &options,
        &BatchControl::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(matches!(outcomes[0].1, ItemOutcome::Done { track: 1, .. }));
    drop(r);
    assert_eq!(
        VirtualDeck::load(&d.path().join("disc.json"))
            .unwrap()
            .tracks
            .len(),
        1
    );
}

#[test]
fn cancel_mid_stream_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    write_wav(&wav, 44_100, 2, &tone(44_100 * 3));
    let options = BatchOptions {
        chunk_bytes: 32 * 1024,
        ..BatchOptions::default()
    };
    let control = BatchControl::default();
    let flag = control.cancel_current.clone();
    let mut r = deck(dir.path(), Faults::default());
    let outcomes = send_batch(
        &mut r,
        &[item(1, &wav, TransferMode::Sp)],
        &options,
        &control,
        &mut |e| {
            if let ministage::transfer::BatchEvent::Progress { bytes_done, .. } = e
                && bytes_done > 100_000
            {
                flag.store(true, Ordering::SeqCst);
            }
        },
    )
    .unwrap();
    assert_eq!(outcomes[0].1, ItemOutcome::Cancelled);
    assert!(r.read_disc().unwrap().tracks.is_empty());
    // The session was closed properly: the next send works.
    let outcomes = send_batch(
        &mut r,
        &[item(2, &wav, TransferMode::Sp)],
        &options,
        &BatchControl::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(matches!(outcomes[0].1, ItemOutcome::Done { .. }));
}

#[test]
fn the_deck_rejects_a_wrong_commit_mac() {
    // Drive the session by hand up to the commit, then commit with a wrong MAC.
    let mut r = Recorder::open(VirtualDeck::in_memory(VirtualDisc::blank(80, false))).unwrap();
    let f = |op: u8, args: &[u8]| netmd::commands::secure("test", op, args).bytes;
    let q = |r: &mut Recorder<VirtualDeck>, bytes: Vec<u8>| r.framing_mut().query("test", &bytes);
    q(&mut r, f(0x80, &[])).unwrap();
    q(&mut r, f(0x12, &netmd::send::ekb_args())).unwrap();
    let nonce = [0x42; 8];
    let mut args = vec![0, 0, 0];
    args.extend(nonce);
    let reply = q(&mut r, f(0x20, &args)).unwrap();
    let device_nonce: [u8; 8] = reply[reply.len() - 8..].try_into().unwrap();
    let key = crypto::session_key(&nonce, &device_nonce).unwrap();
    let mut args = vec![0, 0];
    args.extend(crypto::cbc_encrypt_zero_iv(&key, &netmd::send::setup_plaintext()).unwrap());
    q(&mut r, f(0x22, &args)).unwrap();
    let keys = StreamKeys::random(&mut OsEntropy).unwrap();
    let audio = EncryptedAudio::encrypt(WireFormat::SP_STEREO, vec![1; 4096], &keys).unwrap();
    let c = netmd::commands::send_track(0x00, 0x06, 2, audio.stream_len() as u32);
    r.framing_mut().query_interim("send", &c.bytes).unwrap();
    let mut stream = audio.header.to_vec();
    stream.extend(audio.data.to_bytes().unwrap());
    r.framing_mut().bulk_write("send", &stream).unwrap();
    r.framing_mut().read_reply("send").unwrap();

    let wrong = q(&mut r, f(0x48, &commit_args(0, [0; 8]))).unwrap_err();
    assert!(wrong.is_rejected(), "{wrong}");
    assert_eq!(
        r.framing_mut().transport().disc().tracks.len(),
        1,
        "still awaiting its commit"
    );
    // Leaving without a commit drops the track.
    q(&mut r, f(0x81, &[])).unwrap();
    assert!(r.framing_mut().transport().disc().tracks.is_empty());
    let _ = titles::prepare("");
}

#[test]
fn the_queue_worker_sends_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let lib_path = dir.path().join("lib.sqlite3");
    let wav = dir.path().join("Song.wav");
    write_wav(&wav, 44_100, 2, &tone(22_050));
    let (a, b);
    {
        let lib = Library::open(&lib_path).unwrap();
        a = lib
            .enqueue_transfer(
                &TransferSource::Path(wav.clone()),
                "First",
                TransferMode::Sp,
            )
            .unwrap();
        b = lib
            .enqueue_transfer(&TransferSource::Path(wav.clone()), "", TransferMode::Auto)
            .unwrap();
        // As if ministage had crashed while sending.
        lib.set_transfer_state(a, TransferState::Sending, None)
            .unwrap();
    }
    let disc_path = dir.path().join("disc.json");
    let done: Vec<i64> = run_worker(&lib_path, &disc_path)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(done, [a, b]);
    let disc = VirtualDeck::load(&disc_path).unwrap();
    assert_eq!(
        disc.tracks
            .iter()
            .map(|t| t.title.as_str())
            .collect::<Vec<_>>(),
        ["First", "Song"]
    );
    let lib = Library::open(&lib_path).unwrap();
    assert!(
        lib.transfer_queue()
            .unwrap()
            .iter()
            .all(|t| t.state == TransferState::Done)
    );
}

/// ministage killed after the recorder took a commit, before the queue heard of it: the item
/// was noted with its stored track, so after the restart the disc is asked and the item is done
/// without a second copy; a noted item the disc does not hold is sent.
#[test]
fn a_send_committed_before_a_crash_is_not_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let lib_path = dir.path().join("lib.sqlite3");
    let wav = dir.path().join("Song.wav");
    write_wav(&wav, 44_100, 2, &tone(22_050));
    let disc_path = dir.path().join("disc.json");
    let mut r = deck(dir.path(), Faults::default());
    let first = run(&mut r, &[item(1, &wav, TransferMode::Sp)]).unwrap();
    assert!(matches!(first[0].1, ItemOutcome::Done { track: 1, .. }));
    drop(r);
    let uuid = VirtualDeck::load(&disc_path).unwrap().tracks[0]
        .uuid
        .clone();
    let (a, b);
    {
        let lib = Library::open(&lib_path).unwrap();
        a = lib
            .enqueue_transfer(&TransferSource::Path(wav.clone()), "Song", TransferMode::Sp)
            .unwrap();
        b = lib
            .enqueue_transfer(
                &TransferSource::Path(wav.clone()),
                "Again",
                TransferMode::Sp,
            )
            .unwrap();
        for (id, track, uuid) in [(a, 1, uuid.as_str()), (b, 2, "0011223344556677")] {
            lib.set_transfer_state(id, TransferState::Sending, None)
                .unwrap();
            lib.note_transfer_stored(id, track, uuid).unwrap();
        }
    }
    assert_eq!(run_worker(&lib_path, &disc_path), [(a, 1), (b, 2)]);
    let titles: Vec<String> = VirtualDeck::load(&disc_path)
        .unwrap()
        .tracks
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["Song", "Again"]);
    let lib = Library::open(&lib_path).unwrap();
    assert!(lib.stored_transfers().unwrap().is_empty());
}

/// Runs the queue worker on the library's queue against the virtual deck until it is idle;
/// returns the items done with their disc tracks, and panics on a failure.
fn run_worker(lib_path: &Path, disc_path: &Path) -> Vec<(i64, u32)> {
    let open = {
        let disc_path = disc_path.to_path_buf();
        Arc::new(move || {
            netmd::open(
                &netmd::DeviceSelector::Virtual(disc_path.clone()),
                &netmd::OpenOptions::default(),
            )
        })
    };
    let (tx, rx) = mpsc::channel();
    let requests = Transferer::spawn(
        DeviceLink::Direct(open),
        lib_path.to_path_buf(),
        BatchOptions::default(),
        move |e| {
            let _ = tx.send(e);
        },
    );
    requests.send(TransferRequest::Start).unwrap();
    let mut done = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(30)) {
        match e {
            TransferEvent::ItemDone { id, track, .. } => done.push((id, track)),
            TransferEvent::Idle => break,
            TransferEvent::ItemFailed { reason, .. } | TransferEvent::Refused(reason) => {
                panic!("{reason}")
            }
            _ => {}
        }
    }
    requests.send(TransferRequest::Shutdown).unwrap();
    done
}
