//! Faults from issue 12: other programs' databases, two first opens at once, files that are not
//! regular files, files without playable audio, temporary files left by interrupted writes.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::Connection;

use super::fixtures::write_wav;
use crate::schema::{APPLICATION_ID, MIGRATIONS, latest_version};
use crate::{ImportOptions, ImportReport, Library, LibraryError, TagEdit, import, write_tags};

fn import_folder(lib: &mut Library, root: &Path) -> ImportReport {
    import(
        lib,
        &[root.to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap()
}

fn application_id(lib: &Library) -> i32 {
    lib.conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap()
}

/// A database written by another program: `setup` runs on a fresh rollback-journal file.
fn foreign_db(dir: &Path, setup: &str) -> (PathBuf, Vec<u8>) {
    let path = dir.join("places.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch(setup)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// Opening `path` is refused with a message naming it, and nothing next to it or in it changed.
fn assert_refused_untouched(path: &Path, bytes: &[u8], expected: &str) {
    let err = Library::open(path).expect_err("another program's database must be refused");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(expected), "{message}");
    assert!(
        std::fs::read(path).unwrap() == bytes,
        "the file was changed"
    );
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["places.sqlite"], "files were left beside it");
}

#[test]
fn another_programs_database_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = foreign_db(
        dir.path(),
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);
         INSERT INTO moz_places (url) VALUES ('https://example.invalid/');",
    );
    assert_refused_untouched(&path, &bytes, "is not a ministage library database");
    let err = Library::open(&path).unwrap_err();
    assert!(err.to_string().contains("moz_places"), "{err}");

    // A mark of another program is enough to refuse, whatever the tables.
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = foreign_db(
        dir.path(),
        "PRAGMA application_id = 1234; CREATE TABLE notes (body TEXT);",
    );
    assert_refused_untouched(&path, &bytes, "application id 0x000004d2");
}

#[test]
fn refused_databases_are_not_switched_to_wal_first() {
    // Another program's file with its own `tracks` table…
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = foreign_db(
        dir.path(),
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, name TEXT);",
    );
    assert_refused_untouched(&path, &bytes, "tracks");

    // …and a schema version from the future, in rollback-journal mode.
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = foreign_db(
        dir.path(),
        &format!(
            "{} PRAGMA user_version = 999; PRAGMA application_id = {APPLICATION_ID};",
            MIGRATIONS[0]
        ),
    );
    assert_refused_untouched(&path, &bytes, "newer ministage");
}

#[test]
fn new_libraries_are_marked_and_empty_files_become_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let lib = Library::open(&path).unwrap();
    assert_eq!(application_id(&lib), APPLICATION_ID);
    assert!(!lib.is_read_only());
    drop(lib);
    let lib = Library::open(&path).unwrap();
    assert_eq!(lib.track_count().unwrap(), 0);
}

#[test]
fn libraries_of_earlier_versions_still_open_and_get_marked() {
    for version in [1, latest_version()] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            // As an earlier ministage left it: WAL, our tables, a user_version, no mark.
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            for sql in &MIGRATIONS[..usize::try_from(version).unwrap()] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO artists (id, name) VALUES (1, 'A');
                 INSERT INTO albums (id, title, album_artist_id) VALUES (1, 'Al', 1);
                 INSERT INTO tracks (path, album_id, title, added_at, updated_at)
                 VALUES ('/m/a.flac', 1, 'Kept', 0, 0);",
            )
            .unwrap();
            conn.pragma_update(None, "user_version", version).unwrap();
        }
        let lib = Library::open(&path).unwrap();
        assert_eq!(application_id(&lib), APPLICATION_ID, "version {version}");
        assert_eq!(lib.all_tracks().unwrap()[0].title, "Kept");
        let upgraded: i64 = lib
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(upgraded, latest_version());
    }
}

/// Another process holds `lock` on a new, empty library file for 300 ms while this one opens
/// it; the open must wait its turn and end with a library in WAL mode.
fn open_while_held(lock: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch(lock).unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.execute_batch("COMMIT").unwrap();
    });
    let opened = Library::open(&path);
    releaser.join().unwrap();
    let lib = opened.unwrap_or_else(|e| panic!("{lock}: {e}"));
    assert_eq!(application_id(&lib), APPLICATION_ID);
    let mode: String = lib
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "{lock}");
}

#[test]
fn creating_a_library_waits_while_another_process_holds_the_new_file() {
    // A second ministage creating the same library at that moment: SQLite answers "database
    // is locked" at once to the switch to WAL, without waiting for the busy timeout…
    open_while_held("BEGIN IMMEDIATE;");
    // …or, while the other only reads, leaves the file in rollback-journal mode without a word.
    open_while_held("BEGIN; SELECT count(*) FROM sqlite_master;");
}

#[test]
fn two_first_opens_at_once_both_succeed() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/library.sqlite3");
        let barrier = std::sync::Barrier::new(2);
        let results: Vec<Result<u64, LibraryError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        let lib = Library::open(&path)?;
                        lib.track_count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for result in results {
            assert!(result.is_ok(), "round {round}: {result:?}");
        }
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn tagging_a_named_pipe_is_refused_without_opening_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("song.flac");
    mkfifo(&fifo);
    let (done, finished) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let edit = TagEdit {
            title: Some("T".into()),
            ..TagEdit::default()
        };
        let mut lib = Library::open_in_memory().unwrap();
        let outcome = lib.update_tags(&[path], &edit, &|_| {});
        let _ = done
            .send(outcome.map(|o| o.failed.iter().map(ToString::to_string).collect::<Vec<_>>()));
    });
    let failed = finished
        .recv_timeout(Duration::from_secs(10))
        .expect("tagging a FIFO hangs")
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].contains("song.flac"), "{failed:?}");
    assert!(failed[0].contains("named pipe"), "{failed:?}");
}

#[cfg(unix)]
#[test]
fn import_names_the_special_files_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    write_wav(dir.path(), "real.wav");
    mkfifo(&dir.path().join("pipe.wav"));
    std::os::unix::fs::symlink("/dev/null", dir.path().join("device.mp3")).unwrap();
    let mut lib = Library::open_in_memory().unwrap();
    let report = import_folder(&mut lib, dir.path());
    assert_eq!(report.added, 1, "{report}");
    let mut failed: Vec<String> = report.failed.iter().map(ToString::to_string).collect();
    failed.sort();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed[0].contains("device.mp3: a character device"),
        "{failed:?}"
    );
    assert!(
        failed[1].contains("pipe.wav: a named pipe (FIFO)"),
        "{failed:?}"
    );
}

fn atrac_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/atrac")
        .join(name);
    std::fs::read(path).unwrap()
}

#[test]
fn files_without_playable_audio_are_reported_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let lp2 = atrac_fixture("music4s_lp2.oma");
    // Cut to 200 bytes: the header and a fraction of the first frame.
    std::fs::write(dir.path().join("cut.oma"), &lp2[..200]).unwrap();
    let at3 = atrac_fixture("music4s_lp2.at3");
    std::fs::write(dir.path().join("cut.at3"), &at3[..200]).unwrap();
    // A header that claims 8184-byte frames (the largest its ten bits can say).
    let mut lying = lp2.clone();
    lying[0x22] |= 0x03;
    lying[0x23] = 0xFF;
    std::fs::write(dir.path().join("lying.oma"), &lying).unwrap();
    std::fs::write(dir.path().join("good.oma"), &lp2).unwrap();

    let mut lib = Library::open_in_memory().unwrap();
    let report = import_folder(&mut lib, dir.path());
    let titles: Vec<String> = lib
        .all_tracks()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t.path.file_name().unwrap().to_string_lossy(),
                t.duration_ms
            )
        })
        .collect();
    assert_eq!(report.added, 1, "{report}: {titles:?} {:?}", report.failed);
    let mut failed: Vec<String> = report.failed.iter().map(ToString::to_string).collect();
    failed.sort();
    assert_eq!(failed.len(), 3, "{failed:?}");
    for (failure, name) in failed.iter().zip(["cut.at3", "cut.oma", "lying.oma"]) {
        assert!(failure.contains(name), "{failed:?}");
        assert!(failure.contains("no playable audio"), "{failed:?}");
    }
    let tracks = lib.all_tracks().unwrap();
    assert!(tracks[0].path.ends_with("good.oma"));
    assert!(tracks[0].duration_ms > 0);
}

/// A temporary file as an interrupted tag write leaves it, `age` old.
fn leftover(dir: &Path, name: &str, age: Duration) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, vec![0u8; 4096]).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
    path
}

#[test]
fn stale_temporary_files_of_ours_are_removed_at_the_next_write_or_import() {
    let hour = Duration::from_secs(3600);
    let dir = tempfile::tempdir().unwrap();
    let song = write_wav(dir.path(), "a.wav");
    let stale = leftover(dir.path(), ".ministage-Ab12Cd.tmp", hour);
    let stale_oma = leftover(dir.path(), ".ministage-tag-x9Y8z7", hour);
    // Someone else's, and one of ours still being written: both stay.
    let other = leftover(dir.path(), ".other-Ab12Cd.tmp", hour);
    let fresh = leftover(dir.path(), ".ministage-Zz99Yy.tmp", Duration::ZERO);
    let mut lib = Library::open_in_memory().unwrap();
    import_folder(&mut lib, dir.path());
    assert!(!stale.exists() && !stale_oma.exists(), "stale copies left");
    assert!(
        other.exists() && fresh.exists(),
        "removed what is not ours or not stale"
    );

    let stale = leftover(dir.path(), ".ministage-Qq11Ww.tmp", hour);
    let edit = TagEdit {
        title: Some("New".into()),
        ..TagEdit::default()
    };
    // A WAV cannot take tags, but the write still gets as far as the folder.
    let _ = write_tags(&song, &edit);
    let flac = dir.path().join("b.flac");
    testkit::write_flac(&flac, &testkit::melody(1, 0.2, 8000, 1)).unwrap();
    write_tags(&flac, &edit).unwrap();
    assert!(!stale.exists(), "stale copy left after a write");
    assert!(fresh.exists());
}
