//! Exports of a run, in the formats an engineer pastes into tickets, curl and code (issue 4),
//! and the identity graph as Mermaid or Graphviz DOT ([`crate::graph`]). Pure functions of
//! (run, scenario, options): no I/O, deterministic output.

use crate::model::{Choice, Endpoint, Mode};
use crate::run::{EventRecord, Run};
use crate::scenario::Scenario;
use crate::sdk::mixpanel_python::{py_literal, py_string};
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
            Format::Js => "each device's SDK calls, in its own language, that reproduce the steps",
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

/// How to export. [`Options::new`] gives the plain export: no clock, nothing left out, no
/// token line.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub format: Format,
    pub scope: Scope,
    pub region: Region,
    /// Written into `/import` URLs; the shell variable `$MIXPANEL_PROJECT_ID` when None.
    pub project_id: Option<String>,
    /// The real current time (unix seconds), passed in by the caller: the engine has no
    /// clock. With it, `curl-track` counts the events older than `/track`'s window
    /// ([`crate::api::TRACK_WINDOW_S`], G-WINDOW) at that time instead of warning that the
    /// events keep their times. Other formats ignore it: `/import` has no window, and
    /// mixpanel-js and mixpanel-python stamp the current time themselves (the `js` and
    /// `python` exports leave `time` to them).
    pub now: Option<f64>,
    /// Leave out of the export what its endpoint would refuse or drop, and say so in a
    /// warning instead of warning about it: for `ndjson` and `curl-import` (`/import`) the
    /// events failing `/import`'s validation (G-IMPORT, G-INVALID) and, under Simplified, the
    /// identity events (S-IGNORE); for `curl-track` the `$merge` events (O-MERGE), under
    /// Simplified the identity events (S-IGNORE) and, with [`Options::now`], the events
    /// older than the window (G-WINDOW). [`Export::items`] counts what is left. The other
    /// formats send nothing that is refused (`curl-engage`), already skip what has no
    /// effect (`python`), or reproduce calls or state rather than payloads to send (`js`,
    /// `json`, `resolved-jsonl`, `mapping-csv`, `mermaid`, `dot`): there it changes nothing
    /// and the export warns "--drop-refused has no effect on FORMAT: …".
    pub drop_refused: bool,
    /// A comment line in `curl-track`, `curl-engage`, `js` and `python` naming the token
    /// the payloads (or the library's constructor) carry, and when it is
    /// [`crate::scenario::DEFAULT_TOKEN`] that it is a placeholder; with it, `curl-track`
    /// and `curl-engage` warn about payloads carrying another token (a `send` step's own).
    pub token_note: bool,
    /// The environment variable the token note names (`token_variable` in the settings);
    /// `MIXPANEL_TOKEN` when None.
    pub token_variable: Option<String>,
}

impl Options {
    pub fn new(format: Format, scope: Scope) -> Options {
        Options {
            format,
            scope,
            region: Region::Us,
            project_id: None,
            now: None,
            drop_refused: false,
            token_note: false,
            token_variable: None,
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
    let records: Vec<&EventRecord> = events.iter().filter(is_event).collect();
    let event_payloads = bodies(&records);
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
    // The header, then the token line of the formats that send the token.
    let header_and_token = |comment: &str| -> String {
        let mut h = header(comment);
        if opts.token_note {
            h.push_str(&token_line(
                comment,
                &scenario.token,
                opts.token_variable.as_deref().unwrap_or("MIXPANEL_TOKEN"),
            ));
        }
        h
    };
    let (text, items) = match opts.format {
        Format::Json => {
            let all: Vec<&Value> = events.iter().map(|e| &e.payload.body).collect();
            (pretty(&json!(all)) + "\n", all.len())
        }
        Format::Ndjson => {
            let kept = if opts.drop_refused {
                drop_import_refused(run, &records, &mut warnings)
            } else {
                records.clone()
            };
            if !profiles.is_empty() {
                warnings.push(format!(
                    "{} profile record(s) left out: /import takes events only (use curl-engage)",
                    profiles.len()
                ));
            }
            (ndjson(&bodies(&kept)), kept.len())
        }
        Format::CurlImport => {
            let kept = if opts.drop_refused {
                drop_import_refused(run, &records, &mut warnings)
            } else {
                warnings.extend(import_warnings(run, &records));
                records.clone()
            };
            let nothing_left = kept.is_empty() && !records.is_empty();
            if nothing_left {
                warnings.push(NOTHING_LEFT.into());
            }
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
            if !nothing_left {
                let _ = writeln!(
                    s,
                    "curl --request POST \\\n  --url \"https://{}/import?strict=1&project_id={project}\" \\\n  --user \"$MIXPANEL_SERVICE_ACCOUNT:$MIXPANEL_SECRET\" \\\n  --header 'Content-Type: application/x-ndjson' \\\n  --data-binary @- <<'IDSCOPE_NDJSON'",
                    opts.region.host()
                );
                s.push_str(&ndjson(&bodies(&kept)));
                s.push_str("IDSCOPE_NDJSON\n");
            }
            (s, kept.len())
        }
        Format::CurlTrack => {
            let kept = if opts.drop_refused {
                drop_track_refused(run, scenario, &records, opts.now, &mut warnings)
            } else {
                track_warnings(run, scenario, &records, opts.now, &mut warnings);
                records.clone()
            };
            let payloads = bodies(&kept);
            if opts.token_note {
                warnings.extend(other_token_warning(&payloads, "token", &scenario.token));
            }
            let nothing_left = kept.is_empty() && !records.is_empty();
            if nothing_left {
                warnings.push(NOTHING_LEFT.into());
            }
            let mut s = String::from("#!/usr/bin/env bash\n");
            s.push_str(&header_and_token("#"));
            push_warning_comments(&mut s, "#", &warnings);
            if !nothing_left {
                let _ = writeln!(
                    s,
                    "curl --request POST \\\n  --url 'https://{}/track' \\\n  --header 'Content-Type: application/x-www-form-urlencoded' \\\n  --data-urlencode {}",
                    opts.region.host(),
                    shell_single_quote(&format!("data={}", compact(&json!(payloads))))
                );
            }
            (s, kept.len())
        }
        Format::CurlEngage => {
            let mut s = String::from("#!/usr/bin/env bash\n");
            s.push_str(&header_and_token("#"));
            if opts.token_note {
                warnings.extend(other_token_warning(&profiles, "$token", &scenario.token));
            }
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
        Format::Js if python_only(run, scenario, &span) => {
            js(run, scenario, span.steps.clone(), &header_and_token("#"))
        }
        Format::Js => js(run, scenario, span.steps.clone(), &header_and_token("//")),
        // A Python server's own calls, as its code makes them (the steps' call text); from
        // any other SDK, the payloads replayed through mixpanel-python.
        Format::Python if python_only(run, scenario, &span) => {
            js(run, scenario, span.steps.clone(), &header_and_token("#"))
        }
        Format::Python => python(
            run,
            scenario,
            &event_payloads,
            &header_and_token("#"),
            &mut warnings,
        ),
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
    if opts.drop_refused {
        let code = matches!(opts.format, Format::Js | Format::Python)
            && (python_only(run, scenario, &span) || opts.format == Format::Js);
        let own_calls = "it writes the calls the steps make, in each SDK's language; the SDKs build the payloads";
        let why = if code {
            Some(own_calls)
        } else {
            drop_refused_has_no_effect(opts.format)
        };
        if let Some(why) = why {
            warnings.push(format!(
                "--drop-refused has no effect on {}: {why}",
                opts.format.as_str()
            ));
        }
    }
    Ok(Export {
        text,
        warnings,
        items,
    })
}

/// Why `--drop-refused` changes nothing in a format (None where it does).
fn drop_refused_has_no_effect(format: Format) -> Option<&'static str> {
    match format {
        Format::Ndjson | Format::CurlImport | Format::CurlTrack => None,
        Format::CurlEngage => Some("/engage refuses none of the profile records"),
        Format::Python => Some(
            "it already skips the identity events that would have no effect, and mixpanel-python stamps the current time",
        ),
        Format::Js => Some("it writes the calls the steps make, in each SDK's language; the SDKs build the payloads"),
        Format::Json => Some("it lists the payloads as the run sent them"),
        Format::ResolvedJsonl => Some("it lists every event with the run's verdict"),
        Format::MappingCsv | Format::Mermaid | Format::Dot => {
            Some("it shows the run's identities, not payloads to send")
        }
    }
}

/// Said, and the request left out, when `--drop-refused` left no event to send.
const NOTHING_LEFT: &str = "--drop-refused left out every event in scope: no request to send";

fn bodies<'a>(records: &[&'a EventRecord]) -> Vec<&'a Value> {
    records.iter().map(|e| &e.payload.body).collect()
}

/// The comment line naming the project token the export sends.
fn token_line(comment: &str, token: &str, variable: &str) -> String {
    if token == crate::scenario::DEFAULT_TOKEN {
        format!(
            "{comment} token: {} — a placeholder: --token TOKEN or ${} puts your project's token in\n",
            one_line(token),
            one_line(variable)
        )
    } else {
        format!("{comment} token: {}\n", one_line(token))
    }
}

/// Payloads whose token (at `key`) is not the scenario's: a `send` step wrote its own.
fn other_token_warning(payloads: &[&Value], key: &str, token: &str) -> Option<String> {
    let mut others: Vec<&str> = Vec::new();
    let mut n = 0;
    for p in payloads {
        let found = p
            .get(key)
            .or_else(|| p.get("properties").and_then(|q| q.get(key)))
            .and_then(Value::as_str);
        if let Some(t) = found.filter(|t| *t != token) {
            n += 1;
            if !others.contains(&t) {
                others.push(t);
            }
        }
    }
    (n > 0).then(|| {
        format!(
            "{n} payload(s) carry another token than {} ({}): a send step of the scenario wrote it; edit the step to change it",
            crate::text::quoted(token),
            others
                .iter()
                .map(|t| crate::text::quoted(t))
                .collect::<Vec<_>>()
                .join(", ")
        )
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

/// Why a strict `/import` would refuse this event, if it would: the run's own checks
/// (G-IMPORT, G-INVALID), so the export warns exactly where `run` rejects.
fn import_refusal(run: &Run, e: &EventRecord) -> Option<String> {
    let sent_at = run.steps[e.step - 1].time_ms as f64 / 1000.0;
    let body = &e.payload.body;
    match crate::api::admit(
        run.config.mode,
        &run.config.knobs,
        Endpoint::Import,
        body,
        sent_at,
        "server",
    ) {
        crate::api::Admission::Refuse { field, message, .. } => Some(format!("{field}: {message}")),
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
    }
}

/// Counts by reason, in the order the reasons first appear.
fn tally(reasons: impl IntoIterator<Item = String>) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for why in reasons {
        match out.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => out.push((why, 1)),
        }
    }
    out
}

/// Under Simplified, an identity event: S-IGNORE, and a field report saw a strict
/// `/import` refuse them.
fn simplified_identity_event(run: &Run, body: &Value) -> bool {
    run.config.mode == Mode::Simplified && crate::resolver::is_identity_event(event_name(body))
}

/// What a strict `/import` of these events would refuse (see [`import_refusal`]).
fn import_warnings(run: &Run, events: &[&EventRecord]) -> Vec<String> {
    let mut w = Vec::new();
    if run.config.mode == Mode::Simplified {
        push_identity_event_warning(
            &mut w,
            &bodies(events),
            "ignored (S-IGNORE); a field report, not Mixpanel's docs, saw /import?strict=1 refuse them with HTTP 400 on a Simplified project: leave them out",
        );
    }
    let refused = tally(events.iter().filter_map(|e| import_refusal(run, e)));
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

/// `--drop-refused` for `/import`: the events left after leaving out, under Simplified, the
/// identity events, then those failing validation; a warning per kind left out.
fn drop_import_refused<'a>(
    run: &Run,
    events: &[&'a EventRecord],
    warnings: &mut Vec<String>,
) -> Vec<&'a EventRecord> {
    let mut kept = Vec::new();
    let mut identity = 0;
    let mut refused = Vec::new();
    for e in events {
        if simplified_identity_event(run, &e.payload.body) {
            identity += 1;
        } else if let Some(why) = import_refusal(run, e) {
            refused.push(why);
        } else {
            kept.push(*e);
        }
    }
    if identity > 0 {
        warnings.push(format!(
            "--drop-refused left out {identity} identity event(s) ($identify/$create_alias/$merge) /import would refuse: Simplified ignores them (S-IGNORE) and a field report, not Mixpanel's docs, saw /import?strict=1 refuse them with HTTP 400"
        ));
    }
    for (why, n) in tally(refused) {
        warnings.push(format!(
            "--drop-refused left out {n} event(s) /import would refuse — {why}"
        ));
    }
    kept
}

/// The warnings of a `/track` replay of these events, none left out: `$merge` (O-MERGE),
/// identity events under Simplified (S-IGNORE), and G-WINDOW (counted at `now` when given).
fn track_warnings(
    run: &Run,
    scenario: &Scenario,
    events: &[&EventRecord],
    now: Option<f64>,
    warnings: &mut Vec<String>,
) {
    let payloads = bodies(events);
    let merges = payloads
        .iter()
        .filter(|p| event_name(p) == "$merge")
        .count();
    if merges > 0 {
        warnings.push(format!(
            "{merges} $merge event(s): $merge only works through /import (O-MERGE); /track ignores it"
        ));
    }
    if run.config.mode == Mode::Simplified {
        push_identity_event_warning(warnings, &payloads, "ignored (S-IGNORE)");
    }
    match now {
        None => warnings.extend(track_window_warnings(events, &payloads)),
        Some(now) => {
            let old: Vec<&EventRecord> = events
                .iter()
                .copied()
                .filter(|e| too_old_for_track(&e.payload.body, now))
                .collect();
            if let Some(earliest) = earliest_time(&old) {
                let n = old.len();
                warnings.push(format!(
                    "{} of {} {} older than /track's {}-day window (earliest {}): /track drops them and still answers 1 (G-WINDOW); {}",
                    n,
                    crate::text::count(events.len() as u64, "event", "events"),
                    if n == 1 { "is" } else { "are" },
                    window_days(),
                    crate::text::rfc3339(earliest),
                    window_advice(scenario, &old)
                ));
            }
        }
    }
}

/// `--drop-refused` for `/track`: the events left after leaving out `$merge` (O-MERGE), under
/// Simplified the other identity events (S-IGNORE), and with `now` those older than the
/// window (G-WINDOW); a warning per kind left out, and for what is left the warnings of
/// [`track_warnings`] that still apply.
fn drop_track_refused<'a>(
    run: &Run,
    scenario: &Scenario,
    events: &[&'a EventRecord],
    now: Option<f64>,
    warnings: &mut Vec<String>,
) -> Vec<&'a EventRecord> {
    let mut kept = Vec::new();
    let mut merges = 0;
    let mut identity = 0;
    let mut old = Vec::new();
    for e in events {
        let body = &e.payload.body;
        if event_name(body) == "$merge" {
            merges += 1;
        } else if simplified_identity_event(run, body) {
            identity += 1;
        } else if now.is_some_and(|now| too_old_for_track(body, now)) {
            old.push(*e);
        } else {
            kept.push(*e);
        }
    }
    if merges > 0 {
        warnings.push(format!(
            "--drop-refused left out {merges} $merge event(s): /track ignores them; $merge only works through /import (O-MERGE)"
        ));
    }
    if identity > 0 {
        warnings.push(format!(
            "--drop-refused left out {identity} identity event(s) ($identify/$create_alias): Simplified ignores them (S-IGNORE)"
        ));
    }
    if let Some(earliest) = earliest_time(&old) {
        warnings.push(format!(
            "--drop-refused left out {} older than /track's {}-day window (earliest {}): /track would drop them and still answer 1 (G-WINDOW); {}",
            crate::text::count(old.len() as u64, "event", "events"),
            window_days(),
            crate::text::rfc3339(earliest),
            window_advice(scenario, &old)
        ));
    }
    if now.is_none() {
        warnings.extend(track_window_warnings(&kept, &bodies(&kept)));
    }
    kept
}

/// G-WINDOW at `now`: the payload's own `time` is older than `/track` keeps (an event
/// without `time` takes its arrival time).
fn too_old_for_track(body: &Value, now: f64) -> bool {
    event_time(body).is_some_and(|t| t < now - crate::api::TRACK_WINDOW_S)
}

fn event_time(body: &Value) -> Option<f64> {
    body.get("properties")
        .and_then(|q| q.get("time"))
        .and_then(crate::api::time_seconds)
}

fn earliest_time(events: &[&EventRecord]) -> Option<f64> {
    events
        .iter()
        .filter_map(|e| event_time(&e.payload.body))
        .reduce(f64::min)
}

/// `/track`'s window in days, for messages.
fn window_days() -> String {
    format!("{}", crate::api::TRACK_WINDOW_S / 86_400.0)
}

/// What to do about events too old for `/track`: `--time now` moves the SDK's times (the
/// run's clock), not the `time` a `send` step's payload carries.
fn window_advice(scenario: &Scenario, old: &[&EventRecord]) -> String {
    let sent = old
        .iter()
        .filter(|e| {
            matches!(
                scenario.steps.get(e.step - 1).map(|s| &s.action),
                Some(crate::scenario::Action::Send { .. })
            )
        })
        .count();
    if sent == 0 {
        "`--time now` shifts the run's clock, or use curl-import".into()
    } else if sent == old.len() {
        "their times are send steps' own, which `--time now` leaves as they are: use curl-import"
            .into()
    } else {
        format!(
            "`--time now` shifts the run's clock but not the {sent} time(s) send steps carry: use curl-import for those"
        )
    }
}

/// G-WINDOW for a `/track` replay of these events when the current time is not known: what
/// the run dropped, and that the payloads keep their own `time`, so /track drops them all
/// once they are 5 days old (it still answers 1).
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
    let profile_of = |device: &str| scenario.profile_of(device);
    let all_web = run.steps[steps.start - 1..steps.end - 1]
        .iter()
        .filter_map(|st| st.device.as_deref())
        .all(|d| profile_of(d) == crate::sdk::Profile::MixpanelJs);
    if all_web {
        let _ = writeln!(
            s,
            "// Each device is its own browser: run its lines in that browser, in this order."
        );
        let _ = writeln!(s, "mixpanel.init({});", js_string(&scenario.token));
    } else {
        let cm = header.split_whitespace().next().unwrap_or("//");
        let _ = writeln!(
            s,
            "{cm} Each device in its own SDK's language (see its header), in this order."
        );
    }
    let mut calls = 0;
    let mut last_device: Option<&str> = None;
    // A device's SDK is created once; coming back to it only names it again.
    let mut started: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let hcm = header.split_whitespace().next().unwrap_or("//");
    for step in &run.steps[steps.start - 1..steps.end - 1] {
        let src = &scenario.steps[step.number - 1];
        if step.action == "send" {
            let _ = writeln!(
                s,
                "{hcm} step {}: {} — server-side, not an SDK call (see the curl-import export)",
                step.number,
                one_line(&step.calls.join(", "))
            );
            continue;
        }
        let device = step.device.as_deref().unwrap_or("default");
        let profile = profile_of(device);
        if last_device != Some(device) {
            if all_web {
                let _ = writeln!(s, "// ── device {} ──", one_line(device));
            } else {
                let _ = writeln!(
                    s,
                    "{} ── device {} · {} ({}) ──",
                    profile.comment(),
                    one_line(device),
                    profile.label(),
                    profile.language(),
                );
                if started.insert(device) {
                    let _ = writeln!(s, "{}", profile.init_text(&scenario.token));
                }
            }
            last_device = Some(device);
        }
        let cm = profile.comment();
        let intent = crate::playbook::rule_for(&src.action);
        match intent {
            Some(rule) => {
                let _ = writeln!(
                    s,
                    "{cm} step {}: {} — {rule} ({} playbook) expands to:",
                    step.number,
                    intent_text(&src.action),
                    run.config.playbook()
                );
            }
            None => {
                let _ = writeln!(s, "{cm} step {}", step.number);
            }
        }
        if let Some(note) = &step.note {
            let _ = writeln!(s, "{cm} {}", one_line(note));
        }
        if step.calls.is_empty() {
            let _ = writeln!(s, "{cm} (no SDK call)");
        }
        for c in &step.calls {
            let _ = match profile {
                crate::sdk::Profile::MixpanelJs => writeln!(s, "mixpanel.{c};"),
                crate::sdk::Profile::Node | crate::sdk::Profile::ReactNative => {
                    writeln!(s, "{c};")
                }
                _ => writeln!(s, "{c}"),
            };
            calls += 1;
        }
    }
    (s, calls)
}

/// The file extension for `format` of this scenario: the `js` export writes each device in
/// its SDK's language, so a scenario of Python servers gets `.py`, of iOS apps `.swift`, of
/// Android apps `.kt`, of several languages `.txt`.
pub fn extension_for(format: Format, scenario: &Scenario) -> &'static str {
    if format != Format::Js {
        return format.extension();
    }
    let mut languages = scenario
        .steps
        .iter()
        .filter_map(|st| st.device.as_deref())
        .map(|d| scenario.profile_of(d).language());
    let Some(first) = languages.next() else {
        return format.extension();
    };
    if !languages.all(|l| l == first) {
        return "txt";
    }
    match first {
        "Python" => "py",
        "Swift" => "swift",
        "Kotlin" => "kt",
        _ => "js",
    }
}

/// Whether every device making a call in the span is a Python server (its code exports as
/// Python throughout).
fn python_only(run: &Run, scenario: &Scenario, span: &Span) -> bool {
    let mut devices = run.steps[span.steps.start - 1..span.steps.end - 1]
        .iter()
        .filter_map(|st| st.device.as_deref())
        .peekable();
    devices.peek().is_some()
        && devices.all(|d| {
            scenario
                .devices
                .get(d)
                .map(|x| x.profile())
                .unwrap_or_default()
                == crate::sdk::Profile::Python
        })
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
    let mut s = String::new();
    // `os` is imported only for the credentials of an `mp.merge` call.
    let mut uses_os = false;
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
                        uses_os = true;
                        n += 1;
                    } else {
                        let _ = writeln!(
                            s,
                            "# $merge skipped: its $distinct_ids names {} id(s), mp.merge takes two",
                            ids.len()
                        );
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
    let mut out = String::from(header);
    if uses_os {
        out.push_str("import os\n\n");
    }
    out.push_str("from mixpanel import Mixpanel\n\n");
    let _ = writeln!(out, "mp = Mixpanel({})", py_string(&scenario.token));
    out.push_str(&s);
    (out, n)
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

    // ── paste-ready exports (issue 18): `now`, `drop_refused`, `token_note` ──

    use crate::run::RunConfig;

    macro_rules! bundled {
        ($file:literal) => {
            crate::scenario::parse(include_str!(concat!("../../../scenarios/", $file)), $file)
                .unwrap()
        };
    }

    const DAY: f64 = 86_400.0;

    fn export_with(
        scenario: &Scenario,
        mode: Mode,
        format: Format,
        set: impl FnOnce(&mut Options),
    ) -> Export {
        let run = Run::new(scenario, RunConfig::new(mode));
        let mut opts = Options::new(format, Scope::All);
        set(&mut opts);
        export(&run, scenario, &opts).unwrap()
    }

    /// The NDJSON body of a curl-import script: the lines between the heredoc markers.
    fn heredoc_events(text: &str) -> Vec<Value> {
        let body = text
            .split_once("<<'IDSCOPE_NDJSON'\n")
            .expect("a heredoc")
            .1;
        let body = body.split_once("IDSCOPE_NDJSON\n").expect("its end").0;
        body.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The events a curl-track script sends: the JSON array after `data=`.
    fn track_events(text: &str) -> Vec<Value> {
        let quoted = text.split_once("--data-urlencode 'data=").expect("data=").1;
        let json = quoted.rsplit_once("'\n").expect("closing quote").0;
        serde_json::from_str::<Value>(&json.replace("'\\''", "'"))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn names(events: &[Value]) -> Vec<&str> {
        events.iter().map(event_name).collect()
    }

    fn with_text<'a>(warnings: &'a [String], needle: &str) -> Vec<&'a String> {
        warnings.iter().filter(|w| w.contains(needle)).collect()
    }

    #[test]
    fn g_window_no_warning_when_now_is_within_five_days_of_the_events() {
        let s = bundled!("01-signup-one-device.json");
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.now = Some(s.start as f64 + DAY)
        });
        assert!(
            !e.warnings.iter().any(|w| w.contains("G-WINDOW")),
            "{:?}",
            e.warnings
        );
        assert!(!e.text.contains("G-WINDOW"), "{}", e.text);
        // Without `now`, today's wording.
        let plain = export_with(&s, Mode::Original, Format::CurlTrack, |_| {});
        assert_eq!(
            with_text(&plain.warnings, "the events keep their times").len(),
            1
        );
    }

    #[test]
    fn g_window_counts_exactly_the_events_older_than_the_window_at_now() {
        // Every SDK event is 30 days old at `now`.
        let s = bundled!("01-signup-one-device.json");
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.now = Some(s.start as f64 + 30.0 * DAY)
        });
        let n = track_events(&e.text).len();
        assert_eq!(n, e.items);
        let w = with_text(&e.warnings, "older than /track's 5-day window");
        assert_eq!(w.len(), 1, "{:?}", e.warnings);
        assert_eq!(
            *w[0],
            format!(
                "{n} of {n} events are older than /track's 5-day window (earliest 2026-01-01T09:00:01Z): /track drops them and still answers 1 (G-WINDOW); `--time now` shifts the run's clock, or use curl-import"
            )
        );
        assert!(e.text.contains(&format!("# WARNING: {}", w[0])));
        assert!(with_text(&e.warnings, "keep their times").is_empty());

        // The backfill: of its five events, the six-day-old Purchase (sent twice) and the
        // Refund are older than five days a day after the start; bob's and the Heartbeat
        // are not. Their times are the send steps' own.
        let s = bundled!("20-backfill-older-than-five-days.json");
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.now = Some(s.start as f64 + DAY)
        });
        assert_eq!(e.items, 5);
        assert_eq!(
            with_text(&e.warnings, "older than /track's"),
            [&"3 of 5 events are older than /track's 5-day window (earliest 2025-12-26T09:00:00Z): /track drops them and still answers 1 (G-WINDOW); their times are send steps' own, which `--time now` leaves as they are: use curl-import".to_string()]
        );
        // What the run dropped when sent is not said again.
        assert!(with_text(&e.warnings, "when sent").is_empty());
    }

    #[test]
    fn g_window_end_at_now_brings_the_sdk_events_into_the_window() {
        let mut s = bundled!("01-signup-one-device.json");
        let now = s.start + 30 * 86_400;
        crate::scenario::end_at(&mut s, now);
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.now = Some(now as f64)
        });
        assert!(
            !e.warnings.iter().any(|w| w.contains("G-WINDOW")),
            "{:?}",
            e.warnings
        );
        let latest = track_events(&e.text)
            .iter()
            .filter_map(event_time)
            .reduce(f64::max)
            .unwrap();
        assert!(
            latest <= now as f64 && latest > now as f64 - 1.0,
            "{latest}"
        );
    }

    #[test]
    fn g_window_drop_refused_leaves_out_the_old_events() {
        let s = bundled!("20-backfill-older-than-five-days.json");
        let now = s.start as f64 + DAY;
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.now = Some(now);
            o.drop_refused = true;
        });
        let sent = track_events(&e.text);
        assert_eq!(sent.len(), 2);
        assert_eq!(e.items, 2);
        assert!(sent
            .iter()
            .all(|p| event_time(p).unwrap() >= now - crate::api::TRACK_WINDOW_S));
        assert_eq!(
            with_text(&e.warnings, "G-WINDOW"),
            [&"--drop-refused left out 3 events older than /track's 5-day window (earliest 2025-12-26T09:00:00Z): /track would drop them and still answer 1 (G-WINDOW); their times are send steps' own, which `--time now` leaves as they are: use curl-import".to_string()]
        );
        // Without `now` nothing is known to be old: nothing left out, today's warnings.
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.drop_refused = true
        });
        assert_eq!(track_events(&e.text).len(), 5);
        assert_eq!(with_text(&e.warnings, "keep their times").len(), 1);
    }

    #[test]
    fn s_ignore_drop_refused_curl_import_leaves_out_the_identity_events() {
        let s = bundled!("01-signup-one-device.json");
        let plain = export_with(&s, Mode::Simplified, Format::CurlImport, |_| {});
        let all = heredoc_events(&plain.text);
        let identity = names(&all)
            .iter()
            .filter(|n| crate::resolver::is_identity_event(n))
            .count();
        assert!(identity > 0, "the scenario sends an identity event");
        assert_eq!(with_text(&plain.warnings, "S-IGNORE").len(), 1);

        let e = export_with(&s, Mode::Simplified, Format::CurlImport, |o| {
            o.drop_refused = true
        });
        let kept = heredoc_events(&e.text);
        assert!(
            !names(&kept)
                .iter()
                .any(|n| crate::resolver::is_identity_event(n)),
            "{:?}",
            names(&kept)
        );
        assert_eq!(kept.len(), all.len() - identity);
        assert_eq!(e.items, kept.len());
        assert_eq!(
            with_text(&e.warnings, "S-IGNORE"),
            [&format!("--drop-refused left out {identity} identity event(s) ($identify/$create_alias/$merge) /import would refuse: Simplified ignores them (S-IGNORE) and a field report, not Mixpanel's docs, saw /import?strict=1 refuse them with HTTP 400")]
        );
        assert!(e.text.contains("# WARNING: --drop-refused left out"));

        // ndjson is the same /import body.
        let nd = export_with(&s, Mode::Simplified, Format::Ndjson, |o| {
            o.drop_refused = true
        });
        let lines: Vec<Value> = nd
            .text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, kept);
        assert_eq!(nd.warnings, e.warnings);

        // Original keeps them: /import takes $identify there.
        let o = export_with(&s, Mode::Original, Format::CurlImport, |o| {
            o.drop_refused = true
        });
        assert_eq!(heredoc_events(&o.text).len(), all.len());
        assert!(
            with_text(&o.warnings, "--drop-refused").is_empty(),
            "{:?}",
            o.warnings
        );
    }

    #[test]
    fn g_import_drop_refused_leaves_out_what_fails_validation() {
        let s = bundled!("20-backfill-older-than-five-days.json");
        let plain = export_with(&s, Mode::Original, Format::CurlImport, |_| {});
        assert_eq!(
            with_text(&plain.warnings, "fail /import validation").len(),
            2
        );
        let e = export_with(&s, Mode::Original, Format::CurlImport, |o| {
            o.drop_refused = true
        });
        let kept = heredoc_events(&e.text);
        assert_eq!(names(&kept), ["Purchase", "Purchase", "Purchase"]);
        assert_eq!(e.items, 3);
        assert_eq!(
            e.warnings,
            [
                "--drop-refused left out 1 event(s) /import would refuse — properties.$insert_id: 'properties.$insert_id' is missing: /import requires it",
                "--drop-refused left out 1 event(s) /import would refuse — properties.distinct_id: 'properties.distinct_id' is missing: /import requires it (knob import.missing_distinct_id = reject)",
            ]
        );
    }

    #[test]
    fn o_merge_drop_refused_curl_track_leaves_out_merge() {
        let s = bundled!("07-second-identifier-email-change.json");
        let plain = export_with(&s, Mode::Original, Format::CurlTrack, |_| {});
        let all = track_events(&plain.text);
        let merges = names(&all).iter().filter(|n| **n == "$merge").count();
        assert!(merges > 0);
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.drop_refused = true
        });
        let kept = track_events(&e.text);
        assert!(!names(&kept).contains(&"$merge"));
        assert_eq!(kept.len(), all.len() - merges);
        assert_eq!(e.items, kept.len());
        assert_eq!(
            with_text(&e.warnings, "O-MERGE"),
            [&format!("--drop-refused left out {merges} $merge event(s): /track ignores them; $merge only works through /import (O-MERGE)")]
        );
    }

    #[test]
    fn s_ignore_drop_refused_curl_track_leaves_out_the_identity_events() {
        let s = bundled!("07-second-identifier-email-change.json");
        let plain = export_with(&s, Mode::Simplified, Format::CurlTrack, |_| {});
        let all = track_events(&plain.text);
        let e = export_with(&s, Mode::Simplified, Format::CurlTrack, |o| {
            o.drop_refused = true
        });
        let kept = track_events(&e.text);
        assert!(!names(&kept)
            .iter()
            .any(|n| crate::resolver::is_identity_event(n)));
        let merges = names(&all).iter().filter(|n| **n == "$merge").count();
        let others = names(&all)
            .iter()
            .filter(|n| matches!(**n, "$identify" | "$create_alias"))
            .count();
        assert_eq!(kept.len(), all.len() - merges - others);
        assert!(with_text(&e.warnings, "would be ignored").is_empty());
        if others > 0 {
            assert_eq!(
                with_text(&e.warnings, "S-IGNORE"),
                [&format!("--drop-refused left out {others} identity event(s) ($identify/$create_alias): Simplified ignores them (S-IGNORE)")]
            );
        }
    }

    #[test]
    fn drop_refused_says_it_has_no_effect_where_nothing_is_sent() {
        let s = bundled!("01-signup-one-device.json");
        for format in [Format::Json, Format::Js, Format::Python, Format::Mermaid] {
            let plain = export_with(&s, Mode::Simplified, format, |_| {});
            let e = export_with(&s, Mode::Simplified, format, |o| o.drop_refused = true);
            assert_eq!(e.text, plain.text, "{}", format.as_str());
            assert_eq!(e.items, plain.items);
            let said = e.warnings.last().unwrap();
            assert!(
                said.starts_with(&format!(
                    "--drop-refused has no effect on {}: ",
                    format.as_str()
                )),
                "{said}"
            );
        }
    }

    #[test]
    fn defaults_are_the_plain_export() {
        // No token line, no clock: the warnings of before.
        let s = bundled!("20-backfill-older-than-five-days.json");
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |_| {});
        assert_eq!(
            e.warnings,
            [
                "1 event(s) were already older than 5 days when sent: /track drops them and still answers 1 (G-WINDOW)",
                "the events keep their times (from 2025-12-26T09:00:00Z): /track silently drops any older than 5 days when it receives them (G-WINDOW); to replay old events use curl-import",
            ]
        );
        assert!(!e.text.contains("# token:"));
        assert_eq!(e.items, 5);
    }

    #[test]
    fn token_note_names_the_token_and_says_the_default_is_a_placeholder() {
        let mut s = bundled!("01-signup-one-device.json");
        let placeholder = "token: demo-token — a placeholder: --token TOKEN or $MIXPANEL_TOKEN puts your project's token in";
        for (format, comment) in [
            (Format::CurlTrack, "#"),
            (Format::CurlEngage, "#"),
            (Format::Js, "//"),
            (Format::Python, "#"),
        ] {
            let e = export_with(&s, Mode::Original, format, |o| o.token_note = true);
            let second = e.text.lines().find(|l| !l.starts_with("#!")).and_then(|_| {
                e.text
                    .lines()
                    .skip_while(|l| !l.contains("idscope export:"))
                    .nth(1)
            });
            assert_eq!(second, Some(format!("{comment} {placeholder}").as_str()));
        }
        for format in [Format::CurlImport, Format::Ndjson, Format::Json] {
            let e = export_with(&s, Mode::Original, format, |o| o.token_note = true);
            assert!(!e.text.contains("token: demo-token"), "{}", format.as_str());
        }
        s.token = "0123abc".into();
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.token_note = true
        });
        assert!(e.text.contains("\n# token: 0123abc\n"), "{}", e.text);
        assert!(track_events(&e.text)
            .iter()
            .all(|p| p["properties"]["token"] == "0123abc"));
        assert!(e.warnings.iter().all(|w| !w.contains("token")));

        // A send step's payloads carry their own token: said.
        let mut s = bundled!("20-backfill-older-than-five-days.json");
        s.token = "0123abc".into();
        let e = export_with(&s, Mode::Original, Format::CurlTrack, |o| {
            o.token_note = true
        });
        assert_eq!(
            with_text(&e.warnings, "token"),
            [&"5 payload(s) carry another token than \"0123abc\" (\"demo-token\"): a send step of the scenario wrote it; edit the step to change it".to_string()]
        );
    }

    #[test]
    fn python_imports_os_only_for_merge_credentials() {
        let s = crate::scenario::parse(
            r#"{"name":"m","steps":[
                {"device":"w","identify":"alice"},
                {"send":{"event":"$merge","properties":{"$distinct_ids":["a","b","c"]}},"endpoint":"import"}
            ]}"#,
            "m.json",
        )
        .unwrap();
        let e = export_with(&s, Mode::Original, Format::Python, |_| {});
        assert!(!e.text.contains("import os"), "{}", e.text);
        assert!(e
            .text
            .contains("# $merge skipped: its $distinct_ids names 3 id(s), mp.merge takes two"));
        let s = bundled!("07-second-identifier-email-change.json");
        let e = export_with(&s, Mode::Original, Format::Python, |_| {});
        assert!(e.text.contains("mp.merge(os.environ"));
        assert!(e.text.contains("\nimport os\n"));
    }
}
