//! A disc in Hi-MD mode driven the way the jukebox drives it: the device worker lists it with
//! each track's own format and its space in bytes, the Device pane's edits reach it, player
//! keys are refused with the reason, and the transfer queue sends to it (auto: MP3 as it is,
//! the rest in LP2) and receives from it into the library, through the device worker as in the
//! app. The image stays a clean FAT volume.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use himd::virtual_device::{MediaSize, VirtualHimd};
use library::{Library, TransferMode};
use ministage::app::{DeviceEvent, DeviceRequest, DiscView};
use ministage::config::ReceiveFormat;
use ministage::shell::device_worker::DeviceHandle;
use ministage::shell::transfer_worker::{DeviceLink, Transferer};
use ministage::transfer::{BatchOptions, TransferEvent, TransferRequest};
use netmd::{DeviceError, DeviceSelector};

#[path = "../crates/himd/tests/common/fsck.rs"]
mod fsck;
#[path = "common/himd_damage.rs"]
mod himd_damage;

fn sample_image(dir: &Path) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/himd");
    let image = dir.join("himd.img");
    VirtualHimd::create_from_folder(&fixture, &image, MediaSize::Minutes74, [2; 8]).unwrap();
    image
}

fn next(rx: &Receiver<DeviceEvent>) -> DeviceEvent {
    rx.recv_timeout(Duration::from_secs(60)).expect("an event")
}

/// The disc as read after the request just sent, and what the worker said was done.
fn changed(rx: &Receiver<DeviceEvent>) -> (DiscView, String) {
    let mut view = None;
    loop {
        match next(rx) {
            DeviceEvent::DiscChanged(v) => view = Some(v),
            DeviceEvent::Done(done) => return (view.expect("the disc read again"), done),
            DeviceEvent::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
}

#[test]
fn the_device_pane_lists_and_edits_a_himd_disc() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let (tx, rx) = DeviceHandle::spawn(DeviceSelector::Virtual(image.clone()), None);
    let view = loop {
        if let DeviceEvent::Connected(view) = next(&rx) {
            break view;
        }
    };
    assert!(
        view.info.device.contains("virtual Hi-MD disc"),
        "{}",
        view.info.device
    );
    let himd = view.himd.as_ref().expect("Hi-MD facts");
    let formats: Vec<&str> = himd.tracks.iter().map(|t| t.format.as_str()).collect();
    assert_eq!(view.info.tracks.len(), formats.len());
    for want in ["ATRAC3 ", "ATRAC3plus ", "PCM", "MP3 "] {
        assert!(formats.iter().any(|f| f.starts_with(want)), "{formats:?}");
    }
    assert!(himd.free_bytes > 0 && himd.free_bytes < himd.total_bytes);
    let count = view.info.tracks.len() as u32;

    tx.send(DeviceRequest::RenameTrack {
        track: 1,
        title: "From the pane".into(),
    })
    .unwrap();
    let (view, _) = changed(&rx);
    assert_eq!(view.info.tracks[0].title, "From the pane");

    tx.send(DeviceRequest::CreateGroup {
        first: 1,
        last: 2,
        name: "Pair".into(),
    })
    .unwrap();
    let (view, _) = changed(&rx);
    let pair = view
        .info
        .groups
        .iter()
        .position(|g| g.title == "Pair")
        .unwrap();
    assert_eq!(
        (view.info.groups[pair].first, view.info.groups[pair].last),
        (1, 2)
    );
    assert_eq!(view.info.tracks[1].group, Some(pair));

    // Groups are numbered from 1 in requests, as the pane sends them.
    tx.send(DeviceRequest::RenameGroup {
        group: pair + 1,
        name: "Duo".into(),
    })
    .unwrap();
    let (view, _) = changed(&rx);
    assert_eq!(view.info.groups[pair].title, "Duo");

    let last_title = view.info.tracks[count as usize - 1].title.clone();
    tx.send(DeviceRequest::MoveTrack { from: count, to: 1 })
        .unwrap();
    let (view, _) = changed(&rx);
    assert_eq!(view.info.tracks[0].title, last_title);

    tx.send(DeviceRequest::DeleteTracks(vec![1])).unwrap();
    let (view, _) = changed(&rx);
    assert_eq!(view.info.tracks.len() as u32, count - 1);
    assert!(view.info.tracks.iter().all(|t| t.title != last_title));

    // The titles go out to a sheet and come back.
    let csv = dir.path().join("titles.csv");
    tx.send(DeviceRequest::ExportTitles(csv.clone())).unwrap();
    loop {
        match next(&rx) {
            DeviceEvent::Done(d) => break assert!(d.contains("wrote the titles"), "{d}"),
            DeviceEvent::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replacen("From the pane", "From a sheet", 1)).unwrap();
    tx.send(DeviceRequest::ImportTitles(csv)).unwrap();
    let (view, _) = changed(&rx);
    assert!(
        view.info.tracks.iter().any(|t| t.title == "From a sheet"),
        "{:?}",
        view.info.tracks
    );
    assert!(view.info.groups.iter().any(|g| g.title == "Duo"));

    // Erasing formats the disc afresh, with progress.
    tx.send(DeviceRequest::EraseDisc).unwrap();
    let mut progressed = false;
    let mut view = None;
    let done = loop {
        match next(&rx) {
            DeviceEvent::Progress { operation, .. } => {
                progressed |= operation.contains("formatting");
            }
            DeviceEvent::DiscChanged(v) => view = Some(v),
            DeviceEvent::Done(done) => break done,
            DeviceEvent::Error(e) => panic!("{e}"),
            _ => {}
        }
    };
    assert!(done.contains("formatted"), "{done}");
    assert!(progressed);
    let view = view.expect("the disc read again");
    assert!(view.info.tracks.is_empty());
    assert!(view.info.groups.is_empty());

    // A unit in Hi-MD mode has no player to drive.
    tx.send(DeviceRequest::Play).unwrap();
    loop {
        match next(&rx) {
            DeviceEvent::Error(e) => break assert!(e.contains("storage device"), "{e}"),
            DeviceEvent::Done(d) => panic!("{d}"),
            _ => {}
        }
    }
    tx.send(DeviceRequest::Shutdown).unwrap();
    drop(rx);
    std::thread::sleep(Duration::from_millis(200));
    fsck::fsck(&image);
}

/// Runs the queue through the device worker until it is idle; returns the items done and the
/// failures.
fn run_queue(
    requests: &std::sync::mpsc::Sender<TransferRequest>,
    events: &Receiver<TransferEvent>,
    orders: Vec<TransferRequest>,
) -> (Vec<i64>, Vec<String>) {
    for o in orders {
        requests.send(o).unwrap();
    }
    requests.send(TransferRequest::Start).unwrap();
    let (mut done, mut failed) = (Vec::new(), Vec::new());
    loop {
        match events
            .recv_timeout(Duration::from_secs(120))
            .expect("a queue event")
        {
            TransferEvent::ItemDone { id, .. } => done.push(id),
            TransferEvent::ItemFailed { reason, .. }
            | TransferEvent::Refused(reason)
            | TransferEvent::Error(reason) => failed.push(reason),
            TransferEvent::Idle => return (done, failed),
            _ => {}
        }
    }
}

#[test]
fn the_queue_sends_to_and_receives_from_a_himd_disc() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let before = VirtualHimd::open(&image).map(drop);
    assert!(before.is_ok());

    let wav = dir.path().join("tone.wav");
    let mut pcm = media::synth::Pcm::silence(3.0, 44_100, 2);
    for (i, s) in pcm.samples.iter_mut().enumerate() {
        *s = ((i as f32 * 0.03).sin() * 8000.0) as i16;
    }
    media::synth::write_wav(&wav, &pcm).unwrap();
    let mp3 = dir.path().join("silence.mp3");
    testkit::write_silent_mp3(&mp3, 2.0, 44_100, 2).unwrap();
    let vbr = dir.path().join("vbr.mp3");
    std::fs::write(&vbr, variable_bit_rate(&std::fs::read(&mp3).unwrap())).unwrap();

    let (device_tx, device_rx) = mpsc::channel();
    let device = DeviceHandle::spawn_with(
        DeviceSelector::Virtual(image.clone()),
        None,
        None,
        move |e| {
            let _ = device_tx.send(e);
        },
    );
    let count = loop {
        if let DeviceEvent::Connected(view) = next(&device_rx) {
            break view.info.tracks.len();
        }
    };
    let library_path = dir.path().join("lib.sqlite3");
    Library::open(&library_path).unwrap();
    let (queue_tx, queue_rx) = mpsc::channel();
    let never =
        Arc::new(|| -> Result<netmd::AnyRecorder, DeviceError> { Err(DeviceError::NotFound) });
    let requests = Transferer::spawn(
        DeviceLink::Worker(device.clone(), never),
        library_path.clone(),
        BatchOptions::default(),
        move |e| {
            let _ = queue_tx.send(e);
        },
    );
    let enqueue = |path: &Path, title: &str| TransferRequest::Enqueue {
        source: library::TransferSource::Path(path.to_path_buf()),
        title: title.into(),
        mode: TransferMode::Auto,
    };
    let (done, failed) = run_queue(
        &requests,
        &queue_rx,
        vec![
            enqueue(&wav, "Tone"),
            enqueue(&mp3, "Quiet"),
            enqueue(&vbr, "Varied"),
        ],
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(done.len(), 3);
    // The MP3 that cannot go as it is went as ATRAC3, and the queue says why.
    let queue = Library::open(&library_path)
        .unwrap()
        .transfer_queue()
        .unwrap();
    let varied = queue.iter().find(|q| q.title == "Varied").unwrap();
    assert_eq!(varied.state, library::TransferState::Done);
    let note = varied.error.as_deref().unwrap_or_default();
    assert!(note.contains("sent as ATRAC3 LP2, not as MP3"), "{note}");
    // The worker reads the disc again after the batch.
    let view = loop {
        if let DeviceEvent::DiscChanged(view) = next(&device_rx) {
            break view;
        }
    };
    assert_eq!(view.info.tracks.len(), count + 3);
    let himd = view.himd.as_ref().unwrap();
    assert_eq!(view.info.tracks[count].title, "Tone");
    assert_eq!(himd.tracks[count].format, "ATRAC3 132k");
    assert_eq!(view.info.tracks[count + 1].title, "Quiet");
    assert_eq!(himd.tracks[count + 1].format, "MP3 128k");
    assert_eq!(himd.tracks[count + 2].format, "ATRAC3 132k");

    // Received back into the library, each in its own format.
    let music = dir.path().join("music");
    let numbers = [count as u32 + 1, count as u32 + 2];
    let orders = ministage::transfer::receive::orders_for(
        &view.info,
        view.himd.as_ref(),
        &numbers,
        None,
        &music,
        ReceiveFormat::Wav,
    );
    let (done, failed) = run_queue(&requests, &queue_rx, orders);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(done.len(), 2);
    let folder = music.join("MiniDisc");
    let files: Vec<String> = walk(&folder);
    assert!(files.iter().any(|f| f.ends_with("Tone.oma")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("Quiet.mp3")), "{files:?}");
    let lib = Library::open(&library_path).unwrap();
    let titles: Vec<String> = lib
        .all_tracks()
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert!(titles.contains(&"Tone".to_string()), "{titles:?}");
    requests.send(TransferRequest::Shutdown).unwrap();
    device.send(DeviceRequest::Shutdown).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    fsck::fsck(&image);
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

/// `mp3` (silent, constant bit rate) with its second half re-framed at 192 kbit/s: still silent
/// (no main data), now of variable bit rate.
fn variable_bit_rate(mp3: &[u8]) -> Vec<u8> {
    let start = mp3
        .windows(2)
        .position(|w| w[0] == 0xFF && w[1] & 0xE0 == 0xE0)
        .unwrap();
    let mut frames = Vec::new();
    let mut at = start;
    while at + 4 <= mp3.len() {
        let header: [u8; 4] = mp3[at..at + 4].try_into().unwrap();
        let Some(len) = himd::mp3::frame_len(header) else {
            break;
        };
        frames.push(mp3[at..(at + len).min(mp3.len())].to_vec());
        at += len;
    }
    let half = frames.len() / 2;
    let mut out = mp3[..start].to_vec();
    for (i, mut frame) in frames.into_iter().enumerate() {
        if i >= half {
            frame[2] = (frame[2] & 0x0F) | (11 << 4);
            let header: [u8; 4] = frame[..4].try_into().unwrap();
            frame.resize(himd::mp3::frame_len(header).unwrap(), 0);
        }
        out.extend(frame);
    }
    out
}

#[test]
fn a_damaged_track_index_is_offered_its_backup_and_restored_from_the_pane() {
    let dir = tempfile::tempdir().unwrap();
    let image = sample_image(dir.path());
    let tracks = {
        let mut unit = ministage::transfer::himd_unit::HimdUnit::open(
            &ministage::transfer::himd_unit::HimdTarget::Image(image.clone()),
        )
        .unwrap();
        unit.view().unwrap().info.tracks.len()
    };
    himd_damage::damage_track_index(&image, b"JUNK");
    let (tx, rx) = DeviceHandle::spawn(DeviceSelector::Virtual(image.clone()), None);
    let backup = loop {
        match next(&rx) {
            DeviceEvent::DamagedIndex { reason, backup } => {
                assert!(reason.contains("damaged"), "{reason}");
                break backup;
            }
            DeviceEvent::Connected(_) => panic!("a damaged disc connected"),
            _ => {}
        }
    };
    assert!(backup.starts_with("_RKIDX"), "{backup}");
    tx.send(DeviceRequest::RestoreIndex).unwrap();
    let view = loop {
        match next(&rx) {
            DeviceEvent::Connected(view) => break view,
            // The failure to open is reported too; nothing else may fail.
            DeviceEvent::Error(e) if !e.contains("is damaged") => panic!("{e}"),
            _ => {}
        }
    };
    assert_eq!(view.info.tracks.len(), tracks);
    tx.send(DeviceRequest::Shutdown).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    fsck::fsck(&image);
}
