//! `ministage default-config`: the reference configuration, rendered from the declarations in
//! [`super::settings`] (keys, defaults, comments) and [`super::keymap`] (actions, default keys).

use super::keymap::Action;
use super::settings::{Section, SectionDoc, Settings};

const HEADER: &str = "\
# ministage configuration reference
#
# This file is built into ministage and lists every option with its default value.
# Copy the parts you want to change into
#
#     $XDG_CONFIG_HOME/ministage/config.toml   (usually ~/.config/ministage/config.toml)
#
# or into any file passed with `--config FILE`. A missing file is fine.
#
# Settings are layered; later layers win:
#
#   1. these built-in defaults
#   2. the config file
#   3. environment variables MINISTAGE_<SECTION>__<KEY>, for example
#          MINISTAGE_UI__THEME=light   MINISTAGE_TRANSFER__MODE=lp2
#      (note the double underscore between section and key)
#   4. command-line flags
#
# Unknown keys produce a warning and are ignored; a value of the wrong kind (for example
# `view = \"sideways\"`) is an error that names the key and the file.
#
# Paths may start with `~/`, which stands for your home directory. An empty string means
# \"not set\" (useful to undo a setting from an environment variable).
";

const KEYS_DOC: &str = "\
# Key bindings. Each entry REPLACES all default keys of that action; actions you leave out
# keep their defaults. A single key may be written without the list: `help = \"F1\"`.
#
# Key syntax: a single character (case matters: \"G\" is Shift-g), or one of
#   Space Tab Shift-Tab (or BackTab) Enter Esc Backspace Delete Insert
#   Up Down Left Right Home End PgUp PgDn (or PageUp PageDown) F1 … F12
# optionally prefixed with Ctrl-, Alt- and/or Shift-, e.g. \"Ctrl-f\", \"Alt-Enter\",
# \"Shift-Up\". Names are case-insensitive. Ctrl-c always quits and cannot be rebound.
#
# A key bound to two actions produces a warning; a binding you configured wins over a
# default one.
#
# The defaults:
#
";

/// The annotated reference configuration: every option with its default and what it does.
///
/// # Panics
/// Never in practice: the settings are plain tables and values, which always serialise.
pub fn default_toml() -> String {
    let defaults = toml::Table::try_from(Settings::default())
        .expect("the default settings serialise to a TOML table");
    let mut out = String::from(HEADER);
    for section in Settings::SECTIONS {
        match section {
            Section::Fixed(doc) => render_section(&mut out, doc, &defaults),
            Section::Keys => render_keys(&mut out),
        }
    }
    out
}

fn render_section(out: &mut String, section: &SectionDoc, defaults: &toml::Table) {
    out.push_str(&format!("\n[{}]\n", section.name));
    let values = defaults.get(section.name).and_then(toml::Value::as_table);
    for (i, field) in section.fields.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in field.doc {
            out.push_str(&format!("#{}\n", line.trim_end()));
        }
        match values.and_then(|v| v.get(field.key)) {
            Some(value) => out.push_str(&key_line(field.key, value.clone())),
            // Unset by default (an `Option`): show an example, commented out.
            None => out.push_str(&format!(
                "# {} = {}\n",
                field.key,
                field.example.unwrap_or("\"\"")
            )),
        }
    }
}

fn render_keys(out: &mut String) {
    out.push_str("\n[keys]\n");
    out.push_str(KEYS_DOC);
    for &action in Action::ALL {
        let keys = action.default_keys().iter().map(|&k| k.into()).collect();
        out.push_str(&format!(
            "# {}",
            key_line(action.name(), toml::Value::Array(keys))
        ));
    }
}

/// `key = value` as TOML writes it, with a line break.
fn key_line(key: &str, value: toml::Value) -> String {
    let mut one = toml::Table::new();
    one.insert(key.to_owned(), value);
    toml::to_string(&one).expect("a key and a plain value serialise to TOML")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `section.key` the structs have, found through serde (so `Option`s count too).
    fn struct_keys() -> BTreeSet<String> {
        keys_of(&serde_json::to_value(Settings::default()).unwrap())
    }

    /// `text` with every commented-out `# key = value` line made live.
    fn uncomment(text: &str) -> String {
        let is_key =
            |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        text.lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| is_key(k)) => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `section` and `section.key` for every key in `tables` but the actions under `[keys]`.
    fn keys_of(tables: &serde_json::Value) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for (section, table) in tables.as_object().unwrap() {
            keys.insert(section.clone());
            if section != "keys" {
                for key in table.as_object().unwrap().keys() {
                    keys.insert(format!("{section}.{key}"));
                }
            }
        }
        keys
    }

    fn keys_in(text: &str) -> BTreeSet<String> {
        let table: toml::Table = text.parse().unwrap();
        keys_of(&serde_json::to_value(table).unwrap())
    }

    /// Loads `text` as the config file, with `env`; panics on an error.
    fn load_text(text: &str, env: &[(String, String)]) -> super::super::Loaded {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let mut env = env.to_vec();
        env.push(("HOME".into(), "/home/tester".into()));
        super::super::load(&super::super::LoadOptions {
            config_file: Some(path),
            env,
            overrides: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn documents_exactly_the_keys_the_structs_have() {
        let mut documented = BTreeSet::new();
        for section in Settings::SECTIONS {
            match section {
                Section::Fixed(doc) => {
                    documented.insert(doc.name.to_owned());
                    for field in doc.fields {
                        assert!(
                            !field.doc.is_empty(),
                            "{}.{} has no comment",
                            doc.name,
                            field.key
                        );
                        documented.insert(format!("{}.{}", doc.name, field.key));
                    }
                }
                Section::Keys => {
                    documented.insert("keys".to_owned());
                }
            }
        }
        assert_eq!(documented, struct_keys());
    }

    #[test]
    fn output_holds_every_key_of_the_structs_and_nothing_else() {
        assert_eq!(keys_in(&uncomment(&default_toml())), struct_keys());
        let table: toml::Table = uncomment(&default_toml()).parse().unwrap();
        let actions: Vec<&str> = table["keys"]
            .as_table()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut all: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        all.sort_unstable();
        assert_eq!(actions, all);
    }

    #[test]
    fn output_is_the_defaults_and_loads_without_warnings() {
        let loaded = load_text(&default_toml(), &[]);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.settings, Settings::default());
        let loaded = load_text(&uncomment(&default_toml()), &[]);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    /// The README's "Configuration" section.
    fn readme_configuration() -> &'static str {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("\n## Configuration\n")
            .expect("README has a Configuration section")
            + 1;
        let rest = &readme[start..];
        let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 1);
        &rest[..end]
    }

    #[test]
    fn everything_the_readme_shows_loads_without_warning() {
        let section = readme_configuration();
        let vars: Vec<(String, String)> = section
            .split('`')
            .filter_map(|word| {
                let (name, value) = word.split_once('=')?;
                (name.starts_with("MINISTAGE_") && name.contains("__") && !name.contains('<'))
                    .then(|| (name.to_owned(), value.to_owned()))
            })
            .collect();
        assert!(
            vars.iter()
                .any(|(name, value)| name == "MINISTAGE_TRANSFER__MODE" && value == "lp2"),
            "the README shows MINISTAGE_TRANSFER__MODE=lp2: {vars:?}"
        );
        let loaded = load_text("", &vars);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(
            loaded.settings.transfer.mode,
            super::super::TransferMode::Lp2
        );

        let blocks: Vec<&str> = section
            .split("```toml\n")
            .skip(1)
            .map(|block| block.split("```").next().unwrap())
            .collect();
        assert!(!blocks.is_empty(), "the README shows a configuration");
        let mut shown = BTreeSet::new();
        for block in blocks {
            for text in [block.to_owned(), uncomment(block)] {
                let loaded = load_text(&text, &vars);
                assert!(loaded.warnings.is_empty(), "{text}\n{:?}", loaded.warnings);
            }
            shown.extend(keys_in(&uncomment(block)));
        }
        assert_eq!(shown, struct_keys(), "the README shows every key");
        for action in Action::ALL {
            assert!(
                section.contains(&format!("`{}`", action.name())),
                "the README lists `{action}`"
            );
        }
    }
}
