//! The `expect` block of a scenario and `idscope check`: asserted outcomes per mode.
//!
//! Shape (our design): `expect.legacy|original|simplified` each hold an [`Outcome`]; extra
//! runs with another playbook or other knobs go in `expect.variants`. Member ids may name a
//! device's generated id as `{device}` (first id) or `{device#n}` (after n resets), so files
//! stay readable and hold under `--random-ids`.

use crate::model::{Knobs, Mode};
use crate::run::{Run, RunConfig};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simplified: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// What a run must end with.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// The final clusters, each as its set of member ids (order does not matter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<Vec<Vec<String>>>,
    /// Every event with a failure or refusal code, by step (order does not matter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
    /// Whether Mixpanel documents this outcome, or it is inferred or observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// One or two sentences on why, shown in the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub step: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Documented,
    Inferred,
    Observed,
}

/// An extra run: another playbook or other knobs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub mode: Mode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playbook: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knobs: Option<Knobs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<Vec<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// The result of checking one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// e.g. `simplified` or `simplified, playbook legacy`.
    pub label: String,
    /// Empty when the run matched.
    pub problems: Vec<String>,
}

impl Expect {
    /// Every (label, config, outcome) this block asserts.
    pub fn cases(&self) -> Vec<(String, RunConfig, Outcome)> {
        let mut out = Vec::new();
        for (mode, o) in [
            (Mode::Legacy, &self.legacy),
            (Mode::Original, &self.original),
            (Mode::Simplified, &self.simplified),
        ] {
            if let Some(o) = o {
                out.push((mode.to_string(), RunConfig::new(mode), o.clone()));
            }
        }
        for v in &self.variants {
            let config = RunConfig {
                mode: v.mode,
                playbook: v.playbook,
                knobs: v.knobs.unwrap_or_default(),
            };
            out.push((
                variant_label(&config),
                config,
                Outcome {
                    clusters: v.clusters.clone(),
                    failures: v.failures.clone(),
                    source: v.source,
                    why: v.why.clone(),
                },
            ));
        }
        out
    }
}

fn variant_label(c: &RunConfig) -> String {
    let mut s = c.mode.to_string();
    if let Some(p) = c.playbook {
        s.push_str(&format!(", playbook {p}"));
    }
    let d = Knobs::default();
    if c.knobs.max_cluster != d.max_cluster {
        s.push_str(&format!(", max-cluster {}", c.knobs.max_cluster));
    }
    if c.knobs.guid_check != d.guid_check {
        s.push_str(&format!(", guid-check {}", c.knobs.guid_check.as_str()));
    }
    if c.knobs.identify_links {
        s.push_str(", identify-links");
    }
    s
}

/// Runs every case of the scenario's `expect` and compares.
pub fn check(scenario: &Scenario) -> Vec<CheckResult> {
    let Some(expect) = &scenario.expect else {
        return Vec::new();
    };
    expect
        .cases()
        .into_iter()
        .map(|(label, config, outcome)| {
            let run = Run::new(scenario, config);
            CheckResult {
                label,
                problems: compare(&run, &outcome),
            }
        })
        .collect()
}

/// Differences between a finished run and an expected outcome, in words.
pub fn compare(run: &Run, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let until = run.steps.len();
    if let Some(expected) = &outcome.clusters {
        let mut want: Vec<Vec<String>> = Vec::new();
        for members in expected {
            let mut set = Vec::new();
            for m in members {
                match substitute(m, &run.device_ids) {
                    Ok(s) => set.push(s),
                    Err(e) => problems.push(e),
                }
            }
            set.sort();
            want.push(set);
        }
        want.sort();
        let mut got: Vec<Vec<String>> =
            run.clusters(until).into_iter().map(|c| c.members).collect();
        got.sort();
        for w in &want {
            if !got.contains(w) {
                problems.push(format!("expected cluster {} is missing", show_set(w)));
            }
        }
        for g in &got {
            if !want.contains(g) {
                problems.push(format!("unexpected cluster {}", show_set(g)));
            }
        }
    }
    if let Some(expected) = &outcome.failures {
        let mut want = expected.clone();
        want.sort();
        let mut got: Vec<Failure> = run
            .events
            .iter()
            .filter_map(|e| {
                e.verdict.reason.map(|r| Failure {
                    step: e.step,
                    reason: r.to_string(),
                })
            })
            .collect();
        got.sort();
        if want != got {
            problems.push(format!(
                "failures differ: expected [{}], got [{}]",
                show_failures(&want),
                show_failures(&got)
            ));
        }
    }
    problems
}

/// Replaces `{device}` / `{device#n}` with that device's id.
pub fn substitute(s: &str, device_ids: &BTreeMap<String, Vec<String>>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..open + close];
        let (name, generation) = match inner.split_once('#') {
            Some((n, g)) => (
                n,
                g.parse::<usize>()
                    .map_err(|_| format!("bad placeholder {{{inner}}}: expected {{device#n}}"))?,
            ),
            None => (inner, 0),
        };
        let id = device_ids
            .get(name)
            .and_then(|ids| ids.get(generation))
            .ok_or_else(|| {
                format!(
                    "placeholder {{{}}} names no device id (devices: {})",
                    crate::text::visible(inner),
                    device_ids
                        .iter()
                        .map(|(n, ids)| format!("{} ×{}", crate::text::visible(n), ids.len()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        out.push_str(id);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn show_set(s: &[String]) -> String {
    let items: Vec<String> = s.iter().map(|m| crate::text::quoted(m)).collect();
    format!("{{{}}}", items.join(", "))
}

fn show_failures(f: &[Failure]) -> String {
    f.iter()
        .map(|f| format!("step {}: {}", f.step, crate::text::visible(&f.reason)))
        .collect::<Vec<_>>()
        .join(", ")
}
