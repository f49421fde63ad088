//! `idscope FILE.jsonl` (issues 6 and 16): detection, loading in the background, the
//! summary pane and its filters, search (substring and exact), the no-user bucket, a user's
//! timeline, an event's detail, copies, mode switches, through update() and TestBackend
//! snapshots; and the real binary in tmux.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::export_view::load::{is_export, open, parse};
use idscope::tui::export_view::summary::{Filter, Pick};
use idscope::tui::export_view::{map_event, update, ExportApp, Focus, Open, Row, XAction};
use idscope::tui::shell::{Effect, Job};
use idscope::tui::theme;
use idscope_core::model::{Knobs, Mode};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::io::Write;
use std::path::PathBuf;

/// The small export of tests/resolve.rs, plus a malformed line and a placeholder id.
const SMALL: &str = concat!(
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000000,"$insert_id":"a1"}}"#,
    "\n",
    r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001,"$insert_id":"a2"}}"#,
    "\n",
    "\n",
    r#"{"event":"Log In","properties":{"distinct_id":"bob","$device_id":"d1","$user_id":"bob","time":1700000002000,"$insert_id":"a3"}}"#,
    "\n",
    r#"{"event":"Server","properties":{"distinct_id":"d2","time":1700000003,"$insert_id":"a4"}}"#,
    "\n",
    "{not json\n",
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d2","$device_id":"d2","time":1700000004,"$insert_id":"a5"}}"#,
    "\n",
    r#"{"event":"Junk","properties":{"distinct_id":"undefined","time":1700000005,"$insert_id":"a6"}}"#,
    "\n",
);

fn temp(name: &str, data: &[u8]) -> PathBuf {
    crate::common::temp_file("tui-xview", name, data)
}

fn app() -> ExportApp {
    // From memory: tests run in parallel, and a file rewritten by one can be read half
    // written by another (loading from disk is tested on files of their own).
    let mut app = ExportApp::loaded(
        parse("small.jsonl", SMALL.as_bytes()),
        Mode::Simplified,
        Knobs::default(),
    );
    app.theme = &theme::MONO;
    app
}

fn press(app: &mut ExportApp, code: KeyCode) -> Vec<Effect> {
    let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    match map_event(app, &ev) {
        Some(a) => update(app, a),
        None => Vec::new(),
    }
}

fn key(app: &mut ExportApp, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c))
}

fn keys(app: &mut ExportApp, text: &str) {
    for c in text.chars() {
        key(app, c);
    }
}

fn draw(app: &mut ExportApp, w: u16, h: u16) -> String {
    update(app, XAction::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(&*app, f.area())).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The labels of the users listed, in order.
fn listed(app: &ExportApp) -> Vec<String> {
    let r = app.resolution().unwrap();
    app.rows()
        .iter()
        .map(|row| match row {
            Row::User(u, _) => r.label(*u as usize).to_string(),
            Row::NoUser => "∅".to_string(),
        })
        .collect()
}

/// Moves the list's cursor to the user labelled `who`.
fn select_user(app: &mut ExportApp, who: &str) {
    let at = listed(app).iter().position(|l| l == who).expect("listed");
    press(app, KeyCode::Home);
    for _ in 0..at {
        key(app, 'j');
    }
}

fn copied(effects: &[Effect]) -> String {
    match effects {
        [Effect::Copy { data, .. }] => String::from_utf8(data.clone()).unwrap(),
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn exports_are_told_apart_from_scenarios() {
    assert!(is_export(&temp("a.jsonl", b"")));
    assert!(is_export(&temp("a.ndjson", b"")));
    assert!(is_export(&temp("a.json.gz", b"")));
    assert!(is_export(&temp("array.json", b"  [{\"event\":\"x\"}]")));
    assert!(is_export(&temp(
        "lines.json",
        b"{\"event\":\"x\",\"properties\":{}}\n{\"event\":\"y\"}\n"
    )));
    assert!(!is_export(&temp(
        "scenario.json",
        b"{\n  \"name\": \"s\",\n  \"steps\": []\n}\n"
    )));
    assert!(!is_export(&temp(
        "oneline.json",
        br#"{"name":"s","steps":[{"device":"w","track":"x"}]}"#
    )));
    // gzip by content, whatever the name.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(SMALL.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let p = temp("export.bin", &gz);
    assert!(is_export(&p));
    let app = ExportApp::loaded(open(&p).unwrap(), Mode::Simplified, Knobs::default());
    let index = app.index.as_ref().unwrap();
    assert_eq!(index.events.len(), 6);
    assert_eq!(index.bad_count, 1);
}

#[test]
fn loading_counts_malformed_lines_and_reads_arrays() {
    let app = app();
    let index = app.index.as_ref().unwrap();
    assert_eq!(index.events.len(), 6);
    assert_eq!(index.bad_count, 1);
    assert_eq!(index.bad[0].line, 6);
    assert_eq!(index.events[2].line(), 4, "line numbers count blank lines");
    assert!(app.event_text(1).contains(r#""event":"Sign Up""#));
    let arr = ExportApp::loaded(
        parse(
            "a",
            br#"[{"event":"A","properties":{"distinct_id":"u"}}, 5]"#,
        ),
        Mode::Simplified,
        Knobs::default(),
    );
    assert_eq!(arr.index.as_ref().unwrap().events.len(), 1);
    assert_eq!(arr.index.as_ref().unwrap().bad_count, 1);
    let mut broken = ExportApp::loaded(
        parse("a.json", b"[{\"event\":"),
        Mode::Simplified,
        Knobs::default(),
    );
    let err = broken.failed.clone().expect("a broken array is an error");
    assert!(err.starts_with("a.json:1:"), "{err}");
    broken.theme = &theme::MONO;
    let s = draw(&mut broken, 80, 20);
    assert!(s.contains("a.json:1:"), "the screen says why:\n{s}");
    assert!(key(&mut broken, 'q').contains(&Effect::Quit));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    // The explorer reads exports through the same reader as `idscope resolve`.
    let with_bom = [b"\xef\xbb\xbf".as_slice(), SMALL.as_bytes()].concat();
    let app = ExportApp::loaded(
        open(&temp("bom.jsonl", &with_bom)).unwrap(),
        Mode::Simplified,
        Knobs::default(),
    );
    let index = app.index.as_ref().unwrap();
    assert_eq!(index.events.len(), 6);
    assert_eq!(index.bad_count, 1);
    assert!(app.event_text(0).starts_with(r#"{"event":"Page View""#));
    let array = br#"[{"event":"A","properties":{"distinct_id":"u"}}]"#;
    let arr = ExportApp::loaded(
        parse("a", &[b"\xef\xbb\xbf".as_slice(), array].concat()),
        Mode::Simplified,
        Knobs::default(),
    );
    assert_eq!(arr.index.as_ref().unwrap().events.len(), 1);
    assert_eq!(arr.index.as_ref().unwrap().bad_count, 0);
}

#[test]
fn the_screen_says_it_is_reading_until_the_first_pass_is_done() {
    let mut app = ExportApp::new(
        parse("small.jsonl", SMALL.as_bytes()),
        Mode::Simplified,
        Knobs::default(),
    );
    app.theme = &theme::MONO;
    let fx = idscope::tui::shell::Screen::start(&mut app);
    assert_eq!(fx, vec![Effect::Job(Job::Index(Mode::Simplified))]);
    let s = draw(&mut app, 100, 20);
    assert!(
        s.contains("reading small.jsonl") && s.contains("resolving it under Simplified"),
        "{s}"
    );
    // Keys wait for the data, except quit and help.
    key(&mut app, 'j');
    assert_eq!(app.message.as_deref(), Some("still reading the export…"));
    key(&mut app, '?');
    assert!(app.help);
}

#[test]
fn users_are_listed_largest_first_with_counts() {
    let mut app = app();
    let s = draw(&mut app, 100, 20);
    assert!(
        s.contains("6 events · 4 users · 1 malformed line(s) skipped"),
        "{s}"
    );
    // The no-user row first (the junk id's event), then alice (2 ids: her device and her).
    assert_eq!(app.rows()[0], Row::NoUser);
    assert_eq!(listed(&app)[1], "alice");
    let r = app.resolution().unwrap();
    let Row::User(alice, _) = app.rows()[1] else {
        panic!()
    };
    assert_eq!(r.users[alice as usize].members.len(), 2);
    assert_eq!(r.users[alice as usize].events, 2);
    assert!(s.contains("no user: 1 event(s) stored under no id"), "{s}");
    insta::assert_snapshot!("export_view_users_simplified", s);
}

#[test]
fn the_summary_pane_shows_what_resolve_reports_and_filters_the_users() {
    let mut app = app();
    let s = draw(&mut app, 140, 34);
    // Beside the list on a wide terminal: counts, effects, failures, sizes, suspects.
    for text in [
        "Summary · Simplified ID Merge",
        "events",
        "errAnonDistinctIdAssignedAlready",
        "invalidDistinctId",
        "cluster sizes",
        "phantom users",
        "junk ids",
    ] {
        assert!(s.contains(text), "{text} missing:\n{s}");
    }
    insta::assert_snapshot!("export_view_summary_simplified", s);
    // Tab into the summary; the failure line filters the users to bob, and its meaning in
    // this mode shows under it.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Summary);
    let at = app
        .summary_items()
        .iter()
        .position(|i| i.label == "errAnonDistinctIdAssignedAlready")
        .unwrap();
    press(&mut app, KeyCode::Home);
    for _ in 0..at {
        key(&mut app, 'j');
    }
    let s = draw(&mut app, 140, 34);
    let meaning =
        idscope_core::failures::meaning("errAnonDistinctIdAssignedAlready", Mode::Simplified);
    let first_words: String = meaning.split(' ').take(4).collect::<Vec<_>>().join(" ");
    assert!(s.contains(&first_words), "the meaning shows:\n{s}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.filter,
        Filter::Failure("errAnonDistinctIdAssignedAlready")
    );
    assert_eq!(app.focus, Focus::Users);
    assert_eq!(listed(&app), vec!["bob"]);
    let s = draw(&mut app, 140, 34);
    assert!(
        s.contains("Users · with errAnonDistinctIdAssignedAlready · 1 of 4"),
        "{s}"
    );
    // S-DID: the bare d2 a server sent is a suspected phantom user.
    press(&mut app, KeyCode::Tab);
    let phantom = app
        .summary_items()
        .iter()
        .position(|i| i.label == "phantom users")
        .unwrap();
    press(&mut app, KeyCode::Home);
    for _ in 0..phantom {
        key(&mut app, 'j');
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(listed(&app), vec!["d2"]);
    // Esc clears the filter.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.filter, Filter::All);
    assert_eq!(app.user_rows(), 4);
    // Every figure line that filters keeps only users that have it.
    let r = app.resolution().unwrap();
    for item in app.summary_items() {
        if let Pick::Filter(f) = item.pick {
            let kept = (0..r.users.len()).filter(|&u| f.keeps(r, u)).count();
            assert!(kept <= r.users.len(), "{f:?}");
        }
    }
}

#[test]
fn on_a_narrow_terminal_tab_shows_the_summary_instead_of_the_list() {
    let mut app = app();
    let s = draw(&mut app, 80, 24);
    assert!(!s.contains("Summary ·") && s.contains("Users ·"), "{s}");
    press(&mut app, KeyCode::Tab);
    let s = draw(&mut app, 80, 24);
    assert!(s.contains("Summary ·") && !s.contains("Users ·"), "{s}");
    insta::assert_snapshot!("export_view_summary_80x24", s);
}

#[test]
fn enter_opens_the_users_timeline_then_an_event_and_esc_goes_back() {
    let mut app = app();
    select_user(&mut app, "alice");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.timeline().len(),
        2,
        "alice: the anonymous page view and the signup"
    );
    let s = draw(&mut app, 130, 16);
    assert!(s.contains("Timeline · alice · 2 event(s)"), "{s}");
    // The final id and effect are pinned; the time and ingest id scroll sideways (H/L).
    assert!(s.contains("Page View") && s.contains("alice"), "{s}");
    assert!(s.contains("linked (S-LINK)"), "{s}");
    for _ in 0..4 {
        key(&mut app, 'L');
    }
    let side = draw(&mut app, 130, 16);
    assert!(side.contains("2023-11-14T22:13:20Z"), "{side}");
    assert!(side.contains("$device:d1"), "{side}");
    for _ in 0..4 {
        key(&mut app, 'H');
    }
    insta::assert_snapshot!("export_view_timeline_alice", s);
    // Enter: the sign-up in full, identity fields and verdict with its rule.
    key(&mut app, 'j');
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.detail, Some(1));
    let s = draw(&mut app, 100, 30);
    assert!(s.contains("line 2 of small.jsonl"), "{s}");
    assert!(s.contains("linked · S-LINK"), "{s}");
    assert!(s.contains("\"$user_id\": \"alice\""), "{s}");
    insta::assert_snapshot!("export_view_event_detail", s);
    // y copies the line as it is in the file; Y the user's events as NDJSON.
    let one = copied(&key(&mut app, 'y'));
    assert_eq!(one, format!("{}\n", SMALL.lines().nth(1).unwrap()));
    let all = copied(&key(&mut app, 'Y'));
    assert_eq!(all.lines().count(), 2);
    assert!(all
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.detail, None);
    press(&mut app, KeyCode::Esc);
    assert!(app.open.is_none());
    // Bob's failed login is on his own timeline, with its reason.
    select_user(&mut app, "bob");
    press(&mut app, KeyCode::Enter);
    let s = draw(&mut app, 160, 16);
    assert!(
        s.contains("Log In") && s.contains("errAnonDistinctIdAssignedAlready"),
        "{s}"
    );
    // And its detail says what the code means under Simplified.
    press(&mut app, KeyCode::Enter);
    let s = draw(&mut app, 160, 30);
    assert!(s.contains("meaning"), "{s}");
}

#[test]
fn slash_searches_ids_by_substring_or_exactly_and_shows_the_member_that_matched() {
    let mut app = app();
    key(&mut app, '/');
    assert!(app.searching);
    key(&mut app, 'd');
    // "d" is in $device:d1 (alice's), d2 and $device:d2 (two users), and in "undefined"
    // (the no-user bucket).
    // Same size and events: by name.
    assert_eq!(listed(&app), vec!["∅", "alice", "$device:d2", "d2"]);
    key(&mut app, '2');
    assert_eq!(app.user_rows(), 2);
    // Letters are text while searching: `q` does not quit, `m` does not switch.
    key(&mut app, 'q');
    assert!(!app.should_quit);
    assert_eq!(app.rows().len(), 0);
    let s = draw(&mut app, 100, 20);
    assert!(s.contains("/ d2q") && s.contains("0 match(es)"), "{s}");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(!app.searching, "Enter ends typing, the search stays");
    assert_eq!(app.user_rows(), 2);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.query, "");
    // Exactly: `=$device:d1` lands on alice, with the member that matched shown.
    key(&mut app, '/');
    keys(&mut app, "=$device:d1");
    press(&mut app, KeyCode::Enter);
    assert_eq!(listed(&app), vec!["alice"]);
    let s = draw(&mut app, 100, 20);
    assert!(
        s.contains("exact · 1 match(es)") && s.contains("match $device:d1"),
        "{s}"
    );
    press(&mut app, KeyCode::Esc);
    // `=d` matches no id exactly.
    key(&mut app, '/');
    keys(&mut app, "=d");
    assert!(app.rows().is_empty());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.user_rows(), 4);
}

#[test]
fn g_invalid_refused_events_are_reachable_through_the_no_user_row() {
    let mut app = app();
    key(&mut app, '/');
    keys(&mut app, "undefined");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.rows(), &[Row::NoUser]);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.open, Some(Open::NoUser));
    assert_eq!(app.timeline().len(), 1);
    let s = draw(&mut app, 160, 16);
    assert!(
        s.contains("Junk") && s.contains("invalidDistinctId") && s.contains("no user"),
        "{s}"
    );
    press(&mut app, KeyCode::Enter);
    let s = draw(&mut app, 100, 30);
    assert!(
        s.contains("rejected · G-INVALID · invalidDistinctId"),
        "{s}"
    );
    assert!(s.contains("stored under no id"), "{s}");
}

#[test]
fn other_modes_resolve_in_the_background_and_a_switch_keeps_the_open_user() {
    let mut app = app();
    // After the first screen the next mode is on its way, the last queued.
    assert_eq!(app.running, Some(Mode::Legacy));
    assert!(!app.is_cached(Mode::Original));
    select_user(&mut app, "alice");
    press(&mut app, KeyCode::Enter);
    // Asked for before it is ready: it comes next, and the screen stays on Simplified.
    assert!(key(&mut app, '2').is_empty());
    assert_eq!(app.pending, Some(Mode::Original));
    assert_eq!(app.mode, Mode::Simplified);
    let s = draw(&mut app, 100, 20);
    assert!(s.contains("resolving under Original ID Merge…"), "{s}");
    assert!(s.contains("Original ID Merge (next)"), "{s}");
    app.finish_jobs();
    assert!(app.is_cached(Mode::Original) && app.is_cached(Mode::Legacy));
    assert_eq!(app.mode, Mode::Original);
    // The open user stays open across modes (by id). O-EVENT: Original ignores
    // $device_id/$user_id on events, so alice's cluster is alice alone: her sign-up only.
    let r = app.resolution().unwrap();
    assert_eq!(
        app.open,
        Some(Open::User(r.user_of_name("alice").unwrap() as u32))
    );
    assert_eq!(app.timeline().len(), 1);
    press(&mut app, KeyCode::Esc);
    let s = draw(&mut app, 100, 20);
    assert!(s.contains("canonical (Mixpanel-chosen)"), "{s}");
    insta::assert_snapshot!("export_view_users_original", s);
    // Cached: instant.
    assert!(key(&mut app, '3').is_empty());
    assert_eq!(app.mode, Mode::Simplified);
    assert!(key(&mut app, 'm').is_empty());
    assert_eq!(app.mode, Mode::Legacy);
    assert!(key(&mut app, 'q').contains(&Effect::Quit));
}

#[test]
fn w_writes_the_user_as_a_scenario_that_replays_to_the_same_cluster() {
    let mut app = app();
    app.finish_jobs();
    for mode in Mode::ALL {
        update(&mut app, XAction::ModeSet(mode));
        press(&mut app, KeyCode::Esc);
        select_user(&mut app, "alice");
        let fx = key(&mut app, 'w');
        let [Effect::Write {
            path,
            bytes,
            overwrite,
            ..
        }] = fx.as_slice()
        else {
            panic!("{fx:?}")
        };
        assert!(!overwrite, "never replaces a file silently");
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!(
                "user-alice.{}.json",
                idscope_core::model::Choice::name(mode)
            )
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        let scenario =
            idscope_core::scenario::parse(&text, "user-alice.json").expect("a valid scenario");
        let run = idscope_core::Run::new(&scenario, idscope_core::RunConfig::new(mode));
        let clusters = run.clusters(run.steps.len());
        let r = app.resolution().unwrap();
        let u = r.user_of_name("alice").unwrap();
        let mut want: Vec<&str> = r.users[u].members.iter().map(|&m| r.name(m)).collect();
        want.sort();
        let got = clusters
            .iter()
            .find(|c| c.members.iter().any(|m| m == "alice"))
            .map(|c| {
                let mut m: Vec<&str> = c.members.iter().map(String::as_str).collect();
                m.sort();
                m
            });
        assert_eq!(got, Some(want), "{mode:?}");
    }
}

#[test]
fn hostile_ids_render_escaped_and_fit_at_any_size() {
    let long = "x".repeat(100 * 1024);
    let data = format!(
        "{{\"event\":\"E\\u001b[31m\",\"properties\":{{\"distinct_id\":\"{long}\",\"time\":1}}}}\n\
         {{\"event\":\"F\",\"properties\":{{\"distinct_id\":\"evil\\u202e\\u0007id\",\"time\":2}}}}\n"
    );
    let p = temp("hostile.jsonl", data.as_bytes());
    let mut app = ExportApp::loaded(open(&p).unwrap(), Mode::Simplified, Knobs::default());
    for open in [false, true] {
        if open {
            press(&mut app, KeyCode::Enter);
        }
        for (w, h) in [(1, 1), (50, 14), (80, 24), (300, 60), (2, 200), (65535, 3)] {
            let s = draw(&mut app, w, h);
            assert!(
                !s.chars()
                    .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
                "a control character reached the screen at {w}×{h}"
            );
        }
    }
    key(&mut app, '/');
    for c in "\u{202e}x".chars() {
        key(&mut app, c);
    }
    let s = draw(&mut app, 80, 24);
    assert!(!s.contains('\u{202e}'));
}

/// The real binary on an export in tmux: list, timeline, mode switch, quit.
#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn export_view_in_tmux() {
    use crate::common::tmux::{require_tmux, Tmux};
    require_tmux();
    let p = temp("tmux.jsonl", SMALL.as_bytes());
    let cmd = format!(
        "'{}' '{}'; echo EXIT=$?; sleep 30",
        env!("CARGO_BIN_EXE_idscope"),
        p.display()
    );
    let t = Tmux::start("xview", &cmd, 120, 30).expect("tmux session starts");
    let s = t.wait_text("Users · all users · 4");
    assert!(s.contains("1 malformed line(s) skipped"), "{s}");
    // The summary sits beside the list at 120 columns.
    assert!(s.contains("Summary · Simplified ID Merge"), "{s}");
    t.keys(&["Enter"]);
    t.wait_text("Timeline · alice · 2 event(s)");
    t.keys(&["j", "Enter"]);
    t.wait_text("linked · S-LINK");
    // Separately: ESC followed at once by `2` reads as Alt-2.
    // One Escape at a time: two sent at once can read as one Alt-Escape.
    t.keys(&["Escape"]);
    t.wait_text("Timeline · alice · 2 event(s)");
    t.keys(&["Escape"]);
    t.wait_text("Users · all users");
    t.keys(&["2"]);
    t.wait_text("canonical (Mixpanel-chosen)");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}

#[test]
fn question_mark_lists_every_key_and_esc_closes_it() {
    let mut app = app();
    key(&mut app, '?');
    assert!(app.help);
    let s = draw(&mut app, 100, 40);
    for k in idscope::tui::export_view::KEYS {
        let label = idscope::tui::keymap::keys_label(k);
        assert!(s.contains(&label), "{label} missing from the help:\n{s}");
    }
    insta::assert_snapshot!("export_view_help", s);
    // On a small terminal it scrolls to its end.
    let small = draw(&mut app, 80, 24);
    assert!(!small.contains("q/Ctrl-C"), "{small}");
    key(&mut app, 'G');
    let end = draw(&mut app, 80, 24);
    assert!(
        end.contains("q/Ctrl-C") && end.contains("While searching"),
        "{end}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(app.user_rows(), 4, "Esc only closed the help");
}

#[test]
fn d_shows_what_a_migration_would_change_and_opens_a_change_side_by_side() {
    let mut app = app();
    app.finish_jobs();
    // L-EVENT vs S-LINK: under Legacy the page view stays with the anonymous device, so
    // alice is two users ($device:d1 and alice); Simplified links them: a merge, 2 → 1.
    update(&mut app, XAction::ModeSet(Mode::Legacy));
    let fx = key(&mut app, 'D');
    assert_eq!(
        fx,
        vec![Effect::Job(Job::Diff(Mode::Legacy, Mode::Simplified))]
    );
    let s = draw(&mut app, 120, 24);
    assert!(
        s.contains("comparing Legacy with Simplified ID Merge"),
        "{s}"
    );
    app.run_now(fx);
    let (d, c) = app.diff_change().expect("a change");
    assert_eq!(c.kind, idscope_core::diff::ChangeKind::Merge);
    let from: Vec<&str> = c.from_users.iter().map(|&u| d.from.label(u)).collect();
    assert_eq!(from.len(), 2);
    assert!(
        from.contains(&"alice") && from.contains(&"$device:d1"),
        "{from:?}"
    );
    assert_eq!(d.to.label(c.to_users[0]), "alice");
    let s = draw(&mut app, 120, 24);
    assert!(
        s.contains("Migration diff · Legacy → Simplified ID Merge"),
        "{s}"
    );
    assert!(s.contains("merge"), "{s}");
    insta::assert_snapshot!("export_view_diff_legacy_simplified", s);
    press(&mut app, KeyCode::Enter);
    let s = draw(&mut app, 120, 24);
    assert!(
        s.contains("under Legacy: 2 user(s)") && s.contains("under Simplified ID Merge: 1 user(s)"),
        "{s}"
    );
    // w: the merged user as a scenario (the side where the change is one user).
    let fx = key(&mut app, 'w');
    let [Effect::Write { path, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert!(path.ends_with("user-alice.simplified.json"), "{path:?}");
    // t: compare with the other mode; Esc closes the change, then the screen.
    press(&mut app, KeyCode::Esc);
    let fx = key(&mut app, 't');
    assert_eq!(
        fx,
        vec![Effect::Job(Job::Diff(Mode::Legacy, Mode::Original))]
    );
    app.run_now(fx);
    let s = draw(&mut app, 120, 24);
    assert!(s.contains("Legacy → Original ID Merge"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(app.diff.is_none());
    assert_eq!(app.context(), idscope::tui::export_view::ctx::LIST);
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn a_truncated_export_gives_the_terminal_back_and_says_so() {
    use crate::common::tmux::{require_tmux, Tmux};
    require_tmux();
    // Many pages of events: the timeline reads them from the mapped file.
    let mut data = String::new();
    for i in 0..20_000 {
        data.push_str(&format!(
            "{{\"event\":\"E\",\"properties\":{{\"distinct_id\":\"u{}\",\"time\":1767258000,\"$insert_id\":\"i{i}\"}}}}\n",
            i % 50
        ));
    }
    let p = temp("truncated.jsonl", data.as_bytes());
    let cmd = format!(
        "'{}' '{}'; echo EXIT=$?; stty -a | grep -o -- '-*icanon' | head -1; sleep 30",
        env!("CARGO_BIN_EXE_idscope"),
        p.display()
    );
    let t = Tmux::start("xtrunc", &cmd, 120, 30).expect("tmux session starts");
    t.wait_text("Users · all users · 50");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(0)
        .unwrap();
    t.keys(&["Enter"]);
    let s = t.wait_text("EXIT=2");
    assert!(s.contains("changed while being read (truncated?)"), "{s}");
    // The main screen is back (the app's screen is gone) and the terminal is cooked again.
    assert!(!s.contains("Users · all users"), "{s}");
    let after = t.wait_for("stty's answer", |s| s.contains("icanon"));
    assert!(after.lines().any(|l| l.trim() == "icanon"), "{after}");
}
