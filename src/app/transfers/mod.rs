//! The Transfers pane: the queue as stored in the library, and the item being sent.

pub mod fit;
pub mod update;

use crate::app::cursor::ListCursor;
use library::{QueuedTransfer, TransferMode, TransferState};

/// Progress of the item being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendProgress {
    pub id: i64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub rate_bps: u64,
    pub eta_ms: u64,
}

#[derive(Debug, Default)]
pub struct TransfersState {
    pub items: Vec<QueuedTransfer>,
    pub cursor: ListCursor,
    pub running: Option<SendProgress>,
    /// The user paused the queue (it stops after the current item).
    pub paused: bool,
    /// The mode `t` queues with.
    pub default_mode: TransferMode,
    /// The title template (config `transfer.title`).
    pub title_template: String,
    /// Where received tracks go (config `receive.dir`; `None`: the music folder's MiniDisc/).
    pub receive_dir: Option<std::path::PathBuf>,
    pub receive_format: crate::config::ReceiveFormat,
}

impl TransfersState {
    pub fn set(&mut self, items: Vec<QueuedTransfer>, page: usize) {
        let selected = self.items.get(self.cursor.selected).map(|i| i.id);
        self.items = items;
        if let Some(id) = selected
            && let Some(pos) = self.items.iter().position(|i| i.id == id)
        {
            self.cursor.selected = pos;
        }
        self.cursor.scroll_into_view(self.items.len(), page);
    }

    pub fn selected(&self) -> Option<&QueuedTransfer> {
        self.items.get(self.cursor.selected)
    }

    /// The items still to send (receive items take no room on the disc).
    pub fn pending(&self) -> impl Iterator<Item = &QueuedTransfer> {
        self.items.iter().filter(|i| {
            i.receive.is_none()
                && matches!(
                    i.state,
                    TransferState::Queued | TransferState::Preparing | TransferState::Sending
                )
        })
    }
}
