//! The track index (`TRKIDXnn.HMA`, magic `TIF `): play order, groups, track slots, fragments
//! and string chunks. [`TrackIndex::parse`] and [`TrackIndex::to_bytes`] round-trip a file
//! byte for byte; bytes whose meaning is unknown are carried through untouched.

use crate::be::{array, put_u16, put_u32, u16_at, u32_at};
use crate::codec::CodecInfo;
use crate::error::HimdError;
use crate::text;

pub const TRACK_INDEX_BYTES: usize = 0x50000;
const MAGIC: &[u8; 4] = b"TIF ";
const COUNT_AT: usize = 0x100;
const PLAY_ORDER_AT: usize = 0x102;
const GROUPS_AT: usize = 0x2100;
const TRACKS_AT: usize = 0x8000;
const FRAGMENTS_AT: usize = 0x30000;
const CHUNKS_AT: usize = 0x40000;

pub const GROUP_SLOTS: usize = 256;
pub const TRACK_SLOTS: usize = 2048;
pub const FRAGMENT_SLOTS: usize = 4096;
pub const CHUNK_SLOTS: usize = 4096;
/// Play-order entries that fit between the count and the groups.
pub const MAX_TRACKS: usize = (GROUPS_AT - PLAY_ORDER_AT) / 2;
/// Text bytes in one string chunk.
pub const CHUNK_TEXT: usize = 14;

const TRACK_BYTES: usize = 0x50;
const ENTRY_BYTES: usize = 0x10;
const GROUP_BYTES: usize = 8;
/// A 12-bit link in the low bits of a chunk's or fragment's last word; the type above it.
const LINK_MASK: u16 = 0x0FFF;

/// One track slot (0x50 bytes). Slot 0 is the head of the free list, not a track.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackEntry {
    /// DOS date and time of the recording (0 when sent from a computer).
    pub recorded: u32,
    pub ekb: u32,
    pub title: u16,
    pub artist: u16,
    pub album: u16,
    pub track_in_album: u8,
    pub reserved_15: u8,
    /// The track key wrapped with the EKB root.
    pub key: [u8; 8],
    /// A copy of the track's entry in the MAC list.
    pub mac: [u8; 8],
    pub codec: CodecInfo,
    pub first_fragment: u16,
    /// The slot's own number for a track; the next free slot in slot 0.
    pub track_number: u16,
    pub seconds: u16,
    pub lt: u8,
    pub dest: u8,
    pub reserved_46: [u8; 2],
    pub content_id: [u8; 20],
    pub licence_start: u32,
    pub licence_end: u32,
    pub xcc: u8,
    pub ct: u8,
    pub cc: u8,
    pub cn: u8,
}

/// The bytes of an entry that its MAC covers.
pub const MAC_COVERS: std::ops::Range<usize> = 40..80;

impl TrackEntry {
    fn parse(b: &[u8]) -> Self {
        Self {
            recorded: u32_at(b, 0),
            ekb: u32_at(b, 4),
            title: u16_at(b, 8),
            artist: u16_at(b, 10),
            album: u16_at(b, 12),
            track_in_album: b[14],
            reserved_15: b[15],
            key: array(b, 16),
            mac: array(b, 24),
            codec: CodecInfo {
                id: b[32],
                info: [b[33], b[34], b[35], b[44], b[45]],
            },
            first_fragment: u16_at(b, 36),
            track_number: u16_at(b, 38),
            seconds: u16_at(b, 40),
            lt: b[42],
            dest: b[43],
            reserved_46: array(b, 46),
            content_id: array(b, 48),
            licence_start: u32_at(b, 68),
            licence_end: u32_at(b, 72),
            xcc: b[76],
            ct: b[77],
            cc: b[78],
            cn: b[79],
        }
    }

    /// The 0x50 bytes of the entry as the disc holds them.
    pub fn to_bytes(&self) -> [u8; TRACK_BYTES] {
        let mut b = [0u8; TRACK_BYTES];
        put_u32(&mut b, 0, self.recorded);
        put_u32(&mut b, 4, self.ekb);
        put_u16(&mut b, 8, self.title);
        put_u16(&mut b, 10, self.artist);
        put_u16(&mut b, 12, self.album);
        b[14] = self.track_in_album;
        b[15] = self.reserved_15;
        b[16..24].copy_from_slice(&self.key);
        b[24..32].copy_from_slice(&self.mac);
        b[32] = self.codec.id;
        b[33..36].copy_from_slice(&self.codec.info[..3]);
        put_u16(&mut b, 36, self.first_fragment);
        put_u16(&mut b, 38, self.track_number);
        put_u16(&mut b, 40, self.seconds);
        b[42] = self.lt;
        b[43] = self.dest;
        b[44..46].copy_from_slice(&self.codec.info[3..]);
        b[46..48].copy_from_slice(&self.reserved_46);
        b[48..68].copy_from_slice(&self.content_id);
        put_u32(&mut b, 68, self.licence_start);
        put_u32(&mut b, 72, self.licence_end);
        b[76] = self.xcc;
        b[77] = self.ct;
        b[78] = self.cc;
        b[79] = self.cn;
        b
    }

    /// A slot holds a track when it points at its audio.
    pub fn is_used(&self) -> bool {
        self.first_fragment != 0
    }
}

/// A run of 16 KiB blocks in `ATDATA` (0x10 bytes), chained to the next fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fragment {
    pub key: [u8; 8],
    pub first_block: u16,
    pub last_block: u16,
    pub first_frame: u8,
    /// The last frame used in the last block; for MPEG the frame count of that block.
    pub last_frame: u8,
    pub kind: u8,
    pub next: u16,
}

impl Fragment {
    fn parse(b: &[u8]) -> Self {
        let link = u16_at(b, 14);
        Self {
            key: array(b, 0),
            first_block: u16_at(b, 8),
            last_block: u16_at(b, 10),
            first_frame: b[12],
            last_frame: b[13],
            kind: (link >> 12) as u8,
            next: link & LINK_MASK,
        }
    }

    fn write(self, b: &mut [u8]) {
        b[..8].copy_from_slice(&self.key);
        put_u16(b, 8, self.first_block);
        put_u16(b, 10, self.last_block);
        b[12] = self.first_frame;
        b[13] = self.last_frame;
        put_u16(b, 14, u16::from(self.kind) << 12 | (self.next & LINK_MASK));
    }

    /// Blocks in the fragment (0 when the numbers are reversed, as in a damaged entry).
    pub fn blocks(&self) -> u32 {
        (u32::from(self.last_block) + 1).saturating_sub(u32::from(self.first_block))
    }
}

/// What a string chunk holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    Free,
    Continuation,
    Title,
    Artist,
    Album,
    /// A group's name; group 0's is the disc title.
    Group,
    Other(u8),
}

impl ChunkKind {
    fn from_bits(bits: u8) -> Self {
        match bits {
            0 => Self::Free,
            1 => Self::Continuation,
            8 => Self::Title,
            9 => Self::Artist,
            10 => Self::Album,
            12 => Self::Group,
            other => Self::Other(other),
        }
    }

    fn bits(self) -> u8 {
        match self {
            Self::Free => 0,
            Self::Continuation => 1,
            Self::Title => 8,
            Self::Artist => 9,
            Self::Album => 10,
            Self::Group => 12,
            Self::Other(bits) => bits & 0xF,
        }
    }

    /// A chain starts with a chunk of this kind.
    pub fn is_head(self) -> bool {
        matches!(self, Self::Title | Self::Artist | Self::Album | Self::Group)
    }
}

/// 14 bytes of text and a link (0x10 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringChunk {
    pub text: [u8; CHUNK_TEXT],
    pub kind: ChunkKind,
    pub next: u16,
}

impl StringChunk {
    fn parse(b: &[u8]) -> Self {
        let link = u16_at(b, 14);
        Self {
            text: array(b, 0),
            kind: ChunkKind::from_bits((link >> 12) as u8),
            next: link & LINK_MASK,
        }
    }

    fn write(&self, b: &mut [u8]) {
        b[..CHUNK_TEXT].copy_from_slice(&self.text);
        put_u16(
            b,
            14,
            u16::from(self.kind.bits()) << 12 | (self.next & LINK_MASK),
        );
    }
}

/// A group entry (8 bytes). Group 0 names the disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupEntry {
    /// First and last play positions, 1-based and inclusive.
    pub first: u16,
    pub last: u16,
    pub title: u16,
    pub flags: u8,
    pub pad: u8,
}

impl GroupEntry {
    fn parse(b: &[u8]) -> Self {
        Self {
            first: u16_at(b, 0),
            last: u16_at(b, 2),
            title: u16_at(b, 4),
            flags: b[6],
            pad: b[7],
        }
    }

    fn write(self, b: &mut [u8]) {
        put_u16(b, 0, self.first);
        put_u16(b, 2, self.last);
        put_u16(b, 4, self.title);
        b[6] = self.flags;
        b[7] = self.pad;
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The whole track index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackIndex {
    /// Bytes 0..0x8000 as read; the count, play order and groups are written over them.
    head: Vec<u8>,
    /// Play position → track slot.
    pub play_order: Vec<u16>,
    /// All 256 group entries; the list ends at the first empty one.
    pub groups: Vec<GroupEntry>,
    /// All 2048 slots, slot 0 included.
    pub tracks: Vec<TrackEntry>,
    /// All 4096 fragments, fragment 0 (the free-list head) included.
    pub fragments: Vec<Fragment>,
    /// All 4096 chunks, chunk 0 (the free-list head) included.
    pub chunks: Vec<StringChunk>,
}

impl TrackIndex {
    /// Parses a track index; `name` is the file's name, for messages.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self, HimdError> {
        let damaged = |reason: String| HimdError::DamagedTrackIndex {
            file: name.to_string(),
            reason,
            backup: None,
        };
        if bytes.len() != TRACK_INDEX_BYTES {
            return Err(damaged(format!(
                "{} bytes where a track index has {TRACK_INDEX_BYTES}",
                bytes.len()
            )));
        }
        if &bytes[..4] != MAGIC {
            return Err(damaged("it does not start with \"TIF \"".into()));
        }
        let count = usize::from(u16_at(bytes, COUNT_AT));
        if count > MAX_TRACKS {
            return Err(damaged(format!("it claims {count} tracks")));
        }
        let play_order: Vec<u16> = (0..count)
            .map(|i| u16_at(bytes, PLAY_ORDER_AT + 2 * i))
            .collect();
        if let Some(bad) = play_order
            .iter()
            .find(|&&slot| slot == 0 || usize::from(slot) >= TRACK_SLOTS)
        {
            return Err(damaged(format!("the play order names track slot {bad}")));
        }
        let entries = |at: usize, size: usize, n: usize| {
            (0..n).map(move |i| &bytes[at + i * size..at + (i + 1) * size])
        };
        let index = Self {
            head: bytes[..TRACKS_AT].to_vec(),
            play_order,
            groups: entries(GROUPS_AT, GROUP_BYTES, GROUP_SLOTS)
                .map(GroupEntry::parse)
                .collect(),
            tracks: entries(TRACKS_AT, TRACK_BYTES, TRACK_SLOTS)
                .map(TrackEntry::parse)
                .collect(),
            fragments: entries(FRAGMENTS_AT, ENTRY_BYTES, FRAGMENT_SLOTS)
                .map(Fragment::parse)
                .collect(),
            chunks: entries(CHUNKS_AT, ENTRY_BYTES, CHUNK_SLOTS)
                .map(StringChunk::parse)
                .collect(),
        };
        for (position, &slot) in index.play_order.iter().enumerate() {
            let track = &index.tracks[usize::from(slot)];
            if !track.is_used() {
                return Err(damaged(format!(
                    "play position {} names the empty slot {slot}",
                    position + 1
                )));
            }
            index
                .fragment_chain(slot)
                .map_err(|e| damaged(e.to_string()))?;
        }
        Ok(index)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; TRACK_INDEX_BYTES];
        out[..TRACKS_AT].copy_from_slice(&self.head);
        // The play order is written whole, so a shortened list leaves no stale slots behind.
        out[COUNT_AT..GROUPS_AT].fill(0);
        put_u16(&mut out, COUNT_AT, self.play_order.len() as u16);
        for (i, &slot) in self.play_order.iter().take(MAX_TRACKS).enumerate() {
            put_u16(&mut out, PLAY_ORDER_AT + 2 * i, slot);
        }
        for (i, g) in self.groups.iter().take(GROUP_SLOTS).enumerate() {
            g.write(&mut out[GROUPS_AT + i * GROUP_BYTES..]);
        }
        for (i, t) in self.tracks.iter().take(TRACK_SLOTS).enumerate() {
            let at = TRACKS_AT + i * TRACK_BYTES;
            out[at..at + TRACK_BYTES].copy_from_slice(&t.to_bytes());
        }
        for (i, f) in self.fragments.iter().take(FRAGMENT_SLOTS).enumerate() {
            f.write(&mut out[FRAGMENTS_AT + i * ENTRY_BYTES..]);
        }
        for (i, c) in self.chunks.iter().take(CHUNK_SLOTS).enumerate() {
            c.write(&mut out[CHUNKS_AT + i * ENTRY_BYTES..]);
        }
        out
    }

    /// The slot at play position `position` (0-based).
    pub fn slot_at(&self, position: usize) -> Option<u16> {
        self.play_order.get(position).copied()
    }

    pub fn track(&self, slot: u16) -> Option<&TrackEntry> {
        self.tracks.get(usize::from(slot)).filter(|_| slot != 0)
    }

    /// The groups in use, group 0 (the disc title) first.
    pub fn used_groups(&self) -> impl Iterator<Item = &GroupEntry> {
        self.groups.iter().take_while(|g| !g.is_empty())
    }

    /// The disc title, from group 0.
    pub fn disc_title(&self) -> Option<String> {
        self.groups
            .first()
            .filter(|g| g.title != 0)
            .and_then(|g| self.string(g.title))
    }

    /// The fragments of the track in `slot`, in order. A chain that loops or leaves the
    /// table is an error rather than a hang.
    pub fn fragment_chain(&self, slot: u16) -> Result<Vec<Fragment>, HimdError> {
        let track = self
            .track(slot)
            .ok_or(HimdError::NoSuchTrack(usize::from(slot)))?;
        let mut out = Vec::new();
        let mut next = track.first_fragment;
        while next != 0 {
            let fragment = self
                .fragments
                .get(usize::from(next))
                .copied()
                .ok_or_else(|| {
                    HimdError::damaged("track index", format!("fragment {next} does not exist"))
                })?;
            if out.len() >= FRAGMENT_SLOTS {
                return Err(HimdError::damaged(
                    "track index",
                    format!("the fragments of track slot {slot} form a loop"),
                ));
            }
            if fragment.last_block < fragment.first_block {
                return Err(HimdError::damaged(
                    "track index",
                    format!("fragment {next} ends before it starts"),
                ));
            }
            out.push(fragment);
            next = fragment.next;
        }
        Ok(out)
    }

    /// The raw bytes of the string chain at `head` (encoding marker first).
    pub fn string_bytes(&self, head: u16) -> Option<Vec<u8>> {
        let first = self.chunks.get(usize::from(head))?;
        if head == 0 || !first.kind.is_head() {
            return None;
        }
        let mut out = first.text.to_vec();
        let mut next = first.next;
        let mut steps = 0;
        while next != 0 && steps < CHUNK_SLOTS {
            let chunk = self.chunks.get(usize::from(next))?;
            if chunk.kind != ChunkKind::Continuation {
                break;
            }
            out.extend_from_slice(&chunk.text);
            next = chunk.next;
            steps += 1;
        }
        Some(out)
    }

    /// The text of the string chain at `head`; `None` for 0 or a chain that does not decode.
    pub fn string(&self, head: u16) -> Option<String> {
        self.string_bytes(head).and_then(|b| text::decode(&b))
    }

    /// String chunks holding text, for the "characters left" figure.
    pub fn used_chunks(&self) -> usize {
        self.chunks
            .iter()
            .skip(1)
            .filter(|c| c.kind != ChunkKind::Free)
            .count()
    }

    /// Chunks on the free list (a damaged list is counted up to where it breaks).
    pub fn free_chunks(&self) -> usize {
        let mut count = 0;
        let mut next = self.chunks[0].next;
        while next != 0 && count < CHUNK_SLOTS {
            count += 1;
            next = self.chunks[usize::from(next)].next;
        }
        count
    }

    /// Chunks in the chain at `head`.
    fn chain_len(&self, head: u16) -> usize {
        let mut count = 0;
        let mut next = head;
        while next != 0 && usize::from(next) < CHUNK_SLOTS && count < CHUNK_SLOTS {
            count += 1;
            next = self.chunks[usize::from(next)].next;
        }
        count
    }

    /// Replaces the string at `*head` with `text` (none when empty), checking first that it
    /// fits, so that a refusal changes nothing.
    pub fn replace_string(
        &mut self,
        head: &mut u16,
        kind: ChunkKind,
        text: &str,
    ) -> Result<(), HimdError> {
        let needed = if text.is_empty() {
            0
        } else {
            text::encode(text).len().div_ceil(CHUNK_TEXT)
        };
        let available = self.free_chunks() + self.chain_len(*head);
        if needed > available {
            return Err(HimdError::NoRoom(format!(
                "the title needs {needed} text chunks and {available} are free"
            )));
        }
        self.remove_string(*head);
        *head = if text.is_empty() {
            0
        } else {
            self.add_string(kind, text)?
        };
        Ok(())
    }

    /// Stores `text` in free chunks as a chain of `kind` and returns its head; the free list
    /// starts at chunk 0.
    pub fn add_string(&mut self, kind: ChunkKind, text: &str) -> Result<u16, HimdError> {
        let bytes = text::encode(text);
        let needed = bytes.len().div_ceil(CHUNK_TEXT).max(1);
        let mut free = Vec::with_capacity(needed);
        let mut next = self.chunks[0].next;
        while free.len() < needed {
            if next == 0 || free.contains(&next) {
                return Err(HimdError::damaged(
                    "track index",
                    "no room for more titles (the 4095 string chunks are used)",
                ));
            }
            free.push(next);
            next = self.chunks[usize::from(next)].next;
        }
        self.chunks[0].next = next;
        for (i, (&slot, piece)) in free.iter().zip(bytes.chunks(CHUNK_TEXT)).enumerate() {
            let mut text = [0u8; CHUNK_TEXT];
            text[..piece.len()].copy_from_slice(piece);
            self.chunks[usize::from(slot)] = StringChunk {
                text,
                kind: if i == 0 {
                    kind
                } else {
                    ChunkKind::Continuation
                },
                next: free.get(i + 1).copied().unwrap_or(0),
            };
        }
        Ok(free[0])
    }

    /// Frees the chain at `head`, zeroing its chunks and putting them at the front of the
    /// free list in chain order.
    pub fn remove_string(&mut self, head: u16) {
        let mut chain = Vec::new();
        let mut next = head;
        while next != 0 && usize::from(next) < CHUNK_SLOTS && !chain.contains(&next) {
            chain.push(next);
            next = self.chunks[usize::from(next)].next;
        }
        for &slot in chain.iter().rev() {
            self.chunks[usize::from(slot)] = StringChunk {
                text: [0; CHUNK_TEXT],
                kind: ChunkKind::Free,
                next: self.chunks[0].next,
            };
            self.chunks[0].next = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> Vec<u8> {
        let mut b = vec![0u8; TRACK_INDEX_BYTES];
        b[..4].copy_from_slice(MAGIC);
        // Free list of chunks: 0 → 1 → 2 → … → 4095.
        for i in 0..CHUNK_SLOTS - 1 {
            put_u16(&mut b, CHUNKS_AT + i * ENTRY_BYTES + 14, (i + 1) as u16);
        }
        b
    }

    #[test]
    fn strings_are_stored_and_freed_through_the_free_list() {
        let mut index = TrackIndex::parse("TRKIDX00.HMA", &blank()).unwrap();
        let head = index
            .add_string(ChunkKind::Title, "A title longer than fourteen bytes")
            .unwrap();
        assert_eq!(head, 1);
        assert_eq!(index.used_chunks(), 3);
        assert_eq!(
            index.string(head).as_deref(),
            Some("A title longer than fourteen bytes")
        );
        let jp = index.add_string(ChunkKind::Artist, "東京事変").unwrap();
        assert_eq!(index.string(jp).as_deref(), Some("東京事変"));
        index.remove_string(head);
        assert_eq!(index.used_chunks(), 1);
        assert_eq!(index.string(head), None);
        // The freed chunks are reused first.
        assert_eq!(index.add_string(ChunkKind::Album, "x").unwrap(), 1);
        // And the whole file still parses after writing.
        let again = TrackIndex::parse("TRKIDX00.HMA", &index.to_bytes()).unwrap();
        assert_eq!(again, index);
    }

    #[test]
    fn damage_is_reported_not_panicked_on() {
        let mut b = blank();
        assert!(matches!(
            TrackIndex::parse("T", &b[..100]),
            Err(HimdError::DamagedTrackIndex { .. })
        ));
        b[0] = b'X';
        let err = TrackIndex::parse("TRKIDX03.HMA", &b).unwrap_err();
        assert!(err.to_string().contains("TRKIDX03.HMA"), "{err}");
        b[0] = b'T';
        put_u16(&mut b, COUNT_AT, 5000);
        assert!(TrackIndex::parse("T", &b).is_err());
        // A play order naming an empty slot.
        put_u16(&mut b, COUNT_AT, 1);
        put_u16(&mut b, PLAY_ORDER_AT, 7);
        let err = TrackIndex::parse("T", &b).unwrap_err();
        assert!(err.to_string().contains("empty slot 7"), "{err}");
    }

    #[test]
    fn a_fragment_loop_is_an_error() {
        let mut b = blank();
        put_u16(&mut b, COUNT_AT, 1);
        put_u16(&mut b, PLAY_ORDER_AT, 1);
        put_u16(&mut b, TRACKS_AT + TRACK_BYTES + 36, 1);
        // Fragment 1 links to itself.
        put_u16(&mut b, FRAGMENTS_AT + ENTRY_BYTES + 14, 1);
        let err = TrackIndex::parse("T", &b).unwrap_err();
        assert!(err.to_string().contains("loop"), "{err}");
    }

    #[test]
    fn a_string_chain_loop_ends() {
        let mut index = TrackIndex::parse("T", &blank()).unwrap();
        let head = index
            .add_string(ChunkKind::Title, "0123456789abcdefgh")
            .unwrap();
        let second = index.chunks[usize::from(head)].next;
        index.chunks[usize::from(second)].next = second;
        assert!(index.string(head).is_some());
    }
}
