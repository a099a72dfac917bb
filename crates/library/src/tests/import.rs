use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::fixtures::{SAMPLE_RATE, Tags, tag_file, tagged_wav, wav_bytes, write_wav};
use crate::{
    AudioCodec, ImportOptions, ImportProgress, ImportReport, Library, Overrides, Query, TagEdit,
    Track, import,
};

fn run(lib: &mut Library, root: &Path) -> ImportReport {
    run_with(lib, root, &ImportOptions::default())
}

fn run_with(lib: &mut Library, root: &Path, opts: &ImportOptions) -> ImportReport {
    import(lib, &[root.to_path_buf()], opts, &|_| {}).unwrap()
}

fn by_title<'a>(tracks: &'a [Track], title: &str) -> &'a Track {
    tracks
        .iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("no track titled {title:?} in {tracks:#?}"))
}

fn count(lib: &Library, table: &str) -> i64 {
    lib.conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// A small library on disk: three tagged tracks on one album, one untagged file, a corrupt FLAC
/// and a text file.
fn sample_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Björk/Post");
    for (n, title) in [(1, "Army of Me"), (2, "Hyperballad")] {
        tagged_wav(
            &album,
            &format!("{n:02}.wav"),
            &Tags {
                title: Some(title),
                artist: Some("Björk"),
                album: Some("Post"),
                track: Some(n),
                date: Some("1995-06-13"),
                genre: Some("Electronic"),
                ..Tags::default()
            },
        );
    }
    tagged_wav(
        &album,
        "03.wav",
        &Tags {
            title: Some("Evil\u{1b}[31m Red\u{1b}]0;pwned\u{7}\tTitle"),
            artist: Some("Guest"),
            album: Some("Post"),
            album_artist: Some("Björk"),
            track: Some(3),
            disc: Some(1),
            ..Tags::default()
        },
    );
    write_wav(dir.path(), "Loose/07 - Untagged Song.wav");
    std::fs::write(
        dir.path().join("Loose/broken.flac"),
        b"this is not a flac stream at all, just text".repeat(20),
    )
    .unwrap();
    std::fs::write(dir.path().join("Loose/notes.txt"), b"hello").unwrap();
    dir
}

#[test]
fn first_import_reads_tags_properties_and_file_names() {
    let dir = sample_folder();
    let mut lib = Library::open_in_memory().unwrap();
    let report = run(&mut lib, dir.path());

    assert_eq!(report.added, 4, "{report:?}");
    assert_eq!(report.updated, 0);
    assert_eq!(report.unchanged, 0);
    assert_eq!(report.missing, 0);
    assert_eq!(report.ignored, 1, "notes.txt");
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert!(
        report
            .to_string()
            .starts_with("4 added, 0 updated, 0 skipped (unchanged), 1 failed"),
        "{report}"
    );

    let failure = report.failed[0].to_string();
    assert!(failure.contains("broken.flac: "), "{failure}");
    assert!(failure.contains("not a valid FLAC file: "), "{failure}");

    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), 4);

    let army = by_title(&tracks, "Army of Me");
    assert_eq!(army.artist, "Björk");
    assert_eq!(army.album, "Post");
    assert_eq!(army.album_artist, "Björk");
    assert_eq!(army.track_number, Some(1));
    assert_eq!(army.year, Some(1995));
    assert_eq!(army.genre, "Electronic");
    assert_eq!(army.codec, AudioCodec::Pcm);
    assert_eq!(army.sample_rate, Some(SAMPLE_RATE));
    assert_eq!(army.channels, Some(1));
    assert_eq!(army.duration_ms, 500);
    assert_eq!(army.bitrate_kbps, Some(128));
    assert!(!army.missing);
    assert!(army.path.is_absolute());
    assert!(army.path.exists());

    let evil = by_title(&tracks, "Evil Red Title");
    assert_eq!(evil.artist, "Guest");
    assert_eq!(evil.album_artist, "Björk");
    assert_eq!(evil.disc_number, Some(1));

    let untagged = by_title(&tracks, "Untagged Song");
    assert_eq!(untagged.track_number, Some(7));
    // No album tag: filed under its folder's name; the folder above is the imported one, so
    // no artist.
    assert_eq!(untagged.album, "Loose");
    assert_eq!(untagged.artist, "");

    // One album for the three Post tracks (Guest's track is filed under its album artist).
    let post_albums: i64 = lib
        .conn
        .query_row(
            "SELECT count(*) FROM albums WHERE title = 'Post'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(post_albums, 1);
    assert_eq!(count(&lib, "albums"), 2, "Post and the unknown album");
    assert_eq!(
        tracks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        [
            "Untagged Song",
            "Army of Me",
            "Hyperballad",
            "Evil Red Title"
        ],
        "browsing order: empty album artist first, then by disc and track"
    );
}

#[test]
fn reimport_is_incremental_and_tracks_changes() {
    let dir = sample_folder();
    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());

    let again = run(&mut lib, dir.path());
    assert_eq!(
        (again.added, again.updated, again.unchanged, again.missing),
        (0, 0, 4, 0),
        "{again}"
    );
    assert_eq!(again.failed.len(), 1, "the broken file is reported again");
    assert_eq!(lib.track_count().unwrap(), 4, "never duplicates");

    // Retag one file: its size changes.
    let hyper = dir.path().join("Björk/Post/02.wav");
    tag_file(
        &hyper,
        &Tags {
            title: Some("Hyperballad (Remix)"),
            artist: Some("Björk"),
            album: Some("Post"),
            track: Some(2),
            ..Tags::default()
        },
    );
    let report = run(&mut lib, dir.path());
    assert_eq!(
        (report.added, report.updated, report.unchanged),
        (0, 1, 3),
        "{report}"
    );
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), 4);
    by_title(&tracks, "Hyperballad (Remix)");

    // Touch another: same size, new mtime.
    let army = dir.path().join("Björk/Post/01.wav");
    let file = std::fs::File::options().write(true).open(&army).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    drop(file);
    let report = run(&mut lib, dir.path());
    assert_eq!(
        (report.added, report.updated, report.unchanged),
        (0, 1, 3),
        "{report}"
    );

    // Delete one: it stays known but is marked missing.
    let untagged = dir.path().join("Loose/07 - Untagged Song.wav");
    let saved = std::fs::read(&untagged).unwrap();
    std::fs::remove_file(&untagged).unwrap();
    let report = run(&mut lib, dir.path());
    assert_eq!((report.unchanged, report.missing), (3, 1), "{report}");
    assert!(
        report
            .to_string()
            .ends_with("1 missing, 1 ignored (not audio)"),
        "{report}"
    );
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), 4);
    assert!(by_title(&tracks, "Untagged Song").missing);
    let found = lib.query(&Query::parse("untagged").unwrap()).unwrap();
    assert!(found.is_empty(), "missing tracks are not query results");

    // It comes back: un-missed, still one row.
    std::fs::write(&untagged, saved).unwrap();
    let report = run(&mut lib, dir.path());
    assert_eq!(
        (report.added, report.updated, report.missing),
        (0, 1, 0),
        "{report}"
    );
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks.len(), 4);
    assert!(!by_title(&tracks, "Untagged Song").missing);
}

#[test]
fn importing_a_subfolder_does_not_mark_the_rest_missing() {
    let dir = sample_folder();
    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());
    let report = run(&mut lib, &dir.path().join("Loose"));
    assert_eq!((report.unchanged, report.missing), (1, 0), "{report}");
    assert!(lib.all_tracks().unwrap().iter().all(|t| !t.missing));
}

#[test]
fn overrides_apply_to_new_and_unchanged_files() {
    let dir = sample_folder();
    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());

    let opts = ImportOptions {
        overrides: Overrides {
            album: Some("Forced\u{1b}[1m Album".into()),
            album_artist: Some("Various".into()),
            year: Some(2020),
            genre: Some("Test".into()),
            artist: None,
        },
    };
    let report = run_with(&mut lib, dir.path(), &opts);
    assert_eq!((report.updated, report.unchanged), (4, 0), "{report}");
    let tracks = lib.all_tracks().unwrap();
    for t in &tracks {
        assert_eq!(t.album, "Forced Album");
        assert_eq!(t.album_artist, "Various");
        assert_eq!(t.year, Some(2020));
        assert_eq!(t.genre, "Test");
    }
    assert_eq!(by_title(&tracks, "Army of Me").artist, "Björk");
    assert_eq!(count(&lib, "albums"), 1, "old albums are dropped");
    assert_eq!(count(&lib, "artists"), 1, "old album artists are dropped");

    let report = run_with(&mut lib, dir.path(), &opts);
    assert_eq!((report.updated, report.unchanged), (0, 4), "{report}");

    // New files get them too.
    write_wav(dir.path(), "Loose/08 - New.wav");
    let report = run_with(&mut lib, dir.path(), &opts);
    assert_eq!((report.added, report.unchanged), (1, 4), "{report}");
    assert_eq!(
        by_title(&lib.all_tracks().unwrap(), "New").album,
        "Forced Album"
    );
}

#[test]
fn progress_reports_every_file_read_after_the_walk() {
    let dir = sample_folder();
    let mut lib = Library::open_in_memory().unwrap();
    let events: Mutex<Vec<ImportProgress>> = Mutex::new(Vec::new());
    let record = |p: ImportProgress| events.lock().unwrap().push(p);
    import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
        &record,
    )
    .unwrap();
    let events = events.into_inner().unwrap();
    assert_eq!(events.len(), 6, "{events:?}");
    assert_eq!(events[0].done, 0);
    assert_eq!(
        events[0].total, 5,
        "four WAVs and the broken FLAC need reading"
    );
    let mut done: Vec<usize> = events[1..].iter().map(|e| e.done).collect();
    done.sort_unstable();
    assert_eq!(done, [1, 2, 3, 4, 5]);
    assert!(
        events[1..]
            .iter()
            .all(|e| e.total == 5 && e.path.is_absolute())
    );
}

#[test]
fn roots_may_be_files_and_missing_roots_are_failures() {
    let dir = tempfile::tempdir().unwrap();
    let single = write_wav(dir.path(), "Artist Name - Single.wav");
    let nowhere = dir.path().join("nowhere");
    let mut lib = Library::open_in_memory().unwrap();
    let report = import(
        &mut lib,
        &[single.clone(), nowhere.clone()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!(report.added, 1, "{report}");
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].path, nowhere);
    assert!(
        report.failed[0]
            .to_string()
            .ends_with("nowhere: does not exist")
    );
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks[0].title, "Single");
    assert_eq!(
        tracks[0].artist, "Artist Name",
        "artist from the name when untagged"
    );
}

#[test]
fn zero_length_audio_still_imports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("silence.wav"), wav_bytes(0)).unwrap();
    let mut lib = Library::open_in_memory().unwrap();
    let report = run(&mut lib, dir.path());
    assert_eq!(report.added, 1, "{report} {:?}", report.failed);
    assert_eq!(lib.all_tracks().unwrap()[0].duration_ms, 0);
}

#[test]
fn tag_title_wins_over_the_file_name_but_name_fills_the_track_number() {
    let dir = tempfile::tempdir().unwrap();
    tagged_wav(
        dir.path(),
        "05 - Name Title.wav",
        &Tags {
            title: Some("Tag Title"),
            ..Tags::default()
        },
    );
    tagged_wav(
        dir.path(),
        "2-06 - Other Artist - Name Only.wav",
        &Tags {
            artist: Some("Tag Artist"),
            track: Some(9),
            ..Tags::default()
        },
    );
    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());
    let tracks = lib.all_tracks().unwrap();
    let tagged = by_title(&tracks, "Tag Title");
    assert_eq!(
        tagged.track_number, None,
        "the name is only used without a title tag"
    );
    let named = by_title(&tracks, "Name Only");
    assert_eq!(named.track_number, Some(9), "the tag's track number wins");
    assert_eq!(named.disc_number, Some(2));
    assert_eq!(named.artist, "Tag Artist", "the tag's artist wins");
}

#[test]
fn decomposed_file_names_are_stored_exactly_and_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let name = "Bjo\u{308}rk - Jo\u{301}ga.wav";
    let path = write_wav(dir.path(), name);
    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());
    let tracks = lib.all_tracks().unwrap();
    assert_eq!(tracks[0].title, "Jóga", "display text is NFC");
    assert_eq!(tracks[0].artist, "Björk");
    let expected: PathBuf = path.canonicalize().unwrap();
    assert_eq!(tracks[0].path, expected, "the path keeps its NFD bytes");
    assert!(std::fs::metadata(&tracks[0].path).is_ok());
    // Unchanged on re-import: the stored path matches the walked one byte for byte.
    assert_eq!(run(&mut lib, dir.path()).unchanged, 1);
}

#[test]
fn untagged_files_are_filed_by_folder_as_the_preview_proposes() {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Artist/Album");
    std::fs::create_dir_all(&album).unwrap();
    // FLAC, untagged: tags can be written into it later.
    for n in 1..=2 {
        let pcm = testkit::melody(n, 0.2, SAMPLE_RATE, 1);
        testkit::write_flac(&album.join(format!("track{n}.flac")), &pcm).unwrap();
    }
    write_wav(&dir.path().join("Loose"), "Song.wav");
    let mut lib = Library::open_in_memory().unwrap();
    let plan = crate::plan_import(&lib, &[dir.path().to_path_buf()], &|_| {}).unwrap();
    run(&mut lib, dir.path());
    let tracks = lib.all_tracks().unwrap();
    let filed = |title: &str| {
        let t = by_title(&tracks, title);
        (t.album.clone(), t.artist.clone(), t.track_number)
    };
    assert_eq!(filed("track1"), ("Album".into(), "Artist".into(), Some(1)));
    assert_eq!(filed("track2"), ("Album".into(), "Artist".into(), Some(2)));
    // Right under the imported folder: no artist.
    assert_eq!(filed("Song"), ("Loose".into(), String::new(), None));
    // The preview proposes the same.
    for proposed in &plan.albums {
        for t in &proposed.tracks {
            assert_eq!(
                filed(&t.title),
                (
                    proposed.fields.album.clone(),
                    t.artist.clone(),
                    t.track_number
                )
            );
        }
    }

    // A tag edit that leaves album and artist alone keeps the track in its folder's album.
    let path = by_title(&tracks, "track2").path.clone();
    let edit = TagEdit {
        genre: Some("Game".into()),
        ..TagEdit::default()
    };
    let outcome = lib.update_tags(&[path], &edit, &|_| {}).unwrap();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert!(
        outcome.not_in_library.is_empty(),
        "{:?}",
        outcome.not_in_library
    );
    let tracks = lib.all_tracks().unwrap();
    let edited = by_title(&tracks, "track2");
    assert_eq!(edited.genre, "Game");
    assert_eq!(
        (edited.album.as_str(), edited.artist.as_str()),
        ("Album", "Artist")
    );
    assert_eq!(count(&lib, "albums"), 2);
}

#[test]
fn grouping_comes_from_the_tag_or_is_kept_by_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let tagged = write_wav(dir.path(), "tagged.wav");
    let mut tag = lofty::tag::Tag::new(lofty::tag::TagType::Id3v2);
    tag.insert_text(lofty::tag::ItemKey::ContentGroup, "Side A".into());
    lofty::tag::TagExt::save_to_path(&tag, &tagged, lofty::config::WriteOptions::default())
        .unwrap();
    // An AEA file has no room for a grouping: the library keeps the one it is given.
    let aea = dir.path().join("01 - Recorded.aea");
    let mut bytes = vec![0u8; 2048];
    bytes[..4].copy_from_slice(&[0x00, 0x08, 0x00, 0x00]);
    bytes[264] = 1;
    bytes.extend(vec![0u8; 212 * 4]);
    std::fs::write(&aea, &bytes).unwrap();

    let mut lib = Library::open_in_memory().unwrap();
    run(&mut lib, dir.path());
    let tracks = lib.all_tracks().unwrap();
    let grouped = tracks
        .iter()
        .find(|t| t.path.ends_with("tagged.wav"))
        .unwrap();
    assert_eq!(grouped.grouping, "Side A");
    assert!(
        lib.set_stored_tags(&aea, "Recorded \u{1b}[31mlive", Some(7), "Side B")
            .unwrap()
    );
    assert!(
        !lib.set_stored_tags(&dir.path().join("nope.aea"), "x", None, "")
            .unwrap()
    );
    // A second import of the unchanged files keeps what was stored.
    run(&mut lib, dir.path());
    let tracks = lib.all_tracks().unwrap();
    let received = tracks
        .iter()
        .find(|t| t.path.ends_with("01 - Recorded.aea"))
        .unwrap();
    assert_eq!(
        (
            received.title.as_str(),
            received.track_number,
            received.grouping.as_str()
        ),
        ("Recorded live", Some(7), "Side B")
    );
}
