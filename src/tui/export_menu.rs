//! The export menu (`x`, issue 4): pick a format, a scope, then copy the text or write it to
//! a file. Writing is an [`Effect::Write`] the shell carries out atomically; an existing
//! file is only replaced after the user confirms ([`written`] handles the outcome).
//!
//! While the menu is open every key reaches it as [`Action::MenuKey`] (the path prompt
//! takes text), except Ctrl-C, which still quits.

use super::app::{Action, App, Effect};
use super::copy::{target_event, warnings_suffix};
use super::layout;
use super::shell::WriteKind;
use super::views::{fit, render_lines, vis, wrap};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use idscope_core::atomic::WriteError;
use idscope_core::export::{self, Export, Format, Options, Scope};
use idscope_core::text::human_size;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};
use std::path::{Path, PathBuf};

/// Where the menu is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Format,
    Scope,
    /// Copy or write a file.
    Target,
    /// Typing the file name.
    Path {
        text: String,
    },
    /// The file exists: overwrite it?
    Confirm {
        path: PathBuf,
    },
}

/// The scopes the menu offers, in order.
pub const SCOPES: usize = 4;

/// What the user chose so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    pub stage: Stage,
    /// Index in [`Format::ALL`].
    pub format: usize,
    /// 0 selected event, 1 current step, 2 up to the cursor, 3 whole scenario.
    pub scope: usize,
    /// 0 copy, 1 write a file.
    pub target: usize,
    /// Warnings of the export as chosen (shown in the menu).
    pub warnings: Vec<String>,
    /// Why the last attempt failed (shown in the menu).
    pub error: Option<String>,
    /// Set when the menu is done (copied, written or cancelled).
    pub closed: bool,
    /// What the message says once the file being written is written: (items, size, warnings).
    writing: Option<(usize, u64, Vec<String>)>,
}

impl Menu {
    pub fn new() -> Menu {
        Menu {
            stage: Stage::Format,
            format: 0,
            scope: 2,
            target: 0,
            warnings: Vec::new(),
            error: None,
            closed: false,
            writing: None,
        }
    }

    pub fn format(&self) -> Format {
        Format::ALL[self.format.min(Format::ALL.len() - 1)]
    }
}

impl Default for Menu {
    fn default() -> Menu {
        Menu::new()
    }
}

/// `x`: opens the menu.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.export_menu = Some(Menu::new());
    Vec::new()
}

/// The scope a menu row stands for, or why it is not available.
pub fn scope_of(app: &App, row: usize) -> Result<Scope, String> {
    match row {
        0 => target_event(app)
            .map(Scope::Event)
            .ok_or_else(|| "this step sent no payload".to_string()),
        1 if app.cursor == 0 => Err("the scenario has no steps".into()),
        1 => Ok(Scope::Step(app.cursor)),
        2 if app.cursor == 0 => Err("the scenario has no steps".into()),
        2 => Ok(Scope::Until(app.cursor)),
        _ => Ok(Scope::All),
    }
}

/// The menu rows for the scopes, with what each covers.
pub fn scope_labels(app: &App) -> [String; SCOPES] {
    let event = match target_event(app) {
        Some(i) => format!("selected event ({})", app.run().event_ref(i)),
        None => "selected event (none at this step)".into(),
    };
    [
        event,
        format!("current step (step {})", app.cursor),
        format!("everything up to the cursor (steps 1–{})", app.cursor),
        format!("whole scenario ({} steps)", app.total_steps()),
    ]
}

/// The export as chosen.
pub fn build(app: &App, menu: &Menu) -> Result<Export, String> {
    let scope = scope_of(app, menu.scope)?;
    export::export(
        app.run(),
        &app.scenario,
        &Options::new(menu.format(), scope),
    )
}

/// `./<scenario-stem>-<mode>.<ext>`.
pub fn default_path(app: &App, format: Format) -> String {
    let origin = app
        .entries
        .get(app.current)
        .map(|e| e.origin.as_str())
        .unwrap_or("");
    let stem = Path::new(origin)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && origin.ends_with(".json"))
        .unwrap_or_else(|| slug(&app.scenario.name));
    format!(
        "./{}-{}.{}",
        slug(&stem),
        app.mode.as_str(),
        idscope_core::export::extension_for(format, &app.scenario)
    )
}

/// Lower-case letters, digits, `-` and `_` only.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "scenario".into()
    } else {
        out.chars().take(60).collect()
    }
}

fn rows(menu: &Menu) -> usize {
    match menu.stage {
        Stage::Format => Format::ALL.len(),
        Stage::Scope => SCOPES,
        Stage::Target => 2,
        _ => 0,
    }
}

fn selected_mut(menu: &mut Menu) -> Option<&mut usize> {
    match menu.stage {
        Stage::Format => Some(&mut menu.format),
        Stage::Scope => Some(&mut menu.scope),
        Stage::Target => Some(&mut menu.target),
        _ => None,
    }
}

/// A key while the menu is open.
pub fn key(app: &mut App, ev: KeyEvent) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let Some(mut menu) = app.export_menu.take() else {
        return Vec::new();
    };
    let effects = step(app, &mut menu, ev);
    if !menu.closed {
        app.export_menu = Some(menu);
    }
    effects
}

fn close(menu: &mut Menu) {
    menu.closed = true;
}

fn step(app: &mut App, menu: &mut Menu, ev: KeyEvent) -> Vec<Effect> {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(ev.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        close(menu);
        app.should_quit = true;
        return vec![Effect::Quit];
    }
    // Text entry first: letters are text there.
    if let Stage::Path { text } = &mut menu.stage {
        match ev.code {
            KeyCode::Esc => {
                menu.stage = Stage::Target;
                menu.error = None;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Char(c) if !ctrl && !c.is_control() && text.len() < 4096 => text.push(c),
            KeyCode::Enter => {
                let path = PathBuf::from(text.trim());
                if text.trim().is_empty() {
                    menu.error = Some("type a file name".into());
                } else {
                    return write(app, menu, path, false);
                }
            }
            _ => {}
        }
        return Vec::new();
    }
    if let Stage::Confirm { path } = &menu.stage {
        let path = path.clone();
        match ev.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => return write(app, menu, path, true),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                menu.stage = Stage::Path {
                    text: path.display().to_string(),
                };
                menu.error = Some("not overwritten; choose another name".into());
            }
            _ => {}
        }
        return Vec::new();
    }
    let n = rows(menu);
    match ev.code {
        KeyCode::Esc => {
            menu.error = None;
            match menu.stage {
                Stage::Format => close(menu),
                Stage::Scope => menu.stage = Stage::Format,
                _ => menu.stage = Stage::Scope,
            }
        }
        KeyCode::Char('q') => close(menu),
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            if let Some(s) = selected_mut(menu) {
                *s = (*s + 1) % n.max(1);
            }
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
            if let Some(s) = selected_mut(menu) {
                *s = (*s + n.max(1) - 1) % n.max(1);
            }
        }
        KeyCode::Char(c @ '1'..='9') => {
            let i = c as usize - '1' as usize;
            if i < n {
                if let Some(s) = selected_mut(menu) {
                    *s = i;
                }
                return advance(app, menu);
            }
        }
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => return advance(app, menu),
        KeyCode::Left | KeyCode::Char('h') => {
            menu.error = None;
            match menu.stage {
                Stage::Scope => menu.stage = Stage::Format,
                Stage::Target => menu.stage = Stage::Scope,
                _ => {}
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Enter on a list: on to the next stage (or copy).
fn advance(app: &mut App, menu: &mut Menu) -> Vec<Effect> {
    menu.error = None;
    match menu.stage {
        Stage::Format => menu.stage = Stage::Scope,
        Stage::Scope => match build(app, menu) {
            Ok(e) => {
                menu.warnings = e.warnings;
                menu.stage = Stage::Target;
            }
            Err(err) => menu.error = Some(err),
        },
        Stage::Target if menu.target == 0 => match build(app, menu) {
            Ok(e) => {
                let what = format!(
                    "{} ({} item(s), {}){}",
                    menu.format().as_str(),
                    e.items,
                    scope_of(app, menu.scope)
                        .map(|s| s.label())
                        .unwrap_or_default(),
                    warnings_suffix(&e.warnings)
                );
                close(menu);
                return vec![Effect::Copy {
                    what,
                    data: e.text.into_bytes(),
                }];
            }
            Err(err) => menu.error = Some(err),
        },
        Stage::Target => {
            menu.stage = Stage::Path {
                text: default_path(app, menu.format()),
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Asks the shell to write the export to `path` atomically; an existing file is kept
/// unless `overwrite` (the user confirmed).
fn write(app: &mut App, menu: &mut Menu, path: PathBuf, overwrite: bool) -> Vec<Effect> {
    let export = match build(app, menu) {
        Ok(e) => e,
        Err(err) => {
            menu.error = Some(err);
            return Vec::new();
        }
    };
    menu.writing = Some((export.items, export.text.len() as u64, export.warnings));
    vec![Effect::Write {
        kind: WriteKind::Export,
        path,
        bytes: export.text.into_bytes(),
        overwrite,
    }]
}

/// What came of writing the export: done (the menu closes), the file exists (confirm), or
/// an error (back to the path, saying why).
pub fn written(app: &mut App, path: PathBuf, result: Result<(), WriteError>) -> Vec<Effect> {
    let Some(mut menu) = app.export_menu.take() else {
        return Vec::new();
    };
    let (items, size, warnings) = menu.writing.take().unwrap_or_default();
    match result {
        Ok(()) => {
            app.message = Some(format!(
                "wrote {} item(s) as {} ({}) to {}{}",
                items,
                menu.format().as_str(),
                human_size(size),
                path.display(),
                warnings_suffix(&warnings)
            ));
            close(&mut menu);
        }
        Err(WriteError::Exists(p)) => {
            menu.stage = Stage::Confirm { path: p };
            menu.error = None;
        }
        Err(e) => {
            menu.stage = Stage::Path {
                text: path.display().to_string(),
            };
            menu.error = Some(e.to_string());
        }
    }
    if !menu.closed {
        app.export_menu = Some(menu);
    }
    Vec::new()
}

/// Whether an action may reach the app while the menu is open (the rest are swallowed).
pub fn passes(action: &Action) -> bool {
    matches!(
        action,
        Action::Quit | Action::Resize(..) | Action::MenuKey(_) | Action::Tick
    )
}

/// The menu's keys at its current stage, for its own hint line and the status bar (the
/// main screen's keys do not apply while it is open).
pub fn hints(menu: &Menu) -> Vec<(String, &'static str)> {
    let h = |k: &str, l| (k.to_string(), l);
    match menu.stage {
        Stage::Path { .. } => vec![
            h("type", "a path"),
            h("Ctrl-U", "clear"),
            h("Enter", "write"),
            h("Esc", "back"),
        ],
        Stage::Confirm { .. } => vec![h("y", "overwrite"), h("n/Esc", "choose another name")],
        Stage::Format => vec![h("↑/↓", "choose"), h("Enter", "next"), h("Esc/q", "close")],
        _ => vec![
            h("↑/↓", "choose"),
            h("Enter", "next"),
            h("Esc", "back"),
            h("q", "close"),
        ],
    }
}

/// What Esc does at the menu's current stage, for the frame's corner.
fn esc_label(menu: &Menu) -> &'static str {
    match menu.stage {
        Stage::Format => "Esc close",
        Stage::Confirm { .. } => "Esc choose another name",
        _ => "Esc back",
    }
}

/// Draws the menu over `area` (the body).
pub fn render(app: &App, menu: &Menu, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    // The width first (it decides the wrapping), then a height that fits the content.
    let w = layout::popup(area, 90, area.height).width.saturating_sub(2) as usize;
    let title = match menu.stage {
        Stage::Format => "Export · 1/3 format",
        Stage::Scope => "Export · 2/3 scope",
        Stage::Target => "Export · 3/3 copy or write",
        Stage::Path { .. } => "Export · file name",
        Stage::Confirm { .. } => "Export · overwrite?",
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let item = |i: usize, sel: usize, label: String, desc: &str| -> Line<'static> {
        let mark = if i == sel { "▶ " } else { "  " };
        let style = if i == sel { t.selection } else { t.hint };
        let mut spans = vec![Span::styled(
            fit(&format!("{mark}{} {label}", i + 1), w),
            style,
        )];
        if !desc.is_empty() {
            spans.push(Span::styled(format!(" — {desc}"), t.label));
        }
        Line::from(spans)
    };
    lines.push(Line::styled(
        fit(
            &format!(
                "format: {}  ·  mode: {}",
                menu.format().as_str(),
                app.mode.title()
            ),
            w,
        ),
        t.label,
    ));
    match &menu.stage {
        Stage::Format => {
            for (i, f) in Format::ALL.iter().enumerate() {
                lines.push(item(i, menu.format, f.as_str().to_string(), f.describe()));
            }
        }
        Stage::Scope => {
            for (i, label) in scope_labels(app).into_iter().enumerate() {
                lines.push(item(i, menu.scope, label, ""));
            }
        }
        Stage::Target => {
            lines.push(item(0, menu.target, "copy to the clipboard".into(), ""));
            lines.push(item(1, menu.target, "write to a file".into(), ""));
        }
        Stage::Path { text } => {
            lines.push(Line::raw("Write to (Enter writes, Esc back):"));
            let shown = vis(text);
            // Keep the end of a long path (where the typing happens) in view.
            let room = w.saturating_sub(1);
            let tail: String = crate::tui::views::cells::tail(&shown, room).to_string();
            lines.push(Line::from(vec![
                Span::styled(tail, t.key),
                Span::styled("█", t.hint),
            ]));
        }
        Stage::Confirm { path } => {
            for l in wrap(
                &format!(
                    "{} already exists. Overwrite it? y/n",
                    vis(&path.display().to_string())
                ),
                w,
            ) {
                lines.push(Line::styled(l, t.error));
            }
        }
    }
    if let Some(e) = &menu.error {
        lines.push(Line::raw(""));
        for l in wrap(&vis(e), w) {
            lines.push(Line::styled(l, t.error));
        }
    }
    if !menu.warnings.is_empty() && !matches!(menu.stage, Stage::Format | Stage::Scope) {
        lines.push(Line::raw(""));
        for warn in &menu.warnings {
            for l in wrap(&format!("⚠ {}", vis(warn)), w) {
                lines.push(Line::styled(l, t.effect_bad));
            }
        }
    }
    let hint = hints(menu)
        .iter()
        .map(|(k, l)| format!("{k} {l}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let want = (lines.len() + 3).min(u16::MAX as usize) as u16;
    let r = layout::popup(area, 90, want);
    if r.width == 0 || r.height == 0 {
        return;
    }
    Clear.render(r, buf);
    let block = super::views::overlay_block_with(title.to_string(), esc_label(menu), t);
    let inner = block.inner(r);
    block.render(r, buf);
    let body_rows = inner.height.saturating_sub(1) as usize;
    lines.truncate(body_rows);
    while lines.len() < body_rows {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(fit(&hint, w), t.hint));
    render_lines(lines, 0, inner, buf);
}
