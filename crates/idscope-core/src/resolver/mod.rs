//! The server side: one resolver per identity mode, plus the G-* rules they share.
//!
//! Each resolver reads payloads in the order they arrive and returns a [`Verdict`] per
//! payload; merges are recorded in a versioned [`History`], so final ids and clusters can be
//! read as they stood after any step.

pub mod history;
mod legacy;
mod original;
mod simplified;

pub use history::{flag, History, IdRef};
pub use original::guid_shaped;

use crate::model::{Effect, Endpoint, Knobs, Mode};
use crate::rules::RuleId;
use serde_json::Value;
use std::borrow::Cow;

/// Failure and warning codes. Mixpanel's own, except where marked.
pub mod reason {
    pub const ASSIGNED_ALREADY: &str = "errAnonDistinctIdAssignedAlready";
    pub const SAME_IDS: &str = "errSameIDs";
    pub const NON_GUID: &str = "errAnonDistinctIdNonGUIDForm";
    pub const MANY_IDS: &str = "errManyIDs";
    pub const ALIAS_EXISTS: &str = "errAliasAlreadyExists";
    /// The simulator's own code (L-ALIAS).
    pub const ALIAS_CYCLE: &str = "errAliasCycle";
    /// The simulator's own code (O-MERGE).
    pub const MERGE_REQUIRES_IMPORT: &str = "mergeRequiresImport";
    /// The simulator's own code (G-INVALID): Mixpanel's 400 names none.
    pub const INVALID_DISTINCT_ID: &str = "invalidDistinctId";
    /// The simulator's own code: an identity event lacks the ids it needs.
    pub const INVALID_PAYLOAD: &str = "invalidPayload";
    /// The simulator's own code (G-WINDOW): `/track` dropped an event older than 5 days.
    pub const TRACK_TOO_OLD: &str = "trackEventTooOld";
    /// The simulator's own codes (G-IMPORT), after the field `/import` names.
    pub const IMPORT_INVALID_TIME: &str = "importInvalidTime";
    pub const IMPORT_INVALID_INSERT_ID: &str = "importInvalidInsertId";
    pub const IMPORT_MISSING_DISTINCT_ID: &str = "importMissingDistinctId";
}

/// What the resolver decided for one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The id Mixpanel stores the event under when it arrives (None: no user).
    pub ingest: Option<IdRef>,
    pub effect: Effect,
    pub reason: Option<&'static str>,
    pub rule: RuleId,
    /// A non-fatal flag, e.g. an invalid distinct_id accepted on `/track` (G-INVALID).
    pub warning: Option<&'static str>,
    /// Whether the payload counts as an event of its final id's user (not profile records,
    /// not rejected or empty events).
    pub counts: bool,
}

impl Verdict {
    fn new(ingest: Option<IdRef>, effect: Effect, rule: RuleId) -> Verdict {
        Verdict {
            ingest,
            effect,
            reason: None,
            rule,
            warning: None,
            counts: ingest.is_some(),
        }
    }

    /// Refused at ingestion: stored under no id, counting for no user.
    pub fn rejected(ingest: Option<IdRef>, reason: &'static str, rule: RuleId) -> Verdict {
        Verdict {
            reason: Some(reason),
            counts: false,
            ..Verdict::new(ingest, Effect::Rejected, rule)
        }
    }

    fn failed(ingest: Option<IdRef>, reason: &'static str, rule: RuleId) -> Verdict {
        Verdict {
            reason: Some(reason),
            ..Verdict::new(ingest, Effect::Failed, rule)
        }
    }
}

/// G-INVALID: distinct_id values `/import` refuses (exact, case-sensitive match **[choice]**).
pub const INVALID_IDS: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "anon",
    "anonymous",
    "nil",
    "none",
    "null",
    "n/a",
    "na",
    "undefined",
    "unknown",
    "<nil>",
    "0",
    "-1",
    "true",
    "false",
    "[]",
    "{}",
];

/// The fields of one payload that identity resolution reads, borrowed where possible, so
/// the step engine (from a JSON value) and the export reader (from typed serde) share it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incoming<'a> {
    pub index: u32,
    pub endpoint: Endpoint,
    pub event: Cow<'a, str>,
    pub distinct_id: Option<Cow<'a, str>>,
    pub device_id: Option<Cow<'a, str>>,
    pub user_id: Option<Cow<'a, str>>,
    pub anon_id: Option<Cow<'a, str>>,
    pub anon_distinct_id: Option<Cow<'a, str>>,
    pub identified_id: Option<Cow<'a, str>>,
    pub alias: Option<Cow<'a, str>>,
    /// `$distinct_ids` of a `$merge`: Some only when it is exactly two ids.
    pub merge_ids: Option<[Cow<'a, str>; 2]>,
    /// `distinct_id` is a string from the G-INVALID list.
    pub invalid_distinct_id: bool,
}

impl<'a> Incoming<'a> {
    /// Reads an event payload (`{"event", "properties"}`).
    pub fn from_value(index: u32, endpoint: Endpoint, body: &'a Value) -> Incoming<'a> {
        let props = body.get("properties").and_then(Value::as_object);
        let get = |k: &str| props.and_then(|p| p.get(k)).and_then(id_cow);
        let merge_ids = match props.and_then(|p| p.get("$distinct_ids")) {
            Some(Value::Array(items)) if items.len() == 2 => {
                match (id_cow(&items[0]), id_cow(&items[1])) {
                    (Some(a), Some(b)) => Some([a, b]),
                    _ => None,
                }
            }
            _ => None,
        };
        Incoming {
            index,
            endpoint,
            event: Cow::Borrowed(body.get("event").and_then(Value::as_str).unwrap_or("")),
            // G-INVALID matches the id's text, so the numbers 0 and -1 count too.
            invalid_distinct_id: get("distinct_id").as_deref().is_some_and(is_invalid_id),
            distinct_id: get("distinct_id"),
            device_id: get("$device_id"),
            user_id: get("$user_id"),
            anon_id: get("$anon_id"),
            anon_distinct_id: get("$anon_distinct_id"),
            identified_id: get("$identified_id"),
            alias: get("alias"),
            merge_ids,
        }
    }
}

/// `$distinct_id_before_identity` for a resolved export row [DOCS-RESERVED]: the event's
/// original distinct_id (else the id it was stored under), only in the ID-merge modes and
/// only when identity merging changed the distinct_id reports use.
pub fn before_identity<'a>(
    mode: Mode,
    original: Option<&'a str>,
    ingest: Option<&'a str>,
    fin: Option<&str>,
) -> Option<&'a str> {
    let before = original.or(ingest)?;
    (mode != Mode::Legacy && fin.is_some_and(|f| f != before)).then_some(before)
}

/// The identity verbs of Original ID Merge: `$identify`, `$create_alias`, `$merge`.
pub fn is_identity_event(name: &str) -> bool {
    matches!(name, "$identify" | "$create_alias" | "$merge")
}

/// G-INVALID membership (exact match).
pub fn is_invalid_id(s: &str) -> bool {
    // Every listed value is short: most ids are rejected by length alone.
    s.len() <= 36 && INVALID_IDS.contains(&s)
}

/// An id value: strings as they are, numbers as their JSON text; empty, missing and other
/// types give None.
pub fn id_value(v: &Value) -> Option<String> {
    id_cow(v).map(Cow::into_owned)
}

fn id_cow(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// One resolver per mode.
#[derive(Debug, Clone)]
pub enum Resolver {
    Legacy(legacy::Legacy),
    Original(original::Original),
    Simplified(simplified::Simplified),
}

impl Resolver {
    pub fn new(mode: Mode, knobs: Knobs) -> Resolver {
        match mode {
            Mode::Legacy => Resolver::Legacy(legacy::Legacy::default()),
            Mode::Original => Resolver::Original(original::Original::new(knobs)),
            Mode::Simplified => Resolver::Simplified(simplified::Simplified::new(knobs)),
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            Resolver::Legacy(_) => Mode::Legacy,
            Resolver::Original(_) => Mode::Original,
            Resolver::Simplified(_) => Mode::Simplified,
        }
    }

    pub fn history(&self) -> &History {
        match self {
            Resolver::Legacy(r) => &r.history,
            Resolver::Original(r) => &r.history,
            Resolver::Simplified(r) => &r.history,
        }
    }

    /// Makes room for about `ids` distinct ids (a large export: its tables are not regrown).
    pub fn reserve(&mut self, ids: usize) {
        self.history_mut().reserve(ids);
    }

    fn history_mut(&mut self) -> &mut History {
        match self {
            Resolver::Legacy(r) => &mut r.history,
            Resolver::Original(r) => &mut r.history,
            Resolver::Simplified(r) => &mut r.history,
        }
    }

    /// Resolves the payload with event index `index`, in arrival order.
    pub fn resolve(&mut self, index: u32, endpoint: Endpoint, body: &Value) -> Verdict {
        if endpoint == Endpoint::Engage {
            return self.profile(index, body);
        }
        self.resolve_incoming(&Incoming::from_value(index, endpoint, body))
    }

    /// Resolves one event's identity fields, in arrival order.
    pub fn resolve_incoming(&mut self, incoming: &Incoming) -> Verdict {
        // G-INVALID: refused on /import, flagged on /track.
        if incoming.invalid_distinct_id && incoming.endpoint == Endpoint::Import {
            let name = incoming.distinct_id.as_deref().unwrap_or_default();
            let ingest = self.history_mut().intern(name, None);
            return Verdict::rejected(Some(ingest), reason::INVALID_DISTINCT_ID, RuleId::GInvalid);
        }
        let mut verdict = match self {
            Resolver::Legacy(r) => r.resolve(incoming),
            Resolver::Original(r) => r.resolve(incoming),
            Resolver::Simplified(r) => r.resolve(incoming),
        };
        if let Some(id) = verdict.ingest.filter(|_| verdict.counts) {
            if self.history().flags(id) & flag::STORED == 0 {
                self.history_mut().set_flag(id, flag::STORED);
            }
        }
        if incoming.invalid_distinct_id {
            verdict.warning = Some(reason::INVALID_DISTINCT_ID);
        }
        verdict
    }

    /// An event the endpoint refused before resolution (G-WINDOW, G-IMPORT): its
    /// distinct_id is known by name but nothing is stored under it.
    pub fn refuse(
        &mut self,
        distinct_id: Option<&str>,
        reason: &'static str,
        rule: RuleId,
    ) -> Verdict {
        let ingest = distinct_id.map(|d| self.history_mut().intern(d, None));
        Verdict::rejected(ingest, reason, rule)
    }

    /// Marks an id Mixpanel made up (G-MISSING), for labelling.
    pub fn mark_synthetic(&mut self, name: &str) {
        if let Some(id) = self.history().lookup(name) {
            self.history_mut().set_flag(id, flag::SYNTHETIC);
        }
    }

    /// SDK-PEOPLE: profile records have no identity effect and count for no user's events.
    /// Under Legacy an update sent to an alias lands on the original id's profile (L-ALIAS:
    /// the alias table applies to `/engage` too [REF-ALIAS]).
    fn profile(&mut self, _index: u32, body: &Value) -> Verdict {
        let legacy = matches!(self, Resolver::Legacy(_));
        let ingest = body.get("$distinct_id").and_then(id_value).map(|d| {
            let h = self.history_mut();
            let id = h.intern(&d, None);
            if legacy {
                h.canonical(id)
            } else {
                id
            }
        });
        Verdict {
            counts: false,
            ..Verdict::new(ingest, Effect::None, RuleId::SdkPeople)
        }
    }

    /// Whom reports attribute an event to, as of before event `t_end`.
    pub fn final_id(&self, verdict: &Verdict, t_end: u32) -> Option<IdRef> {
        let ingest = verdict.ingest.filter(|_| verdict.counts)?;
        Some(match self {
            // L-EVENT: never retroactive; the stored id is final.
            Resolver::Legacy(_) => ingest,
            _ => self.history().canonical_at(ingest, t_end),
        })
    }

    /// The clusters as they stood before event `t_end`, given the verdicts of events `0..t_end`.
    pub fn clusters(&self, t_end: u32, verdicts: &[&Verdict]) -> Vec<Cluster> {
        clusters(self, t_end, verdicts)
    }
}

/// One user: the ids Mixpanel counts as one person, the id reports show for them, and how
/// many events count for them. Scenario runs name ids (`Cluster<String>`); the streaming
/// resolver keeps them as [`IdRef`]s into its history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cluster<Id = String> {
    pub canonical: Id,
    pub members: Vec<Id>,
    pub events: u64,
}

fn clusters(resolver: &Resolver, t_end: u32, verdicts: &[&Verdict]) -> Vec<Cluster> {
    use std::collections::BTreeMap;
    let h = resolver.history();
    // canonical → (members, events)
    let mut by_canonical: BTreeMap<IdRef, (Vec<IdRef>, u64)> = BTreeMap::new();
    for id in 0..h.len() as IdRef {
        if h.born(id) < t_end {
            by_canonical
                .entry(h.canonical_at(id, t_end))
                .or_default()
                .0
                .push(id);
        }
    }
    // L-USERS: under Legacy an id whose events were stored before it became an alias is
    // also a user of its own.
    let mut orphans: BTreeMap<IdRef, u64> = BTreeMap::new();
    for v in verdicts {
        if let Some(f) = resolver.final_id(v, t_end) {
            let canon = h.canonical_at(f, t_end);
            if canon == f {
                by_canonical.entry(f).or_default().1 += 1;
            } else {
                *orphans.entry(f).or_default() += 1;
            }
        }
    }
    let mut out: Vec<Cluster> = by_canonical
        .into_iter()
        .map(|(c, (members, events))| Cluster {
            canonical: h.name(c).to_string(),
            members: sorted_names(h, &members),
            events,
        })
        .chain(orphans.into_iter().map(|(id, events)| Cluster {
            canonical: h.name(id).to_string(),
            members: vec![h.name(id).to_string()],
            events,
        }))
        .collect();
    out.sort_by(|a, b| {
        a.canonical
            .cmp(&b.canonical)
            .then(b.members.len().cmp(&a.members.len()))
    });
    out
}

fn sorted_names(h: &History, ids: &[IdRef]) -> Vec<String> {
    let mut names: Vec<String> = ids.iter().map(|&i| h.name(i).to_string()).collect();
    names.sort();
    names
}
