//! The Swift profile (`lib: "swift"`, SDK-IOS-*): mixpanel-swift 6.8.0 in an iOS app, emulated
//! **from source (read, not run)** by the shared [`super::mobile::Device`]. Each field of
//! [`SWIFT`] cites the code it was read from (`docs/sdk-mobile-notes.md` §1 has the details):
//! `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift` (`unarchive`, `defaultDeviceId`,
//! `identify`, `createAlias`, `reset`, `optOutTracking`, `optInTracking`, `flush`),
//! `Sources/Track.swift: buildTrackEventProperties`, `Sources/People.swift:
//! addPeopleRecordToQueueWithAction`, `Sources/AutomaticProperties.swift: properties`.

use super::mobile::{
    AliasRules, DeleteProfile, FlushRules, HadPersisted, IdentifyRules, OptOutRules, PeopleHold,
    PeopleRecord, PeopleRules, Precedence, SameId, Sdk, WhileOptedOut,
};
use super::{DeviceSpec, Profile, SdkCall};
use serde_json::{json, Map, Value};

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-swift";
/// Its version (`$lib_version`): `Mixpanel-swift.podspec` `s.version = '6.8.0'`,
/// `Sources/AutomaticProperties.swift: libVersion()`.
pub const VERSION: &str = "6.8.0";

pub static SWIFT: Sdk = Sdk {
    profile: Profile::Swift,
    // mixpanel-swift@6.8.0 Sources/AutomaticProperties.swift: properties (`mp_lib: "swift"`).
    mp_lib: "swift",
    version: VERSION,
    // SDK-IOS-ID — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: defaultDeviceId
    // (`UUID().uuidString`, upper case, unless `useUniqueDistinctId` / a `deviceIdProvider`).
    uppercase_ids: true,
    // mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: unarchive (a stored distinct id is
    // kept; `anonymousId` stays nil until identify).
    always_has_device_id: false,
    // SDK-IOS-ID — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: unarchive, reset,
    // optOutTracking (`hadPersistedDistinctId = true`); identify (legacy storage upgrade).
    had_persisted: HadPersisted::TrueFromInstall,
    // SDK-IOS-TRACK — mixpanel-swift@6.8.0 Sources/Track.swift: buildTrackEventProperties
    // (identity keys, then `superProperties`, then the caller's `properties`).
    precedence: Precedence::IdentityThenSupersThenCaller,
    // mixpanel-swift@6.8.0 Sources/Track.swift: buildTrackEventProperties (`$user_id` only
    // when `userId` is non-nil).
    null_user_id: false,
    // SDK-IOS-IDENTIFY — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: identify.
    identify: IdentifyRules {
        // "cannot identify blank distinct id".
        refuses_empty: true,
        // No check for the prefix.
        refuses_device_prefix: false,
        // `if self.userId == nil { self.userId = distinctId }` before the comparison;
        // `usePeople` (default true) sets `people.distinctId` whether or not the id changed.
        same_id: SameId::SetsUserId,
        // `if hasOptedOutTracking() { return }`.
        while_opted_out: false,
        // `track(event: "$identify", properties: ["$anon_distinct_id": oldDistinctId])`.
        echoes_ids: false,
    },
    // SDK-IOS-ALIAS — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: createAlias.
    alias: AliasRules {
        // "alias: … matches distinctId - skipping api call."
        refuses_same: true,
        // "cannot identify blank distinct id", "create alias called with empty alias".
        refuses_empty: true,
        refused_while_opted_out: true,
        // `if andIdentify { identify(distinctId: distinctId, …) }` (default true): the original
        // id, "call 'identify' with your current user identifier (not alias)".
        identifies_original: true,
        // `flush(completion: completion)`.
        flushes: true,
    },
    // SDK-IOS-PROFILE — mixpanel-swift@6.8.0 Sources/People.swift:
    // addPeopleRecordToQueueWithAction (unidentified rows without `$distinct_id`);
    // Sources/MixpanelPersistence.swift: identifyPeople (stamped at identify);
    // MixpanelInstance.swift: reset (`removeUnidentifiedPeople`).
    people: PeopleRules {
        hold: PeopleHold::UntilIdentified,
        record: PeopleRecord::DeviceUserThenProfile,
    },
    // SDK-IOS-OPTOUT — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: optOutTracking
    // (`people.deleteUser()`, `people.clearCharges()` when `people.distinctId != nil`, a new
    // `anonymousId`); flush / flushQueue return while opted out, so the queue waits.
    opt_out: OptOutRules {
        empties_queue: false,
        deletes_profile: Some(DeleteProfile::EmptyDeleteThenSetTransactions),
        sending: WhileOptedOut::Holds,
    },
    // SDK-IOS-FLUSH — mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: flush (events,
    // then people, then groups; `flushBatchSize` at most `APIConstants.maxBatchSize` 50);
    // reset (`flush()` first).
    flush: FlushRules {
        batch_size: 50,
        bulk_limit: None,
        on_reset: true,
    },
    // mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: registerSuperProperties has no
    // opt-out check.
    supers_while_opted_out: true,
    automatic,
    people_automatic,
};

/// `AutomaticProperties.properties` on an iPhone (`$os` from the device's `os`; screen size from
/// `screen_width` / `screen_height`).
pub fn automatic(spec: &DeviceSpec) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("mp_lib".into(), json!("swift"));
    m.insert("$lib_version".into(), json!(VERSION));
    m.insert(
        "$os".into(),
        json!(spec.os.clone().unwrap_or_else(|| "iOS".into())),
    );
    m.insert("$os_version".into(), json!("17.4"));
    m.insert("$app_build_number".into(), json!("1"));
    m.insert("$app_version_string".into(), json!("1.0"));
    m.insert("$manufacturer".into(), json!("Apple"));
    m.insert("$model".into(), json!("iPhone15,2"));
    m.insert(
        "$screen_height".into(),
        json!(spec.screen_height.unwrap_or(852)),
    );
    m.insert(
        "$screen_width".into(),
        json!(spec.screen_width.unwrap_or(393)),
    );
    m
}

/// `AutomaticProperties.peopleProperties`, added to `$set` and `$set_once`.
pub fn people_automatic(_spec: &DeviceSpec, _once: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("$ios_app_version".into(), json!("1.0"));
    m.insert("$ios_app_release".into(), json!("1"));
    m.insert("$ios_device_model".into(), json!("iPhone15,2"));
    m.insert("$ios_version".into(), json!("17.4"));
    m.insert("$ios_lib_version".into(), json!(VERSION));
    m.insert("$swift_lib_version".into(), json!(VERSION));
    m
}

/// A Swift string literal.
fn string(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as a Swift literal (`NSNull()` for null).
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NSNull()".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(x) => string(x),
        Value::Array(a) => format!("[{}]", a.iter().map(literal).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => dict(m),
    }
}

/// A JSON object as a Swift dictionary literal (`["plan": "pro"]`, `[:]`).
pub fn dict(m: &Map<String, Value>) -> String {
    if m.is_empty() {
        return "[:]".into();
    }
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}: {}", string(k), literal(v)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The call as Swift (`Mixpanel.mainInstance().identify(distinctId: "alice")`).
pub fn call_text(call: &SdkCall) -> String {
    let mp = "Mixpanel.mainInstance()";
    match call {
        SdkCall::Track { event, properties } if properties.is_empty() => {
            format!("{mp}.track(event: {})", string(event))
        }
        SdkCall::Track { event, properties } => format!(
            "{mp}.track(event: {}, properties: {})",
            string(event),
            dict(properties)
        ),
        SdkCall::Identify(id) => format!("{mp}.identify(distinctId: {})", string(id)),
        SdkCall::Alias { alias, original } => format!(
            "{mp}.createAlias({}, distinctId: {})",
            string(alias),
            original
                .as_deref()
                .map_or_else(|| format!("{mp}.distinctId"), string)
        ),
        SdkCall::Reset { .. } => format!("{mp}.reset()"),
        SdkCall::Register(p) => format!("{mp}.registerSuperProperties({})", dict(p)),
        SdkCall::RegisterOnce(p) => format!("{mp}.registerSuperPropertiesOnce({})", dict(p)),
        SdkCall::Unregister(k) => format!("{mp}.unregisterSuperProperty({})", string(k)),
        SdkCall::PeopleSet(p) => format!("{mp}.people.set(properties: {})", dict(p)),
        SdkCall::PeopleSetOnce(p) => format!("{mp}.people.setOnce(properties: {})", dict(p)),
        SdkCall::OptOut => format!("{mp}.optOutTracking()"),
        SdkCall::OptIn => format!("{mp}.optInTracking()"),
        other => format!("// no {} in {PACKAGE}", other.key()),
    }
}
