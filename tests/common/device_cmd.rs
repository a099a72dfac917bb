//! `ministage device …` on a virtual deck, isolated from the user's configuration and
//! environment; `faults` sets `MINISTAGE_VIRTUAL_FAULTS`. Included with `#[path]`.

// Each test binary that includes this uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `ministage ARGS --device virtual:DECK` with its configuration under `home`.
pub fn ministage_on(deck: &Path, home: &Path, args: &[&str], faults: Option<&str>) -> Command {
    let device = format!("virtual:{}", deck.display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ministage"));
    cmd.args(args)
        .args(["--device", &device])
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("MINISTAGE_DEVICE")
        .env_remove("MINISTAGE_LIBRARY")
        .env_remove("MINISTAGE_CONFIG");
    match faults {
        Some(f) => cmd.env("MINISTAGE_VIRTUAL_FAULTS", f),
        None => cmd.env_remove("MINISTAGE_VIRTUAL_FAULTS"),
    };
    cmd
}

/// `out` of `ministage ARGS`, which must have succeeded (its stderr is the failure's message).
pub fn succeeded(args: &[&str], out: Output) -> Output {
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
