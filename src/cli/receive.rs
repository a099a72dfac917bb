//! `ministage device receive` and `device archive` on the command line: the tracks asked for,
//! with a progress bar, through [`crate::transfer::receive`]; a file already there is not
//! received again.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::device::ProgressBar;
use crate::config::ReceiveFormat;
use crate::transfer::receive::{
    Filed, ReceiveItem, album_of, file_in_library, file_name, group_name, receive_file, track_title,
};
use netmd::receive::{ReceiveError, check_can_receive};
use netmd::{AnyRecorder, DiscInfo, TrackInfo};

/// What a receive writes, and where.
pub(super) struct Target {
    pub dir: PathBuf,
    pub format: ReceiveFormat,
}

/// A track that arrived: where it is and what the disc calls it.
pub(super) struct Arrived {
    pub path: PathBuf,
    pub number: u32,
    pub title: String,
    pub group: String,
}

/// What became of the tracks asked for.
#[derive(Default)]
pub(super) struct Outcome {
    pub arrived: Vec<Arrived>,
    /// Already in the folder from an earlier receive.
    pub skipped: Vec<PathBuf>,
    pub failed: usize,
}

/// Receives `numbers` (every track when empty) into `target`, showing progress; tracks whose
/// file is already there are skipped. A lost recorder ends the run; other failures (a
/// copy-protected track) are reported and the rest go on.
pub(super) fn receive_tracks(
    r: &mut AnyRecorder,
    disc: &DiscInfo,
    numbers: &[u32],
    target: &Target,
) -> anyhow::Result<Outcome> {
    check_can_receive(r.identity())?;
    let wanted: Vec<&TrackInfo> = if numbers.is_empty() {
        disc.tracks.iter().collect()
    } else {
        numbers
            .iter()
            .map(|&n| {
                disc.tracks
                    .iter()
                    .find(|t| t.number == n)
                    .ok_or(netmd::DeviceError::NoSuchTrack {
                        track: n,
                        count: disc.tracks.len() as u32,
                    })
            })
            .collect::<Result<_, _>>()?
    };
    std::fs::create_dir_all(&target.dir)
        .with_context(|| format!("cannot create {}", target.dir.display()))?;
    let mut outcome = Outcome::default();
    for (i, t) in wanted.iter().enumerate() {
        let path = target.dir.join(file_name(t, target.format));
        if path.exists() {
            eprintln!("{}: already received, skipped", path.display());
            outcome.skipped.push(path);
            continue;
        }
        eprintln!(
            "receiving track {} \"{}\" ({} {})",
            t.number,
            track_title(t),
            t.mode.label(),
            netmd::format_ms(t.duration_ms)
        );
        let item = ReceiveItem {
            id: i64::from(t.number),
            track: t.number,
            mode: t.mode,
            channels: t.channels,
            title: track_title(t),
            path: path.clone(),
        };
        let mut bar = ProgressBar::new();
        let started = Instant::now();
        let result = receive_file(r, &item, &mut |done, total| {
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let rate = (done as f64 / secs) as u64;
            bar.show(
                done,
                total,
                rate,
                total.saturating_sub(done) * 1000 / rate.max(1),
            );
            std::ops::ControlFlow::Continue(())
        });
        bar.end();
        match result {
            Ok(_) => {
                outln!("track {}: {}", t.number, path.display())?;
                outcome.arrived.push(Arrived {
                    path,
                    number: t.number,
                    title: track_title(t),
                    group: group_name(disc, t),
                });
            }
            Err(e) => {
                outcome.failed += 1;
                eprintln!("track {}: failed: {e:#}", t.number);
                if e.downcast_ref::<ReceiveError>()
                    .is_some_and(ReceiveError::is_disconnect)
                {
                    let left = wanted.len() - i - 1;
                    if left > 0 {
                        eprintln!("the recorder is gone: {left} more tracks were not received");
                        outcome.failed += left;
                    }
                    break;
                }
            }
        }
    }
    Ok(outcome)
}

/// Adds the received files to the library.
pub(super) fn add_to_library(
    env: &super::setup::Environment,
    disc: &DiscInfo,
    arrived: &[Arrived],
) -> anyhow::Result<()> {
    let album = album_of(disc);
    let mut lib = library::Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let files: Vec<Filed<'_>> = arrived
        .iter()
        .map(|a| Filed {
            path: &a.path,
            album: &album,
            title: &a.title,
            number: a.number,
            grouping: &a.group,
        })
        .collect();
    let failed = file_in_library(&mut lib, &files)?;
    for f in &failed {
        eprintln!("warning: not added to the library: {f}");
    }
    outln!(
        "added {} tracks to the library as the album \"{album}\"",
        arrived.len().saturating_sub(failed.len())
    )?;
    Ok(())
}
