//! Conformance with netmd-js: reads the USB traces in tests/fixtures/netmd-traces (recorded from
//! netmd-js 4.4.1, the library behind Web MiniDisc) and checks that our command encodings are
//! byte for byte what it sends, and that our client reads its replies correctly. The host→device
//! bytes are authoritative; the replies were made up by a fake device for netmd-js's parser.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use common::fixtures::netmd_trace;
use netmd::bytes::{from_hex, to_hex};
use netmd::commands::{self as cmd, Descriptor, DescriptorAction};
use netmd::{ControlSetup, DeviceIdentity, Transport, TransportError};
use netmd::{Mode, Recorder};
use serde_json::Value;

/// (command, reply) pairs of a trace, ctype and status bytes included.
fn exchanges(name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let path = netmd_trace(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut out = Vec::new();
    let mut command: Option<Vec<u8>> = None;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("json line");
        let kind = v["kind"].as_str().unwrap_or("");
        let setup = v["setup"].as_str().unwrap_or("");
        let data = || from_hex(v["data"].as_str().unwrap_or("")).expect("hex");
        if kind == "ctrlOUT" && setup.contains("req=0x80 ") {
            command = Some(data());
        } else if kind == "ctrlIN"
            && setup.contains("req=0x81 ")
            && let Some(c) = command.take()
        {
            out.push((c, data()));
        }
    }
    out
}

fn commands(name: &str) -> Vec<Vec<u8>> {
    exchanges(name).into_iter().map(|(c, _)| c).collect()
}

/// Our command with its control ctype byte in front, as it goes on the wire.
fn wire(c: &cmd::Command) -> Vec<u8> {
    let mut v = vec![0x00];
    v.extend_from_slice(&c.bytes);
    v
}

fn assert_sent(trace: &[Vec<u8>], c: &cmd::Command) {
    let ours = wire(c);
    assert!(
        trace.contains(&ours),
        "{} = {} is not among what netmd-js sends",
        c.name,
        to_hex(&ours)
    );
}

#[test]
fn reading_commands_match_netmd_js() {
    let trace = commands("list.jsonl");
    assert_sent(&trace, &cmd::disc_flags());
    assert_sent(&trace, &cmd::track_count());
    assert_sent(&trace, &cmd::disc_title(false, 0, 0));
    assert_sent(&trace, &cmd::disc_title(true, 0, 0));
    assert_sent(&trace, &cmd::capacity());
    for t in 0..3 {
        assert_sent(&trace, &cmd::track_title(t, false));
        assert_sent(&trace, &cmd::track_title(t, true));
        assert_sent(&trace, &cmd::track_length(t));
        assert_sent(&trace, &cmd::track_encoding(t));
        assert_sent(&trace, &cmd::track_flags(t));
    }
    for d in [
        Descriptor::Root,
        Descriptor::DiscContents,
        Descriptor::DiscTitle,
        Descriptor::HalfWidthTrackTitles,
        Descriptor::FullWidthTrackTitles,
    ] {
        assert_sent(&trace, &cmd::descriptor(d, DescriptorAction::OpenRead));
        assert_sent(&trace, &cmd::descriptor(d, DescriptorAction::Close));
    }
}

#[test]
fn rename_matches_netmd_js() {
    let trace = commands("rename.jsonl");
    // Track 2 (index 1) from "Two" (3 bytes) to "Renamed" (7 bytes).
    let set = cmd::set_track_title(1, false, 7, 3, b"Renamed");
    assert_eq!(
        to_hex(&wire(&set)),
        "00180702201802000130000a00500000070000000352656e616d6564"
    );
    assert_sent(&trace, &set);
    assert_sent(
        &trace,
        &cmd::descriptor(
            Descriptor::HalfWidthTrackTitles,
            DescriptorAction::OpenWrite,
        ),
    );
    // The send trace titles its new track the same way.
    assert_sent(
        &commands("upsp.jsonl"),
        &cmd::set_track_title(3, false, 5, 0, b"Hello"),
    );
}

#[test]
fn status_and_session_commands_match_netmd_js() {
    let trace = commands("upsp.jsonl");
    assert_sent(&trace, &cmd::status());
    assert_sent(&trace, &cmd::operating_status());
    assert_sent(&trace, &cmd::position());
    assert_sent(&trace, &cmd::acquire());
    assert_sent(&trace, &cmd::release());
    assert_sent(
        &trace,
        &cmd::descriptor(Descriptor::OperatingStatus, DescriptorAction::OpenRead),
    );
    assert_sent(&trace, &cmd::secure("forget key", 0x21, &[0, 0, 0]));
    assert_sent(&trace, &cmd::secure("leave session", 0x81, &[]));
    assert_sent(&trace, &cmd::secure("enter session", 0x80, &[]));
    assert_sent(
        &trace,
        &cmd::secure("new-track protection", 0x2b, &[0x00, 0x01]),
    );
    assert_sent(&trace, &cmd::secure("leaf id", 0x11, &[]));
    // 4096 bytes of SP: 2 frames of 2048, 4096 + 24 bytes on the wire.
    assert_sent(&trace, &cmd::send_track(0x00, 0x06, 2, 4096 + 24));
}

/// Answers each command with the reply the trace recorded for it; unknown commands are
/// answered "not implemented", as a recorder does.
struct Replay {
    replies: HashMap<Vec<u8>, Vec<u8>>,
    pending: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Replay {
    fn new(traces: &[&str]) -> Self {
        let mut replies = HashMap::new();
        for t in traces {
            for (c, r) in exchanges(t) {
                replies.entry(c).or_insert(r);
            }
        }
        Self {
            replies,
            pending: VecDeque::new(),
            sent: Vec::new(),
        }
    }
}

impl Transport for Replay {
    fn control_out(
        &mut self,
        _: ControlSetup,
        data: &[u8],
        _: Duration,
    ) -> Result<(), TransportError> {
        self.sent.push(data.to_vec());
        let reply = self.replies.get(data).cloned().unwrap_or_else(|| {
            let mut r = vec![0x08];
            r.extend_from_slice(&data[1..]);
            r
        });
        self.pending.push_back(reply);
        Ok(())
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        _: u16,
        t: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        match setup.request {
            0x01 => Ok(match self.pending.front() {
                Some(r) => vec![0x01, 0x81, r.len() as u8, (r.len() >> 8) as u8],
                None => vec![0x00, 0x81, 0, 0],
            }),
            _ => self.pending.pop_front().ok_or(TransportError::Timeout(t)),
        }
    }

    fn bulk_out(&mut self, _: u8, _: &[u8], _: Duration) -> Result<usize, TransportError> {
        Err(TransportError::Stall)
    }

    fn bulk_in(&mut self, _: u8, _: usize, _: Duration) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::Stall)
    }

    fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            name: "netmd-js trace".into(),
            vendor_id: 0x054c,
            product_id: 0x0075,
            simulated: true,
            native_mono: false,
        }
    }
}

#[test]
fn our_client_reads_the_traced_disc() {
    let mut r = Recorder::open(Replay::new(&["list.jsonl", "upsp.jsonl"])).unwrap();
    let info = r.read_disc().unwrap();
    assert!(info.disc_present);
    assert_eq!(info.title, "Test Disc");
    assert_eq!(info.groups.len(), 1);
    assert_eq!(
        (
            info.groups[0].title.as_str(),
            info.groups[0].first,
            info.groups[0].last
        ),
        ("Group A", 1, 2)
    );
    let tracks: Vec<_> = info
        .tracks
        .iter()
        .map(|t| {
            (
                t.title.as_str(),
                t.mode,
                t.channels,
                t.duration_ms / 1000,
                t.protected,
            )
        })
        .collect();
    assert_eq!(
        tracks,
        vec![
            ("One", Mode::SP, 2, 201, false),
            ("Two", Mode::LP2, 2, 240, false),
            ("Three", Mode::LP4, 2, 90, false),
        ]
    );
    // Recorded 12:30, total 80:59, available 68:29 (SP time).
    assert_eq!(info.capacity.used_ms, 750_000);
    assert_eq!(info.capacity.total_ms, 4_859_000);
    assert_eq!(info.capacity.free_ms, 4_109_000);
    assert!(!info.write_protected);
}

#[test]
fn our_rename_sends_what_netmd_js_sends() {
    let mut r = Recorder::open(Replay::new(&["list.jsonl", "upsp.jsonl", "rename.jsonl"])).unwrap();
    r.rename_track(2, "Renamed").unwrap();
    let trace = commands("rename.jsonl");
    let tail = &trace[trace.len() - 3..];
    let sent = &r.into_transport().sent;
    let at = sent
        .windows(3)
        .position(|w| w == tail)
        .expect("open for write, write title, close: as netmd-js");
    assert_eq!(sent.len(), at + 3, "nothing is written after the title");
}
