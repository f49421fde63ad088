//! The React Native profile (`lib: "react-native"`, SDK-RN-*): mixpanel-react-native 3.3.0 in
//! **JavaScript mode** (`new Mixpanel(token, trackAutomaticEvents, false)`, as on Expo and
//! react-native-web), emulated **from source (read, not run)** by the shared
//! [`super::mobile::Device`]. Each field of [`REACT_NATIVE`] cites the code it was read from
//! (`docs/sdk-mobile-notes.md` §3): `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js`
//! (`track`, `identify`, `alias`, `reset`, `optOutTracking`, `optInTracking`,
//! `sendProfileDataToMixpanel`, `getMetaData`), `javascript/mixpanel-persistent.js`
//! (`loadDeviceId`, `loadDistinctId`, `loadUserId`, `reset`), `javascript/mixpanel-queue.js`
//! (`getQueue`, `identifyUserQueue`), `javascript/mixpanel-core.js` (`startProcessingQueue`,
//! `processQueue`, `flush`, `addToMixpanelQueue`).
//!
//! In native mode (the default) the JavaScript calls reach mixpanel-swift or mixpanel-android
//! instead, and behave as the `swift` / `android` profiles (with `mp_lib: "react-native"`);
//! that mode is not emulated.

use super::mobile::{
    AliasRules, FlushRules, HadPersisted, IdentifyRules, OptOutRules, PeopleHold, PeopleRecord,
    PeopleRules, Precedence, SameId, Sdk, WhileOptedOut,
};
use super::{DeviceSpec, Profile, SdkCall};
use serde_json::{json, Map, Value};

/// The package emulated.
pub const PACKAGE: &str = "mixpanel-react-native";
/// Its version (`$lib_version`): `package.json` `"version": "3.3.0"`.
pub const VERSION: &str = "3.3.0";

pub static REACT_NATIVE: Sdk = Sdk {
    profile: Profile::ReactNative,
    // mixpanel-react-native@3.3.0 package.json: `"metadata": {"mp_lib": "react-native"}`.
    mp_lib: "react-native",
    version: VERSION,
    // SDK-RN-ID — mixpanel-react-native@3.3.0 javascript/mixpanel-persistent.js: loadDeviceId
    // (`uuid.v4()`, lower case).
    uppercase_ids: false,
    // mixpanel-react-native@3.3.0 javascript/mixpanel-persistent.js: loadDeviceId draws an id
    // whenever none is stored; loadDistinctId keeps a stored distinct id.
    always_has_device_id: true,
    // SDK-RN-ID — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: track (no
    // `$had_persisted_distinct_id` anywhere).
    had_persisted: HadPersisted::Never,
    // SDK-RN-TRACK — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: track
    // (`{token, time, …getMetaData(), …superProperties, …properties, …identityProps}`).
    precedence: Precedence::IdentityLast,
    // SDK-RN-ID — mixpanel-react-native@3.3.0 javascript/mixpanel-persistent.js: loadUserId
    // (the stored value: `null` from AsyncStorage before identify); mixpanel-main.js: track.
    null_user_id: true,
    // SDK-RN-IDENTIFY — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: identify.
    identify: IdentifyRules {
        // `MixpanelMain.identify` has no check; the public `index.js` throws on a falsy id
        // (read in its 1.x version; 3.x's is not in the store).
        refuses_empty: true,
        refuses_device_prefix: false,
        // "Distinct Id is already set to …, skipping identify."
        same_id: SameId::Nothing,
        // No opt-out check: the ids change; `track` skips the `$identify`.
        while_opted_out: true,
        // `track(token, "$identify", {distinctId, $user_id, $anon_distinct_id, $device_id})`.
        echoes_ids: true,
    },
    // SDK-RN-ALIAS — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: alias
    // (`track("$create_alias", {alias, distinct_id})` — identityProps spread last — then
    // `identify(token, distinctId)`; no equality check, no flush).
    alias: AliasRules {
        refuses_same: false,
        // `index.js` (1.x) throws on a falsy alias or distinct id.
        refuses_empty: true,
        refused_while_opted_out: false,
        identifies_original: true,
        flushes: false,
    },
    // SDK-RN-PROFILE — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js:
    // sendProfileDataToMixpanel; javascript/mixpanel-queue.js: getQueue (nothing for `/engage`
    // while `!isIdentified`), identifyUserQueue (every queued update rewritten).
    people: PeopleRules {
        hold: PeopleHold::RewrittenAtIdentify,
        record: PeopleRecord::CurrentIds,
    },
    // SDK-RN-OPTOUT — mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: optOutTracking
    // (flag, then `mixpanelPersistent.reset`: a new device id; queues kept, no `$delete`);
    // javascript/mixpanel-core.js: startProcessingQueue (the interval's cycle runs
    // `processQueue`, which reads no flag, then returns early when opted out: the loop ends;
    // `optInTracking` does not restart it).
    opt_out: OptOutRules {
        empties_queue: false,
        deletes_profile: None,
        sending: WhileOptedOut::LastCycleThenStops,
    },
    // SDK-RN-FLUSH — mixpanel-react-native@3.3.0 javascript/mixpanel-core.js:
    // startProcessingQueue (every `flushInterval`, 60 000 ms in mixpanel-constants.js: events,
    // then `/engage/`, then `/groups/`; no flush on background), processQueue (batches of
    // `flushBatchSize` 50); reset does not flush.
    flush: FlushRules {
        batch_size: 50,
        bulk_limit: None,
        on_reset: false,
    },
    // mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: registerSuperProperties has no
    // opt-out check.
    supers_while_opted_out: true,
    automatic,
    people_automatic,
};

/// `getMetaData` (`$os` is `Platform.OS`, lower case: `"ios"` by default, the device's `os`
/// when given; `"android"` adds the `$android_*` keys).
pub fn automatic(spec: &DeviceSpec) -> Map<String, Value> {
    let os = spec.os.clone().unwrap_or_else(|| "ios".into());
    let mut m = Map::new();
    m.insert("$os".into(), json!(os));
    m.insert(
        "$os_version".into(),
        json!(if os == "android" { "14" } else { "17.4" }),
    );
    m.insert("mp_lib".into(), json!("react-native"));
    m.insert("$lib_version".into(), json!(VERSION));
    match os.as_str() {
        "ios" => {
            m.insert("$manufacturer".into(), json!("Apple"));
        }
        "android" => {
            m.insert("$android_brand".into(), json!("google"));
            m.insert("$android_manufacturer".into(), json!("Google"));
            m.insert("$android_model".into(), json!("Pixel 8"));
        }
        _ => {}
    }
    m
}

/// Profile updates carry only what the caller passes.
pub fn people_automatic(_spec: &DeviceSpec, _once: bool) -> Map<String, Value> {
    Map::new()
}

/// The call as JavaScript (`mixpanel.identify("alice")`), without the `await` a caller may put
/// before it.
pub fn call_text(call: &SdkCall) -> String {
    let s = |v: &str| Value::String(v.to_string()).to_string();
    let o = |m: &Map<String, Value>| Value::Object(m.clone()).to_string();
    match call {
        SdkCall::Track { event, properties } if properties.is_empty() => {
            format!("mixpanel.track({})", s(event))
        }
        SdkCall::Track { event, properties } => {
            format!("mixpanel.track({}, {})", s(event), o(properties))
        }
        SdkCall::Identify(id) => format!("mixpanel.identify({})", s(id)),
        SdkCall::Alias { alias, original } => format!(
            "mixpanel.alias({}, {})",
            s(alias),
            original
                .as_deref()
                .map_or_else(|| "await mixpanel.getDistinctId()".into(), s)
        ),
        SdkCall::Reset { .. } => "mixpanel.reset()".into(),
        SdkCall::Register(p) => format!("mixpanel.registerSuperProperties({})", o(p)),
        SdkCall::RegisterOnce(p) => format!("mixpanel.registerSuperPropertiesOnce({})", o(p)),
        SdkCall::Unregister(k) => format!("mixpanel.unregisterSuperProperty({})", s(k)),
        SdkCall::PeopleSet(p) => format!("mixpanel.getPeople().set({})", o(p)),
        SdkCall::PeopleSetOnce(p) => format!("mixpanel.getPeople().setOnce({})", o(p)),
        SdkCall::OptOut => "mixpanel.optOutTracking()".into(),
        SdkCall::OptIn => "mixpanel.optInTracking()".into(),
        other => format!("/* no {} in {PACKAGE} */", other.key()),
    }
}
