//! The typed settings that [`super::load`] produces.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Everything the configuration file, the environment and the command line can set.
///
/// `Settings::default()` equals what [`super::load`] returns when no file, variable or flag sets
/// anything (a unit test keeps it in step with `default.toml`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Settings {
    pub library: LibrarySettings,
    pub ui: UiSettings,
    /// Raw `[keys]` table: action name → key names. Turned into a
    /// [`KeyMap`](super::KeyMap) by [`KeyMap::from_config`](super::KeyMap::from_config), which
    /// also reports unknown actions and unparsable keys.
    pub keys: BTreeMap<String, Vec<String>>,
    pub log: LogSettings,
    pub audio: AudioSettings,
    pub transfer: TransferSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferSettings {
    /// `auto`, `sp`, `lp2` or `lp4`: the mode `t` queues with.
    pub mode: String,
    /// The track title on the disc: `{title}`, `{artist}`, `{album}`, `{track}` are replaced.
    pub title: String,
    /// When a whole album is sent to a disc without a title, title the disc with this
    /// template (over the album's tags); empty: leave the disc title alone.
    pub disc_title: String,
    /// Put a whole album sent at once into a group named after it.
    pub group_albums: bool,
}

impl Default for TransferSettings {
    fn default() -> Self {
        TransferSettings {
            mode: "auto".to_owned(),
            title: "{title}".to_owned(),
            disc_title: String::new(),
            group_albums: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioSettings {
    /// `default` (the sound device) or `null` (silent, consumed in real time).
    pub output: String,
    /// ReplayGain: `off`, `track` or `album`.
    pub replaygain: String,
    /// Added to the ReplayGain value, in dB.
    pub preamp_db: f32,
    /// Start-up volume, 0 to 100 (per cent).
    pub volume: u8,
}

impl Default for AudioSettings {
    fn default() -> Self {
        AudioSettings {
            output: "default".to_owned(),
            replaygain: "off".to_owned(),
            preamp_db: 0.0,
            volume: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibrarySettings {
    /// The SQLite library. `None`: [`crate::paths::default_library`] (in the XDG data dir).
    pub database: Option<PathBuf>,
    /// The folder the import dialog (`i`) offers first. `None`:
    /// [`crate::paths::default_music_dir`] (the XDG music dir, or `~/Music`).
    pub music_dir: Option<PathBuf>,
    /// The import preview writes the edited tags into the files too.
    pub write_tags: bool,
}

impl Default for LibrarySettings {
    fn default() -> Self {
        LibrarySettings {
            database: None,
            music_dir: None,
            write_tags: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiSettings {
    /// Theme name; resolved (with a warning for unknown names) by
    /// [`ThemeSet::resolve`](crate::ui::theme::ThemeSet::resolve).
    pub theme: String,
    pub view: LibraryView,
    pub sort: SortKey,
    /// Draw borders, tree guides and symbols with ASCII only, for fonts and consoles that lack
    /// box-drawing characters.
    pub ascii_only: bool,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            theme: "dark".to_owned(),
            view: LibraryView::Tree,
            sort: SortKey::Artist,
            ascii_only: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSettings {
    /// A tracing filter directive such as `info` or `ministage=debug,warn`.
    pub level: String,
    /// `None`: [`crate::paths::default_log_file`].
    pub file: Option<PathBuf>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".to_owned(),
            file: None,
        }
    }
}

/// How the library pane lists tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibraryView {
    /// Artist → album → track.
    #[default]
    Tree,
    /// One row per track.
    Flat,
}

impl LibraryView {
    pub const ALL: &[LibraryView] = &[LibraryView::Tree, LibraryView::Flat];

    /// The configuration spelling (`tree`, `flat`).
    pub fn name(self) -> &'static str {
        match self {
            LibraryView::Tree => "tree",
            LibraryView::Flat => "flat",
        }
    }

    /// For the status bar and help.
    pub fn label(self) -> &'static str {
        match self {
            LibraryView::Tree => "Tree",
            LibraryView::Flat => "Flat",
        }
    }
}

/// The column the library is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    #[default]
    Artist,
    Album,
    Title,
    Year,
    Duration,
    /// Import order.
    Added,
}

impl SortKey {
    /// In the order `o` cycles through them.
    pub const ALL: &[SortKey] = &[
        SortKey::Artist,
        SortKey::Album,
        SortKey::Title,
        SortKey::Year,
        SortKey::Duration,
        SortKey::Added,
    ];

    /// The next key in [`SortKey::ALL`], wrapping around.
    pub fn next(self) -> SortKey {
        let i = Self::ALL.iter().position(|&k| k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The configuration spelling (`artist`, `added`, …).
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Artist => "artist",
            SortKey::Album => "album",
            SortKey::Title => "title",
            SortKey::Year => "year",
            SortKey::Duration => "duration",
            SortKey::Added => "added",
        }
    }

    /// For the column header and status bar.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Artist => "Artist",
            SortKey::Album => "Album",
            SortKey::Title => "Title",
            SortKey::Year => "Year",
            SortKey::Duration => "Duration",
            SortKey::Added => "Date added",
        }
    }
}

/// The value did not name a variant; carries the accepted spellings for the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant {
    pub expected: String,
}

fn expected_list(names: impl Iterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = names.map(|n| format!("\"{n}\"")).collect();
    format!("one of {}", quoted.join(", "))
}

impl FromStr for LibraryView {
    type Err = UnknownVariant;

    /// Case-insensitive, because environment variables are often written in capitals.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownVariant {
                expected: expected_list(Self::ALL.iter().map(|v| v.name())),
            })
    }
}

impl FromStr for SortKey {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownVariant {
                expected: expected_list(Self::ALL.iter().map(|v| v.name())),
            })
    }
}

impl fmt::Display for LibraryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_cycles_through_all_and_wraps() {
        let mut k = SortKey::Artist;
        let mut seen = vec![k];
        for _ in 1..SortKey::ALL.len() {
            k = k.next();
            seen.push(k);
        }
        assert_eq!(seen, SortKey::ALL);
        assert_eq!(k.next(), SortKey::Artist);
    }

    #[test]
    fn enums_parse_case_insensitively_and_round_trip() {
        for &v in LibraryView::ALL {
            assert_eq!(v.name().parse::<LibraryView>(), Ok(v));
            assert_eq!(v.to_string().to_uppercase().parse::<LibraryView>(), Ok(v));
        }
        for &k in SortKey::ALL {
            assert_eq!(k.name().parse::<SortKey>(), Ok(k));
        }
        let err = "sideways".parse::<LibraryView>().unwrap_err();
        assert_eq!(err.expected, r#"one of "tree", "flat""#);
    }
}
