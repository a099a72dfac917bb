//! Decoding speed of the in-crate ATRAC decoders: a fixture of a few seconds (from
//! tests/fixtures/atrac) decoded start to end, file reading included. Criterion reports
//! samples per second; divide by 44,100 for "× real time" (printed once at the start too).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/atrac")
        .join(name)
}

fn decode(path: &Path, out: &mut Vec<i16>) -> u64 {
    let mut dec = atrac::open(path).expect("open the fixture");
    let mut frames = 0;
    loop {
        out.clear();
        if !dec.next_block(out).expect("decode") {
            break;
        }
        frames += (out.len() / usize::from(dec.channels())) as u64;
    }
    frames
}

fn decoders(c: &mut Criterion) {
    let mut group = c.benchmark_group("atrac decode");
    group.measurement_time(Duration::from_secs(5));
    for (label, name) in [
        ("LP2", "music4s_lp2.oma"),
        ("LP4", "music4s_lp4.oma"),
        ("105k", "music4s_105.at3"),
        ("mono", "test_mono_long.at3"),
        ("SP", "music4s_sp.aea"),
        ("A3+ 352", "music4s_at3p.oma"),
        ("A3+ 64", "sample.at3"),
    ] {
        let path = fixture(name);
        let mut out = Vec::with_capacity(4096);
        let samples = decode(&path, &mut out);
        // A quick figure in the units the project reports.
        let start = Instant::now();
        let runs = 20;
        for _ in 0..runs {
            decode(&path, &mut out);
        }
        let secs = start.elapsed().as_secs_f64() / f64::from(runs);
        println!(
            "{label}: {:.0}× real time",
            samples as f64 / 44_100.0 / secs
        );
        group.throughput(Throughput::Elements(samples));
        group.bench_function(label, |b| b.iter(|| decode(&path, &mut out)));
    }
    group.finish();
}

criterion_group!(benches, decoders);
criterion_main!(benches);
