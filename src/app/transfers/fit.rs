//! Whether the queue fits: each item's mode as the sender will choose it (the same rules,
//! [`crate::transfer::prepare::choose_format`], fed with what the library knows of the source)
//! and what the queue needs of the disc.

use crate::transfer::prepare::{self, SourceFacts};
use library::{AtracMode, AudioCodec, QueuedTransfer, Track, TransferMode};
use netmd::send::WireFormat;
use netmd::{DiscInfo, Mode};

/// How an item will go to the disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    Goes {
        mode: Mode,
        channels: u8,
    },
    /// An LP mode was asked for and the source is not ATRAC3 of that mode.
    CannotGo,
}

impl Planned {
    pub fn label(self, requested: TransferMode) -> String {
        match self {
            Planned::Goes {
                mode: Mode::SP,
                channels: 1,
            } => "SP mono".into(),
            Planned::Goes { mode, .. } => mode.label().into(),
            Planned::CannotGo => format!("{}!", requested.label()),
        }
    }
}

/// The mode `item` will be sent in; `track` is its library entry when there is one.
pub fn planned(item: &QueuedTransfer, track: Option<&Track>, native_mono: bool) -> Planned {
    let channels = track.and_then(|t| t.channels).unwrap_or(2);
    let atrac3 = track
        .filter(|t| t.codec == AudioCodec::Atrac3 && channels == 2)
        .and_then(|t| match t.mode {
            AtracMode::Lp2 => Some(WireFormat::LP2),
            AtracMode::Lp4 => Some(WireFormat::LP4),
            AtracMode::Lp105 => Some(WireFormat::LP105),
            _ => None,
        });
    let facts = SourceFacts {
        duration_ms: track.map_or(0, |t| t.duration_ms),
        channels: u16::from(channels),
        atrac3,
        codec_label: String::new(),
    };
    match prepare::choose_format(&item.path, item.mode, &facts, native_mono, channels == 1) {
        Ok(f) => Planned::Goes {
            mode: f.mode,
            channels: f.channels,
        },
        Err(_) => Planned::CannotGo,
    }
}

/// What a queue asks of the disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub tracks: usize,
    /// Playing time of what can go, and the free time to compare it with, in `mode`'s terms
    /// (or in SP time, `mode` `None`, when the items go in different modes).
    pub needed_ms: u64,
    pub free_ms: u64,
    pub mode: Option<Planned>,
    pub cells_used: u32,
    pub cells_total: u32,
    pub cannot_go: usize,
    pub fits: bool,
}

/// `items` with their durations, planned against `disc`.
pub fn fit(items: &[(Planned, u64, &str)], disc: &DiscInfo, default: Planned) -> Fit {
    let goes: Vec<(Mode, u8, u64)> = items
        .iter()
        .filter_map(|(p, ms, _)| match p {
            Planned::Goes { mode, channels } => Some((*mode, *channels, *ms)),
            Planned::CannotGo => None,
        })
        .collect();
    // Recorders allocate whole seconds per track.
    let sp_needed: u64 = goes
        .iter()
        .map(|(m, c, ms)| (ms / m.space_factor(*c)).div_ceil(1000) * 1000)
        .sum();
    let first = goes.first().map_or(default, |(m, c, _)| Planned::Goes {
        mode: *m,
        channels: *c,
    });
    let single = goes.iter().all(|(m, c, _)| {
        first
            == Planned::Goes {
                mode: *m,
                channels: *c,
            }
    });
    let free_sp = disc.capacity.free_ms;
    let (needed_ms, free_ms, mode) = match first {
        Planned::Goes { mode, channels } if single => (
            goes.iter().map(|g| g.2).sum(),
            free_sp * mode.space_factor(channels),
            Some(first),
        ),
        _ => (sp_needed, free_sp, None),
    };
    // Each title takes whole cells of 7 bytes; an LP track also pays for its marker.
    let cells: u32 = items
        .iter()
        .map(|(p, _, title)| {
            let lp = matches!(p, Planned::Goes { mode, .. } if *mode != Mode::SP);
            (library::text::width(title) as u32).div_ceil(7).max(1) + u32::from(lp)
        })
        .sum();
    let cells_used = disc.title_cells.used + cells;
    Fit {
        tracks: items.len(),
        needed_ms,
        free_ms,
        mode,
        cells_used,
        cells_total: disc.title_cells.total,
        cannot_go: items.len() - goes.len(),
        fits: sp_needed <= free_sp && cells_used <= disc.title_cells.total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use library::TransferState;

    fn item(mode: TransferMode) -> QueuedTransfer {
        QueuedTransfer {
            id: 1,
            position: 1,
            track_id: Some(1),
            path: "/m/a.flac".into(),
            title: "A".into(),
            mode,
            state: TransferState::Queued,
            error: None,
            bytes_done: 0,
            bytes_total: 0,
        }
    }

    fn track(codec: AudioCodec, mode: AtracMode, channels: u8) -> Track {
        Track {
            codec,
            mode,
            channels: Some(channels),
            duration_ms: 60_000,
            ..Track::default()
        }
    }

    #[test]
    fn items_go_in_the_mode_the_sender_will_choose() {
        let flac = track(AudioCodec::Flac, AtracMode::NotAtrac, 2);
        let lp4 = track(AudioCodec::Atrac3, AtracMode::Lp4, 2);
        let lp105 = track(AudioCodec::Atrac3, AtracMode::Lp105, 2);
        let mono = track(AudioCodec::Mp3, AtracMode::NotAtrac, 1);
        let (auto, sp, lp2) = (TransferMode::Auto, TransferMode::Sp, TransferMode::Lp2);
        let goes = |mode, channels| Planned::Goes { mode, channels };
        assert_eq!(planned(&item(auto), Some(&flac), false), goes(Mode::SP, 2));
        assert_eq!(planned(&item(auto), Some(&lp4), false), goes(Mode::LP4, 2));
        assert_eq!(planned(&item(lp2), Some(&lp4), false), Planned::CannotGo);
        assert_eq!(planned(&item(lp2), Some(&flac), false), Planned::CannotGo);
        assert_eq!(planned(&item(sp), Some(&lp4), false), goes(Mode::SP, 2));
        assert_eq!(planned(&item(auto), Some(&mono), true), goes(Mode::SP, 1));
        assert_eq!(planned(&item(auto), Some(&mono), false), goes(Mode::SP, 2));
        assert_eq!(planned(&item(auto), None, false), goes(Mode::SP, 2));
        assert_eq!(
            planned(&item(auto), Some(&lp105), false),
            goes(Mode::LP2, 2)
        );
        assert_eq!(Planned::CannotGo.label(lp2), "LP2!");
        assert_eq!(goes(Mode::SP, 1).label(auto), "SP mono");
    }

    #[test]
    fn the_fit_is_counted_in_each_items_mode() {
        let mut disc = netmd::DiscInfo::default();
        disc.capacity.free_ms = 120_000;
        disc.title_cells.total = 255;
        let lp2 = Planned::Goes {
            mode: Mode::LP2,
            channels: 2,
        };
        let sp = Planned::Goes {
            mode: Mode::SP,
            channels: 2,
        };
        // Two LP2 items of 2 minutes: 4:00 of LP2's 4:00 free, in LP2 terms.
        let f = fit(&[(lp2, 120_000, "a"), (lp2, 120_000, "b")], &disc, sp);
        assert_eq!(
            (f.needed_ms, f.free_ms, f.mode),
            (240_000, 240_000, Some(lp2))
        );
        assert!(f.fits);
        assert_eq!(f.cells_used, 4);
        // Mixed modes are counted in SP time: 1:00 + 1:30 = 2:30 > 2:00.
        let f = fit(&[(lp2, 120_000, "a"), (sp, 90_000, "b")], &disc, sp);
        assert_eq!((f.needed_ms, f.free_ms, f.mode), (150_000, 120_000, None));
        assert!(!f.fits);
        // An item that cannot go takes nothing and is counted apart.
        let f = fit(&[(Planned::CannotGo, 600_000, "a")], &disc, sp);
        assert_eq!((f.needed_ms, f.cannot_go, f.fits), (0, 1, true));
    }
}
