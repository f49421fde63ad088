//! Shared by the terminal-UI tests: a scenario written inline, and helpers.
#![allow(dead_code)]

use idscope::tui::app::{update, Action, App};
use idscope::tui::theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Alice signs up on a laptop and logs in on her phone; Bob then logs in on the laptop
/// without Alice logging out (so under Simplified the laptop already belongs to Alice).
pub const SHARED: &str = r#"{
  "name": "Shared laptop, no logout",
  "description": "Alice signs up on the laptop; Bob logs in on it without a logout in between.",
  "devices": {
    "laptop": { "device_id": "11111111-1111-4111-8111-111111111111" },
    "phone": { "device_id": "22222222-2222-4222-8222-222222222222" }
  },
  "steps": [
    { "device": "laptop", "visit": "Home" },
    { "device": "laptop", "signup": "alice", "note": "Alice signs up" },
    { "device": "phone", "login": "alice" },
    { "device": "laptop", "track": "Bought" },
    { "device": "laptop", "login": "bob", "note": "Bob borrows the laptop" },
    { "device": "laptop", "track": "Played" }
  ]
}"#;

pub fn scenario(json: &str) -> idscope_core::Scenario {
    idscope_core::scenario::parse(json, "test.json").expect("valid test scenario")
}

pub fn app() -> App {
    let mut app = App::from_scenario(scenario(SHARED));
    app.theme = &theme::COLOR;
    app
}

pub fn mono_app() -> App {
    let mut app = app();
    app.theme = &theme::MONO;
    app
}

/// What the shell's loop does with an action, minus the terminal: `update`, then the file
/// effects (writes, reload polls) carried out and their outcomes handed back. Returns the
/// effects left for the terminal (quit, copy).
pub fn act(app: &mut App, action: Action) -> Vec<idscope::tui::shell::Effect> {
    let effects = update(app, action);
    idscope::tui::shell::settle(app, effects)
}

pub fn apply(app: &mut App, actions: &[Action]) {
    for a in actions {
        update(app, *a);
    }
}

/// Draws the app on a `w`×`h` TestBackend (telling the model its size first, as the
/// terminal loop does).
pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    update(app, Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| f.render_widget(&*app, f.area())).expect("draw");
    t
}

/// The screen as text, one line per row.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    crate::common::buffer_text(t.backend().buffer())
}

/// The shared scenario at step `k` (1-based) under `mode`.
pub fn at_step(k: usize, mode: idscope_core::model::Mode) -> App {
    let mut app = app();
    update(&mut app, Action::ModeSet(mode));
    for _ in 1..k {
        update(&mut app, Action::StepNext);
    }
    app
}
