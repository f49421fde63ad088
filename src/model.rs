//! Small shared vocabulary: modes, endpoints, effects and the resolver knobs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Mixpanel's three identity systems (a project setting; research §1.11).
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

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
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

    pub fn parse(s: &str) -> Option<GuidCheck> {
        [GuidCheck::Lenient, GuidCheck::StrictV4, GuidCheck::Off]
            .into_iter()
            .find(|g| g.as_str() == s)
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
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            max_cluster: 500,
            guid_check: GuidCheck::Lenient,
            identify_links: false,
        }
    }
}

impl Knobs {
    /// Knobs whose value differs from the rule book's default, for labelling results.
    pub fn is_default(&self) -> bool {
        *self == Knobs::default()
    }
}
