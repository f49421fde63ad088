//! The summary pane of the export view: what `idscope resolve` reports (events, users,
//! effects, failures by code with their meaning in this mode, cluster sizes, suspects), as
//! lines a person selects to filter the users list. Built once per mode, when the mode's
//! resolution arrives, from [`Stream::summary`](idscope_core::stream::Stream::summary).

use idscope_core::export_index::{Resolution, Suspect};
use idscope_core::model::{Effect, Mode};
pub use idscope_core::text::thousands;

/// Which users the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    /// Users with an event of this effect.
    Effect(Effect),
    /// Users with an event that failed (or was refused) with this code.
    Failure(&'static str),
    Suspect(Suspect),
    /// Users of this many ids (inclusive bounds).
    Size(u64, u64),
}

impl Filter {
    /// Whether user `u` of `r` passes.
    pub fn keeps(self, r: &Resolution, u: usize) -> bool {
        match self {
            Filter::All => true,
            Filter::Effect(e) => r.marks(u).has_effect(e),
            Filter::Failure(code) => r.has_failure(u, code),
            Filter::Suspect(s) => r.marks(u).is(s),
            Filter::Size(lo, hi) => {
                let n = r.users.get(u).map_or(0, |c| c.members.len() as u64);
                (lo..=hi).contains(&n)
            }
        }
    }

    /// Whether the no-user bucket (events stored under no id) belongs in the list too: it
    /// has an event this filter asks for.
    pub fn keeps_no_user(self, r: &Resolution) -> bool {
        let any = |f: &dyn Fn(&idscope_core::resolver::Verdict) -> bool| {
            r.no_user()
                .iter()
                .any(|&e| r.verdict(e as usize).is_some_and(|v| f(&v)))
        };
        match self {
            Filter::All => !r.no_user().is_empty(),
            Filter::Suspect(Suspect::Junk) => {
                any(&|v| v.reason == Some(idscope_core::resolver::reason::INVALID_DISTINCT_ID))
            }
            Filter::Effect(e) => any(&|v| v.effect == e),
            Filter::Failure(code) => any(&|v| v.reason == Some(code)),
            Filter::Suspect(_) | Filter::Size(..) => false,
        }
    }

    /// How the list's title names it.
    pub fn label(self) -> String {
        match self {
            Filter::All => "all users".into(),
            Filter::Effect(e) => format!("with {} events", e.as_str()),
            Filter::Failure(code) => format!("with {code}"),
            Filter::Suspect(Suspect::Phantom) => "suspected phantom users".into(),
            Filter::Suspect(Suspect::Junk) => "holding junk ids".into(),
            Filter::Suspect(Suspect::AtLimit) => "at the cluster limit".into(),
            Filter::Size(lo, hi) if lo == hi => format!("of {lo} id(s)"),
            Filter::Size(lo, u64::MAX) => format!("of {lo}+ ids"),
            Filter::Size(lo, hi) => format!("of {lo}-{hi} ids"),
        }
    }
}

/// What a summary line does when chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A heading or a plain figure.
    Nothing,
    Filter(Filter),
    /// Open the events stored under no id.
    NoUser,
}

/// One line of the summary pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Indent level: 0 heading or figure, 1 an entry under a heading.
    pub depth: u8,
    pub label: String,
    /// The figure right of the label ("" for a heading).
    pub count: String,
    /// A bar for the histogram, in eighths of the widest (0–64).
    pub bar: u8,
    pub pick: Pick,
    /// A code's meaning in this mode, shown under the selected line and in the detail.
    pub meaning: Option<&'static str>,
}

fn item(depth: u8, label: impl Into<String>, count: u64, pick: Pick) -> Item {
    Item {
        depth,
        label: label.into(),
        count: thousands(count),
        bar: 0,
        pick,
        meaning: None,
    }
}

fn heading(label: &str) -> Item {
    Item {
        depth: 0,
        label: label.to_string(),
        count: String::new(),
        bar: 0,
        pick: Pick::Nothing,
        meaning: None,
    }
}

/// The summary lines for a resolution.
pub fn build(r: &Resolution) -> Vec<Item> {
    let s = r.stream.summary(10);
    let mode = r.mode();
    let mut out = vec![
        item(0, "events", s.events, Pick::Nothing),
        item(
            0,
            "users (all)",
            s.clusters as u64,
            Pick::Filter(Filter::All),
        ),
        item(0, "distinct ids", s.distinct_ids as u64, Pick::Nothing),
    ];
    if s.malformed_lines > 0 {
        out.push(item(0, "malformed lines", s.malformed_lines, Pick::Nothing));
    }
    if !r.no_user().is_empty() {
        let mut it = item(
            0,
            "no user (stored under no id)",
            r.no_user().len() as u64,
            Pick::NoUser,
        );
        it.meaning = Some(
            "events refused before identity resolution: they count for no user; Enter lists them",
        );
        out.push(it);
    }
    out.push(heading("effects (events)"));
    for (e, n) in &s.effects {
        let mut it = item(1, e.as_str(), *n, Pick::Filter(Filter::Effect(*e)));
        if *e == Effect::None {
            it.pick = Pick::Nothing;
        }
        out.push(it);
    }
    if !s.failures.is_empty() {
        out.push(heading("failures by code (events)"));
        for (code, n) in &s.failures {
            let mut it = item(1, *code, *n, Pick::Filter(Filter::Failure(code)));
            it.meaning = Some(idscope_core::failures::meaning(code, mode));
            out.push(it);
        }
    }
    out.push(heading("cluster sizes (users)"));
    let widest = s
        .cluster_size_histogram
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(1)
        .max(1);
    for (label, n) in &s.cluster_size_histogram {
        let (lo, hi) = bucket_bounds(label);
        let ids = if *label == "1" { "id" } else { "ids" };
        let mut it = item(
            1,
            format!("{label} {ids}"),
            *n,
            Pick::Filter(Filter::Size(lo, hi)),
        );
        it.bar = ((*n * 64).div_ceil(widest)).min(64) as u8;
        out.push(it);
    }
    out.push(heading("suspects"));
    let mut phantom = item(
        1,
        "phantom users",
        s.suspects.phantom_users.count as u64,
        Pick::Filter(Filter::Suspect(Suspect::Phantom)),
    );
    phantom.meaning = Some(s.suspects.phantom_users.why);
    out.push(phantom);
    let mut junk = item(
        1,
        "junk ids",
        s.suspects.junk_ids.len() as u64,
        Pick::Filter(Filter::Suspect(Suspect::Junk)),
    );
    junk.meaning =
        Some("placeholder ids such as \"undefined\" or \"null\" sent as an id (G-INVALID)");
    out.push(junk);
    if mode == Mode::Original {
        let limit = r.stream.knobs().max_cluster;
        let at = (0..r.users.len())
            .filter(|&u| r.marks(u).is(Suspect::AtLimit))
            .count();
        let mut it = item(
            1,
            format!("at the {limit}-id limit"),
            at as u64,
            Pick::Filter(Filter::Suspect(Suspect::AtLimit)),
        );
        it.meaning = Some(
            "clusters that can take no more ids: further merges fail with errManyIDs (O-LIMIT)",
        );
        out.push(it);
    }
    out
}

/// A histogram label's bounds: "1" → (1, 1), "3-5" → (3, 5), "501+" → (501, max).
fn bucket_bounds(label: &str) -> (u64, u64) {
    if let Some(lo) = label.strip_suffix('+') {
        return (lo.parse().unwrap_or(0), u64::MAX);
    }
    match label.split_once('-') {
        Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(u64::MAX)),
        None => {
            let n = label.parse().unwrap_or(0);
            (n, n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_labels_become_bounds() {
        assert_eq!(bucket_bounds("1"), (1, 1));
        assert_eq!(bucket_bounds("3-5"), (3, 5));
        assert_eq!(bucket_bounds("501+"), (501, u64::MAX));
    }
}
