//! A disc's titles as CSV: `device titles export`, `device archive` and `w` in the Device pane
//! write it; `device titles import` and `W` read it back. One row for the disc (`disc` in the
//! track column), then one per track: track, title, full-width title, group, mode, duration. On
//! import only the track, title, full-width title and group columns change the disc; a mode
//! that differs from the disc's says the file belongs to another disc.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use netmd::title_sheet::{SheetTrack, TitleSheet};
use netmd::{DiscInfo, TrackInfo, format_ms};

const HEADER: [&str; 6] = [
    "track",
    "title",
    "full_width_title",
    "group",
    "mode",
    "duration",
];
/// The track cell of the row holding the disc title.
const DISC_ROW: &str = "disc";

fn mode_label(t: &TrackInfo) -> String {
    if t.channels == 1 {
        format!("{} mono", t.mode.label())
    } else {
        t.mode.label().to_owned()
    }
}

/// The CSV of a disc's titles, as the disc holds them.
pub(crate) fn to_csv(disc: &DiscInfo) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    w.write_record([DISC_ROW, &disc.title, &disc.full_width_title, "", "", ""])?;
    for t in &disc.tracks {
        let group = t
            .group
            .and_then(|g| disc.groups.get(g))
            .map_or("", |g| g.title.as_str());
        w.write_record([
            &t.number.to_string(),
            &t.title,
            &t.full_width_title,
            group,
            &mode_label(t),
            &format_ms(t.duration_ms),
        ])?;
    }
    w.into_inner().context("cannot write CSV")
}

/// Writes the CSV to `path` through a temporary file and a rename.
pub(crate) fn write_file(path: &Path, disc: &DiscInfo) -> anyhow::Result<()> {
    let bytes = to_csv(disc)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".ministage-titles-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(&bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The titles a CSV gives `disc`, or every line that does not fit it (numbered as in the file,
/// text cleaned for the terminal).
pub(crate) fn parse(bytes: &[u8], disc: &DiscInfo) -> Result<TitleSheet, Vec<String>> {
    let clean = library::text::clean;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("not a CSV file: {e}")]),
    };
    let column = |name: &str| {
        header.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let (Some(track_col), Some(title_col)) = (column("track"), column("title")) else {
        return Err(vec![format!(
            "line 1: the first line must name the columns ({}); it has {}",
            HEADER.join(","),
            clean(&header.iter().collect::<Vec<_>>().join(","))
        )]);
    };
    let full_col = column("full_width_title");
    let group_col = column("group");
    let mode_col = column("mode");

    let mut sheet = TitleSheet::default();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(clean(&e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
        let key = cell(Some(track_col)).trim();
        if key.is_empty() && record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if key.eq_ignore_ascii_case(DISC_ROW) {
            sheet.disc = Some((cell(Some(title_col)).to_owned(), cell(full_col).to_owned()));
            continue;
        }
        let Some(t) = key
            .parse::<u32>()
            .ok()
            .and_then(|n| disc.tracks.iter().find(|t| t.number == n))
        else {
            errors.push(format!(
                "line {line}: {:?} is not a track on the disc (it has {} tracks)",
                clean(key),
                disc.tracks.len()
            ));
            continue;
        };
        if !seen.insert(t.number) {
            errors.push(format!("line {line}: track {} is listed twice", t.number));
            continue;
        }
        let mode = cell(mode_col).trim();
        if !mode.is_empty() && !mode.eq_ignore_ascii_case(&mode_label(t)) {
            errors.push(format!(
                "line {line}: track {} is {} on the disc, not {} (is this file of another disc?)",
                t.number,
                mode_label(t),
                clean(mode)
            ));
            continue;
        }
        sheet.tracks.push(SheetTrack {
            number: t.number,
            title: cell(Some(title_col)).to_owned(),
            full_width_title: cell(full_col).to_owned(),
            group: cell(group_col).to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(sheet)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netmd::{Recorder, VirtualDeck, VirtualDisc};

    /// The demo disc (groups, full-width and Shift-JIS titles), with commas and quotes.
    fn disc() -> DiscInfo {
        let mut demo = VirtualDisc::demo(80, false);
        demo.tracks[0].title = "One, two".into();
        demo.tracks[5].title = "Say \"hi\"".into();
        demo.title = "0;Mix, \"live\"//1-3;Side A//4-5;ｻｲﾄﾞ B//".into();
        let mut r = Recorder::open(VirtualDeck::in_memory(demo)).unwrap();
        r.read_disc().unwrap()
    }

    #[test]
    fn exports_and_reads_back_the_same_titles() {
        let d = disc();
        let csv = to_csv(&d).unwrap();
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(text.starts_with("track,title,full_width_title,group,mode,duration\n"));
        assert!(
            text.contains("disc,\"Mix, \"\"live\"\"\",ミニステージ・デモ,,,\n"),
            "{text}"
        );
        assert!(text.contains("4,??ﾉ?,東京の夜,ｻｲﾄﾞ B,LP2,4:14\n"), "{text}");
        assert!(
            text.contains("6,\"Say \"\"hi\"\"\",,,SP mono,1:35\n"),
            "{text}"
        );
        let sheet = parse(&csv, &d).unwrap();
        assert_eq!(
            sheet.disc,
            Some(("Mix, \"live\"".to_owned(), "ミニステージ・デモ".to_owned()))
        );
        assert_eq!(sheet.tracks.len(), 6);
        assert_eq!(sheet.tracks[0].title, "One, two");
        assert_eq!(sheet.tracks[3].full_width_title, "東京の夜");
        assert_eq!(sheet.tracks[3].group, "ｻｲﾄﾞ B");
        assert_eq!(sheet.tracks[5].title, "Say \"hi\"");
        // Read back onto the disc, the sheet changes nothing.
        let mut r = Recorder::open(VirtualDeck::in_memory(VirtualDisc::demo(80, false))).unwrap();
        let demo = r.read_disc().unwrap();
        let sheet = parse(&to_csv(&demo).unwrap(), &demo).unwrap();
        let planned = r.plan(&netmd::EditRequest::SetTitles(sheet)).unwrap();
        assert!(
            planned.edit.steps().is_empty(),
            "{:?}",
            planned.edit.steps()
        );
    }

    #[test]
    fn lines_that_do_not_fit_the_disc_are_named() {
        let d = disc();
        let csv = "track,title,mode\n1,A,SP\n9,Nine,\n3,B,SP\nx,What,\n1,Again,\n";
        let errors = parse(csv.as_bytes(), &d).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with("line 3: \"9\" is not a track"),
            "{errors:?}"
        );
        assert!(errors[1].starts_with("line 4: track 3 is LP2 on the disc, not SP"));
        assert!(errors[2].starts_with("line 5: \"x\""));
        assert!(errors[3].starts_with("line 6: track 1 is listed twice"));
        assert!(parse(b"name,artist\nx,y\n", &d).unwrap_err()[0].starts_with("line 1:"));
    }
}
