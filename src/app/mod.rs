//! The Elm-style core: one [`Model`], [`Msg`]s in, a pure [`update`], and [`Effect`]s out.
//! Nothing here does I/O, reads the environment or starts threads: the shell
//! ([`crate::shell`]) carries the effects out in workers and answers with messages.
//!
//! One module per pane holds its state and its update ([`library`], [`playlists`],
//! [`device`], [`transfers`]), one per overlay ([`overlay`]); [`update`] dispatches by message
//! and by focus.

mod catalog;
mod cursor;
pub mod device;
pub mod library;
mod model;
mod msg;
pub mod overlay;
mod playback;
pub mod playlists;
pub mod transfers;
mod update;
mod viewport;

pub use catalog::{AlbumNode, ArtistNode, Catalog, TreeRow};
pub use cursor::ListCursor;
pub use device::{
    DeviceEvent, DeviceRequest, DeviceRow, DeviceState, DeviceStatus, DiscView, ExclusiveJob,
    HimdFacts, HimdTrack,
};
pub use library::{FilterState, LibraryState, Listing};
pub use model::{ImportJob, Level, Model, Pane, Status};
pub use msg::{Effect, LibraryData, LibraryMsg, LibraryOp, LibraryRequest, Msg, OpOutcome};
pub use overlay::{
    ConfirmDialog, FieldInput, ImportDialog, ImportPreview, Overlay, PreviewField, PreviewRow,
    RenameDialog, RenameTarget, TagEditor, TagField,
};
pub use playback::{PlayState, Playback, PlayerRequest, Repeat};
pub use playlists::{PlaylistRow, PlaylistsState};
pub use transfers::fit::{Fit, QueuePlan, fit, plan_queue, route_label};
pub use transfers::{SendProgress, TransfersState};
pub use update::update;
pub use viewport::Viewport;

#[cfg(test)]
mod update_tests;
