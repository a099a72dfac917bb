//! What `ministage device` reports agrees with what the disc holds, whatever USB transfer the
//! recorder is lost at: a fault (`MINISTAGE_VIRTUAL_FAULTS=disconnect-after=N` or
//! `stall-after=N`) is injected at every transfer index of a send, a rename and a move, from the
//! first to the last. Exit 0 means the disc holds the change, a failure that it does not, and
//! a send that failed, sent again, is on the disc once.
//!
//! Also the virtual deck's audio folder: a send that fails or is killed while the deck writes
//! the audio leaves no file that no track uses.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use netmd::{VirtualDeck, VirtualDisc};

#[path = "common/device_cmd.rs"]
mod device_cmd;

use device_cmd::ministage_on;

struct Deck {
    dir: tempfile::TempDir,
}

impl Deck {
    fn new(disc: &VirtualDisc) -> Self {
        let deck = Self {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        VirtualDeck::create(&deck.path(), disc).unwrap();
        deck
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("deck.json")
    }

    fn command(&self, args: &[&str], faults: Option<&str>) -> Command {
        let all: Vec<&str> = std::iter::once("device")
            .chain(args.iter().copied())
            .collect();
        ministage_on(&self.path(), &self.dir.path().join("home"), &all, faults)
    }

    fn run(&self, args: &[&str], faults: Option<&str>) -> Output {
        self.command(args, faults).output().expect("run ministage")
    }

    fn disc(&self) -> VirtualDisc {
        VirtualDeck::load(&self.path()).unwrap()
    }

    /// Files in the audio folder that no track refers to.
    fn orphans(&self) -> Vec<String> {
        let disc = self.disc();
        let used: Vec<PathBuf> = disc
            .tracks
            .iter()
            .filter_map(|t| t.audio.as_ref())
            .map(|a| self.dir.path().join(&a.file))
            .collect();
        let Ok(entries) = std::fs::read_dir(netmd::virtual_deck::audio_dir_of(&self.path())) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| !used.contains(p))
            .map(|p| p.display().to_string())
            .collect()
    }

    /// Transfers a clean run of `args` makes (one trace line each).
    fn count_transfers(&self, args: &[&str]) -> u64 {
        let trace = self.dir.path().join("count.jsonl");
        let mut full = args.to_vec();
        let trace_arg = trace.display().to_string();
        full.extend(["--usb-trace", trace_arg.as_str()]);
        let out = self.run(&full, None);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(&trace).unwrap().lines().count() as u64
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const KINDS: [&str; 2] = ["disconnect-after", "stall-after"];

#[test]
fn a_send_reports_what_the_disc_holds_whatever_transfer_fails() {
    let source = tempfile::tempdir().unwrap();
    let wav = source.path().join("song.wav");
    testkit::write_wav(&wav, &testkit::melody(1, 0.1, 44_100, 2)).unwrap();
    let wav_arg = wav.display().to_string();
    let args = ["send", wav_arg.as_str(), "--mode", "sp", "--title", "Song"];
    let total = Deck::new(&VirtualDisc::blank(80, false)).count_transfers(&args);
    assert!(total > 40, "a send takes {total} transfers");
    let mut committed_but_failed = Vec::new();
    for kind in KINDS {
        for n in 0..=total {
            let deck = Deck::new(&VirtualDisc::blank(80, false));
            let faults = format!("{kind}={n}");
            let out = deck.run(&args, Some(&faults));
            let tracks = deck.disc().tracks.len();
            assert!(tracks <= 1, "{faults}: {tracks} tracks");
            if out.status.success() != (tracks == 1) {
                committed_but_failed.push(format!(
                    "{faults}: exit {:?} with {tracks} tracks: {}",
                    out.status.code(),
                    stderr(&out).trim()
                ));
                continue;
            }
            if !out.status.success() {
                // Sent again, it arrives once.
                let again = deck.run(&args, None);
                assert!(
                    again.status.success(),
                    "{faults}: retry: {}",
                    stderr(&again)
                );
                assert_eq!(deck.disc().tracks.len(), 1, "{faults}: after the retry");
            }
            assert_eq!(deck.disc().tracks[0].title, "Song", "{faults}");
            assert!(deck.orphans().is_empty(), "{faults}: {:?}", deck.orphans());
        }
    }
    assert!(
        committed_but_failed.is_empty(),
        "exit status and disc disagree:\n{}",
        committed_but_failed.join("\n")
    );
}

/// Runs `args` with a fault at every transfer of a clean run and checks that a success leaves
/// the disc as the clean run does, and a failure leaves it as it was.
fn sweep_edit(disc: &VirtualDisc, args: &[&str]) {
    let reference = Deck::new(disc);
    let total = reference.count_transfers(args);
    let expected = reference.disc();
    assert_ne!(&expected, disc, "{args:?} changes the disc");
    let mut disagreements = Vec::new();
    for kind in KINDS {
        for n in 0..=total {
            let deck = Deck::new(disc);
            let faults = format!("{kind}={n}");
            let out = deck.run(args, Some(&faults));
            let now = deck.disc();
            let agrees = if out.status.success() {
                now == expected
            } else {
                &now == disc
            };
            if !agrees {
                disagreements.push(format!(
                    "{faults}: exit {:?}, disc {}: {}",
                    out.status.code(),
                    if now == expected {
                        "changed"
                    } else if &now == disc {
                        "unchanged"
                    } else {
                        "partly changed"
                    },
                    stderr(&out).trim()
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{args:?}: exit status and disc disagree:\n{}",
        disagreements.join("\n")
    );
}

#[test]
fn a_rename_reports_what_the_disc_holds_whatever_transfer_fails() {
    // Track 4 has a full-width title too: the rename writes both.
    sweep_edit(
        &VirtualDisc::demo(80, false),
        &["rename", "4", "Tokyo Night"],
    );
}

#[test]
fn a_move_reports_what_the_disc_holds_whatever_transfer_fails() {
    // Moving track 1 to the end rewrites both group titles (half- and full-width).
    sweep_edit(&VirtualDisc::demo(80, false), &["move", "1", "6"]);
}

/// An LP2 send (ATRAC3 frames stay in memory, so only the deck's audio write is limited).
fn lp2_args() -> Vec<String> {
    let lp2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atrac/music4s_lp2.oma");
    assert!(lp2.exists(), "{}", lp2.display());
    ["send", &lp2.display().to_string(), "--mode", "lp2"]
        .map(str::to_string)
        .to_vec()
}

/// Runs `device send` under a 16 KiB file size limit: the deck's audio write fails (with the
/// signal ignored, as on a full disk) or the process is killed by it (as by `kill -9` mid-write).
fn send_limited(deck: &Deck, ignore_signal: bool) -> Output {
    let args = lp2_args();
    let cmd = deck.command(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let quoted: Vec<String> = cmd
        .get_args()
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect();
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    let script = format!("{trap}ulimit -f 16; exec '{program}' {}", quoted.join(" "));
    let mut shell = Command::new("bash");
    shell.args(["-c", &script]);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => shell.env(k, v),
            None => shell.env_remove(k),
        };
    }
    shell.output().expect("bash")
}

/// A blank deck after a send under the size limit, which failed and recorded nothing.
fn after_a_limited_send(ignore_signal: bool) -> Deck {
    let deck = Deck::new(&VirtualDisc::blank(80, false));
    let out = send_limited(&deck, ignore_signal);
    assert!(!out.status.success(), "the audio cannot be written");
    assert!(deck.disc().tracks.is_empty(), "{}", stderr(&out));
    deck
}

/// `device send` of the LP2 file, which must work.
fn send_lp2(deck: &Deck) {
    let args = lp2_args();
    let out = deck.run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_send_that_cannot_write_its_audio_leaves_no_file_behind() {
    // The write fails (the signal ignored, as on a full disk): nothing is left at once.
    let deck = after_a_limited_send(true);
    assert!(
        deck.orphans().is_empty(),
        "left behind: {:?}",
        deck.orphans()
    );
    // With room again, the send works.
    send_lp2(&deck);
    assert_eq!(deck.disc().tracks.len(), 1);
    assert!(deck.orphans().is_empty(), "{:?}", deck.orphans());
}

#[test]
fn audio_left_by_a_killed_send_or_a_deleted_track_goes_when_the_disc_is_opened() {
    // Killed while the deck writes the audio.
    let deck = after_a_limited_send(false);
    // A sent track, then deleted: its audio is no longer used either.
    send_lp2(&deck);
    send_lp2(&deck);
    assert!(deck.run(&["delete", "1"], None).status.success());
    // Opening the disc (any command) clears what no track uses.
    assert!(deck.run(&["info"], None).status.success());
    assert_eq!(deck.disc().tracks.len(), 1);
    assert!(deck.orphans().is_empty(), "{:?}", deck.orphans());
    let files = std::fs::read_dir(netmd::virtual_deck::audio_dir_of(&deck.path()))
        .unwrap()
        .count();
    assert_eq!(files, 1, "the remaining track's audio is kept");
}
