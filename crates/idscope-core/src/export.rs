//! Exports of a run, in the formats an engineer pastes into tickets, curl and code (issue 4),
//! and the identity graph as Mermaid or Graphviz DOT ([`crate::graph`]). Pure functions of
//! (run, scenario, options): no I/O, deterministic output.

use crate::model::{Choice, Endpoint, Mode};
use crate::run::{EventRecord, Run};
use crate::scenario::Scenario;
use crate::text::csv_field;
use serde_json::{json, Map, Value};
use std::fmt::Write;
use std::ops::Range;

/// Every export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Ndjson,
    CurlImport,
    CurlTrack,
    CurlEngage,
    Js,
    Python,
    ResolvedJsonl,
    MappingCsv,
    Mermaid,
    Dot,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Json,
        Format::Ndjson,
        Format::CurlImport,
        Format::CurlTrack,
        Format::CurlEngage,
        Format::Js,
        Format::Python,
        Format::ResolvedJsonl,
        Format::MappingCsv,
        Format::Mermaid,
        Format::Dot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::CurlImport => "curl-import",
            Format::CurlTrack => "curl-track",
            Format::CurlEngage => "curl-engage",
            Format::Js => "js",
            Format::Python => "python",
            Format::ResolvedJsonl => "resolved-jsonl",
            Format::MappingCsv => "mapping-csv",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
        }
    }

    /// What the format is for, in a few words (menus and help).
    pub fn describe(self) -> &'static str {
        match self {
            Format::Json => "array of payloads as sent",
            Format::Ndjson => "one payload a line (/import body)",
            Format::CurlImport => "curl to /import with the NDJSON body",
            Format::CurlTrack => "curl to /track, form-encoded data=",
            Format::CurlEngage => "curl to /engage with the profile records",
            Format::Js => "mixpanel-js calls that reproduce the SDK steps",
            Format::Python => "mixpanel-python calls (server side)",
            Format::ResolvedJsonl => "each event with ingest and final id",
            Format::MappingCsv => "distinct_id,resolved_distinct_id",
            Format::Mermaid => "identity graph as a Mermaid flowchart",
            Format::Dot => "identity graph as Graphviz DOT",
        }
    }

    /// A file name extension for writing the export.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson | Format::ResolvedJsonl => "jsonl",
            Format::CurlImport | Format::CurlTrack | Format::CurlEngage => "sh",
            Format::Js => "js",
            Format::Python => "py",
            Format::MappingCsv => "csv",
            Format::Mermaid => "mmd",
            Format::Dot => "dot",
        }
    }
}

impl Choice for Format {
    const ALL: &'static [Format] = &Format::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn help(self) -> &'static str {
        self.describe()
    }
}

/// Which part of the run to export. The graph formats draw the graph after the scope's
/// last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One payload, by its 0-based index (as in `run --format json`).
    Event(usize),
    /// One payload, by its `N.k` reference (step N, its k-th payload; [`Run::event_ref`]),
    /// resolved against the run by [`span`].
    EventRef(usize, usize),
    /// The payloads of one step (1-based).
    Step(usize),
    /// Everything sent by steps 1..=N.
    Until(usize),
    All,
}

impl Scope {
    /// Parses `event:N`, `event:N.k`, `step:N`, `until:N` or `all`.
    pub fn parse(s: &str) -> Option<Scope> {
        if s == "all" {
            return Some(Scope::All);
        }
        let (kind, n) = s.split_once(':')?;
        if let ("event", Some((step, k))) = (kind, n.split_once('.')) {
            return Some(Scope::EventRef(number(step)?, number(k)?));
        }
        let n = number(n)?;
        match kind {
            "event" => Some(Scope::Event(n)),
            "step" => Some(Scope::Step(n)),
            "until" => Some(Scope::Until(n)),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Scope::Event(n) => format!("event:{n}"),
            Scope::EventRef(step, k) => format!("event:{step}.{k}"),
            Scope::Step(n) => format!("step:{n}"),
            Scope::Until(n) => format!("until:{n}"),
            Scope::All => "all".into(),
        }
    }
}

/// Digits only (`usize::from_str` would also take a leading `+`).
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Mixpanel's data residency regions: they pick the API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    #[default]
    Us,
    Eu,
    In,
}

impl Choice for Region {
    const ALL: &'static [Region] = &[Region::Us, Region::Eu, Region::In];
    fn name(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::In => "in",
        }
    }
    fn help(self) -> &'static str {
        self.host()
    }
}

impl Region {
    pub fn host(self) -> &'static str {
        match self {
            Region::Us => "api.mixpanel.com",
            Region::Eu => "api-eu.mixpanel.com",
            Region::In => "api-in.mixpanel.com",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub format: Format,
    pub scope: Scope,
    pub region: Region,
    /// Written into `/import` URLs; the shell variable `$MIXPANEL_PROJECT_ID` when None.
    pub project_id: Option<String>,
}

impl Options {
    pub fn new(format: Format, scope: Scope) -> Options {
        Options {
            format,
            scope,
            region: Region::Us,
            project_id: None,
        }
    }
}

/// The export text and the warnings about payloads Mixpanel would refuse for real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub text: String,
    pub warnings: Vec<String>,
    /// Number of payloads (or mapping rows) exported.
    pub items: usize,
}

/// A scope resolved against a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Payload indices.
    pub events: Range<usize>,
    /// Step numbers (1-based, end exclusive); steps that sent nothing count too.
    pub steps: Range<usize>,
    /// The step after which final ids and clusters are read.
    pub at_step: usize,
}

/// Resolves a scope against a run.
pub fn span(run: &Run, scope: Scope) -> Result<Span, String> {
    let steps = run.steps.len();
    let one_step = |n: usize| Span {
        events: run.steps[n - 1].events.clone(),
        steps: n..n + 1,
        at_step: n,
    };
    match scope {
        Scope::All => Ok(Span {
            events: 0..run.events.len(),
            steps: 1..steps + 1,
            at_step: steps,
        }),
        Scope::Until(n) if n <= steps => Ok(Span {
            events: 0..run.events_until(n),
            steps: 1..n + 1,
            at_step: n,
        }),
        Scope::Until(n) => Err(format!("until:{n} is past the last step ({steps} steps)")),
        Scope::Step(n) if n >= 1 && n <= steps => Ok(one_step(n)),
        Scope::Step(n) => Err(format!("step:{n} is not a step (steps are 1 to {steps})")),
        Scope::Event(i) if i < run.events.len() => Ok(Span {
            events: i..i + 1,
            ..one_step(run.events[i].step)
        }),
        Scope::Event(i) => Err(format!(
            "event:{i} is not an event (events are 0 to {})",
            run.events.len().saturating_sub(1)
        )),
        Scope::EventRef(n, k) => match run.event_by_ref(n, k) {
            Some(i) => span(run, Scope::Event(i)),
            None if n >= 1 && n <= steps => {
                let sent = run.steps[n - 1].events.len();
                Err(match sent {
                    0 => format!("event:{n}.{k} is not an event: step {n} sent no payload"),
                    1 => format!("event:{n}.{k} is not an event: step {n} sent one payload ({n}.1)"),
                    _ => format!(
                        "event:{n}.{k} is not an event: step {n} sent {sent} payloads ({n}.1 to {n}.{sent})"
                    ),
                })
            }
            None => Err(format!(
                "event:{n}.{k} is not an event: there is no step {n} (steps are 1 to {steps})"
            )),
        },
    }
}

/// Builds the export.
pub fn export(run: &Run, scenario: &Scenario, opts: &Options) -> Result<Export, String> {
    let span = span(run, opts.scope)?;
    let at_step = span.at_step;
    let events = &run.events[span.events.clone()];
    let mut warnings = Vec::new();
    let is_event = |e: &&EventRecord| e.payload.endpoint != Endpoint::Engage;
    let event_payloads: Vec<&Value> = events
        .iter()
        .filter(is_event)
        .map(|e| &e.payload.body)
        .collect();
    let profiles: Vec<&Value> = events
        .iter()
        .filter(|e| e.payload.endpoint == Endpoint::Engage)
        .map(|e| &e.payload.body)
        .collect();
    let header = |comment: &str| -> String {
        format!(
            "{comment} idscope export: {} — {} mode, playbook {}, scope {}\n",
            one_line(&run.scenario),
            run.config.mode,
            run.config.playbook(),
            opts.scope.label()
        )
    };
    let (text, items) = match opts.format {
        Format::Json => {
            let all: Vec<&Value> = events.iter().map(|e| &e.payload.body).collect();
            (pretty(&json!(all)) + "\n", all.len())
        }
        Format::Ndjson => {
            if !profiles.is_empty() {
                warnings.push(format!(
                    "{} profile record(s) left out: /import takes events only (use curl-engage)",
                    profiles.len()
                ));
            }
            (ndjson(&event_payloads), event_payloads.len())
        }
        Format::CurlImport => {
            let records: Vec<&EventRecord> = events.iter().filter(is_event).collect();
            warnings.extend(import_warnings(run, &records));
            if !profiles.is_empty() {
                warnings.push(format!(
                    "{} profile record(s) left out: /import takes events only (use curl-engage)",
                    profiles.len()
                ));
            }
            let project = opts
                .project_id
                .as_deref()
                .map(url_component)
                .unwrap_or_else(|| "${MIXPANEL_PROJECT_ID}".to_string());
            let mut s = String::from("#!/usr/bin/env bash\n");
            s.push_str(&header("#"));
            s.push_str("# Credentials come from the environment: MIXPANEL_SERVICE_ACCOUNT, MIXPANEL_SECRET");
            if opts.project_id.is_none() {
                s.push_str(", MIXPANEL_PROJECT_ID");
            }
            s.push('\n');
            push_warning_comments(&mut s, "#", &warnings);
            let _ = writeln!(
                s,
                "curl --request POST \\\n  --url \"https://{}/import?strict=1&project_id={project}\" \\\n  --user \"$MIXPANEL_SERVICE_ACCOUNT:$MIXPANEL_SECRET\" \\\n  --header 'Content-Type: application/x-ndjson' \\\n  --data-binary @- <<'IDSCOPE_NDJSON'",
                opts.region.host()
            );
            s.push_str(&ndjson(&event_payloads));
            s.push_str("IDSCOPE_NDJSON\n");
            (s, event_payloads.len())
        }
        Format::CurlTrack => {
            let merges = event_payloads
                .iter()
                .filter(|p| event_name(p) == "$merge")
                .count();
            if merges > 0 {
                warnings.push(format!(
                    "{merges} $merge event(s): $merge only works through /import (O-MERGE); /track ignores it"
                ));
            }
            if run.config.mode == Mode::Simplified {
                push_identity_event_warning(&mut warnings, &event_payloads, "ignored (S-IGNORE)");
            }
            let records: Vec<&EventRecord> = events.iter().filter(is_event).collect();
            warnings.extend(track_window_warnings(&records, &event_payloads));
            let mut s = String::from("#!/usr/bin/env bash\n");
            s.push_str(&header("#"));
            push_warning_comments(&mut s, "#", &warnings);
            let _ = writeln!(
                s,
                "curl --request POST \\\n  --url 'https://{}/track' \\\n  --header 'Content-Type: application/x-www-form-urlencoded' \\\n  --data-urlencode {}",
                opts.region.host(),
                shell_single_quote(&format!("data={}", compact(&json!(event_payloads))))
            );
            (s, event_payloads.len())
        }
        Format::CurlEngage => {
            let mut s = String::from("#!/usr/bin/env bash\n");
            s.push_str(&header("#"));
            if profiles.is_empty() {
                warnings.push("no profile records in this scope: the scenario sets no profiles here (people_set)".into());
                push_warning_comments(&mut s, "#", &warnings);
            } else {
                let _ = writeln!(
                    s,
                    "curl --request POST \\\n  --url 'https://{}/engage#profile-set' \\\n  --header 'Content-Type: application/x-www-form-urlencoded' \\\n  --data-urlencode {}",
                    opts.region.host(),
                    shell_single_quote(&format!("data={}", compact(&json!(profiles))))
                );
            }
            (s, profiles.len())
        }
        Format::Js => js(run, scenario, span.steps.clone(), &header("//")),
        Format::Python => python(run, scenario, &event_payloads, &header("#"), &mut warnings),
        Format::ResolvedJsonl => {
            let mut s = String::new();
            let mut n = 0;
            for e in events.iter().filter(is_event) {
                s.push_str(&compact(&resolved_event(run, e, at_step)));
                s.push('\n');
                n += 1;
            }
            (s, n)
        }
        Format::Mermaid | Format::Dot => {
            let g = crate::graph::graph(run, at_step);
            let text = if opts.format == Format::Mermaid {
                crate::graph::mermaid(&g)
            } else {
                crate::graph::dot(&g)
            };
            (text, g.node_count())
        }
        Format::MappingCsv => {
            let mut s = String::from("distinct_id,resolved_distinct_id\n");
            let mut n = 0;
            for c in run.clusters(at_step) {
                for m in &c.members {
                    let _ = writeln!(s, "{},{}", csv_field(m), csv_field(&c.canonical));
                    n += 1;
                }
            }
            (s, n)
        }
    };
    Ok(Export {
        text,
        warnings,
        items,
    })
}

/// One event as a resolved export row: Mixpanel's raw-export shape, with `distinct_id` the
/// final id and, where identity merging changed it, `$distinct_id_before_identity` the
/// original (a value already in the payload is kept).
pub fn resolved_event(run: &Run, e: &EventRecord, at_step: usize) -> Value {
    let mut props = e
        .payload
        .body
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let original = props.get("distinct_id").and_then(crate::resolver::id_value);
    let ingest = run.ingest_id(e.index);
    let fin = run.final_id(e.index, at_step);
    let before = crate::resolver::before_identity(run.mode(), original.as_deref(), ingest, fin)
        .map(str::to_string);
    props.insert("distinct_id".into(), json!(fin));
    if let Some(b) = before {
        props
            .entry("$distinct_id_before_identity")
            .or_insert_with(|| json!(b));
    }
    let v = &e.verdict;
    let mut idscope = Map::new();
    idscope.insert("index".into(), json!(e.index));
    idscope.insert("step".into(), json!(e.step));
    idscope.insert("endpoint".into(), json!(e.payload.endpoint.as_str()));
    idscope.insert("effect".into(), json!(v.effect.as_str()));
    idscope.insert("reason".into(), json!(v.reason));
    idscope.insert("rule".into(), json!(v.rule));
    json!({
        "event": e.payload.body.get("event").cloned().unwrap_or(Value::Null),
        "properties": props,
        "idscope": idscope,
    })
}

fn event_name(p: &Value) -> &str {
    p.get("event").and_then(Value::as_str).unwrap_or("")
}

/// What a strict `/import` of these events would refuse: the run's own checks (G-IMPORT,
/// G-INVALID), so the export warns exactly where `run` rejects.
fn import_warnings(run: &Run, events: &[&EventRecord]) -> Vec<String> {
    let mut w = Vec::new();
    let mode = run.config.mode;
    if mode == Mode::Simplified {
        let bodies: Vec<&Value> = events.iter().map(|e| &e.payload.body).collect();
        push_identity_event_warning(
            &mut w,
            &bodies,
            "ignored (S-IGNORE); a field report, not Mixpanel's docs, saw /import?strict=1 refuse them with HTTP 400 on a Simplified project: leave them out",
        );
    }
    let mut refused: Vec<(String, usize)> = Vec::new();
    for e in events {
        let sent_at = run.steps[e.step - 1].time_ms as f64 / 1000.0;
        let body = &e.payload.body;
        let why = match crate::api::admit(
            mode,
            &run.config.knobs,
            Endpoint::Import,
            body,
            sent_at,
            "server",
        ) {
            crate::api::Admission::Refuse { field, message, .. } => {
                Some(format!("{field}: {message}"))
            }
            crate::api::Admission::Accept { .. } => {
                let id = body
                    .get("properties")
                    .and_then(|p| p.get("distinct_id"))
                    .and_then(crate::resolver::id_value);
                id.filter(|d| crate::resolver::is_invalid_id(d)).map(|d| {
                    let (field, message) =
                        crate::api::refusal(crate::resolver::reason::INVALID_DISTINCT_ID, &d);
                    format!("{field}: {message}")
                })
            }
        };
        if let Some(why) = why {
            match refused.iter_mut().find(|(w, _)| *w == why) {
                Some((_, n)) => *n += 1,
                None => refused.push((why, 1)),
            }
        }
    }
    let failing: usize = refused.iter().map(|(_, n)| n).sum();
    for (why, n) in &refused {
        w.push(format!("{n} event(s) fail /import validation — {why}"));
    }
    if failing > 0 {
        w.push(format!(
            "/import?strict=1 answers 400 listing the {failing} failed record(s) and still ingests the other {}",
            events.len() - failing
        ));
    }
    w
}

/// G-WINDOW for a `/track` replay of these events: what the run dropped, and that the payloads keep their
/// own `time`, so /track drops them all once they are 5 days old (it still answers 1).
fn track_window_warnings(events: &[&EventRecord], payloads: &[&Value]) -> Vec<String> {
    let mut w = Vec::new();
    let dropped = events
        .iter()
        .filter(|e| e.verdict.rule == crate::rules::RuleId::GWindow)
        .count();
    if dropped > 0 {
        w.push(format!(
            "{dropped} event(s) were already older than 5 days when sent: /track drops them and still answers 1 (G-WINDOW)"
        ));
    }
    let earliest = payloads
        .iter()
        .filter_map(|p| p.get("properties").and_then(|q| q.get("time")))
        .filter_map(crate::api::time_seconds)
        .reduce(f64::min);
    if let Some(t) = earliest {
        w.push(format!(
            "the events keep their times (from {}): /track silently drops any older than 5 days when it receives them (G-WINDOW); to replay old events use curl-import",
            crate::text::rfc3339(t)
        ));
    }
    w
}

fn push_identity_event_warning(w: &mut Vec<String>, payloads: &[&Value], what: &str) {
    let n = payloads
        .iter()
        .filter(|p| crate::resolver::is_identity_event(event_name(p)))
        .count();
    if n > 0 {
        w.push(format!(
            "{n} identity event(s) ($identify/$create_alias/$merge) would be {what}"
        ));
    }
}

fn push_warning_comments(s: &mut String, comment: &str, warnings: &[String]) {
    for w in warnings {
        let _ = writeln!(s, "{comment} WARNING: {}", one_line(w));
    }
}

/// The mixpanel-js calls of the steps in scope, each intent with a comment on its expansion.
fn js(run: &Run, scenario: &Scenario, steps: Range<usize>, header: &str) -> (String, usize) {
    let mut s = String::from(header);
    let _ = writeln!(
        s,
        "// Each device is its own browser: run its lines in that browser, in this order."
    );
    let _ = writeln!(s, "mixpanel.init({});", js_string(&scenario.token));
    let mut calls = 0;
    let mut last_device: Option<&str> = None;
    for step in &run.steps[steps.start - 1..steps.end - 1] {
        let src = &scenario.steps[step.number - 1];
        if step.action == "send" {
            let _ = writeln!(
                s,
                "// step {}: {} — server-side, not an SDK call (see the curl-import export)",
                step.number,
                one_line(&step.calls.join(", "))
            );
            continue;
        }
        let device = step.device.as_deref().unwrap_or("default");
        if last_device != Some(device) {
            let _ = writeln!(s, "// ── device {} ──", one_line(device));
            last_device = Some(device);
        }
        let intent = crate::playbook::rule_for(&src.action);
        match intent {
            Some(rule) => {
                let _ = writeln!(
                    s,
                    "// step {}: {} — {rule} ({} playbook) expands to:",
                    step.number,
                    intent_text(&src.action),
                    run.config.playbook()
                );
            }
            None => {
                let _ = writeln!(s, "// step {}", step.number);
            }
        }
        if let Some(note) = &step.note {
            let _ = writeln!(s, "// {}", one_line(note));
        }
        if step.calls.is_empty() {
            let _ = writeln!(s, "// (no SDK call)");
        }
        for c in &step.calls {
            let _ = writeln!(s, "mixpanel.{c};");
            calls += 1;
        }
    }
    (s, calls)
}

fn intent_text(a: &crate::scenario::Action) -> String {
    use crate::scenario::Action;
    match a {
        Action::Visit(p) => format!("visit({})", js_string(p)),
        Action::Signup(u) => format!("signup({})", js_string(u)),
        Action::Login(u) => format!("login({})", js_string(u)),
        Action::Logout => "logout()".into(),
        other => other.key().to_string(),
    }
}

/// Server-side mixpanel-python calls that send the same events: `$device_id`/`$user_id` on
/// ordinary events (what Simplified expects), or the identity calls Original/Legacy need.
fn python(
    run: &Run,
    scenario: &Scenario,
    payloads: &[&Value],
    header: &str,
    warnings: &mut Vec<String>,
) -> (String, usize) {
    let mode = run.config.mode;
    let mut s = String::from(header);
    let merges = payloads.iter().any(|p| event_name(p) == "$merge") && mode == Mode::Original;
    if merges {
        s.push_str("import os\n\n");
    }
    s.push_str("from mixpanel import Mixpanel\n\n");
    let _ = writeln!(s, "mp = Mixpanel({})", py_string(&scenario.token));
    let mut n = 0;
    // What mixpanel-js added itself; the Python library adds its own.
    let automatic = |k: &str| k == "distinct_id" || crate::sdk::mixpanel_js::AUTOMATIC.contains(&k);
    for p in payloads {
        let props = p.get("properties").and_then(Value::as_object);
        let get = |k: &str| {
            props
                .and_then(|q| q.get(k))
                .and_then(crate::resolver::id_value)
        };
        let distinct = get("distinct_id").unwrap_or_default();
        match event_name(p) {
            "$identify" => match mode {
                Mode::Original => {
                    let anon = get("$anon_id")
                        .or_else(|| get("$anon_distinct_id"))
                        .unwrap_or_default();
                    let ident = get("$identified_id").unwrap_or_else(|| distinct.clone());
                    let _ = writeln!(
                        s,
                        "mp.track({}, \"$identify\", {{\"$identified_id\": {}, \"$anon_id\": {}}})",
                        py_string(&ident),
                        py_string(&ident),
                        py_string(&anon)
                    );
                    n += 1;
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "# $identify skipped: it has no identity effect under {}",
                        mode.title()
                    );
                }
            },
            "$create_alias" => match mode {
                Mode::Simplified => {
                    let _ = writeln!(
                        s,
                        "# $create_alias skipped: Simplified ignores it (S-IGNORE)"
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "mp.alias({}, {})",
                        py_string(&get("alias").unwrap_or_default()),
                        py_string(&distinct)
                    );
                    n += 1;
                }
            },
            "$merge" => match mode {
                Mode::Original => {
                    let ids: Vec<String> = props
                        .and_then(|q| q.get("$distinct_ids"))
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(crate::resolver::id_value).collect())
                        .unwrap_or_default();
                    if ids.len() == 2 {
                        let _ = writeln!(
                            s,
                            "mp.merge(os.environ[\"MIXPANEL_API_KEY\"], {}, {}, api_secret=os.environ[\"MIXPANEL_API_SECRET\"])",
                            py_string(&ids[0]),
                            py_string(&ids[1])
                        );
                        n += 1;
                    }
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "# $merge skipped: no identity effect under {}",
                        mode.title()
                    );
                }
            },
            name => {
                let mut out = Map::new();
                if let Some(q) = props {
                    for (k, v) in q {
                        if !automatic(k) {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                }
                if mode == Mode::Simplified {
                    // Simplified reads $device_id/$user_id; distinct_id may be left to them.
                    if get("$device_id").is_none()
                        && get("$user_id").is_none()
                        && !distinct.is_empty()
                    {
                        warnings.push(format!(
                            "event {} has only a distinct_id: Simplified reads it as a {} (S-DID)",
                            py_string(name),
                            if distinct.starts_with("$device:") {
                                "device"
                            } else {
                                "user id"
                            }
                        ));
                    }
                } else {
                    out.shift_remove("$device_id");
                    out.shift_remove("$user_id");
                }
                let _ = writeln!(
                    s,
                    "mp.track({}, {}, {})",
                    py_string(&distinct),
                    py_string(name),
                    py_literal(&Value::Object(out))
                );
                n += 1;
            }
        }
    }
    (s, n)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialize")
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values serialize")
}

fn ndjson(payloads: &[&Value]) -> String {
    let mut s = String::new();
    for p in payloads {
        s.push_str(&compact(p));
        s.push('\n');
    }
    s
}

/// Text safe on one comment line: control characters escaped.
fn one_line(s: &str) -> String {
    crate::text::visible(s).into_owned()
}

/// A JavaScript string literal (JSON strings are valid JS, except U+2028/9 in old engines).
fn js_string(s: &str) -> String {
    compact(&Value::String(s.to_string()))
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A Python string literal.
fn py_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::text::needs_escape(c) => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python literal for a JSON value.
fn py_literal(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_string(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(py_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_string(k), py_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Single-quotes a word for bash: nothing inside is expanded.
pub fn shell_single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn url_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse() {
        assert_eq!(Scope::parse("all"), Some(Scope::All));
        assert_eq!(Scope::parse("event:3"), Some(Scope::Event(3)));
        assert_eq!(Scope::parse("step:2"), Some(Scope::Step(2)));
        assert_eq!(Scope::parse("until:5"), Some(Scope::Until(5)));
        assert_eq!(Scope::parse("step:x"), None);
        assert_eq!(Scope::parse("page:1"), None);
        assert_eq!(Scope::parse("event:3.2"), Some(Scope::EventRef(3, 2)));
        assert_eq!(Scope::EventRef(3, 2).label(), "event:3.2");
        for bad in [
            "event:3.",
            "event:.2",
            "event:3.2.1",
            "event:+3",
            "step:3.2",
            "event:3.x",
        ] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_single_quote("it's"), r"'it'\''s'");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            py_literal(&json!({"a": [true, null, 1.5]})),
            r#"{"a": [True, None, 1.5]}"#
        );
        assert_eq!(py_string("\u{1b}x"), "\"\\U0000001bx\"");
        assert_eq!(url_component("a b&c"), "a%20b%26c");
    }
}
