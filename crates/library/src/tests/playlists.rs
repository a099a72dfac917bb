//! Playlists: editing, and `.m3u8` export and import.

use std::path::Path;

use super::fixtures::{Tags, tagged_wav};
use crate::{ImportOptions, Library, PlaylistError, import};

fn library_with(dir: &Path, names: &[&str]) -> Library {
    for (n, name) in (1..).zip(names) {
        tagged_wav(
            dir,
            name,
            &Tags {
                title: Some(name.split('.').next().unwrap()),
                artist: Some("Sigur Rós"),
                track: Some(n),
                ..Tags::default()
            },
        );
    }
    let mut lib = Library::open_in_memory().unwrap();
    import(
        &mut lib,
        &[dir.to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    lib
}

fn titles(lib: &Library, id: i64) -> Vec<String> {
    lib.playlist_entries(id)
        .unwrap()
        .into_iter()
        .map(|e| e.track.title)
        .collect()
}

#[test]
fn create_add_move_remove_rename_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library_with(dir.path(), &["a.wav", "b.wav", "c.wav"]);
    let ids: Vec<i64> = lib.all_tracks().unwrap().iter().map(|t| t.id).collect();
    let id = lib.create_playlist("Mix").unwrap();
    assert!(matches!(
        lib.create_playlist("Mix"),
        Err(PlaylistError::NameTaken { .. })
    ));
    assert!(matches!(
        lib.create_playlist("  "),
        Err(PlaylistError::EmptyName)
    ));
    lib.add_to_playlist(id, &ids).unwrap();
    lib.add_to_playlist(id, &ids[..1]).unwrap();
    assert_eq!(titles(&lib, id), ["a", "b", "c", "a"]);
    lib.move_playlist_entry(id, 4, 2).unwrap();
    assert_eq!(titles(&lib, id), ["a", "a", "b", "c"]);
    lib.move_playlist_entry(id, 1, 99).unwrap();
    assert_eq!(titles(&lib, id), ["a", "b", "c", "a"]);
    lib.remove_playlist_entry(id, 2).unwrap();
    assert_eq!(titles(&lib, id), ["a", "c", "a"]);
    let err = lib.remove_playlist_entry(id, 4).unwrap_err();
    assert_eq!(
        err.to_string(),
        "playlist \"Mix\" has no entry 4 (it has 3)"
    );
    let positions: Vec<u32> = lib
        .playlist_entries(id)
        .unwrap()
        .iter()
        .map(|e| e.position)
        .collect();
    assert_eq!(positions, [1, 2, 3]);

    lib.rename_playlist(id, "Evening").unwrap();
    assert_eq!(lib.playlist_id("Evening").unwrap(), id);
    assert!(matches!(
        lib.playlist_id("Mix"),
        Err(PlaylistError::NotFound { .. })
    ));
    let summary = &lib.playlists().unwrap()[0];
    assert_eq!(summary.track_count, 3);
    lib.delete_playlist(id).unwrap();
    assert!(lib.playlists().unwrap().is_empty());
    assert_eq!(lib.track_count().unwrap(), 3, "tracks stay");
}

#[test]
fn m3u8_round_trip_with_non_ascii_paths() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("Música/Ágætis byrjun");
    let mut lib = library_with(
        &music,
        &["Svefn-g-englar.wav", "Starálfur.wav", "日本語.wav"],
    );
    let ids: Vec<i64> = lib.all_tracks().unwrap().iter().map(|t| t.id).collect();
    let id = lib.create_playlist("Ágætis").unwrap();
    lib.add_to_playlist(id, &ids).unwrap();
    let before = titles(&lib, id);

    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    let file = lists.join("ágætis.m3u8");
    lib.export_playlist(id, &file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("#EXTM3U\n#EXTINF:1,Sigur Rós - "),
        "{text}"
    );
    assert!(
        text.contains("\n../Música/Ágætis byrjun/日本語.wav\n"),
        "relative: {text}"
    );

    let imported = lib.import_playlist(&file, None).unwrap();
    assert_eq!(imported.name, "ágætis");
    assert_eq!((imported.added, imported.imported), (3, 0));
    assert!(imported.unresolved.is_empty(), "{:?}", imported.unresolved);
    assert_eq!(titles(&lib, imported.id), before);
}

#[test]
fn unresolved_entries_are_reported_and_unknown_files_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library_with(dir.path(), &["known.wav"]);
    let outside = tempfile::tempdir().unwrap();
    tagged_wav(
        outside.path(),
        "new.wav",
        &Tags {
            title: Some("New"),
            ..Tags::default()
        },
    );
    let file = dir.path().join("list.m3u");
    let text = format!(
        "#EXTM3U\n#EXTINF:1,x\nknown.wav\n{}\ngone.flac\n",
        outside.path().join("new.wav").display()
    );
    std::fs::write(&file, text).unwrap();
    let imported = lib.import_playlist(&file, Some("Imported")).unwrap();
    assert_eq!((imported.added, imported.imported), (2, 1));
    assert_eq!(imported.unresolved.len(), 1);
    let missing = &imported.unresolved[0];
    assert_eq!(missing.line, 5);
    assert_eq!(missing.path, dir.path().join("gone.flac"));
    assert!(
        missing.reason.contains("no such file"),
        "{}",
        missing.reason
    );
    assert_eq!(titles(&lib, imported.id), ["known", "New"]);
}

#[test]
fn playlists_are_listed_in_natural_order() {
    let mut lib = Library::open_in_memory().unwrap();
    for name in ["Mix 10", "mix 2", "Émile 3", "Mix 1", "emile 20"] {
        lib.create_playlist(name).unwrap();
    }
    let names: Vec<String> = lib
        .playlists()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Émile 3", "emile 20", "Mix 1", "mix 2", "Mix 10"]);
}
