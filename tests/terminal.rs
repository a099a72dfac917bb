//! The jukebox in a real pseudo-terminal (through util-linux `script`): it enters the alternate
//! screen, and leaves it — restoring the terminal — on `q`, on SIGTERM and on SIGHUP.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const ENTER_ALT: &str = "\u{1b}[?1049h";
const LEAVE_ALT: &str = "\u{1b}[?1049l";

struct Session {
    script: Child,
    output: Arc<Mutex<Vec<u8>>>,
    dir: tempfile::TempDir,
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
        let mut script = Command::new("script")
            .args(["-qfec", &cmd, "/dev/null"])
            .env("TERM", "xterm-256color")
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux script");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = script.stdout.take().expect("stdout");
        let sink = output.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        let s = Session {
            script,
            output,
            dir,
        };
        s.wait_for(expect, |out| {
            out.contains(ENTER_ALT) && out.contains(expect)
        });
        s
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("lock")).into_owned()
    }

    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
        let started = Instant::now();
        while !done(&self.text()) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}: {:?}",
                self.text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The ministage process: the child of `script`.
    fn app_pid(&self) -> u32 {
        let parent = self.script.id();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // Fields after the parenthesised command name: state, ppid, …
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.to_string()) else {
                continue;
            };
            let ppid: Option<u32> = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
            if ppid == Some(parent) {
                return entry.file_name().to_string_lossy().parse().expect("pid");
            }
        }
        panic!("ministage process not found under script {parent}");
    }

    fn finish(mut self) -> String {
        let started = Instant::now();
        loop {
            if self.script.try_wait().expect("wait").is_some() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "ministage did not exit: {:?}",
                self.text()
            );
            thread::sleep(Duration::from_millis(20));
        }
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
    s.script
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"q")
        .expect("write");
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
    s.script
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"q")
        .expect("write");
    let out = s.finish();
    assert!(out.contains("Lumi"), "demo artists are listed: {out:?}");
    assert_restored(&out);
}
