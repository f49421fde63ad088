//! The explorer's model (TEA-lite): one [`App`], an [`Action`] vocabulary shared by keys,
//! mouse and tests, and [`update`], which changes the model and returns the [`Effect`]s the
//! shell must carry out; [`on_outcome`] takes back what came of them. Nothing here touches
//! the terminal or the disk.

use super::keymap::{self, ctx};
use super::layout::{self, Areas};
use super::source::Entry;
use super::step_clusters;
use super::theme::{self, Theme};
use idscope_core::model::{Knobs, Mode};
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::Scenario;
use ratatui::layout::{Position, Rect};
use std::ops::Range;

/// The three panes of the main screen, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Steps,
    Payloads,
    Clusters,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Steps, Pane::Payloads, Pane::Clusters];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % 3]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + 2) % 3]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Steps => "Steps",
            Pane::Payloads => "Payloads",
            Pane::Clusters => "Clusters",
        }
    }
}

/// What is drawn over the main screen. One at a time; `Esc` closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    /// `event` is the payload's index in the run.
    Detail {
        event: usize,
        scroll: usize,
    },
    /// `scroll` is the first event row shown.
    Events {
        scroll: usize,
    },
    Compare {
        scroll: usize,
    },
    /// `selected` is a position in the filtered list ([`App::picker_matches`]).
    Picker {
        selected: usize,
    },
    /// The scenario's description and every step's full note.
    Info {
        scroll: usize,
    },
    /// The identity graph: of the cluster the selected payload counts for, or of `all`.
    Graph {
        scroll: usize,
        all: bool,
    },
    /// One lane per device, one row per step, each event marked by whom it counts for.
    Lanes {
        scroll: usize,
    },
}

/// Everything the user (or a test) can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    StepNext,
    StepPrev,
    StepFirst,
    StepLast,
    ModeNext,
    ModePrev,
    ModeSet(Mode),
    PlaybookCycle,
    /// Cycle the knob sets: the defaults, then each set the scenario's `expect.variants` use.
    KnobsCycle,
    FocusNext,
    FocusPrev,
    ScrollDown,
    ScrollUp,
    /// `H` / `L`: scroll a table's sideways columns.
    ScrollLeft,
    ScrollRight,
    PageDown,
    PageUp,
    OpenDetail,
    PickerOpen,
    ToggleEvents,
    ToggleCompare,
    /// `i`: the identity graph.
    ToggleGraph,
    /// `a` in the graph: the selected payload's cluster ↔ every cluster.
    GraphAll,
    /// `t`: swimlanes, one lane per device.
    ToggleLanes,
    /// `I`: the scenario's description and full notes.
    ToggleInfo,
    /// `/` in the picker: filter by name and description.
    PickerFilter,
    /// A key while the picker's filter takes text.
    PickerKey(crossterm::event::KeyEvent),
    /// A key no binding of the current screen knows.
    UnknownKey(crossterm::event::KeyCode),
    OpenPicker,
    ToggleHelp,
    CloseOverlay,
    Resize(u16, u16),
    MouseScroll {
        column: u16,
        row: u16,
        down: bool,
    },
    MouseClick {
        column: u16,
        row: u16,
    },
    /// `y`: copy the selected payload (pretty JSON as sent).
    CopySelected,
    /// `Y`: copy every event up to the cursor (NDJSON).
    CopyUntil,
    /// `x`: the export menu.
    ExportMenu,
    /// A key while the export menu is open (it takes text).
    MenuKey(crossterm::event::KeyEvent),
    /// The event loop's idle tick: the open scenario file is checked for changes.
    Tick,
    /// `n`: a new, empty scenario (the playground).
    NewScenario,
    /// `a`: the add-step prompt.
    AddStep,
    /// `d`: delete the step under the cursor.
    DeleteStep,
    /// `u`: undo the last edit.
    Undo,
    /// Ctrl-R: redo.
    Redo,
    /// `K`: move the step under the cursor up.
    MoveStepUp,
    /// `J`: move the step under the cursor down.
    MoveStepDown,
    /// `s`: save as a scenario file.
    Save,
    /// `E`: edit the step under the cursor in place (the add-step prompt, filled in).
    EditStep,
    /// `R`: rename the scenario or one of its devices.
    Rename,
    /// `=`: keep the current outcome of all three modes as the scenario's `expect`.
    KeepExpect,
    /// A key while a playground prompt is open (they take text).
    PromptKey(crossterm::event::KeyEvent),
}

pub use super::shell::Effect;
use super::shell::{Outcome, Screen, WriteKind};

pub struct App {
    /// Everything the picker lists.
    pub entries: Vec<Entry>,
    /// Index in `entries` of the open scenario.
    pub current: usize,
    pub scenario: Scenario,
    pub knobs: Knobs,
    pub mode: Mode,
    /// None: the playbook follows the mode.
    pub playbook: Option<Mode>,
    /// One run per mode (indexed by `Mode as usize`) for the current playbook setting.
    runs: [Run; 3],
    /// Runs for the other playbook settings already computed, so cycling back is instant.
    cache: Vec<(Option<Mode>, [Run; 3])>,
    /// Steps done: 1..=N (0 only for a scenario without steps).
    pub cursor: usize,
    pub focus: Pane,
    /// Per pane: Steps → first step shown (0-based); Payloads and Clusters → first line.
    pub scroll: [usize; 3],
    /// Cells of a table's sideways-scrolling columns skipped (events table, swimlanes).
    pub hscroll: usize,
    pub overlay: Option<Overlay>,
    /// A transient message for the status bar; cleared by the next action.
    pub message: Option<String>,
    pub should_quit: bool,
    pub mouse: bool,
    pub theme: &'static Theme,
    /// The terminal size, for paging and mouse hit-testing.
    pub size: (u16, u16),
    /// The clusters after the current step, compared with the step before (kept up to date
    /// by `update`, so a frame does not recompute them).
    clusters: Vec<step_clusters::Diffed>,
    /// The export menu (`x`), when open.
    pub export_menu: Option<super::export_menu::Menu>,
    /// Clipboard backends, chosen once at start (none in tests).
    pub clipboard: Vec<crate::clipboard::Backend>,
    /// The open scenario's file, polled for changes on each tick (live reload).
    pub watch: Option<super::reload::Watch>,
    /// The scenario was edited and not saved since (live reload must not replace it; quit
    /// asks first).
    pub dirty: bool,
    /// Editing history and the open prompt of the playground (`a`, `d`, `u`, `s`, …).
    pub playground: super::playground::Playground,
    /// The payloads pane's scroll per step, so the payload selected there is selected again
    /// when the user steps back.
    payload_scroll: std::collections::HashMap<usize, usize>,
    /// The picker's filter (`/`) and whether it is taking text.
    pub picker_query: String,
    pub picker_typing: bool,
    /// Bumped whenever the runs are replaced, so caches keyed by it never outlive them.
    generation: u64,
    /// The identity graph's edges of a run (generation, mode), built on first use: the
    /// graph view then costs one step's clusters per keypress, not a pass over every event.
    graph_index:
        std::cell::RefCell<Option<(u64, Mode, std::rc::Rc<idscope_core::graph::EdgeIndex>)>>,
}

fn runs_for(scenario: &Scenario, playbook: Option<Mode>, knobs: Knobs) -> [Run; 3] {
    Mode::ALL.map(|mode| {
        Run::new(
            scenario,
            RunConfig {
                mode,
                playbook,
                knobs,
            },
        )
    })
}

impl App {
    /// Opens the first valid scenario of `entries`; Err when none is valid.
    pub fn new(entries: Vec<Entry>) -> Result<App, String> {
        let current = entries
            .iter()
            .position(|e| e.scenario.is_ok())
            .ok_or_else(|| "no valid scenario to open".to_string())?;
        let scenario = match &entries[current].scenario {
            Ok(s) => s.clone(),
            Err(e) => return Err(e.clone()),
        };
        let knobs = Knobs::default();
        let runs = runs_for(&scenario, None, knobs);
        let mut app = App {
            entries,
            current,
            scenario,
            knobs,
            mode: Mode::Simplified,
            playbook: None,
            runs,
            cache: Vec::new(),
            cursor: 0,
            focus: Pane::Steps,
            scroll: [0; 3],
            hscroll: 0,
            overlay: None,
            message: None,
            should_quit: false,
            mouse: false,
            theme: &theme::COLOR,
            size: (100, 30),
            clusters: Vec::new(),
            export_menu: None,
            clipboard: Vec::new(),
            watch: None,
            dirty: false,
            playground: Default::default(),
            payload_scroll: Default::default(),
            picker_query: String::new(),
            picker_typing: false,
            generation: 0,
            graph_index: Default::default(),
        };
        app.cursor = app.min_cursor();
        app.clusters = step_clusters::diff(&app);
        Ok(app)
    }

    /// An explorer on one scenario (tests, benches).
    pub fn from_scenario(scenario: Scenario) -> App {
        let origin = format!("{}.json", scenario.name);
        App::new(vec![Entry::from_scenario(&origin, scenario)])
            .unwrap_or_else(|_| unreachable!("one valid entry"))
    }

    /// The mode and playbook to show first (the settings file's); None keeps the default.
    pub fn start_in(&mut self, mode: Option<Mode>, playbook: Option<Mode>) {
        if playbook.is_some() && playbook != self.playbook {
            self.playbook = playbook;
            self.cache.clear();
            self.runs = runs_for(&self.scenario, self.playbook, self.knobs);
            self.generation += 1;
            self.after_change();
        }
        if let Some(mode) = mode {
            self.set_mode(mode);
        }
    }

    /// Replays with other knobs (the rule book's **[choice]**s).
    pub fn set_knobs(&mut self, knobs: Knobs) {
        if knobs == self.knobs {
            return;
        }
        self.knobs = knobs;
        self.cache.clear();
        self.runs = runs_for(&self.scenario, self.playbook, knobs);
        self.generation += 1;
        self.after_change();
    }

    /// The knob sets worth showing: the defaults, then each distinct set the scenario's
    /// `expect.variants` use.
    pub fn knob_sets(&self) -> Vec<Knobs> {
        let mut sets = vec![Knobs::default()];
        let variants = self.scenario.expect.iter().flat_map(|e| &e.variants);
        for k in variants.filter_map(|v| v.knobs) {
            if !sets.contains(&k) {
                sets.push(k);
            }
        }
        sets
    }

    fn cycle_knobs(&mut self) {
        let sets = self.knob_sets();
        let i = sets.iter().position(|k| *k == self.knobs);
        let next = sets[i.map_or(0, |i| (i + 1) % sets.len())];
        if sets.len() == 1 && next == self.knobs {
            self.message = Some("this scenario uses only the default knobs".into());
            return;
        }
        self.set_knobs(next);
        self.message = Some(if next.is_default() {
            "knobs: the rule book's defaults".into()
        } else {
            "knobs: a variant from the scenario's expect block".into()
        });
    }

    /// The run shown: the current mode under the current playbook setting.
    pub fn run(&self) -> &Run {
        self.run_for(self.mode)
    }

    pub fn run_for(&self, mode: Mode) -> &Run {
        &self.runs[mode as usize]
    }

    /// The current run's [`EdgeIndex`](idscope_core::graph::EdgeIndex), built once per run.
    pub fn graph_index(&self) -> std::rc::Rc<idscope_core::graph::EdgeIndex> {
        let mut cache = self.graph_index.borrow_mut();
        match &*cache {
            Some((g, m, index)) if *g == self.generation && *m == self.mode => index.clone(),
            _ => {
                let index = std::rc::Rc::new(idscope_core::graph::EdgeIndex::new(self.run()));
                *cache = Some((self.generation, self.mode, index.clone()));
                index
            }
        }
    }

    pub fn total_steps(&self) -> usize {
        self.scenario.steps.len()
    }

    fn min_cursor(&self) -> usize {
        usize::from(self.total_steps() > 0)
    }

    /// The payload indices the current step sent.
    pub fn step_events(&self) -> Range<usize> {
        match self.cursor {
            0 => 0..0,
            k => self
                .run()
                .steps
                .get(k - 1)
                .map_or(0..0, |s| s.events.clone()),
        }
    }

    /// The screen's keymap context ([`ctx`] bit).
    pub fn context(&self) -> u16 {
        match self.overlay {
            None => ctx::MAIN,
            Some(Overlay::Help { .. }) => ctx::HELP,
            Some(Overlay::Detail { .. }) => ctx::DETAIL,
            Some(Overlay::Events { .. }) => ctx::EVENTS,
            Some(Overlay::Compare { .. }) => ctx::COMPARE,
            Some(Overlay::Picker { .. }) => ctx::PICKER,
            Some(Overlay::Info { .. }) => ctx::INFO,
            Some(Overlay::Graph { .. }) => ctx::GRAPH,
            Some(Overlay::Lanes { .. }) => ctx::LANES,
        }
    }

    pub fn areas(&self) -> Areas {
        layout::areas(Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Inner width of the payloads pane (for wrapping the explanations).
    pub fn payload_width(&self) -> usize {
        layout::inner(self.areas().payloads).width as usize
    }

    /// The payload Enter opens: the first whose header is in view in the payloads pane (else
    /// the one the view is inside).
    pub fn selected_event(&self) -> Option<usize> {
        let blocks = layout::payload_blocks(self, self.payload_width());
        let height = layout::inner(self.areas().payloads).height as usize;
        layout::select_payload(&blocks, self.scroll[Pane::Payloads.index()], height)
            .map(|(_, e)| *e)
    }

    /// Moves the cursor, clamped to the steps; says so when it cannot move.
    fn set_cursor(&mut self, k: usize) {
        let k = k.clamp(self.min_cursor(), self.total_steps());
        if k == self.cursor {
            self.message = Some(if k <= self.min_cursor() {
                "already at the first step".into()
            } else {
                "already at the last step".into()
            });
            return;
        }
        let pane = Pane::Payloads.index();
        self.payload_scroll.insert(self.cursor, self.scroll[pane]);
        self.cursor = k;
        self.scroll[pane] = self.payload_scroll.get(&k).copied().unwrap_or(0);
        self.after_change();
    }

    /// The clusters after the current step, compared with the step before.
    pub fn clusters(&self) -> &[step_clusters::Diffed] {
        &self.clusters
    }

    /// Recomputes what depends on the step, mode or playbook; keeps every scroll offset
    /// valid and the cursor step visible.
    fn after_change(&mut self) {
        self.clusters = step_clusters::diff(self);
        self.relayout();
    }

    /// Keeps every scroll offset valid and the cursor step visible (after a change or a
    /// resize).
    fn relayout(&mut self) {
        self.clamp_scrolls();
        self.steps_follow_cursor();
        if let Some(Overlay::Events { scroll }) = self.overlay {
            self.overlay = Some(Overlay::Events {
                scroll: self.events_follow(scroll),
            });
        }
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.after_change();
    }

    fn cycle_playbook(&mut self) {
        let next = match self.playbook {
            None => Some(Mode::Legacy),
            Some(Mode::Legacy) => Some(Mode::Original),
            Some(Mode::Original) => Some(Mode::Simplified),
            Some(Mode::Simplified) => None,
        };
        let fresh = match self.cache.iter().position(|(p, _)| *p == next) {
            Some(i) => self.cache.swap_remove(i).1,
            None => runs_for(&self.scenario, next, self.knobs),
        };
        let old = std::mem::replace(&mut self.runs, fresh);
        self.generation += 1;
        self.cache.push((self.playbook, old));
        self.playbook = next;
        self.message = Some(match next {
            None => "playbook follows the mode".into(),
            Some(m) => format!(
                "playbook fixed to {m}: the code was written for {}",
                m.title()
            ),
        });
        self.after_change();
    }

    /// Replaces the scenario with an edited version (the playground): replays the three
    /// modes and puts the cursor on step `cursor` (clamped).
    pub fn replace_scenario(&mut self, scenario: Scenario, cursor: usize) {
        self.scenario = scenario;
        self.cache.clear();
        self.runs = runs_for(&self.scenario, self.playbook, self.knobs);
        self.generation += 1;
        self.cursor = cursor.clamp(self.min_cursor(), self.total_steps());
        self.after_change();
    }

    /// Opens the picker's entry `index` (the playground, after unsaved changes are settled).
    pub fn open_entry_at(&mut self, index: usize) {
        self.open_entry(index);
    }

    fn open_entry(&mut self, index: usize) {
        let Some(entry) = self.entries.get(index) else {
            return;
        };
        match &entry.scenario {
            Err(e) => {
                self.message = Some(format!("cannot open: {}", first_line(e)));
            }
            Ok(s) => {
                self.scenario = s.clone();
                self.current = index;
                super::playground::reset(self);
                self.cache.clear();
                self.runs = runs_for(&self.scenario, self.playbook, self.knobs);
                self.generation += 1;
                self.cursor = self.min_cursor();
                self.scroll = [0; 3];
                self.overlay = None;
                self.after_change();
            }
        }
    }

    /// The picker's entries that match its filter (name, description or file), as indices
    /// into `entries`, in order.
    pub fn picker_matches(&self) -> Vec<usize> {
        let q = self.picker_query.to_lowercase();
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                q.is_empty()
                    || e.origin.to_lowercase().contains(&q)
                    || e.scenario.as_ref().is_ok_and(|s| {
                        s.name.to_lowercase().contains(&q)
                            || s.description
                                .as_deref()
                                .unwrap_or("")
                                .to_lowercase()
                                .contains(&q)
                    })
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn picker_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Esc => {
                self.picker_typing = false;
                self.picker_query.clear();
            }
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => self.picker_typing = false,
            KeyCode::Backspace => {
                self.picker_query.pop();
            }
            KeyCode::Char(c) if !c.is_control() && self.picker_query.len() < 256 => {
                self.picker_query.push(c)
            }
            _ => {}
        }
        self.overlay = Some(Overlay::Picker { selected: 0 });
    }

    /// Rows of the body for the events table (header row excluded).
    fn events_rows(&self) -> usize {
        (self.areas().body.height as usize).saturating_sub(4).max(1)
    }

    /// An events-table offset that shows the current step's events.
    fn events_follow(&self, scroll: usize) -> usize {
        let n = self.run().events_until(self.cursor);
        let rows = self.events_rows();
        let first = self.step_events().start;
        let mut s = scroll.min(n.saturating_sub(1));
        if n > s + rows {
            s = n - rows;
        }
        if first < s {
            s = first;
        }
        s
    }

    fn steps_follow_cursor(&mut self) {
        let n = self.total_steps();
        let height = (layout::inner(self.areas().steps).height as usize).max(1);
        let h = |i: usize| layout::step_height(self, i);
        let cur = self.cursor.saturating_sub(1);
        let mut top = self.scroll[Pane::Steps.index()].min(cur);
        // Walk back from the cursor while its step and the ones above it fit.
        let mut used = 0;
        let mut first = cur;
        loop {
            used += h(first);
            if used > height {
                first += 1;
                break;
            }
            if first == 0 || first == top {
                break;
            }
            first -= 1;
        }
        top = top.max(first.min(cur));
        // Show as much as fits: pull the top up while everything from it to the end fits.
        let mut used = 0;
        let mut i = top;
        while i < n && used <= height {
            used += h(i);
            i += 1;
        }
        while top > 0 && used + h(top - 1) <= height {
            top -= 1;
            used += h(top);
        }
        self.scroll[Pane::Steps.index()] = top;
    }

    fn page(&self, pane: Pane) -> usize {
        let a = self.areas();
        let r = match pane {
            Pane::Steps => a.steps,
            Pane::Payloads => a.payloads,
            Pane::Clusters => a.clusters,
        };
        (layout::inner(r).height as usize).saturating_sub(1).max(1)
    }

    fn pane_max(&self, pane: Pane) -> usize {
        match pane {
            Pane::Steps => self.total_steps().saturating_sub(1),
            Pane::Payloads => {
                let w = self.payload_width();
                let blocks = layout::payload_blocks(self, w);
                let len = layout::payload_len(self, w);
                let h = layout::inner(self.areas().payloads).height as usize;
                let last = blocks.last().map_or(0, |(s, _)| *s);
                len.saturating_sub(h).max(last)
            }
            Pane::Clusters => {
                let inner = layout::inner(self.areas().clusters);
                let len = layout::cluster_len(self, inner.width as usize);
                let h = inner.height as usize;
                len.saturating_sub(h)
            }
        }
    }

    fn clamp_scrolls(&mut self) {
        for pane in Pane::ALL {
            let max = self.pane_max(pane);
            let s = &mut self.scroll[pane.index()];
            *s = (*s).min(max);
        }
    }

    fn scroll_pane(&mut self, pane: Pane, delta: isize) {
        let max = self.pane_max(pane);
        let s = &mut self.scroll[pane.index()];
        *s = s.saturating_add_signed(delta).min(max);
    }

    fn scroll(&mut self, delta: isize, page: bool) {
        let overlay_page = (self.size.1 as usize).saturating_sub(8).max(1) as isize;
        let picker_max = self.picker_matches().len().saturating_sub(1);
        match &mut self.overlay {
            None => {
                let pane = self.focus;
                let d = if page {
                    delta * self.page(pane) as isize
                } else {
                    delta
                };
                self.scroll_pane(pane, d);
            }
            Some(Overlay::Picker { selected }) => {
                let d = if page { delta * 5 } else { delta };
                *selected = selected.saturating_add_signed(d).min(picker_max);
            }
            Some(Overlay::Events { .. }) => {
                let rows = self.events_rows() as isize;
                let n = self.run().events_until(self.cursor);
                let d = if page { delta * rows } else { delta };
                if let Some(Overlay::Events { scroll }) = &mut self.overlay {
                    *scroll = scroll
                        .saturating_add_signed(d)
                        .min(n.saturating_sub(rows as usize));
                }
            }
            Some(_) => {
                let max = layout::overlay_max_scroll(self);
                let d = if page { delta * overlay_page } else { delta };
                if let Some(
                    Overlay::Help { scroll }
                    | Overlay::Detail { scroll, .. }
                    | Overlay::Compare { scroll }
                    | Overlay::Info { scroll }
                    | Overlay::Graph { scroll, .. }
                    | Overlay::Lanes { scroll },
                ) = &mut self.overlay
                {
                    *scroll = scroll.saturating_add_signed(d).min(max);
                }
            }
        }
    }

    fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let a = self.areas();
        let p = Position::new(column, row);
        [
            (a.steps, Pane::Steps),
            (a.payloads, Pane::Payloads),
            (a.clusters, Pane::Clusters),
        ]
        .into_iter()
        .find(|(r, _)| r.contains(p))
        .map(|(_, pane)| pane)
    }

    /// The mode tab at `column` of the header's second row.
    fn tab_at(&self, column: u16) -> Option<Mode> {
        let wide = self.size.0 >= layout::SIDE_BY_SIDE;
        let mut x = 1u16;
        for mode in Mode::ALL {
            let w = layout::tab_width(mode, wide);
            if (x..x + w).contains(&column) {
                return Some(mode);
            }
            x += w + 1;
        }
        None
    }

    fn click(&mut self, column: u16, row: u16) {
        if self.overlay.is_some() {
            return;
        }
        let header = self.areas().header;
        if row == header.y + 1 && header.height == 2 {
            if let Some(mode) = self.tab_at(column) {
                self.set_mode(mode);
            }
            return;
        }
        let Some(pane) = self.pane_at(column, row) else {
            return;
        };
        self.focus = pane;
        let a = self.areas();
        match pane {
            Pane::Steps => {
                let inner = layout::inner(a.steps);
                if row < inner.y {
                    return;
                }
                let mut line = (row - inner.y) as usize;
                let mut i = self.scroll[Pane::Steps.index()];
                while i < self.total_steps() {
                    let h = layout::step_height(self, i);
                    if line < h {
                        if i + 1 != self.cursor {
                            self.set_cursor(i + 1);
                        }
                        return;
                    }
                    line -= h;
                    i += 1;
                }
            }
            Pane::Payloads => {
                let inner = layout::inner(a.payloads);
                if row < inner.y {
                    return;
                }
                let line = self.scroll[Pane::Payloads.index()] + (row - inner.y) as usize;
                let blocks = layout::payload_blocks(self, inner.width as usize);
                if let Some((start, _)) = blocks.iter().rev().find(|(s, _)| *s <= line) {
                    self.scroll[Pane::Payloads.index()] = *start;
                    self.clamp_scrolls();
                }
            }
            Pane::Clusters => {}
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Cells one `H`/`L` press scrolls a table sideways.
const HSCROLL_STEP: usize = 8;

/// Applies one action. Actions the current screen has no key for are ignored (an open
/// overlay swallows navigation); `Quit` always works.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if !matches!(action, Action::Resize(..) | Action::Tick) {
        app.message = None;
    }
    if app.playground.prompt.is_some() && !super::playground::passes(&action) {
        return Vec::new();
    }
    if app.export_menu.is_some() && !super::export_menu::passes(&action) {
        return Vec::new();
    }
    if !keymap::allowed(action, app.context()) {
        return Vec::new();
    }
    match action {
        Action::Quit => return super::playground::quit(app),
        Action::StepNext => app.set_cursor(app.cursor.saturating_add(1)),
        Action::StepPrev => app.set_cursor(app.cursor.saturating_sub(1)),
        Action::StepFirst => app.set_cursor(0),
        Action::StepLast => app.set_cursor(usize::MAX),
        Action::ModeNext => app.set_mode(app.mode.next()),
        Action::ModePrev => app.set_mode(app.mode.prev()),
        Action::ModeSet(m) => app.set_mode(m),
        Action::PlaybookCycle => app.cycle_playbook(),
        Action::KnobsCycle => app.cycle_knobs(),
        Action::FocusNext => app.focus = app.focus.next(),
        Action::FocusPrev => app.focus = app.focus.prev(),
        Action::ScrollDown => app.scroll(1, false),
        Action::ScrollUp => app.scroll(-1, false),
        Action::PageDown => app.scroll(1, true),
        Action::PageUp => app.scroll(-1, true),
        Action::ScrollLeft => app.hscroll = app.hscroll.saturating_sub(HSCROLL_STEP),
        Action::ScrollRight => {
            let max = layout::hscroll_max(app);
            app.hscroll = (app.hscroll + HSCROLL_STEP).min(max);
        }
        Action::OpenDetail => match app.selected_event() {
            Some(event) => app.overlay = Some(Overlay::Detail { event, scroll: 0 }),
            None => app.message = Some("this step sent no payload".into()),
        },
        Action::PickerOpen => {
            if let Some(Overlay::Picker { selected }) = app.overlay {
                let Some(&index) = app.picker_matches().get(selected) else {
                    app.message = Some("no scenario matches the filter".into());
                    return Vec::new();
                };
                if !super::playground::may_open(app, index) {
                    return Vec::new();
                }
                app.open_entry(index);
            }
        }
        Action::PickerFilter => {
            app.picker_typing = true;
            app.overlay = Some(Overlay::Picker { selected: 0 });
        }
        Action::PickerKey(key) => app.picker_key(key),
        Action::UnknownKey(code) => {
            let key = super::keymap::code(code).label();
            app.message = Some(format!("unknown key {key} here — ? for help"));
        }
        Action::ToggleGraph => {
            app.overlay = match app.overlay {
                Some(Overlay::Graph { .. }) => None,
                _ => Some(Overlay::Graph {
                    scroll: 0,
                    all: app.selected_event().is_none(),
                }),
            }
        }
        Action::GraphAll => {
            if let Some(Overlay::Graph { all, .. }) = app.overlay {
                app.overlay = Some(Overlay::Graph {
                    scroll: 0,
                    all: !all,
                });
            }
        }
        Action::ToggleLanes => {
            app.hscroll = 0;
            app.overlay = match app.overlay {
                Some(Overlay::Lanes { .. }) => None,
                _ => Some(Overlay::Lanes { scroll: 0 }),
            }
        }
        Action::ToggleInfo => {
            app.overlay = match app.overlay {
                Some(Overlay::Info { .. }) => None,
                _ => Some(Overlay::Info { scroll: 0 }),
            }
        }
        Action::ToggleEvents => {
            app.hscroll = 0;
            app.overlay = match app.overlay {
                Some(Overlay::Events { .. }) => None,
                _ => Some(Overlay::Events {
                    scroll: app.events_follow(0),
                }),
            }
        }
        Action::ToggleCompare => {
            app.overlay = match app.overlay {
                Some(Overlay::Compare { .. }) => None,
                _ => Some(Overlay::Compare { scroll: 0 }),
            }
        }
        Action::OpenPicker => {
            app.picker_query.clear();
            app.picker_typing = false;
            app.overlay = Some(Overlay::Picker {
                selected: app.current,
            })
        }
        Action::ToggleHelp => {
            app.overlay = match app.overlay {
                Some(Overlay::Help { .. }) => None,
                _ => Some(Overlay::Help { scroll: 0 }),
            }
        }
        Action::CloseOverlay => app.overlay = None,
        Action::Resize(w, h) => {
            app.size = (w, h);
            app.relayout();
        }
        Action::MouseScroll { column, row, down } => {
            let delta = if down { 3 } else { -3 };
            match (app.overlay, app.pane_at(column, row)) {
                (None, Some(pane)) => app.scroll_pane(pane, delta),
                (None, None) => {}
                (Some(_), _) => app.scroll(delta, false),
            }
        }
        Action::MouseClick { column, row } => app.click(column, row),
        Action::CopySelected => return super::copy::copy_selected(app),
        Action::CopyUntil => return super::copy::copy_until(app),
        Action::ExportMenu => return super::export_menu::open(app),
        Action::MenuKey(key) => return super::export_menu::key(app, key),
        Action::Tick => return super::reload::tick(app),
        Action::NewScenario => return super::playground::new(app),
        Action::AddStep => return super::playground::open_add(app),
        Action::DeleteStep => return super::playground::delete(app),
        Action::Undo => return super::playground::undo(app),
        Action::Redo => return super::playground::redo(app),
        Action::MoveStepUp => return super::playground::move_step(app, true),
        Action::MoveStepDown => return super::playground::move_step(app, false),
        Action::Save => return super::playground::open_save(app, None),
        Action::EditStep => return super::playground::open_edit(app),
        Action::Rename => return super::playground::open_rename(app),
        Action::KeepExpect => return super::playground::keep_expect(app),
        Action::PromptKey(key) => return super::playground::key(app, key),
    }
    Vec::new()
}

/// Takes back what came of an effect the shell carried out.
pub fn on_outcome(app: &mut App, outcome: Outcome) -> Vec<Effect> {
    match outcome {
        Outcome::Copied(message) => {
            app.message = Some(message);
            Vec::new()
        }
        Outcome::Written {
            kind: WriteKind::Scenario,
            path,
            result,
        } => super::playground::written(app, path, result),
        Outcome::Written {
            kind: WriteKind::Export,
            path,
            result,
        } => super::export_menu::written(app, path, result),
        Outcome::Changed { path, stamp, seen } => super::reload::changed(app, &path, stamp, seen),
        Outcome::Indexed(..) | Outcome::Resolved(..) | Outcome::Diffed(..) => Vec::new(),
    }
}

impl Screen for App {
    fn on_event(&mut self, ev: &crossterm::event::Event) -> Vec<Effect> {
        match keymap::map_event(ev, self) {
            Some(action) => update(self, action),
            None => Vec::new(),
        }
    }

    fn on_tick(&mut self) -> Vec<Effect> {
        update(self, Action::Tick)
    }

    fn on_outcome(&mut self, outcome: Outcome) -> Vec<Effect> {
        on_outcome(self, outcome)
    }

    fn render(&self, area: Rect, buf: &mut ratatui::buffer::Buffer) {
        ratatui::widgets::Widget::render(self, area, buf);
    }

    fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        update(self, Action::Resize(width, height))
    }

    fn mouse(&self) -> bool {
        self.mouse
    }

    fn clipboard(&self) -> &[crate::clipboard::Backend] {
        &self.clipboard
    }
}
