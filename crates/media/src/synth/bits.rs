//! MSB-first bit packing, the order used by FLAC and AAC bitstreams.

/// Appends bit fields most-significant bit first.
#[derive(Debug, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits live in the low `pending` bits of `acc`.
    acc: u64,
    pending: u32,
}

impl BitWriter {
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(bytes),
            ..Self::default()
        }
    }

    /// Appends the low `bits` bits of `value` (at most 32 at a time).
    #[expect(
        clippy::inline_always,
        reason = "called per code in the FLAC encoder's inner loop"
    )]
    #[inline(always)]
    pub fn put(&mut self, value: u32, bits: u32) {
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
    pub fn put_signed(&mut self, value: i32, bits: u32) {
        self.put(value as u32, bits);
    }

    /// Appends `zeros` zero bits followed by a one: a unary count as Rice
    /// codes spell their quotients.
    pub fn put_unary(&mut self, mut zeros: u32) {
        while zeros >= 32 {
            self.put(0, 32);
            zeros -= 32;
        }
        self.put(1, zeros + 1);
    }

    /// Appends each value Rice-coded with parameter `k`: the folded value's
    /// quotient by 2^k in unary, then its low `k` bits. One call per
    /// partition rather than per sample, which matters in debug builds.
    pub fn put_rice(&mut self, values: &[i32], k: u32) {
        let mask = (1u32 << k) - 1;
        let mut i = 0;
        while i < values.len() {
            let u = zigzag(values[i]);
            let q = u >> k;
            if q + 1 + k <= 32 {
                // The quotient's zeros are the field's leading zero bits.
                self.put((1 << k) | (u & mask), q + 1 + k);
            } else {
                self.put_unary(q);
                self.put(u & mask, k);
            }
            i += 1;
        }
    }

    /// Pads with zero bits up to the next byte boundary.
    pub fn align(&mut self) {
        if self.pending > 0 {
            self.put(0, 8 - self.pending);
        }
    }

    /// Bytes completed so far; call [`align`](Self::align) first to include
    /// a trailing partial byte.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends whole bytes; the writer must be byte aligned.
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.pending, 0);
        self.bytes.extend_from_slice(bytes);
    }

    pub fn into_bytes(mut self) -> Vec<u8> {
        self.align();
        self.bytes
    }
}

/// Folds signed values onto unsigned ones (0, -1, 1, -2, 2 ...) so small
/// magnitudes of either sign get short Rice codes.
#[expect(
    clippy::inline_always,
    reason = "called per sample in the FLAC encoder's inner loop"
)]
#[inline(always)]
pub fn zigzag(e: i32) -> u32 {
    ((e << 1) ^ (e >> 31)) as u32
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

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
    fn rice_codes_fold_signs_and_split_quotients() {
        let mut w = BitWriter::default();
        // k = 2: 3 -> 6 = q1 r10 -> "01" "10"; -1 -> 1 = q0 r01 -> "1" "01";
        // 40 -> 80 = q20: twenty zeros, a one, "00".
        w.put_rice(&[3, -1, 40], 2);
        let bits: String = w.into_bytes().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:08b}");
            s
        });
        let want = format!("0110101{}100", "0".repeat(20));
        assert_eq!(&bits[..want.len()], want);
        assert!(bits[want.len()..].chars().all(|c| c == '0'));
        assert_eq!(
            (zigzag(0), zigzag(-1), zigzag(1), zigzag(i32::MIN)),
            (0, 1, 2, u32::MAX)
        );
    }

    #[test]
    fn signed_values_are_twos_complement() {
        let mut w = BitWriter::default();
        w.put_signed(-2, 4);
        w.put_signed(3, 4);
        assert_eq!(w.into_bytes(), vec![0xE3]);
    }
}
