//! Original ID Merge (O-*; rule book sources DOCS-ORIG, REF-IDENTIFY): `$identify`, `$create_alias` and `$merge` build
//! clusters of up to `max_cluster` ids; ordinary events are keyed by distinct_id only.

use super::{flag, reason, History, IdRef, Incoming, Verdict};
use crate::model::{Effect, Endpoint, GuidCheck, Knobs};
use crate::rules::RuleId;

#[derive(Debug, Clone, Default)]
pub struct Original {
    pub history: History,
    knobs: Knobs,
}

impl Original {
    pub fn new(knobs: Knobs) -> Original {
        Original {
            history: History::default(),
            knobs,
        }
    }

    pub fn resolve(&mut self, e: &Incoming) -> Verdict {
        match &*e.event {
            "$identify" => self.o_id(e),
            "$create_alias" => self.o_alias(e),
            "$merge" => self.o_merge(e),
            _ => self.o_event(e),
        }
    }

    fn store(&mut self, name: Option<&str>, index: u32) -> Option<IdRef> {
        name.map(|n| self.history.intern(n, Some(index)))
    }

    /// O-EVENT: keyed by distinct_id only; attribution follows the cluster retroactively.
    fn o_event(&mut self, e: &Incoming) -> Verdict {
        match self.store(e.distinct_id.as_deref(), e.index) {
            None => Verdict::new(None, Effect::None, RuleId::GEmpty),
            ingest => Verdict::new(ingest, Effect::None, RuleId::OEvent),
        }
    }

    /// O-ID: `$identify` merges A = `$anon_id` (else `$anon_distinct_id`) with
    /// I = `$identified_id` (else `distinct_id`), unless a guardrail refuses it.
    fn o_id(&mut self, e: &Incoming) -> Verdict {
        const RULE: RuleId = RuleId::OId;
        let anon = own(&e.anon_id).or_else(|| own(&e.anon_distinct_id));
        let identified = own(&e.identified_id).or_else(|| own(&e.distinct_id));
        let ingest = self.store(e.distinct_id.as_deref().or(identified.as_deref()), e.index);
        let (Some(a), Some(i)) = (anon, identified) else {
            return Verdict::failed(ingest, reason::INVALID_PAYLOAD, RULE);
        };
        // 1. A == I.
        if a == i {
            return Verdict::failed(ingest, reason::SAME_IDS, RULE);
        }
        // 2. A must be GUID-shaped.
        if !guid_shaped(&a, self.knobs.guid_check) {
            return Verdict::failed(ingest, reason::NON_GUID, RULE);
        }
        let a_id = self.history.lookup(&a);
        let i_id = self.history.intern(&i, None);
        // A and I already in one cluster: nothing merges, no failure [choice], but I was
        // used as the identified id [REF-IDENTIFY flowchart: "already merged with a
        // distinct_id that was used as the $identified_id"], so a later $identify of A to
        // another user fails (check 3).
        if a_id.is_some_and(|a_id| self.history.find(a_id) == self.history.find(i_id)) {
            self.history.set_flag(i_id, flag::IDENTIFIED);
            return Verdict::new(ingest, Effect::None, RULE);
        }
        // 3. A already belongs to another identified user.
        if a_id.is_some_and(|a_id| self.history.cluster_flags(a_id) & flag::IDENTIFIED != 0) {
            return Verdict::failed(ingest, reason::ASSIGNED_ALREADY, RULE);
        }
        // 4. The size limit (O-LIMIT).
        if self.too_big(a_id, Some(i_id)) {
            return Verdict::failed(ingest, reason::MANY_IDS, RULE);
        }
        // 5. Merge; I is marked identified.
        let a_id = self.history.intern(&a, Some(e.index));
        let i_id = self.history.intern(&i, Some(e.index));
        self.o_canon_union(a_id, i_id, e.index);
        self.history.set_flag(i_id, flag::IDENTIFIED);
        Verdict::new(ingest, Effect::Merged, RULE)
    }

    /// O-ALIAS: `$create_alias{alias: A, distinct_id: X}` merges A's cluster into X's (no
    /// GUID check); an alias value can be used once.
    fn o_alias(&mut self, e: &Incoming) -> Verdict {
        const RULE: RuleId = RuleId::OAlias;
        let x = own(&e.distinct_id);
        let ingest = self.store(x.as_deref(), e.index);
        let (Some(a), Some(x)) = (own(&e.alias), x) else {
            return Verdict::failed(ingest, reason::INVALID_PAYLOAD, RULE);
        };
        let a_id = self.history.lookup(&a);
        if a_id.is_some_and(|id| self.history.flags(id) & flag::ALIAS != 0) {
            return Verdict::failed(ingest, reason::ALIAS_EXISTS, RULE);
        }
        let x_id = self.history.intern(&x, Some(e.index));
        if a_id.is_some_and(|id| self.history.find(id) == self.history.find(x_id)) {
            // Already one cluster: nothing merges, but the alias is recorded as used.
            self.history.set_flag(a_id.expect("checked"), flag::ALIAS);
            return Verdict::new(ingest, Effect::None, RULE);
        }
        if self.too_big(a_id, Some(x_id)) {
            return Verdict::failed(ingest, reason::MANY_IDS, RULE);
        }
        let a_id = self.history.intern(&a, Some(e.index));
        self.history.set_flag(a_id, flag::ALIAS);
        // O-CANON: Mixpanel keeps using the old value [REF-ALIAS], so X's canonical stays
        // unless the alias's cluster is the larger one.
        self.o_canon_union(x_id, a_id, e.index);
        Verdict::new(ingest, Effect::Merged, RULE)
    }

    /// O-MERGE: `$merge{$distinct_ids: [a, b]}` counts only through `/import`; only the size
    /// check applies.
    fn o_merge(&mut self, e: &Incoming) -> Verdict {
        const RULE: RuleId = RuleId::OMerge;
        let ids: Option<Vec<String>> = e
            .merge_ids
            .as_ref()
            .map(|pair| pair.iter().map(|c| c.to_string()).collect());
        let fallback = ids.as_ref().map(|v| v[0].clone());
        let ingest = self.store(e.distinct_id.as_deref().or(fallback.as_deref()), e.index);
        if e.endpoint != Endpoint::Import {
            return Verdict {
                reason: Some(reason::MERGE_REQUIRES_IMPORT),
                ..Verdict::new(ingest, Effect::Ignored, RULE)
            };
        }
        let Some(ids) = ids else {
            return Verdict::failed(ingest, reason::INVALID_PAYLOAD, RULE);
        };
        let (a, b) = (self.history.lookup(&ids[0]), self.history.lookup(&ids[1]));
        if ids[0] == ids[1]
            || matches!((a, b), (Some(a), Some(b)) if self.history.find(a) == self.history.find(b))
        {
            return Verdict::new(ingest, Effect::None, RULE);
        }
        if self.too_big(a, b) {
            return Verdict::failed(ingest, reason::MANY_IDS, RULE);
        }
        let a = self.history.intern(&ids[0], Some(e.index));
        let b = self.history.intern(&ids[1], Some(e.index));
        self.o_canon_union(a, b, e.index);
        Verdict::new(ingest, Effect::Merged, RULE)
    }

    /// O-LIMIT: a merge whose result would hold more than `max_cluster` ids fails.
    fn too_big(&self, a: Option<IdRef>, b: Option<IdRef>) -> bool {
        let size = |x: Option<IdRef>| x.map_or(1, |id| self.history.size(id) as u64);
        size(a) + size(b) > u64::from(self.knobs.max_cluster)
    }

    /// O-CANON **[choice]**: the larger cluster's canonical stays; on a tie, the first's
    /// (`$anon_id`'s, the aliased `distinct_id`'s, the first `$merge` id's).
    fn o_canon_union(&mut self, first: IdRef, second: IdRef, index: u32) {
        let keep = if self.history.size(second) > self.history.size(first) {
            second
        } else {
            first
        };
        self.history.union(first, second, index, keep);
    }
}

/// O-ID check 2 **[choice]**: lenient = optional `$device:` prefix, then five hyphen-separated
/// groups of hex digits (Mixpanel's older generated ids and Segment's UUIDs pass, words do
/// not); strict-v4 = a version-4 UUID after the optional prefix.
pub fn guid_shaped(id: &str, check: GuidCheck) -> bool {
    let body = id.strip_prefix("$device:").unwrap_or(id);
    match check {
        GuidCheck::Off => true,
        GuidCheck::Lenient => {
            let groups: Vec<&str> = body.split('-').collect();
            groups.len() == 5
                && groups
                    .iter()
                    .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        GuidCheck::StrictV4 => {
            let lens = [8, 4, 4, 4, 12];
            let groups: Vec<&str> = body.split('-').collect();
            groups.len() == 5
                && groups
                    .iter()
                    .zip(lens)
                    .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
                && body.as_bytes()[14] == b'4'
                && matches!(
                    body.as_bytes()[19].to_ascii_lowercase(),
                    b'8' | b'9' | b'a' | b'b'
                )
        }
    }
}

fn own(v: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    v.as_deref().map(str::to_string)
}
