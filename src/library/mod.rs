//! The music library: a SQLite database of tracks, albums, artists, playlists and the transfer
//! queue; the import scanner that fills it; and the query language used by the filter and
//! `library list --query`.

mod db;
mod error;
mod filename;
mod import;
mod query;
mod report;
mod schema;
mod store;
mod tags;
mod track;
mod walk;
mod wav;

#[cfg(test)]
pub(crate) mod tests;

pub use db::Library;
pub use error::LibraryError;
pub use import::import;
pub use query::{Haystack, KNOWN_FIELDS, Query, QueryError};
pub use report::{ImportFailure, ImportOptions, ImportProgress, ImportReport, Overrides};
pub use track::{PlaylistSummary, Track, TransferItem};
