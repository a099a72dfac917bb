//! MSB-first bit packing, the order used by FLAC and AAC bitstreams.

/// Appends bit fields most-significant bit first.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits live in the low `pending` bits of `acc`.
    acc: u64,
    pending: u32,
}

impl BitWriter {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(bytes),
            ..Self::default()
        }
    }

    /// Appends the low `bits` bits of `value` (at most 32 at a time).
    pub(crate) fn put(&mut self, value: u32, bits: u32) {
        debug_assert!(bits <= 32);
        if bits == 0 {
            return;
        }
        let mask = (1u64 << bits) - 1;
        self.acc = (self.acc << bits) | (u64::from(value) & mask);
        self.pending += bits;
        while self.pending >= 8 {
            self.pending -= 8;
            // Truncation keeps exactly the byte being emitted.
            self.bytes.push((self.acc >> self.pending) as u8);
        }
    }

    /// Appends a signed value as `bits`-bit two's complement.
    pub(crate) fn put_signed(&mut self, value: i32, bits: u32) {
        self.put(value as u32, bits);
    }

    /// Appends `zeros` zero bits followed by a one: a unary count as Rice
    /// codes spell their quotients.
    pub(crate) fn put_unary(&mut self, mut zeros: u32) {
        while zeros >= 32 {
            self.put(0, 32);
            zeros -= 32;
        }
        self.put(1, zeros + 1);
    }

    /// Pads with zero bits up to the next byte boundary.
    pub(crate) fn align(&mut self) {
        if self.pending > 0 {
            self.put(0, 8 - self.pending);
        }
    }

    /// Bytes completed so far; call [`align`](Self::align) first to include
    /// a trailing partial byte.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends whole bytes; the writer must be byte aligned.
    pub(crate) fn put_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.pending, 0);
        self.bytes.extend_from_slice(bytes);
    }

    pub(crate) fn into_bytes(mut self) -> Vec<u8> {
        self.align();
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_most_significant_bit_first() {
        let mut w = BitWriter::default();
        w.put(0b101, 3);
        w.put(0b1, 1);
        w.put(0xABC, 12);
        assert_eq!(w.into_bytes(), vec![0b1011_1010, 0xBC]);
    }

    #[test]
    fn unary_codes_span_many_words() {
        let mut w = BitWriter::default();
        w.put_unary(70);
        let bytes = w.into_bytes();
        // 70 zeros then a one: bit 70 is set, i.e. byte 8, bit 6 from the top.
        assert_eq!(bytes.len(), 9);
        assert!(bytes[..8].iter().all(|&b| b == 0));
        assert_eq!(bytes[8], 0b0000_0010);
    }

    #[test]
    fn signed_values_are_twos_complement() {
        let mut w = BitWriter::default();
        w.put_signed(-2, 4);
        w.put_signed(3, 4);
        assert_eq!(w.into_bytes(), vec![0xE3]);
    }
}
