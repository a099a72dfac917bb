//! Preparing a batch's items in order: decoding (with ReplayGain), coding and encrypting each
//! into a temporary file. Items that join gapless share one continuous stream: the coder runs on
//! from one into the next, and each track ends at the frame boundary nearest to where its last
//! sample comes out of the recorder's decoder, so the samples beyond it start the next track
//! instead of silence. A boundary moves by at most half a frame (512 samples in LP, 256 in SP).
//!
//! A track's last frames need the first samples of the next one. Those are held back until
//! there are enough, so that when the next item fails to decode, the track still ends as a
//! lone track would (flushed with silence), not with a few milliseconds of a broken file.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use netmd::crypto::{OsEntropy, StreamKeys};
use netmd::send::{EncryptedAudio, SendError, SpillWriter, WireFormat};

use super::TransferError;
use super::coder::Coder;
use super::prepare::{self, Feed, Route};

/// Plain bytes gathered before they are encrypted and written: large enough that the writes are
/// cheap, small enough that preparing a track takes a few megabytes whatever its length.
const SPILL_BLOCK: usize = 1 << 20;

/// One item to prepare.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub path: PathBuf,
    pub route: Route,
    /// Linear ReplayGain factor (1.0: none).
    pub gain: f32,
    /// The next job continues this one's stream without a gap (same route).
    pub joins_next: bool,
}

/// An item ready to send: NetMD's encrypted stream, or a Hi-MD send's plain frames
/// ([`SpilledFrames`]).
#[derive(Debug)]
pub struct Prepared<A = EncryptedAudio> {
    pub audio: A,
    /// Worth telling the user, though the item goes.
    pub warnings: Vec<String>,
}

/// Where a track's coded bytes go as they are made.
pub trait TrackSink: Sized {
    type Audio;
    /// Takes the whole units at the front of `plain`, leaving at least its last `keep` bytes.
    fn write_units(&mut self, plain: &mut Vec<u8>, keep: usize) -> Result<(), TransferError>;
    /// The track, with `rest` as its last bytes.
    fn finish(self, rest: Vec<u8>) -> Result<Self::Audio, TransferError>;
}

/// Makes the sink of each track, for the format it is coded in.
pub type MakeSink<'a, S> = dyn Fn(WireFormat) -> Result<S, TransferError> + 'a;

/// NetMD: encrypted for the recorder into a temporary file.
impl TrackSink for SpillWriter {
    type Audio = EncryptedAudio;

    fn write_units(&mut self, plain: &mut Vec<u8>, keep: usize) -> Result<(), TransferError> {
        Ok(SpillWriter::write_units(self, plain, keep)?)
    }

    fn finish(self, rest: Vec<u8>) -> Result<EncryptedAudio, TransferError> {
        Ok(SpillWriter::finish(self, rest)?)
    }
}

/// A NetMD sink with fresh keys.
pub fn netmd_sink(format: WireFormat) -> Result<SpillWriter, TransferError> {
    let keys = StreamKeys::random(&mut OsEntropy).map_err(SendError::from)?;
    Ok(SpillWriter::new(format, &keys)?)
}

/// A Hi-MD send's plain frames, waiting in an anonymous temporary file: the disc's writer
/// seals them itself, and reads them back a batch of blocks at a time.
#[derive(Debug)]
pub struct SpilledFrames {
    pub file: File,
    pub len: u64,
}

/// Writes a Hi-MD track's plain frames into a temporary file as they are made.
pub struct PlainSpill {
    file: BufWriter<File>,
    len: u64,
}

impl PlainSpill {
    pub fn new() -> Result<Self, TransferError> {
        let file = tempfile::tempfile().map_err(SendError::Spill)?;
        Ok(Self {
            file: BufWriter::with_capacity(SPILL_BLOCK, file),
            len: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), TransferError> {
        self.file.write_all(bytes).map_err(SendError::Spill)?;
        self.len += bytes.len() as u64;
        Ok(())
    }
}

impl TrackSink for PlainSpill {
    type Audio = SpilledFrames;

    fn write_units(&mut self, plain: &mut Vec<u8>, keep: usize) -> Result<(), TransferError> {
        let ready = plain.len().saturating_sub(keep);
        self.write(&plain[..ready])?;
        plain.drain(..ready);
        Ok(())
    }

    fn finish(mut self, rest: Vec<u8>) -> Result<SpilledFrames, TransferError> {
        self.write(&rest)?;
        let file = self
            .file
            .into_inner()
            .map_err(|e| SendError::Spill(e.into_error()))?;
        Ok(SpilledFrames {
            file,
            len: self.len,
        })
    }
}

/// Where prepared items go; false when nobody takes them any more.
pub type Deliver<'a, A = EncryptedAudio> =
    dyn FnMut(Result<Prepared<A>, TransferError>) -> bool + 'a;

/// Prepares `jobs` in order into NetMD's encrypted streams ([`prepare_jobs_into`]).
pub fn prepare_jobs(jobs: &[Job], stopped: &dyn Fn() -> bool, deliver: &mut Deliver<'_>) {
    prepare_jobs_into(jobs, &netmd_sink, stopped, deliver);
}

/// Prepares `jobs` in order, each track into a sink `make` gives, handing exactly one result
/// per job to `deliver`, in order, as soon as it is ready (a job joined to the next is ready
/// once the next has its first samples). Stops when `deliver` returns false or `stopped` is
/// true.
pub fn prepare_jobs_into<S: TrackSink>(
    jobs: &[Job],
    make: &MakeSink<'_, S>,
    stopped: &dyn Fn() -> bool,
    deliver: &mut Deliver<'_, S::Audio>,
) {
    let mut run: Option<Run<'_, S>> = None;
    let mut note: Option<String> = None;
    for (i, job) in jobs.iter().enumerate() {
        if stopped() {
            return;
        }
        let warnings: Vec<String> = note.take().into_iter().collect();
        // Only a stream that goes on into a next item of the same route stays open.
        let joins = job.joins_next && jobs.get(i + 1).is_some_and(|next| next.route == job.route);
        if job.route.feed == Feed::Untouched {
            if !deliver(untouched(job, make, warnings)) {
                return;
            }
            continue;
        }
        let mut current = match run.take().map_or_else(|| Run::new(job.route, make), Ok) {
            Ok(r) => r,
            Err(e) => {
                if !deliver(Err(e)) {
                    return;
                }
                continue;
            }
        };
        let failed = match current.open_track(warnings) {
            Ok(()) => {
                let decoded = current.decode(job, stopped, deliver);
                if decoded.is_err() {
                    current.open.pop_back();
                    current.held.clear();
                }
                decoded.err()
            }
            Err(e) => Some(e),
        };
        if let Some(e) = failed {
            // The tracks before this one end as lone tracks would; this one fails alone.
            current.close_all();
            if !current.deliver_ready(deliver) {
                return;
            }
            if joins {
                note = Some(format!(
                    "sent without the gapless join to the track before it, which failed: {e}"
                ));
            }
            if !deliver(Err(e)) {
                return;
            }
            continue;
        }
        if joins {
            current.end_track();
        } else {
            current.close_all();
        }
        if !current.deliver_ready(deliver) {
            return;
        }
        if joins {
            run = Some(current);
        }
    }
}

/// The source's own ATRAC3 frames.
fn untouched<S: TrackSink>(
    job: &Job,
    make: &MakeSink<'_, S>,
    mut warnings: Vec<String>,
) -> Result<Prepared<S::Audio>, TransferError> {
    let plain = prepare::untouched_frames(&job.path, job.route.format)?;
    let audio = make(job.route.format)?.finish(plain)?;
    if (job.gain - 1.0).abs() > f32::EPSILON {
        warnings.push("sent untouched in its own ATRAC3 mode: ReplayGain was not applied".into());
    }
    Ok(Prepared { audio, warnings })
}

/// A track being written: the run's bytes from `start` to `end`.
struct TrackOut<S> {
    writer: S,
    plain: Vec<u8>,
    start: u64,
    received: u64,
    /// Known once the track's source is decoded (and the next track joins it).
    end: Option<u64>,
    warnings: Vec<String>,
    /// Writing the temporary file failed: the track fails when it is handed over.
    error: Option<TransferError>,
}

impl<S: TrackSink> TrackOut<S> {
    fn room(&self) -> u64 {
        self.end.map_or(u64::MAX, |end| {
            end.saturating_sub(self.start + self.received)
        })
    }

    fn take(&mut self, bytes: &[u8], keep: usize) {
        self.plain.extend_from_slice(bytes);
        self.received += bytes.len() as u64;
        // Two frames stay unwritten: a rounded-down end may hand them on to the next track.
        if self.error.is_none()
            && self.plain.len() >= SPILL_BLOCK + keep
            && let Err(e) = self.writer.write_units(&mut self.plain, keep)
        {
            self.error = Some(e);
            self.plain = Vec::new();
        }
    }

    fn finish(self) -> Result<Prepared<S::Audio>, TransferError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        Ok(Prepared {
            audio: self.writer.finish(self.plain)?,
            warnings: self.warnings,
        })
    }
}

/// One continuous stream: the coder and the tracks still being written from it, oldest first
/// (the last is the one whose source is being decoded).
struct Run<'a, S: TrackSink> {
    format: WireFormat,
    make: &'a MakeSink<'a, S>,
    coder: Coder,
    /// Sample frames pushed into the coder.
    pushed: u64,
    /// Bytes taken from the coder.
    taken: u64,
    open: VecDeque<TrackOut<S>>,
    /// Tracks with all their bytes, not yet delivered.
    ready: Vec<Result<Prepared<S::Audio>, TransferError>>,
    /// Bytes past a track's rounded-down end, for the next track.
    carry: Vec<u8>,
    /// The decoded track's first samples, kept from the coder until the track before it can be
    /// ended with them.
    held: Vec<i16>,
    scratch: Vec<u8>,
}

impl<'a, S: TrackSink> Run<'a, S> {
    fn new(route: Route, make: &'a MakeSink<'a, S>) -> Result<Self, TransferError> {
        let coder = Coder::for_route(route)?.ok_or_else(|| {
            TransferError::Queue("an untouched ATRAC3 file cannot start a gapless run".into())
        })?;
        Ok(Self {
            format: route.format,
            make,
            coder,
            pushed: 0,
            taken: 0,
            open: VecDeque::new(),
            ready: Vec::new(),
            carry: Vec::new(),
            held: Vec::new(),
            scratch: Vec::new(),
        })
    }

    fn open_track(&mut self, warnings: Vec<String>) -> Result<(), TransferError> {
        let start = self
            .open
            .back()
            .map_or(self.taken - self.carry.len() as u64, |t| {
                t.end.unwrap_or(self.taken)
            });
        let plain = std::mem::take(&mut self.carry);
        self.open.push_back(TrackOut {
            writer: (self.make)(self.format)?,
            received: plain.len() as u64,
            plain,
            start,
            end: None,
            warnings,
            error: None,
        });
        Ok(())
    }

    fn decode(
        &mut self,
        job: &Job,
        stopped: &dyn Fn() -> bool,
        deliver: &mut Deliver<'_, S::Audio>,
    ) -> Result<(), TransferError> {
        let gain = job.gain;
        let mut scaled = Vec::new();
        prepare::decode_samples(&job.path, self.coder.channels(), stopped, &mut |samples| {
            if (gain - 1.0).abs() > f32::EPSILON {
                scaled.clear();
                scaled.extend(samples.iter().map(|&s| apply_gain(s, gain)));
                self.feed(&scaled);
            } else {
                self.feed(samples);
            }
            // The track before is sent while this one is still being made.
            if self.deliver_ready(deliver) {
                Ok(())
            } else {
                Err(TransferError::Cancelled)
            }
        })?;
        let held = std::mem::take(&mut self.held);
        self.push(&held);
        Ok(())
    }

    /// Samples of the track being decoded: held while the track before it still waits for
    /// its last frames, else coded at once.
    fn feed(&mut self, samples: &[i16]) {
        let Some(before) = self.open.iter().rev().nth(1) else {
            return self.push(samples);
        };
        let need = before.end.map_or(0, |end| {
            end / self.coder.frame_bytes() * self.coder.frame_samples()
        });
        self.held.extend_from_slice(samples);
        let channels = u64::from(self.coder.channels());
        if self.pushed + self.held.len() as u64 / channels >= need {
            let held = std::mem::take(&mut self.held);
            self.push(&held);
        }
    }

    fn push(&mut self, samples: &[i16]) {
        if samples.is_empty() {
            return;
        }
        self.coder.push(samples);
        self.pushed += samples.len() as u64 / u64::from(self.coder.channels());
        self.hand_out();
    }

    /// Gives what the coder made to the open tracks in order, and moves those that have all
    /// their bytes to `ready`.
    fn hand_out(&mut self) {
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        self.coder.take(&mut bytes);
        self.taken += bytes.len() as u64;
        let keep = 2 * self.coder.frame_bytes() as usize;
        let mut rest = bytes.as_slice();
        for track in &mut self.open {
            if rest.is_empty() {
                break;
            }
            let n = usize::try_from(track.room()).map_or(rest.len(), |r| r.min(rest.len()));
            track.take(&rest[..n], keep);
            rest = &rest[n..];
        }
        self.scratch = bytes;
        self.complete();
    }

    fn complete(&mut self) {
        while self.open.len() > 1 && self.open.front().is_some_and(|t| t.room() == 0) {
            if let Some(track) = self.open.pop_front() {
                self.ready.push(track.finish());
            }
        }
    }

    /// The decoded track ends at the frame boundary nearest to its last sample's place in the
    /// decoder's output.
    fn end_track(&mut self) {
        let frame_bytes = self.coder.frame_bytes();
        let frame_samples = self.coder.frame_samples();
        let out_at = self.pushed + self.coder.delay();
        let frames = (out_at + frame_samples / 2) / frame_samples;
        let Some(track) = self.open.back_mut() else {
            return;
        };
        let end = (frames * frame_bytes).max(track.start);
        track.end = Some(end);
        let have = track.start + track.received;
        if have > end {
            // Rounded down: the samples beyond the boundary begin the next track. They are
            // still in `plain` (two frames are always kept back, and the excess is under one).
            let cut = track.plain.len().saturating_sub((have - end) as usize);
            self.carry = track.plain.split_off(cut);
            track.received -= self.carry.len() as u64;
        }
        if track.room() == 0
            && let Some(track) = self.open.pop_back()
        {
            // Every earlier track ended before this one did.
            while let Some(earlier) = self.open.pop_front() {
                self.ready.push(earlier.finish());
            }
            self.ready.push(track.finish());
        }
    }

    /// Ends the stream: everything pushed comes out (the last open track takes it all) and every
    /// open track is handed over.
    fn close_all(&mut self) {
        self.held.clear();
        if let Some(last) = self.open.back_mut() {
            last.end = None;
        }
        self.coder.flush();
        self.hand_out();
        while let Some(track) = self.open.pop_front() {
            self.ready.push(track.finish());
        }
    }

    /// Hands over the tracks that are ready; false when nobody takes them any more.
    fn deliver_ready(&mut self, deliver: &mut Deliver<'_, S::Audio>) -> bool {
        self.ready.drain(..).all(deliver)
    }
}

/// `sample × gain`, rounded and kept in range (the gain is already limited by the tagged peak).
fn apply_gain(sample: i16, gain: f32) -> i16 {
    (f32::from(sample) * gain).round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use atrac::{Atrac3Mode, CODEC_DELAY};

    const LP2: Route = Route {
        format: WireFormat::LP2,
        feed: Feed::Encode(Atrac3Mode::Lp2),
    };

    fn wav(dir: &std::path::Path, name: &str, frames: usize) -> PathBuf {
        let path = dir.join(name);
        let pcm = testkit::Pcm {
            sample_rate: 44_100,
            channels: 2,
            samples: (0..2 * frames)
                .map(|i| ((i % 200) as i16 - 100) * 50)
                .collect(),
        };
        testkit::write_wav(&path, &pcm).unwrap();
        path
    }

    fn job(path: PathBuf, joins_next: bool) -> Job {
        Job {
            path,
            route: LP2,
            gain: 1.0,
            joins_next,
        }
    }

    fn run(jobs: &[Job]) -> Vec<Result<Prepared, TransferError>> {
        let mut out = Vec::new();
        prepare_jobs(jobs, &|| false, &mut |r| {
            out.push(r);
            true
        });
        out
    }

    fn frames(p: &Result<Prepared, TransferError>) -> u64 {
        p.as_ref().unwrap().audio.data_len() / 384
    }

    #[test]
    fn joined_tracks_end_at_the_nearest_frame_and_lone_ones_are_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let a = wav(dir.path(), "a.wav", 10_000);
        let b = wav(dir.path(), "b.wav", 20_000);
        let out = run(&[job(a.clone(), true), job(b.clone(), false)]);
        assert_eq!(out.len(), 2);
        // (10000 + 1300) / 1024 = 11.03: the boundary rounds to 11 frames.
        assert_eq!(frames(&out[0]), 11);
        // The whole stream: ceil((30000 + 1300) / 1024) = 31 frames.
        assert_eq!(frames(&out[0]) + frames(&out[1]), 31);
        // Alone, the first track is flushed: ceil(11300 / 1024) = 12.
        let out = run(&[job(a, false), job(b, false)]);
        assert_eq!(frames(&out[0]), 12);
        assert_eq!(
            frames(&out[1]),
            (20_000 + CODEC_DELAY as u64).div_ceil(1024)
        );
    }

    #[test]
    fn a_failure_mid_run_fails_that_item_and_restarts_the_stream_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = wav(dir.path(), "a.wav", 10_000);
        let gone = dir.path().join("gone.flac");
        let c = wav(dir.path(), "c.wav", 10_000);
        let d = wav(dir.path(), "d.wav", 10_000);
        let out = run(&[job(a, true), job(gone, true), job(c, true), job(d, false)]);
        assert_eq!(out.len(), 4, "one result per item, in order");
        // The track before the failure ends as a lone track: flushed, 12 frames.
        assert_eq!(frames(&out[0]), 12);
        assert!(out[0].as_ref().unwrap().warnings.is_empty());
        let err = out[1].as_ref().err().unwrap().to_string();
        assert!(err.contains("gone.flac"), "{err}");
        // The next starts a fresh stream, and says why.
        let warnings = &out[2].as_ref().unwrap().warnings;
        assert!(warnings[0].contains("gapless join"), "{warnings:?}");
        assert_eq!(frames(&out[2]), 11);
        assert_eq!(frames(&out[2]) + frames(&out[3]), 21);
    }

    #[test]
    fn a_himd_track_spills_its_plain_frames_to_a_file() {
        use std::io::{Read, Seek, SeekFrom};
        let dir = tempfile::tempdir().unwrap();
        // Long enough that the spill writes several times before the end.
        let a = wav(dir.path(), "a.wav", 44_100 * 30);
        let mut out = Vec::new();
        prepare_jobs_into(
            &[job(a, false)],
            &|_| PlainSpill::new(),
            &|| false,
            &mut |r| {
                out.push(r);
                true
            },
        );
        let SpilledFrames { mut file, len } = out.pop().unwrap().unwrap().audio;
        assert_eq!(len, (44_100 * 30 + CODEC_DELAY as u64).div_ceil(1024) * 384);
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, len);
        // Plain coded frames, not zeros or a partial write.
        assert!(bytes.chunks(384).all(|f| f.iter().any(|&b| b != 0)));
    }

    #[test]
    fn replaygain_scales_and_clamps() {
        assert_eq!(apply_gain(1000, 0.5), 500);
        assert_eq!(apply_gain(30_000, 2.0), 32_767);
        assert_eq!(apply_gain(-30_000, 2.0), -32_768);
    }
}
