//! Generates a tree of small tagged FLAC and MP3 files, for benchmarks and for trying ministage
//! on a large library: `cargo run --release --example gen_tree -- DIR [TRACKS]`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: gen_tree DIR [TRACKS]"))?,
    );
    let tracks: usize = match args.next() {
        Some(n) => n.to_string_lossy().parse()?,
        None => 10_000,
    };
    let started = Instant::now();
    let files = testkit::generate_tree(&dir, tracks, 1)?;
    eprintln!(
        "{} files in {} ({:?})",
        files.len(),
        dir.display(),
        started.elapsed()
    );
    Ok(())
}
