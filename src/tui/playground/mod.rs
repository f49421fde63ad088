//! The playground (issue 8): edit the open scenario live — add a step after the cursor
//! (`a`), delete (`d`), move (`K`/`J`), undo (`u`) and redo (Ctrl-R) — start an empty one
//! (`n`, `idscope new`) and save it as a scenario file (`s`, atomic, never overwriting
//! without a yes). Every edit replays the three modes at once, so the view updates under
//! the current mode.
//!
//! While a prompt is open every key reaches it as [`Action::PromptKey`] (the prompts take
//! text); Ctrl-C still leaves, but asks first when there are unsaved changes.

pub mod suggest;
pub mod view;

use super::app::{Action, App, Effect};
use super::shell::WriteKind;
use super::source::Entry;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::atomic::WriteError;
use idscope_core::model::Endpoint;
use idscope_core::scenario::{Action as StepAction, DeviceSpec, Scenario, Step};
use serde_json::{json, Map};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Undo keeps at most this many versions.
pub const UNDO_LIMIT: usize = 200;
/// Typed text is cut at this many characters.
pub const TEXT_LIMIT: usize = 4096;

/// The step kinds the add-step prompt offers: (key, action name, what the text is).
pub const KINDS: &[(char, &str, Option<&str>)] = &[
    ('v', "visit", Some("page")),
    ('s', "signup", Some("user id")),
    ('l', "login", Some("user id")),
    ('o', "logout", None),
    ('t', "track", Some("event name")),
    ('i', "identify", Some("user id")),
    ('a', "alias", Some("alias")),
    ('r', "reset", None),
    ('x', "send", Some("distinct_id")),
];

/// The event name of a `send` step made in the playground.
pub const SEND_EVENT: &str = "Server Event";

/// One version of the scenario, for undo and redo.
#[derive(Debug, Clone, PartialEq)]
struct Version {
    scenario: Scenario,
    cursor: usize,
    branch: Option<usize>,
}

/// What to do once unsaved changes are dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    Quit,
    New,
    /// Open the picker's entry with this index.
    Open(usize),
}

/// Where the add-step prompt is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddStage {
    /// Pick the action (one key each).
    Kind,
    /// Pick the device (or `+` for a new one).
    Device,
    /// Type a new device's name.
    NewDevice,
    /// Type the id, page or event name (Tab completes).
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddPrompt {
    pub stage: AddStage,
    /// Index in [`KINDS`].
    pub kind: usize,
    /// Index in the device list (the device stage).
    pub device_row: usize,
    pub device: Option<String>,
    pub text: String,
    /// Tab completion: the prefix typed and the index of the candidate shown.
    pub completing: Option<(String, usize)>,
    pub error: Option<String>,
}

/// An open prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Add(AddPrompt),
    /// Typing the file name to save to; `then` runs after a successful save.
    Save {
        text: String,
        error: Option<String>,
        then: Option<Then>,
    },
    /// The file exists: overwrite it?
    Overwrite {
        path: PathBuf,
        then: Option<Then>,
    },
    /// Unsaved changes: save, discard, or stay.
    Unsaved {
        then: Then,
    },
}

/// The playground's state inside [`App`].
#[derive(Debug, Clone, Default)]
pub struct Playground {
    pub prompt: Option<Prompt>,
    undo: Vec<Version>,
    redo: Vec<Version>,
    /// The scenario as last loaded or saved (taken at the first edit after a clean state).
    saved: Option<Scenario>,
    /// Set when an edit went in before later steps: the 1-based step after which the
    /// scenario forked from the file's sequence.
    pub branch: Option<usize>,
    /// Where the last save went (the default for the next one).
    pub path: Option<PathBuf>,
    /// Edits happened or the scenario is new: the status bar offers suggestions.
    pub active: bool,
    /// A save the shell is writing: the scenario written and what to do once it is saved.
    saving: Option<(Scenario, Option<Then>)>,
}

impl Playground {
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

/// An empty scenario with one device, `web`.
pub fn empty_scenario() -> Scenario {
    let mut devices = BTreeMap::new();
    devices.insert("web".to_string(), DeviceSpec::default());
    Scenario {
        name: "New scenario".into(),
        description: None,
        token: idscope_core::scenario::DEFAULT_TOKEN.into(),
        start: 1_767_258_000,
        devices,
        steps: Vec::new(),
        expect: None,
        schema: None,
    }
}

/// An explorer on a new, empty scenario (`idscope new`).
pub fn new_app() -> App {
    let mut app = App::from_scenario(empty_scenario());
    if let Some(e) = app.entries.get_mut(app.current) {
        e.origin = "new scenario (unsaved)".into();
    }
    app.playground.active = true;
    app
}

/// Every device the scenario knows, in order of first use, then declared ones not used yet.
pub fn devices(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let used = s.steps.iter().filter_map(|st| st.device.as_ref());
    for d in used.chain(s.devices.keys()) {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

/// Texts already in the scenario that fit a kind of step (for Tab completion), in order of
/// first appearance.
pub fn candidates(s: &Scenario, kind: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: &str| {
        if !v.is_empty() && !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    };
    for step in &s.steps {
        match (&step.action, kind) {
            (StepAction::Visit(p), "visit") => add(p),
            (StepAction::Track { event, .. }, "track") => add(event),
            (
                StepAction::Signup(u) | StepAction::Login(u) | StepAction::Identify(u),
                "signup" | "login" | "identify" | "alias" | "send",
            ) => add(u),
            (
                StepAction::Alias { alias, original },
                "signup" | "login" | "identify" | "alias" | "send",
            ) => {
                add(alias);
                if let Some(o) = original {
                    add(o);
                }
            }
            _ => {}
        }
    }
    out
}

/// The step a kind, device and text make.
pub fn make_step(kind: &str, device: Option<String>, text: &str) -> Step {
    let t = text.to_string();
    let action = match kind {
        "visit" => StepAction::Visit(t),
        "signup" => StepAction::Signup(t),
        "login" => StepAction::Login(t),
        "logout" => StepAction::Logout,
        "track" => StepAction::Track {
            event: t,
            properties: Map::new(),
        },
        "identify" => StepAction::Identify(t),
        "alias" => StepAction::Alias {
            alias: t,
            original: None,
        },
        "reset" => StepAction::Reset { device_id: None },
        _ => StepAction::Send {
            payloads: vec![json!({ "event": SEND_EVENT, "properties": { "distinct_id": t } })],
            endpoint: Endpoint::Track,
        },
    };
    Step {
        device: if action.needs_device() { device } else { None },
        action,
        note: None,
        advance_ms: 1000,
        same_tick: false,
    }
}

// ---------------------------------------------------------------------------------------
// Editing
// ---------------------------------------------------------------------------------------

fn version(app: &App) -> Version {
    Version {
        scenario: app.scenario.clone(),
        cursor: app.cursor,
        branch: app.playground.branch,
    }
}

/// Records the current version for undo, then applies `edit` to a copy of the scenario and
/// replays. `edit` returns the new cursor.
///
/// `fork`: the edit changes the sequence after this many steps; when later steps exist the
/// scenario branches there (shown in the header).
fn edit(app: &mut App, what: &str, fork: Option<usize>, f: impl FnOnce(&mut Scenario) -> usize) {
    if !app.dirty || app.playground.saved.is_none() {
        app.playground.saved = Some(app.scenario.clone());
    }
    let before = version(app);
    let mut s = app.scenario.clone();
    let cursor = f(&mut s);
    let pg = &mut app.playground;
    if let Some(at) = fork {
        if pg.branch.is_none_or(|b| b > at) {
            pg.branch = Some(at);
        }
    }
    pg.undo.push(before);
    if pg.undo.len() > UNDO_LIMIT {
        pg.undo.remove(0);
    }
    pg.redo.clear();
    pg.active = true;
    app.replace_scenario(s, cursor);
    refresh_dirty(app);
    app.message = Some(what.to_string());
}

fn refresh_dirty(app: &mut App) {
    app.dirty = app
        .playground
        .saved
        .as_ref()
        .is_some_and(|s| *s != app.scenario);
}

/// Inserts `step` after the cursor; the cursor moves onto it. An insert before later
/// steps forks a branch.
pub fn insert(app: &mut App, step: Step) {
    let at = app.cursor.min(app.total_steps());
    let fork = (at < app.total_steps()).then_some(at);
    let label = describe(&step);
    if let Some(d) = &step.device {
        // A new device is listed in the file, so a saved scenario names all its devices.
        if !devices(&app.scenario).contains(d) {
            let name = d.clone();
            edit(
                app,
                &format!("added step {}: {label}", at + 1),
                fork,
                move |s| {
                    s.devices.insert(name, DeviceSpec::default());
                    s.steps.insert(at, step);
                    at + 1
                },
            );
            return;
        }
    }
    edit(
        app,
        &format!("added step {}: {label}", at + 1),
        fork,
        move |s| {
            s.steps.insert(at, step);
            at + 1
        },
    );
}

/// `device: action value`, for messages (escaped).
pub fn describe(step: &Step) -> String {
    let value = match &step.action {
        StepAction::Visit(v)
        | StepAction::Signup(v)
        | StepAction::Login(v)
        | StepAction::Identify(v) => format!(" {}", idscope_core::text::quoted(v)),
        StepAction::Track { event, .. } => format!(" {}", idscope_core::text::quoted(event)),
        StepAction::Alias { alias, .. } => format!(" {}", idscope_core::text::quoted(alias)),
        _ => String::new(),
    };
    match &step.device {
        Some(d) => format!(
            "{}: {}{value}",
            idscope_core::text::visible(d),
            step.action.key()
        ),
        None => format!("{}{value}", step.action.key()),
    }
}

/// `d`: deletes the step under the cursor.
pub fn delete(app: &mut App) -> Vec<Effect> {
    if app.cursor == 0 || app.total_steps() == 0 {
        app.message = Some("no step to delete".into());
        return Vec::new();
    }
    let k = app.cursor;
    let fork = (k < app.total_steps()).then_some(k - 1);
    let label = describe(&app.scenario.steps[k - 1]);
    edit(
        app,
        &format!("deleted step {k}: {label} (u undoes)"),
        fork,
        |s| {
            s.steps.remove(k - 1);
            (k - 1)
                .max(usize::from(!s.steps.is_empty()))
                .min(s.steps.len())
        },
    );
    Vec::new()
}

/// `K` (up) / `J` (down): moves the step under the cursor; the cursor follows it.
pub fn move_step(app: &mut App, up: bool) -> Vec<Effect> {
    let n = app.total_steps();
    let k = app.cursor;
    if k == 0 || n < 2 || (up && k == 1) || (!up && k == n) {
        app.message = Some(if up {
            "the step is already first".into()
        } else {
            "the step is already last".into()
        });
        return Vec::new();
    }
    let other = if up { k - 1 } else { k + 1 };
    let first = k.min(other);
    edit(
        app,
        &format!("moved step {k} to {other}"),
        Some(first - 1),
        move |s| {
            s.steps.swap(k - 1, other - 1);
            other
        },
    );
    Vec::new()
}

/// `u`: back to the version before the last edit.
pub fn undo(app: &mut App) -> Vec<Effect> {
    let Some(v) = app.playground.undo.pop() else {
        app.message = Some("nothing to undo".into());
        return Vec::new();
    };
    let now = version(app);
    app.playground.redo.push(now);
    restore(app, v);
    app.message = Some("undone (Ctrl-R redoes)".into());
    Vec::new()
}

/// Ctrl-R: again the version undo left.
pub fn redo(app: &mut App) -> Vec<Effect> {
    let Some(v) = app.playground.redo.pop() else {
        app.message = Some("nothing to redo".into());
        return Vec::new();
    };
    let now = version(app);
    app.playground.undo.push(now);
    restore(app, v);
    app.message = Some("redone".into());
    Vec::new()
}

fn restore(app: &mut App, v: Version) {
    app.playground.branch = v.branch;
    app.replace_scenario(v.scenario, v.cursor);
    refresh_dirty(app);
}

// ---------------------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------------------

/// `a`: the add-step prompt.
pub fn open_add(app: &mut App) -> Vec<Effect> {
    let list = devices(&app.scenario);
    let current = app
        .cursor
        .checked_sub(1)
        .and_then(|i| app.scenario.steps.get(i))
        .and_then(|s| s.device.clone());
    let device_row = current
        .and_then(|d| list.iter().position(|x| *x == d))
        .unwrap_or(0);
    app.playground.prompt = Some(Prompt::Add(AddPrompt {
        stage: AddStage::Kind,
        kind: 0,
        device_row,
        device: None,
        text: String::new(),
        completing: None,
        error: None,
    }));
    Vec::new()
}

/// `s`: the save prompt.
pub fn open_save(app: &mut App, then: Option<Then>) -> Vec<Effect> {
    app.playground.prompt = Some(Prompt::Save {
        text: default_path(app),
        error: None,
        then,
    });
    Vec::new()
}

/// Where `s` proposes to save: the last save, the open file (an entry read from disk is
/// named by its path; bundled and new ones are not), else `./<name>.json`.
pub fn default_path(app: &App) -> String {
    if let Some(p) = &app.playground.path {
        return p.display().to_string();
    }
    let origin = app
        .entries
        .get(app.current)
        .map(|e| e.origin.as_str())
        .unwrap_or("");
    if origin.ends_with(".json") {
        return origin.to_string();
    }
    format!("./{}.json", slug(&app.scenario.name))
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(60).collect();
    if out.is_empty() {
        "scenario".into()
    } else {
        out
    }
}

/// `q` (or Ctrl-C) with unsaved changes asks first; without, it quits.
pub fn quit(app: &mut App) -> Vec<Effect> {
    if app.dirty {
        app.playground.prompt = Some(Prompt::Unsaved { then: Then::Quit });
        return Vec::new();
    }
    app.should_quit = true;
    vec![Effect::Quit]
}

/// `n`: a new, empty scenario (asks first when there are unsaved changes).
pub fn new(app: &mut App) -> Vec<Effect> {
    if app.dirty {
        app.playground.prompt = Some(Prompt::Unsaved { then: Then::New });
        return Vec::new();
    }
    run_then(app, Then::New)
}

/// Opening another scenario from the picker (asks first when there are unsaved changes).
/// Returns true when the caller may open it now.
pub fn may_open(app: &mut App, index: usize) -> bool {
    if app.dirty {
        app.playground.prompt = Some(Prompt::Unsaved {
            then: Then::Open(index),
        });
        return false;
    }
    true
}

/// Forgets the editing history (a different scenario was opened).
pub fn reset(app: &mut App) {
    app.playground = Playground::default();
    app.dirty = false;
}

fn run_then(app: &mut App, then: Then) -> Vec<Effect> {
    match then {
        Then::Quit => {
            app.should_quit = true;
            vec![Effect::Quit]
        }
        Then::New => {
            app.entries.push(Entry::from_scenario(
                "new scenario (unsaved)",
                empty_scenario(),
            ));
            let index = app.entries.len() - 1;
            app.dirty = false;
            app.open_entry_at(index);
            app.playground.active = true;
            app.message = Some("new scenario: a adds a step, s saves".into());
            Vec::new()
        }
        Then::Open(index) => {
            app.dirty = false;
            app.open_entry_at(index);
            Vec::new()
        }
    }
}

/// A key while a prompt is open.
pub fn key(app: &mut App, ev: KeyEvent) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let Some(prompt) = app.playground.prompt.take() else {
        return Vec::new();
    };
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(ev.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        // A second Ctrl-C at the unsaved-changes question leaves without saving.
        if matches!(prompt, Prompt::Unsaved { .. }) || !app.dirty {
            return run_then(app, Then::Quit);
        }
        app.playground.prompt = Some(Prompt::Unsaved { then: Then::Quit });
        return Vec::new();
    }
    match prompt {
        Prompt::Add(p) => add_key(app, p, ev),
        Prompt::Save { text, error, then } => save_key(app, text, error, then, ev),
        Prompt::Overwrite { path, then } => match ev.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => write(app, path, true, then),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                app.playground.prompt = Some(Prompt::Save {
                    text: path.display().to_string(),
                    error: Some("not overwritten; choose another name".into()),
                    then,
                });
                Vec::new()
            }
            _ => {
                app.playground.prompt = Some(Prompt::Overwrite { path, then });
                Vec::new()
            }
        },
        Prompt::Unsaved { then } => match ev.code {
            KeyCode::Char('s') => open_save(app, Some(then)),
            KeyCode::Char('y') | KeyCode::Char('d') => run_then(app, then),
            KeyCode::Char('q') if then == Then::Quit => run_then(app, then),
            KeyCode::Esc | KeyCode::Char('n') => {
                app.message = Some("kept the unsaved changes".into());
                Vec::new()
            }
            _ => {
                app.playground.prompt = Some(Prompt::Unsaved { then });
                Vec::new()
            }
        },
    }
}

/// Typing into a text field; true when the key was text editing.
fn edit_text(text: &mut String, ev: &KeyEvent) -> bool {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Backspace => {
            text.pop();
            true
        }
        KeyCode::Char('u') if ctrl => {
            text.clear();
            true
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            if text.chars().count() < TEXT_LIMIT {
                text.push(c);
            }
            true
        }
        _ => false,
    }
}

fn add_key(app: &mut App, mut p: AddPrompt, ev: KeyEvent) -> Vec<Effect> {
    let list = devices(&app.scenario);
    let (_, kind, needs_text) = KINDS[p.kind];
    let needs_device = kind != "send";
    p.error = None;
    match p.stage {
        AddStage::Kind => match ev.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Char('!') => {
                match suggest::suggestion(app).and_then(|s| s.step) {
                    Some(step) => insert(app, step),
                    None => {
                        p.error = Some("no suggestion at this step".into());
                        app.playground.prompt = Some(Prompt::Add(p));
                    }
                }
                return Vec::new();
            }
            KeyCode::Down | KeyCode::Char('j') => p.kind = (p.kind + 1) % KINDS.len(),
            KeyCode::Up | KeyCode::Char('k') => p.kind = (p.kind + KINDS.len() - 1) % KINDS.len(),
            KeyCode::Enter => return after_kind(app, p),
            KeyCode::Char(c) => {
                if let Some(i) = KINDS.iter().position(|(k, _, _)| *k == c) {
                    p.kind = i;
                    return after_kind(app, p);
                }
            }
            _ => {}
        },
        AddStage::Device => {
            let rows = list.len() + 1;
            match ev.code {
                KeyCode::Esc | KeyCode::Left => p.stage = AddStage::Kind,
                KeyCode::Down | KeyCode::Char('j') => p.device_row = (p.device_row + 1) % rows,
                KeyCode::Up | KeyCode::Char('k') => p.device_row = (p.device_row + rows - 1) % rows,
                KeyCode::Char('+') => {
                    p.stage = AddStage::NewDevice;
                    p.text.clear();
                }
                KeyCode::Char(c @ '1'..='9') => {
                    let i = c as usize - '1' as usize;
                    if i < list.len() {
                        p.device_row = i;
                        p.device = Some(list[i].clone());
                        return after_device(app, p);
                    }
                }
                KeyCode::Enter => {
                    if p.device_row >= list.len() {
                        p.stage = AddStage::NewDevice;
                        p.text.clear();
                    } else {
                        p.device = Some(list[p.device_row].clone());
                        return after_device(app, p);
                    }
                }
                _ => {}
            }
        }
        AddStage::NewDevice => match ev.code {
            KeyCode::Esc => {
                p.stage = AddStage::Device;
                p.text.clear();
            }
            KeyCode::Enter => {
                let name = p.text.trim().to_string();
                if name.is_empty() {
                    p.error = Some("type a device name, such as phone".into());
                } else {
                    p.device = Some(name);
                    p.text.clear();
                    return after_device(app, p);
                }
            }
            _ => {
                edit_text(&mut p.text, &ev);
            }
        },
        AddStage::Text => match ev.code {
            KeyCode::Esc => {
                p.text.clear();
                p.completing = None;
                p.stage = if needs_device {
                    AddStage::Device
                } else {
                    AddStage::Kind
                };
            }
            KeyCode::Tab | KeyCode::BackTab => {
                let all = candidates(&app.scenario, kind);
                let prefix = match &p.completing {
                    Some((prefix, _)) => prefix.clone(),
                    None => p.text.clone(),
                };
                let matching: Vec<&String> =
                    all.iter().filter(|c| c.starts_with(&prefix)).collect();
                if matching.is_empty() {
                    p.error = Some(if all.is_empty() {
                        "nothing to complete from yet".into()
                    } else {
                        format!(
                            "nothing starts with {}",
                            idscope_core::text::quoted(&prefix)
                        )
                    });
                } else {
                    let n = matching.len();
                    let i = match (&p.completing, ev.code) {
                        (None, KeyCode::BackTab) => n - 1,
                        (None, _) => 0,
                        (Some((_, i)), KeyCode::BackTab) => (i + n - 1) % n,
                        (Some((_, i)), _) => (i + 1) % n,
                    };
                    p.text = matching[i].clone();
                    p.completing = Some((prefix, i));
                }
            }
            KeyCode::Enter => {
                if p.text.is_empty() {
                    p.error = Some(format!("type the {}", needs_text.unwrap_or("text")));
                } else {
                    insert(app, make_step(kind, p.device.clone(), &p.text));
                    return Vec::new();
                }
            }
            _ => {
                if edit_text(&mut p.text, &ev) {
                    p.completing = None;
                }
            }
        },
    }
    app.playground.prompt = Some(Prompt::Add(p));
    Vec::new()
}

fn after_kind(app: &mut App, mut p: AddPrompt) -> Vec<Effect> {
    if KINDS[p.kind].1 == "send" {
        p.device = None;
        p.stage = AddStage::Text;
        app.playground.prompt = Some(Prompt::Add(p));
        return Vec::new();
    }
    p.stage = AddStage::Device;
    app.playground.prompt = Some(Prompt::Add(p));
    Vec::new()
}

fn after_device(app: &mut App, mut p: AddPrompt) -> Vec<Effect> {
    let (_, kind, needs_text) = KINDS[p.kind];
    if needs_text.is_none() {
        insert(app, make_step(kind, p.device.clone(), ""));
        return Vec::new();
    }
    p.stage = AddStage::Text;
    p.text.clear();
    p.completing = None;
    app.playground.prompt = Some(Prompt::Add(p));
    Vec::new()
}

fn save_key(
    app: &mut App,
    mut text: String,
    mut error: Option<String>,
    then: Option<Then>,
    ev: KeyEvent,
) -> Vec<Effect> {
    match ev.code {
        KeyCode::Esc => {
            app.message = Some("not saved".into());
            return Vec::new();
        }
        KeyCode::Enter => {
            let t = text.trim();
            if t.is_empty() {
                error = Some("type a file name".into());
            } else {
                return write(app, PathBuf::from(t), false, then);
            }
        }
        _ => {
            if edit_text(&mut text, &ev) {
                error = None;
            }
        }
    }
    app.playground.prompt = Some(Prompt::Save { text, error, then });
    Vec::new()
}

/// Asks the shell to write the scenario to `path` atomically; an existing file is kept
/// unless `overwrite` (the user confirmed), and [`written`] asks then.
pub fn write(app: &mut App, path: PathBuf, overwrite: bool, then: Option<Then>) -> Vec<Effect> {
    let text = idscope_core::save::to_json(&app.scenario);
    app.playground.saving = Some((app.scenario.clone(), then));
    vec![Effect::Write {
        kind: WriteKind::Scenario,
        path,
        bytes: text.into_bytes(),
        overwrite,
    }]
}

/// What came of a save: saved (then what was asked next), the file exists (ask), or an
/// error (back to the prompt, saying why).
pub fn written(app: &mut App, path: PathBuf, result: Result<(), WriteError>) -> Vec<Effect> {
    let Some((scenario, then)) = app.playground.saving.take() else {
        return Vec::new();
    };
    match result {
        Ok(()) => {
            let shown = idscope_core::text::visible(&path.display().to_string()).into_owned();
            app.playground.saved = Some(scenario.clone());
            app.playground.path = Some(path.clone());
            app.playground.branch = None;
            app.dirty = app.scenario != scenario;
            if let Some(e) = app.entries.get_mut(app.current) {
                e.origin = path.display().to_string();
                e.scenario = Ok(scenario.clone());
            }
            app.message = Some(format!("saved {} step(s) to {shown}", scenario.steps.len()));
            match then {
                Some(then) => run_then(app, then),
                None => Vec::new(),
            }
        }
        Err(WriteError::Exists(path)) => {
            app.playground.prompt = Some(Prompt::Overwrite { path, then });
            Vec::new()
        }
        Err(e) => {
            app.playground.prompt = Some(Prompt::Save {
                text: path.display().to_string(),
                error: Some(e.to_string()),
                then,
            });
            Vec::new()
        }
    }
}

/// Whether an action may reach the app while a prompt is open (the rest are swallowed).
pub fn passes(action: &Action) -> bool {
    matches!(action, Action::Resize(..) | Action::PromptKey(_))
}

/// `E`: edit the step under the cursor in place. (Stub: being built.)
pub fn open_edit(app: &mut App) -> Vec<Effect> {
    app.message = Some("editing a step in place is not built yet".into());
    Vec::new()
}

/// `R`: rename the scenario or a device. (Stub: being built.)
pub fn open_rename(app: &mut App) -> Vec<Effect> {
    app.message = Some("renaming is not built yet".into());
    Vec::new()
}

/// `=`: keep the current outcome as `expect`. (Stub: being built.)
pub fn keep_expect(app: &mut App) -> Vec<Effect> {
    app.message = Some("keeping the outcome as expect is not built yet".into());
    Vec::new()
}
