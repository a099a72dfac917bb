//! `ministage convert INPUT OUTPUT`: any file ministage can play (ATRAC through the in-crate
//! decoders, the common formats through symphonia) to
//! - ATRAC3 (`.oma` OpenMG with the source's tags, or `.at3` RIFF WAVE), in LP2, 105 kbps or
//!   LP4, resampled to 44.1 kHz stereo by the transfer's decode stage;
//! - ATRAC1 (`.aea`, SP, titled from the source's tags), resampled the same way;
//! - a 16-bit PCM WAV (`.wav`) at the source's own rate and channel count.
//!
//! Streaming: memory stays constant whatever the length. The output is written to a temporary
//! file beside it and renamed at the end, so a failed or interrupted conversion leaves nothing
//! half-written. With `-o DIR`, any number of inputs convert in parallel on all cores.

use std::collections::HashSet;
use std::io::{BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rayon::prelude::*;

use crate::transfer::TransferError;
use crate::transfer::prepare::{self, SP_RATE};
use atrac::{
    AeaWriter, Atrac1Encoder, Atrac3Container, Atrac3Encoder, Atrac3Mode, Atrac3Writer, CodecError,
    Decoder, TagUpdate,
};
use media::player;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// INPUT OUTPUT, or with --output-dir the inputs: anything ministage plays (ATRAC3/ATRAC1
    /// in OMA, AT3 or AEA, MP3, FLAC, Ogg Vorbis, WAV, AAC/ALAC). The output's extension
    /// picks what is written: .oma or .at3 (ATRAC3), .aea (ATRAC1), .wav (16-bit PCM).
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Convert every FILE into this folder, in parallel, named after the input.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// The ATRAC3 mode of .oma/.at3 outputs: lp2 (132 kbps), lp105 (105 kbps) or lp4
    /// (66 kbps, joint stereo). Default lp2. An .aea output is always sp (ATRAC1, 292 kbps).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// With --output-dir: the format of the outputs (default oma).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Sp,
    Lp2,
    Lp105,
    Lp4,
}

impl ModeArg {
    /// The ATRAC3 mode; `None` for SP (ATRAC1).
    fn atrac3(self) -> Option<Atrac3Mode> {
        match self {
            Self::Sp => None,
            Self::Lp2 => Some(Atrac3Mode::Lp2),
            Self::Lp105 => Some(Atrac3Mode::Lp105),
            Self::Lp4 => Some(Atrac3Mode::Lp4),
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Oma,
    At3,
    Aea,
    Wav,
}

impl FormatArg {
    fn extension(self) -> &'static str {
        match self {
            Self::Oma => "oma",
            Self::At3 => "at3",
            Self::Aea => "aea",
            Self::Wav => "wav",
        }
    }
}

/// What one output gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Wav,
    Atrac3(Atrac3Container, Atrac3Mode),
    /// ATRAC1 in an AEA file.
    Atrac1,
}

/// One conversion.
#[derive(Debug)]
struct Job {
    input: PathBuf,
    output: PathBuf,
    target: Target,
}

/// Exit 0 on success; failures are errors (exit 2) naming the file and the reason.
pub fn run(args: &ConvertArgs) -> anyhow::Result<i32> {
    let jobs = plan(args)?;
    let progress = Progress::new(jobs.len());
    if let [job] = jobs.as_slice() {
        let result = convert_one(job, &progress);
        progress.clear();
        return result.map(|()| 0);
    }
    let failures: Vec<anyhow::Error> = jobs
        .par_iter()
        .filter_map(|job| convert_one(job, &progress).err())
        .collect();
    progress.clear();
    if failures.is_empty() {
        return Ok(0);
    }
    for e in &failures {
        eprintln!("ministage: {e:#}");
        tracing::warn!("convert: {e:#}");
    }
    bail!(
        "{} of {} files could not be converted",
        failures.len(),
        jobs.len()
    )
}

/// The conversions `args` ask for, checked before anything is written.
fn plan(args: &ConvertArgs) -> anyhow::Result<Vec<Job>> {
    let mode = args.mode;
    let target_for = |output: &Path| -> anyhow::Result<Target> {
        let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("wav") {
            if mode.is_some() {
                bail!(
                    "{}: --mode applies to .oma, .at3 and .aea outputs, not WAV",
                    output.display()
                );
            }
            return Ok(Target::Wav);
        }
        if ext.eq_ignore_ascii_case("aea") {
            return match mode.map(ModeArg::atrac3) {
                None | Some(None) => Ok(Target::Atrac1),
                Some(Some(m)) => bail!(
                    "{}: an .aea file holds ATRAC1 (SP), not {}: leave out --mode, or write \
                     .oma or .at3 for ATRAC3",
                    output.display(),
                    m.name().to_uppercase()
                ),
            };
        }
        match Atrac3Container::for_extension(ext) {
            Some(c) => match mode.map_or(Some(Atrac3Mode::Lp2), ModeArg::atrac3) {
                Some(m) => Ok(Target::Atrac3(c, m)),
                None => bail!(
                    "{}: SP is ATRAC1, which .oma and .at3 files do not hold: write an .aea file",
                    output.display()
                ),
            },
            None => bail!(
                "{}: the output must end in .oma, .at3 (ATRAC3), .aea (ATRAC1) or .wav (PCM)",
                output.display()
            ),
        }
    };
    let jobs = match &args.output_dir {
        None => {
            if args.format.is_some() {
                bail!("--format goes with --output-dir; otherwise the output's extension decides");
            }
            let [input, output] = args.files.as_slice() else {
                bail!("convert takes INPUT OUTPUT, or any number of inputs with --output-dir DIR");
            };
            vec![Job {
                input: input.clone(),
                output: output.clone(),
                target: target_for(output)?,
            }]
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            let ext = args.format.unwrap_or(FormatArg::Oma).extension();
            let mut seen = HashSet::new();
            let mut jobs = Vec::with_capacity(args.files.len());
            for input in &args.files {
                let stem = input
                    .file_stem()
                    .with_context(|| format!("{}: not a file name", input.display()))?;
                let output = dir.join(stem).with_extension(ext);
                if !seen.insert(output.clone()) {
                    bail!(
                        "{}: two inputs would both be converted to {}",
                        input.display(),
                        output.display()
                    );
                }
                let target = target_for(&output)?;
                jobs.push(Job {
                    input: input.clone(),
                    output,
                    target,
                });
            }
            jobs
        }
    };
    for job in &jobs {
        if same_file(&job.input, &job.output) {
            bail!(
                "{}: the output would overwrite the input",
                job.input.display()
            );
        }
    }
    Ok(jobs)
}

fn convert_one(job: &Job, progress: &Progress) -> anyhow::Result<()> {
    let input = &job.input;
    match job.target {
        Target::Wav => {
            let mut decoder = open(input)?;
            let frames = convert(decoder.as_mut(), &job.output)
                .with_context(|| format!("could not convert {}", input.display()))?;
            tracing::info!(input = %input.display(), output = %job.output.display(), frames, "convert: done");
        }
        target @ (Target::Atrac3(..) | Target::Atrac1) => {
            let frames = encode_atrac(input, &job.output, target, progress)?;
            tracing::info!(input = %input.display(), output = %job.output.display(), ?target, frames, "convert: encoded");
        }
    }
    progress.file_done();
    Ok(())
}

/// The calls `encode_atrac` makes on an encoder, the same for ATRAC3 and ATRAC1.
trait Encode {
    fn push(&mut self, samples: &[i16]);
    fn flush(&mut self);
    fn take_frames(&mut self, out: &mut Vec<u8>) -> usize;
    fn frames_encoded(&self) -> usize;
    fn samples_pushed(&self) -> u64;
}

macro_rules! encode_by_inherent_methods {
    ($($encoder:ty),*) => {$(
        impl Encode for $encoder {
            fn push(&mut self, samples: &[i16]) {
                <$encoder>::push(self, samples);
            }
            fn flush(&mut self) {
                <$encoder>::flush(self);
            }
            fn take_frames(&mut self, out: &mut Vec<u8>) -> usize {
                <$encoder>::take_frames(self, out)
            }
            fn frames_encoded(&self) -> usize {
                <$encoder>::frames_encoded(self)
            }
            fn samples_pushed(&self) -> u64 {
                <$encoder>::samples_pushed(self)
            }
        }
    )*};
}

encode_by_inherent_methods!(Atrac3Encoder, Atrac1Encoder);

/// The file an encoder's frames go to.
trait WriteFrames {
    fn write_frames(&mut self, frames: &[u8]) -> Result<(), CodecError>;
    /// Completes the file of `samples` input samples per channel.
    fn finish(self, samples: u64) -> Result<(), CodecError>;
}

impl<W: Write + Seek> WriteFrames for Atrac3Writer<W> {
    fn write_frames(&mut self, frames: &[u8]) -> Result<(), CodecError> {
        Atrac3Writer::write_frames(self, frames)
    }
    fn finish(self, samples: u64) -> Result<(), CodecError> {
        Atrac3Writer::finish(self, samples).map(drop)
    }
}

impl<W: Write + Seek> WriteFrames for AeaWriter<W> {
    fn write_frames(&mut self, frames: &[u8]) -> Result<(), CodecError> {
        AeaWriter::write_frames(self, frames)
    }
    fn finish(self, _samples: u64) -> Result<(), CodecError> {
        AeaWriter::finish(self).map(drop)
    }
}

/// An encoder and the file its frames go to, whichever the codec.
trait FrameSink {
    /// Encodes interleaved stereo samples and writes the frames they complete.
    fn push(&mut self, samples: &[i16]) -> Result<(), CodecError>;
    /// Encodes the tail and completes the file; returns the frames written.
    fn finish(self: Box<Self>) -> Result<u64, CodecError>;
}

struct Sink<E, W> {
    encoder: E,
    writer: W,
    frames: Vec<u8>,
}

impl<E: Encode, W: WriteFrames> FrameSink for Sink<E, W> {
    fn push(&mut self, samples: &[i16]) -> Result<(), CodecError> {
        self.encoder.push(samples);
        self.frames.clear();
        self.encoder.take_frames(&mut self.frames);
        self.writer.write_frames(&self.frames)
    }

    fn finish(mut self: Box<Self>) -> Result<u64, CodecError> {
        self.encoder.flush();
        self.push(&[])?;
        let frames = self.encoder.frames_encoded() as u64;
        self.writer.finish(self.encoder.samples_pushed())?;
        Ok(frames)
    }
}

/// Encodes `input` to ATRAC3 or ATRAC1 in `output` through a temporary file; returns the
/// frames written.
fn encode_atrac(
    input: &Path,
    output: &Path,
    target: Target,
    progress: &Progress,
) -> anyhow::Result<u64> {
    // Refuses unreadable and protected inputs before anything is created.
    let probe = open(input)?;
    let rate = u64::from(probe.sample_rate().max(1));
    progress.add_total(probe.total_frames().unwrap_or(0) * u64::from(SP_RATE) / rate);
    drop(probe);
    let temp = temp_beside(output, target_suffix(target))?;
    let file = BufWriter::with_capacity(256 * 1024, temp.as_file());
    let cannot_write = || format!("cannot write {}", output.display());
    let mut sink: Box<dyn FrameSink + '_> = match target {
        Target::Atrac3(container, mode) => {
            let tags = match container {
                Atrac3Container::Oma => source_tags(input),
                Atrac3Container::At3 => TagUpdate::default(),
            };
            Box::new(Sink {
                encoder: Atrac3Encoder::new(mode, 2)?,
                writer: Atrac3Writer::new(file, container, mode, &tags)
                    .with_context(cannot_write)?,
                frames: Vec::new(),
            })
        }
        // WAV outputs are decoded, not encoded (`convert_one`).
        Target::Wav => bail!("{}: not an ATRAC output", output.display()),
        Target::Atrac1 => {
            let title = source_tags(input).title.unwrap_or_default();
            Box::new(Sink {
                encoder: Atrac1Encoder::new(2)?,
                writer: AeaWriter::new(file, 2, &title).with_context(cannot_write)?,
                frames: Vec::new(),
            })
        }
    };
    prepare::decode_samples(input, 2, &|| false, &mut |samples| {
        progress.advance(samples.len() as u64 / 2);
        sink.push(samples).map_err(|e| TransferError::Source {
            path: output.to_path_buf(),
            detail: format!("cannot write: {e}"),
        })
    })
    .map_err(|e| anyhow::anyhow!("cannot convert {e}"))?;
    let frames = sink.finish().with_context(cannot_write)?;
    temp.as_file().sync_all().ok();
    temp.persist(output).with_context(cannot_write)?;
    Ok(frames)
}

fn target_suffix(target: Target) -> &'static str {
    match target {
        Target::Atrac3(Atrac3Container::Oma, _) => ".oma",
        Target::Atrac3(Atrac3Container::At3, _) => ".at3",
        Target::Atrac1 => ".aea",
        Target::Wav => ".wav",
    }
}

/// The source's tags for the OMA tag (what the library would read; nothing when unreadable).
fn source_tags(input: &Path) -> TagUpdate {
    match library::read_tag_values(input) {
        Ok(v) => {
            let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
            TagUpdate {
                title: text(&v.title),
                artist: text(&v.artist),
                album: text(&v.album),
                album_artist: text(&v.album_artist),
                genre: text(&v.genre),
                track: v.track.filter(|&n| n > 0),
                year: v.year.filter(|&y| y > 0),
            }
        }
        Err(e) => {
            tracing::warn!("convert: no tags from {}: {e}", input.display());
            TagUpdate::default()
        }
    }
}

/// A temporary file in `output`'s folder, deleted unless persisted.
fn temp_beside(output: &Path, suffix: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ministage-convert-").suffix(suffix);
    // A converted file is an ordinary file, not a private temporary one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}

/// Progress on a terminal: one line, rewritten at most ten times a second.
struct Progress {
    enabled: bool,
    files: usize,
    files_done: AtomicUsize,
    total: AtomicU64,
    done: AtomicU64,
    last: Mutex<Instant>,
}

impl Progress {
    fn new(files: usize) -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            files,
            files_done: AtomicUsize::new(0),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    fn add_total(&self, samples: u64) {
        self.total.fetch_add(samples, Ordering::Relaxed);
    }

    fn advance(&self, samples: u64) {
        self.done.fetch_add(samples, Ordering::Relaxed);
        self.show(false);
    }

    fn file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.show(true);
    }

    fn show(&self, force: bool) {
        if !self.enabled {
            return;
        }
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if !force && last.elapsed() < Duration::from_millis(100) {
            return;
        }
        *last = Instant::now();
        let total = self.total.load(Ordering::Relaxed).max(1);
        let percent = (self.done.load(Ordering::Relaxed) * 100 / total).min(100);
        let mut err = std::io::stderr().lock();
        if self.files > 1 {
            let done = self.files_done.load(Ordering::Relaxed);
            let _ = write!(
                err,
                "\r\x1b[2KConverting: {done}/{} files, {percent}%",
                self.files
            );
        } else {
            let _ = write!(err, "\r\x1b[2KConverting: {percent}%");
        }
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Opens `input` the way the player does: Sony formats through the in-crate decoders, the
/// common formats through symphonia.
fn open(input: &Path) -> anyhow::Result<Box<dyn Decoder>> {
    match player::source::open(input) {
        Ok(d) => Ok(d),
        Err(CodecError::Unsupported(why)) => {
            bail!("{}: cannot convert: {why}", input.display())
        }
        Err(e) => Err(e).with_context(|| format!("cannot convert {}", input.display())),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Decodes everything into `output` through a temporary file renamed at the end, so a failed
/// conversion never leaves a half-written WAV behind. Returns the sample frames written.
pub(crate) fn convert(decoder: &mut dyn Decoder, output: &Path) -> anyhow::Result<u64> {
    let temp = temp_beside(output, ".wav")?;
    let mut writer = WavWriter::new(
        BufWriter::with_capacity(256 * 1024, temp.as_file()),
        decoder.sample_rate(),
        decoder.channels(),
    )?;
    let mut block = Vec::with_capacity(16 * 1024);
    loop {
        block.clear();
        if !decoder.next_block(&mut block)? {
            break;
        }
        writer.write_samples(&block)?;
    }
    let frames = writer.finish()?;
    temp.persist(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(frames)
}

/// A streaming 16-bit PCM WAV writer: the sizes are patched into the header at the end.
pub(crate) struct WavWriter<W: Write + Seek> {
    out: W,
    channels: u16,
    data_bytes: u64,
    bytes: Vec<u8>,
}

impl<W: Write + Seek> WavWriter<W> {
    pub fn new(mut out: W, sample_rate: u32, channels: u16) -> anyhow::Result<Self> {
        if channels == 0 || sample_rate == 0 {
            bail!("the input has no channels or no sample rate");
        }
        let block_align = channels * 2;
        let mut h = Vec::with_capacity(44);
        h.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&sample_rate.to_le_bytes());
        h.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
        h.extend_from_slice(&block_align.to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(b"data\0\0\0\0");
        out.write_all(&h)?;
        Ok(Self {
            out,
            channels,
            data_bytes: 0,
            bytes: Vec::new(),
        })
    }

    pub fn write_samples(&mut self, samples: &[i16]) -> anyhow::Result<()> {
        let len = samples.len() as u64 * 2;
        // RIFF sizes are 32-bit: the whole file must stay below 4 GiB.
        if 36 + self.data_bytes + len > u64::from(u32::MAX) {
            bail!("the output would exceed the 4 GiB limit of a WAV file");
        }
        self.bytes.clear();
        self.bytes
            .extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        self.out.write_all(&self.bytes)?;
        self.data_bytes += len;
        Ok(())
    }

    /// Patches the header; returns the sample frames written.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        let data = u32::try_from(self.data_bytes).context("WAV data too large")?;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&(36 + data).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(40))?;
        self.out.write_all(&data.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.data_bytes / (2 * u64::from(self.channels)))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn args(input: &Path, output: &Path) -> ConvertArgs {
        ConvertArgs {
            files: vec![input.to_path_buf(), output.to_path_buf()],
            output_dir: None,
            mode: None,
            format: None,
        }
    }

    #[test]
    fn writes_a_canonical_header_and_patches_sizes() {
        let mut w = WavWriter::new(Cursor::new(Vec::new()), 44100, 2).unwrap();
        w.write_samples(&[1, -1, 2, -2]).unwrap();
        w.write_samples(&[3, -3]).unwrap();
        let frames = w.finish().unwrap();
        assert_eq!(frames, 3);
    }

    #[test]
    fn converts_a_pcm_wav_and_refuses_others() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wav");
        let mut wav = Vec::new();
        let samples: Vec<i16> = (0..1000).map(|i| (i * 31 % 2000 - 1000) as i16).collect();
        {
            let mut w = WavWriter::new(Cursor::new(&mut wav), 8000, 1).unwrap();
            w.write_samples(&samples).unwrap();
            w.finish().unwrap();
        }
        std::fs::write(&input, &wav).unwrap();
        let output = dir.path().join("out.wav");
        assert_eq!(run(&args(&input, &output)).unwrap(), 0);
        assert_eq!(std::fs::read(&output).unwrap(), wav);

        let junk = dir.path().join("x.flac");
        std::fs::write(&junk, b"fLaC\0\0\0\x22 not really").unwrap();
        let err = run(&args(&junk, &dir.path().join("y.wav"))).unwrap_err();
        assert!(format!("{err:#}").contains("x.flac"), "{err:#}");
        assert!(!dir.path().join("y.wav").exists());

        let err = run(&args(&input, &input)).unwrap_err();
        assert!(format!("{err:#}").contains("overwrite"), "{err:#}");
    }

    #[test]
    fn converts_a_flac_through_symphonia() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("tune.flac");
        let pcm = crate::demo::melody(7, 0.5, 22050, 2);
        crate::demo::write_flac(&input, &pcm).unwrap();
        let output = dir.path().join("tune.wav");
        run(&args(&input, &output)).unwrap();
        let wav = std::fs::read(&output).unwrap();
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 22050);
        let samples: Vec<i16> = wav[44..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(samples, pcm.samples, "FLAC is lossless");
    }

    #[test]
    fn protected_input_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("drm.oma");
        let mut h = vec![0u8; 96];
        h[..4].copy_from_slice(b"EA3\x01");
        h[4..6].copy_from_slice(&96u16.to_be_bytes());
        h[6..8].copy_from_slice(&1u16.to_be_bytes());
        h[33..36].copy_from_slice(&[0x00, 0x20, 0x30]);
        h.extend(vec![0u8; 384]);
        std::fs::write(&input, h).unwrap();
        let err = run(&args(&input, &dir.path().join("out.wav"))).unwrap_err();
        assert!(format!("{err:#}").contains("drm.oma"), "{err:#}");
        let err = run(&args(&input, &dir.path().join("out.oma"))).unwrap_err();
        assert!(format!("{err:#}").contains("drm.oma"), "{err:#}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing written"
        );
        assert!(
            format!("{err:#}").contains("protected by OpenMG DRM"),
            "{err:#}"
        );
    }
}
