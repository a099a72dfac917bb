//! Issue 12 through the binary: another program's database given as `--library`, a full disk,
//! two imports at once on a library that does not exist yet, `tag` with a read-only library or
//! on a named pipe, and `--config` naming a missing file.
//!
//! The full-disk and read-only tests mount a small tmpfs or a read-only bind mount in a private
//! mount namespace (`unshare`), which needs root; they are skipped, saying so, otherwise.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the process said `expected` on standard error.
fn assert_said(o: &Output, expected: &str) {
    let said = stderr(o);
    assert!(said.contains(expected), "expected {expected:?} in:\n{said}");
}

/// A folder with two short FLAC files.
fn music(dir: &Path) -> PathBuf {
    let music = dir.join("music");
    std::fs::create_dir_all(&music).unwrap();
    for (n, name) in ["a.flac", "b.flac"].iter().enumerate() {
        testkit::write_flac(&music.join(name), &testkit::melody(n as u64, 0.3, 8000, 1)).unwrap();
    }
    music
}

fn run(dir: &Path, args: &[&str]) -> Output {
    common::ministage(dir).args(args).output().unwrap()
}

fn import(dir: &Path, db: &Path, music: &Path) -> Output {
    run(
        dir,
        &[
            "--library",
            db.to_str().unwrap(),
            "import",
            music.to_str().unwrap(),
        ],
    )
}

/// Runs `script` with `sh` in a private mount namespace, with the environment `common::ministage`
/// gives the binary, `$BIN` naming it.
fn in_mount_namespace(dir: &Path, script: &str) -> Output {
    let template = common::ministage(dir);
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-euc", script])
        .env("BIN", env!("CARGO_BIN_EXE_ministage"));
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.output().unwrap()
}

#[test]
fn another_programs_database_is_refused_with_exit_2_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cookies.sqlite");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE cookies (name TEXT, value TEXT);")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [
        vec!["library", "list"],
        vec!["import", dir.path().to_str().unwrap()],
    ] {
        let mut all = vec!["--library", db.to_str().unwrap()];
        all.extend(args);
        let out = run(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_said(
            &out,
            &format!("{} is not a ministage library database", db.display()),
        );
        assert!(
            std::fs::read(&db).unwrap() == before,
            "the file was changed"
        );
    }
}

#[test]
fn two_imports_started_at_once_on_a_new_library_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let music = music(dir.path());
    for round in 0..10 {
        let db = dir.path().join(format!("round{round}/library.sqlite3"));
        let children: Vec<_> = (0..2)
            .map(|_| {
                common::ministage(dir.path())
                    .args(["--library", db.to_str().unwrap(), "import"])
                    .arg(&music)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
    }
}

#[test]
fn a_full_disk_still_lists_the_library_and_says_so_on_writing() {
    if !is_root() {
        eprintln!("skipped: mounting a small tmpfs to fill needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let music = music(dir.path());
    let db = dir.path().join("library.sqlite3");
    assert!(
        import(dir.path(), &db, &music.join("a.flac"))
            .status
            .success()
    );
    let mount = dir.path().join("full");
    std::fs::create_dir(&mount).unwrap();
    let script = format!(
        r#"mount -t tmpfs -o size=1m tmpfs '{mount}'
        cp '{db}' '{mount}/library.sqlite3'
        head -c 4M /dev/zero > '{mount}/filler' 2>/dev/null || true
        "$BIN" --library '{mount}/library.sqlite3' library list && echo "list: 0" || echo "list: $?"
        "$BIN" --library '{mount}/library.sqlite3' import '{music}' || echo "import: $?"
        "#,
        mount = mount.display(),
        db = db.display(),
        music = music.display(),
    );
    let out = in_mount_namespace(dir.path(), &script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = stderr(&out);
    assert!(stdout.contains("list: 0"), "{stdout}\n{stderr}");
    assert!(stdout.contains("— a [0:00 flac]"), "{stdout}\n{stderr}");
    assert!(stdout.contains("import: 2"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "the disk holding the library database {}/library.sqlite3 is full",
            mount.display()
        )),
        "{stderr}"
    );
}

#[test]
fn tag_with_a_read_only_library_changes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let music = music(dir.path());
    let db_dir = dir.path().join("db");
    let db = db_dir.join("library.sqlite3");
    assert!(import(dir.path(), &db, &music).status.success());
    let song = music.join("a.flac");
    let before = std::fs::read(&song).unwrap();
    let commands = format!(
        r#""$BIN" --library '{db}' tag '{song}' --title New && echo "tag: 0" || echo "tag: $?"
        "$BIN" --library '{db}' library list && echo "list: 0" || echo "list: $?"
        "#,
        db = db.display(),
        song = song.display()
    );
    let out = if is_root() {
        // Root writes through file permissions: a read-only bind mount of the database file
        // (its folder stays writable, as SQLite wants for its WAL index).
        let script = format!(
            "mount --bind '{db}' '{db}'\nmount -o remount,bind,ro '{db}'\n{commands}",
            db = db.display()
        );
        in_mount_namespace(dir.path(), &script)
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        Command::new("sh")
            .args(["-c", &commands])
            .env("BIN", env!("CARGO_BIN_EXE_ministage"))
            .output()
            .unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("tag: 2"), "{stdout}\n{}", stderr(&out));
    assert_said(
        &out,
        &format!("the library database {} cannot be written", db.display()),
    );
    assert!(
        std::fs::read(&song).unwrap() == before,
        "the file was tagged"
    );
    assert!(stdout.contains("list: 0"), "{stdout}\n{}", stderr(&out));
}

#[test]
fn tag_and_import_name_a_named_pipe_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let music = music(dir.path());
    let fifo = music.join("pipe.flac");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let db = dir.path().join("library.sqlite3");

    let mut child = common::ministage(dir.path())
        .args(["--library", db.to_str().unwrap(), "tag"])
        .arg(&fifo)
        .args(["--title", "X"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("`ministage tag` on a named pipe hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_said(
        &out,
        &format!(
            "{}: a named pipe (FIFO), not a regular file",
            fifo.display()
        ),
    );

    let out = import(dir.path(), &db, &music);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_said(
        &out,
        &format!(
            "skipped {}: a named pipe (FIFO), not a regular file",
            fifo.display()
        ),
    );
}

#[test]
fn a_missing_config_file_named_on_the_command_line_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nowhere.toml");
    let out = run(
        dir.path(),
        &["--config", config.to_str().unwrap(), "themes"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_said(
        &out,
        &format!("the config file {} does not exist", config.display()),
    );
    // Without --config, the default file may be absent.
    assert!(run(dir.path(), &["themes"]).status.success());
}
