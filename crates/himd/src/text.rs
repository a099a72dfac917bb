//! The text of a string chain: its first byte names the encoding, the rest is the text,
//! ended by a NUL (two for UTF-16) or by the end of the chain.

use encoding_rs::SHIFT_JIS;

/// The encodings a Hi-MD unit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Latin1,
    Utf16Be,
    ShiftJis,
}

impl TextEncoding {
    pub fn marker(self) -> u8 {
        match self {
            Self::Latin1 => 0x05,
            Self::Utf16Be => 0x84,
            Self::ShiftJis => 0x90,
        }
    }

    pub fn from_marker(byte: u8) -> Option<Self> {
        match byte {
            0x05 => Some(Self::Latin1),
            0x84 => Some(Self::Utf16Be),
            0x90 => Some(Self::ShiftJis),
            _ => None,
        }
    }
}

/// Decodes the bytes of a chain (marker first). Bytes a codec cannot map become U+FFFD, so a
/// damaged title still shows; `None` when the marker is unknown.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let (&marker, body) = bytes.split_first()?;
    Some(match TextEncoding::from_marker(marker)? {
        TextEncoding::Latin1 => body
            .iter()
            .take_while(|&&b| b != 0)
            .map(|&b| char::from(b))
            .collect(),
        TextEncoding::Utf16Be => {
            let units: Vec<u16> = body
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        }
        TextEncoding::ShiftJis => {
            let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
            SHIFT_JIS
                .decode_without_bom_handling(&body[..end])
                .0
                .into_owned()
        }
    })
}

/// Encodes `text` as units read it best: Latin-1 when every character fits, else Shift-JIS
/// when it maps without loss, else UTF-16BE. The marker comes first; no terminator.
pub fn encode(text: &str) -> Vec<u8> {
    if text.chars().all(|c| u32::from(c) <= 0xFF) {
        let mut out = vec![TextEncoding::Latin1.marker()];
        out.extend(text.chars().map(|c| u32::from(c) as u8));
        return out;
    }
    let (sjis, _, lossy) = SHIFT_JIS.encode(text);
    let mut out;
    if lossy {
        out = vec![TextEncoding::Utf16Be.marker()];
        out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    } else {
        out = vec![TextEncoding::ShiftJis.marker()];
        out.extend_from_slice(&sjis);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_when_it_fits() {
        let bytes = encode("Café");
        assert_eq!(bytes, b"\x05Caf\xe9");
        assert_eq!(decode(&bytes).as_deref(), Some("Café"));
    }

    #[test]
    fn shift_jis_for_japanese_and_utf16_for_the_rest() {
        let jp = encode("東京");
        assert_eq!(jp[0], 0x90);
        assert_eq!(decode(&jp).as_deref(), Some("東京"));
        let greek = encode("Ωμέγα ☃");
        assert_eq!(greek[0], 0x84);
        assert_eq!(decode(&greek).as_deref(), Some("Ωμέγα ☃"));
    }

    #[test]
    fn padding_after_the_text_is_dropped() {
        assert_eq!(decode(b"\x05Line In\0\0\0").as_deref(), Some("Line In"));
        assert_eq!(decode(b"\x84\x00A\x00\x00\x00B").as_deref(), Some("A"));
        // An odd trailing byte of UTF-16 is ignored rather than misread.
        assert_eq!(decode(b"\x84\x00A\x00").as_deref(), Some("A"));
    }

    #[test]
    fn unknown_marker_or_empty_is_none() {
        assert_eq!(decode(b"\x07abc"), None);
        assert_eq!(decode(b""), None);
    }
}
