//! The Android profile (`lib: "android"`, SDK-ANDROID-*): mixpanel-android 8.10.0 in an Android
//! app, emulated **from source (read, not run)** by the shared [`super::mobile::Device`]. Each
//! field of [`ANDROID`] cites the code it was read from (`docs/sdk-mobile-notes.md` §2):
//! `mixpanel-android@8.10.0 analytics/src/main/java/com/mixpanel/android/mpmetrics/`
//! `MixpanelAPI.java` (`identify`, `alias`, `reset`, `optOutTracking`, `optInTracking`,
//! `track`), `PersistentIdentity.java` (`readIdentities`, `generateDeviceId`),
//! `AnalyticsMessages.java` (`Worker`, `prepareEventObject`, `getDefaultEventProperties`),
//! `MPDbAdapter.java` (`pushAnonymousUpdatesToPeopleDb`); the paths below are relative to
//! that folder.

use super::mobile::{
    AliasRules, DeleteProfile, FlushRules, HadPersisted, IdentifyRules, OptOutRules, PeopleHold,
    PeopleRecord, PeopleRules, Precedence, SameId, Sdk, WhileOptedOut,
};
use super::{DeviceSpec, Profile, SdkCall};
use serde_json::{json, Map, Value};

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-android";
/// Its version (`$lib_version` = `MPConfig.VERSION`): the newest `analytics/CHANGELOG.md`
/// entry read.
pub const VERSION: &str = "8.10.0";

/// `DataExpiration`: queued records older than this are deleted, never sent — but only when the
/// worker opens its database (`AnalyticsMessages.java: Worker.AnalyticsMessageHandler.
/// handleMessage`, `cleanupEvents` when `mDbAdapter == null`, i.e. at app start). A scenario's
/// device never restarts and its queue empties every time it settles, so this never applies.
pub const DATA_EXPIRATION_MS: i64 = 5 * 24 * 3600 * 1000;

pub static ANDROID: Sdk = Sdk {
    profile: Profile::Android,
    // mixpanel-android@8.10.0 AnalyticsMessages.java: getDefaultEventProperties (`mp_lib:
    // "android"`).
    mp_lib: "android",
    version: VERSION,
    // SDK-ANDROID-ID — mixpanel-android@8.10.0 PersistentIdentity.java: generateDeviceId
    // (`UUID.randomUUID().toString()`, lower case).
    uppercase_ids: false,
    // mixpanel-android@8.10.0 PersistentIdentity.java: readIdentities (a stored
    // `events_distinct_id` is kept, no `anonymous_id` until identify's `setAnonymousIdIfAbsent`).
    always_has_device_id: false,
    // SDK-ANDROID-ID — mixpanel-android@8.10.0 MixpanelAPI.java: track
    // (`$had_persisted_distinct_id` always put); mixpanel-android@8.10.0 PersistentIdentity.java:
    // readIdentities (false for a new id), setAnonymousIdIfAbsent (true when older storage is
    // upgraded).
    had_persisted: HadPersisted::AlwaysSentFalse,
    // SDK-ANDROID-TRACK — mixpanel-android@8.10.0 MixpanelAPI.java: track ("Don't allow super
    // properties or referral properties to override these fields, but DO allow the caller to
    // override them").
    precedence: Precedence::SupersThenIdentityThenCaller,
    null_user_id: false,
    // SDK-ANDROID-IDENTIFY — mixpanel-android@8.10.0 MixpanelAPI.java: identify(String, boolean).
    identify: IdentifyRules {
        // Only `null` is refused ("Can't identify with null distinct_id.").
        refuses_empty: false,
        // "Can't identify with '$device:' distinct_id." (when the id changes).
        refuses_device_prefix: true,
        // The same id: no `$identify`, no `markEventsUserIdPresent`; `identify_people` runs.
        same_id: SameId::PeopleOnly,
        // `if (hasOptedOutTracking()) return;`
        while_opted_out: false,
        // `identifyPayload.put("$anon_distinct_id", currentEventsDistinctId)`.
        echoes_ids: false,
    },
    // SDK-ANDROID-ALIAS — mixpanel-android@8.10.0 MixpanelAPI.java: alias ("This call does not
    // identify the user after"; `flush()`).
    alias: AliasRules {
        // "Attempted to alias identical distinct_ids … Alias message will not be sent."
        refuses_same: true,
        refuses_empty: false,
        // `if (hasOptedOutTracking()) return;`
        refused_while_opted_out: true,
        identifies_original: false,
        flushes: true,
    },
    // SDK-ANDROID-PROFILE — mixpanel-android@8.10.0 MixpanelAPI.java: PeopleImpl.stdPeopleMessage,
    // identify_people; mixpanel-android@8.10.0 MPDbAdapter.java: pushAnonymousUpdatesToPeopleDb
    // (`$distinct_id` added to each `anonymous_people` row); MixpanelAPI.java: reset
    // (`clearAnonymousUpdatesMessage`).
    people: PeopleRules {
        hold: PeopleHold::UntilIdentified,
        record: PeopleRecord::ProfileIdTwice,
    },
    // SDK-ANDROID-OPTOUT — mixpanel-android@8.10.0 MixpanelAPI.java: optOutTracking
    // (`emptyTrackingQueues`, then `deleteUser()` and `clearCharges()` when identified, then
    // `clearPreferences()`: a new device id); AnalyticsMessages.java: Worker.sendAllData does not
    // read the opt-out flag.
    opt_out: OptOutRules {
        empties_queue: true,
        deletes_profile: Some(DeleteProfile::NullDeleteThenUnsetTransactions),
        sending: WhileOptedOut::Sends,
    },
    // SDK-ANDROID-FLUSH — mixpanel-android@8.10.0 AnalyticsMessages.java:
    // Worker.AnalyticsMessageHandler.handleMessage (`BulkUploadLimit` 40 sends at once),
    // sendAllData (events, then people, then groups), sendData (`FlushBatchSize` 50 a request);
    // MixpanelAPI.java: reset (`flush()`).
    flush: FlushRules {
        batch_size: 50,
        bulk_limit: Some(40),
        on_reset: true,
    },
    // mixpanel-android@8.10.0 MixpanelAPI.java: registerSuperProperties,
    // registerSuperPropertiesOnce, unregisterSuperProperty (`if (hasOptedOutTracking()) return;`).
    supers_while_opted_out: false,
    automatic,
    people_automatic,
};

/// `getDefaultEventProperties` on a phone (`$os` from the device's `os`; screen size from
/// `screen_width` / `screen_height`).
pub fn automatic(spec: &DeviceSpec) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("mp_lib".into(), json!("android"));
    m.insert("$lib_version".into(), json!(VERSION));
    m.insert(
        "$os".into(),
        json!(spec.os.clone().unwrap_or_else(|| "Android".into())),
    );
    m.insert("$os_version".into(), json!("14"));
    m.insert("$manufacturer".into(), json!("Google"));
    m.insert("$brand".into(), json!("google"));
    m.insert("$model".into(), json!("Pixel 8"));
    m.insert("$screen_dpi".into(), json!(420));
    m.insert(
        "$screen_height".into(),
        json!(spec.screen_height.unwrap_or(2400)),
    );
    m.insert(
        "$screen_width".into(),
        json!(spec.screen_width.unwrap_or(1080)),
    );
    m.insert("$app_version".into(), json!("1.0"));
    m.insert("$app_version_string".into(), json!("1.0"));
    m.insert("$app_release".into(), json!("1"));
    m.insert("$app_build_number".into(), json!("1"));
    m
}

/// `mDeviceInfo`, which `PeopleImpl.set` puts under a `$set` (not under `$set_once`).
pub fn people_automatic(_spec: &DeviceSpec, once: bool) -> Map<String, Value> {
    let mut m = Map::new();
    if once {
        return m;
    }
    m.insert("$android_lib_version".into(), json!(VERSION));
    m.insert("$android_os".into(), json!("Android"));
    m.insert("$android_os_version".into(), json!("14"));
    m.insert("$android_manufacturer".into(), json!("Google"));
    m.insert("$android_brand".into(), json!("google"));
    m.insert("$android_model".into(), json!("Pixel 8"));
    m.insert("$android_app_version".into(), json!("1.0"));
    m.insert("$android_app_version_code".into(), json!("1"));
    m
}

/// A Kotlin string literal (`$` escaped: Kotlin would read `"$device:…"` as a template).
fn string(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as a Kotlin expression `JSONObject(Map)` accepts.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "JSONObject.NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            // Kotlin's integer literals are Int unless they say Long.
            Some(i) if i32::try_from(i).is_err() => format!("{i}L"),
            _ => n.to_string(),
        },
        Value::String(x) => string(x),
        Value::Array(a) => format!(
            "listOf({})",
            a.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => map(m),
    }
}

fn map(m: &Map<String, Value>) -> String {
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{} to {}", string(k), literal(v)))
        .collect();
    format!("mapOf({})", items.join(", "))
}

/// A JSON object as `JSONObject(mapOf("plan" to "pro"))` (`JSONObject()` when empty).
pub fn json_object(m: &Map<String, Value>) -> String {
    if m.is_empty() {
        "JSONObject()".into()
    } else {
        format!("JSONObject({})", map(m))
    }
}

/// The call as Kotlin (`mixpanel.identify("alice")`).
pub fn call_text(call: &SdkCall) -> String {
    match call {
        SdkCall::Track { event, properties } if properties.is_empty() => {
            format!("mixpanel.track({})", string(event))
        }
        SdkCall::Track { event, properties } => format!(
            "mixpanel.track({}, {})",
            string(event),
            json_object(properties)
        ),
        SdkCall::Identify(id) => format!("mixpanel.identify({})", string(id)),
        SdkCall::Alias { alias, original } => format!(
            "mixpanel.alias({}, {})",
            string(alias),
            original.as_deref().map_or_else(|| "null".into(), string)
        ),
        SdkCall::Reset { .. } => "mixpanel.reset()".into(),
        SdkCall::Register(p) => format!("mixpanel.registerSuperProperties({})", json_object(p)),
        SdkCall::RegisterOnce(p) => {
            format!("mixpanel.registerSuperPropertiesOnce({})", json_object(p))
        }
        SdkCall::Unregister(k) => format!("mixpanel.unregisterSuperProperty({})", string(k)),
        SdkCall::PeopleSet(p) => format!("mixpanel.people.set({})", json_object(p)),
        SdkCall::PeopleSetOnce(p) => format!("mixpanel.people.setOnce({})", json_object(p)),
        SdkCall::OptOut => "mixpanel.optOutTracking()".into(),
        SdkCall::OptIn => "mixpanel.optInTracking()".into(),
        other => format!("// no {} in {PACKAGE}", other.key()),
    }
}
