//! `ministage playlist …` on a small library of synthesised files, with XDG folders inside the
//! test's own directory.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

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

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
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

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Three tagged FLAC files under `Música/`, imported.
fn library() -> Env {
    let env = Env::new();
    let music = env.path("Música");
    std::fs::create_dir_all(&music).unwrap();
    for (n, title) in [
        (1, "Svefn-g-englar"),
        (2, "Starálfur"),
        (3, "Flugufrelsarinn"),
    ] {
        let path = music.join(format!("{n:02} {title}.flac"));
        demo::write_flac(&path, &demo::melody(n, 0.3, 44_100, 1)).unwrap();
        let spec = TagSpec {
            title: title.into(),
            artist: "Sigur Rós".into(),
            album: "Ágætis byrjun".into(),
            track: Some(n as u32),
            ..TagSpec::default()
        };
        demo::write_tags(&path, &spec).unwrap();
    }
    env.ok(&["import", s(&music)]);
    env
}

#[test]
fn create_add_show_remove_list() {
    let env = library();
    env.ok(&["playlist", "create", "Evening"]);
    let out = env.ok(&["playlist", "add", "Evening", "--query", "artist:sigur"]);
    assert_eq!(out, "3 tracks added\n");
    env.ok(&["playlist", "remove", "Evening", "2"]);
    let show = env.ok(&["playlist", "show", "Evening"]);
    assert_eq!(
        show,
        "  1. Sigur Rós — Svefn-g-englar [0:00]\n  2. Sigur Rós — Flugufrelsarinn [0:00]\n"
    );
    let list = env.ok(&["playlist", "list"]);
    assert!(list.starts_with("Evening\t2 tracks\t"), "{list}");

    let out = env.run(&["playlist", "remove", "Evening", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no entry 9 (it has 2)"));
    let out = env.run(&["playlist", "show", "Nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no playlist named \"Nope\""));
}

#[test]
fn export_then_import_round_trips_and_reports_missing_entries() {
    let env = library();
    env.ok(&["playlist", "create", "Ágætis"]);
    env.ok(&["playlist", "add", "Ágætis", "--query", "album:byrjun"]);
    let file = env.path("lists/ágætis.m3u8");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    env.ok(&["playlist", "export", "Ágætis", s(&file)]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(
            "#EXTM3U\n#EXTINF:1,Sigur Rós - Svefn-g-englar\n../Música/01 Svefn-g-englar.flac\n"
        ),
        "{text}"
    );

    // Import it back with one entry that no longer exists.
    std::fs::write(&file, format!("{text}../Música/04 Gone.flac\n")).unwrap();
    let out = env.run(&["playlist", "import", s(&file), "--name", "Back"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 8: ") && err.contains("04 Gone.flac: not in the library"),
        "{err}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "playlist \"Back\": 3 entries (0 imported into the library), 1 not found\n"
    );
    let show = env.ok(&["playlist", "show", "Back"]);
    assert_eq!(show.lines().count(), 3);
}
