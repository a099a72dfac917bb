//! The configuration as the binary loads it: the documented `[transfer]` table and
//! `MINISTAGE_TRANSFER__MODE` load without a warning, an unknown key is logged once, a bad
//! value stops start-up naming key, value and file.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs `ministage --config CONFIG --log-file LOG themes` and returns its output and log.
fn run(dir: &Path, config: &str, env: &[(&str, &str)]) -> (Output, String) {
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let log: PathBuf = dir.join("ministage.log");
    let _ = std::fs::remove_file(&log);
    let out = common::ministage(dir)
        .env_remove("MINISTAGE_LOG")
        .envs(env.iter().copied())
        .arg("--config")
        .arg(&config_path)
        .arg("--log-file")
        .arg(&log)
        .args(["--log-level", "info", "themes"])
        .output()
        .expect("run ministage");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    (out, log)
}

/// The `[transfer]` table exactly as the README shows it.
fn readme_transfer_table() -> &'static str {
    let readme = include_str!("../README.md");
    let start = readme
        .find("\n[transfer]\n")
        .expect("the README shows [transfer]")
        + 1;
    let len = readme[start..]
        .find("\n\n")
        .expect("a blank line after the table");
    &readme[start..start + len]
}

#[test]
fn documented_transfer_table_and_env_load_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (out, log) = run(
        dir.path(),
        readme_transfer_table(),
        &[("MINISTAGE_TRANSFER__MODE", "lp2")],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(!log.contains("WARN"), "{log}");
    assert!(readme_transfer_table().contains("group_albums = false"));
}

#[test]
fn default_config_output_loads_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let printed = common::ministage(dir.path())
        .arg("default-config")
        .output()
        .expect("run ministage");
    assert!(printed.status.success());
    let (out, log) = run(dir.path(), &String::from_utf8(printed.stdout).unwrap(), &[]);
    assert!(out.status.success(), "{out:?}");
    assert!(!log.contains("WARN"), "{log}");
}

#[test]
fn unknown_key_is_logged_once_with_file_key_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let (out, log) = run(dir.path(), "[transfer]\nmdoe = \"lp2\"\n", &[]);
    assert!(out.status.success(), "{out:?}");
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    let config = dir.path().join("config.toml");
    assert!(
        warnings[0].contains(&format!(
            "unknown key `transfer.mdoe` in {} (ignored; did you mean `transfer.mode`?)",
            config.display()
        )),
        "{log}"
    );
}

#[test]
fn bad_value_stops_start_up_naming_key_value_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path(), "[transfer]\nmode = \"lp3\"\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let config = dir.path().join("config.toml");
    assert!(
        stderr.contains(&format!(
            "{}: transfer.mode: invalid value \"lp3\"; expected one of",
            config.display()
        )),
        "{stderr}"
    );
}
