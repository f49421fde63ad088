//! Writing a [`Scenario`](crate::Scenario) back to the scenario file format, so that an
//! edited scenario saves and loads to the same run (issue 8).
//!
//! [`to_json`] is the inverse of [`crate::scenario::parse`]: `parse(&to_json(s)) == s` for
//! every scenario the parser can produce. Keys come in a fixed order (`$schema`, name,
//! description, token, start, devices, steps, expect), so saving twice gives the same bytes.

use crate::model::Endpoint;
use crate::scenario::{Action, Scenario, Step};
use crate::sdk::SdkCall;
use serde_json::{Map, Value};

/// The `$schema` the playground gives a scenario that names none (a new one, or one opened
/// without it) before saving it: the schema beside the file, where the bundled scenarios
/// keep it (`scenarios/scenario.schema.json`). Elsewhere `idscope schema >
/// scenario.schema.json` puts it there; without it editors just do not validate. [`to_json`]
/// itself writes `$schema` only when the scenario has one, so it stays the inverse of parse.
pub const SCHEMA_REF: &str = "./scenario.schema.json";

/// The scenario as pretty-printed JSON in the scenario file format, ending in a newline.
pub fn to_json(scenario: &Scenario) -> String {
    let mut text =
        serde_json::to_string_pretty(&to_value(scenario)).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// The scenario as a JSON value (keys in file order).
pub fn to_value(s: &Scenario) -> Value {
    let mut top = Map::new();
    if let Some(schema) = &s.schema {
        top.insert("$schema".into(), Value::String(schema.clone()));
    }
    top.insert("name".into(), Value::String(s.name.clone()));
    if let Some(d) = &s.description {
        top.insert("description".into(), Value::String(d.clone()));
    }
    top.insert("token".into(), Value::String(s.token.clone()));
    top.insert("start".into(), Value::String(format_start(s.start)));
    let mut devices = Map::new();
    for (name, spec) in &s.devices {
        devices.insert(
            name.clone(),
            serde_json::to_value(spec).expect("a device serializes"),
        );
    }
    top.insert("devices".into(), Value::Object(devices));
    top.insert(
        "steps".into(),
        Value::Array(s.steps.iter().map(step_value).collect()),
    );
    if let Some(expect) = &s.expect {
        top.insert(
            "expect".into(),
            serde_json::to_value(expect).expect("expect serializes"),
        );
    }
    Value::Object(top)
}

/// One step: `device`, the action key (and its companions), `after`, `note`.
pub fn step_value(step: &Step) -> Value {
    let mut m = Map::new();
    if let Some(d) = &step.device {
        m.insert("device".into(), Value::String(d.clone()));
    }
    let s = |v: &str| Value::String(v.to_string());
    match &step.action {
        Action::Sdk(SdkCall::Track { event, properties }) => {
            m.insert("track".into(), s(event));
            if !properties.is_empty() {
                m.insert("properties".into(), Value::Object(properties.clone()));
            }
        }
        Action::Sdk(SdkCall::Identify(id)) => {
            m.insert("identify".into(), s(id));
        }
        Action::Sdk(SdkCall::Alias { alias, original }) => {
            m.insert("alias".into(), s(alias));
            if let Some(o) = original {
                m.insert("original".into(), s(o));
            }
        }
        Action::Sdk(SdkCall::Reset { device_id }) => {
            let v = match device_id {
                None => Value::Bool(true),
                Some(id) => {
                    let mut p = Map::new();
                    p.insert("device_id".into(), s(id));
                    Value::Object(p)
                }
            };
            m.insert("reset".into(), v);
        }
        Action::Sdk(SdkCall::Register(p)) => {
            m.insert("register".into(), Value::Object(p.clone()));
        }
        Action::Sdk(SdkCall::RegisterOnce(p)) => {
            m.insert("register_once".into(), Value::Object(p.clone()));
        }
        Action::Sdk(SdkCall::Unregister(k)) => {
            m.insert("unregister".into(), s(k));
        }
        Action::Sdk(SdkCall::PeopleSet(p)) => {
            m.insert("people_set".into(), Value::Object(p.clone()));
        }
        Action::Sdk(SdkCall::PeopleSetOnce(p)) => {
            m.insert("people_set_once".into(), Value::Object(p.clone()));
        }
        Action::Sdk(SdkCall::TrackPageview(p)) => {
            let v = if p.is_empty() {
                Value::Bool(true)
            } else {
                Value::Object(p.clone())
            };
            m.insert("track_pageview".into(), v);
        }
        Action::Sdk(SdkCall::OptOut) => {
            m.insert("opt_out".into(), Value::Bool(true));
        }
        Action::Sdk(SdkCall::OptIn) => {
            m.insert("opt_in".into(), Value::Bool(true));
        }
        Action::Sdk(SdkCall::Import { event, properties }) => {
            m.insert("import".into(), s(event));
            if !properties.is_empty() {
                m.insert("properties".into(), Value::Object(properties.clone()));
            }
        }
        Action::Sdk(SdkCall::PeopleSetFor {
            distinct_id,
            properties,
            once,
        }) => {
            let key = if *once {
                "people_set_once"
            } else {
                "people_set"
            };
            m.insert(key.into(), Value::Object(properties.clone()));
            m.insert("distinct_id".into(), s(distinct_id));
        }
        Action::Visit(page) => {
            m.insert("visit".into(), s(page));
        }
        Action::Signup(u) => {
            m.insert("signup".into(), s(u));
        }
        Action::Login(u) => {
            m.insert("login".into(), s(u));
        }
        Action::Logout => {
            m.insert("logout".into(), Value::Bool(true));
        }
        Action::Send { payloads, endpoint } => {
            let v = match payloads.as_slice() {
                [one] => one.clone(),
                many => Value::Array(many.to_vec()),
            };
            m.insert("send".into(), v);
            if *endpoint != Endpoint::Track {
                m.insert("endpoint".into(), s(endpoint.as_str()));
            }
        }
    }
    if step.same_tick {
        m.insert("same_tick".into(), Value::Bool(true));
    } else if step.advance_ms != 1000 {
        m.insert("after".into(), Value::String(format_after(step.advance_ms)));
    }
    if let Some(n) = &step.note {
        m.insert("note".into(), s(n));
    }
    Value::Object(m)
}

/// `after` for a clock advance in milliseconds: the largest unit that divides it exactly
/// ("250ms", "30s", "5m", "2h", "1d"). Negative advances cannot be written and are clamped
/// to "0s".
pub fn format_after(ms: i64) -> String {
    let n = ms.max(0);
    if n == 0 {
        return "0s".into();
    }
    for (unit, scale) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if n % scale == 0 {
            return format!("{}{unit}", n / scale);
        }
    }
    format!("{n}ms")
}

/// `start` as RFC 3339 in UTC, e.g. `2026-01-01T09:00:00Z`.
pub fn format_start(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| crate::scenario::DEFAULT_START.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_picks_the_largest_exact_unit() {
        assert_eq!(format_after(30_000), "30s");
        assert_eq!(format_after(300_000), "5m");
        assert_eq!(format_after(7_200_000), "2h");
        assert_eq!(format_after(86_400_000), "1d");
        assert_eq!(format_after(90_000), "90s");
        assert_eq!(format_after(5_400_000), "90m");
        assert_eq!(format_after(250), "250ms");
        assert_eq!(format_after(1_500), "1500ms");
        assert_eq!(format_after(0), "0s");
    }

    #[test]
    fn start_is_rfc3339_utc() {
        assert_eq!(format_start(1_767_258_000), "2026-01-01T09:00:00Z");
    }
}
