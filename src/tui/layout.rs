//! Where everything goes: a pure function of the terminal size, shared by rendering, paging
//! and mouse hit-testing so they can never disagree.

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
