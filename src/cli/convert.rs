//! `ministage convert INPUT OUTPUT.wav`: decodes any file ministage can play (ATRAC through
//! the in-crate decoders, the common formats through symphonia) to a 16-bit PCM WAV at its
//! native rate and channel count, streaming (memory stays constant whatever the length).

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use atrac::{CodecError, Decoder};
use media::player;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The file to decode: anything ministage plays (ATRAC3/ATRAC1 in OMA, AT3 or AEA, MP3,
    /// FLAC, Ogg Vorbis, WAV, AAC/ALAC).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The WAV file to write (16-bit PCM; replaced if it exists).
    #[arg(value_name = "OUTPUT")]
    pub output: PathBuf,
}

/// Exit 0 on success; failures are errors (exit 2) with the reason.
pub fn run(args: &ConvertArgs) -> anyhow::Result<i32> {
    let input = &args.input;
    if same_file(input, &args.output) {
        bail!("{}: the output would overwrite the input", input.display());
    }
    let mut decoder = open(input)?;
    let frames = convert(decoder.as_mut(), &args.output)
        .with_context(|| format!("could not convert {}", input.display()))?;
    tracing::info!(
        input = %input.display(),
        output = %args.output.display(),
        frames,
        "convert: done"
    );
    Ok(0)
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
fn convert(decoder: &mut dyn Decoder, output: &Path) -> anyhow::Result<u64> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".ministage-convert-")
        .suffix(".wav")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
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
        let args = ConvertArgs {
            input: input.clone(),
            output: output.clone(),
        };
        assert_eq!(run(&args).unwrap(), 0);
        assert_eq!(std::fs::read(&output).unwrap(), wav);

        let junk = dir.path().join("x.flac");
        std::fs::write(&junk, b"fLaC\0\0\0\x22 not really").unwrap();
        let err = run(&ConvertArgs {
            input: junk,
            output: dir.path().join("y.wav"),
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("x.flac"), "{err:#}");
        assert!(!dir.path().join("y.wav").exists());

        let err = run(&ConvertArgs {
            input: input.clone(),
            output: input,
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("overwrite"), "{err:#}");
    }

    #[test]
    fn converts_a_flac_through_symphonia() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("tune.flac");
        let pcm = crate::demo::melody(7, 0.5, 22050, 2);
        crate::demo::write_flac(&input, &pcm).unwrap();
        let output = dir.path().join("tune.wav");
        run(&ConvertArgs {
            input,
            output: output.clone(),
        })
        .unwrap();
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
        let err = run(&ConvertArgs {
            input,
            output: dir.path().join("out.wav"),
        })
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("protected by OpenMG DRM"),
            "{err:#}"
        );
    }
}
