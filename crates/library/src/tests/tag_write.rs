//! Tag writing: round trips in every writable format checked by a second reader, the audio
//! unchanged, crash safety, read-only files, and library updates with undo.

use std::path::{Path, PathBuf};

use lofty::file::TaggedFileExt;
use lofty::tag::{Accessor, ItemKey};

use crate::atomic::FAIL_BEFORE_RENAME;
use crate::{ImportOptions, Library, TagEdit, TagWriteError, import, read_tag_values, write_tags};
use testkit::{
    TagSpec, melody, write_flac, write_silent_m4a, write_silent_mp3, write_silent_vorbis,
    write_tags as demo_tags,
};

fn decode(path: &Path) -> Vec<i16> {
    let mut decoder = media::player::source::open(path).unwrap();
    let mut out = Vec::new();
    while decoder.next_block(&mut out).unwrap() {}
    out
}

/// One file per writable format, tagged by the demo writer.
fn sample_files(dir: &Path) -> Vec<PathBuf> {
    let files = vec![
        dir.join("a.flac"),
        dir.join("a.mp3"),
        dir.join("a.ogg"),
        dir.join("a.m4a"),
    ];
    write_flac(&files[0], &melody(3, 0.5, 44_100, 2)).unwrap();
    write_silent_mp3(&files[1], 0.5, 44_100, 2).unwrap();
    write_silent_vorbis(&files[2], 0.5, 44_100, 2).unwrap();
    write_silent_m4a(&files[3], 0.5, 44_100, 2).unwrap();
    let spec = TagSpec {
        title: "Old Title".into(),
        artist: "Old Artist".into(),
        album: "Old Album".into(),
        album_artist: None,
        track: Some(2),
        year: Some(1999),
        genre: Some("Jazz".into()),
    };
    for f in &files {
        demo_tags(f, &spec).unwrap();
    }
    files
}

fn full_edit() -> TagEdit {
    TagEdit {
        title: Some("夜明けの歌 – Élan".into()),
        artist: Some("Björk".into()),
        album: Some("Полярный Экспресс".into()),
        album_artist: Some("Οι Νυχτερινοί Φάροι".into()),
        genre: Some("Ambient".into()),
        year: Some(Some(2019)),
        track: Some(Some(7)),
        disc: Some(Some(2)),
    }
}

#[test]
fn round_trip_in_every_format_keeps_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    for path in sample_files(dir.path()) {
        let name = path.display().to_string();
        let audio_before = decode(&path);
        write_tags(&path, &full_edit()).unwrap();
        assert_eq!(decode(&path), audio_before, "{name}: audio changed");

        // The second reader: lofty's generic view, not the importer.
        let file = lofty::read_from_path(&path).unwrap();
        let tag = file.primary_tag().unwrap();
        assert_eq!(tag.title().as_deref(), Some("夜明けの歌 – Élan"), "{name}");
        assert_eq!(tag.artist().as_deref(), Some("Björk"), "{name}");
        assert_eq!(tag.album().as_deref(), Some("Полярный Экспресс"), "{name}");
        assert_eq!(
            tag.get_string(ItemKey::AlbumArtist),
            Some("Οι Νυχτερινοί Φάροι"),
            "{name}"
        );
        assert_eq!(tag.genre().as_deref(), Some("Ambient"), "{name}");
        assert_eq!(tag.track(), Some(7), "{name}");
        assert_eq!(tag.disk(), Some(2), "{name}");
        assert_eq!(tag.date().map(|d| d.year), Some(2019), "{name}");

        // And the importer's reader agrees.
        let values = read_tag_values(&path).unwrap();
        assert_eq!(values.year, Some(2019), "{name}");
        assert_eq!(values.disc, Some(2), "{name}");
    }
}

#[test]
fn only_the_given_fields_change() {
    let dir = tempfile::tempdir().unwrap();
    for path in sample_files(dir.path()) {
        let name = path.display().to_string();
        let edit = TagEdit {
            title: Some("New".into()),
            ..TagEdit::default()
        };
        write_tags(&path, &edit).unwrap();
        let v = read_tag_values(&path).unwrap();
        assert_eq!(v.title, "New", "{name}");
        assert_eq!(v.artist, "Old Artist", "{name}");
        assert_eq!(v.album, "Old Album", "{name}");
        assert_eq!(v.track, Some(2), "{name}");
        assert_eq!(v.year, Some(1999), "{name}");
        assert_eq!(v.genre, "Jazz", "{name}");

        // Empty text and `Some(None)` remove fields.
        let clear = TagEdit {
            genre: Some(String::new()),
            track: Some(None),
            year: Some(None),
            ..TagEdit::default()
        };
        write_tags(&path, &clear).unwrap();
        let v = read_tag_values(&path).unwrap();
        assert_eq!(
            (v.genre.as_str(), v.track, v.year),
            ("", None, None),
            "{name}"
        );
        assert_eq!(v.title, "New", "{name}");
    }
}

/// The FLAC `VORBIS_COMMENT` block parsed by hand, as a reader independent of lofty.
fn flac_comments(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"fLaC");
    let mut pos = 4;
    loop {
        let header = bytes[pos];
        let len = u32::from_be_bytes([0, bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]) as usize;
        let body = &bytes[pos + 4..pos + 4 + len];
        if header & 0x7F == 4 {
            let le = |at: usize| u32::from_le_bytes(body[at..at + 4].try_into().unwrap()) as usize;
            let mut at = 4 + le(0);
            let count = le(at);
            at += 4;
            let mut out = Vec::new();
            for _ in 0..count {
                let n = le(at);
                out.push(String::from_utf8(body[at + 4..at + 4 + n].to_vec()).unwrap());
                at += 4 + n;
            }
            return out;
        }
        assert_eq!(header & 0x80, 0, "no VORBIS_COMMENT block");
        pos += 4 + len;
    }
}

#[test]
fn flac_comments_as_an_independent_parser_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = &sample_files(dir.path())[0];
    write_tags(path, &full_edit()).unwrap();
    let comments: Vec<String> = flac_comments(path)
        .into_iter()
        .map(|c| {
            let (k, v) = c.split_once('=').unwrap();
            format!("{}={v}", k.to_ascii_uppercase())
        })
        .collect();
    for want in [
        "TITLE=夜明けの歌 – Élan",
        "ARTIST=Björk",
        "ALBUM=Полярный Экспресс",
        "ALBUMARTIST=Οι Νυχτερινοί Φάροι",
        "GENRE=Ambient",
        "TRACKNUMBER=7",
        "DISCNUMBER=2",
    ] {
        assert!(comments.iter().any(|c| c == want), "{want} in {comments:?}");
    }
    assert!(
        comments.iter().any(|c| c.starts_with("DATE=2019")),
        "{comments:?}"
    );
}

#[test]
fn an_interrupted_write_leaves_the_original_intact() {
    let dir = tempfile::tempdir().unwrap();
    for path in sample_files(dir.path()) {
        let original = std::fs::read(&path).unwrap();
        FAIL_BEFORE_RENAME.with(|f| f.set(true));
        let err = write_tags(&path, &full_edit()).unwrap_err();
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), original);
    }
    // No temporary file is left behind either.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn read_only_files_are_reported_by_name_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = sample_files(dir.path()).remove(1);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let original = std::fs::read(&path).unwrap();
    let err = write_tags(&path, &full_edit()).unwrap_err();
    assert!(matches!(err, TagWriteError::ReadOnly { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{}: the file is read-only", path.display())
    );
    assert_eq!(std::fs::read(&path).unwrap(), original);
}

#[cfg(unix)]
#[test]
fn permissions_survive_the_rename() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = sample_files(dir.path()).remove(0);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_tags(&path, &full_edit()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn bad_files_and_years_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mp3");
    std::fs::write(&junk, b"not audio at all").unwrap();
    let err = write_tags(&junk, &full_edit()).unwrap_err();
    assert!(err.to_string().contains("junk.mp3"), "{err}");
    assert_eq!(std::fs::read(&junk).unwrap(), b"not audio at all");

    let path = sample_files(dir.path()).remove(0);
    let edit = TagEdit {
        year: Some(Some(12345)),
        ..TagEdit::default()
    };
    let err = write_tags(&path, &edit).unwrap_err();
    assert!(matches!(err, TagWriteError::InvalidYear { .. }), "{err:?}");

    let missing = dir.path().join("gone.flac");
    let err = write_tags(&missing, &full_edit()).unwrap_err();
    assert!(err.to_string().contains("gone.flac"), "{err}");
}

#[test]
fn library_update_and_undo_follow_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = sample_files(dir.path());
    let mut lib = Library::open_in_memory().unwrap();
    import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();

    let mut targets = files.clone();
    targets.push(dir.path().join("missing.flac"));
    let edit = TagEdit {
        album: Some("Renamed".into()),
        artist: Some("Someone".into()),
        ..TagEdit::default()
    };
    let outcome = lib.update_tags(&targets, &edit, &|_| {}).unwrap();
    assert_eq!(outcome.failed.len(), 1);
    assert!(outcome.failed[0].to_string().contains("missing.flac"));
    assert_eq!(outcome.batch.before.len(), 4);
    let tracks = lib.all_tracks().unwrap();
    assert!(
        tracks
            .iter()
            .all(|t| t.album == "Renamed" && t.artist == "Someone")
    );
    assert!(tracks.iter().all(|t| t.title == "Old Title"));
    // The old album is gone from the browser.
    let albums: i64 = lib
        .conn
        .query_row("SELECT count(*) FROM albums", [], |r| r.get(0))
        .unwrap();
    assert_eq!(albums, 1);
    // An import right after finds nothing changed: size and mtime were recorded.
    let report = import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (0, 0, 4));

    let undone = lib.undo_tags(&outcome.batch, &|_| {}).unwrap();
    assert!(undone.failed.is_empty(), "{:?}", undone.failed);
    for path in &files {
        let v = read_tag_values(path).unwrap();
        assert_eq!(
            (v.album.as_str(), v.artist.as_str()),
            ("Old Album", "Old Artist")
        );
    }
    let tracks = lib.all_tracks().unwrap();
    assert!(
        tracks
            .iter()
            .all(|t| t.album == "Old Album" && t.artist == "Old Artist")
    );
}

/// Reads the conformance fixture `tests/fixtures/atrac/music4s_lp2_tagged.oma`.
#[test]
fn oma_round_trip_keeps_the_audio() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/atrac/music4s_lp2_tagged.oma");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.oma");
    std::fs::copy(&fixture, &path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();

    let audio_before = decode(&path);
    let before = read_tag_values(&path).unwrap();
    let edit = TagEdit {
        title: Some("Ágætis".into()),
        album_artist: Some("夜".into()),
        track: Some(Some(9)),
        year: Some(Some(2001)),
        ..TagEdit::default()
    };
    write_tags(&path, &edit).unwrap();
    assert_eq!(decode(&path), audio_before, "audio changed");
    // The second reader: the codec module's probe.
    let tags = atrac::probe(&path).unwrap().tags;
    assert_eq!(tags.title.as_deref(), Some("Ágætis"));
    assert_eq!(tags.album_artist.as_deref(), Some("夜"));
    assert_eq!(tags.track, Some(9));
    assert_eq!(tags.year, Some(2001));
    let after = read_tag_values(&path).unwrap();
    assert_eq!(after.artist, before.artist, "untouched");
    assert_eq!(after.album, before.album, "untouched");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_tags(&path, &edit).unwrap_err();
        assert!(matches!(err, TagWriteError::ReadOnly { .. }), "{err:?}");
    }
}
