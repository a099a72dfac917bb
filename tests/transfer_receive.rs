//! Receive items in the transfer queue (what `g` in the Device pane queues), run by the queue
//! worker against a virtual MZ-RH1: the track arrives as the frames the deck holds and joins the
//! library with its album and grouping; a recorder lost mid-stream fails the item with no file
//! left behind, and a retry brings it in.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::fixtures::atrac_file;
use common::receive::{first_bulk_in, frames_of};
use library::{Library, ReceiveOrder, TransferMode, TransferState};
use ministage::shell::transfer_worker::{DeviceLink, Transferer};
use ministage::transfer::{BatchOptions, TransferEvent, TransferRequest};
use netmd::virtual_deck::VirtualTrack;
use netmd::virtual_deck::model::AudioRef;
use netmd::{DeckModel, Faults, Mode, VirtualDeck, VirtualDisc};

/// An MZ-RH1 deck holding the LP2 fixture as track 1 of group "Side A" on the disc "Tape".
fn rh1_deck(dir: &Path) -> PathBuf {
    let path = dir.join("deck.json");
    let audio_dir = netmd::virtual_deck::audio_dir_of(&path);
    std::fs::create_dir_all(&audio_dir).unwrap();
    let frames = frames_of(&atrac_file("music4s_lp2.at3"));
    std::fs::write(audio_dir.join("song.bin"), &frames).unwrap();
    let mut disc = VirtualDisc::blank(80, false);
    disc.model = DeckModel::Rh1;
    disc.title = "0;Tape//1;Side A//".into();
    let mut track = VirtualTrack::new("Song", Mode::LP2, 2, 4_000);
    track.audio = Some(AudioRef::in_dir(
        &audio_dir,
        "song.bin",
        0x94,
        frames.len() as u64,
    ));
    disc.tracks.push(track);
    VirtualDeck::create(&path, &disc).unwrap();
    path
}

/// Runs the queue until it is idle; returns the ids done and the failures.
fn run_queue(
    lib_path: &Path,
    deck: &Path,
    faults: Option<Faults>,
    trace: Option<PathBuf>,
    first: TransferRequest,
) -> (Vec<i64>, Vec<String>) {
    let deck = deck.to_path_buf();
    let faults = Arc::new(Mutex::new(faults));
    let open = Arc::new(move || {
        let trace = trace.clone();
        netmd::open(
            &netmd::DeviceSelector::Virtual(deck.clone()),
            &netmd::OpenOptions {
                trace: trace.as_deref(),
                speaker: None,
                faults: faults.lock().unwrap().clone(),
            },
        )
    });
    let (tx, rx) = mpsc::channel();
    let requests = Transferer::spawn(
        DeviceLink::Direct(open),
        lib_path.to_path_buf(),
        BatchOptions::default(),
        move |e| {
            let _ = tx.send(e);
        },
    );
    requests.send(first).unwrap();
    requests.send(TransferRequest::Start).unwrap();
    let (mut done, mut failed) = (Vec::new(), Vec::new());
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(30)) {
        match e {
            TransferEvent::ItemDone { id, .. } => done.push(id),
            TransferEvent::ItemFailed { reason, .. } | TransferEvent::Refused(reason) => {
                failed.push(reason);
            }
            TransferEvent::Error(e) => panic!("{e}"),
            TransferEvent::Idle => break,
            _ => {}
        }
    }
    requests.send(TransferRequest::Shutdown).unwrap();
    (done, failed)
}

#[test]
fn the_queue_receives_into_the_library_and_retries_after_a_lost_recorder() {
    let dir = tempfile::tempdir().unwrap();
    let deck = rh1_deck(dir.path());
    let lib_path = dir.path().join("lib.sqlite3");
    let into = dir.path().join("MiniDisc/Tape/01 - Song.at3");
    let order = ReceiveOrder {
        track: 1,
        album: "Tape".into(),
        grouping: "Side A".into(),
    };
    let enqueue = || {
        let lib = Library::open(&lib_path).unwrap();
        lib.enqueue_receive(&order, &into, "Song", TransferMode::Lp2)
            .unwrap()
    };

    let trace = dir.path().join("trace.jsonl");
    let first = enqueue();
    let (done, failed) = run_queue(
        &lib_path,
        &deck,
        None,
        Some(trace.clone()),
        TransferRequest::Resume,
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(done, [first]);
    assert_eq!(frames_of(&into), frames_of(&atrac_file("music4s_lp2.at3")));
    let lib = Library::open(&lib_path).unwrap();
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), 1);
    assert_eq!(
        (
            tracks[0].album.as_str(),
            tracks[0].title.as_str(),
            tracks[0].track_number,
            tracks[0].grouping.as_str()
        ),
        ("Tape", "Song", Some(1), "Side A")
    );

    // Where the stream starts among the transfers of a batch, to cut it off there.
    let (first_bulk, _) = first_bulk_in(&trace);

    std::fs::remove_file(&into).unwrap();
    let second = enqueue();
    let (done, failed) = run_queue(
        &lib_path,
        &deck,
        Some(Faults {
            disconnect_after: Some(first_bulk),
            ..Faults::default()
        }),
        None,
        TransferRequest::Resume,
    );
    assert!(done.is_empty(), "{done:?}");
    assert!(
        failed.iter().any(|f| f.contains("disconnected")),
        "{failed:?}"
    );
    let left: Vec<_> = std::fs::read_dir(into.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "no partial file: {left:?}");
    let lib = Library::open(&lib_path).unwrap();
    let item = lib.transfer(second).unwrap().unwrap();
    assert_eq!(item.state, TransferState::Failed);

    let (done, failed) = run_queue(&lib_path, &deck, None, None, TransferRequest::Retry(second));
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(done, [second]);
    assert_eq!(frames_of(&into), frames_of(&atrac_file("music4s_lp2.at3")));
}
