//! The transfer queue in the library database: it survives restarts and crashes (an item that
//! was running when ministage stopped is queued again on open, see
//! [`Library::recover_transfers`]).

use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, params};

use super::{Library, LibraryError};

/// What an item sends: a library track, or a file that is not in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferSource {
    Track(i64),
    Path(PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferState {
    Queued,
    Preparing,
    Sending,
    Done,
    Failed,
    Cancelled,
}

impl TransferState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Preparing => "preparing",
            Self::Sending => "sending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Preparing,
            Self::Sending,
            Self::Done,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The mode a queue item asks for; the configuration's `transfer.mode` and the `--mode` of
/// `device send` use the same words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TransferMode {
    /// The best quality that fits the whole queue: ATRAC3 sources in their own mode, the
    /// rest in SP, else LP2, else LP4.
    #[default]
    Auto,
    Sp,
    Lp2,
    /// LP2 on the disc, sent as 105 kbps ATRAC3 (the wire format some recorders take faster).
    Lp105,
    Lp4,
}

impl TransferMode {
    /// Every mode, in the order `o` in the Transfers pane cycles through them.
    pub const ALL: &[TransferMode] = &[Self::Auto, Self::Sp, Self::Lp2, Self::Lp105, Self::Lp4];

    /// The word stored and configured: `auto`, `sp`, `lp2`, `lp105`, `lp4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Sp => "sp",
            Self::Lp2 => "lp2",
            Self::Lp105 => "lp105",
            Self::Lp4 => "lp4",
        }
    }

    /// Case-insensitive (environment variables are often written in capitals); surrounding
    /// spaces are ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }

    /// How the panes show it: `AUTO`, `SP`, `LP2`, `LP4`.
    pub fn label(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// The next mode in [`TransferMode::ALL`], wrapping around.
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|&m| m == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// A stored mode: a word this version does not know (a hand-edited database) is read as
    /// [`TransferMode::Auto`], which every source can be sent in.
    fn from_stored(text: &str) -> Self {
        Self::parse(text).unwrap_or_default()
    }
}

impl fmt::Display for TransferMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_column!(TransferMode, TransferMode::from_stored);

/// A receive item (MD → computer, MZ-RH1 only): the disc track it brings back and how the
/// received file is filed in the library.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiveOrder {
    /// The track on the disc, from 1.
    pub track: u32,
    /// The disc's title: the album the received track joins.
    pub album: String,
    /// The name of the track's group on the disc: its grouping.
    pub grouping: String,
}

/// A queue item with what the sender needs: the file to read and the progress so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTransfer {
    pub id: i64,
    pub position: u32,
    pub track_id: Option<i64>,
    /// The file: the library track's, or the one queued by path.
    pub path: PathBuf,
    pub title: String,
    pub mode: TransferMode,
    pub state: TransferState,
    pub error: Option<String>,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Set for an item received from the recorder rather than sent to it; `path` is then the
    /// file it is received into.
    pub receive: Option<ReceiveOrder>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Library {
    /// Adds an item at the end of the queue; returns its id.
    pub fn enqueue_transfer(
        &self,
        source: &TransferSource,
        title: &str,
        mode: TransferMode,
    ) -> Result<i64, LibraryError> {
        let (track_id, path) = match source {
            TransferSource::Track(id) => (Some(*id), String::new()),
            TransferSource::Path(p) => (None, p.to_string_lossy().into_owned()),
        };
        let run = || -> rusqlite::Result<i64> {
            self.conn.execute(
                "INSERT INTO transfer_items (position, track_id, path, title, mode, state, created_at)
                 VALUES ((SELECT coalesce(max(position), 0) + 1 FROM transfer_items),
                         ?1, ?2, ?3, ?4, 'queued', ?5)",
                params![track_id, path, title, mode, now()],
            )?;
            Ok(self.conn.last_insert_rowid())
        };
        run().map_err(|e| self.db_err(e))
    }

    /// Adds an item at the end of the queue that receives a disc track into the file `into`;
    /// returns its id.
    pub fn enqueue_receive(
        &self,
        order: &ReceiveOrder,
        into: &std::path::Path,
        title: &str,
        mode: TransferMode,
    ) -> Result<i64, LibraryError> {
        let run = || -> rusqlite::Result<i64> {
            self.conn.execute(
                "INSERT INTO transfer_items (position, path, title, mode, state, created_at,
                                             direction, disc_track, album, grouping)
                 VALUES ((SELECT coalesce(max(position), 0) + 1 FROM transfer_items),
                         ?1, ?2, ?3, 'queued', ?4, 'receive', ?5, ?6, ?7)",
                params![
                    into.to_string_lossy(),
                    title,
                    mode,
                    now(),
                    order.track,
                    order.album,
                    order.grouping
                ],
            )?;
            Ok(self.conn.last_insert_rowid())
        };
        run().map_err(|e| self.db_err(e))
    }

    /// The queue in order, with files resolved.
    pub fn transfer_queue(&self) -> Result<Vec<QueuedTransfer>, LibraryError> {
        let run = || -> rusqlite::Result<Vec<QueuedTransfer>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT q.id, q.position, q.track_id, coalesce(t.path, q.path), q.title, q.mode,
                        q.state, q.error, q.bytes_done, q.bytes_total, q.direction,
                        q.disc_track, q.album, q.grouping
                 FROM transfer_items q LEFT JOIN tracks t ON t.id = q.track_id
                 ORDER BY q.position, q.id",
            )?;
            let rows = stmt.query_map([], |row| {
                let state: String = row.get(6)?;
                Ok(QueuedTransfer {
                    id: row.get(0)?,
                    position: u32::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    track_id: row.get(2)?,
                    path: PathBuf::from(row.get::<_, String>(3)?),
                    title: row.get(4)?,
                    mode: row.get(5)?,
                    // A hand-edited state is treated as failed rather than lost.
                    state: TransferState::parse(&state).unwrap_or(TransferState::Failed),
                    error: row.get(7)?,
                    bytes_done: u64::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
                    bytes_total: u64::try_from(row.get::<_, i64>(9)?).unwrap_or(0),
                    receive: match row.get::<_, String>(10)?.as_str() {
                        "receive" => Some(ReceiveOrder {
                            track: row
                                .get::<_, Option<i64>>(11)?
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or(0),
                            album: row.get(12)?,
                            grouping: row.get(13)?,
                        }),
                        _ => None,
                    },
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.db_err(e))
    }

    pub fn transfer(&self, id: i64) -> Result<Option<QueuedTransfer>, LibraryError> {
        Ok(self.transfer_queue()?.into_iter().find(|t| t.id == id))
    }

    /// Moves an item to `position` (from 1) and renumbers the queue.
    pub fn move_transfer(&self, id: i64, position: u32) -> Result<(), LibraryError> {
        let mut ids: Vec<i64> = self.transfer_queue()?.iter().map(|t| t.id).collect();
        let Some(from) = ids.iter().position(|&i| i == id) else {
            return Ok(());
        };
        let moved = ids.remove(from);
        let to = (position.max(1) as usize - 1).min(ids.len());
        ids.insert(to, moved);
        let run = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            for (i, id) in ids.iter().enumerate() {
                tx.execute(
                    "UPDATE transfer_items SET position = ?1 WHERE id = ?2",
                    params![i as i64 + 1, id],
                )?;
            }
            tx.commit()
        };
        run().map_err(|e| self.db_err(e))
    }

    pub fn remove_transfer(&self, id: i64) -> Result<(), LibraryError> {
        self.conn
            .execute("DELETE FROM transfer_items WHERE id = ?1", [id])
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    /// Sets the state; the error is kept only for failed items.
    pub fn set_transfer_state(
        &self,
        id: i64,
        state: TransferState,
        error: Option<&str>,
    ) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET state = ?1, error = ?2 WHERE id = ?3",
                params![state.as_str(), error, id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    pub fn set_transfer_progress(
        &self,
        id: i64,
        bytes_done: u64,
        bytes_total: u64,
    ) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET bytes_done = ?1, bytes_total = ?2 WHERE id = ?3",
                params![bytes_done as i64, bytes_total as i64, id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    pub fn set_transfer_mode(&self, id: i64, mode: TransferMode) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET mode = ?1 WHERE id = ?2",
                params![mode, id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    pub fn set_transfer_title(&self, id: i64, title: &str) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET title = ?1 WHERE id = ?2",
                params![title, id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    /// Items that were running when ministage stopped go back to the queue; returns how many.
    pub fn recover_transfers(&self) -> Result<usize, LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET state = 'queued', bytes_done = 0
                 WHERE state IN ('preparing', 'sending')",
                [],
            )
            .map_err(|e| self.db_err(e))
    }

    /// Notes the disc track a send was stored as (its number and UUID), before the commit.
    pub fn note_transfer_stored(
        &self,
        id: i64,
        track: u32,
        uuid: &str,
    ) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET stored_track = ?1, stored_uuid = ?2 WHERE id = ?3",
                params![track, uuid, id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    /// Forgets the note of [`Library::note_transfer_stored`] (the send ended either way).
    pub fn clear_transfer_stored(&self, id: i64) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET stored_track = NULL, stored_uuid = NULL WHERE id = ?1",
                [id],
            )
            .map(drop)
            .map_err(|e| self.db_err(e))
    }

    /// Queued items whose send was stored on the disc when ministage stopped: `(id, track,
    /// uuid)`. Whether each arrived is for the disc to tell.
    pub fn stored_transfers(&self) -> Result<Vec<(i64, u32, String)>, LibraryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, stored_track, stored_uuid FROM transfer_items
                 WHERE state = 'queued' AND stored_track IS NOT NULL AND stored_uuid IS NOT NULL
                 ORDER BY position, id",
            )
            .map_err(|e| self.db_err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.db_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.db_err(e))
    }

    /// Queues a failed or cancelled item again; false when there is no such item.
    pub fn retry_transfer(&self, id: i64) -> Result<bool, LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET state = 'queued', error = NULL, bytes_done = 0
                 WHERE id = ?1 AND state IN ('failed', 'cancelled')",
                [id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.db_err(e))
    }

    pub fn retry_failed_transfers(&self) -> Result<usize, LibraryError> {
        self.conn
            .execute(
                "UPDATE transfer_items SET state = 'queued', error = NULL, bytes_done = 0
                 WHERE state = 'failed'",
                [],
            )
            .map_err(|e| self.db_err(e))
    }

    pub fn clear_done_transfers(&self) -> Result<usize, LibraryError> {
        self.conn
            .execute("DELETE FROM transfer_items WHERE state = 'done'", [])
            .map_err(|e| self.db_err(e))
    }

    /// The next queued item.
    pub fn next_queued_transfer(&self) -> Result<Option<QueuedTransfer>, LibraryError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM transfer_items WHERE state = 'queued' ORDER BY position, id LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_err(e))?;
        match id {
            Some(id) => self.transfer(id),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_survives_a_restart_and_recovers_running_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.sqlite3");
        let (a, b, c);
        {
            let lib = Library::open(&path).unwrap();
            a = lib
                .enqueue_transfer(
                    &TransferSource::Path("/x/a.wav".into()),
                    "A",
                    TransferMode::Sp,
                )
                .unwrap();
            b = lib
                .enqueue_transfer(
                    &TransferSource::Path("/x/b.wav".into()),
                    "B",
                    TransferMode::Lp2,
                )
                .unwrap();
            c = lib
                .enqueue_transfer(
                    &TransferSource::Path("/x/c.wav".into()),
                    "C",
                    TransferMode::Auto,
                )
                .unwrap();
            lib.set_transfer_state(a, TransferState::Sending, None)
                .unwrap();
            lib.set_transfer_progress(a, 10, 100).unwrap();
            lib.set_transfer_state(b, TransferState::Failed, Some("gone"))
                .unwrap();
            lib.move_transfer(c, 1).unwrap();
        }
        let lib = Library::open(&path).unwrap();
        lib.note_transfer_stored(a, 3, "0011223344556677").unwrap();
        assert_eq!(lib.recover_transfers().unwrap(), 1);
        // The note outlives the restart, for the disc to settle; then it goes.
        assert_eq!(
            lib.stored_transfers().unwrap(),
            [(a, 3, "0011223344556677".to_string())]
        );
        lib.clear_transfer_stored(a).unwrap();
        assert!(lib.stored_transfers().unwrap().is_empty());
        let q = lib.transfer_queue().unwrap();
        assert_eq!(q.iter().map(|t| t.id).collect::<Vec<_>>(), [c, a, b]);
        assert_eq!(q[1].state, TransferState::Queued);
        assert_eq!(q[1].bytes_done, 0);
        assert_eq!(q[2].error.as_deref(), Some("gone"));
        assert_eq!(q[0].path, PathBuf::from("/x/c.wav"));
        assert!(lib.retry_transfer(b).unwrap());
        assert_eq!(
            lib.transfer(b).unwrap().unwrap().state,
            TransferState::Queued
        );
        lib.remove_transfer(a).unwrap();
        // The UI's reader keeps working.
        let items = lib.transfer_items().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].mode, TransferMode::Auto);
        assert_eq!(lib.next_queued_transfer().unwrap().unwrap().id, c);
    }

    #[test]
    fn every_mode_round_trips_through_the_queue_as_its_word() {
        let lib = Library::open_in_memory().unwrap();
        for &mode in TransferMode::ALL {
            let id = lib
                .enqueue_transfer(&TransferSource::Path("/x/a.wav".into()), "A", mode)
                .unwrap();
            let stored: String = lib
                .conn
                .query_row("SELECT mode FROM transfer_items WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(stored, mode.as_str());
            assert_eq!(lib.transfer(id).unwrap().unwrap().mode, mode);
            lib.set_transfer_mode(id, mode.next()).unwrap();
            assert_eq!(lib.transfer(id).unwrap().unwrap().mode, mode.next());
        }
        let words: Vec<&str> = TransferMode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(words, ["auto", "sp", "lp2", "lp105", "lp4"]);
    }

    #[test]
    fn an_unknown_stored_mode_loads_as_auto() {
        let lib = Library::open_in_memory().unwrap();
        lib.conn
            .execute_batch(
                "INSERT INTO transfer_items (position, title, mode, created_at)
                 VALUES (1, 'A', 'hq', 0), (2, 'B', 'LP4', 0)",
            )
            .unwrap();
        let q = lib.transfer_queue().unwrap();
        assert_eq!(q[0].mode, TransferMode::Auto);
        assert_eq!(q[1].mode, TransferMode::Lp4);
        assert_eq!(lib.transfer_items().unwrap()[0].mode, TransferMode::Auto);
    }

    #[test]
    fn modes_parse_case_insensitively_and_cycle() {
        assert_eq!(TransferMode::parse(" LP2 "), Some(TransferMode::Lp2));
        assert_eq!(TransferMode::parse("hq"), None);
        assert_eq!(TransferMode::Lp4.label(), "LP4");
        assert_eq!(TransferMode::Lp4.next(), TransferMode::Auto);
        assert_eq!(TransferMode::Auto.to_string(), "auto");
    }
}
