//! The music library: a SQLite database of tracks, albums, artists, playlists and the transfer
//! queue; the import scanner that fills it; and the query language used by the filter and
//! `library list --query`. [`text`] sanitises and measures text that comes from files and
//! devices; [`panic_guard`] turns a tag reader's panic on one hostile file into an error.

#[macro_use]
mod column;

mod atomic;
mod codec;
mod db;
mod error;
mod faults;
mod filename;
mod import;
mod m3u;
mod oma_write;
pub mod panic_guard;
mod plan;
mod plan_apply;
mod playable;
mod playlists;
mod query;
mod report;
mod schema;
mod store;
mod tag_edit;
mod tag_write;
mod tags;
pub mod text;
mod track;
mod transfers;
mod walk;
mod wav;

#[cfg(test)]
pub(crate) mod tests;

pub use codec::{AtracMode, AudioCodec};
pub use db::Library;
pub use error::LibraryError;
pub use import::import;
pub use plan::{
    AlbumFields, DuplicateChoice, DuplicateKind, DuplicateOf, ImportPlan, ProposedAlbum,
    ProposedTrack, TrackField, plan_import,
};
pub use plan_apply::{PlanReport, apply_plan};
pub use playlists::{PlaylistEntry, PlaylistError, PlaylistImport, UnresolvedEntry};
pub use query::{Haystack, KNOWN_FIELDS, Query, QueryError};
pub use report::{ImportFailure, ImportOptions, ImportProgress, ImportReport, Overrides};
pub use tag_edit::{TagEditBatch, TagEditOutcome};
pub use tag_write::{TagEdit, TagValues, TagWriteError, read_tag_values, write_tags};
pub use track::{PlaylistSummary, Track, TransferItem};
pub use transfers::{QueuedTransfer, ReceiveOrder, TransferMode, TransferSource, TransferState};
