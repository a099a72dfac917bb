//! What every command needs: settings, logging and the library path.

use std::path::PathBuf;

use anyhow::Context;

use super::Cli;
use crate::config::{self, LoadOptions, Settings};
use crate::{logging, paths};
use media::player::AudioOutput;

pub struct Environment {
    pub settings: Settings,
    /// From `--audio`, or `audio.output` in the configuration.
    pub audio: AudioOutput,
    pub library_path: PathBuf,
    /// Configuration problems that did not stop start-up.
    pub warnings: Vec<String>,
    pub log_file: PathBuf,
}

impl Environment {
    pub fn load(cli: &Cli) -> anyhow::Result<Self> {
        let mut overrides = Vec::new();
        if let Some(theme) = &cli.theme {
            overrides.push(("ui.theme".to_string(), theme.clone()));
        }
        if let Some(audio) = &cli.audio {
            overrides.push(("audio.output".to_string(), audio.clone()));
        }
        if cli.ascii {
            overrides.push(("ui.ascii_only".to_string(), "true".to_string()));
        }
        let loaded = config::load(&LoadOptions {
            config_file: cli.config.clone(),
            env: std::env::vars().collect(),
            overrides,
        })
        .context("invalid configuration")?;
        let settings = loaded.settings;
        let log_file = cli
            .log_file
            .clone()
            .or_else(|| settings.log.file.clone())
            .unwrap_or_else(paths::default_log_file);
        let level = cli
            .log_level
            .clone()
            .unwrap_or_else(|| settings.log.level.clone());
        let mut warnings = loaded.warnings;
        if let Err(e) = logging::init(&log_file, &level) {
            warnings.push(format!("no log file ({}): {e}", log_file.display()));
        }
        for w in &warnings {
            tracing::warn!("{w}");
        }
        let library_path = cli
            .library
            .clone()
            .or_else(|| settings.library.database.clone())
            .unwrap_or_else(paths::default_library);
        let audio = settings.audio.output.into();
        Ok(Self {
            settings,
            audio,
            library_path,
            warnings,
            log_file,
        })
    }
}
