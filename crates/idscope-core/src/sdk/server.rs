//! What the server libraries share (SDK-SERVER): a device that keeps no identity of its own.
//! Every call names its ids (`distinct_id`, `$device_id`, `$user_id` in the properties) and
//! goes out as one request at once — no queue, no callbacks, nothing persisted. The only
//! state is the *code's* session, which the playbooks' server-side recipes use: the anonymous
//! id the code keeps in a cookie (a UUID it generates; a new one when the session ends) and
//! the user who logged in [DOCS-SIMPL "Server-side Identity Management"]. `identify` and
//! `reset` are those session steps here: they change the session and send nothing.
//!
//! Checked against the real libraries (mixpanel-node 0.24.0, mixpanel-python 5.4.1) by
//! `tests/engine/server_conformance.rs`, which replays `conformance/server-scripts/` through
//! these profiles and compares endpoint and payloads with `conformance/server-recorded/`.
//! What a [`Request`] cannot say — HTTP method, query and form fields, credentials, host,
//! single object vs batch array — is transport and is left to the recordings
//! (`conformance/FINDINGS.md`, *Server libraries*).

use super::{Context, Kind, Profile, Request, SdkCall, Sent};
use serde_json::{Map, Value};
use std::fmt;

/// One server library: how its calls become requests (see [`super::mixpanel_node`],
/// [`super::mixpanel_python`]).
pub trait Library: Sync + fmt::Debug {
    fn profile(&self) -> Profile;
    /// The request a library call sends, or why the library refuses it (it throws or
    /// returns without sending).
    fn request(&self, call: &SdkCall, ctx: &mut Context) -> Result<Request, String>;
}

/// A server process running one library, with the code's session.
#[derive(Debug, Clone)]
pub struct Device {
    lib: &'static dyn Library,
    name: String,
    /// The session's anonymous ids, in order (index = sessions ended).
    device_ids: Vec<String>,
    /// Who logged in, as the code's session remembers.
    user: Option<String>,
}

impl Device {
    pub fn new(lib: &'static dyn Library, name: &str, device_id: String) -> Device {
        Device {
            lib,
            name: name.to_string(),
            device_ids: vec![device_id],
            user: None,
        }
    }

    /// The anonymous id the session holds now (the cookie).
    pub fn session_device_id(&self) -> &str {
        self.device_ids.last().map_or("", String::as_str)
    }
}

impl super::Device for Device {
    fn profile(&self) -> Profile {
        self.lib.profile()
    }

    /// A server library sends nothing when it is created.
    fn init(&mut self, _ctx: &mut Context) -> Sent {
        Sent::default()
    }

    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        match call {
            // The playbooks' session steps: the code's own state, no request.
            // The call text (`session.user_id = "alice"`) says what happens; nothing is sent.
            SdkCall::Identify(user) => self.user = Some(user.clone()),
            SdkCall::Reset { device_id } => {
                let next = device_id
                    .clone()
                    .unwrap_or_else(|| ctx.ids.device_id(&self.name, self.device_ids.len() as u32));
                self.user = None;
                self.device_ids.push(next);
            }
            call => {
                debug_assert_eq!(self.lib.profile().kind(), Kind::Server);
                match self.lib.request(call, ctx) {
                    Ok(r) => sent.requests.push(r),
                    Err(why) => sent.notes.push(why),
                }
            }
        }
        sent
    }

    /// Requests leave at once: nothing is pending.
    fn settle(&mut self, _ctx: &mut Context) -> Vec<Request> {
        Vec::new()
    }

    fn distinct_id(&self) -> String {
        self.user
            .clone()
            .unwrap_or_else(|| self.session_device_id().to_string())
    }

    fn user_id(&self) -> Option<String> {
        self.user.clone()
    }

    fn device_ids(&self) -> &[String] {
        &self.device_ids
    }

    fn clone_box(&self) -> Box<dyn super::Device> {
        Box::new(self.clone())
    }
}

/// `properties` with each `extra` key set: a key the properties lack is appended after
/// them, one they have is overwritten where it stands (what `properties.token = …` does in
/// JavaScript and `dict.update` in Python).
pub fn with(properties: &Map<String, Value>, extra: &[(&str, Value)]) -> Map<String, Value> {
    let mut out = properties.clone();
    for (k, v) in extra {
        out.insert((*k).to_string(), v.clone());
    }
    out
}

/// A JSON string value.
pub fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

/// The call's arguments as the language writes a JSON object (`{"a":1}`), compact.
pub fn object_text(m: &Map<String, Value>) -> String {
    Value::Object(m.clone()).to_string()
}
