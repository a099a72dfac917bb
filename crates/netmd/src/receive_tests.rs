//! Receiving from the virtual deck acting as an MZ-RH1, through the whole stack: what was sent
//! comes back, faults end a receive cleanly, and other decks refuse.

use std::ops::ControlFlow;
use std::path::Path;

use super::crypto::{OsEntropy, StreamKeys};
use super::disc::Mode;
use super::receive::{ReceiveError, ReceivedContainer};
use super::send::{EncryptedAudio, WireFormat};
use super::titles;
use super::virtual_deck::{DeckModel, Faults, VirtualDeck, VirtualDisc, VirtualTrack};
use super::{DeviceError, Recorder};

fn rh1_disc(path: &Path) {
    let mut disc = VirtualDisc::blank(80, false);
    disc.model = DeckModel::Rh1;
    VirtualDeck::create(path, &disc).unwrap();
}

/// `frames` ATRAC3 frames of `size` bytes: the sound-unit id the deck checks, then a pattern.
fn atrac3_frames(size: usize, frames: usize, seed: u8) -> Vec<u8> {
    (0..size * frames)
        .map(|i| {
            if i % size == 0 {
                0xa0
            } else {
                (i as u8).wrapping_mul(31).wrapping_add(seed)
            }
        })
        .collect()
}

fn send(r: &mut Recorder<VirtualDeck>, format: WireFormat, plain: Vec<u8>, title: &str) -> u32 {
    let keys = StreamKeys::random(&mut OsEntropy).unwrap();
    let audio = EncryptedAudio::encrypt(format, plain, &keys).unwrap();
    r.send_track(
        &audio,
        &titles::prepare(title),
        &mut OsEntropy,
        &mut |_, _| ControlFlow::Continue(()),
    )
    .unwrap()
    .number
}

fn receive(
    r: &mut Recorder<VirtualDeck>,
    n: u32,
) -> Result<(Vec<u8>, super::receive::Received), ReceiveError> {
    let mut out = Vec::new();
    let got = r.receive_track_chunked(n, &mut out, 4096, &mut |_, _| ControlFlow::Continue(()))?;
    Ok((out, got))
}

#[test]
fn lp_tracks_come_back_as_the_frames_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rh1.json");
    rh1_disc(&path);
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    assert_eq!(r.identity().product_id, 0x0286);
    let lp2 = atrac3_frames(384, 300, 1);
    let lp4 = atrac3_frames(192, 500, 2);
    assert_eq!(send(&mut r, WireFormat::LP2, lp2.clone(), "Two"), 1);
    assert_eq!(send(&mut r, WireFormat::LP4, lp4.clone(), "Four"), 2);
    // Reopened: the model is kept in the disc file.
    drop(r);
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    assert_eq!(r.identity().name, "virtual deck (MZ-RH1)");

    let (bytes, got) = receive(&mut r, 1).unwrap();
    assert_eq!(bytes, lp2, "LP2 payload byte for byte");
    assert_eq!((got.format, got.frames()), (WireFormat::LP2, 300));
    assert_eq!(got.container(), ReceivedContainer::At3);
    assert_eq!(got.announced_frames, 300);
    let (bytes, got) = receive(&mut r, 2).unwrap();
    assert_eq!(bytes, lp4, "LP4 payload byte for byte");
    assert_eq!((got.mode(), got.frames()), (Mode::LP4, 500));
    // The recorder is in a normal state afterwards.
    assert_eq!(r.read_disc().unwrap().tracks.len(), 2);
}

#[test]
fn demo_tracks_come_back_as_silence_of_their_length() {
    let mut disc = VirtualDisc::blank(80, false);
    disc.model = DeckModel::Rh1;
    disc.tracks
        .push(VirtualTrack::new("Quiet", Mode::LP4, 2, 3_000));
    let mut r = Recorder::open(VirtualDeck::in_memory(disc)).unwrap();
    let (bytes, got) = receive(&mut r, 1).unwrap();
    assert_eq!(bytes.len() % 192, 0);
    // 3 s of 1024-sample frames, and the encoder's flush.
    assert!(
        (3_000..3_200).contains(&got.duration_ms()),
        "{}",
        got.duration_ms()
    );
}

#[test]
fn protected_tracks_and_missing_tracks_are_refused_by_name() {
    let mut disc = VirtualDisc::blank(80, false);
    disc.model = DeckModel::Rh1;
    let mut t = VirtualTrack::new("Dubbed", Mode::LP2, 2, 3_000);
    t.protected = true;
    disc.tracks.push(t);
    let mut r = Recorder::open(VirtualDeck::in_memory(disc)).unwrap();
    assert!(matches!(
        receive(&mut r, 1),
        Err(ReceiveError::Protected { track: 1 })
    ));
    assert!(matches!(
        receive(&mut r, 2),
        Err(ReceiveError::Device(DeviceError::NoSuchTrack {
            track: 2,
            count: 1
        }))
    ));
}

#[test]
fn a_generic_deck_refuses_with_the_explanation() {
    let mut r = Recorder::open(VirtualDeck::in_memory(VirtualDisc::demo(80, false))).unwrap();
    let e = receive(&mut r, 1).unwrap_err();
    assert!(matches!(e, ReceiveError::Unsupported { .. }), "{e}");
    assert!(
        e.to_string().contains("only the Sony MZ-RH1 and MZ-M200"),
        "{e}"
    );
}

#[test]
fn a_disconnect_mid_stream_is_a_clean_error_and_a_retry_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rh1.json");
    rh1_disc(&path);
    let lp2 = atrac3_frames(384, 200, 3);
    {
        let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
        send(&mut r, WireFormat::LP2, lp2.clone(), "Cut");
    }
    // Count the transfers of a whole receive, then cut one off half way through its stream.
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    let before = r.framing_mut().transport().transfers();
    receive(&mut r, 1).unwrap();
    let whole = r.framing_mut().transport().transfers() - before;
    let deck = VirtualDeck::open(&path).unwrap().with_faults(Faults {
        disconnect_after: Some(1 + whole - 5),
        ..Faults::default()
    });
    let mut r = Recorder::open(deck).unwrap();
    let mut out = Vec::new();
    let e = r
        .receive_track_chunked(1, &mut out, 4096, &mut |_, _| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(e.is_disconnect(), "{e}");
    assert!(
        !out.is_empty() && out.len() < lp2.len(),
        "cut mid-stream: {}",
        out.len()
    );
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    assert_eq!(receive(&mut r, 1).unwrap().0, lp2);
}
