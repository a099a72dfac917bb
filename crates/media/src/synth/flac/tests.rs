//! A minimal FLAC decoder for exactly the subset the encoder emits, so the
//! tests can prove every CRC and every sample round-trips.

use super::*;
use crate::synth::pcm::melody;

struct Reader<'a> {
    data: &'a [u8],
    bit: usize,
}

impl Reader<'_> {
    fn bits(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = self
                .data
                .get(self.bit / 8)
                .ok_or("unexpected end of data")?;
            v = (v << 1) | u32::from((byte >> (7 - self.bit % 8)) & 1);
            self.bit += 1;
        }
        Ok(v)
    }

    fn signed(&mut self, n: u32) -> Result<i32, String> {
        let v = self.bits(n)?;
        Ok(((v << (32 - n)) as i32) >> (32 - n))
    }

    fn unary(&mut self) -> Result<u32, String> {
        let mut zeros = 0;
        while self.bits(1)? == 0 {
            zeros += 1;
        }
        Ok(zeros)
    }

    fn align(&mut self) {
        self.bit = self.bit.div_ceil(8) * 8;
    }

    fn byte(&self) -> usize {
        self.bit / 8
    }
}

#[derive(Debug, PartialEq)]
struct StreamInfo {
    min_block: u32,
    max_block: u32,
    min_frame: u32,
    max_frame: u32,
    sample_rate: u32,
    channels: u32,
    bits_per_sample: u32,
    total: u64,
}

fn decode(data: &[u8]) -> Result<(StreamInfo, Vec<i16>, usize), String> {
    if !data.starts_with(b"fLaC") {
        return Err("missing fLaC marker".into());
    }
    let mut r = Reader { data, bit: 32 };
    let mut info = None;
    loop {
        let last = r.bits(1)?;
        let kind = r.bits(7)?;
        let len = r.bits(24)? as usize;
        let end = r.bit + 8 * len;
        if kind == 0 {
            info = Some(StreamInfo {
                min_block: r.bits(16)?,
                max_block: r.bits(16)?,
                min_frame: r.bits(24)?,
                max_frame: r.bits(24)?,
                sample_rate: r.bits(20)?,
                channels: r.bits(3)? + 1,
                bits_per_sample: r.bits(5)? + 1,
                total: (u64::from(r.bits(4)?) << 32) | u64::from(r.bits(32)?),
            });
        }
        r.bit = end;
        if last == 1 {
            break;
        }
    }
    let info = info.ok_or("no STREAMINFO")?;
    let mut samples = Vec::new();
    let mut frames = 0;
    while r.byte() < data.len() {
        decode_frame(&mut r, &info, frames, &mut samples)?;
        frames += 1;
    }
    Ok((info, samples, frames as usize))
}

fn decode_frame(
    r: &mut Reader<'_>,
    info: &StreamInfo,
    number: u32,
    out: &mut Vec<i16>,
) -> Result<(), String> {
    let start = r.byte();
    if r.bits(14)? != SYNC_CODE || r.bits(2)? != 0 {
        return Err(format!("bad sync in frame {number}"));
    }
    let size_code = r.bits(4)?;
    let rate_code = r.bits(4)?;
    let channels = r.bits(4)? + 1;
    if r.bits(3)? != 0b100 || r.bits(1)? != 0 || channels != info.channels {
        return Err("unexpected sample size or channels".into());
    }
    if rate_code != sample_rate_code(info.sample_rate) {
        return Err("sample rate code disagrees with STREAMINFO".into());
    }
    let first = r.bits(8)?;
    let extra = (first << 24).leading_ones().saturating_sub(1);
    let mut coded = first & (0x7F >> extra);
    for _ in 0..extra {
        coded = (coded << 6) | (r.bits(8)? & 0x3F);
    }
    if coded != number {
        return Err(format!("frame {number} numbered {coded}"));
    }
    let len = match size_code {
        6 => r.bits(8)? + 1,
        7 => r.bits(16)? + 1,
        1 => 192,
        2..=5 => 576 << (size_code - 2),
        _ => 256 << (size_code - 8),
    } as usize;
    let crc = crc8(&r.data[start..r.byte()]);
    if r.bits(8)? != u32::from(crc) {
        return Err(format!("header CRC-8 mismatch in frame {number}"));
    }
    let mut planes = Vec::new();
    for _ in 0..channels {
        planes.push(decode_subframe(r, len)?);
    }
    r.align();
    let crc = crc16(&r.data[start..r.byte()]);
    if r.bits(16)? != u32::from(crc) {
        return Err(format!("CRC-16 mismatch in frame {number}"));
    }
    for i in 0..len {
        out.extend(planes.iter().map(|p| p[i] as i16));
    }
    Ok(())
}

#[expect(
    clippy::many_single_char_names,
    reason = "a reference decoder, its names as short as the format description's"
)]
fn decode_subframe(r: &mut Reader<'_>, len: usize) -> Result<Vec<i32>, String> {
    let header = r.bits(8)?;
    let kind = (header >> 1) & 0x3F;
    if header & 0x81 != 0 {
        return Err("pad bit or wasted bits set".into());
    }
    match kind {
        0 => Ok(vec![r.signed(16)?; len]),
        1 => (0..len).map(|_| r.signed(16)).collect(),
        8..=12 => {
            let order = (kind - 8) as usize;
            let mut x = (0..order)
                .map(|_| r.signed(16))
                .collect::<Result<Vec<_>, _>>()?;
            let method = r.bits(2)?;
            let param_bits = [4, 5].get(method as usize).ok_or("bad coding method")?;
            let partition_order = r.bits(4)?;
            let part_len = len >> partition_order;
            for j in 0..1usize << partition_order {
                let k = r.bits(*param_bits)?;
                let count = if j == 0 { part_len - order } else { part_len };
                for _ in 0..count {
                    let u = (r.unary()? << k) | r.bits(k)?;
                    let e = (u >> 1) as i32 ^ -((u & 1) as i32);
                    let i = x.len();
                    let predicted = match order {
                        0 => 0,
                        1 => x[i - 1],
                        2 => 2 * x[i - 1] - x[i - 2],
                        3 => 3 * x[i - 1] - 3 * x[i - 2] + x[i - 3],
                        _ => 4 * x[i - 1] - 6 * x[i - 2] + 4 * x[i - 3] - x[i - 4],
                    };
                    x.push(predicted + e);
                }
            }
            Ok(x)
        }
        _ => Err(format!("unexpected subframe type {kind}")),
    }
}

fn pcm(sample_rate: u32, channels: u16, samples: Vec<i16>) -> Pcm {
    Pcm {
        sample_rate,
        channels,
        samples,
    }
}

fn assert_round_trip(p: &Pcm) -> (StreamInfo, usize) {
    let bytes = encode(p).expect("encodable");
    let (info, samples, frames) = decode(&bytes).expect("decodable");
    assert_eq!(samples.len(), p.samples.len());
    assert!(samples == p.samples, "decoded samples differ");
    assert_eq!(info.total, p.frames() as u64);
    assert_eq!(info.sample_rate, p.sample_rate);
    assert_eq!(info.channels, u32::from(p.channels));
    (info, frames)
}

#[test]
fn melody_round_trips_losslessly_and_compresses() {
    let p = melody(11, 2.5, 44_100, 2);
    let (info, frames) = assert_round_trip(&p);
    assert_eq!(frames, 27); // 110_250 samples / 4096, rounded up
    assert_eq!((info.min_block, info.max_block), (4096, 4096));
    assert_eq!(info.bits_per_sample, 16);
    assert!(info.min_frame > 0 && info.min_frame <= info.max_frame);
    let size = encode(&p).expect("encodable").len();
    assert!(
        size < p.samples.len() * 2 * 3 / 4,
        "poor compression: {size}"
    );
}

#[test]
fn awkward_shapes_round_trip() {
    let noise: Vec<i16> = (0..9_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 16) as i16)
        .collect();
    let extremes: Vec<i16> = (0..5_000)
        .map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN })
        .collect();
    let cases = [
        pcm(44_100, 1, vec![5]),
        pcm(44_100, 1, vec![1, -1, 7]),
        pcm(22_050, 1, (0..4096).map(|i| (i % 300) as i16).collect()),
        pcm(
            11_025,
            2,
            (0..8_194).map(|i| (i * 7 % 1000) as i16).collect(),
        ),
        pcm(48_000, 1, noise),
        pcm(32_000, 1, extremes),
        melody(2, 0.3, 96_000, 8),
        pcm(44_100, 2, Vec::new()),
    ];
    for case in &cases {
        assert_round_trip(case);
    }
}

#[test]
fn long_silence_uses_multibyte_frame_numbers_and_constant_subframes() {
    let p = Pcm::silence(14.0, 44_100, 1); // 151 frames
    let (_, frames) = assert_round_trip(&p);
    assert_eq!(frames, 151);
    let size = encode(&p).expect("encodable").len();
    // Each frame: 6-7 header bytes, a 3-byte CONSTANT subframe, CRC-16.
    assert!(size < 42 + 151 * 13, "silence not constant-coded: {size}");
}

#[test]
fn corruption_is_caught_by_the_crcs() {
    let mut bytes = encode(&melody(4, 0.2, 44_100, 2)).expect("encodable");
    let header_byte = 42 + 2;
    bytes[header_byte] ^= 0x10;
    assert!(decode(&bytes).is_err());
    bytes[header_byte] ^= 0x10;
    let body_byte = bytes.len() - 100;
    bytes[body_byte] ^= 0x01;
    assert!(decode(&bytes).is_err());
}

#[test]
fn frame_numbers_use_the_utf8_scheme() {
    let code = |v| {
        let mut w = BitWriter::default();
        put_utf8(&mut w, v);
        w.into_bytes()
    };
    assert_eq!(code(0x7F), [0x7F]);
    assert_eq!(code(0x80), [0xC2, 0x80]);
    assert_eq!(code(0x7FF), [0xDF, 0xBF]);
    assert_eq!(code(0x800), [0xE0, 0xA0, 0x80]);
    assert_eq!(code(0x10000), [0xF0, 0x90, 0x80, 0x80]);
}

#[test]
fn unrepresentable_input_is_refused() {
    assert!(encode(&pcm(44_100, 0, vec![])).is_err());
    assert!(encode(&pcm(44_100, 9, vec![0; 9])).is_err());
    assert!(encode(&pcm(0, 1, vec![0])).is_err());
    assert!(encode(&pcm(44_100, 2, vec![0; 3])).is_err());
}

#[test]
fn lofty_reads_the_file() {
    use lofty::file::{AudioFile, FileType, TaggedFileExt};

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tune.flac");
    write_flac(&path, &melody(5, 3.0, 48_000, 2)).expect("written");
    let file = lofty::read_from_path(&path).expect("lofty reads it");
    assert_eq!(file.file_type(), FileType::Flac);
    let props = file.properties();
    assert_eq!(props.duration().as_millis(), 3000);
    assert_eq!(props.sample_rate(), Some(48_000));
    assert_eq!(props.channels(), Some(2));
    assert_eq!(props.bit_depth(), Some(16));
}

#[test]
fn write_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing-dir").join("x.flac");
    let err = write_flac(&path, &melody(1, 0.1, 44_100, 1)).expect_err("no such dir");
    assert!(err.to_string().contains("x.flac"), "{err}");
}
