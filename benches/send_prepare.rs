//! SP send preparation speed: decode a 44.1 kHz WAV (and a 48 kHz one, resampled), convert to
//! big-endian PCM and DES-CBC encrypt it, on one core. The target is ≥ 200× real time
//! (176,400 bytes of audio a second → ≥ 35 MB/s of output).

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ministage::device::send::WireFormat;
use ministage::transfer::pipeline::prepare_audio;

const SECONDS: usize = 30;

fn write_wav(path: &Path, rate: u32) {
    let frames = rate as usize * SECONDS;
    let data_len = (frames * 4) as u32;
    let mut w = Vec::with_capacity(44 + frames * 4);
    w.extend(b"RIFF");
    w.extend((36 + data_len).to_le_bytes());
    w.extend(b"WAVEfmt ");
    w.extend(16u32.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(2u16.to_le_bytes());
    w.extend(rate.to_le_bytes());
    w.extend((rate * 4).to_le_bytes());
    w.extend(4u16.to_le_bytes());
    w.extend(16u16.to_le_bytes());
    w.extend(b"data");
    w.extend(data_len.to_le_bytes());
    for i in 0..frames * 2 {
        let v = (((i as f32) * 0.01).sin() * 10_000.0) as i16;
        w.extend(v.to_le_bytes());
    }
    std::fs::write(path, w).expect("write the bench input");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("send_prepare_sp");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    // Throughput in seconds of audio: criterion's "elements/s" is then the real-time factor.
    group.throughput(Throughput::Elements(SECONDS as u64));
    for rate in [44_100u32, 48_000] {
        let path = dir.path().join(format!("in{rate}.wav"));
        write_wav(&path, rate);
        group.bench_function(format!("wav_{rate}"), |b| {
            b.iter(|| prepare_audio(&path, WireFormat::SP_STEREO, &|| false).expect("prepare"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
