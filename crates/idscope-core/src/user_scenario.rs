//! One user of a real export as a scenario file (`idscope export-user`, issue 16), so a
//! puzzling user can be stepped through, switched between modes and edited in the explorer.
//!
//! Each event becomes a raw `/import` send of the object as it is in the file (the export
//! resolver reads exports as `/import` too), in file order, on a clock that follows the
//! events' own times. Besides the user's timeline it takes the events stored elsewhere that
//! name one of the user's ids, and — only when the replay needs them to agree with the
//! export — the events a failed merge here rested on (so that it fails again).
//! The scenario is replayed before it is handed back, and its description says whether the
//! user's cluster came out the same.

use crate::api::{self, Admission};
use crate::export_index::{Index, Resolution, Source};
use crate::ingest::Line;
use crate::model::{Choice, Effect, Endpoint, Knobs, RunConfig};
use crate::run::Run;
use crate::scenario::{Action, DeviceSpec, Scenario, Step, DEFAULT_START, DEFAULT_TOKEN};
use crate::text::count;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Ids, labels and file names are cut to this many characters in the name and the notes
/// (they are data, of any length); the payloads keep them whole.
const SHOWN: usize = 60;

/// The longest `after` written, inside the parser's limit of 100 years (a longer gap is a
/// broken clock, not a pause worth replaying).
const MAX_AFTER_MS: i64 = 99 * 365 * 86_400_000;

/// Event times the clock follows: 1970 to the end of year 9999 (what RFC 3339 `start` can
/// write); any other `time` leaves the clock where it is.
const LATEST_S: f64 = 253_402_300_800.0;

/// The scenario file's text for user `user` of `resolution` (pretty JSON ending in a
/// newline, in the format [`crate::scenario::parse`] reads back).
pub fn user_scenario(
    source: &Source,
    index: &Index,
    resolution: &Resolution,
    user: usize,
) -> String {
    crate::save::to_json(&build(source, index, resolution, user).scenario)
}

/// The scenario and what went into it, for the command's message and for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct UserScenario {
    pub scenario: Scenario,
    /// The name a person knows the user by ([`Resolution::label`]; not escaped).
    pub label: String,
    /// The user's own events (their timeline).
    pub own: usize,
    /// Events stored under other users (or none) that name one of the user's ids.
    pub naming: usize,
    /// Events added so that a failed merge replays as it failed in the export.
    pub for_failures: usize,
    /// Events `/import` refuses in the replay (G-IMPORT) though the export holds them.
    pub refused: usize,
    /// The user's cluster in the export, sorted.
    pub cluster: Vec<String>,
    /// The user's cluster when the scenario is replayed in the export's mode, sorted.
    pub replayed: Vec<String>,
}

impl UserScenario {
    /// Whether replaying the scenario gives the user the cluster the export gives them.
    pub fn agrees(&self) -> bool {
        self.cluster == self.replayed
    }
}

/// Why an event is in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Own,
    /// Names this id of the user (an index into the named ids).
    Names(usize),
    /// Names this id, on which a failed merge here rested (an index into the named ids).
    Failure(usize),
}

/// Builds the scenario for user `user` (an empty one, saying so, for a user that is not
/// there) and replays it in the resolution's mode.
pub fn build(source: &Source, index: &Index, resolution: &Resolution, user: usize) -> UserScenario {
    let Some(cluster) = resolution.users.get(user) else {
        return UserScenario {
            scenario: no_user(source, user),
            label: String::new(),
            own: 0,
            naming: 0,
            for_failures: 0,
            refused: 0,
            cluster: Vec::new(),
            replayed: Vec::new(),
        };
    };
    let mut members: Vec<String> = cluster
        .members
        .iter()
        .map(|&m| resolution.name(m).to_string())
        .collect();
    members.sort();
    let own: HashSet<usize> = resolution
        .events_of(user)
        .iter()
        .map(|&i| i as usize)
        .collect();
    let mut named = members.clone();
    let mut chosen = pick(source, index, &own, &named, members.len());
    let mut built = assemble(source, index, resolution, user, &members, &chosen, &named);
    if built.agrees() {
        return built;
    }
    // A failed merge may have failed on another user's state: bring in, one step at a
    // time until the replay agrees, the events that joined the ids those failures name to
    // someone, then every event naming those ids, then every event naming their clusters.
    let failed = failed_foreign_ids(source, index, resolution, &chosen, &members);
    let wider = clusters_of(resolution, &failed, &members);
    let mut levels = vec![(&failed, true), (&failed, false)];
    if wider != failed {
        levels.push((&wider, false));
    }
    for (ids, joins_only) in levels {
        if ids.is_empty() {
            continue;
        }
        named = members.iter().cloned().chain(ids.iter().cloned()).collect();
        chosen = pick(source, index, &own, &named, members.len());
        if joins_only {
            chosen.retain(|&(i, why)| !matches!(why, Why::Failure(_)) || joined(resolution, i));
        }
        built = assemble(source, index, resolution, user, &members, &chosen, &named);
        if built.agrees() {
            break;
        }
    }
    built
}

/// Whether event `i` joined ids in the export (linked, merged or aliased them).
fn joined(resolution: &Resolution, i: usize) -> bool {
    resolution
        .verdict(i)
        .is_some_and(|v| matches!(v.effect, Effect::Linked | Effect::Merged | Effect::Aliased))
}

/// The events to include, in file order: the user's own, and every other event naming one
/// of `named` (the first `n_members` are the user's ids, the rest ids failures name).
fn pick(
    source: &Source,
    index: &Index,
    own: &HashSet<usize>,
    named: &[String],
    n_members: usize,
) -> Vec<(usize, Why)> {
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (i, n) in named.iter().enumerate() {
        position.entry(n.as_str()).or_insert(i);
    }
    let mut out = Vec::new();
    for (i, at) in index.events.iter().enumerate() {
        if own.contains(&i) {
            out.push((i, Why::Own));
            continue;
        }
        let Ok(line) = Line::parse(source.text(at)) else {
            continue;
        };
        let mut first: Option<usize> = None;
        for_each_id(&line, |id| {
            if let Some(&p) = position.get(id) {
                first = Some(first.map_or(p, |f| f.min(p)));
            }
        });
        if let Some(p) = first {
            out.push((
                i,
                if p < n_members {
                    Why::Names(p)
                } else {
                    Why::Failure(p)
                },
            ));
        }
    }
    out
}

/// Calls `f` with every id an event names in an identity field: `distinct_id`, `$user_id`,
/// `$anon_id`, `$anon_distinct_id`, `$identified_id`, `alias`, `$distinct_ids`, and
/// `$device_id` in both forms an id takes (bare and `$device:`).
fn for_each_id(line: &Line<'_>, mut f: impl FnMut(&str)) {
    let Some(p) = line.properties.as_ref() else {
        return;
    };
    for field in [
        &p.distinct_id,
        &p.user_id,
        &p.anon_id,
        &p.anon_distinct_id,
        &p.identified_id,
        &p.alias,
    ] {
        if let Some(id) = field.as_deref() {
            f(id);
        }
    }
    for id in p.distinct_ids.iter().flatten().flatten() {
        f(id);
    }
    if let Some(d) = p.device_id.as_deref() {
        f(d);
        match d.strip_prefix("$device:") {
            Some(bare) => f(bare),
            None => f(&format!("$device:{d}")),
        }
    }
}

/// Ids named by the chosen events that failed in the export, other than the user's own:
/// the state of those ids decided the failure.
fn failed_foreign_ids(
    source: &Source,
    index: &Index,
    resolution: &Resolution,
    chosen: &[(usize, Why)],
    members: &[String],
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for &(i, _) in chosen {
        if resolution.verdict(i).map(|v| v.effect) != Some(Effect::Failed) {
            continue;
        }
        let Some(line) = index
            .events
            .get(i)
            .and_then(|at| Line::parse(source.text(at)).ok())
        else {
            continue;
        };
        for_each_id(&line, |id| {
            if members.binary_search_by(|m| m.as_str().cmp(id)).is_err() {
                out.insert(id.to_string());
            }
        });
    }
    out
}

/// `ids` and every member of their clusters in the export, other than the user's own.
fn clusters_of(
    resolution: &Resolution,
    ids: &BTreeSet<String>,
    members: &[String],
) -> BTreeSet<String> {
    let mut out = ids.clone();
    for id in ids {
        if let Some(c) = resolution
            .user_of_name(id)
            .and_then(|u| resolution.users.get(u))
        {
            out.extend(c.members.iter().map(|&m| resolution.name(m).to_string()));
        }
    }
    out.retain(|id| members.binary_search(id).is_err());
    out
}

/// The scenario from the chosen events, replayed.
fn assemble(
    source: &Source,
    index: &Index,
    resolution: &Resolution,
    user: usize,
    members: &[String],
    chosen: &[(usize, Why)],
    named: &[String],
) -> UserScenario {
    let file = file_name(source.name());
    let mode = resolution.mode();
    let knobs = resolution.stream.knobs();
    let mut payloads: Vec<(usize, Why, Value, Option<i64>)> = Vec::with_capacity(chosen.len());
    for &(i, why) in chosen {
        let Some(at) = index.events.get(i) else {
            continue;
        };
        // The indexer read it as an event; a line that is an array, not an object, cannot
        // be sent and is left out (the description counts it).
        let Ok(payload @ Value::Object(_)) = serde_json::from_str::<Value>(source.text(at)) else {
            continue;
        };
        let ms = payload
            .get("properties")
            .and_then(|p| p.get("time"))
            .and_then(api::time_seconds)
            .filter(|t| (0.0..LATEST_S).contains(t))
            .map(|t| (t * 1000.0).round() as i64);
        payloads.push((i, why, payload, ms));
    }
    let start = payloads
        .iter()
        .find_map(|p| p.3)
        .map_or_else(default_start, |ms| ms.div_euclid(1000));
    let mut clock = start.saturating_mul(1000);
    let (mut own, mut naming, mut for_failures, mut refused) = (0, 0, 0, 0);
    let mut steps = Vec::with_capacity(payloads.len());
    for (i, why, payload, ms) in payloads.iter() {
        let advance = ms.map_or(0, |t| (t - clock).clamp(0, MAX_AFTER_MS));
        clock += advance;
        let line = index.events.get(*i).map_or(0, |at| at.line());
        let mut note = format!("line {line} of {file}");
        match why {
            Why::Own => own += 1,
            Why::Names(k) => {
                naming += 1;
                note.push_str(&format!(
                    " · stored under {}; names this user's {}",
                    stored_under(resolution, *i),
                    cut(&named[*k])
                ));
            }
            Why::Failure(k) => {
                for_failures += 1;
                note.push_str(&format!(
                    " · stored under {}; names {}, on which a failed merge here rests: without it that merge would not fail as it did",
                    stored_under(resolution, *i),
                    cut(&named[*k])
                ));
            }
        }
        let sent_at = clock as f64 / 1000.0;
        if let Admission::Refuse { rule, message, .. } =
            api::admit(mode, &knobs, Endpoint::Import, payload, sent_at, "server")
        {
            refused += 1;
            note.push_str(&format!(
                " · /import refuses it in this replay ({rule}: {message}), though the export holds it: the export's resolver takes every event Mixpanel stored"
            ));
        }
        steps.push(Step {
            device: None,
            action: Action::Send {
                payloads: vec![payload.clone()],
                endpoint: Endpoint::Import,
            },
            note: Some(note),
            advance_ms: advance,
            same_tick: false,
        });
    }
    let devices = devices(members, payloads.iter().map(|p| (p.1, &p.2)));
    let label = resolution.label(user);
    let mut scenario = Scenario {
        name: format!("user {} from {}", cut(label), file),
        description: None,
        token: DEFAULT_TOKEN.to_string(),
        start,
        devices,
        steps,
        expect: None,
        schema: None,
    };
    let canonical = resolution
        .users
        .get(user)
        .map_or("", |c| resolution.name(c.canonical));
    let replayed = replay(&scenario, mode, knobs, canonical);
    let left_out = chosen.len() - payloads.len();
    let built = UserScenario {
        label: label.to_string(),
        own,
        naming,
        for_failures,
        refused,
        cluster: members.to_vec(),
        replayed,
        scenario: scenario.clone(),
    };
    scenario.description = Some(describe(&built, label, &file, mode, knobs, left_out));
    UserScenario { scenario, ..built }
}

/// Who an event other than the user's own is stored under, for its note.
fn stored_under(resolution: &Resolution, event: usize) -> String {
    match resolution.user_of_event(event) {
        Some(u) => format!("another user, {}", cut(resolution.label(u))),
        None => "no user".into(),
    }
}

/// The user's cluster when the scenario runs: the one `canonical` names (Legacy: the one
/// it is the canonical id of, since an id may also be an orphan user of its own), sorted.
fn replay(scenario: &Scenario, mode: crate::Mode, knobs: Knobs, canonical: &str) -> Vec<String> {
    let run = Run::new(
        scenario,
        RunConfig {
            mode,
            playbook: None,
            knobs,
        },
    );
    let clusters = run.clusters(run.steps.len());
    clusters
        .iter()
        .find(|c| c.canonical == canonical)
        .or_else(|| {
            clusters.iter().find(|c| {
                c.members
                    .binary_search_by(|m| m.as_str().cmp(canonical))
                    .is_ok()
            })
        })
        .map(|c| c.members.clone())
        .unwrap_or_default()
}

/// The user's devices, pinned to their real ids and named after each id's start: the bare
/// ids of `$device:` members, and each `$device_id` the user's events (or events naming the
/// user's id in it) carry, in order of first appearance.
fn devices<'v>(
    members: &[String],
    events: impl Iterator<Item = (Why, &'v Value)>,
) -> BTreeMap<String, DeviceSpec> {
    let is_member = |id: &str| members.binary_search_by(|m| m.as_str().cmp(id)).is_ok();
    let mut ids: Vec<String> = Vec::new();
    for (why, payload) in events {
        let Some(d) = payload
            .get("properties")
            .and_then(|p| p.get("$device_id"))
            .and_then(crate::resolver::id_value)
        else {
            continue;
        };
        let bare = d.strip_prefix("$device:").unwrap_or(&d).to_string();
        let mine = why == Why::Own || is_member(&bare) || is_member(&format!("$device:{bare}"));
        if mine && !bare.is_empty() && !ids.contains(&bare) {
            ids.push(bare);
        }
    }
    for m in members {
        if let Some(bare) = m.strip_prefix("$device:") {
            if !bare.is_empty() && !ids.iter().any(|i| i == bare) {
                ids.push(bare.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    for id in ids {
        let name = device_name(&id, &out);
        out.insert(
            name,
            DeviceSpec {
                device_id: Some(id),
                ..DeviceSpec::default()
            },
        );
    }
    out
}

/// A short name for device id `id` not yet in `taken`: its first 8 letters, digits, `-`
/// and `_` (more when another device starts the same way; "device" when it has none).
fn device_name(id: &str, taken: &BTreeMap<String, DeviceSpec>) -> String {
    let clean: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let clean = clean.trim_matches('-');
    let base = if clean.is_empty() { "device" } else { clean };
    for len in [8, 12, 16, base.len()] {
        let candidate = &base[..len.min(base.len())];
        if !taken.contains_key(candidate) {
            return candidate.to_string();
        }
    }
    let short = &base[..8.min(base.len())];
    let mut k = 2u64;
    loop {
        let candidate = format!("{short}-{k}");
        if !taken.contains_key(&candidate) {
            return candidate;
        }
        k += 1;
    }
}

/// The description: which export, mode and knobs, what was included, and what the replay
/// gave.
fn describe(
    b: &UserScenario,
    label: &str,
    file: &str,
    mode: crate::Mode,
    knobs: Knobs,
    left_out: usize,
) -> String {
    let total = b.own + b.naming + b.for_failures;
    let mut s = format!(
        "{} of user {} ({}) from the export {file}, resolved in {mode} mode{}: the {} of their own timeline, and {} stored under other users or under no user that name one of their ids",
        count(total as u64, "event", "events"),
        cut(label),
        count(b.cluster.len() as u64, "id", "ids"),
        knob_text(knobs),
        count(b.own as u64, "event", "events"),
        count(b.naming as u64, "event", "events"),
    );
    if b.for_failures > 0 {
        s.push_str(&format!(
            ", and {} naming ids a failed merge here rests on, so it fails as it did in the export",
            count(b.for_failures as u64, "event", "events")
        ));
    }
    s.push_str(". Only this user's events and those naming their ids are included, so other users' clusters here are partial. Each step sends one event to /import exactly as it is in the file, at the event's own time; its note gives the line. `devices` lists the user's devices by their real ids (named after each id's start), for SDK steps added by hand.");
    if b.refused > 0 {
        s.push_str(&format!(
            " /import refuses {} in this replay (G-IMPORT; see the notes) though the export holds them.",
            count(b.refused as u64, "event", "events")
        ));
    }
    if left_out > 0 {
        s.push_str(&format!(
            " Left out: {} that {} not a JSON object, so it cannot be sent.",
            count(left_out as u64, "line", "lines"),
            if left_out == 1 { "is" } else { "are" }
        ));
    }
    if b.agrees() {
        s.push_str(&format!(
            " Replayed in {mode} mode, this user's cluster is the export's ({}).",
            count(b.cluster.len() as u64, "id", "ids")
        ));
    } else {
        s.push_str(&format!(
            " Replayed in {mode} mode, this user's cluster differs from the export's: {} here, {} there (it rests on events of other users that are not included).",
            count(b.replayed.len() as u64, "id", "ids"),
            b.cluster.len()
        ));
    }
    s
}

/// Knobs that differ from the rule book's defaults, as the flags that set them.
fn knob_text(k: Knobs) -> String {
    if k.is_default() {
        return String::new();
    }
    let d = Knobs::default();
    let mut flags = Vec::new();
    if k.max_cluster != d.max_cluster {
        flags.push(format!("--max-cluster {}", k.max_cluster));
    }
    if k.guid_check != d.guid_check {
        flags.push(format!("--guid-check {}", k.guid_check.as_str()));
    }
    if k.identify_links {
        flags.push("--identify-links".into());
    }
    if k.missing_distinct_id != d.missing_distinct_id {
        flags.push(format!(
            "--missing-distinct-id {}",
            k.missing_distinct_id.name()
        ));
    }
    format!(
        " with {} (give the same flags to replay it)",
        flags.join(" ")
    )
}

/// The scenario for a user number that is not in the resolution.
fn no_user(source: &Source, user: usize) -> Scenario {
    let file = file_name(source.name());
    Scenario {
        name: format!("no user {user} in {file}"),
        description: Some(format!(
            "The export {file} has no user number {user}, so there is nothing to replay."
        )),
        token: DEFAULT_TOKEN.to_string(),
        start: default_start(),
        devices: BTreeMap::new(),
        steps: Vec::new(),
        expect: None,
        schema: None,
    }
}

fn default_start() -> i64 {
    time::OffsetDateTime::parse(
        DEFAULT_START,
        &time::format_description::well_known::Rfc3339,
    )
    .map_or(0, |t| t.unix_timestamp())
}

/// The export's file name without its directories, cut for names and notes.
fn file_name(name: &str) -> String {
    let base = std::path::Path::new(name)
        .file_name()
        .map_or_else(|| name.to_string(), |n| n.to_string_lossy().into_owned());
    cut(&base)
}

/// `s` cut to [`SHOWN`] characters, with `…` when cut.
fn cut(s: &str) -> String {
    match s.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Up to `max` ids of users that contain `needle`, in the order the export first names
/// them: what an unknown `--id` may have meant.
pub fn similar_ids<'r>(resolution: &'r Resolution, needle: &str, max: usize) -> Vec<&'r str> {
    let h = resolution.stream.resolver().history();
    (0..h.len() as u32)
        .map(|id| h.name(id))
        .filter(|n| n.contains(needle) && resolution.user_of_name(n).is_some())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;
    use std::sync::atomic::AtomicU64;

    fn resolved(text: &str, mode: Mode) -> (Source, Index, Resolution) {
        let source = Source::from_bytes("exp.jsonl", text.as_bytes().to_vec());
        let (index, r) =
            crate::export_index::index(&source, mode, Knobs::default(), &AtomicU64::new(0))
                .expect("an export in memory reads");
        (source, index, r)
    }

    fn user(r: &Resolution, id: &str) -> usize {
        r.user_of_name(id).expect("the id is a user's")
    }

    fn sent(s: &Scenario, step: usize) -> &Value {
        match &s.steps[step].action {
            Action::Send { payloads, endpoint } => {
                assert_eq!(*endpoint, Endpoint::Import);
                &payloads[0]
            }
            other => panic!("step {step} is {other:?}"),
        }
    }

    const SHARED: &str = concat!(
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000000,"$insert_id":"a1"}}"#,
        "\n",
        r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001.5,"$insert_id":"a2"}}"#,
        "\n",
        "\n",
        r#"{"event":"Other","properties":{"distinct_id":"carol","time":1700000002,"$insert_id":"a3"}}"#,
        "\n",
        r#"{"event":"Log In","properties":{"distinct_id":"bob","$device_id":"d1","$user_id":"bob","time":1700000060000,"$insert_id":"a4"}}"#,
        "\n",
        r#"{"event":"Late","properties":{"distinct_id":"alice","time":1700000030,"$insert_id":"a5"}}"#,
        "\n",
    );

    #[test]
    fn s_link_the_scenario_holds_the_users_events_and_those_naming_their_ids() {
        let (source, index, r) = resolved(SHARED, Mode::Simplified);
        let b = build(&source, &index, &r, user(&r, "alice"));
        let s = &b.scenario;
        // Alice's own three events, and bob's login, which names her device d1 (and failed
        // on it: the device was hers already). Carol's event names none of her ids.
        assert_eq!((b.own, b.naming, b.for_failures), (3, 1, 0));
        let lines: Vec<&str> = s
            .steps
            .iter()
            .map(|st| st.note.as_deref().unwrap())
            .collect();
        assert_eq!(lines[0], "line 1 of exp.jsonl");
        assert_eq!(lines[1], "line 2 of exp.jsonl");
        assert!(
            lines[2].starts_with("line 5 of exp.jsonl · stored under another user, bob; names this user's $device:d1"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "line 6 of exp.jsonl");
        // The payloads are the file's objects, key order and all.
        assert_eq!(
            serde_json::to_string(sent(s, 1)).unwrap(),
            SHARED.lines().nth(1).unwrap()
        );
        assert!(b.agrees(), "{b:?}");
        assert_eq!(b.cluster, vec!["$device:d1", "alice"]);
        assert_eq!(s.name, "user alice from exp.jsonl");
        let d = s.description.as_deref().unwrap();
        assert!(d.contains("resolved in simplified mode"), "{d}");
        assert!(d.contains("4 events of user alice (2 ids)"), "{d}");
        assert!(d.contains("and 1 event stored under other users"), "{d}");
        assert!(
            d.contains("this user's cluster is the export's (2 ids)"),
            "{d}"
        );
    }

    #[test]
    fn the_clock_follows_the_events_own_times_and_never_goes_back() {
        let (source, index, r) = resolved(SHARED, Mode::Simplified);
        let s = build(&source, &index, &r, user(&r, "alice")).scenario;
        assert_eq!(s.start, 1_700_000_000);
        let after: Vec<i64> = s.steps.iter().map(|st| st.advance_ms).collect();
        // 0 s, then 1.5 s, then milliseconds read as such (58.5 s later), then an event whose
        // time is earlier than the clock: sent at once, with its own time.
        assert_eq!(after, vec![0, 1_500, 58_500, 0]);
    }

    #[test]
    fn the_file_round_trips_through_the_parser() {
        let (source, index, r) = resolved(SHARED, Mode::Simplified);
        let u = user(&r, "alice");
        let text = user_scenario(&source, &index, &r, u);
        assert!(text.ends_with("}\n"));
        let parsed = crate::scenario::parse(&text, "u.json").expect("the file parses");
        assert_eq!(parsed, build(&source, &index, &r, u).scenario);
        // The same input gives the same bytes.
        assert_eq!(text, user_scenario(&source, &index, &r, u));
    }

    #[test]
    fn s_link_a_failed_link_brings_the_link_it_failed_on() {
        let (source, index, r) = resolved(SHARED, Mode::Simplified);
        let b = build(&source, &index, &r, user(&r, "bob"));
        // Bob's login alone would link d1 to bob in the replay; alice's sign-up linked it
        // first in the export, so it comes along, and only it (the page view joined nothing).
        assert!(b.agrees(), "{b:?}");
        assert_eq!(b.cluster, vec!["bob"]);
        assert_eq!((b.own, b.naming, b.for_failures), (1, 0, 1));
        let note = b.scenario.steps[0].note.as_deref().unwrap();
        assert!(
            note.starts_with("line 2 of exp.jsonl · stored under another user, alice; names $device:d1, on which a failed merge here rests"),
            "{note}"
        );
        let d = b.scenario.description.as_deref().unwrap();
        assert!(
            d.contains("and 1 event naming ids a failed merge here rests on"),
            "{d}"
        );
    }

    #[test]
    fn o_id_a_failed_identify_replays_as_it_failed() {
        let text = concat!(
            r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"0a-1-2-3-4","$identified_id":"alice","time":1700000000,"$insert_id":"i1"}}"#,
            "\n",
            r#"{"event":"$identify","properties":{"distinct_id":"bob","$anon_id":"0a-1-2-3-4","$identified_id":"bob","time":1700000001,"$insert_id":"i2"}}"#,
            "\n",
        );
        let (source, index, r) = resolved(text, Mode::Original);
        let bob = user(&r, "bob");
        assert!(r.has_failure(bob, "errAnonDistinctIdAssignedAlready"));
        let b = build(&source, &index, &r, bob);
        assert!(b.agrees(), "{b:?}");
        assert_eq!(b.cluster, vec!["bob"]);
        assert_eq!(b.scenario.steps.len(), 2);
        // Alice's scenario takes bob's failed identify: it names her anonymous id.
        let a = build(&source, &index, &r, user(&r, "alice"));
        assert!(a.agrees(), "{a:?}");
        assert_eq!((a.own, a.naming), (1, 1));
    }

    #[test]
    fn devices_are_pinned_to_the_users_ids_and_named_after_them() {
        let text = concat!(
            r#"{"event":"A","properties":{"distinct_id":"u","$device_id":"0504ca23-7d51-4bfc-9d5a-66cf144f0000","$user_id":"u","time":1700000000,"$insert_id":"a1"}}"#,
            "\n",
            r#"{"event":"B","properties":{"distinct_id":"u","$device_id":"$device:0504ca23-0000-4bfc-9d5a-66cf144f0000","$user_id":"u","time":1700000001,"$insert_id":"a2"}}"#,
            "\n",
            r#"{"event":"C","properties":{"distinct_id":"u","$device_id":"{#}","$user_id":"u","time":1700000002,"$insert_id":"a3"}}"#,
            "\n",
        );
        let (source, index, r) = resolved(text, Mode::Simplified);
        let s = build(&source, &index, &r, user(&r, "u")).scenario;
        let pinned: Vec<(&str, &str)> = s
            .devices
            .iter()
            .map(|(n, d)| (n.as_str(), d.device_id.as_deref().unwrap()))
            .collect();
        assert_eq!(
            pinned,
            vec![
                ("0504ca23", "0504ca23-7d51-4bfc-9d5a-66cf144f0000"),
                ("0504ca23-000", "0504ca23-0000-4bfc-9d5a-66cf144f0000"),
                ("device", "{#}"),
            ]
        );
        // The explorer labels the user's device ids with these names, though no step runs
        // on the devices (they only name the ids the raw sends carry).
        let run = crate::Run::new(&s, crate::RunConfig::new(Mode::Simplified));
        assert_eq!(
            run.device_name("$device:0504ca23-7d51-4bfc-9d5a-66cf144f0000"),
            Some("0504ca23")
        );
    }

    #[test]
    fn g_import_an_event_import_refuses_is_kept_and_its_note_says_so() {
        let text = concat!(
            r#"{"event":"A","properties":{"distinct_id":"u","time":1700000000,"$insert_id":"a1"}}"#,
            "\n",
            r#"{"event":"Old SDK","properties":{"distinct_id":"u","time":1700000001}}"#,
            "\n",
        );
        let (source, index, r) = resolved(text, Mode::Original);
        let b = build(&source, &index, &r, user(&r, "u"));
        assert_eq!(b.refused, 1);
        assert_eq!(b.scenario.steps.len(), 2);
        let note = b.scenario.steps[1].note.as_deref().unwrap();
        assert!(
            note.contains(
                "/import refuses it in this replay (G-IMPORT: 'properties.$insert_id' is missing"
            ),
            "{note}"
        );
        let d = b.scenario.description.as_deref().unwrap();
        assert!(d.contains("/import refuses 1 event in this replay"), "{d}");
        assert!(
            b.agrees(),
            "the user's other event still makes the cluster: {b:?}"
        );
    }

    #[test]
    fn long_ids_are_cut_in_the_name_and_notes_but_whole_in_the_payload() {
        let long = "x".repeat(200);
        let text = format!(
            r#"{{"event":"A","properties":{{"distinct_id":"{long}","time":1700000000,"$insert_id":"a1"}}}}"#
        );
        let (source, index, r) = resolved(&text, Mode::Legacy);
        let s = build(&source, &index, &r, user(&r, &long)).scenario;
        assert_eq!(
            s.name,
            format!("user {}… from exp.jsonl", "x".repeat(SHOWN))
        );
        assert_eq!(sent(&s, 0)["properties"]["distinct_id"], long.as_str());
    }

    #[test]
    fn a_user_that_is_not_there_gives_an_empty_scenario() {
        let (source, index, r) = resolved(SHARED, Mode::Legacy);
        let b = build(&source, &index, &r, 999);
        assert!(b.scenario.steps.is_empty());
        assert_eq!(b.scenario.name, "no user 999 in exp.jsonl");
    }

    #[test]
    fn similar_ids_are_those_containing_the_text_in_file_order() {
        let (_, _, r) = resolved(SHARED, Mode::Simplified);
        assert_eq!(similar_ids(&r, "d1", 5), vec!["$device:d1"]);
        assert_eq!(similar_ids(&r, "o", 2), vec!["carol", "bob"]);
        assert!(similar_ids(&r, "zzz", 5).is_empty());
    }
}
