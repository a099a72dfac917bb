//! Runs the `ministage` binary on a generated tree of real audio files (FLAC, MP3, Ogg Vorbis,
//! M4A), with a corrupt file, a non-audio file, an escape sequence in a tag, CJK tags and an
//! NFD file name. Self-contained: the files are synthesised by `ministage::demo`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

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

    fn db(&self) -> PathBuf {
        self.dir.path().join("lib.sqlite3")
    }

    /// Runs ministage with XDG folders inside the test's own directory.
    fn run(&self, args: &[&str]) -> Output {
        common::ministage(self.dir.path())
            .args(args)
            .output()
            .expect("run ministage")
    }

    fn import(&self, extra: &[&str]) -> Output {
        let db = self.db();
        let music = self.music();
        let mut args = vec!["--library", db.to_str().unwrap(), "import"];
        args.extend_from_slice(extra);
        args.push(music.to_str().unwrap());
        self.run(&args)
    }

    /// `library list --json`, with the global option after the subcommand.
    fn list(&self, query: Option<&str>) -> Vec<Value> {
        let db = self.db();
        let mut args = vec![
            "library",
            "list",
            "--json",
            "--library",
            db.to_str().unwrap(),
        ];
        if let Some(q) = query {
            args.extend_from_slice(&["--query", q]);
        }
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v.as_array().expect("array").clone()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tags(title: &str, artist: &str, album: &str, track: u32) -> TagSpec {
    TagSpec {
        title: title.into(),
        artist: artist.into(),
        album: album.into(),
        album_artist: None,
        track: Some(track),
        year: Some(1998),
        genre: Some("Pop".into()),
    }
}

/// The tree every test starts from; returns the path of the MP3 for later edits.
fn make_tree(root: &Path) -> PathBuf {
    let album = root.join("青い鳥楽団").join("夜明けの歌");
    fs::create_dir_all(&album).unwrap();
    let flac = album.join("01 - Asa.flac");
    demo::write_flac(&flac, &demo::melody(1, 1.0, 44_100, 2)).unwrap();
    demo::write_tags(&flac, &tags("朝の光", "青い鳥楽団", "夜明けの歌", 1)).unwrap();

    let mp3 = album.join("02.mp3");
    demo::write_silent_mp3(&mp3, 2.0, 44_100, 2).unwrap();
    demo::write_tags(
        &mp3,
        &tags(
            "Evil\u{1b}[31mRed\u{1b}]0;pwned\u{7} Song",
            "青い鳥楽団",
            "夜明けの歌",
            2,
        ),
    )
    .unwrap();

    let other = root.join("Various");
    fs::create_dir_all(&other).unwrap();
    let ogg = other.join("vorbis.ogg");
    demo::write_silent_vorbis(&ogg, 1.5, 44_100, 2).unwrap();
    demo::write_tags(&ogg, &tags("Ogg Title", "Ogg Artist", "Formats", 3)).unwrap();
    let m4a = other.join("aac.m4a");
    demo::write_silent_m4a(&m4a, 1.5, 44_100, 2).unwrap();
    demo::write_tags(&m4a, &tags("AAC Title", "M4A Artist", "Formats", 4)).unwrap();

    // No tags at all: title and number come from the file name.
    demo::write_flac(
        &other.join("07 - Untagged Song.flac"),
        &demo::melody(2, 0.5, 44_100, 1),
    )
    .unwrap();
    // An NFD file name, as macOS writes them: "Björk - Jóga".
    demo::write_flac(
        &other.join("Bjo\u{308}rk - Jo\u{301}ga.flac"),
        &demo::melody(3, 0.5, 44_100, 2),
    )
    .unwrap();

    fs::write(
        other.join("corrupt.flac"),
        b"fLaC\x00\x00\x00\x22this is not a stream info block",
    )
    .unwrap();
    fs::write(other.join("notes.txt"), "liner notes").unwrap();
    mp3
}

fn find<'a>(tracks: &'a [Value], title: &str) -> &'a Value {
    tracks
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no track titled {title:?} in {tracks:#?}"))
}

#[test]
fn import_reads_every_format_and_skips_bad_files_with_reasons() {
    let env = Env::new();
    make_tree(&env.music());
    let out = env.import(&[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one corrupt file → exit 1\n{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("6 added"), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 failed"), "{}", stdout(&out));
    assert!(stderr(&out).contains("corrupt.flac"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("notes.txt"),
        "non-audio files are not failures"
    );

    let tracks = env.list(None);
    assert_eq!(tracks.len(), 6, "{tracks:#?}");
    for t in &tracks {
        let path = t["path"].as_str().unwrap();
        assert!(
            Path::new(path).is_absolute() && Path::new(path).exists(),
            "{path}"
        );
        for key in ["title", "artist", "album", "album_artist", "genre", "codec"] {
            assert!(t[key].is_string(), "{key} in {t}");
        }
        assert!(t["duration_ms"].is_u64());
    }

    let flac = find(&tracks, "朝の光");
    assert_eq!(flac["codec"], "flac");
    assert_eq!(flac["artist"], "青い鳥楽団");
    assert_eq!(
        flac["album_artist"], "青い鳥楽団",
        "album artist falls back to the artist"
    );
    assert_eq!(flac["track_number"], 1);
    assert_eq!(flac["year"], 1998);
    assert!((900..=1100).contains(&flac["duration_ms"].as_u64().unwrap()));

    let mp3 = find(&tracks, "EvilRed Song");
    assert_eq!(mp3["codec"], "mp3");
    assert!(
        (1900..=2100).contains(&mp3["duration_ms"].as_u64().unwrap()),
        "{mp3}"
    );

    assert_eq!(find(&tracks, "Ogg Title")["codec"], "vorbis");
    assert_eq!(find(&tracks, "AAC Title")["codec"], "aac");

    let untagged = find(&tracks, "Untagged Song");
    assert_eq!(untagged["track_number"], 7);
    assert_eq!(untagged["year"], Value::Null);

    // The NFD name gives NFC text, while the path stays exactly as on disk.
    let joga = find(&tracks, "Jóga");
    assert_eq!(joga["artist"], "Björk");
    assert!(joga["path"].as_str().unwrap().contains("Bjo\u{308}rk"));
    assert_eq!(env.list(Some("artist:bjork")).len(), 1);
    assert_eq!(env.list(Some("codec:vorbis")).len(), 1);
    assert_eq!(env.list(Some("year:1990..1999 -evil")).len(), 3);
}

#[test]
fn reimport_is_incremental_and_notices_changes_and_removals() {
    let env = Env::new();
    let mp3 = make_tree(&env.music());
    env.import(&[]);
    let before = env.list(None);

    let again = env.import(&[]);
    assert!(
        stdout(&again).contains("0 added, 0 updated, 6 skipped"),
        "{}",
        stdout(&again)
    );
    assert_eq!(env.list(None), before, "re-import changes nothing");

    demo::write_tags(&mp3, &tags("Renamed", "青い鳥楽団", "夜明けの歌", 2)).unwrap();
    let later = SystemTime::now() + Duration::from_secs(5);
    fs::File::options()
        .write(true)
        .open(&mp3)
        .unwrap()
        .set_modified(later)
        .unwrap();
    fs::remove_file(env.music().join("Various").join("vorbis.ogg")).unwrap();
    let out = env.import(&[]);
    assert!(stdout(&out).contains("1 updated"), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 missing"), "{}", stdout(&out));
    let after = env.list(None);
    assert_eq!(after.len(), 5);
    find(&after, "Renamed");
    assert!(after.iter().all(|t| t["title"] != "Ogg Title"));
}

#[test]
fn import_options_set_fields_on_everything_imported() {
    let env = Env::new();
    make_tree(&env.music());
    let out = env.import(&[
        "--album",
        "Compilation",
        "--album-artist",
        "Various Artists",
        "--year",
        "2001",
        "--genre",
        "Test",
    ]);
    assert!(stdout(&out).contains("6 added"), "{}", stdout(&out));
    let tracks = env.list(None);
    for t in &tracks {
        assert_eq!(t["album"], "Compilation");
        assert_eq!(t["album_artist"], "Various Artists");
        assert_eq!(t["year"], 2001);
        assert_eq!(t["genre"], "Test");
    }
    // The artist is left as tagged unless --artist is given.
    assert_eq!(find(&tracks, "朝の光")["artist"], "青い鳥楽団");
}

/// Untagged files only, as a game-soundtrack download comes: an `Artist/Album/` folder of
/// `trackN.ogg`, a disc-per-folder album, and a loose folder of MP3s and FLACs right under the
/// root. Returns one of the Ogg files.
fn make_untagged_tree(root: &Path) -> PathBuf {
    let album = root.join("Kenji Ito").join("Forest Suite");
    fs::create_dir_all(&album).unwrap();
    for n in 1..=11 {
        demo::write_silent_vorbis(&album.join(format!("track{n}.ogg")), 0.2, 44_100, 1).unwrap();
    }
    for disc in 1..=2 {
        let folder = root
            .join("Kenji Ito")
            .join("Double")
            .join(format!("CD{disc}"));
        fs::create_dir_all(&folder).unwrap();
        demo::write_flac(&folder.join("01.flac"), &demo::melody(disc, 0.2, 44_100, 1)).unwrap();
    }
    let loose = root.join("Loose Rips");
    fs::create_dir_all(&loose).unwrap();
    demo::write_silent_mp3(&loose.join("Track 2.mp3"), 0.2, 44_100, 1).unwrap();
    demo::write_silent_mp3(&loose.join("Track 1.mp3"), 0.2, 44_100, 1).unwrap();
    demo::write_flac(
        &loose.join("CD2-07 Bonus.flac"),
        &demo::melody(9, 0.2, 44_100, 1),
    )
    .unwrap();
    album.join("track3.ogg")
}

/// Where a track is filed: album, album artist, artist, disc, track.
type Filed = (String, String, String, Option<u64>, Option<u64>);

/// Where every track is filed, sorted.
fn shape(tracks: &[Value]) -> Vec<Filed> {
    let text = |t: &Value, k: &str| t[k].as_str().unwrap().to_string();
    let mut rows: Vec<_> = tracks
        .iter()
        .map(|t| {
            (
                text(t, "album"),
                text(t, "album_artist"),
                text(t, "artist"),
                t["disc_number"].as_u64(),
                t["track_number"].as_u64(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn untagged_folders_become_albums_named_after_them() {
    let env = Env::new();
    let ogg = make_untagged_tree(&env.music());
    let out = env.import(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("16 added"), "{}", stdout(&out));

    let tracks = env.list(None);
    let row = |album: &str, artist: &str, disc: Option<u64>, n: u64| {
        (
            album.to_string(),
            artist.to_string(),
            artist.to_string(),
            disc,
            Some(n),
        )
    };
    let mut expected = vec![
        row("Double", "Kenji Ito", Some(1), 1),
        row("Double", "Kenji Ito", Some(2), 1),
        // Right under the imported folder: its parent is not an artist.
        row("Loose Rips", "", None, 1),
        row("Loose Rips", "", None, 2),
        row("Loose Rips", "", Some(2), 7),
    ];
    expected.extend((1..=11).map(|n| row("Forest Suite", "Kenji Ito", None, n)));
    expected.sort();
    assert_eq!(shape(&tracks), expected);
    assert_eq!(find(&tracks, "Bonus")["disc_number"], 2);
    assert_eq!(find(&tracks, "track10")["track_number"], 10);
    // Listed in natural order: track2 before track10.
    let forest: Vec<&str> = tracks
        .iter()
        .filter(|t| t["album"] == "Forest Suite")
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(forest[..3], ["track1", "track2", "track3"]);
    assert_eq!(forest[10], "track11");

    // Re-importing adds, moves and duplicates nothing, also when a file changed.
    let again = env.import(&[]);
    assert!(
        stdout(&again).contains("0 added, 0 updated, 16 skipped"),
        "{}",
        stdout(&again)
    );
    assert_eq!(env.list(None), tracks);
    let later = SystemTime::now() + Duration::from_secs(5);
    fs::File::options()
        .write(true)
        .open(&ogg)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let out = env.import(&[]);
    assert!(
        stdout(&out).contains("0 added, 1 updated, 15 skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.list(None), tracks);
}

#[test]
fn album_and_artist_options_win_over_folder_names() {
    // The option's field is set everywhere; the other still comes from the folders.
    for (option, field, value, other, from_folder) in [
        ("--artist", "artist", "Someone", "album", "Forest Suite"),
        ("--album", "album", "Everything", "artist", "Kenji Ito"),
    ] {
        let env = Env::new();
        make_untagged_tree(&env.music());
        let out = env.import(&[option, value]);
        assert!(out.status.success(), "{}", stderr(&out));
        let tracks = env.list(None);
        assert!(tracks.iter().all(|t| t[field] == value), "{tracks:#?}");
        assert_eq!(find(&tracks, "track3")[other], from_folder);
    }
}

#[test]
fn bad_query_and_bad_config_are_reported_not_panicked() {
    let env = Env::new();
    let db = env.db();
    let out = env.run(&[
        "--library",
        db.to_str().unwrap(),
        "library",
        "list",
        "--query",
        "colour:red",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));

    let config = env.dir.path().join("bad.toml");
    fs::write(&config, "[ui]\nview = \"sideways\"\n").unwrap();
    let out = env.run(&[
        "--config",
        config.to_str().unwrap(),
        "library",
        "list",
        "--library",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("view") && err.contains("sideways") && err.contains("bad.toml"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn themes_lists_the_bundled_themes() {
    let env = Env::new();
    let out = env.run(&["themes"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for name in ["dark", "light", "sonicstage", "high-contrast", "mono"] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("* dark"), "{text}");
}

#[test]
fn two_instances_importing_into_one_database_do_not_corrupt_it() {
    let env = Env::new();
    make_tree(&env.music());
    let db = env.db();
    let music = env.music();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_ministage"))
            .args([
                "--library",
                db.to_str().unwrap(),
                "import",
                music.to_str().unwrap(),
            ])
            .env("XDG_STATE_HOME", env.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    // Each run either imports or finds the other's work; both end normally (1: the corrupt file).
    assert_eq!(a.status.code(), Some(1), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(1), "{}", stderr(&b));
    let tracks = env.list(None);
    assert_eq!(tracks.len(), 6, "no duplicates: {tracks:#?}");
}

#[test]
fn library_path_comes_from_the_environment() {
    let env = Env::new();
    make_tree(&env.music());
    let db = env.db();
    let out = Command::new(env!("CARGO_BIN_EXE_ministage"))
        .args(["import", env.music().to_str().unwrap()])
        .env("MINISTAGE_LIBRARY", &db)
        .env("XDG_STATE_HOME", env.dir.path().join("state"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .output()
        .expect("run");
    assert!(stdout(&out).contains("6 added"), "{}", stderr(&out));
    assert!(db.exists());
    assert!(
        !env.dir
            .path()
            .join("data")
            .join("ministage")
            .join("library.sqlite3")
            .exists()
    );
    assert_eq!(env.list(None).len(), 6);
}

#[test]
fn a_closed_standard_output_ends_a_command_quietly() {
    let env = Env::new();
    make_tree(&env.music());
    // The tree holds a corrupt file on purpose, so the import reports a skip.
    env.import(&[]);
    assert!(!env.list(None).is_empty());
    let db = env.db();
    let db = db.to_str().unwrap();
    for args in [
        vec!["--library", db, "library", "list"],
        vec!["--library", db, "library", "list", "--json"],
        vec!["default-config"],
        vec!["themes"],
    ] {
        let mut child = common::ministage(env.dir.path())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the first line is written, as `| head -0` would do.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            matches!(out.status.code(), Some(0 | 141)),
            "{args:?}: {:?}",
            out.status
        );
    }
}
