//! Swimlanes (`t`): one lane per device (and one for raw server sends), one row per event,
//! steps down the side, each event marked with the user it finally counts for — a letter
//! and a colour of its own — so "which device's history went to whom" shows at a glance,
//! as the documentation's tables draw it. Lanes scroll sideways (`H`/`L`) when they do not fit.

use super::table::{self, Cell, Column};
use super::{ids, overlay_block, vis};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use std::collections::HashMap;

pub struct Lanes<'a> {
    pub app: &'a App,
    pub scroll: usize,
    pub hscroll: usize,
}

/// The lane raw `send` steps use.
pub const SERVER: &str = "(server)";

/// The lanes in order of first use up to the cursor.
fn lanes(app: &App) -> Vec<String> {
    let mut lanes: Vec<String> = Vec::new();
    for st in app.run().steps.iter().take(app.cursor) {
        if st.events.is_empty() {
            continue;
        }
        let lane = st.device.as_deref().unwrap_or(SERVER);
        if !lanes.iter().any(|l| l == lane) {
            lanes.push(lane.to_string());
        }
    }
    lanes
}

/// Each user's tag number: its place among the clusters after the cursor (the clusters
/// pane's order), so a user keeps its letter while the view scrolls.
fn user_numbers(app: &App) -> HashMap<&str, usize> {
    app.clusters()
        .iter()
        .enumerate()
        .map(|(k, d)| (d.cluster.canonical.as_str(), k))
        .collect()
}

/// `A`…`Z`, then `AA`, `AB`…: the user's tag.
pub fn tag(k: usize) -> String {
    let mut k = k;
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (k % 26) as u8);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The legend for the users in `shown` (tag numbers with their ids), wrapped to `width`.
fn legend(app: &App, shown: &[(usize, String)], width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut spans: Vec<Span> = vec![Span::styled("who: ", t.label)];
    for (k, u) in shown {
        spans.push(Span::styled(
            format!("{} ", tag(*k)),
            t.user(*k).add_modifier(ratatui::style::Modifier::BOLD),
        ));
        spans.push(Span::styled(ids::label(app.run(), u, 28), t.user(*k)));
        spans.push(Span::raw("   "));
    }
    spans.push(Span::styled("· counts for no one", t.dim));
    // One line: the users of the rows on screen.
    vec![super::fit_line(Line::from(spans), width)]
}

/// Lines above the rows that stay put: the legend, a blank line, the header and its rule.
pub const HEAD: usize = 4;

/// Event rows the view scrolls over.
pub fn len(app: &App) -> usize {
    app.run().events_until(app.cursor)
}

/// The view's lines at `width` cells, `rows` of them: the legend of the users on screen, then
/// the lanes table from event row `scroll` (only the rows on screen are built); and the
/// furthest it scrolls sideways.
pub fn lines(
    app: &App,
    width: usize,
    hscroll: usize,
    scroll: usize,
    rows: usize,
) -> (Vec<Line<'static>>, usize) {
    let t = app.theme;
    let run = app.run();
    let lanes = lanes(app);
    let numbers = user_numbers(app);
    if lanes.is_empty() {
        let out = vec![Line::styled("no event yet", t.label)];
        return (out.into_iter().skip(scroll).collect(), 0);
    }
    // Columns: the event reference (pinned), then one per lane.
    let titles: Vec<String> = std::iter::once("#".to_string())
        .chain(lanes.iter().map(|l| vis(l)))
        .collect();
    let columns: Vec<Column> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| Column {
            title,
            pinned: i == 0,
            keep: 9,
            min: 3,
        })
        .collect();
    // The legend, header and rule stay on top; `scroll` is the first event row shown.
    let n = run.events_until(app.cursor);
    let first = scroll.min(n.saturating_sub(1));
    let end = (first + rows.saturating_sub(HEAD)).min(n);
    let mut table_rows: Vec<Vec<Cell>> = Vec::new();
    let mut shown_users: Vec<(usize, String)> = Vec::new();
    for i in first..end {
        let st = &run.steps[run.events[i].step - 1];
        let lane = st.device.as_deref().unwrap_or(SERVER);
        let col = 1 + lanes.iter().position(|l| l == lane).unwrap_or(0);
        let mut row: Vec<Cell> = vec![(String::new(), Style::new()); columns.len()];
        row[0] = (run.event_ref(i), t.label);
        let fin = run
            .final_id(i, app.cursor)
            .filter(|_| run.events[i].verdict.counts);
        let (mark, style) = match fin.and_then(|f| numbers.get(f).map(|&k| (k, f))) {
            Some((k, f)) => {
                if !shown_users.iter().any(|(j, _)| *j == k) {
                    shown_users.push((k, f.to_string()));
                }
                (tag(k), t.user(k))
            }
            None => ("·".to_string(), t.dim),
        };
        let style = if app.step_events().contains(&i) {
            style.patch(t.added)
        } else {
            style
        };
        row[col] = (format!("{mark} {}", vis(&run.event_name(i))), style);
        table_rows.push(row);
    }
    shown_users.sort();
    let mut out = legend(app, &shown_users, width);
    out.push(Line::raw(""));
    let (table, strip) = table::render(&columns, &table_rows, width, hscroll, t.title, t.border);
    out.extend(table);
    (out, strip)
}

impl Widget for &Lanes<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let title = format!(
            "Swimlanes · step {}/{} · {} · letters: whom each event counts for",
            app.cursor,
            app.total_steps(),
            app.mode.title()
        );
        let block = overlay_block(title, app.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let (lines, _) = lines(
            app,
            inner.width as usize,
            self.hscroll,
            self.scroll,
            inner.height as usize,
        );
        super::render_lines(lines, 0, inner, buf);
    }
}
