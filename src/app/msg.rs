//! Everything that can happen to the application, and everything it can ask the outside
//! world to do.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use crate::app::catalog::Catalog;
use crate::app::device::{DeviceEvent, DeviceRequest};
use crate::app::playback::PlayerRequest;
use crate::app::viewport::Viewport;
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

/// Everything that can happen to the application: keys and resizes from the terminal, and
/// each worker's answers, nested by where they come from.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal's size changed; the shell measured the panes.
    Resize(Viewport),
    Library(LibraryMsg),
    /// The import dialog's path, completed off the UI thread.
    PathCompleted(String),
    Player(PlayerEvent),
    Device(DeviceEvent),
    Transfer(TransferEvent),
    /// No sound output could be opened; the reason is shown when play keys are used.
    AudioUnavailable(String),
    /// SIGTERM, SIGHUP (an SSH drop) or SIGINT: leave cleanly.
    Terminate,
}

/// What the library worker answers.
#[derive(Debug)]
pub enum LibraryMsg {
    Loaded(Result<LibraryData, LibraryError>),
    ImportProgress {
        done: usize,
        total: usize,
        path: String,
    },
    ImportFinished(Result<ImportReport, LibraryError>),
    OpDone(Result<OpOutcome, PlaylistError>),
    /// The preview of an import is ready.
    ImportPlanned(Result<ImportPlan, LibraryError>),
    PlanApplied(Result<PlanReport, LibraryError>),
}

/// Work `update` asks for, by the worker that carries it out off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Library(LibraryRequest),
    /// Complete the import dialog's path (reads folders).
    CompletePath(String),
    Player(PlayerRequest),
    Device(DeviceRequest),
    Transfer(TransferRequest),
}

/// What the library worker is asked to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum LibraryRequest {
    /// Read the whole library again (coalesced with any other reload waiting).
    Load,
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
    /// A change; the worker answers with its outcome, then with the reloaded library.
    Op(LibraryOp),
    Shutdown,
}
