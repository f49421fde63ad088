//! Live reload (issue 7): on the event loop's tick the open scenario file is polled (no
//! watcher crate) by an [`Effect::Poll`] the shell carries out with [`poll`]. A change that
//! parses replaces the scenario and keeps the step cursor (clamped); a change that does
//! not keeps the last good version on screen and shows the error (file:line:col) in the
//! status bar until the file is fixed.
//!
//! Issue 17: the poll never blocks the screen (only regular files are opened, at most
//! [`MAX_SCENARIO_BYTES`] read, on a thread the loop waits for at most a second); a change
//! that keeps mtime and size (`cp -p`) is still seen (the stamp has inode and ctime, and
//! small files are hashed every [`RECHECK_TICKS`] ticks); a deleted file is said so; and
//! a change made while the scenario has unsaved edits is held back, said in the status bar
//! ("changed on disk") and shown once the edits are gone — a save over it asks first (the
//! playground's conflict prompt), after one last look at the disk.

use super::app::App;
use super::shell::{Effect, Outcome};
use idscope_core::scenario::Scenario;
use idscope_core::text::{path_text, visible};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Larger scenario files are not read (a link to `/dev/zero` or a log must not fill memory).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// Every this many ticks (about 2 s when idle) the file is read and hashed even if its stamp
/// did not move: file systems whose times lie are covered too.
pub const RECHECK_TICKS: u32 = 8;
/// The timed recheck reads files up to this size (the stamp covers larger ones).
const RECHECK_BYTES: u64 = 4 << 20;
/// How long the screen waits for a read before giving up on it.
const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// What `stat` said about the file (symlinks followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    /// What it is when it is not a regular file ("a named pipe (FIFO)", …).
    not_regular: Option<&'static str>,
}

#[cfg(unix)]
fn meta(m: &std::fs::Metadata) -> Meta {
    use std::os::unix::fs::MetadataExt;
    Meta {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
        not_regular: idscope_core::atomic::not_regular(m),
    }
}

#[cfg(not(unix))]
fn meta(m: &std::fs::Metadata) -> Meta {
    let t = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| {
            (d.as_secs() as i64, i64::from(d.subsec_nanos()))
        });
    Meta {
        dev: 0,
        ino: 0,
        size: m.len(),
        mtime: t,
        ctime: t,
        not_regular: idscope_core::atomic::not_regular(m),
    }
}

/// The last look at the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Look {
    #[default]
    Never,
    Missing,
    Failed(std::io::ErrorKind),
    Found(Meta),
}

/// How hard a poll looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Check {
    /// Reads only when the stat moved.
    #[default]
    Stat,
    /// Also reads and hashes a small file whose stat did not move (the timed recheck).
    Hash,
    /// Reads and always answers (a save's last look before overwriting).
    Confirm,
}

/// What the watched file looked like when last polled: its stat and the hash of the
/// bytes last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    look: Look,
    hash: Option<u64>,
    check: Check,
}

/// What a poll found, beside the new stamp.
#[derive(Debug)]
pub enum Seen {
    /// The bytes last read (only the stamp moved, or a last look found nothing new).
    Same,
    /// Other bytes: the scenario they hold, or why not (file:line:col).
    Read(Result<Box<Scenario>, String>),
    /// The file is gone.
    Deleted,
    /// Not read: why (not a regular file, too large, unreadable).
    Refused(String),
}

/// The file being watched.
#[derive(Debug, Clone)]
pub struct Watch {
    pub path: PathBuf,
    /// Index in `app.entries` the file belongs to.
    pub entry: usize,
    stamp: Stamp,
    /// The file on disk holds a version not adopted here (neither shown nor saved over).
    external: bool,
    /// That version, when it parses: shown once the scenario has no unsaved edits.
    pending: Option<Box<Scenario>>,
    deleted: bool,
    /// Why the file on disk cannot be shown (the last good version is).
    pub error: Option<String>,
    /// What the status bar keeps saying about the file on disk.
    notice: Option<String>,
    ticks: u32,
}

impl Watch {
    /// Watches `path` (the file of entry `entry`). The first tick reads the file once and
    /// compares it with what is shown, so a change made before the watch began (between
    /// loading and the first tick, or before the picker opened it) is not missed.
    pub fn new(path: &Path, entry: usize) -> Watch {
        Watch {
            path: path.to_path_buf(),
            entry,
            stamp: Stamp::default(),
            external: false,
            pending: None,
            deleted: false,
            error: None,
            notice: None,
            ticks: 0,
        }
    }

    fn refresh_notice(&mut self) {
        let shown = shown(&self.path);
        self.notice = if let Some(e) = &self.error {
            Some(e.clone())
        } else if self.deleted {
            Some(format!(
                "{shown} was deleted on disk; the scenario stays here (s saves it again)"
            ))
        } else if self.external {
            Some(format!(
                "{shown} changed on disk; not reloaded over your edits (undo them to see it, or s: reload / keep mine / save elsewhere)"
            ))
        } else {
            None
        };
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

/// One tick: shows a version held back for edits that are gone now, then asks the shell
/// whether the open file changed (one `stat` when it did not).
pub fn tick(app: &mut App) -> Vec<Effect> {
    follow(app);
    if !edited(app) && app.playground.prompt.is_none() {
        if let Some(fresh) = app.watch.as_mut().and_then(|w| w.pending.take()) {
            show(app, *fresh);
        }
    }
    match app.watch.as_mut() {
        Some(w) => {
            w.ticks = w.ticks.wrapping_add(1);
            let check = if w.ticks % RECHECK_TICKS == 0 {
                Check::Hash
            } else {
                Check::Stat
            };
            vec![Effect::Poll {
                path: w.path.clone(),
                last: Stamp { check, ..w.stamp },
            }]
        }
        None => Vec::new(),
    }
}

/// The scenario differs from the version its file was read as (or has unsaved edits).
fn edited(app: &App) -> bool {
    let Some(w) = &app.watch else {
        return app.dirty;
    };
    let on_disk = app
        .entries
        .get(w.entry)
        .and_then(|e| e.scenario.as_ref().ok());
    app.dirty || on_disk.is_some_and(|s| *s != app.scenario)
}

/// Shows `fresh`, the watched file's version on disk, in place of the scenario.
fn show(app: &mut App, fresh: Scenario) {
    let Some(w) = app.watch.as_mut() else {
        return;
    };
    w.external = false;
    w.pending = None;
    w.refresh_notice();
    let entry = w.entry;
    let shown = shown(&w.path);
    if let Some(e) = app.entries.get_mut(entry) {
        e.scenario = Ok(fresh.clone());
    }
    let steps = fresh.steps.len();
    app.replace_scenario(fresh, app.cursor);
    super::playground::reloaded(app);
    app.message = Some(format!(
        "reloaded {shown} ({steps} steps; at step {})",
        app.cursor
    ));
}

/// What came of a poll: the new version is shown unless it is broken or the scenario was
/// edited here since (then it is held back and said). Ends a save's last look.
pub fn changed(app: &mut App, path: &Path, now: Stamp, seen: Seen) -> Vec<Effect> {
    apply(app, path, now, seen);
    if app.playground.looking() {
        return super::playground::looked(app);
    }
    Vec::new()
}

fn apply(app: &mut App, path: &Path, now: Stamp, seen: Seen) {
    let busy = app.playground.prompt.is_some();
    let edited = edited(app);
    let Some(watch) = app.watch.as_mut().filter(|w| w.path == path) else {
        return;
    };
    let was_deleted = watch.deleted;
    watch.stamp = Stamp {
        check: Check::Stat,
        ..now
    };
    let shown = shown(path);
    let entry = watch.entry;
    match seen {
        Seen::Same => {}
        Seen::Deleted => {
            watch.deleted = true;
            watch.external = false;
            watch.pending = None;
            watch.error = None;
            watch.refresh_notice();
            if !was_deleted {
                app.message = watch.notice.clone();
            }
        }
        Seen::Refused(why) => {
            watch.deleted = false;
            watch.external = true;
            watch.pending = None;
            watch.error = Some(format!("not reloaded: {why}"));
            watch.refresh_notice();
            app.message = None;
        }
        Seen::Read(Err(msg)) => {
            watch.deleted = false;
            watch.external = true;
            watch.pending = None;
            watch.error = Some(format!(
                "not reloaded, showing the last good version: {msg}"
            ));
            watch.refresh_notice();
            // The status bar shows the error now (a stale "reloaded" would hide it).
            app.message = None;
        }
        Seen::Read(Ok(fresh)) => {
            watch.deleted = false;
            watch.error = None;
            let on_disk = app
                .entries
                .get(entry)
                .and_then(|e| e.scenario.as_ref().ok());
            if on_disk == Some(&*fresh) || *fresh == app.scenario {
                // The version read or saved here: nothing new (and the next save may replace it).
                watch.external = false;
                watch.pending = None;
                watch.refresh_notice();
                if let Some(e) = app.entries.get_mut(entry) {
                    e.scenario = Ok(*fresh);
                }
                if was_deleted && !edited {
                    app.message = Some(format!("{shown} is back on disk"));
                }
                return;
            }
            if edited || busy {
                watch.external = true;
                watch.pending = Some(fresh);
                watch.refresh_notice();
                if edited {
                    app.message = Some(format!(
                        "{shown} changed on disk; not reloaded over your edits here"
                    ));
                }
                return;
            }
            show(app, *fresh);
        }
    }
}

/// What to keep in the status bar about the file on disk: broken, refused, deleted, or
/// changed while the scenario has unsaved edits.
pub fn error(app: &App) -> Option<&str> {
    app.watch.as_ref().and_then(|w| w.notice.as_deref())
}

/// Whether `path` names the watched file (`./x`, `x` and the absolute path alike).
pub fn is_watched(app: &App, path: &Path) -> bool {
    app.watch
        .as_ref()
        .is_some_and(|w| normal(&w.path) == normal(path))
}

fn normal(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    abs.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The file on disk holds a version this app has not adopted (a save over it would wipe
/// someone else's change). A deleted file holds nothing to lose.
pub fn changed_on_disk(app: &App) -> bool {
    app.watch.as_ref().is_some_and(|w| w.external && !w.deleted)
}

/// The hash of the version on disk last read (what a conflict prompt showed).
pub fn disk_hash(app: &App) -> Option<u64> {
    app.watch.as_ref().and_then(|w| w.stamp.hash)
}

/// Whether the file was found deleted at the last look.
pub fn deleted(app: &App) -> bool {
    app.watch.as_ref().is_some_and(|w| w.deleted)
}

/// The version on disk that can be reloaded over the edits (None: it does not parse, or
/// nothing new is there).
pub fn pending(app: &App) -> Option<&Scenario> {
    app.watch.as_ref().and_then(|w| w.pending.as_deref())
}

/// Why the file on disk cannot be reloaded, if it is broken or refused.
pub fn disk_error(app: &App) -> Option<&str> {
    app.watch.as_ref().and_then(|w| w.error.as_deref())
}

/// "Reload, drop mine": shows the version on disk held back for the edits. False when
/// there is none.
pub fn reload_now(app: &mut App) -> bool {
    match app.watch.as_mut().and_then(|w| w.pending.take()) {
        Some(fresh) => {
            show(app, *fresh);
            true
        }
        None => false,
    }
}

/// One last look at the watched file before a save replaces it (the answer comes back
/// through [`changed`], which hands it to the playground). Empty without a watch.
pub fn last_look(app: &App) -> Vec<Effect> {
    match &app.watch {
        Some(w) => vec![Effect::Poll {
            path: w.path.clone(),
            last: Stamp {
                check: Check::Confirm,
                ..w.stamp
            },
        }],
        None => Vec::new(),
    }
}

/// A save wrote `bytes` to `path`: when it is the watched file, that is its version now.
pub fn saved(app: &mut App, path: &Path, bytes_hash: u64) {
    if !is_watched(app, path) {
        return;
    }
    if let Some(w) = app.watch.as_mut() {
        w.stamp.hash = Some(bytes_hash);
        w.external = false;
        w.pending = None;
        w.deleted = false;
        w.error = None;
        w.refresh_notice();
    }
}

/// The hash the watch keeps of a file's bytes.
pub fn hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

// ---------------------------------------------------------------------------------------
// The poll itself (carried out by the shell)
// ---------------------------------------------------------------------------------------

fn look(path: &Path) -> Look {
    match std::fs::metadata(path) {
        Ok(m) => Look::Found(meta(&m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Look::Missing,
        Err(e) => Look::Failed(e.kind()),
    }
}

/// One `stat` when nothing changed; a read, hash and parse when the stamp moved (or the
/// timed recheck or a save's last look asks). None when there is nothing to say.
pub fn poll(path: &Path, last: Stamp) -> Option<Outcome> {
    let now = look(path);
    let moved = now != last.look;
    let confirm = last.check == Check::Confirm;
    let stamp = Stamp {
        look: now,
        hash: last.hash,
        check: Check::Stat,
    };
    let (stamp, seen) = match now {
        Look::Never | Look::Missing => {
            let existed = matches!(last.look, Look::Found(_) | Look::Failed(_));
            if !existed && !confirm {
                // Never there (a bundled or unsaved scenario), or already said.
                return None;
            }
            let seen = if existed { Seen::Deleted } else { Seen::Same };
            (
                Stamp {
                    hash: None,
                    ..stamp
                },
                seen,
            )
        }
        _ if !(moved || confirm || recheck(now, last)) => return None,
        Look::Failed(kind) => {
            let why = format!(
                "cannot look at {}: {}",
                shown(path),
                std::io::Error::from(kind)
            );
            (stamp, Seen::Refused(why))
        }
        Look::Found(m) if m.not_regular.is_some() || m.size > MAX_SCENARIO_BYTES => {
            // Not opened at all: opening a FIFO waits for a writer, a device may never end.
            let why = match m.not_regular {
                Some(what) => not_regular(path, what),
                None => too_large(path),
            };
            (stamp, Seen::Refused(why))
        }
        Look::Found(_) => match read_regular(path) {
            // A timed recheck that cannot read says nothing: the stat did not move.
            Err(_) if !(moved || confirm) => return None,
            Err(why) => (stamp, Seen::Refused(why)),
            Ok((read, bytes)) => {
                let h = hash(&bytes);
                let stamp = Stamp {
                    look: Look::Found(read),
                    hash: Some(h),
                    check: Check::Stat,
                };
                if Some(h) != last.hash {
                    (stamp, Seen::Read(parse(path, &bytes)))
                } else if moved || confirm {
                    (stamp, Seen::Same)
                } else {
                    return None;
                }
            }
        },
    };
    Some(Outcome::Changed {
        path: path.to_path_buf(),
        stamp,
        seen,
    })
}

/// The timed recheck reads a small regular file whose stat did not move.
fn recheck(now: Look, last: Stamp) -> bool {
    let Look::Found(m) = now else {
        return false;
    };
    last.check == Check::Hash && m.not_regular.is_none() && m.size <= RECHECK_BYTES
}

fn shown(path: &Path) -> String {
    visible(&path_text(path)).into_owned()
}

/// Reads a regular file of at most [`MAX_SCENARIO_BYTES`], on a thread of its own: should
/// the file become a FIFO between the `stat` and the `open` (which would then wait for a
/// writer forever), the screen gives up after [`READ_TIMEOUT`] and stays live.
fn read_regular(path: &Path) -> Result<(Meta, Vec<u8>), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("idscope-reload".into())
        .spawn(move || {
            let _ = tx.send(read_now(&p));
        });
    if spawned.is_err() {
        // No thread to spare: the stat said regular, read here.
        return read_now(path);
    }
    rx.recv_timeout(READ_TIMEOUT).unwrap_or_else(|_| {
        Err(format!(
            "{} did not answer within {} s; expected a regular scenario file",
            shown(path),
            READ_TIMEOUT.as_secs()
        ))
    })
}

/// Opens `path`, checks the file opened (not the name) is regular and small enough, and
/// reads it.
fn read_now(path: &Path) -> Result<(Meta, Vec<u8>), String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", shown(path));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let m = file.metadata().map_err(cannot)?;
    let m = meta(&m);
    if let Some(what) = m.not_regular {
        return Err(not_regular(path, what));
    }
    if m.size > MAX_SCENARIO_BYTES {
        return Err(too_large(path));
    }
    let mut bytes = Vec::with_capacity(m.size as usize);
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large(path));
    }
    Ok((m, bytes))
}

fn not_regular(path: &Path, what: &str) -> String {
    format!(
        "{} is {what}; expected a regular scenario file",
        shown(path)
    )
}

fn too_large(path: &Path) -> String {
    format!(
        "{} is larger than {}; expected a scenario file (they are read up to that size)",
        shown(path),
        idscope_core::text::human_size(MAX_SCENARIO_BYTES)
    )
}

/// The scenario in `bytes` (as `load::load_file` reads it), or why not.
fn parse(path: &Path, bytes: &[u8]) -> Result<Box<Scenario>, String> {
    let file = path_text(path);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: the file is not UTF-8 (invalid byte at offset {}); expected JSON text",
            visible(&file),
            e.valid_up_to()
        )
    })?;
    idscope_core::scenario::parse(text, &file)
        .map(Box::new)
        .map_err(|e| visible(&e.to_string()).into_owned())
}
