//! NetMD recorders over USB, and the virtual deck that answers the same USB transfers.
//!
//! Layers, bottom up: [`Transport`] (the four USB transfers; [`usb`] and [`virtual_deck`]
//! implement it, [`TraceRecorder`] records it), the framing of commands, polls and replies,
//! [`commands`] (the byte layouts), [`Recorder`] (the operations: [`open`] gives one) and
//! [`send`] (the secure session that writes a track). [`titles`] and [`groups`] hold the title rules and the group
//! syntax. Titles come back as the disc holds them: a caller that shows them on a terminal
//! sanitises them first.
//!
//! Features: `usb` (real recorders through libusb) and `virtual` (the virtual deck), both on
//! by default.

pub mod bytes;
pub mod commands;
pub mod crypto;
mod disc;
mod edit;
mod error;
mod framing;
pub mod groups;
pub mod ids;
pub mod receive;
mod recorder;
pub mod send;
pub mod title_sheet;
pub mod titles;
mod trace;
mod transport;
#[cfg(feature = "usb")]
pub mod usb;
#[cfg(feature = "virtual")]
pub mod virtual_deck;

// Two attributes rather than `all(test, ..)`: clippy recognises a plain `cfg(test)` as test code.
#[cfg(test)]
#[cfg(feature = "virtual")]
mod receive_tests;
#[cfg(test)]
#[cfg(feature = "virtual")]
mod recorder_tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use disc::{
    Capacity, DiscInfo, GroupInfo, Mode, PlayerState, PlayerStatus, TitleCells, TrackInfo,
    format_ms,
};
pub use edit::{Edit, Resumed, Step};
pub use error::DeviceError;
pub use framing::NetMdError;
pub use recorder::{EditRequest, Planned, RawDisc, Recorder, check_room};
pub use trace::TraceRecorder;
pub use transport::{ControlSetup, DeviceIdentity, Transport, TransportError};
#[cfg(feature = "virtual")]
pub use virtual_deck::{DeckModel, Faults, SpeakerFactory, VirtualDeck, VirtualDisc};

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

/// How [`open_transport`] opens a recorder: what to record, and what a virtual deck is given.
#[derive(Default)]
pub struct OpenOptions<'a> {
    /// Record every USB transfer to this file (JSON lines, see [`TraceRecorder`]).
    pub trace: Option<&'a Path>,
    /// A virtual deck plays what it plays through a speaker made by this.
    #[cfg(feature = "virtual")]
    pub speaker: Option<&'a SpeakerFactory>,
    /// Faults a virtual deck injects (tests, and users reproducing device failures).
    #[cfg(feature = "virtual")]
    pub faults: Option<Faults>,
}

/// Opens the transport a selector names. `Ok(None)` means no recorder is connected (for
/// `auto` and `usb`).
#[cfg_attr(
    not(all(feature = "usb", feature = "virtual")),
    allow(unreachable_code, unused_variables)
)]
pub fn open_transport(
    selector: &DeviceSelector,
    options: &OpenOptions<'_>,
) -> Result<Option<Box<dyn Transport>>, DeviceError> {
    let transport: Box<dyn Transport> = match selector {
        #[cfg(feature = "virtual")]
        DeviceSelector::Virtual(path) => {
            let mut deck =
                VirtualDeck::open(path).map_err(|e| DeviceError::Virtual(e.to_string()))?;
            if let Some(faults) = &options.faults {
                *deck.faults_mut() = faults.clone();
            }
            if let Some(s) = options.speaker.and_then(|make| make()) {
                deck = deck.with_speaker(s);
            }
            Box::new(deck)
        }
        #[cfg(not(feature = "virtual"))]
        DeviceSelector::Virtual(_) => {
            return Err(DeviceError::InvalidArgument(
                "this build has no virtual deck (feature `virtual`)".into(),
            ));
        }
        #[cfg(not(feature = "usb"))]
        DeviceSelector::Usb | DeviceSelector::Auto => return Ok(None),
        #[cfg(feature = "usb")]
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
    Ok(Some(match options.trace {
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
pub fn open(
    selector: &DeviceSelector,
    options: &OpenOptions<'_>,
) -> Result<AnyRecorder, DeviceError> {
    let transport = open_transport(selector, options)?.ok_or(DeviceError::NotFound)?;
    Recorder::open(transport)
}
