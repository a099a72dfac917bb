//! The process's panic hook: panics inside `library::panic_guard::catch` (a tag reader crashing
//! on one hostile file) are only logged; every other panic goes to the previous hook, which
//! restores the terminal and reports it.

use std::panic;

/// Wraps the current panic hook so that guarded panics are only logged. Call it again after
/// anything else replaces the hook (the terminal set-up does).
pub fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if library::panic_guard::is_guarded() {
            tracing::error!("caught a panic: {info}");
        } else {
            tracing::error!(
                "panic: {info}\n{}",
                std::backtrace::Backtrace::force_capture()
            );
            // The message must reach the terminal, not the log the UI sent stderr to.
            crate::shell::stderr::restore();
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_is_caught_under_the_installed_hook() {
        install();
        let err = library::panic_guard::catch(|| -> u8 { panic!("bad tag") }).unwrap_err();
        assert_eq!(err, "bad tag");
    }
}
