//! Status bar: a transient message, then key hints generated from the keymap table.

use crate::tui::app::App;
use crate::tui::keymap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct Status<'a>(pub &'a App);

impl Widget for &Status<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let t = app.theme;
        let width = area.width as usize;
        let mut spans: Vec<Span> = vec![Span::raw(" ")];
        let mut used = 1;
        let tip = crate::tui::playground::suggest::status_text(app);
        // A broken scenario file on disk stays reported until it is fixed (live reload).
        let broken = crate::tui::reload::error(app).map(str::to_string);
        if let Some(m) = app.message.as_ref().or(broken.as_ref()).or(tip.as_ref()) {
            let m = super::fit(&super::vis(m), width.saturating_sub(2));
            used += m.chars().count() + 3;
            spans.push(Span::styled(m, t.message));
            spans.push(Span::raw("   "));
        }
        // A playground prompt shows its own keys; the main screen's do not apply there.
        let hints = if app.playground.prompt.is_some() {
            Vec::new()
        } else {
            keymap::hints(keymap::BINDINGS, app.context())
        };
        // Keep "? help" (and quit) reachable: drop hints from the middle when short of room.
        let cost = |(k, l): &(String, &str)| k.chars().count() + l.chars().count() + 3;
        let mut chosen: Vec<&(String, &str)> = Vec::new();
        let tail: Vec<&(String, &str)> = hints
            .iter()
            .filter(|(_, l)| *l == "help" || *l == "quit")
            .collect();
        let tail_cost: usize = tail.iter().map(|h| cost(h)).sum();
        for h in hints.iter().filter(|(_, l)| *l != "help" && *l != "quit") {
            if used + cost(h) + tail_cost > width {
                continue;
            }
            used += cost(h);
            chosen.push(h);
        }
        for h in tail {
            if used + cost(h) <= width {
                used += cost(h);
                chosen.push(h);
            }
        }
        for (k, l) in chosen {
            spans.push(Span::styled(k.clone(), t.key));
            spans.push(Span::styled(format!(" {l}  "), t.hint));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
