//! Just enough RIFF parsing to recognise a WAV file without samples, which lofty refuses but
//! which is a valid (silent, zero-length) track.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Bounds the walk over chunks so that a hostile file cannot keep us busy.
const MAX_CHUNKS: usize = 256;

/// True when `path` is a RIFF/WAVE file with a `fmt ` chunk and an empty `data` chunk.
pub(crate) fn has_empty_data_chunk(path: &Path) -> bool {
    File::open(path)
        .ok()
        .and_then(|file| empty_data(BufReader::new(file)))
        .unwrap_or(false)
}

fn empty_data(mut reader: impl Read + Seek) -> Option<bool> {
    let mut header = [0u8; 12];
    reader.read_exact(&mut header).ok()?;
    if &header[0..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return Some(false);
    }
    let mut seen_fmt = false;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        reader.read_exact(&mut chunk).ok()?;
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        match &chunk[0..4] {
            b"data" => return Some(seen_fmt && size == 0),
            b"fmt " => seen_fmt = size >= 16,
            _ => {}
        }
        // Chunks are padded to an even length.
        let skip = i64::from(size) + i64::from(size % 2);
        reader.seek(SeekFrom::Current(skip)).ok()?;
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::tests::fixtures::wav_bytes;

    #[test]
    fn recognises_only_empty_wavs() {
        assert_eq!(empty_data(Cursor::new(wav_bytes(0))), Some(true));
        assert_eq!(empty_data(Cursor::new(wav_bytes(10))), Some(false));
        assert_eq!(
            empty_data(Cursor::new(b"RIFF....WAVEdata\0\0\0\0".to_vec())),
            Some(false),
            "no fmt"
        );
        assert_eq!(
            empty_data(Cursor::new(b"not a wav at all".to_vec())),
            Some(false)
        );
        assert_eq!(empty_data(Cursor::new(b"RIFF".to_vec())), None);
    }
}
