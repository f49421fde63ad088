//! Simplified ID Merge (S-*; rule book source DOCS-SIMPL): `$device_id` + `$user_id` on ordinary events.

use super::{flag, is_identity_event, reason, History, IdRef, Incoming, Verdict};
use crate::model::{Effect, Knobs};
use crate::rules::RuleId;

#[derive(Debug, Clone, Default)]
pub struct Simplified {
    pub history: History,
    identify_links: bool,
    /// Reused buffer for `$device:` ids (no allocation per event).
    scratch: String,
    /// The last user and device seen: consecutive events usually share them, and a string
    /// compare is cheaper than a lookup.
    last_user: Option<(Box<str>, IdRef)>,
    last_device: Option<(Box<str>, IdRef)>,
}

impl Simplified {
    pub fn new(knobs: Knobs) -> Simplified {
        Simplified {
            history: History::default(),
            identify_links: knobs.identify_links,
            scratch: String::new(),
            last_user: None,
            last_device: None,
        }
    }

    /// S-IGNORE: `$identify`, `$create_alias` and `$merge` have no identity effect (the JS
    /// `$identify` links only with the `simplified.identify_links` knob **[choice]**); the
    /// rest by S-DID and S-LINK.
    pub fn resolve(&mut self, e: &Incoming) -> Verdict {
        let user = e.user_id.as_deref();
        // Ingestion strips one `$device:` prefix from `$device_id` [observed in the field; see S-DID].
        let device = e
            .device_id
            .as_deref()
            .map(|d| d.strip_prefix("$device:").unwrap_or(d))
            .filter(|d| !d.is_empty());
        // S-DID: `$user_id`; else `"$device:" + $device_id`; else the event's own distinct_id,
        // where `$device:…` is read as that device and anything else as a user id.
        let ingest = if let Some(u) = user {
            Some(self.intern_user(u, e.index))
        } else if let Some(d) = device {
            Some(self.intern_device(d, e.index))
        } else {
            e.distinct_id
                .as_deref()
                .map(|d| self.intern_kind(d, !d.starts_with("$device:"), e.index))
        };
        // S-IGNORE first: an identity verb is ignored whatever ids it carries.
        if is_identity_event(&e.event) && !(e.event == "$identify" && self.identify_links) {
            return Verdict::new(ingest, Effect::Ignored, RuleId::SIgnore);
        }
        let Some(ingest) = ingest else {
            // G-EMPTY: no distinct_id, `$device_id` or `$user_id`: the event counts for no user.
            return Verdict::new(None, Effect::None, RuleId::GEmpty);
        };
        match (device, user) {
            (Some(d), Some(_)) => self.s_link(e.index, ingest, d),
            _ => Verdict::new(Some(ingest), Effect::None, RuleId::SDid),
        }
    }

    fn intern_kind(&mut self, name: &str, is_user: bool, index: u32) -> IdRef {
        let id = self.history.intern(name, Some(index));
        let kind = if is_user { flag::USER } else { flag::DEVICE };
        if self.history.flags(id) & kind == 0 {
            self.history.set_flag(id, kind);
        }
        id
    }

    fn intern_user(&mut self, user: &str, index: u32) -> IdRef {
        match &self.last_user {
            Some((name, id)) if **name == *user => *id,
            _ => {
                let id = self.intern_kind(user, true, index);
                self.last_user = Some((user.into(), id));
                id
            }
        }
    }

    fn intern_device(&mut self, device: &str, index: u32) -> IdRef {
        if let Some((name, id)) = &self.last_device {
            if **name == *device {
                return *id;
            }
        }
        let id = self.intern_device_uncached(device, index);
        self.last_device = Some((device.into(), id));
        id
    }

    fn intern_device_uncached(&mut self, device: &str, index: u32) -> IdRef {
        let mut key = std::mem::take(&mut self.scratch);
        key.clear();
        key.push_str("$device:");
        key.push_str(device);
        let id = self.intern_kind(&key, false, index);
        self.scratch = key;
        id
    }

    /// S-LINK / S-CLUSTER: the first event carrying both ids links the device into the
    /// user's cluster, retroactively; a device belongs to at most one user (first link wins),
    /// and a cluster holds exactly one user id.
    fn s_link(&mut self, index: u32, user: IdRef, device: &str) -> Verdict {
        let d = self.intern_device(device, index);
        let (rd, ru) = (self.history.find(d), self.history.find(user));
        if rd == ru {
            return Verdict::new(Some(user), Effect::None, RuleId::SLink);
        }
        if self.history.cluster_flags(rd) & flag::USER != 0 {
            return Verdict::failed(Some(user), reason::ASSIGNED_ALREADY, RuleId::SLink);
        }
        self.history.union(d, user, index, user);
        Verdict::new(Some(user), Effect::Linked, RuleId::SLink)
    }
}
