//! Layered loading: built-in defaults < config file < `MINISTAGE_*__*` environment variables
//! < command-line overrides.
//!
//! The `config` crate merges the layers. Because it forgets where each value came from, every
//! layer is also collected on its own so that warnings and errors can name the file or the
//! variable responsible.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::PathBuf;

use config::{Config, Environment, File, FileFormat, Map, Source, Value, ValueKind};
use thiserror::Error;

use super::settings::{
    AudioSettings, LibrarySettings, LibraryView, LogSettings, Settings, SortKey, TransferSettings,
    UiSettings,
};

const DEFAULT_TOML: &str = include_str!("default.toml");

/// Prefix of the environment variables that feed the configuration.
const ENV_PREFIX: &str = "MINISTAGE_";
/// Separates section and key in variable names: `MINISTAGE_UI__THEME` → `ui.theme`.
const ENV_SEPARATOR: &str = "__";

/// Known sections and their keys. `None`: an open table whose entries are checked elsewhere
/// (`[keys]`, whose action names [`KeyMap::from_config`](super::KeyMap::from_config) checks).
const SCHEMA: &[(&str, Option<&[&str]>)] = &[
    ("library", Some(&["database", "music_dir", "write_tags"])),
    ("ui", Some(&["theme", "view", "sort", "ascii_only"])),
    ("keys", None),
    ("log", Some(&["level", "file"])),
    (
        "audio",
        Some(&["output", "replaygain", "preamp_db", "volume"]),
    ),
];

/// The annotated reference configuration with every option and its default.
pub fn default_toml() -> &'static str {
    DEFAULT_TOML
}

/// `$XDG_CONFIG_HOME/ministage` (falling back to the platform's config dir, usually
/// `~/.config/ministage`). `None` when no home directory can be determined.
pub fn config_dir() -> Option<PathBuf> {
    config_dir_with(|name| std::env::var_os(name).map(PathBuf::from))
}

/// `<config_dir>/themes`, where user themes live; pass it to
/// [`ThemeSet::load`](crate::ui::theme::ThemeSet::load).
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
    /// `--config FILE`; `None` means `config.toml` in [`config_dir`] (a missing file is fine).
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
    /// Non-fatal problems (unknown keys, an explicit `--config` file that does not exist), each
    /// naming the key and where it came from. Show them to the user.
    pub warnings: Vec<String>,
    /// The configuration files that were actually read.
    pub source_files: Vec<PathBuf>,
}

/// Why the configuration could not be loaded. Every message names the file (or environment
/// variable, or command line) and the key.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("{}: invalid TOML: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    #[error("{origin}: {key}: invalid value {value}; expected {expected}")]
    InvalidValue {
        /// The file path, `environment variable MINISTAGE_…`, `command line` or
        /// `built-in defaults`.
        origin: String,
        /// Dotted key, e.g. `ui.view`.
        key: String,
        /// The offending value as written (strings quoted).
        value: String,
        expected: String,
    },

    #[error("command line: invalid setting `{key}`: {message}")]
    Override { key: String, message: String },

    #[error("{origin}: {message}")]
    Source { origin: String, message: String },
}

/// Where a layer's values came from, for messages.
#[derive(Debug, Clone)]
enum Origin {
    Defaults,
    File(PathBuf),
    Env(String),
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Defaults => f.write_str("built-in defaults"),
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::CommandLine => f.write_str("command line"),
        }
    }
}

/// Dotted keys (and every table above them) → the origin that set them, in one layer.
type Provenance = BTreeMap<String, Origin>;

/// Loads and validates the settings. See the module docs for the layering.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let mut source_files = Vec::new();
    let mut layers: Vec<Provenance> = Vec::new();

    let defaults = File::from_str(DEFAULT_TOML, FileFormat::Toml);
    let collected = defaults.collect().map_err(|e| ConfigError::Source {
        origin: Origin::Defaults.to_string(),
        message: e.to_string(),
    })?;
    layers.push(provenance_of_tree(&collected, &Origin::Defaults));
    let mut builder = Config::builder().add_source(defaults);

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
                // Parsed with `toml` first because its errors carry line, column and a snippet.
                if let Err(e) = text.parse::<toml::Table>() {
                    return Err(ConfigError::Parse {
                        path,
                        message: e.to_string().trim_end().to_owned(),
                    });
                }
                let origin = Origin::File(path.clone());
                let source = File::from_str(&text, FileFormat::Toml);
                let collected = source.collect().map_err(|e| ConfigError::Parse {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                warn_unknown_in_tree(&collected, &origin, &mut warnings);
                layers.push(provenance_of_tree(&collected, &origin));
                builder = builder.add_source(source);
                source_files.push(path);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if explicit {
                    warnings.push(format!(
                        "config file {} does not exist; using the defaults",
                        path.display()
                    ));
                }
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        }
    }

    // Only `MINISTAGE_<SECTION>__<KEY>` go to the config crate: the plain MINISTAGE_LIBRARY,
    // MINISTAGE_CONFIG and MINISTAGE_LOG belong to clap, and would otherwise replace the
    // `[library]` and `[log]` tables with strings.
    let mut env_map: Map<String, String> = Map::new();
    let mut env_layer = Provenance::new();
    for (name, value) in &opts.env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if !rest.contains(ENV_SEPARATOR) {
            continue;
        }
        let key = rest.to_lowercase().replace(ENV_SEPARATOR, ".");
        let origin = Origin::Env(name.clone());
        if key.split('.').any(str::is_empty) {
            // `MINISTAGE___X` and the like would make the config crate reject the whole layer.
            warnings.push(format!(
                "ignoring {origin}: not of the form MINISTAGE_<SECTION>__<KEY>"
            ));
            continue;
        }
        if let Some(unknown) = unknown_key(&key) {
            warnings.push(format!("unknown key `{unknown}` in {origin} (ignored)"));
        }
        add_with_parents(&mut env_layer, &key, &origin);
        env_map.insert(name.clone(), value.clone());
    }
    if !env_map.is_empty() {
        layers.push(env_layer);
        builder = builder.add_source(
            Environment::with_prefix(ENV_PREFIX.trim_end_matches('_'))
                .prefix_separator("_")
                .separator(ENV_SEPARATOR)
                .source(Some(env_map)),
        );
    }

    let mut cli_layer = Provenance::new();
    for (key, value) in &opts.overrides {
        if let Some(unknown) = unknown_key(key) {
            warnings.push(format!(
                "unknown key `{unknown}` in {} (ignored)",
                Origin::CommandLine
            ));
        }
        add_with_parents(&mut cli_layer, key, &Origin::CommandLine);
        builder = builder
            .set_override(key.as_str(), value.as_str())
            .map_err(|e| ConfigError::Override {
                key: key.clone(),
                message: e.to_string(),
            })?;
    }
    layers.push(cli_layer);

    let merged = builder.build().map_err(|e| ConfigError::Source {
        origin: "merging configuration layers".to_owned(),
        message: e.to_string(),
    })?;
    let extractor = Extractor {
        merged: &merged,
        layers: &layers,
        home: env_var("HOME").map(PathBuf::from),
    };
    let settings = extractor.settings()?;
    Ok(Loaded {
        settings,
        warnings,
        source_files,
    })
}

/// The first part of dotted `key` that the schema does not know, if any.
fn unknown_key(key: &str) -> Option<String> {
    let mut parts = key.split('.');
    let section = parts.next().unwrap_or_default();
    match SCHEMA.iter().find(|(name, _)| *name == section) {
        None => Some(section.to_owned()),
        Some((_, None)) => None,
        Some((_, Some(fields))) => match parts.next() {
            Some(field) if !fields.contains(&field) => Some(format!("{section}.{field}")),
            _ => None,
        },
    }
}

fn warn_unknown_in_tree(tree: &Map<String, Value>, origin: &Origin, warnings: &mut Vec<String>) {
    let mut unknown = Vec::new();
    for (section, value) in tree {
        match (unknown_key(section), &value.kind) {
            (Some(k), _) => unknown.push(k),
            (None, ValueKind::Table(table)) => {
                unknown.extend(
                    table
                        .keys()
                        .filter_map(|field| unknown_key(&format!("{section}.{field}"))),
                );
            }
            // A section that is not a table is reported as an invalid value.
            (None, _) => {}
        }
    }
    // The config crate's maps are unordered; sort so messages are stable.
    unknown.sort();
    warnings.extend(
        unknown
            .into_iter()
            .map(|k| format!("unknown key `{k}` in {origin} (ignored)")),
    );
}

fn provenance_of_tree(tree: &Map<String, Value>, origin: &Origin) -> Provenance {
    fn walk(prefix: &str, tree: &Map<String, Value>, origin: &Origin, out: &mut Provenance) {
        for (key, value) in tree {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            if let ValueKind::Table(inner) = &value.kind {
                walk(&path, inner, origin, out);
            }
            out.insert(path, origin.clone());
        }
    }
    let mut out = Provenance::new();
    walk("", tree, origin, &mut out);
    out
}

fn add_with_parents(layer: &mut Provenance, key: &str, origin: &Origin) {
    let mut end = 0;
    for part in key.split('.') {
        end += part.len();
        layer.insert(key[..end].to_owned(), origin.clone());
        end += 1;
    }
}

/// Reads typed values out of the merged configuration, blaming the right layer for bad ones.
struct Extractor<'a> {
    merged: &'a Config,
    layers: &'a [Provenance],
    home: Option<PathBuf>,
}

impl Extractor<'_> {
    fn settings(&self) -> Result<Settings, ConfigError> {
        let defaults = Settings::default();
        for (section, _) in SCHEMA {
            if let Some(v) = self.get(section)?
                && !matches!(v.kind, ValueKind::Table(_))
            {
                return Err(self.invalid(section, &v, "a table"));
            }
        }
        Ok(Settings {
            library: LibrarySettings {
                database: self.path("library.database")?,
                music_dir: self.path("library.music_dir")?,
                write_tags: self
                    .bool("library.write_tags")?
                    .unwrap_or(defaults.library.write_tags),
            },
            ui: UiSettings {
                theme: self.string("ui.theme")?.unwrap_or(defaults.ui.theme),
                view: self
                    .parsed::<LibraryView>("ui.view")?
                    .unwrap_or(defaults.ui.view),
                sort: self
                    .parsed::<SortKey>("ui.sort")?
                    .unwrap_or(defaults.ui.sort),
                ascii_only: self
                    .bool("ui.ascii_only")?
                    .unwrap_or(defaults.ui.ascii_only),
            },
            keys: self.keys()?,
            log: LogSettings {
                level: self.string("log.level")?.unwrap_or(defaults.log.level),
                file: self.path("log.file")?,
            },
            audio: AudioSettings {
                output: self
                    .one_of("audio.output", &["default", "null"])?
                    .unwrap_or(defaults.audio.output),
                replaygain: self
                    .one_of("audio.replaygain", &["off", "track", "album"])?
                    .unwrap_or(defaults.audio.replaygain),
                preamp_db: self
                    .number("audio.preamp_db", -24.0, 24.0)?
                    .map_or(defaults.audio.preamp_db, |v| v as f32),
                volume: self
                    .number("audio.volume", 0.0, 100.0)?
                    .map_or(defaults.audio.volume, |v| v.round() as u8),
            },
            transfer: TransferSettings {
                mode: self
                    .one_of("transfer.mode", &["auto", "sp", "lp2", "lp4"])?
                    .unwrap_or(defaults.transfer.mode),
                title: self
                    .string("transfer.title")?
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or(defaults.transfer.title),
                disc_title: self
                    .string("transfer.disc_title")?
                    .unwrap_or(defaults.transfer.disc_title),
                group_albums: self
                    .bool("transfer.group_albums")?
                    .unwrap_or(defaults.transfer.group_albums),
            },
        })
    }

    fn get(&self, key: &str) -> Result<Option<Value>, ConfigError> {
        match self.merged.get::<Value>(key) {
            Ok(v) if matches!(v.kind, ValueKind::Nil) => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(config::ConfigError::NotFound(_)) => Ok(None),
            Err(e) => Err(ConfigError::Source {
                origin: self.origin_of(key),
                message: format!("{key}: {e}"),
            }),
        }
    }

    /// The last layer that set `key`: the one whose value survived the merge.
    fn origin_of(&self, key: &str) -> String {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.get(key))
            .map_or_else(|| Origin::Defaults.to_string(), ToString::to_string)
    }

    fn invalid(&self, key: &str, value: &Value, expected: &str) -> ConfigError {
        ConfigError::InvalidValue {
            origin: self.origin_of(key),
            key: key.to_owned(),
            value: show(value),
            expected: expected.to_owned(),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value {
                kind: ValueKind::String(s),
                ..
            }) => Ok(Some(s)),
            Some(v) => Err(self.invalid(key, &v, "a string")),
        }
    }

    fn parsed<T>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T: std::str::FromStr<Err = super::settings::UnknownVariant>,
    {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => match &v.kind {
                ValueKind::String(s) => {
                    s.parse()
                        .map(Some)
                        .map_err(|e: super::settings::UnknownVariant| {
                            self.invalid(key, &v, &e.expected)
                        })
                }
                _ => {
                    // Name the accepted spellings even when the type is wrong.
                    let expected = "".parse::<T>().err().map(|e| e.expected);
                    Err(self.invalid(key, &v, expected.as_deref().unwrap_or("a string")))
                }
            },
        }
    }

    /// A string that must be one of `allowed` (compared case-insensitively).
    fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, ConfigError> {
        let expected = format!("one of {}", allowed.join(", "));
        match self.get(key)? {
            None => Ok(None),
            Some(v) => match &v.kind {
                ValueKind::String(s) if allowed.contains(&s.to_ascii_lowercase().as_str()) => {
                    Ok(Some(s.to_ascii_lowercase()))
                }
                _ => Err(self.invalid(key, &v, &expected)),
            },
        }
    }

    /// A number within `min..=max`; environment variables arrive as strings.
    fn number(&self, key: &str, min: f64, max: f64) -> Result<Option<f64>, ConfigError> {
        let expected = format!("a number from {min} to {max}");
        match self.get(key)? {
            None => Ok(None),
            Some(v) => {
                let n = match &v.kind {
                    ValueKind::I64(i) => Some(*i as f64),
                    ValueKind::U64(u) => Some(*u as f64),
                    ValueKind::I128(i) => Some(*i as f64),
                    ValueKind::U128(u) => Some(*u as f64),
                    ValueKind::Float(f) => Some(*f),
                    ValueKind::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                match n {
                    Some(n) if n.is_finite() && (min..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(self.invalid(key, &v, &expected)),
                }
            }
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        const EXPECTED: &str = "true or false";
        match self.get(key)? {
            None => Ok(None),
            Some(v) => match &v.kind {
                ValueKind::Boolean(b) => Ok(Some(*b)),
                // Environment variables and flags arrive as strings.
                ValueKind::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => Ok(Some(true)),
                    "false" | "no" | "off" | "0" => Ok(Some(false)),
                    _ => Err(self.invalid(key, &v, EXPECTED)),
                },
                _ => Err(self.invalid(key, &v, EXPECTED)),
            },
        }
    }

    /// Empty means unset, so an environment variable can clear a path set in the file.
    fn path(&self, key: &str) -> Result<Option<PathBuf>, ConfigError> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value {
                kind: ValueKind::String(s),
                ..
            }) if s.is_empty() => Ok(None),
            Some(Value {
                kind: ValueKind::String(s),
                ..
            }) => Ok(Some(self.expand_home(&s))),
            Some(v) => Err(self.invalid(key, &v, "a path (string)")),
        }
    }

    fn expand_home(&self, s: &str) -> PathBuf {
        let home = || {
            self.home
                .clone()
                .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
        };
        if s == "~" {
            if let Some(h) = home() {
                return h;
            }
        } else if let Some(rest) = s.strip_prefix("~/")
            && let Some(h) = home()
        {
            return h.join(rest);
        }
        PathBuf::from(s)
    }

    fn keys(&self) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
        const EXPECTED: &str = "a key name or a list of key names, e.g. [\"q\", \"Ctrl-q\"]";
        let table = match self.get("keys")? {
            None => return Ok(BTreeMap::new()),
            Some(Value {
                kind: ValueKind::Table(t),
                ..
            }) => t,
            Some(v) => return Err(self.invalid("keys", &v, "a table")),
        };
        let mut out = BTreeMap::new();
        for (action, value) in table {
            let key = format!("keys.{action}");
            let names = match &value.kind {
                ValueKind::String(s) => vec![s.clone()],
                ValueKind::Array(items) => {
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        match &item.kind {
                            ValueKind::String(s) => names.push(s.clone()),
                            _ => return Err(self.invalid(&key, &value, EXPECTED)),
                        }
                    }
                    names
                }
                _ => return Err(self.invalid(&key, &value, EXPECTED)),
            };
            out.insert(action, names);
        }
        Ok(out)
    }
}

/// A value as the user would have written it.
fn show(value: &Value) -> String {
    match &value.kind {
        ValueKind::String(s) => format!("{s:?}"),
        ValueKind::Table(_) => "(a table)".to_owned(),
        ValueKind::Array(items) => {
            let items: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn defaults_only_match_settings_default() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(&LoadOptions {
            env: hermetic(dir.path()),
            ..LoadOptions::default()
        })
        .unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let mut env = hermetic(dir.path());
        env.extend(super::tests::env(&[
            ("MINISTAGE_LIBRARY", "/tmp/lib.sqlite3"),
            ("MINISTAGE_CONFIG", "/nonexistent/config.toml"),
            ("MINISTAGE_LOG", "debug"),
            ("MINISTAGE_LOG__LEVEL", "trace"),
            ("MINISTAGE_LIBRARY__MUSIC_DIR", "/srv/music"),
        ]));
        let loaded = load(&LoadOptions {
            env,
            ..LoadOptions::default()
        })
        .unwrap();
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
            vec![
                format!("unknown key `foo` in {file} (ignored)"),
                format!("unknown key `ui.colour` in {file} (ignored)"),
                "unknown key `ui.color` in environment variable MINISTAGE_UI__COLOR (ignored)"
                    .to_owned(),
                "unknown key `log.verbosity` in command line (ignored)".to_owned(),
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
            config_file: Some(PathBuf::from("/nonexistent/ministage.toml")),
            env: env(&[("MINISTAGE_UI__ASCII_ONLY", "maybe")]),
            overrides: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable MINISTAGE_UI__ASCII_ONLY: ui.ascii_only: invalid value \
             \"maybe\"; expected true or false"
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
    fn missing_explicit_file_is_a_warning_not_an_error() {
        let loaded = load(&opts_with_file(Path::new("/nonexistent/ministage.toml"))).unwrap();
        assert_eq!(loaded.settings, Settings::default());
        assert_eq!(
            loaded.warnings,
            vec!["config file /nonexistent/ministage.toml does not exist; using the defaults"]
        );
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
    fn default_toml_mentions_every_known_key() {
        let text = default_toml();
        for (section, fields) in SCHEMA {
            assert!(text.contains(&format!("[{section}]")), "[{section}]");
            for field in fields.unwrap_or_default() {
                assert!(
                    text.contains(&format!("\n{field} = "))
                        || text.contains(&format!("# {field} = ")),
                    "{section}.{field} is not documented in default.toml"
                );
            }
        }
    }
}
