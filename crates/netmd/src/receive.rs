//! Receiving a track (MD → PC, Sony's "upload"): the fact sheet's "Receiving (MD→PC)". Only
//! the MZ-RH1 and its twin the MZ-M200 answer it; every other NetMD unit is write-only.
//!
//! One command, `1800 080046 f003010330 ff00 1001 <track>`, answered first with an interim
//! reply giving the frame count, the disc format and the byte length, then the audio as a
//! plaintext bulk IN stream, then a final reply. The stream holds the recorder's own bits with
//! no container: ATRAC1 sound units (212 bytes per channel per frame) for SP, ATRAC3 frames
//! for LP2 and LP4. The caller puts them in a file ([`Received::container`] says which).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use thiserror::Error;

use super::commands::{self as cmd, OP_RECEIVE, SECURE_PREFIX};
use super::disc::Mode;
use super::error::DeviceError;
use super::framing::NetMdError;
use super::ids;
use super::recorder::Recorder;
use super::send::{Progress, WireFormat};
use super::transport::{DeviceIdentity, Transport};

/// libnetmd and netmd-js read the stream in 64 KiB pieces.
pub const RECEIVE_CHUNK: usize = 0x10000;
/// Bytes of one ATRAC1 sound unit (one channel, 512 samples).
pub const SP_UNIT_BYTES: u32 = 212;
/// How long the stream may stay silent before the receive is given up: a recorder reading a
/// scratched disc retries for a while.
const STREAM_PATIENCE: Duration = Duration::from_secs(20);

/// What the recorder announced and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The track, from 1.
    pub number: u32,
    /// How the track is coded on the disc (the disc-format byte of the interim reply).
    pub format: WireFormat,
    /// The frame count of the interim reply. It has 16 bits on the wire, so long SP tracks
    /// wrap: count frames from [`Received::bytes`] instead.
    pub announced_frames: u16,
    /// Bytes of audio in the stream.
    pub bytes: u64,
}

/// The file a received track belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedContainer {
    /// ATRAC1 (SP): an AEA file.
    Aea,
    /// ATRAC3 (LP2, LP4): a RIFF WAVE file with format tag 0x0270.
    At3,
}

impl Received {
    pub fn mode(&self) -> Mode {
        self.format.mode
    }

    pub fn channels(&self) -> u8 {
        self.format.channels
    }

    /// Bytes of one codec frame as the stream carries it: 212 per channel for ATRAC1, the
    /// ATRAC3 frame (384 LP2, 192 LP4) otherwise.
    pub fn frame_bytes(&self) -> u32 {
        frame_bytes(self.format)
    }

    /// Whole frames in the stream.
    pub fn frames(&self) -> u64 {
        self.bytes / u64::from(self.frame_bytes())
    }

    /// Playing time of the received frames.
    pub fn duration_ms(&self) -> u64 {
        self.frames() * samples_per_frame(self.format) * 1000 / 44_100
    }

    pub fn container(&self) -> ReceivedContainer {
        if self.format.mode == Mode::SP {
            ReceivedContainer::Aea
        } else {
            ReceivedContainer::At3
        }
    }
}

/// Bytes of one received codec frame in `format` (see [`Received::frame_bytes`]).
pub fn frame_bytes(format: WireFormat) -> u32 {
    if format.mode == Mode::SP {
        SP_UNIT_BYTES * u32::from(format.channels)
    } else {
        format.frame
    }
}

/// Samples per channel in one received frame: ATRAC1 512, ATRAC3 1024.
pub fn samples_per_frame(format: WireFormat) -> u64 {
    if format.mode == Mode::SP { 512 } else { 1024 }
}

/// The format a disc-format byte names (`codec & 06`: 06 SP stereo, 04 SP mono, 02 LP2,
/// 00 LP4), as the interim reply of a receive carries it.
pub fn format_of_disc_byte(codec: u8) -> WireFormat {
    match codec & 0x06 {
        0x06 => WireFormat::SP_STEREO,
        0x04 => WireFormat::SP_MONO,
        0x02 => WireFormat::LP2,
        _ => WireFormat::LP4,
    }
}

#[derive(Debug, Error)]
pub enum ReceiveError {
    #[error(
        "the {device} cannot send tracks back to the computer: only the Sony MZ-RH1 and MZ-M200 \
         read standard discs back over USB (other NetMD recorders only record); record from its \
         line or optical output instead"
    )]
    Unsupported { device: String },
    #[error("track {track} is copy-protected (SCMS): the recorder refuses to send it")]
    Protected { track: u32 },
    #[error("the recorder refused to send track {track}")]
    Refused { track: u32 },
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("receive track: unexpected reply from the recorder ({0})")]
    Reply(String),
    #[error("the recorder stopped after {got} of the {expected} bytes of track {track}")]
    Short { track: u32, got: u64, expected: u64 },
    #[error("could not store the received audio: {0}")]
    Write(#[source] io::Error),
    #[error("cancelled")]
    Cancelled,
}

impl From<NetMdError> for ReceiveError {
    fn from(e: NetMdError) -> Self {
        ReceiveError::Device(e.into())
    }
}

impl ReceiveError {
    pub fn is_disconnect(&self) -> bool {
        matches!(self, ReceiveError::Device(e) if e.is_disconnect())
    }
}

/// Refuses recorders that cannot send tracks back, with the reason.
pub fn check_can_receive(device: &DeviceIdentity) -> Result<(), ReceiveError> {
    if ids::can_receive(device.vendor_id, device.product_id) {
        Ok(())
    } else {
        Err(ReceiveError::Unsupported {
            device: device.name.clone(),
        })
    }
}

/// The interim reply's payload after `30 00`: `00 1001 <frames> <disc format> <length>`.
fn parse_interim(body: &[u8]) -> Result<(u16, WireFormat, u64), ReceiveError> {
    let payload = reply_payload(body)?;
    match payload {
        [0x00, 0x10, 0x01, f0, f1, codec, l0, l1, l2, l3, ..] => Ok((
            u16::from_be_bytes([*f0, *f1]),
            format_of_disc_byte(*codec),
            u64::from(u32::from_be_bytes([*l0, *l1, *l2, *l3])),
        )),
        other => Err(ReceiveError::Reply(format!(
            "interim payload {other:02x?} is too short"
        ))),
    }
}

/// What follows `<prefix> 03 30 <result>` in a reply to the receive command.
fn reply_payload(body: &[u8]) -> Result<&[u8], ReceiveError> {
    let head = SECURE_PREFIX.len() + 3;
    match body.get(..head) {
        Some(h)
            if h.starts_with(&SECURE_PREFIX)
                && h[head - 3] == 0x03
                && h[head - 2] == OP_RECEIVE =>
        {
            Ok(&body[head..])
        }
        _ => Err(ReceiveError::Reply(format!(
            "{body:02x?} does not answer the receive command"
        ))),
    }
}

impl<T: Transport> Recorder<T> {
    /// Receives track `number` (from 1): streams its audio into `out` as the recorder sends it
    /// and reports (bytes received, bytes in all) to `progress`, whose `Break` cancels. Only
    /// the MZ-RH1/M200 can ([`ReceiveError::Unsupported`] otherwise). `out` gets the bare
    /// frames; after a failure it may hold part of them, so write to a temporary file.
    pub fn receive_track(
        &mut self,
        number: u32,
        out: &mut dyn Write,
        progress: Progress<'_>,
    ) -> Result<Received, ReceiveError> {
        self.receive_track_chunked(number, out, RECEIVE_CHUNK, progress)
    }

    /// [`Recorder::receive_track`] reading the stream in pieces of `chunk` bytes.
    pub fn receive_track_chunked(
        &mut self,
        number: u32,
        out: &mut dyn Write,
        chunk: usize,
        progress: Progress<'_>,
    ) -> Result<Received, ReceiveError> {
        check_can_receive(self.identity())?;
        let count = self.track_count()?;
        let wire = u16::try_from(number)
            .ok()
            .filter(|&n| n >= 1 && u32::from(n) <= count)
            .ok_or(DeviceError::NoSuchTrack {
                track: number,
                count,
            })?;
        let c = cmd::receive_track(wire);
        let interim = match self.framing_mut().query_interim(c.name, &c.bytes) {
            Ok(body) => body,
            Err(e) if e.is_rejected() => {
                // Copy-protected tracks are what a recorder refuses; say so when it is that.
                let protected = self.track_info(number).is_ok_and(|info| info.3);
                return Err(if protected {
                    ReceiveError::Protected { track: number }
                } else {
                    ReceiveError::Refused { track: number }
                });
            }
            Err(e) => return Err(e.into()),
        };
        let (announced_frames, format, bytes) = parse_interim(&interim)?;
        let received = Received {
            number,
            format,
            announced_frames,
            bytes,
        };
        self.read_stream(&received, out, chunk.max(1), progress)?;
        let body = self.framing_mut().read_reply(c.name)?;
        reply_payload(&body)?;
        Ok(received)
    }

    fn read_stream(
        &mut self,
        received: &Received,
        out: &mut dyn Write,
        chunk: usize,
        progress: Progress<'_>,
    ) -> Result<(), ReceiveError> {
        let total = received.bytes;
        let mut done = 0u64;
        let mut last_data = Instant::now();
        if progress(0, total).is_break() {
            return Err(ReceiveError::Cancelled);
        }
        while done < total {
            let want = usize::try_from(total - done)
                .unwrap_or(usize::MAX)
                .min(chunk);
            let piece = match self.framing_mut().bulk_read("receive audio", want) {
                Ok(piece) => piece,
                Err(NetMdError::Timeout { .. }) if last_data.elapsed() < STREAM_PATIENCE => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if piece.is_empty() {
                if last_data.elapsed() >= STREAM_PATIENCE {
                    return Err(ReceiveError::Short {
                        track: received.number,
                        got: done,
                        expected: total,
                    });
                }
                continue;
            }
            last_data = Instant::now();
            // More than asked for would run into the next reply: keep what was announced.
            let take = piece.len().min(want);
            out.write_all(&piece[..take]).map_err(ReceiveError::Write)?;
            done += take as u64;
            if progress(done, total).is_break() {
                return Err(ReceiveError::Cancelled);
            }
        }
        out.flush().map_err(ReceiveError::Write)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::ops::ControlFlow;

    use super::*;
    use crate::bytes::hex_const;
    use crate::framing::Timing;
    use crate::transport::{ControlSetup, TransportError};

    /// Answers each command with the next scripted reply and serves a scripted bulk stream,
    /// recording the commands: a hand-built trace of a receive.
    struct Script {
        identity: DeviceIdentity,
        replies: VecDeque<Vec<u8>>,
        ready: VecDeque<Vec<u8>>,
        /// The final reply of a receive, ready once the stream is read.
        after_stream: Option<Vec<u8>>,
        bulk: Vec<u8>,
        sent: Vec<Vec<u8>>,
    }

    impl Script {
        fn rh1(replies: &[&str], bulk: Vec<u8>) -> Self {
            Self {
                identity: DeviceIdentity {
                    name: "Sony MZ-RH1".into(),
                    vendor_id: 0x054c,
                    product_id: 0x0286,
                    simulated: false,
                    native_mono: false,
                },
                replies: replies.iter().map(|r| hex_const(r)).collect(),
                ready: VecDeque::new(),
                after_stream: None,
                bulk,
                sent: Vec::new(),
            }
        }
    }

    impl Transport for Script {
        fn control_out(
            &mut self,
            _: ControlSetup,
            data: &[u8],
            _: Duration,
        ) -> Result<(), TransportError> {
            self.sent.push(data.to_vec());
            self.ready.extend(self.replies.pop_front());
            if data.get(10) == Some(&OP_RECEIVE) {
                self.after_stream = self.replies.pop_front();
            }
            Ok(())
        }

        fn control_in(
            &mut self,
            setup: ControlSetup,
            _: u16,
            _: Duration,
        ) -> Result<Vec<u8>, TransportError> {
            match setup.request {
                0x01 => Ok(match self.ready.front() {
                    Some(r) => vec![1, 0x81, r.len() as u8, 0],
                    None => vec![0, 0x81, 0, 0],
                }),
                _ => self.ready.pop_front().ok_or(TransportError::Stall),
            }
        }

        fn bulk_out(&mut self, _: u8, _: &[u8], _: Duration) -> Result<usize, TransportError> {
            Err(TransportError::Stall)
        }

        fn bulk_in(
            &mut self,
            endpoint: u8,
            length: usize,
            _: Duration,
        ) -> Result<Vec<u8>, TransportError> {
            assert_eq!(endpoint, 0x81);
            let n = length.min(self.bulk.len());
            let piece: Vec<u8> = self.bulk.drain(..n).collect();
            if self.bulk.is_empty() {
                self.ready.extend(self.after_stream.take());
            }
            Ok(piece)
        }

        fn identity(&self) -> DeviceIdentity {
            self.identity.clone()
        }
    }

    fn fast() -> Timing {
        Timing {
            transfer: Duration::from_millis(50),
            first_poll_sleep: Duration::from_millis(1),
            max_poll_sleep: Duration::from_millis(2),
            reply: Duration::from_millis(100),
            interim: Duration::from_millis(100),
        }
    }

    const TRACK_COUNT_REPLIES: [&str; 3] = [
        "09 1808 101001 01 00",
        "09 1806 02101001 3000 1000 1000 0009 0000 0006 0010 0002 0005",
        "09 1808 101001 00 00",
    ];

    #[test]
    fn a_receive_sends_the_fact_sheet_bytes_and_streams_the_frames() {
        let audio: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut replies = TRACK_COUNT_REPLIES.to_vec();
        // Interim: 3 frames, LP2 (02 with the stereo bits above it), 1000 bytes.
        replies.push("0f 1800 080046 f0030103 30 00 00 1001 0003 92 000003e8");
        replies.push("09 1800 080046 f0030103 30 00 00 1001 0003 0000");
        let script = Script::rh1(&replies, audio.clone());
        let mut r = Recorder::open_with_timing(script, fast()).unwrap();
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let got = r
            .receive_track_chunked(3, &mut out, 384, &mut |done, total| {
                seen.push((done, total));
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(out, audio);
        assert_eq!(got.format, WireFormat::LP2);
        assert_eq!((got.announced_frames, got.bytes), (3, 1000));
        assert_eq!(got.container(), ReceivedContainer::At3);
        assert_eq!(seen.first(), Some(&(0, 1000)));
        assert_eq!(seen.last(), Some(&(1000, 1000)));
        assert_eq!(seen.len(), 4, "{seen:?}");
        let t = r.into_transport();
        // The track goes on the wire numbered from 1, as the fact sheet says.
        assert_eq!(
            t.sent.last().unwrap(),
            &hex_const("00 1800 080046 f003010330 ff00 1001 0003")
        );
    }

    #[test]
    fn other_recorders_are_refused_with_the_reason() {
        let mut script = Script::rh1(&[], Vec::new());
        script.identity.product_id = 0x0084;
        script.identity.name = "Sony MZ-N505".into();
        let mut r = Recorder::open_with_timing(script, fast()).unwrap();
        let e = r
            .receive_track(1, &mut Vec::new(), &mut |_, _| ControlFlow::Continue(()))
            .unwrap_err();
        assert!(matches!(e, ReceiveError::Unsupported { .. }));
        let text = e.to_string();
        assert!(
            text.contains("MZ-N505") && text.contains("MZ-RH1"),
            "{text}"
        );
        // Nothing was sent to it.
        assert!(r.into_transport().sent.is_empty());
    }

    #[test]
    fn disc_format_bytes_name_the_modes() {
        assert_eq!(format_of_disc_byte(0x06), WireFormat::SP_STEREO);
        assert_eq!(format_of_disc_byte(0x94), WireFormat::SP_MONO);
        assert_eq!(format_of_disc_byte(0x92), WireFormat::LP2);
        assert_eq!(format_of_disc_byte(0x00), WireFormat::LP4);
        let sp = Received {
            number: 1,
            format: WireFormat::SP_STEREO,
            announced_frames: 0,
            bytes: 424 * 862,
        };
        assert_eq!(sp.frame_bytes(), 424);
        assert_eq!(sp.frames(), 862);
        // 862 × 512 samples ≈ 10 s.
        assert_eq!(sp.duration_ms(), 10_007);
        assert_eq!(sp.container(), ReceivedContainer::Aea);
    }

    #[test]
    fn interim_replies_are_checked() {
        assert!(parse_interim(&hex_const("1800 080046 f0030103 30 00 00 1001 00")).is_err());
        assert!(parse_interim(&hex_const("1806 0000")).is_err());
        let (frames, format, len) = parse_interim(&hex_const(
            "1800 080046 f0030103 30 00 00 1001 0102 06 00010000",
        ))
        .unwrap();
        assert_eq!(
            (frames, format, len),
            (0x0102, WireFormat::SP_STEREO, 0x10000)
        );
    }
}
