//! A freshly formatted disc's files: an empty track index with its three free lists, a MAC
//! list with new keys, an empty `ATDATA`, and the EKB file every disc carries.

use netmd::crypto::Entropy;

use crate::be::put_u16;
use crate::error::HimdError;
use crate::keys::{self, EKB_ID};
use crate::mac_list::{MAC_LIST_BYTES, MacList};
use crate::track_index::{CHUNK_SLOTS, FRAGMENT_SLOTS, TRACK_INDEX_BYTES, TRACK_SLOTS, TrackIndex};

/// The EKB file's name.
pub const EKB_FILE_NAME: &str = "00010012.HMA";

/// The EKB file (`00010012.HMA`) as units and SonicStage write it: the public EKB 00010012
/// whose root key is [`keys::EKB_ROOT`]. Transcribed from linux-minidisc's sample disc.
pub const EKB_FILE: [u8; 172] = [
    0x45, 0x4b, 0x42, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x8f, 0xa4, 0x21, 0xf6, 0x1f, 0x53, 0xaa, 0x3c,
    0x19, 0x63, 0x07, 0x28, 0x64, 0x3c, 0xf1, 0xba, 0xbf, 0x47, 0x66, 0x69, 0x79, 0xd4, 0x21, 0xc0,
    0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x34, 0xa4, 0x92, 0x51, 0x1f,
    0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xec, 0xd2, 0x63, 0xdb, 0xfe, 0xc8, 0x3d, 0xd3,
    0x25, 0x28, 0x4b, 0x7b, 0x8c, 0xe4, 0xdf, 0xd1, 0x6a, 0x7a, 0x4c, 0x7d, 0x5f, 0x3f, 0x86, 0x84,
    0x28, 0x6d, 0x1a, 0x12, 0x32, 0x98, 0x22, 0x13, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x28, 0x88, 0x2e, 0x04, 0x5b, 0x6c, 0x94, 0x7c, 0xb1, 0xa0, 0xb7, 0x9d, 0x45,
    0xa5, 0xbb, 0x35, 0x90, 0xd0, 0x2e, 0x70, 0xbe, 0x6f, 0x22, 0x47, 0x40, 0x70, 0x9d, 0x1f, 0xeb,
    0x65, 0x1f, 0x89, 0x93, 0x1b, 0x34, 0x9e, 0xbb, 0x05, 0xd7, 0x08, 0x3c,
];

/// The generation a new disc starts at.
pub const FIRST_GENERATION: u8 = 1;

/// The version word at offset 4 of the track index and the MAC list on every disc seen.
const FORMAT_WORD: [u8; 4] = [0x01, 0x00, 0x01, 0x25];
const MAC_LIST_FORMAT_WORD: [u8; 4] = [0x00, 0x00, 0x01, 0x25];

/// An empty track index: slot 0, fragment 0 and chunk 0 head free lists of all the others.
pub fn blank_track_index() -> Result<TrackIndex, HimdError> {
    let mut b = vec![0u8; TRACK_INDEX_BYTES];
    b[..4].copy_from_slice(b"TIF ");
    b[4..8].copy_from_slice(&FORMAT_WORD);
    // Each free list links entry i to i + 1; the last entry ends it.
    for i in 0..TRACK_SLOTS - 1 {
        put_u16(&mut b, 0x8000 + i * 0x50 + 38, (i + 1) as u16);
    }
    for i in 0..FRAGMENT_SLOTS - 1 {
        put_u16(&mut b, 0x30000 + i * 0x10 + 14, (i + 1) as u16);
    }
    for i in 0..CHUNK_SLOTS - 1 {
        put_u16(&mut b, 0x40000 + i * 0x10 + 14, (i + 1) as u16);
    }
    TrackIndex::parse("blank track index", &b)
}

/// A MAC list with no MACs, new head and body keys from `entropy`, for `disc_id`.
pub fn blank_mac_list(
    disc_id: [u8; 16],
    generation: u32,
    entropy: &mut dyn Entropy,
) -> Result<MacList, HimdError> {
    let mut b = vec![0u8; MAC_LIST_BYTES];
    b[..4].copy_from_slice(b"MLST");
    b[4..8].copy_from_slice(&MAC_LIST_FORMAT_WORD);
    for at in [0x10, 0x60] {
        let mut key = [0u8; 16];
        entropy.fill(&mut key)?;
        b[at..at + 8].copy_from_slice(&keys::wrap_track_key(first_half(&key)));
        b[at + 8..at + 16].copy_from_slice(&keys::wrap_track_key(second_half(&key)));
    }
    b[0x38..0x3C].copy_from_slice(&EKB_ID.to_be_bytes());
    let mut list = MacList::parse("blank MAC list", &b)?;
    list.set_generation(generation);
    list.set_disc_id(disc_id);
    Ok(list)
}

fn first_half(key: &[u8; 16]) -> [u8; 8] {
    std::array::from_fn(|i| key[i])
}

fn second_half(key: &[u8; 16]) -> [u8; 8] {
    std::array::from_fn(|i| key[8 + i])
}

#[cfg(test)]
mod tests {
    use netmd::crypto::ScriptedEntropy;

    use super::*;

    #[test]
    fn a_blank_index_has_room_for_everything() {
        let mut index = blank_track_index().unwrap();
        assert!(index.play_order.is_empty());
        assert_eq!(index.used_chunks(), 0);
        assert_eq!(index.disc_title(), None);
        let head = index
            .add_string(crate::track_index::ChunkKind::Group, "New disc")
            .unwrap();
        assert_eq!(head, 1);
        let again = TrackIndex::parse("x", &index.to_bytes()).unwrap();
        assert_eq!(again.string(head).as_deref(), Some("New disc"));
    }

    #[test]
    fn a_blank_mac_list_unwraps_to_the_keys_drawn() {
        let mut entropy = ScriptedEntropy::new(&(0..32).collect::<Vec<u8>>());
        let list = blank_mac_list([9; 16], 1, &mut entropy).unwrap();
        assert_eq!(list.generation(), 1);
        assert_eq!(list.disc_id(), [9; 16]);
        assert_eq!(list.ekb(), EKB_ID);
        let head: Vec<u8> = (0..16).collect();
        assert_eq!(keys::unwrap_list_key(list.wrapped_head_key())[..], head[..]);
        assert!(list.mac_table().iter().all(|&b| b == 0));
        assert_eq!(&EKB_FILE[..4], b"EKB ");
    }
}
