//! Text measured in terminal cells, not chars: a CJK character or an emoji takes two, a
//! combining mark none. Every fit, wrap, pad and column of the explorer goes through here,
//! so wide characters never push a border or lose a character at a line end.

use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cells `s` takes on screen.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// The longest prefix of `s` that fits in `cells`, and its width.
fn take_prefix(s: &str, cells: usize) -> (&str, usize) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > cells {
            return (&s[..i], used);
        }
        used += w;
    }
    (s, used)
}

/// The longest suffix of `s` that fits in `cells`.
fn take_suffix(s: &str, cells: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        let w = char_width(c);
        if used + w > cells {
            return &s[i + c.len_utf8()..];
        }
        used += w;
    }
    s
}

/// The end of `s` that fits in `cells` (a text prompt keeps where the typing happens in view).
pub fn tail(s: &str, cells: usize) -> &str {
    take_suffix(s, cells)
}

/// `s` cut to `cells`, with an ellipsis when cut.
pub fn fit(s: &str, cells: usize) -> String {
    if width(s) <= cells {
        return s.to_string();
    }
    if cells == 0 {
        return String::new();
    }
    let (head, _) = take_prefix(s, cells - 1);
    format!("{head}…")
}

/// `s` cut in the middle to `cells` (`$device:0504…144f`): ids differ at both ends, so both
/// stay readable.
pub fn fit_middle(s: &str, cells: usize) -> String {
    if width(s) <= cells {
        return s.to_string();
    }
    if cells < 5 {
        return fit(s, cells);
    }
    let tail_cells = (cells - 1) / 2;
    let (head, _) = take_prefix(s, cells - 1 - tail_cells);
    let tail = take_suffix(s, tail_cells);
    format!("{head}…{tail}")
}

/// `s` fitted to `cells` and padded with spaces to exactly that width.
pub fn pad(s: &str, cells: usize) -> String {
    let f = fit(s, cells);
    let w = width(&f);
    format!("{f}{}", " ".repeat(cells.saturating_sub(w)))
}

/// `s` with its first `cells` cells dropped (horizontal scrolling); a wide character cut
/// in half becomes a space.
pub fn skip(s: &str, cells: usize) -> String {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if used >= cells {
            return s[i..].to_string();
        }
        let w = char_width(c);
        if used + w > cells {
            return format!("{}{}", " ".repeat(used + w - cells), &s[i + c.len_utf8()..]);
        }
        used += w;
    }
    String::new()
}

/// Greedy word wrap to `cells` (a word longer than a line is broken, never dropped).
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in s.split(' ') {
        let mut word = word;
        // Measured once: a 100 kB word is broken into many rows (no re-measuring each time).
        let mut wl = width(word);
        loop {
            let need = if len == 0 { wl } else { len + 1 + wl };
            if need <= cells {
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(word);
                len = need;
                break;
            }
            if len > 0 {
                out.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word longer than a line: break it at the cell boundary.
            let (head, hw) = take_prefix(word, cells);
            let head = if hw == 0 {
                // One character wider than the line: it gets a line of its own.
                let c = word.chars().next().map_or(0, char::len_utf8);
                &word[..c]
            } else {
                head
            };
            out.push(head.to_string());
            wl -= width(head);
            word = &word[head.len()..];
            if word.is_empty() {
                break;
            }
        }
    }
    if len > 0 || out.is_empty() {
        out.push(line);
    }
    out
}

/// Splits a styled line wider than `cells` into rows, continuing after `indent` spaces;
/// every character is kept.
pub fn hard_wrap(line: Line<'static>, cells: usize, indent: usize) -> Vec<Line<'static>> {
    let cells = cells.max(indent + 8);
    if line.width() <= cells {
        return vec![line];
    }
    let style = line.style;
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            let (head, hw) = take_prefix(rest, cells - used);
            if hw == 0 && used > indent {
                out.push(Line::from(std::mem::take(&mut cur)).style(style));
                cur.push(Span::raw(" ".repeat(indent)));
                used = indent;
                continue;
            }
            // A character wider than a whole row still goes somewhere.
            let head = if head.is_empty() {
                &rest[..rest.chars().next().map_or(0, char::len_utf8)]
            } else {
                head
            };
            cur.push(Span::styled(head.to_string(), span.style));
            used += width(head);
            rest = &rest[head.len()..];
        }
    }
    if !cur.is_empty() {
        out.push(Line::from(cur).style(style));
    }
    out
}

/// Word-wraps a styled line to `cells`, continuing after `indent` spaces: breaks at spaces,
/// splits only words longer than a row, and keeps every character and its style.
pub fn wrap_line(line: Line<'static>, cells: usize, indent: usize) -> Vec<Line<'static>> {
    let cells = cells.max(indent + 8);
    if line.width() <= cells {
        return vec![line];
    }
    let style = line.style;
    // Words (with the spaces after them), each a run of styled pieces.
    let mut words: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    for span in line.spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            let cut = rest.find(' ').map_or(rest.len(), |i| i + 1);
            let (piece, tail) = rest.split_at(cut);
            words
                .last_mut()
                .unwrap_or_else(|| unreachable!())
                .push(Span::styled(piece.to_string(), span.style));
            if piece.ends_with(' ') {
                words.push(Vec::new());
            }
            rest = tail;
        }
    }
    // A row ends without the spaces that separated it from the next word.
    let row = |mut spans: Vec<Span<'static>>| {
        while let Some(last) = spans.last_mut() {
            let trimmed = last.content.trim_end_matches(' ').len();
            if trimmed == last.content.len() {
                break;
            }
            last.content = last.content[..trimmed].to_string().into();
            if last.content.is_empty() {
                spans.pop();
            } else {
                break;
            }
        }
        Line::from(spans).style(style)
    };
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for word in words {
        let w: usize = word.iter().map(|s| width(&s.content)).sum();
        let bare = w - word
            .last()
            .map_or(0, |s| usize::from(s.content.ends_with(' ')));
        if used > indent.min(used) && used + bare > cells && !cur.is_empty() {
            out.push(row(std::mem::take(&mut cur)));
            cur.push(Span::raw(" ".repeat(indent)));
            used = indent;
        }
        if used + bare <= cells {
            used += w;
            cur.extend(word);
            continue;
        }
        // A word longer than a row: split it.
        for l in hard_wrap(Line::from(word), cells, indent) {
            let lw = l.width();
            if !cur.is_empty() && used + lw > cells {
                out.push(row(std::mem::take(&mut cur)));
                cur.push(Span::raw(" ".repeat(indent)));
                used = indent;
            }
            used += lw;
            cur.extend(l.spans);
        }
    }
    if !cur.is_empty() {
        out.push(row(cur));
    }
    out
}

/// A styled line cut to `cells`, ending in `…` when cut (no silent clipping).
pub fn fit_line(line: Line<'static>, cells: usize) -> Line<'static> {
    if line.width() <= cells {
        return line;
    }
    let style = line.style;
    let mut out = Vec::new();
    let mut room = cells.saturating_sub(1);
    for span in line.spans {
        if room == 0 {
            break;
        }
        let (head, w) = take_prefix(&span.content, room);
        room -= w;
        out.push(Span::styled(head.to_string(), span.style));
        if w < width(&span.content) {
            break;
        }
    }
    if cells > 0 {
        out.push(Span::styled("…", style));
    }
    Line::from(out).style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_count_cells_not_chars() {
        assert_eq!(width("名前"), 4);
        assert_eq!(fit("名前です", 5), "名前…");
        assert_eq!(width(&fit("名前です", 5)), 5);
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("名", 4), "名  ");
    }

    #[test]
    fn middle_keeps_both_ends() {
        let id = "0504ca23-7d51-4bfc-9d5a-66cf144f";
        let s = fit_middle(id, 9);
        assert_eq!(s, "0504…144f");
        assert!(width(&fit_middle("名前名前名前名前", 7)) <= 7);
        assert_eq!(fit_middle("short", 10), "short");
    }

    #[test]
    fn wrap_never_loses_a_character() {
        for text in [
            "so Log In and Purchase",
            "$anon_distinct_id: $device:W}",
            "alice 名前のテスト abc",
        ] {
            for w in 1..12 {
                let rows = wrap(text, w);
                assert!(
                    rows.iter().all(|r| width(r) <= w.max(2)),
                    "{text:?} at {w}: {rows:?}"
                );
                let joined: String = rows.concat().chars().filter(|c| *c != ' ').collect();
                let want: String = text.chars().filter(|c| *c != ' ').collect();
                assert_eq!(joined, want, "{text:?} at {w}");
            }
        }
    }

    #[test]
    fn hard_wrap_keeps_every_character() {
        let l = Line::from(vec![Span::raw("abcdefghij"), Span::raw("klmnopqrst")]);
        let rows = hard_wrap(l, 10, 2);
        let text: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(text, ["abcdefghij", "  klmnopqr", "  st"]);
        let l = Line::from(vec![Span::raw("名前名前名前名前名前")]);
        let rows = hard_wrap(l, 9, 0);
        assert!(rows.iter().all(|r| r.width() <= 9));
        let all: String = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(all, "名前名前名前名前名前");
    }

    #[test]
    fn wrap_line_breaks_at_spaces_and_keeps_everything() {
        let l = Line::from(vec![
            Span::raw("rests on  "),
            Span::raw("[choice] what counts as GUID-shaped (knob original.guid_check = lenient)"),
        ]);
        let rows = wrap_line(l, 30, 4);
        let text: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert!(rows.iter().all(|r| r.width() <= 30), "{text:?}");
        assert!(
            text.iter().any(|r| r.contains("original.guid_check")),
            "{text:?}"
        );
        let joined: String = text.concat().split_whitespace().collect();
        assert_eq!(
            joined,
            "restson[choice]whatcountsasGUID-shaped(knoboriginal.guid_check=lenient)"
        );
    }

    #[test]
    fn fit_line_marks_the_cut() {
        let l = Line::from(vec![Span::raw("abc"), Span::raw("defgh")]);
        assert_eq!(fit_line(l.clone(), 5).to_string(), "abcd…");
        assert_eq!(fit_line(l, 8).to_string(), "abcdefgh");
    }

    #[test]
    fn skip_scrolls_by_cells() {
        assert_eq!(skip("abcdef", 2), "cdef");
        assert_eq!(skip("名前", 1), " 前");
        assert_eq!(skip("ab", 5), "");
    }
}
