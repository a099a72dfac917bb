//! The one model of the application. Only `update` changes it; `ui::view` reads it.

use std::path::PathBuf;

use ratatui_textarea::TextArea;

use super::device_state::DeviceState;
use super::import_preview::ImportPreview;
use super::library_state::LibraryState;
use super::msg::Effect;
use super::playback::Playback;
use super::playlists_state::PlaylistsState;
use super::tag_editor::TagEditor;
use super::transfers_state::TransfersState;
use crate::config::{KeyMap, Settings};
use crate::ui::theme::Theme;
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

    pub fn next(self) -> Pane {
        Self::ALL[self.number() % Self::ALL.len()]
    }

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
pub struct ImportDialog {
    pub path: TextArea<'static>,
    pub error: Option<String>,
}

/// What a text dialog renames (or names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameTarget {
    Track(u32),
    Disc,
    Group(usize),
    NewGroup {
        first: u32,
        last: u32,
    },
    Playlist(i64),
    NewPlaylist,
    /// Add these tracks (by id) to the playlist named in the field.
    AddToPlaylist(Vec<i64>),
    /// The title a queued transfer gets on the disc.
    TransferTitle(i64),
}

impl RenameTarget {
    /// What saving the dialog with `text` does.
    pub fn effect(&self, text: String) -> Effect {
        use super::msg::LibraryOp as L;
        use crate::device_worker::DeviceRequest as D;
        match self.clone() {
            RenameTarget::Track(track) => Effect::Device(D::RenameTrack { track, title: text }),
            RenameTarget::Disc => Effect::Device(D::RenameDisc { title: text }),
            RenameTarget::Group(group) => Effect::Device(D::RenameGroup { group, name: text }),
            RenameTarget::NewGroup { first, last } => Effect::Device(D::CreateGroup {
                first,
                last,
                name: text,
            }),
            RenameTarget::Playlist(id) => Effect::Library(L::RenamePlaylist { id, name: text }),
            RenameTarget::NewPlaylist => Effect::Library(L::CreatePlaylist(text)),
            RenameTarget::AddToPlaylist(tracks) => {
                Effect::Library(L::AddToPlaylist { name: text, tracks })
            }
            RenameTarget::TransferTitle(id) => {
                Effect::Transfer(crate::transfer::TransferRequest::SetTitle { id, title: text })
            }
        }
    }
}

#[derive(Debug)]
pub struct RenameDialog {
    pub target: RenameTarget,
    pub heading: String,
    pub input: TextArea<'static>,
}

/// A yes/no question guarding something that cannot be undone.
#[derive(Debug)]
pub struct ConfirmDialog {
    pub message: String,
    pub effect: Effect,
}

/// What is drawn over the panes and takes the keyboard while open.
#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    Import(Box<ImportDialog>),
    Rename(Box<RenameDialog>),
    Confirm(Box<ConfirmDialog>),
    Tags(Box<TagEditor>),
    ImportPreview(Box<ImportPreview>),
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
    /// The terminal size in cells, as last reported.
    pub size: (u16, u16),
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
                default_mode: settings.transfer.mode.name().to_owned(),
                title_template: settings.transfer.title.clone(),
                ..TransfersState::default()
            },
            overlay: Overlay::None,
            keymap,
            theme,
            ascii: settings.ui.ascii_only,
            size: (80, 24),
            status: None,
            import: None,
            music_dir,
            library_path,
            quit: false,
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
