use rusqlite::params;

use crate::schema::latest_version;
use crate::{AtracMode, AudioCodec, Library, LibraryError, Query, TransferMode};

fn user_version(lib: &Library) -> i64 {
    lib.conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

fn table_names(lib: &Library) -> Vec<String> {
    let mut stmt = lib
        .conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Inserts a track directly, bypassing import, returning its id.
#[allow(clippy::too_many_arguments)]
fn insert_track(
    lib: &Library,
    path: &str,
    title: &str,
    artist: &str,
    album_artist: &str,
    album: &str,
    disc: Option<u32>,
    track: Option<u32>,
    missing: bool,
) -> i64 {
    let effective = if album_artist.is_empty() {
        artist
    } else {
        album_artist
    };
    lib.conn
        .execute(
            "INSERT INTO artists (name) VALUES (?1) ON CONFLICT DO NOTHING",
            [effective],
        )
        .unwrap();
    let artist_id: i64 = lib
        .conn
        .query_row("SELECT id FROM artists WHERE name = ?1", [effective], |r| {
            r.get(0)
        })
        .unwrap();
    lib.conn
        .execute(
            "INSERT INTO albums (title, album_artist_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![album, artist_id],
        )
        .unwrap();
    let album_id: i64 = lib
        .conn
        .query_row(
            "SELECT id FROM albums WHERE title = ?1 AND album_artist_id = ?2",
            params![album, artist_id],
            |r| r.get(0),
        )
        .unwrap();
    lib.conn
        .execute(
            "INSERT INTO tracks (path, album_id, title, artist, album_artist, disc_number,
                                 track_number, duration_ms, codec, missing, added_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1000, 'flac', ?8, 0, 0)",
            params![
                path,
                album_id,
                title,
                artist,
                album_artist,
                disc,
                track,
                missing
            ],
        )
        .unwrap();
    lib.conn.last_insert_rowid()
}

#[test]
fn fresh_database_gets_the_latest_schema() {
    let lib = Library::open_in_memory().unwrap();
    assert_eq!(user_version(&lib), latest_version());
    assert!(latest_version() >= 1);
    assert_eq!(
        table_names(&lib),
        [
            "albums",
            "artists",
            "library_generation",
            "playlist_entries",
            "playlists",
            "tracks",
            "transfer_items"
        ]
    );
    let fk: i64 = lib
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn open_creates_folders_uses_wal_and_reopening_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/library.db");
    {
        let lib = Library::open(&path).unwrap();
        assert_eq!(lib.path(), path);
        let mode: String = lib
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        insert_track(&lib, "/m/a.flac", "A", "X", "", "Al", None, Some(1), false);
    }
    let again = Library::open(&path).unwrap();
    assert_eq!(user_version(&again), latest_version());
    assert_eq!(again.track_count().unwrap(), 1);
    // A second process (here: a second connection) can open the same database meanwhile.
    let other = Library::open(&path).unwrap();
    assert_eq!(other.track_count().unwrap(), 1);
}

#[test]
fn a_database_from_a_newer_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    {
        let lib = Library::open(&path).unwrap();
        lib.conn
            .pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
    }
    let err = Library::open(&path).unwrap_err();
    assert!(
        matches!(err, LibraryError::SchemaTooNew { found, supported, .. }
            if found == latest_version() + 1 && supported == latest_version()),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("library.db"), "{message}");
    assert!(message.contains("newer"), "{message}");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = Library::open(&path).unwrap_err();
    assert!(err.to_string().contains("notes.db"), "{err}");
}

#[test]
fn all_tracks_falls_back_to_the_artist_and_sorts_for_browsing() {
    let lib = Library::open_in_memory().unwrap();
    insert_track(
        &lib,
        "/m/3.flac",
        "Zeta",
        "beta band",
        "",
        "Two",
        Some(1),
        Some(2),
        false,
    );
    insert_track(
        &lib,
        "/m/1.flac",
        "Yankee",
        "Alpha",
        "",
        "One",
        None,
        Some(2),
        false,
    );
    insert_track(
        &lib,
        "/m/2.flac",
        "Xray",
        "Alpha",
        "",
        "One",
        None,
        Some(1),
        false,
    );
    insert_track(
        &lib,
        "/m/4.flac",
        "Whisky",
        "Guest",
        "Beta Band",
        "Two",
        Some(1),
        Some(1),
        false,
    );
    insert_track(
        &lib,
        "/m/5.flac",
        "Victor",
        "beta band",
        "",
        "Two",
        Some(2),
        Some(1),
        true,
    );

    let tracks = lib.all_tracks().unwrap();
    let titles: Vec<&str> = tracks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Xray", "Yankee", "Whisky", "Zeta", "Victor"]);
    assert_eq!(
        tracks[0].album_artist, "Alpha",
        "empty album artist falls back"
    );
    assert_eq!(tracks[0].album, "One");
    assert_eq!(tracks[2].album_artist, "Beta Band");
    assert_eq!(tracks[2].artist, "Guest");
    assert!(tracks[4].missing);
    assert_eq!(tracks[4].disc_number, Some(2));
    assert_eq!(tracks[0].path.to_str(), Some("/m/2.flac"));
    assert_eq!(lib.track_count().unwrap(), 5);

    let found = lib.query(&Query::parse("beta").unwrap()).unwrap();
    let titles: Vec<&str> = found.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Whisky", "Zeta"], "missing tracks are left out");
    assert_eq!(lib.query(&Query::default()).unwrap().len(), 4);
}

#[test]
fn playlists_and_transfer_items_are_read_from_their_tables() {
    let lib = Library::open_in_memory().unwrap();
    assert!(lib.playlists().unwrap().is_empty());
    assert!(lib.transfer_items().unwrap().is_empty());

    let a = insert_track(&lib, "/m/a.flac", "A", "X", "", "Al", None, Some(1), false);
    let b = insert_track(&lib, "/m/b.flac", "B", "X", "", "Al", None, Some(2), false);
    lib.conn
        .execute_batch(
            "INSERT INTO playlists (id, name, created_at) VALUES (1, 'road', 0), (2, 'Empty', 0);",
        )
        .unwrap();
    lib.conn
        .execute(
            "INSERT INTO playlist_entries (playlist_id, position, track_id)
             VALUES (1, 0, ?1), (1, 1, ?2), (1, 2, ?1)",
            params![a, b],
        )
        .unwrap();
    lib.conn
        .execute(
            "INSERT INTO transfer_items (position, track_id, title, mode, state, error, created_at)
             VALUES (1, ?1, 'B', 'lp2', 'failed', 'disc full', 0), (0, ?2, 'A', 'sp', 'queued', NULL, 0)",
            params![b, a],
        )
        .unwrap();

    let playlists = lib.playlists().unwrap();
    assert_eq!(playlists.len(), 2);
    assert_eq!(playlists[0].name, "Empty");
    assert_eq!(playlists[0].track_count, 0);
    assert_eq!(playlists[0].duration_ms, 0);
    assert_eq!(playlists[1].name, "road");
    assert_eq!(playlists[1].track_count, 3);
    assert_eq!(playlists[1].duration_ms, 3000);

    let items = lib.transfer_items().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].title, "A");
    assert_eq!(items[0].track_id, Some(a));
    assert_eq!(items[0].error, None);
    assert_eq!(items[1].mode, TransferMode::Lp2);
    assert_eq!(items[1].state, "failed");
    assert_eq!(items[1].error.as_deref(), Some("disc full"));

    // Deleting a playlist takes its entries along.
    lib.conn
        .execute("DELETE FROM playlists WHERE id = 1", [])
        .unwrap();
    let entries: i64 = lib
        .conn
        .query_row("SELECT count(*) FROM playlist_entries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(entries, 0);
}

#[test]
fn many_tracks_load_in_one_query() {
    let mut lib = Library::open_in_memory().unwrap();
    let n = 20_000;
    {
        let tx = lib.conn.transaction().unwrap();
        tx.execute("INSERT INTO artists (id, name) VALUES (1, 'A')", [])
            .unwrap();
        tx.execute(
            "INSERT INTO albums (id, title, album_artist_id) VALUES (1, 'Al', 1)",
            [],
        )
        .unwrap();
        let mut stmt = tx
            .prepare(
                "INSERT INTO tracks (path, album_id, title, artist, track_number, added_at, updated_at)
                 VALUES (?1, 1, ?2, 'A', ?3, 0, 0)",
            )
            .unwrap();
        for i in 0..n {
            stmt.execute(params![format!("/m/{i:06}.flac"), format!("T{i}"), n - i])
                .unwrap();
        }
        drop(stmt);
        tx.commit().unwrap();
    }
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), n as usize);
    assert_eq!(tracks[0].track_number, Some(1));
    assert_eq!(tracks[0].title, format!("T{}", n - 1));
}

#[test]
fn codecs_and_modes_written_by_older_versions_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    {
        // A database as the first releases left it: schema 2, codecs as plain strings, no
        // mode column yet.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &crate::schema::MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO tracks (id, path, title, codec, added_at, updated_at) VALUES
                 (1, '/m/a.flac', 'A', 'flac', 0, 0),
                 (2, '/m/b.oma', 'B', 'atrac3', 0, 0),
                 (3, '/m/c.tta', 'C', 'tta', 0, 0),
                 (4, '/m/d.x', 'D', '', 0, 0),
                 (5, '/m/e.oma', 'E', 'atrac3plus', 0, 0);
             INSERT INTO transfer_items (position, track_id, title, mode, state, created_at)
                 VALUES (1, 2, 'B', 'lp2', 'queued', 0), (2, 3, 'C', 'hq', 'queued', 0);",
        )
        .unwrap();
    }
    let lib = Library::open(&path).unwrap();
    assert_eq!(user_version(&lib), latest_version());
    // The modes as version 3 stored them, and one this version does not know.
    lib.conn
        .execute_batch(
            "UPDATE tracks SET mode = 'LP2' WHERE id = 2;
             UPDATE tracks SET mode = 'hq' WHERE id = 3;
             UPDATE tracks SET mode = '352 kbps' WHERE id = 5;",
        )
        .unwrap();
    let mut tracks = lib.all_tracks_unordered().unwrap();
    tracks.sort_by_key(|t| t.id);
    let found: Vec<(AudioCodec, AtracMode)> = tracks
        .iter()
        .map(|t| (t.codec.clone(), t.mode.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (AudioCodec::Flac, AtracMode::NotAtrac),
            (AudioCodec::Atrac3, AtracMode::Lp2),
            (
                AudioCodec::Other("tta".into()),
                AtracMode::Other("hq".into())
            ),
            (AudioCodec::Other(String::new()), AtracMode::NotAtrac),
            (AudioCodec::Atrac3Plus, AtracMode::Kbps(352)),
        ]
    );
    let modes: Vec<TransferMode> = lib
        .transfer_queue()
        .unwrap()
        .iter()
        .map(|t| t.mode)
        .collect();
    assert_eq!(modes, [TransferMode::Lp2, TransferMode::Auto]);
    // Searching by codec still sees the stored name.
    let q = Query::parse("codec:tta").unwrap();
    assert_eq!(lib.query(&q).unwrap().len(), 1);
}

#[test]
fn all_tracks_lists_names_in_natural_order() {
    let lib = Library::open_in_memory().unwrap();
    for (path, title, artist, album) in [
        ("/m/a.flac", "Part 10", "Band", "Vol 10"),
        ("/m/b.flac", "part 2", "Band", "Vol 10"),
        ("/m/c.flac", "Part 1", "Band", "vol 2"),
        ("/m/d.flac", "x", "Band 10", "A"),
        ("/m/e.flac", "y", "band 9", "A"),
    ] {
        insert_track(&lib, path, title, artist, "", album, None, None, false);
    }
    let tracks = lib.all_tracks().unwrap();
    let rows: Vec<(&str, &str, &str)> = tracks
        .iter()
        .map(|t| (t.album_artist.as_str(), t.album.as_str(), t.title.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("Band", "vol 2", "Part 1"),
            ("Band", "Vol 10", "part 2"),
            ("Band", "Vol 10", "Part 10"),
            ("band 9", "A", "y"),
            ("Band 10", "A", "x"),
        ]
    );
}

#[test]
fn the_generation_moves_with_tracks_and_playlists_not_with_the_transfer_queue() {
    let lib = Library::open_in_memory().unwrap();
    let start = lib.generation().unwrap();
    let id = lib
        .enqueue_transfer(
            &crate::TransferSource::Path("/m/a.flac".into()),
            "A",
            crate::TransferMode::Auto,
        )
        .unwrap();
    assert!(id > 0);
    assert_eq!(
        lib.generation().unwrap(),
        start,
        "the queue is not the library"
    );
    let mut lib = lib;
    lib.create_playlist("Mix").unwrap();
    let after_playlist = lib.generation().unwrap();
    assert!(after_playlist > start);
    lib.delete_playlist(lib.playlist_by_name("Mix").unwrap().unwrap().id)
        .unwrap();
    assert!(lib.generation().unwrap() > after_playlist);
}
