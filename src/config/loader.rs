//! Layered loading: built-in defaults < config file < `MINISTAGE_*__*` environment variables
//! < command-line overrides.
//!
//! `figment` merges the layers and remembers which one every value came from, so warnings and
//! errors name the file or the variable responsible. What keys exist is whatever
//! [`Settings`] deserialises: a key it ignores is unknown and gets a warning.

use std::io;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Deserializer};
use thiserror::Error;

use super::settings::{Section, Settings};
use super::suggest::did_you_mean;

/// Prefix of the environment variables that feed the configuration.
const ENV_PREFIX: &str = "MINISTAGE_";
/// Separates section and key in variable names: `MINISTAGE_UI__THEME` → `ui.theme`.
const ENV_SEPARATOR: &str = "__";

/// `$XDG_CONFIG_HOME/ministage` (falling back to the platform's config dir, usually
/// `~/.config/ministage`). `None` when no home directory can be determined.
pub fn config_dir() -> Option<PathBuf> {
    config_dir_with(|name| std::env::var_os(name).map(PathBuf::from))
}

/// `<config_dir>/themes`, where user themes live; pass it to
/// [`ThemeSet::load`](crate::theme::ThemeSet::load).
pub fn themes_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("themes"))
}

/// The file read when `--config` is not given.
pub fn default_config_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

fn config_dir_with(var: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    // The XDG spec says relative values must be ignored. `directories` honours
    // XDG_CONFIG_HOME on Linux only; checking it here makes it work on every platform, which
    // is what terminal users on macOS expect.
    if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("ministage"));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("ministage"))
}

/// What to load. `Default` gives: the default config file, no environment, no overrides.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config FILE` (which must exist); `None` means `config.toml` in [`config_dir`] (a
    /// missing file is fine).
    pub config_file: Option<PathBuf>,
    /// The process environment (`std::env::vars().collect()`), injected so tests stay
    /// hermetic. Only `MINISTAGE_<SECTION>__<KEY>` variables are used as settings;
    /// `XDG_CONFIG_HOME` and `HOME` are used to find the config file and expand `~`.
    pub env: Vec<(String, String)>,
    /// Dotted key → value from command-line flags, e.g. `("ui.theme", "light")`.
    pub overrides: Vec<(String, String)>,
}

/// The result of [`load`].
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    /// Non-fatal problems (unknown keys, badly named environment variables), each
    /// naming the key and where it came from. Show them to the user.
    pub warnings: Vec<String>,
    /// The configuration files that were actually read.
    pub source_files: Vec<PathBuf>,
}

/// Why the configuration could not be loaded. Every message names the file (or environment
/// variable, or command line) and the key.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "the config file {} does not exist (given with --config or MINISTAGE_CONFIG)",
        path.display()
    )]
    Missing { path: PathBuf },

    #[error("cannot read config file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("{}: invalid TOML: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    #[error("{origin}: {key}: invalid value {value}; expected {expected}")]
    InvalidValue {
        /// The file path, `environment variable MINISTAGE_…` or `command line`.
        origin: String,
        /// Dotted key, e.g. `ui.view`.
        key: String,
        /// The offending value as written (strings quoted).
        value: String,
        expected: String,
    },

    #[error("{origin}: {message}")]
    Source { origin: String, message: String },
}

/// One layer's values, named for messages: the file's path, `environment variable NAME` or
/// `command line`.
struct Layer {
    origin: String,
    values: Dict,
}

impl Layer {
    /// A single dotted `key` set to `value`.
    fn one(origin: String, key: &str, value: &str) -> Layer {
        let values = match figment::util::nest(key, value.into()) {
            Value::Dict(_, dict) => dict,
            _ => Dict::new(),
        };
        Layer { origin, values }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.origin.clone())
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// `T` and the dotted paths of every key it did not know.
struct Checked<T> {
    value: T,
    unknown: Vec<String>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut unknown = Vec::new();
        let value = serde_ignored::deserialize(d, |path| unknown.push(path.to_string()))?;
        Ok(Checked { value, unknown })
    }
}

/// Loads and validates the settings. See the module docs for the layering.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let mut source_files = Vec::new();
    let mut figment = Figment::new();

    let env_var = |name: &str| {
        opts.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };

    let (path, explicit) = match &opts.config_file {
        Some(p) => (Some(p.clone()), true),
        None => (
            config_dir_with(|name| env_var(name).map(PathBuf::from)).map(|d| d.join("config.toml")),
            false,
        ),
    };
    if let Some(path) = path {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                figment = figment.merge(file_layer(&path, &text)?);
                source_files.push(path);
            }
            // The default file is optional; one the user named must be there.
            Err(e) if e.kind() == io::ErrorKind::NotFound && !explicit => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing { path });
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        }
    }

    // Only `MINISTAGE_<SECTION>__<KEY>` are settings: the plain MINISTAGE_LIBRARY,
    // MINISTAGE_CONFIG and MINISTAGE_LOG belong to clap.
    for (name, value) in &opts.env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if !rest.contains(ENV_SEPARATOR) {
            continue;
        }
        let key = rest.to_lowercase().replace(ENV_SEPARATOR, ".");
        let origin = format!("environment variable {name}");
        if key.split('.').any(str::is_empty) {
            warnings.push(format!(
                "ignoring {origin}: not of the form MINISTAGE_<SECTION>__<KEY>"
            ));
            continue;
        }
        figment = figment.merge(Layer::one(origin, &key, value));
    }

    for (key, value) in &opts.overrides {
        figment = figment.merge(Layer::one("command line".to_owned(), key, value));
    }

    // Lossy: environment variables and flags are strings, so `true`, `yes`, `1` or `on` make
    // a boolean and `100` a number.
    let Checked {
        value: mut settings,
        unknown,
    } = figment
        .extract_lossy::<Checked<Settings>>()
        .map_err(|e| value_error(&figment, &e))?;
    warnings.extend(unknown.iter().map(|key| unknown_key_warning(&figment, key)));
    if let Some(home) = env_var("HOME") {
        settings.expand_home(Path::new(home));
    }
    Ok(Loaded {
        settings,
        warnings,
        source_files,
    })
}

fn file_layer(path: &Path, text: &str) -> Result<Layer, ConfigError> {
    let parse_error = |message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    };
    // Parsed with `toml` because its errors carry line, column and a snippet.
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| parse_error(e.to_string().trim_end().to_owned()))?;
    let values = match Value::serialize(table) {
        Ok(Value::Dict(_, dict)) => dict,
        Ok(_) => Dict::new(),
        Err(e) => return Err(parse_error(e.to_string())),
    };
    Ok(Layer {
        origin: path.display().to_string(),
        values,
    })
}

/// Where the value at dotted `key` came from.
fn origin_of(figment: &Figment, key: &str) -> String {
    figment
        .find_metadata(key)
        .map_or_else(|| "configuration".to_owned(), |m| m.name.to_string())
}

/// `unknown key `transfer.mdoe` in FILE (ignored; did you mean `transfer.mode`?)`.
fn unknown_key_warning(figment: &Figment, key: &str) -> String {
    let origin = origin_of(figment, key);
    let (section, field) = match key.split_once('.') {
        Some((section, field)) => (Some(section), field),
        None => (None, key),
    };
    let known: Vec<&str> = Settings::SECTIONS
        .iter()
        .filter_map(|s| match (s, section) {
            (Section::Fixed(doc), None) => Some(vec![doc.name]),
            (Section::Keys, None) => Some(vec!["keys"]),
            (Section::Fixed(doc), Some(section)) if doc.name == section => {
                Some(doc.fields.iter().map(|f| f.key).collect())
            }
            _ => None,
        })
        .flatten()
        .collect();
    let hint = did_you_mean(field, known)
        .map(|m| match section {
            Some(section) => format!("; did you mean `{section}.{m}`?"),
            None => format!("; did you mean `{m}`?"),
        })
        .unwrap_or_default();
    format!("unknown key `{key}` in {origin} (ignored{hint})")
}

/// A value that did not deserialise, as an error naming its source, key and value.
fn value_error(figment: &Figment, e: &figment::Error) -> ConfigError {
    use figment::error::Kind;

    let origin = e
        .metadata
        .as_ref()
        .map_or_else(|| "configuration".to_owned(), |m| m.name.to_string());
    // The key is the configuration key: an error inside a list (`quit = ["q", 1]`) is the
    // list's, not the item's.
    let mut key = String::new();
    for part in &e.path {
        if matches!(figment.find_value(&key), Ok(Value::Array(..))) {
            break;
        }
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(part);
    }
    let expected = match &e.kind {
        Kind::InvalidType(_, expected) | Kind::InvalidValue(_, expected) => expected.clone(),
        Kind::UnknownVariant(_, names) => format!("one of {}", names.join(", ")),
        other => {
            return ConfigError::Source {
                origin,
                message: format!("{key}: {other}"),
            };
        }
    };
    let value = figment
        .find_value(&key)
        .map_or_else(|_| "(none)".to_owned(), |v| show(&v));
    ConfigError::InvalidValue {
        origin,
        key,
        value,
        expected,
    }
}

/// A value as the user would have written it.
fn show(value: &Value) -> String {
    match value {
        Value::String(_, s) => format!("{s:?}"),
        Value::Char(_, c) => format!("{:?}", c.to_string()),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => match (n.to_u128(), n.to_i128(), n.to_f64()) {
            (Some(u), _, _) => u.to_string(),
            (_, Some(i), _) => i.to_string(),
            (_, _, Some(f)) => format!("{f:?}"),
            _ => format!("{n:?}"),
        },
        Value::Empty(..) => "(empty)".to_owned(),
        Value::Dict(..) => "(a table)".to_owned(),
        Value::Array(_, items) => {
            let items: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LibraryView, SortKey, TransferMode};
    use std::fs;
    use std::path::Path;

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("config.toml");
        fs::write(&path, text).unwrap();
        path
    }

    fn opts_with_file(path: &Path) -> LoadOptions {
        LoadOptions {
            config_file: Some(path.to_path_buf()),
            ..LoadOptions::default()
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// An empty XDG config dir, so nothing from the real home directory leaks in.
    fn hermetic(dir: &Path) -> Vec<(String, String)> {
        env(&[
            ("XDG_CONFIG_HOME", dir.to_str().unwrap()),
            ("HOME", "/home/tester"),
        ])
    }

    /// Loads with `pairs` added to a [`hermetic`] environment and no config file.
    fn load_with_env(pairs: &[(&str, &str)]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        let mut env = hermetic(dir.path());
        env.extend(self::env(pairs));
        load(&LoadOptions {
            env,
            ..LoadOptions::default()
        })
        .unwrap()
    }

    #[test]
    fn defaults_only_match_settings_default() {
        let loaded = load_with_env(&[]);
        assert_eq!(loaded.settings, Settings::default());
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert!(loaded.source_files.is_empty());
    }

    #[test]
    fn default_config_file_is_found_under_xdg_config_home() {
        let dir = tempfile::tempdir().unwrap();
        let app_dir = dir.path().join("ministage");
        fs::create_dir(&app_dir).unwrap();
        let path = write_config(&app_dir, "[ui]\ntheme = \"light\"\n");
        let loaded = load(&LoadOptions {
            env: hermetic(dir.path()),
            ..LoadOptions::default()
        })
        .unwrap();
        assert_eq!(loaded.settings.ui.theme, "light");
        assert_eq!(loaded.source_files, vec![path]);
    }

    #[test]
    fn config_dir_honours_absolute_xdg_config_home_only() {
        let d = config_dir_with(|n| (n == "XDG_CONFIG_HOME").then(|| PathBuf::from("/x/cfg")));
        assert_eq!(d, Some(PathBuf::from("/x/cfg/ministage")));
        let relative = config_dir_with(|n| (n == "XDG_CONFIG_HOME").then(|| PathBuf::from("rel")));
        assert_ne!(relative, Some(PathBuf::from("rel/ministage")));
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            r#"
            [ui]
            theme = "from-file"
            view = "flat"
            sort = "year"
            [log]
            level = "debug"
            "#,
        );
        let mut opts = opts_with_file(&path);
        opts.env = env(&[
            ("MINISTAGE_UI__THEME", "from-env"),
            ("MINISTAGE_UI__SORT", "title"),
            ("MINISTAGE_UI__ASCII_ONLY", "true"),
        ]);
        opts.overrides = vec![("ui.theme".into(), "from-cli".into())];
        let s = load(&opts).unwrap().settings;
        assert_eq!(s.ui.theme, "from-cli", "overrides beat env");
        assert_eq!(s.ui.sort, SortKey::Title, "env beats file");
        assert_eq!(s.ui.view, LibraryView::Flat, "file beats defaults");
        assert!(s.ui.ascii_only, "env string parsed as bool");
        assert_eq!(s.log.level, "debug");
        assert_eq!(s.log.file, None, "untouched optional stays unset");
    }

    #[test]
    fn plain_ministage_variables_do_not_break_the_env_layer() {
        let loaded = load_with_env(&[
            ("MINISTAGE_LIBRARY", "/tmp/lib.sqlite3"),
            ("MINISTAGE_CONFIG", "/nonexistent/config.toml"),
            ("MINISTAGE_LOG", "debug"),
            ("MINISTAGE_LOG__LEVEL", "trace"),
            ("MINISTAGE_LIBRARY__MUSIC_DIR", "/srv/music"),
        ]);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.settings.log.level, "trace");
        assert_eq!(
            loaded.settings.library.music_dir,
            Some(PathBuf::from("/srv/music"))
        );
        assert_eq!(loaded.settings.library.database, None);
    }

    #[test]
    fn unknown_keys_warn_with_key_and_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            "[ui]\ncolour = 3\ntheme = \"light\"\n[foo]\nbar = 1\n",
        );
        let mut opts = opts_with_file(&path);
        opts.env = env(&[("MINISTAGE_UI__COLOR", "red")]);
        opts.overrides = vec![("log.verbosity".into(), "9".into())];
        let loaded = load(&opts).unwrap();
        let file = path.display().to_string();
        assert_eq!(
            loaded.warnings,
            // In key order, each once.
            vec![
                format!("unknown key `foo` in {file} (ignored)"),
                "unknown key `log.verbosity` in command line (ignored)".to_owned(),
                "unknown key `ui.color` in environment variable MINISTAGE_UI__COLOR (ignored)"
                    .to_owned(),
                format!("unknown key `ui.colour` in {file} (ignored)"),
            ]
        );
        assert_eq!(loaded.settings.ui.theme, "light");
    }

    #[test]
    fn invalid_value_error_names_key_value_expectation_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), "[ui]\nview = \"sideways\"\n");
        let err = load(&opts_with_file(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: ui.view: invalid value \"sideways\"; expected one of \"tree\", \"flat\"",
                path.display()
            )
        );
        assert!(matches!(err, ConfigError::InvalidValue { ref key, .. } if key == "ui.view"));
    }

    #[test]
    fn invalid_value_from_env_names_the_variable() {
        let err = load(&LoadOptions {
            config_file: None,
            env: env(&[
                ("XDG_CONFIG_HOME", "/nonexistent/ministage-xdg"),
                ("MINISTAGE_UI__ASCII_ONLY", "maybe"),
            ]),
            overrides: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable MINISTAGE_UI__ASCII_ONLY: ui.ascii_only: invalid value \
             \"maybe\"; expected a boolean"
        );
    }

    #[test]
    fn wrong_types_are_errors_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        for (text, key) in [
            ("[ui]\ntheme = 3\n", "ui.theme"),
            ("[ui]\nsort = 1\n", "ui.sort"),
            ("ui = 3\n", "ui"),
            ("[keys]\nquit = 5\n", "keys.quit"),
            ("[keys]\nquit = [\"q\", 1]\n", "keys.quit"),
            ("[library]\ndatabase = true\n", "library.database"),
        ] {
            let path = write_config(dir.path(), text);
            let err = load(&opts_with_file(&path)).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("{}: {key}: invalid value", path.display())),
                "{text:?} gave {msg}"
            );
        }
    }

    #[test]
    fn bad_toml_is_a_parse_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), "[ui\ntheme = \"x\"\n");
        let err = load(&opts_with_file(&path)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("{}: invalid TOML", path.display())),
            "{msg}"
        );
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn missing_explicit_file_is_an_error_naming_it() {
        let err = load(&opts_with_file(Path::new("/nonexistent/ministage.toml"))).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("the config file /nonexistent/ministage.toml does not exist"),
            "{err}"
        );
    }

    #[test]
    fn missing_default_file_is_fine() {
        let loaded = load(&LoadOptions {
            config_file: None,
            env: vec![(
                "XDG_CONFIG_HOME".into(),
                "/nonexistent/ministage-xdg".into(),
            )],
            overrides: Vec::new(),
        })
        .unwrap();
        assert_eq!(loaded.settings, Settings::default());
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file on any platform.
        let err = load(&opts_with_file(dir.path())).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err}");
    }

    #[test]
    fn keys_table_accepts_strings_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            "[keys]\nquit = [\"q\", \"Ctrl-q\"]\nhelp = \"F1\"\nplya = [\"p\"]\n",
        );
        let mut opts = opts_with_file(&path);
        opts.env = env(&[("MINISTAGE_KEYS__FILTER", "f")]);
        let loaded = load(&opts).unwrap();
        // Unknown action names are the key map's business, not an unknown config key.
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let keys = loaded.settings.keys;
        assert_eq!(keys["quit"], vec!["q", "Ctrl-q"]);
        assert_eq!(keys["help"], vec!["F1"]);
        assert_eq!(keys["plya"], vec!["p"]);
        assert_eq!(keys["filter"], vec!["f"]);
    }

    #[test]
    fn paths_expand_home_and_empty_means_unset() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            "[library]\nmusic_dir = \"~/Tunes\"\ndatabase = \"/data/lib.sqlite3\"\n[log]\nfile = \"/tmp/m.log\"\n",
        );
        let mut opts = opts_with_file(&path);
        opts.env = env(&[("HOME", "/home/tester"), ("MINISTAGE_LOG__FILE", "")]);
        let s = load(&opts).unwrap().settings;
        assert_eq!(
            s.library.music_dir,
            Some(PathBuf::from("/home/tester/Tunes"))
        );
        assert_eq!(s.library.database, Some(PathBuf::from("/data/lib.sqlite3")));
        assert_eq!(s.log.file, None);
    }

    #[test]
    fn transfer_table_loads_without_warning() {
        // The README's own table is loaded by `reference`'s tests and by tests/cli_config.rs.
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            "[transfer]\nmode = \"lp4\"\ntitle = \" \"\ndisc_title = \"{artist} - {album}\"\n\
             group_albums = true\n",
        );
        let loaded = load(&opts_with_file(&path)).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let t = loaded.settings.transfer;
        assert_eq!(t.mode, TransferMode::Lp4);
        assert_eq!(t.title, "{title}", "a blank title is the default one");
        assert_eq!(t.disc_title, "{artist} - {album}");
        assert!(t.group_albums);
    }

    #[test]
    fn transfer_mode_from_env_applies_without_warning() {
        let loaded = load_with_env(&[
            ("MINISTAGE_TRANSFER__MODE", "lp2"),
            ("MINISTAGE_TRANSFER__GROUP_ALBUMS", "yes"),
            ("MINISTAGE_UI__VIEW", "FLAT"),
        ]);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.settings.transfer.mode, TransferMode::Lp2);
        assert!(loaded.settings.transfer.group_albums);
        assert_eq!(loaded.settings.ui.view, LibraryView::Flat);
    }

    #[test]
    fn unknown_key_warns_once_naming_file_key_and_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(
            dir.path(),
            "[transfer]\nmdoe = \"lp2\"\n[trasnfer]\nmode = \"sp\"\n",
        );
        let mut opts = opts_with_file(&path);
        // The same misspelling from the environment too: still one warning per key.
        opts.env = env(&[("MINISTAGE_TRANSFER__MDOE", "lp4")]);
        let loaded = load(&opts).unwrap();
        let file = path.display();
        assert_eq!(
            loaded.warnings,
            vec![
                "unknown key `transfer.mdoe` in environment variable MINISTAGE_TRANSFER__MDOE \
                 (ignored; did you mean `transfer.mode`?)"
                    .to_owned(),
                format!("unknown key `trasnfer` in {file} (ignored; did you mean `transfer`?)"),
            ]
        );
        assert_eq!(loaded.settings.transfer.mode, TransferMode::Auto);

        let path = write_config(dir.path(), "[ui]\nthem = \"light\"\n");
        let loaded = load(&opts_with_file(&path)).unwrap();
        assert_eq!(
            loaded.warnings,
            vec![format!(
                "unknown key `ui.them` in {} (ignored; did you mean `ui.theme`?)",
                path.display()
            )]
        );
    }

    #[test]
    fn bad_transfer_mode_errors_naming_key_value_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), "[transfer]\nmode = \"lp3\"\n");
        let err = load(&opts_with_file(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: transfer.mode: invalid value \"lp3\"; expected one of \"auto\", \"sp\", \
                 \"lp2\", \"lp105\", \"lp4\"",
                path.display()
            )
        );
        let err = load(&LoadOptions {
            config_file: None,
            env: env(&[
                (
                    "XDG_CONFIG_HOME",
                    dir.path().join("absent").to_str().unwrap(),
                ),
                ("MINISTAGE_AUDIO__VOLUME", "250"),
            ]),
            overrides: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable MINISTAGE_AUDIO__VOLUME: audio.volume: invalid value \"250\"; \
             expected a number from 0 to 100"
        );
    }
}
