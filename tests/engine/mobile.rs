//! The mobile SDK profiles (`swift`, `android`, `react-native`), emulated from source (read,
//! not run): one test or more per SDK-IOS-*, SDK-ANDROID-* and SDK-RN-* rule of the rule book,
//! each named after its rule. Expected values come from the rule book (and the SDK source it
//! cites, `docs/sdk-mobile-notes.md`), never from the program's output. Device-level tests
//! drive one SDK instance call by call; where a difference changes clusters, a small scenario
//! is run under the modes it matters for.

use crate::common::{member_sets, set};
use idscope_core::ids::IdSource;
use idscope_core::model::{Endpoint, Mode};
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use idscope_core::sdk::{Context, Device, DeviceSpec, Profile, Request, SdkCall};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The device id the SDK "generated" (lower case, as the id source draws it).
const D: &str = "5f0c1e2a-8b3d-4e6f-9a1b-2c3d4e5f6a7b";
const D_UPPER: &str = "5F0C1E2A-8B3D-4E6F-9A1B-2C3D4E5F6A7B";
/// A pinned device id for scenario runs.
const P: &str = "22222222-2222-4222-8222-222222222222";
/// 2026-01-01T09:00:00Z in milliseconds.
const T0: i64 = 1_767_258_000_000;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

fn track(event: &str) -> SdkCall {
    SdkCall::Track {
        event: event.into(),
        properties: Map::new(),
    }
}

fn track_with(event: &str, properties: Value) -> SdkCall {
    SdkCall::Track {
        event: event.into(),
        properties: obj(properties),
    }
}

fn identify(id: &str) -> SdkCall {
    SdkCall::Identify(id.into())
}

fn alias(a: &str, original: Option<&str>) -> SdkCall {
    SdkCall::Alias {
        alias: a.into(),
        original: original.map(str::to_string),
    }
}

fn reset() -> SdkCall {
    SdkCall::Reset { device_id: None }
}

fn people_set(p: Value) -> SdkCall {
    SdkCall::PeopleSet(obj(p))
}

fn register(p: Value) -> SdkCall {
    SdkCall::Register(obj(p))
}

/// One app install, driven call by call; the clock moves one second a call.
struct Phone {
    device: Box<dyn Device>,
    ids: IdSource,
    time_ms: i64,
    index: usize,
    notes: Vec<String>,
}

impl Phone {
    fn new(profile: Profile) -> Phone {
        Phone::with_spec(profile, DeviceSpec::default())
    }

    fn with_spec(profile: Profile, spec: DeviceSpec) -> Phone {
        let mut phone = Phone {
            device: profile.device("phone", D.to_string(), &spec),
            ids: IdSource::deterministic("mobile test"),
            time_ms: T0,
            index: 0,
            notes: Vec::new(),
        };
        let mut ctx = Context {
            token: "tok",
            time_ms: phone.time_ms,
            ids: &mut phone.ids,
            next_index: 0,
        };
        let init = phone.device.init(&mut ctx);
        assert!(init.requests.is_empty(), "init sends nothing");
        phone.notes.extend(init.notes);
        phone
    }

    /// What the call sent at once.
    fn call(&mut self, call: SdkCall) -> Vec<Request> {
        self.time_ms += 1000;
        let mut ctx = Context {
            token: "tok",
            time_ms: self.time_ms,
            ids: &mut self.ids,
            next_index: self.index,
        };
        let sent = self.device.call(&call, &mut ctx);
        self.index = ctx.next_index;
        self.notes.extend(sent.notes);
        sent.requests
    }

    /// What left when the device settled.
    fn settle(&mut self) -> Vec<Request> {
        let mut ctx = Context {
            token: "tok",
            time_ms: self.time_ms,
            ids: &mut self.ids,
            next_index: self.index,
        };
        let out = self.device.settle(&mut ctx);
        self.index = ctx.next_index;
        out
    }

    /// The calls in one tick, then a settle: every request, in order.
    fn step(&mut self, calls: Vec<SdkCall>) -> Vec<Request> {
        let mut out = Vec::new();
        for c in calls {
            out.extend(self.call(c));
        }
        out.extend(self.settle());
        out
    }

    fn noted(&self, part: &str) -> bool {
        self.notes.iter().any(|n| n.contains(part))
    }
}

/// The `/track` payloads of some requests, in order.
fn events(reqs: &[Request]) -> Vec<Value> {
    reqs.iter()
        .filter(|r| r.endpoint == Endpoint::Track)
        .flat_map(|r| r.payloads.clone())
        .collect()
}

/// The `/engage` records of some requests, in order.
fn engage(reqs: &[Request]) -> Vec<Value> {
    reqs.iter()
        .filter(|r| r.endpoint == Endpoint::Engage)
        .flat_map(|r| r.payloads.clone())
        .collect()
}

fn names(reqs: &[Request]) -> Vec<String> {
    events(reqs)
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("").to_string())
        .collect()
}

fn props(event: &Value) -> &Map<String, Value> {
    event["properties"].as_object().expect("properties")
}

fn dev(d: &str) -> String {
    format!("$device:{d}")
}

/// A scenario of one device `phone` running `lib`, pinned to P unless `pinned` is false.
fn scenario(lib: &str, pinned: bool, steps: Value) -> String {
    let mut phone = json!({ "lib": lib });
    if pinned {
        phone["device_id"] = json!(P);
    }
    json!({ "name": "mobile test", "devices": { "phone": phone }, "steps": steps }).to_string()
}

fn on(action: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert("device".into(), json!("phone"));
    m.insert(action.into(), value);
    Value::Object(m)
}

fn run(text: &str, mode: Mode, playbook: Option<Mode>) -> Value {
    let scenario = idscope_core::scenario::parse(text, "mobile.json").expect("scenario parses");
    let config = RunConfig {
        playbook,
        ..RunConfig::new(mode)
    };
    let run = Run::new(&scenario, config);
    run_json(&run, run.steps.len())
}

fn clusters(out: &Value) -> BTreeSet<BTreeSet<String>> {
    member_sets(out)
}

fn in_any_cluster(out: &Value, id: &str) -> bool {
    clusters(out).iter().any(|c| c.contains(id))
}

/// The run's `/track` events' properties, in order.
fn run_events(out: &Value) -> Vec<&Value> {
    out["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["endpoint"] == "track")
        .collect()
}

// ---------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------

#[test]
fn mobile_profiles_are_from_source_at_the_versions_read() {
    for (p, lib, version) in [
        (Profile::Swift, "swift", "6.8.0"),
        (Profile::Android, "android", "8.10.0"),
        (Profile::ReactNative, "react-native", "3.3.0"),
    ] {
        assert_eq!(p.version(), version);
        assert!(!p.verified(), "{p:?} was read, not run");
        assert_eq!(p.evidence(), "from source (read, not run)");
        let mut phone = Phone::new(p);
        let reqs = phone.step(vec![track("A")]);
        let e = &events(&reqs)[0];
        assert_eq!(props(e)["mp_lib"], lib);
        assert_eq!(props(e)["$lib_version"], version);
        // All three stamp `time` in milliseconds and add no `$insert_id`.
        assert_eq!(props(e)["time"], T0 + 1000, "{lib}");
        assert!(props(e).get("$insert_id").is_none(), "{lib}");
        assert_eq!(props(e)["token"], "tok");
    }
}

#[test]
fn mobile_call_text_is_each_sdks_own_syntax() {
    let plan = || track_with("Sign Up", json!({"plan": "pro"}));
    let sw = |c: SdkCall| Profile::Swift.call_text(&c);
    assert_eq!(
        sw(identify("alice")),
        r#"Mixpanel.mainInstance().identify(distinctId: "alice")"#
    );
    assert_eq!(
        sw(plan()),
        r#"Mixpanel.mainInstance().track(event: "Sign Up", properties: ["plan": "pro"])"#
    );
    assert_eq!(
        sw(alias("a", Some("b"))),
        r#"Mixpanel.mainInstance().createAlias("a", distinctId: "b")"#
    );
    assert_eq!(
        sw(alias("a", None)),
        r#"Mixpanel.mainInstance().createAlias("a", distinctId: Mixpanel.mainInstance().distinctId)"#
    );
    assert_eq!(sw(reset()), "Mixpanel.mainInstance().reset()");
    assert_eq!(
        sw(people_set(json!({"plan": "pro"}))),
        r#"Mixpanel.mainInstance().people.set(properties: ["plan": "pro"])"#
    );
    assert_eq!(
        sw(SdkCall::OptOut),
        "Mixpanel.mainInstance().optOutTracking()"
    );
    assert_eq!(
        sw(register(json!({}))),
        "Mixpanel.mainInstance().registerSuperProperties([:])"
    );
    assert_eq!(
        sw(SdkCall::Unregister("plan".into())),
        r#"Mixpanel.mainInstance().unregisterSuperProperty("plan")"#
    );

    let kt = |c: SdkCall| Profile::Android.call_text(&c);
    assert_eq!(kt(identify("alice")), r#"mixpanel.identify("alice")"#);
    assert_eq!(
        kt(plan()),
        r#"mixpanel.track("Sign Up", JSONObject(mapOf("plan" to "pro")))"#
    );
    assert_eq!(kt(alias("a", Some("b"))), r#"mixpanel.alias("a", "b")"#);
    assert_eq!(kt(alias("a", None)), r#"mixpanel.alias("a", null)"#);
    assert_eq!(
        kt(people_set(json!({"n": 1}))),
        r#"mixpanel.people.set(JSONObject(mapOf("n" to 1)))"#
    );
    assert_eq!(kt(reset()), "mixpanel.reset()");
    // Kotlin reads `$name` in a string as a template: the SDK's prefix must be escaped.
    assert_eq!(
        kt(identify("$device:x")),
        r#"mixpanel.identify("\$device:x")"#
    );
    assert_eq!(
        kt(SdkCall::RegisterOnce(obj(
            json!({"t": 1_767_258_000_000_i64})
        ))),
        r#"mixpanel.registerSuperPropertiesOnce(JSONObject(mapOf("t" to 1767258000000L)))"#
    );

    let rn = |c: SdkCall| Profile::ReactNative.call_text(&c);
    assert_eq!(rn(identify("alice")), r#"mixpanel.identify("alice")"#);
    assert_eq!(rn(plan()), r#"mixpanel.track("Sign Up", {"plan":"pro"})"#);
    assert_eq!(rn(alias("a", Some("b"))), r#"mixpanel.alias("a", "b")"#);
    assert_eq!(
        rn(alias("a", None)),
        r#"mixpanel.alias("a", await mixpanel.getDistinctId())"#
    );
    assert_eq!(
        rn(people_set(json!({"plan": "pro"}))),
        r#"mixpanel.getPeople().set({"plan":"pro"})"#
    );
    assert_eq!(rn(reset()), "mixpanel.reset()");
    assert_eq!(
        rn(register(json!({"a": 1}))),
        r#"mixpanel.registerSuperProperties({"a":1})"#
    );
}

// ---------------------------------------------------------------------------------------
// mixpanel-swift 6.8.0
// ---------------------------------------------------------------------------------------

#[test]
fn sdk_ios_id_is_an_upper_case_uuid_with_the_device_prefix_and_had_persisted_true() {
    let mut phone = Phone::new(Profile::Swift);
    let reqs = phone.step(vec![track("A")]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D_UPPER));
    assert_eq!(p["$device_id"], D_UPPER, "bare, no prefix");
    assert_eq!(
        p["$had_persisted_distinct_id"], true,
        "true from install on"
    );
    assert!(p.get("$user_id").is_none());
    assert_eq!(p["$os"], "iOS");
    assert_eq!(phone.device.device_ids(), [D_UPPER]);
}

#[test]
fn sdk_ios_id_upper_case_ids_pass_originals_guid_check() {
    // A generated id (no pin): upper case on the wire, and Original merges it at login.
    let text = scenario(
        "swift",
        false,
        json!([on("track", json!("A")), on("login", json!("alice"))]),
    );
    let out = run(&text, Mode::Original, None);
    let d = run_events(&out)[0]["payload"]["properties"]["$device_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(d, d.to_uppercase());
    assert!(uuid::Uuid::parse_str(&d).is_ok());
    assert!(clusters(&out).contains(&set(&["alice", &dev(&d)])));
}

#[test]
fn sdk_ios_track_super_properties_and_the_caller_override_the_identity_keys() {
    let mut phone = Phone::new(Profile::Swift);
    let reqs = phone.step(vec![
        register(json!({"distinct_id": "cdp-1", "plan": "pro"})),
        track("A"),
        track_with("B", json!({"$user_id": "u-9", "plan": "team"})),
    ]);
    let ev = events(&reqs);
    assert_eq!(
        props(&ev[0])["distinct_id"],
        "cdp-1",
        "a super property wins"
    );
    assert_eq!(props(&ev[0])["plan"], "pro");
    assert_eq!(props(&ev[1])["$user_id"], "u-9", "the caller wins");
    assert_eq!(props(&ev[1])["plan"], "team");
}

#[test]
fn sdk_ios_identify_sends_identify_on_every_change_of_distinct_id() {
    let mut phone = Phone::new(Profile::Swift);
    let first = phone.step(vec![identify("alice")]);
    assert_eq!(names(&first), ["$identify"]);
    let p = props(&events(&first)[0]).clone();
    assert_eq!(p["distinct_id"], "alice");
    assert_eq!(p["$user_id"], "alice");
    assert_eq!(p["$device_id"], D_UPPER);
    assert_eq!(p["$anon_distinct_id"], dev(D_UPPER));
    assert_eq!(p["$had_persisted_distinct_id"], true);
    assert!(
        phone.step(vec![identify("alice")]).is_empty(),
        "same id: nothing"
    );
    let second = phone.step(vec![identify("bob")]);
    let p = props(&events(&second)[0]).clone();
    assert_eq!(p["distinct_id"], "bob");
    assert_eq!(p["$user_id"], "bob");
    assert_eq!(p["$anon_distinct_id"], "alice", "A → B: the previous id");
    assert_eq!(p["$device_id"], D_UPPER, "unchanged");
}

#[test]
fn sdk_ios_identify_refuses_an_empty_id_and_accepts_a_device_prefix() {
    let mut phone = Phone::new(Profile::Swift);
    assert!(phone.step(vec![identify("")]).is_empty());
    assert!(phone.noted("empty id"));
    assert_eq!(phone.device.distinct_id(), dev(D_UPPER));
    let reqs = phone.step(vec![identify("$device:abc"), track("A")]);
    assert_eq!(names(&reqs), ["$identify", "A"]);
    assert_eq!(props(&events(&reqs)[1])["distinct_id"], "$device:abc");
    assert_eq!(props(&events(&reqs)[1])["$user_id"], "$device:abc");
}

#[test]
fn sdk_ios_identify_of_the_current_id_sets_user_id_to_the_device_id() {
    let mut phone = Phone::new(Profile::Swift);
    let current = phone.device.distinct_id();
    let reqs = phone.step(vec![identify(&current), track("A")]);
    assert_eq!(names(&reqs), ["A"], "no $identify");
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D_UPPER));
    assert_eq!(p["$user_id"], dev(D_UPPER));
}

#[test]
fn sdk_ios_alias_identifies_with_the_original_not_the_alias() {
    let mut phone = Phone::new(Profile::Swift);
    // createAlias("alice", distinctId: mixpanel.distinctId): sent at once (flush).
    let now = phone.call(alias("alice", None));
    assert_eq!(names(&now), ["$create_alias"], "no $identify");
    let p = props(&events(&now)[0]).clone();
    assert_eq!(p["alias"], "alice");
    assert_eq!(p["distinct_id"], dev(D_UPPER));
    let later = phone.step(vec![track("Sign Up")]);
    let p = props(&events(&later)[0]).clone();
    assert_eq!(
        p["distinct_id"],
        dev(D_UPPER),
        "distinct_id stays the device"
    );
    assert_eq!(
        p["$user_id"],
        dev(D_UPPER),
        "identify(original) set $user_id"
    );
    // An explicit other original: its distinct_id, then identify(original) changes the id.
    let mut phone = Phone::new(Profile::Swift);
    let now = phone.call(alias("alice", Some("bob")));
    assert_eq!(names(&now), ["$create_alias", "$identify"]);
    assert_eq!(props(&events(&now)[0])["distinct_id"], "bob");
    assert_eq!(props(&events(&now)[1])["distinct_id"], "bob");
    assert_eq!(props(&events(&now)[1])["$anon_distinct_id"], dev(D_UPPER));
    // alias == distinctId: refused, nothing sent.
    let mut phone = Phone::new(Profile::Swift);
    assert!(phone.step(vec![alias("x", Some("x"))]).is_empty());
    assert!(phone.noted("matches the distinct id"));
}

#[test]
fn sdk_ios_alias_legacy_signup_merges_under_legacy_and_links_nothing_under_simplified() {
    // Code written for Legacy (signup = alias(U), track), the project on each mode.
    let steps = json!([on("track", json!("A")), on("signup", json!("alice"))]);
    let text = scenario("swift", true, steps);
    let legacy = run(&text, Mode::Legacy, Some(Mode::Legacy));
    assert!(
        clusters(&legacy).contains(&set(&["alice", &dev(P)])),
        "L-ALIAS"
    );
    let original = run(&text, Mode::Original, Some(Mode::Legacy));
    assert!(
        clusters(&original).contains(&set(&["alice", &dev(P)])),
        "O-ALIAS"
    );
    // Simplified ignores $create_alias; the SDK never sends $user_id alice.
    let simplified = run(&text, Mode::Simplified, Some(Mode::Legacy));
    assert!(!in_any_cluster(&simplified, "alice"));
    for e in run_events(&simplified) {
        assert_ne!(e["payload"]["properties"]["$user_id"], "alice");
    }
}

#[test]
fn sdk_ios_reset_flushes_then_draws_a_new_upper_case_id_and_drops_waiting_profile_updates() {
    let mut phone = Phone::new(Profile::Swift);
    phone.step(vec![identify("alice")]);
    // Identified: the update and the event leave with reset's flush, under alice.
    let now = {
        phone.call(register(json!({"plan": "pro"})));
        phone.call(people_set(json!({"name": "Alice"})));
        phone.call(track("Before"));
        phone.call(reset())
    };
    assert_eq!(names(&now), ["Before"]);
    assert_eq!(engage(&now)[0]["$distinct_id"], "alice");
    let after = phone.step(vec![track("After")]);
    let p = props(&events(&after)[0]).clone();
    let new = phone.device.device_ids()[1].clone();
    assert_ne!(new, D_UPPER);
    assert_eq!(new, new.to_uppercase());
    assert_eq!(p["distinct_id"], dev(&new));
    assert_eq!(p["$device_id"], new.as_str());
    assert_eq!(p["$had_persisted_distinct_id"], true);
    assert!(p.get("$user_id").is_none());
    assert!(p.get("plan").is_none(), "super properties cleared");
    // An update waiting for identify is dropped by reset.
    let dropped = phone.step(vec![people_set(json!({"x": 1})), reset(), identify("bob")]);
    assert!(engage(&dropped).is_empty());
}

#[test]
fn sdk_ios_profile_updates_wait_for_identify_and_take_its_id() {
    let mut phone = Phone::new(Profile::Swift);
    assert!(phone
        .step(vec![people_set(json!({"plan": "pro"}))])
        .is_empty());
    let reqs = phone.step(vec![identify("alice")]);
    let r = engage(&reqs);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["$distinct_id"], "alice", "stamped at identify");
    assert_eq!(r[0]["$device_id"], D_UPPER);
    assert!(
        r[0].get("$user_id").is_none(),
        "kept as queued: no user then"
    );
    assert_eq!(r[0]["$had_persisted_distinct_id"], true);
    assert_eq!(r[0]["$time"], T0 + 1000, "milliseconds");
    assert_eq!(r[0]["$set"]["plan"], "pro");
    assert_eq!(r[0]["$set"]["$ios_lib_version"], "6.8.0");
    let later = engage(&phone.step(vec![people_set(json!({"n": 2}))]));
    assert_eq!(later[0]["$distinct_id"], "alice");
    assert_eq!(later[0]["$user_id"], "alice");
}

#[test]
fn sdk_ios_optout_draws_a_new_device_id_and_holds_the_delete_until_opt_in() {
    let mut phone = Phone::new(Profile::Swift);
    phone.step(vec![identify("alice")]);
    let out = phone.step(vec![SdkCall::OptOut]);
    assert!(out.is_empty(), "nothing leaves while opted out");
    assert!(phone.step(vec![track("Hidden")]).is_empty());
    let back = phone.step(vec![SdkCall::OptIn]);
    assert_eq!(names(&back), ["$opt_in"]);
    let new = phone.device.device_ids()[1].clone();
    assert_eq!(props(&events(&back)[0])["distinct_id"], dev(&new));
    assert_ne!(new, D_UPPER);
    let r = engage(&back);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["$delete"], json!({}));
    assert_eq!(r[0]["$distinct_id"], "alice");
    assert_eq!(r[1]["$set"]["$transactions"], json!([]));
}

#[test]
fn sdk_ios_optout_then_opt_in_is_a_new_anonymous_user_under_simplified() {
    let steps = json!([
        on("login", json!("alice")),
        on("opt_out", json!(true)),
        on("opt_in", json!(true)),
        on("track", json!("After")),
    ]);
    let out = run(&scenario("swift", true, steps), Mode::Simplified, None);
    let after = run_events(&out)
        .into_iter()
        .find(|e| e["payload"]["event"] == "After")
        .expect("After is sent")
        .clone();
    let new = after["payload"]["properties"]["$device_id"]
        .as_str()
        .unwrap();
    assert_ne!(new, P);
    assert!(after["payload"]["properties"].get("$user_id").is_none());
    assert!(clusters(&out).contains(&set(&["alice", &dev(P)])));
    assert!(
        clusters(&out).contains(&set(&[&dev(new)])),
        "a new anonymous user"
    );
}

#[test]
fn sdk_ios_flush_sends_events_then_profiles_in_batches_of_50_when_the_device_settles() {
    let mut phone = Phone::new(Profile::Swift);
    let mut sent_at_once = Vec::new();
    for i in 0..120 {
        sent_at_once.extend(phone.call(track(&format!("E{i}"))));
    }
    sent_at_once.extend(phone.call(identify("alice")));
    sent_at_once.extend(phone.call(people_set(json!({"a": 1}))));
    assert!(sent_at_once.is_empty(), "everything waits for the flush");
    let reqs = phone.settle();
    let shape: Vec<(Endpoint, usize)> = reqs
        .iter()
        .map(|r| (r.endpoint, r.payloads.len()))
        .collect();
    assert_eq!(
        shape,
        [
            (Endpoint::Track, 50),
            (Endpoint::Track, 50),
            (Endpoint::Track, 21),
            (Endpoint::Engage, 1)
        ]
    );
}

#[test]
fn sdk_ios_persist_keeps_an_older_sdks_distinct_id_until_identify() {
    let spec = DeviceSpec {
        storage: Some(obj(json!({"distinct_id": "legacy-1"}))),
        ..DeviceSpec::default()
    };
    let mut phone = Phone::with_spec(Profile::Swift, spec);
    let reqs = phone.step(vec![track("A"), identify("legacy-1"), track("B")]);
    assert_eq!(
        names(&reqs),
        ["A", "B"],
        "identify of the stored id: no $identify"
    );
    let a = props(&events(&reqs)[0]).clone();
    assert_eq!(a["distinct_id"], "legacy-1");
    assert!(a.get("$device_id").is_none());
    assert!(a.get("$had_persisted_distinct_id").is_none());
    let b = props(&events(&reqs)[1]).clone();
    assert_eq!(b["$device_id"], "legacy-1");
    assert_eq!(b["$user_id"], "legacy-1");
    assert_eq!(b["$had_persisted_distinct_id"], true);
}

// ---------------------------------------------------------------------------------------
// mixpanel-android 8.10.0
// ---------------------------------------------------------------------------------------

#[test]
fn sdk_android_id_is_a_lower_case_uuid_and_had_persisted_is_always_false() {
    let mut phone = Phone::new(Profile::Android);
    let reqs = phone.step(vec![track("A")]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D));
    assert_eq!(p["$device_id"], D);
    assert_eq!(p["$had_persisted_distinct_id"], false);
    assert!(p.get("$user_id").is_none());
    assert_eq!(p["$os"], "Android");
    let reqs = phone.step(vec![identify("alice"), track("B")]);
    assert_eq!(
        props(&events(&reqs)[1])["$had_persisted_distinct_id"],
        false
    );
}

#[test]
fn sdk_android_track_the_caller_overrides_identity_keys_but_super_properties_do_not() {
    let mut phone = Phone::new(Profile::Android);
    let reqs = phone.step(vec![
        register(json!({"distinct_id": "cdp-1", "plan": "pro"})),
        track("A"),
        track_with("B", json!({"distinct_id": "srv"})),
    ]);
    let ev = events(&reqs);
    assert_eq!(
        props(&ev[0])["distinct_id"],
        dev(D),
        "the super property loses"
    );
    assert_eq!(props(&ev[0])["plan"], "pro");
    assert_eq!(props(&ev[1])["distinct_id"], "srv", "the caller wins");
}

#[test]
fn sdk_android_identify_sends_identify_on_every_change_and_nothing_for_the_same_id() {
    let mut phone = Phone::new(Profile::Android);
    let current = phone.device.distinct_id();
    let same = phone.step(vec![identify(&current), track("A")]);
    assert_eq!(names(&same), ["A"]);
    assert!(
        props(&events(&same)[0]).get("$user_id").is_none(),
        "unlike Swift"
    );
    let first = phone.step(vec![identify("alice")]);
    let p = props(&events(&first)[0]).clone();
    assert_eq!(p["distinct_id"], "alice");
    assert_eq!(p["$user_id"], "alice");
    assert_eq!(p["$device_id"], D);
    assert_eq!(p["$anon_distinct_id"], dev(D));
    let second = phone.step(vec![identify("bob")]);
    assert_eq!(props(&events(&second)[0])["$anon_distinct_id"], "alice");
}

#[test]
fn sdk_android_identify_refuses_a_device_prefix_and_accepts_an_empty_id() {
    let mut phone = Phone::new(Profile::Android);
    assert!(phone.step(vec![identify("$device:abc")]).is_empty());
    assert!(phone.noted("'$device:'"));
    assert_eq!(phone.device.distinct_id(), dev(D));
    let reqs = phone.step(vec![identify(""), track("A")]);
    assert_eq!(names(&reqs), ["$identify", "A"]);
    for e in events(&reqs) {
        assert_eq!(props(&e)["distinct_id"], "");
        assert_eq!(props(&e)["$user_id"], "");
    }
}

#[test]
fn sdk_android_alias_never_identifies() {
    let mut phone = Phone::new(Profile::Android);
    let now = phone.call(alias("alice", None));
    assert_eq!(
        names(&now),
        ["$create_alias"],
        "flushed at once, no $identify"
    );
    assert_eq!(props(&events(&now)[0])["alias"], "alice");
    assert_eq!(props(&events(&now)[0])["distinct_id"], dev(D));
    let later = phone.step(vec![track("Sign Up")]);
    let p = props(&events(&later)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D));
    assert!(p.get("$user_id").is_none());
    assert!(
        phone.step(vec![alias("x", Some("x"))]).is_empty(),
        "alias == original"
    );
}

#[test]
fn sdk_android_alias_legacy_signup_merges_under_legacy_and_links_nothing_under_simplified() {
    let steps = json!([on("track", json!("A")), on("signup", json!("alice"))]);
    let text = scenario("android", true, steps);
    let legacy = run(&text, Mode::Legacy, Some(Mode::Legacy));
    assert!(clusters(&legacy).contains(&set(&["alice", &dev(P)])));
    let simplified = run(&text, Mode::Simplified, Some(Mode::Legacy));
    assert!(!in_any_cluster(&simplified, "alice"));
    assert!(
        clusters(&simplified).contains(&set(&[&dev(P)])),
        "stays anonymous"
    );
}

#[test]
fn sdk_android_reset_flushes_and_draws_a_new_lower_case_id() {
    let mut phone = Phone::new(Profile::Android);
    phone.step(vec![identify("alice")]);
    phone.call(track("Before"));
    let now = phone.call(reset());
    assert_eq!(names(&now), ["Before"], "reset flushes");
    let reqs = phone.step(vec![
        people_set(json!({"a": 1})),
        reset(),
        identify("bob"),
        track("B"),
    ]);
    assert!(
        engage(&reqs).is_empty(),
        "the anonymous update is dropped by reset"
    );
    let new = &phone.device.device_ids()[1];
    assert_eq!(*new, new.to_lowercase());
    assert_ne!(new, D);
    let b = props(events(&reqs).last().unwrap()).clone();
    assert_eq!(b["$had_persisted_distinct_id"], false);
    assert_eq!(b["$device_id"], phone.device.device_ids()[2].as_str());
}

#[test]
fn sdk_android_profile_updates_wait_for_identify_then_carry_the_profile_id_twice() {
    let mut phone = Phone::new(Profile::Android);
    assert!(phone
        .step(vec![people_set(json!({"plan": "pro"}))])
        .is_empty());
    let r = engage(&phone.step(vec![identify("alice")]));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["$distinct_id"], "alice");
    assert!(r[0].get("$user_id").is_none(), "as queued while anonymous");
    assert_eq!(r[0]["$had_persisted_distinct_id"], false);
    assert_eq!(r[0]["$set"]["$android_lib_version"], "8.10.0");
    let r = engage(&phone.step(vec![SdkCall::PeopleSetOnce(obj(json!({"first": 1})))]));
    assert_eq!(r[0]["$distinct_id"], "alice");
    assert_eq!(r[0]["$user_id"], "alice");
    assert_eq!(
        r[0]["$set_once"],
        json!({"first": 1}),
        "no device info under $set_once"
    );
    // identify of the current (anonymous) id releases updates under the device id.
    let mut phone = Phone::new(Profile::Android);
    let current = phone.device.distinct_id();
    let r = engage(&phone.step(vec![people_set(json!({"a": 1})), identify(&current)]));
    assert_eq!(r[0]["$distinct_id"], dev(D));
}

#[test]
fn sdk_android_optout_empties_the_queue_sends_the_delete_and_draws_a_new_id() {
    let mut phone = Phone::new(Profile::Android);
    phone.step(vec![identify("alice")]);
    let out = phone.step(vec![
        track("Unsent"),
        SdkCall::OptOut,
        register(json!({"p": 1})),
    ]);
    assert!(events(&out).is_empty(), "the unsent event is deleted");
    let r = engage(&out);
    assert_eq!(r.len(), 2, "sent although opted out");
    assert_eq!(r[0]["$delete"], Value::Null);
    assert_eq!(r[0]["$distinct_id"], "alice");
    assert_eq!(r[1]["$unset"], json!(["$transactions"]));
    let back = phone.step(vec![SdkCall::OptIn, track("B")]);
    assert_eq!(names(&back), ["$opt_in", "B"]);
    let new = phone.device.device_ids()[1].clone();
    assert_eq!(props(&events(&back)[0])["distinct_id"], dev(&new));
    assert!(
        props(&events(&back)[1]).get("p").is_none(),
        "register ignored while opted out"
    );
}

#[test]
fn sdk_android_flush_sends_at_once_when_40_records_are_queued() {
    let mut phone = Phone::new(Profile::Android);
    for i in 0..39 {
        assert!(phone.call(track(&format!("E{i}"))).is_empty());
    }
    let now = phone.call(track("E39"));
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].payloads.len(), 40);
    assert!(phone.settle().is_empty());
    // The 5-day local expiry applies only when the worker opens its database (app start).
    assert_eq!(
        idscope_core::sdk::mixpanel_android::DATA_EXPIRATION_MS,
        5 * 86_400_000
    );
}

#[test]
fn sdk_android_persist_upgrades_an_older_sdks_storage_at_identify() {
    let spec = DeviceSpec {
        storage: Some(obj(json!({"distinct_id": "legacy-1"}))),
        ..DeviceSpec::default()
    };
    let mut phone = Phone::with_spec(Profile::Android, spec);
    let reqs = phone.step(vec![track("A"), identify("alice")]);
    let a = props(&events(&reqs)[0]).clone();
    assert_eq!(a["distinct_id"], "legacy-1");
    assert!(a.get("$device_id").is_none());
    assert_eq!(a["$had_persisted_distinct_id"], false);
    let i = props(&events(&reqs)[1]).clone();
    assert_eq!(i["$anon_distinct_id"], "legacy-1");
    assert_eq!(i["$device_id"], "legacy-1");
    assert_eq!(i["$had_persisted_distinct_id"], true);
}

// ---------------------------------------------------------------------------------------
// mixpanel-react-native 3.3.0, JavaScript mode
// ---------------------------------------------------------------------------------------

#[test]
fn sdk_rn_id_is_lower_case_with_a_null_user_id_and_no_had_persisted() {
    let mut phone = Phone::new(Profile::ReactNative);
    let reqs = phone.step(vec![track("A")]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D));
    assert_eq!(p["$device_id"], D);
    assert_eq!(p["$user_id"], Value::Null, "the stored value: null");
    assert!(p.get("$had_persisted_distinct_id").is_none());
    assert_eq!(p["$os"], "ios", "Platform.OS, lower case");
}

#[test]
fn sdk_rn_track_identity_keys_win_over_the_caller_and_super_properties() {
    let mut phone = Phone::new(Profile::ReactNative);
    let reqs = phone.step(vec![
        register(json!({"$device_id": "cdp"})),
        track_with("A", json!({"distinct_id": "srv", "plan": "pro"})),
    ]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], dev(D));
    assert_eq!(p["$device_id"], D);
    assert_eq!(p["plan"], "pro");
    assert!(phone.noted("identity keys last"));
}

#[test]
fn sdk_rn_identify_sends_identify_on_every_change_with_a_stray_distinct_id() {
    let mut phone = Phone::new(Profile::ReactNative);
    let reqs = phone.step(vec![identify("alice")]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["distinct_id"], "alice");
    assert_eq!(p["$user_id"], "alice");
    assert_eq!(p["$device_id"], D);
    assert_eq!(p["$anon_distinct_id"], dev(D));
    assert_eq!(p["distinctId"], "alice", "camel-case copy");
    assert!(phone.step(vec![identify("alice")]).is_empty());
    let reqs = phone.step(vec![identify("bob")]);
    assert_eq!(props(&events(&reqs)[0])["$anon_distinct_id"], "alice");
}

#[test]
fn sdk_rn_identify_refuses_an_empty_id_and_accepts_a_device_prefix() {
    let mut phone = Phone::new(Profile::ReactNative);
    assert!(phone.step(vec![identify("")]).is_empty());
    let reqs = phone.step(vec![identify("$device:abc")]);
    assert_eq!(props(&events(&reqs)[0])["distinct_id"], "$device:abc");
}

#[test]
fn sdk_rn_alias_sends_the_current_distinct_id_and_does_not_refuse_a_self_alias() {
    let mut phone = Phone::new(Profile::ReactNative);
    let now = phone.call(alias("alice", Some("bob")));
    assert!(now.is_empty(), "no flush");
    let reqs = phone.step(vec![]);
    assert_eq!(names(&reqs), ["$create_alias", "$identify"]);
    assert_eq!(
        props(&events(&reqs)[0])["distinct_id"],
        dev(D),
        "forced current"
    );
    assert_eq!(props(&events(&reqs)[0])["alias"], "alice");
    assert_eq!(
        props(&events(&reqs)[1])["distinct_id"],
        "bob",
        "identify(2nd arg)"
    );
    // The documented alias(a, await getDistinctId()): the identify is a no-op.
    let mut phone = Phone::new(Profile::ReactNative);
    let reqs = phone.step(vec![alias("alice", None), track("B")]);
    assert_eq!(names(&reqs), ["$create_alias", "B"]);
    assert_eq!(props(&events(&reqs)[1])["$user_id"], Value::Null);
    // alias == distinct_id: sent.
    let mut phone = Phone::new(Profile::ReactNative);
    let reqs = phone.step(vec![alias(&dev(D), None)]);
    let p = props(&events(&reqs)[0]).clone();
    assert_eq!(p["alias"], dev(D));
    assert_eq!(p["distinct_id"], dev(D));
}

#[test]
fn sdk_rn_alias_self_alias_fails_as_a_cycle_under_legacy() {
    let text = scenario(
        "react-native",
        true,
        json!([on("alias", json!(dev(P))), on("signup", json!("alice"))]),
    );
    let out = run(&text, Mode::Legacy, None);
    let first = &out["events"][0];
    assert_eq!(first["payload"]["event"], "$create_alias");
    assert_eq!(first["effect"], "failed");
    assert_eq!(first["reason"], "errAliasCycle");
    // The Legacy signup that follows aliases alice to the device.
    assert!(clusters(&out).contains(&set(&["alice", &dev(P)])));
}

#[test]
fn sdk_rn_reset_draws_a_new_id_and_keeps_the_queues() {
    let mut phone = Phone::new(Profile::ReactNative);
    let now = phone.call(reset());
    assert!(now.is_empty(), "no flush");
    let reqs = phone.step(vec![track("A")]);
    let new = phone.device.device_ids()[1].clone();
    assert_ne!(new, D);
    assert_eq!(new, new.to_lowercase());
    assert_eq!(props(&events(&reqs)[0])["distinct_id"], dev(&new));
}

#[test]
fn sdk_rn_profile_updates_wait_for_a_user_and_identify_rewrites_every_one() {
    let mut phone = Phone::new(Profile::ReactNative);
    // An update made anonymously, a reset, then bob: the update lands on bob.
    assert!(phone
        .step(vec![people_set(json!({"plan": "pro"}))])
        .is_empty());
    assert!(phone.step(vec![reset()]).is_empty());
    let reqs = phone.step(vec![identify("bob")]);
    let r = engage(&reqs);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["$distinct_id"], "bob");
    assert_eq!(r[0]["$user_id"], "bob");
    assert_eq!(r[0]["$device_id"], phone.device.device_ids()[1].as_str());
    assert_eq!(
        r[0]["$set"],
        json!({"plan": "pro"}),
        "no automatic properties"
    );
    // An update queued for alice, reset and bob in one tick: alice's update lands on bob.
    let mut phone = Phone::new(Profile::ReactNative);
    phone.step(vec![identify("alice")]);
    let reqs = phone.step(vec![people_set(json!({"x": 1})), reset(), identify("bob")]);
    assert_eq!(engage(&reqs)[0]["$distinct_id"], "bob");
}

#[test]
fn sdk_rn_optout_draws_a_new_id_and_stops_the_send_loop() {
    // Opt-out and opt-in in one tick: the loop never saw the opt-out.
    let mut phone = Phone::new(Profile::ReactNative);
    phone.step(vec![identify("alice")]);
    let reqs = phone.step(vec![SdkCall::OptOut, SdkCall::OptIn]);
    assert_eq!(names(&reqs), ["$opt_in"]);
    let new = phone.device.device_ids()[1].clone();
    assert_eq!(props(&events(&reqs)[0])["distinct_id"], dev(&new));
    assert!(engage(&reqs).is_empty(), "no $delete");
    // Opted out across a cycle: the loop ends, and opt_in does not restart it.
    let mut phone = Phone::new(Profile::ReactNative);
    phone.step(vec![identify("alice")]);
    assert!(phone.step(vec![SdkCall::OptOut]).is_empty());
    // identify still runs while opted out (the ids change; no $identify is queued).
    assert!(phone.step(vec![identify("carol")]).is_empty());
    assert_eq!(phone.device.distinct_id(), "carol");
    assert!(phone.step(vec![SdkCall::OptIn, track("After")]).is_empty());
    assert!(phone.noted("does not restart it"));
}

#[test]
fn sdk_rn_flush_sends_events_then_identified_profiles_in_batches_of_50() {
    let mut phone = Phone::new(Profile::ReactNative);
    let mut reqs = Vec::new();
    for i in 0..60 {
        reqs.extend(phone.call(track(&format!("E{i}"))));
    }
    reqs.extend(phone.call(people_set(json!({"a": 1}))));
    assert!(reqs.is_empty());
    let reqs = phone.settle();
    let shape: Vec<(Endpoint, usize)> = reqs
        .iter()
        .map(|r| (r.endpoint, r.payloads.len()))
        .collect();
    assert_eq!(
        shape,
        [(Endpoint::Track, 50), (Endpoint::Track, 10)],
        "no user: the update waits"
    );
    let reqs = phone.step(vec![identify("alice")]);
    let shape: Vec<(Endpoint, usize)> = reqs
        .iter()
        .map(|r| (r.endpoint, r.payloads.len()))
        .collect();
    assert_eq!(shape, [(Endpoint::Track, 1), (Endpoint::Engage, 1)]);
}
