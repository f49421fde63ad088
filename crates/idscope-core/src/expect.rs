//! The `expect` block of a scenario: asserted outcomes per mode (the data; [`crate::check`]
//! runs them).
//!
//! Shape (our design): `expect.legacy|original|simplified` each hold an [`Outcome`]; extra
//! runs with another playbook or other knobs go in `expect.variants`. Member ids may name a
//! device's generated id as `{device}` (first id) or `{device#n}` (after n resets), so files
//! stay readable and hold under `--random-ids`.

use crate::model::{Knobs, Mode, RunConfig};
use serde::{Deserialize, Serialize};

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
    if c.knobs.missing_distinct_id != d.missing_distinct_id {
        s.push_str(&format!(
            ", missing-distinct-id {}",
            crate::model::Choice::name(c.knobs.missing_distinct_id)
        ));
    }
    s
}
