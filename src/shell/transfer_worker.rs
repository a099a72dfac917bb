//! The transfer queue worker for the UI: requests go in, events come out, the queue lives in
//! the library database. Batches run either on a connection of their own
//! ([`DeviceLink::Direct`]) or inside the device worker ([`DeviceLink::Worker`]), which then
//! stays the only thing talking to the recorder.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::app::{DeviceRequest, ExclusiveJob};
use crate::transfer::pipeline::{
    BatchControl, BatchEvent, BatchOptions, ItemOutcome, SendItem, send_batch_with,
};
use crate::transfer::{TransferEvent, TransferRequest};
use crate::transfer::{Unit, himd_send, receive};
use library::{Library, QueuedTransfer, TransferState};
use netmd::{AnyRecorder, DeviceError};

/// How often progress is written to the database (events go out every chunk).
const PROGRESS_SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// Opens a recorder for a batch.
pub type Opener = Arc<dyn Fn() -> Result<AnyRecorder, DeviceError> + Send + Sync>;

/// How the worker reaches the recorder.
#[derive(Clone)]
pub enum DeviceLink {
    /// Open a connection of its own for each batch (the CLI, tests, no device worker).
    Direct(Opener),
    /// Run each batch inside the UI's device worker. The opener is used only to read the disc
    /// back when the connection was lost as a track was committed.
    Worker(Sender<DeviceRequest>, Opener),
}

impl DeviceLink {
    fn opener(&self) -> Opener {
        match self {
            DeviceLink::Direct(open) | DeviceLink::Worker(_, open) => open.clone(),
        }
    }
}

enum Msg {
    Request(TransferRequest),
    Batch(BatchEvent),
    BatchDone(Result<(), String>),
    /// Why the recorder could not be opened (the batch's end follows).
    BatchError(String),
}

/// Sends `BatchDone` when a batch ends, also when its job is dropped unrun.
struct DoneGuard {
    tx: Sender<Msg>,
    result: Option<Result<(), String>>,
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let result = self
            .result
            .take()
            .unwrap_or_else(|| Err("no recorder is connected".into()));
        let _ = self.tx.send(Msg::BatchDone(result));
    }
}

/// Spawns queue workers.
pub struct Transferer;

impl Transferer {
    /// Starts the worker on the queue in `library_path`; returns where to send requests.
    pub fn spawn(
        link: DeviceLink,
        library_path: PathBuf,
        options: BatchOptions,
        emit: impl Fn(TransferEvent) + Send + 'static,
    ) -> Sender<TransferRequest> {
        let (req_tx, req_rx) = mpsc::channel::<TransferRequest>();
        let (tx, rx) = mpsc::channel::<Msg>();
        let forward = tx.clone();
        let spawned = thread::Builder::new()
            .name("transfer-requests".into())
            .spawn(move || {
                for r in req_rx {
                    if forward.send(Msg::Request(r)).is_err() {
                        break;
                    }
                }
                let _ = forward.send(Msg::Request(TransferRequest::Shutdown));
            })
            .and_then(|_| {
                thread::Builder::new()
                    .name("transfer".into())
                    .spawn(move || {
                        let library = match Library::open(&library_path) {
                            Ok(l) => l,
                            Err(e) => return emit(TransferEvent::Error(e.to_string())),
                        };
                        Worker {
                            library,
                            link,
                            options,
                            emit: Box::new(emit),
                            tx,
                            running: false,
                            batch: None,
                            last_saved: Instant::now(),
                            open_error: None,
                        }
                        .run(&rx);
                    })
            });
        if let Err(e) = spawned {
            tracing::error!("could not start the transfer worker: {e}");
        }
        req_tx
    }
}

struct Worker {
    library: Library,
    link: DeviceLink,
    options: BatchOptions,
    emit: Box<dyn Fn(TransferEvent) + Send>,
    tx: Sender<Msg>,
    running: bool,
    batch: Option<BatchControl>,
    last_saved: Instant,
    open_error: Option<String>,
}

impl Worker {
    fn run(mut self, rx: &Receiver<Msg>) {
        match self.library.recover_transfers() {
            Ok(n) if n > 0 => tracing::info!("{n} interrupted transfers queued again"),
            Ok(_) => {}
            Err(e) => (self.emit)(TransferEvent::Error(e.to_string())),
        }
        self.queue_changed();
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Request(TransferRequest::Shutdown) => {
                    if let Some(b) = &self.batch {
                        b.stop.store(true, Ordering::SeqCst);
                        b.cancel_current.store(true, Ordering::SeqCst);
                    }
                    break;
                }
                Msg::Request(r) => self.request(r),
                Msg::Batch(e) => self.batch_event(e),
                Msg::BatchError(reason) => self.open_error = Some(reason),
                Msg::BatchDone(result) => {
                    self.batch = None;
                    if let Err(reason) = result {
                        let reason = self.open_error.take().unwrap_or(reason);
                        self.refused(&reason);
                    }
                    self.queue_changed();
                }
            }
            self.maybe_start();
        }
    }

    fn db<T>(&self, r: Result<T, library::LibraryError>) -> Option<T> {
        r.map_err(|e| (self.emit)(TransferEvent::Error(e.to_string())))
            .ok()
    }

    fn queue_changed(&self) {
        if let Some(q) = self.db(self.library.transfer_queue()) {
            (self.emit)(TransferEvent::QueueChanged(q));
        }
    }

    fn request(&mut self, r: TransferRequest) {
        use TransferRequest as R;
        let lib = &self.library;
        match r {
            R::Start | R::Resume => self.running = true,
            R::Pause => {
                self.running = false;
                if let Some(b) = &self.batch {
                    b.stop.store(true, Ordering::SeqCst);
                }
            }
            R::CancelCurrent => {
                if let Some(b) = &self.batch {
                    b.cancel_current.store(true, Ordering::SeqCst);
                }
            }
            R::Retry(id) => {
                self.db(lib.retry_transfer(id));
            }
            R::RetryFailed => {
                self.db(lib.retry_failed_transfers());
            }
            R::Enqueue {
                source,
                title,
                mode,
            } => {
                self.db(lib.enqueue_transfer(&source, &title, mode));
            }
            R::EnqueueReceive {
                order,
                into,
                title,
                mode,
            } => {
                self.db(lib.enqueue_receive(&order, &into, &title, mode));
            }
            R::Remove(id) => {
                // The running item cannot be pulled from under the sender.
                if self.is_running_item(id) {
                    (self.emit)(TransferEvent::Error(
                        "cancel the running transfer before removing it".into(),
                    ));
                } else {
                    self.db(lib.remove_transfer(id));
                }
            }
            R::Move { id, position } => {
                self.db(lib.move_transfer(id, position));
            }
            R::SetMode { id, mode } => {
                self.db(lib.set_transfer_mode(id, mode));
            }
            R::SetTitle { id, title } => {
                self.db(lib.set_transfer_title(id, &title));
            }
            R::ClearDone => {
                self.db(lib.clear_done_transfers());
            }
            R::Shutdown => {}
        }
        self.queue_changed();
    }

    fn is_running_item(&self, id: i64) -> bool {
        self.library
            .transfer(id)
            .ok()
            .flatten()
            .is_some_and(|t| matches!(t.state, TransferState::Preparing | TransferState::Sending))
    }

    fn refused(&mut self, reason: &str) {
        // Whatever was part of the refused batch is failed with the reason.
        if let Some(queue) = self.db(self.library.transfer_queue()) {
            for t in queue.iter().filter(|t| {
                matches!(
                    t.state,
                    TransferState::Queued | TransferState::Preparing | TransferState::Sending
                )
            }) {
                self.db(self
                    .library
                    .set_transfer_state(t.id, TransferState::Failed, Some(reason)));
            }
        }
        self.running = false;
        (self.emit)(TransferEvent::Refused(reason.to_string()));
    }

    fn batch_event(&mut self, e: BatchEvent) {
        let lib = &self.library;
        match e {
            BatchEvent::Preparing { id } => {
                self.db(lib.set_transfer_state(id, TransferState::Preparing, None));
                self.queue_changed();
            }
            BatchEvent::Started {
                id,
                mode,
                bytes_total,
            } => {
                self.db(lib.set_transfer_state(id, TransferState::Sending, None));
                self.db(lib.set_transfer_progress(id, 0, bytes_total));
                self.last_saved = Instant::now();
                (self.emit)(TransferEvent::ItemStarted {
                    id,
                    mode,
                    bytes_total,
                });
                self.queue_changed();
            }
            BatchEvent::Progress {
                id,
                bytes_done,
                bytes_total,
                rate_bps,
                eta_ms,
            } => {
                if self.last_saved.elapsed() >= PROGRESS_SAVE_INTERVAL {
                    self.db(lib.set_transfer_progress(id, bytes_done, bytes_total));
                    self.last_saved = Instant::now();
                }
                (self.emit)(TransferEvent::Progress {
                    id,
                    bytes_done,
                    bytes_total,
                    rate_bps,
                    eta_ms,
                });
            }
            BatchEvent::Stored { id, track, uuid } => {
                self.db(lib.note_transfer_stored(id, track, &netmd::bytes::to_hex(&uuid)));
            }
            BatchEvent::Finished { id, outcome } => {
                // A failed send keeps its note: the commit may have been taken all the same,
                // and a retry asks the disc first.
                if matches!(outcome, ItemOutcome::Done { .. } | ItemOutcome::Cancelled) {
                    self.db(lib.clear_transfer_stored(id));
                }
                let event = match outcome {
                    ItemOutcome::Done {
                        track, warnings, ..
                    } => {
                        for w in &warnings {
                            tracing::warn!("transfer {id}: {w}");
                        }
                        // Kept with the item, so the queue still says it after the status
                        // line has moved on.
                        let note = (!warnings.is_empty()).then(|| warnings.join("; "));
                        self.db(lib.set_transfer_state(id, TransferState::Done, note.as_deref()));
                        self.file_received(id);
                        TransferEvent::ItemDone {
                            id,
                            track,
                            warnings,
                        }
                    }
                    ItemOutcome::Failed(reason) => {
                        self.db(lib.set_transfer_state(id, TransferState::Failed, Some(&reason)));
                        TransferEvent::ItemFailed { id, reason }
                    }
                    ItemOutcome::Cancelled => {
                        self.db(lib.set_transfer_state(id, TransferState::Cancelled, None));
                        TransferEvent::ItemCancelled { id }
                    }
                    ItemOutcome::NotStarted => {
                        self.db(lib.set_transfer_state(id, TransferState::Queued, None));
                        return self.queue_changed();
                    }
                };
                (self.emit)(event);
                self.queue_changed();
            }
        }
    }

    /// A received item joins the library (its file is in place once it is done).
    fn file_received(&mut self, id: i64) {
        let Some(Some(item)) = self.db(self.library.transfer(id)) else {
            return;
        };
        let Some(order) = &item.receive else {
            return;
        };
        let filed = receive::Filed {
            path: &item.path,
            album: &order.album,
            title: &item.title,
            number: order.track,
            grouping: &order.grouping,
        };
        match receive::file_in_library(&mut self.library, &[filed]) {
            Ok(not_added) => {
                for f in not_added {
                    (self.emit)(TransferEvent::Error(format!(
                        "not added to the library: {f}"
                    )));
                }
            }
            Err(e) => (self.emit)(TransferEvent::Error(format!("{e:#}"))),
        }
    }

    /// Starts a batch of everything queued, when running and idle: the sends, or the receives
    /// when the first queued item is one.
    fn maybe_start(&mut self) {
        if !self.running || self.batch.is_some() {
            return;
        }
        let Some(queue) = self.db(self.library.transfer_queue()) else {
            return;
        };
        let receiving = queue
            .iter()
            .find(|t| t.state == TransferState::Queued)
            .is_some_and(|t| t.receive.is_some());
        if receiving {
            return self.start_receiving(&queue);
        }
        // What an earlier run stored on the disc before it stopped: the disc tells if it arrived.
        let stored: HashMap<i64, (u32, [u8; 8])> = self
            .db(self.library.stored_transfers())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(id, track, uuid)| {
                let uuid = netmd::bytes::from_hex(&uuid)?.try_into().ok()?;
                Some((id, (track, uuid)))
            })
            .collect();
        let items: Vec<SendItem> = queue
            .iter()
            .filter(|t| t.state == TransferState::Queued && t.receive.is_none())
            .map(|t| SendItem {
                id: t.id,
                path: t.path.clone(),
                title: (!t.title.trim().is_empty()).then(|| t.title.clone()),
                mode: t.mode,
                stored: stored.get(&t.id).copied(),
            })
            .collect();
        if items.is_empty() {
            self.running = false;
            (self.emit)(TransferEvent::Idle);
            return;
        }
        let control = BatchControl::default();
        self.batch = Some(control.clone());
        let tx = self.tx.clone();
        let options = self.options.clone();
        let reopen = self.link.opener();
        // Made before the job so that a job dropped unrun still ends the batch.
        let guard = DoneGuard {
            tx: tx.clone(),
            result: None,
        };
        let job = move |unit: &mut Unit| {
            let mut guard = guard;
            let mut emit = |e| {
                let _ = tx.send(Msg::Batch(e));
            };
            let result = match unit {
                Unit::NetMd(recorder) => send_batch_with(
                    recorder,
                    &items,
                    &options,
                    &control,
                    Some(&*reopen),
                    &mut emit,
                ),
                Unit::Himd(disc) => {
                    himd_send::send_batch(disc, &items, &options, &control, &mut emit)
                }
            };
            guard.result = Some(result.map(drop).map_err(|e| e.to_string()));
        };
        self.run_job(job);
    }

    /// Runs a batch's job on the recorder: inside the device worker, or on a connection of its
    /// own.
    fn run_job(&mut self, job: impl FnOnce(&mut Unit) + Send + 'static) {
        match &self.link {
            DeviceLink::Worker(device, _) => {
                if device
                    .send(DeviceRequest::Exclusive(ExclusiveJob::new(job)))
                    .is_err()
                {
                    self.batch = None;
                    self.refused("the device worker has stopped");
                }
            }
            DeviceLink::Direct(open) => {
                let open = open.clone();
                let tx = self.tx.clone();
                let spawned =
                    thread::Builder::new()
                        .name("transfer-send".into())
                        .spawn(move || match open() {
                            Ok(recorder) => job(&mut Unit::NetMd(recorder)),
                            Err(e) => {
                                // The reason goes first; dropping the job then ends the batch.
                                let _ = tx.send(Msg::BatchError(e.to_string()));
                                drop(job);
                            }
                        });
                if let Err(e) = spawned {
                    self.batch = None;
                    self.refused(&format!("could not start the send thread: {e}"));
                }
            }
        }
    }

    /// Starts receiving the queued receive items (MZ-RH1): the disc is read first, so that an
    /// item whose track changed since it was queued fails instead of bringing back another.
    fn start_receiving(&mut self, queue: &[QueuedTransfer]) {
        let orders: Vec<QueuedTransfer> = queue
            .iter()
            .filter(|t| t.state == TransferState::Queued && t.receive.is_some())
            .cloned()
            .collect();
        let control = BatchControl::default();
        self.batch = Some(control.clone());
        let tx = self.tx.clone();
        let guard = DoneGuard {
            tx: tx.clone(),
            result: None,
        };
        let job = move |unit: &mut Unit| {
            let mut guard = guard;
            let mut emit = |e| {
                let _ = tx.send(Msg::Batch(e));
            };
            let disc = match unit {
                Unit::NetMd(recorder) => netmd::receive::check_can_receive(recorder.identity())
                    .map_err(|e| e.to_string())
                    .and_then(|()| recorder.read_disc().map_err(|e| e.to_string()))
                    .map(|d| d.map_text(library::text::clean)),
                // The view's text is sanitised already.
                Unit::Himd(h) => h.view().map(|v| v.info).map_err(|e| format!("{e:#}")),
            };
            let disc = match disc {
                Ok(d) => d,
                Err(reason) => {
                    // Only the receive items fail: queued sends are not this batch's.
                    for q in &orders {
                        emit(BatchEvent::Finished {
                            id: q.id,
                            outcome: ItemOutcome::Failed(reason.clone()),
                        });
                    }
                    guard.result = Some(Ok(()));
                    return;
                }
            };
            let mut items = Vec::new();
            for q in &orders {
                match receive::item_for(q, &disc) {
                    Ok(item) => items.push(item),
                    Err(reason) => emit(BatchEvent::Finished {
                        id: q.id,
                        outcome: ItemOutcome::Failed(reason),
                    }),
                }
            }
            match unit {
                Unit::NetMd(recorder) => {
                    receive::receive_batch(recorder, &items, &control, &mut emit);
                }
                Unit::Himd(h) => himd_send::receive_batch(h, &items, &control, &mut emit),
            }
            guard.result = Some(Ok(()));
        };
        self.run_job(job);
    }
}
