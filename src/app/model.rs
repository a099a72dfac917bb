//! The one model of the application. Only `update` changes it; `ui::view` reads it.

use std::path::PathBuf;

use crate::app::device::DeviceState;
use crate::app::library::LibraryState;
use crate::app::overlay::Overlay;
use crate::app::playback::Playback;
use crate::app::playlists::PlaylistsState;
use crate::app::transfers::TransfersState;
use crate::app::viewport::Viewport;
use crate::config::{KeyMap, Settings};
use crate::theme::Theme;
use library::TagEditBatch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Library,
    Playlists,
    Device,
    Transfers,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Library,
        Pane::Playlists,
        Pane::Device,
        Pane::Transfers,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Library => "Library",
            Pane::Playlists => "Playlists",
            Pane::Device => "Device",
            Pane::Transfers => "Transfers",
        }
    }

    pub fn number(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    #[must_use]
    pub fn next(self) -> Pane {
        Self::ALL[self.number() % Self::ALL.len()]
    }

    #[must_use]
    pub fn prev(self) -> Pane {
        Self::ALL[(self.number() + Self::ALL.len() - 2) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: Level,
    pub text: String,
}

/// A background import as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportJob {
    pub done: usize,
    pub total: usize,
    pub current: String,
}

#[derive(Debug)]
pub struct Model {
    pub focus: Pane,
    pub library: LibraryState,
    pub playback: Playback,
    pub device: DeviceState,
    pub playlists: PlaylistsState,
    /// The last tag edit, for `u`.
    pub undo: Option<TagEditBatch>,
    /// Whether the import preview writes tags into the files (config `library.write_tags`).
    pub write_tags: bool,
    pub transfers: TransfersState,
    pub overlay: Overlay,
    pub keymap: KeyMap,
    pub theme: Theme,
    /// Draw borders and symbols with ASCII only, for terminals without Unicode line drawing.
    pub ascii: bool,
    /// What the terminal shows of each pane, as the shell last measured it.
    pub viewport: Viewport,
    /// The home folder, for `~/` in typed paths (found by the shell; the core reads no
    /// environment).
    pub home: Option<PathBuf>,
    pub status: Option<Status>,
    pub import: Option<ImportJob>,
    /// The folder the import dialog offers first.
    pub music_dir: PathBuf,
    pub library_path: PathBuf,
    pub quit: bool,
}

impl Model {
    pub fn new(settings: &Settings, keymap: KeyMap, theme: Theme, library_path: PathBuf) -> Self {
        let music_dir = settings
            .library
            .music_dir
            .clone()
            .unwrap_or_else(crate::paths::default_music_dir);
        Self {
            focus: Pane::Library,
            library: LibraryState::new(settings.ui.view, settings.ui.sort),
            playback: Playback::new(settings.audio.volume, 0x9e37_79b9_7f4a_7c15),
            device: DeviceState::default(),
            playlists: PlaylistsState::default(),
            undo: None,
            write_tags: settings.library.write_tags,
            transfers: TransfersState {
                default_mode: settings.transfer.mode,
                title_template: settings.transfer.title.clone(),
                receive_dir: settings.receive.dir.clone(),
                receive_format: settings.receive.format,
                ..TransfersState::default()
            },
            overlay: Overlay::None,
            keymap,
            theme,
            ascii: settings.ui.ascii_only,
            viewport: Viewport::default(),
            home: None,
            status: None,
            import: None,
            music_dir,
            library_path,
            quit: false,
        }
    }

    /// Rows of list content `pane` shows now.
    pub fn page(&self, pane: Pane) -> usize {
        match pane {
            Pane::Library => self.library.page(self.viewport.library),
            other => self.viewport.rows(other),
        }
    }

    /// Without a sound output, play keys say why nothing happens instead of failing silently.
    /// Returns whether playing must be refused.
    pub fn refuse_without_audio(&mut self) -> bool {
        match self.playback.audio_error.clone() {
            Some(reason) => {
                self.set_status(Level::Warning, reason);
                true
            }
            None => false,
        }
    }

    pub fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(Status {
            level,
            text: text.into(),
        });
    }
}
