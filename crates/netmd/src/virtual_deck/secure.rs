//! The secure session of a send (`1800 080046 f0030103 <op> ff …`), answered like a recorder:
//! the EKB is checked, the session key derived from the nonces, the setup and the audio stream
//! decrypted and checked, the track stored, and only a commit with the right MAC keeps it.
//! Anything out of order or malformed is rejected (status 0a), as a recorder does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::NamedTempFile;

use super::model::{AudioRef, VirtualDisc, VirtualTrack};
use super::responder::reply;
use crate::bytes::to_hex;
use crate::commands::SECURE_PREFIX;
use crate::crypto::{self, Entropy, OsEntropy, STREAM_HEADER_BYTES};
use crate::disc::MAX_TRACKS;
use crate::framing::{STATUS_ACCEPTED, STATUS_INTERIM, STATUS_REJECTED};
use crate::send::{WireFormat, ekb_args, setup_plaintext};
use crate::transport::TransportError;

/// The leaf id the deck reports (any 8 bytes do; this one is from the netmd-js trace).
const LEAF_ID: [u8; 8] = [0x01, 0x00, 0x00, 0x21, 0xcf, 0x06, 0x00, 0x00];
/// ATRAC3 frames start with the sound-unit id 0x28 in their first six bits.
const ATRAC3_UNIT_ID: u8 = 0x28;

/// Where a session stands. Each step may only follow the one before it, as on a recorder.
#[derive(Debug, Clone, Default)]
pub enum SessionState {
    #[default]
    Idle,
    /// `80` enter session.
    Entered,
    /// `12` the EKB was accepted.
    KeyData,
    /// `20` nonces exchanged; the session key is known.
    Keyed { session_key: [u8; 8] },
    /// `22` setup decrypted: KEK and content id known.
    SetUp { session_key: [u8; 8], kek: [u8; 8] },
    /// `28` a send in progress: the bulk stream is expected.
    Receiving {
        session_key: [u8; 8],
        kek: [u8; 8],
        format: WireFormat,
        /// The whole stream, header included.
        expected_bytes: u64,
        stream: IncomingStream,
    },
    /// The track was stored and awaits its commit (`48`); without one it goes again.
    AwaitingCommit {
        session_key: [u8; 8],
        kek: [u8; 8],
        track: usize,
        uuid: String,
        audio: AudioSink,
    },
}

/// A send's bulk stream, decrypted as it arrives so that the deck holds no more than a block
/// of it in memory whatever the track's length.
#[derive(Debug, Clone, Default)]
pub struct IncomingStream {
    received: u64,
    /// `[BE64 length][Kh][IV]` as it arrives.
    header: Vec<u8>,
    /// The content key and the CBC chain, once the header is in.
    key: Option<([u8; 8], [u8; 8])>,
    /// Ciphertext short of a whole cipher block.
    partial: Vec<u8>,
    /// Plaintext bytes written so far.
    plain: u64,
    /// A frame that is not ATRAC3 (for an LP send), or the sink failed.
    bad: bool,
    sink: AudioSink,
}

/// Where a received track's plaintext goes: a temporary file in the deck's audio folder
/// (renamed into place at the commit), or memory for a deck without a folder.
#[derive(Debug, Clone)]
pub enum AudioSink {
    Memory(Vec<u8>),
    /// Shared so that a specific inquiry's trial copy of the deck can be thrown away.
    File(Arc<NamedTempFile>),
}

impl Default for AudioSink {
    fn default() -> Self {
        AudioSink::Memory(Vec::new())
    }
}

impl AudioSink {
    fn new(audio_dir: Option<&Path>) -> std::io::Result<Self> {
        let Some(dir) = audio_dir else {
            return Ok(AudioSink::Memory(Vec::new()));
        };
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(".audio-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(AudioSink::File(Arc::new(tmp)))
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            AudioSink::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
            AudioSink::File(tmp) => tmp.as_file().write_all(bytes),
        }
    }

    /// Moves the audio to `dir/name` (synced first: a full disk or a kill leaves the whole file
    /// or none).
    fn persist(self, dir: Option<&Path>, name: &str) -> std::io::Result<()> {
        match (self, dir) {
            (AudioSink::File(tmp), Some(dir)) => {
                let tmp = Arc::try_unwrap(tmp)
                    .map_err(|_| std::io::Error::other("the received audio is still in use"))?;
                tmp.as_file().sync_all()?;
                tmp.persist(dir.join(name)).map_err(|e| e.error)?;
                Ok(())
            }
            (AudioSink::Memory(bytes), Some(dir)) => write_atomically(dir, name, &bytes),
            (_, None) => Ok(()),
        }
    }
}

impl IncomingStream {
    fn new(audio_dir: Option<&Path>) -> std::io::Result<Self> {
        Ok(Self {
            sink: AudioSink::new(audio_dir)?,
            ..Self::default()
        })
    }

    /// Takes the next bytes of the stream: the header first, then ciphertext, decrypted and
    /// written out in whole cipher blocks.
    fn take(&mut self, mut data: &[u8], kek: [u8; 8], format: &WireFormat) {
        self.received += data.len() as u64;
        if self.header.len() < STREAM_HEADER_BYTES {
            let n = (STREAM_HEADER_BYTES - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() == STREAM_HEADER_BYTES {
                let wrapped: [u8; 8] = self.header[8..16].try_into().unwrap_or_default();
                let iv: [u8; 8] = self.header[16..24].try_into().unwrap_or_default();
                self.key = Some((crypto::unwrap_key(wrapped, &kek), iv));
            }
        }
        let Some((key, iv)) = self.key.as_mut() else {
            return;
        };
        self.partial.extend_from_slice(data);
        let whole = self.partial.len() - self.partial.len() % 8;
        if whole == 0 || self.bad {
            return;
        }
        let mut block: Vec<u8> = self.partial.drain(..whole).collect();
        let next_iv: [u8; 8] = block[whole - 8..].try_into().unwrap_or_default();
        if crypto::CbcDecryptor::new(key, *iv)
            .decrypt(&mut block)
            .is_err()
        {
            self.bad = true;
            return;
        }
        *iv = next_iv;
        let frame = u64::from(format.frame);
        if format.wire != WireFormat::SP_STEREO.wire {
            // Every frame starts with the ATRAC3 sound unit's id.
            let start = self.plain;
            let first = start.div_ceil(frame) * frame;
            let mut at = first;
            while at < start + block.len() as u64 {
                let byte = block[(at - start) as usize];
                if byte >> 2 != ATRAC3_UNIT_ID {
                    self.bad = true;
                    return;
                }
                at += frame;
            }
        }
        self.plain += block.len() as u64;
        if let Err(e) = self.sink.write(&block) {
            tracing::error!("virtual deck: could not keep the received audio: {e}");
            self.bad = true;
        }
    }

    /// The plaintext's length and where it is, if the stream was whole and right.
    fn finish(self, format: &WireFormat) -> Option<(u64, AudioSink)> {
        let len = u64::from_be_bytes(self.header.get(..8)?.try_into().ok()?);
        let data = self.received.checked_sub(STREAM_HEADER_BYTES as u64)?;
        let ok = !self.bad
            && self.partial.is_empty()
            && len == data
            && self.plain == data
            && data.is_multiple_of(u64::from(format.frame));
        ok.then_some((self.plain, self.sink))
    }
}

/// What the session answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecureAnswer {
    /// Accepted; the payload follows `<op> 00` in the reply.
    Accepted(Vec<u8>),
    /// Complete replies (status bytes included), e.g. interim then final.
    Replies(Vec<Vec<u8>>),
    Rejected,
    NotImplemented,
}

#[derive(Debug, Clone, Default)]
pub struct SecureSession {
    pub state: SessionState,
    /// New-track protection (`2b`), on by default like a recorder's.
    pub new_track_protection: bool,
    /// Where committed audio is written (`<PATH>.audio/`); in-memory decks keep none.
    pub audio_dir: Option<PathBuf>,
    disc_changed: bool,
}

pub const OP_LEAF_ID: u8 = 0x11;
pub const OP_EKB: u8 = 0x12;
pub const OP_NONCE: u8 = 0x20;
pub const OP_FORGET_KEY: u8 = 0x21;
pub const OP_SETUP: u8 = 0x22;
pub const OP_TRACK_UUID: u8 = 0x23;
pub const OP_SEND: u8 = 0x28;
pub const OP_PROTECTION: u8 = 0x2b;
pub const OP_COMMIT: u8 = 0x48;
pub const OP_ENTER: u8 = 0x80;
pub const OP_LEAVE: u8 = 0x81;

/// A secure reply with a status and `<op> <code>` then a payload.
fn secure_reply(status: u8, op: u8, code: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = SECURE_PREFIX.to_vec();
    body.extend([0x03, op, code]);
    body.extend_from_slice(payload);
    reply(status, &body)
}

impl SecureSession {
    pub fn handle(&mut self, disc: &mut VirtualDisc, op: u8, args: &[u8]) -> SecureAnswer {
        match op {
            OP_FORGET_KEY => {
                self.drop_uncommitted(disc);
                if !matches!(self.state, SessionState::Idle) {
                    self.state = SessionState::Entered;
                }
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_LEAVE => {
                self.drop_uncommitted(disc);
                self.state = SessionState::Idle;
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_ENTER => {
                self.drop_uncommitted(disc);
                self.state = SessionState::Entered;
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_PROTECTION => {
                self.new_track_protection = args != [0x00, 0x01];
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_LEAF_ID if !matches!(self.state, SessionState::Idle) => {
                SecureAnswer::Accepted(LEAF_ID.to_vec())
            }
            OP_EKB => self.ekb(args),
            OP_NONCE => self.nonce(args),
            OP_SETUP => self.setup(args),
            OP_SEND => self.send(disc, args),
            OP_COMMIT => self.commit(args),
            OP_TRACK_UUID => track_uuid(disc, args),
            OP_LEAF_ID => SecureAnswer::Rejected,
            _ => SecureAnswer::NotImplemented,
        }
    }

    fn ekb(&mut self, args: &[u8]) -> SecureAnswer {
        if !matches!(self.state, SessionState::Entered) || args != ekb_args().as_slice() {
            return SecureAnswer::Rejected;
        }
        self.state = SessionState::KeyData;
        SecureAnswer::Replies(vec![secure_reply(
            STATUS_ACCEPTED,
            OP_EKB,
            0x01,
            &args[..6],
        )])
    }

    fn nonce(&mut self, args: &[u8]) -> SecureAnswer {
        let (SessionState::KeyData, [0, 0, 0, host @ ..]) = (&self.state, args) else {
            return SecureAnswer::Rejected;
        };
        let Ok(host) = <[u8; 8]>::try_from(host) else {
            return SecureAnswer::Rejected;
        };
        let Ok(device) = OsEntropy.bytes8() else {
            return SecureAnswer::Rejected;
        };
        let Ok(session_key) = crypto::session_key(&host, &device) else {
            return SecureAnswer::Rejected;
        };
        self.state = SessionState::Keyed { session_key };
        let mut payload = vec![0, 0, 0];
        payload.extend(device);
        SecureAnswer::Accepted(payload)
    }

    fn setup(&mut self, args: &[u8]) -> SecureAnswer {
        let (SessionState::Keyed { session_key }, [0, 0, sealed @ ..]) = (&self.state, args) else {
            return SecureAnswer::Rejected;
        };
        if sealed.len() != 32 {
            return SecureAnswer::Rejected;
        }
        let Ok(plain) = crypto::cbc_decrypt_zero_iv(session_key, sealed) else {
            return SecureAnswer::Rejected;
        };
        // A recorder accepts only the marker and the public content id it knows.
        if plain[..24] != setup_plaintext()[..24] {
            return SecureAnswer::Rejected;
        }
        let mut kek = [0u8; 8];
        kek.copy_from_slice(&plain[24..32]);
        self.state = SessionState::SetUp {
            session_key: *session_key,
            kek,
        };
        SecureAnswer::Accepted(vec![0, 0])
    }

    /// `28 ff 000100 1001 ffff 00 WW DD <units BE32> <total BE32>`.
    fn send(&mut self, disc: &VirtualDisc, args: &[u8]) -> SecureAnswer {
        let SessionState::SetUp { session_key, kek } = self.state else {
            return SecureAnswer::Rejected;
        };
        let [
            0x00,
            0x01,
            0x00,
            0x10,
            0x01,
            0xff,
            0xff,
            0x00,
            wire,
            disc_format,
            u0,
            u1,
            u2,
            u3,
            t0,
            t1,
            t2,
            t3,
        ] = *args
        else {
            return SecureAnswer::Rejected;
        };
        let Some(format) = WireFormat::from_bytes(wire, disc_format) else {
            return SecureAnswer::Rejected;
        };
        if format == WireFormat::SP_MONO && !disc.native_mono {
            return SecureAnswer::Rejected;
        }
        let units = u64::from(u32::from_be_bytes([u0, u1, u2, u3]));
        let total = u64::from(u32::from_be_bytes([t0, t1, t2, t3]));
        let data = units * u64::from(format.unit);
        if units == 0 || total != data + STREAM_HEADER_BYTES as u64 {
            return SecureAnswer::Rejected;
        }
        let sp_ms = format.duration_ms(data) / format.mode.space_factor(format.channels);
        if disc.write_protected
            || disc.tracks.len() >= MAX_TRACKS
            || sp_ms > disc.capacity().free_ms
        {
            return SecureAnswer::Rejected;
        }
        let stream = match IncomingStream::new(self.audio_dir.as_deref()) {
            Ok(stream) => stream,
            Err(e) => {
                tracing::error!("virtual deck: cannot take a track: {e}");
                return SecureAnswer::Rejected;
            }
        };
        self.state = SessionState::Receiving {
            session_key,
            kek,
            format,
            expected_bytes: total,
            stream,
        };
        let mut echo = args.to_vec();
        echo[5] = 0x00;
        echo[6] = 0x00;
        SecureAnswer::Replies(vec![secure_reply(STATUS_INTERIM, OP_SEND, 0x00, &echo)])
    }

    /// Bulk data of a send. A recorder stalls the endpoint while no send is running or when
    /// more arrives than announced. Returns the final reply once the stream is complete.
    pub fn bulk_out(
        &mut self,
        disc: &mut VirtualDisc,
        data: &[u8],
    ) -> Result<(usize, Option<Vec<u8>>), TransportError> {
        let SessionState::Receiving {
            expected_bytes,
            stream,
            kek,
            format,
            ..
        } = &mut self.state
        else {
            return Err(TransportError::Stall);
        };
        if stream.received + data.len() as u64 > *expected_bytes {
            self.abort_receive();
            return Err(TransportError::Stall);
        }
        stream.take(data, *kek, format);
        if stream.received < *expected_bytes {
            return Ok((data.len(), None));
        }
        Ok((data.len(), Some(self.finish(disc))))
    }

    fn abort_receive(&mut self) {
        if let SessionState::Receiving {
            session_key, kek, ..
        } = self.state
        {
            self.state = SessionState::SetUp { session_key, kek };
        }
    }

    /// The stream is complete: decrypt, check and store it; answer the final reply.
    fn finish(&mut self, disc: &mut VirtualDisc) -> Vec<u8> {
        let SessionState::Receiving {
            session_key,
            kek,
            format,
            stream,
            ..
        } = std::mem::take(&mut self.state)
        else {
            return secure_reply(STATUS_REJECTED, OP_SEND, 0x00, &[]);
        };
        self.state = SessionState::SetUp { session_key, kek };
        let rejected = secure_reply(
            STATUS_REJECTED,
            OP_SEND,
            0x00,
            &[0x00, 0x01, 0x00, 0x10, 0x01],
        );
        let Some((audio_len, audio)) = stream.finish(&format) else {
            return rejected;
        };
        let Ok(uuid) = OsEntropy.bytes8() else {
            return rejected;
        };
        let uuid_hex = to_hex(&uuid);
        let mut track = VirtualTrack::new(
            "",
            format.mode,
            format.channels,
            format.duration_ms(audio_len),
        );
        track.uuid.clone_from(&uuid_hex);
        track.audio = self
            .audio_dir
            .as_ref()
            .map(|dir| AudioRef::in_dir(dir, &format!("{uuid_hex}.bin"), format.wire, audio_len));
        let index = disc.tracks.len();
        disc.tracks.push(track);
        let mut plain = uuid.to_vec();
        plain.extend([0; 4]);
        plain.extend(crypto::CONTENT_ID);
        let Ok(sealed) = crypto::cbc_encrypt_zero_iv(&session_key, &plain) else {
            disc.tracks.pop();
            return rejected;
        };
        self.state = SessionState::AwaitingCommit {
            session_key,
            kek,
            track: index,
            uuid: uuid_hex,
            audio,
        };
        let mut payload = vec![0x00, 0x01, 0x00, 0x10, 0x01];
        payload.extend((index as u16).to_be_bytes());
        payload.push(0x00);
        payload.extend([0; 10]);
        payload.extend(sealed);
        secure_reply(STATUS_ACCEPTED, OP_SEND, 0x00, &payload)
    }

    /// `48 ff 00 1001 tttt <DES-ECB(session key, 0)>`.
    fn commit(&mut self, args: &[u8]) -> SecureAnswer {
        let SessionState::AwaitingCommit {
            session_key,
            kek,
            track,
            uuid,
            audio,
        } = &mut self.state
        else {
            return SecureAnswer::Rejected;
        };
        let [0x00, 0x10, 0x01, hi, lo, mac @ ..] = args else {
            return SecureAnswer::Rejected;
        };
        if usize::from(u16::from_be_bytes([*hi, *lo])) != *track
            || mac != crypto::commit_mac(session_key)
        {
            return SecureAnswer::Rejected;
        }
        let audio = std::mem::take(audio);
        let uuid = std::mem::take(uuid);
        if let Err(e) = audio.persist(self.audio_dir.as_deref(), &format!("{uuid}.bin")) {
            tracing::error!("virtual deck: could not store the audio: {e}");
            return SecureAnswer::Rejected;
        }
        self.state = SessionState::SetUp {
            session_key: *session_key,
            kek: *kek,
        };
        self.disc_changed = true;
        SecureAnswer::Accepted(args[..5].to_vec())
    }

    /// The track a send stored and nobody committed: it must not survive the session.
    pub fn uncommitted_track(&self) -> Option<usize> {
        match &self.state {
            SessionState::AwaitingCommit { track, .. } => Some(*track),
            _ => None,
        }
    }

    fn drop_uncommitted(&mut self, disc: &mut VirtualDisc) {
        if let SessionState::AwaitingCommit { track, uuid, .. } = &self.state {
            // The client may have deleted it already, moving other tracks up.
            if disc.tracks.get(*track).is_some_and(|t| &t.uuid == uuid) {
                disc.tracks.remove(*track);
            }
            self.state = SessionState::Entered;
        }
    }

    /// True once after the session changed the disc (a stored or committed track).
    pub fn take_disc_changed(&mut self) -> bool {
        std::mem::take(&mut self.disc_changed)
    }
}

/// Writes `name` in `dir` through a temporary file and a rename: a full disk or a kill leaves
/// either the whole file or none (a temporary file left by a kill goes when the disc is next
/// opened).
fn write_atomically(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".audio-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}

/// `23 ff 1001 tttt` → `23 00 1001 tttt <UUID>`.
fn track_uuid(disc: &VirtualDisc, args: &[u8]) -> SecureAnswer {
    let [0x10, 0x01, hi, lo] = *args else {
        return SecureAnswer::Rejected;
    };
    let Some(t) = disc.tracks.get(usize::from(u16::from_be_bytes([hi, lo]))) else {
        return SecureAnswer::Rejected;
    };
    let Some(uuid) = crate::bytes::from_hex(&t.uuid).filter(|u| u.len() == 8) else {
        return SecureAnswer::Rejected;
    };
    let mut payload = args.to_vec();
    payload.extend(uuid);
    SecureAnswer::Accepted(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KEK, StreamKeys};

    /// Five LP2 frames, each starting with the ATRAC3 sound unit's id.
    fn lp2_frames() -> Vec<u8> {
        let mut plain: Vec<u8> = (0..384 * 5).map(|i| (i * 7 % 251) as u8).collect();
        for frame in plain.chunks_mut(384) {
            frame[0] = ATRAC3_UNIT_ID << 2;
        }
        plain
    }

    fn stream_of(plain: &[u8]) -> Vec<u8> {
        let keys = StreamKeys {
            data_key: [1, 2, 3, 4, 5, 6, 7, 8],
            iv: [9, 8, 7, 6, 5, 4, 3, 2],
        };
        let mut data = plain.to_vec();
        keys.encryptor().encrypt(&mut data).unwrap();
        let mut bytes = keys.header(data.len() as u64).to_vec();
        bytes.extend(data);
        bytes
    }

    fn receive(bytes: &[u8], piece: usize) -> Option<Vec<u8>> {
        let mut stream = IncomingStream::new(None).unwrap();
        for chunk in bytes.chunks(piece) {
            stream.take(chunk, KEK, &WireFormat::LP2);
        }
        match stream.finish(&WireFormat::LP2)? {
            (len, AudioSink::Memory(plain)) if len == plain.len() as u64 => Some(plain),
            _ => None,
        }
    }

    #[test]
    fn a_stream_in_any_pieces_decrypts_to_its_plaintext() {
        let plain = lp2_frames();
        let bytes = stream_of(&plain);
        for piece in [1, 7, 13, 24, 1000, bytes.len()] {
            assert_eq!(
                receive(&bytes, piece).as_deref(),
                Some(&plain[..]),
                "{piece}"
            );
        }
    }

    #[test]
    fn a_frame_that_is_not_atrac3_or_a_short_stream_is_refused() {
        let mut plain = lp2_frames();
        plain[3 * 384] = 0;
        assert_eq!(receive(&stream_of(&plain), 100), None);
        let bytes = stream_of(&lp2_frames());
        assert_eq!(receive(&bytes[..bytes.len() - 8], 100), None);
    }
}
