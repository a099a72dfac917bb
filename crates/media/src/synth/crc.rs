//! The three non-reflected CRCs the container formats need: FLAC frame
//! headers (CRC-8), FLAC frames (CRC-16) and Ogg pages (CRC-32).
//! Table driven because the benchmark tree checksums every byte it writes.

const fn table<const BITS: u32>(poly: u32) -> [u32; 256] {
    let top = 1u32 << (BITS - 1);
    let mask = if BITS == 32 {
        u32::MAX
    } else {
        (1u32 << BITS) - 1
    };
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = (byte as u32) << (BITS - 8);
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & top != 0 {
                (crc << 1) ^ poly
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[byte] = crc & mask;
        byte += 1;
    }
    table
}

static CRC8: [u32; 256] = table::<8>(0x07);
static CRC16: [u32; 256] = table::<16>(0x8005);
static CRC32: [u32; 256] = table::<32>(0x04C1_1DB7);

/// FLAC frame-header CRC: polynomial x^8 + x^2 + x + 1, initial value 0.
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in data {
        crc = CRC8[usize::from(crc ^ b)] as u8;
    }
    crc
}

/// FLAC frame CRC: polynomial x^16 + x^15 + x^2 + 1, initial value 0.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    let mut i = 0;
    // A `while` loop: this runs over every byte of every FLAC frame, and
    // debug builds would pay a call per byte for an iterator.
    while i < data.len() {
        crc = (crc << 8) ^ CRC16[usize::from((crc >> 8) as u8 ^ data[i])] as u16;
        i += 1;
    }
    crc
}

/// Ogg page CRC: polynomial 0x04c11db7, initial value 0, no reflection and
/// no final xor (unlike the zlib CRC-32).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    let mut i = 0;
    while i < data.len() {
        crc = (crc << 8) ^ CRC32[usize::from((crc >> 24) as u8 ^ data[i])];
        i += 1;
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check values from the CRC catalogue for "123456789".
    #[test]
    fn catalogue_check_values() {
        assert_eq!(crc8(b"123456789"), 0xF4); // CRC-8/SMBUS
        assert_eq!(crc16(b"123456789"), 0xFEE8); // CRC-16/UMTS (BUYPASS)
        assert_eq!(crc32(b"123456789"), 0x89A1_897F); // CRC-32/CKSUM before its final xor
    }
}
