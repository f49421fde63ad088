//! The export view's diff screen (`D`): what moving the project from the current mode to
//! another would do to its users ([`idscope_core::diff`]) — the counts, the changes largest
//! first, and a change's users under both modes side by side. Ids go through [`vis`].

use super::summary::thousands;
use super::ExportApp;
use crate::tui::layout;
use crate::tui::views::cells;
use crate::tui::views::{fit, fit_middle, pane_block, render_lines, vis};
use idscope_core::diff::{Change, Diff, Side};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draws the diff screen into `area` (the body).
pub fn render(app: &ExportApp, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let Some(view) = &app.diff else { return };
    let w = area.width as usize;
    let title = format!(
        "Migration diff · {} → {} · t other target · Esc back",
        view.from.title(),
        view.to.title()
    );
    pane_block(fit(&title, w.saturating_sub(6)), true, t).render(area, buf);
    let inner = layout::inner(area);
    let iw = inner.width as usize;
    let Some(d) = view.result.as_deref() else {
        let text = format!("comparing {} with {}…", view.from.title(), view.to.title());
        render_lines(vec![Line::styled(text, t.label)], 0, inner, buf);
        return;
    };
    let lines = if view.open {
        match d.changes.get(view.selected) {
            Some(c) => change_lines(app, d, c, iw),
            None => Vec::new(),
        }
    } else {
        list_lines(app, d, iw, inner.height as usize)
    };
    let scroll = if view.open {
        view.open_scroll.min(lines.len().saturating_sub(1))
    } else {
        0
    };
    render_lines(lines, scroll, inner, buf);
}

/// The counts, then one line per change from the list's scroll position.
fn list_lines(app: &ExportApp, d: &Diff, width: usize, height: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(view) = &app.diff else {
        return Vec::new();
    };
    let c = &d.counts;
    let pct = if c.events == 0 {
        0.0
    } else {
        c.events_moved as f64 * 100.0 / c.events as f64
    };
    let mut out = vec![
        Line::styled(
            fit(
                &format!(
                    "{} users under {} → {} under {}; {} the same",
                    thousands(c.from_users),
                    d.from.mode().title(),
                    thousands(c.to_users),
                    d.to.mode().title(),
                    thousands(c.same)
                ),
                width,
            ),
            Style::new(),
        ),
        Line::styled(
            fit(
                &format!(
                    "events moved to a different user: {} of {} ({pct:.1}%) · orphaned ids {} · phantom users {}",
                    thousands(c.events_moved),
                    thousands(c.events),
                    thousands(c.orphans),
                    thousands(c.phantoms)
                ),
                width,
            ),
            Style::new(),
        ),
        Line::styled(
            fit(
                &c.kinds
                    .iter()
                    .map(|(k, n)| format!("{} {}", k.as_str(), thousands(n.changes)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                width,
            ),
            t.label,
        ),
    ];
    if d.changes.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "No user changes: every user is the same under both modes.",
            t.hint,
        ));
        return out;
    }
    out.push(Line::styled(
        fit("    #  kind       users  events   moved  who", width),
        t.label,
    ));
    let who_room = width.saturating_sub(44).max(10);
    for (i, ch) in d
        .changes
        .iter()
        .enumerate()
        .skip(view.scroll)
        .take(height.saturating_sub(out.len()))
    {
        let sel = i == view.selected;
        let who = format!(
            "{} → {}",
            labels(d, ch, Side::From),
            labels(d, ch, Side::To)
        );
        let text = format!(
            "{}{:>4}  {:<9} {:>2} → {:<2} {:>7} {:>7}  {}",
            if sel { "▶" } else { " " },
            i + 1,
            ch.kind.as_str(),
            ch.from_users.len(),
            ch.to_users.len(),
            thousands(ch.events),
            thousands(ch.events_moved),
            cells::fit(&who, who_room)
        );
        out.push(Line::styled(
            fit(&text, width),
            if sel { t.selection } else { Style::new() },
        ));
    }
    out
}

/// The first users of one side of a change, by label ("∅" for none).
fn labels(d: &Diff, c: &Change, side: Side) -> String {
    let users = c.users(side);
    if users.is_empty() {
        return "∅".into();
    }
    let r = d.side(side);
    let mut s: Vec<String> = users
        .iter()
        .take(2)
        .map(|&u| fit_middle(&vis(r.label(u)), 24))
        .collect();
    if users.len() > 2 {
        s.push(format!("+{}", users.len() - 2));
    }
    s.join(", ")
}

/// One change in full: each side's users with their ids, side by side when wide enough.
fn change_lines(app: &ExportApp, d: &Diff, c: &Change, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = vec![Line::styled(
        fit(
            &format!(
                "{} · {} event(s), {} moved to a different user · w writes it as a scenario",
                c.kind.as_str(),
                thousands(c.events),
                thousands(c.events_moved)
            ),
            width,
        ),
        t.title,
    )];
    if !c.orphans.is_empty() || !c.phantoms.is_empty() {
        let names = |ids: &[u32]| {
            ids.iter()
                .take(3)
                .map(|&i| fit_middle(&vis(d.to.name(i)), 30))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(Line::styled(
            fit(
                &format!(
                    "orphaned under {}: {} {} · phantom users: {} {}",
                    d.to.mode().title(),
                    c.orphans.len(),
                    names(&c.orphans),
                    c.phantoms.len(),
                    names(&c.phantoms)
                ),
                width,
            ),
            t.effect_bad,
        ));
    }
    out.push(Line::raw(""));
    let side_lines = |side: Side, col: usize| -> Vec<Line<'static>> {
        let r = d.side(side);
        let mut v = vec![Line::styled(
            fit(
                &format!(
                    "under {}: {} user(s)",
                    r.mode().title(),
                    c.users(side).len()
                ),
                col,
            ),
            t.label,
        )];
        for &u in c.users(side) {
            let user = &r.users[u];
            let paired = c
                .pair_of(side, u)
                .map(|p| format!(" ↔ {}", vis(d.side(side.other()).label(p))))
                .unwrap_or_default();
            v.push(Line::styled(
                fit(
                    &format!(
                        "● {} · {} id(s) · {} event(s){paired}",
                        vis(r.label(u)),
                        user.members.len(),
                        thousands(user.events)
                    ),
                    col,
                ),
                t.identity,
            ));
            let mut names: Vec<&str> = user.members.iter().map(|&m| r.name(m)).collect();
            names.sort_unstable();
            for n in names.iter().take(8) {
                v.push(Line::raw(fit(&format!("    {}", vis(n)), col)));
            }
            if names.len() > 8 {
                v.push(Line::styled(
                    fit(&format!("    … {} more", names.len() - 8), col),
                    t.label,
                ));
            }
        }
        v
    };
    if width >= 90 {
        let col = (width - 3) / 2;
        let (left, right) = (side_lines(Side::From, col), side_lines(Side::To, col));
        for i in 0..left.len().max(right.len()) {
            let l = left.get(i).cloned().unwrap_or_default();
            let r = right.get(i).cloned().unwrap_or_default();
            let mut spans: Vec<Span<'static>> = cells::fit_line(l, col).spans;
            let used: usize = spans.iter().map(|s| cells::width(&s.content)).sum();
            spans.push(Span::raw(" ".repeat(col.saturating_sub(used))));
            spans.push(Span::styled(" │ ", t.border));
            spans.extend(cells::fit_line(r, col).spans);
            out.push(Line::from(spans));
        }
    } else {
        out.extend(side_lines(Side::From, width));
        out.push(Line::raw(""));
        out.extend(side_lines(Side::To, width));
    }
    out
}
