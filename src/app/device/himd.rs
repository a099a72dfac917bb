//! What a disc in Hi-MD mode adds to the listing the Device pane shows: each track's own format
//! (ATRAC3, ATRAC3plus, PCM or MP3 at its bit rate), and the disc's space in bytes rather than
//! in SP time.

use netmd::DiscInfo;

/// A disc as the device worker reports it: the listing, and for a Hi-MD disc what only it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscView {
    pub info: DiscInfo,
    pub himd: Option<HimdFacts>,
}

impl From<DiscInfo> for DiscView {
    fn from(info: DiscInfo) -> Self {
        Self { info, himd: None }
    }
}

/// A Hi-MD disc's own facts. Text in it is sanitised for display.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HimdFacts {
    /// By play position: `tracks[0]` is track 1.
    pub tracks: Vec<HimdTrack>,
    /// The volume's size and free space (a unit always says).
    pub total_bytes: u64,
    pub free_bytes: u64,
    /// Title bytes left in the free string chunks.
    pub title_bytes_left: usize,
}

/// A track's format on a Hi-MD disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HimdTrack {
    /// As the unit's display shows it: `ATRAC3 132k`, `ATRAC3plus 256k`, `PCM`, `MP3 192k`.
    pub format: String,
    /// The extension a received copy gets (`oma`, `wav`, `mp3`): it is never re-encoded.
    pub extension: &'static str,
    pub artist: String,
    pub album: String,
}

impl HimdFacts {
    /// Track `number`'s facts (from 1).
    pub fn track(&self, number: u32) -> Option<&HimdTrack> {
        self.tracks.get((number as usize).checked_sub(1)?)
    }
}
