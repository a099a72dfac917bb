//! What a disc holds, as plain data the UI and the CLI can show (text already sanitised).

use serde::{Deserialize, Serialize};

use super::commands::WireTime;

/// The recorder's time fields count frames of 1/512 s after the seconds (fact sheet).
pub const FRAMES_PER_SECOND: u64 = 512;
/// The most tracks a disc can hold (one byte in the TOC, on Sony units).
pub const MAX_TRACKS: usize = 254;
/// The disc's title area: 255 cells of 7 bytes.
pub const TITLE_CELLS: u32 = 255;
pub const CELL_BYTES: u32 = 7;
/// The most groups the disc-title syntax allows.
pub const MAX_GROUPS: usize = 99;

/// Recording mode of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    SP,
    LP2,
    LP4,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::SP, Mode::LP2, Mode::LP4];

    /// The encoding byte of the track-encoding reply.
    pub fn from_encoding(byte: u8) -> Option<Mode> {
        match byte {
            0x90 => Some(Mode::SP),
            0x92 => Some(Mode::LP2),
            0x93 => Some(Mode::LP4),
            _ => None,
        }
    }

    pub fn encoding(self) -> u8 {
        match self {
            Mode::SP => 0x90,
            Mode::LP2 => 0x92,
            Mode::LP4 => 0x93,
        }
    }

    /// How many times longer than SP stereo this mode plays in the same space.
    pub fn space_factor(self, channels: u8) -> u64 {
        match self {
            Mode::SP if channels == 1 => 2,
            Mode::SP => 1,
            Mode::LP2 => 2,
            Mode::LP4 => 4,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::SP => "SP",
            Mode::LP2 => "LP2",
            Mode::LP4 => "LP4",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text.to_ascii_uppercase().as_str() {
            "SP" => Some(Mode::SP),
            "LP2" => Some(Mode::LP2),
            "LP4" => Some(Mode::LP4),
            _ => None,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One track, numbered from 1 as on the recorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInfo {
    pub number: u32,
    pub title: String,
    /// Empty when the track has no full-width title.
    pub full_width_title: String,
    pub mode: Mode,
    /// 1 mono, 2 stereo.
    pub channels: u8,
    pub duration_ms: u64,
    /// Protected tracks (e.g. recorded through SonicStage) cannot be received.
    pub protected: bool,
    /// The group the track is in (index into [`DiscInfo::groups`]).
    pub group: Option<usize>,
}

/// A group: consecutive tracks `first..=last`, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub title: String,
    pub full_width_title: String,
    pub first: u32,
    pub last: u32,
}

/// Disc space in SP-stereo time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capacity {
    pub total_ms: u64,
    pub used_ms: u64,
    pub free_ms: u64,
}

impl Capacity {
    /// Free time when recording in `mode` (stereo).
    pub fn free_ms_in(&self, mode: Mode) -> u64 {
        self.free_ms * mode.space_factor(2)
    }
}

/// Title-cell use of the disc's title area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TitleCells {
    /// Cells used by half-width titles (disc title with its groups, track titles, LP markers).
    pub used: u32,
    /// Cells used in the separate full-width area.
    pub full_width_used: u32,
    pub total: u32,
}

impl TitleCells {
    pub fn free(&self) -> u32 {
        self.total.saturating_sub(self.used)
    }
}

/// The whole disc as read from the recorder.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts about the disc and the recorder, not a state machine"
)]
pub struct DiscInfo {
    /// The recorder's name, e.g. "Sony MZ-N707" or "virtual deck".
    pub device: String,
    pub disc_present: bool,
    pub title: String,
    pub full_width_title: String,
    pub groups: Vec<GroupInfo>,
    pub tracks: Vec<TrackInfo>,
    pub capacity: Capacity,
    pub title_cells: TitleCells,
    pub write_protected: bool,
    /// The recorder records mono SP when a send asks for it.
    pub native_mono: bool,
    /// The recorder sends tracks back to the computer (MZ-RH1, MZ-M200).
    #[serde(default)]
    pub can_receive: bool,
}

impl DiscInfo {
    /// Every text the recorder supplied (device name, titles) passed through `f`: a terminal
    /// UI gives its sanitiser, so escape sequences on a disc never reach the screen.
    #[must_use]
    pub fn map_text(mut self, f: impl Fn(&str) -> String) -> DiscInfo {
        for s in [
            &mut self.device,
            &mut self.title,
            &mut self.full_width_title,
        ] {
            *s = f(s);
        }
        for g in &mut self.groups {
            g.title = f(&g.title);
            g.full_width_title = f(&g.full_width_title);
        }
        for t in &mut self.tracks {
            t.title = f(&t.title);
            t.full_width_title = f(&t.full_width_title);
        }
        self
    }

    /// The group a track (numbered from 1) belongs to.
    pub fn group_of(&self, number: u32) -> Option<&GroupInfo> {
        self.groups
            .iter()
            .find(|g| g.first <= number && number <= g.last)
    }
}

/// What the recorder's own player is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlayerState {
    Stopped,
    Playing,
    Paused,
    FastForward,
    Rewind,
    Recording,
    NoDisc,
    ReadingToc,
    Blank,
    Unknown(u16),
}

impl PlayerState {
    pub fn from_operating_status(code: u16) -> Self {
        match code {
            0xc5ff => PlayerState::Stopped,
            0xc375 => PlayerState::Playing,
            0xc37d => PlayerState::Paused,
            0xc33f => PlayerState::FastForward,
            0xc34f => PlayerState::Rewind,
            0xff10 => PlayerState::NoDisc,
            0xff23 => PlayerState::ReadingToc,
            0xffff => PlayerState::Blank,
            0xc275 => PlayerState::Recording,
            other => PlayerState::Unknown(other),
        }
    }

    pub fn operating_status(self) -> u16 {
        match self {
            PlayerState::Stopped => 0xc5ff,
            PlayerState::Playing => 0xc375,
            PlayerState::Paused => 0xc37d,
            PlayerState::FastForward => 0xc33f,
            PlayerState::Rewind => 0xc34f,
            PlayerState::NoDisc => 0xff10,
            PlayerState::ReadingToc => 0xff23,
            PlayerState::Blank => 0xffff,
            PlayerState::Recording => 0xc275,
            PlayerState::Unknown(code) => code,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlayerState::Stopped => "stopped",
            PlayerState::Playing => "playing",
            PlayerState::Paused => "paused",
            PlayerState::FastForward => "fast forward",
            PlayerState::Rewind => "rewind",
            PlayerState::Recording => "recording",
            PlayerState::NoDisc => "no disc",
            PlayerState::ReadingToc => "reading the disc",
            PlayerState::Blank => "blank disc",
            PlayerState::Unknown(_) => "unknown",
        }
    }
}

/// The player's state and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerStatus {
    pub state: PlayerState,
    /// Track number from 1, when the recorder reports a position.
    pub track: Option<u32>,
    pub position_ms: u64,
}

impl WireTime {
    pub fn to_ms(self) -> u64 {
        let secs =
            u64::from(self.hours) * 3600 + u64::from(self.minutes) * 60 + u64::from(self.seconds);
        secs * 1000 + u64::from(self.frames) * 1000 / FRAMES_PER_SECOND
    }

    /// The frame field is one BCD byte, so sub-second precision is capped at 99 frames.
    pub fn from_ms(ms: u64) -> Self {
        let secs = ms / 1000;
        let frames = ((ms % 1000) * FRAMES_PER_SECOND / 1000).min(99);
        WireTime {
            hours: (secs / 3600) as u32,
            minutes: ((secs / 60) % 60) as u32,
            seconds: (secs % 60) as u32,
            frames: frames as u32,
        }
    }
}

/// `m:ss` or `h:mm:ss`.
pub fn format_ms(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}
