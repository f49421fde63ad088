//! Simplified ID Merge (S-*; research §4): `$device_id` + `$user_id` on ordinary events.

use super::{flag, reason, History, Incoming, Verdict};
use crate::model::{Effect, Knobs};

#[derive(Debug, Clone, Default)]
pub struct Simplified {
    pub history: History,
    identify_links: bool,
}

/// What S-DID read from an event.
struct Ids {
    user: Option<String>,
    device: Option<String>,
    /// The id the event is stored under, and whether it is a user id.
    ingest: Option<(String, bool)>,
}

impl Simplified {
    pub fn new(knobs: Knobs) -> Simplified {
        Simplified {
            history: History::default(),
            identify_links: knobs.identify_links,
        }
    }

    pub fn resolve(&mut self, e: &Incoming) -> Verdict {
        let ids = s_did(e);
        let ingest = ids.ingest.as_ref().map(|(name, is_user)| {
            let id = self.history.intern(name, Some(e.index));
            let kind = if *is_user { flag::USER } else { flag::DEVICE };
            self.history.set_flag(id, kind);
            id
        });
        if ingest.is_none() {
            // G-EMPTY: no distinct_id, `$device_id` or `$user_id`: the event counts for no user.
            return Verdict::new(None, Effect::None, "G-EMPTY");
        }
        if is_identity_event(&e.event) && !(e.event == "$identify" && self.identify_links) {
            return self.s_ignore(ingest);
        }
        match (&ids.device, &ids.user) {
            (Some(d), Some(_)) => self.s_link(e.index, ingest.expect("user id stored"), d),
            _ => Verdict::new(ingest, Effect::None, "S-DID"),
        }
    }

    /// S-IGNORE: `$identify`, `$create_alias` and `$merge` have no identity effect (the JS
    /// `$identify` links only with the `simplified.identify_links` knob **[choice]**).
    fn s_ignore(&self, ingest: Option<super::IdRef>) -> Verdict {
        Verdict::new(ingest, Effect::Ignored, "S-IGNORE")
    }

    /// S-LINK / S-CLUSTER: the first event carrying both ids links the device into the
    /// user's cluster, retroactively; a device belongs to at most one user (first link wins),
    /// and a cluster holds exactly one user id.
    fn s_link(&mut self, index: u32, user: super::IdRef, device: &str) -> Verdict {
        let d = self
            .history
            .intern(&format!("$device:{device}"), Some(index));
        self.history.set_flag(d, flag::DEVICE);
        if self.history.find(d) == self.history.find(user) {
            return Verdict::new(Some(user), Effect::None, "S-LINK");
        }
        if self.history.cluster_flags(d) & flag::USER != 0 {
            return Verdict::failed(Some(user), reason::ASSIGNED_ALREADY, "S-LINK");
        }
        self.history.union(d, user, index, user);
        Verdict::new(Some(user), Effect::Linked, "S-LINK")
    }
}

pub(super) fn is_identity_event(name: &str) -> bool {
    matches!(name, "$identify" | "$create_alias" | "$merge")
}

/// S-DID: `$user_id`; else `"$device:" + $device_id`; else the event's own distinct_id,
/// where `$device:…` is read as that device and anything else as a user id.
fn s_did(e: &Incoming) -> Ids {
    let user = e.user_id.as_deref().map(str::to_string);
    // Ingestion strips one `$device:` prefix from `$device_id` [observed: peers-and-users §0].
    let device = e
        .device_id
        .as_deref()
        .map(|d| d.strip_prefix("$device:").unwrap_or(d))
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let ingest = if let Some(u) = &user {
        Some((u.clone(), true))
    } else if let Some(d) = &device {
        Some((format!("$device:{d}"), false))
    } else {
        e.distinct_id.as_deref().map(|d| {
            let is_user = !d.starts_with("$device:");
            (d.to_string(), is_user)
        })
    };
    Ids {
        user,
        device,
        ingest,
    }
}
