//! Where everything goes, in one place: the screen's areas (a pure function of the terminal
//! size) and the size of each pane's content (lines, payload blocks, step heights, tabs).
//! Rendering, scrolling, paging and mouse hit-testing all ask here, so they never disagree,
//! and the model never calls view code itself.

use super::app::{App, Overlay};
use super::views;
use idscope_core::model::Mode;
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the explorer shows "terminal too small".
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 14;
/// From this width on, panes sit side by side; narrower, they are stacked.
pub const SIDE_BY_SIDE: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub full: Rect,
    pub header: Rect,
    /// Everything between header and status bar (the events and compare views use it).
    pub body: Rect,
    pub steps: Rect,
    pub payloads: Rect,
    pub clusters: Rect,
    pub status: Rect,
    pub stacked: bool,
    pub too_small: bool,
}

pub fn areas(full: Rect) -> Areas {
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        return Areas {
            full,
            too_small: true,
            ..Areas::default()
        };
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(full);
    let stacked = full.width < SIDE_BY_SIDE;
    let (steps, payloads, clusters) = if stacked {
        let [s, p, c] = Layout::vertical([
            Constraint::Percentage(27),
            Constraint::Percentage(43),
            Constraint::Percentage(30),
        ])
        .areas(body);
        (s, p, c)
    } else {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(body);
        let [s, c] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(left);
        (s, right, c)
    };
    Areas {
        full,
        header,
        body,
        steps,
        payloads,
        clusters,
        status,
        stacked,
        too_small: false,
    }
}

/// A centred popup of at most `w`×`h`, never larger than `area` minus a margin.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(area.width.min(1));
    let h = h.min(area.height.saturating_sub(2)).max(area.height.min(1));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The inside of a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Where each payload block starts in the payloads pane at `width`: (line, event index).
pub fn payload_blocks(app: &App, width: usize) -> Vec<(usize, usize)> {
    views::payloads::build(app, width, true).1
}

/// How many lines the payloads pane holds at `width`.
pub fn payload_len(app: &App, width: usize) -> usize {
    views::payloads::build(app, width, true).0.len()
}

/// The selected payload block: the first whose header is in view, else the one the view
/// is inside.
pub fn select_payload(
    starts: &[(usize, usize)],
    top: usize,
    height: usize,
) -> Option<&(usize, usize)> {
    starts
        .iter()
        .find(|(s, _)| *s >= top && *s < top + height.max(1))
        .or_else(|| starts.iter().rev().find(|(s, _)| *s <= top))
        .or(starts.first())
}

/// How many lines the clusters pane holds at `width`.
pub fn cluster_len(app: &App, width: usize) -> usize {
    views::clusters::len(app, width)
}

/// Rows step `i` (0-based) takes in the steps pane.
pub fn step_height(app: &App, i: usize) -> usize {
    views::steps::step_height(app, i)
}

/// Columns a mode's tab takes in the header.
pub fn tab_width(mode: Mode, wide: bool) -> u16 {
    views::cells::width(&views::header::tab_label(mode, wide)) as u16
}

/// The furthest the open table may scroll sideways (cells): its strip's width less what
/// shows.
pub fn hscroll_max(app: &App) -> usize {
    match app.overlay {
        Some(Overlay::Events { scroll }) => {
            let inner = inner(app.areas().body);
            let n = app.run().events_until(app.cursor);
            let end = (scroll + (inner.height as usize).saturating_sub(2)).min(n);
            views::events::lines(app, scroll.min(end), end, inner.width as usize, 0).1
        }
        Some(Overlay::Lanes { scroll }) => {
            let r = inner(app.areas().body);
            views::lanes::lines(app, r.width as usize, 0, scroll, r.height as usize).1
        }
        _ => 0,
    }
}

/// How many lines the open overlay holds (for scrolling it).
pub fn overlay_len(app: &App) -> usize {
    let body = inner(app.areas().body).width as usize;
    let popup = inner(popup(app.areas().body, 100, app.areas().body.height)).width as usize;
    match app.overlay {
        Some(Overlay::Help { .. }) => views::help::lines(app, help_width(app)).len(),
        Some(Overlay::Detail { event, .. }) => views::detail::lines(app, event, popup).len(),
        Some(Overlay::Compare { .. }) => views::compare::len(app),
        Some(Overlay::Events { .. }) => app.run().events_until(app.cursor),
        Some(Overlay::Picker { .. }) => app.picker_matches().len(),
        Some(Overlay::Info { .. }) => views::info::lines(app, popup).len(),
        Some(Overlay::Graph { all, .. }) => views::graph::lines(app, all, body, usize::MAX).len(),
        Some(Overlay::Lanes { .. }) => views::lanes::len(app) + views::lanes::HEAD,
        None => 0,
    }
}

/// The help overlay's text width (its popup is at most 100 wide).
fn help_width(app: &App) -> usize {
    inner(popup(app.areas().body, 100, app.areas().body.height)).width as usize
}

/// Rows the open overlay shows at once (its frame's inside).
pub fn overlay_rows(app: &App) -> usize {
    let body = app.areas().body;
    match app.overlay {
        Some(Overlay::Help { .. }) => {
            let want = views::help::lines(app, 98).len() as u16 + 2;
            inner(popup(body, 100, want)).height as usize
        }
        Some(Overlay::Detail { .. } | Overlay::Info { .. }) => {
            inner(popup(body, 100, body.height)).height as usize
        }
        // The compare columns have a title row inside the frame.
        Some(Overlay::Compare { .. }) => (inner(body).height as usize).saturating_sub(1),
        _ => inner(body).height as usize,
    }
}

/// The furthest the open overlay scrolls: its last line at the bottom, not past it.
pub fn overlay_max_scroll(app: &App) -> usize {
    overlay_len(app).saturating_sub(overlay_rows(app).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_lays_out_without_panicking() {
        for w in 0..130 {
            for h in 0..40 {
                let a = areas(Rect::new(0, 0, w, h));
                assert_eq!(a.too_small, w < MIN_WIDTH || h < MIN_HEIGHT);
                let p = popup(Rect::new(0, 0, w, h), 80, 30);
                assert!(p.width <= w && p.height <= h);
            }
        }
        assert!(areas(Rect::new(0, 0, 80, 24)).stacked);
        assert!(!areas(Rect::new(0, 0, 100, 30)).stacked);
    }
}

/// Where the export view's parts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportAreas {
    pub header: Rect,
    /// The summary pane, when it shows: beside the list from [`EXPORT_SIDE_BY_SIDE`]
    /// columns on, else instead of it while it has the focus.
    pub summary: Option<Rect>,
    /// The users list, or the open timeline (which takes the whole body).
    pub list: Rect,
    pub body: Rect,
    pub status: Rect,
    pub too_small: bool,
}

/// From this width on, the export view's summary sits beside the users list.
pub const EXPORT_SIDE_BY_SIDE: u16 = 110;
/// The summary pane's width beside the list.
const SUMMARY_WIDTH: u16 = 46;

/// The export view's areas; `summary_focused`: the summary has the keys (narrow terminals
/// then show it instead of the list).
pub fn export_areas(full: Rect, summary_focused: bool) -> ExportAreas {
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        return ExportAreas {
            too_small: true,
            ..ExportAreas::default()
        };
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(full);
    let (summary, list) = if full.width >= EXPORT_SIDE_BY_SIDE {
        let [s, l] =
            Layout::horizontal([Constraint::Length(SUMMARY_WIDTH), Constraint::Min(0)]).areas(body);
        (Some(s), l)
    } else if summary_focused {
        (Some(body), body)
    } else {
        (None, body)
    };
    ExportAreas {
        header,
        summary,
        list,
        body,
        status,
        too_small: false,
    }
}
