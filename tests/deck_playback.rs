//! The virtual deck plays back what was sent to it: SP as the PCM it received, LP2 and LP4
//! through the in-crate ATRAC3 decoder. Tracks are sent through the whole stack first; the
//! ATRAC3 files are read from tests/fixtures/atrac.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use atrac::Decoder;
use common::fixtures::atrac_file as fixture;
use media::player::{PlaybackSource, Player, Track};
use ministage::transfer::pipeline::BatchControl;
use ministage::transfer::{BatchOptions, ItemOutcome, TransferMode, send_batch};
use netmd::virtual_deck::DeckAudio;
use netmd::{Faults, Recorder, VirtualDeck};

fn write_wav(path: &Path, samples: &[i16]) {
    let pcm = testkit::Pcm {
        sample_rate: 44_100,
        channels: 2,
        samples: samples.to_vec(),
    };
    testkit::write_wav(path, &pcm).unwrap();
}

fn decode_all(mut d: Box<dyn Decoder>) -> Vec<i16> {
    let mut out = Vec::new();
    while d.next_block(&mut out).unwrap() {}
    out
}

fn pull(source: &mut PlaybackSource, n: usize) -> Vec<i16> {
    (0..n)
        .map(|_| (source.next().expect("sample") * 32768.0).round() as i16)
        .collect()
}

/// Sends the files and returns the deck's disc folder and its tracks' stored audio.
fn send(dir: &Path, files: &[(&Path, TransferMode)]) -> Vec<DeckAudio> {
    let disc_path = dir.join("disc.json");
    let deck = VirtualDeck::open(&disc_path)
        .unwrap()
        .with_faults(Faults::default());
    let mut r = Recorder::open(Box::new(deck) as Box<dyn netmd::Transport>).unwrap();
    let items = common::send_items(files);
    let outcomes = send_batch(
        &mut r,
        &items,
        &BatchOptions::default(),
        &BatchControl::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(
        outcomes
            .iter()
            .all(|(_, o)| matches!(o, ItemOutcome::Done { .. })),
        "{outcomes:?}"
    );
    drop(r);
    let disc = VirtualDeck::load(&disc_path).unwrap();
    disc.tracks
        .iter()
        .map(|t| DeckAudio::of(dir, t).expect("stored audio"))
        .collect()
}

#[test]
fn sent_tracks_play_back_as_they_were_sent() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<i16> = (0..44_100 * 2)
        .map(|i| ((i as f32 * 0.021).sin() * 9_000.0) as i16)
        .collect();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, &samples);
    let lp2 = fixture("music4s_lp2.oma");
    let lp4 = fixture("music4s_lp4.at3");
    let lp105 = fixture("music4s_105.at3");
    let stored = send(
        dir.path(),
        &[
            (&wav, TransferMode::Sp),
            (&lp2, TransferMode::Lp2),
            (&lp4, TransferMode::Lp4),
            (&lp105, TransferMode::Auto),
        ],
    );

    // SP: the PCM that was sent, then the zero padding of the last 2048-byte unit.
    let sp = decode_all(atrac::open_raw(&stored[0].path, stored[0].format).unwrap());
    assert_eq!(&sp[..samples.len()], &samples[..]);
    assert!(sp[samples.len()..].iter().all(|&s| s == 0));
    assert!(sp.len() - samples.len() < 1024);

    // LP2, LP4, LP105: the deck's frames decode to exactly what the files decode to.
    for (audio, source) in stored[1..].iter().zip([&lp2, &lp4, &lp105]) {
        let heard = decode_all(atrac::open_raw(&audio.path, audio.format).unwrap());
        let expected = decode_all(atrac::open(source).unwrap());
        assert_eq!(heard.len(), expected.len(), "{}", source.display());
        assert!(
            heard == expected,
            "{} decodes differently",
            source.display()
        );
    }

    // And through the player, as the deck's speaker plays it.
    for audio in &stored[..3] {
        let expected = decode_all(atrac::open_raw(&audio.path, audio.format).unwrap());
        let (player, mut source) = Player::detached(Arc::new(|_| {})).unwrap();
        player.play(Track {
            seq: 1,
            path: audio.path.clone(),
            raw: Some(audio.format),
        });
        let channels = match audio.format {
            atrac::RawAudio::PcmBe16 { channels } => usize::from(channels),
            atrac::RawAudio::Atrac3 { .. } => 2,
        };
        let n = expected.len() - 8192 * channels;
        assert_eq!(pull(&mut source, n), expected[..n], "{:?}", audio.format);
    }
}

#[test]
fn device_play_on_the_virtual_deck_is_heard_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("Short Tone.wav");
    let samples: Vec<i16> = (0..44_100 / 2 * 2)
        .map(|i| ((i as f32 * 0.03).sin() * 5_000.0) as i16)
        .collect();
    write_wav(&wav, &samples);
    let disc = dir.path().join("deck.json");
    let device = format!("virtual:{}", disc.display());
    let run = |args: &[&str]| {
        common::ministage(dir.path())
            .args(["--device", &device, "--audio", "null"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["device", "init-virtual", "--demo", disc.to_str().unwrap()]);
    assert!(out.status.success());
    let out = run(&["device", "send", "--mode", "sp", wav.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A WAV in LP2 is encoded on the way: track 8, and it plays like any other.
    let out = run(&["device", "send", "--mode", "lp2", wav.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("in LP2"), "{stderr}");
    let out = run(&["device", "play", "8"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Playing track 8 \"Short Tone\""),
        "{stdout}"
    );

    let out = run(&["device", "play", "7"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Playing track 7 \"Short Tone\""),
        "{stdout}"
    );

    // The demo disc's own tracks have no audio: said plainly, not an error.
    let out = run(&["device", "play", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("has no recorded audio"), "{stdout}");
}
