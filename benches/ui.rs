//! The jukebox with 100,000 tracks: loading the library to the first full frame, and the cost
//! of one keystroke (update + draw) for navigation and for filtering.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ministage::app::LibraryMsg;
use ministage::app::{Catalog, LibraryData, Model, Msg, update};
use ministage::config::{self, KeyMap, LoadOptions};
use ministage::{theme::ThemeSet, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[path = "support/mod.rs"]
mod common;

fn model(size: (u16, u16)) -> Model {
    let loaded = config::load(&LoadOptions {
        config_file: Some(common::bench_dir().join("no-config.toml")),
        env: Vec::new(),
        overrides: Vec::new(),
    })
    .expect("defaults");
    let (themes, _) = ThemeSet::load(None);
    let (theme, _) = themes.resolve("dark", false);
    let mut m = Model::new(
        &loaded.settings,
        KeyMap::defaults(),
        theme,
        PathBuf::from("unused"),
    );
    update(&mut m, Msg::Resize(ui::layout::viewport(size.0, size.1)));
    m
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ui_100k(c: &mut Criterion) {
    let db = common::big_library(10);
    let mut group = c.benchmark_group("ui-100k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));

    // What the user waits for: open the database, read every track, build the tree and the
    // search keys, and draw the first populated frame.
    group.bench_function("load to first populated frame", |b| {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
        b.iter(|| {
            let mut m = model((120, 40));
            let data = ministage::shell::load_library(&db).expect("load");
            assert!(data.catalog.tracks.len() >= 100_000);
            update(&mut m, Msg::Library(LibraryMsg::Loaded(Ok(data))));
            terminal.draw(|f| ui::view(&m, f)).expect("draw");
        });
    });

    let data = ministage::shell::load_library(&db).expect("load");
    let catalog: Arc<Catalog> = data.catalog;
    let loaded = |view_flat: bool| {
        let mut m = model((120, 40));
        update(
            &mut m,
            Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
                catalog: catalog.clone(),
                playlists: Vec::new(),
                playlist_tracks: Vec::new(),
                playlist_catalogs: Vec::new(),
                transfers: Vec::new(),
            }))),
        );
        if view_flat {
            key(&mut m, KeyCode::Char('v'));
        }
        m
    };
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));
    for (name, flat) in [
        ("keystroke j + frame, tree", false),
        ("keystroke j + frame, flat", true),
    ] {
        let mut m = loaded(flat);
        key(&mut m, KeyCode::Char('l'));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
        group.bench_function(name, |b| {
            b.iter(|| {
                key(&mut m, KeyCode::Char('j'));
                terminal.draw(|f| ui::view(&m, f)).expect("draw");
            });
        });
    }
    {
        let mut m = loaded(false);
        key(&mut m, KeyCode::Char('/'));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
        let mut typed = 0usize;
        group.bench_function("filter keystroke + frame", |b| {
            b.iter(|| {
                // Alternate typing and deleting so every step refilters 100k tracks.
                if typed.is_multiple_of(2) {
                    key(&mut m, KeyCode::Char('7'));
                } else {
                    key(&mut m, KeyCode::Backspace);
                }
                typed += 1;
                terminal.draw(|f| ui::view(&m, f)).expect("draw");
            });
        });
    }
    group.finish();
}

criterion_group!(benches, ui_100k);
criterion_main!(benches);
