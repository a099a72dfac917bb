//! While the full-screen UI runs, anything written to standard error — by ALSA, by a library
//! we do not control — would be drawn over the screen. It goes to the log file instead, and
//! standard error is put back on exit and before a panic message is printed.
//!
//! The workspace's one `unsafe` exception: moving descriptor 2 needs `dup`/`dup2`, which std
//! does not offer. Each call is on descriptors this module owns.
#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

/// The original standard error while it is redirected; -1 otherwise.
static SAVED: AtomicI32 = AtomicI32::new(-1);

pub struct StderrToLog;

impl StderrToLog {
    /// Points file descriptor 2 at `log`. Failing is not fatal: the UI then risks stray text.
    pub fn redirect(log: &Path) -> Option<StderrToLog> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .ok()?;
        // SAFETY: dup and dup2 on descriptors we own; no memory is shared.
        let saved = unsafe { libc::dup(2) };
        if saved < 0 {
            return None;
        }
        // SAFETY: as above; `file` stays open until after dup2 has copied it.
        if unsafe { libc::dup2(file.as_raw_fd(), 2) } < 0 {
            // SAFETY: closing the duplicate we just made.
            unsafe { libc::close(saved) };
            return None;
        }
        SAVED.store(saved, Ordering::SeqCst);
        Some(StderrToLog)
    }
}

/// Puts standard error back on the terminal, if it was redirected. Safe to call twice.
pub fn restore() {
    let saved = SAVED.swap(-1, Ordering::SeqCst);
    if saved >= 0 {
        // SAFETY: `saved` is the descriptor `redirect` duplicated and nobody else closed.
        unsafe {
            libc::dup2(saved, 2);
            libc::close(saved);
        }
    }
}

impl Drop for StderrToLog {
    fn drop(&mut self) {
        restore();
    }
}
