//! The import dialog (`i`: type a folder, Tab completes it) and its preview, where albums are
//! checked and tags fixed before anything is written; and the import job's progress.

use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::app::overlay::preview::{ImportPreview, PreviewOutcome};
use crate::app::{Effect, ImportJob, Level, LibraryRequest, Model, Overlay};
use library::{ImportPlan, ImportReport, LibraryError, PlanReport, text};

/// The dialog asking what to import.
#[derive(Debug)]
pub struct ImportDialog {
    pub path: TextArea<'static>,
    pub error: Option<String>,
}

pub(crate) fn on_progress(
    model: &mut Model,
    done: usize,
    total: usize,
    path: String,
) -> Vec<Effect> {
    model.import = Some(ImportJob {
        done,
        total,
        current: path,
    });
    Vec::new()
}

pub(crate) fn on_finished(
    model: &mut Model,
    result: Result<ImportReport, LibraryError>,
) -> Vec<Effect> {
    model.import = None;
    match result {
        Ok(report) => {
            let level = if report.failed.is_empty() {
                Level::Info
            } else {
                Level::Warning
            };
            let mut text = format!("Import finished: {report}");
            if let Some(first) = report.failed.first() {
                text.push_str(&format!(" — first failure: {first} (all in the log)"));
            }
            model.set_status(level, text);
        }
        Err(e) => model.set_status(Level::Error, format!("import failed: {e}")),
    }
    vec![Effect::Library(LibraryRequest::Load)]
}

pub(crate) fn on_planned(
    model: &mut Model,
    result: Result<ImportPlan, LibraryError>,
) -> Vec<Effect> {
    model.import = None;
    match result {
        Ok(plan) if plan.track_count() == 0 => {
            let text = match plan.failed.first() {
                Some(f) => format!("Nothing to import: {f}"),
                None => "Nothing to import there".to_string(),
            };
            model.set_status(Level::Warning, text);
        }
        Ok(plan) => {
            if let Some(first) = plan.failed.first() {
                let n = plan.failed.len();
                model.set_status(
                    Level::Warning,
                    format!("{n} file(s) could not be read and are left out, e.g. {first}"),
                );
            }
            model.overlay =
                Overlay::ImportPreview(Box::new(ImportPreview::new(plan, model.write_tags)));
        }
        Err(e) => model.set_status(Level::Error, format!("import failed: {e}")),
    }
    Vec::new()
}

pub(crate) fn on_applied(
    model: &mut Model,
    result: Result<PlanReport, LibraryError>,
) -> Vec<Effect> {
    model.import = None;
    match result {
        Ok(report) => {
            let mut text = format!(
                "Imported: {} added, {} updated, {} replaced, {} skipped, tags written to {} files",
                report.added, report.updated, report.replaced, report.skipped, report.tags_written
            );
            let level = match report.failed.first() {
                Some(f) => {
                    text.push_str(&format!("; {} problem(s), e.g. {f}", report.failed.len()));
                    Level::Warning
                }
                None => Level::Info,
            };
            if !report.batch.after.is_empty() {
                model.undo = Some(report.batch);
            }
            model.set_status(level, text);
        }
        Err(e) => model.set_status(Level::Error, format!("import failed: {e}")),
    }
    vec![Effect::Library(LibraryRequest::Load)]
}

pub(crate) fn on_completed(model: &mut Model, path: String) -> Vec<Effect> {
    if let Overlay::Import(dialog) = &mut model.overlay {
        dialog.path = TextArea::new(vec![path]);
        dialog.path.move_cursor(ratatui_textarea::CursorMove::End);
    }
    Vec::new()
}

pub(crate) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Import(dialog) = &mut model.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => model.overlay = Overlay::None,
        KeyCode::Enter => {
            let raw = dialog.path.lines().join("");
            let raw = raw.trim();
            if raw.is_empty() {
                dialog.error = Some("Type the folder or file to import".into());
                return Vec::new();
            }
            let root = expand_home(raw, model.home.as_deref());
            model.overlay = Overlay::None;
            model.import = Some(ImportJob {
                current: root.display().to_string(),
                ..ImportJob::default()
            });
            model.set_status(Level::Info, format!("Reading {}", text::clean(raw)));
            return vec![Effect::Library(LibraryRequest::PlanImport {
                roots: vec![root],
            })];
        }
        KeyCode::Tab => {
            let raw = dialog.path.lines().join("");
            return vec![Effect::CompletePath(
                expand_home(raw.trim(), model.home.as_deref())
                    .display()
                    .to_string(),
            )];
        }
        _ if is_clear_line(&key) => dialog.path = TextArea::default(),
        _ => {
            dialog.path.input(key);
            dialog.error = None;
        }
    }
    Vec::new()
}

/// Ctrl-U empties a text field, as in a shell.
pub(crate) fn is_clear_line(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// `~/…` in a typed path is the home folder the shell found at start.
fn expand_home(raw: &str, home: Option<&Path>) -> PathBuf {
    if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = home
    {
        return home.join(rest);
    }
    PathBuf::from(raw)
}

pub(crate) fn on_preview_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let page = model.viewport.preview.max(1);
    let Overlay::ImportPreview(preview) = &mut model.overlay else {
        return Vec::new();
    };
    match preview.on_key(key, page) {
        PreviewOutcome::Stay => Vec::new(),
        PreviewOutcome::Cancel => {
            model.overlay = Overlay::None;
            model.set_status(Level::Info, "Import cancelled; nothing was changed");
            Vec::new()
        }
        PreviewOutcome::Import => {
            let Overlay::ImportPreview(preview) = std::mem::take(&mut model.overlay) else {
                return Vec::new();
            };
            let n = preview.plan.track_count();
            model.import = Some(ImportJob {
                total: n,
                ..ImportJob::default()
            });
            vec![Effect::Library(LibraryRequest::ApplyPlan {
                plan: Box::new(preview.plan),
                write_tags: preview.write_tags,
            })]
        }
    }
}
