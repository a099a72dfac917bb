//! The deck as an MZ-RH1 sending a track back (`1800 080046 f003010330 ff00 1001 <track>`):
//! an interim reply with the frame count, disc format and length, the audio on bulk IN, then
//! the final reply once the stream is read. LP tracks go back as the ATRAC3 frames they were
//! sent as; SP tracks as ATRAC1 sound units, which a recorder makes from the PCM it is sent,
//! so the deck encodes the PCM it stored with the in-crate ATRAC1 encoder.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::model::VirtualTrack;
use super::responder::reply;
use crate::commands::{OP_RECEIVE, SECURE_PREFIX};
use crate::disc::Mode;
use crate::framing::{CTYPE_CONTROL, STATUS_ACCEPTED, STATUS_INTERIM};
use crate::receive::{frame_bytes, samples_per_frame};
use crate::send::WireFormat;

/// A track on its way to the host.
pub struct Outgoing {
    source: Box<dyn Read + Send>,
    remaining: u64,
    /// Sent once the stream is read.
    pub final_reply: Vec<u8>,
}

impl Outgoing {
    /// Up to `length` more bytes of the stream; the stream is over when `remaining` is 0.
    pub fn read(&mut self, length: usize) -> io::Result<Vec<u8>> {
        let n = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(length);
        let mut piece = vec![0u8; n];
        self.source.read_exact(&mut piece)?;
        self.remaining -= n as u64;
        Ok(piece)
    }

    pub fn remaining(&self) -> u64 {
        self.remaining
    }
}

/// Why the deck refuses a receive (a recorder answers 0a; the log says which).
#[derive(Debug)]
pub struct Refusal(pub String);

/// The arguments of a receive command (control ctype, secure op 30), if `frame` is one.
pub fn args_of(frame: &[u8]) -> Option<&[u8]> {
    let (&ctype, command) = frame.split_first()?;
    match command.strip_prefix(&SECURE_PREFIX[..])? {
        [0x03, OP_RECEIVE, 0xff, args @ ..] if ctype == CTYPE_CONTROL => Some(args),
        _ => None,
    }
}

/// `<prefix> 03 30 <result> 00 1001 …`: a reply to the receive command.
fn receive_reply(status: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = SECURE_PREFIX.to_vec();
    body.extend([0x03, OP_RECEIVE, 0x00, 0x00, 0x10, 0x01]);
    body.extend_from_slice(payload);
    reply(status, &body)
}

/// Answers `00 1001 <track from 1>` for a disc file in `disc_dir`: the interim reply and the
/// stream to serve.
pub fn start(
    tracks: &[VirtualTrack],
    disc_dir: Option<&Path>,
    args: &[u8],
) -> Result<(Vec<u8>, Outgoing), Refusal> {
    let [0x00, 0x10, 0x01, hi, lo] = *args else {
        return Err(Refusal(format!("malformed receive command {args:02x?}")));
    };
    let number = u16::from_be_bytes([hi, lo]);
    let track = usize::from(number)
        .checked_sub(1)
        .and_then(|i| tracks.get(i))
        .ok_or_else(|| Refusal(format!("no track {number}")))?;
    if track.protected {
        return Err(Refusal(format!("track {number} is copy-protected")));
    }
    let format = format_of(track);
    let (source, bytes) = match (&track.audio, disc_dir) {
        (Some(audio), Some(dir)) => stream_of(&dir.join(&audio.file), format, track.channels)?,
        // Tracks made by `init-virtual --demo` have no audio: they hold silence.
        _ => silence(format, track.duration_ms)?,
    };
    let frames = bytes / u64::from(frame_bytes(format));
    let mut interim = (frames.min(u64::from(u16::MAX)) as u16)
        .to_be_bytes()
        .to_vec();
    interim.push(format.disc);
    interim.extend(
        u32::try_from(bytes)
            .map_err(|_| Refusal(format!("track {number} is too long to send")))?
            .to_be_bytes(),
    );
    // The last two bytes of the final reply are a counter netmd-js calls an error count.
    let mut done = number.to_be_bytes().to_vec();
    done.extend([0x00, 0x00]);
    Ok((
        receive_reply(STATUS_INTERIM, &interim),
        Outgoing {
            source,
            remaining: bytes,
            final_reply: receive_reply(STATUS_ACCEPTED, &done),
        },
    ))
}

/// The disc format a track is stored in (LP105 sends are kept as LP2, as a recorder does).
fn format_of(track: &VirtualTrack) -> WireFormat {
    match (track.mode, track.channels) {
        (Mode::SP, 1) => WireFormat::SP_MONO,
        (Mode::SP, _) => WireFormat::SP_STEREO,
        (Mode::LP2, _) => WireFormat::LP2,
        (Mode::LP4, _) => WireFormat::LP4,
    }
}

type Stream = (Box<dyn Read + Send>, u64);

/// The stored audio of a sent track, as the recorder sends it back.
fn stream_of(path: &Path, format: WireFormat, channels: u8) -> Result<Stream, Refusal> {
    let unreadable = |e: io::Error| Refusal(format!("cannot read {}: {e}", path.display()));
    let file = File::open(path).map_err(unreadable)?;
    if format.mode == Mode::SP {
        return encode_sp(BufReader::new(file), channels);
    }
    let len = file.metadata().map_err(unreadable)?.len();
    // 105 kbps frames (304 bytes) are kept as LP2 on a disc, but not as LP2 frames.
    if len % u64::from(format.frame) != 0 {
        return Err(Refusal(format!(
            "{} does not hold whole {}-byte {} frames",
            path.display(),
            format.frame,
            format.mode.label()
        )));
    }
    Ok((Box::new(BufReader::new(file)), len))
}

/// Silence as long as the track, in its own format.
fn silence(format: WireFormat, duration_ms: u64) -> Result<Stream, Refusal> {
    let frames = (duration_ms * 44_100 / 1000).div_ceil(samples_per_frame(format));
    let samples = frames * samples_per_frame(format) * u64::from(format.channels);
    let pcm = io::repeat(0).take(samples * 2);
    if format.mode == Mode::SP {
        return encode_sp(pcm, format.channels);
    }
    encode_lp(pcm, format)
}

/// ATRAC3 frames for LP2/LP4 from big-endian PCM, spooled to a temporary file.
fn encode_lp(mut pcm: impl Read, format: WireFormat) -> Result<Stream, Refusal> {
    let mode = if format.mode == Mode::LP4 {
        atrac::Atrac3Mode::Lp4
    } else {
        atrac::Atrac3Mode::Lp2
    };
    let mut encoder = atrac::Atrac3Encoder::new(mode, u16::from(format.channels))
        .map_err(|e| Refusal(e.to_string()))?;
    spool(&mut pcm, |samples, frames| {
        match samples {
            Some(s) => encoder.push(s),
            None => encoder.flush(),
        }
        encoder.take_frames(frames);
    })
}

/// ATRAC1 sound units from the deck's stored SP audio (16-bit big-endian PCM), as a recorder
/// makes them from the PCM it is sent, spooled to a temporary file.
fn encode_sp(mut pcm: impl Read, channels: u8) -> Result<Stream, Refusal> {
    let mut encoder =
        atrac::Atrac1Encoder::new(u16::from(channels)).map_err(|e| Refusal(e.to_string()))?;
    spool(&mut pcm, |samples, frames| {
        match samples {
            Some(s) => encoder.push(s),
            None => encoder.flush(),
        }
        encoder.take_frames(frames);
    })
}

/// Feeds big-endian PCM from `pcm` to `encode` in blocks (`None` at the end, to flush) and
/// writes the frames it returns to an anonymous temporary file; returns it from its start.
fn spool(
    pcm: &mut dyn Read,
    mut encode: impl FnMut(Option<&[i16]>, &mut Vec<u8>),
) -> Result<Stream, Refusal> {
    let failed = |e: io::Error| Refusal(format!("cannot spool the encoded audio: {e}"));
    let mut file = tempfile::tempfile().map_err(failed)?;
    let mut bytes = vec![0u8; 1 << 16];
    let mut samples = Vec::with_capacity(1 << 15);
    let mut frames = Vec::new();
    let mut written = 0u64;
    loop {
        let n = read_full(pcm, &mut bytes).map_err(failed)?;
        samples.clear();
        samples.extend(
            bytes[..n - n % 2]
                .chunks_exact(2)
                .map(|b| i16::from_be_bytes([b[0], b[1]])),
        );
        encode((n > 0).then_some(&samples[..]), &mut frames);
        file.write_all(&frames).map_err(failed)?;
        written += frames.len() as u64;
        frames.clear();
        if n == 0 {
            break;
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(failed)?;
    Ok((Box::new(BufReader::new(file)), written))
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
