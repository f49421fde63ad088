//! Events table (`e`): every event so far, in the style of Mixpanel's docs — event,
//! $device_id, $user_id, distinct_id at ingest → final, effect, reason (rule). Only the
//! visible rows are built, so it stays fast on long scenarios.

use super::{fit, overlay_block, vis};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct Events<'a> {
    pub app: &'a App,
    /// First event row shown.
    pub scroll: usize,
}

pub const HEADER: [&str; 7] = [
    "#",
    "step",
    "event",
    "$device_id",
    "$user_id",
    "distinct_id (ingest → final)",
    "effect / reason (rule)",
];

/// One table row, every cell escaped.
pub fn row(app: &App, event: usize) -> [String; 7] {
    let [step, name, device, user, id, effect] =
        idscope_core::output::event_row(app.run(), event, app.cursor);
    [event.to_string(), step, name, device, user, id, effect].map(|c| vis(&c))
}

/// Shrinks the widest columns until the row fits `avail` (gaps of 2 included).
pub fn fit_widths(widths: &mut [usize], avail: usize) {
    let gaps = 2 * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > avail {
        let Some((i, w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return;
        };
        if *w <= 4 {
            return;
        }
        widths[i] -= 1;
    }
}

impl Widget for &Events<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = app.theme;
        let run = app.run();
        let n = run.events_until(app.cursor);
        let title = format!(
            "Events · {n} so far · step {}/{} · {}",
            app.cursor,
            app.total_steps(),
            app.mode.title()
        );
        let block = overlay_block(title, t);
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_h = (inner.height as usize).saturating_sub(2);
        let first = self.scroll.min(n.saturating_sub(1));
        let end = (first + rows_h).min(n);
        let rows: Vec<[String; 7]> = (first..end).map(|i| row(app, i)).collect();
        let mut widths = HEADER.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        fit_widths(&mut widths, inner.width as usize);
        let cells = |cells: &[String], styles: &[Style]| -> Line<'static> {
            let mut spans = Vec::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                if i > 0 {
                    spans.push(Span::raw("  "));
                }
                let c = fit(c, w);
                let pad = w.saturating_sub(c.chars().count());
                spans.push(Span::styled(format!("{c}{}", " ".repeat(pad)), styles[i]));
            }
            Line::from(spans)
        };
        let mut lines = vec![
            cells(&HEADER.map(String::from), &[t.title; 7]),
            Line::styled(
                widths
                    .iter()
                    .map(|w| "─".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
                t.border,
            ),
        ];
        let current = app.step_events();
        for (i, r) in (first..end).zip(&rows) {
            let effect = t.effect(run.events[i].verdict.effect);
            let base = if current.contains(&i) {
                t.added
            } else {
                Style::new()
            };
            let mut styles = [base; 7];
            styles[5] = base.patch(t.identity);
            styles[6] = effect;
            lines.push(cells(r, &styles));
        }
        if n == 0 {
            lines.push(Line::styled("no event yet", t.label));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
