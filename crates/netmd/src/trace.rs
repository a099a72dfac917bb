//! `--usb-trace FILE`: every transfer as a JSON line in the schema of the netmd-js traces
//! (`kind`, `setup`, `data` as hex). It is what a user attaches to a bug report, so bulk data is
//! written whole and every line is flushed at once (a crash or an unplug loses nothing).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::bytes::to_hex;
use super::transport::{ControlSetup, DeviceIdentity, Transport, TransportError};

#[derive(Serialize)]
struct Line<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    setup: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    /// Not in the netmd-js schema: only present on failed transfers, which those traces lack.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A transport wrapper that records every transfer.
pub struct TraceRecorder<T> {
    inner: T,
    out: Box<dyn Write + Send>,
    write_failed: bool,
}

impl<T: Transport> TraceRecorder<T> {
    /// Records to a new file (truncating an old one).
    pub fn create(inner: T, path: &Path) -> io::Result<Self> {
        let file = File::create(path)?;
        Ok(Self::with_writer(inner, Box::new(BufWriter::new(file))))
    }

    /// Records after what a file already holds (a reconnect continues the same trace).
    pub fn append(inner: T, path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self::with_writer(inner, Box::new(BufWriter::new(file))))
    }

    /// Records to any writer; starts with the lines a client writes when it opens a device.
    pub fn with_writer(inner: T, out: Box<dyn Write + Send>) -> Self {
        let mut me = Self {
            inner,
            out,
            write_failed: false,
        };
        me.note("open", None);
        me.note("selectConfiguration", Some("1".into()));
        me.note("claimInterface", Some("0".into()));
        me
    }

    pub fn into_inner(self) -> T {
        self.inner
    }

    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    fn note(&mut self, kind: &str, data: Option<String>) {
        self.write(&Line {
            kind,
            setup: None,
            data,
            error: None,
        });
    }

    fn write(&mut self, line: &Line<'_>) {
        if self.write_failed {
            return;
        }
        let result = serde_json::to_writer(&mut self.out, line)
            .map_err(io::Error::other)
            .and_then(|()| self.out.write_all(b"\n"))
            .and_then(|()| self.out.flush());
        if let Err(e) = result {
            // A full disk must not stop the recorder; say it once in the log.
            tracing::warn!("the USB trace could not be written, recording stops: {e}");
            self.write_failed = true;
        }
    }

    fn record<R>(
        &mut self,
        kind: &str,
        setup: Option<ControlSetup>,
        sent: Option<&[u8]>,
        result: &Result<R, TransportError>,
        received: impl Fn(&R) -> Option<String>,
    ) {
        let (data, error) = match result {
            Ok(r) => (sent.map(to_hex).or_else(|| received(r)), None),
            Err(e) => (sent.map(to_hex), Some(e.to_string())),
        };
        self.write(&Line {
            kind,
            setup: setup.map(|s| s.describe()),
            data,
            error,
        });
    }
}

impl<T: Transport> Transport for TraceRecorder<T> {
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        let result = self.inner.control_out(setup, data, timeout);
        self.record("ctrlOUT", Some(setup), Some(data), &result, |()| None);
        result
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let result = self.inner.control_in(setup, length, timeout);
        self.record("ctrlIN", Some(setup), None, &result, |d| Some(to_hex(d)));
        result
    }

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransportError> {
        let result = self.inner.bulk_out(endpoint, data, timeout);
        let kind = format!("bulkOUT ep={}", endpoint & 0x0f);
        self.record(&kind, None, Some(data), &result, |_| None);
        result
    }

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let result = self.inner.bulk_in(endpoint, length, timeout);
        let kind = format!("bulkIN ep={}", endpoint & 0x0f);
        self.record(&kind, None, None, &result, |d| Some(to_hex(d)));
        result
    }

    fn identity(&self) -> DeviceIdentity {
        self.inner.identity()
    }
}
