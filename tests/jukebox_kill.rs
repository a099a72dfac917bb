//! The jukebox killed (`kill -9`) in the middle of a send from its Transfers pane, run in a real
//! pseudo-terminal (util-linux `script`) against the virtual deck slowed by the `delay` fault:
//! restarted, the item is queued again (not stuck "sending"), the disc holds no half track and
//! no stray audio, and the send then completes once.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use library::{Library, TransferMode, TransferSource, TransferState};
use netmd::{VirtualDeck, VirtualDisc};

#[path = "common/pty.rs"]
mod pty;

use pty::Pty;

/// Starts the jukebox on `dir`'s library and virtual deck; waits for its first screen.
fn start(dir: &Path, faults: Option<&str>) -> Pty {
    let cmd = format!(
        "stty cols 100 rows 30; exec {} --library {} --log-file {} --device virtual:{} \
         --audio null",
        env!("CARGO_BIN_EXE_ministage"),
        dir.join("lib.sqlite3").display(),
        dir.join("log.txt").display(),
        dir.join("disc.json").display(),
    );
    let config = dir.join("config").display().to_string();
    let jukebox = Pty::spawn(
        &cmd,
        &[
            ("XDG_CONFIG_HOME", Some(&config)),
            ("MINISTAGE_DEVICE", None),
            ("MINISTAGE_CONFIG", None),
            ("MINISTAGE_VIRTUAL_FAULTS", faults),
        ],
    );
    jukebox.wait_for("the first screen", |out| out.contains("Library"));
    jukebox
}

/// Types keys one at a time, as a user does.
fn keys(jukebox: &mut Pty, keys: &[u8]) {
    for k in keys {
        jukebox.type_keys(&[*k]);
        thread::sleep(Duration::from_millis(150));
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn item_state(lib: &Path, id: i64) -> TransferState {
    let lib = Library::open(lib).unwrap();
    lib.transfer(id).unwrap().unwrap().state
}

fn audio_files(disc: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(netmd::virtual_deck::audio_dir_of(disc))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn a_jukebox_killed_mid_send_queues_the_item_again_and_sends_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("song.wav");
    let samples = (0..44_100 * 2 * 2)
        .map(|i| ((i as f32 * 0.01).sin() * 8_000.0) as i16)
        .collect();
    testkit::write_wav(
        &wav,
        &testkit::Pcm {
            sample_rate: 44_100,
            channels: 2,
            samples,
        },
    )
    .unwrap();
    let lib_path = dir.path().join("lib.sqlite3");
    let disc_path = dir.path().join("disc.json");
    VirtualDeck::create(&disc_path, &VirtualDisc::blank(80, false)).unwrap();
    let id = Library::open(&lib_path)
        .unwrap()
        .enqueue_transfer(&TransferSource::Path(wav.clone()), "Song", TransferMode::Sp)
        .unwrap();

    // Every USB transfer takes 60 ms: the send's session (some 80 transfers) takes seconds.
    let mut jukebox = start(dir.path(), Some("delay=60"));
    // The Transfers pane, then `r`: send what is queued.
    keys(&mut jukebox, b"4r");
    wait_until("the send to start", Duration::from_secs(30), || {
        item_state(&lib_path, id) == TransferState::Sending
    });
    thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill")
        .args(["-9", &jukebox.app_pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    jukebox.wait_exit();
    assert_eq!(
        item_state(&lib_path, id),
        TransferState::Sending,
        "killed mid-send (not after it)"
    );
    let disc = VirtualDeck::load(&disc_path).unwrap();
    assert!(disc.tracks.is_empty(), "no half track: {:?}", disc.tracks);

    // Restarted: the item is queued again; `r` sends it, once.
    let mut jukebox = start(dir.path(), None);
    wait_until(
        "the item to be queued again",
        Duration::from_secs(10),
        || item_state(&lib_path, id) == TransferState::Queued,
    );
    assert!(
        audio_files(&disc_path).is_empty(),
        "no stray audio: {:?}",
        audio_files(&disc_path)
    );
    keys(&mut jukebox, b"4r");
    wait_until("the send to finish", Duration::from_secs(30), || {
        item_state(&lib_path, id) == TransferState::Done
    });
    keys(&mut jukebox, b"q");
    jukebox.wait_exit();
    let disc = VirtualDeck::load(&disc_path).unwrap();
    assert_eq!(disc.tracks.len(), 1, "sent once");
    assert_eq!(disc.tracks[0].title, "Song");
    assert_eq!(audio_files(&disc_path).len(), 1);
}
