//! Copy and export from the explorer (issue 4): `y`, `Y`, the `x` menu, the clipboard
//! effect and its messages. Never touches the real clipboard: backends are `none`, a buffer
//! standing in for the terminal (OSC 52), or a fake command that records its stdin.

use crate::support::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::clipboard::{self, Backend, Env, Setting};
use idscope::tui::app::{update, Action, App, Effect};
use idscope::tui::copy;
use idscope::tui::export_menu::Stage;
use idscope::tui::keymap;
use idscope_core::export::{self, Format, Options, Scope};
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idscope-tui-export-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A key through the real dispatch (keymap, then update).
fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    let ev = Event::Key(KeyEvent::new(code, mods));
    match keymap::map_event(&ev, app) {
        Some(a) => act(app, a),
        None => Vec::new(),
    }
}

fn key(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(app: &mut App, c: KeyCode) -> Vec<Effect> {
    press(app, c, KeyModifiers::NONE)
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, c);
    }
}

fn copied(effects: &[Effect]) -> (String, String) {
    match effects {
        [Effect::Copy { what, data }] => (what.clone(), String::from_utf8(data.clone()).unwrap()),
        other => panic!("expected one Copy effect, got {other:?}"),
    }
}

#[test]
fn y_copies_the_selected_payload_as_pretty_json() {
    let mut app = app();
    draw(&mut app, 120, 40);
    apply(&mut app, &[Action::StepNext]);
    let i = app.selected_event().expect("step 2 sent payloads");
    let (what, text) = copied(&key(&mut app, 'y'));
    let want = serde_json::to_string_pretty(&app.run().events[i].payload.body).unwrap() + "\n";
    assert_eq!(text, want);
    assert!(
        what.contains(&format!("payload {}", app.run().event_ref(i))),
        "{what}"
    );
    // The detail view copies the payload it shows.
    let later = app.step_events().end - 1;
    update(&mut app, Action::OpenDetail);
    let shown = match app.overlay {
        Some(idscope::tui::app::Overlay::Detail { event, .. }) => event,
        other => panic!("{other:?}"),
    };
    let (_, text) = copied(&key(&mut app, 'y'));
    assert!(shown <= later);
    assert_eq!(
        text,
        serde_json::to_string_pretty(&app.run().events[shown].payload.body).unwrap() + "\n"
    );
}

#[test]
fn shift_y_copies_every_event_up_to_the_cursor_as_ndjson() {
    let mut app = app();
    apply(
        &mut app,
        &[Action::StepNext, Action::StepNext, Action::StepNext],
    );
    let (what, text) = copied(&key(&mut app, 'Y'));
    let want = export::export(
        app.run(),
        &app.scenario,
        &Options::new(Format::Ndjson, Scope::Until(4)),
    )
    .unwrap();
    assert_eq!(text, want.text);
    assert_eq!(text.lines().count(), want.items);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v.get("event").is_some(), "events only: {line}");
    }
    assert!(what.contains("up to step 4 as NDJSON"), "{what}");
    // Copying keeps the cursor where it was.
    assert_eq!(app.cursor, 4);
}

#[test]
fn no_clipboard_says_so_and_offers_a_file() {
    let backends = clipboard::choose(&Env::default(), &Setting::None);
    assert!(backends.is_empty());
    let mut term = Vec::new();
    let msg = copy::execute(&backends, "payload 0", b"{}\n", &mut term);
    assert!(term.is_empty(), "nothing reaches the terminal");
    assert!(msg.contains("could not copy payload 0 (3 B)"), "{msg}");
    assert!(msg.contains("press x to write a file"), "{msg}");
}

#[test]
fn osc52_goes_to_the_terminal_and_is_not_claimed_as_confirmed() {
    let mut term = Vec::new();
    let msg = copy::execute(&[Backend::Osc52], "payload 1", b"foo", &mut term);
    assert_eq!(term, b"\x1b]52;c;Zm9v\x07");
    assert!(msg.contains("copied payload 1 (3 B) via OSC 52"), "{msg}");
    assert!(msg.contains("can't be confirmed"), "{msg}");
    // Large copies suggest a file.
    let big = vec![b'a'; 200 * 1024];
    let msg = copy::execute(&[Backend::Osc52], "everything", &big, &mut Vec::new());
    assert!(
        msg.contains("200.0 KiB") && msg.contains("consider writing a file"),
        "{msg}"
    );
}

/// A fake clipboard program: records its stdin into `out`.
fn recorder(dir: &Path) -> (Vec<String>, PathBuf) {
    let out = dir.join("clipboard.txt");
    let script = dir.join("fake-clip.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat > '{}'\n", out.display())).unwrap();
    (vec!["sh".into(), script.display().to_string()], out)
}

#[test]
fn a_command_backend_receives_exactly_the_copied_bytes() {
    let dir = temp_dir("command");
    let (argv, out) = recorder(&dir);
    let setting = Setting::Command(argv.clone());
    let backends = clipboard::choose(&Env::default(), &setting);
    let mut app = app();
    app.clipboard = backends.clone();
    draw(&mut app, 120, 40);
    let (what, text) = copied(&key(&mut app, 'y'));
    let mut term = Vec::new();
    let msg = copy::execute(&app.clipboard, &what, text.as_bytes(), &mut term);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    assert!(term.is_empty(), "no OSC 52 when only a command is set");
    assert!(msg.starts_with(&format!("copied {what} (")), "{msg}");
    assert!(msg.contains(&format!("via {}", argv.join(" "))), "{msg}");
    assert!(!msg.contains("confirmed"), "{msg}");
    // A failing program is reported, not hidden.
    let bad = vec![Backend::Command(vec![
        "sh".into(),
        "-c".into(),
        "exit 3".into(),
    ])];
    let msg = copy::execute(&bad, "x", b"data", &mut Vec::new());
    assert!(
        msg.contains("could not copy") && msg.contains("failed: sh -c exit 3"),
        "{msg}"
    );
}

#[test]
fn export_menu_walks_format_scope_and_copies() {
    let mut app = app();
    apply(&mut app, &[Action::StepNext, Action::StepNext]);
    assert!(key(&mut app, 'x').is_empty());
    let menu = app.export_menu.as_ref().expect("menu open");
    assert_eq!(menu.stage, Stage::Format);
    // Keys go to the menu: `G` does not step, `j` moves the selection.
    key(&mut app, 'G');
    assert_eq!(app.cursor, 3);
    assert_eq!(app.export_menu.as_ref().unwrap().stage, Stage::Format);
    key(&mut app, 'j');
    assert_eq!(app.export_menu.as_ref().unwrap().format(), Format::Ndjson);
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.export_menu.as_ref().unwrap().stage, Stage::Scope);
    // Scope 4 = whole scenario (digit picks and advances).
    key(&mut app, '4');
    assert_eq!(app.export_menu.as_ref().unwrap().stage, Stage::Target);
    let (what, text) = copied(&code(&mut app, KeyCode::Enter));
    assert!(app.export_menu.is_none(), "copying closes the menu");
    let want = export::export(
        app.run(),
        &app.scenario,
        &Options::new(Format::Ndjson, Scope::All),
    )
    .unwrap();
    assert_eq!(text, want.text);
    assert!(
        what.starts_with("ndjson (") && what.contains("all"),
        "{what}"
    );
}

#[test]
fn export_menu_shows_warnings_and_esc_goes_back() {
    let mut app = app();
    update(&mut app, Action::StepLast);
    key(&mut app, 'x');
    key(&mut app, '4'); // curl-track
    key(&mut app, '4'); // whole scenario
    let menu = app.export_menu.as_ref().unwrap();
    assert_eq!(menu.stage, Stage::Target);
    assert!(
        !menu.warnings.is_empty(),
        "curl-track under Simplified warns about identity events"
    );
    let t = draw(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("Export · 3/3 copy or write"), "{s}");
    assert!(s.contains("⚠"), "warnings are shown:\n{s}");
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.export_menu.as_ref().unwrap().stage, Stage::Scope);
    code(&mut app, KeyCode::Esc);
    code(&mut app, KeyCode::Esc);
    assert!(app.export_menu.is_none());
    // With the menu closed, keys step again.
    update(&mut app, Action::StepFirst);
    assert_eq!(app.cursor, 1);
}

#[test]
fn export_menu_writes_a_file_atomically_and_never_overwrites_silently() {
    let dir = temp_dir("write");
    let target = dir.join("out.json");
    let mut app = app();
    apply(&mut app, &[Action::StepNext]);
    key(&mut app, 'x');
    code(&mut app, KeyCode::Enter); // json
    key(&mut app, '3'); // up to the cursor
    key(&mut app, '2'); // write a file
    match &app.export_menu.as_ref().unwrap().stage {
        Stage::Path { text } => assert_eq!(text, "./shared-laptop-no-logout-simplified.json"),
        other => panic!("{other:?}"),
    }
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut app, &target.display().to_string());
    code(&mut app, KeyCode::Enter);
    assert!(app.export_menu.is_none(), "written: the menu closes");
    let want = export::export(
        app.run(),
        &app.scenario,
        &Options::new(Format::Json, Scope::Until(2)),
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), want.text);
    let msg = app.message.clone().unwrap();
    assert!(
        msg.starts_with("wrote ") && msg.contains("out.json"),
        "{msg}"
    );

    // Again, at another step: the file exists, so the menu asks.
    update(&mut app, Action::StepLast);
    key(&mut app, 'x');
    code(&mut app, KeyCode::Enter);
    key(&mut app, '3');
    key(&mut app, '2');
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut app, &target.display().to_string());
    code(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.export_menu.as_ref().unwrap().stage,
        Stage::Confirm { .. }
    ));
    let s = screen(&draw(&mut app, 120, 40));
    assert!(s.contains("already exists. Overwrite it? y/n"), "{s}");
    key(&mut app, 'n');
    assert!(matches!(
        app.export_menu.as_ref().unwrap().stage,
        Stage::Path { .. }
    ));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        want.text,
        "declining leaves the file alone"
    );
    code(&mut app, KeyCode::Enter);
    key(&mut app, 'y');
    assert!(app.export_menu.is_none());
    let now = export::export(
        app.run(),
        &app.scenario,
        &Options::new(Format::Json, Scope::Until(6)),
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), now.text);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");

    // A directory that does not exist: the error stays in the menu.
    key(&mut app, 'x');
    code(&mut app, KeyCode::Enter);
    key(&mut app, '3');
    key(&mut app, '2');
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut app, &dir.join("missing/x.json").display().to_string());
    code(&mut app, KeyCode::Enter);
    let menu = app.export_menu.as_ref().expect("still open");
    assert!(
        menu.error.as_deref().unwrap().contains("cannot write"),
        "{menu:?}"
    );
}

#[test]
fn ctrl_c_quits_from_the_menu_and_the_prompt() {
    let mut app = app();
    key(&mut app, 'x');
    let fx = press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(fx, vec![Effect::Quit]);
    let mut app = crate::support::app();
    key(&mut app, 'x');
    code(&mut app, KeyCode::Enter);
    key(&mut app, '1');
    key(&mut app, '2');
    typed(&mut app, "q?");
    assert!(!app.should_quit, "q is text in the prompt");
    match &app.export_menu.as_ref().unwrap().stage {
        Stage::Path { text } => assert!(text.ends_with("q?"), "{text}"),
        other => panic!("{other:?}"),
    }
    let fx = press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn the_prompt_escapes_control_characters_and_long_paths_fit() {
    let mut app = app();
    key(&mut app, 'x');
    code(&mut app, KeyCode::Enter);
    key(&mut app, '1');
    key(&mut app, '2');
    typed(&mut app, "\u{202e}evil");
    typed(&mut app, &"d/".repeat(3000));
    for (w, h) in [(120, 40), (50, 14), (1, 1), (200, 3)] {
        let s = screen(&draw(&mut app, w, h));
        assert!(!s.contains('\u{202e}'), "{s}");
    }
}

#[test]
fn menu_snapshot_format_stage() {
    let mut app = mono_app();
    key(&mut app, 'x');
    let t = draw(&mut app, 100, 30);
    insta::assert_snapshot!("export_menu_format", screen(&t));
}
