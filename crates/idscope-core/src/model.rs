//! Small shared vocabulary: modes, endpoints, effects and the resolver knobs, and the
//! [`Choice`] trait the CLI builds its value lists from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A closed set of named values a user picks from (modes, knobs, formats, shapes). The CLI
/// builds its parsers, possible values and help from [`Choice::ALL`], so no list of names
/// is typed twice.
pub trait Choice: Copy + PartialEq + Send + Sync + 'static {
    /// Every value, in the order help lists them.
    const ALL: &'static [Self];
    /// The name users type.
    fn name(self) -> &'static str;
    /// One line for `--help` (empty: none).
    fn help(self) -> &'static str {
        ""
    }
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == s)
    }
    /// "a, b or c", for messages.
    fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }
}

/// Mixpanel's three identity systems (a project setting; DOCS-OVERVIEW in the rule book).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Legacy,
    Original,
    Simplified,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Legacy, Mode::Original, Mode::Simplified];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Legacy => "legacy",
            Mode::Original => "original",
            Mode::Simplified => "simplified",
        }
    }

    /// The name Mixpanel's settings page uses.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Legacy => "Legacy",
            Mode::Original => "Original ID Merge",
            Mode::Simplified => "Simplified ID Merge",
        }
    }

    /// One word, for compact labels ("Original: merged").
    pub fn short(self) -> &'static str {
        match self {
            Mode::Legacy => "Legacy",
            Mode::Original => "Original",
            Mode::Simplified => "Simplified",
        }
    }

    pub fn next(self) -> Mode {
        match self {
            Mode::Legacy => Mode::Original,
            Mode::Original => Mode::Simplified,
            Mode::Simplified => Mode::Legacy,
        }
    }

    pub fn prev(self) -> Mode {
        self.next().next()
    }
}

impl Choice for Mode {
    const ALL: &'static [Mode] = &Mode::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a payload is sent. The SDK uses `/track` and `/engage`; `send` steps may use `/import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    #[default]
    Track,
    Import,
    Engage,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Track => "track",
            Endpoint::Import => "import",
            Endpoint::Engage => "engage",
        }
    }
}

/// What resolving one payload did to identity (rule book, "What the engine reports").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    None,
    Linked,
    Merged,
    Aliased,
    Failed,
    Ignored,
    Rejected,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::None => "none",
            Effect::Linked => "linked",
            Effect::Merged => "merged",
            Effect::Aliased => "aliased",
            Effect::Failed => "failed",
            Effect::Ignored => "ignored",
            Effect::Rejected => "rejected",
        }
    }
}

/// How `$anon_id` must look for Original's `$identify` (O-ID check 2) **[choice]**.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuidCheck {
    #[default]
    Lenient,
    StrictV4,
    Off,
}

impl GuidCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            GuidCheck::Lenient => "lenient",
            GuidCheck::StrictV4 => "strict-v4",
            GuidCheck::Off => "off",
        }
    }
}

impl Choice for GuidCheck {
    const ALL: &'static [GuidCheck] = &[GuidCheck::Lenient, GuidCheck::StrictV4, GuidCheck::Off];
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// The rule book's knobs: every **[choice]** the user can change. Part of every output header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Knobs {
    /// O-LIMIT: the largest cluster a merge may produce.
    pub max_cluster: u32,
    /// O-ID check 2: what counts as GUID-shaped.
    pub guid_check: GuidCheck,
    /// S-IGNORE: whether the JS `$identify` event links like an ordinary event.
    pub identify_links: bool,
    /// G-MISSING: what `/import` does with an event without `distinct_id`.
    pub missing_distinct_id: MissingDistinctId,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            max_cluster: 500,
            guid_check: GuidCheck::Lenient,
            identify_links: false,
            missing_distinct_id: MissingDistinctId::Reject,
        }
    }
}

/// What `/import` does with an event that has no `distinct_id` (G-MISSING) **[choice]**: the
/// reference and its schema call it required; its newest prose says a hash of the IP is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingDistinctId {
    /// Refused, as strict validation of a required field.
    #[default]
    Reject,
    /// Given a distinct id computed from a hash of the request's IP address.
    IpHash,
}

impl Choice for MissingDistinctId {
    const ALL: &'static [MissingDistinctId] =
        &[MissingDistinctId::Reject, MissingDistinctId::IpHash];
    fn name(self) -> &'static str {
        match self {
            MissingDistinctId::Reject => "reject",
            MissingDistinctId::IpHash => "ip-hash",
        }
    }
    fn help(self) -> &'static str {
        match self {
            MissingDistinctId::Reject => {
                "refused: the reference and its schema require distinct_id"
            }
            MissingDistinctId::IpHash => {
                "a distinct id from a hash of the sender's IP (the newest prose)"
            }
        }
    }
}

/// The knobs as every output's header names them (`"original.max_cluster"`, …).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct KnobsHeader {
    #[serde(rename = "original.max_cluster")]
    pub max_cluster: u32,
    #[serde(rename = "original.guid_check")]
    pub guid_check: &'static str,
    #[serde(rename = "simplified.identify_links")]
    pub identify_links: bool,
    #[serde(rename = "import.missing_distinct_id")]
    pub missing_distinct_id: &'static str,
}

impl Knobs {
    /// The knobs as output headers show them.
    pub fn header(&self) -> KnobsHeader {
        KnobsHeader {
            max_cluster: self.max_cluster,
            guid_check: self.guid_check.as_str(),
            identify_links: self.identify_links,
            missing_distinct_id: self.missing_distinct_id.name(),
        }
    }

    /// Knobs whose value differs from the rule book's default, for labelling results.
    pub fn is_default(&self) -> bool {
        *self == Knobs::default()
    }
}

/// What to run: the project's mode, the playbook the code follows, and the knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    pub mode: Mode,
    /// None: follows the mode.
    pub playbook: Option<Mode>,
    pub knobs: Knobs,
}

impl RunConfig {
    pub fn new(mode: Mode) -> RunConfig {
        RunConfig {
            mode,
            playbook: None,
            knobs: Knobs::default(),
        }
    }

    pub fn playbook(&self) -> Mode {
        self.playbook.unwrap_or(self.mode)
    }
}
