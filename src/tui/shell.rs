//! The one terminal shell every screen runs in (the scenario explorer and the export view):
//! raw mode and the alternate screen via `ratatui::init`, optional mouse capture, and the
//! event loop draw → read → update → effects. The terminal is restored on quit, on error
//! and on panic.
//!
//! Screens stay pure: their `update` returns [`Effect`]s and the loop carries them out —
//! copies, file writes, reload polls and heavy jobs (on threads of their own, so the screen
//! stays live) — then hands back what came of each as an [`Outcome`]. [`settle`] does the part that needs no terminal, so tests drive screens
//! through the same code path as the loop.

use super::export_view::Resolved;
use super::panic_key;
use crate::clipboard::Backend;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use idscope_core::atomic::{write_atomic, WriteError};
use idscope_core::export_index::Index;
use idscope_core::model::Mode;
use idscope_core::scenario::Scenario;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::io::stdout;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

/// What a file looked like when last read: (modified, size).
pub type Stamp = Option<(SystemTime, u64)>;

/// Why a file is written (where its outcome goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// The playground saves the scenario.
    Scenario,
    /// The export menu writes an export.
    Export,
}

/// What a screen's `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave (restore the terminal, exit 0).
    Quit,
    /// Copy `data` with the clipboard backends; `what` names it for the status message.
    Copy { what: String, data: Vec<u8> },
    /// Write `bytes` to `path` atomically; without `overwrite` an existing file is kept.
    Write {
        kind: WriteKind,
        path: PathBuf,
        bytes: Vec<u8>,
        overwrite: bool,
    },
    /// Check whether the scenario file at `path` changed since `last` (live reload).
    Poll { path: PathBuf, last: Stamp },
    /// Heavy work, done on a thread of its own while the screen stays live; its outcome
    /// comes back through [`Screen::on_outcome`].
    Job(Job),
}

/// Heavy work a screen asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The export view's first pass: where each event is, and the export under a mode.
    Index(Mode),
    /// The export view resolves the export under a mode it has not resolved yet.
    Resolve(Mode),
    /// The export view compares two modes it has resolved (a migration diff).
    Diff(Mode, Mode),
}

/// A job's work, ready to run on another thread.
pub type Task = Box<dyn FnOnce() -> Outcome + Send + 'static>;

/// What came of an effect, handed back to the screen.
#[derive(Debug)]
pub enum Outcome {
    /// The copy was attempted; the status message says how it went.
    Copied(String),
    Written {
        kind: WriteKind,
        path: PathBuf,
        result: Result<(), WriteError>,
    },
    /// The watched file changed: its new stamp, and the scenario it now holds (or why not).
    Changed {
        path: PathBuf,
        stamp: Stamp,
        scenario: Result<Box<Scenario>, String>,
    },
    /// The export view's first pass (or why the export could not be read).
    Indexed(Result<Box<(Index, Resolved)>, String>),
    /// A mode resolved (or why not).
    Resolved(Mode, Result<Box<Resolved>, String>),
    /// Two modes compared (from, to).
    Diffed(Mode, Mode, Result<Box<idscope_core::diff::Diff>, String>),
}

/// A screen the shell can run.
pub trait Screen {
    /// A terminal event (key, mouse, resize): mapped through the screen's key table and
    /// applied.
    fn on_event(&mut self, ev: &Event) -> Vec<Effect>;
    /// The loop's idle tick (every 250 ms without input).
    fn on_tick(&mut self) -> Vec<Effect>;
    /// What came of an effect the loop carried out.
    fn on_outcome(&mut self, outcome: Outcome) -> Vec<Effect>;
    /// The work of a job the screen asked for, to run on another thread; it reads what it
    /// needs from shared data, never the screen.
    fn start_job(&self, _job: Job) -> Option<Task> {
        None
    }
    fn render(&self, area: Rect, buf: &mut Buffer);
    /// The terminal size changed (also sent once at start).
    fn resize(&mut self, width: u16, height: u16) -> Vec<Effect>;
    /// What to do once the first frame can be drawn (e.g. start reading a large file).
    fn start(&mut self) -> Vec<Effect> {
        Vec::new()
    }
    /// Capture the mouse.
    fn mouse(&self) -> bool {
        false
    }
    /// Where copies go.
    fn clipboard(&self) -> &[Backend] {
        &[]
    }
}

/// Carries out the effects that need no terminal — file writes and reload polls — and feeds
/// their outcomes back to the screen, until only effects for the terminal loop remain
/// (quit, copy, jobs), which are returned in order.
pub fn settle<S: Screen + ?Sized>(screen: &mut S, effects: Vec<Effect>) -> Vec<Effect> {
    let mut queue: VecDeque<Effect> = effects.into();
    let mut rest = Vec::new();
    while let Some(effect) = queue.pop_front() {
        let outcome = match effect {
            Effect::Write {
                kind,
                path,
                bytes,
                overwrite,
            } => {
                let result = write_atomic(&path, &bytes, overwrite);
                Some(Outcome::Written { kind, path, result })
            }
            Effect::Poll { path, last } => poll(&path, last),
            other => {
                rest.push(other);
                None
            }
        };
        if let Some(o) = outcome {
            queue.extend(screen.on_outcome(o));
        }
    }
    rest
}

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// One `stat` when nothing changed; a read and parse when the stamp moved.
fn poll(path: &Path, last: Stamp) -> Option<Outcome> {
    let now = stamp(path);
    if now == last || now.is_none() {
        return None;
    }
    let scenario = idscope_core::load::load_file(path)
        .map(Box::new)
        .map_err(|e| idscope_core::text::visible(&e.to_string()).into_owned());
    Some(Outcome::Changed {
        path: path.to_path_buf(),
        stamp: now,
        scenario,
    })
}

/// Runs `screen` until it quits. Call `color_eyre::install()` first.
pub fn run<S: Screen>(screen: &mut S) -> color_eyre::Result<()> {
    // Own the NO_COLOR decision (the mono theme sets no colours); crossterm's stripping
    // would emit `ESC[;m` and reset REVERSED/BOLD.
    crossterm::style::Colored::set_ansi_color_disabled(false);
    let mut terminal = ratatui::try_init()?;
    let mouse = screen.mouse();
    if mouse {
        // ratatui's panic hook restores raw mode and the screen; add mouse release before it.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            previous(info);
        }));
        if let Err(e) = execute!(stdout(), EnableMouseCapture) {
            ratatui::restore();
            return Err(e.into());
        }
    }
    let result = (|| -> color_eyre::Result<()> {
        let size = terminal.size()?;
        let mut first = screen.resize(size.width, size.height);
        first.extend(screen.start());
        let mut pending: VecDeque<Effect> = settle(screen, first).into();
        // Jobs run on threads of their own and send their outcomes here.
        let (done_tx, done_rx) = mpsc::channel::<Outcome>();
        let mut running = 0usize;
        loop {
            terminal.draw(|f| screen.render(f.area(), f.buffer_mut()))?;
            // Terminal effects, in order.
            while let Some(effect) = pending.pop_front() {
                let more: Vec<Effect> = match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Copy { what, data } => {
                        // OSC 52 must reach the real terminal: stdout, between frames.
                        let message =
                            super::copy::execute(screen.clipboard(), &what, &data, &mut stdout());
                        screen.on_outcome(Outcome::Copied(message))
                    }
                    Effect::Job(job) => {
                        if let Some(task) = screen.start_job(job) {
                            running += 1;
                            let tx = done_tx.clone();
                            std::thread::spawn(move || {
                                let _ = tx.send(task());
                            });
                        }
                        Vec::new()
                    }
                    // `settle` carried out the rest.
                    Effect::Write { .. } | Effect::Poll { .. } => Vec::new(),
                };
                pending.extend(settle(screen, more));
            }
            // What finished, then input; while jobs run, tick faster so progress moves.
            while let Ok(outcome) = done_rx.try_recv() {
                running -= 1;
                let more = screen.on_outcome(outcome);
                pending.extend(settle(screen, more));
            }
            if !pending.is_empty() {
                continue;
            }
            let wait = if running > 0 { 100 } else { 250 };
            let effects: Vec<Effect> = if event::poll(Duration::from_millis(wait))? {
                let ev = event::read()?;
                panic_key::check(&ev);
                screen.on_event(&ev)
            } else {
                screen.on_tick()
            };
            pending.extend(settle(screen, effects));
        }
    })();
    if mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// Does a job at once on this thread and hands its outcome to the screen (tests and
/// benches, which have no loop); returns what the screen asked for next.
pub fn run_job_now<S: Screen + ?Sized>(screen: &mut S, job: Job) -> Vec<Effect> {
    match screen.start_job(job) {
        Some(task) => {
            let more = screen.on_outcome(task());
            settle(screen, more)
        }
        None => Vec::new(),
    }
}
