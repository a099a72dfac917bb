//! Layered configuration and key bindings.
//!
//! [`Settings`] (in [`settings`]) is the one declaration of every section, key, type, default
//! and comment. [`load`] layers the user's `config.toml`, `MINISTAGE_<SECTION>__<KEY>`
//! environment variables and command-line overrides over those defaults. Unknown keys are
//! warnings (naming the file or variable, with a suggestion); invalid values are
//! [`ConfigError`]s naming the key and its source. [`default_toml`] renders the declarations
//! as the reference configuration `ministage default-config` prints. [`KeyMap::from_config`]
//! turns the `[keys]` table into a [`KeyMap`].

pub mod keymap;
pub mod loader;
mod reference;
pub mod settings;
mod suggest;

pub use keymap::{Action, Group, KeyCombo, KeyMap, KeyParseError};
pub use loader::{
    ConfigError, LoadOptions, Loaded, config_dir, default_config_file, load, themes_dir,
};
pub use reference::default_toml;
pub use settings::{
    AudioSettings, LibrarySettings, LibraryView, LogSettings, ReceiveFormat, ReceiveSettings,
    ReplayGain, Settings, SortKey, SoundOutput, TransferMode, TransferSettings, UiSettings,
};
