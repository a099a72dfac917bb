//! Errors of the device layer as the CLI and the UI see them.

use thiserror::Error;

use super::disc::{MAX_TRACKS, TITLE_CELLS};
use super::framing::NetMdError;
use super::groups::GroupError;
use super::transport::TransportError;

#[derive(Debug, Error)]
pub enum DeviceError {
    #[error(transparent)]
    NetMd(#[from] NetMdError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(
        "no NetMD recorder found (is it plugged in and switched on? Hi-MD units must be in MD \
         mode); use --device virtual:PATH for the virtual deck"
    )]
    NotFound,
    #[error("there is no disc in the recorder")]
    NoDisc,
    #[error("the disc is write-protected (slide the tab on the disc to allow recording)")]
    WriteProtected,
    #[error("track {track} does not exist (the disc has {count} tracks)")]
    NoSuchTrack { track: u32, count: u32 },
    #[error("group {group} does not exist (the disc has {count} groups)")]
    NoSuchGroup { group: usize, count: usize },
    #[error(
        "not enough title space on the disc: this needs {needed} of {TITLE_CELLS} title cells \
         ({area}), only {available} are free; nothing was changed"
    )]
    TitleSpace {
        needed: u32,
        available: u32,
        area: &'static str,
    },
    #[error(
        "the disc already holds {MAX_TRACKS} tracks, the most a MiniDisc can; nothing was changed"
    )]
    TrackLimit,
    #[error("{0}")]
    Group(#[from] GroupError),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("virtual deck: {0}")]
    Virtual(String),
}

impl DeviceError {
    /// The recorder is gone: a worker should drop the connection and look for it again.
    pub fn is_disconnect(&self) -> bool {
        match self {
            DeviceError::NetMd(e) => e.is_disconnect(),
            DeviceError::Transport(TransportError::Disconnected) => true,
            _ => false,
        }
    }

    /// The recorder may have carried out the command although this error came back: its
    /// answer was lost (a lost device, a timeout, a garbled reply). A refusal, a check that
    /// failed before anything was sent, is certain.
    pub fn leaves_doubt(&self) -> bool {
        match self {
            DeviceError::NetMd(e) => !matches!(
                e,
                NetMdError::Rejected { .. } | NetMdError::NotImplemented { .. }
            ),
            DeviceError::Transport(_) => true,
            _ => false,
        }
    }
}
