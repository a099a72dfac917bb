//! Opening the library database and reading from it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags, Row};

use super::faults::{self, Unwritable};
use super::query::{Haystack, Query};
use super::schema;
use super::{LibraryError, PlaylistSummary, Track, TransferItem};

/// How long a statement waits for another process (a second ministage, an import running in the
/// background) to release its lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Switches the library to WAL, which lets the UI keep reading while an import writes.
/// SQLite answers "busy" at once, without waiting for the busy timeout, when another process
/// is switching the same new file at that moment; so this waits its turn itself.
fn enable_wal(conn: &Connection, path: &Path) -> Result<(), LibraryError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        // In-memory databases answer "memory", which is fine. A file another connection is
        // reading keeps its old mode, without an error.
        match conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get::<_, String>(0)) {
            Ok(mode) if mode == "wal" || mode == "memory" => return Ok(()),
            Ok(mode) if Instant::now() >= deadline => {
                tracing::warn!(path = %path.display(), mode, "cannot switch the library to WAL");
                return Ok(());
            }
            Err(e) if !faults::is_busy(&e) || Instant::now() >= deadline => {
                return Err(LibraryError::Open {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
            Ok(_) | Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// The SQLite music library.
#[derive(Debug)]
pub struct Library {
    pub(crate) conn: Connection,
    /// Kept to name the database in error messages.
    path: PathBuf,
    /// Why the library was opened for reading only, if it was.
    read_only: Option<Unwritable>,
}

impl Library {
    /// Opens (creating if needed) the database at `path`, creating its parent folders, and
    /// upgrades its schema.
    ///
    /// Only an empty (or absent) file becomes a new library; any other file that is not a
    /// ministage library is refused ([`LibraryError::NotOurs`]) and left as it was. On a full
    /// disk or read-only media the library is opened for reading only, and changes fail with
    /// [`LibraryError::DiskFull`] or [`LibraryError::ReadOnly`].
    pub fn open(path: &Path) -> Result<Library, LibraryError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| LibraryError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let err = match Self::open_read_write(path) {
            Ok(lib) => return Ok(lib),
            Err(err) => err,
        };
        let Some(why) = faults::unwritable(&err, path) else {
            return Err(err);
        };
        match Self::open_unchanging(path, why) {
            Ok(lib) => {
                tracing::warn!(path = %path.display(), ?why, "library opened read-only");
                Ok(lib)
            }
            Err(refused @ (LibraryError::NotOurs { .. } | LibraryError::SchemaTooNew { .. })) => {
                Err(refused)
            }
            Err(other) => {
                tracing::debug!(error = %other, "read-only fallback failed");
                Err(why.error(path))
            }
        }
    }

    fn open_read_write(path: &Path) -> Result<Library, LibraryError> {
        let open_err = |source| LibraryError::Open {
            path: path.to_path_buf(),
            source,
        };
        // Look before touching: a file that is not ours is refused through a read-only
        // connection, which cannot change it (not even by checkpointing its WAL on close).
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(open_err)?;
            conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
            schema::inspect(&conn, path)?;
        }
        let conn = Connection::open(path).map_err(open_err)?;
        Self::configure(conn, path.to_path_buf())
    }

    /// Where the WAL index cannot be created (a full disk, read-only media), a library whose
    /// WAL is empty (every ministage closed cleanly) is complete in its main file, and is read
    /// from it directly.
    fn open_unchanging(path: &Path, why: Unwritable) -> Result<Library, LibraryError> {
        let mut wal = path.as_os_str().to_os_string();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(why.error(path));
        }
        let uri = faults::file_uri(path, "immutable=1").ok_or_else(|| why.error(path))?;
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|source| LibraryError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::read_only_library(conn, path, why)
    }

    /// A library that is used as it is: it must be ours, marked and up to date.
    fn read_only_library(
        conn: Connection,
        path: &Path,
        why: Unwritable,
    ) -> Result<Library, LibraryError> {
        let lib = Library {
            conn,
            path: path.to_path_buf(),
            read_only: Some(why),
        };
        let found = schema::inspect(&lib.conn, path)?;
        if !found.is_current() {
            return Err(lib.read_only_error());
        }
        lib.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| lib.db_err(e))?;
        Ok(lib)
    }

    /// A private database that lives only as long as the value; for tests and the demo.
    pub fn open_in_memory() -> Result<Library, LibraryError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| LibraryError::Open {
            path: path.clone(),
            source,
        })?;
        Self::configure(conn, path)
    }

    fn configure(mut conn: Connection, path: PathBuf) -> Result<Library, LibraryError> {
        let open_err = |source| LibraryError::Open {
            path: path.clone(),
            source,
        };
        // The timeout goes first so that the pragmas below already wait for other processes.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Checked again now that the file is open for writing (it may have been absent, or
        // changed since), and before any pragma that writes.
        schema::inspect(&conn, &path)?;
        if conn.is_readonly(MAIN_DB).map_err(open_err)? {
            // SQLite opens a file it may not write read-only, without a word.
            return Self::read_only_library(conn, &path, Unwritable::NotWritable);
        }
        enable_wal(&conn, &path)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Library {
            conn,
            path,
            read_only: None,
        })
    }

    /// True when the library was opened for reading only (a full disk, a file or folder that
    /// cannot be written); every change then fails with [`Library::check_writable`]'s error.
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// Succeeds when a change to the library can be saved now: call it before changing
    /// anything outside the database (tag writes), so that a read-only library refuses the
    /// whole job instead of failing halfway.
    pub fn check_writable(&self) -> Result<(), LibraryError> {
        if self.read_only.is_some() {
            return Err(self.read_only_error());
        }
        // Taking the write lock, without writing, proves the file and its folder writable.
        self.conn
            .execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
            .map_err(|e| self.db_err(e))
    }

    fn read_only_error(&self) -> LibraryError {
        self.read_only
            .unwrap_or(Unwritable::NotWritable)
            .error(&self.path)
    }

    /// The database file (`:memory:` for an in-memory library).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn db_err(&self, source: rusqlite::Error) -> LibraryError {
        let code = source.sqlite_error_code();
        if code == Some(ErrorCode::ReadOnly) && self.read_only.is_some() {
            return self.read_only_error();
        }
        let err = LibraryError::Database {
            path: self.path.clone(),
            source,
        };
        if code == Some(ErrorCode::DiskFull) {
            return Unwritable::DiskFull.error(&self.path);
        }
        faults::unwritable(&err, &self.path).map_or(err, |why| why.error(&self.path))
    }

    /// Every track, including those whose file is missing, in browsing order: album artist,
    /// album, disc, track number, title (names in natural order,
    /// [`natural_key`](crate::text::natural_key)).
    pub fn all_tracks(&self) -> Result<Vec<Track>, LibraryError> {
        let mut tracks = self.all_tracks_unordered()?;
        Track::sort_for_browsing(&mut tracks);
        Ok(tracks)
    }

    /// Every track in storage order, for callers that sort for themselves (the UI builds its
    /// own tree): skipping SQLite's sort makes loading a large library markedly faster.
    pub fn all_tracks_unordered(&self) -> Result<Vec<Track>, LibraryError> {
        let read = || -> rusqlite::Result<Vec<Track>> {
            let mut stmt = self.conn.prepare_cached(TRACK_SELECT)?;
            let rows = stmt.query_map([], track_from_row)?;
            rows.collect()
        };
        read().map_err(|e| self.db_err(e))
    }

    /// A number that changes whenever any connection, in any process, changes a track, a
    /// playlist or a playlist entry (not the transfer queue): a reader that remembers it can
    /// tell cheaply whether its copy of the library is stale.
    pub fn generation(&self) -> Result<i64, LibraryError> {
        self.conn
            .query_row("SELECT n FROM library_generation WHERE id = 1", [], |row| {
                row.get(0)
            })
            .map_err(|e| self.db_err(e))
    }

    /// The tracks matching `query`, in the order of [`Library::all_tracks`]; tracks whose file is
    /// missing are left out.
    pub fn query(&self, query: &Query) -> Result<Vec<Track>, LibraryError> {
        let mut tracks = self.all_tracks()?;
        tracks.retain(|t| !t.missing && query.matches(&Haystack::new(t)));
        Ok(tracks)
    }

    /// Sets the title, number and grouping of an imported track whose format has no room for
    /// them (a received `.aea` or `.at3`), as text from the recorder, cleaned here. They hold
    /// until the file changes and is read again. Returns false when no track has that path.
    pub fn set_stored_tags(
        &self,
        path: &Path,
        title: &str,
        track_number: Option<u32>,
        grouping: &str,
    ) -> Result<bool, LibraryError> {
        self.check_writable()?;
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let Some(key) = key.to_str() else {
            return Ok(false);
        };
        let changed = self
            .conn
            .execute(
                "UPDATE tracks SET title = ?2, track_number = ?3, grouping = ?4 WHERE path = ?1",
                rusqlite::params![
                    key,
                    crate::text::clean(title),
                    track_number,
                    crate::text::clean(grouping)
                ],
            )
            .map_err(|e| self.db_err(e))?;
        Ok(changed > 0)
    }

    /// The number of tracks known, including missing ones.
    pub fn track_count(&self) -> Result<u64, LibraryError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM tracks", [], |row| row.get(0))
            .map_err(|e| self.db_err(e))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// All playlists by name (in natural order, [`natural_key`](crate::text::natural_key)),
    /// with their length and total duration.
    pub fn playlists(&self) -> Result<Vec<PlaylistSummary>, LibraryError> {
        let mut playlists = self.read_playlists().map_err(|e| self.db_err(e))?;
        playlists.sort_by_cached_key(|p| (crate::text::natural_key(&p.name), p.id));
        Ok(playlists)
    }

    fn read_playlists(&self) -> rusqlite::Result<Vec<PlaylistSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.name, count(e.track_id), coalesce(sum(t.duration_ms), 0)
             FROM playlists p
             LEFT JOIN playlist_entries e ON e.playlist_id = p.id
             LEFT JOIN tracks t ON t.id = e.track_id
             GROUP BY p.id
             ORDER BY p.name COLLATE NOCASE, p.id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(PlaylistSummary {
                id: row.get(0)?,
                name: row.get(1)?,
                track_count: to_u32(row.get(2)?).unwrap_or(0),
                duration_ms: to_u64(row.get(3)?),
            })
        })?;
        rows.collect()
    }

    /// The transfer queue in queue order.
    pub fn transfer_items(&self) -> Result<Vec<TransferItem>, LibraryError> {
        self.read_transfer_items().map_err(|e| self.db_err(e))
    }

    fn read_transfer_items(&self) -> rusqlite::Result<Vec<TransferItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, position, track_id, title, mode, state, error
             FROM transfer_items ORDER BY position, id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(TransferItem {
                id: row.get(0)?,
                position: to_u32(row.get(1)?).unwrap_or(0),
                track_id: row.get(2)?,
                title: row.get(3)?,
                mode: row.get(4)?,
                state: row.get(5)?,
                error: row.get(6)?,
            })
        })?;
        rows.collect()
    }
}

pub(crate) const TRACK_SELECT: &str =
    "SELECT t.id, t.path, t.title, t.artist, coalesce(al.title, ''),
        CASE WHEN t.album_artist <> '' THEN t.album_artist ELSE t.artist END AS eff_aa,
        t.track_number, t.disc_number, t.year, t.genre, t.duration_ms, t.codec,
        t.sample_rate, t.channels, t.bitrate_kbps, t.missing, t.mode, t.protected, t.grouping
     FROM tracks t LEFT JOIN albums al ON al.id = t.album_id";

pub(crate) fn track_from_row(row: &Row<'_>) -> rusqlite::Result<Track> {
    let path: String = row.get(1)?;
    Ok(Track {
        id: row.get(0)?,
        path: PathBuf::from(path),
        title: row.get(2)?,
        artist: row.get(3)?,
        album: row.get(4)?,
        album_artist: row.get(5)?,
        track_number: row.get::<_, Option<i64>>(6)?.and_then(to_u32),
        disc_number: row.get::<_, Option<i64>>(7)?.and_then(to_u32),
        year: row
            .get::<_, Option<i64>>(8)?
            .and_then(|y| i32::try_from(y).ok()),
        genre: row.get(9)?,
        duration_ms: to_u64(row.get(10)?),
        codec: row.get(11)?,
        sample_rate: row.get::<_, Option<i64>>(12)?.and_then(to_u32),
        channels: row
            .get::<_, Option<i64>>(13)?
            .and_then(|c| u8::try_from(c).ok()),
        bitrate_kbps: row.get::<_, Option<i64>>(14)?.and_then(to_u32),
        missing: row.get::<_, i64>(15)? != 0,
        mode: row.get(16)?,
        protected: row.get::<_, i64>(17)? != 0,
        grouping: row.get(18)?,
    })
}

// The database may have been edited by hand; out-of-range numbers become "unknown" rather than
// errors.
fn to_u32(v: i64) -> Option<u32> {
    u32::try_from(v).ok()
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
