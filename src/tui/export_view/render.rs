//! Drawing the export view: header (file, counts, malformed lines, mode tabs), the cluster
//! list or a user's timeline, and the status bar. Every string from the file goes through
//! [`vis`] and is cut to the width.

use super::ExportApp;
use crate::tui::views::table::{self, Cell, Column};
use crate::tui::views::{fit, fit_middle, pane_block, render_lines, vis, TooSmall};
use crate::tui::{keymap, layout};
use idscope_core::model::Mode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// RFC 3339 (UTC) for seconds since the epoch; a dash when unknown.
pub fn time_label(t: Option<f64>) -> String {
    t.map_or_else(|| "—".into(), idscope_core::text::rfc3339)
}

impl Widget for &ExportApp {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = layout::areas(area);
        if a.too_small {
            TooSmall.render(area, buf);
            return;
        }
        let t = self.theme;
        let w = area.width as usize;
        let r = self.resolved();
        // Header: what is open and how much of it could be read.
        let malformed = match self.input.bad_count {
            0 => "no malformed lines".to_string(),
            n => format!("{n} malformed line(s) skipped"),
        };
        let title = format!(
            " idscope export · {} · {} events · {} clusters · {}",
            vis(&self.input.name),
            self.input.events.len(),
            r.clusters.len(),
            malformed
        );
        Line::styled(fit(&title, w), t.title).render(a.header, buf);
        let mut tabs: Vec<Span> = vec![Span::raw(" ")];
        for (i, mode) in Mode::ALL.into_iter().enumerate() {
            if i > 0 {
                tabs.push(Span::styled(" │ ", t.label));
            }
            let style = if mode == self.mode {
                t.tab_active
            } else {
                t.tab_inactive
            };
            tabs.push(Span::styled(format!("{} {}", i + 1, mode.title()), style));
        }
        let tab_row = Rect {
            y: a.header.y + 1,
            height: 1,
            ..a.header
        };
        Line::from(tabs).render(tab_row, buf);

        let inner = layout::inner(a.body);
        let iw = inner.width as usize;
        let mut lines: Vec<Line<'static>> = Vec::new();
        match self.open {
            None => {
                let head = if self.searching || !self.query.is_empty() {
                    let cursor = if self.searching { "█" } else { "" };
                    let q = vis(&self.query);
                    let room = iw.saturating_sub(24);
                    let tail: String = crate::tui::views::cells::tail(&q, room).to_string();
                    Line::from(vec![
                        Span::styled("/ ", t.key),
                        Span::raw(tail),
                        Span::styled(cursor, t.hint),
                        Span::styled(format!("  {} match(es)", self.shown_len()), t.label),
                    ])
                } else {
                    Line::styled(
                        fit("   #     ids    events  user (largest first)", iw),
                        t.label,
                    )
                };
                lines.push(head);
                let label = if self.mode == Mode::Original {
                    "Mixpanel-chosen "
                } else {
                    ""
                };
                for (i, c) in self
                    .shown()
                    .enumerate()
                    .skip(self.scroll)
                    .take(inner.height as usize)
                {
                    let text = format!(
                        "{}{:>3} {:>7} {:>9}  {label}{}",
                        if i == self.selected { "▶" } else { " " },
                        i + 1,
                        c.members.len(),
                        c.events,
                        vis(r.name(c.canonical))
                    );
                    let style = if i == self.selected {
                        t.selection
                    } else {
                        ratatui::style::Style::new()
                    };
                    lines.push(Line::styled(fit(&text, iw), style));
                }
                if self.shown_len() == 0 {
                    lines.push(Line::styled("  no cluster matches", t.label));
                }
                let block_title = format!(
                    "Clusters · {} · {}",
                    self.mode.title(),
                    if self.query.is_empty() {
                        format!("{} users", r.clusters.len())
                    } else {
                        format!("{} of {} match", self.shown_len(), r.clusters.len())
                    }
                );
                pane_block(fit(&block_title, w.saturating_sub(6)), true, t).render(a.body, buf);
            }
            Some(key) => {
                let events = self.timeline();
                let who = vis(r.name(key));
                let block_title =
                    format!("Timeline · {} · {} event(s) · Esc back", who, events.len());
                pane_block(fit(&block_title, w.saturating_sub(6)), true, t).render(a.body, buf);
                let (table, _) = timeline_lines(self, iw, inner.height as usize);
                lines.extend(table);
            }
        }
        if self.help {
            lines = vec![Line::styled("Keys (Esc or ? closes)", t.title)];
            for (keys, help, _) in keymap::help_rows(super::KEYS, |_| "") {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<10}"), t.key),
                    Span::raw(fit(help, iw.saturating_sub(12))),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                fit(
                    "While searching, letters are text: Enter keeps the filter, Esc clears it.",
                    iw,
                ),
                t.label,
            ));
            ratatui::widgets::Clear.render(inner, buf);
        }
        render_lines(lines, 0, inner, buf);

        // Status: the message, else the hints.
        let mut spans: Vec<Span> = vec![Span::raw(" ")];
        if let Some(m) = &self.message {
            spans.push(Span::styled(fit(&vis(m), w.saturating_sub(2)), t.message));
        } else {
            let mut used = 1;
            for (k, l) in super::hints(self) {
                let cost =
                    crate::tui::views::cells::width(&k) + crate::tui::views::cells::width(l) + 3;
                if used + cost > w {
                    break;
                }
                used += cost;
                spans.push(Span::styled(k.clone(), t.key));
                spans.push(Span::styled(format!(" {l}  "), t.hint));
            }
        }
        Line::from(spans).render(a.status, buf);
    }
}

/// The timeline's columns: the line, event, final id and effect are never cut; the reason,
/// time and ingest id scroll sideways (`H`/`L`).
fn timeline_columns() -> Vec<Column<'static>> {
    let mut c = table::event_columns("line").to_vec();
    c.extend([
        table::strip("reason"),
        table::strip("time"),
        table::strip("ingest distinct_id"),
    ]);
    c
}

/// The open timeline's visible rows as a table `width` cells wide, and the furthest it scrolls sideways.
pub fn timeline_lines(app: &ExportApp, width: usize, height: usize) -> (Vec<Line<'static>>, usize) {
    let t = app.theme;
    let r = app.resolved();
    let events = app.timeline();
    let rows: Vec<Vec<Cell>> = events
        .iter()
        .skip(app.timeline_scroll)
        .take(height.saturating_sub(2))
        .filter_map(|&i| {
            let (line_no, v) = r.stream.verdicts.get(i as usize)?;
            let (event, time) = app.input.event_and_time(i as usize);
            let ingest = v.ingest.map(|id| r.name(id)).unwrap_or("—");
            let fin = r.final_name(v).unwrap_or("no user");
            Some(vec![
                (line_no.to_string(), t.label),
                (vis(&event), t.title),
                (fit_middle(&vis(fin), 26), t.identity),
                (
                    format!("{} ({})", v.effect.as_str(), v.rule),
                    t.effect(v.effect),
                ),
                (v.reason.unwrap_or("").to_string(), t.effect_bad),
                (time_label(time), ratatui::style::Style::new()),
                (vis(ingest), t.identity),
            ])
        })
        .collect();
    table::render(
        &timeline_columns(),
        &rows,
        width,
        app.hscroll,
        t.label,
        t.border,
    )
}

/// How far the timeline may scroll sideways.
pub fn timeline_strip(app: &ExportApp) -> usize {
    let w = (app.size.0 as usize).saturating_sub(2);
    timeline_lines(app, w, app.body_rows() + 2).1
}
