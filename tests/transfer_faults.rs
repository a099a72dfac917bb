//! The Transfers pane's worker ([`Transferer`]) against a recorder lost at every USB transfer of
//! a send (`disconnect-after=N`, `stall-after=N` for every N a send takes): the queue item's
//! state agrees with the disc (done exactly when the track is there), and a retry of what
//! failed writes the track once.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use library::{Library, TransferMode, TransferSource, TransferState};
use ministage::shell::transfer_worker::{DeviceLink, Transferer};
use ministage::transfer::{BatchOptions, TransferEvent, TransferRequest};
use netmd::{DeviceSelector, Faults, OpenOptions, VirtualDeck};

/// Runs the worker on the queue until it has nothing left to do; every connection it opens
/// has `faults` (a new connection is a replugged recorder: its count starts again).
fn run_queue(
    lib: &Path,
    disc: &Path,
    faults: Option<Faults>,
    trace: Option<PathBuf>,
    first: TransferRequest,
) {
    let disc = disc.to_path_buf();
    let open = Arc::new(move || {
        netmd::open(
            &DeviceSelector::Virtual(disc.clone()),
            &OpenOptions {
                trace: trace.as_deref(),
                speaker: None,
                faults: faults.clone(),
            },
        )
    });
    let (tx, rx) = mpsc::channel();
    let link = DeviceLink::Direct(open);
    let requests = Transferer::spawn(link, lib.to_path_buf(), BatchOptions::default(), move |e| {
        drop(tx.send(e));
    });
    requests.send(first).unwrap();
    requests.send(TransferRequest::Start).unwrap();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(TransferEvent::Idle | TransferEvent::Refused(_)) => break,
            Ok(TransferEvent::Error(e)) => panic!("{e}"),
            Ok(_) => {}
            Err(e) => panic!("the worker went quiet: {e}"),
        }
    }
    requests.send(TransferRequest::Shutdown).unwrap();
}

struct Setup {
    dir: tempfile::TempDir,
    id: i64,
}

impl Setup {
    fn new(wav: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(&dir.path().join("lib.sqlite3")).unwrap();
        let id = lib
            .enqueue_transfer(
                &TransferSource::Path(wav.to_path_buf()),
                "Song",
                TransferMode::Sp,
            )
            .unwrap();
        Self { dir, id }
    }

    fn lib(&self) -> PathBuf {
        self.dir.path().join("lib.sqlite3")
    }

    fn disc(&self) -> PathBuf {
        self.dir.path().join("disc.json")
    }

    fn state(&self) -> (TransferState, Option<String>) {
        let lib = Library::open(&self.lib()).unwrap();
        let t = lib.transfer(self.id).unwrap().unwrap();
        (t.state, t.error)
    }

    fn tracks(&self) -> usize {
        VirtualDeck::load(&self.disc()).map_or(0, |d| d.tracks.len())
    }
}

#[test]
fn the_queue_item_agrees_with_the_disc_whatever_transfer_fails() {
    let source = tempfile::tempdir().unwrap();
    let wav = source.path().join("song.wav");
    testkit::write_wav(&wav, &testkit::melody(1, 0.1, 44_100, 2)).unwrap();

    // How many transfers a clean send takes on the worker's connection.
    let clean = Setup::new(&wav);
    let trace = clean.dir.path().join("trace.jsonl");
    run_queue(
        &clean.lib(),
        &clean.disc(),
        None,
        Some(trace.clone()),
        TransferRequest::Start,
    );
    assert_eq!(clean.state().0, TransferState::Done);
    let total = std::fs::read_to_string(&trace).unwrap().lines().count() as u64;
    assert!(total > 40, "a send takes {total} transfers");

    let mut disagreements = Vec::new();
    for stall in [false, true] {
        for n in 0..=total {
            let s = Setup::new(&wav);
            let faults = Faults {
                disconnect_after: (!stall).then_some(n),
                stall_after: stall.then_some(n),
                ..Faults::default()
            };
            let label = if stall {
                "stall-after"
            } else {
                "disconnect-after"
            };
            run_queue(
                &s.lib(),
                &s.disc(),
                Some(faults),
                None,
                TransferRequest::Start,
            );
            let (state, error) = s.state();
            let tracks = s.tracks();
            let agrees = match state {
                TransferState::Done => tracks == 1,
                TransferState::Failed | TransferState::Queued => tracks == 0,
                _ => false,
            };
            if !agrees {
                disagreements.push(format!(
                    "{label}={n}: item {state:?} ({}) with {tracks} tracks on the disc",
                    error.unwrap_or_default()
                ));
                continue;
            }
            // `r` on the item: a failed one goes again and arrives once; a done one stays.
            run_queue(
                &s.lib(),
                &s.disc(),
                None,
                None,
                TransferRequest::Retry(s.id),
            );
            assert_eq!(s.state().0, TransferState::Done, "{label}={n}");
            assert_eq!(s.tracks(), 1, "{label}={n}: after the retry");
        }
    }
    assert!(
        disagreements.is_empty(),
        "queue and disc disagree:\n{}",
        disagreements.join("\n")
    );
}
