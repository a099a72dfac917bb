//! The command line. Global options work before or after the subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ministage",
    version,
    about = "A keyboard-driven terminal jukebox and MiniDisc transfer manager",
    long_about = "A keyboard-driven terminal jukebox and MiniDisc transfer manager.\n\n\
                  Without a subcommand, ministage opens the full-screen jukebox on your library."
)]
pub struct Cli {
    /// The library database file (default: $`XDG_DATA_HOME/ministage/library.sqlite3`).
    #[arg(long, global = true, env = "MINISTAGE_LIBRARY", value_name = "PATH")]
    pub library: Option<PathBuf>,

    /// The configuration file (default: $`XDG_CONFIG_HOME/ministage/config.toml`).
    #[arg(long, global = true, env = "MINISTAGE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The colour theme (see `ministage themes`).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// Draw borders and symbols with ASCII characters only.
    #[arg(long, global = true)]
    pub ascii: bool,

    /// The log file (default: $`XDG_STATE_HOME/ministage/ministage.log`).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// Log level or filter, e.g. `debug` or `ministage=trace`.
    #[arg(long, global = true, env = "MINISTAGE_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Start on a throw-away demo library of synthesised tracks.
    #[arg(long, global = true)]
    pub demo: bool,

    /// Where sound goes: `default` (the sound device) or `null` (silent, in real time).
    #[arg(
        long,
        global = true,
        value_name = "OUTPUT",
        value_parser = clap::builder::PossibleValuesParser::new(crate::config::SoundOutput::NAMES)
    )]
    pub audio: Option<String>,

    /// The recorder: `auto` (a real one if present), `usb`, or `virtual:PATH` (the virtual deck).
    #[arg(
        long,
        global = true,
        env = "MINISTAGE_DEVICE",
        default_value = "auto",
        value_name = "DEVICE"
    )]
    pub device: String,

    /// Record every USB transfer to FILE as JSON lines (attach it to a bug report).
    #[arg(long, global = true, value_name = "FILE")]
    pub usb_trace: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add folders or files to the library (recursively; unchanged files are skipped).
    Import(ImportArgs),
    /// Inspect the library.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// List the available colour themes.
    Themes,
    /// Print the default configuration file, with every option documented.
    DefaultConfig,
    /// Play files without the full-screen interface.
    Play(PlayArgs),
    /// Manage the NetMD recorder's disc (tracks numbered from 1, as on the recorder).
    #[command(subcommand)]
    Device(super::device::DeviceCommand),
    /// Convert files to ATRAC3 (.oma/.at3: LP2, LP105, LP4) or decode them to a 16-bit WAV
    Convert(super::convert::ConvertArgs),
    /// Write tags into files and update the library to match.
    Tag(super::tag::TagArgs),
    /// Manage playlists; import and export .m3u / .m3u8 files.
    #[command(subcommand)]
    Playlist(super::playlist::PlaylistCommand),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Folders or files to import.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Set the album of everything imported.
    #[arg(long)]
    pub album: Option<String>,
    /// Set the artist of everything imported.
    #[arg(long)]
    pub artist: Option<String>,
    /// Set the album artist of everything imported.
    #[arg(long)]
    pub album_artist: Option<String>,
    /// Set the year of everything imported.
    #[arg(long)]
    pub year: Option<i32>,
    /// Set the genre of everything imported.
    #[arg(long)]
    pub genre: Option<String>,
    /// Also write the given fields, and titles and track numbers taken from file names, into
    /// the files' tags.
    #[arg(long)]
    pub write_tags: bool,
}

#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Files to play, in order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// List tracks, optionally filtered (same syntax as `/` in the jukebox).
    List {
        /// A filter, e.g. `artist:bjork year:1990..1999 -live`.
        #[arg(long, short)]
        query: Option<String>,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}
