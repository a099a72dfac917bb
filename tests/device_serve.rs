//! `ministage device serve`: the virtual deck's USB transfers as JSON lines on standard input
//! and output. Raw lines check the protocol (bad lines, unknown ops, faults, the end of the
//! input); ministage's own client, driving the child process through a transport that speaks
//! the lines, checks that a whole session passes through unchanged and that a client that
//! hangs up in the middle of a send leaves the disc file as it was.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

#[path = "common/device_cmd.rs"]
mod device_cmd;

use std::io::{BufRead, BufReader, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Output, Stdio};
use std::time::Duration;

use device_cmd::ministage_on;
use netmd::bytes::{from_hex, to_hex};
use netmd::crypto::{OsEntropy, StreamKeys};
use netmd::send::{EncryptedAudio, WireFormat};
use netmd::{ControlSetup, DeviceIdentity, Recorder, Transport, TransportError, titles};
use serde_json::{Value, json};

struct Deck {
    dir: tempfile::TempDir,
}

impl Deck {
    /// A deck holding the demo disc.
    fn demo() -> Self {
        let deck = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let path = deck.path();
        let out = deck.run(&["device", "init-virtual", "--demo", path.to_str().unwrap()]);
        assert!(out.status.success());
        deck
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("deck.json")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn run(&self, args: &[&str]) -> Output {
        ministage_on(&self.path(), &self.home(), args, None)
            .output()
            .unwrap()
    }

    /// `device info --json` on a new connection: what the disc file holds.
    fn info(&self) -> Value {
        let out = self.run(&["device", "info", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn titles(&self) -> Vec<String> {
        self.info()["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    }

    /// `device serve` fed `input`; returns its output.
    fn serve_lines(&self, input: &str, faults: Option<&str>) -> Output {
        let mut child = ministage_on(&self.path(), &self.home(), &["device", "serve"], faults)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn serve(&self) -> PipeTransport {
        PipeTransport::spawn(self, None)
    }

    /// Files in the deck's audio folder.
    fn audio_files(&self) -> Vec<PathBuf> {
        let dir = netmd::virtual_deck::audio_dir_of(&self.path());
        std::fs::read_dir(dir).map_or_else(
            |_| Vec::new(),
            |entries| entries.map(|e| e.unwrap().path()).collect(),
        )
    }
}

fn answers(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn setup(request: u8) -> Value {
    json!({"requestType": "vendor", "recipient": "interface", "request": request, "value": 0, "index": 0})
}

/// ministage's own client on the other end of the pipe: each transfer is a request line to the
/// child and its answer line back. It can hang up in the middle of a bulk write, as a client
/// that crashes or loses its connection does.
struct PipeTransport {
    child: Child,
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
    /// After this many bulk bytes, write half a request and close the pipe.
    hang_up_after: Option<usize>,
    /// Instead of the command starting with these bytes (after the ctype), the same.
    hang_up_before: Option<Vec<u8>>,
    bulk_sent: usize,
}

impl PipeTransport {
    fn spawn(deck: &Deck, faults: Option<&str>) -> Self {
        let mut child = ministage_on(&deck.path(), &deck.home(), &["device", "serve"], faults)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let requests = child.stdin.take();
        let answers = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            requests,
            answers,
            hang_up_after: None,
            hang_up_before: None,
            bulk_sent: 0,
        }
    }

    /// Writes half of `request` and closes the pipe, as a client that dies mid-write.
    fn hang_up(&mut self, request: &Value) -> TransportError {
        let line = request.to_string();
        if let Some(mut requests) = self.requests.take() {
            requests
                .write_all(&line.as_bytes()[..line.len() / 2])
                .unwrap();
        }
        TransportError::Disconnected
    }

    fn call(&mut self, request: &Value) -> Result<Value, TransportError> {
        let requests = self.requests.as_mut().ok_or(TransportError::Disconnected)?;
        writeln!(requests, "{request}").map_err(|_| TransportError::Disconnected)?;
        let mut line = String::new();
        if self.answers.read_line(&mut line).unwrap_or(0) == 0 {
            return Err(TransportError::Disconnected);
        }
        let answer: Value = serde_json::from_str(&line).unwrap();
        if answer["ok"] == true {
            return Ok(answer);
        }
        Err(match answer["error"].as_str().unwrap() {
            "stall" => TransportError::Stall,
            "timeout" => TransportError::Timeout(Duration::ZERO),
            "disconnected" => TransportError::Disconnected,
            other => panic!("the client's request was refused: {other}: {answer}"),
        })
    }

    fn data(answer: &Value) -> Vec<u8> {
        from_hex(answer["data"].as_str().unwrap()).unwrap()
    }

    /// Ends the input and waits for the server; returns the answers it had not read and how
    /// the process ended.
    fn finish(mut self) -> (Vec<Value>, std::process::ExitStatus) {
        drop(self.requests.take());
        let status = self.child.wait().unwrap();
        let rest = self
            .answers
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
        (rest, status)
    }
}

fn setup_json(s: ControlSetup) -> Value {
    json!({"requestType": s.kind(), "recipient": s.recipient(), "request": s.request,
           "value": s.value, "index": s.index})
}

/// What a transfer gives back.
type Done<T> = Result<T, TransportError>;

impl Transport for PipeTransport {
    fn control_out(&mut self, setup: ControlSetup, data: &[u8], timeout: Duration) -> Done<()> {
        let request = json!({"op": "controlOut", "setup": setup_json(setup), "data": to_hex(data),
                             "timeoutMs": timeout.as_millis()});
        if let Some(prefix) = &self.hang_up_before
            && data.get(1..).is_some_and(|c| c.starts_with(prefix))
        {
            return Err(self.hang_up(&request));
        }
        let answer = self.call(&request)?;
        assert_eq!(answer["bytesWritten"], data.len());
        Ok(())
    }

    fn control_in(&mut self, setup: ControlSetup, length: u16, timeout: Duration) -> Done<Vec<u8>> {
        let request = json!({"op": "controlIn", "setup": setup_json(setup), "length": length,
                             "timeoutMs": timeout.as_millis()});
        Ok(Self::data(&self.call(&request)?))
    }

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _: Duration,
    ) -> Result<usize, TransportError> {
        let request = json!({"op": "bulkOut", "endpoint": endpoint, "data": to_hex(data)});
        if self
            .hang_up_after
            .is_some_and(|n| self.bulk_sent + data.len() > n)
        {
            return Err(self.hang_up(&request));
        }
        self.bulk_sent += data.len();
        let answer = self.call(&request)?;
        Ok(answer["bytesWritten"].as_u64().unwrap() as usize)
    }

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        _: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let request = json!({"op": "bulkIn", "endpoint": endpoint & 0x7f, "length": length});
        Ok(Self::data(&self.call(&request)?))
    }

    fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            name: "pipe".into(),
            vendor_id: 0x054c,
            product_id: 0xffff,
            simulated: true,
            native_mono: false,
        }
    }
}

/// LP2 frames of a known pattern (each starts with the ATRAC3 sound-unit id the deck checks).
fn lp2_frames(count: usize) -> Vec<u8> {
    let mut data: Vec<u8> = (0..count * 384).map(|i| (i * 7 % 251) as u8).collect();
    for frame in data.chunks_mut(384) {
        frame[0] = 0xa0;
    }
    data
}

fn send(
    recorder: &mut Recorder<PipeTransport>,
    plain: Vec<u8>,
    title: &str,
    chunk: usize,
) -> Result<netmd::send::SentTrack, netmd::send::SendError> {
    let keys = StreamKeys::random(&mut OsEntropy).unwrap();
    let audio = EncryptedAudio::encrypt(WireFormat::LP2, plain, &keys).unwrap();
    recorder.send_track_chunked(
        &audio,
        &titles::prepare(title),
        &mut OsEntropy,
        chunk,
        &mut |_, _| ControlFlow::Continue(()),
    )
}

fn stored_audio(deck_path: &Path, number: u32) -> Vec<u8> {
    let disc: Value = serde_json::from_slice(&std::fs::read(deck_path).unwrap()).unwrap();
    let file = disc["tracks"][number as usize - 1]["audio"]["file"]
        .as_str()
        .unwrap();
    std::fs::read(deck_path.parent().unwrap().join(file)).unwrap()
}

#[test]
fn describe_and_one_command_round_trip() {
    let deck = Deck::demo();
    let lines = [
        json!({"op": "describe"}),
        json!({"op": "open"}),
        // Track count: `1806 02101001 3000 1000 ff00 00000000`.
        json!({"op": "controlOut", "setup": setup(0x80), "data": "001806021010013000 1000ff0000000000"}),
        json!({"op": "controlIn", "setup": setup(0x01), "length": 4}),
        json!({"op": "controlIn", "setup": setup(0x81), "length": 255}),
        json!({"op": "close"}),
    ];
    let input = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let out = deck.serve_lines(&input, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = answers(&out);
    assert_eq!(a.len(), lines.len());
    assert_eq!(a[0]["vendorId"], 0x054c);
    assert_eq!(a[0]["productName"], "virtual deck");
    assert_eq!(a[2]["bytesWritten"], 17);
    let reply = from_hex(a[4]["data"].as_str().unwrap()).unwrap();
    assert_eq!((reply[0], reply.last()), (0x09, Some(&6)));
    assert!(out.stderr.is_empty(), "nothing on standard error");
}

#[test]
fn malformed_lines_and_unknown_ops_get_error_lines() {
    let deck = Deck::demo();
    let before = std::fs::read(deck.path()).unwrap();
    let input = "hello\n{\"op\":\"format-disc\",\"id\":1}\n{\"op\":\"bulkOut\",\"endpoint\":2}\n\
                 {\"op\":\"controlOut\",\"setup\":{\"requestType\":\"vendor\"},\"data\":\"00\"}\n\
                 {\"op\":\"describe\"}\n";
    let out = deck.serve_lines(input, None);
    assert!(out.status.success());
    let a = answers(&out);
    assert_eq!(a.len(), 5);
    for bad in &a[..4] {
        assert_eq!(
            (&bad["ok"], &bad["error"]),
            (&json!(false), &json!("invalid")),
            "{bad}"
        );
    }
    assert_eq!(a[1]["id"], 1);
    assert!(a[1]["message"].as_str().unwrap().contains("format-disc"));
    assert_eq!(a[4]["ok"], true);
    assert_eq!(
        std::fs::read(deck.path()).unwrap(),
        before,
        "the disc is untouched"
    );
}

#[test]
fn faults_apply_as_in_process() {
    let deck = Deck::demo();
    let poll = json!({"op": "controlIn", "setup": setup(0x01), "length": 4});
    let out = deck.serve_lines(
        &format!("{poll}\n{poll}\n{poll}\n"),
        Some("disconnect-after=2"),
    );
    assert!(out.status.success());
    let kinds: Vec<Value> = answers(&out).iter().map(|a| a["error"].clone()).collect();
    assert_eq!(kinds, [Value::Null, Value::Null, json!("disconnected")]);

    // An unreadable fault list is refused as it is in-process, naming the item.
    let out = deck.serve_lines("", Some("explode=1"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("explode"));
    assert!(out.stdout.is_empty());
}

#[test]
fn ministage_reads_edits_and_sends_through_the_pipe() {
    let deck = Deck::demo();
    let mut recorder = Recorder::open(deck.serve()).unwrap();
    let info = recorder.read_disc().unwrap();
    assert_eq!(info.title, "Ministage Demo");
    assert_eq!(info.tracks.len(), 6);
    assert_eq!(info.groups.len(), 2);

    let plain = lp2_frames(40);
    let sent = send(&mut recorder, plain.clone(), "Through the pipe", 5000).unwrap();
    assert_eq!(sent.number, 7);
    let (rest, status) = recorder.into_transport().finish();
    assert!(status.success());
    assert!(rest.is_empty(), "every answer was read: {rest:?}");

    assert_eq!(deck.titles().last().unwrap(), "Through the pipe");
    assert_eq!(deck.info()["tracks"][6]["mode"], "LP2");
    assert_eq!(
        stored_audio(&deck.path(), 7),
        plain,
        "the payload, byte for byte"
    );
}

#[test]
fn a_client_that_hangs_up_mid_send_leaves_the_disc_as_it_was() {
    let deck = Deck::demo();
    let before = deck.titles();
    let mut transport = deck.serve();
    transport.hang_up_after = Some(6000);
    let mut recorder = Recorder::open(transport).unwrap();
    let err = send(&mut recorder, lp2_frames(40), "Cut short", 4000).unwrap_err();
    assert!(err.is_disconnect(), "{err}");
    let (rest, status) = recorder.into_transport().finish();
    assert!(
        status.success(),
        "the server ends cleanly at the end of its input"
    );
    assert_eq!(rest.len(), 1, "one answer, for the half request: {rest:?}");
    assert_eq!(rest[0]["error"], "invalid");

    // Reopened, the disc is as it was: no track, no audio left behind, and it takes a send.
    assert_eq!(deck.titles(), before);
    assert!(deck.audio_files().is_empty(), "{:?}", deck.audio_files());
    let mut recorder = Recorder::open(deck.serve()).unwrap();
    let plain = lp2_frames(12);
    let sent = send(&mut recorder, plain.clone(), "Again", 1 << 20).unwrap();
    assert_eq!(sent.number, 7);
    assert!(recorder.into_transport().finish().1.success());
    assert_eq!(stored_audio(&deck.path(), 7), plain);
}

#[test]
fn a_client_that_hangs_up_before_the_commit_leaves_no_track() {
    let deck = Deck::demo();
    let before = deck.titles();
    let mut transport = deck.serve();
    // The commit: `1800 080046 f0030103 48`. The stream, the final reply and the title are in.
    transport.hang_up_before = Some(from_hex("1800 080046 f0030103 48").unwrap());
    let mut recorder = Recorder::open(transport).unwrap();
    assert!(send(&mut recorder, lp2_frames(10), "Never committed", 1 << 20).is_err());
    let (rest, status) = recorder.into_transport().finish();
    assert!(status.success());
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(
        deck.titles(),
        before,
        "the uncommitted track is not on the disc"
    );
    assert!(deck.audio_files().is_empty(), "{:?}", deck.audio_files());
}

#[test]
fn serve_needs_the_virtual_deck() {
    let deck = Deck::demo();
    let home = deck.home();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ministage"))
        .args(["device", "serve", "--device", "usb"])
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("MINISTAGE_DEVICE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("virtual:PATH"));
}
