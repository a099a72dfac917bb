//! Shared helpers for the integration tests. Everything here is self-contained: tracks are made
//! in memory, audio files are synthesised by `ministage::demo`, and the recorded test data in
//! `tests/fixtures` is read through [`fixtures`].

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

pub mod ffmpeg;
pub mod fixtures;
pub mod receive;
pub mod round_trip;

use std::path::PathBuf;
use std::sync::Arc;

use library::{AtracMode, AudioCodec, Track};
use ministage::app::LibraryMsg;
use ministage::app::{Catalog, LibraryData, Model, Msg, update};
use ministage::config::{self, KeyMap, LoadOptions};
use ministage::theme::ThemeSet;

pub fn track(artist: &str, album: &str, n: u32, title: &str, year: i32, secs: u64) -> Track {
    Track {
        id: i64::from(n) + i64::from(year) * 100,
        path: PathBuf::from(format!("/music/{artist}/{album}/{n:02} {title}.flac")),
        title: title.into(),
        artist: artist.into(),
        album: album.into(),
        album_artist: artist.into(),
        track_number: Some(n),
        disc_number: None,
        year: Some(year),
        genre: "Ambient".into(),
        duration_ms: secs * 1000,
        codec: AudioCodec::Flac,
        sample_rate: Some(44_100),
        channels: Some(2),
        bitrate_kbps: Some(900),
        missing: false,
        mode: AtracMode::NotAtrac,
        protected: false,
        grouping: String::new(),
    }
}

/// A small library with accented, Japanese and Cyrillic names.
pub fn sample_tracks() -> Vec<Track> {
    vec![
        track("Élodie Lumière", "Cœur de verre", 1, "Aube", 2003, 201),
        track(
            "Élodie Lumière",
            "Cœur de verre",
            2,
            "Pluie fine",
            2003,
            187,
        ),
        track(
            "Élodie Lumière",
            "Cœur de verre",
            3,
            "Le café des étoiles",
            2003,
            244,
        ),
        track("青い鳥楽団", "夜明けの歌", 1, "朝の光", 1998, 263),
        track("青い鳥楽団", "夜明けの歌", 2, "海辺の道", 1998, 315),
        track("青い鳥楽団", "夜明けの歌", 3, "さくら通り", 1998, 198),
        track(
            "Полярный Экспресс",
            "Северное сияние",
            1,
            "Вокзал",
            1991,
            222,
        ),
        track(
            "Полярный Экспресс",
            "Северное сияние",
            2,
            "Метель",
            1991,
            276,
        ),
        track("Björk Sound System", "Glacial", 1, "Ice Field", 1995, 301),
        track("Björk Sound System", "Glacial", 2, "Thaw", 1995, 256),
        track(
            "The Long Names",
            "An Album Title That Goes On and On Past Any Column",
            1,
            "A Song Title Longer Than Any Reasonable Column Width",
            2010,
            3723,
        ),
    ]
}

/// A model with default settings, the given theme, and `tracks` loaded as a worker would.
pub fn model(tracks: Vec<Track>, theme: &str, size: (u16, u16)) -> Model {
    let dir = std::env::temp_dir().join("ministage-tests-no-config");
    let loaded = config::load(&LoadOptions {
        // No --config, and a configuration folder that does not exist: the defaults.
        config_file: None,
        env: vec![(
            "XDG_CONFIG_HOME".into(),
            dir.join("absent").to_string_lossy().into_owned(),
        )],
        overrides: Vec::new(),
    })
    .expect("defaults load");
    let (themes, errors) = ThemeSet::load(None);
    assert!(errors.is_empty(), "{errors:?}");
    let (theme, _) = themes.resolve(theme, false);
    let mut model = Model::new(
        &loaded.settings,
        KeyMap::defaults(),
        theme,
        PathBuf::from("/tmp/x.sqlite3"),
    );
    update(
        &mut model,
        Msg::Resize(ministage::ui::layout::viewport(size.0, size.1)),
    );
    update(
        &mut model,
        Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
            catalog: Arc::new(Catalog::build(tracks)),
            playlists: Vec::new(),
            playlist_tracks: Vec::new(),
            playlist_catalogs: Vec::new(),
            transfers: Vec::new(),
        }))),
    );
    model
}

/// A disc as the device worker reports it: a group, all three modes, a Japanese title.
pub fn disc() -> netmd::DiscInfo {
    use netmd::{Capacity, DiscInfo, GroupInfo, Mode, TitleCells, TrackInfo};
    let track = |number: u32, title: &str, mode: Mode, group: Option<usize>, ms: u64| TrackInfo {
        number,
        title: title.into(),
        full_width_title: String::new(),
        mode,
        channels: 2,
        duration_ms: ms,
        protected: false,
        group,
    };
    DiscInfo {
        device: "Sony MZ-N707".into(),
        disc_present: true,
        title: "Summer Mix".into(),
        full_width_title: String::new(),
        groups: vec![GroupInfo {
            title: "Side A".into(),
            full_width_title: String::new(),
            first: 1,
            last: 2,
        }],
        tracks: vec![
            track(1, "Morning Light", Mode::SP, Some(0), 215_000),
            track(2, "Cafe au lait", Mode::LP2, Some(0), 187_000),
            track(3, "Yoake no Uta", Mode::LP4, None, 301_000),
        ],
        capacity: Capacity {
            total_ms: 4_800_000,
            used_ms: 880_000,
            free_ms: 3_920_000,
        },
        title_cells: TitleCells {
            used: 9,
            full_width_used: 0,
            total: 255,
        },
        write_protected: false,
        native_mono: false,
        can_receive: false,
    }
}

/// The `ministage` binary with its XDG folders inside `dir`, so a test never reads or writes
/// the user's configuration, data or logs.
pub fn ministage(dir: &std::path::Path) -> std::process::Command {
    let home = dir.join("home");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ministage"));
    cmd.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("MINISTAGE_LIBRARY")
        .env_remove("MINISTAGE_CONFIG");
    cmd
}

/// Batch items for `files`, numbered from 0 in order.
pub fn send_items(
    files: &[(&std::path::Path, library::TransferMode)],
) -> Vec<ministage::transfer::SendItem> {
    files
        .iter()
        .enumerate()
        .map(|(i, (path, mode))| ministage::transfer::SendItem {
            id: i as i64,
            path: path.to_path_buf(),
            title: None,
            mode: *mode,
            stored: None,
        })
        .collect()
}
