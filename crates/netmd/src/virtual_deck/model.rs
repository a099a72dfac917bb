//! The virtual deck's disc: what is persisted in the `virtual:PATH` file.

use serde::{Deserialize, Serialize};

use crate::disc::{Capacity, MAX_TRACKS, Mode, TITLE_CELLS};
use crate::recorder::cells_for;
use crate::titles;

pub const FORMAT_VERSION: u32 = 1;

/// Where a track's audio is kept (issue 6 stores sent audio beside the disc file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioRef {
    /// File name relative to the disc file's folder.
    pub file: String,
    /// Wire format byte of the send (00 PCM, 94 LP2, a8 LP4, 90 LP105).
    pub wire_format: u8,
    pub bytes: u64,
}

impl AudioRef {
    /// A reference to `name` in the deck's audio folder `audio_dir`.
    pub fn in_dir(audio_dir: &std::path::Path, name: &str, wire_format: u8, bytes: u64) -> Self {
        Self {
            file: format!(
                "{}/{name}",
                audio_dir.file_name().unwrap_or_default().to_string_lossy()
            ),
            wire_format,
            bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualTrack {
    /// Half-width title (decoded Shift-JIS).
    pub title: String,
    #[serde(default)]
    pub full_width_title: String,
    pub mode: Mode,
    /// 1 mono, 2 stereo.
    pub channels: u8,
    pub duration_ms: u64,
    #[serde(default)]
    pub protected: bool,
    /// 8-byte track UUID in hex, as the secure session reports it.
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub audio: Option<AudioRef>,
}

impl VirtualTrack {
    pub fn new(title: &str, mode: Mode, channels: u8, duration_ms: u64) -> Self {
        let t = titles::prepare(title);
        Self {
            title: t.half_width,
            full_width_title: t.full_width.unwrap_or_default(),
            mode,
            channels,
            duration_ms,
            protected: false,
            uuid: String::new(),
            audio: None,
        }
    }

    /// SP-stereo time the track takes on the disc.
    pub fn sp_ms(&self) -> u64 {
        self.duration_ms / self.mode.space_factor(self.channels)
    }
}

/// Which recorder the deck acts as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeckModel {
    /// A recorder that only records, as nearly all NetMD units are.
    #[default]
    Generic,
    /// An MZ-RH1: reports its product id and sends tracks back to the computer.
    Rh1,
}

impl DeckModel {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "generic" => Some(Self::Generic),
            "rh1" | "mz-rh1" => Some(Self::Rh1),
            _ => None,
        }
    }

    #[allow(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's skip_serializing_if passes a reference"
    )]
    fn is_generic(&self) -> bool {
        *self == Self::Generic
    }
}

/// A MiniDisc: its size, protection tab, titles and tracks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualDisc {
    pub version: u32,
    /// 60, 74 or 80 minutes of SP.
    pub minutes: u32,
    pub write_protected: bool,
    /// The raw half-width disc title, group syntax included.
    pub title: String,
    #[serde(default)]
    pub full_width_title: String,
    pub tracks: Vec<VirtualTrack>,
    /// The simulated unit records mono SP when a send asks for it, like the recorders the id
    /// table flags `nativeMonoUpload`; other units refuse that disc format.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native_mono: bool,
    /// The recorder the deck acts as; kept with the disc so that reopening keeps it.
    #[serde(default, skip_serializing_if = "DeckModel::is_generic")]
    pub model: DeckModel,
}

impl VirtualDisc {
    pub fn blank(minutes: u32, write_protected: bool) -> Self {
        Self {
            version: FORMAT_VERSION,
            minutes,
            write_protected,
            title: String::new(),
            full_width_title: String::new(),
            tracks: Vec::new(),
            native_mono: false,
            model: DeckModel::Generic,
        }
    }

    /// A disc with a few tracks in SP, LP2 and LP4 (one mono), two groups and a full-width
    /// title: what `init-virtual --demo` and the app's demo mode use.
    pub fn demo(minutes: u32, write_protected: bool) -> Self {
        let mut disc = Self::blank(minutes, write_protected);
        disc.title = "0;Ministage Demo//1-3;Side A//4-5;ｻｲﾄﾞ B//".into();
        disc.full_width_title =
            "０；ミニステージ・デモ／／１－３；Ｓｉｄｅ　Ａ／／４－５；サイド　Ｂ／／".into();
        disc.tracks = vec![
            VirtualTrack::new("Morning Light", Mode::SP, 2, 215_000),
            VirtualTrack::new("Café au lait", Mode::SP, 2, 187_000),
            VirtualTrack::new("Slow River", Mode::LP2, 2, 301_000),
            VirtualTrack::new("東京の夜", Mode::LP2, 2, 254_000),
            VirtualTrack::new("Long Drive", Mode::LP4, 2, 612_000),
            VirtualTrack::new("Field Recording", Mode::SP, 1, 95_000),
        ];
        for (i, t) in disc.tracks.iter_mut().enumerate() {
            t.uuid = format!("{:016x}", 0x4d53_0000_0000_0001u64 + i as u64);
        }
        disc
    }

    pub fn total_ms(&self) -> u64 {
        u64::from(self.minutes) * 60_000
    }

    pub fn capacity(&self) -> Capacity {
        let used: u64 = self.tracks.iter().map(VirtualTrack::sp_ms).sum();
        let total = self.total_ms();
        Capacity {
            total_ms: total,
            used_ms: used,
            free_ms: total.saturating_sub(used),
        }
    }

    /// Title cells used (half-width area, full-width area).
    pub fn cells(&self) -> (u32, u32) {
        let half_len = |s: &str| titles::encode(s).len();
        cells_for(
            half_len(&self.title),
            half_len(&self.full_width_title),
            self.tracks
                .iter()
                .map(|t| (half_len(&t.title), half_len(&t.full_width_title), t.mode)),
        )
    }

    /// Checks what a real disc could never hold, so a hand-edited file fails loudly.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "disc file format {} is not supported (this ministage reads {FORMAT_VERSION})",
                self.version
            ));
        }
        if !matches!(self.minutes, 60 | 74 | 80) {
            return Err(format!(
                "a disc holds 60, 74 or 80 minutes, not {}",
                self.minutes
            ));
        }
        if self.tracks.len() > MAX_TRACKS {
            return Err(format!(
                "{} tracks (at most {MAX_TRACKS})",
                self.tracks.len()
            ));
        }
        let (half, full) = self.cells();
        if half > TITLE_CELLS || full > TITLE_CELLS {
            return Err(format!(
                "titles take {half}/{full} cells (at most {TITLE_CELLS})"
            ));
        }
        if self.capacity().used_ms > self.total_ms() {
            return Err("the tracks are longer than the disc".into());
        }
        Ok(())
    }
}
