//! Silent AAC-LC audio in an MP4 (.m4a) container.
//!
//! Box layout: `ftyp`, `mdat`, then `moov`. Putting `moov` last means a
//! tag writer that grows it (lofty adding `udta/meta/ilst`) never moves the
//! audio, so the `stco` chunk offset stays right whatever it does.

use std::io;
use std::path::Path;

use crate::aac;
use media::synth::frame_count;
use media::synth::{invalid, write_file};

/// Writes `seconds` of silence (rounded up to whole 1024-sample AAC frames)
/// to `path`. `channels` must be 1 or 2 and `sample_rate` one of the
/// MPEG-4 table rates (e.g. 44100, 48000, 32000, 22050).
pub fn write_silent_m4a(
    path: &Path,
    seconds: f32,
    sample_rate: u32,
    channels: u16,
) -> io::Result<()> {
    if !(1..=2).contains(&channels) {
        return Err(invalid(path, "silent AAC supports 1 or 2 channels"));
    }
    let config = aac::audio_specific_config(sample_rate, channels)
        .ok_or_else(|| invalid(path, "sample rate is not in the MPEG-4 table"))?;
    let frames = frame_count(seconds, sample_rate)
        .div_ceil(aac::FRAME_SAMPLES as usize)
        .max(1);
    let frames = u32::try_from(frames).map_err(|_| invalid(path, "too long"))?;
    let frame = aac::silent_frame(channels == 2);

    let ftyp = boxed(
        *b"ftyp",
        &[*b"M4A ", [0; 4], *b"M4A ", *b"mp42", *b"isom"].concat(),
    );
    let mdat = boxed(*b"mdat", &frame.repeat(frames as usize));
    let track = Track {
        sample_rate,
        channels,
        frames,
        frame_len: frame.len() as u32,
        config,
        // The audio starts right after mdat's 8-byte header.
        data_offset: (ftyp.len() + 8) as u32,
    };
    write_file(path, &[ftyp, mdat, track.moov()].concat())
}

struct Track {
    sample_rate: u32,
    channels: u16,
    frames: u32,
    frame_len: u32,
    config: [u8; 2],
    data_offset: u32,
}

/// 'und' (undetermined) packed as three 5-bit letters minus 0x60.
const LANGUAGE_UND: u16 = (21 << 10) | (14 << 5) | 4;
const UNITY_MATRIX: [u32; 9] = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000];

impl Track {
    /// Media duration in samples; both the movie and the media time scale
    /// are the sample rate, so no rounding happens anywhere.
    fn duration(&self) -> u32 {
        self.frames.saturating_mul(aac::FRAME_SAMPLES)
    }

    fn moov(&self) -> Vec<u8> {
        boxed(*b"moov", &[self.mvhd(), self.trak()].concat())
    }

    fn mvhd(&self) -> Vec<u8> {
        let mut b = Fields::full(0, 0);
        b.u32(0).u32(0).u32(self.sample_rate).u32(self.duration());
        b.u32(0x1_0000).u16(0x0100).u16(0).u32(0).u32(0); // rate 1.0, volume 1.0
        b.matrix();
        b.bytes(&[0; 24]); // pre_defined
        b.u32(2); // next_track_ID
        boxed(*b"mvhd", &b.0)
    }

    fn trak(&self) -> Vec<u8> {
        // Enabled, in movie, in preview.
        let mut tkhd = Fields::full(0, 7);
        tkhd.u32(0).u32(0).u32(1).u32(0).u32(self.duration());
        tkhd.u32(0).u32(0).u16(0).u16(0).u16(0x0100).u16(0); // layer, group, volume
        tkhd.matrix();
        tkhd.u32(0).u32(0); // width, height
        boxed(
            *b"trak",
            &[boxed(*b"tkhd", &tkhd.0), boxed(*b"mdia", &self.mdia())].concat(),
        )
    }

    fn mdia(&self) -> Vec<u8> {
        let mut mdhd = Fields::full(0, 0);
        mdhd.u32(0)
            .u32(0)
            .u32(self.sample_rate)
            .u32(self.duration());
        mdhd.u16(LANGUAGE_UND).u16(0);
        let mut hdlr = Fields::full(0, 0);
        hdlr.u32(0)
            .bytes(b"soun")
            .bytes(&[0; 12])
            .bytes(b"SoundHandler\0");
        let mut smhd = Fields::full(0, 0);
        smhd.u16(0).u16(0); // balance, reserved
        let mut dref = Fields::full(0, 0);
        dref.u32(1).bytes(&boxed(*b"url ", &Fields::full(0, 1).0)); // data is in this file
        let minf = [
            boxed(*b"smhd", &smhd.0),
            boxed(*b"dinf", &boxed(*b"dref", &dref.0)),
            boxed(*b"stbl", &self.stbl()),
        ]
        .concat();
        [
            boxed(*b"mdhd", &mdhd.0),
            boxed(*b"hdlr", &hdlr.0),
            boxed(*b"minf", &minf),
        ]
        .concat()
    }

    #[expect(
        clippy::similar_names,
        reason = "each variable is named after the box it fills"
    )]
    fn stbl(&self) -> Vec<u8> {
        let mut stsd = Fields::full(0, 0);
        stsd.u32(1).bytes(&self.mp4a());
        let mut stts = Fields::full(0, 0);
        stts.u32(1).u32(self.frames).u32(aac::FRAME_SAMPLES);
        // Every frame in one chunk: simplest, and fine for files this small.
        let mut stsc = Fields::full(0, 0);
        stsc.u32(1).u32(1).u32(self.frames).u32(1);
        let mut stsz = Fields::full(0, 0);
        stsz.u32(self.frame_len).u32(self.frames); // all frames the same size
        let mut stco = Fields::full(0, 0);
        stco.u32(1).u32(self.data_offset);
        [
            boxed(*b"stsd", &stsd.0),
            boxed(*b"stts", &stts.0),
            boxed(*b"stsc", &stsc.0),
            boxed(*b"stsz", &stsz.0),
            boxed(*b"stco", &stco.0),
        ]
        .concat()
    }

    fn mp4a(&self) -> Vec<u8> {
        let mut b = Fields(Vec::new());
        b.bytes(&[0; 6]).u16(1); // reserved, data_reference_index
        b.u32(0).u32(0); // version 0 sound description
        b.u16(self.channels).u16(16).u16(0).u16(0);
        b.u32(self.sample_rate << 16); // 16.16 fixed point
        b.bytes(&boxed(*b"esds", &self.esds()));
        boxed(*b"mp4a", &b.0)
    }

    /// The MPEG-4 elementary stream descriptor (ISO/IEC 14496-1 7.2.6).
    fn esds(&self) -> Vec<u8> {
        let bitrate = self.frame_len * 8 * self.sample_rate / aac::FRAME_SAMPLES;
        let mut config = Fields(Vec::new());
        config.bytes(&[0x40]); // object type: MPEG-4 audio
        config.bytes(&[(0x05 << 2) | 1]); // audio stream, reserved bit set
        config.bytes(&(6144 / 8 * u32::from(self.channels)).to_be_bytes()[1..]); // buffer size
        config.u32(bitrate).u32(bitrate);
        config.bytes(&descriptor(0x05, &self.config));
        let mut es = Fields(Vec::new());
        es.u16(1).bytes(&[0]); // ES_ID, no optional fields
        es.bytes(&descriptor(0x04, &config.0));
        es.bytes(&descriptor(0x06, &[0x02])); // SL config: MP4 predefined
        let mut esds = Fields::full(0, 0);
        esds.bytes(&descriptor(0x03, &es.0));
        esds.0
    }
}

/// An ISO base media box: 32-bit size, type, payload.
fn boxed(kind: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let size = (8 + payload.len()) as u32;
    [&size.to_be_bytes()[..], &kind, payload].concat()
}

/// An MPEG-4 descriptor; every one here is under 128 bytes, so its length
/// fits the one-byte form.
fn descriptor(tag: u8, payload: &[u8]) -> Vec<u8> {
    debug_assert!(payload.len() < 128);
    [&[tag, payload.len() as u8][..], payload].concat()
}

/// Big-endian field builder for box payloads.
struct Fields(Vec<u8>);

impl Fields {
    /// Starts a "full box" payload with its version and 24-bit flags.
    fn full(version: u8, flags: u32) -> Self {
        let mut f = Self(Vec::new());
        f.bytes(&[version]).bytes(&flags.to_be_bytes()[1..]);
        f
    }

    fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }

    fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }

    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }

    fn matrix(&mut self) -> &mut Self {
        for v in UNITY_MATRIX {
            self.u32(v);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::config::ParseOptions;
    use lofty::file::AudioFile;
    use lofty::mp4::{Mp4Codec, Mp4File};

    /// Top-level boxes as (type, payload) pairs, checking sizes tile the data.
    fn children(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let size = u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
            let size = size as usize;
            assert!(size >= 8 && at + size <= data.len(), "box size at {at}");
            let mut kind = [0; 4];
            kind.copy_from_slice(&data[at + 4..at + 8]);
            out.push((kind, &data[at + 8..at + size]));
            at += size;
        }
        out
    }

    fn child<'a>(data: &'a [u8], path: &[&[u8; 4]]) -> &'a [u8] {
        path.iter().fold(data, |d, kind| {
            children(d)
                .into_iter()
                .find_map(|(k, p)| (k == **kind).then_some(p))
                .unwrap_or_else(|| panic!("no {:?}", String::from_utf8_lossy(*kind)))
        })
    }

    #[test]
    fn boxes_nest_and_chunk_offset_points_at_the_audio() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.m4a");
        write_silent_m4a(&path, 1.0, 44_100, 2).expect("written");
        let data = std::fs::read(&path).expect("read back");
        let kinds: Vec<[u8; 4]> = children(&data).iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, [*b"ftyp", *b"mdat", *b"moov"]);
        let stbl = child(&data, &[b"moov", b"trak", b"mdia", b"minf", b"stbl"]);
        let stco = child(stbl, &[b"stco"]);
        let offset = u32::from_be_bytes([stco[8], stco[9], stco[10], stco[11]]) as usize;
        let frame = aac::silent_frame(true);
        assert_eq!(&data[offset..offset + frame.len()], frame.as_slice());
        let stsz = child(stbl, &[b"stsz"]);
        assert_eq!(&stsz[4..12], &[0, 0, 0, 6, 0, 0, 0, 44]); // 44 frames of 6 bytes
        let mdat = child(&data, &[b"mdat"]);
        assert_eq!(mdat.len(), 44 * 6);
    }

    #[test]
    fn lofty_reads_aac_with_exact_duration() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rate, channels) in [(44_100, 2), (48_000, 1), (22_050, 2)] {
            let path = dir.path().join(format!("s{rate}.m4a"));
            write_silent_m4a(&path, 2.0, rate, channels).expect("written");
            let mut file = std::fs::File::open(&path).expect("open");
            let mp4 = Mp4File::read_from(&mut file, ParseOptions::new()).expect("lofty reads it");
            let props = mp4.properties();
            assert_eq!(props.codec(), Some(Mp4Codec::AAC));
            assert_eq!(props.sample_rate(), Some(rate));
            assert_eq!(props.channels(), Some(channels as u8));
            let frames = (2 * rate).div_ceil(1024);
            let want = u128::from(frames * 1024 * 1000).div_ceil(u128::from(rate));
            let got = props.duration().as_millis();
            assert!(got.abs_diff(want) <= 1, "{got} vs {want}");
        }
    }

    #[test]
    fn refuses_what_silent_aac_cannot_carry() {
        let path = Path::new("/nonexistent/x.m4a");
        let err = write_silent_m4a(path, 1.0, 44_100, 6).expect_err("6 channels");
        assert!(err.to_string().contains("x.m4a"));
        assert!(write_silent_m4a(path, 1.0, 44_000, 2).is_err());
    }
}
