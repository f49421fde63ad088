//! Property tests: invariants that hold for every scenario, checked over generated ones with
//! small id pools (3 devices, 3 users, a few junk ids) so that collisions, failures and merges
//! happen often; and a loader that never panics, whatever it is fed.

use idscope_core::model::{GuidCheck, Knobs, Mode};
use idscope_core::output::{run_json, run_table};
use idscope_core::run::{Run, RunConfig};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

const DEVICES: &[&str] = &["a", "b", "c"];
const USERS: &[&str] = &["u1", "u2", "u3"];
const JUNK: &[&str] = &["undefined", "", "null", "$device:x"];
/// Ids for raw payloads: users, bare and prefixed device-like values, a GUID, junk.
const RAW_IDS: &[&str] = &[
    "u1",
    "u2",
    "u3",
    "d1",
    "$device:d1",
    "$device:d2",
    "11111111-1111-4111-8111-111111111111",
    "$device:11111111-1111-4111-8111-111111111111",
    "undefined",
    "",
];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

fn user_or_junk() -> impl Strategy<Value = String> {
    prop_oneof![4 => pick(USERS), 1 => pick(JUNK)]
}

fn device_step() -> BoxedStrategy<Value> {
    let action = prop_oneof![
        pick(&["Home", "Pricing"]).prop_map(|p| ("visit", json!(p))),
        user_or_junk().prop_map(|u| ("signup", json!(u))),
        user_or_junk().prop_map(|u| ("login", json!(u))),
        Just(("logout", json!(true))),
        user_or_junk().prop_map(|u| ("identify", json!(u))),
        user_or_junk().prop_map(|u| ("alias", json!(u))),
        Just(("reset", json!(true))),
        Just(("track", json!("Click"))),
        Just(("people_set", json!({ "plan": "pro" }))),
    ];
    (pick(DEVICES), action)
        .prop_map(|(device, (key, value))| {
            let mut m = Map::new();
            m.insert("device".into(), json!(device));
            m.insert(key.into(), value);
            Value::Object(m)
        })
        .boxed()
}

fn opt_id() -> impl Strategy<Value = Option<String>> {
    prop::option::of(pick(RAW_IDS))
}

fn props(pairs: &[(&str, &Option<String>)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            m.insert((*k).into(), json!(v));
        }
    }
    Value::Object(m)
}

fn raw_payload() -> BoxedStrategy<Value> {
    prop_oneof![
        // Mostly what /import requires (G-IMPORT); sometimes not.
        (opt_id(), opt_id(), opt_id(), prop::bool::weighted(0.8)).prop_map(|(d, dev, u, complete)| {
            let mut p = props(&[("distinct_id", &d), ("$device_id", &dev), ("$user_id", &u)]);
            if complete {
                p["time"] = json!(1_767_258_000);
                p["$insert_id"] = json!("generated-1");
            }
            json!({ "event": "Raw", "properties": p })
        }),
        (opt_id(), opt_id(), opt_id(), opt_id()).prop_map(|(a, ad, i, d)| json!({
            "event": "$identify",
            "properties": props(&[("$anon_id", &a), ("$anon_distinct_id", &ad), ("$identified_id", &i), ("distinct_id", &d)])
        })),
        (opt_id(), opt_id()).prop_map(|(a, d)| json!({
            "event": "$create_alias",
            "properties": props(&[("alias", &a), ("distinct_id", &d)])
        })),
        (pick(RAW_IDS), pick(RAW_IDS)).prop_map(|(a, b)| json!({
            "event": "$merge",
            "properties": { "$distinct_ids": [a, b], "distinct_id": a }
        })),
    ]
    .boxed()
}

fn send_step() -> BoxedStrategy<Value> {
    (prop::collection::vec(raw_payload(), 1..3), any::<bool>())
        .prop_map(|(payloads, import)| {
            json!({ "send": payloads, "endpoint": if import { "import" } else { "track" } })
        })
        .boxed()
}

fn scenario() -> impl Strategy<Value = Value> {
    prop::collection::vec(prop_oneof![3 => device_step(), 1 => send_step()], 0..14)
        .prop_map(|steps| json!({ "name": "generated", "steps": steps }))
}

/// Every mode, with the default knobs and with the knobs that make collisions likely.
fn configs() -> Vec<RunConfig> {
    let k = |max_cluster, guid_check, identify_links| Knobs {
        max_cluster,
        guid_check,
        identify_links,
        ..Knobs::default()
    };
    let c = |mode, playbook, knobs| RunConfig {
        mode,
        playbook,
        knobs,
    };
    vec![
        RunConfig::new(Mode::Legacy),
        RunConfig::new(Mode::Original),
        c(Mode::Original, None, k(3, GuidCheck::Lenient, false)),
        c(
            Mode::Original,
            Some(Mode::Simplified),
            k(3, GuidCheck::Off, false),
        ),
        c(Mode::Original, None, k(2, GuidCheck::StrictV4, false)),
        RunConfig::new(Mode::Simplified),
        c(
            Mode::Simplified,
            Some(Mode::Legacy),
            k(500, GuidCheck::Lenient, true),
        ),
        c(Mode::Legacy, Some(Mode::Original), Knobs::default()),
    ]
}

// ---------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------

fn parse(v: &Value) -> idscope_core::Scenario {
    idscope_core::scenario::parse(&v.to_string(), "generated.json")
        .expect("generated scenarios parse")
}

fn members(c: &Value) -> Vec<&str> {
    c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect()
}

/// Checks the clusters and events of one finished run's JSON against the rule book.
fn check_output(out: &Value, config: RunConfig) -> Result<(), TestCaseError> {
    let mode = config.mode;
    let clusters = out["clusters"].as_array().unwrap();
    let events = out["events"].as_array().unwrap();
    let canonicals: Vec<&str> = clusters
        .iter()
        .map(|c| c["canonical"].as_str().unwrap())
        .collect();
    // Format §3: members sorted, clusters sorted by canonical, canonical is a member.
    prop_assert!(
        canonicals.windows(2).all(|w| w[0] <= w[1]),
        "clusters sorted"
    );
    for c in clusters {
        let m = members(c);
        prop_assert!(m.windows(2).all(|w| w[0] < w[1]), "members sorted: {m:?}");
        prop_assert!(m.contains(&c["canonical"].as_str().unwrap()));
    }
    // Every id in exactly one non-orphan cluster. An orphan (L-USERS, Legacy only) is a
    // one-member cluster {x} whose x is also a member of another cluster.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for c in clusters {
        for m in members(c) {
            *seen.entry(m).or_default() += 1;
        }
    }
    let is_orphan = |c: &Value| {
        let m = members(c);
        m.len() == 1 && seen[m[0]] > 1
    };
    let mut non_orphan: BTreeMap<&str, usize> = BTreeMap::new();
    for c in clusters {
        if is_orphan(c) {
            prop_assert_eq!(mode, Mode::Legacy, "orphan users exist only under Legacy");
            prop_assert!(
                c["events"].as_u64().unwrap() >= 1,
                "an orphan is a user because it has events"
            );
        } else {
            for m in members(c) {
                *non_orphan.entry(m).or_default() += 1;
            }
        }
    }
    for (id, n) in &seen {
        prop_assert_eq!(
            non_orphan.get(id).copied(),
            Some(1),
            "{:?} in {} non-orphan clusters",
            id,
            non_orphan.get(id).copied().unwrap_or(0)
        );
        prop_assert!(*n <= 2);
    }
    match mode {
        // S-CLUSTER: at most one user id per cluster.
        Mode::Simplified => {
            for c in clusters {
                let users: Vec<&str> = members(c)
                    .into_iter()
                    .filter(|m| !m.starts_with("$device:"))
                    .collect();
                prop_assert!(users.len() <= 1, "two user ids in one cluster: {users:?}");
                if let Some(u) = users.first() {
                    prop_assert_eq!(
                        c["canonical"].as_str(),
                        Some(*u),
                        "canonical is the user id"
                    );
                }
            }
        }
        // O-LIMIT.
        Mode::Original => {
            for c in clusters {
                prop_assert!(members(c).len() as u32 <= config.knobs.max_cluster);
            }
        }
        Mode::Legacy => {}
    }
    // Events: attribution and counts agree with the clusters.
    let cluster_of = |id: &str| -> Option<&Value> {
        clusters
            .iter()
            .find(|c| !is_orphan(c) && members(c).contains(&id))
    };
    let mut counted: BTreeMap<&str, u64> = BTreeMap::new();
    for e in events {
        let Some(fin) = e["final_distinct_id"].as_str() else {
            continue;
        };
        *counted.entry(fin).or_default() += 1;
        let ingest = e["ingest_distinct_id"].as_str();
        prop_assert!(
            ingest.is_some(),
            "an attributed event has an ingest id: {e}"
        );
        let ingest = ingest.unwrap();
        prop_assert!(
            canonicals.contains(&fin),
            "final id {fin:?} is no cluster's canonical"
        );
        if mode == Mode::Legacy {
            prop_assert_eq!(fin, ingest, "L-EVENT: never retroactive");
        } else {
            let c = cluster_of(ingest);
            prop_assert!(c.is_some(), "ingest id {ingest:?} is in no cluster");
            prop_assert_eq!(c.unwrap()["canonical"].as_str(), Some(fin));
        }
        prop_assert_ne!(e["effect"].as_str(), Some("rejected"));
    }
    let total: u64 = clusters.iter().map(|c| c["events"].as_u64().unwrap()).sum();
    prop_assert_eq!(
        total,
        counted.values().sum::<u64>(),
        "cluster event counts add up"
    );
    for e in events {
        if e["effect"] == "rejected" {
            prop_assert!(e["final_distinct_id"].is_null());
            prop_assert_eq!(
                e["endpoint"].as_str(),
                Some("import"),
                "G-INVALID rejects only on /import"
            );
        }
    }
    Ok(())
}

fn without_final(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().unwrap().remove("final_distinct_id");
            e
        })
        .collect()
}

proptest! {
    // Modest case counts: the whole file runs in a few seconds in a debug build.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_runs_keep_the_cluster_invariants(sc in scenario()) {
        let s = parse(&sc);
        for config in configs() {
            let run = Run::new(&s, config);
            let out = run_json(&run, run.steps.len());
            check_output(&out, config)?;
            // Every step's prefix is a valid state too.
            for k in 0..run.steps.len() {
                check_output(&run_json(&run, k), config)?;
            }
        }
    }

    #[test]
    fn until_is_a_prefix_and_equals_running_the_first_steps(sc in scenario(), pick in any::<prop::sample::Index>()) {
        let s = parse(&sc);
        let n = s.steps.len();
        let k = pick.index(n + 1);
        let mut first_k = sc.clone();
        first_k["steps"].as_array_mut().unwrap().truncate(k);
        let short = parse(&first_k);
        for config in configs() {
            let run = Run::new(&s, config);
            let full = run_json(&run, n);
            let part = run_json(&run, k);
            let full_steps = full["steps"].as_array().unwrap();
            prop_assert_eq!(part["steps"].as_array().unwrap().as_slice(), &full_steps[..k]);
            let part_events = part["events"].as_array().unwrap();
            let m = part_events.len();
            prop_assert_eq!(
                without_final(part_events),
                without_final(&full["events"].as_array().unwrap()[..m])
            );
            prop_assert!(full_steps[k..].iter().all(|st| st["events"].as_array().unwrap().iter().all(|i| i.as_u64().unwrap() as usize >= m)));
            // Exactly the same as a scenario of only the first k steps.
            let alone = Run::new(&short, config);
            prop_assert_eq!(&run_json(&alone, k), &part, "{:?} until {}", config, k);
        }
    }

    #[test]
    fn output_is_deterministic(sc in scenario()) {
        let s = parse(&sc);
        for config in configs() {
            let (a, b) = (Run::new(&s, config), Run::new(&s, config));
            prop_assert_eq!(
                serde_json::to_string(&run_json(&a, usize::MAX)).unwrap(),
                serde_json::to_string(&run_json(&b, usize::MAX)).unwrap()
            );
            prop_assert_eq!(run_table(&a, usize::MAX), run_table(&b, usize::MAX));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The loader never panics
// ---------------------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "$schema",
    "name",
    "description",
    "token",
    "start",
    "devices",
    "steps",
    "expect",
    "device",
    "note",
    "after",
    "track",
    "properties",
    "identify",
    "alias",
    "original",
    "reset",
    "register",
    "people_set",
    "visit",
    "signup",
    "login",
    "logout",
    "send",
    "endpoint",
    "device_id",
    "lib",
    "legacy",
    "original",
    "simplified",
    "variants",
    "clusters",
    "failures",
    "source",
    "why",
    "mode",
    "playbook",
    "knobs",
    "step",
    "reason",
    "max_cluster",
    "guid_check",
    "identify_links",
    "event",
    "distinct_id",
    "$device_id",
    "$user_id",
    "$distinct_ids",
    "$anon_id",
];

const WORDS: &[&str] = &[
    "web",
    "1s",
    "5m",
    "-1s",
    "99999999999999999999d",
    "0s",
    "import",
    "track",
    "engage",
    "people",
    "u1",
    "$device:x",
    "{web}",
    "{web#1}",
    "{nope#x}",
    "{",
    "2026-01-01T09:00:00Z",
    "2026-13-01",
    "lenient",
    "strict-v4",
    "legacy",
    "original",
    "simplified",
    "documented",
    "$identify",
    "$merge",
    "$create_alias",
    "undefined",
    "é",
    "\u{1b}[31m",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => pick(KEYS), 1 => "\\PC{0,8}"]
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        pick(WORDS).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
    .boxed()
}

fn arb_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

/// Objects that look like scenarios, so the loader gets past serde into step validation,
/// `expect` and a run.
fn scenario_like() -> impl Strategy<Value = Value> {
    let step = prop::collection::vec((key(), prop_oneof![3 => leaf(), 1 => arb_json()]), 0..4)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()));
    (
        prop_oneof![pick(WORDS), "\\PC{1,8}"],
        prop::collection::vec(
            prop_oneof![2 => step, 1 => device_step(), 1 => send_step()],
            0..8,
        ),
        prop::option::of(arb_json()),
        prop::option::of(arb_json()),
        prop::option::of(leaf()),
    )
        .prop_map(|(name, steps, devices, expect, start)| {
            let mut m = Map::new();
            m.insert("name".into(), json!(name));
            m.insert("steps".into(), Value::Array(steps));
            if let Some(d) = devices {
                m.insert("devices".into(), d);
            }
            if let Some(e) = expect {
                m.insert("expect".into(), e);
            }
            if let Some(s) = start {
                m.insert("start".into(), s);
            }
            Value::Object(m)
        })
}

/// Parses; if the text is a valid scenario, runs it every way a user could. Nothing panics.
fn load_and_use(text: &str) {
    let Ok(s) = idscope_core::scenario::parse(text, "fuzz.json") else {
        return;
    };
    for config in configs() {
        let run = Run::new(&s, config);
        let _ = run_json(&run, usize::MAX);
        let _ = run_table(&run, run.steps.len() / 2);
    }
    let _ = idscope_core::check::check(&s);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_on_arbitrary_json(v in arb_json()) {
        load_and_use(&v.to_string());
        load_and_use(&serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn loader_never_panics_on_scenario_like_json(v in scenario_like()) {
        load_and_use(&v.to_string());
    }

    #[test]
    fn loader_never_panics_on_arbitrary_text(s in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        load_and_use(&s);
        load_and_use(&String::from_utf8_lossy(&bytes));
        // Broken JSON near a valid scenario.
        let valid = r#"{"name":"x","steps":[{"device":"web","login":"u1"}]}"#;
        let cut = bytes.first().map_or(0, |b| *b as usize % valid.len());
        load_and_use(&valid[..cut]);
        load_and_use(&format!("{}{}{}", &valid[..cut], s, &valid[cut..]));
    }
}

#[test]
fn generated_scenarios_do_exercise_merges_and_failures() {
    // Guards the generator: with these pools, the invariants above are tested on runs that
    // actually link, merge, alias and fail — not only on trivial ones.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut effects: BTreeSet<String> = BTreeSet::new();
    let mut reasons: BTreeSet<String> = BTreeSet::new();
    for _ in 0..24 {
        let sc = scenario().new_tree(&mut runner).unwrap().current();
        let s = parse(&sc);
        for config in configs() {
            let out = run_json(&Run::new(&s, config), usize::MAX);
            for e in out["events"].as_array().unwrap() {
                effects.insert(e["effect"].as_str().unwrap().to_string());
                if let Some(r) = e["reason"].as_str() {
                    reasons.insert(r.to_string());
                }
            }
        }
    }
    for want in [
        "linked", "merged", "aliased", "failed", "ignored", "rejected",
    ] {
        assert!(effects.contains(want), "no {want:?} in {effects:?}");
    }
    for want in [
        "errAnonDistinctIdAssignedAlready",
        "errAnonDistinctIdNonGUIDForm",
        "errManyIDs",
        "errAliasAlreadyExists",
        "invalidDistinctId",
    ] {
        assert!(reasons.contains(want), "no {want:?} in {reasons:?}");
    }
}
