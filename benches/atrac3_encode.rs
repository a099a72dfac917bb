//! Encoding speed of the ATRAC3 encoder: the 4-second music fixture source
//! (tests/fixtures/atrac-pcm/music4s.flac, decoded once) encoded in each mode, frames only (no
//! file). Criterion reports samples per second; divide by 44,100 for "× real time" (printed
//! once at the start too). `benches/atrac3_speed.sh` times the whole `ministage convert`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use atrac::{Atrac3Encoder, Atrac3Mode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn source() -> Vec<i16> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atrac-pcm/music4s.flac");
    let mut dec = media::player::source::open(&path).expect("open the fixture");
    let mut pcm = Vec::new();
    while dec.next_block(&mut pcm).expect("decode the fixture") {}
    pcm
}

fn encode(mode: Atrac3Mode, pcm: &[i16], out: &mut Vec<u8>) -> usize {
    let mut enc = Atrac3Encoder::new(mode, 2).expect("encoder");
    out.clear();
    for chunk in pcm.chunks(8192) {
        enc.push(chunk);
        enc.take_frames(out);
    }
    enc.flush();
    enc.take_frames(out)
}

fn encoders(c: &mut Criterion) {
    let pcm = source();
    let samples = (pcm.len() / 2) as u64;
    let mut out = Vec::with_capacity(1 << 20);
    let mut group = c.benchmark_group("atrac3 encode");
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(20);
    for mode in Atrac3Mode::ALL {
        let start = Instant::now();
        encode(mode, &pcm, &mut out);
        let t = start.elapsed().as_secs_f64();
        eprintln!(
            "{mode}: {:.0}× real time (one run)",
            samples as f64 / 44_100.0 / t
        );
        group.throughput(Throughput::Elements(samples));
        group.bench_function(mode.name(), |b| b.iter(|| encode(mode, &pcm, &mut out)));
    }
    group.finish();
}

criterion_group!(benches, encoders);
criterion_main!(benches);
