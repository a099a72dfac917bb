//! Reading what an import needs to know and writing its results.

use std::collections::HashMap;

use rusqlite::{Connection, Transaction, params};

use super::tags::TrackMeta;
use super::walk::FoundFile;

/// A track as the import sees it.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub id: i64,
    pub size: u64,
    pub mtime_ns: i64,
    pub missing: bool,
    /// Only loaded when overrides may have to be applied to unchanged files.
    pub meta: Option<TrackMeta>,
}

/// Every stored track by path.
pub(crate) fn load_known(
    conn: &Connection,
    with_meta: bool,
) -> rusqlite::Result<HashMap<String, Known>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.path, t.file_size, t.mtime_ns, t.missing,
                t.title, t.artist, coalesce(al.title, ''), t.album_artist, t.track_number,
                t.disc_number, t.year, t.genre, t.duration_ms, t.codec, t.sample_rate,
                t.channels, t.bitrate_kbps, t.mode, t.protected, t.grouping
         FROM tracks t LEFT JOIN albums al ON al.id = t.album_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut known = HashMap::new();
    while let Some(row) = rows.next()? {
        let path: String = row.get(1)?;
        let meta = if with_meta {
            Some(TrackMeta {
                title: row.get(5)?,
                artist: row.get(6)?,
                album: row.get(7)?,
                album_artist: row.get(8)?,
                track_number: opt_u32(row.get(9)?),
                disc_number: opt_u32(row.get(10)?),
                year: row
                    .get::<_, Option<i64>>(11)?
                    .and_then(|y| i32::try_from(y).ok()),
                genre: row.get(12)?,
                duration_ms: u64::try_from(row.get::<_, i64>(13)?).unwrap_or(0),
                codec: row.get(14)?,
                sample_rate: opt_u32(row.get(15)?),
                channels: row
                    .get::<_, Option<i64>>(16)?
                    .and_then(|c| u8::try_from(c).ok()),
                bitrate_kbps: opt_u32(row.get(17)?),
                mode: row.get(18)?,
                protected: row.get::<_, i64>(19)? != 0,
                grouping: Some(row.get(20)?),
            })
        } else {
            None
        };
        known.insert(
            path,
            Known {
                id: row.get(0)?,
                size: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                mtime_ns: row.get(3)?,
                missing: row.get::<_, i64>(4)? != 0,
                meta,
            },
        );
    }
    Ok(known)
}

fn opt_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// Inserts or updates the tracks (by path), marks the given ones missing, and drops albums and
/// artists no track refers to any more. Runs inside the caller's transaction.
pub(crate) fn write(
    tx: &Transaction<'_>,
    tracks: &[(&FoundFile, TrackMeta)],
    missing: &[i64],
    now: i64,
) -> rusqlite::Result<()> {
    let mut upsert_artist = tx.prepare(
        // The no-op update makes RETURNING yield the id of an existing row too.
        "INSERT INTO artists (name) VALUES (?1)
         ON CONFLICT (name) DO UPDATE SET name = excluded.name
         RETURNING id",
    )?;
    let mut upsert_album = tx.prepare(
        "INSERT INTO albums (title, album_artist_id, year, genre) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (title, album_artist_id) DO UPDATE SET
             year = coalesce(excluded.year, albums.year),
             genre = CASE WHEN excluded.genre <> '' THEN excluded.genre ELSE albums.genre END
         RETURNING id",
    )?;
    let mut upsert_track = tx.prepare(
        "INSERT INTO tracks (path, album_id, title, artist, album_artist, track_number,
                             disc_number, year, genre, duration_ms, codec, sample_rate, channels,
                             bitrate_kbps, file_size, mtime_ns, missing, added_at, updated_at,
                             mode, protected, grouping)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 0, ?17, ?17,
                 ?18, ?19, coalesce(?20, ''))
         ON CONFLICT (path) DO UPDATE SET
             album_id = excluded.album_id, title = excluded.title, artist = excluded.artist,
             album_artist = excluded.album_artist, track_number = excluded.track_number,
             disc_number = excluded.disc_number, year = excluded.year, genre = excluded.genre,
             duration_ms = excluded.duration_ms, codec = excluded.codec,
             sample_rate = excluded.sample_rate, channels = excluded.channels,
             bitrate_kbps = excluded.bitrate_kbps, file_size = excluded.file_size,
             mtime_ns = excluded.mtime_ns, missing = 0, updated_at = excluded.updated_at,
             mode = excluded.mode, protected = excluded.protected,
             grouping = coalesce(?20, tracks.grouping)",
    )?;

    // Albums are shared by many tracks: each one is upserted once per import.
    let mut artist_ids: HashMap<String, i64> = HashMap::new();
    let mut album_ids: HashMap<(String, i64), i64> = HashMap::new();
    for (file, meta) in tracks {
        let album_artist = meta.effective_album_artist();
        let artist_id = if let Some(&id) = artist_ids.get(album_artist) {
            id
        } else {
            let id: i64 = upsert_artist.query_row([album_artist], |r| r.get(0))?;
            artist_ids.insert(album_artist.to_string(), id);
            id
        };
        let album_key = (meta.album.clone(), artist_id);
        let album_id = if let Some(&id) = album_ids.get(&album_key) {
            id
        } else {
            let id: i64 = upsert_album
                .query_row(params![meta.album, artist_id, meta.year, meta.genre], |r| {
                    r.get(0)
                })?;
            album_ids.insert(album_key, id);
            id
        };
        upsert_track.execute(params![
            file.key,
            album_id,
            meta.title,
            meta.artist,
            meta.album_artist,
            meta.track_number,
            meta.disc_number,
            meta.year,
            meta.genre,
            i64::try_from(meta.duration_ms).unwrap_or(i64::MAX),
            meta.codec,
            meta.sample_rate,
            meta.channels,
            meta.bitrate_kbps,
            i64::try_from(file.size).unwrap_or(i64::MAX),
            file.mtime_ns,
            now,
            meta.mode,
            meta.protected,
            meta.grouping,
        ])?;
    }

    let mut mark_missing =
        tx.prepare("UPDATE tracks SET missing = 1, updated_at = ?2 WHERE id = ?1 AND missing = 0")?;
    for id in missing {
        mark_missing.execute(params![id, now])?;
    }

    if !tracks.is_empty() {
        // Retagging moves tracks to other albums; the old ones would linger in the browser.
        drop_orphans(tx)?;
    }
    Ok(())
}

/// Deletes albums no track refers to, then artists no album refers to.
pub(crate) fn drop_orphans(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM albums WHERE NOT EXISTS
             (SELECT 1 FROM tracks WHERE tracks.album_id = albums.id)",
        [],
    )?;
    tx.execute(
        "DELETE FROM artists WHERE NOT EXISTS
             (SELECT 1 FROM albums WHERE albums.album_artist_id = artists.id)",
        [],
    )?;
    Ok(())
}
