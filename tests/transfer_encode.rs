//! Sending anything in LP2/LP4 to the virtual deck: FLAC and MP3 encoded by the in-crate
//! ATRAC3 encoder and decoded back from what the deck stored; gapless albums in LP2 and SP, and
//! in LP2 on a Hi-MD disc (the stored tracks back to back are one continuous encode), with
//! gapless off for contrast;
//! the queue-wide `auto` plan (SP, LP2, LP4, or refused with the shortfall); ReplayGain.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use atrac::{
    Atrac3Container, Atrac3Encoder, Atrac3Mode, Atrac3Writer, CODEC_DELAY, RawAudio, TagUpdate,
};
use common::fixtures::{fixture, source_pcm};
use lofty::config::WriteOptions;
use lofty::tag::{ItemKey, Tag, TagExt, TagType};
use ministage::transfer::pipeline::BatchControl;
use ministage::transfer::{BatchOptions, ItemOutcome, TransferError, TransferMode, send_batch};
use netmd::virtual_deck::VirtualTrack;
use netmd::{Faults, Mode, Recorder, VirtualDeck, VirtualDisc};

fn deck(dir: &Path) -> Recorder<Box<dyn netmd::Transport>> {
    let deck = VirtualDeck::open(&dir.join("disc.json"))
        .unwrap()
        .with_faults(Faults::default());
    Recorder::open(Box::new(deck) as Box<dyn netmd::Transport>).unwrap()
}

fn send(
    dir: &Path,
    files: &[(&Path, TransferMode)],
    options: &BatchOptions,
) -> Result<Vec<(i64, ItemOutcome)>, TransferError> {
    let items = common::send_items(files);
    let mut r = deck(dir);
    send_batch(
        &mut r,
        &items,
        options,
        &BatchControl::default(),
        &mut |_| {},
    )
}

fn all_done(outcomes: &[(i64, ItemOutcome)]) {
    for (id, o) in outcomes {
        assert!(matches!(o, ItemOutcome::Done { .. }), "item {id}: {o:?}");
    }
}

fn load_disc(dir: &Path) -> VirtualDisc {
    VirtualDeck::load(&dir.join("disc.json")).unwrap()
}

fn stored(dir: &Path, disc: &VirtualDisc, track: usize) -> (PathBuf, Vec<u8>) {
    let audio = disc.tracks[track].audio.as_ref().expect("audio reference");
    let path = dir.join(&audio.file);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// The deck's stored frames in an `.at3` file, as FFmpeg reads them.
fn write_at3(path: &Path, frames: &[u8], mode: Mode) {
    let mode = if mode == Mode::LP4 {
        Atrac3Mode::Lp4
    } else {
        Atrac3Mode::Lp2
    };
    let file = std::fs::File::create(path).unwrap();
    let mut w = Atrac3Writer::new(file, Atrac3Container::At3, mode, &TagUpdate::default()).unwrap();
    w.write_frames(frames).unwrap();
    let samples = (frames.len() / mode.frame_bytes() * 1024) as u64;
    w.finish(samples).unwrap();
}

fn decode_raw(path: &Path, format: RawAudio) -> Vec<i16> {
    let mut dec = atrac::open_raw(path, format).unwrap();
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    out
}

/// SNR (dB) of interleaved stereo `decoded` against `source`, `delay` sample frames late.
fn snr(source: &[i16], decoded: &[i16], delay: usize) -> f64 {
    let (mut sig, mut err) = (0f64, 0f64);
    for (i, &x) in source.iter().enumerate() {
        let y = decoded.get(i + 2 * delay).copied().unwrap_or(0);
        sig += f64::from(x).powi(2);
        err += (f64::from(x) - f64::from(y)).powi(2);
    }
    10.0 * (sig / err.max(1e-9)).log10()
}

fn write_flac(path: &Path, samples: Vec<i16>) {
    let pcm = testkit::Pcm {
        sample_rate: 44_100,
        channels: 2,
        samples,
    };
    testkit::write_flac(path, &pcm).unwrap();
}

fn tag(path: &Path, album: &str, track: u32) {
    let spec = testkit::TagSpec {
        title: format!("Part {track}"),
        artist: "Band".into(),
        album: album.into(),
        track: Some(track),
        ..testkit::TagSpec::default()
    };
    testkit::write_tags(path, &spec).unwrap();
}

#[test]
fn flac_and_mp3_go_in_lp2_and_lp4_and_decode_to_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let flac = dir.path().join("music.flac");
    std::fs::copy(fixture("atrac-pcm/music4s.flac"), &flac).unwrap();
    let mp3 = dir.path().join("quiet.mp3");
    testkit::write_silent_mp3(&mp3, 2.0, 44_100, 2).unwrap();
    let outcomes = send(
        dir.path(),
        &[
            (&flac, TransferMode::Lp2),
            (&flac, TransferMode::Lp4),
            (&mp3, TransferMode::Lp2),
            (&mp3, TransferMode::Lp4),
        ],
        &BatchOptions::default(),
    )
    .unwrap();
    all_done(&outcomes);
    let disc = load_disc(dir.path());
    // Titles from the files' names (neither has a title tag).
    let titles: Vec<&str> = disc.tracks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["music", "music", "quiet", "quiet"]);
    let source = source_pcm("music4s");
    // About 1 dB under what the encoder reaches through `convert` (tests/atrac3_encoder.rs).
    for (track, mode, frame_bytes, floor) in [(0, Mode::LP2, 384, 11.5), (1, Mode::LP4, 192, 6.0)] {
        assert_eq!(disc.tracks[track].mode, mode);
        let (path, bytes) = stored(dir.path(), &disc, track);
        assert_eq!(bytes.len() % frame_bytes as usize, 0);
        let decoded = decode_raw(&path, RawAudio::Atrac3 { frame_bytes });
        let s = snr(&source.samples, &decoded, CODEC_DELAY);
        println!("music4s {mode}: SNR {s:.2} dB");
        assert!(s >= floor, "{mode}: {s:.2} dB < {floor}");
        // FFmpeg decodes the same frames, in a standard container, as our decoder does.
        let at3 = dir.path().join(format!("track{track}.at3"));
        write_at3(&at3, &bytes, mode);
        common::ffmpeg::check(&at3, &decoded, source.samples.len(), &format!("{mode}"));
        // Every source sample comes out, and at most a frame of silence more.
        let source_frames = source.samples.len() / 2;
        let stored_frames = decoded.len() / 2;
        assert!(stored_frames >= source_frames + CODEC_DELAY);
        assert!(stored_frames < source_frames + CODEC_DELAY + 1024);
        let ms = disc.tracks[track].duration_ms;
        assert!((ms as i64 - 4_000).abs() < 80, "{mode}: {ms} ms");
    }
    for (track, mode, frame_bytes) in [(2, Mode::LP2, 384), (3, Mode::LP4, 192)] {
        assert_eq!(disc.tracks[track].mode, mode);
        let (path, _) = stored(dir.path(), &disc, track);
        let decoded = decode_raw(&path, RawAudio::Atrac3 { frame_bytes });
        let loudest = decoded.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(loudest <= 1, "{mode}: silence came back as {loudest}");
        let ms = disc.tracks[track].duration_ms;
        assert!((ms as i64 - 2_000).abs() < 150, "{mode}: {ms} ms");
    }
}

/// A sweep (200 Hz to 8 kHz) over a steady 440 Hz tone, 4 seconds of 44.1 kHz stereo.
fn sweep_and_tone() -> Vec<i16> {
    let n = 4 * 44_100;
    let mut out = Vec::with_capacity(2 * n);
    let mut phase = 0f64;
    for i in 0..n {
        let t = i as f64 / 44_100.0;
        phase += 2.0 * std::f64::consts::PI * (200.0 + 1_950.0 * t) / 44_100.0;
        let tone = 5_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
        let sweep = 6_000.0 * phase.sin();
        out.push((sweep + tone) as i16);
        out.push((0.7 * sweep + tone) as i16);
    }
    out
}

/// The signal cut into three tagged tracks of one album at points off the frame grid.
fn three_parts(dir: &Path, signal: &[i16]) -> (Vec<PathBuf>, [usize; 2]) {
    let cuts = [44_100 + 777, 2 * 44_100 + 1_234];
    let bounds = [0, cuts[0], cuts[1], signal.len() / 2];
    let paths = (0..3)
        .map(|i| {
            let path = dir.join(format!("part{}.flac", i + 1));
            write_flac(&path, signal[2 * bounds[i]..2 * bounds[i + 1]].to_vec());
            tag(&path, "Mix", i as u32 + 1);
            path
        })
        .collect();
    (paths, cuts)
}

fn continuous_lp2(signal: &[i16]) -> Vec<u8> {
    let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp2, 2).unwrap();
    enc.push(signal);
    enc.flush();
    let mut frames = Vec::new();
    enc.take_frames(&mut frames);
    frames
}

/// Sends the three parts of [`sweep_and_tone`] in `mode`; returns what the deck stored for each
/// track and where the signal was cut.
fn send_parts(signal: &[i16], mode: TransferMode, gapless: bool) -> (Vec<Vec<u8>>, [usize; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let (parts, cuts) = three_parts(dir.path(), signal);
    let files: Vec<(&Path, TransferMode)> = parts.iter().map(|p| (p.as_path(), mode)).collect();
    let options = BatchOptions {
        gapless,
        ..BatchOptions::default()
    };
    all_done(&send(dir.path(), &files, &options).unwrap());
    let disc = load_disc(dir.path());
    let tracks = (0..3).map(|t| stored(dir.path(), &disc, t).1).collect();
    (tracks, cuts)
}

/// Big-endian PCM as SP stores it, zero-padded to whole 2048-byte units.
fn sp_bytes(samples: &[i16]) -> Vec<u8> {
    let mut bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_be_bytes()).collect();
    bytes.resize(bytes.len().div_ceil(2048) * 2048, 0);
    bytes
}

/// Each track's end within `slack` sample frames of where its cut comes out of the decoder;
/// `lengths` are the tracks' lengths in sample frames.
fn assert_boundaries(lengths: &[usize], cuts: [usize; 2], delay: usize, slack: i64) {
    let mut end = 0;
    for (length, cut) in lengths.iter().zip(cuts) {
        end += length;
        let at = (cut + delay) as i64;
        assert!(
            (end as i64 - at).abs() <= slack,
            "boundary at {end}, cut at {at}"
        );
    }
}

#[test]
fn a_gapless_album_in_lp2_is_one_continuous_encode() {
    let signal = sweep_and_tone();
    let (tracks, cuts) = send_parts(&signal, TransferMode::Lp2, true);
    // Back to back, the three tracks are the whole signal encoded in one go: nothing inserted,
    // nothing lost, no seam at the joins.
    assert_eq!(tracks.concat(), continuous_lp2(&signal));
    // Each boundary is the frame boundary nearest to where the cut comes out of the decoder
    // (an LP2 frame is 384 bytes for 1024 samples).
    let lengths: Vec<usize> = tracks.iter().map(|t| t.len() / 384 * 1024).collect();
    assert_boundaries(&lengths, cuts, CODEC_DELAY, 512);
}

/// The same album sent to a disc in Hi-MD mode: its tracks run on into each other as well.
#[test]
fn a_gapless_album_in_lp2_on_a_himd_disc_is_one_continuous_encode() {
    use himd::virtual_device::{MediaSize, VirtualHimd};
    use ministage::transfer::SendItem;
    use ministage::transfer::himd_unit::{HimdTarget, HimdUnit};

    let signal = sweep_and_tone();
    let dir = tempfile::tempdir().unwrap();
    let (parts, cuts) = three_parts(dir.path(), &signal);
    let image = dir.path().join("himd.img");
    VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut netmd::crypto::OsEntropy).unwrap();
    let mut unit = HimdUnit::open(&HimdTarget::Image(image)).unwrap();
    let items: Vec<SendItem> = parts
        .iter()
        .enumerate()
        .map(|(i, path)| SendItem {
            id: i as i64,
            path: path.clone(),
            title: None,
            mode: TransferMode::Lp2,
            stored: None,
        })
        .collect();
    let outcomes = ministage::transfer::himd_send::send_batch(
        &mut unit,
        &items,
        &BatchOptions::default(),
        &BatchControl::default(),
        &mut |_| {},
    )
    .unwrap();
    all_done(&outcomes);
    let tracks: Vec<Vec<u8>> = (1..=3)
        .map(|n| {
            let mut frames = Vec::new();
            unit.disc.read_audio(n, &mut frames).unwrap();
            frames
        })
        .collect();
    assert_eq!(tracks.concat(), continuous_lp2(&signal));
    let lengths: Vec<usize> = tracks.iter().map(|t| t.len() / 384 * 1024).collect();
    assert_boundaries(&lengths, cuts, CODEC_DELAY, 512);
}

#[test]
fn without_gapless_each_lp2_track_is_encoded_alone() {
    let signal = sweep_and_tone();
    let (tracks, cuts) = send_parts(&signal, TransferMode::Lp2, false);
    assert_eq!(tracks[0], continuous_lp2(&signal[..2 * cuts[0]]));
    let all: usize = tracks.iter().map(Vec::len).sum();
    assert!(
        all > continuous_lp2(&signal).len(),
        "each track carries its own tail"
    );
}

#[test]
fn a_gapless_album_in_sp_has_padding_only_at_its_end() {
    let signal = sweep_and_tone();
    let (tracks, cuts) = send_parts(&signal, TransferMode::Sp, true);
    assert_eq!(tracks.concat(), sp_bytes(&signal));
    assert!(tracks.iter().all(|t| t.len() % 2048 == 0));
    let lengths: Vec<usize> = tracks.iter().map(|t| t.len() / 4).collect();
    assert_boundaries(&lengths, cuts, 0, 256);
    // Gapless off: the first track ends at its cut, padded with silence.
    let (tracks, cuts) = send_parts(&signal, TransferMode::Sp, false);
    assert_eq!(tracks[0], sp_bytes(&signal[..2 * cuts[0]]));
}

/// A 60-minute disc with all but `free_s` seconds taken by a track recorded elsewhere.
fn nearly_full_deck(dir: &Path, free_s: u64) {
    let mut disc = VirtualDisc::blank(60, false);
    disc.tracks.push(VirtualTrack::new(
        "Old",
        Mode::SP,
        2,
        (60 * 60 - free_s) * 1000,
    ));
    VirtualDeck::create(&dir.join("disc.json"), &disc).unwrap();
}

fn silence(dir: &Path, name: &str, seconds: usize) -> PathBuf {
    let path = dir.join(name);
    write_flac(&path, vec![0; 2 * 44_100 * seconds]);
    path
}

/// Sends `count` silent 7-second files in `auto` to a disc with 10 seconds free; returns the
/// batch's result and the modes of the tracks it added.
fn send_auto(count: usize) -> (Result<(), TransferError>, Vec<Mode>) {
    let dir = tempfile::tempdir().unwrap();
    nearly_full_deck(dir.path(), 10);
    let paths: Vec<PathBuf> = (0..count)
        .map(|i| silence(dir.path(), &format!("s{i}.flac"), 7))
        .collect();
    let files: Vec<(&Path, TransferMode)> = paths
        .iter()
        .map(|p| (p.as_path(), TransferMode::Auto))
        .collect();
    let result = send(dir.path(), &files, &BatchOptions::default()).map(|o| all_done(&o));
    let modes = load_disc(dir.path()).tracks[1..]
        .iter()
        .map(|t| t.mode)
        .collect();
    (result, modes)
}

#[test]
fn auto_plans_the_whole_queue() {
    // 10 seconds free: one 7-second file fits in SP; two take 8 s in LP2; four 8 s in LP4.
    assert_eq!(send_auto(1).1, [Mode::SP]);
    assert_eq!(send_auto(2).1, [Mode::LP2; 2]);
    assert_eq!(send_auto(4).1, [Mode::LP4; 4]);
    // Six take 12 s even in LP4: refused before anything is written, with the shortfall.
    let (result, modes) = send_auto(6);
    let text = result.unwrap_err().to_string();
    assert!(text.contains("even in LP4"), "{text}");
    assert!(text.contains("0:08 too much"), "{text}");
    assert!(modes.is_empty());
}

#[test]
fn replaygain_is_applied_before_encoding_and_never_clips() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<i16> = (0..2 * 44_100)
        .map(|i| ((i as f32 * 0.02).sin() * 16_000.0) as i16)
        .collect();
    let path = dir.path().join("loud.flac");
    write_flac(&path, samples.clone());
    // -6 dB of track gain; +12 dB of album gain held back by a 0.9 peak.
    let mut tag = Tag::new(TagType::VorbisComments);
    tag.insert_text(ItemKey::ReplayGainTrackGain, "-6.02 dB".into());
    tag.insert_text(ItemKey::ReplayGainAlbumGain, "+12 dB".into());
    tag.insert_text(ItemKey::ReplayGainAlbumPeak, "0.9".into());
    tag.save_to_path(&path, WriteOptions::default()).unwrap();
    for (mode, expected_peak) in [
        (media::player::GainMode::Track, 8_000.0),
        (media::player::GainMode::Album, 16_000.0 / 0.9),
    ] {
        let dir2 = tempfile::tempdir().unwrap();
        let options = BatchOptions {
            replaygain: mode,
            ..BatchOptions::default()
        };
        all_done(&send(dir2.path(), &[(&path, TransferMode::Sp)], &options).unwrap());
        let disc = load_disc(dir2.path());
        let (_, bytes) = stored(dir2.path(), &disc, 0);
        let peak = bytes
            .chunks_exact(2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]).unsigned_abs())
            .max()
            .unwrap();
        assert!(
            (f64::from(peak) - expected_peak).abs() < 60.0,
            "{mode:?}: peak {peak}, expected {expected_peak}"
        );
    }
}
