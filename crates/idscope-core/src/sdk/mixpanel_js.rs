//! The mixpanel-js profile (`lib: "web"`): an emulation of mixpanel-browser 2.83.0, checked
//! against recordings of the real SDK (`conformance/`, compared in `tests/engine/`). Each
//! named device is one SDK instance with its own persisted state (the cookie) and in-memory
//! state (`identify_called`, pending callbacks, batch queues). Line numbers cite
//! `dist/mixpanel.cjs.js` of the pinned version; `conformance/FINDINGS.md` has the details.

use super::{Context, DeviceSpec, Profile, Request, SdkCall, Sent};
use crate::model::Endpoint;
use serde_json::{json, Map, Number, Value};

/// The npm package emulated.
pub const PACKAGE: &str = "mixpanel-browser";
/// Its version (`$lib_version`, `mp_sent_by_lib_version`).
pub const VERSION: &str = "2.83.0";

/// Properties the SDK adds to every event by itself (automatic, the initial referrer it
/// registers, the token, the batch marker): what a server-side replay leaves to its own SDK.
pub const AUTOMATIC: &[&str] = &[
    "$os",
    "$browser",
    "$referrer",
    "$referring_domain",
    "$current_url",
    "$browser_version",
    "$screen_height",
    "$screen_width",
    "mp_lib",
    "$lib_version",
    "$insert_id",
    "time",
    "$initial_referrer",
    "$initial_referring_domain",
    "token",
    "mp_sent_by_lib_version",
];

/// Keys persisted for the SDK's own bookkeeping, never sent as super properties (l.28606).
const RESERVED: &[&str] = &[
    "__mps",
    "__mpso",
    "__mpus",
    "__mpa",
    "__mpap",
    "__mpr",
    "__mpu",
    "$people_distinct_id",
    "__alias",
    "__timers",
];

/// The batchers' flush interval (`batch_flush_interval_ms`).
const FLUSH_MS: u64 = 5000;
/// The most payloads one batch request carries (`batch_size`).
const BATCH_SIZE: usize = 50;

/// The browser the SDK reads automatic properties from (`_.info.properties`, l.20652).
#[derive(Debug, Clone, PartialEq)]
struct Browser {
    os: String,
    browser: String,
    browser_version: Number,
    url: String,
    screen_width: u32,
    screen_height: u32,
    referrer: String,
}

impl Browser {
    /// The scenario's overrides on the defaults (those of `conformance/lib/env.js`).
    fn from_spec(spec: &DeviceSpec) -> Browser {
        Browser {
            os: spec.os.clone().unwrap_or_else(|| "Windows".into()),
            browser: spec.browser.clone().unwrap_or_else(|| "Chrome".into()),
            browser_version: spec.browser_version.clone().unwrap_or_else(|| 120.into()),
            url: spec
                .url
                .clone()
                .unwrap_or_else(|| "https://example.com/".into()),
            screen_width: spec.screen_width.unwrap_or(1920),
            screen_height: spec.screen_height.unwrap_or(1080),
            referrer: spec.referrer.clone().unwrap_or_default(),
        }
    }

    /// The host of a URL ("https://a.b/c" → "a.b").
    fn domain(url: &str) -> &str {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.split(['/', '?', '#']).next().unwrap_or("")
    }

    /// `$initial_referrer` / `$initial_referring_domain` (`get_referrer_info`).
    fn referrer_info(&self) -> Map<String, Value> {
        let (r, d) = if self.referrer.is_empty() {
            ("$direct".to_string(), "$direct".to_string())
        } else {
            let d = Browser::domain(&self.referrer);
            let d = if d.is_empty() { "$direct" } else { d };
            (self.referrer.clone(), d.to_string())
        };
        let mut m = Map::new();
        m.insert("$initial_referrer".into(), Value::String(r));
        m.insert("$initial_referring_domain".into(), Value::String(d));
        m
    }
}

/// Work the SDK scheduled for later: run when the device settles.
#[derive(Debug, Clone, PartialEq)]
enum Callback {
    /// `alias(a)` identifies with `a` in the callback of its `$create_alias` request
    /// (l.30829-30837).
    IdentifyAfterAlias(String),
}

/// One of the SDK's request batchers (`RequestBatcher`, l.21840) and its flush timer.
#[derive(Debug, Clone, PartialEq)]
struct Batcher {
    endpoint: Endpoint,
    queue: Vec<Value>,
    /// Enqueued in the current tick while the queue's lock was held: they land after what
    /// callbacks enqueue once the tick ends (the lock is retried after 10–110 ms).
    contended: Vec<Value>,
    /// Whether the current tick already took the queue's lock.
    locked: bool,
    /// When the flush timer fires next (the device's timer clock, ms) and its scheduling
    /// order (ties run in that order).
    due: u64,
    order: u64,
}

/// One mixpanel-js instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub name: String,
    browser: Browser,
    batch: bool,
    track_pageview: bool,
    /// Persisted properties in storage order: `distinct_id`, `$device_id`, the initial
    /// referrer, `$user_id`, registered super properties.
    supers: Map<String, Value>,
    /// The pending alias (`__alias`): `identify` of it keeps the local distinct_id.
    alias: Option<String>,
    /// `identify_called`: whether people updates are sent or queued.
    identify_called: bool,
    /// Queued people operations (`__mps`, `__mpso`), flushed by `identify`.
    set_queue: Option<Map<String, Value>>,
    set_once_queue: Option<Map<String, Value>>,
    callbacks: Vec<Callback>,
    /// Events, people and groups batchers (batch mode).
    batchers: [Batcher; 3],
    /// The batchers' timer clock (ms since init; independent of the wall clock).
    timer_now: u64,
    timer_order: u64,
    opted_out: bool,
    /// Number of resets so far (the generation of the current device id).
    generation: u32,
    /// Every device id this device has had, in order.
    device_ids: Vec<String>,
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// `time`: seconds with the milliseconds as a fraction (`Date.now() / 1000`), written as
/// JavaScript writes the number (a whole number has no fraction).
pub fn time_value(ms: i64) -> Value {
    if ms % 1000 == 0 {
        json!(ms / 1000)
    } else {
        json!(ms as f64 / 1000.0)
    }
}

impl Device {
    /// SDK-INIT: a new instance with its first device id `D`; `distinct_id` is `$device:D`
    /// unless an older SDK left one in storage (then no `$device_id` until `identify`).
    pub fn new(name: &str, device_id: String, spec: &DeviceSpec) -> Device {
        let batcher = |endpoint, order| Batcher {
            endpoint,
            queue: Vec::new(),
            contended: Vec::new(),
            locked: false,
            due: FLUSH_MS,
            order,
        };
        let mut d = Device {
            name: name.to_string(),
            browser: Browser::from_spec(spec),
            batch: spec.config.batch_requests.unwrap_or(true),
            track_pageview: spec.config.track_pageview.unwrap_or(false),
            supers: Map::new(),
            alias: None,
            identify_called: false,
            set_queue: None,
            set_once_queue: None,
            callbacks: Vec::new(),
            // `init_batchers` creates events, people, groups; `start()` arms each timer.
            batchers: [
                batcher(Endpoint::Track, 1),
                batcher(Endpoint::Engage, 2),
                batcher(Endpoint::Engage, 3),
            ],
            timer_now: 0,
            timer_order: 4,
            opted_out: false,
            generation: 0,
            device_ids: Vec::new(),
        };
        let stored = spec.storage.clone().unwrap_or_default();
        for (k, v) in &stored {
            if k == "__alias" {
                d.alias = v.as_str().map(str::to_string);
            } else {
                d.supers.insert(k.clone(), v.clone());
            }
        }
        // l.29386: a stored distinct_id is kept; only a fresh browser gets the device id.
        let kept = d.supers.get("distinct_id").is_some_and(truthy);
        if kept {
            let old = d
                .supers
                .get("$device_id")
                .or_else(|| d.supers.get("distinct_id"))
                .map(id_text)
                .unwrap_or_default();
            d.device_ids.push(old);
        } else {
            d.register_device(device_id);
        }
        d
    }

    fn register_device(&mut self, device_id: String) {
        self.supers
            .insert("distinct_id".into(), s(format!("$device:{device_id}")));
        self.supers
            .insert("$device_id".into(), s(device_id.clone()));
        self.device_ids.push(device_id);
    }

    fn super_str(&self, key: &str) -> Option<String> {
        self.supers.get(key).filter(|v| truthy(v)).map(id_text)
    }

    /// `register_once`: writes keys that are absent (or hold the default `"None"`).
    fn register_once(&mut self, props: &Map<String, Value>) {
        for (k, v) in props {
            let absent = match self.supers.get(k) {
                None => true,
                Some(Value::String(x)) => x == "None",
                Some(_) => false,
            };
            if absent {
                self.supers.insert(k.clone(), v.clone());
            }
        }
    }

    /// `_set_default_superprops` (l.29543): the initial referrer, registered once.
    fn default_superprops(&mut self) {
        let info = self.browser.referrer_info();
        self.register_once(&info);
    }

    /// SDK-TRACK: automatic properties, then the super properties in storage order, then
    /// the caller's (overriding in place), then `token` (l.30152-30181; `_.extend` keeps a
    /// key's first position).
    fn event(&mut self, event: &str, props: &Map<String, Value>, ctx: &mut Context) -> Value {
        self.default_superprops();
        let b = &self.browser;
        let mut p = Map::new();
        p.insert("$os".into(), s(b.os.clone()));
        p.insert("$browser".into(), s(b.browser.clone()));
        if !b.referrer.is_empty() {
            p.insert("$referrer".into(), s(b.referrer.clone()));
            let d = Browser::domain(&b.referrer);
            if !d.is_empty() {
                p.insert("$referring_domain".into(), s(d));
            }
        }
        p.insert("$current_url".into(), s(b.url.clone()));
        p.insert(
            "$browser_version".into(),
            Value::Number(b.browser_version.clone()),
        );
        p.insert("$screen_height".into(), json!(b.screen_height));
        p.insert("$screen_width".into(), json!(b.screen_width));
        p.insert("mp_lib".into(), s("web"));
        p.insert("$lib_version".into(), s(VERSION));
        p.insert("$insert_id".into(), s(ctx.ids.insert_id(ctx.next_index)));
        p.insert("time".into(), time_value(ctx.time_ms));
        for (k, v) in &self.supers {
            if !RESERVED.contains(&k.as_str()) {
                p.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in props {
            p.insert(k.clone(), v.clone());
        }
        p.insert("token".into(), s(ctx.token));
        ctx.next_index += 1;
        json!({ "event": event, "properties": p })
    }

    /// A `/engage` record: the operation first, then the ids (l.28423); optional ids only
    /// when truthy.
    fn engage(&self, action: &str, data: Value, ctx: &Context) -> Value {
        let mut r = Map::new();
        r.insert(action.into(), data);
        r.insert("$token".into(), s(ctx.token));
        r.insert(
            "$distinct_id".into(),
            self.supers.get("distinct_id").cloned().unwrap_or(s("")),
        );
        for k in ["$device_id", "$user_id", "$had_persisted_distinct_id"] {
            if let Some(v) = self.supers.get(k).filter(|v| truthy(v)) {
                r.insert(k.into(), v.clone());
            }
        }
        Value::Object(r)
    }

    /// `$os`, `$browser`, `$browser_version`: what `people.set` adds (l.20674).
    fn people_properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("$os".into(), s(self.browser.os.clone()));
        m.insert("$browser".into(), s(self.browser.browser.clone()));
        m.insert(
            "$browser_version".into(),
            Value::Number(self.browser.browser_version.clone()),
        );
        m
    }

    /// Sends a payload now (one request) or queues it for its batcher. Nothing leaves an
    /// opted-out device.
    fn send(&mut self, endpoint: Endpoint, payload: Value, out: &mut Vec<Request>) {
        if self.opted_out {
            return;
        }
        if !self.batch {
            out.push(Request {
                endpoint,
                payloads: vec![payload],
            });
            return;
        }
        let b = &mut self.batchers[usize::from(endpoint != Endpoint::Track)];
        if b.locked {
            b.contended.push(payload);
        } else {
            b.locked = true;
            b.queue.push(payload);
        }
    }

    fn track(
        &mut self,
        event: &str,
        props: &Map<String, Value>,
        ctx: &mut Context,
        out: &mut Vec<Request>,
    ) {
        if self.opted_out {
            return;
        }
        let payload = self.event(event, props, ctx);
        self.send(Endpoint::Track, payload, out);
    }

    /// SDK-IDENTIFY (l.30675).
    fn identify(&mut self, new: &str, ctx: &mut Context, sent: &mut Sent) {
        let previous = self.distinct_id();
        if !new.is_empty() && new != previous {
            if new.starts_with("$device:") {
                sent.notes.push(format!(
                    "identify({}) refused: distinct_id cannot have $device: prefix; nothing sent",
                    s(new)
                ));
                return;
            }
            self.supers.insert("$user_id".into(), s(new));
        }
        // An older SDK's storage gets its `$device_id` now (l.30704-30712).
        if !self.supers.get("$device_id").is_some_and(truthy) {
            let mut once = Map::new();
            once.insert("$had_persisted_distinct_id".into(), Value::Bool(true));
            once.insert("$device_id".into(), s(previous.clone()));
            self.register_once(&once);
        }
        let keeps_alias = self.alias.as_deref() == Some(new);
        if new != previous && !keeps_alias {
            self.alias = None;
            self.supers.insert("distinct_id".into(), s(new));
        }
        self.identify_called = true;
        self.flush_people(ctx, &mut sent.requests);
        if new == previous {
            sent.notes.push(format!(
                "identify({}) sent no $identify: it is already the distinct_id",
                s(new)
            ));
            return;
        }
        let mut props = Map::new();
        props.insert("distinct_id".into(), s(new));
        props.insert("$anon_distinct_id".into(), s(previous));
        self.track("$identify", &props, ctx, &mut sent.requests);
        if new.is_empty() {
            sent.notes.push(
                "identify(\"\") makes the empty string the distinct_id of every later event".into(),
            );
        } else if keeps_alias {
            sent.notes.push(format!(
                "identify({}) matches the pending alias: distinct_id stays {}",
                s(new),
                s(self.distinct_id())
            ));
        }
    }

    /// SDK-ALIAS (l.30814): `$create_alias` now; the identify runs in its request's callback
    /// (when the device settles), so calls in the same tick go out before it.
    fn alias(&mut self, a: &str, original: Option<&str>, ctx: &mut Context, sent: &mut Sent) {
        let original = original
            .map(str::to_string)
            .unwrap_or_else(|| self.distinct_id());
        if a == original {
            sent.notes.push(format!(
                "alias({}) refused: alias matches the current distinct_id; behaves as identify",
                s(a)
            ));
            self.identify(a, ctx, sent);
            return;
        }
        self.alias = Some(a.to_string());
        let mut props = Map::new();
        props.insert("alias".into(), s(a));
        props.insert("distinct_id".into(), s(original));
        self.track("$create_alias", &props, ctx, &mut sent.requests);
        if !self.opted_out {
            self.callbacks
                .push(Callback::IdentifyAfterAlias(a.to_string()));
            sent.notes.push(format!(
                "alias({}) identifies only in its request's callback: calls in this tick go out without $user_id",
                s(a)
            ));
        }
    }

    /// SDK-RESET (l.30745): clears everything persisted (queued people updates too) and
    /// starts again as a new device. Nothing is sent.
    fn reset(&mut self, device_id: String) {
        self.supers.clear();
        self.alias = None;
        self.identify_called = false;
        self.set_queue = None;
        self.set_once_queue = None;
        self.generation += 1;
        self.register_device(device_id);
    }

    /// SDK-PEOPLE: sent once `identify` was called since the last reset; queued until then
    /// (a queued `$set` merges later values in, a queued `$set_once` keeps the first).
    fn people(
        &mut self,
        once: bool,
        props: &Map<String, Value>,
        ctx: &mut Context,
        sent: &mut Sent,
    ) {
        if self.opted_out {
            return;
        }
        self.default_superprops();
        let mut data = if once {
            Map::new()
        } else {
            self.people_properties()
        };
        for (k, v) in props {
            if ![
                "$distinct_id",
                "$token",
                "$device_id",
                "$user_id",
                "$had_persisted_distinct_id",
            ]
            .contains(&k.as_str())
            {
                data.insert(k.clone(), v.clone());
            }
        }
        if self.identify_called {
            let action = if once { "$set_once" } else { "$set" };
            let record = self.engage(action, Value::Object(data), ctx);
            self.send(Endpoint::Engage, record, &mut sent.requests);
            return;
        }
        let queue = if once {
            self.set_once_queue.get_or_insert_with(Map::new)
        } else {
            self.set_queue.get_or_insert_with(Map::new)
        };
        for (k, v) in data {
            if !once || !queue.contains_key(&k) {
                queue.insert(k, v);
            }
        }
        sent.notes.push(format!(
            "people.{}() queued until identify() is called on this device",
            if once { "set_once" } else { "set" }
        ));
    }

    /// `people._flush` (l.28515): each queued operation as its own record, `$set` first.
    fn flush_people(&mut self, ctx: &mut Context, out: &mut Vec<Request>) {
        let queued = [
            ("$set", self.set_queue.take()),
            ("$set_once", self.set_once_queue.take()),
        ];
        for (action, data) in queued {
            if let Some(data) = data {
                let record = self.engage(action, Value::Object(data), ctx);
                self.send(Endpoint::Engage, record, out);
            }
        }
    }

    /// `track_pageview` (l.30389): `$mp_web_page_view` with the page's parts.
    fn pageview(&mut self, extra: &Map<String, Value>, ctx: &mut Context, out: &mut Vec<Request>) {
        let url = self.browser.url.clone();
        let (protocol, rest) = url.split_once("://").unwrap_or(("https", &url));
        let domain = Browser::domain(&url);
        let after = &rest[domain.len().min(rest.len())..];
        let (path_part, search) = match after.split_once('?') {
            Some((p, q)) => (p, format!("?{}", q.split('#').next().unwrap_or(""))),
            None => (after.split('#').next().unwrap_or(""), String::new()),
        };
        let path = if path_part.is_empty() { "/" } else { path_part };
        let mut props = Map::new();
        props.insert("current_page_title".into(), s("Example Domain"));
        props.insert("current_domain".into(), s(domain));
        props.insert("current_url_path".into(), s(path));
        props.insert("current_url_protocol".into(), s(format!("{protocol}:")));
        if search.len() > 1 {
            props.insert("current_url_search".into(), s(search));
        }
        for (k, v) in extra {
            props.insert(k.clone(), v.clone());
        }
        self.track("$mp_web_page_view", &props, ctx, out);
    }

    /// The end of a tick: the queues' locks are free again, so what callbacks enqueue (in
    /// microtasks) lands first, then the calls that waited for a lock.
    fn end_tick(&mut self, ctx: &mut Context, out: &mut Vec<Request>) {
        for cb in std::mem::take(&mut self.callbacks) {
            for b in &mut self.batchers {
                b.locked = false;
            }
            match cb {
                Callback::IdentifyAfterAlias(a) => {
                    let mut sent = Sent::default();
                    self.identify(&a, ctx, &mut sent);
                    out.extend(sent.requests);
                }
            }
        }
        for b in &mut self.batchers {
            let waiting = std::mem::take(&mut b.contended);
            b.queue.extend(waiting);
            b.locked = false;
        }
    }

    /// Fires flush timers in due order until every queue is empty (l.21958): each batch is
    /// one request; a timer re-arms for `FLUSH_MS` later whether it sent or not.
    fn flush_batches(&mut self, out: &mut Vec<Request>) {
        while self.batchers.iter().any(|b| !b.queue.is_empty()) {
            let i = (0..self.batchers.len())
                .min_by_key(|&i| (self.batchers[i].due, self.batchers[i].order))
                .expect("three batchers");
            let b = &mut self.batchers[i];
            self.timer_now = b.due;
            while !b.queue.is_empty() {
                let n = b.queue.len().min(BATCH_SIZE);
                let mut payloads: Vec<Value> = b.queue.drain(..n).collect();
                if b.endpoint == Endpoint::Track {
                    for p in &mut payloads {
                        if let Some(props) = p.get_mut("properties").and_then(Value::as_object_mut)
                        {
                            props.insert("mp_sent_by_lib_version".into(), s(VERSION));
                        }
                    }
                }
                out.push(Request {
                    endpoint: b.endpoint,
                    payloads,
                });
            }
            b.due = self.timer_now + FLUSH_MS;
            b.order = self.timer_order;
            self.timer_order += 1;
        }
    }

    fn opt_out(&mut self, ctx: &mut Context, out: &mut Vec<Request>) {
        if self.identify_called {
            // `delete_user` and `clear_charges` (l.31289). Batched, they are enqueued after
            // the queues are cleared and never sent.
            if !self.batch {
                // `delete_user` sends the distinct_id as the operation's value.
                let record = self.engage("$delete", s(self.distinct_id()), ctx);
                out.push(Request {
                    endpoint: Endpoint::Engage,
                    payloads: vec![record],
                });
                let mut set = self.people_properties();
                set.insert("$transactions".into(), json!([]));
                let record = self.engage("$set", Value::Object(set), ctx);
                out.push(Request {
                    endpoint: Endpoint::Engage,
                    payloads: vec![record],
                });
            }
        }
        self.opted_out = true;
        for b in &mut self.batchers {
            b.queue.clear();
            b.contended.clear();
        }
    }

    fn opt_in(&mut self, ctx: &mut Context, out: &mut Vec<Request>) {
        self.opted_out = false;
        // `$opt_in` is sent at once, outside the batch (l.21219).
        let payload = self.event("$opt_in", &Map::new(), ctx);
        out.push(Request {
            endpoint: Endpoint::Track,
            payloads: vec![payload],
        });
        // The batchers restart: their timers are armed afresh.
        for b in &mut self.batchers {
            b.due = self.timer_now + FLUSH_MS;
            b.order = self.timer_order;
            self.timer_order += 1;
        }
    }

    pub fn distinct_id(&self) -> String {
        self.supers
            .get("distinct_id")
            .map(id_text)
            .unwrap_or_default()
    }

    pub fn user_id(&self) -> Option<String> {
        self.super_str("$user_id")
    }

    pub fn device_id(&self) -> Option<String> {
        self.super_str("$device_id")
    }
}

/// JavaScript truthiness of a stored value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// An id as text (a number stored by an older SDK reads as its digits).
fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl super::Device for Device {
    fn profile(&self) -> Profile {
        Profile::MixpanelJs
    }

    fn init(&mut self, ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        if self.track_pageview {
            let mut props = Map::new();
            props.insert("$mp_autocapture".into(), Value::Bool(true));
            self.pageview(&props, ctx, &mut sent.requests);
        }
        // `_loaded` (l.29525): the referrer, registered once and queued as `$set_once`.
        self.default_superprops();
        let info = self.browser.referrer_info();
        let queue = self.set_once_queue.get_or_insert_with(Map::new);
        for (k, v) in info {
            queue.entry(k).or_insert(v);
        }
        sent
    }

    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        match call {
            SdkCall::Track { event, properties } => {
                self.track(event, properties, ctx, &mut sent.requests);
                if self.opted_out {
                    sent.notes.push("opted out: track() sends nothing".into());
                }
            }
            SdkCall::Identify(id) => self.identify(id, ctx, &mut sent),
            SdkCall::Alias { alias, original } => {
                self.alias(alias, original.as_deref(), ctx, &mut sent)
            }
            SdkCall::Reset { device_id } => {
                let id = device_id
                    .clone()
                    .unwrap_or_else(|| ctx.ids.device_id(&self.name, self.generation + 1));
                self.reset(id);
            }
            SdkCall::Register(props) => {
                for (k, v) in props {
                    self.supers.insert(k.clone(), v.clone());
                }
            }
            SdkCall::RegisterOnce(props) => self.register_once(props),
            SdkCall::Unregister(key) => {
                self.supers.shift_remove(key);
            }
            SdkCall::PeopleSet(props) => self.people(false, props, ctx, &mut sent),
            SdkCall::PeopleSetOnce(props) => self.people(true, props, ctx, &mut sent),
            SdkCall::TrackPageview(props) => self.pageview(props, ctx, &mut sent.requests),
            SdkCall::OptOut => self.opt_out(ctx, &mut sent.requests),
            SdkCall::OptIn => self.opt_in(ctx, &mut sent.requests),
            // Refused where the scenario writes them (Profile::accepts).
            SdkCall::Import { .. } | SdkCall::PeopleSetFor { .. } => sent.notes.push(format!(
                "mixpanel-js has no server call {}: nothing is sent",
                call.key()
            )),
        }
        sent
    }

    fn settle(&mut self, ctx: &mut Context) -> Vec<Request> {
        let mut out = Vec::new();
        self.end_tick(ctx, &mut out);
        self.flush_batches(&mut out);
        out
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
