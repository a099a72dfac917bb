//! Whether the queue fits: each item's route as the sender will choose it (the same rules,
//! [`crate::transfer::plan::plan_auto`] and [`crate::transfer::prepare::route`], fed with what
//! the library knows of the source) and what the queue needs of the disc.

use crate::transfer::himd_send::himd_rate;
use crate::transfer::plan::{self, AutoInput, AutoPlan};
use crate::transfer::prepare::{Feed, Route};
use library::{AtracMode, AudioCodec, QueuedTransfer, Track};
use netmd::send::WireFormat;
use netmd::{DiscInfo, Mode};

/// The queue as the sender will send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePlan {
    /// Each item's route, in queue order.
    pub routes: Vec<Route>,
    pub auto: AutoPlan,
}

/// How the panes name a route: `SP`, `SP mono`, `LP2`, `LP4`.
pub fn route_label(route: Route) -> String {
    let format = route.format;
    match format.mode {
        Mode::SP if format.channels == 1 => "SP mono".into(),
        mode => mode.label().into(),
    }
}

/// What the sender needs to know of an item, from its library entry (`track`) when it has one.
fn auto_input(item: &QueuedTransfer, track: Option<&Track>) -> AutoInput {
    let channels = track.and_then(|t| t.channels).unwrap_or(2);
    let atrac3 = track
        .filter(|t| t.codec == AudioCodec::Atrac3 && channels == 2)
        .and_then(|t| match t.mode {
            AtracMode::Lp2 => Some(WireFormat::LP2),
            AtracMode::Lp4 => Some(WireFormat::LP4),
            AtracMode::Lp105 => Some(WireFormat::LP105),
            _ => None,
        });
    AutoInput {
        request: item.mode,
        channels: u16::from(channels),
        atrac3,
        duration_ms: track.map_or(0, |t| t.duration_ms),
    }
}

/// Plans `items` (with their library entries) against the disc's free time (none: no disc,
/// `auto` is SP).
pub fn plan_queue(
    items: &[(&QueuedTransfer, Option<&Track>)],
    free_sp_ms: Option<u64>,
    native_mono: bool,
) -> QueuePlan {
    let inputs: Vec<AutoInput> = items.iter().map(|(i, t)| auto_input(i, *t)).collect();
    let auto = match free_sp_ms {
        Some(free) => plan::plan_auto(&inputs, free, native_mono),
        None => AutoPlan::Fits(library::TransferMode::Sp),
    };
    // A queue that fits nowhere is still shown in LP4, the closest it comes.
    let shown = match auto {
        AutoPlan::Fits(_) => auto,
        AutoPlan::FitsNowhere { .. } => AutoPlan::Fits(library::TransferMode::Lp4),
    };
    QueuePlan {
        routes: inputs.iter().map(|i| shown.route(i, native_mono)).collect(),
        auto,
    }
}

/// How an item goes on a disc in Hi-MD mode (the rules of
/// [`crate::transfer::himd_send`], from what the library knows): its label and its kbit/s.
/// An MP3 is taken to be constant bit rate (the sender checks and says when it is not).
pub fn himd_route(item: &QueuedTransfer, track: Option<&Track>) -> (&'static str, u32) {
    use library::TransferMode as T;
    let own_atrac3 = track
        .filter(|t| t.codec == AudioCodec::Atrac3 && t.channels.unwrap_or(2) == 2)
        .and_then(|t| match t.mode {
            AtracMode::Lp2 => Some(T::Lp2),
            AtracMode::Lp105 => Some(T::Lp105),
            AtracMode::Lp4 => Some(T::Lp4),
            _ => None,
        });
    match (item.mode, own_atrac3, track) {
        (T::Auto, Some(own), _) => himd_rate(own),
        (T::Auto, None, Some(t)) if t.codec == AudioCodec::Mp3 => {
            ("MP3", t.bitrate_kbps.unwrap_or(320))
        }
        (mode, ..) => himd_rate(mode),
    }
}

/// Bytes the items (with their library entries) take on a Hi-MD disc.
pub fn himd_bytes(items: &[(&QueuedTransfer, Option<&Track>)]) -> u64 {
    items
        .iter()
        .map(|(item, track)| {
            let kbps = u64::from(himd_route(item, *track).1);
            track.map_or(0, |t| t.duration_ms) * kbps / 8
        })
        .sum()
}

/// What a queue asks of the disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub tracks: usize,
    /// Playing time of the queue, and the free time to compare it with, in `mode`'s terms
    /// (or in SP time, `mode` `None`, when the items go in different modes).
    pub needed_ms: u64,
    pub free_ms: u64,
    pub mode: Option<Route>,
    /// Items encoded here (not untouched ATRAC3, not SP).
    pub encoded: usize,
    pub cells_used: u32,
    pub cells_total: u32,
    pub fits: bool,
}

/// The planned queue, with each item's duration and title, against `disc`.
pub fn fit(plan: &QueuePlan, items: &[(u64, &str)], disc: &DiscInfo) -> Fit {
    let sp_needed: u64 = plan
        .routes
        .iter()
        .zip(items)
        .map(|(r, (ms, _))| plan::sp_ms(r.format, *ms))
        .sum();
    let same = |a: &Route, b: &Route| {
        a.format.mode == b.format.mode && a.format.channels == b.format.channels
    };
    let single = plan
        .routes
        .first()
        .filter(|first| plan.routes.iter().all(|r| same(r, first)));
    let free_sp = disc.capacity.free_ms;
    let (needed_ms, free_ms, mode) = match single {
        Some(first) => {
            let factor = first.format.mode.space_factor(first.format.channels);
            (
                items.iter().map(|i| i.0).sum(),
                free_sp * factor,
                Some(*first),
            )
        }
        None => (sp_needed, free_sp, None),
    };
    // Each title takes whole cells of 7 bytes; an LP track also pays for its marker.
    let cells: u32 = plan
        .routes
        .iter()
        .zip(items)
        .map(|(r, (_, title))| {
            let lp = r.format.mode != Mode::SP;
            (library::text::width(title) as u32).div_ceil(7).max(1) + u32::from(lp)
        })
        .sum();
    let cells_used = disc.title_cells.used + cells;
    Fit {
        tracks: items.len(),
        needed_ms,
        free_ms,
        mode,
        encoded: plan
            .routes
            .iter()
            .filter(|r| matches!(r.feed, Feed::Encode(_)))
            .count(),
        cells_used,
        cells_total: disc.title_cells.total,
        fits: sp_needed <= free_sp && cells_used <= disc.title_cells.total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use library::{TransferMode, TransferState};

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
            receive: None,
        }
    }

    fn track(codec: AudioCodec, mode: AtracMode, channels: u8, minutes: u64) -> Track {
        Track {
            codec,
            mode,
            channels: Some(channels),
            duration_ms: minutes * 60_000,
            ..Track::default()
        }
    }

    fn labels(
        items: &[(&QueuedTransfer, Option<&Track>)],
        free_min: u64,
        mono: bool,
    ) -> Vec<String> {
        plan_queue(items, Some(free_min * 60_000), mono)
            .routes
            .into_iter()
            .map(|r| {
                let how = match r.feed {
                    Feed::Untouched => "as is",
                    Feed::Pcm => "pcm",
                    Feed::Encode(_) => "encoded",
                };
                format!("{} {how}", route_label(r))
            })
            .collect()
    }

    #[test]
    fn every_source_goes_in_every_mode() {
        let flac = track(AudioCodec::Flac, AtracMode::NotAtrac, 2, 1);
        let lp4 = track(AudioCodec::Atrac3, AtracMode::Lp4, 2, 1);
        let lp105 = track(AudioCodec::Atrac3, AtracMode::Lp105, 2, 1);
        let mono = track(AudioCodec::Mp3, AtracMode::NotAtrac, 1, 1);
        let (auto, sp, lp2) = (TransferMode::Auto, TransferMode::Sp, TransferMode::Lp2);
        let one = |mode, t: &Track, native| labels(&[(&item(mode), Some(t))], 80, native).remove(0);
        assert_eq!(one(auto, &flac, false), "SP pcm");
        assert_eq!(one(auto, &lp4, false), "LP4 as is");
        assert_eq!(one(lp2, &lp4, false), "LP2 encoded");
        assert_eq!(one(lp2, &flac, false), "LP2 encoded");
        assert_eq!(one(TransferMode::Lp4, &lp4, false), "LP4 as is");
        assert_eq!(one(sp, &lp4, false), "SP pcm");
        assert_eq!(one(auto, &mono, true), "SP mono pcm");
        assert_eq!(one(auto, &mono, false), "SP pcm");
        assert_eq!(one(auto, &lp105, false), "LP2 as is");
        assert_eq!(one(TransferMode::Lp105, &flac, false), "LP2 encoded");
        assert_eq!(labels(&[(&item(auto), None)], 80, false), ["SP pcm"]);
    }

    #[test]
    fn auto_picks_one_mode_for_the_whole_queue() {
        let flac = track(AudioCodec::Flac, AtracMode::NotAtrac, 2, 30);
        let lp4 = track(AudioCodec::Atrac3, AtracMode::Lp4, 2, 40);
        let a = item(TransferMode::Auto);
        let fixed = item(TransferMode::Sp);
        // 30 + 30 minutes in SP need 60 of 80: SP.
        assert_eq!(
            labels(&[(&a, Some(&flac)), (&a, Some(&flac))], 80, false),
            ["SP pcm", "SP pcm"]
        );
        // On 40 free minutes, LP2 (15 + 15 of SP time); the ATRAC3 source stays LP4 (10).
        assert_eq!(
            labels(
                &[(&a, Some(&flac)), (&a, Some(&flac)), (&a, Some(&lp4))],
                40,
                false
            ),
            ["LP2 encoded", "LP2 encoded", "LP4 as is"]
        );
        // A mode chosen per item wins: the SP item takes 30, so the other goes in LP4 (7:30).
        assert_eq!(
            labels(&[(&fixed, Some(&flac)), (&a, Some(&flac))], 38, false),
            ["SP pcm", "LP4 encoded"]
        );
        // Nowhere: 60 SP minutes on 10 free; shown in LP4, with the shortfall in LP4 time.
        let plan = plan_queue(
            &[(&a, Some(&flac)), (&a, Some(&flac))],
            Some(600_000),
            false,
        );
        assert_eq!(
            plan.auto,
            AutoPlan::FitsNowhere {
                needed_ms: 3_600_000,
                free_ms: 2_400_000
            }
        );
        assert!(plan.routes.iter().all(|r| r.format.mode == Mode::LP4));
    }

    #[test]
    fn the_fit_is_counted_in_each_items_mode() {
        let mut disc = netmd::DiscInfo::default();
        disc.capacity.free_ms = 120_000;
        disc.title_cells.total = 255;
        let route = |format| Route {
            format,
            feed: Feed::Untouched,
        };
        let plan = |routes: Vec<Route>| QueuePlan {
            routes,
            auto: AutoPlan::Fits(TransferMode::Sp),
        };
        // Two LP2 items of 2 minutes: 4:00 of LP2's 4:00 free, in LP2 terms.
        let lp2 = route(WireFormat::LP2);
        let f = fit(
            &plan(vec![lp2, lp2]),
            &[(120_000, "a"), (120_000, "b")],
            &disc,
        );
        assert_eq!(
            (f.needed_ms, f.free_ms, f.mode),
            (240_000, 240_000, Some(lp2))
        );
        assert!(f.fits);
        assert_eq!(f.cells_used, 4);
        // Mixed modes are counted in SP time: 1:00 + 1:30 = 2:30 > 2:00.
        let sp = Route {
            format: WireFormat::SP_STEREO,
            feed: Feed::Pcm,
        };
        let f = fit(
            &plan(vec![lp2, sp]),
            &[(120_000, "a"), (90_000, "b")],
            &disc,
        );
        assert_eq!((f.needed_ms, f.free_ms, f.mode), (150_000, 120_000, None));
        assert!(!f.fits);
    }
}
