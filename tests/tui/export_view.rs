//! `idscope FILE.jsonl` (issue 6, explorer part): detection, loading, the cluster list,
//! search, a user's timeline and mode switches, through update() and TestBackend snapshots.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::export_view::load::{is_export, load, parse};
use idscope::tui::export_view::{map_event, update, ExportApp, XAction};
use idscope::tui::shell::{Effect, Job};
use idscope::tui::theme;
use idscope_core::model::{Knobs, Mode};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::io::Write;
use std::path::PathBuf;

/// The small export of tests/resolve.rs, plus a malformed line.
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
);

fn temp(name: &str, data: &[u8]) -> PathBuf {
    crate::common::temp_file("tui-xview", name, data)
}

fn app() -> ExportApp {
    // From memory: tests run in parallel, and a file rewritten by one can be read half
    // written by another (loading from disk is tested on files of their own).
    let input = parse("small.jsonl".into(), SMALL.as_bytes()).unwrap();
    let mut app = ExportApp::new(input, Mode::Simplified, Knobs::default());
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
    let input = load(&p).unwrap();
    assert_eq!(input.events.len(), 5);
    assert_eq!(input.bad_count, 1);
}

#[test]
fn loading_counts_malformed_lines_and_reads_arrays() {
    let input = parse("x".into(), SMALL.as_bytes()).unwrap();
    assert_eq!(input.events.len(), 5);
    assert_eq!(input.bad_count, 1);
    assert_eq!(input.bad[0].line, 6);
    assert_eq!(input.events[2].line, 4, "line numbers count blank lines");
    assert_eq!(input.event_and_time(1).0, "Sign Up");
    assert_eq!(
        input.event_and_time(2).1,
        Some(1700000002.0),
        "milliseconds read"
    );
    let arr = parse(
        "a".into(),
        br#"[{"event":"A","properties":{"distinct_id":"u"}}, 5]"#,
    )
    .unwrap();
    assert_eq!(arr.events.len(), 1);
    assert_eq!(arr.bad_count, 1);
    let err = parse("a.json".into(), b"[{\"event\":").unwrap_err();
    assert!(err.starts_with("a.json:1:"), "{err}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    // The explorer reads exports through the same reader as `idscope resolve`.
    let with_bom = [b"\xef\xbb\xbf".as_slice(), SMALL.as_bytes()].concat();
    let input = load(&temp("bom.jsonl", &with_bom)).unwrap();
    assert_eq!(input.events.len(), 5);
    assert_eq!(input.bad_count, 1);
    assert_eq!(input.event_and_time(0).0, "Page View");
    let array = br#"[{"event":"A","properties":{"distinct_id":"u"}}]"#;
    let arr = parse("a".into(), &[b"\xef\xbb\xbf".as_slice(), array].concat()).unwrap();
    assert_eq!(arr.events.len(), 1);
    assert_eq!(arr.bad_count, 0);
}

#[test]
fn clusters_are_listed_largest_first_with_counts() {
    let mut app = app();
    let s = draw(&mut app, 100, 20);
    assert!(
        s.contains("5 events · 4 clusters · 1 malformed line(s) skipped"),
        "{s}"
    );
    let first = app.shown().next().unwrap();
    assert_eq!(app.resolved().name(first.canonical), "alice");
    assert_eq!(first.members.len(), 2);
    assert_eq!(first.events, 2);
    insta::assert_snapshot!("export_view_clusters_simplified", s);
}

#[test]
fn enter_opens_the_users_timeline_and_esc_goes_back() {
    let mut app = app();
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
        press(&mut app, KeyCode::Char('L'));
    }
    let side = draw(&mut app, 130, 16);
    assert!(side.contains("2023-11-14T22:13:20Z"), "{side}");
    assert!(side.contains("$device:d1"), "{side}");
    for _ in 0..4 {
        press(&mut app, KeyCode::Char('H'));
    }
    insta::assert_snapshot!("export_view_timeline_alice", s);
    press(&mut app, KeyCode::Esc);
    assert!(app.open.is_none());
    // Bob's failed login is on his own timeline, with its reason.
    for _ in 0..3 {
        if app
            .selected_cluster()
            .map(|c| app.resolved().name(c.canonical))
            == Some("bob")
        {
            break;
        }
        key(&mut app, 'j');
    }
    press(&mut app, KeyCode::Enter);
    let s = draw(&mut app, 160, 16);
    assert!(
        s.contains("Log In") && s.contains("errAnonDistinctIdAssignedAlready"),
        "{s}"
    );
}

#[test]
fn slash_searches_ids_incrementally_and_esc_clears() {
    let mut app = app();
    key(&mut app, '/');
    assert!(app.searching);
    key(&mut app, 'd');
    // "d" is in $device:d1 (alice's), d2 and $device:d2.
    assert_eq!(app.shown_len(), 3);
    key(&mut app, '2');
    assert_eq!(app.shown_len(), 2);
    // Letters are text while searching: `q` does not quit, `m` does not switch.
    key(&mut app, 'q');
    assert!(!app.should_quit);
    assert_eq!(app.shown_len(), 0);
    let s = draw(&mut app, 100, 20);
    assert!(s.contains("/ d2q") && s.contains("0 match(es)"), "{s}");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(!app.searching, "Enter ends typing, the filter stays");
    assert_eq!(app.shown_len(), 2);
    press(&mut app, KeyCode::Enter);
    assert!(app.open.is_some(), "then Enter opens the match");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.query, "");
    assert_eq!(app.shown_len(), 4);
}

#[test]
fn mode_keys_re_resolve_once_and_cache() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    assert!(!app.is_cached(Mode::Original));
    let fx = key(&mut app, '2');
    assert_eq!(fx, vec![Effect::Job(Job::Resolve(Mode::Original))]);
    let s = draw(&mut app, 100, 20);
    assert!(
        s.contains("resolving 5 events under Original ID Merge…"),
        "{s}"
    );
    app.resolve_pending();
    assert_eq!(app.mode, Mode::Original);
    assert!(app.is_cached(Mode::Original));
    // The open user stays open across modes (by name).
    assert!(app.open.is_some());
    press(&mut app, KeyCode::Esc);
    let s = draw(&mut app, 100, 20);
    assert!(s.contains("Mixpanel-chosen"), "{s}");
    insta::assert_snapshot!("export_view_clusters_original", s);
    // Back to Simplified: cached, instant.
    assert!(key(&mut app, '3').is_empty());
    assert_eq!(app.mode, Mode::Simplified);
    assert_eq!(
        key(&mut app, 'm'),
        vec![Effect::Job(Job::Resolve(Mode::Legacy))]
    );
    app.resolve_pending();
    assert_eq!(app.mode, Mode::Legacy);
    assert!(key(&mut app, 'q').contains(&Effect::Quit));
}

#[test]
fn hostile_ids_render_escaped_and_fit_at_any_size() {
    let long = "x".repeat(100 * 1024);
    let data = format!(
        "{{\"event\":\"E\\u001b[31m\",\"properties\":{{\"distinct_id\":\"{long}\",\"time\":1}}}}\n\
         {{\"event\":\"F\",\"properties\":{{\"distinct_id\":\"evil\\u202e\\u0007id\",\"time\":2}}}}\n"
    );
    let p = temp("hostile.jsonl", data.as_bytes());
    let mut app = ExportApp::new(load(&p).unwrap(), Mode::Simplified, Knobs::default());
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
    let s = t.wait_text("Clusters · Simplified ID Merge · 4 users");
    assert!(s.contains("1 malformed line(s) skipped"), "{s}");
    t.keys(&["Enter"]);
    t.wait_text("Timeline · alice · 2 event(s)");
    // Separately: ESC followed at once by `2` reads as Alt-2.
    t.keys(&["Escape"]);
    t.wait_text("Clusters · Simplified");
    t.keys(&["2"]);
    t.wait_text("Mixpanel-chosen");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}

#[test]
fn question_mark_lists_every_key_and_esc_closes_it() {
    let mut app = app();
    key(&mut app, '?');
    assert!(app.help);
    let s = draw(&mut app, 100, 30);
    for k in idscope::tui::export_view::KEYS {
        let label = idscope::tui::keymap::keys_label(k);
        assert!(s.contains(&label), "{label} missing from the help:\n{s}");
    }
    insta::assert_snapshot!("export_view_help", s);
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(app.shown_len(), 4, "Esc only closed the help");
}
