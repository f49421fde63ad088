//! Events table (`e`): every event so far, in the style of Mixpanel's docs. The event's
//! reference, name, final id (with its device's name) and effect are pinned and never cut;
//! the reason, ingest id, `$device_id` and `$user_id` scroll sideways (`H`/`L`). Only the
//! visible rows are built, so it stays fast on long scenarios.

use super::table::{self, Cell, Column};
use super::{ids, overlay_block, vis};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

pub struct Events<'a> {
    pub app: &'a App,
    /// First event row shown.
    pub scroll: usize,
    /// Cells of the scrolling columns skipped.
    pub hscroll: usize,
}

/// The widest a final id may get before it is shortened in the middle.
pub const FINAL_MAX: usize = 26;

/// The pinned event columns, then the strip: reason, ingest id, `$device_id`, `$user_id`.
fn columns() -> Vec<Column<'static>> {
    let mut c = table::event_columns("#").to_vec();
    c.extend([
        table::strip("reason"),
        table::strip("ingest distinct_id"),
        table::strip("$device_id"),
        table::strip("$user_id"),
    ]);
    c
}

/// One table row, every cell escaped: what the user must always see first.
pub fn row(app: &App, event: usize) -> Vec<Cell> {
    let t = app.theme;
    let run = app.run();
    let e = &run.events[event];
    let v = &e.verdict;
    let base = if app.step_events().contains(&event) {
        t.added
    } else {
        Style::new()
    };
    let (device, user) = run.identity_fields(event);
    let fin = run
        .final_id(event, app.cursor)
        .map_or_else(|| "no user".to_string(), |f| ids::label(run, f, FINAL_MAX));
    let mut reason = v.reason.unwrap_or("").to_string();
    if let Some(w) = v.warning {
        reason = if reason.is_empty() {
            format!("warning: {w}")
        } else {
            format!("{reason} · warning: {w}")
        };
    }
    let id_cell = |id: Option<String>| {
        id.map_or_else(|| "—".to_string(), |d| ids::label(run, &d, usize::MAX))
    };
    vec![
        (run.event_ref(event), base.patch(t.label)),
        (vis(&run.event_name(event)), base),
        (fin, base.patch(t.identity)),
        (
            format!("{} ({})", v.effect.as_str(), v.rule),
            t.effect(v.effect),
        ),
        (reason, t.effect_bad),
        (
            run.ingest_id(event)
                .map_or_else(|| "—".into(), |i| ids::label(run, i, usize::MAX)),
            base,
        ),
        (id_cell(device), base),
        (id_cell(user), base),
    ]
}

/// The table's lines for rows `first..end` at `width` cells, and the furthest it scrolls sideways.
pub fn lines(
    app: &App,
    first: usize,
    end: usize,
    width: usize,
    hscroll: usize,
) -> (Vec<Line<'static>>, usize) {
    let t = app.theme;
    let rows: Vec<Vec<Cell>> = (first..end).map(|i| row(app, i)).collect();
    table::render(&columns(), &rows, width, hscroll, t.title, t.border)
}

impl Widget for &Events<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = app.theme;
        let run = app.run();
        let n = run.events_until(app.cursor);
        let title = format!(
            "Events · {n} so far · step {}/{} · {} · H/L scroll sideways",
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
        let (mut lines, _) = lines(app, first, end, inner.width as usize, self.hscroll);
        if n == 0 {
            lines.push(Line::styled("no event yet", t.label));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
