//! The jukebox in a real pseudo-terminal (through util-linux `script`): it enters the alternate
//! screen, and leaves it — restoring the terminal — on `q`, on SIGTERM and on SIGHUP.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

#[path = "common/pty.rs"]
mod pty;

use pty::Pty;

const ENTER_ALT: &str = "\u{1b}[?1049h";
const LEAVE_ALT: &str = "\u{1b}[?1049l";

struct Session {
    pty: Pty,
    dir: tempfile::TempDir,
}

impl std::ops::Deref for Session {
    type Target = Pty;

    fn deref(&self) -> &Pty {
        &self.pty
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Pty {
        &mut self.pty
    }
}

impl Session {
    fn start() -> Session {
        Self::start_with("", "Library")
    }

    /// Starts the jukebox with `extra` arguments and waits until the screen shows `expect`.
    fn start_with(extra: &str, expect: &str) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let cmd = format!(
            "stty cols 80 rows 24; exec {} --library {} --log-file {} {extra}",
            env!("CARGO_BIN_EXE_ministage"),
            dir.path().join("lib.sqlite3").display(),
            dir.path().join("log.txt").display()
        );
        let config = dir.path().join("config").display().to_string();
        let pty = Pty::spawn(&cmd, &[("XDG_CONFIG_HOME", Some(&config))]);
        let s = Session { pty, dir };
        s.wait_for(expect, |out| {
            out.contains(ENTER_ALT) && out.contains(expect)
        });
        s
    }

    fn finish(mut self) -> String {
        self.pty.wait_exit();
        thread::sleep(Duration::from_millis(100));
        self.text()
    }
}

fn assert_restored(out: &str) {
    let enter = out.find(ENTER_ALT).expect("entered the alternate screen");
    let leave = out
        .rfind(LEAVE_ALT)
        .unwrap_or_else(|| panic!("never left the alternate screen: {out:?}"));
    assert!(leave > enter);
    // The cursor is shown again after being hidden.
    assert!(
        out[leave..].contains("\u{1b}[?25h")
            || out[..leave].rfind("\u{1b}[?25h") > out.rfind("\u{1b}[?25l"),
        "{out:?}"
    );
}

#[test]
fn q_quits_and_restores_the_terminal() {
    let mut s = Session::start();
    s.type_keys(b"q");
    let out = s.finish();
    assert_restored(&out);
}

fn signal_restores_the_terminal(signal: &str) {
    let s = Session::start();
    let status = Command::new("kill")
        .args([signal, &s.app_pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_restored(&s.finish());
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("-TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("-HUP");
}

/// A hang-up that takes the terminal away (an SSH connection dropping): ministage exits
/// without a panic, although nothing can be printed any more.
#[test]
fn a_vanished_terminal_is_a_clean_exit() {
    let mut s = Session::start();
    let app = s.app_pid();
    s.script.kill().expect("kill script");
    let _ = s.script.wait();
    let started = Instant::now();
    while std::path::Path::new(&format!("/proc/{app}")).exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "ministage did not exit after losing its terminal"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let log = std::fs::read_to_string(s.dir.path().join("log.txt")).expect("log");
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains("panic"), "{log}");
}

#[test]
fn demo_starts_on_a_generated_library() {
    let mut s = Session::start_with("--demo", "30 tracks");
    s.type_keys(b"q");
    let out = s.finish();
    assert!(out.contains("Lumi"), "demo artists are listed: {out:?}");
    assert_restored(&out);
}

#[test]
fn the_demo_plays_on_enter_even_without_a_sound_device() {
    let mut s = Session::start_with("--demo", "30 tracks");
    let stdin = s.script.stdin.as_mut().expect("stdin");
    // Open the first artist, go down to its first album, play it.
    for key in [&b"\r"[..], b"j", b"\r"] {
        stdin.write_all(key).expect("write");
        stdin.flush().expect("flush");
        thread::sleep(Duration::from_millis(150));
    }
    // Without a sound device the demo falls back to the silent output and says so; with one it
    // plays aloud. Either way the now-playing bar shows the track playing.
    s.wait_for("playing", |out| out.contains("Playing"));
    let out = s.text();
    assert!(
        !out.contains("use --audio null"),
        "the demo must not refuse to play: {out:?}"
    );
    s.type_keys(b"q");
    assert_restored(&s.finish());
}

#[test]
fn the_jukebox_shows_a_himd_disc_in_the_device_pane() {
    let image = tempfile::tempdir().expect("tempdir");
    let path = image.path().join("himd.img");
    let made = Command::new(env!("CARGO_BIN_EXE_ministage"))
        .args(["device", "init-virtual", "--himd", "--minutes", "74"])
        .arg(&path)
        .output()
        .expect("init-virtual");
    assert!(made.status.success(), "{made:?}");
    let device = format!("--device virtual:{}", path.display());
    let mut s = Session::start_with(&device, "Recorder connected: virtual Hi-MD disc");
    s.type_keys(b"3");
    s.wait_for("the Hi-MD footer", |out| out.contains("title room"));
    s.type_keys(b"q");
    assert_restored(&s.finish());
}
