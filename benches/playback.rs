//! CPU cost of playback: decoding through the player's pipeline (decode thread, feed, output
//! source with gain and volume) as fast as possible. Time per second of audio = the share of
//! one core that real-time playback needs (target: under 2 %, i.e. under 20 ms per second).
//!
//! The MP3 is a real encode when `ffmpeg` is installed (decoding digital silence would flatter
//! the figure); otherwise the benchmark says so and uses the silent MP3 writer.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media::player::{Player, Track};
use testkit as demo;

const SECONDS: f32 = 30.0;

fn inputs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let pcm = demo::melody(7, SECONDS, 44_100, 2);
    let flac = dir.join("bench.flac");
    demo::write_flac(&flac, &pcm).expect("flac");
    let wav = dir.join("bench.wav");
    write_wav(&wav, &pcm);
    let mp3 = dir.join("bench.mp3");
    let encoded = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&wav)
        .args(["-b:a", "192k"])
        .arg(&mp3)
        .status()
        .is_ok_and(|s| s.success());
    if !encoded {
        eprintln!("ffmpeg not found: the MP3 figure is for a silent stream");
        demo::write_silent_mp3(&mp3, SECONDS, 44_100, 2).expect("mp3");
    }
    vec![("flac", flac), ("mp3", mp3)]
}

fn write_wav(path: &Path, pcm: &demo::Pcm) {
    let data: Vec<u8> = pcm.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&44_100u32.to_le_bytes());
    out.extend_from_slice(&(44_100u32 * 4).to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    std::fs::write(path, out).expect("wav");
}

/// User + system CPU time of the whole process (both the decode thread and the puller).
#[allow(
    unsafe_code,
    reason = "getrusage has no safe wrapper in std; a measuring tool only"
)]
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &raw mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn play_once(path: &Path) {
    let (player, mut source) = Player::detached(Arc::new(|_| {})).expect("player");
    player.play(Track::file(1, path.to_path_buf()));
    let samples = (SECONDS * 44_100.0) as usize * 2 - 8192;
    let mut sum = 0.0f32;
    for _ in 0..samples {
        sum += source.next().expect("sample");
    }
    std::hint::black_box(sum);
}

fn playback(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = inputs(dir.path());
    // Wall time hides that two threads work; CPU time is what "% of a core" means.
    for (name, path) in &files {
        let before = cpu_time();
        for _ in 0..5 {
            play_once(path);
        }
        let per_second = cpu_time().checked_sub(before).unwrap() / (5 * SECONDS as u32);
        eprintln!(
            "{name}: {:.2} ms of CPU per second of audio ({:.2} % of one core)",
            per_second.as_secs_f64() * 1000.0,
            per_second.as_secs_f64() * 100.0
        );
    }
    let mut group = c.benchmark_group("playback");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    // Throughput in seconds of audio: criterion reports "elements" per second, i.e. how many
    // times faster than real time the pipeline runs.
    group.throughput(Throughput::Elements(SECONDS as u64));
    for (name, path) in &files {
        group.bench_function(format!("{name}, {SECONDS} s of audio"), |b| {
            b.iter(|| play_once(path));
        });
    }
    group.finish();
}

criterion_group!(benches, playback);
criterion_main!(benches);
