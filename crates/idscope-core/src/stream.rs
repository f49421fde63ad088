//! The streaming resolver for real exports: events arrive from [`crate::ingest`] in file
//! order and are resolved as if they came through `/import`; memory grows with distinct
//! ids, not with events. At the end it gives the summary, the clusters and the id mapping.

use crate::ingest::{self, BadLine, Control};
use crate::model::{Choice, Effect, Knobs, KnobsHeader, Mode};
use crate::resolver::{flag, is_invalid_id, Cluster, IdRef, Incoming, Resolver, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

/// What `idscope resolve` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The summary for a person at a terminal (`report::summary_text`); the CLI's default
    /// when stdout is a terminal.
    Text,
    #[default]
    Json,
    MappingCsv,
    ResolvedJsonl,
}

impl Choice for Format {
    const ALL: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::MappingCsv,
        Format::ResolvedJsonl,
    ];
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::MappingCsv => "mapping-csv",
            Format::ResolvedJsonl => "resolved-jsonl",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Format::Text => "the summary to read, with what each failure code means",
            Format::Json => "a summary: users, failures by code, cluster sizes, suspects",
            Format::MappingCsv => "distinct_id,resolved_distinct_id for every id",
            Format::ResolvedJsonl => "each event with its final distinct_id and verdict",
        }
    }
}

/// Options of a streaming resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    pub mode: Mode,
    pub knobs: Knobs,
    /// Drop repeats of (event, time, distinct_id, `$insert_id`), as Mixpanel does at query time.
    pub dedupe: bool,
    /// Keep each event's verdict (for `resolved-jsonl`); memory then grows with events.
    pub keep_verdicts: bool,
}

/// The streaming resolver: feed lines, then read the summary.
pub struct Stream {
    opts: StreamOptions,
    resolver: Resolver,
    events: u64,
    duplicates: u64,
    lines: u64,
    pub bad_lines: Vec<BadLine>,
    pub bad_line_count: u64,
    seen: HashSet<u64>,
    /// Events attributed to each id as stored (index = IdRef).
    stored_counts: Vec<u32>,
    /// Count per effect, indexed like [`EFFECTS`].
    effects: [u64; 7],
    /// Count per failure code (a handful of codes: a short list beats a map).
    failures: Vec<(&'static str, u64)>,
    junk: BTreeMap<String, u64>,
    first_time: Option<f64>,
    last_time: Option<f64>,
    /// Per event, when kept: (line number, verdict).
    pub verdicts: Vec<(usize, Verdict)>,
}

/// At most this many bad lines are kept with their messages (all are counted).
const KEEP_BAD_LINES: usize = 100;

impl Stream {
    pub fn new(opts: StreamOptions) -> Stream {
        Stream {
            opts,
            resolver: Resolver::new(opts.mode, opts.knobs),
            events: 0,
            duplicates: 0,
            lines: 0,
            bad_lines: Vec::new(),
            bad_line_count: 0,
            seen: HashSet::new(),
            stored_counts: Vec::new(),
            effects: [0; 7],
            failures: Vec::new(),
            junk: BTreeMap::new(),
            first_time: None,
            last_time: None,
            verdicts: Vec::new(),
        }
    }

    /// Sizes the tables for an input of `bytes` (a guess: `gen`'s realistic export has one
    /// distinct id per 1.7 KB), so they are not regrown while it is read. Reserved room that
    /// stays unused costs address space, not memory.
    pub fn expect_input_bytes(&mut self, bytes: usize) {
        let ids = (bytes / 1536).min(1 << 24);
        self.resolver.reserve(ids);
        self.stored_counts.reserve(ids);
    }

    /// Lines read, blank ones included.
    pub fn line_count(&self) -> u64 {
        self.lines
    }

    /// Events resolved (duplicates dropped by `dedupe` not counted).
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// Placeholder ids met (G-INVALID) and how many events carried each.
    pub fn junk_ids(&self) -> &BTreeMap<String, u64> {
        &self.junk
    }

    pub fn knobs(&self) -> Knobs {
        self.opts.knobs
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Feeds one event's identity fields (its `index` is set to the count of events so far)
    /// and gives its verdict; None when `dedupe` dropped it as a repeat.
    pub fn feed_incoming(
        &mut self,
        line_no: usize,
        mut incoming: Incoming,
        time: Option<f64>,
        insert_id: Option<&str>,
    ) -> Option<Verdict> {
        if self.opts.dedupe {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            incoming.event.hash(&mut h);
            time.map(|t| (t * 1000.0).round() as i64).hash(&mut h);
            incoming.distinct_id.as_deref().hash(&mut h);
            insert_id.hash(&mut h);
            if !self.seen.insert(h.finish()) {
                self.duplicates += 1;
                return None;
            }
        }
        if let Some(t) = time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
        }
        incoming.index = self.events as u32;
        self.events += 1;
        for id in [
            &incoming.distinct_id,
            &incoming.device_id,
            &incoming.user_id,
        ]
        .into_iter()
        .flatten()
        {
            if is_invalid_id(id) {
                *self.junk.entry(id.to_string()).or_default() += 1;
            }
        }
        let verdict = self.resolver.resolve_incoming(&incoming);
        self.effects[effect_index(verdict.effect)] += 1;
        if let Some(r) = verdict.reason {
            match self.failures.iter_mut().find(|(code, _)| *code == r) {
                Some((_, n)) => *n += 1,
                None => self.failures.push((r, 1)),
            }
        }
        if let Some(id) = verdict.ingest.filter(|_| verdict.counts) {
            let i = id as usize;
            if self.stored_counts.len() <= i {
                self.stored_counts.resize(i + 1, 0);
            }
            self.stored_counts[i] += 1;
        }
        if self.opts.keep_verdicts {
            self.verdicts.push((line_no, verdict.clone()));
        }
        Some(verdict)
    }

    /// The clusters at the end, with their event counts, by canonical id. Grouped by
    /// counting, not hashing: this runs over every id of an export.
    pub fn clusters(&self) -> Vec<Cluster<IdRef>> {
        let h = self.resolver.history();
        let canonical = h.canonical_all();
        let n = canonical.len();
        let mut members = vec![0u32; n];
        let mut events = vec![0u64; n];
        for id in 0..n {
            if h.born(id as u32) != u32::MAX {
                members[canonical[id] as usize] += 1;
            }
        }
        let legacy = self.opts.mode == Mode::Legacy;
        let mut orphans: Vec<Cluster<IdRef>> = Vec::new();
        for (id, &count) in self.stored_counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let c = canonical[id];
            if !legacy || c as usize == id {
                events[c as usize] += u64::from(count);
            } else {
                orphans.push(Cluster {
                    canonical: id as u32,
                    members: vec![id as u32],
                    events: u64::from(count),
                });
            }
        }
        let mut out: Vec<Cluster<IdRef>> = Vec::new();
        // Where each canonical's cluster is in `out`.
        let mut slot = vec![u32::MAX; n];
        for c in 0..n {
            if members[c] > 0 || events[c] > 0 {
                slot[c] = out.len() as u32;
                out.push(Cluster {
                    canonical: c as u32,
                    members: Vec::with_capacity(members[c] as usize),
                    events: events[c],
                });
            }
        }
        for id in 0..n {
            if h.born(id as u32) != u32::MAX {
                out[slot[canonical[id] as usize] as usize]
                    .members
                    .push(id as u32);
            }
        }
        out.extend(orphans);
        out
    }

    /// The `resolve --format json` summary; `largest` bounds the cluster lists.
    pub fn summary(&self, largest: usize) -> Summary<'_> {
        let h = self.resolver.history();
        let clusters = self.clusters();
        let mut histogram = [0u64; BUCKETS.len()];
        for c in &clusters {
            let n = c.members.len() as u64;
            let bucket = BUCKETS
                .iter()
                .position(|(max, _)| n <= *max)
                .expect("last bucket is unbounded");
            histogram[bucket] += 1;
        }
        // Largest first (then most events, then by name); only the top few are fully sorted.
        let order = |a: &&Cluster<IdRef>, b: &&Cluster<IdRef>| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.events.cmp(&a.events))
                .then_with(|| h.name(a.canonical).cmp(h.name(b.canonical)))
        };
        let top = |v: &mut Vec<&Cluster<IdRef>>| {
            if v.len() > largest && largest > 0 {
                v.select_nth_unstable_by(largest - 1, order);
            }
            v.truncate(largest);
            v.sort_by(order);
        };
        let mut sorted: Vec<&Cluster<IdRef>> = clusters.iter().collect();
        top(&mut sorted);
        let limit = u64::from(self.opts.knobs.max_cluster);
        let mut full: Vec<&Cluster<IdRef>> = clusters
            .iter()
            .filter(|c| c.members.len() as u64 >= limit)
            .collect();
        top(&mut full);
        let show = |c: &&Cluster<IdRef>| {
            let mut names: Vec<&str> = c.members.iter().map(|&i| h.name(i)).collect();
            names.sort_unstable();
            names.truncate(10);
            ClusterSample {
                canonical: h.name(c.canonical),
                size: c.members.len(),
                events: c.events,
                members_sample: names,
            }
        };
        let largest_clusters = sorted.iter().take(largest).map(show).collect();
        let clusters_at_limit = if self.opts.mode == Mode::Original {
            full.iter().map(show).collect()
        } else {
            Vec::new()
        };
        // Phantom users (S-DID).
        let mut scratch = String::new();
        let mut phantoms: Vec<&str> = (0..h.len() as u32)
            .filter(|&id| self.is_phantom(id, &mut scratch))
            .map(|id| h.name(id))
            .collect();
        phantoms.sort_unstable();
        let phantom_count = phantoms.len();
        phantoms.truncate(largest.max(10));
        Summary {
            mode: self.opts.mode,
            knobs: self.opts.knobs.header(),
            lines: self.lines,
            events: self.events,
            malformed_lines: self.bad_line_count,
            duplicates_dropped: self.duplicates,
            time_range: self.first_time.zip(self.last_time).map(|(a, b)| TimeRange {
                first: crate::text::rfc3339(a),
                last: crate::text::rfc3339(b),
            }),
            distinct_ids: clusters.iter().map(|c| c.members.len()).sum(),
            clusters: clusters.len(),
            effects: EFFECTS
                .iter()
                .zip(self.effects)
                .filter(|(_, n)| *n > 0)
                .map(|(e, n)| (*e, n))
                .collect(),
            failures: self.failures.iter().copied().collect(),
            cluster_size_histogram: BUCKETS
                .iter()
                .zip(histogram)
                .filter(|(_, n)| *n > 0)
                .map(|((_, label), n)| (*label, n))
                .collect(),
            largest_clusters,
            suspects: Suspects {
                phantom_users: Phantoms {
                    count: phantom_count,
                    sample: phantoms,
                    why: PHANTOM_WHY,
                },
                junk_ids: &self.junk,
                clusters_at_limit,
            },
        }
    }

    /// Whether `id` is a suspected phantom user: a bare id stored as a user whose `$device:`
    /// form is also known (the SDK sent it as a device; [`PHANTOM_WHY`]). `scratch` is reused
    /// across calls, since this runs over every id.
    pub fn is_phantom(&self, id: IdRef, scratch: &mut String) -> bool {
        let h = self.resolver.history();
        let name = h.name(id);
        if h.flags(id) & flag::STORED == 0 || name.starts_with("$device:") {
            return false;
        }
        scratch.clear();
        scratch.push_str("$device:");
        scratch.push_str(name);
        h.lookup(scratch).is_some()
    }

    /// `distinct_id,resolved_distinct_id` rows for every id at the end (sorted).
    pub fn mapping_csv(&self) -> String {
        let h = self.resolver.history();
        let mut rows: Vec<(&str, &str)> = (0..h.len() as u32)
            .filter(|&id| h.born(id) != u32::MAX)
            .map(|id| (h.name(id), h.name(h.canonical(id))))
            .collect();
        rows.sort_unstable();
        let mut s = String::from("distinct_id,resolved_distinct_id\n");
        for (a, b) in rows {
            s.push_str(&crate::text::csv_field(a));
            s.push(',');
            s.push_str(&crate::text::csv_field(b));
            s.push('\n');
        }
        s
    }

    /// One resolved-jsonl row for a kept verdict, given the original line.
    pub fn resolved_row(&self, verdict: &Verdict, original: &str) -> Option<String> {
        let mut v: serde_json::Value = serde_json::from_str(original).ok()?;
        let h = self.resolver.history();
        let ingest = verdict.ingest.map(|i| h.name(i).to_string());
        let fin = self
            .resolver
            .final_id(verdict, u32::MAX)
            .map(|i| h.name(i).to_string());
        let props = v
            .as_object_mut()?
            .entry("properties")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(p) = props.as_object_mut() {
            let original = p.get("distinct_id").and_then(crate::resolver::id_value);
            let before = crate::resolver::before_identity(
                self.opts.mode,
                original.as_deref(),
                ingest.as_deref(),
                fin.as_deref(),
            )
            .map(str::to_string);
            p.insert("distinct_id".into(), serde_json::json!(fin));
            if let Some(b) = before {
                p.entry("$distinct_id_before_identity")
                    .or_insert_with(|| serde_json::json!(b));
            }
        }
        v.as_object_mut()?.insert(
            "idscope".into(),
            serde_json::json!({
                "effect": verdict.effect.as_str(),
                "reason": verdict.reason,
                "rule": verdict.rule,
            }),
        );
        serde_json::to_string(&v).ok()
    }

    pub fn effect_count(&self, e: Effect) -> u64 {
        self.effects[effect_index(e)]
    }
}

/// The `resolve` summary (docs/scenario-format.md, "`idscope resolve` output"). Fields serialize in
/// this order; maps keep the order they are built in.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub mode: Mode,
    pub knobs: KnobsHeader,
    pub lines: u64,
    pub events: u64,
    pub malformed_lines: u64,
    pub duplicates_dropped: u64,
    pub time_range: Option<TimeRange>,
    pub distinct_ids: usize,
    pub clusters: usize,
    /// Count per effect, in [`EFFECTS`] order; effects that never happened are left out.
    #[serde(serialize_with = "as_map")]
    pub effects: Vec<(Effect, u64)>,
    /// Count per failure code, by code.
    pub failures: BTreeMap<&'static str, u64>,
    /// Clusters per size bucket ("1", "2", "3-5", …, "501+"); empty buckets left out.
    #[serde(serialize_with = "as_map")]
    pub cluster_size_histogram: Vec<(&'static str, u64)>,
    pub largest_clusters: Vec<ClusterSample<'a>>,
    pub suspects: Suspects<'a>,
}

#[derive(Debug, Serialize)]
pub struct TimeRange {
    pub first: String,
    pub last: String,
}

/// A cluster as the summary lists it: at most ten members, sorted.
#[derive(Debug, Serialize)]
pub struct ClusterSample<'a> {
    pub canonical: &'a str,
    pub size: usize,
    pub events: u64,
    pub members_sample: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Suspects<'a> {
    pub phantom_users: Phantoms<'a>,
    /// Placeholder ids (G-INVALID) and how many events carried each.
    pub junk_ids: &'a BTreeMap<String, u64>,
    /// Original only: clusters at the size limit (O-LIMIT).
    pub clusters_at_limit: Vec<ClusterSample<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Phantoms<'a> {
    pub count: usize,
    pub sample: Vec<&'a str>,
    pub why: &'static str,
}

pub const PHANTOM_WHY: &str = "bare ids stored as users that also appear as a $device_id: a server or CDP sent a device id as distinct_id (S-DID)";

/// Cluster-size buckets: (largest size in the bucket, label).
const BUCKETS: [(u64, &str); 8] = [
    (1, "1"),
    (2, "2"),
    (5, "3-5"),
    (10, "6-10"),
    (50, "11-50"),
    (100, "51-100"),
    (500, "101-500"),
    (u64::MAX, "501+"),
];

/// Serializes (key, value) pairs as a map, in their order.
fn as_map<K: Serialize, V: Serialize, S: serde::Serializer>(
    pairs: &[(K, V)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// Every effect, in the order the summary lists them.
pub const EFFECTS: [Effect; 7] = [
    Effect::None,
    Effect::Linked,
    Effect::Merged,
    Effect::Aliased,
    Effect::Failed,
    Effect::Ignored,
    Effect::Rejected,
];

fn effect_index(e: Effect) -> usize {
    EFFECTS
        .iter()
        .position(|x| *x == e)
        .expect("every effect is listed")
}

/// The resolver as the reader's sink: every event resolved, every bad line counted (the
/// first [`KEEP_BAD_LINES`] kept with their messages).
impl ingest::Sink for Stream {
    fn event(&mut self, e: ingest::Event<'_>) -> Control {
        let _ = self.feed_incoming(e.line, e.incoming, e.time, e.insert_id);
        Control::Continue
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.bad_line_count += 1;
        if self.bad_lines.len() < KEEP_BAD_LINES {
            self.bad_lines.push(bad.clone());
        }
        Control::Continue
    }

    fn lines(&mut self, count: u64) {
        self.lines += count;
    }

    fn expect_bytes(&mut self, bytes: u64) {
        self.expect_input_bytes(bytes as usize);
    }
}
