//! Encodes a 44.1 kHz 16-bit PCM WAV file to ATRAC3 with the crate alone (no resampling, no
//! tags): `cargo run --release -p atrac --example atrac3_encode -- IN.wav OUT.oma|OUT.at3
//! [lp2|lp105|lp4]`. The measuring scripts use it beside `ministage convert`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::process::ExitCode;

use atrac::{Atrac3Container, Atrac3Encoder, Atrac3Mode, Atrac3Writer, TagUpdate};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atrac3_encode: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: atrac3_encode IN.wav OUT.oma|OUT.at3 [lp2|lp105|lp4]".into());
    };
    let mode: Atrac3Mode = rest.first().map_or("lp2", String::as_str).parse()?;
    let container = std::path::Path::new(output)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Atrac3Container::for_extension)
        .ok_or("the output must end in .oma or .at3")?;
    let mut r = BufReader::new(File::open(input)?);
    let (channels, mut data_left) = wav_header(&mut r)?;
    let mut enc = Atrac3Encoder::new(mode, channels)?;
    let mut w = Atrac3Writer::new(
        BufWriter::new(File::create(output)?),
        container,
        mode,
        &TagUpdate::default(),
    )?;
    let mut bytes = vec![0u8; 1 << 16];
    let mut samples = Vec::new();
    let mut frames = Vec::new();
    while data_left > 0 {
        let n = (bytes.len() as u64).min(data_left) as usize;
        let got = r.read(&mut bytes[..n & !1])?;
        if got == 0 {
            break;
        }
        data_left -= got as u64;
        samples.clear();
        samples.extend(
            bytes[..got & !1]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]])),
        );
        enc.push(&samples);
        frames.clear();
        enc.take_frames(&mut frames);
        w.write_frames(&frames)?;
    }
    enc.flush();
    frames.clear();
    enc.take_frames(&mut frames);
    w.write_frames(&frames)?;
    w.finish(enc.samples_pushed())?;
    Ok(())
}

/// Reads a canonical RIFF header up to the data chunk: (channels, data bytes).
fn wav_header(r: &mut impl Read) -> Result<(u16, u64), Box<dyn std::error::Error>> {
    let mut head = [0u8; 12];
    r.read_exact(&mut head)?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WAVE" {
        return Err("not a WAV file".into());
    }
    let mut channels = 0;
    loop {
        let mut ch = [0u8; 8];
        r.read_exact(&mut ch)?;
        let size = u64::from(u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]));
        if &ch[..4] == b"data" {
            if channels == 0 {
                return Err("no fmt chunk before the data".into());
            }
            return Ok((channels, size));
        }
        let mut body = vec![0u8; size as usize + (size % 2) as usize];
        r.read_exact(&mut body)?;
        if &ch[..4] == b"fmt " {
            let tag = u16::from_le_bytes([body[0], body[1]]);
            channels = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            let bits = u16::from_le_bytes([body[14], body[15]]);
            if tag != 1 || bits != 16 || rate != 44_100 {
                return Err("only 44.1 kHz 16-bit PCM WAV is read here".into());
            }
        }
    }
}
