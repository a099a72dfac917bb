//! The secure session of a send (`1800 080046 f0030103 <op> ff …`), as far as this issue needs:
//! the bookkeeping commands every client sends before and after a session are answered like a
//! recorder does. The next issue adds the key exchange, the setup, the audio stream and the
//! commit here; the state below is laid out for that.

use super::model::VirtualDisc;
use crate::device::transport::TransportError;

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
        expected_bytes: u64,
        received: Vec<u8>,
    },
    /// The track was stored and awaits its commit (`48`).
    AwaitingCommit { session_key: [u8; 8], track: u16 },
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
    disc_changed: bool,
}

pub const OP_ENTER: u8 = 0x80;
pub const OP_LEAVE: u8 = 0x81;
pub const OP_FORGET_KEY: u8 = 0x21;
pub const OP_PROTECTION: u8 = 0x2b;

impl SecureSession {
    pub fn handle(&mut self, _disc: &mut VirtualDisc, op: u8, args: &[u8]) -> SecureAnswer {
        match op {
            OP_FORGET_KEY => {
                if let SessionState::Keyed { .. } | SessionState::SetUp { .. } = self.state {
                    self.state = SessionState::Entered;
                }
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_LEAVE => {
                self.state = SessionState::Idle;
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_ENTER => {
                self.state = SessionState::Entered;
                SecureAnswer::Accepted(args.to_vec())
            }
            OP_PROTECTION => {
                self.new_track_protection = args != [0x00, 0x01];
                SecureAnswer::Accepted(args.to_vec())
            }
            // Leaf id, EKB, nonces, setup, send, commit, UUID: the next issue.
            _ => SecureAnswer::NotImplemented,
        }
    }

    /// Bulk data of a send; a recorder stalls the endpoint while no send is running.
    pub fn bulk_out(&mut self, data: &[u8]) -> Result<usize, TransportError> {
        match &mut self.state {
            SessionState::Receiving { received, .. } => {
                received.extend_from_slice(data);
                Ok(data.len())
            }
            _ => Err(TransportError::Stall),
        }
    }

    /// True once after the session changed the disc (a stored or committed track).
    pub fn take_disc_changed(&mut self) -> bool {
        std::mem::take(&mut self.disc_changed)
    }
}
