//! The explorer's model and keymap, without a terminal: Actions are the test API.

use crate::support::*;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope::tui::app::{update, Action, App, Effect, Overlay, Pane};
use idscope::tui::keymap::{self, ctx, map_key, BINDINGS};
use idscope_core::model::Mode;
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use proptest::prelude::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn starts_on_the_first_step_in_simplified() {
    let app = app();
    assert_eq!(app.cursor, 1);
    assert_eq!(app.mode, Mode::Simplified);
    assert_eq!(app.playbook, None);
    assert_eq!(app.total_steps(), 6);
}

#[test]
fn the_settings_files_mode_and_playbook_are_where_the_explorer_starts() {
    let mut app = app();
    app.start_in(Some(Mode::Original), Some(Mode::Legacy));
    assert_eq!(app.mode, Mode::Original);
    assert_eq!(app.playbook, Some(Mode::Legacy));
    assert_eq!(app.run().config.mode, Mode::Original);
    assert_eq!(app.run().config.playbook, Some(Mode::Legacy));
    // Nothing set: the defaults stay.
    let mut plain = crate::support::app();
    plain.start_in(None, None);
    assert_eq!((plain.mode, plain.playbook), (Mode::Simplified, None));
}

#[test]
fn stepping_saturates_at_both_ends() {
    let mut app = app();
    update(&mut app, Action::StepPrev);
    assert_eq!(app.cursor, 1);
    assert_eq!(app.message.as_deref(), Some("already at the first step"));
    update(&mut app, Action::StepFirst);
    assert_eq!(app.cursor, 1);
    apply(&mut app, &[Action::StepNext, Action::StepNext]);
    assert_eq!(app.cursor, 3);
    assert_eq!(app.message, None, "a successful step clears the message");
    update(&mut app, Action::StepLast);
    assert_eq!(app.cursor, 6);
    for _ in 0..3 {
        update(&mut app, Action::StepNext);
    }
    assert_eq!(app.cursor, 6);
    assert_eq!(app.message.as_deref(), Some("already at the last step"));
    update(&mut app, Action::StepFirst);
    assert_eq!(app.cursor, 1);
}

#[test]
fn a_scenario_without_steps_does_not_move_or_panic() {
    let mut app = App::from_scenario(scenario(r#"{"name":"empty","steps":[]}"#));
    assert_eq!(app.cursor, 0);
    for a in [
        Action::StepNext,
        Action::StepLast,
        Action::StepPrev,
        Action::ModeNext,
        Action::OpenDetail,
        Action::ToggleEvents,
        Action::ToggleCompare,
    ] {
        update(&mut app, a);
        assert_eq!(app.cursor, 0);
        draw(&mut app, 100, 30);
    }
}

#[test]
fn mode_switch_keeps_the_cursor_and_equals_a_fresh_replay() {
    let s = scenario(SHARED);
    for playbook_presses in 0..4 {
        let mut app = app();
        for _ in 0..playbook_presses {
            update(&mut app, Action::PlaybookCycle);
        }
        apply(
            &mut app,
            &[Action::StepNext, Action::StepNext, Action::StepNext],
        );
        for (action, mode) in [
            (Action::ModeNext, Mode::Legacy),
            (Action::ModeNext, Mode::Original),
            (Action::ModePrev, Mode::Legacy),
            (Action::ModeSet(Mode::Simplified), Mode::Simplified),
            (Action::ModeSet(Mode::Original), Mode::Original),
        ] {
            update(&mut app, action);
            assert_eq!(app.mode, mode);
            assert_eq!(app.cursor, 4, "mode switch keeps the step");
            let fresh = Run::new(
                &s,
                RunConfig {
                    mode,
                    playbook: app.playbook,
                    knobs: app.knobs,
                },
            );
            assert_eq!(
                run_json(app.run(), app.cursor),
                run_json(&fresh, app.cursor),
                "mode {mode}, playbook {:?}",
                app.playbook
            );
        }
    }
}

#[test]
fn playbook_cycles_through_follow_and_the_three_modes() {
    let mut app = app();
    let mut seen = vec![app.playbook];
    for _ in 0..4 {
        update(&mut app, Action::PlaybookCycle);
        seen.push(app.playbook);
        assert_eq!(app.run().config.playbook, app.playbook);
        assert!(app.message.is_some());
    }
    assert_eq!(
        seen,
        [
            None,
            Some(Mode::Legacy),
            Some(Mode::Original),
            Some(Mode::Simplified),
            None
        ]
    );
}

#[test]
fn overlays_swallow_navigation() {
    let navigation = [
        Action::StepNext,
        Action::StepLast,
        Action::ModeNext,
        Action::ModeSet(Mode::Legacy),
        Action::PlaybookCycle,
        Action::FocusNext,
        Action::OpenDetail,
    ];
    for open in [Action::ToggleHelp, Action::OpenDetail, Action::OpenPicker] {
        let mut app = app();
        update(&mut app, Action::StepNext);
        update(&mut app, open);
        let overlay = app.overlay;
        assert!(overlay.is_some(), "{open:?} opens an overlay");
        for a in navigation {
            update(&mut app, a);
            assert_eq!(app.cursor, 2, "{a:?} under {overlay:?}");
            assert_eq!(app.mode, Mode::Simplified);
            assert_eq!(app.playbook, None);
            assert_eq!(app.focus, Pane::Steps);
            assert_eq!(
                std::mem::discriminant(&app.overlay.unwrap()),
                std::mem::discriminant(&overlay.unwrap())
            );
        }
        // The keymap agrees: no key steps under the overlay.
        assert_eq!(map_key(&key(KeyCode::Char('l')), app.context()), None);
        assert_eq!(map_key(&key(KeyCode::Char('m')), app.context()), None);
        update(&mut app, Action::CloseOverlay);
        assert_eq!(app.overlay, None);
        update(&mut app, Action::StepNext);
        assert_eq!(app.cursor, 3);
    }
}

#[test]
fn events_and_compare_views_follow_the_cursor_and_mode() {
    let mut app = app();
    update(&mut app, Action::ToggleEvents);
    assert!(matches!(app.overlay, Some(Overlay::Events { .. })));
    apply(&mut app, &[Action::StepNext, Action::ModeSet(Mode::Legacy)]);
    assert_eq!((app.cursor, app.mode), (2, Mode::Legacy));
    update(&mut app, Action::ToggleCompare);
    assert!(matches!(app.overlay, Some(Overlay::Compare { .. })));
    update(&mut app, Action::StepNext);
    assert_eq!(app.cursor, 3);
    update(&mut app, Action::ToggleCompare);
    assert_eq!(app.overlay, None);
}

#[test]
fn ctrl_c_and_q_always_quit() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for open in [
        None,
        Some(Action::ToggleHelp),
        Some(Action::OpenDetail),
        Some(Action::ToggleEvents),
        Some(Action::ToggleCompare),
        Some(Action::OpenPicker),
    ] {
        let mut app = app();
        if let Some(a) = open {
            update(&mut app, a);
        }
        assert_eq!(map_key(&ctrl_c, app.context()), Some(Action::Quit));
        assert_eq!(
            map_key(&key(KeyCode::Char('q')), app.context()),
            Some(Action::Quit)
        );
        assert_eq!(update(&mut app, Action::Quit), vec![Effect::Quit]);
        assert!(app.should_quit);
    }
    // Even with Shift held (some terminals report Ctrl-Shift-C).
    let shifted = KeyEvent::new(
        KeyCode::Char('C'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    assert_eq!(map_key(&shifted, ctx::HELP), Some(Action::Quit));
}

#[test]
fn keymap_details() {
    // Release events are ignored.
    let mut release = key(KeyCode::Char('l'));
    release.kind = KeyEventKind::Release;
    assert_eq!(map_key(&release, ctx::MAIN), None);
    // Shift+g arrives as 'G' with SHIFT.
    let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(map_key(&g, ctx::MAIN), Some(Action::StepLast));
    assert_eq!(
        map_key(&key(KeyCode::Char('g')), ctx::MAIN),
        Some(Action::StepFirst)
    );
    let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(map_key(&backtab, ctx::MAIN), Some(Action::FocusPrev));
    assert_eq!(
        map_key(&key(KeyCode::Right), ctx::MAIN),
        Some(Action::StepNext)
    );
    assert_eq!(
        map_key(&key(KeyCode::Left), ctx::MAIN),
        Some(Action::StepPrev)
    );
    assert_eq!(
        map_key(&key(KeyCode::Home), ctx::MAIN),
        Some(Action::StepFirst)
    );
    assert_eq!(
        map_key(&key(KeyCode::End), ctx::MAIN),
        Some(Action::StepLast)
    );
    assert_eq!(
        map_key(&key(KeyCode::Char('3')), ctx::MAIN),
        Some(Action::ModeSet(Mode::Simplified))
    );
    assert_eq!(
        map_key(&key(KeyCode::Char('M')), ctx::MAIN),
        Some(Action::ModePrev)
    );
    // Ctrl or Alt + a bound letter is not that letter.
    let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
    assert_eq!(map_key(&ctrl_l, ctx::MAIN), None);
    let alt_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::ALT);
    assert_eq!(map_key(&alt_l, ctx::MAIN), None);
    // Esc does nothing on the main screen (no accidental quit); Enter depends on the screen.
    assert_eq!(map_key(&key(KeyCode::Esc), ctx::MAIN), None);
    assert_eq!(
        map_key(&key(KeyCode::Esc), ctx::HELP),
        Some(Action::CloseOverlay)
    );
    assert_eq!(
        map_key(&key(KeyCode::Enter), ctx::MAIN),
        Some(Action::OpenDetail)
    );
    assert_eq!(
        map_key(&key(KeyCode::Enter), ctx::PICKER),
        Some(Action::PickerOpen)
    );
}

#[test]
fn no_key_means_two_things_on_one_screen() {
    for (i, a) in BINDINGS.iter().enumerate() {
        for b in &BINDINGS[i + 1..] {
            if a.when & b.when == 0 {
                continue;
            }
            for k in a.keys {
                assert!(
                    !b.keys.contains(k),
                    "{} is bound to {:?} and {:?}",
                    k.label(),
                    a.action,
                    b.action
                );
            }
        }
    }
}

#[test]
fn hints_and_help_come_from_the_table() {
    let main = keymap::hints(BINDINGS, ctx::MAIN);
    let labels: Vec<&str> = main.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        labels,
        [
            "step", "mode", "playbook", "focus", "scroll", "detail", "events", "compare", "graph",
            "lanes", "open", "copy", "export", "add", "save", "help", "quit"
        ]
    );
    let help: Vec<_> = keymap::help_sections(BINDINGS, keymap::where_label)
        .into_iter()
        .flat_map(|(_, rows)| rows)
        .collect();
    assert_eq!(help.len(), BINDINGS.len(), "every binding is in the help");
    assert!(help.iter().any(|(k, _, _)| k == "q/Ctrl-C"));
    // Overlays hint Esc.
    for c in [
        ctx::HELP,
        ctx::DETAIL,
        ctx::EVENTS,
        ctx::COMPARE,
        ctx::PICKER,
    ] {
        assert!(keymap::hints(BINDINGS, c).iter().any(|(k, _)| k == "Esc"));
    }
}

#[test]
fn focus_cycles_both_ways_and_scroll_stays_in_range() {
    let mut app = app();
    update(&mut app, Action::Resize(100, 30));
    update(&mut app, Action::StepNext); // two payloads: more than a pane
    update(&mut app, Action::FocusNext);
    assert_eq!(app.focus, Pane::Payloads);
    update(&mut app, Action::FocusNext);
    assert_eq!(app.focus, Pane::Clusters);
    update(&mut app, Action::FocusNext);
    assert_eq!(app.focus, Pane::Steps);
    update(&mut app, Action::FocusPrev);
    assert_eq!(app.focus, Pane::Clusters);
    update(&mut app, Action::FocusPrev);
    assert_eq!(app.focus, Pane::Payloads);
    // Scrolling the payloads pane far down stops; scrolling up returns to 0.
    for _ in 0..500 {
        update(&mut app, Action::ScrollDown);
    }
    let max = app.scroll[Pane::Payloads.index()];
    assert!(max > 0 && max < 100, "{max}");
    for _ in 0..50 {
        update(&mut app, Action::PageUp);
    }
    assert_eq!(app.scroll[Pane::Payloads.index()], 0);
}

#[test]
fn scrolling_the_payloads_pane_selects_the_payload_at_the_top() {
    let mut app = app();
    update(&mut app, Action::Resize(120, 40));
    // Signup: the first identify's profile $set_once, then $identify and Sign Up.
    update(&mut app, Action::StepNext);
    let events = app.step_events();
    assert_eq!(events.len(), 3);
    assert_eq!(app.selected_event(), Some(events.start));
    update(&mut app, Action::FocusNext);
    for _ in 0..500 {
        update(&mut app, Action::ScrollDown);
    }
    let last = events.end - 1;
    assert_eq!(app.selected_event(), Some(last));
    update(&mut app, Action::OpenDetail);
    assert_eq!(
        app.overlay,
        Some(Overlay::Detail {
            event: last,
            scroll: 0
        })
    );
}

#[test]
fn mouse_clicks_select_steps_and_wheel_scrolls() {
    let mut app = app();
    update(&mut app, Action::Resize(120, 40));
    // Steps pane: rows start at y=3 (header 2 + border 1); step 1 (visit, an intent) takes
    // two lines (the step and its track call), step 2 four (signup, two calls, a note).
    update(&mut app, Action::MouseClick { column: 5, row: 5 });
    assert_eq!(app.cursor, 2);
    assert_eq!(app.focus, Pane::Steps);
    update(&mut app, Action::MouseClick { column: 5, row: 8 });
    assert_eq!(app.cursor, 2, "the note line belongs to step 2");
    update(&mut app, Action::MouseClick { column: 5, row: 4 });
    assert_eq!(app.cursor, 1);
    // The wheel over the payloads pane scrolls it without focusing it.
    update(&mut app, Action::StepNext);
    update(
        &mut app,
        Action::MouseScroll {
            column: 80,
            row: 10,
            down: true,
        },
    );
    assert_eq!(app.scroll[Pane::Payloads.index()], 3);
    assert_eq!(app.focus, Pane::Steps);
    // A click in the clusters pane focuses it.
    update(&mut app, Action::MouseClick { column: 5, row: 35 });
    assert_eq!(app.focus, Pane::Clusters);
    // A click on a mode tab switches mode (" 1 Legacy │ 2 Original ID Merge │ …").
    let cursor = app.cursor;
    update(&mut app, Action::MouseClick { column: 3, row: 1 });
    assert_eq!(app.mode, Mode::Legacy);
    update(&mut app, Action::MouseClick { column: 14, row: 1 });
    assert_eq!(app.mode, Mode::Original);
    assert_eq!(app.cursor, cursor);
}

#[test]
fn picker_opens_another_scenario_and_refuses_broken_ones() {
    use idscope::tui::source::Entry;
    let other = scenario(
        r#"{"name":"Other","steps":[{"device":"w","visit":"A"},{"device":"w","visit":"B"}]}"#,
    );
    let entries = vec![
        Entry::from_scenario("shared.json", scenario(SHARED)),
        Entry {
            origin: "broken.json".into(),
            scenario: Err("broken.json:1:1: expected a JSON object".into()),
        },
        Entry::from_scenario("other.json", other),
    ];
    let mut app = App::new(entries).unwrap();
    apply(&mut app, &[Action::StepLast, Action::ModeSet(Mode::Legacy)]);
    update(&mut app, Action::OpenPicker);
    assert_eq!(app.overlay, Some(Overlay::Picker { selected: 0 }));
    update(&mut app, Action::ScrollDown);
    update(&mut app, Action::PickerOpen);
    assert!(app.message.as_deref().unwrap().starts_with("cannot open"));
    assert_eq!(app.current, 0);
    update(&mut app, Action::ScrollDown);
    update(&mut app, Action::ScrollDown); // clamps at the last entry
    update(&mut app, Action::PickerOpen);
    assert_eq!(app.current, 2);
    assert_eq!(app.scenario.name, "Other");
    assert_eq!((app.cursor, app.overlay), (1, None));
    assert_eq!(
        app.mode,
        Mode::Legacy,
        "the mode survives opening a scenario"
    );
    assert_eq!(app.run().steps.len(), 2);
}

#[test]
fn knobs_change_the_runs_and_are_shown() {
    use idscope_core::model::{GuidCheck, Knobs};
    let mut app = app();
    update(&mut app, Action::StepLast);
    update(&mut app, Action::ModeSet(Mode::Original));
    let knobs = Knobs {
        max_cluster: 2,
        guid_check: GuidCheck::Off,
        identify_links: true,
        missing_distinct_id: idscope_core::model::MissingDistinctId::IpHash,
    };
    app.set_knobs(knobs);
    assert_eq!(app.run().config.knobs, knobs);
    assert_eq!(app.cursor, 6);
    let fresh = Run::new(
        &scenario(SHARED),
        RunConfig {
            mode: Mode::Original,
            playbook: None,
            knobs,
        },
    );
    assert_eq!(run_json(app.run(), 6), run_json(&fresh, 6));
    let t = draw(&mut app, 160, 40);
    assert!(screen(&t).contains("knobs: max_cluster 2 · guid_check off · identify_links true"));
}

#[test]
fn v_cycles_the_knob_sets_of_the_scenarios_variants() {
    let json = SHARED.trim_end().trim_end_matches('}').to_string()
        + r#", "expect": { "variants": [
            { "mode": "original", "knobs": { "max_cluster": 2 } },
            { "mode": "simplified", "knobs": { "identify_links": true } },
            { "mode": "legacy", "knobs": { "max_cluster": 2 } } ] } }"#;
    let mut app = App::from_scenario(scenario(&json));
    assert_eq!(app.knob_sets().len(), 3, "defaults + two distinct sets");
    update(&mut app, Action::StepLast);
    update(&mut app, Action::KnobsCycle);
    assert_eq!(app.knobs.max_cluster, 2);
    assert_eq!(app.run().config.knobs.max_cluster, 2);
    assert_eq!(app.cursor, 6);
    update(&mut app, Action::KnobsCycle);
    assert!(app.knobs.identify_links);
    update(&mut app, Action::KnobsCycle);
    assert!(app.knobs.is_default());
    // Without variants there is nothing to cycle.
    let mut plain = crate::support::app();
    update(&mut plain, Action::KnobsCycle);
    assert!(plain.knobs.is_default());
    assert!(plain.message.is_some());
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::StepNext),
        Just(Action::StepPrev),
        Just(Action::StepFirst),
        Just(Action::StepLast),
        Just(Action::ModeNext),
        Just(Action::ModePrev),
        Just(Action::PlaybookCycle),
        Just(Action::KnobsCycle),
        Just(Action::FocusNext),
        Just(Action::FocusPrev),
        Just(Action::ScrollDown),
        Just(Action::ScrollUp),
        Just(Action::PageDown),
        Just(Action::PageUp),
        Just(Action::OpenDetail),
        Just(Action::ToggleEvents),
        Just(Action::ToggleCompare),
        Just(Action::OpenPicker),
        Just(Action::PickerOpen),
        Just(Action::ToggleHelp),
        Just(Action::CloseOverlay),
        (0u16..140, 0u16..50).prop_map(|(w, h)| Action::Resize(w, h)),
        (0u16..140, 0u16..50, any::<bool>()).prop_map(|(column, row, down)| Action::MouseScroll {
            column,
            row,
            down
        }),
        (0u16..140, 0u16..50).prop_map(|(column, row)| Action::MouseClick { column, row }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any action sequence keeps the model valid and every frame drawable.
    #[test]
    fn any_action_sequence_keeps_the_model_valid(actions in prop::collection::vec(any_action(), 0..40)) {
        let mut app = app();
        for a in actions {
            update(&mut app, a);
            prop_assert!(app.cursor >= 1 && app.cursor <= app.total_steps());
            prop_assert!(!app.should_quit);
        }
        let (w, h) = app.size;
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    }
}

#[test]
fn help_says_how_to_suspend_and_where_the_monochrome_theme_is_set() {
    let app = app();
    let text: String = idscope::tui::views::help::lines(&app, 200)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(
        text.contains("Ctrl-Z suspends to the shell (fg brings the screen back)."),
        "{text}"
    );
    assert!(
        text.contains("theme = \"mono\" in the settings file"),
        "{text}"
    );
}
