//! Adding a track: its audio cut into `ATDATA` blocks (ATRAC3 and PCM encrypted under a new
//! track key, MP3 scrambled), a fragment, a track entry with its MAC, its titles and a place
//! at the end of the play order. Room is checked before anything is written.

use netmd::crypto::Entropy;

use crate::block::{AUDIO_BYTES, AudioBlock, BLOCK_BYTES, KIND_ATRAC3, KIND_LPCM, KIND_MPEG};
use crate::codec::{AudioFormat, CodecInfo, LPCM_FRAME_BYTES};
use crate::commit::IcvSigner;
use crate::disc::Disc;
use crate::error::HimdError;
use crate::generation::DiscFile;
use crate::keys::{self, EKB_ID};
use crate::mp3::Mp3Frames;
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
/// MPEG bytes in one block: the area less one byte, as ATRAC leaves it.
const MPEG_BLOCK_BYTES: usize = AUDIO_BYTES - 1;

/// The audio of a new track.
#[derive(Debug, Clone)]
pub enum NewAudio {
    Mp3(Mp3Frames),
    /// ATRAC3 frames of `codec`, back to back.
    Atrac3 {
        codec: CodecInfo,
        frames: Vec<u8>,
    },
    /// 16-bit stereo samples at 44.1 kHz, big-endian; padded to whole 16-sample frames.
    Lpcm(Vec<u8>),
}

impl NewAudio {
    fn codec(&self) -> CodecInfo {
        match self {
            Self::Mp3(mp3) => mp3.codec,
            Self::Atrac3 { codec, .. } => *codec,
            Self::Lpcm(_) => CodecInfo::lpcm(),
        }
    }

    fn seconds(&self) -> u64 {
        let codec = self.codec();
        let frames = match self {
            Self::Mp3(mp3) => mp3.frame_count(),
            Self::Atrac3 { frames, .. } => frames.len() / (codec.frame_bytes().max(1) as usize),
            Self::Lpcm(samples) => samples.len().div_ceil(LPCM_FRAME_BYTES as usize),
        };
        codec.frames_to_ms(frames as u64) / 1000
    }

    /// The clear audio of each block, and the frames in the last one.
    fn blocks(&self) -> Result<(Vec<Vec<u8>>, Vec<u16>), HimdError> {
        match self {
            Self::Mp3(mp3) => {
                let mut blocks = Vec::new();
                let mut counts = Vec::new();
                let (mut start, mut end_of_last, mut frames) = (0, 0, 0u16);
                for &end in &mp3.ends {
                    // A fragment's frame count is one byte.
                    if end - start > MPEG_BLOCK_BYTES || frames == u16::from(u8::MAX) {
                        blocks.push(mp3.data[start..end_of_last].to_vec());
                        counts.push(frames);
                        (start, frames) = (end_of_last, 0);
                        if end - start > MPEG_BLOCK_BYTES {
                            return Err(HimdError::NoRoom(
                                "an MP3 frame is larger than an audio block".into(),
                            ));
                        }
                    }
                    frames += 1;
                    end_of_last = end;
                }
                if frames > 0 {
                    blocks.push(mp3.data[start..end_of_last].to_vec());
                    counts.push(frames);
                }
                Ok((blocks, counts))
            }
            Self::Atrac3 { codec, frames } => {
                let frame = codec.frame_bytes() as usize;
                if frame == 0 || frames.is_empty() || frames.len() % frame != 0 {
                    return Err(HimdError::damaged(
                        "the ATRAC3 audio",
                        format!("{} bytes are not whole {frame}-byte frames", frames.len()),
                    ));
                }
                Ok(whole_frames(
                    frames,
                    frame,
                    codec.frames_per_block() as usize,
                ))
            }
            Self::Lpcm(samples) => {
                if samples.is_empty() {
                    return Err(HimdError::damaged("the PCM audio", "it holds no samples"));
                }
                let frame = LPCM_FRAME_BYTES as usize;
                let mut padded = samples.clone();
                padded.resize(samples.len().div_ceil(frame) * frame, 0);
                Ok(whole_frames(
                    &padded,
                    frame,
                    CodecInfo::lpcm().frames_per_block() as usize,
                ))
            }
        }
    }
}

/// `data` cut into runs of `per_block` frames of `frame` bytes.
fn whole_frames(data: &[u8], frame: usize, per_block: usize) -> (Vec<Vec<u8>>, Vec<u16>) {
    let run = frame * per_block.max(1);
    data.chunks(run)
        .map(|c| (c.to_vec(), (c.len() / frame) as u16))
        .unzip()
}

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

impl<F: DiscFiles> Disc<F> {
    /// Adds a track at the end of the disc and returns its number. Nothing is written when
    /// the disc has no room for its audio, its entry or its titles.
    pub fn add_track(
        &mut self,
        audio: &NewAudio,
        texts: &TrackTexts,
        signer: &mut dyn IcvSigner,
        entropy: &mut dyn Entropy,
    ) -> Result<usize, HimdError> {
        let codec = audio.codec();
        let format = codec.format().ok_or(HimdError::UnknownCodec(codec.id))?;
        let mut index = self.index.clone();
        let (slot, fragment_no) = free_entries(&index)?;
        check_title_room(&index, texts)?;

        let (clear, counts) = audio.blocks()?;
        if let Some(number) = self.already_sent(codec, texts, &clear)? {
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
        let atdata = DiscFile::AudioData.name(self.generation);
        let old_len = self.files.len(&atdata)?;
        // A track starts on a cluster, so that deleting it frees every cluster it used.
        let align = match self.files.cluster_bytes()? {
            Some(c) if c > 0 && c.is_multiple_of(BLOCK_BYTES as u64) => c,
            _ => BLOCK_BYTES as u64,
        };
        let first_block = old_len.div_ceil(align) * align / BLOCK_BYTES as u64;
        let last_block = first_block + clear.len() as u64 - 1;
        let last_block = u16::try_from(last_block)
            .map_err(|_| HimdError::NoRoom("the audio file has no more block numbers".into()))?;
        self.check_space(old_len, first_block, clear.len())?;

        let mut entry = new_entry(format, codec, audio.seconds(), slot);
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
        let content_low = u32::from_be_bytes([
            entry.content_id[16],
            entry.content_id[17],
            entry.content_id[18],
            entry.content_id[19],
        ]);

        // Whole blocks, padding the file first if it ends part-way through one.
        let mut bytes = vec![0u8; (first_block * BLOCK_BYTES as u64 - old_len) as usize];
        bytes.reserve(clear.len() * BLOCK_BYTES);
        let mp3_key = keys::mp3_key(slot, &self.mac_list.disc_id());
        let fkey = keys::fragment_key(track_key, fragment_key);
        for (serial, (data, &frames)) in clear.iter().zip(&counts).enumerate() {
            let kind = match format {
                AudioFormat::Mpeg => KIND_MPEG,
                AudioFormat::Lpcm => KIND_LPCM,
                _ => KIND_ATRAC3,
            };
            let m_code = if format == AudioFormat::Lpcm {
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
                serial: serial as u32,
                key: [0; 8],
                iv: [0; 8],
                audio: data.clone(),
                backup_key: [0; 8],
                reserved_3fe8: [0; 8],
                backup_kind: kind,
                reserved_3ff4: [0; 2],
                backup_m_code: m_code,
                content_id_low: content_low,
                backup_serial: serial as u32,
            };
            block.audio.resize(AUDIO_BYTES, 0);
            if mpeg {
                keys::scramble_mp3(mp3_key, &mut block.audio, data.len());
            } else {
                block.key = entropy.bytes8()?;
                block.backup_key = block.key;
                let key = keys::block_key(fkey, block.key);
                keys::encrypt_audio(key, block.iv, &mut block.audio)?;
            }
            bytes.extend_from_slice(&block.to_bytes()[..]);
        }

        let last_frames = counts.last().copied().unwrap_or(0);
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

        self.files.append(&atdata, &bytes).inspect_err(|_| {
            // Blocks no entry points at only waste room; take them back if the device lets us.
            let _ = self.files.truncate(&atdata, old_len);
        })?;
        self.commit(index, mac_list, signer)?;
        Ok(self.index.play_order.len())
    }

    /// The number of the last track when it is this one — same codec, titles and audio —
    /// which is what a retry of a send that went through finds.
    fn already_sent(
        &mut self,
        codec: CodecInfo,
        texts: &TrackTexts,
        clear: &[Vec<u8>],
    ) -> Result<Option<usize>, HimdError> {
        let number = self.track_count();
        if number == 0 {
            return Ok(None);
        }
        let last = self.track(number)?;
        let text = |t: &String| (!t.is_empty()).then(|| t.clone());
        if last.codec != codec
            || last.blocks as usize != clear.len()
            || last.title != text(&texts.title)
            || last.artist != text(&texts.artist)
            || last.album != text(&texts.album)
        {
            return Ok(None);
        }
        let mut on_disc = Vec::new();
        self.read_audio(number, &mut on_disc)?;
        Ok((on_disc == clear.concat()).then_some(number))
    }

    /// Refuses a write of `blocks` blocks from block `first_block` of an `ATDATA` of
    /// `atdata_len` bytes that the volume cannot hold, together with the next generation's
    /// index and MAC list written beside the current ones.
    fn check_space(
        &mut self,
        atdata_len: u64,
        first_block: u64,
        blocks: usize,
    ) -> Result<(), HimdError> {
        let Some(space) = self.files.space()? else {
            return Ok(());
        };
        let cluster = u64::from(CLUSTER_BYTES);
        let new_len = (first_block + blocks as u64) * BLOCK_BYTES as u64;
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

fn check_title_room(index: &TrackIndex, texts: &TrackTexts) -> Result<(), HimdError> {
    let needed: usize = [&texts.title, &texts.artist, &texts.album]
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| crate::text::encode(t).len().div_ceil(CHUNK_TEXT))
        .sum();
    let free = (CHUNK_SLOTS - 1).saturating_sub(index.used_chunks());
    if needed > free {
        return Err(HimdError::NoRoom(format!(
            "the titles need {needed} text chunks and {free} are free"
        )));
    }
    Ok(())
}
