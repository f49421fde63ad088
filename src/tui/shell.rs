//! The one terminal shell every screen runs in (the scenario explorer and the export view):
//! raw mode and the alternate screen via `ratatui::init`, optional mouse capture, and the
//! event loop draw → read → update → effects. The terminal is restored on quit, on error
//! and on panic.
//!
//! Screens stay pure: their `update` returns [`Effect`]s and the loop carries them out —
//! copies, file writes, reload polls and heavy jobs — then hands back what came of each as
//! an [`Outcome`]. [`settle`] does the part that needs no terminal, so tests drive screens
//! through the same code path as the loop.

use super::panic_key;
use crate::clipboard::Backend;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use idscope_core::atomic::{write_atomic, WriteError};
use idscope_core::model::Mode;
use idscope_core::scenario::Scenario;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::VecDeque;
use std::io::stdout;
use std::path::{Path, PathBuf};
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
    /// Heavy work, done after the next frame so the screen can say it is busy.
    Job(Job),
}

/// Heavy work a screen asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The export view resolves the export under a mode it has not resolved yet.
    Resolve(Mode),
}

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
    /// A job's result, for the screen that asked.
    Resolved(Mode, Box<super::export_view::Resolved>),
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
    /// Does a job the screen asked for; reads the screen, never changes it.
    fn run_job(&self, _job: Job) -> Option<Outcome> {
        None
    }
    fn render(&self, area: Rect, buf: &mut Buffer);
    /// The terminal size changed (also sent once at start).
    fn resize(&mut self, width: u16, height: u16) -> Vec<Effect>;
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
        let first = screen.resize(size.width, size.height);
        let mut pending: VecDeque<Effect> = settle(screen, first).into();
        loop {
            terminal.draw(|f| screen.render(f.area(), f.buffer_mut()))?;
            // Terminal effects, in order; a job runs after the frame that says it is busy.
            let mut drew = true;
            while let Some(effect) = pending.pop_front() {
                let more: Vec<Effect> = match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Copy { what, data } => {
                        // OSC 52 must reach the real terminal: stdout, between frames.
                        let message =
                            super::copy::execute(screen.clipboard(), &what, &data, &mut stdout());
                        screen.on_outcome(Outcome::Copied(message))
                    }
                    Effect::Job(job) if !drew => {
                        pending.push_front(Effect::Job(job));
                        break;
                    }
                    Effect::Job(job) => {
                        drew = false;
                        match screen.run_job(job) {
                            Some(outcome) => screen.on_outcome(outcome),
                            None => Vec::new(),
                        }
                    }
                    // `settle` carried out the rest.
                    Effect::Write { .. } | Effect::Poll { .. } => Vec::new(),
                };
                pending.extend(settle(screen, more));
            }
            if !pending.is_empty() {
                continue;
            }
            // Poll so the open file can be checked for changes while idle (live reload).
            let effects: Vec<Effect> = if event::poll(Duration::from_millis(250))? {
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
