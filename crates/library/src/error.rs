use std::path::PathBuf;

use thiserror::Error;

/// Failures of the library database itself. Problems with single audio files never end up here:
/// they are collected in [`crate::ImportReport::failed`].
#[derive(Debug, Error)]
pub enum LibraryError {
    #[error("cannot create the folder for the library database {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot open the library database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "the library database {} has schema version {found}, but this version of ministage only \
         knows versions up to {supported}; it was written by a newer ministage, please upgrade",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("cannot upgrade the library database {} to schema version {version}: {source}", path.display())]
    Migration {
        path: PathBuf,
        version: i64,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "{} is not a ministage library database ({reason}); it was left untouched: choose another \
         file for the library",
        path.display()
    )]
    NotOurs { path: PathBuf, reason: String },

    #[error(
        "the disk holding the library database {} is full: free some space and try again",
        path.display()
    )]
    DiskFull { path: PathBuf },

    #[error("the library database {} cannot be written: {reason}", path.display())]
    ReadOnly { path: PathBuf, reason: String },

    #[error("library database {}: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}
