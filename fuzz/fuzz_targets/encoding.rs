// Shared by the encoder fuzz targets: arbitrary bytes as PCM, pushed in pieces.

/// The bytes as 16-bit little-endian samples.
pub fn pcm(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Pushes `samples` in pieces of `chunk` (taking the frames after each), flushes, and returns
/// every frame the encoder wrote.
pub fn encode_in_pieces<E>(
    enc: &mut E,
    samples: &[i16],
    chunk: usize,
    push: fn(&mut E, &[i16]),
    take_frames: fn(&mut E, &mut Vec<u8>) -> usize,
    flush: fn(&mut E),
) -> Vec<u8> {
    let mut frames = Vec::new();
    for piece in samples.chunks(chunk) {
        push(enc, piece);
        take_frames(enc, &mut frames);
    }
    flush(enc);
    take_frames(enc, &mut frames);
    frames
}
