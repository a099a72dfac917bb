//! Effects carried out off the UI thread. Each worker reports back with messages.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::catalog::Catalog;
use super::msg::{Effect, LibraryData, Msg};
use crate::library::{self, ImportOptions, Library};

/// Progress messages are limited to this rate so a fast import does not flood the loop.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

pub fn spawn(effect: Effect, library_path: &Path, tx: Sender<Msg>) {
    let path = library_path.to_path_buf();
    let name = match &effect {
        Effect::LoadLibrary => "load-library",
        Effect::Import { .. } => "import",
        // The runtime hands these to the player and the device worker itself.
        Effect::Player(_) | Effect::Device(_) => return,
    };
    let result = thread::Builder::new()
        .name(name.into())
        .spawn(move || match effect {
            Effect::LoadLibrary => {
                let _ = tx.send(Msg::LibraryLoaded(load_library(&path)));
            }
            Effect::Import { roots } => run_import(&path, roots, &tx),
            Effect::Player(_) | Effect::Device(_) => {}
        });
    if let Err(e) = result {
        tracing::error!("could not start the {name} worker: {e}");
    }
}

/// Reads the whole library and prepares the tree and search keys for the UI.
pub fn load_library(path: &Path) -> Result<LibraryData, String> {
    let started = Instant::now();
    let lib = Library::open(path).map_err(|e| e.to_string())?;
    let tracks = lib.all_tracks_unordered().map_err(|e| e.to_string())?;
    let playlists = lib.playlists().map_err(|e| e.to_string())?;
    let transfers = lib.transfer_items().map_err(|e| e.to_string())?;
    let catalog = Catalog::build(tracks);
    tracing::info!(
        "loaded {} tracks in {:?}",
        catalog.tracks.len(),
        started.elapsed()
    );
    Ok(LibraryData {
        catalog: Arc::new(catalog),
        playlists,
        transfers,
    })
}

fn run_import(path: &Path, roots: Vec<PathBuf>, tx: &Sender<Msg>) {
    let result = Library::open(path)
        .map_err(|e| e.to_string())
        .and_then(|mut lib| {
            let last = Mutex::new(Instant::now() - PROGRESS_INTERVAL);
            let progress_tx = Mutex::new(tx.clone());
            let progress = |p: library::ImportProgress| {
                let Ok(mut last) = last.lock() else { return };
                if p.done != p.total && last.elapsed() < PROGRESS_INTERVAL {
                    return;
                }
                *last = Instant::now();
                if let Ok(tx) = progress_tx.lock() {
                    let _ = tx.send(Msg::ImportProgress {
                        done: p.done,
                        total: p.total,
                        path: p.path.display().to_string(),
                    });
                }
            };
            library::import(&mut lib, &roots, &ImportOptions::default(), &progress)
                .map_err(|e| e.to_string())
        });
    if let Ok(report) = &result {
        tracing::info!("import of {roots:?}: {report}");
        for failure in &report.failed {
            tracing::warn!("import: {failure}");
        }
    }
    let _ = tx.send(Msg::ImportFinished(result));
}
