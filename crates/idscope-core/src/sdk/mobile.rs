//! What the mobile SDKs share: an app install with a persisted anonymous id (the *device id*),
//! a distinct id that `identify` replaces, `alias`, `reset`, opt-out, profile updates held
//! until the app identifies, and a local queue sent in batches when the device settles (the
//! SDKs flush every 60 s and when the app goes to the background). Emulated **from source
//! (read, not run)**: every behaviour was read in the SDKs' public repositories, as
//! `docs/sdk-mobile-notes.md` records, and none was checked by running the SDK.
//!
//! One [`Device`] state machine serves the three SDKs; how each differs is data on its [`Sdk`]
//! description — [`super::mixpanel_swift::SWIFT`], [`super::mixpanel_android::ANDROID`],
//! [`super::mixpanel_react_native::REACT_NATIVE`] — whose fields cite the code they were read
//! from (`repo@version path: function`). The rule book's section "SDK emulator: mobile apps
//! (from source)" states the rules (SDK-IOS-*, SDK-ANDROID-*, SDK-RN-*).
//!
//! Not emulated (no identity effect, or not reachable from a scenario): `$mp_metadata` (session
//! counters the SDKs attach to each record), `$duration` (timed events), environment-dependent
//! automatic properties (`$carrier`, `$wifi`, `$radio`, Bluetooth, NFC), the request encoding
//! (Swift's JSON array and gzip, Android's base64 `data=`, React Native's url-encoded `data=`),
//! retries, and feature flags.

use super::{Context, DeviceSpec, Profile, Request, SdkCall, Sent};
use crate::model::Endpoint;
use serde_json::{json, Map, Value};

/// The prefix of an anonymous distinct id, on all three SDKs (Swift `devicePrefix`, Android
/// `PersistentIdentity`, React Native `loadDistinctId`).
pub const DEVICE_PREFIX: &str = "$device:";

/// One mobile SDK: its library properties and every way it differs from the others.
#[derive(Debug)]
pub struct Sdk {
    pub profile: Profile,
    /// `mp_lib`.
    pub mp_lib: &'static str,
    /// `$lib_version`.
    pub version: &'static str,
    /// Generated device ids are upper-case UUIDs (Swift `UUID().uuidString`); the others draw
    /// lower-case ones.
    pub uppercase_ids: bool,
    /// A device id is drawn even when storage left by an older SDK holds a distinct id
    /// (React Native); the others keep such storage without one until `identify`.
    pub always_has_device_id: bool,
    pub had_persisted: HadPersisted,
    /// Which of the SDK's identity keys, the super properties and the caller's properties wins.
    pub precedence: Precedence,
    /// Events carry `$user_id: null` before identify (React Native sends the stored value,
    /// `null`); the others leave the key out.
    pub null_user_id: bool,
    pub identify: IdentifyRules,
    pub alias: AliasRules,
    pub people: PeopleRules,
    pub opt_out: OptOutRules,
    pub flush: FlushRules,
    /// `register`, `register_once` and `unregister` while opted out change the super
    /// properties (Swift, React Native); Android ignores them.
    pub supers_while_opted_out: bool,
    /// The automatic properties every event carries (`mp_lib` and `$lib_version` included).
    pub automatic: fn(&DeviceSpec) -> Map<String, Value>,
    /// What the SDK adds to a profile update's data (`once`: `$set_once`).
    pub people_automatic: fn(&DeviceSpec, bool) -> Map<String, Value>,
}

/// `$had_persisted_distinct_id` on events and profile records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HadPersisted {
    /// `true` on every record from install, reset and opt-out on; absent while storage left by an
    /// older SDK is not upgraded by `identify` (`mixpanel-swift@6.8.0
    /// Sources/MixpanelInstance.swift: unarchive, reset, optOutTracking, identify`).
    TrueFromInstall,
    /// Always sent; `false` unless `identify` upgraded storage left by an older SDK
    /// (`mixpanel-android@8.10.0 MixpanelAPI.java: track`, `PersistentIdentity.java:
    /// setAnonymousIdIfAbsent`).
    AlwaysSentFalse,
    /// Never sent (`mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: track`).
    Never,
}

impl HadPersisted {
    /// The value a new install, a reset and an opt-out start with.
    fn fresh(self) -> Option<bool> {
        match self {
            HadPersisted::TrueFromInstall => Some(true),
            HadPersisted::AlwaysSentFalse => Some(false),
            HadPersisted::Never => None,
        }
    }

    /// The value with storage left by an older SDK.
    fn stored(self) -> Option<bool> {
        match self {
            HadPersisted::AlwaysSentFalse => Some(false),
            HadPersisted::TrueFromInstall | HadPersisted::Never => None,
        }
    }
}

/// How an event's properties are merged, later winning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// Automatic, `token`, `time`, the identity keys, then super properties, then the caller's:
    /// both may override `distinct_id`, `$device_id`, `$user_id` (`mixpanel-swift@6.8.0
    /// Sources/Track.swift: buildTrackEventProperties`).
    IdentityThenSupersThenCaller,
    /// Automatic, `token`, super properties, then `time` and the identity keys, then the caller's:
    /// only the caller may override them (`mixpanel-android@8.10.0 MixpanelAPI.java: track`,
    /// `AnalyticsMessages.java: prepareEventObject`).
    SupersThenIdentityThenCaller,
    /// `token`, `time`, automatic, super properties, the caller's, then the identity keys:
    /// nobody overrides them (`mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: track`).
    IdentityLast,
}

/// What `identify(X)` refuses and does beyond the common part (X ≠ current distinct id:
/// `distinct_id := X`, `$user_id := X`, `$identify{$anon_distinct_id: previous}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifyRules {
    pub refuses_empty: bool,
    /// A new id starting with `$device:` is refused.
    pub refuses_device_prefix: bool,
    pub same_id: SameId,
    /// Runs while opted out (the ids change; the `$identify` is not queued).
    pub while_opted_out: bool,
    /// `$identify` also carries `distinctId`, `$user_id` and `$device_id` among the caller's
    /// properties (React Native).
    pub echoes_ids: bool,
}

/// `identify(X)` with X the current distinct id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameId {
    /// No `$identify`, but `$user_id := X` when no user id is set (so an anonymous device's
    /// events carry `$user_id: "$device:…"`), and profile updates are released
    /// (`mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: identify`).
    SetsUserId,
    /// No `$identify` and no `$user_id`; profile updates are released
    /// (`mixpanel-android@8.10.0 MixpanelAPI.java: identify`).
    PeopleOnly,
    /// Nothing at all (`mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: identify`).
    Nothing,
}

/// `alias(A, original)` (Swift `createAlias(A, distinctId:)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AliasRules {
    /// A == original: nothing is sent.
    pub refuses_same: bool,
    /// An empty alias or original: nothing is sent.
    pub refuses_empty: bool,
    /// Refused while opted out (React Native goes on: its `identify` runs).
    pub refused_while_opted_out: bool,
    /// `identify(original)` follows — the original id, not the alias.
    pub identifies_original: bool,
    /// The queue is flushed at once.
    pub flushes: bool,
}

/// Profile updates (`people.set`, `people.set_once`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeopleRules {
    pub hold: PeopleHold,
    pub record: PeopleRecord,
}

/// Which profile updates wait, and what `identify` does to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleHold {
    /// Updates made while the profile is not identified are queued apart, without
    /// `$distinct_id`; `identify(X)` stamps them with `$distinct_id: X` and releases them (their
    /// other keys stay as queued); `reset` drops them (`mixpanel-swift@6.8.0 Sources/People.swift:
    /// addPeopleRecordToQueueWithAction`, `Sources/MixpanelPersistence.swift: identifyPeople`;
    /// `mixpanel-android@8.10.0 MPDbAdapter.java: pushAnonymousUpdatesToPeopleDb`).
    UntilIdentified,
    /// No update leaves while the device has no user id; `identify` rewrites `$distinct_id`,
    /// `$device_id` and `$user_id` of **every** queued update, even one queued for a previous user
    /// (`mixpanel-react-native@3.3.0 javascript/mixpanel-queue.js: getQueue, identifyUserQueue`).
    RewrittenAtIdentify,
}

/// The identity keys of a profile record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleRecord {
    /// `$token`, `$time`, the operation, `$device_id`, `$user_id`, `$had_persisted_distinct_id`
    /// (each when set), `$distinct_id` (the profile id, once identified)
    /// (`mixpanel-swift@6.8.0 Sources/People.swift: addPeopleRecordToQueueWithAction`).
    DeviceUserThenProfile,
    /// The operation, `$token`, `$time`, `$had_persisted_distinct_id`, `$device_id`, then
    /// `$distinct_id` and `$user_id`, both the profile id, once identified
    /// (`mixpanel-android@8.10.0 MixpanelAPI.java: PeopleImpl.stdPeopleMessage`).
    ProfileIdTwice,
    /// `$token`, `$time`, the operation, `$distinct_id`, `$device_id`, `$user_id` (when set)
    /// (`mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: sendProfileDataToMixpanel`).
    CurrentIds,
}

/// `opt_out` / `opt_in`. All three draw a new device id on opt-out and clear the super
/// properties and the user; `$opt_in` is queued with the new ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptOutRules {
    /// Unsent records are deleted (Android).
    pub empties_queue: bool,
    /// What an identified profile gets queued on opt-out.
    pub deletes_profile: Option<DeleteProfile>,
    pub sending: WhileOptedOut,
}

/// The records an identified profile gets on opt-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteProfile {
    /// `{$delete: {}}` then `{$set: {…, $transactions: []}}` (`mixpanel-swift@6.8.0
    /// Sources/People.swift: deleteUser, clearCharges`).
    EmptyDeleteThenSetTransactions,
    /// `{$delete: null}` then `{$unset: ["$transactions"]}` (`mixpanel-android@8.10.0
    /// MixpanelAPI.java: PeopleImpl.deleteUser, clearCharges`).
    NullDeleteThenUnsetTransactions,
}

/// Whether the queue leaves while opted out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhileOptedOut {
    /// Nothing leaves until opt-in; the queue is kept (`mixpanel-swift@6.8.0
    /// Sources/MixpanelInstance.swift: flush, flushQueue`).
    Holds,
    /// The worker sends what is queued regardless (`mixpanel-android@8.10.0 AnalyticsMessages.java:
    /// Worker.sendAllData`).
    Sends,
    /// The next cycle of the send loop still sends, then the loop stops for good: after an opt-out
    /// that outlives one cycle, nothing leaves again (`mixpanel-react-native@3.3.0
    /// javascript/mixpanel-core.js: startProcessingQueue`).
    LastCycleThenStops,
}

/// When the queue leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushRules {
    /// Records per request.
    pub batch_size: usize,
    /// A table reaching this many rows is sent at once (Android `BulkUploadLimit`).
    pub bulk_limit: Option<usize>,
    /// `reset` flushes (what was queued leaves at once).
    pub on_reset: bool,
}

/// The device's identity, as the SDK persists it.
#[derive(Debug, Clone, PartialEq)]
struct Ids {
    distinct_id: String,
    /// The anonymous id (`$device_id`): Swift `anonymousId`, Android `anonymous_id`, React
    /// Native `deviceId`. None only with storage left by an older SDK.
    device_id: Option<String>,
    user_id: Option<String>,
    had_persisted: Option<bool>,
    /// The profile updates' distinct id (Swift `people.distinctId`, Android
    /// `people_distinct_id`); React Native has none.
    people_id: Option<String>,
}

/// One queued record.
#[derive(Debug, Clone, PartialEq)]
struct Queued {
    endpoint: Endpoint,
    body: Value,
    /// A profile update waiting for identify (PeopleHold::UntilIdentified).
    held: bool,
}

/// One app install running a mobile SDK.
#[derive(Debug, Clone)]
pub struct Device {
    sdk: &'static Sdk,
    name: String,
    spec: DeviceSpec,
    ids: Ids,
    /// Every device id this install has had, in order.
    device_ids: Vec<String>,
    supers: Map<String, Value>,
    opted_out: bool,
    /// React Native's send loop ended (WhileOptedOut::LastCycleThenStops).
    loop_stopped: bool,
    queue: Vec<Queued>,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

impl Device {
    /// SDK-IOS-ID, SDK-ANDROID-ID, SDK-RN-ID: a new install with device id `device_id`
    /// (generated ids in the SDK's case; a pinned one as written), or (SDK-IOS-PERSIST,
    /// SDK-ANDROID-PERSIST) the identity an older SDK left in the device's `storage`
    /// (`distinct_id`, `$device_id`):
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: unarchive, defaultDeviceId`;
    /// `mixpanel-android@8.10.0 PersistentIdentity.java: readIdentities, generateDeviceId`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-persistent.js: loadDeviceId,
    /// loadDistinctId, loadUserId`.
    pub fn new(sdk: &'static Sdk, name: &str, device_id: String, spec: &DeviceSpec) -> Device {
        let device_id = if spec.device_id.as_deref() == Some(device_id.as_str()) {
            device_id
        } else {
            sdk.format_id(device_id)
        };
        let stored = |k: &str| {
            spec.storage
                .as_ref()
                .and_then(|m| m.get(k))
                .and_then(crate::resolver::id_value)
        };
        let (ids, first) = match stored("distinct_id") {
            // Swift `unarchive`, Android `readIdentities`: a stored distinct id is kept as is;
            // React Native `loadDeviceId` draws a device id whenever none is stored.
            Some(distinct_id) => {
                let kept = stored("$device_id")
                    .or_else(|| sdk.always_has_device_id.then(|| device_id.clone()));
                let first = kept.clone().unwrap_or_else(|| distinct_id.clone());
                (
                    Ids {
                        distinct_id,
                        device_id: kept,
                        user_id: None,
                        had_persisted: sdk.had_persisted.stored(),
                        people_id: None,
                    },
                    first,
                )
            }
            None => (
                Ids {
                    distinct_id: format!("{DEVICE_PREFIX}{device_id}"),
                    device_id: Some(device_id.clone()),
                    user_id: None,
                    had_persisted: sdk.had_persisted.fresh(),
                    people_id: None,
                },
                device_id,
            ),
        };
        Device {
            sdk,
            name: name.to_string(),
            spec: spec.clone(),
            ids,
            device_ids: vec![first],
            supers: Map::new(),
            opted_out: false,
            loop_stopped: false,
            queue: Vec::new(),
        }
    }

    fn label(&self) -> String {
        self.sdk.profile.label()
    }

    /// SDK-IOS-TRACK, SDK-ANDROID-TRACK, SDK-RN-TRACK: the event as queued, properties merged per
    /// [`Precedence`]; `time` in milliseconds; no `$insert_id` (none of the three adds one):
    /// `mixpanel-swift@6.8.0 Sources/Track.swift: buildTrackEventProperties`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: track, AnalyticsMessages.java:
    /// prepareEventObject`; `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: track`.
    fn event(&self, name: &str, caller: &Map<String, Value>, ctx: &Context) -> Value {
        let ids = &self.ids;
        let distinct = s(&ids.distinct_id);
        let device = ids.device_id.as_deref().map(s);
        let user = match (&ids.user_id, self.sdk.null_user_id) {
            (Some(u), _) => Some(s(u)),
            (None, true) => Some(Value::Null),
            (None, false) => None,
        };
        let had = match self.sdk.had_persisted {
            HadPersisted::Never => None,
            HadPersisted::TrueFromInstall => ids.had_persisted.map(Value::Bool),
            HadPersisted::AlwaysSentFalse => Some(Value::Bool(ids.had_persisted.unwrap_or(false))),
        };
        let automatic = (self.sdk.automatic)(&self.spec);
        let mut p = Map::new();
        let extend = |p: &mut Map<String, Value>, m: &Map<String, Value>| {
            for (k, v) in m {
                p.insert(k.clone(), v.clone());
            }
        };
        match self.sdk.precedence {
            Precedence::IdentityThenSupersThenCaller => {
                extend(&mut p, &automatic);
                p.insert("token".into(), s(ctx.token));
                p.insert("time".into(), json!(ctx.time_ms));
                p.insert("distinct_id".into(), distinct);
                if let Some(d) = device {
                    p.insert("$device_id".into(), d);
                }
                if let Some(u) = user {
                    p.insert("$user_id".into(), u);
                }
                if let Some(h) = had {
                    p.insert("$had_persisted_distinct_id".into(), h);
                }
                extend(&mut p, &self.supers);
                extend(&mut p, caller);
            }
            Precedence::SupersThenIdentityThenCaller => {
                extend(&mut p, &automatic);
                p.insert("token".into(), s(ctx.token));
                extend(&mut p, &self.supers);
                p.insert("time".into(), json!(ctx.time_ms));
                p.insert("distinct_id".into(), distinct);
                if let Some(h) = had {
                    p.insert("$had_persisted_distinct_id".into(), h);
                }
                if let Some(d) = device {
                    p.insert("$device_id".into(), d);
                }
                if let Some(u) = user {
                    p.insert("$user_id".into(), u);
                }
                extend(&mut p, caller);
            }
            Precedence::IdentityLast => {
                p.insert("token".into(), s(ctx.token));
                p.insert("time".into(), json!(ctx.time_ms));
                extend(&mut p, &automatic);
                extend(&mut p, &self.supers);
                extend(&mut p, caller);
                p.insert("distinct_id".into(), distinct);
                p.insert("$device_id".into(), device.unwrap_or(Value::Null));
                if let Some(u) = user {
                    p.insert("$user_id".into(), u);
                }
            }
        }
        json!({ "event": name, "properties": p })
    }

    /// Queues an event (nothing while opted out).
    fn track(
        &mut self,
        name: &str,
        caller: &Map<String, Value>,
        ctx: &mut Context,
        sent: &mut Sent,
    ) {
        if self.opted_out {
            sent.notes.push(format!(
                "opted out: {} queues no {}",
                self.label(),
                crate::text::quoted(name)
            ));
            return;
        }
        let body = self.event(name, caller, ctx);
        self.enqueue(Endpoint::Track, body, false, ctx, sent);
    }

    fn enqueue(
        &mut self,
        endpoint: Endpoint,
        body: Value,
        held: bool,
        ctx: &mut Context,
        sent: &mut Sent,
    ) {
        self.queue.push(Queued {
            endpoint,
            body,
            held,
        });
        ctx.next_index += 1;
        // Android `AnalyticsMessages.Worker.AnalyticsMessageHandler.handleMessage`: a table
        // reaching `BulkUploadLimit` rows is sent at once (held updates count 0).
        if let Some(limit) = self.sdk.flush.bulk_limit {
            let rows = self
                .queue
                .iter()
                .filter(|q| q.endpoint == endpoint && !q.held)
                .count();
            if !held && rows >= limit {
                sent.notes.push(format!(
                    "{rows} records queued: {} sends its queue at once",
                    self.label()
                ));
                self.flush_now(&mut sent.requests);
            }
        }
    }

    /// The profile record of an operation, with the ids it is queued with.
    fn people_record(&self, action: &str, data: Value, ctx: &Context) -> Map<String, Value> {
        let ids = &self.ids;
        let mut r = Map::new();
        match self.sdk.people.record {
            PeopleRecord::DeviceUserThenProfile => {
                r.insert("$token".into(), s(ctx.token));
                r.insert("$time".into(), json!(ctx.time_ms));
                r.insert(action.into(), data);
                if let Some(d) = &ids.device_id {
                    r.insert("$device_id".into(), s(d));
                }
                if let Some(u) = &ids.user_id {
                    r.insert("$user_id".into(), s(u));
                }
                if let Some(h) = ids.had_persisted {
                    r.insert("$had_persisted_distinct_id".into(), Value::Bool(h));
                }
                if let Some(p) = &ids.people_id {
                    r.insert("$distinct_id".into(), s(p));
                }
            }
            PeopleRecord::ProfileIdTwice => {
                r.insert(action.into(), data);
                r.insert("$token".into(), s(ctx.token));
                r.insert("$time".into(), json!(ctx.time_ms));
                r.insert(
                    "$had_persisted_distinct_id".into(),
                    Value::Bool(ids.had_persisted.unwrap_or(false)),
                );
                if let Some(d) = &ids.device_id {
                    r.insert("$device_id".into(), s(d));
                }
                if let Some(p) = &ids.people_id {
                    r.insert("$distinct_id".into(), s(p));
                    r.insert("$user_id".into(), s(p));
                }
            }
            PeopleRecord::CurrentIds => {
                r.insert("$token".into(), s(ctx.token));
                r.insert("$time".into(), json!(ctx.time_ms));
                r.insert(action.into(), data);
                r.insert("$distinct_id".into(), s(&ids.distinct_id));
                if let Some(d) = &ids.device_id {
                    r.insert("$device_id".into(), s(d));
                }
                if let Some(u) = &ids.user_id {
                    r.insert("$user_id".into(), s(u));
                }
            }
        }
        r
    }

    /// Queues a profile operation; `held` when the profile is not identified yet
    /// (PeopleHold::UntilIdentified).
    fn queue_people(&mut self, action: &str, data: Value, ctx: &mut Context, sent: &mut Sent) {
        let record = Value::Object(self.people_record(action, data, ctx));
        let held = match self.sdk.people.hold {
            PeopleHold::UntilIdentified => self.ids.people_id.is_none(),
            PeopleHold::RewrittenAtIdentify => false,
        };
        self.enqueue(Endpoint::Engage, record, held, ctx, sent);
    }

    /// SDK-IOS-PROFILE, SDK-ANDROID-PROFILE, SDK-RN-PROFILE:
    /// `mixpanel-swift@6.8.0 Sources/People.swift: set, setOnce`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: PeopleImpl.set, setOnce`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: set, setOnce`.
    fn people(
        &mut self,
        once: bool,
        props: &Map<String, Value>,
        ctx: &mut Context,
        sent: &mut Sent,
    ) {
        let call = if once {
            "people_set_once"
        } else {
            "people_set"
        };
        if self.opted_out {
            sent.notes
                .push(format!("opted out: {} queues no {call}", self.label()));
            return;
        }
        let mut data = (self.sdk.people_automatic)(&self.spec, once);
        for (k, v) in props {
            data.insert(k.clone(), v.clone());
        }
        let action = if once { "$set_once" } else { "$set" };
        self.queue_people(action, Value::Object(data), ctx, sent);
        let waits = match self.sdk.people.hold {
            PeopleHold::UntilIdentified => self.ids.people_id.is_none(),
            PeopleHold::RewrittenAtIdentify => !self.identified(),
        };
        if waits {
            sent.notes.push(format!(
                "{call} is held until identify: {} sends no profile update before",
                self.label()
            ));
        }
    }

    /// React Native's `isIdentified`: a truthy user id.
    fn identified(&self) -> bool {
        self.ids.user_id.as_deref().is_some_and(|u| !u.is_empty())
    }

    /// SDK-IOS-IDENTIFY, SDK-ANDROID-IDENTIFY, SDK-RN-IDENTIFY (and the storage upgrade of
    /// SDK-IOS-PERSIST, SDK-ANDROID-PERSIST):
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: identify`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: identify`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: identify`.
    fn identify(&mut self, id: &str, ctx: &mut Context, sent: &mut Sent) {
        let rules = self.sdk.identify;
        let call = format!("identify({})", s(id));
        if self.opted_out && !rules.while_opted_out {
            sent.notes
                .push(format!("opted out: {} ignores {call}", self.label()));
            return;
        }
        if id.is_empty() && rules.refuses_empty {
            sent.notes.push(format!(
                "{call} refused: {} does not identify with an empty id; nothing changes",
                self.label()
            ));
            return;
        }
        let previous = self.ids.distinct_id.clone();
        let changes = id != previous;
        if changes && rules.refuses_device_prefix && id.starts_with(DEVICE_PREFIX) {
            sent.notes.push(format!(
                "{call} refused: {} cannot identify with a '$device:' distinct_id; nothing changes",
                self.label()
            ));
            return;
        }
        // Storage left by an older SDK gets its anonymous id now: the previous distinct id,
        // with `$had_persisted_distinct_id: true` (Swift on every identify, Android when the id
        // changes).
        let upgrades = match rules.same_id {
            SameId::SetsUserId => true,
            SameId::PeopleOnly | SameId::Nothing => changes,
        };
        if upgrades && self.ids.device_id.is_none() {
            self.ids.device_id = Some(previous.clone());
            self.ids.had_persisted = Some(true);
        }
        let sets_user = rules.same_id == SameId::SetsUserId && self.ids.user_id.is_none();
        if sets_user {
            self.ids.user_id = Some(id.to_string());
            if !changes {
                sent.notes.push(format!(
                    "{call} sent no $identify (it is already the distinct_id), but {} now sends $user_id {} on every event",
                    self.label(),
                    s(id)
                ));
            }
        }
        if changes {
            self.ids.distinct_id = id.to_string();
            self.ids.user_id = Some(id.to_string());
            if self.sdk.people.hold == PeopleHold::RewrittenAtIdentify {
                self.rewrite_people();
            }
            let mut props = Map::new();
            if rules.echoes_ids {
                props.insert("distinctId".into(), s(id));
                props.insert("$user_id".into(), s(id));
            }
            props.insert("$anon_distinct_id".into(), s(&previous));
            if rules.echoes_ids {
                props.insert(
                    "$device_id".into(),
                    self.ids.device_id.as_deref().map_or(Value::Null, s),
                );
            }
            self.track("$identify", &props, ctx, sent);
            if id.is_empty() {
                sent.notes.push(
                    "identify(\"\") makes the empty string the distinct_id and $user_id of every later event"
                        .into(),
                );
            }
        } else if !sets_user {
            sent.notes.push(format!(
                "{call} sent no $identify: it is already the distinct_id"
            ));
        }
        if self.sdk.people.hold == PeopleHold::UntilIdentified
            && (changes || rules.same_id != SameId::Nothing)
        {
            self.ids.people_id = Some(id.to_string());
            for q in self.queue.iter_mut().filter(|q| q.held) {
                if let Some(r) = q.body.as_object_mut() {
                    r.insert("$distinct_id".into(), s(id));
                }
                q.held = false;
            }
        }
    }

    /// React Native `identifyUserQueue`: every queued profile update gets the current ids.
    fn rewrite_people(&mut self) {
        let ids = self.ids.clone();
        for q in self
            .queue
            .iter_mut()
            .filter(|q| q.endpoint == Endpoint::Engage)
        {
            if let Some(r) = q.body.as_object_mut() {
                r.insert("$distinct_id".into(), s(&ids.distinct_id));
                if let Some(d) = &ids.device_id {
                    r.insert("$device_id".into(), s(d));
                }
                if let Some(u) = &ids.user_id {
                    r.insert("$user_id".into(), s(u));
                }
            }
        }
    }

    /// SDK-IOS-ALIAS, SDK-ANDROID-ALIAS, SDK-RN-ALIAS:
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: createAlias`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: alias`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: alias`.
    fn alias(&mut self, alias: &str, original: Option<&str>, ctx: &mut Context, sent: &mut Sent) {
        let rules = self.sdk.alias;
        let original = original.map_or_else(|| self.ids.distinct_id.clone(), str::to_string);
        let call = format!("alias({}, {})", s(alias), s(&original));
        if self.opted_out && rules.refused_while_opted_out {
            sent.notes
                .push(format!("opted out: {} ignores {call}", self.label()));
            return;
        }
        if rules.refuses_empty && (alias.is_empty() || original.is_empty()) {
            sent.notes.push(format!(
                "{call} refused: {} needs a non-empty alias and distinct id; nothing is sent",
                self.label()
            ));
            return;
        }
        if rules.refuses_same && alias == original {
            sent.notes.push(format!(
                "{call} refused: the alias matches the distinct id; nothing is sent"
            ));
            return;
        }
        if alias == original {
            sent.notes.push(format!(
                "{} does not refuse an alias equal to the distinct id: $create_alias is sent",
                self.label()
            ));
        }
        if self.sdk.precedence == Precedence::IdentityLast && original != self.ids.distinct_id {
            sent.notes.push(format!(
                "{} sends $create_alias with the current distinct_id {}, not {}",
                self.label(),
                s(&self.ids.distinct_id),
                s(&original)
            ));
        }
        let mut props = Map::new();
        props.insert("alias".into(), s(alias));
        props.insert("distinct_id".into(), s(&original));
        self.track("$create_alias", &props, ctx, sent);
        if rules.identifies_original {
            sent.notes.push(format!(
                "{} identifies with {} after alias, not with the alias",
                self.label(),
                s(&original)
            ));
            self.identify(&original, ctx, sent);
        } else {
            sent.notes.push(format!(
                "{} does not identify after alias: distinct_id stays {} and no $user_id is set",
                self.label(),
                s(&self.ids.distinct_id)
            ));
        }
        if rules.flushes && !self.opted_out {
            self.flush_now(&mut sent.requests);
        }
    }

    /// A new device id: the pinned one, or the next generated one in the SDK's case.
    fn next_device_id(&mut self, pinned: Option<&String>, ctx: &mut Context) -> String {
        match pinned {
            Some(p) => p.clone(),
            None => {
                let id = ctx.ids.device_id(&self.name, self.device_ids.len() as u32);
                self.sdk.format_id(id)
            }
        }
    }

    /// What reset and opt-out share: a new anonymous identity, no user, no super properties.
    fn new_identity(&mut self, device_id: String) {
        self.ids = Ids {
            distinct_id: format!("{DEVICE_PREFIX}{device_id}"),
            device_id: Some(device_id.clone()),
            user_id: None,
            had_persisted: self.sdk.had_persisted.fresh(),
            people_id: None,
        };
        self.device_ids.push(device_id);
        self.supers.clear();
    }

    /// SDK-IOS-RESET, SDK-ANDROID-RESET, SDK-RN-RESET:
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: reset`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: reset`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-persistent.js: reset`.
    fn reset(&mut self, pinned: Option<&String>, ctx: &mut Context, sent: &mut Sent) {
        if self.sdk.flush.on_reset && !self.opted_out {
            self.flush_now(&mut sent.requests);
        }
        let id = self.next_device_id(pinned, ctx);
        self.new_identity(id);
        if self.sdk.people.hold == PeopleHold::UntilIdentified {
            let before = self.queue.len();
            self.queue.retain(|q| !q.held);
            if self.queue.len() < before {
                sent.notes.push(format!(
                    "reset() drops the profile updates still waiting for identify ({})",
                    before - self.queue.len()
                ));
            }
        } else if self.queue.iter().any(|q| q.endpoint == Endpoint::Engage) {
            sent.notes.push(
                "reset() keeps the queued profile updates: the next identify rewrites them to its user"
                    .into(),
            );
        }
    }

    /// SDK-IOS-OPTOUT, SDK-ANDROID-OPTOUT, SDK-RN-OPTOUT:
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: optOutTracking`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: optOutTracking`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: optOutTracking`.
    fn opt_out(&mut self, ctx: &mut Context, sent: &mut Sent) {
        let rules = self.sdk.opt_out;
        if rules.empties_queue {
            self.queue.clear();
        }
        if let (Some(delete), Some(_)) = (rules.deletes_profile, &self.ids.people_id) {
            let (first, second) = match delete {
                DeleteProfile::EmptyDeleteThenSetTransactions => {
                    let mut set = (self.sdk.people_automatic)(&self.spec, false);
                    set.insert("$transactions".into(), json!([]));
                    (("$delete", json!({})), ("$set", Value::Object(set)))
                }
                DeleteProfile::NullDeleteThenUnsetTransactions => (
                    ("$delete", Value::Null),
                    ("$unset", json!(["$transactions"])),
                ),
            };
            for (action, data) in [first, second] {
                self.queue_people(action, data, ctx, sent);
            }
            sent.notes.push(match rules.sending {
                WhileOptedOut::Holds => "opt-out queues $delete for the identified profile; it waits (nothing leaves while opted out) and goes out after opt_in".to_string(),
                WhileOptedOut::Sends | WhileOptedOut::LastCycleThenStops => "opt-out queues $delete for the identified profile; it is sent although the device is opted out".to_string(),
            });
        }
        let id = self.next_device_id(None, ctx);
        self.new_identity(id);
        self.opted_out = true;
        sent.notes.push(format!(
            "opt_out draws a new device id: after opt_in the device is a new anonymous {}",
            s(&self.ids.distinct_id)
        ));
    }

    /// `$opt_in` with the ids opt-out drew:
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: optInTracking`;
    /// `mixpanel-android@8.10.0 MixpanelAPI.java: optInTracking`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-main.js: optInTracking`.
    fn opt_in(&mut self, ctx: &mut Context, sent: &mut Sent) {
        self.opted_out = false;
        self.track("$opt_in", &Map::new(), ctx, sent);
        if self.loop_stopped {
            sent.notes.push(format!(
                "{}'s send loop stopped while opted out and opt_in does not restart it: $opt_in and everything after stay queued",
                self.label()
            ));
        }
    }

    /// SDK-IOS-FLUSH, SDK-ANDROID-FLUSH, SDK-RN-FLUSH: sends what may leave now — events, then
    /// profile updates, in requests of `batch_size`:
    /// `mixpanel-swift@6.8.0 Sources/MixpanelInstance.swift: flush`;
    /// `mixpanel-android@8.10.0 AnalyticsMessages.java: Worker.sendAllData, sendData`;
    /// `mixpanel-react-native@3.3.0 javascript/mixpanel-core.js: processQueue`.
    fn flush_now(&mut self, out: &mut Vec<Request>) {
        let identified = self.identified();
        let hold = self.sdk.people.hold;
        let may_leave = |q: &Queued| match (q.endpoint, hold) {
            (Endpoint::Engage, PeopleHold::UntilIdentified) => !q.held,
            (Endpoint::Engage, PeopleHold::RewrittenAtIdentify) => identified,
            _ => true,
        };
        for endpoint in [Endpoint::Track, Endpoint::Engage] {
            let (leaving, staying): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut self.queue)
                .into_iter()
                .partition(|q| q.endpoint == endpoint && may_leave(q));
            self.queue = staying;
            let payloads: Vec<Value> = leaving.into_iter().map(|q| q.body).collect();
            for chunk in payloads.chunks(self.sdk.flush.batch_size.max(1)) {
                out.push(Request {
                    endpoint,
                    payloads: chunk.to_vec(),
                });
            }
        }
    }
}

impl Sdk {
    fn format_id(&self, id: String) -> String {
        if self.uppercase_ids {
            id.to_uppercase()
        } else {
            id
        }
    }
}

impl super::Device for Device {
    fn profile(&self) -> Profile {
        self.sdk.profile
    }

    /// Nothing is sent at init (automatic events off, as `Profile::init_text` creates the
    /// SDK); keys of the device's `storage` the SDK does not read, and mixpanel-js init
    /// options, are named.
    fn init(&mut self, _ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        if !self.spec.config.is_default() {
            sent.notes.push(format!(
                "{} has no mixpanel-js init options (batch_requests, track_pageview): ignored",
                self.label()
            ));
        }
        if let Some(storage) = &self.spec.storage {
            let unread: Vec<&str> = storage
                .keys()
                .map(String::as_str)
                .filter(|k| !["distinct_id", "$device_id"].contains(k))
                .collect();
            if !unread.is_empty() {
                sent.notes.push(format!(
                    "{} reads only distinct_id and $device_id from the device's storage; ignored: {}",
                    self.label(),
                    unread.join(", ")
                ));
            }
        }
        sent
    }

    fn call(&mut self, call: &SdkCall, ctx: &mut Context) -> Sent {
        let mut sent = Sent::default();
        let supers_ok = !self.opted_out || self.sdk.supers_while_opted_out;
        match call {
            SdkCall::Track { event, properties } => {
                if self.sdk.precedence == Precedence::IdentityLast {
                    let ignored: Vec<&str> = ["distinct_id", "$device_id", "$user_id"]
                        .into_iter()
                        .filter(|k| properties.contains_key(*k))
                        .collect();
                    if !ignored.is_empty() {
                        sent.notes.push(format!(
                            "{} puts its own identity keys last: the {} passed to track() {} not sent",
                            self.label(),
                            ignored.join(", "),
                            if ignored.len() == 1 { "is" } else { "are" }
                        ));
                    }
                }
                self.track(event, properties, ctx, &mut sent)
            }
            SdkCall::Identify(id) => self.identify(id, ctx, &mut sent),
            SdkCall::Alias { alias, original } => {
                self.alias(alias, original.as_deref(), ctx, &mut sent)
            }
            SdkCall::Reset { device_id } => self.reset(device_id.as_ref(), ctx, &mut sent),
            SdkCall::Register(_) | SdkCall::RegisterOnce(_) | SdkCall::Unregister(_)
                if !supers_ok =>
            {
                sent.notes.push(format!(
                    "opted out: {} ignores {}",
                    self.label(),
                    call.key()
                ));
            }
            SdkCall::Register(p) => {
                for (k, v) in p {
                    self.supers.insert(k.clone(), v.clone());
                }
            }
            SdkCall::RegisterOnce(p) => {
                for (k, v) in p {
                    self.supers.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            SdkCall::Unregister(k) => {
                self.supers.shift_remove(k);
            }
            SdkCall::PeopleSet(p) => self.people(false, p, ctx, &mut sent),
            SdkCall::PeopleSetOnce(p) => self.people(true, p, ctx, &mut sent),
            SdkCall::OptOut => self.opt_out(ctx, &mut sent),
            SdkCall::OptIn => self.opt_in(ctx, &mut sent),
            // Refused where the scenario writes them (Profile::accepts).
            SdkCall::TrackPageview(_) | SdkCall::Import { .. } | SdkCall::PeopleSetFor { .. } => {
                sent.notes.push(format!(
                    "{} has no {}: nothing is sent",
                    self.label(),
                    call.key()
                ))
            }
        }
        sent
    }

    /// Time passes (the SDKs flush every 60 s, and Swift and Android when the app goes to the
    /// background): the queue leaves, unless the device is opted out and the SDK holds it.
    fn settle(&mut self, _ctx: &mut Context) -> Vec<Request> {
        let mut out = Vec::new();
        match self.sdk.opt_out.sending {
            WhileOptedOut::Holds if self.opted_out => {}
            WhileOptedOut::LastCycleThenStops if self.loop_stopped => {}
            WhileOptedOut::LastCycleThenStops => {
                self.flush_now(&mut out);
                if self.opted_out {
                    self.loop_stopped = true;
                }
            }
            WhileOptedOut::Holds | WhileOptedOut::Sends => self.flush_now(&mut out),
        }
        out
    }

    fn distinct_id(&self) -> String {
        self.ids.distinct_id.clone()
    }

    fn user_id(&self) -> Option<String> {
        self.ids.user_id.clone()
    }

    fn device_ids(&self) -> &[String] {
        &self.device_ids
    }

    fn clone_box(&self) -> Box<dyn super::Device> {
        Box::new(self.clone())
    }
}
