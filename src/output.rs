//! What `idscope run` prints: the JSON contract (format spec §3) and a readable table.

use crate::run::Run;
use crate::text::visible;
use serde_json::{json, Map, Value};

/// The `run --format json` document for steps `1..=until`.
pub fn run_json(run: &Run, until: usize) -> Value {
    let until = until.min(run.steps.len());
    let n_events = run.events_until(until);
    let k = run.config.knobs;
    let steps: Vec<Value> = run.steps[..until]
        .iter()
        .map(|s| {
            let mut o = Map::new();
            o.insert("step".into(), json!(s.number));
            o.insert("device".into(), json!(s.device));
            o.insert("action".into(), json!(s.action));
            o.insert("calls".into(), json!(s.calls));
            o.insert("events".into(), json!(s.events.clone().collect::<Vec<_>>()));
            if let Some(note) = &s.note {
                o.insert("note".into(), json!(note));
            }
            if !s.sdk_notes.is_empty() {
                o.insert("sdk_notes".into(), json!(s.sdk_notes));
            }
            Value::Object(o)
        })
        .collect();
    let events: Vec<Value> = run.events[..n_events]
        .iter()
        .map(|e| {
            let v = &e.verdict;
            let mut o = Map::new();
            o.insert("index".into(), json!(e.index));
            o.insert("step".into(), json!(e.step));
            o.insert("endpoint".into(), json!(e.payload.endpoint.as_str()));
            o.insert("payload".into(), e.payload.body.clone());
            o.insert("ingest_distinct_id".into(), json!(run.ingest_id(e.index)));
            o.insert(
                "final_distinct_id".into(),
                json!(run.final_id(e.index, until)),
            );
            o.insert("effect".into(), json!(v.effect.as_str()));
            o.insert("reason".into(), json!(v.reason));
            o.insert("rule".into(), json!(v.rule));
            if let Some(w) = v.warning {
                o.insert("warning".into(), json!(w));
            }
            Value::Object(o)
        })
        .collect();
    let clusters: Vec<Value> = run
        .clusters(until)
        .into_iter()
        .map(|c| json!({ "canonical": c.canonical, "members": c.members, "events": c.events }))
        .collect();
    json!({
        "scenario": run.scenario,
        "mode": run.config.mode.as_str(),
        "playbook": run.config.playbook().as_str(),
        "knobs": {
            "original.max_cluster": k.max_cluster,
            "original.guid_check": k.guid_check.as_str(),
            "simplified.identify_links": k.identify_links,
        },
        "steps": steps,
        "events": events,
        "clusters": clusters,
    })
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
    let mut rows: Vec<[String; 6]> = Vec::new();
    for e in &run.events[..n_events] {
        let (device, user) = run.identity_fields(e.index);
        let ingest = run.ingest_id(e.index).unwrap_or("—");
        let fin = run.final_id(e.index, until).unwrap_or("—");
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
        rows.push(
            [
                e.step.to_string(),
                run.event_name(e.index),
                device.unwrap_or_else(|| "—".into()),
                user.unwrap_or_else(|| "—".into()),
                id,
                effect,
            ]
            .map(|c| visible(&c).into_owned()),
        );
    }
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
