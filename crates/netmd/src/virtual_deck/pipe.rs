//! A recorder on a pipe: USB transfers as JSON lines, one request per line in and one answer
//! per line out, in the shape of WebUSB's calls, so that a NetMD client written for WebUSB
//! (netmd-js, Web MiniDisc) can drive the virtual deck through a shim of a few lines. This is
//! what `ministage device serve` runs; [`serve`] takes any [`Transport`], so whatever the deck
//! answers at the USB level (receives on decks that have them, faults) passes through
//! unchanged.
//!
//! Requests (`op` names the call; bytes are hex strings; `timeoutMs` is optional on transfers,
//! 5 s by default; an `id`, if given, is copied into the answer):
//!
//! ```text
//! {"op":"describe"}                                   {"ok":true,"vendorId":1356,"productId":65535,"productName":"virtual deck",…}
//! {"op":"controlOut","setup":{"requestType":"vendor","recipient":"interface","request":128,"value":0,"index":0},"data":"00180801…"}
//!                                                     {"ok":true,"bytesWritten":9}
//! {"op":"controlIn","setup":{…,"request":1},"length":4}      {"ok":true,"data":"01810800"}
//! {"op":"bulkOut","endpoint":2,"data":"…"}            {"ok":true,"bytesWritten":N}
//! {"op":"bulkIn","endpoint":1,"length":N}             {"ok":true,"data":"…"}
//! {"op":"open"} (and selectConfiguration, claimInterface, releaseInterface, reset, close)
//!                                                     {"ok":true}
//! ```
//!
//! Endpoints are numbered as WebUSB numbers them, without the direction bit (`bulkIn` 1 is
//! endpoint 0x81). A failed call answers `{"ok":false,"error":KIND,"message":…}`, KIND being
//! `stall`, `timeout` or `disconnected` for what the device did (`io` for any other USB
//! failure) and `invalid` for a request that could not be read: not JSON, an unknown `op`, a
//! missing field, bad hex, or a line longer than [`MAX_LINE_BYTES`]. Blank lines are skipped.
//! The server never stops on a bad request; it stops at the end of its input, or when its
//! answers can no longer be written (the client went away), and in both cases returns `Ok`.

use std::io::{self, BufRead, Write};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::bytes::{from_hex, to_hex};
use crate::transport::{ControlSetup, Transport, TransportError};

/// How long a transfer may take when the request does not say (`timeoutMs`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest request line read: 32 MiB of bulk data in hex. Longer lines are refused whole.
pub const MAX_LINE_BYTES: usize = 64 << 20;
/// The most a `bulkIn` may ask for at once.
pub const MAX_BULK_IN: usize = 16 << 20;

/// Why serving stopped other than at the end of the input.
#[derive(Debug, Error)]
pub enum PipeError {
    #[error("could not read the requests: {0}")]
    Read(#[source] io::Error),
    #[error("could not write the answers: {0}")]
    Write(#[source] io::Error),
}

/// Answers the requests read from `reader` on `transport`, one line each on `writer`, until the
/// input ends or the client stops reading (both `Ok`). Each answer is flushed before the next
/// request is read, so a client may wait for it.
pub fn serve<T, R, W>(transport: &mut T, mut reader: R, mut writer: W) -> Result<(), PipeError>
where
    T: Transport + ?Sized,
    R: BufRead,
    W: Write,
{
    let mut line = Vec::new();
    loop {
        let read = next_line(&mut reader, &mut line, MAX_LINE_BYTES).map_err(PipeError::Read)?;
        let answer = match read {
            Line::End => return Ok(()),
            Line::TooLong => Answer::invalid(
                None,
                format!("the request is longer than {MAX_LINE_BYTES} bytes"),
            ),
            Line::Read if line.trim_ascii().is_empty() => continue,
            Line::Read => answer(transport, &line),
        };
        match send(&mut writer, &answer) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(PipeError::Write(e)),
        }
    }
}

enum Line {
    Read,
    TooLong,
    End,
}

/// Reads up to the next newline (or the end of the input) into `line`, without the newline.
/// A line over `max` bytes is read to its end and dropped.
fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    line.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => Line::End,
                (true, true) => Line::TooLong,
                (true, false) => Line::Read,
            });
        }
        any = true;
        let newline = chunk.iter().position(|&b| b == b'\n');
        let part = &chunk[..newline.unwrap_or(chunk.len())];
        if !too_long && line.len() + part.len() > max {
            too_long = true;
            *line = Vec::new();
        }
        if !too_long {
            line.extend_from_slice(part);
        }
        let used = newline.map_or(chunk.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

fn send(writer: &mut impl Write, answer: &Answer) -> io::Result<()> {
    serde_json::to_writer(&mut *writer, answer).map_err(io::Error::from)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// A control transfer's setup as WebUSB gives it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Setup {
    request_type: String,
    recipient: String,
    request: u8,
    value: u16,
    index: u16,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum Request {
    Describe,
    Open,
    Close,
    SelectConfiguration,
    ClaimInterface,
    ReleaseInterface,
    Reset,
    #[serde(rename_all = "camelCase")]
    ControlOut {
        setup: Setup,
        #[serde(default)]
        data: String,
        timeout_ms: Option<u64>,
    },
    #[serde(rename_all = "camelCase")]
    ControlIn {
        setup: Setup,
        length: u16,
        timeout_ms: Option<u64>,
    },
    #[serde(rename_all = "camelCase")]
    BulkOut {
        endpoint: u8,
        data: String,
        timeout_ms: Option<u64>,
    },
    #[serde(rename_all = "camelCase")]
    BulkIn {
        endpoint: u8,
        length: usize,
        timeout_ms: Option<u64>,
    },
    #[serde(other)]
    Unknown,
}

/// One answer line. Only the fields of its kind are written.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Answer {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes_written: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor_id: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    simulated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    native_mono: Option<bool>,
}

impl Answer {
    fn ok(id: Option<Value>) -> Self {
        Self {
            ok: true,
            id,
            ..Self::default()
        }
    }

    fn invalid(id: Option<Value>, message: String) -> Self {
        Self {
            id,
            error: Some("invalid"),
            message: Some(message),
            ..Self::default()
        }
    }

    fn failed(id: Option<Value>, e: &TransportError) -> Self {
        let kind = match e {
            TransportError::Stall => "stall",
            TransportError::Timeout(_) => "timeout",
            TransportError::Disconnected => "disconnected",
            TransportError::Permission { .. }
            | TransportError::Busy(_)
            | TransportError::Other(_) => "io",
        };
        Self {
            id,
            error: Some(kind),
            message: Some(e.to_string()),
            ..Self::default()
        }
    }
}

/// Reads one request and makes its call.
fn answer<T: Transport + ?Sized>(transport: &mut T, line: &[u8]) -> Answer {
    let value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return Answer::invalid(None, format!("the request is not JSON: {e}")),
    };
    let id = value.get("id").cloned();
    let op = value.get("op").and_then(Value::as_str).map(str::to_owned);
    let request = match Request::deserialize(value) {
        Ok(Request::Unknown) => {
            let op = op.unwrap_or_default();
            return Answer::invalid(id, format!("unknown op {op:?}"));
        }
        Ok(r) => r,
        Err(e) => return Answer::invalid(id, format!("malformed request: {e}")),
    };
    match call(transport, request) {
        Ok(mut a) => {
            a.id = id;
            a
        }
        Err(Refused::Invalid(message)) => Answer::invalid(id, message),
        Err(Refused::Transport(e)) => Answer::failed(id, &e),
    }
}

enum Refused {
    Invalid(String),
    Transport(TransportError),
}

impl From<TransportError> for Refused {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

fn call<T: Transport + ?Sized>(transport: &mut T, request: Request) -> Result<Answer, Refused> {
    let timeout = |ms: Option<u64>| ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    Ok(match request {
        Request::Describe => {
            let identity = transport.identity();
            Answer {
                vendor_id: Some(identity.vendor_id),
                product_id: Some(identity.product_id),
                product_name: Some(identity.name),
                simulated: Some(identity.simulated),
                native_mono: Some(identity.native_mono),
                ..Answer::ok(None)
            }
        }
        // The session is the process: opening, closing and (re)claiming change nothing.
        Request::Open
        | Request::Close
        | Request::SelectConfiguration
        | Request::ClaimInterface
        | Request::ReleaseInterface
        | Request::Reset => Answer::ok(None),
        Request::ControlOut {
            setup,
            data,
            timeout_ms,
        } => {
            let setup = control_setup(&setup, false)?;
            let data = hex(&data)?;
            transport.control_out(setup, &data, timeout(timeout_ms))?;
            Answer {
                bytes_written: Some(data.len()),
                ..Answer::ok(None)
            }
        }
        Request::ControlIn {
            setup,
            length,
            timeout_ms,
        } => {
            let setup = control_setup(&setup, true)?;
            let data = transport.control_in(setup, length, timeout(timeout_ms))?;
            Answer {
                data: Some(to_hex(&data)),
                ..Answer::ok(None)
            }
        }
        Request::BulkOut {
            endpoint,
            data,
            timeout_ms,
        } => {
            let endpoint = endpoint_number(endpoint)?;
            let data = hex(&data)?;
            let written = transport.bulk_out(endpoint, &data, timeout(timeout_ms))?;
            Answer {
                bytes_written: Some(written),
                ..Answer::ok(None)
            }
        }
        Request::BulkIn {
            endpoint,
            length,
            timeout_ms,
        } => {
            if length > MAX_BULK_IN {
                return Err(Refused::Invalid(format!(
                    "bulkIn asks for {length} bytes, more than {MAX_BULK_IN} at once"
                )));
            }
            let endpoint = endpoint_number(endpoint)? | 0x80;
            let data = transport.bulk_in(endpoint, length, timeout(timeout_ms))?;
            Answer {
                data: Some(to_hex(&data)),
                ..Answer::ok(None)
            }
        }
        Request::Unknown => return Err(Refused::Invalid("unknown op".into())),
    })
}

fn control_setup(setup: &Setup, device_to_host: bool) -> Result<ControlSetup, Refused> {
    ControlSetup::from_names(
        device_to_host,
        &setup.request_type,
        &setup.recipient,
        setup.request,
        setup.value,
        setup.index,
    )
    .ok_or_else(|| {
        Refused::Invalid(format!(
            "unknown requestType {:?} or recipient {:?}",
            setup.request_type, setup.recipient
        ))
    })
}

/// WebUSB's endpoint number (1–15); the direction bit, if a client sets it, is dropped.
fn endpoint_number(endpoint: u8) -> Result<u8, Refused> {
    match endpoint & 0x7f {
        n @ 1..=15 => Ok(n),
        _ => Err(Refused::Invalid(format!(
            "endpoint {endpoint} is not a bulk endpoint number (1 to 15)"
        ))),
    }
}

fn hex(text: &str) -> Result<Vec<u8>, Refused> {
    from_hex(text).ok_or_else(|| Refused::Invalid("data is not hex".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtual_deck::{Faults, VirtualDeck, VirtualDisc};

    fn deck() -> VirtualDeck {
        VirtualDeck::in_memory(VirtualDisc::demo(80, false))
    }

    /// Serves `input` and returns the answers, one JSON value per line.
    fn run(deck: &mut VirtualDeck, input: &str) -> Vec<Value> {
        let mut out = Vec::new();
        serve(deck, input.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn setup(request: u8) -> String {
        format!(
            r#"{{"requestType":"vendor","recipient":"interface","request":{request},"value":0,"index":0}}"#
        )
    }

    /// A command, the poll and the reply read, as netmd-js makes them.
    fn exchange(command_hex: &str) -> String {
        let (out, poll, reply) = (setup(0x80), setup(0x01), setup(0x81));
        format!(
            "{{\"op\":\"controlOut\",\"setup\":{out},\"data\":\"{command_hex}\"}}\n\
             {{\"op\":\"controlIn\",\"setup\":{poll},\"length\":4}}\n\
             {{\"op\":\"controlIn\",\"setup\":{reply},\"length\":255}}\n"
        )
    }

    #[test]
    fn describes_the_device() {
        let a = run(&mut deck(), "{\"op\":\"describe\",\"id\":\"a1\"}\n");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0]["ok"], true);
        assert_eq!(a[0]["id"], "a1");
        assert_eq!(a[0]["vendorId"], 0x054c);
        assert_eq!(a[0]["productId"], 0xffff);
        assert_eq!(a[0]["productName"], "virtual deck");
        assert_eq!(a[0]["simulated"], true);
    }

    #[test]
    fn a_command_its_poll_and_its_reply() {
        // Track count: `1806 02101001 3000 1000 ff00 00000000`.
        let a = run(
            &mut deck(),
            &exchange("00180602101001300010 00ff0000000000"),
        );
        assert_eq!(a[0]["ok"], true);
        assert_eq!(a[0]["bytesWritten"], 17);
        let poll = a[1]["data"].as_str().unwrap();
        assert!(poll.starts_with("0181"), "{poll}");
        let reply = from_hex(a[2]["data"].as_str().unwrap()).unwrap();
        assert_eq!(usize::from(from_hex(poll).unwrap()[2]), reply.len());
        assert_eq!(reply[0], 0x09, "accepted");
        assert_eq!(reply.last(), Some(&6), "the demo disc has six tracks");
    }

    #[test]
    fn session_calls_are_answered_ok() {
        let ops = [
            "open",
            "selectConfiguration",
            "claimInterface",
            "releaseInterface",
            "reset",
            "close",
        ];
        let input = ops
            .map(|op| format!("{{\"op\":\"{op}\",\"value\":1}}"))
            .join("\n");
        let a = run(&mut deck(), &input);
        assert_eq!(a.len(), ops.len());
        assert!(
            a.iter().all(|a| a == &serde_json::json!({"ok": true})),
            "{a:?}"
        );
    }

    #[test]
    fn bad_requests_get_an_error_line_each_and_serving_goes_on() {
        let lines = [
            "not json",
            "[1, 2]",
            r#"{"id":3}"#,
            r#"{"op":"warp","id":4}"#,
            r#"{"op":"controlOut","id":5}"#,
            &format!(
                r#"{{"op":"controlOut","setup":{},"data":"0g"}}"#,
                setup(0x80)
            ),
            r#"{"op":"controlIn","setup":{"requestType":"vendor","recipient":"cable","request":1,"value":0,"index":0},"length":4}"#,
            r#"{"op":"controlIn","setup":{"requestType":"vendor","recipient":"interface","request":1,"value":0,"index":0},"length":70000}"#,
            r#"{"op":"bulkOut","endpoint":0,"data":""}"#,
            r#"{"op":"bulkIn","endpoint":1,"length":99999999999}"#,
        ];
        let mut input = lines.join("\n");
        input.push_str("\n\n   \n{\"op\":\"describe\"}\n");
        let a = run(&mut deck(), &input);
        assert_eq!(
            a.len(),
            lines.len() + 1,
            "one answer per request, none for blank lines"
        );
        for (answer, line) in a.iter().zip(lines) {
            assert_eq!(answer["ok"], false, "{line}");
            assert_eq!(answer["error"], "invalid", "{line}");
            assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        assert_eq!(a[2]["id"], 3);
        assert_eq!(a[3]["id"], 4);
        assert_eq!(a[3]["message"], "unknown op \"warp\"");
        assert_eq!(a[lines.len()]["ok"], true, "still serving");
    }

    #[test]
    fn device_failures_keep_their_kind() {
        let mut d = deck();
        // Bulk OUT without a send, and bulk IN on a deck that cannot receive: both stall.
        let a = run(
            &mut d,
            "{\"op\":\"bulkOut\",\"endpoint\":2,\"data\":\"00\"}\n\
             {\"op\":\"bulkIn\",\"endpoint\":1,\"length\":8}\n",
        );
        assert_eq!(a[0]["error"], "stall");
        assert_eq!(a[1]["error"], "stall");

        let mut d = deck().with_faults(Faults::parse("disconnect-after=1").unwrap());
        let describe = "{\"op\":\"describe\"}\n";
        let poll = format!(
            "{{\"op\":\"controlIn\",\"setup\":{},\"length\":4}}\n",
            setup(1)
        );
        let a = run(&mut d, &format!("{poll}{describe}{poll}"));
        assert_eq!(a[0]["ok"], true);
        assert_eq!(a[1]["ok"], true, "describe is no transfer");
        assert_eq!(a[2]["error"], "disconnected");

        let mut d = deck().with_faults(Faults::parse("stall-after=0").unwrap());
        let a = run(&mut d, &poll);
        assert_eq!(a[0]["error"], "timeout");
    }

    #[test]
    fn a_request_cut_off_by_the_end_of_input_is_refused_and_serving_ends() {
        let input = format!(
            "{{\"op\":\"describe\"}}\n{{\"op\":\"bulkOut\",\"endpoint\":2,\"data\":\"{}",
            "00".repeat(300)
        );
        let a = run(&mut deck(), &input);
        assert_eq!(a.len(), 2);
        assert_eq!(a[1]["error"], "invalid");
        // A whole request without its newline is still a request.
        let a = run(&mut deck(), "{\"op\":\"describe\"}");
        assert_eq!(a[0]["ok"], true);
    }

    #[test]
    fn long_lines_are_dropped_whole() {
        let input = format!("{}\n{{\"op\":\"open\"}}\nrest", "x".repeat(100));
        let mut reader = input.as_bytes();
        let mut line = Vec::new();
        assert!(matches!(
            next_line(&mut reader, &mut line, 10),
            Ok(Line::TooLong)
        ));
        assert!(matches!(
            next_line(&mut reader, &mut line, 20),
            Ok(Line::Read)
        ));
        assert_eq!(line, b"{\"op\":\"open\"}");
        assert!(matches!(
            next_line(&mut reader, &mut line, 20),
            Ok(Line::Read)
        ));
        assert_eq!(line, b"rest");
        assert!(matches!(
            next_line(&mut reader, &mut line, 20),
            Ok(Line::End)
        ));
    }

    /// A client that stops reading: serving ends without an error.
    struct Gone;

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_client_that_stops_reading_ends_serving_quietly() {
        let input = "{\"op\":\"describe\"}\n".repeat(3);
        assert!(serve(&mut deck(), input.as_bytes(), Gone).is_ok());
    }
}
