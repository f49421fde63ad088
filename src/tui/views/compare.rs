//! Compare view (`c`): the three modes side by side for the current step — each payload's
//! ingest → final, effect, reason and rule, then the clusters. A value that is not the same
//! in all three modes is highlighted (and marked `≠`).

use super::{fit, overlay_block, vis};
use crate::tui::app::App;
use idscope_core::model::Mode;
use idscope_core::resolver::Cluster;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

pub struct Compare<'a> {
    pub app: &'a App,
    pub scroll: usize,
}

/// One mode's facts for the step, as comparable strings.
struct Column {
    calls: Vec<String>,
    /// Per payload: [event, ingest, final, effect, rule].
    payloads: Vec<[String; 5]>,
    /// Clusters as (canonical, sorted members, events).
    clusters: Vec<Cluster>,
}

fn column(app: &App, mode: Mode) -> Column {
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
                run.event_name(i),
                run.ingest_id(i).unwrap_or("—").to_string(),
                run.final_id(i, k).unwrap_or("no user").to_string(),
                effect,
                v.rule.to_string(),
            ]
        })
        .collect();
    let clusters = if k == 0 { Vec::new() } else { run.clusters(k) };
    Column {
        calls: step.map(|s| s.calls.clone()).unwrap_or_default(),
        payloads,
        clusters,
    }
}

fn lines_for(app: &App, cols: &[Column; 3], which: usize, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let col = &cols[which];
    let differs = |f: &dyn Fn(&Column) -> Option<String>| {
        let a = f(&cols[0]);
        !(a == f(&cols[1]) && a == f(&cols[2]))
    };
    let style = |d: bool| if d { t.diff } else { Style::new() };
    let w = width.saturating_sub(2);
    let mut out = Vec::new();
    let calls_differ = differs(&|c: &Column| Some(c.calls.join("\n")));
    out.push(Line::styled("SDK calls", t.label));
    if col.calls.is_empty() {
        out.push(Line::styled("  (none)", style(calls_differ)));
    }
    for c in &col.calls {
        out.push(Line::styled(
            format!("  {}", fit(&vis(c), w)),
            style(calls_differ),
        ));
    }
    out.push(Line::raw(""));
    for (j, p) in col.payloads.iter().enumerate() {
        const LABELS: [&str; 5] = ["event ", "ingest", "final ", "effect", "rule  "];
        for (f, label) in LABELS.iter().enumerate() {
            let d = differs(&|c: &Column| c.payloads.get(j).map(|p| p[f].clone()));
            let mark = if d { "≠" } else { " " };
            let value = if f == 0 {
                format!("#{} {}", j + 1, p[0])
            } else {
                p[f].clone()
            };
            let label_style = if f == 0 { t.title } else { t.label };
            out.push(Line::from(vec![
                Span::styled(format!("{mark}{label} "), label_style),
                Span::styled(fit(&vis(&value), w.saturating_sub(8)), style(d)),
            ]));
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
        out.push(Line::from(vec![
            Span::styled(mark.to_string(), t.diff),
            Span::styled(fit(&vis(canon), w.saturating_sub(12)), style(!in_all)),
            Span::styled(format!(" · {events} ev"), t.label),
        ]));
        for m in members {
            out.push(Line::styled(
                format!("    {}", fit(&vis(m), w.saturating_sub(4))),
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
        for l in super::wrap(&vis(why), w.max(8)) {
            out.push(Line::styled(format!("  {l}"), t.note));
        }
    }
    out
}

/// Lines of the tallest column (for scrolling).
pub fn len(app: &App) -> usize {
    let cols = Mode::ALL.map(|m| column(app, m));
    (0..3)
        .map(|i| lines_for(app, &cols, i, 40).len())
        .max()
        .unwrap_or(0)
}

impl Widget for &Compare<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = app.theme;
        let title = format!(
            "Compare modes · step {}/{} · ≠ differs between modes",
            app.cursor,
            app.total_steps()
        );
        let block = overlay_block(title, t);
        let inner = block.inner(area);
        block.render(area, buf);
        let cols = Mode::ALL.map(|m| column(app, m));
        let areas: [Rect; 3] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(inner);
        for (i, (mode, r)) in Mode::ALL.into_iter().zip(areas).enumerate() {
            let active = mode == app.mode;
            let head = format!(
                " {}{} ",
                mode.title(),
                match (active, app.playbook) {
                    (true, _) => " (shown)".to_string(),
                    (false, None) => String::new(),
                    (false, Some(_)) => String::new(),
                }
            );
            let b = Block::default()
                .borders(if i < 2 { Borders::RIGHT } else { Borders::NONE })
                .border_style(t.border)
                .title(Span::styled(
                    head,
                    if active { t.tab_active } else { t.title },
                ));
            let ci = b.inner(r);
            b.render(r, buf);
            let lines: Vec<Line> = lines_for(app, &cols, i, ci.width as usize)
                .into_iter()
                .skip(self.scroll)
                .collect();
            Paragraph::new(lines).render(
                Rect {
                    x: ci.x + 1,
                    width: ci.width.saturating_sub(1),
                    ..ci
                },
                buf,
            );
        }
    }
}
