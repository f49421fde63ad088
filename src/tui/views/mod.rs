//! Rendering: `impl Widget for &App` draws the whole screen from the model; each region is
//! a small view type in its own module. Views never change the model.

pub mod cells;
pub mod clusters;
pub mod compare;
pub mod detail;
pub mod events;
pub mod graph;
pub mod header;
pub mod help;
pub mod ids;
pub mod info;
pub mod json;
pub mod lanes;
pub mod payloads;
pub mod picker;
pub mod status;
pub mod steps;
pub mod table;

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

pub use cells::{fit, fit_line, fit_middle, hard_wrap, pad, wrap};

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

/// An overlay's frame (always "focused"); its corner says what Esc does.
pub fn overlay_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    overlay_block_with(title, "Esc close", theme)
}

/// An overlay's frame whose Esc does something else than close it (`esc`: "Esc back").
pub fn overlay_block_with<'a>(title: String, esc: &str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {title} "), theme.pane_title_focused))
        .title_bottom(Line::from(Span::styled(format!(" {esc} "), theme.hint)).right_aligned())
}

/// A scrolling text overlay: its frame titled `title`, and the lines `lines` builds for the
/// frame's inner width, from line `scroll` (help, info, detail).
pub fn text_overlay(
    title: String,
    theme: &Theme,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
    lines: impl FnOnce(usize) -> Vec<Line<'static>>,
) {
    let block = overlay_block(title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    render_lines(lines(inner.width as usize), scroll, inner, buf);
}

/// Renders `lines[scroll..]` into `area`, one row each (no wrapping: a line too long ends
/// in `…`; a line's own style fills its whole row).
pub fn render_lines(lines: Vec<Line<'static>>, scroll: usize, area: Rect, buf: &mut Buffer) {
    let rows = (area.y..area.bottom()).map(|y| Rect {
        y,
        height: 1,
        ..area
    });
    for (line, row) in lines.into_iter().skip(scroll).zip(rows) {
        cells::fit_line(line, area.width as usize).render(row, buf);
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
        // An overlay over the whole body hides the panes: they are not drawn underneath.
        let covered = matches!(
            self.overlay,
            Some(
                Overlay::Events { .. }
                    | Overlay::Compare { .. }
                    | Overlay::Graph { .. }
                    | Overlay::Lanes { .. }
            )
        );
        if !covered {
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
        }
        status::Status(self).render(a.status, buf);
        match self.overlay {
            None => {}
            Some(Overlay::Events { scroll }) => {
                Clear.render(a.body, buf);
                events::Events {
                    app: self,
                    scroll,
                    hscroll: self.hscroll,
                }
                .render(a.body, buf);
            }
            Some(Overlay::Compare { scroll }) => {
                Clear.render(a.body, buf);
                compare::Compare { app: self, scroll }.render(a.body, buf);
            }
            Some(Overlay::Graph { scroll, all }) => {
                Clear.render(a.body, buf);
                graph::GraphView {
                    app: self,
                    scroll,
                    all,
                }
                .render(a.body, buf);
            }
            Some(Overlay::Lanes { scroll }) => {
                Clear.render(a.body, buf);
                lanes::Lanes {
                    app: self,
                    scroll,
                    hscroll: self.hscroll,
                }
                .render(a.body, buf);
            }
            Some(Overlay::Info { scroll }) => {
                let r = layout::popup(a.body, 100, a.body.height);
                Clear.render(r, buf);
                info::Info { app: self, scroll }.render(r, buf);
            }
            Some(Overlay::Help { scroll }) => {
                let want = help::lines(self, 98).len() as u16 + 2;
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
