//! Everything that can happen to the application, and everything it can ask the outside
//! world to do.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use super::catalog::Catalog;
use super::playback::PlayerRequest;
use crate::device_worker::{DeviceEvent, DeviceRequest};
use crate::transfer::{TransferEvent, TransferRequest};
use library::{
    ImportPlan, ImportReport, LibraryError, PlanReport, PlaylistError, PlaylistSummary,
    QueuedTransfer, TagEdit, TagEditBatch, Track,
};
use media::player::PlayerEvent;

/// The library as loaded by a worker.
#[derive(Debug)]
pub struct LibraryData {
    pub catalog: Arc<Catalog>,
    pub playlists: Vec<PlaylistSummary>,
    /// The tracks of each playlist, in `playlists` order.
    pub playlist_tracks: Vec<Vec<Track>>,
    /// Each playlist's present tracks as a catalog to play from, in `playlists` order.
    pub playlist_catalogs: Vec<Arc<Catalog>>,
    pub transfers: Vec<QueuedTransfer>,
}

/// Changes to the library that a worker carries out (they touch files or the database).
#[derive(Debug, Clone, PartialEq)]
pub enum LibraryOp {
    CreatePlaylist(String),
    RenamePlaylist {
        id: i64,
        name: String,
    },
    DeletePlaylist(i64),
    /// Adds tracks (by id) to the playlist called `name`, creating it when needed.
    AddToPlaylist {
        name: String,
        tracks: Vec<i64>,
    },
    /// Positions from 1.
    RemoveFromPlaylist {
        id: i64,
        position: u32,
    },
    MovePlaylistEntry {
        id: i64,
        from: u32,
        to: u32,
    },
    WriteTags {
        paths: Vec<PathBuf>,
        edit: TagEdit,
    },
    UndoTags(TagEditBatch),
}

/// What a finished library operation reports.
#[derive(Debug)]
pub struct OpOutcome {
    pub message: String,
    /// Problems with single files (the rest was done).
    pub problems: Vec<String>,
    /// A tag edit that `u` can undo.
    pub undo: Option<TagEditBatch>,
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    LibraryLoaded(Result<LibraryData, LibraryError>),
    ImportProgress {
        done: usize,
        total: usize,
        path: String,
    },
    ImportFinished(Result<ImportReport, LibraryError>),
    LibraryOpDone(Result<OpOutcome, PlaylistError>),
    /// The preview of an import is ready.
    ImportPlanned(Result<ImportPlan, LibraryError>),
    PlanApplied(Result<PlanReport, LibraryError>),
    /// The import dialog's path, completed by a worker.
    PathCompleted(String),
    Player(PlayerEvent),
    Device(DeviceEvent),
    Transfer(TransferEvent),
    /// No sound output could be opened; the reason is shown when play keys are used.
    AudioUnavailable(String),
    /// SIGTERM, SIGHUP (an SSH drop) or SIGINT: leave cleanly.
    Terminate,
}

/// Work `update` asks for; the runtime carries it out off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadLibrary,
    Import {
        roots: Vec<PathBuf>,
    },
    /// Read what importing `roots` would do, for the preview.
    PlanImport {
        roots: Vec<PathBuf>,
    },
    ApplyPlan {
        plan: Box<ImportPlan>,
        write_tags: bool,
    },
    CompletePath(String),
    Player(PlayerRequest),
    Device(DeviceRequest),
    Library(LibraryOp),
    Transfer(TransferRequest),
}
