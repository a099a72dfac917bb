//! `ministage tag` and `ministage import --write-tags` on real files synthesised by
//! `ministage::demo`, with XDG folders inside the test's own directory.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use lofty::file::TaggedFileExt;
use lofty::tag::{Accessor, ItemKey};
use serde_json::Value;
use testkit::{self as demo, TagSpec};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn music(&self) -> PathBuf {
        self.dir.path().join("music")
    }

    fn run(&self, args: &[&str]) -> Output {
        let db = self.dir.path().join("lib.sqlite3");
        common::ministage(self.dir.path())
            .arg("--library")
            .arg(db)
            .args(args)
            .output()
            .expect("run ministage")
    }

    fn list(&self) -> Vec<Value> {
        let out = self.run(&["library", "list", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout)
            .expect("JSON")
            .as_array()
            .expect("array")
            .clone()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn primary(path: &Path) -> lofty::tag::Tag {
    let file = lofty::read_from_path(path).expect("readable");
    file.primary_tag().expect("tag").clone()
}

#[test]
fn tag_writes_files_and_updates_the_library() {
    let env = Env::new();
    let music = env.music();
    std::fs::create_dir_all(&music).unwrap();
    let flac = music.join("a.flac");
    let mp3 = music.join("b.mp3");
    demo::write_flac(&flac, &demo::melody(1, 0.3, 44_100, 2)).unwrap();
    demo::write_silent_mp3(&mp3, 0.3, 44_100, 2).unwrap();
    for (path, title) in [(&flac, "One"), (&mp3, "Two")] {
        let spec = TagSpec {
            title: title.into(),
            artist: "Old".into(),
            album: "Old Album".into(),
            ..TagSpec::default()
        };
        demo::write_tags(path, &spec).unwrap();
    }
    let out = env.run(&["import", s(&music)]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = env.run(&[
        "tag",
        "--artist",
        "Sigur Rós",
        "--album",
        "Ágætis byrjun",
        "--year",
        "1999",
        "--track",
        "4",
        s(&flac),
        s(&mp3),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2 tagged, 0 failed\n");

    for path in [&flac, &mp3] {
        let tag = primary(path);
        assert_eq!(tag.artist().as_deref(), Some("Sigur Rós"));
        assert_eq!(tag.album().as_deref(), Some("Ágætis byrjun"));
        assert_eq!(tag.track(), Some(4));
        assert_eq!(tag.date().map(|d| d.year), Some(1999));
    }
    assert_eq!(primary(&flac).title().as_deref(), Some("One"), "untouched");
    let tracks = env.list();
    assert_eq!(tracks.len(), 2);
    for t in &tracks {
        assert_eq!(t["artist"], "Sigur Rós");
        assert_eq!(t["album"], "Ágætis byrjun");
        assert_eq!(t["year"], 1999);
    }
}

#[cfg(unix)]
#[test]
fn tag_reports_read_only_files_and_exits_1() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let music = env.music();
    std::fs::create_dir_all(&music).unwrap();
    let good = music.join("good.ogg");
    let locked = music.join("locked.ogg");
    for p in [&good, &locked] {
        demo::write_silent_vorbis(p, 0.3, 44_100, 1).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&locked).unwrap();
    let out = env.run(&["tag", "--title", "T", s(&good), s(&locked)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}: the file is read-only", locked.display())),
        "{err}"
    );
    assert!(err.contains("not in the library"), "{err}");
    assert_eq!(std::fs::read(&locked).unwrap(), before);
    assert_eq!(primary(&good).title().as_deref(), Some("T"));
}

#[test]
fn tag_without_fields_is_an_error() {
    let env = Env::new();
    let out = env.run(&["tag", "x.flac"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn import_write_tags_writes_given_and_derived_fields() {
    let env = Env::new();
    let album = env.music().join("Some Album");
    std::fs::create_dir_all(&album).unwrap();
    for name in ["01 - Först.flac", "02 - Second.m4a"] {
        let path = album.join(name);
        if name.ends_with("flac") {
            demo::write_flac(&path, &demo::melody(2, 0.3, 44_100, 2)).unwrap();
        } else {
            demo::write_silent_m4a(&path, 0.3, 44_100, 2).unwrap();
        }
    }
    let out = env.run(&[
        "import",
        "--write-tags",
        "--album",
        "Given Album",
        "--album-artist",
        "Given Artist",
        "--genre",
        "Folk",
        s(&env.music()),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("2 added"), "{stdout}");
    assert!(stdout.contains("tags written to 2 files"), "{stdout}");

    let tag = primary(&album.join("01 - Först.flac"));
    assert_eq!(tag.title().as_deref(), Some("Först"));
    assert_eq!(tag.track(), Some(1));
    assert_eq!(tag.album().as_deref(), Some("Given Album"));
    assert_eq!(tag.get_string(ItemKey::AlbumArtist), Some("Given Artist"));
    assert_eq!(tag.genre().as_deref(), Some("Folk"));
    let tag = primary(&album.join("02 - Second.m4a"));
    assert_eq!(tag.title().as_deref(), Some("Second"));
    assert_eq!(tag.track(), Some(2));

    let tracks = env.list();
    assert_eq!(tracks.len(), 2);
    assert!(tracks.iter().all(|t| t["album"] == "Given Album"));
    // A plain import afterwards sees nothing to do.
    let out = env.run(&["import", s(&env.music())]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("0 added, 0 updated, 2 skipped"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
