//! `ministage device …`: the recorder from the command line. Tracks and groups are numbered
//! from 1, as on the recorder's display.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use serde::Serialize;

use media::player::AudioOutput;
use netmd::format_ms;
use netmd::{
    AnyRecorder, DeckModel, DeviceError, DeviceSelector, DiscInfo, EditRequest, Mode, VirtualDeck,
    VirtualDisc,
};

use crate::shell::edit_resume::apply_resuming;

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Show the disc: title, groups, tracks, capacity and title space.
    Info {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rename track N (on a Hi-MD disc, also its artist and album).
    Rename {
        n: u32,
        title: String,
        /// The track's artist (Hi-MD discs; NetMD tracks have a title only).
        #[arg(long)]
        artist: Option<String>,
        /// The track's album (Hi-MD discs).
        #[arg(long)]
        album: Option<String>,
    },
    /// Rename the disc (its groups are kept).
    RenameDisc { title: String },
    /// Manage groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Move track FROM so that it becomes track TO.
    Move { from: u32, to: u32 },
    /// Delete tracks.
    Delete {
        #[arg(required = true)]
        n: Vec<u32>,
    },
    /// Erase the whole disc. A Hi-MD disc in Hi-MD mode is formatted afresh by the unit: every
    /// track, title and group goes, and the disc keeps its id.
    Erase {
        /// Confirm: every track and title is deleted (on Hi-MD, the disc is formatted).
        #[arg(long)]
        yes: bool,
    },
    /// Hi-MD: put the device's backup of the track index (`_RKIDXnn`) in place of a damaged
    /// current one (`TRKIDXnn`).
    RestoreIndex {
        /// Confirm: the tracks, titles and groups become those the backup lists.
        #[arg(long)]
        yes: bool,
    },
    /// Start the recorder's playback (at track N when given). On the virtual deck the audio is
    /// heard here, through --audio, until the track ends.
    Play { n: Option<u32> },
    /// Pause the recorder's playback.
    Pause,
    /// Stop the recorder's playback.
    Stop,
    /// Skip to the next track.
    Next,
    /// Go back to the previous track.
    Prev,
    /// Go to track N.
    Goto { n: u32 },
    /// Go to a time (m:ss or seconds) in track N.
    Seek { n: u32, time: String },
    /// Show what the recorder's player is doing.
    Status,
    /// Eject the disc.
    Eject,
    /// Send audio files to the disc, in any mode: ATRAC3 files already in the mode go untouched,
    /// anything else playable is encoded (LP) or decoded to PCM (SP).
    Send {
        /// sp, lp2, lp105 (LP2 on the disc, 105 kbps on the wire), lp4, or auto (SP when
        /// everything fits, else the best single LP mode that does). A Hi-MD disc also takes
        /// mp3 (constant-bit-rate MP3 as it is) and pcm (lossless), and no sp.
        #[arg(long, default_value = "auto", value_parser = parse_mode)]
        mode: SendMode,
        /// The title (for a single file; default: the title tag, else the file name).
        #[arg(long)]
        title: Option<String>,
        /// Leave the usual gap handling: every track starts afresh and its end is padded with
        /// silence (default: neighbours on one album run on into each other, `transfer.gapless`).
        #[arg(long)]
        no_gapless: bool,
        /// ReplayGain before encoding: off, track or album (default: `transfer.replaygain`).
        #[arg(long, value_parser = parse_replaygain)]
        replaygain: Option<media::player::GainMode>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Receive tracks from an MZ-RH1 or MZ-M200 (every track when none is named) into
    /// receive.dir, and add them to the library: SP as ATRAC1 .aea, LP2/LP4 as ATRAC3 .at3.
    Receive {
        n: Vec<u32>,
        /// The folder (default: receive.dir in the configuration: MiniDisc/DISC TITLE in your music
        /// folder unless set).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Decode to 16-bit WAV instead of keeping the recorder's ATRAC.
        #[arg(long)]
        wav: bool,
    },
    /// The disc's titles as CSV (disc title, then track, title, full-width title, group, mode,
    /// duration), both ways.
    #[command(subcommand)]
    Titles(TitlesCommand),
    /// Archive the disc from an MZ-RH1, an MZ-M200 or a Hi-MD disc: every track (as received)
    /// and titles.csv (the disc title, then track, title, full-width title, group, mode,
    /// duration) in DIR.
    Archive { dir: PathBuf },
    /// Serve the virtual deck's USB transfers on standard input and output, one JSON object
    /// per line each way, in the shape of WebUSB's calls (for other NetMD clients, such as
    /// netmd-js through contrib/netmd-js-bridge). Ends at the end of the input.
    Serve,
    /// Create a virtual deck's disc file (blank, or with --demo a few tracks and groups).
    InitVirtual {
        path: PathBuf,
        /// Tracks in SP, LP2 and LP4, two groups and a full-width title.
        #[arg(long)]
        demo: bool,
        /// Disc length: 60, 74 or 80 minutes, or (with --himd) 1gb.
        #[arg(long, default_value = "80", value_parser = parse_length)]
        minutes: DiscLength,
        /// A Hi-MD disc in Hi-MD mode (a FAT16 image and its sidecar) instead of a NetMD deck.
        #[arg(long, conflicts_with_all = ["demo", "write_protected", "native_mono", "model"])]
        himd: bool,
        /// Set the disc's write-protect tab.
        #[arg(long)]
        write_protected: bool,
        /// Act like a unit that records mono SP natively (Sharp IM-DR80, Sony MDS-JB980 …):
        /// mono sources are then sent as mono and take half the space.
        #[arg(long)]
        native_mono: bool,
        /// The recorder to act as: generic, or rh1 (an MZ-RH1, which sends tracks back with
        /// `device receive`). Kept in the disc file.
        #[arg(long, default_value = "generic", value_parser = parse_model)]
        model: DeckModel,
    },
}

#[derive(Debug, Subcommand)]
pub enum TitlesCommand {
    /// Write the disc's titles to FILE.
    Export { file: PathBuf },
    /// Give the disc the titles and groups in FILE, as one change checked before anything is
    /// written (tracks it does not list keep theirs).
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Make tracks FIRST..LAST a group.
    Create { first: u32, last: u32, name: String },
    /// Rename group G.
    Rename { g: usize, name: String },
    /// Delete group G (its tracks stay).
    Delete { g: usize },
    /// Put track N into group G (moving it next to the group if needed).
    Add { g: usize, n: u32 },
    /// Take track N out of its group.
    Remove { n: u32 },
}

/// A blank disc's length: minutes of a MiniDisc, or a 1 GB Hi-MD disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscLength {
    Minutes(u32),
    Gigabyte,
}

fn parse_length(s: &str) -> Result<DiscLength, String> {
    if s.eq_ignore_ascii_case("1gb") {
        return Ok(DiscLength::Gigabyte);
    }
    match s.parse::<u32>() {
        Ok(m @ (60 | 74 | 80)) => Ok(DiscLength::Minutes(m)),
        _ => Err(format!(
            "{s} is not a disc length: use 60, 74, 80 or (Hi-MD) 1gb"
        )),
    }
}

fn parse_model(s: &str) -> Result<DeckModel, String> {
    DeckModel::parse(s).ok_or_else(|| format!("{s} is not a deck model: use generic or rh1"))
}

/// The `--mode` of `device send`: a mode both kinds of disc take, or one only Hi-MD has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    Disc(crate::transfer::TransferMode),
    /// MP3 frames as they are.
    Mp3,
    /// 16-bit PCM, lossless.
    Pcm,
}

fn parse_mode(s: &str) -> Result<SendMode, String> {
    if s.trim().eq_ignore_ascii_case("mp3") {
        return Ok(SendMode::Mp3);
    }
    if s.trim().eq_ignore_ascii_case("pcm") {
        return Ok(SendMode::Pcm);
    }
    crate::transfer::TransferMode::parse(s)
        .map(SendMode::Disc)
        .ok_or_else(|| {
            let words: Vec<&str> = crate::transfer::TransferMode::ALL
                .iter()
                .map(|m| m.as_str())
                .collect();
            format!(
                "{s} is not a mode: use {} (or, on Hi-MD, mp3 or pcm)",
                words.join(", ")
            )
        })
}

fn parse_replaygain(s: &str) -> Result<media::player::GainMode, String> {
    s.parse()
}

fn parse_time(s: &str) -> anyhow::Result<u64> {
    let secs = match s.split_once(':') {
        Some((m, sec)) => m.trim().parse::<u64>()? * 60 + sec.trim().parse::<u64>()?,
        None => s.trim().parse::<u64>()?,
    };
    Ok(secs * 1000)
}

/// Runs a device subcommand; returns the exit code.
pub fn run(
    cmd: &DeviceCommand,
    device: &str,
    usb_trace: Option<&Path>,
    env: &super::setup::Environment,
) -> anyhow::Result<i32> {
    let audio = env.audio;
    let transfer = &env.settings.transfer;
    if let DeviceCommand::InitVirtual {
        path,
        demo,
        minutes,
        write_protected,
        native_mono,
        model,
        himd,
    } = cmd
    {
        if *himd {
            use himd::virtual_device::MediaSize;
            let size = match minutes {
                DiscLength::Minutes(74) => MediaSize::Minutes74,
                DiscLength::Minutes(80) => MediaSize::Minutes80,
                DiscLength::Gigabyte => MediaSize::Gigabyte,
                DiscLength::Minutes(m) => bail!("Hi-MD discs are 74 or 80 minutes or 1gb, not {m}"),
            };
            super::himd::init_blank(path, size)?;
            return Ok(0);
        }
        let DiscLength::Minutes(minutes) = minutes else {
            bail!("1gb is a Hi-MD disc: add --himd");
        };
        let mut disc = if *demo {
            VirtualDisc::demo(*minutes, *write_protected)
        } else {
            VirtualDisc::blank(*minutes, *write_protected)
        };
        disc.native_mono = *native_mono;
        disc.model = *model;
        VirtualDeck::create(path, &disc)?;
        outln!(
            "created a {}{minutes}-minute virtual disc{} at {} (use --device virtual:{})",
            if *demo { "demo " } else { "blank " },
            if *model == DeckModel::Rh1 {
                " in an MZ-RH1"
            } else {
                ""
            },
            path.display(),
            path.display()
        )?;
        return Ok(0);
    }
    if let DeviceCommand::Erase { yes: false } = cmd {
        eprintln!(
            "ministage: erasing deletes every track and title on the disc (a Hi-MD disc \
             is formatted afresh); add --yes to do it"
        );
        return Ok(1);
    }
    let selector: DeviceSelector = device.parse()?;
    if let Some(target) = super::himd::target_of(&selector) {
        return super::himd::run(cmd, &target, env);
    }
    if let DeviceCommand::RestoreIndex { .. } = cmd {
        bail!("restore-index is for Hi-MD discs in Hi-MD mode; this is a NetMD disc");
    }
    if let DeviceCommand::Serve = cmd {
        return serve(&selector, usb_trace);
    }
    if let (DeviceCommand::Play { n }, DeviceSelector::Virtual(disc)) = (cmd, &selector) {
        return listen(&selector, disc, *n, usb_trace, audio);
    }
    let mut r = netmd::open(&selector, &open_options(usb_trace)?)
        .with_context(|| format!("could not open the recorder ({selector})"))?;
    // A second connection, to read the disc back when the first was lost during a change.
    let reopen = || -> Result<AnyRecorder, DeviceError> {
        let options = netmd::OpenOptions {
            trace: None,
            speaker: None,
            faults: crate::shell::device_worker::faults_from_env()?,
        };
        netmd::open(&selector, &options)
    };
    if let DeviceCommand::Send {
        mode,
        title,
        files,
        no_gapless,
        replaygain,
    } = cmd
    {
        let mut options = crate::transfer::BatchOptions::from_settings(transfer);
        options.gapless &= !no_gapless;
        if let Some(gain) = replaygain {
            options.replaygain = *gain;
        }
        let SendMode::Disc(mode) = *mode else {
            bail!("mp3 and pcm are Hi-MD modes: a NetMD disc takes sp, lp2, lp105, lp4 or auto");
        };
        return send_files(&mut r, mode, title.as_deref(), files, &options, &reopen);
    }
    match cmd {
        DeviceCommand::Titles(TitlesCommand::Export { file }) => {
            let disc = r.read_disc()?;
            if !disc.disc_present {
                bail!(DeviceError::NoDisc);
            }
            crate::shell::titles_csv::write_file(file, &disc)?;
            outln!(
                "wrote the titles of {} tracks to {}",
                disc.tracks.len(),
                file.display()
            )?;
            return Ok(0);
        }
        DeviceCommand::Titles(TitlesCommand::Import { file }) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let disc = r.read_disc()?;
            if !disc.disc_present {
                bail!(DeviceError::NoDisc);
            }
            let sheet = match crate::shell::titles_csv::parse(&bytes, &disc) {
                Ok(sheet) => sheet,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    bail!("{}: nothing was changed", file.display());
                }
            };
            for w in run_edit(&mut r, &EditRequest::SetTitles(sheet), &reopen)? {
                eprintln!("warning: {w}");
            }
            outln!("titles from {} written to the disc", file.display())?;
            return Ok(0);
        }
        DeviceCommand::Receive { n, to, wav } => {
            return receive_into_library(&mut r, env, n, to.as_deref(), *wav);
        }
        DeviceCommand::Archive { dir } => return archive(&mut r, dir),
        DeviceCommand::Rename {
            artist: Some(_), ..
        }
        | DeviceCommand::Rename { album: Some(_), .. } => {
            bail!("a NetMD disc holds a title per track, no artist or album (Hi-MD discs do)")
        }
        _ => {}
    }
    let warnings = match edit_request(cmd) {
        Some(request) => run_edit(&mut r, &request, &reopen)?,
        None => execute(&mut r, cmd)?,
    };
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(0)
}

/// `device play` on the virtual deck: what it plays is heard through this process's audio
/// output (as a recorder's through its headphones) until the track ends; Ctrl-C stops it.
fn listen(
    selector: &DeviceSelector,
    disc_path: &Path,
    start_at: Option<u32>,
    usb_trace: Option<&Path>,
    audio: AudioOutput,
) -> anyhow::Result<i32> {
    use std::io::{IsTerminal, Write};
    use std::sync::{Arc, Mutex, mpsc};
    use std::time::Duration;

    use crate::shell::deck_speaker::DeckSpeaker;
    use media::player::PlayerEvent;
    use netmd::virtual_deck::Speaker;

    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let started = DeckSpeaker::start_with_events(
        audio,
        Arc::new(move |e| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(e);
            }
        }),
    );
    let speaker = match started {
        Ok(s) => s,
        Err(e) => {
            eprintln!("warning: {e}; the virtual deck plays silently");
            let mut r = netmd::open(selector, &open_options(usb_trace)?)
                .with_context(|| format!("could not open the recorder ({selector})"))?;
            execute(&mut r, &DeviceCommand::Play { n: start_at })?;
            return Ok(0);
        }
    };
    let speaker = Mutex::new(Some(Box::new(speaker) as Box<dyn Speaker>));
    let factory: netmd::SpeakerFactory =
        Arc::new(move || speaker.lock().ok().and_then(|mut s| s.take()));
    let options = netmd::OpenOptions {
        speaker: Some(&factory),
        ..open_options(usb_trace)?
    };
    let transport = netmd::open_transport(selector, &options)
        .and_then(|t| t.ok_or(netmd::DeviceError::NotFound))
        .and_then(netmd::Recorder::open)
        .with_context(|| format!("could not open the recorder ({selector})"));
    let mut r = transport?;
    if let Some(n) = start_at {
        r.goto_track(n)?;
    }
    r.play()?;
    let status = r.player_status()?;
    let Some(n) = status.track else {
        outln!("{}", status.state.label())?;
        return Ok(0);
    };
    let disc = VirtualDeck::load(disc_path)?;
    let Some(track) = disc.tracks.get(n as usize - 1) else {
        bail!("the virtual deck is on track {n}, which its disc does not have");
    };
    let title = library::text::clean(&track.title);
    if track.audio.is_none() {
        outln!(
            "track {n} \"{title}\" has no recorded audio (tracks made by init-virtual --demo are \
             silent; send music to hear it)"
        )?;
        return Ok(0);
    }
    let interactive = std::io::stderr().is_terminal();
    if !interactive {
        outln!("Playing track {n} \"{title}\" on the virtual deck")?;
    }
    let mut quiet = Duration::ZERO;
    loop {
        let event = if let Ok(e) = rx.recv_timeout(Duration::from_millis(500)) {
            quiet = Duration::ZERO;
            e
        } else {
            quiet += Duration::from_millis(500);
            if quiet >= Duration::from_secs(30) {
                bail!("the player stopped responding while playing track {n}");
            }
            continue;
        };
        match event {
            PlayerEvent::Position { position_ms, .. } if interactive => {
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K▶ {} / {} {n}. {}",
                    format_ms(position_ms),
                    format_ms(track.duration_ms),
                    library::text::truncate_to_width(&title, 50)
                );
                let _ = err.flush();
            }
            PlayerEvent::Ended { .. } => break,
            PlayerEvent::Failed { reason, .. } => {
                if interactive {
                    eprintln!();
                }
                eprintln!("cannot play track {n}: {reason}");
                return Ok(1);
            }
            _ => {}
        }
    }
    if interactive {
        eprintln!();
    }
    Ok(0)
}

/// `device serve`: the virtual deck's transfers on standard input and output. Nothing else is
/// written to standard output, which belongs to the protocol.
fn serve(selector: &DeviceSelector, usb_trace: Option<&Path>) -> anyhow::Result<i32> {
    if !matches!(selector, DeviceSelector::Virtual(_)) {
        bail!("device serve serves the virtual deck only: use --device virtual:PATH");
    }
    let mut transport = netmd::open_transport(selector, &open_options(usb_trace)?)
        .and_then(|t| t.ok_or(DeviceError::NotFound))
        .with_context(|| format!("could not open the recorder ({selector})"))?;
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    netmd::virtual_deck::pipe::serve(&mut transport, stdin, stdout)?;
    Ok(0)
}

/// Opening options for the command line: the USB trace, and faults from the environment.
fn open_options(usb_trace: Option<&Path>) -> anyhow::Result<netmd::OpenOptions<'_>> {
    Ok(netmd::OpenOptions {
        trace: usb_trace,
        speaker: None,
        faults: crate::shell::device_worker::faults_from_env()?,
    })
}

fn execute(r: &mut AnyRecorder, cmd: &DeviceCommand) -> anyhow::Result<Vec<String>> {
    use DeviceCommand as D;
    let none = |()| Vec::new();
    Ok(match cmd {
        D::Info { json } => {
            let info = r.read_disc()?.map_text(library::text::clean);
            if !info.disc_present {
                bail!(netmd::DeviceError::NoDisc);
            }
            if *json {
                outln!("{}", serde_json::to_string_pretty(&JsonDisc::from(&info))?)?;
            } else {
                out!("{}", table(&info))?;
            }
            Vec::new()
        }
        D::Play { n } => {
            if let Some(n) = n {
                r.goto_track(*n)?;
            }
            r.play().map(none)?
        }
        D::Pause => r.pause().map(none)?,
        D::Stop => r.stop().map(none)?,
        D::Next => r.next_track().map(none)?,
        D::Prev => r.previous_track().map(none)?,
        D::Goto { n } => r.goto_track(*n).map(none)?,
        D::Seek { n, time } => {
            let ms = parse_time(time).with_context(|| format!("{time:?} is not a time (m:ss)"))?;
            r.seek(*n, ms).map(none)?
        }
        D::Eject => r.eject().map(none)?,
        D::Status => {
            let s = r.player_status()?;
            match s.track {
                Some(t) => outln!(
                    "{} — track {t} at {}",
                    s.state.label(),
                    format_ms(s.position_ms)
                )?,
                None => outln!("{}", s.state.label())?,
            }
            Vec::new()
        }
        D::InitVirtual { .. }
        | D::Serve
        | D::Send { .. }
        | D::Receive { .. }
        | D::Archive { .. }
        | D::Titles(_)
        | D::Rename { .. }
        | D::RenameDisc { .. }
        | D::Group(_)
        | D::Move { .. }
        | D::Delete { .. }
        | D::Erase { .. }
        | D::RestoreIndex { .. } => Vec::new(),
    })
}

/// The change to the disc a command asks for, if it is one.
pub(super) fn edit_request(cmd: &DeviceCommand) -> Option<EditRequest> {
    use DeviceCommand as D;
    use EditRequest as E;
    Some(match cmd {
        D::Rename { n, title, .. } => E::RenameTrack {
            track: *n,
            title: title.clone(),
        },
        D::RenameDisc { title } => E::RenameDisc {
            title: title.clone(),
        },
        D::Group(g) => match g {
            GroupCommand::Create { first, last, name } => E::CreateGroup {
                first: *first,
                last: *last,
                name: name.clone(),
            },
            GroupCommand::Rename { g, name } => E::RenameGroup {
                group: *g,
                name: name.clone(),
            },
            GroupCommand::Delete { g } => E::DeleteGroup { group: *g },
            GroupCommand::Add { g, n } => E::AddToGroup {
                group: *g,
                track: *n,
            },
            GroupCommand::Remove { n } => E::RemoveFromGroup { track: *n },
        },
        D::Move { from, to } => E::MoveTrack {
            from: *from,
            to: *to,
        },
        D::Delete { n } => E::DeleteTracks(n.clone()),
        D::Erase { .. } => E::EraseDisc,
        _ => return None,
    })
}

/// Makes a change to the disc, finished on a new connection when an answer was lost
/// ([`apply_resuming`]): success is reported exactly when the disc holds the change.
fn run_edit(
    r: &mut AnyRecorder,
    request: &EditRequest,
    reopen: &dyn Fn() -> Result<AnyRecorder, DeviceError>,
) -> anyhow::Result<Vec<String>> {
    let applied = apply_resuming(r, request, reopen)?;
    if let Some(g) = applied.group {
        outln!("created group {g}")?;
    }
    Ok(applied.warnings)
}

#[derive(Serialize)]
struct JsonDisc<'a> {
    title: &'a str,
    groups: Vec<JsonGroup<'a>>,
    tracks: Vec<JsonTrack<'a>>,
    capacity: JsonCapacity,
    write_protected: bool,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    title: &'a str,
    first: u32,
    last: u32,
}

#[derive(Serialize)]
struct JsonTrack<'a> {
    number: u32,
    title: &'a str,
    full_width_title: &'a str,
    mode: Mode,
    channels: u8,
    duration_ms: u64,
    protected: bool,
}

#[derive(Serialize)]
#[allow(clippy::struct_field_names, reason = "the JSON keys say their unit")]
struct JsonCapacity {
    total_ms: u64,
    used_ms: u64,
    free_ms: u64,
}

impl<'a> From<&'a DiscInfo> for JsonDisc<'a> {
    fn from(d: &'a DiscInfo) -> Self {
        Self {
            title: &d.title,
            groups: d
                .groups
                .iter()
                .map(|g| JsonGroup {
                    title: &g.title,
                    first: g.first,
                    last: g.last,
                })
                .collect(),
            tracks: d
                .tracks
                .iter()
                .map(|t| JsonTrack {
                    number: t.number,
                    title: &t.title,
                    full_width_title: &t.full_width_title,
                    mode: t.mode,
                    channels: t.channels,
                    duration_ms: t.duration_ms,
                    protected: t.protected,
                })
                .collect(),
            capacity: JsonCapacity {
                total_ms: d.capacity.total_ms,
                used_ms: d.capacity.used_ms,
                free_ms: d.capacity.free_ms,
            },
            write_protected: d.write_protected,
        }
    }
}

fn table(d: &DiscInfo) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let title = if d.title.is_empty() {
        "(untitled)"
    } else {
        &d.title
    };
    let _ = write!(out, "{title}");
    if !d.full_width_title.is_empty() {
        let _ = write!(out, "  {}", d.full_width_title);
    }
    if d.write_protected {
        let _ = write!(out, "  [write-protected]");
    }
    let _ = writeln!(out, "\n{}", d.device);
    let mut current_group = None;
    for t in &d.tracks {
        if t.group != current_group {
            current_group = t.group;
            match t.group.and_then(|g| d.groups.get(g)) {
                Some(g) => {
                    let _ = writeln!(out, "▸ {}", g.title);
                }
                None => {
                    let _ = writeln!(out, "▸ (no group)");
                }
            }
        }
        let mode = if t.channels == 1 {
            format!("{} mono", t.mode.label())
        } else {
            t.mode.label().to_string()
        };
        let protected = if t.protected { "  [protected]" } else { "" };
        let name = if t.full_width_title.is_empty() {
            t.title.clone()
        } else {
            format!("{}  {}", t.title, t.full_width_title)
        };
        let _ = writeln!(
            out,
            "  {:>3}  {} {:>7} {:>8}{protected}",
            t.number,
            library::text::fit(&name, 40),
            mode,
            format_ms(t.duration_ms)
        );
    }
    if d.tracks.is_empty() {
        let _ = writeln!(out, "  (no tracks)");
    }
    let c = &d.capacity;
    let _ = writeln!(
        out,
        "{} recorded of {}; free: SP {} · LP2 {} · LP4 {}",
        format_ms(c.used_ms),
        format_ms(c.total_ms),
        format_ms(c.free_ms_in(Mode::SP)),
        format_ms(c.free_ms_in(Mode::LP2)),
        format_ms(c.free_ms_in(Mode::LP4))
    );
    let _ = writeln!(
        out,
        "title cells: {} of {} used ({} full-width)",
        d.title_cells.used, d.title_cells.total, d.title_cells.full_width_used
    );
    out
}

/// The disc, refusing a recorder that cannot send tracks back before reading it.
fn disc_to_receive(r: &mut AnyRecorder) -> anyhow::Result<DiscInfo> {
    netmd::receive::check_can_receive(r.identity())?;
    let disc = r.read_disc()?;
    if !disc.disc_present {
        bail!(DeviceError::NoDisc);
    }
    Ok(disc)
}

/// `device receive`: exit 0 only when every track asked for is in the folder.
fn receive_into_library(
    r: &mut AnyRecorder,
    env: &super::setup::Environment,
    numbers: &[u32],
    to: Option<&Path>,
    wav: bool,
) -> anyhow::Result<i32> {
    use super::receive::{Target, receive_tracks};
    use crate::config::ReceiveFormat;
    use crate::transfer::receive::folder_for;

    let disc = disc_to_receive(r)?;
    let target = Target {
        dir: to.map_or_else(
            || {
                folder_for(
                    env.settings.receive.dir.as_deref(),
                    &crate::paths::default_music_dir(),
                    &crate::transfer::receive::album_of(&disc),
                )
            },
            Path::to_path_buf,
        ),
        format: if wav {
            ReceiveFormat::Wav
        } else {
            env.settings.receive.format
        },
    };
    let outcome = receive_tracks(r, &disc, numbers, &target)?;
    if !outcome.arrived.is_empty() {
        super::receive::add_to_library(env, &disc, &outcome.arrived)?;
    }
    Ok(i32::from(outcome.failed > 0))
}

/// `device archive DIR`: every track as the recorder sends it, and titles.csv.
fn archive(r: &mut AnyRecorder, dir: &Path) -> anyhow::Result<i32> {
    use super::receive::{Target, receive_tracks};

    let disc = disc_to_receive(r)?;
    let target = Target {
        dir: dir.to_path_buf(),
        format: crate::config::ReceiveFormat::Native,
    };
    let outcome = receive_tracks(r, &disc, &[], &target)?;
    let csv = dir.join("titles.csv");
    crate::shell::titles_csv::write_file(&csv, &disc)?;
    outln!("titles: {}", csv.display())?;
    Ok(i32::from(outcome.failed > 0))
}

/// `device send`: exit 0 only when every file arrived.
fn send_files(
    r: &mut AnyRecorder,
    mode: crate::transfer::TransferMode,
    title: Option<&str>,
    files: &[PathBuf],
    options: &crate::transfer::BatchOptions,
    reopen: &dyn Fn() -> Result<AnyRecorder, DeviceError>,
) -> anyhow::Result<i32> {
    use crate::transfer::{BatchEvent, ItemOutcome, SendItem, pipeline::BatchControl};

    if title.is_some() && files.len() > 1 {
        bail!("--title names a single file; {} were given", files.len());
    }
    let items: Vec<SendItem> = files
        .iter()
        .enumerate()
        .map(|(i, path)| SendItem {
            id: i as i64,
            path: path.clone(),
            title: title.map(str::to_string),
            mode,
            stored: None,
        })
        .collect();
    let name = |id: i64| {
        files
            .get(id as usize)
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let mut bar = ProgressBar::new();
    let outcomes = crate::transfer::send_batch_with(
        r,
        &items,
        options,
        &BatchControl::default(),
        Some(reopen),
        &mut |e| match e {
            BatchEvent::Started {
                id,
                mode,
                bytes_total,
            } => {
                eprintln!(
                    "sending {} in {mode} ({} KiB)",
                    name(id),
                    bytes_total / 1024
                );
            }
            BatchEvent::Progress {
                bytes_done,
                bytes_total,
                rate_bps,
                eta_ms,
                ..
            } => bar.show(bytes_done, bytes_total, rate_bps, eta_ms),
            BatchEvent::Finished { .. } => bar.end(),
            BatchEvent::Preparing { .. } | BatchEvent::Stored { .. } => {}
        },
    )?;
    let mut all = true;
    for (id, outcome) in outcomes {
        match outcome {
            ItemOutcome::Done {
                track,
                title,
                warnings,
            } => {
                outln!("{}: track {track} \"{title}\"", name(id))?;
                for w in warnings {
                    eprintln!("warning: {}: {w}", name(id));
                }
            }
            ItemOutcome::Failed(reason) => {
                all = false;
                // Reasons about the source already start with its name.
                let reason = reason
                    .strip_prefix(&format!("{}: ", name(id)))
                    .unwrap_or(&reason);
                eprintln!("{}: failed: {reason}", name(id));
            }
            ItemOutcome::Cancelled => {
                all = false;
                eprintln!("{}: cancelled", name(id));
            }
            ItemOutcome::NotStarted => {
                all = false;
                eprintln!("{}: not sent", name(id));
            }
        }
    }
    Ok(i32::from(!all))
}

/// The progress of a transfer on standard error: a bar redrawn in place on a terminal, a line
/// every five seconds otherwise. `device send` and `device receive` show the same one.
pub(super) struct ProgressBar {
    terminal: bool,
    last_line: std::time::Instant,
    /// A bar is on screen and needs its line ended.
    drawn: bool,
}

impl ProgressBar {
    pub(super) fn new() -> Self {
        use std::io::IsTerminal;
        Self {
            terminal: std::io::stderr().is_terminal(),
            last_line: std::time::Instant::now(),
            drawn: false,
        }
    }

    pub(super) fn show(&mut self, bytes_done: u64, bytes_total: u64, rate_bps: u64, eta_ms: u64) {
        use std::io::Write;
        let pct = bytes_done * 100 / bytes_total.max(1);
        if self.terminal {
            let filled = (pct / 5) as usize;
            eprint!(
                "\r[{}{}] {pct:3}% {:.1} MB/s {} left ",
                "#".repeat(filled.min(20)),
                "-".repeat(20 - filled.min(20)),
                rate_bps as f64 / 1e6,
                format_ms(eta_ms)
            );
            let _ = std::io::stderr().flush();
            self.drawn = true;
        } else if self.last_line.elapsed().as_secs() >= 5 || bytes_done == bytes_total {
            eprintln!("{pct}% ({bytes_done} of {bytes_total} bytes)");
            self.last_line = std::time::Instant::now();
        }
    }

    /// Ends the bar's line, if one is drawn.
    pub(super) fn end(&mut self) {
        if std::mem::take(&mut self.drawn) {
            eprintln!();
        }
    }
}
