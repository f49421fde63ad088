//! The SDK side: how a device's SDK turns calls into wire payloads. Each SDK is a
//! *profile* with its own module (one today: [`mixpanel_js`]); a scenario device picks one
//! with `lib`. An SDK never knows the project's identity mode: the same calls send the same
//! payloads under every mode.
//!
//! Adding an SDK: a module implementing [`Device`], a [`Profile`] variant naming it, and its
//! rule tests (see ARCHITECTURE.md).

pub mod mixpanel_js;

use crate::ids::IdSource;
use crate::model::{Choice, Endpoint};
use serde_json::{Map, Value};
use std::fmt;

/// One payload as it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub endpoint: Endpoint,
    pub body: Value,
}

/// An SDK method call, as a playbook or a scenario step asks for it.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkCall {
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
}

impl fmt::Display for SdkCall {
    /// The call as JavaScript, e.g. `track("Sign Up")`, `identify("alice")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |v: &str| Value::String(v.to_string()).to_string();
        let o = |m: &Map<String, Value>| Value::Object(m.clone()).to_string();
        match self {
            SdkCall::Track { event, properties } if properties.is_empty() => {
                write!(f, "track({})", s(event))
            }
            SdkCall::Track { event, properties } => {
                write!(f, "track({}, {})", s(event), o(properties))
            }
            SdkCall::Identify(id) => write!(f, "identify({})", s(id)),
            SdkCall::Alias {
                alias,
                original: None,
            } => write!(f, "alias({})", s(alias)),
            SdkCall::Alias {
                alias,
                original: Some(orig),
            } => write!(f, "alias({}, {})", s(alias), s(orig)),
            SdkCall::Reset { .. } => write!(f, "reset()"),
            SdkCall::Register(p) => write!(f, "register({})", o(p)),
            SdkCall::PeopleSet(p) => write!(f, "people.set({})", o(p)),
        }
    }
}

/// What the SDK knows when it builds a payload: the token, the clock and the id source.
pub struct Context<'a> {
    pub token: &'a str,
    pub time: i64,
    pub ids: &'a mut IdSource,
    /// Index the next payload will have in the run (for `$insert_id`).
    pub next_index: usize,
}

/// One SDK instance on one device, with its own persistent state.
pub trait Device: fmt::Debug + Send + Sync {
    fn profile(&self) -> Profile;
    /// Runs one call; returns the payloads it sent and a note when the SDK refused or
    /// skipped something.
    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> (Vec<Payload>, Option<String>);
    /// What `get_distinct_id()` returns now.
    fn distinct_id(&self) -> String;
    /// The identified user, if any (`$user_id`).
    fn user_id(&self) -> Option<String>;
    /// Every device id this device has had, in order (index = reset count).
    fn device_ids(&self) -> &[String];
    fn clone_box(&self) -> Box<dyn Device>;
}

impl Clone for Box<dyn Device> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Which SDK a device runs: the scenario's `devices.NAME.lib` (the SDK's own `mp_lib`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// mixpanel-js in a browser (`mp_lib: "web"`).
    #[default]
    MixpanelJs,
}

impl Choice for Profile {
    const ALL: &'static [Profile] = &[Profile::MixpanelJs];

    /// The `lib` value that selects it.
    fn name(self) -> &'static str {
        match self {
            Profile::MixpanelJs => "web",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Profile::MixpanelJs => "mixpanel-js in a browser",
        }
    }
}

impl Profile {
    /// A new device running this SDK, with its first device id (SDK-INIT).
    pub fn device(self, name: &str, device_id: String) -> Box<dyn Device> {
        match self {
            Profile::MixpanelJs => Box::new(mixpanel_js::Device::new(name, device_id)),
        }
    }
}
