//! Info overlay (`I`): what the panes cut short — the scenario's name, file and description,
//! and every step's full note and SDK notes, wrapped to the width.

use super::{vis, wrap};
use crate::tui::app::App;
use idscope_core::model::Choice;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

pub struct Info<'a> {
    pub app: &'a App,
    pub scroll: usize,
}

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let s = &app.scenario;
    let w = width.saturating_sub(2).max(8);
    let mut out = vec![Line::styled(vis(&s.name), t.title)];
    if let Some(e) = app.entries.get(app.current) {
        out.push(Line::styled(format!("file: {}", vis(&e.origin)), t.label));
    }
    out.push(Line::raw(""));
    match s.description.as_deref() {
        Some(d) => out.extend(wrap(&vis(d), w).into_iter().map(Line::raw)),
        None => out.push(Line::styled("(no description)", t.label)),
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Devices and their SDKs", t.title));
    let mut names: Vec<&str> = s
        .steps
        .iter()
        .filter_map(|st| st.device.as_deref())
        .collect();
    names.extend(s.devices.keys().map(String::as_str));
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        out.push(Line::styled("  (raw sends only)", t.label));
    }
    for name in names {
        let p = s.profile_of(name);
        for l in wrap(
            &format!(
                "{} · {} ({}) — {}",
                vis(name),
                p.label(),
                p.help(),
                p.evidence()
            ),
            w,
        ) {
            out.push(Line::raw(format!("  {l}")));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Notes, step by step", t.title));
    let run = app.run();
    let mut any = false;
    for (i, step) in s.steps.iter().enumerate() {
        let sdk = run
            .steps
            .get(i)
            .map(|r| r.sdk_notes.as_slice())
            .unwrap_or(&[]);
        if step.note.is_none() && sdk.is_empty() {
            continue;
        }
        any = true;
        let who = step
            .device
            .as_deref()
            .map(vis)
            .unwrap_or_else(|| "server".into());
        out.push(Line::styled(format!("step {} · {who}", i + 1), t.label));
        if let Some(n) = &step.note {
            for l in wrap(&format!("“{}”", vis(n)), w) {
                out.push(Line::styled(format!("  {l}"), t.note));
            }
        }
        for n in sdk {
            for l in wrap(&format!("! {}", vis(n)), w) {
                out.push(Line::styled(format!("  {l}"), t.effect_bad));
            }
        }
    }
    if !any {
        out.push(Line::styled("  (no step has a note)", t.label));
    }
    out
}

impl Widget for &Info<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        super::text_overlay(
            "Scenario · description and notes".into(),
            self.app.theme,
            self.scroll,
            area,
            buf,
            |w| lines(self.app, w),
        );
    }
}
