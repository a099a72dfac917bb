//! `ministage device titles export|import` on a virtual deck: titles with commas, quotes and
//! CJK text, full-width titles and groups go out and come back as one change; a file that does
//! not fit the disc (a line naming no track, a split group, more text than the title cells
//! hold) changes nothing and says why.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Output;

#[path = "common/device_cmd.rs"]
mod device_cmd;

use device_cmd::ministage_on;

struct Deck {
    dir: tempfile::TempDir,
}

impl Deck {
    fn demo() -> Self {
        let d = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        d.ok(&[
            "device",
            "init-virtual",
            d.path().to_str().unwrap(),
            "--demo",
        ]);
        d
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("deck.json")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        ministage_on(&self.path(), self.dir.path(), args, None)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        device_cmd::succeeded(args, self.run(args))
    }

    fn export(&self, name: &str) -> String {
        let file = self.file(name);
        self.ok(&["device", "titles", "export", file.to_str().unwrap()]);
        std::fs::read_to_string(file).unwrap()
    }

    /// Imports `csv`; returns whether it succeeded and what it said on standard error.
    fn import(&self, csv: &str) -> (bool, String) {
        let file = self.file("import.csv");
        std::fs::write(&file, csv).unwrap();
        let out = self.run(&["device", "titles", "import", file.to_str().unwrap()]);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn info(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["device", "info", "--json"]).stdout).unwrap()
    }
}

const EDITED: &str = "\
track,title,full_width_title,group,mode,duration
disc,\"Summer, \"\"live\"\"\",夏のライブ,,,
1,\"Hello, world\",,\"A, side\",SP,3:35
2,\"Say \"\"hi\"\"\",,\"A, side\",SP,3:07
3,Yoake,夜明けの歌,Rest,LP2,5:01
4,Tokyo,東京の夜,Rest,LP2,4:14
5,Long Drive,,Rest,LP4,10:12
6,\"Field, recording\",,,SP mono,1:35
";

#[test]
fn titles_groups_and_cjk_round_trip() {
    let deck = Deck::demo();
    let (ok, err) = deck.import(EDITED);
    assert!(ok, "{err}");
    // What was imported is what is exported.
    assert_eq!(deck.export("again.csv"), EDITED);
    let info = deck.info();
    assert_eq!(info["title"], "Summer, \"live\"");
    assert_eq!(info["tracks"][2]["full_width_title"], "夜明けの歌");
    assert_eq!(info["tracks"][1]["title"], "Say \"hi\"");
    let groups = info["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(
        (&groups[0]["title"], &groups[0]["first"], &groups[0]["last"]),
        (&"A, side".into(), &1.into(), &2.into())
    );
    assert_eq!(
        (&groups[1]["title"], &groups[1]["first"], &groups[1]["last"]),
        (&"Rest".into(), &3.into(), &5.into())
    );

    // CJK in the title column alone gets a full-width title made from it.
    let (ok, err) = deck.import("track,title\n5,長い道\n");
    assert!(ok, "{err}");
    assert_eq!(deck.info()["tracks"][4]["full_width_title"], "長い道");
}

#[test]
fn lines_that_fit_no_track_are_named_and_nothing_changes() {
    let deck = Deck::demo();
    let before = deck.info();
    let (ok, err) = deck.import(
        "track,title,full_width_title,group,mode,duration\n1,Fine,,,SP,\n9,Nine,,,,\n3,Wrong mode,,,SP,\n",
    );
    assert!(!ok);
    assert!(
        err.contains("line 3: \"9\" is not a track on the disc (it has 6 tracks)"),
        "{err}"
    );
    assert!(
        err.contains("line 4: track 3 is LP2 on the disc, not SP"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(deck.info(), before);
}

#[test]
fn a_split_group_is_refused_whole() {
    let deck = Deck::demo();
    let before = deck.info();
    let (ok, err) = deck.import("track,title,group\n1,One,X\n2,Two,Y\n3,Three,X\n");
    assert!(!ok);
    assert!(err.contains("group \"X\" is split: track 3"), "{err}");
    assert_eq!(deck.info(), before);
}

#[test]
fn titles_that_overflow_the_title_cells_are_refused_whole() {
    let deck = Deck::demo();
    let before = deck.info();
    let long = "x".repeat(400);
    let mut csv = String::from("track,title\n");
    for n in 1..=6 {
        csv.push_str(&format!("{n},{long}\n"));
    }
    let (ok, err) = deck.import(&csv);
    assert!(!ok);
    assert!(err.contains("not enough title space"), "{err}");
    assert_eq!(deck.info(), before, "not one title was written");
    // The same titles, short enough, go in.
    let (ok, err) = deck.import(&csv.replace(&long, &"x".repeat(100)));
    assert!(ok, "{err}");
}
