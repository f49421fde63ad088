//! `idscope FILE.jsonl`: a real export in the explorer. The export is read once through the
//! shared reader into an [`Index`] (where each event is) and resolved per mode
//! ([`Resolution`]) on a thread of its own while the screen stays live; the other modes are
//! resolved in the background after the first screen, with their progress in the tabs.
//!
//! The screen: a summary pane (what `idscope resolve` reports; each line filters the users
//! list), the users list (largest first; `/` searches ids by substring, `/=id` exactly, and
//! lands on the user with the matching member shown), a user's timeline (each event with
//! its final id, effect, rule and reason), and an event's detail. Events stored under no id
//! have a row of their own ("no user").
//!
//! Same shape as the main explorer, in the same shell: one [`ExportApp`], an [`XAction`]
//! vocabulary, [`update`] returning [`Effect`]s, and a view (`impl Widget for &ExportApp`,
//! in [`render`]). Its keys live in one table, [`KEYS`], which drives dispatch, hints and help.

pub mod diff_view;
pub mod load;
pub mod render;
pub mod summary;

use super::keymap::{self, b, code, ctrl, k, Binding, Group as G};
use super::shell::{self, Effect, Job, Outcome, Screen, Task, WriteKind};
use super::theme::{self, Theme};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::diff::{self, Diff};
use idscope_core::export_index::{self, Index, Resolution, Source};
use idscope_core::model::{Knobs, Mode};
use idscope_core::resolver::IdRef;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use summary::{Filter, Pick};

/// One mode's resolution with its summary lines (built on the job's thread).
pub struct Resolved {
    /// Shared with the jobs that compare two modes.
    pub resolution: Arc<Resolution>,
    pub summary: Vec<summary::Item>,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.resolution.fmt(f)
    }
}

impl Resolved {
    pub fn new(resolution: Resolution) -> Resolved {
        let summary = summary::build(&resolution);
        Resolved {
            resolution: Arc::new(resolution),
            summary,
        }
    }
}

/// A row of the users list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A user (index into the resolution's users) and the member the search matched.
    User(u32, Option<IdRef>),
    /// The events stored under no id.
    NoUser,
}

/// Whose timeline is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    User(u32),
    NoUser,
}

/// The diff screen (`D`): what moving from the current mode to another would change.
#[derive(Debug)]
pub struct DiffView {
    pub from: Mode,
    pub to: Mode,
    /// None while it is being computed (or waits for a mode to resolve).
    pub result: Option<Box<Diff>>,
    /// The selected change.
    pub selected: usize,
    pub scroll: usize,
    /// The selected change is open: its two clusterings side by side.
    pub open: bool,
    pub open_scroll: usize,
}

impl DiffView {
    fn new(from: Mode, to: Mode) -> DiffView {
        DiffView {
            from,
            to,
            result: None,
            selected: 0,
            scroll: 0,
            open: false,
            open_scroll: 0,
        }
    }
}

/// Which pane the keys move in, while no timeline is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Summary,
    Users,
}

/// Everything the user can ask for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAction {
    Quit,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    /// Enter: a summary line's filter, a user's timeline, an event's detail (while
    /// searching: stop typing).
    Open,
    /// Esc: back one level (detail → timeline → list), clear the search, then the filter.
    Back,
    /// Tab: between the summary and the users.
    Focus,
    SearchStart,
    SearchChar(char),
    SearchBackspace,
    ModeNext,
    ModePrev,
    ModeSet(Mode),
    /// `H` / `L`: the timeline's right-hand columns sideways.
    Left,
    Right,
    /// `y`: the selected event as it is in the file.
    CopyEvent,
    /// `Y`: the user's events as NDJSON.
    CopyUser,
    /// `w`: the user's events as a scenario file.
    WriteScenario,
    /// `D`: what a migration to another mode would change.
    Diff,
    /// `t` on the diff screen: compare with the other mode.
    DiffTarget,
    ToggleHelp,
    Resize(u16, u16),
}

/// The export view's screens a key applies in (bit set). The help (`?`) is drawn over
/// any and keeps its keys working.
pub mod ctx {
    pub const SUMMARY: u16 = 1;
    pub const LIST: u16 = 2;
    pub const TIMELINE: u16 = 4;
    pub const DETAIL: u16 = 8;
    pub const DIFF: u16 = 16;
    pub const BROWSE: u16 = SUMMARY | LIST;
    pub const USER: u16 = LIST | TIMELINE | DETAIL;
    pub const ALL: u16 = SUMMARY | LIST | TIMELINE | DETAIL | DIFF;
}

use ctx::ALL;

/// The export view's keys (outside the search prompt), in hint order.
#[rustfmt::skip]
pub static KEYS: &[Binding<XAction>] = &[
    b(&[k('j'), code(KeyCode::Down)], XAction::Down, ALL, G::Panes, "next line, user or event (detail: scroll)", Some("move")).shown_as("j/k"),
    b(&[k('k'), code(KeyCode::Up)], XAction::Up, ALL, G::Panes, "previous line, user or event", None),
    b(&[code(KeyCode::PageDown)], XAction::PageDown, ALL, G::Panes, "a page down", None),
    b(&[code(KeyCode::PageUp)], XAction::PageUp, ALL, G::Panes, "a page up", None),
    b(&[k('g'), code(KeyCode::Home)], XAction::Top, ALL, G::Panes, "the first line (users: the largest)", None),
    b(&[k('G'), code(KeyCode::End)], XAction::Bottom, ALL, G::Panes, "the last line", None),
    b(&[code(KeyCode::Enter)], XAction::Open, ctx::SUMMARY, G::Views, "summary: filter the users by this line", Some("filter")),
    b(&[code(KeyCode::Enter)], XAction::Open, ctx::LIST, G::Views, "users: open the user's timeline", Some("timeline")),
    b(&[code(KeyCode::Enter)], XAction::Open, ctx::TIMELINE, G::Views, "timeline: the event in full, with its verdict and rule", Some("event")),
    b(&[code(KeyCode::Enter)], XAction::Open, ctx::DIFF, G::Views, "diff: the change's users under both modes, side by side", Some("open")),
    b(&[code(KeyCode::Tab)], XAction::Focus, ctx::BROWSE, G::Panes, "between the summary and the users", Some("summary/users")),
    b(&[k('/')], XAction::SearchStart, ctx::BROWSE, G::Views, "search users by id: substring, or =id for exactly that id", Some("search")),
    b(&[k('y')], XAction::CopyEvent, ctx::TIMELINE | ctx::DETAIL, G::Views, "copy the event as it is in the file", Some("copy")).shown_as("y/Y"),
    b(&[k('Y')], XAction::CopyUser, ctx::USER, G::Views, "copy the user's events as NDJSON", None),
    b(&[k('w')], XAction::WriteScenario, ctx::USER | ctx::DIFF, G::Views, "write the user as a scenario file, to replay in any mode (diff: the change's user)", Some("scenario")),
    b(&[k('D')], XAction::Diff, ctx::BROWSE, G::Views, "migration diff: users that split, merge or move, this mode → another", Some("migration diff")),
    b(&[k('t')], XAction::DiffTarget, ctx::DIFF, G::Modes, "diff: compare with the other mode", Some("other target")),
    b(&[k('L')], XAction::Right, ctx::TIMELINE, G::Panes, "timeline: scroll the right-hand columns (reason, time, ingest id) sideways", Some("sideways")).shown_as("H/L"),
    b(&[k('H')], XAction::Left, ctx::TIMELINE, G::Panes, "timeline: scroll back to the left", None),
    b(&[k('m')], XAction::ModeNext, ALL, G::Modes, "next merge mode (resolved in the background after the first)", Some("mode")).shown_as("m/1/2/3"),
    b(&[k('M')], XAction::ModePrev, ALL, G::Modes, "previous merge mode", None),
    b(&[k('1')], XAction::ModeSet(Mode::Legacy), ALL, G::Modes, "Legacy", None),
    b(&[k('2')], XAction::ModeSet(Mode::Original), ALL, G::Modes, "Original ID Merge", None),
    b(&[k('3')], XAction::ModeSet(Mode::Simplified), ALL, G::Modes, "Simplified ID Merge", None),
    b(&[code(KeyCode::Esc)], XAction::Back, ALL, G::App, "back: close the event, timeline or diff, clear the search, then the filter", Some("back")),
    b(&[k('?')], XAction::ToggleHelp, ALL, G::App, "this help", Some("help")),
    b(&[k('q'), ctrl('c')], XAction::Quit, ALL, G::App, "quit", Some("quit")).shown_as("q"),
];

pub struct ExportApp {
    pub source: Arc<Source>,
    /// Where each event is; None until the first pass is done.
    pub index: Option<Index>,
    pub knobs: Knobs,
    pub mode: Mode,
    cache: [Option<Resolved>; 3],
    /// Bytes read so far by each mode's job.
    progress: [Arc<AtomicU64>; 3],
    /// The mode whose job runs (one at a time: the reader already uses both cores).
    pub running: Option<Mode>,
    /// Modes still to resolve in the background, next first.
    queued: Vec<Mode>,
    /// A mode asked for and not resolved yet: shown as soon as it is.
    pub pending: Option<Mode>,
    /// Why the export could not be read (the screen says so; q quits).
    pub failed: Option<String>,
    pub focus: Focus,
    pub summary_sel: usize,
    pub summary_scroll: usize,
    pub filter: Filter,
    pub query: String,
    /// Typing into the search prompt.
    pub searching: bool,
    rows: Vec<Row>,
    /// Position in the rows.
    pub selected: usize,
    /// First list row shown.
    pub scroll: usize,
    pub open: Option<Open>,
    /// The open timeline's events (indices into the index).
    timeline: Vec<u32>,
    pub tl_sel: usize,
    pub tl_scroll: usize,
    /// The event shown in full.
    pub detail: Option<u32>,
    pub detail_scroll: usize,
    /// Cells of the timeline's sideways columns skipped.
    pub hscroll: usize,
    /// The key help (`?`) is shown, scrolled this far.
    pub help: bool,
    pub help_scroll: usize,
    pub message: Option<String>,
    pub size: (u16, u16),
    pub theme: &'static Theme,
    pub clipboard: Vec<crate::clipboard::Backend>,
    /// Where `w` writes scenario files.
    pub out_dir: std::path::PathBuf,
    /// The diff screen, while open.
    pub diff: Option<DiffView>,
    /// A comparison is being computed.
    diff_running: bool,
    pub should_quit: bool,
}

impl ExportApp {
    /// The screen for `source`; nothing is read until [`Screen::start`].
    pub fn new(source: Source, mode: Mode, knobs: Knobs) -> ExportApp {
        ExportApp {
            source: Arc::new(source),
            index: None,
            knobs,
            mode,
            cache: [None, None, None],
            progress: Default::default(),
            running: None,
            queued: Vec::new(),
            pending: None,
            failed: None,
            focus: Focus::Users,
            summary_sel: 1,
            summary_scroll: 0,
            filter: Filter::All,
            query: String::new(),
            searching: false,
            rows: Vec::new(),
            selected: 0,
            scroll: 0,
            open: None,
            timeline: Vec::new(),
            tl_sel: 0,
            tl_scroll: 0,
            detail: None,
            detail_scroll: 0,
            hscroll: 0,
            help: false,
            help_scroll: 0,
            message: None,
            size: (100, 30),
            theme: &theme::COLOR,
            clipboard: Vec::new(),
            out_dir: std::path::PathBuf::from("."),
            diff: None,
            diff_running: false,
            should_quit: false,
        }
    }

    /// Reads and resolves `source` in `mode` on this thread, leaving the other modes
    /// queued (tests and benches; [`ExportApp::finish_jobs`] resolves them).
    pub fn loaded(source: Source, mode: Mode, knobs: Knobs) -> ExportApp {
        let mut app = ExportApp::new(source, mode, knobs);
        let effects = app.start();
        app.run_jobs(effects, 1);
        app
    }

    /// Runs every job asked for, on this thread, until none is left (tests and benches).
    pub fn finish_jobs(&mut self) {
        let effects = match self.running {
            Some(m) if self.index.is_some() => vec![Effect::Job(Job::Resolve(m))],
            _ => Vec::new(),
        };
        self.run_jobs(effects, usize::MAX);
    }

    /// Carries out the jobs among `effects` at once, and those they lead to (tests).
    pub fn run_now(&mut self, effects: Vec<Effect>) {
        self.run_jobs(effects, usize::MAX);
    }

    /// Carries out jobs among `effects` at once, at most `limit` of them; the rest of the
    /// effects are dropped (no terminal here).
    fn run_jobs(&mut self, effects: Vec<Effect>, mut limit: usize) {
        let mut queue = effects;
        while let Some(effect) = queue.pop() {
            if let Effect::Job(job) = effect {
                if limit == 0 {
                    return;
                }
                limit -= 1;
                queue.extend(shell::run_job_now(self, job));
            }
        }
    }

    /// The current mode's resolution, once there is one.
    pub fn resolved(&self) -> Option<&Resolved> {
        self.cache[self.mode as usize].as_ref()
    }

    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolved().map(|r| &*r.resolution)
    }

    /// Whether a mode is resolved (cached).
    pub fn is_cached(&self, mode: Mode) -> bool {
        self.cache[mode as usize].is_some()
    }

    /// How far a mode's job has read, in percent (None: not running).
    pub fn percent(&self, mode: Mode) -> Option<u64> {
        (self.running == Some(mode)).then(|| {
            let done = self.progress[mode as usize].load(Ordering::Relaxed);
            (done * 100)
                .checked_div(self.source.len())
                .unwrap_or(0)
                .min(99)
        })
    }

    /// The list's rows (after the filter and the search), in order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The open timeline's events (indices into the index), in file order.
    pub fn timeline(&self) -> &[u32] {
        &self.timeline
    }

    /// The event the timeline's cursor (or the detail) is on.
    pub fn selected_event(&self) -> Option<usize> {
        self.detail
            .or_else(|| self.timeline.get(self.tl_sel).copied())
            .map(|e| e as usize)
    }

    /// The user the keys are about: the open one, else the selected row's.
    pub fn current_user(&self) -> Option<u32> {
        match self.open {
            Some(Open::User(u)) => Some(u),
            Some(Open::NoUser) => None,
            None => match self.rows.get(self.selected) {
                Some(Row::User(u, _)) => Some(*u),
                _ => None,
            },
        }
    }

    /// An event's text as it is in the file.
    pub fn event_text(&self, i: usize) -> &str {
        match self.index.as_ref().and_then(|x| x.events.get(i)) {
            Some(at) => self.source.text(at),
            None => "",
        }
    }

    /// The key table's context for what is on screen.
    pub fn context(&self) -> u16 {
        if self.diff.is_some() {
            return ctx::DIFF;
        }
        match (self.detail, self.open, self.focus) {
            (Some(_), _, _) => ctx::DETAIL,
            (None, Some(_), _) => ctx::TIMELINE,
            (None, None, Focus::Summary) => ctx::SUMMARY,
            (None, None, Focus::Users) => ctx::LIST,
        }
    }

    /// Rows of the body the keys move in (list, timeline, summary or detail).
    pub fn body_rows(&self) -> usize {
        let a = super::layout::export_areas(
            Rect::new(0, 0, self.size.0, self.size.1),
            self.focus == Focus::Summary,
        );
        let pane = match (self.open, self.focus) {
            (None, Focus::Summary) => a.summary.unwrap_or(a.list),
            _ => a.list,
        };
        // Borders (2) and the list's column or search line (1).
        (pane.height as usize).saturating_sub(3).max(1)
    }

    fn refilter(&mut self) {
        let mut rows = Vec::new();
        if let Some(r) = self.resolution() {
            let q = self.query.as_str();
            let h = r.stream.resolver().history();
            let junk = r.stream.junk_ids();
            if let Some(exact) = q.strip_prefix('=') {
                if let Some(u) = r.user_of_name(exact) {
                    rows.push(Row::User(u as u32, h.lookup(exact)));
                }
                if junk.contains_key(exact) {
                    rows.push(Row::NoUser);
                }
            } else {
                if self.filter.keeps_no_user(r)
                    && (q.is_empty() || junk.keys().any(|j| j.contains(q)))
                {
                    rows.push(Row::NoUser);
                }
                for (u, c) in r.users.iter().enumerate() {
                    if !self.filter.keeps(r, u) {
                        continue;
                    }
                    if q.is_empty() {
                        rows.push(Row::User(u as u32, None));
                    } else if let Some(&m) = c.members.iter().find(|&&m| h.name(m).contains(q)) {
                        rows.push(Row::User(u as u32, Some(m)));
                    }
                }
            }
        }
        self.rows = rows;
        self.clamp();
    }

    /// The first row that is a user (the no-user row, when shown, comes before it): where
    /// a new list puts the cursor, so Enter opens the largest user.
    fn first_user_row(&self) -> usize {
        self.rows
            .iter()
            .position(|r| matches!(r, Row::User(..)))
            .unwrap_or(0)
    }

    fn clamp(&mut self) {
        let rows = self.body_rows();
        let n = self.rows.len();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.scroll = self.scroll.min(self.selected);
        if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
        let t = self.timeline.len();
        self.tl_sel = self.tl_sel.min(t.saturating_sub(1));
        self.tl_scroll = self.tl_scroll.min(self.tl_sel);
        if self.tl_sel >= self.tl_scroll + rows {
            self.tl_scroll = self.tl_sel + 1 - rows;
        }
        let s = self.summary_len();
        self.summary_sel = self.summary_sel.min(s.saturating_sub(1));
        self.summary_scroll = self.summary_scroll.min(self.summary_sel);
        if self.summary_sel >= self.summary_scroll + rows {
            self.summary_scroll = self.summary_sel + 1 - rows;
        }
    }

    pub fn summary_items(&self) -> &[summary::Item] {
        self.resolved().map_or(&[], |r| r.summary.as_slice())
    }

    fn summary_len(&self) -> usize {
        self.summary_items().len()
    }

    fn move_by(&mut self, delta: isize) {
        let step = |v: usize, len: usize| v.saturating_add_signed(delta).min(len.saturating_sub(1));
        let rows = self.body_rows();
        if let Some(d) = &mut self.diff {
            if d.open {
                d.open_scroll = d.open_scroll.saturating_add_signed(delta);
            } else {
                let n = d.result.as_ref().map_or(0, |r| r.changes.len());
                d.selected = step(d.selected, n);
                d.scroll = d.scroll.min(d.selected);
                // The list starts below the counts (3 lines) and its header.
                let shown = rows.saturating_sub(4).max(1);
                if d.selected >= d.scroll + shown {
                    d.scroll = d.selected + 1 - shown;
                }
            }
            return;
        }
        if self.detail.is_some() {
            let len = render::detail_len(self);
            let max = len.saturating_sub(self.body_rows());
            self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
            return;
        }
        match (self.open, self.focus) {
            (Some(_), _) => self.tl_sel = step(self.tl_sel, self.timeline.len()),
            (None, Focus::Summary) => self.summary_sel = step(self.summary_sel, self.summary_len()),
            (None, Focus::Users) => self.selected = step(self.selected, self.rows.len()),
        }
        self.clamp();
    }

    /// Opens a row's timeline.
    fn open_row(&mut self, row: Row) {
        let Some(r) = self.resolution() else { return };
        let (open, events) = match row {
            Row::User(u, _) => (Open::User(u), r.events_of(u as usize).to_vec()),
            Row::NoUser => {
                // With a search, the no-user events that carry the searched text.
                let q = self.query.strip_prefix('=').unwrap_or(&self.query);
                let events = r
                    .no_user()
                    .iter()
                    .copied()
                    .filter(|&e| q.is_empty() || self.event_text(e as usize).contains(q))
                    .collect();
                (Open::NoUser, events)
            }
        };
        self.open = Some(open);
        self.timeline = events;
        self.tl_sel = 0;
        self.tl_scroll = 0;
        self.hscroll = 0;
    }

    fn close_timeline(&mut self) {
        self.open = None;
        self.timeline = Vec::new();
    }

    fn set_mode(&mut self, mode: Mode) -> Vec<Effect> {
        if mode == self.mode && self.pending.is_none() {
            return Vec::new();
        }
        if self.is_cached(mode) {
            self.switch_to(mode);
            self.pending = None;
            return self.diff_from(mode);
        }
        self.pending = Some(mode);
        self.message = Some(format!("resolving under {}…", mode.title()));
        if self.running.is_some() {
            // After the job in flight, this one next.
            self.queued.retain(|m| *m != mode);
            self.queued.insert(0, mode);
            return Vec::new();
        }
        self.queued.retain(|m| *m != mode);
        self.running = Some(mode);
        vec![Effect::Job(Job::Resolve(mode))]
    }

    /// The next queued mode's job, if none runs.
    fn next_job(&mut self) -> Vec<Effect> {
        if self.running.is_some() || self.queued.is_empty() {
            return Vec::new();
        }
        let mode = self.queued.remove(0);
        self.running = Some(mode);
        vec![Effect::Job(Job::Resolve(mode))]
    }

    /// A mode resolved: cache it, and show it if it was asked for.
    fn resolved_as(&mut self, mode: Mode, resolved: Resolved) -> Vec<Effect> {
        self.cache[mode as usize] = Some(resolved);
        let mut fx = Vec::new();
        if self.pending == Some(mode) {
            self.switch_to(mode);
            self.pending = None;
            self.message = Some(format!("resolved under {}", mode.title()));
            fx = self.diff_from(mode);
        }
        fx.extend(self.start_diff());
        fx
    }

    /// The diff screen follows a mode switch: it compares from the new current mode.
    fn diff_from(&mut self, mode: Mode) -> Vec<Effect> {
        let Some(d) = &mut self.diff else {
            return Vec::new();
        };
        if d.from == mode {
            return Vec::new();
        }
        let to = if d.to == mode { d.from } else { d.to };
        *d = DiffView::new(mode, to);
        self.start_diff()
    }

    /// Opens the diff screen: the current mode against Simplified (Mixpanel's target for
    /// migrations), or against Original from Simplified.
    fn open_diff(&mut self) -> Vec<Effect> {
        let to = if self.mode == Mode::Simplified {
            Mode::Original
        } else {
            Mode::Simplified
        };
        self.diff = Some(DiffView::new(self.mode, to));
        self.start_diff()
    }

    /// Asks for the open diff's comparison when both modes are resolved and none runs.
    fn start_diff(&mut self) -> Vec<Effect> {
        let Some(d) = &self.diff else {
            return Vec::new();
        };
        if d.result.is_some() || self.diff_running {
            return Vec::new();
        }
        let (from, to) = (d.from, d.to);
        let waiting: Vec<Mode> = [from, to]
            .into_iter()
            .filter(|m| !self.is_cached(*m))
            .collect();
        if let Some(m) = waiting.first() {
            // It comes next.
            if self.running != Some(*m) {
                self.queued.retain(|q| q != m);
                self.queued.insert(0, *m);
            }
            self.message = Some(format!("the diff waits for {} to resolve…", m.title()));
            let mut fx = self.next_job();
            fx.retain(|e| matches!(e, Effect::Job(_)));
            return fx;
        }
        self.diff_running = true;
        vec![Effect::Job(Job::Diff(from, to))]
    }

    /// The selected change of the diff screen.
    pub fn diff_change(&self) -> Option<(&Diff, &diff::Change)> {
        let d = self.diff.as_ref()?;
        let r = d.result.as_deref()?;
        Some((r, r.changes.get(d.selected)?))
    }

    fn switch_to(&mut self, mode: Mode) {
        // Keep the open user, the selection and the search by id across modes.
        let name_of = |app: &ExportApp, u: u32| {
            app.resolution()
                .map(|r| r.label(u as usize).to_string())
                .unwrap_or_default()
        };
        let open = self.open;
        let open_name = match open {
            Some(Open::User(u)) => Some(name_of(self, u)),
            _ => None,
        };
        let sel_name = match self.rows.get(self.selected) {
            Some(Row::User(u, _)) => Some(name_of(self, *u)),
            _ => None,
        };
        let event = self.selected_event();
        let detail = self.detail;
        self.mode = mode;
        // A failure code or suspect kind of another mode may not exist here.
        let keep = self
            .summary_items()
            .iter()
            .any(|i| i.pick == Pick::Filter(self.filter));
        if !keep {
            self.filter = Filter::All;
        }
        self.refilter();
        let r = self.resolution().expect("switched to a resolved mode");
        let user_of = |name: &Option<String>| name.as_deref().and_then(|n| r.user_of_name(n));
        let sel = user_of(&sel_name).and_then(|u| {
            self.rows
                .iter()
                .position(|row| matches!(row, Row::User(x, _) if *x as usize == u))
        });
        let reopen = match open {
            Some(Open::NoUser) => Some(Row::NoUser),
            Some(Open::User(_)) => user_of(&open_name).map(|u| Row::User(u as u32, None)),
            None => None,
        };
        self.selected = sel.unwrap_or(0);
        self.close_timeline();
        if let Some(row) = reopen {
            self.open_row(row);
            if let Some(e) = event {
                self.tl_sel = self
                    .timeline
                    .iter()
                    .position(|&x| x as usize == e)
                    .unwrap_or(0);
            }
            self.detail = detail.filter(|d| self.timeline.contains(d));
        } else {
            self.detail = None;
        }
        self.clamp();
    }

    /// Takes the first pass's result.
    fn indexed(&mut self, result: Result<Box<(Index, Resolved)>, String>) -> Vec<Effect> {
        self.running = None;
        match result {
            Ok(b) => {
                let (index, resolved) = *b;
                self.index = Some(index);
                // "still reading" from a key pressed meanwhile no longer holds.
                self.message = None;
                self.cache[self.mode as usize] = Some(resolved);
                self.refilter();
                self.selected = self.first_user_row();
                self.queued = Mode::ALL.into_iter().filter(|m| *m != self.mode).collect();
                self.next_job()
            }
            Err(e) => {
                self.failed = Some(e);
                Vec::new()
            }
        }
    }

    fn apply_pick(&mut self, pick: Pick) {
        match pick {
            Pick::Nothing => {}
            Pick::Filter(f) => {
                self.filter = f;
                self.focus = Focus::Users;
                self.scroll = 0;
                self.refilter();
                self.selected = self.first_user_row();
                self.message = Some(format!("{} users {}", self.user_rows(), f.label()));
            }
            Pick::NoUser => self.open_row(Row::NoUser),
        }
    }

    /// Users (not the no-user row) in the list.
    pub fn user_rows(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r, Row::User(..)))
            .count()
    }

    fn copy_event(&mut self) -> Vec<Effect> {
        let Some(e) = self.selected_event() else {
            self.message = Some("no event selected".into());
            return Vec::new();
        };
        let line = self
            .index
            .as_ref()
            .and_then(|x| x.events.get(e))
            .map_or(0, |at| at.line());
        let mut data = self.event_text(e).as_bytes().to_vec();
        data.push(b'\n');
        vec![Effect::Copy {
            what: format!("the event on line {line}"),
            data,
        }]
    }

    fn copy_user(&mut self) -> Vec<Effect> {
        let (events, who): (Vec<u32>, String) = match (self.open, self.current_user()) {
            (Some(Open::NoUser), _) => (self.timeline.clone(), "the no-user events".into()),
            (_, Some(u)) => match self.resolution() {
                Some(r) => (
                    r.events_of(u as usize).to_vec(),
                    format!("{}'s events", r.label(u as usize)),
                ),
                None => return Vec::new(),
            },
            _ => {
                self.message = Some("no user selected".into());
                return Vec::new();
            }
        };
        let mut data = Vec::new();
        for &e in &events {
            data.extend_from_slice(self.event_text(e as usize).as_bytes());
            data.push(b'\n');
        }
        vec![Effect::Copy {
            what: format!("{who} ({} as NDJSON)", events.len()),
            data,
        }]
    }

    fn write_scenario(&mut self) -> Vec<Effect> {
        let (Some(u), Some(r), Some(index)) =
            (self.current_user(), self.resolution(), self.index.as_ref())
        else {
            self.message =
                Some("no user selected: the no-user events have no cluster to replay".into());
            return Vec::new();
        };
        let label = r.label(u as usize);
        let text = idscope_core::user_scenario::user_scenario(&self.source, index, r, u as usize);
        let path = self.out_dir.join(scenario_file_name(label, self.mode));
        vec![Effect::Write {
            kind: WriteKind::Export,
            path,
            bytes: text.into_bytes(),
            overwrite: false,
        }]
    }
}

impl ExportApp {
    /// `w` on the diff screen: the change's user as a scenario. The side where the change
    /// is one user (a split's from-user, a merge's to-user) holds every event of it;
    /// otherwise the largest from-user.
    fn write_change_scenario(&mut self) -> Vec<Effect> {
        let Some((d, c)) = self.diff_change() else {
            self.message = Some("no change selected".into());
            return Vec::new();
        };
        let (mode, r, u) = match (c.from_users.as_slice(), c.to_users.as_slice()) {
            ([u], _) | ([], [u]) => (d.from.mode(), &d.from, *u),
            (_, [u]) => (d.to.mode(), &d.to, *u),
            (us, _) => (
                d.from.mode(),
                &d.from,
                *us.iter()
                    .max_by_key(|&&u| (d.from.users[u].events, std::cmp::Reverse(u)))
                    .unwrap_or(&0),
            ),
        };
        let Some(index) = self.index.as_ref() else {
            return Vec::new();
        };
        let text = idscope_core::user_scenario::user_scenario(&self.source, index, r, u);
        let path = self.out_dir.join(scenario_file_name(r.label(u), mode));
        vec![Effect::Write {
            kind: WriteKind::Export,
            path,
            bytes: text.into_bytes(),
            overwrite: false,
        }]
    }
}

/// A file name for user `label`'s scenario: the id's letters, digits, `-` and `_` kept
/// (at most 40), the rest `_`.
pub fn scenario_file_name(label: &str, mode: Mode) -> String {
    let safe: String = label
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let safe = safe.trim_matches('_');
    let safe = if safe.is_empty() { "user" } else { safe };
    format!(
        "user-{safe}.{}.json",
        idscope_core::model::Choice::name(mode)
    )
}

/// The action a key means here.
pub fn map_key(app: &ExportApp, ev: &KeyEvent) -> Option<XAction> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    if keymap::is_ctrl_c(ev) {
        return Some(XAction::Quit);
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl || ev.modifiers.contains(KeyModifiers::ALT) {
        return None;
    }
    if app.searching {
        return match ev.code {
            KeyCode::Char(c) => Some(XAction::SearchChar(c)),
            KeyCode::Backspace => Some(XAction::SearchBackspace),
            KeyCode::Enter => Some(XAction::Open),
            KeyCode::Esc => Some(XAction::Back),
            KeyCode::Down => Some(XAction::Down),
            KeyCode::Up => Some(XAction::Up),
            _ => None,
        };
    }
    keymap::lookup(KEYS, ev, app.context())
}

/// Any terminal event → an action.
pub fn map_event(app: &ExportApp, ev: &Event) -> Option<XAction> {
    match ev {
        Event::Key(k) => map_key(app, k),
        Event::Resize(w, h) => Some(XAction::Resize(*w, *h)),
        _ => None,
    }
}

/// Applies one action.
pub fn update(app: &mut ExportApp, action: XAction) -> Vec<Effect> {
    if !matches!(action, XAction::Resize(..)) {
        app.message = None;
    }
    if app.resolution().is_none()
        && !matches!(
            action,
            XAction::Quit | XAction::Resize(..) | XAction::ToggleHelp | XAction::Back
        )
    {
        app.message = Some(match &app.failed {
            Some(_) => "the export could not be read: q quits".into(),
            None => "still reading the export…".into(),
        });
        return Vec::new();
    }
    if app.help {
        // The help scrolls; the rest waits until it is closed.
        let len = render::help_len(app);
        let max = len.saturating_sub(app.body_rows());
        let by = |d: isize| app.help_scroll.saturating_add_signed(d).min(max);
        match action {
            XAction::Down => app.help_scroll = by(1),
            XAction::Up => app.help_scroll = by(-1),
            XAction::PageDown => app.help_scroll = by(app.body_rows() as isize),
            XAction::PageUp => app.help_scroll = by(-(app.body_rows() as isize)),
            XAction::Top => app.help_scroll = 0,
            XAction::Bottom => app.help_scroll = max,
            _ => {}
        }
    }
    match action {
        XAction::Quit => {
            app.should_quit = true;
            return vec![Effect::Quit];
        }
        _ if app.help
            && !matches!(
                action,
                XAction::ToggleHelp | XAction::Back | XAction::Resize(..)
            ) => {}
        XAction::Down => app.move_by(1),
        XAction::Up => app.move_by(-1),
        XAction::PageDown => app.move_by(app.body_rows() as isize),
        XAction::PageUp => app.move_by(-(app.body_rows() as isize)),
        XAction::Top => app.move_by(isize::MIN / 2),
        XAction::Bottom => app.move_by(isize::MAX / 2),
        XAction::Open if app.diff.is_some() => {
            if let Some(d) = &mut app.diff {
                if d.result.as_ref().is_some_and(|r| !r.changes.is_empty()) {
                    d.open = true;
                    d.open_scroll = 0;
                }
            }
        }
        XAction::Open => {
            if app.searching {
                app.searching = false;
            } else if app.detail.is_some() {
            } else if app.open.is_some() {
                app.detail = app.timeline.get(app.tl_sel).copied();
                app.detail_scroll = 0;
            } else if app.focus == Focus::Summary {
                if let Some(item) = app.summary_items().get(app.summary_sel) {
                    let pick = item.pick;
                    app.apply_pick(pick);
                }
            } else {
                match app.rows.get(app.selected).copied() {
                    Some(row) => app.open_row(row),
                    None => app.message = Some("no user matches".into()),
                }
            }
        }
        XAction::Focus => {
            app.focus = match app.focus {
                Focus::Summary => Focus::Users,
                Focus::Users => Focus::Summary,
            };
            app.clamp();
        }
        XAction::Left => app.hscroll = app.hscroll.saturating_sub(8),
        XAction::Right => app.hscroll = (app.hscroll + 8).min(render::timeline_strip(app)),
        XAction::ToggleHelp => {
            app.help = !app.help;
            app.help_scroll = 0;
        }
        XAction::Back if app.help => app.help = false,
        XAction::Back if app.diff.is_some() => {
            if let Some(d) = &mut app.diff {
                if d.open {
                    d.open = false;
                } else {
                    app.diff = None;
                }
            }
        }
        XAction::Back => {
            if app.detail.is_some() {
                app.detail = None;
            } else if app.open.is_some() {
                app.close_timeline();
            } else if app.searching || !app.query.is_empty() {
                app.searching = false;
                app.query.clear();
                app.refilter();
            } else if app.filter != Filter::All {
                app.filter = Filter::All;
                app.refilter();
            } else if app.focus == Focus::Summary {
                app.focus = Focus::Users;
            }
        }
        XAction::SearchStart => {
            app.focus = Focus::Users;
            app.searching = true;
        }
        XAction::SearchChar(c) => {
            if app.query.len() < 4096 {
                app.query.push(c);
            }
            app.scroll = 0;
            app.refilter();
            app.selected = app.first_user_row();
        }
        XAction::SearchBackspace => {
            app.query.pop();
            app.refilter();
        }
        XAction::CopyEvent => return app.copy_event(),
        XAction::CopyUser => return app.copy_user(),
        XAction::WriteScenario if app.diff.is_some() => return app.write_change_scenario(),
        XAction::WriteScenario => return app.write_scenario(),
        XAction::Diff => return app.open_diff(),
        XAction::DiffTarget => {
            if let Some(d) = &app.diff {
                let others: Vec<Mode> = Mode::ALL.into_iter().filter(|m| *m != d.from).collect();
                let to = if d.to == others[0] {
                    others[1]
                } else {
                    others[0]
                };
                let from = d.from;
                app.diff = Some(DiffView::new(from, to));
                return app.start_diff();
            }
        }
        XAction::ModeNext => return app.set_mode(app.mode.next()),
        XAction::ModePrev => return app.set_mode(app.mode.prev()),
        XAction::ModeSet(m) => return app.set_mode(m),
        XAction::Resize(w, h) => {
            app.size = (w, h);
            app.clamp();
        }
    }
    Vec::new()
}

/// Status-bar hints: (keys, label).
pub fn hints(app: &ExportApp) -> Vec<(String, &'static str)> {
    if app.searching {
        return vec![
            ("type".into(), "filter by id (=id: exactly)"),
            ("Enter".into(), "done"),
            ("Esc".into(), "clear"),
        ];
    }
    keymap::hints(KEYS, app.context())
}

/// Takes back what came of an effect the shell carried out.
pub fn on_outcome(app: &mut ExportApp, outcome: Outcome) -> Vec<Effect> {
    match outcome {
        Outcome::Indexed(result) => app.indexed(result),
        Outcome::Resolved(mode, result) => {
            app.running = None;
            match result {
                Ok(resolved) => {
                    let mut fx = app.resolved_as(mode, *resolved);
                    fx.extend(app.next_job());
                    return fx;
                }
                Err(e) => {
                    app.pending = None;
                    app.message = Some(format!("cannot resolve under {}: {e}", mode.title()));
                }
            }
            app.next_job()
        }
        Outcome::Diffed(from, to, result) => {
            app.diff_running = false;
            if let Some(d) = &mut app.diff {
                if (d.from, d.to) == (from, to) {
                    match result {
                        Ok(diff) => d.result = Some(diff),
                        Err(e) => app.message = Some(format!("cannot compare: {e}")),
                    }
                    return Vec::new();
                }
            }
            // The screen moved on (another pair, or closed): compare what it shows now.
            app.start_diff()
        }
        Outcome::Copied(message) => {
            app.message = Some(message);
            Vec::new()
        }
        Outcome::Written { path, result, .. } => {
            let shown = idscope_core::text::visible(&path.display().to_string()).into_owned();
            app.message = Some(match result {
                Ok(()) => format!("wrote {shown} · open it with: idscope {shown}"),
                Err(e) => format!("not written: {e}"),
            });
            Vec::new()
        }
        Outcome::Changed { .. } => Vec::new(),
    }
}

impl Screen for ExportApp {
    fn on_event(&mut self, ev: &Event) -> Vec<Effect> {
        match map_event(self, ev) {
            Some(a) => update(self, a),
            None => Vec::new(),
        }
    }

    fn on_tick(&mut self) -> Vec<Effect> {
        Vec::new()
    }

    fn on_outcome(&mut self, outcome: Outcome) -> Vec<Effect> {
        on_outcome(self, outcome)
    }

    fn start(&mut self) -> Vec<Effect> {
        if self.index.is_some() || self.running.is_some() {
            return Vec::new();
        }
        self.running = Some(self.mode);
        vec![Effect::Job(Job::Index(self.mode))]
    }

    fn start_job(&self, job: Job) -> Option<Task> {
        let source = Arc::clone(&self.source);
        let knobs = self.knobs;
        Some(match job {
            Job::Index(mode) => {
                let progress = Arc::clone(&self.progress[mode as usize]);
                Box::new(move || {
                    Outcome::Indexed(
                        export_index::index(&source, mode, knobs, &progress)
                            .map(|(index, r)| Box::new((index, Resolved::new(r))))
                            .map_err(|e| e.to_string()),
                    )
                })
            }
            Job::Diff(from, to) => {
                let (Some(f), Some(t)) = (&self.cache[from as usize], &self.cache[to as usize])
                else {
                    return None;
                };
                let (f, t) = (Arc::clone(&f.resolution), Arc::clone(&t.resolution));
                let malformed = self.index.as_ref().map_or(0, |i| i.bad_count);
                let name = self.source.name().to_string();
                Box::new(move || {
                    Outcome::Diffed(
                        from,
                        to,
                        Ok(Box::new(diff::compare(name, knobs, malformed, f, t))),
                    )
                })
            }
            Job::Resolve(mode) => {
                let progress = Arc::clone(&self.progress[mode as usize]);
                Box::new(move || {
                    Outcome::Resolved(
                        mode,
                        export_index::resolve(&source, mode, knobs, &progress)
                            .map(|r| Box::new(Resolved::new(r)))
                            .map_err(|e| e.to_string()),
                    )
                })
            }
        })
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        ratatui::widgets::Widget::render(self, area, buf);
    }

    fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        update(self, XAction::Resize(width, height))
    }

    fn clipboard(&self) -> &[crate::clipboard::Backend] {
        &self.clipboard
    }
}

/// `idscope FILE.jsonl`: the explorer on an export. Exit codes as [`super::explore`].
pub fn explore(path: &std::path::Path, opts: &super::ExploreOptions) -> i32 {
    use std::io::IsTerminal;
    let source = match load::open(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if !std::io::stdout().is_terminal() {
        eprintln!(
            "idscope: the explorer needs a terminal, and stdout is not one.\n\
             For scripts and pipes use:\n  idscope resolve {} --mode simplified",
            idscope_core::text::visible(&path.display().to_string())
        );
        return 2;
    }
    let mode = opts.mode.unwrap_or(Mode::Simplified);
    let mut app = ExportApp::new(source, mode, opts.knobs);
    app.theme = theme::Theme::pick(opts.mono);
    app.clipboard = crate::clipboard::choose(&crate::clipboard::Env::detect(), &opts.clipboard);
    let _ = color_eyre::install();
    // The file is mapped: truncated while open, it gives the terminal back and says so.
    let _guard = crate::truncation::TruncationGuard::install_for_terminal(
        &idscope_core::text::path_text(path),
    );
    match shell::run(&mut app) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the terminal failed: {e:?}");
            2
        }
    }
}
