//! The database schema as a list of numbered migrations. The number of migrations applied is kept
//! in `PRAGMA user_version`, so a database is upgraded by running the ones it has not seen yet.
//! Migrations are append-only: never edit one that has shipped, add a new one instead.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::LibraryError;
use crate::text::clean;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the full first schema, including the tables for playlists and the transfer queue so that
    // those features do not need a migration of their own.
    r"
    CREATE TABLE artists (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );

    CREATE TABLE albums (
        id              INTEGER PRIMARY KEY,
        title           TEXT NOT NULL,
        album_artist_id INTEGER NOT NULL REFERENCES artists(id),
        year            INTEGER,
        genre           TEXT NOT NULL DEFAULT '',
        UNIQUE (title, album_artist_id)
    );
    CREATE INDEX albums_by_artist ON albums(album_artist_id);

    CREATE TABLE tracks (
        id           INTEGER PRIMARY KEY,
        path         TEXT NOT NULL UNIQUE,
        album_id     INTEGER REFERENCES albums(id),
        title        TEXT NOT NULL DEFAULT '',
        artist       TEXT NOT NULL DEFAULT '',
        album_artist TEXT NOT NULL DEFAULT '',
        track_number INTEGER,
        disc_number  INTEGER,
        year         INTEGER,
        genre        TEXT NOT NULL DEFAULT '',
        duration_ms  INTEGER NOT NULL DEFAULT 0,
        codec        TEXT NOT NULL DEFAULT '',
        sample_rate  INTEGER,
        channels     INTEGER,
        bitrate_kbps INTEGER,
        file_size    INTEGER NOT NULL DEFAULT 0,
        mtime_ns     INTEGER NOT NULL DEFAULT 0,
        missing      INTEGER NOT NULL DEFAULT 0,
        added_at     INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE INDEX tracks_by_album ON tracks(album_id);

    CREATE TABLE playlists (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );

    CREATE TABLE playlist_entries (
        playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        track_id    INTEGER NOT NULL REFERENCES tracks(id),
        PRIMARY KEY (playlist_id, position)
    );
    CREATE INDEX playlist_entries_by_track ON playlist_entries(track_id);

    CREATE TABLE transfer_items (
        id         INTEGER PRIMARY KEY,
        position   INTEGER NOT NULL,
        track_id   INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
        title      TEXT NOT NULL DEFAULT '',
        mode       TEXT NOT NULL DEFAULT 'auto',
        state      TEXT NOT NULL DEFAULT 'queued',
        error      TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX transfer_items_by_position ON transfer_items(position);
    CREATE INDEX transfer_items_by_track ON transfer_items(track_id);
    ",
    // 2: the transfer queue keeps files that are not in the library, and its progress.
    r"
    ALTER TABLE transfer_items ADD COLUMN path TEXT NOT NULL DEFAULT '';
    ALTER TABLE transfer_items ADD COLUMN bytes_done INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE transfer_items ADD COLUMN bytes_total INTEGER NOT NULL DEFAULT 0;
    ",
    // 3: the MiniDisc mode of ATRAC files (LP2, LP4, SP, …) and OpenMG protection.
    r"
    ALTER TABLE tracks ADD COLUMN mode TEXT NOT NULL DEFAULT '';
    ALTER TABLE tracks ADD COLUMN protected INTEGER NOT NULL DEFAULT 0;
    ",
    // 4: a generation counter bumped by every change to tracks and playlists (not to the
    // transfer queue), so a running jukebox notices what another process changed.
    r"
    CREATE TABLE library_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
    INSERT INTO library_generation (id, n) VALUES (1, 0);
    CREATE TRIGGER tracks_added AFTER INSERT ON tracks
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER tracks_changed AFTER UPDATE ON tracks
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER tracks_removed AFTER DELETE ON tracks
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlists_added AFTER INSERT ON playlists
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlists_changed AFTER UPDATE ON playlists
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlists_removed AFTER DELETE ON playlists
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlist_entries_added AFTER INSERT ON playlist_entries
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlist_entries_changed AFTER UPDATE ON playlist_entries
        BEGIN UPDATE library_generation SET n = n + 1; END;
    CREATE TRIGGER playlist_entries_removed AFTER DELETE ON playlist_entries
        BEGIN UPDATE library_generation SET n = n + 1; END;
    ",
    // 5: the grouping (a work or a MiniDisc group's name), from the file's grouping tag or, for
    // formats without one (AEA, AT3), kept here only.
    r"
    ALTER TABLE tracks ADD COLUMN grouping TEXT NOT NULL DEFAULT '';
    ",
    // 6: the queue also receives tracks from the recorder (MZ-RH1): the disc track, and the
    // album and grouping it is filed under; `path` is then the file it is received into.
    r"
    ALTER TABLE transfer_items ADD COLUMN direction TEXT NOT NULL DEFAULT 'send';
    ALTER TABLE transfer_items ADD COLUMN disc_track INTEGER;
    ALTER TABLE transfer_items ADD COLUMN album TEXT NOT NULL DEFAULT '';
    ALTER TABLE transfer_items ADD COLUMN grouping TEXT NOT NULL DEFAULT '';
    ",
    // 7: a send's track as the recorder stored it, noted before the commit, so that after a
    // crash the disc can tell whether the item arrived (and it is not sent twice).
    r"
    ALTER TABLE transfer_items ADD COLUMN stored_track INTEGER;
    ALTER TABLE transfer_items ADD COLUMN stored_uuid TEXT;
    ",
];

/// `PRAGMA application_id` of every ministage library (`MnSt` in ASCII): a file without it is
/// only taken for one of ours when it is empty or was written by a ministage from before the
/// mark ([`inspect`]).
pub(crate) const APPLICATION_ID: i32 = 0x4D6E_5374;

/// The tables of the first migration: a database holding all of them under a schema version
/// of ours, but without the mark, was made by an earlier ministage.
const FIRST_TABLES: [&str; 6] = [
    "albums",
    "artists",
    "playlist_entries",
    "playlists",
    "tracks",
    "transfer_items",
];

/// What a database file holds, as far as opening it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing at all: a new library may be created in it.
    Empty,
    /// A ministage library at schema `version`; `marked` is false for one made before
    /// [`APPLICATION_ID`] existed.
    Ours { version: i64, marked: bool },
}

impl Found {
    /// True when the library needs no write to be used: marked and at the latest version.
    pub(crate) fn is_current(self) -> bool {
        self == Found::Ours {
            version: latest_version(),
            marked: true,
        }
    }
}

/// Tells whether the database is one of ours, without writing anything to it. Anything else
/// (another program's database, a file from a newer ministage) is an error naming the file.
pub(crate) fn inspect(conn: &Connection, path: &Path) -> Result<Found, LibraryError> {
    let open_err = |source| LibraryError::Open {
        path: path.to_path_buf(),
        source,
    };
    // One statement, so one snapshot: another process may be creating the schema meanwhile.
    let (app_id, version, objects): (i32, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .map_err(open_err)?;
    if app_id == APPLICATION_ID {
        check_not_newer(version, path)?;
        return Ok(Found::Ours {
            version,
            marked: true,
        });
    }
    let not_ours = |reason: String| LibraryError::NotOurs {
        path: path.to_path_buf(),
        reason,
    };
    if app_id != 0 {
        return Err(not_ours(format!(
            "it belongs to another program: application id {app_id:#010x}"
        )));
    }
    if objects == 0 && version == 0 {
        return Ok(Found::Empty);
    }
    let tables = table_names(conn).map_err(open_err)?;
    let has_first = FIRST_TABLES
        .iter()
        .all(|ours| tables.iter().any(|t| t == ours));
    if version > 0 && has_first {
        check_not_newer(version, path)?;
        return Ok(Found::Ours {
            version,
            marked: false,
        });
    }
    let reason = if tables.is_empty() {
        format!("it is not empty, but lacks ministage's tables and mark (schema version {version})")
    } else {
        let shown: Vec<String> = tables.iter().take(3).map(|t| clean(t)).collect();
        let shown = shown.join(", ");
        let more = tables.len().saturating_sub(3);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("it holds tables of another program: {shown}{more}")
    };
    Err(not_ours(reason))
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    rows.collect()
}

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    // The list is tiny; the conversion cannot fail in practice but must not panic either.
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the database up to [`latest_version`] and marks it as ours, refusing databases from a
/// newer build and files that are not ours.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), LibraryError> {
    if inspect(conn, path)?.is_current() {
        return Ok(());
    }
    loop {
        // IMMEDIATE takes the write lock up front, so two processes opening a fresh database at
        // once serialise here (busy timeout) instead of both applying the same migration; and
        // the file is inspected again under that lock, as another process may have changed it.
        let begin_err = |source| LibraryError::Migration {
            path: path.to_path_buf(),
            version: latest_version(),
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(begin_err)?;
        let (seen, marked) = match inspect(&tx, path)? {
            found if found.is_current() => return Ok(()),
            Found::Empty => (0, false),
            Found::Ours { version, marked } => (version, marked),
        };
        let version = if seen < latest_version() {
            seen + 1
        } else {
            seen
        };
        let migration_err = |source| LibraryError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        };
        if version > seen {
            let index = usize::try_from(version - 1).unwrap_or(usize::MAX);
            let sql = MIGRATIONS.get(index).copied().unwrap_or_default();
            tx.execute_batch(sql).map_err(migration_err)?;
            tx.pragma_update(None, "user_version", version)
                .map_err(migration_err)?;
        }
        if !marked {
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(migration_err)?;
        }
        tx.commit().map_err(migration_err)?;
        tracing::info!(path = %path.display(), version, "library database migrated");
    }
}

fn check_not_newer(found: i64, path: &Path) -> Result<(), LibraryError> {
    let supported = latest_version();
    if found > supported {
        return Err(LibraryError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    Ok(())
}
