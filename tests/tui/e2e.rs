//! End to end: the real binary in tmux (start, step, switch mode, help, resize, quit), and
//! the hint printed when stdout is not a terminal. Polls for text with a bounded timeout
//! (IDSCOPE_E2E_TIMEOUT_MS, default 10 s) instead of sleeping; fails when tmux is missing.

use crate::common::tmux::{require_tmux, Tmux};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

fn scenario_file(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("idscope-e2e-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("shared.json");
    std::fs::write(&path, crate::support::SHARED).expect("write scenario");
    path
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn explorer_in_tmux_steps_switches_mode_helps_resizes_and_quits() {
    require_tmux();
    let file = scenario_file("session");
    let cmd = format!(
        "NO_COLOR= '{}' '{}'; echo EXIT=$?; sleep 30",
        BIN,
        file.display()
    );
    let t = Tmux::start("session", &cmd, 120, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    t.wait_text("Simplified ID Merge");

    // Step twice, back once.
    t.keys(&["l"]);
    t.wait_text("step 2/6");
    t.keys(&["Right"]);
    t.wait_text("step 3/6");
    t.keys(&["h"]);
    let s = t.wait_text("step 2/6");
    assert!(s.contains("▶ 2 laptop"), "{s}");

    // Switch mode: the step stays.
    t.keys(&["2"]);
    let s = t.wait_text("follows mode (original)");
    assert!(
        s.contains("step 2/6") && s.contains("Mixpanel-chosen"),
        "{s}"
    );
    t.keys(&["m"]);
    let s = t.wait_text("follows mode (simplified)");
    assert!(s.contains("step 2/6"), "{s}");

    // Help opens and closes; it swallows stepping.
    t.keys(&["?"]);
    t.wait_text("Help · keys");
    t.keys(&["l"]);
    t.keys(&["Escape"]);
    let s = t.wait_for("help to close", |s| !s.contains("Help · keys"));
    assert!(s.contains("step 2/6"), "help swallowed `l`:\n{s}");

    // Resize: stacked below 100 columns, "too small" below the minimum, back again.
    t.run(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let s = t.wait_for("the stacked layout", |s| {
        let row = |needle: &str| s.lines().position(|l| l.contains(needle));
        matches!((row("Steps ·"), row("Payloads ·")), (Some(a), Some(b)) if b > a)
    });
    assert!(s.contains("step 2/6"), "{s}");
    t.run(&["resize-window", "-t", "t", "-x", "40", "-y", "10"]);
    t.wait_text("terminal too small (40×10)");
    t.run(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    t.wait_for("the side-by-side layout", |s| {
        s.lines()
            .any(|l| l.contains("Steps ·") && l.contains("Payloads ·"))
    });

    // Quit restores the terminal (back on the main screen) and exits 0.
    t.keys(&["q"]);
    let s = t.wait_text("EXIT=0");
    assert!(
        !s.contains("Steps ·"),
        "the alternate screen was left:\n{s}"
    );
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn ctrl_c_quits_from_an_overlay() {
    require_tmux();
    let file = scenario_file("ctrlc");
    let cmd = format!("'{}' '{}'; echo EXIT=$?; sleep 30", BIN, file.display());
    let t = Tmux::start("ctrlc", &cmd, 100, 30).expect("tmux session starts");
    t.wait_text("step 1/6");
    t.keys(&["e"]);
    t.wait_text("Events ·");
    t.keys(&["C-c"]);
    t.wait_text("EXIT=0");
}

#[test]
fn without_a_terminal_it_points_to_run() {
    let file = scenario_file("notty");
    let out = Command::new(BIN).arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdout is not one"), "{err}");
    assert!(
        err.contains(&format!("idscope run {} --mode", file.display())),
        "{err}"
    );
}

#[test]
fn a_missing_file_fails_before_touching_the_terminal() {
    let out = Command::new(BIN)
        .arg("/nonexistent/idscope/x.json")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such file"), "{err}");
}

/// Issue 15: the identity graph in the real binary follows the cursor and the mode.
#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn the_graph_view_follows_steps_and_modes_in_tmux() {
    require_tmux();
    let file = scenario_file("graph");
    let cmd = format!(
        "NO_COLOR= '{}' '{}'; echo EXIT=$?; sleep 30",
        BIN,
        file.display()
    );
    let t = Tmux::start("graph", &cmd, 120, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    // Step 2 (Alice signs up), Simplified: the laptop is linked to alice.
    t.keys(&["l", "i"]);
    let s = t.wait_text("Identity graph · step 2/6");
    assert!(s.contains("★ user alice"), "{s}");
    assert!(s.contains("linked device laptop"), "{s}");
    assert!(!s.contains("╌╳╌▶"), "nothing refused yet:\n{s}");
    // Step to Bob's login on the same laptop, all clusters: a refused link appears.
    t.keys(&["l", "l", "l", "a"]);
    let s = t.wait_text("Identity graph · step 5/6");
    let s = if s.contains("errAnonDistinctIdAssignedAlready") {
        s
    } else {
        t.wait_text("errAnonDistinctIdAssignedAlready")
    };
    assert!(s.contains("╌╳╌▶"), "{s}");
    // Switch to Original: the graph is redrawn for that mode (a GUID refusal instead).
    t.keys(&["2"]);
    let s = t.wait_text("errAnonDistinctIdNonGUIDForm");
    assert!(s.contains("Original ID Merge"), "{s}");
    assert!(s.contains("merged"), "{s}");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}
