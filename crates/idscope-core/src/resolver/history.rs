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
    /// Made up by Mixpanel for an event without distinct_id: a hash of the sender's IP
    /// (G-MISSING).
    pub const SYNTHETIC: u8 = 64;
}

fn hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// One id's place in the union-find and its flags.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: IdRef,
    /// Index of the event that attached the id under `parent` (NEVER while a root).
    joined: u32,
    /// Index of the event at which the id became visible (NEVER: known but not in a cluster).
    born: u32,
    size: u32,
    /// Where its canonical-label changes are in `labels` (NEVER: none, it is its own label).
    label_slot: u32,
    flags: u8,
    /// OR of the members' flags, valid at current roots.
    cluster_flags: u8,
}

#[derive(Debug, Default, Clone)]
pub struct History {
    /// Every name back to back (one allocation for all, not one per id); id `i` ends at
    /// `ends[i]` and starts where `i - 1` ends.
    text: String,
    ends: Vec<usize>,
    /// (hash of the name, id): the stored hash makes growing the table cheap.
    index: hashbrown::HashTable<(u64, IdRef)>,
    /// Per id, everything but its name: one cache line serves a find step or a flag test.
    nodes: Vec<Node>,
    /// Canonical-label changes of a root: (event index, label).
    labels: Vec<Vec<(u32, IdRef)>>,
}

impl History {
    /// Makes room for about `ids` more ids, so a large input does not regrow the tables.
    pub fn reserve(&mut self, ids: usize) {
        // Names are mostly UUIDs (36 bytes) or their `$device:` form.
        self.text.reserve(ids * 40);
        self.ends.reserve(ids);
        self.nodes.reserve(ids);
        // Not the hash table: its slots are touched all over as it fills, so room reserved
        // for a guess that is too high costs real memory; it regrows cheaply (hashes stored).
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
                self.nodes.push(Node {
                    parent: id,
                    joined: NEVER,
                    born: NEVER,
                    size: 1,
                    label_slot: NEVER,
                    flags: 0,
                    cluster_flags: 0,
                });
                id
            }
        };
        if let Some(t) = visible_at {
            let b = &mut self.nodes[id as usize].born;
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
        self.nodes[id as usize].born
    }

    pub fn set_flag(&mut self, id: IdRef, f: u8) {
        self.nodes[id as usize].flags |= f;
        let root = self.find(id);
        self.nodes[root as usize].cluster_flags |= f;
    }

    pub fn flags(&self, id: IdRef) -> u8 {
        self.nodes[id as usize].flags
    }

    /// Flags of the cluster `id` is in now.
    pub fn cluster_flags(&self, id: IdRef) -> u8 {
        self.nodes[self.find(id) as usize].cluster_flags
    }

    /// The current root of `id`'s cluster.
    pub fn find(&self, id: IdRef) -> IdRef {
        self.find_at(id, NEVER)
    }

    /// The root of `id`'s cluster as it stood before event `t_end`.
    pub fn find_at(&self, mut id: IdRef, t_end: u32) -> IdRef {
        while self.nodes[id as usize].joined < t_end {
            id = self.nodes[id as usize].parent;
        }
        id
    }

    /// Current size of `id`'s cluster.
    pub fn size(&self, id: IdRef) -> u32 {
        self.nodes[self.find(id) as usize].size
    }

    /// The canonical id of `id`'s cluster as it stood before event `t_end`.
    pub fn canonical_at(&self, id: IdRef, t_end: u32) -> IdRef {
        let root = self.find_at(id, t_end);
        match self
            .labels
            .get(self.nodes[root as usize].label_slot as usize)
        {
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

    /// The current canonical id of every id, in one pass (each parent chain is walked once,
    /// not once per member: summaries of large exports need all of them).
    pub fn canonical_all(&self) -> Vec<IdRef> {
        let n = self.len();
        let mut root = vec![NEVER; n];
        let mut path = Vec::new();
        for id in 0..n {
            let mut x = id;
            while root[x] == NEVER && self.nodes[x].joined != NEVER {
                path.push(x);
                x = self.nodes[x].parent as usize;
            }
            let r = if root[x] == NEVER {
                x as IdRef
            } else {
                root[x]
            };
            root[x] = r;
            for p in path.drain(..) {
                root[p] = r;
            }
        }
        // Roots become their cluster's current label.
        for r in root.iter_mut() {
            if let Some(changes) = self.labels.get(self.nodes[*r as usize].label_slot as usize) {
                *r = changes.last().map_or(*r, |c| c.1);
            }
        }
        root
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
        let (root, child) = if self.nodes[rb as usize].size > self.nodes[ra as usize].size {
            (rb, ra)
        } else {
            (ra, rb)
        };
        let moved = self.nodes[child as usize];
        let child_node = &mut self.nodes[child as usize];
        child_node.parent = root;
        child_node.joined = t;
        self.nodes[root as usize].size += moved.size;
        self.nodes[root as usize].cluster_flags |= moved.cluster_flags;
        if self.canonical(root) != canonical {
            let slot = &mut self.nodes[root as usize].label_slot;
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
    fn canonical_all_agrees_with_canonical() {
        let mut h = History::default();
        let ids: Vec<IdRef> = (0..40)
            .map(|i| h.intern(&format!("id{i}"), Some(0)))
            .collect();
        // Chains, ties and relabels: union i with i/3 under a label that alternates.
        for (t, &i) in ids.iter().enumerate().skip(1) {
            let j = ids[i as usize / 3];
            let label = if t % 2 == 0 { i } else { j };
            h.union(i, j, t as u32, label);
        }
        let all = h.canonical_all();
        for &i in &ids {
            assert_eq!(all[i as usize], h.canonical(i), "id{i}");
        }
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
