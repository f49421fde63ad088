//! `idscope FILE.jsonl`: a real export in the explorer (issue 6). The export is resolved
//! with [`idscope_core::stream::Stream`] (verdicts kept) once per mode and cached; the screen
//! lists the clusters (largest first), `/` filters them by id, and Enter opens a user's
//! timeline: each of its events with ingest id → final id, effect, reason and rule.
//!
//! Same shape as the main explorer: one [`ExportApp`], an [`XAction`] vocabulary, [`update`]
//! returning [`XEffect`]s, and a view (`impl Widget for &ExportApp`, in [`render`]). Its keys
//! live in one table, [`KEYS`], which drives dispatch, the hint bar and the help line.

pub mod load;
pub mod render;

use super::theme::{self, Theme};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::model::{Knobs, Mode};
use idscope_core::resolver::{Cluster, Verdict};
use idscope_core::stream::Stream;
use load::Input;
use std::collections::HashMap;

/// The export resolved in one mode.
pub struct Resolved {
    pub stream: Stream,
    /// Largest first.
    pub clusters: Vec<Cluster<u32>>,
    /// Per cluster key (canonical id; Legacy: the id stored), the indices of its events.
    pub timeline: HashMap<u32, Vec<u32>>,
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
    ToggleHelp,
    Resize(u16, u16),
}

/// What the loop must do after an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XEffect {
    Quit,
    /// Resolve the pending mode (after drawing "resolving…").
    Resolve,
}

/// One row of the key table: keys, what they do, the hint label (if hinted).
pub struct XKey {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    /// The help overlay's text.
    pub help: &'static str,
    pub action: XAction,
    pub hint: Option<&'static str>,
}

const fn xk(
    keys: &'static [KeyCode],
    label: &'static str,
    help: &'static str,
    action: XAction,
    hint: Option<&'static str>,
) -> XKey {
    XKey {
        keys,
        label,
        help,
        action,
        hint,
    }
}

/// The export view's keys (outside the search prompt), in hint order.
#[rustfmt::skip]
pub static KEYS: &[XKey] = &[
    xk(&[KeyCode::Char('j'), KeyCode::Down], "j/↓", "next user (timeline: scroll down)", XAction::Down, Some("move")),
    xk(&[KeyCode::Char('k'), KeyCode::Up], "k/↑", "previous user (timeline: scroll up)", XAction::Up, None),
    xk(&[KeyCode::PageDown], "PgDn", "a page down", XAction::PageDown, None),
    xk(&[KeyCode::PageUp], "PgUp", "a page up", XAction::PageUp, None),
    xk(&[KeyCode::Char('g'), KeyCode::Home], "g/Home", "the largest user (timeline: the first event)", XAction::Top, None),
    xk(&[KeyCode::Char('G'), KeyCode::End], "G/End", "the smallest user (timeline: the last event)", XAction::Bottom, None),
    xk(&[KeyCode::Enter], "Enter", "open the user's timeline (while searching: keep the filter)", XAction::Open, Some("timeline")),
    xk(&[KeyCode::Char('/')], "/", "search users by id (substring, as you type)", XAction::SearchStart, Some("search id")),
    xk(&[KeyCode::Char('m')], "m", "next merge mode (resolved once per mode, then cached)", XAction::ModeNext, Some("mode")),
    xk(&[KeyCode::Char('M')], "M", "previous merge mode", XAction::ModePrev, None),
    xk(&[KeyCode::Char('1')], "1", "Legacy", XAction::ModeSet(Mode::Legacy), None),
    xk(&[KeyCode::Char('2')], "2", "Original ID Merge", XAction::ModeSet(Mode::Original), None),
    xk(&[KeyCode::Char('3')], "3", "Simplified ID Merge", XAction::ModeSet(Mode::Simplified), None),
    xk(&[KeyCode::Esc], "Esc", "clear the search, close the timeline or this help", XAction::Back, Some("back")),
    xk(&[KeyCode::Char('?')], "?", "this help", XAction::ToggleHelp, Some("help")),
    xk(&[KeyCode::Char('q')], "q/Ctrl-C", "quit", XAction::Quit, Some("quit")),
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

    fn set_mode(&mut self, mode: Mode) -> Vec<XEffect> {
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
        vec![XEffect::Resolve]
    }

    /// Resolves the pending mode (the loop calls this after drawing the message).
    pub fn resolve_pending(&mut self) {
        if let Some(mode) = self.pending.take() {
            if !self.is_cached(mode) {
                self.cache[mode as usize] = Some(resolve(&self.input, mode, self.knobs));
            }
            self.switch_to(mode);
            self.message = Some(format!("resolved under {}", mode.title()));
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
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(ev.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        return Some(XAction::Quit);
    }
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
    KEYS.iter()
        .find(|k| k.keys.contains(&ev.code))
        .map(|k| k.action)
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
pub fn update(app: &mut ExportApp, action: XAction) -> Vec<XEffect> {
    if !matches!(action, XAction::Resize(..)) {
        app.message = None;
    }
    if app.pending.is_some() && !matches!(action, XAction::Quit | XAction::Resize(..)) {
        // Still resolving: say so again rather than act on a half-switched screen.
        app.message = Some("still resolving…".into());
        return vec![XEffect::Resolve];
    }
    match action {
        XAction::Quit => {
            app.should_quit = true;
            return vec![XEffect::Quit];
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
                    }
                    None => app.message = Some("no cluster matches".into()),
                }
            }
        }
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
pub fn hints(app: &ExportApp) -> Vec<(&'static str, &'static str)> {
    if app.searching {
        return vec![
            ("type", "filter by id"),
            ("Enter", "done"),
            ("Esc", "clear"),
        ];
    }
    // Short keys in the bar (the help lists them all).
    let short = |k: &XKey| match k.action {
        XAction::Down => "j/k",
        XAction::ModeNext => "m/1/2/3",
        XAction::Quit => "q",
        _ => k.label,
    };
    KEYS.iter()
        .filter_map(|k| k.hint.map(|h| (short(k), h)))
        .collect()
}

/// `idscope FILE.jsonl`: the explorer on an export. Exit codes as [`super::explore`].
pub fn explore(path: &std::path::Path, opts: &super::ExploreOptions) -> i32 {
    use std::io::IsTerminal;
    // Large exports take seconds to read: say so rather than leave the terminal blank.
    if std::io::stderr().is_terminal() {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if size > 10 << 20 {
            eprintln!(
                "idscope: reading {} ({} MB)…",
                idscope_core::text::visible(&path.display().to_string()),
                size >> 20
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
    match run(&mut app) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the terminal failed: {e:?}");
            2
        }
    }
}

fn run(app: &mut ExportApp) -> color_eyre::Result<()> {
    crossterm::style::Colored::set_ansi_color_disabled(false);
    let mut terminal = ratatui::try_init()?;
    let result = (|| -> color_eyre::Result<()> {
        let size = terminal.size()?;
        update(app, XAction::Resize(size.width, size.height));
        loop {
            terminal.draw(|f| f.render_widget(&*app, f.area()))?;
            if app.pending.is_some() {
                app.resolve_pending();
                continue;
            }
            let ev = crossterm::event::read()?;
            super::panic_key::check(&ev);
            if let Some(action) = map_event(app, &ev) {
                for effect in update(app, action) {
                    match effect {
                        XEffect::Quit => return Ok(()),
                        XEffect::Resolve => {}
                    }
                }
            }
        }
    })();
    ratatui::restore();
    result
}
