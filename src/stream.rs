//! Resolving real exports offline (issue 6): Mixpanel raw-export JSONL, `/import` NDJSON or a
//! JSON array, read line by line. Memory grows with distinct ids, not with events.
//!
//! Each line is parsed straight into the identity fields (borrowed, the rest skipped), then
//! resolved as if it arrived through `/import` in file order.

use crate::model::{Effect, Endpoint, Knobs, Mode};
use crate::resolver::{flag, is_invalid_id, Incoming, Resolver, Verdict};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};

/// `$distinct_ids`: each item an id or None.
pub type IdList<'a> = Option<Vec<Option<Cow<'a, str>>>>;

/// One export line's identity fields.
#[derive(Debug, Default, Deserialize)]
pub struct Line<'a> {
    #[serde(borrow, default, deserialize_with = "id_field")]
    pub event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub properties: Option<Props<'a>>,
}

/// The properties identity resolution reads; everything else is skipped unparsed.
#[derive(Debug, Default, Deserialize)]
pub struct Props<'a> {
    #[serde(borrow, default, deserialize_with = "id_field")]
    pub distinct_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$device_id", deserialize_with = "id_field")]
    pub device_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$user_id", deserialize_with = "id_field")]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$anon_id", deserialize_with = "id_field")]
    pub anon_id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$anon_distinct_id",
        deserialize_with = "id_field"
    )]
    pub anon_distinct_id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$identified_id",
        deserialize_with = "id_field"
    )]
    pub identified_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "id_field")]
    pub alias: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$distinct_ids",
        deserialize_with = "id_list"
    )]
    pub distinct_ids: IdList<'a>,
    #[serde(borrow, default, rename = "$insert_id", deserialize_with = "id_field")]
    pub insert_id: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "number_field")]
    pub time: Option<f64>,
}

/// An id: a string (borrowed when unescaped) or a number's text; anything else is None.
fn id_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    d.deserialize_any(IdVisitor)
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        )))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<IdList<'de>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = IdList<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of ids")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Wrapped(v)) = seq.next_element::<Wrapped<'de>>()? {
                out.push(v);
            }
            Ok(Some(out))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    struct Wrapped<'de>(Option<Cow<'de, str>>);
    impl<'de> Deserialize<'de> for Wrapped<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(IdVisitor).map(Wrapped)
        }
    }
    d.deserialize_any(ListVisitor)
}

fn number_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

impl<'a> Line<'a> {
    /// Parses one line of an export.
    pub fn parse(text: &'a str) -> Result<Line<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Parses one line given as bytes (UTF-8 is checked as it parses).
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Line<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The resolver's view of this line as event `index`, arriving through `/import`.
    pub fn incoming(&'a self, index: u32) -> Incoming<'a> {
        let p = self.properties.as_ref();
        let field = |f: fn(&'a Props<'a>) -> &'a Option<Cow<'a, str>>| {
            p.and_then(|p| f(p).as_deref()).map(Cow::Borrowed)
        };
        let merge_ids =
            p.and_then(|p| p.distinct_ids.as_ref())
                .and_then(|ids| match ids.as_slice() {
                    [Some(a), Some(b)] => Some([Cow::Borrowed(&**a), Cow::Borrowed(&**b)]),
                    _ => None,
                });
        let distinct_id = field(|p| &p.distinct_id);
        Incoming {
            index,
            endpoint: Endpoint::Import,
            event: Cow::Borrowed(self.event.as_deref().unwrap_or("")),
            invalid_distinct_id: distinct_id.as_deref().is_some_and(is_invalid_id),
            distinct_id,
            device_id: field(|p| &p.device_id),
            user_id: field(|p| &p.user_id),
            anon_id: field(|p| &p.anon_id),
            anon_distinct_id: field(|p| &p.anon_distinct_id),
            identified_id: field(|p| &p.identified_id),
            alias: field(|p| &p.alias),
            merge_ids,
        }
    }

    /// `time` in Unix seconds: values above 10^11 are taken as milliseconds.
    pub fn time_seconds(&self) -> Option<f64> {
        let t = self.properties.as_ref()?.time?;
        Some(if t.abs() > 1e11 { t / 1000.0 } else { t })
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

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
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

    /// Counts input lines read outside [`Stream::feed`] (the two-thread reader).
    pub fn add_lines(&mut self, n: u64) {
        self.lines += n;
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Feeds one line (1-based `line_no`). Blank lines are skipped; a bad line is recorded
    /// and returned as an error.
    pub fn feed(&mut self, line_no: usize, text: &str) -> Result<(), BadLine> {
        self.lines += 1;
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let parsed = Line::parse(text).map_err(|e| BadLine {
            line: line_no,
            message: describe_error(&e),
        });
        match parsed {
            Ok(line) => {
                self.feed_line(line_no, &line);
                Ok(())
            }
            Err(bad) => {
                self.bad_line_count += 1;
                if self.bad_lines.len() < KEEP_BAD_LINES {
                    self.bad_lines.push(bad.clone());
                }
                Err(bad)
            }
        }
    }

    /// Feeds one parsed line.
    pub fn feed_line(&mut self, line_no: usize, line: &Line) {
        let p = line.properties.as_ref();
        let index = self.events as u32;
        let incoming = line.incoming(index);
        let insert_id = p.and_then(|p| p.insert_id.as_deref());
        self.feed_incoming(line_no, incoming, line.time_seconds(), insert_id);
    }

    /// Feeds one event's identity fields (its `index` must be the count of events so far).
    pub fn feed_incoming(
        &mut self,
        line_no: usize,
        mut incoming: Incoming,
        time: Option<f64>,
        insert_id: Option<&str>,
    ) {
        if self.opts.dedupe {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            incoming.event.hash(&mut h);
            time.map(|t| (t * 1000.0).round() as i64).hash(&mut h);
            incoming.distinct_id.as_deref().hash(&mut h);
            insert_id.hash(&mut h);
            if !self.seen.insert(h.finish()) {
                self.duplicates += 1;
                return;
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
            self.verdicts.push((line_no, verdict));
        }
    }

    /// The clusters at the end, with their event counts: (canonical, members, events), by
    /// canonical id. Grouped by counting, not hashing: this runs over every id of an export.
    pub fn clusters(&self) -> Vec<(u32, Vec<u32>, u64)> {
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
        let mut orphans: Vec<(u32, Vec<u32>, u64)> = Vec::new();
        for (id, &count) in self.stored_counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let c = canonical[id];
            if !legacy || c as usize == id {
                events[c as usize] += u64::from(count);
            } else {
                orphans.push((id as u32, vec![id as u32], u64::from(count)));
            }
        }
        let mut out: Vec<(u32, Vec<u32>, u64)> = Vec::new();
        // Where each canonical's cluster is in `out`.
        let mut slot = vec![u32::MAX; n];
        for c in 0..n {
            if members[c] > 0 || events[c] > 0 {
                slot[c] = out.len() as u32;
                out.push((c as u32, Vec::with_capacity(members[c] as usize), events[c]));
            }
        }
        for id in 0..n {
            if h.born(id as u32) != u32::MAX {
                out[slot[canonical[id] as usize] as usize].1.push(id as u32);
            }
        }
        out.extend(orphans);
        out
    }

    /// The `resolve --format json` summary.
    pub fn summary(&self, largest: usize) -> serde_json::Value {
        use serde_json::json;
        let h = self.resolver.history();
        let clusters = self.clusters();
        let mut histogram: BTreeMap<&'static str, u64> = BTreeMap::new();
        const BUCKETS: [(u64, &str); 8] = [
            (1, "01: 1"),
            (2, "02: 2"),
            (5, "03: 3-5"),
            (10, "04: 6-10"),
            (50, "05: 11-50"),
            (100, "06: 51-100"),
            (500, "07: 101-500"),
            (u64::MAX, "08: 501+"),
        ];
        for (_, m, _) in &clusters {
            let n = m.len() as u64;
            let label = BUCKETS
                .iter()
                .find(|(max, _)| n <= *max)
                .expect("last bucket is unbounded")
                .1;
            *histogram.entry(label).or_default() += 1;
        }
        let histogram: serde_json::Map<String, serde_json::Value> = histogram
            .into_iter()
            .map(|(k, v)| {
                (
                    k.split_once(": ").expect("labelled").1.to_string(),
                    json!(v),
                )
            })
            .collect();
        // Largest first (then most events, then by name); only the top few are fully sorted.
        let order = |a: &&(u32, Vec<u32>, u64), b: &&(u32, Vec<u32>, u64)| {
            b.1.len()
                .cmp(&a.1.len())
                .then(b.2.cmp(&a.2))
                .then_with(|| h.name(a.0).cmp(h.name(b.0)))
        };
        let top = |v: &mut Vec<&(u32, Vec<u32>, u64)>| {
            if v.len() > largest && largest > 0 {
                v.select_nth_unstable_by(largest - 1, order);
            }
            v.truncate(largest);
            v.sort_by(order);
        };
        let mut sorted: Vec<&(u32, Vec<u32>, u64)> = clusters.iter().collect();
        top(&mut sorted);
        let limit = u64::from(self.opts.knobs.max_cluster);
        let mut full: Vec<&(u32, Vec<u32>, u64)> = clusters
            .iter()
            .filter(|c| c.1.len() as u64 >= limit)
            .collect();
        top(&mut full);
        let show = |c: &(u32, Vec<u32>, u64)| {
            let mut names: Vec<&str> = c.1.iter().map(|&i| h.name(i)).collect();
            names.sort_unstable();
            names.truncate(10);
            json!({
                "canonical": h.name(c.0),
                "size": c.1.len(),
                "events": c.2,
                "members_sample": names,
            })
        };
        let largest_clusters: Vec<serde_json::Value> =
            sorted.iter().take(largest).map(|c| show(c)).collect();
        let at_limit: Vec<serde_json::Value> = if self.opts.mode == Mode::Original {
            full.iter().map(|c| show(c)).collect()
        } else {
            Vec::new()
        };
        // Phantom users: bare ids stored as users whose `$device:` form is also known (the
        // SDK sent them as a device).
        let mut scratch = String::new();
        let mut phantoms: Vec<&str> = (0..h.len() as u32)
            .filter(|&id| {
                let name = h.name(id);
                if h.flags(id) & flag::STORED == 0 || name.starts_with("$device:") {
                    return false;
                }
                scratch.clear();
                scratch.push_str("$device:");
                scratch.push_str(name);
                h.lookup(&scratch).is_some()
            })
            .map(|id| h.name(id))
            .collect();
        phantoms.sort_unstable();
        let phantom_count = phantoms.len();
        phantoms.truncate(largest.max(10));
        let time_range = match (self.first_time, self.last_time) {
            (Some(a), Some(b)) => json!({ "first": rfc3339(a), "last": rfc3339(b) }),
            _ => serde_json::Value::Null,
        };
        json!({
            "mode": self.opts.mode.as_str(),
            "knobs": {
                "original.max_cluster": self.opts.knobs.max_cluster,
                "original.guid_check": self.opts.knobs.guid_check.as_str(),
                "simplified.identify_links": self.opts.knobs.identify_links,
            },
            "lines": self.lines,
            "events": self.events,
            "malformed_lines": self.bad_line_count,
            "duplicates_dropped": self.duplicates,
            "time_range": time_range,
            "distinct_ids": clusters.iter().map(|c| c.1.len()).sum::<usize>(),
            "clusters": clusters.len(),
            "effects": EFFECTS.iter().zip(self.effects).filter(|(_, n)| *n > 0).map(|(e, n)| (e.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "failures": self.failures.iter().map(|(r, n)| (r.to_string(), *n)).collect::<BTreeMap<String, u64>>(),
            "cluster_size_histogram": histogram,
            "largest_clusters": largest_clusters,
            "suspects": {
                "phantom_users": { "count": phantom_count, "sample": phantoms, "why": "bare ids stored as users that also appear as a $device_id: a server or CDP sent a device id as distinct_id (S-DID)" },
                "junk_ids": self.junk,
                "clusters_at_limit": at_limit,
            },
        })
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
            s.push_str(&crate::export::csv_field(a));
            s.push(',');
            s.push_str(&crate::export::csv_field(b));
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
            p.insert("distinct_id".into(), serde_json::json!(fin));
            p.insert(
                "$distinct_id_before_identity".into(),
                serde_json::json!(ingest),
            );
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

/// A parse error as "column C: message".
pub fn describe_error(e: &serde_json::Error) -> String {
    format!("column {}: {}", e.column(), strip_position(&e.to_string()))
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn rfc3339(t: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t.floor() as i64)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_reads_identity_fields_and_skips_the_rest() {
        let l = Line::parse(r#"{"event":"A","properties":{"distinct_id":42,"$device_id":"d1","big":{"x":[1,2,3]},"$distinct_ids":["a","b"],"time":1700000000123}}"#).unwrap();
        let p = l.properties.as_ref().unwrap();
        assert_eq!(p.distinct_id.as_deref(), Some("42"));
        assert_eq!(p.device_id.as_deref(), Some("d1"));
        assert_eq!(l.time_seconds(), Some(1_700_000_000.123));
        let inc = l.incoming(0);
        assert_eq!(
            inc.merge_ids.as_ref().map(|m| [&*m[0], &*m[1]]),
            Some(["a", "b"])
        );
        assert_eq!(inc.endpoint, Endpoint::Import);
    }

    #[test]
    fn non_id_values_are_none() {
        let l = Line::parse(r#"{"event":"A","properties":{"distinct_id":{"a":1},"$user_id":[1],"$device_id":true}}"#).unwrap();
        let p = l.properties.unwrap();
        assert!(p.distinct_id.is_none() && p.user_id.is_none() && p.device_id.is_none());
    }
}
