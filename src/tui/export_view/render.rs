//! Drawing the export view: header (file, counts, mode tabs with background progress), the
//! summary pane, the users list or a timeline, an event's detail, and the status bar. Every
//! string from the file goes through [`vis`] and is cut to the width in display cells.

use super::summary::{thousands, Item, Pick};
use super::{ExportApp, Focus, Open, Row};
use crate::tui::views::cells::{self, width as cells_width};
use crate::tui::views::table::{self, Cell, Column};
use crate::tui::views::{fit, fit_middle, json, pane_block, render_lines, vis, TooSmall};
use crate::tui::{keymap, layout};
use idscope_core::model::Mode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// RFC 3339 (UTC) for seconds since the epoch; a dash when unknown.
pub fn time_label(t: Option<f64>) -> String {
    t.map_or_else(|| "—".into(), idscope_core::text::rfc3339)
}

impl Widget for &ExportApp {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = layout::export_areas(area, self.focus == Focus::Summary);
        if a.too_small {
            TooSmall.render(area, buf);
            return;
        }
        let t = self.theme;
        let w = area.width as usize;
        header(self, a.header, buf);
        match (&self.failed, self.resolution()) {
            (Some(e), _) => {
                pane_block("Export".into(), true, t).render(a.body, buf);
                let inner = layout::inner(a.body);
                let lines = cells::wrap(&vis(e), inner.width as usize)
                    .into_iter()
                    .map(|l| Line::styled(l, t.effect_bad))
                    .collect();
                render_lines(lines, 0, inner, buf);
            }
            (None, None) => {
                pane_block("Export".into(), true, t).render(a.body, buf);
                let done = self
                    .percent(self.mode)
                    .map_or_else(String::new, |p| format!(" {p}%"));
                let text = format!(
                    "reading {} ({}) and resolving it under {}…{done}",
                    vis(self.source.name()),
                    idscope_core::text::human_size(self.source.len()),
                    self.mode.title()
                );
                let inner = layout::inner(a.body);
                let lines = cells::wrap(&text, inner.width as usize)
                    .into_iter()
                    .map(|l| Line::styled(l, t.label))
                    .collect();
                render_lines(lines, 0, inner, buf);
            }
            (None, Some(_)) => {
                if self.diff.is_some() {
                    super::diff_view::render(self, a.body, buf);
                } else if self.detail.is_some() {
                    let title = "Event · y copy · Esc back".to_string();
                    pane_block(fit(&title, w.saturating_sub(6)), true, t).render(a.body, buf);
                    let inner = layout::inner(a.body);
                    let lines = detail_lines(self, inner.width as usize);
                    render_lines(lines, self.detail_scroll, inner, buf);
                } else if self.open.is_some() {
                    timeline(self, a.body, buf);
                } else {
                    if let Some(s) = a.summary {
                        summary_pane(self, s, buf);
                    }
                    if a.summary != Some(a.list) {
                        users(self, a.list, buf);
                    }
                }
            }
        }
        if self.help {
            let inner = layout::inner(a.body);
            ratatui::widgets::Clear.render(a.body, buf);
            pane_block("Keys (Esc or ? closes; j/k scroll)".into(), true, t).render(a.body, buf);
            render_lines(
                help_lines(self, inner.width as usize),
                self.help_scroll,
                inner,
                buf,
            );
        }
        status(self, a.status, buf);
    }
}

fn header(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let w = area.width as usize;
    let mut title = format!(" idscope export · {}", vis(app.source.name()));
    if let (Some(index), Some(r)) = (&app.index, app.resolution()) {
        title.push_str(&format!(
            " · {} events · {} users · {}",
            thousands(index.events.len() as u64),
            thousands(r.users.len() as u64),
            match index.bad_count {
                0 => "no malformed lines".to_string(),
                n => format!("{} malformed line(s) skipped", thousands(n)),
            }
        ));
    }
    Line::styled(fit(&title, w), t.title).render(area, buf);
    let mut tabs: Vec<Span> = vec![Span::raw(" ")];
    for (i, mode) in Mode::ALL.into_iter().enumerate() {
        if i > 0 {
            tabs.push(Span::styled(" │ ", t.label));
        }
        let style = if mode == app.mode {
            t.tab_active
        } else {
            t.tab_inactive
        };
        let state = match app.percent(mode) {
            Some(p) => format!(" {p}%"),
            None if app.pending == Some(mode) => " (next)".into(),
            None => String::new(),
        };
        tabs.push(Span::styled(format!("{} {}", i + 1, mode.title()), style));
        if !state.is_empty() {
            tabs.push(Span::styled(state, t.hint));
        }
    }
    let row = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    cells::fit_line(Line::from(tabs), w).render(row, buf);
}

fn status(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let w = area.width as usize;
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    if let Some(m) = &app.message {
        spans.push(Span::styled(fit(&vis(m), w.saturating_sub(2)), t.message));
    } else {
        let mut used = 1;
        for (k, l) in super::hints(app) {
            let cost = cells_width(&k) + cells_width(l) + 3;
            if used + cost > w {
                break;
            }
            used += cost;
            spans.push(Span::styled(k.clone(), t.key));
            spans.push(Span::styled(format!(" {l}  "), t.hint));
        }
    }
    Line::from(spans).render(area, buf);
}

/// The summary pane's lines at `width`: label, figure right-aligned, a bar for the
/// histogram; the selected line's meaning follows it, wrapped.
pub fn summary_lines(app: &ExportApp, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let focused = app.focus == Focus::Summary && app.open.is_none();
    let items = app.summary_items();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let selected = focused && i == app.summary_sel;
        out.push(summary_line(app, item, width, selected));
        if selected {
            if let Some(m) = item.meaning {
                for l in cells::wrap(m, width.saturating_sub(4)) {
                    out.push(Line::styled(format!("    {l}"), t.hint));
                }
            }
        }
    }
    out
}

fn summary_line(app: &ExportApp, item: &Item, width: usize, selected: bool) -> Line<'static> {
    let t = app.theme;
    let indent = if item.depth == 0 { " " } else { "   " };
    let active =
        matches!(item.pick, Pick::Filter(f) if f == app.filter && app.filter != super::Filter::All);
    let marker = if active { "●" } else { " " };
    let count = &item.count;
    let bar_room = if item.bar > 0 { 9 } else { 0 };
    let label_room = width
        .saturating_sub(cells_width(indent) + 2 + cells_width(count) + 1 + bar_room)
        .max(1);
    let label = fit(&vis(&item.label), label_room);
    let pad = label_room.saturating_sub(cells_width(&label));
    let mut text = format!("{marker}{indent}{label}{} {count}", " ".repeat(pad));
    if item.bar > 0 {
        let eighths = item.bar as usize;
        let full = eighths / 8;
        let part = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
        text.push(' ');
        text.push_str(&"█".repeat(full));
        if !eighths.is_multiple_of(8) {
            text.push_str(part);
        }
    }
    let style = if selected {
        t.selection
    } else if item.count.is_empty() {
        t.label
    } else if item.pick == Pick::Nothing {
        Style::new()
    } else {
        t.identity
    };
    Line::styled(fit(&text, width), style)
}

fn summary_pane(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let focused = app.focus == Focus::Summary;
    let title = format!("Summary · {} · Tab", app.mode.title());
    pane_block(
        fit(&title, (area.width as usize).saturating_sub(6)),
        focused,
        t,
    )
    .render(area, buf);
    let inner = layout::inner(area);
    let lines = summary_lines(app, inner.width as usize);
    // Keep the selected line (and its meaning) in view.
    let sel_line = app.summary_items().iter().take(app.summary_sel).count();
    let scroll = app.summary_scroll.min(sel_line);
    render_lines(lines, scroll, inner, buf);
}

fn users(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let Some(r) = app.resolution() else { return };
    let focused = app.focus == Focus::Users;
    let w = area.width as usize;
    let inner = layout::inner(area);
    let iw = inner.width as usize;
    let total = r.users.len() as u64;
    let shown = app.user_rows() as u64;
    let mut title = format!("Users · {}", app.filter.label());
    if shown != total || !app.query.is_empty() {
        title.push_str(&format!(" · {} of {}", thousands(shown), thousands(total)));
    } else {
        title.push_str(&format!(" · {}", thousands(total)));
    }
    pane_block(fit(&title, w.saturating_sub(6)), focused, t).render(area, buf);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let head = if app.searching || !app.query.is_empty() {
        let cursor = if app.searching { "█" } else { "" };
        let q = vis(&app.query);
        let room = iw.saturating_sub(24);
        let tail: String = cells::tail(&q, room).to_string();
        let how = if app.query.starts_with('=') {
            "exact"
        } else {
            "substring"
        };
        Line::from(vec![
            Span::styled("/ ", t.key),
            Span::raw(tail),
            Span::styled(cursor, t.hint),
            Span::styled(format!("  {how} · {} match(es)", app.rows().len()), t.label),
        ])
    } else {
        let extra = if app.mode == Mode::Original {
            "  canonical (Mixpanel-chosen)"
        } else {
            ""
        };
        Line::styled(
            fit(&format!("   #     ids   events  user{extra}"), iw),
            t.label,
        )
    };
    lines.push(head);
    let name_room = if iw > 70 {
        30
    } else {
        iw.saturating_sub(24).max(8)
    };
    for (i, row) in app
        .rows()
        .iter()
        .enumerate()
        .skip(app.scroll)
        .take((inner.height as usize).saturating_sub(1))
    {
        let mark = if i == app.selected { "▶" } else { " " };
        let style = if i == app.selected && focused {
            t.selection
        } else if i == app.selected {
            t.label
        } else {
            Style::new()
        };
        let line = match *row {
            Row::NoUser => Line::styled(
                fit(
                    &format!(
                        "{mark}  ∅  no user: {} event(s) stored under no id (refused)",
                        thousands(r.no_user().len() as u64)
                    ),
                    iw,
                ),
                if i == app.selected {
                    style
                } else {
                    t.effect_bad
                },
            ),
            Row::User(u, matched) => {
                let c = &r.users[u as usize];
                let label = fit_middle(&vis(r.label(u as usize)), name_room);
                let mut spans = vec![Span::styled(
                    format!(
                        "{mark}{:>4} {:>7} {:>8}  {}",
                        u + 1,
                        c.members.len(),
                        c.events,
                        cells::pad(&label, name_room)
                    ),
                    style,
                )];
                if let Some(m) = matched {
                    spans.push(Span::styled(" match ", t.label));
                    spans.push(Span::styled(vis(r.name(m)), t.identity));
                } else if app.mode == Mode::Original && r.name(c.canonical) != r.label(u as usize) {
                    spans.push(Span::styled("  ", t.label));
                    spans.push(Span::styled(vis(r.name(c.canonical)), t.label));
                }
                cells::fit_line(Line::from(spans), iw)
            }
        };
        lines.push(line);
    }
    if app.rows().is_empty() {
        lines.push(Line::styled("  no user matches", t.label));
    }
    render_lines(lines, 0, inner, buf);
}

fn timeline(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let Some(r) = app.resolution() else { return };
    let w = area.width as usize;
    let who = match app.open {
        Some(Open::User(u)) => vis(r.label(u as usize)),
        _ => "no user (events stored under no id)".into(),
    };
    let block_title = format!(
        "Timeline · {} · {} event(s) · Enter event · Esc back",
        who,
        thousands(app.timeline().len() as u64)
    );
    pane_block(fit(&block_title, w.saturating_sub(6)), true, t).render(area, buf);
    let inner = layout::inner(area);
    let (lines, _) = timeline_lines(app, inner.width as usize, inner.height as usize);
    render_lines(lines, 0, inner, buf);
}

/// The timeline's columns: the line, event, final id and effect are never cut; the reason,
/// time and ingest id scroll sideways (`H`/`L`).
fn timeline_columns() -> Vec<Column<'static>> {
    let mut c = table::event_columns("line").to_vec();
    c.extend([
        table::strip("reason"),
        table::strip("time"),
        table::strip("ingest distinct_id"),
    ]);
    c
}

/// The open timeline's visible rows as a table `width` cells wide, and the furthest it
/// scrolls sideways.
pub fn timeline_lines(app: &ExportApp, width: usize, height: usize) -> (Vec<Line<'static>>, usize) {
    let t = app.theme;
    let (Some(r), Some(index)) = (app.resolution(), app.index.as_ref()) else {
        return (Vec::new(), 0);
    };
    let rows: Vec<Vec<Cell>> = app
        .timeline()
        .iter()
        .enumerate()
        .skip(app.tl_scroll)
        .take(height.saturating_sub(2))
        .filter_map(|(n, &i)| {
            let i = i as usize;
            let v = r.verdict(i)?;
            let line_no = index.events.get(i)?.line();
            let parsed = idscope_core::ingest::Line::parse(app.event_text(i)).ok();
            let event = parsed
                .as_ref()
                .and_then(|l| l.event.as_deref())
                .unwrap_or("")
                .to_string();
            let time = parsed.as_ref().and_then(|l| l.time_seconds());
            let ingest = v.ingest.map(|id| r.name(id)).unwrap_or("—");
            let fin = r.final_name(i).unwrap_or("no user");
            let sel = n == app.tl_sel;
            let mark = if sel { "▶" } else { " " };
            Some(vec![
                (
                    format!("{mark}{line_no}"),
                    if sel { t.selection } else { t.label },
                ),
                (vis(&event), t.title),
                (fit_middle(&vis(fin), 26), t.identity),
                (
                    format!("{} ({})", v.effect.as_str(), v.rule),
                    t.effect(v.effect),
                ),
                (v.reason.unwrap_or("").to_string(), t.effect_bad),
                (time_label(time), Style::new()),
                (vis(ingest), t.identity),
            ])
        })
        .collect();
    table::render(
        &timeline_columns(),
        &rows,
        width,
        app.hscroll,
        t.label,
        t.border,
    )
}

/// How far the timeline may scroll sideways.
pub fn timeline_strip(app: &ExportApp) -> usize {
    let w = (app.size.0 as usize).saturating_sub(2);
    timeline_lines(app, w, app.body_rows() + 3).1
}

/// The event in full at `width`: where it is, its verdict with the rule and what the code
/// means in this mode, then its JSON with the identity fields emphasised.
pub fn detail_lines(app: &ExportApp, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let (Some(e), Some(r), Some(index)) = (app.detail, app.resolution(), app.index.as_ref()) else {
        return Vec::new();
    };
    let e = e as usize;
    let Some(v) = r.verdict(e) else {
        return Vec::new();
    };
    let line_no = index.events.get(e).map_or(0, |at| at.line());
    let text = app.event_text(e);
    let mut out = Vec::new();
    let field = |name: &str, value: String, style: Style, out: &mut Vec<Line<'static>>| {
        let room = width.saturating_sub(12).max(10);
        for (i, part) in cells::wrap(&value, room).into_iter().enumerate() {
            let label = if i == 0 { name } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!(" {label:<10} "), t.label),
                Span::styled(part, style),
            ]));
        }
    };
    field(
        "where",
        format!("line {line_no} of {}", vis(app.source.name())),
        Style::new(),
        &mut out,
    );
    let mut verdict = format!("{} · {}", v.effect.as_str(), v.rule);
    if let Some(code) = v.reason {
        verdict.push_str(&format!(" · {code}"));
    }
    field("verdict", verdict, t.effect(v.effect), &mut out);
    if let Some(code) = v.reason {
        field(
            "meaning",
            idscope_core::failures::meaning(code, app.mode).to_string(),
            t.hint,
            &mut out,
        );
    }
    if let Some(w) = v.warning {
        field("warning", w.to_string(), t.effect_bad, &mut out);
    }
    let ingest = match v.ingest {
        Some(id) if v.counts || v.effect != idscope_core::model::Effect::Rejected => {
            vis(r.name(id))
        }
        Some(id) => format!(
            "— refused, stored under no id (its id: {})",
            vis(r.name(id))
        ),
        None => "— refused, stored under no id".to_string(),
    };
    let fin = r.final_name(e).map_or("no user".to_string(), vis);
    field("stored as", ingest, t.identity, &mut out);
    field("counted as", fin, t.identity, &mut out);
    if let Some(rule) = v.rule.rule() {
        // The rule book's paragraph, as one line to wrap, without its bold ID.
        let text = rule.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let bold = format!("**{}**", v.rule);
        let text = text.strip_prefix(&bold).unwrap_or(&text).trim();
        field("rule", format!("{}: {text}", v.rule), t.hint, &mut out);
    }
    out.push(Line::raw(""));
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => out.extend(json::lines(&value, t, 1)),
        Err(_) => out.push(Line::raw(fit(&vis(text), width))),
    }
    out
}

/// How many lines the detail takes at the terminal's width.
pub fn detail_len(app: &ExportApp) -> usize {
    detail_lines(app, (app.size.0 as usize).saturating_sub(2)).len()
}

/// The key help at `width`: every key of [`super::KEYS`] with what it does.
pub fn help_lines(app: &ExportApp, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut lines = Vec::new();
    for (keys, help, _) in keymap::help_rows(super::KEYS, |_| "") {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<14}"), t.key),
            Span::raw(fit(help, width.saturating_sub(16))),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        fit(
            "While searching, letters are text: Enter keeps the search, Esc clears it.",
            width,
        ),
        t.label,
    ));
    lines
}

/// How many lines the help takes at the terminal's width.
pub fn help_len(app: &ExportApp) -> usize {
    help_lines(app, (app.size.0 as usize).saturating_sub(2)).len()
}
