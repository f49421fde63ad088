//! The command line through the built binary (docs/scenario-format.md §2 and §3): exit codes, where data
//! and diagnostics go, the JSON contract, `--until`, knobs, ids, and error messages.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.stdout)
            )
        })
    }
}

fn idscope<P: AsRef<std::ffi::OsStr>>(args: &[P]) -> Out {
    let (code, stdout, stderr) = crate::common::idscope_raw(args, None);
    Out {
        code,
        stdout,
        stderr,
    }
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("idscope-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

const WEB: &str = "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11";

/// The example of docs/scenario-format.md §1.
const SPEC_EXAMPLE: &str = r#"{
  "name": "Signup on the web, login on a phone",
  "description": "Optional prose shown in the app.",
  "token": "demo-token",
  "start": "2026-01-01T09:00:00Z",
  "devices": {
    "web":   { "device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11" },
    "phone": {}
  },
  "steps": [
    { "device": "web", "visit": "Pricing" },
    { "device": "web", "track": "Viewed Plan", "properties": { "plan": "pro" } },
    { "device": "web", "signup": "alice" },
    { "device": "phone", "visit": "Home" },
    { "device": "phone", "login": "alice", "note": "Same person, second device" },
    { "device": "web", "logout": true },
    { "send": { "event": "Renewed", "properties": { "distinct_id": "alice" } }, "endpoint": "import" }
  ],
  "expect": { }
}"#;

/// Signup on one device; by the rule book every mode ends with {$device:web, alice} and no
/// failure (Legacy: alice → $device:web; Original: $identify merges; Simplified: Sign Up links).
fn signup_with_expect(clusters: &str) -> String {
    format!(
        r#"{{
  "name": "signup",
  "steps": [
    {{ "device": "web", "visit": "Home" }},
    {{ "device": "web", "signup": "alice" }}
  ],
  "expect": {{
    "legacy": {{ "clusters": {clusters}, "failures": [] }},
    "original": {{ "clusters": {clusters}, "failures": [] }},
    "simplified": {{ "clusters": {clusters}, "failures": [] }}
  }}
}}"#
    )
}

fn members(c: &Value) -> BTreeSet<String> {
    c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// run
// ---------------------------------------------------------------------------------------

#[test]
fn run_json_has_the_documented_shape() {
    let dir = TempDir::new("shape");
    let file = dir.write("example.json", SPEC_EXAMPLE);
    let out = idscope(&["run", &s(&file), "--mode", "simplified", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.is_empty(),
        "diagnostics only on failure: {}",
        out.stderr
    );
    let j = out.json();
    let keys: BTreeSet<&str> = j.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        ["scenario", "mode", "playbook", "knobs", "steps", "events", "clusters"].into()
    );
    assert_eq!(j["scenario"], "Signup on the web, login on a phone");
    assert_eq!(j["mode"], "simplified");
    assert_eq!(j["playbook"], "simplified", "--playbook defaults to --mode");
    assert_eq!(
        j["knobs"],
        serde_json::json!({
            "original.max_cluster": 500,
            "original.guid_check": "lenient",
            "simplified.identify_links": false,
            "import.missing_distinct_id": "reject"
        })
    );
    let steps = j["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    let events = j["events"].as_array().unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["index"], i, "0-based, in the order sent");
        for k in [
            "step",
            "endpoint",
            "payload",
            "ingest_distinct_id",
            "final_distinct_id",
            "effect",
            "reason",
            "rule",
        ] {
            assert!(e.get(k).is_some(), "event {i} lacks {k}");
        }
        let effect = e["effect"].as_str().unwrap();
        assert!(
            ["none", "linked", "merged", "aliased", "failed", "ignored", "rejected"]
                .contains(&effect)
        );
        let step = e["step"].as_u64().unwrap() as usize;
        assert!(steps[step - 1]["events"]
            .as_array()
            .unwrap()
            .contains(&Value::from(i)));
    }
    for (n, st) in steps.iter().enumerate() {
        assert_eq!(st["step"], n + 1);
        for k in ["device", "action", "calls", "events"] {
            assert!(st.get(k).is_some(), "step {} lacks {k}", n + 1);
        }
    }
    // The §3 example: step 3 (signup) expands to identify + track and sends events 2 to 4:
    // the profile $set_once the first identify sends (SDK-INIT, SDK-IDENTIFY 5), then the
    // $identify and Sign Up batch (SDK-BATCH: the profile batcher's timer is due first).
    assert_eq!(steps[2]["action"], "signup");
    assert_eq!(
        steps[2]["calls"],
        serde_json::json!(["identify(\"alice\")", "track(\"Sign Up\")"])
    );
    assert_eq!(steps[2]["events"], serde_json::json!([2, 3, 4]));
    assert_eq!(events[2]["endpoint"], "engage");
    assert_eq!(events[3]["payload"]["event"], "$identify");
    let sign_up = &events[4];
    assert_eq!(sign_up["endpoint"], "track");
    assert_eq!(sign_up["payload"]["event"], "Sign Up");
    let p = &sign_up["payload"]["properties"];
    assert_eq!(p["token"], "demo-token");
    assert_eq!(p["distinct_id"], "alice");
    assert_eq!(p["$device_id"], WEB);
    assert_eq!(p["$user_id"], "alice");
    assert_eq!(p["time"], 1_767_258_003_i64);
    assert_eq!(p["mp_lib"], "web");
    assert_eq!(sign_up["ingest_distinct_id"], "alice");
    assert_eq!(sign_up["final_distinct_id"], "alice");
    assert_eq!(sign_up["effect"], "linked");
    assert_eq!(sign_up["reason"], Value::Null);
    assert_eq!(sign_up["rule"], "S-LINK");
    // The /import send is the last event.
    assert_eq!(events.last().unwrap()["endpoint"], "import");
    // Clusters: alice holds both devices (S-LINK); sorted by canonical, members sorted.
    let clusters = j["clusters"].as_array().unwrap();
    let canon: Vec<&str> = clusters
        .iter()
        .map(|c| c["canonical"].as_str().unwrap())
        .collect();
    let mut sorted = canon.clone();
    sorted.sort();
    assert_eq!(canon, sorted);
    for c in clusters {
        let m: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut ms = m.clone();
        ms.sort();
        assert_eq!(m, ms);
    }
    let alice = clusters.iter().find(|c| c["canonical"] == "alice").unwrap();
    let phone = events[5]["payload"]["properties"]["$device_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        members(alice),
        [
            format!("$device:{WEB}"),
            format!("$device:{phone}"),
            "alice".to_string()
        ]
        .into()
    );
}

#[test]
fn run_until_stops_after_that_step() {
    let dir = TempDir::new("until");
    let file = dir.write("example.json", SPEC_EXAMPLE);
    let out = idscope(&["run", &s(&file), "--mode", "simplified", "--until", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["steps"].as_array().unwrap().len(), 3);
    let events = j["events"].as_array().unwrap();
    assert_eq!(
        events.len(),
        5,
        "Page View, Viewed Plan, the profile $set_once, $identify, Sign Up"
    );
    assert_eq!(events[0]["final_distinct_id"], "alice", "linked at step 3");
    let out = idscope(&["run", &s(&file), "--mode", "simplified", "--until", "1"]);
    let j = out.json();
    assert_eq!(j["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        j["events"][0]["final_distinct_id"],
        format!("$device:{WEB}"),
        "not yet linked after step 1"
    );
    assert_eq!(j["clusters"].as_array().unwrap().len(), 1);
}

#[test]
fn run_until_past_the_end_is_invalid_input() {
    let dir = TempDir::new("until-past");
    let file = dir.write("example.json", SPEC_EXAMPLE);
    let out = idscope(&["run", &s(&file), "--mode", "legacy", "--until", "8"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "no data on error");
    assert!(out.stderr.contains("--until"), "{}", out.stderr);
    assert!(
        out.stderr.contains('8') && out.stderr.contains('7'),
        "{}",
        out.stderr
    );
    // The last step itself is fine.
    assert_eq!(
        idscope(&["run", &s(&file), "--mode", "legacy", "--until", "7"]).code,
        0
    );
}

#[test]
fn run_usage_errors_exit_2() {
    let dir = TempDir::new("usage");
    let file = dir.write("example.json", SPEC_EXAMPLE);
    let f = s(&file);
    for args in [
        vec!["run", f.as_str()],
        vec!["run", f.as_str(), "--mode", "bogus"],
        vec![
            "run",
            f.as_str(),
            "--mode",
            "original",
            "--guid-check",
            "bogus",
        ],
        vec![
            "run",
            f.as_str(),
            "--mode",
            "original",
            "--max-cluster",
            "many",
        ],
        vec!["run", f.as_str(), "--mode", "original", "--format", "xml"],
        vec!["run", "--mode", "original"],
        vec!["check"],
        vec!["validate"],
    ] {
        let out = idscope(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn run_playbook_flag_sets_the_playbook_apart_from_the_mode() {
    let dir = TempDir::new("playbook");
    let file = dir.write("example.json", SPEC_EXAMPLE);
    let out = idscope(&[
        "run",
        &s(&file),
        "--mode",
        "simplified",
        "--playbook",
        "legacy",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["mode"], "simplified");
    assert_eq!(j["playbook"], "legacy");
    assert_eq!(
        j["steps"][2]["calls"],
        serde_json::json!(["alias(\"alice\")", "track(\"Sign Up\")"])
    );
}

#[test]
fn knob_flags_change_the_knobs_header_and_the_result() {
    let dir = TempDir::new("knobs");
    let file = dir.write(
        "identify-only.json",
        r#"{"name": "identify only", "devices": {"web": {"device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11"}},
            "steps": [{"device": "web", "identify": "alice"}]}"#,
    );
    let f = s(&file);
    let out = idscope(&[
        "run",
        &f,
        "--mode",
        "simplified",
        "--max-cluster",
        "3",
        "--guid-check",
        "strict-v4",
        "--identify-links",
        "--missing-distinct-id",
        "ip-hash",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(
        j["knobs"],
        serde_json::json!({
            "original.max_cluster": 3,
            "original.guid_check": "strict-v4",
            "simplified.identify_links": true,
            "import.missing_distinct_id": "ip-hash"
        })
    );
    // S-IGNORE: the $identify links only with the knob.
    assert_eq!(j["events"][0]["effect"], "linked");
    let plain = idscope(&["run", &f, "--mode", "simplified"]).json();
    assert_eq!(plain["events"][0]["effect"], "ignored");
    let off = idscope(&["run", &f, "--mode", "original", "--guid-check", "off"]).json();
    assert_eq!(off["knobs"]["original.guid_check"], "off");
}

#[test]
fn deterministic_ids_by_default_random_ids_on_request() {
    let dir = TempDir::new("ids");
    // No pinned ids: every device id is generated.
    let file = dir.write(
        "gen.json",
        r#"{"name": "generated ids", "steps": [
            {"device": "web", "visit": "Home"},
            {"device": "web", "logout": true},
            {"device": "web", "visit": "Home"}]}"#,
    );
    let f = s(&file);
    let a = idscope(&["run", &f, "--mode", "legacy"]);
    let b = idscope(&["run", &f, "--mode", "legacy"]);
    assert_eq!(a.code, 0);
    assert_eq!(a.stdout, b.stdout, "byte-identical across runs");
    let ta = idscope(&["run", &f, "--mode", "legacy", "--format", "table"]);
    let tb = idscope(&["run", &f, "--mode", "legacy", "--format", "table"]);
    assert_eq!(ta.stdout, tb.stdout);

    let device_ids = |o: &Out| -> Vec<String> {
        o.json()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["payload"]["properties"]["$device_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let fixed = device_ids(&a);
    assert_ne!(fixed[0], fixed[1], "logout resets to a new id");
    let r1 = idscope(&["run", &f, "--mode", "legacy", "--random-ids"]);
    let r2 = idscope(&["run", &f, "--mode", "legacy", "--random-ids"]);
    assert_eq!(r1.code, 0);
    let (r1, r2) = (device_ids(&r1), device_ids(&r2));
    for (i, id) in r1.iter().enumerate() {
        assert_ne!(*id, fixed[i], "random differs from the deterministic id");
        assert_ne!(*id, r2[i], "two random runs differ");
        let u = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(u.get_version_num(), 4);
    }
    assert_ne!(r1[0], r1[1]);
}

#[test]
fn table_format_escapes_terminal_control_sequences() {
    let dir = TempDir::new("table-escape");
    let file = dir.write(
        "evil.json",
        r#"{"name": "evil \u001b[31mname",
            "steps": [
              {"device": "web", "login": "red\u001b[31muser"},
              {"send": {"event": "E\u001b]0;title\u0007", "properties": {"distinct_id": "x\u001b[2Jy"}}}
            ]}"#,
    );
    for mode in ["legacy", "original", "simplified"] {
        let out = idscope(&["run", &s(&file), "--mode", mode, "--format", "table"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            !out.stdout.contains(&0x1b),
            "{mode}: a raw ESC reached the terminal"
        );
        assert!(
            !out.stdout.contains(&0x07),
            "{mode}: a raw BEL reached the terminal"
        );
        let t = out.text();
        assert!(t.contains(r"red\x1b[31muser"), "{mode}: {t}");
        assert!(t.contains(r"evil \x1b[31mname"), "{mode}");
        assert!(t.contains(r"x\x1b[2Jy"), "{mode}");
    }
    // JSON keeps the data exactly (escaped by JSON itself).
    let out = idscope(&["run", &s(&file), "--mode", "simplified"]);
    assert!(!out.stdout.contains(&0x1b));
    assert_eq!(
        out.json()["events"][1]["payload"]["properties"]["distinct_id"],
        "red\u{1b}[31muser"
    );
}

// ---------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------

#[test]
fn check_passes_and_fails_with_exit_0_and_1() {
    let dir = TempDir::new("check");
    let good = dir.write(
        "good.json",
        signup_with_expect(r#"[["$device:{web}", "alice"]]"#),
    );
    let bad = dir.write(
        "bad.json",
        signup_with_expect(r#"[["$device:{web}"], ["alice"]]"#),
    );
    let out = idscope(&["check", &s(&good)]);
    assert_eq!(out.code, 0, "{}\n{}", out.text(), out.stderr);
    let t = out.text();
    assert!(t.contains("3 passed, 0 failed"), "{t}");

    let out = idscope(&["check", &s(&bad)]);
    assert_eq!(out.code, 1, "{}\n{}", out.text(), out.stderr);
    let t = out.text();
    assert!(t.contains("FAIL"), "{t}");
    assert!(t.contains("0 passed, 3 failed"), "{t}");

    // A directory with both: exit 1.
    let out = idscope(&["check", &s(dir.path())]);
    assert_eq!(out.code, 1);
    // A wrong failure list fails too.
    let wrong = signup_with_expect(r#"[["$device:{web}", "alice"]]"#).replacen(
        r#""failures": []"#,
        r#""failures": [{"step": 2, "reason": "errSameIDs"}]"#,
        1,
    );
    let out = idscope(&["check", &s(&dir.write("wrong.json", wrong))]);
    assert_eq!(out.code, 1, "{}", out.text());
}

#[test]
fn check_with_invalid_input_exits_2() {
    let dir = TempDir::new("check-invalid");
    dir.write(
        "bad.json",
        signup_with_expect(r#"[["$device:{web}"], ["alice"]]"#),
    );
    dir.write("broken.json", "{ not json");
    let out = idscope(&["check", &s(dir.path())]);
    assert_eq!(out.code, 2, "invalid input outranks a failed check");
    assert!(out.stderr.contains("broken.json"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------
// validate and error messages
// ---------------------------------------------------------------------------------------

#[test]
fn validate_reports_file_line_column_and_what_was_expected() {
    let dir = TempDir::new("validate");
    let syntax = dir.write(
        "syntax.json",
        "{\n  \"name\": \"x\",\n  \"steps\": [\n    {\"device\": \"web\" \"visit\": \"a\"}\n  ]\n}\n",
    );
    let out = idscope(&["validate", &s(&syntax)]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "nothing on stdout for a bad file");
    assert!(
        out.stderr.contains(&format!("{}:4:", s(&syntax))),
        "file:line:column: {}",
        out.stderr
    );
    assert!(out.stderr.contains("expected"), "{}", out.stderr);

    let two = dir.write(
        "two-actions.json",
        r#"{"name": "x", "steps": [{"device": "web", "visit": "a"}, {"device": "web", "identify": "a", "login": "b"}]}"#,
    );
    let out = idscope(&["validate", &s(&two)]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("two-actions.json"), "{}", out.stderr);
    assert!(out.stderr.contains("step 2"), "{}", out.stderr);
    assert!(out.stderr.contains("exactly one"), "{}", out.stderr);

    let no_device = dir.write(
        "no-device.json",
        r#"{"name": "x", "steps": [{"visit": "a"}]}"#,
    );
    let out = idscope(&["validate", &s(&no_device)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("step 1"), "{}", out.stderr);
    assert!(out.stderr.contains("device"), "{}", out.stderr);

    let no_name = dir.write("no-name.json", r#"{"steps": []}"#);
    let out = idscope(&["validate", &s(&no_name)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`name`"), "{}", out.stderr);

    let bad_after = dir.write(
        "bad-after.json",
        r#"{"name": "x", "steps": [{"device": "web", "visit": "a", "after": "soon"}]}"#,
    );
    let out = idscope(&["validate", &s(&bad_after)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("step 1"), "{}", out.stderr);
    assert!(out.stderr.contains("\"soon\""), "{}", out.stderr);

    for (name, bytes) in [
        ("empty.json", b"".to_vec()),
        (
            "latin1.json",
            b"{\"name\": \"caf\xe9\", \"steps\": []}".to_vec(),
        ),
    ] {
        let p = dir.write(name, bytes);
        let out = idscope(&["validate", &s(&p)]);
        assert_eq!(out.code, 2, "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(out.stderr.contains(name), "{name}: {}", out.stderr);
    }
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    let dir = TempDir::new("unknown-keys");
    let step = dir.write(
        "step.json",
        "{\"name\": \"x\",\n \"steps\": [{\"device\": \"web\", \"identfy\": \"alice\"}]}",
    );
    let out = idscope(&["validate", &s(&step)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`identfy`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`identify`"),
        "a suggestion: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("{}:2:", s(&step))),
        "{}",
        out.stderr
    );

    let top = dir.write("top.json", r#"{"name": "x", "stpes": []}"#);
    let out = idscope(&["validate", &s(&top)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`stpes`"), "{}", out.stderr);
    assert!(out.stderr.contains("`steps`"), "{}", out.stderr);

    let device = dir.write(
        "device.json",
        r#"{"name": "x", "devices": {"web": {"device_idd": "d"}}, "steps": []}"#,
    );
    let out = idscope(&["validate", &s(&device)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`device_idd`"), "{}", out.stderr);
    assert!(out.stderr.contains("`device_id`"), "{}", out.stderr);

    // Free-form objects take any key.
    let free = dir.write(
        "free.json",
        r#"{"name": "x", "steps": [
            {"device": "web", "track": "E", "properties": {"anything": 1}},
            {"send": {"event": "E", "properties": {"distinct_id": "a"}, "whatever": true}}]}"#,
    );
    assert_eq!(idscope(&["validate", &s(&free)]).code, 0);
}

#[test]
fn error_messages_do_not_pass_escape_sequences_to_the_terminal() {
    let dir = TempDir::new("escape-errors");
    let p = dir.write(
        "evil.json",
        r#"{"name": "x", "steps": [{"device": "web", "vis\u001b[31mit": "a"}]}"#,
    );
    let out = idscope(&["validate", &s(&p)]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains(r"\x1b"), "{}", out.stderr);
}

#[test]
fn nonexistent_paths_are_invalid_input() {
    let dir = TempDir::new("missing");
    let missing = dir.path().join("no-such-scenario.json");
    for cmd in ["validate", "check"] {
        let out = idscope(&[cmd, &s(&missing)]);
        assert_eq!(out.code, 2, "{cmd}");
        assert!(
            out.stderr.contains("no-such-scenario.json"),
            "{cmd}: {}",
            out.stderr
        );
        assert!(!out.text().contains("no-such-scenario.json"), "{cmd}");
    }
    let out = idscope(&["run", &s(&missing), "--mode", "legacy"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("no-such-scenario.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_directory_reports_every_bad_file_among_good_ones() {
    let dir = TempDir::new("dir");
    let good = r#"{"name": "ok", "steps": [{"device": "web", "visit": "Home"}]}"#;
    dir.write("a-good.json", good);
    dir.write(
        "b-bad.json",
        r#"{"name": "x", "steps": [{"device": "web"}]}"#,
    );
    dir.write("c-good.json", good);
    dir.write("d-bad.json", "{\"name\": ");
    dir.write("notes.txt", "not a scenario");
    dir.write(
        "scenario.schema.json",
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema"}"#,
    );
    let out = idscope(&["validate", &s(dir.path())]);
    assert_eq!(out.code, 2);
    let stdout = out.text();
    assert!(
        stdout.contains("a-good.json") && stdout.contains("c-good.json"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("b-bad.json") && !stdout.contains("d-bad.json"),
        "{stdout}"
    );
    assert!(out.stderr.contains("b-bad.json"), "{}", out.stderr);
    assert!(out.stderr.contains("d-bad.json"), "{}", out.stderr);
    assert!(!out.stderr.contains("notes.txt") && !stdout.contains("notes.txt"));
    assert!(
        !out.stderr.contains("scenario.schema.json") && !stdout.contains("scenario.schema.json"),
        "the schema file is not a scenario"
    );
    // Only good files: exit 0.
    let good_dir = TempDir::new("dir-good");
    good_dir.write("a.json", good);
    let out = idscope(&["validate", &s(good_dir.path())]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.is_empty());
}

#[test]
fn version_names_each_emulated_sdk_and_how_it_is_known() {
    let out = idscope(&["--version"]);
    assert_eq!(out.code, 0);
    let text = out.text();
    assert!(text.starts_with("idscope 0.1.0\n"), "{text}");
    // Each profile on its line: lib name, package and version, how it is known.
    for (lib, package, evidence) in [
        (
            "web",
            "mixpanel-browser",
            "verified by running it (conformance/)",
        ),
        ("node", "mixpanel", "verified by running it (conformance/)"),
        (
            "python",
            "mixpanel",
            "verified by running it (conformance/)",
        ),
        ("swift", "mixpanel-swift", "from source (read, not run)"),
        ("android", "mixpanel-android", "from source (read, not run)"),
        (
            "react-native",
            "mixpanel-react-native",
            "from source (read, not run)",
        ),
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{lib} ")))
            .unwrap_or_else(|| panic!("no line for {lib} in {text}"));
        assert!(line.contains(package) && line.ends_with(evidence), "{line}");
    }
    // The pinned SDKs are the ones the conformance suite records.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let lock = std::fs::read_to_string(dir.join("package-lock.json")).unwrap();
    let version = |lib: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{lib} ")))
            .and_then(|l| l.split(" — ").next())
            .and_then(|l| l.split_whitespace().last())
            .unwrap()
            .to_string()
    };
    assert!(lock.contains(&format!(
        "\"node_modules/mixpanel-browser\": {{\n      \"version\": \"{}\"",
        version("web")
    )));
    assert!(lock.contains(&format!(
        "\"node_modules/mixpanel\": {{\n      \"version\": \"{}\"",
        version("node")
    )));
    let requirements = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
    assert!(
        requirements.contains(&format!("mixpanel=={} ", version("python"))),
        "requirements.txt pins mixpanel=={}",
        version("python")
    );
}
