//! The send of an SP track, byte for byte against what netmd-js sends: reads
//! tests/fixtures/netmd-traces/upsp.jsonl (4096 bytes of SP PCM titled `Hello`, host nonce 80…80,
//! data key 11…18, IV zero). A replay transport answers each of our commands with the reply
//! the trace has for the same command, so the deterministic bytes (everything but the polls)
//! can be compared: every secure-session command, the title write, and the bulk stream.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::time::Duration;

use common::fixtures::netmd_trace;
use netmd::Recorder;
use netmd::bytes::{from_hex, to_hex};
use netmd::crypto::{ScriptedEntropy, StreamKeys};
use netmd::send::{EncryptedAudio, WireFormat};
use netmd::titles;
use netmd::{ControlSetup, DeviceIdentity, Transport, TransportError};
use serde_json::Value;

struct Trace {
    /// (command, reply), ctype and status bytes included.
    exchanges: Vec<(Vec<u8>, Vec<u8>)>,
    /// The bulk stream as shown (shortened) and its full length.
    bulk_prefix: Vec<u8>,
    bulk_len: usize,
}

fn read_trace() -> Trace {
    let text = std::fs::read_to_string(netmd_trace("upsp.jsonl")).expect("the netmd-js trace");
    let mut exchanges = Vec::new();
    let mut command: Option<Vec<u8>> = None;
    let (mut bulk_prefix, mut bulk_len) = (Vec::new(), 0);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let kind = v["kind"].as_str().unwrap_or("");
        let setup = v["setup"].as_str().unwrap_or("");
        let data = v["data"].as_str().unwrap_or("");
        if kind == "ctrlOUT" {
            command = Some(from_hex(data).unwrap());
        } else if kind == "ctrlIN" && setup.contains("req=0x81 ") {
            // A reply without a command of its own is the final answer of the send.
            let c = command.take().unwrap_or_default();
            exchanges.push((c, from_hex(data).unwrap()));
        } else if kind.starts_with("bulkOUT") {
            let (hex, rest) = data.split_once("...(").unwrap_or((data, ""));
            bulk_prefix = from_hex(hex).unwrap();
            bulk_len = rest
                .trim_end_matches(" bytes)")
                .parse()
                .unwrap_or(bulk_prefix.len());
        }
    }
    Trace {
        exchanges,
        bulk_prefix,
        bulk_len,
    }
}

/// Answers a command with the trace's reply to the same command (the next unused one), and
/// anything the trace lacks with an accepted echo.
struct Replay {
    exchanges: Vec<(Vec<u8>, Vec<u8>)>,
    used: Vec<bool>,
    pending: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
    bulk: Vec<u8>,
    /// The final reply of the send, which comes after the bulk stream.
    after_bulk: Option<Vec<u8>>,
}

impl Replay {
    fn new(exchanges: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
        let used = vec![false; exchanges.len()];
        Self {
            exchanges,
            used,
            pending: VecDeque::new(),
            sent: Vec::new(),
            bulk: Vec::new(),
            after_bulk: None,
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
        let found =
            (0..self.exchanges.len()).find(|&i| !self.used[i] && self.exchanges[i].0 == data);
        let reply = if let Some(i) = found {
            self.used[i] = true;
            self.exchanges[i].1.clone()
        } else {
            let mut r = data.to_vec();
            r[0] = 0x09;
            r
        };
        if reply[0] == 0x0f {
            // netmd-js's fake device answered the send interim; the final reply follows the
            // stream (it is the next reply of the trace).
            let next = (0..self.exchanges.len())
                .find(|&i| !self.used[i] && self.exchanges[i].0.is_empty())
                .unwrap();
            self.used[next] = true;
            self.after_bulk = Some(self.exchanges[next].1.clone());
        }
        self.pending.push_back(reply);
        Ok(())
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        _: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        if setup.request == 0x01 {
            let len = self
                .pending
                .front()
                .map_or(0, |r| r.len() as u16)
                .to_le_bytes();
            return Ok(vec![0x01, 0x81, len[0], len[1]][..usize::from(length)].to_vec());
        }
        self.pending
            .pop_front()
            .ok_or(TransportError::Timeout(Duration::ZERO))
    }

    fn bulk_out(&mut self, _: u8, data: &[u8], _: Duration) -> Result<usize, TransportError> {
        self.bulk.extend_from_slice(data);
        if let Some(r) = self.after_bulk.take() {
            self.pending.push_back(r);
        }
        Ok(data.len())
    }

    fn bulk_in(&mut self, _: u8, _: usize, _: Duration) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::Stall)
    }

    fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            name: "replay".into(),
            vendor_id: 0x054c,
            product_id: 0x0075,
            simulated: true,
            native_mono: false,
        }
    }
}

#[test]
fn an_sp_send_is_byte_for_byte_what_netmd_js_sends() {
    let trace = read_trace();
    let expected_commands: Vec<Vec<u8>> = trace
        .exchanges
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| !c.is_empty())
        .skip_while(|c| c.get(9..11) != Some(&[0x03, 0x21]))
        .collect();
    assert!(
        expected_commands.len() > 10,
        "the trace has a secure session"
    );

    let mut recorder = Recorder::open(Replay::new(trace.exchanges.clone())).unwrap();
    let plain: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    let keys = StreamKeys {
        data_key: [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18],
        iv: [0; 8],
    };
    let audio = EncryptedAudio::encrypt(WireFormat::SP_STEREO, plain, &keys).unwrap();
    let mut entropy = ScriptedEntropy::new(&[0x80; 8]);
    let sent = recorder
        .send_track(
            &audio,
            &titles::prepare("Hello"),
            &mut entropy,
            &mut |_, _| ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(sent.number, 4, "the trace's recorder stored track index 3");

    let replay = recorder.into_transport();
    let ours: Vec<Vec<u8>> = replay
        .sent
        .iter()
        .skip_while(|c| c.get(9..11) != Some(&[0x03, 0x21]))
        .cloned()
        .collect();
    let show = |v: &[Vec<u8>]| v.iter().map(|c| to_hex(c)).collect::<Vec<_>>().join("\n");
    assert_eq!(show(&ours), show(&expected_commands));
    assert_eq!(replay.bulk.len(), trace.bulk_len);
    assert_eq!(
        to_hex(&replay.bulk[..trace.bulk_prefix.len()]),
        to_hex(&trace.bulk_prefix)
    );
}
