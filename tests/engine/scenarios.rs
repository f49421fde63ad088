//! The bundled scenario library (`scenarios/`): every scenario parses, states an outcome for
//! every mode and passes `idscope check`; the JSON Schema stays in sync with the parser.

use crate::common::set;
use idscope::bundled::{BUNDLED, SCHEMA};
use idscope_core::expect::{Expect, Failure, Outcome, Source, Variant};
use idscope_core::model::{GuidCheck, Knobs, Mode};
use idscope_core::scenario::{self, Scenario, STEP_KEYS, TOP_KEYS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SCHEMA_REF: &str = "./scenario.schema.json";

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every bundled scenario, parsed (file name, scenario).
fn bundled() -> Vec<(&'static str, Scenario)> {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            let s = scenario::parse(text, &format!("scenarios/{name}"))
                .unwrap_or_else(|e| panic!("{e}"));
            (*name, s)
        })
        .collect()
}

fn schema() -> Value {
    let path = scenarios_dir().join("scenario.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"))
        .keys()
        .cloned()
        .collect()
}

/// `$defs/<name>` of the schema.
fn def<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema
        .pointer(&format!("/$defs/{name}"))
        .unwrap_or_else(|| panic!("schema has no $defs/{name}"))
}

#[test]
fn at_least_fifteen_scenarios_are_bundled() {
    let n = bundled().len();
    assert!(n >= 15, "only {n} bundled scenarios");
}

#[test]
fn every_scenario_file_is_embedded() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/ exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .filter(|n| n.ends_with(".json") && !n.ends_with(".schema.json"))
        .collect();
    let embedded: BTreeSet<String> = BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn file_names_are_numbered_kebab_case_and_unique() {
    let mut numbers = BTreeSet::new();
    for (name, _) in BUNDLED {
        let stem = name.strip_suffix(".json").expect("a .json file");
        let (num, rest) = stem.split_at(2.min(stem.len()));
        let kebab = rest.strip_prefix('-').unwrap_or("");
        assert!(
            num.bytes().all(|b| b.is_ascii_digit())
                && !kebab.is_empty()
                && kebab.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{name}: expected NN-kebab-name.json"
        );
        assert!(
            numbers.insert(num.to_string()),
            "{name}: number {num} used twice"
        );
    }
}

#[test]
fn every_bundled_scenario_passes_its_checks() {
    for (name, s) in bundled() {
        let results = idscope_core::check::check(&s);
        assert!(
            results.len() >= 3,
            "{name}: expected checks for all three modes"
        );
        for r in results {
            assert!(
                r.problems.is_empty(),
                "{name} ({}): {}",
                r.label,
                r.problems.join("; ")
            );
        }
    }
}

#[test]
fn every_scenario_has_a_description_and_references_the_schema() {
    for (name, s) in bundled() {
        let d = s.description.as_deref().unwrap_or("");
        assert!(d.trim().len() >= 40, "{name}: needs a description");
        assert_eq!(s.schema.as_deref(), Some(SCHEMA_REF), "{name}: $schema");
        assert!(!s.name.trim().is_empty(), "{name}: needs a name");
    }
}

fn assert_complete(name: &str, label: &str, o: &Outcome) {
    assert!(o.clusters.is_some(), "{name} ({label}): no clusters");
    assert!(o.failures.is_some(), "{name} ({label}): no failures list");
    assert!(o.source.is_some(), "{name} ({label}): no source");
    let why = o.why.as_deref().unwrap_or("");
    assert!(why.trim().len() >= 20, "{name} ({label}): no why");
}

#[test]
fn every_scenario_states_a_sourced_outcome_for_every_mode() {
    for (name, s) in bundled() {
        let e = s
            .expect
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no expect"));
        for (mode, o) in [
            ("legacy", &e.legacy),
            ("original", &e.original),
            ("simplified", &e.simplified),
        ] {
            let o = o
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no expect.{mode}"));
            assert_complete(name, mode, o);
        }
        for (i, (label, _, o)) in e.cases().into_iter().enumerate().skip(3) {
            assert_complete(name, &format!("variant {} ({label})", i - 2), &o);
        }
    }
}

#[test]
fn every_scenario_has_a_note_on_some_step() {
    for (name, s) in bundled() {
        assert!(
            s.steps.iter().any(|st| st.note.is_some()),
            "{name}: no step has a note"
        );
    }
}

#[test]
fn the_readme_lists_every_scenario() {
    let path = scenarios_dir().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("scenarios/README.md exists");
    for (name, _) in BUNDLED {
        assert!(
            readme.contains(&format!("]({name})")),
            "scenarios/README.md does not link {name}"
        );
    }
}

#[test]
fn the_schema_is_the_one_the_binary_prints() {
    let path = scenarios_dir().join("scenario.schema.json");
    let on_disk = std::fs::read_to_string(path).expect("schema file");
    assert_eq!(SCHEMA, on_disk, "rebuild: the embedded schema is stale");
}

#[test]
fn schema_is_draft_2020_12_and_closed() {
    let s = schema();
    assert_eq!(
        s["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "draft"
    );
    assert_eq!(s["type"], "object");
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["required"], serde_json::json!(["name", "steps"]));
    for d in ["device", "step", "outcome", "variant", "knobs", "expect"] {
        assert_eq!(
            def(&s, d)["additionalProperties"],
            false,
            "$defs/{d} must forbid unknown keys"
        );
    }
}

#[test]
fn schema_top_level_keys_match_the_parser() {
    assert_eq!(keys(&schema()["properties"]), set(TOP_KEYS));
}

#[test]
fn schema_step_keys_match_the_parser() {
    assert_eq!(keys(&def(&schema(), "step")["properties"]), set(STEP_KEYS));
}

#[test]
fn schema_requires_exactly_one_action_per_step() {
    let s = schema();
    let step = def(&s, "step");
    let branches = step["oneOf"].as_array().expect("step.oneOf");
    // Each branch requires one action key (and `device`, except `send`).
    let mut actions = BTreeSet::new();
    for b in branches {
        let req: Vec<&str> = b["required"]
            .as_array()
            .expect("branch.required")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let action: Vec<&&str> = req.iter().filter(|k| **k != "device").collect();
        assert_eq!(action.len(), 1, "branch {b} must name one action");
        let action = *action[0];
        if action == "send" {
            assert_eq!(b["not"]["required"], serde_json::json!(["device"]));
        } else {
            assert!(req.contains(&"device"), "{action} needs a device");
        }
        assert!(actions.insert(action.to_string()), "{action} twice");
    }
    let modifiers = set(&[
        "device",
        "note",
        "after",
        "same_tick",
        "properties",
        "original",
        "endpoint",
        "distinct_id",
    ]);
    let expected: BTreeSet<String> = set(STEP_KEYS).difference(&modifiers).cloned().collect();
    assert_eq!(actions, expected);
    // Argument keys only go with their action.
    assert_eq!(
        step["dependentRequired"],
        serde_json::json!({"original": ["alias"], "endpoint": ["send"], "same_tick": ["device"]})
    );
    assert_eq!(
        step["dependentSchemas"],
        serde_json::json!({
            "properties": {"anyOf": [{"required": ["track"]}, {"required": ["import"]}]},
            "distinct_id": {"anyOf": [{"required": ["people_set"]}, {"required": ["people_set_once"]}]}
        })
    );
}

/// Serializes a fully populated value and returns its keys: the names serde reads.
fn serde_keys<T: serde::Serialize>(v: &T) -> BTreeSet<String> {
    keys(&serde_json::to_value(v).expect("serializable"))
}

#[test]
fn schema_expect_keys_match_the_parser() {
    let s = schema();
    let outcome = Outcome {
        clusters: Some(vec![vec!["a".into()]]),
        failures: Some(vec![Failure {
            step: 1,
            reason: "r".into(),
        }]),
        source: Some(Source::Documented),
        why: Some("w".into()),
    };
    let knobs = Knobs {
        max_cluster: 4,
        guid_check: GuidCheck::Off,
        identify_links: true,
        missing_distinct_id: idscope_core::model::MissingDistinctId::IpHash,
    };
    let variant = Variant {
        mode: Mode::Original,
        playbook: Some(Mode::Legacy),
        knobs: Some(knobs),
        clusters: outcome.clusters.clone(),
        failures: outcome.failures.clone(),
        source: outcome.source,
        why: outcome.why.clone(),
    };
    let expect = Expect {
        legacy: Some(outcome.clone()),
        original: Some(outcome.clone()),
        simplified: Some(outcome.clone()),
        variants: vec![variant.clone()],
    };
    assert_eq!(
        keys(&def(&s, "outcome")["properties"]),
        serde_keys(&outcome)
    );
    assert_eq!(
        keys(&def(&s, "variant")["properties"]),
        serde_keys(&variant)
    );
    assert_eq!(keys(&def(&s, "knobs")["properties"]), serde_keys(&knobs));
    assert_eq!(keys(&def(&s, "expect")["properties"]), serde_keys(&expect));
    let failure = &def(&s, "failures")["items"];
    assert_eq!(
        keys(&failure["properties"]),
        serde_keys(&outcome.failures.unwrap()[0])
    );
    assert_eq!(
        def(&s, "source")["enum"],
        serde_json::json!(["documented", "inferred", "observed"])
    );
    assert_eq!(
        def(&s, "mode")["enum"],
        serde_json::json!(Mode::ALL.map(Mode::as_str))
    );
    assert_eq!(
        def(&s, "knobs")["properties"]["guid_check"]["enum"],
        serde_json::json!(
            [GuidCheck::Lenient, GuidCheck::StrictV4, GuidCheck::Off].map(GuidCheck::as_str)
        )
    );
}

#[test]
fn schema_lists_every_sdk_profile_and_its_version() {
    use idscope_core::model::Choice;
    use idscope_core::sdk::Profile;
    let s = schema();
    let device = &def(&s, "device")["properties"];
    let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
    let versions: Vec<&str> = Profile::ALL.iter().map(|p| p.version()).collect();
    assert_eq!(device["lib"]["enum"], serde_json::json!(names));
    assert_eq!(device["lib_version"]["enum"], serde_json::json!(versions));
}
