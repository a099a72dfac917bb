//! Changes to a disc as a list of steps planned against the disc as read, so that a change
//! whose answer was lost (a stalled or unplugged recorder) can be judged from the disc alone:
//! read it again on a new connection, find how many steps it shows done, and carry out the
//! rest. The caller then reports what the disc holds, never a failure for a change that was made.

use super::commands as cmd;
use super::error::DeviceError;
use super::recorder::{RawDisc, Recorder};
use super::transport::Transport;

/// One change a recorder carries out with one command (titles: one write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Track `from` becomes track `to` (numbers from 1).
    Move {
        from: u32,
        to: u32,
    },
    Delete(u32),
    TrackTitle {
        track: u32,
        full_width: bool,
        title: Vec<u8>,
    },
    DiscTitle {
        full_width: bool,
        title: Vec<u8>,
    },
    Erase,
}

/// A change planned against the disc as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    before: RawDisc,
    steps: Vec<Step>,
}

/// What [`Recorder::resume`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumed {
    /// The disc showed this many steps of the edit done; the rest were carried out now.
    Finished { found_done: usize },
    /// The disc is in no state the edit passes through (changed by someone else): nothing was
    /// done.
    Unexplained,
}

impl RawDisc {
    /// The disc after `step`, as far as titles and tracks go (capacity is the recorder's).
    pub fn apply(&mut self, step: &Step) {
        let index = |n: u32, len: usize| (n as usize).checked_sub(1).filter(|&i| i < len);
        match step {
            Step::Move { from, to } => {
                if let (Some(f), Some(t)) = (
                    index(*from, self.tracks.len()),
                    index(*to, self.tracks.len()),
                ) {
                    let track = self.tracks.remove(f);
                    self.tracks.insert(t, track);
                }
            }
            Step::Delete(n) => {
                if let Some(i) = index(*n, self.tracks.len()) {
                    self.tracks.remove(i);
                }
            }
            Step::TrackTitle {
                track,
                full_width,
                title,
            } => {
                if let Some(t) = index(*track, self.tracks.len()).map(|i| &mut self.tracks[i]) {
                    if *full_width {
                        t.full_width_title.clone_from(title);
                    } else {
                        t.title.clone_from(title);
                    }
                }
            }
            Step::DiscTitle { full_width, title } => {
                if *full_width {
                    self.full_width_title.clone_from(title);
                } else {
                    self.title.clone_from(title);
                }
            }
            Step::Erase => {
                self.tracks.clear();
                self.title.clear();
                self.full_width_title.clear();
            }
        }
    }

    /// The same titles and tracks (capacity and flags aside).
    pub fn same_content(&self, other: &RawDisc) -> bool {
        self.title == other.title
            && self.full_width_title == other.full_width_title
            && self.tracks == other.tracks
    }
}

impl Edit {
    pub fn new(before: RawDisc, steps: Vec<Step>) -> Self {
        Self { before, steps }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn before(&self) -> &RawDisc {
        &self.before
    }

    /// The disc after the first `done` steps.
    pub fn state_after(&self, done: usize) -> RawDisc {
        let mut disc = self.before.clone();
        for step in self.steps.iter().take(done) {
            disc.apply(step);
        }
        disc
    }

    /// The disc once the edit is complete.
    pub fn expected(&self) -> RawDisc {
        self.state_after(self.steps.len())
    }

    /// How many steps `now` shows done (the most, when several states look alike), or `None`
    /// when the edit never passes through it.
    pub fn progress(&self, now: &RawDisc) -> Option<usize> {
        let mut disc = self.before.clone();
        let mut found = disc.same_content(now).then_some(0);
        for (i, step) in self.steps.iter().enumerate() {
            disc.apply(step);
            if disc.same_content(now) {
                found = Some(i + 1);
            }
        }
        found
    }
}

impl<T: Transport> Recorder<T> {
    /// Carries out an edit from its first step.
    pub fn apply(&mut self, edit: &Edit) -> Result<(), DeviceError> {
        self.run_steps(edit, 0)
    }

    /// Reads the disc and finishes `edit` from where the disc shows it stopped (after a lost
    /// answer or connection: call it on a new connection).
    pub fn resume(&mut self, edit: &Edit) -> Result<Resumed, DeviceError> {
        let now = self.read_raw(&mut |_, _| {})?;
        let Some(done) = edit.progress(&now) else {
            return Ok(Resumed::Unexplained);
        };
        self.run_steps(edit, done)?;
        Ok(Resumed::Finished { found_done: done })
    }

    /// Carries out the steps of `edit` from step `done` on (the disc shows the first `done`).
    pub fn apply_from(&mut self, edit: &Edit, done: usize) -> Result<(), DeviceError> {
        self.run_steps(edit, done)
    }

    fn run_steps(&mut self, edit: &Edit, from: usize) -> Result<(), DeviceError> {
        let mut disc = edit.state_after(from);
        for step in edit.steps.iter().skip(from) {
            self.run_step(&disc, step)?;
            disc.apply(step);
        }
        Ok(())
    }

    fn run_step(&mut self, disc: &RawDisc, step: &Step) -> Result<(), DeviceError> {
        let wire = |n: u32| n.saturating_sub(1) as u16;
        match step {
            Step::Move { from, to } => {
                self.query(&cmd::move_track(wire(*from), wire(*to)))?;
            }
            Step::Delete(n) => {
                self.query(&cmd::delete_track(wire(*n)))?;
            }
            Step::Erase => {
                self.query(&cmd::erase_disc())?;
            }
            Step::TrackTitle {
                track,
                full_width,
                title,
            } => {
                let old = disc
                    .tracks
                    .get((*track as usize).saturating_sub(1))
                    .map(|t| {
                        if *full_width {
                            &t.full_width_title
                        } else {
                            &t.title
                        }
                    })
                    .ok_or(DeviceError::NoSuchTrack {
                        track: *track,
                        count: disc.tracks.len() as u32,
                    })?;
                self.write_track_title(*track, *full_width, old, title)?;
            }
            Step::DiscTitle { full_width, title } => {
                let old = if *full_width {
                    &disc.full_width_title
                } else {
                    &disc.title
                };
                self.write_disc_title(*full_width, old, title)?;
            }
        }
        Ok(())
    }
}

// Two attributes rather than `all(test, ..)`: clippy recognises a plain `cfg(test)` as test code.
#[cfg(test)]
#[cfg(feature = "virtual")]
mod tests {
    use super::*;
    use crate::recorder::EditRequest;
    use crate::virtual_deck::{VirtualDeck, VirtualDisc};

    fn demo() -> Recorder<VirtualDeck> {
        Recorder::open(VirtualDeck::in_memory(VirtualDisc::demo(80, false))).unwrap()
    }

    #[test]
    fn a_move_cut_short_is_finished_from_where_the_disc_stopped() {
        let mut r = demo();
        let edit = r
            .plan(&EditRequest::MoveTrack { from: 1, to: 6 })
            .unwrap()
            .edit;
        // Both group titles, then the move.
        assert_eq!(edit.steps().len(), 3, "{:?}", edit.steps());
        assert!(matches!(edit.steps()[2], Step::Move { from: 1, to: 6 }));
        // Only the first title was written before the connection was lost.
        let first = Edit::new(edit.before().clone(), edit.steps()[..1].to_vec());
        r.apply(&first).unwrap();
        let now = r.read_raw(&mut |_, _| {}).unwrap();
        assert_eq!(edit.progress(&now), Some(1));
        assert_eq!(
            r.resume(&edit).unwrap(),
            Resumed::Finished { found_done: 1 }
        );
        let now = r.read_raw(&mut |_, _| {}).unwrap();
        assert!(now.same_content(&edit.expected()));
        // Done already: resuming again changes nothing.
        assert_eq!(
            r.resume(&edit).unwrap(),
            Resumed::Finished { found_done: 3 }
        );
    }

    #[test]
    fn a_disc_changed_by_someone_else_is_left_alone() {
        let mut r = demo();
        let edit = r.plan(&EditRequest::DeleteTracks(vec![2])).unwrap().edit;
        r.rename_track(5, "Elsewhere").unwrap();
        let before = r.read_raw(&mut |_, _| {}).unwrap();
        assert_eq!(r.resume(&edit).unwrap(), Resumed::Unexplained);
        assert!(r.read_raw(&mut |_, _| {}).unwrap().same_content(&before));
    }
}
