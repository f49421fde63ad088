//! The Python profile (`lib: "python"`, SDK-PY-*): the `mixpanel` PyPI package 5.4.1 on a
//! server, verified by running it (`conformance/server-scripts/python-*.json`, recorded in
//! `conformance/server-recorded/`, compared in `tests/engine/server_conformance.rs`).
//! Stateless (SDK-SERVER): each call sends one request with the ids the caller passes.
//!
//! Line references are to the pinned install,
//! `conformance/.venv/lib/python3.11/site-packages/mixpanel/__init__.py`:
//!
//! - **SDK-PY-TRACK** `track(distinct_id, event_name, properties)` (l.129-158) sends
//!   `{"event", "properties"}` whose properties start with the library's own, in this order:
//!   `token`, `distinct_id` (the positional argument, always present — `""` or `None` →
//!   `null` included), `time` = `time.time()` (l.105-106: **float seconds**,
//!   `1767258001.0`), `$insert_id` = `uuid.uuid4().hex` (l.108-109: 32 lowercase hex, drawn
//!   on every call), `mp_lib: "python"`, `$lib_version: "5.4.1"` (l.142-149); then
//!   `all_properties.update(properties)` (l.150-151): the caller's keys overwrite those in
//!   place (`time`, `$insert_id`, `distinct_id`, `token`, …) and new keys are appended in
//!   the caller's order. The emulation takes `distinct_id` from the properties (missing →
//!   `""`, as the docs' Simplified example writes `mp.track("", …)`).
//! - **SDK-PY-IMPORT** `import_data(api_key, distinct_id, event_name, timestamp,
//!   properties)` (l.160-245): the same six keys, with `"time": timestamp` verbatim (int
//!   stays int, a missing one is `None` → `null`; l.226-233), `$insert_id` drawn, then the
//!   caller's keys, to `/import`. No client-side check of anything. Credentials (a service
//!   account given to `Mixpanel(token, credentials=…)`, or the deprecated
//!   `api_key`/`api_secret`) only decide the HTTP auth (`Consumer._write_request`
//!   l.787-817): transport. The emulation passes `api_key=None` and assumes a service
//!   account.
//! - **SDK-PY-ALIAS** `alias(alias_id, original)` (l.247-277) sends
//!   `{"event": "$create_alias", "properties": {"distinct_id": original, "alias": alias_id,
//!   "token"}}` — bare: no `time`, no `$insert_id` (none drawn), no `mp_lib`/`$lib_version`
//!   — through a fresh `Consumer()` (l.276-277), always to `https://api.mixpanel.com/track`.
//! - **SDK-PY-PEOPLE** `people_set(distinct_id, properties)` / `people_set_once` (l.344-377,
//!   `people_update` l.513-532) send `/engage` `{"$token", "$time": time.time() (float),
//!   "$distinct_id", "$set"|"$set_once": properties}` — no `mp_lib`, no `$insert_id`, and
//!   the properties untouched (an `ip` or `$ignore_time` key stays inside `$set`).
//! - A Python dict keeps insertion order: the caller's keys go out in the order written.
//!
//! Transport (not in a [`Request`]): every request is a `POST` with form fields
//! `data=<JSON>`, `verbose=1`, `ip=0` (`Consumer._write_request` l.787-840).

use super::server::{string, with, Library};
use super::{Context, Profile, Request, SdkCall};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The PyPI package emulated.
pub const PACKAGE: &str = "mixpanel";
/// Its version (`$lib_version`, `__version__` at l.33).
pub const VERSION: &str = "5.4.1";

/// The library, for [`super::server::Device`].
pub static PYTHON: Python = Python;

#[derive(Debug)]
pub struct Python;

/// `time.time()`: float seconds.
fn now(ctx: &Context) -> Value {
    json!(ctx.time_ms as f64 / 1000.0)
}

/// `uuid.uuid4().hex`: 32 lowercase hex digits, one per track/import_data (deterministic
/// by default, like every id idscope draws).
fn insert_id(ctx: &mut Context) -> String {
    let id = ctx
        .ids
        .device_id("\u{0}python\u{0}$insert_id", ctx.next_index as u32)
        .replace('-', "");
    ctx.next_index += 1;
    id
}

/// `track`/`import_data`: the library's six keys, then the caller's (`dict.update`).
fn event(
    name: &str,
    distinct_id: Value,
    time: Value,
    properties: &Map<String, Value>,
    ctx: &mut Context,
) -> Value {
    let insert_id = insert_id(ctx);
    let fixed = with(
        &Map::new(),
        &[
            ("token", string(ctx.token)),
            ("distinct_id", distinct_id),
            ("time", time),
            ("$insert_id", string(&insert_id)),
            ("mp_lib", string("python")),
            ("$lib_version", string(VERSION)),
        ],
    );
    let properties: Vec<(&str, Value)> = properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    json!({"event": name, "properties": with(&fixed, &properties)})
}

/// The positional `distinct_id` the call text passes: the properties' (missing → `""`).
fn distinct_id(properties: &Map<String, Value>) -> Value {
    properties
        .get("distinct_id")
        .cloned()
        .unwrap_or_else(|| string(""))
}

impl Library for Python {
    fn profile(&self) -> Profile {
        Profile::Python
    }

    fn request(&self, call: &SdkCall, ctx: &mut Context) -> Result<Request, String> {
        match call {
            // SDK-PY-TRACK
            SdkCall::Track {
                event: name,
                properties,
            } => {
                let time = now(ctx);
                Ok(Request {
                    endpoint: Endpoint::Track,
                    payloads: vec![event(name, distinct_id(properties), time, properties, ctx)],
                })
            }
            // SDK-PY-IMPORT: `time` is the positional timestamp.
            SdkCall::Import {
                event: name,
                properties,
            } => {
                let time = properties.get("time").cloned().unwrap_or(Value::Null);
                Ok(Request {
                    endpoint: Endpoint::Import,
                    payloads: vec![event(name, distinct_id(properties), time, properties, ctx)],
                })
            }
            // SDK-PY-ALIAS: bare.
            SdkCall::Alias {
                alias,
                original: Some(original),
            } => Ok(Request {
                endpoint: Endpoint::Track,
                payloads: vec![json!({
                    "event": "$create_alias",
                    "properties": {"distinct_id": original, "alias": alias, "token": ctx.token},
                })],
            }),
            // SDK-PY-PEOPLE
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => Ok(Request {
                endpoint: Endpoint::Engage,
                payloads: vec![json!({
                    "$token": ctx.token,
                    "$time": now(ctx),
                    "$distinct_id": distinct_id,
                    if *once { "$set_once" } else { "$set" }: properties,
                })],
            }),
            other => Err(format!(
                "the mixpanel PyPI package has no {}: nothing is sent",
                other.key()
            )),
        }
    }
}

/// A Python string literal.
pub fn py_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::text::needs_escape(c) => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as a Python literal: `None`, `True`, `False`, strings in double quotes (control
/// and invisible characters escaped), dicts and lists spaced as Python prints them.
pub fn py_literal(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_string(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(py_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_string(k), py_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The call as Python code (`mp.track("alice", "Sign Up", {…})`), in the library's
/// argument order: `track(distinct_id, event, properties)`, `import_data(api_key,
/// distinct_id, event, timestamp, properties)`, `alias(alias_id, original)`.
pub fn call_text(call: &SdkCall) -> String {
    let s = |v: &str| py_string(v);
    // The positional distinct_id (and timestamp) out of the properties.
    let split = |p: &Map<String, Value>, keys: &[&str]| {
        let mut rest = p.clone();
        let taken: Vec<Option<Value>> = keys.iter().map(|k| rest.shift_remove(*k)).collect();
        (taken, rest)
    };
    let dict = |m: &Map<String, Value>| py_literal(&Value::Object(m.clone()));
    match call {
        SdkCall::Track { event, properties } => {
            let (taken, rest) = split(properties, &["distinct_id"]);
            let id = taken[0].clone().unwrap_or_else(|| string(""));
            if rest.is_empty() {
                format!("mp.track({}, {})", py_literal(&id), s(event))
            } else {
                format!(
                    "mp.track({}, {}, {})",
                    py_literal(&id),
                    s(event),
                    dict(&rest)
                )
            }
        }
        SdkCall::Import { event, properties } => {
            let (taken, rest) = split(properties, &["distinct_id", "time"]);
            let id = taken[0].clone().unwrap_or_else(|| string(""));
            let time = taken[1].clone().unwrap_or(Value::Null);
            let mut text = format!(
                "mp.import_data(None, {}, {}, {}",
                py_literal(&id),
                s(event),
                py_literal(&time)
            );
            if !rest.is_empty() {
                text.push_str(&format!(", {}", dict(&rest)));
            }
            text.push(')');
            text
        }
        SdkCall::Alias { alias, original } => format!(
            "mp.alias({}, {})",
            s(alias),
            s(original.as_deref().unwrap_or(""))
        ),
        SdkCall::PeopleSetFor {
            distinct_id,
            properties,
            once,
        } => format!(
            "mp.people_{}({}, {})",
            if *once { "set_once" } else { "set" },
            s(distinct_id),
            dict(properties)
        ),
        SdkCall::Identify(user) => format!("session[\"user_id\"] = {}", s(user)),
        SdkCall::Reset { .. } => {
            "session.pop(\"user_id\", None); session[\"device_id\"] = str(uuid.uuid4())".into()
        }
        other => format!("# no {} in the mixpanel PyPI package", other.key()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn py_literal_writes_python_not_json() {
        let v = json!({"a": true, "b": false, "c": null, "d": [1, 2.5, "x\"y"], "e": {}});
        assert_eq!(
            py_literal(&v),
            r#"{"a": True, "b": False, "c": None, "d": [1, 2.5, "x\"y"], "e": {}}"#
        );
    }

    #[test]
    fn call_text_writes_the_library_argument_order_in_python() {
        let track = SdkCall::Track {
            event: "Sign Up".into(),
            properties: props(json!({"$device_id": "c-1", "$user_id": "alice", "ok": true})),
        };
        assert_eq!(
            call_text(&track),
            r#"mp.track("", "Sign Up", {"$device_id": "c-1", "$user_id": "alice", "ok": True})"#
        );
        let track = SdkCall::Track {
            event: "Ping".into(),
            properties: props(json!({"distinct_id": "alice"})),
        };
        assert_eq!(call_text(&track), r#"mp.track("alice", "Ping")"#);
        let import = SdkCall::Import {
            event: "Purchase".into(),
            properties: props(json!({"time": 1_766_000_000, "distinct_id": "alice", "n": null})),
        };
        assert_eq!(
            call_text(&import),
            r#"mp.import_data(None, "alice", "Purchase", 1766000000, {"n": None})"#
        );
        let import = SdkCall::Import {
            event: "Purchase".into(),
            properties: Map::new(),
        };
        assert_eq!(
            call_text(&import),
            r#"mp.import_data(None, "", "Purchase", None)"#
        );
        let alias = SdkCall::Alias {
            alias: "alice".into(),
            original: Some("c-1".into()),
        };
        assert_eq!(call_text(&alias), r#"mp.alias("alice", "c-1")"#);
        let set = SdkCall::PeopleSetFor {
            distinct_id: "alice".into(),
            properties: props(json!({"vip": false})),
            once: true,
        };
        assert_eq!(
            call_text(&set),
            r#"mp.people_set_once("alice", {"vip": False})"#
        );
    }

    #[test]
    fn insert_ids_are_uuid4_hex() {
        let mut ids = crate::ids::IdSource::deterministic("t");
        let mut ctx = Context {
            token: "t",
            time_ms: 0,
            ids: &mut ids,
            next_index: 0,
        };
        let a = insert_id(&mut ctx);
        let b = insert_id(&mut ctx);
        assert_eq!(ctx.next_index, 2);
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id.len(), 32, "{id}");
            assert!(id
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
            assert_eq!(&id[12..13], "4", "version 4: {id}");
        }
    }
}
