//! What `idscope run` prints: the JSON contract (docs/scenario-format.md §3) and a readable table.

use crate::model::Choice;
use crate::rules::RuleId;
use crate::run::Run;
use crate::text::visible;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::io::Write;

/// What `idscope run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Table,
}

impl Choice for Format {
    const ALL: &'static [Format] = &[Format::Json, Format::Table];
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Table => "table",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Format::Json => "the JSON contract: steps, every payload with its verdict, clusters",
            Format::Table => "a table in the style of Mixpanel's docs, clusters after it",
        }
    }
}

/// The `run --format json` document for steps `1..=until`, as a value.
pub fn run_json(run: &Run, until: usize) -> Value {
    serde_json::to_value(RunJson::new(run, until)).expect("the document serializes")
}

/// Writes the `run --format json` document (pretty, with a final newline) without building it
/// in memory first: a 100,000-step run streams straight out.
pub fn write_run_json<W: std::io::Write>(run: &Run, until: usize, out: W) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, &RunJson::new(run, until))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The document of docs/scenario-format.md §3, serialized by reference.
pub struct RunJson<'a> {
    run: &'a Run,
    until: usize,
}

impl<'a> RunJson<'a> {
    pub fn new(run: &'a Run, until: usize) -> RunJson<'a> {
        RunJson {
            run,
            until: until.min(run.steps.len()),
        }
    }
}

impl Serialize for RunJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (run, until) = (self.run, self.until);
        let n_events = run.events_until(until);
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("scenario", &run.scenario)?;
        m.serialize_entry("mode", run.config.mode.as_str())?;
        m.serialize_entry("playbook", run.config.playbook().as_str())?;
        m.serialize_entry("knobs", &run.config.knobs.header())?;
        m.serialize_entry("steps", &Seq(run.steps[..until].iter().map(StepJson)))?;
        m.serialize_entry(
            "events",
            &Seq(run.events[..n_events]
                .iter()
                .map(|e| EventJson { run, e, until })),
        )?;
        m.serialize_entry("clusters", &run.clusters(until))?;
        m.end()
    }
}

/// Serializes an iterator as a sequence (the iterator is cloned, not collected).
struct Seq<I>(I);

impl<I: Iterator<Item = T> + Clone, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

struct StepJson<'a>(&'a crate::run::StepRecord);

impl Serialize for StepJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let st = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("step", &st.number)?;
        m.serialize_entry("device", &st.device)?;
        m.serialize_entry("action", st.action)?;
        m.serialize_entry("calls", &st.calls)?;
        m.serialize_entry("events", &Seq(st.events.clone()))?;
        if let Some(note) = &st.note {
            m.serialize_entry("note", note)?;
        }
        if !st.sdk_notes.is_empty() {
            m.serialize_entry("sdk_notes", &st.sdk_notes)?;
        }
        if let Some(r) = &st.response {
            m.serialize_entry("response", r)?;
        }
        m.end()
    }
}

struct EventJson<'a> {
    run: &'a Run,
    e: &'a crate::run::EventRecord,
    until: usize,
}

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (run, e) = (self.run, self.e);
        let v = &e.verdict;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &e.index)?;
        m.serialize_entry("step", &e.step)?;
        m.serialize_entry("endpoint", e.payload.endpoint.as_str())?;
        m.serialize_entry("payload", &e.payload.body)?;
        m.serialize_entry("ingest_distinct_id", &run.ingest_id(e.index))?;
        m.serialize_entry("final_distinct_id", &run.final_id(e.index, self.until))?;
        m.serialize_entry("effect", v.effect.as_str())?;
        m.serialize_entry("reason", &v.reason)?;
        m.serialize_entry("rule", &v.rule)?;
        if let Some(w) = v.warning {
            m.serialize_entry("warning", w)?;
        }
        m.end()
    }
}

/// One event as a docs-style table row, as of step `until`: step, event, $device_id,
/// $user_id, distinct_id (ingest → final), effect / reason (rule). Cells are raw data: escape
/// them before they reach a terminal.
pub fn event_row(run: &Run, event: usize, until: usize) -> [String; 6] {
    let e = &run.events[event];
    let (device, user) = run.identity_fields(event);
    let ingest = run.ingest_id(event).unwrap_or("—");
    let fin = run.final_id(event, until).unwrap_or("—");
    let id = if ingest == fin {
        ingest.to_string()
    } else {
        format!("{ingest} → {fin}")
    };
    let v = &e.verdict;
    let mut effect = v.effect.as_str().to_string();
    if let Some(r) = v.reason {
        effect.push_str(&format!(": {r}"));
    }
    if let Some(w) = v.warning {
        effect.push_str(&format!(" (warning: {w})"));
    }
    effect.push_str(&format!(" ({})", v.rule));
    [
        e.step.to_string(),
        run.event_name(event),
        device.unwrap_or_else(|| "—".into()),
        user.unwrap_or_else(|| "—".into()),
        id,
        effect,
    ]
}

/// A plain-text table in the style of Mixpanel's docs, with the clusters after it. Every
/// value from the scenario is escaped for the terminal.
pub fn run_table(run: &Run, until: usize) -> String {
    let until = until.min(run.steps.len());
    let n_events = run.events_until(until);
    let header = [
        "step",
        "event",
        "$device_id",
        "$user_id",
        "distinct_id (ingest → final)",
        "effect / reason (rule)",
    ];
    let rows: Vec<[String; 6]> = run.events[..n_events]
        .iter()
        .map(|e| event_row(run, e.index, until).map(|c| visible(&c).into_owned()))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "{} — {} (playbook {}), {} of {} steps\n\n",
        visible(&run.scenario),
        run.config.mode.title(),
        run.config.playbook(),
        until,
        run.steps.len()
    ));
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - c.chars().count()));
            }
        }
        s.push('\n');
        s
    };
    out.push_str(&line(&header.map(String::from)));
    out.push_str(&line(&widths.map(|w| "─".repeat(w))));
    for r in &rows {
        out.push_str(&line(r));
    }
    let answers = responses(run, until);
    if !answers.is_empty() {
        out.push_str("\nresponses:\n");
        for a in answers {
            out.push_str(&format!("  {a}\n"));
        }
    }
    out.push_str("\nclusters:\n");
    for c in run.clusters(until) {
        out.push_str(&format!(
            "  {}  ({} event{})  {{{}}}\n",
            visible(&c.canonical),
            c.events,
            if c.events == 1 { "" } else { "s" },
            c.members
                .iter()
                .map(|m| visible(m).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// The raw sends' answers that are worth a line, as "step N  …" (see [`response_summary`]).
fn responses(run: &Run, until: usize) -> Vec<String> {
    (0..run.steps.len().min(until))
        .filter_map(|i| {
            response_summary(run, i).map(|r| format!("step {}  {r}", run.steps[i].number))
        })
        .collect()
}

/// What the API answered step `i`'s raw send, in one line, when it is worth saying: every
/// `/import` (a 400 lists its failed records), and a `/track` that answered `1` although
/// it dropped events (G-WINDOW).
pub fn response_summary(run: &Run, i: usize) -> Option<String> {
    let st = run.steps.get(i)?;
    let r = st.response.as_ref()?;
    if let Some(code) = r.get("code").and_then(Value::as_u64) {
        let imported = r["num_records_imported"].as_u64().unwrap_or(0);
        let failed: Vec<String> = r["failed_records"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| format!("#{} {}", f["index"], f["field"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        let mut line = format!("/import → {code}: {imported} imported");
        if !failed.is_empty() {
            line.push_str(&format!("; failed {}", failed.join(", ")));
        }
        return Some(line);
    }
    let dropped = run.events[st.events.clone()]
        .iter()
        .filter(|e| e.verdict.rule == RuleId::GWindow)
        .count();
    (dropped > 0).then(|| {
        format!(
            "/track → 1, though it dropped {dropped} event{} (G-WINDOW)",
            if dropped == 1 { "" } else { "s" }
        )
    })
}
