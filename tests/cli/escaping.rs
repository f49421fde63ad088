//! Issue 17, item 11: data on a terminal can never drive it. Ids that would set the window
//! title, write the clipboard (OSC 52), clear the screen, or reorder and hide text (C1 CSI
//! U+009B, U+061C ARABIC LETTER MARK, tag characters) are escaped when stdout is a terminal,
//! in every format (JSON stays the same, valid JSON); a file or pipe gets the bytes as they
//! are. Errors on stderr are escaped too.

use crate::common::tmux::{require_tmux, Tmux};
use crate::common::{idscope, idscope_raw, temp_file};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

/// Ids that each try something on a terminal.
const HOSTILE: [&str; 6] = [
    "title\u{1b}]0;PWNED\u{7}x",
    "clip\u{1b}]52;c;aGk=\u{7}x",
    "clear\u{1b}[2Jx",
    "csi\u{9b}31mx",
    "alm\u{61c}x",
    "tag\u{e0041}x",
];

/// What a terminal must never receive raw.
const RAW: [char; 5] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{61c}', '\u{e0041}'];

fn hostile_export() -> std::path::PathBuf {
    let lines: Vec<String> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({"event": "A", "properties": {"distinct_id": id, "time": i + 1}})
                .to_string()
        })
        .collect();
    temp_file("escaping", "hostile.jsonl", lines.join("\n").as_bytes())
}

/// Fails when `script` (util-linux) is missing: a terminal test that skips would report a
/// pass it never earned.
fn require_script() {
    assert!(
        Command::new("script")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "`script` (util-linux) is needed to run idscope on a terminal: install it"
    );
}

/// Runs idscope with stdout on a pseudo-terminal (`script`), and stderr too or not (the
/// progress bar draws with escapes of its own): the exit code and every byte written there
/// (the terminal's CR LF read back as LF).
fn on_a_terminal(args: &[&str], stderr_too: bool) -> (i32, String) {
    require_script();
    let quoted: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let out = Command::new("script")
        .args([
            "-qec",
            &format!(
                "{}{}",
                quoted.join(" "),
                if stderr_too { "" } else { " 2>/dev/null" }
            ),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8 on the terminal");
    (out.status.code().unwrap_or(-1), text.replace("\r\n", "\n"))
}

fn assert_no_raw(what: &str, out: &str) {
    for c in RAW {
        assert!(
            !out.contains(c),
            "{what}: raw {c:?} on the terminal:\n{out}"
        );
    }
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn mapping_csv_on_a_terminal_cannot_set_the_title_or_clear_the_screen_and_a_pipe_gets_it_raw() {
    require_tmux();
    let p = hostile_export();
    let cmd = format!(
        "echo MARKER; '{BIN}' resolve '{}' --mode simplified --format mapping-csv; echo EXIT=$?; sleep 30",
        p.display()
    );
    let t = Tmux::start("escaping-csv", &cmd, 120, 30).expect("tmux session starts");
    let screen = t.wait_text("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("MARKER"),
        "the screen was cleared:\n{screen}"
    );
    for shown in [
        r"title\x1b]0;PWNED\x07x",
        r"clip\x1b]52;c;aGk=\x07x",
        r"clear\x1b[2Jx",
        r"csi\u{9b}31mx",
        r"alm\u{61c}x",
        r"tag\u{e0041}x",
    ] {
        assert!(
            screen.contains(&format!("{shown},{shown}")),
            "{shown}:\n{screen}"
        );
    }
    let title = t
        .run(&["display-message", "-p", "-t", "t", "#{pane_title}"])
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(!title.contains("PWNED"), "the title was set: {title}");
    // A pipe gets the ids as they are: valid CSV, nothing lost.
    let (code, out, err) = idscope_raw(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "mapping-csv",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let mut ids = HOSTILE.to_vec();
    ids.sort();
    let mut expected = String::from("distinct_id,resolved_distinct_id\n");
    for id in ids {
        expected.push_str(&format!("{id},{id}\n"));
    }
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn json_on_a_terminal_escapes_c1_bidi_and_tags_and_stays_the_same_json() {
    let p = hostile_export();
    let path = p.to_str().unwrap();
    for format in ["json", "resolved-jsonl"] {
        let args = ["resolve", path, "--mode", "simplified", "--format", format];
        let (code, tty) = on_a_terminal(&args, false);
        assert_eq!(code, 0, "{tty}");
        assert_no_raw(format, &tty);
        assert!(
            tty.contains(r"csi\u009b31mx")
                && tty.contains(r"alm\u061cx")
                && tty.contains(r"tag\udb40\udc41x"),
            "{format}:\n{tty}"
        );
        let (_, piped, _) = idscope(&args, None);
        assert!(piped.contains('\u{9b}'), "a pipe gets the raw text");
        let values = |s: &str| -> Vec<serde_json::Value> {
            serde_json::Deserializer::from_str(s)
                .into_iter()
                .map(|v| v.expect("valid JSON"))
                .collect()
        };
        assert_eq!(values(&tty), values(&piped), "{format}: the same JSON");
    }
}

#[test]
fn text_and_csv_exports_and_run_json_on_a_terminal_are_escaped() {
    let nasty = "\u{1b}]0;PWNED\u{7}\u{9b}2J\u{61c}\u{e0041}";
    let scenario = serde_json::json!({
        "name": "Nasty",
        "steps": [
            { "device": "web", "visit": "Home" },
            { "device": "web", "signup": nasty }
        ]
    });
    let p = temp_file(
        "escaping",
        "nasty-scenario.json",
        scenario.to_string().as_bytes(),
    );
    let path = p.to_str().unwrap();
    for format in [
        "mapping-csv",
        "json",
        "ndjson",
        "curl-import",
        "mermaid",
        "dot",
    ] {
        let args = ["export", path, "--mode", "simplified", "--format", format];
        let (code, tty) = on_a_terminal(&args, false);
        assert_eq!(code, 0, "{format}: {tty}");
        assert_no_raw(format, &tty);
        let (_, piped, _) = idscope(&args, None);
        if format == "json" {
            let a: serde_json::Value = serde_json::from_str(&tty).expect("valid JSON");
            let b: serde_json::Value = serde_json::from_str(&piped).unwrap();
            assert_eq!(a, b);
        }
    }
    let (code, tty) = on_a_terminal(&["run", path, "--mode", "legacy"], false);
    assert_eq!(code, 0, "{tty}");
    assert_no_raw("run", &tty);
    let (_, piped, _) = idscope(&["run", path, "--mode", "legacy"], None);
    let a: serde_json::Value = serde_json::from_str(&tty).expect("valid JSON");
    let b: serde_json::Value = serde_json::from_str(&piped).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_bad_argument_is_echoed_escaped() {
    let (code, out, err) = idscope(
        &["resolve", "x.jsonl", "--mode", "csi\u{9b}2J\u{61c}x"],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_no_raw("stderr", &err);
    assert!(err.contains(r"csi\u{9b}2J\u{61c}x"), "{err}");
    // On a terminal too (clap would write it raw there, colours and all).
    let (code, tty) = on_a_terminal(
        &["resolve", "x.jsonl", "--mode", "\u{1b}]0;PWNED\u{7}x"],
        true,
    );
    assert_eq!(code, 2);
    assert_no_raw("stderr on a terminal", &tty);
    assert!(tty.contains("invalid value"), "{tty}");
}
