//! The database schema as a list of numbered migrations. The number of migrations applied is kept
//! in `PRAGMA user_version`, so a database is upgraded by running the ones it has not seen yet.
//! Migrations are append-only: never edit one that has shipped, add a new one instead.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::LibraryError;

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
];

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    // The list is tiny; the conversion cannot fail in practice but must not panic either.
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the database up to [`latest_version`], refusing databases from a newer build.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), LibraryError> {
    let db_err = |source| LibraryError::Database {
        path: path.to_path_buf(),
        source,
    };
    let latest = latest_version();
    let current = user_version(conn).map_err(db_err)?;
    check_not_newer(current, path)?;
    if current == latest {
        return Ok(());
    }

    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        let migration_err = |source| LibraryError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        };
        // IMMEDIATE takes the write lock up front, so two processes opening a fresh database at
        // once serialise here (busy timeout) instead of both applying the same migration.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migration_err)?;
        let seen = user_version(&tx).map_err(migration_err)?;
        check_not_newer(seen, path)?;
        if seen >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(migration_err)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(migration_err)?;
        tx.commit().map_err(migration_err)?;
        tracing::info!(path = %path.display(), version, "library database migrated");
    }
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
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
