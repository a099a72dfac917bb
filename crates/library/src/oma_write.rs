//! Tag writing for OpenMG files (`.oma`, `.omg`, `.aa3`) through the codec module's writer,
//! which replaces the file by a rename itself; this adds the library's checks around it.

use std::path::Path;

use super::atomic::{open_writable, parent_dir, remove_stale_temps, sync_dir};
use super::tag_write::{TagEdit, TagWriteError};
use crate::text::clean;
use atrac::{CodecError, TagUpdate};

/// Writes `edit` (already cleaned and checked) into the OpenMG file at `path`. OpenMG tags
/// have no disc number, so a disc edit is ignored.
pub(crate) fn write(path: &Path, edit: &TagEdit) -> Result<(), TagWriteError> {
    let (real, _, file) = open_writable(path)?;
    drop(file);
    remove_stale_temps(&parent_dir(&real));
    // The codec writer reads 0 as "remove", as the library does.
    let update = TagUpdate {
        title: edit.title.clone(),
        artist: edit.artist.clone(),
        album: edit.album.clone(),
        album_artist: edit.album_artist.clone(),
        genre: edit.genre.clone(),
        track: edit.track.map(|n| n.unwrap_or(0)),
        year: edit.year.map(|y| y.unwrap_or(0)),
    };
    if update == TagUpdate::default() {
        return Ok(());
    }
    atrac::write_oma_tags(&real, &update).map_err(|e| match e {
        CodecError::Io(source) => TagWriteError::Io {
            path: path.to_path_buf(),
            action: "cannot write",
            source,
        },
        other => TagWriteError::Unreadable {
            path: path.to_path_buf(),
            reason: clean(&format!("cannot write the OpenMG tag: {other}")),
        },
    })?;
    sync_dir(&parent_dir(&real));
    Ok(())
}
