//! Small WAV files written on the fly, optionally tagged with lofty.

use std::path::{Path, PathBuf};

use lofty::config::WriteOptions;
use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};

pub const SAMPLE_RATE: u32 = 8000;

/// A mono 16-bit PCM WAV: the 44-byte RIFF header and `samples` samples of a ramp.
pub fn wav_bytes(samples: u32) -> Vec<u8> {
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        out.extend_from_slice(&((i % 256) as i16 * 64).to_le_bytes());
    }
    out
}

/// Writes a half-second WAV at `dir/name`, creating folders.
pub fn write_wav(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, wav_bytes(SAMPLE_RATE / 2)).unwrap();
    path
}

#[derive(Debug, Default, Clone)]
pub struct Tags<'a> {
    pub title: Option<&'a str>,
    pub artist: Option<&'a str>,
    pub album: Option<&'a str>,
    pub album_artist: Option<&'a str>,
    pub track: Option<u32>,
    pub disc: Option<u32>,
    pub date: Option<&'a str>,
    pub genre: Option<&'a str>,
}

/// Replaces the ID3v2 tag of a WAV file.
pub fn tag_file(path: &Path, tags: &Tags<'_>) {
    let mut tag = Tag::new(TagType::Id3v2);
    if let Some(v) = tags.title {
        tag.set_title(v.to_string());
    }
    if let Some(v) = tags.artist {
        tag.set_artist(v.to_string());
    }
    if let Some(v) = tags.album {
        tag.set_album(v.to_string());
    }
    if let Some(v) = tags.album_artist {
        tag.insert_text(ItemKey::AlbumArtist, v.to_string());
    }
    if let Some(v) = tags.track {
        tag.set_track(v);
    }
    if let Some(v) = tags.disc {
        tag.set_disk(v);
    }
    if let Some(v) = tags.date {
        tag.insert_text(ItemKey::RecordingDate, v.to_string());
    }
    if let Some(v) = tags.genre {
        tag.set_genre(v.to_string());
    }
    tag.save_to_path(path, WriteOptions::default()).unwrap();
}

/// A tagged WAV in one call.
pub fn tagged_wav(dir: &Path, name: &str, tags: &Tags<'_>) -> PathBuf {
    let path = write_wav(dir, name);
    tag_file(&path, tags);
    path
}
