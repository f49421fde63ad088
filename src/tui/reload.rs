//! Live reload (issue 7): on the event loop's tick the open scenario file is polled (mtime
//! and size; no watcher crate) by an [`Effect::Poll`] the shell carries out. A change that
//! parses replaces the scenario and keeps the step cursor (clamped); a change that does
//! not keeps the last good version on screen and shows the error (file:line:col) in the
//! status bar until the file is fixed.

use super::app::App;
use super::shell::{Effect, Stamp};
use idscope_core::scenario::Scenario;
use idscope_core::text::visible;
use std::path::{Path, PathBuf};

/// The file being watched.
#[derive(Debug, Clone)]
pub struct Watch {
    pub path: PathBuf,
    /// Index in `app.entries` the file belongs to.
    pub entry: usize,
    stamp: Stamp,
    /// Why the file on disk cannot be shown (the last good version is).
    pub error: Option<String>,
}

impl Watch {
    /// Watches `path` (the file of entry `entry`). The first tick reads the file once and
    /// compares it with what is shown, so a change made before the watch began (between
    /// loading and the first tick, or before the picker opened it) is not missed.
    pub fn new(path: &Path, entry: usize) -> Watch {
        Watch {
            path: path.to_path_buf(),
            entry,
            stamp: None,
            error: None,
        }
    }
}

/// The watch for the open entry's file (a bundled or unsaved scenario has none on disk: its
/// polls find nothing, so it never reloads).
pub fn watch_current(app: &App) -> Option<Watch> {
    let origin = &app.entries.get(app.current)?.origin;
    Some(Watch::new(Path::new(origin), app.current))
}

/// Keeps the watch on the open entry (after the picker opened another one).
fn follow(app: &mut App) {
    // The entry's file can change too (a playground save under another name).
    let origin = app.entries.get(app.current).map(|e| Path::new(&e.origin));
    let same = app
        .watch
        .as_ref()
        .is_some_and(|w| w.entry == app.current && Some(w.path.as_path()) == origin);
    if !same {
        app.watch = watch_current(app);
    }
}

/// One tick: asks the shell whether the open file changed (one `stat` when it did not).
pub fn tick(app: &mut App) -> Vec<Effect> {
    follow(app);
    match &app.watch {
        Some(w) => vec![Effect::Poll {
            path: w.path.clone(),
            last: w.stamp,
        }],
        None => Vec::new(),
    }
}

/// The watched file changed on disk: show the new version unless it is broken or the
/// scenario was edited here since.
pub fn changed(app: &mut App, path: &Path, now: Stamp, loaded: Result<Box<Scenario>, String>) {
    let Some(watch) = app.watch.as_mut().filter(|w| w.path == path) else {
        return;
    };
    watch.stamp = now;
    let entry = watch.entry;
    match loaded.map(|s| *s) {
        Ok(fresh) => {
            if let Some(w) = app.watch.as_mut() {
                w.error = None;
            }
            let on_disk = app
                .entries
                .get(entry)
                .and_then(|e| e.scenario.as_ref().ok());
            let edited = on_disk.is_some_and(|s| *s != app.scenario);
            if fresh == app.scenario {
                if let Some(e) = app.entries.get_mut(entry) {
                    e.scenario = Ok(fresh);
                }
                return;
            }
            if edited {
                app.message = Some(format!(
                    "{} changed on disk; not reloaded over your edits here",
                    visible(&path.display().to_string())
                ));
                return;
            }
            if let Some(e) = app.entries.get_mut(entry) {
                e.scenario = Ok(fresh.clone());
            }
            let cursor = app.cursor;
            let steps = fresh.steps.len();
            app.replace_scenario(fresh, cursor);
            app.message = Some(format!(
                "reloaded {} ({} steps; at step {})",
                visible(&path.display().to_string()),
                steps,
                app.cursor
            ));
        }
        Err(msg) => {
            if let Some(w) = app.watch.as_mut() {
                w.error = Some(format!(
                    "not reloaded, showing the last good version: {msg}"
                ));
            }
            // The status bar shows the error now (a stale "reloaded" would hide it).
            app.message = None;
        }
    }
}

/// The error to keep in the status bar while the file on disk is broken.
pub fn error(app: &App) -> Option<&str> {
    app.watch.as_ref().and_then(|w| w.error.as_deref())
}
