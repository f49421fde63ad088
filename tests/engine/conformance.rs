//! Ground truth for the SDK emulation: every recording of the real mixpanel-browser in
//! `conformance/recorded/` (made by `conformance/record.js` from `conformance/scripts/`) is
//! replayed through idscope's mixpanel-js profile and compared request by request.
//!
//! Ids the real SDK draws at random (device UUIDs, `$insert_id`) are compared by shape and
//! renamed in order of appearance on both sides; everything else — endpoints, which step sent
//! what, every property and its order — must match, except what [`SKIPPED`] and
//! [`order_is_random`] allow, with why.

use idscope_core::ids::IdSource;
use idscope_core::model::Endpoint;
use idscope_core::sdk::mixpanel_js::Device;
use idscope_core::sdk::{Context, Device as _, DeviceSpec, InitConfig, Request, SdkCall};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Scripts (by name prefix) the emulation is not compared on, and why.
const SKIPPED: &[(&str, &str)] = &[(
    "identify-number",
    "identify(12345) sends a JSON number as distinct_id; scenario ids are strings, so the \
     emulation has no way to be asked for it",
)];

/// Whether payloads inside one batch request are compared as a multiset: with batching on,
/// calls made in one tick contend for the queue's lock and land after random retries
/// (10–110 ms), so the recorded order is one draw of several. Only `*.same-tick.batch`.
fn order_is_random(script: &str) -> bool {
    script.ends_with(".same-tick.batch")
}

/// Init options that change how a request travels, not what it carries.
const TRANSPORT_ONLY_CONFIG: &[&str] = &["api_payload_format", "persistence"];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

fn as_map(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn arg_str(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(Value::as_str).map(str::to_string)
}

/// A script step as the emulation's call.
fn sdk_call(call: &str, args: &[Value]) -> SdkCall {
    let obj = |i: usize| args.get(i).map(as_map).unwrap_or_default();
    match call {
        "track" => SdkCall::Track {
            event: arg_str(args, 0).expect("event name"),
            properties: obj(1),
        },
        "identify" => SdkCall::Identify(arg_str(args, 0).unwrap_or_default()),
        "alias" => SdkCall::Alias {
            alias: arg_str(args, 0).expect("alias"),
            original: arg_str(args, 1),
        },
        "reset" => SdkCall::Reset { device_id: None },
        "register" => SdkCall::Register(obj(0)),
        "register_once" => SdkCall::RegisterOnce(obj(0)),
        "unregister" => SdkCall::Unregister(arg_str(args, 0).expect("key")),
        "people.set" => SdkCall::PeopleSet(obj(0)),
        "people.set_once" => SdkCall::PeopleSetOnce(obj(0)),
        "track_pageview" => SdkCall::TrackPageview(obj(0)),
        "opt_out_tracking" => SdkCall::OptOut,
        "opt_in_tracking" => SdkCall::OptIn,
        other => panic!("the conformance scripts use a call the emulation lacks: {other}"),
    }
}

/// One request as compared: (device, step, endpoint, payloads).
type Sent = (String, Option<usize>, &'static str, Vec<Value>);

fn endpoint_name(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Track => "/track/",
        Endpoint::Engage => "/engage/",
        Endpoint::Import => "/import/",
    }
}

/// Replays a script's steps through the emulation, as `conformance/lib/device.js` replays
/// them through the real SDK: one instance per device, init at `start`, a settle before
/// each `"settle"` step and after the last one.
fn emulate(script: &Value) -> Vec<Sent> {
    let token = script["token"].as_str().unwrap_or("demo-token");
    let start_ms = (script["start"].as_f64().expect("start") * 1000.0).round() as i64;
    let mut out = Vec::new();
    let devices = script["devices"].as_object().expect("devices");
    for (name, spec_json) in devices {
        let mut config = as_map(&script["config"]);
        config.extend(as_map(&spec_json["config"]));
        for k in config.keys() {
            assert!(
                k == "batch_requests"
                    || k == "track_pageview"
                    || TRANSPORT_ONLY_CONFIG.contains(&k.as_str()),
                "{}: init option {k} is not emulated",
                script["name"]
            );
        }
        let spec = DeviceSpec {
            config: InitConfig {
                batch_requests: config.get("batch_requests").and_then(Value::as_bool),
                track_pageview: config.get("track_pageview").and_then(Value::as_bool),
            },
            storage: spec_json["storage"].as_object().cloned(),
            ..DeviceSpec::default()
        };
        let mut ids = IdSource::deterministic("conformance");
        // Pinned device ids (init, then each reset), as the harness pins them.
        let mut pinned = spec_json["device_ids"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string));
        let first = pinned.next().unwrap_or_else(|| ids.device_id(name, 0));
        let mut device = Device::new(name, first, &spec);
        let mut time_ms = start_ms;
        let mut index = 0usize;
        let mut last_step: Option<usize> = None;
        let push = |out: &mut Vec<Sent>, step: Option<usize>, reqs: Vec<Request>| {
            for r in reqs {
                out.push((name.clone(), step, endpoint_name(r.endpoint), r.payloads));
            }
        };
        let mut ctx = Context {
            token,
            time_ms,
            ids: &mut ids,
            next_index: index,
        };
        let init = device.init(&mut ctx);
        index = ctx.next_index;
        push(&mut out, None, init.requests);
        for (i, step) in script["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .enumerate()
        {
            if step["device"].as_str() != Some(name) {
                continue;
            }
            if step["tick"] == "settle" {
                let mut ctx = Context {
                    token,
                    time_ms,
                    ids: &mut ids,
                    next_index: index,
                };
                let settled = device.settle(&mut ctx);
                index = ctx.next_index;
                push(&mut out, last_step, settled);
            }
            time_ms = (step["at"].as_f64().expect("at") * 1000.0).round() as i64;
            last_step = Some(i);
            let args: Vec<Value> = step["args"].as_array().cloned().unwrap_or_default();
            let mut call = sdk_call(step["call"].as_str().expect("call"), &args);
            if let SdkCall::Reset { device_id } = &mut call {
                *device_id = pinned.next();
            }
            let mut ctx = Context {
                token,
                time_ms,
                ids: &mut ids,
                next_index: index,
            };
            let sent = device.call(&call, &mut ctx);
            index = ctx.next_index;
            push(&mut out, Some(i), sent.requests);
        }
        let settled = device.settle(&mut Context {
            token,
            time_ms,
            ids: &mut ids,
            next_index: index,
        });
        push(&mut out, last_step, settled);
    }
    out
}

/// The recording's requests, per device in the order they left.
fn recorded(rec: &Value) -> Vec<Sent> {
    let mut by_device: BTreeMap<String, Vec<(u64, Sent)>> = BTreeMap::new();
    for r in rec["requests"].as_array().expect("requests") {
        let device = r["device"].as_str().expect("device").to_string();
        let endpoint = match r["endpoint"].as_str().expect("endpoint") {
            "/track/" => "/track/",
            "/engage/" => "/engage/",
            other => panic!("a request to {other}"),
        };
        let step = r["step"].as_u64().map(|s| s as usize);
        let payloads = r["payloads"].as_array().expect("payloads").clone();
        by_device.entry(device.clone()).or_default().push((
            r["seq"].as_u64().expect("seq"),
            (device, step, endpoint, payloads),
        ));
    }
    by_device
        .into_values()
        .flat_map(|mut v| {
            v.sort_by_key(|(seq, _)| *seq);
            v.into_iter().map(|(_, s)| s)
        })
        .collect()
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Renames random ids in order of appearance: UUIDs (alone or after `$device:`) become
/// `<uuid N>`; an `$insert_id` of the SDK's shape becomes `<insert_id>`.
fn normalise(sent: &mut [Sent]) {
    let mut uuids: Vec<String> = Vec::new();
    fn walk(v: &mut Value, key: &str, uuids: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                if key == "$insert_id" {
                    let shaped = s.len() == 16
                        && s.bytes()
                            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
                    *s = if shaped {
                        "<insert_id>".into()
                    } else {
                        format!("<insert_id of another shape: {s}>")
                    };
                    return;
                }
                let (prefix, bare) = match s.strip_prefix("$device:") {
                    Some(rest) => ("$device:", rest),
                    None => ("", s.as_str()),
                };
                if is_uuid(bare) {
                    let n = match uuids.iter().position(|u| u == bare) {
                        Some(n) => n,
                        None => {
                            uuids.push(bare.to_string());
                            uuids.len() - 1
                        }
                    };
                    *s = format!("{prefix}<uuid {}>", n + 1);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, uuids)),
            Value::Object(m) => m.iter_mut().for_each(|(k, x)| walk(x, k, uuids)),
            _ => {}
        }
    }
    for (_, _, _, payloads) in sent.iter_mut() {
        for p in payloads.iter_mut() {
            walk(p, "", &mut uuids);
        }
    }
}

fn show(sent: &[Sent]) -> String {
    sent.iter()
        .map(|(d, step, e, p)| {
            format!(
                "{d} step {step:?} {e}\n{}",
                p.iter()
                    .map(|x| format!("    {x}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_emulation_sends_what_the_recorded_mixpanel_browser_sends() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("recorded"))
        .expect("conformance/recorded")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 80, "the recordings are committed");
    for file in files {
        let rec: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let name = rec["script"].as_str().unwrap().to_string();
        assert_eq!(
            rec["sdk"], "mixpanel-browser@2.83.0",
            "{name}: the pinned SDK"
        );
        let script_path = dir().join("scripts").join(format!("{name}.json"));
        let script: Value = serde_json::from_slice(&std::fs::read(&script_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", script_path.display()));
        if SKIPPED.iter().any(|(prefix, _)| name.starts_with(prefix)) {
            continue;
        }
        let mut want = recorded(&rec);
        let mut got = emulate(&script);
        normalise(&mut want);
        normalise(&mut got);
        if order_is_random(&name) {
            for (_, _, _, p) in want.iter_mut().chain(got.iter_mut()) {
                p.sort_by_key(|v| v.to_string());
            }
        }
        checked += 1;
        if want != got {
            failures.push(format!(
                "== {name}\n-- recorded:\n{}\n-- emulated:\n{}",
                show(&want),
                show(&got)
            ));
        }
    }
    assert!(checked >= 80, "compared {checked} recordings");
    assert!(
        failures.is_empty(),
        "{} of {checked} recordings differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------
// Every bundled scenario × playbook, recorded from the real SDK
// ---------------------------------------------------------------------------------------

/// The script that replays a scenario's SDK calls (raw `send` steps left out) against the
/// real SDK: each device's calls at the step's time; a step's first call settles the device
/// first (unless the step continues the previous one's tick), later calls of the step run in
/// the same tick, as `Run` runs them.
fn scenario_script(
    name: &str,
    scenario: &idscope_core::Scenario,
    run: &idscope_core::Run,
) -> Value {
    let mut steps = Vec::new();
    for (record, step) in run.steps.iter().zip(&scenario.steps) {
        let Some(device) = &record.device else {
            continue;
        };
        for (k, call) in record.sdk_calls.iter().enumerate() {
            let (method, args) = call.js();
            let tick = if k == 0 && !step.same_tick {
                "settle"
            } else {
                "same"
            };
            steps.push(serde_json::json!({
                "device": device,
                "at": record.time_ms as f64 / 1000.0,
                "tick": tick,
                "call": method,
                "args": args,
            }));
        }
    }
    let mut devices = Map::new();
    let mut used: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| !s.sdk_calls.is_empty())
        .filter_map(|s| s.device.as_deref())
        .collect();
    used.sort_unstable();
    used.dedup();
    for d in used {
        let spec = scenario.devices.get(d).cloned().unwrap_or_default();
        let mut config = Map::new();
        if let Some(b) = spec.config.batch_requests {
            config.insert("batch_requests".into(), Value::Bool(b));
        }
        if let Some(p) = spec.config.track_pageview {
            config.insert("track_pageview".into(), Value::Bool(p));
        }
        let mut dev = Map::new();
        dev.insert(
            "storage".into(),
            spec.storage.map_or(Value::Null, Value::Object),
        );
        // The ids the run gave the device, so calls that name them mean the same there.
        dev.insert("device_ids".into(), serde_json::json!(run.device_ids[d]));
        if !config.is_empty() {
            dev.insert("config".into(), Value::Object(config));
        }
        devices.insert(d.to_string(), Value::Object(dev));
    }
    serde_json::json!({
        "name": name,
        "token": scenario.token,
        "start": scenario.start,
        "config": {},
        "devices": devices,
        "steps": steps,
    })
}

/// (script name, scenario, run) for every bundled scenario under each playbook, in the
/// Simplified project mode (the SDK does not know the mode, so one is enough).
fn bundled_scripts() -> Vec<(String, idscope_core::Scenario, idscope_core::Run)> {
    let mut out = Vec::new();
    for (file, text) in idscope::bundled::BUNDLED {
        let scenario = idscope_core::scenario::parse(text, file).unwrap();
        let stem = file.trim_end_matches(".json");
        // The browser harness runs mixpanel-browser only: a scenario with a server or an app
        // is checked through its own profiles' tests (server_conformance.rs, mobile.rs).
        let browser_only = scenario
            .steps
            .iter()
            .filter_map(|s| s.device.as_deref())
            .all(|d| {
                scenario
                    .devices
                    .get(d)
                    .map(|spec| spec.profile())
                    .unwrap_or_default()
                    == idscope_core::sdk::Profile::MixpanelJs
            });
        if !browser_only {
            continue;
        }
        for playbook in idscope_core::Mode::ALL {
            let config = idscope_core::RunConfig {
                mode: idscope_core::Mode::Simplified,
                playbook: Some(playbook),
                knobs: Default::default(),
            };
            let run = idscope_core::Run::new(&scenario, config);
            // A scenario of raw sends only has no SDK to record.
            if run.steps.iter().any(|s| !s.sdk_calls.is_empty()) {
                out.push((format!("scenario.{stem}.{playbook}"), scenario.clone(), run));
            }
        }
    }
    out
}

#[test]
fn every_bundled_scenario_has_an_up_to_date_script() {
    // IDSCOPE_WRITE_CONFORMANCE=1 writes them; then `node record.js` records them.
    let write = std::env::var_os("IDSCOPE_WRITE_CONFORMANCE").is_some();
    let mut stale = Vec::new();
    for (name, scenario, run) in bundled_scripts() {
        let script = scenario_script(&name, &scenario, &run);
        let mut text = serde_json::to_string_pretty(&script).unwrap();
        text.push('\n');
        let path = dir().join("scripts").join(format!("{name}.json"));
        if write {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "conformance scripts out of date (run IDSCOPE_WRITE_CONFORMANCE=1 cargo test --test engine conformance, then cd conformance && node record.js): {stale:?}"
    );
}

/// The run's requests per device, as the recording lists them.
fn run_requests(run: &idscope_core::Run) -> Vec<Sent> {
    // The script step of a request is the last step its device had started, as the
    // harness records it: each scenario step's calls are consecutive script steps.
    let mut script_step = Vec::new();
    let mut n = 0usize;
    for record in &run.steps {
        n += record.sdk_calls.len();
        script_step.push((!record.sdk_calls.is_empty()).then(|| n - 1));
    }
    let mut by_device: BTreeMap<String, Vec<Sent>> = BTreeMap::new();
    let mut last_step: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let mut last_request = None;
    for e in &run.events {
        let Some(device) = run.steps[e.step - 1].device.clone() else {
            continue;
        };
        let known = last_step.get(&device).copied().flatten();
        let step = script_step[e.step - 1].or(known);
        last_step.insert(device.clone(), step);
        let list = by_device.entry(device.clone()).or_default();
        match list.last_mut() {
            Some(last) if last_request == Some(e.request) => last.3.push(e.payload.body.clone()),
            _ => list.push((
                device,
                step,
                endpoint_name(e.payload.endpoint),
                vec![e.payload.body.clone()],
            )),
        }
        last_request = Some(e.request);
    }
    by_device.into_values().flatten().collect()
}

#[test]
fn every_bundled_scenario_runs_as_the_real_sdk_sends_it() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, _, run) in bundled_scripts() {
        let path = dir().join("recorded").join(format!("{name}.json"));
        let rec: Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (record it with node record.js)", path.display())
            }))
            .unwrap();
        let mut want = recorded(&rec);
        let mut got = run_requests(&run);
        normalise(&mut want);
        normalise(&mut got);
        checked += 1;
        if want != got {
            failures.push(format!(
                "== {name}\n-- recorded:\n{}\n-- idscope run:\n{}",
                show(&want),
                show(&got)
            ));
        }
    }
    assert!(checked >= 50, "{checked} scenario recordings");
    assert!(
        failures.is_empty(),
        "{} of {checked} scenario recordings differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
