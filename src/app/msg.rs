//! Everything that can happen to the application, and everything it can ask the outside
//! world to do.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use super::catalog::Catalog;
use super::playback::PlayerRequest;
use crate::device::{DeviceEvent, DeviceRequest};
use crate::library::{ImportReport, PlaylistSummary, TransferItem};
use crate::player::PlayerEvent;

/// The library as loaded by a worker.
#[derive(Debug)]
pub struct LibraryData {
    pub catalog: Arc<Catalog>,
    pub playlists: Vec<PlaylistSummary>,
    pub transfers: Vec<TransferItem>,
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    LibraryLoaded(Result<LibraryData, String>),
    ImportProgress {
        done: usize,
        total: usize,
        path: String,
    },
    ImportFinished(Result<ImportReport, String>),
    Player(PlayerEvent),
    Device(DeviceEvent),
    /// No sound output could be opened; the reason is shown when play keys are used.
    AudioUnavailable(String),
    /// SIGTERM, SIGHUP (an SSH drop) or SIGINT: leave cleanly.
    Terminate,
}

/// Work `update` asks for; the runtime carries it out off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadLibrary,
    Import { roots: Vec<PathBuf> },
    Player(PlayerRequest),
    Device(DeviceRequest),
}
