//! `ministage playlist`: list, show, create, fill, export and import playlists.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::setup::Environment;
use crate::ui::format::duration;
use library::text::clean;
use library::{Library, Query};

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// List the playlists with their length.
    List,
    /// List a playlist's entries, numbered from 1.
    Show { name: String },
    /// Create an empty playlist.
    Create { name: String },
    /// Append the tracks matching a query (same syntax as `/` in the jukebox).
    Add {
        name: String,
        #[arg(long, short)]
        query: String,
    },
    /// Remove entry N (numbered from 1, as `show` lists them).
    Remove { name: String, n: u32 },
    /// Write the playlist as an .m3u8 file (UTF-8, paths relative to FILE where possible).
    Export { name: String, file: PathBuf },
    /// Create a playlist from an .m3u or .m3u8 file; entries not found are listed.
    Import {
        file: PathBuf,
        /// The playlist's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
    },
}

/// Exit 0 on success; 1 when an import left entries unresolved.
pub fn run(env: &Environment, cmd: &PlaylistCommand) -> anyhow::Result<i32> {
    let mut lib = Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let mut out = std::io::stdout().lock();
    match cmd {
        PlaylistCommand::List => {
            for p in lib.playlists()? {
                writeln!(
                    out,
                    "{}\t{} tracks\t{}",
                    clean(&p.name),
                    p.track_count,
                    duration(p.duration_ms)
                )?;
            }
        }
        PlaylistCommand::Show { name } => {
            let id = lib.playlist_id(name)?;
            for e in lib.playlist_entries(id)? {
                let t = &e.track;
                writeln!(
                    out,
                    "{:>3}. {} — {} [{}]{}",
                    e.position,
                    clean(&t.artist),
                    clean(&t.title),
                    duration(t.duration_ms),
                    if t.missing { " (missing)" } else { "" }
                )?;
            }
        }
        PlaylistCommand::Create { name } => {
            lib.create_playlist(name)?;
        }
        PlaylistCommand::Add { name, query } => {
            let query = Query::parse(query).context("invalid --query")?;
            let id = lib.playlist_id(name)?;
            let ids: Vec<i64> = lib.query(&query)?.iter().map(|t| t.id).collect();
            lib.add_to_playlist(id, &ids)?;
            writeln!(out, "{} tracks added", ids.len())?;
        }
        PlaylistCommand::Remove { name, n } => {
            let id = lib.playlist_id(name)?;
            lib.remove_playlist_entry(id, *n)?;
        }
        PlaylistCommand::Export { name, file } => {
            let id = lib.playlist_id(name)?;
            lib.export_playlist(id, file)?;
        }
        PlaylistCommand::Import { file, name } => {
            let report = lib.import_playlist(file, name.as_deref())?;
            for u in &report.unresolved {
                eprintln!(
                    "line {}: {}: {}",
                    u.line,
                    clean(&u.path.to_string_lossy()),
                    u.reason
                );
            }
            writeln!(
                out,
                "playlist {:?}: {} entries ({} imported into the library), {} not found",
                report.name,
                report.added,
                report.imported,
                report.unresolved.len()
            )?;
            if !report.unresolved.is_empty() {
                return Ok(1);
            }
        }
    }
    Ok(0)
}
