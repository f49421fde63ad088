//! The identity graph of a run after a step: the clusters as groups of id nodes, and one
//! edge per identity event that joined two ids or tried to (refused, ignored). The Mermaid
//! and Graphviz exports render it, and the explorer draws the same [`Graph`], so the model
//! holds everything a picture needs and nothing about any one picture.
//!
//! Ids come from untrusted files: [`mermaid`] and [`dot`] escape every label, and a caller
//! drawing a [`Graph`] on a terminal must pass ids and labels through
//! [`crate::text::visible`].

use crate::model::{Effect, Endpoint, Mode};
use crate::resolver::Incoming;
use crate::rules::RuleId;
use crate::run::{IdKind, Run};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// The identity graph after step `step`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// The scenario's name, for titles and the exports' header.
    pub scenario: String,
    pub mode: Mode,
    /// The mode the tracking code was written for.
    pub playbook: Mode,
    /// The graph as it stands after this step (1-based; 0 = before any step).
    pub step: usize,
    /// Exactly the run's clusters after `step` ([`Run::clusters`]), ordered by their first
    /// node's appearance.
    pub clusters: Vec<GraphCluster>,
    /// Edge endpoints in none of `clusters`, drawn outside every group: ids only a refused
    /// or ignored verb named (the alias of a refused `$create_alias`, the second id of a
    /// `$merge` sent to `/track`), and in a [`focus`]ed graph the other clusters' ids its
    /// edges reach. In order of first appearance in `edges`.
    pub loose: Vec<Node>,
    /// One per identity event of steps `1..=step` that joined two ids or tried to, in event
    /// order.
    pub edges: Vec<Edge>,
}

/// One cluster: the ids Mixpanel counts as one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphCluster {
    pub canonical: String,
    /// Sorted by first appearance: the first event stored under the id or joining it (ties
    /// by id).
    pub nodes: Vec<Node>,
    /// Events attributed to the cluster.
    pub events: u64,
}

/// One id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub kind: IdKind,
    /// The scenario's name for the device the id is ([`Run::device_name`]).
    pub device: Option<String>,
    /// The id is its cluster's canonical id.
    pub canonical: bool,
}

/// One identity event between two ids. The direction is the verb's: `$identify` anon →
/// identified, `$create_alias` alias → distinct_id, `$merge` first → second id, an S-LINK
/// `$device:` id → user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The step that sent the event (1-based).
    pub step: usize,
    /// The event's index in [`Run::events`].
    pub event: usize,
    /// How views name the event: `N.k` ([`Run::event_ref`]).
    pub event_ref: String,
    pub event_name: String,
    /// The rule that decided.
    pub rule: RuleId,
    pub status: EdgeStatus,
}

/// What the event did to the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeStatus {
    /// Merged two clusters (O-ID, O-ALIAS, O-MERGE).
    Merged,
    /// Linked a device to a user (S-LINK).
    Linked,
    /// Pointed an alias at an id (L-ALIAS).
    Aliased,
    /// A guardrail refused the join; the failure code.
    Refused(&'static str),
    /// The verb has no identity effect here (S-IGNORE, L-IGNORE, O-MERGE on `/track`).
    Ignored,
}

impl EdgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeStatus::Merged => "merged",
            EdgeStatus::Linked => "linked",
            EdgeStatus::Aliased => "aliased",
            EdgeStatus::Refused(_) => "refused",
            EdgeStatus::Ignored => "ignored",
        }
    }

    /// Whether the ids are now one cluster (or, under Legacy, one alias tree).
    pub fn joined(self) -> bool {
        matches!(
            self,
            EdgeStatus::Merged | EdgeStatus::Linked | EdgeStatus::Aliased
        )
    }
}

impl Edge {
    /// `step 3 · 3.2 $identify · O-ID`, then `· errAnonDistinctIdAssignedAlready` when
    /// refused or `· ignored`: one text for every rendering, so they agree. Raw: the event
    /// name comes from the payload.
    pub fn label(&self) -> String {
        let mut s = format!(
            "step {} · {} {} · {}",
            self.step, self.event_ref, self.event_name, self.rule
        );
        match self.status {
            EdgeStatus::Refused(code) => {
                s.push_str(" · ");
                s.push_str(code);
            }
            EdgeStatus::Ignored => s.push_str(" · ignored"),
            _ => {}
        }
        s
    }
}

/// What [`graph`] reads from every event of a run, whatever the step: the edges and each
/// id's first appearance. A viewer stepping through a long run builds it once and asks
/// [`graph_at`] for each step.
#[derive(Debug, Clone, Default)]
pub struct EdgeIndex {
    /// Every edge of the run, in event order.
    edges: Vec<Edge>,
    /// First appearance of each id: the first event stored under it or joining it.
    first: HashMap<String, usize>,
}

impl EdgeIndex {
    pub fn new(run: &Run) -> EdgeIndex {
        let mut edges = Vec::new();
        let mut first: HashMap<String, usize> = HashMap::new();
        for i in 0..run.events.len() {
            if run.events[i].verdict.counts {
                if let Some(id) = run.ingest_id(i) {
                    first.entry(id.to_string()).or_insert(i);
                }
            }
            if let Some(e) = edge(run, i) {
                first.entry(e.from.clone()).or_insert(i);
                first.entry(e.to.clone()).or_insert(i);
                edges.push(e);
            }
        }
        EdgeIndex { edges, first }
    }
}

/// The graph after step `until` (clamped to the last step): every cluster, and the edges of
/// every event up to the end of that step.
pub fn graph(run: &Run, until: usize) -> Graph {
    graph_at(run, until, &EdgeIndex::new(run))
}

/// [`graph`] from an [`EdgeIndex`] of the same run.
pub fn graph_at(run: &Run, until: usize, index: &EdgeIndex) -> Graph {
    let until = until.min(run.steps.len());
    let n = run.events_until(until);
    let edges: Vec<Edge> = index.edges[..index.edges.partition_point(|e| e.event < n)].to_vec();
    let first = &index.first;
    let appear = |id: &str| first.get(id).copied().unwrap_or(usize::MAX);
    let mut clusters: Vec<GraphCluster> = run
        .clusters(until)
        .into_iter()
        .map(|c| {
            let mut nodes: Vec<Node> = c
                .members
                .iter()
                .map(|m| node(run, m, *m == c.canonical))
                .collect();
            nodes.sort_by(|a, b| appear(&a.id).cmp(&appear(&b.id)).then(a.id.cmp(&b.id)));
            GraphCluster {
                canonical: c.canonical,
                nodes,
                events: c.events,
            }
        })
        .collect();
    let lead = |c: &GraphCluster| c.nodes.first().map_or(usize::MAX, |n| appear(&n.id));
    clusters.sort_by(|a, b| {
        lead(a)
            .cmp(&lead(b))
            .then_with(|| a.canonical.cmp(&b.canonical))
            .then_with(|| b.nodes.len().cmp(&a.nodes.len()))
    });
    let members: HashSet<&str> = clusters
        .iter()
        .flat_map(|c| c.nodes.iter().map(|n| n.id.as_str()))
        .collect();
    let mut loose: Vec<Node> = Vec::new();
    for e in &edges {
        for id in [&e.from, &e.to] {
            if !members.contains(id.as_str()) && !loose.iter().any(|n| n.id == *id) {
                loose.push(node(run, id, false));
            }
        }
    }
    Graph {
        scenario: run.scenario.clone(),
        mode: run.mode(),
        playbook: run.config.playbook(),
        step: until,
        clusters,
        loose,
        edges,
    }
}

fn node(run: &Run, id: &str, canonical: bool) -> Node {
    Node {
        id: id.to_string(),
        kind: run.id_kind(id),
        device: run.device_name(id).map(str::to_string),
        canonical,
    }
}

/// The edge event `i` makes, if it joined two ids or tried to: the pair the rule that
/// decided reads from the payload, as the resolvers read it (`Incoming`).
fn edge(run: &Run, i: usize) -> Option<Edge> {
    let e = &run.events[i];
    if e.payload.endpoint == Endpoint::Engage {
        return None;
    }
    let v = &e.verdict;
    let status = match v.effect {
        Effect::Merged => EdgeStatus::Merged,
        Effect::Linked => EdgeStatus::Linked,
        Effect::Aliased => EdgeStatus::Aliased,
        Effect::Failed => EdgeStatus::Refused(v.reason.unwrap_or("failed")),
        Effect::Ignored => EdgeStatus::Ignored,
        Effect::None | Effect::Rejected => return None,
    };
    let inc = Incoming::from_value(i as u32, e.payload.endpoint, &e.payload.body);
    let (from, to) = match v.rule {
        RuleId::SLink => link_pair(&inc),
        RuleId::OId => identify_pair(&inc),
        RuleId::OAlias | RuleId::LAlias => alias_pair(&inc),
        RuleId::OMerge => merge_pair(&inc),
        // Ignored verbs: the pair the verb names.
        RuleId::SIgnore | RuleId::LIgnore => match &*inc.event {
            "$identify" => identify_pair(&inc),
            "$create_alias" => alias_pair(&inc),
            "$merge" => merge_pair(&inc),
            _ => None,
        },
        _ => None,
    }?;
    Some(Edge {
        from,
        to,
        step: e.step,
        event: i,
        event_ref: run.event_ref(i),
        event_name: run.event_name(i),
        rule: v.rule,
        status,
    })
}

/// S-LINK: `$device:` + `$device_id` (one `$device:` prefix stripped, as S-DID does) →
/// `$user_id`.
fn link_pair(inc: &Incoming) -> Option<(String, String)> {
    let d = inc.device_id.as_deref()?;
    let d = d.strip_prefix("$device:").unwrap_or(d);
    if d.is_empty() {
        return None;
    }
    Some((format!("$device:{d}"), inc.user_id.as_deref()?.to_string()))
}

/// O-ID: A = `$anon_id` else `$anon_distinct_id` → I = `$identified_id` else `distinct_id`.
fn identify_pair(inc: &Incoming) -> Option<(String, String)> {
    let a = inc.anon_id.as_deref().or(inc.anon_distinct_id.as_deref())?;
    let i = inc
        .identified_id
        .as_deref()
        .or(inc.distinct_id.as_deref())?;
    Some((a.to_string(), i.to_string()))
}

/// O-ALIAS, L-ALIAS: alias → distinct_id.
fn alias_pair(inc: &Incoming) -> Option<(String, String)> {
    Some((
        inc.alias.as_deref()?.to_string(),
        inc.distinct_id.as_deref()?.to_string(),
    ))
}

/// O-MERGE: `$distinct_ids[0]` → `[1]` (exactly two ids, or no pair).
fn merge_pair(inc: &Incoming) -> Option<(String, String)> {
    let [a, b] = inc.merge_ids.as_ref()?;
    Some((a.to_string(), b.to_string()))
}

/// The index of the cluster holding `id`. Under Legacy an id can sit in two clusters (its
/// root's, as an alias, and its own, for the events stored before the alias: L-USERS): the
/// larger one wins, then the first, so edges attach where the alias is.
pub fn cluster_of(g: &Graph, id: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, c) in g.clusters.iter().enumerate() {
        if c.nodes.iter().any(|n| n.id == id) && best.is_none_or(|(_, len)| c.nodes.len() > len) {
            best = Some((i, c.nodes.len()));
        }
    }
    best.map(|(i, _)| i)
}

/// The node for `id`, in its cluster ([`cluster_of`]) or among the loose ones.
pub fn node_of<'g>(g: &'g Graph, id: &str) -> Option<&'g Node> {
    match cluster_of(g, id) {
        Some(c) => g.clusters[c].nodes.iter().find(|n| n.id == id),
        None => g.loose.iter().find(|n| n.id == id),
    }
}

/// Only cluster `cluster` and the edges touching its ids; their other ends (ids of other
/// clusters, or in none) become loose nodes. An index past the end gives an empty graph.
pub fn focus(g: &Graph, cluster: usize) -> Graph {
    let mut out = Graph {
        clusters: Vec::new(),
        loose: Vec::new(),
        edges: Vec::new(),
        ..g.clone_header()
    };
    let Some(c) = g.clusters.get(cluster) else {
        return out;
    };
    let ids: HashSet<&str> = c.nodes.iter().map(|n| n.id.as_str()).collect();
    for e in &g.edges {
        if !ids.contains(e.from.as_str()) && !ids.contains(e.to.as_str()) {
            continue;
        }
        for id in [&e.from, &e.to] {
            if !ids.contains(id.as_str()) && !out.loose.iter().any(|n| n.id == *id) {
                out.loose
                    .push(node_of(g, id).cloned().unwrap_or_else(|| Node {
                        id: id.clone(),
                        kind: IdKind::Id,
                        device: None,
                        canonical: false,
                    }));
            }
        }
        out.edges.push(e.clone());
    }
    out.clusters.push(c.clone());
    out
}

impl Graph {
    /// Everything but the clusters, nodes and edges.
    fn clone_header(&self) -> Graph {
        Graph {
            scenario: self.scenario.clone(),
            mode: self.mode,
            playbook: self.playbook,
            step: self.step,
            clusters: Vec::new(),
            loose: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// Number of nodes drawn (cluster members and loose ids).
    pub fn node_count(&self) -> usize {
        self.clusters.iter().map(|c| c.nodes.len()).sum::<usize>() + self.loose.len()
    }

    /// One line naming the scenario, mode, playbook and step (raw: the name is untrusted).
    fn title(&self) -> String {
        format!(
            "idscope identity graph: {} — {} mode, playbook {}, after step {}",
            self.scenario, self.mode, self.playbook, self.step
        )
    }
}

/// Node names (`n0`, `n1`, …) for the renderings: safe identifiers in both languages,
/// whatever the ids are.
struct Layout<'g> {
    /// Per cluster, its nodes' names.
    clusters: Vec<Vec<(String, &'g Node)>>,
    /// Loose nodes, and endpoints no node stands for (a hand-built graph), outside any group.
    outside: Vec<(String, Node)>,
    /// (from, to, edge) by node name.
    edges: Vec<(String, String, &'g Edge)>,
}

fn layout(g: &Graph) -> Layout<'_> {
    let mut next = 0usize;
    let mut name = || {
        let s = format!("n{next}");
        next += 1;
        s
    };
    // id → (node name, size of the cluster it is in; 0 outside): edges attach where
    // `cluster_of` says.
    let mut by_id: HashMap<&str, (String, usize)> = HashMap::new();
    let mut clusters = Vec::with_capacity(g.clusters.len());
    for c in &g.clusters {
        let mut named = Vec::with_capacity(c.nodes.len());
        for n in &c.nodes {
            let k = name();
            let better = by_id
                .get(n.id.as_str())
                .is_none_or(|(_, len)| c.nodes.len() > *len);
            if better {
                by_id.insert(&n.id, (k.clone(), c.nodes.len()));
            }
            named.push((k, n));
        }
        clusters.push(named);
    }
    let mut outside: Vec<(String, Node)> = Vec::new();
    for n in &g.loose {
        if !by_id.contains_key(n.id.as_str()) {
            let k = name();
            by_id.insert(&n.id, (k.clone(), 0));
            outside.push((k, n.clone()));
        }
    }
    let mut edges = Vec::with_capacity(g.edges.len());
    for e in &g.edges {
        let mut end = |id: &str| -> String {
            if let Some((k, _)) = by_id.get(id) {
                return k.clone();
            }
            if let Some((k, _)) = outside.iter().find(|(_, n)| n.id == id) {
                return k.clone();
            }
            let k = name();
            outside.push((
                k.clone(),
                Node {
                    id: id.to_string(),
                    kind: IdKind::Id,
                    device: None,
                    canonical: false,
                },
            ));
            k
        };
        let from = end(&e.from);
        let to = end(&e.to);
        edges.push((from, to, e));
    }
    Layout {
        clusters,
        outside,
        edges,
    }
}

/// The lines of a node's label: kind (and device name), the full id, the canonical mark.
fn node_lines(n: &Node) -> [Option<String>; 3] {
    let kind = match &n.device {
        Some(d) => format!("{} · {d}", n.kind.as_str()),
        None => n.kind.as_str().to_string(),
    };
    [
        Some(kind),
        Some(n.id.clone()),
        n.canonical.then(|| "★ canonical".to_string()),
    ]
}

fn cluster_title(c: &GraphCluster) -> String {
    format!(
        "{} · {} event{}",
        c.canonical,
        c.events,
        if c.events == 1 { "" } else { "s" }
    )
}

/// A Mermaid `flowchart LR`: one `subgraph` per cluster (titled with its canonical id),
/// loose ids outside them, solid arrows for joins and dashed ones for refused (red) and
/// ignored (grey) verbs. Every label is quoted and escaped ([`mermaid_text`]); a self
/// loop (`errSameIDs`) is drawn as one.
pub fn mermaid(g: &Graph) -> String {
    let l = layout(g);
    let mut s = String::new();
    let _ = writeln!(s, "%% {}", mermaid_comment(&g.title()));
    s.push_str("flowchart LR\n");
    let shape = |n: &Node, label: &str| -> String {
        match n.kind {
            IdKind::Device => format!("[\"{label}\"]"),
            IdKind::User => format!("([\"{label}\"])"),
            IdKind::Alias => format!(">\"{label}\"]"),
            IdKind::Synthetic => format!("{{{{\"{label}\"}}}}"),
            IdKind::Id => format!("(\"{label}\")"),
        }
    };
    let label = |n: &Node| -> String {
        node_lines(n)
            .iter()
            .flatten()
            .map(|t| mermaid_text(t))
            .collect::<Vec<_>>()
            .join("<br/>")
    };
    for (i, (c, nodes)) in g.clusters.iter().zip(&l.clusters).enumerate() {
        let _ = writeln!(
            s,
            "    subgraph c{i} [\"{}\"]",
            mermaid_text(&cluster_title(c))
        );
        for (k, n) in nodes {
            let _ = writeln!(s, "        {k}{}", shape(n, &label(n)));
        }
        s.push_str("    end\n");
    }
    for (k, n) in &l.outside {
        let _ = writeln!(s, "    {k}{}", shape(n, &label(n)));
    }
    let mut refused = Vec::new();
    let mut ignored = Vec::new();
    for (i, (from, to, e)) in l.edges.iter().enumerate() {
        let arrow = if e.status.joined() { "-->" } else { "-.->" };
        let _ = writeln!(
            s,
            "    {from} {arrow}|\"{}\"| {to}",
            mermaid_text(&e.label())
        );
        match e.status {
            EdgeStatus::Refused(_) => refused.push(i.to_string()),
            EdgeStatus::Ignored => ignored.push(i.to_string()),
            _ => {}
        }
    }
    let canonical: Vec<&str> = l
        .clusters
        .iter()
        .flatten()
        .filter(|(_, n)| n.canonical)
        .map(|(k, _)| k.as_str())
        .collect();
    if !canonical.is_empty() {
        s.push_str("    classDef canonical stroke-width:3px\n");
        let _ = writeln!(s, "    class {} canonical", canonical.join(","));
    }
    if !l.outside.is_empty() {
        s.push_str("    classDef loose stroke-dasharray:4 3\n");
        let keys: Vec<&str> = l.outside.iter().map(|(k, _)| k.as_str()).collect();
        let _ = writeln!(s, "    class {} loose", keys.join(","));
    }
    if !refused.is_empty() {
        let _ = writeln!(
            s,
            "    linkStyle {} stroke:red,color:red",
            refused.join(",")
        );
    }
    if !ignored.is_empty() {
        let _ = writeln!(
            s,
            "    linkStyle {} stroke:gray,color:gray",
            ignored.join(",")
        );
    }
    s
}

/// Text for inside a quoted Mermaid label: control and bidi characters as visible escapes
/// ([`crate::text::visible`]), and `"`, `<`, `>`, `&`, `#` and `%` as Mermaid entity codes
/// (`#quot;`, `#lt;`, …), so nothing can end the quotes, become HTML, or form a `%%`
/// comment or directive.
pub fn mermaid_text(s: &str) -> String {
    let v = crate::text::visible(s);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '%' => out.push_str("#37;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for a `%%` comment line: visible escapes, and no `%%` (Mermaid reads `%%{…}%%` as
/// a directive anywhere).
fn mermaid_comment(s: &str) -> String {
    let mut out = String::new();
    for c in crate::text::visible(s).chars() {
        if c == '%' && out.ends_with('%') {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A Graphviz `digraph`: one `subgraph cluster_N` per cluster, node shapes by kind (device
/// box, user ellipse, alias note, synthetic diamond, plain id plaintext), the canonical id
/// with a double border, loose ids dashed and grey outside every cluster, refused edges dashed red
/// and ignored ones dotted grey. Strings are escaped by [`dot_string`].
pub fn dot(g: &Graph) -> String {
    let l = layout(g);
    let mut s = String::new();
    let _ = writeln!(s, "// {}", crate::text::visible(&g.title()));
    s.push_str("digraph identity {\n");
    s.push_str("    rankdir=LR;\n");
    s.push_str("    graph [fontname=\"Helvetica\", fontsize=11];\n");
    s.push_str("    node [fontname=\"Helvetica\", fontsize=10];\n");
    s.push_str("    edge [fontname=\"Helvetica\", fontsize=9];\n");
    let node = |k: &str, n: &Node, loose: bool| -> String {
        let shape = match n.kind {
            IdKind::Device => "box",
            IdKind::User => "ellipse",
            IdKind::Alias => "note",
            IdKind::Synthetic => "diamond",
            IdKind::Id => "plaintext",
        };
        let label = node_lines(n)
            .iter()
            .flatten()
            .map(|t| dot_escape(t))
            .collect::<Vec<_>>()
            .join("\\n");
        let mut attrs = format!("label=\"{label}\", shape={shape}");
        if n.canonical {
            attrs.push_str(", peripheries=2");
        }
        if loose {
            // Grey as well as dashed: a plaintext node has no border to dash.
            attrs.push_str(", style=dashed, color=gray, fontcolor=gray");
        }
        format!("{k} [{attrs}];")
    };
    for (i, (c, nodes)) in g.clusters.iter().zip(&l.clusters).enumerate() {
        let _ = writeln!(s, "    subgraph cluster_{i} {{");
        let _ = writeln!(s, "        label={};", dot_string(&cluster_title(c)));
        s.push_str("        style=rounded;\n");
        for (k, n) in nodes {
            let _ = writeln!(s, "        {}", node(k, n, false));
        }
        s.push_str("    }\n");
    }
    for (k, n) in &l.outside {
        let _ = writeln!(s, "    {}", node(k, n, true));
    }
    for (from, to, e) in &l.edges {
        let style = match e.status {
            EdgeStatus::Refused(_) => ", style=dashed, color=red, fontcolor=red",
            EdgeStatus::Ignored => ", style=dotted, color=gray, fontcolor=gray",
            _ => "",
        };
        let _ = writeln!(
            s,
            "    {from} -> {to} [label={}{style}];",
            dot_string(&e.label())
        );
    }
    s.push_str("}\n");
    s
}

/// A DOT double-quoted string: control and bidi characters as visible escapes, then `\`,
/// `"` and `&` escaped, so no text reads as a DOT escape (`\N`, `\l`), ends the string, or
/// shows as another character (Graphviz decodes `&lt;` and the like in every label).
pub fn dot_string(s: &str) -> String {
    format!("\"{}\"", dot_escape(s))
}

fn dot_escape(s: &str) -> String {
    let v = crate::text::visible(s);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;
    use crate::run::RunConfig;

    fn run(mode: Mode, json: &str) -> Run {
        let s = crate::scenario::parse(json, "t.json").expect("valid scenario");
        Run::new(&s, RunConfig::new(mode))
    }

    const DEV: &str = "$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11";

    /// Signup, a server `$identify` of bob on alice's device (refused under Original), and
    /// a `$merge` through `/track`.
    const SHARED: &str = r#"{"name": "Shared", "devices": {"web": {"device_id": "7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11"}},
      "steps": [
        {"device": "web", "visit": "Home"},
        {"device": "web", "signup": "alice"},
        {"send": {"event": "$identify", "properties": {"$identified_id": "bob", "$anon_id": "$device:7b4c2f0e-1f7a-4c55-9d1e-2a8e4b6c0d11"}}},
        {"send": {"event": "$merge", "properties": {"$distinct_ids": ["alice", "carol"]}}}
      ]}"#;

    #[test]
    fn o_id_merge_edge_goes_from_the_anon_id_to_the_identified_id() {
        let r = run(Mode::Original, SHARED);
        let g = graph(&r, 2);
        assert_eq!(g.edges.len(), 1, "{g:#?}");
        let e = &g.edges[0];
        assert_eq!((e.from.as_str(), e.to.as_str()), (DEV, "alice"));
        assert_eq!(e.status, EdgeStatus::Merged);
        assert_eq!(e.rule, RuleId::OId);
        // Step 2 flushes the queued referrer $set_once first, then $identify.
        assert_eq!(e.event_ref, "2.2");
        assert_eq!(e.label(), "step 2 · 2.2 $identify · O-ID");
        assert_eq!(g.clusters.len(), 1);
        assert!(g.loose.is_empty());
    }

    #[test]
    fn refused_edge_carries_its_code_and_ignored_merge_names_its_pair() {
        let r = run(Mode::Original, SHARED);
        let g = graph(&r, 4);
        let refused = &g.edges[1];
        assert_eq!((refused.from.as_str(), refused.to.as_str()), (DEV, "bob"));
        assert_eq!(
            refused.status,
            EdgeStatus::Refused("errAnonDistinctIdAssignedAlready")
        );
        assert_eq!(
            refused.label(),
            "step 3 · 3.1 $identify · O-ID · errAnonDistinctIdAssignedAlready"
        );
        let ignored = &g.edges[2];
        assert_eq!(
            (ignored.from.as_str(), ignored.to.as_str()),
            ("alice", "carol")
        );
        assert_eq!(ignored.status, EdgeStatus::Ignored);
        assert_eq!(ignored.rule, RuleId::OMerge);
        assert_eq!(ignored.label(), "step 4 · 4.1 $merge · O-MERGE · ignored");
        // carol is in no cluster: a loose node.
        assert_eq!(g.loose.len(), 1);
        assert_eq!(g.loose[0].id, "carol");
        assert_eq!(cluster_of(&g, "carol"), None);
        assert_eq!(cluster_of(&g, "bob"), Some(1));
    }

    #[test]
    fn s_link_edge_goes_from_the_device_to_the_user_and_verbs_are_ignored() {
        let r = run(Mode::Simplified, SHARED);
        let g = graph(&r, 4);
        let kinds: Vec<(&str, &str, EdgeStatus, RuleId)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.status, e.rule))
            .collect();
        assert_eq!(
            kinds,
            [
                // The SDK's $identify, ignored (S-IGNORE), then Sign Up links.
                (DEV, "alice", EdgeStatus::Ignored, RuleId::SIgnore),
                (DEV, "alice", EdgeStatus::Linked, RuleId::SLink),
                (DEV, "bob", EdgeStatus::Ignored, RuleId::SIgnore),
                ("alice", "carol", EdgeStatus::Ignored, RuleId::SIgnore),
            ]
        );
        assert_eq!(g.edges[1].label(), "step 2 · 2.3 Sign Up · S-LINK");
        let alice = &g.clusters[cluster_of(&g, "alice").unwrap()];
        assert_eq!(alice.canonical, "alice");
        let dev = alice.nodes.iter().find(|n| n.id == DEV).unwrap();
        assert_eq!(dev.kind, IdKind::Device);
        assert_eq!(dev.device.as_deref(), Some("web"));
    }

    #[test]
    fn s_link_refusal_and_device_prefix_stripped_once() {
        let r = run(
            Mode::Simplified,
            r#"{"name": "raw", "steps": [
              {"send": {"event": "A", "properties": {"$device_id": "$device:d1", "$user_id": "u1"}}},
              {"send": {"event": "B", "properties": {"$device_id": "d1", "$user_id": "u2"}}}
            ]}"#,
        );
        let g = graph(&r, 2);
        assert_eq!(g.edges[0].from, "$device:d1");
        assert_eq!(g.edges[0].status, EdgeStatus::Linked);
        assert_eq!(g.edges[1].from, "$device:d1");
        assert_eq!(g.edges[1].to, "u2");
        assert_eq!(
            g.edges[1].status,
            EdgeStatus::Refused("errAnonDistinctIdAssignedAlready")
        );
    }

    #[test]
    fn nodes_and_clusters_follow_first_appearance() {
        let r = run(
            Mode::Original,
            r#"{"name": "order", "steps": [
              {"send": {"event": "x", "properties": {"distinct_id": "zed"}}},
              {"send": {"event": "x", "properties": {"distinct_id": "bea"}}},
              {"send": {"event": "$create_alias", "properties": {"alias": "amy", "distinct_id": "bea"}}},
              {"send": {"event": "x", "properties": {"distinct_id": "abe"}}}
            ]}"#,
        );
        let g = graph(&r, 4);
        let order: Vec<Vec<&str>> = g
            .clusters
            .iter()
            .map(|c| c.nodes.iter().map(|n| n.id.as_str()).collect())
            .collect();
        // Not alphabetical: zed came first, then bea (then its alias amy), then abe.
        assert_eq!(order, [vec!["zed"], vec!["bea", "amy"], vec!["abe"]]);
        assert!(g.clusters[1].nodes[0].canonical);
        assert_eq!(g.clusters[1].nodes[1].kind, IdKind::Alias);
        // The clusters are exactly the run's.
        let mut ours: Vec<(String, Vec<String>, u64)> = g
            .clusters
            .iter()
            .map(|c| {
                let mut m: Vec<String> = c.nodes.iter().map(|n| n.id.clone()).collect();
                m.sort();
                (c.canonical.clone(), m, c.events)
            })
            .collect();
        ours.sort();
        let mut theirs: Vec<(String, Vec<String>, u64)> = r
            .clusters(4)
            .into_iter()
            .map(|c| (c.canonical, c.members, c.events))
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn focus_keeps_one_cluster_and_the_edges_touching_it() {
        let r = run(Mode::Original, SHARED);
        let g = graph(&r, 4);
        assert_eq!(g.clusters.len(), 2);
        let bob = cluster_of(&g, "bob").unwrap();
        let f = focus(&g, bob);
        assert_eq!(f.clusters.len(), 1);
        assert_eq!(f.clusters[0].canonical, "bob");
        // Only the refused $identify touches bob; its other end is alice's device, drawn
        // outside (loose), keeping its kind and canonical mark.
        assert_eq!(f.edges.len(), 1);
        assert_eq!(f.edges[0].to, "bob");
        assert_eq!(f.loose.len(), 1);
        assert_eq!(f.loose[0].id, DEV);
        assert_eq!(f.loose[0].kind, IdKind::Device);
        let alice = focus(&g, cluster_of(&g, "alice").unwrap());
        assert_eq!(
            alice.edges.len(),
            3,
            "merge, refusal from its device, ignored merge"
        );
        assert_eq!(
            alice
                .loose
                .iter()
                .map(|n| n.id.as_str())
                .collect::<Vec<_>>(),
            ["bob", "carol"]
        );
        let none = focus(&g, 99);
        assert!(none.clusters.is_empty() && none.edges.is_empty() && none.loose.is_empty());
        assert!(mermaid(&none).contains("flowchart LR"));
    }

    #[test]
    fn legacy_alias_edges_and_failures() {
        let r = run(
            Mode::Legacy,
            r#"{"name": "legacy", "steps": [
              {"send": {"event": "x", "properties": {"distinct_id": "a"}}},
              {"send": {"event": "$create_alias", "properties": {"alias": "a", "distinct_id": "u"}}},
              {"send": {"event": "$create_alias", "properties": {"alias": "a", "distinct_id": "v"}}},
              {"send": {"event": "$create_alias", "properties": {"alias": "w", "distinct_id": "w"}}},
              {"send": {"event": "$identify", "properties": {"distinct_id": "u", "$anon_distinct_id": "a"}}}
            ]}"#,
        );
        let g = graph(&r, 5);
        let got: Vec<(&str, &str, EdgeStatus)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.status))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "u", EdgeStatus::Aliased),
                ("a", "v", EdgeStatus::Refused("errAliasAlreadyExists")),
                // A self loop: kept in the model and drawn as one.
                ("w", "w", EdgeStatus::Refused("errAliasCycle")),
                ("a", "u", EdgeStatus::Ignored),
            ]
        );
        // L-USERS: `a` is in u's cluster (alias) and its own (events before the alias);
        // edges attach to the larger.
        let u = cluster_of(&g, "u").unwrap();
        assert_eq!(cluster_of(&g, "a"), Some(u));
        let m = mermaid(&g);
        let d = dot(&g);
        assert!(m.contains("-.->|"), "{m}");
        assert!(d.contains("errAliasCycle"), "{d}");
    }

    #[test]
    fn renderings_are_deterministic_and_escape_ids() {
        let hostile = "x\"y\\z\n<script>\u{1b}[31m]|-->%%{init}%%#quot;&";
        let json = format!(
            r#"{{"name": "evil \"name\"\n%%{{init}}%%", "steps": [
              {{"send": {{"event": "$identify", "properties": {{"$anon_id": {}, "distinct_id": "bob"}}}}}}
            ]}}"#,
            serde_json::to_string(hostile).unwrap()
        );
        let r = run(Mode::Original, &json);
        let g = graph(&r, 1);
        assert_eq!(g, graph(&r, 1));
        assert_eq!(
            g.edges[0].status,
            EdgeStatus::Refused("errAnonDistinctIdNonGUIDForm")
        );
        let m = mermaid(&g);
        assert_eq!(m, mermaid(&graph(&r, 1)));
        assert!(!m.chars().any(|c| c.is_control() && c != '\n'), "{m}");
        assert!(!m.contains("<script") && !m.contains("%%{"), "{m}");
        assert!(m.contains("x#quot;y\\z\\x0a#lt;script#gt;\\x1b[31m]|--#gt;#37;#37;{init}#37;#37;#35;quot;#amp;"), "{m}");
        let d = dot(&g);
        assert!(!d.chars().any(|c| c.is_control() && c != '\n'), "{d}");
        assert!(
            d.contains(r#"x\"y\\z\\x0a<script>\\x1b[31m]|-->%%{init}%%#quot;&amp;"#),
            "{d}"
        );
        assert_eq!(d, dot(&graph(&r, 1)));
        assert_eq!(mermaid_comment("a%%%{b"), "a% % %{b");
    }

    #[test]
    fn step_zero_and_past_the_end() {
        let r = run(Mode::Original, SHARED);
        let g = graph(&r, 0);
        assert_eq!(g.step, 0);
        assert!(g.clusters.is_empty() && g.edges.is_empty());
        assert_eq!(graph(&r, 99), graph(&r, 4));
    }
}
