//! Ground truth for the server libraries: every recording of the real mixpanel-node 0.24.0
//! and mixpanel-python 5.4.1 in `conformance/server-recorded/` (made by
//! `conformance/record-server.js` from `conformance/server-scripts/`) is replayed through
//! idscope's `node`/`python` profile and compared step by step: which step sent, to which
//! endpoint, and every payload *as text* (key order included — `serde_json::Value`'s `==`
//! ignores the order of an object's keys, so payloads are compared serialised).
//!
//! A script step becomes the [`SdkCall`] a scenario would make for the same library call
//! ([`sdk_call`]); a step the emulation has no call for (batches, other profile operations,
//! `meta`, a JS `Date`, a number as a profile id, …) is left out on both sides, with its
//! reason. Python's `$insert_id` (`uuid4().hex`) is random: on both sides a 32-hex one
//! becomes `<insert_id N>` in order of appearance; a caller's own stays as it is.
//!
//! Transport is not compared — a [`Request`](idscope_core::sdk::Request) has an endpoint and
//! payloads only: HTTP method (node GET, python POST), query and form fields, credentials,
//! host and node's `config.path` prefix (stripped). Whether a request carried one object or
//! an array cannot be said by the emulation either: every call it models is recorded as a
//! single object sent during the call, which is checked.

use idscope_core::ids::IdSource;
use idscope_core::model::{Endpoint, Mode};
use idscope_core::playbook;
use idscope_core::scenario::Action;
use idscope_core::sdk::{Context, DeviceSpec, Profile, SdkCall};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Recordings the emulation is not compared on, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "node-import-no-auth",
        "the library was created without credentials, so import() throws; the emulation \
         assumes credentials are configured (SDK-NODE-IMPORT; the throw is checked by \
         sdk_node_import_needs_credentials_and_a_numeric_time)",
    ),
    (
        "python-buffered-consumer",
        "a BufferedConsumer holds events and sends them later, in batches; the emulation is \
         the default Consumer, which sends each call at once",
    ),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn script(name: &str) -> Value {
    load(&dir().join("server-scripts").join(format!("{name}.json")))
}

fn recording(name: &str) -> Value {
    load(&dir().join("server-recorded").join(format!("{name}.json")))
}

/// The names of the files in `conformance/<sub>/`, without `.json`, sorted.
fn names(sub: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir().join(sub))
        .unwrap_or_else(|e| panic!("conformance/{sub}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Whether a value holds the harness's `{"$date": …}` (a JS `Date` / Python `datetime`).
fn has_date(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$date") || m.values().any(has_date),
        Value::Array(a) => a.iter().any(has_date),
        _ => false,
    }
}

/// An optional object argument: missing or `null` → empty.
fn object_arg(args: &[Value], i: usize) -> Result<Map<String, Value>, String> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(other) => Err(format!("argument {i} is {other}, not an object")),
    }
}

fn string_arg(args: &[Value], i: usize, what: &str) -> Result<String, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(format!(
            "{what} is {}: scenario ids and names are strings",
            other.map_or("missing".into(), Value::to_string)
        )),
    }
}

/// `meta` (python's last-but-one argument) overrides top-level keys: no scenario call has it.
fn no_meta(args: &[Value], i: usize) -> Result<(), String> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err("`meta` (top-level overrides): no SdkCall carries it".into()),
    }
}

/// The scenario call that makes this library call (args in the library's order), or why
/// there is none. Python's positional `distinct_id` goes into the properties (`""` stays
/// out: a scenario without distinct_id is what sends it); its `timestamp` and node's `time`
/// argument become the properties' `time`, as the profiles' `call_text` writes them back.
fn sdk_call(lib: &str, call: &str, args: &[Value]) -> Result<SdkCall, String> {
    if args.iter().any(has_date) {
        return Err("a Date/datetime argument: scenario JSON has no such value".into());
    }
    let people = |args: &[Value], once: bool, arity: usize| -> Result<SdkCall, String> {
        if args.len() > arity || !args.get(1).is_some_and(Value::is_object) {
            return Err("only the set(distinct_id, {properties}) form is a scenario call".into());
        }
        Ok(SdkCall::PeopleSetFor {
            distinct_id: string_arg(args, 0, "the profile id")?,
            properties: object_arg(args, 1)?,
            once,
        })
    };
    match (lib, call) {
        ("node", "track") => Ok(SdkCall::Track {
            event: string_arg(args, 0, "the event name")?,
            properties: object_arg(args, 1)?,
        }),
        ("node", "import") => {
            let mut properties = object_arg(args, 2)?;
            match args.get(1) {
                None | Some(Value::Null) => {}
                Some(t) => {
                    properties.insert("time".into(), t.clone());
                }
            }
            Ok(SdkCall::Import {
                event: string_arg(args, 0, "the event name")?,
                properties,
            })
        }
        ("node", "alias") => Ok(SdkCall::Alias {
            alias: string_arg(args, 1, "the alias")?,
            original: Some(string_arg(args, 0, "the distinct_id")?),
        }),
        ("node", "people.set") => people(args, false, 2),
        ("node", "people.set_once") => people(args, true, 2),
        ("python", "track") => {
            no_meta(args, 3)?;
            let rest = object_arg(args, 2)?;
            if rest.contains_key("distinct_id") {
                return Err("distinct_id both positional and in the properties".into());
            }
            let mut properties = Map::new();
            match args.first() {
                Some(Value::String(s)) if s.is_empty() => {}
                Some(id) => {
                    properties.insert("distinct_id".into(), id.clone());
                }
                None => return Err("no distinct_id argument".into()),
            }
            properties.extend(rest);
            Ok(SdkCall::Track {
                event: string_arg(args, 1, "the event name")?,
                properties,
            })
        }
        ("python", "import_data") => {
            no_meta(args, 5)?;
            let rest = object_arg(args, 4)?;
            if rest.contains_key("distinct_id") || rest.contains_key("time") {
                return Err("distinct_id or time both positional and in the properties".into());
            }
            let mut properties = Map::new();
            match args.get(1) {
                Some(Value::String(s)) if s.is_empty() => {}
                Some(id) => {
                    properties.insert("distinct_id".into(), id.clone());
                }
                None => return Err("no distinct_id argument".into()),
            }
            match args.get(3) {
                None | Some(Value::Null) => {}
                Some(t) => {
                    properties.insert("time".into(), t.clone());
                }
            }
            properties.extend(rest);
            Ok(SdkCall::Import {
                event: string_arg(args, 2, "the event name")?,
                properties,
            })
        }
        ("python", "alias") => {
            no_meta(args, 2)?;
            Ok(SdkCall::Alias {
                alias: string_arg(args, 0, "the alias")?,
                original: Some(string_arg(args, 1, "the original")?),
            })
        }
        ("python", "people_set") => {
            no_meta(args, 2)?;
            people(args, false, 2)
        }
        ("python", "people_set_once") => {
            no_meta(args, 2)?;
            people(args, true, 2)
        }
        _ => Err(format!("{lib} `{call}` has no SdkCall")),
    }
}

fn profile(lib: &str) -> Profile {
    match lib {
        "node" => Profile::Node,
        "python" => Profile::Python,
        other => panic!("lib {other}"),
    }
}

fn endpoint_name(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Track => "/track",
        Endpoint::Engage => "/engage",
        Endpoint::Import => "/import",
    }
}

/// One request as compared: `step N <during> <endpoint> <shape>` and its payloads as text.
type Line = (usize, String, Vec<String>);

/// What one script step did in the emulation: the requests, and the notes.
struct Emulated {
    requests: Vec<Line>,
    notes: Vec<(usize, String)>,
}

/// Replays the modelled steps of a script through the profile, as the harness replays them
/// through the library: one instance created at `start`, each step at its `at`.
fn emulate(script: &Value, modelled: &[(usize, SdkCall)]) -> Emulated {
    let name = script["name"].as_str().unwrap();
    let token = script["token"].as_str().unwrap();
    let lib = script["lib"].as_str().unwrap();
    let steps = script["steps"].as_array().unwrap();
    let mut ids = IdSource::deterministic(name);
    let first = ids.device_id("api", 0);
    let mut device = profile(lib).device("api", first, &DeviceSpec::default());
    let at = |i: Option<usize>| {
        let secs = i.map_or(&script["start"], |i| &steps[i]["at"]);
        (secs.as_f64().unwrap() * 1000.0).round() as i64
    };
    let mut next_index = 0;
    let init = device.init(&mut Context {
        token,
        time_ms: at(None),
        ids: &mut ids,
        next_index,
    });
    assert!(
        init.requests.is_empty() && init.notes.is_empty(),
        "{name}: init"
    );
    let mut out = Emulated {
        requests: Vec::new(),
        notes: Vec::new(),
    };
    for (i, call) in modelled {
        let mut ctx = Context {
            token,
            time_ms: at(Some(*i)),
            ids: &mut ids,
            next_index,
        };
        let sent = device.call(call, &mut ctx);
        next_index = ctx.next_index;
        for r in sent.requests {
            out.requests.push((
                *i,
                format!("call {} object", endpoint_name(r.endpoint)),
                r.payloads.iter().map(Value::to_string).collect(),
            ));
        }
        out.notes.extend(sent.notes.into_iter().map(|n| (*i, n)));
        let settled = device.settle(&mut Context {
            token,
            time_ms: at(Some(*i)),
            ids: &mut ids,
            next_index,
        });
        assert!(settled.is_empty(), "{name}: a server library sends at once");
    }
    out
}

/// The recorded requests of the steps in `keep`, in send order; node's `config.path`
/// stripped from the endpoint.
fn recorded(rec: &Value, script: &Value, keep: &[usize]) -> Vec<Line> {
    let prefix = script["config"]["path"].as_str().unwrap_or("");
    rec["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let step = r["step"].as_u64()? as usize;
            if !keep.contains(&step) {
                return None;
            }
            let endpoint = r["endpoint"].as_str().unwrap();
            let endpoint = endpoint.strip_prefix(prefix).unwrap_or(endpoint);
            Some((
                step,
                format!(
                    "{} {endpoint} {}",
                    r["during"].as_str().unwrap(),
                    r["shape"].as_str().unwrap()
                ),
                r["payloads"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(Value::to_string)
                    .collect(),
            ))
        })
        .collect()
}

/// Renames `"$insert_id":"<32 hex>"` to `<insert_id N>` in order of appearance.
fn normalise(lines: &mut [Line]) {
    let mut seen: Vec<String> = Vec::new();
    for (_, _, payloads) in lines.iter_mut() {
        for p in payloads.iter_mut() {
            let mut out = String::new();
            let mut rest = p.as_str();
            const KEY: &str = "\"$insert_id\":\"";
            while let Some(at) = rest.find(KEY) {
                let (head, tail) = rest.split_at(at + KEY.len());
                out.push_str(head);
                let id = &tail[..tail.find('"').unwrap()];
                let random = id.len() == 32
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if random {
                    let n = seen.iter().position(|s| s == id).unwrap_or_else(|| {
                        seen.push(id.to_string());
                        seen.len() - 1
                    });
                    out.push_str(&format!("<insert_id {}>", n + 1));
                } else {
                    out.push_str(id);
                }
                rest = &tail[id.len()..];
            }
            out.push_str(rest);
            *p = out;
        }
    }
}

fn show(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|(step, what, payloads)| {
            format!(
                "step {step} {what}\n{}",
                payloads
                    .iter()
                    .map(|p| format!("    {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The outcome of comparing one recording.
struct Compared {
    modelled: usize,
    failure: Option<String>,
}

/// Compares one recording with the emulation, step by step.
fn compare(name: &str) -> Compared {
    let script = script(name);
    let rec = recording(name);
    let lib = script["lib"].as_str().unwrap();
    let steps = script["steps"].as_array().unwrap();
    let mut modelled = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let args = step["args"].as_array().cloned().unwrap_or_default();
        if let Ok(call) = sdk_call(lib, step["call"].as_str().unwrap(), &args) {
            modelled.push((i, call));
        }
    }
    let keep: Vec<usize> = modelled.iter().map(|(i, _)| *i).collect();
    let mut want = recorded(&rec, &script, &keep);
    let got = emulate(&script, &modelled);
    let mut problems = Vec::new();
    // A step the library threw on sends nothing and is a note in the emulation; any other
    // step sends without a note.
    for (i, _) in &modelled {
        let threw = rec["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["step"] == json!(i) && n["kind"] == "threw");
        assert_eq!(
            threw,
            steps[*i]["expect_error"] == json!(true),
            "{name} step {i}: the recording's throw and the script's expect_error"
        );
        let noted = got.notes.iter().any(|(s, _)| s == i);
        if threw != noted {
            problems.push(format!(
                "step {i}: the library {} but the emulation {}",
                if threw { "threw" } else { "did not throw" },
                if noted {
                    format!("refused: {:?}", got.notes)
                } else {
                    "sent".into()
                }
            ));
        }
    }
    let mut got_lines = got.requests;
    normalise(&mut want);
    normalise(&mut got_lines);
    if want != got_lines {
        problems.push(format!(
            "-- recorded:\n{}\n-- emulated:\n{}",
            show(&want),
            show(&got_lines)
        ));
    }
    Compared {
        modelled: modelled.len(),
        failure: (!problems.is_empty()).then(|| format!("== {name}\n{}", problems.join("\n"))),
    }
}

/// Compares every recording of `lib`: (recordings compared, steps compared).
fn every_recording(lib: &str) -> (usize, usize) {
    let package = match lib {
        "node" => format!("npm:mixpanel@{}", Profile::Node.version()),
        _ => format!("pypi:mixpanel@{}", Profile::Python.version()),
    };
    let mut failures = Vec::new();
    let (mut recordings, mut steps) = (0, 0);
    for name in names("server-recorded") {
        let rec = recording(&name);
        if rec["lib"] != lib {
            continue;
        }
        assert_eq!(rec["sdk"], json!(package), "{name}: the pinned library");
        if SKIPPED.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let c = compare(&name);
        recordings += 1;
        steps += c.modelled;
        failures.extend(c.failure);
    }
    assert!(
        failures.is_empty(),
        "{} {lib} recording(s) differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    (recordings, steps)
}

// ---------------------------------------------------------------------------------------
// Every recording
// ---------------------------------------------------------------------------------------

#[test]
fn sdk_node_conformance_every_recording_matches() {
    let (recordings, steps) = every_recording("node");
    assert!(
        recordings >= 20 && steps >= 60,
        "{recordings} recordings, {steps} steps"
    );
}

#[test]
fn sdk_py_conformance_every_recording_matches() {
    let (recordings, steps) = every_recording("python");
    assert!(
        recordings >= 15 && steps >= 45,
        "{recordings} recordings, {steps} steps"
    );
}

#[test]
fn sdk_server_conformance_every_script_has_a_recording_and_back() {
    let scripts = names("server-scripts");
    let recordings = names("server-recorded");
    assert_eq!(
        scripts, recordings,
        "record with: cd conformance && node record-server.js"
    );
    for name in &scripts {
        let (s, r) = (script(name), recording(name));
        assert_eq!(
            s["name"],
            json!(name),
            "{name}: the script's name is its file's"
        );
        assert_eq!(r["script"], json!(name));
        assert_eq!(r["lib"], s["lib"], "{name}");
        assert!(
            name.starts_with(&format!("{}-", s["lib"].as_str().unwrap())),
            "{name}"
        );
    }
    for (name, _) in SKIPPED {
        assert!(
            scripts.iter().any(|s| s == name),
            "SKIPPED names {name}, which is gone"
        );
    }
}

#[test]
fn sdk_server_conformance_scripts_cover_the_playbooks_server_recipes() {
    // P-SERVER's expansions of visit, signup, visit, logout, visit, login (the cookie C1,
    // then C2 after the logout) are, call for call, the `*-recipe-<mode>` scripts, so the
    // recordings above check what the playbooks send.
    let c1 = "5f0c6d2e-8b1a-4c3e-9d7f-2a4b6c8d0e1f";
    let c2 = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    let intents = [
        Action::Visit("Pricing".into()),
        Action::Signup("alice".into()),
        Action::Visit("Dashboard".into()),
        Action::Logout,
        Action::Visit("Home".into()),
        Action::Login("alice".into()),
    ];
    for lib in ["node", "python"] {
        for mode in Mode::ALL {
            let p = profile(lib);
            let mut ids = IdSource::deterministic("recipes");
            let mut device = p.device("api", c1.into(), &DeviceSpec::default());
            let mut sent = Vec::new();
            for action in &intents {
                for mut call in playbook::expand(action, mode, Some(&*device)) {
                    if let SdkCall::Reset { device_id } = &mut call {
                        *device_id = Some(c2.into());
                    }
                    let out = device.call(
                        &call,
                        &mut Context {
                            token: "demo-token",
                            time_ms: 0,
                            ids: &mut ids,
                            next_index: 0,
                        },
                    );
                    if !out.requests.is_empty() {
                        sent.push(p.call_text(&call));
                    }
                }
            }
            let name = format!("{lib}-recipe-{}", mode.as_str());
            let s = script(&name);
            let scripted: Vec<String> = s["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|st| {
                    let args = st["args"].as_array().cloned().unwrap_or_default();
                    let call = sdk_call(lib, st["call"].as_str().unwrap(), &args)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    p.call_text(&call)
                })
                .collect();
            assert_eq!(
                sent, scripted,
                "{name}: the playbook's calls and the script's"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The rules, one fact at a time (each against its recording and the emulation)
// ---------------------------------------------------------------------------------------

/// The payloads a recording sent for `step`, as text.
fn recorded_payloads(name: &str, step: usize) -> Vec<Value> {
    recording(name)["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["step"] == json!(step))
        .flat_map(|r| r["payloads"].as_array().unwrap().clone())
        .collect()
}

/// Runs calls on a fresh device of `profile` at 2026-01-01T09:00:01Z (+1 s per call).
fn run(p: Profile, calls: &[SdkCall]) -> Vec<idscope_core::sdk::Sent> {
    let mut ids = IdSource::deterministic("server-rules");
    let mut device = p.device("api", ids.device_id("api", 0), &DeviceSpec::default());
    let mut next_index = 0;
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let mut ctx = Context {
                token: "demo-token",
                time_ms: (1_767_258_001 + i as i64) * 1000,
                ids: &mut ids,
                next_index,
            };
            let sent = device.call(call, &mut ctx);
            next_index = ctx.next_index;
            sent
        })
        .collect()
}

fn props(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn track(event: &str, properties: Value) -> SdkCall {
    SdkCall::Track {
        event: event.into(),
        properties: props(properties),
    }
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn only_payload(sent: &idscope_core::sdk::Sent) -> &Value {
    assert_eq!(sent.requests.len(), 1, "{sent:?}");
    assert_eq!(sent.requests[0].payloads.len(), 1, "{sent:?}");
    &sent.requests[0].payloads[0]
}

#[test]
fn sdk_server_keeps_no_identity_session_steps_send_nothing() {
    // No recording has a request before the first call: creating the library sends nothing.
    for name in names("server-recorded") {
        for r in recording(&name)["requests"].as_array().unwrap() {
            assert!(r["step"].is_u64(), "{name}: a request during init");
        }
    }
    for p in [Profile::Node, Profile::Python] {
        let out = run(
            p,
            &[
                SdkCall::Identify("alice".into()),
                SdkCall::Reset {
                    device_id: Some("c-2".into()),
                },
                track("Page View", json!({})),
            ],
        );
        // Session steps: no request, and no note either (the call text says what happens).
        assert!(
            out[0].requests.is_empty() && out[0].notes.is_empty(),
            "{p:?}"
        );
        assert!(
            out[1].requests.is_empty() && out[1].notes.is_empty(),
            "{p:?}"
        );
        // The session does not reach the library: the event names no one.
        let e = only_payload(&out[2]);
        assert!(e["properties"].get("$device_id").is_none(), "{p:?}");
        assert_ne!(e["properties"]["distinct_id"], "alice", "{p:?}");
    }
}

#[test]
fn sdk_node_track_adds_no_time_insert_id_or_distinct_id() {
    let rec = &recorded_payloads("node-track-device-id-only", 0)[0];
    assert_eq!(
        keys(&rec["properties"]),
        ["$device_id", "token", "mp_lib", "$lib_version"]
    );
    assert_eq!(rec["properties"]["$lib_version"], "0.24.0");
    let out = run(
        Profile::Node,
        &[track("Page View", json!({"$device_id": "d-1"}))],
    );
    assert_eq!(only_payload(&out[0]).to_string(), rec.to_string());
    // The caller's token/mp_lib/$lib_version are overwritten where they stand.
    let rec = &recorded_payloads("node-track-overrides", 0)[0];
    assert_eq!(keys(&rec["properties"])[0], "token");
    assert_eq!(rec["properties"]["token"], "demo-token");
}

#[test]
fn sdk_node_track_throws_on_a_truthy_time_that_is_not_a_number() {
    let rec = recording("node-track-time-values");
    let threw: Vec<u64> = rec["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "threw")
        .map(|n| n["step"].as_u64().unwrap())
        .collect();
    assert_eq!(
        threw,
        [3, 4],
        "true and an object throw; null, \"\", false, -5 are sent"
    );
    let out = run(
        Profile::Node,
        &[
            track("True", json!({"time": true})),
            track("String", json!({"time": "2026-01-01"})),
            track("Null", json!({"time": null})),
        ],
    );
    for sent in &out[..2] {
        assert!(sent.requests.is_empty(), "{sent:?}");
        assert!(
            sent.notes[0].contains("must be a Date or Unix timestamp"),
            "{sent:?}"
        );
    }
    assert_eq!(only_payload(&out[2])["properties"]["time"], Value::Null);
}

#[test]
fn sdk_node_import_needs_credentials_and_a_numeric_time() {
    // Without credentials the library throws before sending (the emulation assumes them).
    let rec = recording("node-import-no-auth");
    assert!(rec["requests"].as_array().unwrap().is_empty());
    assert!(rec["notes"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("The /import endpoint requires authentication."));
    // With a service account: the time argument verbatim, appended after the caller's keys.
    let rec = &recorded_payloads("node-import-service-account", 0)[0];
    assert_eq!(
        keys(&rec["properties"]),
        ["distinct_id", "time", "token", "mp_lib", "$lib_version"]
    );
    let import = |p: Value| SdkCall::Import {
        event: "Purchase".into(),
        properties: props(p),
    };
    let out = run(
        Profile::Node,
        &[
            import(json!({"time": 1_766_000_000, "distinct_id": "alice"})),
            import(json!({"distinct_id": "alice"})),
            import(json!({"distinct_id": "alice", "time": "2025-12-17"})),
        ],
    );
    assert_eq!(out[0].requests[0].endpoint, Endpoint::Import);
    assert_eq!(only_payload(&out[0]).to_string(), rec.to_string());
    for sent in &out[1..] {
        assert!(sent.requests.is_empty(), "{sent:?}");
        assert!(sent.notes[0].contains("throws"), "{sent:?}");
    }
}

#[test]
fn sdk_node_alias_sends_create_alias_with_the_original_first() {
    let rec = &recorded_payloads("node-alias", 0)[0];
    // alias("anon-1", "alice"): the first argument is the distinct_id.
    assert_eq!(rec["properties"]["distinct_id"], "anon-1");
    assert_eq!(rec["properties"]["alias"], "alice");
    let out = run(
        Profile::Node,
        &[SdkCall::Alias {
            alias: "alice".into(),
            original: Some("anon-1".into()),
        }],
    );
    assert_eq!(out[0].requests[0].endpoint, Endpoint::Track);
    assert_eq!(only_payload(&out[0]).to_string(), rec.to_string());
    assert_eq!(
        Profile::Node.call_text(&SdkCall::Alias {
            alias: "alice".into(),
            original: Some("anon-1".into()),
        }),
        r#"mixpanel.alias("anon-1", "alice")"#
    );
}

#[test]
fn sdk_node_people_moves_ip_and_a_truthy_ignore_time_out_of_set() {
    let rec = recorded_payloads("node-people-set-extract", 1);
    assert_eq!(
        rec[0].to_string(),
        r#"{"$token":"demo-token","$distinct_id":"alice","$set_once":{"first_seen":"2026-01-01"},"$ip":"1.2.3.4","$ignore_time":true}"#
    );
    let out = run(
        Profile::Node,
        &[SdkCall::PeopleSetFor {
            distinct_id: "alice".into(),
            properties: props(
                json!({"ip": "1.2.3.4", "first_seen": "2026-01-01", "$ignore_time": true}),
            ),
            once: true,
        }],
    );
    assert_eq!(out[0].requests[0].endpoint, Endpoint::Engage);
    assert_eq!(only_payload(&out[0]).to_string(), rec[0].to_string());
    // No $time, no mp_lib on /engage.
    let rec = &recorded_payloads("node-people-set", 0)[0];
    assert_eq!(keys(rec), ["$token", "$distinct_id", "$set"]);
}

#[test]
fn sdk_node_objects_order_array_index_keys_first() {
    let rec = &recorded_payloads("node-track-key-order", 0)[0];
    assert_eq!(
        &keys(&rec["properties"])[..4],
        ["2", "10", "4294967294", "distinct_id"]
    );
}

#[test]
fn sdk_py_track_always_sends_distinct_id_float_time_and_insert_id() {
    let rec = &recorded_payloads("python-recipe-simplified", 1)[0];
    let p = &rec["properties"];
    assert_eq!(
        keys(p),
        [
            "token",
            "distinct_id",
            "time",
            "$insert_id",
            "mp_lib",
            "$lib_version",
            "$device_id",
            "$user_id"
        ]
    );
    assert_eq!(p["distinct_id"], "");
    assert!(p["time"].is_f64(), "time.time() is a float: {}", p["time"]);
    assert_eq!(p["$insert_id"].as_str().unwrap().len(), 32);
    let out = run(
        Profile::Python,
        &[track(
            "Sign Up",
            json!({"$device_id": "5f0c6d2e-8b1a-4c3e-9d7f-2a4b6c8d0e1f", "$user_id": "alice"}),
        )],
    );
    let e = only_payload(&out[0]);
    assert_eq!(keys(&e["properties"]), keys(p));
    // 1767258001 seconds, written as Python writes a float.
    assert!(e.to_string().contains(r#""time":1767258001.0,"#), "{e}");
    assert_eq!(e["properties"]["distinct_id"], "");
    // A caller's time/$insert_id/distinct_id overwrite the library's where they stand.
    let rec = &recorded_payloads("python-track-time-and-insert-id", 2)[0];
    assert_eq!(rec["properties"]["time"], 1_767_258_003);
    assert_eq!(rec["properties"]["$insert_id"], "ins-1");
}

#[test]
fn sdk_py_import_sends_the_timestamp_verbatim() {
    let rec = &recorded_payloads("python-import-data-time-values", 0)[0];
    assert_eq!(
        rec["properties"]["time"],
        Value::Null,
        "a missing timestamp is None"
    );
    let rec = &recorded_payloads("python-import-data-service-account", 0)[0];
    assert_eq!(
        rec["properties"]["time"], 1_766_000_000,
        "an int stays an int"
    );
    let out = run(
        Profile::Python,
        &[SdkCall::Import {
            event: "Purchase".into(),
            properties: props(json!({"distinct_id": "alice", "time": 1_766_000_000})),
        }],
    );
    assert_eq!(out[0].requests[0].endpoint, Endpoint::Import);
    let e = only_payload(&out[0]);
    assert_eq!(keys(&e["properties"]), keys(&rec["properties"]));
    assert_eq!(e["properties"]["time"], 1_766_000_000);
}

#[test]
fn sdk_py_alias_is_bare_with_the_alias_first() {
    let rec = &recorded_payloads("python-alias", 0)[0];
    // alias("alice", "anon-1"): the first argument is the alias.
    assert_eq!(
        rec.to_string(),
        r#"{"event":"$create_alias","properties":{"distinct_id":"anon-1","alias":"alice","token":"demo-token"}}"#
    );
    let out = run(
        Profile::Python,
        &[SdkCall::Alias {
            alias: "alice".into(),
            original: Some("anon-1".into()),
        }],
    );
    assert_eq!(out[0].requests[0].endpoint, Endpoint::Track);
    assert_eq!(only_payload(&out[0]).to_string(), rec.to_string());
    assert_eq!(
        Profile::Python.call_text(&SdkCall::Alias {
            alias: "alice".into(),
            original: Some("anon-1".into()),
        }),
        r#"mp.alias("alice", "anon-1")"#
    );
}

#[test]
fn sdk_py_people_sends_float_time_and_leaves_the_properties_alone() {
    let rec = &recorded_payloads("python-people-set", 2)[0];
    assert_eq!(
        rec.to_string(),
        r#"{"$token":"demo-token","$time":1767258003.0,"$distinct_id":"alice","$set":{"plan":"pro","ip":"1.2.3.4","$ignore_time":true}}"#
    );
    let out = run(
        Profile::Python,
        &[
            track("skip a second", json!({})),
            track("and another", json!({})),
            SdkCall::PeopleSetFor {
                distinct_id: "alice".into(),
                properties: props(json!({"plan": "pro", "ip": "1.2.3.4", "$ignore_time": true})),
                once: false,
            },
        ],
    );
    assert_eq!(out[2].requests[0].endpoint, Endpoint::Engage);
    assert_eq!(only_payload(&out[2]).to_string(), rec.to_string());
}

#[test]
fn sdk_server_payloads_are_compared_with_their_key_order() {
    // Why this file compares payloads as text: `Value`'s `==` ignores key order.
    let a: Value = serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap();
    let b: Value = serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.to_string(), b.to_string());
}
