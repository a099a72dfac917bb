//! An MSB-first bit reader over one frame. Reading past the end yields zero bits and is
//! remembered, so a decoder can reject a frame whose fields ran off its end without checking
//! every read.

pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// The next bits, left-aligned; `avail` of them are valid.
    cache: u64,
    avail: u32,
    /// The next byte to load into the cache.
    next: usize,
    /// Bits consumed so far.
    pos: usize,
    len_bits: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            cache: 0,
            avail: 0,
            next: 0,
            pos: 0,
            len_bits: data.len() * 8,
        }
    }

    /// Makes at least 32 bits available (zeros beyond the end of the data).
    #[inline]
    fn refill(&mut self) {
        if self.avail >= 32 {
            return;
        }
        let word = if let Some(&[a, b, c, d]) = self.data.get(self.next..self.next + 4) {
            u32::from_be_bytes([a, b, c, d])
        } else {
            let mut b = [0u8; 4];
            if let Some(tail) = self.data.get(self.next..) {
                b[..tail.len().min(4)].copy_from_slice(&tail[..tail.len().min(4)]);
            }
            u32::from_be_bytes(b)
        };
        self.cache |= u64::from(word) << (32 - self.avail);
        self.avail += 32;
        self.next += 4;
    }

    /// The next `n` (≤ 32) bits without consuming them.
    #[inline]
    pub fn peek(&mut self, n: u32) -> u32 {
        debug_assert!(n <= 32);
        if n == 0 {
            return 0;
        }
        self.refill();
        (self.cache >> (64 - n)) as u32
    }

    /// Consumes `n` (≤ 32) bits.
    #[inline]
    pub fn skip(&mut self, n: u32) {
        debug_assert!(n <= 32);
        self.refill();
        self.cache <<= n;
        self.avail -= n;
        self.pos += n as usize;
    }

    /// Up to 32 bits as an unsigned number.
    #[inline]
    pub fn read(&mut self, n: u32) -> u32 {
        let v = self.peek(n);
        if n > 0 {
            self.skip(n);
        }
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

    /// Bits not read yet (negative once a read went beyond the data).
    pub fn bits_left(&self) -> isize {
        self.len_bits as isize - self.pos as isize
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

    #[test]
    fn long_runs_of_odd_widths_match_a_bit_by_bit_reader() {
        let data: Vec<u8> = (0..64u32).map(|i| (i * 89 + 7) as u8).collect();
        let bit = |p: usize| (data.get(p / 8).copied().unwrap_or(0) >> (7 - p % 8)) & 1;
        let mut r = BitReader::new(&data);
        let mut p = 0;
        for n in (0..200).map(|i| (i * 7 % 33) as u32) {
            let want = (0..n as usize).fold(0u32, |v, k| (v << 1) | u32::from(bit(p + k)));
            assert_eq!(r.read(n), want, "width {n} at bit {p}");
            p += n as usize;
        }
        assert_eq!(r.overrun(), p > data.len() * 8);
    }
}
