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
use idscope_core::sdk::SdkCall;
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
        step(
            "tablet",
            StepAction::Sdk(SdkCall::Reset { device_id: None })
        )
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
        StepAction::Sdk(SdkCall::Track { event, properties }) if event == "Paid" && properties.is_empty()));
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
        step("laptop", StepAction::Sdk(SdkCall::Identify("alice".into())))
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

/// `idscope new` opens as `n` does, first hint in the status bar included (issue 18), and
/// the command line's knobs (set after the app is made) do not wipe it.
#[test]
fn idscope_new_shows_the_first_hint_as_n_does() {
    let mut from_n = app();
    ch(&mut from_n, 'n');
    let mut fresh = playground::new_app();
    fresh.set_knobs(idscope_core::model::Knobs {
        max_cluster: 3,
        ..Default::default()
    });
    assert_eq!(message(&fresh), playground::NEW_HINT);
    assert_eq!(fresh.message, from_n.message);
    assert_eq!(fresh.playground.active, from_n.playground.active);
    assert_eq!(fresh.scenario, from_n.scenario);
    for app in [&mut fresh, &mut from_n] {
        let s = screen(&draw(app, 120, 40));
        let status = s.lines().last().unwrap_or("");
        assert!(status.contains(playground::NEW_HINT), "{s}");
    }
    // The first key clears it, as any message.
    ch(&mut fresh, 'j');
    assert_eq!(message(&fresh), "");
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

// ---- E: editing a step in place --------------------------------------------------------------

fn prompt_text(app: &App) -> String {
    match &app.playground.prompt {
        Some(Prompt::Add(p)) => p.text.clone(),
        other => panic!("{other:?}"),
    }
}

fn prompt_error(app: &App) -> Option<String> {
    match &app.playground.prompt {
        Some(Prompt::Add(p)) => p.error.clone(),
        Some(Prompt::Rename(p)) => p.error.clone(),
        other => panic!("{other:?}"),
    }
}

fn message(app: &App) -> String {
    app.message.clone().unwrap_or_default()
}

/// A scenario with what the step prompt does not show: properties, an alias's original, a
/// pinned reset, a note and `after`, a same-tick pair, a raw send, a profile update.
const HIDDEN: &str = r#"{
  "name": "Hidden fields",
  "devices": { "web": {}, "phone": {} },
  "steps": [
    { "device": "web", "track": "Bought", "properties": { "plan": "pro" } },
    { "device": "web", "alias": "a@b.c", "original": "anon-1" },
    { "device": "web", "reset": { "device_id": "33333333-3333-4333-8333-333333333333" } },
    { "device": "phone", "login": "alice", "after": "2d", "note": "Alice's phone" },
    { "device": "phone", "track": "Tapped", "same_tick": true },
    { "send": [{ "event": "A", "properties": { "distinct_id": "x" } }, { "event": "B", "properties": { "distinct_id": "y" } }] },
    { "device": "web", "register": { "plan": "pro" } },
    { "send": { "event": "Renewed", "properties": { "distinct_id": "alice", "time": 1767258000 } }, "endpoint": "import" }
  ]
}"#;

fn hidden_app() -> App {
    App::from_scenario(scenario(HIDDEN))
}

fn goto(app: &mut App, k: usize) {
    update(app, Action::StepFirst);
    for _ in 1..k {
        update(app, Action::StepNext);
    }
    assert_eq!(app.cursor, k);
}

#[test]
fn edit_replaces_the_value_in_place_and_undo_restores_it() {
    let mut app = app();
    let original = app.scenario.clone();
    goto(&mut app, 5); // laptop: login "bob", note "Bob borrows the laptop"
    ch(&mut app, 'E');
    match &app.playground.prompt {
        Some(Prompt::Add(p)) => {
            assert_eq!(
                playground::KINDS[p.kind].1,
                "login",
                "the step's kind is marked"
            );
            assert_eq!(p.edit.as_ref().map(|t| t.step), Some(5));
        }
        other => panic!("{other:?}"),
    }
    enter(&mut app); // keep login
    enter(&mut app); // keep laptop (preselected)
    assert_eq!(prompt_text(&app), "bob", "the value is filled in");
    ctrl(&mut app, 'u');
    typ(&mut app, "carol");
    enter(&mut app);
    assert!(app.playground.prompt.is_none());
    assert_eq!(app.total_steps(), 6, "replaced, not added");
    assert_eq!(app.cursor, 5, "the cursor stays on the step");
    let mut want = step("laptop", StepAction::Login("carol".into()));
    want.note = Some("Bob borrows the laptop".into());
    assert_eq!(app.scenario.steps[4], want, "the note is kept");
    assert_eq!(app.scenario.steps[5], original.steps[5]);
    assert_eq!(message(&app), r#"step 5: login "bob" → login "carol""#);
    assert!(app.dirty);
    assert_replayed(&app);
    ch(&mut app, 'u');
    assert_eq!(app.scenario, original, "one undo restores it");
    assert_eq!(app.cursor, 5);
    assert!(!app.dirty);
    ctrl(&mut app, 'r');
    assert_eq!(app.scenario.steps[4], want);
}

#[test]
fn edit_changes_kind_and_device_and_keeps_note_and_timing() {
    let mut app = hidden_app();
    goto(&mut app, 4); // phone: login "alice", after 2d, note
    ch(&mut app, 'E');
    ch(&mut app, 'i'); // identify
    ch(&mut app, '1'); // web — allowed: step 5 runs in step 4's tick, so…
    assert!(
        prompt_error(&app)
            .unwrap_or_default()
            .contains("step 5 runs in this step's tick (same_tick), so step 4 stays on phone"),
        "{:?}",
        app.playground.prompt
    );
    ch(&mut app, '2'); // phone
    assert_eq!(prompt_text(&app), "alice");
    enter(&mut app);
    let s = &app.scenario.steps[3];
    assert_eq!(s.action, StepAction::Sdk(SdkCall::Identify("alice".into())));
    assert_eq!(s.device.as_deref(), Some("phone"));
    assert_eq!(s.advance_ms, 2 * 86_400_000, "after 2d is kept");
    assert_eq!(s.note.as_deref(), Some("Alice's phone"));
    assert_eq!(message(&app), r#"step 4: login "alice" → identify "alice""#);
    // A device change names the devices.
    let mut app = crate::support::app();
    goto(&mut app, 3); // phone: login "alice"
    ch(&mut app, 'E');
    enter(&mut app);
    ch(&mut app, '1'); // laptop
    enter(&mut app); // keep "alice"
    assert_eq!(
        message(&app),
        r#"step 3: phone: login "alice" → laptop: login "alice""#
    );
    assert_eq!(
        app.playground.branch,
        Some(2),
        "later steps follow: a branch"
    );
    assert_replayed(&app);
    // A new device made from the edit prompt is listed.
    ch(&mut app, 'E');
    enter(&mut app);
    ch(&mut app, '+');
    typ(&mut app, "tablet");
    enter(&mut app);
    enter(&mut app);
    assert_eq!(app.scenario.steps[2].device.as_deref(), Some("tablet"));
    assert!(app.scenario.devices.contains_key("tablet"));
    assert!(
        message(&app).ends_with("(new device tablet)"),
        "{}",
        message(&app)
    );
}

#[test]
fn edit_keeps_what_the_prompt_does_not_show() {
    let mut app = hidden_app();
    let before = app.scenario.clone();
    // A track's properties stay when its event name changes.
    goto(&mut app, 1);
    ch(&mut app, 'E');
    let s = screen(&draw(&mut app, 100, 30));
    assert!(s.contains("kept as is: its properties"), "{s}");
    enter(&mut app);
    enter(&mut app);
    ctrl(&mut app, 'u');
    typ(&mut app, "Paid");
    enter(&mut app);
    match &app.scenario.steps[0].action {
        StepAction::Sdk(SdkCall::Track { event, properties }) => {
            assert_eq!(event, "Paid");
            assert_eq!(properties["plan"], "pro", "properties kept");
        }
        other => panic!("{other:?}"),
    }
    // …and changing the kind would drop them: refused, naming them.
    ch(&mut app, 'E');
    ch(&mut app, 'l');
    let e = prompt_error(&app).unwrap();
    assert!(
        e.contains("step 1 keeps its properties, which only a track step has"),
        "{e}"
    );
    assert!(
        matches!(&app.playground.prompt, Some(Prompt::Add(p)) if p.stage == playground::AddStage::Kind)
    );
    press(&mut app, key(KeyCode::Esc));
    // An alias keeps its original.
    goto(&mut app, 2);
    ch(&mut app, 'E');
    enter(&mut app);
    enter(&mut app);
    ctrl(&mut app, 'u');
    typ(&mut app, "new@b.c");
    enter(&mut app);
    assert_eq!(
        app.scenario.steps[1].action,
        StepAction::Sdk(SdkCall::Alias {
            alias: "new@b.c".into(),
            original: Some("anon-1".into())
        })
    );
    // A pinned reset keeps its id when it moves to another device.
    goto(&mut app, 3);
    ch(&mut app, 'E');
    enter(&mut app);
    ch(&mut app, '2'); // phone
    assert_eq!(app.scenario.steps[2].device.as_deref(), Some("phone"));
    assert_eq!(
        app.scenario.steps[2].action,
        StepAction::Sdk(SdkCall::Reset {
            device_id: Some("33333333-3333-4333-8333-333333333333".into())
        })
    );
    // A send of one event to /import: only its distinct_id changes.
    goto(&mut app, 8);
    ch(&mut app, 'E');
    enter(&mut app); // send: no device
    assert_eq!(prompt_text(&app), "alice");
    ctrl(&mut app, 'u');
    typ(&mut app, "bob");
    enter(&mut app);
    match &app.scenario.steps[7].action {
        StepAction::Send { payloads, endpoint } => {
            assert_eq!(*endpoint, idscope_core::model::Endpoint::Import);
            assert_eq!(payloads.len(), 1);
            assert_eq!(payloads[0]["event"], "Renewed");
            assert_eq!(payloads[0]["properties"]["distinct_id"], "bob");
            assert_eq!(payloads[0]["properties"]["time"], 1767258000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(message(&app), r#"step 8: send "alice" → send "bob""#);
    // Every edit was one undo step; the saved file still parses.
    let text = idscope_core::save::to_json(&app.scenario);
    assert_eq!(
        idscope_core::scenario::parse(&text, "e.json").as_ref(),
        Ok(&app.scenario)
    );
    for _ in 0..5 {
        ch(&mut app, 'u');
    }
    assert_eq!(app.scenario, before);
}

#[test]
fn edit_refuses_steps_it_cannot_show_and_keeps_same_tick_valid() {
    let mut app = hidden_app();
    let before = app.scenario.clone();
    goto(&mut app, 6);
    ch(&mut app, 'E');
    assert!(app.playground.prompt.is_none());
    assert_eq!(message(&app), "step 6 is a raw send: edit it in the file");
    goto(&mut app, 7);
    ch(&mut app, 'E');
    assert!(app.playground.prompt.is_none());
    assert_eq!(
        message(&app),
        "step 7 is a register step, which the step prompt does not offer: edit it in the file"
    );
    // Step 5 runs in step 4's tick: it stays on phone, and a send has no device.
    goto(&mut app, 5);
    ch(&mut app, 'E');
    let s = screen(&draw(&mut app, 100, 30));
    assert!(s.contains("kept as is: same_tick"), "{s}");
    enter(&mut app);
    ch(&mut app, '1');
    let e = prompt_error(&app).unwrap();
    assert!(
        e.contains("step 5 runs in step 4's tick (same_tick), so it stays on phone"),
        "{e}"
    );
    press(&mut app, key(KeyCode::Esc));
    ch(&mut app, 'x');
    assert!(prompt_error(&app).unwrap().contains("same_tick"));
    press(&mut app, key(KeyCode::Esc));
    assert!(app.playground.prompt.is_none());
    assert_eq!(app.scenario, before);
    assert!(!app.dirty && !app.playground.can_undo());
    // No step under the cursor.
    let mut empty = playground::new_app();
    ch(&mut empty, 'E');
    assert_eq!(message(&empty), "no step to edit");
    assert!(empty.playground.prompt.is_none());
}

#[test]
fn edit_escape_cancels_and_an_unchanged_step_is_no_edit() {
    let mut app = app();
    let before = app.scenario.clone();
    goto(&mut app, 2);
    ch(&mut app, 'E');
    press(&mut app, key(KeyCode::Esc));
    assert!(app.playground.prompt.is_none());
    // Walk in to the value, then back out with Esc.
    ch(&mut app, 'E');
    enter(&mut app);
    enter(&mut app);
    typ(&mut app, "zzz");
    for _ in 0..3 {
        press(&mut app, key(KeyCode::Esc));
    }
    assert!(app.playground.prompt.is_none());
    assert_eq!(app.scenario, before);
    // Enter through every stage: nothing changed, nothing to undo.
    ch(&mut app, 'E');
    enter(&mut app);
    enter(&mut app);
    enter(&mut app);
    assert_eq!(message(&app), "step 2 unchanged");
    assert!(!app.dirty && !app.playground.can_undo());
    // The suggestion key adds steps; while editing it does nothing.
    ch(&mut app, 'E');
    ch(&mut app, '!');
    assert_eq!(app.total_steps(), 6);
    assert!(matches!(app.playground.prompt, Some(Prompt::Add(_))));
}

// ---- R: renaming ---------------------------------------------------------------------------

/// Two devices with generated ids, and an expect naming them by placeholder.
const UNPINNED: &str = r#"{
  "name": "Unpinned",
  "devices": { "web": {}, "phone": {} },
  "steps": [
    { "device": "web", "visit": "Home" },
    { "device": "web", "signup": "alice" },
    { "device": "phone", "visit": "Home" },
    { "device": "web", "logout": true },
    { "device": "web", "visit": "Pricing" }
  ],
  "expect": {
    "simplified": { "clusters": [["$device:{web}", "alice"], ["$device:{phone}"], ["$device:{web#1}"]], "failures": [], "why": "kept" }
  }
}"#;

fn rename_device_keys(app: &mut App, row: char, name: &str) {
    ch(app, 'R');
    ch(app, row);
    ctrl(app, 'u');
    typ(app, name);
    enter(app);
}

#[test]
fn rename_a_device_everywhere_in_one_undoable_edit() {
    let mut app = App::from_scenario(scenario(UNPINNED));
    let before = app.scenario.clone();
    assert!(idscope_core::check::check(&before)
        .iter()
        .all(|r| r.problems.is_empty()));
    ch(&mut app, 'R');
    ch(&mut app, '1'); // web (the first device used)
    match &app.playground.prompt {
        Some(Prompt::Rename(p)) => assert_eq!(p.text, "web", "the old name is filled in"),
        other => panic!("{other:?}"),
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "laptop");
    enter(&mut app);
    assert!(app.playground.prompt.is_none());
    assert_eq!(
        app.scenario.devices.keys().collect::<Vec<_>>(),
        vec!["laptop", "phone"]
    );
    let on: Vec<_> = app
        .scenario
        .steps
        .iter()
        .map(|s| s.device.as_deref().unwrap())
        .collect();
    assert_eq!(on, ["laptop", "laptop", "phone", "laptop", "laptop"]);
    assert_eq!(
        message(&app),
        "device web → laptop: its generated ids change (pin device_id to keep them)"
    );
    // expect's placeholders follow, so check still passes.
    let kept = app
        .scenario
        .expect
        .as_ref()
        .unwrap()
        .simplified
        .as_ref()
        .unwrap();
    assert_eq!(
        kept.clusters.as_ref().unwrap()[0],
        vec!["$device:{laptop}".to_string(), "alice".into()]
    );
    assert_eq!(
        kept.clusters.as_ref().unwrap()[2],
        vec!["$device:{laptop#1}".to_string()]
    );
    assert!(idscope_core::check::check(&app.scenario)
        .iter()
        .all(|r| r.problems.is_empty()));
    assert_replayed(&app);
    assert!(app.dirty);
    ch(&mut app, 'u');
    assert_eq!(app.scenario, before);
    assert!(!app.dirty);
}

#[test]
fn renaming_a_pinned_device_says_nothing_about_ids() {
    let mut app = app();
    update(&mut app, Action::StepLast);
    rename_device_keys(&mut app, '1', "desk");
    assert_eq!(message(&app), "device laptop → desk");
    assert!(
        app.scenario.devices["desk"].device_id.is_some(),
        "settings move with it"
    );
    assert_eq!(app.cursor, 6, "the cursor stays");
    assert_replayed(&app);
}

#[test]
fn rename_refuses_empty_taken_and_placeholder_breaking_names() {
    let mut app = app();
    let before = app.scenario.clone();
    ch(&mut app, 'R');
    ch(&mut app, '1'); // laptop
    ctrl(&mut app, 'u');
    enter(&mut app);
    assert_eq!(
        prompt_error(&app).as_deref(),
        Some("type a device name, such as phone")
    );
    typ(&mut app, "phone");
    enter(&mut app);
    assert_eq!(
        prompt_error(&app).as_deref(),
        Some("a device named \"phone\" already exists; choose another name")
    );
    ctrl(&mut app, 'u');
    typ(&mut app, "web#2");
    enter(&mut app);
    assert!(
        prompt_error(&app).unwrap().contains("cannot name a device"),
        "{:?}",
        prompt_error(&app)
    );
    // The same name: nothing to do.
    ctrl(&mut app, 'u');
    typ(&mut app, "laptop");
    enter(&mut app);
    assert!(app.playground.prompt.is_none());
    assert_eq!(message(&app), "device laptop is unchanged");
    // Esc backs out to the list, then closes.
    ch(&mut app, 'R');
    ch(&mut app, '2');
    typ(&mut app, "zzz");
    press(&mut app, key(KeyCode::Esc));
    assert!(matches!(&app.playground.prompt, Some(Prompt::Rename(p)) if p.target.is_none()));
    press(&mut app, key(KeyCode::Esc));
    assert!(app.playground.prompt.is_none());
    // The scenario's name may not be blank either.
    ch(&mut app, 'R');
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, "   ");
    enter(&mut app);
    assert!(prompt_error(&app).unwrap().contains("type a name"));
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.scenario, before);
    assert!(!app.dirty && !app.playground.can_undo());
    // A new device named with a # from the add prompt is refused the same way.
    ch(&mut app, 'a');
    ch(&mut app, 'v');
    ch(&mut app, '+');
    typ(&mut app, "a{b}");
    enter(&mut app);
    assert!(prompt_error(&app).unwrap().contains("cannot name a device"));
}

#[test]
fn rename_the_scenario_and_say_that_generated_ids_change() {
    let mut app = App::from_scenario(scenario(UNPINNED));
    // R starts on the device of the step under the cursor.
    ch(&mut app, 'R');
    enter(&mut app);
    match &app.playground.prompt {
        Some(Prompt::Rename(p)) => assert_eq!(
            p.target,
            Some(playground::rename::Target::Device("web".into()))
        ),
        other => panic!("{other:?}"),
    }
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    ch(&mut app, 'R');
    ch(&mut app, 's');
    ctrl(&mut app, 'u');
    typ(&mut app, "Renamed");
    enter(&mut app);
    assert_eq!(app.scenario.name, "Renamed");
    assert_eq!(
        message(&app),
        "renamed the scenario to \"Renamed\": generated device ids change (pin device_id to keep them)"
    );
    assert_replayed(&app);
    // The pinned laptop and phone keep their ids: no warning.
    let mut pinned = crate::support::app();
    ch(&mut pinned, 'R');
    ch(&mut pinned, 's');
    typ(&mut pinned, "!");
    enter(&mut pinned);
    assert_eq!(
        message(&pinned),
        "renamed the scenario to \"Shared laptop, no logout!\""
    );
    ch(&mut pinned, 'u');
    assert_eq!(pinned.scenario.name, "Shared laptop, no logout");
}

#[test]
fn names_from_the_file_are_escaped_in_the_rename_prompt() {
    let json = r#"{"name":"x\u001b[31m","devices":{"we\u202eb":{}},"steps":[{"device":"we\u202eb","visit":"Home"}]}"#;
    let mut app = App::from_scenario(scenario(json));
    ch(&mut app, 'R');
    let s = screen(&draw(&mut app, 100, 30));
    assert!(!s.contains('\u{202e}') && !s.contains('\u{1b}'), "{s}");
    assert!(s.contains("device we\\u{202e}b"), "{s}");
    ch(&mut app, '1');
    let s = screen(&draw(&mut app, 80, 24));
    assert!(!s.contains('\u{202e}') && !s.contains('\u{1b}'), "{s}");
    ctrl(&mut app, 'u');
    typ(&mut app, "web");
    enter(&mut app);
    assert_eq!(
        message(&app),
        "device we\\u{202e}b → web: its generated ids change (pin device_id to keep them)"
    );
}

// ---- =: keeping the outcome as expect ------------------------------------------------------

fn outcome(app: &App, mode: Mode) -> idscope_core::expect::Outcome {
    let e = app.scenario.expect.as_ref().expect("an expect block");
    match mode {
        Mode::Legacy => e.legacy.clone(),
        Mode::Original => e.original.clone(),
        Mode::Simplified => e.simplified.clone(),
    }
    .expect("an outcome for the mode")
}

#[test]
fn keep_expect_round_trips_through_save_parse_and_check() {
    let mut app = App::from_scenario(scenario(UNPINNED));
    app.scenario.expect = None;
    let s = app.scenario.clone();
    app.replace_scenario(s, 1);
    ch(&mut app, '=');
    assert!(
        message(&app)
            .starts_with("kept the outcome as expect: legacy new, original new, simplified new"),
        "{}",
        message(&app)
    );
    for mode in Mode::ALL {
        let o = outcome(&app, mode);
        assert_eq!(
            o.source, None,
            "{mode}: the program's output is none of documented/inferred/observed"
        );
        assert_eq!(o.why, None, "{mode}: why is left for the user");
        assert!(o.clusters.is_some() && o.failures.is_some(), "{mode}");
    }
    // Generated ids are written as placeholders, as the bundled scenarios write them.
    let simplified = outcome(&app, Mode::Simplified).clusters.unwrap();
    assert!(
        simplified.contains(&vec!["$device:{web}".to_string(), "alice".into()]),
        "{simplified:?}"
    );
    assert!(
        simplified.contains(&vec!["$device:{web#1}".to_string()]),
        "{simplified:?}"
    );
    // Saved, parsed back and checked: every case passes.
    let text = idscope_core::save::to_json(&app.scenario);
    let loaded = idscope_core::scenario::parse(&text, "kept.json").unwrap();
    assert_eq!(loaded, app.scenario);
    let results = idscope_core::check::check(&loaded);
    assert_eq!(results.len(), 3);
    for r in &results {
        assert!(r.problems.is_empty(), "{}: {:?}", r.label, r.problems);
    }
    // The placeholders hold with other ids too (what --random-ids runs).
    let mut n = 0u8;
    let random = Box::new(move || {
        n = n.wrapping_add(1);
        [n; 16]
    });
    let run = Run::with_ids(
        &loaded,
        RunConfig::new(Mode::Simplified),
        idscope_core::ids::IdSource::Random(random),
    );
    assert!(idscope_core::check::compare(&run, &outcome(&app, Mode::Simplified)).is_empty());
    // One undoable edit; a second = finds nothing to change.
    ch(&mut app, '=');
    assert_eq!(
        message(&app),
        "expect already holds this outcome in all three modes"
    );
    ch(&mut app, 'u');
    assert_eq!(app.scenario.expect, None);
}

#[test]
fn keep_expect_keeps_why_where_the_outcome_holds_and_replaces_what_changed() {
    let mut app = App::from_scenario(scenario(UNPINNED));
    let before = outcome(&app, Mode::Simplified);
    ch(&mut app, '=');
    // Simplified held: kept exactly as written, with its why.
    assert_eq!(outcome(&app, Mode::Simplified), before);
    assert!(
        message(&app).contains("simplified as before"),
        "{}",
        message(&app)
    );
    // Give every mode a why, then change the outcome: web's logout no longer resets.
    let mut s = app.scenario.clone();
    let e = s.expect.as_mut().unwrap();
    for o in [&mut e.legacy, &mut e.original, &mut e.simplified] {
        let o = o.as_mut().unwrap();
        o.why = Some("written by hand".into());
        o.source = Some(idscope_core::expect::Source::Inferred);
    }
    app.replace_scenario(s, 4);
    ch(&mut app, 'd'); // the logout
    ch(&mut app, '=');
    let m = message(&app);
    assert!(m.contains("simplified changed (its why cleared)"), "{m}");
    let simplified = outcome(&app, Mode::Simplified);
    assert_eq!(simplified.why, None);
    assert_eq!(simplified.source, None);
    assert!(!simplified
        .clusters
        .unwrap()
        .iter()
        .flatten()
        .any(|m| m.contains("web#1")));
    // A mode whose outcome did not change keeps its why and source.
    for mode in Mode::ALL {
        let o = outcome(&app, mode);
        if m.contains(&format!("{mode} as before")) {
            assert_eq!(o.why.as_deref(), Some("written by hand"), "{mode}");
            assert_eq!(o.source, Some(idscope_core::expect::Source::Inferred));
        }
    }
    assert!(idscope_core::check::check(&app.scenario)
        .iter()
        .all(|r| r.problems.is_empty()));
}

#[test]
fn keep_expect_brings_variants_up_to_date_and_uses_the_default_runs() {
    let (_, text) = idscope::bundled::BUNDLED
        .iter()
        .find(|(n, _)| n.starts_with("01-"))
        .unwrap();
    let mut app = App::from_scenario(scenario(text));
    ch(&mut app, '=');
    assert_eq!(
        message(&app),
        "expect already holds this outcome in all three modes"
    );
    assert!(!app.dirty);
    // Without the signup every case changes, the variant too; the explorer shows a fixed
    // playbook, but expect is kept from the default runs (what check runs).
    update(&mut app, Action::StepLast);
    update(&mut app, Action::StepPrev);
    ch(&mut app, 'd');
    update(&mut app, Action::PlaybookCycle);
    assert_eq!(app.playbook, Some(Mode::Legacy));
    let edited = app.scenario.clone();
    ch(&mut app, '=');
    let m = message(&app);
    assert!(m.contains("1 variant(s) updated"), "{m}");
    assert!(
        m.starts_with(
            "kept as expect the outcome under the default knobs and playbooks (not the ones shown): "
        ),
        "{m}"
    );
    let e = app.scenario.expect.clone().unwrap();
    assert_eq!(e.variants.len(), 1);
    assert_eq!(e.variants[0].why, None);
    let results = idscope_core::check::check(&app.scenario);
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|r| r.problems.is_empty()), "{results:?}");
    // The same as keeping it with the explorer on the defaults.
    let mut plain = App::from_scenario(edited);
    ch(&mut plain, '=');
    assert!(
        !message(&plain).contains("not the ones shown"),
        "{}",
        message(&plain)
    );
    assert_eq!(plain.scenario.expect, app.scenario.expect);
}

#[test]
fn keep_expect_with_no_steps_says_so() {
    let mut app = playground::new_app();
    ch(&mut app, '=');
    assert_eq!(message(&app), "no steps yet: no outcome to keep as expect");
    assert!(app.scenario.expect.is_none() && !app.playground.can_undo());
}

// ---- $schema in saved files ----------------------------------------------------------------

fn save_to(app: &mut App, path: &std::path::Path) {
    ch(app, 's');
    ctrl(app, 'u');
    typ(app, &path.display().to_string());
    enter(app);
    assert!(
        app.playground.prompt.is_none(),
        "{:?}",
        app.playground.prompt
    );
}

#[test]
fn saved_files_name_the_schema() {
    let dir = temp_dir("schema");
    // A new scenario names it from the start.
    let mut app = playground::new_app();
    assert_eq!(
        app.scenario.schema.as_deref(),
        Some("./scenario.schema.json")
    );
    for c in "av1Home\n".chars() {
        if c == '\n' {
            enter(&mut app);
        } else {
            ch(&mut app, c);
        }
    }
    let path = dir.join("new.json");
    save_to(&mut app, &path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\n  \"$schema\": \"./scenario.schema.json\",\n  \"name\""),
        "{text}"
    );
    assert!(
        message(&app)
            .ends_with("· for editors: idscope schema > scenario.schema.json in its folder"),
        "{}",
        message(&app)
    );
    // Saving again to the same folder does not repeat the hint.
    ch(&mut app, 'd');
    save_to(&mut app, &dir.join("again.json"));
    assert!(
        !message(&app).contains("idscope schema"),
        "{}",
        message(&app)
    );

    // A scenario opened without one gets it when saved, and it is no edit: not modified,
    // and redo back to the saved version is not modified either.
    let mut app = crate::support::app();
    assert_eq!(app.scenario.schema, None);
    ch(&mut app, 'd');
    let path = dir.join("shared.json");
    save_to(&mut app, &path);
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = idscope_core::scenario::parse(&text, "shared.json").unwrap();
    assert_eq!(loaded.schema.as_deref(), Some("./scenario.schema.json"));
    assert_eq!(loaded, app.scenario);
    assert!(!app.dirty);
    ch(&mut app, 'u');
    assert!(app.dirty);
    assert_eq!(
        app.scenario.schema.as_deref(),
        Some("./scenario.schema.json")
    );
    ctrl(&mut app, 'r');
    assert!(!app.dirty, "the saved version again");
    // A scenario's own $schema is kept as it is.
    let mut own = App::from_scenario(scenario(
        r#"{"$schema":"https://example.com/s.json","name":"own","steps":[]}"#,
    ));
    own.playground.active = true;
    save_to(&mut own, &dir.join("own.json"));
    let text = std::fs::read_to_string(dir.join("own.json")).unwrap();
    assert!(
        text.contains("\"$schema\": \"https://example.com/s.json\""),
        "{text}"
    );
    assert!(!message(&own).contains("idscope schema"));
}

// ---- reviewed snapshots of the edit and rename prompts ---------------------------------------

#[test]
fn edit_and_rename_prompt_snapshots() {
    for (w, h) in [(100u16, 30u16), (80, 24)] {
        let mut app = app();
        goto(&mut app, 5); // laptop: login "bob", with a note
        ch(&mut app, 'E');
        insta::assert_snapshot!(
            format!("edit_step_action_{w}x{h}"),
            draw(&mut app, w, h).backend()
        );
        enter(&mut app);
        enter(&mut app);
        ctrl(&mut app, 'u');
        typ(&mut app, "car");
        insta::assert_snapshot!(
            format!("edit_step_value_{w}x{h}"),
            draw(&mut app, w, h).backend()
        );
        press(&mut app, key(KeyCode::Esc));
        press(&mut app, key(KeyCode::Esc));
        press(&mut app, key(KeyCode::Esc));
        ch(&mut app, 'R');
        insta::assert_snapshot!(
            format!("rename_pick_{w}x{h}"),
            draw(&mut app, w, h).backend()
        );
        ch(&mut app, '2'); // phone
        ctrl(&mut app, 'u');
        typ(&mut app, "laptop");
        enter(&mut app); // refused: taken
        insta::assert_snapshot!(
            format!("rename_device_{w}x{h}"),
            draw(&mut app, w, h).backend()
        );
    }
}

#[test]
fn edit_and_rename_prompts_draw_at_every_size_without_panicking() {
    let mut app = hidden_app();
    goto(&mut app, 4);
    ch(&mut app, 'E');
    for keys in ["", "\n", "\n"] {
        for c in keys.chars() {
            if c == '\n' {
                enter(&mut app);
            }
        }
        for w in (0..130).step_by(9) {
            for h in (0..45).step_by(5) {
                draw(&mut app, w, h);
            }
        }
    }
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    assert!(app.playground.prompt.is_none());
    ch(&mut app, 'R');
    for step in 0..2 {
        for w in (0..130).step_by(9) {
            for h in (0..45).step_by(5) {
                draw(&mut app, w, h);
            }
        }
        if step == 0 {
            ch(&mut app, 's');
        }
    }
}

// ---- end to end: the real binary in tmux ----------------------------------------------------

mod e2e {
    pub use crate::common::tmux::{require_tmux, Tmux};

    pub fn bin() -> &'static str {
        env!("CARGO_BIN_EXE_idscope")
    }
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn tmux_builds_a_two_device_signup_from_scratch_and_saves_it() {
    e2e::require_tmux();
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

#[test]
fn adding_a_call_the_devices_sdk_lacks_is_refused_in_the_prompt() {
    // A Node server has no identify(): the step would make a file that cannot load.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/21-server-side-recipe-node.json"),
    )
    .unwrap();
    let mut app = App::from_scenario(idscope_core::scenario::parse(&text, "21.json").unwrap());
    let steps = app.total_steps();
    ch(&mut app, 'a');
    ch(&mut app, 'i'); // identify
    ch(&mut app, '1'); // the device: api (node)
    let Some(Prompt::Add(p)) = &app.playground.prompt else {
        panic!("the prompt stays open")
    };
    let error = p.error.clone().unwrap_or_default();
    assert!(
        error.contains("device api runs mixpanel 0.24.0 has no `identify`"),
        "{error}"
    );
    assert_eq!(app.total_steps(), steps, "nothing was added");
    // A call the server has is added.
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Esc));
    ch(&mut app, 'a');
    ch(&mut app, 't'); // track
    ch(&mut app, '1');
    typ(&mut app, "Invoice Paid");
    enter(&mut app);
    assert_eq!(app.total_steps(), steps + 1);
}
