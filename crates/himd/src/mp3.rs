//! MPEG audio frames as a Hi-MD disc stores them: the frame length from a header, and an
//! MP3 file split into its frames for sending, with the checks that decide whether a unit
//! can play it (MPEG-1 Layer III at one bit rate; MPEG-2 and 2.5 are refused, named).

use crate::codec::{CODEC_ATRAC3PLUS_OR_MPEG, CodecInfo};

/// The codec info of the frames whose first header is `header`.
pub fn codec_of(header: [u8; 4]) -> CodecInfo {
    CodecInfo {
        id: CODEC_ATRAC3PLUS_OR_MPEG,
        info: [
            3,
            0,
            0x80,
            (header[1] >> 3 & 3) << 6 | (header[1] >> 1 & 3) << 4 | header[2] >> 4,
            (header[2] >> 2 & 3) << 6 | (header[3] >> 6) << 4 | (header[3] & 3) << 2,
        ],
    }
}

/// The length of the MPEG audio frame that starts with `header`.
pub fn frame_len(header: [u8; 4]) -> Option<usize> {
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 {
        return None;
    }
    let codec = codec_of(header);
    let bytes = codec.frame_bytes() as usize;
    let padding = usize::from(header[2] >> 1 & 1);
    let slot = if codec.samples_per_frame() == 384 {
        4
    } else {
        1
    };
    (bytes > 0).then_some(bytes + padding * slot)
}

/// An MP3 file's audio: whole frames, tags left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mp3Frames {
    pub codec: CodecInfo,
    /// The frames, back to back.
    pub data: Vec<u8>,
    /// Where each frame ends in `data`.
    pub ends: Vec<usize>,
}

impl Mp3Frames {
    /// Splits `file` into frames, refusing (with the reason) what a unit would not play.
    pub fn parse(file: &[u8]) -> Result<Self, String> {
        let mut at = id3v2_len(file);
        let mut end = file.len();
        if end >= at + 128 && &file[end - 128..end - 125] == b"TAG" {
            end -= 128;
        }
        let mut first: Option<[u8; 4]> = None;
        let mut ends = Vec::new();
        let start = at;
        while at < end {
            let Some(header) = file
                .get(at..at + 4)
                .and_then(|h| <[u8; 4]>::try_from(h).ok())
            else {
                break;
            };
            let Some(len) = frame_len(header) else {
                if ends.is_empty() {
                    return Err(format!(
                        "no MPEG audio frame where one should start (byte {at})"
                    ));
                }
                // Trailing bytes that are not a frame (an APE tag, junk) are left out.
                break;
            };
            match first {
                None => {
                    let codec = codec_of(header);
                    // Version bits 3 and layer bits 1: MPEG-1 Layer III. Hi-MD units play
                    // that alone: nothing in the facts has one play MPEG-2 or 2.5 (the
                    // lower sample rates), and Sony's software converted those to ATRAC.
                    match (codec.info[3] >> 6, codec.info[3] >> 4 & 3) {
                        (3, 1) => {}
                        (version, 1) => {
                            return Err(format!(
                                "it is {} Layer III, and Hi-MD units play only MPEG-1 Layer III \
                                 (auto mode sends it as ATRAC3 instead)",
                                if version == 2 { "MPEG-2" } else { "MPEG-2.5" }
                            ));
                        }
                        _ => {
                            return Err("it is not MPEG-1 Layer III, the only MPEG audio a \
                                        Hi-MD unit plays"
                                .into());
                        }
                    }
                    first = Some(header);
                }
                Some(h) if !same_stream(h, header) => {
                    return Err(format!(
                        "frame {} changes the bit rate or format: variable-bit-rate MP3 \
                         cannot go to a Hi-MD disc in mp3 mode (choose an ATRAC or PCM mode)",
                        ends.len() + 1
                    ));
                }
                Some(_) => {}
            }
            if at + len > end {
                // A cut-off last frame is dropped.
                break;
            }
            at += len;
            ends.push(at - start);
        }
        let header = first.ok_or("the file holds no MPEG audio frames")?;
        Ok(Self {
            codec: codec_of(header),
            data: file[start..start + ends.last().copied().unwrap_or(0)].to_vec(),
            ends,
        })
    }

    pub fn frame_count(&self) -> usize {
        self.ends.len()
    }

    /// Whole seconds of audio.
    pub fn seconds(&self) -> u64 {
        self.codec.frames_to_ms(self.ends.len() as u64) / 1000
    }
}

/// Same version, layer, bit rate, sample rate and channel mode (padding may change).
fn same_stream(a: [u8; 4], b: [u8; 4]) -> bool {
    a[1] & 0xFE == b[1] & 0xFE && a[2] & 0xFC == b[2] & 0xFC && a[3] >> 6 == b[3] >> 6
}

/// The length of an ID3v2 tag at the start of `file` (0 when there is none).
fn id3v2_len(file: &[u8]) -> usize {
    match file.get(..10) {
        Some(h) if &h[..3] == b"ID3" => {
            let size = h[6..10]
                .iter()
                .fold(0usize, |acc, &b| acc << 7 | usize::from(b & 0x7F));
            let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
            (10 + size + footer).min(file.len())
        }
        _ => 0,
    }
}

/// Frames `first..last` of a run of MPEG frames, found by walking their headers.
pub fn frames_between(data: &[u8], first: usize, last: usize) -> Option<&[u8]> {
    let mut offsets = vec![0usize];
    let mut at = 0;
    while offsets.len() <= last {
        let header: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        at += frame_len(header)?;
        offsets.push(at.min(data.len()));
    }
    data.get(offsets[first]..offsets[last])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// MPEG-1 Layer III frames at `kbps_index` (9 = 128 kbps), 44.1 kHz, stereo; each
    /// frame's body filled with its number.
    pub(crate) fn frames(kbps_index: u8, count: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..count {
            let header = [0xFF, 0xFB, kbps_index << 4, 0x00];
            let len = frame_len(header).unwrap_or(4);
            let mut f = vec![i as u8; len];
            f[..4].copy_from_slice(&header);
            out.extend(f);
        }
        out
    }

    #[test]
    fn frames_are_found_by_their_headers() {
        // MPEG 1 layer III, 128 kbps, 44.1 kHz: 417 bytes, 418 padded.
        let mut data = Vec::new();
        for padded in [false, true, false] {
            let len = if padded { 418 } else { 417 };
            let mut f = vec![0u8; len];
            f[..4].copy_from_slice(&[0xFF, 0xFB, 0x90 | u8::from(padded) << 1, 0x00]);
            data.extend(f);
        }
        assert_eq!(frames_between(&data, 1, 2).map(<[u8]>::len), Some(418));
        assert_eq!(
            frames_between(&data, 0, 3).map(<[u8]>::len),
            Some(417 * 2 + 418)
        );
        assert_eq!(frames_between(&data, 0, 4), None);
        assert_eq!(frames_between(&[0u8; 8], 0, 1), None);
    }

    #[test]
    fn a_cbr_file_splits_into_frames_without_its_tags() {
        let mut file = b"ID3\x03\x00\x00\x00\x00\x00\x05hello".to_vec();
        let audio = frames(9, 5);
        file.extend(&audio);
        file.extend(b"TAG");
        file.extend([0u8; 125]);
        let mp3 = Mp3Frames::parse(&file).unwrap();
        assert_eq!(mp3.data, audio);
        assert_eq!(mp3.frame_count(), 5);
        assert_eq!(mp3.ends[0], 417);
        assert_eq!(mp3.codec.kbps(), 128);
        assert_eq!(mp3.codec.sample_rate(), 44_100);
    }

    #[test]
    fn vbr_and_other_layers_are_refused_with_the_reason() {
        let mut vbr = frames(9, 3);
        vbr.extend(frames(11, 3));
        let err = Mp3Frames::parse(&vbr).unwrap_err();
        assert!(err.contains("variable-bit-rate"), "{err}");
        // Layer II.
        let mut layer2 = frames(9, 2);
        layer2[1] = 0xFD;
        let err = Mp3Frames::parse(&layer2).unwrap_err();
        assert!(err.contains("Layer III"), "{err}");
        // MPEG-2 and 2.5 Layer III, named.
        for (byte1, name) in [(0xF3, "MPEG-2 Layer III"), (0xE3, "MPEG-2.5 Layer III")] {
            let mut lsf = vec![0xFF, byte1, 0x80, 0x44];
            lsf.resize(2000, 0);
            let err = Mp3Frames::parse(&lsf).unwrap_err();
            assert!(err.contains(name) && err.contains("ATRAC3"), "{err}");
        }
        assert!(Mp3Frames::parse(b"not an mp3 at all").is_err());
        assert!(Mp3Frames::parse(&[]).is_err());
    }
}
