//! What the mobile SDKs share (SDK-MOBILE): an app install with a persisted anonymous id, a
//! distinct id that `identify` replaces, `alias`, `reset`, opt-out and a queue flushed in
//! the background. Each SDK is a [`Sdk`] description (its `mp_lib`, id format and the ways it
//! differs), read from its source: see [`super::mixpanel_swift`], [`super::mixpanel_android`],
//! [`super::mixpanel_react_native`]. Nothing here was run: the profiles say "from source".

use super::{Context, DeviceSpec, Profile, Request, SdkCall, Sent};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// How one mobile SDK differs from the others.
#[derive(Debug)]
pub struct Sdk {
    pub profile: Profile,
    /// `mp_lib`.
    pub mp_lib: &'static str,
    pub version: &'static str,
    /// The anonymous distinct id is `$device:<device id>` (else the bare device id).
    pub device_prefix: bool,
    /// Device ids are upper-case UUIDs (iOS `UUID().uuidString`).
    pub uppercase_ids: bool,
    /// Events carry `$had_persisted_distinct_id` once identified.
    pub had_persisted_distinct_id: bool,
}

/// One app install running a mobile SDK.
#[derive(Debug, Clone)]
pub struct Device {
    sdk: &'static Sdk,
    name: String,
    device_ids: Vec<String>,
    distinct_id: String,
    user_id: Option<String>,
    anon_id: Option<String>,
    opted_out: bool,
    supers: Map<String, Value>,
    /// Queued events and profile updates (flushed when the device settles).
    queue: Vec<(Endpoint, Value)>,
}

impl Device {
    pub fn new(sdk: &'static Sdk, name: &str, device_id: String, _spec: &DeviceSpec) -> Device {
        let device_id = sdk.format_id(device_id);
        Device {
            sdk,
            name: name.to_string(),
            distinct_id: sdk.anonymous(&device_id),
            device_ids: vec![device_id],
            user_id: None,
            anon_id: None,
            opted_out: false,
            supers: Map::new(),
            queue: Vec::new(),
        }
    }

    fn device_id(&self) -> &str {
        self.device_ids.last().map_or("", String::as_str)
    }

    fn event(&self, name: &str, properties: &Map<String, Value>, ctx: &mut Context) -> Value {
        let mut p = Map::new();
        p.insert("mp_lib".into(), json!(self.sdk.mp_lib));
        p.insert("$lib_version".into(), json!(self.sdk.version));
        p.insert("time".into(), json!(ctx.time_ms / 1000));
        for (k, v) in &self.supers {
            p.insert(k.clone(), v.clone());
        }
        for (k, v) in properties {
            p.insert(k.clone(), v.clone());
        }
        p.insert("distinct_id".into(), json!(self.distinct_id));
        p.insert("$device_id".into(), json!(self.device_id()));
        if let Some(u) = &self.user_id {
            p.insert("$user_id".into(), json!(u));
            if self.sdk.had_persisted_distinct_id {
                p.insert("$had_persisted_distinct_id".into(), json!(true));
            }
        }
        p.insert("token".into(), json!(ctx.token));
        p.insert(
            "$insert_id".into(),
            json!(ctx.ids.insert_id(ctx.next_index)),
        );
        ctx.next_index += 1;
        json!({"event": name, "properties": p})
    }

    fn track(&mut self, name: &str, properties: &Map<String, Value>, ctx: &mut Context) {
        if self.opted_out {
            return;
        }
        let e = self.event(name, properties, ctx);
        self.queue.push((Endpoint::Track, e));
    }
}

impl Sdk {
    fn format_id(&self, id: String) -> String {
        if self.uppercase_ids {
            id.to_uppercase()
        } else {
            id
        }
    }

    fn anonymous(&self, device_id: &str) -> String {
        if self.device_prefix {
            format!("$device:{device_id}")
        } else {
            device_id.to_string()
        }
    }
}

impl super::Device for Device {
    fn profile(&self) -> Profile {
        self.sdk.profile
    }

    fn init(&mut self, _ctx: &mut Context) -> Sent {
        Sent::default()
    }

    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        match call {
            SdkCall::Track { event, properties } => self.track(event, properties, ctx),
            SdkCall::Identify(id) => {
                if id.is_empty() {
                    sent.notes.push("identify refused: an empty id".into());
                } else if *id != self.distinct_id {
                    let old = std::mem::replace(&mut self.distinct_id, id.clone());
                    self.user_id = Some(id.clone());
                    if self.anon_id.is_none() {
                        self.anon_id = Some(old.clone());
                        let mut p = Map::new();
                        p.insert("$anon_distinct_id".into(), json!(old));
                        self.track("$identify", &p, ctx);
                    }
                }
            }
            SdkCall::Alias { alias, original } => {
                let original = original.clone().unwrap_or_else(|| self.distinct_id.clone());
                if *alias == original {
                    sent.notes
                        .push("alias refused: the alias equals the distinct id".into());
                } else {
                    let mut p = Map::new();
                    p.insert("alias".into(), json!(alias));
                    p.insert("distinct_id".into(), json!(original));
                    let e = self.event("$create_alias", &p, ctx);
                    self.queue.push((Endpoint::Track, e));
                }
            }
            SdkCall::Reset { device_id } => {
                let next = device_id
                    .clone()
                    .unwrap_or_else(|| ctx.ids.device_id(&self.name, self.device_ids.len() as u32));
                let next = self.sdk.format_id(next);
                self.distinct_id = self.sdk.anonymous(&next);
                self.device_ids.push(next);
                self.user_id = None;
                self.anon_id = None;
                self.supers.clear();
            }
            SdkCall::Register(p) => self.supers.extend(p.clone()),
            SdkCall::RegisterOnce(p) => {
                for (k, v) in p {
                    self.supers.entry(k.clone()).or_insert(v.clone());
                }
            }
            SdkCall::Unregister(k) => {
                self.supers.shift_remove(k);
            }
            SdkCall::PeopleSet(p) | SdkCall::PeopleSetOnce(p) => {
                let op = if matches!(call, SdkCall::PeopleSet(_)) {
                    "$set"
                } else {
                    "$set_once"
                };
                if !self.opted_out {
                    let mut m = Map::new();
                    m.insert(op.into(), Value::Object(p.clone()));
                    m.insert("$token".into(), json!(ctx.token));
                    m.insert("$time".into(), json!(ctx.time_ms));
                    m.insert("$distinct_id".into(), json!(self.distinct_id));
                    self.queue.push((Endpoint::Engage, Value::Object(m)));
                }
            }
            SdkCall::OptOut => {
                self.opted_out = true;
                self.queue.clear();
            }
            SdkCall::OptIn => {
                self.opted_out = false;
                self.track("$opt_in", &Map::new(), ctx);
            }
            other => sent.notes.push(format!(
                "{} has no {}: nothing is sent",
                self.sdk.profile.label(),
                other.key()
            )),
        }
        sent
    }

    /// The queue is flushed (events first, then profile updates).
    fn settle(&mut self, _ctx: &mut Context) -> Vec<Request> {
        let mut out = Vec::new();
        for endpoint in [Endpoint::Track, Endpoint::Engage] {
            let payloads: Vec<Value> = self
                .queue
                .iter()
                .filter(|(e, _)| *e == endpoint)
                .map(|(_, p)| p.clone())
                .collect();
            if !payloads.is_empty() {
                out.push(Request { endpoint, payloads });
            }
        }
        self.queue.clear();
        out
    }

    fn distinct_id(&self) -> String {
        self.distinct_id.clone()
    }

    fn user_id(&self) -> Option<String> {
        self.user_id.clone()
    }

    fn device_ids(&self) -> &[String] {
        &self.device_ids
    }

    fn clone_box(&self) -> Box<dyn super::Device> {
        Box::new(self.clone())
    }
}

/// A JSON object as Swift writes a dictionary literal (`["plan": "pro"]`).
pub fn swift_dict(m: &Map<String, Value>) -> String {
    if m.is_empty() {
        return "[:]".into();
    }
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), v))
        .collect();
    format!("[{}]", items.join(", "))
}
