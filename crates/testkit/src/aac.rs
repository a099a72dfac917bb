//! Silent AAC-LC access units and the `AudioSpecificConfig` describing them.
//!
//! A silent frame is one `raw_data_block` (ISO/IEC 14496-3, 4.4.2.1) holding
//! a single channel element (mono) or a channel pair element with a common
//! window (stereo) whose `max_sfb` is 0: with no scalefactor bands there are
//! no section, scalefactor or spectral data, so every spectral coefficient
//! is zero. An `ID_END` element and byte alignment close the block.

use media::synth::bits::BitWriter;

/// PCM samples per AAC-LC frame.
pub(crate) const FRAME_SAMPLES: u32 = 1024;

const ID_SCE: u32 = 0;
const ID_CPE: u32 = 1;
const ID_END: u32 = 7;
const ONLY_LONG_SEQUENCE: u32 = 0;
const KBD_WINDOW: u32 = 1;
/// Irrelevant with no spectral data; this is what common encoders emit.
const GLOBAL_GAIN: u32 = 140;
const AAC_LC: u32 = 2;

/// The MPEG-4 sampling frequency table; AAC configs refer to rates by index.
const SAMPLE_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

pub(crate) fn sample_rate_index(rate: u32) -> Option<u32> {
    SAMPLE_RATES
        .iter()
        .position(|&r| r == rate)
        .map(|i| i as u32)
}

/// One silent `raw_data_block` for 1 or 2 channels.
pub(crate) fn silent_frame(stereo: bool) -> Vec<u8> {
    silent_frame_with(stereo, GLOBAL_GAIN)
}

fn silent_frame_with(stereo: bool, global_gain: u32) -> Vec<u8> {
    let mut w = BitWriter::default();
    if stereo {
        w.put(ID_CPE, 3);
        w.put(0, 4); // element_instance_tag
        w.put(1, 1); // common_window
        ics_info(&mut w);
        w.put(0, 2); // ms_mask_present: none
        empty_channel_stream(&mut w, global_gain);
        empty_channel_stream(&mut w, global_gain);
    } else {
        w.put(ID_SCE, 3);
        w.put(0, 4);
        w.put(global_gain, 8);
        ics_info(&mut w);
        tool_flags(&mut w);
    }
    w.put(ID_END, 3);
    w.into_bytes()
}

fn ics_info(w: &mut BitWriter) {
    w.put(0, 1); // ics_reserved_bit
    w.put(ONLY_LONG_SEQUENCE, 2);
    w.put(KBD_WINDOW, 1);
    w.put(0, 6); // max_sfb: no bands, hence no section or spectral data
    w.put(0, 1); // predictor_data_present
}

/// An `individual_channel_stream` whose `ics_info` is shared (common window).
fn empty_channel_stream(w: &mut BitWriter, global_gain: u32) {
    w.put(global_gain, 8);
    tool_flags(w);
}

fn tool_flags(w: &mut BitWriter) {
    w.put(0, 1); // pulse_data_present
    w.put(0, 1); // tns_data_present
    w.put(0, 1); // gain_control_data_present
}

/// `AudioSpecificConfig` for AAC-LC with 1024-sample frames; `None` when
/// the rate has no table index.
pub(crate) fn audio_specific_config(sample_rate: u32, channels: u16) -> Option<[u8; 2]> {
    let index = sample_rate_index(sample_rate)?;
    let mut w = BitWriter::default();
    w.put(AAC_LC, 5);
    w.put(index, 4);
    w.put(u32::from(channels), 4); // channel configuration 1 or 2
    w.put(0, 1); // frameLengthFlag: 1024
    w.put(0, 1); // dependsOnCoreCoder
    w.put(0, 1); // extensionFlag
    let bytes = w.into_bytes();
    Some([bytes[0], bytes[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Silent frames widely used by muxers and streaming tools, which this
    // module derives from the syntax instead of copying.
    #[test]
    fn matches_known_silent_frames() {
        // Mono, global gain 160: 3+4+8+11+3 bits, then ID_END: 32 bits.
        let mut mono = BitWriter::default();
        mono.put(ID_SCE, 3);
        mono.put(0, 4);
        mono.put(160, 8);
        ics_info(&mut mono);
        tool_flags(&mut mono);
        mono.put(ID_END, 3);
        assert_eq!(mono.into_bytes(), [0x01, 0x40, 0x20, 0x07]);
        assert_eq!(silent_frame_with(false, 160), [0x01, 0x40, 0x20, 0x07]);
        // Stereo, global gain 140: 46 bits, padded to 6 bytes.
        assert_eq!(silent_frame(true), [0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C]);
    }

    #[test]
    fn config_encodes_profile_rate_and_channels() {
        assert_eq!(audio_specific_config(44_100, 2), Some([0x12, 0x10]));
        assert_eq!(audio_specific_config(48_000, 1), Some([0x11, 0x88]));
        assert_eq!(audio_specific_config(44_000, 2), None);
    }
}
