//! Live reload (issue 7): the open scenario file is polled on the event loop's tick (mtime
//! and size; no watcher crate). A change that parses replaces the scenario and keeps the
//! step cursor (clamped); a change that does not keeps the last good version on screen and
//! shows the error (file:line:col) in the status bar until the file is fixed.

use super::app::App;
use idscope_core::load::load_file;
use idscope_core::text::visible;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a file looked like when last read.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

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

/// The watch for the open entry, if it is a file on disk.
pub fn watch_current(app: &App) -> Option<Watch> {
    let origin = &app.entries.get(app.current)?.origin;
    let path = Path::new(origin);
    path.is_file().then(|| Watch::new(path, app.current))
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

/// One tick: reloads when the file changed. Cheap when nothing changed (one `stat`).
pub fn tick(app: &mut App) {
    follow(app);
    let Some(watch) = app.watch.as_mut() else {
        return;
    };
    let now = stamp(&watch.path);
    if now == watch.stamp || now.is_none() {
        return;
    }
    watch.stamp = now;
    let path = watch.path.clone();
    let entry = watch.entry;
    match load_file(&path) {
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
        Err(e) => {
            let msg = visible(&e.to_string()).into_owned();
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
