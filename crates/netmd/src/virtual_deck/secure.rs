//! The secure session of a send (`1800 080046 f0030103 <op> ff …`), answered like a recorder:
//! the EKB is checked, the session key derived from the nonces, the setup and the audio stream
//! decrypted and checked, the track stored, and only a commit with the right MAC keeps it.
//! Anything out of order or malformed is rejected (status 0a), as a recorder does.

use std::path::PathBuf;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
        received: Vec<u8>,
    },
    /// The track was stored and awaits its commit (`48`); without one it goes again.
    AwaitingCommit {
        session_key: [u8; 8],
        kek: [u8; 8],
        track: usize,
        uuid: String,
        audio: Vec<u8>,
    },
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
    /// The decrypted audio of the last committed track, for in-memory decks and tests.
    pub last_committed: Option<(String, Vec<u8>)>,
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
            OP_LEAF_ID if self.state != SessionState::Idle => {
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
        if self.state != SessionState::Entered || args != ekb_args().as_slice() {
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
        self.state = SessionState::Receiving {
            session_key,
            kek,
            format,
            expected_bytes: total,
            received: Vec::new(),
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
            received,
            ..
        } = &mut self.state
        else {
            return Err(TransportError::Stall);
        };
        if received.len() as u64 + data.len() as u64 > *expected_bytes {
            self.abort_receive();
            return Err(TransportError::Stall);
        }
        received.extend_from_slice(data);
        if (received.len() as u64) < *expected_bytes {
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
            received,
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
        let Some(audio) = decrypt_stream(&received, kek, &format) else {
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
            format.duration_ms(audio.len() as u64),
        );
        track.uuid.clone_from(&uuid_hex);
        track.audio = self.audio_dir.as_ref().map(|dir| {
            AudioRef::in_dir(
                dir,
                &format!("{uuid_hex}.bin"),
                format.wire,
                audio.len() as u64,
            )
        });
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
        if let Some(dir) = &self.audio_dir {
            let written = std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(dir.join(format!("{uuid}.bin")), &audio));
            if let Err(e) = written {
                tracing::error!("virtual deck: could not store the audio: {e}");
                return SecureAnswer::Rejected;
            }
        }
        self.last_committed = Some((uuid, audio));
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

/// `[BE64 length][Kh][IV][ciphertext]` → the plaintext, if the lengths and frames are right.
fn decrypt_stream(stream: &[u8], kek: [u8; 8], format: &WireFormat) -> Option<Vec<u8>> {
    let header = stream.get(..STREAM_HEADER_BYTES)?;
    let data = &stream[STREAM_HEADER_BYTES..];
    let len = u64::from_be_bytes(header[..8].try_into().ok()?);
    if len != data.len() as u64 || !data.len().is_multiple_of(format.frame as usize) {
        return None;
    }
    let key = crypto::unwrap_key(header[8..16].try_into().ok()?, &kek);
    let iv: [u8; 8] = header[16..24].try_into().ok()?;
    let mut audio = data.to_vec();
    crypto::CbcDecryptor::new(&key, iv)
        .decrypt(&mut audio)
        .ok()?;
    let atrac3 = format.wire != WireFormat::SP_STEREO.wire;
    if atrac3
        && audio
            .chunks(format.frame as usize)
            .any(|f| f[0] >> 2 != ATRAC3_UNIT_ID)
    {
        return None;
    }
    Some(audio)
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
