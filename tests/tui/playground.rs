//! The playground (issue 8) through `update` and the keymap, without a terminal: adding,
//! deleting and moving steps, undo/redo, the modified flag, quitting with unsaved changes,
//! saving (atomic, never overwriting without a yes, round trip), new scenarios and the
//! suggestions; plus a reviewed snapshot of the add-step prompt.

use crate::support::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::app::{update, Action, App, Effect};
use idscope::tui::keymap::map_event;
use idscope::tui::playground::{self, Prompt};
use idscope_core::model::Mode;
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::{Action as StepAction, Step};
use std::path::PathBuf;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// A key press as the terminal loop handles it: through the keymap, then `update`.
fn press(app: &mut App, ev: KeyEvent) -> Vec<Effect> {
    match map_event(&Event::Key(ev), app) {
        Some(a) => act(app, a),
        None => Vec::new(),
    }
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    press(app, key(KeyCode::Char(c)))
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

fn enter(app: &mut App) -> Vec<Effect> {
    press(app, key(KeyCode::Enter))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn step(device: &str, action: StepAction) -> Step {
    Step {
        device: Some(device.into()),
        action,
        note: None,
        advance_ms: 1000,
        same_tick: false,
    }
}

/// The shown runs equal fresh replays of the edited scenario, in every mode.
fn assert_replayed(app: &App) {
    for mode in Mode::ALL {
        let fresh = Run::new(&app.scenario, RunConfig::new(mode));
        assert_eq!(
            run_json(app.run_for(mode), app.cursor),
            run_json(&fresh, app.cursor),
            "{mode}: the view was not replayed after the edit"
        );
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idscope-pg-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn header(app: &mut App) -> String {
    let s = screen(&draw(app, 120, 40));
    s.lines().next().unwrap_or("").to_string()
}

#[test]
fn add_inserts_after_the_cursor_and_replays_at_once() {
    let mut app = app();
    ch(&mut app, 'l'); // step 2: Alice signs up on the laptop
    assert_eq!(app.cursor, 2);
    ch(&mut app, 'a');
    assert!(matches!(app.playground.prompt, Some(Prompt::Add(_))));
    ch(&mut app, 'l'); // login
    ch(&mut app, '2'); // the second device: phone
    typ(&mut app, "carol");
    enter(&mut app);
    assert!(app.playground.prompt.is_none());
    assert_eq!(app.total_steps(), 7);
    assert_eq!(app.cursor, 3, "the cursor is on the new step");
    assert_eq!(
        app.scenario.steps[2],
        step("phone", StepAction::Login("carol".into()))
    );
    // The later steps are kept, after the new one: a branch of the file's sequence.
    assert_eq!(
        app.scenario.steps[3],
        step("phone", StepAction::Login("alice".into()))
    );
    assert!(app.dirty);
    assert_eq!(app.playground.branch, Some(2));
    assert_replayed(&app);
    let h = header(&mut app);
    assert!(h.contains("● modified · branched after step 2"), "{h}");
    assert!(h.contains("step 3/7"), "{h}");
    assert!(
        app.message.as_deref().unwrap().contains("added step 3"),
        "{:?}",
        app.message
    );
}

#[test]
fn adding_at_the_end_does_not_branch() {
    let mut app = app();
    update(&mut app, Action::StepLast);
    ch(&mut app, 'a');
    ch(&mut app, 'o'); // logout: no text
    enter(&mut app); // the device of the step under the cursor is preselected: laptop
    assert_eq!(app.total_steps(), 7);
    assert_eq!(app.scenario.steps[6], step("laptop", StepAction::Logout));
    assert_eq!(app.playground.branch, None);
    assert!(header(&mut app).contains("● modified (s saves)"));
}

#[test]
fn a_new_device_is_created_and_listed() {
    let mut app = app();
    ch(&mut app, 'a');
    ch(&mut app, 'r'); // reset
    ch(&mut app, '+');
    typ(&mut app, "tablet");
    enter(&mut app);
    assert_eq!(
        app.scenario.steps[1],
        step("tablet", StepAction::Reset { device_id: None })
    );
    assert!(app.scenario.devices.contains_key("tablet"));
    assert_replayed(&app);
}

#[test]
fn track_and_send_steps() {
    let mut app = app();
    update(&mut app, Action::StepLast);
    ch(&mut app, 'a');
    ch(&mut app, 't');
    ch(&mut app, '1');
    typ(&mut app, "Paid");
    enter(&mut app);
    assert!(matches!(&app.scenario.steps[6].action,
        StepAction::Track { event, properties } if event == "Paid" && properties.is_empty()));
    ch(&mut app, 'a');
    ch(&mut app, 'x'); // send: no device
    typ(&mut app, "bob");
    enter(&mut app);
    let s = &app.scenario.steps[7];
    assert_eq!(s.device, None);
    assert!(matches!(&s.action, StepAction::Send { payloads, .. }
        if payloads[0]["properties"]["distinct_id"] == "bob"));
    assert_replayed(&app);
}

#[test]
fn tab_completes_ids_already_in_the_scenario() {
    let mut app = app();
    ch(&mut app, 'a');
    ch(&mut app, 'i'); // identify
    enter(&mut app); // laptop
    ch(&mut app, 'a');
    press(&mut app, key(KeyCode::Tab));
    let text = |app: &App| match &app.playground.prompt {
        Some(Prompt::Add(p)) => p.text.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(text(&app), "alice");
    press(&mut app, key(KeyCode::Backspace));
    press(&mut app, key(KeyCode::Backspace));
    press(&mut app, key(KeyCode::Backspace));
    press(&mut app, key(KeyCode::Backspace));
    press(&mut app, key(KeyCode::Backspace));
    // Empty prefix: Tab cycles through every user id in order of appearance.
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(text(&app), "alice");
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(text(&app), "bob");
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(text(&app), "alice");
    enter(&mut app);
    assert_eq!(
        app.scenario.steps[1],
        step("laptop", StepAction::Identify("alice".into()))
    );
}

#[test]
fn letters_in_a_text_field_are_text_not_keys() {
    let mut app = app();
    ch(&mut app, 'a');
    ch(&mut app, 'v');
    enter(&mut app);
    // q, d, u, s, ? would quit, delete, undo, save, help on the main screen.
    typ(&mut app, "qdus?");
    enter(&mut app);
    assert!(!app.should_quit);
    assert_eq!(
        app.scenario.steps[1],
        step("laptop", StepAction::Visit("qdus?".into()))
    );
}

#[test]
fn escape_backs_out_and_cancels_without_a_change() {
    let mut app = app();
    let before = app.scenario.clone();
    ch(&mut app, 'a');
    ch(&mut app, 'l');
    typ(&mut app, "1");
    typ(&mut app, "zed");
    press(&mut app, key(KeyCode::Esc)); // back to the device
    press(&mut app, key(KeyCode::Esc)); // back to the action
    press(&mut app, key(KeyCode::Esc)); // closed
    assert!(app.playground.prompt.is_none());
    assert_eq!(app.scenario, before);
    assert!(!app.dirty);
    // Enter on an empty value says what is missing.
    ch(&mut app, 'a');
    ch(&mut app, 's');
    enter(&mut app);
    enter(&mut app);
    match &app.playground.prompt {
        Some(Prompt::Add(p)) => assert_eq!(p.error.as_deref(), Some("type the user id")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete_undo_redo() {
    let mut app = app();
    let original = app.scenario.clone();
    update(&mut app, Action::StepLast);
    update(&mut app, Action::StepPrev); // step 5: Bob logs in on the laptop
    ch(&mut app, 'd');
    assert_eq!(app.total_steps(), 5);
    assert_eq!(app.cursor, 4, "the cursor moves to the step before");
    assert!(app
        .scenario
        .steps
        .iter()
        .all(|s| s.action != StepAction::Login("bob".into())));
    assert!(app.dirty);
    assert_replayed(&app);

    ch(&mut app, 'u');
    assert_eq!(app.scenario, original);
    assert_eq!(app.cursor, 5, "undo puts the cursor back");
    assert!(!app.dirty, "undone back to the file: not modified");
    assert_replayed(&app);

    ctrl(&mut app, 'r');
    assert_eq!(app.total_steps(), 5);
    assert!(app.dirty);

    ctrl(&mut app, 'r');
    assert_eq!(app.message.as_deref(), Some("nothing to redo"));
    ch(&mut app, 'u');
    ch(&mut app, 'u');
    assert_eq!(app.message.as_deref(), Some("nothing to undo"));
    assert_eq!(app.scenario, original);
}

#[test]
fn a_new_edit_drops_the_redo_history() {
    let mut app = app();
    ch(&mut app, 'd');
    ch(&mut app, 'u');
    assert!(app.playground.can_redo());
    ch(&mut app, 'J');
    assert!(!app.playground.can_redo());
    ctrl(&mut app, 'r');
    assert_eq!(app.message.as_deref(), Some("nothing to redo"));
}

#[test]
fn deleting_every_step_then_undoing_all() {
    let mut app = app();
    let original = app.scenario.clone();
    for _ in 0..6 {
        ch(&mut app, 'd');
    }
    assert_eq!(app.total_steps(), 0);
    assert_eq!(app.cursor, 0);
    ch(&mut app, 'd');
    assert_eq!(app.message.as_deref(), Some("no step to delete"));
    draw(&mut app, 100, 30);
    for _ in 0..6 {
        ch(&mut app, 'u');
    }
    assert_eq!(app.scenario, original);
}

#[test]
fn move_up_and_down_with_the_cursor_following() {
    let mut app = app();
    let original = app.scenario.steps.clone();
    ch(&mut app, 'K');
    assert_eq!(app.message.as_deref(), Some("the step is already first"));
    assert!(!app.dirty);
    ch(&mut app, 'J');
    assert_eq!(app.cursor, 2);
    assert_eq!(app.scenario.steps[1], original[0]);
    assert_eq!(app.scenario.steps[0], original[1]);
    assert_eq!(app.playground.branch, Some(0));
    assert_replayed(&app);
    ch(&mut app, 'K');
    assert_eq!(app.cursor, 1);
    assert_eq!(app.scenario.steps, original);
    assert!(!app.dirty, "moved back: same as the file");
    update(&mut app, Action::StepLast);
    ch(&mut app, 'J');
    assert_eq!(app.message.as_deref(), Some("the step is already last"));
}

#[test]
fn quitting_with_unsaved_changes_asks_first() {
    // Clean: q quits at once.
    let mut clean = crate::support::app();
    assert_eq!(ch(&mut clean, 'q'), vec![Effect::Quit]);
    let mut app = crate::support::app();

    ch(&mut app, 'd');
    assert!(ch(&mut app, 'q').is_empty(), "asked, not quit");
    assert!(matches!(
        app.playground.prompt,
        Some(Prompt::Unsaved { .. })
    ));
    let s = screen(&draw(&mut app, 100, 30));
    assert!(s.contains("unsaved changes"), "{s}");
    ch(&mut app, 'n');
    assert!(app.playground.prompt.is_none() && !app.should_quit);
    // Ctrl-C asks too; a second Ctrl-C leaves.
    assert!(ctrl(&mut app, 'c').is_empty());
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit]);
    // y discards and quits.
    let mut app2 = crate::support::app();
    ch(&mut app2, 'd');
    ch(&mut app2, 'q');
    assert_eq!(ch(&mut app2, 'y'), vec![Effect::Quit]);
}

#[test]
fn save_writes_a_file_that_loads_to_the_same_run_and_never_overwrites_silently() {
    let dir = temp_dir("save");
    let path = dir.join("edited.json");
    let mut app = app();
    ch(&mut app, 'a');
    ch(&mut app, 'l');
    ch(&mut app, '2');
    typ(&mut app, "bob");
    enter(&mut app);
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, &path.display().to_string());
    enter(&mut app);
    assert!(
        app.playground.prompt.is_none(),
        "{:?}",
        app.playground.prompt
    );
    assert!(!app.dirty);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .starts_with("saved 7 step(s) to"));
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = idscope_core::scenario::parse(&text, "edited.json").unwrap();
    assert_eq!(loaded, app.scenario);
    for mode in Mode::ALL {
        let fresh = Run::new(&loaded, RunConfig::new(mode));
        let n = loaded.steps.len();
        assert_eq!(run_json(&fresh, n), run_json(app.run_for(mode), n));
    }
    assert!(!header(&mut app).contains("modified"));

    // Edit again; saving to the same file asks; n keeps the file.
    ch(&mut app, 'd');
    ch(&mut app, 's');
    match &app.playground.prompt {
        Some(Prompt::Save { text, .. }) => assert_eq!(*text, path.display().to_string()),
        other => panic!("{other:?}"),
    }
    enter(&mut app);
    assert!(matches!(
        app.playground.prompt,
        Some(Prompt::Overwrite { .. })
    ));
    let s = screen(&draw(&mut app, 100, 30));
    assert!(s.contains("already exists. Overwrite it?"), "{s}");
    ch(&mut app, 'n');
    assert!(matches!(app.playground.prompt, Some(Prompt::Save { .. })));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
    enter(&mut app);
    ch(&mut app, 'y');
    let again =
        idscope_core::scenario::parse(&std::fs::read_to_string(&path).unwrap(), "e").unwrap();
    assert_eq!(again.steps.len(), 6);
    assert!(!app.dirty);
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary files left");
}

#[test]
fn save_from_the_quit_question_then_quits() {
    let dir = temp_dir("savequit");
    let path = dir.join("s.json");
    let mut app = app();
    ch(&mut app, 'd');
    ch(&mut app, 'q');
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, &path.display().to_string());
    assert_eq!(enter(&mut app), vec![Effect::Quit]);
    assert!(path.is_file());
}

#[test]
fn a_failed_save_says_why_and_keeps_the_changes() {
    let mut app = app();
    ch(&mut app, 'd');
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, "/nonexistent/idscope/dir/x.json");
    enter(&mut app);
    match &app.playground.prompt {
        Some(Prompt::Save { error: Some(e), .. }) => assert!(e.contains("cannot write"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(app.dirty);
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.message.as_deref(), Some("not saved"));
    assert!(app.dirty);
}

#[test]
fn n_starts_an_empty_scenario_with_one_device() {
    let mut app = app();
    ch(&mut app, 'n');
    assert_eq!(app.total_steps(), 0);
    assert_eq!(app.cursor, 0);
    assert_eq!(app.scenario.devices.keys().collect::<Vec<_>>(), vec!["web"]);
    assert!(!app.dirty);
    // With unsaved changes, n asks first; n(o) keeps them.
    ch(&mut app, 'a');
    ch(&mut app, 'v');
    enter(&mut app);
    typ(&mut app, "Home");
    enter(&mut app);
    assert!(app.dirty);
    ch(&mut app, 'n');
    assert!(matches!(
        app.playground.prompt,
        Some(Prompt::Unsaved { .. })
    ));
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.total_steps(), 1);
    ch(&mut app, 'n');
    ch(&mut app, 'y');
    assert_eq!(app.total_steps(), 0);
    assert!(!app.dirty);
}

#[test]
fn opening_another_scenario_with_unsaved_changes_asks_first() {
    use idscope::tui::app::Overlay;
    use idscope::tui::source::Entry;
    let entries = vec![
        Entry::from_scenario("a.json", scenario(SHARED)),
        Entry::from_scenario("b.json", scenario(r#"{"name":"other","steps":[]}"#)),
    ];
    let mut app = App::new(entries).unwrap();
    ch(&mut app, 'd');
    app.overlay = Some(Overlay::Picker { selected: 1 });
    enter(&mut app);
    assert!(matches!(
        app.playground.prompt,
        Some(Prompt::Unsaved { .. })
    ));
    assert_eq!(app.scenario.name, "Shared laptop, no logout");
    ch(&mut app, 'y');
    assert_eq!(app.scenario.name, "other");
    assert!(!app.dirty && !app.playground.can_undo());
}

#[test]
fn two_device_signup_from_scratch_with_keys_only() {
    let dir = temp_dir("scratch");
    let path = dir.join("two-devices.json");
    let mut app = playground::new_app();
    for keys in [
        "av1Pricing\n",     // web: visit Pricing
        "as1alice\n",       // web: signup alice
        "av+phone\nHome\n", // phone: visit Home
        "al2\t\n",          // phone: login alice (Tab completes)
    ] {
        for c in keys.chars() {
            match c {
                '\n' => enter(&mut app),
                '\t' => press(&mut app, key(KeyCode::Tab)),
                c => ch(&mut app, c),
            };
        }
    }
    assert_eq!(app.total_steps(), 4);
    assert_eq!(
        app.scenario.steps[3],
        step("phone", StepAction::Login("alice".into()))
    );
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, &path.display().to_string());
    enter(&mut app);
    let loaded = idscope_core::load::load_file(&path).unwrap();
    assert_eq!(loaded, app.scenario);
    // Under Simplified both devices end up in alice's cluster.
    let run = Run::new(&loaded, RunConfig::new(Mode::Simplified));
    let clusters = run.clusters(4);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert!(clusters[0].members.contains(&"alice".to_string()));
    assert_eq!(clusters[0].members.len(), 3);
}

#[test]
fn suggestions_name_the_trap_and_bang_adds_the_step() {
    let mut app = playground::new_app();
    for c in "as1alice\n".chars() {
        if c == '\n' {
            enter(&mut app);
        } else {
            ch(&mut app, c);
        }
    }
    let s = screen(&draw(&mut app, 120, 40));
    assert!(s.contains("added step 1"), "{s}");
    update(&mut app, Action::ModeSet(Mode::Simplified)); // clears the message
    let s = screen(&draw(&mut app, 120, 40));
    let status = s.lines().last().unwrap();
    assert!(
        status.contains("tip: web is still identified as \"alice\""),
        "{status}"
    );
    ch(&mut app, 'a');
    let s = screen(&draw(&mut app, 120, 40));
    assert!(s.contains("! suggested: web: login \"bob\""), "{s}");
    ch(&mut app, '!');
    assert_eq!(
        app.scenario.steps[1],
        step("web", StepAction::Login("bob".into()))
    );
    assert_replayed(&app);
}

#[test]
fn an_alias_simplified_ignores_is_pointed_out() {
    let mut app = playground::new_app();
    for c in "aa1a@b.c\n".chars() {
        if c == '\n' {
            enter(&mut app);
        } else {
            ch(&mut app, c);
        }
    }
    let tip = playground::suggest::status_text(&app).unwrap();
    assert!(
        tip.contains("the alias at step 1 is ignored under Simplified"),
        "{tip}"
    );
    // Not under Legacy, where the alias works.
    update(&mut app, Action::ModeSet(Mode::Legacy));
    let tip = playground::suggest::status_text(&app).unwrap_or_default();
    assert!(!tip.contains("alias"), "{tip}");
}

#[test]
fn a_cluster_near_the_original_limit_is_pointed_out() {
    let mut app = app();
    app.set_knobs(idscope_core::model::Knobs {
        max_cluster: 3,
        ..Default::default()
    });
    update(&mut app, Action::ModeSet(Mode::Original));
    update(&mut app, Action::StepNext);
    update(&mut app, Action::StepNext); // alice on laptop and phone
    ch(&mut app, 'u'); // nothing to undo, but not active yet: no tip
    assert_eq!(playground::suggest::status_text(&app), None);
    app.playground.active = true;
    let tip = playground::suggest::status_text(&app).unwrap();
    assert!(tip.contains("of 3 ids (the Original limit)"), "{tip}");
}

#[test]
fn typed_control_and_bidi_characters_never_reach_the_screen() {
    let mut app = app();
    ch(&mut app, 'a');
    ch(&mut app, 'l');
    ch(&mut app, '1');
    typ(&mut app, "ev\u{202e}il\u{1b}[31m");
    let s = screen(&draw(&mut app, 100, 30));
    assert!(!s.contains('\u{202e}') && !s.contains('\u{1b}'), "{s}");
    enter(&mut app);
    for w in [50, 80, 120] {
        let s = screen(&draw(&mut app, w, 30));
        assert!(!s.contains('\u{202e}') && !s.contains('\u{1b}'), "{s}");
    }
}

#[test]
fn prompts_draw_at_every_size_without_panicking() {
    let mut app = app();
    ch(&mut app, 'a');
    for stage in 0..3 {
        for w in (0..130).step_by(7) {
            for h in (0..45).step_by(4) {
                draw(&mut app, w, h);
            }
        }
        match stage {
            0 => ch(&mut app, 'l'),
            _ => ch(&mut app, '1'),
        };
    }
    ch(&mut app, 'q'); // text
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    ch(&mut app, 'd');
    ch(&mut app, 'q');
    for w in (0..130).step_by(11) {
        for h in (0..45).step_by(5) {
            draw(&mut app, w, h);
        }
    }
}

#[test]
fn add_step_prompt_snapshot() {
    let mut app = app();
    update(&mut app, Action::StepNext);
    ch(&mut app, 'a');
    insta::assert_snapshot!("add_step_action_100x30", draw(&mut app, 100, 30).backend());
    ch(&mut app, 'l');
    insta::assert_snapshot!("add_step_device_100x30", draw(&mut app, 100, 30).backend());
    ch(&mut app, '2');
    typ(&mut app, "al");
    insta::assert_snapshot!("add_step_value_100x30", draw(&mut app, 100, 30).backend());
}

// ---- end to end: the real binary in tmux ----------------------------------------------------

mod e2e {
    pub use crate::common::tmux::{have_tmux, Tmux};

    pub fn bin() -> &'static str {
        env!("CARGO_BIN_EXE_idscope")
    }
}

#[test]
fn tmux_builds_a_two_device_signup_from_scratch_and_saves_it() {
    if !e2e::have_tmux() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let dir = temp_dir("tmux");
    let path = dir.join("two-devices.json");
    let cmd = format!(
        "cd '{}' && NO_COLOR= '{}' new; echo EXIT=$?; sleep 30",
        dir.display(),
        e2e::bin()
    );
    let t = e2e::Tmux::start("scratch", &cmd, 120, 40).expect("tmux session starts");
    t.wait_text("New scenario");
    t.wait_text("step 0/0");

    // web: visit Pricing.
    t.keys(&["a"]);
    t.wait_text("Add a step after step 0");
    t.keys(&["v"]);
    t.wait_text("2 device");
    t.keys(&["1"]);
    t.wait_text("page:");
    t.text("Pricing");
    t.keys(&["Enter"]);
    t.wait_text("step 1/1");
    t.wait_text("● modified");

    // web: signup alice.
    t.keys(&["a", "s", "1"]);
    t.wait_text("user id:");
    t.text("alice");
    t.keys(&["Enter"]);
    t.wait_text("step 2/2");

    // phone (a new device): visit Home.
    t.keys(&["a", "v", "+"]);
    t.wait_text("New device name:");
    t.text("phone");
    t.keys(&["Enter"]);
    t.wait_text("page:");
    t.text("Home");
    t.keys(&["Enter"]);
    t.wait_text("step 3/3");

    // phone: login alice, completed with Tab.
    t.keys(&["a", "l", "2"]);
    t.wait_text("user id:");
    t.keys(&["Tab"]);
    t.wait_text("alice█");
    t.keys(&["Enter"]);
    let s = t.wait_text("step 4/4");
    assert!(s.contains("phone") && s.contains("login(\"alice\")"), "{s}");

    // Save under a new name.
    t.keys(&["s"]);
    t.wait_text("Save to");
    t.keys(&["C-u"]);
    t.text(&path.display().to_string());
    t.keys(&["Enter"]);
    t.wait_text("saved 4 step(s)");

    // Saved: quitting does not ask.
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
    let loaded = idscope_core::load::load_file(&path).expect("the saved file loads");
    assert_eq!(loaded.steps.len(), 4);
    assert_eq!(
        loaded.steps[3],
        step("phone", StepAction::Login("alice".into()))
    );
    let run = Run::new(&loaded, RunConfig::new(Mode::Simplified));
    assert_eq!(run.clusters(4).len(), 1, "both devices belong to alice");
}

#[test]
fn idscope_new_without_a_terminal_says_so_and_exits_2() {
    let out = std::process::Command::new(e2e::bin())
        .arg("new")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
}
