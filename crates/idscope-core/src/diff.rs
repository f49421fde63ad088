//! `idscope diff`: what moving a project from one identity mode to another would do to its
//! users, before anyone moves it (Mixpanel asks Original projects to reach Simplified through
//! a new project, so a team wants to know first).
//!
//! The export is resolved in both modes ([`export_index`]). A *user* is a cluster of
//! [`Resolution::users`]. Canonical ids differ between modes (O-CANON often keeps a `$device:`
//! id, S-CLUSTER the user id), so users are compared by what they hold, never by name:
//!
//! - A from-user and a to-user are *related* when an event counts for both
//!   (`user_of_event`) or an id is a member of both (`user_of_name`), so a user without
//!   events still takes part.
//! - A *change* is a connected group of related users that is not the *same* user: one user
//!   on each side holding the same ids and the same events. Kinds: `reshaped` (one user on
//!   each side whose ids or events differ), `split` (1 → n), `merge` (n → 1), `reshuffle`
//!   (n → m), `gone` (1 → 0: nothing of it is a user in `to`), `new` (0 → 1).
//! - Within a change, users are *paired* (taken for the same person on both sides)
//!   greedily: the two sharing the most user ids (ids that are not anonymous, see below)
//!   first, then two identified alike (both identified or both not), then the two sharing
//!   the most events, then the most ids, then the users listed first; a user is in at most
//!   one pair. An event is *attributed to a different user* (moved)
//!   when its from-user and its to-user are not a pair, which includes an event that counts
//!   for a user on one side only. So an identified person stays paired with the identified
//!   user the other mode makes of them, and what is cut off from them or joins them moves.
//! - An id is *anonymous* when it is a `$device:` id, a bare id whose `$device:` form is in
//!   the export (a device id sent as distinct_id, S-DID), or an id Mixpanel made up
//!   (G-MISSING). A user is *identified* when it holds an id that is not anonymous.
//! - An anonymous id is *stranded* when a from-user holding it is identified while in `to`
//!   it is held, but by no identified user: its history no longer reaches an identified
//!   user. A stranded `$device:` or made-up id is an *orphan*; a stranded bare id is a
//!   *phantom* (S-DID reads it as a user of its own). Events that count for an identified
//!   user in `from` and for an unidentified user or nobody in `to` are *stranded events*.
//!   *Adopted* ids and events are the reverse (`to` reaches an identified user, `from` not).

mod relate;
mod render;

pub use render::{csv, json, text, write_csv, CSV_HEADER};

use crate::export_index::{self, Resolution, Source};
use crate::ingest;
use crate::model::{Choice, Knobs, Mode};
use crate::resolver::IdRef;
use relate::{bit, RawLink};
use serde::Serialize;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What `idscope diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

impl Choice for Format {
    const ALL: &'static [Format] = &[Format::Text, Format::Json, Format::Csv];
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Format::Text => "counts and the largest changes, for a person",
            Format::Json => "counts and the largest changes (docs/scenario-format.md §5)",
            Format::Csv => "every pair of related users of every change, one row each",
        }
    }
}

/// How a group of related users differs between the two modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// One user on each side, but its ids or its events differ.
    Reshaped,
    /// One from-user becomes several to-users.
    Split,
    /// Several from-users become one to-user.
    Merge,
    /// Several from-users become several to-users.
    Reshuffle,
    /// A from-user none of whose ids or events is a user's in `to`.
    Gone,
    /// A to-user none of whose ids or events was a user's in `from`.
    New,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Reshaped,
        ChangeKind::Split,
        ChangeKind::Merge,
        ChangeKind::Reshuffle,
        ChangeKind::Gone,
        ChangeKind::New,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Reshaped => "reshaped",
            ChangeKind::Split => "split",
            ChangeKind::Merge => "merge",
            ChangeKind::Reshuffle => "reshuffle",
            ChangeKind::Gone => "gone",
            ChangeKind::New => "new",
        }
    }

    fn of(from_users: usize, to_users: usize) -> ChangeKind {
        match (from_users, to_users) {
            (0, _) => ChangeKind::New,
            (_, 0) => ChangeKind::Gone,
            (1, 1) => ChangeKind::Reshaped,
            (1, _) => ChangeKind::Split,
            (_, 1) => ChangeKind::Merge,
            _ => ChangeKind::Reshuffle,
        }
    }
}

/// A from-user and a to-user that share events or ids (`None`: no user, for events that
/// count for a user on one side only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub from: Option<usize>,
    pub to: Option<usize>,
    /// Events that count for `from` in the from-mode and for `to` in the to-mode.
    pub events: u64,
    /// Ids that are members of both.
    pub ids: u64,
    /// Of those, the ids that are not anonymous (user ids both hold).
    pub user_ids: u64,
    /// Taken for the same person (the events of a link that is not a pair are moved).
    pub paired: bool,
}

/// One connected group of related users that is not simply the same user.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    /// Indices into `from.users`, ascending (so largest first).
    pub from_users: Vec<usize>,
    /// Indices into `to.users`, ascending.
    pub to_users: Vec<usize>,
    /// Every related pair, by from-user then to-user (`None` last).
    pub links: Vec<Link>,
    /// Events that count for a user of the group on either side.
    pub events: u64,
    /// Events attributed to a different user (see the module doc).
    pub events_moved: u64,
    pub events_stranded: u64,
    pub events_adopted: u64,
    /// Stranded `$device:` and made-up ids, as ids of `to` (sorted by name).
    pub orphans: Vec<IdRef>,
    /// Stranded bare ids, as ids of `to` (sorted by name).
    pub phantoms: Vec<IdRef>,
    /// Anonymous ids whose history now reaches an identified user.
    pub adopted_ids: u64,
}

impl Change {
    /// The users of one side, in order.
    pub fn users(&self, side: Side) -> &[usize] {
        match side {
            Side::From => &self.from_users,
            Side::To => &self.to_users,
        }
    }

    /// The user `u` of `side` is paired with, if any.
    pub fn pair_of(&self, side: Side, u: usize) -> Option<usize> {
        self.links
            .iter()
            .find(|l| l.paired && side.pick(l) == Some(u))
            .and_then(|l| side.other().pick(l))
    }
}

/// One of the two resolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    From,
    To,
}

impl Side {
    fn pick(self, l: &Link) -> Option<usize> {
        match self {
            Side::From => l.from,
            Side::To => l.to,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::From => Side::To,
            Side::To => Side::From,
        }
    }
}

/// Changes, users and events of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub changes: u64,
    pub from_users: u64,
    pub to_users: u64,
    pub events_moved: u64,
}

/// The totals. `same + Σ kinds[k].from_users == from_users`, likewise for `to`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub from_users: u64,
    pub to_users: u64,
    /// Users that stay the same (one on each side per same user).
    pub same: u64,
    /// In [`ChangeKind::ALL`] order.
    pub kinds: Vec<(ChangeKind, KindCount)>,
    pub events_moved: u64,
    pub orphans: u64,
    pub phantoms: u64,
    pub events_stranded: u64,
    pub adopted_ids: u64,
    pub events_adopted: u64,
}

impl Counts {
    pub fn kind(&self, kind: ChangeKind) -> KindCount {
        self.kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| *c)
            .unwrap_or(KindCount {
                changes: 0,
                from_users: 0,
                to_users: 0,
                events_moved: 0,
            })
    }
}

/// An export resolved in two modes and what differs.
pub struct Diff {
    /// The input as messages name it (not escaped).
    pub input: String,
    pub knobs: Knobs,
    /// Shared: the explorer compares the resolutions it already holds.
    pub from: Arc<Resolution>,
    pub to: Arc<Resolution>,
    /// Lines of the input that are not events.
    pub malformed_lines: u64,
    /// Most events moved first, then most events, most users, and the users listed first.
    pub changes: Vec<Change>,
    pub counts: Counts,
    /// Per user of each side: its change (`NONE`: it stays the same).
    change_of_from: Vec<u32>,
    change_of_to: Vec<u32>,
    identified_from: Vec<bool>,
    identified_to: Vec<bool>,
}

impl std::fmt::Debug for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diff")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("changes", &self.changes.len())
            .field("counts", &self.counts)
            .finish()
    }
}

impl Diff {
    /// The resolution of one side.
    pub fn side(&self, side: Side) -> &Resolution {
        match side {
            Side::From => &self.from,
            Side::To => &self.to,
        }
    }

    /// The change user `u` of `side` is in (None: it stays the same).
    pub fn change_of(&self, side: Side, u: usize) -> Option<usize> {
        let v = match side {
            Side::From => &self.change_of_from,
            Side::To => &self.change_of_to,
        };
        v.get(u).filter(|&&c| c != NONE).map(|&c| c as usize)
    }

    /// Whether user `u` of `side` holds an id that is not anonymous.
    pub fn is_identified(&self, side: Side, u: usize) -> bool {
        let v = match side {
            Side::From => &self.identified_from,
            Side::To => &self.identified_to,
        };
        v.get(u).copied().unwrap_or(false)
    }
}

const NONE: u32 = u32::MAX;

/// Resolves `source` in `from` and in `to` and compares the users. `progress` counts up to
/// [`Source::len`] over both readings (half the bytes of each).
pub fn diff(
    source: &Source,
    from: Mode,
    to: Mode,
    knobs: Knobs,
    progress: &AtomicU64,
) -> Result<Diff, ingest::Error> {
    // One pass over the file for both modes: parsing is most of the time.
    let (f, t) = export_index::resolve_pair(source, from, to, knobs, progress)?;
    let malformed = f.stream.bad_line_count;
    Ok(compare(
        source.name().to_string(),
        knobs,
        malformed,
        Arc::new(f),
        Arc::new(t),
    ))
}

/// The comparison of two resolutions of the same events (see the module doc).
pub fn compare(
    input: String,
    knobs: Knobs,
    malformed_lines: u64,
    from: Arc<Resolution>,
    to: Arc<Resolution>,
) -> Diff {
    let (nf, nt) = (from.users.len(), to.users.len());
    let (f, t) = relate::facts(&from, &to);
    let links = relate::links(&from, &to, &f, &t);
    let same = same_users(&from, &to, &links);
    // Groups: users connected by links (from-users are nodes 0..nf, to-users nf..).
    let node = |l: &RawLink| {
        if l.from != NONE {
            l.from
        } else {
            nf as u32 + l.to
        }
    };
    let mut groups = Groups {
        parent: (0..(nf + nt) as u32).collect(),
    };
    for l in links.iter().filter(|l| l.from != NONE && l.to != NONE) {
        groups.union(l.from, nf as u32 + l.to);
    }
    // A change per group that is not a same user, numbered by first appearance; sized
    // first, so each list is allocated once at its length (an export can have many).
    let mut slot_of_root = vec![NONE; nf + nt];
    let mut sizes: Vec<[usize; 3]> = Vec::new();
    for x in 0..(nf + nt) {
        let same_user = if x < nf { same.0[x] } else { same.1[x - nf] };
        if same_user {
            continue;
        }
        let r = groups.find(x as u32) as usize;
        if slot_of_root[r] == NONE {
            slot_of_root[r] = sizes.len() as u32;
            sizes.push([0; 3]);
        }
        sizes[slot_of_root[r] as usize][usize::from(x >= nf)] += 1;
    }
    for l in &links {
        let slot = slot_of_root[groups.find(node(l)) as usize];
        if let Some(size) = sizes.get_mut(slot as usize) {
            size[2] += 1;
        }
    }
    let mut changes: Vec<Change> = sizes.iter().map(|&s| Change::with_capacity(s)).collect();
    drop(sizes);
    for x in 0..(nf + nt) {
        let slot = slot_of_root[groups.find(x as u32) as usize];
        let Some(c) = changes.get_mut(slot as usize) else {
            continue;
        };
        let same_user = if x < nf { same.0[x] } else { same.1[x - nf] };
        if same_user {
            continue;
        }
        if x < nf {
            c.from_users.push(x);
        } else {
            c.to_users.push(x - nf);
        }
    }
    let change_of = |groups: &mut Groups, x: u32| slot_of_root[groups.find(x) as usize];
    let opt = |x: u32| (x != NONE).then_some(x as usize);
    for l in &links {
        let slot = change_of(&mut groups, node(l));
        let Some(c) = changes.get_mut(slot as usize) else {
            continue;
        };
        let ident_f = l.from != NONE && f.identified[l.from as usize];
        let ident_t = l.to != NONE && t.identified[l.to as usize];
        let events = u64::from(l.events);
        c.events += events;
        if ident_f && !ident_t {
            c.events_stranded += events;
        }
        if ident_t && !ident_f {
            c.events_adopted += events;
        }
        c.links.push(Link {
            from: opt(l.from),
            to: opt(l.to),
            events,
            ids: u64::from(l.ids),
            user_ids: u64::from(l.named),
            paired: false,
        });
    }
    drop(links);
    let mut paired_from = vec![false; nf];
    let mut paired_to = vec![false; nt];
    for c in &mut changes {
        c.kind = ChangeKind::of(c.from_users.len(), c.to_users.len());
        pair(
            c,
            (&f.identified, &t.identified),
            &mut paired_from,
            &mut paired_to,
        );
    }
    anonymous_moves(&from, &to, &f, &t, &mut |to_user, stranded| {
        let slot = change_of(&mut groups, nf as u32 + to_user);
        if let Some(c) = changes.get_mut(slot as usize) {
            match stranded {
                Some((id, true)) => c.orphans.push(id),
                Some((id, false)) => c.phantoms.push(id),
                None => c.adopted_ids += 1,
            }
        }
    });
    for c in &mut changes {
        for ids in [&mut c.orphans, &mut c.phantoms] {
            ids.sort_unstable_by(|a, b| to.name(*a).cmp(to.name(*b)));
        }
    }
    // Most events moved first; then more events, more users; then the users listed first.
    changes.sort_by(|a, b| {
        let users = |c: &Change| c.from_users.len() + c.to_users.len();
        b.events_moved
            .cmp(&a.events_moved)
            .then(b.events.cmp(&a.events))
            .then(users(b).cmp(&users(a)))
            .then(first(&a.from_users).cmp(&first(&b.from_users)))
            .then(first(&a.to_users).cmp(&first(&b.to_users)))
    });
    let mut change_of_from = vec![NONE; nf];
    let mut change_of_to = vec![NONE; nt];
    for (i, c) in changes.iter().enumerate() {
        for &u in &c.from_users {
            change_of_from[u] = i as u32;
        }
        for &u in &c.to_users {
            change_of_to[u] = i as u32;
        }
    }
    let n_events = from.len().max(to.len()) as u64;
    let counts = count(
        &changes,
        same.0.iter().filter(|&&s| s).count() as u64,
        n_events,
        nf,
        nt,
    );
    Diff {
        input,
        knobs,
        from,
        to,
        malformed_lines,
        changes,
        counts,
        change_of_from,
        change_of_to,
        identified_from: f.identified,
        identified_to: t.identified,
    }
}

/// Which users stay the same: a from-user whose only link is to a to-user whose only link
/// is back, holding all of each other's ids (and so all of each other's events, since an
/// event counting for nobody on one side would be a second link).
fn same_users(from: &Resolution, to: &Resolution, links: &[RawLink]) -> (Vec<bool>, Vec<bool>) {
    let mut links_of_to = vec![0u32; to.users.len()];
    for l in links.iter().filter(|l| l.to != NONE) {
        links_of_to[l.to as usize] += 1;
    }
    let mut same_from = vec![false; from.users.len()];
    let mut same_to = vec![false; to.users.len()];
    // Links are sorted by from-user: each from-user's links are one run.
    for run in links.chunk_by(|a, b| a.from == b.from) {
        let [l] = run else { continue };
        if l.from == NONE || l.to == NONE || links_of_to[l.to as usize] != 1 {
            continue;
        }
        let (fu, tu) = (l.from as usize, l.to as usize);
        let ids = l.ids as usize;
        if ids == from.users[fu].members.len() && ids == to.users[tu].members.len() {
            same_from[fu] = true;
            same_to[tu] = true;
        }
    }
    (same_from, same_to)
}

/// Union-find over the users of both sides (from-users first, then to-users).
struct Groups {
    parent: Vec<u32>,
}

impl Groups {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index stays the root: the result does not depend on link order.
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi as usize] = lo;
        }
    }
}

impl Change {
    /// A change with room for `[from users, to users, links]`.
    fn with_capacity(size: [usize; 3]) -> Change {
        Change {
            kind: ChangeKind::Reshaped,
            from_users: Vec::with_capacity(size[0]),
            to_users: Vec::with_capacity(size[1]),
            links: Vec::with_capacity(size[2]),
            events: 0,
            events_moved: 0,
            events_stranded: 0,
            events_adopted: 0,
            orphans: Vec::new(),
            phantoms: Vec::new(),
            adopted_ids: 0,
        }
    }
}

/// The first user of a list (`usize::MAX` for none, so lists without users sort last).
fn first(users: &[usize]) -> usize {
    users.first().copied().unwrap_or(usize::MAX)
}

/// Pairs the users of a change: most shared user ids first, then users identified alike
/// (`identified`: per from-user, per to-user), then most shared events, then most shared
/// ids, then the users listed first; each user at most once.
fn pair(
    c: &mut Change,
    identified: (&[bool], &[bool]),
    paired_from: &mut [bool],
    paired_to: &mut [bool],
) {
    let mut order: Vec<usize> = (0..c.links.len())
        .filter(|&i| c.links[i].from.is_some() && c.links[i].to.is_some())
        .collect();
    let alike = |l: &Link| match (l.from, l.to) {
        (Some(f), Some(t)) => identified.0[f] == identified.1[t],
        _ => false,
    };
    order.sort_by(|&a, &b| {
        let (x, y) = (&c.links[a], &c.links[b]);
        y.user_ids
            .cmp(&x.user_ids)
            .then(alike(y).cmp(&alike(x)))
            .then(y.events.cmp(&x.events))
            .then(y.ids.cmp(&x.ids))
            .then(x.from.cmp(&y.from))
            .then(x.to.cmp(&y.to))
    });
    for i in order {
        let l = &mut c.links[i];
        let (Some(f), Some(t)) = (l.from, l.to) else {
            continue;
        };
        if !paired_from[f] && !paired_to[t] {
            paired_from[f] = true;
            paired_to[t] = true;
            l.paired = true;
        }
    }
    c.events_moved = c.links.iter().filter(|l| !l.paired).map(|l| l.events).sum();
}

/// Calls `found(to_user, Some((id in to, is_orphan)))` for each stranded id and
/// `found(to_user, None)` for each adopted one (see the module doc).
fn anonymous_moves(
    from: &Resolution,
    to: &Resolution,
    f: &relate::Facts,
    t: &relate::Facts,
    found: &mut dyn FnMut(u32, Option<(IdRef, bool)>),
) {
    let (fh, th) = (relate::history(from), relate::history(to));
    let held = bit::MEMBER | bit::ANON | bit::REACH;
    for (x, &b) in f.bits.iter().enumerate() {
        let y = f.across[x];
        if b & held != held || y == NONE || t.bits[y as usize] & bit::REACH != 0 {
            continue;
        }
        let orphan = th.name(y).starts_with("$device:")
            || relate::made_up(th, y)
            || relate::made_up(fh, x as u32);
        found(t.user[y as usize], Some((y, orphan)));
    }
    for (y, &b) in t.bits.iter().enumerate() {
        let x = t.across[y];
        if b & held != held || x == NONE || f.bits[x as usize] & bit::REACH != 0 {
            continue;
        }
        found(t.user[y], None);
    }
}

fn count(changes: &[Change], same: u64, events: u64, nf: usize, nt: usize) -> Counts {
    let mut kinds: Vec<(ChangeKind, KindCount)> = ChangeKind::ALL
        .iter()
        .map(|&k| {
            (
                k,
                KindCount {
                    changes: 0,
                    from_users: 0,
                    to_users: 0,
                    events_moved: 0,
                },
            )
        })
        .collect();
    let mut c = Counts {
        events,
        from_users: nf as u64,
        to_users: nt as u64,
        same,
        ..Counts::default()
    };
    for ch in changes {
        if let Some((_, k)) = kinds.iter_mut().find(|(k, _)| *k == ch.kind) {
            k.changes += 1;
            k.from_users += ch.from_users.len() as u64;
            k.to_users += ch.to_users.len() as u64;
            k.events_moved += ch.events_moved;
        }
        c.events_moved += ch.events_moved;
        c.orphans += ch.orphans.len() as u64;
        c.phantoms += ch.phantoms.len() as u64;
        c.events_stranded += ch.events_stranded;
        c.adopted_ids += ch.adopted_ids;
        c.events_adopted += ch.events_adopted;
    }
    c.kinds = kinds;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A GUID-shaped device id (O-ID check 2, lenient: five groups of hex digits).
    const D: &str = "d1-0-0-0-1";
    const DEV: &str = "$device:d1-0-0-0-1";

    fn line(event: &str, props: serde_json::Value) -> String {
        json!({"event": event, "properties": props}).to_string()
    }

    fn diff_of(lines: &[String], from: Mode, to: Mode) -> Diff {
        let source = Source::from_bytes("t.jsonl", lines.join("\n").into_bytes());
        let progress = AtomicU64::new(0);
        let d = diff(&source, from, to, Knobs::default(), &progress).unwrap();
        assert_eq!(
            progress.load(std::sync::atomic::Ordering::Relaxed),
            source.len()
        );
        d
    }

    /// A user's member names, sorted.
    fn members(d: &Diff, side: Side, u: usize) -> Vec<&str> {
        let r = d.side(side);
        let mut v: Vec<&str> = r.users[u].members.iter().map(|&m| r.name(m)).collect();
        v.sort_unstable();
        v
    }

    /// Every user of one side of a change, as sorted member lists.
    fn sides(d: &Diff, c: &Change, side: Side) -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = c
            .users(side)
            .iter()
            .map(|&u| members(d, side, u).iter().map(|s| s.to_string()).collect())
            .collect();
        v.sort();
        v
    }

    fn names(d: &Diff, ids: &[IdRef]) -> Vec<String> {
        ids.iter().map(|&i| d.to.name(i).to_string()).collect()
    }

    /// The totals add up: every user of each side is the same or in one change.
    fn assert_adds_up(d: &Diff) {
        let c = &d.counts;
        let from: u64 = c.kinds.iter().map(|(_, k)| k.from_users).sum();
        let to: u64 = c.kinds.iter().map(|(_, k)| k.to_users).sum();
        assert_eq!(c.same + from, d.from.users.len() as u64);
        assert_eq!(c.same + to, d.to.users.len() as u64);
        assert!(c.events_moved <= c.events);
    }

    #[test]
    fn o_id_and_s_link_a_device_used_before_login_is_the_same_user_in_both_modes() {
        // Original: the $identify merges the device into alice (O-ID 5), and every event
        // of either id is hers (O-EVENT). Simplified: the $identify is ignored (S-IGNORE),
        // the Log In carrying $device_id and $user_id links the device (S-LINK), and its
        // earlier page view is hers retroactively. Same ids, same events.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "$identify",
                json!({"distinct_id": "alice", "$anon_id": DEV, "$device_id": D, "$user_id": "alice"}),
            ),
            line(
                "Log In",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        assert!(d.changes.is_empty(), "{:?}", d.changes);
        assert_eq!(d.counts.same, 1);
        assert_eq!(d.counts.events_moved, 0);
        assert_eq!(members(&d, Side::From, 0), [DEV, "alice"]);
        assert_eq!(d.change_of(Side::From, 0), None);
        assert_adds_up(&d);
    }

    #[test]
    fn o_id_3_and_s_link_a_shared_device_without_reset_refuses_the_second_login_in_both() {
        // Alice logs in on the device, then bob on the same device without a reset. Original:
        // bob's $identify names a device already merged with the identified alice →
        // errAnonDistinctIdAssignedAlready (O-ID 3). Simplified: bob's Log In carries a
        // device already linked to alice → the same code (S-LINK, first link wins). Both
        // leave {device, alice} and {bob}: nothing changes.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "$identify",
                json!({"distinct_id": "alice", "$anon_id": DEV}),
            ),
            line(
                "Log In",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
            line("$identify", json!({"distinct_id": "bob", "$anon_id": DEV})),
            line(
                "Log In",
                json!({"distinct_id": "bob", "$device_id": D, "$user_id": "bob"}),
            ),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        for r in [&d.from, &d.to] {
            let failed = (0..r.len())
                .filter(|&i| {
                    r.verdict(i).unwrap().reason == Some("errAnonDistinctIdAssignedAlready")
                })
                .count();
            assert_eq!(failed, 1, "{}", r.mode());
        }
        assert!(d.changes.is_empty(), "{:?}", d.changes);
        assert_eq!(d.counts.same, 2);
        assert_adds_up(&d);
    }

    #[test]
    fn o_alias_then_o_id_joins_two_people_in_original_that_simplified_keeps_apart() {
        // A backend aliases alice to the device ($create_alias, O-ALIAS: merged, but alice is
        // not marked identified), so bob's later $identify on that device passes O-ID check 3
        // and merges bob in too: Original has one user {device, alice, bob}. Simplified
        // ignores both verbs (S-IGNORE); the Log Ins link the device to alice first and
        // refuse bob (S-LINK): {device, alice} and {bob}. A split; bob's two events (his
        // $identify, stored under bob by S-DID, and his Log In) move to another user.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "$create_alias",
                json!({"distinct_id": DEV, "alias": "alice"}),
            ),
            line(
                "Log In",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
            line("$identify", json!({"distinct_id": "bob", "$anon_id": DEV})),
            line(
                "Log In",
                json!({"distinct_id": "bob", "$device_id": D, "$user_id": "bob"}),
            ),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Split);
        assert_eq!(sides(&d, c, Side::From), [[DEV, "alice", "bob"]]);
        assert_eq!(sides(&d, c, Side::To), [vec![DEV, "alice"], vec!["bob"]]);
        assert_eq!(c.events, 5);
        assert_eq!(c.events_moved, 2);
        // Nobody anonymous is left behind: the device stays with alice.
        assert!(c.orphans.is_empty() && c.phantoms.is_empty());
        assert_eq!(c.events_stranded, 0);
        let alice = d.to.user_of_name("alice").unwrap();
        assert_eq!(c.pair_of(Side::To, alice), Some(c.from_users[0]));
        assert_eq!(d.counts.kind(ChangeKind::Split).to_users, 2);
        assert_adds_up(&d);
    }

    #[test]
    fn l_alias_merges_disappear_under_simplified_and_strand_the_device() {
        // Legacy: $create_alias makes alice → the device (L-ALIAS), so the server's Purchase
        // sent to alice is stored under the device (L-EVENT): one user {device, alice}.
        // Simplified ignores the alias (S-IGNORE) and no event carries both ids, so the
        // device and alice stay apart (S-CLUSTER): a split. alice is paired with alice (both
        // identified), so the device's two events move: the device was in an identified
        // user and is now alone, an orphan, and its two events are stranded.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "$create_alias",
                json!({"distinct_id": DEV, "alias": "alice"}),
            ),
            line("Purchase", json!({"distinct_id": "alice"})),
        ];
        let d = diff_of(&lines, Mode::Legacy, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Split);
        assert_eq!(sides(&d, c, Side::From), [[DEV, "alice"]]);
        assert_eq!(sides(&d, c, Side::To), [[DEV], ["alice"]]);
        assert_eq!(c.events_moved, 2);
        assert_eq!(names(&d, &c.orphans), [DEV]);
        assert!(c.phantoms.is_empty());
        assert_eq!(c.events_stranded, 2);
        assert_eq!(d.counts.orphans, 1);
        let device = d.to.user_of_name(DEV).unwrap();
        assert!(!d.is_identified(Side::To, device));
        assert_adds_up(&d);
    }

    #[test]
    fn s_did_an_id_a_server_sends_bare_becomes_a_phantom_user() {
        // Original: a server's $identify merges the bare device id into alice (O-ID: GUID
        // shaped, in no identified cluster), so its later bare-id event is alice's
        // (O-EVENT). Simplified ignores the $identify (S-IGNORE) and reads the bare
        // distinct_id as a user id of its own (S-DID): a phantom user, since the export
        // also has its `$device:` form. One event moves, and it is stranded.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "Log In",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
            line(
                "$identify",
                json!({"distinct_id": "alice", "$anon_id": DEV}),
            ),
            line("$identify", json!({"distinct_id": "alice", "$anon_id": D})),
            line("Renewed", json!({"distinct_id": D})),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Split);
        assert_eq!(sides(&d, c, Side::From), [[DEV, "alice", D]]);
        assert_eq!(sides(&d, c, Side::To), [vec![DEV, "alice"], vec![D]]);
        assert_eq!(names(&d, &c.phantoms), [D]);
        assert!(c.orphans.is_empty());
        assert_eq!(c.events_moved, 1);
        assert_eq!(c.events_stranded, 1);
        assert_eq!(d.counts.phantoms, 1);
        assert_adds_up(&d);
    }

    #[test]
    fn s_link_joins_what_legacy_kept_apart_and_the_device_is_adopted() {
        // Code written for Simplified on a Legacy project: no alias is ever sent, so Legacy
        // keeps the device and alice apart (L-IGNORE, L-USERS). Simplified links them on
        // the Sign Up (S-LINK): a merge. Both sides share one event and one id with the
        // merged user; alice is paired (identified on both sides, like the merged user), so
        // the device's page view moves, and the device is adopted: its history now reaches alice.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "Sign Up",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
        ];
        let d = diff_of(&lines, Mode::Legacy, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Merge);
        assert_eq!(sides(&d, c, Side::From), [[DEV], ["alice"]]);
        let alice = d.from.user_of_name("alice").unwrap();
        assert_eq!(c.pair_of(Side::From, alice), Some(c.to_users[0]));
        assert_eq!(c.events_moved, 1);
        assert_eq!(c.adopted_ids, 1);
        assert_eq!(c.events_adopted, 1);
        assert_eq!(c.events_stranded, 0);
        assert_adds_up(&d);
        // The other way round it is a split, and the device is stranded.
        let back = diff_of(&lines, Mode::Simplified, Mode::Legacy);
        assert_eq!(back.changes[0].kind, ChangeKind::Split);
        assert_eq!(names(&back, &back.changes[0].orphans), [DEV]);
        assert_eq!(back.counts.adopted_ids, 0);
    }

    #[test]
    fn l_alias_and_s_link_give_a_shared_device_to_different_people_a_reshuffle() {
        // Legacy: the backend aliases alice to the device (L-ALIAS), so her Purchase is
        // stored under the device (L-EVENT); bob's Log In on the device is bob's own.
        // Simplified: the alias is ignored (S-IGNORE) and bob's Log In links the device to
        // bob (S-LINK). Two users on each side, crosswise: a reshuffle. alice is paired with
        // alice and bob with bob (they share their user ids), so what moves is the device's
        // page view and the alias event, from alice to bob.
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "$create_alias",
                json!({"distinct_id": DEV, "alias": "alice"}),
            ),
            line(
                "Log In",
                json!({"distinct_id": "bob", "$device_id": D, "$user_id": "bob"}),
            ),
            line("Purchase", json!({"distinct_id": "alice"})),
        ];
        let d = diff_of(&lines, Mode::Legacy, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Reshuffle);
        assert_eq!(sides(&d, c, Side::From), [vec![DEV, "alice"], vec!["bob"]]);
        assert_eq!(sides(&d, c, Side::To), [vec![DEV, "bob"], vec!["alice"]]);
        let alice = d.from.user_of_name("alice").unwrap();
        let alice_to = d.to.user_of_name("alice").unwrap();
        assert_eq!(c.pair_of(Side::From, alice), Some(alice_to));
        assert_eq!(c.events_moved, 2);
        // The device still reaches an identified user (bob): not stranded.
        assert!(c.orphans.is_empty());
        assert_eq!(d.counts.kind(ChangeKind::Reshuffle).from_users, 2);
        assert_adds_up(&d);
    }

    #[test]
    fn o_id_an_anon_id_only_an_identify_names_leaves_the_user_reshaped() {
        // A server's $identify merges an anonymous id into alice under Original (O-ID);
        // Simplified ignores the verb (S-IGNORE) and no event is stored under that id, so it
        // is in no user there. alice keeps both her events but not that id: reshaped, and
        // nothing moves.
        let lines = [
            line(
                "$identify",
                json!({"distinct_id": "alice", "$anon_id": "a-b-c-d-e1"}),
            ),
            line("Purchase", json!({"distinct_id": "alice"})),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Reshaped);
        assert_eq!(sides(&d, c, Side::From), [["a-b-c-d-e1", "alice"]]);
        assert_eq!(sides(&d, c, Side::To), [["alice"]]);
        assert_eq!(c.events, 2);
        assert_eq!(c.events_moved, 0);
        assert_eq!(d.counts.same, 0);
        assert_adds_up(&d);
    }

    #[test]
    fn g_empty_events_without_distinct_id_are_nobody_s_in_original_and_a_new_device_user() {
        // Events with only $device_id: Original keys events by distinct_id (O-EVENT), so
        // they count for no user (G-EMPTY); Simplified stores them under `$device:` + the
        // device id (S-DID). A new user, both of whose events moved from nobody to it.
        let lines = [
            line("Page View", json!({"$device_id": D})),
            line("Page View", json!({"$device_id": D})),
            line("Other", json!({"distinct_id": "carol"})),
        ];
        let d = diff_of(&lines, Mode::Original, Mode::Simplified);
        assert_eq!(d.from.no_user().len(), 2);
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::New);
        assert!(c.from_users.is_empty());
        assert_eq!(sides(&d, c, Side::To), [[DEV]]);
        assert_eq!(c.events_moved, 2);
        assert_eq!(c.links.len(), 1);
        assert_eq!(c.links[0].from, None);
        // carol is the same in both.
        assert_eq!(d.counts.same, 1);
        assert_adds_up(&d);
        let back = diff_of(&lines, Mode::Simplified, Mode::Original);
        assert_eq!(back.changes[0].kind, ChangeKind::Gone);
        assert_eq!(back.counts.events_moved, 2);
    }

    #[test]
    fn changes_are_sorted_by_events_moved_and_numbered_the_same_every_time() {
        // Two independent Legacy → Simplified merges (S-LINK joins what Legacy keeps apart):
        // each user is paired with the merged user (both identified), so the device with
        // three anonymous events moves three, the other one.
        let dev2 = "$device:d2-0-0-0-2";
        let lines = [
            line("Page View", json!({"distinct_id": DEV, "$device_id": D})),
            line(
                "Page View",
                json!({"distinct_id": dev2, "$device_id": "d2-0-0-0-2"}),
            ),
            line(
                "Page View",
                json!({"distinct_id": dev2, "$device_id": "d2-0-0-0-2"}),
            ),
            line(
                "Page View",
                json!({"distinct_id": dev2, "$device_id": "d2-0-0-0-2"}),
            ),
            line(
                "Sign Up",
                json!({"distinct_id": "alice", "$device_id": D, "$user_id": "alice"}),
            ),
            line(
                "Sign Up",
                json!({"distinct_id": "bob", "$device_id": "d2-0-0-0-2", "$user_id": "bob"}),
            ),
        ];
        let d = diff_of(&lines, Mode::Legacy, Mode::Simplified);
        let moved: Vec<u64> = d.changes.iter().map(|c| c.events_moved).collect();
        assert_eq!(moved, [3, 1]);
        assert_eq!(sides(&d, &d.changes[0], Side::To), [[dev2, "bob"]]);
        let again = diff_of(&lines, Mode::Legacy, Mode::Simplified);
        assert_eq!(text(&d, 10), text(&again, 10));
        assert_eq!(json(&d, 10), json(&again, 10));
        assert_eq!(csv(&d), csv(&again));
    }
}
