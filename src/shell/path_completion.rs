//! Path completion for the import dialog: reads folders, so it runs off the UI thread (on a
//! short thread of its own, not the library worker, which may be busy importing).

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::thread;

use library::text::natural_key;

use crate::app::Msg;

/// Completes `text` on a thread of its own and answers with [`Msg::PathCompleted`].
pub fn spawn_completion(text: String, tx: Sender<Msg>) {
    let spawned = thread::Builder::new()
        .name("complete-path".into())
        .spawn(move || {
            let _ = tx.send(Msg::PathCompleted(complete_path(&text)));
        });
    if let Err(e) = spawned {
        tracing::error!("could not start path completion: {e}");
    }
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
    names.sort_by_cached_key(|n| natural_key(n));
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
