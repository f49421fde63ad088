//! The one terminal shell every screen runs in (the scenario explorer and the export view):
//! raw mode and the alternate screen via `ratatui::init`, optional mouse capture, and the
//! event loop draw → read → update → effects. The terminal is restored on quit, on error,
//! on panic and on a signal that ends the app; Ctrl-Z and SIGTSTP suspend it to the shell
//! and `fg` brings it back redrawn (issue 17).
//!
//! Screens stay pure: their `update` returns [`Effect`]s and the loop carries them out —
//! copies, file writes, reload polls and heavy jobs (on threads of their own, so the screen
//! stays live) — then hands back what came of each as an [`Outcome`]. [`settle`] does the part that needs no terminal, so tests drive screens
//! through the same code path as the loop.

use super::copy::{self, Started};
use super::export_view::Resolved;
use super::panic_key;
use crate::clipboard::Backend;
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEventKind, KeyModifiers,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use idscope_core::atomic::{write_atomic, WriteError};
use idscope_core::export_index::Index;
use idscope_core::model::Mode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::DefaultTerminal;
use signal_hook::consts::signal::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGSTOP, SIGTERM, SIGTSTP};
use signal_hook::iterator::Signals;
use signal_hook::low_level;
use std::collections::VecDeque;
use std::io::{stdout, Write};
use std::os::raw::c_int;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the watched file looked like when last polled (live reload).
pub use super::reload::Stamp;

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
    /// A poll of the watched file found something: its new stamp, and what it holds now
    /// (a scenario or why not, the same bytes, deleted, or refused).
    Changed {
        path: PathBuf,
        stamp: Stamp,
        seen: super::reload::Seen,
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
            Effect::Poll { path, last } => super::reload::poll(&path, last),
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

/// Signals that end the app: the terminal is restored first, then the process exits with
/// 128 + the signal's number, the status a shell gives a death by that signal.
const ENDING: [c_int; 4] = [SIGTERM, SIGHUP, SIGINT, SIGQUIT];

/// What a signal from outside asks of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caught {
    /// Restore the terminal and exit with 128 + the signal.
    End(c_int),
    /// SIGTSTP: restore the terminal and stop until `fg`.
    Stop,
    /// SIGCONT after a stop the app did not see coming (`kill -STOP`): the shell may have
    /// reset the tty and written over the screen.
    Resume,
}

/// Signals from outside. The handlers only record them; the loop acts between frames, so a
/// frame is never torn by a restore.
struct Outside {
    signals: Signals,
    seen: Vec<c_int>,
}

impl Outside {
    fn new() -> std::io::Result<Outside> {
        let mut all = ENDING.to_vec();
        all.extend([SIGTSTP, SIGCONT]);
        Ok(Outside {
            signals: Signals::new(all)?,
            seen: Vec::new(),
        })
    }

    /// The most pressing signal received: an ending one, then a stop, then a resume.
    fn next(&mut self) -> Option<Caught> {
        self.seen.extend(self.signals.pending());
        if let Some(&sig) = self.seen.iter().find(|s| ENDING.contains(s)) {
            return Some(Caught::End(sig));
        }
        for (sig, caught) in [(SIGTSTP, Caught::Stop), (SIGCONT, Caught::Resume)] {
            if self.seen.contains(&sig) {
                self.seen.retain(|&s| s != sig);
                return Some(caught);
            }
        }
        None
    }

    /// Whether a signal waits to be acted on.
    fn any(&mut self) -> bool {
        self.seen.extend(self.signals.pending());
        !self.seen.is_empty()
    }

    /// Drops the SIGCONT of a stop the app made itself (it has redrawn already).
    fn forget_resume(&mut self) {
        self.seen.extend(self.signals.pending());
        self.seen.retain(|&s| s != SIGCONT);
    }
}

/// The terminal as the loop holds it, set up and undone the same way on every path: quit,
/// error, a signal's exit, and around a stop.
struct Session {
    terminal: DefaultTerminal,
    mouse: bool,
}

impl Session {
    /// The terminal as it was before: mouse capture off, cooked mode, the main screen, the
    /// cursor shown. Best effort (the terminal may be gone, e.g. after SIGHUP); each step is
    /// tried even when one before failed.
    fn leave(&mut self) {
        if self.mouse {
            let _ = execute!(stdout(), DisableMouseCapture);
        }
        let raw = disable_raw_mode();
        let screen = execute!(stdout(), LeaveAlternateScreen);
        let _ = self.terminal.show_cursor();
        if let Some(e) = raw.err().or(screen.err()) {
            // Never a panic: stderr may be the broken terminal itself.
            let _ = writeln!(
                std::io::stderr(),
                "idscope: could not restore the terminal: {e}"
            );
        }
    }

    /// Raw mode, the alternate screen and mouse capture again, and the whole screen redrawn
    /// on the next frame: the shell has had the terminal meanwhile.
    fn reenter(&mut self) -> std::io::Result<()> {
        // crossterm skips enabling raw mode when it believes it on; after `kill -STOP` the
        // shell may have reset the tty behind its back.
        disable_raw_mode()?;
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen)?;
        if self.mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        self.terminal.clear()
    }

    /// Ctrl-Z or SIGTSTP: the terminal back to the shell, the process stopped until `fg`
    /// (SIGCONT), then the app back.
    fn suspend(&mut self) -> std::io::Result<()> {
        self.leave();
        low_level::raise(SIGSTOP)?;
        self.reenter()
    }
}

/// Ctrl-Z, which raw mode delivers as a key rather than SIGTSTP: it suspends on every screen,
/// prompts included, before any screen sees it.
fn is_suspend_key(ev: &Event) -> bool {
    matches!(ev, Event::Key(k)
        if k.kind != KeyEventKind::Release
            && k.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(k.code, KeyCode::Char('z' | 'Z')))
}

/// How long input is waited for before signals are looked at again: how late, at most, the
/// app answers a signal from outside.
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Whether input came within `wait`; false early when a signal arrived meanwhile.
fn input_within(wait: Duration, outside: &mut Outside) -> std::io::Result<bool> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if event::poll(left.min(SIGNAL_CHECK))? {
            return Ok(true);
        }
        if left <= SIGNAL_CHECK || outside.any() {
            return Ok(false);
        }
    }
}

/// Ends the process when its terminal goes away (the window closed, `tmux kill-session`,
/// an SSH link dropped). crossterm's input poll spins on a hung-up tty without returning,
/// so neither the loop nor its SIGHUP check would ever run again: a thread of its own
/// watches the tty for a hang-up and exits with 129, the status of a death by SIGHUP. There
/// is no terminal left to restore.
fn exit_when_the_terminal_hangs_up() {
    use std::os::fd::AsRawFd;
    // The terminal itself, whatever stdin is; stdin when there is no /dev/tty to open.
    let tty = std::fs::File::open("/dev/tty").ok();
    let fd = tty.as_ref().map_or(0, |f| f.as_raw_fd());
    std::thread::spawn(move || {
        let _keep_open = tty;
        loop {
            let mut p = libc::pollfd {
                fd,
                events: 0,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the call's duration; `events: 0` asks only for
            // the conditions always reported (hang-up, error, invalid fd).
            let n = unsafe { libc::poll(&mut p, 1, 200) };
            if n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                std::process::exit(128 + libc::SIGHUP);
            }
            if n < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return;
            }
        }
    });
}

/// Runs `task` on a thread of its own; what comes of it is sent to `done`.
fn spawn(task: Task, done: &mpsc::Sender<Outcome>) {
    let tx = done.clone();
    std::thread::spawn(move || {
        let _ = tx.send(task());
    });
}

/// Runs `screen` until it quits. Call `color_eyre::install()` first.
///
/// A signal that ends the app (TERM, HUP, INT, QUIT from outside) restores the terminal as
/// quitting does and exits the process here, with 128 + the signal's number.
pub fn run<S: Screen>(screen: &mut S) -> color_eyre::Result<()> {
    // Own the NO_COLOR decision (the mono theme sets no colours); crossterm's stripping
    // would emit `ESC[;m` and reset REVERSED/BOLD.
    crossterm::style::Colored::set_ansi_color_disabled(false);
    // Before raw mode, so no signal finds the terminal raw with nobody to restore it.
    let mut outside = Outside::new()?;
    let terminal = ratatui::try_init()?;
    exit_when_the_terminal_hangs_up();
    let mouse = screen.mouse();
    let mut session = Session { terminal, mouse };
    if mouse {
        // ratatui's panic hook restores raw mode and the screen; add mouse release before it.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            previous(info);
        }));
        if let Err(e) = execute!(stdout(), EnableMouseCapture) {
            session.leave();
            return Err(e.into());
        }
    }
    let result = (|| -> color_eyre::Result<Option<c_int>> {
        let size = session.terminal.size()?;
        let mut first = screen.resize(size.width, size.height);
        first.extend(screen.start());
        let mut pending: VecDeque<Effect> = settle(screen, first).into();
        // Jobs and copies run on threads of their own and send their outcomes here.
        let (done_tx, done_rx) = mpsc::channel::<Outcome>();
        let mut running = 0usize;
        loop {
            session
                .terminal
                .draw(|f| screen.render(f.area(), f.buffer_mut()))?;
            // Terminal effects, in order.
            while let Some(effect) = pending.pop_front() {
                let more: Vec<Effect> = match effect {
                    Effect::Quit => return Ok(None),
                    Effect::Copy { what, data } => {
                        // OSC 52 must reach the real terminal: stdout, between frames. The
                        // clipboard programs may hang (until their timeout): on a thread.
                        match copy::start(screen.clipboard(), what, data, &mut stdout()) {
                            Started::Done(message) => screen.on_outcome(Outcome::Copied(message)),
                            Started::Waiting(task) => {
                                running += 1;
                                spawn(task, &done_tx);
                                Vec::new()
                            }
                        }
                    }
                    Effect::Job(job) => {
                        if let Some(task) = screen.start_job(job) {
                            running += 1;
                            spawn(task, &done_tx);
                        }
                        Vec::new()
                    }
                    // `settle` carried out the rest.
                    Effect::Write { .. } | Effect::Poll { .. } => Vec::new(),
                };
                pending.extend(settle(screen, more));
            }
            // What finished, then signals, then input; while jobs run, tick faster so
            // progress moves.
            while let Ok(outcome) = done_rx.try_recv() {
                running -= 1;
                let more = screen.on_outcome(outcome);
                pending.extend(settle(screen, more));
            }
            if !pending.is_empty() {
                continue;
            }
            let resumed = match outside.next() {
                Some(Caught::End(sig)) => return Ok(Some(sig)),
                Some(Caught::Stop) => {
                    session.suspend()?;
                    outside.forget_resume();
                    true
                }
                Some(Caught::Resume) => {
                    session.reenter()?;
                    true
                }
                None => false,
            };
            let wait = Duration::from_millis(if running > 0 { 100 } else { 250 });
            let effects: Vec<Effect> = if resumed {
                // The terminal may have been resized while the app was stopped.
                let size = session.terminal.size()?;
                screen.resize(size.width, size.height)
            } else if !input_within(wait, &mut outside)? {
                if outside.any() {
                    continue;
                }
                screen.on_tick()
            } else {
                let ev = event::read()?;
                panic_key::check(&ev);
                if is_suspend_key(&ev) {
                    session.suspend()?;
                    outside.forget_resume();
                    let size = session.terminal.size()?;
                    screen.resize(size.width, size.height)
                } else {
                    screen.on_event(&ev)
                }
            };
            pending.extend(settle(screen, effects));
        }
    })();
    session.leave();
    match result {
        Ok(Some(sig)) => std::process::exit(128 + sig),
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    }
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
