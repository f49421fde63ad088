//! A real export held for going over it more than once — the explorer's export view,
//! `idscope diff` and `idscope export-user`. The bytes stay where they are (a mapped file is
//! not copied, and its pages are released as they are read) and only where each event is is
//! kept: 16 bytes an event. Each mode's [`Resolution`] adds an 8-byte verdict and a 4-byte
//! place in its user's timeline per event, plus the resolver's tables.

use crate::ingest::{self, BadLine, Bytes, Control, Event, Sink};
use crate::model::{Effect, Knobs, Mode};
use crate::resolver::{is_invalid_id, Cluster, IdRef, Verdict};
use crate::rules::RuleId;
use crate::stream::{Stream, StreamOptions, EFFECTS};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// An export's bytes and name, shared by the threads that resolve it.
pub struct Source {
    name: String,
    bytes: Bytes,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Source {
    /// Opens an export file: mapped when it is a plain file, else read (gzip unwrapped).
    pub fn open(path: &Path) -> Result<Source, ingest::Error> {
        let opened = ingest::open(path)?;
        let name = opened.name().to_string();
        Ok(Source {
            bytes: opened.into_bytes()?,
            name,
        })
    }

    /// An export already in memory (JSONL or a JSON array); `name` stands for it in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            name: name.to_string(),
            bytes: Bytes::Owned(bytes),
        }
    }

    /// The input as messages name it (not escaped).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Size in bytes (what progress counts up to).
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// An event's text as it is in the file ("" for an event not in it).
    pub fn text(&self, at: &EventAt) -> &str {
        let start = at.offset as usize;
        self.bytes
            .body()
            .get(start..start.saturating_add(at.len as usize))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// Where one event is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventAt {
    offset: u64,
    len: u32,
    line: u32,
}

impl EventAt {
    /// 1-based line number (a JSON array: the element's number); beyond u32, the largest.
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }
}

/// Where every event of an export is, and what could not be read.
#[derive(Debug, Default)]
pub struct Index {
    pub events: Vec<EventAt>,
    /// The first malformed lines, with why.
    pub bad: Vec<BadLine>,
    /// Every malformed line.
    pub bad_count: u64,
    /// Lines read, blank ones included.
    pub lines: u64,
}

/// Reads an export once: where each event is, and its resolution in `mode`. `progress`
/// counts the bytes read so far (the caller shows it against [`Source::len`]).
pub fn index(
    source: &Source,
    mode: Mode,
    knobs: Knobs,
    progress: &AtomicU64,
) -> Result<(Index, Resolution), ingest::Error> {
    let mut sink = Indexing {
        index: Index::default(),
        packing: Packing::new(mode, knobs, progress),
    };
    source.bytes.feed(&source.name, &mut sink)?;
    let Indexing { mut index, packing } = sink;
    index.bad_count = packing.stream.bad_line_count;
    index.bad = packing.stream.bad_lines.clone();
    Ok((index, packing.finish()))
}

/// Reads an export once and resolves it in two modes in the same pass (`idscope diff`):
/// parsing is most of the time a resolution takes. No index is kept (a diff needs none).
pub fn resolve_pair(
    source: &Source,
    first: Mode,
    second: Mode,
    knobs: Knobs,
    progress: &AtomicU64,
) -> Result<(Resolution, Resolution), ingest::Error> {
    let unused = AtomicU64::new(0);
    let mut sink = Pair {
        first: Packing::new(first, knobs, progress),
        second: Packing::new(second, knobs, &unused),
    };
    source.bytes.feed(&source.name, &mut sink)?;
    Ok((sink.first.finish(), sink.second.finish()))
}

/// The export resolved in another mode (the bytes are read again; the index is not).
pub fn resolve(
    source: &Source,
    mode: Mode,
    knobs: Knobs,
    progress: &AtomicU64,
) -> Result<Resolution, ingest::Error> {
    let mut sink = Packing::new(mode, knobs, progress);
    source.bytes.feed(&source.name, &mut sink)?;
    Ok(sink.finish())
}

/// One event's verdict in 8 bytes (a [`Verdict`] takes 48): codes become indices into the
/// resolution's table of the few codes it met.
#[derive(Debug, Clone, Copy)]
struct Packed {
    /// The id stored; `u32::MAX` for none.
    ingest: u32,
    effect: Effect,
    rule: RuleId,
    /// Index into `codes`; 0 for none.
    reason: u8,
    /// Bit 0: counts for its user; bits 1–7: the warning's index into `codes`.
    extra: u8,
}

const NO_ID: u32 = u32::MAX;

/// Resolves events as they come and packs their verdicts.
struct Packing<'p> {
    stream: Stream,
    verdicts: Vec<Packed>,
    codes: Vec<&'static str>,
    progress: &'p AtomicU64,
}

impl<'p> Packing<'p> {
    fn new(mode: Mode, knobs: Knobs, progress: &'p AtomicU64) -> Packing<'p> {
        progress.store(0, Ordering::Relaxed);
        Packing {
            stream: Stream::new(StreamOptions {
                mode,
                knobs,
                dedupe: false,
                keep_verdicts: false,
            }),
            verdicts: Vec::new(),
            codes: vec![""],
            progress,
        }
    }

    fn code(&mut self, code: Option<&'static str>) -> u8 {
        let Some(code) = code else { return 0 };
        if let Some(i) = self.codes.iter().position(|c| *c == code) {
            return i as u8;
        }
        // The resolver has a few dozen codes at most; past 127 they would not pack.
        if self.codes.len() >= 127 {
            return 0;
        }
        self.codes.push(code);
        (self.codes.len() - 1) as u8
    }

    fn push(&mut self, v: Verdict) {
        let reason = self.code(v.reason);
        let warning = self.code(v.warning);
        self.verdicts.push(Packed {
            ingest: v.ingest.unwrap_or(NO_ID),
            effect: v.effect,
            rule: v.rule,
            reason,
            extra: u8::from(v.counts) | (warning << 1),
        });
    }

    fn finish(self) -> Resolution {
        Resolution::new(self.stream, self.verdicts, self.codes)
    }
}

impl Sink for Packing<'_> {
    fn event(&mut self, e: Event<'_>) -> Control {
        if let Some(v) = self
            .stream
            .feed_incoming(e.line, e.incoming, e.time, e.insert_id)
        {
            self.push(v);
        }
        Control::Continue
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.stream.bad(bad)
    }

    fn lines(&mut self, count: u64) {
        self.stream.lines(count);
    }

    fn progress(&mut self, bytes: u64) {
        self.progress.fetch_add(bytes, Ordering::Relaxed);
    }

    fn expect_bytes(&mut self, bytes: u64) {
        self.stream.expect_bytes(bytes);
        // About 350 bytes an event in a raw export.
        self.verdicts.reserve((bytes / 350) as usize);
    }
}

/// The first pass: the index and the first mode's resolution.
struct Indexing<'p> {
    index: Index,
    packing: Packing<'p>,
}

impl Sink for Indexing<'_> {
    fn event(&mut self, e: Event<'_>) -> Control {
        self.index.events.push(EventAt {
            offset: e.offset,
            len: u32::try_from(e.text.len()).unwrap_or(u32::MAX),
            line: u32::try_from(e.line).unwrap_or(u32::MAX),
        });
        self.packing.event(e)
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.packing.bad(bad)
    }

    fn lines(&mut self, count: u64) {
        self.index.lines += count;
        self.packing.lines(count);
    }

    fn progress(&mut self, bytes: u64) {
        self.packing.progress(bytes);
    }

    fn expect_bytes(&mut self, bytes: u64) {
        self.index.events.reserve((bytes / 350) as usize);
        self.packing.expect_bytes(bytes);
    }
}

/// The one-pass sink of [`resolve_pair`]: two modes fed the same events.
struct Pair<'p> {
    first: Packing<'p>,
    second: Packing<'p>,
}

impl Sink for Pair<'_> {
    fn event(&mut self, e: Event<'_>) -> Control {
        if let Some(v) =
            self.second
                .stream
                .feed_incoming(e.line, e.incoming.clone(), e.time, e.insert_id)
        {
            self.second.push(v);
        }
        self.first.event(e)
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.second.bad(bad);
        self.first.bad(bad)
    }

    fn lines(&mut self, count: u64) {
        self.second.lines(count);
        self.first.lines(count);
    }

    fn progress(&mut self, bytes: u64) {
        self.first.progress(bytes);
    }

    fn expect_bytes(&mut self, bytes: u64) {
        self.second.expect_bytes(bytes);
        self.first.expect_bytes(bytes);
    }
}

/// What a user's events include, one bit each: the effects (in [`EFFECTS`] order), then
/// whether a member is a suspected phantom, a junk id, or the cluster is at the size limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    effects: u8,
    suspects: u8,
    /// Failure codes met, one bit per index into the resolution's codes (the first 32).
    codes: u32,
}

/// Kinds of suspect the summary names, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspect {
    /// A member is a bare id stored as a user whose `$device:` form is also known (S-DID).
    Phantom,
    /// A member is a placeholder id (G-INVALID).
    Junk,
    /// The cluster holds as many ids as Original allows (O-LIMIT).
    AtLimit,
}

impl Suspect {
    fn bit(self) -> u8 {
        match self {
            Suspect::Phantom => 1,
            Suspect::Junk => 2,
            Suspect::AtLimit => 4,
        }
    }
}

impl Marks {
    pub fn has_effect(&self, e: Effect) -> bool {
        self.effects & (1 << effect_bit(e)) != 0
    }

    pub fn is(&self, s: Suspect) -> bool {
        self.suspects & s.bit() != 0
    }
}

fn effect_bit(e: Effect) -> usize {
    EFFECTS.iter().position(|x| *x == e).unwrap_or(0)
}

/// An export resolved in one mode: each event's verdict, the users largest first, and each
/// user's events in file order.
pub struct Resolution {
    pub stream: Stream,
    verdicts: Vec<Packed>,
    codes: Vec<&'static str>,
    /// Largest first (then most events, then by name).
    pub users: Vec<Cluster<IdRef>>,
    /// User `u`'s events are `order[starts[u]..starts[u + 1]]`.
    starts: Vec<u32>,
    order: Vec<u32>,
    /// Events stored under no id (refused before identity, e.g. an invalid distinct_id).
    no_user: Vec<u32>,
    marks: Vec<Marks>,
    /// For each id: the user whose timeline its events go to (`u32::MAX`: none).
    user_of_key: Vec<u32>,
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolution")
            .field("mode", &self.mode())
            .field("events", &self.verdicts.len())
            .field("users", &self.users.len())
            .finish()
    }
}

impl Resolution {
    fn new(stream: Stream, verdicts: Vec<Packed>, codes: Vec<&'static str>) -> Resolution {
        let mut users = stream.clusters();
        let h = stream.resolver().history();
        users.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.events.cmp(&a.events))
                .then_with(|| h.name(a.canonical).cmp(h.name(b.canonical)))
        });
        let mut r = Resolution {
            stream,
            verdicts,
            codes,
            users,
            starts: Vec::new(),
            order: Vec::new(),
            no_user: Vec::new(),
            marks: Vec::new(),
            user_of_key: Vec::new(),
        };
        r.group();
        r
    }

    /// Groups events by user (a counting sort: two passes, no per-user vectors) and marks
    /// what each user's events and members include.
    fn group(&mut self) {
        let h = self.stream.resolver().history();
        let n_ids = h.len();
        let mut user_of_key = vec![u32::MAX; n_ids];
        for (u, c) in self.users.iter().enumerate() {
            user_of_key[c.canonical as usize] = u as u32;
        }
        let legacy = self.mode() == Mode::Legacy;
        let key = |ingest: u32| -> usize {
            if legacy {
                ingest as usize
            } else {
                h.canonical(ingest) as usize
            }
        };
        let n_users = self.users.len();
        // Two passes over the verdicts (count, then place) rather than a per-event table of
        // users: the same result without 4 bytes an event of scratch at the memory peak.
        let user_of = |p: &Packed| -> u32 {
            if p.ingest == NO_ID {
                u32::MAX
            } else {
                user_of_key.get(key(p.ingest)).copied().unwrap_or(u32::MAX)
            }
        };
        let mut counts = vec![0u32; n_users + 1];
        let mut marks = vec![Marks::default(); n_users];
        let mut no_user = Vec::new();
        for (i, p) in self.verdicts.iter().enumerate() {
            let u = user_of(p);
            if u == u32::MAX {
                no_user.push(i as u32);
                continue;
            }
            counts[u as usize] += 1;
            let m = &mut marks[u as usize];
            m.effects |= 1 << effect_bit(p.effect);
            if p.reason > 0 && p.reason < 33 {
                m.codes |= 1 << (p.reason - 1);
            }
        }
        let mut starts = Vec::with_capacity(n_users + 1);
        let mut total = 0u32;
        for c in &counts[..n_users] {
            starts.push(total);
            total += c;
        }
        starts.push(total);
        // `counts` becomes each user's next free place.
        counts[..n_users].copy_from_slice(&starts[..n_users]);
        let mut order = vec![0u32; total as usize];
        for (i, p) in self.verdicts.iter().enumerate() {
            let u = user_of(p);
            if u != u32::MAX {
                order[counts[u as usize] as usize] = i as u32;
                counts[u as usize] += 1;
            }
        }
        // Suspects, from the members.
        let limit = self.stream.knobs().max_cluster as usize;
        let original = self.mode() == Mode::Original;
        let mut scratch = String::new();
        for (u, c) in self.users.iter().enumerate() {
            let m = &mut marks[u];
            if original && c.members.len() >= limit {
                m.suspects |= Suspect::AtLimit.bit();
            }
            for &id in &c.members {
                if is_invalid_id(h.name(id)) {
                    m.suspects |= Suspect::Junk.bit();
                }
                if self.stream.is_phantom(id, &mut scratch) {
                    m.suspects |= Suspect::Phantom.bit();
                }
            }
        }
        self.user_of_key = user_of_key;
        self.starts = starts;
        self.order = order;
        self.no_user = no_user;
        self.marks = marks;
    }

    pub fn mode(&self) -> Mode {
        self.stream.resolver().mode()
    }

    /// How many events were resolved.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// An id's name.
    pub fn name(&self, id: IdRef) -> &str {
        self.stream.resolver().history().name(id)
    }

    /// Event `i`'s verdict (a code the table could not hold reads as none).
    pub fn verdict(&self, i: usize) -> Option<Verdict> {
        let p = self.verdicts.get(i)?;
        let code = |c: u8| (c > 0).then(|| self.codes[c as usize]);
        Some(Verdict {
            ingest: (p.ingest != NO_ID).then_some(p.ingest),
            effect: p.effect,
            reason: code(p.reason),
            rule: p.rule,
            warning: code(p.extra >> 1),
            counts: p.extra & 1 != 0,
        })
    }

    /// The id reports attribute event `i` to, at the end (None: it counts for no user).
    pub fn final_name(&self, i: usize) -> Option<&str> {
        let v = self.verdict(i)?;
        self.stream
            .resolver()
            .final_id(&v, u32::MAX)
            .map(|id| self.name(id))
    }

    /// User `u`'s events (indices into the index's events), in file order.
    pub fn events_of(&self, u: usize) -> &[u32] {
        match (self.starts.get(u), self.starts.get(u + 1)) {
            (Some(&a), Some(&b)) => &self.order[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Events stored under no id, in file order.
    pub fn no_user(&self) -> &[u32] {
        &self.no_user
    }

    /// The user whose timeline event `i` is in (None: the no-user bucket).
    pub fn user_of_event(&self, i: usize) -> Option<usize> {
        let p = self.verdicts.get(i)?;
        if p.ingest == NO_ID {
            return None;
        }
        let h = self.stream.resolver().history();
        let key = match self.mode() {
            Mode::Legacy => p.ingest,
            _ => h.canonical(p.ingest),
        };
        self.user_key(key)
    }

    /// The user holding the id named exactly `name` (Legacy: the user its events are
    /// stored under when it has its own, else its alias cluster).
    pub fn user_of_name(&self, name: &str) -> Option<usize> {
        let h = self.stream.resolver().history();
        let id = h.lookup(name)?;
        self.user_key(id).or_else(|| self.user_key(h.canonical(id)))
    }

    fn user_key(&self, key: IdRef) -> Option<usize> {
        match self.user_of_key.get(key as usize) {
            Some(&u) if u != u32::MAX => Some(u as usize),
            _ => None,
        }
    }

    /// What user `u`'s events and members include.
    pub fn marks(&self, u: usize) -> Marks {
        self.marks.get(u).copied().unwrap_or_default()
    }

    /// Whether user `u` has an event that failed with `code`.
    pub fn has_failure(&self, u: usize, code: &str) -> bool {
        let Some(i) = self.codes.iter().position(|c| *c == code) else {
            return false;
        };
        if (1..33).contains(&i) {
            return self.marks(u).codes & (1 << (i - 1)) != 0;
        }
        // Past the bits: look at the events.
        self.events_of(u)
            .iter()
            .any(|&e| self.verdicts[e as usize].reason as usize == i)
    }

    /// The name a person knows user `u` by: a member that is not a device id when there
    /// is one (the first by name), else the canonical id.
    pub fn label(&self, u: usize) -> &str {
        let Some(c) = self.users.get(u) else {
            return "";
        };
        c.members
            .iter()
            .map(|&m| self.name(m))
            .filter(|n| !n.starts_with("$device:"))
            .min()
            .unwrap_or_else(|| self.name(c.canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = concat!(
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000000,"$insert_id":"a1"}}"#,
        "\n",
        r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001,"$insert_id":"a2"}}"#,
        "\n",
        "\n",
        r#"{"event":"Server","properties":{"distinct_id":"d2","time":1700000003,"$insert_id":"a4"}}"#,
        "\n",
        "{not json\n",
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d2","$device_id":"d2","time":1700000004,"$insert_id":"a5"}}"#,
        "\n",
        r#"{"event":"Junk","properties":{"distinct_id":"undefined","time":1700000005,"$insert_id":"a6"}}"#,
        "\n",
    );

    fn small(mode: Mode) -> (Source, Index, Resolution) {
        let source = Source::from_bytes("small.jsonl", SMALL.as_bytes().to_vec());
        let progress = AtomicU64::new(0);
        let (index, r) = index(&source, mode, Knobs::default(), &progress).unwrap();
        assert_eq!(progress.load(Ordering::Relaxed), SMALL.len() as u64);
        (source, index, r)
    }

    #[test]
    fn the_index_finds_each_event_and_counts_malformed_lines() {
        let (source, index, r) = small(Mode::Simplified);
        assert_eq!(index.events.len(), 5);
        assert_eq!(r.len(), 5);
        assert_eq!(index.bad_count, 1);
        assert_eq!(index.bad[0].line, 5);
        assert_eq!(index.lines, 7);
        assert_eq!(index.events[2].line(), 4);
        assert!(source
            .text(&index.events[2])
            .contains(r#""event":"Server""#));
    }

    #[test]
    fn s_link_a_user_timeline_holds_the_device_history_in_file_order() {
        let (_, _, r) = small(Mode::Simplified);
        let alice = r.user_of_name("alice").unwrap();
        assert_eq!(r.user_of_name("$device:d1"), Some(alice));
        assert_eq!(r.events_of(alice), &[0, 1]);
        assert_eq!(r.label(alice), "alice");
        assert_eq!(r.final_name(0), Some("alice"));
        // Largest first.
        assert_eq!(r.users[0].members.len(), 2);
    }

    #[test]
    fn g_invalid_refused_events_land_in_the_no_user_bucket() {
        let (_, _, r) = small(Mode::Simplified);
        assert_eq!(r.no_user(), &[4]);
        let v = r.verdict(4).unwrap();
        assert_eq!(v.effect, Effect::Rejected);
        assert_eq!(v.reason, Some("invalidDistinctId"));
        assert_eq!(r.user_of_event(4), None);
        assert_eq!(r.final_name(4), None);
    }

    #[test]
    fn s_did_a_bare_device_id_sent_as_distinct_id_is_marked_phantom() {
        let (_, _, r) = small(Mode::Simplified);
        let d2 = r.user_of_name("d2").unwrap();
        assert!(r.marks(d2).is(Suspect::Phantom));
        let alice = r.user_of_name("alice").unwrap();
        assert!(!r.marks(alice).is(Suspect::Phantom));
        assert!(
            r.marks(alice).has_effect(Effect::Linked) || r.marks(alice).has_effect(Effect::Merged)
        );
    }

    #[test]
    fn one_pass_in_two_modes_gives_what_two_passes_give() {
        let (source, index, simplified) = small(Mode::Simplified);
        let progress = AtomicU64::new(0);
        let (legacy, simplified2) = resolve_pair(
            &source,
            Mode::Legacy,
            Mode::Simplified,
            Knobs::default(),
            &progress,
        )
        .unwrap();
        assert_eq!(legacy.stream.bad_line_count, index.bad_count);
        assert_eq!(progress.load(Ordering::Relaxed), SMALL.len() as u64);
        let alone = resolve(&source, Mode::Legacy, Knobs::default(), &progress).unwrap();
        for i in 0..index.events.len() {
            assert_eq!(legacy.verdict(i), alone.verdict(i), "legacy event {i}");
            assert_eq!(
                simplified2.verdict(i),
                simplified.verdict(i),
                "simplified event {i}"
            );
        }
        assert_eq!(legacy.users.len(), alone.users.len());
        assert_eq!(simplified2.users.len(), simplified.users.len());
    }

    #[test]
    fn a_second_mode_resolves_from_the_same_source() {
        let (source, index, _) = small(Mode::Simplified);
        let progress = AtomicU64::new(0);
        let r = resolve(&source, Mode::Legacy, Knobs::default(), &progress).unwrap();
        assert_eq!(r.len(), index.events.len());
        assert_eq!(r.mode(), Mode::Legacy);
        // L-EVENT: Legacy never moves events; the page view stays on the device.
        assert_eq!(r.final_name(0), Some("$device:d1"));
    }
}
