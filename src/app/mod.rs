//! The Elm-style application core: one [`Model`], [`Msg`]s in, a pure [`update`], and
//! [`Effect`]s that the runtime carries out in workers off the UI thread.

mod catalog;
mod cursor;
mod device_state;
mod device_update;
mod import_preview;
mod library_state;
mod library_update;
mod library_worker;
mod model;
mod msg;
mod path_completion;
mod playback;
mod playlists_state;
mod runtime;
pub mod stderr;
mod tag_editor;
mod terminal;
mod transfer_fit;
mod transfer_update;
mod transfers_state;
mod update;

pub use catalog::{AlbumNode, ArtistNode, Catalog, TreeRow};
pub use cursor::ListCursor;
pub use device_state::{DeviceRow, DeviceState, DeviceStatus};
pub use import_preview::{ImportPreview, PreviewField, PreviewRow};
pub use library_state::{FilterState, LibraryState, Listing};
pub use library_worker::{LibraryRequest, load_library};
pub use model::{
    ConfirmDialog, ImportDialog, ImportJob, Level, Model, Overlay, Pane, RenameDialog,
    RenameTarget, Status,
};
pub use msg::{Effect, LibraryData, LibraryOp, Msg, OpOutcome};
pub use playback::{PlayState, Playback, PlayerRequest, Repeat};
pub use playlists_state::{PlaylistRow, PlaylistsState};
pub use runtime::{RunOptions, run};
pub use tag_editor::{FieldInput, TagEditor, TagField};
pub use transfer_fit::{Fit, Planned, fit, planned};
pub use transfers_state::{SendProgress, TransfersState};
pub use update::update;

#[cfg(test)]
mod update_tests;
