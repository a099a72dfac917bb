//! The ATRAC3 decoder on arbitrary frames behind a valid OMA header: the first byte picks
//! LP2, 105 kbps or LP4 (joint stereo).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, frames)) = data.split_first() else {
        return;
    };
    // Parameter word: 44.1 kHz, frame bytes / 8, joint-stereo bit.
    let params: u32 = match mode % 3 {
        0 => 0x00_2030,
        1 => 0x00_2026,
        _ => 0x02_2018,
    };
    let mut file = vec![0u8; 96];
    file[..4].copy_from_slice(b"EA3\x01");
    file[4..6].copy_from_slice(&96u16.to_be_bytes());
    file[6..8].copy_from_slice(&0xFFFFu16.to_be_bytes());
    file[33..36].copy_from_slice(&params.to_be_bytes()[1..]);
    file.extend_from_slice(frames);
    common::probe_and_decode(file);
});
