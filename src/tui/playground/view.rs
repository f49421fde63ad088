//! Drawing the playground's prompts over the body (add step, save, overwrite, unsaved).

use super::{candidates, devices, AddStage, Prompt, Then, KINDS};
use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::views::{fit, overlay_block, render_lines, vis, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

/// The prompt's title.
fn title(app: &App, prompt: &Prompt) -> String {
    match prompt {
        Prompt::Add(p) => {
            let place = format!("after step {}", app.cursor);
            match p.stage {
                AddStage::Kind => format!("Add a step {place} · 1 action"),
                AddStage::Device | AddStage::NewDevice => {
                    format!("Add {} {place} · 2 device", KINDS[p.kind].1)
                }
                AddStage::Text => format!("Add {} {place} · 3 value", KINDS[p.kind].1),
            }
        }
        Prompt::Save { .. } => "Save as a scenario file".into(),
        Prompt::Overwrite { .. } => "Save · overwrite?".into(),
        Prompt::Unsaved { .. } => "Unsaved changes".into(),
    }
}

/// A text field: the end of the (escaped) text, which is where typing happens, and a cursor.
fn field(text: &str, w: usize, app: &App) -> Line<'static> {
    let t = app.theme;
    let shown = vis(text);
    let n = shown.chars().count();
    let room = w.saturating_sub(1);
    let tail: String = shown.chars().skip(n.saturating_sub(room)).collect();
    Line::from(vec![Span::styled(tail, t.key), Span::styled("█", t.hint)])
}

/// The prompt's lines (without the hint row).
fn lines(app: &App, prompt: &Prompt, w: usize) -> (Vec<Line<'static>>, &'static str) {
    let t = app.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    let item = |sel: bool, key: String, label: String| -> Line<'static> {
        let mark = if sel { "▶ " } else { "  " };
        let style = if sel { t.selection } else { t.hint };
        Line::from(Span::styled(
            fit(&format!("{mark}{key}  {label}"), w),
            style,
        ))
    };
    let error = |out: &mut Vec<Line<'static>>, e: &Option<String>| {
        if let Some(e) = e {
            for l in wrap(&vis(e), w) {
                out.push(Line::styled(l, t.error));
            }
        }
    };
    let hint = match prompt {
        Prompt::Add(p) => {
            let (_, kind, what) = KINDS[p.kind];
            match p.stage {
                AddStage::Kind => {
                    for (i, (key, name, what)) in KINDS.iter().enumerate() {
                        let label = match what {
                            Some(w) => format!("{name} <{w}>"),
                            None => name.to_string(),
                        };
                        out.push(item(i == p.kind, key.to_string(), label));
                    }
                    if let Some(s) = super::suggest::suggestion(app) {
                        if let Some(step) = &s.step {
                            out.push(Line::styled(
                                fit(&format!("! suggested: {}", super::describe(step)), w),
                                t.message,
                            ));
                        }
                    }
                    error(&mut out, &p.error);
                    "letter picks · ↑/↓ Enter · ! suggestion · Esc cancel"
                }
                AddStage::Device => {
                    let list = devices(&app.scenario);
                    for (i, d) in list.iter().enumerate() {
                        let key = if i < 9 {
                            (i + 1).to_string()
                        } else {
                            " ".into()
                        };
                        out.push(item(i == p.device_row, key, vis(d)));
                    }
                    out.push(item(
                        p.device_row >= list.len(),
                        "+".into(),
                        "a new device…".into(),
                    ));
                    error(&mut out, &p.error);
                    "number picks · ↑/↓ Enter · + new device · Esc back"
                }
                AddStage::NewDevice => {
                    out.push(Line::raw("New device name:"));
                    out.push(field(&p.text, w, app));
                    error(&mut out, &p.error);
                    "type a name · Enter next · Esc back"
                }
                AddStage::Text => {
                    let on = match &p.device {
                        Some(d) => format!("{kind} on {}", vis(d)),
                        None => format!("{kind} (straight to /track, no device)"),
                    };
                    out.push(Line::styled(fit(&on, w), t.label));
                    out.push(Line::raw(fit(&format!("{}:", what.unwrap_or("text")), w)));
                    out.push(field(&p.text, w, app));
                    let prefix = match &p.completing {
                        Some((prefix, _)) => prefix.as_str(),
                        None => p.text.as_str(),
                    };
                    let all = candidates(&app.scenario, kind);
                    let list: Vec<String> = all
                        .iter()
                        .filter(|c| c.starts_with(prefix))
                        .map(|c| vis(c))
                        .collect();
                    if !list.is_empty() {
                        out.push(Line::styled(
                            fit(&format!("Tab completes: {}", list.join(", ")), w),
                            t.hint,
                        ));
                    }
                    error(&mut out, &p.error);
                    "type · Tab complete · Enter add · Esc back"
                }
            }
        }
        Prompt::Save { text, error: e, .. } => {
            out.push(Line::raw(fit("Save to (Enter saves, Esc cancels):", w)));
            out.push(field(text, w, app));
            error(&mut out, e);
            "type a path · Backspace · Ctrl-U clear · Enter save · Esc cancel"
        }
        Prompt::Overwrite { path, .. } => {
            for l in wrap(
                &format!(
                    "{} already exists. Overwrite it? y/n",
                    vis(&path.display().to_string())
                ),
                w,
            ) {
                out.push(Line::styled(l, t.error));
            }
            "y overwrite · n/Esc choose another name"
        }
        Prompt::Unsaved { then } => {
            let what = match then {
                Then::Quit => "Quit",
                Then::New => "Start a new scenario",
                Then::Open(_) => "Open another scenario",
            };
            for l in wrap(
                &format!("The scenario has unsaved changes. {what} anyway?"),
                w,
            ) {
                out.push(Line::styled(l, t.error));
            }
            out.push(Line::raw(""));
            out.push(Line::raw(fit("s  save first", w)));
            out.push(Line::raw(fit("y  discard the changes", w)));
            out.push(Line::raw(fit("n  keep editing (Esc)", w)));
            "s save · y discard · n/Esc stay"
        }
    };
    (out, hint)
}

/// Draws the open prompt over `area` (the body).
pub fn render(app: &App, prompt: &Prompt, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let r = layout::popup(area, 72, 16);
    if r.width < 3 || r.height < 3 {
        return;
    }
    Clear.render(r, buf);
    let block = overlay_block(title(app, prompt), t);
    let inner = block.inner(r);
    block.render(r, buf);
    let w = inner.width as usize;
    let (mut body, hint) = lines(app, prompt, w);
    let rows = inner.height.saturating_sub(1) as usize;
    body.truncate(rows);
    while body.len() < rows {
        body.push(Line::raw(""));
    }
    body.push(Line::styled(fit(hint, w), t.hint));
    render_lines(body, 0, inner, buf);
}
