//! The clusters after the current step, each compared with the step before: what the
//! clusters pane marks `+` (new) or `*` (changed). Part of the explorer's model, kept up to
//! date by `update` so a frame never recomputes clusters.

use crate::tui::app::App;
use idscope_core::model::Mode;
use idscope_core::resolver::Cluster;
use idscope_core::run::Run;
use std::collections::{HashMap, HashSet};

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
    /// The other modes that do not make this same cluster (devices compared by name and
    /// reset count, since each mode's playbook may draw other UUIDs).
    pub elsewhere: Vec<Mode>,
}

/// Ids as every mode can recognise them, numbered: a generated device id becomes its device
/// and reset count (`laptop`, 1), since each mode's playbook may reset at other steps and so
/// draw other UUIDs; every other id stays itself. One numbering for the three runs, so a
/// cluster compares as a sorted list of numbers (no string built per member).
#[derive(Default)]
struct Tokens<'a> {
    numbers: HashMap<Token<'a>, u32>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Token<'a> {
    Device(&'a str, usize),
    Id(&'a str),
}

impl<'a> Tokens<'a> {
    /// One run's bare device id → its (device, reset count).
    fn devices(run: &'a Run) -> HashMap<&'a str, Token<'a>> {
        let mut out = HashMap::new();
        for (name, ids) in &run.device_ids {
            for (k, d) in ids.iter().enumerate() {
                out.insert(d.as_str(), Token::Device(name.as_str(), k));
            }
        }
        out
    }

    /// The cluster as a sorted list of token numbers.
    fn of(&mut self, devices: &HashMap<&'a str, Token<'a>>, c: &'a Cluster) -> Vec<u32> {
        let mut v: Vec<u32> = c
            .members
            .iter()
            .map(|m| {
                let bare = m.strip_prefix("$device:").unwrap_or(m);
                let t = devices.get(bare).copied().unwrap_or(Token::Id(m));
                let next = self.numbers.len() as u32;
                *self.numbers.entry(t).or_insert(next)
            })
            .collect();
        v.sort_unstable();
        v
    }
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
    let other_clusters: Vec<(Mode, &Run, Vec<Cluster>)> = Mode::ALL
        .into_iter()
        .filter(|m| *m != app.mode)
        .map(|m| (m, app.run_for(m), app.run_for(m).clusters(app.cursor)))
        .collect();
    let mut tokens = Tokens::default();
    let others: Vec<(Mode, HashSet<Vec<u32>>)> = other_clusters
        .iter()
        .map(|(m, r, cs)| {
            let devices = Tokens::devices(r);
            (*m, cs.iter().map(|c| tokens.of(&devices, c)).collect())
        })
        .collect();
    let devices = Tokens::devices(run);
    let elsewhere: Vec<Vec<Mode>> = now
        .iter()
        .map(|c| {
            let ours = tokens.of(&devices, c);
            others
                .iter()
                .filter(|(_, cs)| !cs.contains(&ours))
                .map(|(m, _)| *m)
                .collect()
        })
        .collect();
    drop(tokens);
    // The step before's cluster of the same canonical id (the largest, under Legacy).
    let mut prev_of: HashMap<&str, &Cluster> = HashMap::new();
    for p in &before {
        let e = prev_of.entry(p.canonical.as_str()).or_insert(p);
        if p.members.len() >= e.members.len() {
            *e = p;
        }
    }
    let diffed: Vec<Diffed> = now
        .into_iter()
        .zip(elsewhere)
        .map(|(c, elsewhere)| {
            let prev = prev_of.get(c.canonical.as_str()).copied();
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
                elsewhere,
            }
        })
        .collect();
    diffed
}
