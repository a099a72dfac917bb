use std::path::PathBuf;

use serde::Serialize;

use crate::text::natural_key;
use crate::{AtracMode, AudioCodec, TransferMode};

/// One track as the library knows it. Text fields are already cleaned ([`crate::text::clean`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Track {
    #[serde(skip)]
    pub id: i64,
    /// Absolute path, exactly as on disk (not normalised, so it can be opened again).
    pub path: PathBuf,
    pub title: String,
    pub artist: String,
    pub album: String,
    /// The album artist; falls back to `artist` when the file has none.
    pub album_artist: String,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub year: Option<i32>,
    pub genre: String,
    pub duration_ms: u64,
    pub codec: AudioCodec,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub bitrate_kbps: Option<u32>,
    /// The file was not found by the last import that covered its folder.
    pub missing: bool,
    /// The MiniDisc mode of an ATRAC file; [`AtracMode::NotAtrac`] for other formats.
    pub mode: AtracMode,
    /// OpenMG-encrypted ("protected (OpenMG DRM)"): listed, never played or converted.
    pub protected: bool,
    /// The grouping: the file's grouping tag, or a MiniDisc group's name for received tracks.
    pub grouping: String,
}

impl Track {
    /// Sorts `tracks` in browsing order: album artist, album, disc, track number (numbered
    /// tracks first), title, names in natural order ([`natural_key`]); the path breaks ties.
    pub(crate) fn sort_for_browsing(tracks: &mut [Track]) {
        tracks.sort_by_cached_key(|t| {
            (
                natural_key(&t.album_artist),
                natural_key(&t.album),
                t.disc_number,
                t.track_number.is_none(),
                t.track_number,
                natural_key(&t.title),
                t.path.clone(),
            )
        });
    }
}

/// A playlist as listed in the Playlists pane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaylistSummary {
    pub id: i64,
    pub name: String,
    pub track_count: u32,
    pub duration_ms: u64,
}

/// An entry of the transfer queue as stored in the library database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferItem {
    pub id: i64,
    pub position: u32,
    pub track_id: Option<i64>,
    pub title: String,
    pub mode: TransferMode,
    /// `queued`, `preparing`, `sending`, `done`, `failed`, `cancelled`.
    pub state: String,
    pub error: Option<String>,
}
