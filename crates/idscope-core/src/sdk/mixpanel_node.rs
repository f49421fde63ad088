//! The Node profile (`lib: "node"`, SDK-NODE-*): the `mixpanel` npm package 0.24.0 on a
//! server, verified by running it (`conformance/server-scripts/node-*.json`, recorded in
//! `conformance/server-recorded/`, compared in `tests/engine/server_conformance.rs`).
//! Stateless (SDK-SERVER): each call sends one request with the ids the caller passes.
//!
//! Line references are to the pinned install, `conformance/node_modules/mixpanel/lib/`
//! (`mixpanel-node.js` unless another file is named):
//!
//! - **SDK-NODE-TRACK** `track(event, properties)` (l.358-370) sends
//!   `{"event", "properties"}` with the caller's object *mutated*: `token`, `mp_lib: "node"`,
//!   `$lib_version: "0.24.0"` set on it (`send_event_request` l.222-224) — appended after the
//!   caller's keys, or overwritten where the caller had them. Nothing else: no `time`, no
//!   `$insert_id`, no `distinct_id` (a call without one sends none). A truthy `time` goes
//!   through `ensure_timestamp` (l.365-367, `utils.js:38-45`): a number passes unchanged, any
//!   other truthy value (a string, `true`, an object) throws — nothing is sent; a falsy one
//!   (`null`, `false`, `""`, `0`) is sent as it is.
//! - **SDK-NODE-IMPORT** `import(event, time, properties)` (l.416-425): `properties.time =
//!   ensure_timestamp(time)` (l.422) — a number, else it throws (missing, `null`, a string) —
//!   appended after the caller's keys, then as track, to `/import`. The emulation writes the
//!   call with the properties' `time` as the `time` argument. `/import` needs credentials
//!   (l.120-151; without any, `import` throws at l.139-150): the emulation assumes the library
//!   was created with them (a service account, `Mixpanel.init(token, {credentials})`); which
//!   credentials, and the HTTP Basic header they become, is transport.
//! - **SDK-NODE-ALIAS** `alias(distinct_id, alias)` (l.496-503) is `track("$create_alias",
//!   {distinct_id, alias})`: `{distinct_id: original, alias, token, mp_lib, $lib_version}`.
//!   Its argument order is the reverse of Python's.
//! - **SDK-NODE-PEOPLE** `people.set(distinct_id, properties)` / `people.set_once`
//!   (`people.js:22-44`, `profile_helpers.js:43-92`) sends `/engage`
//!   `{"$token", "$distinct_id", "$set"|"$set_once"}` — no `$time`, no `mp_lib`. An `ip` key
//!   of the properties is moved out to a top-level `$ip` (l.69-72), then a truthy
//!   `$ignore_time` to a top-level `$ignore_time` (l.74-77); a falsy one stays inside.
//! - JavaScript objects order their keys: array indices (`"0"` … `"4294967294"`, canonical)
//!   first, ascending, then the other keys in insertion order (ECMAScript
//!   OrdinaryOwnPropertyKeys, which `JSON.stringify` follows) — at every depth.
//!
//! Transport (not in a [`Request`]): single calls are `GET` with `data=<base64 JSON>` and
//! `ip=0&verbose=0` in the query (`send_request` l.79-207).

use super::server::{object_text, string, with, Library};
use super::{Context, Profile, Request, SdkCall};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// The npm package emulated.
pub const PACKAGE: &str = "mixpanel";
/// Its version (`$lib_version`, the package's `package.json`).
pub const VERSION: &str = "0.24.0";

/// What `ensure_timestamp` throws for anything but a number or a `Date` (`utils.js:40-42`).
pub const TIME_ERROR: &str =
    "`time` property must be a Date or Unix timestamp and is only required for `import` endpoint";

/// The library, for [`super::server::Device`].
pub static NODE: Node = Node;

#[derive(Debug)]
pub struct Node;

/// JavaScript's truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// A key JavaScript treats as an array index: the canonical decimal form of an integer
/// below 2³² − 1.
fn array_index(k: &str) -> Option<u32> {
    let n: u32 = k.parse().ok()?;
    (n < u32::MAX && n.to_string() == k).then_some(n)
}

/// The object as a JavaScript object literal holds it: array-index keys first, ascending,
/// then the others in their order; nested objects too.
pub fn js_order(m: &Map<String, Value>) -> Map<String, Value> {
    let mut indices: Vec<(u32, &String, &Value)> = Vec::new();
    let mut others = Vec::new();
    for (k, v) in m {
        match array_index(k) {
            Some(n) => indices.push((n, k, v)),
            None => others.push((k, v)),
        }
    }
    indices.sort_by_key(|(n, _, _)| *n);
    indices
        .into_iter()
        .map(|(_, k, v)| (k, v))
        .chain(others)
        .map(|(k, v)| (k.clone(), js_value(v)))
        .collect()
}

fn js_value(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(js_order(m)),
        Value::Array(a) => Value::Array(a.iter().map(js_value).collect()),
        other => other.clone(),
    }
}

fn throws(call: &str, message: &str) -> String {
    format!("the mixpanel npm package's {call} throws \"{message}\": nothing is sent (SDK-NODE)")
}

impl Node {
    /// `send_event_request` (l.216-241): the library's keys set on the caller's object.
    fn event(
        endpoint: Endpoint,
        event: &str,
        properties: &Map<String, Value>,
        ctx: &Context,
    ) -> Request {
        let properties = with(
            properties,
            &[
                ("token", string(ctx.token)),
                ("mp_lib", string("node")),
                ("$lib_version", string(VERSION)),
            ],
        );
        Request {
            endpoint,
            payloads: vec![json!({"event": event, "properties": properties})],
        }
    }
}

impl Library for Node {
    fn profile(&self) -> Profile {
        Profile::Node
    }

    fn request(&self, call: &SdkCall, ctx: &mut Context) -> Result<Request, String> {
        match call {
            // SDK-NODE-TRACK
            SdkCall::Track { event, properties } => {
                let properties = js_order(properties);
                match properties.get("time") {
                    Some(t) if truthy(t) && !t.is_number() => Err(throws("track", TIME_ERROR)),
                    _ => Ok(Node::event(Endpoint::Track, event, &properties, ctx)),
                }
            }
            // SDK-NODE-IMPORT: `import(event, properties.time, rest)`.
            SdkCall::Import { event, properties } => {
                let mut rest = properties.clone();
                match rest.shift_remove("time") {
                    Some(time @ Value::Number(_)) => {
                        let mut p = js_order(&rest);
                        p.insert("time".into(), time);
                        Ok(Node::event(Endpoint::Import, event, &p, ctx))
                    }
                    _ => Err(throws("import", TIME_ERROR)),
                }
            }
            // SDK-NODE-ALIAS: `alias(original, alias)` = `track("$create_alias", …)`.
            SdkCall::Alias {
                alias,
                original: Some(original),
            } => {
                let mut p = Map::new();
                p.insert("distinct_id".into(), string(original));
                p.insert("alias".into(), string(alias));
                Ok(Node::event(Endpoint::Track, "$create_alias", &p, ctx))
            }
            // SDK-NODE-PEOPLE: `_set` (profile_helpers.js:43-92).
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => {
                let mut set = js_order(properties);
                let mut data = Map::new();
                data.insert("$token".into(), string(ctx.token));
                data.insert("$distinct_id".into(), string(distinct_id));
                let ip = set.shift_remove("ip");
                let ignore_time = match set.get("$ignore_time") {
                    Some(v) if truthy(v) => set.shift_remove("$ignore_time"),
                    _ => None,
                };
                let key = if *once { "$set_once" } else { "$set" };
                data.insert(key.into(), Value::Object(set));
                if let Some(ip) = ip {
                    data.insert("$ip".into(), ip);
                }
                if let Some(t) = ignore_time {
                    data.insert("$ignore_time".into(), t);
                }
                Ok(Request {
                    endpoint: Endpoint::Engage,
                    payloads: vec![Value::Object(data)],
                })
            }
            other => Err(format!(
                "the mixpanel npm package has no {}: nothing is sent",
                other.key()
            )),
        }
    }
}

/// The call as Node code (`mixpanel.track("Sign Up", {…})`), in the argument order of the
/// library (`import(event, time, properties)`, `alias(distinct_id, alias)`).
pub fn call_text(call: &SdkCall) -> String {
    let s = |v: &str| Value::String(v.to_string()).to_string();
    match call {
        SdkCall::Track { event, properties } if properties.is_empty() => {
            format!("mixpanel.track({})", s(event))
        }
        SdkCall::Track { event, properties } => {
            format!("mixpanel.track({}, {})", s(event), object_text(properties))
        }
        SdkCall::Import { event, properties } => {
            let mut rest = properties.clone();
            let time = rest.shift_remove("time").unwrap_or(Value::Null);
            format!(
                "mixpanel.import({}, {}, {})",
                s(event),
                time,
                object_text(&rest)
            )
        }
        SdkCall::Alias { alias, original } => format!(
            "mixpanel.alias({}, {})",
            s(original.as_deref().unwrap_or("")),
            s(alias)
        ),
        SdkCall::PeopleSetFor {
            distinct_id,
            properties,
            once,
        } => format!(
            "mixpanel.people.{}({}, {})",
            if *once { "set_once" } else { "set" },
            s(distinct_id),
            object_text(properties)
        ),
        SdkCall::Identify(user) => format!("session.user_id = {}", s(user)),
        SdkCall::Reset { .. } => {
            "session.user_id = undefined, session.device_id = crypto.randomUUID()".into()
        }
        other => format!("/* no {} in the mixpanel npm package */", other.key()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_indices_are_canonical_and_below_the_maximum() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        for k in ["01", "-1", "1.5", "4294967295", "+1", " 1", "", "a"] {
            assert_eq!(array_index(k), None, "{k}");
        }
    }

    #[test]
    fn js_order_puts_indices_first_at_every_depth() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"10":2,"2":3,"n":{"z":1,"1":2},"l":[{"b":1,"0":0}]}"#)
                .unwrap();
        let out = Value::Object(js_order(v.as_object().unwrap())).to_string();
        assert_eq!(
            out,
            r#"{"2":3,"10":2,"b":1,"n":{"1":2,"z":1},"l":[{"0":0,"b":1}]}"#
        );
    }

    #[test]
    fn call_text_writes_the_library_argument_order() {
        let mut p = Map::new();
        p.insert("distinct_id".into(), json!("alice"));
        p.insert("time".into(), json!(1_766_000_000));
        let import = SdkCall::Import {
            event: "Purchase".into(),
            properties: p,
        };
        assert_eq!(
            call_text(&import),
            r#"mixpanel.import("Purchase", 1766000000, {"distinct_id":"alice"})"#
        );
        let alias = SdkCall::Alias {
            alias: "alice".into(),
            original: Some("c-1".into()),
        };
        assert_eq!(call_text(&alias), r#"mixpanel.alias("c-1", "alice")"#);
    }
}
