//! Legacy ID Management (L-*; rule book source LEGACY): only `$create_alias` has identity meaning, as a
//! forward-only lookup table.

use super::{flag, reason, History, Incoming, Verdict};
use crate::model::Effect;
use crate::rules::RuleId;

#[derive(Debug, Clone, Default)]
pub struct Legacy {
    /// Alias trees: a set's canonical is the root every member resolves to.
    pub history: History,
}

impl Legacy {
    pub fn resolve(&mut self, e: &Incoming) -> Verdict {
        match &*e.event {
            "$create_alias" => self.l_alias(e),
            "$identify" | "$merge" => self.l_ignore(e),
            _ => self.l_event(e),
        }
    }

    /// The id an event with this distinct_id is stored under now: the alias chain's root.
    fn stored_under(&mut self, e: &Incoming) -> Option<super::IdRef> {
        let d = e.distinct_id.as_deref()?;
        let id = self.history.intern(d, Some(e.index));
        let root = self.history.canonical(id);
        Some(root)
    }

    /// L-EVENT: the distinct_id followed through the alias table as it stands when the
    /// event is processed; never retroactive.
    fn l_event(&mut self, e: &Incoming) -> Verdict {
        match self.stored_under(e) {
            None => Verdict::new(None, Effect::None, RuleId::GEmpty),
            ingest => Verdict::new(ingest, Effect::None, RuleId::LEvent),
        }
    }

    /// L-IGNORE: `$identify` and `$merge` have no identity effect.
    fn l_ignore(&mut self, e: &Incoming) -> Verdict {
        let ingest = self.stored_under(e);
        Verdict::new(ingest, Effect::Ignored, RuleId::LIgnore)
    }

    /// L-ALIAS: A → X, once per alias; no self-links or cycles; chains resolve to the root.
    fn l_alias(&mut self, e: &Incoming) -> Verdict {
        const RULE: RuleId = RuleId::LAlias;
        let ingest = self.stored_under(e);
        let (Some(a), Some(x)) = (e.alias.as_deref(), e.distinct_id.as_deref()) else {
            return Verdict::failed(ingest, reason::INVALID_PAYLOAD, RULE);
        };
        let a_id = self.history.intern(a, None);
        if self.history.flags(a_id) & flag::HAS_TARGET != 0 {
            return Verdict::failed(ingest, reason::ALIAS_EXISTS, RULE);
        }
        let x_id = self.history.intern(x, Some(e.index));
        // A has no target, so it is the root of its tree: X resolving to A means a cycle.
        if self.history.find(a_id) == self.history.find(x_id) {
            return Verdict::failed(ingest, reason::ALIAS_CYCLE, RULE);
        }
        let a_id = self.history.intern(a, Some(e.index));
        self.history.set_flag(a_id, flag::ALIAS | flag::HAS_TARGET);
        self.history.union(a_id, x_id, e.index, x_id);
        Verdict::new(ingest, Effect::Aliased, RULE)
    }
}
