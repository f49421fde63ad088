//! Drawing the export view: header (file, counts, malformed lines, mode tabs), the cluster
//! list or a user's timeline, and the status bar. Every string from the file goes through
//! [`vis`] and is cut to the width.

use super::ExportApp;
use crate::tui::views::{fit, pane_block, render_lines, vis, TooSmall};
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
                    let n = q.chars().count();
                    let room = iw.saturating_sub(24);
                    let tail: String = q.chars().skip(n.saturating_sub(room)).collect();
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
                lines.push(Line::styled(
                    fit(
                        "line   time                  event · ingest id → final id · effect · reason · rule",
                        iw,
                    ),
                    t.label,
                ));
                for &i in events
                    .iter()
                    .skip(self.timeline_scroll)
                    .take(inner.height as usize)
                {
                    let Some((line_no, v)) = r.stream.verdicts.get(i as usize) else {
                        continue;
                    };
                    let (event, time) = self.input.event_and_time(i as usize);
                    let ingest = v.ingest.map(|id| r.name(id)).unwrap_or("—");
                    let fin = r.final_name(v).unwrap_or("—");
                    let effect_style = match v.effect {
                        idscope_core::model::Effect::Failed
                        | idscope_core::model::Effect::Rejected => t.effect_bad,
                        idscope_core::model::Effect::None
                        | idscope_core::model::Effect::Ignored => t.effect_quiet,
                        _ => t.effect_good,
                    };
                    let mut spans = vec![
                        Span::styled(format!("{line_no:<6} "), t.label),
                        Span::raw(format!("{:<21} ", time_label(time))),
                        Span::styled(fit(&vis(&event), 24), t.title),
                        Span::raw(" · "),
                        Span::styled(fit(&vis(ingest), 40), t.identity),
                        Span::raw(" → "),
                        Span::styled(fit(&vis(fin), 40), t.identity),
                        Span::raw(" · "),
                        Span::styled(v.effect.as_str(), effect_style),
                    ];
                    if let Some(reason) = v.reason {
                        spans.push(Span::raw(" · "));
                        spans.push(Span::styled(reason, t.effect_bad));
                    }
                    spans.push(Span::styled(format!(" · {}", v.rule), t.label));
                    lines.push(Line::from(spans));
                }
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
                let cost = k.chars().count() + l.chars().count() + 3;
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
