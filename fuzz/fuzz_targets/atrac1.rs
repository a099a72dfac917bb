//! The ATRAC1 decoder on arbitrary sound units behind a valid AEA header: the first byte
//! picks mono or stereo.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, units)) = data.split_first() else {
        return;
    };
    let mut file = vec![0u8; 2048];
    file[..4].copy_from_slice(&[0x00, 0x08, 0x00, 0x00]);
    file[264] = 1 + mode % 2;
    file.extend_from_slice(units);
    common::probe_and_decode(file);
});
