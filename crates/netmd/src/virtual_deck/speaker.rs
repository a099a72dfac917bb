//! The deck's headphone socket: when the virtual deck plays, the audio it stored for the track
//! is heard through whatever [`Speaker`] it was given (the app hands it one backed by the
//! player). A deck without a speaker keeps time silently, as before.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::VirtualTrack;
use crate::send::WireFormat;
use atrac::RawAudio;

/// A sent track's stored audio and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckAudio {
    pub path: PathBuf,
    pub format: RawAudio,
}

impl DeckAudio {
    /// Where `track`'s audio is, for a disc file in `disc_dir`; `None` for tracks without
    /// stored audio (those of `init-virtual --demo`).
    pub fn of(disc_dir: &Path, track: &VirtualTrack) -> Option<Self> {
        let audio = track.audio.as_ref()?;
        let wire = WireFormat::ALL
            .into_iter()
            .find(|f| f.wire == audio.wire_format)?;
        let format = if wire.wire == WireFormat::SP_STEREO.wire {
            RawAudio::PcmBe16 {
                channels: u16::from(track.channels),
            }
        } else {
            RawAudio::Atrac3 {
                frame_bytes: wire.frame,
            }
        };
        Some(Self {
            path: disc_dir.join(&audio.file),
            format,
        })
    }
}

/// What the deck's player drives.
pub trait Speaker: Send {
    /// Plays `audio` from `from_ms`, replacing whatever was sounding.
    fn play(&mut self, audio: &DeckAudio, from_ms: u64);
    fn pause(&mut self);
    fn resume(&mut self);
    fn stop(&mut self);
}

/// Makes a speaker for each deck opened (the device worker reopens after errors).
pub type SpeakerFactory = Arc<dyn Fn() -> Option<Box<dyn Speaker>> + Send + Sync>;
