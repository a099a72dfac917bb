//! Ogg framing (RFC 3533) and silent Ogg Vorbis files built on it.

use std::io;
use std::path::Path;

use crate::vorbis;
use media::synth::crc::crc32;
use media::synth::frame_count;
use media::synth::{invalid, write_file};

const FIRST_PAGE: u8 = 0x02;
const LAST_PAGE: u8 = 0x04;
/// Any value works; a fixed one keeps the output reproducible.
const SERIAL: u32 = 0x6D73_7467;
const MAX_SEGMENTS: usize = 255;

/// Writes `seconds` of silence to `path` as Ogg Vorbis. The final granule
/// position is the exact sample count, so players trim the last packet and
/// the duration is exact.
pub fn write_silent_vorbis(
    path: &Path,
    seconds: f32,
    sample_rate: u32,
    channels: u16,
) -> io::Result<()> {
    let channels = u8::try_from(channels)
        .ok()
        .filter(|&c| c > 0)
        .ok_or_else(|| invalid(path, "Vorbis carries 1 to 255 channels"))?;
    if sample_rate == 0 {
        return Err(invalid(path, "sample rate must be positive"));
    }
    let total = frame_count(seconds, sample_rate) as u64;
    write_file(path, &silent_vorbis(total, sample_rate, channels))
}

fn silent_vorbis(total: u64, sample_rate: u32, channels: u8) -> Vec<u8> {
    let mut ogg = Pager::default();
    // The spec wants the identification header alone on the first page and
    // audio to start on a fresh page after the other two headers.
    ogg.page(
        &[&vorbis::identification(channels, sample_rate)],
        0,
        FIRST_PAGE,
    );
    ogg.page(&[&vorbis::comments(), &vorbis::setup()], 0, 0);

    // The first packet only primes the overlap; each later one completes
    // SAMPLES_PER_PACKET more, so packet k ends at sample k * that.
    let per_packet = vorbis::SAMPLES_PER_PACKET as u64;
    let packets = total.div_ceil(per_packet) + 1;
    let audio = vorbis::silent_audio_packet(channels);
    let per_page = (MAX_SEGMENTS / audio.len().div_ceil(255).max(1)) as u64;
    let mut first = 0;
    while first < packets {
        let mut last = (first + per_page).min(packets) - 1;
        if first == 0 && last + 1 == packets && packets > 1 {
            // ffmpeg reads a short final granule on the first audio page as
            // trimming at the start, not the end, and outputs up to a packet
            // too much; a separate last page makes the trim unambiguous.
            last -= 1;
        }
        let (granule, flags) = if last + 1 == packets {
            (total, LAST_PAGE)
        } else {
            (last * per_packet, 0)
        };
        let batch = vec![audio.as_slice(); (last - first + 1) as usize];
        ogg.page(&batch, granule, flags);
        first = last + 1;
    }
    ogg.out
}

/// Appends pages of one logical stream.
#[derive(Default)]
struct Pager {
    out: Vec<u8>,
    sequence: u32,
}

impl Pager {
    /// One page holding `packets` whole; together they must lace into at
    /// most 255 segments.
    fn page(&mut self, packets: &[&[u8]], granule: u64, flags: u8) {
        let mut lacing = Vec::new();
        for packet in packets {
            // A packet is a run of 255s ended by a value below 255, which is
            // 0 when its length is a multiple of 255.
            lacing.extend(std::iter::repeat_n(255u8, packet.len() / 255));
            lacing.push((packet.len() % 255) as u8);
        }
        debug_assert!(lacing.len() <= MAX_SEGMENTS);
        let start = self.out.len();
        self.out.extend_from_slice(b"OggS");
        self.out.push(0); // version
        self.out.push(flags);
        self.out.extend_from_slice(&granule.to_le_bytes());
        self.out.extend_from_slice(&SERIAL.to_le_bytes());
        self.out.extend_from_slice(&self.sequence.to_le_bytes());
        self.out.extend_from_slice(&[0; 4]); // CRC, filled in below
        self.out.push(lacing.len() as u8);
        self.out.extend_from_slice(&lacing);
        for packet in packets {
            self.out.extend_from_slice(packet);
        }
        let crc = crc32(&self.out[start..]);
        self.out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
        self.sequence += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::file::{AudioFile, FileType, TaggedFileExt};

    struct Page {
        flags: u8,
        granule: u64,
        sequence: u32,
        packets: Vec<Vec<u8>>,
    }

    /// Splits a stream into pages, checking each CRC and that every packet
    /// ends on the page it starts on (the writer never continues one).
    fn pages(data: &[u8]) -> Vec<Page> {
        let mut pages = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let h = &data[at..];
            assert_eq!(&h[..4], b"OggS", "capture pattern at {at}");
            assert_eq!(h[4], 0, "version");
            let segments = usize::from(h[26]);
            let lacing = &h[27..27 + segments];
            let body: usize = lacing.iter().map(|&l| usize::from(l)).sum();
            let len = 27 + segments + body;
            let mut copy = h[..len].to_vec();
            copy[22..26].fill(0);
            let stored = u32::from_le_bytes([h[22], h[23], h[24], h[25]]);
            assert_eq!(crc32(&copy), stored, "page CRC at {at}");
            assert_eq!(u32::from_le_bytes([h[14], h[15], h[16], h[17]]), SERIAL);
            let mut packets = Vec::new();
            let mut current = Vec::new();
            let mut offset = 27 + segments;
            for &l in lacing {
                current.extend_from_slice(&h[offset..offset + usize::from(l)]);
                offset += usize::from(l);
                if l < 255 {
                    packets.push(std::mem::take(&mut current));
                }
            }
            assert!(current.is_empty(), "packet continued past a page");
            let mut granule = [0; 8];
            granule.copy_from_slice(&h[6..14]);
            pages.push(Page {
                flags: h[5],
                granule: u64::from_le_bytes(granule),
                sequence: u32::from_le_bytes([h[18], h[19], h[20], h[21]]),
                packets,
            });
            at += len;
        }
        pages
    }

    #[test]
    fn pages_are_well_formed() {
        let total = 44_100 * 3 / 2;
        let data = silent_vorbis(total, 44_100, 2);
        let pages = pages(&data);
        assert_eq!(pages[0].flags, FIRST_PAGE);
        assert_eq!(pages[0].packets, vec![vorbis::identification(2, 44_100)]);
        assert_eq!(pages[1].packets, vec![vorbis::comments(), vorbis::setup()]);
        assert!(
            pages
                .iter()
                .enumerate()
                .all(|(i, p)| p.sequence == i as u32)
        );
        assert!(pages[1..pages.len() - 1].iter().all(|p| p.flags == 0));
        let last = pages.last().expect("pages");
        assert_eq!(last.flags, LAST_PAGE);
        assert_eq!(last.granule, total);
        // Granules grow, and every packet is accounted for.
        let audio: Vec<&Page> = pages[2..].iter().collect();
        assert!(audio.windows(2).all(|w| w[0].granule < w[1].granule));
        let packets: usize = audio.iter().map(|p| p.packets.len()).sum();
        assert_eq!(packets as u64, total.div_ceil(128) + 1);
        let mut seen = 0;
        for page in &audio[..audio.len() - 1] {
            seen += page.packets.len() as u64;
            assert_eq!(page.granule, (seen - 1) * 128);
        }
    }

    #[test]
    fn packets_longer_than_a_segment_are_laced() {
        let mut pager = Pager::default();
        let long = vec![7u8; 600];
        let exact = vec![9u8; 255];
        pager.page(&[&long, &exact, &[1]], 5, FIRST_PAGE | LAST_PAGE);
        let parsed = pages(&pager.out);
        assert_eq!(parsed[0].packets, vec![long, exact, vec![1]]);
        // 600 = 255 + 255 + 90; 255 = 255 + 0; 1.
        assert_eq!(&pager.out[26..33], &[6, 255, 255, 90, 255, 0, 1]);
    }

    #[test]
    fn lofty_reads_exact_duration_rate_and_channels() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rate, channels, seconds) in [(44_100, 2, 2.5), (48_000, 1, 1.0), (22_050, 6, 0.3)] {
            let path = dir.path().join(format!("s{rate}.ogg"));
            write_silent_vorbis(&path, seconds, rate, channels).expect("written");
            let file = lofty::read_from_path(&path).expect("lofty reads it");
            assert_eq!(file.file_type(), FileType::Vorbis);
            let props = file.properties();
            assert_eq!(props.duration().as_millis(), (seconds * 1000.0) as u128);
            assert_eq!(props.sample_rate(), Some(rate));
            assert_eq!(props.channels(), Some(channels as u8));
        }
    }

    #[test]
    fn refuses_impossible_streams() {
        let path = Path::new("/nonexistent/x.ogg");
        let err = write_silent_vorbis(path, 1.0, 44_100, 0).expect_err("no channels");
        assert!(err.to_string().contains("x.ogg"));
        assert!(write_silent_vorbis(path, 1.0, 44_100, 256).is_err());
        assert!(write_silent_vorbis(path, 1.0, 0, 2).is_err());
    }
}
