//! The decode pipeline without a sound card: samples are pulled from the player's source and
//! compared with the audio that was encoded. Self-contained: files are synthesised by
//! `ministage::demo` (FLAC is lossless, so the comparison is exact).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use media::player::{AudioOutput, GainMode, PlaybackSource, Player, PlayerEvent, Track};
use testkit::{self as demo, Pcm};

fn events() -> (
    Arc<dyn Fn(PlayerEvent) + Send + Sync>,
    mpsc::Receiver<PlayerEvent>,
) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    (
        Arc::new(move |e| {
            let _ = tx.lock().unwrap().send(e);
        }),
        rx,
    )
}

fn flac(dir: &Path, name: &str, seed: u64, seconds: f32) -> (std::path::PathBuf, Pcm) {
    let pcm = demo::melody(seed, seconds, 44_100, 2);
    let path = dir.join(name);
    demo::write_flac(&path, &pcm).unwrap();
    (path, pcm)
}

fn pull(source: &mut PlaybackSource, n: usize) -> Vec<i16> {
    (0..n)
        .map(|_| (source.next().expect("sample") * 32768.0).round() as i16)
        .collect()
}

fn track(seq: u64, path: &Path) -> Track {
    Track::file(seq, path.to_path_buf())
}

#[test]
fn decoded_samples_match_the_source_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (path, pcm) = flac(dir.path(), "a.flac", 1, 1.3);
    let (sink, _rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &path));
    let got = pull(&mut source, pcm.samples.len());
    assert_eq!(got.len(), pcm.samples.len());
    let first_diff = got.iter().zip(&pcm.samples).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "sample counts and values match");
    let checksum: i64 = got.iter().map(|&s| i64::from(s)).sum();
    assert_eq!(
        checksum,
        pcm.samples.iter().map(|&s| i64::from(s)).sum::<i64>()
    );
}

#[test]
fn consecutive_tracks_are_gapless() {
    let dir = tempfile::tempdir().unwrap();
    let (a, pa) = flac(dir.path(), "a.flac", 2, 0.7);
    let (b, pb) = flac(dir.path(), "b.flac", 3, 0.9);
    let (sink, _rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &a));
    player.set_next(Some(track(2, &b)));
    let got = pull(&mut source, pa.samples.len() + pb.samples.len());
    let mut want = pa.samples.clone();
    want.extend(&pb.samples);
    // The last sample of the first track is followed directly by the first of the second.
    let boundary = pa.samples.len();
    assert_eq!(
        got[boundary - 2..boundary + 2],
        want[boundary - 2..boundary + 2]
    );
    assert_eq!(got.iter().zip(&want).position(|(x, y)| x != y), None);
    assert_eq!(player.underruns(), 0);
}

#[test]
fn seeking_lands_on_the_requested_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (path, pcm) = flac(dir.path(), "long.flac", 4, 3.0);
    let (sink, _rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &path));
    player.seek(1500);
    let got = pull(&mut source, 4410 * 2);
    // Within 50 ms is the requirement; the pipeline is sample-exact.
    let target = 1500 * 44_100 / 1000 * 2;
    let found = (0..=4410 * 2)
        .step_by(2)
        .find(|&offset| pcm.samples[target - 2205 * 2 + offset..][..64] == got[..64])
        .map(|offset| offset as i64 - 2205 * 2);
    assert_eq!(found, Some(0), "position error in samples");
    assert_eq!(player.position().0, 1);
    assert!(
        (1500..1700).contains(&player.position().1),
        "{:?}",
        player.position()
    );
}

#[test]
fn a_corrupt_file_is_reported_by_name_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.flac");
    std::fs::write(&bad, b"fLaC this is not audio").unwrap();
    let (good, pcm) = flac(dir.path(), "good.flac", 5, 0.4);
    let (sink, rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &bad));
    match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
        PlayerEvent::Failed { seq, path, reason } => {
            assert_eq!(seq, 1);
            assert_eq!(path, bad);
            assert!(!reason.is_empty());
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    player.play(track(2, &good));
    let got = pull(&mut source, pcm.samples.len());
    assert!(got == pcm.samples, "the next file plays intact");
}

#[test]
fn null_output_plays_in_real_time_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = flac(dir.path(), "a.flac", 6, 0.8);
    let (sink, rx) = events();
    let player = Player::start(AudioOutput::Null, GainMode::Off, 0.0, sink).unwrap();
    let started = Instant::now();
    player.play(track(7, &path));
    let mut seen = Vec::new();
    loop {
        let e = rx.recv_timeout(Duration::from_secs(10)).expect("events");
        let ended = e == PlayerEvent::Ended { seq: 7 };
        seen.push(e);
        if ended {
            break;
        }
    }
    assert!(seen.contains(&PlayerEvent::Started { seq: 7 }), "{seen:?}");
    assert!(
        seen.iter()
            .any(|e| matches!(e, PlayerEvent::Position { seq: 7, .. }))
    );
    // Consumed at the pace of a sound card, not as fast as possible.
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn pause_holds_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let (path, pcm) = flac(dir.path(), "a.flac", 8, 0.5);
    let (sink, _rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &path));
    let mut got = pull(&mut source, 1000);
    player.pause();
    // The pause takes effect within a few milliseconds (the output looks at it every 64 frames).
    let during = pull(&mut source, 6000);
    let audible = during.iter().position(|&s| s == 0).unwrap_or(during.len());
    assert!(audible <= 2 * 64, "{audible} samples played after pausing");
    assert!(
        during[audible..].iter().all(|&s| s == 0),
        "silent while paused"
    );
    got.extend_from_slice(&during[..audible]);
    player.resume();
    // Resuming finishes the current span of silence (at most 256 frames) first.
    let mut rest = pull(&mut source, pcm.samples.len() - got.len() + 512);
    let leading = rest.iter().take_while(|&&s| s == 0).count();
    assert!(
        leading <= 512,
        "{leading} samples of silence after resuming"
    );
    rest.drain(..leading);
    got.extend(rest);
    got.truncate(pcm.samples.len());
    let mismatch = got.iter().zip(&pcm.samples).position(|(a, b)| a != b);
    assert_eq!(mismatch, None, "nothing lost or repeated across a pause");
}

fn run_play(args: &[&std::ffi::OsStr], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ministage"))
        .arg("play")
        .args(["--audio", "null"])
        .args(args)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .expect("run ministage play")
}

#[test]
fn play_command_plays_files_headless() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = flac(dir.path(), "one.flac", 9, 0.3);
    let (b, _) = flac(dir.path(), "two.flac", 10, 0.3);
    let out = run_play(&[a.as_os_str(), b.as_os_str()], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("one.flac") && stdout.contains("two.flac"),
        "{stdout}"
    );
}

#[test]
fn play_command_names_an_unreadable_file_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (good, _) = flac(dir.path(), "good.flac", 11, 0.3);
    let bad = dir.path().join("garbage.mp3");
    std::fs::write(&bad, vec![0x55u8; 4000]).unwrap();
    let out = run_play(&[bad.as_os_str(), good.as_os_str()], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("garbage.mp3"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("good.flac"));
}

#[test]
fn a_next_track_named_after_the_current_one_was_decoded_still_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, pa) = flac(dir.path(), "a.flac", 12, 0.3);
    let (b, pb) = flac(dir.path(), "b.flac", 13, 0.3);
    let (sink, _rx) = events();
    let (player, mut source) = Player::detached(sink).unwrap();
    player.play(track(1, &a));
    // Give the decoder time to reach the end of the short first track before the second
    // one is named (a busy machine can delay the caller this way).
    std::thread::sleep(Duration::from_millis(500));
    player.set_next(Some(track(2, &b)));
    let got = pull(&mut source, pa.samples.len() + pb.samples.len());
    let mut want = pa.samples.clone();
    want.extend(&pb.samples);
    assert_eq!(got.iter().zip(&want).position(|(x, y)| x != y), None);
}
