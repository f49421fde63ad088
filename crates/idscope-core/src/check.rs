//! `idscope check`: runs every case of a scenario's `expect` block and says, in words, how
//! the outcome differs.

use crate::expect::{Failure, Outcome};
use crate::model::RunConfig;
use crate::run::Run;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// The result of checking one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// e.g. `simplified` or `simplified, playbook legacy`.
    pub label: String,
    /// Empty when the run matched.
    pub problems: Vec<String>,
}

/// Runs every case of the scenario's `expect` and compares.
pub fn check(scenario: &Scenario) -> Vec<CheckResult> {
    check_with(scenario, |_| {})
}

/// As [`check`], with each case's configuration adjusted first (`check --max-cluster 4`:
/// the command line's knobs over every run, variants included).
pub fn check_with(scenario: &Scenario, adjust: impl Fn(&mut RunConfig)) -> Vec<CheckResult> {
    let Some(expect) = &scenario.expect else {
        return Vec::new();
    };
    expect
        .cases()
        .into_iter()
        .map(|(label, mut config, outcome)| {
            adjust(&mut config);
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
        let got = failures(run);
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
/// Every event's failure code with its step, sorted: what `expect.failures` lists.
pub fn failures(run: &Run) -> Vec<Failure> {
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
    got
}

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
