//! Logging to a file. The terminal belongs to the UI, so nothing is ever logged to the screen.

use std::fs::{self, OpenOptions};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts logging to `file` at `level` (a tracing filter such as `info` or `ministage=debug`).
/// Failing to open the log is not fatal: the caller reports the error and runs without a log.
pub fn init(file: &Path, level: &str) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir)?;
    }
    let handle = OpenOptions::new().create(true).append(true).open(file)?;
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests, or a library caller) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(handle))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(())
}
