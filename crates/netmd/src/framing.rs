//! NetMD framing over vendor control transfers: send a command, poll until the reply is ready
//! (sleeping a little longer each time), read it, and turn the status byte into a typed error
//! that names the command.

use std::thread;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::transport::{
    BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT, ControlSetup, Transport, TransportError,
};

/// ctype bytes (first byte of a command).
pub const CTYPE_CONTROL: u8 = 0x00;
pub const CTYPE_SPECIFIC_INQUIRY: u8 = 0x02;

/// Status bytes (first byte of a reply).
pub const STATUS_NOT_IMPLEMENTED: u8 = 0x08;
pub const STATUS_ACCEPTED: u8 = 0x09;
pub const STATUS_REJECTED: u8 = 0x0a;
pub const STATUS_IN_TRANSITION: u8 = 0x0b;
pub const STATUS_IMPLEMENTED: u8 = 0x0c;
pub const STATUS_CHANGED: u8 = 0x0d;
pub const STATUS_INTERIM: u8 = 0x0f;

pub const REQUEST_COMMAND: u8 = 0x80;
pub const REQUEST_POLL: u8 = 0x01;
pub const REQUEST_REPLY: u8 = 0x81;

/// A failed NetMD exchange, naming the command it was for.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum NetMdError {
    #[error("{command}: the recorder rejected the command")]
    Rejected { command: String },
    #[error("{command}: the recorder does not implement this command")]
    NotImplemented { command: String },
    #[error(
        "{command}: the recorder answered \"in progress\" and no final answer came within {after:?}"
    )]
    Interim { command: String, after: Duration },
    #[error("{command}: the recorder did not answer within {after:?}")]
    Timeout { command: String, after: Duration },
    #[error("{command}: the recorder was disconnected")]
    Disconnected { command: String },
    #[error("{command}: {source}")]
    Permission {
        command: String,
        source: TransportError,
    },
    #[error("{command}: unexpected reply from the recorder ({detail})")]
    Malformed { command: String, detail: String },
    #[error("{command}: unknown reply status {status:#04x}")]
    UnknownStatus { command: String, status: u8 },
    #[error("{command}: {source}")]
    Transport {
        command: String,
        source: TransportError,
    },
}

impl NetMdError {
    /// The recorder is gone: the session is over, the caller should reconnect.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, NetMdError::Disconnected { .. })
    }

    pub fn is_rejected(&self) -> bool {
        matches!(self, NetMdError::Rejected { .. })
    }

    fn from_transport(command: &str, e: TransportError) -> Self {
        let command = command.to_string();
        match e {
            TransportError::Disconnected => NetMdError::Disconnected { command },
            TransportError::Timeout(after) => NetMdError::Timeout { command, after },
            e @ TransportError::Permission { .. } => NetMdError::Permission { command, source: e },
            e => NetMdError::Transport { command, source: e },
        }
    }
}

/// How long to wait for replies.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Timeout of each USB transfer.
    pub transfer: Duration,
    /// The first sleep between polls; it doubles up to `max_poll_sleep`.
    pub first_poll_sleep: Duration,
    pub max_poll_sleep: Duration,
    /// How long a reply may take before the command is given up.
    pub reply: Duration,
    /// How long to wait for the final answer after an interim one.
    pub interim: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            transfer: Duration::from_secs(5),
            first_poll_sleep: Duration::from_millis(2),
            max_poll_sleep: Duration::from_millis(250),
            reply: Duration::from_secs(15),
            interim: Duration::from_secs(30),
        }
    }
}

/// The framing layer over a transport.
pub struct Framing<T> {
    transport: T,
    timing: Timing,
}

impl<T: Transport> Framing<T> {
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            timing: Timing::default(),
        }
    }

    pub fn with_timing(transport: T, timing: Timing) -> Self {
        Self { transport, timing }
    }

    pub fn timing(&self) -> Timing {
        self.timing
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Reads and drops a reply left over from an earlier client, so ours line up.
    pub fn drain(&mut self) -> Result<(), NetMdError> {
        let len = self.poll("open")?;
        if len > 0 {
            self.read_raw("open", len)?;
        }
        Ok(())
    }

    /// Sends a control command (`ctype` 00) and returns the reply body without its status byte.
    /// An interim reply is waited out: the final answer is polled for.
    pub fn query(&mut self, name: &str, command: &[u8]) -> Result<Vec<u8>, NetMdError> {
        self.exchange(name, CTYPE_CONTROL, command, false)
    }

    /// Like [`Framing::query`] but returns an interim reply as it is (the send command answers
    /// interim, then the final reply comes after the bulk stream: see [`Framing::read_reply`]).
    pub fn query_interim(&mut self, name: &str, command: &[u8]) -> Result<Vec<u8>, NetMdError> {
        self.exchange(name, CTYPE_CONTROL, command, true)
    }

    /// A specific inquiry (`ctype` 02): "would you accept this command?".
    pub fn inquire(&mut self, name: &str, command: &[u8]) -> Result<Vec<u8>, NetMdError> {
        self.exchange(name, CTYPE_SPECIFIC_INQUIRY, command, false)
    }

    fn exchange(
        &mut self,
        name: &str,
        ctype: u8,
        command: &[u8],
        accept_interim: bool,
    ) -> Result<Vec<u8>, NetMdError> {
        let mut frame = Vec::with_capacity(command.len() + 1);
        frame.push(ctype);
        frame.extend_from_slice(command);
        self.transport
            .control_out(
                ControlSetup::vendor_out(REQUEST_COMMAND),
                &frame,
                self.timing.transfer,
            )
            .map_err(|e| NetMdError::from_transport(name, e))?;
        self.read_reply_inner(name, accept_interim)
    }

    /// Reads the next reply (e.g. the final answer of a send), waiting out interim answers.
    pub fn read_reply(&mut self, name: &str) -> Result<Vec<u8>, NetMdError> {
        self.read_reply_inner(name, false)
    }

    fn read_reply_inner(
        &mut self,
        name: &str,
        accept_interim: bool,
    ) -> Result<Vec<u8>, NetMdError> {
        let started = Instant::now();
        loop {
            let len = self.wait_for_reply(name, self.timing.reply)?;
            let reply = self.read_raw(name, len)?;
            let Some((&status, body)) = reply.split_first() else {
                return Err(NetMdError::Malformed {
                    command: name.into(),
                    detail: "empty reply".into(),
                });
            };
            match status {
                STATUS_ACCEPTED | STATUS_IMPLEMENTED | STATUS_CHANGED | STATUS_IN_TRANSITION => {
                    return Ok(body.to_vec());
                }
                STATUS_INTERIM if accept_interim => return Ok(body.to_vec()),
                STATUS_INTERIM => {
                    // The final answer follows once the recorder is done; poll for it.
                    if started.elapsed() > self.timing.interim {
                        return Err(NetMdError::Interim {
                            command: name.into(),
                            after: self.timing.interim,
                        });
                    }
                }
                STATUS_REJECTED => {
                    return Err(NetMdError::Rejected {
                        command: name.into(),
                    });
                }
                STATUS_NOT_IMPLEMENTED => {
                    return Err(NetMdError::NotImplemented {
                        command: name.into(),
                    });
                }
                other => {
                    return Err(NetMdError::UnknownStatus {
                        command: name.into(),
                        status: other,
                    });
                }
            }
        }
    }

    /// Polls until a reply is ready, sleeping a little longer each time.
    fn wait_for_reply(&mut self, name: &str, limit: Duration) -> Result<u16, NetMdError> {
        let started = Instant::now();
        let mut sleep = self.timing.first_poll_sleep;
        loop {
            let len = self.poll(name)?;
            if len > 0 {
                return Ok(len);
            }
            if started.elapsed() >= limit {
                return Err(NetMdError::Timeout {
                    command: name.into(),
                    after: limit,
                });
            }
            thread::sleep(sleep);
            sleep = (sleep * 2).min(self.timing.max_poll_sleep);
        }
    }

    fn poll(&mut self, name: &str) -> Result<u16, NetMdError> {
        let data = self
            .transport
            .control_in(
                ControlSetup::vendor_in(REQUEST_POLL),
                4,
                self.timing.transfer,
            )
            .map_err(|e| NetMdError::from_transport(name, e))?;
        if data.len() < 4 {
            return Err(NetMdError::Malformed {
                command: name.into(),
                detail: format!("poll answered {} bytes instead of 4", data.len()),
            });
        }
        Ok(u16::from_le_bytes([data[2], data[3]]))
    }

    fn read_raw(&mut self, name: &str, len: u16) -> Result<Vec<u8>, NetMdError> {
        self.transport
            .control_in(
                ControlSetup::vendor_in(REQUEST_REPLY),
                len,
                self.timing.transfer,
            )
            .map_err(|e| NetMdError::from_transport(name, e))
    }

    /// Writes part of an audio stream.
    pub fn bulk_write(&mut self, name: &str, data: &[u8]) -> Result<usize, NetMdError> {
        self.transport
            .bulk_out(BULK_OUT_ENDPOINT, data, self.timing.transfer)
            .map_err(|e| NetMdError::from_transport(name, e))
    }

    /// Reads part of a received audio stream.
    pub fn bulk_read(&mut self, name: &str, length: usize) -> Result<Vec<u8>, NetMdError> {
        self.transport
            .bulk_in(BULK_IN_ENDPOINT, length, self.timing.transfer)
            .map_err(|e| NetMdError::from_transport(name, e))
    }
}
