//! Small byte helpers shared by the protocol layers: hex text, BCD and a reply scanner.

use std::fmt::Write as _;

/// Lower-case hex without separators, as in the trace files.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses hex text; spaces are ignored so that command templates can be written readably.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    // Digit by digit: `device serve` reads megabytes of bulk data through here.
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high = None;
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let n = nibble(b)?;
        match high.take() {
            None => high = Some(n),
            Some(h) => out.push(h << 4 | n),
        }
    }
    high.is_none().then_some(out)
}

/// Hex for templates that are compile-time constants in this crate.
pub(crate) fn hex_const(text: &str) -> Vec<u8> {
    from_hex(text).unwrap_or_default()
}

pub fn bcd_to_int(bcd: u32) -> u32 {
    let mut value = 0;
    let mut scale = 1;
    let mut rest = bcd;
    while rest != 0 {
        value += (rest & 0xf) * scale;
        rest >>= 4;
        scale *= 10;
    }
    value
}

/// Encodes `value` in BCD; values too large for `digits` digits are clamped, because a
/// recorder field cannot hold them anyway.
pub fn int_to_bcd(value: u32, digits: u32) -> u32 {
    let max = 10u32.saturating_pow(digits).saturating_sub(1);
    let mut v = value.min(max);
    let mut bcd = 0;
    let mut shift = 0;
    while v != 0 {
        bcd |= (v % 10) << shift;
        v /= 10;
        shift += 4;
    }
    bcd
}

/// One value taken out of a reply by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Num(u32),
    Bytes(Vec<u8>),
}

impl Field {
    pub fn num(&self) -> u32 {
        match self {
            Field::Num(n) => *n,
            Field::Bytes(_) => 0,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Field::Bytes(b) => b,
            Field::Num(_) => &[],
        }
    }
}

/// Matches a reply against a template: hex pairs must match, `%?` skips a byte, `%b`/`%w`/`%d`
/// take 1/2/4-byte big-endian numbers, `%B`/`%W` 1/2-byte BCD, `%x` a block with a 16-bit length
/// in front, `%*` the rest. Returns the taken values or where the reply differed.
pub fn scan(input: &[u8], template: &str) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut chars = template.chars().filter(|c| !c.is_whitespace()).peekable();
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
        let end = *pos + n;
        if end > input.len() {
            return Err(format!(
                "reply too short: {} bytes, needed {end}",
                input.len()
            ));
        }
        let slice = &input[*pos..end];
        *pos = end;
        Ok(slice)
    };
    while let Some(c) = chars.next() {
        if c == '%' {
            let Some(kind) = chars.next() else {
                return Err("template ends with %".into());
            };
            match kind {
                '?' => {
                    take(&mut pos, 1)?;
                }
                'b' | 'w' | 'd' | 'B' | 'W' => {
                    let n = match kind {
                        'b' | 'B' => 1,
                        'w' | 'W' => 2,
                        _ => 4,
                    };
                    let raw = take(&mut pos, n)?
                        .iter()
                        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
                    let value = if kind.is_ascii_uppercase() {
                        bcd_to_int(raw)
                    } else {
                        raw
                    };
                    out.push(Field::Num(value));
                }
                'x' => {
                    let len = take(&mut pos, 2)?;
                    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                    out.push(Field::Bytes(take(&mut pos, len)?.to_vec()));
                }
                '*' => {
                    out.push(Field::Bytes(input[pos..].to_vec()));
                    pos = input.len();
                }
                other => return Err(format!("unknown template field %{other}")),
            }
            continue;
        }
        let Some(low) = chars.next() else {
            return Err("odd number of hex digits in template".into());
        };
        let expected = u8::from_str_radix(&format!("{c}{low}"), 16)
            .map_err(|_| format!("bad hex {c}{low} in template"))?;
        let at = pos;
        let got = take(&mut pos, 1)?[0];
        if got != expected {
            return Err(format!("byte {at}: expected {expected:02x}, got {got:02x}"));
        }
    }
    if pos != input.len() {
        return Err(format!("{} unexpected bytes at the end", input.len() - pos));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(from_hex("00 18ff"), Some(vec![0, 0x18, 0xff]));
        assert_eq!(to_hex(&[0, 0x18, 0xff]), "0018ff");
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("0A0b"), Some(vec![0x0a, 0x0b]));
        assert_eq!(from_hex("+f"), None);
        assert_eq!(from_hex("0g"), None);
        assert_eq!(from_hex(""), Some(vec![]));
    }

    #[test]
    fn bcd() {
        assert_eq!(bcd_to_int(0x59), 59);
        assert_eq!(int_to_bcd(59, 2), 0x59);
        assert_eq!(int_to_bcd(123, 2), 0x99);
        assert_eq!(int_to_bcd(1234, 4), 0x1234);
    }

    #[test]
    fn scanner() {
        let f = scan(&[0x18, 0x06, 0x00, 0x02, 0x41, 0x42, 0x13], "1806 %x %B").unwrap();
        assert_eq!(f, vec![Field::Bytes(b"AB".to_vec()), Field::Num(13)]);
        assert!(scan(&[0x18, 0x07], "1806").is_err());
        assert!(scan(&[0x18, 0x06, 0x00], "1806").is_err());
    }
}
