//! 16-bit PCM WAV files, for tests and benchmarks of the send path.

use std::io;
use std::path::Path;

use super::pcm::Pcm;

pub fn write_wav(path: &Path, pcm: &Pcm) -> io::Result<()> {
    let too_long = || io::Error::other("too much audio for a WAV file");
    let data_len = u32::try_from(pcm.samples.len() * 2).map_err(|_| too_long())?;
    let block = pcm.channels * 2;
    let mut w = Vec::with_capacity(44 + data_len as usize);
    w.extend(b"RIFF");
    w.extend(data_len.checked_add(36).ok_or_else(too_long)?.to_le_bytes());
    w.extend(b"WAVEfmt ");
    w.extend(16u32.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(pcm.channels.to_le_bytes());
    w.extend(pcm.sample_rate.to_le_bytes());
    w.extend((pcm.sample_rate * u32::from(block)).to_le_bytes());
    w.extend(block.to_le_bytes());
    w.extend(16u16.to_le_bytes());
    w.extend(b"data");
    w.extend(data_len.to_le_bytes());
    for s in &pcm.samples {
        w.extend(s.to_le_bytes());
    }
    std::fs::write(path, w)
}
