//! The playground (issue 8): edit the open scenario live — add a step after the cursor
//! (`a`), edit the step under it in place (`E`), delete (`d`), move (`K`/`J`), rename the
//! scenario or a device (`R`, [`rename`]), keep the outcome as `expect` (`=`, [`keep`]),
//! undo (`u`) and redo (Ctrl-R) — start an empty one (`n`, `idscope new`) and save it as a
//! scenario file (`s`, atomic, never overwriting without a yes). Every edit replays the
//! three modes at once, so the view updates under the current mode.
//!
//! While a prompt is open every key reaches it as [`Action::PromptKey`] (the prompts take
//! text); Ctrl-C still leaves, but asks first when there are unsaved changes.

pub mod keep;
pub mod rename;
pub mod suggest;
pub mod view;

use super::app::{Action, App, Effect};
use super::shell::WriteKind;
use super::source::Entry;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::atomic::WriteError;
use idscope_core::model::Endpoint;
use idscope_core::scenario::{Action as StepAction, DeviceSpec, Scenario, Step};
use idscope_core::sdk::SdkCall;
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

/// The step the add-step prompt edits in place (`E`) instead of adding one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditTarget {
    /// The step (1-based).
    pub step: usize,
    /// Its kind (index in [`KINDS`]), device and value as they were.
    pub kind: usize,
    pub device: Option<String>,
    pub text: String,
    /// What the step has that the prompt does not show, kept as it is (for the prompt:
    /// "properties", "note", "after 2d", …).
    pub kept: Vec<String>,
    /// Set when some of that only fits the step's own kind (a track's properties, a raw
    /// send's payload): changing the kind is refused, naming it.
    pub fixed_kind: Option<String>,
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
    /// `E`: the prompt edits this step in place (None: it adds one after the cursor).
    pub edit: Option<EditTarget>,
}

/// An open prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Adding a step, or editing one in place (`E`).
    Add(AddPrompt),
    /// Renaming the scenario or a device (`R`).
    Rename(rename::RenamePrompt),
    /// Typing the file name to save to; `then` runs after a successful save.
    Save {
        text: String,
        error: Option<String>,
        then: Option<Then>,
    },
    /// The file exists: overwrite it?
    Overwrite { path: PathBuf, then: Option<Then> },
    /// The open file changed on disk since it was read here (another program wrote it):
    /// reload it (drop the edits), keep mine (overwrite it), or save elsewhere. `disk` is
    /// the hash of the version on disk the prompt was shown for.
    Conflict {
        path: PathBuf,
        then: Option<Then>,
        disk: Option<u64>,
    },
    /// Unsaved changes: save, discard, or stay.
    Unsaved { then: Then },
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
    /// A save the shell is writing: the scenario written, what to do once it is saved, and
    /// the hash of the bytes written.
    saving: Option<(Scenario, Option<Then>, u64)>,
    /// A save over the open file waiting for one last look at the disk: where, what next,
    /// and the version on disk the user agreed to replace (None: the one read here).
    looking: Option<(PathBuf, Option<Then>, Option<u64>)>,
}

impl Playground {
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// A save waits for the last look at the disk ([`looked`]).
    pub fn looking(&self) -> bool {
        self.looking.is_some()
    }
}

/// An empty scenario with one device, `web`; it names the schema (`$schema`) so editors
/// check it once saved.
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
        schema: Some(idscope_core::save::SCHEMA_REF.into()),
    }
}

/// Where a new scenario came from, as the picker and header name it.
const NEW_ORIGIN: &str = "new scenario (unsaved)";

/// The status bar's first hint on a new scenario.
pub const NEW_HINT: &str = "new scenario: a adds a step, s saves";

/// An explorer on a new, empty scenario (`idscope new`): as `n` leaves the explorer.
pub fn new_app() -> App {
    let mut app = App::from_scenario(empty_scenario());
    if let Some(e) = app.entries.get_mut(app.current) {
        e.origin = NEW_ORIGIN.into();
    }
    started_new(&mut app);
    app
}

/// A new scenario is open (`idscope new` or `n`): editing on, the first hint shown. The
/// one place both set this up, so they cannot drift apart.
fn started_new(app: &mut App) {
    app.playground.active = true;
    app.message = Some(NEW_HINT.into());
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
            (StepAction::Sdk(SdkCall::Track { event, .. }), "track") => add(event),
            (
                StepAction::Signup(u)
                | StepAction::Login(u)
                | StepAction::Sdk(SdkCall::Identify(u)),
                "signup" | "login" | "identify" | "alias" | "send",
            ) => add(u),
            (
                StepAction::Sdk(SdkCall::Alias { alias, original }),
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
        "track" => StepAction::Sdk(SdkCall::Track {
            event: t,
            properties: Map::new(),
        }),
        "identify" => StepAction::Sdk(SdkCall::Identify(t)),
        "alias" => StepAction::Sdk(SdkCall::Alias {
            alias: t,
            original: None,
        }),
        "reset" => StepAction::Sdk(SdkCall::Reset { device_id: None }),
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
    match &step.device {
        Some(d) => format!(
            "{}: {}",
            idscope_core::text::visible(d),
            describe_action(step)
        ),
        None => describe_action(step),
    }
}

/// `action value` without the device, for messages (escaped).
pub fn describe_action(step: &Step) -> String {
    match value(step) {
        Some(v) => format!("{} {}", step.action.key(), idscope_core::text::quoted(v)),
        None => step.action.key().to_string(),
    }
}

/// The text the add-step prompt shows for a step: the page, user id, event name, alias, or
/// the `distinct_id` of a send of one event (none for the other kinds).
pub fn value(step: &Step) -> Option<&str> {
    match &step.action {
        StepAction::Visit(v)
        | StepAction::Signup(v)
        | StepAction::Login(v)
        | StepAction::Sdk(SdkCall::Identify(v)) => Some(v),
        StepAction::Sdk(SdkCall::Track { event, .. }) => Some(event),
        StepAction::Sdk(SdkCall::Alias { alias, .. }) => Some(alias),
        StepAction::Send { payloads, endpoint } => send_distinct_id(payloads, *endpoint),
        _ => None,
    }
}

/// The `properties.distinct_id` of a send of one event (to `/track` or `/import`): what
/// the prompt edits of a send. None for several payloads, profile records and the rest.
fn send_distinct_id(payloads: &[serde_json::Value], endpoint: Endpoint) -> Option<&str> {
    match payloads {
        [one] if endpoint != Endpoint::Engage => one
            .get("properties")
            .and_then(|p| p.get("distinct_id"))
            .and_then(serde_json::Value::as_str),
        _ => None,
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
        edit: None,
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
            app.entries
                .push(Entry::from_scenario(NEW_ORIGIN, empty_scenario()));
            let index = app.entries.len() - 1;
            app.dirty = false;
            app.open_entry_at(index);
            started_new(app);
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
        Prompt::Rename(p) => rename::key(app, p, ev),
        Prompt::Save { text, error, then } => save_key(app, text, error, then, ev),
        Prompt::Overwrite { path, then } => match ev.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => overwrite(app, path, then, None),
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
        Prompt::Conflict { path, then, disk } => conflict_key(app, path, then, disk, ev),
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
            KeyCode::Char('!') if p.edit.is_none() => {
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
                if let Some(problem) = rename::device_name_problem(&name) {
                    p.error = Some(problem);
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
                } else if p.edit.is_some() {
                    return finish_edit(app, p);
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
    if let Some(t) = &p.edit {
        if let (Some(what), true) = (&t.fixed_kind, p.kind != t.kind) {
            p.error = Some(format!(
                "step {} keeps {what}, which only a {} step has: keep {}, or change it in the file",
                t.step, KINDS[t.kind].1, KINDS[t.kind].1
            ));
            app.playground.prompt = Some(Prompt::Add(p));
            return Vec::new();
        }
    }
    if KINDS[p.kind].1 == "send" {
        p.device = None;
        if let Some(problem) = tick_problem(app, &p) {
            p.error = Some(problem);
            app.playground.prompt = Some(Prompt::Add(p));
            return Vec::new();
        }
        p.stage = AddStage::Text;
        p.text = p.edit.as_ref().map(|t| t.text.clone()).unwrap_or_default();
        p.completing = None;
        app.playground.prompt = Some(Prompt::Add(p));
        return Vec::new();
    }
    p.stage = AddStage::Device;
    app.playground.prompt = Some(Prompt::Add(p));
    Vec::new()
}

fn after_device(app: &mut App, mut p: AddPrompt) -> Vec<Effect> {
    let (_, kind, needs_text) = KINDS[p.kind];
    if let Some(problem) = tick_problem(app, &p).or_else(|| sdk_problem(app, &p)) {
        p.error = Some(problem);
        p.stage = AddStage::Device;
        p.text.clear();
        app.playground.prompt = Some(Prompt::Add(p));
        return Vec::new();
    }
    if needs_text.is_none() {
        if p.edit.is_some() {
            return finish_edit(app, p);
        }
        insert(app, make_step(kind, p.device.clone(), ""));
        return Vec::new();
    }
    p.stage = AddStage::Text;
    // Editing: the step's value, ready to change (Ctrl-U clears it).
    p.text = p.edit.as_ref().map(|t| t.text.clone()).unwrap_or_default();
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
/// unless `overwrite` (the user confirmed), and [`written`] asks then. A scenario that
/// names no schema is saved naming [`idscope_core::save::SCHEMA_REF`].
pub fn write(app: &mut App, path: PathBuf, overwrite: bool, then: Option<Then>) -> Vec<Effect> {
    let mut scenario = app.scenario.clone();
    if scenario.schema.is_none() {
        scenario.schema = Some(idscope_core::save::SCHEMA_REF.into());
    }
    let text = idscope_core::save::to_json(&scenario);
    let hash = super::reload::hash(text.as_bytes());
    app.playground.saving = Some((scenario, then, hash));
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
    let Some((scenario, then, hash)) = app.playground.saving.take() else {
        return Vec::new();
    };
    match result {
        Ok(()) => {
            let shown = idscope_core::text::visible(&path.display().to_string()).into_owned();
            let hint = schema_hint(app, &path, &scenario);
            adopt_schema(app, &scenario);
            super::reload::saved(app, &path, hash);
            app.playground.saved = Some(scenario.clone());
            app.playground.path = Some(path.clone());
            app.playground.branch = None;
            app.dirty = app.scenario != scenario;
            if let Some(e) = app.entries.get_mut(app.current) {
                e.origin = path.display().to_string();
                e.scenario = Ok(scenario.clone());
            }
            app.message = Some(format!(
                "saved {} step(s) to {shown}{hint}",
                scenario.steps.len()
            ));
            match then {
                Some(then) => run_then(app, then),
                None => Vec::new(),
            }
        }
        Err(WriteError::Exists(path)) => {
            app.playground.prompt = Some(ask_overwrite(app, path, then));
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

/// The `$schema` the save gave a scenario that had none is the scenario's from now on, in
/// the undo history too: it is no edit, so it must not show as one (nor make live reload
/// take the saved file for a change made elsewhere).
fn adopt_schema(app: &mut App, saved: &Scenario) {
    let Some(schema) = &saved.schema else {
        return;
    };
    let pg = &mut app.playground;
    let history = pg.undo.iter_mut().chain(pg.redo.iter_mut());
    let scenarios = history
        .map(|v| &mut v.scenario)
        .chain(pg.saved.as_mut())
        .chain(std::iter::once(&mut app.scenario));
    for s in scenarios.filter(|s| s.schema.is_none()) {
        s.schema = Some(schema.clone());
    }
}

/// The save message's reminder that the relative `$schema` needs the schema beside the
/// file: said when the file goes to a folder the scenario was not read from or saved to
/// before (the model does not look at the disk, so it cannot know the schema is there).
fn schema_hint(app: &App, path: &std::path::Path, saved: &Scenario) -> &'static str {
    if saved.schema.as_deref() != Some(idscope_core::save::SCHEMA_REF) {
        return "";
    }
    let folder = |p: &std::path::Path| {
        p.parent()
            .map(|d| d.to_path_buf())
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let origin = app.entries.get(app.current).map(|e| e.origin.as_str());
    let known = app
        .playground
        .path
        .iter()
        .map(|p| p.as_path())
        .chain(
            origin
                .filter(|o| o.ends_with(".json"))
                .map(std::path::Path::new),
        )
        .any(|p| folder(p) == folder(path));
    if known {
        ""
    } else {
        " · for editors: idscope schema > scenario.schema.json in its folder"
    }
}

/// Whether an action may reach the app while a prompt is open (the rest are swallowed).
/// Ticks do: the open file is still watched, so a save prompt knows it changed on disk.
pub fn passes(action: &Action) -> bool {
    matches!(
        action,
        Action::Resize(..) | Action::PromptKey(_) | Action::Tick
    )
}

// ---------------------------------------------------------------------------------------
// Saving over a file that changed on disk
// ---------------------------------------------------------------------------------------

/// The question for a save onto an existing file: the open file, changed on disk since it
/// was read here, gets the conflict prompt; any other file the plain "overwrite?".
fn ask_overwrite(app: &App, path: PathBuf, then: Option<Then>) -> Prompt {
    if super::reload::is_watched(app, &path) && super::reload::changed_on_disk(app) {
        let disk = super::reload::disk_hash(app);
        return Prompt::Conflict { path, then, disk };
    }
    Prompt::Overwrite { path, then }
}

/// A confirmed overwrite: of the open file only after one last look at the disk (it must
/// still hold the version read here, or `disk`, the one the user agreed to replace).
fn overwrite(app: &mut App, path: PathBuf, then: Option<Then>, disk: Option<u64>) -> Vec<Effect> {
    if super::reload::is_watched(app, &path) {
        let look = super::reload::last_look(app);
        if !look.is_empty() {
            app.playground.looking = Some((path, then, disk));
            return look;
        }
    }
    write(app, path, true, then)
}

/// The last look came back: write, or ask again when the file changed (again) meanwhile.
pub fn looked(app: &mut App) -> Vec<Effect> {
    let Some((path, then, disk)) = app.playground.looking.take() else {
        return Vec::new();
    };
    let unchanged = match disk {
        None => !super::reload::changed_on_disk(app),
        Some(h) => super::reload::disk_hash(app) == Some(h),
    };
    if unchanged || super::reload::deleted(app) {
        return write(app, path, true, then);
    }
    let disk = super::reload::disk_hash(app);
    app.playground.prompt = Some(Prompt::Conflict { path, then, disk });
    app.message = Some("the file changed on disk just now; not overwritten".into());
    Vec::new()
}

fn conflict_key(
    app: &mut App,
    path: PathBuf,
    then: Option<Then>,
    disk: Option<u64>,
    ev: KeyEvent,
) -> Vec<Effect> {
    match ev.code {
        KeyCode::Char('r') | KeyCode::Char('R') => {
            if super::reload::reload_now(app) {
                return match then {
                    Some(then) => run_then(app, then),
                    None => Vec::new(),
                };
            }
            app.message = Some(match super::reload::disk_error(app) {
                Some(e) => format!("cannot reload: {e}"),
                None => "cannot reload: nothing new on disk to load".into(),
            });
        }
        KeyCode::Char('k') | KeyCode::Char('K') => return overwrite(app, path, then, disk),
        KeyCode::Char('e') | KeyCode::Char('E') => {
            app.playground.prompt = Some(Prompt::Save {
                text: elsewhere(&path),
                error: Some("the file changed on disk; save under another name".into()),
                then,
            });
            return Vec::new();
        }
        KeyCode::Esc | KeyCode::Char('n') => {
            app.message = Some("not saved; the file on disk is unchanged".into());
            return Vec::new();
        }
        _ => {}
    }
    app.playground.prompt = Some(Prompt::Conflict { path, then, disk });
    Vec::new()
}

/// Another name beside `path` to save to: `x.json` → `x.mine.json`.
fn elsewhere(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    path.with_file_name(format!("{stem}.mine.json"))
        .display()
        .to_string()
}

/// The version on disk is shown now (live reload): it is the saved state, so the
/// edits made before are no longer "unsaved" against it.
pub fn reloaded(app: &mut App) {
    app.playground.saved = Some(app.scenario.clone());
    app.playground.branch = None;
    refresh_dirty(app);
}

// ---------------------------------------------------------------------------------------
// Editing a step in place (`E`)
// ---------------------------------------------------------------------------------------

/// `E`: the add-step prompt on the step under the cursor, filled in with its kind, device
/// and value; Enter replaces the step (one undoable edit; the cursor stays on it). Steps the
/// prompt cannot show are refused with a message naming why; what the prompt does not show
/// (properties, note, `after`, `same_tick`, an alias's `original`, a pinned reset id, the
/// rest of a send's payload) is kept as it was.
pub fn open_edit(app: &mut App) -> Vec<Effect> {
    let k = app.cursor;
    let Some(step) = k.checked_sub(1).and_then(|i| app.scenario.steps.get(i)) else {
        app.message = Some("no step to edit".into());
        return Vec::new();
    };
    let target = match edit_target(step, k) {
        Ok(t) => t,
        Err(why) => {
            app.message = Some(why);
            return Vec::new();
        }
    };
    let list = devices(&app.scenario);
    let device_row = target
        .device
        .as_ref()
        .and_then(|d| list.iter().position(|x| x == d))
        .unwrap_or(0);
    app.playground.prompt = Some(Prompt::Add(AddPrompt {
        stage: AddStage::Kind,
        kind: target.kind,
        device_row,
        device: target.device.clone(),
        text: String::new(),
        completing: None,
        error: None,
        edit: Some(target),
    }));
    Vec::new()
}

/// What the edit prompt needs of step `k`, or why the prompt cannot edit it.
pub fn edit_target(step: &Step, k: usize) -> Result<EditTarget, String> {
    let key = step.action.key();
    let Some(kind) = KINDS.iter().position(|(_, name, _)| *name == key) else {
        return Err(format!(
            "step {k} is a {key} step, which the step prompt does not offer: edit it in the file"
        ));
    };
    let mut kept = Vec::new();
    let mut fixed_kind = None;
    match &step.action {
        StepAction::Sdk(SdkCall::Track { properties, .. }) if !properties.is_empty() => {
            kept.push("its properties".to_string());
            fixed_kind = Some("its properties".to_string());
        }
        StepAction::Sdk(SdkCall::Alias {
            original: Some(o), ..
        }) => {
            kept.push(format!("original {}", idscope_core::text::quoted(o)));
            fixed_kind = Some("its original".to_string());
        }
        StepAction::Sdk(SdkCall::Reset { device_id: Some(_) }) => {
            kept.push("its pinned device_id".to_string());
            fixed_kind = Some("its pinned device_id".to_string());
        }
        StepAction::Send { payloads, endpoint } => {
            let Some(id) = send_distinct_id(payloads, *endpoint) else {
                return Err(format!("step {k} is a raw send: edit it in the file"));
            };
            // The prompt's own sends are one event to /track with just the distinct_id.
            let plain = make_step("send", None, id);
            if plain.action != step.action {
                let to = match endpoint {
                    Endpoint::Track => String::new(),
                    other => format!(" (to /{})", other.as_str()),
                };
                kept.push(format!("the rest of its payload{to}"));
                fixed_kind = Some("its payload".to_string());
            }
        }
        _ => {}
    }
    if step.note.is_some() {
        kept.push("its note".into());
    }
    if step.same_tick {
        kept.push("same_tick".into());
    } else if step.advance_ms != 1000 {
        kept.push(format!(
            "after {}",
            idscope_core::save::format_after(step.advance_ms)
        ));
    }
    Ok(EditTarget {
        step: k,
        kind,
        device: step.device.clone(),
        text: value(step).unwrap_or("").to_string(),
        kept,
        fixed_kind,
    })
}

/// A call the chosen device's SDK lacks (`identify` on a Node server): said in the prompt, so
/// the scenario never holds a step its file could not load.
fn sdk_problem(app: &App, p: &AddPrompt) -> Option<String> {
    let (_, kind, _) = KINDS[p.kind];
    let step = make_step(kind, p.device.clone(), "x");
    let (StepAction::Sdk(call), Some(device)) = (&step.action, &step.device) else {
        return None;
    };
    let profile = app.scenario.profile_of(device);
    profile
        .accepts(call)
        .err()
        .map(|why| format!("device {} runs {why}", idscope_core::text::visible(device)))
}

/// Editing a step's device (or making it a send, which has none) must keep `same_tick`
/// steps valid: a step in the same tick as the one before stays on its device, and so does
/// the step before one that continues its tick.
fn tick_problem(app: &App, p: &AddPrompt) -> Option<String> {
    let t = p.edit.as_ref()?;
    let k = t.step;
    let old = app.scenario.steps.get(k.checked_sub(1)?)?;
    let device = if KINDS[p.kind].1 == "send" {
        None
    } else {
        p.device.as_deref()
    };
    if device == old.device.as_deref() {
        return None;
    }
    let on = old
        .device
        .as_deref()
        .map(|d| idscope_core::text::visible(d).into_owned())
        .unwrap_or_default();
    if old.same_tick {
        return Some(format!(
            "step {k} runs in step {}'s tick (same_tick), so it stays on {on}; change that in the file",
            k - 1
        ));
    }
    if app.scenario.steps.get(k).is_some_and(|next| next.same_tick) {
        return Some(format!(
            "step {} runs in this step's tick (same_tick), so step {k} stays on {on}; change that in the file",
            k + 1
        ));
    }
    None
}

/// Enter in the edit prompt: replaces the step (or says it is unchanged).
fn finish_edit(app: &mut App, mut p: AddPrompt) -> Vec<Effect> {
    let Some(t) = p.edit.clone() else {
        return Vec::new();
    };
    let k = t.step;
    let Some(old) = app.scenario.steps.get(k.wrapping_sub(1)).cloned() else {
        app.message = Some(format!("step {k} no longer exists; nothing edited"));
        return Vec::new();
    };
    if let Some(problem) = tick_problem(app, &p) {
        p.error = Some(problem);
        app.playground.prompt = Some(Prompt::Add(p));
        return Vec::new();
    }
    let (_, kind, _) = KINDS[p.kind];
    let mut new = make_step(kind, p.device.clone(), &p.text);
    // What the prompt does not show stays as it was.
    match (&mut new.action, &old.action) {
        (
            StepAction::Sdk(SdkCall::Track { properties, .. }),
            StepAction::Sdk(SdkCall::Track {
                properties: kept, ..
            }),
        ) => properties.clone_from(kept),
        (
            StepAction::Sdk(SdkCall::Alias { original, .. }),
            StepAction::Sdk(SdkCall::Alias { original: kept, .. }),
        ) => original.clone_from(kept),
        (
            StepAction::Sdk(SdkCall::Reset { device_id }),
            StepAction::Sdk(SdkCall::Reset { device_id: kept }),
        ) => device_id.clone_from(kept),
        (
            StepAction::Send { payloads, endpoint },
            StepAction::Send {
                payloads: kept,
                endpoint: kept_endpoint,
            },
        ) => {
            let mut payload = kept[0].clone();
            if let Some(props) = payload
                .get_mut("properties")
                .and_then(serde_json::Value::as_object_mut)
            {
                props.insert(
                    "distinct_id".into(),
                    serde_json::Value::String(p.text.clone()),
                );
            }
            *payloads = vec![payload];
            *endpoint = *kept_endpoint;
        }
        _ => {}
    }
    new.note.clone_from(&old.note);
    new.advance_ms = old.advance_ms;
    new.same_tick = old.same_tick;
    if new == old {
        app.message = Some(format!("step {k} unchanged"));
        return Vec::new();
    }
    let (before, after) = if new.device == old.device {
        (describe_action(&old), describe_action(&new))
    } else {
        (describe(&old), describe(&new))
    };
    let added = new
        .device
        .clone()
        .filter(|d| !devices(&app.scenario).contains(d));
    let mut what = format!("step {k}: {before} → {after}");
    if let Some(d) = &added {
        what.push_str(&format!(" (new device {})", idscope_core::text::visible(d)));
    }
    let fork = (k < app.total_steps()).then_some(k - 1);
    edit(app, &what, fork, move |s| {
        if let Some(d) = added {
            s.devices.insert(d, DeviceSpec::default());
        }
        s.steps[k - 1] = new;
        k
    });
    Vec::new()
}

/// `R`: rename the scenario or a device ([`rename`]).
pub fn open_rename(app: &mut App) -> Vec<Effect> {
    rename::open(app)
}

/// `=`: keep the current outcome of the three modes as the scenario's `expect` ([`keep`]).
pub fn keep_expect(app: &mut App) -> Vec<Effect> {
    keep::keep(app)
}
