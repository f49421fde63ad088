//! A rendered buffer as an SVG picture of a terminal, for the screenshots in `docs/`
//! (`screenshots.rs`): a dark background, one `<text>` per run of cells drawn alike, each
//! placed at its column, and a rectangle under every run of cells with a background colour.
//! The same buffer always gives the same bytes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// One cell's advance and one row's height, in tenths of a pixel: DejaVu Sans Mono (and
/// Menlo, drawn from the same design) at 14px advances 8.43px, and its box-drawing glyphs
/// span 16.3px, so rows 16px apart make lines touch.
const CELL_W: u32 = 84;
const CELL_H: u32 = 160;
/// The baseline, from the top of a row (the font's ascent at 14px).
const BASELINE: u32 = 130;
const FONT_SIZE: u32 = 14;
/// Room around the cells, in tenths of a pixel.
const PAD: u32 = 120;
const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";

const BACKGROUND: Rgb = Rgb(0x1e, 0x1e, 0x1e);
const FOREGROUND: Rgb = Rgb(0xd4, 0xd4, 0xd4);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The 16 named colours (a common dark terminal palette), in ANSI order.
const ANSI: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00), // black
    Rgb(0xcd, 0x31, 0x31), // red
    Rgb(0x0d, 0xbc, 0x79), // green
    Rgb(0xe5, 0xe5, 0x10), // yellow
    Rgb(0x24, 0x72, 0xc8), // blue
    Rgb(0xbc, 0x3f, 0xbc), // magenta
    Rgb(0x11, 0xa8, 0xcd), // cyan
    Rgb(0xe5, 0xe5, 0xe5), // gray (white)
    Rgb(0x76, 0x76, 0x76), // dark gray (bright black)
    Rgb(0xf1, 0x4c, 0x4c), // light red
    Rgb(0x23, 0xd1, 0x8b), // light green
    Rgb(0xf5, 0xf5, 0x43), // light yellow
    Rgb(0x3b, 0x8e, 0xea), // light blue
    Rgb(0xd6, 0x70, 0xd6), // light magenta
    Rgb(0x29, 0xb8, 0xdb), // light cyan
    Rgb(0xff, 0xff, 0xff), // white
];

/// A colour, or None for the terminal's default.
fn rgb(c: Color) -> Option<Rgb> {
    let named = |i: usize| Some(ANSI[i]);
    match c {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Rgb(r, g, b) => Some(Rgb(r, g, b)),
        Color::Indexed(n) => Some(xterm(n)),
    }
}

/// The xterm 256-colour palette.
fn xterm(n: u8) -> Rgb {
    match n {
        0..=15 => ANSI[n as usize],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = n - 16;
            Rgb(level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            Rgb(v, v, v)
        }
    }
}

/// How a cell's text is drawn (its background is drawn apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ink {
    fg: Rgb,
    bold: bool,
    italic: bool,
    dim: bool,
    underline: bool,
    strike: bool,
}

/// One glyph: its first column, the columns it covers, its text, ink and background.
struct Glyph<'a> {
    x: u32,
    width: u32,
    symbol: &'a str,
    ink: Ink,
    bg: Rgb,
}

fn glyphs(buf: &Buffer, y: u16) -> Vec<Glyph<'_>> {
    let mut out = Vec::new();
    let mut x = 0u16;
    while x < buf.area.width {
        let cell = &buf[(buf.area.x + x, buf.area.y + y)];
        let symbol = cell.symbol();
        // A wide glyph covers the next cell too (ratatui leaves that one blank).
        let width = (symbol.width().max(1) as u16).min(buf.area.width - x);
        let m = cell.modifier;
        let (mut fg, mut bg) = (
            rgb(cell.fg).unwrap_or(FOREGROUND),
            rgb(cell.bg).unwrap_or(BACKGROUND),
        );
        if m.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        if m.contains(Modifier::HIDDEN) {
            fg = bg;
        }
        out.push(Glyph {
            x: u32::from(x),
            width: u32::from(width),
            symbol: if symbol.is_empty() { " " } else { symbol },
            ink: Ink {
                fg,
                bold: m.contains(Modifier::BOLD),
                italic: m.contains(Modifier::ITALIC),
                dim: m.contains(Modifier::DIM),
                underline: m.contains(Modifier::UNDERLINED),
                strike: m.contains(Modifier::CROSSED_OUT),
            },
            bg,
        });
        x += width;
    }
    out
}

/// Tenths of a pixel as an SVG number.
fn px(tenths: u32) -> String {
    match tenths % 10 {
        0 => format!("{}", tenths / 10),
        d => format!("{}.{d}", tenths / 10),
    }
}

/// Text safe inside an XML element (and free of characters XML forbids).
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// The buffer as an SVG image.
pub fn render(buf: &Buffer) -> String {
    let (w, h) = (u32::from(buf.area.width), u32::from(buf.area.height));
    let (width, height) = (w * CELL_W + 2 * PAD, h * CELL_H + 2 * PAD);
    let mut rects = String::new();
    let mut texts = String::new();
    for y in 0..buf.area.height {
        let row = glyphs(buf, y);
        let top = PAD + u32::from(y) * CELL_H;
        // Backgrounds: one rectangle per run of cells with the same non-default colour.
        let mut i = 0;
        while i < row.len() {
            let bg = row[i].bg;
            let mut j = i + 1;
            while j < row.len() && row[j].bg == bg {
                j += 1;
            }
            if bg != BACKGROUND {
                let x0 = row[i].x;
                let cells = row[j - 1].x + row[j - 1].width - x0;
                let _ = writeln!(
                    rects,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{bg}"/>"#,
                    px(PAD + x0 * CELL_W),
                    px(top),
                    px(cells * CELL_W),
                    px(CELL_H),
                );
            }
            i = j;
        }
        // Text: one <text> per run of glyphs drawn alike; a wide glyph ends its run, so
        // the columns after it are placed anew whatever the font does with it.
        let mut i = 0;
        while i < row.len() {
            let ink = row[i].ink;
            let mut j = i + 1;
            while j < row.len() && row[j].ink == ink && row[j - 1].width == 1 {
                j += 1;
            }
            let mut run = &row[i..j];
            i = j;
            // Blanks at either end draw nothing (unless underlined or struck through).
            if !(ink.underline || ink.strike) {
                while let [g, rest @ ..] = run {
                    if g.symbol != " " {
                        break;
                    }
                    run = rest;
                }
                while let [rest @ .., g] = run {
                    if g.symbol != " " {
                        break;
                    }
                    run = rest;
                }
            }
            let (Some(first), Some(last)) = (run.first(), run.last()) else {
                continue;
            };
            let cells = last.x + last.width - first.x;
            let mut attrs = format!(
                r#"x="{}" y="{}" textLength="{}""#,
                px(PAD + first.x * CELL_W),
                px(top + BASELINE),
                px(cells * CELL_W),
            );
            if ink.fg != FOREGROUND {
                let _ = write!(attrs, r#" fill="{}""#, ink.fg);
            }
            if ink.bold {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if ink.italic {
                attrs.push_str(r#" font-style="italic""#);
            }
            if ink.dim {
                attrs.push_str(r#" opacity="0.6""#);
            }
            match (ink.underline, ink.strike) {
                (true, true) => attrs.push_str(r#" text-decoration="underline line-through""#),
                (true, false) => attrs.push_str(r#" text-decoration="underline""#),
                (false, true) => attrs.push_str(r#" text-decoration="line-through""#),
                (false, false) => {}
            }
            let _ = write!(texts, "<text {attrs}>");
            for g in run {
                escape(g.symbol, &mut texts);
            }
            texts.push_str("</text>\n");
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
            "\n",
            r#"<rect width="100%" height="100%" rx="8" fill="{bg}"/>"#,
            "\n",
            r#"<g shape-rendering="crispEdges">"#,
            "\n{rects}</g>\n",
            r#"<g font-family="{font}" font-size="{size}" fill="{fg}" xml:space="preserve">"#,
            "\n{texts}</g>\n</svg>\n",
        ),
        w = px(width),
        h = px(height),
        bg = BACKGROUND,
        rects = rects,
        font = FONT,
        size = FONT_SIZE,
        fg = FOREGROUND,
        texts = texts,
    );
    out
}

#[test]
fn svg_runs_escape_and_place_wide_glyphs() {
    let mut buf = Buffer::empty(Rect::new(0, 0, 8, 2));
    buf.set_string(0, 0, "a<b", Style::new().fg(Color::Red));
    buf.set_string(3, 0, "&", Style::new().add_modifier(Modifier::REVERSED));
    buf.set_string(0, 1, "界x", Style::new().fg(Color::Indexed(196)));
    let svg = render(&buf);
    assert_eq!(svg, render(&buf), "deterministic");
    assert!(svg.contains(r##"fill="#cd3131">a&lt;b</text>"##), "{svg}");
    // Reversed: the default foreground as background, the default background as ink.
    assert!(
        svg.contains(r##"width="8.4" height="16" fill="#d4d4d4"/>"##),
        "{svg}"
    );
    assert!(svg.contains(r##"fill="#1e1e1e">&amp;</text>"##), "{svg}");
    // The wide glyph ends its run; "x" starts at column 2.
    assert!(
        svg.contains(r##"textLength="16.8" fill="#ff0000">界</text>"##),
        "{svg}"
    );
    assert!(
        svg.contains(r##"<text x="28.8" y="41" textLength="8.4" fill="#ff0000">x</text>"##),
        "{svg}"
    );
}
