//! The SDK side: how a device's SDK turns calls into wire requests. Each SDK is a
//! *profile* with its own module — the browser ([`mixpanel_js`]), the server libraries
//! ([`mixpanel_node`], [`mixpanel_python`], sharing [`server`]) and the mobile SDKs
//! ([`mixpanel_swift`], [`mixpanel_android`], [`mixpanel_react_native`], sharing
//! [`mobile`]); a scenario device picks one with `lib`. An SDK never knows the project's identity mode: the same calls send the same
//! payloads under every mode.
//!
//! Calls within one scenario step run in one JavaScript tick; between steps the device
//! *settles* (callbacks run, queued batches are flushed), unless the next step says
//! `same_tick`. That is when the SDK does work it scheduled, e.g. the `identify` that
//! mixpanel-js runs in the callback of `alias`'s request.
//!
//! Adding an SDK: a module implementing [`Device`], a [`Profile`] variant naming it, and its
//! rule tests (see ARCHITECTURE.md).

pub mod mixpanel_android;
pub mod mixpanel_js;
pub mod mixpanel_node;
pub mod mixpanel_python;
pub mod mixpanel_react_native;
pub mod mixpanel_swift;
pub mod mobile;
pub mod server;

use crate::ids::IdSource;
use crate::model::{Choice, Endpoint};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// One payload as it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub endpoint: Endpoint,
    pub body: Value,
}

/// One HTTP request: a single payload, or a batch of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub endpoint: Endpoint,
    pub payloads: Vec<Value>,
}

/// What one call (or the device's init) sent right away, and what the SDK refused or
/// skipped, in words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sent {
    pub requests: Vec<Request>,
    pub notes: Vec<String>,
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
    RegisterOnce(Map<String, Value>),
    Unregister(String),
    PeopleSet(Map<String, Value>),
    PeopleSetOnce(Map<String, Value>),
    TrackPageview(Map<String, Value>),
    OptOut,
    OptIn,
    /// A server library's import of one event (mixpanel-node `import`, mixpanel-python
    /// `import_data`): `/import` with the project's credentials; `time` in the properties.
    Import {
        event: String,
        properties: Map<String, Value>,
    },
    /// A server library's profile update: `people.set(distinct_id, …)` (node),
    /// `people_set(distinct_id, …)` (python); `once` for `set_once`.
    PeopleSetFor {
        distinct_id: String,
        properties: Map<String, Value>,
        once: bool,
    },
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
            SdkCall::RegisterOnce(p) => write!(f, "register_once({})", o(p)),
            SdkCall::Unregister(k) => write!(f, "unregister({})", s(k)),
            SdkCall::PeopleSet(p) => write!(f, "people.set({})", o(p)),
            SdkCall::PeopleSetOnce(p) => write!(f, "people.set_once({})", o(p)),
            SdkCall::TrackPageview(p) if p.is_empty() => write!(f, "track_pageview()"),
            SdkCall::TrackPageview(p) => write!(f, "track_pageview({})", o(p)),
            SdkCall::OptOut => write!(f, "opt_out_tracking()"),
            SdkCall::OptIn => write!(f, "opt_in_tracking()"),
            SdkCall::Import { event, properties } => {
                write!(f, "import({}, {})", s(event), o(properties))
            }
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => write!(
                f,
                "people.{}({}, {})",
                if *once { "set_once" } else { "set" },
                s(distinct_id),
                o(properties)
            ),
        }
    }
}

impl SdkCall {
    /// The call's key in a scenario file (`track`, `people_set`, `opt_out`, …).
    pub fn key(&self) -> &'static str {
        match self {
            SdkCall::Track { .. } => "track",
            SdkCall::Identify(_) => "identify",
            SdkCall::Alias { .. } => "alias",
            SdkCall::Reset { .. } => "reset",
            SdkCall::Register(_) => "register",
            SdkCall::RegisterOnce(_) => "register_once",
            SdkCall::Unregister(_) => "unregister",
            SdkCall::PeopleSet(_) => "people_set",
            SdkCall::PeopleSetOnce(_) => "people_set_once",
            SdkCall::TrackPageview(_) => "track_pageview",
            SdkCall::OptOut => "opt_out",
            SdkCall::OptIn => "opt_in",
            SdkCall::Import { .. } => "import",
            SdkCall::PeopleSetFor { once: false, .. } => "people_set",
            SdkCall::PeopleSetFor { once: true, .. } => "people_set_once",
        }
    }

    /// The call as a JavaScript method name and arguments (`("people.set", [{…}])`), as
    /// the conformance harness replays it against the real SDK.
    pub fn js(&self) -> (&'static str, Vec<Value>) {
        let s = |v: &str| Value::String(v.to_string());
        let o = |m: &Map<String, Value>| Value::Object(m.clone());
        match self {
            SdkCall::Track { event, properties } if properties.is_empty() => {
                ("track", vec![s(event)])
            }
            SdkCall::Track { event, properties } => ("track", vec![s(event), o(properties)]),
            SdkCall::Identify(id) => ("identify", vec![s(id)]),
            SdkCall::Alias {
                alias,
                original: None,
            } => ("alias", vec![s(alias)]),
            SdkCall::Alias {
                alias,
                original: Some(orig),
            } => ("alias", vec![s(alias), s(orig)]),
            SdkCall::Reset { .. } => ("reset", vec![]),
            SdkCall::Register(p) => ("register", vec![o(p)]),
            SdkCall::RegisterOnce(p) => ("register_once", vec![o(p)]),
            SdkCall::Unregister(k) => ("unregister", vec![s(k)]),
            SdkCall::PeopleSet(p) => ("people.set", vec![o(p)]),
            SdkCall::PeopleSetOnce(p) => ("people.set_once", vec![o(p)]),
            SdkCall::TrackPageview(p) if p.is_empty() => ("track_pageview", vec![]),
            SdkCall::TrackPageview(p) => ("track_pageview", vec![o(p)]),
            SdkCall::OptOut => ("opt_out_tracking", vec![]),
            SdkCall::OptIn => ("opt_in_tracking", vec![]),
            SdkCall::Import { event, properties } => ("import", vec![s(event), o(properties)]),
            SdkCall::PeopleSetFor {
                distinct_id,
                properties,
                once,
            } => (
                if *once {
                    "people.set_once"
                } else {
                    "people.set"
                },
                vec![s(distinct_id), o(properties)],
            ),
        }
    }
}

/// What the SDK knows when it builds a payload: the token, the clock and the id source.
pub struct Context<'a> {
    pub token: &'a str,
    /// Wall-clock time of the call, in milliseconds since the epoch.
    pub time_ms: i64,
    pub ids: &'a mut IdSource,
    /// Index the next payload will have in the run (for `$insert_id`).
    pub next_index: usize,
}

/// One SDK instance on one device, with its own persistent state.
pub trait Device: fmt::Debug + Send + Sync {
    fn profile(&self) -> Profile;
    /// The page loads and the SDK is initialised (it may send, e.g. a page view).
    fn init(&mut self, ctx: &mut Context) -> Sent;
    /// Runs one call: what left at once, and notes when the SDK refused or skipped something.
    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> Sent;
    /// Lets everything pending finish — callbacks and queued batches — and returns what was
    /// sent meanwhile, in order.
    fn settle(&mut self, ctx: &mut Context) -> Vec<Request>;
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
    /// The `mixpanel` npm package on a server (`mp_lib: "node"`).
    Node,
    /// The `mixpanel` PyPI package on a server (`mp_lib: "python"`).
    Python,
    /// mixpanel-swift in an iOS app (`mp_lib: "swift"`).
    Swift,
    /// mixpanel-android in an Android app (`mp_lib: "android"`).
    Android,
    /// mixpanel-react-native in JavaScript mode (`mp_lib: "react-native"`).
    ReactNative,
}

/// Where an SDK runs: what it keeps and which calls it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Browser,
    /// Keeps no identity of its own: every call names its ids (the code's session aside).
    Server,
    Mobile,
}

impl Choice for Profile {
    const ALL: &'static [Profile] = &[
        Profile::MixpanelJs,
        Profile::Node,
        Profile::Python,
        Profile::Swift,
        Profile::Android,
        Profile::ReactNative,
    ];

    /// The `lib` value that selects it.
    fn name(self) -> &'static str {
        match self {
            Profile::MixpanelJs => "web",
            Profile::Node => "node",
            Profile::Python => "python",
            Profile::Swift => "swift",
            Profile::Android => "android",
            Profile::ReactNative => "react-native",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Profile::MixpanelJs => "mixpanel-js in a browser",
            Profile::Node => "the mixpanel npm package on a server",
            Profile::Python => "the mixpanel PyPI package on a server",
            Profile::Swift => "mixpanel-swift in an iOS app",
            Profile::Android => "mixpanel-android in an Android app",
            Profile::ReactNative => "mixpanel-react-native (JavaScript mode) in an app",
        }
    }
}

impl Profile {
    /// The SDK's package name, as its users know it.
    pub fn package(self) -> &'static str {
        match self {
            Profile::MixpanelJs => mixpanel_js::PACKAGE,
            Profile::Node => mixpanel_node::PACKAGE,
            Profile::Python => mixpanel_python::PACKAGE,
            Profile::Swift => mixpanel_swift::PACKAGE,
            Profile::Android => mixpanel_android::PACKAGE,
            Profile::ReactNative => mixpanel_react_native::PACKAGE,
        }
    }

    /// The version emulated.
    pub fn version(self) -> &'static str {
        match self {
            Profile::MixpanelJs => mixpanel_js::VERSION,
            Profile::Node => mixpanel_node::VERSION,
            Profile::Python => mixpanel_python::VERSION,
            Profile::Swift => mixpanel_swift::VERSION,
            Profile::Android => mixpanel_android::VERSION,
            Profile::ReactNative => mixpanel_react_native::VERSION,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Profile::MixpanelJs => Kind::Browser,
            Profile::Node | Profile::Python => Kind::Server,
            Profile::Swift | Profile::Android | Profile::ReactNative => Kind::Mobile,
        }
    }

    /// Whether the emulation was checked by running the real SDK (`conformance/`); the
    /// others are read from the SDK's source.
    pub fn verified(self) -> bool {
        matches!(self, Profile::MixpanelJs | Profile::Node | Profile::Python)
    }

    /// How the emulation is known to be right: "verified by running" the real SDK
    /// (`conformance/`), or "from source".
    pub fn evidence(self) -> &'static str {
        if self.verified() {
            "verified by running it (conformance/)"
        } else {
            "from source (read, not run)"
        }
    }

    /// "mixpanel-browser 2.83.0".
    pub fn label(self) -> String {
        format!("{} {}", self.package(), self.version())
    }

    /// A new device running this SDK, with its first device id (SDK-INIT) and the device's
    /// spec from the scenario. Call [`Device::init`] before its first call.
    pub fn device(self, name: &str, device_id: String, spec: &DeviceSpec) -> Box<dyn Device> {
        match self {
            Profile::MixpanelJs => Box::new(mixpanel_js::Device::new(name, device_id, spec)),
            Profile::Node => Box::new(server::Device::new(&mixpanel_node::NODE, name, device_id)),
            Profile::Python => Box::new(server::Device::new(
                &mixpanel_python::PYTHON,
                name,
                device_id,
            )),
            Profile::Swift => Box::new(mobile::Device::new(
                &mixpanel_swift::SWIFT,
                name,
                device_id,
                spec,
            )),
            Profile::Android => Box::new(mobile::Device::new(
                &mixpanel_android::ANDROID,
                name,
                device_id,
                spec,
            )),
            Profile::ReactNative => Box::new(mobile::Device::new(
                &mixpanel_react_native::REACT_NATIVE,
                name,
                device_id,
                spec,
            )),
        }
    }

    /// Whether this SDK has the call, or why not (said where the scenario writes it).
    pub fn accepts(self, call: &SdkCall) -> Result<(), String> {
        let key = call.key();
        let lacks = |why: &str| Err(format!("{} has no `{key}`: {why}", self.label()));
        match (self.kind(), call) {
            (Kind::Server, SdkCall::Track { .. } | SdkCall::Import { .. } | SdkCall::PeopleSetFor { .. }) => Ok(()),
            (Kind::Server, SdkCall::Alias { original: Some(_), .. }) => Ok(()),
            (Kind::Server, SdkCall::Alias { original: None, .. }) => Err(
                "a server library's `alias` names both ids: expected `original` (the distinct_id the alias points to) on the step".to_string(),
            ),
            (Kind::Server, SdkCall::PeopleSet(_) | SdkCall::PeopleSetOnce(_)) => Err(format!(
                "a server library's `{key}` names the profile: expected `distinct_id` on the step"
            )),
            (Kind::Server, SdkCall::Identify(_) | SdkCall::Reset { .. }) => lacks(
                "a server keeps no identity; send `$device_id`/`$user_id` (Simplified) or an `$identify` event (Original) on `track`, or use the `signup`/`login`/`logout` intents, which follow the server-side recipe of the playbook",
            ),
            (Kind::Server, _) => lacks("it is a browser or app call"),
            (_, SdkCall::Import { .. } | SdkCall::PeopleSetFor { .. }) => {
                lacks("it is a server library's call")
            }
            (Kind::Mobile, SdkCall::TrackPageview(_)) => lacks("page views are the browser's"),
            _ => Ok(()),
        }
    }

    /// The language the SDK's users write.
    pub fn language(self) -> &'static str {
        match self {
            Profile::MixpanelJs | Profile::Node | Profile::ReactNative => "JavaScript",
            Profile::Python => "Python",
            Profile::Swift => "Swift",
            Profile::Android => "Kotlin",
        }
    }

    /// A line comment in that language.
    pub fn comment(self) -> &'static str {
        match self {
            Profile::Python => "#",
            _ => "//",
        }
    }

    /// How the SDK's users create it with `token`, in their language.
    pub fn init_text(self, token: &str) -> String {
        let t = Value::String(token.to_string()).to_string();
        match self {
            Profile::MixpanelJs => format!("mixpanel.init({t});"),
            // Service-account credentials: without them `import` throws (SDK-NODE-IMPORT).
            // `var`: a listing of two servers declares them twice and still parses.
            Profile::Node => format!(
                "var Mixpanel = require(\"mixpanel\");\nvar mixpanel = Mixpanel.init({t}, {{ credentials: new Mixpanel.ServiceAccountCredentials(process.env.MIXPANEL_SERVICE_ACCOUNT, process.env.MIXPANEL_SECRET, process.env.MIXPANEL_PROJECT_ID) }});"
            ),
            Profile::Python => format!(
                "import os\nimport uuid\nfrom mixpanel import Mixpanel, ServiceAccountCredentials\nmp = Mixpanel({t}, credentials=ServiceAccountCredentials(os.environ[\"MIXPANEL_SERVICE_ACCOUNT\"], os.environ[\"MIXPANEL_SECRET\"], os.environ[\"MIXPANEL_PROJECT_ID\"]))"
            ),
            Profile::Swift => format!("Mixpanel.initialize(token: {t}, trackAutomaticEvents: false)"),
            Profile::Android => {
                format!("val mixpanel = MixpanelAPI.getInstance(context, {t}, false)")
            }
            Profile::ReactNative => format!(
                "const mixpanel = new Mixpanel({t}, false, false); // JavaScript mode\nawait mixpanel.init();"
            ),
        }
    }

    /// The call as the SDK's users write it (JavaScript, Swift, Kotlin, Python), for the
    /// steps pane, the run's `calls` and the code exports.
    pub fn call_text(self, call: &SdkCall) -> String {
        match self {
            Profile::MixpanelJs => call.to_string(),
            Profile::Node => mixpanel_node::call_text(call),
            Profile::Python => mixpanel_python::call_text(call),
            Profile::Swift => mixpanel_swift::call_text(call),
            Profile::Android => mixpanel_android::call_text(call),
            Profile::ReactNative => mixpanel_react_native::call_text(call),
        }
    }
}

/// A device as the scenario describes it (`devices.NAME`): its first id, the SDK it runs,
/// that SDK's init options, what an older SDK left in storage, and the browser automatic
/// properties come from. Everything is optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// Pins the device's first id; later ids (after reset) are generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The SDK the device runs ([`Profile`] by its `mp_lib` name); mixpanel-js (`"web"`)
    /// when absent. An unknown name is refused where it is written.
    #[serde(default, deserialize_with = "lib_name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lib: Option<String>,
    /// Pins the SDK version; only the emulated one is accepted.
    #[serde(default, deserialize_with = "lib_version")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lib_version: Option<String>,
    /// `mixpanel.init` options the emulation honours.
    #[serde(default, skip_serializing_if = "InitConfig::is_default")]
    pub config: InitConfig,
    /// What an older SDK persisted (cookie `mp_<token>_mixpanel`), in its order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Map<String, Value>>,
    /// `$os` (default "Windows").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// `$browser` (default "Chrome").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// `$browser_version` (default 120).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_version: Option<serde_json::Number>,
    /// The page's address, `$current_url` (default "https://example.com/").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `$screen_width` (default 1920).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_width: Option<u32>,
    /// `$screen_height` (default 1080).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_height: Option<u32>,
    /// `document.referrer` (default empty: typed in, so `$initial_referrer` is `$direct`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
}

/// `mixpanel.init` options that change what is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitConfig {
    /// Queue requests and send them in batches (the SDK's default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_requests: Option<bool>,
    /// Send `$mp_web_page_view` when the page loads (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_pageview: Option<bool>,
}

impl InitConfig {
    pub fn is_default(&self) -> bool {
        *self == InitConfig::default()
    }
}

impl DeviceSpec {
    /// The SDK profile `lib` names (checked when the scenario is parsed).
    pub fn profile(&self) -> Profile {
        self.lib
            .as_deref()
            .and_then(Profile::parse)
            .unwrap_or_default()
    }
}

/// `lib`: the name of an emulated SDK.
fn lib_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    if Profile::parse(&s).is_some() {
        return Ok(Some(s));
    }
    let known: Vec<String> = Profile::ALL
        .iter()
        .map(|p| format!("\"{}\" ({})", p.name(), p.help()))
        .collect();
    Err(serde::de::Error::custom(format!(
        "{} is not an SDK idscope emulates; expected {}",
        crate::text::quoted(&s),
        known.join(", ")
    )))
}

/// `lib_version`: a version idscope emulates.
fn lib_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    if Profile::ALL.iter().any(|p| p.version() == s) {
        return Ok(Some(s));
    }
    let known: Vec<String> = Profile::ALL.iter().map(|p| p.label()).collect();
    Err(serde::de::Error::custom(format!(
        "{} is not a version idscope emulates; expected {}",
        crate::text::quoted(&s),
        known.join(", ")
    )))
}
