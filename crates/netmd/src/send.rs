//! Sending a track: the secure session of the fact sheet ("Sending a track"), step by step,
//! over a [`Recorder`]. The audio arrives already encrypted ([`EncryptedAudio`]), so that the
//! slow part runs ahead of the USB writes in the transfer pipeline.
//!
//! Whatever goes wrong, the recorder is left out of the session and no track is left behind
//! uncommitted: after the final reply, a failure deletes the new track again. What is reported
//! is what the disc holds: once the recorder accepted the commit the track is there, and a
//! failure while closing the session is only a warning; when the commit's answer is lost, the
//! disc is read back (track count and the track's UUID) before deciding, and when even that
//! cannot be done the error says so ([`SendError::Unconfirmed`]) so the caller can look on a
//! new connection ([`Recorder::confirm_sent`]).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::thread;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::commands::{self as cmd, SECURE_PREFIX};
use super::crypto::{self, CryptoError, Entropy, STREAM_HEADER_BYTES, StreamKeys};
use super::disc::{Mode, PlayerState};
use super::error::DeviceError;
use super::framing::NetMdError;
use super::recorder::Recorder;
use super::titles::Title;
use super::transport::Transport;

/// netmd-js writes the stream in 1 MiB pieces; large writes keep the recorder's buffer full.
pub const BULK_CHUNK: usize = 1 << 20;
/// How long a recorder may stay busy (reading its TOC) before a send gives up.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// How a mode travels on the wire (fact sheet, "Wire and disc formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireFormat {
    /// 00 PCM, 94 LP2, a8 LP4, 90 LP105.
    pub wire: u8,
    /// 06 SP stereo, 04 SP mono, 02 LP2, 00 LP4.
    pub disc: u8,
    /// The frame unit the send command counts in.
    pub unit: u32,
    /// The codec frame the data is made of (a multiple of the unit).
    pub frame: u32,
    pub mode: Mode,
    pub channels: u8,
}

impl WireFormat {
    pub const SP_STEREO: Self = Self {
        wire: 0x00,
        disc: 0x06,
        unit: 2048,
        frame: 2048,
        mode: Mode::SP,
        channels: 2,
    };
    pub const SP_MONO: Self = Self {
        wire: 0x00,
        disc: 0x04,
        unit: 2048,
        frame: 2048,
        mode: Mode::SP,
        channels: 1,
    };
    pub const LP2: Self = Self {
        wire: 0x94,
        disc: 0x02,
        unit: 192,
        frame: 384,
        mode: Mode::LP2,
        channels: 2,
    };
    pub const LP4: Self = Self {
        wire: 0xa8,
        disc: 0x00,
        unit: 96,
        frame: 192,
        mode: Mode::LP4,
        channels: 2,
    };
    /// ATRAC3 at 105 kbps (304-byte frames), stored as LP2.
    pub const LP105: Self = Self {
        wire: 0x90,
        disc: 0x02,
        unit: 152,
        frame: 304,
        mode: Mode::LP2,
        channels: 2,
    };

    pub const ALL: [Self; 5] = [
        Self::SP_STEREO,
        Self::SP_MONO,
        Self::LP2,
        Self::LP4,
        Self::LP105,
    ];

    /// The format a send command announces, as a recorder reads it.
    pub fn from_bytes(wire: u8, disc: u8) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.wire == wire && f.disc == disc)
    }

    /// Playing time of `bytes` of data in this format.
    pub fn duration_ms(&self, bytes: u64) -> u64 {
        match self.wire {
            // 44.1 kHz, 16-bit, the channels the disc format says.
            0x00 => bytes * 1000 / (44_100 * 2 * u64::from(self.channels)),
            // One ATRAC3 frame is 1024 samples whatever its size.
            _ => bytes / u64::from(self.frame) * 1024 * 1000 / 44_100,
        }
    }
}

/// A track's audio, encrypted for the stream and padded to whole frame units.
#[derive(Debug)]
pub struct EncryptedAudio {
    pub format: WireFormat,
    /// `[BE64 data length][Kh][IV]`.
    pub header: [u8; STREAM_HEADER_BYTES],
    /// The ciphertext; its length is the data length of the header.
    pub data: AudioData,
}

/// Where a track's ciphertext waits for the send.
#[derive(Debug)]
pub enum AudioData {
    /// Small payloads (LP2/LP4 frames, tests) stay in memory.
    Memory(Vec<u8>),
    /// SP tracks run to hundreds of megabytes: they wait in an anonymous temporary file,
    /// `len` bytes from its start, so host memory does not grow with the track.
    Spilled { file: File, len: u64 },
}

impl AudioData {
    pub fn len(&self) -> u64 {
        match self {
            AudioData::Memory(bytes) => bytes.len() as u64,
            AudioData::Spilled { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole ciphertext in memory (for tests and small payloads; a spilled track is read
    /// back from its file).
    pub fn to_bytes(&self) -> Result<Vec<u8>, SendError> {
        let mut reader = self.reader()?;
        let mut out = Vec::new();
        while reader.fill(&mut out, usize::MAX)? > 0 {}
        Ok(out)
    }

    /// A sequential reader over the ciphertext, from its start.
    fn reader(&self) -> Result<DataReader<'_>, SendError> {
        Ok(match self {
            AudioData::Memory(bytes) => DataReader::Memory(bytes),
            AudioData::Spilled { file, len } => {
                // From the start each time, so that a retried send reads the whole track again.
                let mut f = file;
                f.seek(SeekFrom::Start(0)).map_err(SendError::Spill)?;
                DataReader::File {
                    file,
                    remaining: *len,
                }
            }
        })
    }
}

/// The unread part of an [`AudioData`].
enum DataReader<'a> {
    Memory(&'a [u8]),
    File { file: &'a File, remaining: u64 },
}

impl DataReader<'_> {
    /// Appends up to `max - out.len()` bytes to `out`; returns how many (0 at the end).
    fn fill(&mut self, out: &mut Vec<u8>, max: usize) -> Result<usize, SendError> {
        let room = max.saturating_sub(out.len());
        match self {
            DataReader::Memory(rest) => {
                let n = room.min(rest.len());
                out.extend_from_slice(&rest[..n]);
                *rest = &rest[n..];
                Ok(n)
            }
            DataReader::File { file, remaining } => {
                let n = usize::try_from(*remaining).unwrap_or(usize::MAX).min(room);
                let start = out.len();
                out.resize(start + n, 0);
                // A file shorter than the length it was written with is an error, not silence.
                file.read_exact(&mut out[start..])
                    .map_err(SendError::Spill)?;
                *remaining -= n as u64;
                Ok(n)
            }
        }
    }
}

/// Encrypts a track block by block into an anonymous temporary file as it is produced, so
/// that preparing a long SP track takes a few megabytes of memory whatever its length.
pub struct SpillWriter {
    format: WireFormat,
    /// The stream header, its data length still to be filled in.
    header: [u8; STREAM_HEADER_BYTES],
    encryptor: crypto::CbcEncryptor,
    file: io::BufWriter<File>,
    written: u64,
}

impl SpillWriter {
    pub fn new(format: WireFormat, keys: &StreamKeys) -> Result<Self, SendError> {
        let file = tempfile::tempfile().map_err(SendError::Spill)?;
        Ok(Self {
            format,
            header: keys.header(0),
            encryptor: keys.encryptor(),
            file: io::BufWriter::with_capacity(1 << 16, file),
            written: 0,
        })
    }

    /// Encrypts and writes the whole units at the front of `plain`, short of its last `keep`
    /// bytes (which the producer may still take back), leaving the rest in it for the next
    /// call. Units are multiples of the cipher block, so the CBC chain carries over unchanged.
    pub fn write_units(&mut self, plain: &mut Vec<u8>, keep: usize) -> Result<(), SendError> {
        let unit = self.format.unit as usize;
        let ready = plain.len().saturating_sub(keep);
        let whole = ready - ready % unit;
        if whole == 0 {
            return Ok(());
        }
        self.encryptor.encrypt(&mut plain[..whole])?;
        self.file
            .write_all(&plain[..whole])
            .map_err(SendError::Spill)?;
        self.written += whole as u64;
        plain.drain(..whole);
        Ok(())
    }

    /// Pads what is left to whole units (at least one unit in all, as [`EncryptedAudio::encrypt`]
    /// does), writes it, and hands over the file.
    pub fn finish(mut self, mut rest: Vec<u8>) -> Result<EncryptedAudio, SendError> {
        let unit = self.format.unit as usize;
        let mut padded = rest.len().div_ceil(unit) * unit;
        if self.written == 0 && padded == 0 {
            padded = unit;
        }
        rest.resize(padded, 0);
        self.write_units(&mut rest, 0)?;
        let file = self
            .file
            .into_inner()
            .map_err(|e| SendError::Spill(e.into_error()))?;
        let mut header = self.header;
        header[..8].copy_from_slice(&self.written.to_be_bytes());
        Ok(EncryptedAudio {
            format: self.format,
            header,
            data: AudioData::Spilled {
                file,
                len: self.written,
            },
        })
    }
}

impl EncryptedAudio {
    /// Pads `plain` with zeros to whole units and encrypts it in place.
    pub fn encrypt(
        format: WireFormat,
        mut plain: Vec<u8>,
        keys: &StreamKeys,
    ) -> Result<Self, CryptoError> {
        let unit = format.unit as usize;
        let padded = plain.len().div_ceil(unit).max(1) * unit;
        plain.resize(padded, 0);
        keys.encryptor().encrypt(&mut plain)?;
        Ok(Self {
            format,
            header: keys.header(plain.len() as u64),
            data: AudioData::Memory(plain),
        })
    }

    pub fn data_len(&self) -> u64 {
        self.data.len()
    }

    /// Frame units, as the send command counts them.
    pub fn units(&self) -> u64 {
        self.data_len() / u64::from(self.format.unit)
    }

    /// Bytes of the whole bulk stream (header included).
    pub fn stream_len(&self) -> u64 {
        self.data_len() + STREAM_HEADER_BYTES as u64
    }

    pub fn duration_ms(&self) -> u64 {
        self.format.duration_ms(self.data_len())
    }
}

/// A track the recorder accepted and committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTrack {
    /// Its number on the disc, from 1.
    pub number: u32,
    pub uuid: [u8; 8],
    /// What went wrong after the commit (the track is on the disc all the same).
    pub warnings: Vec<String>,
}

#[derive(Debug, Error)]
pub enum SendError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("cancelled; nothing was recorded")]
    Cancelled,
    #[error("the prepared audio could not be spooled or read back: {0}")]
    Spill(#[source] io::Error),
    #[error("the track is too long to send in one piece ({0} bytes)")]
    TooLong(u64),
    #[error("{command}: unexpected reply from the recorder ({detail})")]
    Reply {
        command: &'static str,
        detail: String,
    },
    /// The commit went out but its answer was lost, and the disc could not be read back: the
    /// track may be on it (look with [`Recorder::confirm_sent`] on a new connection).
    #[error(
        "{source}; the recorder may have kept the track as track {number} (its answer to the \
         commit was lost and the disc could not be read back)"
    )]
    Unconfirmed {
        number: u32,
        uuid: [u8; 8],
        source: Box<SendError>,
    },
}

impl From<NetMdError> for SendError {
    fn from(e: NetMdError) -> Self {
        SendError::Device(e.into())
    }
}

impl SendError {
    pub fn is_disconnect(&self) -> bool {
        match self {
            SendError::Device(e) => e.is_disconnect(),
            SendError::Unconfirmed { source, .. } => source.is_disconnect(),
            _ => false,
        }
    }
}

/// How a session ended, before it is closed.
enum SessionEnd {
    /// The recorder accepted the commit.
    Committed(SentTrack),
    /// Nothing was committed.
    Failed(SendError),
    /// The commit went out and its answer was lost: the disc must be read to know.
    Unknown {
        number: u32,
        uuid: [u8; 8],
        error: SendError,
    },
}

/// Progress of a send: bytes of the stream written, of the total. `Break` cancels.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> ControlFlow<()>;

/// The secure-command arguments of the EKB step.
pub fn ekb_args() -> Vec<u8> {
    let mut a = vec![0x00, 0x48, 0x00, 0x00, 0x00, 0x48];
    a.extend(2u32.to_be_bytes());
    a.extend(crypto::EKB_DEPTH.to_be_bytes());
    a.extend(crypto::EKB_ID.to_be_bytes());
    a.extend([0; 4]);
    for link in crypto::EKB_CHAIN {
        a.extend(link);
    }
    a.extend(crypto::EKB_SIGNATURE);
    a
}

/// The setup plaintext: marker, content id, KEK.
pub fn setup_plaintext() -> [u8; 32] {
    let mut p = [0u8; 32];
    p[..4].copy_from_slice(&crypto::SETUP_MARKER);
    p[4..24].copy_from_slice(&crypto::CONTENT_ID);
    p[24..].copy_from_slice(&crypto::KEK);
    p
}

/// The commit command's arguments: `00 1001 tttt <MAC>`.
pub fn commit_args(wire_track: u16, mac: [u8; 8]) -> Vec<u8> {
    let mut a = vec![0x00, 0x10, 0x01];
    a.extend(wire_track.to_be_bytes());
    a.extend(mac);
    a
}

/// The payload after `<op> 00` of a secure reply.
fn secure_payload(command: &'static str, op: u8, body: &[u8]) -> Result<Vec<u8>, SendError> {
    // prefix, 03, op, then a result code (00; the EKB step answers 01).
    let head = SECURE_PREFIX.len() + 3;
    match body.get(..head) {
        Some(h) if h.starts_with(&SECURE_PREFIX) && h[head - 2] == op => Ok(body[head..].to_vec()),
        _ => Err(SendError::Reply {
            command,
            detail: format!("{body:02x?} is not a secure-session reply"),
        }),
    }
}

fn take<const N: usize>(
    command: &'static str,
    bytes: &[u8],
    at: usize,
) -> Result<[u8; N], SendError> {
    bytes
        .get(at..at + N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| SendError::Reply {
            command,
            detail: format!("{} bytes, too short", bytes.len()),
        })
}

/// Whether an error is the recorder refusing (which bookkeeping commands may do harmlessly).
fn refused(e: &NetMdError) -> bool {
    matches!(
        e,
        NetMdError::Rejected { .. } | NetMdError::NotImplemented { .. }
    )
}

impl<T: Transport> Recorder<T> {
    fn secure_query(
        &mut self,
        name: &'static str,
        op: u8,
        args: &[u8],
    ) -> Result<Vec<u8>, SendError> {
        let c = cmd::secure(name, op, args);
        let body = self.framing_mut().query(c.name, &c.bytes)?;
        secure_payload(name, op, &body)
    }

    /// A bookkeeping command whose refusal does not matter; a lost device does.
    fn secure_optional(
        &mut self,
        name: &'static str,
        op: u8,
        args: &[u8],
    ) -> Result<(), SendError> {
        let c = cmd::secure(name, op, args);
        match self.framing_mut().query(c.name, &c.bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.is_disconnect() => Err(e.into()),
            Err(e) => {
                tracing::debug!("ignored: {e}");
                Ok(())
            }
        }
    }

    fn optional(&mut self, c: &cmd::Command) -> Result<(), SendError> {
        match self.framing_mut().query(c.name, &c.bytes) {
            Ok(_) => Ok(()),
            Err(e) if refused(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits while the recorder reads its disc; refuses without a disc.
    fn wait_until_ready(&mut self) -> Result<(), SendError> {
        let started = Instant::now();
        loop {
            if !self.disc_present()? {
                return Err(DeviceError::NoDisc.into());
            }
            // Units answer the status block in their own ways; only a busy one is waited for.
            let state = match self.player_status() {
                Ok(status) => status.state,
                Err(e) if e.is_disconnect() => return Err(e.into()),
                Err(e) => {
                    tracing::debug!("status before a send: {e}");
                    return Ok(());
                }
            };
            match state {
                PlayerState::NoDisc => return Err(DeviceError::NoDisc.into()),
                PlayerState::ReadingToc | PlayerState::Recording
                    if started.elapsed() < READY_TIMEOUT =>
                {
                    thread::sleep(Duration::from_millis(200));
                }
                _ => return Ok(()),
            }
        }
    }

    /// Sends one track and titles it; returns its number and UUID. `entropy` gives the host
    /// nonce; the stream keys were chosen when the audio was encrypted.
    pub fn send_track(
        &mut self,
        audio: &EncryptedAudio,
        title: &Title,
        entropy: &mut dyn Entropy,
        progress: Progress<'_>,
    ) -> Result<SentTrack, SendError> {
        self.send_track_chunked(audio, title, entropy, BULK_CHUNK, progress)
    }

    /// [`Recorder::send_track`] with a chosen bulk write size (tests use small ones).
    pub fn send_track_chunked(
        &mut self,
        audio: &EncryptedAudio,
        title: &Title,
        entropy: &mut dyn Entropy,
        chunk: usize,
        progress: Progress<'_>,
    ) -> Result<SentTrack, SendError> {
        self.send_track_noting(audio, title, entropy, chunk, progress, &mut |_, _| {})
    }

    /// [`Recorder::send_track_chunked`] that calls `stored(number, uuid)` once the recorder
    /// has stored the track and before it is committed: a caller that writes this down can
    /// tell after a crash, with [`Recorder::confirm_sent`], whether the track is on the disc.
    pub fn send_track_noting(
        &mut self,
        audio: &EncryptedAudio,
        title: &Title,
        entropy: &mut dyn Entropy,
        chunk: usize,
        progress: Progress<'_>,
        stored: &mut dyn FnMut(u32, [u8; 8]),
    ) -> Result<SentTrack, SendError> {
        let units =
            u32::try_from(audio.units()).map_err(|_| SendError::TooLong(audio.data_len()))?;
        let total =
            u32::try_from(audio.stream_len()).map_err(|_| SendError::TooLong(audio.data_len()))?;
        self.wait_until_ready()?;
        // A session left open by a crashed client would refuse ours.
        self.secure_optional("forget key", 0x21, &[0, 0, 0])?;
        self.secure_optional("leave session", 0x81, &[])?;
        self.optional(&cmd::acquire())?;
        // Some Sharp units answer "not implemented": harmless.
        self.secure_optional("turn off new-track protection", 0x2b, &[0x00, 0x01])?;
        let end = self.session(
            audio,
            units,
            total,
            title,
            entropy,
            chunk.max(1),
            progress,
            stored,
        );
        match end {
            SessionEnd::Committed(mut sent) => {
                // The track is on the disc: what follows cannot undo that.
                if let Err(e) = self.close_session() {
                    tracing::warn!("after sending track {}: {e}", sent.number);
                    sent.warnings.push(format!(
                        "track {} was recorded, but closing the session failed: {e}",
                        sent.number
                    ));
                }
                Ok(sent)
            }
            SessionEnd::Failed(e) => {
                if !e.is_disconnect()
                    && let Err(close) = self.close_session()
                {
                    tracing::debug!("closing the session after a failed send: {close}");
                }
                Err(e)
            }
            SessionEnd::Unknown {
                number,
                uuid,
                error,
            } => {
                tracing::warn!("the answer to the commit of track {number} was lost: {error}");
                // Leaving the session drops the track if it was not committed; then look.
                let looked = self
                    .close_session()
                    .and_then(|()| self.confirm_sent(number, uuid));
                match looked {
                    Ok(true) => Ok(SentTrack {
                        number,
                        uuid,
                        warnings: vec![format!(
                            "the recorder's answer to the commit was lost ({error}); the disc \
                             shows track {number} was recorded"
                        )],
                    }),
                    Ok(false) => Err(error),
                    Err(e) => {
                        tracing::debug!("could not read the disc back: {e}");
                        Err(SendError::Unconfirmed {
                            number,
                            uuid,
                            source: Box::new(error),
                        })
                    }
                }
            }
        }
    }

    /// Forgets the key, leaves the session and releases the recorder.
    fn close_session(&mut self) -> Result<(), SendError> {
        self.secure_optional("forget key", 0x21, &[0, 0, 0])?;
        self.secure_optional("leave session", 0x81, &[])?;
        self.optional(&cmd::release())
    }

    /// A track's UUID (`23 ff 1001 tttt`), as the secure session reports it.
    pub fn track_uuid(&mut self, number: u32) -> Result<[u8; 8], SendError> {
        let wire = u16::try_from(number.saturating_sub(1)).unwrap_or(u16::MAX);
        let mut args = vec![0x10, 0x01];
        args.extend(wire.to_be_bytes());
        let reply = self.secure_query("read track uuid", 0x23, &args)?;
        take::<8>("read track uuid", &reply, 4)
    }

    /// Whether track `number` is the one a send recorded with `uuid`, out of any session (a
    /// track left uncommitted is gone by then). A recorder that will not tell UUIDs is judged
    /// by its track count: the sent track was the last one.
    pub fn confirm_sent(&mut self, number: u32, uuid: [u8; 8]) -> Result<bool, SendError> {
        let count = self.track_count()?;
        if count < number {
            return Ok(false);
        }
        match self.track_uuid(number) {
            Ok(found) => Ok(found == uuid),
            Err(SendError::Device(DeviceError::NetMd(e))) if refused(&e) => Ok(count == number),
            Err(e) => Err(e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn session(
        &mut self,
        audio: &EncryptedAudio,
        units: u32,
        total: u32,
        title: &Title,
        entropy: &mut dyn Entropy,
        chunk: usize,
        progress: Progress<'_>,
        noted: &mut dyn FnMut(u32, [u8; 8]),
    ) -> SessionEnd {
        let stored = self.stream_track(audio, units, total, entropy, chunk, progress);
        let (wire_track, uuid, session_key) = match stored {
            Ok(s) => s,
            Err(e) => return SessionEnd::Failed(e),
        };
        noted(u32::from(wire_track) + 1, uuid);
        self.finish_track(wire_track, uuid, session_key, title)
    }

    /// Sets up the session and sends the stream; returns the new track's wire number, its UUID
    /// and the session key.
    fn stream_track(
        &mut self,
        audio: &EncryptedAudio,
        units: u32,
        total: u32,
        entropy: &mut dyn Entropy,
        chunk: usize,
        progress: Progress<'_>,
    ) -> Result<(u16, [u8; 8], [u8; 8]), SendError> {
        self.secure_query("enter session", 0x80, &[])?;
        let leaf = self.secure_query("read leaf id", 0x11, &[])?;
        take::<8>("read leaf id", &leaf, 0)?;
        self.secure_query("send key data", 0x12, &ekb_args())?;
        let host_nonce = entropy.bytes8()?;
        let mut args = vec![0, 0, 0];
        args.extend(host_nonce);
        let reply = self.secure_query("exchange nonces", 0x20, &args)?;
        let device_nonce = take::<8>("exchange nonces", &reply, 3)?;
        let session_key = crypto::session_key(&host_nonce, &device_nonce)?;
        let mut args = vec![0, 0];
        args.extend(crypto::cbc_encrypt_zero_iv(
            &session_key,
            &setup_plaintext(),
        )?);
        self.secure_query("set up the send", 0x22, &args)?;

        let c = cmd::send_track(audio.format.wire, audio.format.disc, units, total);
        self.framing_mut().query_interim(c.name, &c.bytes)?;
        self.write_stream(audio, chunk, progress)?;
        let body = self.framing_mut().read_reply(c.name)?;
        let reply = secure_payload(c.name, 0x28, &body)?;
        // `000100 1001 tttt 00 <10 bytes> <32 bytes>`
        let wire_track = u16::from_be_bytes(take::<2>(c.name, &reply, 5)?);
        let sealed = take::<32>(c.name, &reply, reply.len().saturating_sub(32))?;
        let opened = crypto::cbc_decrypt_zero_iv(&session_key, &sealed)?;
        let uuid = take::<8>(c.name, &opened, 0)?;
        if opened.get(12..32) != Some(&crypto::CONTENT_ID[..]) {
            tracing::warn!("the recorder answered the send with another content id");
        }
        Ok((wire_track, uuid, session_key))
    }

    /// Titles the stored track and commits it.
    fn finish_track(
        &mut self,
        wire_track: u16,
        uuid: [u8; 8],
        session_key: [u8; 8],
        title: &Title,
    ) -> SessionEnd {
        let number = u32::from(wire_track) + 1;

        // From here the track exists: on failure it must go again.
        if let Err(e) = self.write_titles(number, title) {
            if !e.is_disconnect() {
                let d = cmd::delete_track(wire_track);
                if let Err(de) = self.framing_mut().query(d.name, &d.bytes) {
                    tracing::warn!("could not delete the unfinished track {number}: {de}");
                }
            }
            return SessionEnd::Failed(e);
        }
        let mac = crypto::commit_mac(&session_key);
        let c = cmd::secure("commit the track", 0x48, &commit_args(wire_track, mac));
        match self.framing_mut().query(c.name, &c.bytes) {
            // Accepted is accepted, whatever the payload says.
            Ok(_) => SessionEnd::Committed(SentTrack {
                number,
                uuid,
                warnings: Vec::new(),
            }),
            Err(e) if refused(&e) => SessionEnd::Failed(e.into()),
            Err(e) => SessionEnd::Unknown {
                number,
                uuid,
                error: e.into(),
            },
        }
    }

    fn write_stream(
        &mut self,
        audio: &EncryptedAudio,
        chunk: usize,
        progress: Progress<'_>,
    ) -> Result<(), SendError> {
        let total = audio.stream_len();
        let mut done = 0u64;
        let mut data = audio.data.reader()?;
        // The header goes with the first piece, as one stream; one buffer serves every piece,
        // so a spilled track is read a chunk at a time.
        let mut piece = Vec::with_capacity(chunk.max(STREAM_HEADER_BYTES));
        piece.extend_from_slice(&audio.header);
        loop {
            data.fill(&mut piece, chunk)?;
            if piece.is_empty() {
                break;
            }
            if progress(done, total).is_break() {
                return Err(SendError::Cancelled);
            }
            let mut rest = &piece[..];
            while !rest.is_empty() {
                let n = self.framing_mut().bulk_write("send audio", rest)?;
                if n == 0 {
                    return Err(SendError::Reply {
                        command: "send audio",
                        detail: "the recorder took no data".into(),
                    });
                }
                rest = &rest[n.min(rest.len())..];
                done += n as u64;
            }
            piece.clear();
        }
        let _ = progress(done, total);
        Ok(())
    }

    fn write_titles(&mut self, number: u32, title: &Title) -> Result<(), SendError> {
        let half = title.half_width_bytes();
        if !half.is_empty() {
            let old = self.raw_track_title(number, false)?;
            self.write_track_title(number, false, &old, &half)?;
        }
        let full = title.full_width_bytes();
        if !full.is_empty() {
            let old = self.raw_track_title(number, true)?;
            self.write_track_title(number, true, &old, &full)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_formats() {
        assert_eq!(WireFormat::SP_STEREO.duration_ms(176_400), 1000);
        assert_eq!(WireFormat::SP_MONO.duration_ms(88_200), 1000);
        // 44.1 kHz / 1024 samples ≈ 43.07 frames a second.
        assert_eq!(WireFormat::LP2.duration_ms(384 * 441), 10_240);
        assert_eq!(WireFormat::LP4.duration_ms(192 * 441), 10_240);
        assert_eq!(WireFormat::from_bytes(0x90, 0x02), Some(WireFormat::LP105));
        assert_eq!(WireFormat::from_bytes(0x94, 0x00), None);
    }

    #[test]
    fn audio_is_padded_to_units() {
        let keys = StreamKeys {
            data_key: [1; 8],
            iv: [2; 8],
        };
        let a = EncryptedAudio::encrypt(WireFormat::LP4, vec![7; 100], &keys).unwrap();
        assert_eq!(a.data_len(), 192);
        assert_eq!(a.units(), 2);
        assert_eq!(a.stream_len(), 216);
        assert_eq!(&a.header[..8], &192u64.to_be_bytes());
    }

    #[test]
    fn spilled_audio_matches_encrypting_in_memory() {
        let keys = StreamKeys {
            data_key: [3; 8],
            iv: [4; 8],
        };
        for len in [0usize, 5, 2048, 2049, 10_000, 70_001] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
            let expected =
                EncryptedAudio::encrypt(WireFormat::SP_STEREO, plain.clone(), &keys).unwrap();
            let mut writer = SpillWriter::new(WireFormat::SP_STEREO, &keys).unwrap();
            let mut pending = Vec::new();
            // Uneven pieces, some held back, as a decoder hands them over.
            for (i, piece) in plain.chunks(3001).enumerate() {
                pending.extend_from_slice(piece);
                writer.write_units(&mut pending, (i % 3) * 1000).unwrap();
            }
            let spilled = writer.finish(pending).unwrap();
            assert!(matches!(spilled.data, AudioData::Spilled { .. }));
            assert_eq!(spilled.header, expected.header, "{len}");
            assert_eq!(spilled.data_len(), expected.data_len(), "{len}");
            assert_eq!(
                spilled.data.to_bytes().unwrap(),
                expected.data.to_bytes().unwrap(),
                "{len}"
            );
            // Read twice: each read starts from the beginning.
            assert_eq!(
                spilled.data.to_bytes().unwrap().len() as u64,
                spilled.data_len()
            );
        }
    }

    #[test]
    fn a_short_spill_file_is_an_error() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[0; 100]).unwrap();
        let data = AudioData::Spilled { file, len: 4096 };
        assert!(matches!(data.to_bytes(), Err(SendError::Spill(_))));
    }
}
