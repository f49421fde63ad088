//! The mixpanel-js profile (`lib: "web"`): an emulation of the browser SDK (rule book
//! SDK-*). Each named device is one SDK instance with its own persistent state
//! (cookie/localStorage plus the in-memory flags).

use super::{Context, Payload, Profile, SdkCall};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// One SDK instance's persistent state (cookie/localStorage plus the in-memory flag).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub name: String,
    /// Registered super properties, including `distinct_id`, `$device_id`, `$user_id`.
    pub supers: Map<String, Value>,
    /// The pending `__alias` (never sent).
    pub alias: Option<String>,
    /// `identify_called`: whether people updates are sent or queued.
    pub identify_called: bool,
    /// Queued `people.set` properties, merged as mixpanel-js merges its `$set` queue.
    pub people_queue: Option<Map<String, Value>>,
    /// Number of resets so far (the generation of the current device id).
    pub generation: u32,
    /// Every device id this device has had, in order.
    pub device_ids: Vec<String>,
}

/// Properties listed first in payloads, in this order, for readability.
const DISPLAY_ORDER: &[&str] = &[
    "token",
    "distinct_id",
    "$anon_distinct_id",
    "alias",
    "$device_id",
    "$user_id",
    "time",
    "$insert_id",
    "mp_lib",
];

impl super::Device for Device {
    fn profile(&self) -> Profile {
        Profile::MixpanelJs
    }

    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> (Vec<Payload>, Option<String>) {
        Device::call(self, call, ctx)
    }

    fn distinct_id(&self) -> String {
        Device::distinct_id(self)
    }

    fn user_id(&self) -> Option<String> {
        Device::user_id(self)
    }

    fn device_ids(&self) -> &[String] {
        &self.device_ids
    }

    fn clone_box(&self) -> Box<dyn super::Device> {
        Box::new(self.clone())
    }
}

impl Device {
    /// SDK-INIT: a new device gets a fresh id `D` and `distinct_id = "$device:" + D`. Nothing is sent.
    pub fn new(name: &str, device_id: String) -> Device {
        let mut d = Device {
            name: name.to_string(),
            supers: Map::new(),
            alias: None,
            identify_called: false,
            people_queue: None,
            generation: 0,
            device_ids: Vec::new(),
        };
        d.init_ids(device_id);
        d
    }

    fn init_ids(&mut self, device_id: String) {
        self.supers.insert(
            "distinct_id".into(),
            Value::String(format!("$device:{device_id}")),
        );
        self.supers
            .insert("$device_id".into(), Value::String(device_id.clone()));
        self.device_ids.push(device_id);
    }

    /// The current `distinct_id` as a string (what `get_distinct_id()` returns).
    pub fn distinct_id(&self) -> String {
        self.super_str("distinct_id").unwrap_or_default()
    }

    pub fn device_id(&self) -> Option<String> {
        self.super_str("$device_id")
    }

    pub fn user_id(&self) -> Option<String> {
        self.super_str("$user_id")
    }

    fn super_str(&self, key: &str) -> Option<String> {
        match self.supers.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// Runs one call; returns the payloads it sent and a note when the SDK refused or skipped.
    pub fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> (Vec<Payload>, Option<String>) {
        match call {
            SdkCall::Track { event, properties } => {
                (vec![self.track(event, properties, ctx)], None)
            }
            SdkCall::Identify(id) => self.identify(id, ctx),
            SdkCall::Alias { alias, original } => self.alias(alias, original.as_deref(), ctx),
            SdkCall::Reset { device_id } => {
                self.reset(device_id.clone(), ctx);
                (Vec::new(), None)
            }
            SdkCall::Register(props) => {
                self.register(props);
                (Vec::new(), None)
            }
            SdkCall::PeopleSet(props) => self.people_set(props, ctx),
        }
    }

    /// SDK-TRACK: automatic properties, then super properties, then the caller's, then `token`.
    pub fn track(&self, event: &str, props: &Map<String, Value>, ctx: &mut Context) -> Payload {
        // Precedence, later winning: automatic properties, super properties, the caller's,
        // then `token`. Built straight in display order (identity fields first).
        let automatic = |k: &str| -> Option<Value> {
            match k {
                "time" => Some(json!(ctx.time)),
                "mp_lib" => Some(json!("web")),
                _ => None,
            }
        };
        let in_order = |k: &str| DISPLAY_ORDER.contains(&k);
        let extra = self.supers.keys().filter(|k| !in_order(k)).count()
            + props
                .keys()
                .filter(|k| !in_order(k) && !self.supers.contains_key(*k))
                .count();
        // token, time, $insert_id and mp_lib always; the rest when set.
        let identity = [
            "distinct_id",
            "$anon_distinct_id",
            "alias",
            "$device_id",
            "$user_id",
        ]
        .iter()
        .filter(|k| props.contains_key(**k) || self.supers.contains_key(**k))
        .count();
        let mut p = Map::with_capacity(4 + identity + extra);
        for k in DISPLAY_ORDER {
            let v = if *k == "token" {
                Some(Value::String(ctx.token.to_string()))
            } else if let Some(v) = props.get(*k).or_else(|| self.supers.get(*k)) {
                Some(v.clone())
            } else if *k == "$insert_id" {
                Some(Value::String(ctx.ids.insert_id(ctx.next_index)))
            } else {
                automatic(k)
            };
            if let Some(v) = v {
                p.insert((*k).to_string(), v);
            }
        }
        for (k, v) in &self.supers {
            if !DISPLAY_ORDER.contains(&k.as_str()) {
                p.insert(k.clone(), props.get(k).unwrap_or(v).clone());
            }
        }
        for (k, v) in props {
            if !DISPLAY_ORDER.contains(&k.as_str()) && !self.supers.contains_key(k) {
                p.insert(k.clone(), v.clone());
            }
        }
        ctx.next_index += 1;
        let mut body = Map::with_capacity(2);
        body.insert("event".into(), Value::String(event.to_string()));
        body.insert("properties".into(), Value::Object(p));
        Payload {
            endpoint: Endpoint::Track,
            body: Value::Object(body),
        }
    }

    /// SDK-IDENTIFY: see the rule book for the three cases.
    pub fn identify(&mut self, x: &str, ctx: &mut Context) -> (Vec<Payload>, Option<String>) {
        let prev = self.distinct_id();
        if x.starts_with("$device:") && x != prev {
            return (
                Vec::new(),
                Some(format!(
                    "identify({}) refused: distinct_id cannot have $device: prefix",
                    Value::String(x.into())
                )),
            );
        }
        if x.is_empty() {
            return (
                Vec::new(),
                Some("identify(\"\") does nothing: the id is empty".into()),
            );
        }
        let mut sent = Vec::new();
        if x == prev {
            // mixpanel-js still marks identify as called and flushes queued people updates.
            self.identify_called = true;
            sent.extend(self.flush_people(ctx));
            return (
                sent,
                Some(format!(
                    "identify({}) sent no $identify: it is already the distinct_id",
                    Value::String(x.into())
                )),
            );
        }
        self.supers
            .insert("$user_id".into(), Value::String(x.to_string()));
        let keeps_alias = self.alias.as_deref() == Some(x);
        if !keeps_alias {
            self.alias = None;
            self.supers
                .insert("distinct_id".into(), Value::String(x.to_string()));
        }
        self.identify_called = true;
        sent.extend(self.flush_people(ctx));
        let mut props = Map::new();
        props.insert("distinct_id".into(), Value::String(x.to_string()));
        props.insert("$anon_distinct_id".into(), Value::String(prev));
        sent.push(self.track("$identify", &props, ctx));
        let note = keeps_alias.then(|| {
            format!(
                "identify({}) matches the pending alias: distinct_id stays {}",
                Value::String(x.into()),
                Value::String(self.distinct_id())
            )
        });
        (sent, note)
    }

    /// SDK-ALIAS: sends `$create_alias` then identifies with the alias, keeping the local id.
    pub fn alias(
        &mut self,
        a: &str,
        original: Option<&str>,
        ctx: &mut Context,
    ) -> (Vec<Payload>, Option<String>) {
        let original = original
            .map(str::to_string)
            .unwrap_or_else(|| self.distinct_id());
        if a == original {
            let (sent, _) = self.identify(a, ctx);
            return (
                sent,
                Some(format!(
                    "alias({}) refused: alias equals the original id; behaves as identify",
                    Value::String(a.into())
                )),
            );
        }
        self.alias = Some(a.to_string());
        let mut props = Map::new();
        props.insert("alias".into(), Value::String(a.to_string()));
        props.insert("distinct_id".into(), Value::String(original));
        let mut sent = vec![self.track("$create_alias", &props, ctx)];
        let (more, _) = self.identify(a, ctx);
        sent.extend(more);
        (sent, None)
    }

    /// SDK-RESET: clears everything and starts again as a new device. Nothing is sent.
    pub fn reset(&mut self, pinned: Option<String>, ctx: &mut Context) {
        self.supers.clear();
        self.alias = None;
        self.identify_called = false;
        self.people_queue = None;
        self.generation += 1;
        let id = pinned.unwrap_or_else(|| ctx.ids.device_id(&self.name, self.generation));
        self.init_ids(id);
    }

    /// SDK-REGISTER: stores super properties (may overwrite `distinct_id` and `$device_id`).
    pub fn register(&mut self, props: &Map<String, Value>) {
        for (k, v) in props {
            self.supers.insert(k.clone(), v.clone());
        }
    }

    /// SDK-PEOPLE: one `/engage` record once identify was called since the last reset;
    /// queued until then.
    pub fn people_set(
        &mut self,
        props: &Map<String, Value>,
        ctx: &mut Context,
    ) -> (Vec<Payload>, Option<String>) {
        let queue = self.people_queue.get_or_insert_with(Map::new);
        for (k, v) in props {
            queue.insert(k.clone(), v.clone());
        }
        if self.identify_called {
            (self.flush_people(ctx).into_iter().collect(), None)
        } else {
            (
                Vec::new(),
                Some("people.set queued until identify() is called on this device".into()),
            )
        }
    }

    fn flush_people(&mut self, ctx: &mut Context) -> Option<Payload> {
        let set = self.people_queue.take()?;
        let mut rec = Map::new();
        rec.insert("$token".into(), Value::String(ctx.token.to_string()));
        rec.insert("$distinct_id".into(), Value::String(self.distinct_id()));
        if let Some(d) = self.device_id() {
            rec.insert("$device_id".into(), Value::String(d));
        }
        if let Some(u) = self.user_id() {
            rec.insert("$user_id".into(), Value::String(u));
        }
        rec.insert("$set".into(), Value::Object(set));
        ctx.next_index += 1;
        Some(Payload {
            endpoint: Endpoint::Engage,
            body: Value::Object(rec),
        })
    }
}
