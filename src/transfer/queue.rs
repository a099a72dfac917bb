//! The transfer queue's vocabulary: what the core asks of the transfer worker
//! ([`TransferRequest`]) and what the worker reports ([`TransferEvent`]).

use std::path::PathBuf;

use library::{QueuedTransfer, ReceiveOrder, TransferMode, TransferSource};
use netmd::Mode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferRequest {
    /// Start (or resume) sending the queued items.
    Start,
    /// Stop after the item being sent; the rest stays queued.
    Pause,
    Resume,
    /// Cancel the item being sent; the queue goes on.
    CancelCurrent,
    /// Queue a failed or cancelled item again.
    Retry(i64),
    RetryFailed,
    Enqueue {
        source: TransferSource,
        title: String,
        mode: TransferMode,
    },
    /// Queue a disc track to receive (MZ-RH1) into the file `into`.
    EnqueueReceive {
        order: ReceiveOrder,
        into: PathBuf,
        title: String,
        mode: TransferMode,
    },
    Remove(i64),
    /// Move an item to a position (from 1).
    Move {
        id: i64,
        position: u32,
    },
    SetMode {
        id: i64,
        mode: TransferMode,
    },
    SetTitle {
        id: i64,
        title: String,
    },
    ClearDone,
    Shutdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEvent {
    /// The queue as stored, after any change.
    QueueChanged(Vec<QueuedTransfer>),
    ItemStarted {
        id: i64,
        mode: Mode,
        bytes_total: u64,
    },
    Progress {
        id: i64,
        bytes_done: u64,
        bytes_total: u64,
        rate_bps: u64,
        eta_ms: u64,
    },
    ItemDone {
        id: i64,
        /// The track's number on the disc, from 1.
        track: u32,
        /// Worth telling, though it arrived (e.g. an MP3 that went as ATRAC3, and why).
        warnings: Vec<String>,
    },
    ItemFailed {
        id: i64,
        reason: String,
    },
    ItemCancelled {
        id: i64,
    },
    /// The batch was refused before anything was written (capacity, track limit, title space).
    Refused(String),
    /// Nothing left to send (or paused).
    Idle,
    Error(String),
}
