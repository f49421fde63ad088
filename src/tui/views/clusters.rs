//! Clusters pane: the users as they stand after the current step — canonical id (labelled
//! "Mixpanel-chosen" under Original, O-CANON), members with their kind, event counts.
//! What this step added or changed is marked `+` (new) or `*` (changed) and highlighted;
//! `≠` says how the other modes group the same ids when they differ.

use super::{ids, pane_block, wrap};
use crate::tui::app::App;
use crate::tui::step_clusters::Change;
use idscope_core::model::Mode;
use idscope_core::run::Run;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Clusters<'a> {
    pub app: &'a App,
    pub focused: bool,
}

/// What kind of id a member is, as the resolver recorded it (padded to 7 columns).
pub fn kind(run: &Run, id: &str) -> &'static str {
    match run.id_kind(id) {
        idscope_core::run::IdKind::Synthetic => "synth",
        k => k.as_str(),
    }
}

/// The marker under a cluster that another mode groups otherwise, wrapped to `width`.
fn marker(d: &crate::tui::step_clusters::Diffed, width: usize) -> Vec<String> {
    if d.elsewhere.is_empty() {
        return Vec::new();
    }
    // Compact here; `c` (compare) shows how.
    let modes: Vec<&str> = d.elsewhere.iter().map(|m| m.short()).collect();
    let text = format!("≠ {} group these ids otherwise (c)", modes.join(", "));
    wrap(&text, width.saturating_sub(3).max(8))
}

/// Lines the pane holds at `width`, counted without drawing them (scrolling asks often).
pub fn len(app: &App, width: usize) -> usize {
    if app.cursor == 0 {
        return 1;
    }
    let all = app.clusters();
    let body: usize = all
        .iter()
        .map(|d| 2 + marker(d, width).len() + d.cluster.members.len())
        .sum();
    body.max(1)
}

/// The pane's lines at `width`, stopping once `limit` lines are built (a frame needs the
/// lines down to the bottom of the pane only).
pub fn lines(app: &App, width: usize, limit: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let run = app.run();
    let mut out = Vec::new();
    if app.cursor == 0 {
        out.push(Line::raw("(no step yet)"));
        return out;
    }
    let all = app.clusters();
    if all.is_empty() {
        out.push(Line::styled("no user yet", t.label));
    }
    for d in all {
        if out.len() >= limit {
            break;
        }
        let (c, change, before) = (&d.cluster, d.change, d.events_before);
        let mark = match change {
            Change::New => "+",
            Change::Changed => "*",
            Change::Same => " ",
        };
        let hl = if change == Change::Same {
            t.title
        } else {
            t.added
        };
        out.push(Line::from(vec![
            Span::styled(mark.to_string(), t.added),
            Span::styled(ids::label(run, &c.canonical, width.saturating_sub(1)), hl),
        ]));
        let canonical = if app.mode == Mode::Original {
            "   canonical (Mixpanel-chosen)"
        } else {
            "   canonical"
        };
        let plural = if c.events == 1 { "" } else { "s" };
        let mut meta = vec![Span::styled(
            format!("{canonical} · {} event{plural}", c.events),
            t.label,
        )];
        if let Some(b) = before.filter(|b| *b != c.events) {
            let d = c.events as i64 - b as i64;
            meta.push(Span::styled(format!(" ({d:+})"), t.added));
        }
        out.push(Line::from(meta));
        for (k, l) in marker(d, width).into_iter().enumerate() {
            let lead = if k == 0 { "   " } else { "     " };
            out.push(Line::styled(format!("{lead}{l}"), t.diff));
        }
        for (m, &is_new) in c.members.iter().zip(&d.new_members) {
            let style = if is_new && change != Change::New {
                t.added
            } else {
                Style::new()
            };
            let mark = if is_new && change != Change::New {
                "+"
            } else {
                " "
            };
            out.push(Line::from(vec![
                Span::styled(format!("{mark}  "), t.added),
                Span::styled(format!("{:<7}", kind(run, m)), t.label),
                Span::styled(ids::label(run, m, width.saturating_sub(10)), style),
            ]));
        }
    }
    out
}

impl Widget for &Clusters<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let n = app.clusters().len();
        let title = format!(
            "Clusters · {n} after step {} · + new * changed ≠ other modes",
            app.cursor
        );
        let block = pane_block(title, self.focused, app.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let limit = app.scroll[2] + inner.height as usize;
        super::render_lines(
            lines(app, inner.width as usize, limit),
            app.scroll[2],
            inner,
            buf,
        );
    }
}
