//! The device worker's vocabulary: what the core asks of the recorder ([`DeviceRequest`])
//! and what the worker reports ([`DeviceEvent`]).

use std::sync::{Arc, Mutex};

use super::DiscView;
use crate::transfer::Unit;
use netmd::PlayerStatus;

/// What the UI asks of the recorder. Tracks and groups are numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRequest {
    /// Read the disc again.
    Refresh,
    RenameTrack {
        track: u32,
        title: String,
    },
    RenameDisc {
        title: String,
    },
    CreateGroup {
        first: u32,
        last: u32,
        name: String,
    },
    /// Groups are numbered from 1, as on the recorder.
    RenameGroup {
        group: usize,
        name: String,
    },
    DeleteGroup {
        group: usize,
    },
    AddToGroup {
        group: usize,
        track: u32,
    },
    RemoveFromGroup {
        track: u32,
    },
    MoveTrack {
        from: u32,
        to: u32,
    },
    DeleteTracks(Vec<u32>),
    EraseDisc,
    /// Write the disc's titles, full-width titles and groups to a CSV file.
    ExportTitles(std::path::PathBuf),
    /// Apply a CSV file of titles and groups to the disc, as one checked change.
    ImportTitles(std::path::PathBuf),
    Play,
    Pause,
    Stop,
    Next,
    Previous,
    Goto(u32),
    Seek {
        track: u32,
        position_ms: u64,
    },
    Eject,
    /// Run a job that needs the recorder to itself (a send from the transfer queue) on this
    /// worker's thread, so that only one thing talks to the USB device; the disc is read again
    /// afterwards. Without a recorder the job is dropped unrun.
    Exclusive(ExclusiveJob),
    /// Put the unit's backup of the track index in place of the damaged one (Hi-MD), then
    /// connect.
    RestoreIndex,
    /// End the worker (dropping every sender does too).
    Shutdown,
}

type JobFn = Box<dyn FnOnce(&mut Unit) + Send>;

/// A one-shot job for [`DeviceRequest::Exclusive`]; clones share it and it runs at most once.
#[derive(Clone)]
pub struct ExclusiveJob(Arc<Mutex<Option<JobFn>>>);

impl ExclusiveJob {
    pub fn new(job: impl FnOnce(&mut Unit) + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(Some(Box::new(job)))))
    }

    /// The job, once: later calls (and clones) get nothing.
    pub fn take(&self) -> Option<JobFn> {
        self.0.lock().ok().and_then(|mut j| j.take())
    }
}

impl std::fmt::Debug for ExclusiveJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExclusiveJob")
    }
}

impl PartialEq for ExclusiveJob {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ExclusiveJob {}

/// What the worker reports. Text in it is sanitised for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A recorder was found and its disc read (`disc_present` may be false).
    Connected(DiscView),
    /// The recorder went away; the reason is for the status line.
    Disconnected(String),
    /// A Hi-MD disc whose track index is damaged and whose backup (`backup`) reads: the reason,
    /// and what the pane may offer.
    DamagedIndex {
        reason: String,
        backup: String,
    },
    /// The disc was changed (by us, or inserted, or ejected).
    DiscChanged(DiscView),
    /// Reading the disc: tracks done of total.
    Progress {
        operation: String,
        done: u32,
        total: u32,
    },
    /// The recorder's player changed state or position.
    Player(PlayerStatus),
    /// A request finished; the text says what was done.
    Done(String),
    /// Something was kept only approximately (e.g. characters a title cannot hold).
    Warning(String),
    Error(String),
}
