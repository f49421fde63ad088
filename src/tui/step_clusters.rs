//! The clusters after the current step, each compared with the step before: what the
//! clusters pane marks `+` (new) or `*` (changed). Part of the explorer's model, kept up to
//! date by `update` so a frame never recomputes clusters.

use crate::tui::app::App;
use idscope_core::resolver::Cluster;

/// How a cluster compares with the step before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    New,
    Changed,
}

/// One cluster after the current step, compared with the step before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diffed {
    pub cluster: Cluster,
    pub change: Change,
    /// Its event count after the step before (None: a new cluster).
    pub events_before: Option<u64>,
    /// Per member: whether this step added it.
    pub new_members: Vec<bool>,
}

/// Clusters after the current step, each compared with the step before (recomputed when
/// the step, mode or playbook changes).
pub fn diff(app: &App) -> Vec<Diffed> {
    let run = app.run();
    if app.cursor == 0 {
        return Vec::new();
    }
    let now = run.clusters(app.cursor);
    let before = run.clusters(app.cursor - 1);
    now.into_iter()
        .map(|c| {
            let prev = before
                .iter()
                .filter(|p| p.canonical == c.canonical)
                .max_by_key(|p| p.members.len());
            let new_members: Vec<bool> = c
                .members
                .iter()
                .map(|m| prev.is_none_or(|p| p.members.binary_search(m).is_err()))
                .collect();
            let (change, events_before) = match prev {
                None => (Change::New, None),
                Some(p) if p.members != c.members || p.events != c.events => {
                    (Change::Changed, Some(p.events))
                }
                Some(p) => (Change::Same, Some(p.events)),
            };
            Diffed {
                cluster: c,
                change,
                events_before,
                new_members,
            }
        })
        .collect()
}
