//! One or more tests per rule of the rule book (`docs/identity-rules.md`). Each test's name starts
//! with the rule ID in snake case; `every_rule_id_has_a_test` keeps it that way. Expected
//! values are derived from the rule book by hand, never copied from the program's output.

use crate::common::{member_sets, set};
use idscope_core::model::{GuidCheck, Knobs, Mode};
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use serde_json::{json, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Pinned device ids (version-4 shaped, so they pass every GUID check).
const D1: &str = "11111111-1111-4111-8111-111111111111";
const D2: &str = "22222222-2222-4222-8222-222222222222";
const D3: &str = "33333333-3333-4333-8333-333333333333";
/// Scenario `start` default: 2026-01-01T09:00:00Z.
const START: i64 = 1_767_258_000;

fn dev(d: &str) -> String {
    format!("$device:{d}")
}

/// A device step: `{"device": device, action: value}`.
fn on(device: &str, action: &str, value: impl Into<Value>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("device".into(), json!(device));
    m.insert(action.into(), value.into());
    Value::Object(m)
}

fn send(event: &str, props: Value) -> Value {
    json!({ "send": { "event": event, "properties": props } })
}

/// An `/import` send. Ordinary events get the `time` and `$insert_id` /import requires
/// (G-IMPORT) unless the test sets them; identity verbs carry only their own attributes.
fn import(event: &str, mut props: Value) -> Value {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if !matches!(event, "$identify" | "$create_alias" | "$merge") {
        let p = props.as_object_mut().expect("properties are an object");
        p.entry("time").or_insert(json!(START));
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        p.entry("$insert_id").or_insert(json!(format!("test-{n}")));
    }
    raw_import(event, props)
}

/// An `/import` send exactly as written.
fn raw_import(event: &str, props: Value) -> Value {
    json!({ "send": { "event": event, "properties": props }, "endpoint": "import" })
}

/// A scenario whose devices `web` and `phone` start as D1 and D2.
fn scenario_text(steps: Value) -> String {
    json!({
        "name": "rules test",
        "devices": { "web": { "device_id": D1 }, "phone": { "device_id": D2 } },
        "steps": steps,
    })
    .to_string()
}

struct Out {
    run: Run,
    json: Value,
}

fn run_text(text: &str, config: RunConfig) -> Out {
    let scenario = idscope_core::scenario::parse(text, "test.json").expect("test scenario parses");
    let run = Run::new(&scenario, config);
    let json = run_json(&run, run.steps.len());
    Out { run, json }
}

fn run_cfg(config: RunConfig, steps: Value) -> Out {
    run_text(&scenario_text(steps), config)
}

fn run(mode: Mode, steps: Value) -> Out {
    run_cfg(RunConfig::new(mode), steps)
}

fn with_knobs(mode: Mode, knobs: Knobs) -> RunConfig {
    RunConfig {
        mode,
        playbook: None,
        knobs,
    }
}

fn max_cluster(n: u32) -> Knobs {
    Knobs {
        max_cluster: n,
        ..Knobs::default()
    }
}

fn guid(check: GuidCheck) -> Knobs {
    Knobs {
        guid_check: check,
        ..Knobs::default()
    }
}

impl Out {
    fn events(&self) -> &Vec<Value> {
        self.json["events"].as_array().expect("events array")
    }
    fn ev(&self, i: usize) -> &Value {
        &self.events()[i]
    }
    fn props(&self, i: usize) -> &Value {
        &self.ev(i)["payload"]["properties"]
    }
    fn name(&self, i: usize) -> &str {
        self.ev(i)["payload"]["event"].as_str().unwrap_or("")
    }
    /// Indices of the events sent to `/track` (profile records left out).
    fn tracked(&self) -> Vec<usize> {
        (0..self.events().len())
            .filter(|&i| self.ev(i)["endpoint"] == "track")
            .collect()
    }
    /// Index of the `k`-th `/track` event.
    fn t(&self, k: usize) -> usize {
        self.tracked()[k]
    }
    /// Names of the `/track` events, in order.
    fn names(&self) -> Vec<&str> {
        self.tracked().into_iter().map(|i| self.name(i)).collect()
    }
    /// Indices of the `/engage` records.
    fn engaged(&self) -> Vec<usize> {
        (0..self.events().len())
            .filter(|&i| self.ev(i)["endpoint"] == "engage")
            .collect()
    }
    fn effect(&self, i: usize) -> &str {
        self.ev(i)["effect"].as_str().expect("effect")
    }
    fn reason(&self, i: usize) -> Option<&str> {
        self.ev(i)["reason"].as_str()
    }
    fn rule(&self, i: usize) -> &str {
        self.ev(i)["rule"].as_str().expect("rule")
    }
    fn ingest(&self, i: usize) -> Option<&str> {
        self.ev(i)["ingest_distinct_id"].as_str()
    }
    fn fin(&self, i: usize) -> Option<&str> {
        self.ev(i)["final_distinct_id"].as_str()
    }
    /// Indices of the events a (1-based) step sent, from the JSON `steps` record.
    fn step_events(&self, step: usize) -> Vec<usize> {
        self.json["steps"][step - 1]["events"]
            .as_array()
            .expect("step events")
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    }
    fn calls(&self, step: usize) -> Vec<String> {
        self.json["steps"][step - 1]["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
    /// Every cluster's member set.
    fn clusters(&self) -> BTreeSet<BTreeSet<String>> {
        member_sets(&self.json)
    }
    fn cluster_json(&self, canonical: &str) -> Option<&Value> {
        self.json["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["canonical"] == canonical)
    }
    fn has_cluster(&self, members: &[&str]) -> bool {
        self.clusters().contains(&set(members))
    }
    fn together(&self, a: &str, b: &str) -> bool {
        self.clusters()
            .iter()
            .any(|c| c.contains(a) && c.contains(b))
    }
    fn in_any_cluster(&self, id: &str) -> bool {
        self.clusters().iter().any(|c| c.contains(id))
    }
}

// ---------------------------------------------------------------------------------------
// Meta: every rule of the rule book has a test in this file
// ---------------------------------------------------------------------------------------

#[test]
fn every_rule_id_has_a_test() {
    let ids: Vec<&str> = idscope_core::rules::all().iter().map(|r| r.id).collect();
    // The rule book names at least these; if the parser loses some, this test must notice.
    for id in [
        "SDK-INIT",
        "SDK-TRACK",
        "SDK-IDENTIFY",
        "SDK-ALIAS",
        "SDK-RESET",
        "SDK-REGISTER",
        "SDK-PEOPLE",
        "P-VISIT",
        "P-SIGNUP",
        "P-LOGIN",
        "P-LOGOUT",
        "S-DID",
        "S-LINK",
        "S-CLUSTER",
        "S-IGNORE",
        "O-EVENT",
        "O-ID",
        "O-ALIAS",
        "O-MERGE",
        "O-LIMIT",
        "O-CANON",
        "L-EVENT",
        "L-ALIAS",
        "L-IGNORE",
        "L-USERS",
        "G-INVALID",
        "G-EMPTY",
        "G-IRREVERSIBLE",
        "G-DETERMINISM",
    ] {
        assert!(ids.contains(&id), "rule {id} missing from rules::all()");
    }
    // The SDK profiles' rules are tested beside their recordings and sources.
    let source = [
        include_str!("rules.rs"),
        include_str!("server_conformance.rs"),
        include_str!("mobile.rs"),
    ]
    .concat();
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| {
            let snake = id.to_ascii_lowercase().replace('-', "_");
            !source.contains(&format!("fn {snake}_")) && !source.contains(&format!("fn {snake}("))
        })
        .collect();
    assert!(missing.is_empty(), "rules without a test: {missing:?}");
}

// ---------------------------------------------------------------------------------------
// SDK emulator
// ---------------------------------------------------------------------------------------

#[test]
fn sdk_init_pinned_device_is_anonymous_with_device_prefixed_distinct_id() {
    let out = run(Mode::Simplified, json!([on("web", "track", "A")]));
    assert_eq!(out.events().len(), 1);
    let p = out.props(0);
    assert_eq!(p["distinct_id"], dev(D1));
    assert_eq!(p["$device_id"], D1);
    assert!(p.get("$user_id").is_none(), "no $user_id before identify");
}

#[test]
fn sdk_init_sends_nothing_and_generates_a_v4_device_id() {
    // `x` is not listed in `devices`: created on first use. `register` itself sends nothing,
    // so any payload would have come from init.
    let text = json!({"name": "init", "steps": [on("x", "register", json!({})), on("x", "track", "A"), on("y", "track", "B")]})
        .to_string();
    let out = run_text(&text, RunConfig::new(Mode::Legacy));
    assert!(out.step_events(1).is_empty(), "init sends nothing");
    assert_eq!(out.events().len(), 2);
    let d = out.props(0)["$device_id"].as_str().unwrap().to_string();
    let u = uuid::Uuid::parse_str(&d).expect("generated device id is a UUID");
    assert_eq!(u.get_version_num(), 4);
    assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
    assert_eq!(out.props(0)["distinct_id"], format!("$device:{d}"));
    assert_ne!(
        out.props(1)["$device_id"],
        d,
        "two devices get different ids"
    );
    // Deterministic by default.
    let again = run_text(&text, RunConfig::new(Mode::Legacy));
    assert_eq!(again.props(0)["$device_id"], d);
}

#[test]
fn sdk_track_merges_supers_then_caller_props_then_token() {
    let text = json!({
        "name": "track",
        "token": "tok-1",
        "devices": { "web": { "device_id": D1 } },
        "steps": [
            on("web", "register", json!({"plan": "pro", "color": "red"})),
            json!({"device": "web", "track": "Buy", "after": "1h",
                   "properties": {"color": "blue", "token": "evil", "qty": 2}}),
            json!({"device": "web", "track": "Server", "properties": {"distinct_id": "srv", "time": 5}}),
        ]
    })
    .to_string();
    let out = run_text(&text, RunConfig::new(Mode::Original));
    assert_eq!(out.names(), ["Buy", "Server"], "one event per track");
    assert_eq!(out.ev(0)["endpoint"], "track");
    let p = out.props(0);
    assert_eq!(p["token"], "tok-1", "token always wins");
    assert_eq!(p["color"], "blue", "caller's props beat super properties");
    assert_eq!(p["plan"], "pro", "super properties are sent");
    assert_eq!(p["qty"], 2);
    assert_eq!(p["mp_lib"], "web");
    assert_eq!(p["distinct_id"], dev(D1));
    assert_eq!(p["$device_id"], D1);
    assert_eq!(p["time"], START + 1 + 3600, "step 1 +1s, step 2 +1h");
    assert!(p["$insert_id"].as_str().is_some_and(|s| !s.is_empty()));
    // Caller's distinct_id and time beat the automatic ones.
    assert_eq!(out.props(1)["distinct_id"], "srv");
    assert_eq!(out.props(1)["time"], 5);
    assert_ne!(
        out.props(0)["$insert_id"],
        out.props(1)["$insert_id"],
        "each event has its own $insert_id"
    );
}

#[test]
fn sdk_track_payloads_do_not_depend_on_mode() {
    // The SDK does not know the project's mode [JS-CORE].
    let steps = json!([
        on("web", "track", "A"),
        on("web", "alias", "a@x"),
        on("web", "identify", "u1"),
        on("web", "reset", json!({"device_id": D3})),
        on("web", "track", "B"),
    ]);
    let payloads = |m: Mode| -> Vec<Value> {
        run(m, steps.clone())
            .events()
            .iter()
            .map(|e| e["payload"].clone())
            .collect()
    };
    let legacy = payloads(Mode::Legacy);
    assert_eq!(legacy, payloads(Mode::Original));
    assert_eq!(legacy, payloads(Mode::Simplified));
}

#[test]
fn sdk_identify_from_anonymous_sends_identify_with_anon_distinct_id() {
    let out = run(
        Mode::Simplified,
        json!([on("web", "identify", "u1"), on("web", "track", "A")]),
    );
    assert_eq!(out.names(), ["$identify", "A"]);
    let p = out.props(out.t(0));
    assert_eq!(p["distinct_id"], "u1");
    assert_eq!(p["$anon_distinct_id"], dev(D1));
    assert_eq!(p["$device_id"], D1, "super properties ride along");
    assert_eq!(p["$user_id"], "u1");
    // The first identify also sends the $set_once of the initial referrer queued at init.
    let engaged = out.engaged();
    assert_eq!(engaged.len(), 1);
    let rec = &out.ev(engaged[0])["payload"];
    assert_eq!(
        rec["$set_once"],
        json!({"$initial_referrer": "$direct", "$initial_referring_domain": "$direct"})
    );
    assert_eq!(rec["$distinct_id"], "u1");
    let a = out.props(out.t(1));
    assert_eq!(a["distinct_id"], "u1");
    assert_eq!(a["$user_id"], "u1");
    assert_eq!(a["$device_id"], D1, "the device id is unchanged");
}

#[test]
fn sdk_identify_repeated_sends_nothing() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "identify", "u1"),
            on("web", "identify", "u1"),
            on("web", "track", "A")
        ]),
    );
    assert!(
        out.step_events(2).is_empty(),
        "a repeated identify sends nothing"
    );
    assert_eq!(out.names(), ["$identify", "A"]);
    assert_eq!(out.props(out.t(1))["distinct_id"], "u1");
}

#[test]
fn sdk_identify_empty_id_makes_the_empty_string_the_distinct_id() {
    // Recorded from mixpanel-browser 2.83.0 (conformance/recorded/identify-empty-string.*).
    let out = run(
        Mode::Simplified,
        json!([on("web", "identify", ""), on("web", "track", "A")]),
    );
    assert_eq!(out.names(), ["$identify", "A"]);
    let i = out.props(out.t(0));
    assert_eq!(i["distinct_id"], "");
    assert_eq!(i["$anon_distinct_id"], dev(D1));
    assert!(i.get("$user_id").is_none(), "an empty id is no user id");
    assert_eq!(out.ev(out.engaged()[0])["payload"]["$distinct_id"], "");
    let a = out.props(out.t(1));
    assert_eq!(a["distinct_id"], "", "every later event");
    assert_eq!(a["$device_id"], D1);
    // G-EMPTY under Simplified: $device_id still names the device.
    assert_eq!(out.fin(out.t(1)), Some(dev(D1).as_str()));
    let legacy = run(
        Mode::Legacy,
        json!([on("web", "identify", ""), on("web", "track", "A")]),
    );
    assert_eq!(legacy.fin(legacy.t(1)), None, "Legacy: no user");
}

#[test]
fn sdk_identify_refuses_device_prefixed_ids() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "identify", "$device:abc"),
            on("web", "track", "A"),
            on("web", "identify", "u1"),
            on("web", "identify", format!("$device:{D2}")),
            on("web", "track", "B"),
        ]),
    );
    assert!(out.step_events(1).is_empty(), "refused: nothing sent");
    assert!(
        !out.run.steps[0].sdk_notes.is_empty(),
        "the SDK reports an error for the refused identify"
    );
    let a = &out.props(out.step_events(2)[0]);
    assert_eq!(a["distinct_id"], dev(D1), "nothing changed");
    assert!(a.get("$user_id").is_none());
    assert!(out.step_events(4).is_empty());
    let b = &out.props(out.step_events(5)[0]);
    assert_eq!(b["distinct_id"], "u1", "still the identified user");
    assert_eq!(b["$user_id"], "u1");
}

#[test]
fn sdk_identify_second_user_without_reset_uses_first_as_anon_id() {
    let out = run(
        Mode::Original,
        json!([on("web", "identify", "A"), on("web", "identify", "B")]),
    );
    assert_eq!(out.names(), ["$identify", "$identify"]);
    let p = out.props(out.t(1));
    assert_eq!(p["distinct_id"], "B");
    assert_eq!(p["$anon_distinct_id"], "A");
    assert_eq!(p["$device_id"], D1, "device id still the original");
    assert_eq!(p["$user_id"], "B");
}

#[test]
fn sdk_alias_keeps_local_distinct_id_and_identifies_once_settled() {
    let out = run(
        Mode::Legacy,
        json!([on("web", "alias", "u1"), on("web", "track", "A")]),
    );
    let step1: Vec<&str> = out.step_events(1).iter().map(|&i| out.name(i)).collect();
    assert_eq!(
        step1,
        ["$create_alias", "$identify", ""],
        "$create_alias, then (once settled) the callback's identify and its profile $set_once"
    );
    assert_eq!(out.names(), ["$create_alias", "$identify", "A"]);
    assert_eq!(out.props(out.t(0))["alias"], "u1");
    assert_eq!(out.props(out.t(0))["distinct_id"], dev(D1));
    assert_eq!(out.props(out.t(1))["distinct_id"], "u1");
    assert_eq!(out.props(out.t(1))["$anon_distinct_id"], dev(D1));
    assert_eq!(out.props(out.t(1))["$user_id"], "u1");
    let a = out.props(out.t(2));
    assert_eq!(
        a["distinct_id"],
        dev(D1),
        "alias keeps the local distinct_id"
    );
    assert_eq!(a["$user_id"], "u1");
}

#[test]
fn sdk_alias_then_track_in_the_same_tick_sends_the_event_before_identify() {
    // What signup code does: alias(U); track("Sign Up") in one function. The identify runs
    // in the callback of the $create_alias request, so the event leaves without $user_id
    // (conformance/recorded/alias-then-track.same-tick.*).
    let steps = json!([
        on("web", "alias", "u1"),
        json!({"device": "web", "track": "Sign Up", "same_tick": true}),
    ]);
    for batch in [true, false] {
        let text = json!({
            "name": "alias then track",
            "devices": { "web": { "device_id": D1, "config": { "batch_requests": batch } } },
            "steps": steps,
        })
        .to_string();
        let out = run_text(&text, RunConfig::new(Mode::Simplified));
        let sign_up = out
            .tracked()
            .into_iter()
            .find(|&i| out.name(i) == "Sign Up")
            .unwrap();
        let p = out.props(sign_up);
        assert!(
            p.get("$user_id").is_none(),
            "batch {batch}: no $user_id yet"
        );
        assert_eq!(p["distinct_id"], dev(D1));
        // S-DID: stored as the anonymous device, and nothing links it to u1.
        assert_eq!(out.effect(sign_up), "none", "batch {batch}");
        assert!(!out.together(&dev(D1), "u1"), "batch {batch}");
        let order: Vec<&str> = out.names();
        let expected: &[&str] = if batch {
            // Batched: the callback's $identify is queued while Sign Up waits for the lock.
            &["$create_alias", "$identify", "Sign Up"]
        } else {
            &["$create_alias", "Sign Up", "$identify"]
        };
        assert_eq!(order, expected, "batch {batch}");
    }
}

#[test]
fn sdk_alias_equal_to_original_is_refused_and_behaves_as_identify() {
    // Explicit original equal to the alias, on an anonymous device: identify("u1").
    let out = run(
        Mode::Legacy,
        json!([
            json!({"device": "web", "alias": "u1", "original": "u1"}),
            on("web", "track", "A")
        ]),
    );
    assert_eq!(out.names(), ["$identify", "A"], "no $create_alias");
    assert_eq!(out.props(out.t(0))["distinct_id"], "u1");
    assert_eq!(out.props(out.t(0))["$anon_distinct_id"], dev(D1));
    assert_eq!(out.props(out.t(1))["distinct_id"], "u1");
    // alias(current distinct_id) after identify: identify(u1) again, which sends nothing.
    let out = run(
        Mode::Legacy,
        json!([on("web", "identify", "u1"), on("web", "alias", "u1")]),
    );
    assert!(out.step_events(2).is_empty());
}

#[test]
fn sdk_alias_with_explicit_original() {
    let out = run(
        Mode::Original,
        json!([json!({"device": "web", "alias": "e@x", "original": "u9"})]),
    );
    assert_eq!(out.names(), ["$create_alias", "$identify"]);
    assert_eq!(out.props(out.t(0))["alias"], "e@x");
    assert_eq!(out.props(out.t(0))["distinct_id"], "u9");
    assert_eq!(out.props(out.t(1))["distinct_id"], "e@x");
    assert_eq!(out.props(out.t(1))["$anon_distinct_id"], dev(D1));
}

#[test]
fn sdk_alias_then_identify_same_id_sends_identify_but_keeps_local_id() {
    // After alias(u1) the local distinct_id is still $device:D1, so identify(u1) is not a
    // repeat (X != prev): it sends $identify again, and X == pending alias keeps the id.
    let out = run(
        Mode::Legacy,
        json!([
            on("web", "alias", "u1"),
            on("web", "identify", "u1"),
            on("web", "track", "A")
        ]),
    );
    let s2 = out.step_events(2);
    assert_eq!(s2.len(), 1);
    assert_eq!(out.name(s2[0]), "$identify");
    assert_eq!(out.props(s2[0])["$anon_distinct_id"], dev(D1));
    let a = out.props(out.step_events(3)[0]);
    assert_eq!(a["distinct_id"], dev(D1));
    assert_eq!(a["$user_id"], "u1");
}

#[test]
fn sdk_alias_then_identify_new_id_clears_the_alias() {
    let out = run(
        Mode::Legacy,
        json!([
            on("web", "alias", "u1"),
            on("web", "identify", "u2"),
            on("web", "track", "A"),
            on("web", "identify", "u1"),
            on("web", "track", "B"),
        ]),
    );
    let i2 = out.step_events(2)[0];
    assert_eq!(out.props(i2)["distinct_id"], "u2");
    assert_eq!(out.props(i2)["$anon_distinct_id"], dev(D1));
    assert_eq!(out.props(out.step_events(3)[0])["distinct_id"], "u2");
    // The alias is gone, so identify(u1) now switches the distinct_id.
    let i4 = out.step_events(4)[0];
    assert_eq!(out.props(i4)["$anon_distinct_id"], "u2");
    assert_eq!(out.props(out.step_events(5)[0])["distinct_id"], "u1");
}

#[test]
fn sdk_alias_to_a_device_prefixed_id_sends_create_alias_but_identify_is_refused() {
    // SDK-ALIAS 2 sends $create_alias, then identify(A) is refused by SDK-IDENTIFY 2.
    let out = run(
        Mode::Legacy,
        json!([on("web", "alias", "$device:x"), on("web", "track", "A")]),
    );
    assert_eq!(out.names(), ["$create_alias", "A"]);
    assert!(out.props(1).get("$user_id").is_none());
    assert_eq!(out.props(1)["distinct_id"], dev(D1));
}

#[test]
fn sdk_reset_sends_nothing_and_starts_a_new_anonymous_device() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "register", json!({"plan": "pro"})),
            on("web", "identify", "u1"),
            on("web", "reset", json!({"device_id": D3})),
            on("web", "track", "A"),
        ]),
    );
    assert!(out.step_events(3).is_empty(), "reset sends nothing");
    let a = out.props(out.step_events(4)[0]);
    assert_eq!(a["distinct_id"], dev(D3));
    assert_eq!(a["$device_id"], D3);
    assert!(a.get("$user_id").is_none(), "user id cleared");
    assert!(a.get("plan").is_none(), "super properties cleared");
}

#[test]
fn sdk_reset_generates_a_new_device_id() {
    let out = run(
        Mode::Legacy,
        json!([
            on("web", "track", "A"),
            on("web", "reset", true),
            on("web", "track", "B")
        ]),
    );
    let new = out.props(1)["$device_id"].as_str().unwrap();
    assert_ne!(new, D1);
    assert_eq!(
        uuid::Uuid::parse_str(new).unwrap().get_version_num(),
        4,
        "a fresh v4 id"
    );
    assert_eq!(out.props(1)["distinct_id"], dev(new));
    assert_eq!(out.run.device_ids["web"], [D1.to_string(), new.to_string()]);
}

#[test]
fn sdk_reset_clears_the_pending_alias() {
    let out = run(
        Mode::Legacy,
        json!([
            on("web", "alias", "u1"),
            on("web", "reset", json!({"device_id": D3})),
            on("web", "identify", "u1"),
            on("web", "track", "A"),
        ]),
    );
    // With the alias cleared, identify(u1) switches the distinct_id.
    let i3 = out.step_events(3)[0];
    assert_eq!(out.props(i3)["$anon_distinct_id"], dev(D3));
    assert_eq!(out.props(out.step_events(4)[0])["distinct_id"], "u1");
}

#[test]
fn sdk_reset_clears_queued_people_updates_and_identify_called() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "people_set", json!({"plan": "pro"})),
            on("web", "reset", true),
            on("web", "identify", "u1"),
            on("web", "reset", true),
            on("web", "people_set", json!({"plan": "free"})),
        ]),
    );
    assert!(
        out.step_events(3)
            .iter()
            .all(|&i| out.ev(i)["endpoint"] != "engage"),
        "the queued people.set was cleared by reset"
    );
    assert!(
        out.step_events(5).is_empty(),
        "after reset, people.set is queued again until the next identify"
    );
}

#[test]
fn sdk_register_adds_super_properties_and_sends_nothing() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "register", json!({"plan": "pro"})),
            on("web", "identify", "u1"),
            on("web", "track", "A")
        ]),
    );
    assert!(out.step_events(1).is_empty());
    assert_eq!(out.names(), ["$identify", "A"]);
    assert_eq!(
        out.props(out.t(0))["plan"],
        "pro",
        "$identify carries super properties"
    );
    assert_eq!(out.props(out.t(1))["plan"], "pro");
}

#[test]
fn sdk_register_can_overwrite_distinct_id_and_device_id() {
    // The Segment recipe for Simplified [DOCS-SEGMENT].
    let out = run(
        Mode::Simplified,
        json!([
            on(
                "web",
                "register",
                json!({"$device_id": "seg-1", "distinct_id": "$device:seg-1"})
            ),
            on("web", "track", "A"),
            on("web", "identify", "u1"),
            on("web", "track", "B"),
        ]),
    );
    assert_eq!(out.props(out.t(0))["distinct_id"], "$device:seg-1");
    assert_eq!(out.props(out.t(0))["$device_id"], "seg-1");
    assert_eq!(out.props(out.t(1))["$anon_distinct_id"], "$device:seg-1");
    assert!(out.together("$device:seg-1", "u1"));
    assert!(
        !out.in_any_cluster(&dev(D1)),
        "the original device id was replaced"
    );
}

#[test]
fn sdk_people_set_is_queued_until_identify() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "people_set", json!({"plan": "pro"})),
            on("web", "track", "A"),
            on("web", "identify", "u1"),
        ]),
    );
    assert!(out.step_events(1).is_empty(), "queued before identify");
    let s3 = out.step_events(3);
    let engage: Vec<usize> = s3
        .iter()
        .copied()
        .filter(|&i| out.ev(i)["endpoint"] == "engage")
        .collect();
    assert_eq!(
        engage.len(),
        2,
        "flushed by identify: the $set, then the init's $set_once"
    );
    let rec = &out.ev(engage[0])["payload"];
    assert_eq!(rec["$distinct_id"], "u1");
    assert_eq!(rec["$token"], "demo-token");
    assert_eq!(
        rec["$set"],
        json!({"$os": "Windows", "$browser": "Chrome", "$browser_version": 120, "plan": "pro"}),
        "people.set adds the browser's $os, $browser and $browser_version"
    );
    assert!(out.ev(engage[1])["payload"].get("$set_once").is_some());
    assert!(
        s3.iter().any(|&i| out.name(i) == "$identify"),
        "identify still sends $identify"
    );
}

#[test]
fn sdk_people_set_after_identify_is_sent_at_once() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "identify", "u1"),
            on("web", "people_set", json!({"a": 1}))
        ]),
    );
    let s2 = out.step_events(2);
    assert_eq!(s2.len(), 1);
    assert_eq!(out.ev(s2[0])["endpoint"], "engage");
    assert_eq!(out.ev(s2[0])["payload"]["$distinct_id"], "u1");
    assert_eq!(out.ev(s2[0])["payload"]["$set"]["a"], 1);
}

#[test]
fn sdk_track_properties_come_in_the_sdks_order_with_its_formats() {
    // The order and values conformance/recorded/*.json show for mixpanel-browser 2.83.0.
    let text = json!({
        "name": "order",
        "devices": { "web": { "device_id": D1, "config": { "batch_requests": false } } },
        "steps": [
            json!({"device": "web", "register": {"plan": "pro"}}),
            json!({"device": "web", "track": "Buy", "after": "250ms", "properties": {"qty": 2}}),
        ]
    })
    .to_string();
    let out = run_text(&text, RunConfig::new(Mode::Simplified));
    let p = out.props(0);
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "$os",
            "$browser",
            "$current_url",
            "$browser_version",
            "$screen_height",
            "$screen_width",
            "mp_lib",
            "$lib_version",
            "$insert_id",
            "time",
            "distinct_id",
            "$device_id",
            "$initial_referrer",
            "$initial_referring_domain",
            "plan",
            "qty",
            "token"
        ]
    );
    assert_eq!(p["$lib_version"], "2.83.0");
    // 16 characters of [0-9a-z], like cheap_guid().
    let insert_id = p["$insert_id"].as_str().unwrap();
    assert_eq!(insert_id.len(), 16);
    assert!(insert_id
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    // Date.now() / 1000: step 1 at +1 s, step 2 250 ms later.
    assert_eq!(p["time"], json!(1_767_258_001.25));
    assert_eq!(p["$initial_referrer"], "$direct");
}

#[test]
fn sdk_track_automatic_properties_follow_the_devices_browser() {
    let text = json!({
        "name": "browser",
        "devices": { "mac": {
            "os": "Mac OS X", "browser": "Safari", "browser_version": 17.4,
            "url": "https://app.example.com/signup", "screen_width": 1440, "screen_height": 900,
            "referrer": "https://www.google.com/search?q=x"
        } },
        "steps": [on("mac", "track", "A")]
    })
    .to_string();
    let out = run_text(&text, RunConfig::new(Mode::Simplified));
    let p = out.props(0);
    assert_eq!(p["$os"], "Mac OS X");
    assert_eq!(p["$browser"], "Safari");
    assert_eq!(p["$browser_version"], 17.4);
    assert_eq!(p["$current_url"], "https://app.example.com/signup");
    assert_eq!(p["$screen_width"], 1440);
    assert_eq!(p["$referrer"], "https://www.google.com/search?q=x");
    assert_eq!(p["$referring_domain"], "www.google.com");
    assert_eq!(p["$initial_referring_domain"], "www.google.com");
}

#[test]
fn sdk_tick_a_step_settles_before_the_next_unless_same_tick() {
    // alias's identify runs when the device settles: by the next step, or only at the end of
    // the tick when the next step continues it.
    let settled = run(
        Mode::Simplified,
        json!([on("web", "alias", "u1"), on("web", "track", "A")]),
    );
    let a = settled.props(settled.t(2));
    assert_eq!(a["$user_id"], "u1", "settled: A carries the user id");
    let same = run(
        Mode::Simplified,
        json!([
            on("web", "alias", "u1"),
            json!({"device": "web", "track": "A", "same_tick": true}),
        ]),
    );
    let a = same
        .tracked()
        .into_iter()
        .find(|&i| same.name(i) == "A")
        .unwrap();
    assert!(
        same.props(a).get("$user_id").is_none(),
        "same tick: not yet"
    );
    assert_eq!(
        same.props(a)["time"],
        same.props(same.t(0))["time"],
        "the clock does not move within a tick"
    );
    // A same-tick step must follow a step of the same device.
    let bad = json!({"name": "x", "steps": [on("web", "track", "A"),
        json!({"device": "phone", "track": "B", "same_tick": true})]})
    .to_string();
    let e = idscope_core::scenario::parse(&bad, "t.json").unwrap_err();
    assert_eq!(e.step, Some(2));
    assert!(e.message.contains("same device"), "{}", e.message);
}

#[test]
fn sdk_batch_sends_queued_events_and_profile_records_apart_when_settled() {
    let steps = json!([
        on("web", "visit", "Home"),
        on("web", "identify", "u1"),
        on("web", "track", "A"),
    ]);
    let batched = run(Mode::Original, steps.clone());
    for i in batched.tracked() {
        assert_eq!(batched.props(i)["mp_sent_by_lib_version"], "2.83.0");
    }
    // The events batcher flushed at the first settle, so at the second the profile
    // batcher's timer is due first: /engage leaves before the $identify.
    let step2: Vec<&str> = batched
        .step_events(2)
        .iter()
        .map(|&i| batched.ev(i)["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(step2, ["engage", "track"]);
    let text = json!({
        "name": "nobatch",
        "devices": { "web": { "device_id": D1, "config": { "batch_requests": false } } },
        "steps": steps,
    })
    .to_string();
    let unbatched = run_text(&text, RunConfig::new(Mode::Original));
    assert!(unbatched.props(0).get("mp_sent_by_lib_version").is_none());
    // Without batching identify sends its queued profile records, then $identify.
    let step2: Vec<&str> = unbatched
        .step_events(2)
        .iter()
        .map(|&i| unbatched.ev(i)["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(step2, ["engage", "track"]);
    // One batch request per queue per settle.
    let requests: BTreeSet<u64> = batched
        .run
        .events
        .iter()
        .map(|e| e.request as u64)
        .collect();
    assert_eq!(requests.len(), 4, "Page View; /engage; $identify; A");
    // Queued events keep their own $insert_id, in one tick too.
    let same_tick = run(
        Mode::Simplified,
        json!([
            on("web", "alias", "u1"),
            json!({"device": "web", "track": "A", "same_tick": true}),
            json!({"device": "web", "track": "B", "same_tick": true}),
        ]),
    );
    let ids: BTreeSet<&str> = same_tick
        .tracked()
        .into_iter()
        .map(|i| same_tick.props(i)["$insert_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), same_tick.tracked().len(), "{ids:?}");
}

#[test]
fn sdk_persist_older_storage_keeps_its_id_until_identify_adds_a_device_id() {
    // conformance/recorded/legacy-pre-2.23-storage-then-identify.*
    let text = json!({
        "name": "old cookie",
        "devices": { "web": { "storage": {
            "distinct_id": "16b40fdbfe03-0d5e8f3a6c1b2e8-3c604504-1fa400-16b40fdc05b5",
            "$initial_referrer": "$direct", "$initial_referring_domain": "$direct"
        } } },
        "steps": [on("web", "visit", "Home"), on("web", "login", "u1")]
    })
    .to_string();
    let old = "16b40fdbfe03-0d5e8f3a6c1b2e8-3c604504-1fa400-16b40fdc05b5";
    let out = run_text(&text, RunConfig::new(Mode::Original));
    let pv = out.props(0);
    assert_eq!(pv["distinct_id"], old);
    assert!(
        pv.get("$device_id").is_none(),
        "no $device_id before identify"
    );
    let i = out.props(out.t(1));
    assert_eq!(i["$anon_distinct_id"], old);
    assert_eq!(i["$device_id"], old);
    assert_eq!(i["$had_persisted_distinct_id"], true);
    assert_eq!(out.run.device_ids["web"][0], old);
    // Original: the old id is GUID-shaped under the lenient check, so it merges.
    assert!(out.together(old, "u1"));
}

#[test]
fn sdk_pageview_config_sends_a_page_view_at_load() {
    let text = json!({
        "name": "pageview",
        "devices": { "web": { "device_id": D1, "config": { "track_pageview": true } } },
        "steps": [on("web", "track", "A"), on("web", "track_pageview", true)]
    })
    .to_string();
    let out = run_text(&text, RunConfig::new(Mode::Simplified));
    assert_eq!(out.names(), ["$mp_web_page_view", "A", "$mp_web_page_view"]);
    let load = out.props(0);
    assert_eq!(load["$mp_autocapture"], true);
    assert_eq!(load["current_url_path"], "/");
    assert_eq!(load["current_domain"], "example.com");
    assert!(out.props(out.t(2)).get("$mp_autocapture").is_none());
}

#[test]
fn sdk_optout_stops_sending_and_opt_in_resumes_with_the_same_ids() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "track", "A"),
            on("web", "opt_out", true),
            on("web", "track", "B"),
            on("web", "opt_in", true),
            on("web", "track", "C"),
        ]),
    );
    assert_eq!(out.names(), ["A", "$opt_in", "C"]);
    assert!(
        out.step_events(3).is_empty(),
        "nothing leaves while opted out"
    );
    assert_eq!(out.props(out.t(1))["distinct_id"], dev(D1));
    assert!(out.run.steps[2]
        .sdk_notes
        .iter()
        .any(|n| n.contains("opted out")));
}

#[test]
fn sdk_people_records_have_no_identity_effect() {
    let base = json!([
        on("web", "visit", "Home"),
        on("web", "login", "u1"),
        on("phone", "login", "u2"),
    ]);
    let mut with = base.as_array().unwrap().clone();
    with.insert(2, on("web", "people_set", json!({"plan": "pro"})));
    with.push(on("phone", "people_set", json!({"plan": "free"})));
    for mode in Mode::ALL {
        let a = run(mode, base.clone());
        let b = run(mode, Value::Array(with.clone()));
        assert_eq!(
            a.json["clusters"], b.json["clusters"],
            "{mode}: profile records change no cluster nor event count"
        );
        for (i, e) in b.events().iter().enumerate() {
            if e["endpoint"] == "engage" {
                assert_eq!(b.effect(i), "none", "{mode}");
                assert!(b.fin(i).is_none(), "{mode}: a profile record is no event");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Playbooks
// ---------------------------------------------------------------------------------------

#[test]
fn p_visit_tracks_page_view_under_every_playbook() {
    for mode in Mode::ALL {
        let out = run(mode, json!([on("web", "visit", "Pricing")]));
        assert_eq!(out.calls(1), [r#"track("Page View", {"page":"Pricing"})"#]);
        assert_eq!(out.names(), ["Page View"]);
        assert_eq!(out.props(0)["page"], "Pricing");
        assert_eq!(out.json["steps"][0]["action"], "visit");
    }
}

#[test]
fn p_signup_legacy_playbook_aliases_then_tracks() {
    let out = run(Mode::Legacy, json!([on("web", "signup", "alice")]));
    assert_eq!(out.calls(1), [r#"alias("alice")"#, r#"track("Sign Up")"#]);
    // One tick: Sign Up is made before alias's callback identifies (SDK-ALIAS 2); batched,
    // the callback's $identify still leaves first (SDK-BATCH).
    assert_eq!(out.names(), ["$create_alias", "$identify", "Sign Up"]);
    assert_eq!(out.props(out.t(2))["distinct_id"], dev(D1));
    assert!(
        out.props(out.t(2)).get("$user_id").is_none(),
        "Sign Up has no $user_id"
    );
}

#[test]
fn p_signup_original_playbook_resets_an_identified_device_first() {
    let out = run(Mode::Original, json!([on("web", "signup", "alice")]));
    assert_eq!(
        out.calls(1),
        [r#"identify("alice")"#, r#"track("Sign Up")"#],
        "anonymous device: no reset"
    );
    assert_eq!(out.props(0)["$anon_distinct_id"], dev(D1));

    let out = run(
        Mode::Original,
        json!([on("web", "login", "bob"), on("web", "signup", "alice")]),
    );
    assert_eq!(
        out.calls(2),
        ["reset()", r#"identify("alice")"#, r#"track("Sign Up")"#]
    );
    let s2 = out.step_events(2);
    let new_device = out.props(s2[1])["$device_id"].as_str().unwrap();
    assert_ne!(new_device, D1, "the signup happens on a fresh device id");
    assert_eq!(out.props(s2[0])["$anon_distinct_id"], dev(new_device));
    assert!(!out.together("alice", "bob"));
    assert!(out.together("alice", &dev(new_device)));
}

#[test]
fn p_signup_simplified_playbook_identifies_then_tracks() {
    let out = run(Mode::Simplified, json!([on("web", "signup", "alice")]));
    assert_eq!(
        out.calls(1),
        [r#"identify("alice")"#, r#"track("Sign Up")"#]
    );
    assert_eq!(out.names(), ["$identify", "Sign Up"]);
    assert_eq!(out.effect(out.t(1)), "linked");
    assert!(out.has_cluster(&[&dev(D1), "alice"]));
}

#[test]
fn p_signup_playbook_can_differ_from_the_mode() {
    let config = RunConfig {
        mode: Mode::Simplified,
        playbook: Some(Mode::Legacy),
        knobs: Knobs::default(),
    };
    let out = run_cfg(config, json!([on("web", "signup", "alice")]));
    assert_eq!(out.json["mode"], "simplified");
    assert_eq!(out.json["playbook"], "legacy");
    assert_eq!(out.calls(1), [r#"alias("alice")"#, r#"track("Sign Up")"#]);
    // Under Simplified the alias flow loses the Sign Up: it leaves before the callback's
    // identify, with $device_id and no $user_id, so it stays the anonymous device's.
    let sign_up = out.t(2);
    assert_eq!(out.name(sign_up), "Sign Up");
    assert_eq!(out.effect(sign_up), "none");
    assert_eq!(out.fin(sign_up), Some(dev(D1).as_str()));
    assert_eq!(out.effect(out.t(0)), "ignored");
    assert!(!out.together(&dev(D1), "alice"), "nothing links yet");
    // The next event carries $user_id and links the device.
    let out = run_cfg(
        config,
        json!([on("web", "signup", "alice"), on("web", "visit", "Home")]),
    );
    let visit = out.t(3);
    assert_eq!(out.effect(visit), "linked");
    assert!(out.together(&dev(D1), "alice"));
}

#[test]
fn p_login_identifies_then_tracks_under_every_playbook() {
    for mode in Mode::ALL {
        let out = run(mode, json!([on("web", "login", "bob")]));
        assert_eq!(out.calls(1), [r#"identify("bob")"#, r#"track("Log In")"#]);
        assert_eq!(out.names(), ["$identify", "Log In"]);
        assert_eq!(out.props(out.t(1))["distinct_id"], "bob");
    }
}

#[test]
fn p_logout_resets_under_legacy_and_simplified() {
    for mode in [Mode::Legacy, Mode::Simplified] {
        let out = run(
            mode,
            json!([
                on("web", "login", "bob"),
                on("web", "logout", true),
                on("web", "visit", "Home")
            ]),
        );
        assert_eq!(out.calls(2), ["reset()"]);
        assert!(out.step_events(2).is_empty());
        let p = out.props(out.step_events(3)[0]);
        assert_ne!(p["$device_id"], D1, "{mode}: a new device id");
        assert!(p.get("$user_id").is_none());
    }
}

#[test]
fn p_logout_does_nothing_under_original() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "login", "bob"),
            on("web", "logout", true),
            on("web", "visit", "Home")
        ]),
    );
    assert!(out.calls(2).is_empty());
    assert!(out.step_events(2).is_empty());
    let p = out.props(out.step_events(3)[0]);
    assert_eq!(p["distinct_id"], "bob");
    assert_eq!(p["$device_id"], D1);
    assert_eq!(p["$user_id"], "bob");
}

// ---------------------------------------------------------------------------------------
// Simplified
// ---------------------------------------------------------------------------------------

#[test]
fn s_did_user_id_then_device_id_then_distinct_id() {
    let out = run(
        Mode::Simplified,
        json!([
            send("A", json!({"distinct_id": "x", "$user_id": "u1"})),
            send("B", json!({"distinct_id": "x", "$device_id": "d9"})),
            send("C", json!({"distinct_id": "$device:d8"})),
            send("D", json!({"distinct_id": "d7"})),
        ]),
    );
    assert_eq!(out.ingest(0), Some("u1"));
    assert_eq!(out.ingest(1), Some("$device:d9"));
    assert_eq!(out.ingest(2), Some("$device:d8"));
    assert_eq!(
        out.ingest(3),
        Some("d7"),
        "a bare id is read as a user id (phantom user)"
    );
    assert!(
        !out.in_any_cluster("x"),
        "the event's own distinct_id is overridden"
    );
    for i in 0..4 {
        assert_eq!(out.effect(i), "none");
    }
}

#[test]
fn s_did_bare_device_value_is_a_user_apart_from_the_device() {
    let out = run(
        Mode::Simplified,
        json!([
            send("A", json!({"$device_id": "d1"})),
            send("B", json!({"distinct_id": "d1"})),
        ]),
    );
    assert_eq!(out.ingest(0), Some("$device:d1"));
    assert_eq!(out.ingest(1), Some("d1"));
    assert!(!out.together("$device:d1", "d1"));
}

#[test]
fn s_link_first_event_with_both_ids_links_retroactively() {
    let text = scenario_text(json!([
        on("web", "visit", "Home"),
        on("web", "login", "u1"),
        on("web", "visit", "Docs"),
    ]));
    let out = run_text(&text, RunConfig::new(Mode::Simplified));
    assert_eq!(
        out.names(),
        ["Page View", "$identify", "Log In", "Page View"]
    );
    assert_eq!(out.effect(out.t(2)), "linked");
    assert_eq!(out.rule(out.t(2)), "S-LINK");
    assert_eq!(
        out.ingest(0),
        Some(dev(D1).as_str()),
        "stored as the device"
    );
    assert_eq!(
        out.fin(0),
        Some("u1"),
        "retroactively attributed to the user"
    );
    assert_eq!(
        out.effect(out.t(3)),
        "none",
        "the same pair again: no effect"
    );
    assert_eq!(out.reason(out.t(3)), None);
    assert!(out.has_cluster(&[&dev(D1), "u1"]));
    // Before the linking step the device's event was the device's.
    let before = run_json(&out.run, 1);
    assert_eq!(before["events"][0]["final_distinct_id"], dev(D1));
}

#[test]
fn s_link_device_linked_to_another_user_fails() {
    let out = run(
        Mode::Simplified,
        json!([
            send("A", json!({"$device_id": "D1", "$user_id": "U1"})),
            send("B", json!({"$device_id": "D1", "$user_id": "U2"})),
            send("C", json!({"$device_id": "D1"})),
        ]),
    );
    assert_eq!(out.effect(0), "linked");
    assert_eq!(out.effect(1), "failed");
    assert_eq!(out.reason(1), Some("errAnonDistinctIdAssignedAlready"));
    assert_eq!(out.rule(1), "S-LINK");
    assert_eq!(out.ingest(1), Some("U2"), "attributed to U2 anyway");
    assert_eq!(out.fin(1), Some("U2"));
    assert_eq!(
        out.fin(2),
        Some("U1"),
        "the device stays with its first user"
    );
    assert_eq!(
        out.clusters(),
        [set(&["$device:D1", "U1"]), set(&["U2"])].into()
    );
}

#[test]
fn s_link_shared_device_without_reset_keeps_the_first_user() {
    // No reset between two people on one device: the second identify's events carry
    // {$device_id: D1, $user_id: u2} and fail [DOCS-SIMPL, shared devices].
    let out = run(
        Mode::Simplified,
        json!([on("web", "login", "u1"), on("web", "login", "u2"),]),
    );
    let log_in_2 = out.step_events(2)[1];
    assert_eq!(out.name(log_in_2), "Log In");
    assert_eq!(out.effect(log_in_2), "failed");
    assert_eq!(
        out.reason(log_in_2),
        Some("errAnonDistinctIdAssignedAlready")
    );
    assert!(out.has_cluster(&[&dev(D1), "u1"]));
    assert!(out.has_cluster(&["u2"]));
}

#[test]
fn s_cluster_canonical_is_the_user_id_and_devices_accumulate() {
    let out = run(
        Mode::Simplified,
        json!([
            on("web", "visit", "Home"),
            on("web", "login", "u1"),
            on("phone", "visit", "Home"),
            on("phone", "login", "u1"),
        ]),
    );
    assert_eq!(out.clusters(), [set(&[&dev(D1), &dev(D2), "u1"])].into());
    assert!(out.cluster_json("u1").is_some(), "canonical is the user id");
    for i in out.tracked() {
        assert_eq!(out.fin(i), Some("u1"));
    }
}

#[test]
fn s_cluster_unlinked_device_is_its_own_cluster() {
    let out = run(Mode::Simplified, json!([on("web", "visit", "Home")]));
    assert_eq!(out.clusters(), [set(&[&dev(D1)])].into());
    assert!(out.cluster_json(&dev(D1)).is_some());
}

#[test]
fn s_cluster_two_user_ids_never_merge() {
    // A second identifier sent as $device_id joins charlie's cluster as a device; the same
    // value as $user_id is a separate user [DOCS-SIMPL].
    let out = run(
        Mode::Simplified,
        json!([
            send(
                "A",
                json!({"$device_id": "+6512345678", "$user_id": "charlie"})
            ),
            send("B", json!({"$user_id": "+6512345678"})),
            send(
                "C",
                json!({"$device_id": "+6512345678", "$user_id": "+6512345678"})
            ),
        ]),
    );
    assert_eq!(out.effect(2), "failed");
    assert_eq!(
        out.clusters(),
        [
            set(&["$device:+6512345678", "charlie"]),
            set(&["+6512345678"])
        ]
        .into()
    );
}

#[test]
fn s_ignore_identify_event_does_not_link_by_default() {
    let out = run(Mode::Simplified, json!([on("web", "identify", "u1")]));
    assert_eq!(out.names(), ["$identify"]);
    assert_eq!(out.effect(out.t(0)), "ignored");
    assert_eq!(out.rule(out.t(0)), "S-IGNORE");
    assert!(!out.together(&dev(D1), "u1"));
}

#[test]
fn s_ignore_identify_links_knob_makes_identify_link() {
    let knobs = Knobs {
        identify_links: true,
        ..Knobs::default()
    };
    let out = run_cfg(
        with_knobs(Mode::Simplified, knobs),
        json!([on("web", "identify", "u1")]),
    );
    assert_eq!(out.effect(0), "linked");
    assert!(out.has_cluster(&[&dev(D1), "u1"]));
    assert_eq!(out.json["knobs"]["simplified.identify_links"], true);
}

#[test]
fn s_ignore_create_alias_and_merge_have_no_effect_even_with_the_knob() {
    let knobs = Knobs {
        identify_links: true,
        ..Knobs::default()
    };
    for config in [
        RunConfig::new(Mode::Simplified),
        with_knobs(Mode::Simplified, knobs),
    ] {
        let out = run_cfg(
            config,
            json!([
                send("A", json!({"$user_id": "u1"})),
                send(
                    "$create_alias",
                    json!({"alias": "u2", "distinct_id": "u1", "$device_id": "d", "$user_id": "u1"})
                ),
                import(
                    "$merge",
                    json!({"$distinct_ids": ["u1", "u2"], "distinct_id": "u1"})
                ),
                send("B", json!({"$user_id": "u2"})),
            ]),
        );
        assert_eq!(out.effect(1), "ignored");
        assert_eq!(out.effect(2), "ignored");
        assert!(!out.together("u1", "u2"));
        assert!(!out.together("u1", "$device:d"));
    }
}

// ---------------------------------------------------------------------------------------
// Original
// ---------------------------------------------------------------------------------------

#[test]
fn o_event_is_keyed_by_distinct_id_only() {
    let out = run(
        Mode::Original,
        json!([send(
            "A",
            json!({"distinct_id": "a", "$device_id": "d", "$user_id": "u"})
        )]),
    );
    assert_eq!(out.ingest(0), Some("a"));
    assert_eq!(out.effect(0), "none");
    assert_eq!(out.rule(0), "O-EVENT");
    assert_eq!(out.clusters(), [set(&["a"])].into());
}

#[test]
fn o_event_attribution_is_retroactive() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "visit", "Home"),
            on("web", "login", "u1"),
            on("web", "visit", "Docs"),
        ]),
    );
    assert_eq!(out.clusters(), [set(&[&dev(D1), "u1"])].into());
    let canonical = out.json["clusters"][0]["canonical"].as_str().unwrap();
    for i in out.tracked() {
        assert_eq!(out.fin(i), Some(canonical), "event {i}");
    }
    assert_eq!(out.ingest(0), Some(dev(D1).as_str()));
    assert_eq!(out.ingest(out.t(2)), Some("u1"));
}

/// `$identify` as a raw payload with the HTTP-reference vocabulary.
fn identify(anon: &str, identified: &str) -> Value {
    send(
        "$identify",
        json!({"$anon_id": anon, "$identified_id": identified}),
    )
}

#[test]
fn o_id_merges_anon_and_identified_ids() {
    let out = run(Mode::Original, json!([identify(&dev(D1), "u1")]));
    assert_eq!(out.effect(0), "merged");
    assert_eq!(out.rule(0), "O-ID");
    assert_eq!(out.reason(0), None);
    assert!(out.has_cluster(&[&dev(D1), "u1"]));
}

#[test]
fn o_id_reads_anon_id_and_identified_id_before_the_js_vocabulary() {
    let out = run(
        Mode::Original,
        json!([send(
            "$identify",
            json!({"distinct_id": "x", "$anon_distinct_id": D2, "$identified_id": "u1", "$anon_id": D1})
        )]),
    );
    assert_eq!(out.effect(0), "merged");
    assert!(out.together(D1, "u1"));
    assert!(!out.together(D2, "u1"));
    assert!(!out.together("x", "u1"));
    // The JS vocabulary alone works too.
    let out = run(
        Mode::Original,
        json!([send(
            "$identify",
            json!({"distinct_id": "u1", "$anon_distinct_id": D2})
        )]),
    );
    assert_eq!(out.effect(0), "merged");
    assert!(out.has_cluster(&[D2, "u1"]));
}

#[test]
fn o_id_check1_same_ids_wins_over_guid_check() {
    // "bob" is not GUID-shaped, but check 1 comes first.
    let out = run(Mode::Original, json!([identify("bob", "bob")]));
    assert_eq!(out.effect(0), "failed");
    assert_eq!(out.reason(0), Some("errSameIDs"));
    let out = run(Mode::Original, json!([identify(D1, D1)]));
    assert_eq!(out.reason(0), Some("errSameIDs"));
}

#[test]
fn o_id_check2_guid_wins_over_assigned_already() {
    // u1 is identified (check 3 would apply), but "u1" is not GUID-shaped (check 2 first).
    let steps = json!([identify(D1, "u1"), identify("u1", "u2")]);
    let out = run(Mode::Original, steps.clone());
    assert_eq!(out.reason(1), Some("errAnonDistinctIdNonGUIDForm"));
    assert!(!out.together("u1", "u2"));
    // With the GUID check off, check 3 decides.
    let out = run_cfg(with_knobs(Mode::Original, guid(GuidCheck::Off)), steps);
    assert_eq!(out.reason(1), Some("errAnonDistinctIdAssignedAlready"));
    assert!(!out.together("u1", "u2"));
}

#[test]
fn o_id_check3_assigned_already_wins_over_many_ids() {
    // With max_cluster 2, the second merge would also be too big; check 3 comes first.
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(2)),
        json!([identify(D1, "u1"), identify(D1, "u2")]),
    );
    assert_eq!(out.effect(0), "merged");
    assert_eq!(out.reason(1), Some("errAnonDistinctIdAssignedAlready"));
}

#[test]
fn o_id_check4_many_ids_when_the_cluster_would_be_too_big() {
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(2)),
        json!([identify(D1, "u1"), identify(D2, "u1")]),
    );
    assert_eq!(out.effect(1), "failed");
    assert_eq!(out.reason(1), Some("errManyIDs"));
    assert!(out.has_cluster(&[D1, "u1"]));
    assert!(!out.together(D2, "u1"));
}

#[test]
fn o_id_reidentify_of_the_same_pair_is_no_effect_and_no_failure() {
    let out = run(
        Mode::Original,
        json!([identify(D1, "u1"), identify(D1, "u1")]),
    );
    assert_eq!(out.effect(1), "none");
    assert_eq!(out.reason(1), None);
    assert!(out.has_cluster(&[D1, "u1"]));
}

#[test]
fn o_id_assigned_already_needs_an_earlier_successful_identify() {
    // u1's own $identify failed (non-GUID anon id), so u1 is not an identified id: a later
    // $merge puts D1 with u1, and D1 can still be identified as u2.
    let out = run(
        Mode::Original,
        json!([
            identify("not-a-guid", "u1"),
            import(
                "$merge",
                json!({"$distinct_ids": [D1, "u1"], "distinct_id": D1})
            ),
            identify(D1, "u2"),
        ]),
    );
    assert_eq!(out.reason(0), Some("errAnonDistinctIdNonGUIDForm"));
    assert_eq!(out.effect(1), "merged");
    assert_eq!(out.effect(2), "merged", "no identified id in D1's cluster");
    assert!(out.has_cluster(&[D1, "u1", "u2"]));
    // Whereas after a successful identify of u1, the same $identify fails.
    let out = run(
        Mode::Original,
        json!([
            identify(D3, "u1"),
            import("$merge", json!({"$distinct_ids": [D1, "u1"]})),
            identify(D1, "u2")
        ]),
    );
    assert_eq!(out.reason(2), Some("errAnonDistinctIdAssignedAlready"));
}

#[test]
fn o_id_guid_check_knob_values() {
    // (anon id, passes lenient, passes strict-v4)
    let cases: &[(&str, bool, bool)] = &[
        ("$device:11111111-1111-4111-8111-111111111111", true, true),
        ("11111111-1111-4111-8111-111111111111", true, true),
        // mixpanel-js < 2.62 ids: five hex groups, not v4.
        (
            "13bbf7943e584-0885c2531-5c793977-3e8000-13bbf7943e64cf",
            true,
            false,
        ),
        (
            "$device:13bbf7943e584-0885c2531-5c793977-3e8000-13bbf7943e64cf",
            true,
            false,
        ),
        ("a-b-c-d-e", true, false),
        // A version-1 UUID.
        ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", true, false),
        ("bob", false, false),
        ("a-b-c-d", false, false),
        ("a-b-c-d-e-f", false, false),
        ("$device:bob", false, false),
        ("a.b-c-d-e-f", false, false),
    ];
    for &(anon, lenient, strict) in cases {
        for (check, pass) in [
            (GuidCheck::Lenient, lenient),
            (GuidCheck::StrictV4, strict),
            (GuidCheck::Off, true),
        ] {
            let out = run_cfg(
                with_knobs(Mode::Original, guid(check)),
                json!([identify(anon, "u1")]),
            );
            let (want_effect, want_reason) = if pass {
                ("merged", None)
            } else {
                ("failed", Some("errAnonDistinctIdNonGUIDForm"))
            };
            assert_eq!(
                (out.effect(0), out.reason(0)),
                (want_effect, want_reason),
                "{anon:?} under {check:?}"
            );
            assert_eq!(out.json["knobs"]["original.guid_check"], check.as_str());
        }
    }
}

#[test]
fn o_id_sdk_flows_signup_returning_user_and_shared_device() {
    // Signup and a returning user on a second device: {D1, u1, D2} [DOCS-ORIG, "Example User Flows"].
    let out = run(
        Mode::Original,
        json!([
            on("web", "visit", "Home"),
            on("web", "signup", "u1"),
            on("phone", "visit", "Home"),
            on("phone", "login", "u1"),
        ]),
    );
    assert_eq!(out.clusters(), [set(&[&dev(D1), &dev(D2), "u1"])].into());
    // Shared device, no reset on logout: the next person's identify has anon id "u1",
    // which is not GUID-shaped.
    let out = run(
        Mode::Original,
        json!([
            on("web", "login", "u1"),
            on("web", "logout", true),
            on("web", "login", "u2"),
        ]),
    );
    let i = out.step_events(3)[0];
    assert_eq!(out.name(i), "$identify");
    assert_eq!(out.reason(i), Some("errAnonDistinctIdNonGUIDForm"));
    assert!(!out.together("u1", "u2"));
}

fn alias(a: &str, x: &str) -> Value {
    send("$create_alias", json!({"alias": a, "distinct_id": x}))
}

#[test]
fn o_alias_merges_the_alias_into_the_cluster_without_guid_check() {
    let out = run(Mode::Original, json!([alias("e@x", "u1")]));
    assert_eq!(out.effect(0), "merged");
    assert_eq!(out.rule(0), "O-ALIAS");
    assert!(out.has_cluster(&["e@x", "u1"]));
}

#[test]
fn o_alias_already_used_alias_fails_even_for_the_same_target() {
    let out = run(
        Mode::Original,
        json!([alias("e@x", "u1"), alias("e@x", "u2"), alias("e@x", "u1")]),
    );
    assert_eq!(out.reason(1), Some("errAliasAlreadyExists"));
    assert_eq!(out.effect(1), "failed");
    assert_eq!(
        out.reason(2),
        Some("errAliasAlreadyExists"),
        "check 1 comes first"
    );
    assert!(!out.together("e@x", "u2"));
    assert!(out.together("e@x", "u1"));
}

#[test]
fn o_alias_unions_two_existing_clusters() {
    let out = run(
        Mode::Original,
        json!([identify(D1, "u1"), identify(D2, "u2"), alias("u2", "u1")]),
    );
    assert_eq!(out.effect(2), "merged");
    assert_eq!(out.clusters(), [set(&[D1, D2, "u1", "u2"])].into());
}

#[test]
fn o_alias_many_ids() {
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(3)),
        json!([identify(D1, "u1"), identify(D2, "u2"), alias("u2", "u1")]),
    );
    assert_eq!(out.reason(2), Some("errManyIDs"));
    assert!(!out.together("u1", "u2"));
}

#[test]
fn o_alias_value_used_in_a_no_op_alias_cannot_be_used_again() {
    // O-ALIAS 1: "A was already used as an alias value" — the second event used D1 as an
    // alias value, even though D1 was already in u1's cluster.
    let out = run(
        Mode::Original,
        json!([
            identify(D1, "u1"),
            alias(D1, "u1"),
            identify(D2, "u2"),
            alias(D1, "u2")
        ]),
    );
    assert_eq!(out.effect(3), "failed");
    assert_eq!(out.reason(3), Some("errAliasAlreadyExists"));
    assert!(!out.together("u1", "u2"));
}

fn merge(a: &str, b: &str) -> Value {
    import("$merge", json!({"$distinct_ids": [a, b], "distinct_id": a}))
}

#[test]
fn o_merge_on_import_unions_any_two_clusters() {
    let out = run(
        Mode::Original,
        json!([identify(D1, "u1"), identify(D2, "u2"), merge("u1", "u2")]),
    );
    assert_eq!(out.effect(2), "merged");
    assert_eq!(out.rule(2), "O-MERGE");
    assert_eq!(out.clusters(), [set(&[D1, D2, "u1", "u2"])].into());
}

#[test]
fn o_merge_on_track_is_ignored() {
    let out = run(
        Mode::Original,
        json!([send(
            "$merge",
            json!({"$distinct_ids": ["u1", "u2"], "distinct_id": "u1"})
        )]),
    );
    assert_eq!(out.effect(0), "ignored");
    assert_eq!(out.reason(0), Some("mergeRequiresImport"));
    assert!(!out.together("u1", "u2"));
}

#[test]
fn o_merge_needs_exactly_two_ids() {
    for ids in [json!(["a"]), json!(["a", "b", "c"])] {
        let out = run(
            Mode::Original,
            json!([import(
                "$merge",
                json!({"$distinct_ids": ids, "distinct_id": "a"})
            )]),
        );
        assert_ne!(out.effect(0), "merged", "{ids}");
        assert!(!out.together("a", "b"), "{ids}");
    }
}

#[test]
fn o_merge_has_no_guid_or_identified_checks_only_size() {
    // Both ids were identified by other $identify events; $merge overrides the guardrail.
    let out = run(
        Mode::Original,
        json!([
            identify(D1, "u1"),
            identify(D2, "u2"),
            merge("bob", "u1"),
            merge("u2", "bob")
        ]),
    );
    assert_eq!(out.effect(2), "merged");
    assert_eq!(out.effect(3), "merged");
    assert!(out.has_cluster(&[D1, D2, "bob", "u1", "u2"]));
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(3)),
        json!([identify(D1, "u1"), identify(D2, "u2"), merge("u1", "u2")]),
    );
    assert_eq!(out.reason(2), Some("errManyIDs"));
}

#[test]
fn o_limit_exactly_max_is_allowed_one_more_fails() {
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(3)),
        json!([
            merge("a", "b"),
            merge("a", "c"),
            merge("a", "d"),
            merge("d", "e")
        ]),
    );
    assert_eq!(out.effect(0), "merged");
    assert_eq!(out.effect(1), "merged", "3 ids = max_cluster: allowed");
    assert_eq!(out.reason(2), Some("errManyIDs"), "4 > 3");
    assert_eq!(out.effect(3), "merged", "d and e are a separate pair");
    assert!(out.has_cluster(&["a", "b", "c"]));
    assert!(out.has_cluster(&["d", "e"]));
    assert_eq!(out.json["knobs"]["original.max_cluster"], 3);
}

#[test]
fn o_limit_default_is_500() {
    // 499 merges build a cluster of exactly 500 ids; the next one fails.
    let mut steps: Vec<Value> = (1..500).map(|i| merge("root", &format!("id{i}"))).collect();
    steps.push(merge("root", "one-too-many"));
    let out = run(Mode::Original, Value::Array(steps));
    assert_eq!(out.effect(498), "merged");
    assert_eq!(out.reason(499), Some("errManyIDs"));
    let big = out
        .clusters()
        .into_iter()
        .find(|c| c.contains("root"))
        .unwrap();
    assert_eq!(big.len(), 500);
}

#[test]
fn o_canon_is_a_member_and_shared_by_all_events_of_the_cluster() {
    let out = run(
        Mode::Original,
        json!([
            on("web", "visit", "Home"),
            on("web", "login", "u1"),
            on("phone", "visit", "Home"),
            on("phone", "login", "u1"),
            send("X", json!({"distinct_id": "other"})),
        ]),
    );
    for c in out.json["clusters"].as_array().unwrap() {
        let members: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert!(members.contains(&c["canonical"].as_str().unwrap()));
        let attributed = out
            .tracked()
            .into_iter()
            .filter(|&i| out.fin(i) == c["canonical"].as_str())
            .count();
        assert_eq!(c["events"], attributed);
        for i in out.tracked() {
            if out.ingest(i).is_some_and(|id| members.contains(&id)) {
                assert_eq!(out.fin(i), c["canonical"].as_str(), "event {i}");
            }
        }
    }
}

#[test]
fn o_canon_policy_tie_keeps_anon_side_larger_cluster_keeps_its_canonical() {
    // [choice] policy: on a tie A's (the old value's, the first $merge id's) canonical
    // stays; else the larger cluster's.
    let out = run(Mode::Original, json!([identify(D1, "u1")]));
    assert_eq!(out.json["clusters"][0]["canonical"], D1);
    let out = run(
        Mode::Original,
        json!([identify(D1, "u1"), identify(D2, "u1")]),
    );
    assert_eq!(
        out.json["clusters"][0]["canonical"], D1,
        "u1's cluster is larger"
    );
    let out = run(Mode::Original, json!([alias("e@x", "u1")]));
    assert_eq!(
        out.json["clusters"][0]["canonical"], "u1",
        "tie: the aliased distinct_id's (the old value)"
    );
    let out = run(Mode::Original, json!([merge("b", "a")]));
    assert_eq!(
        out.json["clusters"][0]["canonical"], "b",
        "tie: the first $merge id's"
    );
}

// ---------------------------------------------------------------------------------------
// Legacy
// ---------------------------------------------------------------------------------------

#[test]
fn l_event_follows_the_alias_table_as_it_stands_not_retroactively() {
    let out = run(
        Mode::Legacy,
        json!([
            send("Early", json!({"distinct_id": "charlie"})),
            alias("charlie", "X"),
            send("Late", json!({"distinct_id": "charlie"})),
        ]),
    );
    assert_eq!(out.rule(0), "L-EVENT");
    assert_eq!(out.ingest(0), Some("charlie"));
    assert_eq!(out.fin(0), Some("charlie"), "not retroactive");
    assert_eq!(out.effect(1), "aliased");
    assert_eq!(out.ingest(2), Some("X"));
    for i in 0..out.events().len() {
        assert_eq!(out.fin(i), out.ingest(i), "final == ingest under Legacy");
    }
}

#[test]
fn l_event_signup_then_second_device_orphans_its_anonymous_events() {
    let out = run(
        Mode::Legacy,
        json!([
            on("web", "visit", "Home"),
            on("web", "signup", "u1"),
            on("phone", "visit", "Home"),
            on("phone", "login", "u1"),
            on("phone", "visit", "Docs"),
        ]),
    );
    // Sign Up keeps the local id $device:D1; u1 → $device:D1.
    let sign_up = out.step_events(2)[2];
    assert_eq!(out.ingest(sign_up), Some(dev(D1).as_str()));
    let phone_visit = out.step_events(3)[0];
    assert_eq!(out.ingest(phone_visit), Some(dev(D2).as_str()), "orphaned");
    let docs = out.step_events(5)[0];
    assert_eq!(out.props(docs)["distinct_id"], "u1");
    assert_eq!(
        out.ingest(docs),
        Some(dev(D1).as_str()),
        "u1 resolves to the root"
    );
    assert!(out.together(&dev(D1), "u1"));
    assert!(!out.together(&dev(D2), "u1"));
}

#[test]
fn l_alias_chains_resolve_to_the_root() {
    let out = run(
        Mode::Legacy,
        json!([
            alias("B", "A"),
            alias("C", "B"),
            alias("D", "A"),
            send("E", json!({"distinct_id": "C"})),
            send("F", json!({"distinct_id": "D"})),
        ]),
    );
    for i in 0..3 {
        assert_eq!(out.effect(i), "aliased", "event {i}");
        assert_eq!(out.rule(i), "L-ALIAS");
    }
    assert_eq!(out.ingest(3), Some("A"));
    assert_eq!(out.ingest(4), Some("A"));
    assert!(out.has_cluster(&["A", "B", "C", "D"]));
}

#[test]
fn l_alias_a_root_with_aliases_can_itself_be_aliased() {
    // B → A, then A → X: A had no target, so this is allowed; B now resolves through A to X.
    let out = run(
        Mode::Legacy,
        json!([
            alias("B", "A"),
            alias("A", "X"),
            send("E", json!({"distinct_id": "B"}))
        ]),
    );
    assert_eq!(out.effect(1), "aliased");
    assert_eq!(out.ingest(2), Some("X"));
    assert!(out.has_cluster(&["A", "B", "X"]));
}

#[test]
fn l_alias_an_alias_with_a_target_cannot_be_aliased_again() {
    let out = run(
        Mode::Legacy,
        json!([
            alias("u1", "D1"),
            alias("u1", "D2"),
            send("E", json!({"distinct_id": "u1"}))
        ]),
    );
    assert_eq!(out.effect(1), "failed");
    assert_eq!(out.reason(1), Some("errAliasAlreadyExists"));
    assert_eq!(out.ingest(2), Some("D1"));
    assert!(!out.together("u1", "D2"));
}

#[test]
fn l_alias_self_and_cycles_fail() {
    let out = run(
        Mode::Legacy,
        json!([
            alias("A", "A"),
            alias("B", "A"),
            alias("A", "B"),
            alias("C", "B"),
            alias("A", "C"),
            send("E", json!({"distinct_id": "C"})),
        ]),
    );
    assert_eq!(out.reason(0), Some("errAliasCycle"), "A == X");
    assert_eq!(out.effect(1), "aliased");
    assert_eq!(out.reason(2), Some("errAliasCycle"), "B → A, then A → B");
    assert_eq!(out.effect(3), "aliased");
    assert_eq!(
        out.reason(4),
        Some("errAliasCycle"),
        "C → B → A, then A → C"
    );
    assert_eq!(out.ingest(5), Some("A"));
}

#[test]
fn l_ignore_identify_merge_and_id_properties_have_no_effect() {
    let out = run(
        Mode::Legacy,
        json!([
            identify(D1, "u1"),
            send(
                "$identify",
                json!({"distinct_id": "u1", "$anon_distinct_id": D1})
            ),
            merge("u1", "u2"),
            send(
                "E",
                json!({"distinct_id": "a", "$device_id": "d", "$user_id": "u"})
            ),
        ]),
    );
    for i in 0..3 {
        assert_eq!(out.effect(i), "ignored", "event {i}");
        assert_eq!(out.rule(i), "L-IGNORE");
    }
    assert_eq!(out.ingest(3), Some("a"));
    assert_eq!(out.effect(3), "none");
    assert!(!out.together(D1, "u1"));
    assert!(!out.together("u1", "u2"));
    assert!(!out.in_any_cluster("u") && !out.in_any_cluster("$device:d"));
}

#[test]
fn l_users_an_id_stored_before_it_became_an_alias_is_also_a_user() {
    let out = run(
        Mode::Legacy,
        json!([
            send("Early", json!({"distinct_id": "charlie"})),
            alias("charlie", "X"),
            send("Late", json!({"distinct_id": "charlie"})),
        ]),
    );
    let clusters = out.clusters();
    assert!(clusters.contains(&set(&["X", "charlie"])), "{clusters:?}");
    assert!(
        clusters.contains(&set(&["charlie"])),
        "charlie is also a user"
    );
    let orphan = out.cluster_json("charlie").expect("charlie's own user");
    assert_eq!(orphan["events"], 1, "only the early event");
    // Without the early event, charlie is only an alias.
    let out = run(
        Mode::Legacy,
        json!([
            alias("charlie", "X"),
            send("Late", json!({"distinct_id": "charlie"}))
        ]),
    );
    assert_eq!(out.clusters(), [set(&["X", "charlie"])].into());
}

// ---------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------

/// G-INVALID's list as the rule book writes it: typed from the book on purpose, not taken from
/// the code, so a change to the code's list fails here.
const INVALID: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "anon",
    "anonymous",
    "nil",
    "none",
    "null",
    "n/a",
    "na",
    "undefined",
    "unknown",
    "<nil>",
    "0",
    "-1",
    "true",
    "false",
    "[]",
    "{}",
];

#[test]
fn g_invalid_import_rejects_listed_ids_in_every_mode() {
    for mode in Mode::ALL {
        let steps: Vec<Value> = INVALID
            .iter()
            .map(|id| import("E", json!({"distinct_id": id})))
            .collect();
        let out = run(mode, Value::Array(steps));
        for (i, id) in INVALID.iter().enumerate() {
            assert_eq!(out.effect(i), "rejected", "{mode} {id}");
            assert_eq!(out.reason(i), Some("invalidDistinctId"), "{mode} {id}");
            assert_eq!(out.rule(i), "G-INVALID");
            assert!(out.fin(i).is_none(), "{mode} {id}: counts for no user");
        }
        assert!(out.clusters().is_empty(), "{mode}: {:?}", out.clusters());
    }
}

#[test]
fn g_invalid_track_accepts_with_a_warning() {
    for mode in Mode::ALL {
        let out = run(
            mode,
            json!([send("E", json!({"distinct_id": "undefined"}))]),
        );
        assert_ne!(out.effect(0), "rejected", "{mode}");
        assert_eq!(out.ev(0)["warning"], "invalidDistinctId", "{mode}");
        assert_eq!(out.fin(0), Some("undefined"), "{mode}");
        assert!(out.has_cluster(&["undefined"]), "{mode}");
    }
}

#[test]
fn g_invalid_matching_is_exact_and_case_sensitive() {
    for mode in Mode::ALL {
        let out = run(
            mode,
            json!([
                import("E", json!({"distinct_id": "NULL"})),
                import("E", json!({"distinct_id": "Undefined"})),
                import("E", json!({"distinct_id": " null"})),
            ]),
        );
        for i in 0..3 {
            assert_ne!(out.effect(i), "rejected", "{mode} event {i}");
            assert!(out.fin(i).is_some());
        }
    }
}

#[test]
fn g_invalid_numeric_zero_and_minus_one_are_rejected_on_import() {
    // The engine reads numbers as their JSON text elsewhere (so 0 is user "0"); the listed
    // values `0` and `-1` must then be refused on /import too.
    for mode in Mode::ALL {
        let out = run(
            mode,
            json!([
                import("E", json!({"distinct_id": 0})),
                import("E", json!({"distinct_id": -1}))
            ]),
        );
        assert_eq!(out.effect(0), "rejected", "{mode}");
        assert_eq!(out.effect(1), "rejected", "{mode}");
    }
}

#[test]
fn g_empty_distinct_id_counts_for_no_user() {
    for mode in Mode::ALL {
        for step in [
            send("E", json!({"distinct_id": ""})),
            import("E", json!({"distinct_id": ""})),
        ] {
            let out = run(mode, json!([step, send("F", json!({"distinct_id": "u1"}))]));
            assert_ne!(
                out.effect(0),
                "rejected",
                "{mode}: \"\" is not on the G-INVALID list"
            );
            assert!(out.fin(0).is_none(), "{mode}");
            assert_eq!(out.clusters(), [set(&["u1"])].into(), "{mode}");
            assert_eq!(out.json["clusters"][0]["events"], 1, "{mode}");
        }
    }
}

/// Pairs of ids that share a cluster.
fn pairs(clusters: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for c in clusters.as_array().unwrap() {
        let m: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for a in &m {
            for b in &m {
                if a < b {
                    out.insert((a.to_string(), b.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn g_irreversible_nothing_once_together_comes_apart() {
    let steps = json!([
        on("web", "visit", "Home"),
        on("web", "signup", "u1"),
        on("web", "login", "u2"),
        send("X", json!({"$device_id": D1, "$user_id": "u3"})),
        alias(&dev(D1), "u3"),
        alias("u1", "u4"),
        merge("u1", "u5"),
        on("web", "logout", true),
        on("web", "login", "u1"),
    ]);
    for mode in Mode::ALL {
        let out = run(mode, steps.clone());
        let n = out.run.steps.len();
        let mut before = pairs(&run_json(&out.run, 0)["clusters"]);
        for k in 1..=n {
            let now = pairs(&run_json(&out.run, k)["clusters"]);
            let lost: Vec<_> = before.difference(&now).collect();
            assert!(lost.is_empty(), "{mode}: step {k} split {lost:?}");
            before = now;
        }
    }
    // Concretely: Simplified keeps D1 with its first user; Legacy keeps the first alias.
    let out = run(Mode::Simplified, steps.clone());
    assert!(out.together(&dev(D1), "u1"));
    let out = run(Mode::Legacy, steps);
    assert!(out.together("u1", &dev(D1)));
    assert!(!out.together("u1", "u4"), "the second alias of u1 failed");
}

#[test]
fn g_determinism_same_input_gives_byte_identical_output() {
    // Generated device ids (no pins), resets and every kind of step.
    let text = json!({
        "name": "determinism",
        "steps": [
            on("web", "visit", "Home"),
            on("web", "signup", "u1"),
            on("web", "people_set", json!({"a": 1})),
            on("web", "logout", true),
            on("phone", "login", "u1"),
            on("web", "reset", true),
            on("web", "alias", "e@x"),
            send("X", json!({"distinct_id": "undefined"})),
        ]
    })
    .to_string();
    for mode in Mode::ALL {
        for playbook in Mode::ALL {
            let config = RunConfig {
                mode,
                playbook: Some(playbook),
                knobs: max_cluster(3),
            };
            let a = serde_json::to_string_pretty(&run_text(&text, config).json).unwrap();
            let b = serde_json::to_string_pretty(&run_text(&text, config).json).unwrap();
            assert_eq!(a, b, "{mode}/{playbook}");
            let table_a = {
                let s = idscope_core::scenario::parse(&text, "t").unwrap();
                idscope_core::output::run_table(&Run::new(&s, config), usize::MAX)
            };
            let table_b = {
                let s = idscope_core::scenario::parse(&text, "t").unwrap();
                idscope_core::output::run_table(&Run::new(&s, config), usize::MAX)
            };
            assert_eq!(table_a, table_b);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Issue 14: fidelity to Mixpanel's documentation
// ---------------------------------------------------------------------------------------

fn explain(out: &Out, i: usize) -> String {
    idscope_core::explain::verdict(&out.run, i, out.run.steps.len())
}

fn choice_label(out: &Out, i: usize) -> Option<String> {
    idscope_core::explain::choice(&out.run, i)
}

fn response(out: &Out, step: usize) -> &Value {
    &out.json["steps"][step - 1]["response"]
}

#[test]
fn o_id_a_pair_already_merged_still_marks_its_identified_id() {
    // mixpanel-js alias("U1") sends $create_alias, then identify("U1") in its callback: that
    // $identify finds {$device:D1, U1} already merged, yet U1 was *used* as the identified
    // id (REF-IDENTIFY flowchart), so identify("U2") on the same device must not merge U2.
    let out = run(
        Mode::Original,
        json!([on("web", "alias", "U1"), on("web", "identify", "U2")]),
    );
    let identifies: Vec<usize> = out
        .tracked()
        .into_iter()
        .filter(|&i| out.name(i) == "$identify")
        .collect();
    assert_eq!(identifies.len(), 2, "{:?}", out.names());
    let (first, second) = (identifies[0], identifies[1]);
    assert_eq!(
        out.effect(first),
        "none",
        "the pair was one cluster already"
    );
    assert_eq!(out.props(second)["$anon_distinct_id"], dev(D1));
    assert_eq!(out.effect(second), "failed");
    assert_eq!(out.reason(second), Some("errAnonDistinctIdAssignedAlready"));
    assert!(out.has_cluster(&[&dev(D1), "U1"]));
    assert!(!out.together("U1", "U2"), "two logged-in users merged");
    // The explanation names the identified user U1, not the anonymous id.
    let why = explain(&out, second);
    assert!(
        why.contains(&format!(
            "{} already belongs to identified user U1",
            dev(D1)
        )),
        "{why}"
    );
}

#[test]
fn o_id_lenient_guid_check_wants_five_groups_of_hex_digits() {
    let lenient = |anon: &str| {
        let out = run(Mode::Original, json!([identify(anon, "u1")]));
        (out.effect(0).to_string(), out.reason(0).map(str::to_string))
    };
    // Words in five groups are not GUID-shaped.
    assert_eq!(
        lenient("not-a-uuid-at-all"),
        ("failed".into(), Some("errAnonDistinctIdNonGUIDForm".into()))
    );
    assert_eq!(
        lenient("a-b-c-d-z").1.as_deref(),
        Some("errAnonDistinctIdNonGUIDForm")
    );
    assert_eq!(
        lenient("a--c-d-e").1.as_deref(),
        Some("errAnonDistinctIdNonGUIDForm")
    );
    // Hex groups of any length (mixpanel-js's older ids) and Segment's UUIDs pass.
    assert_eq!(
        lenient("18c1f2a3b4-0d5e6f-3f2a1b-1fa400-18c1f2a3b4").0,
        "merged"
    );
    assert_eq!(lenient("$device:1a2b-3C-4d5e-6f-7a8b").0, "merged");
}

#[test]
fn o_id_merge_that_rests_on_a_choice_carries_the_choice_label() {
    // Lenient-only acceptance is a choice; a strict v4 id is not.
    let out = run(
        Mode::Original,
        json!([identify("18c1f2a3b4-0d5e6f-3f2a1b-1fa400-18c1f2a3b4", "u1")]),
    );
    assert_eq!(out.effect(0), "merged");
    let label = choice_label(&out, 0).expect("a lenient-only merge is labelled");
    assert!(label.contains("original.guid_check"), "{label}");
    let out = run(Mode::Original, json!([identify(D1, "u1")]));
    assert_eq!(choice_label(&out, 0), None, "a v4 id rests on no choice");
}

#[test]
fn o_limit_merge_to_exactly_the_limit_carries_the_choice_label() {
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(2)),
        json!([identify(D1, "u1")]),
    );
    assert_eq!(out.effect(0), "merged");
    let label = choice_label(&out, 0).expect("exactly the limit is a choice");
    assert!(
        label.contains("exactly the limit") && label.contains("max_cluster = 2"),
        "{label}"
    );
    let out = run_cfg(
        with_knobs(Mode::Original, max_cluster(3)),
        json!([identify(D1, "u1")]),
    );
    assert_eq!(
        choice_label(&out, 0),
        None,
        "below the limit rests on no choice"
    );
}

#[test]
fn o_alias_the_old_value_stays_canonical_on_a_tie() {
    // REF-ALIAS: Mixpanel "will continue to use the old value" (the distinct_id).
    let out = run(Mode::Original, json!([alias("new-id", "old-id")]));
    assert_eq!(out.effect(0), "merged");
    assert_eq!(out.json["clusters"][0]["canonical"], "old-id");
    assert_eq!(out.fin(0), Some("old-id"));
    let why = explain(&out, 0);
    assert!(why.contains("reported as old-id"), "{why}");
    // The larger cluster still keeps its canonical id (O-CANON).
    let out = run(
        Mode::Original,
        json!([identify(D1, "u1"), alias("u1", "lonely")]),
    );
    assert_eq!(
        out.cluster_json(D1)
            .map(|c| c["members"].as_array().unwrap().len()),
        Some(3)
    );
}

#[test]
fn l_alias_profile_updates_sent_to_an_alias_land_on_the_original_profile() {
    let out = run(
        Mode::Legacy,
        json!([
            alias("e@x", "u1"),
            json!({"send": {"$distinct_id": "e@x", "$token": "demo-token", "$set": {"plan": "pro"}}, "endpoint": "engage"}),
        ]),
    );
    let profile = out.engaged()[0];
    assert_eq!(
        out.ingest(profile),
        Some("u1"),
        "the alias table applies to /engage"
    );
    // Before the alias exists the record stays with its own id (forward only, L-EVENT).
    let out = run(
        Mode::Legacy,
        json!([
            json!({"send": {"$distinct_id": "e@x", "$token": "demo-token", "$set": {"plan": "pro"}}, "endpoint": "engage"}),
            alias("e@x", "u1"),
        ]),
    );
    assert_eq!(out.ingest(out.engaged()[0]), Some("e@x"));
}

#[test]
fn s_ignore_is_decided_before_g_empty() {
    // A $merge without distinct_id, $device_id or $user_id is still an ignored verb.
    let out = run(
        Mode::Simplified,
        json!([import("$merge", json!({"$distinct_ids": ["a", "b"]}))]),
    );
    assert_eq!(out.effect(0), "ignored");
    assert_eq!(out.rule(0), "S-IGNORE");
    let out = run(Mode::Simplified, json!([send("$identify", json!({}))]));
    assert_eq!(out.rule(0), "S-IGNORE");
}

#[test]
fn g_missing_a_track_event_without_distinct_id_is_one_synthetic_user_per_sender() {
    for mode in Mode::ALL {
        let out = run(
            mode,
            json!([
                send("Cron", json!({"token": "t"})),
                send("Cron", json!({"token": "t", "distinct_id": null})),
                send("Nobody", json!({"distinct_id": ""})),
                // mixpanel-js after unregister("distinct_id") sends no distinct_id, with
                // `ip=1` (conformance: unregister-distinct-id-then-track).
                on("web", "unregister", "distinct_id"),
                on("web", "track", "Beacon"),
            ]),
        );
        assert_eq!(out.ingest(0), Some("ip-hash:server"), "{mode}");
        assert_eq!(
            out.ingest(1),
            Some("ip-hash:server"),
            "{mode}: null is missing too"
        );
        assert_eq!(out.rule(0), "G-MISSING", "{mode}");
        let c = out
            .cluster_json("ip-hash:server")
            .expect("the synthetic user");
        assert_eq!(c["events"], 2, "{mode}");
        assert!(explain(&out, 0).contains("synthetic"), "{mode}");
        // Only the empty string is "no user" (G-EMPTY).
        assert_eq!(out.ingest(2), None, "{mode}");
        assert_eq!(out.rule(2), "G-EMPTY", "{mode}");
        // One hash per sender: the browser is not the server. Simplified reads the
        // event's `$device_id` instead (S-DID).
        let beacon = out.t(3);
        assert_eq!(out.name(beacon), "Beacon");
        assert_eq!(out.props(beacon).get("distinct_id"), None);
        let want = if mode == Mode::Simplified {
            dev(D1)
        } else {
            "ip-hash:web".into()
        };
        assert_eq!(out.ingest(beacon), Some(want.as_str()), "{mode}");
    }
    // Simplified takes `$device_id` in place of distinct_id (S-DID): not missing.
    let out = run(
        Mode::Simplified,
        json!([send("E", json!({"$device_id": D3}))]),
    );
    assert_eq!(out.ingest(0), Some(dev(D3).as_str()));
    assert_eq!(out.rule(0), "S-DID");
}

#[test]
fn g_missing_on_import_is_a_labelled_choice_between_reject_and_ip_hash() {
    let steps = json!([import("Backfill", json!({"token": "t"}))]);
    for mode in Mode::ALL {
        let out = run(mode, steps.clone());
        assert_eq!(out.effect(0), "rejected", "{mode}");
        assert_eq!(out.reason(0), Some("importMissingDistinctId"), "{mode}");
        assert!(choice_label(&out, 0).is_some_and(|c| c.contains("import.missing_distinct_id")));
        let knobs = Knobs {
            missing_distinct_id: idscope_core::model::MissingDistinctId::IpHash,
            ..Knobs::default()
        };
        let out = run_cfg(with_knobs(mode, knobs), steps.clone());
        assert_eq!(out.effect(0), "none", "{mode}");
        assert_eq!(out.ingest(0), Some("ip-hash:server"), "{mode}");
        assert!(choice_label(&out, 0).is_some_and(|c| c.contains("ip-hash")));
    }
    // Simplified: `$device_id` alone is enough on /import (DOCS-MIGR).
    let out = run(
        Mode::Simplified,
        json!([import("Backfill", json!({"$device_id": D3}))]),
    );
    assert_eq!(out.effect(0), "none");
    assert_eq!(out.ingest(0), Some(dev(D3).as_str()));
}

#[test]
fn g_window_track_drops_events_older_than_5_days_and_still_answers_1() {
    let day = 86_400;
    for mode in Mode::ALL {
        let out = run(
            mode,
            json!([
                send(
                    "Old",
                    json!({"distinct_id": "u-old", "time": START - 6 * day})
                ),
                send(
                    "Recent",
                    json!({"distinct_id": "u-recent", "time": START - 4 * day})
                ),
            ]),
        );
        assert_eq!(out.effect(0), "rejected", "{mode}");
        assert_eq!(out.reason(0), Some("trackEventTooOld"), "{mode}");
        assert_eq!(out.rule(0), "G-WINDOW", "{mode}");
        assert!(!out.in_any_cluster("u-old"), "{mode}: not stored");
        assert_eq!(out.effect(1), "none", "{mode}");
        assert!(out.in_any_cluster("u-recent"), "{mode}");
        assert_eq!(
            response(&out, 1),
            &json!(1),
            "{mode}: /track answers 1 anyway"
        );
        assert!(explain(&out, 0).contains("older than 5 days"), "{mode}");
    }
    // A dropped $identify links nothing; the clock is the step's ("sent at"), so a step
    // `after` 6 days makes the same payload too old.
    let old_identify = send(
        "$identify",
        json!({"$anon_id": D1, "$identified_id": "u1", "time": START}),
    );
    let out = run(Mode::Original, json!([old_identify.clone()]));
    assert_eq!(out.effect(0), "merged");
    let mut late = old_identify;
    late["after"] = json!("6d");
    let out = run(Mode::Original, json!([late]));
    assert_eq!(out.effect(0), "rejected");
    assert!(!out.together(D1, "u1"));
}

#[test]
fn g_import_validates_each_event_and_the_answer_lists_the_failed_records() {
    let day = 86_400;
    let out = run(
        Mode::Original,
        json!([
            {"send": [
                {"event": "Ok", "properties": {"distinct_id": "u1", "time": START - 30 * day, "$insert_id": "ok-1"}},
                {"event": "No time", "properties": {"distinct_id": "u1", "$insert_id": "ok-2"}},
                {"event": "1970", "properties": {"distinct_id": "u1", "time": 1000, "$insert_id": "ok-3"}},
                {"event": "No insert id", "properties": {"distinct_id": "u1", "time": START}},
                {"event": "Long insert id", "properties": {"distinct_id": "u1", "time": START, "$insert_id": "x".repeat(37)}},
                {"event": "Bad insert id", "properties": {"distinct_id": "u1", "time": START, "$insert_id": "a_b"}},
                {"event": "Placeholder insert id", "properties": {"distinct_id": "u1", "time": START, "$insert_id": "undefined"}},
                {"event": "Millis", "properties": {"distinct_id": "u2", "time": START * 1000, "$insert_id": "ok-8"}},
                {"event": "Future", "properties": {"distinct_id": "u3", "time": START + 2 * 3600, "$insert_id": "ok-9"}}
            ], "endpoint": "import"}
        ]),
    );
    let effects: Vec<&str> = (0..9).map(|i| out.effect(i)).collect();
    assert_eq!(
        effects,
        [
            "none", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "none",
            "none"
        ]
    );
    assert_eq!(out.reason(1), Some("importInvalidTime"));
    assert_eq!(out.reason(2), Some("importInvalidTime"));
    for i in 3..7 {
        assert_eq!(out.reason(i), Some("importInvalidInsertId"), "event {i}");
        assert_eq!(out.rule(i), "G-IMPORT");
    }
    // Old events are fine on /import (only /track has the 5-day window).
    assert!(out.in_any_cluster("u1"));
    // The answer: a partial success.
    let r = response(&out, 1);
    assert_eq!(r["code"], 400);
    assert_eq!(r["num_records_imported"], 3);
    let failed: Vec<(u64, &str)> = r["failed_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["index"].as_u64().unwrap(), f["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [
            (1, "properties.time"),
            (2, "properties.time"),
            (3, "properties.$insert_id"),
            (4, "properties.$insert_id"),
            (5, "properties.$insert_id"),
            (6, "properties.$insert_id"),
        ]
    );
    assert_eq!(r["failed_records"][1]["insert_id"], "ok-3");
    // A time more than an hour ahead is overwritten at ingestion: accepted with a note.
    let notes = out.json["steps"][0]["sdk_notes"].to_string();
    assert!(notes.contains("in the future"), "{notes}");
    // All pass: 200 with the count.
    let out = run(
        Mode::Original,
        json!([import("Ok", json!({"distinct_id": "u1"}))]),
    );
    assert_eq!(
        response(&out, 1),
        &json!({"code": 200, "num_records_imported": 1, "status": "OK"})
    );
    // A placeholder distinct_id is a failed record too (G-INVALID).
    let out = run(
        Mode::Simplified,
        json!([import("E", json!({"distinct_id": "null"}))]),
    );
    assert_eq!(
        response(&out, 1)["failed_records"][0]["field"],
        "properties.distinct_id"
    );
}

#[test]
fn g_before_identity_only_where_identity_merging_changed_the_distinct_id() {
    use idscope_core::export::{export, Format, Options, Scope};
    let text = scenario_text(json!([
        on("web", "visit", "Home"),
        on("web", "signup", "u1"),
        send(
            "Server",
            json!({"distinct_id": "u1", "$distinct_id_before_identity": "kept"})
        ),
    ]));
    let scenario = idscope_core::scenario::parse(&text, "t.json").unwrap();
    let rows = |mode| -> Vec<Value> {
        let run = Run::new(&scenario, RunConfig::new(mode));
        let e = export(
            &run,
            &scenario,
            &Options::new(Format::ResolvedJsonl, Scope::All),
        )
        .unwrap();
        e.text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let before = |r: &Value| r["properties"].get("$distinct_id_before_identity").cloned();
    // Legacy: no ID merge, never written (a value sent in the payload stays as sent).
    for r in rows(Mode::Legacy) {
        if r["event"] != "Server" {
            assert_eq!(before(&r), None, "{r}");
        }
    }
    // Simplified: the anonymous page view moved from $device:D1 to u1; Sign Up did not.
    let rows_s = rows(Mode::Simplified);
    let by_name =
        |rows: &[Value], name: &str| rows.iter().find(|r| r["event"] == name).cloned().unwrap();
    let home = by_name(&rows_s, "Page View");
    assert_eq!(home["properties"]["distinct_id"], "u1");
    assert_eq!(before(&home), Some(json!(dev(D1))));
    assert_eq!(before(&by_name(&rows_s, "Sign Up")), None);
    // An input value is kept, never overwritten.
    for mode in Mode::ALL {
        let server = by_name(&rows(mode), "Server");
        assert_eq!(before(&server), Some(json!("kept")), "{mode}");
    }
}

// ---------------------------------------------------------------------------------------
// P-SERVER: the intents on a server device follow each mode's server-side recipe
// ---------------------------------------------------------------------------------------

/// A scenario with one server device `api` (`lib`), its cookie pinned to D1.
fn server_run(lib: &str, mode: Mode, steps: Value) -> Out {
    let text = json!({
        "name": "rules test",
        "devices": { "api": { "lib": lib, "device_id": D1 } },
        "steps": steps,
    })
    .to_string();
    run_text(&text, RunConfig::new(mode))
}

fn server_intents() -> Value {
    json!([
        on("api", "visit", "Pricing"),
        on("api", "signup", "alice"),
        on("api", "logout", true),
        on("api", "visit", "Home"),
    ])
}

#[test]
fn p_server_simplified_sends_the_cookie_as_device_id_and_user_id_after_login() {
    for lib in ["node", "python"] {
        let out = server_run(lib, Mode::Simplified, server_intents());
        assert_eq!(out.names(), ["Page View", "Sign Up", "Page View"], "{lib}");
        // DOCS-SIMPL: $device_id from the cookie; $user_id once logged in; no distinct_id of
        // the code's own (Python's positional one is "").
        assert_eq!(out.props(0)["$device_id"], D1);
        assert!(out.props(0).get("$user_id").is_none());
        assert_eq!(out.props(1)["$device_id"], D1);
        assert_eq!(out.props(1)["$user_id"], "alice");
        let blank = if lib == "python" {
            json!("")
        } else {
            Value::Null
        };
        assert_eq!(out.props(1)["distinct_id"], blank, "{lib}");
        // Logout: a new cookie UUID, no user.
        assert_ne!(out.props(2)["$device_id"], D1);
        assert!(out.props(2).get("$user_id").is_none());
        assert_eq!(
            member_sets(&out.json),
            vec![
                set(&[&dev(D1), "alice"]),
                set(&[&format!(
                    "$device:{}",
                    out.props(2)["$device_id"].as_str().unwrap()
                )])
            ]
            .into_iter()
            .collect::<BTreeSet<_>>()
        );
    }
}

#[test]
fn p_server_original_sends_an_identify_with_identified_and_anon_id() {
    let out = server_run("node", Mode::Original, server_intents());
    assert_eq!(
        out.names(),
        ["Page View", "$identify", "Sign Up", "Page View"]
    );
    assert_eq!(out.props(0)["distinct_id"], D1);
    assert_eq!(out.props(1)["$identified_id"], "alice");
    assert_eq!(out.props(1)["$anon_id"], D1);
    assert_eq!(out.props(2)["distinct_id"], "alice");
    assert_eq!(out.calls(2)[0], r#"session.user_id = "alice""#);
    assert!(member_sets(&out.json).contains(&set(&[D1, "alice"])));
}

#[test]
fn p_server_legacy_aliases_the_user_to_the_cookie_at_signup() {
    let out = server_run("python", Mode::Legacy, server_intents());
    assert_eq!(
        out.names(),
        ["Page View", "$create_alias", "Sign Up", "Page View"]
    );
    assert_eq!(out.props(1)["alias"], "alice");
    assert_eq!(out.props(1)["distinct_id"], D1);
    assert_eq!(
        out.calls(2)[1],
        r#"mp.alias("alice", "11111111-1111-4111-8111-111111111111")"#
    );
    assert!(member_sets(&out.json).contains(&set(&[D1, "alice"])));
}

#[test]
fn p_server_a_server_has_no_identify_and_says_so_where_it_is_written() {
    let text = json!({
        "name": "t",
        "devices": { "api": { "lib": "node" } },
        "steps": [on("api", "identify", "alice")],
    })
    .to_string();
    let e = idscope_core::scenario::parse(&text, "t.json").unwrap_err();
    assert_eq!(e.step, Some(1));
    assert!(e.message.contains("has no `identify`"), "{}", e.message);
}
