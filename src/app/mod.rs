//! The Elm-style application core: one [`Model`], [`Msg`]s in, a pure [`update`], and
//! [`Effect`]s that the runtime carries out in workers off the UI thread.

mod catalog;
mod cursor;
mod library_state;
mod model;
mod msg;
mod playback;
mod runtime;
mod terminal;
mod update;
mod workers;

pub use catalog::{AlbumNode, ArtistNode, Catalog, TreeRow};
pub use cursor::ListCursor;
pub use library_state::{FilterState, LibraryState, Listing};
pub use model::{ImportDialog, ImportJob, Level, Model, Overlay, Pane, Status};
pub use msg::{Effect, LibraryData, Msg};
pub use playback::{PlayState, Playback, PlayerRequest, Repeat};
pub use runtime::{RunOptions, run};
pub use update::update;
pub use workers::load_library;

#[cfg(test)]
mod update_tests;
