//! The one keymap table. It drives key dispatch ([`map_event`]), the status-bar hints
//! ([`hints`]) and the `?` help overlay ([`help_sections`]); `update` also consults it
//! ([`allowed`]) so an action the current screen has no key for is ignored, whoever sends it.

use super::app::{Action, App};
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use idscope_core::model::Mode;

/// Screens a binding applies in (bit set).
pub mod ctx {
    pub const MAIN: u16 = 1;
    pub const HELP: u16 = 2;
    pub const DETAIL: u16 = 4;
    pub const EVENTS: u16 = 8;
    pub const COMPARE: u16 = 16;
    pub const PICKER: u16 = 32;
    pub const INFO: u16 = 64;
    pub const GRAPH: u16 = 128;
    pub const LANES: u16 = 256;
    /// Screens that show the current step and so may step and switch mode.
    pub const STEPPING: u16 = MAIN | EVENTS | COMPARE | GRAPH | LANES;
    pub const OVERLAYS: u16 = HELP | DETAIL | EVENTS | COMPARE | PICKER | INFO | GRAPH | LANES;
    pub const ALL: u16 = MAIN | OVERLAYS;
}

/// A key: a code plus whether Ctrl is held. Letters match case-sensitively, Shift ignored
/// (Shift+g arrives as `Char('G')`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

pub const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

pub const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

pub const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

impl Key {
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// Where the help lists a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Steps,
    Modes,
    Panes,
    Views,
    Edit,
    App,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Steps,
        Group::Modes,
        Group::Panes,
        Group::Views,
        Group::Edit,
        Group::App,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Steps => "Stepping",
            Group::Modes => "Merge mode, playbook and knobs",
            Group::Panes => "Panes and scrolling",
            Group::Views => "Views",
            Group::Edit => "Playground: edit and save",
            Group::App => "App",
        }
    }
}

/// One row of a screen's key table.
pub struct Binding<A> {
    pub keys: &'static [Key],
    pub action: A,
    /// Where the binding applies (the screen's context bits).
    pub when: u16,
    pub group: Group,
    /// The help overlay's text.
    pub help: &'static str,
    /// The status bar's short label, if the binding is hinted there.
    pub hint: Option<&'static str>,
    /// The keys as the status bar shows them when not the first key's label (`h/l` for a
    /// pair of bindings, `q` for `q/Ctrl-C`).
    pub short: Option<&'static str>,
}

/// A binding (table rows stay one line each).
pub const fn b<A>(
    keys: &'static [Key],
    action: A,
    when: u16,
    group: Group,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding<A> {
    Binding {
        keys,
        action,
        when,
        group,
        help,
        hint,
        short: None,
    }
}

impl<A> Binding<A> {
    /// The status bar shows `keys` for this binding.
    pub const fn shown_as(mut self, keys: &'static str) -> Binding<A> {
        self.short = Some(keys);
        self
    }
}

use ctx::*;
use Group as G;

/// Every key the explorer knows, in the order hints and help show them.
#[rustfmt::skip]
pub static BINDINGS: &[Binding<Action>] = &[
    b(&[k('l'), code(KeyCode::Right)], Action::StepNext, STEPPING, G::Steps, "next step", Some("step")).shown_as("h/l"),
    b(&[k('h'), code(KeyCode::Left)], Action::StepPrev, STEPPING, G::Steps, "previous step", None),
    b(&[k('g'), code(KeyCode::Home)], Action::StepFirst, STEPPING, G::Steps, "first step", None),
    b(&[k('G'), code(KeyCode::End)], Action::StepLast, STEPPING, G::Steps, "last step", None),
    b(&[k('m')], Action::ModeNext, STEPPING, G::Modes, "next merge mode", Some("mode")).shown_as("m"),
    b(&[k('M')], Action::ModePrev, STEPPING, G::Modes, "previous merge mode", None),
    b(&[k('1')], Action::ModeSet(Mode::Legacy), STEPPING, G::Modes, "Legacy", None),
    b(&[k('2')], Action::ModeSet(Mode::Original), STEPPING, G::Modes, "Original ID Merge", None),
    b(&[k('3')], Action::ModeSet(Mode::Simplified), STEPPING, G::Modes, "Simplified ID Merge", None),
    b(&[k('p')], Action::PlaybookCycle, STEPPING, G::Modes, "playbook: follows mode → legacy → original → simplified", Some("playbook")),
    b(&[k('v')], Action::KnobsCycle, STEPPING, G::Modes, "knobs: defaults → each variant in the scenario's expect block", None),
    b(&[code(KeyCode::Tab)], Action::FocusNext, MAIN, G::Panes, "focus the next pane", Some("focus")),
    b(&[code(KeyCode::BackTab)], Action::FocusPrev, MAIN, G::Panes, "focus the previous pane", None),
    b(&[k('j'), code(KeyCode::Down)], Action::ScrollDown, ALL, G::Panes, "scroll down (picker: next scenario)", Some("scroll")).shown_as("j/k"),
    b(&[k('k'), code(KeyCode::Up)], Action::ScrollUp, ALL, G::Panes, "scroll up (picker: previous scenario)", None),
    b(&[k('L')], Action::ScrollRight, EVENTS | LANES, G::Panes, "tables (events, swimlanes): scroll the right-hand columns sideways", Some("sideways")).shown_as("H/L"),
    b(&[k('H')], Action::ScrollLeft, EVENTS | LANES, G::Panes, "tables: scroll back to the left", None),
    b(&[code(KeyCode::PageDown)], Action::PageDown, ALL, G::Panes, "scroll a page down", None),
    b(&[code(KeyCode::PageUp)], Action::PageUp, ALL, G::Panes, "scroll a page up", None),
    b(&[code(KeyCode::Enter)], Action::OpenDetail, MAIN, G::Views, "payload detail: verdict, full rule text and source", Some("detail")),
    b(&[code(KeyCode::Enter)], Action::PickerOpen, PICKER, G::Views, "open the selected scenario", Some("open")),
    b(&[k('e')], Action::ToggleEvents, STEPPING, G::Views, "events table: every event so far", Some("events")),
    b(&[k('c')], Action::ToggleCompare, STEPPING, G::Views, "compare the three modes at this step", Some("compare")),
    b(&[k('i')], Action::ToggleGraph, STEPPING, G::Views, "identity graph: ids and the links that joined them (or were refused)", Some("graph")),
    b(&[k('a')], Action::GraphAll, GRAPH, G::Views, "graph: this payload's cluster ↔ every cluster", Some("all/one")),
    b(&[k('t')], Action::ToggleLanes, STEPPING, G::Views, "swimlanes: one lane per device, each event marked by whom it counts for", Some("lanes")),
    b(&[k('I')], Action::ToggleInfo, STEPPING | INFO, G::Views, "the scenario's description and every step's full note", None),
    b(&[k('/')], Action::PickerFilter, PICKER, G::Views, "filter the scenarios by name and description", Some("filter")),
    b(&[k('o')], Action::OpenPicker, STEPPING, G::Views, "open another scenario", Some("open")),
    b(&[k('y')], Action::CopySelected, STEPPING | DETAIL, G::Views, "copy the selected payload (pretty JSON, as sent)", Some("copy")),
    b(&[k('Y')], Action::CopyUntil, STEPPING | DETAIL, G::Views, "copy every event up to the cursor (NDJSON, events only)", None),
    b(&[k('x')], Action::ExportMenu, STEPPING | DETAIL, G::Views, "export: pick a format and scope, then copy or write a file", Some("export")),
    b(&[k('a')], Action::AddStep, MAIN, G::Edit, "add a step after the cursor (pick action, device, id)", Some("add")),
    b(&[k('E')], Action::EditStep, MAIN, G::Edit, "edit the step under the cursor in place", None),
    b(&[k('d')], Action::DeleteStep, MAIN, G::Edit, "delete the step under the cursor", None),
    b(&[k('K')], Action::MoveStepUp, MAIN, G::Edit, "move the step up", None),
    b(&[k('J')], Action::MoveStepDown, MAIN, G::Edit, "move the step down", None),
    b(&[k('u')], Action::Undo, MAIN, G::Edit, "undo the last edit", None),
    b(&[ctrl('r')], Action::Redo, MAIN, G::Edit, "redo", None),
    b(&[k('s')], Action::Save, MAIN, G::Edit, "save as a scenario file (asks for a path)", Some("save")),
    b(&[k('R')], Action::Rename, MAIN, G::Edit, "rename the scenario or a device", None),
    b(&[k('=')], Action::KeepExpect, MAIN, G::Edit, "keep the current outcome (all three modes) as the scenario's expect", None),
    b(&[k('n')], Action::NewScenario, MAIN, G::Edit, "new, empty scenario with one device", None),
    b(&[k('?')], Action::ToggleHelp, ALL, G::App, "this help", Some("help")),
    b(&[code(KeyCode::Esc)], Action::CloseOverlay, OVERLAYS, G::App, "close the overlay", Some("close")),
    b(&[k('q'), ctrl('c')], Action::Quit, ALL, G::App, "quit (asks first when edits are unsaved)", Some("quit")).shown_as("q"),
];

/// Whether a key event matches `key`.
fn matches(key: &Key, ev: &KeyEvent) -> bool {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl != key.ctrl || ev.modifiers.contains(KeyModifiers::ALT) {
        return false;
    }
    match (key.code, ev.code) {
        // Some terminals report Ctrl-C as 'C' with Shift; letters compare exactly otherwise.
        (KeyCode::Char(a), KeyCode::Char(b)) if key.ctrl => a.eq_ignore_ascii_case(&b),
        (a, b) => a == b,
    }
}

/// Whether the key is Ctrl-C (some terminals report it as Shift+C): it quits everywhere.
pub fn is_ctrl_c(ev: &KeyEvent) -> bool {
    ev.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(ev.code, KeyCode::Char('c') | KeyCode::Char('C'))
}

/// The action a key press means in `context`, from a screen's table.
pub fn lookup<A: Copy>(table: &[Binding<A>], ev: &KeyEvent, context: u16) -> Option<A> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    table
        .iter()
        .filter(|bnd| bnd.when & context != 0)
        .find(|bnd| bnd.keys.iter().any(|key| matches(key, ev)))
        .map(|bnd| bnd.action)
}

/// The explorer's action for a key press on the current screen. Ctrl-C always quits.
pub fn map_key(ev: &KeyEvent, context: u16) -> Option<Action> {
    if ev.kind != KeyEventKind::Release && is_ctrl_c(ev) {
        return Some(Action::Quit);
    }
    lookup(BINDINGS, ev, context)
}

/// Any terminal event → an action (keys through the table; mouse only when enabled).
pub fn map_event(ev: &Event, app: &App) -> Option<Action> {
    match ev {
        // A playground prompt takes every key (they take text), Ctrl-C included: it asks
        // before dropping unsaved changes.
        Event::Key(key) if app.playground.prompt.is_some() => {
            (key.kind != KeyEventKind::Release).then_some(Action::PromptKey(*key))
        }
        // The export menu takes every key (its path prompt takes text); Ctrl-C still quits.
        Event::Key(key) if app.export_menu.is_some() => match map_key(key, 0) {
            Some(Action::Quit) => Some(Action::Quit),
            _ if key.kind == KeyEventKind::Release => None,
            _ => Some(Action::MenuKey(*key)),
        },
        // The picker's filter takes letters as text.
        Event::Key(key)
            if app.picker_typing
                && matches!(app.overlay, Some(super::app::Overlay::Picker { .. })) =>
        {
            match map_key(key, 0) {
                Some(Action::Quit) => Some(Action::Quit),
                _ if key.kind == KeyEventKind::Release => None,
                _ => Some(Action::PickerKey(*key)),
            }
        }
        Event::Key(key) => map_key(key, app.context()).or_else(|| unknown(key)),
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Mouse(m) if app.mouse => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::MouseScroll {
                column: m.column,
                row: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Action::MouseScroll {
                column: m.column,
                row: m.row,
                down: false,
            }),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::MouseClick {
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// A key press no binding knows, worth saying so (not a lone modifier, not a release).
fn unknown(ev: &KeyEvent) -> Option<Action> {
    let worth = matches!(
        ev.code,
        KeyCode::Char(_)
            | KeyCode::F(_)
            | KeyCode::Enter
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Insert
    );
    (ev.kind == KeyEventKind::Press && worth).then_some(Action::UnknownKey(ev.code))
}

/// Whether a table has a key for `action` in `context`.
pub fn bound<A: PartialEq>(table: &[Binding<A>], action: &A, context: u16) -> bool {
    table
        .iter()
        .any(|bnd| bnd.action == *action && bnd.when & context != 0)
}

/// Whether `action` may act on an explorer screen: it has a binding there (mouse, resize,
/// quit and what the loop or an open prompt sends always may).
pub fn allowed(action: Action, context: u16) -> bool {
    match action {
        Action::Quit | Action::Resize(..) => true,
        Action::MouseScroll { .. } | Action::MouseClick { .. } => true,
        // Sent only while the export menu is open, which decides.
        Action::MenuKey(_) => true,
        // Sent by the event loop.
        Action::Tick => true,
        // Sent only while a playground prompt is open, which decides.
        Action::PromptKey(_) => true,
        // Sent only while the picker's filter takes text; and for keys nothing binds.
        Action::PickerKey(_) | Action::UnknownKey(_) => true,
        a => bound(BINDINGS, &a, context),
    }
}

/// The keys of a binding as the UI writes them ("l/→").
pub fn keys_label<A>(bnd: &Binding<A>) -> String {
    bnd.keys
        .iter()
        .map(Key::label)
        .collect::<Vec<_>>()
        .join("/")
}

/// Status-bar hints for a screen: (keys, label), in table order; bindings sharing a label
/// are shown once, with the first binding's short keys.
pub fn hints<A>(table: &[Binding<A>], context: u16) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for bnd in table.iter().filter(|bnd| bnd.when & context != 0) {
        let Some(label) = bnd.hint else { continue };
        if out.iter().any(|(_, l)| *l == label) {
            continue;
        }
        let keys = bnd
            .short
            .map_or_else(|| bnd.keys[0].label(), str::to_string);
        out.push((keys, label));
    }
    out
}

/// One help row: (keys, text, where it applies).
pub type HelpRow = (String, &'static str, &'static str);

/// A help list's rows in table order: (keys, text, where it applies).
pub fn help_rows<A>(table: &[Binding<A>], place: fn(u16) -> &'static str) -> Vec<HelpRow> {
    table
        .iter()
        .map(|bnd| (keys_label(bnd), bnd.help, place(bnd.when)))
        .collect()
}

/// A help overlay's content, per group (groups without a binding left out); `place` says
/// where a binding applies when that is not everywhere.
pub fn help_sections<A>(
    table: &[Binding<A>],
    place: fn(u16) -> &'static str,
) -> Vec<(Group, Vec<HelpRow>)> {
    Group::ALL
        .iter()
        .map(|&g| {
            let rows: Vec<HelpRow> = table
                .iter()
                .filter(|bnd| bnd.group == g)
                .map(|bnd| (keys_label(bnd), bnd.help, place(bnd.when)))
                .collect();
            (g, rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// Where an explorer binding applies, for its help row.
pub fn where_label(when: u16) -> &'static str {
    match when {
        ALL => "",
        STEPPING => "",
        MAIN => "main screen",
        PICKER => "picker",
        GRAPH => "graph",
        INFO => "info",
        OVERLAYS => "overlays",
        _ => "",
    }
}
