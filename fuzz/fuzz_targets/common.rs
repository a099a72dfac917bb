// Shared by the fuzz targets: probe a whole file held in memory, then decode all of it.

use std::io::Cursor;

use atrac;

pub fn probe_and_decode(bytes: Vec<u8>) {
    let len = bytes.len() as u64;
    let _ = atrac::probe_reader(&mut Cursor::new(&bytes), len);
    let Ok(mut decoder) = atrac::open_reader(Cursor::new(bytes), len) else {
        return;
    };
    let total = decoder.total_frames().unwrap_or(0);
    let mut out = Vec::new();
    // Every frame yields output or an error, so this ends; the bound only guards against a
    // decoder that would not.
    for _ in 0..=total {
        out.clear();
        match decoder.next_block(&mut out) {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
    }
    let _ = decoder.seek(total / 2);
    let _ = decoder.next_block(&mut out);
}
