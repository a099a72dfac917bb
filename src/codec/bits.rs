//! An MSB-first bit reader over one frame. Reading past the end yields zero bits and is
//! remembered, so a decoder can reject a frame whose fields ran off its end without checking
//! every read.

pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    len_bits: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            len_bits: data.len() * 8,
        }
    }

    /// The next 32 bits from the current position, without consuming them.
    #[inline]
    fn window(&self) -> u32 {
        let byte = self.pos >> 3;
        let word = if let Some(bytes) = self.data.get(byte..byte + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            u64::from_be_bytes(b)
        } else {
            let mut b = [0u8; 8];
            if let Some(tail) = self.data.get(byte..) {
                b[..tail.len()].copy_from_slice(tail);
            }
            u64::from_be_bytes(b)
        };
        // At most 7 bits of the 64 are skipped, so 57 remain: enough for 32.
        ((word << (self.pos & 7)) >> 32) as u32
    }

    /// Up to 32 bits as an unsigned number.
    #[inline]
    pub fn read(&mut self, n: u32) -> u32 {
        debug_assert!(n <= 32);
        if n == 0 {
            return 0;
        }
        let v = self.window() >> (32 - n);
        self.pos += n as usize;
        v
    }

    /// Up to 32 bits as a two's-complement signed number.
    #[inline]
    pub fn read_signed(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        let v = self.read(n);
        ((v << (32 - n)) as i32) >> (32 - n)
    }

    #[inline]
    pub fn bit(&mut self) -> bool {
        self.read(1) != 0
    }

    /// The next `n` (≤ 32) bits without consuming them.
    #[inline]
    pub fn peek(&self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.window() >> (32 - n)
    }

    #[inline]
    pub fn skip(&mut self, n: u32) {
        self.pos += n as usize;
    }

    /// True once a read went beyond the data.
    pub fn overrun(&self) -> bool {
        self.pos > self.len_bits
    }

    #[cfg(test)]
    pub fn position(&self) -> usize {
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_msb_first_across_bytes() {
        let data = [0b1010_1100, 0b0101_0011, 0xFF];
        let mut r = BitReader::new(&data);
        assert_eq!(r.read(1), 1);
        assert_eq!(r.read(3), 0b010);
        assert_eq!(r.read(6), 0b11_0001);
        assert_eq!(r.peek(6), 0b01_0011);
        assert_eq!(r.read(6), 0b01_0011);
        assert_eq!(r.read(8), 0xFF);
        assert!(!r.overrun());
        assert_eq!(r.position(), 24);
    }

    #[test]
    fn signed_values_sign_extend() {
        let data = [0b1110_0111, 0b1000_0000];
        let mut r = BitReader::new(&data);
        assert_eq!(r.read_signed(3), -1);
        assert_eq!(r.read_signed(3), 1);
        assert_eq!(r.read_signed(3), -1);
        assert_eq!(r.read_signed(0), 0);
    }

    #[test]
    fn reading_past_the_end_gives_zeros_and_is_flagged() {
        let data = [0xFF];
        let mut r = BitReader::new(&data);
        assert_eq!(r.read(4), 0xF);
        assert_eq!(r.read(8), 0xF0);
        assert!(r.overrun());
        assert_eq!(r.read(32), 0);
        let mut empty = BitReader::new(&[]);
        assert_eq!(empty.read(32), 0);
        assert!(empty.overrun());
    }

    #[test]
    fn reads_thirty_two_bits_at_odd_offsets() {
        let data = [0x12, 0x34, 0x56, 0x78, 0x9A];
        let mut r = BitReader::new(&data);
        r.skip(4);
        assert_eq!(r.read(32), 0x2345_6789);
    }
}
