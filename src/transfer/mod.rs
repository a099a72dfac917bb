//! Sending music to the recorder: preparing audio ([`prepare`]), checking that a batch fits
//! ([`plan`]), and the pipeline that encrypts ahead of the USB writes ([`pipeline`]). The
//! queue's vocabulary is in [`queue`]; its worker is the shell's
//! [`Transferer`](crate::shell::transfer_worker::Transferer). Nothing here knows about the UI.
//!
//! Only one thing may talk to the recorder at a time: the transfer worker either owns its own
//! connection ([`DeviceLink::Direct`](crate::shell::transfer_worker::DeviceLink::Direct), the CLI
//! and tests) or runs each batch inside the
//! device worker as a [`DeviceRequest::Exclusive`](crate::app::DeviceRequest::Exclusive) job, so the UI's
//! device worker stays the only USB user.

pub mod coder;
pub mod gapless;
pub mod himd_send;
pub mod himd_unit;
pub mod pipeline;
pub mod plan;
pub mod prepare;
pub mod queue;
pub mod receive;
mod unit;

use std::path::PathBuf;

use thiserror::Error;

use netmd::DeviceError;
use netmd::send::SendError;

/// The mode an item asks for (a queue item's, `device send --mode`).
pub use library::TransferMode;
pub use pipeline::{BatchEvent, BatchOptions, ItemOutcome, SendItem, send_batch, send_batch_with};
pub use plan::TitleTemplate;
pub use queue::{TransferEvent, TransferRequest};
pub use unit::Unit;

#[derive(Debug, Error)]
pub enum TransferError {
    #[error("{}: {detail}", path.display())]
    Source { path: PathBuf, detail: String },
    #[error(
        "the queue does not fit on the disc even in LP4: it needs {} of LP4 time and {} is free \
         ({} too much); nothing was sent",
        netmd::format_ms(*needed_ms),
        netmd::format_ms(*free_ms),
        netmd::format_ms(needed_ms.saturating_sub(*free_ms))
    )]
    FitsNowhere { needed_ms: u64, free_ms: u64 },
    #[error(
        "not enough space on the disc: this needs {} (in SP time) and {} is free; nothing was sent",
        netmd::format_ms(*needed_ms),
        netmd::format_ms(*free_ms)
    )]
    Capacity { needed_ms: u64, free_ms: u64 },
    #[error(
        "not enough space on the Hi-MD disc: this needs {} and {} is free; nothing was sent",
        crate::ui::format::megabytes(*needed),
        crate::ui::format::megabytes(*free)
    )]
    HimdSpace { needed: u64, free: u64 },
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Himd(#[from] himd::HimdError),
    #[error("cancelled; nothing was recorded")]
    Cancelled,
    #[error("the transfer queue: {0}")]
    Queue(String),
}

impl TransferError {
    pub fn is_disconnect(&self) -> bool {
        match self {
            TransferError::Device(e) => e.is_disconnect(),
            TransferError::Send(e) => e.is_disconnect(),
            _ => false,
        }
    }
}
