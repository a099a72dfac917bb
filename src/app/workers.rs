//! Effects carried out off the UI thread. Each worker reports back with messages.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::catalog::Catalog;
use super::msg::{Effect, LibraryData, LibraryOp, Msg, OpOutcome};
use library::{self, ImportOptions, Library};

/// Progress messages are limited to this rate so a fast import does not flood the loop.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

pub fn spawn(effect: Effect, library_path: &Path, tx: Sender<Msg>) {
    let path = library_path.to_path_buf();
    let name = match &effect {
        Effect::LoadLibrary => "load-library",
        Effect::Import { .. } => "import",
        Effect::Library(_) => "library-op",
        Effect::PlanImport { .. } => "plan-import",
        Effect::ApplyPlan { .. } => "apply-import",
        Effect::CompletePath(_) => "complete-path",
        // The runtime hands these to the player and the device worker itself.
        Effect::Player(_) | Effect::Device(_) | Effect::Transfer(_) => return,
    };
    let result = thread::Builder::new()
        .name(name.into())
        .spawn(move || match effect {
            Effect::LoadLibrary => {
                let _ = tx.send(Msg::LibraryLoaded(load_library(&path)));
            }
            Effect::Import { roots } => run_import(&path, roots, &tx),
            Effect::PlanImport { roots } => {
                let result = Library::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|lib| {
                        let progress = throttled_progress(&tx);
                        library::plan_import(&lib, &roots, &progress).map_err(|e| e.to_string())
                    });
                let _ = tx.send(Msg::ImportPlanned(result));
            }
            Effect::ApplyPlan { plan, write_tags } => {
                let result = Library::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|mut lib| {
                        let progress = throttled_progress(&tx);
                        library::apply_plan(&mut lib, &plan, write_tags, &progress)
                            .map_err(|e| e.to_string())
                    });
                if let Ok(report) = &result {
                    for f in &report.failed {
                        tracing::warn!("import: {f}");
                    }
                }
                let _ = tx.send(Msg::PlanApplied(result));
            }
            Effect::CompletePath(text) => {
                let _ = tx.send(Msg::PathCompleted(complete_path(&text)));
            }
            Effect::Library(op) => {
                let result = library_op(&path, op);
                let reload = load_library(&path);
                let _ = tx.send(Msg::LibraryOpDone(result));
                let _ = tx.send(Msg::LibraryLoaded(reload));
            }
            Effect::Player(_) | Effect::Device(_) | Effect::Transfer(_) => {}
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
    let mut playlist_tracks = Vec::with_capacity(playlists.len());
    for p in &playlists {
        let entries = lib.playlist_entries(p.id).map_err(|e| e.to_string())?;
        playlist_tracks.push(entries.into_iter().map(|e| e.track).collect());
    }
    let transfers = lib.transfer_queue().map_err(|e| e.to_string())?;
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
        transfers,
    })
}

fn run_import(path: &Path, roots: Vec<PathBuf>, tx: &Sender<Msg>) {
    let result = Library::open(path)
        .map_err(|e| e.to_string())
        .and_then(|mut lib| {
            let progress = throttled_progress(tx);
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

fn library_op(path: &Path, op: LibraryOp) -> Result<OpOutcome, String> {
    let mut lib = Library::open(path).map_err(|e| e.to_string())?;
    let done = |message: String| OpOutcome {
        message,
        problems: Vec::new(),
        undo: None,
    };
    let text = |e: &dyn std::fmt::Display| e.to_string();
    match op {
        LibraryOp::CreatePlaylist(name) => {
            lib.create_playlist(&name).map_err(|e| text(&e))?;
            Ok(done(format!("Created the playlist \"{name}\"")))
        }
        LibraryOp::RenamePlaylist { id, name } => {
            lib.rename_playlist(id, &name).map_err(|e| text(&e))?;
            Ok(done(format!("Renamed the playlist to \"{name}\"")))
        }
        LibraryOp::DeletePlaylist(id) => {
            lib.delete_playlist(id).map_err(|e| text(&e))?;
            Ok(done("Deleted the playlist".into()))
        }
        LibraryOp::AddToPlaylist { name, tracks } => {
            let id = match lib.playlist_by_name(&name).map_err(|e| text(&e))? {
                Some(p) => p.id,
                None => lib.create_playlist(&name).map_err(|e| text(&e))?,
            };
            lib.add_to_playlist(id, &tracks).map_err(|e| text(&e))?;
            let n = tracks.len();
            let s = if n == 1 { "" } else { "s" };
            Ok(done(format!("Added {n} track{s} to \"{name}\"")))
        }
        LibraryOp::RemoveFromPlaylist { id, position } => {
            lib.remove_playlist_entry(id, position)
                .map_err(|e| text(&e))?;
            Ok(done("Removed from the playlist".into()))
        }
        LibraryOp::MovePlaylistEntry { id, from, to } => {
            lib.move_playlist_entry(id, from, to)
                .map_err(|e| text(&e))?;
            Ok(done(String::new()))
        }
        LibraryOp::WriteTags { paths, edit } => {
            let outcome = lib
                .update_tags(&paths, &edit, &|_| {})
                .map_err(|e| text(&e))?;
            Ok(tag_outcome(outcome, "Saved the tags of"))
        }
        LibraryOp::UndoTags(batch) => {
            let outcome = lib.undo_tags(&batch, &|_| {}).map_err(|e| text(&e))?;
            Ok(tag_outcome(outcome, "Undid the tag edit of"))
        }
    }
}

fn tag_outcome(outcome: library::TagEditOutcome, verb: &str) -> OpOutcome {
    let written = outcome.batch.after.len();
    let s = if written == 1 { "" } else { "s" };
    let problems: Vec<String> = outcome.failed.iter().map(|e| e.to_string()).collect();
    for p in &problems {
        tracing::warn!("tag edit: {p}");
    }
    OpOutcome {
        message: format!("{verb} {written} file{s}"),
        problems,
        undo: (written > 0).then_some(outcome.batch),
    }
}

/// A progress callback for the import workers, limited to [`PROGRESS_INTERVAL`].
fn throttled_progress(tx: &Sender<Msg>) -> impl Fn(library::ImportProgress) + Sync {
    let tx = Mutex::new(tx.clone());
    library::ImportProgress::throttled(PROGRESS_INTERVAL, move |p| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(Msg::ImportProgress {
                done: p.done,
                total: p.total,
                path: p.path.display().to_string(),
            });
        }
    })
}

/// Completes the last part of a path to the folder names that start with it: the whole name
/// when one matches, else the longest common start.
pub fn complete_path(text: &str) -> String {
    let path = Path::new(text);
    let (dir, prefix) = if text.ends_with('/') {
        (path.to_path_buf(), String::new())
    } else {
        (
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    };
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &dir
    }) else {
        return text.to_string();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix) && !n.starts_with('.'))
        .collect();
    names.sort();
    let Some(first) = names.first() else {
        return text.to_string();
    };
    let common = names.iter().fold(first.clone(), |acc, n| {
        acc.chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let mut out = dir.join(&common).display().to_string();
    if names.len() == 1 {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::complete_path;

    #[test]
    fn completes_unique_and_common_folder_names() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["Music", "Musicals", "Podcasts"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("Pod.txt"), "a file is not offered").unwrap();
        let base = dir.path().display().to_string();
        assert_eq!(
            complete_path(&format!("{base}/Po")),
            format!("{base}/Podcasts/")
        );
        assert_eq!(
            complete_path(&format!("{base}/Mu")),
            format!("{base}/Music")
        );
        assert_eq!(complete_path(&format!("{base}/Zz")), format!("{base}/Zz"));
    }
}
