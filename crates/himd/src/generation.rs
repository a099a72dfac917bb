//! The generation of a disc's files: `TRKIDXnn`, `ATDATAnn` and `MCLISTnn` carry the
//! generation mod 16 in upper-case hex, and leftovers of older generations may sit beside them.

/// The folder holding the music.
pub const HIMD_DIR: &str = "HMDHIFI";
/// The root's marker file.
pub const MARKER_FILE: &str = "HI-MD.IND";

/// The three files of one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscFile {
    TrackIndex,
    AudioData,
    MacList,
    /// The device's backup of the track index.
    TrackIndexBackup,
}

impl DiscFile {
    fn stem(self) -> &'static str {
        match self {
            Self::TrackIndex => "TRKIDX",
            Self::AudioData => "ATDATA",
            Self::MacList => "MCLIST",
            Self::TrackIndexBackup => "_RKIDX",
        }
    }

    /// The file's name for generation `nn` (mod 16), e.g. `TRKIDX07.HMA`.
    pub fn name(self, nn: u8) -> String {
        format!("{}{:02X}.HMA", self.stem(), nn & 0xF)
    }

    /// The `nn` of a file name of this kind, any case.
    pub fn generation_of(self, name: &str) -> Option<u8> {
        let upper = name.to_ascii_uppercase();
        let digits = upper.strip_prefix(self.stem())?.strip_suffix(".HMA")?;
        if digits.len() != 2 {
            return None;
        }
        u8::from_str_radix(digits, 16).ok().filter(|&n| n < 16)
    }
}

/// The generations that have an `ATDATA` file, in the order they appear in `names`; a disc
/// normally has one, and the MAC lists break a tie.
pub fn audio_generations<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut found: Vec<u8> = names
        .into_iter()
        .filter_map(|n| DiscFile::AudioData.generation_of(n))
        .collect();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_generation_in_hex() {
        assert_eq!(DiscFile::TrackIndex.name(7), "TRKIDX07.HMA");
        assert_eq!(DiscFile::MacList.name(0x1B), "MCLIST0B.HMA");
        assert_eq!(DiscFile::AudioData.generation_of("atdata0c.hma"), Some(12));
        assert_eq!(DiscFile::AudioData.generation_of("ATDATA1.HMA"), None);
        assert_eq!(DiscFile::AudioData.generation_of("ATDATA10.HMA"), None);
        assert_eq!(
            DiscFile::TrackIndexBackup.generation_of("_RKIDX08.HMA"),
            Some(8)
        );
        assert_eq!(
            audio_generations(["MCLIST06.HMA", "ATDATA07.HMA", "TRKIDX07.HMA"]),
            vec![7]
        );
    }
}
