//! What a Rust CLI user expects of the command line: flags before or after the command,
//! knobs wherever the resolver runs, a settings file, completions and a manual page, and
//! export snippets that can be pasted as they are.

use crate::common::{idscope, isolated, temp_dir};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .display()
        .to_string()
}

fn scenarios() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .display()
        .to_string()
}

/// The binary with a settings file of `text` (and other variables).
fn with_settings(
    tag: &str,
    text: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let file = temp_dir(tag).join("config.toml");
    std::fs::write(&file, text).unwrap();
    let mut cmd = isolated(Command::new(env!("CARGO_BIN_EXE_idscope")));
    cmd.args(args).env("IDSCOPE_CONFIG", &file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn header_max_cluster(stdout: &str) -> Value {
    let v: Value = serde_json::from_str(stdout).expect("run JSON");
    v["knobs"]["original.max_cluster"].clone()
}

#[test]
fn knobs_go_before_or_after_the_command() {
    let file = scenario("05-many-resets-cluster-limit.json");
    let before = idscope(
        &["--max-cluster", "3", "run", &file, "--mode", "original"],
        None,
    );
    let after = idscope(
        &["run", &file, "--mode", "original", "--max-cluster", "3"],
        None,
    );
    let plain = idscope(&["run", &file, "--mode", "original"], None);
    assert_eq!(before.0, 0, "{}", before.2);
    assert_eq!(before.1, after.1, "the same run wherever the flag goes");
    assert_eq!(header_max_cluster(&before.1), 3);
    assert_eq!(header_max_cluster(&plain.1), 500);
    assert_ne!(before.1, plain.1);
}

#[test]
fn check_takes_knobs_and_they_override_every_run() {
    // Original's limit at 2 ids: scenarios whose expected clusters are larger now fail.
    let (code, out, err) = idscope(&["--max-cluster", "2", "check", &scenarios()], None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("knobs --max-cluster 2 in every run\n"),
        "{out}"
    );
    assert!(out.contains("FAIL"), "{out}");
    let file = scenario("02-returning-user-second-device.json");
    let (code, out, _) = idscope(&["check", &file, "--max-cluster", "500"], None);
    assert_eq!(code, 0, "{out}");
    // Accepted where it changes nothing, and said.
    let (code, out, err) = idscope(&["validate", &scenarios(), "--identify-links"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("note: --identify-links changes nothing for `validate`: it runs no resolver"),
        "{err}"
    );
    let (_, _, err) = idscope(
        &[
            "export-user",
            "x.jsonl",
            "--id",
            "a",
            "--mode",
            "original",
            "--clipboard",
            "none",
        ],
        None,
    );
    assert!(
        err.contains(
            "note: --clipboard changes nothing for `export-user`: only the explorer uses it"
        ),
        "{err}"
    );
}

#[test]
fn new_is_the_command_never_a_file_named_new() {
    let dir = temp_dir("new-cmd");
    std::fs::write(dir.join("new"), "not a scenario").unwrap();
    let out = isolated(Command::new(env!("CARGO_BIN_EXE_idscope")))
        .args([
            "--clipboard",
            "none",
            "new",
            "--mouse",
            "--max-cluster",
            "4",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("the playground needs a terminal"), "{err}");
    // A file named like a command is opened as ./new.
    let out = isolated(Command::new(env!("CARGO_BIN_EXE_idscope")))
        .arg("./new")
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("new"), "{err}");
    assert!(!err.contains("playground"), "{err}");
}

#[test]
fn a_path_and_a_command_together_are_refused_clearly() {
    let (code, _, err) = idscope(&[&scenarios(), "check", "x.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("and a command cannot go together"), "{err}");
}

#[test]
fn mode_is_required_unless_the_settings_file_names_one() {
    let file = scenario("01-signup-one-device.json");
    let (code, _, err) = idscope(&["run", &file], None);
    assert_eq!(code, 2);
    assert!(err.contains("--mode is required (legacy, original or simplified), or set `mode` in /nonexistent/idscope-tests/idscope/config.toml"), "{err}");
    let (code, out, err) =
        with_settings("mode-file", "mode = \"original\"\n", &["run", &file], &[]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["mode"], "original");
    // The flag beats the file.
    let (_, out, _) = with_settings(
        "mode-flag",
        "mode = \"original\"\n",
        &["run", &file, "--mode", "legacy"],
        &[],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["mode"], "legacy");
}

#[test]
fn config_prints_each_setting_with_where_it_comes_from() {
    let (code, out, err) = with_settings(
        "config-cmd",
        "# mine\ntheme = \"mono\"\nclipboard = \"tmux\"\n",
        &["config", "--clipboard", "none", "--max-cluster", "7"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{key} =")) || l.starts_with(&format!("# {key} =")))
            .unwrap_or_else(|| panic!("{key} in {out}"))
            .to_string()
    };
    assert!(
        line("theme").contains("\"mono\"") && line("theme").contains("# the file, line 2"),
        "{out}"
    );
    assert!(
        line("clipboard").contains("\"none\"")
            && line("clipboard").contains("# the flag --clipboard"),
        "{out}"
    );
    assert!(
        line("mode").starts_with("# mode =") && line("mode").contains("default: not set"),
        "{out}"
    );
    assert!(
        line("token_variable").contains("\"MIXPANEL_TOKEN\""),
        "{out}"
    );
    assert!(out.contains("# knobs given: --max-cluster 7"), "{out}");
}

#[test]
fn a_bad_settings_file_is_refused_with_its_name_line_and_column() {
    let (code, _, err) = with_settings("config-bad", "\ntheme = \"blue\"\n", &["config"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("config.toml: line 2, column 9: `theme` must be auto, color or mono"),
        "{err}"
    );
    let (code, _, err) = with_settings(
        "config-typo",
        "moed = \"original\"\n",
        &["check", &scenarios()],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("line 1, column 1") && err.contains("moed"),
        "{err}"
    );
    // Commands that take nothing from the settings still work.
    for args in [&["schema"][..], &["completions", "bash"], &["man"]] {
        let (code, _, err) = with_settings("config-typo-ok", "moed = 1\n", args, &[]);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
}

#[test]
fn completions_for_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = idscope(&["completions", shell], None);
        assert_eq!(code, 0, "{shell}: {err}");
        // fish spells flags `-l max-cluster`.
        for word in ["export-user", "resolve", "max-cluster", "drop-refused"] {
            assert!(out.contains(word), "{shell} completions lack {word}");
        }
    }
    let (_, bash, _) = idscope(&["completions", "bash"], None);
    let file = temp_dir("completions").join("idscope.bash");
    std::fs::write(&file, bash).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let (code, _, err) = idscope(&["completions", "tcsh"], None);
    assert_eq!(code, 2);
    assert!(err.contains("bash") && err.contains("zsh"), "{err}");
}

#[test]
fn man_prints_a_roff_page_for_idscope_and_for_each_command() {
    let (code, out, _) = idscope(&["man"], None);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie \\n(.g .ds Aq") || out.contains(".TH idscope"),
        "{}",
        &out[..200.min(out.len())]
    );
    assert!(out.contains(".TH idscope"));
    assert!(out.contains("export\\-user"), "the page lists the commands");
    let (code, out, _) = idscope(&["man", "resolve"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains(".TH idscope\\-resolve") || out.contains(".TH idscope-resolve"),
        "{}",
        &out[..300.min(out.len())]
    );
    assert!(out.contains("max\\-line\\-bytes"));
    let (code, _, err) = idscope(&["man", "nope"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("no command nope: expected one of run, check"),
        "{err}"
    );
}

/// `export FILE --mode simplified --format FORMAT`.
fn export_args<'a>(file: &'a str, format: &'a str) -> [&'a str; 6] {
    ["export", file, "--mode", "simplified", "--format", format]
}

fn curl_track_payloads(script: &str) -> Vec<Value> {
    let data = script
        .split("--data-urlencode 'data=")
        .nth(1)
        .expect("a data= argument");
    let json = &data[..data.rfind('\'').unwrap()];
    serde_json::from_str(&json.replace("'\\''", "'")).expect("the payloads")
}

#[test]
fn export_token_comes_from_the_flag_or_the_settings_variable() {
    let file = scenario("01-signup-one-device.json");
    let args = export_args(&file, "curl-track");
    let (code, out, _) = idscope(&args, None);
    assert_eq!(code, 0);
    assert!(
        out.contains("demo-token") && out.contains("placeholder"),
        "{out}"
    );
    let tokens = |out: &str| -> Vec<String> {
        curl_track_payloads(out)
            .iter()
            .map(|p| p["properties"]["token"].as_str().unwrap().to_string())
            .collect()
    };
    let mut with_flag = args.to_vec();
    with_flag.extend(["--token", "abc123"]);
    let (_, out, _) = idscope(&with_flag, None);
    assert!(tokens(&out).iter().all(|t| t == "abc123"), "{out}");
    let (_, out, _) = with_settings(
        "token-var",
        "token_variable = \"MY_TOKEN\"\n",
        &args,
        &[("MY_TOKEN", "fromenv")],
    );
    assert!(tokens(&out).iter().all(|t| t == "fromenv"), "{out}");
    assert!(!out.contains("placeholder"), "{out}");
}

#[test]
fn g_window_export_time_now_shifts_the_clock_and_old_times_are_warned() {
    let file = scenario("02-returning-user-second-device.json");
    let args = export_args(&file, "curl-track");
    let (_, _, err) = idscope(&args, None);
    assert!(err.contains("older than /track's 5-day window"), "{err}");
    let mut now = args.to_vec();
    now.extend(["--time", "now"]);
    let (code, out, err) = idscope(&now, None);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("older than /track's 5-day window"), "{err}");
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let times: Vec<f64> = curl_track_payloads(&out)
        .iter()
        .map(|p| {
            let t = p["properties"]["time"].as_f64().unwrap();
            if t > 1e11 {
                t / 1000.0
            } else {
                t
            }
        })
        .collect();
    let last = times.iter().cloned().fold(f64::MIN, f64::max);
    assert!(
        (secs - last).abs() < 120.0,
        "the last event is now: {last} vs {secs}"
    );
    let (code, _, err) = idscope(
        &["run", &file, "--mode", "original", "--time", "yesterday"],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("expected now, unix seconds or RFC 3339"),
        "{err}"
    );
    let (code, out, _) = idscope(
        &[
            "run",
            &file,
            "--mode",
            "original",
            "--time",
            "2026-11-30T12:00:00Z",
        ],
        None,
    );
    assert_eq!(code, 0);
    let run: Value = serde_json::from_str(&out).unwrap();
    let last = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["payload"]["properties"]["time"].as_i64())
        .max();
    assert_eq!(last, Some(1_796_040_000), "the last step happens at --time");
}

#[test]
fn s_ignore_drop_refused_leaves_out_the_identity_events_and_says_how_many() {
    let file = scenario("01-signup-one-device.json");
    let args = export_args(&file, "curl-import");
    let (_, out, _) = idscope(&args, None);
    assert!(
        out.contains("$identify"),
        "the identity event is there by default"
    );
    let mut drop = args.to_vec();
    drop.push("--drop-refused");
    let (code, out, err) = idscope(&drop, None);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("\"$identify\""), "{out}");
    assert!(err.contains("--drop-refused left out 1"), "{err}");
}

#[test]
fn no_mouse_beats_the_settings_files_mouse() {
    let (_, out, _) = with_settings("no-mouse", "mouse = true\n", &["config"], &[]);
    assert!(
        out.contains("mouse = true") && out.contains("# the file, line 1"),
        "{out}"
    );
    let (_, out, _) = with_settings(
        "no-mouse-flag",
        "mouse = true\n",
        &["config", "--no-mouse"],
        &[],
    );
    let line = out.lines().find(|l| l.starts_with("mouse =")).unwrap();
    assert!(
        line.starts_with("mouse = false") && line.contains("# the flag --no-mouse"),
        "{line}"
    );
}

#[test]
fn the_placeholder_note_names_the_settings_token_variable() {
    let file = scenario("01-signup-one-device.json");
    let args = export_args(&file, "curl-track");
    let (_, out, _) = with_settings(
        "token-note",
        "token_variable = \"ACME_MP_TOKEN\"\n",
        &args,
        &[],
    );
    assert!(
        out.contains("demo-token — a placeholder: --token TOKEN or $ACME_MP_TOKEN puts"),
        "{out}"
    );
}
