//! Makes a long ATRAC file by repeating the frames of a short one, for speed measurements:
//! `cargo run --release --example repeat_atrac -- INPUT OUTPUT SECONDS`. The container header
//! (OMA, AT3 or AEA) is copied, with the RIFF sizes patched; the frames are repeated in order.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use atrac::Container;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, seconds] = args.as_slice() else {
        bail!("usage: repeat_atrac INPUT OUTPUT SECONDS");
    };
    let input = PathBuf::from(input);
    let seconds: f64 = seconds.parse().context("SECONDS must be a number")?;
    let info = atrac::probe(&input).with_context(|| format!("cannot read {}", input.display()))?;
    let bytes = std::fs::read(&input)?;
    let start = usize::try_from(info.data_offset)?;
    let frame = info.frame_bytes as usize;
    let frames = &bytes[start..start + frame * info.frames as usize];
    let samples_per_frame = info.total_samples / info.frames.max(1);
    let wanted = (seconds * f64::from(info.sample_rate) / samples_per_frame as f64).ceil() as usize;

    let mut header = bytes[..start].to_vec();
    if info.container == Container::Riff {
        let data_len = u32::try_from(wanted * frame)?;
        let riff_len = u32::try_from(start + wanted * frame - 8)?;
        header[4..8].copy_from_slice(&riff_len.to_le_bytes());
        header[start - 4..start].copy_from_slice(&data_len.to_le_bytes());
        if let Some(fact) = header.windows(4).position(|w| w == b"fact") {
            let samples = u32::try_from(wanted as u64 * samples_per_frame)?;
            header[fact + 8..fact + 12].copy_from_slice(&samples.to_le_bytes());
        }
    }
    let mut out = BufWriter::new(std::fs::File::create(output)?);
    out.write_all(&header)?;
    for i in 0..wanted {
        let f = i % info.frames as usize;
        out.write_all(&frames[f * frame..(f + 1) * frame])?;
    }
    out.flush()?;
    eprintln!(
        "{output}: {wanted} frames of {} ({} {}, {:.1} s)",
        input.display(),
        info.codec_name(),
        info.mode,
        (wanted as u64 * samples_per_frame) as f64 / f64::from(info.sample_rate)
    );
    Ok(())
}
