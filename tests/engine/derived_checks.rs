//! Twelve acceptance checks derived from the rules (not transcribed from the docs' examples),
//! one test each, named after the rule they test. Mostly raw payloads (`send` steps), so the checks
//! exercise the resolvers directly, independent of the SDK emulator.

use crate::common::{member_sets, set};
use idscope_core::model::{Knobs, Mode};
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use serde_json::{json, Value};

const D1: &str = "11111111-1111-4111-8111-111111111111";
const D2: &str = "22222222-2222-4222-8222-222222222222";

fn send(event: &str, props: Value) -> Value {
    json!({ "send": { "event": event, "properties": props }, "endpoint": "track" })
}

fn import(event: &str, props: Value) -> Value {
    json!({ "send": { "event": event, "properties": props }, "endpoint": "import" })
}

fn run_cfg(config: RunConfig, steps: Value) -> Value {
    let text = json!({
        "name": "derived check",
        "devices": { "web": { "device_id": D1 }, "phone": { "device_id": D2 } },
        "steps": steps,
    })
    .to_string();
    let scenario = idscope_core::scenario::parse(&text, "check.json").expect("parses");
    let run = Run::new(&scenario, config);
    run_json(&run, run.steps.len())
}

fn run(mode: Mode, steps: Value) -> Value {
    run_cfg(RunConfig::new(mode), steps)
}

fn ev(out: &Value, i: usize) -> &Value {
    &out["events"][i]
}

fn together(out: &Value, a: &str, b: &str) -> bool {
    member_sets(out)
        .iter()
        .any(|c| c.contains(a) && c.contains(b))
}

/// `$identify` with the HTTP-reference vocabulary.
fn identify(anon: &str, identified: &str) -> Value {
    send(
        "$identify",
        json!({ "$anon_id": anon, "$identified_id": identified }),
    )
}

#[test]
fn s_link_check1_device_linked_to_another_user() {
    let out = run(
        Mode::Simplified,
        json!([
            send("A", json!({"$device_id": "D1", "$user_id": "U1"})),
            send("B", json!({"$device_id": "D1", "$user_id": "U2"})),
        ]),
    );
    assert_eq!(ev(&out, 0)["effect"], "linked");
    let second = ev(&out, 1);
    assert_eq!(second["ingest_distinct_id"], "U2");
    assert_eq!(second["final_distinct_id"], "U2");
    assert_eq!(second["effect"], "failed");
    assert_eq!(second["reason"], "errAnonDistinctIdAssignedAlready");
    assert_eq!(second["rule"], "S-LINK");
    assert_eq!(
        member_sets(&out),
        [set(&["$device:D1", "U1"]), set(&["U2"])].into()
    );
}

#[test]
fn s_did_check2_user_id_only_event() {
    let out = run(
        Mode::Simplified,
        json!([send("A", json!({"$user_id": "U3"}))]),
    );
    let e = ev(&out, 0);
    assert_eq!(e["ingest_distinct_id"], "U3");
    assert_eq!(e["final_distinct_id"], "U3");
    assert_eq!(e["effect"], "none", "no link");
    assert_eq!(e["reason"], Value::Null);
    assert_eq!(member_sets(&out), [set(&["U3"])].into());
}

#[test]
fn s_did_check3_legacy_style_distinct_id() {
    let out = run(
        Mode::Simplified,
        json!([
            send("Link", json!({"$device_id": "D1", "$user_id": "U1"})),
            send("Prefixed", json!({"distinct_id": "$device:D1"})),
            send("Bare", json!({"distinct_id": "D1"})),
        ]),
    );
    let prefixed = ev(&out, 1);
    assert_eq!(prefixed["ingest_distinct_id"], "$device:D1");
    assert_eq!(
        prefixed["final_distinct_id"], "U1",
        "resolves to D1's owner"
    );
    let bare = ev(&out, 2);
    assert_eq!(bare["ingest_distinct_id"], "D1");
    assert_eq!(
        bare["final_distinct_id"], "D1",
        "user \"D1\", not device D1"
    );
    assert_eq!(
        member_sets(&out),
        [set(&["$device:D1", "U1"]), set(&["D1"])].into()
    );
}

#[test]
fn s_ignore_check4_merge_events_ignored() {
    let out = run(
        Mode::Simplified,
        json!([
            send("A", json!({"$user_id": "U1"})),
            send("B", json!({"$user_id": "U2"})),
            import(
                "$merge",
                json!({"$distinct_ids": ["U1", "U2"], "distinct_id": "U1"})
            ),
        ]),
    );
    assert_eq!(ev(&out, 2)["effect"], "ignored");
    assert_eq!(ev(&out, 2)["rule"], "S-IGNORE");
    assert!(!together(&out, "U1", "U2"));
    assert_eq!(member_sets(&out), [set(&["U1"]), set(&["U2"])].into());
}

#[test]
fn o_id_check5_reidentify_after_a_different_user() {
    let a = format!("$device:{D1}");
    let out = run(
        Mode::Original,
        json!([identify(&a, "U1"), identify(&a, "U2")]),
    );
    assert_eq!(ev(&out, 0)["effect"], "merged");
    assert_eq!(ev(&out, 1)["effect"], "failed");
    assert_eq!(ev(&out, 1)["reason"], "errAnonDistinctIdAssignedAlready");
    assert_eq!(ev(&out, 1)["rule"], "O-ID");
    assert!(together(&out, &a, "U1"));
    assert!(!together(&out, &a, "U2"));
}

#[test]
fn o_id_check6_non_guid_anon_id() {
    let out = run(Mode::Original, json!([identify("U1", "U2")]));
    assert_eq!(ev(&out, 0)["effect"], "failed");
    assert_eq!(ev(&out, 0)["reason"], "errAnonDistinctIdNonGUIDForm");
    assert!(!together(&out, "U1", "U2"));
}

#[test]
fn o_id_check7_same_ids() {
    let out = run(Mode::Original, json!([identify(D1, D1)]));
    assert_eq!(ev(&out, 0)["effect"], "failed");
    assert_eq!(ev(&out, 0)["reason"], "errSameIDs");
}

#[test]
fn o_alias_check8_alias_reused() {
    let out = run(
        Mode::Original,
        json!([
            send(
                "$create_alias",
                json!({"alias": "e@x", "distinct_id": "U1"})
            ),
            send(
                "$create_alias",
                json!({"alias": "e@x", "distinct_id": "U2"})
            ),
        ]),
    );
    assert_eq!(ev(&out, 0)["effect"], "merged");
    assert_eq!(ev(&out, 1)["effect"], "failed");
    assert_eq!(ev(&out, 1)["reason"], "errAliasAlreadyExists");
    assert!(together(&out, "e@x", "U1"));
    assert!(!together(&out, "e@x", "U2"));
}

#[test]
fn o_limit_check9_cluster_limit() {
    // A cluster of 500 ids (the default limit, "more than 500 fails"), plus any merge fails,
    // whichever identity event attempts it.
    let mut steps: Vec<Value> = (1..500)
        .map(|i| {
            import(
                "$merge",
                json!({"$distinct_ids": ["big", format!("id{i}")]}),
            )
        })
        .collect();
    steps.push(import("$merge", json!({"$distinct_ids": ["big", "m"]})));
    steps.push(send(
        "$create_alias",
        json!({"alias": "a", "distinct_id": "big"}),
    ));
    steps.push(identify(D1, "big"));
    let out = run(Mode::Original, Value::Array(steps));
    let big = member_sets(&out)
        .into_iter()
        .find(|c| c.contains("big"))
        .unwrap();
    assert_eq!(big.len(), 500);
    for i in 499..502 {
        assert_eq!(ev(&out, i)["effect"], "failed", "event {i}");
        assert_eq!(ev(&out, i)["reason"], "errManyIDs", "event {i}");
    }
    // The knob moves the threshold: with 501, the first extra merge fits.
    let mut steps: Vec<Value> = (1..500)
        .map(|i| {
            import(
                "$merge",
                json!({"$distinct_ids": ["big", format!("id{i}")]}),
            )
        })
        .collect();
    steps.push(import("$merge", json!({"$distinct_ids": ["big", "m"]})));
    let knobs = Knobs {
        max_cluster: 501,
        ..Knobs::default()
    };
    let out = run_cfg(
        RunConfig {
            mode: Mode::Original,
            playbook: None,
            knobs,
        },
        Value::Array(steps),
    );
    assert_eq!(ev(&out, 499)["effect"], "merged");
}

#[test]
fn o_merge_check10_wrong_endpoint() {
    let merge = json!({"$distinct_ids": ["U1", "U2"], "distinct_id": "U1"});
    let out = run(Mode::Original, json!([send("$merge", merge.clone())]));
    assert_eq!(ev(&out, 0)["effect"], "ignored");
    assert_eq!(ev(&out, 0)["reason"], "mergeRequiresImport");
    assert!(!together(&out, "U1", "U2"));
    let out = run(Mode::Original, json!([import("$merge", merge)]));
    assert_eq!(ev(&out, 0)["effect"], "merged");
    assert_eq!(member_sets(&out), [set(&["U1", "U2"])].into());
}

#[test]
fn l_event_check11_alias_not_retroactive() {
    let out = run(
        Mode::Legacy,
        json!([
            send("Server Event", json!({"distinct_id": "Charlie"})),
            send(
                "$create_alias",
                json!({"alias": "Charlie", "distinct_id": "X"})
            ),
            send("Later", json!({"distinct_id": "Charlie"})),
        ]),
    );
    assert_eq!(ev(&out, 0)["ingest_distinct_id"], "Charlie");
    assert_eq!(
        ev(&out, 0)["final_distinct_id"],
        "Charlie",
        "stays with user Charlie"
    );
    assert_eq!(ev(&out, 1)["effect"], "aliased");
    assert_eq!(ev(&out, 2)["ingest_distinct_id"], "X");
    assert_eq!(ev(&out, 2)["final_distinct_id"], "X");
    // Both orders inside one batch: the alias counts only for what follows it.
    let out = run(
        Mode::Legacy,
        json!([{ "send": [
            {"event": "E1", "properties": {"distinct_id": "Charlie"}},
            {"event": "$create_alias", "properties": {"alias": "Charlie", "distinct_id": "X"}},
            {"event": "E2", "properties": {"distinct_id": "Charlie"}},
        ]}]),
    );
    assert_eq!(ev(&out, 0)["final_distinct_id"], "Charlie");
    assert_eq!(ev(&out, 2)["final_distinct_id"], "X");
}

#[test]
fn l_event_check12_second_anonymous_device() {
    // Raw payloads as mixpanel-js sends them: signup with alias on device 1, anonymous
    // browsing then identify(U) on device 2.
    let d1 = format!("$device:{D1}");
    let d2 = format!("$device:{D2}");
    let out = run(
        Mode::Legacy,
        json!([
            send("Page View", json!({"distinct_id": d1, "$device_id": D1})),
            send(
                "$create_alias",
                json!({"alias": "U", "distinct_id": d1, "$device_id": D1})
            ),
            send("Page View", json!({"distinct_id": d2, "$device_id": D2})),
            send(
                "$identify",
                json!({"distinct_id": "U", "$anon_distinct_id": d2, "$device_id": D2, "$user_id": "U"})
            ),
            send(
                "Log In",
                json!({"distinct_id": "U", "$device_id": D2, "$user_id": "U"})
            ),
        ]),
    );
    assert_eq!(ev(&out, 2)["final_distinct_id"], d2, "orphaned");
    assert_eq!(ev(&out, 3)["effect"], "ignored");
    assert_eq!(ev(&out, 4)["ingest_distinct_id"], d1, "maps to the root");
    assert_eq!(ev(&out, 4)["final_distinct_id"], d1);
    assert!(together(&out, &d1, "U"));
    assert!(!together(&out, &d2, "U"));
    assert!(member_sets(&out).contains(&set(&[&d2])));
    // The same through the SDK emulator and the Legacy playbook.
    let out = run(
        Mode::Legacy,
        json!([
            {"device": "web", "signup": "U"},
            {"device": "phone", "visit": "Pricing"},
            {"device": "phone", "login": "U"},
            {"device": "phone", "visit": "Docs"},
        ]),
    );
    let events = out["events"].as_array().unwrap();
    // Profile records count for no user.
    for e in events.iter().filter(|e| e["endpoint"] == "track") {
        let step = e["step"].as_u64().unwrap();
        let want = if step == 2 { &d2 } else { &d1 };
        if e["payload"]["event"] != "$identify" {
            assert_eq!(e["final_distinct_id"], *want, "{e}");
        }
    }
}
