//! How the users of two resolutions of one export are related: per-id facts for each side
//! (its user, the same name's id on the other side, anonymous, held by an identified user)
//! and the related pairs of users with the events and ids they share. Names are looked up
//! once per id; everything after works on arrays indexed by id, user or event, since this
//! runs over every id and event of an export.

use super::NONE;
use crate::export_index::Resolution;
use crate::resolver::{flag, History, IdRef};

/// Per-id bits of one side.
pub(super) mod bit {
    /// A member of some user.
    pub const MEMBER: u8 = 1;
    /// Anonymous (see the module doc of `diff`).
    pub const ANON: u8 = 2;
    /// A member of an identified user.
    pub const REACH: u8 = 4;
}

/// One side's ids and users, indexed by that side's ids and users.
pub(super) struct Facts {
    /// Per id: the user holding it, as `Resolution::user_of_name` picks one (`NONE`: none).
    pub user: Vec<u32>,
    /// Per id that is a member on both sides: the other side's id of the same name.
    pub across: Vec<u32>,
    pub bits: Vec<u8>,
    /// Per user: it holds an id that is not anonymous.
    pub identified: Vec<bool>,
}

/// Both sides' facts.
pub(super) fn facts(from: &Resolution, to: &Resolution) -> (Facts, Facts) {
    let from_user = user_by_id(from);
    let to_user = user_by_id(to);
    let (fh, th) = (history(from), history(to));
    let mut f2t = vec![NONE; fh.len()];
    let mut t2f = vec![NONE; th.len()];
    for (x, &u) in from_user.iter().enumerate() {
        if u == NONE {
            continue;
        }
        if let Some(y) = th.lookup(fh.name(x as IdRef)) {
            if to_user[y as usize] != NONE {
                f2t[x] = y;
                t2f[y as usize] = x as u32;
            }
        }
    }
    let mut scratch = String::new();
    let from_bits = anonymity(fh, th, &from_user, &f2t, None, &mut scratch);
    let to_bits = anonymity(th, fh, &to_user, &t2f, Some(&from_bits), &mut scratch);
    let mut f = Facts {
        user: from_user,
        across: f2t,
        bits: from_bits,
        identified: Vec::new(),
    };
    let mut t = Facts {
        user: to_user,
        across: t2f,
        bits: to_bits,
        identified: Vec::new(),
    };
    f.identified = identify(from, &mut f.bits);
    t.identified = identify(to, &mut t.bits);
    (f, t)
}

pub(super) fn history(r: &Resolution) -> &History {
    r.stream.resolver().history()
}

/// Per id, the user `user_of_name` gives: the user whose canonical id it is (Legacy's own
/// user of an alias stored before the alias, L-USERS), else the one holding it.
fn user_by_id(r: &Resolution) -> Vec<u32> {
    let mut v = vec![NONE; history(r).len()];
    for (u, c) in r.users.iter().enumerate() {
        for &m in &c.members {
            let slot = &mut v[m as usize];
            if *slot == NONE || c.canonical == m {
                *slot = u as u32;
            }
        }
    }
    v
}

/// `MEMBER` and `ANON` for each member id of a side; `known` is the other side's bits when
/// they are done already (a name is anonymous on both sides or on neither).
fn anonymity(
    h: &History,
    other: &History,
    user: &[u32],
    across: &[u32],
    known: Option<&[u8]>,
    scratch: &mut String,
) -> Vec<u8> {
    let mut bits = vec![0u8; h.len()];
    for (id, &u) in user.iter().enumerate() {
        if u == NONE {
            continue;
        }
        let y = across[id];
        let anon = match known {
            Some(k) if y != NONE => k[y as usize] & bit::ANON != 0,
            _ => is_anonymous(h, id as IdRef, other, y, scratch),
        };
        bits[id] = bit::MEMBER | if anon { bit::ANON } else { 0 };
    }
    bits
}

/// A `$device:` id, an id made up for an event without distinct_id (G-MISSING) on either
/// side, or a bare id whose `$device:` form either side knows (a device id sent as
/// distinct_id, S-DID).
fn is_anonymous(
    h: &History,
    id: IdRef,
    other: &History,
    other_id: u32,
    scratch: &mut String,
) -> bool {
    let name = h.name(id);
    if name.starts_with("$device:") || made_up(h, id) || made_up(other, other_id) {
        return true;
    }
    scratch.clear();
    scratch.push_str("$device:");
    scratch.push_str(name);
    h.lookup(scratch).is_some() || other.lookup(scratch).is_some()
}

/// Whether id `id` of `h` was made up by Mixpanel (G-MISSING); `NONE` is not.
pub(super) fn made_up(h: &History, id: u32) -> bool {
    id != NONE && h.flags(id) & flag::SYNTHETIC != 0
}

/// Which users hold a non-anonymous id; marks their members `REACH`.
fn identify(r: &Resolution, bits: &mut [u8]) -> Vec<bool> {
    r.users
        .iter()
        .map(|c| {
            let ident = c.members.iter().any(|&m| bits[m as usize] & bit::ANON == 0);
            if ident {
                for &m in &c.members {
                    bits[m as usize] |= bit::REACH;
                }
            }
            ident
        })
        .collect()
}

/// A related pair: from-user, to-user (`NONE`: no user), events and ids they share, and
/// how many of those ids are not anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawLink {
    pub from: u32,
    pub to: u32,
    pub events: u32,
    pub ids: u32,
    pub named: u32,
}

/// Every related pair, sorted by from-user then to-user (`NONE` last), each pair once.
pub(super) fn links(from: &Resolution, to: &Resolution, f: &Facts, t: &Facts) -> Vec<RawLink> {
    // An event's to-user is looked up (a find in `to`'s history), not tabled: a table would
    // add 4 bytes an event at the memory peak.
    let user_to = |e: u32| to.user_of_event(e as usize).map_or(NONE, |u| u as u32);
    let mut out: Vec<RawLink> = Vec::with_capacity(from.users.len() + from.users.len() / 8);
    // Per from-user: its events' to-users and its members' to-users (usually one).
    let mut local: Vec<RawLink> = Vec::new();
    for (u, c) in from.users.iter().enumerate() {
        local.clear();
        let mut bump = |to: u32, events: u32, ids: u32, named: u32| match local
            .iter_mut()
            .find(|l| l.to == to)
        {
            Some(l) => {
                l.events += events;
                l.ids += ids;
                l.named += named;
            }
            None => local.push(RawLink {
                from: u as u32,
                to,
                events,
                ids,
                named,
            }),
        };
        for &e in from.events_of(u) {
            bump(user_to(e), 1, 0, 0);
        }
        for &m in &c.members {
            let y = f.across[m as usize];
            if y != NONE {
                let named = u32::from(f.bits[m as usize] & bit::ANON == 0);
                bump(t.user[y as usize], 0, 1, named);
            }
        }
        out.extend_from_slice(&local);
    }
    for &e in from.no_user() {
        let to = user_to(e);
        if to != NONE {
            out.push(RawLink {
                from: NONE,
                to,
                events: 1,
                ids: 0,
                named: 0,
            });
        }
    }
    // An id held by two users of `to` (Legacy L-USERS: an alias stored before the alias is
    // a user of its own too) was counted above for the to-user `user_of_name` gives; count
    // it for the other one here.
    for (u, c) in to.users.iter().enumerate() {
        for &m in &c.members {
            let x = t.across[m as usize];
            if x != NONE && t.user[m as usize] != u as u32 && f.user[x as usize] != NONE {
                out.push(RawLink {
                    from: f.user[x as usize],
                    to: u as u32,
                    events: 0,
                    ids: 1,
                    named: u32::from(t.bits[m as usize] & bit::ANON == 0),
                });
            }
        }
    }
    out.sort_unstable_by_key(|l| (l.from, l.to));
    out.dedup_by(|b, a| {
        if (a.from, a.to) == (b.from, b.to) {
            a.events += b.events;
            a.ids += b.ids;
            a.named += b.named;
            true
        } else {
            false
        }
    });
    out.shrink_to_fit();
    out
}
