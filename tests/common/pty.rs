//! The jukebox in a real pseudo-terminal (through util-linux `script`): what it draws, keys
//! typed into it, and its process id for signals. Included with `#[path]` by the tests that
//! drive it.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub struct Pty {
    pub script: Child,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Runs `shell` (a command line) in a pseudo-terminal, with `env` set (`None` removes).
    pub fn spawn(shell: &str, env: &[(&str, Option<&str>)]) -> Self {
        let mut command = Command::new("script");
        command
            .args(["-qfec", shell, "/dev/null"])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (key, value) in env {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        let mut script = command.spawn().expect("util-linux script");
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
        Self { script, output }
    }

    /// Everything drawn so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("lock")).into_owned()
    }

    pub fn type_keys(&mut self, keys: &[u8]) {
        self.script
            .stdin
            .as_mut()
            .expect("stdin")
            .write_all(keys)
            .expect("write");
    }

    /// Waits up to 20 s until what is drawn satisfies `done`.
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
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
    pub fn app_pid(&self) -> u32 {
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

    /// Waits up to 20 s for `script` (and so ministage) to exit.
    pub fn wait_exit(&mut self) {
        let started = Instant::now();
        while self.script.try_wait().expect("wait").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "ministage did not exit: {:?}",
                self.text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}
