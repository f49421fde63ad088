//! Drawing the playground's prompts over the body (add or edit a step, rename, save,
//! overwrite, changed on disk, unsaved).

use super::rename::Target;
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
        Prompt::Add(p) if p.edit.is_some() => {
            let k = p.edit.as_ref().map_or(0, |t| t.step);
            match p.stage {
                AddStage::Kind => format!("Edit step {k} · 1 action"),
                AddStage::Device | AddStage::NewDevice => {
                    format!("Edit step {k}: {} · 2 device", KINDS[p.kind].1)
                }
                AddStage::Text => format!("Edit step {k}: {} · 3 value", KINDS[p.kind].1),
            }
        }
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
        Prompt::Rename(p) => match &p.target {
            None => "Rename · 1 what".into(),
            Some(Target::Scenario) => "Rename the scenario · 2 new name".into(),
            Some(Target::Device(d)) => format!("Rename device {} · 2 new name", vis(d)),
        },
        Prompt::Save { .. } => "Save as a scenario file".into(),
        Prompt::Overwrite { .. } => "Save · overwrite?".into(),
        Prompt::Conflict { .. } => "Save · changed on disk".into(),
        Prompt::Unsaved { .. } => "Unsaved changes".into(),
    }
}

/// A text field: the end of the (escaped) text, which is where typing happens, and a cursor.
fn field(text: &str, w: usize, app: &App) -> Line<'static> {
    let t = app.theme;
    let shown = vis(text);
    let room = w.saturating_sub(1);
    let tail: String = crate::tui::views::cells::tail(&shown, room).to_string();
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
            let editing = p.edit.is_some();
            if let Some(target) = &p.edit {
                // Editing: what the step is now, and what is kept that the prompt does not show.
                let now = target.step.checked_sub(1);
                if let Some(step) = now.and_then(|i| app.scenario.steps.get(i)) {
                    out.push(Line::styled(
                        fit(&format!("now: {}", super::describe(step)), w),
                        t.label,
                    ));
                }
                if !target.kept.is_empty() {
                    out.push(Line::styled(
                        fit(&format!("kept as is: {}", target.kept.join(", ")), w),
                        t.hint,
                    ));
                }
            }
            match p.stage {
                AddStage::Kind => {
                    for (i, (key, name, what)) in KINDS.iter().enumerate() {
                        let label = match what {
                            Some(w) => format!("{name} <{w}>"),
                            None => name.to_string(),
                        };
                        out.push(item(i == p.kind, key.to_string(), label));
                    }
                    let suggestion = if editing {
                        None
                    } else {
                        super::suggest::suggestion(app)
                    };
                    if let Some(s) = suggestion {
                        if let Some(step) = &s.step {
                            out.push(Line::styled(
                                fit(&format!("! suggested: {}", super::describe(step)), w),
                                t.message,
                            ));
                        }
                    }
                    error(&mut out, &p.error);
                    if editing {
                        "letter picks · ↑/↓ · Enter keeps the marked one · Esc cancel"
                    } else {
                        "letter picks · ↑/↓ Enter · ! suggestion · Esc cancel"
                    }
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
                    if editing {
                        "type · Tab complete · Ctrl-U clear · Enter replace · Esc back"
                    } else {
                        "type · Tab complete · Enter add · Esc back"
                    }
                }
            }
        }
        Prompt::Rename(p) => match &p.target {
            None => {
                out.push(Line::raw(fit("Rename what?", w)));
                out.push(item(
                    p.row == 0,
                    "s".into(),
                    format!(
                        "the scenario  {}",
                        idscope_core::text::quoted(&app.scenario.name)
                    ),
                ));
                for (i, d) in devices(&app.scenario).iter().enumerate() {
                    let key = if i < 9 {
                        (i + 1).to_string()
                    } else {
                        " ".into()
                    };
                    let pinned = app
                        .scenario
                        .devices
                        .get(d)
                        .is_some_and(|s| s.device_id.is_some());
                    let label = if pinned {
                        format!("device {}  (device_id pinned)", vis(d))
                    } else {
                        format!("device {}", vis(d))
                    };
                    out.push(item(p.row == i + 1, key, label));
                }
                error(&mut out, &p.error);
                "s/number picks · ↑/↓ Enter · Esc cancel"
            }
            Some(target) => {
                let (ask, note) = match target {
                    Target::Scenario => (
                        "New name for the scenario:".to_string(),
                        "Generated device ids derive from the scenario's name: they change with it.",
                    ),
                    Target::Device(d) => {
                        let pinned = app
                            .scenario
                            .devices
                            .get(d)
                            .is_some_and(|s| s.device_id.is_some());
                        (
                            format!("New name for device {}:", vis(d)),
                            if pinned {
                                "Renamed in devices, in every step and in expect's {device} placeholders."
                            } else {
                                "Renamed in devices, in every step and in expect's {device} placeholders. Its generated ids derive from its name: they change with it."
                            },
                        )
                    }
                };
                out.push(Line::raw(fit(&ask, w)));
                out.push(field(&p.text, w, app));
                for l in wrap(note, w) {
                    out.push(Line::styled(l, t.hint));
                }
                error(&mut out, &p.error);
                "type · Ctrl-U clear · Enter rename · Esc back"
            }
        },
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
        Prompt::Conflict { path, .. } => {
            let shown = vis(&path.display().to_string());
            let deleted = crate::tui::reload::deleted(app);
            let what = if deleted {
                format!("{shown} was deleted on disk since it was read here.")
            } else {
                format!("{shown} changed on disk since it was read here (another program wrote it); saving would replace that change.")
            };
            for l in wrap(&what, w) {
                out.push(Line::styled(l, t.error));
            }
            out.push(Line::raw(""));
            match (
                crate::tui::reload::pending(app),
                crate::tui::reload::disk_error(app),
            ) {
                (Some(_), _) => out.push(Line::raw(fit(
                    "r  reload it from disk, dropping the changes made here",
                    w,
                ))),
                (None, Some(e)) => {
                    for l in wrap(&format!("r  (cannot reload: {})", vis(e)), w) {
                        out.push(Line::styled(l, t.hint));
                    }
                }
                (None, None) => out.push(Line::styled(fit("r  (nothing to reload)", w), t.hint)),
            }
            out.push(Line::raw(fit(
                "k  keep mine: overwrite the file on disk with this scenario",
                w,
            )));
            out.push(Line::raw(fit("e  save elsewhere: type another path", w)));
            out.push(Line::raw(fit("Esc  back, nothing saved", w)));
            "r reload · k keep mine · e elsewhere · Esc back"
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
