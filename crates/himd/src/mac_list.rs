//! The MAC list (`MCLISTnn.HMA`, magic `MLST`): the generation, the disc id, the two wrapped
//! keys of the integrity check and one 8-byte MAC per track slot.

use crate::be::{array, put_u32, u32_at};
use crate::error::HimdError;

pub const MAC_LIST_BYTES: usize = 0x8000;
const MAGIC: &[u8; 4] = b"MLST";
const HEAD_KEY_AT: usize = 0x10;
const GENERATION_AT: usize = 0x20;
const EKB_AT: usize = 0x38;
const DISC_ID_AT: usize = 0x40;
const BODY_KEY_AT: usize = 0x60;
/// Where the MACs start, and how many there are (slot 1 first).
pub const MACS_AT: usize = 0x70;
pub const MAC_SLOTS: usize = 4000;
pub const MACS_END: usize = MACS_AT + MAC_SLOTS * 8;

/// The MAC list; bytes of unknown meaning are kept as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacList {
    raw: Vec<u8>,
}

impl MacList {
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self, HimdError> {
        if bytes.len() != MAC_LIST_BYTES {
            return Err(HimdError::damaged(
                name,
                format!(
                    "{} bytes where a MAC list has {MAC_LIST_BYTES}",
                    bytes.len()
                ),
            ));
        }
        if &bytes[..4] != MAGIC {
            return Err(HimdError::damaged(name, "it does not start with \"MLST\""));
        }
        Ok(Self {
            raw: bytes.to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.raw.clone()
    }

    pub fn generation(&self) -> u32 {
        u32_at(&self.raw, GENERATION_AT)
    }

    pub fn set_generation(&mut self, generation: u32) {
        put_u32(&mut self.raw, GENERATION_AT, generation);
    }

    pub fn ekb(&self) -> u32 {
        u32_at(&self.raw, EKB_AT)
    }

    pub fn disc_id(&self) -> [u8; 16] {
        array(&self.raw, DISC_ID_AT)
    }

    pub fn set_disc_id(&mut self, disc_id: [u8; 16]) {
        self.raw[DISC_ID_AT..DISC_ID_AT + 16].copy_from_slice(&disc_id);
    }

    /// The head key of the integrity check, wrapped with the EKB root.
    pub fn wrapped_head_key(&self) -> [u8; 16] {
        array(&self.raw, HEAD_KEY_AT)
    }

    /// The body key of the integrity check, wrapped with the EKB root.
    pub fn wrapped_body_key(&self) -> [u8; 16] {
        array(&self.raw, BODY_KEY_AT)
    }

    /// The MAC of track slot `slot` (1-based); `None` outside the table.
    pub fn mac(&self, slot: u16) -> Option<[u8; 8]> {
        let i = usize::from(slot)
            .checked_sub(1)
            .filter(|&i| i < MAC_SLOTS)?;
        Some(array(&self.raw, MACS_AT + i * 8))
    }

    pub fn set_mac(&mut self, slot: u16, mac: [u8; 8]) -> bool {
        match usize::from(slot).checked_sub(1).filter(|&i| i < MAC_SLOTS) {
            Some(i) => {
                self.raw[MACS_AT + i * 8..MACS_AT + i * 8 + 8].copy_from_slice(&mac);
                true
            }
            None => false,
        }
    }

    /// The whole MAC table, as the integrity check reads it.
    pub fn mac_table(&self) -> &[u8] {
        &self.raw[MACS_AT..MACS_END]
    }
}
