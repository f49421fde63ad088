//! The scenario file (format spec §1): parsing and validation into a typed [`Scenario`].
//!
//! Parsing is two-phase: serde reads a permissive raw shape (rejecting unknown keys with
//! line:column), then [`Step::from_raw`] checks the rules serde cannot express (exactly one
//! action per step, `device` on device actions, `after` syntax) and names the step.

use crate::expect::Expect;
use crate::model::Endpoint;
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

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// Pins the device's first id; later ids (after reset) are generated.
    pub device_id: Option<String>,
    /// Reserved for other SDKs; only `"web"` (mixpanel-js) is emulated.
    pub lib: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub device: Option<String>,
    pub action: Action,
    pub note: Option<String>,
    /// Seconds the clock advances before this step (default 1).
    pub advance: i64,
}

/// One step's action (format spec §1 table).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Track {
        event: String,
        properties: Map<String, Value>,
    },
    Identify(String),
    Alias {
        alias: String,
        original: Option<String>,
    },
    Reset {
        device_id: Option<String>,
    },
    Register(Map<String, Value>),
    PeopleSet(Map<String, Value>),
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
            Action::Track { .. } => "track",
            Action::Identify(_) => "identify",
            Action::Alias { .. } => "alias",
            Action::Reset { .. } => "reset",
            Action::Register(_) => "register",
            Action::PeopleSet(_) => "people_set",
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
    "track",
    "properties",
    "identify",
    "alias",
    "original",
    "reset",
    "register",
    "people_set",
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
    name: String,
    description: Option<String>,
    token: Option<String>,
    start: Option<String>,
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
    after: Option<String>,
    track: Option<String>,
    properties: Option<Map<String, Value>>,
    identify: Option<String>,
    alias: Option<String>,
    original: Option<String>,
    reset: Option<ResetValue>,
    register: Option<Map<String, Value>>,
    people_set: Option<Map<String, Value>>,
    visit: Option<String>,
    signup: Option<String>,
    login: Option<String>,
    logout: Option<LogoutValue>,
    send: Option<Value>,
    endpoint: Option<Endpoint>,
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

#[derive(Deserialize)]
struct LogoutValue(bool);

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
        return Err(err(
            None,
            "the file is empty; expected a JSON object with `name` and `steps`".into(),
        ));
    }
    let raw: RawScenario = serde_json::from_str(text).map_err(|e| LoadError {
        file: file.to_string(),
        line: Some(e.line()),
        column: Some(e.column()),
        step: None,
        message: explain_serde(&e),
    })?;
    if raw.name.trim().is_empty() {
        return Err(err(None, "`name` is empty; expected a short title".into()));
    }
    let start = match &raw.start {
        None => parse_start(DEFAULT_START).expect("default start is valid"),
        Some(s) => parse_start(s).ok_or_else(|| {
            err(
                None,
                format!(
                    "`start` is {}; expected an RFC 3339 time such as \"{DEFAULT_START}\"",
                    crate::text::quoted(s)
                ),
            )
        })?,
    };
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
    if msg.starts_with("recursion limit exceeded") {
        return "JSON nested too deeply (more than 128 levels)".into();
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
        "untagged enum ResetValue",
        "`true` or {\"device_id\": \"…\"}",
    )
    .replace("tuple struct LogoutValue", "`true`")
}

fn extract_expected(rest: &str) -> Vec<&str> {
    rest.split('`')
        .skip(2)
        .step_by(2)
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_start(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(t.unix_timestamp())
}

/// Parses `after`: a whole number followed by `s`, `m`, `h` or `d`.
pub fn parse_after(s: &str) -> Option<i64> {
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(scale).filter(|v| *v <= 100 * 365 * 86_400)
}

impl Step {
    fn from_raw(raw: RawStep) -> Result<Step, String> {
        let mut found: Vec<(&'static str, Action)> = Vec::new();
        if let Some(event) = raw.track {
            found.push((
                "track",
                Action::Track {
                    event,
                    properties: raw.properties.clone().unwrap_or_default(),
                },
            ));
        }
        if let Some(id) = raw.identify {
            found.push(("identify", Action::Identify(id)));
        }
        if let Some(alias) = raw.alias {
            found.push((
                "alias",
                Action::Alias {
                    alias,
                    original: raw.original.clone(),
                },
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
            found.push(("reset", Action::Reset { device_id }));
        }
        if let Some(p) = raw.register {
            found.push(("register", Action::Register(p)));
        }
        if let Some(p) = raw.people_set {
            found.push(("people_set", Action::PeopleSet(p)));
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
            found.push((
                "send",
                Action::Send {
                    payloads,
                    endpoint: raw.endpoint.unwrap_or_default(),
                },
            ));
        }
        let action = match found.len() {
            0 => {
                return Err(
                    "the step has no action; expected one of `track`, `identify`, `alias`, `reset`, `register`, `people_set`, `visit`, `signup`, `login`, `logout`, `send`"
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
        if raw.properties.is_some() && key != "track" {
            return Err(format!("`properties` goes with `track`, not with `{key}`"));
        }
        if raw.original.is_some() && key != "alias" {
            return Err(format!("`original` goes with `alias`, not with `{key}`"));
        }
        if raw.endpoint.is_some() && key != "send" {
            return Err(format!("`endpoint` goes with `send`, not with `{key}`"));
        }
        match (&raw.device, action.needs_device()) {
            (None, true) => {
                return Err(format!(
                    "`{key}` runs on a device, but the step has no `device`; add \"device\": \"web\" (any name)"
                ))
            }
            (Some(_), false) => {
                return Err("`send` goes straight to the API and takes no `device`".into())
            }
            (Some(d), true) if d.is_empty() => return Err("`device` is empty".into()),
            _ => {}
        }
        let advance = match &raw.after {
            None => 1,
            Some(a) => parse_after(a).ok_or_else(|| {
                format!(
                    "`after` is {}; expected a whole number and a unit, like \"30s\", \"5m\", \"2h\" or \"1d\"",
                    crate::text::quoted(a)
                )
            })?,
        };
        Ok(Step {
            device: raw.device,
            action,
            note: raw.note,
            advance,
        })
    }
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
        assert_eq!(parse_after("30s"), Some(30));
        assert_eq!(parse_after("5m"), Some(300));
        assert_eq!(parse_after("2h"), Some(7200));
        assert_eq!(parse_after("1d"), Some(86400));
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
            e.message.contains("unknown variant `people`"),
            "{}",
            e.message
        );
    }
}
