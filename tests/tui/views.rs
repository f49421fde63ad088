//! Issue 15: the explorer's answer is never cut off — every view at three sizes, priority
//! columns, the compare view, cross-mode markers, the identity graph, swimlanes, the info
//! overlay and the small things (numbering, selection per step, help scroll, hints, unknown
//! keys, the picker's filter).

use crate::support::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::app::{update, Action, App, Overlay};
use idscope::tui::keymap::map_event;
use idscope::tui::views::{events, ids};
use idscope_core::model::Mode;
use proptest::prelude::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (140, 42)];

fn key(app: &mut App, code: KeyCode) {
    let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    if let Some(a) = map_event(&ev, app) {
        update(app, a);
    }
}

fn text_at(app: &mut App, w: u16, h: u16) -> String {
    screen(&draw(app, w, h))
}

/// Every view, reviewed at 80×24, 100×30 and 140×42.
#[test]
fn every_view_at_three_sizes() {
    let views: [(&str, Mode, &[Action]); 10] = [
        ("main", Mode::Simplified, &[]),
        ("events", Mode::Simplified, &[Action::ToggleEvents]),
        ("compare", Mode::Original, &[Action::ToggleCompare]),
        ("graph", Mode::Original, &[Action::ToggleGraph]),
        (
            "graph_all",
            Mode::Simplified,
            &[Action::ToggleGraph, Action::GraphAll],
        ),
        ("lanes", Mode::Simplified, &[Action::ToggleLanes]),
        ("info", Mode::Simplified, &[Action::ToggleInfo]),
        ("detail", Mode::Original, &[Action::OpenDetail]),
        ("help", Mode::Simplified, &[Action::ToggleHelp]),
        ("picker", Mode::Simplified, &[Action::OpenPicker]),
    ];
    for (name, mode, actions) in views {
        for (w, h) in SIZES {
            let mut app = at_step(5, mode);
            update(&mut app, Action::Resize(w, h));
            for a in actions {
                update(&mut app, *a);
            }
            let t = draw(&mut app, w, h);
            insta::assert_snapshot!(format!("view_{name}_{w}x{h}"), t.backend());
        }
    }
}

/// The final id (or device name + shortened id) and the effect of every row on screen are
/// never cut, at any width from 80 columns.
fn final_ids_are_whole(app: &mut App, w: u16) {
    let t = draw(app, w, 30);
    let s = screen(&t);
    let run = app.run();
    let n = run.events_until(app.cursor);
    for i in 0..n {
        let ev_ref = run.event_ref(i);
        let Some(row) = s.lines().find(|l| l.contains(&format!("║{ev_ref} "))) else {
            continue; // scrolled out
        };
        let fin = run.final_id(i, app.cursor).map_or_else(
            || "no user".to_string(),
            |f| ids::label(run, f, events::FINAL_MAX),
        );
        assert!(
            row.contains(&fin),
            "{w} columns, event {ev_ref}: {fin:?} not whole in\n{row}"
        );
        let v = &run.events[i].verdict;
        let effect = format!("{} ({})", v.effect.as_str(), v.rule);
        assert!(
            row.contains(&effect),
            "{w} columns, event {ev_ref}: {effect:?} cut in\n{row}"
        );
    }
}

fn generated_scenario(steps: &[(u8, u8, u8)]) -> String {
    let devices = ["web", "phone", "tablet-with-a-long-name"];
    let users = [
        "alice",
        "bob@example.com",
        "user-with-a-rather-long-identifier-0042",
    ];
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|&(d, a, u)| {
            let device = devices[d as usize % 3];
            let user = users[u as usize % 3];
            match a % 6 {
                0 => serde_json::json!({"device": device, "visit": "Home"}),
                1 => serde_json::json!({"device": device, "signup": user}),
                2 => serde_json::json!({"device": device, "login": user}),
                3 => serde_json::json!({"device": device, "logout": true}),
                4 => serde_json::json!({"device": device, "track": "名前のイベント"}),
                _ => serde_json::json!({"send": {"event": "Server", "properties": {"distinct_id": user}}}),
            }
        })
        .collect();
    serde_json::json!({"name": "generated", "steps": steps}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn final_id_and_effect_are_never_cut_at_80_columns_or_more(
        steps in prop::collection::vec((0u8..3, 0u8..6, 0u8..3), 1..9),
        mode in 0usize..3,
        extra in 0u16..80,
    ) {
        let mut app = App::from_scenario(scenario(&generated_scenario(&steps)));
        update(&mut app, Action::ModeSet(Mode::ALL[mode]));
        update(&mut app, Action::StepLast);
        update(&mut app, Action::ToggleEvents);
        final_ids_are_whole(&mut app, 80 + extra);
    }
}

#[test]
fn final_ids_and_effects_are_whole_at_80_columns_on_every_bundled_scenario() {
    for entry in idscope::tui::source::load(None).unwrap() {
        let Ok(s) = entry.scenario else { continue };
        for mode in Mode::ALL {
            let mut app = App::from_scenario(s.clone());
            update(&mut app, Action::ModeSet(mode));
            update(&mut app, Action::StepLast);
            update(&mut app, Action::ToggleEvents);
            final_ids_are_whole(&mut app, 80);
        }
    }
}

#[test]
fn long_values_scroll_sideways_instead_of_being_lost() {
    let mut app = at_step(6, Mode::Simplified);
    update(&mut app, Action::ToggleEvents);
    let s = text_at(&mut app, 140, 24);
    // The reason and id columns are to the right: they start cut, with a marker.
    assert!(s.contains('›'), "{s}");
    let mut seen = (false, false);
    for _ in 0..16 {
        let s = text_at(&mut app, 140, 24);
        seen.0 |= s.contains("errAnonDistinctIdAssignedAlready");
        seen.1 |= s.contains("laptop 11111111-1111-4111-8111-111111111111");
        key(&mut app, KeyCode::Char('L'));
    }
    assert!(
        seen.0,
        "the reason was never shown whole:\n{}",
        text_at(&mut app, 140, 24)
    );
    assert!(seen.1, "the $device_id was never shown whole");
    let s = text_at(&mut app, 140, 24);
    assert!(s.contains('‹'), "scrolled: more to the left\n{s}");
    for _ in 0..12 {
        key(&mut app, KeyCode::Char('H'));
    }
    assert_eq!(app.hscroll, 0);
}

#[test]
fn ids_carry_their_device_name_everywhere() {
    let mut app = at_step(2, Mode::Simplified);
    let run = app.run();
    let laptop = format!("$device:{}", "11111111-1111-4111-8111-111111111111");
    assert_eq!(run.device_name(&laptop), Some("laptop"));
    let main = text_at(&mut app, 100, 30);
    assert!(
        main.contains("device laptop $device:"),
        "clusters pane:\n{main}"
    );
    update(&mut app, Action::ToggleEvents);
    let ev = text_at(&mut app, 140, 42);
    assert!(
        ev.contains("laptop $device:11111111-1111-4111-8111-111111111111"),
        "ingest column:\n{ev}"
    );
    update(&mut app, Action::ToggleCompare);
    let cmp = text_at(&mut app, 140, 42);
    assert!(cmp.contains("laptop $device:"), "compare:\n{cmp}");
}

#[test]
fn compare_marks_only_the_column_that_differs() {
    // Step 5 (Bob logs in on Alice's laptop): Simplified fails the link, Original fails the
    // $identify's GUID check, Legacy has no guardrail. The SDK calls are the same in
    // Simplified and Original (identify then track) but not in Legacy (alias).
    let mut app = at_step(5, Mode::Simplified);
    update(&mut app, Action::ToggleCompare);
    let s = text_at(&mut app, 140, 42);
    let cols: Vec<Vec<String>> = (0..3)
        .map(|c| {
            s.lines()
                .map(|l| {
                    let cells: Vec<&str> = l.split('│').collect();
                    cells
                        .get(c)
                        .map(|x| x.trim_matches('║').to_string())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let marked = |c: usize, label: &str| cols[c].iter().any(|l| l.contains(&format!("≠{label}")));
    // Legacy's calls differ from both others; Original's and Simplified's equal each other.
    let calls_marked: Vec<bool> = (0..3)
        .map(|c| {
            cols[c]
                .iter()
                .any(|l| l.starts_with('≠') && l.contains("identify("))
                || cols[c]
                    .iter()
                    .any(|l| l.starts_with('≠') && l.contains("alias("))
        })
        .collect();
    assert!(
        !(calls_marked[1] && calls_marked[2]),
        "alike calls are not marked:\n{s}"
    );
    // Effects: three different verdicts are all marked.
    let effect_marks = (0..3).filter(|&c| marked(c, "effect")).count();
    assert!(effect_marks >= 2, "differing effects are marked:\n{s}");
}

#[test]
fn compare_wraps_without_losing_a_character_and_orders_clusters_alike() {
    let text = r#"{
      "name": "Wrap check",
      "devices": {"web": {"device_id": "11111111-1111-4111-8111-111111111111"}},
      "steps": [
        {"device": "web", "visit": "Home"},
        {"device": "web", "signup": "alice"},
        {"device": "web", "track": "名前のイベント名前のイベント名前のイベント"}
      ],
      "expect": {
        "simplified": {"why": "The anonymous page view and Sign Up and Purchase all go to alice so Log In and Purchase count once: $anon_distinct_id: $device:W} keeps its colon."}
      }
    }"#;
    let mut app = App::from_scenario(scenario(text));
    update(&mut app, Action::StepLast);
    update(&mut app, Action::ToggleCompare);
    for w in [80u16, 100, 140] {
        let s = text_at(&mut app, w, 60);
        let third: String = s
            .lines()
            .filter_map(|l| l.split('│').nth(2))
            .map(|c| c.trim_end_matches('║').trim().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        for word in [
            "Log In and Purchase count once:",
            "$anon_distinct_id:",
            "$device:W}",
            "colon.",
        ] {
            let squeezed: String = third.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(squeezed.contains(word), "{w} columns lost {word:?}:\n{s}");
        }
        // Wide characters do not push the divider: every row has its dividers where the
        // header row has them (the screen text has one char per cell: a wide character is
        // followed by its continuation cell).
        let inside = |l: &&str| l.starts_with('║') && l.contains('│');
        let header = s
            .lines()
            .filter(inside)
            .find(|l| l.contains("Legacy"))
            .unwrap();
        let div = |l: &str| l.find('│').map(|b| l[..b].chars().count());
        for l in s.lines().filter(inside) {
            assert_eq!(div(l), div(header), "{w} columns, misaligned:\n{l}");
        }
    }
}

#[test]
fn the_main_screen_says_when_another_mode_decides_otherwise() {
    let mut app = at_step(5, Mode::Simplified);
    let s = text_at(&mut app, 140, 42);
    assert!(s.contains("≠ Legacy:"), "payload verdict marker:\n{s}");
    assert!(
        s.contains("Original: failed errAnonDistinctIdNonGUIDForm"),
        "{s}"
    );
    // Clusters: under Legacy the laptop holds alice and bob in one tree; not so here.
    assert!(
        s.contains("group these ids otherwise"),
        "cluster marker:\n{s}"
    );
    // Step 1: every mode stores the page view alike — no marker on it.
    let mut app = at_step(1, Mode::Simplified);
    let s = text_at(&mut app, 140, 42);
    assert!(
        !s.contains("≠ Legacy:") && !s.contains("≠ Original:"),
        "{s}"
    );
}

#[test]
fn the_graph_follows_the_cursor_and_the_mode_and_marks_refusals() {
    let mut app = at_step(2, Mode::Simplified);
    update(&mut app, Action::ToggleGraph);
    let s = text_at(&mut app, 140, 42);
    assert!(s.contains("★ user alice"), "{s}");
    assert!(
        s.contains("linked device laptop $device:"),
        "the S-LINK edge:\n{s}"
    );
    assert!(
        s.contains("step 2 · 2.3 Sign Up · S-LINK"),
        "edge label:\n{s}"
    );
    // Step on: Bob's login on the laptop is refused; the refusal is drawn with its code.
    for _ in 0..3 {
        update(&mut app, Action::StepNext);
    }
    update(&mut app, Action::GraphAll);
    let s = text_at(&mut app, 140, 42);
    assert!(s.contains("╌╳╌▶"), "a refused link:\n{s}");
    assert!(s.contains("errAnonDistinctIdAssignedAlready"), "{s}");
    // Switch the mode: Original refuses the $identify's GUID check instead.
    update(&mut app, Action::ModeSet(Mode::Original));
    let s = text_at(&mut app, 140, 42);
    assert!(s.contains("Original ID Merge"), "{s}");
    assert!(s.contains("errAnonDistinctIdNonGUIDForm"), "{s}");
    assert!(s.contains("merged"), "{s}");
}

#[test]
fn swimlanes_mark_each_event_with_whom_it_counts_for() {
    let mut app = at_step(6, Mode::Simplified);
    update(&mut app, Action::ToggleLanes);
    let s = text_at(&mut app, 100, 30);
    let header = s
        .lines()
        .find(|l| l.contains("laptop") && l.contains("phone"))
        .expect("lanes");
    assert!(
        header.find("laptop") < header.find("phone"),
        "lanes in order of first use"
    );
    // alice's and bob's letters from the legend.
    let legend = s.lines().find(|l| l.contains("who:")).expect("legend");
    let letter = |who: &str| {
        let at = legend.find(who).unwrap();
        legend[..at].trim_end().chars().last().unwrap()
    };
    let (a, b) = (letter("alice"), letter("bob"));
    assert_ne!(a, b);
    let row = |r: &str| {
        s.lines()
            .find(|l| l.contains(&format!("║{r} ")))
            .unwrap()
            .to_string()
    };
    // The laptop's page view went to alice (linked at signup); the phone's login too.
    assert!(row("1.1").contains(&format!("{a} Page View")), "{s}");
    assert!(
        row("3.2").contains(&format!("{a} Log In")) || row("3.1").contains(&format!("{a} Log In")),
        "{s}"
    );
    // Bob's Played counts for bob.
    assert!(s.lines().any(|l| l.contains(&format!("{b} Played"))), "{s}");
}

#[test]
fn the_info_overlay_shows_the_description_and_every_note_in_full() {
    let mut app = app();
    update(&mut app, Action::ToggleInfo);
    let s = text_at(&mut app, 80, 24);
    assert!(
        s.contains("Alice signs up on the laptop; Bob logs in on it without a logout"),
        "{s}"
    );
    assert!(s.contains("“Bob borrows the laptop”"), "{s}");
    assert!(s.contains("step 5 · laptop"), "{s}");
}

#[test]
fn the_selected_payload_is_kept_per_step() {
    let mut app = at_step(2, Mode::Simplified);
    update(&mut app, Action::Resize(120, 40));
    update(&mut app, Action::FocusNext);
    for _ in 0..12 {
        update(&mut app, Action::ScrollDown);
    }
    let selected = app.selected_event();
    assert_ne!(
        selected,
        Some(app.step_events().start),
        "scrolled to a later payload"
    );
    update(&mut app, Action::StepNext);
    assert_eq!(app.scroll[1], 0, "a new step starts at its first payload");
    update(&mut app, Action::StepPrev);
    assert_eq!(
        app.selected_event(),
        selected,
        "back: the same payload is selected"
    );
}

#[test]
fn help_scroll_stops_at_its_last_line() {
    let mut app = app();
    update(&mut app, Action::Resize(100, 30));
    update(&mut app, Action::ToggleHelp);
    for _ in 0..500 {
        update(&mut app, Action::ScrollDown);
    }
    let Some(Overlay::Help { scroll }) = app.overlay else {
        panic!("help open")
    };
    let s = text_at(&mut app, 100, 30);
    assert!(
        s.contains("Emulated SDKs") || s.contains("mixpanel-browser"),
        "the end is on screen:\n{s}"
    );
    // The last page is full: the scroll stopped where the end meets the bottom.
    update(&mut app, Action::ScrollUp);
    let Some(Overlay::Help { scroll: up }) = app.overlay else {
        panic!()
    };
    assert_eq!(up + 1, scroll);
}

#[test]
fn an_unknown_key_says_so_and_points_to_help() {
    let mut app = app();
    key(&mut app, KeyCode::Char('Z'));
    assert_eq!(
        app.message.as_deref(),
        Some("unknown key Z here — ? for help")
    );
    let s = text_at(&mut app, 100, 30);
    assert!(s.contains("unknown key Z"), "{s}");
}

#[test]
fn the_status_bar_keeps_copy_export_and_add_next_to_a_message() {
    let mut app = app();
    app.message = Some(
        "a long message that would otherwise take the whole status bar and push every hint away"
            .into(),
    );
    for w in [80u16, 100] {
        let s = text_at(&mut app, w, 24);
        let status = s.lines().last().unwrap();
        for hint in ["y copy", "x export", "a add", "? help", "q quit"] {
            assert!(
                status.contains(hint),
                "{w} columns, {hint:?} missing: {status}"
            );
        }
        assert!(status.contains("a long message"), "{status}");
    }
}

#[test]
fn the_export_menu_shows_its_own_keys_and_what_esc_does() {
    let mut app = app();
    update(&mut app, Action::ExportMenu);
    let s = text_at(&mut app, 100, 30);
    let status = s.lines().last().unwrap();
    assert!(
        status.contains("Enter next") && !status.contains("h/l step"),
        "{status}"
    );
    assert!(s.contains("Esc close"), "format stage: Esc closes\n{s}");
    key(&mut app, KeyCode::Enter);
    let s = text_at(&mut app, 100, 30);
    assert!(
        s.contains("Esc back") && !s.contains("Esc close"),
        "scope stage: Esc goes back\n{s}"
    );
}

#[test]
fn the_picker_filters_by_name_and_description() {
    let mut app = App::new(idscope::tui::source::load(None).unwrap()).unwrap();
    update(&mut app, Action::OpenPicker);
    key(&mut app, KeyCode::Char('/'));
    for c in "phone".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let matches = app.picker_matches();
    assert!(!matches.is_empty() && matches.len() < app.entries.len());
    for &i in &matches {
        let s = app.entries[i].scenario.as_ref().unwrap();
        let hay = format!(
            "{} {} {}",
            s.name,
            s.description.as_deref().unwrap_or(""),
            app.entries[i].origin
        )
        .to_lowercase();
        assert!(hay.contains("phone"), "{hay}");
    }
    let s = text_at(&mut app, 100, 30);
    assert!(
        s.contains(&format!("{} of {} match", matches.len(), app.entries.len())),
        "{s}"
    );
    // Enter ends the typing; Enter again opens the first match.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.current, matches[0]);
}

#[test]
fn events_are_numbered_step_dot_k_everywhere() {
    let mut app = at_step(2, Mode::Simplified);
    let s = text_at(&mut app, 120, 40);
    assert!(s.contains("2.1 POST /engage"), "payload header:\n{s}");
    update(&mut app, Action::ToggleEvents);
    let s = text_at(&mut app, 120, 40);
    assert!(s.contains("║2.3 "), "events table:\n{s}");
    update(&mut app, Action::CloseOverlay);
    update(&mut app, Action::OpenDetail);
    let s = text_at(&mut app, 120, 40);
    assert!(s.contains("Payload 2.1 · step 2"), "detail title:\n{s}");
}

#[test]
fn an_intent_that_expands_to_no_call_says_why() {
    let text = r#"{"name": "Logout", "devices": {"web": {}}, "steps": [
        {"device": "web", "signup": "alice"}, {"device": "web", "logout": true}]}"#;
    let mut app = App::from_scenario(scenario(text));
    update(&mut app, Action::ModeSet(Mode::Original));
    update(&mut app, Action::StepLast);
    let s = text_at(&mut app, 120, 30);
    assert!(s.contains("→ (no SDK call)"), "{s}");
    assert!(
        s.contains("no reset(), so the device keeps its ids"),
        "the payloads pane wraps it:\n{s}"
    );
    update(&mut app, Action::ToggleInfo);
    let s = text_at(&mut app, 120, 30);
    assert!(
        s.contains("makes no SDK call for `logout` (P-LOGOUT): no reset(), so"),
        "{s}"
    );
}
