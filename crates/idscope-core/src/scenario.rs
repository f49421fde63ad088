//! The scenario file (docs/scenario-format.md §1): parsing and validation into a typed [`Scenario`].
//!
//! Parsing is two-phase: serde reads a permissive raw shape (rejecting unknown keys with
//! line:column), then [`Step::from_raw`] checks the rules serde cannot express (exactly one
//! action per step, `device` on device actions, `after` syntax) and names the step.

use crate::expect::Expect;
use crate::model::Endpoint;
pub use crate::sdk::DeviceSpec;
pub use crate::sdk::SdkCall;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_TOKEN: &str = "demo-token";
pub const DEFAULT_START: &str = "2026-01-01T09:00:00Z";

/// A parsed, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub token: String,
    /// Unix seconds of `start`.
    pub start: i64,
    pub devices: BTreeMap<String, DeviceSpec>,
    pub steps: Vec<Step>,
    pub expect: Option<Expect>,
    /// The `$schema` reference, kept so a saved file round-trips.
    pub schema: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub device: Option<String>,
    pub action: Action,
    pub note: Option<String>,
    /// Milliseconds the clock advances before this step (default 1000; 0 in the same tick).
    pub advance_ms: i64,
    /// The step runs in the same JavaScript tick as the previous one (same device): nothing
    /// the SDK scheduled runs in between, and the clock does not move.
    pub same_tick: bool,
}

/// One step's action (docs/scenario-format.md §1 table).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// One SDK method call, as the step writes it (`track`, `identify`, `alias`, …).
    Sdk(SdkCall),
    Visit(String),
    Signup(String),
    Login(String),
    Logout,
    Send {
        payloads: Vec<Value>,
        endpoint: Endpoint,
    },
}

impl Action {
    /// The action's key in the file.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Sdk(call) => call.key(),
            Action::Visit(_) => "visit",
            Action::Signup(_) => "signup",
            Action::Login(_) => "login",
            Action::Logout => "logout",
            Action::Send { .. } => "send",
        }
    }

    /// Intents are expanded by a playbook; the rest are SDK calls or raw sends.
    pub fn is_intent(&self) -> bool {
        matches!(
            self,
            Action::Visit(_) | Action::Signup(_) | Action::Login(_) | Action::Logout
        )
    }

    pub fn needs_device(&self) -> bool {
        !matches!(self, Action::Send { .. })
    }
}

/// A refused file: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub step: Option<usize>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if let Some(s) = self.step {
            write!(f, ": step {s}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

pub const STEP_KEYS: &[&str] = &[
    "device",
    "note",
    "after",
    "same_tick",
    "track",
    "properties",
    "identify",
    "alias",
    "original",
    "reset",
    "register",
    "register_once",
    "unregister",
    "people_set",
    "people_set_once",
    "distinct_id",
    "import",
    "track_pageview",
    "opt_out",
    "opt_in",
    "visit",
    "signup",
    "login",
    "logout",
    "send",
    "endpoint",
];

pub const TOP_KEYS: &[&str] = &[
    "$schema",
    "name",
    "description",
    "token",
    "start",
    "devices",
    "steps",
    "expect",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(rename = "$schema")]
    schema: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    name: String,
    description: Option<String>,
    token: Option<String>,
    #[serde(default, deserialize_with = "start_time")]
    start: Option<i64>,
    #[serde(default)]
    devices: BTreeMap<String, DeviceSpec>,
    steps: Vec<RawStep>,
    expect: Option<Expect>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStep {
    device: Option<String>,
    note: Option<String>,
    #[serde(default, deserialize_with = "after_value")]
    after: Option<i64>,
    same_tick: Option<bool>,
    track: Option<String>,
    properties: Option<Map<String, Value>>,
    identify: Option<String>,
    alias: Option<String>,
    original: Option<String>,
    reset: Option<ResetValue>,
    register: Option<Map<String, Value>>,
    register_once: Option<Map<String, Value>>,
    unregister: Option<String>,
    people_set: Option<Map<String, Value>>,
    people_set_once: Option<Map<String, Value>>,
    /// A server library's profile update names its profile.
    distinct_id: Option<String>,
    /// A server library's import (`properties` as for `track`).
    import: Option<String>,
    track_pageview: Option<PageviewValue>,
    opt_out: Option<LogoutValue>,
    opt_in: Option<LogoutValue>,
    visit: Option<String>,
    signup: Option<String>,
    login: Option<String>,
    logout: Option<LogoutValue>,
    send: Option<Value>,
    endpoint: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ResetValue {
    Flag(bool),
    Pinned(PinnedReset),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedReset {
    device_id: String,
}

/// `true` for a flag action (`logout`, `opt_out`, `opt_in`).
#[derive(Deserialize)]
struct LogoutValue(bool);

/// `track_pageview`: `true`, or the properties to send with it.
#[derive(Deserialize)]
#[serde(untagged)]
enum PageviewValue {
    Flag(bool),
    Properties(Map<String, Value>),
}

/// Parses a scenario from its text. `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, LoadError> {
    let err = |step: Option<usize>, message: String| LoadError {
        file: file.to_string(),
        line: None,
        column: None,
        step,
        message,
    };
    if text.trim().is_empty() {
        return Err(LoadError {
            line: Some(1),
            column: Some(1),
            ..err(
                None,
                "the file is empty; expected a JSON object with `name` and `steps`".into(),
            )
        });
    }
    // Editors on Windows may start a file with a byte-order mark; it is not JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next();
    if first != Some('{') {
        let found = match first {
            Some('[') => "an array".to_string(),
            Some('"') => "a string".to_string(),
            Some(c) if c.is_ascii_digit() || c == '-' => "a number".to_string(),
            Some(c) => format!("`{}`", crate::text::visible(&c.to_string())),
            None => "nothing".to_string(),
        };
        let skipped = &text[..text.len() - text.trim_start().len()];
        return Err(LoadError {
            line: Some(skipped.matches('\n').count() + 1),
            column: Some(skipped.len() - skipped.rfind('\n').map_or(0, |i| i + 1) + 1),
            ..err(
                None,
                format!(
                    "found {found}; expected a scenario object {{\"name\": …, \"steps\": […]}}"
                ),
            )
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let serde_err = |e: serde_json::Error| LoadError {
        file: file.to_string(),
        line: Some(e.line()),
        column: Some(e.column()),
        step: None,
        message: explain_serde(&e),
    };
    let raw: RawScenario = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let (step, mut place) = describe_path(e.path());
        // "unknown key `x`" already names the key: keep only its parent.
        if inner.to_string().starts_with("unknown field") {
            place = match place.rfind('.') {
                Some(i) => format!("{}`: ", &place[..i]),
                None => String::new(),
            };
        }
        LoadError {
            file: file.to_string(),
            line: Some(inner.line()),
            column: Some(inner.column()),
            step,
            message: format!("{place}{}", explain_serde(inner)),
        }
    })?;
    de.end().map_err(serde_err)?;
    let start = raw
        .start
        .unwrap_or_else(|| parse_start(DEFAULT_START).expect("default start is valid"));
    for (name, spec) in &raw.devices {
        if let Some(id) = &spec.device_id {
            if id.is_empty() {
                return Err(err(
                    None,
                    format!("device {}: `device_id` is empty", crate::text::quoted(name)),
                ));
            }
        }
    }
    let steps = raw
        .steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| Step::from_raw(s).map_err(|m| err(Some(i + 1), m)))
        .collect::<Result<Vec<_>, _>>()?;
    // What each device's SDK has (a server has no identify; an app no page view).
    for (i, step) in steps.iter().enumerate() {
        if let (Some(device), Action::Sdk(call)) = (&step.device, &step.action) {
            let profile = raw
                .devices
                .get(device)
                .map(|d| d.profile())
                .unwrap_or_default(); // the scenario is not built yet: Scenario::profile_of
            profile.accepts(call).map_err(|m| {
                err(
                    Some(i + 1),
                    format!("device {} runs {m}", crate::text::quoted(device)),
                )
            })?;
        }
    }
    for (i, step) in steps.iter().enumerate().filter(|(_, s)| s.same_tick) {
        let previous = i.checked_sub(1).map(|p| &steps[p]);
        if previous.is_none_or(|p| p.device != step.device) {
            return Err(err(
                Some(i + 1),
                "`same_tick` continues the previous step's tick, so the previous step must be on the same device; expected it right after a step of that device".into(),
            ));
        }
    }
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        token: raw.token.unwrap_or_else(|| DEFAULT_TOKEN.to_string()),
        start,
        devices: raw.devices,
        steps,
        expect: raw.expect,
        schema: raw.schema,
    })
}

/// Where in the file an error is: the step (1-based) and a prefix naming the key, e.g.
/// "`identify`: " for `steps[1].identify`.
fn describe_path(path: &serde_path_to_error::Path) -> (Option<usize>, String) {
    use serde_path_to_error::Segment;
    let segs: Vec<&Segment> = path.iter().collect();
    let mut step = None;
    let mut keys: Vec<String> = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Segment::Seq { index }
                if i > 0 && matches!(segs[i - 1], Segment::Map { key } if key == "steps") =>
            {
                step = Some(index + 1);
                keys.clear();
            }
            Segment::Seq { index } => keys.push(format!("[{index}]")),
            Segment::Map { key } => keys.push(crate::text::visible(key).into_owned()),
            Segment::Enum { variant } => keys.push(crate::text::visible(variant).into_owned()),
            Segment::Unknown => {}
        }
    }
    if keys.len() > 6 {
        let n = keys.len();
        let last = keys[n - 1].clone();
        keys.truncate(3);
        keys.push(format!("…({} levels)…", n - 4));
        keys.push(last);
    }
    let place = if keys.is_empty() {
        String::new()
    } else {
        format!("`{}`: ", keys.join(".").replace(".[", "["))
    };
    (step, place)
}

/// Makes serde's message friendlier: suggests the closest key for a misspelt one.
fn explain_serde(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; we print the position ourselves.
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some(end) = rest.find('`') {
            let key = &rest[..end];
            let candidates: Vec<&str> = if rest.contains("`track`") {
                STEP_KEYS.to_vec()
            } else if rest.contains("`steps`") {
                TOP_KEYS.to_vec()
            } else {
                extract_expected(rest)
            };
            let shown = format!("`{}`", crate::text::visible(key));
            return match crate::text::closest(key, &candidates) {
                Some(best) => format!("unknown key {shown} — did you mean `{best}`?"),
                None => format!(
                    "unknown key {shown}; expected one of {}",
                    candidates
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let key = rest.trim_end_matches('`');
        return format!("missing key `{key}`; expected it in this object");
    }
    if let Some(rest) = msg.strip_prefix("duplicate field `") {
        let key = rest.trim_end_matches('`');
        return format!("key `{key}` appears twice; expected each key once");
    }
    if msg == "trailing characters" {
        return "text after the end of the scenario object; expected the end of the file".into();
    }
    if msg.starts_with("EOF while parsing") {
        return format!("the file ends too early ({msg}); expected the rest of the JSON");
    }
    if msg.starts_with("recursion limit exceeded") {
        return "JSON nested too deeply; expected at most 128 levels of arrays and objects".into();
    }
    if msg.contains("expected struct RawScenario") {
        return msg.replace(
            "expected struct RawScenario",
            "expected a scenario object with `name` and `steps`",
        );
    }
    if msg.contains("struct RawStep") {
        return msg.replace("struct RawStep", "a step object");
    }
    msg.replace(
        "data did not match any variant of untagged enum ResetValue",
        "expected `true` or {\"device_id\": \"…\"}",
    )
    .replace("tuple struct LogoutValue", "`true`")
    .replace(
        "struct Outcome",
        "an outcome object (clusters, failures, source, why)",
    )
    .replace(
        "struct Expect",
        "an object keyed by mode (legacy, original, simplified, variants)",
    )
    .replace(
        "struct Variant",
        "a variant object (mode, playbook, knobs, clusters, …)",
    )
    .replace(
        "struct Failure",
        "a failure object {\"step\": N, \"reason\": \"…\"}",
    )
    .replace(
        "struct DeviceSpec",
        "a device object {\"device_id\": \"…\", \"lib\": \"web\", …}",
    )
    .replace("struct Knobs", "a knobs object")
    .replace("struct PinnedReset", "{\"device_id\": \"…\"}")
}

fn extract_expected(rest: &str) -> Vec<&str> {
    rest.split('`')
        .skip(2)
        .step_by(2)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `name`: any non-blank text.
fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom("is empty; expected a short title"));
    }
    Ok(s)
}

/// `start`: an RFC 3339 time, as Unix seconds.
fn start_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s = String::deserialize(d)?;
    parse_start(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{} is not a time; expected RFC 3339 such as \"{DEFAULT_START}\"",
            crate::text::quoted(&s)
        ))
    })
}

/// `after`: a whole number and a unit, as milliseconds.
fn after_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s = String::deserialize(d)?;
    parse_after(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{} is not a delay; expected a whole number and a unit, like \"250ms\", \"30s\", \"5m\", \"2h\" or \"1d\"",
            crate::text::quoted(&s)
        ))
    })
}

/// RFC 3339 as unix seconds (`start`, and `--time` on the command line).
pub fn parse_start(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(t.unix_timestamp())
}

/// Parses `after`: a whole number followed by `ms`, `s`, `m`, `h` or `d`, as milliseconds.
pub fn parse_after(s: &str) -> Option<i64> {
    let (digits, scale) = if let Some(d) = s.strip_suffix("ms") {
        (d, 1)
    } else {
        let unit = s.chars().last()?;
        let scale = match unit {
            's' => 1000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => return None,
        };
        (&s[..s.len() - unit.len_utf8()], scale)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    n.checked_mul(scale)
        .filter(|v| *v <= 100 * 365 * 86_400_000)
}

impl Step {
    fn from_raw(raw: RawStep) -> Result<Step, String> {
        let mut found: Vec<(&'static str, Action)> = Vec::new();
        if let Some(event) = raw.track {
            found.push((
                "track",
                Action::Sdk(SdkCall::Track {
                    event,
                    properties: raw.properties.clone().unwrap_or_default(),
                }),
            ));
        }
        if let Some(id) = raw.identify {
            found.push(("identify", Action::Sdk(SdkCall::Identify(id))));
        }
        if let Some(alias) = raw.alias {
            found.push((
                "alias",
                Action::Sdk(SdkCall::Alias {
                    alias,
                    original: raw.original.clone(),
                }),
            ));
        }
        if let Some(r) = raw.reset {
            let device_id = match r {
                ResetValue::Flag(true) => None,
                ResetValue::Flag(false) => {
                    return Err(
                        "`reset` is false; expected `true` or {\"device_id\": \"…\"}".into(),
                    )
                }
                ResetValue::Pinned(p) if p.device_id.is_empty() => {
                    return Err("`reset.device_id` is empty".into())
                }
                ResetValue::Pinned(p) => Some(p.device_id),
            };
            found.push(("reset", Action::Sdk(SdkCall::Reset { device_id })));
        }
        if let Some(p) = raw.register {
            found.push(("register", Action::Sdk(SdkCall::Register(p))));
        }
        if let Some(p) = raw.register_once {
            found.push(("register_once", Action::Sdk(SdkCall::RegisterOnce(p))));
        }
        if let Some(k) = raw.unregister {
            found.push(("unregister", Action::Sdk(SdkCall::Unregister(k))));
        }
        for (key, props, once) in [
            ("people_set", raw.people_set, false),
            ("people_set_once", raw.people_set_once, true),
        ] {
            let Some(p) = props else { continue };
            let call = match raw.distinct_id.clone() {
                None => {
                    if once {
                        SdkCall::PeopleSetOnce(p)
                    } else {
                        SdkCall::PeopleSet(p)
                    }
                }
                Some(id) if id.is_empty() => return Err("`distinct_id` is empty".into()),
                Some(distinct_id) => SdkCall::PeopleSetFor {
                    distinct_id,
                    properties: p,
                    once,
                },
            };
            found.push((key, Action::Sdk(call)));
        }
        if let Some(event) = raw.import {
            found.push((
                "import",
                Action::Sdk(SdkCall::Import {
                    event,
                    properties: raw.properties.clone().unwrap_or_default(),
                }),
            ));
        }
        if let Some(v) = raw.track_pageview {
            let props = match v {
                PageviewValue::Flag(true) => Map::new(),
                PageviewValue::Flag(false) => {
                    return Err(
                        "`track_pageview` is false; expected `true` or an object of properties"
                            .into(),
                    )
                }
                PageviewValue::Properties(p) => p,
            };
            found.push(("track_pageview", Action::Sdk(SdkCall::TrackPageview(props))));
        }
        for (key, flag, action) in [
            ("opt_out", raw.opt_out, Action::Sdk(SdkCall::OptOut)),
            ("opt_in", raw.opt_in, Action::Sdk(SdkCall::OptIn)),
        ] {
            if let Some(LogoutValue(flag)) = flag {
                if !flag {
                    return Err(format!("`{key}` is false; expected `true`"));
                }
                found.push((key, action));
            }
        }
        if let Some(page) = raw.visit {
            found.push(("visit", Action::Visit(page)));
        }
        if let Some(u) = raw.signup {
            found.push(("signup", Action::Signup(u)));
        }
        if let Some(u) = raw.login {
            found.push(("login", Action::Login(u)));
        }
        if let Some(LogoutValue(flag)) = raw.logout {
            if !flag {
                return Err("`logout` is false; expected `true`".into());
            }
            found.push(("logout", Action::Logout));
        }
        if let Some(send) = raw.send {
            let payloads = match send {
                Value::Object(_) => vec![send],
                Value::Array(items) => {
                    if items.is_empty() {
                        return Err(
                            "`send` is an empty array; expected at least one payload object".into(),
                        );
                    }
                    if let Some(i) = items.iter().position(|v| !v.is_object()) {
                        return Err(format!(
                            "`send` item {} is not an object; expected payload objects such as {{\"event\": \"…\", \"properties\": {{…}}}}",
                            i + 1
                        ));
                    }
                    items
                }
                other => {
                    return Err(format!(
                        "`send` is {}; expected a payload object or an array of them",
                        json_kind(&other)
                    ))
                }
            };
            let endpoint = match raw.endpoint.as_deref() {
                None | Some("track") => Endpoint::Track,
                Some("import") => Endpoint::Import,
                Some("engage") => Endpoint::Engage,
                Some(other) => {
                    return Err(format!(
                        "`endpoint` is {}; expected \"track\", \"import\" or \"engage\"",
                        crate::text::quoted(other)
                    ))
                }
            };
            found.push(("send", Action::Send { payloads, endpoint }));
        }
        let action = match found.len() {
            0 => {
                return Err(
                    "the step has no action; expected one of `track`, `identify`, `alias`, `reset`, `register`, `register_once`, `unregister`, `people_set`, `people_set_once`, `track_pageview`, `opt_out`, `opt_in`, `import`, `visit`, `signup`, `login`, `logout`, `send`"
                        .into(),
                )
            }
            1 => found.pop().expect("one action").1,
            _ => {
                let keys: Vec<String> = found.iter().map(|(k, _)| format!("`{k}`")).collect();
                return Err(format!(
                    "the step has {} actions ({}); expected exactly one — split it into several steps",
                    keys.len(),
                    keys.join(", ")
                ));
            }
        };
        let key = action.key();
        if raw.properties.is_some() && key != "track" && key != "import" {
            return Err(format!(
                "`properties` goes with `track` or `import`, not with `{key}`; expected it only on those steps"
            ));
        }
        if raw.distinct_id.is_some() && key != "people_set" && key != "people_set_once" {
            return Err(format!(
                "`distinct_id` goes with a server's `people_set` or `people_set_once`, not with `{key}`; on `track` or `import` it goes in `properties`"
            ));
        }
        if raw.original.is_some() && key != "alias" {
            return Err(format!(
                "`original` goes with `alias`, not with `{key}`; expected it only on an `alias` step"
            ));
        }
        if raw.endpoint.is_some() && key != "send" {
            return Err(format!(
                "`endpoint` goes with `send`, not with `{key}`; expected it only on a `send` step"
            ));
        }
        match (&raw.device, action.needs_device()) {
            (None, true) => {
                return Err(format!(
                    "`{key}` runs on a device, but the step has no `device`; expected e.g. \"device\": \"web\" (any name)"
                ))
            }
            (Some(_), false) => {
                return Err(
                    "`send` goes straight to the API and takes no `device`; expected no `device` on a `send` step"
                        .into(),
                )
            }
            (Some(d), true) if d.is_empty() => {
                return Err("`device` is empty; expected a device name such as \"web\"".into())
            }
            _ => {}
        }
        let same_tick = raw.same_tick.unwrap_or(false);
        if same_tick && raw.after.is_some() {
            return Err(
                "`after` and `same_tick` contradict each other: a step in the same tick happens at the same time; expected one of them"
                    .into(),
            );
        }
        if same_tick && !action.needs_device() {
            return Err("`send` goes straight to the API and has no tick; expected no `same_tick` on a `send` step".into());
        }
        let advance_ms = if same_tick {
            0
        } else {
            raw.after.unwrap_or(1000)
        };
        Ok(Step {
            device: raw.device,
            action,
            note: raw.note,
            advance_ms,
            same_tick,
        })
    }
}

impl Scenario {
    /// The SDK a device runs (`devices.NAME.lib`; a device not listed is a browser).
    pub fn profile_of(&self, device: &str) -> crate::sdk::Profile {
        self.devices
            .get(device)
            .map(|d| d.profile())
            .unwrap_or_default()
    }
}

/// Moves the scenario's clock so its last step happens at `end_secs` (unix seconds): sets
/// `start`, and the steps keep their spacing (`advance_ms`). A scenario without steps starts
/// at `end_secs`. `start` is whole seconds, so when the steps' advances do not add up to
/// whole seconds the last step lands within the second before `end_secs`, never after it.
/// Only the clock moves: a `send` step's payloads keep the `time` they carry.
pub fn end_at(scenario: &mut Scenario, end_secs: i64) {
    let span_ms = scenario
        .steps
        .iter()
        .fold(0i64, |t, s| t.saturating_add(s.advance_ms));
    scenario.start = end_secs
        .saturating_mul(1000)
        .saturating_sub(span_ms)
        .div_euclid(1000);
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(s: &str) -> Scenario {
        parse(s, "t.json").unwrap()
    }

    fn parse_err(s: &str) -> LoadError {
        parse(s, "t.json").unwrap_err()
    }

    #[test]
    fn defaults_for_token_and_start() {
        let s = parse_ok(r#"{"name":"x","steps":[]}"#);
        assert_eq!(s.token, "demo-token");
        assert_eq!(s.start, 1_767_258_000);
    }

    #[test]
    fn end_at_puts_the_last_step_at_the_time_and_keeps_the_spacing() {
        let mut s = parse_ok(
            r#"{"name":"x","steps":[{"device":"w","visit":"a"},{"device":"w","visit":"b","after":"6d"},{"device":"w","visit":"c","after":"2s"}]}"#,
        );
        let last =
            |s: &Scenario| s.start * 1000 + s.steps.iter().map(|t| t.advance_ms).sum::<i64>();
        let spacing: Vec<i64> = s.steps.iter().map(|t| t.advance_ms).collect();
        end_at(&mut s, 1_800_000_000);
        assert_eq!(last(&s), 1_800_000_000_000);
        assert_eq!(
            s.steps.iter().map(|t| t.advance_ms).collect::<Vec<_>>(),
            spacing
        );
        // That the run's last step is then at the time: tests/cli/conventions.rs (`--time`).

        // Advances that are not whole seconds: within the second before, never after.
        s.steps[2].advance_ms = 2_500;
        end_at(&mut s, 1_800_000_000);
        assert_eq!(last(&s), 1_800_000_000_000 - 500);

        let mut empty = parse_ok(r#"{"name":"x","steps":[]}"#);
        end_at(&mut empty, 42);
        assert_eq!(empty.start, 42);
    }

    #[test]
    fn unknown_step_key_is_named_with_a_suggestion() {
        let e = parse_err(r#"{"name":"x","steps":[{"device":"w","identfy":"a"}]}"#);
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("`identfy`"), "{}", e.message);
        assert!(
            e.message.contains("did you mean `identify`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn two_actions_name_the_step() {
        let e = parse_err(
            r#"{"name":"x","steps":[{"device":"w","visit":"a"},{"device":"w","identify":"a","login":"b"}]}"#,
        );
        assert_eq!(e.step, Some(2));
        assert!(e.message.contains("2 actions"), "{}", e.message);
    }

    #[test]
    fn device_action_without_device() {
        let e = parse_err(r#"{"name":"x","steps":[{"visit":"a"}]}"#);
        assert_eq!(e.step, Some(1));
        assert!(e.message.contains("no `device`"));
    }

    #[test]
    fn after_units() {
        assert_eq!(parse_after("250ms"), Some(250));
        assert_eq!(parse_after("30s"), Some(30_000));
        assert_eq!(parse_after("5m"), Some(300_000));
        assert_eq!(parse_after("2h"), Some(7_200_000));
        assert_eq!(parse_after("1d"), Some(86_400_000));
        assert_eq!(parse_after("ms"), None);
        assert_eq!(parse_after("1"), None);
        assert_eq!(parse_after("s"), None);
        assert_eq!(parse_after("-1s"), None);
        assert_eq!(parse_after("1é"), None);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = parse_err("{\n  \"name\": \"x\",\n  \"steps\": [\n");
        assert_eq!(e.line, Some(4));
        assert!(e.to_string().starts_with("t.json:4:"), "{e}");
    }

    #[test]
    fn send_forms() {
        let s = parse_ok(
            r#"{"name":"x","steps":[{"send":{"event":"a"},"endpoint":"import"},{"send":[{"event":"a"},{"event":"b"}]}]}"#,
        );
        assert!(
            matches!(&s.steps[0].action, Action::Send{payloads, endpoint: Endpoint::Import} if payloads.len()==1)
        );
        assert!(
            matches!(&s.steps[1].action, Action::Send{payloads, endpoint: Endpoint::Track} if payloads.len()==2)
        );
        let e = parse_err(r#"{"name":"x","steps":[{"send":"oops"}]}"#);
        assert!(e.message.contains("a string"));
        let e = parse_err(r#"{"name":"x","steps":[{"send":{},"endpoint":"people"}]}"#);
        assert!(
            e.message.contains("`endpoint` is \"people\"; expected"),
            "{}",
            e.message
        );
    }
}
