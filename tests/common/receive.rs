//! What the receive tests share: the frames of an ATRAC3 file, and where the audio stream
//! starts in a USB trace (to cut the recorder off there).

use std::path::Path;

/// The ATRAC3 frames of an `.at3` file (its data, without the RIFF header).
pub fn frames_of(path: &Path) -> Vec<u8> {
    let info = atrac::probe(path).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let start = info.data_offset as usize;
    bytes[start..start + (info.frames * u64::from(info.frame_bytes)) as usize].to_vec()
}

/// The number of the first bulk IN transfer of a `--usb-trace` file (counting transfers from
/// 1, as `disconnect-after` does), and how many bulk IN transfers it holds.
pub fn first_bulk_in(trace: &Path) -> (u64, usize) {
    let kinds: Vec<String> = std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["kind"].as_str().unwrap_or("").to_owned()
        })
        .filter(|k| k.starts_with("ctrl") || k.starts_with("bulk"))
        .collect();
    let first = kinds.iter().position(|k| k.starts_with("bulkIN")).unwrap() + 1;
    let count = kinds.iter().filter(|k| k.starts_with("bulkIN")).count();
    (first as u64, count)
}
