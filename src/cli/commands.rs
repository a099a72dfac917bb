//! The subcommands.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Context;

use super::setup::Environment;
use super::{Cli, ImportArgs};
use crate::config::{self, KeyMap};
use crate::shell::{self, RunOptions};
use crate::theme::ThemeSet;
use crate::ui::format::duration;
use library::text;
use library::{self, ImportOptions, ImportProgress, Library, Overrides, Query};
use netmd::{DeviceSelector, VirtualDeck, VirtualDisc};

/// The full-screen jukebox, on the user's library or on a generated demo library.
pub fn jukebox(cli: &Cli, env: &Environment) -> anyhow::Result<i32> {
    // The configuration's warnings were logged when it was loaded; only the key map's and the
    // theme's are new here. All of them go to the status line.
    let (keymap, mut warnings) = KeyMap::from_config(&env.settings.keys);
    let theme_dir = config::config_dir().map(|d| d.join("themes"));
    let (themes, theme_errors) = ThemeSet::load(theme_dir.as_deref());
    warnings.extend(theme_errors.iter().map(std::string::ToString::to_string));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (theme, theme_warning) = themes.resolve(&env.settings.ui.theme, no_color);
    warnings.extend(theme_warning);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let warnings: Vec<String> = env.warnings.iter().cloned().chain(warnings).collect();

    let mut device: DeviceSelector = cli.device.parse().context("invalid --device")?;
    // The demo's files, database and virtual recorder live in a temporary folder removed on
    // exit.
    let demo_dir;
    let library_path = if cli.demo {
        eprintln!("Preparing the demo library…");
        demo_dir = tempfile::Builder::new()
            .prefix("ministage-demo-")
            .tempdir()
            .context("could not create a folder for the demo library")?;
        let music = demo_dir.path().join("music");
        crate::demo::generate_demo(&music).context("could not generate the demo library")?;
        let db = demo_dir.path().join("library.sqlite3");
        let mut lib = Library::open(&db).context("could not create the demo library")?;
        let report = library::import(&mut lib, &[music], &ImportOptions::default(), &|_| {})
            .context("could not import the demo library")?;
        tracing::info!("demo library: {report}");
        if device == DeviceSelector::Auto {
            let deck = demo_dir.path().join("virtual-deck.json");
            let mut disc = VirtualDisc::demo(80, false);
            crate::demo::give_demo_disc_audio(&deck, &mut disc)
                .context("could not write the demo recorder's audio")?;
            VirtualDeck::create(&deck, &disc).context("could not create the demo recorder")?;
            device = DeviceSelector::Virtual(deck);
        }
        db
    } else {
        env.library_path.clone()
    };

    shell::run(RunOptions {
        settings: env.settings.clone(),
        keymap,
        theme,
        library_path,
        warnings,
        audio: env.audio,
        log_file: env.log_file.clone(),
        device,
        usb_trace: cli.usb_trace.clone(),
    })?;
    Ok(0)
}

/// `ministage import`: exit 0 when every file was read, 1 when some were skipped as unreadable.
pub fn import(env: &Environment, args: &ImportArgs) -> anyhow::Result<i32> {
    let mut lib = Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let options = ImportOptions {
        overrides: Overrides {
            album: args.album.clone(),
            artist: args.artist.clone(),
            album_artist: args.album_artist.clone(),
            year: args.year,
            genre: args.genre.clone(),
        },
    };
    let interactive = std::io::stderr().is_terminal();
    let progress = ImportProgress::throttled(Duration::from_millis(100), |p| {
        if !interactive {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2KImporting {}/{}", p.done, p.total);
        let _ = err.flush();
    });
    if args.write_tags {
        let code = super::tag::import_writing_tags(&mut lib, args, &progress);
        if interactive {
            eprint!("\r\x1b[2K");
        }
        return code;
    }
    let report =
        library::import(&mut lib, &args.paths, &options, &progress).context("import failed")?;
    if interactive {
        eprint!("\r\x1b[2K");
    }
    for failure in &report.failed {
        eprintln!("skipped {failure}");
        tracing::warn!("import: {failure}");
    }
    outln!("{report}")?;
    Ok(i32::from(!report.failed.is_empty()))
}

/// `ministage library list`.
pub fn list(env: &Environment, query: Option<&str>, json: bool) -> anyhow::Result<i32> {
    let query = Query::parse(query.unwrap_or("")).context("invalid --query")?;
    let lib = Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let tracks = lib.query(&query).context("could not read the library")?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &tracks).context("could not write JSON")?;
        writeln!(out)?;
        return Ok(0);
    }
    for t in &tracks {
        let number = t
            .track_number
            .map(|n| format!("{n:02} "))
            .unwrap_or_default();
        writeln!(
            out,
            "{} — {} — {}{} [{} {}]",
            text::clean(&t.album_artist),
            text::clean(&t.album),
            number,
            text::clean(&t.title),
            duration(t.duration_ms),
            t.codec
        )?;
    }
    Ok(0)
}

/// `ministage themes`: the bundled and user themes, marking the configured one.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every command has the dispatcher's signature"
)]
pub fn themes(env: &Environment) -> anyhow::Result<i32> {
    let theme_dir = config::config_dir().map(|d| d.join("themes"));
    let (themes, errors) = ThemeSet::load(theme_dir.as_deref());
    for name in themes.names() {
        let mark = if name == env.settings.ui.theme {
            "*"
        } else {
            " "
        };
        outln!("{mark} {name}")?;
    }
    for e in &errors {
        eprintln!("warning: {e}");
    }
    Ok(0)
}
