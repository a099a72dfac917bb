//! Every `ministage device` subcommand against the virtual deck (`--device virtual:PATH` in a
//! temporary folder): what one run writes, the next run reads back.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Deck {
    dir: tempfile::TempDir,
}

impl Deck {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("deck.json")
    }

    fn run_with(&self, args: &[&str], faults: Option<&str>) -> Output {
        let home = self.dir.path().join("home");
        let device = format!("virtual:{}", self.path().display());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ministage"));
        cmd.args(args)
            .args(["--device", &device])
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("MINISTAGE_DEVICE")
            .env_remove("MINISTAGE_LIBRARY")
            .env_remove("MINISTAGE_CONFIG");
        match faults {
            Some(f) => cmd.env("MINISTAGE_VIRTUAL_FAULTS", f),
            None => cmd.env_remove("MINISTAGE_VIRTUAL_FAULTS"),
        };
        cmd.output().expect("run ministage")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None)
    }

    /// Runs and insists on success.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn info(&self) -> Value {
        serde_json::from_str(&self.ok(&["device", "info", "--json"])).expect("json")
    }

    fn init(&self, extra: &[&str]) {
        let path = self.path();
        let mut args = vec!["device", "init-virtual", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.ok(&args);
    }
}

fn titles(info: &Value) -> Vec<String> {
    info["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

fn groups(info: &Value) -> Vec<(String, u64, u64)> {
    info["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["title"].as_str().unwrap().to_string(),
                g["first"].as_u64().unwrap(),
                g["last"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn info_json_has_exactly_the_documented_shape() {
    let deck = Deck::new();
    deck.init(&["--demo", "--minutes", "74"]);
    let info = deck.info();
    let mut keys: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["capacity", "groups", "title", "tracks", "write_protected"]
    );
    assert_eq!(info["title"], "Ministage Demo");
    assert_eq!(info["write_protected"], false);
    let track = &info["tracks"][3];
    let mut keys: Vec<&str> = track
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "channels",
            "duration_ms",
            "full_width_title",
            "mode",
            "number",
            "protected",
            "title"
        ]
    );
    assert_eq!(track["number"], 4);
    assert_eq!(track["full_width_title"], "東京の夜");
    assert_eq!(track["mode"], "LP2");
    assert_eq!(track["channels"], 2);
    assert_eq!(track["duration_ms"], 254_000);
    assert_eq!(track["protected"], false);
    assert_eq!(info["tracks"][4]["mode"], "LP4");
    assert_eq!(info["tracks"][5]["channels"], 1);
    assert_eq!(
        groups(&info),
        vec![("Side A".into(), 1, 3), ("ｻｲﾄﾞ B".into(), 4, 5)]
    );
    let cap = &info["capacity"];
    assert_eq!(cap["total_ms"], 74 * 60_000);
    assert_eq!(
        cap["used_ms"].as_u64().unwrap() + cap["free_ms"].as_u64().unwrap(),
        74 * 60_000
    );
    let text = deck.ok(&["device", "info"]);
    assert!(
        text.contains("Morning Light") && text.contains("LP4") && text.contains("title cells"),
        "{text}"
    );
}

#[test]
fn edits_round_trip_through_the_cli() {
    let deck = Deck::new();
    deck.init(&["--demo"]);
    let before = titles(&deck.info());

    deck.ok(&["device", "rename", "1", "Sunrise"]);
    let out = deck.run(&["device", "rename", "2", "ラーメン"]);
    assert!(out.status.success());
    deck.ok(&["device", "rename-disc", "New Disc"]);
    let info = deck.info();
    assert_eq!(info["title"], "New Disc");
    assert_eq!(info["tracks"][0]["title"], "Sunrise");
    assert_eq!(info["tracks"][1]["title"], "ﾗｰﾒﾝ");
    assert_eq!(info["tracks"][1]["full_width_title"], "ラーメン");
    assert_eq!(groups(&info).len(), 2);

    deck.ok(&["device", "group", "delete", "2"]);
    deck.ok(&["device", "group", "create", "5", "6", "Tail"]);
    deck.ok(&["device", "group", "rename", "1", "Head"]);
    assert_eq!(
        groups(&deck.info()),
        vec![("Head".into(), 1, 3), ("Tail".into(), 5, 6)]
    );

    deck.ok(&["device", "move", "6", "1"]);
    let info = deck.info();
    assert_eq!(titles(&info)[0], before[5]);
    assert_eq!(
        groups(&info),
        vec![("Head".into(), 2, 4), ("Tail".into(), 6, 6)]
    );

    deck.ok(&["device", "delete", "2", "6"]);
    let info = deck.info();
    assert_eq!(titles(&info).len(), 4);
    assert_eq!(groups(&info), vec![("Head".into(), 2, 3)]);

    for args in [
        &["device", "goto", "2"][..],
        &["device", "play"],
        &["device", "pause"],
        &["device", "next"],
        &["device", "prev"],
        &["device", "stop"],
        &["device", "seek", "1", "0:30"],
        &["device", "status"],
    ] {
        deck.ok(args);
    }

    let refused = deck.run(&["device", "erase"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(titles(&deck.info()).len(), 4);
    deck.ok(&["device", "erase", "--yes"]);
    let info = deck.info();
    assert!(titles(&info).is_empty());
    assert_eq!(info["title"], "");
}

#[test]
fn refusals_are_clear_and_change_nothing() {
    let deck = Deck::new();
    deck.init(&["--demo", "--write-protected"]);
    let out = deck.run(&["device", "rename", "1", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("write-protected"));

    let deck = Deck::new();
    deck.init(&["--demo"]);
    let out = deck.run(&["device", "rename", "9", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("track 9 does not exist"));
    let out = deck.run(&["device", "group", "create", "2", "4", "Overlap"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in group 1"));
    let out = deck.run_with(&["device", "delete", "1"], Some("reject=1840"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("delete track: the recorder rejected"));
    assert_eq!(titles(&deck.info()).len(), 6);
}

#[test]
fn a_disconnect_mid_read_fails_cleanly_then_reloads() {
    let deck = Deck::new();
    deck.init(&["--demo"]);
    let out = deck.run_with(&["device", "info", "--json"], Some("disconnect-after=40"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disconnected"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(titles(&deck.info()).len(), 6);
}

#[test]
fn usb_trace_records_the_virtual_deck() {
    let deck = Deck::new();
    deck.init(&["--demo"]);
    let trace = deck.dir.path().join("trace.jsonl");
    deck.ok(&[
        "device",
        "rename",
        "2",
        "Renamed",
        "--usb-trace",
        trace.to_str().unwrap(),
    ]);
    let lines = read_lines(&trace);
    assert_eq!(lines[0]["kind"], "open");
    assert!(lines.iter().any(|l| {
        l["kind"] == "ctrlOUT"
            && l["data"]
                .as_str()
                .is_some_and(|d| d.starts_with("00180702201802000130000a0050"))
    }));
    assert!(lines.iter().all(|l| l.get("kind").is_some()));
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn init_virtual_makes_a_blank_disc() {
    let deck = Deck::new();
    deck.init(&["--minutes", "60"]);
    let info = deck.info();
    assert!(titles(&info).is_empty());
    assert_eq!(info["capacity"]["total_ms"], 3_600_000);
    assert_eq!(info["capacity"]["free_ms"], 3_600_000);
    let bad = deck.run(&["device", "init-virtual", "x.json", "--minutes", "90"]);
    assert!(!bad.status.success());
}
