//! The ATRAC3plus decoder on arbitrary frames behind a valid OMA header: the first byte picks
//! one of Sony's frame sizes (48 to 352 kbps) and mono or stereo.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// Frame bytes of 48, 64, 96, 128, 192, 256 and 352 kbps.
const FRAME_BYTES: [u32; 7] = [280, 376, 560, 744, 1112, 1488, 2048];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, frames)) = data.split_first() else {
        return;
    };
    let frame_bytes = FRAME_BYTES[usize::from(mode) % 7];
    let layout: u32 = if (mode / 7) % 2 == 0 { 1 } else { 2 };
    // Parameter word: 44.1 kHz, channel layout, frame bytes / 8 − 1.
    let params = 0x2000 | layout << 10 | (frame_bytes / 8 - 1);
    let mut file = vec![0u8; 96];
    file[..4].copy_from_slice(b"EA3\x01");
    file[4..6].copy_from_slice(&96u16.to_be_bytes());
    file[6..8].copy_from_slice(&0xFFFFu16.to_be_bytes());
    file[32] = 1;
    file[33..36].copy_from_slice(&params.to_be_bytes()[1..]);
    file.extend_from_slice(frames);
    common::probe_and_decode(file);
});
