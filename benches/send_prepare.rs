//! Send preparation speed on one core: decode a 44.1 kHz WAV (and a 48 kHz one, resampled),
//! convert to big-endian PCM (SP) or encode to ATRAC3 (LP2, LP4), and DES-CBC encrypt it. The
//! targets are ≥ 200× real time for SP (176,400 bytes of audio a second → ≥ 35 MB/s of output)
//! and ≥ 100× for LP2, so that a recorder (LP4 at up to ~64×) never waits for the encoder.
//!
//! `des_cbc_8mib` measures the encryption alone: the project's bulk path (table-driven DES,
//! `CbcEncryptor`) and, for comparison, RustCrypto's `cbc` over `des::Des`, which the bulk path
//! replaced because it alone ran at about 37 MB/s.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use atrac::Atrac3Mode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockEncryptMut, KeyIvInit};
use ministage::transfer::pipeline::prepare_audio;
use ministage::transfer::prepare::{Feed, Route};
use netmd::crypto::CbcEncryptor;
use netmd::send::WireFormat;

const SECONDS: usize = 30;

fn write_wav(path: &Path, rate: u32) {
    let frames = rate as usize * SECONDS;
    let pcm = testkit::Pcm {
        sample_rate: rate,
        channels: 2,
        samples: (0..frames * 2)
            .map(|i| (((i as f32) * 0.01).sin() * 10_000.0) as i16)
            .collect(),
    };
    testkit::write_wav(path, &pcm).expect("write the bench input");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("send_prepare_sp");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    // Throughput in seconds of audio: criterion's "elements/s" is then the real-time factor.
    group.throughput(Throughput::Elements(SECONDS as u64));
    let sp = Route {
        format: WireFormat::SP_STEREO,
        feed: Feed::Pcm,
    };
    for rate in [44_100u32, 48_000] {
        let path = dir.path().join(format!("in{rate}.wav"));
        write_wav(&path, rate);
        group.bench_function(format!("wav_{rate}"), |b| {
            b.iter(|| prepare_audio(&path, sp, &|| false).expect("prepare"));
        });
    }
    group.finish();
    let mut group = c.benchmark_group("send_prepare_lp");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(SECONDS as u64));
    let path = dir.path().join("in44100.wav");
    for (name, format, mode) in [
        ("lp2", WireFormat::LP2, Atrac3Mode::Lp2),
        ("lp4", WireFormat::LP4, Atrac3Mode::Lp4),
    ] {
        let route = Route {
            format,
            feed: Feed::Encode(mode),
        };
        group.bench_function(format!("wav_44100_{name}"), |b| {
            b.iter(|| prepare_audio(&path, route, &|| false).expect("prepare"));
        });
    }
    group.finish();
}

fn bench_des_cbc(c: &mut Criterion) {
    const BYTES: usize = 8 << 20;
    let key = [0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1];
    let iv = [7u8; 8];
    let mut group = c.benchmark_group("des_cbc_8mib");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(BYTES as u64));
    let mut data: Vec<u8> = (0..BYTES).map(|i| (i * 31) as u8).collect();
    group.bench_function("table_des", |b| {
        b.iter(|| {
            CbcEncryptor::new(&key, iv)
                .encrypt(&mut data)
                .expect("whole blocks");
        });
    });
    let mut blocks = vec![GenericArray::default(); BYTES / 8];
    group.bench_function("rustcrypto_cbc", |b| {
        b.iter(|| {
            cbc::Encryptor::<des::Des>::new(
                GenericArray::from_slice(&key),
                GenericArray::from_slice(&iv),
            )
            .encrypt_blocks_mut(&mut blocks);
        });
    });
    group.finish();
}

criterion_group!(benches, bench, bench_des_cbc);
criterion_main!(benches);
