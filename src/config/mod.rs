//! Layered configuration and key bindings.
//!
//! [`load`] merges built-in defaults ([`default_toml`], which doubles as the reference for every
//! option), the user's `config.toml`, `MINISTAGE_<SECTION>__<KEY>` environment variables and
//! command-line overrides into [`Settings`]. Unknown keys are warnings; invalid values are
//! [`ConfigError`]s naming the key and its source. [`KeyMap::from_config`] turns the `[keys]`
//! table into a [`KeyMap`].

pub mod keymap;
pub mod loader;
pub mod settings;
mod suggest;

pub use keymap::{Action, Group, KeyCombo, KeyMap, KeyParseError};
pub use loader::{
    ConfigError, LoadOptions, Loaded, config_dir, default_config_file, default_toml, load,
    themes_dir,
};
pub use settings::{
    AudioSettings, LibrarySettings, LibraryView, LogSettings, Settings, SortKey, TransferSettings,
    UiSettings,
};
