//! The three Vorbis I header packets and a silent audio packet.
//!
//! The setup header is the smallest one the specification allows to be
//! useful: one two-entry codebook, one floor 1, one residue 1, one mapping
//! and one short-block mode. Audio packets flag every channel's floor as
//! unused (Vorbis I spec 7.2.4: a zero "nonzero" bit), which makes the
//! decoder skip residue decoding and output zeros; nothing after those
//! flags is read, so the packet ends there.

/// Short and long block sizes as powers of two: 256 and 2048 samples, the
/// usual pair at 44.1 kHz. Only short blocks are used.
const SHORT_BLOCK_EXP: u32 = 8;
const LONG_BLOCK_EXP: u32 = 11;

/// Samples each short-block packet adds once overlap is accounted for.
pub(crate) const SAMPLES_PER_PACKET: usize = 1 << (SHORT_BLOCK_EXP - 1);

const VENDOR: &str = "ministage demo";

/// Packs bit fields least-significant bit first, Vorbis's order.
#[derive(Default)]
struct LsbWriter {
    bytes: Vec<u8>,
    acc: u64,
    pending: u32,
}

impl LsbWriter {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value & ((1u64 << bits) - 1) as u32) << self.pending;
        self.pending += bits;
        while self.pending >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.pending -= 8;
        }
    }

    fn packet_start(kind: u8) -> Self {
        let mut w = Self::default();
        w.put(u32::from(kind), 8);
        for &b in b"vorbis" {
            w.put(u32::from(b), 8);
        }
        w
    }

    fn into_bytes(mut self) -> Vec<u8> {
        if self.pending > 0 {
            self.put(0, 8 - self.pending);
        }
        self.bytes
    }
}

/// The identification header; always 30 bytes.
pub(crate) fn identification(channels: u8, sample_rate: u32) -> Vec<u8> {
    let mut w = LsbWriter::packet_start(1);
    w.put(0, 32); // version
    w.put(u32::from(channels), 8);
    w.put(sample_rate, 32);
    // Maximum, nominal and minimum bitrate: 0 means "unset".
    for _ in 0..3 {
        w.put(0, 32);
    }
    w.put(SHORT_BLOCK_EXP, 4);
    w.put(LONG_BLOCK_EXP, 4);
    w.put(1, 1); // framing
    w.into_bytes()
}

/// The comment header with a vendor string and no user comments; tags are
/// added later by lofty, which rewrites this packet.
pub(crate) fn comments() -> Vec<u8> {
    let mut w = LsbWriter::packet_start(3);
    w.put(VENDOR.len() as u32, 32);
    for &b in VENDOR.as_bytes() {
        w.put(u32::from(b), 8);
    }
    w.put(0, 32); // user comment count
    w.put(1, 1); // framing
    w.into_bytes()
}

pub(crate) fn setup() -> Vec<u8> {
    let mut w = LsbWriter::packet_start(5);

    w.put(0, 8); // one codebook:
    w.put(0x56_43_42, 24); // sync "BCV"
    w.put(1, 16); // dimensions
    w.put(2, 24); // entries
    w.put(0, 1); // not ordered
    w.put(0, 1); // not sparse
    w.put(0, 5); // entry 0: length 1
    w.put(0, 5); // entry 1: length 1 (a complete Huffman tree)
    w.put(0, 4); // no vector lookup

    w.put(0, 6); // one time-domain placeholder,
    w.put(0, 16); // which must be zero

    w.put(0, 6); // one floor:
    w.put(1, 16); // type 1
    w.put(1, 5); // one partition
    w.put(0, 4); // of class 0
    w.put(0, 3); // class 0: dimension 1
    w.put(0, 2); // no subclasses, hence no master book
    w.put(0, 8); // subclass book: none
    w.put(1, 2); // multiplier 2
    w.put(8, 4); // range bits: posts lie in 0..=256
    w.put(128, 8); // the one extra post's X

    w.put(0, 6); // one residue:
    w.put(1, 16); // type 1
    w.put(0, 24); // begin
    w.put(1 << (SHORT_BLOCK_EXP - 1), 24); // end: a short block's half
    w.put(31, 24); // partition size 32
    w.put(0, 6); // one classification
    w.put(0, 8); // classbook 0 (1 dimension, 2 entries >= 1 class)
    w.put(0, 3); // classification 0: no cascade stages,
    w.put(0, 1); // so no residue books

    w.put(0, 6); // one mapping:
    w.put(0, 16); // type 0
    w.put(0, 1); // one submap
    w.put(0, 1); // no channel coupling
    w.put(0, 2); // reserved
    w.put(0, 8); // submap 0: unused time config
    w.put(0, 8); // floor 0
    w.put(0, 8); // residue 0

    w.put(0, 6); // one mode:
    w.put(0, 1); // short blocks
    w.put(0, 16); // window type 0
    w.put(0, 16); // transform type 0
    w.put(0, 8); // mapping 0

    w.put(1, 1); // framing
    w.into_bytes()
}

/// One short-block audio packet that decodes to silence: the audio packet
/// type bit (0), no mode bits (there is one mode), and a zero "floor in
/// use" bit for each channel.
pub(crate) fn silent_audio_packet(channels: u8) -> Vec<u8> {
    vec![0; (1 + usize::from(channels)).div_ceil(8)]
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "a sum of powers of two is exact")]
mod tests {
    use super::*;

    /// Reads LSB-first bit fields as the Vorbis spec defines them.
    struct Reader<'a> {
        data: &'a [u8],
        bit: usize,
    }

    impl Reader<'_> {
        fn get(&mut self, bits: u32) -> u32 {
            let mut v = 0;
            for i in 0..bits {
                let byte = self.data.get(self.bit / 8).copied();
                let byte = byte.unwrap_or_else(|| panic!("read past end at bit {}", self.bit));
                v |= u32::from((byte >> (self.bit % 8)) & 1) << i;
                self.bit += 1;
            }
            v
        }

        fn header(&mut self, kind: u32) {
            assert_eq!(self.get(8), kind);
            for &b in b"vorbis" {
                assert_eq!(self.get(8), u32::from(b));
            }
        }
    }

    #[test]
    fn identification_header_fields() {
        let packet = identification(2, 44_100);
        assert_eq!(packet.len(), 30);
        let mut r = Reader {
            data: &packet,
            bit: 0,
        };
        r.header(1);
        assert_eq!(r.get(32), 0);
        assert_eq!(r.get(8), 2);
        assert_eq!(r.get(32), 44_100);
        r.bit += 96;
        assert_eq!((1 << r.get(4), 1 << r.get(4)), (256, 2048));
        assert_eq!(r.get(1), 1, "framing bit");
    }

    #[test]
    fn comment_header_fields() {
        let packet = comments();
        let mut r = Reader {
            data: &packet,
            bit: 0,
        };
        r.header(3);
        let vendor_len = r.get(32) as usize;
        assert_eq!(&packet[11..11 + vendor_len], VENDOR.as_bytes());
        r.bit += 8 * vendor_len;
        assert_eq!(r.get(32), 0, "no user comments");
        assert_eq!(r.get(1), 1, "framing bit");
        assert_eq!(r.bit.div_ceil(8), packet.len());
    }

    /// Walks the setup header with the spec's decode procedure (section
    /// 4.2.4), checking each index refers to something that exists.
    #[test]
    fn setup_header_parses_per_spec() {
        let packet = setup();
        let mut r = Reader {
            data: &packet,
            bit: 0,
        };
        r.header(5);
        let books = r.get(8) + 1;
        let mut book_entries = Vec::new();
        for _ in 0..books {
            assert_eq!(r.get(24), 0x56_43_42, "codebook sync");
            let dims = r.get(16);
            let entries = r.get(24);
            assert_eq!(r.get(1), 0, "ordered");
            assert_eq!(r.get(1), 0, "sparse");
            let lengths: Vec<u32> = (0..entries).map(|_| r.get(5) + 1).collect();
            // Kraft sum exactly 1: a complete prefix code.
            let kraft: f64 = lengths.iter().map(|&l| 0.5f64.powi(l as i32)).sum();
            assert_eq!(kraft, 1.0);
            assert_eq!(r.get(4), 0, "lookup type");
            book_entries.push((dims, entries));
        }
        let times = r.get(6) + 1;
        for _ in 0..times {
            assert_eq!(r.get(16), 0);
        }
        let floors = r.get(6) + 1;
        for _ in 0..floors {
            assert_eq!(r.get(16), 1, "floor type");
            let partitions = r.get(5);
            let classes: Vec<u32> = (0..partitions).map(|_| r.get(4)).collect();
            let class_count = classes.iter().max().map_or(0, |m| m + 1);
            let mut dims = Vec::new();
            for _ in 0..class_count {
                dims.push(r.get(3) + 1);
                let subclasses = r.get(2);
                if subclasses > 0 {
                    assert!(r.get(8) < books);
                }
                for _ in 0..1 << subclasses {
                    let book = i64::from(r.get(8)) - 1;
                    assert!(book < i64::from(books));
                }
            }
            r.get(2);
            let range_bits = r.get(4);
            let mut xs = vec![0, 1 << range_bits];
            for &c in &classes {
                for _ in 0..dims[c as usize] {
                    xs.push(r.get(range_bits));
                }
            }
            let count = xs.len();
            xs.sort_unstable();
            xs.dedup();
            assert_eq!(xs.len(), count, "floor X values are unique");
        }
        let residues = r.get(6) + 1;
        for _ in 0..residues {
            assert!(r.get(16) <= 2, "residue type");
            let (begin, end) = (r.get(24), r.get(24));
            assert!(begin <= end);
            let _partition_size = r.get(24) + 1;
            let classifications = r.get(6) + 1;
            let classbook = r.get(8);
            let (dims, entries) = book_entries[classbook as usize];
            assert!(classifications.pow(dims) <= entries);
            let mut stages = 0;
            for _ in 0..classifications {
                let low = r.get(3);
                let high = if r.get(1) == 1 { r.get(5) } else { 0 };
                stages += ((high << 3) | low).count_ones();
            }
            for _ in 0..stages {
                assert!(r.get(8) < books);
            }
        }
        let mappings = r.get(6) + 1;
        for _ in 0..mappings {
            assert_eq!(r.get(16), 0, "mapping type");
            assert_eq!(r.get(1), 0, "single submap");
            assert_eq!(r.get(1), 0, "no coupling");
            assert_eq!(r.get(2), 0, "reserved");
            r.get(8);
            assert!(r.get(8) < floors);
            assert!(r.get(8) < residues);
        }
        let modes = r.get(6) + 1;
        for _ in 0..modes {
            assert_eq!(r.get(1), 0, "short blocks");
            assert_eq!(r.get(16), 0);
            assert_eq!(r.get(16), 0);
            assert!(r.get(8) < mappings);
        }
        assert_eq!(r.get(1), 1, "framing bit");
        assert_eq!(r.bit.div_ceil(8), packet.len(), "no trailing bytes");
    }

    #[test]
    fn audio_packets_flag_every_floor_unused() {
        assert_eq!(silent_audio_packet(1), vec![0]);
        assert_eq!(silent_audio_packet(7), vec![0]);
        assert_eq!(silent_audio_packet(8), vec![0, 0]);
    }
}
