//! Identity-graph view (`i`): for the cluster the selected payload counts for — or every
//! cluster (`a`) — each id a node (kind, device name, id; ★ the canonical id), drawn as a
//! tree from the canonical id along the links that joined them, each link labelled with the
//! step, event and rule that made it. Refused and ignored links follow, dashed, with their
//! failure code, in the order they happened. The same [`Graph`] exports as Mermaid and DOT.

use super::{ids, overlay_block, vis, wrap};
use crate::tui::app::App;
use idscope_core::graph::{self, Edge, EdgeStatus, Graph, Node};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::collections::{HashMap, HashSet};

pub struct GraphView<'a> {
    pub app: &'a App,
    pub scroll: usize,
    pub all: bool,
}

/// The graph the view shows: after the cursor step, in the current mode; focused on the
/// cluster the selected payload counts for unless `all` (or that payload counts for none).
pub fn shown(app: &App, all: bool) -> (Graph, bool) {
    let run = app.run();
    let g = graph::graph_at(run, app.cursor, &app.graph_index());
    if all {
        return (g, true);
    }
    let target = app
        .selected_event()
        .and_then(|e| run.final_id(e, app.cursor).or_else(|| run.ingest_id(e)));
    match target.and_then(|id| graph::cluster_of(&g, id)) {
        Some(c) => (graph::focus(&g, c), false),
        None => (g, true),
    }
}

/// A node as one line's worth: `★ user alice`, `device web $device:0504…144f`.
fn node_spans(app: &App, n: &Node, room: usize) -> Vec<Span<'static>> {
    let t = app.theme;
    let star = if n.canonical { "★ " } else { "" };
    let kind = format!("{star}{} ", n.kind.as_str());
    let id = ids::label(
        app.run(),
        &n.id,
        room.saturating_sub(super::cells::width(&kind)).max(13),
    );
    vec![
        Span::styled(kind, t.label),
        Span::styled(id, if n.canonical { t.title } else { t.identity }),
    ]
}

fn status_style(app: &App, s: EdgeStatus) -> ratatui::style::Style {
    let t = app.theme;
    match s {
        EdgeStatus::Refused(_) => t.effect_bad,
        EdgeStatus::Ignored => t.effect_quiet,
        _ => t.effect_good,
    }
}

/// The view's lines at `width` cells, stopping once `limit` lines are built (a frame needs
/// only the lines up to the bottom of the screen; scrolling asks for all of them).
pub fn lines(app: &App, all: bool, width: usize, limit: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let (g, showing_all) = shown(app, all);
    let mut out = Vec::new();
    let scope = if showing_all {
        format!("{} cluster(s) after step {}", g.clusters.len(), g.step)
    } else {
        format!("the selected payload's cluster after step {}", g.step)
    };
    out.push(Line::styled(
        format!("{scope} · {}", g.mode.title()),
        t.label,
    ));
    out.push(Line::styled(
        "★ canonical  ── joined (merged/linked/aliased)  ╌╌ refused or ignored",
        t.label,
    ));
    out.push(Line::raw(""));
    if g.clusters.is_empty() {
        out.push(Line::styled("no user yet", t.label));
    }
    for c in &g.clusters {
        if out.len() >= limit {
            return out;
        }
        let head = format!(
            "{} · {} event{}",
            ids::label(app.run(), &c.canonical, width.saturating_sub(16).max(13)),
            c.events,
            if c.events == 1 { "" } else { "s" }
        );
        out.push(Line::styled(format!("▌ {head}"), t.title));
        tree(app, &g, c, width, &mut out);
        out.push(Line::raw(""));
    }
    let other: Vec<&Edge> = g.edges.iter().filter(|e| !e.status.joined()).collect();
    if !other.is_empty() {
        out.push(Line::styled("Refused and ignored links, in order", t.title));
        for e in other {
            let from =
                graph::node_of(&g, &e.from).map_or_else(|| vis(&e.from), |n| label_of(app, n));
            let to = graph::node_of(&g, &e.to).map_or_else(|| vis(&e.to), |n| label_of(app, n));
            let mark = match e.status {
                EdgeStatus::Refused(_) => "╌╳╌▶",
                _ => "╌╌╌▶",
            };
            let text = format!("{from} {mark} {to}");
            for (k, l) in wrap(&text, width.saturating_sub(2).max(8))
                .into_iter()
                .enumerate()
            {
                let lead = if k == 0 { "  " } else { "    " };
                out.push(Line::styled(
                    format!("{lead}{l}"),
                    status_style(app, e.status),
                ));
            }
            for l in wrap(&vis(&e.label()), width.saturating_sub(6).max(8)) {
                out.push(Line::styled(format!("      {l}"), t.label));
            }
        }
    }
    out
}

fn label_of(app: &App, n: &Node) -> String {
    let star = if n.canonical { "★ " } else { "" };
    format!("{star}{}", ids::label(app.run(), &n.id, 40))
}

/// One level of the tree walk: the children left to draw, their prefix, and how many there
/// are (to know the last).
type Level<'g> = (std::vec::IntoIter<(&'g Edge, &'g str)>, String, usize);

/// The cluster as a tree from its canonical id along the joining edges (depth first, each
/// node's children in the order their links happened), each child under the link that
/// joined it; ids no joining edge reaches (Legacy's own-events users, links a focus leaves
/// out) are listed after. Iterative, so a long alias chain cannot overflow the stack.
fn tree(app: &App, g: &Graph, c: &graph::GraphCluster, width: usize, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    let inside: HashSet<&str> = c.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut adj: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for e in g.edges.iter().filter(|e| e.status.joined()) {
        if inside.contains(e.from.as_str()) && inside.contains(e.to.as_str()) {
            adj.entry(e.from.as_str()).or_default().push(e);
            adj.entry(e.to.as_str()).or_default().push(e);
        }
    }
    let nodes: HashMap<&str, &Node> = c.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let Some(root) = nodes.get(c.canonical.as_str()).copied() else {
        return;
    };
    out.push(Line::from(node_spans(app, root, width.saturating_sub(2))));
    let mut seen: HashSet<&str> = HashSet::from([root.id.as_str()]);
    // The children of `id` not drawn yet, each once, in the order their links happened.
    fn children<'g>(
        adj: &HashMap<&'g str, Vec<&'g Edge>>,
        id: &str,
        seen: &mut HashSet<&'g str>,
    ) -> Vec<(&'g Edge, &'g str)> {
        let mut kids: Vec<(&'g Edge, &'g str)> = adj
            .get(id)
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    *e,
                    if e.from == id {
                        e.to.as_str()
                    } else {
                        e.from.as_str()
                    },
                )
            })
            .collect();
        kids.sort_by_key(|(e, _)| e.event);
        kids.retain(|(_, other)| seen.insert(other));
        kids
    }
    // A stack of (children left to draw, their prefix), as a depth-first walk.
    let first = children(&adj, root.id.as_str(), &mut seen);
    let mut stack: Vec<Level> = vec![(first.clone().into_iter(), String::new(), first.len())];
    let mut drawn_at: Vec<usize> = vec![0];
    while let Some((iter, prefix, n)) = stack.last_mut() {
        let Some((e, other)) = iter.next() else {
            stack.pop();
            drawn_at.pop();
            continue;
        };
        let k = drawn_at.last().copied().unwrap_or(0);
        if let Some(d) = drawn_at.last_mut() {
            *d += 1;
        }
        let last = k + 1 == *n;
        let parent_is_to = e.to != other;
        let branch = if last { "└─" } else { "├─" };
        let arrow = if parent_is_to { "◀" } else { "▶" };
        let prefix = prefix.clone();
        let Some(child) = nodes.get(other).copied() else {
            continue;
        };
        let lead = format!("{prefix}{branch}{arrow} {} ", e.status.as_str());
        let room = width.saturating_sub(super::cells::width(&lead));
        let mut spans = vec![
            Span::styled(prefix.clone(), t.border),
            Span::styled(format!("{branch}{arrow} "), t.border),
            Span::styled(
                format!("{} ", e.status.as_str()),
                status_style(app, e.status),
            ),
        ];
        spans.extend(node_spans(app, child, room));
        out.push(Line::from(spans));
        let cont = if last { "   " } else { "│  " };
        let indent = format!("{prefix}{cont}   ");
        for l in wrap(
            &vis(&e.label()),
            width.saturating_sub(super::cells::width(&indent)).max(8),
        ) {
            out.push(Line::from(vec![
                Span::styled(indent.clone(), t.border),
                Span::styled(l, t.label),
            ]));
        }
        let kids = children(&adj, other, &mut seen);
        if !kids.is_empty() {
            let count = kids.len();
            stack.push((kids.into_iter(), format!("{prefix}{cont}"), count));
            drawn_at.push(0);
        }
    }
    let rest: Vec<&Node> = c
        .nodes
        .iter()
        .filter(|n| !seen.contains(n.id.as_str()))
        .collect();
    if !rest.is_empty() {
        out.push(Line::styled(
            "  in this cluster, joined by no link shown:",
            t.label,
        ));
        for n in rest {
            let mut spans = vec![Span::raw("  · ")];
            spans.extend(node_spans(app, n, width.saturating_sub(4)));
            out.push(Line::from(spans));
        }
    }
}

impl Widget for &GraphView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let title = format!(
            "Identity graph · step {}/{} · a: {}",
            app.cursor,
            app.total_steps(),
            if self.all {
                "this payload's cluster"
            } else {
                "all clusters"
            }
        );
        let block = overlay_block(title, app.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let limit = self.scroll + inner.height as usize;
        let lines = lines(app, self.all, inner.width as usize, limit);
        super::render_lines(lines, self.scroll, inner, buf);
    }
}
