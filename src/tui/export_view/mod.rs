//! `idscope FILE.jsonl`: a real export in the explorer (issue 6). The export is resolved
//! with [`idscope_core::stream::Stream`] (verdicts kept) once per mode and cached; the screen
//! lists the clusters (largest first), `/` filters them by id, and Enter opens a user's
//! timeline: each of its events with ingest id → final id, effect, reason and rule.
//!
//! Same shape as the main explorer, in the same shell: one [`ExportApp`], an [`XAction`]
//! vocabulary, [`update`] returning [`Effect`]s (a mode not resolved yet is a [`Job`] the
//! shell runs after drawing "resolving…"), and a view (`impl Widget for &ExportApp`, in
//! [`render`]). Its keys live in one table of the shared [`Binding`] type, [`KEYS`], which
//! drives dispatch, the hint bar and the help.

pub mod load;
pub mod render;

use super::keymap::{self, b, code, ctrl, k, Binding, Group as G};
use super::shell::{self, Effect, Job, Outcome, Screen};
use super::theme::{self, Theme};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::model::{Knobs, Mode};
use idscope_core::resolver::{Cluster, Verdict};
use idscope_core::stream::Stream;
use load::Input;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::HashMap;

/// The export resolved in one mode.
pub struct Resolved {
    pub stream: Stream,
    /// Largest first.
    pub clusters: Vec<Cluster<u32>>,
    /// Per cluster key (canonical id; Legacy: the id stored), the indices of its events.
    pub timeline: HashMap<u32, Vec<u32>>,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("clusters", &self.clusters.len())
            .finish()
    }
}

impl Resolved {
    pub fn name(&self, id: u32) -> &str {
        self.stream.resolver().history().name(id)
    }

    /// The cluster an event belongs to (Legacy never moves events: the id stored).
    fn key(&self, v: &Verdict) -> Option<u32> {
        let id = v.ingest?;
        Some(match self.stream.resolver().mode() {
            Mode::Legacy => id,
            _ => self.stream.resolver().history().canonical(id),
        })
    }

    /// The id reports attribute an event to.
    pub fn final_name(&self, v: &Verdict) -> Option<&str> {
        self.stream
            .resolver()
            .final_id(v, u32::MAX)
            .map(|i| self.name(i))
    }
}

/// Resolves `input` in `mode`.
pub fn resolve(input: &Input, mode: Mode, knobs: Knobs) -> Resolved {
    let stream = input.resolve(mode, knobs);
    let mut clusters = stream.clusters();
    let mut resolved = Resolved {
        stream,
        clusters: Vec::new(),
        timeline: HashMap::new(),
    };
    {
        let h = resolved.stream.resolver().history();
        clusters.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.events.cmp(&a.events))
                .then_with(|| h.name(a.canonical).cmp(h.name(b.canonical)))
        });
    }
    let mut timeline: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, (_, v)) in resolved.stream.verdicts.iter().enumerate() {
        if let Some(k) = resolved.key(v) {
            timeline.entry(k).or_default().push(i as u32);
        }
    }
    resolved.clusters = clusters;
    resolved.timeline = timeline;
    resolved
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
    /// Enter: open the selected cluster's timeline (while searching: stop typing).
    Open,
    /// Esc: stop searching and clear the search, or close the timeline.
    Back,
    SearchStart,
    SearchChar(char),
    SearchBackspace,
    ModeNext,
    ModePrev,
    ModeSet(Mode),
    /// `H` / `L`: the timeline's right-hand columns sideways.
    Left,
    Right,
    ToggleHelp,
    Resize(u16, u16),
}

/// The export view's screens a key applies in (bit set). The help (`?`) is drawn over
/// either and keeps its keys working.
pub mod ctx {
    pub const LIST: u16 = 1;
    pub const TIMELINE: u16 = 2;
    pub const ALL: u16 = LIST | TIMELINE;
}

use ctx::ALL;

/// The export view's keys (outside the search prompt), in hint order.
#[rustfmt::skip]
pub static KEYS: &[Binding<XAction>] = &[
    b(&[k('j'), code(KeyCode::Down)], XAction::Down, ALL, G::Panes, "next user (timeline: scroll down)", Some("move")).shown_as("j/k"),
    b(&[k('k'), code(KeyCode::Up)], XAction::Up, ALL, G::Panes, "previous user (timeline: scroll up)", None),
    b(&[code(KeyCode::PageDown)], XAction::PageDown, ALL, G::Panes, "a page down", None),
    b(&[code(KeyCode::PageUp)], XAction::PageUp, ALL, G::Panes, "a page up", None),
    b(&[k('g'), code(KeyCode::Home)], XAction::Top, ALL, G::Panes, "the largest user (timeline: the first event)", None),
    b(&[k('G'), code(KeyCode::End)], XAction::Bottom, ALL, G::Panes, "the smallest user (timeline: the last event)", None),
    b(&[code(KeyCode::Enter)], XAction::Open, ALL, G::Views, "open the user's timeline (while searching: keep the filter)", Some("timeline")),
    b(&[k('L')], XAction::Right, ctx::TIMELINE, G::Panes, "timeline: scroll the right-hand columns (reason, time, ingest id) sideways", Some("sideways")).shown_as("H/L"),
    b(&[k('H')], XAction::Left, ctx::TIMELINE, G::Panes, "timeline: scroll back to the left", None),
    b(&[k('/')], XAction::SearchStart, ALL, G::Views, "search users by id (substring, as you type)", Some("search id")),
    b(&[k('m')], XAction::ModeNext, ALL, G::Modes, "next merge mode (resolved once per mode, then cached)", Some("mode")).shown_as("m/1/2/3"),
    b(&[k('M')], XAction::ModePrev, ALL, G::Modes, "previous merge mode", None),
    b(&[k('1')], XAction::ModeSet(Mode::Legacy), ALL, G::Modes, "Legacy", None),
    b(&[k('2')], XAction::ModeSet(Mode::Original), ALL, G::Modes, "Original ID Merge", None),
    b(&[k('3')], XAction::ModeSet(Mode::Simplified), ALL, G::Modes, "Simplified ID Merge", None),
    b(&[code(KeyCode::Esc)], XAction::Back, ALL, G::App, "clear the search, close the timeline or this help", Some("back")),
    b(&[k('?')], XAction::ToggleHelp, ALL, G::App, "this help", Some("help")),
    b(&[k('q'), ctrl('c')], XAction::Quit, ALL, G::App, "quit", Some("quit")).shown_as("q"),
];

pub struct ExportApp {
    pub input: Input,
    pub knobs: Knobs,
    pub mode: Mode,
    cache: [Option<Resolved>; 3],
    /// A mode asked for and not resolved yet.
    pub pending: Option<Mode>,
    pub query: String,
    /// Typing into the search prompt.
    pub searching: bool,
    /// Indices into the current mode's clusters that match the search.
    filtered: Vec<usize>,
    /// Position in `filtered`.
    pub selected: usize,
    /// First list row shown.
    pub scroll: usize,
    /// The open timeline: its cluster's key in the current mode.
    pub open: Option<u32>,
    pub timeline_scroll: usize,
    /// Cells of the timeline's sideways columns skipped.
    pub hscroll: usize,
    /// The key help (`?`) is shown.
    pub help: bool,
    pub message: Option<String>,
    pub size: (u16, u16),
    pub theme: &'static Theme,
    pub should_quit: bool,
}

impl ExportApp {
    /// Resolves `input` in `mode` right away.
    pub fn new(input: Input, mode: Mode, knobs: Knobs) -> ExportApp {
        let mut app = ExportApp {
            input,
            knobs,
            mode,
            cache: [None, None, None],
            pending: None,
            query: String::new(),
            searching: false,
            filtered: Vec::new(),
            selected: 0,
            scroll: 0,
            open: None,
            timeline_scroll: 0,
            hscroll: 0,
            help: false,
            message: None,
            size: (100, 30),
            theme: &theme::COLOR,
            should_quit: false,
        };
        app.cache[mode as usize] = Some(resolve(&app.input, mode, knobs));
        app.refilter();
        app
    }

    /// The current mode's resolution.
    pub fn resolved(&self) -> &Resolved {
        match &self.cache[self.mode as usize] {
            Some(r) => r,
            None => unreachable!("the current mode is always resolved"),
        }
    }

    /// Whether a mode is already resolved (cached).
    pub fn is_cached(&self, mode: Mode) -> bool {
        self.cache[mode as usize].is_some()
    }

    /// The clusters shown (after the search), in order.
    pub fn shown(&self) -> impl Iterator<Item = &Cluster<u32>> {
        let r = self.resolved();
        self.filtered.iter().map(move |&i| &r.clusters[i])
    }

    pub fn shown_len(&self) -> usize {
        self.filtered.len()
    }

    /// The selected cluster.
    pub fn selected_cluster(&self) -> Option<&Cluster<u32>> {
        let i = *self.filtered.get(self.selected)?;
        self.resolved().clusters.get(i)
    }

    /// The open timeline's events (indices into the verdicts).
    pub fn timeline(&self) -> &[u32] {
        self.open
            .and_then(|k| self.resolved().timeline.get(&k))
            .map_or(&[], |v| v.as_slice())
    }

    fn refilter(&mut self) {
        let r = self.resolved();
        let q = self.query.as_str();
        let h = r.stream.resolver().history();
        self.filtered = (0..r.clusters.len())
            .filter(|&i| {
                q.is_empty() || r.clusters[i].members.iter().any(|&m| h.name(m).contains(q))
            })
            .collect();
        self.selected = self.selected.min(self.filtered.len().saturating_sub(1));
        self.clamp();
    }

    /// Rows of the list or timeline body.
    pub fn body_rows(&self) -> usize {
        // Header (2), status (1), block borders (2), column/search line (1).
        (self.size.1 as usize).saturating_sub(6).max(1)
    }

    fn clamp(&mut self) {
        let rows = self.body_rows();
        let n = self.filtered.len();
        self.selected = self.selected.min(n.saturating_sub(1));
        if self.selected < self.scroll {
            self.scroll = self.selected;
        }
        if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
        self.scroll = self.scroll.min(n.saturating_sub(1));
        let t = self.timeline().len();
        self.timeline_scroll = self.timeline_scroll.min(t.saturating_sub(rows));
    }

    fn move_by(&mut self, delta: isize) {
        if self.open.is_some() {
            let max = self.timeline().len().saturating_sub(self.body_rows());
            self.timeline_scroll = self.timeline_scroll.saturating_add_signed(delta).min(max);
        } else {
            let max = self.filtered.len().saturating_sub(1);
            self.selected = self.selected.saturating_add_signed(delta).min(max);
            self.clamp();
        }
    }

    /// The key table's context for what is on screen.
    pub fn context(&self) -> u16 {
        if self.open.is_some() {
            ctx::TIMELINE
        } else {
            ctx::LIST
        }
    }

    fn set_mode(&mut self, mode: Mode) -> Vec<Effect> {
        if mode == self.mode && self.pending.is_none() {
            return Vec::new();
        }
        if self.is_cached(mode) {
            self.switch_to(mode);
            return Vec::new();
        }
        self.pending = Some(mode);
        self.message = Some(format!(
            "resolving {} events under {}…",
            self.input.events.len(),
            mode.title()
        ));
        vec![Effect::Job(Job::Resolve(mode))]
    }

    /// A mode resolved by the shell: cache it and show it.
    fn resolved_as(&mut self, mode: Mode, resolved: Resolved) {
        self.cache[mode as usize] = Some(resolved);
        if self.pending == Some(mode) {
            self.switch_to(mode);
            self.message = Some(format!("resolved under {}", mode.title()));
        }
    }

    /// Runs the pending job at once (tests and benches, which have no shell loop).
    pub fn resolve_pending(&mut self) {
        if let Some(mode) = self.pending {
            if let Some(outcome) = self.run_job(Job::Resolve(mode)) {
                on_outcome(self, outcome);
            }
        }
    }

    fn switch_to(&mut self, mode: Mode) {
        // Keep the open user (and the selection) by name across modes.
        let open_name = self.open.map(|k| self.resolved().name(k).to_string());
        let sel_name = self
            .selected_cluster()
            .map(|c| self.resolved().name(c.canonical).to_string());
        self.mode = mode;
        self.pending = None;
        self.refilter();
        let r = self.resolved();
        let h = r.stream.resolver().history();
        let key_of = |name: &str| {
            h.lookup(name).map(|id| match mode {
                Mode::Legacy => id,
                _ => h.canonical(id),
            })
        };
        let open = open_name.as_deref().and_then(key_of);
        let sel = sel_name.as_deref().and_then(key_of).and_then(|k| {
            self.filtered
                .iter()
                .position(|&i| r.clusters[i].canonical == k)
        });
        self.open = open;
        self.timeline_scroll = 0;
        self.selected = sel.unwrap_or(0);
        self.clamp();
    }
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
    if app.pending.is_some() && !matches!(action, XAction::Quit | XAction::Resize(..)) {
        // Still resolving: say so again rather than act on a half-switched screen.
        app.message = Some("still resolving…".into());
        return Vec::new();
    }
    match action {
        XAction::Quit => {
            app.should_quit = true;
            return vec![Effect::Quit];
        }
        XAction::Down => app.move_by(1),
        XAction::Up => app.move_by(-1),
        XAction::PageDown => app.move_by(app.body_rows() as isize),
        XAction::PageUp => app.move_by(-(app.body_rows() as isize)),
        XAction::Top => app.move_by(isize::MIN / 2),
        XAction::Bottom => app.move_by(isize::MAX / 2),
        XAction::Open => {
            if app.searching {
                app.searching = false;
            } else if app.open.is_none() {
                match app.selected_cluster() {
                    Some(c) => {
                        app.open = Some(c.canonical);
                        app.timeline_scroll = 0;
                        app.hscroll = 0;
                    }
                    None => app.message = Some("no cluster matches".into()),
                }
            }
        }
        XAction::Left => app.hscroll = app.hscroll.saturating_sub(8),
        XAction::Right => app.hscroll = (app.hscroll + 8).min(render::timeline_strip(app)),
        XAction::ToggleHelp => app.help = !app.help,
        XAction::Back if app.help => app.help = false,
        XAction::Back => {
            if app.searching || (app.open.is_none() && !app.query.is_empty()) {
                app.searching = false;
                app.query.clear();
                app.refilter();
            } else if app.open.is_some() {
                app.open = None;
            }
        }
        XAction::SearchStart => {
            app.open = None;
            app.searching = true;
        }
        XAction::SearchChar(c) => {
            if app.query.len() < 4096 {
                app.query.push(c);
            }
            app.selected = 0;
            app.refilter();
        }
        XAction::SearchBackspace => {
            app.query.pop();
            app.refilter();
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
            ("type".into(), "filter by id"),
            ("Enter".into(), "done"),
            ("Esc".into(), "clear"),
        ];
    }
    keymap::hints(KEYS, app.context())
}

/// Takes back what came of an effect the shell carried out.
pub fn on_outcome(app: &mut ExportApp, outcome: Outcome) -> Vec<Effect> {
    if let Outcome::Resolved(mode, resolved) = outcome {
        app.resolved_as(mode, *resolved);
    }
    Vec::new()
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

    fn run_job(&self, job: Job) -> Option<Outcome> {
        let Job::Resolve(mode) = job;
        Some(Outcome::Resolved(
            mode,
            Box::new(resolve(&self.input, mode, self.knobs)),
        ))
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        ratatui::widgets::Widget::render(self, area, buf);
    }

    fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        update(self, XAction::Resize(width, height))
    }
}

/// `idscope FILE.jsonl`: the explorer on an export. Exit codes as [`super::explore`].
pub fn explore(path: &std::path::Path, opts: &super::ExploreOptions) -> i32 {
    use std::io::IsTerminal;
    // Large exports take seconds to read: say so rather than leave the terminal blank.
    if std::io::stderr().is_terminal() {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if size > 10 << 20 {
            eprintln!(
                "idscope: reading {} ({})…",
                idscope_core::text::visible(&path.display().to_string()),
                idscope_core::text::human_size(size)
            );
        }
    }
    let input = match load::load(path) {
        Ok(i) => i,
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
    eprintln!(
        "idscope: resolving {} events from {}…",
        input.events.len(),
        input.name
    );
    let mut app = ExportApp::new(input, Mode::Simplified, opts.knobs);
    app.theme = theme::Theme::from_env();
    let _ = color_eyre::install();
    match shell::run(&mut app) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the terminal failed: {e:?}");
            2
        }
    }
}
