//! Panics inside code that guards against them (a tag reader crashing on one hostile file) must
//! neither print over the UI nor restore the terminal under the running app: they are logged.
//! Every other panic goes to the previous hook, which restores the terminal and reports it.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error message that the caller reports.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let was = GUARDED.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.set(was);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}

/// Wraps the current panic hook so that guarded panics are only logged. Call it again after
/// anything else replaces the hook (the terminal set-up does).
pub fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if GUARDED.get() {
            tracing::error!("caught a panic: {info}");
        } else {
            tracing::error!(
                "panic: {info}\n{}",
                std::backtrace::Backtrace::force_capture()
            );
            // The message must reach the terminal, not the log the UI sent stderr to.
            crate::app::stderr::restore();
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_becomes_an_error() {
        install();
        assert_eq!(catch(|| 7), Ok(7));
        let err = catch(|| -> u8 { panic!("bad frame") }).unwrap_err();
        assert_eq!(err, "bad frame");
        assert!(!GUARDED.get());
    }
}
