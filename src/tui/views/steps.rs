//! Steps pane: every step; intents show the SDK calls they expanded to; the cursor marks the
//! current step; later steps are dimmed.

use super::{pane_block, vis};
use crate::tui::app::App;
use idscope_core::scenario::Action as StepAction;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Steps<'a> {
    pub app: &'a App,
    pub focused: bool,
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// What the step says, as written in the scenario (an intent) or the call it made.
pub fn summary(app: &App, i: usize) -> String {
    let Some(step) = app.scenario.steps.get(i) else {
        return String::new();
    };
    match &step.action {
        StepAction::Visit(p) => format!("visit({})", js(p)),
        StepAction::Signup(u) => format!("signup({})", js(u)),
        StepAction::Login(u) => format!("login({})", js(u)),
        StepAction::Logout => "logout()".into(),
        _ => app
            .run()
            .steps
            .get(i)
            .map(|r| r.calls.join("; "))
            .unwrap_or_default(),
    }
}

fn is_intent(app: &App, i: usize) -> bool {
    app.scenario
        .steps
        .get(i)
        .is_some_and(|s| s.action.is_intent())
}

/// Lines step `i` (0-based) takes in the pane.
pub fn step_height(app: &App, i: usize) -> usize {
    let Some(r) = app.run().steps.get(i) else {
        return 1;
    };
    let calls = if is_intent(app, i) {
        r.calls.len().max(1)
    } else {
        0
    };
    let answer = idscope_core::output::response_summary(app.run(), i).is_some();
    1 + calls + r.sdk_notes.len() + usize::from(answer) + usize::from(r.note.is_some())
}

pub fn step_lines(app: &App, i: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(r) = app.run().steps.get(i) else {
        return Vec::new();
    };
    let n = i + 1;
    let current = n == app.cursor;
    let later = n > app.cursor;
    let digits = app.total_steps().to_string().len();
    // Devices the run created (O(devices), not O(steps): this runs for every visible step).
    let dev_w = app
        .run()
        .device_ids
        .keys()
        .map(|d| super::cells::width(d))
        .max()
        .unwrap_or(0)
        .min(10);
    let device = super::fit(&vis(r.device.as_deref().unwrap_or("—")), dev_w.max(1));
    let head = format!(
        "{} {n:>digits$} {device:<dev_w$}  {}",
        if current { "▶" } else { " " },
        vis(&summary(app, i))
    );
    let base = if later { t.dim } else { Style::new() };
    let head_style = if current { t.selection } else { base };
    let indent = " ".repeat(digits + dev_w + 5);
    let mut out = vec![Line::from(Span::styled(head, head_style)).style(head_style)];
    if is_intent(app, i) {
        if r.calls.is_empty() {
            // The step's SDK note below says why (the playbook's rule).
            out.push(Line::from(Span::styled(
                format!("{indent}→ (no SDK call)"),
                if later { t.dim } else { t.hint },
            )));
        }
        for c in &r.calls {
            out.push(Line::from(Span::styled(
                format!("{indent}→ {}", vis(c)),
                if later { t.dim } else { t.hint },
            )));
        }
    }
    for note in &r.sdk_notes {
        out.push(Line::from(Span::styled(
            format!("{indent}! {}", vis(note)),
            if later { t.dim } else { t.effect_bad },
        )));
    }
    if let Some(answer) = idscope_core::output::response_summary(app.run(), i) {
        out.push(Line::from(Span::styled(
            format!("{indent}← {answer}"),
            if later { t.dim } else { t.hint },
        )));
    }
    if let Some(note) = &r.note {
        out.push(Line::from(Span::styled(
            format!("{indent}“{}”", vis(note)),
            if later { t.dim } else { t.note },
        )));
    }
    out
}

impl Widget for &Steps<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let title = format!("Steps · {}/{}", app.cursor, app.total_steps());
        let block = pane_block(title, self.focused, app.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let mut lines = Vec::new();
        let mut i = app.scroll[0];
        if app.total_steps() == 0 {
            lines.push(Line::raw("(this scenario has no steps)"));
        }
        while i < app.total_steps() && lines.len() < inner.height as usize {
            lines.extend(step_lines(app, i));
            i += 1;
        }
        super::render_lines(lines, 0, inner, buf);
    }
}
