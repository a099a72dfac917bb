//! The ATRAC1 encoder on the repository's fixture sources (music and voice, 4 s each): the
//! round trip through the crate's AEA writer, reader and decoder keeps a signal-to-noise floor
//! per source that fails when quality regresses; the output is deterministic and independent
//! of how the input is cut; FFmpeg (when installed, and FFmpeg 8 through `PyAV` when that is)
//! decodes the same files within ±1 LSB of the crate's decoder.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Cursor;
use std::process::Command;

use atrac::{AeaWriter, Atrac1Encoder};
use common::fixtures::source_pcm;
use common::round_trip::{self, decode_bytes};

/// Encodes interleaved stereo 44.1 kHz `pcm` into a whole AEA file in memory.
fn encode_file(pcm: &[i16]) -> Vec<u8> {
    let mut enc = Atrac1Encoder::new(2).expect("encoder");
    let mut w = AeaWriter::new(Cursor::new(Vec::new()), 2, "fixture").expect("writer");
    round_trip::encode_in_pieces(
        &mut enc,
        pcm,
        Atrac1Encoder::push,
        Atrac1Encoder::take_frames,
        Atrac1Encoder::flush,
        &mut |frames| w.write_frames(frames).expect("write"),
    );
    w.finish().expect("finish").into_inner()
}

/// SNR (dB) of the decode against the source, after the codec's delay.
fn snr(source: &[i16], decoded: &[i16]) -> f64 {
    round_trip::snr(source, decoded, 2 * Atrac1Encoder::DELAY)
}

/// The floors: about 1 dB under what the encoder reaches today (printed by the test). The
/// encoder optimises perceived quality (`ViSQOL` on real music), not SNR: these only catch
/// regressions.
const FLOORS: [(&str, f64); 2] = [("music4s", 13.0), ("voice4s", 31.0)];

#[test]
fn fixture_sources_round_trip_above_their_floors() {
    for (name, floor) in FLOORS {
        let source = source_pcm(name);
        assert_eq!((source.sample_rate, source.channels), (44_100, 2));
        let file = encode_file(&source.samples);
        let info = atrac::probe_reader(&mut Cursor::new(&file), file.len() as u64).unwrap();
        assert_eq!((info.channels, info.mode.as_str()), (2, "SP"));
        let decoded = decode_bytes(file);
        assert!(
            decoded.len() >= source.samples.len() + 2 * Atrac1Encoder::DELAY,
            "{name}: the tail is cut"
        );
        let s = snr(&source.samples, &decoded);
        println!("{name} SP: SNR {s:.2} dB (floor {floor})");
        assert!(s >= floor, "{name}: {s:.2} dB < {floor}");
    }
}

#[test]
fn encoding_is_deterministic_and_streaming_independent() {
    let source = source_pcm("music4s");
    let a = encode_file(&source.samples);
    assert_eq!(a, encode_file(&source.samples));
    let mut enc = Atrac1Encoder::new(2).unwrap();
    enc.push(&source.samples);
    enc.flush();
    let mut frames = Vec::new();
    let n = enc.take_frames(&mut frames);
    assert!(a.ends_with(&frames));
    assert_eq!(Atrac1Encoder::check_frames(2, &frames).unwrap(), n);
    assert!(Atrac1Encoder::check_frames(2, &frames[..500]).is_err());
}

/// Runs a decoder command on `path` that writes interleaved s16le to stdout; `None` when the
/// command is missing. Panics on a decode error (FFmpeg 5's AEA demuxer reports the end of
/// the file as an I/O error, which is not one).
fn external_decode(cmd: &mut Command, what: &str) -> Option<Vec<i16>> {
    let out = cmd.output().ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.ends_with("Input/output error"))
        .collect();
    assert!(
        out.status.success() && complaints.is_empty(),
        "{what}: {stderr}"
    );
    Some(
        out.stdout
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
    )
}

/// `PyAV`, which bundles FFmpeg 8, decoding to s16le on stdout.
const PYAV_DECODE: &str = "import sys, av, numpy as np
c = av.open(sys.argv[1]); s = c.streams.audio[0]
for f in c.decode(s):
    a = f.to_ndarray(); a = a.T if f.format.is_planar else a.reshape(-1, s.channels)
    sys.stdout.buffer.write(np.clip(np.rint(a * 32768), -32768, 32767).astype('<i2').tobytes())";

/// FFmpeg decodes every frame we write without complaint, within ±1 LSB of the crate's
/// decoder. Skipped without ffmpeg (and without `PyAV` for FFmpeg 8).
#[test]
fn ffmpeg_decodes_what_we_write() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_pcm("voice4s");
    let file = encode_file(&source.samples);
    let path = dir.path().join("t.aea");
    std::fs::write(&path, &file).unwrap();
    let ours = decode_bytes(file);
    let has_pyav = Command::new("python3")
        .args(["-c", "import av, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "s16le", "-"]);
    let mut pyav = Command::new("python3");
    pyav.args(["-c", PYAV_DECODE]).arg(&path);
    let mut decoders = vec![("ffmpeg", ffmpeg)];
    if has_pyav {
        decoders.push(("FFmpeg 8 (PyAV)", pyav));
    }
    for (what, mut cmd) in decoders {
        let Some(theirs) = external_decode(&mut cmd, what) else {
            eprintln!("{what} is not installed: skipped");
            continue;
        };
        // ATRAC1 decodes alike in FFmpeg 5 and 8: both are held to ±1 LSB.
        let min_len = source.samples.len() + 2 * Atrac1Encoder::DELAY;
        common::ffmpeg::assert_close(&ours, &theirs, min_len, true, what);
    }
}
