//! A track written out in its own bits: ATRAC3 and ATRAC3plus as OpenMG (`.oma`), PCM as
//! WAVE (`.wav`), MP3 as it was sent (`.mp3`), each with the disc's title, artist and album.
//! Nothing is re-encoded.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::codec::{AudioFormat, CodecInfo};
use crate::disc::Disc;
use crate::error::HimdError;
use crate::volume::DiscFiles;

pub const EA3_HEADER_BYTES: usize = 96;
const WAV_HEADER_BYTES: usize = 44;

/// The EA3 header of an unencrypted OpenMG stream with this codec: the codec id and its
/// first three info bytes, as the disc's entry holds them.
pub fn ea3_header(codec: CodecInfo) -> [u8; EA3_HEADER_BYTES] {
    let mut h = [0u8; EA3_HEADER_BYTES];
    h[..4].copy_from_slice(b"EA3\x01");
    h[4..6].copy_from_slice(&(EA3_HEADER_BYTES as u16).to_be_bytes());
    // 0xFFFF: not encrypted.
    h[6..8].copy_from_slice(&[0xFF, 0xFF]);
    h[32] = codec.id;
    h[33..36].copy_from_slice(&codec.info[..3]);
    h
}

/// The 44-byte header of a 16-bit stereo 44.1 kHz WAVE file holding `data_len` bytes.
pub fn wav_header(data_len: u32) -> [u8; WAV_HEADER_BYTES] {
    const RATE: u32 = 44_100;
    const CHANNELS: u16 = 2;
    const BITS: u16 = 16;
    let mut h = [0u8; WAV_HEADER_BYTES];
    h[..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_len.saturating_add(36).to_le_bytes());
    h[8..16].copy_from_slice(b"WAVEfmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes());
    h[22..24].copy_from_slice(&CHANNELS.to_le_bytes());
    h[24..28].copy_from_slice(&RATE.to_le_bytes());
    let block = CHANNELS * BITS / 8;
    h[28..32].copy_from_slice(&(RATE * u32::from(block)).to_le_bytes());
    h[32..34].copy_from_slice(&block.to_le_bytes());
    h[34..36].copy_from_slice(&BITS.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// An ID3v2.3 tag with title, artist and album in UTF-16; empty when there is nothing to say.
pub fn id3_tag(title: Option<&str>, artist: Option<&str>, album: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    for (id, text) in [(b"TIT2", title), (b"TPE1", artist), (b"TALB", album)] {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            continue;
        };
        // Encoding 1: UTF-16 with a byte-order mark.
        let mut value = vec![1u8, 0xFF, 0xFE];
        value.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        body.extend_from_slice(id);
        body.extend_from_slice(&(value.len() as u32).to_be_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend(value);
    }
    if body.is_empty() {
        return body;
    }
    let size = body.len() as u32;
    let mut tag = b"ID3\x03\x00\x00".to_vec();
    // The size is "synchsafe": seven bits a byte.
    tag.extend([21, 14, 7, 0].map(|shift| ((size >> shift) & 0x7F) as u8));
    tag.extend(body);
    tag
}

/// Swaps each 16-bit sample's bytes on the way through: the disc's PCM is big-endian,
/// WAVE's little-endian.
struct SwapBytes<W: Write> {
    inner: W,
    odd: Option<u8>,
}

impl<W: Write> Write for SwapBytes<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = Vec::with_capacity(buf.len() + 1);
        bytes.extend(self.odd.take());
        bytes.extend_from_slice(buf);
        if bytes.len() % 2 == 1 {
            self.odd = bytes.pop();
        }
        for pair in bytes.chunks_exact_mut(2) {
            pair.swap(0, 1);
        }
        self.inner.write_all(&bytes)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What [`export_track`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub format: AudioFormat,
    /// Bytes of audio, headers and tags not counted.
    pub audio_bytes: u64,
}

/// Writes track `number` (from 1) to `path` in its own format. The file appears only whole:
/// it is written beside `path` under a temporary name and renamed at the end.
pub fn export_track<F: DiscFiles>(
    disc: &mut Disc<F>,
    number: usize,
    path: &Path,
) -> Result<Exported, HimdError> {
    let track = disc.track(number)?;
    let format = track
        .format
        .ok_or(HimdError::UnknownCodec(track.codec.id))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".himd-receive-")
        .tempfile_in(dir)?;
    let mut out = BufWriter::new(temp.as_file().try_clone()?);
    let audio_bytes = match format {
        AudioFormat::Atrac3 | AudioFormat::Atrac3Plus => {
            out.write_all(&ea3_header(track.codec))?;
            disc.read_audio(number, &mut out)?
        }
        AudioFormat::Lpcm => {
            out.write_all(&wav_header(0))?;
            let mut swap = SwapBytes {
                inner: &mut out,
                odd: None,
            };
            let n = disc.read_audio(number, &mut swap)?;
            let len = u32::try_from(n)
                .map_err(|_| HimdError::damaged("ATDATA", "a PCM track longer than 4 GiB"))?;
            out.seek(SeekFrom::Start(0))?;
            out.write_all(&wav_header(len))?;
            n
        }
        AudioFormat::Mpeg => {
            out.write_all(&id3_tag(
                track.title.as_deref(),
                track.artist.as_deref(),
                track.album.as_deref(),
            ))?;
            disc.read_audio(number, &mut out)?
        }
    };
    out.flush()?;
    drop(out);
    if matches!(format, AudioFormat::Atrac3 | AudioFormat::Atrac3Plus) {
        let update = atrac::TagUpdate {
            title: track.title.clone(),
            artist: track.artist.clone(),
            album: track.album.clone(),
            ..atrac::TagUpdate::default()
        };
        atrac::write_oma_tags(temp.path(), &update)
            .map_err(|e| HimdError::FileSystem(format!("tagging the received file: {e}")))?;
    }
    temp.persist(path).map_err(|e| HimdError::Io(e.error))?;
    Ok(Exported {
        format,
        audio_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_sizes() {
        let h = wav_header(1000);
        assert_eq!(&h[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 1036);
        assert_eq!(u32::from_le_bytes([h[40], h[41], h[42], h[43]]), 1000);
    }

    #[test]
    fn id3_tag_holds_the_fields_given() {
        assert!(id3_tag(None, Some(""), None).is_empty());
        let tag = id3_tag(Some("Siesta"), None, Some("Guide"));
        assert_eq!(&tag[..3], b"ID3");
        let size = tag[6..10]
            .iter()
            .fold(0usize, |s, &b| s << 7 | usize::from(b));
        assert_eq!(size + 10, tag.len());
        assert!(tag.windows(4).any(|w| w == b"TIT2"));
        assert!(!tag.windows(4).any(|w| w == b"TPE1"));
    }

    #[test]
    fn swapping_survives_odd_writes() {
        let mut out = Vec::new();
        {
            let mut s = SwapBytes {
                inner: &mut out,
                odd: None,
            };
            s.write_all(&[1, 2, 3]).unwrap();
            s.write_all(&[4, 5, 6]).unwrap();
        }
        assert_eq!(out, [2, 1, 4, 3, 6, 5]);
    }
}
