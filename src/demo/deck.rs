//! Audio for the demo recorder's disc, so that a new user pressing Enter in the Device pane
//! hears its SP tracks (the LP ones stay silent: there is no ATRAC3 encoder yet).

use std::fs;
use std::io;
use std::path::Path;

use media::synth::melody;
use netmd::Mode;
use netmd::send::WireFormat;
use netmd::virtual_deck::model::AudioRef;
use netmd::virtual_deck::{VirtualDisc, audio_dir_of};

/// How long each demo SP track plays.
const SECONDS: f32 = 20.0;
/// Sent SP audio is padded to whole wire units.
const UNIT: usize = WireFormat::SP_STEREO.unit as usize;

/// Writes audio for the SP tracks of `disc` into `<deck_path>.audio/` (as a send would have
/// stored it) and makes their lengths match it.
pub fn give_demo_disc_audio(deck_path: &Path, disc: &mut VirtualDisc) -> io::Result<()> {
    let dir = audio_dir_of(deck_path);
    fs::create_dir_all(&dir)?;
    for (i, track) in disc.tracks.iter_mut().enumerate() {
        if track.mode != Mode::SP {
            continue;
        }
        let pcm = melody(100 + i as u64, SECONDS, 44_100, u16::from(track.channels));
        let mut bytes: Vec<u8> = pcm.samples.iter().flat_map(|s| s.to_be_bytes()).collect();
        bytes.resize(bytes.len().div_ceil(UNIT) * UNIT, 0);
        let name = format!("demo-{}.bin", i + 1);
        fs::write(dir.join(&name), &bytes)?;
        track.duration_ms = (SECONDS * 1000.0) as u64;
        track.audio = Some(AudioRef::in_dir(
            &dir,
            &name,
            WireFormat::SP_STEREO.wire,
            bytes.len() as u64,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netmd::virtual_deck::DeckAudio;

    #[test]
    fn the_demo_discs_sp_tracks_can_be_heard() {
        let dir = tempfile::tempdir().unwrap();
        let deck = dir.path().join("deck.json");
        let mut disc = VirtualDisc::demo(80, false);
        give_demo_disc_audio(&deck, &mut disc).unwrap();
        let mut heard = 0;
        for t in &disc.tracks {
            match DeckAudio::of(dir.path(), t) {
                Some(audio) => {
                    let mut d = atrac::open_raw(&audio.path, audio.format).unwrap();
                    let mut out = Vec::new();
                    while d.next_block(&mut out).unwrap() {}
                    let frames = out.len() / usize::from(t.channels);
                    assert!((20 * 44_100..20 * 44_100 + 1024).contains(&frames));
                    assert!(out.iter().any(|&s| s != 0), "{} is silent", t.title);
                    assert_eq!(t.duration_ms, 20_000);
                    heard += 1;
                }
                None => assert_ne!(t.mode, Mode::SP),
            }
        }
        assert_eq!(heard, 3);
        disc.validate().unwrap();
    }
}
