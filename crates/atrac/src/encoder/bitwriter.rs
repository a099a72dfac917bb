//! An MSB-first bit writer into a fixed buffer, the mirror of [`crate::bits::BitReader`].
//! The encoder computes every unit's size before writing it, so running out of room is a
//! bug; it is remembered rather than allowed to write past the end.

pub(crate) struct BitWriter<'a> {
    buf: &'a mut [u8],
    /// Bits written so far.
    pos: usize,
    overflow: bool,
}

impl<'a> BitWriter<'a> {
    /// A writer at the start of `buf`, which it zeroes.
    pub fn new(buf: &'a mut [u8]) -> Self {
        buf.fill(0);
        Self {
            buf,
            pos: 0,
            overflow: false,
        }
    }

    /// Writes the low `n ≤ 32` bits of `value`.
    #[inline]
    pub fn write(&mut self, n: u32, value: u32) {
        if n == 0 {
            return;
        }
        debug_assert!(n <= 32);
        if self.pos + n as usize > self.buf.len() * 8 {
            self.overflow = true;
            return;
        }
        let value = u64::from(value) & ((1u64 << n) - 1);
        let mut left = n;
        while left > 0 {
            let byte = self.pos / 8;
            let free = 8 - (self.pos % 8) as u32;
            let take = free.min(left);
            let bits = ((value >> (left - take)) & ((1 << take) - 1)) as u8;
            self.buf[byte] |= bits << (free - take);
            self.pos += take as usize;
            left -= take;
        }
    }

    /// Writes `value` in `n` bits two's complement.
    #[inline]
    pub fn write_signed(&mut self, n: u32, value: i32) {
        self.write(n, value as u32);
    }

    /// Bits written so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// True when a write did not fit (a bug in the size computation).
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bits::BitReader;

    #[test]
    fn round_trips_through_the_reader() {
        let mut buf = [0u8; 128];
        let fields: Vec<(u32, i32)> = (0..60u32)
            .map(|i| ((i * 7 % 13) + 1, (i as i32 * 2_654_435) % 4096 - 2048))
            .collect();
        let mut w = BitWriter::new(&mut buf);
        for &(n, v) in &fields {
            w.write_signed(n, v);
        }
        let end = w.position();
        assert!(!w.overflowed());
        let mut r = BitReader::new(&buf);
        for &(n, v) in &fields {
            let want = (v << (32 - n)) >> (32 - n);
            assert_eq!(r.read_signed(n), want);
        }
        assert_eq!(r.position(), end);
    }

    #[test]
    fn refuses_to_write_past_the_end() {
        let mut buf = [0u8; 1];
        let mut w = BitWriter::new(&mut buf);
        w.write(6, 0x28);
        w.write(3, 7);
        assert!(w.overflowed());
        assert_eq!(w.position(), 6);
        assert_eq!(buf[0], 0xA0);
    }
}
