//! A worker thread that owns the recorder, for the UI: requests go in, events come out, and
//! plugging or unplugging is noticed within two seconds (hotplug where libusb has it, polling
//! otherwise). The UI never blocks on USB.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use crate::app::{DeviceEvent, DeviceRequest};
use netmd::TraceRecorder;
use netmd::{
    AnyRecorder, DeviceError, DeviceSelector, Faults, OpenOptions, PlayerStatus, Recorder,
    SpeakerFactory, Transport, usb,
};

/// Environment variable with faults for virtual decks opened by selector: how tests and users
/// reproduce device failures (see the README).
pub const FAULTS_ENV: &str = "MINISTAGE_VIRTUAL_FAULTS";

/// The faults [`FAULTS_ENV`] asks virtual decks to inject; an unparsable value is an error.
pub fn faults_from_env() -> Result<Option<Faults>, DeviceError> {
    match std::env::var(FAULTS_ENV) {
        Ok(spec) => Faults::parse(&spec)
            .map(Some)
            .map_err(|e| DeviceError::Virtual(format!("{FAULTS_ENV}: {e}"))),
        Err(_) => Ok(None),
    }
}

/// How often to look for a recorder, and to check the connected one.
const POLL_INTERVAL: Duration = Duration::from_millis(1500);

/// Spawns device workers.
pub struct DeviceHandle;

impl DeviceHandle {
    /// Starts the worker; returns where to send requests and where events arrive.
    pub fn spawn(
        selector: DeviceSelector,
        trace: Option<PathBuf>,
    ) -> (Sender<DeviceRequest>, Receiver<DeviceEvent>) {
        let (event_tx, event_rx) = mpsc::channel();
        let requests = Self::spawn_with(selector, trace, None, move |e| {
            let _ = event_tx.send(e);
        });
        (requests, event_rx)
    }

    /// Starts the worker, handing each event to `emit` (e.g. to wrap it in the app's message).
    pub fn spawn_with(
        selector: DeviceSelector,
        trace: Option<PathBuf>,
        speaker: Option<SpeakerFactory>,
        emit: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Sender<DeviceRequest> {
        let (tx, rx) = mpsc::channel();
        let wake = tx.clone();
        let spawned = thread::Builder::new().name("device".into()).spawn(move || {
            let hotplug = match selector {
                DeviceSelector::Virtual(_) => None,
                _ => usb::HotplugWatcher::start(move || {
                    let _ = wake.send(DeviceRequest::Refresh);
                }),
            };
            Worker {
                selector,
                trace,
                speaker,
                emit: Box::new(emit),
                recorder: None,
                disc_present: false,
                player: None,
                last_open_error: None,
                trace_started: false,
            }
            .run(&rx);
            drop(hotplug);
        });
        if let Err(e) = spawned {
            tracing::error!("could not start the device worker: {e}");
        }
        tx
    }
}

struct Worker {
    selector: DeviceSelector,
    trace: Option<PathBuf>,
    /// For a virtual deck: where its audio is heard.
    speaker: Option<SpeakerFactory>,
    emit: Box<dyn Fn(DeviceEvent) + Send>,
    recorder: Option<AnyRecorder>,
    disc_present: bool,
    player: Option<PlayerStatus>,
    last_open_error: Option<String>,
    trace_started: bool,
}

impl Worker {
    fn run(mut self, requests: &Receiver<DeviceRequest>) {
        loop {
            if self.recorder.is_none() {
                self.connect();
            }
            match requests.recv_timeout(POLL_INTERVAL) {
                Ok(DeviceRequest::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(DeviceRequest::Refresh) if self.recorder.is_none() => {}
                Ok(request) => self.execute(&request),
                Err(RecvTimeoutError::Timeout) => self.check(),
            }
        }
    }

    fn transport(&mut self) -> Result<Option<Box<dyn Transport>>, DeviceError> {
        let options = OpenOptions {
            trace: None,
            speaker: self.speaker.as_ref(),
            faults: faults_from_env()?,
        };
        let Some(transport) = netmd::open_transport(&self.selector, &options)? else {
            return Ok(None);
        };
        let Some(path) = &self.trace else {
            return Ok(Some(transport));
        };
        // The first connection starts the trace; reconnections continue it.
        let traced = if self.trace_started {
            TraceRecorder::append(transport, path)
        } else {
            TraceRecorder::create(transport, path)
        };
        self.trace_started = true;
        match traced {
            Ok(t) => Ok(Some(Box::new(t))),
            Err(e) => Err(DeviceError::InvalidArgument(format!(
                "could not write the USB trace {}: {e}",
                path.display()
            ))),
        }
    }

    fn connect(&mut self) {
        let opened = self
            .transport()
            .and_then(|t| t.map(Recorder::open).transpose());
        match opened {
            Ok(Some(mut recorder)) => {
                let emit = &self.emit;
                let read = recorder.read_disc_with(&mut |done, total| {
                    emit(DeviceEvent::Progress {
                        operation: "reading the disc".into(),
                        done,
                        total,
                    });
                });
                match read {
                    Ok(info) => {
                        let info = info.map_text(library::text::clean);
                        self.last_open_error = None;
                        self.disc_present = info.disc_present;
                        self.recorder = Some(recorder);
                        (self.emit)(DeviceEvent::Connected(info));
                    }
                    Err(e) => self.open_failed(&e),
                }
            }
            Ok(None) => {
                // Say once that nothing is there, so the UI stops "looking".
                const ABSENT: &str = "no recorder found";
                if self.last_open_error.as_deref() != Some(ABSENT) {
                    (self.emit)(DeviceEvent::Disconnected(ABSENT.into()));
                    self.last_open_error = Some(ABSENT.into());
                }
            }
            Err(e) => self.open_failed(&e),
        }
    }

    /// Reports a failure to connect once, not every poll.
    fn open_failed(&mut self, e: &DeviceError) {
        let message = e.to_string();
        if self.last_open_error.as_deref() != Some(message.as_str()) {
            (self.emit)(DeviceEvent::Error(message.clone()));
            self.last_open_error = Some(message);
        }
    }

    fn lost(&mut self, e: &DeviceError) {
        self.recorder = None;
        self.player = None;
        (self.emit)(DeviceEvent::Disconnected(e.to_string()));
    }

    fn reread(&mut self) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        let emit = &self.emit;
        let read = recorder.read_disc_with(&mut |done, total| {
            emit(DeviceEvent::Progress {
                operation: "reading the disc".into(),
                done,
                total,
            });
        });
        match read {
            Ok(info) => {
                let info = info.map_text(library::text::clean);
                self.disc_present = info.disc_present;
                (self.emit)(DeviceEvent::DiscChanged(info));
            }
            Err(e) if e.is_disconnect() => self.lost(&e),
            Err(e) => (self.emit)(DeviceEvent::Error(e.to_string())),
        }
    }

    /// The idle check: is the recorder still there, did the disc or the player change?
    fn check(&mut self) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        let present = match recorder.disc_present() {
            Ok(p) => p,
            Err(e) if e.is_disconnect() => return self.lost(&e),
            Err(e) => {
                tracing::debug!("status poll: {e}");
                return;
            }
        };
        if present != self.disc_present {
            self.reread();
            return;
        }
        if present
            && let Ok(status) = recorder.player_status()
            && self.player != Some(status)
        {
            self.player = Some(status);
            (self.emit)(DeviceEvent::Player(status));
        }
    }

    fn execute(&mut self, request: &DeviceRequest) {
        let Some(recorder) = self.recorder.as_mut() else {
            (self.emit)(DeviceEvent::Error("no recorder is connected".into()));
            return;
        };
        let (result, edits) = run_request(recorder, request);
        match result {
            Ok((done, warnings)) => {
                for w in warnings {
                    (self.emit)(DeviceEvent::Warning(w));
                }
                if edits {
                    self.reread();
                } else if let Some(Ok(status)) =
                    self.recorder.as_mut().map(netmd::Recorder::player_status)
                {
                    self.player = Some(status);
                    (self.emit)(DeviceEvent::Player(status));
                }
                if !done.is_empty() {
                    (self.emit)(DeviceEvent::Done(done));
                }
            }
            Err(e) if e.is_disconnect() => self.lost(&e),
            Err(e) => {
                (self.emit)(DeviceEvent::Error(e.to_string()));
                // A failed edit may have got halfway: show what is really on the disc.
                if edits {
                    self.reread();
                }
            }
        }
    }
}

type Outcome = Result<(String, Vec<String>), DeviceError>;

/// Carries out one request; also says whether it changes the disc.
fn run_request(r: &mut AnyRecorder, request: &DeviceRequest) -> (Outcome, bool) {
    use DeviceRequest as R;
    let done = |text: String| move |warnings: Vec<String>| (text, warnings);
    let plain = |text: &str| {
        let text = text.to_string();
        move |()| (text, Vec::new())
    };
    match request {
        R::Refresh => (Ok((String::new(), Vec::new())), true),
        R::RenameTrack { track, title } => (
            r.rename_track(*track, title)
                .map(done(format!("renamed track {track}"))),
            true,
        ),
        R::RenameDisc { title } => (
            r.rename_disc(title).map(done("renamed the disc".into())),
            true,
        ),
        R::CreateGroup { first, last, name } => (
            r.create_group(*first, *last, name)
                .map(|(g, w)| (format!("created group {g}"), w)),
            true,
        ),
        R::RenameGroup { group, name } => (
            r.rename_group(*group, name)
                .map(done(format!("renamed group {group}"))),
            true,
        ),
        R::DeleteGroup { group } => (r.delete_group(*group).map(plain("deleted the group")), true),
        R::AddToGroup { group, track } => (
            r.add_to_group(*group, *track)
                .map(plain("added the track to the group")),
            true,
        ),
        R::RemoveFromGroup { track } => (
            r.remove_from_group(*track)
                .map(plain("took the track out of its group")),
            true,
        ),
        R::MoveTrack { from, to } => (r.move_track(*from, *to).map(plain("moved the track")), true),
        R::DeleteTracks(tracks) => (
            r.delete_tracks(tracks).map(plain("deleted the tracks")),
            true,
        ),
        R::EraseDisc => (r.erase_disc().map(plain("erased the disc")), true),
        R::Play => (r.play().map(plain("")), false),
        R::Pause => (r.pause().map(plain("")), false),
        R::Stop => (r.stop().map(plain("")), false),
        R::Next => (r.next_track().map(plain("")), false),
        R::Previous => (r.previous_track().map(plain("")), false),
        R::Goto(track) => (r.goto_track(*track).map(plain("")), false),
        R::Seek { track, position_ms } => (r.seek(*track, *position_ms).map(plain("")), false),
        R::Eject => (r.eject().map(plain("ejected the disc")), true),
        R::Exclusive(job) => {
            if let Some(job) = job.take() {
                job(r);
            }
            (Ok((String::new(), Vec::new())), true)
        }
        R::Shutdown => (Ok((String::new(), Vec::new())), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netmd::{PlayerState, VirtualDeck, VirtualDisc};

    #[test]
    fn the_worker_reports_connect_changes_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.json");
        VirtualDeck::create(&path, &VirtualDisc::demo(80, false)).unwrap();
        let trace = dir.path().join("trace.jsonl");
        let (tx, rx) = DeviceHandle::spawn(DeviceSelector::Virtual(path), Some(trace.clone()));
        let wait = |want: &dyn Fn(&DeviceEvent) -> bool| loop {
            let e = rx.recv_timeout(Duration::from_secs(10)).expect("an event");
            if want(&e) {
                return e;
            }
        };
        let DeviceEvent::Connected(info) = wait(&|e| matches!(e, DeviceEvent::Connected(_))) else {
            unreachable!()
        };
        assert_eq!(info.tracks.len(), 6);
        // What the UI gets is sanitised: the disc's ideographic space shows as a plain one.
        assert_eq!(info.groups[1].full_width_title, "サイド Ｂ");
        tx.send(DeviceRequest::RenameTrack {
            track: 1,
            title: "From the worker".into(),
        })
        .unwrap();
        let DeviceEvent::DiscChanged(info) = wait(&|e| matches!(e, DeviceEvent::DiscChanged(_)))
        else {
            unreachable!()
        };
        assert_eq!(info.tracks[0].title, "From the worker");
        tx.send(DeviceRequest::Goto(99)).unwrap();
        let DeviceEvent::Error(message) = wait(&|e| matches!(e, DeviceEvent::Error(_))) else {
            unreachable!()
        };
        assert!(message.contains("track 99"), "{message}");
        tx.send(DeviceRequest::Play).unwrap();
        wait(&|e| matches!(e, DeviceEvent::Player(s) if s.state == PlayerState::Playing));
        tx.send(DeviceRequest::Shutdown).unwrap();
        assert!(std::fs::read_to_string(&trace).unwrap().contains("ctrlOUT"));
    }
}
