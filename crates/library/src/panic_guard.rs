//! Panics inside code that guards against them (a tag reader crashing on one hostile file) must
//! neither print over the UI nor restore the terminal under the running app. [`catch`] marks
//! the thread as guarded while it runs; the application's panic hook asks [`is_guarded`] and
//! only logs such panics.

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

/// Whether the current thread is inside [`catch`].
pub fn is_guarded() -> bool {
    GUARDED.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_becomes_an_error() {
        assert_eq!(catch(|| 7), Ok(7));
        let err = catch(|| -> u8 { panic!("bad frame") }).unwrap_err();
        assert_eq!(err, "bad frame");
        assert!(!is_guarded());
    }
}
