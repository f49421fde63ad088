//! Status bar: a transient message, then key hints generated from the keymap table (or the
//! open menu's own keys). The keys a user reaches for most keep their place next to a
//! message: the message is cut before they are dropped.

use super::cells::width;
use crate::tui::app::App;
use crate::tui::keymap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct Status<'a>(pub &'a App);

/// Hints that stay on screen whatever else must go.
const KEPT: [&str; 8] = [
    "all/one", "sideways", "filter", "copy", "export", "add", "help", "quit",
];

/// Cells one hint takes: keys, a space, the label, two spaces.
fn cost((k, l): &(String, &str)) -> usize {
    width(k) + width(l) + 3
}

impl Widget for &Status<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let t = app.theme;
        let total = area.width as usize;
        let tip = crate::tui::playground::suggest::status_text(app);
        // A broken scenario file on disk stays reported until it is fixed (live reload).
        let broken = crate::tui::reload::error(app).map(str::to_string);
        let message = app.message.as_ref().or(broken.as_ref()).or(tip.as_ref());
        // An open menu or prompt has its own keys; the main screen's do not apply there.
        let hints = if let Some(menu) = &app.export_menu {
            crate::tui::export_menu::hints(menu)
        } else if app.playground.prompt.is_some() {
            Vec::new()
        } else {
            keymap::hints(keymap::BINDINGS, app.context())
        };
        let kept: Vec<&(String, &str)> = hints.iter().filter(|h| KEPT.contains(&h.1)).collect();
        let kept_cost: usize = kept.iter().map(|h| cost(h)).sum();
        let mut spans: Vec<Span> = vec![Span::raw(" ")];
        let mut used = 1;
        if let Some(m) = message {
            // The message gets what the kept hints leave (and at least 20 cells).
            let room = total
                .saturating_sub(1 + kept_cost + 3)
                .max(20)
                .min(total.saturating_sub(2));
            let m = super::fit(&super::vis(m), room);
            used += width(&m) + 3;
            spans.push(Span::styled(m, t.message));
            spans.push(Span::raw("   "));
        }
        // The other hints fill what is left, in table order; the kept ones always fit.
        let mut shown: Vec<&(String, &str)> = Vec::new();
        let mut budget = total.saturating_sub(used + kept_cost);
        for h in &hints {
            if KEPT.contains(&h.1) {
                shown.push(h);
            } else if cost(h) <= budget {
                budget -= cost(h);
                shown.push(h);
            }
        }
        let mut room = total.saturating_sub(used);
        for h in shown {
            if cost(h) > room {
                continue;
            }
            room -= cost(h);
            spans.push(Span::styled(h.0.clone(), t.key));
            spans.push(Span::styled(format!(" {}  ", h.1), t.hint));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
