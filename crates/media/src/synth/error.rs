//! The demo subsystem's error type, and the helper that makes every I/O
//! error name the file it concerns.

use std::io;
use std::path::{Path, PathBuf};

/// Why a demo file or library could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// An audio writer failed; its message already names the file.
    #[error(transparent)]
    Write(io::Error),
    /// A folder of the generated tree could not be created.
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// lofty could not recognise the file as an audio format it can tag.
    #[error("cannot tag {}: {source}", path.display())]
    Probe {
        path: PathBuf,
        #[source]
        source: lofty::error::FileParseError,
    },
    /// lofty refused to write the tag.
    #[error("cannot write tags to {}: {source}", path.display())]
    Tag {
        path: PathBuf,
        #[source]
        source: lofty::error::FileEncodingError,
    },
}

/// Writes `bytes` to `path`, naming the path in any error, since a bare
/// "permission denied" from a tree of thousands of files is useless.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(path, bytes).map_err(|e| named(path, &e))
}

/// Re-wraps `err` so its message starts with the file it concerns.
pub fn named(path: &Path, err: &io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

/// An `InvalidInput` error naming the file the caller asked for.
pub fn invalid(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: {why}", path.display()),
    )
}
