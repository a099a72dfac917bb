//! The record a cut leaves on the disc while it is under way, so that a cut off half-way
//! can be undone. Taking clusters out of the middle of `ATDATA` rewrites FAT sectors and
//! then the directory sector that switches the disc to its next generation; FAT16 cannot do
//! both at once, and between the two the old generation's index would name blocks that have
//! moved. So before the first FAT sector changes, the file's chain as it was is written to
//! `CUTCHAIN.TMP` beside it; the next mount that finds it puts the chain back if the switch
//! never happened (the old generation, still signed, reads as before) and drops it if it did.

use crate::fat_chain::Extent;

/// The record's name in `HMDHIFI`.
pub(crate) const JOURNAL_FILE: &str = "CUTCHAIN.TMP";
const MAGIC: &[u8; 8] = b"MSCUT\0\0\x01";
const NAME_BYTES: usize = 12;

/// Which file a cut was taken out of, and where it lay before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CutRecord {
    pub file: String,
    pub before: Extent,
}

impl CutRecord {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut name = [b' '; NAME_BYTES];
        for (d, s) in name.iter_mut().zip(self.file.bytes()) {
            *d = s;
        }
        out.extend(name);
        out.extend(self.before.first.to_le_bytes());
        out.extend(self.before.size.to_le_bytes());
        out.extend((self.before.chain.len() as u32).to_le_bytes());
        for c in &self.before.chain {
            out.extend(c.to_le_bytes());
        }
        out
    }

    /// `None` for bytes that are not a whole record (a record cut off as it was written:
    /// then no FAT sector had changed yet).
    pub(crate) fn parse(b: &[u8]) -> Option<Self> {
        let head = MAGIC.len() + NAME_BYTES + 10;
        if b.len() < head || &b[..MAGIC.len()] != MAGIC {
            return None;
        }
        let name = &b[MAGIC.len()..MAGIC.len() + NAME_BYTES];
        let file = std::str::from_utf8(name).ok()?.trim_end().to_string();
        let at = MAGIC.len() + NAME_BYTES;
        let first = u16::from_le_bytes([b[at], b[at + 1]]);
        let size = u32::from_le_bytes([b[at + 2], b[at + 3], b[at + 4], b[at + 5]]);
        let count = u32::from_le_bytes([b[at + 6], b[at + 7], b[at + 8], b[at + 9]]) as usize;
        let chain_bytes = b.get(head..head.checked_add(count.checked_mul(2)?)?)?;
        let chain = chain_bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Some(Self {
            file,
            before: Extent { first, size, chain },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_cut_off_one_does_not() {
        let record = CutRecord {
            file: "ATDATA07.HMA".into(),
            before: Extent {
                first: 3,
                size: 5 * 16384,
                chain: vec![3, 4, 9],
            },
        };
        let bytes = record.to_bytes();
        assert_eq!(CutRecord::parse(&bytes), Some(record));
        assert_eq!(CutRecord::parse(&bytes[..bytes.len() - 1]), None);
        assert_eq!(CutRecord::parse(b"MSCUT"), None);
        assert_eq!(CutRecord::parse(&[0xFF; 64]), None);
    }
}
