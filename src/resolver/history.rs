//! A versioned union-find over interned ids: merges are stamped with the index of the event
//! that made them, so the clusters as they stood after any step can be read back without
//! replaying (union by size, no path compression: finds stay O(log n)).

use std::hash::BuildHasher;

/// Index of an interned id.
pub type IdRef = u32;

const NEVER: u32 = u32::MAX;

/// Per-id facts the resolvers record (bit flags).
pub mod flag {
    /// Stored or used as a user id (Simplified `$user_id`, or a bare distinct_id read as one).
    pub const USER: u8 = 1;
    /// A `$device:` id.
    pub const DEVICE: u8 = 2;
    /// Used as an alias value (Original O-ALIAS, Legacy L-ALIAS).
    pub const ALIAS: u8 = 4;
    /// The `I` of a successful `$identify` (Original O-ID).
    pub const IDENTIFIED: u8 = 8;
    /// Has a target in the alias table (Legacy L-ALIAS).
    pub const HAS_TARGET: u8 = 16;
    /// Some event was stored under this id.
    pub const STORED: u8 = 32;
}

fn hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

#[derive(Debug, Default, Clone)]
pub struct History {
    /// Every name back to back (one allocation for all, not one per id); id `i` ends at
    /// `ends[i]` and starts where `i - 1` ends.
    text: String,
    ends: Vec<usize>,
    /// (hash of the name, id): the stored hash makes growing the table cheap.
    index: hashbrown::HashTable<(u64, IdRef)>,
    /// Index of the event at which the id became visible (NEVER: known but not in a cluster).
    born: Vec<u32>,
    parent: Vec<IdRef>,
    /// Index of the event that attached the id under `parent` (NEVER while a root).
    joined: Vec<u32>,
    size: Vec<u32>,
    id_flags: Vec<u8>,
    /// OR of the members' flags, valid at current roots.
    cluster_flags: Vec<u8>,
    /// Per id, where its canonical-label changes are in `labels` (NEVER: none, it is its
    /// own label).
    label_slot: Vec<u32>,
    /// Canonical-label changes of a root: (event index, label).
    labels: Vec<Vec<(u32, IdRef)>>,
}

impl History {
    /// Makes room for about `ids` more ids, so a large input does not regrow the tables.
    pub fn reserve(&mut self, ids: usize) {
        self.ends.reserve(ids);
        self.index.reserve(ids, |(h, _)| *h);
        for v in [
            &mut self.born,
            &mut self.parent,
            &mut self.joined,
            &mut self.size,
        ] {
            v.reserve(ids);
        }
        self.id_flags.reserve(ids);
        self.cluster_flags.reserve(ids);
        self.label_slot.reserve(ids);
    }

    pub fn lookup(&self, name: &str) -> Option<IdRef> {
        self.lookup_hashed(hash(name), name)
    }

    pub fn name(&self, id: IdRef) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Interns `name`; `visible_at` makes it part of the clusters from that event on.
    pub fn intern(&mut self, name: &str, visible_at: Option<u32>) -> IdRef {
        let hash = hash(name);
        let id = match self.lookup_hashed(hash, name) {
            Some(id) => id,
            None => {
                let id = self.ends.len() as IdRef;
                self.text.push_str(name);
                self.ends.push(self.text.len());
                self.index.insert_unique(hash, (hash, id), |(h, _)| *h);
                self.born.push(NEVER);
                self.parent.push(id);
                self.joined.push(NEVER);
                self.size.push(1);
                self.id_flags.push(0);
                self.cluster_flags.push(0);
                self.label_slot.push(NEVER);
                id
            }
        };
        if let Some(t) = visible_at {
            let b = &mut self.born[id as usize];
            *b = (*b).min(t);
        }
        id
    }

    fn lookup_hashed(&self, hash: u64, name: &str) -> Option<IdRef> {
        self.index
            .find(hash, |&(h, id)| h == hash && self.name(id) == name)
            .map(|&(_, id)| id)
    }

    pub fn born(&self, id: IdRef) -> u32 {
        self.born[id as usize]
    }

    pub fn set_flag(&mut self, id: IdRef, f: u8) {
        self.id_flags[id as usize] |= f;
        let root = self.find(id);
        self.cluster_flags[root as usize] |= f;
    }

    pub fn flags(&self, id: IdRef) -> u8 {
        self.id_flags[id as usize]
    }

    /// Flags of the cluster `id` is in now.
    pub fn cluster_flags(&self, id: IdRef) -> u8 {
        self.cluster_flags[self.find(id) as usize]
    }

    /// The current root of `id`'s cluster.
    pub fn find(&self, id: IdRef) -> IdRef {
        self.find_at(id, NEVER)
    }

    /// The root of `id`'s cluster as it stood before event `t_end`.
    pub fn find_at(&self, mut id: IdRef, t_end: u32) -> IdRef {
        while self.joined[id as usize] < t_end {
            id = self.parent[id as usize];
        }
        id
    }

    /// Current size of `id`'s cluster.
    pub fn size(&self, id: IdRef) -> u32 {
        self.size[self.find(id) as usize]
    }

    /// The canonical id of `id`'s cluster as it stood before event `t_end`.
    pub fn canonical_at(&self, id: IdRef, t_end: u32) -> IdRef {
        let root = self.find_at(id, t_end);
        match self.labels.get(self.label_slot[root as usize] as usize) {
            None => root,
            Some(changes) => {
                let n = changes.partition_point(|(t, _)| *t < t_end);
                if n == 0 {
                    root
                } else {
                    changes[n - 1].1
                }
            }
        }
    }

    /// The current canonical id of `id`'s cluster.
    pub fn canonical(&self, id: IdRef) -> IdRef {
        self.canonical_at(id, NEVER)
    }

    /// Merges the clusters of `a` and `b` at event `t`; the canonical becomes `label`'s
    /// current canonical. The larger cluster's root stays root; on a tie, `a`'s.
    /// Returns false when they were already one cluster.
    pub fn union(&mut self, a: IdRef, b: IdRef, t: u32, label: IdRef) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let canonical = self.canonical(label);
        let (root, child) = if self.size[rb as usize] > self.size[ra as usize] {
            (rb, ra)
        } else {
            (ra, rb)
        };
        self.parent[child as usize] = root;
        self.joined[child as usize] = t;
        self.size[root as usize] += self.size[child as usize];
        self.cluster_flags[root as usize] |= self.cluster_flags[child as usize];
        if self.canonical(root) != canonical {
            let slot = &mut self.label_slot[root as usize];
            if *slot == NEVER {
                *slot = self.labels.len() as u32;
                self.labels.push(Vec::new());
            }
            self.labels[*slot as usize].push((t, canonical));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_states_stay_readable() {
        let mut h = History::default();
        let a = h.intern("a", Some(0));
        let b = h.intern("b", Some(1));
        let c = h.intern("c", Some(2));
        assert!(h.union(a, b, 3, b));
        assert!(h.union(c, a, 5, c));
        assert!(!h.union(a, c, 6, a));
        // Before event 3 all three are apart.
        assert_ne!(h.find_at(a, 3), h.find_at(b, 3));
        assert_eq!(h.canonical_at(a, 3), a);
        // After 3, a and b are one with canonical b; c apart until 5.
        assert_eq!(h.canonical_at(a, 4), b);
        assert_eq!(h.canonical_at(c, 4), c);
        // After 5, all one with canonical c.
        for x in [a, b, c] {
            assert_eq!(h.canonical_at(x, 6), c);
            assert_eq!(h.canonical(x), c);
        }
        assert_eq!(h.size(a), 3);
    }

    #[test]
    fn flags_merge_into_the_cluster() {
        let mut h = History::default();
        let a = h.intern("a", Some(0));
        let b = h.intern("b", Some(0));
        h.set_flag(a, flag::USER);
        assert_eq!(h.cluster_flags(b) & flag::USER, 0);
        h.union(b, a, 1, a);
        assert_ne!(h.cluster_flags(b) & flag::USER, 0);
        assert_eq!(h.flags(b) & flag::USER, 0, "id flags stay per id");
    }
}
