//! Header: scenario name and step k/N; the three modes as tabs; the playbook.

use super::vis;
use crate::tui::app::App;
use idscope_core::model::{Choice, Mode};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct Header<'a>(pub &'a App);

/// A mode's tab: its number key and its name (the settings page's, when there is room).
pub fn tab_label(mode: Mode, wide: bool) -> String {
    let name = match (wide, mode) {
        (true, _) => mode.title(),
        (false, Mode::Legacy) => "Legacy",
        (false, Mode::Original) => "Original",
        (false, Mode::Simplified) => "Simplified",
    };
    format!(" {} {name} ", mode as usize + 1)
}

impl Widget for &Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let t = app.theme;
        let [top, tabs] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let step = format!(" step {}/{} ", app.cursor, app.total_steps());
        let [name_area, step_area] = Layout::horizontal([
            Constraint::Min(0),
            Constraint::Length(super::cells::width(&step) as u16),
        ])
        .areas(top);
        let mut name = vec![
            Span::styled(" idscope ", t.key),
            Span::styled(vis(&app.scenario.name), t.title),
        ];
        if app.dirty {
            let branch = match app.playground.branch {
                Some(k) => format!(" · branched after step {k}"),
                None => String::new(),
            };
            name.push(Span::styled(
                format!("  ● modified{branch} (s saves)"),
                t.message,
            ));
        }
        Paragraph::new(Line::from(name)).render(name_area, buf);
        Paragraph::new(Span::styled(step, t.title)).render(step_area, buf);

        let mut spans = vec![Span::raw(" ")];
        for (i, mode) in Mode::ALL.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled("│", t.border));
            }
            let style = if mode == app.mode {
                t.tab_active
            } else {
                t.tab_inactive
            };
            spans.push(Span::styled(tab_label(mode, area.width >= 100), style));
        }
        spans.push(Span::styled("   playbook: ", t.label));
        spans.push(match app.playbook {
            None => Span::styled(format!("follows mode ({})", app.mode), t.hint),
            Some(m) => Span::styled(format!("{m} (fixed)"), t.message),
        });
        // The SDKs the scenario's devices run, when there is room (the help always says).
        let used: std::collections::BTreeSet<String> = app
            .scenario
            .steps
            .iter()
            .filter_map(|s| s.device.as_deref())
            .map(|d| app.scenario.profile_of(d))
            .map(|p| {
                if p.verified() {
                    p.label()
                } else {
                    format!("{} (from source)", p.label())
                }
            })
            .collect();
        let any_sdk = !used.is_empty();
        let sdk = format!(
            "   SDK: {}",
            used.into_iter().collect::<Vec<_>>().join(", ")
        );
        let used_width: usize = spans.iter().map(|s| s.width()).sum();
        if app.knobs.is_default()
            && any_sdk
            && area.width >= 140
            && used_width + sdk.len() <= area.width as usize
        {
            spans.push(Span::styled(sdk, t.label));
        }
        if !app.knobs.is_default() {
            let k = app.knobs;
            spans.push(Span::styled(
                format!(
                    "   knobs: max_cluster {} · guid_check {} · identify_links {} · missing_distinct_id {}",
                    k.max_cluster,
                    k.guid_check.as_str(),
                    k.identify_links,
                    k.missing_distinct_id.name()
                ),
                t.message,
            ));
        }
        Paragraph::new(Line::from(spans)).render(tabs, buf);
    }
}
