//! Making a change to the disc so that what is reported is what the disc holds: when the
//! recorder's answer is lost along the way (a stall, a pulled cable), the disc is read on a new
//! connection and the change finished from where the disc shows it stopped. `device` commands
//! and the Device pane both go through here.

use netmd::{AnyRecorder, DeviceError, EditRequest};
use thiserror::Error;

use crate::transfer::pipeline::REOPEN_WAITS;
/// A new connection to the recorder, as a send reaches it again.
pub use crate::transfer::pipeline::Reopen;

/// A change the disc holds.
#[derive(Debug, Default)]
pub struct Applied {
    /// The group a `CreateGroup` made.
    pub group: Option<usize>,
    pub warnings: Vec<String>,
    /// Finished on a new connection: the first one is likely gone.
    pub resumed: bool,
}

#[derive(Debug, Error)]
pub enum EditFailed {
    /// Refused or failed with certainty: nothing was changed by the failing step.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The answer was lost and the disc, read again, shows where things stand.
    #[error("{0}")]
    Doubt(String),
    /// Refused before anything was sent (a file that cannot be read, a sheet that does not
    /// check out).
    #[error("{0}")]
    Invalid(String),
}

/// Plans and applies `request`, finishing it on a new connection (`reopen`) when an answer was
/// lost. The result agrees with what the disc holds afterwards.
pub fn apply_resuming(
    r: &mut AnyRecorder,
    request: &EditRequest,
    reopen: &Reopen<'_>,
) -> Result<Applied, EditFailed> {
    let planned = r.plan(request)?;
    let edit = &planned.edit;
    let mut warnings = planned.warnings.clone();
    let made = |warnings, resumed| Applied {
        group: planned.group,
        warnings,
        resumed,
    };
    let mut error = match r.apply(edit) {
        Ok(()) => return Ok(made(warnings, false)),
        Err(e) if e.leaves_doubt() => e,
        Err(e) => return Err(e.into()),
    };
    let total = edit.steps().len();
    // Steps the disc showed done at the last look; each look must show more to go on.
    let mut seen: Option<usize> = None;
    for _ in 0..=total {
        let Some(mut again) = reopen_waiting(reopen) else {
            break;
        };
        let now = match again.read_raw(&mut |_, _| {}) {
            Ok(now) => now,
            Err(e) if e.leaves_doubt() => {
                error = e;
                break;
            }
            Err(e) => return Err(e.into()),
        };
        let Some(done) = edit.progress(&now) else {
            return Err(EditFailed::Doubt(format!(
                "{error}; read again, the disc shows changes this command did not make, so \
                 nothing more was done"
            )));
        };
        if seen.is_some_and(|s| done <= s) {
            break;
        }
        seen = Some(done);
        match again.apply_from(edit, done) {
            Ok(()) => {
                warnings.push(if done == total {
                    format!(
                        "the recorder's answer was lost ({error}); read again, the disc shows \
                         the change was made"
                    )
                } else {
                    format!(
                        "the recorder's answer was lost ({error}); read again, the disc showed \
                         {done} of {total} steps made, and the change was finished"
                    )
                });
                return Ok(made(warnings, true));
            }
            Err(e) if e.leaves_doubt() => error = e,
            Err(e) => return Err(e.into()),
        }
    }
    Err(EditFailed::Doubt(match seen {
        Some(0) => format!("{error}; the disc shows nothing was changed"),
        Some(done) => format!(
            "{error}; the disc shows the change partly made ({done} of {total} steps): check \
             what it holds"
        ),
        None => format!(
            "{error}; the disc could not be read again, so the change may be partly made: check \
             what it holds"
        ),
    }))
}

/// A new connection to the recorder, trying a few times.
fn reopen_waiting(reopen: &Reopen<'_>) -> Option<AnyRecorder> {
    for wait in REOPEN_WAITS {
        std::thread::sleep(wait);
        match reopen() {
            Ok(r) => return Some(r),
            Err(e) => tracing::debug!("reaching the recorder again: {e}"),
        }
    }
    None
}
