//! The AEA reader (and whatever decoder it leads to) on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::probe_and_decode(data.to_vec());
});
