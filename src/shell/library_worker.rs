//! The library worker: one thread and one database connection that serve the library's
//! requests in the order they were made. Reloads are coalesced: requests that arrive while the
//! worker is busy are served first, and the library is read once after them, so a burst of
//! edits (holding `J` in the Playlists pane) ends in one reload, not one per key press.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use library::{ImportOptions, Library, LibraryError, PlaylistError};

use crate::app::{Catalog, LibraryData, LibraryMsg, LibraryOp, LibraryRequest, Msg, OpOutcome};

/// How often an idle worker checks whether another process changed the library.
const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Progress messages are limited to this rate so a fast import does not flood the loop.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Starts the worker for the library at `path`; each answer goes to `emit`.
pub fn spawn(path: PathBuf, emit: impl Fn(Msg) + Send + Sync + 'static) -> Sender<LibraryRequest> {
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("library".into())
        .spawn(move || serve(&path, &rx, &emit));
    if let Err(e) = spawned {
        tracing::error!("could not start the library worker: {e}");
    }
    tx
}

/// Serves requests until [`LibraryRequest::Shutdown`] or until every sender is gone.
pub fn serve(path: &Path, requests: &Receiver<LibraryRequest>, emit: &(dyn Fn(Msg) + Sync)) {
    let mut worker = Worker {
        path: path.to_path_buf(),
        conn: None,
        generation: None,
    };
    loop {
        let first = match requests.recv_timeout(WATCH_INTERVAL) {
            Ok(first) => first,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Another process (an import, `ministage tag`) changed the library: show it.
                if worker.changed_elsewhere() {
                    emit(Msg::Library(LibraryMsg::Loaded(worker.load())));
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut pending = vec![first];
        let mut reload = false;
        let mut shutdown = false;
        // Everything already waiting is served before the one reload they all want.
        while !pending.is_empty() {
            for request in pending.drain(..) {
                match request {
                    LibraryRequest::Shutdown => shutdown = true,
                    LibraryRequest::Load => reload = true,
                    other => reload |= worker.execute(other, emit),
                }
            }
            if shutdown {
                break;
            }
            pending.extend(requests.try_iter());
        }
        if reload {
            emit(Msg::Library(LibraryMsg::Loaded(worker.load())));
        }
        if shutdown {
            return;
        }
    }
}

struct Worker {
    path: PathBuf,
    /// Opened on first use and kept; a failed open is tried again at the next request.
    conn: Option<Library>,
    /// The library's generation when it was last loaded; `None` before the first load.
    generation: Option<i64>,
}

impl Worker {
    fn library(&mut self) -> Result<&mut Library, LibraryError> {
        let lib = match self.conn.take() {
            Some(lib) => lib,
            None => Library::open(&self.path)?,
        };
        Ok(self.conn.insert(lib))
    }

    fn load(&mut self) -> Result<LibraryData, LibraryError> {
        let lib = self.library()?;
        // Read before the data, so a change made meanwhile shows as a new generation.
        let generation = lib.generation().ok();
        let data = load_from(lib)?;
        self.generation = generation;
        Ok(data)
    }

    /// Whether the library changed since it was last loaded (never before the first load, and
    /// never when the generation cannot be read, as in a read-only library of an old schema).
    fn changed_elsewhere(&mut self) -> bool {
        let Some(seen) = self.generation else {
            return false;
        };
        self.conn
            .as_ref()
            .and_then(|lib| lib.generation().ok())
            .is_some_and(|now| now != seen)
    }

    /// Carries out one request and reports it; true when the library should be reloaded.
    fn execute(&mut self, request: LibraryRequest, emit: &(dyn Fn(Msg) + Sync)) -> bool {
        match request {
            LibraryRequest::Import { roots } => {
                let progress = throttled_progress(emit);
                let result = self.library().and_then(|lib| {
                    library::import(lib, &roots, &ImportOptions::default(), &progress)
                });
                if let Ok(report) = &result {
                    tracing::info!("import of {roots:?}: {report}");
                    for failure in &report.failed {
                        tracing::warn!("import: {failure}");
                    }
                }
                emit(Msg::Library(LibraryMsg::ImportFinished(result)));
                // The core asks for the reload when it hears the import finished.
                false
            }
            LibraryRequest::PlanImport { roots } => {
                let progress = throttled_progress(emit);
                let result = self
                    .library()
                    .and_then(|lib| library::plan_import(lib, &roots, &progress));
                emit(Msg::Library(LibraryMsg::ImportPlanned(result)));
                false
            }
            LibraryRequest::ApplyPlan { plan, write_tags } => {
                let progress = throttled_progress(emit);
                let result = self
                    .library()
                    .and_then(|lib| library::apply_plan(lib, &plan, write_tags, &progress));
                if let Ok(report) = &result {
                    for f in &report.failed {
                        tracing::warn!("import: {f}");
                    }
                }
                emit(Msg::Library(LibraryMsg::PlanApplied(result)));
                false
            }
            LibraryRequest::Op(op) => {
                let result = self
                    .library()
                    .map_err(PlaylistError::from)
                    .and_then(|lib| library_op(lib, op));
                emit(Msg::Library(LibraryMsg::OpDone(result)));
                true
            }
            LibraryRequest::Load | LibraryRequest::Shutdown => false,
        }
    }
}

/// Reads the whole library at `path` and prepares the tree and search keys for the UI.
pub fn load_library(path: &Path) -> Result<LibraryData, LibraryError> {
    load_from(&Library::open(path)?)
}

fn load_from(lib: &Library) -> Result<LibraryData, LibraryError> {
    let started = Instant::now();
    let tracks = lib.all_tracks_unordered()?;
    let playlists = lib.playlists()?;
    let mut playlist_tracks = Vec::with_capacity(playlists.len());
    for p in &playlists {
        let entries = lib.playlist_entries(p.id)?;
        playlist_tracks.push(entries.into_iter().map(|e| e.track).collect::<Vec<_>>());
    }
    // Each playlist's own catalog keeps its order and duplicates; built here, off the UI thread.
    let playlist_catalogs = playlist_tracks
        .iter()
        .map(|tracks| Arc::new(Catalog::build(tracks.clone())))
        .collect();
    let transfers = lib.transfer_queue()?;
    let catalog = Catalog::build(tracks);
    tracing::info!(
        "loaded {} tracks in {:?}",
        catalog.tracks.len(),
        started.elapsed()
    );
    Ok(LibraryData {
        catalog: Arc::new(catalog),
        playlists,
        playlist_tracks,
        playlist_catalogs,
        transfers,
    })
}

fn library_op(lib: &mut Library, op: LibraryOp) -> Result<OpOutcome, PlaylistError> {
    let done = |message: String| OpOutcome {
        message,
        problems: Vec::new(),
        undo: None,
    };
    match op {
        LibraryOp::CreatePlaylist(name) => {
            lib.create_playlist(&name)?;
            Ok(done(format!("Created the playlist \"{name}\"")))
        }
        LibraryOp::RenamePlaylist { id, name } => {
            lib.rename_playlist(id, &name)?;
            Ok(done(format!("Renamed the playlist to \"{name}\"")))
        }
        LibraryOp::DeletePlaylist(id) => {
            lib.delete_playlist(id)?;
            Ok(done("Deleted the playlist".into()))
        }
        LibraryOp::AddToPlaylist { name, tracks } => {
            let id = match lib.playlist_by_name(&name)? {
                Some(p) => p.id,
                None => lib.create_playlist(&name)?,
            };
            lib.add_to_playlist(id, &tracks)?;
            let n = tracks.len();
            let s = if n == 1 { "" } else { "s" };
            Ok(done(format!("Added {n} track{s} to \"{name}\"")))
        }
        LibraryOp::RemoveFromPlaylist { id, position } => {
            lib.remove_playlist_entry(id, position)?;
            Ok(done("Removed from the playlist".into()))
        }
        LibraryOp::MovePlaylistEntry { id, from, to } => {
            lib.move_playlist_entry(id, from, to)?;
            Ok(done(String::new()))
        }
        LibraryOp::WriteTags { paths, edit } => {
            let outcome = lib.update_tags(&paths, &edit, &|_| {})?;
            Ok(tag_outcome(outcome, "Saved the tags of"))
        }
        LibraryOp::UndoTags(batch) => {
            let outcome = lib.undo_tags(&batch, &|_| {})?;
            Ok(tag_outcome(outcome, "Undid the tag edit of"))
        }
    }
}

fn tag_outcome(outcome: library::TagEditOutcome, verb: &str) -> OpOutcome {
    let written = outcome.batch.after.len();
    let s = if written == 1 { "" } else { "s" };
    let problems: Vec<String> = outcome.failed.iter().map(ToString::to_string).collect();
    for p in &problems {
        tracing::warn!("tag edit: {p}");
    }
    OpOutcome {
        message: format!("{verb} {written} file{s}"),
        problems,
        undo: (written > 0).then_some(outcome.batch),
    }
}

/// A progress callback for imports, limited to [`PROGRESS_INTERVAL`].
fn throttled_progress(emit: &(dyn Fn(Msg) + Sync)) -> impl Fn(library::ImportProgress) + Sync {
    let emit = Mutex::new(emit);
    library::ImportProgress::throttled(PROGRESS_INTERVAL, move |p| {
        if let Ok(emit) = emit.lock() {
            emit(Msg::Library(LibraryMsg::ImportProgress {
                done: p.done,
                total: p.total,
                path: p.path.display().to_string(),
            }));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `requests` through a worker that found them all waiting, and returns what it said.
    fn serve_all(path: &Path, requests: Vec<LibraryRequest>) -> Vec<Msg> {
        let (tx, rx) = mpsc::channel();
        for r in requests {
            tx.send(r).unwrap();
        }
        drop(tx);
        let said = Mutex::new(Vec::new());
        serve(path, &rx, &|m| said.lock().unwrap().push(m));
        said.into_inner().unwrap()
    }

    fn library_with_playlist(dir: &Path, entries: usize) -> (PathBuf, i64) {
        let path = dir.join("lib.sqlite3");
        let music = dir.join("music");
        std::fs::create_dir_all(&music).unwrap();
        for n in 0..entries {
            let pcm = media::synth::melody(n as u64, 0.1, 8000, 1);
            media::synth::write_wav(&music.join(format!("{n:02}.wav")), &pcm).unwrap();
        }
        let mut lib = Library::open(&path).unwrap();
        library::import(&mut lib, &[music], &ImportOptions::default(), &|_| {}).unwrap();
        let mut tracks = lib.all_tracks_unordered().unwrap();
        tracks.sort_by(|a, b| a.path.cmp(&b.path));
        let id = lib.create_playlist("burst").unwrap();
        let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
        lib.add_to_playlist(id, &ids).unwrap();
        (path, id)
    }

    #[test]
    fn a_burst_of_moves_is_served_in_order_with_one_reload() {
        let dir = tempfile::tempdir().unwrap();
        let (path, id) = library_with_playlist(dir.path(), 5);
        // Twenty moves of the first entry one step down, wrapping back to the top: each
        // depends on the one before, so any reordering ends in another order.
        let mut requests = Vec::new();
        let mut model: Vec<usize> = (0..5).collect();
        let mut at = 1u32;
        for _ in 0..20 {
            let to = if at == 5 { 1 } else { at + 1 };
            requests.push(LibraryRequest::Op(LibraryOp::MovePlaylistEntry {
                id,
                from: at,
                to,
            }));
            let item = model.remove(at as usize - 1);
            model.insert(to as usize - 1, item);
            at = to;
        }
        let said = serve_all(&path, requests);
        let done = said
            .iter()
            .filter(|m| matches!(m, Msg::Library(LibraryMsg::OpDone(Ok(_)))))
            .count();
        let loads: Vec<&LibraryData> = said
            .iter()
            .filter_map(|m| match m {
                Msg::Library(LibraryMsg::Loaded(Ok(data))) => Some(data),
                _ => None,
            })
            .collect();
        assert_eq!(done, 20, "{said:?}");
        assert_eq!(loads.len(), 1, "one reload for the whole burst");
        assert!(matches!(
            said.last(),
            Some(Msg::Library(LibraryMsg::Loaded(Ok(_))))
        ));
        let names: Vec<String> = loads[0].playlist_tracks[0]
            .iter()
            .map(|t| t.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let want: Vec<String> = model.iter().map(|n| format!("{n:02}.wav")).collect();
        assert_eq!(names, want);
    }

    #[test]
    fn a_change_made_by_another_process_is_loaded_without_being_asked() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = library_with_playlist(dir.path(), 2);
        let (tx, rx) = mpsc::channel();
        let (said_tx, said) = mpsc::channel();
        let worker_path = path.clone();
        let worker = thread::spawn(move || {
            serve(&worker_path, &rx, &move |m| {
                let _ = said_tx.send(m);
            });
        });
        let playlists = |m: Msg| match m {
            Msg::Library(LibraryMsg::Loaded(Ok(data))) => Some(data.playlists.len()),
            _ => None,
        };
        tx.send(LibraryRequest::Load).unwrap();
        let first = said.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(playlists(first), Some(1));
        // Another connection, as `ministage playlist create` in another terminal would.
        Library::open(&path)
            .unwrap()
            .create_playlist("elsewhere")
            .unwrap();
        let next = said.recv_timeout(WATCH_INTERVAL * 4).unwrap();
        assert_eq!(playlists(next), Some(2));
        // Nothing changed since: no reload.
        assert!(
            said.recv_timeout(WATCH_INTERVAL + Duration::from_millis(500))
                .is_err()
        );
        drop(tx);
        worker.join().unwrap();
    }

    #[test]
    fn an_unopenable_library_is_a_typed_error_and_the_worker_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_db = dir.path().join("junk.sqlite3");
        std::fs::write(&not_a_db, b"this is not a database at all, not even close").unwrap();
        let said = serve_all(
            &not_a_db,
            vec![
                LibraryRequest::Load,
                LibraryRequest::Op(LibraryOp::CreatePlaylist("x".into())),
            ],
        );
        assert!(
            matches!(said[0], Msg::Library(LibraryMsg::OpDone(Err(_)))),
            "{said:?}"
        );
        assert!(
            matches!(said[1], Msg::Library(LibraryMsg::Loaded(Err(_)))),
            "{said:?}"
        );
    }
}
