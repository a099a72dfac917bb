//! Every operation against the virtual deck, through the whole stack (recorder → framing →
//! transport → deck): what the client writes must be what it reads back.

use std::time::Duration;

use super::disc::{Mode, PlayerState};
use super::framing::{NetMdError, Timing};
use super::virtual_deck::{Faults, VirtualDeck, VirtualDisc, VirtualTrack};
use super::{DeviceError, Recorder};

fn demo() -> Recorder<VirtualDeck> {
    Recorder::open(VirtualDeck::in_memory(VirtualDisc::demo(80, false))).unwrap()
}

fn fast() -> Timing {
    Timing {
        transfer: Duration::from_millis(50),
        first_poll_sleep: Duration::from_millis(1),
        max_poll_sleep: Duration::from_millis(5),
        reply: Duration::from_millis(100),
        interim: Duration::from_millis(200),
    }
}

#[test]
fn reads_the_demo_disc() {
    let info = demo().read_disc().unwrap();
    assert_eq!(info.device, "virtual deck");
    assert!(info.disc_present);
    assert_eq!(info.title, "Ministage Demo");
    assert_eq!(info.full_width_title, "ミニステージ・デモ");
    assert_eq!(info.groups.len(), 2);
    assert_eq!(
        (
            info.groups[0].title.as_str(),
            info.groups[0].first,
            info.groups[0].last
        ),
        ("Side A", 1, 3)
    );
    // Titles come back as the disc holds them (the caller sanitises for display).
    assert_eq!(info.groups[1].full_width_title, "サイド\u{3000}Ｂ");
    let shown = info.clone().map_text(|s| s.replace('\u{3000}', " "));
    assert_eq!(shown.groups[1].full_width_title, "サイド Ｂ");
    assert_eq!(info.tracks.len(), 6);
    let t = &info.tracks[1];
    assert_eq!(
        (t.number, t.title.as_str(), t.mode, t.channels),
        (2, "Cafe au lait", Mode::SP, 2)
    );
    assert_eq!(t.duration_ms, 187_000);
    assert_eq!(info.tracks[3].full_width_title, "東京の夜");
    assert_eq!(info.tracks[3].title, "??ﾉ?");
    assert_eq!(info.tracks[4].mode, Mode::LP4);
    assert_eq!(info.tracks[5].channels, 1);
    assert_eq!(info.tracks[2].group, Some(0));
    assert_eq!(info.tracks[5].group, None);
    // 215+187 SP, (301+254)/2 LP2, 612/4 LP4, 95/2 mono: 402 + 277.5 + 153 + 47.5 = 880 s.
    assert_eq!(info.capacity.total_ms, 80 * 60_000);
    assert_eq!(info.capacity.used_ms, 880_000);
    assert_eq!(info.capacity.free_ms, 80 * 60_000 - 880_000);
    assert_eq!(
        info.capacity.free_ms_in(Mode::LP4),
        4 * info.capacity.free_ms
    );
    assert!(info.title_cells.used > 0 && info.title_cells.full_width_used > 0);
    assert_eq!(info.title_cells.total, 255);
    assert!(!info.write_protected);
}

#[test]
fn renames_tracks_and_disc() {
    let mut r = demo();
    assert!(r.rename_track(1, "Sunrise").unwrap().is_empty());
    let warnings = r.rename_track(2, "ラーメン 🍜").unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    r.rename_disc("Новый диск").unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks[0].title, "Sunrise");
    assert_eq!(info.tracks[0].full_width_title, "");
    assert_eq!(info.tracks[1].title, "ﾗｰﾒﾝ ?");
    assert_eq!(info.tracks[1].full_width_title, "ラーメン\u{3000}？");
    assert_eq!(info.title, "????? ????");
    // The groups survive a disc rename.
    assert_eq!(info.groups.len(), 2);
    // Renaming to plain text clears the old full-width title.
    r.rename_track(2, "Plain").unwrap();
    assert_eq!(r.read_disc().unwrap().tracks[1].full_width_title, "");
    assert!(matches!(
        r.rename_track(9, "x"),
        Err(DeviceError::NoSuchTrack { track: 9, count: 6 })
    ));
}

#[test]
fn groups_round_trip() {
    let mut r = demo();
    r.delete_group(1).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.groups.len(), 1);
    assert_eq!(info.groups[0].title, "ｻｲﾄﾞ B");
    assert_eq!(info.tracks.len(), 6, "tracks stay");
    let (g, _) = r.create_group(1, 2, "Openers").unwrap();
    assert_eq!(g, 1);
    r.rename_group(1, "First two").unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(
        info.groups
            .iter()
            .map(|g| (g.title.as_str(), g.first, g.last))
            .collect::<Vec<_>>(),
        vec![("First two", 1, 2), ("ｻｲﾄﾞ B", 4, 5)]
    );
    assert!(matches!(
        r.create_group(2, 4, "Overlap"),
        Err(DeviceError::Group(_))
    ));
    // Track 6 is not next to group 1: it is moved to follow it.
    let sixth = info.tracks[5].title.clone();
    r.add_to_group(1, 6).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks[2].title, sixth);
    assert_eq!((info.groups[0].first, info.groups[0].last), (1, 3));
    assert_eq!((info.groups[1].first, info.groups[1].last), (5, 6));
    // Taking out the middle track moves it after the group.
    let second = info.tracks[1].title.clone();
    r.remove_from_group(2).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks[2].title, second);
    assert_eq!((info.groups[0].first, info.groups[0].last), (1, 2));
    assert_eq!(info.tracks[2].group, None);
}

#[test]
fn move_and_delete_keep_groups_right() {
    let mut r = demo();
    let before = r.read_disc().unwrap();
    r.move_track(6, 1).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks[0].title, before.tracks[5].title);
    assert_eq!((info.groups[0].first, info.groups[0].last), (2, 4));
    assert_eq!((info.groups[1].first, info.groups[1].last), (5, 6));
    r.delete_tracks(&[3, 5]).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks.len(), 4);
    assert_eq!((info.groups[0].first, info.groups[0].last), (2, 3));
    assert_eq!((info.groups[1].first, info.groups[1].last), (4, 4));
    assert_eq!(info.tracks[1].title, before.tracks[0].title);
    r.erase_disc().unwrap();
    let info = r.read_disc().unwrap();
    assert!(info.tracks.is_empty() && info.groups.is_empty() && info.title.is_empty());
    assert_eq!(info.capacity.free_ms, 80 * 60_000);
}

#[test]
fn write_protected_disc_refuses_changes() {
    let mut r = Recorder::open(VirtualDeck::in_memory(VirtualDisc::demo(74, true))).unwrap();
    assert!(r.read_disc().unwrap().write_protected);
    assert!(matches!(
        r.rename_track(1, "x"),
        Err(DeviceError::WriteProtected)
    ));
    assert!(matches!(r.erase_disc(), Err(DeviceError::WriteProtected)));
    assert_eq!(r.read_disc().unwrap().tracks.len(), 6);
}

#[test]
fn title_space_is_checked_before_writing() {
    let mut disc = VirtualDisc::blank(80, false);
    // 36 tracks × 7 cells of 49-byte titles = 252 cells.
    for i in 0..36 {
        disc.tracks
            .push(VirtualTrack::new(&format!("{i:0>49}"), Mode::SP, 2, 1000));
    }
    let mut r = Recorder::open(VirtualDeck::in_memory(disc)).unwrap();
    assert_eq!(r.read_disc().unwrap().title_cells.used, 252);
    r.rename_disc("fits in 21 characters").unwrap();
    let err = r
        .rename_disc("this one is one character too long")
        .unwrap_err();
    assert!(matches!(err, DeviceError::TitleSpace { .. }), "{err}");
    assert!(err.to_string().contains("nothing was changed"));
    assert_eq!(r.read_disc().unwrap().title, "fits in 21 characters");
    // Shrinking is always allowed.
    r.rename_track(1, "short").unwrap();
}

#[test]
fn check_room_refuses_the_255th_track() {
    let mut disc = VirtualDisc::blank(80, false);
    for _ in 0..254 {
        disc.tracks.push(VirtualTrack::new("", Mode::LP4, 2, 1000));
    }
    let mut r = Recorder::open(VirtualDeck::in_memory(disc)).unwrap();
    let raw = r.read_raw(&mut |_, _| {}).unwrap();
    let title = super::titles::prepare("one more");
    assert!(matches!(
        super::recorder::check_room(&raw, &[(Mode::SP, title)]),
        Err(DeviceError::TrackLimit)
    ));
}

#[test]
fn player_controls() {
    let mut r = demo();
    assert_eq!(r.player_status().unwrap().state, PlayerState::Stopped);
    r.goto_track(3).unwrap();
    r.play().unwrap();
    let s = r.player_status().unwrap();
    assert_eq!((s.state, s.track), (PlayerState::Playing, Some(3)));
    r.pause().unwrap();
    r.next_track().unwrap();
    assert_eq!(r.player_status().unwrap().track, Some(4));
    r.previous_track().unwrap();
    r.seek(3, 61_000).unwrap();
    let s = r.player_status().unwrap();
    assert_eq!(
        (s.state, s.track, s.position_ms),
        (PlayerState::Paused, Some(3), 61_000)
    );
    r.stop().unwrap();
    assert_eq!(r.player_status().unwrap().state, PlayerState::Stopped);
    assert!(matches!(
        r.goto_track(7),
        Err(DeviceError::NoSuchTrack { .. })
    ));
    r.eject().unwrap();
    assert!(!r.read_disc().unwrap().disc_present);
    assert!(matches!(r.rename_track(1, "x"), Err(DeviceError::NoDisc)));
}

#[test]
fn the_disc_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.json");
    VirtualDeck::create(&path, &VirtualDisc::demo(60, false)).unwrap();
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    r.rename_track(1, "Persisted").unwrap();
    r.create_group(6, 6, "Last").unwrap();
    drop(r);
    let mut r = Recorder::open(VirtualDeck::open(&path).unwrap()).unwrap();
    let info = r.read_disc().unwrap();
    assert_eq!(info.tracks[0].title, "Persisted");
    assert_eq!(info.groups.last().map(|g| g.title.as_str()), Some("Last"));
    assert_eq!(info.capacity.total_ms, 60 * 60_000);
}

#[test]
fn a_disconnect_while_reading_is_a_clean_error_and_a_reload_works() {
    for after in [1, 5, 20, 60, 150] {
        let deck = VirtualDeck::in_memory(VirtualDisc::demo(80, false)).with_faults(Faults {
            disconnect_after: Some(after),
            ..Faults::default()
        });
        let err = match Recorder::open_with_timing(deck, fast()) {
            Err(e) => e,
            Ok(mut r) => r.read_disc().unwrap_err(),
        };
        assert!(err.is_disconnect(), "after {after}: {err}");
        assert!(err.to_string().contains("disconnected"), "{err}");
    }
    let info = demo().read_disc().unwrap();
    assert_eq!(info.tracks.len(), 6);
}

#[test]
fn rejected_commands_are_named() {
    let deck = VirtualDeck::in_memory(VirtualDisc::demo(80, false)).with_faults(Faults {
        reject: vec![vec![0x18, 0x40]],
        ..Faults::default()
    });
    let mut r = Recorder::open(deck).unwrap();
    let err = r.delete_tracks(&[1]).unwrap_err();
    assert!(
        matches!(&err, DeviceError::NetMd(NetMdError::Rejected { command }) if command == "delete track"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "delete track: the recorder rejected the command"
    );
    assert_eq!(r.read_disc().unwrap().tracks.len(), 6);
}

#[test]
fn a_stalled_deck_times_out() {
    let deck = VirtualDeck::in_memory(VirtualDisc::demo(80, false)).with_faults(Faults {
        stall_after: Some(10),
        ..Faults::default()
    });
    let mut r = Recorder::open_with_timing(deck, fast()).unwrap();
    let err = r.read_disc().unwrap_err();
    assert!(
        matches!(err, DeviceError::NetMd(NetMdError::Timeout { .. })),
        "{err}"
    );
}

#[test]
fn busy_polls_and_interim_replies_are_waited_out() {
    let deck = VirtualDeck::in_memory(VirtualDisc::demo(80, false)).with_faults(Faults {
        busy_polls: 3,
        interim_replies: 2,
        ..Faults::default()
    });
    let mut r = Recorder::open(deck).unwrap();
    assert_eq!(r.read_disc().unwrap().tracks.len(), 6);
    r.rename_track(1, "Still works").unwrap();
    assert_eq!(r.read_disc().unwrap().tracks[0].title, "Still works");
}

#[test]
fn long_disc_titles_are_read_in_chunks() {
    let mut disc = VirtualDisc::blank(80, false);
    disc.title = "x".repeat(400);
    let mut r = Recorder::open(VirtualDeck::in_memory(disc)).unwrap();
    assert_eq!(r.read_disc().unwrap().title, "x".repeat(400));
}

#[test]
fn trace_lines_follow_the_netmd_js_schema() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let out = Shared::default();
    let deck = VirtualDeck::in_memory(VirtualDisc::demo(80, false));
    let traced = super::TraceRecorder::with_writer(deck, Box::new(out.clone()));
    let mut r = Recorder::open(traced).unwrap();
    r.rename_track(2, "Renamed").unwrap();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "open");
    assert_eq!(lines[1]["kind"], "selectConfiguration");
    let expected = format!(
        "00180702201802000130000a00500000070000000c{}",
        super::bytes::to_hex(b"Renamed")
    );
    assert!(lines.iter().any(|l| l["kind"] == "ctrlOUT"
        && l["setup"] == "vendor/interface req=0x80 val=0 idx=0"
        && l["data"] == expected.as_str()));
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "ctrlIN" && l["setup"] == "vendor/interface req=0x1 val=0 idx=0")
    );
}

/// A speaker that writes down what it is told.
#[derive(Clone, Default)]
struct Ears(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl super::virtual_deck::Speaker for Ears {
    fn play(&mut self, audio: &super::virtual_deck::DeckAudio, from_ms: u64) {
        let name = audio.path.file_name().unwrap_or_default().to_string_lossy();
        self.0
            .lock()
            .unwrap()
            .push(format!("play {name} {:?} {from_ms}", audio.format));
    }
    fn pause(&mut self) {
        self.0.lock().unwrap().push("pause".into());
    }
    fn resume(&mut self) {
        self.0.lock().unwrap().push("resume".into());
    }
    fn stop(&mut self) {
        self.0.lock().unwrap().push("stop".into());
    }
}

#[test]
fn the_deck_is_heard_through_its_speaker() {
    use super::virtual_deck::model::AudioRef;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.json");
    let mut disc = VirtualDisc::blank(80, false);
    for (i, (mode, wire, channels)) in [(Mode::SP, 0x00, 1), (Mode::LP4, 0xa8, 2)]
        .into_iter()
        .enumerate()
    {
        let mut t = VirtualTrack::new(&format!("T{i}"), mode, channels, 60_000);
        t.audio = Some(AudioRef {
            file: format!("disc.json.audio/{i}.bin"),
            wire_format: wire,
            bytes: 1024,
        });
        disc.tracks.push(t);
    }
    // A track without stored audio (like the demo disc's) is played silently.
    disc.tracks
        .push(VirtualTrack::new("Silent", Mode::SP, 2, 60_000));
    VirtualDeck::create(&path, &disc).unwrap();
    let ears = Ears::default();
    let deck = VirtualDeck::open(&path)
        .unwrap()
        .with_speaker(Box::new(ears.clone()));
    let mut r = Recorder::open(deck).unwrap();
    r.play().unwrap();
    r.pause().unwrap();
    r.play().unwrap();
    r.next_track().unwrap();
    r.seek(2, 30_000).unwrap();
    r.stop().unwrap();
    r.goto_track(3).unwrap();
    r.play().unwrap();
    let heard = ears.0.lock().unwrap().clone();
    assert_eq!(
        heard,
        [
            "play 0.bin PcmBe16 { channels: 1 } 0",
            "pause",
            "resume",
            "play 1.bin Atrac3 { frame_bytes: 192 } 0",
            "play 1.bin Atrac3 { frame_bytes: 192 } 30000",
            "stop",
        ]
    );
}
