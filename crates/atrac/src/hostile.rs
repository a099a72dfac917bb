//! Hostile input: mutated and random files must give errors or output, never a panic, a hang
//! or a large allocation. (The `fuzz/` targets do the same at length; this runs in every
//! `cargo test`.)

use std::io::Cursor;

use proptest::prelude::*;

use super::{oma, open_reader, probe_reader, riff};

/// Probes and fully decodes `bytes`, checking that the output matches what was announced.
fn exercise(bytes: Vec<u8>) {
    let len = bytes.len() as u64;
    let _ = probe_reader(&mut Cursor::new(&bytes), len);
    let Ok(mut dec) = open_reader(Cursor::new(bytes), len) else {
        return;
    };
    let total = dec.total_frames().unwrap_or(0);
    let channels = u64::from(dec.channels());
    assert!(
        total <= len * 1024,
        "{total} samples announced for {len} bytes"
    );
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap_or(false) {
        assert!(out.len() as u64 <= (total + 4096) * channels);
    }
    let _ = dec.seek(total / 3);
}

/// A valid small file of each container, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let mut lp2 = oma::tests::ea3_header(0xFFFF, 0, 0x00_2030);
    lp2.extend((0..384 * 3).map(|i| (i * 7 % 256) as u8));
    lp2[96] = 0xA0;
    let mut lp4 = oma::tests::ea3_header(0xFFFF, 0, 0x02_2018);
    lp4.extend((0..192 * 3).map(|i| (i * 13 % 256) as u8));
    let mono = riff::tests::at3_bytes(1, 152, false, 3);
    let mut aea = vec![0u8; 2048];
    aea[..4].copy_from_slice(&[0, 8, 0, 0]);
    aea[264] = 2;
    aea.extend((0..424 * 3).map(|i| (i * 31 % 256) as u8));
    // ATRAC3plus, stereo, 376-byte frames, each starting with a valid start bit and unit id.
    let mut at3p = oma::tests::ea3_header(0xFFFF, 1, 0x00_282E);
    at3p.extend((0..376 * 3).map(|i| match i % 376 {
        0 => 0x27,
        _ => (i * 53 % 256) as u8,
    }));
    vec![lp2, lp4, mono, aea, at3p]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_files_never_panic(
        seed in 0usize..5,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = seeds().swap_remove(seed);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        exercise(bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        exercise(bytes);
    }
}
