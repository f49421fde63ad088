//! Compare view (`c`): the three modes side by side for the current step — each payload's
//! ingest → final, effect, reason and rule, then the clusters (one order for all three: by
//! first appearance). A value that equals neither other mode's is highlighted and marked
//! `≠`. Text wraps at the column's real width, in display cells.

use super::{cells, ids, overlay_block, vis, wrap};
use crate::tui::app::App;
use idscope_core::model::Mode;
use idscope_core::resolver::Cluster;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

pub struct Compare<'a> {
    pub app: &'a App,
    pub scroll: usize,
}

/// One mode's facts for the step, as comparable strings.
struct Column {
    calls: Vec<String>,
    /// Per payload: [event ref and name, ingest, final, effect, rule].
    payloads: Vec<[String; 5]>,
    /// Clusters ordered by first appearance (their earliest-born id).
    clusters: Vec<Cluster>,
}

fn column(app: &App, mode: Mode, id_cells: usize) -> Column {
    let run = app.run_for(mode);
    let k = app.cursor;
    let step = k.checked_sub(1).and_then(|i| run.steps.get(i));
    let range = step.map_or(0..0, |s| s.events.clone());
    let payloads = range
        .map(|i| {
            let v = &run.events[i].verdict;
            let mut effect = v.effect.as_str().to_string();
            if let Some(r) = v.reason {
                effect.push_str(&format!(" ({r})"));
            }
            [
                format!("{} {}", run.event_ref(i), vis(&run.event_name(i))),
                run.ingest_id(i)
                    .map_or_else(|| "—".into(), |d| ids::label(run, d, id_cells)),
                run.final_id(i, k)
                    .map_or_else(|| "no user".into(), |d| ids::label(run, d, id_cells)),
                effect,
                v.rule.to_string(),
            ]
        })
        .collect();
    let mut clusters = if k == 0 { Vec::new() } else { run.clusters(k) };
    // One order for every column: by first appearance (the earliest-born member id).
    let h = run.resolver().history();
    let born = |c: &Cluster| {
        c.members
            .iter()
            .filter_map(|m| h.lookup(m).map(|id| h.born(id)))
            .min()
            .unwrap_or(u32::MAX)
    };
    clusters.sort_by_cached_key(|c| (born(c), c.canonical.clone()));
    Column {
        calls: step.map(|s| s.calls.clone()).unwrap_or_default(),
        payloads,
        clusters,
    }
}

/// Whether column `which`'s value stands out: it equals neither other column's (so with
/// two alike and one different, only the different one is marked).
fn stands_out<T: PartialEq>(values: [Option<T>; 3], which: usize) -> bool {
    let me = &values[which];
    (0..3).filter(|&o| o != which).all(|o| values[o] != *me)
}

fn lines_for(app: &App, cols: &[Column; 3], which: usize, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let col = &cols[which];
    let style = |d: bool| if d { t.diff } else { Style::new() };
    let mut out = Vec::new();
    let calls_differ = stands_out(cols.each_ref().map(|c| Some(c.calls.join("\n"))), which);
    out.push(Line::styled("SDK calls", t.label));
    if col.calls.is_empty() {
        out.push(Line::styled("  (none)", style(calls_differ)));
    }
    for c in &col.calls {
        for l in wrap(&vis(c), width.saturating_sub(4).max(8)) {
            out.push(Line::styled(
                format!("{}  {l}", if calls_differ { "≠" } else { " " }),
                style(calls_differ),
            ));
        }
    }
    out.push(Line::raw(""));
    for (j, p) in col.payloads.iter().enumerate() {
        const LABELS: [&str; 5] = ["event ", "ingest", "final ", "effect", "rule  "];
        for (f, label) in LABELS.iter().enumerate() {
            let d = stands_out(
                cols.each_ref()
                    .map(|c| c.payloads.get(j).map(|p| p[f].clone())),
                which,
            );
            let mark = if d { "≠" } else { " " };
            let label_style = if f == 0 { t.title } else { t.label };
            let room = width.saturating_sub(8).max(8);
            for (n, l) in wrap(&p[f], room).into_iter().enumerate() {
                let head = if n == 0 {
                    format!("{mark}{label} ")
                } else {
                    " ".repeat(8)
                };
                out.push(Line::from(vec![
                    Span::styled(head, label_style),
                    Span::styled(l, style(d)),
                ]));
            }
        }
        out.push(Line::raw(""));
    }
    if col.payloads.is_empty() {
        out.push(Line::styled("no payload sent", t.label));
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        format!("Clusters after step {}", app.cursor),
        t.label,
    ));
    if col.clusters.is_empty() {
        out.push(Line::styled("  none", t.label));
    }
    let run = app.run_for(Mode::ALL[which]);
    for Cluster {
        canonical: canon,
        members,
        events,
    } in &col.clusters
    {
        let in_all = cols
            .iter()
            .all(|c| c.clusters.iter().any(|o| o.members == *members));
        let mark = if in_all { " " } else { "≠" };
        let tail = format!(" · {events} ev");
        out.push(Line::from(vec![
            Span::styled(mark.to_string(), t.diff),
            Span::styled(
                ids::label(run, canon, width.saturating_sub(1 + cells::width(&tail))),
                style(!in_all),
            ),
            Span::styled(tail, t.label),
        ]));
        for m in members {
            out.push(Line::styled(
                format!("    {}", ids::label(run, m, width.saturating_sub(4))),
                style(!in_all),
            ));
        }
    }
    let mode = Mode::ALL[which];
    let why = app.scenario.expect.as_ref().and_then(|e| match mode {
        Mode::Legacy => e.legacy.as_ref(),
        Mode::Original => e.original.as_ref(),
        Mode::Simplified => e.simplified.as_ref(),
    });
    if let Some(why) = why
        .and_then(|o| o.why.as_deref())
        .filter(|_| app.knobs.is_default())
    {
        out.push(Line::raw(""));
        out.push(Line::styled("The scenario's note on the outcome", t.label));
        for l in wrap(&vis(why), width.saturating_sub(2).max(8)) {
            out.push(Line::styled(format!("  {l}"), t.note));
        }
    }
    out
}

/// The width of one column's text at a body `width` (the three thirds, less the divider and
/// the left margin), so wrapping and rendering agree.
fn text_width(body: Rect, which: usize) -> usize {
    let areas: [Rect; 3] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(body);
    let w = areas[which].width as usize;
    // A right border on the first two, one cell of margin on the left.
    w.saturating_sub(usize::from(which < 2)).saturating_sub(1)
}

/// The body the columns share: the overlay's inside.
fn body(app: &App) -> Rect {
    crate::tui::layout::inner(app.areas().body)
}

fn columns(app: &App) -> [Column; 3] {
    let id_cells = text_width(body(app), 0).saturating_sub(8).max(13);
    Mode::ALL.map(|m| column(app, m, id_cells))
}

/// Lines of the tallest column (for scrolling).
pub fn len(app: &App) -> usize {
    let cols = columns(app);
    (0..3)
        .map(|i| lines_for(app, &cols, i, text_width(body(app), i)).len())
        .max()
        .unwrap_or(0)
}

impl Widget for &Compare<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = app.theme;
        let title = format!(
            "Compare modes · step {}/{} · ≠ differs from the other modes",
            app.cursor,
            app.total_steps()
        );
        let block = overlay_block(title, t);
        let inner = block.inner(area);
        block.render(area, buf);
        let cols = columns(app);
        let areas: [Rect; 3] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(inner);
        for (i, (mode, r)) in Mode::ALL.into_iter().zip(areas).enumerate() {
            let active = mode == app.mode;
            let head = format!(" {}{} ", mode.title(), if active { " (shown)" } else { "" });
            let b = Block::default()
                .borders(if i < 2 { Borders::RIGHT } else { Borders::NONE })
                .border_style(t.border)
                .title(Span::styled(
                    head,
                    if active { t.tab_active } else { t.title },
                ));
            let ci = b.inner(r);
            b.render(r, buf);
            let text = Rect {
                x: ci.x + 1,
                width: ci.width.saturating_sub(1),
                ..ci
            };
            let lines = lines_for(app, &cols, i, text.width as usize);
            super::render_lines(lines, self.scroll, text, buf);
        }
    }
}
