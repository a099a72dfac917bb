//! Colour themes: the bundled ones in `themes/*.toml`, plus user themes from
//! `<config_dir>/themes/*.toml` that add to or replace them by name.
//!
//! The file format is documented at the top of `themes/dark.toml`. A theme that fails to load
//! is skipped with a [`ThemeError`]; the caller then falls back to the default theme, so a bad
//! theme file never stops the app.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use thiserror::Error;

/// The theme used when none is configured or the configured one is unknown.
pub const DEFAULT_THEME: &str = "dark";
/// The theme used whenever `NO_COLOR` is set.
pub const MONO_THEME: &str = "mono";

/// Bundled theme files: (file name, contents).
const BUNDLED: &[(&str, &str)] = &[
    ("dark.toml", include_str!("../themes/dark.toml")),
    ("light.toml", include_str!("../themes/light.toml")),
    ("sonicstage.toml", include_str!("../themes/sonicstage.toml")),
    (
        "high-contrast.toml",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("mono.toml", include_str!("../themes/mono.toml")),
];

/// Declares [`Theme`] and the name ↔ field mapping the loader needs from one list, so a new
/// style cannot be added to the struct but forgotten by the parser.
macro_rules! theme_styles {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// Every style the UI draws with. Field names are the keys of a theme file's `[styles]`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $($(#[$doc])* pub $field: Style,)*
        }

        impl Theme {
            /// The `[styles]` keys, in declaration order.
            pub const STYLE_KEYS: &[&str] = &[$(stringify!($field)),*];

            /// A theme with every style empty (terminal defaults).
            pub fn plain(name: &str) -> Theme {
                Theme { name: name.to_owned(), $($field: Style::new(),)* }
            }

            /// The style called `key` in theme files.
            pub fn style(&self, key: &str) -> Option<Style> {
                match key {
                    $(stringify!($field) => Some(self.$field),)*
                    _ => None,
                }
            }

            fn style_mut(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

theme_styles! {
    /// Background and default text of the whole screen.
    base,
    /// Pane borders.
    border,
    border_focused,
    /// Pane titles.
    title,
    title_focused,
    /// Column headers.
    header,
    /// Ordinary list rows.
    row,
    /// The selected row of the focused pane.
    selected,
    /// The selected row of the other panes.
    selected_unfocused,
    /// Secondary text: counts, durations, hints.
    dim,
    /// Highlights that are neither selection nor status.
    accent,
    artist,
    album,
    /// The status bar.
    status,
    status_error,
    status_warning,
    /// The now-playing bar and the playing track's row.
    now_playing,
    progress_filled,
    progress_empty,
    /// The filter input.
    filter,
    /// Key names in the help overlay.
    help_key,
    help_text,
    /// Dialog bodies and their borders.
    dialog,
    dialog_border,
}

impl Theme {
    /// The theme with all colours removed, keeping modifiers, for `NO_COLOR`.
    #[must_use]
    pub fn without_colours(mut self) -> Theme {
        for key in Self::STYLE_KEYS {
            if let Some(style) = self.style_mut(key) {
                style.fg = None;
                style.bg = None;
                style.underline_color = None;
            }
        }
        self
    }

    /// A usable monochrome theme defined in code, for when even the bundled files are missing.
    fn builtin_fallback() -> Theme {
        let mut t = Theme::plain(MONO_THEME);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        t.border_focused = bold;
        t.title_focused = bold;
        t.header = bold;
        t.selected = reversed;
        t.selected_unfocused = Style::new().add_modifier(Modifier::UNDERLINED);
        t.dim = Style::new().add_modifier(Modifier::DIM);
        t.status = reversed;
        t.status_error = reversed.add_modifier(Modifier::BOLD);
        t.status_warning = reversed;
        t.now_playing = bold;
        t.help_key = bold;
        t.dialog_border = bold;
        t
    }
}

/// Why a theme file was skipped. Every message starts with the file and (where there is one)
/// the key, e.g. `themes/mine.toml: styles.selected.bg: unknown colour "purpel"`.
#[derive(Debug, Error)]
pub enum ThemeError {
    #[error("{}: cannot read theme directory: {source}", path.display())]
    ReadDir { path: PathBuf, source: io::Error },

    #[error("{}: cannot read theme: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("{}: invalid TOML: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    #[error("{}: {key}: unknown key{hint}", path.display())]
    UnknownKey {
        path: PathBuf,
        key: String,
        /// Empty, or a suggestion starting with a space.
        hint: String,
    },

    #[error(
        "{}: {key}: unknown colour {value:?} (expected a name such as \"light_blue\", \"reset\", \
         \"#rrggbb\" or an index 0-255)",
        path.display()
    )]
    UnknownColour {
        path: PathBuf,
        key: String,
        value: String,
    },

    #[error(
        "{}: {key}: unknown modifier {value:?} (expected bold, dim, italic, underlined, \
         slow_blink, rapid_blink, reversed, hidden or crossed_out)",
        path.display()
    )]
    UnknownModifier {
        path: PathBuf,
        key: String,
        value: String,
    },

    #[error("{}: {key}: expected {expected}", path.display())]
    WrongType {
        path: PathBuf,
        key: String,
        expected: &'static str,
    },

    #[error("{}: inherits: unknown theme {parent:?}", path.display())]
    UnknownParent { path: PathBuf, parent: String },

    #[error("{}: inherits: theme {parent:?} failed to load", path.display())]
    ParentFailed { path: PathBuf, parent: String },

    #[error("{}: inherits: inheritance loop {chain}", path.display())]
    InheritLoop { path: PathBuf, chain: String },

    #[error("{}: name: theme {name:?} is already defined in {}", path.display(), other.display())]
    Duplicate {
        path: PathBuf,
        name: String,
        other: PathBuf,
    },
}

impl ThemeError {
    /// The theme file (or directory) the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ThemeError::ReadDir { path, .. }
            | ThemeError::Read { path, .. }
            | ThemeError::Parse { path, .. }
            | ThemeError::UnknownKey { path, .. }
            | ThemeError::UnknownColour { path, .. }
            | ThemeError::UnknownModifier { path, .. }
            | ThemeError::WrongType { path, .. }
            | ThemeError::UnknownParent { path, .. }
            | ThemeError::ParentFailed { path, .. }
            | ThemeError::InheritLoop { path, .. }
            | ThemeError::Duplicate { path, .. } => path,
        }
    }
}

/// A parsed theme file before inheritance is applied.
#[derive(Debug, Clone)]
struct RawTheme {
    path: PathBuf,
    name: String,
    inherits: Option<String>,
    /// Only the styles the file sets; each replaces the inherited style as a whole.
    styles: Vec<(&'static str, Style)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Layer {
    Bundled,
    User,
}

/// All loaded themes by name.
#[derive(Debug, Clone)]
pub struct ThemeSet {
    themes: BTreeMap<String, Theme>,
}

impl Default for ThemeSet {
    fn default() -> Self {
        Self::bundled()
    }
}

impl ThemeSet {
    /// Only the bundled themes.
    pub fn bundled() -> ThemeSet {
        Self::load(None).0
    }

    /// The bundled themes plus `*.toml` in `user_dir` (normally
    /// [`config::themes_dir`](crate::config::themes_dir)); a missing directory is fine.
    /// Themes that fail to load are skipped and reported.
    pub fn load(user_dir: Option<&Path>) -> (ThemeSet, Vec<ThemeError>) {
        let mut errors = Vec::new();
        let bundled = BUNDLED
            .iter()
            .filter_map(|(file, text)| {
                parse_theme(&Path::new("themes").join(file), text)
                    .map_err(|e| errors.push(e))
                    .ok()
            })
            .collect();
        let user = match user_dir {
            Some(dir) => read_user_themes(dir, &mut errors),
            None => Vec::new(),
        };
        let set = Self::from_raw(bundled, user, &mut errors);
        (set, errors)
    }

    /// The theme called `name`, exactly.
    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.themes.get(name)
    }

    /// All theme names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.themes.keys().map(String::as_str).collect()
    }

    /// The theme to use: `mono` without any colour when `no_color` (the `NO_COLOR` convention),
    /// otherwise `requested`, or the default theme with a warning when there is no such theme.
    pub fn resolve(&self, requested: &str, no_color: bool) -> (Theme, Option<String>) {
        if no_color {
            let mono = self
                .get(MONO_THEME)
                .cloned()
                .unwrap_or_else(Theme::builtin_fallback);
            // A user's `mono` override might contain colours; NO_COLOR must still win.
            return (mono.without_colours(), None);
        }
        if let Some(theme) = self.get(requested) {
            return (theme.clone(), None);
        }
        let fallback = self
            .get(DEFAULT_THEME)
            .cloned()
            .unwrap_or_else(Theme::builtin_fallback);
        let warning = format!(
            "unknown theme `{requested}`; using `{}` (available: {})",
            fallback.name,
            self.names().join(", ")
        );
        (fallback, Some(warning))
    }

    fn from_raw(
        bundled: Vec<RawTheme>,
        user: Vec<RawTheme>,
        errors: &mut Vec<ThemeError>,
    ) -> ThemeSet {
        let mut resolver = Resolver {
            bundled: bundled.into_iter().map(|t| (t.name.clone(), t)).collect(),
            user: BTreeMap::new(),
            done: HashMap::new(),
            errors,
        };
        for theme in user {
            if let Some(first) = resolver.user.get(&theme.name) {
                resolver.errors.push(ThemeError::Duplicate {
                    path: theme.path.clone(),
                    name: theme.name.clone(),
                    other: first.path.clone(),
                });
                continue;
            }
            resolver.user.insert(theme.name.clone(), theme);
        }

        let mut themes = BTreeMap::new();
        let bundled_names: Vec<String> = resolver.bundled.keys().cloned().collect();
        let user_names: Vec<String> = resolver.user.keys().cloned().collect();
        for name in bundled_names {
            if let Some(t) = resolver.resolve(&name, Layer::Bundled) {
                themes.insert(name, t);
            }
        }
        // A user theme that fails leaves the bundled one of the same name in place.
        for name in user_names {
            if let Some(t) = resolver.resolve(&name, Layer::User) {
                themes.insert(name, t);
            }
        }
        ThemeSet { themes }
    }
}

struct Resolver<'a> {
    bundled: BTreeMap<String, RawTheme>,
    user: BTreeMap<String, RawTheme>,
    /// Memo: `None` = failed (its error is already reported).
    done: HashMap<(String, Layer), Option<Theme>>,
    errors: &'a mut Vec<ThemeError>,
}

impl Resolver<'_> {
    fn raw(&self, name: &str, layer: Layer) -> Option<&RawTheme> {
        match layer {
            Layer::Bundled => self.bundled.get(name),
            Layer::User => self.user.get(name),
        }
    }

    fn resolve(&mut self, name: &str, layer: Layer) -> Option<Theme> {
        let key = (name.to_owned(), layer);
        if let Some(done) = self.done.get(&key) {
            return done.clone();
        }
        let raw = self.raw(name, layer)?.clone();
        let theme = match self.resolve_uncached(&raw, layer) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errors.push(e);
                None
            }
        };
        self.done.insert(key, theme.clone());
        theme
    }

    fn resolve_uncached(&mut self, raw: &RawTheme, layer: Layer) -> Result<Theme, ThemeError> {
        // Checked before recursing, so recursion only ever walks loop-free chains.
        if let Some(chain) = self.loop_through(&raw.name, layer) {
            return Err(ThemeError::InheritLoop {
                path: raw.path.clone(),
                chain,
            });
        }
        let mut theme = match self.parent_of(raw, layer)? {
            // The root: the bundled default theme, which must set every style itself.
            None => Theme::plain(&raw.name),
            Some((parent, parent_layer)) => {
                let mut t = self.resolve(&parent, parent_layer).ok_or_else(|| {
                    ThemeError::ParentFailed {
                        path: raw.path.clone(),
                        parent: parent.clone(),
                    }
                })?;
                t.name.clone_from(&raw.name);
                t
            }
        };
        for (key, style) in &raw.styles {
            if let Some(slot) = theme.style_mut(key) {
                *slot = *style;
            }
        }
        Ok(theme)
    }

    /// `a → b → a` when following `inherits` from `name` leads back to it. A loop further up
    /// the chain is not reported here: the theme in it fails, and this one with it.
    fn loop_through(&self, name: &str, layer: Layer) -> Option<String> {
        let start = (name.to_owned(), layer);
        let mut chain = vec![start.clone()];
        let mut current = start.clone();
        loop {
            let raw = self.raw(&current.0, current.1)?;
            let next = self.parent_of(raw, current.1).ok().flatten()?;
            let back_at_start = next == start;
            if !back_at_start && chain.contains(&next) {
                return None;
            }
            chain.push(next.clone());
            if back_at_start {
                let names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
                return Some(names.join(" → "));
            }
            current = next;
        }
    }

    /// Which theme `raw` inherits from, or `None` for the root.
    fn parent_of(
        &self,
        raw: &RawTheme,
        layer: Layer,
    ) -> Result<Option<(String, Layer)>, ThemeError> {
        let parent = match &raw.inherits {
            Some(p) => p.clone(),
            None if raw.name == DEFAULT_THEME && layer == Layer::Bundled => return Ok(None),
            None => DEFAULT_THEME.to_owned(),
        };
        if parent == raw.name {
            // A user theme that shares a bundled theme's name extends the bundled one, so
            // `dark.toml` in the user dir can change a single style.
            if layer == Layer::User && self.bundled.contains_key(&parent) {
                return Ok(Some((parent, Layer::Bundled)));
            }
            return Err(ThemeError::InheritLoop {
                path: raw.path.clone(),
                chain: format!("{parent} → {parent}"),
            });
        }
        if self.user.contains_key(&parent) {
            Ok(Some((parent, Layer::User)))
        } else if self.bundled.contains_key(&parent) {
            Ok(Some((parent, Layer::Bundled)))
        } else {
            Err(ThemeError::UnknownParent {
                path: raw.path.clone(),
                parent,
            })
        }
    }
}

fn read_user_themes(dir: &Path, errors: &mut Vec<ThemeError>) -> Vec<RawTheme> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(source) => {
            errors.push(ThemeError::ReadDir {
                path: dir.to_path_buf(),
                source,
            });
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"))
        })
        .collect();
    // Sorted so that which of two same-named themes wins does not depend on the filesystem.
    paths.sort();
    let mut themes = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_theme(&path, &text) {
                Ok(t) => themes.push(t),
                Err(e) => errors.push(e),
            },
            Err(source) => errors.push(ThemeError::Read { path, source }),
        }
    }
    themes
}

fn parse_theme(path: &Path, text: &str) -> Result<RawTheme, ThemeError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ThemeError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
    let wrong_type = |key: &str, expected| ThemeError::WrongType {
        path: path.to_path_buf(),
        key: key.to_owned(),
        expected,
    };
    let mut name = None;
    let mut inherits = None;
    let mut styles = Vec::new();
    for (key, value) in &table {
        match (key.as_str(), value) {
            ("name", toml::Value::String(s)) if !s.trim().is_empty() => {
                name = Some(s.trim().to_owned());
            }
            ("name", _) => return Err(wrong_type("name", "a non-empty string")),
            ("inherits", toml::Value::String(s)) => inherits = Some(s.trim().to_owned()),
            ("inherits", _) => return Err(wrong_type("inherits", "a theme name (string)")),
            ("styles", toml::Value::Table(t)) => {
                for (style_key, spec) in t {
                    let full_key = format!("styles.{style_key}");
                    let Some(&field) = Theme::STYLE_KEYS.iter().find(|k| *k == style_key) else {
                        return Err(ThemeError::UnknownKey {
                            path: path.to_path_buf(),
                            key: full_key,
                            hint: closest(style_key, Theme::STYLE_KEYS)
                                .map(|s| format!(" (did you mean `{s}`?)"))
                                .unwrap_or_default(),
                        });
                    };
                    styles.push((field, parse_style(path, &full_key, spec)?));
                }
            }
            ("styles", _) => return Err(wrong_type("styles", "a table")),
            (other, _) => {
                return Err(ThemeError::UnknownKey {
                    path: path.to_path_buf(),
                    key: other.to_owned(),
                    hint: " (expected name, inherits or [styles])".to_owned(),
                });
            }
        }
    }
    let name = name
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    Ok(RawTheme {
        path: path.to_path_buf(),
        name,
        inherits,
        styles,
    })
}

fn parse_style(path: &Path, key: &str, spec: &toml::Value) -> Result<Style, ThemeError> {
    const EXPECTED: &str =
        "a colour string or a table { fg = \"…\", bg = \"…\", modifiers = [\"bold\", …] }";
    match spec {
        toml::Value::String(s) => Ok(Style::new().fg(parse_colour(path, key, s)?)),
        toml::Value::Table(t) => {
            let mut style = Style::new();
            for (attr, value) in t {
                let attr_key = format!("{key}.{attr}");
                match (attr.as_str(), value) {
                    ("fg", toml::Value::String(s)) => {
                        style = style.fg(parse_colour(path, &attr_key, s)?);
                    }
                    ("bg", toml::Value::String(s)) => {
                        style = style.bg(parse_colour(path, &attr_key, s)?);
                    }
                    ("fg" | "bg", _) => {
                        return Err(ThemeError::WrongType {
                            path: path.to_path_buf(),
                            key: attr_key,
                            expected: "a colour string",
                        });
                    }
                    ("modifiers", toml::Value::Array(items)) => {
                        for item in items {
                            let toml::Value::String(m) = item else {
                                return Err(ThemeError::WrongType {
                                    path: path.to_path_buf(),
                                    key: attr_key,
                                    expected: "a list of modifier names",
                                });
                            };
                            let modifier =
                                parse_modifier(m).ok_or_else(|| ThemeError::UnknownModifier {
                                    path: path.to_path_buf(),
                                    key: attr_key.clone(),
                                    value: m.clone(),
                                })?;
                            style = style.add_modifier(modifier);
                        }
                    }
                    ("modifiers", _) => {
                        return Err(ThemeError::WrongType {
                            path: path.to_path_buf(),
                            key: attr_key,
                            expected: "a list of modifier names",
                        });
                    }
                    _ => {
                        return Err(ThemeError::UnknownKey {
                            path: path.to_path_buf(),
                            key: attr_key,
                            hint: " (expected fg, bg or modifiers)".to_owned(),
                        });
                    }
                }
            }
            Ok(style)
        }
        _ => Err(ThemeError::WrongType {
            path: path.to_path_buf(),
            key: key.to_owned(),
            expected: EXPECTED,
        }),
    }
}

/// The 16 ANSI colours by the names theme files use.
const NAMED_COLOURS: &[(&str, Color)] = &[
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("dark_grey", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
    ("reset", Color::Reset),
    ("default", Color::Reset),
];

fn parse_colour(path: &Path, key: &str, value: &str) -> Result<Color, ThemeError> {
    let unknown = || ThemeError::UnknownColour {
        path: path.to_path_buf(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let text = value.trim();
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let n = u32::from_str_radix(hex, 16).map_err(|_| unknown())?;
        let [_, r, g, b] = n.to_be_bytes();
        return Ok(Color::Rgb(r, g, b));
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| unknown());
    }
    let normalised = text.to_ascii_lowercase().replace(['-', ' '], "_");
    NAMED_COLOURS
        .iter()
        .find(|(n, _)| *n == normalised)
        .map(|(_, c)| *c)
        .ok_or_else(unknown)
}

fn parse_modifier(name: &str) -> Option<Modifier> {
    Some(
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" | "underline" => Modifier::UNDERLINED,
            "slow_blink" | "blink" => Modifier::SLOW_BLINK,
            "rapid_blink" => Modifier::RAPID_BLINK,
            "reversed" | "reverse" => Modifier::REVERSED,
            "hidden" => Modifier::HIDDEN,
            "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
            _ => return None,
        },
    )
}

/// The candidate within edit distance 2 of `word`, for "did you mean" hints.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, &cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const BUNDLED_NAMES: &[&str] = &["dark", "high-contrast", "light", "mono", "sonicstage"];

    fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn is_named_ansi(c: Color) -> bool {
        !matches!(c, Color::Rgb(..) | Color::Indexed(_))
    }

    #[test]
    fn every_bundled_theme_parses_and_sets_every_style() {
        let (set, errors) = ThemeSet::load(None);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(set.names(), BUNDLED_NAMES);
        for (file, text) in BUNDLED {
            let raw = parse_theme(Path::new(file), text).unwrap();
            let set_keys: Vec<&str> = raw.styles.iter().map(|(k, _)| *k).collect();
            for key in Theme::STYLE_KEYS {
                assert!(set_keys.contains(key), "{file} does not set styles.{key}");
            }
            assert_eq!(
                set.get(&raw.name).map(|t| t.name.as_str()),
                Some(raw.name.as_str())
            );
        }
    }

    #[test]
    fn bundled_themes_work_in_16_colours() {
        let set = ThemeSet::bundled();
        for name in ["dark", "light", "high-contrast", "sonicstage"] {
            let theme = set.get(name).unwrap();
            for key in Theme::STYLE_KEYS {
                let style = theme.style(key).unwrap();
                for c in [style.fg, style.bg].into_iter().flatten() {
                    assert!(is_named_ansi(c), "{name}: styles.{key} uses {c:?}");
                }
            }
        }
    }

    #[test]
    fn mono_uses_no_colours() {
        let set = ThemeSet::bundled();
        let mono = set.get("mono").unwrap();
        for key in Theme::STYLE_KEYS {
            let style = mono.style(key).unwrap();
            assert!(
                matches!(style.fg, None | Some(Color::Reset))
                    && matches!(style.bg, None | Some(Color::Reset)),
                "mono: styles.{key} has a colour: {style:?}"
            );
        }
        assert_ne!(
            mono.selected, mono.row,
            "selection must be visible without colour"
        );
    }

    #[test]
    fn no_color_always_gives_mono() {
        let set = ThemeSet::bundled();
        let (theme, warning) = set.resolve("sonicstage", true);
        assert_eq!(theme.name, "mono");
        assert_eq!(&theme, set.get("mono").unwrap());
        assert_eq!(warning, None);

        // Even a user `mono` with colours loses them.
        let dir = user_dir(&[(
            "mono.toml",
            "[styles]\nselected = { fg = \"red\", modifiers = [\"bold\"] }\n",
        )]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        assert!(errors.is_empty(), "{errors:?}");
        let (theme, _) = set.resolve("dark", true);
        assert_eq!(theme.selected, Style::new().add_modifier(Modifier::BOLD));
    }

    #[test]
    fn unknown_theme_falls_back_to_dark_with_a_warning() {
        let set = ThemeSet::bundled();
        let (theme, warning) = set.resolve("solarised", false);
        assert_eq!(theme.name, "dark");
        let warning = warning.unwrap();
        assert!(
            warning.starts_with("unknown theme `solarised`; using `dark`"),
            "{warning}"
        );
        assert!(warning.contains("sonicstage"), "{warning}");
        let (theme, warning) = set.resolve("light", false);
        assert_eq!((theme.name.as_str(), warning), ("light", None));
    }

    #[test]
    fn missing_styles_are_inherited() {
        let dir = user_dir(&[
            (
                "a.toml",
                "name = \"ocean\"\ninherits = \"light\"\n[styles]\nselected = { fg = \"black\", bg = \"#1e90ff\" }\n",
            ),
            (
                "b.toml",
                "name = \"reef\"\ninherits = \"ocean\"\n[styles]\nborder = \"cyan\"\n",
            ),
            ("plain.toml", "[styles]\nborder = \"9\"\n"),
        ]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        assert!(errors.is_empty(), "{errors:?}");
        let light = set.get("light").unwrap();
        let reef = set.get("reef").unwrap();
        assert_eq!(reef.name, "reef");
        assert_eq!(
            reef.selected,
            Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(0x1e, 0x90, 0xff))
        );
        assert_eq!(reef.border, Style::new().fg(Color::Cyan));
        assert_eq!(reef.header, light.header);
        // No `inherits` and no `name`: inherits dark, named after the file.
        let plain = set.get("plain").unwrap();
        assert_eq!(plain.border, Style::new().fg(Color::Indexed(9)));
        assert_eq!(plain.selected, set.get("dark").unwrap().selected);
    }

    #[test]
    fn user_theme_overrides_bundled_by_name() {
        let dir = user_dir(&[
            (
                "my-dark.toml",
                "name = \"dark\"\n[styles]\nborder = \"red\"\n",
            ),
            ("x.toml", "[styles]\nrow = \"green\"\n"),
        ]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        assert!(errors.is_empty(), "{errors:?}");
        let dark = set.get("dark").unwrap();
        let bundled = ThemeSet::bundled();
        let bundled_dark = bundled.get("dark").unwrap();
        assert_eq!(dark.border, Style::new().fg(Color::Red));
        // Implicitly inheriting its own name means extending the bundled theme.
        assert_eq!(dark.selected, bundled_dark.selected);
        // Themes inheriting `dark` see the override.
        assert_eq!(set.get("x").unwrap().border, Style::new().fg(Color::Red));
        assert_eq!(set.names().len(), BUNDLED_NAMES.len() + 1);
    }

    #[test]
    fn invalid_theme_errors_name_file_and_key_and_are_skipped() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "[styles]\nselected = { bg = \"purpel\" }\n",
                "styles.selected.bg: unknown colour \"purpel\"",
                "colour",
            ),
            (
                "[styles]\nselectd = \"red\"\n",
                "styles.selectd: unknown key (did you mean `selected`?)",
                "style key",
            ),
            (
                "[styles]\nrow = { fg = \"red\", modifiers = [\"blod\"] }\n",
                "styles.row.modifiers: unknown modifier \"blod\"",
                "modifier",
            ),
            (
                "[styles]\nrow = { fgg = \"red\" }\n",
                "styles.row.fgg: unknown key",
                "style attribute",
            ),
            (
                "[styles]\nrow = 3\n",
                "styles.row: expected a colour string",
                "type",
            ),
            (
                "[styles]\nrow = \"#12345\"\n",
                "styles.row: unknown colour \"#12345\"",
                "short hex",
            ),
            (
                "[styles]\nrow = \"300\"\n",
                "styles.row: unknown colour \"300\"",
                "index",
            ),
            ("colour = 1\n", "colour: unknown key", "top-level key"),
            (
                "inherits = \"nope\"\n",
                "inherits: unknown theme \"nope\"",
                "unknown parent",
            ),
            ("[styles\n", "invalid TOML", "bad toml"),
        ];
        for (text, expected, what) in cases {
            let dir = user_dir(&[("mine.toml", text)]);
            let (set, errors) = ThemeSet::load(Some(dir.path()));
            assert_eq!(errors.len(), 1, "{what}: {errors:?}");
            let path = dir.path().join("mine.toml");
            let msg = errors[0].to_string();
            assert!(
                msg.starts_with(&format!("{}: {expected}", path.display())),
                "{what}: got {msg}"
            );
            assert_eq!(errors[0].path(), path);
            assert!(set.get("mine").is_none(), "{what}: theme should be skipped");
            let (theme, warning) = set.resolve("mine", false);
            assert_eq!(theme.name, "dark");
            assert!(warning.is_some());
        }
    }

    #[test]
    fn inheritance_loops_are_errors_not_hangs() {
        let dir = user_dir(&[
            ("a.toml", "inherits = \"b\"\n"),
            ("b.toml", "inherits = \"a\"\n"),
            ("c.toml", "inherits = \"a\"\n"),
            ("self.toml", "inherits = \"self\"\n"),
        ]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("a.toml: inherits: inheritance loop a → b → a")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("c.toml: inherits: theme \"a\" failed to load")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("self.toml: inherits: inheritance loop self → self")),
            "{messages:?}"
        );
        for name in ["a", "b", "c", "self"] {
            assert!(set.get(name).is_none(), "{name}");
        }
        assert_eq!(set.names(), BUNDLED_NAMES);
    }

    #[test]
    fn broken_user_override_keeps_the_bundled_theme() {
        let dir = user_dir(&[("dark.toml", "[styles]\nrow = \"nope\"\n")]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        assert_eq!(errors.len(), 1);
        assert_eq!(set.get("dark"), ThemeSet::bundled().get("dark"));
    }

    #[test]
    fn duplicate_user_names_keep_the_first_file() {
        let dir = user_dir(&[
            ("1.toml", "name = \"x\"\n[styles]\nrow = \"red\"\n"),
            ("2.toml", "name = \"x\"\n[styles]\nrow = \"blue\"\n"),
        ]);
        let (set, errors) = ThemeSet::load(Some(dir.path()));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .contains("2.toml: name: theme \"x\" is already defined in")
        );
        assert_eq!(set.get("x").unwrap().row, Style::new().fg(Color::Red));
    }

    #[test]
    fn missing_user_dir_is_fine() {
        let (set, errors) = ThemeSet::load(Some(Path::new("/nonexistent/ministage/themes")));
        assert!(errors.is_empty());
        assert_eq!(set.names(), BUNDLED_NAMES);
    }

    #[test]
    fn colour_syntax() {
        let p = Path::new("t.toml");
        assert_eq!(
            parse_colour(p, "k", "Light-Blue").unwrap(),
            Color::LightBlue
        );
        assert_eq!(parse_colour(p, "k", "dark grey").unwrap(), Color::DarkGray);
        assert_eq!(parse_colour(p, "k", "reset").unwrap(), Color::Reset);
        assert_eq!(
            parse_colour(p, "k", "#A0b1C2").unwrap(),
            Color::Rgb(0xa0, 0xb1, 0xc2)
        );
        assert_eq!(parse_colour(p, "k", "42").unwrap(), Color::Indexed(42));
        assert!(parse_colour(p, "k", "").is_err());
        assert!(parse_colour(p, "k", "#ggg000").is_err());
    }
}
