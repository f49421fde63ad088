//! Payloads pane: the wire payloads the current step sent, pretty JSON with identity fields
//! emphasised, each followed by the resolver's verdict and a plain-English explanation.
//! The payload whose block is at the top of the pane is the selected one (Enter opens it).

use super::{json, pane_block, vis, wrap};
use crate::model::Endpoint;
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Payloads<'a> {
    pub app: &'a App,
    pub focused: bool,
}

/// The verdict lines under a payload: ingest → final, effect/reason/rule, explanation.
pub fn verdict_lines(app: &App, event: usize, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let run = app.run();
    let Some(e) = run.events.get(event) else {
        return Vec::new();
    };
    let v = &e.verdict;
    let ingest = run.ingest_id(event);
    let fin = run.final_id(event, app.cursor);
    let mut out = Vec::new();
    let mut ids = vec![Span::styled("  ingest ", t.label)];
    ids.push(match ingest {
        Some(i) => Span::styled(vis(i), t.identity),
        None => Span::styled("—", t.dim),
    });
    ids.push(Span::styled(" → final ", t.label));
    ids.push(match fin {
        Some(f) => Span::styled(vis(f), t.identity),
        None => Span::styled("no user", t.dim),
    });
    out.push(Line::from(ids));
    let mut eff = vec![
        Span::styled("  effect ", t.label),
        Span::styled(v.effect.as_str(), t.effect(v.effect)),
    ];
    if let Some(r) = v.reason {
        eff.push(Span::styled(" · reason ", t.label));
        eff.push(Span::styled(r, t.effect_bad));
    }
    if let Some(w) = v.warning {
        eff.push(Span::styled(" · warning ", t.label));
        eff.push(Span::styled(w, t.message));
    }
    eff.push(Span::styled(" · rule ", t.label));
    eff.push(Span::styled(v.rule, t.key));
    out.push(Line::from(eff));
    let text = vis(&crate::explain::verdict(run, event, app.cursor));
    for l in wrap(&format!("↳ {text}"), width.saturating_sub(2).max(8)) {
        out.push(Line::from(Span::styled(format!("  {l}"), t.note)));
    }
    out
}

/// All lines of the pane and where each payload block starts: (line, event index). The
/// selected payload's header is drawn in the selection style when `focused`.
pub fn build(app: &App, width: usize, focused: bool) -> (Vec<Line<'static>>, Vec<(usize, usize)>) {
    let t = app.theme;
    let run = app.run();
    let range = app.step_events();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut starts = Vec::new();
    if app.cursor == 0 {
        lines.push(Line::raw("(no step yet)"));
        return (lines, starts);
    }
    if range.is_empty() {
        if let Some(step) = run.steps.get(app.cursor - 1) {
            lines.push(Line::styled(
                format!("step {} sent nothing", app.cursor),
                t.label,
            ));
            for c in &step.calls {
                lines.push(Line::styled(format!("  {}", vis(c)), t.hint));
            }
            for n in &step.sdk_notes {
                lines.push(Line::styled(format!("  ! {}", vis(n)), t.effect_bad));
            }
        }
        return (lines, starts);
    }
    let count = range.len();
    for (k, event) in range.clone().enumerate() {
        starts.push((lines.len(), event));
        let e = &run.events[event];
        let name = match e.payload.endpoint {
            Endpoint::Engage => "(profile update)".to_string(),
            _ => vis(&run.event_name(event)),
        };
        let head = format!(
            "#{event} POST /{}  {name}  ({}/{count})",
            e.payload.endpoint.as_str(),
            k + 1
        );
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(head, t.title),
        ]));
        lines.extend(json::lines(&e.payload.body, t, 1));
        lines.extend(verdict_lines(app, event, width));
        lines.push(Line::raw(""));
    }
    let top = app.scroll[1];
    let selected = starts
        .iter()
        .rev()
        .find(|(s, _)| *s <= top)
        .or(starts.first());
    if let Some(&(line, _)) = selected {
        let l = &mut lines[line];
        l.spans[0].content = "▶ ".into();
        if focused {
            for s in l.spans.iter_mut() {
                s.style = t.selection;
            }
            *l = std::mem::take(l).style(t.selection);
        }
    }
    (lines, starts)
}

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    build(app, width, true).0
}

/// Where each payload block starts: (line, event index).
pub fn block_starts(app: &App, width: usize) -> Vec<(usize, usize)> {
    build(app, width, true).1
}

impl Widget for &Payloads<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let n = app.step_events().len();
        let title = if app.cursor == 0 {
            "Payloads".to_string()
        } else {
            format!(
                "Payloads · step {} · {n} sent · {}",
                app.cursor,
                app.mode.title()
            )
        };
        let block = pane_block(title, self.focused, app.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let (lines, _) = build(app, inner.width as usize, self.focused);
        super::render_lines(lines, app.scroll[1], inner, buf);
    }
}
