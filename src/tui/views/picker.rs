//! Scenario picker (`o`): name and description of every scenario found (`/` filters them by
//! name, description and file); files that failed to load are listed with their error and
//! cannot be opened.

use super::{fit, overlay_block, vis};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{List, ListItem, ListState, StatefulWidget, Widget};

pub struct Picker<'a> {
    pub app: &'a App,
    pub selected: usize,
}

impl Widget for &Picker<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = app.theme;
        let matches = app.picker_matches();
        let title = format!(
            "Open a scenario · {} found · Enter opens · / filters",
            app.entries.len()
        );
        let block = overlay_block(title, t);
        let mut inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if app.picker_typing || !app.picker_query.is_empty() {
            let cursor = if app.picker_typing { "█" } else { "" };
            let q = super::ids::short(&app.picker_query, w.saturating_sub(24).max(8));
            Line::from(vec![
                Span::styled("/ ", t.key),
                Span::raw(q),
                Span::styled(cursor, t.hint),
                Span::styled(
                    format!("  {} of {} match", matches.len(), app.entries.len()),
                    t.label,
                ),
            ])
            .render(Rect { height: 1, ..inner }, buf);
            inner.y += 1;
            inner.height = inner.height.saturating_sub(1);
        }
        if matches.is_empty() {
            Line::styled("  no scenario matches (Esc clears the filter)", t.label)
                .render(Rect { height: 1, ..inner }, buf);
            return;
        }
        let items: Vec<ListItem> = matches
            .iter()
            .map(|&i| (i, &app.entries[i]))
            .map(|(i, e)| {
                let open = if i == app.current { "● " } else { "  " };
                let lines = match &e.scenario {
                    Ok(s) => vec![
                        Line::from(vec![
                            Span::raw(open),
                            Span::styled(fit(&vis(&s.name), w.saturating_sub(2)), t.title),
                        ]),
                        Line::styled(
                            format!(
                                "  {}",
                                fit(
                                    &vis(s.description.as_deref().unwrap_or("(no description)")),
                                    w.saturating_sub(2)
                                )
                            ),
                            Style::new(),
                        ),
                        Line::styled(
                            format!(
                                "  {} · {} steps",
                                fit(&vis(&e.origin), w.saturating_sub(14)),
                                s.steps.len()
                            ),
                            t.label,
                        ),
                    ],
                    Err(err) => vec![
                        Line::from(vec![
                            Span::raw("✗ "),
                            Span::styled(fit(&vis(&e.origin), w.saturating_sub(2)), t.effect_bad),
                        ]),
                        Line::styled(
                            format!(
                                "  {}",
                                fit(&vis(err.lines().next().unwrap_or("")), w.saturating_sub(2))
                            ),
                            t.effect_bad,
                        ),
                        Line::raw(""),
                    ],
                };
                ListItem::new(Text::from(lines))
            })
            .collect();
        let list = List::new(items).highlight_style(t.selection);
        let mut state = ListState::default().with_selected(Some(self.selected));
        StatefulWidget::render(list, inner, buf, &mut state);
    }
}
