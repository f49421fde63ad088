//! `=`: keep the current outcome of all three modes as the scenario's `expect`, so that
//! `idscope check` pins it from now on.
//!
//! Per mode (legacy, original, simplified) the final `clusters` and every `failures` entry
//! are taken from a run with the rule book's default knobs and the playbook following the
//! mode — what `check` runs for those keys — whatever the explorer shows. A generated
//! device id is written as `{device}` / `{device#n}` (as the bundled scenarios do), a
//! pinned one as it is.
//!
//! `source` is left unset: its three values say where the *evidence* for an outcome comes
//! from (Mixpanel's documentation, an inference from documented rules, field reports),
//! and an outcome copied from idscope's own output is none of them. `why` is left for the
//! user to write. A mode whose kept outcome still holds keeps its `why` and `source`; one
//! whose outcome changed gets the new clusters/failures and loses the `why` and `source`
//! that explained the old one. `variants` are kept, and the ones that no longer hold are
//! brought up to date the same way, so the saved file passes `idscope check`.

use super::edit;
use crate::tui::app::{App, Effect};
use idscope_core::check::{check, compare, substitute};
use idscope_core::expect::{Expect, Outcome};
use idscope_core::model::Mode;
use idscope_core::run::{Run, RunConfig};
use idscope_core::scenario::{Action as StepAction, Scenario};
use idscope_core::sdk::SdkCall;
use std::collections::BTreeSet;

/// The outcome a finished run ends with, as `expect` writes it (no `source`, no `why`).
/// Err when an id cannot be written so that `check` reads it back (it looks like a
/// placeholder).
pub fn observed(scenario: &Scenario, run: &Run) -> Result<Outcome, String> {
    let pinned = pinned_ids(scenario);
    let mut clusters = Vec::new();
    for c in run.clusters(run.steps.len()) {
        let mut members = Vec::new();
        for m in &c.members {
            let written = placeholder(m, run, &pinned);
            if substitute(&written, &run.device_ids).as_deref() != Ok(m.as_str()) {
                return Err(format!(
                    "the id {} reads as a {{device}} placeholder, which expect cannot write",
                    idscope_core::text::quoted(m)
                ));
            }
            members.push(written);
        }
        members.sort();
        clusters.push(members);
    }
    clusters.sort();
    let failures = idscope_core::check::failures(run);
    Ok(Outcome {
        clusters: Some(clusters),
        failures: Some(failures),
        source: None,
        why: None,
    })
}

/// Device ids the scenario writes itself (pinned `device_id`s, pinned resets, ids an older
/// SDK left in storage): kept as they are rather than as placeholders.
fn pinned_ids(s: &Scenario) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for spec in s.devices.values() {
        out.extend(spec.device_id.clone());
        for v in spec.storage.iter().flat_map(|m| m.values()) {
            if let Some(t) = v.as_str() {
                out.insert(t.to_string());
            }
        }
    }
    for step in &s.steps {
        if let StepAction::Sdk(SdkCall::Reset {
            device_id: Some(id),
        }) = &step.action
        {
            out.insert(id.clone());
        }
    }
    out
}

/// `member` with a generated device id in it written as `{device}` / `{device#n}`.
fn placeholder(member: &str, run: &Run, pinned: &BTreeSet<String>) -> String {
    for (name, ids) in &run.device_ids {
        // A name with braces or # cannot be a placeholder (the rename prompt refuses them;
        // a file may still hold one): its ids are written as they are.
        if name.contains(['{', '}', '#']) {
            continue;
        }
        for (n, id) in ids.iter().enumerate() {
            if id.is_empty() || pinned.contains(id) || !member.contains(id.as_str()) {
                continue;
            }
            let ph = if n == 0 {
                format!("{{{name}}}")
            } else {
                format!("{{{name}#{n}}}")
            };
            return member.replace(id.as_str(), &ph);
        }
    }
    member.to_string()
}

/// How a mode's (or variant's) expectation fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// It held: kept as it was.
    Kept,
    /// It held but asserted less (no clusters or no failures): the rest was added.
    Completed,
    /// There was none.
    New,
    /// It no longer held: replaced (its why and source dropped).
    Replaced,
}

/// `old` brought up to `new`: fields that still hold are kept as written, ones that do not
/// are replaced (and then the `why`/`source` that explained them go too).
fn merge(old: Option<&Outcome>, new: &Outcome, run: &Run) -> (Outcome, Fate) {
    let Some(old) = old else {
        return (new.clone(), Fate::New);
    };
    let holds = |o: Outcome| compare(run, &o).is_empty();
    let clusters_hold = old.clusters.as_ref().map(|c| {
        holds(Outcome {
            clusters: Some(c.clone()),
            ..Outcome::default()
        })
    });
    let failures_hold = old.failures.as_ref().map(|f| {
        holds(Outcome {
            failures: Some(f.clone()),
            ..Outcome::default()
        })
    });
    let mut out = old.clone();
    if clusters_hold != Some(true) {
        out.clusters.clone_from(&new.clusters);
    }
    if failures_hold != Some(true) {
        out.failures.clone_from(&new.failures);
    }
    let fate = if clusters_hold == Some(false) || failures_hold == Some(false) {
        out.why = None;
        out.source = None;
        Fate::Replaced
    } else if out != *old {
        Fate::Completed
    } else {
        Fate::Kept
    };
    (out, fate)
}

/// The scenario's `expect` with the outcome kept, and what happened per mode and to the
/// variants (how many were updated).
pub fn kept_expect(scenario: &Scenario) -> Result<(Expect, String), String> {
    let old = scenario.expect.clone().unwrap_or_default();
    let mut expect = old.clone();
    let mut parts = Vec::new();
    for mode in Mode::ALL {
        let run = Run::new(scenario, RunConfig::new(mode));
        let new = observed(scenario, &run)?;
        let slot = match mode {
            Mode::Legacy => &mut expect.legacy,
            Mode::Original => &mut expect.original,
            Mode::Simplified => &mut expect.simplified,
        };
        let (outcome, fate) = merge(slot.as_ref(), &new, &run);
        *slot = Some(outcome);
        parts.push(format!(
            "{mode} {}",
            match fate {
                Fate::Kept => "as before",
                Fate::Completed => "completed",
                Fate::New => "new",
                Fate::Replaced => "changed (its why cleared)",
            }
        ));
    }
    let mut updated = 0;
    for v in &mut expect.variants {
        let config = RunConfig {
            mode: v.mode,
            playbook: v.playbook,
            knobs: v.knobs.unwrap_or_default(),
        };
        let run = Run::new(scenario, config);
        let new = observed(scenario, &run)?;
        let old = Outcome {
            clusters: v.clusters.clone(),
            failures: v.failures.clone(),
            source: v.source,
            why: v.why.clone(),
        };
        let (o, fate) = merge(Some(&old), &new, &run);
        if fate == Fate::Replaced {
            updated += 1;
        }
        v.clusters = o.clusters;
        v.failures = o.failures;
        v.source = o.source;
        v.why = o.why;
    }
    if updated > 0 {
        parts.push(format!("{updated} variant(s) updated"));
    }
    Ok((expect, parts.join(", ")))
}

/// `=`: keeps the outcome as `expect` (one undoable edit).
pub fn keep(app: &mut App) -> Vec<Effect> {
    if app.total_steps() == 0 {
        app.message = Some("no steps yet: no outcome to keep as expect".into());
        return Vec::new();
    }
    let (expect, summary) = match kept_expect(&app.scenario) {
        Ok(x) => x,
        Err(why) => {
            app.message = Some(format!("not kept: {why}"));
            return Vec::new();
        }
    };
    if app.scenario.expect.as_ref() == Some(&expect) {
        app.message = Some("expect already holds this outcome in all three modes".into());
        return Vec::new();
    }
    // What `check` will say of it: it must pass (it always should; never write one that
    // does not).
    let mut candidate = app.scenario.clone();
    candidate.expect = Some(expect.clone());
    if let Some((label, problem)) = check(&candidate)
        .into_iter()
        .find_map(|r| r.problems.first().cloned().map(|p| (r.label, p)))
    {
        app.message = Some(format!("not kept: check would fail ({label}: {problem})"));
        return Vec::new();
    }
    // Said first, so a narrow status bar does not cut it off.
    let shown_differs = app.playbook.is_some() || !app.knobs.is_default();
    let whose = if shown_differs {
        "kept as expect the outcome under the default knobs and playbooks (not the ones shown)"
    } else {
        "kept the outcome as expect"
    };
    let what = format!("{whose}: {summary}; why and source are yours to write");
    let cursor = app.cursor;
    edit(app, &what, None, move |s| {
        s.expect = Some(expect);
        cursor
    });
    Vec::new()
}
