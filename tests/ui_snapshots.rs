//! Rendered screens, captured with ratatui's `TestBackend` and compared with insta snapshots.
//! Each snapshot holds the text of the screen and, below it, a map of which style each cell
//! has, so that a theme change shows up as well as a layout change.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use ministage::app::LibraryMsg;
use ministage::app::{Model, Msg, update};
use ministage::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn chars(model: &mut Model, text: &str) {
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
}

fn render(model: &Model) -> String {
    let (w, h) = (model.viewport.width, model.viewport.height);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal.draw(|f| ui::view(model, f)).expect("draw");
    describe(terminal.backend().buffer())
}

/// The screen's text, then one letter per cell naming its style (legend at the end).
fn describe(buf: &Buffer) -> String {
    let mut styles: BTreeMap<String, char> = BTreeMap::new();
    let mut text = String::new();
    let mut map = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let style = format!("{:?}/{:?}/{:?}", cell.fg, cell.bg, cell.modifier);
            let next = char::from(b'a' + (styles.len() % 26) as u8);
            let letter = *styles.entry(style).or_insert(next);
            map.push(letter);
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = cell.symbol();
            text.push_str(symbol);
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
        }
        text.push('\n');
        map.push('\n');
    }
    let legend: Vec<String> = styles.iter().map(|(s, c)| format!("{c} = {s}")).collect();
    format!("{text}\n{map}\n{}\n", legend.join("\n"))
}

#[test]
fn main_screen_tree_80x24_dark() {
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    // Open the Japanese artist and its album so CJK titles are in view.
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('l'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('l'));
    insta::assert_snapshot!(render(&model));
}

#[test]
fn main_screen_tree_80x24_mono() {
    let mut model = common::model(common::sample_tracks(), "mono", (80, 24));
    key(&mut model, KeyCode::Char('l'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('l'));
    insta::assert_snapshot!(render(&model));
}

#[test]
fn main_screen_flat_120x40_dark() {
    let mut model = common::model(common::sample_tracks(), "dark", (120, 40));
    key(&mut model, KeyCode::Char('v'));
    insta::assert_snapshot!(render(&model));
}

#[test]
fn main_screen_flat_120x40_sonicstage() {
    let mut model = common::model(common::sample_tracks(), "sonicstage", (120, 40));
    key(&mut model, KeyCode::Char('v'));
    key(&mut model, KeyCode::Char('G'));
    insta::assert_snapshot!(render(&model));
}

#[test]
fn filter_lists_matches_flat_with_artist_and_album() {
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    key(&mut model, KeyCode::Char('/'));
    chars(&mut model, "bjork");
    insta::assert_snapshot!(render(&model));
}

#[test]
fn help_overlay_lists_the_live_key_map() {
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    key(&mut model, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&model));
}

#[test]
fn too_small_terminal_says_so() {
    let model = common::model(common::sample_tracks(), "dark", (50, 12));
    let screen = render(&model);
    assert!(screen.contains("Terminal too small: 50×12"), "{screen}");
}

#[test]
fn empty_library_explains_how_to_import() {
    let mut model = common::model(Vec::new(), "dark", (80, 24));
    update(
        &mut model,
        Msg::Device(ministage::app::DeviceEvent::Disconnected(
            "no recorder found".into(),
        )),
    );
    let screen = render(&model);
    assert!(screen.contains("Your library is empty."), "{screen}");
    assert!(screen.contains("No recorder connected."), "{screen}");
}

#[test]
fn now_playing_bar_shows_track_time_volume_and_modes() {
    use media::player::PlayerEvent;
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    key(&mut model, KeyCode::Char('v'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Enter);
    update(
        &mut model,
        Msg::Player(PlayerEvent::Position {
            seq: 1,
            position_ms: 83_000,
        }),
    );
    key(&mut model, KeyCode::Char('r'));
    key(&mut model, KeyCode::Char('-'));
    key(&mut model, KeyCode::Char('-'));
    let screen = render(&model);
    assert!(
        screen.contains("▶ Playing Thaw — Björk Sound System · Glacial"),
        "{screen}"
    );
    assert!(screen.contains("1:23 / 4:16"), "{screen}");
    assert!(screen.contains("vol 90% · repeat all"), "{screen}");
    key(&mut model, KeyCode::Char(' '));
    let paused = render(&model);
    assert!(paused.contains("⏸ Paused"), "{paused}");
    insta::assert_snapshot!(paused);
}

#[test]
fn device_pane_shows_groups_modes_and_capacity() {
    use netmd::{PlayerState, PlayerStatus};

    use ministage::app::DeviceEvent;
    let mut model = common::model(common::sample_tracks(), "dark", (100, 30));
    update(
        &mut model,
        Msg::Device(DeviceEvent::Connected(common::disc().into())),
    );
    key(&mut model, KeyCode::Char('3'));
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('j'));
    let screen = render(&model);
    assert!(screen.contains("Device · Sony MZ-N707"), "{screen}");
    assert!(screen.contains("LP4 5:01"), "{screen}");
    assert!(screen.contains("titles 9/255 cells"), "{screen}");
    insta::assert_snapshot!(screen);

    // The recorder's own playback: which track and how far.
    update(
        &mut model,
        Msg::Device(DeviceEvent::Player(PlayerStatus {
            state: PlayerState::Playing,
            track: Some(2),
            position_ms: 65_000,
        })),
    );
    let screen = render(&model);
    assert!(screen.contains("playing 2 at 1:05"), "{screen}");
}

#[test]
fn transfers_pane_shows_the_queue_progress_and_whether_it_fits() {
    use library::{QueuedTransfer, TransferMode, TransferState};
    use ministage::app::DeviceEvent;
    use ministage::transfer::TransferEvent;
    let mut model = common::model(common::sample_tracks(), "dark", (100, 30));
    update(
        &mut model,
        Msg::Device(DeviceEvent::Connected(common::disc().into())),
    );
    let item = |id: i64, title: &str, state: TransferState| QueuedTransfer {
        id,
        position: id as u32,
        track_id: None,
        path: format!("/music/{title}.flac").into(),
        title: title.into(),
        mode: TransferMode::Sp,
        state,
        error: (state == TransferState::Failed).then(|| "the recorder went away".into()),
        bytes_done: 0,
        bytes_total: 0,
        receive: None,
    };
    update(
        &mut model,
        Msg::Transfer(TransferEvent::QueueChanged(vec![
            item(1, "Aube", TransferState::Done),
            item(2, "朝の光", TransferState::Sending),
            item(3, "Pluie fine", TransferState::Failed),
            item(4, "Thaw", TransferState::Queued),
        ])),
    );
    update(
        &mut model,
        Msg::Transfer(TransferEvent::Progress {
            id: 2,
            bytes_done: 3_000_000,
            bytes_total: 8_000_000,
            rate_bps: 1_400_000,
            eta_ms: 3_600,
        }),
    );
    key(&mut model, KeyCode::Char('4'));
    let screen = render(&model);
    assert!(
        screen.contains("2 tracks in SP: 0:00 of 1:05:20 free"),
        "{screen}"
    );
    assert!(screen.contains("37%"), "{screen}");
    assert!(screen.contains("the recorder went away"), "{screen}");
    insta::assert_snapshot!(screen);

    // A FLAC asked for in LP2 is encoded: the row says LP2, the header counts in SP time.
    let mut lp2 = item(5, "Nocturne", TransferState::Queued);
    lp2.mode = TransferMode::Lp2;
    update(
        &mut model,
        Msg::Transfer(TransferEvent::QueueChanged(vec![
            item(4, "Thaw", TransferState::Queued),
            lp2,
        ])),
    );
    let screen = render(&model);
    assert!(screen.contains("FLAC LP2"), "{screen}");
    assert!(
        screen.contains("2 tracks: 0:00 of 1:05:20 free (SP time"),
        "{screen}"
    );
}

#[test]
fn import_preview_groups_albums_with_editable_fields() {
    use library::{Library, plan_import};
    let dir = tempfile::tempdir().unwrap();
    for (album, names) in [
        ("夜明けの歌", vec!["01 - 朝の光.flac", "02 - 海辺の道.flac"]),
        (
            "Mixtape",
            vec!["Kim Lo - Tail Lights.flac", "03. Élodie - Pluie.flac"],
        ),
    ] {
        let folder = dir.path().join(album);
        std::fs::create_dir_all(&folder).unwrap();
        for n in names {
            let pcm = testkit::melody(2, 0.3, 44_100, 2);
            testkit::write_flac(&folder.join(n), &pcm).unwrap();
        }
    }
    let lib = Library::open_in_memory().unwrap();
    let plan = plan_import(&lib, &[dir.path().to_path_buf()], &|_| {}).unwrap();
    let mut model = common::model(common::sample_tracks(), "dark", (100, 24));
    update(
        &mut model,
        Msg::Library(LibraryMsg::ImportPlanned(Ok(plan))),
    );
    key(&mut model, KeyCode::Char('j'));
    key(&mut model, KeyCode::Char('t'));
    let screen = render(&model);
    assert!(
        screen.contains("Import preview · 4 tracks in 2 albums"),
        "{screen}"
    );
    assert!(screen.contains("Title: "), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn device_pane_shows_full_width_titles_where_the_disc_has_them() {
    use ministage::app::DeviceEvent;
    let mut disc = common::disc();
    // As the demo disc holds them: a half-width title that lost its kanji, and the full-width
    // title that kept them; a group in half-width kana with a voiced mark.
    disc.tracks[2].title = "??ﾉ?".into();
    disc.tracks[2].full_width_title = "東京の夜".into();
    disc.groups.push(netmd::GroupInfo {
        title: "ｻｲﾄﾞ B".into(),
        full_width_title: String::new(),
        first: 3,
        last: 3,
    });
    disc.tracks[2].group = Some(1);
    let mut model = common::model(common::sample_tracks(), "dark", (100, 30));
    update(&mut model, Msg::Device(DeviceEvent::Connected(disc.into())));
    key(&mut model, KeyCode::Char('3'));
    let screen = render(&model);
    assert!(screen.contains("東京の夜"), "{screen}");
    assert!(!screen.contains("??ﾉ?"), "{screen}");
    // The group's row keeps its range at the right border: ﾞ takes one cell, as terminals
    // draw it (the test backend prints the cell after ﾄﾞ as a space, a real terminal does not).
    let group = screen.lines().find(|l| l.contains("ｻｲﾄﾞ")).unwrap();
    assert!(group.ends_with("3┃"), "{group}");
    insta::assert_snapshot!(screen);
}

#[test]
fn an_overlay_over_a_wide_character_keeps_its_left_border() {
    // At 80 columns the help overlay (72 wide, centred) starts at column 4, the second half of
    // the 青 in "▸ 青い鳥楽団". Drawn over a screen that already shows it, as in the app.
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    terminal.draw(|f| ui::view(&model, f)).expect("draw");
    let row = (0..24)
        .find(|&y| terminal.backend().buffer()[(3, y)].symbol() == "青")
        .expect("the CJK artist under the overlay's edge");
    key(&mut model, KeyCode::Char('?'));
    terminal.draw(|f| ui::view(&model, f)).expect("draw");
    let shown = terminal.backend().buffer();
    assert_eq!(shown[(4, row)].symbol(), "│", "{}", describe(shown));
    assert_ne!(shown[(3, row)].symbol(), "青");
}

#[test]
fn device_pane_shows_a_himd_disc_in_its_own_formats_and_bytes() {
    use ministage::app::DeviceEvent;
    use ministage::transfer::himd_unit::{HimdTarget, HimdUnit};
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("himd.img");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/himd");
    himd::virtual_device::VirtualHimd::create_from_folder(
        &fixture,
        &image,
        himd::virtual_device::MediaSize::Minutes74,
        [2; 8],
    )
    .unwrap();
    let view = HimdUnit::open(&HimdTarget::Image(image))
        .unwrap()
        .view()
        .unwrap();
    let mut model = common::model(common::sample_tracks(), "dark", (80, 24));
    update(&mut model, Msg::Device(DeviceEvent::Connected(view)));
    key(&mut model, KeyCode::Char('3'));
    let screen = render(&model);
    assert!(screen.contains("ATRAC3plus"), "{screen}");
    assert!(screen.contains("title room"), "{screen}");
    // The image's path differs per run: the pane's title is masked.
    let screen = screen
        .lines()
        .map(|l| match l.find("virtual Hi-MD disc") {
            Some(i) => format!("{}virtual Hi-MD disc (…)", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(screen);
}
