//! A worker thread that owns the recorder, for the UI: requests go in, events come out, and
//! plugging or unplugging is noticed within two seconds (hotplug where libusb has it, polling
//! otherwise). The UI never blocks on USB.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use crate::app::{DeviceEvent, DeviceRequest};
use crate::shell::edit_resume::{EditFailed, Reopen, apply_resuming};
use crate::transfer::Unit;
use crate::transfer::himd_unit::{self, HimdUnit};
use netmd::TraceRecorder;
use netmd::{
    AnyRecorder, DeviceError, DeviceSelector, DiscInfo, EditRequest, Faults, OpenOptions,
    PlayerStatus, Recorder, SpeakerFactory, Transport, usb,
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
    /// The faults of [`FAULTS_ENV`] are read once, here.
    pub fn spawn_with(
        selector: DeviceSelector,
        trace: Option<PathBuf>,
        speaker: Option<SpeakerFactory>,
        emit: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Sender<DeviceRequest> {
        Self::spawn_faulty(selector, trace, speaker, faults_from_env(), emit)
    }

    fn spawn_faulty(
        selector: DeviceSelector,
        trace: Option<PathBuf>,
        speaker: Option<SpeakerFactory>,
        faults: Result<Option<Faults>, DeviceError>,
        emit: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Sender<DeviceRequest> {
        let (tx, rx) = mpsc::channel();
        let faults = faults.map_err(|e| match e {
            DeviceError::Virtual(message) => message,
            other => other.to_string(),
        });
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
                faults,
                emit: Box::new(emit),
                unit: None,
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
    /// Faults for a virtual deck (or why the asked-for ones could not be read).
    faults: Result<Option<Faults>, String>,
    /// For a virtual deck: where its audio is heard.
    speaker: Option<SpeakerFactory>,
    emit: Box<dyn Fn(DeviceEvent) + Send>,
    unit: Option<Unit>,
    disc_present: bool,
    player: Option<PlayerStatus>,
    last_open_error: Option<String>,
    trace_started: bool,
}

impl Worker {
    fn run(mut self, requests: &Receiver<DeviceRequest>) {
        loop {
            if self.unit.is_none() {
                self.connect();
            }
            match requests.recv_timeout(POLL_INTERVAL) {
                Ok(DeviceRequest::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(DeviceRequest::Refresh) if self.unit.is_none() => {}
                Ok(DeviceRequest::RestoreIndex) if self.unit.is_none() => self.restore_index(),
                Ok(request) => self.execute(&request),
                Err(RecvTimeoutError::Timeout) => self.check(),
            }
        }
    }

    fn faults(&self) -> Result<Option<Faults>, DeviceError> {
        self.faults.clone().map_err(DeviceError::Virtual)
    }

    fn transport(&mut self) -> Result<Option<Box<dyn Transport>>, DeviceError> {
        let options = OpenOptions {
            trace: None,
            speaker: self.speaker.as_ref(),
            faults: self.faults()?,
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
        if let Some(target) = himd_unit::target_of(&self.selector) {
            return self.connect_himd(&target);
        }
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
                        self.unit = Some(Unit::NetMd(recorder));
                        (self.emit)(DeviceEvent::Connected(info.into()));
                    }
                    Err(e) => self.open_failed(e.to_string()),
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
            Err(e) => self.open_failed(e.to_string()),
        }
    }

    /// Opens a disc in Hi-MD mode (it has no player to watch and is read whole at once).
    fn connect_himd(&mut self, target: &himd_unit::HimdTarget) {
        let opened = HimdUnit::open(target).and_then(|mut unit| {
            let view = unit.view()?;
            Ok((unit, view))
        });
        match opened {
            Ok((unit, view)) => self.himd_connected(Box::new(unit), view),
            Err(e) => {
                let message = format!("{e:#}");
                if let Some(damaged) = e.downcast_ref::<himd_unit::DamagedIndex>()
                    && self.last_open_error.as_deref() != Some(message.as_str())
                {
                    (self.emit)(DeviceEvent::DamagedIndex {
                        reason: message.clone(),
                        backup: damaged.backup.clone(),
                    });
                }
                self.open_failed(message);
            }
        }
    }

    /// A Hi-MD disc opened: held, and reported with what opening it did worth saying.
    fn himd_connected(&mut self, unit: Box<HimdUnit>, view: crate::app::DiscView) {
        self.last_open_error = None;
        self.disc_present = true;
        for note in &unit.notes {
            (self.emit)(DeviceEvent::Warning(note.clone()));
        }
        self.unit = Some(Unit::Himd(unit));
        (self.emit)(DeviceEvent::Connected(view));
    }

    /// `RestoreIndex`: the backup in place of a damaged track index, then connected.
    fn restore_index(&mut self) {
        let Some(target) = himd_unit::target_of(&self.selector) else {
            return (self.emit)(DeviceEvent::Error("no Hi-MD disc is there".into()));
        };
        match HimdUnit::restore_index(&target, true) {
            Ok(himd_unit::Restore::Restored {
                mut unit,
                backup,
                stale,
            }) => match unit.view() {
                Ok(view) => {
                    self.himd_connected(unit, view);
                    if let Some(warning) = himd_unit::stale_warning(&stale) {
                        (self.emit)(DeviceEvent::Warning(warning));
                    }
                    (self.emit)(DeviceEvent::Done(format!(
                        "restored the track index from {backup}"
                    )));
                }
                Err(e) => (self.emit)(DeviceEvent::Error(format!("{e:#}"))),
            },
            Ok(_) => self.connect(),
            Err(e) => (self.emit)(DeviceEvent::Error(format!("{e:#}"))),
        }
    }

    /// Reports a failure to connect once, not every poll.
    fn open_failed(&mut self, message: String) {
        if self.last_open_error.as_deref() != Some(message.as_str()) {
            (self.emit)(DeviceEvent::Error(message.clone()));
            self.last_open_error = Some(message);
        }
    }

    fn lost(&mut self, e: &DeviceError) {
        self.unit = None;
        self.player = None;
        (self.emit)(DeviceEvent::Disconnected(e.to_string()));
    }

    fn reread(&mut self) {
        let recorder = match self.unit.as_mut() {
            None => return,
            Some(Unit::Himd(unit)) => {
                return match unit.reload().and_then(|()| unit.view()) {
                    Ok(view) => (self.emit)(DeviceEvent::DiscChanged(view)),
                    Err(e) => (self.emit)(DeviceEvent::Error(format!("{e:#}"))),
                };
            }
            Some(Unit::NetMd(recorder)) => recorder,
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
                (self.emit)(DeviceEvent::DiscChanged(info.into()));
            }
            Err(e) if e.is_disconnect() => self.lost(&e),
            Err(e) => (self.emit)(DeviceEvent::Error(e.to_string())),
        }
    }

    /// The idle check: is the recorder still there, did the disc or the player change?
    fn check(&mut self) {
        let recorder = match self.unit.as_mut() {
            None => return,
            Some(Unit::Himd(unit)) => {
                if !unit.still_there() {
                    let name = unit.describe();
                    self.unit = None;
                    (self.emit)(DeviceEvent::Disconnected(format!("{name} went away")));
                }
                return;
            }
            Some(Unit::NetMd(recorder)) => recorder,
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
        let Some(unit) = self.unit.as_mut() else {
            (self.emit)(DeviceEvent::Error("no recorder is connected".into()));
            return;
        };
        if let DeviceRequest::Exclusive(job) = request {
            if let Some(job) = job.take() {
                job(unit);
            }
            return self.reread();
        }
        if matches!(unit, Unit::Himd(_)) {
            return self.execute_himd(request);
        }
        let Some(Unit::NetMd(recorder)) = self.unit.as_mut() else {
            return;
        };
        let (selector, speaker, faults) = (&self.selector, self.speaker.as_ref(), &self.faults);
        let reopen = || -> Result<AnyRecorder, DeviceError> {
            let options = OpenOptions {
                trace: None,
                speaker,
                faults: faults.clone().map_err(DeviceError::Virtual)?,
            };
            netmd::open(selector, &options)
        };
        let (result, after) = run_request(recorder, request, &reopen);
        let edits = after != After::Nothing;
        match result {
            Ok((done, warnings)) => {
                for w in warnings {
                    (self.emit)(DeviceEvent::Warning(w));
                }
                if after == After::Reconnect {
                    // The change was finished on a new connection; the old one is gone.
                    self.unit = None;
                    self.connect();
                } else if edits {
                    self.reread();
                } else if let Some(Unit::NetMd(recorder)) = self.unit.as_mut()
                    && let Ok(status) = recorder.player_status()
                {
                    self.player = Some(status);
                    (self.emit)(DeviceEvent::Player(status));
                }
                if !done.is_empty() {
                    (self.emit)(DeviceEvent::Done(done));
                }
            }
            Err(EditFailed::Device(e)) if e.is_disconnect() => self.lost(&e),
            Err(e) => {
                (self.emit)(DeviceEvent::Error(e.to_string()));
                // A failed edit may have got halfway: show what is really on the disc.
                if edits {
                    self.reread();
                }
            }
        }
    }

    /// A request on a disc in Hi-MD mode.
    fn execute_himd(&mut self, request: &DeviceRequest) {
        let Some(Unit::Himd(unit)) = self.unit.as_mut() else {
            return;
        };
        let emit = &self.emit;
        // Only a format reports progress.
        let mut progress = |done: u32, total: u32| {
            emit(DeviceEvent::Progress {
                operation: "formatting the disc, %".into(),
                done: (u64::from(done) * 100 / u64::from(total.max(1))) as u32,
                total: 100,
            });
        };
        let (result, after) = himd_request(unit, request, &mut progress);
        match result {
            Ok((done, warnings)) => {
                for w in warnings {
                    (self.emit)(DeviceEvent::Warning(w));
                }
                if after != After::Nothing {
                    self.reread();
                }
                if !done.is_empty() {
                    (self.emit)(DeviceEvent::Done(done));
                }
            }
            Err(e) => {
                (self.emit)(DeviceEvent::Error(e));
                if after != After::Nothing {
                    self.reread();
                }
            }
        }
    }
}

/// Carries out one request on a disc in Hi-MD mode; also says whether it changes the disc.
fn himd_request(
    unit: &mut HimdUnit,
    request: &DeviceRequest,
    progress: &mut dyn FnMut(u32, u32),
) -> (Result<(String, Vec<String>), String>, After) {
    use DeviceRequest as R;
    let fail = |e: anyhow::Error| format!("{e:#}");
    match request {
        R::Refresh => (Ok((String::new(), Vec::new())), After::Reread),
        R::ExportTitles(path) => {
            let written = unit
                .view()
                .map_err(fail)
                .and_then(|view| export_titles_of(&view.info, path));
            (written, After::Nothing)
        }
        R::ImportTitles(path) => {
            let sheet = unit
                .view()
                .map_err(fail)
                .and_then(|view| import_sheet(path, &view.info).map_err(|e| e.to_string()));
            match sheet {
                Ok(sheet) => {
                    let done = format!("titles from {} written to the disc", path.display());
                    let made = unit.apply(&EditRequest::SetTitles(sheet), progress);
                    (made.map(|w| (done, w)).map_err(fail), After::Reread)
                }
                Err(e) => (Err(e), After::Nothing),
            }
        }
        R::Play | R::Pause | R::Stop | R::Next | R::Previous | R::Goto(_) | R::Seek { .. } => (
            Err("a unit in Hi-MD mode is a storage device while it is connected: play the disc                  on the unit, or receive its tracks (g) and play them here"
                .into()),
            After::Nothing,
        ),
        R::Eject => (
            Err("take the disc out on the unit itself (unplug it first)".into()),
            After::Nothing,
        ),
        R::Exclusive(_) | R::Shutdown | R::RestoreIndex => {
            (Ok((String::new(), Vec::new())), After::Nothing)
        }
        _ => match edit_of(request) {
            Some((edit, done)) => {
                let done = match &edit {
                    EditRequest::CreateGroup { first, last, .. } => {
                        format!("tracks {first}–{last} are now a group")
                    }
                    // A unit formats a Hi-MD disc afresh: that is its erase.
                    EditRequest::EraseDisc => "formatted the disc".into(),
                    _ => done,
                };
                let made = unit.apply(&edit, progress);
                (made.map(|w| (done, w)).map_err(fail), After::Reread)
            }
            None => (Ok((String::new(), Vec::new())), After::Nothing),
        },
    }
}

type Outcome = Result<(String, Vec<String>), EditFailed>;

/// What the worker does after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    /// The disc may have changed: read it again.
    Reread,
    /// The disc changed through a new connection: connect again.
    Reconnect,
}

/// Carries out one request; also says whether it changes the disc. Changes to the disc are
/// finished on a new connection (`reopen`) when an answer was lost ([`apply_resuming`]).
fn run_request(
    r: &mut AnyRecorder,
    request: &DeviceRequest,
    reopen: &Reopen<'_>,
) -> (Outcome, After) {
    use DeviceRequest as R;
    let plain = |text: &str| {
        let text = text.to_string();
        move |()| (text, Vec::new())
    };
    let device = |r: Result<(String, Vec<String>), DeviceError>| r.map_err(EditFailed::from);
    match request {
        R::Refresh => (Ok((String::new(), Vec::new())), After::Reread),
        R::RenameTrack { .. }
        | R::RenameDisc { .. }
        | R::CreateGroup { .. }
        | R::RenameGroup { .. }
        | R::DeleteGroup { .. }
        | R::AddToGroup { .. }
        | R::RemoveFromGroup { .. }
        | R::MoveTrack { .. }
        | R::DeleteTracks(_)
        | R::EraseDisc => edit(r, request, reopen),
        R::ExportTitles(path) => (export_titles(r, path), After::Nothing),
        R::ImportTitles(path) => import_titles(r, path, reopen),
        R::Play => (device(r.play().map(plain(""))), After::Nothing),
        R::Pause => (device(r.pause().map(plain(""))), After::Nothing),
        R::Stop => (device(r.stop().map(plain(""))), After::Nothing),
        R::Next => (device(r.next_track().map(plain(""))), After::Nothing),
        R::Previous => (device(r.previous_track().map(plain(""))), After::Nothing),
        R::Goto(track) => (device(r.goto_track(*track).map(plain(""))), After::Nothing),
        R::Seek { track, position_ms } => (
            device(r.seek(*track, *position_ms).map(plain(""))),
            After::Nothing,
        ),
        R::Eject => (
            device(r.eject().map(plain("ejected the disc"))),
            After::Reread,
        ),
        // The worker runs exclusive jobs and restores itself, on whichever unit it holds.
        R::Exclusive(_) | R::Shutdown | R::RestoreIndex => {
            (Ok((String::new(), Vec::new())), After::Nothing)
        }
    }
}

/// `w` in the Device pane: the disc's titles as CSV.
fn export_titles(r: &mut AnyRecorder, path: &std::path::Path) -> Outcome {
    let disc = r.read_disc()?;
    if !disc.disc_present {
        return Err(DeviceError::NoDisc.into());
    }
    export_titles_of(&disc, path).map_err(EditFailed::Invalid)
}

fn export_titles_of(
    disc: &DiscInfo,
    path: &std::path::Path,
) -> Result<(String, Vec<String>), String> {
    crate::shell::titles_csv::write_file(path, disc).map_err(|e| format!("{e:#}"))?;
    let done = format!(
        "wrote the titles of {} tracks to {}",
        disc.tracks.len(),
        path.display()
    );
    Ok((done, Vec::new()))
}

/// A CSV file of titles checked against `disc`; every problem is named and nothing is changed
/// unless every line checks out.
fn import_sheet(
    path: &std::path::Path,
    disc: &DiscInfo,
) -> Result<netmd::title_sheet::TitleSheet, EditFailed> {
    let bytes = std::fs::read(path)
        .map_err(|e| EditFailed::Invalid(format!("cannot read {}: {e}", path.display())))?;
    crate::shell::titles_csv::parse(&bytes, disc).map_err(|errors| {
        EditFailed::Invalid(format!(
            "{}: {}; nothing was changed",
            path.display(),
            errors.join("; ")
        ))
    })
}

/// `W` in the Device pane: a CSV file of titles applied as one checked change.
fn import_titles(
    r: &mut AnyRecorder,
    path: &std::path::Path,
    reopen: &Reopen<'_>,
) -> (Outcome, After) {
    let disc = match r.read_disc() {
        Ok(d) => d,
        Err(e) => return (Err(e.into()), After::Nothing),
    };
    let sheet = match import_sheet(path, &disc) {
        Ok(sheet) => sheet,
        Err(e) => return (Err(e), After::Nothing),
    };
    let done = format!("titles from {} written to the disc", path.display());
    apply(r, &EditRequest::SetTitles(sheet), done, reopen)
}

/// Makes the change to the disc a request asks for.
fn edit(r: &mut AnyRecorder, request: &DeviceRequest, reopen: &Reopen<'_>) -> (Outcome, After) {
    let Some((edit, done)) = edit_of(request) else {
        return (Ok((String::new(), Vec::new())), After::Nothing);
    };
    apply(r, &edit, done, reopen)
}

/// Applies `edit` ([`apply_resuming`]); `done` is what to say once the disc holds it.
fn apply(
    r: &mut AnyRecorder,
    edit: &EditRequest,
    done: String,
    reopen: &Reopen<'_>,
) -> (Outcome, After) {
    match apply_resuming(r, edit, reopen) {
        Ok(applied) => {
            let done = match applied.group {
                Some(g) if matches!(edit, EditRequest::CreateGroup { .. }) => {
                    format!("created group {g}")
                }
                _ => done,
            };
            let after = if applied.resumed {
                After::Reconnect
            } else {
                After::Reread
            };
            (Ok((done, applied.warnings)), after)
        }
        Err(e) => (Err(e), After::Reread),
    }
}

/// The change to the disc a request asks for, with what to say once it is made.
fn edit_of(request: &DeviceRequest) -> Option<(EditRequest, String)> {
    use DeviceRequest as R;
    use EditRequest as E;
    Some(match request {
        R::RenameTrack { track, title } => (
            E::RenameTrack {
                track: *track,
                title: title.clone(),
            },
            format!("renamed track {track}"),
        ),
        R::RenameDisc { title } => (
            E::RenameDisc {
                title: title.clone(),
            },
            "renamed the disc".into(),
        ),
        R::CreateGroup { first, last, name } => (
            E::CreateGroup {
                first: *first,
                last: *last,
                name: name.clone(),
            },
            "created the group".into(),
        ),
        R::RenameGroup { group, name } => (
            E::RenameGroup {
                group: *group,
                name: name.clone(),
            },
            format!("renamed group {group}"),
        ),
        R::DeleteGroup { group } => (E::DeleteGroup { group: *group }, "deleted the group".into()),
        R::AddToGroup { group, track } => (
            E::AddToGroup {
                group: *group,
                track: *track,
            },
            "added the track to the group".into(),
        ),
        R::RemoveFromGroup { track } => (
            E::RemoveFromGroup { track: *track },
            "took the track out of its group".into(),
        ),
        R::MoveTrack { from, to } => (
            E::MoveTrack {
                from: *from,
                to: *to,
            },
            "moved the track".into(),
        ),
        R::DeleteTracks(tracks) => (E::DeleteTracks(tracks.clone()), "deleted the tracks".into()),
        R::EraseDisc => (E::EraseDisc, "erased the disc".into()),
        _ => return None,
    })
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
        assert_eq!(info.info.tracks.len(), 6);
        // What the UI gets is sanitised: the disc's ideographic space shows as a plain one.
        assert_eq!(info.info.groups[1].full_width_title, "サイド Ｂ");
        tx.send(DeviceRequest::RenameTrack {
            track: 1,
            title: "From the worker".into(),
        })
        .unwrap();
        let DeviceEvent::DiscChanged(info) = wait(&|e| matches!(e, DeviceEvent::DiscChanged(_)))
        else {
            unreachable!()
        };
        assert_eq!(info.info.tracks[0].title, "From the worker");
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

    /// Events of a worker on `disc` with `faults`, until `stop` says so.
    fn worker(
        path: &std::path::Path,
        trace: Option<PathBuf>,
        faults: Option<Faults>,
    ) -> (Sender<DeviceRequest>, Receiver<DeviceEvent>) {
        let (event_tx, event_rx) = mpsc::channel();
        let tx = DeviceHandle::spawn_faulty(
            DeviceSelector::Virtual(path.to_path_buf()),
            trace,
            None,
            Ok(faults),
            move |e| {
                let _ = event_tx.send(e);
            },
        );
        (tx, event_rx)
    }

    /// The Device pane's changes report what the disc holds, whatever transfer fails: a move
    /// whose answer is lost is finished on a new connection (or reported with what the disc
    /// shows), swept over every transfer of the move.
    #[test]
    fn a_change_from_the_device_pane_is_finished_when_an_answer_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let original = VirtualDisc::demo(80, false);
        let path = dir.path().join("deck.json");
        let request = || DeviceRequest::MoveTrack { from: 1, to: 5 };
        // How many transfers connecting takes, and how many the move adds.
        VirtualDeck::create(&path, &original).unwrap();
        let trace = dir.path().join("trace.jsonl");
        let lines = || std::fs::read_to_string(&trace).map_or(0, |t| t.lines().count());
        let (tx, rx) = worker(&path, Some(trace.clone()), None);
        let next = |rx: &Receiver<DeviceEvent>| {
            rx.recv_timeout(Duration::from_secs(20)).expect("an event")
        };
        while !matches!(next(&rx), DeviceEvent::Connected(_)) {}
        let connect = lines();
        tx.send(request()).unwrap();
        while !matches!(next(&rx), DeviceEvent::Done(_)) {}
        let moved = lines();
        tx.send(DeviceRequest::Shutdown).unwrap();
        let expected = VirtualDeck::load(&path).unwrap();
        assert_ne!(expected, original);

        let mut resumed = 0;
        // Connecting reads the disc, planning the move reads it again, and after the move the
        // worker reads it a third time: the move's own transfers are in between.
        // Connecting reads the disc, so does planning the move, and so does the worker after
        // it: the move's own transfers come after the second read.
        for n in 2 * connect - 2..=moved - connect + 2 {
            VirtualDeck::create(&path, &original).unwrap();
            let faults = Faults {
                disconnect_after: Some(n as u64),
                ..Faults::default()
            };
            let (tx, rx) = worker(&path, None, Some(faults));
            let connected = loop {
                match next(&rx) {
                    DeviceEvent::Connected(_) => break true,
                    DeviceEvent::Disconnected(_) => break false,
                    _ => {}
                }
            };
            if !connected {
                tx.send(DeviceRequest::Shutdown).unwrap();
                continue;
            }
            tx.send(request()).unwrap();
            let mut warned = false;
            let done = loop {
                match next(&rx) {
                    DeviceEvent::Warning(w) => warned |= w.contains("answer was lost"),
                    DeviceEvent::Done(_) => break true,
                    DeviceEvent::Error(_) | DeviceEvent::Disconnected(_) => break false,
                    _ => {}
                }
            };
            tx.send(DeviceRequest::Shutdown).unwrap();
            let now = VirtualDeck::load(&path).unwrap();
            if done {
                assert_eq!(
                    now, expected,
                    "disconnect-after={n}: done, but the disc differs"
                );
                resumed += usize::from(warned);
            } else {
                assert!(
                    now == original || now == expected,
                    "disconnect-after={n}: partly moved"
                );
            }
        }
        assert!(
            resumed > 0,
            "no lost answer was finished on a new connection"
        );
    }

    /// `w` and `W` in the Device pane: the titles go out to CSV and come back as one checked
    /// change; a sheet that does not check out changes nothing.
    #[test]
    fn titles_go_to_csv_and_come_back_through_the_worker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.json");
        VirtualDeck::create(&path, &VirtualDisc::demo(80, false)).unwrap();
        let (tx, rx) = worker(&path, None, None);
        let next = || rx.recv_timeout(Duration::from_secs(20)).expect("an event");
        while !matches!(next(), DeviceEvent::Connected(_)) {}
        let csv = dir.path().join("titles.csv");
        tx.send(DeviceRequest::ExportTitles(csv.clone())).unwrap();
        let done = loop {
            match next() {
                DeviceEvent::Done(text) => break text,
                DeviceEvent::Error(e) => panic!("{e}"),
                _ => {}
            }
        };
        assert!(done.contains("wrote the titles of 6 tracks"), "{done}");
        let text = std::fs::read_to_string(&csv).unwrap();
        let first = VirtualDeck::load(&path).unwrap().tracks[0].title.clone();
        assert!(text.contains(&first), "{text}");
        std::fs::write(&csv, text.replacen(&first, "From a sheet", 1)).unwrap();
        tx.send(DeviceRequest::ImportTitles(csv.clone())).unwrap();
        let mut changed = None;
        loop {
            match next() {
                DeviceEvent::DiscChanged(info) => changed = Some(info),
                DeviceEvent::Done(_) => break,
                DeviceEvent::Error(e) => panic!("{e}"),
                _ => {}
            }
        }
        assert_eq!(
            changed.expect("the disc read again").info.tracks[0].title,
            "From a sheet"
        );
        // A line for a track the disc does not have: refused whole, the disc as it was.
        std::fs::write(&csv, "track,title\n99,Nowhere\n").unwrap();
        let before = VirtualDeck::load(&path).unwrap();
        tx.send(DeviceRequest::ImportTitles(csv)).unwrap();
        let error = loop {
            match next() {
                DeviceEvent::Error(e) => break e,
                DeviceEvent::Done(d) => panic!("{d}"),
                _ => {}
            }
        };
        assert!(error.contains("nothing was changed"), "{error}");
        assert_eq!(VirtualDeck::load(&path).unwrap(), before);
        tx.send(DeviceRequest::Shutdown).unwrap();
    }
}
