//! Playlists: named, ordered lists of library tracks, and their `.m3u` / `.m3u8` files.
//!
//! Positions shown to people and taken by these functions are 1-based, as in the Playlists
//! pane and on the command line.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use thiserror::Error;

use super::db::{TRACK_SELECT, track_from_row};
use super::tag_edit::now_secs;
use super::{ImportOptions, Library, LibraryError, PlaylistSummary, Track, import, m3u};
use crate::text::clean;

/// One entry of a playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistEntry {
    /// 1-based.
    pub position: u32,
    pub track: Track,
}

/// An entry of an imported playlist file that did not become a playlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedEntry {
    /// 1-based line of the playlist file.
    pub line: usize,
    /// The file the entry names.
    pub path: PathBuf,
    pub reason: String,
}

/// What [`Library::import_playlist`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistImport {
    pub id: i64,
    pub name: String,
    /// Entries added to the playlist.
    pub added: usize,
    /// Of those, files that were not in the library and were imported into it.
    pub imported: usize,
    pub unresolved: Vec<UnresolvedEntry>,
}

#[derive(Debug, Error)]
pub enum PlaylistError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("there is no playlist named {name:?}")]
    NotFound { name: String },
    #[error("a playlist named {name:?} already exists")]
    NameTaken { name: String },
    #[error("a playlist needs a name")]
    EmptyName,
    #[error("playlist {name:?} has no entry {position} (it has {len})")]
    NoEntry {
        name: String,
        position: u32,
        len: usize,
    },
    #[error("{}: {source}", clean(&path.to_string_lossy()))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Library {
    /// The playlist called `name` (exactly).
    pub fn playlist_by_name(&self, name: &str) -> Result<Option<PlaylistSummary>, LibraryError> {
        Ok(self.playlists()?.into_iter().find(|p| p.name == name))
    }

    /// The id of the playlist called `name`, or [`PlaylistError::NotFound`].
    pub fn playlist_id(&self, name: &str) -> Result<i64, PlaylistError> {
        self.playlist_by_name(name)?
            .map(|p| p.id)
            .ok_or_else(|| PlaylistError::NotFound { name: name.into() })
    }

    /// Creates an empty playlist; returns its id.
    pub fn create_playlist(&mut self, name: &str) -> Result<i64, PlaylistError> {
        let name = checked_name(name)?;
        if self.playlist_by_name(&name)?.is_some() {
            return Err(PlaylistError::NameTaken { name });
        }
        self.conn
            .execute(
                "INSERT INTO playlists (name, created_at) VALUES (?1, ?2)",
                params![name, now_secs()],
            )
            .map_err(|e| self.db_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn rename_playlist(&mut self, id: i64, name: &str) -> Result<(), PlaylistError> {
        let name = checked_name(name)?;
        if self.playlist_by_name(&name)?.is_some_and(|p| p.id != id) {
            return Err(PlaylistError::NameTaken { name });
        }
        self.conn
            .execute(
                "UPDATE playlists SET name = ?2 WHERE id = ?1",
                params![id, name],
            )
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Deletes the playlist (never the tracks or files).
    pub fn delete_playlist(&mut self, id: i64) -> Result<(), LibraryError> {
        self.in_tx(|tx| {
            tx.execute("DELETE FROM playlist_entries WHERE playlist_id = ?1", [id])?;
            tx.execute("DELETE FROM playlists WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// The playlist's entries in order, with their tracks.
    pub fn playlist_entries(&self, id: i64) -> Result<Vec<PlaylistEntry>, LibraryError> {
        let read = || -> rusqlite::Result<Vec<PlaylistEntry>> {
            let ids = entry_ids(&self.conn, id)?;
            let mut stmt = self
                .conn
                .prepare_cached(&format!("{TRACK_SELECT} WHERE t.id = ?1"))?;
            let mut out = Vec::with_capacity(ids.len());
            for (n, track_id) in (1..).zip(ids) {
                let track = stmt.query_row([track_id], track_from_row)?;
                out.push(PlaylistEntry { position: n, track });
            }
            Ok(out)
        };
        read().map_err(|e| self.db_err(e))
    }

    /// Appends tracks (by id) to the playlist.
    pub fn add_to_playlist(&mut self, id: i64, track_ids: &[i64]) -> Result<(), LibraryError> {
        self.in_tx(|tx| {
            let mut ids = entry_ids(tx, id)?;
            ids.extend_from_slice(track_ids);
            store_entries(tx, id, &ids)
        })
    }

    /// Removes entry `position` (1-based).
    pub fn remove_playlist_entry(&mut self, id: i64, position: u32) -> Result<(), PlaylistError> {
        self.edit_entries(id, position, |ids, at| {
            ids.remove(at);
        })
    }

    /// Moves entry `from` to position `to` (both 1-based; `to` past the end means last).
    pub fn move_playlist_entry(
        &mut self,
        id: i64,
        from: u32,
        to: u32,
    ) -> Result<(), PlaylistError> {
        self.edit_entries(id, from, |ids, at| {
            let track = ids.remove(at);
            let to = usize::try_from(to.max(1) - 1)
                .unwrap_or(usize::MAX)
                .min(ids.len());
            ids.insert(to, track);
        })
    }

    fn edit_entries(
        &mut self,
        id: i64,
        position: u32,
        change: impl FnOnce(&mut Vec<i64>, usize),
    ) -> Result<(), PlaylistError> {
        let mut ids = entry_ids(&self.conn, id).map_err(|e| self.db_err(e))?;
        let at = usize::try_from(position).unwrap_or(usize::MAX);
        if at == 0 || at > ids.len() {
            let name: Option<String> = self
                .conn
                .query_row("SELECT name FROM playlists WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.db_err(e))?;
            return Err(PlaylistError::NoEntry {
                name: name.unwrap_or_default(),
                position,
                len: ids.len(),
            });
        }
        change(&mut ids, at - 1);
        Ok(self.in_tx(|tx| store_entries(tx, id, &ids))?)
    }

    /// Writes the playlist to `file` as an extended M3U in UTF-8, paths relative to the file's
    /// folder where possible. The file is replaced in one rename.
    pub fn export_playlist(&self, id: i64, file: &Path) -> Result<(), PlaylistError> {
        let io_err = |source| PlaylistError::Io {
            path: file.to_path_buf(),
            source,
        };
        let tracks: Vec<Track> = self
            .playlist_entries(id)?
            .into_iter()
            .map(|e| e.track)
            .collect();
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = dir.canonicalize().map_err(io_err)?;
        let text = m3u::format(&tracks, &dir);
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(io_err)?;
        std::io::Write::write_all(&mut temp, text.as_bytes()).map_err(io_err)?;
        temp.as_file().sync_all().map_err(io_err)?;
        temp.persist(file).map_err(|e| io_err(e.error))?;
        Ok(())
    }

    /// Creates a playlist from an `.m3u` / `.m3u8` file, named `name` or after the file. Entries
    /// are found in the library by path; a file on disk the library does not know is imported
    /// first. Entries that still do not resolve are listed in the result, never dropped
    /// silently.
    pub fn import_playlist(
        &mut self,
        file: &Path,
        name: Option<&str>,
    ) -> Result<PlaylistImport, PlaylistError> {
        let bytes = std::fs::read(file).map_err(|source| PlaylistError::Io {
            path: file.to_path_buf(),
            source,
        })?;
        let name = match name {
            Some(n) => n.to_string(),
            None => file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let name = checked_name(&name)?;
        if self.playlist_by_name(&name)?.is_some() {
            return Err(PlaylistError::NameTaken { name });
        }
        let dir = std::path::absolute(file)
            .ok()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .unwrap_or_default();

        let mut ids = Vec::new();
        let mut imported = 0;
        let mut unresolved = Vec::new();
        for entry in m3u::parse(&bytes) {
            let path = m3u::resolve(&entry.text, &dir);
            match self.resolve_entry(&path)? {
                Ok((track_id, was_imported)) => {
                    ids.push(track_id);
                    imported += usize::from(was_imported);
                }
                Err(reason) => unresolved.push(UnresolvedEntry {
                    line: entry.line,
                    path,
                    reason,
                }),
            }
        }
        let id = self.create_playlist(&name)?;
        self.add_to_playlist(id, &ids)?;
        for u in &unresolved {
            tracing::warn!(line = u.line, path = %u.path.display(), "playlist entry not found: {}", u.reason);
        }
        Ok(PlaylistImport {
            id,
            name,
            added: ids.len(),
            imported,
            unresolved,
        })
    }

    /// The library track for a playlist entry: (id, whether it had to be imported), or why not.
    fn resolve_entry(&mut self, path: &Path) -> Result<Result<(i64, bool), String>, LibraryError> {
        if let Some(id) = self.track_id(path)? {
            return Ok(Ok((id, false)));
        }
        if !path.is_file() {
            return Ok(Err("not in the library, and no such file".into()));
        }
        let report = import(
            self,
            &[path.to_path_buf()],
            &ImportOptions::default(),
            &|_| {},
        )?;
        if let Some(failure) = report.failed.first() {
            return Ok(Err(format!(
                "not in the library, and cannot be imported: {}",
                failure.reason
            )));
        }
        Ok(match self.track_id(path)? {
            Some(id) => Ok((id, true)),
            None => Err("not in the library, and not an audio file it can import".into()),
        })
    }

    fn track_id(&self, path: &Path) -> Result<Option<i64>, LibraryError> {
        let Some(key) = self.library_key(path)? else {
            return Ok(None);
        };
        self.conn
            .query_row("SELECT id FROM tracks WHERE path = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.db_err(e))
    }

    fn in_tx(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), LibraryError> {
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            f(&tx)?;
            tx.commit()
        })();
        result.map_err(|e| self.db_err(e))
    }
}

fn checked_name(name: &str) -> Result<String, PlaylistError> {
    let name = clean(name).trim().to_string();
    if name.is_empty() {
        return Err(PlaylistError::EmptyName);
    }
    Ok(name)
}

fn entry_ids(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT track_id FROM playlist_entries WHERE playlist_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    rows.collect()
}

/// Replaces the playlist's entries: rewriting them whole keeps positions contiguous without
/// fighting the (playlist, position) key during a shift.
fn store_entries(tx: &Transaction<'_>, id: i64, track_ids: &[i64]) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM playlist_entries WHERE playlist_id = ?1", [id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO playlist_entries (playlist_id, position, track_id) VALUES (?1, ?2, ?3)",
    )?;
    for (position, track_id) in (0_i64..).zip(track_ids) {
        insert.execute(params![id, position, track_id])?;
    }
    Ok(())
}
