//! The virtual deck: a simulated NetMD recorder behind the [`Transport`] trait. It parses the
//! real command bytes and answers with a recorder's reply layouts; its disc lives in a JSON file
//! (`virtual:PATH`) that survives restarts. Faults can be injected for tests. [`pipe`] serves
//! its transfers to another process as JSON lines (`ministage device serve`).
//!
//! Layout for the next issue (sending audio): [`secure::SecureSession`] holds the session state
//! machine, bulk OUT transfers go to it, and sent audio is kept in files beside the disc file
//! (`<PATH>.audio/`), referenced from each track's [`model::AudioRef`].

pub mod faults;
pub mod model;
pub mod pipe;
pub mod receive;
pub mod responder;
pub mod secure;
pub mod speaker;

use std::collections::VecDeque;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

pub use faults::Faults;
pub use model::{DeckModel, VirtualDisc, VirtualTrack};
use responder::DeckState;
pub use speaker::{DeckAudio, Speaker, SpeakerFactory};

use super::disc::PlayerState;
use super::framing::{REQUEST_COMMAND, REQUEST_POLL, REQUEST_REPLY};
use super::transport::{
    BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT, ControlSetup, DeviceIdentity, Transport, TransportError,
    VENDOR_IN, VENDOR_OUT,
};

/// The ids the virtual deck reports (Sony's vendor id, a product id no recorder uses).
pub const VIRTUAL_VENDOR: u16 = 0x054c;
pub const VIRTUAL_PRODUCT: u16 = 0xffff;
/// The product id the deck reports as an MZ-RH1 (the real unit's).
pub const RH1_PRODUCT: u16 = 0x0286;

#[derive(Debug, Error)]
pub enum VirtualDeckError {
    #[error("could not read the virtual disc {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a virtual disc: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("could not write the virtual disc {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Faults(String),
}

/// The simulated recorder.
pub struct VirtualDeck {
    path: Option<PathBuf>,
    state: DeckState,
    faults: Faults,
    pending: VecDeque<Vec<u8>>,
    busy_left: u32,
    transfers: u64,
    speaker: Option<Box<dyn Speaker>>,
    /// The speaker holds a track (playing or paused).
    sounding: bool,
    /// A track being sent back to the host (MZ-RH1 receive).
    outgoing: Option<receive::Outgoing>,
}

impl VirtualDeck {
    /// A deck whose disc lives only in memory.
    pub fn in_memory(disc: VirtualDisc) -> Self {
        Self {
            path: None,
            state: DeckState::new(disc),
            faults: Faults::default(),
            pending: VecDeque::new(),
            busy_left: 0,
            transfers: 0,
            speaker: None,
            sounding: false,
            outgoing: None,
        }
    }

    /// Opens the disc file; a missing file becomes a blank 80-minute disc. Audio files beside
    /// it that no track uses (left by a send that was killed or failed) are removed.
    pub fn open(path: &Path) -> Result<Self, VirtualDeckError> {
        let disc = match fs::read(path) {
            Ok(bytes) => parse_disc(path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let disc = VirtualDisc::blank(80, false);
                save_disc(path, &disc)?;
                disc
            }
            Err(source) => {
                return Err(VirtualDeckError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        remove_orphans(path, &disc);
        let mut deck = Self::in_memory(disc);
        deck.path = Some(path.to_path_buf());
        deck.state.secure.audio_dir = deck.audio_dir();
        Ok(deck)
    }

    /// Writes a new disc file (what `init-virtual` does).
    pub fn create(path: &Path, disc: &VirtualDisc) -> Result<(), VirtualDeckError> {
        save_disc(path, disc)
    }

    /// Reads a disc file without opening a deck on it.
    pub fn load(path: &Path) -> Result<VirtualDisc, VirtualDeckError> {
        let bytes = fs::read(path).map_err(|source| VirtualDeckError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        parse_disc(path, &bytes)
    }

    #[must_use]
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Plays what the deck plays through `speaker`.
    #[must_use]
    pub fn with_speaker(mut self, speaker: Box<dyn Speaker>) -> Self {
        self.speaker = Some(speaker);
        self
    }

    pub fn faults_mut(&mut self) -> &mut Faults {
        &mut self.faults
    }

    pub fn disc(&self) -> &VirtualDisc {
        &self.state.disc
    }

    pub fn state(&self) -> &DeckState {
        &self.state
    }

    /// Takes the disc out (`false`) or puts it back.
    pub fn set_disc_present(&mut self, present: bool) {
        self.state.disc_present = present;
    }

    /// Transfers seen so far (faults count in them).
    pub fn transfers(&self) -> u64 {
        self.transfers
    }

    /// The folder where sent audio is kept, beside the disc file.
    pub fn audio_dir(&self) -> Option<PathBuf> {
        self.path.as_deref().map(audio_dir_of)
    }

    /// Counts a transfer and applies the disconnect and stall faults.
    fn begin_transfer(&mut self, timeout: Duration) -> Result<(), TransportError> {
        self.transfers += 1;
        if self.faults.delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(self.faults.delay_ms));
        }
        if self
            .faults
            .disconnect_after
            .is_some_and(|n| self.transfers > n)
        {
            return Err(TransportError::Disconnected);
        }
        if self.faults.stall_after.is_some_and(|n| self.transfers > n) {
            // A stalled recorder never answers; the transfer times out.
            std::thread::sleep(timeout.min(Duration::from_millis(5)));
            return Err(TransportError::Timeout(timeout));
        }
        Ok(())
    }

    fn persist(&mut self) {
        if !std::mem::take(&mut self.state.dirty) {
            return;
        }
        let Some(path) = &self.path else {
            return;
        };
        // A sent track is on the disc only once committed: a crash before must not keep it.
        let saved = match self.state.secure.uncommitted_track() {
            Some(i) if i < self.state.disc.tracks.len() => {
                let mut disc = self.state.disc.clone();
                disc.tracks.remove(i);
                save_disc(path, &disc)
            }
            _ => save_disc(path, &self.state.disc),
        };
        if let Err(e) = saved {
            tracing::error!("{e}");
        }
    }

    fn command(&mut self, frame: &[u8]) {
        let command = frame.get(1..).unwrap_or(&[]);
        // A new command ends a stream the host stopped reading.
        self.outgoing = None;
        let mut replies = if self.faults.rejects(command) {
            vec![responder::reply(super::framing::STATUS_REJECTED, command)]
        } else if let Some(args) = receive::args_of(frame) {
            self.start_receive(command, args)
        } else {
            let before = (self.state.player.clone(), self.state.cue);
            let replies = responder::respond(&mut self.state, frame);
            self.follow_player(&before.0, before.1);
            replies
        };
        if self.faults.interim_replies > 0
            && let Some(last) = replies.last()
        {
            let mut interim = last.clone();
            if let Some(status) = interim.first_mut() {
                *status = super::framing::STATUS_INTERIM;
            }
            let n = self.faults.interim_replies as usize;
            let mut all = vec![interim; n];
            all.append(&mut replies);
            replies = all;
        }
        self.persist();
        self.pending.clear();
        self.pending.extend(replies);
        self.busy_left = self.faults.busy_polls;
    }
}

impl VirtualDeck {
    /// Answers a receive: only an MZ-RH1 with a disc does; the stream waits for bulk reads.
    fn start_receive(&mut self, command: &[u8], args: &[u8]) -> Vec<Vec<u8>> {
        let status = if self.state.disc.model != DeckModel::Rh1 {
            super::framing::STATUS_NOT_IMPLEMENTED
        } else if !self.state.disc_present {
            super::framing::STATUS_REJECTED
        } else {
            let dir = self.path.as_deref().and_then(Path::parent);
            match receive::start(&self.state.disc.tracks, dir, args) {
                Ok((interim, outgoing)) => {
                    self.outgoing = Some(outgoing);
                    return vec![interim];
                }
                Err(receive::Refusal(why)) => {
                    tracing::warn!("virtual deck: refused a receive: {why}");
                    super::framing::STATUS_REJECTED
                }
            }
        };
        vec![responder::reply(status, command)]
    }

    /// Makes the speaker do what the deck's player just started doing.
    fn follow_player(&mut self, before: &responder::Player, cue_before: u64) {
        let Some(speaker) = self.speaker.as_mut() else {
            return;
        };
        let now = &self.state.player;
        let same_place = before.track == now.track && cue_before == self.state.cue;
        match now.state {
            PlayerState::Playing => {
                if before.state == PlayerState::Playing && same_place && self.sounding {
                    return;
                }
                if before.state == PlayerState::Paused && same_place && self.sounding {
                    speaker.resume();
                    return;
                }
                let dir = self
                    .path
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new("."));
                let audio = self
                    .state
                    .disc
                    .tracks
                    .get(now.track)
                    .and_then(|t| DeckAudio::of(dir, t));
                match audio {
                    Some(audio) => {
                        speaker.play(&audio, now.position_ms);
                        self.sounding = true;
                    }
                    None if self.sounding => {
                        speaker.stop();
                        self.sounding = false;
                    }
                    None => {}
                }
            }
            PlayerState::Paused if before.state == PlayerState::Playing && self.sounding => {
                speaker.pause();
            }
            PlayerState::Paused => {}
            _ if self.sounding => {
                speaker.stop();
                self.sounding = false;
            }
            _ => {}
        }
    }
}

/// Where the deck whose disc file is `disc_path` keeps sent audio: `<disc_path>.audio/`.
pub fn audio_dir_of(disc_path: &Path) -> PathBuf {
    let mut name = disc_path.file_name().unwrap_or_default().to_os_string();
    name.push(".audio");
    disc_path.with_file_name(name)
}

/// Removes the files in the disc's audio folder that no track refers to: audio of a send that
/// was never committed, and temporary files of a write that was cut short.
fn remove_orphans(disc_path: &Path, disc: &VirtualDisc) {
    let dir = audio_dir_of(disc_path);
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    let base = disc_path.parent().unwrap_or(Path::new(""));
    let used: std::collections::HashSet<PathBuf> = disc
        .tracks
        .iter()
        .filter_map(|t| t.audio.as_ref())
        .map(|a| base.join(&a.file))
        .collect();
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_file()) || used.contains(&path) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => tracing::info!(
                "virtual deck: removed {}, which no track uses",
                path.display()
            ),
            Err(e) => tracing::warn!("virtual deck: could not remove {}: {e}", path.display()),
        }
    }
}

fn parse_disc(path: &Path, bytes: &[u8]) -> Result<VirtualDisc, VirtualDeckError> {
    let invalid = |detail: String| VirtualDeckError::Invalid {
        path: path.to_path_buf(),
        detail,
    };
    let disc: VirtualDisc = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    disc.validate().map_err(invalid)?;
    Ok(disc)
}

/// Saves through a temporary file and a rename, so a crash never leaves half a disc.
fn save_disc(path: &Path, disc: &VirtualDisc) -> Result<(), VirtualDeckError> {
    let write_err = |source: std::io::Error| VirtualDeckError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(write_err)?;
    let json = serde_json::to_vec_pretty(disc).map_err(|e| write_err(std::io::Error::other(e)))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(write_err)?;
    tmp.write_all(&json).map_err(write_err)?;
    tmp.write_all(b"\n").map_err(write_err)?;
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    Ok(())
}

impl Transport for VirtualDeck {
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        self.begin_transfer(timeout)?;
        if setup.request_type != VENDOR_OUT || setup.request != REQUEST_COMMAND {
            return Err(TransportError::Stall);
        }
        self.command(data);
        Ok(())
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        self.begin_transfer(timeout)?;
        if setup.request_type != VENDOR_IN {
            return Err(TransportError::Stall);
        }
        match setup.request {
            REQUEST_POLL => {
                let ready = self.pending.front().filter(|_| self.busy_left == 0);
                self.busy_left = self.busy_left.saturating_sub(1);
                let mut answer = match ready {
                    Some(r) => {
                        let len = (r.len() as u16).to_le_bytes();
                        vec![0x01, 0x81, len[0], len[1]]
                    }
                    None => vec![0x00, 0x81, 0x00, 0x00],
                };
                answer.truncate(usize::from(length));
                Ok(answer)
            }
            REQUEST_REPLY => match self.pending.pop_front() {
                Some(mut r) => {
                    r.truncate(usize::from(length));
                    Ok(r)
                }
                None => Err(TransportError::Timeout(timeout)),
            },
            _ => Err(TransportError::Stall),
        }
    }

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransportError> {
        self.begin_transfer(timeout)?;
        if endpoint != BULK_OUT_ENDPOINT {
            return Err(TransportError::Stall);
        }
        let (taken, final_reply) = self.state.secure.bulk_out(&mut self.state.disc, data)?;
        if let Some(r) = final_reply {
            self.pending.clear();
            self.pending.push_back(r);
        }
        Ok(taken)
    }

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        self.begin_transfer(timeout)?;
        // Only a receive in progress (an MZ-RH1's) sends anything.
        let Some(outgoing) = self
            .outgoing
            .as_mut()
            .filter(|_| endpoint == BULK_IN_ENDPOINT)
        else {
            return Err(TransportError::Stall);
        };
        let piece = outgoing.read(length).map_err(|e| {
            tracing::error!("virtual deck: reading the track to send back: {e}");
            TransportError::Stall
        });
        if piece.is_err() || outgoing.remaining() == 0 {
            let done = self.outgoing.take();
            if piece.is_ok() {
                self.pending.extend(done.map(|o| o.final_reply));
            }
        }
        piece
    }

    fn identity(&self) -> DeviceIdentity {
        let (name, product_id) = match self.state.disc.model {
            DeckModel::Generic => ("virtual deck", VIRTUAL_PRODUCT),
            DeckModel::Rh1 => ("virtual deck (MZ-RH1)", RH1_PRODUCT),
        };
        DeviceIdentity {
            name: name.into(),
            vendor_id: VIRTUAL_VENDOR,
            product_id,
            simulated: true,
            native_mono: self.state.disc.native_mono,
        }
    }
}
