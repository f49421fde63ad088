//! The Node profile (`lib: "node"`, SDK-NODE): the `mixpanel` npm package on a server,
//! checked against recordings of the real package (`conformance/`, compared in
//! `tests/engine/`). Stateless: each call sends one request with the ids the caller passes.

use super::server::{object_text, string, with, Library};
use super::{Context, Profile, Request, SdkCall};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// The npm package emulated.
pub const PACKAGE: &str = "mixpanel";
/// Its version (`$lib_version`).
pub const VERSION: &str = "0.18.1";

/// The library, for [`super::server::Device`].
pub static NODE: Node = Node;

#[derive(Debug)]
pub struct Node;

impl Library for Node {
    fn profile(&self) -> Profile {
        Profile::Node
    }

    fn request(&self, call: &SdkCall, ctx: &mut Context) -> Result<Request, String> {
        let lib = |p: &Map<String, Value>| {
            with(
                p,
                &[
                    ("token", string(ctx.token)),
                    ("mp_lib", string("node")),
                    ("$lib_version", string(VERSION)),
                ],
            )
        };
        match call {
            SdkCall::Track { event, properties } => Ok(Request {
                endpoint: Endpoint::Track,
                payloads: vec![json!({"event": event, "properties": lib(properties)})],
            }),
            SdkCall::Import { event, properties } => Ok(Request {
                endpoint: Endpoint::Import,
                payloads: vec![json!({"event": event, "properties": lib(properties)})],
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
                    payloads: vec![json!({"event": "$create_alias", "properties": lib(&p)})],
                })
            }
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => Ok(Request {
                endpoint: Endpoint::Engage,
                payloads: vec![json!({
                    if *once { "$set_once" } else { "$set" }: properties,
                    "$token": ctx.token,
                    "$distinct_id": distinct_id,
                })],
            }),
            other => Err(format!(
                "the mixpanel npm package has no {}: nothing is sent",
                other.key()
            )),
        }
    }
}

/// The call as Node code (`mixpanel.track("Sign Up", {…})`).
pub fn call_text(call: &SdkCall) -> String {
    let s = |v: &str| Value::String(v.to_string()).to_string();
    match call {
        SdkCall::Track { event, properties } => {
            format!("mixpanel.track({}, {})", s(event), object_text(properties))
        }
        SdkCall::Import { event, properties } => {
            let mut rest = properties.clone();
            let time = rest.remove("time").unwrap_or(Value::Null);
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
        SdkCall::Reset { .. } => "session.regenerate()  // a new anonymous id".into(),
        other => format!("/* no {} in the mixpanel npm package */", other.key()),
    }
}
