//! Where ministage keeps its files, following the XDG base directory specification.

use std::path::PathBuf;

use directories::{ProjectDirs, UserDirs};

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "ministage")
}

/// `$XDG_DATA_HOME/ministage`: the library database lives here.
pub fn data_dir() -> Option<PathBuf> {
    project().map(|p| p.data_dir().to_path_buf())
}

/// `$XDG_STATE_HOME/ministage`: the log file lives here.
pub fn state_dir() -> Option<PathBuf> {
    project().map(|p| p.state_dir().unwrap_or(p.data_dir()).to_path_buf())
}

/// The database used when neither `--library` nor `MINISTAGE_LIBRARY` nor the config names one.
pub fn default_library() -> PathBuf {
    data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("library.sqlite3")
}

/// The log file used when the config names none.
pub fn default_log_file() -> PathBuf {
    state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("ministage.log")
}

/// The folder offered by the import dialog when the config names none.
pub fn default_music_dir() -> PathBuf {
    UserDirs::new()
        .and_then(|u| {
            u.audio_dir()
                .map(std::path::Path::to_path_buf)
                .or_else(|| Some(u.home_dir().join("Music")))
        })
        .unwrap_or_else(|| PathBuf::from("."))
}
