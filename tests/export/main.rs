//! Issue 4: export formats and the clipboard strategy; the identity graph exports in `graph.rs`.

mod code;
#[path = "../common/mod.rs"]
mod common;
mod graph;

use idscope_core::export::{export, Format, Options, Region, Scope};
use idscope_core::model::Mode;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::{parse, Scenario};
use serde_json::Value;

const SCENARIO: &str = r#"{
  "name": "Export sample",
  "devices": { "web": { "device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11" } },
  "steps": [
    { "device": "web", "visit": "Pricing" },
    { "device": "web", "people_set": { "plan": "free" } },
    { "device": "web", "signup": "alice", "note": "it's alice's \"first\" day" },
    { "device": "web", "track": "Viewed Plan", "properties": { "plan": "pro" } },
    { "send": { "event": "$merge", "properties": { "$distinct_ids": ["alice", "alice@example.com"], "distinct_id": "alice" } }, "endpoint": "import" }
  ]
}"#;

fn scenario() -> Scenario {
    parse(SCENARIO, "sample.json").unwrap()
}

fn out(mode: Mode, format: Format, scope: Scope) -> idscope_core::export::Export {
    let s = scenario();
    let run = Run::new(&s, RunConfig::new(mode));
    export(&run, &s, &Options::new(format, scope)).unwrap()
}

#[test]
fn golden_every_format() {
    for format in Format::ALL {
        let e = out(Mode::Original, format, Scope::All);
        let mut text = e.text.clone();
        for w in &e.warnings {
            text.push_str(&format!("\n[warning] {w}"));
        }
        insta::assert_snapshot!(format!("export_{}", format.as_str()), text);
    }
}

#[test]
fn ndjson_parses_back_to_exactly_the_run_payloads() {
    let s = scenario();
    for mode in Mode::ALL {
        let run = Run::new(&s, RunConfig::new(mode));
        let e = export(&run, &s, &Options::new(Format::Ndjson, Scope::All)).unwrap();
        let parsed: Vec<Value> = e
            .text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let json = idscope_core::output::run_json(&run, run.steps.len());
        let sent: Vec<Value> = json["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["endpoint"] != "engage")
            .map(|e| e["payload"].clone())
            .collect();
        assert_eq!(parsed, sent, "{mode}");
        assert!(
            e.warnings.iter().any(|w| w.contains("profile record")),
            "the profile record left out is said"
        );
    }
}

#[test]
fn curl_scripts_are_valid_bash_and_hold_no_secrets() {
    for mode in Mode::ALL {
        for format in [Format::CurlImport, Format::CurlTrack, Format::CurlEngage] {
            let e = out(mode, format, Scope::All);
            let status = std::process::Command::new("bash")
                .arg("-n")
                .arg("-c")
                .arg(&e.text)
                .status()
                .expect("bash runs");
            assert!(status.success(), "{mode} {format:?}:\n{}", e.text);
            assert!(!e.text.contains("secret-"), "no literal secret");
        }
    }
    let e = out(Mode::Original, Format::CurlImport, Scope::All);
    assert!(e
        .text
        .contains("\"$MIXPANEL_SERVICE_ACCOUNT:$MIXPANEL_SECRET\""));
    assert!(e
        .text
        .contains("https://api.mixpanel.com/import?strict=1&project_id=${MIXPANEL_PROJECT_ID}"));
}

#[test]
fn curl_import_heredoc_delivers_the_ndjson_unchanged() {
    // Run the script with `curl` replaced by `cat` on stdin: the body must equal the NDJSON export.
    let script = out(Mode::Simplified, Format::CurlImport, Scope::All).text;
    let ndjson = out(Mode::Simplified, Format::Ndjson, Scope::All).text;
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("curl() {{ cat; }}\n{script}"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), ndjson);
}

#[test]
fn region_picks_the_host() {
    let s = scenario();
    let run = Run::new(&s, RunConfig::new(Mode::Original));
    let mut o = Options::new(Format::CurlImport, Scope::All);
    o.region = Region::Eu;
    o.project_id = Some("12345".into());
    let e = export(&run, &s, &o).unwrap();
    assert!(e
        .text
        .contains("https://api-eu.mixpanel.com/import?strict=1&project_id=12345"));
    o.region = Region::In;
    assert!(export(&run, &s, &o)
        .unwrap()
        .text
        .contains("api-in.mixpanel.com"));
}

#[test]
fn warnings_for_payloads_mixpanel_would_refuse() {
    // Simplified ignores identity verbs (S-IGNORE): the warning says so, not "rejected".
    let e = out(Mode::Simplified, Format::CurlImport, Scope::All);
    assert!(
        e.warnings
            .iter()
            .any(|w| w.contains("identity event") && w.contains("ignored (S-IGNORE)")),
        "{:?}",
        e.warnings
    );
    assert!(
        !e.warnings.iter().any(|w| w.contains("fail")),
        "nothing fails validation: {:?}",
        e.warnings
    );
    assert!(
        e.text.contains("# WARNING:"),
        "warnings are in the script too"
    );
    // $merge through /track does nothing.
    let e = out(Mode::Original, Format::CurlTrack, Scope::All);
    assert!(e
        .warnings
        .iter()
        .any(|w| w.contains("$merge only works through /import")));
    // G-WINDOW: the payloads keep the scenario's times, which /track drops after 5 days.
    assert!(
        e.warnings.iter().any(
            |w| w.contains("keep their times (from 2026-01-01T09:00:01Z)")
                && w.contains("older than 5 days")
        ),
        "{:?}",
        e.warnings
    );
    // The $merge carries only `$distinct_ids`, as the Merge Identities reference sends it:
    // identity verbs are not held to the ordinary event's `time`/`$insert_id`.
    let e = out(Mode::Original, Format::CurlImport, Scope::All);
    assert!(
        !e.warnings.iter().any(|w| w.contains("/import validation")),
        "{:?}",
        e.warnings
    );
}

/// G-IMPORT: a strict /import refuses single events and ingests the rest; the export's
/// warnings name exactly the events `run` rejects.
#[test]
fn g_import_export_warnings_agree_with_the_run_and_say_the_rest_is_ingested() {
    let text = r#"{
      "name": "Import sample",
      "steps": [
        { "send": [
            { "event": "Ok", "properties": { "distinct_id": "u1", "time": 1767258000, "$insert_id": "a-1" } },
            { "event": "No insert id", "properties": { "distinct_id": "u1", "time": 1767258000 } },
            { "event": "Too early", "properties": { "distinct_id": "u1", "time": 1000, "$insert_id": "a-3" } },
            { "event": "Placeholder", "properties": { "distinct_id": "undefined", "time": 1767258000, "$insert_id": "a-4" } }
          ], "endpoint": "import" }
      ]
    }"#;
    let s = parse(text, "import.json").unwrap();
    for mode in Mode::ALL {
        let run = Run::new(&s, RunConfig::new(mode));
        let rejected: Vec<usize> = run
            .events
            .iter()
            .filter(|e| e.verdict.effect == idscope_core::model::Effect::Rejected)
            .map(|e| e.index)
            .collect();
        assert_eq!(rejected, [1, 2, 3], "{mode:?}");
        let e = export(&run, &s, &Options::new(Format::CurlImport, Scope::All)).unwrap();
        let w = e.warnings.join("\n");
        assert!(w.contains("properties.$insert_id"), "{w}");
        assert!(w.contains("properties.time"), "{w}");
        assert!(w.contains("properties.distinct_id"), "{w}");
        assert!(
            w.contains("answers 400 listing the 3 failed record(s) and still ingests the other 1"),
            "{w}"
        );
        assert!(!w.contains("whole batch"), "{w}");
    }
    // Simplified takes `$device_id` in place of distinct_id: no warning there; the other
    // modes refuse the event (import.missing_distinct_id = reject).
    let text = r#"{"name": "Device only", "steps": [{ "send":
        { "event": "Backfill", "properties": { "$device_id": "d1", "time": 1767258000, "$insert_id": "b-1" } },
        "endpoint": "import" }]}"#;
    let s = parse(text, "device-only.json").unwrap();
    for mode in Mode::ALL {
        let run = Run::new(&s, RunConfig::new(mode));
        let e = export(&run, &s, &Options::new(Format::CurlImport, Scope::All)).unwrap();
        let warned = e
            .warnings
            .iter()
            .any(|w| w.contains("properties.distinct_id"));
        assert_eq!(
            warned,
            mode != Mode::Simplified,
            "{mode:?}: {:?}",
            e.warnings
        );
    }
}

#[test]
fn scopes_select_event_step_and_prefix() {
    let s = scenario();
    let run = Run::new(&s, RunConfig::new(Mode::Simplified));
    let json = |scope| {
        let e = export(&run, &s, &Options::new(Format::Json, scope)).unwrap();
        serde_json::from_str::<Vec<Value>>(&e.text).unwrap()
    };
    assert_eq!(json(Scope::All).len(), run.events.len());
    // Step 3 is the signup: identify flushes the queued $set and the init's referrer
    // $set_once, then $identify and Sign Up.
    let step3 = json(Scope::Step(3));
    let names: Vec<&str> = step3
        .iter()
        .map(|p| p["event"].as_str().unwrap_or("(profile)"))
        .collect();
    assert_eq!(names, ["(profile)", "(profile)", "$identify", "Sign Up"]);
    assert_eq!(json(Scope::Event(0)).len(), 1);
    assert_eq!(json(Scope::Until(1)).len(), 1);
    assert!(export(&run, &s, &Options::new(Format::Json, Scope::Step(99))).is_err());
    assert!(export(&run, &s, &Options::new(Format::Json, Scope::Event(99))).is_err());
}

#[test]
fn output_is_deterministic() {
    for format in Format::ALL {
        assert_eq!(
            out(Mode::Legacy, format, Scope::All).text,
            out(Mode::Legacy, format, Scope::All).text
        );
    }
}

#[test]
fn resolved_jsonl_and_mapping_follow_the_view() {
    // Under Simplified, the anonymous Page View is re-attributed to alice once linked.
    let e = out(Mode::Simplified, Format::ResolvedJsonl, Scope::All);
    let first: Value = serde_json::from_str(e.text.lines().next().unwrap()).unwrap();
    assert_eq!(first["properties"]["distinct_id"], "alice");
    assert_eq!(
        first["properties"]["$distinct_id_before_identity"],
        "$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11"
    );
    // …but not before the signup step.
    let e = out(Mode::Simplified, Format::ResolvedJsonl, Scope::Until(1));
    let first: Value = serde_json::from_str(e.text.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["properties"]["distinct_id"],
        "$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11"
    );
    let csv = out(Mode::Simplified, Format::MappingCsv, Scope::All).text;
    assert!(csv.starts_with("distinct_id,resolved_distinct_id\n"));
    assert!(csv.contains("$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11,alice\n"));
}

#[test]
fn js_export_shows_each_intent_expansion() {
    let js = out(Mode::Legacy, Format::Js, Scope::All).text;
    assert!(js.contains("// step 3: signup(\"alice\") — P-SIGNUP (legacy playbook) expands to:"));
    assert!(js.contains("mixpanel.alias(\"alice\");\nmixpanel.track(\"Sign Up\");"));
    assert!(js.contains("mixpanel.people.set({\"plan\":\"free\"});"));
    assert!(js.contains("server-side, not an SDK call"));
}

#[cfg(feature = "tui")]
mod clipboard {
    use idscope::clipboard::{choose, copy, osc52, Backend, Env, Setting};

    #[test]
    fn osc52_bytes_are_exact() {
        assert_eq!(osc52(b"hello"), b"\x1b]52;c;aGVsbG8=\x07".to_vec());
    }

    fn env(f: impl FnOnce(&mut Env)) -> Env {
        let mut e = Env {
            programs: ["wl-copy", "xclip", "xsel", "pbcopy", "clip.exe", "tmux"]
                .map(String::from)
                .to_vec(),
            ..Env::default()
        };
        f(&mut e);
        e
    }

    #[test]
    fn strategy_over_fake_environments() {
        let cmd = |a: &[&str]| Backend::Command(a.iter().map(|s| s.to_string()).collect());
        let cases: Vec<(&str, Env, Vec<Backend>)> = vec![
            (
                "tmux wins, even over ssh",
                env(|e| {
                    e.tmux = true;
                    e.ssh = true;
                }),
                vec![Backend::Tmux],
            ),
            (
                "ssh: OSC 52 only",
                env(|e| {
                    e.ssh = true;
                    e.x11 = true;
                }),
                vec![Backend::Osc52],
            ),
            (
                "wayland",
                env(|e| e.wayland = true),
                vec![cmd(&["wl-copy"]), Backend::Osc52],
            ),
            (
                "x11",
                env(|e| e.x11 = true),
                vec![cmd(&["xclip", "-selection", "clipboard"]), Backend::Osc52],
            ),
            (
                "x11 with xsel only",
                env(|e| {
                    e.x11 = true;
                    e.programs = vec!["xsel".into()];
                }),
                vec![cmd(&["xsel", "--clipboard", "--input"]), Backend::Osc52],
            ),
            (
                "macos",
                env(|e| e.macos = true),
                vec![cmd(&["pbcopy"]), Backend::Osc52],
            ),
            (
                "wsl",
                env(|e| e.wsl = true),
                vec![cmd(&["clip.exe"]), Backend::Osc52],
            ),
            (
                "headless",
                env(|e| e.programs.clear()),
                vec![Backend::Osc52],
            ),
        ];
        for (name, e, want) in cases {
            assert_eq!(choose(&e, &Setting::Auto), want, "{name}");
        }
        let any = env(|e| e.x11 = true);
        assert_eq!(choose(&any, &Setting::None), vec![]);
        assert_eq!(choose(&any, &Setting::Osc52), vec![Backend::Osc52]);
        assert_eq!(choose(&any, &Setting::Tmux), vec![Backend::Tmux]);
        assert_eq!(
            choose(&any, &Setting::parse("command:my-copy --flag").unwrap()),
            vec![cmd(&["my-copy", "--flag"])]
        );
        assert_eq!(Setting::parse("command:"), None);
        assert_eq!(Setting::parse("bogus"), None);
    }

    #[test]
    fn command_backend_gets_the_data_on_stdin_not_in_arguments() {
        let dir = std::env::temp_dir().join(format!("idscope-clip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sink = dir.join("stdin.txt");
        let args = dir.join("args.txt");
        let fake = dir.join("fake-copy.sh");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho \"$@\" > '{}'\ncat > '{}'\n",
                args.display(),
                sink.display()
            ),
        )
        .unwrap();
        let data = "{\"distinct_id\":\"alice\"}\n";
        let backends = vec![Backend::Command(vec![
            "sh".into(),
            fake.display().to_string(),
        ])];
        let mut terminal = Vec::new();
        let outcome = copy(&backends, data.as_bytes(), &mut terminal);
        assert!(outcome.failed.is_empty(), "{outcome:?}");
        assert_eq!(std::fs::read_to_string(&sink).unwrap(), data);
        assert!(!std::fs::read_to_string(&args).unwrap().contains("alice"));
        assert!(terminal.is_empty(), "no OSC 52 unless asked");
        assert!(outcome
            .message("1 payload", data.len())
            .starts_with("copied 1 payload (24 B) via sh "));
    }

    #[test]
    fn osc52_message_is_honest_and_missing_backends_never_crash() {
        let mut terminal = Vec::new();
        let outcome = copy(&[Backend::Osc52], b"x", &mut terminal);
        assert_eq!(terminal, b"\x1b]52;c;eA==\x07");
        assert!(outcome.message("x", 1).contains("can't be confirmed"));
        let outcome = copy(
            &[Backend::Command(vec![
                "/nonexistent/idscope-no-such-program".into(),
            ])],
            b"x",
            &mut terminal,
        );
        assert!(outcome.delivered.is_empty());
        assert!(outcome.message("x", 1).contains("no clipboard available"));
        let big = copy(&[], &[], &mut terminal).message("all", 200 * 1024);
        assert!(big.contains("consider writing a file"), "{big}");
    }
}
