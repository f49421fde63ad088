//! Help overlay (`?`): generated from the keymap table, so it cannot drift from the keys.

use crate::tui::app::App;
use crate::tui::keymap;
use idscope_core::model::Choice;
use idscope_core::sdk::Profile;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Help<'a> {
    pub app: &'a App,
    pub scroll: usize,
}

/// The help's lines, wrapped to `width` cells (so scrolling counts rows as drawn).
pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    unwrapped(app)
        .into_iter()
        .flat_map(|l| super::cells::wrap_line(l, width, 18))
        .collect()
}

fn unwrapped(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = Vec::new();
    for (group, rows) in keymap::help_sections(keymap::BINDINGS, keymap::where_label) {
        out.push(Line::styled(group.title().to_string(), t.title));
        for (keys, help, place) in rows {
            let mut spans = vec![
                Span::styled(format!("  {keys:<16}"), t.key),
                Span::raw(help.to_string()),
            ];
            if !place.is_empty() {
                spans.push(Span::styled(format!("  ({place})"), t.label));
            }
            out.push(Line::from(spans));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        "Mouse (idscope --mouse): the wheel scrolls the pane under the pointer; a click focuses a pane, picks a step or selects a payload.",
        t.label,
    ));
    out.push(Line::styled(
        "Ctrl-Z suspends to the shell (fg brings the screen back).",
        t.label,
    ));
    out.push(Line::styled(
        "NO_COLOR=1, or theme = \"mono\" in the settings file (idscope config), gives a monochrome theme.",
        t.label,
    ));
    out.push(Line::raw(""));
    out.push(Line::styled("Markers", t.title));
    for (mark, meaning) in [
        ("▶", "the current step; the selected payload (Enter, y)"),
        (
            "+ / *",
            "a cluster or member this step added / a cluster it changed",
        ),
        (
            "≠",
            "another mode decides this payload or groups these ids otherwise (c compares)",
        ),
        (
            "★",
            "a cluster's canonical id (Mixpanel-chosen under Original)",
        ),
        ("‹ ›", "more columns to the left / right (H/L)"),
        (
            "N.k",
            "event k of step N, everywhere (exports take --scope event:N.k)",
        ),
        (
            "A B …",
            "swimlanes: the user an event counts for (· for no one)",
        ),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {mark:<16}"), t.key),
            Span::raw(meaning),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Emulated SDKs (a device's `lib`)", t.title));
    for p in Profile::ALL {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<16}", p.name()), t.key),
            Span::raw(format!("{} — {}", p.label(), p.evidence())),
        ]));
    }
    out
}

impl Widget for &Help<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        super::text_overlay(
            "Help · keys · j/k scroll".into(),
            self.app.theme,
            self.scroll,
            area,
            buf,
            |w| lines(self.app, w),
        );
    }
}
