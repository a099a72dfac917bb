//! A disc read whole: the current generation's track index and MAC list, its listing, and
//! the audio of a track as the disc holds it (decrypted, unscrambled, never re-encoded).

use std::io::Write;

use crate::block::{AUDIO_BYTES, AudioBlock, BLOCK_BYTES};
use crate::codec::{AudioFormat, CodecInfo};
use crate::error::HimdError;
use crate::generation::{DiscFile, audio_generations};
use crate::keys;
use crate::mac_list::MacList;
use crate::track_index::{CHUNK_SLOTS, CHUNK_TEXT, ChunkKind, Fragment, TrackIndex};
use crate::volume::{DiscFiles, Space};

/// Which copy of the track index to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexChoice {
    /// `TRKIDXnn`, the current one.
    #[default]
    Current,
    /// The device's backup `_RKIDXnn`, when the current one is damaged.
    Backup,
}

/// A disc opened for reading.
pub struct Disc<F: DiscFiles> {
    pub(crate) files: F,
    pub(crate) generation: u8,
    pub(crate) index_file: String,
    pub(crate) index: TrackIndex,
    pub(crate) mac_list: MacList,
    /// Set when the last write took effect but was not signed or tidied.
    pub(crate) unsigned: Option<String>,
}

/// The texts of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    Artist,
    Album,
}

/// A track as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackListing {
    /// The play position, from 1.
    pub number: usize,
    /// The slot in the track index.
    pub slot: u16,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// `None` for a codec id no unit writes.
    pub format: Option<AudioFormat>,
    pub codec: CodecInfo,
    pub kbps: u32,
    pub sample_rate: u32,
    pub channels: u16,
    /// The length: from the frames for ATRAC and PCM, from the entry's seconds for MP3.
    pub duration_ms: u64,
    /// The length in whole seconds as the entry holds it (what units display).
    pub seconds: u16,
    /// Audio blocks the track takes.
    pub blocks: u32,
}

/// A group: a name over a run of play positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    pub title: Option<String>,
    /// First and last play positions, from 1, inclusive.
    pub first: usize,
    pub last: usize,
}

/// Everything a device pane shows about a disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscListing {
    pub title: Option<String>,
    pub disc_id: [u8; 16],
    pub generation: u32,
    pub tracks: Vec<TrackListing>,
    pub groups: Vec<GroupListing>,
    /// Bytes of the audio blocks the tracks use.
    pub audio_bytes: u64,
    /// The volume's size and free space, when known (a mounted folder does not say).
    pub space: Option<Space>,
    /// Title bytes left in the free string chunks.
    pub title_bytes_left: usize,
}

impl<F: DiscFiles> Disc<F> {
    /// Opens the current generation. A damaged track index is an error that names the
    /// device's backup when that one reads; [`Disc::open_with`] can then take it.
    pub fn open(files: F) -> Result<Self, HimdError> {
        Self::open_with(files, IndexChoice::Current)
    }

    pub fn open_with(mut files: F, choice: IndexChoice) -> Result<Self, HimdError> {
        let names = files.list()?;
        let generation = Self::current_generation(&mut files, &names)?;
        let mac_name = DiscFile::MacList.name(generation);
        let mac_list = MacList::parse(&mac_name, &files.read(&mac_name)?)?;
        let current = DiscFile::TrackIndex.name(generation);
        let (index_file, index) = match choice {
            IndexChoice::Current => match read_index(&mut files, &current) {
                Ok(index) => (current, index),
                Err(HimdError::DamagedTrackIndex { file, reason, .. }) => {
                    let backup = find_backup(&mut files, &names, generation).map(|(name, _)| name);
                    return Err(HimdError::DamagedTrackIndex {
                        file,
                        reason,
                        backup,
                    });
                }
                Err(e) => return Err(e),
            },
            IndexChoice::Backup => {
                find_backup(&mut files, &names, generation).ok_or_else(|| {
                    HimdError::NotHimd("no readable backup of the track index on the disc".into())
                })?
            }
        };
        Ok(Self {
            files,
            generation,
            index_file,
            index,
            mac_list,
            unsigned: None,
        })
    }

    /// The generation whose `ATDATA` is present; with several, the one whose MAC list holds
    /// the highest generation number.
    fn current_generation(files: &mut F, names: &[String]) -> Result<u8, HimdError> {
        let candidates = audio_generations(names.iter().map(String::as_str));
        match candidates.as_slice() {
            [] => Err(HimdError::NotHimd("no ATDATAnn.HMA in HMDHIFI".into())),
            [only] => Ok(*only),
            many => {
                let mut best = None;
                for &nn in many {
                    let name = DiscFile::MacList.name(nn);
                    let Ok(bytes) = files.read(&name) else {
                        continue;
                    };
                    let Ok(list) = MacList::parse(&name, &bytes) else {
                        continue;
                    };
                    if best.is_none_or(|(g, _)| list.generation() > g) {
                        best = Some((list.generation(), nn));
                    }
                }
                best.map(|(_, nn)| nn).ok_or_else(|| {
                    HimdError::NotHimd("no generation has a readable MAC list".into())
                })
            }
        }
    }

    pub fn index(&self) -> &TrackIndex {
        &self.index
    }

    pub fn mac_list(&self) -> &MacList {
        &self.mac_list
    }

    /// The generation mod 16, as in the file names.
    pub fn generation(&self) -> u8 {
        self.generation
    }

    /// The file the track index was read from.
    pub fn index_file(&self) -> &str {
        &self.index_file
    }

    pub fn files(&mut self) -> &mut F {
        &mut self.files
    }

    pub fn into_files(self) -> F {
        self.files
    }

    pub fn track_count(&self) -> usize {
        self.index.play_order.len()
    }

    /// The track at play position `number` (from 1).
    pub fn track(&self, number: usize) -> Result<TrackListing, HimdError> {
        let slot = number
            .checked_sub(1)
            .and_then(|p| self.index.slot_at(p))
            .ok_or(HimdError::NoSuchTrack(number))?;
        let entry = self
            .index
            .track(slot)
            .ok_or(HimdError::NoSuchTrack(number))?;
        let fragments = self.index.fragment_chain(slot)?;
        let codec = entry.codec;
        let format = codec.format();
        let duration_ms = match format {
            Some(AudioFormat::Mpeg) | None => u64::from(entry.seconds) * 1000,
            Some(_) => codec.frames_to_ms(frame_count(codec, &fragments)),
        };
        Ok(TrackListing {
            number,
            slot,
            title: self.index.string(entry.title),
            artist: self.index.string(entry.artist),
            album: self.index.string(entry.album),
            format,
            codec,
            kbps: codec.kbps(),
            sample_rate: codec.sample_rate(),
            channels: codec.channels(),
            duration_ms,
            seconds: entry.seconds,
            blocks: fragments.iter().map(Fragment::blocks).sum(),
        })
    }

    pub fn listing(&mut self) -> Result<DiscListing, HimdError> {
        let tracks = (1..=self.track_count())
            .map(|n| self.track(n))
            .collect::<Result<Vec<_>, _>>()?;
        let groups = self
            .index
            .used_groups()
            .skip(1)
            .map(|g| GroupListing {
                title: self.index.string(g.title),
                first: usize::from(g.first),
                last: usize::from(g.last),
            })
            .collect();
        let audio_bytes = tracks
            .iter()
            .map(|t| u64::from(t.blocks) * BLOCK_BYTES as u64)
            .sum();
        let free_chunks = (CHUNK_SLOTS - 1).saturating_sub(self.index.used_chunks());
        Ok(DiscListing {
            title: self.index.disc_title(),
            disc_id: self.mac_list.disc_id(),
            generation: self.mac_list.generation(),
            tracks,
            groups,
            audio_bytes,
            space: self.files.space()?,
            // The encoding marker takes one byte of a title's first chunk.
            title_bytes_left: (free_chunks * CHUNK_TEXT).saturating_sub(1),
        })
    }

    /// Sets a text of track `number` (from 1); an empty text removes it. Renames need no
    /// session: the MACs do not cover titles. Written at once.
    pub fn set_track_text(
        &mut self,
        number: usize,
        field: TextField,
        text: &str,
    ) -> Result<(), HimdError> {
        let slot = number
            .checked_sub(1)
            .and_then(|p| self.index.slot_at(p))
            .ok_or(HimdError::NoSuchTrack(number))?;
        let mut index = self.index.clone();
        let entry = &mut index.tracks[usize::from(slot)];
        let (mut head, kind) = match field {
            TextField::Title => (entry.title, ChunkKind::Title),
            TextField::Artist => (entry.artist, ChunkKind::Artist),
            TextField::Album => (entry.album, ChunkKind::Album),
        };
        index.replace_string(&mut head, kind, text)?;
        let entry = &mut index.tracks[usize::from(slot)];
        match field {
            TextField::Title => entry.title = head,
            TextField::Artist => entry.artist = head,
            TextField::Album => entry.album = head,
        }
        self.save_index(index)
    }

    /// Sets the disc title (group 0's name); empty removes it.
    pub fn set_disc_title(&mut self, text: &str) -> Result<(), HimdError> {
        let mut index = self.index.clone();
        let mut head = index.groups[0].title;
        index.replace_string(&mut head, ChunkKind::Group, text)?;
        index.groups[0].title = head;
        self.save_index(index)
    }

    /// Writes `index` over the track index file in place, then keeps it.
    /// An index read from the device's backup goes to the current file, which it repairs.
    pub(crate) fn save_index(&mut self, index: TrackIndex) -> Result<(), HimdError> {
        let name = DiscFile::TrackIndex.name(self.generation);
        self.files.overwrite(&name, &index.to_bytes())?;
        self.index = index;
        self.index_file = name;
        // The change is made; a backup that cannot follow it is a warning, not a failure.
        if let Err(e) = self.write_index_backup() {
            self.unsigned = Some(format!(
                "the change is made, but the track index's backup was not ({e})"
            ));
        }
        Ok(())
    }

    /// The track MAC that the key in the entry gives; equal to the entry's and the MAC
    /// list's on a disc whose integrity holds (0 for MP3, which is not signed).
    pub fn computed_mac(&self, slot: u16) -> Result<[u8; 8], HimdError> {
        let entry = self
            .index
            .track(slot)
            .ok_or(HimdError::NoSuchTrack(usize::from(slot)))?;
        if entry.codec.format() == Some(AudioFormat::Mpeg) {
            return Ok([0; 8]);
        }
        let key = keys::unwrap_track_key(entry.key);
        let bytes = entry.to_bytes();
        Ok(keys::track_mac(
            key,
            &bytes[crate::track_index::MAC_COVERS],
        )?)
    }

    /// Writes the audio of track `number` (from 1) as the disc holds it: ATRAC frames,
    /// big-endian PCM, or the MP3 bytes. Returns the bytes written.
    pub fn read_audio(&mut self, number: usize, out: &mut dyn Write) -> Result<u64, HimdError> {
        let track = self.track(number)?;
        let entry = self
            .index
            .track(track.slot)
            .ok_or(HimdError::NoSuchTrack(number))?
            .clone();
        let fragments = self.index.fragment_chain(track.slot)?;
        let atdata = DiscFile::AudioData.name(self.generation);
        let format = entry
            .codec
            .format()
            .ok_or(HimdError::UnknownCodec(entry.codec.id))?;
        let mut raw = vec![0u8; BLOCK_BYTES];
        let mut written = 0u64;
        let track_key = keys::unwrap_track_key(entry.key);
        let mp3_key = keys::mp3_key(track.slot, &self.mac_list.disc_id());
        let frame = entry.codec.frame_bytes() as usize;
        let per_block = entry.codec.frames_per_block() as usize;
        for fragment in &fragments {
            let fragment_key = keys::fragment_key(track_key, fragment.key);
            for b in fragment.first_block..=fragment.last_block {
                self.files
                    .read_at(&atdata, u64::from(b) * BLOCK_BYTES as u64, &mut raw)?;
                let mut block = AudioBlock::parse(
                    raw.as_slice()
                        .try_into()
                        .map_err(|_| HimdError::damaged(&atdata, "short block"))?,
                );
                let first = if b == fragment.first_block {
                    usize::from(fragment.first_frame)
                } else {
                    0
                };
                let bytes = if format == AudioFormat::Mpeg {
                    let frames = usize::from(block.frames);
                    // SonicStage stores the last frame's index here and himd-js the frame
                    // count; reading it as an index and clamping serves both.
                    let last = if b == fragment.last_block {
                        (usize::from(fragment.last_frame) + 1).min(frames)
                    } else {
                        frames
                    };
                    let len = usize::from(block.data_len);
                    if len > AUDIO_BYTES || last > frames || first > last {
                        return Err(HimdError::damaged(
                            &atdata,
                            format!("MP3 block {b} holds {len} bytes in {frames} frames"),
                        ));
                    }
                    keys::scramble_mp3(mp3_key, &mut block.audio, len);
                    let data = &block.audio[..len];
                    if first == 0 && last == frames {
                        data
                    } else {
                        crate::mp3::frames_between(data, first, last).ok_or_else(|| {
                            HimdError::damaged(&atdata, format!("MP3 block {b} has broken frames"))
                        })?
                    }
                } else {
                    let last = if b == fragment.last_block {
                        usize::from(fragment.last_frame)
                    } else {
                        per_block.saturating_sub(1)
                    };
                    if frame == 0 || first > last || (last + 1) * frame > AUDIO_BYTES {
                        return Err(HimdError::damaged(
                            &atdata,
                            format!("block {b} asks for frames {first}..={last} of {frame} bytes"),
                        ));
                    }
                    let key = keys::block_key(fragment_key, block.key);
                    keys::decrypt_audio(key, block.iv, &mut block.audio)?;
                    &block.audio[first * frame..(last + 1) * frame]
                };
                out.write_all(bytes)?;
                written += bytes.len() as u64;
            }
        }
        Ok(written)
    }
}

fn read_index<F: DiscFiles>(files: &mut F, name: &str) -> Result<TrackIndex, HimdError> {
    let bytes = files.read(name).map_err(|e| HimdError::DamagedTrackIndex {
        file: name.to_string(),
        reason: e.to_string(),
        backup: None,
    })?;
    TrackIndex::parse(name, &bytes)
}

/// The device's backup of the track index that reads: the one named for this generation
/// first, then any other.
fn find_backup<F: DiscFiles>(
    files: &mut F,
    names: &[String],
    generation: u8,
) -> Option<(String, TrackIndex)> {
    let own = crate::index_backup::backup_name(generation);
    let mut candidates: Vec<&String> = names
        .iter()
        .filter(|n| DiscFile::TrackIndexBackup.generation_of(n).is_some())
        .collect();
    candidates.sort_by_key(|n| !n.eq_ignore_ascii_case(&own));
    candidates
        .into_iter()
        .find_map(|name| read_index(files, name).ok().map(|i| (name.clone(), i)))
}

/// Frames of a track over its fragments (ATRAC and PCM, whose blocks are full but for the
/// ends of each fragment).
fn frame_count(codec: CodecInfo, fragments: &[Fragment]) -> u64 {
    let per_block = u64::from(codec.frames_per_block());
    fragments
        .iter()
        .map(|f| {
            let blocks = u64::from(f.blocks());
            (blocks * per_block)
                .saturating_sub(u64::from(f.first_frame))
                .saturating_sub(per_block.saturating_sub(u64::from(f.last_frame) + 1))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_count_the_partial_ends_of_fragments() {
        let codec = CodecInfo::atrac3(192, true);
        let f = Fragment {
            first_block: 88,
            last_block: 91,
            first_frame: 0,
            last_frame: 68,
            ..Fragment::default()
        };
        assert_eq!(frame_count(codec, &[f]), 84 * 3 + 69);
    }
}
