//! Payloads pane: the wire payloads the current step sent, pretty JSON with identity fields
//! emphasised, each followed by the resolver's verdict and a plain-English explanation.
//! The payload whose block is at the top of the pane is the selected one (Enter opens it).

use super::{ids, json, pane_block, vis, wrap};
use crate::tui::app::App;
use idscope_core::model::Endpoint;
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
    let id_room = width.saturating_sub(11).max(13);
    let ingest_span = match ingest {
        Some(i) => Span::styled(ids::label(run, i, id_room), t.identity),
        None => Span::styled("—", t.dim),
    };
    let final_span = match fin {
        Some(f) => Span::styled(ids::label(run, f, id_room), t.identity),
        None => Span::styled("no user", t.dim),
    };
    if ingest.is_some() && ingest == fin {
        if 24 + ingest_span.width() <= width {
            out.push(Line::from(vec![
                Span::styled("  ingest ", t.label),
                ingest_span,
                Span::styled(" → final (same)", t.label),
            ]));
        } else {
            out.push(Line::from(vec![
                Span::styled("  ingest ", t.label),
                ingest_span,
            ]));
            out.push(Line::styled("   → final (same)", t.label));
        }
    } else if 18 + ingest_span.width() + final_span.width() <= width {
        out.push(Line::from(vec![
            Span::styled("  ingest ", t.label),
            ingest_span,
            Span::styled(" → final ", t.label),
            final_span,
        ]));
    } else {
        out.push(Line::from(vec![
            Span::styled("  ingest ", t.label),
            ingest_span,
        ]));
        out.push(Line::from(vec![
            Span::styled("   → final ", t.label),
            final_span,
        ]));
    }
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
    let rule = [
        Span::styled(" · rule ", t.label),
        Span::styled(v.rule.as_str(), t.key),
    ];
    let eff_w: usize = eff.iter().map(Span::width).sum();
    if eff_w + 8 + v.rule.as_str().len() <= width {
        eff.extend(rule);
        out.push(Line::from(eff));
    } else {
        out.extend(super::hard_wrap(Line::from(eff), width, 4));
        out.push(Line::from(vec![
            Span::styled("  rule ", t.label),
            Span::styled(v.rule.as_str(), t.key),
        ]));
    }
    if let Some(text) = elsewhere(app, event) {
        for l in wrap(&format!("≠ {text}"), width.saturating_sub(2).max(8)) {
            out.push(Line::from(Span::styled(format!("  {l}"), t.diff)));
        }
    }
    if let Some(c) = idscope_core::explain::choice(run, event) {
        let text = format!("[choice] {}", vis(&c));
        for l in wrap(&text, width.saturating_sub(2).max(8)) {
            out.push(Line::from(Span::styled(format!("  {l}"), t.message)));
        }
    }
    let text = vis(&idscope_core::explain::verdict(run, event, app.cursor));
    for l in wrap(&format!("↳ {text}"), width.saturating_sub(2).max(8)) {
        out.push(Line::from(Span::styled(format!("  {l}"), t.note)));
    }
    out
}

/// How the other modes decide the same payload when it is not the same way: the step's
/// `k`-th payload in their runs, when it is the same event ("Original: merged · Legacy:
/// none"). Their playbooks may send other calls; then there is nothing to compare.
pub fn elsewhere(app: &App, event: usize) -> Option<String> {
    let run = app.run();
    let e = run.events.get(event)?;
    let k = event - run.steps.get(e.step - 1)?.events.start;
    let name = run.event_name(event);
    let decided = |r: &idscope_core::run::Run, i: usize| {
        let v = &r.events[i].verdict;
        match v.reason {
            Some(reason) => format!("{} {reason}", v.effect.as_str()),
            None => v.effect.as_str().to_string(),
        }
    };
    let ours = decided(run, event);
    let others: Vec<String> = idscope_core::model::Mode::ALL
        .into_iter()
        .filter(|m| *m != app.mode)
        .filter_map(|m| {
            let r = app.run_for(m);
            let i = r.steps.get(e.step - 1)?.events.start + k;
            (i < r.steps[e.step - 1].events.end && r.event_name(i) == name)
                .then(|| decided(r, i))
                .filter(|d| *d != ours)
                .map(|d| format!("{}: {d}", m.short()))
        })
        .collect();
    (!others.is_empty()).then(|| others.join(" · "))
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
                for (k, l) in wrap(&vis(n), width.saturating_sub(4).max(8))
                    .into_iter()
                    .enumerate()
                {
                    let lead = if k == 0 { "  ! " } else { "    " };
                    lines.push(Line::styled(format!("{lead}{l}"), t.effect_bad));
                }
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
            "{} POST /{}  {name}  ({}/{count})",
            run.event_ref(event),
            e.payload.endpoint.as_str(),
            k + 1
        );
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(head, t.title),
        ]));
        // The answer first (who it counts for, what it did, why), then the payload: on a
        // short terminal the verdict must not need scrolling.
        lines.extend(verdict_lines(app, event, width));
        // What the SDK adds by itself is folded here; Enter and `y` show it all.
        let fold = idscope_core::sdk::mixpanel_js::AUTOMATIC;
        for l in json::lines_folding(&e.payload.body, t, 1, fold) {
            lines.extend(super::hard_wrap(l, width, 8));
        }
        lines.push(Line::raw(""));
    }
    let top = app.scroll[1];
    let height = crate::tui::layout::inner(app.areas().payloads).height as usize;
    let selected = crate::tui::layout::select_payload(&starts, top, height);
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
