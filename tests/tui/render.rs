//! Whole-screen snapshots of named states at fixed sizes (TestBackend + insta), plus
//! cell-style assertions for what text snapshots cannot show: focus, selection, dimming and
//! the monochrome theme.

use crate::support::*;
use idscope::tui::app::{update, Action, App};
use idscope::tui::theme;
use idscope_core::model::Mode;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

fn snap(name: &str, t: &Terminal<TestBackend>) {
    insta::assert_snapshot!(name, t.backend());
}

#[test]
fn first_step() {
    let mut app = app();
    snap("first_step_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn middle_step_in_each_mode() {
    for mode in Mode::ALL {
        let mut app = at_step(5, mode);
        snap(&format!("step5_{mode}_120x40"), &draw(&mut app, 120, 40));
    }
}

#[test]
fn payload_pane_scrolled_to_the_second_payload() {
    let mut app = at_step(5, Mode::Simplified);
    update(&mut app, Action::Resize(120, 40));
    update(&mut app, Action::FocusNext);
    for _ in 0..16 {
        update(&mut app, Action::ScrollDown);
    }
    snap("step5_simplified_scrolled_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn events_table() {
    let mut app = at_step(5, Mode::Original);
    update(&mut app, Action::ToggleEvents);
    snap("events_original_step5_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn compare_view() {
    let mut app = at_step(5, Mode::Simplified);
    update(&mut app, Action::ToggleCompare);
    snap("compare_step5_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn help_overlay() {
    let mut app = app();
    update(&mut app, Action::ToggleHelp);
    snap("help_100x40", &draw(&mut app, 100, 40));
}

#[test]
fn detail_popup() {
    let mut app = at_step(5, Mode::Simplified);
    update(&mut app, Action::Resize(120, 40));
    update(&mut app, Action::FocusNext);
    for _ in 0..16 {
        update(&mut app, Action::ScrollDown);
    }
    update(&mut app, Action::OpenDetail);
    snap("detail_simplified_step5_120x40", &draw(&mut app, 120, 40));
}

#[test]
fn stacked_80x24() {
    let mut app = at_step(2, Mode::Simplified);
    snap("stacked_step2_80x24", &draw(&mut app, 80, 24));
}

#[test]
fn too_small() {
    let mut app = app();
    snap("too_small_30x8", &draw(&mut app, 30, 8));
}

#[test]
fn picker() {
    use idscope::tui::app::App;
    use idscope::tui::source::Entry;
    let entries = vec![
        Entry::from_scenario("scenarios/shared.json", scenario(SHARED)),
        Entry {
            origin: "scenarios/broken.json".into(),
            scenario: Err("scenarios/broken.json:3:5: unknown key `identfy`".into()),
        },
    ];
    let mut app = App::new(entries).unwrap();
    update(&mut app, Action::OpenPicker);
    snap("picker_100x30", &draw(&mut app, 100, 30));
}

// ---- cell styles (snapshots do not capture them) -------------------------------------------

/// The first cell on row `y` whose symbol starts `needle` (searching from the left).
fn find(t: &Terminal<TestBackend>, needle: &str) -> (u16, u16) {
    let s = screen(t);
    for (y, line) in s.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{s}");
}

fn modifiers(t: &Terminal<TestBackend>, at: (u16, u16)) -> Modifier {
    t.backend().buffer()[at].modifier
}

#[test]
fn focus_is_shown_by_a_reversed_title_in_both_themes() {
    for th in [&theme::COLOR, &theme::MONO] {
        let mut app = app();
        app.theme = th;
        let t = draw(&mut app, 120, 40);
        let steps = find(&t, "Steps ·");
        let payloads = find(&t, "Payloads ·");
        assert!(modifiers(&t, steps).contains(Modifier::REVERSED));
        assert!(!modifiers(&t, payloads).contains(Modifier::REVERSED));
        update(&mut app, Action::FocusNext);
        let t = draw(&mut app, 120, 40);
        assert!(!modifiers(&t, steps).contains(Modifier::REVERSED));
        assert!(modifiers(&t, payloads).contains(Modifier::REVERSED));
        // The focused pane's border is bold (thick); the others' are not.
        let corner = (payloads.0 - 2, payloads.1);
        assert!(modifiers(&t, corner).contains(Modifier::BOLD));
        assert!(!modifiers(&t, (steps.0 - 2, steps.1)).contains(Modifier::BOLD));
    }
}

#[test]
fn the_current_step_is_selected_and_later_steps_are_dimmed() {
    let mut app = mono_app();
    update(&mut app, Action::StepNext);
    let t = draw(&mut app, 120, 40);
    let cur = find(&t, "▶ 2 laptop");
    assert!(modifiers(&t, cur).contains(Modifier::REVERSED));
    // The whole row of the current step is highlighted, not just its text.
    assert!(modifiers(&t, (cur.0 + 40, cur.1)).contains(Modifier::REVERSED));
    let before = find(&t, "1 laptop");
    assert!(!modifiers(&t, before).contains(Modifier::REVERSED));
    assert!(!modifiers(&t, before).contains(Modifier::DIM));
    let later = find(&t, "3 phone");
    assert!(modifiers(&t, later).contains(Modifier::DIM));
    assert!(!modifiers(&t, later).contains(Modifier::REVERSED));
}

#[test]
fn the_selected_payload_header_is_reversed_only_when_the_pane_is_focused() {
    let mut app = mono_app();
    update(&mut app, Action::StepNext);
    let t = draw(&mut app, 120, 40);
    let head = find(&t, "▶ 2.1 POST");
    assert!(!modifiers(&t, head).contains(Modifier::REVERSED));
    update(&mut app, Action::FocusNext);
    let t = draw(&mut app, 120, 40);
    assert!(modifiers(&t, head).contains(Modifier::REVERSED));
    let other = find(&t, "2.2 POST");
    assert!(!modifiers(&t, other).contains(Modifier::REVERSED));
}

#[test]
fn the_active_mode_tab_is_highlighted() {
    for th in [&theme::COLOR, &theme::MONO] {
        let mut app = app();
        app.theme = th;
        update(&mut app, Action::ModeSet(Mode::Original));
        let t = draw(&mut app, 120, 40);
        let buf = t.backend().buffer();
        let active = find(&t, "2 Original ID Merge");
        let inactive = find(&t, "3 Simplified ID Merge");
        assert_ne!(buf[active].style(), buf[inactive].style());
        if th.mono {
            assert!(buf[active].modifier.contains(Modifier::REVERSED));
        } else {
            assert_eq!(buf[active].bg, Color::Cyan);
        }
    }
}

#[test]
fn identity_fields_and_changes_are_emphasised() {
    let mut app = mono_app();
    update(&mut app, Action::StepNext);
    let t = draw(&mut app, 120, 40);
    let key = find(&t, "\"$user_id\"");
    assert!(modifiers(&t, key).contains(Modifier::BOLD | Modifier::UNDERLINED));
    let plain = find(&t, "\"$token\"");
    assert!(!modifiers(&t, plain).contains(Modifier::UNDERLINED));
    // Step 2 links the laptop into alice: her cluster is new and marked so.
    let new = find(&t, "+alice");
    assert!(modifiers(&t, (new.0 + 1, new.1)).contains(Modifier::BOLD));
}

#[test]
fn the_monochrome_theme_sets_no_colour_anywhere() {
    let mut states: Vec<App> = Vec::new();
    for setup in [
        vec![],
        vec![Action::StepNext, Action::FocusNext],
        vec![Action::ToggleEvents],
        vec![Action::ToggleCompare],
        vec![Action::ToggleHelp],
        vec![Action::OpenDetail],
        vec![Action::OpenPicker],
    ] {
        let mut app = mono_app();
        apply(&mut app, &setup);
        states.push(app);
    }
    for mut app in states {
        let t = draw(&mut app, 120, 40);
        for cell in t.backend().buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "{:?}", app.overlay);
            assert_eq!(cell.bg, Color::Reset, "{:?}", app.overlay);
        }
    }
}

#[test]
fn no_size_panics_and_nothing_leaks_control_characters() {
    let evil = r#"{"name":"evil \u001b[31m name \u202e","description":"d\u0007",
      "steps":[
        {"device":"w\u001b]0;x\u0007","track":"E\u001b[2J","properties":{"k\u0000":"v\u009b"},"note":"n\u001b"},
        {"device":"w","identify":"bob\u202e"},
        {"send":{"event":"\u001bX","properties":{"distinct_id":"\u001b"}}}
      ]}"#;
    let mut evil_app = App::from_scenario(scenario(evil));
    let sizes = [
        (1, 1),
        (2, 3),
        (30, 8),
        (49, 13),
        (50, 14),
        (80, 24),
        (99, 30),
        (100, 30),
        (200, 60),
    ];
    for open in [
        None,
        Some(Action::ToggleEvents),
        Some(Action::ToggleCompare),
        Some(Action::ToggleHelp),
        Some(Action::OpenDetail),
        Some(Action::OpenPicker),
    ] {
        update(&mut evil_app, Action::CloseOverlay);
        if let Some(a) = open {
            update(&mut evil_app, a);
        }
        for k in 0..3 {
            for (w, h) in sizes {
                let t = draw(&mut evil_app, w, h);
                for cell in t.backend().buffer().content() {
                    assert!(
                        !cell.symbol().chars().any(idscope_core::text::needs_escape),
                        "control character at {w}x{h} in {:?}: {:?}",
                        evil_app.overlay,
                        cell.symbol()
                    );
                }
            }
            if k < 2 && open.is_none() {
                update(&mut evil_app, Action::StepNext);
            }
        }
    }
    // Every size from 0×0 up, on the main screen.
    let mut app = app();
    for w in 0..=130 {
        for h in (0..=45).step_by(3) {
            draw(&mut app, w, h);
        }
    }
}
