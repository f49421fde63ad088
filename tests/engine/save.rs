//! Saving a scenario (src/save.rs): the file it writes loads back to the same scenario, for
//! generated scenarios and for every bundled one, and so gives the same run.

use idscope_core::expect::{Expect, Failure, Outcome, Source};
use idscope_core::model::Choice;
use idscope_core::model::{Endpoint, Mode};
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};
use idscope_core::save::to_json;
use idscope_core::scenario::{parse, Action, DeviceSpec, Scenario, Step};
use idscope_core::sdk::Profile;
use idscope_core::sdk::SdkCall;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Any text, including quotes, backslashes, control and bidi characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}",
        any::<String>(),
        Just("quote\" back\\slash \u{1b}[31m \u{202e} é 😀".to_string()),
    ]
}

fn non_empty() -> impl Strategy<Value = String> {
    text().prop_filter("non-empty", |s| !s.is_empty())
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        text().prop_map(Value::String),
    ]
}

fn props() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((text(), json_leaf()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

fn payload() -> impl Strategy<Value = Value> {
    (text(), props()).prop_map(
        |(event, properties)| json!({ "event": event, "properties": Value::Object(properties) }),
    )
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (text(), props())
            .prop_map(|(event, properties)| Action::Sdk(SdkCall::Track { event, properties })),
        text().prop_map(|x| Action::Sdk(SdkCall::Identify(x))),
        (text(), prop::option::of(text()))
            .prop_map(|(alias, original)| Action::Sdk(SdkCall::Alias { alias, original })),
        prop::option::of(non_empty())
            .prop_map(|device_id| Action::Sdk(SdkCall::Reset { device_id })),
        props().prop_map(|x| Action::Sdk(SdkCall::Register(x))),
        props().prop_map(|x| Action::Sdk(SdkCall::RegisterOnce(x))),
        text().prop_map(|x| Action::Sdk(SdkCall::Unregister(x))),
        props().prop_map(|x| Action::Sdk(SdkCall::PeopleSet(x))),
        props().prop_map(|x| Action::Sdk(SdkCall::PeopleSetOnce(x))),
        props().prop_map(|x| Action::Sdk(SdkCall::TrackPageview(x))),
        Just(Action::Sdk(SdkCall::OptOut)),
        Just(Action::Sdk(SdkCall::OptIn)),
        (text(), props())
            .prop_map(|(event, properties)| Action::Sdk(SdkCall::Import { event, properties })),
        (non_empty(), props(), any::<bool>()).prop_map(|(distinct_id, properties, once)| {
            Action::Sdk(SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            })
        }),
        text().prop_map(Action::Visit),
        text().prop_map(Action::Signup),
        text().prop_map(Action::Login),
        Just(Action::Logout),
        (
            prop::collection::vec(payload(), 1..3),
            prop_oneof![
                Just(Endpoint::Track),
                Just(Endpoint::Import),
                Just(Endpoint::Engage)
            ]
        )
            .prop_map(|(payloads, endpoint)| Action::Send { payloads, endpoint }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        action(),
        non_empty(),
        prop::option::of(text()),
        prop_oneof![
            Just(1000i64),
            0i64..200_000_000,
            Just(86_400_000 * 3),
            Just(5_400_000),
            1i64..999
        ],
        any::<bool>(),
    )
        .prop_map(|(action, device, note, advance_ms, same_tick)| Step {
            device: action.needs_device().then_some(device),
            action,
            note,
            advance_ms,
            same_tick,
        })
}

/// `same_tick` only where the format allows it (after a step of the same device, not on a
/// `send`), and then the clock does not move.
fn legal_ticks(mut steps: Vec<Step>) -> Vec<Step> {
    for i in 0..steps.len() {
        let allowed =
            i > 0 && steps[i].action.needs_device() && steps[i - 1].device == steps[i].device;
        if !allowed {
            steps[i].same_tick = false;
        }
        if steps[i].same_tick {
            steps[i].advance_ms = 0;
        }
    }
    steps
}

fn expect() -> impl Strategy<Value = Option<Expect>> {
    prop::option::of(
        (
            prop::collection::vec(prop::collection::vec(text(), 1..3), 0..3),
            prop::collection::vec((1usize..20, text()), 0..3),
            prop::option::of(text()),
        )
            .prop_map(|(clusters, failures, why)| Expect {
                simplified: Some(Outcome {
                    clusters: Some(clusters),
                    failures: Some(
                        failures
                            .into_iter()
                            .map(|(step, reason)| Failure { step, reason })
                            .collect(),
                    ),
                    source: Some(Source::Inferred),
                    why,
                }),
                ..Expect::default()
            }),
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        text().prop_filter("a name is not blank", |s| !s.trim().is_empty()),
        prop::option::of(text()),
        text(),
        // Years 1970 to 9999: what RFC 3339 can write.
        0i64..253_402_300_799,
        prop::collection::btree_map(
            text(),
            (
                prop::option::of(non_empty()),
                // `lib` names an SDK profile; anything else is refused when parsed.
                prop::option::of(prop::sample::select(
                    Profile::ALL
                        .iter()
                        .map(|p| p.name().to_string())
                        .collect::<Vec<_>>(),
                )),
            )
                .prop_map(|(device_id, lib)| DeviceSpec {
                    device_id,
                    lib,
                    ..DeviceSpec::default()
                }),
            0..3,
        ),
        prop::collection::vec(step(), 0..8).prop_map(legal_ticks),
        expect(),
        prop::option::of(text()),
    )
        .prop_map(
            |(name, description, token, start, devices, steps, expect, schema)| Scenario {
                name,
                description,
                token,
                start,
                devices,
                steps,
                expect,
                schema,
            },
        )
        // A call the device's SDK lacks (identify on a server) is refused when parsed.
        .prop_map(|mut s| {
            let devices = s.devices.clone();
            s.steps.retain(|step| match (&step.device, &step.action) {
                (Some(d), Action::Sdk(call)) => devices
                    .get(d)
                    .map(|spec| spec.profile())
                    .unwrap_or_default()
                    .accepts(call)
                    .is_ok(),
                _ => true,
            });
            s.steps = legal_ticks(std::mem::take(&mut s.steps));
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn saved_scenarios_load_back_unchanged(s in scenario()) {
        let text = to_json(&s);
        let back = parse(&text, "saved.json").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &s);
        // Saving is deterministic: the loaded copy saves to the same bytes.
        prop_assert_eq!(to_json(&back), text);
    }
}

#[test]
fn every_bundled_scenario_round_trips_and_runs_the_same() {
    for (name, original) in idscope::bundled::BUNDLED {
        let s = parse(original, name).unwrap();
        let saved = to_json(&s);
        let back = parse(&saved, name).unwrap_or_else(|e| panic!("{name}: {e}\n{saved}"));
        assert_eq!(back, s, "{name}");
        for mode in [Mode::Legacy, Mode::Original, Mode::Simplified] {
            let config = RunConfig::new(mode);
            let a = run_json(&Run::new(&s, config), s.steps.len());
            let b = run_json(&Run::new(&back, config), back.steps.len());
            assert_eq!(a, b, "{name} under {mode}: the saved file runs differently");
        }
    }
}

#[test]
fn key_order_and_after_units_are_fixed() {
    let s = parse(
        r#"{"steps":[{"after":"120s","login":"al","device":"web"}],"name":"n","devices":{"web":{}}}"#,
        "t.json",
    )
    .unwrap();
    let text = to_json(&s);
    let order: Vec<usize> = [
        "\"name\"",
        "\"token\"",
        "\"start\"",
        "\"devices\"",
        "\"steps\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.contains("\"after\": \"2m\""), "{text}");
    assert!(
        text.contains("\"start\": \"2026-01-01T09:00:00Z\""),
        "{text}"
    );
    // The default one-second step writes no `after`.
    let one = parse(
        r#"{"name":"n","steps":[{"device":"w","logout":true}]}"#,
        "t",
    )
    .unwrap();
    assert!(!to_json(&one).contains("after"));
}
