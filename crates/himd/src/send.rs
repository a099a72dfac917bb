//! Adding a track: its audio cut into `ATDATA` blocks (ATRAC and PCM encrypted under a new
//! track key, MP3 scrambled), a fragment, a track entry with its MAC, its titles and a place
//! at the end of the play order. Room is checked before anything is written. The audio is
//! read, sealed and appended a batch of blocks at a time (`track_audio`),
//! and a write that fails part-way cuts `ATDATA` back to where it was.

use std::io::{self, Cursor, Write};

use netmd::crypto::Entropy;

use crate::block::{
    AUDIO_BYTES, AudioBlock, BLOCK_BYTES, KIND_ATRAC3, KIND_ATRAC3PLUS, KIND_LPCM, KIND_MPEG,
};
use crate::codec::{AudioFormat, CodecInfo};
use crate::commit::IcvSigner;
use crate::disc::Disc;
use crate::error::HimdError;
use crate::generation::DiscFile;
use crate::keys::{self, EKB_ID};
use crate::track_audio::BlockSource;
pub use crate::track_audio::{NewAudio, ReadSeek, StreamedAudio};
use crate::track_index::{
    CHUNK_SLOTS, CHUNK_TEXT, ChunkKind, Fragment, MAC_COVERS, MAX_TRACKS, TrackEntry, TrackIndex,
};
use crate::volume::{CLUSTER_BYTES, DiscFiles};

/// The content id himd-js gives every ATRAC and PCM track it sends.
const CONTENT_ID: [u8; 20] = [
    0x01, 0x0F, 0x50, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x15, 0x6D, 0x5F, 0x38, 0x2D, 0x30, 0xD3,
    0x69, 0x0D, 0xAE, 0xA6,
];
/// The start of an MP3 track's content id; the rest is random.
const MP3_CONTENT_ID: [u8; 4] = [0x02, 0x03, 0x00, 0x00];
const M_CODE: u16 = 3;
const M_CODE_LPCM: u16 = 0x0124;
/// Blocks gathered before they are appended: few enough writes that they are cheap, few
/// enough bytes that a send takes a megabyte or two however long the track.
const BATCH_BLOCKS: usize = 64;

/// The titles of a new track; empty ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackTexts {
    pub title: String,
    pub artist: String,
    pub album: String,
}

/// The track entry fields that depend on the codec (fact sheet §1).
fn new_entry(format: AudioFormat, codec: CodecInfo, seconds: u64, slot: u16) -> TrackEntry {
    let mpeg = format == AudioFormat::Mpeg;
    TrackEntry {
        ekb: if mpeg { 0 } else { EKB_ID },
        track_in_album: u8::from(mpeg),
        codec,
        track_number: slot,
        seconds: u16::try_from(seconds).unwrap_or(u16::MAX),
        lt: if mpeg { 0x10 } else { 1 },
        dest: u8::from(mpeg),
        content_id: CONTENT_ID,
        xcc: 1,
        cc: if mpeg { 0x40 } else { 0x44 },
        ..TrackEntry::default()
    }
}

/// What seals a track's blocks: its keys and the fields every block repeats.
struct Sealer {
    format: AudioFormat,
    fragment_key: [u8; 8],
    mp3_key: [u8; 4],
    content_low: u32,
}

impl Sealer {
    /// Block `serial` holding `data` (`frames` frames), encrypted or scrambled.
    fn seal(
        &self,
        serial: u32,
        data: &[u8],
        frames: u16,
        entropy: &mut dyn Entropy,
    ) -> Result<Box<[u8; BLOCK_BYTES]>, HimdError> {
        let mpeg = self.format == AudioFormat::Mpeg;
        let kind = match self.format {
            AudioFormat::Mpeg => KIND_MPEG,
            AudioFormat::Lpcm => KIND_LPCM,
            AudioFormat::Atrac3Plus => KIND_ATRAC3PLUS,
            AudioFormat::Atrac3 => KIND_ATRAC3,
        };
        let m_code = if self.format == AudioFormat::Lpcm {
            M_CODE_LPCM
        } else {
            M_CODE
        };
        let mut block = AudioBlock {
            kind,
            frames: if mpeg { frames } else { 0 },
            m_code,
            data_len: if mpeg { data.len() as u16 } else { 0 },
            reserved_0a: [0; 2],
            serial,
            key: [0; 8],
            iv: [0; 8],
            audio: data.to_vec(),
            backup_key: [0; 8],
            reserved_3fe8: [0; 8],
            backup_kind: kind,
            reserved_3ff4: [0; 2],
            backup_m_code: m_code,
            content_id_low: self.content_low,
            backup_serial: serial,
        };
        block.audio.resize(AUDIO_BYTES, 0);
        if mpeg {
            keys::scramble_mp3(self.mp3_key, &mut block.audio, data.len());
        } else {
            block.key = entropy.bytes8()?;
            block.backup_key = block.key;
            let key = keys::block_key(self.fragment_key, block.key);
            keys::encrypt_audio(key, block.iv, &mut block.audio)?;
        }
        Ok(block.to_bytes())
    }
}

impl<F: DiscFiles> Disc<F> {
    /// Adds a track held in memory at the end of the disc and returns its number. Nothing is
    /// written when the disc has no room for its audio, its entry or its titles.
    pub fn add_track(
        &mut self,
        audio: &NewAudio,
        texts: &TrackTexts,
        signer: &mut dyn IcvSigner,
        entropy: &mut dyn Entropy,
    ) -> Result<usize, HimdError> {
        let bytes: &[u8] = match audio {
            NewAudio::Atrac { frames, .. } => frames,
            NewAudio::Lpcm(samples) => samples,
            NewAudio::Mp3(_) => &[],
        };
        let mut cursor = Cursor::new(bytes);
        let source = BlockSource::of_memory(audio, &mut cursor);
        self.add_blocks(source, texts, signer, entropy)
    }

    /// [`Disc::add_track`] with ATRAC or PCM audio read from `audio` as it is written, so that
    /// the memory a send takes does not grow with the track.
    pub fn add_streamed(
        &mut self,
        audio: StreamedAudio<'_>,
        texts: &TrackTexts,
        signer: &mut dyn IcvSigner,
        entropy: &mut dyn Entropy,
    ) -> Result<usize, HimdError> {
        self.add_blocks(BlockSource::streamed(audio), texts, signer, entropy)
    }

    fn add_blocks(
        &mut self,
        mut source: BlockSource<'_>,
        texts: &TrackTexts,
        signer: &mut dyn IcvSigner,
        entropy: &mut dyn Entropy,
    ) -> Result<usize, HimdError> {
        let codec = source.codec();
        let format = codec.format().ok_or(HimdError::UnknownCodec(codec.id))?;
        let mut index = self.index.clone();
        let (slot, fragment_no) = free_entries(&index)?;
        check_title_room(&index, texts)?;

        let blocks = source.block_count()?;
        if let Some(number) = self.already_sent(codec, texts, &mut source, blocks)? {
            // The same track last on the disc: a retry of a send that took effect though
            // its caller saw it fail — unsigned, since nothing after the switch fails a
            // send — or, when the unit holds the disc's ICV, the same file sent again.
            let expected = self.icv_record()?;
            if signer.signed().ok().flatten() != Some(expected) {
                if let Err(e) = self.resign(signer) {
                    self.unsigned = Some(format!(
                        "the track was already on the disc; the unit did not take its \
                         signature ({e})"
                    ));
                }
                return Ok(number);
            }
        }
        source.rewind();
        let atdata = DiscFile::AudioData.name(self.generation);
        let old_len = self.files.len(&atdata)?;
        // A track starts on a cluster, so that deleting it frees every cluster it used.
        let align = match self.files.cluster_bytes()? {
            Some(c) if c > 0 && c.is_multiple_of(BLOCK_BYTES as u64) => c,
            _ => BLOCK_BYTES as u64,
        };
        let first_block = old_len.div_ceil(align) * align / BLOCK_BYTES as u64;
        let last_block = (first_block + blocks)
            .checked_sub(1)
            .and_then(|b| u16::try_from(b).ok())
            .ok_or_else(|| HimdError::NoRoom("the audio file has no more block numbers".into()))?;
        self.check_space(old_len, first_block, blocks)?;

        let mut entry = new_entry(format, codec, source.seconds(), slot);
        let mpeg = format == AudioFormat::Mpeg;
        let track_key = if mpeg { [0; 8] } else { entropy.bytes8()? };
        let fragment_key = if mpeg { [0; 8] } else { entropy.bytes8()? };
        if mpeg {
            entropy.fill(&mut entry.content_id[4..])?;
            entry.content_id[..4].copy_from_slice(&MP3_CONTENT_ID);
        } else {
            entry.key = keys::wrap_track_key(track_key);
            entry.mac = keys::track_mac(track_key, &entry.to_bytes()[MAC_COVERS])?;
        }
        let sealer = Sealer {
            format,
            fragment_key: keys::fragment_key(track_key, fragment_key),
            mp3_key: keys::mp3_key(slot, &self.mac_list.disc_id()),
            content_low: u32::from_be_bytes([
                entry.content_id[16],
                entry.content_id[17],
                entry.content_id[18],
                entry.content_id[19],
            ]),
        };
        let written =
            self.write_blocks(&atdata, old_len, first_block, &mut source, &sealer, entropy);
        let last_frames = match written {
            Ok(frames) => frames,
            Err(e) => {
                // Blocks no entry points at only waste room; take them back if the device
                // lets us.
                let _ = self.files.truncate(&atdata, old_len);
                return Err(e);
            }
        };

        let fragment = Fragment {
            key: fragment_key,
            first_block: first_block as u16,
            last_block,
            first_frame: 0,
            // MP3 keeps the frame count of the last block here, the others its last frame.
            last_frame: if mpeg {
                last_frames as u8
            } else {
                last_frames.saturating_sub(1) as u8
            },
            kind: 0,
            next: 0,
        };
        index.fragments[0].next = index.fragments[usize::from(fragment_no)].next;
        index.fragments[usize::from(fragment_no)] = fragment;
        entry.first_fragment = fragment_no;
        index.tracks[0].track_number = index.tracks[usize::from(slot)].track_number;
        for (text, kind, head) in [
            (&texts.title, ChunkKind::Title, &mut entry.title),
            (&texts.artist, ChunkKind::Artist, &mut entry.artist),
            (&texts.album, ChunkKind::Album, &mut entry.album),
        ] {
            if !text.is_empty() {
                *head = index.add_string(kind, text)?;
            }
        }
        let mut mac_list = self.mac_list.clone();
        mac_list.set_mac(slot, entry.mac);
        index.tracks[usize::from(slot)] = entry;
        index.play_order.push(slot);

        self.commit(index, mac_list, signer)?;
        Ok(self.index.play_order.len())
    }

    /// Appends the track's blocks to `atdata` (of `old_len` bytes) from block `first_block`,
    /// a batch at a time; returns the frames in the last block.
    fn write_blocks(
        &mut self,
        atdata: &str,
        old_len: u64,
        first_block: u64,
        source: &mut BlockSource<'_>,
        sealer: &Sealer,
        entropy: &mut dyn Entropy,
    ) -> Result<u16, HimdError> {
        // Whole blocks, padding the file first if it ends part-way through one.
        let pad = (first_block * BLOCK_BYTES as u64 - old_len) as usize;
        let mut batch = vec![0u8; pad];
        batch.reserve(BATCH_BLOCKS * BLOCK_BYTES);
        let mut data = Vec::with_capacity(AUDIO_BYTES);
        let mut serial = 0u32;
        let mut last_frames = 0;
        while let Some(frames) = source.next_block(&mut data)? {
            batch.extend_from_slice(&sealer.seal(serial, &data, frames, entropy)?[..]);
            serial += 1;
            last_frames = frames;
            if batch.len() >= BATCH_BLOCKS * BLOCK_BYTES {
                self.files.append(atdata, &batch)?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            self.files.append(atdata, &batch)?;
        }
        Ok(last_frames)
    }

    /// The number of the last track when it is this one — same codec, titles and audio —
    /// which is what a retry of a send that went through finds.
    fn already_sent(
        &mut self,
        codec: CodecInfo,
        texts: &TrackTexts,
        source: &mut BlockSource<'_>,
        blocks: u64,
    ) -> Result<Option<usize>, HimdError> {
        let number = self.track_count();
        if number == 0 {
            return Ok(None);
        }
        let last = self.track(number)?;
        let text = |t: &String| (!t.is_empty()).then(|| t.clone());
        if last.codec != codec
            || u64::from(last.blocks) != blocks
            || last.title != text(&texts.title)
            || last.artist != text(&texts.artist)
            || last.album != text(&texts.album)
        {
            return Ok(None);
        }
        let mut same = SameAudio {
            source,
            pending: Vec::new(),
            block: Vec::new(),
            differs: false,
        };
        match self.read_audio(number, &mut same) {
            Ok(_) => same.finished().map(|whole| whole.then_some(number)),
            Err(_) if same.differs => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Refuses a write of `blocks` blocks from block `first_block` of an `ATDATA` of
    /// `atdata_len` bytes that the volume cannot hold, together with the next generation's
    /// index and MAC list written beside the current ones.
    fn check_space(
        &mut self,
        atdata_len: u64,
        first_block: u64,
        blocks: u64,
    ) -> Result<(), HimdError> {
        let Some(space) = self.files.space()? else {
            return Ok(());
        };
        let cluster = u64::from(CLUSTER_BYTES);
        let new_len = (first_block + blocks) * BLOCK_BYTES as u64;
        let audio = (new_len.div_ceil(cluster) - atdata_len.div_ceil(cluster)) * cluster;
        let files =
            (crate::track_index::TRACK_INDEX_BYTES + crate::mac_list::MAC_LIST_BYTES) as u64;
        // And a cluster more, for the record a later delete's cut writes first: a disc
        // filled to the last cluster could not have a track deleted.
        let needed = audio + files.div_ceil(cluster) * cluster + cluster;
        if needed > space.free {
            return Err(HimdError::NoRoom(format!(
                "the track needs {:.1} MB and {:.1} MB are free",
                needed as f64 / 1e6,
                space.free as f64 / 1e6
            )));
        }
        Ok(())
    }
}

/// A writer that compares what it is given with the clear audio of a track's blocks, block by
/// block: a retry's check rereads the source instead of holding it.
struct SameAudio<'s, 'a> {
    source: &'s mut BlockSource<'a>,
    /// Source audio not yet compared.
    pending: Vec<u8>,
    block: Vec<u8>,
    differs: bool,
}

impl SameAudio<'_, '_> {
    /// Whether the whole source was compared (and found the same).
    fn finished(&mut self) -> Result<bool, HimdError> {
        Ok(!self.differs
            && self.pending.is_empty()
            && self.source.next_block(&mut self.block)?.is_none())
    }
}

impl Write for SameAudio<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        while self.pending.len() < buf.len() {
            let more = self
                .source
                .next_block(&mut self.block)
                .map_err(io::Error::other)?;
            if more.is_none() {
                break;
            }
            self.pending.extend_from_slice(&self.block);
        }
        if self.pending.get(..buf.len()) != Some(buf) {
            self.differs = true;
            return Err(io::Error::other("the audio differs"));
        }
        self.pending.drain(..buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The free track slot and fragment the free lists offer.
fn free_entries(index: &TrackIndex) -> Result<(u16, u16), HimdError> {
    if index.play_order.len() >= MAX_TRACKS {
        return Err(HimdError::NoRoom(format!(
            "the disc holds {MAX_TRACKS} tracks, its most"
        )));
    }
    let slot = index.tracks[0].track_number;
    if slot == 0
        || index.track(slot).is_none_or(TrackEntry::is_used)
        || usize::from(slot) > crate::mac_list::MAC_SLOTS
    {
        return Err(HimdError::NoRoom("no free track slot is left".into()));
    }
    let fragment = index.fragments[0].next;
    if fragment == 0
        || index
            .fragments
            .get(usize::from(fragment))
            .is_none_or(|f| f.last_block != 0)
    {
        return Err(HimdError::NoRoom("no free fragment entry is left".into()));
    }
    Ok((slot, fragment))
}

impl TrackTexts {
    /// The string chunks these titles take on a disc.
    pub fn chunks(&self) -> usize {
        [&self.title, &self.artist, &self.album]
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| crate::text::encode(t).len().div_ceil(CHUNK_TEXT))
            .sum()
    }
}

impl<F: DiscFiles> Disc<F> {
    /// String chunks still free for titles (a batch checks its titles against this before it
    /// writes anything).
    pub fn free_title_chunks(&self) -> usize {
        free_chunks(&self.index)
    }
}

fn free_chunks(index: &TrackIndex) -> usize {
    (CHUNK_SLOTS - 1).saturating_sub(index.used_chunks())
}

fn check_title_room(index: &TrackIndex, texts: &TrackTexts) -> Result<(), HimdError> {
    let needed = texts.chunks();
    let free = free_chunks(index);
    if needed > free {
        return Err(HimdError::NoRoom(format!(
            "the titles need {needed} text chunks and {free} are free"
        )));
    }
    Ok(())
}
