//! NetMD recorders over USB, and the virtual deck that answers the same USB transfers.
//!
//! Layers, bottom up: [`transport`] (the four USB transfers; [`usb`] and [`virtual_deck`]
//! implement it, [`trace`] records it), [`framing`] (command, poll, reply, status bytes),
//! [`commands`] (the byte layouts), [`recorder`] (the operations), and [`handle`] (a worker
//! thread for the UI). [`titles`] and [`groups`] hold the title rules and the group syntax.
//! Nothing here knows about the UI.

pub mod bytes;
pub mod commands;
pub mod crypto;
pub mod disc;
pub mod error;
pub mod framing;
pub mod groups;
pub mod handle;
pub mod ids;
pub mod recorder;
pub mod send;
pub mod titles;
pub mod trace;
pub mod transport;
pub mod usb;
pub mod virtual_deck;

#[cfg(test)]
mod recorder_tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use disc::{
    Capacity, DiscInfo, GroupInfo, Mode, PlayerState, PlayerStatus, TitleCells, TrackInfo,
};
pub use error::DeviceError;
pub use framing::NetMdError;
pub use handle::{DeviceEvent, DeviceHandle, DeviceRequest};
pub use recorder::{RawDisc, Recorder};
pub use trace::TraceRecorder;
pub use transport::{DeviceIdentity, Transport, TransportError};
pub use virtual_deck::{Faults, SpeakerFactory, VirtualDeck, VirtualDisc};

/// Environment variable with faults for virtual decks opened by selector (tests of the CLI).
pub const FAULTS_ENV: &str = "MINISTAGE_VIRTUAL_FAULTS";

/// Which recorder to use: `auto` (a real one if present), `usb`, or `virtual:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSelector {
    Auto,
    Usb,
    Virtual(PathBuf),
}

impl FromStr for DeviceSelector {
    type Err = DeviceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" | "" => Ok(DeviceSelector::Auto),
            "usb" => Ok(DeviceSelector::Usb),
            other => match other.strip_prefix("virtual:") {
                Some(path) if !path.is_empty() => Ok(DeviceSelector::Virtual(PathBuf::from(path))),
                _ => Err(DeviceError::InvalidArgument(format!(
                    "unknown device {other:?}: use auto, usb or virtual:PATH"
                ))),
            },
        }
    }
}

impl std::fmt::Display for DeviceSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSelector::Auto => f.write_str("auto"),
            DeviceSelector::Usb => f.write_str("usb"),
            DeviceSelector::Virtual(p) => write!(f, "virtual:{}", p.display()),
        }
    }
}

/// A recorder over whichever transport the selector chose.
pub type AnyRecorder = Recorder<Box<dyn Transport>>;

/// Opens the transport a selector names, recording it to `trace` when given. `Ok(None)` means
/// no recorder is connected (for `auto` and `usb`).
pub fn open_transport(
    selector: &DeviceSelector,
    trace: Option<&Path>,
) -> Result<Option<Box<dyn Transport>>, DeviceError> {
    open_transport_with(selector, trace, None)
}

/// [`open_transport`], giving a virtual deck a speaker to play through.
pub fn open_transport_with(
    selector: &DeviceSelector,
    trace: Option<&Path>,
    speaker: Option<&SpeakerFactory>,
) -> Result<Option<Box<dyn Transport>>, DeviceError> {
    let transport: Box<dyn Transport> = match selector {
        DeviceSelector::Virtual(path) => {
            let mut deck =
                VirtualDeck::open(path).map_err(|e| DeviceError::Virtual(e.to_string()))?;
            if let Ok(spec) = std::env::var(FAULTS_ENV) {
                *deck.faults_mut() = Faults::parse(&spec).map_err(DeviceError::Virtual)?;
            }
            if let Some(s) = speaker.and_then(|make| make()) {
                deck = deck.with_speaker(s);
            }
            Box::new(deck)
        }
        DeviceSelector::Usb | DeviceSelector::Auto => match usb::UsbTransport::open_first() {
            Ok(Some(t)) => Box::new(t),
            Ok(None) => return Ok(None),
            // Without a usable libusb there is no real recorder to find.
            Err(TransportError::Other(e)) if *selector == DeviceSelector::Auto => {
                tracing::debug!("USB unavailable: {e}");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        },
    };
    Ok(Some(match trace {
        Some(path) => Box::new(TraceRecorder::create(transport, path).map_err(|e| {
            DeviceError::InvalidArgument(format!(
                "could not create the USB trace {}: {e}",
                path.display()
            ))
        })?),
        None => transport,
    }))
}

/// Opens the recorder a selector names.
pub fn open(selector: &DeviceSelector, trace: Option<&Path>) -> Result<AnyRecorder, DeviceError> {
    let transport = open_transport(selector, trace)?.ok_or(DeviceError::NotFound)?;
    Recorder::open(transport)
}
