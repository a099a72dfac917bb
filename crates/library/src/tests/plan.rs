//! The import preview: prefill, the dialog's operations, duplicates and applying the plan.

use std::path::Path;

use super::fixtures::{Tags, tagged_wav, write_wav};
use crate::{
    DuplicateChoice, DuplicateKind, ImportOptions, ImportPlan, Library, TrackField, apply_plan,
    import, plan_import, read_tag_values,
};
use testkit::{melody, write_flac};

fn plan(lib: &Library, root: &Path) -> ImportPlan {
    plan_import(lib, &[root.to_path_buf()], &|_| {}).unwrap()
}

fn tagged(dir: &Path, name: &str, title: &str, n: u32) {
    tagged_wav(
        dir,
        name,
        &Tags {
            title: Some(title),
            artist: Some("Björk"),
            album: Some("Post"),
            track: Some(n),
            date: Some("1995"),
            genre: Some("Electronic"),
            ..Tags::default()
        },
    );
}

#[test]
fn prefill_from_tags_and_from_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let post = dir.path().join("post");
    tagged(&post, "b.wav", "Hyperballad", 2);
    tagged(&post, "a.wav", "Army of Me", 1);
    let loose = dir.path().join("loose");
    write_wav(&loose, "01 - First Song.wav");
    write_wav(&loose, "02. Some Band - Second.wav");
    write_wav(&loose, "Other Band - Third.wav");
    std::fs::write(dir.path().join("broken.flac"), b"nope").unwrap();

    let lib = Library::open_in_memory().unwrap();
    let plan = plan(&lib, dir.path());
    assert_eq!(plan.failed.len(), 1, "{:?}", plan.failed);
    assert_eq!(plan.albums.len(), 2);
    // An untagged folder is proposed as an album named after the folder.
    let untagged = plan
        .albums
        .iter()
        .find(|a| a.fields.album == "loose")
        .unwrap();
    let rows: Vec<_> = untagged
        .tracks
        .iter()
        .map(|t| (t.track_number, t.artist.as_str(), t.title.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (Some(1), "", "First Song"),
            (Some(2), "Some Band", "Second"),
            (None, "Other Band", "Third"),
        ]
    );
    let post = plan
        .albums
        .iter()
        .find(|a| a.fields.album == "Post")
        .unwrap();
    assert_eq!(post.fields.year, Some(1995));
    assert_eq!(post.fields.genre, "Electronic");
    let titles: Vec<_> = post.tracks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Army of Me", "Hyperballad"],
        "ordered by track number"
    );
    assert!(post.tracks.iter().all(|t| t.duplicate.is_none()));
}

#[test]
fn dialog_operations() {
    let dir = tempfile::tempdir().unwrap();
    write_wav(dir.path(), "Title A - Artist A.wav");
    write_wav(dir.path(), "Title B - Artist B.wav");
    let lib = Library::open_in_memory().unwrap();
    let mut plan = plan(&lib, dir.path());
    let album = &mut plan.albums[0];
    album.swap_artist_title();
    let row = |a: &crate::ProposedAlbum| {
        a.tracks
            .iter()
            .map(|t| (t.track_number, t.artist.clone(), t.title.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row(album),
        [
            (None, "Artist A".into(), "Title A".into()),
            (None, "Artist B".into(), "Title B".into())
        ]
    );
    album.move_track(1, 0);
    album.number_tracks();
    album.apply_to_all(TrackField::Artist, "Everyone");
    assert_eq!(
        row(album),
        [
            (Some(1), "Everyone".into(), "Title B".into()),
            (Some(2), "Everyone".into(), "Title A".into())
        ]
    );
    album.titles_from_file_names();
    assert_eq!(
        album.tracks[0].title, "Artist B",
        "the name's part after ` - `"
    );
}

#[test]
fn duplicates_and_choices() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    tagged(&first, "01.wav", "Army of Me", 1);
    tagged(&first, "02.wav", "Hyperballad", 2);
    let mut lib = Library::open_in_memory().unwrap();
    import(
        &mut lib,
        std::slice::from_ref(&first),
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();

    // A second copy of the album elsewhere, and the first copy again.
    let copy = dir.path().join("copy");
    tagged(&copy, "01.wav", "Army of Me", 1);
    tagged(&copy, "02.wav", "Hyperballad", 2);
    let mut plan = plan_import(&lib, &[first.clone(), copy.clone()], &|_| {}).unwrap();
    let tracks: Vec<_> = plan.albums.iter().flat_map(|a| &a.tracks).collect();
    assert_eq!(tracks.len(), 4);
    for t in &tracks {
        let d = t.duplicate.as_ref().expect("every track is a duplicate");
        if t.path.starts_with(&first) {
            assert_eq!(
                (d.kind, t.choice),
                (DuplicateKind::SameFile, DuplicateChoice::Replace)
            );
            assert_eq!(d.path, t.path);
        } else {
            assert_eq!(
                (d.kind, t.choice),
                (DuplicateKind::SameSong, DuplicateChoice::Skip)
            );
            assert!(d.path.starts_with(&first));
        }
    }

    // Keep both copies of track 1, replace track 2 by the new copy.
    for t in plan.albums.iter_mut().flat_map(|a| &mut a.tracks) {
        if t.path.starts_with(&copy) {
            t.choice = if t.title == "Army of Me" {
                DuplicateChoice::KeepBoth
            } else {
                DuplicateChoice::Replace
            };
        }
    }
    let report = apply_plan(&mut lib, &plan, false, &|_| {}).unwrap();
    assert_eq!(
        (report.added, report.updated, report.replaced),
        (2, 2, 1),
        "{report}"
    );
    let paths: Vec<_> = lib
        .all_tracks()
        .unwrap()
        .into_iter()
        .map(|t| t.path)
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(!paths.contains(&first.join("02.wav").canonicalize().unwrap()));

    // Skipping leaves the library alone.
    let mut plan = plan_import(&lib, std::slice::from_ref(&copy), &|_| {}).unwrap();
    for t in plan.albums.iter_mut().flat_map(|a| &mut a.tracks) {
        t.choice = DuplicateChoice::Skip;
    }
    let report = apply_plan(&mut lib, &plan, false, &|_| {}).unwrap();
    assert_eq!(report.skipped, 2);
    assert_eq!(lib.track_count().unwrap(), 3);
}

#[test]
fn applying_writes_edited_and_derived_fields_into_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["03 - Derived.flac", "04 - Other.flac"] {
        write_flac(&dir.path().join(name), &melody(1, 0.2, 44_100, 1)).unwrap();
    }
    let mut lib = Library::open_in_memory().unwrap();
    let mut plan = plan(&lib, dir.path());
    plan.albums[0].fields.album = "Given".into();
    plan.albums[0].fields.year = Some(2001);
    let report = apply_plan(&mut lib, &plan, true, &|_| {}).unwrap();
    assert_eq!((report.added, report.tags_written), (2, 2), "{report}");
    let v = read_tag_values(&dir.path().join("03 - Derived.flac")).unwrap();
    assert_eq!(
        (v.title.as_str(), v.track, v.album.as_str(), v.year),
        ("Derived", Some(3), "Given", Some(2001))
    );
    let tracks = lib.all_tracks().unwrap();
    assert!(
        tracks
            .iter()
            .all(|t| t.album == "Given" && t.year == Some(2001))
    );
    // A later plain import finds the files unchanged.
    let again = import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!(again.unchanged, 2);

    // The batch undoes the tag writes.
    lib.undo_tags(&report.batch, &|_| {}).unwrap();
    let v = read_tag_values(&dir.path().join("03 - Derived.flac")).unwrap();
    assert_eq!((v.title.as_str(), v.album.as_str(), v.year), ("", "", None));
}

#[test]
fn preview_lists_names_in_natural_order() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["Part 10.wav", "Part 2.wav", "part 1.wav", "Part 11.wav"] {
        write_wav(&dir.path().join("Vol 10"), name);
    }
    write_wav(&dir.path().join("Vol 9"), "Part 1.wav");
    let lib = Library::open_in_memory().unwrap();
    let plan = plan(&lib, dir.path());
    let albums: Vec<&str> = plan
        .albums
        .iter()
        .map(|a| a.fields.album.as_str())
        .collect();
    assert_eq!(albums, ["Vol 9", "Vol 10"]);
    let titles: Vec<&str> = plan.albums[1]
        .tracks
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(titles, ["part 1", "Part 2", "Part 10", "Part 11"]);
}
