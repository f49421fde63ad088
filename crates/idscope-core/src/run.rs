//! A run: one scenario replayed through the SDK emulator and one mode's resolver. Every
//! step's payloads and verdicts are kept, so any step can be viewed without replaying.

use crate::api;
use crate::ids::IdSource;
pub use crate::model::RunConfig;
use crate::model::{Endpoint, Mode};
use crate::playbook;
use crate::resolver::{Cluster, Incoming, Resolver, Verdict};
use crate::rules::RuleId;
use crate::scenario::{Action, Scenario};
use crate::sdk::{Context, Device, Payload, Request};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// One scenario step as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// 1-based.
    pub number: usize,
    pub device: Option<String>,
    pub action: &'static str,
    /// The SDK calls the step made (an intent shows its expansion), or `POST /endpoint`.
    pub calls: Vec<String>,
    /// The same SDK calls as values (none for a raw `send`).
    pub sdk_calls: Vec<crate::sdk::SdkCall>,
    /// The playbook rule that expanded an intent.
    pub playbook_rule: Option<RuleId>,
    /// Indices of the payloads the step sent.
    pub events: Range<usize>,
    pub note: Option<String>,
    /// What the SDK refused or skipped ("identify refused: …"), and what an endpoint
    /// changed (a future `time`).
    pub sdk_notes: Vec<String>,
    /// What the API answered a raw `send` (a strict `/import` lists its failed records).
    pub response: Option<Value>,
    /// Wall-clock time of the step, in milliseconds since the epoch.
    pub time_ms: i64,
}

/// One payload and the resolver's verdict on it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub index: usize,
    pub step: usize,
    /// Which HTTP request (0-based, over the run) carried it: a batch carries several.
    pub request: usize,
    pub payload: Payload,
    pub verdict: Verdict,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub scenario: String,
    pub config: RunConfig,
    pub steps: Vec<StepRecord>,
    pub events: Vec<EventRecord>,
    /// Every id each device had, in order (index = reset count).
    pub device_ids: BTreeMap<String, Vec<String>>,
    /// Bare device id → its device's name (the inverse of `device_ids`, for labels).
    device_names: HashMap<String, String>,
    resolver: Resolver,
}

/// What kind of id an identity is, for labels: a device id, a user id, an alias, an id
/// Mixpanel made up (G-MISSING), or a plain distinct_id whose kind no rule settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Device,
    User,
    Alias,
    Synthetic,
    Id,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Device => "device",
            IdKind::User => "user",
            IdKind::Alias => "alias",
            IdKind::Synthetic => "synthetic",
            IdKind::Id => "id",
        }
    }
}

/// What happened to one payload: the verdict, what the endpoint changed (in words), and
/// the field and message an `/import` refusal names.
struct Admitted {
    verdict: Verdict,
    note: Option<String>,
    refusal: Option<(&'static str, String)>,
}

/// One payload through its endpoint's checks (G-WINDOW, G-IMPORT, G-MISSING), then the
/// resolver.
fn admit_and_resolve(
    resolver: &mut Resolver,
    config: &RunConfig,
    index: u32,
    endpoint: Endpoint,
    body: &Value,
    sent_at: f64,
    sender: &str,
) -> Admitted {
    let done = |verdict, note, refusal| Admitted {
        verdict,
        note,
        refusal,
    };
    if endpoint == Endpoint::Engage {
        return done(resolver.resolve(index, endpoint, body), None, None);
    }
    match api::admit(config.mode, &config.knobs, endpoint, body, sent_at, sender) {
        api::Admission::Refuse {
            rule,
            reason,
            field,
            message,
        } => {
            let name = body
                .get("properties")
                .and_then(|p| p.get("distinct_id"))
                .and_then(crate::resolver::id_value);
            let verdict = resolver.refuse(name.as_deref(), reason, rule);
            done(verdict, None, Some((field, message)))
        }
        api::Admission::Accept { distinct_id, note } => {
            let mut incoming = Incoming::from_value(index, endpoint, body);
            if let Some(d) = &distinct_id {
                incoming.distinct_id = Some(std::borrow::Cow::Borrowed(d.as_str()));
            }
            let mut verdict = resolver.resolve_incoming(&incoming);
            if let Some(d) = &distinct_id {
                resolver.mark_synthetic(d);
                // G-MISSING decided whom the event counts for.
                if verdict.effect == crate::model::Effect::None {
                    verdict.rule = RuleId::GMissing;
                }
            }
            // The resolver's own refusal (a placeholder distinct_id, G-INVALID).
            let refusal = (verdict.effect == crate::model::Effect::Rejected).then(|| {
                let name = verdict.ingest.map_or("", |i| resolver.history().name(i));
                api::refusal(verdict.reason.unwrap_or(""), name)
            });
            done(verdict, note, refusal)
        }
    }
}

impl Run {
    /// Replays the whole scenario with deterministic ids.
    pub fn new(scenario: &Scenario, config: RunConfig) -> Run {
        Run::with_ids(scenario, config, IdSource::deterministic(&scenario.name))
    }

    /// Replays the whole scenario with the given id source.
    pub fn with_ids(scenario: &Scenario, config: RunConfig, mut ids: IdSource) -> Run {
        let mut resolver = Resolver::new(config.mode, config.knobs);
        let mut devices: BTreeMap<String, Box<dyn Device>> = BTreeMap::new();
        let mut steps = Vec::with_capacity(scenario.steps.len());
        let mut events: Vec<EventRecord> = Vec::new();
        let mut requests = 0usize;
        // Payloads the SDKs have built so far (queued ones too): numbers the `$insert_id`s.
        let mut built = 0usize;
        let mut time_ms = scenario.start.saturating_mul(1000);
        for (i, step) in scenario.steps.iter().enumerate() {
            time_ms = time_ms.saturating_add(step.advance_ms);
            let number = i + 1;
            let first = events.len();
            let mut calls = Vec::new();
            let mut sdk_calls = Vec::new();
            let mut sdk_notes = Vec::new();
            let mut sent: Vec<Request> = Vec::new();
            match &step.action {
                Action::Send { payloads, endpoint } => {
                    calls.push(format!(
                        "POST /{}{}",
                        endpoint.as_str(),
                        if payloads.len() > 1 {
                            format!(" ({} payloads)", payloads.len())
                        } else {
                            String::new()
                        }
                    ));
                    sent.push(Request {
                        endpoint: *endpoint,
                        payloads: payloads.clone(),
                    });
                }
                action => {
                    let name = step.device.as_deref().unwrap_or("default");
                    let mut ctx = Context {
                        token: &scenario.token,
                        time_ms,
                        ids: &mut ids,
                        next_index: built,
                    };
                    let device = match devices.entry(name.to_string()) {
                        std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::btree_map::Entry::Vacant(v) => {
                            // SDK-INIT: the page loads on the device's first step.
                            let spec = scenario.devices.get(name).cloned().unwrap_or_default();
                            let first_id = spec
                                .device_id
                                .clone()
                                .unwrap_or_else(|| ctx.ids.device_id(name, 0));
                            let mut d = spec.profile().device(name, first_id, &spec);
                            let init = d.init(&mut ctx);
                            sdk_notes.extend(init.notes);
                            sent.extend(init.requests);
                            v.insert(d)
                        }
                    };
                    let expanded = playbook::expand(action, config.playbook(), Some(&**device));
                    for call in &expanded {
                        calls.push(device.profile().call_text(call));
                        let out = device.call(call, &mut ctx);
                        sent.extend(out.requests);
                        sdk_notes.extend(out.notes);
                    }
                    sdk_calls.clone_from(&expanded);
                    if expanded.is_empty() {
                        // Say what did not happen: an asked-for reset must not vanish silently.
                        let kept = if matches!(action, Action::Logout) {
                            ": no reset(), so the device keeps its ids"
                        } else {
                            ""
                        };
                        let rule = playbook::rule_for(action)
                            .map_or_else(String::new, |r| format!(" ({r})"));
                        sdk_notes.push(format!(
                            "the {} playbook makes no SDK call for `{}`{rule}{kept}",
                            config.playbook(),
                            action.key()
                        ));
                    }
                    // Between steps the device settles (callbacks run, batches flush),
                    // unless the next step continues this tick.
                    let next_same_tick = scenario.steps.get(i + 1).is_some_and(|n| n.same_tick);
                    if !next_same_tick {
                        sent.extend(device.settle(&mut ctx));
                    }
                    built = ctx.next_index;
                }
            }
            let raw = matches!(step.action, Action::Send { .. });
            let sender = step.device.as_deref().unwrap_or("server");
            let mut response = None;
            for request in sent {
                let mut failed = Vec::new();
                let total = request.payloads.len();
                for (k, body) in request.payloads.into_iter().enumerate() {
                    let index = events.len();
                    let sent_at = time_ms as f64 / 1000.0;
                    let admitted = admit_and_resolve(
                        &mut resolver,
                        &config,
                        index as u32,
                        request.endpoint,
                        &body,
                        sent_at,
                        sender,
                    );
                    sdk_notes.extend(admitted.note);
                    if let Some((field, message)) = admitted.refusal {
                        failed.push(api::Failed {
                            index: k,
                            insert_id: body
                                .get("properties")
                                .and_then(|p| p.get("$insert_id"))
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            field,
                            message,
                        });
                    }
                    let verdict = admitted.verdict;
                    events.push(EventRecord {
                        index,
                        step: number,
                        request: requests,
                        payload: Payload {
                            endpoint: request.endpoint,
                            body,
                        },
                        verdict,
                    });
                }
                if raw {
                    // /track answers 1 whatever it dropped; /import lists what failed.
                    let failed = if request.endpoint == Endpoint::Import {
                        failed
                    } else {
                        Vec::new()
                    };
                    response = Some(api::response(request.endpoint, total, &failed));
                }
                requests += 1;
            }
            steps.push(StepRecord {
                number,
                device: step.device.clone(),
                action: step.action.key(),
                calls,
                sdk_calls,
                playbook_rule: playbook::rule_for(&step.action),
                events: first..events.len(),
                note: step.note.clone(),
                sdk_notes,
                response,
                time_ms,
            });
        }
        let device_ids: BTreeMap<String, Vec<String>> = devices
            .into_iter()
            .map(|(name, d)| (name, d.device_ids().to_vec()))
            .collect();
        let mut device_names: HashMap<String, String> = device_ids
            .iter()
            .flat_map(|(name, ids)| ids.iter().map(move |d| (d.clone(), name.clone())))
            .collect();
        // A declared device that makes no call still names its pinned id: a scenario of raw
        // `send`s (a user taken from an export) names the devices its events carry.
        for (name, spec) in &scenario.devices {
            if let Some(id) = &spec.device_id {
                device_names
                    .entry(id.clone())
                    .or_insert_with(|| name.clone());
            }
        }
        Run {
            scenario: scenario.name.clone(),
            config,
            steps,
            events,
            device_ids,
            device_names,
            resolver,
        }
    }

    pub fn mode(&self) -> Mode {
        self.config.mode
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Number of payloads sent by steps `1..=until`.
    pub fn events_until(&self, until: usize) -> usize {
        match until.min(self.steps.len()) {
            0 => 0,
            n => self.steps[n - 1].events.end,
        }
    }

    /// The id an event was stored under on arrival.
    pub fn ingest_id(&self, event: usize) -> Option<&str> {
        let h = self.resolver.history();
        self.events[event].verdict.ingest.map(|id| h.name(id))
    }

    /// Whom reports attribute an event to after step `until`.
    pub fn final_id(&self, event: usize, until: usize) -> Option<&str> {
        let t_end = self.events_until(until) as u32;
        let h = self.resolver.history();
        self.resolver
            .final_id(&self.events[event].verdict, t_end)
            .map(|id| h.name(id))
    }

    /// The clusters as they stand after step `until`.
    pub fn clusters(&self, until: usize) -> Vec<Cluster> {
        let n = self.events_until(until);
        let verdicts: Vec<&Verdict> = self.events[..n].iter().map(|e| &e.verdict).collect();
        self.resolver.clusters(n as u32, &verdicts)
    }

    /// Facts recorded about an id (see [`crate::resolver::flag`]); 0 for unknown ids.
    pub fn id_flags(&self, name: &str) -> u8 {
        let h = self.resolver.history();
        h.lookup(name).map_or(0, |id| h.flags(id))
    }

    /// What kind of id `name` is, as the resolver recorded it (for labels and graphs).
    pub fn id_kind(&self, name: &str) -> IdKind {
        use crate::resolver::flag;
        let f = self.id_flags(name);
        if f & flag::SYNTHETIC != 0 {
            IdKind::Synthetic
        } else if f & flag::DEVICE != 0 || name.starts_with("$device:") {
            IdKind::Device
        } else if f & flag::ALIAS != 0 {
            IdKind::Alias
        } else if f & (flag::USER | flag::IDENTIFIED) != 0 {
            IdKind::User
        } else {
            IdKind::Id
        }
    }

    /// The scenario's name for the device an id belongs to (`web` for `$device:<web's id>`
    /// or the bare id), so views can say which device a UUID is.
    pub fn device_name(&self, id: &str) -> Option<&str> {
        let bare = id.strip_prefix("$device:").unwrap_or(id);
        self.device_names.get(bare).map(String::as_str)
    }

    /// How the UI, the exports and `--scope event:` name an event: `N.k`, the `k`-th payload
    /// (from 1) of step `N` (from 1). The JSON contract's `index` is its 0-based position.
    pub fn event_ref(&self, event: usize) -> String {
        let e = &self.events[event];
        let first = self.steps[e.step - 1].events.start;
        format!("{}.{}", e.step, event - first + 1)
    }

    /// The event an `N.k` reference names, if any.
    pub fn event_by_ref(&self, step: usize, k: usize) -> Option<usize> {
        let s = self.steps.get(step.checked_sub(1)?)?;
        let i = s.events.start + k.checked_sub(1)?;
        (i < s.events.end).then_some(i)
    }

    /// The payload's `distinct_id`-like fields for tables: ($device_id, $user_id).
    pub fn identity_fields(&self, event: usize) -> (Option<String>, Option<String>) {
        let body = &self.events[event].payload.body;
        let props = if self.events[event].payload.endpoint == Endpoint::Engage {
            Some(body)
        } else {
            body.get("properties")
        };
        let get = |k: &str| {
            props
                .and_then(|p| p.get(k))
                .and_then(crate::resolver::id_value)
        };
        (get("$device_id"), get("$user_id"))
    }

    /// The event name, or "(profile $set)" (its operation) for a profile record.
    pub fn event_name(&self, event: usize) -> String {
        let p = &self.events[event].payload;
        if p.endpoint == Endpoint::Engage {
            let op = p
                .body
                .as_object()
                .and_then(|o| {
                    o.keys().find(|k| {
                        !matches!(
                            k.as_str(),
                            "$token"
                                | "$distinct_id"
                                | "$device_id"
                                | "$user_id"
                                | "$had_persisted_distinct_id"
                                | "$ip"
                                | "$time"
                        )
                    })
                })
                .map_or("update", |k| k.as_str());
            return format!("(profile {op})");
        }
        match p.body.get("event") {
            Some(Value::String(s)) => s.clone(),
            _ => "(no event name)".into(),
        }
    }
}
