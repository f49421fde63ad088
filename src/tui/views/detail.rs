//! Payload detail (Enter): the verdict in full, then the rule that decided it, quoted from the
//! rule book with its section (which names its sources), and the playbook rule for
//! intents.

use super::{json, vis};
use crate::tui::app::App;
use idscope_core::rules::RuleId;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Detail<'a> {
    pub app: &'a App,
    pub event: usize,
    pub scroll: usize,
}

fn rule_lines(app: &App, id: RuleId, out: &mut Vec<Line<'static>>) {
    let t = app.theme;
    match id.rule() {
        Some(rule) => {
            out.push(Line::from(vec![
                Span::styled(format!("Rule {}", rule.id), t.key),
                Span::styled(" — rule book (docs/identity-rules.md) § ", t.label),
                Span::styled(rule.section.to_string(), t.title),
            ]));
            let text = rule.text.replace("**", "");
            let cells: Vec<&str> = text
                .split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if text.starts_with('|') && cells.len() == 4 {
                // A playbook table row: intent | Legacy | Original | Simplified.
                out.push(Line::raw(format!("  {}", cells[0])));
                for (mode, cell) in idscope_core::model::Mode::ALL.iter().zip(&cells[1..]) {
                    out.push(Line::from(vec![
                        Span::styled(format!("    {:<22}", format!("{mode} playbook:")), t.label),
                        Span::raw(cell.to_string()),
                    ]));
                }
            } else {
                for l in text.lines() {
                    out.push(Line::raw(format!("  {}", l.trim_end())));
                }
            }
        }
        None => out.push(Line::styled(
            format!("Rule {id}: not in the rule book"),
            t.effect_bad,
        )),
    }
    out.push(Line::raw(""));
}

/// The detail's lines, wrapped to `width` cells (so scrolling counts rows as drawn).
pub fn lines(app: &App, event: usize, width: usize) -> Vec<Line<'static>> {
    unwrapped(app, event)
        .into_iter()
        .flat_map(|l| super::cells::wrap_line(l, width, 4))
        .collect()
}

fn unwrapped(app: &App, event: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let run = app.run();
    let mut out = Vec::new();
    let Some(e) = run.events.get(event) else {
        out.push(Line::raw("(no such payload)"));
        return out;
    };
    let v = &e.verdict;
    out.push(Line::styled(
        format!(
            "Payload {} · step {} · POST /{} · {} · {}",
            run.event_ref(event),
            e.step,
            e.payload.endpoint.as_str(),
            vis(&run.event_name(event)),
            app.mode.title()
        ),
        t.title,
    ));
    out.push(Line::raw(""));
    let field = |label: &str, value: String, style| {
        Line::from(vec![
            Span::styled(format!("  {label:<15}"), t.label),
            Span::styled(value, style),
        ])
    };
    out.push(field(
        "stored under",
        run.ingest_id(event).map_or("— (no user)".into(), vis),
        t.identity,
    ));
    out.push(field(
        &format!("after step {}", app.cursor),
        run.final_id(event, app.cursor)
            .map_or("— (counts for no user)".into(), vis),
        t.identity,
    ));
    out.push(field(
        "effect",
        v.effect.as_str().into(),
        t.effect(v.effect),
    ));
    out.push(field(
        "reason",
        v.reason.unwrap_or("—").into(),
        t.effect_bad,
    ));
    if let Some(w) = v.warning {
        out.push(field("warning", w.into(), t.message));
    }
    out.push(field("rule", v.rule.to_string(), t.key));
    if let Some(c) = idscope_core::explain::choice(run, event) {
        out.push(field(
            "rests on",
            format!("[choice] {}", vis(&c)),
            t.message,
        ));
    }
    out.push(Line::from(vec![
        Span::styled("  in short       ", t.label),
        Span::styled(
            vis(&idscope_core::explain::verdict(run, event, app.cursor)),
            t.note,
        ),
    ]));
    out.push(Line::raw(""));
    rule_lines(app, v.rule, &mut out);
    if v.warning.is_some() && v.rule != RuleId::GInvalid {
        rule_lines(app, RuleId::GInvalid, &mut out);
    }
    if let Some(p) = run.steps.get(e.step - 1).and_then(|s| s.playbook_rule) {
        out.push(Line::styled(
            format!(
                "The step is an intent; the {} playbook expanded it:",
                run.config.playbook()
            ),
            t.label,
        ));
        rule_lines(app, p, &mut out);
    }
    out.push(Line::styled("The payload as sent", t.label));
    out.extend(json::lines(&e.payload.body, t, 2));
    out
}

impl Widget for &Detail<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        super::text_overlay(
            "Payload detail".into(),
            self.app.theme,
            self.scroll,
            area,
            buf,
            |w| lines(self.app, self.event, w),
        );
    }
}
