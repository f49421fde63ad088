//! Issue 7: hostile input. Every invalid file gets a clear error (file, line:column or step,
//! what was expected) from `validate`, `run` and the loader behind the explorer — never a
//! panic. Hostile-but-valid input works, and no control character reaches the terminal.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 60, "the corpus is complete");
    files
}

fn idscope(args: &[&str]) -> (i32, String, String) {
    crate::common::idscope(args, None)
}

/// file:L:C: or file: step N: — and what was expected.
fn assert_clear(path: &Path, err: &str) {
    let file = path.display().to_string();
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("error: {file}")),
        "names the file: {first}"
    );
    let rest = &first[format!("error: {file}").len()..];
    let positioned = rest.starts_with(':')
        && rest[1..]
            .split(':')
            .take(2)
            .all(|n| n.parse::<usize>().is_ok());
    assert!(
        positioned || rest.starts_with(": step "),
        "names line:column or step: {first}"
    );
    assert!(
        first.contains("expected") || first.contains("did you mean"),
        "says what was expected: {first}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "no raw escape in the message");
}

#[test]
fn every_invalid_file_is_refused_clearly_by_validate_run_and_the_loader() {
    for path in corpus() {
        let p = path.to_str().unwrap();
        let (code, out, err) = idscope(&["validate", p]);
        assert_eq!(code, 2, "validate {p}: {err}");
        assert!(out.is_empty(), "no data for a bad file: {out}");
        assert_clear(&path, &err);
        let (code, out, err) = idscope(&["run", p, "--mode", "simplified"]);
        assert_eq!(code, 2, "run {p}");
        assert!(out.is_empty());
        assert_clear(&path, &err);
        let loaded = idscope_core::load::load_file(&path);
        let e = loaded.expect_err(p);
        assert_clear(&path, &format!("error: {e}"));
    }
}

#[test]
fn messages_point_at_the_mistake() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let cases = [
        (
            "misspelt-step-key.json",
            ":6:15: step 1: unknown key `identfy` — did you mean `identify`?",
        ),
        (
            "misspelt-top-key.json",
            ":3:9: unknown key `stpes` — did you mean `steps`?",
        ),
        (
            "two-actions.json",
            ": step 2: the step has 2 actions (`identify`, `login`)",
        ),
        ("no-action.json", ": step 1: the step has no action"),
        (
            "device-action-without-device.json",
            ": step 1: `visit` runs on a device, but the step has no `device`",
        ),
        (
            "bad-after.json",
            ": step 1: `after`: \"5 minutes\" is not a delay",
        ),
        (
            "bad-start.json",
            ":1:34: `start`: \"yesterday\" is not a time",
        ),
        (
            "send-not-object.json",
            ": step 1: `send` is a string; expected a payload object",
        ),
        (
            "unknown-endpoint.json",
            ": step 1: `endpoint` is \"people\"; expected \"track\", \"import\" or \"engage\"",
        ),
        (
            "top-level-array.json",
            ":1:1: found an array; expected a scenario object",
        ),
        ("missing-steps.json", "missing key `steps`"),
        ("truncated.json", "the file ends too early"),
        ("deep-nesting.json", "nested too deeply"),
        ("not-utf8.json", ":1:14: the file is not UTF-8"),
        ("empty.json", ":1:1: the file is empty"),
        (
            "wrong-type-identify.json",
            "step 1: `identify`: invalid type: integer `42`, expected a string",
        ),
    ];
    for (file, want) in cases {
        let p = dir.join(file);
        let (_, _, err) = idscope(&["validate", p.to_str().unwrap()]);
        assert!(err.contains(want), "{file}: want {want:?} in {err}");
    }
}

/// An empty scratch directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = crate::common::temp_dir(&format!("hostile-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_directory_with_one_bad_file_reports_each_and_keeps_going() {
    let d = temp_dir("dir");
    let good = r#"{"name":"ok","steps":[{"device":"web","visit":"Home"}]}"#;
    std::fs::write(d.join("a-good.json"), good).unwrap();
    std::fs::write(
        d.join("b-bad.json"),
        r#"{"name":"x","steps":[{"visit":"Home"}]}"#,
    )
    .unwrap();
    std::fs::write(d.join("c-good.json"), good).unwrap();
    std::fs::write(d.join("d-bad.json"), "{").unwrap();
    let (code, out, err) = idscope(&["validate", d.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        out.contains("a-good.json") && out.contains("c-good.json"),
        "good files still pass: {out}"
    );
    assert!(
        err.contains("b-bad.json: step 1") && err.contains("d-bad.json:1:"),
        "{err}"
    );
    let (code, _, err) = idscope(&["check", d.to_str().unwrap()]);
    assert_eq!(code, 2, "invalid input wins over a passing check");
    assert_eq!(err.matches("error:").count(), 2);
}

#[test]
fn a_nonexistent_path_is_named() {
    let (code, out, err) = idscope(&["validate", "/nonexistent/scenario.json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err.trim(),
        "error: /nonexistent/scenario.json: no such file"
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let d = temp_dir("bom");
    let p = d.join("bom.json");
    std::fs::write(&p, "\u{feff}{\"name\":\"bom\",\"steps\":[]}").unwrap();
    let (code, _, err) = idscope(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

const NASTY: &str = "\u{1b}[31mred\u{1b}[0m\u{202e}evil\u{7}\u{9b}2J";

#[test]
fn escape_sequences_and_bidi_in_ids_never_reach_the_terminal_raw() {
    let d = temp_dir("esc");
    let p = d.join("nasty.json");
    let scenario = serde_json::json!({
        "name": format!("Nasty {NASTY}"),
        "steps": [
            { "device": NASTY, "visit": NASTY },
            { "device": NASTY, "signup": NASTY },
            { "device": NASTY, "track": NASTY, "properties": { NASTY: NASTY } },
            { "send": { "event": NASTY, "properties": { "distinct_id": NASTY } } }
        ]
    });
    std::fs::write(&p, serde_json::to_string(&scenario).unwrap()).unwrap();
    for mode in ["legacy", "original", "simplified"] {
        let out = Command::new(env!("CARGO_BIN_EXE_idscope"))
            .args([
                "run",
                p.to_str().unwrap(),
                "--mode",
                mode,
                "--format",
                "table",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let table = String::from_utf8(out.stdout).unwrap();
        for bad in ['\u{1b}', '\u{202e}', '\u{7}', '\u{9b}'] {
            assert!(!table.contains(bad), "{mode}: raw {bad:?} in the table");
        }
        assert!(
            table.contains("\\x1b[31mred") && table.contains("\\u{202e}evil"),
            "{table}"
        );
        // JSON stays valid JSON and keeps the data exact.
        let (code, json, _) = idscope(&["run", p.to_str().unwrap(), "--mode", mode]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["steps"][0]["device"], NASTY);
        assert!(!json.contains('\u{1b}'), "JSON escapes control characters");
    }
    // Errors quoting the data are escaped too.
    let bad = d.join("bad.json");
    std::fs::write(
        &bad,
        format!(
            "{{\"name\":\"x\",\"steps\":[{{\"device\":\"w\",\"{}\":1}}]}}",
            "\\u001b[2J"
        ),
    )
    .unwrap();
    let (code, _, err) = idscope(&["validate", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(!err.contains('\u{1b}') && err.contains("\\x1b[2J"), "{err}");
}

#[test]
fn huge_ids_and_many_steps_work() {
    let d = temp_dir("big");
    // A 5 MB id.
    let id = "u".repeat(5 * 1024 * 1024);
    let p = d.join("big-id.json");
    let scenario = serde_json::json!({"name":"big id","steps":[
        {"device":"web","visit":"Home"},{"device":"web","signup": id},{"device":"web","track":"Done"}]});
    std::fs::write(&p, serde_json::to_string(&scenario).unwrap()).unwrap();
    let (code, out, err) = idscope(&["run", p.to_str().unwrap(), "--mode", "simplified"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["clusters"][0]["canonical"].as_str().unwrap().len(),
        id.len()
    );
    // 100,000 steps.
    let steps: Vec<String> = (0..100_000)
        .map(|i| match i % 4 {
            0 => format!(r#"{{"device":"d{}","visit":"p"}}"#, i % 97),
            1 => format!(r#"{{"device":"d{}","login":"u{}"}}"#, i % 97, i % 13),
            2 => format!(r#"{{"device":"d{}","track":"t"}}"#, i % 97),
            _ => format!(r#"{{"device":"d{}","logout":true}}"#, i % 97),
        })
        .collect();
    let p = d.join("many.json");
    std::fs::write(
        &p,
        format!(r#"{{"name":"many","steps":[{}]}}"#, steps.join(",")),
    )
    .unwrap();
    let (code, out, err) = idscope(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(100,000 steps)"));
    let s = idscope_core::load::load_file(&p).unwrap();
    let run = idscope_core::run::Run::new(
        &s,
        idscope_core::run::RunConfig::new(idscope_core::model::Mode::Original),
    );
    assert_eq!(run.steps.len(), 100_000);
}

/// Runs the binary with a deadline: a hang fails the test instead of stalling the suite.
fn idscope_within(args: &[&str], secs: u64) -> (Option<i32>, String) {
    let mut child =
        crate::common::isolated(std::process::Command::new(env!("CARGO_BIN_EXE_idscope")))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let _ = status;
            return (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            return (None, "still running at the deadline".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_without_a_writer_is_an_empty_file_not_a_hang() {
    let dir = crate::common::temp_dir("fifo");
    let fifo = dir.join("scenario.json");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let f = fifo.to_str().unwrap();
    for args in [
        vec!["run", f, "--mode", "original"],
        vec!["validate", f],
        // The explorer loads the scenario before it needs a terminal.
        vec![f],
    ] {
        let (code, err) = idscope_within(&args, 10);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("the file is empty"), "{args:?}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn an_endless_device_as_a_scenario_stops_at_the_cap() {
    let (code, err) = idscope_within(&["validate", "/dev/zero"], 20);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("/dev/zero: larger than 64 MiB: expected a scenario file"),
        "{err}"
    );
}
