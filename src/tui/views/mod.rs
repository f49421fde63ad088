//! Rendering: `impl Widget for &App` draws the whole screen from the model; each region is
//! a small view type in its own module. Views never change the model.

pub mod clusters;
pub mod compare;
pub mod detail;
pub mod events;
pub mod header;
pub mod help;
pub mod json;
pub mod payloads;
pub mod picker;
pub mod status;
pub mod steps;

use super::app::{App, Overlay, Pane};
use super::layout;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

/// Untrusted text made safe for the terminal.
pub fn vis(s: &str) -> String {
    idscope_core::text::visible(s).into_owned()
}

/// `s` cut to `width` characters, with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Greedy word wrap to `width` characters (long words are broken).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in s.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let wl = word.len();
            let need = if len == 0 { wl } else { len + 1 + wl };
            if need <= width {
                if len > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                len = need;
                break;
            }
            if len > 0 {
                out.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word longer than a line.
            let rest = word.split_off(width);
            out.push(word.iter().collect());
            word = rest;
        }
    }
    if len > 0 || out.is_empty() {
        out.push(line);
    }
    out
}

/// Splits a styled line wider than `width` into rows, continuing after `indent` spaces.
pub fn hard_wrap(line: Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(indent + 8);
    if line.width() <= width {
        return vec![line];
    }
    let style = line.style;
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut rest: Vec<char> = span.content.chars().collect();
        while !rest.is_empty() {
            if used == width {
                out.push(Line::from(std::mem::take(&mut cur)).style(style));
                cur.push(Span::raw(" ".repeat(indent)));
                used = indent;
            }
            let take = rest.len().min(width - used);
            let tail = rest.split_off(take);
            cur.push(Span::styled(
                rest.into_iter().collect::<String>(),
                span.style,
            ));
            used += take;
            rest = tail;
        }
    }
    if !cur.is_empty() {
        out.push(Line::from(cur).style(style));
    }
    out
}

/// A pane's frame: the focused pane has a bold border and a reversed title.
pub fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, title_style) = if focused {
        (theme.border_focused, theme.pane_title_focused)
    } else {
        (theme.border, theme.pane_title)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Span::styled(format!(" {title} "), title_style))
}

/// An overlay's frame (always "focused").
pub fn overlay_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {title} "), theme.pane_title_focused))
        .title_bottom(Line::from(Span::styled(" Esc close ", theme.hint)).right_aligned())
}

/// Renders `lines[scroll..]` into `area`, one row each (no wrapping: long lines are
/// clipped; a line's own style fills its whole row).
pub fn render_lines(lines: Vec<Line<'static>>, scroll: usize, area: Rect, buf: &mut Buffer) {
    let rows = (area.y..area.bottom()).map(|y| Rect {
        y,
        height: 1,
        ..area
    });
    for (line, row) in lines.iter().skip(scroll).zip(rows) {
        line.render(row, buf);
    }
}

/// Number of lines the open overlay scrolls over (for clamping).
/// "terminal too small (W×H), need …".
pub struct TooSmall;

impl Widget for &TooSmall {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let text = format!(
            "terminal too small ({}×{}), need at least {}×{}",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        let lines = wrap(&text, area.width as usize);
        let top = (area.height as usize).saturating_sub(lines.len()) / 2;
        let mut all: Vec<Line> = vec![Line::raw(""); top];
        all.extend(lines.into_iter().map(Line::raw));
        Paragraph::new(all)
            .alignment(Alignment::Center)
            .render(area, buf);
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = layout::areas(area);
        if a.too_small {
            TooSmall.render(area, buf);
            return;
        }
        header::Header(self).render(a.header, buf);
        let focused = |p: Pane| self.overlay.is_none() && self.focus == p;
        steps::Steps {
            app: self,
            focused: focused(Pane::Steps),
        }
        .render(a.steps, buf);
        payloads::Payloads {
            app: self,
            focused: focused(Pane::Payloads),
        }
        .render(a.payloads, buf);
        clusters::Clusters {
            app: self,
            focused: focused(Pane::Clusters),
        }
        .render(a.clusters, buf);
        status::Status(self).render(a.status, buf);
        match self.overlay {
            None => {}
            Some(Overlay::Events { scroll }) => {
                Clear.render(a.body, buf);
                events::Events { app: self, scroll }.render(a.body, buf);
            }
            Some(Overlay::Compare { scroll }) => {
                Clear.render(a.body, buf);
                compare::Compare { app: self, scroll }.render(a.body, buf);
            }
            Some(Overlay::Help { scroll }) => {
                let want = help::lines(self).len() as u16 + 2;
                let r = layout::popup(a.body, 100, want);
                Clear.render(r, buf);
                help::Help { app: self, scroll }.render(r, buf);
            }
            Some(Overlay::Detail { event, scroll }) => {
                let r = layout::popup(a.body, 100, a.body.height);
                Clear.render(r, buf);
                detail::Detail {
                    app: self,
                    event,
                    scroll,
                }
                .render(r, buf);
            }
            Some(Overlay::Picker { selected }) => {
                let r = layout::popup(a.body, 90, a.body.height);
                Clear.render(r, buf);
                picker::Picker {
                    app: self,
                    selected,
                }
                .render(r, buf);
            }
        }
        if let Some(menu) = &self.export_menu {
            crate::tui::export_menu::render(self, menu, a.body, buf);
        }
        if let Some(prompt) = &self.playground.prompt {
            crate::tui::playground::view::render(self, prompt, a.body, buf);
        }
    }
}

/// Text wrapped into a paragraph (detail, help).
pub fn wrapped(lines: Vec<Line<'static>>, scroll: usize) -> Paragraph<'static> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(u16::MAX as usize) as u16, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_wrap_keeps_every_character() {
        let l = Line::from(vec![Span::raw("abcdefghij"), Span::raw("klmnopqrst")]);
        let rows = hard_wrap(l, 10, 2);
        let text: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(text, ["abcdefghij", "  klmnopqr", "  st"]);
    }

    #[test]
    fn wrap_and_fit() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("abc", 0), "");
    }
}
