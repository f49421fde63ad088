//! `idscope gen`: a realistic synthetic Mixpanel export, deterministic per seed (issue 6).
//! Traffic is produced by the same SDK emulator as scenarios, so payloads are what
//! mixpanel-js would send; server-side traffic is written by hand like a backend would.

use crate::ids::IdSource;
use crate::model::Choice;
use crate::sdk::mixpanel_js::Device;
use crate::sdk::{Context, Device as _, DeviceSpec, Request, SdkCall};
use serde_json::{json, Map, Value};

/// How the traffic is mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Mostly web: browsing, signups, logins on new devices, some shared devices and server events.
    #[default]
    Realistic,
    /// Many shared devices, with and without reset.
    SharedDevices,
    /// Much server-side traffic, including device ids sent as distinct_id (phantom users).
    ServerHeavy,
}

impl Choice for Shape {
    const ALL: &'static [Shape] = &[Shape::Realistic, Shape::SharedDevices, Shape::ServerHeavy];
    fn name(self) -> &'static str {
        match self {
            Shape::Realistic => "realistic",
            Shape::SharedDevices => "shared-devices",
            Shape::ServerHeavy => "server-heavy",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Shape::Realistic => {
                "mostly web: browsing, signups, logins, a few shared devices and server events"
            }
            Shape::SharedDevices => "many shared devices, with and without reset",
            Shape::ServerHeavy => {
                "much server-side traffic, device ids sent as distinct_id (phantom users)"
            }
        }
    }
}

impl Shape {
    /// Weights of the activities, in [`Activity`] order.
    fn weights(self) -> [u32; 8] {
        match self {
            Shape::Realistic => [34, 20, 16, 8, 4, 12, 3, 3],
            Shape::SharedDevices => [20, 10, 10, 25, 20, 10, 3, 2],
            Shape::ServerHeavy => [20, 10, 10, 5, 3, 35, 12, 5],
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Activity {
    NewVisitor,
    ReturningNewDevice,
    ReturningKnownDevice,
    SharedWithReset,
    SharedWithoutReset,
    ServerUserEvent,
    ServerPhantom,
    JunkId,
}

const ACTIVITIES: [Activity; 8] = [
    Activity::NewVisitor,
    Activity::ReturningNewDevice,
    Activity::ReturningKnownDevice,
    Activity::SharedWithReset,
    Activity::SharedWithoutReset,
    Activity::ServerUserEvent,
    Activity::ServerPhantom,
    Activity::JunkId,
];

/// SplitMix64: tiny, fast and stable across platforms and Rust versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const PAGES: &[&str] = &[
    "Home", "Pricing", "Docs", "Blog", "Features", "Checkout", "Account",
];
const ACTIONS: &[&str] = &[
    "Viewed Plan",
    "Added to Cart",
    "Purchased",
    "Searched",
    "Shared",
    "Played Video",
];

/// (`$os`, `$browser`) pairs a device is given, picked by its name.
const BROWSERS: &[(&str, &str)] = &[
    ("Windows", "Chrome"),
    ("Mac OS X", "Safari"),
    ("Mac OS X", "Chrome"),
    ("iOS", "Mobile Safari"),
    ("Android", "Chrome"),
    ("Linux", "Firefox"),
    ("Windows", "Microsoft Edge"),
];

/// The browser a generated device runs, picked by its name (so no random draw is spent on
/// it): mixpanel-js puts it into every event's automatic properties.
fn device_spec(device: &str) -> DeviceSpec {
    let pick = device
        .bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b.into()));
    let (os, browser) = BROWSERS[pick % BROWSERS.len()];
    DeviceSpec {
        os: Some(os.into()),
        browser: Some(browser.into()),
        url: Some(format!(
            "https://example.com/{}",
            PAGES[pick % PAGES.len()].to_lowercase()
        )),
        // Each call's requests come back at once (no batching to wait for).
        config: crate::sdk::InitConfig {
            batch_requests: Some(false),
            track_pageview: None,
        },
        ..DeviceSpec::default()
    }
}

struct Generator<'w> {
    rng: Rng,
    ids: IdSource,
    time: i64,
    index: usize,
    target: usize,
    devices: Vec<Device>,
    /// Devices known to belong to a signed-up user: (device slot, user).
    known: Vec<(usize, String)>,
    users: u64,
    /// Devices created so far (names stay unique after old ones are forgotten).
    device_count: u64,
    write: &'w mut dyn FnMut(&str) -> std::io::Result<()>,
}

impl Generator<'_> {
    fn emit(&mut self, body: &Value) -> std::io::Result<()> {
        self.index += 1;
        self.time += 1 + self.rng.below(20) as i64;
        (self.write)(&serde_json::to_string(body).expect("JSON values serialize"))
    }

    fn call(&mut self, slot: usize, call: SdkCall) -> std::io::Result<()> {
        if self.index >= self.target {
            return Ok(());
        }
        let mut ctx = Context {
            token: "demo-token",
            time_ms: self.time * 1000,
            ids: &mut self.ids,
            next_index: self.index,
        };
        let device = &mut self.devices[slot];
        let mut requests: Vec<Request> = device.call(&call, &mut ctx).requests;
        // The next call comes seconds later: the SDK's callbacks have run by then.
        requests.extend(device.settle(&mut ctx));
        for r in requests {
            if r.endpoint == crate::model::Endpoint::Engage {
                continue;
            }
            for mut body in r.payloads {
                if self.index >= self.target {
                    return Ok(());
                }
                if let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut) {
                    // Raw exports carry no token.
                    props.shift_remove("token");
                    props.insert("mp_processing_time_ms".into(), self.processed_at());
                }
                self.emit(&body)?;
            }
        }
        Ok(())
    }

    /// When ingestion stored the event (exports carry it): shortly after `time`.
    fn processed_at(&self) -> Value {
        json!(self.time * 1000 + 180 + (self.index as i64 * 37) % 900)
    }

    fn new_device(&mut self) -> usize {
        let name = format!("d{}", self.device_count);
        self.device_count += 1;
        let id = self.ids.device_id(&name, 0);
        let mut device = Device::new(&name, id, &device_spec(&name));
        let mut ctx = Context {
            token: "demo-token",
            time_ms: self.time * 1000,
            ids: &mut self.ids,
            next_index: self.index,
        };
        device.init(&mut ctx);
        self.devices.push(device);
        self.devices.len() - 1
    }

    fn track(
        &mut self,
        slot: usize,
        event: &str,
        extra: Option<(&str, &str)>,
    ) -> std::io::Result<()> {
        let mut properties = Map::new();
        if let Some((k, v)) = extra {
            properties.insert(k.into(), json!(v));
        }
        self.call(
            slot,
            SdkCall::Track {
                event: event.into(),
                properties,
            },
        )
    }

    fn browse(&mut self, slot: usize, pages: u64) -> std::io::Result<()> {
        for _ in 0..pages {
            let page = PAGES[self.rng.below(PAGES.len() as u64) as usize];
            self.track(slot, "Page View", Some(("page", page)))?;
        }
        Ok(())
    }

    fn act(&mut self, slot: usize, n: u64) -> std::io::Result<()> {
        for _ in 0..n {
            let a = ACTIONS[self.rng.below(ACTIONS.len() as u64) as usize];
            self.track(slot, a, None)?;
        }
        Ok(())
    }

    fn some_user(&mut self) -> Option<String> {
        (self.users > 0).then(|| format!("user_{}", self.rng.below(self.users)))
    }

    fn server_event(&mut self, distinct_id: &str, user: bool) -> std::io::Result<()> {
        let mut props = Map::new();
        props.insert("distinct_id".into(), json!(distinct_id));
        if user {
            props.insert("$user_id".into(), json!(distinct_id));
        }
        props.insert("time".into(), json!(self.time));
        props.insert("$insert_id".into(), json!(self.ids.insert_id(self.index)));
        props.insert("mp_lib".into(), json!("python"));
        props.insert("mp_processing_time_ms".into(), self.processed_at());
        let event = ACTIONS[self.rng.below(ACTIONS.len() as u64) as usize];
        self.emit(&json!({ "event": event, "properties": props }))
    }

    fn step(&mut self, activity: Activity) -> std::io::Result<()> {
        match activity {
            Activity::NewVisitor => {
                let d = self.new_device();
                let pages = 1 + self.rng.below(5);
                self.browse(d, pages)?;
                if self.rng.chance(40) {
                    let user = format!("user_{}", self.users);
                    self.users += 1;
                    self.call(d, SdkCall::Identify(user.clone()))?;
                    self.track(d, "Sign Up", None)?;
                    let n = 1 + self.rng.below(3);
                    self.act(d, n)?;
                    self.known.push((d, user));
                }
            }
            Activity::ReturningNewDevice => {
                if let Some(user) = self.some_user() {
                    let d = self.new_device();
                    let pages = self.rng.below(4);
                    self.browse(d, pages)?;
                    self.call(d, SdkCall::Identify(user.clone()))?;
                    self.track(d, "Log In", None)?;
                    let n = 1 + self.rng.below(3);
                    self.act(d, n)?;
                    self.known.push((d, user));
                }
            }
            Activity::ReturningKnownDevice => {
                if !self.known.is_empty() {
                    let (d, _) =
                        self.known[self.rng.below(self.known.len() as u64) as usize].clone();
                    let n = 1 + self.rng.below(4);
                    self.act(d, n)?;
                }
            }
            Activity::SharedWithReset | Activity::SharedWithoutReset => {
                if !self.known.is_empty() {
                    let (d, _) =
                        self.known[self.rng.below(self.known.len() as u64) as usize].clone();
                    if matches!(activity, Activity::SharedWithReset) {
                        self.call(d, SdkCall::Reset { device_id: None })?;
                    }
                    if let Some(user) = self.some_user() {
                        self.browse(d, 1)?;
                        self.call(d, SdkCall::Identify(user.clone()))?;
                        self.track(d, "Log In", None)?;
                        self.act(d, 1)?;
                    }
                }
            }
            Activity::ServerUserEvent => {
                if let Some(user) = self.some_user() {
                    self.server_event(&user, true)?;
                }
            }
            Activity::ServerPhantom => {
                // A backend copies the bare device id into distinct_id: a phantom user.
                if !self.devices.is_empty() {
                    let d = self.rng.below(self.devices.len() as u64) as usize;
                    if let Some(id) = self.devices[d].device_id() {
                        self.server_event(&id, false)?;
                    }
                }
            }
            Activity::JunkId => {
                let junk = ["undefined", "null", "anonymous", "0"][self.rng.below(4) as usize];
                self.server_event(junk, false)?;
            }
        }
        Ok(())
    }
}

/// Writes `events` export lines (raw-export JSON objects, without the newline) through `write`.
pub fn generate(
    events: usize,
    seed: u64,
    shape: Shape,
    write: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let weights = shape.weights();
    let total: u32 = weights.iter().sum();
    let mut g = Generator {
        rng: Rng(seed),
        ids: IdSource::deterministic(&format!("idscope-gen-{seed}")),
        time: 1_767_258_000,
        index: 0,
        target: events,
        devices: Vec::new(),
        known: Vec::new(),
        users: 0,
        device_count: 0,
        write,
    };
    while g.index < events {
        let mut pick = g.rng.below(u64::from(total)) as u32;
        let mut activity = ACTIVITIES[0];
        for (a, w) in ACTIVITIES.iter().zip(weights) {
            if pick < w {
                activity = *a;
                break;
            }
            pick -= w;
        }
        g.step(activity)?;
        // Keep memory flat on long runs: forget old devices now and then.
        if g.devices.len() > 50_000 {
            g.devices.drain(..25_000);
            g.known.retain(|(d, _)| *d >= 25_000);
            for k in g.known.iter_mut() {
                k.0 -= 25_000;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, seed: u64) -> Vec<String> {
        let mut out = Vec::new();
        generate(n, seed, Shape::Realistic, &mut |l| {
            out.push(l.to_string());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn exact_count_and_deterministic_per_seed() {
        let a = lines(500, 7);
        assert_eq!(a.len(), 500);
        assert_eq!(a, lines(500, 7));
        assert_ne!(a, lines(500, 8));
        for l in &a {
            let v: Value = serde_json::from_str(l).unwrap();
            assert!(
                v["event"].is_string() && v["properties"]["time"].is_i64(),
                "{l}"
            );
        }
    }
}
