//! Robustness of the explorer (issue 7): random keys at random sizes (the export menu,
//! prompts and the export view included), resize storms, 100 KB ids, live reload, and the
//! terminal restored after a panic (tmux, debug build).

use crate::support::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::app::{update, Action, App};
use idscope::tui::export_view::{self, ExportApp};
use idscope::tui::keymap;
use idscope::tui::shell::Effect;
use idscope::tui::source;
use idscope_core::model::{Knobs, Mode};
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idscope-robust-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Random keys write files only under a temp dir: menus and prompts default to `./…`.
fn in_temp_cwd() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_current_dir(temp_dir("cwd")).unwrap());
}

fn no_control_chars(t: &Terminal<TestBackend>) -> bool {
    let buf = t.backend().buffer();
    buf.content().iter().all(|c| {
        !c.symbol()
            .chars()
            .any(|ch| ch.is_control() || ch == '\u{202e}')
    })
}

fn any_key() -> impl Strategy<Value = KeyEvent> {
    let chars = "hjklgGmM123pvoecyYx?qQnadusKJ/ abz.-";
    prop_oneof![
        8 => prop::sample::select(chars.chars().collect::<Vec<_>>())
            .prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        1 => Just(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
        1 => Just(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        6 => prop::sample::select(vec![
            KeyCode::Enter, KeyCode::Esc, KeyCode::Tab, KeyCode::BackTab, KeyCode::Up,
            KeyCode::Down, KeyCode::Left, KeyCode::Right, KeyCode::PageUp, KeyCode::PageDown,
            KeyCode::Home, KeyCode::End, KeyCode::Backspace,
        ])
        .prop_map(|c| KeyEvent::new(c, KeyModifiers::NONE)),
    ]
}

#[derive(Debug, Clone)]
enum Input {
    Key(KeyEvent),
    Resize(u16, u16),
}

fn any_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => any_key().prop_map(Input::Key),
        1 => (0u16..=220, 0u16..=70).prop_map(|(w, h)| Input::Resize(w, h)),
        1 => Just(Input::Resize(1, 1)),
    ]
}

fn draw_app(app: &App) -> Terminal<TestBackend> {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Keys through the real dispatch (main screen, overlays, the export menu and its
    /// prompt, the playground's prompts) at random sizes: never a panic, never a control
    /// character on screen, the cursor always on a step.
    #[test]
    fn random_keys_at_random_sizes_never_panic(inputs in prop::collection::vec(any_input(), 0..60)) {
        in_temp_cwd();
        let mut app = app();
        update(&mut app, Action::Resize(1, 1));
        for input in inputs {
            match input {
                Input::Key(k) => {
                    if let Some(a) = keymap::map_event(&Event::Key(k), &app) {
                        update(&mut app, a);
                    }
                }
                Input::Resize(w, h) => {
                    update(&mut app, Action::Resize(w, h));
                }
            }
            act(&mut app, Action::Tick);
            prop_assert!(app.cursor <= app.total_steps());
            let t = draw_app(&app);
            prop_assert!(no_control_chars(&t));
        }
    }

    /// The export view under the same treatment.
    #[test]
    fn random_keys_in_the_export_view_never_panic(inputs in prop::collection::vec(any_input(), 0..60)) {
        let mut app = small_export();
        for input in inputs {
            let action = match input {
                Input::Key(k) => export_view::map_event(&app, &Event::Key(k)),
                Input::Resize(w, h) => Some(export_view::XAction::Resize(w, h)),
            };
            if let Some(a) = action {
                let effects = export_view::update(&mut app, a);
                if effects.iter().any(|e| matches!(e, Effect::Job(_))) || app.pending.is_some() {
                    app.finish_jobs();
                }
            }
            prop_assert!(app.rows().is_empty() || app.selected < app.rows().len());
            let (w, h) = app.size;
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| f.render_widget(&app, f.area())).unwrap();
            prop_assert!(no_control_chars(&t));
        }
    }
}

fn small_export() -> ExportApp {
    let data = concat!(
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000000}}"#,
        "\n",
        r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001}}"#,
        "\n",
        "garbage\n",
        r#"{"event":"$identify","properties":{"distinct_id":"bob","$anon_id":"d9","$identified_id":"bob","time":1700000002}}"#,
        "\n",
    );
    let input = export_view::load::parse("x.jsonl", data.as_bytes());
    ExportApp::loaded(input, Mode::Simplified, Knobs::default())
}

/// A scenario whose user id is 100 KB, with a control character and a bidi override.
fn long_id_scenario() -> idscope_core::Scenario {
    let id = format!("u\u{1b}[31m\u{202e}{}", "x".repeat(100 * 1024));
    let json = serde_json::json!({
        "name": "long ids",
        "devices": { "web": {} },
        "steps": [
            { "device": "web", "track": "Visit" },
            { "device": "web", "identify": id },
            { "device": "web", "track": "After" },
        ]
    });
    scenario(&json.to_string())
}

#[test]
fn resize_storms_and_100kb_ids_render_without_overflow() {
    let mut app = App::from_scenario(long_id_scenario());
    let mut seed = 7u64;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for round in 0..30 {
        let (w, h) = (next(260) as u16, next(80) as u16);
        update(&mut app, Action::Resize(w, h));
        if round % 10 == 0 {
            for a in [
                Action::StepNext,
                Action::FocusNext,
                Action::PageDown,
                Action::ModeNext,
            ] {
                update(&mut app, a);
            }
        }
        if round % 15 == 0 {
            let t = draw_app(&app);
            assert!(no_control_chars(&t), "at {w}×{h}");
        }
    }
    // Every view at a few sizes, at the step with the long id.
    update(&mut app, Action::StepLast);
    for (w, h) in [(1, 1), (50, 14), (300, 80)] {
        update(&mut app, Action::Resize(w, h));
        for overlay in [
            None,
            Some(Action::OpenDetail),
            Some(Action::ToggleEvents),
            Some(Action::ToggleCompare),
            Some(Action::ToggleGraph),
            Some(Action::ToggleLanes),
            Some(Action::ToggleInfo),
            Some(Action::ExportMenu),
        ] {
            update(&mut app, Action::CloseOverlay);
            app.export_menu = None;
            if let Some(a) = overlay {
                update(&mut app, a);
            }
            let t = draw_app(&app);
            assert!(no_control_chars(&t), "{overlay:?} at {w}×{h}");
        }
    }
}

fn watched_app(path: &Path) -> App {
    let mut app = App::new(source::load(Some(path)).unwrap()).unwrap();
    act(&mut app, Action::Tick); // starts watching the open file
    app
}

/// Rewrites `path` so the change is seen even within one mtime tick (the size differs).
fn rewrite(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn status_row(app: &App) -> String {
    let t = draw_app(app);
    let buf = t.backend().buffer();
    let y = buf.area.height - 1;
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

#[test]
fn live_reload_keeps_the_cursor_and_survives_a_broken_file() {
    let dir = temp_dir("reload");
    let path = dir.join("shared.json");
    rewrite(&path, SHARED);
    let mut app = watched_app(&path);
    update(&mut app, Action::Resize(120, 30));
    apply(
        &mut app,
        &[Action::StepNext, Action::StepNext, Action::StepNext],
    );
    assert_eq!(app.cursor, 4);

    // A valid change: reloaded, the cursor stays on step 4.
    let renamed = SHARED.replace("\"Bought\"", "\"Purchased\"");
    rewrite(&path, &renamed);
    act(&mut app, Action::Tick);
    assert_eq!(app.cursor, 4);
    assert!(
        app.message.as_deref().unwrap().starts_with("reloaded"),
        "{:?}",
        app.message
    );
    let s = screen(&draw(&mut app, 120, 30));
    assert!(s.contains("Purchased"), "{s}");

    // A broken change: the last good version stays, the error (file:line:col) stays in the
    // status bar across keypresses until the file is fixed.
    rewrite(&path, &renamed.replace("\"steps\": [", "\"steps\": [,"));
    act(&mut app, Action::Tick);
    assert_eq!(app.total_steps(), 6);
    assert_eq!(app.cursor, 4);
    update(&mut app, Action::StepPrev);
    act(&mut app, Action::Tick);
    let row = status_row(&app);
    assert!(row.contains("not reloaded"), "{row}");
    let err = idscope::tui::reload::error(&app).unwrap().to_string();
    assert!(err.contains("shared.json:8:13: step 1"), "{err}");
    let s = screen(&draw(&mut app, 120, 30));
    assert!(
        s.contains("Purchased"),
        "the last good version is shown:\n{s}"
    );

    // Fixed, and shorter: the cursor is clamped to the last step.
    let short = r#"{"name":"Shared laptop, no logout","devices":{"laptop":{}},
        "steps":[{"device":"laptop","visit":"Home"},{"device":"laptop","track":"Bought"}]}"#;
    rewrite(&path, short);
    act(&mut app, Action::Tick);
    assert!(idscope::tui::reload::error(&app).is_none());
    assert_eq!(app.total_steps(), 2);
    assert_eq!(app.cursor, 2);
    let row = status_row(&app);
    assert!(!row.contains("not reloaded"), "{row}");
    // Nothing changed: a tick does nothing.
    update(&mut app, Action::StepFirst);
    act(&mut app, Action::Tick);
    assert_eq!(app.cursor, 1);
    assert_eq!(app.message, None);
}

// ---- tmux: the real binary ----

use crate::common::tmux::{require_tmux, Tmux};

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
#[cfg(debug_assertions)]
fn a_panic_restores_the_terminal_and_the_message_is_readable() {
    require_tmux();
    let dir = temp_dir("panic");
    let file = dir.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    // After the crash: the exit code, then whether the tty is back in cooked mode.
    let cmd = format!(
        "IDSCOPE_TEST_PANIC_KEY=P RUST_BACKTRACE=0 '{BIN}' '{}'; echo EXIT=$?; \
         stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; \
         echo; echo MODES-DONE; sleep 30",
        file.display()
    );
    let t = Tmux::start("panic", &cmd, 120, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    t.run(&["send-keys", "-t", "t", "P"]);
    let s = t.wait_text("MODES-DONE");
    assert!(s.contains("EXIT=101"), "{s}");
    assert!(
        s.contains("icanon") && !s.contains("-icanon"),
        "raw mode was left on:\n{s}"
    );
    assert!(
        s.contains("echo") && !s.contains("-echo"),
        "echo is off:\n{s}"
    );
    assert!(
        s.contains("test panic on key 'P'"),
        "the panic message is readable:\n{s}"
    );
    assert!(
        !s.contains("Steps ·"),
        "the alternate screen was left:\n{s}"
    );
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn live_reload_in_tmux() {
    require_tmux();
    let dir = temp_dir("reload-tmux");
    let file = dir.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let cmd = format!("'{BIN}' '{}'; echo EXIT=$?; sleep 30", file.display());
    let t = Tmux::start("reload", &cmd, 120, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    t.run(&["send-keys", "-t", "t", "l", "l"]);
    t.wait_text("step 3/6");
    std::fs::write(&file, SHARED.replace("\"Home\"", "\"Landing\"")).unwrap();
    let s = t.wait_text("reloaded");
    assert!(s.contains("step 3/6"), "{s}");
    t.wait_text("Landing");
    std::fs::write(&file, "{ \"name\": ").unwrap();
    let s = t.wait_text("not reloaded");
    assert!(s.contains("step 3/6") && s.contains("Landing"), "{s}");
    t.run(&["send-keys", "-t", "t", "q"]);
    t.wait_text("EXIT=0");
}

#[test]
fn the_watch_follows_the_entry_to_its_new_file_after_a_save_as() {
    let dir = temp_dir("follow");
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    rewrite(&a, SHARED);
    let mut app = watched_app(&a);
    // What a playground save under another name does to the entry.
    rewrite(&b, SHARED);
    let current = app.current;
    app.entries[current].origin = b.display().to_string();
    act(&mut app, Action::Tick);
    assert_eq!(app.message, None, "same content: nothing to say");
    let renamed = SHARED.replace("\"Bought\"", "\"Purchased\"");
    rewrite(&a, &renamed);
    act(&mut app, Action::Tick);
    assert_eq!(app.message, None, "the old file is no longer watched");
    rewrite(&b, &renamed);
    act(&mut app, Action::Tick);
    assert!(app.message.as_deref().unwrap().starts_with("reloaded"));
    assert!(screen(&draw(&mut app, 120, 40)).contains("Purchased"));
}
