//! Named styles. Two themes: colour, and a monochrome one for `NO_COLOR` that shows focus,
//! selection and emphasis with modifiers only (no fg/bg anywhere: as NO_COLOR asks —
//! crossterm's own NO_COLOR stripping emits `ESC[;m`, which would reset REVERSED/BOLD).

use idscope_core::model::Effect;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    pub title: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub border: Style,
    pub border_focused: Style,
    pub pane_title: Style,
    pub pane_title_focused: Style,
    /// The current step, the selected payload, the picked scenario.
    pub selection: Style,
    /// Steps after the cursor, secondary text.
    pub dim: Style,
    pub note: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
    pub json_punct: Style,
    /// Identity fields (distinct_id, $device_id, $user_id, …) in payloads.
    pub identity: Style,
    pub effect_good: Style,
    pub effect_bad: Style,
    pub effect_quiet: Style,
    /// What the current step added or changed (clusters).
    pub added: Style,
    /// A value that differs between modes (compare view).
    pub diff: Style,
    pub key: Style,
    pub hint: Style,
    pub message: Style,
    pub error: Style,
    pub label: Style,
}

const BOLD: Modifier = Modifier::BOLD;

impl Theme {
    /// The style marking the `k`-th user in the swimlanes: a colour of its own (cycling);
    /// monochrome relies on the user's letter, with bold on every other one.
    pub fn user(&self, k: usize) -> Style {
        const PALETTE: [Color; 6] = [
            Color::Green,
            Color::Magenta,
            Color::Yellow,
            Color::Blue,
            Color::Red,
            Color::Cyan,
        ];
        if self.mono {
            if k.is_multiple_of(2) {
                Style::new().add_modifier(BOLD)
            } else {
                Style::new()
            }
        } else {
            Style::new().fg(PALETTE[k % PALETTE.len()])
        }
    }
}

pub const COLOR: Theme = Theme {
    mono: false,
    title: Style::new().fg(Color::Cyan).add_modifier(BOLD),
    tab_active: Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(BOLD),
    tab_inactive: Style::new().fg(Color::Gray),
    border: Style::new().fg(Color::DarkGray),
    border_focused: Style::new().fg(Color::Cyan).add_modifier(BOLD),
    pane_title: Style::new().fg(Color::Gray),
    pane_title_focused: Style::new()
        .fg(Color::Cyan)
        .add_modifier(BOLD.union(Modifier::REVERSED)),
    selection: Style::new().add_modifier(BOLD.union(Modifier::REVERSED)),
    dim: Style::new().fg(Color::DarkGray),
    note: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
    json_key: Style::new().fg(Color::Blue),
    json_string: Style::new().fg(Color::Green),
    json_number: Style::new().fg(Color::Cyan),
    json_literal: Style::new().fg(Color::Magenta),
    json_punct: Style::new().fg(Color::Gray),
    identity: Style::new()
        .fg(Color::Yellow)
        .add_modifier(BOLD.union(Modifier::UNDERLINED)),
    effect_good: Style::new().fg(Color::Green).add_modifier(BOLD),
    effect_bad: Style::new().fg(Color::Red).add_modifier(BOLD),
    effect_quiet: Style::new().fg(Color::Gray),
    added: Style::new().fg(Color::Green).add_modifier(BOLD),
    diff: Style::new()
        .fg(Color::Yellow)
        .add_modifier(BOLD.union(Modifier::UNDERLINED)),
    key: Style::new().fg(Color::Cyan).add_modifier(BOLD),
    hint: Style::new().fg(Color::Gray),
    message: Style::new().fg(Color::Yellow).add_modifier(BOLD),
    error: Style::new().fg(Color::Red).add_modifier(BOLD),
    label: Style::new().fg(Color::Gray),
};

pub const MONO: Theme = Theme {
    mono: true,
    title: Style::new().add_modifier(BOLD),
    tab_active: Style::new().add_modifier(BOLD.union(Modifier::REVERSED)),
    tab_inactive: Style::new(),
    border: Style::new(),
    border_focused: Style::new().add_modifier(BOLD),
    pane_title: Style::new(),
    pane_title_focused: Style::new().add_modifier(BOLD.union(Modifier::REVERSED)),
    selection: Style::new().add_modifier(BOLD.union(Modifier::REVERSED)),
    dim: Style::new().add_modifier(Modifier::DIM),
    note: Style::new().add_modifier(Modifier::ITALIC),
    json_key: Style::new(),
    json_string: Style::new(),
    json_number: Style::new(),
    json_literal: Style::new(),
    json_punct: Style::new(),
    identity: Style::new().add_modifier(BOLD.union(Modifier::UNDERLINED)),
    effect_good: Style::new().add_modifier(BOLD),
    effect_bad: Style::new().add_modifier(BOLD.union(Modifier::UNDERLINED)),
    effect_quiet: Style::new(),
    added: Style::new().add_modifier(BOLD),
    diff: Style::new().add_modifier(BOLD.union(Modifier::UNDERLINED)),
    key: Style::new().add_modifier(BOLD),
    hint: Style::new(),
    message: Style::new().add_modifier(BOLD),
    error: Style::new().add_modifier(BOLD),
    label: Style::new(),
};

impl Theme {
    /// The monochrome theme or the colour one (`crate::config::Theme` decides, `NO_COLOR`
    /// included).
    pub fn pick(mono: bool) -> &'static Theme {
        if mono {
            &MONO
        } else {
            &COLOR
        }
    }

    pub fn effect(&self, effect: Effect) -> Style {
        match effect {
            Effect::Linked | Effect::Merged | Effect::Aliased => self.effect_good,
            Effect::Failed | Effect::Rejected => self.effect_bad,
            Effect::None | Effect::Ignored => self.effect_quiet,
        }
    }
}
