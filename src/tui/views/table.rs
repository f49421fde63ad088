//! A table whose important columns are never cut: *pinned* columns (an event's reference,
//! its final id, its effect) are sized to their content and drawn first; the rest form a
//! strip that scrolls sideways (`H`/`L`) instead of being truncated. Widths are in cells.

use super::cells::{pad, skip, width};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// One column: its title, whether it is pinned, and the widest it may get.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub title: &'a str,
    pub pinned: bool,
    /// Pinned columns are never cut below their content unless the pinned ones together do
    /// not fit; then those with the lowest `keep` give way first, down to `min`.
    pub keep: u8,
    pub min: usize,
}

/// The columns every event table starts with, never cut: its reference (`first`: "#",
/// "line"), the event, whom it counts for and its effect; tables add their strip after.
pub const fn event_columns(first: &'static str) -> [Column<'static>; 4] {
    [
        Column {
            title: first,
            pinned: true,
            keep: 9,
            min: 3,
        },
        Column {
            title: "event",
            pinned: true,
            keep: 1,
            min: 8,
        },
        Column {
            title: "final (who it counts for)",
            pinned: true,
            keep: 8,
            min: 13,
        },
        Column {
            title: "effect (rule)",
            pinned: true,
            keep: 9,
            min: 8,
        },
    ]
}

/// A column of the scrolling strip.
pub const fn strip(title: &'static str) -> Column<'static> {
    Column {
        title,
        pinned: false,
        keep: 0,
        min: 0,
    }
}

/// The narrowest window the scrolling strip gets while pinned columns can still give way.
const STRIP_MIN: usize = 10;

/// One cell: text (already escaped) and its style.
pub type Cell = (String, Style);

/// The table's rows as lines `width` cells wide: header, rule, rows. `hscroll` cells of the
/// scrolling strip are skipped; `‹`/`›` say there is more to the left/right. Returns the
/// lines and the furthest `hscroll` that still changes what shows (to clamp it).
pub fn render(
    columns: &[Column<'_>],
    rows: &[Vec<Cell>],
    width_cells: usize,
    hscroll: usize,
    header_style: Style,
    rule_style: Style,
) -> (Vec<Line<'static>>, usize) {
    let mut widths: Vec<usize> = columns.iter().map(|c| width(c.title)).collect();
    for r in rows {
        for (w, (text, _)) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(text));
        }
    }
    // Pinned columns first; shrink the least important ones when they alone overflow.
    let pinned: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].pinned).collect();
    let gaps = |n: usize| 2 * n.saturating_sub(1);
    let pinned_total =
        |w: &[usize]| pinned.iter().map(|&i| w[i]).sum::<usize>() + gaps(pinned.len());
    let mut order = pinned.clone();
    order.sort_by_key(|&i| columns[i].keep);
    let has_strip = columns.iter().any(|c| !c.pinned);
    // Leave the strip a window worth scrolling through.
    let budget = width_cells.saturating_sub(if has_strip { STRIP_MIN + 2 } else { 0 });
    for &i in &order {
        let over = pinned_total(&widths).saturating_sub(budget);
        if over == 0 {
            break;
        }
        widths[i] = widths[i].saturating_sub(over).max(columns[i].min);
    }
    let strip: Vec<usize> = (0..columns.len()).filter(|&i| !columns[i].pinned).collect();
    let strip_width = strip.iter().map(|&i| widths[i]).sum::<usize>() + gaps(strip.len());
    let fixed = pinned_total(&widths) + 2;
    let room = width_cells.saturating_sub(fixed);
    let max_scroll = strip_width.saturating_sub(room.saturating_sub(1));
    let hscroll = hscroll.min(max_scroll);
    let line = |cells: &[Cell], fill: char| -> Line<'static> {
        let mut spans = Vec::new();
        for (n, &i) in pinned.iter().enumerate() {
            if n > 0 {
                spans.push(Span::raw("  "));
            }
            let (text, style) = &cells[i];
            let text = if fill == ' ' {
                pad(text, widths[i])
            } else {
                fill.to_string().repeat(widths[i])
            };
            spans.push(Span::styled(text, *style));
        }
        if strip.is_empty() || room < 3 {
            return Line::from(spans);
        }
        spans.push(Span::raw("  "));
        // The strip as styled pieces, then cut to the window [hscroll, hscroll + room).
        let mut pieces: Vec<(String, Style)> = Vec::new();
        for (n, &i) in strip.iter().enumerate() {
            if n > 0 {
                pieces.push(("  ".into(), Style::new()));
            }
            let (text, style) = &cells[i];
            let text = if fill == ' ' {
                pad(text, widths[i])
            } else {
                fill.to_string().repeat(widths[i])
            };
            pieces.push((text, *style));
        }
        let more_left = hscroll > 0;
        let more_right = strip_width > hscroll + room;
        let mut budget = room - usize::from(more_left) - usize::from(more_right);
        let mut to_skip = hscroll + usize::from(more_left);
        if more_left {
            spans.push(Span::styled("‹", rule_style));
        }
        for (text, style) in pieces {
            if budget == 0 {
                break;
            }
            let w = width(&text);
            if to_skip >= w {
                to_skip -= w;
                continue;
            }
            let visible = skip(&text, to_skip);
            to_skip = 0;
            let cut = super::cells::fit(&visible, budget);
            // `fit` adds its own ellipsis: take the plain prefix instead.
            let cut = if width(&visible) > budget {
                visible_prefix(&visible, budget)
            } else {
                cut
            };
            budget -= width(&cut);
            spans.push(Span::styled(cut, style));
        }
        if more_right {
            spans.push(Span::styled("›", rule_style));
        }
        Line::from(spans)
    };
    let titles: Vec<Cell> = columns
        .iter()
        .map(|c| (c.title.to_string(), header_style))
        .collect();
    let rules: Vec<Cell> = columns
        .iter()
        .map(|_| (String::new(), rule_style))
        .collect();
    let mut out = vec![line(&titles, ' '), line(&rules, '─')];
    for r in rows {
        out.push(line(r, ' '));
    }
    (out, max_scroll)
}

/// The first `cells` cells of `s`, no ellipsis.
fn visible_prefix(s: &str, cells: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w > cells {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(title: &'static str, pinned: bool) -> Column<'static> {
        Column {
            title,
            pinned,
            keep: 1,
            min: 4,
        }
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn pinned_columns_are_never_cut_and_the_strip_scrolls() {
        let cols = [col("id", true), col("final", true), col("extra", false)];
        let rows = vec![vec![
            ("1.1".to_string(), Style::new()),
            ("alice".to_string(), Style::new()),
            ("a-very-long-extra-value".to_string(), Style::new()),
        ]];
        let (lines, max) = render(&cols, &rows, 24, 0, Style::new(), Style::new());
        let t = text(&lines);
        assert!(t[2].starts_with("1.1  alice  a-very-long"), "{t:?}");
        assert!(t[2].ends_with('›'), "more to the right: {t:?}");
        assert!(t.iter().all(|l| width(l) <= 24), "{t:?}");
        // The window is 24 - (3 + 2 + 5 + 2) = 12 cells, less 1 for the marker.
        assert_eq!(max, "a-very-long-extra-value".len() - 11);
        let (lines, _) = render(&cols, &rows, 24, 100, Style::new(), Style::new());
        let t = text(&lines);
        assert!(t[2].contains("‹") && t[2].ends_with("value"), "{t:?}");
    }
}
