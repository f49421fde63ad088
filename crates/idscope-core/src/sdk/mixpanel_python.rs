//! The Python profile (`lib: "python"`, SDK-PY): the `mixpanel` PyPI package on a server,
//! checked against recordings of the real package (`conformance/`, compared in
//! `tests/engine/`). Stateless: each call sends one request with the ids the caller passes.

use super::server::{object_text, string, with, Library};
use super::{Context, Profile, Request, SdkCall};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// The PyPI package emulated.
pub const PACKAGE: &str = "mixpanel";
/// Its version (`$lib_version`).
pub const VERSION: &str = "4.10.1";

/// The library, for [`super::server::Device`].
pub static PYTHON: Python = Python;

#[derive(Debug)]
pub struct Python;

impl Library for Python {
    fn profile(&self) -> Profile {
        Profile::Python
    }

    fn request(&self, call: &SdkCall, ctx: &mut Context) -> Result<Request, String> {
        let time = ctx.time_ms as f64 / 1000.0;
        let event = |name: &str, properties: &Map<String, Value>, ctx: &mut Context| {
            let insert_id = ctx.ids.insert_id(ctx.next_index);
            ctx.next_index += 1;
            let distinct = properties
                .get("distinct_id")
                .cloned()
                .unwrap_or_else(|| string(""));
            let mut p = with(
                &Map::new(),
                &[
                    ("token", string(ctx.token)),
                    ("distinct_id", distinct),
                    ("time", json!(time)),
                    ("$insert_id", string(&insert_id)),
                    ("mp_lib", string("python")),
                    ("$lib_version", string(VERSION)),
                ],
            );
            for (k, v) in properties {
                p.insert(k.clone(), v.clone());
            }
            json!({"event": name, "properties": p})
        };
        match call {
            SdkCall::Track {
                event: name,
                properties,
            } => Ok(Request {
                endpoint: Endpoint::Track,
                payloads: vec![event(name, properties, ctx)],
            }),
            SdkCall::Import {
                event: name,
                properties,
            } => Ok(Request {
                endpoint: Endpoint::Import,
                payloads: vec![event(name, properties, ctx)],
            }),
            SdkCall::Alias {
                alias,
                original: Some(original),
            } => {
                let mut p = Map::new();
                p.insert("distinct_id".into(), string(original));
                p.insert("alias".into(), string(alias));
                Ok(Request {
                    endpoint: Endpoint::Track,
                    payloads: vec![event("$create_alias", &p, ctx)],
                })
            }
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => Ok(Request {
                endpoint: Endpoint::Engage,
                payloads: vec![json!({
                    "$token": ctx.token,
                    "$time": (time * 1000.0) as i64,
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

/// The call as Python code (`mp.track("alice", "Sign Up", {…})`).
pub fn call_text(call: &SdkCall) -> String {
    let s = |v: &str| Value::String(v.to_string()).to_string();
    let split = |p: &Map<String, Value>| {
        let mut rest = p.clone();
        let id = rest
            .remove("distinct_id")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        (id, rest)
    };
    match call {
        SdkCall::Track { event, properties } => {
            let (id, rest) = split(properties);
            format!("mp.track({}, {}, {})", s(&id), s(event), object_text(&rest))
        }
        SdkCall::Import { event, properties } => {
            let (id, mut rest) = split(properties);
            let time = rest.remove("time").unwrap_or(Value::Null);
            format!(
                "mp.import_data(API_KEY, API_SECRET, {}, {}, {}, {})",
                s(&id),
                s(event),
                time,
                object_text(&rest)
            )
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
            object_text(properties)
        ),
        SdkCall::Identify(user) => format!("session[\"user_id\"] = {}", s(user)),
        SdkCall::Reset { .. } => "session.clear()  # a new anonymous id".into(),
        other => format!("# no {} in the mixpanel PyPI package", other.key()),
    }
}
