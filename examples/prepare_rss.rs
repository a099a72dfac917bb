//! Peak memory of preparing one long track: synthesises a 20-minute 44.1 kHz stereo WAV, runs
//! `prepare_audio` on it in SP (or LP2/LP4, encoded) and prints the process's peak resident set
//! (`VmHWM`).
//!
//! `cargo run --release --example prepare_rss [minutes] [sp|lp2|lp4]`

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::{BufWriter, Write};

use atrac::Atrac3Mode;
use ministage::transfer::pipeline::prepare_audio;
use ministage::transfer::prepare::{Feed, Route};
use netmd::send::WireFormat;

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "VmHWM unknown".into())
}

/// Writes the WAV piece by piece, so the input itself does not count towards the peak.
fn write_wav(path: &std::path::Path, frames: u32) -> std::io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let data_len = frames * 4;
    w.write_all(b"RIFF")?;
    w.write_all(&(36 + data_len).to_le_bytes())?;
    w.write_all(b"WAVEfmt ")?;
    w.write_all(&16u32.to_le_bytes())?;
    w.write_all(&1u16.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&44_100u32.to_le_bytes())?;
    w.write_all(&(44_100u32 * 4).to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&16u16.to_le_bytes())?;
    w.write_all(b"data")?;
    w.write_all(&data_len.to_le_bytes())?;
    for i in 0..frames {
        let v = (((i as f32) * 0.01).sin() * 10_000.0) as i16;
        w.write_all(&v.to_le_bytes())?;
        w.write_all(&(v / 2).to_le_bytes())?;
    }
    w.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let minutes: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("long.wav");
    let mode = std::env::args().nth(2).unwrap_or_else(|| "sp".into());
    let route = match mode.as_str() {
        "lp2" => Route {
            format: WireFormat::LP2,
            feed: Feed::Encode(Atrac3Mode::Lp2),
        },
        "lp4" => Route {
            format: WireFormat::LP4,
            feed: Feed::Encode(Atrac3Mode::Lp4),
        },
        _ => Route {
            format: WireFormat::SP_STEREO,
            feed: Feed::Pcm,
        },
    };
    write_wav(&path, minutes * 60 * 44_100)?;
    println!("before: {}", vm_hwm());
    let audio = prepare_audio(&path, route, &|| false)?;
    println!(
        "{minutes} min {mode}: {} bytes of stream prepared; after: {}",
        audio.stream_len(),
        vm_hwm()
    );
    Ok(())
}
