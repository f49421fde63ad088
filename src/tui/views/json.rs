//! Pretty JSON with syntax colours, identity fields emphasised. Every key and string goes
//! through `text::visible` (after JSON escaping, which leaves bidi characters alone).

use crate::tui::theme::Theme;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

/// Keys whose values decide identity.
pub const IDENTITY_KEYS: &[&str] = &[
    "distinct_id",
    "$device_id",
    "$user_id",
    "$anon_distinct_id",
    "$anon_id",
    "$identified_id",
    "alias",
    "$distinct_ids",
    "$distinct_id",
];

/// Text from a payload, made safe for the terminal (no JSON quoting).
fn quoted_plain(s: &str) -> String {
    idscope_core::text::visible(s).into_owned()
}

fn quoted(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    idscope_core::text::visible(&json).into_owned()
}

/// The value as indented lines (two spaces per level), starting at `indent`.
pub fn lines(value: &Value, theme: &Theme, indent: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    emit(
        value,
        theme,
        indent,
        Vec::new(),
        false,
        false,
        &[],
        &mut out,
    );
    out
}

/// As [`lines`], but in the event's `properties` each run of keys listed in `fold` (what
/// the SDK adds by itself) shrinks to one dim line, so the identity fields stay in view.
pub fn lines_folding(
    value: &Value,
    theme: &Theme,
    indent: usize,
    fold: &[&str],
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    emit(
        value,
        theme,
        indent,
        Vec::new(),
        false,
        false,
        fold,
        &mut out,
    );
    out
}

/// "… 10 automatic properties ($os … time)" for a folded run of keys.
fn folded(keys: &[&str]) -> String {
    match keys {
        [one] => format!("… {one}"),
        [a, b] => format!("… {a}, {b}"),
        [first, .., last] => format!("… {} automatic properties ({first} … {last})", keys.len()),
        [] => String::new(),
    }
}

fn scalar(v: &Value, theme: &Theme, emph: bool) -> Span<'static> {
    let (text, style) = match v {
        Value::String(s) => (quoted(s), theme.json_string),
        Value::Number(n) => (n.to_string(), theme.json_number),
        Value::Bool(b) => (b.to_string(), theme.json_literal),
        Value::Null => ("null".to_string(), theme.json_literal),
        Value::Array(_) | Value::Object(_) => (String::new(), Style::new()),
    };
    Span::styled(
        text,
        if emph {
            style.patch(theme.identity)
        } else {
            style
        },
    )
}

/// One value's lines. `fold` applies to the object under a `properties` key.
#[allow(clippy::too_many_arguments)]
fn emit(
    v: &Value,
    theme: &Theme,
    indent: usize,
    mut prefix: Vec<Span<'static>>,
    comma: bool,
    emph: bool,
    fold: &[&str],
    out: &mut Vec<Line<'static>>,
) {
    let pad = " ".repeat(indent);
    let p = theme.json_punct;
    let tail = |out: &mut Vec<Line<'static>>, close: &str| {
        let mut spans = vec![Span::raw(pad.clone()), Span::styled(close.to_string(), p)];
        if comma {
            spans.push(Span::styled(",", p));
        }
        out.push(Line::from(spans));
    };
    if prefix.is_empty() {
        prefix.push(Span::raw(pad.clone()));
    }
    match v {
        Value::Object(map) if !map.is_empty() => {
            prefix.push(Span::styled("{", p));
            out.push(Line::from(prefix));
            let n = map.len();
            let mut run: Vec<&str> = Vec::new();
            let flush = |run: &mut Vec<&str>, out: &mut Vec<Line<'static>>| {
                if !run.is_empty() {
                    out.push(Line::from(vec![
                        Span::raw(" ".repeat(indent + 2)),
                        Span::styled(quoted_plain(&folded(run)), theme.label),
                    ]));
                    run.clear();
                }
            };
            for (i, (k, child)) in map.iter().enumerate() {
                if fold.contains(&k.as_str()) {
                    run.push(k.as_str());
                    continue;
                }
                flush(&mut run, out);
                let e = emph || IDENTITY_KEYS.contains(&k.as_str());
                let key_style = if e {
                    theme.json_key.patch(theme.identity)
                } else {
                    theme.json_key
                };
                let pre = vec![
                    Span::raw(" ".repeat(indent + 2)),
                    Span::styled(quoted(k), key_style),
                    Span::styled(": ", p),
                ];
                let inner = if k == "properties" { fold } else { &[] };
                emit(child, theme, indent + 2, pre, i + 1 < n, e, inner, out);
            }
            flush(&mut run, out);
            tail(out, "}");
        }
        Value::Array(items) if !items.is_empty() => {
            prefix.push(Span::styled("[", p));
            out.push(Line::from(prefix));
            let n = items.len();
            for (i, child) in items.iter().enumerate() {
                emit(
                    child,
                    theme,
                    indent + 2,
                    Vec::new(),
                    i + 1 < n,
                    emph,
                    &[],
                    out,
                );
            }
            tail(out, "]");
        }
        Value::Object(_) => {
            prefix.push(Span::styled("{}", p));
            if comma {
                prefix.push(Span::styled(",", p));
            }
            out.push(Line::from(prefix));
        }
        Value::Array(_) => {
            prefix.push(Span::styled("[]", p));
            if comma {
                prefix.push(Span::styled(",", p));
            }
            out.push(Line::from(prefix));
        }
        _ => {
            prefix.push(scalar(v, theme, emph));
            if comma {
                prefix.push(Span::styled(",", p));
            }
            out.push(Line::from(prefix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme::MONO;

    fn text(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn matches_serde_pretty_printing() {
        let v: Value = serde_json::from_str(
            r#"{"event":"a","properties":{"distinct_id":"x","n":1.5,"b":true,"z":null,"l":[1,"2",{}],"e":[],"o":{}}}"#,
        )
        .unwrap();
        assert_eq!(
            text(&lines(&v, &MONO, 0)),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }

    #[test]
    fn escapes_control_and_bidi_characters() {
        let v = serde_json::json!({"k\u{1b}": "a\u{202e}b\u{7}"});
        let t = text(&lines(&v, &MONO, 0));
        assert!(
            !t.replace('\n', "")
                .chars()
                .any(idscope_core::text::needs_escape),
            "{t:?}"
        );
        assert!(t.contains("\\u{202e}"));
    }

    #[test]
    fn identity_fields_are_emphasised() {
        let v = serde_json::json!({"distinct_id": "x", "page": "y"});
        let ls = lines(&v, &MONO, 0);
        let style_of = |needle: &str| {
            ls.iter()
                .flat_map(|l| l.spans.iter())
                .find(|s| s.content.contains(needle))
                .map(|s| s.style)
                .unwrap()
        };
        assert_eq!(style_of("\"x\""), MONO.identity);
        assert_ne!(style_of("\"y\""), MONO.identity);
    }
}
