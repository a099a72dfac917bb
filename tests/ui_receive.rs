//! The Transfers pane with receive items (MZ-RH1): listed with `←`, the disc's mode and the
//! file format, their progress, and counted apart from what is to be sent.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use library::{QueuedTransfer, ReceiveOrder, TransferMode, TransferState};
use ministage::app::{DeviceEvent, Msg, update};
use ministage::transfer::TransferEvent;
use ministage::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn receive_items_show_their_direction_and_progress() {
    let mut model = common::model(common::sample_tracks(), "dark", (100, 30));
    update(
        &mut model,
        Msg::Device(DeviceEvent::Connected(common::disc().into())),
    );
    let item = |id: i64, title: &str, ext: &str, state: TransferState| QueuedTransfer {
        id,
        position: id as u32,
        track_id: None,
        path: format!("/m/MiniDisc/Mix/0{id} - {title}.{ext}").into(),
        title: title.into(),
        mode: TransferMode::Lp2,
        state,
        error: (state == TransferState::Failed).then(|| "the recorder was disconnected".into()),
        bytes_done: 0,
        bytes_total: 0,
        receive: Some(ReceiveOrder {
            track: id as u32,
            album: "Mix".into(),
            grouping: String::new(),
        }),
    };
    update(
        &mut model,
        Msg::Transfer(TransferEvent::QueueChanged(vec![
            item(1, "Cafe au lait", "at3", TransferState::Sending),
            item(2, "Yoake", "wav", TransferState::Failed),
            item(3, "Late", "at3", TransferState::Queued),
        ])),
    );
    update(
        &mut model,
        Msg::Transfer(TransferEvent::Progress {
            id: 1,
            bytes_done: 1_000_000,
            bytes_total: 4_000_000,
            rate_bps: 2_000_000,
            eta_ms: 1_500,
        }),
    );
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::NONE)),
    );
    let screen = screen(&model);
    assert!(screen.contains("← LP2 AT3 25%"), "{screen}");
    assert!(screen.contains("← LP2 WAV failed"), "{screen}");
    assert!(screen.contains("the recorder was disconnected"), "{screen}");
    // One waits to be received; nothing is to be sent.
    assert!(screen.contains("1 to receive · 0 tracks"), "{screen}");
}

fn screen(model: &ministage::app::Model) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| ui::view(model, f)).unwrap();
    terminal
        .backend()
        .buffer()
        .content()
        .chunks(100)
        .map(|row| {
            row.iter()
                .map(ratatui::buffer::Cell::symbol)
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// A Hi-MD track comes in its own format, which its file names: no NetMD mode beside it.
#[test]
fn himd_receive_items_show_the_tracks_own_format() {
    use ministage::app::{DiscView, HimdFacts, HimdTrack};
    let mut model = common::model(common::sample_tracks(), "dark", (100, 30));
    let himd = HimdFacts {
        tracks: vec![HimdTrack {
            format: "MP3 192k".into(),
            extension: "mp3",
            artist: String::new(),
            album: String::new(),
        }],
        total_bytes: 300_000_000,
        free_bytes: 100_000_000,
        title_bytes_left: 1000,
    };
    update(
        &mut model,
        Msg::Device(DeviceEvent::Connected(DiscView {
            info: common::disc(),
            himd: Some(himd),
        })),
    );
    let item = QueuedTransfer {
        id: 1,
        position: 1,
        track_id: None,
        path: "/m/MiniDisc/Mix/01 - Song.mp3".into(),
        title: "Song".into(),
        mode: TransferMode::Sp,
        state: TransferState::Queued,
        error: None,
        bytes_done: 0,
        bytes_total: 0,
        receive: Some(ReceiveOrder {
            track: 1,
            album: "Mix".into(),
            grouping: String::new(),
        }),
    };
    update(
        &mut model,
        Msg::Transfer(TransferEvent::QueueChanged(vec![item])),
    );
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::NONE)),
    );
    let screen = screen(&model);
    assert!(screen.contains("← MP3 queued"), "{screen}");
    assert!(!screen.contains("SP MP3"), "{screen}");
}
