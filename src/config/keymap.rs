//! Actions, key combinations and the configurable map between them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use thiserror::Error;

use super::suggest::did_you_mean;

/// What kind of thing an action does: the heading the help overlay lists it under, and what
/// the update dispatches on when an action means nothing special in the focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    General,
    Panes,
    Navigation,
    Library,
    Playback,
    Editing,
    /// Keys of the Device pane alone: there they win over a global key bound to the same
    /// combination (`g` receives there and goes to the top everywhere else).
    Device,
}

impl Group {
    /// In display order.
    pub const ALL: &[Group] = &[
        Group::General,
        Group::Panes,
        Group::Navigation,
        Group::Library,
        Group::Playback,
        Group::Editing,
        Group::Device,
    ];

    /// The heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Panes => "Panes",
            Group::Navigation => "Navigation",
            Group::Library => "Library",
            Group::Playback => "Playback",
            Group::Editing => "Editing",
            Group::Device => "Device pane",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// What the table below declares for each action.
struct Spec {
    name: &'static str,
    group: Group,
    default_keys: &'static [&'static str],
    description: &'static str,
}

/// Declares [`Action`], [`Action::ALL`] and each action's [`Spec`] from one table.
macro_rules! actions {
    ($($variant:ident: $name:literal, $group:ident, [$($key:literal),*], $description:literal;)*) => {
        /// Everything a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order the help overlay lists them.
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            /// Indexed by [`Action::index`].
            const SPECS: &[Spec] = &[$(Spec {
                name: $name,
                group: Group::$group,
                default_keys: &[$($key),*],
                description: $description,
            },)*];
        }
    };
}

// variant: `[keys]` name, group, default keys, help line.
actions! {
    Quit: "quit", General, ["q"], "Quit (Ctrl-c always quits)";
    Help: "help", General, ["?"], "Show or hide this help";
    FocusNext: "focus_next", Panes, ["Tab"], "Focus the next pane";
    FocusPrev: "focus_prev", Panes, ["Shift-Tab"], "Focus the previous pane";
    FocusLibrary: "focus_library", Panes, ["1"], "Focus the library";
    FocusPlaylists: "focus_playlists", Panes, ["2"], "Focus the playlists";
    FocusDevice: "focus_device", Panes, ["3"], "Focus the device";
    FocusTransfers: "focus_transfers", Panes, ["4"], "Focus the transfer queue";
    Up: "up", Navigation, ["Up", "k"], "Move up";
    Down: "down", Navigation, ["Down", "j"], "Move down";
    Collapse: "collapse", Navigation, ["Left", "h"], "Collapse, or go to the parent";
    Expand: "expand", Navigation, ["Right", "l"], "Expand";
    Top: "top", Navigation, ["Home", "g"], "Go to the first item";
    Bottom: "bottom", Navigation, ["End", "G"], "Go to the last item";
    PageUp: "page_up", Navigation, ["PgUp", "Ctrl-b"], "Page up";
    PageDown: "page_down", Navigation, ["PgDn", "Ctrl-f"], "Page down";
    Activate: "activate", Navigation, ["Enter"], "Open or play the selection";
    Filter: "filter", Library, ["/"], "Filter the library";
    Cancel: "cancel", General, ["Esc"], "Close, clear the filter, or cancel";
    ToggleView: "toggle_view", Library, ["v"], "Switch between tree and flat view";
    CycleSort: "cycle_sort", Library, ["o"], "Sort by the next column";
    ReverseSort: "reverse_sort", Library, ["O"], "Reverse the sort order";
    Import: "import", Library, ["i"], "Import music from a folder";
    PlayPause: "play_pause", Playback, ["Space"], "Play or pause";
    Stop: "stop", Playback, ["s"], "Stop";
    NextTrack: "next_track", Playback, ["n"], "Next track";
    PrevTrack: "prev_track", Playback, ["p"], "Previous track";
    SeekBack: "seek_back", Playback, [","], "Seek back 5 s";
    SeekForward: "seek_forward", Playback, ["."], "Seek forward 5 s";
    SeekBackLong: "seek_back_long", Playback, ["<"], "Seek back 30 s";
    SeekForwardLong: "seek_forward_long", Playback, [">"], "Seek forward 30 s";
    VolumeUp: "volume_up", Playback, ["+", "="], "Volume up 5 %";
    VolumeDown: "volume_down", Playback, ["-"], "Volume down 5 %";
    Mute: "mute", Playback, ["m"], "Mute or unmute";
    Shuffle: "shuffle", Playback, ["z"], "Shuffle on or off";
    Repeat: "repeat", Playback, ["r"], "Repeat: off, one, all";
    Rename: "rename", Editing, ["R"], "Rename the selected track, group or disc";
    Delete: "delete", Editing, ["d", "Delete"], "Delete the selection (asks first)";
    MoveUp: "move_up", Editing, ["K"], "Move the selected track up";
    MoveDown: "move_down", Editing, ["J"], "Move the selected track down";
    SelectRange: "select_range", Editing, ["V"], "Start or end a range selection";
    CreateGroup: "create_group", Editing, ["C"], "New group of the selected tracks, or a new playlist";
    EraseDisc: "erase_disc", Editing, ["E"], "Erase the whole disc (asks first; a Hi-MD disc is formatted, asked twice)";
    Mark: "mark", Editing, ["x"], "Mark or unmark the track (marked tracks are the selection)";
    AddToPlaylist: "add_to_playlist", Editing, ["a"], "Add the selection to a playlist";
    EditTags: "edit_tags", Editing, ["e"], "Edit the tags of the selection";
    Undo: "undo", Editing, ["u"], "Undo the last tag edit";
    Transfer: "transfer", Editing, ["t"], "Queue the selection for the recorder";
    ExportTitles: "export_titles", Device, ["w"], "Write the disc's titles and groups to a CSV file";
    ImportTitles: "import_titles", Device, ["W"], "Apply titles and groups from a CSV file to the disc";
    Receive: "receive", Device, ["g"], "Queue the selected tracks to receive from the recorder (MZ-RH1)";
}

impl Action {
    fn spec(self) -> &'static Spec {
        &Self::SPECS[self.index()]
    }

    /// The name used in the `[keys]` table.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The action whose [`name`](Action::name) is `name` (exact match).
    pub fn from_name(name: &str) -> Option<Action> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// The heading under which the help overlay lists the action.
    pub fn group(self) -> Group {
        self.spec().group
    }

    /// The keys bound when the configuration does not rebind the action.
    pub fn default_keys(self) -> &'static [&'static str] {
        self.spec().default_keys
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key with its modifiers, normalised so that what the terminal reports and what the
/// configuration says compare equal. Invariants (kept by [`KeyCombo::new`]):
/// - characters never carry SHIFT: Shift-a is `A`;
/// - with CONTROL, ASCII letters are lower case;
/// - Shift-Tab is `BackTab` without SHIFT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// The key that always quits, whatever the configuration says.
const CTRL_C: KeyCombo = KeyCombo {
    code: KeyCode::Char('c'),
    modifiers: KeyModifiers::CONTROL,
};

/// Why a key name in the configuration could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyParseError {
    #[error("empty key name")]
    Empty,
    #[error("`{0}`: missing key after the modifier")]
    MissingKey(String),
    #[error(
        "`{0}`: unknown key (expected a single character, or Space, Tab, Shift-Tab, Enter, Esc, \
         Backspace, Delete, Insert, Up, Down, Left, Right, Home, End, PgUp, PgDn or F1-F12, \
         optionally after Ctrl-, Alt- or Shift-)"
    )]
    UnknownKey(String),
    #[error(
        "`{0}`: Shift- only combines with letters and named keys; write the shifted character itself, e.g. `?`"
    )]
    ShiftedSymbol(String),
}

const MODIFIER_PREFIXES: &[(&str, KeyModifiers)] = &[
    ("ctrl-", KeyModifiers::CONTROL),
    ("control-", KeyModifiers::CONTROL),
    ("alt-", KeyModifiers::ALT),
    ("shift-", KeyModifiers::SHIFT),
    ("super-", KeyModifiers::SUPER),
    ("hyper-", KeyModifiers::HYPER),
    ("meta-", KeyModifiers::META),
];

/// Lower-case name → key; the first spelling of each key is the one [`KeyCombo`] displays.
const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
];

impl KeyCombo {
    /// Builds a normalised combination (see the type docs).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyCombo {
        let mut modifiers = modifiers;
        let code = match code {
            KeyCode::Char(c) => {
                let mut c = c;
                if modifiers.contains(KeyModifiers::SHIFT) {
                    // Terminals differ on whether Shift-g arrives as `G`, `G`+SHIFT or
                    // `g`+SHIFT; all mean `G`.
                    modifiers.remove(KeyModifiers::SHIFT);
                    c = upper(c);
                }
                // Legacy terminal encoding sends the same byte for Ctrl-b and Ctrl-B, so a
                // binding to Ctrl-B could never fire; fold it onto Ctrl-b.
                if modifiers.contains(KeyModifiers::CONTROL) && c.is_ascii_uppercase() {
                    c = c.to_ascii_lowercase();
                }
                KeyCode::Char(c)
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeyCombo { code, modifiers }
    }

    /// Parses a key name from the configuration: `q`, `G`, `?`, `Space`, `Ctrl-b`,
    /// `Shift-Tab`, `PgUp`, `F5`, `Alt-Enter`, …
    pub fn parse(s: &str) -> Result<KeyCombo, KeyParseError> {
        // A lone space is the space key; otherwise surrounding blanks are typos.
        let s = if s == " " { s } else { s.trim() };
        if s.is_empty() {
            return Err(KeyParseError::Empty);
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = s;
        // `-` and `Ctrl--` are keys too, so stop stripping once one character is left.
        'strip: while rest.chars().count() > 1 {
            for (prefix, m) in MODIFIER_PREFIXES {
                if let Some(head) = rest.get(..prefix.len())
                    && head.eq_ignore_ascii_case(prefix)
                {
                    modifiers |= *m;
                    rest = &rest[prefix.len()..];
                    continue 'strip;
                }
            }
            break;
        }
        if rest.is_empty() {
            return Err(KeyParseError::MissingKey(s.to_owned()));
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if modifiers.contains(KeyModifiers::SHIFT) && !c.is_alphabetic() {
                    return Err(KeyParseError::ShiftedSymbol(s.to_owned()));
                }
                KeyCode::Char(c)
            }
            _ => named_key(rest).ok_or_else(|| KeyParseError::UnknownKey(s.to_owned()))?,
        };
        Ok(KeyCombo::new(code, modifiers))
    }

    /// The combination a key event stands for, normalised like parsed ones.
    pub fn from_event(ev: &KeyEvent) -> KeyCombo {
        KeyCombo::new(ev.code, ev.modifiers)
    }
}

fn upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        // Characters like `ß` upper-case to several; keep them as they are.
        _ => c,
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
        return Some(*code);
    }
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    // F13–F24 are what many terminals send for Shift-F1…F12.
    (1..=24).contains(&n).then_some(KeyCode::F(n))
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, label) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SUPER, "Super-"),
            (KeyModifiers::HYPER, "Hyper-"),
            (KeyModifiers::META, "Meta-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(m) {
                f.write_str(label)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Insert => f.write_str("Insert"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Which keys trigger which actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    /// Indexed by [`Action::index`].
    keys: Vec<Vec<KeyCombo>>,
    lookup: HashMap<KeyCombo, Action>,
    /// [`Group::Device`] actions, looked up first when the Device pane has the focus.
    device: HashMap<KeyCombo, Action>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self::defaults()
    }
}

impl KeyMap {
    /// The built-in bindings (listed by `ministage default-config`).
    pub fn defaults() -> KeyMap {
        Self::from_config(&BTreeMap::new()).0
    }

    /// The defaults with the `[keys]` table applied: each configured action's keys replace its
    /// defaults. Problems (unknown action, unparsable key, a key bound twice, rebinding
    /// Ctrl-c) become warnings; nothing here fails.
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> (KeyMap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut wanted: Vec<Vec<KeyCombo>> = Action::ALL
            .iter()
            .map(|a| {
                a.default_keys()
                    .iter()
                    .filter_map(|k| KeyCombo::parse(k).ok())
                    .collect()
            })
            .collect();
        let mut configured = vec![false; Action::ALL.len()];

        for (name, names) in keys {
            let Some(action) = Action::from_name(name) else {
                warnings.push(unknown_action_warning(name));
                continue;
            };
            let mut combos = Vec::new();
            for key in names {
                match KeyCombo::parse(key) {
                    Ok(combo) if combo == CTRL_C && action != Action::Quit => warnings.push(
                        format!("[keys] {name}: Ctrl-c always quits and cannot be rebound"),
                    ),
                    Ok(combo) => {
                        if !combos.contains(&combo) {
                            combos.push(combo);
                        }
                    }
                    Err(e) => warnings.push(format!("[keys] {name}: {e}")),
                }
            }
            if combos.is_empty() && !names.is_empty() {
                // Every key was rejected; leaving the action unreachable would be worse.
                warnings.push(format!(
                    "[keys] {name}: no usable key; keeping the defaults"
                ));
                continue;
            }
            wanted[action.index()] = combos;
            configured[action.index()] = true;
        }

        // Configured bindings claim their keys before defaults do, so `import = ["j"]` takes
        // `j` from `down` rather than being ignored. Ties go to the earlier action in ALL.
        let order = Action::ALL
            .iter()
            .filter(|a| configured[a.index()])
            .chain(Action::ALL.iter().filter(|a| !configured[a.index()]));
        let mut global = HashMap::from([(CTRL_C, Action::Quit)]);
        let mut device = HashMap::new();
        let mut bound: Vec<Vec<KeyCombo>> = vec![Vec::new(); Action::ALL.len()];
        for &action in order {
            let lookup = if action.group() == Group::Device {
                &mut device
            } else {
                &mut global
            };
            for &combo in &wanted[action.index()] {
                if combo == CTRL_C {
                    continue;
                }
                match lookup.get(&combo) {
                    Some(&owner) if owner == action => {}
                    Some(&owner) => warnings.push(format!(
                        "key `{combo}` is bound to both `{owner}` and `{action}`; using `{owner}`"
                    )),
                    None => {
                        lookup.insert(combo, action);
                    }
                }
                if lookup.get(&combo) == Some(&action) && !bound[action.index()].contains(&combo) {
                    bound[action.index()].push(combo);
                }
            }
        }
        // Listed so the help overlay shows it.
        let quit = &mut bound[Action::Quit.index()];
        if !quit.contains(&CTRL_C) {
            quit.push(CTRL_C);
        }
        (
            KeyMap {
                keys: bound,
                lookup: global,
                device,
            },
            warnings,
        )
    }

    /// The action bound to a key press, if any. Key releases never trigger actions.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.action_in(ev, false)
    }

    /// [`KeyMap::action`] with the Device pane's own keys first when it has the focus.
    pub fn action_in(&self, ev: &KeyEvent, device_pane: bool) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let combo = KeyCombo::from_event(ev);
        device_pane
            .then(|| self.device.get(&combo))
            .flatten()
            .or_else(|| self.lookup.get(&combo))
            .copied()
    }

    /// The keys bound to `a`, in configuration order.
    pub fn keys_for(&self, a: Action) -> &[KeyCombo] {
        self.keys.get(a.index()).map_or(&[], Vec::as_slice)
    }

    /// The keys bound to `a` joined for display, e.g. `Up, k`; empty when none.
    pub fn keys_label(&self, a: Action) -> String {
        let names: Vec<String> = self.keys_for(a).iter().map(ToString::to_string).collect();
        names.join(", ")
    }

    /// Every action with its keys, in [`Action::ALL`] order, for the generated help.
    pub fn bindings(&self) -> Vec<(Action, Vec<KeyCombo>)> {
        Action::ALL
            .iter()
            .map(|&a| (a, self.keys_for(a).to_vec()))
            .collect()
    }
}

fn unknown_action_warning(name: &str) -> String {
    let mut msg = format!("unknown action `{name}` in [keys]");
    if let Some(suggestion) = did_you_mean(name, Action::ALL.iter().map(|a| a.name())) {
        msg.push_str(&format!(" (did you mean `{suggestion}`?)"));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn combo(s: &str) -> KeyCombo {
        KeyCombo::parse(s).unwrap()
    }

    fn config(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(a, ks)| {
                (
                    a.to_string(),
                    ks.iter().map(std::string::ToString::to_string).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn parses_the_documented_syntax() {
        let none = KeyModifiers::NONE;
        let cases = [
            ("q", KeyCode::Char('q'), none),
            ("G", KeyCode::Char('G'), none),
            ("?", KeyCode::Char('?'), none),
            ("-", KeyCode::Char('-'), none),
            ("Space", KeyCode::Char(' '), none),
            (" ", KeyCode::Char(' '), none),
            ("tab", KeyCode::Tab, none),
            ("Shift-Tab", KeyCode::BackTab, none),
            ("BackTab", KeyCode::BackTab, none),
            ("ENTER", KeyCode::Enter, none),
            ("Esc", KeyCode::Esc, none),
            ("Backspace", KeyCode::Backspace, none),
            ("Delete", KeyCode::Delete, none),
            ("Insert", KeyCode::Insert, none),
            ("PgUp", KeyCode::PageUp, none),
            ("PageUp", KeyCode::PageUp, none),
            ("pgdn", KeyCode::PageDown, none),
            ("F1", KeyCode::F(1), none),
            ("f12", KeyCode::F(12), none),
            ("Ctrl-b", KeyCode::Char('b'), KeyModifiers::CONTROL),
            ("ctrl-B", KeyCode::Char('b'), KeyModifiers::CONTROL),
            ("Ctrl--", KeyCode::Char('-'), KeyModifiers::CONTROL),
            ("Alt-Enter", KeyCode::Enter, KeyModifiers::ALT),
            ("Shift-g", KeyCode::Char('G'), none),
            ("Shift-Up", KeyCode::Up, KeyModifiers::SHIFT),
            (
                "Ctrl-Alt-x",
                KeyCode::Char('x'),
                KeyModifiers::CONTROL.union(KeyModifiers::ALT),
            ),
        ];
        for (text, code, modifiers) in cases {
            assert_eq!(
                KeyCombo::parse(text),
                Ok(KeyCombo { code, modifiers }),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        assert_eq!(KeyCombo::parse(""), Err(KeyParseError::Empty));
        assert_eq!(
            KeyCombo::parse("Ctrl-"),
            Err(KeyParseError::MissingKey("Ctrl-".into()))
        );
        assert_eq!(
            KeyCombo::parse("Hyperspace"),
            Err(KeyParseError::UnknownKey("Hyperspace".into()))
        );
        assert_eq!(
            KeyCombo::parse("F25"),
            Err(KeyParseError::UnknownKey("F25".into()))
        );
        assert_eq!(
            KeyCombo::parse("Shift-/"),
            Err(KeyParseError::ShiftedSymbol("Shift-/".into()))
        );
    }

    #[test]
    fn display_round_trips_through_parse() {
        let samples = [
            "q",
            "G",
            "?",
            "Space",
            "Tab",
            "Shift-Tab",
            "Enter",
            "Esc",
            "Backspace",
            "Delete",
            "Insert",
            "Up",
            "Down",
            "Left",
            "Right",
            "Home",
            "End",
            "PgUp",
            "PgDn",
            "F1",
            "F12",
            "Ctrl-c",
            "Ctrl-Space",
            "Alt-x",
            "Ctrl-Alt-Delete",
            "Shift-Up",
            "Ctrl-Shift-Tab",
            "Ctrl--",
        ];
        for s in samples {
            let c = combo(s);
            assert_eq!(c.to_string(), s, "display of {s}");
            assert_eq!(KeyCombo::parse(&c.to_string()), Ok(c), "round trip of {s}");
        }
        for &a in Action::ALL {
            for c in KeyMap::defaults().keys_for(a) {
                assert_eq!(KeyCombo::parse(&c.to_string()), Ok(*c));
            }
        }
    }

    #[test]
    fn events_are_normalised_like_config_keys() {
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::Char('G'), shift)),
            combo("G")
        );
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::Char('g'), shift)),
            combo("G")
        );
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::Char('?'), shift)),
            combo("?")
        );
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::BackTab, shift)),
            combo("Shift-Tab")
        );
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::Tab, shift)),
            combo("BackTab")
        );
        assert_eq!(
            KeyCombo::from_event(&key(KeyCode::Char('B'), KeyModifiers::CONTROL | shift)),
            combo("Ctrl-b")
        );
    }

    #[test]
    fn device_pane_keys_win_there_and_only_there() {
        let map = KeyMap::defaults();
        let g = key(KeyCode::Char('g'), KeyModifiers::NONE);
        assert_eq!(map.action(&g), Some(Action::Top));
        assert_eq!(map.action_in(&g, false), Some(Action::Top));
        assert_eq!(map.action_in(&g, true), Some(Action::Receive));
        // Keys the Device pane does not claim are the global ones there too.
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(map.action_in(&j, true), Some(Action::Down));
        // Rebinding receive moves it; `g` is then top in the Device pane as well.
        let keys = BTreeMap::from([("receive".to_string(), vec!["Ctrl-r".to_string()])]);
        let (map, warnings) = KeyMap::from_config(&keys);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(map.action_in(&g, true), Some(Action::Top));
        let ctrl_r = key(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(map.action_in(&ctrl_r, true), Some(Action::Receive));
    }

    #[test]
    fn defaults_bind_every_action_without_conflicts() {
        let (map, warnings) = KeyMap::from_config(&BTreeMap::new());
        assert!(warnings.is_empty(), "{warnings:?}");
        for &a in Action::ALL {
            assert!(!map.keys_for(a).is_empty(), "{a} has no default key");
            assert_eq!(
                map.keys_for(a).len(),
                a.default_keys().len() + usize::from(a == Action::Quit),
                "{a}: a default key failed to parse or conflicts"
            );
            let device_pane = a.group() == Group::Device;
            for k in map.keys_for(a) {
                assert_eq!(
                    map.action_in(&key(k.code, k.modifiers), device_pane),
                    Some(a)
                );
            }
        }
        assert_eq!(
            map.action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('Z'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn default_toml_documents_the_default_bindings() {
        let text = super::super::default_toml();
        for (a, keys) in KeyMap::defaults().bindings() {
            let keys: Vec<String> = keys
                .iter()
                .filter(|k| **k != CTRL_C)
                .map(|k| format!("\"{k}\""))
                .collect();
            let line = format!("# {} = [{}]", a.name(), keys.join(", "));
            assert!(text.contains(&line), "default-config lacks `{line}`");
        }
    }

    #[test]
    fn names_descriptions_and_groups_are_consistent() {
        for (i, &a) in Action::ALL.iter().enumerate() {
            assert_eq!(a.index(), i, "ALL must follow declaration order");
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.description().is_empty());
            assert!(Group::ALL.contains(&a.group()));
        }
    }

    #[test]
    fn configured_keys_replace_the_defaults_of_that_action() {
        let (map, warnings) = KeyMap::from_config(&config(&[("quit", &["y", "Ctrl-q"])]));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            map.keys_for(Action::Quit),
            &[combo("y"), combo("Ctrl-q"), CTRL_C]
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(map.keys_for(Action::Down), &[combo("Down"), combo("j")]);
    }

    #[test]
    fn ctrl_c_always_quits() {
        let (map, warnings) =
            KeyMap::from_config(&config(&[("quit", &[]), ("help", &["Ctrl-c", "F1"])]));
        assert_eq!(
            warnings,
            vec!["[keys] help: Ctrl-c always quits and cannot be rebound"]
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(map.keys_for(Action::Quit), &[CTRL_C]);
        assert_eq!(map.keys_for(Action::Help), &[combo("F1")]);
    }

    #[test]
    fn conflicting_binding_warns_naming_both_actions() {
        let (map, warnings) = KeyMap::from_config(&config(&[("import", &["j"])]));
        assert_eq!(
            warnings,
            vec!["key `j` is bound to both `import` and `down`; using `import`"]
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Import)
        );
        assert_eq!(map.keys_for(Action::Down), &[combo("Down")]);

        // Between two configured actions the earlier one in Action::ALL wins.
        let (map, warnings) = KeyMap::from_config(&config(&[("down", &["y"]), ("up", &["y"])]));
        assert_eq!(
            warnings,
            vec!["key `y` is bound to both `up` and `down`; using `up`"]
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('y'), KeyModifiers::NONE)),
            Some(Action::Up)
        );
    }

    #[test]
    fn unknown_actions_and_bad_keys_warn() {
        let (map, warnings) = KeyMap::from_config(&config(&[
            ("plya", &["p"]),
            ("quitt", &["x"]),
            ("help", &["Hyperspace", "F1"]),
            ("filter", &["Ctrl-"]),
        ]));
        assert_eq!(
            warnings,
            vec![
                "[keys] filter: `Ctrl-`: missing key after the modifier".to_owned(),
                "[keys] filter: no usable key; keeping the defaults".to_owned(),
                format!(
                    "[keys] help: {}",
                    KeyParseError::UnknownKey("Hyperspace".into())
                ),
                "unknown action `plya` in [keys]".to_owned(),
                "unknown action `quitt` in [keys] (did you mean `quit`?)".to_owned(),
            ]
        );
        assert_eq!(map.keys_for(Action::Help), &[combo("F1")]);
        assert_eq!(map.keys_for(Action::Filter), &[combo("/")]);
    }

    #[test]
    fn key_release_triggers_nothing() {
        let map = KeyMap::defaults();
        let mut ev = key(KeyCode::Char('q'), KeyModifiers::NONE);
        ev.kind = KeyEventKind::Release;
        assert_eq!(map.action(&ev), None);
        ev.kind = KeyEventKind::Repeat;
        assert_eq!(map.action(&ev), Some(Action::Quit));
    }

    #[test]
    fn bindings_follow_all_order() {
        let map = KeyMap::defaults();
        let actions: Vec<Action> = map.bindings().into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, Action::ALL);
        assert_eq!(map.keys_label(Action::Up), "Up, k");
    }
}
