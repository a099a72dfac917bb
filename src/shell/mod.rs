//! The shell around the pure core: the terminal loop that draws, reads keys and signals, and
//! the workers that carry out the core's effects off the UI thread — one ordered worker per
//! kind (library, device, transfer, player) — answering with messages. See ARCHITECTURE.md.

pub mod deck_speaker;
pub mod device_worker;
pub mod edit_resume;
pub mod library_worker;
mod path_completion;
mod runtime;
pub mod stderr;
mod terminal;
pub(crate) mod titles_csv;
pub mod transfer_worker;

pub use library_worker::load_library;
pub use runtime::{RunOptions, run};
