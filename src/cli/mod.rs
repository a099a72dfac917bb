//! The command line: parses arguments, loads the configuration, and runs the jukebox or a
//! subcommand. Errors get context here, at the edge.

/// `println!` that returns the write's error instead of panicking, so that a closed standard
/// output (`ministage library list | head -1`) ends the command quietly (see [`main`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `print!` that returns the write's error; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod args;
mod commands;
pub(crate) mod convert;
mod device;
mod himd;
mod play;
mod playlist;
mod receive;
mod setup;
mod tag;

pub use args::{Cli, Command, ImportArgs, LibraryCommand, PlayArgs};

use std::io::Write;

use clap::Parser;

/// Runs ministage with the process's arguments and returns the exit code.
pub fn main() -> i32 {
    crate::panic_guard::install();
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        // The reader went away (`| head`): not an error for a command-line tool. 141 is what a
        // shell reports for a command ended by SIGPIPE, as other tools end.
        Err(e) if is_broken_pipe(&e) => 141,
        Err(e) => {
            tracing::error!("{e:#}");
            // Not eprintln!: after a hang-up the terminal is gone and printing must not panic.
            let _ = writeln!(std::io::stderr(), "ministage: {e:#}");
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: &Cli) -> anyhow::Result<i32> {
    let env = setup::Environment::load(cli)?;
    match &cli.command {
        None => commands::jukebox(cli, &env),
        Some(Command::Import(args)) => commands::import(&env, args),
        Some(Command::Library(LibraryCommand::List { query, json })) => {
            commands::list(&env, query.as_deref(), *json)
        }
        Some(Command::Themes) => commands::themes(&env),
        Some(Command::Play(args)) => play::run(&env, args),
        Some(Command::DefaultConfig) => {
            out!("{}", crate::config::default_toml())?;
            Ok(0)
        }
        Some(Command::Device(cmd)) => device::run(cmd, &cli.device, cli.usb_trace.as_deref(), &env),
        Some(Command::Convert(args)) => convert::run(args),
        Some(Command::Tag(args)) => tag::run(&env, args),
        Some(Command::Playlist(cmd)) => playlist::run(&env, cmd),
    }
}
