//! `update` driven by key messages, as a user would drive it.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::config::{self, KeyMap, LibraryView, LoadOptions, SortKey};
use crate::theme::ThemeSet;
use ::library::Track;
use media::player::PlayerEvent;

fn track(artist: &str, album: &str, n: u32, title: &str, year: i32) -> Track {
    Track {
        id: i64::from(n) + i64::from(year) * 100,
        path: PathBuf::from(format!("/m/{artist}/{album}/{n}.flac")),
        title: title.into(),
        artist: artist.into(),
        album: album.into(),
        album_artist: artist.into(),
        track_number: Some(n),
        disc_number: None,
        year: Some(year),
        genre: String::new(),
        duration_ms: 60_000 * u64::from(n),
        codec: ::library::AudioCodec::Flac,
        sample_rate: Some(44_100),
        channels: Some(2),
        bitrate_kbps: None,
        missing: false,
        mode: ::library::AtracMode::NotAtrac,
        protected: false,
        grouping: String::new(),
    }
}

fn tracks() -> Vec<Track> {
    vec![
        track("Björk", "Debut", 1, "Human Behaviour", 1993),
        track("Björk", "Debut", 2, "Crying", 1993),
        track("Björk", "Post", 1, "Army of Me", 1995),
        track("Aphex", "Selected", 1, "Xtal", 1992),
        track("Aphex", "Selected", 2, "Tha", 1992),
        track("坂本", "音楽図鑑", 1, "Tibetan Dance", 1984),
    ]
}

fn model_with(tracks: Vec<Track>) -> Model {
    let loaded = config::load(&LoadOptions {
        // No --config, and a configuration folder that does not exist: the defaults.
        config_file: None,
        env: vec![(
            "XDG_CONFIG_HOME".into(),
            "/nonexistent/ministage-tests".into(),
        )],
        overrides: Vec::new(),
    })
    .expect("defaults");
    let (themes, _) = ThemeSet::load(None);
    let (theme, _) = themes.resolve("dark", false);
    let mut m = Model::new(
        &loaded.settings,
        KeyMap::defaults(),
        theme,
        PathBuf::from("x.db"),
    );
    update(&mut m, Msg::Resize(crate::ui::layout::viewport(80, 24)));
    update(
        &mut m,
        Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
            catalog: Arc::new(Catalog::build(tracks)),
            playlists: Vec::new(),
            playlist_tracks: Vec::new(),
            playlist_catalogs: Vec::new(),
            transfers: Vec::new(),
        }))),
    );
    m
}

fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        press(m, KeyCode::Char(c));
    }
}

fn selected_title(m: &Model) -> Option<String> {
    m.library.selected_track().map(|t| t.title.clone())
}

#[test]
fn tree_starts_collapsed_with_artists_sorted_accent_insensitively() {
    let m = model_with(tracks());
    let names: Vec<&str> = m
        .library
        .catalog
        .artists
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["Aphex", "Björk", "坂本"]);
    assert_eq!(m.library.len(), 3);
}

#[test]
fn expand_collapse_and_parent_navigation() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('j')); // Björk
    press(&mut m, KeyCode::Char('l')); // expand → Debut, Post
    assert_eq!(m.library.len(), 5);
    press(&mut m, KeyCode::Char('l')); // on expanded artist: move to first album
    press(&mut m, KeyCode::Char('l')); // expand Debut
    assert_eq!(m.library.len(), 7);
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(selected_title(&m).as_deref(), Some("Human Behaviour"));
    press(&mut m, KeyCode::Char('h')); // track → its album
    assert_eq!(
        m.library.selected_tree_row(),
        Some(TreeRow::Album {
            artist: 1,
            album: 0
        })
    );
    press(&mut m, KeyCode::Char('h')); // collapse album
    assert_eq!(m.library.len(), 5);
    press(&mut m, KeyCode::Char('h')); // collapsed album → artist
    assert_eq!(
        m.library.selected_tree_row(),
        Some(TreeRow::Artist { artist: 1 })
    );
    press(&mut m, KeyCode::Left);
    assert_eq!(m.library.len(), 3);
}

#[test]
fn top_bottom_and_paging_stay_in_bounds() {
    let many: Vec<Track> = (1..=200)
        .map(|n| track("A", "B", n, &format!("t{n}"), 2000))
        .collect();
    let mut m = model_with(many);
    press(&mut m, KeyCode::Char('v'));
    assert_eq!(m.library.view, LibraryView::Flat);
    press(&mut m, KeyCode::Char('G'));
    assert_eq!(m.library.cursor().selected, 199);
    press(&mut m, KeyCode::PageUp);
    let page = m.library.cursor().selected;
    assert!(page < 199 && page > 150, "{page}");
    press(&mut m, KeyCode::Home);
    assert_eq!(*m.library.cursor(), ListCursor::default());
    press(&mut m, KeyCode::Up);
    assert_eq!(m.library.cursor().selected, 0);
    press(&mut m, KeyCode::PageDown);
    let c = *m.library.cursor();
    assert!(c.selected >= c.offset && c.selected < c.offset + 20);
}

#[test]
fn focus_cycles_and_jumps() {
    let mut m = model_with(tracks());
    assert_eq!(m.focus, Pane::Library);
    press(&mut m, KeyCode::Tab);
    assert_eq!(m.focus, Pane::Playlists);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(m.focus, Pane::Library);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(m.focus, Pane::Transfers);
    press(&mut m, KeyCode::Char('3'));
    assert_eq!(m.focus, Pane::Device);
    press(&mut m, KeyCode::Char('1'));
    assert_eq!(m.focus, Pane::Library);
}

#[test]
fn filter_is_live_accent_insensitive_and_flat() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('/'));
    assert!(m.library.filter.editing);
    type_text(&mut m, "bjork");
    assert_eq!(m.library.listing(), Listing::Filtered);
    assert_eq!(m.library.len(), 3);
    // Keys that are bindings elsewhere are text while the field has the keyboard.
    type_text(&mut m, " q");
    assert!(!m.quit);
    assert_eq!(m.library.len(), 0);
    press(&mut m, KeyCode::Backspace);
    press(&mut m, KeyCode::Backspace);
    assert_eq!(m.library.len(), 3);
    press(&mut m, KeyCode::Enter);
    assert!(!m.library.filter.editing);
    assert!(m.library.filter.is_active());
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(selected_title(&m).as_deref(), Some("Crying"));
    press(&mut m, KeyCode::Esc);
    assert!(!m.library.filter.is_active());
    assert_eq!(m.library.listing(), Listing::Tree);
}

#[test]
fn marking_under_a_filter_keeps_the_selection_on_screen() {
    let many: Vec<Track> = (1..=40)
        .map(|n| track("Björk", "Long", n, &format!("Song {n}"), 2000))
        .collect();
    let mut m = model_with(many);
    press(&mut m, KeyCode::Char('/'));
    type_text(&mut m, "song");
    press(&mut m, KeyCode::Enter);
    assert!(m.library.filter.is_active());
    // The filter line and the filtered list's header take two of the pane's inside rows.
    let visible = m.viewport.library - 2;
    for _ in 0..visible + 3 {
        press(&mut m, KeyCode::Char('x'));
        let c = m.library.cursor();
        assert!(
            c.selected >= c.offset && c.selected < c.offset + visible,
            "row {} left the {visible} visible rows from {}",
            c.selected,
            c.offset
        );
    }
}

#[test]
fn filter_error_keeps_last_results_and_reports() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('/'));
    type_text(&mut m, "year:1992..1993");
    assert_eq!(m.library.len(), 4);
    type_text(&mut m, " year:abc");
    assert!(m.library.filter.error.is_some());
    assert_eq!(m.library.len(), 4);
    press(&mut m, KeyCode::Esc);
    assert!(m.library.filter.error.is_none());
    assert!(!m.library.filter.editing);
}

#[test]
fn sort_cycles_and_reverses_keeping_selection() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('v'));
    press(&mut m, KeyCode::Char('j'));
    let before = selected_title(&m);
    press(&mut m, KeyCode::Char('o'));
    assert_eq!(m.library.sort, SortKey::Album);
    assert_eq!(selected_title(&m), before);
    press(&mut m, KeyCode::Char('O'));
    assert!(m.library.reverse);
    assert_eq!(selected_title(&m), before);
}

#[test]
fn toggle_view_keeps_the_selected_track() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('v'));
    press(&mut m, KeyCode::Char('G'));
    assert_eq!(selected_title(&m).as_deref(), Some("Tibetan Dance"));
    press(&mut m, KeyCode::Char('v'));
    assert_eq!(m.library.view, LibraryView::Tree);
    assert_eq!(selected_title(&m).as_deref(), Some("Tibetan Dance"));
}

#[test]
fn help_overlay_opens_and_closes() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('?'));
    assert!(matches!(m.overlay, Overlay::Help { .. }));
    press(&mut m, KeyCode::Char('j'));
    assert!(matches!(m.overlay, Overlay::Help { scroll: 1 }));
    press(&mut m, KeyCode::Esc);
    assert!(matches!(m.overlay, Overlay::None));
    press(&mut m, KeyCode::Char('q'));
    assert!(m.quit);
}

#[test]
fn import_dialog_reads_a_preview_in_the_background() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('i'));
    let Overlay::Import(dialog) = &mut m.overlay else {
        panic!("no import dialog");
    };
    dialog.path = ratatui_textarea::TextArea::default();
    type_text(&mut m, "/srv/music");
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Library(LibraryRequest::PlanImport {
            roots: vec![PathBuf::from("/srv/music")]
        })]
    );
    assert!(m.import.is_some());
    // A second import waits for the first.
    press(&mut m, KeyCode::Char('i'));
    assert!(matches!(m.overlay, Overlay::None));
    let gone = ::library::LibraryError::Database {
        path: PathBuf::from("/m/lib.sqlite3"),
        source: rusqlite::Error::InvalidQuery,
    };
    let effects = update(&mut m, Msg::Library(LibraryMsg::ImportFinished(Err(gone))));
    assert_eq!(effects, vec![Effect::Library(LibraryRequest::Load)]);
    assert!(m.import.is_none());
    assert_eq!(m.status.as_ref().map(|s| s.level), Some(Level::Error));
}

#[test]
fn ctrl_c_quits_even_while_typing_a_filter() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('/'));
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(m.quit);
}

#[test]
fn reload_keeps_selection_and_expansion() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('l'));
    press(&mut m, KeyCode::Char('j'));
    let mut more = tracks();
    more.push(track("Abba", "Gold", 1, "SOS", 1975));
    update(
        &mut m,
        Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
            catalog: Arc::new(Catalog::build(more)),
            playlists: Vec::new(),
            playlist_tracks: Vec::new(),
            playlist_catalogs: Vec::new(),
            transfers: Vec::new(),
        }))),
    );
    // Abba now sorts first; the cursor still sits on Björk's first album, still expanded.
    assert_eq!(
        m.library.selected_tree_row(),
        Some(TreeRow::Album {
            artist: 2,
            album: 0
        })
    );
    assert!(m.library.is_artist_expanded(2));
}

fn played(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerRequest::Play { seq, path }) => {
                Some(format!("play {seq} {}", path.display()))
            }
            Effect::Player(PlayerRequest::SetNext(Some((seq, path)))) => {
                Some(format!("next {seq} {}", path.display()))
            }
            Effect::Player(PlayerRequest::SetNext(None)) => Some("next none".into()),
            _ => None,
        })
        .collect()
}

/// The model with the cursor on Björk › Debut › track 1 (tree view).
fn on_debut_track_one() -> Model {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('j')); // Björk
    press(&mut m, KeyCode::Char('l'));
    press(&mut m, KeyCode::Char('j')); // Debut
    press(&mut m, KeyCode::Char('l'));
    press(&mut m, KeyCode::Char('j')); // Human Behaviour
    m
}

#[test]
fn enter_plays_the_track_and_queues_the_rest_of_its_album() {
    let mut m = on_debut_track_one();
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        played(&effects),
        [
            "play 1 /m/Björk/Debut/1.flac",
            "next 2 /m/Björk/Debut/2.flac"
        ]
    );
    assert_eq!(m.playback.state, PlayState::Playing);
    // The player reports the second track started: it becomes current; nothing follows it.
    let effects = update(&mut m, Msg::Player(PlayerEvent::Started { seq: 2 }));
    assert_eq!(played(&effects), ["next none"]);
    assert_eq!(
        m.playback.current_track().map(|t| t.title.as_str()),
        Some("Crying")
    );
    update(&mut m, Msg::Player(PlayerEvent::Ended { seq: 1 }));
    assert_eq!(m.playback.state, PlayState::Playing);
    update(&mut m, Msg::Player(PlayerEvent::Ended { seq: 2 }));
    assert_eq!(
        m.playback.state,
        PlayState::Stopped,
        "end of the queue stops"
    );
}

#[test]
fn enter_on_an_album_plays_it_from_the_start() {
    let mut m = on_debut_track_one();
    press(&mut m, KeyCode::Char('k')); // Debut
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(played(&effects)[0], "play 1 /m/Björk/Debut/1.flac");
}

#[test]
fn repeat_and_manual_next_previous() {
    let mut m = on_debut_track_one();
    press(&mut m, KeyCode::Enter);
    // Repeat all: after the last track comes the first.
    let effects = press(&mut m, KeyCode::Char('r'));
    assert_eq!(m.playback.repeat, Repeat::All);
    assert_eq!(played(&effects), ["next 3 /m/Björk/Debut/2.flac"]);
    let effects = press(&mut m, KeyCode::Char('n'));
    assert_eq!(
        played(&effects),
        [
            "play 4 /m/Björk/Debut/2.flac",
            "next 5 /m/Björk/Debut/1.flac"
        ]
    );
    // Repeat one: the same track follows itself.
    press(&mut m, KeyCode::Char('r'));
    assert_eq!(m.playback.repeat, Repeat::One);
    let effects = press(&mut m, KeyCode::Char('p'));
    assert_eq!(
        played(&effects),
        [
            "play 7 /m/Björk/Debut/1.flac",
            "next 8 /m/Björk/Debut/1.flac"
        ]
    );
    // Off: `n` on the last track says the queue has ended.
    press(&mut m, KeyCode::Char('r'));
    press(&mut m, KeyCode::Char('n'));
    let effects = press(&mut m, KeyCode::Char('n'));
    assert!(played(&effects).is_empty());
    assert_eq!(
        m.status.as_ref().map(|s| s.text.as_str()),
        Some("End of the play queue")
    );
}

#[test]
fn shuffle_plays_every_track_once_starting_with_the_chosen_one() {
    let mut m = model_with(tracks());
    m.playback.rng = 42;
    press(&mut m, KeyCode::Char('z'));
    press(&mut m, KeyCode::Char('v'));
    press(&mut m, KeyCode::Char('j'));
    let chosen = m.library.selected_track_index().unwrap();
    press(&mut m, KeyCode::Enter);
    let mut order: Vec<usize> = m
        .playback
        .order
        .iter()
        .map(|&q| m.playback.queue[q])
        .collect();
    assert_eq!(order[0], chosen);
    order.sort_unstable();
    assert_eq!(order, (0..6).collect::<Vec<_>>());
}

#[test]
fn pause_seek_volume_and_mute() {
    let mut m = on_debut_track_one();
    press(&mut m, KeyCode::Enter);
    update(
        &mut m,
        Msg::Player(PlayerEvent::Position {
            seq: 1,
            position_ms: 20_000,
        }),
    );
    assert_eq!(m.playback.elapsed_ms, 20_000);
    let e = press(&mut m, KeyCode::Char(' '));
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Pause)]);
    assert_eq!(m.playback.state, PlayState::Paused);
    let e = press(&mut m, KeyCode::Char(','));
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Seek(15_000))]);
    let e = press(&mut m, KeyCode::Char('>'));
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Seek(45_000))]);
    let e = press(&mut m, KeyCode::Char('<'));
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Seek(15_000))]);
    // Past the end (track 1 lasts 60 s) goes to the next track.
    let e = press(&mut m, KeyCode::Char('>'));
    let e2 = press(&mut m, KeyCode::Char('>'));
    assert!(played(&e).is_empty());
    assert_eq!(played(&e2)[0], "play 3 /m/Björk/Debut/2.flac");
    press(&mut m, KeyCode::Char('-'));
    assert_eq!(m.playback.volume, 95);
    let e = press(&mut m, KeyCode::Char('m'));
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Volume(0.0))]);
    let e = press(&mut m, KeyCode::Char('+'));
    assert!(!m.playback.muted);
    assert_eq!(e, vec![Effect::Player(PlayerRequest::Volume(1.0))]);
    press(&mut m, KeyCode::Char('s'));
    assert_eq!(m.playback.state, PlayState::Stopped);
}

#[test]
fn without_audio_output_play_keys_say_why() {
    let mut m = on_debut_track_one();
    update(
        &mut m,
        Msg::AudioUnavailable("no audio output: no device (use --audio null)".into()),
    );
    m.status = None;
    let effects = press(&mut m, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(m.status.as_ref().unwrap().text.contains("use --audio null"));
    m.status = None;
    assert!(press(&mut m, KeyCode::Char(' ')).is_empty());
    assert!(m.status.is_some());
}

#[test]
fn a_track_that_fails_is_named_and_skipped() {
    let mut m = on_debut_track_one();
    press(&mut m, KeyCode::Enter);
    let effects = update(
        &mut m,
        Msg::Player(PlayerEvent::Failed {
            seq: 1,
            path: PathBuf::from("/m/Björk/Debut/1.flac"),
            reason: "not a FLAC stream".into(),
        }),
    );
    assert_eq!(played(&effects)[0], "play 3 /m/Björk/Debut/2.flac");
    let status = m.status.as_ref().unwrap();
    assert_eq!(status.level, Level::Error);
    assert!(status.text.contains("1.flac") && status.text.contains("not a FLAC stream"));
}

fn demo_disc() -> netmd::DiscInfo {
    use netmd::{Capacity, DiscInfo, GroupInfo, Mode, TitleCells, TrackInfo};
    let track = |number: u32, title: &str, mode: Mode, group: Option<usize>| TrackInfo {
        number,
        title: title.into(),
        full_width_title: String::new(),
        mode,
        channels: 2,
        duration_ms: 200_000,
        protected: false,
        group,
    };
    DiscInfo {
        device: "virtual deck".into(),
        disc_present: true,
        title: "Mix".into(),
        full_width_title: String::new(),
        groups: vec![GroupInfo {
            title: "Side A".into(),
            full_width_title: String::new(),
            first: 1,
            last: 2,
        }],
        tracks: vec![
            track(1, "One", Mode::SP, Some(0)),
            track(2, "Two", Mode::LP2, Some(0)),
            track(3, "Three", Mode::LP4, None),
        ],
        capacity: Capacity {
            total_ms: 4_800_000,
            used_ms: 600_000,
            free_ms: 4_200_000,
        },
        title_cells: TitleCells {
            used: 5,
            full_width_used: 0,
            total: 255,
        },
        write_protected: false,
        native_mono: false,
        can_receive: false,
    }
}

#[test]
fn device_pane_lists_the_disc_and_edits_it() {
    use crate::app::{DeviceEvent, DeviceRequest};
    let mut m = model_with(tracks());
    update(
        &mut m,
        Msg::Device(DeviceEvent::Connected(demo_disc().into())),
    );
    assert_eq!(
        m.device.rows,
        [
            DeviceRow::Disc,
            DeviceRow::Group(0),
            DeviceRow::Track(1),
            DeviceRow::Track(2),
            DeviceRow::Track(3)
        ]
    );
    press(&mut m, KeyCode::Char('3'));
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(m.device.selected_track(), Some(1));
    // Rename: the dialog starts with the current title.
    press(&mut m, KeyCode::Char('R'));
    let Overlay::Rename(dialog) = &m.overlay else {
        panic!("no rename dialog")
    };
    assert_eq!(dialog.input.lines(), ["One"]);
    type_text(&mut m, "!");
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Device(DeviceRequest::RenameTrack {
            track: 1,
            title: "One!".into()
        })]
    );
    // `w` / `W`: the titles as CSV, to a file the dialog names.
    press(&mut m, KeyCode::Char('w'));
    let Overlay::Rename(dialog) = &m.overlay else {
        panic!("no file dialog")
    };
    assert_eq!(dialog.input.lines(), ["titles.csv"]);
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Device(DeviceRequest::ExportTitles(
            "titles.csv".into()
        ))]
    );
    press(&mut m, KeyCode::Char('W'));
    type_text(&mut m, "2");
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Device(DeviceRequest::ImportTitles(
            "titles.csv2".into()
        ))]
    );
    // A range of tracks becomes a group; delete asks first.
    press(&mut m, KeyCode::Char('V'));
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(m.device.selected_range(), Some((1, 3)));
    press(&mut m, KeyCode::Char('d'));
    assert!(matches!(m.overlay, Overlay::Confirm(_)));
    assert!(press(&mut m, KeyCode::Char('n')).is_empty());
    press(&mut m, KeyCode::Char('V'));
    press(&mut m, KeyCode::Char('d'));
    let effects = press(&mut m, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::Device(DeviceRequest::DeleteTracks(vec![3]))]
    );
    // Move up, and the recorder's own playback.
    let effects = press(&mut m, KeyCode::Char('K'));
    assert_eq!(
        effects,
        vec![Effect::Device(DeviceRequest::MoveTrack { from: 3, to: 2 })]
    );
    let effects = press(&mut m, KeyCode::Char(' '));
    assert_eq!(effects, vec![Effect::Device(DeviceRequest::Play)]);
    update(
        &mut m,
        Msg::Device(DeviceEvent::Disconnected("unplugged".into())),
    );
    assert!(m.device.rows.is_empty());
    assert!(m.status.as_ref().unwrap().text.contains("unplugged"));
}

#[test]
fn a_write_protected_disc_refuses_edits_before_asking() {
    use crate::app::DeviceEvent;
    let mut m = model_with(tracks());
    let mut disc = demo_disc();
    disc.write_protected = true;
    update(&mut m, Msg::Device(DeviceEvent::Connected(disc.into())));
    press(&mut m, KeyCode::Char('3'));
    press(&mut m, KeyCode::Char('G'));
    assert!(press(&mut m, KeyCode::Char('E')).is_empty());
    assert!(matches!(m.overlay, Overlay::None));
    assert!(m.status.as_ref().unwrap().text.contains("write-protected"));
}

#[test]
fn marks_and_add_to_playlist() {
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('v'));
    press(&mut m, KeyCode::Char('x')); // marks row 0 and moves down
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('x'));
    assert_eq!(m.library.marked.len(), 2);
    press(&mut m, KeyCode::Char('a'));
    let Overlay::Rename(dialog) = &m.overlay else {
        panic!("no playlist dialog")
    };
    assert!(dialog.heading.contains("2 tracks"));
    type_text(&mut m, "Road trip");
    let effects = press(&mut m, KeyCode::Enter);
    let ids: Vec<i64> = m
        .library
        .flat
        .iter()
        .take(3)
        .map(|&i| m.library.catalog.tracks[i].id)
        .collect();
    assert_eq!(
        effects,
        vec![Effect::Library(LibraryRequest::Op(
            LibraryOp::AddToPlaylist {
                name: "Road trip".into(),
                tracks: vec![ids[0], ids[2]],
            }
        ))]
    );
    assert!(m.library.marked.is_empty(), "marks are cleared once used");
    assert_eq!(m.playlists.last_used.as_deref(), Some("Road trip"));
}

#[test]
fn tag_editor_changes_only_edited_fields_and_keeps_various() {
    use ::library::TagEdit;
    let mut m = model_with(tracks());
    // Björk's whole artist row: three tracks on two albums.
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('e'));
    let Overlay::Tags(editor) = &m.overlay else {
        panic!("no tag editor")
    };
    assert_eq!(editor.paths.len(), 3);
    let album = editor
        .fields
        .iter()
        .find(|f| f.field == TagField::Album)
        .unwrap();
    assert_eq!(album.initial, None, "albums differ: (various)");
    let artist = editor
        .fields
        .iter()
        .find(|f| f.field == TagField::Artist)
        .unwrap();
    assert_eq!(artist.initial.as_deref(), Some("Björk"));
    // Artist is field 2: replace it; leave the (various) album alone; bad year first.
    press(&mut m, KeyCode::Tab);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut m, "Bjork");
    for _ in 0..3 {
        press(&mut m, KeyCode::Tab);
    }
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut m, "19x");
    assert!(press(&mut m, KeyCode::Enter).is_empty());
    let Overlay::Tags(editor) = &m.overlay else {
        panic!("the editor stays open on a bad year")
    };
    assert!(editor.error.as_deref().unwrap().contains("Year"));
    press(&mut m, KeyCode::Backspace);
    type_text(&mut m, "9");
    let effects = press(&mut m, KeyCode::Enter);
    let [Effect::Library(LibraryRequest::Op(LibraryOp::WriteTags { paths, edit }))] =
        effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(paths.len(), 3);
    assert_eq!(
        *edit,
        TagEdit {
            artist: Some("Bjork".into()),
            year: Some(Some(199)),
            ..TagEdit::default()
        }
    );
}

#[test]
fn undo_sends_the_last_batch_back() {
    use ::library::TagEditBatch;
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('u'));
    assert_eq!(m.status.as_ref().unwrap().text, "Nothing to undo");
    let batch = TagEditBatch::default();
    update(
        &mut m,
        Msg::Library(LibraryMsg::OpDone(Ok(OpOutcome {
            message: "Saved the tags of 3 files".into(),
            problems: vec!["/m/x.mp3: read-only".into()],
            undo: Some(batch.clone()),
        }))),
    );
    assert_eq!(m.status.as_ref().unwrap().level, Level::Warning);
    assert!(m.status.as_ref().unwrap().text.contains("read-only"));
    let effects = press(&mut m, KeyCode::Char('u'));
    assert_eq!(
        effects,
        vec![Effect::Library(LibraryRequest::Op(LibraryOp::UndoTags(
            batch
        )))]
    );
}

/// The sample library with one playlist "Mix" (id `id`) of the given tracks, in that order.
fn model_with_playlist(id: i64, entries: &[usize]) -> Model {
    use ::library::PlaylistSummary;
    let mut m = model_with(tracks());
    let all = tracks();
    update(
        &mut m,
        Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
            catalog: Arc::new(Catalog::build(all.clone())),
            playlists: vec![PlaylistSummary {
                id,
                name: "Mix".into(),
                track_count: entries.len() as u32,
                duration_ms: entries.iter().map(|&i| all[i].duration_ms).sum(),
            }],
            playlist_tracks: vec![entries.iter().map(|&i| all[i].clone()).collect()],
            playlist_catalogs: vec![Arc::new(Catalog::build(
                entries.iter().map(|&i| all[i].clone()).collect(),
            ))],
            transfers: Vec::new(),
        }))),
    );
    m
}

#[test]
fn a_playlist_entry_after_a_missing_file_plays_itself() {
    use ::library::PlaylistSummary;
    let mut m = model_with(tracks());
    let mut entries: Vec<Track> = [0, 1, 2].iter().map(|&i| tracks()[i].clone()).collect();
    entries[1].missing = true;
    update(
        &mut m,
        Msg::Library(LibraryMsg::Loaded(Ok(LibraryData {
            catalog: Arc::new(Catalog::build(tracks())),
            playlists: vec![PlaylistSummary {
                id: 3,
                name: "Gaps".into(),
                track_count: 3,
                duration_ms: 0,
            }],
            playlist_catalogs: vec![Arc::new(Catalog::build(entries.clone()))],
            playlist_tracks: vec![entries],
            transfers: Vec::new(),
        }))),
    );
    press(&mut m, KeyCode::Char('2'));
    press(&mut m, KeyCode::Char('l'));
    for _ in 0..3 {
        press(&mut m, KeyCode::Char('j'));
    }
    assert_eq!(m.playlists.selected(), Some(PlaylistRow::Entry(0, 2)));
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        played(&effects)[0],
        format!("play 1 {}", tracks()[2].path.display())
    );
    // The missing entry itself starts the next present one.
    press(&mut m, KeyCode::Char('k'));
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        played(&effects)[0],
        format!("play 2 {}", tracks()[2].path.display())
    );
}

#[test]
fn playlists_pane_plays_edits_and_reorders() {
    let mut m = model_with_playlist(9, &[4, 0]);
    press(&mut m, KeyCode::Char('2'));
    assert_eq!(m.playlists.rows, [PlaylistRow::Playlist(0)]);
    let effects = press(&mut m, KeyCode::Enter);
    assert_eq!(
        played(&effects)[0],
        "play 1 /m/Aphex/Selected/2.flac",
        "in playlist order"
    );
    press(&mut m, KeyCode::Char('l'));
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(m.playlists.selected(), Some(PlaylistRow::Entry(0, 1)));
    let effects = press(&mut m, KeyCode::Char('K'));
    assert_eq!(
        effects,
        vec![Effect::Library(LibraryRequest::Op(
            LibraryOp::MovePlaylistEntry {
                id: 9,
                from: 2,
                to: 1
            }
        ))]
    );
    let effects = press(&mut m, KeyCode::Char('d'));
    assert_eq!(
        effects,
        vec![Effect::Library(LibraryRequest::Op(
            LibraryOp::RemoveFromPlaylist { id: 9, position: 1 }
        ))]
    );
    press(&mut m, KeyCode::Char('h'));
    press(&mut m, KeyCode::Char('d'));
    assert!(
        matches!(m.overlay, Overlay::Confirm(_)),
        "deleting a playlist asks first"
    );
}

#[test]
fn t_queues_the_selection_and_the_transfers_pane_drives_the_queue() {
    use crate::transfer::{TransferEvent, TransferRequest};
    use ::library::{QueuedTransfer, TransferMode, TransferSource, TransferState};
    let mut m = model_with(tracks());
    press(&mut m, KeyCode::Char('j')); // Björk: the whole artist
    let effects = press(&mut m, KeyCode::Char('t'));
    assert_eq!(effects.len(), 4, "three enqueues and a start: {effects:?}");
    assert!(matches!(
        &effects[0],
        Effect::Transfer(TransferRequest::Enqueue { source: TransferSource::Track(_), mode, .. })
            if *mode == TransferMode::Auto
    ));
    assert_eq!(effects[3], Effect::Transfer(TransferRequest::Start));

    let item = |id: i64, position: u32, state: TransferState| QueuedTransfer {
        id,
        position,
        track_id: None,
        path: PathBuf::from(format!("/m/{id}.flac")),
        title: format!("Item {id}"),
        mode: TransferMode::Sp,
        state,
        error: None,
        bytes_done: 0,
        bytes_total: 0,
        receive: None,
    };
    update(
        &mut m,
        Msg::Transfer(TransferEvent::QueueChanged(vec![
            item(1, 1, TransferState::Sending),
            item(2, 2, TransferState::Failed),
        ])),
    );
    update(
        &mut m,
        Msg::Transfer(TransferEvent::Progress {
            id: 1,
            bytes_done: 50,
            bytes_total: 100,
            rate_bps: 176_400,
            eta_ms: 1000,
        }),
    );
    assert_eq!(m.transfers.running.map(|r| r.bytes_done), Some(50));
    press(&mut m, KeyCode::Char('4'));
    // The running item cannot be removed; `s` cancels it.
    assert!(press(&mut m, KeyCode::Char('d')).is_empty());
    assert_eq!(
        press(&mut m, KeyCode::Char('s')),
        vec![Effect::Transfer(TransferRequest::CancelCurrent)]
    );
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(
        press(&mut m, KeyCode::Char('r'))[0],
        Effect::Transfer(TransferRequest::Retry(2))
    );
    assert_eq!(
        press(&mut m, KeyCode::Char('o')),
        vec![Effect::Transfer(TransferRequest::SetMode {
            id: 2,
            mode: TransferMode::Lp2
        })]
    );
    assert_eq!(
        press(&mut m, KeyCode::Char('K')),
        vec![Effect::Transfer(TransferRequest::Move {
            id: 2,
            position: 1
        })]
    );
    assert_eq!(
        press(&mut m, KeyCode::Char(' ')),
        vec![Effect::Transfer(TransferRequest::Pause)]
    );
    assert!(m.transfers.paused);
    update(
        &mut m,
        Msg::Transfer(TransferEvent::ItemFailed {
            id: 1,
            reason: "disconnected".into(),
        }),
    );
    assert!(m.status.as_ref().unwrap().text.contains("disconnected"));
    assert!(m.transfers.running.is_none());
}

#[test]
fn import_preview_prefills_from_file_names_and_applies_edits() {
    use ::library::{Library, plan_import};
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Night Drive");
    std::fs::create_dir_all(&album).unwrap();
    for name in ["01 - Neon Road.flac", "02. Kim Lo - Tail Lights.flac"] {
        crate::demo::write_flac(&album.join(name), &crate::demo::melody(1, 0.2, 44_100, 2))
            .unwrap();
    }
    let lib = Library::open_in_memory().unwrap();
    let plan = plan_import(&lib, &[dir.path().to_path_buf()], &|_| {}).unwrap();
    let mut m = model_with(tracks());
    update(&mut m, Msg::Library(LibraryMsg::ImportPlanned(Ok(plan))));
    let Overlay::ImportPreview(p) = &m.overlay else {
        panic!("no preview")
    };
    let titles: Vec<&str> = p.plan.albums[0]
        .tracks
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Neon Road", "Tail Lights"],
        "prefilled from the file names"
    );
    assert_eq!(p.plan.albums[0].tracks[1].artist, "Kim Lo");
    assert!(p.write_tags, "config default: write tags to the files");
    // Album title, then this artist for every track, then a title of the first track.
    press(&mut m, KeyCode::Char('a'));
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut m, "Night Drive");
    press(&mut m, KeyCode::Enter);
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('P'));
    press(&mut m, KeyCode::Char('k'));
    press(&mut m, KeyCode::Char('t'));
    type_text(&mut m, "!");
    press(&mut m, KeyCode::Enter);
    press(&mut m, KeyCode::Char('y'));
    type_text(&mut m, "19x9");
    press(&mut m, KeyCode::Enter);
    let Overlay::ImportPreview(p) = &m.overlay else {
        panic!("no preview")
    };
    assert!(p.error.as_deref().unwrap().contains("Year"));
    press(&mut m, KeyCode::Char('w'));
    let effects = press(&mut m, KeyCode::Enter);
    let [Effect::Library(LibraryRequest::ApplyPlan { plan, write_tags })] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert!(!write_tags);
    let a = &plan.albums[0];
    assert_eq!(a.fields.album, "Night Drive");
    assert_eq!(a.fields.year, None);
    assert_eq!(a.tracks[0].title, "Neon Road!");
    assert!(a.tracks.iter().all(|t| t.artist == "Kim Lo"));
    assert!(m.import.is_some(), "the import runs in the background");
}

#[test]
fn import_preview_offers_a_choice_for_duplicates() {
    use ::library::{DuplicateChoice, Library, import, plan_import};
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Again");
    std::fs::create_dir_all(&album).unwrap();
    crate::demo::write_flac(
        &album.join("01 - Once.flac"),
        &crate::demo::melody(3, 0.2, 44_100, 2),
    )
    .unwrap();
    let mut lib = Library::open_in_memory().unwrap();
    import(
        &mut lib,
        &[dir.path().to_path_buf()],
        &::library::ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    let mut plan = plan_import(&lib, &[dir.path().to_path_buf()], &|_| {}).unwrap();
    plan.detect_duplicates(&lib).unwrap();
    let mut m = model_with(tracks());
    update(&mut m, Msg::Library(LibraryMsg::ImportPlanned(Ok(plan))));
    press(&mut m, KeyCode::Char('j'));
    let choice = |m: &Model| match &m.overlay {
        Overlay::ImportPreview(p) => p.plan.albums[0].tracks[0].choice,
        _ => panic!("no preview"),
    };
    let first = choice(&m);
    press(&mut m, KeyCode::Char('D'));
    let second = choice(&m);
    press(&mut m, KeyCode::Char('D'));
    let third = choice(&m);
    let mut seen = vec![first, second, third];
    seen.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(
        seen,
        [
            DuplicateChoice::KeepBoth,
            DuplicateChoice::Replace,
            DuplicateChoice::Skip
        ],
        "D cycles through skip, keep both and replace"
    );
}

#[test]
fn t_on_a_playlist_queues_its_tracks() {
    use crate::transfer::TransferRequest;
    let mut m = model_with_playlist(1, &[1, 2]);
    press(&mut m, KeyCode::Char('2'));
    let effects = press(&mut m, KeyCode::Char('t'));
    assert_eq!(effects.len(), 3);
    assert_eq!(effects[2], Effect::Transfer(TransferRequest::Start));
}

#[test]
fn queued_titles_follow_the_configured_template() {
    use crate::transfer::TransferRequest;
    let mut m = model_with(tracks());
    m.transfers.title_template = "{track} {title} ({artist})".into();
    m.transfers.default_mode = ::library::TransferMode::Lp2;
    press(&mut m, KeyCode::Char('v'));
    let effects = press(&mut m, KeyCode::Char('t'));
    let Effect::Transfer(TransferRequest::Enqueue { title, mode, .. }) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(title, "01 Xtal (Aphex)");
    assert_eq!(*mode, ::library::TransferMode::Lp2);
}

#[test]
fn g_queues_tracks_to_receive_from_an_rh1_and_other_recorders_say_why_not() {
    use crate::app::DeviceEvent;
    use crate::transfer::{TransferEvent, TransferRequest};
    use ::library::{QueuedTransfer, ReceiveOrder, TransferMode, TransferState};

    let mut m = model_with(tracks());
    m.music_dir = PathBuf::from("/home/me/Music");
    update(
        &mut m,
        Msg::Device(DeviceEvent::Connected(demo_disc().into())),
    );
    press(&mut m, KeyCode::Char('3'));
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(m.device.selected_track(), Some(1));
    assert!(press(&mut m, KeyCode::Char('g')).is_empty());
    let status = m.status.as_ref().unwrap();
    assert_eq!(status.level, Level::Warning);
    assert!(
        status.text.contains("only the Sony MZ-RH1 and MZ-M200"),
        "{}",
        status.text
    );

    let mut rh1 = demo_disc();
    rh1.device = "Sony MZ-RH1".into();
    rh1.can_receive = true;
    update(&mut m, Msg::Device(DeviceEvent::Connected(rh1.into())));
    press(&mut m, KeyCode::Char('V'));
    press(&mut m, KeyCode::Char('j'));
    let order = |track: u32, name: &str, title: &str, mode| {
        Effect::Transfer(TransferRequest::EnqueueReceive {
            order: ReceiveOrder {
                track,
                album: "Mix".into(),
                grouping: "Side A".into(),
            },
            into: PathBuf::from(format!("/home/me/Music/MiniDisc/Mix/{name}")),
            title: title.into(),
            mode,
        })
    };
    assert_eq!(
        press(&mut m, KeyCode::Char('g')),
        vec![
            order(1, "01 - One.aea", "One", TransferMode::Sp),
            order(2, "02 - Two.at3", "Two", TransferMode::Lp2),
            Effect::Transfer(TransferRequest::Start),
        ]
    );
    assert_eq!(
        m.status.as_ref().unwrap().text,
        "Queued 2 tracks to receive"
    );
    // On a group's row, its tracks.
    press(&mut m, KeyCode::Up);
    press(&mut m, KeyCode::Up);
    assert_eq!(m.device.selected_row(), Some(DeviceRow::Group(0)));
    assert_eq!(press(&mut m, KeyCode::Char('g')).len(), 3);

    // The queue reports it like a send, in the receiving direction.
    let item = QueuedTransfer {
        id: 7,
        position: 1,
        track_id: None,
        path: PathBuf::from("/home/me/Music/MiniDisc/Mix/01 - One.aea"),
        title: "One".into(),
        mode: TransferMode::Sp,
        state: TransferState::Sending,
        error: None,
        bytes_done: 0,
        bytes_total: 0,
        receive: Some(ReceiveOrder {
            track: 1,
            album: "Mix".into(),
            grouping: "Side A".into(),
        }),
    };
    update(
        &mut m,
        Msg::Transfer(TransferEvent::QueueChanged(vec![item])),
    );
    // Receive items take no room on the disc and keep the disc's mode and title.
    assert_eq!(m.transfers.pending().count(), 0);
    press(&mut m, KeyCode::Char('4'));
    assert!(press(&mut m, KeyCode::Char('o')).is_empty());
    update(
        &mut m,
        Msg::Transfer(TransferEvent::ItemDone {
            id: 7,
            track: 1,
            warnings: Vec::new(),
        }),
    );
    assert_eq!(
        m.status.as_ref().unwrap().text,
        "Received track 1 \"One\" into the library"
    );
}

#[test]
fn g_on_a_himd_disc_queues_each_track_in_its_own_format() {
    use crate::app::{DeviceEvent, DiscView, HimdFacts, HimdTrack};
    use crate::transfer::TransferRequest;
    let mut m = model_with(tracks());
    m.music_dir = PathBuf::from("/home/me/Music");
    let mut info = demo_disc();
    info.device = "virtual Hi-MD disc".into();
    info.can_receive = true;
    let track = |format: &str, extension| HimdTrack {
        format: format.into(),
        extension,
        artist: String::new(),
        album: String::new(),
    };
    let himd = HimdFacts {
        tracks: vec![
            track("MP3 192k", "mp3"),
            track("ATRAC3plus 256k", "oma"),
            track("PCM", "wav"),
        ],
        total_bytes: 300_000_000,
        free_bytes: 200_000_000,
        title_bytes_left: 4000,
    };
    update(
        &mut m,
        Msg::Device(DeviceEvent::Connected(DiscView {
            info,
            himd: Some(himd),
        })),
    );
    press(&mut m, KeyCode::Char('3'));
    assert_eq!(m.device.selected_row(), Some(DeviceRow::Disc));
    let files: Vec<String> = press(&mut m, KeyCode::Char('g'))
        .into_iter()
        .filter_map(|e| match e {
            Effect::Transfer(TransferRequest::EnqueueReceive { into, .. }) => {
                Some(into.display().to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        files,
        [
            "/home/me/Music/MiniDisc/Mix/01 - One.mp3",
            "/home/me/Music/MiniDisc/Mix/02 - Two.oma",
            "/home/me/Music/MiniDisc/Mix/03 - Three.wav"
        ]
    );

    // Erasing a Hi-MD disc formats it, and is asked twice.
    assert!(press(&mut m, KeyCode::Char('E')).is_empty());
    let Overlay::Confirm(first) = &m.overlay else {
        panic!("no confirmation")
    };
    assert!(
        first.message.contains("Format the Hi-MD disc"),
        "{}",
        first.message
    );
    assert!(press(&mut m, KeyCode::Char('y')).is_empty());
    let Overlay::Confirm(second) = &m.overlay else {
        panic!("no second confirmation")
    };
    assert!(
        second.message.contains("Really format"),
        "{}",
        second.message
    );
    assert_eq!(
        press(&mut m, KeyCode::Char('y')),
        vec![Effect::Device(crate::app::DeviceRequest::EraseDisc)]
    );
    assert!(matches!(m.overlay, Overlay::None));
}

#[test]
fn a_damaged_himd_index_is_offered_its_backup() {
    use crate::app::{DeviceEvent, DeviceRequest, DeviceStatus};
    let mut m = model_with(tracks());
    update(
        &mut m,
        Msg::Device(DeviceEvent::DamagedIndex {
            reason: "the track index TRKIDX02.HMA is damaged".into(),
            backup: "_RKIDX03.HMA".into(),
        }),
    );
    assert!(matches!(
        m.device.status,
        DeviceStatus::NotConnected(Some(_))
    ));
    let Overlay::Confirm(dialog) = &m.overlay else {
        panic!("nothing offered")
    };
    assert!(
        dialog.message.contains("_RKIDX03.HMA"),
        "{}",
        dialog.message
    );
    assert_eq!(
        press(&mut m, KeyCode::Char('y')),
        vec![Effect::Device(DeviceRequest::RestoreIndex)]
    );
}
